#!/usr/bin/env bash
# bench/link-faults.sh - the long run of the link's fault test: 1,000
# signing requests (BENCH_FAULT_N) through fe-linesim at 115200 baud with
# 1 % of bytes flipped and the cable pulled (300 ms, every 4 s on average),
# with 64-byte frames.  Every request must be answered exactly once, no
# serial issued twice, and the signer's request log must agree with the
# client's results: this is tests/e2e/link.sh with a larger count (make
# check runs it with 60).  Prints the checks and the time and rate of the
# fault run.  Takes about 15 to 20 minutes.
set -u
FE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export FE_ROOT FE_BIN=${FE_BIN:-$FE_ROOT/build/bin} FE_TOOLS=${FE_TOOLS:-$FE_ROOT/build/tools}
export FE_LINK_FAULT_N=${BENCH_FAULT_N:-1000}
[ -x "$FE_TOOLS/linkload" ] || make -C "$FE_ROOT" -s O=build tests >/dev/null
W=$(mktemp -d /tmp/fe-bench-faults.XXXXXX)
trap 'rm -rf "$W"' EXIT
cd "$W" || exit 1
start=$(date +%s)
bash "$FE_ROOT/tests/e2e/link.sh" >out.txt 2>&1
rc=$?
end=$(date +%s)
grep -E '^(ok|not ok)' out.txt
echo "fault run: $FE_LINK_FAULT_N requests; whole test $((end - start)) s"
[ -f fault.txt ] && awk '{n[$2]++} END {for (k in n) printf "  %s %d\n", k, n[k]}' fault.txt
[ -f sim.stats ] && grep -E '^(flipped|pulls|bytes)' sim.stats | sed 's/^/  /'
exit $rc
