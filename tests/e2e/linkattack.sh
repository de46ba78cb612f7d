#!/usr/bin/env bash
# linkattack.sh - attacks on the serial link (docs/link-protocol.md) made
# with tests/tools/linkattack, a second client written from the document
# alone (not link.c or client.c), against fe-signer serving a clean line
# from fe-linesim: a SIGN frame replayed in a new session and after a
# restart, a frame replayed inside its session, forged MACs, a frame of
# another session, and a wrong link key.  Each must be rejected, logged in
# the request log (link.reject), and must neither issue a certificate
# again nor stop the signer; the log must still verify.
. "$(dirname "$0")/lib.sh"

SIM= SIG=
# Every background process goes, also when a check fails half-way.
cleanup() {
	local p
	for p in $SIG $SIM; do kill -TERM "$p" 2>/dev/null; done
	for p in $SIG $SIM; do wait "$p" 2>/dev/null; done
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

LOG=A/signer-requests.log
SHARES="--share A/ca/shares/share-1.txt --share A/ca/shares/share-2.txt"
CLI=$PWD/cli
K="--device $CLI --key client.key"
STALE="frame from before a restart or of an earlier session"
DUP="duplicate frame (retransmitted or replayed): not delivered again"
BADMAC="forged frame: bad MAC"
BADLINKMAC="forged frame: bad MAC (link key)"
UNKNOWN="frame of an unknown session"

# nrec TYPE: how many records of TYPE the request log holds.
nrec() { fe log show "$LOG" 2>/dev/null | awk -v t="$1" '$3 == t { n++ } END { print n + 0 }'; }
# signs ID [DECISION]: sign records for ID (with that decision).
signs() {
	fe log show "$LOG" 2>/dev/null | awk -v id="id=$1" -v d="decision=${2:-}" \
	    '$3 == "sign" && $4 == id && (d == "decision=" || index($0, " " d " ")) { n++ }
	     END { print n + 0 }'
}
# rejects REASON: the sum of count= over link.reject records of REASON.
rejects() {
	fe log show "$LOG" 2>/dev/null | awk -v r="$1" '$3 == "link.reject" {
		i = index($0, " reason=")
		if (i && substr($0, i + 8) == r) { split($4, c, "="); n += c[2] }
	} END { print n + 0 }'
}
# more_rejects REASON N: more than N rejects of REASON are logged.  They
# are logged at most once a second per reason, so checks wait for them.
more_rejects() { test "$(rejects "$1")" -gt "$2"; }
# start_signer: fe-signer serve in the background; waits until it has
# opened its end of the line (a new link.line-up record).
start_signer() {
	local before i
	before=$(nrec link.line-up)
	fe-signer -c A/signer.ini $SHARES serve >>sig.out 2>>sig.err &
	SIG=$!
	for i in $(seq 150); do
		[ "$(nrec link.line-up)" -gt "$before" ] && return 0
		kill -0 "$SIG" 2>/dev/null || break
		sleep 0.1
	done
	echo "# fe-signer did not start:"; sed 's/^/#   /' sig.err
	return 1
}
# stop_signer: SIGTERM; exit status 0 and nothing from the sanitizers.
stop_signer() {
	local p=$SIG rc
	SIG=
	kill -TERM "$p" && wait "$p"
	rc=$?
	if grep -q 'Sanitizer\|runtime error' sig.err; then
		sed 's/^/#   /' sig.err | head -20
		return 1
	fi
	return "$rc"
}

# --- a CA, a line, a signer ---------------------------------------------------
make_ca A || { notok "make_ca"; exit 1; }
cat >>A/signer.ini <<EOF

[link]
device = $PWD/sig
key = ca/link.key
EOF
cp A/ca/link.key client.key && chmod 600 client.key
newcsr p256 a.csr
request att-1 tls-server a.csr "dns: host1.example.org" "days: 30" >r1.req
request att-2 tls-server a.csr "dns: host2.example.org" "days: 30" >r2.req

fe-linesim --link-a "$CLI" --link-b "$PWD/sig" >sim.out 2>sim.err &
SIM=$!
for i in $(seq 200); do
	grep -qx ready sim.out 2>/dev/null && break
	kill -0 "$SIM" 2>/dev/null || break
	sleep 0.025
done
grep -qx ready sim.out || { notok "fe-linesim starts"; sed 's/^/#   /' sim.err; exit 1; }
start_signer || { notok "fe-signer serve starts"; exit 1; }

# --- 1. a genuine SIGN from the second implementation -------------------------
check "sign: the independent client's handshake and SIGN get a RESULT" \
	linkattack $K sign --request r1.req --save f1.txt
cp _check.out sign.out
check "... status 0 (issued)" grep -qx "status 0" sign.out
check "... and att-1 has exactly one sign record, decision=issued" \
	test "$(signs att-1)" = 1 -a "$(signs att-1 issued)" = 1
s1=$(sed -n 's/^session //p' f1.txt)

# --- 2. the saved DATA frame replayed in a new session ------------------------
r0=$(rejects "$STALE")
check "replay --new-session: a fresh handshake, then the saved frame raw" \
	linkattack $K replay --frames f1.txt --new-session
cp _check.out replay1.out
s2=$(sed -n 's/^session //p' replay1.out)
check "... the new session ($s2) is not the saved frame's ($s1)" \
	test "${s2:-0}" -gt "${s1:-0}"
check "... the frame is rejected: logged as '$STALE'" \
	wait_until 3 more_rejects "$STALE" "$r0"
check "... no RESULT and no second sign record for att-1" \
	bash -c "grep -qx 'results 0' replay1.out && test $(signs att-1) = 1"

# --- 3. the saved frame replayed after a restart of the signer ----------------
check "SIGTERM stops fe-signer (exit 0, no sanitizer report)" stop_signer
check "fe-signer starts again with the same command" start_signer
r0=$(rejects "$STALE")
n0=$(nrec sign)
check "after the restart, the saved frame is written raw (no handshake)" \
	linkattack $K replay --frames f1.txt
cp _check.out replay2.out
check "... rejected: logged as '$STALE'" \
	wait_until 3 more_rejects "$STALE" "$r0"
check "... no RESULT and no new sign record" \
	bash -c "grep -qx 'results 0' replay2.out && test $(nrec sign) = $n0 && test $(signs att-1) = 1"

# --- 4. a replay inside the session -------------------------------------------
r0=$(rejects "$DUP")
check "dup: the SIGN frame twice, byte for byte, in one session: one RESULT" \
	linkattack $K dup --request r2.req
check "... the signer logs '$DUP'" wait_until 3 more_rejects "$DUP" "$r0"
check "... and att-2 has exactly one sign record, decision=issued" \
	test "$(signs att-2)" = 1 -a "$(signs att-2 issued)" = 1

# --- 5. forged frames -----------------------------------------------------------
a0=$(rejects "$BADMAC")
b0=$(rejects "$BADLINKMAC")
c0=$(rejects "$UNKNOWN")
s0=$(nrec link.session)
check "forge: DATA under a random key, HELLO under a random link key, DATA of another session; the real session still answers" \
	linkattack $K forge
check "... logged: '$BADMAC'" wait_until 3 more_rejects "$BADMAC" "$a0"
check "... logged: '$BADLINKMAC'" wait_until 3 more_rejects "$BADLINKMAC" "$b0"
check "... logged: '$UNKNOWN'" wait_until 3 more_rejects "$UNKNOWN" "$c0"
check "... the forged HELLO made no session (one new link.session: forge's own)" \
	test "$(nrec link.session)" = $((s0 + 1))
check "... the signer is still up: fe signer status answers" \
	fe signer $K --timeout 20 status
cp _check.out status.out
check "... and says its keys are unlocked" grep -qx "keys: unlocked" status.out

# --- 6. a wrong link key --------------------------------------------------------
s0=$(nrec link.session)
b0=$(rejects "$BADLINKMAC")
check "badkey: no HELLO_ACK that verifies under a wrong link key in 3 s" \
	linkattack $K badkey
check "... the HELLO is logged as '$BADLINKMAC'" \
	wait_until 3 more_rejects "$BADLINKMAC" "$b0"
check "... and no session was made" test "$(nrec link.session)" = "$s0"

# --- 6b. malformed and unknown messages inside a good session -------------------
raw() {
	local want=$1 text=$2; shift 2
	linkattack $K raw "$@" >raw.out 2>&1 &&
	    grep -q "status $want" raw.out && grep -qF "$text" raw.out
}
check "a REVOKE without 'SERIAL REASON' is refused and says so" \
	raw 1 "REVOKE: expected 'SERIAL REASON'" --kind 2 --body nospace
check "a REVOKE with an unknown reason is refused and names it" \
	raw 1 "'bored' is not an RFC 5280 reason" --kind 2 --body "0123 bored"
check "a LOGS of the wrong length is refused and says what it takes" \
	raw 1 "LOGS: expected 12 bytes" --kind 5 --body x
check "an unknown message kind fails and says so" \
	raw 2 "unknown message kind" --kind 77 --body x
check "... and the signer is still up" fe signer $K --timeout 20 status

# --- 7. the log -----------------------------------------------------------------
check "the signer is still running" kill -0 "$SIG"
check "SIGTERM stops it (exit 0, no sanitizer report)" stop_signer
check "the request log verifies" fe log verify "$LOG"
check "session numbers only grow, across the restart too (none reused)" \
	bash -c "fe log show $LOG | awk '\$3 == \"link.session\" { split(\$4, a, \"=\");
	    if (a[2] + 0 <= last) exit 1; last = a[2] + 0; n++ } END { exit n < 5 }'"
p=$SIM
SIM=
kill -TERM "$p" && wait "$p"
check "fe-linesim stops on SIGTERM (exit 0)" test $? -eq 0
done_testing
