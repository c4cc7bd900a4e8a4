# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# System 2: the Linux-native gateway, what an operator builds from stock
# parts for the same tenant:
#   - one VXLAN device per micro-VNIC (VNI, remote = its NVD, local = the
#     VIP), the virtual router's MAC on it, enslaved to the VCN's VRF;
#   - the VRF's table: a /32 route and a permanent neighbor per VNIC (the
#     VCN-local routes); one VXLAN device per gateway;
#   - policy routing: "to the VCN's CIDRs: the VRF table", then "from a
#     subnet: its route table" (route tables are ip route tables);
#   - nftables: source check (device . source address), the VNIC's egress
#     rules (by the VRF slave device, sdifname) and the destination's
#     ingress rules (by output device), stateful with connection tracking;
#     1:1 NAT (snat/dnat by map) behind the internet gateway, masquerade to
#     the NAT gateway's public IP behind the NAT gateway.
# What it does not do that vnicgw does: the outer-source check (a Linux
# VXLAN device takes any source), the inner source-MAC check, per-VNIC
# connection limits. Those would cost it more, not less.
#
#   linux_up VNICS ROUTES CONNS

LINUX_MAX_VNICS=${LINUX_MAX_VNICS:-1000}	# one netdev each: see README

_linux_vnic_cmds()
{
	local id=$1 ip=$2 vni=$3 nvd=$4

	cat <<-EOF
		link add vx-$id address $ROUTER_MAC mtu 1450 type vxlan id $vni local $VIP remote $nvd dstport 4789 nolearning
		link set vx-$id master vrf-a up
		route add $ip/32 dev vx-$id table 10
		neigh add $ip lladdr $(mac_of "$ip") dev vx-$id nud permanent
	EOF
}

linux_up()
{
	local vnics=$1 routes=$2 conns=$3 v id ip vni nvd sub pub i

	if [ "$vnics" -gt "$LINUX_MAX_VNICS" ]; then
		echo "linux: $vnics VNICs = $vnics netdevs, over LINUX_MAX_VNICS" >&2
		return 2
	fi
	gw_up || return
	{
		echo "link add vrf-a type vrf table 10"
		echo "link set vrf-a up"
		for v in "${VNICS[@]}"; do
			read -r id ip vni nvd sub pub <<<"$v"
			_linux_vnic_cmds "$id" "$ip" "$vni" "$nvd"
		done
		bulk_vnics "$vnics" | while read -r id ip vni nvd; do
			_linux_vnic_cmds "$id" "$ip" "$vni" "$nvd"
		done
		for v in "igw $IGW_VNI $IGW_UL 169.254.0.1" "nat $NAT_VNI $NAT_UL 169.254.0.2"; do
			read -r id vni nvd ip <<<"$v"
			echo "link add vx-$id address $ROUTER_MAC mtu 1450 type vxlan id $vni local $VIP remote $nvd dstport 4789 nolearning"
			echo "link set vx-$id master vrf-a up"
			echo "neigh add $ip lladdr $(gw_mac "$vni") dev vx-$id nud permanent"
		done
		echo "route add default via 169.254.0.1 dev vx-igw onlink table 101"
		bulk_routes "$routes" "route add %s via 169.254.0.1 dev vx-igw onlink table 101"
		echo "route add default via 169.254.0.2 dev vx-nat onlink table 102"
		echo "rule add pref 100 to $VCN_CIDR lookup 10"
		echo "rule add pref 101 to $BULK_CIDR lookup 10"
		echo "rule add pref 200 from 10.1.1.0/24 lookup 101"
		echo "rule add pref 201 from 10.1.2.0/24 lookup 102"
	} >"$BENCH_TMP/linux.ip"
	ip -n "vgwb-$GW" -batch "$BENCH_TMP/linux.ip" || return
	# Devices made after "default" was set take it; say it for all anyway.
	ns "$GW" sh -c 'for f in /proc/sys/net/ipv4/conf/*/rp_filter; do echo 0 >$f; done'
	[ "$conns" -gt 0 ] && sysctl -qw net.netfilter.nf_conntrack_max=$((conns * 2))
	_linux_nft "$vnics" >"$BENCH_TMP/linux.nft"
	ns "$GW" nft -f "$BENCH_TMP/linux.nft"
}

# The rule set: one element per VNIC in each map, whatever the scale.
_linux_nft()
{
	local vnics=$1 v id ip vni nvd sub pub src="" eg="" in="" pubmap=""

	for v in "${VNICS[@]}"; do
		read -r id ip vni nvd sub pub <<<"$v"
		src+="\"vx-$id\" . $ip, "
		eg+="\"vx-$id\" : jump sl_egress, "
		in+="\"vx-$id\" : jump sl_ingress, "
		[ "$pub" = - ] || pubmap+="$ip : $pub, "
	done
	cat <<-EOF
		table inet vgw {
			set vnic_src { type ifname . ipv4_addr; elements = { ${src%, } } }
			map egress { type ifname : verdict; elements = { ${eg%, } } }
			map ingress { type ifname : verdict; elements = { ${in%, } } }
			chain pre {
				type filter hook prerouting priority raw; policy accept;
				iifname "vx-*" iifname . ip saddr != @vnic_src drop
			}
			chain forward {
				type filter hook forward priority filter; policy drop;
				ct state established,related accept
				ct state invalid drop
				meta sdifname vmap @egress
				oifname vmap @ingress
				accept
			}
			chain sl_egress {
				ip daddr $SL_EG_DST return
				drop
			}
			chain sl_ingress {
				ip saddr $SL_IN_SRC return
				drop
			}
		}
		table ip vgwnat {
			map pub { type ipv4_addr : ipv4_addr; elements = { ${pubmap%, } } }
			chain post {
				type nat hook postrouting priority srcnat; policy accept;
				oifname "vx-igw" snat to ip saddr map @pub
				oifname "vx-igw" drop
				oifname "vx-nat" snat to $NAT_PUB
			}
		}
	EOF
	# The extra VNICs, added to the sets in one more transaction.
	[ "$vnics" -gt 0 ] || return 0
	bulk_vnics "$vnics" | while read -r id ip vni nvd; do
		echo "add element inet vgw vnic_src { \"vx-$id\" . $ip }"
		echo "add element inet vgw egress { \"vx-$id\" : jump sl_egress }"
		echo "add element inet vgw ingress { \"vx-$id\" : jump sl_ingress }"
	done
}

linux_down() { :; }
