#!/usr/bin/env bash
# status.sh - fe-status (issue #6): OCSP answered from what the signer
# signed, checked with other people's clients: `openssl ocsp` and gnutls
# `ocsptool` get good, revoked (reason and time) and unknown right, by POST
# and by GET (RFC 6960 A.1), with SHA-1 and SHA-256 CertIDs; nonces are
# echoed; errors are the right OCSP statuses; HTTP caching headers follow
# RFC 5019.  Forged and stale bundles are refused, logged, and change
# nothing.  Delegated responder keys are made by fe-status and certified by
# the signer; the staleness alarm is raised when the newest CRL grows old.
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
request "m-1" smime-mailbox a.csr "email: m1@example.org" "days: 30" >m1.req
sig sign -o m1.pem m1.req 2>/dev/null
request "k-1" code-signing a.csr "subject: CN=Code" "days: 30" >k1.req
sig sign -o k1.pem k1.req 2>/dev/null
serial() { openssl x509 -in "$1" -noout -serial | cut -d= -f2; }

PORT=$(free_port)
APORT=$(free_port)
cat >status.ini <<EOF
[status]
state = state
root = $C/root.pem
listen = 127.0.0.1:$PORT
admin = 127.0.0.1:$APORT
name = status-1
organization = Foureyes A CA
country = NL
crl_max_age_hours = 26
nonce_rate = 1

[issuer server]
cert = $C/server.pem
crl_url = http://crl.example.org/server.crl

[issuer members]
cert = $C/members.pem
crl_url = http://crl.example.org/members.crl

[issuer time]
cert = $C/time.pem

[tsa]
issuer = time
policy = 1.3.6.1.4.1.59999.6.1
accuracy_ms = 500
EOF
URL=http://127.0.0.1:$PORT
ADM=http://127.0.0.1:$APORT

# --- delegated responder keys: made here, certified by the signer --------
mkdir -p reqs
check "fe-status makes its responder keys and signing requests" bash -c \
	"fe-status -c status.ini request -o reqs | grep -q '4 signing requests pending'"
check "the requests are for the ocsp-responder profile of each sub-root" bash -c \
	"grep -q '^profile: ocsp-responder' reqs/ocsp-server-*.req &&
	 grep -q '^issuer: members' reqs/ocsp-members-*.req &&
	 grep -q '^profile: timestamping' reqs/tsa-time-*.req"
check "the keys stay in the state directory, mode 0600" bash -c \
	"test \$(stat -c %a state/keys/pending/ocsp-server-*.key) = 600"
for r in reqs/*.req; do sig sign -o "${r%.req}.pem" "$r" 2>/dev/null; done
check "the signer issued the responder and TSA certificates" bash -c "ls reqs/*.pem | wc -l | grep -qx 4"

s1=$(serial c1.pem)
sig revoke "$s1" keyCompromise >/dev/null
sig crl -o server-1.crl server
sig crl -o members-1.crl members
sig crl -o time-1.crl time
{ cat c1.pem c2.pem c3.pem m1.pem reqs/*.pem; for c in server-1 members-1 time-1; do openssl crl -in $c.crl; done; } >bundle1.pem
check "the first bundle is accepted" fe-status -c status.ini load bundle1.pem
check "and the responder certificates installed from it" bash -c \
	"fe-status -c status.ini status | grep -q 'ocsp server: responder certificate until' &&
	 ! ls state/keys/pending/*.key 2>/dev/null"

fe-status -c status.ini serve >serve.log 2>&1 &
SRV=$!
trap 'kill $SRV 2>/dev/null; wait $SRV 2>/dev/null' EXIT
wait_for serve.log ready || { notok "fe-status starts"; cat serve.log; exit 1; }
ok "fe-status serves"

ocsp() { openssl ocsp -issuer "$C/$1.pem" -url "$URL/" -CAfile "$C/root.pem" "${@:2}" 2>&1; }

# --- openssl ocsp, POST ------------------------------------------------
out=$(ocsp server -cert c2.pem -resp_text)
check "openssl ocsp POST: good, response verified" bash -c \
	"grep -q 'Response verify OK' <<<'$out' && grep -q 'c2.pem: good' <<<'$out'"
check "the nonce is echoed (no nonce warning)" bash -c "! grep -qi 'nonce' <<<'$out' || grep -q 'OCSP Nonce' <<<'$out'"
out=$(ocsp server -cert c1.pem -resp_text)
check "openssl ocsp POST: revoked with its reason and time" bash -c \
	"grep -q 'c1.pem: revoked' <<<'$out' && grep -q 'Reason: keyCompromise' <<<'$out' &&
	 grep -q 'Revocation Time: ' <<<'$out' && grep -q 'Response verify OK' <<<'$out'"
out=$(ocsp server -serial 0x7e57 -resp_text)
check "openssl ocsp POST: a serial never issued is unknown, never good (BR 4.9.10)" bash -c \
	"grep -q '0x7e57: unknown' <<<'$out' && grep -q 'Response verify OK' <<<'$out'"
out=$(ocsp server -sha256 -cert c2.pem -no_nonce -resp_text)
check "a SHA-256 CertID is answered with a SHA-256 CertID" bash -c \
	"grep -q 'c2.pem: good' <<<'$out' && grep -q 'Hash Algorithm: sha256' <<<'$out'"
out=$(ocsp members -cert m1.pem -no_nonce)
check "the members sub-root's own responder answers for its certificates" \
	grep -q 'm1.pem: good' <<<"$out"
out=$(openssl ocsp -issuer $C/code.pem -cert k1.pem -url "$URL/" -CAfile $C/root.pem -no_nonce 2>&1)
check "an issuer this server does not answer for: unauthorized" \
	grep -q 'unauthorized' <<<"$out"

# --- GET (RFC 6960 A.1; RFC 5019 caching headers) -----------------------
for c in c1 c2; do
	openssl ocsp -issuer $C/server.pem -cert $c.pem -no_nonce -reqout $c.req.der >/dev/null 2>&1
done
b64=$(base64 -w0 c2.req.der)
enc=$("$PY" -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$b64")
curl -s -D get.hdr -o get.der "$URL/$enc"
out=$(openssl ocsp -respin get.der -reqin c2.req.der -issuer $C/server.pem -CAfile $C/root.pem -cert c2.pem -resp_text 2>&1)
check "GET with a percent-encoded request: good, verified by openssl" bash -c \
	"grep -q 'Response verify OK' <<<'$out' && grep -q 'c2.pem: good' <<<'$out'"
check "GET carries Content-Type, ETag, Last-Modified, Expires" bash -c \
	"grep -qi '^Content-Type: application/ocsp-response' get.hdr && grep -qi '^ETag: \"' get.hdr &&
	 grep -qi '^Last-Modified: ' get.hdr && grep -qi '^Expires: ' get.hdr"
check "Cache-Control max-age ends before nextUpdate, public, no-transform" "$PY" - <<'EOF'
import email.utils, re, subprocess, sys, time
h = open("get.hdr").read()
m = re.search(r"(?im)^Cache-Control: max-age=(\d+), public, no-transform, must-revalidate", h)
exp = re.search(r"(?im)^Expires: (.*)$", h).group(1).strip()
nu = email.utils.parsedate_to_datetime(exp).timestamp()
sys.exit(0 if m and time.time() + int(m.group(1)) <= nu else 1)
EOF
b64=$(base64 -w0 c1.req.der)
curl -s -o get1.der "$URL/$b64"
out=$(openssl ocsp -respin get1.der -reqin c1.req.der -issuer $C/server.pem -CAfile $C/root.pem -cert c1.pem 2>&1)
check "GET with raw base64 (a '/' not encoded): revoked" grep -q 'c1.pem: revoked' <<<"$out"
check "GET of the same request twice: the same bytes (pre-signed, cacheable)" bash -c \
	"curl -s '$URL/$enc' | cmp -s - get.der"

# --- gnutls ocsptool -----------------------------------------------------
gn() { ocsptool --ask="$URL/" --load-issuer=$C/server.pem --load-cert="$1" --load-trust=$C/server.pem 2>&1; }
out=$(gn c2.pem)
check "ocsptool: good, response verified" bash -c \
	"grep -q 'Certificate Status: good' <<<'$out' && grep -q 'Verifying OCSP Response: Success' <<<'$out'"
out=$(gn c1.pem)
check "ocsptool: revoked, with the revocation time" bash -c \
	"grep -q 'Certificate Status: revoked' <<<'$out' && grep -q 'Revocation time:' <<<'$out' &&
	 grep -q 'Verifying OCSP Response: Success' <<<'$out'"
openssl x509 -in c3.pem -out c3-forged.pem
"$PY" - <<'EOF'
# c3 with another serial: the same issuer name and key id, never issued
import subprocess
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
c = x509.load_pem_x509_certificate(open("c3.pem", "rb").read())
k = ec.generate_private_key(ec.SECP256R1())
b = (x509.CertificateBuilder().subject_name(c.subject).issuer_name(c.issuer)
     .public_key(c.public_key()).serial_number(0x5eed).not_valid_before(c.not_valid_before)
     .not_valid_after(c.not_valid_after))
open("unissued.pem", "wb").write(b.sign(k, hashes.SHA256()).public_bytes(serialization.Encoding.PEM))
EOF
out=$(gn unissued.pem)
check "ocsptool: a serial never issued is unknown" bash -c \
	"grep -q 'Certificate Status: unknown' <<<'$out' && grep -q 'Verifying OCSP Response: Success' <<<'$out'"

# --- the time-stamp authority (RFC 3161) ---------------------------------
echo "a document" >doc.txt
tsa() { curl -s -H 'Content-Type: application/timestamp-query' --data-binary @"$1" -o "$2" "$URL/tsa"; }
openssl ts -query -data doc.txt -sha256 -cert -out q1.tsq 2>/dev/null
openssl ts -query -data doc.txt -sha512 -no_nonce -out q2.tsq 2>/dev/null
tsa q1.tsq r1.tsr
tsa q2.tsq r2.tsr
tsa q1.tsq r1b.tsr
check "openssl ts -verify accepts a token (SHA-256, nonce, certReq)" bash -c \
	"openssl ts -verify -in r1.tsr -queryfile q1.tsq -CAfile $C/root.pem -untrusted $C/time.pem 2>&1 | grep -q 'Verification: OK'"
cat $C/time.pem reqs/tsa-time-*.pem >tsa-chain.pem
check "and one without nonce or certificate (SHA-512), against the data" bash -c \
	"openssl ts -verify -in r2.tsr -data doc.txt -CAfile $C/root.pem -untrusted tsa-chain.pem 2>&1 | grep -q 'Verification: OK'"
check "the token carries the TSA policy and accuracy" bash -c \
	"openssl ts -reply -in r1.tsr -text 2>/dev/null | grep -q 'Policy OID: 1.3.6.1.4.1.59999.6.1' &&
	 openssl ts -reply -in r1.tsr -text 2>/dev/null | grep -q 'Accuracy: unspecified seconds, 0x01F4 millis'"
check "two tokens for the same query have different serials" bash -c \
	"a=\$(openssl ts -reply -in r1.tsr -text | grep 'Serial number'); b=\$(openssl ts -reply -in r1b.tsr -text | grep 'Serial number');
	 test -n \"\$a\" && test \"\$a\" != \"\$b\""
openssl ts -query -data doc.txt -sha1 -out q3.tsq 2>/dev/null
tsa q3.tsq r3.tsr
check "a SHA-1 query is rejected with badAlg and the reason" bash -c \
	"openssl ts -reply -in r3.tsr -text 2>/dev/null | grep -q 'Status: Rejected' &&
	 openssl ts -reply -in r3.tsr -text 2>/dev/null | grep -qi 'unrecognized or unsupported algorithm' &&
	 openssl ts -reply -in r3.tsr -text 2>/dev/null | grep -qi 'SHA-1'"
check "a timestamp query without its media type: 415" bash -c \
	"curl -s -o /dev/null -w '%{http_code}' --data-binary @q1.tsq '$URL/tsa' | grep -qx 415"

# --- errors ------------------------------------------------------------
curl -s -o bad.der -H 'Content-Type: application/ocsp-request' --data-binary 'not DER' "$URL/"
check "garbage is answered malformedRequest" bash -c \
	"openssl ocsp -respin bad.der -resp_text -noverify 2>&1 | grep -q 'malformedrequest (1)'"
check "a POST without the OCSP media type: 415 naming the rule" bash -c \
	"curl -s -w '%{http_code}' --data-binary @c2.req.der '$URL/' | tr '\n' ' ' | grep -q '^RFC 6960 A.1: Content-Type must be application/ocsp-request 415'"
head -c 20000 /dev/zero >big.bin
check "an oversized body: 413" bash -c \
	"curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/ocsp-request' --data-binary @big.bin '$URL/' | grep -qx 413"

# --- counters on the admin address ---------------------------------------
stat() { curl -s "$ADM/stats" | awk -v k="$1" '$1 == k { print $2 }'; }
m0=$(stat ocsp.malformed); c0=$(stat ocsp.cached); e0=$(stat http.error); k0=$(stat crl)
curl -s -o /dev/null -H 'Content-Type: application/ocsp-request' --data-binary 'not DER' "$URL/"
for i in 1 2 3; do
	curl -s -o /dev/null -H 'Content-Type: application/ocsp-request' --data-binary @c2.req.der "$URL/"
done
curl -s -o /dev/null -X PUT "$URL/"
curl -s -o /dev/null "$URL/server.crl"
got="$(( $(stat ocsp.cached) - c0 )) $(( $(stat ocsp.malformed) - m0 )) $(( $(stat crl) - k0 )) $(( $(stat http.error) - e0 ))"
check "GET /stats counts what was served: 3 pre-signed answers, 1 malformedRequest, 1 CRL, 1 HTTP error (a PUT) (got $got)" \
	test "$got" = "3 1 1 1"

# --- nonces past nonce_rate (1 a second here): the pre-signed answer -----
n0=$(stat ocsp.nonce-ignored)
for i in 1 2 3 4 5 6 7 8; do ocsp server -cert c2.pem >burst$i.out; done
check "8 requests with a nonce in a burst: all good and verified" bash -c \
	"test \$(cat burst*.out | grep -c 'Response verify OK') -eq 8 &&
	 test \$(cat burst*.out | grep -c 'c2.pem: good') -eq 8"
ign=$(cat burst*.out | grep -c 'WARNING: no nonce in response')
check "past the rate, the nonce is not echoed: the pre-signed response ($ign of 8)" \
	test "$ign" -ge 4
check "GET /stats counts them as ocsp.nonce-ignored" \
	test "$(( $(stat ocsp.nonce-ignored) - n0 ))" -eq "$ign"

# --- connections spread over the serving threads (docs/status.md) --------
# 30 keep-alive connections from one process pinned to one CPU: steering by
# incoming CPU alone would put them all on one thread; no thread may carry
# more than twice the least busy one's plus 8 (+1 for the one being added).
conns() { curl -s "$ADM/stats" | awk '$1 ~ /^http\.thread\.[0-9]+\.connections$/ { printf "%s ", $2 }'; }
cat >hold.py <<'EOF'
import socket, sys, time
port, n, req = int(sys.argv[1]), int(sys.argv[2]), open(sys.argv[3], "rb").read()
head = ("POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/ocsp-request"
        "\r\nContent-Length: %d\r\n\r\n" % len(req)).encode()
held = []
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(head + req)
    got = b""
    while b"\r\n\r\n" not in got:
        got += s.recv(65536)
    assert got.startswith(b"HTTP/1.1 200"), got[:40]
    held.append(s)
print("held", flush=True)
sys.stdin.read()
EOF
coproc HOLD { taskset -c 0 $PY hold.py "$PORT" 30 c2.req.der; }
read -r line <&"${HOLD[0]}"
spread=$(conns)
check "30 connections from one CPU are all counted, on both threads, none over 2 x least + 9 (got: $spread)" \
	bash -c "echo '$spread' | awk '{ s = \$1 + \$2; mx = \$1 > \$2 ? \$1 : \$2; mn = \$1 < \$2 ? \$1 : \$2 }
	    END { exit !(NF == 2 && s == 30 && mn > 0 && mx <= 2 * mn + 9) }'"
eval "exec ${HOLD[1]}>&-"
wait "$HOLD_PID" 2>/dev/null
for i in $(seq 50); do [ "$(conns)" = "0 0 " ] && break; sleep 0.1; done
check "closed connections leave the counts (got: $(conns))" test "$(conns)" = "0 0 "

# --- bundles while serving: revocation reaches OCSP; forged and stale refused
s2=$(serial c2.pem)
sig revoke "$s2" cessationOfOperation >/dev/null
sig crl -o server-2.crl server
openssl crl -in server-2.crl >bundle2.pem
check "the admin address lists no signing request while none is due" bash -c \
	"curl -s -w '%{http_code}' '$ADM/requests' | grep -qx 200"
check "and refuses an id that is not one of its own, naming it" bash -c \
	"curl -s '$ADM/requests/..%2Fstatus' | grep -q '^no signing request ..%2Fstatus'"
check "a new CRL pushed to the admin address is accepted" bash -c \
	"curl -s --data-binary @bundle2.pem '$ADM/bundle' | grep -qx accepted"
out=$(ocsp server -cert c2.pem -no_nonce -resp_text)
check "and OCSP now answers revoked (cessationOfOperation) for it" bash -c \
	"grep -q 'c2.pem: revoked' <<<'$out' && grep -q 'Reason: cessationOfOperation' <<<'$out'"

# --- CRLs at their distribution points, and the CCADB list --------------
curl -s -D crl.hdr -o fetched-server.crl "$URL/server.crl"
check "the server sub-root's CRL is served at its URL's path, as application/pkix-crl" bash -c \
	"grep -qi '^Content-Type: application/pkix-crl' crl.hdr &&
	 openssl crl -inform DER -in fetched-server.crl -CAfile $C/server.pem -noout -verify 2>&1 | grep -q 'verify OK'"
check "it is the newest CRL (number 2), byte for byte the signer's" bash -c \
	"openssl crl -inform DER -in fetched-server.crl -noout -crlnumber | grep -qx 'crlNumber=0x02' &&
	 openssl crl -in server-2.crl -outform DER | cmp -s - fetched-server.crl"
check "with caching headers (ETag, Last-Modified, Expires)" bash -c \
	"grep -qi '^ETag: ' crl.hdr && grep -qi '^Last-Modified: ' crl.hdr && grep -qi '^Expires: ' crl.hdr"
check "the CRL URLs as a JSON array (CCADB)" "$PY" -c '
import json, sys, urllib.request
l = json.load(urllib.request.urlopen(sys.argv[1] + "/crls.json"))
want = {"http://crl.example.org/server.crl", "http://crl.example.org/members.crl"}
sys.exit(0 if isinstance(l, list) and want <= set(l) else 1)' "$URL"

openssl crl -in server-1.crl >stale.pem
check "a stale bundle (CRL number going backwards) is refused with the reason" bash -c \
	"curl -s --data-binary @stale.pem '$ADM/bundle' | grep -q 'CRL number 1 goes backwards from 2'"
# forged: the newest CRL with one byte of its signature changed
"$PY" - <<'EOF'
d = bytearray(open("server-2.crl", "rb").read())
d[-5] ^= 1
open("forged.crl", "wb").write(bytes(d))
EOF
openssl crl -inform DER -in forged.crl >forged.pem 2>/dev/null
check "a forged CRL is refused" bash -c \
	"curl -s --data-binary @forged.pem '$ADM/bundle' | grep -q '^refused: .*CRL'"
# forged: a certificate under the server sub-root's name but another key
check "a forged certificate is refused" bash -c \
	"curl -s --data-binary @unissued.pem '$ADM/bundle' | grep -q '^refused: item 1 (line 1, certificate)'"
cat c3.pem stale.pem >mixed.pem
check "a bundle with one bad item changes nothing (all or nothing)" bash -c \
	"curl -s --data-binary @mixed.pem '$ADM/bundle' | grep -q '^refused: item 2'"
out=$(ocsp server -cert c2.pem -no_nonce)
check "after the refusals OCSP still answers from the newest CRL" grep -q 'c2.pem: revoked' <<<"$out"
check "refusals are in fe-status's hash-chained log" bash -c \
	"fe log verify state/status.log >/dev/null &&
	 test \$(grep -c 'bundle.refuse' state/status.log) -ge 4 &&
	 grep 'bundle.refuse' state/status.log | grep -q 'goes backwards'"
check "text in a bundle is refused with its line" bash -c \
	"printf 'hello\n' | curl -s --data-binary @- '$ADM/bundle' | grep -q 'line 1: expected -----BEGIN CERTIFICATE'"

# --- the staleness alarm (someone may be withholding revocations) --------
kill $SRV; wait $SRV 2>/dev/null

# --- many machines: pre-signed responses shared through Redis -------------
RPORT=$(free_port)
mkdir -p redis
redis-server --port "$RPORT" --bind 127.0.0.1 --dir "$PWD/redis" --save '' \
	--appendonly no --daemonize no >redis/out.log 2>&1 &
RED=$!
for _ in $(seq 50); do redis-cli -p "$RPORT" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
P2=$(free_port)
P3=$(free_port)
sed -e "s/^listen = .*/listen = 127.0.0.1:$P2/" -e '/^admin = /d' status.ini >publish.ini
printf '\n[redis]\naddress = 127.0.0.1:%s\nrole = publish\n' "$RPORT" >>publish.ini
cat >copy.ini <<EOC
[status]
state = copy-state
root = $C/root.pem
listen = 127.0.0.1:$P3

[issuer server]
cert = $C/server.pem

[redis]
address = 127.0.0.1:$RPORT
role = serve
EOC
fe-status -c publish.ini serve >publish.log 2>&1 &
PUB=$!
wait_for publish.log 'published to redis' || { cat publish.log; }
check "the publishing fe-status writes its pre-signed responses to Redis" bash -c \
	"test \$(redis-cli -p $RPORT dbsize) -ge 10"
check "with nextUpdate as their expiry" bash -c \
	"k=\$(redis-cli -p $RPORT --scan --pattern 'ocsp:0:*' | head -1); t=\$(redis-cli -p $RPORT ttl \"\$k\"); test \"\$t\" -gt 3600"
fe-status -c copy.ini serve >copy.log 2>&1 &
COPY=$!
wait_for copy.log ready || cat copy.log
check "the stateless copy serves the CRLs too" bash -c \
	"curl -s http://127.0.0.1:$P3/server.crl | cmp -s - fetched-server.crl &&
	 curl -s http://127.0.0.1:$P3/crls.json | grep -q 'members.crl'"
check "a copy with role = serve keeps no store and no key" bash -c \
	"test ! -e copy-state/status.db && test ! -e copy-state/keys/ocsp-server.pem"
out=$(openssl ocsp -issuer $C/server.pem -cert c3.pem -url http://127.0.0.1:$P3/ -CAfile $C/root.pem -no_nonce 2>&1)
check "the stateless copy answers good from Redis, verified by openssl" bash -c \
	"grep -q 'c3.pem: good' <<<'$out' && grep -q 'Response verify OK' <<<'$out'"
out=$(openssl ocsp -issuer $C/server.pem -cert c2.pem -url http://127.0.0.1:$P3/ -CAfile $C/root.pem -no_nonce -resp_text 2>&1)
check "and revoked with the reason" bash -c \
	"grep -q 'c2.pem: revoked' <<<'$out' && grep -q 'Reason: cessationOfOperation' <<<'$out'"
out=$(ocsptool --ask=http://127.0.0.1:$P3/ --load-issuer=$C/server.pem --load-cert=c1.pem --load-trust=$C/server.pem 2>&1)
check "ocsptool agrees (revoked, verified)" bash -c \
	"grep -q 'Certificate Status: revoked' <<<'$out' && grep -q 'Verifying OCSP Response: Success' <<<'$out'"
out=$(openssl ocsp -issuer $C/server.pem -serial 0x7e57 -url http://127.0.0.1:$P3/ -CAfile $C/root.pem -no_nonce 2>&1)
check "a serial Redis does not hold is unauthorized there, never good" grep -q 'unauthorized' <<<"$out"
check "the copy refuses commands that need a store" bash -c \
	"fe-status -c copy.ini status 2>&1 | grep -q 'keeps no state'"
kill $COPY $PUB; wait $COPY $PUB 2>/dev/null
redis-cli -p "$RPORT" shutdown nosave >/dev/null 2>&1; wait $RED 2>/dev/null

# --- rotation: new keys and requests before delegated certificates expire
FT="ASAN_OPTIONS=\$ASAN_OPTIONS:verify_asan_link_order=0 faketime -f"
check "24 days on, fe-status asks for new responder certificates (30-day ones)" bash -c \
	"$FT +24d fe-status -c status.ini request 2>&1 | grep -q '3 signing requests pending' &&
	 grep -c 'delegate.request.*OCSP.*renewal' state/status.log | grep -qx 3"
check "84 days on, for a new TSA certificate too (90-day one), once each" bash -c \
	"$FT +84d fe-status -c status.ini request 2>&1 | grep -q '4 signing requests pending' &&
	 grep -c 'delegate.request.*TSA key (renewal)' state/status.log | grep -qx 1"
check "the current pairs keep serving until the new certificates come" \
	bash -c "ls state/keys/ocsp-server.pem state/keys/tsa.pem >/dev/null && ls state/keys/pending | wc -l | grep -qx 4"

check "27 hours later the status summary raises the stale-CRL alarm" bash -c \
	"$FT +27h fe-status -c status.ini status 2>&1 | grep -q 'alarm.crl-stale: issuer CN=Foureyes A server CA'"
check "and the alarm is in the log" grep -q 'alarm.crl-stale' state/status.log
check "after the CRL's nextUpdate, OCSP says tryLater, never a stale good" bash -c "
	# LD_PRELOAD, not the faketime command, so that \$! is fe-status
	ASAN_OPTIONS=\$ASAN_OPTIONS:verify_asan_link_order=0 FAKETIME=+8d \
	LD_PRELOAD=/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1 \
	fe-status -c status.ini serve >late.log 2>&1 &
	p=\$!; for i in \$(seq 100); do grep -q ready late.log && break; sleep 0.1; done
	out=\$(openssl ocsp -issuer $C/server.pem -cert c3.pem -url $URL/ -no_nonce -noverify 2>&1)
	kill \$p; wait \$p
	grep -q 'trylater' <<<\"\$out\""
done_testing
