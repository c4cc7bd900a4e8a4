#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The packet fuzzer (pktfuzz.c) against the data path, over an IPv4 and then
# an IPv6 underlay: FUZZ_PACKETS structure-aware, mutated VXLAN/Geneve
# packets (default 50000 per underlay) from the real NVDs and gateways of
# the topology below to the real VIPs, and then:
#
# - no kernel report (the VM runner fails a run whose log has one; checked
#   here too, after each family);
# - every packet that reached the module's sockets is accounted for: the
#   module's received count (tunnel packets per CPU) equals its drops, by
#   named reason, plus the tunnel packets it sent on the underlay (captured
#   on the host's underlay device);
# - no frame reached a VNIC or gateway it was not for: every node's
#   underlay captures what it receives, every generated frame carries a
#   marker naming its sender, and a frame must come with the node's VNI, MAC
#   and VIP, to one of its addresses, from a sender of its VCN (c1, in
#   another VCN, has a1's address and MAC);
# - the host forwards normal traffic afterwards (ping, UDP and TCP).
#
# During the fuzzing the host is in a cluster with a member m2 that the
# fuzzer plays: the host hands m2 the flows it owns (sent, captured) and
# sends it state (not a packet it received: apart), and m2 sends the host
# handoffs (a VNIC's frame in the context it "arrived" in, mutated or not,
# the context sometimes impossible) and state messages. A state message with
# one record is consumed and the record counted (sync_in or sync_refused);
# so received = dropped + sent + records of those. The others claim no
# record, more than a message holds (16) or more than they carry: malformed.
#
# FUZZ_SEED (printed) reproduces a run; FUZZ_FAMILIES (default "4 6")
# selects the underlays. The packets per second and the count per drop
# reason are printed as diagnostics. Runs in the VM.
set -u
DIR=$(dirname "$0")
. "$DIR/../lib.sh"
. "$DIR/../datapath/topo.sh"
. "$DIR/../datapath/traffic.sh"

PKTFUZZ=$VGW_ROOT/build/selftests/fuzz/pktfuzz
FUZZ_PACKETS=${FUZZ_PACKETS:-50000}
FUZZ_FAMILIES=${FUZZ_FAMILIES:-4 6}
# One seed for the whole run, printed, so that a failure can be replayed.
FUZZ_SEED=${FUZZ_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
export FUZZ_PACKETS FUZZ_SEED

# node_vnic ID SUBNET IPS VNI NVD key=value...: topo_vnic, and the node's
# line in the fuzzer's configuration.
node_vnic()
{
	local id=$1 sub=$2 ips=$3 vni=$4 nvd=$5 kv vip='' encap=vxlan pub=-

	for kv in "${@:6}"; do
		case $kv in
		vip=*) vip=${kv#*=} ;;
		encap=*) encap=${kv#*=} ;;
		public_ip=*) pub=${kv#*=} ;;
		esac
	done
	topo_vnic "$@" || return
	echo "node $id vgwt-$id vnic $encap $vni $nvd $vip $(mac_of "${ips%%,*}")" \
		"${TOPO_SUBNET_VCN[$sub]} $ips $pub" >>"$CONF"
}

# node_gw ID VCN TYPE UL VNI BEHIND [key=value...]: topo_gateway with a host
# BEHIND (ADDR/LEN) it, and the fuzzer's line.
node_gw()
{
	local id=$1 vcn=$2 type=$3 ul=$4 vni=$5 behind=$6 kv pub=-

	for kv in "${@:7}"; do
		case $kv in
		public_ip=*) pub=${kv#*=} ;;
		esac
	done
	topo_gateway "$id" "$vcn" "$type" "$ul" "$vni" host="$behind" "${@:7}" || return
	echo "node $id vgwt-$id $type vxlan $vni $ul $(_topo_default_vip) $(gw_mac "$vni")" \
		"$vcn ${behind%/*} $pub" >>"$CONF"
}

# topology FAMILY: one host; vcn-a with a NAT gateway (sub-a), an internet
# gateway (sub-b), VXLAN and Geneve NVDs, inner IPv4 and IPv6; vcn-c with c1,
# which has a1's address and MAC.
topology()
{
	local u=$1 h ul vip1 vip2 a

	if [ "$u" = 6 ]; then
		ul=fd00:: vip1=fd00:100::1 vip2=fd00:100::2
	else
		ul=10.0.0. vip1=10.0.100.1 vip2=10.0.100.2
	fi
	h=${ul}10
	topo_init "$u" || return
	CONF=$TOPO_DIR/pktfuzz.conf
	echo "host vgwt-host1 ul0" >"$CONF"
	topo_host host1 "$h" || return
	topo_vcn vcn-a 10.1.0.0/16 2001:db8:1::/48
	topo_seclist sl vcn-a \
		ingress "$(rule source=10.1.0.0/16 protocol=udp dst_ports=7000)" \
			"$(rule source=10.1.0.0/16 protocol=tcp dst_ports=7000)" \
			"$(rule source=10.1.0.0/16 protocol=udp dst_ports=7001 stateless=true)" \
			"$(rule source=0.0.0.0/0 protocol=icmp)" \
			"$(rule source=198.18.0.0/16 protocol=tcp dst_ports=7000 stateless=true)" \
			"$(rule source=::/0 protocol=icmpv6)" \
			"$(rule source=::/0 protocol=udp dst_ports=7000)" \
			"$(rule source=::/0 protocol=tcp dst_ports=7000 stateless=true)" \
		egress "$(rule destination=0.0.0.0/0 protocol=all)" \
			"$(rule destination=::/0 protocol=all)"
	node_gw igw-a vcn-a internet "${ul}100" 9001 198.18.0.10/24 || return
	node_gw nat-a vcn-a nat "${ul}101" 9002 198.18.0.10/24 public_ip=203.0.113.100 || return
	topo_route_table rt-a vcn-a 0.0.0.0/0=nat-a
	topo_route_table rt-b vcn-a 0.0.0.0/0=igw-a
	topo_subnet sub-a vcn-a 10.1.1.0/24 rt=rt-a sl=sl
	topo_subnet sub-b vcn-a 10.1.2.0/24 rt=rt-b sl=sl
	topo_subnet sub-6 vcn-a 2001:db8:1:1::/64 sl=sl
	node_vnic a1 sub-a 10.1.1.5,10.1.1.55 1001 "${ul}21" vip=$vip1 || return
	node_vnic a2 sub-a 10.1.1.6 1002 "${ul}22" vip=$vip2 encap=geneve || return
	node_vnic b1 sub-b 10.1.2.5 1003 "${ul}23" vip=$vip1 public_ip=203.0.113.5 || return
	node_vnic v6a sub-6 2001:db8:1:1::5 1004 "${ul}24" vip=$vip1 || return
	node_vnic v6b sub-6 2001:db8:1:1::6 1005 "${ul}26" vip=$vip2 encap=geneve || return
	topo_vcn vcn-c 10.1.0.0/16
	topo_seclist sl-c vcn-c ingress "$(rule source=0.0.0.0/0 protocol=all)" \
		egress "$(rule destination=0.0.0.0/0 protocol=all)"
	topo_subnet sub-c vcn-c 10.1.1.0/24 sl=sl-c
	node_vnic c1 sub-c 10.1.1.5 1006 "${ul}25" vip=$vip1 || return
	# m2: the cluster member the fuzzer plays (no vnicgw there).
	_topo_ns m2 && _topo_plug m2 "${ul}11" || return
	echo "node m2 vgwt-m2 member geneve 0 ${ul}11 $h 02:00:00:00:00:00 - - -" >>"$CONF"
	MEMBERS=(--self host1 --member "host1=$h" --member "m2=${ul}11")
	topo_apply || return
	# The host knows every node's MAC before the first frame to it: a
	# frame that waits for ARP or ND is queued outside the module, and
	# one past that queue's bound would be lost without a count.
	for a in 11 21 22 23 24 25 26 100 101; do
		nsx host1 ping -q -c 1 -W 2 "${ul}$a" >/dev/null || return
	done
}

# reach U WHEN: ping, UDP and TCP across the host.
reach()
{
	local u=$1 when=$2

	expect_ok "IPv$u underlay, $when: ping a1 -> a2 (VXLAN -> Geneve)" pings a1 10.1.1.6
	expect_ok "IPv$u underlay, $when: ping v6a -> v6b (inner IPv6)" pings v6a 2001:db8:1:1::6
}

fuzz_family()
{
	local u=$1 out line d

	topology "$u" || { not_ok "IPv$u underlay: the topology"; return; }
	reach "$u" "before fuzzing"
	expect_ok "IPv$u underlay: the host joins a cluster with m2, which the fuzzer plays" \
		nsx host1 vnicctl cluster set "${MEMBERS[@]}"
	out=$(FUZZ_SEED=$FUZZ_SEED "$PKTFUZZ" "$CONF" 2>&1)
	echo "$out" | grep -E '^(seed|packets|seconds|module|cluster|drop|delivered|node|violation|pktfuzz)' | diag
	for line in reached captures_complete no_mtu_drops accounted isolation marked_delivered; do
		case $line in
		reached) d="packets reached the module's sockets" ;;
		captures_complete) d="every capture kept up (no packet lost to a full socket)" ;;
		no_mtu_drops) d="no frame was too big (an mtu drop also sends an error: the identity below assumes none)" ;;
		accounted) d="every packet accounted for: received = dropped by named reason + sent on the underlay + state records from m2" ;;
		isolation) d="no frame reached a VNIC or gateway it was not for (VNI, MAC, VIP, address, VCN of its marker)" ;;
		marked_delivered) d="marked frames were delivered (the isolation check saw real traffic)" ;;
		esac
		expect_match "IPv$u underlay, seed $FUZZ_SEED, $FUZZ_PACKETS packets: $d" \
			"^check $line ok" "$(grep "^check $line " <<<"$out")"
	done
	expect_eq "IPv$u underlay: the kernel log has no warning" "" \
		"$(dmesg | grep -E 'WARNING|BUG|Oops|Call Trace|refcount_t|UBSAN|KASAN' | head -3)"
	# Standalone again: every flow is the host's (m2 answers nothing).
	nsx host1 vnicctl cluster clear
	reach "$u" "after fuzzing"
	serve a2 udp 7000 a2 tcp 7000 || not_ok "servers"
	expect_answer "IPv$u underlay, after fuzzing: UDP a1 -> a2:7000 answered" \
		"a2 10\.1\.1\.5 [0-9]+" udp a1 10.1.1.6 7000
	expect_answer "IPv$u underlay, after fuzzing: TCP a1 -> a2:7000 answered" \
		"a2 10\.1\.1\.5 [0-9]+" tcp a1 10.1.1.6 7000
	topo_cleanup
}

tap_begin
echo "# FUZZ_SEED=$FUZZ_SEED FUZZ_PACKETS=$FUZZ_PACKETS TOPO_OFFLOADS=$TOPO_OFFLOADS"
for u in $FUZZ_FAMILIES; do
	fuzz_family "$u"
done
tap_end
