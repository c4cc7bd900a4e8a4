#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The module under load while its control plane moves: flood pings between
# instances (VXLAN and Geneve NVDs) and through the NAT gateway while
# (1) the document changes back and forth, (2) VNICs and gateways are deleted
# and put back, (3) the link goes down and up, (4) conntrack entries are
# made and swept, and finally (5) the module is removed with traffic still
# flowing. Proves: no kernel report (the VM runner fails the run on any
# WARNING, BUG, Oops, leak or taint), traffic comes back after each change,
# rmmod under load works. Runs in the VM.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
. "$here/../datapath/topo.sh"
. "$here/../datapath/traffic.sh"

tap_begin
topo_init 4
topo_host h1 10.0.0.10
topo_vcn vcn-a 10.1.0.0/16
topo_subnet s1 vcn-a 10.1.1.0/24 rt=rt sl=sl
topo_route_table rt vcn-a 0.0.0.0/0=nat
topo_seclist sl vcn-a \
	ingress "$(rule source=10.1.0.0/16 protocol=all)" \
	egress "$(rule destination=0.0.0.0/0 protocol=all)"
topo_gateway nat vcn-a nat 10.0.0.101 9002 public_ip=198.51.100.10 host=198.19.0.10/24
topo_vnic a1 s1 10.1.1.5 1001 10.0.0.21
topo_vnic a2 s1 10.1.1.6 1002 10.0.0.22 encap=geneve
topo_apply || exit 1
cp "$(topo_doc)" "$TOPO_DIR/full.json"

flood()
{
	topo_bg "flood-$1-$2" "$1" ping -f -w 45 -q "$2"
	FLOODS+=("$TOPO_BG_PID")
}
FLOODS=()
flood a1 10.1.1.6
flood a2 10.1.1.5
flood a1 198.19.0.10

# Stateful UDP flows with new ports: the conntrack and NAT tables churn.
churn()
{
	local i

	for i in $(seq 20); do
		nsx a2 bash -c "echo x > /dev/udp/198.19.0.10/$((9000 + i))"
		nsx a1 bash -c "echo x > /dev/udp/10.1.1.6/$((9000 + i))"
	done
}

reach() { pings "$1" "$2" >/dev/null; }

# (1) the document changes back and forth under load.
topo_jq '.security_lists[0].egress += [{"destination": "192.0.2.0/24", "protocol": "udp", "dst_ports": "53"}]'
cp "$(topo_doc)" "$TOPO_DIR/other.json"
ok_all=1
for i in $(seq 5); do
	nsx h1 vnicctl apply "$TOPO_DIR/other.json" >/dev/null || ok_all=0
	nsx h1 vnicctl apply "$TOPO_DIR/full.json" >/dev/null || ok_all=0
done
expect_eq "10 applies under load succeed" 1 "$ok_all"
churn
expect_ok "a1 -> a2 still answers" reach a1 10.1.1.6
expect_ok "a2 -> the NAT gateway's host still answers" reach a2 198.19.0.10

# (2) objects go and come back under load.
expect_ok "delete a VNIC under load" nsx h1 vnicctl delete vnic a2
expect_ok "put everything back" nsx h1 vnicctl apply "$TOPO_DIR/full.json"
expect_ok "a1 -> a2 answers again" reach a1 10.1.1.6
expect_ok "flush under load" nsx h1 vnicctl flush
expect_ok "put everything back after the flush" nsx h1 vnicctl apply "$TOPO_DIR/full.json"
churn
expect_ok "a2 -> a1 answers again" reach a2 10.1.1.5

# (3) the link goes down and up under load.
expect_ok "link down under load" nsx h1 ip link set gw0 down
expect_fail "nothing answers while it is down" ping1 a1 10.1.1.6
expect_ok "link up" nsx h1 ip link set gw0 up
expect_ok "traffic comes back" reach a1 10.1.1.6

# (4) counters still add up.
pkts=$(nsx h1 vnicctl -j stats | jq '[.cpus[].rx_packets] | add')
expect_ok "the module processed the floods ($pkts tunnel packets)" test "$pkts" -gt 200

# (5) rmmod with the floods still running.
expect_ok "rmmod under load" rmmod vnicgw
expect_ok "... the module is gone" test ! -d /sys/module/vnicgw
for p in "${FLOODS[@]}"; do
	topo_kill "$p"
done
tap_end
