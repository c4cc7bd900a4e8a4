#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The built-in example, run in the VM by "make demo": a vnicgw cluster.
# Three hosts (network namespaces, each with its vnicgw link, tables and
# agent) behind a TOR namespace whose one multipath route spreads the VIPs
# over them by an L4 hash; the desired state in a real etcd; instances
# behind Linux VXLAN and Geneve NVDs; an internet gateway and a NAT
# gateway with an "internet" host behind each. Real traffic, per-host
# counters, then a host joins, one drains and one crashes while long TCP
# connections run — and they are still alive at the end.
# (tools/demo-host.sh is the one-host example: make demo-host.)
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/selftests/lib.sh"
. "$here/selftests/cluster/topo.sh"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
say() { printf '%s\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
tap_begin() { :; }

# A long TCP connection: a line every 0.2 s, each answered (30 s at most).
declare -A LONG=()
long_start()
{
	topo_bg "long-$1" "$2" bash -c \
		'exec "$1" hold tcp "$2" 7000 --timeout 30000 < <(while sleep 0.2; do echo "tick $(date +%s)"; done)' \
		- "$FLOW" "$3"
	LONG[$1]=$TOPO_BG_PID
}
long_report()
{
	local n c

	for n in "${!LONG[@]}"; do
		c=$(grep -c . "$TOPO_DIR/long-$n.log" 2>/dev/null || echo 0)
		if kill -0 "${LONG[$n]}" 2>/dev/null; then
			say "  $n: alive, $c answers so far"
		else
			say "  $n: ENDED after $c answers"
		fi
	done | sort
}
per_host()
{
	local n

	for n in $(_cl_host_numbers); do
		printf '  h%s: %8s tunnel packets  handoffs out/in %s/%s  state records out/in %s/%s\n' \
			"$n" "$(host_rx "$n")" \
			$(nsx "h$n" vnicctl -j cluster | jq -r '.counters | "\(.handoff_out) \(.handoff_in) \(.sync_out) \(.sync_in)"')
	done
}

step "the cluster: TOR (ECMP, L4 hash), etcd, hosts h1 h2 h3 with their agents"
cluster_up 3 || { echo "cluster_up failed"; exit 1; }
run ip -n vgwt-ul route show "$TOPO_VIP_NET"

step "the desired state, written into etcd one object per key (vnicctl apply --etcd)"
topo_vcn vcn-a 10.1.0.0/16
topo_gateway igw vcn-a internet 10.0.0.100 9001 host=198.18.0.10/24
topo_gateway nat vcn-a nat 10.0.0.101 9002 public_ip=198.51.100.10 host=198.19.0.10/24
topo_route_table rt-public vcn-a 0.0.0.0/0=igw
topo_route_table rt-private vcn-a 0.0.0.0/0=nat
# Stateful rules: replies pass only where the connection is tracked, so
# each connection is processed by its owner, whichever host ECMP picks.
topo_seclist sl-vcn vcn-a \
	ingress "$(rule source=10.1.0.0/16 protocol=tcp dst_ports=7000)" \
		"$(rule source=10.1.0.0/16 protocol=icmp)" \
	egress "$(rule destination=0.0.0.0/0 protocol=all)"
topo_subnet web-sub vcn-a 10.1.1.0/24 rt=rt-public sl=sl-vcn
topo_subnet app-sub vcn-a 10.1.2.0/24 rt=rt-private sl=sl-vcn
topo_vnic web1 web-sub 10.1.1.5 1001 10.0.0.21 vip=10.0.100.1 public_ip=203.0.113.5
topo_vnic app1 app-sub 10.1.2.5 1002 10.0.0.22 vip=10.0.100.2 encap=geneve
topo_vnic app2 app-sub 10.1.2.6 1003 10.0.0.23 vip=10.0.100.3
cluster_apply || { echo "the document did not reach every host"; exit 1; }
run vnicctl-etcd --etcd "$ETCD_URL" --prefix "$CL_PREFIX" ls 2>/dev/null | head -20 ||
	etcdctl --endpoints "$ETCD_URL" get --prefix --keys-only "$CL_PREFIX" | grep . | head -20
say "every host's kernel holds it:"
for h in h1 h2 h3; do say "  $h: $(nsx $h vnicctl -j show | jq -c '{vnics: [.vnics[].id], gateways: [.gateways[].id]}')"; done
say "the owner table every host derived (vnicctl cluster on h1):"
nsx h1 vnicctl cluster | sed 's/^/  /'

serve web1 tcp 7000 app1 tcp 7000 igw-host tcp 7000 nat-host tcp 7000 >/dev/null ||
	{ echo "servers failed"; exit 1; }

step "traffic: instances, internet gateway (1:1 NAT), NAT gateway"
run nsx app1 ping -c 2 -W 2 10.1.1.5
run nsx web1 "$FLOW" send tcp 198.18.0.10 7000 --msg via-igw
run nsx app2 "$FLOW" send tcp 198.19.0.10 7000 --msg via-nat
say "50 short connections app2 -> web1 and app2 -> the internet (new source port each):"
okv=0 okn=0
for ((i = 0; i < 25; i++)); do
	nsx app2 "$FLOW" send tcp 10.1.1.5 7000 --timeout 3000 >/dev/null 2>&1 && okv=$((okv + 1))
	nsx app2 "$FLOW" send tcp 198.19.0.10 7000 --timeout 3000 >/dev/null 2>&1 && okn=$((okn + 1))
done
say "  answered: $okv/25 VNIC to VNIC, $okn/25 through the NAT gateway"
say "work is spread over the hosts (ECMP), stateful packets go to their flow's owner:"
per_host

step "long-running TCP connections, opened now, watched until the end"
long_start app2-web1 app2 10.1.1.5
long_start app1-web1 app1 10.1.1.5
long_start app1-nat app1 198.19.0.10
long_start web1-igw web1 198.18.0.10
sleep 3
long_report

step "a host joins: h4 (agent registers under a lease, every host rebuilds the owner table)"
host_add 4
sleep 6
run ip -n vgwt-ul route show "$TOPO_VIP_NET"
nsx h1 vnicctl cluster | grep -E '^(members|  )' | sed 's/^/  /'
long_report

step "a host drains: h1 leaves the TOR's route, then its agent leaves the cluster (SIGUSR1)"
host_drain 1
sleep 8
say "h1 now: $(nsx h1 vnicctl -j cluster | jq -c '{self, members: [.members[].id]}')"
long_report

step "a host crashes: h2's agent SIGKILLed and its namespace deleted (lease TTL ${CL_MEMBER_TTL} s)"
host_kill 2
sleep 10
run ip -n vgwt-ul route show "$TOPO_VIP_NET"
long_report
per_host

step "the connections opened before the join, the drain and the crash"
alive=0
for n in "${!LONG[@]}"; do
	kill -0 "${LONG[$n]}" 2>/dev/null && alive=$((alive + 1))
done
say "$alive of ${#LONG[@]} long connections alive"
step "done: processes, namespaces, etcd and the module go away"
cluster_down
say "module unloaded: $([ -d /sys/module/vnicgw ] && echo no || echo yes)"
[ "$alive" -eq "${#LONG[@]}" ]
