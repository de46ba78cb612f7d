#!/usr/bin/env bash
# reject.sh - every refusal of the signing engine, each with its expected
# reason (POLICY.md C4, BR 6.1.1.3, 6.1.5, 6.1.6, 6.3.2, 7.1.2.7.12), and
# proof that a refusal changes nothing already stored.
. "$(dirname "$0")/lib.sh"

make_ca A >/dev/null || { notok "ceremony"; exit 1; }
S="--share A/ca/shares/share-1.txt --share A/ca/shares/share-2.txt"
sig() { fe-signer -c A/signer.ini $S "$@"; }
newcsr p256 good.csr

# Something stored before the refusals.
request keep tls-server good.csr "dns: www.example.org" "days: 30" >keep.req
check "a certificate is issued before the refusals" sig sign -o keep.pem keep.req
before=$(sqlite3 A/signer.db "select count(*), group_concat(serial) from cert")

# refuse_req DESC PATTERN PROFILE CSR HEADERS...: the request is refused
# and the message contains PATTERN.
rid=0
refuse_req() {
	local desc=$1 pat=$2 profile=$3 csr=$4; shift 4
	rid=$((rid + 1))
	request "r-$rid" "$profile" "$csr" "$@" >r.req
	refuses "$desc" "$pat" sig sign r.req
}

# --- keys (CSRs made by tests/tools/mkcsr) ---------------------------------
for k in rsa1024 rsa-e1 rsa-e65536 roca close-primes p521 secp256k1 ed25519 badsig; do
	mkcsr "$k" "$k.csr" >/dev/null 2>&1 || notok "mkcsr $k"
done
D="dns: www.example.org"
refuse_req "RSA-1024 key" "BR 6.1.5: RSA modulus of 1024 bits is under the 2048-bit minimum" tls-server rsa1024.csr "$D" "days: 30"
refuse_req "RSA exponent 1" "RSA public exponent 1 is under the minimum of 3" tls-server rsa-e1.csr "$D" "days: 30"
refuse_req "RSA exponent even" "RSA public exponent 65536 is even" tls-server rsa-e65536.csr "$D" "days: 30"
refuse_req "ROCA-affected modulus" "ROCA" tls-server roca.csr "$D" "days: 30"
refuse_req "close primes (Fermat)" "Fermat" tls-server close-primes.csr "$D" "days: 30"
refuse_req "unsupported curve P-521" "secp521r1 is not allowed" tls-server p521.csr "$D" "days: 30"
refuse_req "unsupported curve secp256k1" "secp256k1 is not allowed" tls-server secp256k1.csr "$D" "days: 30"
refuse_req "Ed25519 key type" "is not allowed" tls-server ed25519.csr "$D" "days: 30"
refuse_req "bad CSR signature (no proof of possession)" "no proof of possession" tls-server badsig.csr "$D" "days: 30"
refuse_req "RSA-2048 for code signing (profile minimum 3072)" "under the 3072-bit minimum" code-signing \
	"$(newcsr rsa2048 r2048.csr && echo r2048.csr)" "subject: CN=Alice" "days: 30"

# --- names ---------------------------------------------------------------
refuse_req "wildcard where the profile does not allow it" "wildcards are not allowed" tls-server good.csr "dns: *.example.org" "days: 30"
refuse_req "wildcard not the whole leftmost label" "leftmost label" tls-server-org good.csr "dns: www.*.example.org" "subject: O=X" "subject: C=NL" "days: 30"
refuse_req "internal name: single label" "internal name" tls-server good.csr "dns: printer" "days: 30"
refuse_req "internal name: .local" "internal name" tls-server good.csr "dns: nas.local" "days: 30"
refuse_req "internal name: .internal" "internal name" tls-server good.csr "dns: db.corp.internal" "days: 30"
refuse_req "reserved IP: RFC 1918" "reserved IP address" tls-server good.csr "ip: 10.1.2.3" "days: 30"
refuse_req "reserved IP: loopback" "reserved IP address" tls-server good.csr "ip: 127.0.0.1" "days: 30"
refuse_req "reserved IP: IPv6 unique local" "reserved IP address" tls-server good.csr "ip: fd00::1" "days: 30"
refuse_req "upper-case DNS name" "lower case" tls-server good.csr "dns: WWW.example.org" "days: 30"
refuse_req "malformed DNS name" "dns name 'a..example.org'" tls-server good.csr "dns: a..example.org" "days: 30"
refuse_req "malformed email address" "email address" smime-mailbox good.csr "email: alice@@example.org" "days: 30"
refuse_req "email name in a TLS profile" "does not allow email names" tls-server good.csr "email: a@example.org" "days: 30"
refuse_req "no names in a TLS profile" "needs at least one name" tls-server good.csr "days: 30"
refuse_req "name given twice" "given twice" tls-server good.csr "$D" "$D" "days: 30"

# --- subject -------------------------------------------------------------
refuse_req "subject attribute the profile does not allow" "does not allow the subject attribute O" tls-server good.csr "$D" "subject: O=Example" "days: 30"
refuse_req "CN that is not one of the names" "is not one of the certificate's names" tls-server good.csr "$D" "subject: CN=other.example.org" "days: 30"
refuse_req "OV profile without O" "requires the subject attribute O" tls-server-org good.csr "$D" "subject: C=NL" "days: 30"
refuse_req "bad country code" "ISO 3166-1" tls-server-org good.csr "$D" "subject: O=X" "subject: C=nl" "days: 30"

# --- validity ------------------------------------------------------------
refuse_req "TLS validity over the BR limit (201 days)" "over the 200-day maximum of BR 6.3.2" tls-server good.csr "$D" "days: 201"
refuse_req "S/MIME validity over the profile (826 days)" "over the 825-day maximum of profile smime-mailbox" smime-mailbox good.csr "email: a@example.org" "days: 826"
refuse_req "not-after in the past" "not in the future" tls-server good.csr "$D" "not-after: 2020-01-01T00:00:00Z"
newcsr p384 p384.csr
refuse_req "validity beyond the issuer" "outlive its issuer" sub-ca p384.csr "subject: CN=Sub" "subject: O=X" "subject: C=NL" "days: 3650"

# --- request format ------------------------------------------------------
refuse_req "unknown profile" "unknown profile 'no-such-profile'" no-such-profile good.csr "$D" "days: 30"
refuse_req "issuer the profile does not use" "is not issued by members" tls-server good.csr "issuer: members" "$D" "days: 30"
refuse_req "unknown field" "unknown field 'colour'" tls-server good.csr "$D" "colour: blue" "days: 30"
refuse_req "no validity" "neither days nor not-after" tls-server good.csr "$D"
head -c 3000 /dev/urandom >garbage.req
refuses "garbage" "not a foureyes signing request" sig sign garbage.req
openssl req -in good.csr -outform DER -out good.der
head -c 100 good.der >trunc.der
request r-trunc tls-server trunc.der "$D" "days: 30" >trunc.req
refuses "truncated DER CSR" "not a valid DER certificate request" sig sign trunc.req
request r-trail tls-server good.der "$D" "days: 30" >trail.req
printf 'junk' >>trail.req
refuses "DER CSR with trailing bytes" "bytes after the DER certificate request" sig sign trail.req
{ request r-big tls-server good.csr "$D" "days: 30"; head -c 70000 /dev/zero | tr '\0' 'A'; } >big.req
refuses "oversized request" "over the 65536 byte limit" sig sign big.req
printf 'foureyes-request 1\nid: r-cut\nprofile: tls-server\n' >cut.req
refuses "request cut before its CSR" "truncated" sig sign cut.req
request r-der-ok tls-server good.der "$D" "days: 30" >derok.req
check "a DER CSR is accepted" sig sign -o derok.pem derok.req

# --- nothing stored was changed ------------------------------------------
after=$(sqlite3 A/signer.db "select count(*), group_concat(serial) from cert where serial in (select serial from cert where request_id != 'r-der-ok')")
check "refusals left the stored certificates as they were" test "$before" = "$after"
check "refusals are logged with their reason" grep -q "decision=refused reason=request r-[0-9]*: BR 6.1.1.3: RSA modulus has the ROCA" A/signer-requests.log
check "the request log still verifies" fe log verify A/signer-requests.log
done_testing
