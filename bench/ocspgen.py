#!/usr/bin/python3
"""ocspgen.py - the OCSP inputs of bench/status.sh, with python cryptography.

    ocspgen.py ISSUER.pem CERTS.pem CRL.pem RESP.pem RESP.key OUTDIR
    ocspgen.py check URL post|get DIR K

check: sends K of DIR's requests (spread over the set, revoked ones among
them) to the responder at URL and checks each answer: HTTP 200, OCSP
successful, one SingleResponse for the serial asked, good or revoked as
serials.txt says, and a signature that verifies with the key of the
certificate the response carries (or of DIR/resp.pem when it carries
none).  Prints "ok K" or the first failure, exit status 0 or 1.

From the issuer (the server sub-root), the issued certificates and its CRL:

  requests.bin   every certificate's OCSP request, DER, SHA-1 CertID and
                 no nonce (RFC 5019 2.1.1), each as a 2-byte big-endian
                 length then the DER (read by status.lua)
  get-paths.txt  the same requests for GET: "/" then the URL-encoded
                 base64 of the DER (RFC 6960 appendix A), one per line
  index.txt      the CA database of `openssl ocsp -index`: V or R lines,
                 R with the revocation time and reason from the CRL
  cfssl.txt      for `cfssl ocspserve -responses`: one base64 DER response
                 per line (cfssl splits the file on white space and keys
                 responses by serial), signed now by the delegated responder
                 (RESP.pem, RESP.key), responder ID by key hash, the
                 responder certificate included, nextUpdate in 7 days,
                 good or revoked (time and reason) as the CRL says
  serials.txt    "SERIALHEX good|revoked" per certificate, in the same order
"""
import base64
import datetime
import os
import struct
import sys
import urllib.parse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp


def load_certs(path):
    data = open(path, "rb").read()
    if hasattr(x509, "load_pem_x509_certificates"):
        return x509.load_pem_x509_certificates(data)
    out, marker = [], b"-----END CERTIFICATE-----"
    for chunk in data.split(marker)[:-1]:
        out.append(x509.load_pem_x509_certificate(chunk + marker))
    return out


def asn1_time(t):
    return t.strftime("%y%m%d%H%M%SZ")


def reason_name(r):
    # openssl ca's names (crypto/x509/v3_crld.c / apps/ca.c crl_reasons)
    return {
        x509.ReasonFlags.unspecified: "unspecified",
        x509.ReasonFlags.key_compromise: "keyCompromise",
        x509.ReasonFlags.ca_compromise: "CACompromise",
        x509.ReasonFlags.affiliation_changed: "affiliationChanged",
        x509.ReasonFlags.superseded: "superseded",
        x509.ReasonFlags.cessation_of_operation: "cessationOfOperation",
        x509.ReasonFlags.certificate_hold: "certificateHold",
        x509.ReasonFlags.remove_from_crl: "removeFromCRL",
        x509.ReasonFlags.privilege_withdrawn: "privilegeWithdrawn",
        x509.ReasonFlags.aa_compromise: "AACompromise",
    }[r]


def main():
    issuer_p, certs_p, crl_p, resp_p, key_p, out = sys.argv[1:7]
    issuer = x509.load_pem_x509_certificate(open(issuer_p, "rb").read())
    certs = load_certs(certs_p)
    crl = x509.load_pem_x509_crl(open(crl_p, "rb").read())
    resp = x509.load_pem_x509_certificate(open(resp_p, "rb").read())
    key = serialization.load_pem_private_key(open(key_p, "rb").read(), None)
    assert crl.is_signature_valid(issuer.public_key()), "CRL signature"

    revoked = {}
    for r in crl:
        reason = None
        try:
            reason = r.extensions.get_extension_for_class(x509.CRLReason).value.reason
        except x509.ExtensionNotFound:
            pass
        revoked[r.serial_number] = (r.revocation_date, reason)

    now = datetime.datetime.utcnow().replace(microsecond=0)
    nxt = now + datetime.timedelta(days=7)
    with open(os.path.join(out, "requests.bin"), "wb") as fr, \
            open(os.path.join(out, "get-paths.txt"), "w") as fg, \
            open(os.path.join(out, "index.txt"), "w") as fi, \
            open(os.path.join(out, "cfssl.txt"), "w") as fc, \
            open(os.path.join(out, "serials.txt"), "w") as fs:
        for c in certs:
            req = ocsp.OCSPRequestBuilder().add_certificate(
                c, issuer, hashes.SHA1()).build()
            der = req.public_bytes(serialization.Encoding.DER)
            fr.write(struct.pack(">H", len(der)) + der)
            fg.write("/" + urllib.parse.quote(base64.b64encode(der).decode(),
                                              safe="") + "\n")
            sn = c.serial_number
            hexsn = "%X" % sn
            if len(hexsn) % 2:
                hexsn = "0" + hexsn
            exp = asn1_time(c.not_valid_after)
            subj = "/" + "/".join(a.rfc4514_string() for a in c.subject)
            b = ocsp.OCSPResponseBuilder().add_response(
                cert=c, issuer=issuer, algorithm=hashes.SHA1(),
                cert_status=(ocsp.OCSPCertStatus.REVOKED if sn in revoked
                             else ocsp.OCSPCertStatus.GOOD),
                this_update=now, next_update=nxt,
                revocation_time=revoked[sn][0] if sn in revoked else None,
                revocation_reason=revoked[sn][1] if sn in revoked else None,
            ).responder_id(ocsp.OCSPResponderEncoding.HASH, resp
            ).certificates([resp])
            rder = b.sign(key, hashes.SHA256()).public_bytes(
                serialization.Encoding.DER)
            fc.write(base64.b64encode(rder).decode() + "\n")
            if sn in revoked:
                rt, reason = revoked[sn]
                rs = asn1_time(rt)
                if reason is not None:
                    rs += "," + reason_name(reason)
                fi.write("R\t%s\t%s\t%s\tunknown\t%s\n" % (exp, rs, hexsn, subj))
                fs.write("%s revoked\n" % hexsn)
            else:
                fi.write("V\t%s\t\t%s\tunknown\t%s\n" % (exp, hexsn, subj))
                fs.write("%s good\n" % hexsn)
    print("requests: %d, revoked: %d" % (len(certs), len(revoked)))


def check():
    import urllib.request
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    url, mode, d, k = sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
    data = open(os.path.join(d, "requests.bin"), "rb").read()
    reqs, pos = [], 0
    while pos < len(data):
        (l,) = struct.unpack(">H", data[pos:pos + 2])
        reqs.append(data[pos + 2:pos + 2 + l])
        pos += 2 + l
    paths = open(os.path.join(d, "get-paths.txt")).read().split()
    want = [l.split() for l in open(os.path.join(d, "serials.txt"))]
    rcert = x509.load_pem_x509_certificate(
        open(os.path.join(d, "resp.pem"), "rb").read())
    picks = sorted(set([j * len(reqs) // k for j in range(k)] +
                       [j for j, w in enumerate(want) if w[1] == "revoked"][:3]))
    for j in picks:
        if mode == "get":
            r = urllib.request.Request(url.rstrip("/") + paths[j])
        else:
            r = urllib.request.Request(url, data=reqs[j], headers={
                "Content-Type": "application/ocsp-request"})
        try:
            body = urllib.request.urlopen(r, timeout=10).read()
        except Exception as e:
            print("request %d: %s" % (j, e))
            return 1
        o = ocsp.load_der_ocsp_response(body)
        if o.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
            print("request %d: %s" % (j, o.response_status))
            return 1
        sn, st = int(want[j][0], 16), want[j][1]
        got = o.certificate_status
        if o.serial_number != sn or \
                (got == ocsp.OCSPCertStatus.GOOD) != (st == "good") or \
                (got == ocsp.OCSPCertStatus.REVOKED) != (st == "revoked"):
            print("request %d: serial %X is %s, want %s" %
                  (j, o.serial_number, got, st))
            return 1
        signer = o.certificates[0] if o.certificates else rcert
        pub = signer.public_key()
        if isinstance(pub, ec.EllipticCurvePublicKey):
            pub.verify(o.signature, o.tbs_response_bytes,
                       ec.ECDSA(o.signature_hash_algorithm))
        elif isinstance(pub, rsa.RSAPublicKey):
            pub.verify(o.signature, o.tbs_response_bytes, padding.PKCS1v15(),
                       o.signature_hash_algorithm)
        else:
            pub.verify(o.signature, o.tbs_response_bytes)
    print("ok %d" % len(picks))
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["check"]:
        sys.exit(check())
    main()
