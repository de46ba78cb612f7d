#!/usr/bin/env bash
# ceremony.sh - a 2-of-3 key ceremony (POLICY.md K1-K3) and unlocking under
# dual control: any two shares unlock; one share, a wrong share, a share of
# another ceremony and a mistyped line are each refused with a message that
# names the problem.  The transcript verifies and names tampering.
. "$(dirname "$0")/lib.sh"

check "2-of-3 ceremony with an RSA-4096 root and P-384 sub-roots" make_ca A rsa-4096
check "second ceremony (another CA)" make_ca B
S=A/ca/shares
check "three share files were written" test -f $S/share-1.txt -a -f $S/share-2.txt -a -f $S/share-3.txt
check "share files are private (0600)" test "$(stat -c %a $S/share-1.txt)" = 600
check "private key files are not plain PEM" bash -c '! grep -q "PRIVATE KEY" A/ca/private/*.fek'
check "root is RSA 4096, self-signed, a CA" bash -c \
	'openssl x509 -in A/ca/certs/root.pem -noout -text | grep -q "Public-Key: (4096 bit)"'
check "each sub-root verifies under the root (openssl -x509_strict)" bash -c \
	'for s in members server code time; do openssl verify -x509_strict -CAfile A/ca/certs/root.pem A/ca/certs/$s.pem || exit 1; done'
check "sub-roots: basicConstraints critical CA:TRUE pathlen:0" bash -c \
	'openssl x509 -in A/ca/certs/server.pem -noout -ext basicConstraints | grep -A1 "critical" | grep -q "CA:TRUE, pathlen:0"'
check "sub-roots carry CRL distribution point and AIA caIssuers" bash -c \
	'openssl x509 -in A/ca/certs/members.pem -noout -text | grep -q "URI:http://crl.example.org/root.crl" &&
	 openssl x509 -in A/ca/certs/members.pem -noout -text | grep -q "CA Issuers - URI:http://ca.example.org/root.crt"'
check "TLS sub-root is dedicated: extKeyUsage serverAuth only" bash -c \
	'test "$(openssl x509 -in A/ca/certs/server.pem -noout -ext extendedKeyUsage | tail -1 | tr -d " ")" = "TLSWebServerAuthentication"'

# Transcript: K1 evidence.
check "transcript verifies" fe log verify A/ca/ceremony.log
check "transcript names who instructed it" grep -q "instructed_by=Test suite (A)" A/ca/ceremony.log
check "transcript has every certificate's fingerprint" bash -c \
	'for s in root members server code time; do fp=$(openssl x509 -in A/ca/certs/$s.pem -noout -fingerprint -sha256 | cut -d= -f2 | tr -d : | tr A-F a-f); grep -q "sha256=$fp" A/ca/ceremony.log || exit 1; done'
check "transcript never holds share contents" bash -c \
	'for i in 1 2 3; do l=$(sed -n "s/^1: //p" A/ca/shares/share-$i.txt | cut -c1-19); test -n "$l" && ! grep -qF "$l" A/ca/ceremony.log || exit 1; done'
head=$(sed -n 's/^  transcript head //p' A/ceremony.out)
check "transcript matches the head printed at the ceremony" fe log verify A/ca/ceremony.log --head "$head"
refuses "ceremony refuses to overwrite an existing CA" "not empty" \
	fe ceremony A/ceremony.ini -o A/ca

sig() { fe-signer -c A/signer.ini "$@"; }
for pair in "1 2" "1 3" "2 3"; do
	set -- $pair
	check "shares $1 and $2 unlock" sig --share $S/share-$1.txt --share $S/share-$2.txt unlock
done
refuses "one share is not enough" "2 shares are needed" sig --share $S/share-1.txt unlock
refuses "a share of another ceremony is named" "another ceremony" \
	sig --share $S/share-1.txt --share B/ca/shares/share-2.txt unlock
refuses "the same share twice is refused" "given twice" \
	sig --share $S/share-1.txt --share $S/share-1.txt unlock

# A mistyped line: change one hex digit of the first data line.
awk 'BEGIN{d=0} /^1: /&&!d{c=substr($0,4,1); r=(c=="0")?"1":"0"; $0=substr($0,1,3) r substr($0,5); d=1} {print}' \
	$S/share-2.txt >typo.txt
refuses "a mistyped line is refused" "does not match" \
	sig --share $S/share-1.txt --share typo.txt unlock
cp _check.out typo.out
check "the typo message names the line and says it is a typing error" \
	grep -Eq "line [0-9]+: check .* does not match: a typing error" typo.out

# A wrong share: self-consistent (valid line checks) but not the one
# handed out.  Made by a custodian of ceremony B whose header is edited to
# look like ceremony A: its checks fail, or its commitment does not match.
cid=$(sed -n 's/^ceremony //p' $S/share-1.txt)
sed "s/^ceremony .*/ceremony $cid/" B/ca/shares/share-2.txt >wrong.txt
refuses "a share whose ceremony line was edited is refused by its line checks" \
	"the ceremony id or the share number was changed" \
	sig --share $S/share-1.txt --share wrong.txt unlock

# Unlock failures are logged on the signer.
check "refused unlocks are in the signer's log" grep -q "signer.unlock-refused" A/signer-requests.log
check "successful unlocks name the custodians" grep -q "signer.unlock.*Alice Custodian" A/signer-requests.log

# Shares typed at the console (a pipe here, as a terminal would deliver
# them): a mistyped line is caught as it is typed and asked again.
{
	cat $S/share-1.txt
	head -4 $S/share-2.txt
	grep '^1: ' typo.txt
	grep '^[0-9]: \|^end ' $S/share-2.txt
	echo
} >typed.txt
check "shares typed at the console unlock, after a typo is corrected" \
	bash -c "fe-signer -c A/signer.ini --shares-tty unlock <typed.txt >typed.out 2>&1"
check "the console said which line to type again" grep -q "line" typed.out
done_testing
