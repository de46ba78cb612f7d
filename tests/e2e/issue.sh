#!/usr/bin/env bash
# issue.sh - one certificate from every profile, checked with other
# people's tools: openssl verify -x509_strict against the root and its
# sub-root, gnutls certtool, and python3 cryptography (signature, serial
# entropy, and exactly the extensions the profile defines).  Also: nothing
# from the CSR's subject or requested extensions reaches the certificate,
# and a repeated request id returns the stored certificate.
. "$(dirname "$0")/lib.sh"

make_ca A >/dev/null || { notok "ceremony"; exit 1; }
S="--share A/ca/shares/share-1.txt --share A/ca/shares/share-2.txt"
sig() { fe-signer -c A/signer.ini $S "$@"; }
C=A/ca/certs
newcsr p256 p256.csr
newcsr p384 p384.csr
newcsr rsa3072 rsa.csr

# profile | issuer | openssl purpose | csr | headers (;-separated) | extensions | critical
while IFS='|' read -r prof iss purpose csr headers exts crit; do
	[ -n "$prof" ] || continue
	IFS=';' read -r -a hs <<<"$headers"
	request "t-$prof" "$prof" "$csr" "${hs[@]}" "days: 30" >"$prof.req"
	if ! sig sign -o "$prof.pem" "$prof.req" >_sign.out 2>&1; then
		notok "$prof: issued"; sed 's/^/#   /' _sign.out; continue
	fi
	ok "$prof: issued"
	check "$prof: openssl verify -x509_strict -purpose $purpose" \
		openssl verify -x509_strict -purpose "$purpose" -CAfile $C/root.pem \
		-untrusted "$C/$iss.pem" "$prof.pem"
	check "$prof: certtool -i parses it" certtool -i --infile "$prof.pem"
	check "$prof: python cryptography: signature, serial, exactly [$exts] critical [$crit]" \
		$PY "$FE_ROOT/tests/e2e/check_cert.py" "$prof.pem" "$C/$iss.pem" \
		--ext $exts --critical $crit
done <<'EOF2'
smime-mailbox|members|smimesign|p256.csr|email: alice@example.org;subject: CN=alice@example.org|ku eku cp san cdp aia aki|ku
smime-individual|members|smimesign|rsa.csr|email: alice@example.org;subject: CN=Alice Example;subject: givenName=Alice;subject: surname=Example|ku eku cp san cdp aia aki|ku
smime-org|members|smimesign|p384.csr|email: alice@example.org;subject: O=Example Org;subject: C=NL;subject: CN=Alice Example|ku eku cp san cdp aia aki|ku
tls-server|server|sslserver|p256.csr|dns: www.example.org;dns: example.org;subject: CN=www.example.org|ku eku cp san cdp aia aki|ku
tls-server-org|server|sslserver|rsa.csr|dns: *.example.org;dns: example.org;subject: CN=example.org;subject: O=Example Org;subject: C=NL;subject: L=Amsterdam|ku eku cp san cdp aia aki|ku
code-signing|code|any|rsa.csr|subject: CN=Alice Example;subject: C=NL|ku eku cp cdp aia aki|ku
code-signing-org|code|any|p384.csr|subject: CN=Example Org;subject: O=Example Org;subject: C=NL|ku eku cp cdp aia aki|ku
ocsp-responder|members|ocsphelper|p256.csr|issuer: members;subject: CN=Foureyes OCSP responder 1;subject: O=Foureyes A CA;subject: C=NL|ku eku aki nocheck|ku
timestamping|time|timestampsign|p256.csr|subject: CN=Foureyes TSA 1;subject: O=Foureyes A CA;subject: C=NL|ku eku cp cdp aia aki|ku eku
sub-ca|root|any|p384.csr|subject: CN=Foureyes A TLS CA 2;subject: O=Foureyes A CA;subject: C=NL|bc ku eku cp cdp aia aki ski|bc ku
EOF2

# TLS: an ECDSA certificate never has keyEncipherment, an RSA one may.
check "tls-server with a P-256 key: keyUsage is digitalSignature only" bash -c \
	'openssl x509 -in tls-server.pem -noout -ext keyUsage | tail -1 | grep -qx " *Digital Signature"'
check "tls-server-org with an RSA key: digitalSignature and keyEncipherment" bash -c \
	'openssl x509 -in tls-server-org.pem -noout -ext keyUsage | tail -1 | grep -q "Digital Signature, Key Encipherment"'
check "sub-ca: basicConstraints critical CA:TRUE, pathlen:0" bash -c \
	'openssl x509 -in sub-ca.pem -noout -ext basicConstraints | grep -q "CA:TRUE, pathlen:0"'
check "ocsp-responder carries id-pkix-ocsp-nocheck" bash -c \
	'openssl x509 -in ocsp-responder.pem -noout -text | grep -q "OCSP No Check"'
check "timestamping: extKeyUsage is critical" bash -c \
	'openssl x509 -in timestamping.pem -noout -ext extendedKeyUsage | grep -q critical'
check "NSS vfychain accepts the TLS chain" bash -c '
	mkdir -p nssdb && certutil -N -d nssdb --empty-password &&
	certutil -A -d nssdb -n root -t "CT,C,C" -i A/ca/certs/root.pem &&
	openssl x509 -in A/ca/certs/server.pem -outform DER -out server.der &&
	openssl x509 -in tls-server.pem -outform DER -out leaf.der &&
	vfychain -d nssdb -u 1 -pp leaf.der server.der 2>&1 | tee vfy.out | grep -q "Chain is good"'

# Nothing from the CSR is copied (its subject says evil.example.com).
check "the CSR's subject is not copied" bash -c '! openssl x509 -in tls-server.pem -noout -text | grep -q ignored.example.net'
if [ -x "$FE_TOOLS/mkcsr" ]; then
	mkcsr p256 hostile.csr >/dev/null 2>&1
	request t-hostile tls-server hostile.csr "dns: www.example.org" "days: 30" >hostile.req
	check "hostile CSR (CA:TRUE and SAN requested) signs as a plain leaf" sig sign -o hostile.pem hostile.req
	check "no basicConstraints, no evil SAN, no injected subject in it" bash -c \
		'! openssl x509 -in hostile.pem -noout -text | grep -Eq "CA:TRUE|evil|Injected"'
fi

# Serial numbers: 20 octets of which 159 bits random; all distinct.
check "serials are distinct across all certificates" bash -c \
	'for f in *.pem; do openssl x509 -in $f -noout -serial; done | sort | uniq -d | grep -q . && exit 1 || exit 0'

# A request id seen before returns the stored certificate, never a new one.
check "a repeated request returns the same certificate" bash -c \
	'fe-signer -c A/signer.ini '"$S"' sign -o again.pem tls-server.req && cmp again.pem tls-server.pem'
sed 's/days: 30/days: 31/' tls-server.req >changed.req
refuses "the same id with a different request is refused" "already used for a different request" \
	sig sign changed.req

# The request log has every request and verifies.
check "the request log verifies" fe log verify A/signer-requests.log
check "the request log records each issuance with serial and fingerprint" bash -c \
	'fp=$(openssl x509 -in tls-server.pem -noout -fingerprint -sha256 | cut -d= -f2 | tr -d : | tr A-F a-f); grep -q "id=t-tls-server .*decision=issued .*sha256=$fp" A/signer-requests.log'
done_testing
