#!/usr/bin/env bash
# webqueue.sh - fe-web's queue worker (src/web/worker.c) against the real
# fe-signer behind fe-linesim and a real fe-status: 100 queued requests are
# issued exactly once through kill -9 of the worker and of the signer in
# the middle of the burst (webburst.sh does 200 through fe-web's API); a
# revocation reaches the CRL; the bundles make fe-status answer good and
# revoked (openssl ocsp); fe-status's own delegated-key requests are
# fetched, signed and installed.
. "$(dirname "$0")/lib.sh"

N=${FE_WEBQ_N:-100}
SIM= ; SIG= ; WRK= ; SRV=
cleanup() { kill $WRK $SIG $SRV $SIM 2>/dev/null; wait 2>/dev/null; }
trap cleanup EXIT
# Background processes killed on purpose must not report leaks.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1

make_ca A >/dev/null || { notok "ceremony"; exit 1; }
C=A/ca/certs
cat >>A/signer.ini <<EOC

[link]
device = line-s
key = ca/link.key
baud = 115200
window = 16
EOC
install -m 600 A/ca/link.key client.key
SH="--share A/ca/shares/share-1.txt --share A/ca/shares/share-3.txt"
start_sim() {
	fe-linesim --link-a "$PWD/line-c" --link-b "$PWD/A/line-s" --baud 115200 >sim.out 2>&1 &
	SIM=$!
	for _ in $(seq 50); do grep -q ready sim.out 2>/dev/null && return 0; sleep 0.1; done
	return 1
}
start_signer() { fe-signer -c A/signer.ini $SH serve >>signer.out 2>&1 & SIG=$!; }
start_worker() {
	webworker --ca chain.pem web.db line-c client.key "$ADM" >>worker.out 2>&1 &
	WRK=$!
}
q() { sqlite3 web.db "$1"; }
issued() { q "select count(*) from request where state = 'issued'"; }
at_least() { test "$(issued)" -ge "$1"; }

# --- fe-status, with its admin address --------------------------------
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
fe-status -c status.ini serve >serve.log 2>&1 &
SRV=$!
check "fe-status serves, with its admin address" wait_for serve.log ready 20
check "fe-status lists its delegated-key requests" bash -c \
	"curl -s '$ADM/requests' | grep -q ."
cat $C/root.pem $C/server.pem $C/members.pem $C/code.pem $C/time.pem >chain.pem

# --- the signer behind the line simulator ------------------------------
check "the line simulator starts" start_sim
start_signer
check "webworker --once makes web.db (migrated) and finds nothing to do" \
	webworker --once 60 web.db line-c client.key
check "web.db has the worker's schema (migration 2)" bash -c \
	"test \"\$(sqlite3 web.db 'pragma user_version')\" = 2"

# --- N queued requests --------------------------------------------------
for k in 1 2 3 4; do newcsr p256 k$k.csr; done
mkdir -p reqs
now=$(date +%s)
{
	echo "BEGIN;"
	echo "INSERT INTO account (id, name, dob, email, pwhash, confirmed, created) VALUES (1, 'Test Member', '1990-01-01', 'm@example.org', 'x', 1, $now);"
	for i in $(seq "$N"); do
		request "web-$i" tls-server "k$((i % 4 + 1)).csr" "issuer: server" \
			"dns: h$i.example.org" "days: 30" >reqs/$i.req
		echo "INSERT INTO request (id, account, profile, body, state, issuer, created, updated) VALUES ($i, 1, 'server', readfile('reqs/$i.req'), 'queued', 'server', $now, $now);"
		echo "INSERT INTO request_name (request, kind, value) VALUES ($i, 'dns', 'h$i.example.org');"
	done
	echo "COMMIT;"
} >fill.sql
check "$N requests queued" bash -c "sqlite3 web.db <fill.sql && test \$(sqlite3 web.db \"select count(*) from request where state = 'queued'\") -eq $N"

# --- kill -9 of the worker, then of the signer, mid-burst --------------
start_worker
check "the worker issues some requests" wait_until 120 at_least 20
kill -9 $WRK; wait $WRK 2>/dev/null; WRK=
k1=$(issued)
echo "# worker killed with $k1 of $N issued"
check "the worker was killed mid-burst (some, not all, issued)" test "$k1" -lt "$N"
start_worker
check "the restarted worker goes on" wait_until 120 at_least $((k1 + 20))
kill -9 $SIG; wait $SIG 2>/dev/null; SIG=
k2=$(issued)
echo "# signer killed with $k2 of $N issued"
check "the signer was killed mid-burst" test "$k2" -lt "$N"
sleep 0.5
start_signer
check "after both kills every request is issued" wait_until 300 at_least "$N"
check "no request refused or left queued" test \
	"$(q "select count(*) from request where state <> 'issued'")" -eq 0
check "$N distinct serials" test \
	"$(q "select count(distinct serial) from request where state = 'issued'")" -eq "$N"
check "the signer's store holds exactly $N certificates for web-* ids" test \
	"$(sqlite3 A/signer.db "select count(*) from cert where request_id like 'web-%'")" -eq "$N"
check "and one per id" test \
	"$(sqlite3 A/signer.db "select count(distinct request_id) from cert where request_id like 'web-%'")" -eq "$N"

mkdir -p certs
q "select writefile('certs/' || id || '.der', cert) from request" >/dev/null
for i in $(seq "$N"); do openssl x509 -inform der -in certs/$i.der -out certs/$i.pem; done
check "every certificate verifies against the chain (openssl verify -x509_strict)" bash -c \
	"openssl verify -x509_strict -CAfile $C/root.pem -untrusted $C/server.pem certs/*.pem | grep -c ': OK\$' | grep -qx $N"
check "every stored serial and notAfter are the certificate's" bash -c '
	for i in $(seq '"$N"'); do
		s=$(openssl x509 -in certs/$i.pem -noout -serial | cut -d= -f2 | tr A-F a-f | sed "s/^0*//")
		d=$(sqlite3 web.db "select serial from request where id = $i" | sed "s/^0*//")
		test "$s" = "$d" || { echo "request $i: $s != $d"; exit 1; }
		na=$(date -d "$(openssl x509 -in certs/$i.pem -noout -enddate | cut -d= -f2)" +%s)
		test "$na" = "$(sqlite3 web.db "select not_after from request where id = $i")" || exit 1
	done'
check "each certificate carries its own request's name" bash -c \
	"openssl x509 -in certs/7.pem -noout -ext subjectAltName | grep -q 'DNS:h7.example.org'"
check "the signer's log: every web-* id issued exactly once (issued minus voided)" bash -c "
	grep -P '\tsign\t' A/signer-requests.log | grep 'decision=issued' | grep 'id=web-' |
		sed 's/.*id=\([^ ]*\).*serial=\([0-9a-f]*\).*/\1 \2/' | sort >iss.pairs
	grep -P '\tsign\.void\t' A/signer-requests.log |
		sed 's/.*id=\([^ ]*\).*serial=\([0-9a-f]*\).*/\1 \2/' | sort >void.pairs
	comm -23 iss.pairs void.pairs >net.pairs
	test \$(wc -l <net.pairs) -eq $N && test \$(cut -d' ' -f1 net.pairs | sort -u | wc -l) -eq $N
	q() { sqlite3 web.db \"\$1\"; }
	q \"select 'web-' || id || ' ' || serial from request\" | sort | diff - net.pairs"
check "fe-web's requests.log verifies as a chain" fe log verify requests.log
check "requests.log: sign.sent and one serial in sign.issued for every request" bash -c "
	test \$(grep -P '\tsign\.sent\t' requests.log | grep -o 'id=web-[0-9]*' | sort -u | wc -l) -eq $N &&
	test \$(grep -P '\tsign\.issued\t' requests.log | grep -o 'id=web-[0-9]* .*serial=[0-9a-f]*' |
		sed 's/ .*serial=/ /' | sort -u | wc -l) -eq $N"

# --- a revocation --------------------------------------------------------
rs=$(q "select serial from request where id = 3")
q "INSERT INTO revocation (request, reason, cause, state, created) VALUES (3, 'keyCompromise', 'owner', 'queued', $(date +%s))"
check "the revocation is done" wait_until 60 bash -c \
	"test \"\$(sqlite3 web.db \"select state from revocation where request = 3\")\" = done"
has_crl() {
	rm -f server.crl.der
	sqlite3 web.db "select writefile('server.crl.der', der) from crl where issuer = 'server' and part = 0" >/dev/null
	openssl crl -inform der -in server.crl.der -noout -text | grep -qi "serial number: 0*${rs#0}$"
}
check "the stored CRL of the server CA lists the serial (openssl crl -text)" wait_until 30 has_crl
check "and that CRL verifies under the server CA" bash -c \
	"openssl crl -inform der -in server.crl.der -CAfile $C/server.pem -noout -verify 2>&1 | grep -q 'verify OK'"
check "requests.log has revoke.sent and revoke.done" bash -c \
	"grep -qP '\trevoke\.sent\t' requests.log && grep -qP '\trevoke\.done\t' requests.log"

# --- fe-status: delegated keys, bundles, OCSP ---------------------------
check "fe-status's delegated-key requests were signed" wait_until 60 bash -c \
	"test \$(sqlite3 web.db \"select count(*) from delegated where state = 'issued'\") -ge 3"
check "and installed by fe-status from a bundle" wait_until 60 \
	grep -q 'delegate.install' state/status.log
check "fe-status lists no signing request any more" wait_until 30 bash -c \
	"test -z \"\$(curl -s '$ADM/requests')\""
ocsp() { openssl ocsp -issuer $C/server.pem -cert "$1" -url "$URL/" -CAfile $C/root.pem -no_nonce 2>&1; }
check "openssl ocsp: an issued certificate is good" wait_until 60 bash -c \
	"$(declare -f ocsp); C=$C URL=$URL; ocsp certs/5.pem | grep -q 'certs/5.pem: good'"
check "openssl ocsp: the last one issued is good too" wait_until 30 bash -c \
	"$(declare -f ocsp); C=$C URL=$URL; ocsp certs/$N.pem | grep -q 'certs/$N.pem: good'"
check "openssl ocsp: the revoked certificate is revoked (keyCompromise)" wait_until 60 bash -c \
	"$(declare -f ocsp); C=$C URL=$URL; ocsp certs/3.pem | tee ocsp3.out | grep -q 'certs/3.pem: revoked'"
# Pushes go on in the background (a CRL or status change queues another),
# so this waits for the queue to be drained rather than reading it once.
check "every push was accepted, progress recorded for the server" wait_until 30 bash -c \
	"test \"\$(sqlite3 web.db \"select done_seq = (select max(seq) from push_item) and tries = 0 from push\")\" = 1"
check "fe-status logged accepted bundles and no refused one" bash -c \
	"grep -q bundle.accept state/status.log && ! grep -q bundle.refuse state/status.log"

# --- stop ----------------------------------------------------------------
kill $WRK; wait $WRK 2>/dev/null; WRK=
check "the worker stops on SIGTERM" bash -c "! grep -qi 'error' worker.out"
done_testing
