#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The cluster in the kernel (CLUSTER_SET / CLUSTER_GET), in the VM.
#
# By hand, with vnicctl cluster: the kernel takes a member set and gives it
# back (self, members sorted, size, epoch bumped by every set); its owner
# table's fingerprint is owner-sim's for the same ids and size; it refuses a
# duplicate id, a self that is not a member, a size that is not a prime, an
# address that is not 4 or 16 bytes and too many members, naming the field,
# and a refusal changes nothing; members without self is "not a member",
# clear is standalone.
#
# With agents and a real etcd: three hosts, each agent with --underlay,
# give their kernels the same table (and owner-sim's); a set changed behind
# an agent's back is set again; SIGKILL one: after its lease the two others
# agree on a two-member table; SIGUSR1 (drain) another with a --drain-cmd:
# the command runs, that host's kernel has no self any more, the last one
# drops it, and the drained agent keeps running until SIGTERM.
#
# Every wait is a poll with a deadline; etcd and the agents are stopped by
# their pids. tools/vm run selftests/run-vm.sh cluster/test_cluster_nl.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/cluster_lib.sh"	# with ../lib.sh, agent_lib.sh, etcd_lib.sh

trap cluster_cleanup EXIT

P=/vgwt-cl/
TTL=3
NS=vgwt-c

tap_begin
load_module

# The owner table's fingerprint as owner-sim computes it: IDS [SIZE].
sim_fp()
{
	owner-sim --table "$1" ${2:+--size "$2"} | awk '/^fingerprint/ {print $2}'
}

# cl NS [JQ]: the namespace's cluster as JSON, or one value of it.
cl()
{
	ip netns exec "$1" vnicctl -j cluster | jq -r "${2:-.}"
}

ctl() { ip netns exec $NS vnicctl "$@"; }

# --- by hand: set, get, refusals ---------------------------------------------

ip netns add $NS
expect_eq "a new namespace is standalone, epoch 0" "standalone 0" \
	"$(cl $NS '"\(.state) \(.epoch)"')"

expect_ok "cluster set: three members, self h1" \
	ctl cluster set --self h1 --member h3=fd00::3 --member h1=10.0.0.1 --member h2=10.0.0.2
expect_eq "GET gives back self, the members sorted with their addresses, the default size" \
	'member h1 65537 h1=10.0.0.1 h2=10.0.0.2 h3=fd00::3' \
	"$(cl $NS '"\(.state) \(.self) \(.size) " + ([.members[] | "\(.id)=\(.addr)"] | join(" "))')"
e1=$(cl $NS .epoch)
expect_eq "... epoch 1 after the first set" 1 "$e1"
fp=$(sim_fp h1,h2,h3)
expect_eq "the kernel's fingerprint is owner-sim's for h1,h2,h3 (with backups)" \
	"$fp" "$(cl $NS .fingerprint)"
expect_eq "... and each member's share of the 65537 slots adds up" 65537 \
	"$(cl $NS '[.members[].slots] | add')"
text_shows() # FP: vnicctl cluster's text has self h1, FP and counters by name
{
	local out
	out=$(ctl cluster) || return 1
	grep -q '^self h1$' <<<"$out" && grep -q "^fingerprint $1$" <<<"$out" &&
		grep -Eq '^  handoff_out +[0-9]+ ' <<<"$out" &&
		grep -Eq '^  h2 +10\.0\.0\.2 +2[12][0-9]{3} slots \(3[34]\.[0-9]%\)$' <<<"$out"
}
expect_ok "vnicctl cluster prints self, fingerprint, shares and the counters by name" \
	text_shows "$fp"
expect_eq "-j has every counter" "handoff_in handoff_out peer_restart resync state_asked sync_failed sync_in sync_out sync_refused unsigned_in" \
	"$(cl $NS '.counters | keys | join(" ")')"

expect_ok "a set with --size 251" \
	ctl cluster set --self h2 --member h1=10.0.0.1 --member h2=10.0.0.2 --member h3=fd00::3 --size 251
expect_eq "... the kernel's fingerprint is owner-sim's for size 251" \
	"$(sim_fp h1,h2,h3 251)" "$(cl $NS .fingerprint)"
expect_eq "... size, self and a new epoch" "251 h2 $((e1 + 1))" "$(cl $NS '"\(.size) \(.self) \(.epoch)"')"
e2=$(cl $NS .epoch)

expect_fail_msg "a duplicate id is refused, naming it" "member h2 is listed twice" \
	ctl cluster set --self h1 --member h1=10.0.0.1 --member h2=10.0.0.2 --member h2=10.0.0.3
expect_fail_msg "a self that is not a member is refused, naming it" 'self "h9" is not among the members' \
	ctl cluster set --self h9 --member h1=10.0.0.1
expect_fail_msg "a size that is not a prime is refused, naming it" "size 65536 is not a prime" \
	ctl cluster set --member h1=10.0.0.1 --size 65536
expect_fail_msg "a size below the member count is refused" "size 2 is not a prime" \
	ctl cluster set --member h1=10.0.0.1 --member h2=10.0.0.2 --member h3=10.0.0.3 --size 2
expect_fail_msg "three backups are refused by the kernel, naming the field" "backups 3 is not between 1 and 2" \
	ctl cluster set --member h1=10.0.0.1 --member h2=10.0.0.2 --backups 3
expect_eq "... and the set before stays (size 251, one backup)" "251 1" \
	"$(cl $NS '"\(.size) \(.backups)"')"
expect_fail_msg "an address of 5 bytes is refused, naming the member and the field" "member h2: addr" \
	ctl cluster set --member h1=10.0.0.1 --member h2=0x0a00000201
expect_fail_msg "an id outside [A-Za-z0-9._-] is refused, naming it" 'members\[1\]: id "h 2"' \
	ctl cluster set --member h1=10.0.0.1 --member "h 2=10.0.0.2"
many=()
for i in $(seq 257); do many+=(--member "x$i=10.1.$((i / 256)).$((i % 256))"); done
expect_fail_msg "257 members are refused (256 at most)" "256" ctl cluster set "${many[@]}"
expect_fail_msg "an address that is not one is refused by vnicctl, naming member and field" \
	'member "h2": addr "10.0.0.x" is not an IP address' \
	ctl cluster set --member h1=10.0.0.1 --member h2=10.0.0.x
expect_eq "the refusals changed nothing (same epoch, same fingerprint)" \
	"$e2 $(sim_fp h1,h2,h3 251)" "$(cl $NS '"\(.epoch) \(.fingerprint)"')"

many=()
for i in $(seq 256); do many+=(--member "x$i=10.1.$((i / 256)).$((i % 256))"); done
expect_ok "256 members are taken" ctl cluster set --self x7 "${many[@]}"
expect_eq "... all of them" 256 "$(cl $NS '.members | length')"
# The largest cluster: 63-byte ids, IPv6 addresses (a reply of ~24 kB, more
# than NLMSG_GOODSIZE: CLUSTER_GET failed past about 80 such members).
many=()
for i in $(seq 0 255); do many+=(--member "$(printf '%063d' "$i")=fd00::$(printf '%x' "$i")"); done
expect_ok "256 members with 63-byte ids and IPv6 addresses are taken" \
	ctl cluster set --self "$(printf '%063d' 7)" "${many[@]}"
expect_eq "... and read back, all of them" "256 $(printf '%063d' 7)" \
	"$(cl $NS '"\(.members | length) \(.self)"')"

expect_ok "members without self: this host is no member (draining)" \
	ctl cluster set --member h1=10.0.0.1 --member h2=10.0.0.2
expect_eq "... GET says not_member, no self" "not_member null" "$(cl $NS '"\(.state) \(.self)"')"
expect_ok "... and vnicctl cluster says so" bash -c "ip netns exec $NS vnicctl cluster | grep -q 'not a member'"
expect_ok "cluster clear" ctl cluster clear
expect_eq "... standalone again, no member, a new epoch" "standalone 0 $((e2 + 4))" \
	"$(cl $NS '"\(.state) \(.members | length) \(.epoch)"')"
ip netns del $NS

# --- three agents and etcd ---------------------------------------------------------

cluster_setup 3 || exit 1
for h in 1 2 3; do
	start_host $h --underlay 10.99.0.1$h --drain-cmd "touch $WORK/drained-h$h" \
		--drain-wait 0.5
done

kernels_are() # FP SELF-OR-MEMBERS NS...: every kernel has fingerprint FP
{
	local want=$1 ns
	shift
	for ns; do
		[ "$(cl "$ns" .fingerprint)" = "$want" ] || return 1
	done
}

fp3=$(sim_fp h1,h2,h3)
expect_within "three agents: all three kernels have owner-sim's table of h1,h2,h3" 20 \
	kernels_are "$fp3" vgwt-h1 vgwt-h2 vgwt-h3
# A kernel learns the members before its host registers (not a member yet),
# so the table can be there a moment before the host knows it is in it.
selves() { for h in 1 2 3; do cl "vgwt-h$h" .self; done | xargs; }
expect_within "... each kernel knows which member it is" 20 \
	eval '[ "$(selves)" = "h1 h2 h3" ]'
[ "$(selves)" = "h1 h2 h3" ] || echo "selves: $(selves)" | diag
expect_eq "... with the underlay addresses the agents were given" \
	"h1=10.99.0.11 h2=10.99.0.12 h3=10.99.0.13" \
	"$(cl vgwt-h2 '[.members[] | "\(.id)=\(.addr)"] | join(" ")')"
expect_eq "... the fingerprint the agents log for their own table" "$fp3" \
	"$(jq -r .fingerprint "$WORK/h1.owners")"
expect_ok "... and the agent logs what it set, with the member count and fingerprint" \
	log_has h1 "cluster: kernel set \\(.*\\): 3 members, h1, epoch [0-9]+, fingerprint $fp3"
expect_ok "... the member key carries the underlay address" \
	bash -c "etcdctl_t get ${P}members/h2 --print-value-only | jq -e '.addr == \"10.99.0.12\"'"

ip netns exec vgwt-h1 vnicctl cluster clear
expect_within "a set cleared behind the agent's back is set again" 10 \
	kernels_are "$fp3" vgwt-h1
expect_within "... and the agent says why" 10 log_has h1 "the kernel's set changed behind the agent"

AGENT_PID=$PID_H3
stop_agent KILL 5
fp2=$(sim_fp h1,h2)
expect_within "SIGKILL h3: after its lease (TTL $TTL s) h1 and h2 agree on the table of h1,h2" \
	$((TTL + 8)) kernels_are "$fp2" vgwt-h1 vgwt-h2
expect_eq "... two members in both kernels" "2 2" \
	"$(cl vgwt-h1 '.members | length') $(cl vgwt-h2 '.members | length')"

kill -USR1 "$PID_H2"
expect_within "SIGUSR1 drains h2: its --drain-cmd runs" 10 test -e "$WORK/drained-h2"
expect_within "... then h2's kernel has no self (not a member), h1 alone in its set" 10 \
	bash -c "[ \"\$(ip netns exec vgwt-h2 vnicctl -j cluster | jq -r '\"\(.state) \(.self) \([.members[].id] | join(\",\"))\"')\" = 'not_member null h1' ]"
fp1=$(sim_fp h1)
expect_within "... and h1's kernel drops h2: the table of h1 alone" 10 kernels_are "$fp1" vgwt-h1 vgwt-h2
expect_ok "... h2 logged each step" bash -c "grep -q 'drain: running --drain-cmd' $WORK/h2.log &&
	grep -q 'drain: waiting 0.5 s' $WORK/h2.log && grep -q 'left the cluster' $WORK/h2.log &&
	grep -q 'drain: done' $WORK/h2.log"
expect_eq "... its member key is gone" "h1" "$(vnicctl-etcd "${E[@]}" members | xargs)"
sleep 1
expect_ok "... and the drained agent keeps running" kill -0 "$PID_H2"
expect_eq "... without joining again" "h1" "$(vnicctl-etcd "${E[@]}" members | xargs)"
AGENT_PID=$PID_H2
stop_agent TERM 10
expect_eq "SIGTERM ends the drained agent with 0" 0 "$AGENT_RC"

tap_end
