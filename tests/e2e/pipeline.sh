#!/usr/bin/env bash
# pipeline.sh - overlapping batches (engine_sign_start; docs/ARCHITECTURE.md,
# "The signer's batches"): each batch is checked and signed while the one
# before is stored, logged and synced by a thread of its own.  Driven by
# tests/tools/signbatch in batches of 3, so that every batch overlaps the
# one before.  What must still hold: a repeated id in the batch in flight
# is answered from the store (the same certificate) or refused when its
# bytes differ; serials stay unique; a partitioned sub-root's parts are
# filled exactly as without overlap; the log and the store agree, also
# after the process is killed in the middle of a run.
. "$(dirname "$0")/lib.sh"

BASE=http://crl.example.org/server
mkdir -p A out
ceremony_file ec-p384 Pipe |
	sed "s|^crl_url = $BASE.crl\$|&\ncrl_partition_size = 3|" >A/ceremony.ini
fe ceremony A/ceremony.ini -o A/ca >A/ceremony.out 2>&1 ||
	{ notok "ceremony"; cat A/ceremony.out; exit 1; }
cp "$FE_ROOT/etc/signer.ini" A/signer.ini
SH="A/ca/shares/share-1.txt A/ca/shares/share-2.txt"
C=A/ca/certs
cat $C/server.pem $C/root.pem >chain.pem

newcsr p256 a.csr
newcsr p256 b.csr
req() { request "$1" tls-server "$2" "dns: $1.example.org" "days: 30"; }
# Batches of 3: (0 1 2) (3 4 5) (6 7 8) (9 10 11) (12 13 14).  --hold 1
# keeps (3 4 5) from committing for a second, so (6 7 8) is certainly
# checked while it is in flight.
req q-0 a.csr >0.req
req q-1 a.csr >1.req
req q-2 a.csr >2.req
req q-3 b.csr >3.req
req q-4 a.csr >4.req
req q-5 b.csr >5.req
cp 3.req 6.req                       # q-3 again while (3 4 5) is in flight
req q-4 b.csr >7.req                 # q-4 again, other bytes, in flight
req q-8 a.csr >8.req                 # new, its CRL part counts the flight's
req q-9 b.csr >9.req
cp 9.req 10.req                      # q-9 again in the same batch
req q-11 a.csr >11.req
printf 'foureyes-request 1\nid: q-12\n' >12.req   # no profile, no CSR
req q-13 a.csr >13.req
req q-14 b.csr >14.req
R=$(for i in $(seq 0 14); do printf '%s ' $i.req; done)
NEW="0 1 2 3 4 5 8 9 11 13 14"

check "15 requests signed in overlapping batches of 3" bash -c \
	"signbatch --hold 1 A/signer.db A/signer.ini $SH 3 out $R >res.txt &&
	 test \$(wc -l <res.txt) -eq 15"
f() { awk -v i="$1" -v c="$2" '$1 == i { print $c }' res.txt; }
check "the eleven new requests are issued, not replayed" bash -c "
	for i in $NEW; do
		grep -q \"^\$i issued 0 server \" res.txt || exit 1
	done"
check "q-3 again while its batch was in flight: the same certificate" bash -c "
	test \"$(f 6 2) $(f 6 3)\" = 'issued 1' && test '$(f 6 5)' = '$(f 3 5)' &&
	cmp -s out/3.pem out/6.pem"
check "q-4 again with other bytes while in flight: refused, says why" \
	grep -q "^7 refused 0 - - request q-4: this id was already used for a different request" res.txt
check "q-9 twice in one batch: the second gets the first's certificate" bash -c "
	test \"$(f 10 2) $(f 10 3)\" = 'issued 1' && cmp -s out/9.pem out/10.pem"
check "a request without a profile is refused" bash -c \
	"test '$(f 12 2)' = refused"
check "the eleven serials are distinct" bash -c "
	for i in $NEW; do
		openssl x509 -in out/\$i.pem -noout -serial; done |
	    sort -u | wc -l | grep -qx 11"
check "every certificate verifies (openssl verify -x509_strict)" bash -c "
	for i in $NEW; do
		openssl verify -x509_strict -CAfile $C/root.pem \
		    -untrusted $C/server.pem out/\$i.pem >/dev/null || exit 1
	done"
cdp() { openssl x509 -in "out/$1.pem" -noout -ext crlDistributionPoints |
	grep -o 'URI:.*' | cut -c5-; }
parts=$(for i in $NEW; do cdp $i; done |
	sed "s|^$BASE/||; s|\.crl\$||" | tr '\n' ' ')
check "CRL parts filled 3 by 3 in issuance order, as without overlap ($parts)" \
	test "$parts" = "1 1 1 2 2 2 3 3 3 4 4 "
check "the request log verifies" fe log verify A/signer-requests.log
check "the log holds the 15 outcomes in the order they came (- for no id)" bash -c "
	grep -P '\tsign\t' A/signer-requests.log | sed 's/.*\tid=\([^ ]*\) .*/\1/' |
	    tr '\n' ' ' | grep -qx 'q-0 q-1 q-2 q-3 q-4 q-5 q-3 q-4 q-8 q-9 q-9 q-11 - q-13 q-14 '"
check "the store holds exactly the eleven certificates the log says were issued" bash -c "
	grep -P '\tsign\t' A/signer-requests.log | grep 'decision=issued' |
	    sed 's/.*serial=\([0-9a-f]*\).*/\1/' | sort >log.serials
	sqlite3 A/signer.db 'select serial from cert where issuer = \"server\"' |
	    sort >db.serials
	test \$(wc -l <log.serials) -eq 11 && cmp -s log.serials db.serials"
mkdir -p out2
check "a second process replays every issued id from the store" bash -c "
	signbatch A/signer.ini $SH 3 out2 $R >res2.txt &&
	test \$(grep -c ' issued 1 ' res2.txt) -eq 13 &&
	for i in $NEW; do
		cmp -s out/\$i.pem out2/\$i.pem || exit 1
	done"

# The store commits every fourth batch while batches follow each other, and
# whenever the engine goes idle: 7 requests in batches of 3 are 3 batches,
# committed only then.
mkdir -p out4
for i in $(seq 1 7); do req s-$i a.csr >s$i.req; done
S=$(for i in $(seq 1 7); do printf 's%s.req ' $i; done)
before=$(sqlite3 A/signer.db "select count(*) from request")
check "idle after 3 batches: another connection sees all 7 outcomes stored" bash -c "
	signbatch --stored A/signer.db A/signer.ini $SH 3 out4 $S >res4.txt 2>res4.err &&
	test \$(grep -c ' issued 0 ' res4.txt) -eq 7 &&
	grep -qx 'stored $((before + 7))' res4.err"

# The store fails to commit: every descriptor on its WAL is broken before
# batch 3 of 6, so the commit at the end of batch 3 (the fourth of its
# transaction) cannot write.  Batches 0-2 were answered already: the store
# has lost them, and the engine refuses everything until it is started
# again, when recover() stores them from the log.
mkdir -p out5 out6
for i in $(seq 1 18); do req f-$i a.csr >f$i.req; done
F=$(for i in $(seq 1 18); do printf 'f%s.req ' $i; done)
signbatch --break 3 A/signer.ini $SH 3 out5 $F >res5.txt 2>res5.err
g() { awk -v i="$1" -v c="$2" '$1 == i { print $c }' res5.txt; }
check "store failure: the 9 requests of batches 0-2 were answered, issued" bash -c "
	test \$(wc -l <res5.txt) -eq 18 &&
	test \$(awk '\$1 < 9 && \$2 == \"issued\"' res5.txt | wc -l) -eq 9"
check "the batch whose commit failed: failed, names the commit" bash -c "
	test \$(awk '\$1 >= 9 && \$1 < 12 && \$2 == \"failed\"' res5.txt |
	    grep -c 'signer.db: commit: ') -eq 3"
check "every later request: failed, says the store lost 3 batches, restart" bash -c "
	test \$(awk '\$1 >= 12 && \$2 == \"failed\"' res5.txt | grep -c \
	    \"the signer's store lost 3 batches of outcomes already answered (.*); restart fe-signer\") -eq 6"
check "a revocation in the same run is refused with the same reason" \
	grep -q "^revoke: the signer's store lost 3 batches of outcomes already answered (.*); restart fe-signer" res5.err
check "STATUS says it under store:" \
	grep -q "^store: the signer's store lost 3 batches of outcomes already answered" res5.err
check "meanwhile the store holds none of them" \
	test "$(sqlite3 A/signer.db "select count(*) from request where id like 'f-%'")" -eq 0
check "the next start stores the 12 issued from the log (sign.restored)" bash -c "
	fe-signer -c A/signer.ini status >/dev/null &&
	test \$(sqlite3 A/signer.db \"select count(*) from cert where request_id like 'f-%'\") -eq 12 &&
	test \$(grep -P '\\tsign\\.restored\\t' A/signer-requests.log | grep -c 'id=f-') -eq 12"
check "a retry: the 9 answered get their certificates, the rest are decided" bash -c "
	signbatch A/signer.ini $SH 3 out6 $F >res6.txt &&
	test \$(awk '\$1 < 12 && \$2 == \"issued\" && \$3 == 1' res6.txt | wc -l) -eq 12 &&
	test \$(awk '\$1 >= 12 && \$2 == \"issued\" && \$3 == 0' res6.txt | wc -l) -eq 6 &&
	for i in \$(seq 0 8); do cmp -s out5/\$i.pem out6/\$i.pem || exit 1; done"
check "the request log verifies after the failure" fe log verify A/signer-requests.log

# Killed in the middle of a run: whatever the moment, every certificate
# the log calls issued is in the store or voided on the next start, and
# every certificate in the store is in the log.
mkdir -p out3
for i in $(seq 1 400); do req k-$i a.csr >k$i.req; done
K=$(for i in $(seq 1 400); do printf 'k%s.req ' $i; done)
signbatch A/signer.ini $SH 4 out3 $K >res3.txt 2>/dev/null &
pid=$!
wait_until 10 stored_at_least A/signer.db k- 24
n=$(sqlite3 A/signer.db "select count(*) from request where id like 'k-%'" 2>/dev/null)
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
check "killed while signing: some of the run was stored (${n:-0} ids)" test "${n:-0}" -ge 24
check "the next start checks the log against the store" \
	fe-signer -c A/signer.ini status
check "after the kill the log still verifies" fe log verify A/signer-requests.log
check "issued in the log = stored + voided; stored = issued in the log" bash -c "
	grep -P '\tsign\t' A/signer-requests.log | grep 'decision=issued' |
	    sed 's/.*serial=\([0-9a-f]*\).*/\1/' | sort >iss
	grep -P '\tsign\.void\t' A/signer-requests.log |
	    sed 's/.*serial=\([0-9a-f]*\).*/\1/' | sort >void
	sqlite3 A/signer.db 'select serial from cert where issuer = \"server\"' |
	    sort >db
	test -z \"\$(comm -12 db void)\" &&
	test \"\$(sort -m db void)\" = \"\$(cat iss)\""
done_testing
