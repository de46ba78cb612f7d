# libweb.sh - the whole registration path for fe-web's tests, all real:
# a CA made by a ceremony, fe-signer behind fe-linesim (a pty pair as the
# serial line), an authoritative DNS server (nsd) on loopback serving the
# test's zones, an SMTP sink storing every mail, and fe-web itself.
#
#   . "$(dirname "$0")/libweb.sh"     (after lib.sh)
#   web_setup                         everything up; $URL, $MAIL, $ZONES
#   zone_set NAME "RECORDS..."        rewrite a zone (serial bumped), reload
#   mail_link N KIND                  the token of mail N's link (#KIND=)
#   api METHOD PATH [JSON]            curl with the cookie jar and CSRF;
#                                     prints the body, then the status line
#   signer_start, web_start           (re)start fe-signer, fe-web
#   web_stop                          stop everything (also on EXIT)

# The services hold write transactions while the tests look at or change
# their stores: wait for a lock instead of failing at once (SQLITE_BUSY).
sqlite3() { command sqlite3 -cmd '.timeout 10000' "$@"; }

WEB_PIDS=
CAA_ID=ca.foureyes.test
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}

web_cleanup() {
	[ -n "${WEB_PIDS}" ] && kill $WEB_PIDS 2>/dev/null
	[ -d dns ] && "$FE_ROOT/scripts/nsd-run" stop "$PWD/dns" >/dev/null 2>&1
	wait 2>/dev/null
	return 0
}
trap web_cleanup EXIT

# zone_set NAME BODY: the zone NAME with SOA, NS and BODY (serial bumped).
ZSERIAL=1
zone_set() {
	local name=$1 body=$2 origin ns
	ZSERIAL=$((ZSERIAL + 1))
	if [ "$name" = root ]; then origin=.; ns=ns.root-servers.test.
	else origin=$name.; ns=ns.$name.; fi
	cat >"dns/$name.zone.tmp" <<EOF
\$ORIGIN $origin
\$TTL 1
@ IN SOA $ns hostmaster.$ns $ZSERIAL 3600 600 86400 1
@ IN NS $ns
$ns IN A 127.0.0.1
$body
EOF
	mv "dns/$name.zone.tmp" "dns/$name.zone"
	if [ -f dns/nsd.pid ]; then "$FE_ROOT/scripts/nsd-run" reload "$PWD/dns" >/dev/null; fi
}

web_setup() {
	make_ca A >/dev/null || { notok "ceremony"; exit 1; }
	cat >>A/signer.ini <<EOC

[link]
device = line-s
key = ca/link.key
baud = 115200
window = 16
EOC
	install -m 600 A/ca/link.key client.key
	fe-linesim --link-a "$PWD/line-c" --link-b "$PWD/A/line-s" --baud 115200 >sim.out 2>&1 &
	WEB_PIDS="$WEB_PIDS $!"
	wait_for sim.out ready || { notok "line simulator"; exit 1; }
	signer_start

	mkdir -p mail dns
	"$FE_ROOT/scripts/smtp-sink" 0 "$PWD/mail" >sink.out 2>sink.err &
	WEB_PIDS="$WEB_PIDS $!"
	wait_for sink.out listening || { notok "SMTP sink"; cat sink.err; exit 1; }
	SPORT=$(sed -n 's/.*127\.0\.0\.1:\([0-9]*\).*/\1/p' sink.out)

	# The test's DNS: a root zone (so CAA tree climbing ends in
	# answers, not refusals), example.org (the member's domain, CAA
	# allowing us) and example.net (CAA naming another CA).
	DPORT=$(free_port)
	zone_set root ""
	zone_set example.org "@ IN A 127.0.0.1
www IN A 127.0.0.1
@ IN CAA 0 issue \"$CAA_ID\""
	zone_set example.net "@ IN A 127.0.0.1
www IN A 127.0.0.1
@ IN CAA 0 issue \"other-ca.example\""
	"$FE_ROOT/scripts/nsd-run" start "$PWD/dns" "$DPORT" root.zone \
		example.org.zone example.net.zone >dns.out 2>dns.err ||
		{ notok "nsd starts"; cat dns.err; exit 1; }

	WPORT=$(free_port)
	HPORT=$(free_port)
	URL=http://127.0.0.1:$WPORT
	cat >web.ini <<EOF
[web]
listen = 127.0.0.1:$WPORT
db = $PWD/web.db
static = $FE_ROOT/web
base_url = $URL
log = $PWD/web.log
threads = 4
caa_identities = $CAA_ID

[smtp]
url = smtp://127.0.0.1:$SPORT
from = registration@ca.foureyes.test

[dns]
resolver = 127.0.0.1@$DPORT

[checks]
http_port = $HPORT
recheck_interval = ${RECHECK_INTERVAL:-2592000}
recheck_grace = ${RECHECK_GRACE:-604800}
recheck_poll = ${RECHECK_POLL:-3600}

[ca]
root = $PWD/A/ca/certs/root.pem

[issuer members]
cert = $PWD/A/ca/certs/members.pem

[issuer server]
cert = $PWD/A/ca/certs/server.pem

[issuer code]
cert = $PWD/A/ca/certs/code.pem

[link]
device = $PWD/line-c
key = $PWD/client.key
EOF
	web_start
}

# signer_start: fe-signer on its end of the line; $SIGNER_PID (also after
# a kill -9: the link resumes where it was).
signer_start() {
	fe-signer -c A/signer.ini --share A/ca/shares/share-1.txt \
		--share A/ca/shares/share-3.txt serve >>signer.out 2>&1 &
	SIGNER_PID=$!
	WEB_PIDS="$WEB_PIDS $SIGNER_PID"
}

web_start() {
	fe-web -c web.ini serve >>web.out 2>&1 &
	WEB_PID=$!
	WEB_PIDS="$WEB_PIDS $WEB_PID"
	wait_for web.out listening || { notok "fe-web starts"; cat web.out; exit 1; }
}

# mail_link N KIND: the token in mail N's link BASE/#KIND=TOKEN.
mail_link() {
	local f=mail/$1.eml
	for _ in $(seq 50); do [ -f "$f" ] && break; sleep 0.1; done
	sed -n "s|.*/#$2=\([A-Za-z0-9_-]*\).*|\1|p" "$f" | head -1
}
mail_count() { ls mail/*.eml 2>/dev/null | wc -l; }

# api METHOD PATH [JSON] [JAR]: body, a newline, then the HTTP status.
CSRF=
api() {
	local m=$1 p=$2 d=${3:-} jar=${4:-jar}
	if [ "$m" = POST ]; then
		curl -s -b "$jar" -c "$jar" -H 'Content-Type: application/json' \
			-H "X-CSRF-Token: $CSRF" --data-binary "$d" -w '\n%{http_code}' "$URL$p"
	else
		curl -s -b "$jar" -c "$jar" -w '\n%{http_code}' "$URL$p"
	fi
}
# api_is STATUS MESSAGE-PART METHOD PATH [JSON]: check status and message.
api_is() {
	local want=$1 msg=$2 out
	shift 2
	out=$(api "$@")
	if [ "$(tail -1 <<<"$out")" = "$want" ] && grep -qF -- "$msg" <<<"$out"; then
		return 0
	fi
	echo "# got: $out" >&2
	return 1
}
json() { "$PY" -c 'import json,sys; d=json.loads(sys.stdin.read().rstrip("\n").rsplit("\n",1)[0]); print(eval(sys.argv[1], {"d": d}))' "$1"; }
# check's bash -c children use these too.
export -f api api_is json
export CSRF URL PY
