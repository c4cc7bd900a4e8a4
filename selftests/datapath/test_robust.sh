#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What the cluster must refuse, and how it behaves on the underlay: spoofed
# outer sources, unknown VNIs, spoofed MACs and inner source IPs, and crafted
# malformed packets, each dropped and counted under its own reason, with the
# host forwarding on and the kernel log clean; valid oddities (Geneve
# options, IPv4 options, fragments) forwarded; one sender's first fragment
# never speaks for another's later ones; frames too big for the
# underlay dropped as "mtu" with ICMP fragmentation-needed when DF is set;
# outer TTL 64 and DF, the VIP as outer source, zero UDP checksum over IPv4,
# and outer UDP source ports that follow the inner flow. Runs in the VM.
set -u
DIR=$(dirname "$0")
. "$DIR/../lib.sh"
. "$DIR/topo.sh"
. "$DIR/traffic.sh"

tap_begin
topo_init 4 || { not_ok "topology"; tap_end; }
topo_host host1 10.0.0.10
topo_vcn vcn-a 10.1.0.0/16
topo_seclist sl vcn-a \
	ingress "$(rule source=10.1.0.0/16 protocol=icmp)" \
		"$(rule source=10.1.0.0/16 protocol=udp dst_ports=7000)" \
	egress "$(rule destination=0.0.0.0/0 protocol=all)"
topo_subnet sub-a vcn-a 10.1.1.0/24 sl=sl
topo_subnet sub-b vcn-a 10.1.2.0/24 sl=sl
topo_vnic a1 sub-a 10.1.1.5,10.1.1.55 1001 10.0.0.21 vip=10.0.100.1
topo_vnic a2 sub-a 10.1.1.6 1002 10.0.0.22 vip=10.0.100.2 encap=geneve
topo_vnic b1 sub-b 10.1.2.5 1003 10.0.0.23 vip=10.0.100.1
# Another tenant with the same CIDR: c1 has a1's address (and MAC).
topo_vcn vcn-c 10.1.0.0/16
topo_seclist sl-c vcn-c egress "$(rule destination=0.0.0.0/0 protocol=all)"
topo_subnet sub-c vcn-c 10.1.1.0/24 sl=sl-c
topo_vnic c1 sub-c 10.1.1.5 1005 10.0.0.25 vip=10.0.100.1
# An impostor: a1's VNI, VIP, MAC and IP, from another NVD address. It knows
# the router's MAC already, so it does send its datagrams.
topo_instance evil 10.0.0.66 1001 vxlan 10.0.100.1 02:00:0a:01:01:05 10.1.1.0/24 10.1.1.5
ip -n vgwt-evil neigh add 10.1.1.1 lladdr "$ROUTER_MAC" dev eth0v nud permanent
topo_apply || { not_ok "the document applies"; tap_end; }
serve b1 udp 7000 a1 udp 7000 || { not_ok "servers"; tap_end; }
expect_ok "the path works before anything else" pings a1 10.1.2.5

# --- spoofing ----------------------------------------------------------------------
expect_blocked "an impostor NVD sending a1's VNI to a1's VIP from 10.0.0.66: outer_src_spoof" \
	outer_src_spoof - udp_no evil 10.1.2.5 7000 --msg from-evil
expect_eq "... and b1 never got its datagram" 0 "$(served b1 udp 7000 | grep -c from-evil)"

A1=(nsx a1 "$CRAFT" --from 10.0.0.21 --to 10.0.100.1 --smac 02:00:0a:01:01:05
    --src 10.1.1.5 --dst 10.1.2.5 --dport-in 7000)
expect_counted "a VNI that nothing has at that VIP: no_attachment" no_attachment - \
	"${A1[@]}" --vxlan 4242
expect_counted "a1's VNI at another VIP (a2's) is not a1: no_attachment" no_attachment - \
	"${A1[@]}" --vxlan 1001 --to 10.0.100.2
expect_counted "a frame from a1's NVD with another source MAC: mac_spoof on a1" mac_spoof a1 \
	"${A1[@]}" --vxlan 1001 --smac 02:00:0a:01:01:99
ip -n vgwt-a1 addr add 10.1.1.77/24 dev eth0v
ns_before=$(drops src_ip_spoof)
expect_blocked "an inner source IP that is not a1's (10.1.1.77): src_ip_spoof on a1" \
	src_ip_spoof a1 ping1 a1 10.1.2.5 -I 10.1.1.77
expect_fail "... counted in the namespace's drops as well" test "$(drops src_ip_spoof)" = "$ns_before"
ip -n vgwt-a1 addr del 10.1.1.77/24 dev eth0v
expect_ok "a1's secondary private IP (10.1.1.55) is its own: it passes" \
	pings a1 10.1.2.5 -I 10.1.1.55

# --- malformed packets: each dropped under its reason -------------------------------------
# From a1's own NVD to a1's VIP, so nothing but the defect is wrong.
malformed=(
	"an empty UDP datagram|malformed|--vxlan 1001 --truncate 0"
	"a VXLAN header cut at 4 bytes|malformed|--vxlan 1001 --truncate 4"
	"a VXLAN header and no frame|malformed|--vxlan 1001 --truncate 8"
	"an Ethernet header cut at 10 bytes|malformed|--vxlan 1001 --truncate 18"
	"an IPv4 header cut at 10 bytes|malformed|--vxlan 1001 --truncate 32"
	"an IPv4 header length (IHL) of 4|malformed|--vxlan 1001 --ihl 4"
	"an IPv4 total length beyond the frame|malformed|--vxlan 1001 --ip-len 1000"
	"an IPv4 total length shorter than its header|malformed|--vxlan 1001 --ip-len 12"
	"IPv4 in a frame typed IPv6|malformed|--vxlan 1001 --ethertype 0x86dd"
	"a UDP header cut at 2 bytes|malformed|--vxlan 1001 --ip-len 22 --truncate 44"
	"a TCP header cut at 10 bytes|malformed|--vxlan 1001 --proto tcp --ip-len 30 --truncate 52"
	"an ICMP header cut at 4 bytes|malformed|--vxlan 1001 --proto icmp --ip-len 24 --truncate 46"
	"an ARP request cut at 10 bytes|malformed|--vxlan 1001 --arp 10.1.1.1 --truncate 32"
	"Geneve options longer than the packet|malformed|--geneve 1001 --opt-len 40"
	"VXLAN without the I flag|bad_tunnel|--vxlan 1001 --flags 0x00"
	"Geneve version 1|bad_tunnel|--geneve 1001 --geneve-version 1"
	"Geneve with a critical option|bad_tunnel|--geneve 1001 --opt 0x0102:0x80:4"
	"Geneve carrying IPv4 instead of Ethernet|bad_tunnel|--geneve 1001 --geneve-proto 0x0800"
	"a Geneve control (OAM) packet, whose payload is not to be forwarded|bad_tunnel|--geneve 1001 --geneve-flags 0x80"
	"vnicgw's handoff option with 8 bytes instead of 36|malformed|--geneve 1001 --opt 0xff76:0x01:8"
	"vnicgw's state option with 8 bytes instead of 4|malformed|--geneve 1001 --opt 0xff76:0x02:8"
	"two handoff options in one packet|malformed|--geneve 1001 --opt 0xff76:0x01:36 --opt 0xff76:0x01:36"
	"a frame that is neither IP nor ARP (LLDP)|not_ip|--vxlan 1001 --ethertype 0x88cc"
	"a fragment (offset 1480) whose first fragment was never seen|fragment|--vxlan 1001 --frag 185"
)
for row in "${malformed[@]}"; do
	IFS='|' read -r desc reason args <<<"$row"
	# shellcheck disable=SC2086 # args are words
	expect_counted "malformed: $desc: $reason" "$reason" - "${A1[@]}" $args
done
expect_ok "after all of them the host forwards as before" pings a1 10.1.2.5
expect_eq "and the kernel log has no warning" "" \
	"$(dmesg | grep -E 'WARNING|BUG|Oops|Call Trace|refcount_t' | head -3)"

# --- valid oddities are forwarded -------------------------------------------------------
nsx a2 "$CRAFT" --from 10.0.0.22 --to 10.0.100.2 --geneve 1002 \
	--opt 0x0102:0x01:8 --opt 0xffff:0x02:4 --smac 02:00:0a:01:01:06 \
	--src 10.1.1.6 --dst 10.1.2.5 --payload geneve-options
expect_ok "Geneve with 16 bytes of non-critical options: skipped, the datagram reaches b1" \
	wait_for 3 grep -q geneve-options "$TOPO_DIR/serve-b1-udp-7000.log"
"${A1[@]}" --vxlan 1001 --ip-options 8 --payload ip-options
expect_ok "an inner IPv4 header with options is forwarded" \
	wait_for 3 grep -q ip-options "$TOPO_DIR/serve-b1-udp-7000.log"
expect_answer "a 3000-byte UDP datagram, fragmented by a1 (MTU 1450), to an allowed port: answered" \
	"b1 10\.1\.1\.5 [0-9]+" udp a1 10.1.2.5 7000 --size 3000 --no-df
expect_match "... and b1 got it whole" "^udp 10\.1\.1\.5 [0-9]+ 10\.1\.2\.5 7000 3000 " \
	"$(served b1 udp 7000)"

# --- the fragment table: one tenant's fragments never speak for another's ------------------
# a1 (vcn-a) and c1 (vcn-c) have the same address; both send a first
# fragment to 10.1.2.5 with IP id 0x5151, a1's to port 7000 (b1 allows it),
# c1's to 7001. a1's later fragment must go on with a1's ports. The three
# go back to back (the counters read before and after), so that a slow
# kernel does not let the first fragments' notes expire (30 s) meanwhile.
C1=(nsx c1 "$CRAFT" --from 10.0.0.25 --to 10.0.100.1 --vxlan 1005 --smac 02:00:0a:01:01:05
    --src 10.1.1.5 --dst 10.1.2.5)
before=$(stats)
denied=$(drops ingress_denied b1)
nodst=$(drops no_dst_vnic c1)
"${A1[@]}" --vxlan 1001 --frag 0:mf --frag-id 0x5151
"${C1[@]}" --dport-in 7001 --frag 0:mf --frag-id 0x5151
"${A1[@]}" --vxlan 1001 --frag 185 --frag-id 0x5151
wait_for 3 eval '[ "$(stats_delta "$before" "$(stats)" b1 in_packets)" -ge 2 ]'
expect_eq "frag: c1 (another VCN, a1's address) sent a first fragment of the same id to port 7001: no_dst_vnic there" \
	1 "$(($(drops no_dst_vnic c1) - nodst))"
expect_eq "frag: a1's later fragment reaches b1 on a1's port 7000, not c1's 7001 (b1: in_packets +2, its first fragment and this, ingress_denied +0)" \
	"2 0" "$(stats_delta "$before" "$(stats)" b1 in_packets) $(($(drops ingress_denied b1) - denied))"
# a1 claims b1's address in a first fragment to a2:7000 (allowed there);
# dropped as a spoof, it must not vouch for b1's later fragment of that id.
expect_counted "frag: a1 sends a first fragment from b1's address (10.1.2.5) to a2:7000: src_ip_spoof on a1" \
	src_ip_spoof a1 "${A1[@]}" --vxlan 1001 --src 10.1.2.5 --dst 10.1.1.6 --frag 0:mf --frag-id 0x6161
expect_counted "frag: ... so b1's later fragment of that id to a2 has no first fragment: fragment on b1" \
	fragment b1 nsx b1 "$CRAFT" --from 10.0.0.23 --to 10.0.100.1 --vxlan 1003 \
	--smac 02:00:0a:01:02:05 --src 10.1.2.5 --dst 10.1.1.6 --frag 185 --frag-id 0x6161

# --- MTU: the route to b1's NVD takes 1400 bytes; encapsulation adds 50 ----------------------
ip -n vgwt-host1 route add 10.0.0.23/32 dev ul0 mtu 1400
expect_ok "MTU: an inner packet of 1328 bytes (outer 1378) fits" pings a1 10.1.2.5 -Mdo -s 1300
cap_start icmp-a1 a1 eth0v icmp and 'icmp[icmptype] == icmp-unreach'
expect_blocked "MTU: 1428 bytes without DF: dropped, not fragmented: mtu" \
	mtu - ping1 a1 10.1.2.5 -Mdont -s 1400
cap_stop icmp-a1
expect_eq "... and no ICMP error comes back for it" "" "$(cap_read icmp-a1)"
cap_start icmp-a1-df a1 eth0v icmp and 'icmp[icmptype] == icmp-unreach'
expect_blocked "MTU: 1428 bytes with DF: mtu" mtu - ping1 a1 10.1.2.5 -Mdo -s 1400
expect_ok "... and a1 is told: fragmentation needed, MTU 1350 (its path MTU to b1 is now 1350)" \
	wait_for 3 eval "ip -n vgwt-a1 route get 10.1.2.5 | grep -q 'mtu 1350'"
cap_stop icmp-a1-df
expect_match "... by an ICMP error that quotes a1's packet" \
	"ICMP 10\.1\.2\.5 unreachable - need to frag \(mtu 1350\)" "$(cap_read icmp-a1-df)"
expect_ok "... after which 1350 bytes with DF get there" pings a1 10.1.2.5 -Mdo -s 1322
ip -n vgwt-host1 route del 10.0.0.23/32 dev ul0 mtu 1400

# --- the underlay: outer headers ------------------------------------------------------------
cap_start ul-b1 b1 ul0 udp port 4789
cap_start ul-a1 a1 ul0 udp port 4789
expect_ok "underlay: a ping to capture" pings a1 10.1.2.5
for p in 5001 5002 5003 5004 5005 5006 5007 5008 5001; do
	udp a1 10.1.2.5 7000 --sport $p >/dev/null
done
cap_stop ul-b1
cap_stop ul-a1
out=$(cap_read ul-b1 -v | grep -A1 'proto UDP' | grep -B1 ' > 10\.0\.0\.23\.4789')
expect_match "underlay: the cluster sends to b1's NVD from b1's VIP" \
	"^ +10\.0\.100\.1\.[0-9]+ > 10\.0\.0\.23\.4789: VXLAN, flags \[I\] \(0x08\), vni 1003" "$out"
expect_match "underlay: outer TTL 64 and DF set" "ttl 64, .*flags \[DF\], proto UDP" "$out"
expect_eq "underlay: the same on every packet" "" \
	"$(grep 'proto UDP' <<<"$out" | grep -v 'ttl 64, .*flags \[DF\]')"
expect_match "underlay: UDP checksum zero over IPv4" "10\.0\.100\.1\.[0-9]+ > 10\.0\.0\.23\.4789: \[no cksum\]" \
	"$(cap_read ul-b1 -vv)"
# outer_ports PCAP OUTER_DST INNER: the outer UDP source ports of the
# packets to OUTER_DST whose inner header matches INNER.
outer_ports()
{
	cap_read "$1" | awk -v dst="$2" -v inner="$3" '
		$0 ~ "> " dst "\\.4789: VXLAN" { split($3, a, "."); port = a[5]; next }
		port != "" && $0 ~ inner { print port } { port = "" }'
}
expect_eq "underlay: one flow keeps one outer source port" 1 \
	"$(outer_ports ul-b1 10.0.0.23 '10\.1\.1\.5\.5001 > 10\.1\.2\.5\.7000' | sort -u | wc -l)"
n=$(for p in 5001 5002 5003 5004 5005 5006 5007 5008; do
	outer_ports ul-b1 10.0.0.23 "10\\.1\\.1\\.5\\.$p > 10\\.1\\.2\\.5\\.7000" | head -n 1
    done | sort -u | wc -l)
expect_ok "underlay: 8 flows use at least 4 outer source ports (ECMP entropy; got $n)" test "$n" -ge 4
fwd=$(outer_ports ul-b1 10.0.0.23 '10\.1\.1\.5\.5001 > 10\.1\.2\.5\.7000' | head -n 1)
rev=$(outer_ports ul-a1 10.0.0.21 '10\.1\.2\.5\.7000 > 10\.1\.1\.5\.5001' | head -n 1)
expect_eq "underlay: both directions of a flow share its outer source port" \
	"to b1: ${fwd:-none}" "to b1: ${rev:-none (no answer captured)}"

tap_end
