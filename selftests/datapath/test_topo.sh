#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The test bed itself, without the data path: topo.sh builds what README.md
# says (underlay, VIP routes, NVD tunnel devices, gateways and the hosts
# behind them), the document it writes is one the control plane takes back
# unchanged, and the traffic tools (flow, craft, tcpdump) work against
# Linux's own VXLAN and Geneve devices. Passes with any module that has the
# vnicgw link and vnicctl apply. Runs in the VM.
set -u
DIR=$(dirname "$0")
. "$DIR/../lib.sh"
. "$DIR/topo.sh"
. "$DIR/traffic.sh"

tap_begin

# route_dev NS DST: the device and gateway NS routes DST through.
route_via() { nsx "$1" ip -j route get "$2" | jq -r '.[0] | "\(.dev) \(.gateway // "-") \(.type // "unicast")"'; }
link_json() { nsx "$1" ip -d -j link show "$2" | jq -c '.[0]'; }

# --- IPv4 underlay -----------------------------------------------------------------
topo_init 4 || { not_ok "topo_init 4"; tap_end; }
topo_host host1 10.0.0.10
topo_vcn vcn-a 10.1.0.0/16
topo_seclist sl-a vcn-a ingress "$(rule source=0.0.0.0/0 protocol=all)" \
	egress "$(rule destination=0.0.0.0/0 protocol=all)"
topo_gateway igw-a vcn-a internet 10.0.0.100 9001 host=198.18.0.10/24
topo_route_table rt-a vcn-a 0.0.0.0/0=igw-a
topo_subnet sub-a vcn-a 10.1.1.0/24 rt=rt-a sl=sl-a
topo_subnet sub-b vcn-a 10.1.2.0/24 rt=rt-a sl=sl-a
topo_vnic a1 sub-a 10.1.1.5 1001 10.0.0.21 vip=10.0.100.1 public_ip=203.0.113.5
topo_vnic a2 sub-a 10.1.1.6 1002 10.0.0.22 vip=10.0.100.2 encap=geneve
topo_vnic b1 sub-b 10.1.2.5 1003 10.0.0.23 vip=10.0.100.1
expect_eq "every namespace is there" \
	"vgwt-a1 vgwt-a2 vgwt-b1 vgwt-host1 vgwt-igw-a vgwt-igw-a-host vgwt-ul" \
	"$(ip netns list | awk '{print $1}' | grep '^vgwt-' | sort | xargs)"

# The underlay: one L2 segment.
expect_ok "underlay: an NVD reaches the vnicgw host" pings a1 10.0.0.10
expect_ok "underlay: an NVD reaches another NVD" pings a1 10.0.0.23
expect_ok "underlay: a gateway reaches an NVD" pings igw-a 10.0.0.22
expect_eq "the VIPs are routed via the vnicgw host" "ul0 10.0.0.10 unicast" \
	"$(route_via a1 10.0.100.2)"
expect_eq "... from gateways too" "ul0 10.0.0.10 unicast" "$(route_via igw-a 10.0.100.1)"
expect_eq "the VIPs are local addresses of the host" "lo - local" \
	"$(route_via host1 10.0.100.2)"
expect_ok "a VIP answers ping over the underlay" pings b1 10.0.100.2
expect_eq "the host has the vnicgw link, up" "vnicgw true" \
	"$(link_json host1 gw0 | jq -r '"\(.linkinfo.info_kind) \(.flags | index("UP") != null)"')"

# The NVDs: Linux VXLAN and Geneve devices towards the VIPs.
expect_eq "a1's NIC: VXLAN VNI 1001 from its NVD address, port 4789" \
	"vxlan 1001 10.0.0.21 4789 02:00:0a:01:01:05 1450" \
	"$(link_json a1 eth0v | jq -r '[.linkinfo.info_kind, .linkinfo.info_data.id,
		.linkinfo.info_data.local, .linkinfo.info_data.port, .address, .mtu] | join(" ")')"
expect_ok "a1's NIC sends everything to its VIP (fdb default)" \
	grep -q "00:00:00:00:00:00 dst 10.0.100.1 " <(nsx a1 bridge fdb show dev eth0v)
expect_eq "a2's NIC: Geneve VNI 1002 to its VIP" "geneve 1002 10.0.100.2 02:00:0a:01:01:06 1450" \
	"$(link_json a2 eth0v | jq -r '[.linkinfo.info_kind, .linkinfo.info_data.id,
		.linkinfo.info_data.remote, .address, .mtu] | join(" ")')"
expect_eq "an instance has its private IP with the subnet's length" "10.1.2.5/24" \
	"$(nsx b1 ip -j addr show eth0v | jq -r '.[0].addr_info[] | select(.family == "inet") | "\(.local)/\(.prefixlen)"')"
expect_eq "... and its default route via the virtual router" "eth0v 10.1.2.1 unicast" \
	"$(route_via b1 198.18.0.10)"
expect_eq "... and no IPv6 on an IPv4-only NIC (no stray ND/MLD in the counters)" "1" \
	"$(nsx b1 sysctl -n net.ipv6.conf.eth0v.disable_ipv6)"

# A gateway and the internet behind it.
expect_eq "the gateway's tunnel: VXLAN VNI 9001, MAC 02:00:00 + VNI" \
	"vxlan 9001 10.0.0.100 02:00:00:00:23:29" \
	"$(link_json igw-a gwv | jq -r '[.linkinfo.info_kind, .linkinfo.info_data.id,
		.linkinfo.info_data.local, .address] | join(" ")')"
expect_eq "the gateway routes the VCN on-link into its tunnel" "gwv - unicast" \
	"$(route_via igw-a 10.1.2.5)"
expect_eq "the gateway forwards" 1 "$(nsx igw-a sysctl -n net.ipv4.ip_forward)"
expect_ok "the internet host reaches its gateway" pings igw-a-host 198.18.0.1
expect_fail "the internet host has no route to private addresses" \
	nsx igw-a-host ip route get 10.1.1.5

# The document: the control plane takes it and gives it back.
expect_ok "vnicctl validates the generated document" vnicctl validate "$(topo_doc)"
expect_ok "topo_apply applies it on the host" topo_apply
expect_ok "the host's tables equal the document" \
	diff -u <(vnicctl -j validate "$TOPO_DOC") <(nsx host1 vnicctl -j show)
expect_eq "the internet gateway routes the VNIC's public IP into its tunnel" \
	"gwv - unicast" "$(route_via igw-a 203.0.113.5)"
expect_eq "a changed gateway is one change" "~ gateway igw-a" \
	"$(topo_jq '(.gateways[] | select(.id == "igw-a") | .enabled) = false' &&
	   nsx host1 vnicctl apply -v "$TOPO_DOC" | grep -v '^applied')"

# The tools, against Linux's own devices.
serve b1 udp 7000 && serve b1 tcp 7000
expect_answer "flow udp: the server answers with the address it saw" \
	"b1 10\.0\.0\.21 5555" udp a1 10.0.0.23 7000 --sport 5555
expect_answer "flow tcp: the same over TCP" "b1 10\.0\.0\.21 [0-9]+" tcp a1 10.0.0.23 7000
expect_fail "flow fails (exit 1) when nobody answers" udp_no a1 10.0.0.99 7000

cap_start vx b1 ul0 udp port 4789
nsx a1 "$CRAFT" --from 10.0.0.21 --to 10.0.0.23 --vxlan 1003 \
	--smac 02:00:0a:01:01:05 --dmac 02:00:0a:01:02:05 \
	--src 10.1.1.5 --dst 10.1.2.5 --sport 41000 --payload craft-vxlan
expect_ok "craft's VXLAN packet is taken by Linux VXLAN (headers and checksums right)" \
	wait_for 3 grep -q " 10.1.1.5 41000 .* craft-vxlan" "$TOPO_DIR/serve-b1-udp-7000.log"
cap_stop vx
expect_match "tcpdump captured it with its VNI" \
	"VXLAN, flags \[I\] \(0x08\), vni 1003" "$(cap_read vx)"

# A Linux Geneve NVD takes packets only from its remote, the VIP: a stand-in
# for the cluster holds the VIP.
serve a2 udp 7000
_topo_ns fake && _topo_plug fake 10.0.0.99 && nsx fake ip addr add 10.0.100.2/32 dev lo
nsx fake "$CRAFT" --from 10.0.100.2 --to 10.0.0.22 --geneve 1002 \
	--opt 0x0102:0x01:8 --opt 0xffff:0x02:4 \
	--smac 02:00:00:00:00:01 --dmac 02:00:0a:01:01:06 \
	--src 10.1.2.5 --dst 10.1.1.6 --payload craft-geneve
expect_ok "craft's Geneve packet with options is taken by Linux Geneve" \
	wait_for 3 grep -q " 10.1.2.5 40000 .* craft-geneve" "$TOPO_DIR/serve-a2-udp-7000.log"
nsx fake "$CRAFT" --from 10.0.0.99 --to 10.0.0.22 --geneve 1002 \
	--smac 02:00:00:00:00:01 --dmac 02:00:0a:01:01:06 \
	--src 10.1.2.5 --dst 10.1.1.6 --payload not-from-vip
sleep 1	# the absence of a packet: give it the time the one above took
expect_fail "... but not from another source than its VIP (so the cluster must send from the VIP)" \
	grep -q "not-from-vip" "$TOPO_DIR/serve-a2-udp-7000.log"

topo_cleanup
expect_eq "topo_cleanup leaves no namespace behind" "" \
	"$(ip netns list | grep '^vgwt-')"

# --- IPv6 underlay -----------------------------------------------------------------
topo_init 6 || { not_ok "topo_init 6"; tap_end; }
topo_host host1 fd00::10
topo_vcn vcn6 2001:db8:1::/48 10.2.0.0/16
topo_subnet s6 vcn6 2001:db8:1:1::/64
topo_subnet s4 vcn6 10.2.1.0/24
topo_vnic v6a s6 2001:db8:1:1::5 2001 fd00::21 vip=fd00:100::1
topo_vnic v6b s6 2001:db8:1:1::6 2002 fd00::22 vip=fd00:100::2 encap=geneve
topo_vnic v4a s4 10.2.1.5 2003 fd00::23 vip=fd00:100::1
expect_ok "IPv6 underlay: an NVD reaches the host" pings v6a fd00::10
expect_ok "IPv6 underlay: a VIP answers" pings v6b fd00:100::1
expect_eq "IPv6 underlay: VXLAN from the NVD's IPv6 address, MTU 1430" \
	"vxlan 2001 fd00::21 1430" \
	"$(link_json v6a eth0v | jq -r '[.linkinfo.info_kind, .linkinfo.info_data.id,
		.linkinfo.info_data.local6 // .linkinfo.info_data.local, .mtu] | join(" ")')"
expect_eq "IPv6 underlay: Geneve to the IPv6 VIP" "geneve fd00:100::2" \
	"$(link_json v6b eth0v | jq -r '[.linkinfo.info_kind,
		.linkinfo.info_data.remote6 // .linkinfo.info_data.remote] | join(" ")')"
expect_eq "inner IPv6: default route via the subnet's virtual router" \
	"eth0v 2001:db8:1:1::1 unicast" "$(route_via v6a 2001:db8:9::1)"
expect_ok "the IPv6 document applies" topo_apply
serve v6a udp 7000
nsx v6b "$CRAFT" --from fd00::22 --to fd00::21 --vxlan 2001 \
	--smac 02:06:00:00:00:06 --dmac "$(mac_of 2001:db8:1:1::5)" \
	--src 2001:db8:1:1::6 --dst 2001:db8:1:1::5 --payload craft-v6
expect_ok "craft: VXLAN over IPv6 with an inner IPv6 datagram is taken by Linux VXLAN" \
	wait_for 3 grep -q " 2001:db8:1:1::6 40000 .* craft-v6" "$TOPO_DIR/serve-v6a-udp-7000.log"

tap_end
