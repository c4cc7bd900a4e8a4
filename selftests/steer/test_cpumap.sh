#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Steering end to end: vnicgw-agent attaches the XDP program to the vnicgw
# host's underlay interface; tunnelled packets from two instances go through
# the cpumap to the worker CPUs, and the module processes each one on the CPU
# the program chose: per CPU, what the cpumap kthreads handed over (the
# xdp:xdp_cpumap_kthread tracepoint) equals what the module counted. Runs in
# the VM (2 CPUs).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
. "$here/../agent/agent_lib.sh"
trap 'agent_cleanup; netns_cleanup; unload_module' EXIT

T=/sys/kernel/tracing
H=vgwt-h A=vgwt-a B=vgwt-b U=vgwt-u

tap_begin
load_module || exit 1
modprobe vxlan

# Underlay bridge; the host (10.0.0.10, VIPs on lo) and two instances.
ip netns add $U
ip -n $U link add br0 type bridge
ip -n $U link set br0 up
for ns in $H $A $B; do
	ip netns add "$ns"
	ip link add "p-$ns" netns $U type veth peer name ul0 netns "$ns"
	ip -n $U link set "p-$ns" master br0 up
	ip -n "$ns" link set lo up
	ip -n "$ns" link set ul0 up
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	# A veth hands its peer partial checksums, which XDP frames cannot
	# carry: senders compute them in full, as a NIC on the wire would.
	ip netns exec "$ns" ethtool -K ul0 tx off >/dev/null
done
ip -n $H addr add 10.0.0.10/24 dev ul0
ip -n $H addr add 10.0.100.1/32 dev lo
ip -n $H addr add 10.0.100.2/32 dev lo
ip -n $H link add gw0 type vnicgw
ip -n $H link set gw0 up

cat >"$WORK/state.json" <<'J'
{ "vcns": [ { "id": "vcn", "cidrs": ["10.1.0.0/16"] } ],
  "subnets": [ { "id": "sub", "vcn": "vcn", "cidr": "10.1.1.0/24", "security_lists": ["sl"] } ],
  "security_lists": [ { "id": "sl", "vcn": "vcn",
      "ingress": [ { "source": "10.1.0.0/16", "protocol": "all" } ],
      "egress": [ { "destination": "10.1.0.0/16", "protocol": "all" } ] } ],
  "vnics": [
    { "id": "a", "subnet": "sub", "private_ips": ["10.1.1.5"],
      "micro_vnic": { "vni": 1001, "nvd_ip": "10.0.0.21" }, "vips": [ { "ip": "10.0.100.1" } ] },
    { "id": "b", "subnet": "sub", "private_ips": ["10.1.1.6"],
      "micro_vnic": { "vni": 1002, "nvd_ip": "10.0.0.22" }, "vips": [ { "ip": "10.0.100.2" } ] } ] }
J
mac() { vnicctl -j validate "$WORK/state.json" | jq -r ".vnics[] | select(.id == \"$1\") | .mac"; }
inst()
{
	local ns=$1 ip=$2 nvd=$3 vni=$4 vip=$5 mac=$6

	ip -n "$ns" addr add "$nvd/24" dev ul0
	ip -n "$ns" route add 10.0.100.0/24 via 10.0.0.10
	ip -n "$ns" link add eth0v address "$mac" type vxlan id "$vni" \
		local "$nvd" dstport 4789 nolearning
	bridge -n "$ns" fdb append 00:00:00:00:00:00 dev eth0v dst "$vip"
	ip -n "$ns" addr add "$ip/24" dev eth0v
	ip -n "$ns" link set eth0v mtu 1400 up
}
inst $A 10.1.1.5 10.0.0.21 1001 10.0.100.1 "$(mac a)"
inst $B 10.1.1.6 10.0.0.22 1002 10.0.100.2 "$(mac b)"

start_agent "$WORK/agent.log" --state "$WORK/state.json" --netns $H \
	--xdp-if ul0 --xdp-mode native --cpus 0,1
attached() { ip -n $H -o link show ul0 | grep -q ' xdp '; }
expect_ok "the agent attaches the steering program natively to ul0" \
	wait_until 10 attached
applied() { [ "$(ip netns exec $H vnicctl -j info | jq .objects)" = 5 ]; }
expect_ok "... and applies the document" wait_until 10 applied
expect_ok "instances reach each other through the steered host" \
	ip netns exec $A ping -c 2 -W 2 -q 10.1.1.6

# Each instance's neighbour entry for the other made permanent: a stale
# entry's ARP probe (a frame through the module at a moment of the
# kernel's choosing) could otherwise fall between the trace's end and the
# counters' read, and the counts differ by one (seen under load).
for pair in "$A 10.1.1.6" "$B 10.1.1.5"; do
	read -r ns peer <<<"$pair"
	ll=$(ip -n "$ns" neigh show "$peer" dev eth0v | awk '{ for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1) }')
	[ -n "$ll" ] && ip -n "$ns" neigh replace "$peer" lladdr "$ll" dev eth0v nud permanent
done
cpu_rx() { ip netns exec $H vnicctl -j stats | jq -r ".cpus[\"$1\"].rx_packets // 0"; }
r0=$(cpu_rx 0) r1=$(cpu_rx 1)
echo > $T/trace
echo 1 > $T/events/xdp/xdp_cpumap_kthread/enable

# 60 UDP flows (a new source port each) both ways, and 3 pings: at least
# 66 frames (ICMP port unreachables come too, rate-limited).
for i in $(seq 30); do
	ip netns exec $A bash -c "echo x > /dev/udp/10.1.1.6/$((7000 + i))"
	ip netns exec $B bash -c "echo x > /dev/udp/10.1.1.5/$((7000 + i))"
done
ip netns exec $A ping -c 3 -i 0.2 -q 10.1.1.6 >/dev/null
sleep 0.5	# the last batch leaves the kthreads
echo 0 > $T/events/xdp/xdp_cpumap_kthread/enable

# processed= per CPU, from the kthreads' own reports.
traced()
{
	awk -v cpu="$1" '/xdp_cpumap_kthread/ {
		for (i = 1; i <= NF; i++) {
			if ($i ~ /^cpu=/) { split($i, a, "="); c = a[2] }
			if ($i ~ /^processed=/) { split($i, b, "="); p = b[2] }
		}
		if (c == cpu) n += p
	} END { print n + 0 }' $T/trace
}
d0=$(( $(cpu_rx 0) - r0 )) d1=$(( $(cpu_rx 1) - r1 ))
t0=$(traced 0) t1=$(traced 1)
expect_ok "traffic went through the cpumap ($t0 + $t1 frames)" test $((t0 + t1)) -ge 66
expect_eq "CPU 0: the module processed what the cpumap handed over" "$t0" "$d0"
expect_eq "CPU 1: the module processed what the cpumap handed over" "$t1" "$d1"
expect_ok "both workers had flows ($d0 / $d1)" test "$d0" -gt 0 -a "$d1" -gt 0
redirected=$(kill -USR1 "$AGENT_PID"; sleep 0.5; grep -Eo 'redirected_vxlan[^0-9]*[0-9]+' "$WORK/agent.log" | tail -1 | grep -Eo '[0-9]+$')
expect_ok "the agent's counters show redirected VXLAN packets (${redirected:-none})" \
	test "${redirected:-0}" -gt 0

steered=$(vnicctl -j steering | jq '[.[].counters.redirected_vxlan.total] | add // 0')
expect_ok "vnicctl steering counts every frame the cpumap carried ($steered >= $((t0 + t1)))" \
	test "$steered" -ge $((t0 + t1))

stop_agent TERM 5
expect_eq "the agent exits 0 on SIGTERM" 0 "$AGENT_RC"
expect_ok "... and the program is detached" bash -c "! ip -n $H -o link show ul0 | grep -q ' xdp '"
tap_end
