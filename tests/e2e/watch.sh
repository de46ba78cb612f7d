#!/usr/bin/env bash
# watch.sh - fe-watch end to end (issue #7, CA/B Forum SC29): a test tree,
# a real SMTP server (scripts/smtp-sink) and a command as the two alert
# channels, change tickets signed with ssh-keygen, and the daemon itself.
#
#   - an unauthorized change alerts on both channels within 2 s
#   - a change inside an approved ticket's pattern and window is recorded
#     with the ticket number and raises no alert; after the window, it does
#   - an emergency change waits for approval, then alerts after the grace
#   - a forged approval dropped into the ticket directory is refused
#   - a flood beyond the kernel queue: a blind-spot alert, and the rescan
#     reports every change
#   - kill -9, a change while down, restart: the gap and the change
#   - the stored baseline edited by hand: detected, alerted, restored
#   - an undocumented listening port on 127.0.0.1
#   - acknowledgement with a plan, and escalation when nobody answers
#   - AIDE, run on the same tree, reports the same changed file
. "$(dirname "$0")/lib.sh"

W=$PWD
mkdir -p tree/etc/app tree/etc/ssh tree/bin tickets mail
for i in 1 2 3 4 5; do echo "setting $i" >"tree/etc/conf$i"; done
echo "listen 80" >tree/etc/app/app.conf
echo "PermitRootLogin no" >tree/etc/ssh/sshd_config
head -c 100000 /dev/urandom >tree/bin/tool
ln -s conf1 tree/etc/link
# the accounts collector reads ROOT/etc; sockets come from the real /proc
mkdir -p root/etc
printf 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000:Alice:/home/alice:/bin/bash\n' >root/etc/passwd
printf 'root:x:0:\nsudo:x:27:alice\n' >root/etc/group
ln -s /proc root/proc

# administrators' SSH keys and the allowed signers
for who in alice bob; do
	ssh-keygen -q -t ed25519 -N '' -C "$who" -f "key-$who"
	printf '%s %s\n' "$who" "$(cut -d' ' -f1,2 "key-$who.pub")" >>allowed_signers
done

# the SMTP sink (a real SMTP server) and the command channel
"$FE_ROOT/scripts/smtp-sink" 0 "$W/mail" >sink.out 2>sink.err &
SINK=$!
PIDS="$SINK"
cleanup() {
	local p
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	kill -CONT $(cat watch.pid 2>/dev/null) 2>/dev/null
	kill "$(cat watch.pid 2>/dev/null)" 2>/dev/null
	wait 2>/dev/null
}
trap cleanup EXIT
for _ in $(seq 100); do grep -q listening sink.out && break; sleep 0.05; done
SPORT=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' sink.out)
check "the SMTP sink listens" test -n "$SPORT"

cat >alert-cmd <<EOF
#!/bin/sh
# gets one alert as JSON on stdin; records when it arrived
{ printf '%s ' "\$(date +%s.%N)"; cat; echo; } >>"$W/alerts.cmd"
EOF
chmod +x alert-cmd
: >alerts.cmd

cat >watch.ini <<EOF
[watch]
host = host1
state = $W/state
tickets = $W/tickets
allowed_signers = $W/allowed_signers
rescan = 600
poll = 1
emergency_grace = 3
respond_within = 8

[files]
paths = $W/tree
ignore = *.swp, $W/tree/etc/app/cache

[collect]
packages = no
accounts = yes
modules = no
units = no
sockets = yes
root = $W/root

[ports]
documented = tcp:127.0.0.1:$SPORT

[alert]
channels = smtp, command
smtp_url = smtp://127.0.0.1:$SPORT
smtp_from = fe-watch@host1.example
smtp_to = admins@example.org
escalate_to = board@example.org
command = $W/alert-cmd
timeout = 5
EOF

# mail_has TEXT: some stored message, decoded, contains TEXT
mail_has() {
	$PY - "$W/mail" "$1" <<'EOF'
import email, email.policy, glob, sys
d, want = sys.argv[1], sys.argv[2]
for f in sorted(glob.glob(d + "/*.eml")):
    m = email.message_from_binary_file(open(f, "rb"), policy=email.policy.default)
    text = str(m["Subject"]) + "\n" + m.get_body().get_content()
    if want in text:
        sys.exit(0)
sys.exit(1)
EOF
}
# absent DESC CMD...: passes if CMD fails (finds nothing)
absent() {
	local desc=$1; shift
	if "$@" >/dev/null 2>&1; then notok "$desc"; else ok "$desc"; fi
}
logged() { fe log show state/watch.log | grep -qE -- "$1"; }
cmd_has() { grep -qF -- "$1" alerts.cmd; }
start_watch() {
	fe-watch -c watch.ini >>watch.out 2>&1 &
	echo $! >watch.pid
	wait_until 20 test "$(fe log show state/watch.log | grep -c 'watch.rescan')" -ge "$1"
}

check "fe watch init makes a signed baseline" fe watch init -c watch.ini --by alice
refuses "a second init is refused" "changes only through approved change tickets" \
	fe watch init -c watch.ini --by alice
check "fe watch check: nothing changed" bash -c \
	"fe watch check -c watch.ini | grep -q ': 0 added, 0 removed, 0 changed'"
check "the watch log verifies" fe log verify state/watch.log

# AIDE as a peer: its own database of the same tree, same attributes
cat >aide.conf <<EOF
database_in=file:$W/aide.db
database_out=file:$W/aide.db.new
FE = p+u+g+s+m+c+i+l+xattrs+acl+sha256
$W/tree FE
!$W/tree/etc/app/cache
EOF
aide --config=aide.conf --init >aide-init.out 2>&1 && mv aide.db.new aide.db

start_watch 1
check "fe-watch starts and reports running" fe watch status -c watch.ini

# --- 1. an unauthorized change: both channels within 2 s -------------------
t0=$(date +%s.%N)
echo "PermitRootLogin yes" >>tree/etc/ssh/sshd_config
if wait_until 3 cmd_has "tree/etc/ssh/sshd_config" &&
    wait_until 3 mail_has "tree/etc/ssh/sshd_config"; then
	t1=$(date +%s.%N)
	tc=$(grep -F "sshd_config" alerts.cmd | head -1 | cut -d' ' -f1)
	lat=$(awk -v a="$tc" -v b="$t0" 'BEGIN { printf "%.3f", a - b }')
	both=$(awk -v a="$t1" -v b="$t0" 'BEGIN { printf "%.3f", a - b }')
	echo "# change to alert: command $lat s, command and mail seen by $both s"
	check "unauthorized change alerted by command within 2 s ($lat s)" \
		awk -v x="$lat" 'BEGIN { exit !(x < 2) }'
	check "... and by mail within 2 s (seen by $both s)" \
		awk -v x="$both" 'BEGIN { exit !(x < 2) }'
else
	notok "unauthorized change alerted on both channels"
fi
check "the alert names the changed attributes" mail_has "sshd_config changed (size mtime ctime sha256)"
# the alert's number, from the JSON the command got
alert_id() { grep -F -- "$1" alerts.cmd | head -1 | sed 's/.*"id":\([0-9]*\).*/\1/'; }
A1=$(alert_id "tree/etc/ssh/sshd_config")
check "fe alert ack records who answered and the plan" \
	fe alert ack "$A1" -c watch.ini --by carol --plan "reverting sshd_config, asking who changed it"
check "... which fe-watch logs" wait_until 3 logged "alert.ack alert=$A1 by=carol"
check "AIDE (peer) sees the same file changed" bash -c \
	"aide --config=aide.conf --check 2>&1 | grep -q 'tree/etc/ssh/sshd_config'"
check "fe watch check reports it too" bash -c \
	"fe watch check -c watch.ini | grep -q 'changed:  file:$W/tree/etc/ssh/sshd_config'"

# --- 1b. a new account: the accounts collector, within 2 s ------------------
echo 'mallory:x:0:0::/root:/bin/bash' >>root/etc/passwd
check "a new uid-0 account is alerted within 2 s" wait_until 2 cmd_has "user:mallory added"

# --- 2. a change under an approved ticket ----------------------------------
now=$(date +%s)
start=$(date -u -d "@$now" +%Y-%m-%dT%H:%M:%SZ)
end=$(date -u -d "@$((now + 8))" +%Y-%m-%dT%H:%M:%SZ)
fe change open --dir tickets --by alice --key key-alice --host host1 \
	--change "$W/tree/etc/app/*" --start "$start" --end "$end" \
	--reason "raise the listen port" --allowed-signers allowed_signers >open.out 2>&1
fe change approve 1 --dir tickets --key key-bob --allowed-signers allowed_signers >approve.out 2>&1
check "ticket 1 opened by alice and approved by bob" grep -q "approved" <(fe change show 1 --dir tickets --allowed-signers allowed_signers)
wait_until 5 logged "tickets.loaded count=1"
echo "listen 8080" >tree/etc/app/app.conf
check "a change inside the ticket is recorded with its number" \
	wait_until 3 logged "change.authorized ticket=1 key=file:$W/tree/etc/app/app.conf"
sleep 1.5
absent "... and raises no alert" grep -qF "app/app.conf" alerts.cmd
check "the baseline takes the approved change" \
	wait_until 4 logged "baseline.write generation=2 .*reason=changes under tickets"

# --- 3. the same change after the window closed ----------------------------
while [ "$(date +%s)" -le $((now + 8)) ]; do sleep 0.2; done
echo "listen 9090" >tree/etc/app/app.conf
check "the same change after the window raises an alert" \
	wait_until 3 cmd_has "app/app.conf changed"

# --- 4. an emergency change, never approved --------------------------------
fe change open --dir tickets --by alice --key key-alice --host host1 \
	--change "$W/tree/etc/conf5" --start now --end +1h --emergency \
	--reason "hot fix" --allowed-signers allowed_signers >open2.out 2>&1
wait_until 5 logged "tickets.loaded count=2"
echo "hot fix" >>tree/etc/conf5
check "an emergency change is recorded against its ticket, no alert yet" \
	wait_until 3 logged "change.emergency ticket=2"
absent "... no alert at first" grep -qF "conf5" alerts.cmd
check "... an alert once the grace time passes unapproved" \
	wait_until 6 cmd_has "emergency change under ticket 2"

# --- 4b. an emergency change approved afterwards ---------------------------
fe change open --dir tickets --by alice --key key-alice --host host1 \
	--change "$W/tree/etc/conf3" --start now --end +1h --emergency \
	--reason "hot fix, approved later" --allowed-signers allowed_signers >open5.out 2>&1
E2=$(cat open5.out)
wait_until 5 logged "tickets.loaded count=3"
echo "hot fix 2" >>tree/etc/conf3
wait_until 3 logged "change.emergency ticket=$E2"
fe change approve "$E2" --dir tickets --key key-bob --allowed-signers allowed_signers >approve5.out 2>&1
check "an emergency change approved afterwards is accepted with its ticket" \
	wait_until 4 logged "change.authorized ticket=$E2 key=file:$W/tree/etc/conf3 \(emergency change, approved afterwards\)"
sleep 3.5
absent "... and never alerted" grep -qF "tree/etc/conf3" alerts.cmd

# --- 5. a forged approval dropped into the ticket directory ----------------
fe change open --dir tickets --by alice --key key-alice --host host1 \
	--change "$W/tree/etc/conf4" --start now --end +1h \
	--reason "another" --allowed-signers allowed_signers >open3.out 2>&1
T3=$(cat open3.out)
cp tickets/1/approve.sig "tickets/$T3/approve.sig"
# fe-watch rereads the tickets when their log changes: open another one
fe change open --dir tickets --by alice --key key-alice --host host1 \
	--change "$W/tree/none" --start now --end +1h \
	--reason "bump the log" --allowed-signers allowed_signers >open4.out 2>&1
check "a copied approval is refused by fe-watch and alerted" \
	wait_until 5 cmd_has "change ticket $T3 refused"
echo "unapproved" >>tree/etc/conf4
check "... and its change is an unauthorized change" \
	wait_until 3 cmd_has "tree/etc/conf4 changed"

# --- 6. an undocumented listening port --------------------------------------
$PY -c '
import socket, time, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
print(s.getsockname()[1], flush=True); time.sleep(30)' >port.out &
PIDS="$PIDS $!"
wait_until 3 test -s port.out
LPORT=$(cat port.out)
check "an undocumented port on 127.0.0.1 is alerted" \
	wait_until 4 cmd_has "listen:tcp:127.0.0.1:$LPORT: listening, not a documented port"
absent "the documented port (the SMTP sink) is not" grep -qF "listen:tcp:127.0.0.1:$SPORT:" alerts.cmd

# --- 7. acknowledgement and escalation -------------------------------------
refuses "a second ack is refused" "already acknowledged" \
	fe alert ack "$A1" -c watch.ini --by bob --plan "reverting sshd_config again"
A2=$(alert_id "app/app.conf changed")
refuses "an ack without a plan is refused" "--plan TEXT" fe alert ack "$A2" -c watch.ini --by bob
refuses "an unknown alert is refused" "no such alert" \
	fe alert ack 999 -c watch.ini --by bob --plan "nothing to see here at all"
check "an alert nobody acknowledges escalates" wait_until 12 logged "alert.escalate alert=$A2\$"
check "... by mail to the escalation recipients" wait_until 5 mail_has "ESCALATION"
absent "the acknowledged alert does not escalate" logged "alert.escalate alert=$A1\$"

# --- 8. a flood beyond the kernel's event queue ------------------------------
kill -STOP "$(cat watch.pid)"
mkdir tree/flood
(cd tree/flood && for i in $(seq 1 20000); do : >"f$i"; done)
kill -CONT "$(cat watch.pid)"
check "the overflow is a blind-spot alert" wait_until 10 cmd_has "event queue overflowed"
check "the rescan that follows reports every change" \
	wait_until 20 logged "watch.rescan why=overflow"
n=$(fe log show state/watch.log | grep -c "change.unauthorized file:$W/tree/flood/f[0-9]* added")
check "... all 20000 files are in the watch log ($n)" test "$n" -eq 20000
check "... and in one alert" wait_until 5 cmd_has "20001 unauthorized changes"

# --- 9. kill -9, a change while down, restart ------------------------------
kill -9 "$(cat watch.pid)"
wait "$(cat watch.pid)" 2>/dev/null
echo "while nobody watched" >>tree/etc/conf2
start_watch 3
check "the gap is alerted with its start and end" \
	wait_until 5 cmd_has "fe-watch was killed or crashed"
check "... and the change made meanwhile" wait_until 5 cmd_has "tree/etc/conf2 changed"

# --- 10. the stored baseline edited by hand --------------------------------
sed -i 's/PermitRootLogin/PermitRootLogim/; 0,/type=f mode=0644/s//type=f mode=0600/' state/baseline
check "editing the baseline by hand is alerted" \
	wait_until 4 cmd_has "stored baseline tampered with"
check "... and fe-watch restores its own copy" \
	wait_until 3 bash -c "fe watch status -c watch.ini | grep -q 'signature and watch log agree'"

# --- 11. a clean stop is a gap too -------------------------------------------
kill "$(cat watch.pid)"
wait "$(cat watch.pid)" 2>/dev/null
check "a stopped fe-watch shows in status" bash -c "! fe watch status -c watch.ini"
start_watch 4
check "... and the stop is alerted as a gap at the restart" \
	wait_until 5 cmd_has "fe-watch was stopped"
check "the watch log verifies at the end" fe log verify state/watch.log
