#!/usr/bin/env bash
# demo.sh - `make demo ONCE=1`'s walkthrough runs to the end, and what it
# leaves behind is real: a ceremony, certificates that verify, a revoked
# certificate on a verified CRL, a request log that verifies; and fe-web's
# path from sign-up to a certificate that verifies and that fe-status knows.
. "$(dirname "$0")/lib.sh"

check "the demo walkthrough exits 0" env ONCE=1 FE_DEMO_OUT="$PWD/out" "$FE_ROOT/scripts/demo"
D=out
check "the TLS certificate verifies against the demo root" \
	openssl verify -x509_strict -CAfile $D/ca/certs/root.pem -untrusted $D/ca/certs/server.pem $D/www.example.org.pem
check "the S/MIME certificate verifies" \
	openssl verify -x509_strict -CAfile $D/ca/certs/root.pem -untrusted $D/ca/certs/members.pem $D/alice.pem
check "the demo names are public names, never localhost" bash -c \
	"! openssl x509 -in $D/www.example.org.pem -noout -text | grep -qi localhost"
check "the CRL lists the revoked demo certificate" bash -c \
	"openssl verify -crl_check -CAfile $D/ca/certs/root.pem -untrusted $D/ca/certs/server.pem -CRLfile $D/server.crl $D/www.example.org.pem 2>&1 | grep -q 'certificate revoked'"
check "the signer's request log verifies" fe log verify $D/signer-requests.log
check "the ceremony transcript verifies" fe log verify $D/ca/ceremony.log
check "the demo issued over the serial line (link sessions in the signer's log)" \
	grep -q 'link.session' $D/signer-requests.log
check "the log extracted over the line verifies and matches the signer's" bash -c \
	"fe log verify $D/signer-extracted.log && n=\$(wc -l <$D/signer-extracted.log) && head -n \$n $D/signer-requests.log | cmp - $D/signer-extracted.log"
check "fe-watch alerted on the unauthorized edit of signer.ini" \
	grep -q 'unauthorized change: file:[^"]*signer.ini changed' $D/watch/alerts.jsonl
check "... and accepted the edit under ticket 1 without an alert" bash -c \
	"fe log show $D/watch/state/watch.log | grep -q 'change.authorized ticket=1 key=file:.*signer.ini' && [ \$(grep -c . $D/watch/alerts.jsonl) -eq 1 ]"
check "the watch log verifies" fe log verify $D/watch/state/watch.log
check "the OCSP response from before revocation says good, signed by a delegated responder" bash -c \
	"openssl ocsp -no_nonce -respin $D/www.example.org-good.ocsp -issuer $D/ca/certs/server.pem -cert $D/www.example.org.pem -CAfile $D/ca/certs/root.pem 2>&1 | grep -q 'www.example.org.pem: good'"
check "the one from after says revoked, keyCompromise" bash -c \
	"openssl ocsp -no_nonce -respin $D/www.example.org-revoked.ocsp -issuer $D/ca/certs/server.pem -cert $D/www.example.org.pem -CAfile $D/ca/certs/root.pem -resp_text 2>&1 | grep -q 'Reason: keyCompromise'"
check "the CRLs fetched from fe-status verify, the server one lists the certificate" bash -c \
	"for s in members server code time; do openssl crl -inform DER -in $D/fetched/\$s.crl -CAfile $D/ca/certs/\$s.pem -noout -verify 2>&1 | grep -q 'verify OK' || exit 1; done &&
	 openssl crl -inform DER -in $D/fetched/server.crl -noout -text | grep -qi \$(openssl x509 -in $D/www.example.org.pem -noout -serial | cut -d= -f2)"
check "the time stamp reply verifies against its query" bash -c \
	"openssl ts -verify -in $D/demo.tsr -queryfile $D/demo.tsq -CAfile $D/ca/certs/root.pem -untrusted $D/ca/certs/time.pem 2>&1 | grep -q 'Verification: OK'"
check "fe-web's certificate verifies against the demo chain (openssl -x509_strict)" \
	openssl verify -x509_strict -purpose sslserver -CAfile $D/ca/certs/root.pem -untrusted $D/web/chain.pem $D/web/www.example.org.pem
check "... its chain is the TLS sub-root and the root, and it names what was asked" bash -c \
	"cat $D/ca/certs/server.pem $D/ca/certs/root.pem | cmp - $D/web/chain.pem &&
	 openssl x509 -in $D/web/www.example.org.pem -noout -ext subjectAltName | tr -d ' ' | grep -qx 'DNS:www.example.org,DNS:example.org'"
check "the confirmation mail is in the SMTP sink's store, with its link" bash -c \
	"grep -q '^X-Sink-Rcpt-To: <alice@example.org>' $D/mail/1.eml && grep -q '#confirm=' $D/mail/1.txt"
check "the domain was verified by the DNS TXT record (nsd) and the request issued over the line" bash -c \
	"fe log show $D/web/web.log | grep -q 'domain.verified' && grep -q 'link.session' $D/signer-requests.log &&
	 grep -q \"\$(openssl x509 -in $D/web/www.example.org.pem -noout -serial | cut -d= -f2 | tr A-F a-f)\" $D/signer-requests.log"
check "fe-web pushed it to fe-status: the OCSP response says good" bash -c \
	"openssl ocsp -no_nonce -respin $D/web/www.example.org.ocsp -issuer $D/ca/certs/server.pem -cert $D/web/www.example.org.pem -CAfile $D/ca/certs/root.pem 2>&1 | grep -q 'www.example.org.pem: good'"
check "fe-web's log verifies" fe log verify $D/web/web.log
check "the demo leaves no service running after ONCE=1" bash -c \
	"! pgrep -f 'fe-linesi[m] --link-a $PWD/out' >/dev/null && ! pgrep -f 'fe-watc[h] -c $PWD/out' >/dev/null &&
	 ! pgrep -f 'fe-statu[s] -c status/status.ini' >/dev/null && ! pgrep -f 'fe-we[b] -c web/web.ini' >/dev/null &&
	 ! pgrep -f 'smtp-sin[k] 0 $PWD/out/mail' >/dev/null && ! pgrep -f 'ns[d] -c $PWD/out/dns/nsd.conf' >/dev/null"
done_testing
