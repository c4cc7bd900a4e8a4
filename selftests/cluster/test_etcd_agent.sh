#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Agents that read the desired state from etcd, in the VM: two hosts (each a
# network namespace with its vnicgw link and its agent) reach a real etcd
# over a management bridge. vnicctl apply --etcd makes every kernel equal to
# the document; one changed VNIC is one key, and the kernels follow (time
# from the write to every kernel: p50/p99 over 100 changes); a bad object
# is refused, naming its key, and the kernels keep the last good state;
# etcd killed and restarted: the agents resume from their revision; a
# compaction meanwhile: they read everything again; membership: agents
# join under a lease, leave on SIGTERM at once and on SIGKILL when the
# lease expires, a duplicate host id waits, and the owner tables of all
# agents agree (and equal owner-sim's).
#
# Every wait is a poll with a deadline; etcd and the agents are stopped by
# their pids. Runs in the VM: tools/vm run selftests/run-vm.sh cluster/test_etcd_agent.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/cluster_lib.sh"	# with ../lib.sh, agent_lib.sh, etcd_lib.sh

trap cluster_cleanup EXIT

DATA=$VGW_ROOT/user/tests/data
P=/vgwt/
TTL=3
# Under the debug kernel (VGW_SLOW) the step between a SIGKILL and the
# check that the member is still there takes longer than 3 s: a lease long
# enough for that, and longer than the (scaled) wait that a SIGTERM's
# revocation must beat.
[ "$VGW_SLOW" -gt 1 ] && TTL=$((4 * VGW_SLOW))

tap_begin
load_module

# --- the management network and etcd -----------------------------------------

cluster_setup 3 || exit 1

both_equal() # FILE: both hosts' kernels hold document FILE
{
	same_state vgwt-h1 "$1" && same_state vgwt-h2 "$1"
}

# --- the document from etcd into both kernels --------------------------------------

expect_ok "vnicctl apply --etcd writes the document" \
	vnicctl apply "${E[@]}" "$DATA/example.json"
start_host 1
start_host 2
expect_within "both agents make their kernel equal to the document in etcd" 20 \
	both_equal "$DATA/example.json"
expect_ok "... h1 logs one line per object it added" grep -q -- '+ vnic vnic-a1$' "$WORK/h1.log"
expect_ok "... and says where the document came from" \
	log_has h2 "etcd $AG_URL $P: loaded \\(etcd revision [0-9]+, [0-9]+ route rules\\)"

# --- one VNIC changes: one key, both kernels ------------------------------------

jq '(.vnics[] | select(.id == "vnic-fw") | .conntrack_limit) = 1234' \
	"$DATA/example.json" >"$WORK/doc2.json"
out=$(vnicctl apply "${E[@]}" "$WORK/doc2.json")
expect_eq "changing one VNIC writes one key" "~ vnic vnic-fw" "$(grep '^[-+~] ' <<<"$out")"
expect_within "both kernels follow" 10 both_equal "$WORK/doc2.json"
expect_ok "... each applying only that VNIC" \
	bash -c "grep -q -- '~ vnic vnic-fw$' $WORK/h1.log && grep -q -- '~ vnic vnic-fw$' $WORK/h2.log"
expect_ok "... and saying which etcd revision it applied" \
	log_has h1 "applied etcd $AG_URL $P \\(etcd revision [0-9]+, [0-9]+ route rules\\): 0 added, 1 changed, 0 removed"

if out=$(vgw-etcd-latency --etcd "$ETCD_URL" --etcd-prefix "$P" --doc "$WORK/doc2.json" \
		--vnic vnic-fw --netns vgwt-h1,vgwt-h2 --count 100 2>&1); then
	ok "100 changes, each in both kernels within 10 s"
else
	not_ok "100 changes, each in both kernels within 10 s"
fi
echo "$out" | diag
# The latency is a figure (printed above), not an assertion: a timed test on a
# shared, emulated machine proves nothing. The aim (p99 <= 1 s) is read off
# the print and off `make bench-cluster`.
p99=$(sed -n 's/.*p99 \([0-9.]*\) ms.*/\1/p' <<<"$out")
expect_ok "... and the latency figures were measured (p99 ${p99:-?} ms)" test -n "$p99"
vnicctl apply "${E[@]}" "$WORK/doc2.json" >/dev/null
expect_within "(back to doc2)" 10 both_equal "$WORK/doc2.json"

# --- a bad object is refused, naming its key ----------------------------------------

g1=$(ns_gen vgwt-h1) || exit 1
bad=$(etcdctl_t get "$P"objects/vnic/vnic-fw --print-value-only | jq -c '.private_ips = ["10.1.9.5"]')
etcdctl_t put "$P"objects/vnic/vnic-fw "$bad" >/dev/null
expect_within "a bad object written by hand is refused with the validator's message and its key" 10 \
	log_has h1 "state refused, the kernel keeps the last good state: ${P}objects/vnic/vnic-fw: private_ips\\[0\\]: 10\\.1\\.9\\.5 is outside subnet"
expect_within "... by both agents" 10 log_has h2 "state refused.*${P}objects/vnic/vnic-fw"
expect_ok "... the kernels keep the last good state" both_equal "$WORK/doc2.json"
expect_eq "... untouched (same generation)" "$g1" "$(ns_gen vgwt-h1)"
vnicctl apply "${E[@]}" "$WORK/doc2.json" >/dev/null
expect_within "a good value again: logged as valid again, nothing to apply" 10 \
	log_has h1 "valid again, the same document as in force"
expect_eq "... the generation still did not move" "$g1" "$(ns_gen vgwt-h1)"

# --- etcd killed and restarted: resume from the revision ---------------------------

reads1=$(count_in h1 "read [0-9]+ keys under")
etcd_stop KILL
expect_within "etcd killed: both agents notice the lost watch" 10 \
	bash -c "grep -q 'lost the etcd watch' $WORK/h1.log && grep -q 'lost the etcd watch' $WORK/h2.log"
jq '(.vnics[] | select(.id == "vnic-a1") | .conntrack_limit) = 4321' \
	"$WORK/doc2.json" >"$WORK/doc3.json"
expect_ok "... the kernels keep their state meanwhile" both_equal "$WORK/doc2.json"
etcd_start "$WORK/etcd" "$URLS" || exit 1
expect_within "etcd back: both agents watch again" 15 \
	bash -c "[ \$(grep -c 'watching $P from revision' $WORK/h1.log) -ge 2 ] &&
		 [ \$(grep -c 'watching $P from revision' $WORK/h2.log) -ge 2 ]"
vnicctl apply "${E[@]}" "$WORK/doc3.json" >/dev/null
expect_within "... and a change made after the restart reaches both kernels" 10 \
	both_equal "$WORK/doc3.json"
expect_eq "... resumed from their revision, without reading everything again" \
	"$reads1" "$(count_in h1 "read [0-9]+ keys under")"

# --- a compaction while the agents were away: they read everything -------------------

etcd_stop KILL
ALT=http://127.0.0.1:$(free_port)
etcd_start "$WORK/etcd" "$ALT" || exit 1	# out of the agents' reach
E=(--etcd "$ETCD_URL" --etcd-prefix "$P")
jq '(.vnics[] | select(.id == "vnic-a1") | .conntrack_limit) = 4322' "$WORK/doc3.json" >"$WORK/doc4.json"
jq 'del(.nsgs) | (.vnics[] | select(.id == "vnic-a1") | .nsgs) = []' "$WORK/doc4.json" >"$WORK/doc5.json"
vnicctl apply "${E[@]}" "$WORK/doc4.json" >/dev/null
vnicctl apply "${E[@]}" "$WORK/doc5.json" >/dev/null
etcdctl_t compact "$(etcd_rev)" >/dev/null
etcd_stop TERM
etcd_start "$WORK/etcd" "$URLS" || exit 1
E=(--etcd "$ETCD_URL" --etcd-prefix "$P")
expect_within "etcd compacted past their revision: both agents read everything again" 20 \
	bash -c "grep -q 'compacted its history' $WORK/h1.log && grep -q 'compacted its history' $WORK/h2.log"
expect_within "... and their kernels hold the document written meanwhile" 10 \
	both_equal "$WORK/doc5.json"
expect_ok "... the NSG removed meanwhile is gone" bash -c "grep -q -- '- nsg nsg-web$' $WORK/h2.log"

# --- SIGHUP, --once, no document ---------------------------------------------------------

reads2=$(count_in h2 "read [0-9]+ keys under")
kill -HUP "$PID_H2"
expect_within "SIGHUP reads every key again" 10 \
	bash -c "[ \$(grep -Ec 'read [0-9]+ keys under' $WORK/h2.log) -gt $reads2 ]"
expect_ok "--once --etcd applies the document from etcd and exits 0" \
	vnicgw-agent --once --netns vgwt-h3 --link gw0 --etcd "$AG_URL" --etcd-prefix "$P"
expect_ok "... the kernel holds it" same_state vgwt-h3 "$WORK/doc5.json"
g3=$(ns_gen vgwt-h3) || exit 1
expect_fail_msg "--once from a prefix with no document exits 1, saying so" \
	"no document in etcd: no key under /vgwt-none/objects/" \
	vnicgw-agent --once --netns vgwt-h3 --etcd "$AG_URL" --etcd-prefix /vgwt-none/
expect_eq "... and leaves the kernel alone" "$g3" "$(ns_gen vgwt-h3)"

# --- membership and the owner table ----------------------------------------------------

O1=$WORK/h1.owners O2=$WORK/h2.owners O3=$WORK/h3.owners
expect_within "both agents are members: their owner tables list h1 and h2" 10 \
	members_are '["h1","h2"]' "$O1" "$O2"
expect_ok "... the two tables are the same" tables_agree "$O1" "$O2"
fp=$(owner-sim --table h2,h1 | awk '/^fingerprint/ {print $2}')
expect_eq "... and the one owner-sim computes for h1, h2" "$fp" "$(jq -r .fingerprint "$O1")"
# h1 is member 0: its slots are the zeros of the written table.
h1_slots=$(jq '[.owner[] | select(. == 0)] | length' "$O1")
expect_ok "... logged with the share of slots this host owns ($h1_slots, as the written table says)" \
	log_has h1 "owner table: 2 members \\(h1 h2\\), 65537 slots, fingerprint $fp; h1 owns $h1_slots slots"

start_host 3
expect_within "a third agent joins: every table lists h1, h2, h3" 20 \
	members_are '["h1","h2","h3"]' "$O1" "$O2" "$O3"
expect_ok "... the three tables agree" tables_agree "$O1" "$O2" "$O3"
expect_eq "... and equal owner-sim's" "$(owner-sim --table h1,h2,h3 | awk '/^fingerprint/ {print $2}')" \
	"$(jq -r .fingerprint "$O3")"
expect_within "... and h3's kernel got the document too" 10 same_state vgwt-h3 "$WORK/doc5.json"

stop_agent TERM 10
expect_eq "SIGTERM: h3 exits 0" 0 "$AGENT_RC"
expect_ok "... saying it left" log_has h3 "left the cluster"
expect_within "... and the others drop it at once (the lease is revoked, no TTL wait)" 3 \
	members_are '["h1","h2"]' "$O1" "$O2"

start_host 3
expect_within "h3 again: three members" 20 members_are '["h1","h2","h3"]' "$O1" "$O2"
stop_agent KILL 5
expect_eq "SIGKILL: right after, h3 is still a member (its lease runs)" "h1 h2 h3" \
	"$(vnicctl-etcd "${E[@]}" members | xargs)"
t0=$(date +%s%N)
expect_within "... and is dropped when the lease expires (TTL $TTL s)" $((TTL + 5)) \
	members_are '["h1","h2"]' "$O1" "$O2"
echo "dropped $(( ($(date +%s%N) - t0) / 1000000 )) ms after SIGKILL (TTL ${TTL} s)" | diag

start_agent "$WORK/dup.log" --netns vgwt-h3 --etcd "$AG_URL" --etcd-prefix "$P" \
	--host-id h1 --member-ttl $TTL
expect_within "a second agent with host id h1 waits instead of taking the key" 10 \
	log_has dup "host id h1 is registered already"
stop_agent TERM 10
expect_eq "... and when it stops, h1 is still a member" "h1 h2" "$(vnicctl-etcd "${E[@]}" members | xargs)"

AGENT_PID=$PID_H1
stop_agent TERM 10
expect_within "h1 stopped: h2's table has h2 alone" 5 members_are '["h2"]' "$O2"
expect_ok "... h1's kernel keeps its tables" same_state vgwt-h1 "$WORK/doc5.json"
vnicctl apply "${E[@]}" "$WORK/doc2.json" >/dev/null
start_host 1
expect_within "h1 restarted: back in the table of both" 20 members_are '["h1","h2"]' "$O1" "$O2"
expect_within "... and its kernel catches up with the change made while it was away" 10 \
	same_state vgwt-h1 "$WORK/doc2.json"

tap_end
