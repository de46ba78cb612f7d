#!/usr/bin/env bash
# recover.sh - crash consistency of the signer (docs/ARCHITECTURE.md): a
# certificate logged as issued but not stored (the signer stopped between
# the log sync and the store commit) is named in a sign.void record on the
# next start, once; a retry of the same id is issued afresh; and records
# already checked are not checked again.
. "$(dirname "$0")/lib.sh"

make_ca A >/dev/null || { notok "ceremony"; exit 1; }
S="--share A/ca/shares/share-1.txt --share A/ca/shares/share-2.txt"
newcsr p256 a.csr
request r-1 tls-server a.csr "dns: www.example.org" "days: 30" >r1.req
check "a certificate is issued" fe-signer -c A/signer.ini $S sign -o first.pem r1.req
s1=$(openssl x509 -in first.pem -noout -serial | cut -d= -f2 | tr A-F a-f)
check "a restart finds nothing to void" bash -c \
	"fe-signer -c A/signer.ini status >/dev/null && ! grep -q 'sign.void' A/signer-requests.log"
# The state a crash between the log's sync and the store's commit leaves.
sqlite3 A/signer.db "delete from request where id = 'r-1'; delete from cert where request_id = 'r-1';
	update meta set v = 0 where k = 'log_checked_seq';"
check "the next start logs sign.void for the unstored certificate" bash -c \
	"fe-signer -c A/signer.ini status >/dev/null && grep -P '\tsign\.void\t' A/signer-requests.log | grep -q 'id=r-1 issuer=server serial=$s1'"
check "the void record says it was never handed out" grep -q "never handed out" A/signer-requests.log
check "another start does not void it again" bash -c \
	"fe-signer -c A/signer.ini status >/dev/null && test \$(grep -cP '\tsign\.void\t' A/signer-requests.log) -eq 1"
check "the retry of the same id is issued afresh" fe-signer -c A/signer.ini $S sign -o second.pem r1.req
s2=$(openssl x509 -in second.pem -noout -serial | cut -d= -f2 | tr A-F a-f)
check "with a new serial" test "$s1" != "$s2"
check "issued minus voided leaves exactly the delivered serial" bash -c "
	grep -P '\tsign\t' A/signer-requests.log | grep 'id=r-1 .*decision=issued' | sed 's/.*serial=\([0-9a-f]*\).*/\1/' | sort >iss
	grep -P '\tsign\.void\t' A/signer-requests.log | sed 's/.*serial=\([0-9a-f]*\).*/\1/' | sort >void
	test \"\$(comm -23 iss void)\" = '$s2'"
check "the request log verifies" fe log verify A/signer-requests.log
done_testing
