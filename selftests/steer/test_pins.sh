#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Where the steering program's maps live (user/lib/steering.h): vnicgw-agent
# pins them in /sys/fs/bpf/vnicgw/netns-<inode of its namespace>/, and
# vnicctl steering reads them there, not any map that happens to be called
# steer_counters. A restart replaces the pins, SIGTERM removes them, pins of
# a killed agent count for nothing and go at the next start of any agent; a
# host without a BPF filesystem gets one mounted, or the agent says how.
# Steering needs no module: none is loaded (the agent retries its netlink
# in the background). Runs in the VM.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
. "$here/../agent/agent_lib.sh"
trap 'rm -rf /sys/fs/bpf/vgwt-decoy /sys/fs/bpf/vnicgw/netns-1 /sys/fs/bpf/vnicgw/vgwt-notes;
	agent_cleanup; netns_cleanup' EXIT

STATE=$VGW_ROOT/user/tests/data/example.json
H=vgwt-h	# the agent's namespace: ul0
P=vgwt-p	# the other ends of the ul0s
K=vgwt-k	# a namespace whose agent is killed, then the namespace deleted
ROOT=/sys/fs/bpf/vnicgw

tap_begin
for ns in $H $P $K; do
	ip netns add $ns
	ip -n $ns link set lo up
done
ip link add ul0 netns $H type veth peer name ul0 netns $P
ip -n $H link set ul0 up
ip -n $P link set ul0 up
ip link add ul0 netns $K type veth peer name ulk netns $P
ip -n $K link set ul0 up
ip -n $P link set ulk up

dir=$ROOT/netns-$(stat -L -c %i /run/netns/$H)
kdir=$ROOT/netns-$(stat -L -c %i /run/netns/$K)

# The id of the map pinned as $1, of the program attached to ul0 in $2.
pinned_id() { bpftool -j map show pinned "$1" 2>/dev/null | jq -r '.id // empty'; }
attached_maps()
{
	local prog

	prog=$(ip -n "$2" -j -d link show "$1" | jq -r '.[0].xdp.prog.id // empty')
	[ -n "$prog" ] && bpftool -j prog show id "$prog" | jq -c '.map_ids // []'
}
uses_map() { attached_maps ul0 $H | jq -e "index($1) != null" >/dev/null; }
steering_ids() { vnicctl -j steering | jq -c '[.[].map_id]'; }
attached() { ip -n "$1" -o link show ul0 | grep -q ' xdp'; }

start_agent "$WORK/h1.log" --netns $H --state "$STATE" --xdp-if ul0 --xdp-mode auto
expect_ok "the agent attaches to ul0" wait_until 10 attached $H
expect_ok "it pins cpu_map, steer_config and steer_counters in $ROOT/netns-<its namespace's inode>" \
	test -e "$dir/cpu_map" -a -e "$dir/steer_config" -a -e "$dir/steer_counters"
id1=$(pinned_id "$dir/steer_counters")
expect_ok "the pinned steer_counters (${id1:-none}) is the attached program's map ($(attached_maps ul0 $H))" \
	uses_map "${id1:-none}"
expect_eq "vnicctl steering reads the pinned map" "[$id1]" "$(steering_ids)"

# Another program's maps of the same name: one outside the directory, one
# of the wrong type in a directory of the right form; a directory whose
# name is not netns-<inode>.
bpftool map create /sys/fs/bpf/vgwt-decoy type percpu_array key 4 value 8 \
	entries 8 name steer_counters
mkdir -p $ROOT/netns-1 $ROOT/vgwt-notes
bpftool map create $ROOT/netns-1/steer_counters type hash key 4 value 8 \
	entries 8 name steer_counters
decoy=$(pinned_id /sys/fs/bpf/vgwt-decoy)
expect_ok "a decoy map named steer_counters exists ($decoy)" test -n "$decoy"
expect_eq "vnicctl steering does not read a decoy named steer_counters, nor a map of another type" \
	"[$id1]" "$(steering_ids)"
expect_eq "... nor from inside ip netns exec (a new /sys without a BPF filesystem)" \
	"[$id1]" "$(ip netns exec $H vnicctl -j steering | jq -c '[.[].map_id]')"
rm -rf /sys/fs/bpf/vgwt-decoy $ROOT/netns-1 $ROOT/vgwt-notes

# SIGKILL: the links go with the process; the pins stay, counting nothing.
stop_agent KILL 5
expect_ok "after SIGKILL the program leaves ul0" wait_until 5 eval '! attached $H'
expect_ok "... the pins stay (nothing ran to remove them)" test -e "$dir/steer_counters"
expect_eq "... and vnicctl steering does not show them: no program uses them" "[]" "$(steering_ids)"

start_agent "$WORK/h2.log" --netns $H --state "$STATE" --xdp-if ul0 --xdp-mode auto
hpid=$AGENT_PID
expect_ok "a restarted agent attaches again" wait_until 10 attached $H
id2=$(pinned_id "$dir/steer_counters")
expect_ok "it replaced the pins: steer_counters is a new map ($id1 -> $id2)" \
	test -n "$id2" -a "$id2" != "$id1"
expect_ok "... the attached program's ($(attached_maps ul0 $H))" \
	uses_map "${id2:-none}"
expect_eq "vnicctl steering shows the new program only" "[$id2]" "$(steering_ids)"

# An agent killed in a namespace that is then deleted: the next agent to
# start anywhere removes its pins.
start_agent "$WORK/k.log" --netns $K --state "$STATE" --xdp-if ul0 --xdp-mode generic
expect_ok "an agent in a second namespace pins in its own directory" \
	wait_until 10 test -e "$kdir/steer_counters"
kid=$(pinned_id "$kdir/steer_counters")
kid=${kid:-none}	# (then jq fails: the expected list is empty)
expect_eq "vnicctl steering shows both agents, by namespace inode" \
	"$(printf '%s\n' "$dir $id2" "$kdir $kid" | sort -V | awk '{print $2}' | jq -sc .)" \
	"$(steering_ids)"
stop_agent KILL 5
ip netns del $K
AGENT_PID=$hpid
stop_agent TERM 5
expect_eq "the agent exits 0 on SIGTERM" 0 "$AGENT_RC"
expect_ok "... and removes its pin directory" test ! -e "$dir"
expect_eq "... vnicctl steering then shows no program" "[]" "$(steering_ids)"
expect_ok "the killed agent's pins are still there" test -e "$kdir/steer_counters"
start_agent "$WORK/h3.log" --netns $H --state "$STATE" --xdp-if ul0 --xdp-mode auto
expect_ok "the next agent to start removes them (a pinned cpumap keeps kernel threads)" \
	wait_until 10 test ! -e "$kdir"
expect_ok "... and says so" grep -q "$kdir: left by an agent that was killed" "$WORK/h3.log"
stop_agent TERM 5

# No BPF filesystem: a private mount and PID namespace (PID 1's /sys/fs/bpf,
# where the agent would look next, is then the one without it too).
nobpffs()
{
	ip netns exec $H unshare -m -p -f --mount-proc bash -c '
		umount /sys/fs/bpf 2>/dev/null
		[ "$(stat -f -c %T /sys/fs/bpf)" != bpf_fs ] || exit 99
		'"$1"
}
out=$(nobpffs 'vnicgw-agent --state '"$STATE"' --xdp-if ul0 2>&1 & p=$!
	for i in $(seq 100); do
		[ -e /sys/fs/bpf/vnicgw/netns-*/steer_counters ] && break
		sleep 0.1
	done
	stat -f -c "fs %T" /sys/fs/bpf; kill -TERM $p; wait $p')
expect_ok "without a BPF filesystem the agent mounts one on /sys/fs/bpf and pins there" \
	grep -q "^fs bpf_fs" <<<"$out"
expect_ok "... and says so" grep -q "mounted a BPF filesystem on /sys/fs/bpf" <<<"$out"
echo "$out" | diag
expect_fail_msg "... and without the right to mount one it refuses to start, saying how to mount it" \
	"not a BPF filesystem.*mount -t bpf bpf /sys/fs/bpf" \
	nobpffs "timeout 10 capsh --drop=cap_sys_admin -- -c 'vnicgw-agent --state $STATE --xdp-if ul0'"
expect_ok "... leaving ul0 without a program" eval '! attached $H'
tap_end
