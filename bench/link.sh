#!/usr/bin/env bash
# bench/link.sh - issuance through the serial link at 115200 baud 8N1, whose
# physical limit is 11,520 bytes/s in each direction (10 bits per byte).
#
# A fresh CA, fe-signer serving one end of fe-linesim (no faults, paced at
# the baud rate), and tests/tools/linkload submitting N signing requests at
# once.  Reported for a window of 16 frames and for stop-and-wait (window
# 1): certificates per second, the bytes each issuance costs on the line in
# each direction (from the simulator's counters: what actually crossed the
# line, with framing, MACs, acknowledgements and keep-alives), and the
# share of the line rate used in the busier direction.  Goal: 85 %.
#
# Environment: BENCH_LINK_N (300), BENCH_BAUD (115200), BENCH_KEEP=1.
set -u
FE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FE_BIN=${FE_BIN:-$FE_ROOT/build/bin}
FE_TOOLS=${FE_TOOLS:-$FE_ROOT/build/tools}
. "$FE_ROOT/tests/e2e/lib.sh"
N=${BENCH_LINK_N:-300}
BAUD=${BENCH_BAUD:-115200}
LIMIT=$((BAUD / 10))
GOAL=85
W=$(mktemp -d /tmp/fe-bench-link.XXXXXX)
SIM= ; SIG=
cleanup() {
	kill $SIM $SIG 2>/dev/null; wait 2>/dev/null
	[ "${BENCH_KEEP:-}" = 1 ] || rm -rf "$W"
}
trap cleanup EXIT
cd "$W" || exit 1
[ -x "$FE_TOOLS/linkload" ] || make -C "$FE_ROOT" -s O=build tests >/dev/null
make_ca A >/dev/null || { echo "bench/link: ceremony failed"; exit 1; }
install -m 600 A/ca/link.key client.key
newcsr p256 a.csr

stat_of() { awk -v k="$1" '$1 == k {print $2}' sim.stats; }

run() {
	local window=$1 label=$2
	sed -i '/^\[link\]/,$d' A/signer.ini
	printf '\n[link]\ndevice = line-s\nkey = ca/link.key\nbaud = %s\nwindow = %s\n' \
		"$BAUD" "$window" >>A/signer.ini
	fe-linesim --link-a "$W/line-c" --link-b "$W/A/line-s" --baud "$BAUD" \
		--stats sim.stats >sim.out 2>&1 &
	SIM=$!
	for _ in $(seq 50); do grep -q ready sim.out && break; sleep 0.1; done
	fe-signer -c A/signer.ini --share A/ca/shares/share-1.txt \
		--share A/ca/shares/share-2.txt serve >signer.out 2>&1 &
	SIG=$!
	# One request first so that the session exists before timing starts.
	linkload --device line-c --key client.key --csr a.csr -n 1 \
		--prefix "warm$window" --window "$window" --baud "$BAUD" >/dev/null || return 1
	kill -USR1 $SIM; sleep 0.3
	local a0 b0; a0=$(stat_of delivered_a_to_b); b0=$(stat_of delivered_b_to_a)
	linkload --device line-c --key client.key --csr a.csr -n "$N" \
		--prefix "bench$window" --window "$window" --baud "$BAUD" >load.out || return 1
	cp load.out "load-$window.out"
	kill -USR1 $SIM; sleep 0.3
	local a1 b1; a1=$(stat_of delivered_a_to_b); b1=$(stat_of delivered_b_to_a)
	kill $SIG $SIM; wait $SIG $SIM 2>/dev/null; SIG= ; SIM=
	local secs rate res; secs=$(awk '/^requests/ {print $8}' load.out)
	rate=$(awk '/^requests/ {print $10}' load.out)
	res=$(awk '/^requests/ {print $12}' load.out)
	awk -v l="$label" -v n="$N" -v s="$secs" -v r="$rate" -v up=$((a1 - a0)) \
	    -v down=$((b1 - b0)) -v lim="$LIMIT" -v goal="$GOAL" -v res="$res" 'BEGIN {
		busy = (up > down ? up : down) / s
		pct = 100 * busy / lim
		good = 100 * res / s / lim
		printf "%-22s %8.2f %10.0f %10.0f %7.1f %% %7.1f %%  %s\n", l, r,
		    up / n, down / n, pct, good,
		    (l ~ /window 1 /) ? "(reference)" : (good >= goal ? "PASS" : "BELOW")
	}'
}

echo "Issuance over the link: $N requests, $BAUD baud 8N1 (limit $LIMIT bytes/s each way), P-256 CSRs, tls-server"
echo "busy: bytes that crossed the busier direction, of its capacity; useful: the"
echo "answers' message bytes (certificate DER and 10 bytes of message header), of"
echo "the capacity: retransmissions, framing, MACs and acknowledgements excluded."
printf '%-22s %8s %10s %10s %9s %9s  %s\n' "mode" "certs/s" "up B/cert" \
	"down B/cert" "busy" "useful" "goal $GOAL % useful"
for w in ${BENCH_WINDOWS:-16 8}; do
	run "$w" "window $w" || { echo "bench/link: window $w run failed"; exit 1; }
done
run 1 "window 1 (stop+wait)" || { echo "bench/link: window 1 run failed"; exit 1; }
