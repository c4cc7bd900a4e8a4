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
#   - the underlay's sources: a Linux VXLAN device takes a frame of its VNI
#     from any source, so nftables drops tunnel packets from addresses that
#     are no NVD's or gateway's (one set lookup per packet, as an operator
#     exposed to a shared underlay must add; path spoof measures it).
# What it does not do that vnicgw does: bind the source to the VNI (an NVD
# can still send into another VNIC's VNI: vnicgw and OVS drop that too),
# the inner source-MAC check, per-VNIC connection limits. Those would cost
# it more, not less.
#
# System 2b, linux-tuned: the same, with what a careful operator tunes:
#   - the nftables flowtable fast path: once a connection is established,
#     its packets go from the VXLAN device's ingress hook straight to the
#     output device (no routing, no forward chain); it applies to the
#     established flows of v2v and igw, not to the one-way NAT flows nor
#     to first packets;
#   - accept_local: with policy rules in place, Linux validates every
#     forwarded packet's source with a second FIB lookup (rp_filter off or
#     not: fib_validate_source(), fib4_has_custom_rules()); accept_local
#     skips it;
#   - interface indexes (iif, oif, meta sdif: 4 bytes) instead of names
#     (16) in the rules, sets and maps.
# The flowtables list every VNIC's device and the gateways' (250 to a
# flowtable: the kernel takes at most 256; the input device chooses the
# flowtable through a map); their entries live as long as conntrack's (the
# flowtable timeouts raised with them, ct_tune).
#
#   linux_up VNICS ROUTES CONNS, linux-tuned_up VNICS ROUTES CONNS

# One netdev per VNIC, and making one costs in proportion to those already
# there: the VXLAN driver checks the new VNI against every VXLAN device of
# the namespace (vxlan_vni_in_use(), vxlan_config_validate()), and linking it
# under the VRF searches the VRF's list of lower devices. 100k VNICs did not
# finish in 20 min in the VM (README); 10k do in minutes.
LINUX_MAX_VNICS=${LINUX_MAX_VNICS:-10000}

# A VNIC: its VXLAN device (made in the VRF and up in one request), the /32
# route and the permanent neighbor in the VRF's table. ip -batch: one
# process for any number of VNICs.
_linux_vnic_cmds()
{
	local id=$1 ip=$2 vni=$3 nvd=$4

	cat <<-EOF
		link add vx-$id address $ROUTER_MAC mtu 1450 master vrf-a up type vxlan id $vni local $VIP remote $nvd dstport 4789 nolearning noudpcsum
		route add $ip/32 dev vx-$id table 10
		neigh add $ip lladdr $(mac_of "$ip") dev vx-$id nud permanent
	EOF
}

# The bulk VNICs' commands: one awk, not a shell loop (100k of them).
_linux_bulk_cmds()
{
	awk -v n="$1" -v vip="$VIP" -v rmac="$ROUTER_MAC" 'BEGIN {
		for (i = 0; i < n; i++) {
			k = 10 + i
			ip = sprintf("10.%d.%d.%d", 64 + int(k / 65536), int(k / 256) % 256, k % 256)
			split(ip, o, ".")
			printf("link add vx-x%d address %s mtu 1450 master vrf-a up type vxlan id %d local %s remote 10.0.0.%d dstport 4789 nolearning noudpcsum\n",
				i, rmac, 200000 + i, vip, 21 + i % 2)
			printf("route add %s/32 dev vx-x%d table 10\n", ip, i)
			printf("neigh add %s lladdr 02:00:%02x:%02x:%02x:%02x dev vx-x%d nud permanent\n",
				ip, o[1], o[2], o[3], o[4], i)
		}
	}'
}

# ct_tune CONNS: what an operator sets to hold CONNS connections in Linux's
# conntrack (shared by the Linux-native systems and OVS, which all use it):
# the table's limit (three times: they run side by side) and its hash size (global,
# as many buckets as the limit), and in the DUT namespace UDP
# timeouts long enough that the opened connections outlive the measurement.
ct_tune()
{
	local conns=$1

	[ "$conns" -gt 0 ] || return 0
	local max=$((conns * 3 + 100000))

	sysctl -qw net.netfilter.nf_conntrack_max=$max
	# As many buckets as entries: chains of one, as vnicgw's growing
	# tables keep theirs.
	[ "$(cat /proc/sys/net/netfilter/nf_conntrack_buckets)" -ge $max ] ||
		sysctl -qw net.netfilter.nf_conntrack_buckets=$max
	ns "$GW" sysctl -qw net.netfilter.nf_conntrack_udp_timeout=600 \
		net.netfilter.nf_conntrack_udp_timeout_stream=600
}

# ct_restore: Linux's conntrack limit and hash back to the boot's (lib.sh
# bed_up): a hash grown for millions of entries would make the next
# scenarios' lookups scatter over it, for Linux and OVS only.
ct_restore()
{
	[ -n "${CT_BUCKETS0:-}" ] || return 0
	sysctl -qw net.netfilter.nf_conntrack_buckets="$CT_BUCKETS0" \
		net.netfilter.nf_conntrack_max="$CT_MAX0" 2>/dev/null
	return 0
}

linux_up() { _linux_up 0 "$@"; }
linux-tuned_up() { _linux_up 1 "$@"; }
linux_down() { :; }
linux-tuned_down() { :; }

# _linux_up TUNED VNICS ROUTES CONNS
_linux_up()
{
	local tuned=$1 vnics=$2 routes=$3 conns=$4 v id ip vni nvd sub pub i

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
		_linux_bulk_cmds "$vnics"
		# The gateways' devices: gx-*, apart from the VNICs' vx-* (the
		# inner source check is the VNICs').
		for v in "igw $IGW_VNI $IGW_UL 169.254.0.1" "nat $NAT_VNI $NAT_UL 169.254.0.2"; do
			read -r id vni nvd ip <<<"$v"
			echo "link add gx-$id address $ROUTER_MAC mtu 1450 master vrf-a up type vxlan id $vni local $VIP remote $nvd dstport 4789 nolearning noudpcsum"
			echo "neigh add $ip lladdr $(gw_mac "$vni") dev gx-$id nud permanent"
		done
		echo "route add default via 169.254.0.1 dev gx-igw onlink table 101"
		bulk_routes "$routes" "route add %s via 169.254.0.1 dev gx-igw onlink table 101"
		echo "route add default via 169.254.0.2 dev gx-nat onlink table 102"
		echo "rule add pref 100 to $VCN_CIDR lookup 10"
		echo "rule add pref 101 to $BULK_CIDR lookup 10"
		echo "rule add pref 200 from 10.1.1.0/24 lookup 101"
		echo "rule add pref 201 from 10.1.2.0/24 lookup 102"
	} >"$BENCH_TMP/linux.ip"
	ip -n "vgwb-$GW" -batch "$BENCH_TMP/linux.ip" || return
	# Devices made after "default" was set take it; say it for all anyway.
	ns "$GW" sh -c 'for f in /proc/sys/net/ipv4/conf/*/rp_filter; do echo 0 >$f; done'
	if [ "$tuned" = 1 ]; then
		ns "$GW" sysctl -qw net.ipv4.conf.all.accept_local=1 || return
		# Flowtable entries outlive the other systems' turns (30 s by
		# default: each run would start by adding its flows again).
		ns "$GW" sysctl -qw net.netfilter.nf_flowtable_udp_timeout=600 \
			net.netfilter.nf_flowtable_tcp_timeout=600 || return
	fi
	ct_tune "$conns"
	_linux_nft "$vnics" "$tuned" >"$BENCH_TMP/linux.nft"
	ns "$GW" nft -f "$BENCH_TMP/linux.nft"
}

# _linux_nft VNICS TUNED: the rule set, one element per VNIC in each map,
# whatever the scale. Tuned: interface indexes, and the flowtable.
_linux_nft()
{
	local vnics=$1 tuned=$2 v id ip vni nvd sub pub src="" eg="" in="" pubmap="" peers i
	local ift=ifname iif=iifname oif=oifname sdif=sdifname ftdevs="" ft="" ftadd=""

	# The underlay peers: the NVDs (the bulk VNICs' are a's and b's) and
	# the gateways.
	peers="$IGW_UL, $NAT_UL"
	for v in "${VNICS[@]}"; do
		read -r id ip vni nvd sub pub <<<"$v"
		[[ ", $peers, " == *", $nvd, "* ]] || peers+=", $nvd"
		src+="\"vx-$id\" . $ip, "
		eg+="\"vx-$id\" : jump sl_egress, "
		in+="\"vx-$id\" : jump sl_ingress, "
		[ "$pub" = - ] || pubmap+="$ip : $pub, "
		ftdevs+="\"vx-$id\", "
	done
	if [ "$tuned" = 1 ]; then
		ift=iface_index iif=iif oif=oif sdif=sdif
		# Every VNIC's device and the gateways': a flowtable takes at
		# most 256 devices (NFT_NETDEVICE_MAX), so one flowtable per
		# 250, and a map from the input device to the chain that adds
		# the flow to its flowtable.
		ft=$(awk -v n="$vnics" -v named="${ftdevs}\"gx-igw\", \"gx-nat\"" 'BEGIN {
			k = split(named, d, /, /)
			for (i = 0; i < n; i++) d[++k] = sprintf("\"vx-x%d\"", i)
			for (g = 0; g * 250 < k; g++) {
				devs = ""; elems = ""
				for (j = g * 250 + 1; j <= k && j <= (g + 1) * 250; j++) {
					sub(/, $/, "", d[j])
					devs = devs (devs == "" ? "" : ", ") d[j]
					elems = elems (elems == "" ? "" : ", ") d[j] " : jump off" g
				}
				printf("flowtable ft%d { hook ingress priority filter; devices = { %s }; }\n", g, devs)
				printf("chain off%d { flow add @ft%d; }\n", g, g)
				map = map (map == "" ? "" : ", ") elems
			}
			printf("map ftmap { type iface_index : verdict; elements = { %s } }\n", map)
		}')
		# Offloaded once established and past its first packets: a
		# connection of a handful of packets (tcp-crr) would only pay
		# for the flow's add and removal.
		ftadd="ct state established ct original packets > 8 meta l4proto { tcp, udp } iif vmap @ftmap"
	fi
	cat <<-EOF
		table inet vgw {
			$ft
			set ul_peers { type ipv4_addr; elements = { $peers } }
			set vnic_src { type $ift . ipv4_addr; elements = { ${src%, } } }
			map egress { type $ift : verdict; elements = { ${eg%, } } }
			map ingress { type $ift : verdict; elements = { ${in%, } } }
			# The tunnels' own UDP is not tracked (an operator's first
			# tuning of a stateful tunnel endpoint); the inner packets,
			# on the VXLAN devices, are.
			chain pre {
				type filter hook prerouting priority raw; policy accept;
				ip daddr $VIP udp dport 4789 ip saddr != @ul_peers drop
				ip daddr $VIP udp dport 4789 notrack
				iifname "vx-*" $iif . ip saddr != @vnic_src drop
			}
			chain out {
				type filter hook output priority raw; policy accept;
				ip saddr $VIP udp dport 4789 notrack
			}
			chain forward {
				type filter hook forward priority filter; policy drop;
				$ftadd
				ct state established,related accept
				ct state invalid drop
				meta $sdif vmap @egress
				$oif vmap @ingress
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
				$oif "gx-igw" snat to ip saddr map @pub
				$oif "gx-igw" drop
				$oif "gx-nat" snat to $NAT_PUB
			}
		}
	EOF
	# The extra VNICs, in the same transaction: one "add element" of up to
	# 5000 elements per set at a time (one command per element parses far
	# slower at 100k).
	[ "$vnics" -gt 0 ] || return 0
	awk -v n="$vnics" 'function flush() {
			if (src == "") return
			printf("add element inet vgw vnic_src { %s }\n", src)
			printf("add element inet vgw egress { %s }\n", eg)
			printf("add element inet vgw ingress { %s }\n", in_)
			src = eg = in_ = ""
		}
		BEGIN { for (i = 0; i < n; i++) {
			k = 10 + i; sep = src == "" ? "" : ", "
			ip = sprintf("10.%d.%d.%d", 64 + int(k / 65536), int(k / 256) % 256, k % 256)
			src = src sep sprintf("\"vx-x%d\" . %s", i, ip)
			eg = eg sep sprintf("\"vx-x%d\" : jump sl_egress", i)
			in_ = in_ sep sprintf("\"vx-x%d\" : jump sl_ingress", i)
			if (i % 5000 == 4999) flush()
		} flush() }'
}

