#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vnicgw-agent's XDP steering: attaches bpf/steer.bpf.o to veth and dummy
# interfaces (native, generic, auto fallback), fills the cpumap and the
# configuration from the worker CPUs, logs the counters on SIGUSR1,
# re-attaches to an interface that comes back, never takes over another
# program's interface, runs once per namespace, and detaches on SIGTERM (and
# on SIGKILL: the attachment is a BPF link owned by the process). Runs in
# the VM.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
. "$here/agent_lib.sh"
trap 'agent_cleanup; netns_cleanup; unload_module' EXIT

STATE=$VGW_ROOT/user/tests/data/example.json
X=vgwt-x	# the agent's host: v0 (veth), d0 (dummy)
Y=vgwt-y	# the sender: v1, and a VXLAN device over it

# The bytes of a bpftool -j dump as little-endian u32 words.
JQ_WORDS='def hex: ascii_downcase | ltrimstr("0x") | explode |
	reduce .[] as $c (0; . * 16 + (if $c >= 97 then $c - 87 else $c - 48 end));
def words: [range(0; length / 4) as $i | .[$i * 4:$i * 4 + 4] | map(hex) |
	.[0] + .[1] * 256 + .[2] * 65536 + .[3] * 16777216];'

# Where the agent in X pins the maps (user/lib/steering.h).
pin_dir() { echo "/sys/fs/bpf/vnicgw/netns-$(stat -L -c %i /run/netns/$X)"; }

# "CPU:QSIZE ..." for every cpumap entry that exists.
cpumap_entries()
{
	bpftool -j map dump pinned "$(pin_dir)/cpu_map" | jq -r "$JQ_WORDS"'
		[.[] | select(.value | type == "array") |
		 "\(.key | words | .[0]):\(.value | words | .[0])"] | join(" ")'
}

# "N: CPU..." from steer_config: n_cpus, then the first n_cpus slots.
steer_config()
{
	bpftool -j map dump pinned "$(pin_dir)/steer_config" | jq -r "$JQ_WORDS"'
		.[0].value | words | "\(.[0]): \(.[1:.[0] + 1] | map(tostring) | join(" "))"'
}

# The XDP mode ip shows for an interface of X: xdp, xdpgeneric, or none.
xdp_mode_of()
{
	local m

	m=$(ip -n $X -o link show "$1" | grep -Eo ' xdp(generic)? ' | tr -d ' ')
	echo "${m:-none}"
}

is_mode() { [ "$(xdp_mode_of "$1")" = "$2" ]; }

make_veth()
{
	ip link add v0 netns $X type veth peer name v1 netns $Y
	ip -n $X addr add 10.99.0.1/24 dev v0
	ip -n $Y addr add 10.99.0.2/24 dev v1
	ip -n $X link set v0 up
	ip -n $Y link set v1 up
}

online=$(cat /sys/devices/system/cpu/online)
online_list=$(awk -v RS=, -F- '{ e = NF > 1 ? $2 : $1; for (c = $1; c <= e; c++) printf "%s%d", n++ ? " " : "", c }' <<<"$online")
n_online=$(wc -w <<<"$online_list")
last_cpu=${online_list##* }

tap_begin
load_module
ip netns add $X
ip netns add $Y
make_veth
ip -n $X link add d0 type dummy
ip -n $X link set d0 up

# --- an interface that has a program already ------------------------------

ip -n $X link set dev v0 xdpgeneric obj "$VGW_ROOT/build/bpf/xdp_pass.bpf.o" sec xdp
expect_fail_msg "never takes over an interface that has another XDP program" \
	'xdp-if v0: cannot attach in auto mode: .*another XDP program is attached' \
	timeout 20 vnicgw-agent --netns $X --state "$STATE" --xdp-if v0
expect_ok "... which stays attached" \
	bash -c "ip -n $X -o link show v0 | grep -q 'xdpgeneric.*prog/xdp id'"
ip -n $X link set dev v0 xdpgeneric off

# --- native on a veth, every online CPU ------------------------------------

start_agent "$WORK/a.log" --netns $X --state "$STATE" --xdp-if v0 --interval 0.5
expect_within "attaches in native mode to a veth (auto)" 10 is_mode v0 xdp
expect_ok "... the program is the steering program" \
	bash -c "ip -n $X link show v0 | grep -q 'prog/xdp id [0-9]* name vgw_steer'"
# Sized to the kernel's possible CPUs (at most 256): a cpumap larger than
# NR_CPUS is refused (the debug kernel has NR_CPUS 64).
expect_eq "cpu_map: as many entries as possible CPUs" \
	"$(awk -F- '{ n = $NF + 1; print (n > 256 ? 256 : n) }' /sys/devices/system/cpu/possible)" \
	"$(bpftool -j map show pinned "$(pin_dir)/cpu_map" | jq -r .max_entries)"
expect_eq "cpu_map: a queue of 192 for every online CPU by default" \
	"$(for c in $online_list; do printf '%s:192 ' "$c"; done | sed 's/ $//')" \
	"$(cpumap_entries)"
expect_eq "steer_config: n_cpus and the online CPUs in order" \
	"$n_online: $online_list" "$(steer_config)"
expect_within "the tables are applied as well" 10 \
	bash -c "ip netns exec $X vnicctl -j info | jq -e '.objects > 0'"

# Plain IP (ARP, ICMP) passes; VXLAN to 4789 is redirected.
ip netns exec $Y ping -c 3 -i 0.2 -W 1 10.99.0.1 >/dev/null
ip -n $Y link add vx0 type vxlan id 1001 remote 10.99.0.1 dstport 4789 dev v1
ip -n $Y addr add 192.168.77.2/24 dev vx0
ip -n $Y link set vx0 up
ip netns exec $Y ping -c 3 -i 0.2 -W 1 192.168.77.1 >/dev/null
kill -USR1 "$AGENT_PID"
expect_within "SIGUSR1 logs the counters: VXLAN packets were redirected" 5 \
	grep -Eq 'stats: redirected_vxlan [1-9]' "$WORK/a.log"
expect_ok "... and plain packets passed" \
	grep -Eq 'stats: pass_not_tunnel [1-9]' "$WORK/a.log"
expect_ok "... every counter is listed" \
	bash -c "[ \$(grep -c 'stats: ' '$WORK/a.log') -eq 8 ]"

expect_fail_msg "a second agent in the namespace is refused, naming the first" \
	"another vnicgw-agent \\(pid $AGENT_PID\\) runs in this network namespace" \
	timeout 20 vnicgw-agent --netns $X --state "$STATE" --xdp-if d0
expect_ok "... and the first one's attachment stays" is_mode v0 xdp

ip -n $X link del v0
expect_within "notices the interface went away" 5 \
	grep -q 'xdp-if v0: the interface went away' "$WORK/a.log"
make_veth
expect_within "re-attaches when the interface comes back" 5 is_mode v0 xdp

stop_agent TERM 5
expect_eq "SIGTERM: exits 0 within 5 s" 0 "$AGENT_RC"
expect_eq "... v0 has no XDP program any more" none "$(xdp_mode_of v0)"
expect_eq "... the program is unloaded" "" "$(bpftool prog show name vgw_steer)"
expect_ok "... and it logged the detach" grep -q -- '- xdp v0$' "$WORK/a.log"
expect_ok "... the tables stay" \
	bash -c "ip netns exec $X vnicctl -j info | jq -e '.objects > 0'"

# --- generic mode, chosen CPUs, queue size; SIGKILL --------------------------

start_agent "$WORK/c.log" --netns $X --state "$STATE" --xdp-if v0 \
	--xdp-mode generic --cpus "$last_cpu" --xdp-qsize 64 --stats-interval 0.5
expect_within "--xdp-mode generic attaches in generic mode" 10 is_mode v0 xdpgeneric
expect_eq "cpu_map: only the --cpus CPU, with --xdp-qsize" "$last_cpu:64" "$(cpumap_entries)"
expect_eq "steer_config: only that CPU" "1: $last_cpu" "$(steer_config)"
expect_within "--stats-interval logs the counters periodically" 5 \
	bash -c "[ \$(grep -c 'stats: redirected_vxlan' '$WORK/c.log') -ge 2 ]"
kill -KILL "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null
expect_within "a killed agent leaves no program attached (BPF link)" 5 is_mode v0 none

# --- auto falls back to generic; native refuses ----------------------------------

start_agent "$WORK/d.log" --netns $X --state "$STATE" --xdp-if d0
expect_within "auto mode on a device without native XDP uses generic" 10 is_mode d0 xdpgeneric
expect_ok "... with a warning" \
	grep -q 'warn: xdp-if d0: native XDP refused.*using generic' "$WORK/d.log"
stop_agent TERM 5
expect_eq "... and detaches on SIGTERM" none "$(xdp_mode_of d0)"

expect_fail_msg "--xdp-mode native on a device without native XDP exits 1" \
	'xdp-if d0: cannot attach in native mode' \
	timeout 20 vnicgw-agent --netns $X --state "$STATE" --xdp-if d0 --xdp-mode native
expect_eq "... leaving nothing attached" none "$(xdp_mode_of d0)"
expect_fail_msg "a missing interface is refused" 'xdp-if nope0: No such device' \
	timeout 20 vnicgw-agent --netns $X --state "$STATE" --xdp-if nope0
expect_fail_msg "a CPU that is not online is refused" 'cpus: CPU 255 is not online' \
	timeout 20 vnicgw-agent --netns $X --state "$STATE" --xdp-if v0 --cpus 255
expect_eq "... leaving nothing attached" none "$(xdp_mode_of v0)"

tap_end
