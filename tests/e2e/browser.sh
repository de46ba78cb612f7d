#!/usr/bin/env bash
# browser.sh - fe-web's UI in a real browser: headless Debian chromium,
# driven by playwright-core (tests/browser/webui.mjs), signs up, confirms
# the address from the mail a real SMTP server (scripts/smtp-sink) stored,
# logs in, adds a domain and proves it by a DNS TXT record served by a real
# nsd (scripts/nsd-run), requests a server certificate for an openssl CSR,
# waits until fe-web's queue worker had it signed by fe-signer over the
# (simulated) serial line, and downloads the certificate and its chain
# through the page's links; openssl then verifies what was downloaded.
#
# It installs what it needs on a fresh Debian 12 (as root, no terminal):
# chromium and node/npm through scripts/install-deps, playwright-core by
# `npm ci --prefix tests/browser` (package-lock.json pins it).  When the npm
# registry cannot be reached it fails, saying so; it never skips.
. "$(dirname "$0")/lib.sh"

BR=$FE_ROOT/tests/browser
NSD_RUN=${FE_NSD_RUN:-$FE_ROOT/scripts/nsd-run}
NSD_DIR=
PIDS=()
WEB=
cleanup() {
	[ -n "$NSD_DIR" ] && "$NSD_RUN" stop "$NSD_DIR" >/dev/null 2>&1
	[ -n "$WEB" ] && kill "$WEB" 2>/dev/null
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
}
trap cleanup EXIT

# --- what the test needs ------------------------------------------------
if ! command -v chromium >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1 ||
    ! command -v nsd >/dev/null 2>&1 || ! command -v drill >/dev/null 2>&1; then
	if ! "$FE_ROOT/scripts/install-deps" >deps.log 2>&1; then
		notok "scripts/install-deps (chromium, nodejs, npm, nsd) failed"
		sed 's/^/#   /' deps.log | tail -20
		exit 1
	fi
fi
check "chromium, node, npm, nsd and drill are installed" bash -c \
	"command -v chromium && command -v node && command -v npm && command -v nsd && command -v drill"

# playwright-core as package-lock.json pins it: npm ci when node_modules is
# missing or holds another version.
want=$(node -p 'require(process.argv[1]).packages["node_modules/playwright-core"].version' \
	"$BR/package-lock.json" 2>/dev/null)
have=$(node -p 'require(process.argv[1]).version' \
	"$BR/node_modules/playwright-core/package.json" 2>/dev/null)
if [ -z "$want" ]; then
	notok "tests/browser/package-lock.json pins playwright-core"
	exit 1
fi
if [ "$have" != "$want" ]; then
	if timeout 600 npm ci --prefix "$BR" --no-audit --no-fund --fetch-retries=1 \
	    --fetch-timeout=60000 >npm.log 2>&1; then
		ok "npm ci --prefix tests/browser installed playwright-core $want"
	else
		notok "npm ci --prefix tests/browser failed: playwright-core $want could not be installed (is the npm registry reachable?)"
		sed 's/^/#   /' npm.log | tail -20
		exit 1
	fi
fi

# --- the CA, the signer on its line ---------------------------------------
for b in fe fe-signer fe-linesim fe-web; do
	command -v "$b" >/dev/null || { notok "$b is built (in $FE_BIN or $FE_TOOLS)"; exit 1; }
done
make_ca A >/dev/null || { notok "ceremony"; exit 1; }
cat >>A/signer.ini <<EOC

[link]
device = line-s
key = ca/link.key
baud = 115200
window = 16
EOC
install -m 600 A/ca/link.key client.key
# Processes stopped on purpose by the trap must not report leaks.
ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 fe-linesim --link-a "$PWD/line-c" \
	--link-b "$PWD/A/line-s" --baud 115200 >sim.out 2>&1 &
PIDS+=($!)
wait_for sim.out ready 5 || { notok "fe-linesim starts"; sed 's/^/#   /' sim.out; exit 1; }
ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 fe-signer -c A/signer.ini \
	--share A/ca/shares/share-1.txt --share A/ca/shares/share-3.txt serve >signer.out 2>&1 &
PIDS+=($!)
check "fe-signer serves the line (fe signer status)" \
	fe signer --device line-c --key client.key --timeout 30 status

# --- DNS: nsd on loopback, the zone of example.org --------------------------
DOMAIN=example.org
mkdir -p nsd
ZONE=$PWD/nsd/$DOMAIN.zone
# Negative answers with TTL 0: the check before the record exists must not
# leave a cached "no such record" behind.
cat >"$ZONE" <<EOZ
\$ORIGIN $DOMAIN.
\$TTL 60
@	0 IN SOA ns.$DOMAIN. hostmaster.$DOMAIN. (
	1 ; serial
	3600 600 86400 0 )
@	IN NS ns.$DOMAIN.
ns	IN A 127.0.0.1
@	IN A 127.0.0.1
www	IN A 127.0.0.1
@	IN CAA 0 issue "ca.example.net"
EOZ
DPORT=$(free_port)
NSD_DIR=$PWD/nsd
if "$NSD_RUN" start "$NSD_DIR" "$DPORT" "$ZONE" >nsd.out 2>&1; then
	ok "nsd serves $DOMAIN on 127.0.0.1@$DPORT"
else
	notok "nsd serves $DOMAIN on 127.0.0.1@$DPORT"
	sed 's/^/#   /' nsd.out | tail -20
	exit 1
fi

# --- mail: the SMTP sink ----------------------------------------------------
mkdir -p mail
"$FE_ROOT/scripts/smtp-sink" 0 mail >sink.out 2>sink.err &
PIDS+=($!)
wait_for sink.out listening 10 || { notok "smtp-sink starts"; sed 's/^/#   /' sink.err; exit 1; }
SPORT=$(sed -n 's/^smtp-sink: listening on 127.0.0.1:\([0-9]*\)$/\1/p' sink.out)

# --- fe-web -------------------------------------------------------------
WPORT=$(free_port)
URL=http://127.0.0.1:$WPORT
C=$PWD/A/ca/certs
cat >web.ini <<EOF
[web]
listen = 127.0.0.1:$WPORT
db = $PWD/web.db
static = $FE_ROOT/web
base_url = $URL
log = $PWD/requests.log
caa_identities = ca.example.net

[smtp]
url = smtp://127.0.0.1:$SPORT
from = Foureyes CA <registration@example.org>

[dns]
resolver = 127.0.0.1@$DPORT

[link]
device = $PWD/line-c
key = $PWD/client.key
baud = 115200

[issuer members]
cert = $C/members.pem

[issuer server]
cert = $C/server.pem

[issuer code]
cert = $C/code.pem

[issuer time]
cert = $C/time.pem

[ca]
root = $C/root.pem
EOF
fe-web serve -c web.ini >web.out 2>&1 &
WEB=$!
up=
for _ in $(seq 100); do
	kill -0 "$WEB" 2>/dev/null || break
	if [ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/")" = 200 ]; then up=1; break; fi
	sleep 0.1
done
if [ -z "$up" ]; then
	notok "fe-web serve starts and serves the UI at $URL/"
	sed 's/^/#   /' web.out | tail -20
	exit 1
fi
ok "fe-web serve starts and serves the UI at $URL/"
curl -s -D ui.hdr -o ui.html "$URL/"
check "the UI comes with the strict Content-Security-Policy" bash -c \
	"grep -i '^Content-Security-Policy:' ui.hdr | grep -q \"script-src 'self'\" &&
	 grep -i '^Content-Security-Policy:' ui.hdr | grep -q \"default-src 'none'\" &&
	 cmp -s ui.html '$FE_ROOT/web/index.html'"

# --- the browser scenario ---------------------------------------------------
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout www.key \
	-subj "/CN=ignored.example.net" -out www.csr 2>/dev/null
mkdir -p out
FE_URL=$URL FE_MAILDIR=$PWD/mail FE_OUT=$PWD/out FE_CSR=$PWD/www.csr \
FE_DOMAIN=$DOMAIN FE_DNS_NAME=www.$DOMAIN FE_ZONE=$ZONE FE_NSD_RUN=$NSD_RUN \
FE_NSD_DIR=$NSD_DIR FE_CHROMIUM=$(command -v chromium) FE_TAP_START=$_n \
	timeout 600 node "$BR/webui.mjs" 2>browser.err
rc=$?
[ -s out/tap.n ] && _n=$(cat out/tap.n)
if [ "$rc" -ne 0 ]; then
	[ -s browser.err ] && sed 's/^/#   /' browser.err | tail -20
	echo "# fe-web's output:"
	sed 's/^/#   /' web.out | tail -30
	exit 1
fi

# --- what the browser downloaded, checked with openssl ------------------------
check "the downloaded certificate verifies (openssl verify -x509_strict, root and sub-root of the ceremony)" \
	openssl verify -x509_strict -purpose sslserver -CAfile "$C/root.pem" -untrusted "$C/server.pem" out/cert.pem
check "it names www.$DOMAIN and nothing else" bash -c \
	"openssl x509 -in out/cert.pem -noout -ext subjectAltName | tail -n +2 | tr -d ' ' | grep -qx 'DNS:www.$DOMAIN'"
check "it certifies the key of the CSR" bash -c \
	"cmp -s <(openssl x509 -in out/cert.pem -noout -pubkey) <(openssl pkey -in www.key -pubout)"
check "the serial the page shows is the certificate's" bash -c \
	"a=\$(tr -d ':\n' <out/serial | tr a-f A-F | sed 's/^0*//'); b=\$(openssl x509 -in out/cert.pem -noout -serial | cut -d= -f2 | sed 's/^0*//'); [ -n \"\$a\" ] && [ \"\$a\" = \"\$b\" ]"
check "cert.der is the same certificate in DER" bash -c \
	"openssl x509 -in out/cert.pem -outform DER | cmp -s - out/cert.der"
check "chain.pem holds the sub-root and the root, and the certificate verifies with it" bash -c \
	"openssl verify -x509_strict -CAfile '$C/root.pem' -untrusted out/chain.pem out/cert.pem &&
	 fp() { openssl x509 -in \"\$1\" -noout -fingerprint -sha256; } &&
	 openssl crl2pkcs7 -nocrl -certfile out/chain.pem | openssl pkcs7 -print_certs >chain.certs &&
	 grep -c BEGIN chain.certs | grep -qx 2 &&
	 grep -q \"\$(openssl x509 -in '$C/server.pem' -noout -subject)\" chain.certs &&
	 grep -q \"\$(openssl x509 -in '$C/root.pem' -noout -subject)\" chain.certs"
check "chain.p7b (PKCS#7 DER) holds the certificate, the sub-root and the root" bash -c \
	"openssl pkcs7 -inform DER -in out/chain.p7b -print_certs >p7.certs &&
	 grep -c BEGIN p7.certs | grep -qx 3 &&
	 openssl x509 -in out/cert.pem | grep -v '^-' | tr -d '\n' >c.b64 &&
	 tr -d '\n' <p7.certs | grep -qF \"\$(cat c.b64)\""

kill "$WEB"
wait "$WEB"
rc=$?
WEB=
check "fe-web stops on SIGTERM (exit 0, no sanitizer report)" bash -c \
	"[ $rc -eq 0 ] && ! grep -q Sanitizer web.out"
done_testing
