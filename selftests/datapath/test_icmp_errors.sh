#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ICMP errors across the gateways' NAT: an error is about another packet,
# which it quotes, and the end that gets it matches it to a socket by that
# quote. So the NAT gateway and the internet gateway translate the error
# and its quote both ways (port unreachable, fragmentation needed from a
# router behind the gateway), and the fragmentation-needed error vnicgw
# itself sends for a NAT'd packet quotes what the instance sent, not what
# left the NAT. Every test is end to end: the instance's (or the internet
# host's) own kernel must accept the error. Runs in the VM.
set -u
DIR=$(dirname "$0")
. "$DIR/../lib.sh"
. "$DIR/topo.sh"
. "$DIR/traffic.sh"

tap_begin
topo_init 4 || { not_ok "topology"; tap_end; }
topo_host host1 10.0.0.10
topo_vcn vcn-a 10.1.0.0/16
topo_gateway igw-a vcn-a internet 10.0.0.100 9001 host=198.18.0.10/24
topo_gateway nat-a vcn-a nat 10.0.0.101 9002 public_ip=198.51.100.10 host=198.18.0.10/24
# Errors pass by rule (as OCI's default list lets fragmentation-needed in).
topo_seclist sl vcn-a \
	ingress "$(rule source=0.0.0.0/0 protocol=icmp)" \
		"$(rule source=0.0.0.0/0 protocol=udp dst_ports=7000)" \
		"$(rule source=0.0.0.0/0 protocol=tcp dst_ports=7000)" \
	egress "$(rule destination=0.0.0.0/0 protocol=all)"
topo_route_table rt-pub vcn-a 0.0.0.0/0=igw-a
topo_route_table rt-priv vcn-a 0.0.0.0/0=nat-a
topo_subnet sub-pub vcn-a 10.1.1.0/24 rt=rt-pub sl=sl
topo_subnet sub-priv vcn-a 10.1.2.0/24 rt=rt-priv sl=sl
topo_vnic p1 sub-pub 10.1.1.5 1001 10.0.0.21 vip=10.0.100.1 public_ip=203.0.113.5
topo_vnic n1 sub-priv 10.1.2.5 1003 10.0.0.23 vip=10.0.100.2
topo_apply || { not_ok "the document applies"; tap_end; }
# Servers on UDP 7000 behind both gateways; none on 7999, none in p1.
serve igw-a-host udp 7000 nat-a-host udp 7000 nat-a-host tcp 7000 ||
	{ not_ok "servers"; tap_end; }

# expect_refused DESC NS DST PORT: a datagram to a closed port is answered
# by port unreachable, and the sender's socket reports it (flow exits 2
# with "Connection refused"; a lost error would time out instead).
expect_refused()
{
	local desc=$1 out rc

	shift
	out=$(udp "$@" --timeout 3000 2>&1)
	rc=$?
	if [ "$rc" -eq 2 ] && grep -q 'Connection refused' <<<"$out"; then
		ok "$desc"
	else
		not_ok "$desc"
		{ echo "flow exit $rc"; echo "$out"; } | diag
	fi
}

# route_mtu NS DST: the path MTU NS's kernel has learned for DST, or none.
route_mtu()
{
	nsx "$1" ip route get "$2" | grep -o 'mtu [0-9]*' | awk '{ print $2 }'
}

# --- port unreachable ----------------------------------------------------------------
expect_refused "NAT: n1's datagram to a closed port is refused: the error and its quote come back translated" \
	n1 198.18.0.10 7999
expect_refused "IGW: p1's datagram to a closed port is refused likewise" p1 198.18.0.10 7999
expect_refused "IGW, the other way: p1's own port unreachable reaches the internet host with p1's public IP quoted" \
	igw-a-host 203.0.113.5 7000
echo "drops: $(stats | jq -c '.drops | with_entries(select(.value > 0))')" | diag

# --- fragmentation needed, from vnicgw, for a packet it NATed ------------------------------
# host1 reaches the NAT gateway's underlay address over a 1200-byte route.
# n1's full-size TCP segments (1410 bytes of data: a 1450-byte IP packet,
# 1500 with its Ethernet header and the 36 of VXLAN, UDP and IPv4 around
# it) do not fit: vnicgw drops them and tells n1 the inner MTU, 1200 - 36
# - 14 = 1150. n1's TCP takes the error only if its quote names n1's own
# connection - its address and port, not the public ones the segment had
# when it was found too big; else the connection is a black hole.
ip -n vgwt-host1 route replace 10.0.0.101/32 dev ul0 mtu 1200
before=$(drops mtu)
expect_answer "NAT: a TCP exchange of 3000 bytes completes over the 1200-byte underlay route" \
	"nat-a-host 198\.51\.100\.10 [0-9]+" tcp n1 198.18.0.10 7000 --size 3000 --timeout 8000
expect_ok "vnicgw dropped the NAT'd segments that were too big (mtu)" \
	test $(($(drops mtu) - before)) -ge 1
expect_eq "... and n1 learned MTU 1150 from the error, which quotes n1's own address and port" \
	1150 "$(route_mtu n1 198.18.0.10)"
ip -n vgwt-host1 route del 10.0.0.101/32 dev ul0

# --- fragmentation needed, from a router behind the gateway --------------------------------
# The gateways are Linux routers; a 1000-byte link towards the internet
# host makes them answer a bigger datagram with DF by fragmentation-needed
# (MTU 1000) to its source: the NAT gateway's public IP, p1's public IP.
ip -n vgwt-nat-a link set in0 mtu 1000
ip -n vgwt-igw-a link set in0 mtu 1000
udp_no n1 198.18.0.10 7000 --df --size 1100 >/dev/null 2>&1	# < 1150
wait_for 3 eval '[ "$(route_mtu n1 198.18.0.10)" = 1000 ]'
expect_eq "NAT: n1 learns the path MTU from fragmentation-needed sent to the NAT's public IP" \
	1000 "$(route_mtu n1 198.18.0.10)"
udp_no p1 198.18.0.10 7000 --df --size 1100 >/dev/null 2>&1
wait_for 3 eval '[ "$(route_mtu p1 198.18.0.10)" = 1000 ]'
expect_eq "IGW: p1 learns it from the error sent to its public IP" \
	1000 "$(route_mtu p1 198.18.0.10)"
echo "drops: $(stats | jq -c '.drops | with_entries(select(.value > 0))')" | diag

tap_end
