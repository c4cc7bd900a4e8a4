#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The cluster's figures that need real hosts (issue 6), in the VM: how many
# established connections a join, a drain and a crash lose. Three vnicgw
# hosts behind the TOR's ECMP (selftests/cluster/topo.sh), agents on etcd,
# stateful rules everywhere; STREAMS long-running TCP connections between
# instances and through the NAT gateway, each a line every 0.1 s answered.
# A connection counts as lost when its client gave up (no answer within
# 30 s, or a reset; each step is followed by 35 s for stalls to show).
# Prints the figures; asserts nothing.
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

# dead KIND: streams of KIND (v2v, nat) whose client gave up (a reset, or
# 30 s without an answer).
dead()
{
	local s n=0

	for s in "${!SPID[@]}"; do
		[ "${KIND[$s]}" = "$1" ] || continue
		kill -0 "${SPID[$s]}" 2>/dev/null || n=$((n + 1))
	done
	echo $n
}

# settle: long enough for a stalled connection to give up (its client waits
# 30 s for an answer), then "v2v NAT" counts of dead streams.
settle()
{
	sleep 35
	echo "$(dead v2v) $(dead nat)"
}

# drops: the non-zero drop counters summed over the hosts.
drops()
{
	local n

	for n in $(_cl_host_numbers); do
		nsx "h$n" vnicctl -j stats
	done | jq -s -c '[.[].drops | to_entries[]] | group_by(.key) |
		map({key: .[0].key, value: (map(.value) | add)}) |
		map(select(.value > 0)) | from_entries'
}

declare -A KIND=()
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
		KIND[s$i]=v2v
	else
		start_stream "s$i" a1 198.18.0.10	# through the NAT gateway
		KIND[s$i]=nat
	fi
done
read -r d0v d0n < <(settle)
echo "streams: $STREAMS ($((STREAMS / 2)) VNIC to VNIC, $((STREAMS / 2)) through the NAT gateway); $((d0v + d0n)) failed to start"
echo "per-host tunnel packets: $(cluster_rx)"
echo "drops so far: $(drops)"

# phase KEY TEXT: print what the last step cost (dead streams since the
# last phase).
phase()
{
	local v n

	read -r v n < <(settle)
	echo "$2: $((v - pv)) VNIC-to-VNIC and $((n - pn)) NAT connections lost; drops so far: $(drops)"
	LOST+=("${1}_lost=$((v - pv + n - pn))")
	pv=$v pn=$n
}
pv=$d0v pn=$d0n LOST=()

host_add 4
phase join "join of h4"

# Drain h1: out of ECMP first, then the agent leaves the member set and
# hands the state over (SIGUSR1).
host_drain 1
phase drain "drain of h1"

host_kill 2
phase crash "crash of h2 (SIGKILL, namespace deleted; lease TTL ${CL_MEMBER_TTL} s)"
echo "per-host tunnel packets: $(cluster_rx)"
for n in $(_cl_host_numbers); do
	echo "h$n cluster counters: $(nsx "h$n" vnicctl -j cluster | jq -c .counters)"
done
echo "RESULT ${LOST[*]} streams=$STREAMS"
