#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The one-host example, run in the VM by "make demo-host": one vnicgw host, three
# instances whose NVDs are Linux VXLAN and Geneve devices, an internet
# gateway with an "internet" host behind it, a NAT gateway; real traffic
# through each, then what the module counted. "make demo" is the cluster.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/selftests/lib.sh"
. "$here/selftests/datapath/topo.sh"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
say() { printf '%s\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

step "topology: underlay bridge, vnicgw host h1 (10.0.0.10), VIPs on its lo"
topo_init 4
topo_host h1 10.0.0.10
topo_vcn vcn-a 10.1.0.0/16
topo_subnet web-sub vcn-a 10.1.1.0/24 rt=rt-public sl=sl-vcn
topo_subnet app-sub vcn-a 10.1.2.0/24 rt=rt-private sl=sl-vcn
topo_route_table rt-public vcn-a 0.0.0.0/0=igw
topo_route_table rt-private vcn-a 0.0.0.0/0=nat
topo_seclist sl-vcn vcn-a \
	ingress "$(rule source=10.1.0.0/16 protocol=all)" \
	egress "$(rule destination=0.0.0.0/0 protocol=all)"
topo_nsg web vcn-a \
	ingress "$(rule source=0.0.0.0/0 protocol=tcp dst_ports=80)" \
		"$(rule source=0.0.0.0/0 protocol=icmp icmp_type=8)"
topo_gateway igw vcn-a internet 10.0.0.100 9001 host=198.18.0.10/24
topo_gateway nat vcn-a nat 10.0.0.101 9002 public_ip=198.51.100.10 host=198.19.0.10/24
topo_vnic web1 web-sub 10.1.1.5 1001 10.0.0.21 public_ip=203.0.113.5 nsgs=web
topo_vnic app1 app-sub 10.1.2.5 1002 10.0.0.22 encap=geneve
topo_vnic app2 app-sub 10.1.2.6 1003 10.0.0.23
topo_apply || { echo "apply failed"; exit 1; }

step "the desired state, as the module holds it"
run nsx h1 vnicctl show

step "app1 (Geneve NVD) -> web1 (VXLAN NVD): the virtual router, VCN-local"
run nsx app1 ping -c 2 -W 2 10.1.1.5

step "app1 -> app2, same subnet: the cluster answers ARP for the instances"
run nsx app1 ping -c 2 -W 2 10.1.2.6
run nsx app1 ip neigh show dev eth0v

step "internet host -> web1's public IP 203.0.113.5 (internet gateway, 1:1 NAT, NSG web)"
run nsx igw-host ping -c 2 -W 2 203.0.113.5

step "web1 -> internet host: leaves as 203.0.113.5"
run nsx web1 ping -c 2 -W 2 198.18.0.10

step "app2 (private subnet) -> internet through the NAT gateway: leaves as 198.51.100.10"
run nsx app2 ping -c 2 -W 2 198.19.0.10

step "internet -> the NAT gateway's address: refused (connections only from inside)"
run nsx nat-host ping -c 1 -W 1 198.51.100.10

step "what the module counted (vnicctl stats)"
run nsx h1 vnicctl stats

step "a change: disable the NAT gateway; app2's traffic now drops (gw_disabled)"
topo_jq '(.gateways[] | select(.id == "nat") | .enabled) = false'
run nsx h1 vnicctl apply "$(topo_doc)"
run nsx app2 ping -c 1 -W 1 198.19.0.10
nsx h1 vnicctl -j stats | jq -M '{drops: (.drops | with_entries(select(.value > 0)))}'

step "done: every namespace and the module go away"
topo_cleanup
say "module unloaded: $( [ -d /sys/module/vnicgw ] && echo no || echo yes)"
