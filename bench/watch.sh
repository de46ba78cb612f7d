#!/usr/bin/env bash
# bench/watch.sh - fe-watch against AIDE (Debian's aide 0.18): a full check
# of the same tree, and fe-watch's change-to-alert latency (issue #7).
#
# The tree (build/bench/mktree, seeded): 100,000 files totalling 2 GiB with
# log-normal sizes (median about 2 KiB, a few files of tens of MiB), 1,000
# directories up to 8 levels deep, 1,000 symlinks (some dangling), 100 files
# with a user.* xattr and 50 with a POSIX ACL.  It is kept between runs in
# $BENCH_DIR/fe-bench-watch/tree (BENCH_DIR defaults to /tmp) with a stamp
# file naming its parameters; it is rebuilt when the stamp differs.
#
# Both tools run on a warm page cache: the tree is synced and read once in
# full before any timing and nothing is dropped from the cache.  Both check
# the same attributes (permissions, uid, gid, size, mtime, ctime, inode,
# link target, xattrs, ACLs) and SHA-256 only, with the same number of
# hashing threads (fe-watch threads = AIDE num_workers = BENCH_WATCH_THREADS).
# (fe-watch leaves out directories' mtime and ctime, which AIDE checks.)
# On a shared machine the wall clock includes other processes' use: the
# runs are interleaved so that it falls on every tool alike, the load
# average is printed, and CPU time (user + system) with its own ratio
# beside the wall clock, on which the verdict rests.
#
#  1. AIDE: `aide --init`, then `aide --check` (nothing changed: exit 0).
#  2. fe-watch: `fe watch init`, then `fe watch check` (exit 0).
#     Every check runs BENCH_WATCH_RUNS times; the median is reported.
#     Goal: fe-watch's check at least 10x faster than AIDE's.
#  3. The floor: build/bench/hashtree lstat's every entry, reads every file
#     and SHA-256s it with OpenSSL (SHA extensions where the CPU has them),
#     same threads, no database and no comparison: what any tool computing
#     the same content hash must at least spend.  Shown beside it, as a
#     second reference, `find | xargs -P sha256sum` (coreutils).
#  4. Latency: the daemon (`fe-watch -c CONF`) with a command channel whose
#     script appends "<time> <alert JSON>" to a file; BENCH_WATCH_CHANGES
#     changes one at a time (one byte appended to a different file each
#     time, restored afterwards), each timed from just before the change to
#     the alert naming the file.  Goal: every alert within 2 s.  A change
#     with no alert within 10 s is a failed run, not a missed goal.
#
# Exit status: 1 when a run failed (a tool's error, an unexpected
# difference, a missing alert); a missed goal prints "goal missed" and
# does not change the exit status.
#
# Environment: BENCH_DIR (/tmp), BENCH_WATCH_FILES (100000),
# BENCH_WATCH_BYTES (2147483648), BENCH_WATCH_RUNS (3),
# BENCH_WATCH_THREADS (2), BENCH_WATCH_CHANGES (100), BENCH_KEEP=1 keeps
# the run's directory (configurations, databases, daemon state, alerts).
# Not part of `make check`.
set -u
set -o pipefail
FE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FE_BIN=$FE_ROOT/build/bin
FE_BENCH=$FE_ROOT/build/bench
FILES=${BENCH_WATCH_FILES:-100000}
BYTES=${BENCH_WATCH_BYTES:-2147483648}
RUNS=${BENCH_WATCH_RUNS:-3}
THREADS=${BENCH_WATCH_THREADS:-2}
CHANGES=${BENCH_WATCH_CHANGES:-100}
GOAL_RATIO=10
GOAL_LATENCY=2
TIMEOUT=10
BASE=${BENCH_DIR:-/tmp}/fe-bench-watch
TREE=$BASE/tree
STAMP=$BASE/tree.stamp
MANIFEST=$BASE/tree.manifest
RUN=
DAEMON=
failed=0

die() { echo "bench/watch: $*" >&2; exit 1; }
fail() { echo "bench/watch: FAILED: $*" >&2; failed=1; }

cleanup() {
	if [ -n "$DAEMON" ]; then
		kill -TERM "$DAEMON" 2>/dev/null
		wait "$DAEMON" 2>/dev/null
	fi
	restore_changed
	if [ -n "$RUN" ] && [ "${BENCH_KEEP:-}" != 1 ]; then
		rm -rf "$RUN"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The files changed by the latency test, with their sizes, so that the
# tree goes back to what mktree built (the stamp stays true).
declare -a CHANGED_PATH=() CHANGED_SIZE=()
restore_changed() {
	local i
	for i in "${!CHANGED_PATH[@]}"; do
		truncate -s "${CHANGED_SIZE[$i]}" "${CHANGED_PATH[$i]}"
	done
	CHANGED_PATH=() CHANGED_SIZE=()
}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

command -v aide >/dev/null || die "aide is not installed (apt-get install aide)"
# The release build (up to date already under `make bench`).
fe_ok=1
make -C "$FE_ROOT" -s SAN=0 build/bench/mktree build/bench/hashtree >/dev/null ||
	die "build of build/bench/mktree and hashtree failed"
make -C "$FE_ROOT" -s SAN=0 build/bin/fe build/bin/fe-watch >/dev/null ||
	{ fail "build of fe and fe-watch failed"; fe_ok=0; }
mkdir -p "$BASE" || die "cannot create $BASE"

# ---- the tree
want="mktree v1 files=$FILES bytes=$BYTES dirs=1000 links=1000 xattrs=100 acls=50 seed=20240607"
if [ -d "$TREE" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
	echo "# tree: reusing $TREE ($want)"
else
	rm -rf "$TREE" "$STAMP" "$MANIFEST"
	t0=$(now)
	"$FE_BENCH/mktree" -n "$FILES" -b "$BYTES" -d 1000 -l 1000 -x 100 \
		-a 50 -s 20240607 -m "$MANIFEST" "$TREE" >"$BASE/tree.summary" ||
		die "mktree failed"
	sync
	echo "$want" >"$STAMP"
	echo "# tree: built $TREE in $(elapsed "$t0" "$(now)") s"
fi
sed 's/^/# /' "$BASE/tree.summary"
RUN=$(mktemp -d "$BASE/run.XXXXXX") || die "mktemp failed"
sync
echo "# $(nproc) CPUs ($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)$(grep -qw sha_ni /proc/cpuinfo && echo ', SHA extensions')), $(df -T "$TREE" | awk 'NR == 2 { print $2 }') on $(df "$TREE" | awk 'NR == 2 { print $1 }')"
echo "# warm page cache: the tree was synced and read in full before timing; nothing is dropped from the cache"

# ---- AIDE
mkdir -p "$RUN/aide"
cat >"$RUN/aide/aide.conf" <<EOF
database_in=file:$RUN/aide/aide.db
database_out=file:$RUN/aide/aide.db.new
gzip_dbout=no
num_workers=$THREADS
report_url=stdout
FE = p+u+g+s+m+c+i+l+xattrs+acl+sha256
$TREE FE
EOF
# ---- fe-watch
W=$RUN/watch
mkdir -p "$W/state" "$W/tickets"
: >"$W/allowed_signers"
cat >"$W/alert.sh" <<EOF
#!/bin/sh
# The alert JSON on stdin, one line per alert with the time it arrived.
printf '%s %s\n' "\$(date +%s.%N)" "\$(tr '\n' ' ')" >>'$W/alerts.log'
EOF
chmod 755 "$W/alert.sh"
: >"$W/alerts.log"
cat >"$W/watch.ini" <<EOF
[watch]
host = bench
state = $W/state
tickets = $W/tickets
allowed_signers = $W/allowed_signers
threads = $THREADS
realtime = auto

[files]
paths = $TREE

[collect]
packages = no
sockets = no
accounts = no
modules = no
units = no

[alert]
channels = command, syslog
command = $W/alert.sh
EOF
# timed NAME CMD...: CMD's output to $RUN/NAME.out; "wall cpu" seconds
# appended to $RUN/NAME.times (cpu = user + system, children included).
timed() {
	local name=$1 t0 t1 rc
	shift
	t0=$(now)
	/usr/bin/time -f '%U %S' -o "$RUN/time.tmp" "$@" >"$RUN/$name.out" 2>&1
	rc=$?
	t1=$(now)
	awk -v w="$(elapsed "$t0" "$t1")" 'END { printf "%s %.2f\n", w, $1 + $2 }' \
		"$RUN/time.tmp" >>"$RUN/$name.times"
	return $rc
}
# col NAME N: the median of column N of NAME's times ("-" if none).
col() {
	[ -s "$RUN/$1.times" ] || { echo -; return; }
	local v
	mapfile -t v < <(awk -v c="$2" '{ print $c }' "$RUN/$1.times")
	median "${v[@]}"
}
show_out() { sed 's/^/    /' "$RUN/$1.out" | head -20 >&2; }
load() { awk '{ print $1 }' /proc/loadavg; }

load0=$(load)
# Warm-up: every entry lstat'ed, every byte read, nothing timed.
"$FE_BENCH/hashtree" -t "$THREADS" "$TREE" >/dev/null || die "hashtree failed on $TREE"

timed aide-init aide --init -c "$RUN/aide/aide.conf" ||
	{ show_out aide-init; die "aide --init failed (see $RUN/aide-init.out; BENCH_KEEP=1 keeps it)"; }
mv "$RUN/aide/aide.db.new" "$RUN/aide/aide.db" || die "aide --init wrote no database"
if [ "$fe_ok" = 1 ] && ! timed fe-init "$FE_BIN/fe" watch init -c "$W/watch.ini" --by bench; then
	fail "fe watch init failed (see $RUN/fe-init.out)"
	show_out fe-init
	fe_ok=0
fi

# The runs are interleaved so that a shared machine's load falls on every
# tool alike.
for i in $(seq 1 "$RUNS"); do
	timed floor "$FE_BENCH/hashtree" -t "$THREADS" "$TREE" || die "hashtree failed"
	timed aide-check aide --check -c "$RUN/aide/aide.conf" || {
		fail "aide --check exited non-zero on an unchanged tree (see $RUN/aide-check.out)"
		show_out aide-check
	}
	if [ "$fe_ok" = 1 ] && ! timed fe-check "$FE_BIN/fe" watch check -c "$W/watch.ini"; then
		fail "fe watch check exited non-zero on an unchanged tree (see $RUN/fe-check.out)"
		show_out fe-check
		fe_ok=0
	fi
	timed sha256sum bash -c 'cd "$1" && find . -type f -print0 |
		xargs -0 -P "$2" -n 1000 sha256sum >/dev/null' - "$TREE" "$THREADS" ||
		die "find | xargs sha256sum failed"
done
load1=$(load)

aide_check=$(col aide-check 1)
echo "# load average (1 min) $load0 before the runs, $load1 after, on $(nproc) CPUs; runs interleaved"
echo
echo "Full check of $FILES files, $BYTES bytes: median of $RUNS runs, $THREADS hashing threads each"
aide_cpu=$(col aide-check 2)
echo "(check s: wall clock, the verdict's measure; cpu s: user + system, less"
echo "sensitive to other processes' load; AIDE/tool: ratios of each)"
printf '%-48s %8s %9s %9s %10s %10s\n' "tool" "init s" "check s" "cpu s" "AIDE/tool" "cpu ratio"
row() { awk -v n="$1" -v i="$2" -v c="$3" -v u="$4" -v a="$aide_check" -v au="$aide_cpu" 'BEGIN {
	printf "%-48s %8s %9s %9s %10s %10s\n", n, i, c, u,
	    (c + 0 > 0) ? sprintf("%.1fx", a / c) : "-",
	    (u + 0 > 0) ? sprintf("%.1fx", au / u) : "-" }'; }
row "AIDE $(aide --version 2>&1 | awk 'NR == 1 { print $2 }') (aide --check)" \
	"$(col aide-init 1)" "$aide_check" "$aide_cpu"
row "fe-watch (fe watch check)" "$(col fe-init 1)" "$(col fe-check 1)" "$(col fe-check 2)"
row "floor: lstat + read + SHA-256 (bench/hashtree)" - "$(col floor 1)" "$(col floor 2)"
row "reference: find | xargs -P$THREADS sha256sum" - "$(col sha256sum 1)" "$(col sha256sum 2)"
for t in aide-check fe-check floor; do
	[ -s "$RUN/$t.times" ] && echo "  $t runs (wall cpu): $(paste -sd, "$RUN/$t.times")"
done
if [ "$fe_ok" = 1 ]; then
	awk -v a="$aide_check" -v f="$(col fe-check 1)" -v g="$GOAL_RATIO" -v fl="$(col floor 1)" 'BEGIN {
		printf "goal: fe watch check at least %dx faster than aide --check: %.1fx, %s\n",
		    g, a / f, (a / f >= g) ? "PASS" : "goal missed"
		printf "fe watch check takes %.2fx the floor\n", f / fl }'
else
	echo "goal: fe watch check at least ${GOAL_RATIO}x faster than aide --check: not measured (fe-watch failed)"
fi

# ---- change-to-alert latency
lat=()
if [ "$fe_ok" = 1 ]; then
	echo
	"$FE_BIN/fe-watch" -c "$W/watch.ini" >"$RUN/daemon.out" 2>&1 &
	DAEMON=$!
	# Ready: `fe watch status` says "running" once the start-up rescan is
	# done and realtime detection is on (exit 0 and "starting" before).
	t0=$(now)
	ready=0
	for _ in $(seq 1200); do
		kill -0 "$DAEMON" 2>/dev/null || break
		if "$FE_BIN/fe" watch status -c "$W/watch.ini" 2>/dev/null |
		    grep -q '^fe-watch: *running'; then
			ready=1
			break
		fi
		sleep 0.1
	done
	startup=$(elapsed "$t0" "$(now)")
	if ! kill -0 "$DAEMON" 2>/dev/null; then
		fail "fe-watch exited at start (see $RUN/daemon.out)"
		sed 's/^/    /' "$RUN/daemon.out" | head -20 >&2
		DAEMON=
	elif [ "$ready" = 0 ]; then
		fail "fe-watch not ready after $startup s (fe watch status never said running)"
	else
		mode=$("$FE_BIN/fe" log show "$W/state/watch.log" 2>/dev/null |
			sed -n 's/.* watch\.start .*realtime=\([a-z]*\).*/\1/p' | tail -1)
		echo "# fe-watch ready (fe watch status: running) $startup s after start; realtime detection: ${mode:-unknown}"
	fi
	# CPU of the idle daemon over 5 s (utime + stime, clock ticks).
	if [ -n "$DAEMON" ]; then
		c0=$(awk '{ print $14 + $15 }' "/proc/$DAEMON/stat")
		sleep 5
		c1=$(awk '{ print $14 + $15 }' "/proc/$DAEMON/stat" 2>/dev/null || echo "$c0")
		awk -v a="$c0" -v b="$c1" -v hz="$(getconf CLK_TCK)" 'BEGIN {
			printf "# fe-watch idle (nothing changing): %.1f %% of one CPU over 5 s\n",
			    100 * (b - a) / hz / 5 }'
	fi
	mapfile -t targets <"$MANIFEST"
	[ "${#targets[@]}" -ge "$CHANGES" ] || CHANGES=${#targets[@]}
	missing=0
	for ((i = 0; i < CHANGES; i++)); do
		[ -n "$DAEMON" ] || break
		f=${targets[$i]}
		base=${f##*/}
		CHANGED_PATH+=("$f")
		CHANGED_SIZE+=("$(stat -c %s "$f")")
		t0=$(now)
		printf 'x' >>"$f"
		seen=
		deadline=$(awk -v t="$t0" -v d="$TIMEOUT" 'BEGIN { printf "%d", t + d }')
		while [ "$(date +%s)" -le "$deadline" ]; do
			seen=$(grep -F -m1 "$base" "$W/alerts.log" | awk '{ print $1 }')
			[ -n "$seen" ] && break
			sleep 0.005
		done
		if [ -z "$seen" ]; then
			missing=$((missing + 1))
			fail "no alert for $f within $TIMEOUT s"
			kill -0 "$DAEMON" 2>/dev/null || { fail "fe-watch died"; DAEMON=; }
			continue
		fi
		lat+=("$(elapsed "$t0" "$seen")")
	done
	if [ -n "$DAEMON" ]; then
		kill -TERM "$DAEMON"
		wait "$DAEMON"
		rc=$?
		DAEMON=
		[ "$rc" = 0 ] || [ "$rc" = 143 ] || fail "fe-watch exited $rc on SIGTERM (see $RUN/daemon.out)"
	fi
	restore_changed
	echo "# alerts delivered by the command channel: $(wc -l <"$W/alerts.log") (for $CHANGES changes)"
	echo "Change to alert: $CHANGES changes one at a time (one byte appended to a different file), command channel"
	if [ "${#lat[@]}" -gt 0 ]; then
		printf '%s\n' "${lat[@]}" | sort -g | awk -v n="$CHANGES" -v miss="$missing" -v g="$GOAL_LATENCY" '
			{ v[NR] = $1 }
			END {
				printf "%-10s %9s %9s %9s %9s %9s\n", "alerts", "min s", "median s", "p90 s", "worst s", "goal"
				printf "%-10s %9.3f %9.3f %9.3f %9.3f %7d s  %s\n", NR "/" n, v[1],
				    v[int((NR + 1) / 2)], v[int(NR * 0.9 + 0.999)], v[NR], g,
				    (v[NR] <= g && miss == 0) ? "PASS" : "goal missed"
			}'
	else
		echo "no alert arrived"
	fi
fi
exit "$failed"
