#!/usr/bin/env bash
# change.sh - change tickets under four eyes (POLICY.md M1, M2, M4;
# docs/change-tickets.md): fe change open/approve/review/show/list with real
# ssh-keygen keys; the opener cannot approve or review, an unknown key is
# refused, a signature copied from another ticket does not verify, an edited
# body is refused, and the signatures verify with ssh-keygen itself.
. "$(dirname "$0")/lib.sh"

for n in alice bob carol mallory; do
	rm -f "$n.key" "$n.key.pub"
	ssh-keygen -q -t ed25519 -N '' -C "$n" -f "$n.key" || { notok "ssh-keygen $n"; exit 1; }
done
: >allowed
for n in alice bob carol; do
	echo "$n namespaces=\"foureyes-change\" $(cut -d' ' -f1,2 "$n.key.pub")" >>allowed
done
T=tickets
rm -rf $T
A="--allowed-signers allowed"

open_ticket() {   # open_ticket BY KEY [extra args] > id
	local by=$1 key=$2; shift 2
	fe change open --dir $T --by "$by" --key "$key" --host signer1,web1 \
		--change '/etc/nginx/*' --change 'pkg:nginx' --start now --end +2h \
		--reason "nginx update" $A "$@"
}

check "alice opens ticket 1" bash -c "$(declare -f open_ticket); T=$T A='$A'; open_ticket alice alice.key >id1 && test \"\$(cat id1)\" = 1"
check "the body is canonical, paths normalised to file:" grep -qx 'change: file:/etc/nginx/\*' $T/1/ticket
check "open.sig verifies with ssh-keygen -Y verify as alice (peer tool)" bash -c \
	"fe change statement 1 open --dir $T | ssh-keygen -Y verify -f allowed -I alice -n foureyes-change -s $T/1/open.sig"
refuses "opening as alice with bob's key is refused" "is bob's key" \
	bash -c "$(declare -f open_ticket); T=$T A='$A'; open_ticket alice bob.key"
check "and leaves nothing behind (no ticket 2, no .new)" bash -c "test ! -e $T/2 && test ! -e $T/.new"
refuses "mallory (not in allowed signers) cannot open" "not in the allowed signers" \
	bash -c "$(declare -f open_ticket); T=$T A='$A'; open_ticket mallory mallory.key"
check "bob opens ticket 2" bash -c "$(declare -f open_ticket); T=$T A='$A'; open_ticket bob bob.key >id2 && test \"\$(cat id2)\" = 2"

refuses "alice cannot approve her own ticket (four eyes)" "who opened the ticket: four eyes" \
	fe change approve 1 --dir $T --key alice.key $A
check "nothing was written" test ! -e $T/1/approve.sig
refuses "mallory's approval is refused (unknown key)" "not in the allowed signers" \
	fe change approve 1 --dir $T --key mallory.key $A
check "nothing was written" test ! -e $T/1/approve.sig
refuses "a review before the approval is refused" "not approved yet" \
	fe change review 1 --dir $T --key carol.key --note "done" $A
check "bob approves ticket 1" fe change approve 1 --dir $T --key bob.key $A
check "approve.sig verifies with ssh-keygen -Y verify as bob (peer tool)" bash -c \
	"fe change statement 1 approve --dir $T | ssh-keygen -Y verify -f allowed -I bob -n foureyes-change -s $T/1/approve.sig"
refuses "a second approval is refused" "already approved by bob" \
	fe change approve 1 --dir $T --key carol.key $A

# Signatures over another ticket or another action: carol signs ticket 1's
# approve statement (and ticket 2's open statement) offline and offers them
# as approvals of ticket 2.
fe change statement 1 approve --dir $T >stmt1
ssh-keygen -Y sign -q -f carol.key -n foureyes-change <stmt1 >carol-1.sig 2>/dev/null
refuses "a signature over ticket 1 is refused for ticket 2 (--sig)" "does not verify" \
	fe change approve 2 --dir $T --sig carol-1.sig $A
check "nothing was written" test ! -e $T/2/approve.sig
fe change statement 2 open --dir $T >stmt2o
ssh-keygen -Y sign -q -f carol.key -n foureyes-change <stmt2o >carol-open.sig 2>/dev/null
refuses "a signature over another action (open) is refused" "does not verify" \
	fe change approve 2 --dir $T --sig carol-open.sig $A
cp $T/1/approve.sig $T/2/approve.sig
refuses "an approve.sig copied by hand into ticket 2: show reports it REFUSED" "REFUSED" \
	fe change show 2 --dir $T $A
refuses "and list too" "does not verify" fe change list --dir $T $A
rm $T/2/approve.sig
fe change statement 2 approve --dir $T >stmt2
ssh-keygen -Y sign -q -f alice.key -n foureyes-change <stmt2 >alice-2.sig 2>/dev/null
check "alice approves ticket 2 offline (ssh-keygen -Y sign, --sig)" \
	fe change approve 2 --dir $T --sig alice-2.sig $A

refuses "alice (the opener) cannot review ticket 1" "who opened the ticket: four eyes" \
	fe change review 1 --dir $T --key alice.key --note "nginx 1.24 installed, config checked" $A
check "nothing was written" bash -c "test ! -e $T/1/review && test ! -e $T/1/review.sig"
check "carol reviews ticket 1" \
	fe change review 1 --dir $T --key carol.key --note "nginx 1.24 installed, config checked" $A
check "review.sig verifies with ssh-keygen -Y verify as carol (peer tool)" bash -c \
	"fe change statement 1 review --dir $T --note 'nginx 1.24 installed, config checked' |
	 ssh-keygen -Y verify -f allowed -I carol -n foureyes-change -s $T/1/review.sig"
check "show reports ticket 1 reviewed" bash -c "fe change show 1 --dir $T $A | grep -qx 'state: reviewed'"
check "list shows both tickets" bash -c "fe change list --dir $T $A >list.out && grep -q '^1 .*reviewed.*alice.*bob' list.out && grep -q '^2 .*approved.*bob.*alice' list.out"

# A key listed twice (for alice and for dave) is ambiguous.
cp allowed allowed2
echo "dave $(cut -d' ' -f1,2 alice.key.pub)" >>allowed2
refuses "a key listed for two principals is refused as ambiguous" "ambiguous" \
	fe change show 1 --dir $T --allowed-signers allowed2

check "fe log verify tickets/log" fe log verify $T/log
check "the log has the events and the refusals" bash -c \
	"fe log show $T/log >log.out && grep -q 'change.open ticket=1 by=alice' log.out &&
	 grep -q 'change.approve ticket=1 by=bob' log.out && grep -q 'change.review ticket=1 by=carol' log.out &&
	 grep -q 'change.refused ticket=1 action=approve' log.out"

# Editing the body after approval.
sed -i 's/reason: nginx update/reason: nginx update and sshd/' $T/1/ticket
refuses "an edited body makes show report the ticket REFUSED" "REFUSED" fe change show 1 --dir $T $A
refuses "and list" "open.sig" fe change list --dir $T $A
refuses "and a new approval is refused" "refused" fe change approve 1 --dir $T --key carol.key $A

# Emergency tickets, times and ids.
check "an emergency ticket with an RFC 3339 window" bash -c "fe change open --dir $T --by carol --key carol.key \
	--host '*' --change 'unit:*' --start 2026-11-23T10:00:00Z --end 2026-11-23T12:00:00Z \
	--reason 'disk full' --emergency $A >id3 && test \"\$(cat id3)\" = 3 && grep -qx 'emergency: yes' $T/3/ticket"
refuses "an emergency ticket must be approved before review" "not approved yet" \
	fe change review 3 --dir $T --key alice.key --note "cleaned up" $A
refuses "a window that ends before it starts is refused" "window must end after it starts" \
	fe change open --dir $T --by carol --key carol.key --host h --change x --start +2h --end now --reason r $A
rm -rf $T/3
check "ids are never reused (ticket 3 removed, next is 4)" bash -c "$(declare -f open_ticket); T=$T A='$A'; open_ticket carol carol.key >id4 && test \"\$(cat id4)\" = 4"
check "fe log verify tickets/log at the end" fe log verify $T/log
done_testing
