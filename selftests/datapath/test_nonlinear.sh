#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Non-linear packets: a NIC driver that receives into pages hands the stack
# skbs whose linear area holds only the first headers; everything vnicgw
# reads beyond what it pulled is then memory that is not the packet.
# fragtap delivers crafted tunnel packets that way (a tap device with
# IFF_NAPI_FRAGS: the outer Ethernet header linear, the rest in 16 page
# fragments) and these tests follow them through the receive path, the MTU
# path's ICMP error and the NAT gateway. Runs in the VM.
set -u
DIR=$(dirname "$0")
. "$DIR/../lib.sh"
. "$DIR/topo.sh"
. "$DIR/traffic.sh"

FRAGTAP=$DP_BIN/fragtap

tap_begin
modprobe -q tun
topo_init 4 || { not_ok "topology"; tap_end; }
topo_host host1 10.0.0.10
topo_vcn vcn-a 10.1.0.0/16
topo_gateway nat-a vcn-a nat 10.0.0.101 9002 public_ip=198.51.100.10 host=198.18.0.10/24
topo_seclist sl vcn-a \
	ingress "$(rule source=0.0.0.0/0 protocol=udp dst_ports=7000)" \
	egress "$(rule destination=0.0.0.0/0 protocol=all)"
topo_route_table rt vcn-a 0.0.0.0/0=nat-a
topo_subnet sub-a vcn-a 10.1.1.0/24 rt=rt sl=sl
topo_vnic a1 sub-a 10.1.1.5 1001 10.0.0.21 vip=10.0.100.1
topo_vnic b1 sub-a 10.1.1.6 1002 10.0.0.22 vip=10.0.100.1
topo_apply || { not_ok "the document applies"; tap_end; }
serve b1 udp 7000 nat-a-host udp 7000 || { not_ok "servers"; tap_end; }

# inject ARGS...: a tunnel packet from a1's NVD to its VIP (craft's options
# for the inner frame), delivered to host1 as a non-linear skb.
inject()
{
	"$CRAFT" --from 10.0.0.21 --to 10.0.100.1 --vxlan 1001 \
		--smac "$(mac_of 10.1.1.5)" --src 10.1.1.5 "$@" --hex |
		nsx host1 "$FRAGTAP" --from 10.0.0.21 --to 10.0.100.1
}

# --- the receive path ------------------------------------------------------------
out=$(inject --dst 10.1.1.6 --proto udp --payload nonlinear-v2v 2>&1)
expect_match "fragtap delivers a non-linear frame (16 page fragments)" "16 fragments" "$out"
expect_ok "a non-linear frame a1 -> b1 is forwarded, and b1's stack takes it (checksums intact)" \
	wait_for 3 eval "served b1 udp 7000 | grep -q nonlinear-v2v"
served b1 udp 7000 | diag

# --- the MTU path: the ICMP error quotes what the sender sent ----------------------
# 1600 bytes with DF do not fit the 1500-byte underlay: host1 drops the frame
# (mtu) and sends a1 fragmentation-needed, quoting the IP header and the
# first 8 bytes after it - here the UDP header, whose last 4 bytes (length
# and checksum) lie beyond what vnicgw pulled into the linear area.
big=$(printf '%1600s' '' | tr ' ' x)
hex=$("$CRAFT" --from 10.0.0.21 --to 10.0.100.1 --vxlan 1001 --smac "$(mac_of 10.1.1.5)" \
	--src 10.1.1.5 --dst 10.1.1.6 --proto udp --df --payload "$big" --hex)
# VXLAN 8, Ethernet 14, IPv4 20: the UDP header follows.
udph=${hex:84:16}
cap_start icmp-a1 a1 eth0v icmp
before=$(drops mtu)
inject --dst 10.1.1.6 --proto udp --df --payload "$big" >/dev/null
wait_for 3 eval "[ \$(drops mtu) -gt $before ]"
sleep 0.5
cap_stop icmp-a1
# The first ICMP packet's bytes as one hex string (tcpdump -x: from the IP
# header on): IP 20, ICMP 8, the quoted IP header 20, then the quoted UDP.
quoted=$(cap_read icmp-a1 -x | awk '
	/^[0-9]/ { if (n++) exit; next }
	/^\t0x/ { for (i = 2; i <= NF; i++) s = s $i }
	END { print substr(s, 97, 16) }')
expect_eq "a1 got fragmentation-needed quoting its UDP header byte for byte ($udph)" \
	"$udph" "$quoted"
cap_read icmp-a1 -v | diag

# --- the NAT gateway on a non-linear frame -------------------------------------------
out=$(inject --dst 198.18.0.10 --proto udp --payload nonlinear-nat 2>&1)
expect_ok "a non-linear frame a1 -> the internet is source-NATed, and the host there takes it (checksums right)" \
	wait_for 3 eval "served nat-a-host udp 7000 | grep -q '^udp 198\.51\.100\.10 .*nonlinear-nat'"
served nat-a-host udp 7000 | diag
expect_eq "vnicgw counted no malformed frame" 0 "$(drops malformed)"

# --- odd but valid, and not ours ------------------------------------------------------
# An IPv4 UDP datagram may go without a checksum (0): after NAT it still has
# none (a checksum "fixed" from 0 would be wrong, and the host would drop
# it). VXLAN 8, Ethernet 14, IPv4 20, then the UDP checksum at 6.
hex=$("$CRAFT" --from 10.0.0.21 --to 10.0.100.1 --vxlan 1001 --smac "$(mac_of 10.1.1.5)" \
	--src 10.1.1.5 --dst 198.18.0.10 --proto udp --payload no-checksum --hex)
hex=${hex:0:96}0000${hex:100}
nsx host1 "$FRAGTAP" --from 10.0.0.21 --to 10.0.100.1 <<<"$hex" >/dev/null
expect_ok "a UDP datagram without a checksum crosses the NAT without one, and the host there takes it" \
	wait_for 3 eval "served nat-a-host udp 7000 | grep -q no-checksum"
# VXLAN's remote checksum offload (a Linux extension: flag 0x20 in the first
# reserved byte) changes what the frame means; vnicgw does not speak it.
hex=$("$CRAFT" --from 10.0.0.21 --to 10.0.100.1 --vxlan 1001 --smac "$(mac_of 10.1.1.5)" \
	--src 10.1.1.5 --dst 10.1.1.6 --proto udp --payload rco --hex)
hex=${hex:0:2}20${hex:4}
before=$(drops bad_tunnel)
nsx host1 "$FRAGTAP" --from 10.0.0.21 --to 10.0.100.1 <<<"$hex" >/dev/null
expect_eq "a VXLAN frame with the remote-checksum-offload flag is dropped: bad_tunnel" \
	1 $(($(drops bad_tunnel) - before))

tap_end
