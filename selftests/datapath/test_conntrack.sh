#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The connection table and the NAT mappings as an operator reads them:
# `vnicctl conntrack` and `vnicctl nat` (VNICGW_CMD_CT_GET, NAT_GET) list
# the live entries with the flow as it was opened, the state, the seconds
# left, the packets and bytes each way; a VNIC filter; `delete` forgets one
# entry, and the traffic that only that entry let through is dropped next.
# b1's rules allow TCP and UDP 7000 in and nothing out: its answers pass
# only as part of a tracked connection. Runs in the VM.
set -u
DIR=$(dirname "$0")
. "$DIR/../lib.sh"
. "$DIR/topo.sh"
. "$DIR/traffic.sh"

tap_begin
topo_init 4 || { not_ok "topology"; tap_end; }
topo_host host1 10.0.0.10
topo_vcn vcn-a 10.1.0.0/16
topo_gateway nat-a vcn-a nat 10.0.0.101 9002 public_ip=198.51.100.10 host=198.18.0.10/24
topo_seclist sl-a vcn-a \
	ingress "$(rule source=0.0.0.0/0 protocol=icmp)" \
	egress "$(rule destination=0.0.0.0/0 protocol=all)"
topo_seclist sl-b vcn-a \
	ingress "$(rule source=10.1.0.0/16 protocol=tcp dst_ports=7000)" \
		"$(rule source=10.1.0.0/16 protocol=udp dst_ports=7000)"
topo_route_table rt-priv vcn-a 0.0.0.0/0=nat-a
topo_subnet sub-a vcn-a 10.1.1.0/24 sl=sl-a
topo_subnet sub-b vcn-a 10.1.2.0/24 sl=sl-b
topo_subnet sub-n vcn-a 10.1.3.0/24 rt=rt-priv sl=sl-a
topo_vnic a1 sub-a 10.1.1.5 1001 10.0.0.21 vip=10.0.100.1
topo_vnic b1 sub-b 10.1.2.5 1002 10.0.0.22 vip=10.0.100.1
topo_vnic n1 sub-n 10.1.3.5 1003 10.0.0.23 vip=10.0.100.1
topo_apply || { not_ok "the document applies"; tap_end; }
serve b1 tcp 7000 b1 udp 7000 nat-a-host udp 7000 || { not_ok "servers"; tap_end; }

vctl() { nsx host1 vnicctl "$@"; }
# ct_get VNIC PROTO SPORT: the JSON entry of that VNIC's connection from that
# source port (as opened), or nothing.
ct_get()
{
	vctl -j conntrack 2>/dev/null |
		jq -c --arg v "$1" --arg p "$2" --argjson s "$3" \
			'.[] | select(.vnic == $v and .proto == $p and .sport == $s)'
}
field() { jq -r ".$2 // empty" <<<"$1"; }

expect_eq "an empty table lists nothing" "[]" "$(vctl -j conntrack | jq -c .)"
expect_eq "no mapping either" "[]" "$(vctl -j nat | jq -c .)"

# --- conntrack -------------------------------------------------------------
hold_start ab a1 10.1.2.5 7000 --sport 5501 --timeout 20000
expect_match "a1 holds a TCP connection to b1:7000" "^b1 10\.1\.1\.5 5501$" \
	"$(hold_say ab one)"
ea=$(ct_get a1 tcp 5501)
eb=$(ct_get b1 tcp 5501)
expect_eq "a1's entry (its egress rule opened it): the flow as opened" \
	"10.1.1.5 10.1.2.5 5501 7000 established" \
	"$(jq -r '"\(.src) \(.dst) \(.sport) \(.dport) \(.state)"' <<<"$ea" 2>/dev/null)"
expect_eq "b1's entry (its ingress rule opened it): the same flow" \
	"10.1.1.5 10.1.2.5 5501 7000 established" \
	"$(jq -r '"\(.src) \(.dst) \(.sport) \(.dport) \(.state)"' <<<"$eb" 2>/dev/null)"
p0=$(field "$eb" packets) r0=$(field "$eb" reply_packets)
expect_ok "b1's entry counted the handshake and the line: >= 3 packets from a1 (${p0:-?}), >= 2 back (${r0:-?})" \
	test "${p0:-0}" -ge 3 -a "${r0:-0}" -ge 2
expect_ok "... and bytes both ways ($(field "$eb" bytes) / $(field "$eb" reply_bytes))" \
	test "$(field "$eb" bytes)" -gt 0 -a "$(field "$eb" reply_bytes)" -gt 0
x=$(field "$eb" expires)
expect_ok "established: seconds left near ct_tcp_established_timeout (${x:-?})" \
	test "${x:-0}" -gt 400000
hold_say ab two >/dev/null
eb=$(ct_get b1 tcp 5501)
expect_ok "the counters move with the traffic ($p0 -> $(field "$eb" packets) packets)" \
	test "$(field "$eb" packets)" -gt "${p0:-0}" -a "$(field "$eb" reply_packets)" -gt "${r0:-0}"
expect_eq "the VNIC filter: 'conntrack b1' lists b1's only" "b1" \
	"$(vctl -j conntrack b1 | jq -r '[.[].vnic] | unique | join(",")')"
expect_match "the text form reads as conntrack -L" \
	"^b1 tcp src=10\.1\.1\.5 dst=10\.1\.2\.5 sport=5501 dport=7000 established expires=[0-9]+ packets=[0-9]+ bytes=[0-9]+ reply_packets=[0-9]+ reply_bytes=[0-9]+$" \
	"$(vctl conntrack b1 2>/dev/null)"
expect_match "and counts what it listed on stderr" "^vnicctl conntrack: [0-9]+ connections?$" \
	"$(vctl conntrack 2>&1 >/dev/null)"

# UDP, answered: established; its entry at b1.
expect_answer "a1 -> b1 UDP 7000 is answered" "b1 10\.1\.1\.5 5502" \
	udp a1 10.1.2.5 7000 --sport 5502
expect_eq "the UDP flow is tracked at b1, answered" "udp established" \
	"$(ct_get b1 udp 5502 | jq -r '"\(.proto) \(.state)"')"

# Delete b1's TCP entry: its next packet meets b1's rules again. a1's next
# segment is one the ingress rule allows, so it opens a new entry (its
# counters start over).
before=$(field "$(ct_get b1 tcp 5501)" packets)
expect_ok "conntrack delete names the connection (given in the reply's direction)" \
	vctl conntrack delete vnic b1 proto tcp src 10.1.2.5 dst 10.1.1.5 sport 7000 dport 5501
expect_eq "... and it is gone from the list" "" "$(ct_get b1 tcp 5501)"
expect_ok "... a1's own entry stays" test -n "$(ct_get a1 tcp 5501)"
expect_fail_msg "deleting it again: no such connection" "tracks no such connection" \
	vctl conntrack delete vnic b1 proto tcp src 10.1.2.5 dst 10.1.1.5 sport 7000 dport 5501
expect_match "a1's next segment passes b1's ingress rule, and is answered" \
	"^b1 10\.1\.1\.5 5501$" "$(hold_say ab three)"
after=$(field "$(ct_get b1 tcp 5501)" packets)
expect_ok "... which opened a new entry, counting from 0 ($before before the delete, ${after:-none} now)" \
	test -n "$after" -a "${after:-0}" -lt "${before:-0}"
hold_stop ab
expect_fail_msg "a VNIC that does not exist: no such connection" "tracks no such connection" \
	vctl conntrack delete vnic zz proto tcp src 10.1.2.5 dst 10.1.1.5 sport 7000 dport 5501

# b1's rules let nothing out: a datagram from b1:7000 to a1:5502 passes only
# as part of the tracked UDP flow. Sent as b1's NVD tunnels it.
b1_says()
{
	nsx b1 "$CRAFT" --from 10.0.0.22 --to 10.0.100.1 --vxlan 1002 \
		--smac "$(mac_of 10.1.2.5)" --src 10.1.2.5 --dst 10.1.1.5 \
		--sport 7000 --dport-in 5502
}
before=$(drops egress_denied b1)
b1_says
sleep 0.5
expect_eq "b1 -> a1:5502 passes as part of the tracked flow" "$before" \
	"$(drops egress_denied b1)"
expect_ok "conntrack delete of b1's UDP flow (in its opening direction)" \
	vctl conntrack delete vnic b1 proto udp src 10.1.1.5 dst 10.1.2.5 sport 5502 dport 7000
expect_counted "b1's next datagram of that flow is dropped: egress_denied on b1" \
	egress_denied b1 b1_says

# --- NAT mappings ----------------------------------------------------------------
ans=$(udp n1 198.18.0.10 7000 --sport 5503)
pub=$(seen_port "$ans")
expect_match "n1 reaches the internet host through the NAT gateway (public port ${pub:-?})" \
	"^nat-a-host 198\.51\.100\.10 [0-9]+$" "$ans"
m=$(vctl -j nat | jq -c '.[] | select(.private_port == 5503)')
expect_eq "the mapping: n1's address and port, the public ones the host saw, the remote" \
	"n1 udp 10.1.3.5 5503 198.51.100.10 ${pub:-?} 198.18.0.10 7000 established" \
	"$(jq -r '"\(.vnic) \(.proto) \(.private) \(.private_port) \(.public) \(.public_port) \(.remote) \(.remote_port) \(.state)"' <<<"$m" 2>/dev/null)"
expect_eq "'nat a1' lists none of n1's" "0" "$(vctl -j nat a1 | jq length)"
expect_eq "'nat n1' lists it" "1" "$(vctl -j nat n1 | jq '[.[] | select(.private_port == 5503)] | length')"
# forge_host: a datagram host:7000 -> the public port, as nat-a forwards it.
forge_host()
{
	nsx nat-a "$CRAFT" --from 10.0.0.101 --to "$(_topo_default_vip)" --vxlan 9002 \
		--smac "$(gw_mac 9002)" --src 198.18.0.10 --dst 198.51.100.10 \
		--sport 7000 --dport-in "${pub:-0}"
}
before=$(drops nat_inbound)
forge_host
sleep 0.5
expect_eq "a datagram from the host to the public port is mapped in" "$before" \
	"$(drops nat_inbound)"
expect_ok "nat delete names the mapping by its outside" \
	vctl nat delete proto udp public 198.51.100.10 public-port "${pub:-0}" \
		remote 198.18.0.10 remote-port 7000
expect_eq "... and it is gone" "0" \
	"$(vctl -j nat | jq '[.[] | select(.private_port == 5503)] | length')"
expect_counted "the host's next datagram to that port is refused (nat_inbound)" \
	nat_inbound - forge_host
expect_fail_msg "deleting it again: no such mapping" "no such mapping" \
	vctl nat delete proto udp public 198.51.100.10 public-port "${pub:-0}" \
		remote 198.18.0.10 remote-port 7000

# --- a table of a thousand: the listing goes over many messages ----------------
# 1,000 datagrams from a1, each from a socket of its own (a new source port):
# a1's egress rule opens an entry for each flow. The listing resumes where each
# message ended: every entry once, as many as the VNIC's counter says.
nsx a1 bash -c 'for i in $(seq 1000); do echo x >/dev/udp/10.1.2.5/7000; done' 2>/dev/null
sleep 1
# The counter and the listing agree when no entry of a1's went between them
# (the earlier flows' entries expire as the test goes on): the counter read
# on both sides of the listing, the same.
for try in 1 2 3; do
	c0=$(nsx host1 vnicctl -j stats a1 | jq '.conns')
	list=$(vctl -j conntrack a1)
	conns=$(nsx host1 vnicctl -j stats a1 | jq '.conns')
	[ "$c0" = "$conns" ] && break
done
n=$(jq length <<<"$list")
uniq=$(jq '[.[] | "\(.proto) \(.src) \(.sport) \(.dst) \(.dport)"] | unique | length' <<<"$list")
expect_ok "a1 tracks a thousand flows (listed: ${n:-?} of 1,000 datagrams)" test "${n:-0}" -ge 900
expect_eq "each listed once" "$n" "$uniq"
expect_eq "as many as a1's connection counter" "${conns:-?}" "$n"

# --- refusals ---------------------------------------------------------------------
expect_fail_msg "conntrack of a malformed VNIC id is refused by the kernel, saying why" "an id is 1 to 63" \
	vctl conntrack 'bad id!'
expect_fail_msg "an unprivileged user may not list connections" "CAP_NET_ADMIN" \
	nsx host1 setpriv --reuid=65534 --regid=65534 --clear-groups \
		--inh-caps=-all --bounding-set=-all vnicctl conntrack

topo_cleanup
tap_end
