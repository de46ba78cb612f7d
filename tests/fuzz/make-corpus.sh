#!/usr/bin/env bash
# make-corpus.sh - (re)make the seed corpora in tests/fuzz/corpus/TARGET/
# from the real programs: a ceremony (fe ceremony, P-384 keys), requests for
# every profile with PEM and DER CSRs from openssl req, signed by fe-signer
# (which writes its request log), and key files, plaintext keys and a
# custody record with shares under the fixed test KEK (gen-seeds.c), and
# fe-watch baselines signed with the fixed test key (gen-baseline-seeds.c).  Each
# valid seed has a few near-valid neighbours.  Crashing inputs found later
# are added by hand (named crash-*) and kept: this script does not remove
# them.
#
#   tests/fuzz/make-corpus.sh        (from anywhere; needs openssl, cc)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
make -s all
FE_ROOT=$ROOT FE_BIN=$ROOT/build/bin FE_TOOLS=$ROOT/build/tools
. tests/e2e/lib.sh
set -e

C=$ROOT/tests/fuzz/corpus
T=$(mktemp -d /tmp/fe-corpus.XXXXXX)
trap 'rm -rf "$T"' EXIT
for t in request chainlog conf share keyfile; do
	mkdir -p "$C/fuzz_$t"
	find "$C/fuzz_$t" -type f ! -name 'crash-*' -delete
done
R=$C/fuzz_request L=$C/fuzz_chainlog F=$C/fuzz_conf S=$C/fuzz_share
K=$C/fuzz_keyfile

cd "$T"
make_ca A >/dev/null
make_ca B >/dev/null
SH="--share A/ca/shares/share-1.txt --share A/ca/shares/share-2.txt"

# ---------------------------------------------------------------- requests
newcsr p256 p256.csr
newcsr p384 p384.csr
newcsr rsa3072 rsa.csr
for k in p256 p384 rsa; do
	openssl req -in $k.csr -outform DER -out $k.der
	cp $k.csr "$R/csr-$k.pem"
	cp $k.der "$R/csr-$k.der"
done
n=0
while IFS='|' read -r prof csr headers; do
	[ -n "$prof" ] || continue
	IFS=';' read -r -a hs <<<"$headers"
	n=$((n + 1))
	request "seed-$n" "$prof" "$csr" "${hs[@]}" "days: 30" >"$prof.req"
	fe-signer -c A/signer.ini $SH sign -o "$prof.pem" "$prof.req" \
	    >sign.out 2>&1 || { echo "make-corpus: $prof did not sign:" >&2; cat sign.out >&2; }
	cp "$prof.req" "$R/req-$prof"
done <<'EOF'
smime-mailbox|p256.csr|email: alice@example.org;subject: CN=alice@example.org
smime-individual|rsa.csr|email: alice@example.org;subject: CN=Alice Example;subject: givenName=Alice;subject: surname=Example
smime-org|p384.der|email: alice@example.org;subject: O=Example Org;subject: C=NL;subject: CN=Alice Example
tls-server|p256.der|dns: www.example.org;dns: example.org;ip: 1.1.1.1;ip: 2606:4700:4700::1111;subject: CN=www.example.org
tls-server-org|rsa.der|dns: *.example.org;dns: example.org;subject: CN=example.org;subject: O=Example Org;subject: C=NL;subject: L=Amsterdam;subject: ST=Noord-Holland
code-signing|rsa.csr|subject: CN=Alice Example;subject: C=NL
code-signing-org|p384.csr|subject: CN=Example Org;subject: O=Example Org;subject: C=NL
ocsp-responder|p256.csr|issuer: members;subject: CN=Foureyes OCSP responder 1;subject: O=Foureyes A CA;subject: C=NL
timestamping|p256.csr|subject: CN=Foureyes TSA 1;subject: O=Foureyes A CA;subject: C=NL
sub-ca|p384.csr|subject: CN=Foureyes A TLS CA 2;subject: O=Foureyes A CA;subject: C=NL;subject: ST=Noord-Holland;subject: L=Amsterdam
EOF
request near-1 tls-server p256.csr "dns: www.example.org" \
    "not-after: 2027-01-01T00:00:00Z" >"$R/near-not-after"
request near-2 smime-individual p256.csr "email: émile@example.org" \
    "subject: CN=Émile Zola" "days: 99999" >"$R/near-utf8"
sed 's/$/\r/' tls-server.req >"$R/near-crlf"
request near-3 tls-server p256.csr "id: again" "days: 1" >"$R/near-id-twice"
request near-4 tls-server p256.csr "colour: blue" "days: 1" >"$R/near-unknown"
request near-5 tls-server p256.csr "days: 0" >"$R/near-days-0"
request near-6 tls-server p256.csr "days: 1" "subject: XX=1" >"$R/near-attr"
head -c 60 tls-server.req >"$R/near-truncated"
{ cat tls-server.req; echo junk; } >"$R/near-pem-trailing"
{ cat tls-server-org.req; printf '\0'; } >"$R/near-der-trailing"
{ request near-7 tls-server /dev/null "days: 1"; cat A/ca/certs/root.pem p256.csr; } \
    >"$R/near-pem-other-block"
cat A/ca/certs/root.pem p256.csr >"$R/csr-near-other-block.pem"
awk 'NR==1{print; print "Proc-Type: 4,ENCRYPTED";
    print "DEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF"; print ""; next}
    {print}' p256.csr >"$R/csr-near-encrypted.pem"
args=()
for i in $(seq 1 101); do args+=("dns: h$i.example.org"); done
request near-8 tls-server p256.csr "${args[@]}" "days: 1" >"$R/near-101-names"
request near-9 tls-server p256.csr "${args[@]:0:100}" "days: 1" >"$R/near-100-names"

# ---------------------------------------------------------------- chain logs
cp A/ca/ceremony.log "$L/ceremony.log"
[ -f A/signer-requests.log ] && cp A/signer-requests.log "$L/signer.log"
head -1 A/ca/ceremony.log >"$L/one-record"
sed -n 3p A/ca/ceremony.log >"$L/third-record"
head -3 A/ca/ceremony.log | head -c -40 >"$L/near-torn-tail"
sed '$d' A/ca/ceremony.log >"$L/near-last-removed"
sed '2d' A/ca/ceremony.log | head -4 >"$L/near-record-removed"
sed -n '1p;3p;2p;4p' A/ca/ceremony.log >"$L/near-reordered"
sed -n '1,3p;3p' A/ca/ceremony.log >"$L/near-inserted"
head -4 A/ca/ceremony.log | sed '2s/Test suite/Test suitf/' >"$L/near-changed"
head -3 A/ca/ceremony.log | sed 's/$/\r/' >"$L/near-crlf"

# ---------------------------------------------------------------- conf
cp "$ROOT/etc/signer.ini" "$F/signer.ini"
cp "$ROOT/etc/ceremony-demo.ini" "$F/ceremony-demo.ini"
cp A/ceremony.ini "$F/ceremony.ini"
cp A/ca/hierarchy.ini "$F/hierarchy.ini"
# Each profile alone.
awk -v dir="$F" '/^\[profile /{f=dir "/profile-" substr($2, 1, length($2) - 1)}
    f && !/^;/ {print > f}' "$ROOT/etc/signer.ini"
p=$F/profile-tls-server
sed 's/$/\r/' "$p" >"$F/near-crlf"
printf '\xef\xbb\xbf' | cat - "$p" >"$F/near-bom"
{ cat "$p"; echo "max_days = 10"; } >"$F/near-duplicate-key"
sed 's/^keys = .*/keys = rsa, dsa/' "$p" >"$F/near-bad-key-type"
sed 's/^validity_rule = .*/validity_rule = forever/' "$p" >"$F/near-bad-enum"
sed 's/^max_days = .*/max_days = 399/' "$p" >"$F/near-br-too-long"
sed 's/^key_usage = .*/key_usage = digitalSignature, keyCertSign/' "$p" \
    >"$F/near-leaf-cert-sign"
sed 's/^policies = .*/policies = 2.23.140.1.2.1, , 1.2/' "$p" >"$F/near-empty-item"
sed 's/^\[profile tls-server\]/[profile ]/' "$p" >"$F/near-empty-name"
{ echo "[profile x]"; printf 'issuer = %0300d\n' 0; } >"$F/near-long-issuer"
{ echo "[signer]"; printf 'crl_hours = 1%04090d\n' 0; } >"$F/near-long-line"

# ---------------------------------------------------------------- shares
for i in 1 2 3; do cp A/ca/shares/share-$i.txt "$S/share-$i.txt"; done
cp A/ca/custody "$S/custody"
{ cat A/ca/custody; echo =====; cat A/ca/shares/share-1.txt; echo =====;
  cat A/ca/shares/share-3.txt; } >"$S/bundle-1-3"
{ cat A/ca/custody; echo =====; cat A/ca/shares/share-2.txt; echo =====;
  cat B/ca/shares/share-1.txt; } >"$S/near-bundle-other-ceremony"
{ cat A/ca/custody; echo =====; cat A/ca/shares/share-2.txt; echo =====;
  cat A/ca/shares/share-2.txt; } >"$S/near-bundle-twice"
{ cat A/ca/custody; echo =====; cat A/ca/shares/share-2.txt; } \
    >"$S/near-bundle-one-share"
awk 'BEGIN{d=0} /^1: /&&!d{c=substr($0,4,1); r=(c=="0")?"1":"0";
    $0=substr($0,1,3) r substr($0,5); d=1} {print}' \
    A/ca/shares/share-2.txt >"$S/near-typo-line-1"
sed 's/^2: \(.\)/2: \1\1/' A/ca/shares/share-3.txt >"$S/near-typo-line-2"
sed '/^[12]: /y/abcdef/ABCDEF/; /^[12]: /s/ /  /g; /^custodian/G; s/$/\r/' \
    A/ca/shares/share-1.txt >"$S/near-typed"
sed 's/Alice/alice/' A/ca/shares/share-1.txt >"$S/near-header-changed"
sed 's/of 3, any 2/of 17, any 2/' A/ca/shares/share-1.txt >"$S/near-too-many"
sed 's/v1$/v2/' A/ca/shares/share-1.txt >"$S/near-version"
sed 's/Carol Custodian/ALICE custodian/' A/ca/custody >"$S/near-custody-same-name"
sed 's/threshold 2 of 3/threshold 1 of 3/' A/ca/custody >"$S/near-custody-threshold"
head -c -1 A/ca/custody >"$S/near-custody-cut"

# ---------------------------------------------------------------- key files
cc -std=c17 -Wall -Wextra -Werror -I"$ROOT/src" -D_GNU_SOURCE -o gen-seeds "$ROOT/tests/fuzz/gen-seeds.c" \
    "$ROOT/build/libfe.a" $(pkg-config --libs libcrypto libgfshare) -lm
mkdir kf sh
./gen-seeds kf sh
cp kf/* "$K/"
cp sh/* "$S/"
cp A/ca/private/root.fek "$K/ceremony-root.fek"
cp A/ca/private/server.fek "$K/ceremony-server.fek"
head -c 60 kf/sealed-p256-root.fek >"$K/near-truncated.fek"
{ cat kf/sealed-p256-root.fek; printf x; } >"$K/near-trailing.fek"
printf 'FEKEY\0\0\2' | cat - <(tail -c +9 kf/sealed-p256-root.fek) >"$K/near-version.fek"

# ---------------------------------------------------------------- baselines
# (fuzz_watchconf's seeds are written by hand; this script leaves them be)
mkdir -p "$C/fuzz_baseline"
find "$C/fuzz_baseline" -type f ! -name 'crash-*' -delete
cc -std=c17 -Wall -Wextra -Werror -I"$ROOT/src" -D_GNU_SOURCE -o gen-baseline-seeds \
    "$ROOT/tests/fuzz/gen-baseline-seeds.c" "$ROOT/build/libwatch.a" "$ROOT/build/libfe.a" \
    $(pkg-config --libs libcrypto sqlite3 inih libgfshare libcurl jansson) -lm -lpthread
./gen-baseline-seeds "$C/fuzz_baseline"

# ---------------------------------------------------------------- time-stamp requests
# openssl ts -query with each accepted hash, certReq, no nonce, a policy
# (fuzz_tsa's own and another), and near-valid neighbours: refused hashes,
# version 2, trailing and missing bytes, a BER length.
TS=$C/fuzz_tsa
mkdir -p "$TS"
find "$TS" -type f ! -name 'crash-*' -delete
printf 'foureyes time-stamp seed\n' >"$T/ts-data"
q() { openssl ts -query -data "$T/ts-data" "$@" 2>/dev/null; }
q -sha256 -out "$TS/req-sha256-nonce.tsq"
q -sha384 -cert -out "$TS/req-sha384-cert.tsq"
q -sha512 -cert -no_nonce -out "$TS/req-sha512-cert-nononce.tsq"
q -sha256 -no_nonce -out "$TS/req-sha256-nononce.tsq"
q -sha256 -cert -tspolicy 1.3.6.1.4.1.99999.7.1 -out "$TS/req-our-policy.tsq"
q -sha256 -tspolicy 1.2.3.4 -out "$TS/req-other-policy.tsq"
q -sha1 -out "$TS/near-sha1.tsq"
q -md5 -out "$TS/near-md5.tsq"
q -sha224 -out "$TS/near-sha224.tsq"
r=$TS/req-sha256-nonce.tsq
# version INTEGER 1 is bytes 2..4 (02 01 01) after a short outer length
{ head -c 4 "$r"; printf '\002'; tail -c +6 "$r"; } >"$TS/near-version-2.tsq"
{ cat "$r"; printf '\0'; } >"$TS/near-trailing.tsq"
head -c -1 "$r" >"$TS/near-truncated.tsq"
{ printf '\060\201'; tail -c +2 "$r"; } >"$TS/near-ber-length.tsq"
# Fields openssl ts -query cannot make: written as DER by hand.
python3 - "$TS" <<'PY'
import sys
def tlv(t, v): 
    n = len(v)
    l = bytes([n]) if n < 128 else bytes([0x81, n]) if n < 256 else bytes([0x82, n >> 8, n & 255])
    return bytes([t]) + l + v
def integer(m): return tlv(0x02, (b'\0' if m and m[0] & 0x80 else b'') + m)
sha256 = tlv(0x06, bytes.fromhex('608648016503040201'))
def req(params=b'', digest=b'\xa5' * 32, nonce=None, ext=None, cert=False):
    body = integer(b'\1') + tlv(0x30, tlv(0x30, sha256 + params) + tlv(0x04, digest))
    if nonce is not None: body += nonce
    if cert: body += b'\x01\x01\xff'
    if ext is not None: body += ext
    return tlv(0x30, body)
bc = tlv(0x30, tlv(0x06, bytes.fromhex('551d13')) + tlv(0x04, tlv(0x30, b'')))
seeds = {
    'req-nonce-32.tsq': req(nonce=integer(b'\x81' * 32), cert=True),
    'near-nonce-33.tsq': req(nonce=integer(b'\x81' * 33)),
    'near-nonce-zero.tsq': req(nonce=integer(b'\0')),
    'near-nonce-negative.tsq': req(nonce=tlv(0x02, b'\xff\x01')),
    'near-params.tsq': req(params=tlv(0x04, b'xx')),
    'near-digest-31.tsq': req(digest=b'\xa5' * 31),
    'near-extension.tsq': req(nonce=integer(b'\x42'), ext=tlv(0xa0, bc)),
    'near-extensions-empty.tsq': req(ext=tlv(0xa0, b'')),
}
for name, der in seeds.items():
    open(sys.argv[1] + '/' + name, 'wb').write(der)
PY

chmod 644 "$C"/fuzz_*/*
du -s --apparent-size -h "$C"/fuzz_*
