#!/usr/bin/python3
"""check_cert.py CERT ISSUER [--ext NAME...] [--critical NAME...] [--no-subject]

Checks a certificate with python3-cryptography (not our own parser): the
signature verifies under ISSUER's key, the issuer name matches, the serial
is positive, at most 20 octets and has at least 128 bits, and the set of
extensions is exactly the given one (names below), with criticality.
Exits non-zero with a message naming what is wrong.
"""
import sys
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtensionOID as E

NAMES = {
    "ku": E.KEY_USAGE, "eku": E.EXTENDED_KEY_USAGE,
    "cp": E.CERTIFICATE_POLICIES, "san": E.SUBJECT_ALTERNATIVE_NAME,
    "cdp": E.CRL_DISTRIBUTION_POINTS, "aia": E.AUTHORITY_INFORMATION_ACCESS,
    "aki": E.AUTHORITY_KEY_IDENTIFIER, "ski": E.SUBJECT_KEY_IDENTIFIER,
    "bc": E.BASIC_CONSTRAINTS, "nocheck": E.OCSP_NO_CHECK,
}


def fail(msg):
    print("check_cert: " + msg)
    sys.exit(1)


def main(argv):
    cert = x509.load_pem_x509_certificate(open(argv[1], "rb").read())
    issuer = x509.load_pem_x509_certificate(open(argv[2], "rb").read())
    want, crit, mode = set(), set(), None
    for a in argv[3:]:
        if a in ("--ext", "--critical"):
            mode = a
            continue
        if a not in NAMES:
            fail("unknown extension name " + a)
        (want if mode == "--ext" else crit).add(NAMES[a])
    pub = issuer.public_key()
    if isinstance(pub, ec.EllipticCurvePublicKey):
        pub.verify(cert.signature, cert.tbs_certificate_bytes,
                   ec.ECDSA(cert.signature_hash_algorithm))
    elif isinstance(pub, rsa.RSAPublicKey):
        pub.verify(cert.signature, cert.tbs_certificate_bytes,
                   padding.PKCS1v15(), cert.signature_hash_algorithm)
    else:
        fail("unexpected issuer key type")
    if cert.issuer != issuer.subject:
        fail("issuer name differs from the issuer's subject")
    s = cert.serial_number
    if s <= 0 or s.bit_length() > 159 or s.bit_length() < 128:
        fail("serial %x: not positive with 128..159 bits" % s)
    have = {e.oid for e in cert.extensions}
    if have != want:
        names = {v: k for k, v in NAMES.items()}
        fail("extensions %s, expected %s" % (
            sorted(names.get(o, o.dotted_string) for o in have),
            sorted(names.get(o, o.dotted_string) for o in want)))
    for e in cert.extensions:
        if e.critical != (e.oid in crit):
            fail("extension %s critical=%s" % (e.oid.dotted_string, e.critical))
    print("ok")


main(sys.argv)
