#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every next-hop target with its real behaviour, against gateway namespaces
# that only forward (they do no NAT themselves) and hosts behind them: the
# internet gateway's 1:1 NAT both ways, the NAT gateway's source NAT (TCP,
# UDP, ICMP echo; a port per connection; nothing from outside; unanswered
# mappings short-lived; bounded per VNIC and per namespace), the service
# gateway's "service:" label, the DRG (over Geneve), the local peering
# gateway, a private IP (a firewall that skips the source/destination check),
# a VIP whose rule names a gateway, and what must be dropped: a VNIC without
# a public IP at the internet gateway, a disabled gateway. Runs in the VM.
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
topo_gateway sgw-a vcn-a service 10.0.0.102 9003 'services={"all": ["192.0.2.0/24"]}' \
	host=192.0.2.10/24
topo_gateway drg-a vcn-a drg 10.0.0.103 9004 encap=geneve host=192.168.1.10/24
topo_gateway lpg-a vcn-a lpg 10.0.0.104 9005 host=10.2.1.10/24
# Everyone may ping and reach port 7000, from anywhere; anything goes out.
topo_seclist sl vcn-a \
	ingress "$(rule source=0.0.0.0/0 protocol=icmp)" \
		"$(rule source=0.0.0.0/0 protocol=udp dst_ports=7000)" \
		"$(rule source=0.0.0.0/0 protocol=tcp dst_ports=7000)" \
	egress "$(rule destination=0.0.0.0/0 protocol=all)"
topo_route_table rt-pub vcn-a 0.0.0.0/0=igw-a service:all=sgw-a 192.168.0.0/16=drg-a \
	10.2.0.0/16=lpg-a 10.9.0.0/16=private-ip:10.1.1.250
topo_route_table rt-priv vcn-a 0.0.0.0/0=nat-a
topo_subnet sub-pub vcn-a 10.1.1.0/24 rt=rt-pub sl=sl
topo_subnet sub-priv vcn-a 10.1.2.0/24 rt=rt-priv sl=sl
topo_subnet sub-t vcn-a 10.1.3.0/24 sl=sl		# no route table at all
topo_vnic p1 sub-pub 10.1.1.5 1001 10.0.0.21 vip=10.0.100.1 public_ip=203.0.113.5
topo_vnic p2 sub-pub 10.1.1.6 1002 10.0.0.22 vip=10.0.100.1	# no public IP
topo_vnic fw sub-pub 10.1.1.250 1005 10.0.0.25 vip=10.0.100.2 skip_sdc=true encap=geneve
topo_vnic n1 sub-priv 10.1.2.5 1003 10.0.0.23 vip=10.0.100.2
topo_vnic n2 sub-priv 10.1.2.6 1004 10.0.0.24 vip=10.0.100.2 encap=geneve
topo_vnic t1 sub-t 10.1.3.7 1006 10.0.0.26 vip=10.0.100.3 rule=target:drg-a
# The firewall owns the addresses routed to it (10.9.0.0/16) and answers
# for 10.9.0.1 from that address, not its private IP.
ip -n vgwt-fw addr add 10.9.0.1/32 dev lo
topo_apply || { not_ok "the document applies"; tap_end; }
serve p1 udp 7000 p1 tcp 7000 p1 udp 7001 fw udp 7000 n1 udp 7000 \
	igw-a-host udp 7000 igw-a-host tcp 7000 nat-a-host udp 7000 nat-a-host tcp 7000 \
	sgw-a-host udp 7000 drg-a-host udp 7000 drg-a-host tcp 7000 lpg-a-host udp 7000 ||
	{ not_ok "servers"; tap_end; }

# --- internet gateway: 1:1 NAT -------------------------------------------------------
cap_start igw-frames igw-a gwv udp
expect_answer "IGW: the internet host sees p1's public IP (UDP)" \
	"igw-a-host 203\.0\.113\.5 [0-9]+" udp p1 198.18.0.10 7000
cap_stop igw-frames
expect_match "IGW: frames to a gateway go from the router's MAC to 02:00:00 + its VNI" \
	"02:00:00:00:00:01 > 02:00:00:00:23:29" "$(cap_read igw-frames -e)"
expect_answer "IGW: the same over TCP" "igw-a-host 203\.0\.113\.5 [0-9]+" \
	tcp p1 198.18.0.10 7000
expect_bulk "IGW: TCP bulk through the 1:1 NAT, 2 MB each way, every byte intact" \
	p1 198.18.0.10 7000 2000000
expect_ok "IGW: ping (the internet has no route to 10/8: the echo reply came back translated)" \
	pings p1 198.18.0.10
expect_answer "IGW: an internet-initiated datagram to the public IP reaches p1, which sees the real source" \
	"p1 198\.18\.0\.10 [0-9]+" udp igw-a-host 203.0.113.5 7000
expect_answer "IGW: an internet-initiated TCP connection too" "p1 198\.18\.0\.10 [0-9]+" \
	tcp igw-a-host 203.0.113.5 7000
expect_blocked "IGW: inbound to a port p1's rules do not allow: ingress_denied on p1" \
	ingress_denied p1 udp_no igw-a-host 203.0.113.5 7001
expect_blocked "IGW: a VNIC without a public IP cannot use it: no_public_ip on p2" \
	no_public_ip p2 udp_no p2 198.18.0.10 7000

# --- NAT gateway: source NAT, a port per connection, nothing from outside ------------------
expect_answer "NAT: the internet host sees the NAT gateway's public IP (UDP)" \
	"nat-a-host 198\.51\.100\.10 [0-9]+" udp n1 198.18.0.10 7000
expect_answer "NAT: TCP" "nat-a-host 198\.51\.100\.10 [0-9]+" tcp n1 198.18.0.10 7000
expect_bulk "NAT: TCP bulk through source NAT, 2 MB each way, every byte intact" \
	n1 198.18.0.10 7000 2000000
expect_ok "NAT: ICMP echo (the internet has no route to 10/8)" pings n1 198.18.0.10
expect_answer "NAT: a 3000-byte datagram, fragmented by n1, is translated whole" \
	"nat-a-host 198\.51\.100\.10 [0-9]+" udp n1 198.18.0.10 7000 --size 3000 --no-df
expect_match "... and arrives whole" "^udp 198\.51\.100\.10 [0-9]+ 198\.18\.0\.10 7000 3000 " \
	"$(served nat-a-host udp 7000)"
expect_ok "NAT: ICMP echo from a Geneve NVD" pings n2 198.18.0.10
ans1=$(udp n1 198.18.0.10 7000 --sport 6000)
ans2=$(udp n2 198.18.0.10 7000 --sport 6000)
expect_match "NAT: n1:6000 is answered through the NAT" "^nat-a-host 198\.51\.100\.10 [0-9]+$" "$ans1"
expect_match "NAT: n2:6000 (the same source port) is answered too" \
	"^nat-a-host 198\.51\.100\.10 [0-9]+$" "$ans2"
expect_fail "NAT: the two connections got two different ports" \
	test "$(seen_port "$ans1")" = "$(seen_port "$ans2")"
expect_blocked "NAT: a datagram from the internet to the public IP is refused: nat_inbound" \
	nat_inbound - udp_no nat-a-host 198.51.100.10 7000
expect_blocked "NAT: so is an echo request: nat_inbound" nat_inbound - ping1 nat-a-host 198.51.100.10
expect_eq "NAT: n1's server never saw the internet" "0" \
	"$(served n1 udp 7000 | grep -c 198.18.0.10)"
# --- NAT, TCP: no blind teardown -------------------------------------------------------
# n1 holds a TCP connection to the internet host through the NAT gateway. A
# RST forged as the internet host's (sent as the gateway forwards it, to the
# public port), 2^31 out of the window, must not end the mapping: with
# ct_tcp_close_timeout 2 s, a mapping taken for closing is gone 3 s later,
# and the host's next segment to the public port is refused (nat_inbound);
# a live one maps it in. A RST in the window does end it.
CT_P=/sys/module/vnicgw/parameters
echo 2 >$CT_P/ct_tcp_close_timeout
cap_start natrst nat-a-host eth0 tcp port 7000
hold_start nat n1 198.18.0.10 7000 --sport 5560 --timeout 20000
# The internet host's next sequence number and n1's, as the host sees them.
host_next() { cap_next natrst 'src port 7000'; }
n1_next() { cap_next natrst 'dst port 7000'; }
# forge_host FLAGS SEQ: a segment host:7000 -> the public port, as nat-a sends it.
forge_host()
{
	nsx nat-a "$CRAFT" --from 10.0.0.101 --to "$(_topo_default_vip)" --vxlan 9002 \
		--smac "$(gw_mac 9002)" --src 198.18.0.10 --dst 198.51.100.10 --proto tcp \
		--sport 7000 --dport-in "${pub:-0}" --payload "" --tcp-flags "$1" --seq "$2" \
		--ack "$(n1_next)" --win 502
}
ans=$(hold_say nat one)
pub=$(seen_port "$ans")
expect_match "NAT RST: n1 holds a TCP connection to the internet host (public port ${pub:-?})" \
	"^nat-a-host 198\.51\.100\.10 [0-9]+$" "$ans"
sleep 0.3
seq=$(host_next)
expect_ok "NAT RST: a RST forged as the internet host's, 2^31 out of the window, is sent" \
	forge_host RA $(( (${seq:-0} + 2147483648) % 4294967296 ))
sleep 3
before=$(drops nat_inbound)
forge_host A "${seq:-0}"
sleep 0.5
expect_eq "NAT RST: 3 s on (ct_tcp_close_timeout 2), the host's next segment is still mapped in: the out-of-window RST ended nothing (nat_inbound)" \
	"$before" "$(drops nat_inbound)"
expect_match "NAT RST: the connection works" "^nat-a-host 198\.51\.100\.10 ${pub:-x}$" \
	"$(hold_say nat two)"
sleep 0.3
seq=$(host_next)
expect_ok "NAT RST: a RST forged as the host's, 100 into the window, is sent" \
	forge_host RA $(( (${seq:-0} + 100) % 4294967296 ))
sleep 3
expect_counted "NAT RST: 3 s on, the host's next segment is refused: the in-window RST ended the mapping (nat_inbound)" \
	nat_inbound - forge_host A "${seq:-0}"
cap_stop natrst
hold_stop nat
echo 10 >$CT_P/ct_tcp_close_timeout

# --- the NAT tables: timeouts, growth, bounds (once: with offloads off) -----------------
# These test the tables, not the packets' form; the run with offloads on
# (TOPO_OFFLOADS=on, run-vm.sh) has covered NAT above and leaves them out.
if [ "$TOPO_OFFLOADS" = off ]; then
# A mapping lives as long as an answered tracked connection: the conntrack
# module parameters (here UDP, ct_udp_stream_timeout) set it.
param=/sys/module/vnicgw/parameters/ct_udp_stream_timeout
echo 4 >$param
ans=$(udp n1 198.18.0.10 7000 --sport 6200)
pport=$(seen_port "$ans")
expect_match "NAT timeout: n1:6200 is answered through the NAT (public port $pport)" \
	"^nat-a-host 198\.51\.100\.10 [0-9]+$" "$ans"
before=$(drops nat_inbound)
udp_no nat-a-host 198.51.100.10 "${pport:-0}" --sport 7000 >/dev/null 2>&1
sleep 0.5
expect_eq "NAT timeout: while the mapping lives, the internet host's datagram to port $pport is mapped in (no nat_inbound)" \
	"$before" "$(drops nat_inbound)"
sleep 6
expect_blocked "NAT timeout: 4 s after its last packet (ct_udp_stream_timeout 4) the mapping is gone: nat_inbound" \
	nat_inbound - udp_no nat-a-host 198.51.100.10 "${pport:-0}" --sport 7000

# The mapping tables grow with the mappings and shrink after them: n1 opens
# 60000 (one datagram to each of 60000 ports of the internet host; nobody
# answers, so they live ct_udp_timeout, 30 s here: the burst takes 5-40 s in
# the VM), more than the 49152 that 65536 buckets hold at 75 %.
nat_of() { stats | json_num "nat/$1"; }
nat_buckets_over() { [ "$(nat_of buckets)" -gt "$1" ]; }
nat_back_to() { [ "$(nat_of entries)" -le "$1" ] && [ "$(nat_of buckets)" -le 1024 ]; }
echo 30 >/sys/module/vnicgw/parameters/ct_udp_timeout
# The burst must not be lost in the veths' per-CPU backlog (1000 packets by
# default) when the VM's CPUs are slow to drain it.
sysctl -qw net.core.netdev_max_backlog=100000
m0=$(nat_of entries)
t0=$SECONDS
expect_eq "NAT scale: n1 sends one datagram to each of 60000 ports of the internet host" \
	"sent 60000" "$(nsx n1 "$FLOW" spray udp 198.18.0.10 2000 --count 60000)"
m=$(nat_of entries)
echo "sent in $((SECONDS - t0)) s" | diag
# The $m0 older mappings may expire meanwhile: at least 60000 - $m0 more.
expect_ok "NAT scale: each got its mapping (entries $m0 -> $m)" \
	test "$m" -ge 60000 -a $((m - m0)) -le 60000
expect_ok "NAT scale: the tables grew past 65536 buckets" wait_for 10 nat_buckets_over 65536
echo "$(nat_of entries) mappings in $(nat_of buckets) buckets" | diag
expect_answer "NAT scale: a new connection among them is answered through the NAT" \
	"nat-a-host 198\.51\.100\.10 [0-9]+" udp n1 198.18.0.10 7000 --sport 6300
expect_ok "NAT scale: 30 s on they expire, and the tables shrink to at most 1024 buckets" \
	wait_for 70 nat_back_to "$m0"
echo "after: $(nat_of entries) mappings in $(nat_of buckets) buckets" | diag
echo 180 >$param
echo 30 >/sys/module/vnicgw/parameters/ct_udp_timeout

# A mapping whose connection was never answered lives as long as an
# unanswered connection in the tracker (ct_udp_timeout, ct_tcp_syn_timeout),
# an answered one as long as an answered connection.
P=/sys/module/vnicgw/parameters
echo 5 >$P/ct_udp_timeout
echo 8 >$P/ct_tcp_syn_timeout
nat_at_most() { [ "$(nat_of entries)" -le "$1" ]; }
ans=$(udp n1 198.18.0.10 7000 --sport 6400)
pport=$(seen_port "$ans")
expect_match "NAT unanswered: n1:6400 is answered through the NAT (public port $pport)" \
	"^nat-a-host 198\.51\.100\.10 [0-9]+$" "$ans"
m1=$(nat_of entries)
expect_eq "NAT unanswered: n1 sends one datagram to each of 500 ports nobody serves" \
	"sent 500" "$(nsx n1 "$FLOW" spray udp 198.18.0.10 20000 --count 500)"
m2=$(nat_of entries)
expect_ok "NAT unanswered: each got its mapping (entries $m1 -> $m2)" test $((m2 - m1)) -ge 500
expect_ok "NAT unanswered: with ct_udp_timeout 5 s they are gone within 25 s" \
	wait_for 25 nat_at_most "$m1"
# SYNs to an address behind the NAT gateway that nobody has: never answered
# (sent from n1's NVD, in one shell: the timeout must not run out while
# they are sent).
m3=$(nat_of entries)
t0=$SECONDS
nsx n1 sh -c 'for sp in $(seq 41000 41019); do
	"$0" --from 10.0.0.23 --to 10.0.100.2 --vxlan 1003 --smac 02:00:0a:01:02:05 \
		--src 10.1.2.5 --dst 198.18.0.99 --proto tcp --dport-in 7000 \
		--payload "" --sport "$sp" || exit
done' "$CRAFT"
sleep 0.5
m4=$(nat_of entries)
echo "sent in $((SECONDS - t0)) s" | diag
expect_ok "NAT unanswered: 20 SYNs that nobody answers got their mappings (entries $m3 -> $m4)" \
	test $((m4 - m3)) -ge 20
expect_ok "NAT unanswered: with ct_tcp_syn_timeout 8 s they are gone within 40 s" \
	wait_for 40 nat_at_most "$m3"
before=$(drops nat_inbound)
udp_no nat-a-host 198.51.100.10 "${pport:-0}" --sport 7000 >/dev/null 2>&1
sleep 0.5
expect_eq "NAT unanswered: the answered mapping of n1:6400 lives on (the internet host's datagram to port $pport is mapped in)" \
	"$before" "$(drops nat_inbound)"

# Bounds: nat_max_per_vnic and nat_max (module parameters). A VNIC beyond
# its bound gets nat_full for new connections; its mappings keep working;
# another VNIC is not affected until the namespace's bound.
expect_fail "NAT bounds: nat_max_per_vnic 0 is refused" sh -c "echo 0 >$P/nat_max_per_vnic"
expect_fail "NAT bounds: nat_max above 2^24 is refused" sh -c "echo 16777217 >$P/nat_max"
expect_eq "NAT bounds: the refusals left the defaults" "65536 1048576" \
	"$(cat $P/nat_max_per_vnic) $(cat $P/nat_max)"
echo 20 >$P/nat_max_per_vnic
m5=$(nat_of entries)
expect_counted "NAT bounds: n1 (at most 20 mappings) opens 100 connections: nat_full on n1" \
	nat_full n1 nsx n1 "$FLOW" spray udp 198.18.0.10 30000 --count 100
m6=$(nat_of entries)
expect_ok "NAT bounds: n1 got no more than 20 new mappings (entries $m5 -> $m6)" \
	test $((m6 - m5)) -le 20
expect_answer "NAT bounds: n1's connection from 6400 still works" \
	"nat-a-host 198\.51\.100\.10 ${pport:-x}" udp n1 198.18.0.10 7000 --sport 6400
expect_answer "NAT bounds: n2 is not bound by n1's limit: its new connection is answered" \
	"nat-a-host 198\.51\.100\.10 [0-9]+" udp n2 198.18.0.10 7000 --sport 6500
n2port=$(seen_port "$(udp n2 198.18.0.10 7000 --sport 6500)")
echo 65536 >$P/nat_max_per_vnic
echo 1 >$P/nat_max
expect_blocked "NAT bounds: the namespace at nat_max: n2's next new connection is dropped: nat_full on n2" \
	nat_full n2 udp_no n2 198.18.0.10 7000 --sport 6501
expect_answer "NAT bounds: n2's connection from 6500 still works" \
	"nat-a-host 198\.51\.100\.10 ${n2port:-x}" udp n2 198.18.0.10 7000 --sport 6500
echo 1048576 >$P/nat_max
expect_answer "NAT bounds: the bound raised, n2's new connection is answered" \
	"nat-a-host 198\.51\.100\.10 [0-9]+" udp n2 198.18.0.10 7000 --sport 6501
echo 30 >$P/ct_udp_timeout
echo 120 >$P/ct_tcp_syn_timeout
fi

# --- service gateway, DRG, LPG: forwarded with the private IP ----------------------------
expect_answer "SGW: service:all takes 192.0.2.0/24 to the service gateway; the service sees p1's private IP" \
	"sgw-a-host 10\.1\.1\.5 [0-9]+" udp p1 192.0.2.10 7000
expect_ok "SGW: ping" pings p1 192.0.2.10
cap_start drg-geneve drg-a ul0 udp port 6081
expect_answer "DRG: on-premises sees p1's private IP" "drg-a-host 10\.1\.1\.5 [0-9]+" \
	udp p1 192.168.1.10 7000
cap_stop drg-geneve
expect_match "DRG: the cluster speaks Geneve (VNI 9004) to a Geneve gateway" \
	"Geneve.*vni 0x232c" "$(cap_read drg-geneve -v)"
expect_answer "DRG: TCP" "drg-a-host 10\.1\.1\.5 [0-9]+" tcp p1 192.168.1.10 7000
expect_bulk "DRG: TCP bulk over Geneve, 2 MB each way, every byte intact" \
	p1 192.168.1.10 7000 2000000
expect_answer "DRG: on-premises reaches p1 by its private IP" "p1 192\.168\.1\.10 [0-9]+" \
	udp drg-a-host 10.1.1.5 7000
expect_answer "DRG: ... over TCP" "p1 192\.168\.1\.10 [0-9]+" tcp drg-a-host 10.1.1.5 7000
expect_answer "LPG: the peer VCN's host sees p1's private IP" "lpg-a-host 10\.1\.1\.5 [0-9]+" \
	udp p1 10.2.1.10 7000
expect_answer "LPG: the peer reaches p1" "p1 10\.2\.1\.10 [0-9]+" udp lpg-a-host 10.1.1.5 7000

# --- a private IP as the target -------------------------------------------------------------
expect_ok "private IP: 10.9.0.0/16 goes to the firewall 10.1.1.250, which answers for 10.9.0.1" \
	pings p1 10.9.0.1
expect_answer "private IP: UDP to 10.9.0.1 reaches the firewall, with p1's address" \
	"fw 10\.1\.1\.5 [0-9]+" udp p1 10.9.0.1 7000
expect_match "... and the firewall received it for 10.9.0.1, not for its own address" \
	"^udp 10\.1\.1\.5 [0-9]+ 10\.9\.0\.1 7000 " "$(served fw udp 7000)"

# --- a VIP whose rule names a gateway ------------------------------------------------------
expect_answer "VIP rule target:drg-a: t1 reaches on-premises though its subnet has no route table" \
	"drg-a-host 10\.1\.3\.7 [0-9]+" udp t1 192.168.1.10 7000

# --- a disabled gateway drops everything --------------------------------------------------
topo_jq '(.gateways[] | select(.id == "drg-a") | .enabled) = false'
topo_apply
expect_blocked "disabled DRG: p1 -> on-premises is dropped: gw_disabled on p1" \
	gw_disabled p1 udp_no p1 192.168.1.10 7000
expect_blocked "disabled DRG: on-premises -> p1 is dropped: gw_disabled" \
	gw_disabled - udp_no drg-a-host 10.1.1.5 7000
expect_blocked "disabled DRG: the VIP rule's traffic too: gw_disabled on t1" \
	gw_disabled t1 udp_no t1 192.168.1.10 7000
topo_jq '(.gateways[] | select(.id == "drg-a") | .enabled) = true'
topo_apply
expect_answer "enabled again, the DRG forwards again" "drg-a-host 10\.1\.1\.5 [0-9]+" \
	udp p1 192.168.1.10 7000

tap_end
