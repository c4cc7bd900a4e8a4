#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What vnicgw's tracepoints cost: the machine's CPU time per packet forwarded
# VNIC to VNIC, with the tracepoints off (no listener: a static key, the
# default) and on (every vnicgw event recorded into ftrace's ring buffer,
# the cost a consumer such as perf or bpftrace starts from), in alternating
# rounds. Prints figures; asserts nothing. Runs in the VM:
#
#   tools/vm run --timeout 1800 tools/bench/trace-cost.sh [PACKETS [ROUNDS]]
#
# Each round a1 sends PACKETS (default 50000) UDP datagrams to b1 (flow
# spray: one per destination port), which drops them unseen (nftables, so
# no ICMP comes back); the CPU time is every CPU's busy time over the round
# (/proc/stat: user, system, irq, softirq), the sender's included, the same
# in both modes. Under TCG the figures are those of an emulated CPU: the
# ratio is what to read.
set -u
PACKETS=${1:-50000}
ROUNDS=${2:-4}
VGW_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$VGW_ROOT/selftests/lib.sh"
. "$VGW_ROOT/selftests/datapath/topo.sh"
. "$VGW_ROOT/selftests/datapath/traffic.sh"

say() { echo "trace-cost: $*"; }

topo_init 4 || { say "topology failed"; exit 1; }
topo_host host1 10.0.0.10
topo_vcn vcn-a 10.1.0.0/16
# Stateless both ways: no connection table in the way.
topo_seclist sl vcn-a \
	ingress "$(rule source=10.1.0.0/16 protocol=udp dst_ports=1024-65535 stateless=true)" \
	egress "$(rule destination=10.1.0.0/16 protocol=all stateless=true)"
topo_subnet sub-a vcn-a 10.1.1.0/24 sl=sl
topo_subnet sub-b vcn-a 10.1.2.0/24 sl=sl
topo_vnic a1 sub-a 10.1.1.5 1001 10.0.0.21 vip=10.0.100.1
topo_vnic b1 sub-b 10.1.2.5 1002 10.0.0.22 vip=10.0.100.1
topo_apply || { say "the document did not apply"; exit 1; }
ip netns exec vgwt-b1 nft -f - <<'EOF' || { say "nft in b1 failed"; exit 1; }
table inet sink {
	chain in { type filter hook input priority 0; policy accept; udp dport 1024-65535 drop; }
}
EOF

T=/sys/kernel/tracing
[ -d "$T/events" ] || mount -t tracefs nodev "$T" 2>/dev/null
[ -d "$T/events/vnicgw" ] || { say "no vnicgw events in $T"; exit 1; }

busy() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }
forwarded() { nsx host1 vnicctl -j stats | jq '.vnics.b1.in_packets // 0'; }

# round MODE: one spray; prints "MODE packets busy_jiffies".
round()
{
	local b0 b1 f0 f1

	echo "$([ "$1" = on ] && echo 1 || echo 0)" >"$T/events/vnicgw/enable"
	echo >"$T/trace"
	f0=$(forwarded)
	b0=$(busy)
	nsx a1 "$FLOW" spray udp 10.1.2.5 1024 --count "$PACKETS" --sport 40000 >/dev/null
	sleep 1
	b1=$(busy)
	f1=$(forwarded)
	echo 0 >"$T/events/vnicgw/enable"
	echo "$1 $((f1 - f0)) $((b1 - b0))"
}

round off >/dev/null	# warm up (routes, caches)
for ((i = 0; i < ROUNDS; i++)); do
	round off
	round on
done | awk -v hz=100 '
	{ p[$1] += $2; j[$1] += $3 }
	END {
		for (m in p)
			printf("trace-cost: tracepoints %s: %d packets forwarded, %.2f us of CPU per packet\n",
			       m, p[m], p[m] ? j[m] * 1e6 / hz / p[m] : 0)
		if (p["off"] && p["on"])
			printf("trace-cost: recording every event costs %+.1f%% per packet\n",
			       ((j["on"] / p["on"]) / (j["off"] / p["off"]) - 1) * 100)
	}'
topo_cleanup
