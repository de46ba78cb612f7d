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

# --- the CA, the signer on its line, nsd, the SMTP sink, fe-web (libweb.sh) --
for b in fe fe-signer fe-linesim fe-web; do
	command -v "$b" >/dev/null || { notok "$b is built (in $FE_BIN or $FE_TOOLS)"; exit 1; }
done
. "$(dirname "$0")/libweb.sh"
web_setup
C=$PWD/A/ca/certs
ok "the CA, the signer on its line, nsd, the SMTP sink and fe-web are up"
curl -s -D ui.hdr -o ui.html "$URL/"
check "fe-web serves web/index.html with the strict Content-Security-Policy" bash -c \
	"grep -i '^Content-Security-Policy:' ui.hdr | grep -q \"default-src 'none'; script-src 'self'\" &&
	 cmp -s ui.html '$FE_ROOT/web/index.html'"
for f in app.js style.css; do
	check "and web/$f as it is" bash -c "curl -sf '$URL/$f' | cmp -s - '$FE_ROOT/web/$f'"
done

# --- the browser scenario ---------------------------------------------------
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout www.key \
	-subj "/CN=ignored.example.net" -out www.csr 2>/dev/null
mkdir -p out
DOMAIN=example.org
FE_URL=$URL FE_MAILDIR=$PWD/mail FE_OUT=$PWD/out FE_CSR=$PWD/www.csr \
FE_DOMAIN=$DOMAIN FE_DNS_NAME=www.$DOMAIN FE_ZONE=$PWD/dns/$DOMAIN.zone \
FE_NSD_RUN=$FE_ROOT/scripts/nsd-run FE_NSD_DIR=$PWD/dns \
FE_CHROMIUM=$(command -v chromium) FE_TAP_START=$_n \
	timeout 600 node "$BR/webui.mjs" 2>browser.err
brc=$?
[ -s out/tap.n ] && _n=$(cat out/tap.n)
if [ "$brc" -ne 0 ]; then
	[ -s browser.err ] && sed 's/^/#   /' browser.err | tail -20
	echo "# fe-web's output:"
	sed 's/^/#   /' web.out | tail -30
	# what was downloaded is still checked below
	[ -s out/cert.pem ] || exit 1
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
	 openssl crl2pkcs7 -nocrl -certfile out/chain.pem | openssl pkcs7 -print_certs >chain.certs &&
	 grep -c BEGIN chain.certs | grep -qx 2 &&
	 grep -q \"\$(openssl x509 -in '$C/server.pem' -noout -subject)\" chain.certs &&
	 grep -q \"\$(openssl x509 -in '$C/root.pem' -noout -subject)\" chain.certs"
check "chain.p7b (PKCS#7 DER) holds the certificate, the sub-root and the root" bash -c \
	"openssl pkcs7 -inform DER -in out/chain.p7b -print_certs >p7.certs &&
	 grep -c BEGIN p7.certs | grep -qx 3 &&
	 openssl x509 -in out/cert.pem | grep -v '^-' | tr -d '\n' >c.b64 &&
	 tr -d '\n' <p7.certs | grep -qF \"\$(cat c.b64)\""

kill "$WEB_PID"
wait "$WEB_PID"
rc=$?
check "fe-web stops on SIGTERM (exit 0, no sanitizer report)" bash -c \
	"[ $rc -eq 0 ] && ! grep -q Sanitizer web.out"
done_testing
[ "$brc" -eq 0 ]
