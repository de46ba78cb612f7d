#!/usr/bin/env bash
# webburst.sh - the Done-when of the web issue, through the real fe-web
# (`fe-web serve`, its worker thread src/web/worker.c): a member submits a
# burst of 200 server certificate requests over the JSON API; fe-web is
# killed with SIGKILL mid-burst (some requests accepted, some issued, POSTs
# in flight) and restarted, the burst goes on; later fe-signer is killed
# with SIGKILL while requests are on the line, and restarted.  In the end
# every request the database holds (every 202 and any POST cut by the kill
# that committed) is issued exactly once: one row each, distinct serials,
# one certificate per web-N id in the signer's store and nothing else, each
# verifying with openssl -x509_strict, both hash-chained logs verifying.
# Requests the signer issued but fe-web had not stored when it died are
# resent after the restart and answered from the signer's store
# (decision=replayed, the same serial): the link's idempotency key web-N.
. "$(dirname "$0")/lib.sh"
# Processes killed on purpose must not report leaks.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1
. "$(dirname "$0")/libweb.sh"

N=${FE_WEBBURST_N:-200}
SUBS=
burst_cleanup() {
	[ -n "$SUBS" ] && kill $SUBS 2>/dev/null
	web_cleanup
}
trap burst_cleanup EXIT

web_setup
ok "the CA, the signer on its line, nsd, the SMTP sink and fe-web are up"
T0=$SECONDS

q() { sqlite3 web.db "$1"; }
rows() { q "select count(*) from request"; }
issued() { q "select count(*) from request where state = 'issued'"; }
accepted() { cat post.* 2>/dev/null | awk '$2 == 202' | wc -l; }

# --- one member, example.org verified by DNS TXT ----------------------
PW='correct horse battery'
check "sign-up is accepted (201)" api_is 201 '"ok":true' POST /api/signup \
	"{\"name\":\"Burst Member\",\"dob\":\"1990-04-01\",\"email\":\"burst@example.org\",\"password\":\"$PW\"}"
confirm_token() {
	"$PY" - <<'EOF'
import email, email.policy, glob, re
for f in glob.glob("mail/*.eml"):
    m = email.message_from_binary_file(open(f, "rb"), policy=email.policy.default)
    r = re.search(r"/#confirm=([A-Za-z0-9_-]+)", m.get_body().get_content())
    if r:
        print(r.group(1)); break
EOF
}
wait_until 10 bash -c "$(declare -f confirm_token); PY=$PY; test -n \"\$(confirm_token)\""
tok=$(confirm_token)
check "the confirmation mail's token confirms the address" api_is 200 \
	'"confirmed":"burst@example.org"' POST /api/confirm "{\"token\":\"$tok\"}"
out=$(api POST /api/login "{\"email\":\"burst@example.org\",\"password\":\"$PW\"}")
CSRF=$(json 'd["csrf"]' <<<"$out")
check "login works" test -n "$CSRF"
out=$(api POST /api/domains '{"name":"example.org"}')
DID=$(json 'd["id"]' <<<"$out")
DTOK=$(json 'd["token"]' <<<"$out")
zone_set example.org "@ IN A 127.0.0.1
www IN A 127.0.0.1
@ IN CAA 0 issue \"$CAA_ID\"
_foureyes-challenge IN TXT \"$DTOK\""
check "example.org is verified by DNS TXT" api_is 200 '"state":"verified"' \
	POST "/api/domains/$DID/verify" '{"method":"dns"}'

# --- the burst: four submitters, POST /api/requests --------------------
# Each writes "I STATUS ID" per POST to post.K; a POST that gets no answer
# (fe-web killed) is status 000 and the submitter waits for fe-web to be
# back before it goes on with the next name (the cut one is not resent:
# it may or may not have been stored).
# Mostly RSA keys: more bytes on the line per request, so the queue
# grows faster than the worker empties it and the kills find a backlog.
KINDS=(rsa3072 rsa3072 p384 rsa2048)
for k in 1 2 3 4; do
	newcsr "${KINDS[k - 1]}" k$k.csr
	"$PY" -c 'import json,sys; print(json.dumps(open(sys.argv[1]).read()))' k$k.csr >k$k.json
done
NSUB=4
submitter() { # K: the names h(K+4j), j = 0..
	local k=$1 i out code id csr
	for ((i = k; i <= N; i += NSUB)); do
		csr=$(cat k$((i % 4 + 1)).json)
		out=$(curl -s -m 30 -b jar -H 'Content-Type: application/json' \
			-H "X-CSRF-Token: $CSRF" -w '\n%{http_code}' --data-binary \
			"{\"profile\":\"server\",\"csr\":$csr,\"dns\":[\"h$i.example.org\"],\"days\":30}" \
			"$URL/api/requests")
		code=$(tail -1 <<<"$out")
		id=-
		[ "$code" = 202 ] && id=$(sed -n 's/.*"id":\([0-9]*\).*/\1/p' <<<"$out")
		echo "$i $code $id" >>post.$k
		if [ "$code" = 000 ]; then
			for _ in $(seq 300); do
				curl -s -m 2 -o /dev/null "$URL/" && break
				sleep 0.1
			done
		fi
	done
}
for k in $(seq $NSUB); do submitter "$k" & SUBS="$SUBS $!"; done

# --- kill -9 of fe-web: some accepted, some issued, not all -------------
backlog() { echo $(($(rows) - $(issued))); }
mid_web() {
	test "$(accepted)" -ge $((N * 3 / 10)) && test "$(issued)" -ge 10 &&
		test "$(backlog)" -ge 3
}
check "the burst is accepted and the worker issues" wait_until 120 mid_web
kill -9 "$WEB_PID"; wait "$WEB_PID" 2>/dev/null
K1_ROWS=$(rows); K1_ISS=$(issued); K1_ACC=$(accepted)
echo "# fe-web killed (kill -9) at $((SECONDS - T0)) s: $K1_ACC answered 202, $K1_ROWS stored, $K1_ISS issued"
check "fe-web was killed mid-burst (some, not all, issued; not all submitted)" \
	bash -c "[ $K1_ISS -gt 0 ] && [ $K1_ISS -lt $K1_ROWS ] && [ $K1_ROWS -lt $N ]"
mv web.out web.out.1
web_start
ok "fe-web restarts on the same web.db"

# --- kill -9 of fe-signer with requests on the line ---------------------
mid_signer() {
	test "$(issued)" -ge $((K1_ISS + 30)) && test "$(backlog)" -ge 3
}
check "the restarted fe-web goes on issuing" wait_until 120 mid_signer
kill -9 "$SIGNER_PID"; wait "$SIGNER_PID" 2>/dev/null
K2_ROWS=$(rows); K2_ISS=$(issued); K2_ACC=$(accepted)
K2_SENT=$(grep -P '\tsign\.sent\t' web.log | grep -o 'id=web-[0-9]*' | sort -u | wc -l)
echo "# fe-signer killed (kill -9) at $((SECONDS - T0)) s: $K2_ACC answered 202, $K2_ROWS stored, $K2_ISS issued, $K2_SENT sent ($((K2_SENT - K2_ISS)) on the line or not yet stored)"
check "the signer was killed with requests waiting (issued < stored)" \
	test "$K2_ISS" -lt "$K2_ROWS"
sleep 0.5
signer_start
ok "fe-signer restarts on its store"

check "both submitters finish" wait_until 180 bash -c \
	"test \$(cat post.* | wc -l) -ge $N"
wait $SUBS 2>/dev/null; SUBS=
ACC=$(accepted)
CUT=$(cat post.* | awk '$2 == "000"' | wc -l)
OTHER=$(cat post.* | awk '$2 != 202 && $2 != "000"' | wc -l)
echo "# POSTs: $ACC answered 202, $CUT got no answer (cut by the kill), $OTHER other"
check "every POST answered 202 or was cut by the kill" test "$OTHER" -eq 0
all_issued() { test "$(q "select count(*) from request where state <> 'issued'")" -eq 0; }
check "every stored request ends issued" wait_until 240 all_issued
R=$(rows)
echo "# $R requests stored, $(issued) issued, all done at $((SECONDS - T0)) s"
check "the stored requests: every 202, perhaps some cut POSTs, no more" \
	bash -c "[ $R -ge $ACC ] && [ $R -le $((ACC + CUT)) ]"
check "no request refused or left queued" test \
	"$(q "select count(*) from request where state <> 'issued'")" -eq 0
check "every id answered 202 is stored, issued, for the name it asked" bash -c '
	cat post.* | awk '\''$2 == 202 { print $3, "h" $1 ".example.org" }'\'' | sort >acc.pairs
	sqlite3 web.db "select r.id || '\'' '\'' || n.value from request r join request_name n on n.request = r.id where r.state = '\''issued'\''" | sort >db.pairs
	test $(wc -l <acc.pairs) -eq '"$ACC"' && comm -23 acc.pairs db.pairs | diff /dev/null -'
check "issued rows equal stored rows" test "$(issued)" -eq "$R"
check "$R distinct serials" test \
	"$(q "select count(distinct serial) from request where state = 'issued'")" -eq "$R"
check "the signer's store: exactly one certificate per web-N id, no other" bash -c "
	sqlite3 A/signer.db \"select request_id from cert where request_id like 'web-%'\" | sort >signer.ids
	sqlite3 web.db \"select 'web-' || id from request\" | sort >web.ids
	test \$(wc -l <signer.ids) -eq $R && diff web.ids signer.ids &&
	test \$(sqlite3 A/signer.db \"select count(*) from cert where request_id <> 'ceremony'\") -eq $R &&
	test \$(sqlite3 A/signer.db \"select count(*) from request where issued = 1 and id like 'web-%'\") -eq $R"

mkdir -p certs
q "select writefile('certs/' || id || '.der', cert) from request" >/dev/null
for f in certs/*.der; do openssl x509 -inform der -in "$f" -out "${f%.der}.pem"; done
check "every certificate verifies against root + server sub-root (openssl verify -x509_strict)" bash -c \
	"openssl verify -x509_strict -CAfile A/ca/certs/root.pem -untrusted A/ca/certs/server.pem certs/*.pem | grep -c ': OK\$' | grep -qx $R"
check "each certificate names its request's name, and its serial is the stored one (python3 cryptography)" \
	"$PY" - <<'EOF'
import sqlite3
from cryptography import x509
db = sqlite3.connect("web.db")
for rid, der, serial, name in db.execute(
        "select r.id, r.cert, r.serial, n.value from request r"
        " join request_name n on n.request = r.id"):
    c = x509.load_der_x509_certificate(der)
    san = c.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    assert san.value.get_values_for_type(x509.DNSName) == [name], (rid, name)
    assert c.serial_number == int(serial, 16), (rid, serial)
EOF
check "the signer's log: every web-N issued exactly once (issued minus voided)" bash -c "
	grep -P '\tsign\t' A/signer-requests.log | grep 'decision=issued' | grep 'id=web-' |
		sed 's/.*id=\([^ ]*\).*serial=\([0-9a-f]*\).*/\1 \2/' | sort >iss.pairs
	grep -P '\tsign\.void\t' A/signer-requests.log |
		sed 's/.*id=\([^ ]*\).*serial=\([0-9a-f]*\).*/\1 \2/' | sort >void.pairs
	comm -23 iss.pairs void.pairs >net.pairs
	test \$(wc -l <net.pairs) -eq $R && test \$(cut -d' ' -f1 net.pairs | sort -u | wc -l) -eq $R
	sqlite3 web.db \"select 'web-' || id || ' ' || serial from request\" | sort | diff - net.pairs"
RP=$(grep -P '\tsign\t' A/signer-requests.log | grep -c 'decision=replayed')
RS=$(grep -P '\tsign\.sent\t' web.log | grep -o 'id=web-[0-9]*' | sort | uniq -d | wc -l)
echo "# $RS requests sent twice by fe-web; the signer answered $RP from its store (decision=replayed)"
check "a replayed answer carries the serial first issued for that id" bash -c "
	grep -P '\tsign\t' A/signer-requests.log | grep 'decision=replayed' |
		sed 's/.*id=\([^ ]*\).*serial=\([0-9a-f]*\).*/\1 \2/' | sort -u >replay.pairs
	comm -23 replay.pairs net.pairs | diff /dev/null -"
check "fe-web's log (web.log) verifies as a chain" fe log verify web.log
check "the signer's log verifies as a chain" fe log verify A/signer-requests.log
check "web.log: one sign.issued serial per stored request" bash -c "
	test \$(grep -P '\tsign\.issued\t' web.log | grep -o 'id=web-[0-9]* .*serial=[0-9a-f]*' |
		sed 's/ .*serial=/ /' | sort -u | wc -l) -eq $R"
check "the API lists every request as issued" bash -c \
	"api GET /api/requests | sed '\$d' | grep -o '\"state\":\"issued\"' | wc -l | grep -qx $R"
check "no sanitizer report from fe-web or fe-signer" bash -c \
	"! grep -l 'Sanitizer\|runtime error' web.out web.out.1 signer.out"
D=$(grep -P '\tsign\.request\t' web.log | grep -o '"id":"web-[0-9]*"' | sort | uniq -d | wc -l)
echo "# web.log: $D web-N ids with two sign.request records (logged, then rolled back by the kill)"
echo "# run time $((SECONDS - T0)) s after setup"
done_testing
