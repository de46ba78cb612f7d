#!/usr/bin/env bash
# web.sh - fe-web's JSON API (issue #5): every refusal with its message
# (unconfirmed email, unverified domain, CAA forbidding the CA, code signing
# without Assurer status, a name not assured, the 6th failed login, CSRF
# missing or wrong, a malformed CSR, oversized bodies), the whole path from
# sign-up to a certificate that `openssl verify -x509_strict` accepts, the
# owner's revocation, and re-checks that fail: the domain or address
# lapses and the certificate naming it is revoked, with the signer's CRL
# listing it.  Everything real: signer over a pty line, nsd, SMTP sink.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/libweb.sh"

RECHECK_POLL=1 web_setup
ok "the CA, the signer on its line, nsd, the SMTP sink and fe-web are up"

# mail_to ADDR KIND: the token of the newest mail to ADDR whose (decoded)
# body has a BASE/#KIND=TOKEN link not returned before.
mail_to() {
	local t
	for _ in $(seq 100); do
		t=$("$PY" - "$1" "$2" "${SEEN_TOKENS:-}" <<'EOF'
import email, email.policy, glob, os, re, sys
addr, kind, seen = sys.argv[1], sys.argv[2], sys.argv[3].split()
files = sorted(glob.glob("mail/*.eml"), key=lambda f: int(os.path.basename(f).split(".")[0]))
for f in reversed(files):
    m = email.message_from_binary_file(open(f, "rb"), policy=email.policy.default)
    if addr not in " ".join(m.get_all("X-Sink-Rcpt-To", [])):
        continue
    r = re.search(r"/#%s=([A-Za-z0-9_-]+)" % kind, m.get_body().get_content())
    if r and r.group(1) not in seen:
        print(r.group(1)); break
EOF
)
		[ -n "$t" ] && break
		sleep 0.1
	done
	SEEN_TOKENS="${SEEN_TOKENS:-} $t"
	echo "$t"
}
wait_state() { # ID STATE
	for _ in $(seq 300); do
		api GET "/api/requests/$1" | grep -q "\"state\":\"$2\"" && return 0
		sleep 0.2
	done
	api GET "/api/requests/$1" >&2
	return 1
}
wait_revoked() { # ID
	for _ in $(seq 300); do
		api GET "/api/requests/$1" | grep -q '"revocation":"done"' && return 0
		sleep 0.2
	done
	api GET "/api/requests/$1" >&2
	return 1
}
login() { # EMAIL PASSWORD [JAR]
	local out
	out=$(api POST /api/login "{\"email\":\"$1\",\"password\":\"$2\"}" "${3:-jar}")
	[ "$(tail -1 <<<"$out")" = 200 ] || { echo "# $out" >&2; return 1; }
	CSRF=$(json 'd["csrf"]' <<<"$out")
}

PW='correct horse battery'
# --- sign-up and confirmation -------------------------------------------
check "sign-up is accepted (201)" api_is 201 '"ok":true' POST /api/signup \
	'{"name":"Alice Example","dob":"1990-04-01","email":"alice@example.org","password":"correct horse battery"}'
check "a second sign-up with the same address is refused" api_is 409 "an account with this address exists" \
	POST /api/signup '{"name":"Alice Again","dob":"1990-04-01","email":"alice@example.org","password":"correct horse battery"}'
check "a bad date of birth is refused, naming the field" api_is 400 "field 'dob'" \
	POST /api/signup '{"name":"Bob","dob":"1990-02-30","email":"bob@example.org","password":"correct horse battery"}'
check "an unknown field is refused, naming it" api_is 400 "unknown field 'admin'" \
	POST /api/signup '{"name":"Bob","dob":"1990-02-03","email":"bob@example.org","password":"correct horse battery","admin":true}'
check "login before the address is confirmed: refused" api_is 403 "email not confirmed" \
	POST /api/login "{\"email\":\"alice@example.org\",\"password\":\"$PW\"}"
tok=$(mail_to alice@example.org confirm)
check "the confirmation mail went out over SMTP with a link" test -n "$tok"
check "the link's token confirms the address" api_is 200 '"confirmed":"alice@example.org"' \
	POST /api/confirm "{\"token\":\"$tok\"}"
check "a token works once" api_is 404 "unknown, used or expired token" POST /api/confirm "{\"token\":\"$tok\"}"
check "login works now" login alice@example.org "$PW"
check "the session cookie is HttpOnly and SameSite=Strict" bash -c \
	"curl -s -D - -o /dev/null -H 'Content-Type: application/json' --data-binary '{\"email\":\"alice@example.org\",\"password\":\"$PW\"}' $URL/api/login |
	 grep -i '^set-cookie: fe_session=' | grep -q 'HttpOnly; SameSite=Strict'"
check "every answer carries a strict Content-Security-Policy" bash -c \
	"curl -s -D - -o /dev/null $URL/ | grep -qi \"^content-security-policy: default-src 'none'; script-src 'self'\""

# --- CSRF and the transport ---------------------------------------------
out=$(curl -s -b jar -H 'Content-Type: application/json' --data-binary '{"name":"example.org"}' -w '\n%{http_code}' "$URL/api/domains")
check "a state change without the CSRF token is refused (403, CSRF token missing)" \
	bash -c "[ \"$(tail -1 <<<"$out")\" = 403 ] && grep -q 'CSRF token missing' <<<'$out'"
out=$(curl -s -b jar -H 'Content-Type: application/json' -H 'X-CSRF-Token: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' --data-binary '{"name":"example.org"}' -w '\n%{http_code}' "$URL/api/domains")
check "a state change with a wrong CSRF token is refused (403, CSRF token wrong)" \
	bash -c "[ \"$(tail -1 <<<"$out")\" = 403 ] && grep -q 'CSRF token wrong' <<<'$out'"
out=$(curl -s -b jar -H 'Content-Type: application/json' -H "X-CSRF-Token: $CSRF" -H 'Origin: http://evil.example' --data-binary '{"name":"example.org"}' -w '\n%{http_code}' "$URL/api/domains")
check "a cross-origin POST is refused (Origin)" bash -c "[ \"$(tail -1 <<<"$out")\" = 403 ] && grep -q 'cross-origin' <<<'$out'"
out=$(curl -s -b jar -H "X-CSRF-Token: $CSRF" --data-binary 'name=example.org' -w '\n%{http_code}' "$URL/api/domains")
check "a form-encoded POST is refused (Content-Type)" bash -c "[ \"$(tail -1 <<<"$out")\" = 403 ] && grep -q 'application/json' <<<'$out'"
head -c 70000 /dev/zero | tr '\0' 'a' >big.json
out=$(curl -s -b jar -H 'Content-Type: application/json' -H "X-CSRF-Token: $CSRF" --data-binary @big.json -w '\n%{http_code}' "$URL/api/domains")
check "an oversized body is refused (413)" bash -c "[ \"$(tail -1 <<<"$out")\" = 413 ] && grep -q 'over 65536 bytes' <<<'$out'"
check "a body that is not JSON is refused" api_is 400 "not a JSON object" POST /api/domains '{"name": '

# --- domains --------------------------------------------------------------
newcsr p256 a.csr
CSR=$("$PY" -c 'import json,sys; print(json.dumps(open(sys.argv[1]).read()))' a.csr)
check "a server certificate for a domain not verified: refused (C2)" api_is 422 \
	"C2: domain not verified: www.example.org" POST /api/requests \
	"{\"profile\":\"server\",\"csr\":$CSR,\"dns\":[\"www.example.org\"]}"
out=$(api POST /api/domains '{"name":"example.org"}')
check "a domain is added (201) with its challenge" bash -c "[ \"$(tail -1 <<<"$out")\" = 201 ] && grep -q '_foureyes-challenge.example.org' <<<'$out'"
DID=$(json 'd["id"]' <<<"$out")
DTOK=$(json 'd["token"]' <<<"$out")
check "verification by DNS without the record: refused with what was found" api_is 422 "DNS" \
	POST "/api/domains/$DID/verify" '{"method":"dns"}'
ORG_BASE="@ IN A 127.0.0.1
www IN A 127.0.0.1
@ IN CAA 0 issue \"$CAA_ID\""
zone_set example.org "$ORG_BASE
_foureyes-challenge IN TXT \"$DTOK\""
check "verification by DNS TXT (through libunbound, from nsd)" api_is 200 '"state":"verified"' \
	POST "/api/domains/$DID/verify" '{"method":"dns"}'
check "a malformed CSR is refused, naming the field" api_is 400 "field 'csr'" POST /api/requests \
	'{"profile":"server","csr":"-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n","dns":["www.example.org"]}'
out=$(api POST /api/requests "{\"profile\":\"server\",\"csr\":$CSR,\"dns\":[\"www.example.org\",\"example.org\"],\"days\":90}")
check "a server certificate request is queued (202)" bash -c "[ \"$(tail -1 <<<"$out")\" = 202 ]"
RID=$(json 'd["id"]' <<<"$out")
check "the worker sends it over the line and the certificate comes back" wait_state "$RID" issued
api GET "/api/requests/$RID/cert.pem" | sed '$d' >www.pem
api GET "/api/requests/$RID/chain.pem" | sed '$d' >chain.pem
check "the downloaded certificate verifies against the chain (openssl -x509_strict)" \
	openssl verify -x509_strict -CAfile A/ca/certs/root.pem -untrusted chain.pem www.pem
check "it names what was asked and nothing else" bash -c \
	"openssl x509 -in www.pem -noout -ext subjectAltName | tr -d ' ' | grep -qx 'DNS:www.example.org,DNS:example.org'"
api GET "/api/requests/$RID/chain.p7b" | sed '$d' >chain.p7b
check "the PKCS#7 chain holds the certificate, the sub-root and the root" bash -c \
	"openssl pkcs7 -inform DER -in chain.p7b -print_certs | grep -c '^subject=' | grep -qx 3"
check "the request was logged on this host (K5), and the log verifies" bash -c \
	"grep -q 'sign.request' web.log && fe log verify web.log >/dev/null"

# --- CAA -----------------------------------------------------------------
out=$(api POST /api/domains '{"name":"example.net"}')
NID=$(json 'd["id"]' <<<"$out"); NTOK=$(json 'd["token"]' <<<"$out")
zone_set example.net "@ IN A 127.0.0.1
www IN A 127.0.0.1
@ IN CAA 0 issue \"other-ca.example\"
_foureyes-challenge IN TXT \"$NTOK\""
api POST "/api/domains/$NID/verify" '{"method":"dns"}' >/dev/null
check "CAA naming another CA: refused (C4), naming the record" api_is 422 "CAA" POST /api/requests \
	"{\"profile\":\"server\",\"csr\":$CSR,\"dns\":[\"www.example.net\"]}"

# --- addresses, assurance, code signing ----------------------------------
check "an address is added (201)" api_is 201 '"id"' POST /api/emails '{"address":"alice@example.net"}'
check "a certificate for an unconfirmed address: refused" api_is 422 \
	"email not confirmed: alice@example.net" POST /api/requests \
	"{\"profile\":\"email\",\"csr\":$CSR,\"email\":[\"alice@example.net\"]}"
check "code signing without Assurer status: refused (C3)" api_is 422 \
	"C3: code signing is only for Assurers" POST /api/requests "{\"profile\":\"code-signing\",\"csr\":$CSR}"
check "a personal name that was not assured: refused (C1)" api_is 422 \
	"C1: name not assured: Alice Example" POST /api/requests \
	"{\"profile\":\"email-name\",\"csr\":$CSR,\"email\":[\"alice@example.org\"],\"use_name\":true}"
check "a member who is not an Assurer cannot assure (C3)" api_is 403 "only Assurers" POST /api/assurances \
	'{"member":"alice@example.org","points":10,"name":"Alice Example","date":"2026-01-02","place":"Utrecht"}'
check "an administrator records an assurance (fe-web assure), logged in the admin log" bash -c \
	"fe-web -c web.ini assure alice@example.org 100 'Alice Example' 2026-01-02 Utrecht >/dev/null &&
	 fe-web -c web.ini assurer-test alice@example.org >/dev/null &&
	 grep -q 'assurer.test-passed' web.log-admin && fe log verify web.log-admin >/dev/null"
check "with 100 points and the test, GET /api/me says Assurer" bash -c \
	"api GET /api/me | grep -q '\"assurer\":true'"
out=$(api POST /api/requests "{\"profile\":\"code-signing\",\"csr\":$CSR}")
CID=$(json 'd["id"]' <<<"$out")
check "code signing for an Assurer is queued and issued" wait_state "$CID" issued
api GET "/api/requests/$CID/cert.pem" | sed '$d' >code.pem
check "the code-signing certificate carries the assured name" bash -c \
	"openssl x509 -in code.pem -noout -subject | grep -q 'CN *= *Alice Example'"
out=$(api POST /api/requests "{\"profile\":\"email-name\",\"csr\":$CSR,\"email\":[\"alice@example.org\"],\"use_name\":true}")
EID=$(json 'd["id"]' <<<"$out")
check "an S/MIME certificate with the assured name is issued" wait_state "$EID" issued

# --- lockout (A5) and the unlock path -----------------------------------
api POST /api/signup '{"name":"Carol Example","dob":"1985-07-07","email":"carol@example.org","password":"carol password 1"}' >/dev/null
api POST /api/confirm "{\"token\":\"$(mail_to carol@example.org confirm)\"}" jar2 >/dev/null
for n in 1 2 3 4 5; do
	out=$(api POST /api/login '{"email":"carol@example.org","password":"wrong password!"}' jar2)
	[ "$(tail -1 <<<"$out")" = 401 ] || echo "# failure $n: $out"
done
check "five failed logins, each logged" bash -c "[ \$(grep -c 'login.failed' web.log) -ge 5 ] && grep -q 'account.locked' web.log"
check "the 6th login is refused even with the right password (A5)" api_is 423 \
	"A5: account locked after 5 failed logins" POST /api/login '{"email":"carol@example.org","password":"carol password 1"}' jar2
api POST /api/password/reset '{"email":"carol@example.org"}' jar2 >/dev/null
check "a password reset by email unlocks the account" api_is 200 '"ok":true' POST /api/password/new \
	"{\"token\":\"$(mail_to carol@example.org reset)\",\"password\":\"carol password 2\"}" jar2
check "and the new password logs in" api_is 200 '"csrf"' POST /api/login \
	'{"email":"carol@example.org","password":"carol password 2"}' jar2

# --- assurance by an Assurer -----------------------------------------------
check "an Assurer gives at most 10 points at first" api_is 422 "at most 10" POST /api/assurances \
	'{"member":"carol@example.org","points":20,"name":"Carol Example","date":"2026-01-03","place":"Delft"}'
check "an Assurer records an assurance within the allowance" api_is 201 '"ok":true' POST /api/assurances \
	'{"member":"carol@example.org","points":10,"name":"Carol Example","date":"2026-01-03","place":"Delft"}'

# --- revocation by the owner -------------------------------------------------
check "the owner revokes with an RFC 5280 reason (202)" api_is 202 queued POST "/api/requests/$EID/revoke" '{"reason":"keyCompromise"}'
check "a reason outside RFC 5280's owner reasons is refused" api_is 400 "field 'reason'" POST "/api/requests/$CID/revoke" '{"reason":"certificateHold"}'
check "the revocation goes through the signer" wait_revoked "$EID"
crl_lists() { # ISSUER CERTFILE: within 20 s (the CRL follows the revocation)
	for _ in $(seq 100); do crl_lists1 "$@" && return 0; sleep 0.2; done
	return 1
}
crl_lists1() {
	sqlite3 web.db "SELECT writefile('$1.crl', der) FROM crl WHERE issuer = '$1' AND part = 0" >/dev/null &&
	openssl crl -inform DER -in "$1.crl" -CAfile "A/ca/certs/$1.pem" -noout -verify 2>&1 | grep -q 'verify OK' &&
	openssl crl -inform DER -in "$1.crl" -noout -text | grep -q "Serial Number: $(openssl x509 -in "$2" -noout -serial | cut -d= -f2)"
}
api GET "/api/requests/$EID/cert.pem" | sed '$d' >smime.pem
check "the signer's CRL, stored by fe-web, lists it" crl_lists members smime.pem

# --- re-checks that fail: lapse and revocation (C2) ----------------------
zone_set example.org "$ORG_BASE"
sqlite3 web.db "UPDATE domain SET recheck_due = 0 WHERE name = 'example.org'"
check "the domain's TXT record is gone: the re-check lapses the domain" bash -c \
	"for i in \$(seq 100); do grep -q 'domain.lapsed' web.log && exit 0; sleep 0.2; done; exit 1"
check "and the certificate naming it is revoked through the signer" wait_revoked "$RID"
check "the signer's CRL lists the lapsed domain's certificate" crl_lists server www.pem
check "the domain shows as lapsed" bash -c "api GET /api/me | grep -q '\"name\":\"example.org\",\"state\":\"lapsed\"'"
check "a new request for the lapsed domain is refused" api_is 422 "C2: domain not verified" POST /api/requests \
	"{\"profile\":\"server\",\"csr\":$CSR,\"dns\":[\"www.example.org\"]}"

out=$(api POST /api/requests "{\"profile\":\"email\",\"csr\":$CSR,\"email\":[\"alice@example.org\"]}")
MID=$(json 'd["id"]' <<<"$out")
check "a mailbox certificate is issued" wait_state "$MID" issued
sqlite3 web.db "UPDATE email SET recheck_due = 0 WHERE address = 'alice@example.org'"
check "the address's re-check mails a new link" bash -c \
	"for i in \$(seq 100); do grep -q 'email.recheck-mailed' web.log && exit 0; sleep 0.2; done; exit 1"
sqlite3 web.db "UPDATE email SET recheck_sent = recheck_sent - 700000 WHERE address = 'alice@example.org'"
check "unanswered past the grace period, the address lapses" bash -c \
	"for i in \$(seq 100); do grep -q 'email.lapsed' web.log && exit 0; sleep 0.2; done; exit 1"
check "and the certificate naming it is revoked" wait_revoked "$MID"
api GET "/api/requests/$MID/cert.pem" | sed '$d' >mbox.pem
check "the signer's CRL lists it" crl_lists members mbox.pem
check "an unknown API path is answered 404 naming it" \
	api_is 404 'no such API: GET /api/nothing' GET /api/nothing
# A session or a mailed token past its expiry is deleted by the next
# re-check pass (every second here); the live ones stay.
live_tokens=$(sqlite3 web.db "select count(*) from token where expires > unixepoch() + 60")
sqlite3 web.db "INSERT INTO session SELECT randomblob(32), account, csrf, 1, 2 FROM session LIMIT 1;
	INSERT INTO token SELECT randomblob(32), kind, account, ref, 1, 2, 0 FROM token LIMIT 1"
check "an expired session row and token row are deleted by the re-check pass" bash -c \
	"for i in \$(seq 50); do test \$(sqlite3 web.db 'select (select count(*) from session where expires <= 2) + (select count(*) from token where expires <= 2)') -eq 0 && exit 0; sleep 0.2; done; exit 1"
check "... the live session still answers" api_is 200 '"name"' GET /api/me
check "... and the $live_tokens tokens not yet expired stay" test "$live_tokens" -ge 1 -a \
	"$(sqlite3 web.db "select count(*) from token where expires > unixepoch() + 60")" -eq "$live_tokens"
check "logging out ends the session (200)" api_is 200 '"ok":true' POST /api/logout '{}'
check "after it, the API answers 401: log in first" \
	api_is 401 'not logged in (or the session ended)' GET /api/me
check "fe-web's log verifies after all this" fe log verify web.log

done_testing
