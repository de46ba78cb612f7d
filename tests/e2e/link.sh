#!/usr/bin/env bash
# link.sh - fe-signer as a daemon on a (simulated) serial line
# (docs/link-protocol.md, POLICY.md K4, K5): operators' commands over the
# line, no socket ever opened, every request answered exactly once through
# 1 % corrupted bytes and pulled cables, and through kill -9 of the signer.
. "$(dirname "$0")/lib.sh"

N_FAULT=${FE_LINK_FAULT_N:-60}
N_KILL=${FE_LINK_KILL_N:-80}
SIM= ; SIG=
cleanup() { kill $SIM $SIG 2>/dev/null; wait 2>/dev/null; }
trap cleanup EXIT
# Background processes killed on purpose must not report leaks.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1

make_ca A >/dev/null || { notok "ceremony"; exit 1; }
cat >>A/signer.ini <<EOC

[link]
device = line-s
key = ca/link.key
baud = 115200
window = 16
EOC
install -m 600 A/ca/link.key client.key
SH="--share A/ca/shares/share-1.txt --share A/ca/shares/share-3.txt"
FE_SIGNER_ARGS="-c A/signer.ini $SH serve"
start_sim() {
	fe-linesim --link-a "$PWD/line-c" --link-b "$PWD/A/line-s" --baud 115200 "$@" >sim.out 2>&1 &
	SIM=$!
	for _ in $(seq 50); do grep -q ready sim.out 2>/dev/null && return 0; sleep 0.1; done
	return 1
}
stop_sim() { kill $SIM 2>/dev/null; wait $SIM 2>/dev/null; SIM=; }
start_signer() { fe-signer $FE_SIGNER_ARGS >>signer.out 2>&1 & SIG=$!; }
stop_signer() { kill ${1:-} $SIG 2>/dev/null; wait $SIG 2>/dev/null; SIG=; }
fs() { fe signer --device line-c --key client.key --timeout 30 "$@"; }

check "the line simulator starts (115200 baud, no faults)" start_sim
refuses "serve refuses to start with locked keys" "keys stay locked" \
	fe-signer -c A/signer.ini --share A/ca/shares/share-1.txt serve
start_signer
check "fe signer status over the line: unlocked, session 1" bash -c \
	"fe signer --device line-c --key client.key --timeout 30 status | tee st.out | grep -q 'keys: unlocked' && grep -q 'session: 1' st.out"
check "the status carries the signer's own clock" grep -q '^time: 20' st.out

newcsr p256 a.csr
request l-1 tls-server a.csr "subject: CN=www.example.org" "dns: www.example.org" "days: 30" >l1.req
check "fe signer sign over the line" fs sign -o l1.pem l1.req
check "the certificate verifies (openssl -x509_strict)" openssl verify -x509_strict \
	-CAfile A/ca/certs/root.pem -untrusted A/ca/certs/server.pem l1.pem
check "the same request again returns the same certificate" bash -c \
	"fe signer --device line-c --key client.key sign -o l1b.pem l1.req && cmp l1.pem l1b.pem"
serial=$(openssl x509 -in l1.pem -noout -serial | cut -d= -f2)
check "fe signer revoke over the line" fs revoke "$serial" keyCompromise
check "revoking again with the same reason is idempotent" fs revoke "$serial" keyCompromise
refuses "revoking again with another reason is refused" "already revoked" fs revoke "$serial" superseded
check "fe signer crl over the line, verified by openssl" bash -c \
	"fe signer --device line-c --key client.key crl -o s.crl server &&
	 openssl crl -in s.crl -CAfile A/ca/certs/server.pem -noout -verify 2>&1 | grep -q 'verify OK' &&
	 openssl crl -in s.crl -noout -text | grep -q 'Serial Number: $serial'"
refuses "a bad request over the line is refused with its reason" "internal name" \
	bash -c "$(declare -f request); request l-bad tls-server a.csr 'dns: printer' 'days: 30' >bad.req; fe signer --device line-c --key client.key sign bad.req"
check "fe signer logs extracts the signer's log, and it verifies as a chain" bash -c \
	"fe signer --device line-c --key client.key logs --from 1 >extracted.log && fe log verify extracted.log"
check "the extracted log matches the signer's own records" bash -c \
	"n=\$(wc -l <extracted.log); head -n \$n A/signer-requests.log | cmp - extracted.log"

# No socket, ever (K4): strace the daemon through a signing.
stop_signer
strace -f -qq -e trace=%network -o strace.out fe-signer $FE_SIGNER_ARGS >>signer.out 2>&1 &
SIG=$!
sleep 1
request l-2 tls-server a.csr "dns: www2.example.org" "days: 30" >l2.req
check "signing works under strace" fs sign -o l2.pem l2.req
# Stop the traced signer itself; strace exits with it.
kill $(pgrep -P $SIG) 2>/dev/null; wait $SIG 2>/dev/null; SIG=
check "fe-signer made no network system call (strace -e trace=%network)" \
	bash -c "test -f strace.out && ! grep -Ev '^[0-9]+ +(\+\+\+|---) ' strace.out | grep -q ."
check "fe-signer does not link a network library" bash -c \
	"! ldd \$(command -v fe-signer) | grep -Eq 'libcurl|libmicrohttpd|libssl\\.|libresolv|libunbound'"

# Pipelined, clean line.
start_signer
check "100 pipelined requests on a clean line, all issued" \
	linkload --device line-c --key client.key --csr a.csr -n 100 --prefix clean --results clean.txt --timeout 120

# Batches over the line, overlapped: once requests flow, something else
# holds the store's write lock for 3 s.  The batch then in flight cannot
# commit; the requests behind it are checked and signed meanwhile -- the
# next batch overlaps the one in flight -- and queue; all are answered
# once the lock is given back.
stat() { fs status | awk -F': ' -v k="$1" '$1 == k { print $2 }'; }
b0=$(stat sign_batches); o0=$(stat sign_batches_overlapped)
linkload --device line-c --key client.key --csr a.csr -n 40 --prefix held \
	--results held.txt --timeout 120 >held.out 2>&1 &
LOAD=$!
wait_until 15 stored_at_least A/signer.db held- 2
$PY -c "
import sqlite3, time
db = sqlite3.connect('A/signer.db', isolation_level=None, timeout=10)
db.execute('BEGIN IMMEDIATE')
time.sleep(3)
db.execute('ROLLBACK')"
check "40 requests, the store locked for 3 s among them, all issued" wait $LOAD
b1=$(stat sign_batches); o1=$(stat sign_batches_overlapped)
check "they were signed in fewer batches than requests ($((b1 - b0)) for 40)" \
	test $((b1 - b0)) -ge 1 -a $((b1 - b0)) -lt 40
check "and batches overlapped the one in flight ($((o1 - o0)) of them)" \
	test $((o1 - o0)) -ge 1
want_nice=0
[ "$(id -u)" = 0 ] && want_nice=-10     # CAP_SYS_NICE
check "the thread that stores batches runs at nice $want_nice (STATUS)" \
	test "$(stat sign_durable_nice)" = "$want_nice"
check "and its store kept everything answered (STATUS store: ok)" \
	test "$(stat store)" = ok

# kill -9 of the signer in the middle of a burst.
linkload --device line-c --key client.key --csr a.csr -n "$N_KILL" --prefix kill \
	--results kill.txt --timeout 300 >kill.out 2>&1 &
LOAD=$!
sleep 2.5
kill -9 $SIG; wait $SIG 2>/dev/null
sleep 0.5
start_signer
check "after kill -9 and restart every request was answered and issued" wait $LOAD
check "after kill -9: no serial twice" bash -c "test -z \"\$(awk '\$3 != \"-\" {print \$3}' kill.txt | sort | uniq -d)\""

# 1 % corrupted bytes and the cable pulled, with small frames.
stop_signer; stop_sim
sed -i 's/^window = 16/window = 32\nframe_payload = 64/' A/signer.ini
check "the line simulator restarts with 1 % flipped bytes and cable pulls" \
	start_sim --seed 42 --flip 0.01 --pull-every 4000 --pull-for 300 --stats sim.stats
start_signer
check "$N_FAULT requests through 1 % corruption and pulled cables, all issued" \
	linkload --device line-c --key client.key --csr a.csr -n "$N_FAULT" --prefix fault \
	--frame 64 --window 32 --results fault.txt --timeout $((120 + 2 * N_FAULT))
kill -USR1 $SIM; sleep 0.3
check "the simulator really corrupted bytes and pulled the cable" bash -c \
	"awk '/^flipped/ {f+=\$2} /^pulls/ {p+=\$2} END {exit !(f > 100 && p > 0)}' sim.stats"
check "no serial twice under faults" bash -c "test -z \"\$(awk '\$3 != \"-\" {print \$3}' fault.txt | sort | uniq -d)\""

# The signer's log and the client's results agree: for each id, the issued
# serials minus those voided after a crash are exactly the one the client got.
stop_signer
check "the request log verifies" fe log verify A/signer-requests.log
grep -P '\tsign\t' A/signer-requests.log | grep 'decision=issued' |
	sed 's/.*id=\([^ ]*\).*serial=\([0-9a-f]*\).*/\1 \2/' | sort >issued.pairs
grep -P '\tsign\.void\t' A/signer-requests.log |
	sed 's/.*id=\([^ ]*\).*serial=\([0-9a-f]*\).*/\1 \2/' | sort >void.pairs
comm -23 issued.pairs void.pairs | grep -E '^(clean|held|kill|fault)-' >log.pairs
cat clean.txt held.txt kill.txt fault.txt | awk '{print $1, tolower($3)}' | sort >client.pairs
check "log and client agree: every id issued exactly once, same serial" diff log.pairs client.pairs
check "every id of the three runs appears exactly once" \
	test "$(cut -d' ' -f1 log.pairs | sort -u | wc -l)" -eq $((100 + 40 + N_KILL + N_FAULT))
done_testing
