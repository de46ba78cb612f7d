#!/usr/bin/env bash
# logtamper.sh - the signer's request log (POLICY.md K5): changing any
# single byte, or removing, inserting or swapping a record, is detected by
# `fe log verify`, which names the record.
. "$(dirname "$0")/lib.sh"

make_ca A >/dev/null || { notok "ceremony"; exit 1; }
S="--share A/ca/shares/share-2.txt --share A/ca/shares/share-3.txt"
newcsr p256 a.csr
for i in 1 2 3 4 5; do
	request "l-$i" tls-server a.csr "dns: host$i.example.org" "days: 30" >r.req
	fe-signer -c A/signer.ini $S sign -o /dev/null r.req 2>/dev/null
done
L=A/signer-requests.log
n=$(wc -l <$L)
check "the request log has records and verifies" bash -c "test $n -ge 8 && fe log verify $L"

# Every single byte changed (one at a time, to a different printable byte)
# in a sample of positions spread over the whole file is detected.
size=$(stat -c %s $L)
bad=0
for off in $(seq 0 97 $((size - 1))); do
	cp $L t.log
	$PY - t.log $off <<'PY'
import sys
p, off = sys.argv[1], int(sys.argv[2])
b = bytearray(open(p, 'rb').read())
b[off] = ord('x') if b[off] != ord('x') else ord('y')
if b[off - 1:off + 1] == b'\n\n':
    b[off] = ord('z')
open(p, 'wb').write(bytes(b))
PY
	if fe log verify t.log >v.out 2>&1; then bad=$((bad + 1)); echo "# undetected change at byte $off"; fi
done
check "a changed byte anywhere in the log is detected ($(seq 0 97 $((size - 1)) | wc -l) positions)" test $bad -eq 0

# Change the payload of record 4 (field 4) in a way that still parses.
awk -F'\t' -v OFS='\t' 'NR==4{$4=$4 "x"} {print}' $L >t.log
refuses "a changed record is named" "record 4 (line 4) was changed" fe log verify t.log
sed '5d' $L >t.log
refuses "a removed record is named" "record 5 is missing" fe log verify t.log
sed '1d' $L >t.log
refuses "a removed first record is named" "record 1 is missing" fe log verify t.log
sed '3p' $L >t.log
refuses "an inserted (duplicated) record is named" "record 3 appears twice" fe log verify t.log
awk 'NR==4{held=$0; next} {print} NR==5{print held}' $L >t.log
refuses "swapped records are named" "reordered: record 5 (line 4) comes before record 4" fe log verify t.log
head=$(fe log verify $L | sed -n 's/.*head [0-9]* \([0-9a-f]*\).*/\1/p')
sed '$d' $L >t.log
check "removing the last record passes without a known head" fe log verify t.log
refuses "but is detected against the head reported earlier" "records were removed from the end" \
	fe log verify t.log --head "$head"
done_testing
