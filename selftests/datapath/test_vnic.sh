#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# VNIC to VNIC through the virtual router, against Linux's own VXLAN and
# Geneve devices as the NVDs: the cluster listens on both ports, answers ARP
# as the router, forwards ping, TCP and UDP both ways within and across
# subnets, rewrites the Ethernet header as a router does, decrements the TTL,
# keeps two VCNs with the same CIDR apart, drops what has no destination or
# no route, and counts each VNIC's packets and bytes. Runs in the VM.
set -u
DIR=$(dirname "$0")
. "$DIR/../lib.sh"
. "$DIR/topo.sh"
. "$DIR/traffic.sh"

tap_begin
topo_init 4 || { not_ok "topology"; tap_end; }
topo_host host1 10.0.0.10

# vcn-a: two subnets without route tables (VCN-local traffic only), where
# the VCN may talk to itself.
topo_vcn vcn-a 10.1.0.0/16
topo_seclist sl-a vcn-a \
	ingress "$(rule source=10.1.0.0/16 protocol=all)" \
	egress "$(rule destination=0.0.0.0/0 protocol=all)"
topo_subnet sub-a vcn-a 10.1.1.0/24 sl=sl-a
topo_subnet sub-b vcn-a 10.1.2.0/24 sl=sl-a
topo_vnic a1 sub-a 10.1.1.5 1001 10.0.0.21 vip=10.0.100.1
topo_vnic a2 sub-a 10.1.1.6 1002 10.0.0.22 vip=10.0.100.2 encap=geneve
topo_vnic b1 sub-b 10.1.2.5 1003 10.0.0.23 vip=10.0.100.1
# vcn-x: the same CIDR, the same private IPs, the same VIPs; other VNIs.
topo_vcn vcn-x 10.1.0.0/16
topo_seclist sl-x vcn-x \
	ingress "$(rule source=10.1.0.0/16 protocol=all)" \
	egress "$(rule destination=0.0.0.0/0 protocol=all)"
topo_subnet sub-x vcn-x 10.1.1.0/24 sl=sl-x
topo_vnic x1 sub-x 10.1.1.5 2001 10.0.0.31 vip=10.0.100.1 mac=02:00:0b:01:01:05
topo_vnic x2 sub-x 10.1.1.6 2002 10.0.0.32 vip=10.0.100.2 mac=02:00:0b:01:01:06 encap=geneve
topo_apply || { not_ok "the document applies"; tap_end; }
serve a1 udp 7000 a1 tcp 7000 a2 udp 7000 a2 tcp 7000 b1 udp 7000 b1 tcp 7000 \
	x2 udp 7000 || { not_ok "servers"; tap_end; }

# --- the host ------------------------------------------------------------------
for p in 4789 6081; do
	expect_eq "the host listens on UDP $p on IPv4 and IPv6" 2 \
		"$(nsx host1 ss -Hlun "sport = :$p" | wc -l)"
done

# --- the virtual router at layer 2 -------------------------------------------------
arping() { local n=$1; shift; nsx "$n" busybox arping -I eth0v "$@" 2>&1; }
expect_match "ARP for the virtual router (10.1.1.1) is answered with 02:00:00:00:00:01" \
	"reply from 10\.1\.1\.1 \[02:00:00:00:00:01\]" "$(arping a1 -c 1 -w 3 10.1.1.1)"
expect_match "ARP for an address no VNIC has is answered the same (the router takes all)" \
	"reply from 10\.1\.1\.99 \[02:00:00:00:00:01\]" "$(arping a1 -c 1 -w 3 10.1.1.99)"
expect_match "ARP from a Geneve NVD is answered too" \
	"reply from 10\.1\.1\.1 \[02:00:00:00:00:01\]" "$(arping a2 -c 1 -w 3 10.1.1.1)"
expect_ok "an instance probing its own address (ACD/DAD) gets no answer" \
	nsx a1 busybox arping -D -I eth0v -c 1 -w 1 10.1.1.5

# --- forwarding, both ways ---------------------------------------------------------
cap_start b1-frames b1 eth0v icmp
expect_ok "ping: a1 (VXLAN) -> b1 (VXLAN), across subnets" pings a1 10.1.2.5
cap_stop b1-frames
expect_ok "ping: b1 -> a1" pings b1 10.1.1.5
expect_ok "ping: a1 -> a2 (Geneve), in one subnet" pings a1 10.1.1.6
expect_ok "ping: a2 -> a1" pings a2 10.1.1.5
expect_ok "ping: a2 -> b1 (Geneve to VXLAN across subnets)" pings a2 10.1.2.5
expect_answer "UDP: a1 -> b1, which sees a1's private IP" "b1 10\.1\.1\.5 [0-9]+" \
	udp a1 10.1.2.5 7000
expect_answer "UDP: b1 -> a1" "a1 10\.1\.2\.5 [0-9]+" udp b1 10.1.1.5 7000
expect_answer "TCP: a1 -> b1" "b1 10\.1\.1\.5 [0-9]+" tcp a1 10.1.2.5 7000
expect_answer "TCP: b1 -> a1" "a1 10\.1\.2\.5 [0-9]+" tcp b1 10.1.1.5 7000
expect_answer "UDP: a2 -> b1" "b1 10\.1\.1\.6 [0-9]+" udp a2 10.1.2.5 7000
expect_answer "TCP: b1 -> a2 (to a Geneve NVD)" "a2 10\.1\.2\.5 [0-9]+" tcp b1 10.1.1.6 7000
expect_answer "TCP: a1 -> a2, 20 kB (segments of full size both ways)" \
	"a2 10\.1\.1\.5 [0-9]+" tcp a1 10.1.1.6 7000 --size 20000

# Bulk TCP, every byte checked both ways. With the devices' offloads on
# (TOPO_OFFLOADS=on) the NVDs hand host1 GSO super-packets with partial
# checksums, which vnicgw must cut and complete; the capture on host1's
# underlay says which kind of run this was.
all_drops() { stats | jq '[.drops[]] | add // 0'; }
d0=$(all_drops)
cap_start gso host1 ul0 -s 96 udp and greater 1600
expect_bulk "TCP bulk: a1 (VXLAN) -> b1 (VXLAN), 2 MB each way, every byte intact" \
	a1 10.1.2.5 7000 2000000
expect_bulk "TCP bulk: a2 (Geneve) -> a1 (VXLAN), 2 MB each way, every byte intact" \
	a2 10.1.1.5 7000 2000000
cap_stop gso
expect_eq "TCP bulk: vnicgw dropped none of it" 0 $(($(all_drops) - d0))
big=$(cap_read gso | wc -l)
if [ "$TOPO_OFFLOADS" = on ]; then
	expect_ok "offloads on: host1 received GSO super-packets from the NVDs ($big seen)" \
		test "$big" -gt 0
else
	expect_eq "offloads off: host1 received no frame over 1600 bytes" 0 "$big"
fi
# A real client with its defaults: iperf3 for 2 s, a1 -> b1.
topo_bg iperf3-b1 b1 iperf3 -s -1 -p 5201
wait_for 5 grep -q 'listening' "$TOPO_DIR/iperf3-b1.log"
ipf=$(nsx a1 timeout 20 iperf3 -c 10.1.2.5 -p 5201 -t 2 -J 2>&1)
rcvd=$(jq -r '.end.sum_received.bytes // 0' <<<"$ipf" 2>/dev/null)
expect_ok "iperf3 (defaults): a1 -> b1 for 2 s, the receiver got ${rcvd:-0} bytes" \
	test "${rcvd:-0}" -gt 0
jq -r '"iperf3: \(.end.sum_received.bits_per_second / 1e6 | floor) Mbit/s, \(.end.sum_sent.retransmits) retransmits"' \
	<<<"$ipf" 2>/dev/null | diag

frames=$(cap_read b1-frames -e)
expect_match "frames to an instance come from the router's MAC to the VNIC's MAC" \
	"02:00:00:00:00:01 > 02:00:0a:01:02:05, ethertype IPv4" "$frames"
expect_match "the router decrements the TTL (a1 sends 64, b1 gets 63)" \
	"ttl 63" "$(cap_read b1-frames -v)"
neigh() { nsx "$1" ip -j neigh show "$2" dev eth0v | jq -r '.[0].lladdr // "none"'; }
expect_eq "a1 reached its default router at the router's MAC" "$ROUTER_MAC" "$(neigh a1 10.1.1.1)"
expect_eq "a1 reached a2, in its own subnet, at the router's MAC too" "$ROUTER_MAC" \
	"$(neigh a1 10.1.1.6)"

# --- per-VNIC counters ---------------------------------------------------------------
# One UDP exchange from a fixed port: a 47-byte frame out of a1 ("hello"),
# a 60-byte frame back ("b1 10.1.1.5 40000\n"). Bytes are inner Ethernet
# frames.
before=$(stats)
udp a1 10.1.2.5 7000 --sport 40000 >/dev/null
after=$(stats)
expect_eq "counters: a1 sent one packet of 47 bytes and received one of 60" "1 47 1 60" \
	"$(stats_delta "$before" "$after" a1 out_packets out_bytes in_packets in_bytes)"
expect_eq "counters: b1 received the 47 bytes and sent the 60" "1 47 1 60" \
	"$(stats_delta "$before" "$after" b1 in_packets in_bytes out_packets out_bytes)"
expect_eq "counters: a2 saw none of it" "0 0" \
	"$(stats_delta "$before" "$after" a2 in_packets out_packets)"

# --- two VCNs, one CIDR --------------------------------------------------------------
expect_answer "vcn-x: x1 -> 10.1.1.6 reaches x2" "x2 10\.1\.1\.5 [0-9]+" \
	udp x1 10.1.1.6 7000 --msg from-x1
expect_answer "vcn-a: a1 -> 10.1.1.6 reaches a2" "a2 10\.1\.1\.5 [0-9]+" \
	udp a1 10.1.1.6 7000 --msg from-a1
expect_eq "x2 never got a packet of vcn-a" 0 "$(served x2 udp 7000 | grep -c from-a1)"
expect_eq "a2 never got a packet of vcn-x" 0 "$(served a2 udp 7000 | grep -c from-x1)"
expect_ok "ping inside vcn-x: x2 -> x1" pings x2 10.1.1.5

# --- what goes nowhere ------------------------------------------------------------------
expect_blocked "a VCN address that no VNIC has is dropped: no_dst_vnic" \
	no_dst_vnic a1 ping1 a1 10.1.1.99
expect_blocked "outside the VCN with no route table is dropped: no_route (blackhole)" \
	no_route a1 ping1 a1 192.0.2.1
expect_blocked "TTL 1 expires at the virtual router: ttl" ttl a1 ping1 a1 10.1.2.5 -t 1
expect_ok "TTL 2 gets there" pings a1 10.1.2.5 -t 2

tap_end
