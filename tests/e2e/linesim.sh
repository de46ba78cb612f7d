#!/usr/bin/env bash
# linesim.sh - fe-linesim, the serial line simulator (fe-linesim(1)): with
# no faults it carries every byte unchanged at baud/10 bytes a second; bit
# flips, drops and duplicates come at the rate asked and the same seed gives
# the same corruption; a burst sent while the cable is pulled is lost and
# bytes flow again once it is plugged back; stalls delay but lose nothing;
# an end may close and reopen its port; SIGTERM removes the symlinks.  The
# bytes are checked with cmp and python3, not with our own code.
. "$(dirname "$0")/lib.sh"

SIM=
# sim ARGS...: start fe-linesim on ./a and ./b (stats in ./st), wait for
# "ready".
sim() {
	rm -f st
	fe-linesim --link-a a --link-b b --stats st "$@" >sim.out 2>sim.err &
	SIM=$!
	local i
	for i in $(seq 200); do
		grep -qx ready sim.out 2>/dev/null && return 0
		kill -0 "$SIM" 2>/dev/null || break
		sleep 0.025
	done
	echo "# fe-linesim did not start:"; sed 's/^/#   /' sim.err
	return 1
}
# unsim: SIGTERM, and its exit status.
unsim() { local p=$SIM; SIM=; kill -TERM "$p" && wait "$p"; }
# A check that failed half-way leaves no simulator behind.
trap '[ -n "$SIM" ] && kill -TERM "$SIM" 2>/dev/null' EXIT
# stat KEY: a counter from ./st.
stat() { awk -v k="$1" '$1 == k { print $2 }' st; }
# xfer ARGS...: ttyxfer, its report in ./x.out; sets SENT RECV SECS.
xfer() {
	SENT=- RECV=- SECS=-
	ttyxfer "$@" >x.out 2>x.err || { cat x.err; return 1; }
	read -r _ SENT _ RECV _ SECS <x.out
}
# between X LO HI: LO <= X <= HI (decimals allowed).
between() { $PY -c "import sys; x, lo, hi = map(float, sys.argv[1:]); sys.exit(not lo <= x <= hi)" "$@"; }

head -c 23040 /dev/urandom >in.bin
head -c 2000 /dev/urandom >burst.bin
head -c 11520 /dev/urandom >sec.bin

# --- no faults: rate and integrity ------------------------------------------
sim --baud 115200 || { notok "fe-linesim starts"; exit 1; }
check "it prints ready and makes the symlinks to two pty slaves" bash -c \
	"test -L a && test -L b && test -c a && test -c b && [ \"\$(readlink a)\" != \"\$(readlink b)\" ]"
xfer a b in.bin out.bin
check "23040 random bytes A to B arrive unchanged" cmp in.bin out.bin
check "... in about 2 s at 115200 baud (took $SECS s)" between "$SECS" 1.7 3.0
xfer b a sec.bin back.bin
check "11520 bytes B to A arrive unchanged (the same ports reopened)" cmp sec.bin back.bin
check "... in about 1 s (took $SECS s)" between "$SECS" 0.85 1.5
xfer a b burst.bin again.bin
check "A to B once more after both ends closed and reopened" cmp burst.bin again.bin
# With both ends closed the masters poll as hung up; it must sleep, not spin.
t0=$(awk '{ print $14 + $15 }' /proc/$SIM/stat)
sleep 1
t1=$(awk '{ print $14 + $15 }' /proc/$SIM/stat)
check "idle with both ends closed it uses under 5 % of a CPU ($((t1 - t0)) ticks in 1 s)" \
	test $((t1 - t0)) -le 5
kill -USR1 "$SIM"
sleep 0.2
check "SIGUSR1 writes the counters" bash -c \
	"test \"\$(awk '\$1 == \"delivered_a_to_b\" { print \$2 }' st)\" = $((23040 + 2000))"
check "SIGTERM: exit status 0" unsim
check "SIGTERM removes both symlinks" bash -c "test ! -e a && test ! -L a && test ! -L b"
check "the counters on exit: bytes each way, nothing lost" bash -c \
	"grep -qx 'bytes_a_to_b 25040' st && grep -qx 'bytes_b_to_a 11520' st &&
	 grep -qx 'delivered_b_to_a 11520' st && grep -qx 'flipped_a_to_b 0' st &&
	 grep -qx 'pauses 0' st && grep -qx 'pulls 0' st"

# A slow line: one byte takes 33 ms, longer than any burst allowance.
head -c 15 in.bin >slow.bin
sim --baud 300 && xfer a b slow.bin slowout.bin && unsim
check "at 300 baud 15 bytes arrive unchanged in about 0.5 s (took $SECS s)" \
	bash -c "cmp slow.bin slowout.bin && $PY -c 'import sys; sys.exit(not 0.4 <= float(\"$SECS\") <= 0.9)'"

# --- bit flips ----------------------------------------------------------------
# A faster line for the statistics: 23040 bytes take 0.25 s at 921600.
for run in 1 2; do
	sim --baud 921600 --seed 1 --flip 0.01 && xfer a b in.bin flip$run.bin && unsim
	cp st flip$run.st
done
nflip=$(cmp -l in.bin flip1.bin | wc -l)
check "--flip 0.01: every byte arrives, about 1 % changed in one bit ($nflip of 23040)" $PY - in.bin flip1.bin <<'PY'
import sys
a, b = (open(p, 'rb').read() for p in sys.argv[1:])
assert len(a) == len(b), (len(a), len(b))
d = [x ^ y for x, y in zip(a, b) if x != y]
assert all(bin(x).count('1') == 1 for x in d), "a byte changed in more than one bit"
r = len(d) / len(a)
assert 0.005 <= r <= 0.015, r
PY
check "the counter agrees with the bytes that differ" \
	grep -qx "flipped_a_to_b $nflip" flip1.st
check "the same seed gives the same corruption" cmp flip1.bin flip2.bin
sim --baud 921600 --seed 2 --flip 0.01 && xfer a b in.bin flip3.bin && unsim
check "another seed gives another" bash -c "! cmp -s flip1.bin flip3.bin"

# --- drops and duplicates -----------------------------------------------------
sim --baud 921600 --seed 1 --drop 0.01 && xfer a b in.bin drop.bin && unsim
check "--drop 0.01: about 99 % of the bytes arrive ($RECV of $SENT), in order" \
	$PY - in.bin drop.bin "$(stat dropped_a_to_b)" <<'PY'
import sys
a, b = (open(p, 'rb').read() for p in sys.argv[1:3])
r = len(b) / len(a)
assert 0.985 <= r <= 0.995, r
assert len(a) - len(b) == int(sys.argv[3]), "dropped counter"
it = iter(a)
assert all(c in it for c in b), "not a subsequence of what was sent"
PY
sim --baud 921600 --seed 1 --dup 0.01 && xfer a b in.bin dup.bin && unsim
check "--dup 0.01: about 101 % arrive ($RECV of $SENT), each extra a repeat" \
	$PY - in.bin dup.bin "$(stat duplicated_a_to_b)" <<'PY'
import sys
from itertools import groupby
a, b = (open(p, 'rb').read() for p in sys.argv[1:3])
r = len(b) / len(a)
assert 1.005 <= r <= 1.015, r
assert len(b) - len(a) == int(sys.argv[3]), "duplicated counter"
# Runs of equal bytes match one to one; a run of n comes out as n to 2n.
ra = [(k, len(list(g))) for k, g in groupby(a)]
rb = [(k, len(list(g))) for k, g in groupby(b)]
assert len(ra) == len(rb), (len(ra), len(rb))
for (x, n), (y, m) in zip(ra, rb):
    assert x == y and n <= m <= 2 * n, (x, n, y, m)
PY

# --- pulled cable -------------------------------------------------------------
# Pulled about 1 ms after the start, for 3 s: the burst goes nowhere.
sim --seed 1 --pull-every 1 --pull-for 3000 && xfer --idle 300 a b burst.bin pulled.bin && unsim
check "a burst sent while the cable is pulled is lost ($RECV of $SENT arrive)" \
	test "$RECV" -eq 0
check "... and counted (pulls $(stat pulls), pulled_a_to_b $(stat pulled_a_to_b))" \
	bash -c "test $(stat pulls) -ge 1 && test $(stat pulled_a_to_b) -eq 2000"
# Pulled for 100 ms at intervals averaging 250 ms, during a 2 s transfer.
sim --seed 1 --pull-every 250 --pull-for 100 && xfer a b in.bin pulls.bin && unsim
check "pulled and plugged back: part lost, the rest in order ($RECV of $SENT arrive, $(stat pulls) pulls)" \
	$PY - in.bin pulls.bin "$(stat pulled_a_to_b)" <<'PY'
import sys
a, b = (open(p, 'rb').read() for p in sys.argv[1:3])
assert 0 < len(b) < len(a), len(b)
assert len(a) - len(b) == int(sys.argv[3]), "pulled counter"
# b is a's bytes in order with gaps: align greedily and count the gaps.
j, gaps = 0, 0
for c in b:
    skip = 0
    while a[j] != c:
        j += 1
        skip += 1
    if skip:
        gaps += 1
    j += 1
# A gap followed by bytes: lost while pulled, then plugged back.
assert gaps >= 1, "no bytes arrived after a loss"
PY

# --- stalls -------------------------------------------------------------------
sim --seed 1 --pause-every 200 --pause-for 100 && xfer a b sec.bin paused.bin && unsim
check "stalls lose nothing" cmp sec.bin paused.bin
check "... but take longer than 1 s ($SECS s, $(stat pauses) pauses)" \
	bash -c "test $(stat pauses) -ge 1 && $PY -c 'import sys; sys.exit(not $SECS > 1.1)'"

# --- refusals -----------------------------------------------------------------
echo precious >a
refuses "a regular file at PATH_A is not replaced" "not a symbolic link" \
	fe-linesim --link-a a --link-b b
check "... and is left as it was" bash -c "test \"\$(cat a)\" = precious && test ! -e b"
rm -f a
ln -s /nonexistent/stale a
sim && check "a stale symlink is replaced" test -c a && unsim
refuses "a probability over 1 is refused" "'1.5' is not a probability" \
	fe-linesim --link-a a --link-b b --flip 1.5
refuses "a baud rate that is not a number is refused" "--baud: 'fast'" \
	fe-linesim --link-a a --link-b b --baud fast
refuses "--pause-every without --pause-for is refused" "go together" \
	fe-linesim --link-a a --link-b b --pause-every 100
refuses "the same path for both ends is refused" "both 'a'" \
	fe-linesim --link-a a --link-b a
sim && kill -INT "$SIM" && wait "$SIM"
rc=$?
SIM=
check "SIGINT: exit 0 and the symlinks are gone" bash -c "test $rc -eq 0 && test ! -L a && test ! -L b"
done_testing
