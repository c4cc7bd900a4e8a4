#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What flow logs cost: the agent's CPU (user and system: the kernel's
# connection-table dump runs in its system calls) per interval, with every
# VNIC logged and N tracked connections in the table, next to the same
# agent with flow logs off. The packet path does nothing for flow logs (the
# per-connection counters they read are always kept), so this is the whole
# cost. Prints figures; asserts nothing. Runs in the VM:
#
#   tools/vm run --timeout 1800 --mem 3G tools/bench/flowlog-cost.sh [CONNS [SECS [IVAL]]]
#
# CONNS (default 100000) UDP flows from a1 to b1 (a datagram each, as fast
# as the socket takes them: the table holds those that got through), each a tracked
# connection of both (a1's egress rule, b1's ingress rule); the agent runs
# SECS (default 30) seconds with --flow-log-interval IVAL (default 5: a
# dump of a large table must fit in it, or the figure is capped by the
# interval), then as long with flow logs off, and the difference of its CPU
# time is the flow logs'.
set -u
CONNS=${1:-100000}
SECS=${2:-30}
IVAL=${3:-5}
VGW_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$VGW_ROOT/selftests/lib.sh"
. "$VGW_ROOT/selftests/datapath/topo.sh"
. "$VGW_ROOT/selftests/datapath/traffic.sh"

say() { echo "flowlog-cost: $*"; }

topo_init 4 || { say "topology failed"; exit 1; }
topo_host host1 10.0.0.10
topo_vcn vcn-a 10.1.0.0/16
topo_seclist sl vcn-a \
	ingress "$(rule source=10.1.0.0/16 protocol=udp dst_ports=1024-65535)" \
	egress "$(rule destination=10.1.0.0/16 protocol=all)"
topo_subnet sub-a vcn-a 10.1.1.0/24 sl=sl
topo_subnet sub-b vcn-a 10.1.2.0/24 sl=sl
topo_vnic a1 sub-a 10.1.1.5 1001 10.0.0.21 vip=10.0.100.1 ct_limit=1048576
topo_vnic b1 sub-b 10.1.2.5 1002 10.0.0.22 vip=10.0.100.1 ct_limit=1048576
topo_jq '.subnets[].flow_logs = true' || exit 1
topo_apply || { say "the document did not apply"; exit 1; }
# The UDP entries must outlive the measurement.
echo 600 >/sys/module/vnicgw/parameters/ct_udp_timeout

# CONNS flows: destination ports 1024 on (flow spray), 64,000 at a time,
# each batch from another source port.
t0=$SECONDS
left=$CONNS sport=40000
while [ "$left" -gt 0 ]; do
	n=$((left > 64000 ? 64000 : left))
	nsx a1 "$FLOW" spray udp 10.1.2.5 1024 --count "$n" --sport "$sport" >/dev/null
	left=$((left - n)) sport=$((sport + 1))
done
sleep 1
conns=$(nsx host1 vnicctl -j stats | jq '.conntrack.entries // empty')
say "table: ${conns:-?} tracked connections (asked $CONNS; a1's and b1's), $((SECONDS - t0)) s to open"

# For scale: one listing of the same table by vnicctl (the same dump,
# printed as text), wall clock.
t1=$(date +%s%N)
nsx host1 vnicctl conntrack >/dev/null 2>&1
say "one 'vnicctl conntrack' of the table: $(( ($(date +%s%N) - t1) / 1000000 )) ms"

STATE=$TOPO_DIR/state.json
cp "$(topo_doc)" "$STATE"

# cpu_ms PID: user + system CPU time of the process so far, in ms (the
# clock ticks of /proc/PID/stat are USER_HZ, 100 on Linux).
cpu_ms()
{
	awk '{ print int(($14 + $15) * 10) }' "/proc/$1/stat"
}

# run_agent LABEL ARGS...: the agent for SECS seconds; prints its CPU ms.
run_agent()
{
	local label=$1 pid c0 c1
	shift
	topo_bg "agent-$label" host1 vnicgw-agent --state "$STATE" --interval 5 "$@"
	pid=$TOPO_BG_PID
	# Let it load and settle (its first apply, the first dump).
	sleep 3
	c0=$(cpu_ms "$pid")
	sleep "$SECS"
	c1=$(cpu_ms "$pid")
	awk '{ printf("flowlog-cost: agent '"$label"': user %d ms, system %d ms in all\n", $14 * 10, $15 * 10) }' \
		"/proc/$pid/stat" >&2
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	echo $((c1 - c0))
}

FL=$TOPO_DIR/flows.json
on=$(run_agent on --flow-logs "$FL" --flow-log-interval "$IVAL")
lines=$(wc -l <"$FL")
off=$(run_agent off)
per=$(( (on - off) * IVAL / SECS ))
say "agent CPU over $SECS s: ${on} ms with flow logs (interval $IVAL s), ${off} ms without"
say "flow logs: ${per} ms of CPU per interval for ${conns:-?} connections ($lines records written)"
awk -v ms="$per" -v n="${conns:-0}" 'BEGIN {
	printf("flowlog-cost: per 100,000 connections: %.1f ms per interval\n", n ? ms * 100000 / n : 0)
	printf("flowlog-cost: share of one CPU: %.2f%% at the default 60 s interval; the shortest interval it keeps up with: %.1f s\n",
	       ms / 600, ms / 1000)
}'
topo_cleanup
