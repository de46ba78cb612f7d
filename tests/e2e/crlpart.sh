#!/usr/bin/env bash
# crlpart.sh - partitioned CRLs (docs/crl.md, issue #6, BR 7.2.2, RFC 5280
# 5.2.5): a sub-root with crl_partition_size = 2 gives its certificates the
# CRL distribution point of their part; every part is a CRL of its own with
# a critical issuingDistributionPoint naming exactly that URL, lists only
# its part's revocations and so never more than 2 entries, and verifies
# with openssl (which matches the certificate's CDP to the CRL's IDP) and
# python cryptography; fe signer crl brings every part over the line.
. "$(dirname "$0")/lib.sh"
SIM= ; SIG=
cleanup() { kill $SIM $SIG 2>/dev/null; wait 2>/dev/null; }
trap cleanup EXIT

BASE=http://crl.example.org/server
mkdir -p A
ceremony_file ec-p384 Part | sed "s|^crl_url = $BASE.crl\$|&\ncrl_partition_size = 2|" >A/ceremony.ini
check "the ceremony takes crl_partition_size = 2 for the TLS sub-root" \
	fe ceremony A/ceremony.ini -o A/ca
cp "$FE_ROOT/etc/signer.ini" A/signer.ini
check "and writes it into hierarchy.ini for the signer" \
	grep -qx 'crl_partition_size = 2' A/ca/hierarchy.ini
S="--share A/ca/shares/share-1.txt --share A/ca/shares/share-3.txt"
sig() { fe-signer -c A/signer.ini $S "$@"; }
C=A/ca/certs
serial() { openssl x509 -in "$1" -noout -serial | cut -d= -f2; }
cdp() { openssl x509 -in "$1" -noout -ext crlDistributionPoints | grep -o 'URI:.*' | cut -c5-; }

newcsr p256 a.csr
for i in 1 2 3 4 5; do
	request "p-$i" tls-server a.csr "dns: host$i.example.org" "days: 30" >r$i.req
	sig sign -o c$i.pem r$i.req 2>/dev/null
done
check "five certificates issued" test -s c5.pem
check "each certificate's CRL distribution point names its part (2 per part)" bash -c "
	$(declare -f cdp)
	test \"\$(cdp c1.pem)\" = $BASE/1.crl && test \"\$(cdp c2.pem)\" = $BASE/1.crl &&
	test \"\$(cdp c3.pem)\" = $BASE/2.crl && test \"\$(cdp c4.pem)\" = $BASE/2.crl &&
	test \"\$(cdp c5.pem)\" = $BASE/3.crl"
# A store from before schema 4 (no part_count), in a copy of this CA: the
# migration counts the certificates already in parts, and the store (a
# trigger in schemas 4 and 5, the signer's own code from 6) counts the new
# ones.
cp -a A M
check "the copy's store taken back to schema 3" $PY -c "
import sqlite3
db = sqlite3.connect('M/signer.db')
db.executescript('DROP TRIGGER IF EXISTS cert_part_count; DROP TRIGGER cert_part_count_del; DROP TABLE part_count; DROP TRIGGER IF EXISTS cert_issuer_seen; DROP TABLE cert_issuer; CREATE INDEX cert_serial ON cert(serial); PRAGMA user_version = 3;')
db.commit()"
for i in 6 7; do
	request "p-$i" tls-server a.csr "dns: host$i.example.org" "days: 30" >r$i.req
	fe-signer -c M/signer.ini $S sign -o c$i.pem r$i.req 2>/dev/null
done
check "after the migrations to schema 6, the 6th certificate is in part 3 and the 7th in part 4" bash -c "
	$(declare -f cdp)
	test \"\$(cdp c6.pem)\" = $BASE/3.crl && test \"\$(cdp c7.pem)\" = $BASE/4.crl"
check "a certificate from before the migration is found by its serial alone and revoked" \
	fe-signer -c M/signer.ini $S revoke "$(serial c1.pem)" keyCompromise
refuses "an unknown serial is refused by name after the migration" "serial 0abc: no certificate with this serial" \
	fe-signer -c M/signer.ini $S revoke 0ABC keyCompromise
check "a certificate of an unpartitioned sub-root keeps the plain crl_url" bash -c "
	$(declare -f cdp request)
	newcsr() { :; }
	request p-m smime-mailbox a.csr 'email: a@example.org' 'days: 30' >m.req &&
	fe-signer -c A/signer.ini $S sign -o m.pem m.req >/dev/null 2>&1 &&
	test \"\$(cdp m.pem)\" = http://crl.example.org/members.crl"

s1=$(serial c1.pem); s3=$(serial c3.pem); s4=$(serial c4.pem)
check "revoke a certificate of part 2 (keyCompromise)" sig revoke "$s3" keyCompromise
check "fe-signer crl -o DIR writes one file per part" sig crl -o parts server
check "parts 1, 2 and 3 and nothing else" bash -c \
	"test \"\$(ls parts | tr '\n' ' ')\" = 'server-1.crl server-2.crl server-3.crl '"
for p in 1 2 3; do
	check "part $p verifies (openssl crl -verify)" bash -c \
		"openssl crl -in parts/server-$p.crl -CAfile $C/server.pem -noout -verify 2>&1 | grep -q 'verify OK'"
	openssl crl -in parts/server-$p.crl -noout -text >p$p.txt
	check "part $p: critical issuingDistributionPoint with only its URL and onlyContainsUserCerts" bash -c "
		grep -q 'X509v3 Issuing Distribution Point: critical' p$p.txt &&
		test \"\$(grep -oE 'URI:[^ ]+' p$p.txt)\" = 'URI:$BASE/$p.crl' &&
		grep -q 'Only User Certificates' p$p.txt &&
		! grep -qE 'Only CA|Only Attribute|Indirect|Only Some Reasons' p$p.txt"
	check "part $p has cRLNumber 1 (one number per generation)" \
		test "$(openssl crl -in parts/server-$p.crl -noout -crlnumber)" = crlNumber=0x01
done
check "the revoked serial is in part 2 only" bash -c \
	"grep -q 'Serial Number: $s3' p2.txt && ! grep -q '$s3' p1.txt && ! grep -q '$s3' p3.txt"
check "openssl verify -crl_check -x509_strict: part 2's CRL rejects the revoked certificate" bash -c \
	"openssl verify -crl_check -x509_strict -CAfile $C/root.pem -untrusted $C/server.pem -CRLfile parts/server-2.crl c3.pem 2>&1 | grep -q 'certificate revoked'"
check "and accepts the other certificate of part 2" \
	openssl verify -crl_check -x509_strict -CAfile $C/root.pem -untrusted $C/server.pem -CRLfile parts/server-2.crl c4.pem
check "a certificate of part 1 verifies with part 1's CRL" \
	openssl verify -crl_check -x509_strict -CAfile $C/root.pem -untrusted $C/server.pem -CRLfile parts/server-1.crl c1.pem
check "but not with part 2's: openssl matches the CDP to the IDP" bash -c \
	"! openssl verify -crl_check -x509_strict -CAfile $C/root.pem -untrusted $C/server.pem -CRLfile parts/server-2.crl c1.pem >v.out 2>&1 &&
	 grep -q 'different CRL scope' v.out"
check "python cryptography: every part's signature, IDP and entries" $PY -c "
from cryptography import x509
ca = x509.load_pem_x509_certificate(open('$C/server.pem','rb').read())
for p in (1, 2, 3):
    crl = x509.load_pem_x509_crl(open('parts/server-%d.crl' % p,'rb').read())
    assert crl.is_signature_valid(ca.public_key())
    e = crl.extensions.get_extension_for_class(x509.IssuingDistributionPoint)
    assert e.critical
    v = e.value
    assert [g.value for g in v.full_name] == ['$BASE/%d.crl' % p], v
    assert v.only_contains_user_certs and not v.only_contains_ca_certs
    assert not v.indirect_crl and not v.only_contains_attribute_certs
    assert v.only_some_reasons is None and v.relative_name is None
    assert (crl.get_revoked_certificate_by_serial_number(int('$s3', 16)) is not None) == (p == 2)
"
check "each part is in the request log with its part and URL" bash -c \
	"test \$(grep -c '	crl	.*part=' A/signer-requests.log) -eq 3 &&
	 grep -q 'part=2 url=$BASE/2.crl entries=1' A/signer-requests.log"

# crl_partition_size bounds every part: revoke everything of parts 1 and 2.
check "revoke the rest of parts 1 and 2" bash -c \
	"$(declare -f sig serial); S='$S'; sig revoke $s1 superseded && sig revoke $s4 superseded &&
	 sig revoke \$(serial c2.pem) superseded"
check "the second generation" sig crl -o gen2 server
check "no part lists more than crl_partition_size = 2 entries; all have cRLNumber 2" $PY -c "
from cryptography import x509
n = 0
for p in (1, 2, 3):
    crl = x509.load_pem_x509_crl(open('gen2/server-%d.crl' % p,'rb').read())
    assert len(list(crl)) <= 2, p
    assert crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == 2
    n += len(list(crl))
assert n == 4, n
"
check "an unpartitioned sub-root still gets one file at -o FILE, without IDP" bash -c \
	"$(declare -f sig); S='$S'; sig crl -o members.crl members &&
	 openssl crl -in members.crl -CAfile $C/members.pem -noout -verify 2>&1 | grep -q 'verify OK' &&
	 ! openssl crl -in members.crl -noout -text | grep -q 'Issuing Distribution'"

# Partitioning turned on for a sub-root that already issued: its earlier
# certificates keep the plain crl_url, whose complete CRL goes on as part 0.
sed -i '/^\[subroot members\]/a crl_partition_size = 2' A/ca/hierarchy.ini
check "members, partitioned later: a new certificate names part 1" bash -c "
	$(declare -f cdp request)
	request p-m2 smime-mailbox a.csr 'email: b@example.org' 'days: 30' >m2.req &&
	fe-signer -c A/signer.ini $S sign -o m2.pem m2.req >/dev/null 2>&1 &&
	test \"\$(cdp m2.pem)\" = http://crl.example.org/members/1.crl"
check "and its CRL comes as the complete one (part 0, no IDP) and part 1" bash -c \
	"$(declare -f sig); S='$S'; sig crl -o mparts members &&
	 test \"\$(ls mparts | tr '\n' ' ')\" = 'members-1.crl members.crl ' &&
	 ! openssl crl -in mparts/members.crl -noout -text | grep -q 'Issuing Distribution' &&
	 openssl crl -in mparts/members-1.crl -noout -text | grep -q 'URI:http://crl.example.org/members/1.crl' &&
	 openssl verify -crl_check -x509_strict -CAfile $C/root.pem -untrusted $C/members.pem -CRLfile mparts/members.crl m.pem &&
	 openssl verify -crl_check -x509_strict -CAfile $C/root.pem -untrusted $C/members.pem -CRLfile mparts/members-1.crl m2.pem"

# Configuration checks.
ceremony_file ec-p384 Bad | sed "s|^crl_url = $BASE.crl\$|&\ncrl_partition_size = 10001|" >bad1.ini
refuses "a part of more than 10000 certificates is refused" "crl_partition_size" \
	fe ceremony bad1.ini -o bad1
ceremony_file ec-p384 Bad | sed "s|^crl_url = $BASE.crl\$|crl_url = $BASE\ncrl_partition_size = 2|" >bad2.ini
refuses "a crl_url that does not end in .crl cannot name parts" "does not end in '.crl'" \
	fe ceremony bad2.ini -o bad2
cp -r A B
sed -i "s|^crl_url = http://crl.example.org/root.crl\$|&\ncrl_partition_size = 2|" B/ca/hierarchy.ini
refuses "the root's CRL is never partitioned" "only a sub-root's CRL is partitioned" \
	fe-signer -c B/signer.ini status

# Over the line: fe signer crl -o DIR gets every part.
cat >>A/signer.ini <<EOC

[link]
device = line-s
key = ca/link.key
EOC
install -m 600 A/ca/link.key client.key
# Background processes killed on purpose must not report leaks.
ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 fe-linesim --link-a "$PWD/line-c" --link-b "$PWD/A/line-s" --baud 115200 >sim.out 2>&1 &
SIM=$!
for _ in $(seq 50); do grep -q ready sim.out 2>/dev/null && break; sleep 0.1; done
ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 fe-signer -c A/signer.ini $S serve >signer.out 2>&1 &
SIG=$!
fs() { fe signer --device line-c --key client.key --timeout 30 "$@"; }
check "fe signer crl -o DIR over the line writes every part" bash -c \
	"$(declare -f fs); fs crl -o linked server && test \"\$(ls linked | tr '\n' ' ')\" = 'server-1.crl server-2.crl server-3.crl '"
check "they verify and carry cRLNumber 3" bash -c \
	"for p in 1 2 3; do openssl crl -in linked/server-\$p.crl -CAfile $C/server.pem -noout -verify 2>&1 | grep -q 'verify OK' &&
	 test \"\$(openssl crl -in linked/server-\$p.crl -noout -crlnumber)\" = crlNumber=0x03 || exit 1; done"
check "without -o the parts come PEM-concatenated on stdout" bash -c \
	"$(declare -f fs); test \$(fs crl server | grep -c 'BEGIN X509 CRL') -eq 3"
check "an unpartitioned sub-root over the line: one file as before" bash -c \
	"$(declare -f fs); fs crl -o code.crl code && openssl crl -in code.crl -CAfile $C/code.pem -noout -verify 2>&1 | grep -q 'verify OK'"
check "the request log verifies" fe log verify A/signer-requests.log
done_testing
