#!/usr/bin/env bash
# recover.sh - crash consistency of the signer (docs/ARCHITECTURE.md): the
# request log is synced before the store commits, and a batch's commit does
# not wait for the disk, so a crash can leave the log with "issued" records
# whose commit the disk never kept.  The next start stores each such
# certificate again from its log record (which carries it) and says so in
# a sign.restored record, once; a record that cannot give its certificate
# back (here: its request id answered otherwise since) is named in a
# sign.void record instead.  The state is made by putting back a copy of
# the store taken before the lost commit, as a disk that had not kept it
# would.
. "$(dirname "$0")/lib.sh"

# The TLS sub-root's CRLs in parts of 2, so that the parts count.
BASE=http://crl.example.org/server
mkdir -p A
ceremony_file ec-p384 A | sed "s|^crl_url = $BASE.crl\$|&\ncrl_partition_size = 2|" >A/ceremony.ini
fe ceremony A/ceremony.ini -o A/ca >A/ceremony.out 2>&1 || { notok "ceremony"; cat A/ceremony.out; exit 1; }
cp "$FE_ROOT/etc/signer.ini" A/signer.ini
S="--share A/ca/shares/share-1.txt --share A/ca/shares/share-2.txt"
newcsr p256 a.csr
request r-0 tls-server a.csr "dns: www.example.org" "days: 30" >r0.req
request r-1 tls-server a.csr "dns: www.example.org" "days: 30" >r1.req
request r-2 tls-server a.csr "dns: mail.example.org" "days: 30" >r2.req
request r-3 tls-server a.csr "dns: www.example.org" "days: 30" >r3.req
check "a certificate is issued" fe-signer -c A/signer.ini $S sign -o zero.pem r0.req
sqlite3 A/signer.db ".backup before.db"
check "two more are issued" bash -c "
	fe-signer -c A/signer.ini $S sign -o first.pem r1.req &&
	fe-signer -c A/signer.ini $S sign -o second.pem r2.req"
s1=$(openssl x509 -in first.pem -noout -serial | cut -d= -f2 | tr A-F a-f)
s2=$(openssl x509 -in second.pem -noout -serial | cut -d= -f2 | tr A-F a-f)
check "a restart finds nothing to restore or void" bash -c \
	"fe-signer -c A/signer.ini status >/dev/null &&
	! grep -qP '\tsign\.(restored|void)\t' A/signer-requests.log"
row() {
	sqlite3 A/signer.db "select c.issuer, c.serial, c.profile,
	    c.request_id, c.not_before, c.not_after, c.subject, c.fingerprint,
	    hex(c.der), c.is_ca, c.crl_part, r.digest, r.issued
	    from cert c join request r on r.id = c.request_id
	    where c.request_id = '$1'"
}
parts() { sqlite3 A/signer.db "select issuer, n from part_count order by 1"; }
row r-1 >r1.row
check "the stored certificate is the one handed out" bash -c \
	"test \"\$(cut -d'|' -f9 r1.row)\" = \"\$(openssl x509 -in first.pem -outform DER | xxd -p -u | tr -d '\n')\""

# The disk kept neither commit: the store as it was before them.  (A
# second later, so that a restore dated by its own clock would show.)
sleep 1
cp before.db A/signer.db && rm -f A/signer.db-wal A/signer.db-shm
# ... and r-2 since answered otherwise, so that its record cannot be
# given back (as when a failed batch's request was retried and refused).
sqlite3 A/signer.db "insert into request (id, digest, issued, reason, at)
	values ('r-2', 'other', 0, 'refused since', 0)"
check "the next start stores r-1's certificate again" bash -c \
	"fe-signer -c A/signer.ini status >/dev/null &&
	grep -P '\tsign\.restored\t' A/signer-requests.log | grep -q 'id=r-1 issuer=server serial=$s1'"
check "the record says it came back from the log" \
	grep -q "stored again from this log" A/signer-requests.log
row r-1 >r1.again
check "the same row as before the loss (certificate, validity, subject, part)" \
	cmp r1.row r1.again
logged=$(grep -P '\tsign\t' A/signer-requests.log | grep 'id=r-1 .*decision=issued' |
	cut -f2 | cut -c1-19)
check "its issue time is its record's ($logged), not the restore's" bash -c "
	test -n '$logged' &&
	test \"\$(sqlite3 A/signer.db \"select c.issued_at || ' ' || r.at from cert c
	    join request r on r.id = c.request_id where c.request_id = 'r-1'\")\" = \
	    \"\$(date -u -d '${logged}Z' +%s) \$(date -u -d '${logged}Z' +%s)\""
check "r-1 is in a CRL part" test "$(cut -d'|' -f11 r1.row)" -ge 1
check "the CRL part counts are r-0's and r-1's (r-2 stays lost)" \
	test "$(parts)" = "server|2"
check "r-2, whose id was answered otherwise, is voided, never handed out" bash -c \
	"grep -P '\tsign\.void\t' A/signer-requests.log | grep 'id=r-2 issuer=server serial=$s2' | grep -q 'never handed out'"
check "another start restores and voids nothing again" bash -c \
	"fe-signer -c A/signer.ini status >/dev/null &&
	test \$(grep -cP '\tsign\.restored\t' A/signer-requests.log) -eq 1 &&
	test \$(grep -cP '\tsign\.void\t' A/signer-requests.log) -eq 1"
check "r-1 again gets the same certificate back" bash -c \
	"fe-signer -c A/signer.ini $S sign -o again.pem r1.req && cmp first.pem again.pem"
check "... as a replay" bash -c \
	"grep -P '\tsign\t' A/signer-requests.log | grep 'id=r-1 ' | tail -1 | grep -q 'decision=replayed'"
check "the restored certificate can be revoked" \
	fe-signer -c A/signer.ini $S revoke "$s1" keyCompromise
check "a new issuance gets a new serial" bash -c "
	fe-signer -c A/signer.ini $S sign -o third.pem r3.req &&
	s3=\$(openssl x509 -in third.pem -noout -serial | cut -d= -f2 | tr A-F a-f) &&
	test \"\$s3\" != '$s1' -a \"\$s3\" != '$s2'"
check "... in the part after r-1's, which the restore counted" bash -c \
	"openssl x509 -in third.pem -noout -ext crlDistributionPoints | grep -q '$BASE/2.crl'"
check "the request log verifies" fe log verify A/signer-requests.log
done_testing
