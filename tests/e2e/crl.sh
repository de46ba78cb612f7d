#!/usr/bin/env bash
# crl.sh - revocation and CRLs (RFC 5280 5, BR 7.2.2, POLICY.md K3): each
# sub-root's CRLv2 and the root's CRL over the sub-roots verify with
# openssl and python cryptography, list revoked serials with their reason,
# and their CRL numbers only grow.  Bad revocations are refused.
. "$(dirname "$0")/lib.sh"

make_ca A >/dev/null || { notok "ceremony"; exit 1; }
S="--share A/ca/shares/share-1.txt --share A/ca/shares/share-3.txt"
sig() { fe-signer -c A/signer.ini $S "$@"; }
C=A/ca/certs
newcsr p256 a.csr
for i in 1 2 3; do
	request "c-$i" tls-server a.csr "dns: host$i.example.org" "days: 30" >r$i.req
	sig sign -o c$i.pem r$i.req 2>/dev/null
done
serial() { openssl x509 -in "$1" -noout -serial | cut -d= -f2; }
s1=$(serial c1.pem); s2=$(serial c2.pem); s3=$(serial c3.pem)

check "empty CRL for the TLS sub-root" sig crl -o server-1.crl server
check "openssl crl -verify accepts it" bash -c \
	"openssl crl -in server-1.crl -CAfile $C/server.pem -noout -verify 2>&1 | grep -q 'verify OK'"
check "it is a CRLv2 with AKI and CRL number 1" bash -c \
	"openssl crl -in server-1.crl -noout -text | grep -q 'Version 2' &&
	 openssl crl -in server-1.crl -noout -text | grep -q 'X509v3 Authority Key Identifier' &&
	 test \"\$(openssl crl -in server-1.crl -noout -crlnumber)\" = crlNumber=0x01"

check "revoke with keyCompromise" sig revoke "$s1" keyCompromise
check "revoke with unspecified (lower-case serial with leading zeros)" \
	sig revoke "000$(echo "$s2" | tr A-F a-f)" unspecified
refuses "revoking twice is refused" "already revoked" sig revoke "$s1" superseded
refuses "an unknown serial is refused" "no certificate with this serial" sig revoke 0123456789abcdef keyCompromise
refuses "certificateHold is refused (no suspension)" "certificateHold is not allowed" sig revoke "$(serial c3.pem)" certificateHold
refuses "cACompromise on a leaf is refused" "for CA certificates only" sig revoke "$(serial c3.pem)" cACompromise
refuses "an unknown reason is refused" "not an RFC 5280 reason" sig revoke "$(serial c3.pem)" bored
refuses "a malformed serial is refused" "not 1 to 40 hex digits" sig revoke "xyz" keyCompromise

check "second CRL for the TLS sub-root" sig crl -o server-2.crl server
check "openssl crl -verify accepts it" bash -c \
	"openssl crl -in server-2.crl -CAfile $C/server.pem -noout -verify 2>&1 | grep -q 'verify OK'"
check "the CRL number grew to 2" test "$(openssl crl -in server-2.crl -noout -crlnumber)" = crlNumber=0x02
openssl crl -in server-2.crl -noout -text >crl2.txt
check "the keyCompromise serial is listed with its reason" bash -c \
	"grep -A4 'Serial Number: $s1' crl2.txt | grep -q 'Key Compromise'"
check "the unspecified one is listed without a reasonCode (RFC 5280 5.3.1)" bash -c \
	"grep -q 'Serial Number: $s2' crl2.txt && ! grep -A4 'Serial Number: $s2' crl2.txt | grep -q 'Reason Code'"
check "the unrevoked certificate is not listed" bash -c "! grep -q '$s3' crl2.txt"
check "nextUpdate is 7 days after thisUpdate (crl_hours = 168)" $PY -c "
from cryptography import x509
c = x509.load_pem_x509_crl(open('server-2.crl','rb').read())
d = c.next_update - c.last_update
assert d.total_seconds() == 168*3600, d"
check "python cryptography: signature valid, entries and reasons" $PY -c "
from cryptography import x509
crl = x509.load_pem_x509_crl(open('server-2.crl','rb').read())
ca = x509.load_pem_x509_certificate(open('$C/server.pem','rb').read())
assert crl.is_signature_valid(ca.public_key())
r = crl.get_revoked_certificate_by_serial_number(int('$s1', 16))
assert r.extensions.get_extension_for_class(x509.CRLReason).value.reason == x509.ReasonFlags.key_compromise
assert crl.get_revoked_certificate_by_serial_number(int('$s2', 16)) is not None
assert crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == 2
"
check "openssl verify -crl_check rejects the revoked certificate" bash -c \
	"openssl verify -crl_check -CAfile $C/root.pem -untrusted $C/server.pem -CRLfile server-2.crl c1.pem 2>&1 | grep -q 'certificate revoked'"
check "and accepts the good one" \
	openssl verify -crl_check -CAfile $C/root.pem -untrusted $C/server.pem -CRLfile server-2.crl c3.pem

# The root's CRL over its sub-roots (POLICY.md K3).
check "revoke a sub-root (members) with cACompromise" sig revoke "$(serial $C/members.pem)" cACompromise
check "the root signs a CRL over the sub-roots" sig crl -o root.crl root
check "openssl crl -verify accepts the root's CRL" bash -c \
	"openssl crl -in root.crl -CAfile $C/root.pem -noout -verify 2>&1 | grep -q 'verify OK'"
check "the root's CRL lists the members sub-root as cACompromise" bash -c \
	"openssl crl -in root.crl -noout -text | grep -A4 \"Serial Number: \$(serial $C/members.pem)\" | grep -q 'CA Compromise'"
check "nextUpdate of the root's CRL is 365 days out" $PY -c "
from cryptography import x509
c = x509.load_pem_x509_crl(open('root.crl','rb').read())
assert (c.next_update - c.last_update).days == 365"
check "each CRL is in the request log" bash -c \
	"test \$(grep -c '	crl	' A/signer-requests.log) -eq 3"
check "the request log verifies" fe log verify A/signer-requests.log
done_testing
