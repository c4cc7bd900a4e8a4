#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The cluster's figures that need real hosts (issue 6), in the VM: how many
# established connections a join, a drain and a crash lose. Three vnicgw
# hosts behind the TOR's ECMP (selftests/cluster/topo.sh), agents on etcd,
# stateful rules everywhere; STREAMS long-running TCP connections between
# instances and through the NAT gateway, each a line every 0.1 s answered.
# A connection counts as lost when its client gave up (no answer within
# 30 s, or a reset). Prints the figures; asserts nothing.
#
#   tools/vm run --timeout 900 tools/bench/cluster-failover.sh [STREAMS]
#   (make bench-failover)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/selftests/lib.sh"
. "$top/selftests/cluster/topo.sh"

STREAMS=${1:-24}
declare -A SPID=()

# start_stream NAME NS DST: a connection to DST:7000 that lives as long as
# each answer comes within 30 s.
start_stream()
{
	topo_bg "fo-$1" "$2" bash -c \
		'exec "$1" hold tcp "$2" 7000 --timeout 30000 < <(while sleep 0.1; do echo tick; done)' \
		- "$FLOW" "$3"
	SPID[$1]=$TOPO_BG_PID
}

answers() { grep -c . "$TOPO_DIR/fo-$1.log" 2>/dev/null || echo 0; }

# alive: streams whose client still runs and got an answer in the last 15 s.
alive()
{
	local s n=0 c

	declare -A before=()
	for s in "${!SPID[@]}"; do
		before[$s]=$(answers "$s")
	done
	sleep 15
	for s in "${!SPID[@]}"; do
		c=$(answers "$s")
		kill -0 "${SPID[$s]}" 2>/dev/null && [ "$c" -gt "${before[$s]}" ] &&
			n=$((n + 1))
	done
	echo $n
}

tap_begin() { :; }
cluster_up 3 || { echo "cluster_up failed"; exit 1; }
topo_vcn vcn-a 10.1.0.0/16
topo_gateway nat-a vcn-a nat 10.0.0.101 9002 public_ip=198.51.100.10 host=198.18.0.10/24
topo_seclist sl vcn-a \
	ingress "$(rule source=10.1.0.0/16 protocol=tcp dst_ports=7000)" \
	egress "$(rule destination=0.0.0.0/0 protocol=all)"
topo_route_table rt-priv vcn-a 0.0.0.0/0=nat-a
topo_subnet sub-a vcn-a 10.1.1.0/24 rt=rt-priv sl=sl
topo_vnic a1 sub-a 10.1.1.5 1001 10.0.0.21 vip=10.0.100.1
topo_vnic a2 sub-a 10.1.1.6 1002 10.0.0.22 vip=10.0.100.2 encap=geneve
cluster_apply || { echo "the document did not reach every host"; exit 1; }
serve a2 tcp 7000 nat-a-host tcp 7000 || { echo "servers"; exit 1; }

for ((i = 0; i < STREAMS; i++)); do
	if ((i % 2)); then
		start_stream "s$i" a1 10.1.1.6		# VNIC to VNIC
	else
		start_stream "s$i" a1 198.18.0.10	# through the NAT gateway
	fi
done
sleep 5
base=$(alive)
echo "streams established: $base/$STREAMS (half VNIC to VNIC, half through the NAT gateway)"
echo "per-host tunnel packets: $(cluster_rx)"

host_add 4
join=$(alive)
echo "join of h4: $((base - join)) of $base connections lost"

# Drain h1: out of ECMP first, then the agent leaves the member set and
# hands the state over (SIGUSR1).
host_withdraw 1
sleep 1
kill -USR1 "${CL_AGENT_PID[1]}"
drain=$(alive)
echo "drain of h1: $((join - drain)) of $join connections lost"

host_kill 2
crash=$(alive)
echo "crash of h2 (SIGKILL, namespace deleted; lease TTL ${CL_MEMBER_TTL} s): $((drain - crash)) of $drain connections lost"
echo "per-host tunnel packets: $(cluster_rx)"
for n in $(_cl_host_numbers); do
	echo "h$n cluster counters: $(nsx "h$n" vnicctl -j cluster | jq -c .counters)"
done
echo "RESULT join_lost=$((base - join)) drain_lost=$((join - drain)) crash_lost=$((drain - crash)) streams=$base"
