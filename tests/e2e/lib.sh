# lib.sh - helpers for end-to-end tests.  Source it; each check prints a
# TAP-style "ok N - ..." or "not ok N - ..." line that scripts/run-tests
# counts.  Tests run in a fresh temporary directory (the current one).
set -u
FE_ROOT=${FE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
FE_BIN=${FE_BIN:-$FE_ROOT/build/san/bin}
FE_TOOLS=${FE_TOOLS:-$FE_ROOT/build/san/tools}
export PATH="$FE_BIN:$FE_TOOLS:$PATH"
# Debian's python3 has python3-cryptography; a pyenv shim may not.
PY=/usr/bin/python3
_n=0

ok() { _n=$((_n + 1)); echo "ok $_n - $*"; }
notok() { _n=$((_n + 1)); echo "not ok $_n - $*"; }

# check DESC CMD...: passes if CMD exits 0.
check() {
	local desc=$1; shift
	if "$@" >_check.out 2>&1; then
		ok "$desc"
	else
		notok "$desc"
		sed 's/^/#   /' _check.out | head -20
	fi
}

# refuses DESC PATTERN CMD...: passes if CMD fails and its output contains
# PATTERN (a fixed string).
refuses() {
	local desc=$1 pat=$2; shift 2
	if "$@" >_check.out 2>&1; then
		notok "$desc (it succeeded)"
		sed 's/^/#   /' _check.out | head -10
	elif grep -qF -- "$pat" _check.out; then
		ok "$desc"
	else
		notok "$desc: expected '$pat' in the message"
		sed 's/^/#   /' _check.out | head -10
	fi
}

# A ceremony file for a small, fast CA (P-384 keys) under example.org.
# ceremony_file ALG NAME > file
ceremony_file() {
	local alg=${1:-ec-p384} name=${2:-Test}
	cat <<EOC
[ceremony]
instructed_by = Test suite ($name)
instructed_on = 2026-11-22
custodians = Alice Custodian, Bob Custodian, Carol Custodian
threshold = 2

[root]
algorithm = $alg
subject = C=NL, O=Foureyes $name CA, CN=Foureyes $name Root
days = 3650
crl_url = http://crl.example.org/root.crl
cert_url = http://ca.example.org/root.crt
EOC
	local sub
	for sub in members:emailProtection,clientAuth:2.23.140.1.5.1.2,2.23.140.1.5.2.2,2.23.140.1.5.4.2 \
	    server:serverAuth:2.23.140.1.2.1,2.23.140.1.2.2 \
	    code:codeSigning:2.23.140.1.4.1 time:timeStamping:2.23.140.1.4.2; do
		IFS=: read -r label eku pol <<<"$sub"
		cat <<EOC

[subroot $label]
algorithm = ec-p384
subject = C=NL, O=Foureyes $name CA, CN=Foureyes $name $label CA
days = 1825
ext_key_usage = $eku
policies = $pol
crl_url = http://crl.example.org/$label.crl
ocsp_url = http://ocsp.example.org/
cert_url = http://ca.example.org/$label.crt
EOC
	done
}

# make_ca DIR [ALG]: a ceremony in DIR/ca and DIR/signer.ini beside it.
make_ca() {
	local dir=$1 alg=${2:-ec-p384}
	mkdir -p "$dir"
	ceremony_file "$alg" "$(basename "$dir")" >"$dir/ceremony.ini"
	fe ceremony "$dir/ceremony.ini" -o "$dir/ca" >"$dir/ceremony.out" 2>&1 || {
		cat "$dir/ceremony.out"; return 1; }
	cp "$FE_ROOT/etc/signer.ini" "$dir/signer.ini"
}

# request ID PROFILE CSRFILE [HEADER-LINE...]: a signing request on stdout.
request() {
	local id=$1 profile=$2 csr=$3; shift 3
	printf 'foureyes-request 1\nid: %s\nprofile: %s\n' "$id" "$profile"
	local h
	for h in "$@"; do printf '%s\n' "$h"; done
	printf '\n'
	cat "$csr"
}

# newcsr KIND FILE: a normal CSR (p256, p384, rsa2048...) via openssl.
newcsr() {
	local kind=$1 out=$2
	case $kind in
	p256) openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
		-nodes -keyout "$out.key" -subj "/CN=ignored.example.net" -out "$out" 2>/dev/null ;;
	p384) openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-384 \
		-nodes -keyout "$out.key" -subj "/CN=ignored.example.net" -out "$out" 2>/dev/null ;;
	rsa2048|rsa3072) openssl req -new -newkey "rsa:${kind#rsa}" -nodes \
		-keyout "$out.key" -subj "/CN=ignored.example.net" -out "$out" 2>/dev/null ;;
	*) echo "newcsr: unknown kind $kind" >&2; return 1 ;;
	esac
}

done_testing() { echo "# $_n checks"; }

# free_port: a TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
	"$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_until SECONDS CMD...: until CMD succeeds (polled every 50 ms, its
# output dropped); fails if it has not within SECONDS.
wait_until() {
	local t=$1; shift
	local end=$(($(date +%s%N) + t * 1000000000))
	while [ "$(date +%s%N)" -lt "$end" ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	return 1
}

# stored_at_least DB PREFIX N: the signer's store DB holds N or more
# requests whose id starts with PREFIX.
stored_at_least() {
	local n
	n=$(sqlite3 "$1" "select count(*) from request where id like '$2%'" \
	    2>/dev/null)
	[ "${n:-0}" -ge "$3" ]
}

# wait_for FILE TEXT [SECONDS]: until FILE contains TEXT (default 10 s).
wait_for() {
	local i
	for i in $(seq $((${3:-10} * 10))); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
