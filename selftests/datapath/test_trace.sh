#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `vnicctl trace` (VNICGW_CMD_TRACE): a packet described on the command line
# runs through the module's own walk, which says what it decided at each
# stage and sends nothing, changes nothing. Asserted stage by stage: a VNIC
# to a VNIC in its VCN, each gateway type on the route (internet with its
# 1:1 NAT, NAT with a new and an existing mapping, service, DRG, a private
# IP), a VIP whose rule names a gateway, traffic from a gateway (a reply
# through a NAT mapping, an unsolicited one); the drops (spoofs, no
# attachment, no route, a denying rule, TTL); a connection already tracked.
# The trace follows a change of the rules and routes at once; the counters,
# the connection table and the NAT mappings are the same after the traces
# as before. Runs in the VM.
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
topo_gateway sgw-a vcn-a service 10.0.0.102 9003 'services={"all": ["192.0.2.0/24"]}'
topo_gateway drg-a vcn-a drg 10.0.0.103 9004 encap=geneve
topo_gateway lpg-a vcn-a lpg 10.0.0.104 9005
topo_gateway lpg-off vcn-a lpg 10.0.0.105 9006 enabled=false
topo_seclist sl-a vcn-a \
	ingress "$(rule source=0.0.0.0/0 protocol=icmp)" \
	egress "$(rule destination=0.0.0.0/0 protocol=all)"
# b1: TCP 7000 in (stateful), UDP 53 in (stateless); nothing out but replies.
topo_seclist sl-b vcn-a \
	ingress "$(rule source=10.1.0.0/16 protocol=tcp dst_ports=7000)" \
		"$(rule source=10.1.0.0/16 protocol=udp dst_ports=53 stateless=true)"
topo_route_table rt-pub vcn-a 0.0.0.0/0=igw-a service:all=sgw-a 192.168.0.0/16=drg-a \
	10.9.0.0/16=private-ip:10.1.2.5 10.2.0.0/16=lpg-a 10.3.0.0/16=lpg-off
topo_route_table rt-priv vcn-a 0.0.0.0/0=nat-a
topo_subnet sub-a vcn-a 10.1.1.0/24 rt=rt-pub sl=sl-a
topo_subnet sub-b vcn-a 10.1.2.0/24 sl=sl-b
topo_subnet sub-n vcn-a 10.1.3.0/24 rt=rt-priv sl=sl-a
topo_vnic a1 sub-a 10.1.1.5 1001 10.0.0.21 vip=10.0.100.1 public_ip=203.0.113.5
topo_vnic b1 sub-b 10.1.2.5 1002 10.0.0.22 vip=10.0.100.1 skip_sdc=true
topo_vnic n1 sub-n 10.1.3.5 1003 10.0.0.23 vip=10.0.100.1
topo_vnic t1 sub-n 10.1.3.7 1006 10.0.0.26 vip=10.0.100.3 rule=target:drg-a
topo_vnic a2 sub-a 10.1.1.6 1007 10.0.0.27 vip=10.0.100.1 ct_limit=1	# no public IP
topo_apply || { not_ok "the document applies"; tap_end; }
serve b1 tcp 7000 nat-a-host udp 7000 || { not_ok "servers"; tap_end; }

vctl() { nsx host1 vnicctl "$@"; }
# trc ARGS...: the JSON trace (compact), or nothing if vnicctl failed.
trc() { vctl -j trace "$@" 2>/dev/null | jq -c . 2>/dev/null; }
# st JSON STAGE: the first step of that stage, compact.
st() { jq -c --arg s "$2" '[.steps[] | select(.stage == $s)][0] // empty' <<<"$1" 2>/dev/null; }
# q JSON FILTER: a jq filter's raw output.
q() { jq -r "$2" <<<"$1" 2>/dev/null; }
stages() { q "$1" '[.steps[].stage] | join(",")'; }
# rt_index DEST: the index of rt-pub's rule for DEST as the kernel holds the
# table (the document's rules are a set; `vnicctl show` lists them in order).
rt_index()
{
	vctl -j show route_table rt-pub |
		jq -r --arg d "$1" '[.. | objects | select(has("rules")) | .rules][0] |
			map(.destination) | index($d) // "none"'
}

# The state that traces must leave alone.
state_now()
{
	printf '%s|%s|%s\n' "$(vctl -j stats | jq -c '{d: .drops, v: .vnics}')" \
		"$(vctl -j conntrack | jq -c 'map(del(.expires))')" \
		"$(vctl -j nat | jq -c 'map(del(.expires))')"
}
before_all=$(state_now)

# --- a VNIC to a VNIC of its VCN --------------------------------------------------
t=$(trc vnic a1 proto tcp dst 10.1.2.5 sport 40000 dport 7000)
expect_eq "a1 -> b1 TCP 7000: the stages in order" \
	"attach,checks,route,egress,ingress" "$(stages "$t")"
expect_eq "attach: VNIC a1, found by its VIP and VNI" "vnic a1" \
	"$(q "$(st "$t" attach)" '"\(.object_type) \(.object)"')"
expect_eq "route: VCN-local, to VNIC b1" "vcn_local vnic b1" \
	"$(q "$(st "$t" route)" '"\(.result) \(.target_type) \(.target)"')"
expect_eq "egress: a1's stateful rule 0 of sl-a's egress" "stateful security_list sl-a 0" \
	"$(q "$(st "$t" egress)" '"\(.result) \(.rule_object_type) \(.rule_object) \(.rule_index)"')"
expect_eq "ingress: b1's stateful rule 0 of sl-b's ingress" "stateful security_list sl-b 0" \
	"$(q "$(st "$t" ingress)" '"\(.result) \(.rule_object_type) \(.rule_object) \(.rule_index)"')"
expect_eq "verdict: forward" "forward" "$(q "$t" .verdict)"
expect_eq "the frame: from VIP 10.0.100.1 to b1's NVD 10.0.0.22, VNI 1002, to b1's MAC" \
	"10.0.100.1 10.0.0.22 1002 vxlan $(mac_of 10.1.2.5)" \
	"$(q "$t" '.out | "\(.outer_src) \(.outer_dst) \(.vni) \(.encap) \(.dst_mac)"')"
expect_eq "... the inner packet unchanged but its TTL (64 -> 63)" \
	"10.1.1.5 10.1.2.5 tcp 40000 7000 63" \
	"$(q "$t" '.out | "\(.src) \(.dst) \(.proto) \(.sport) \(.dport) \(.ttl)"')"

txt=$(vctl trace vnic a1 proto tcp dst 10.1.2.5 sport 40000 dport 7000 2>&1)
expect_match "the text form: one line per stage (the route)" "^route +inside the VCN -> vnic b1$" "$txt"
expect_match "... the verdict" "^verdict +forward$" "$txt"
expect_match "... and the frame it would send" "^out +10\.0\.100\.1 -> 10\.0\.0\.22 vni 1002 vxlan$" "$txt"

t=$(trc vnic a1 proto udp dst 10.1.2.5 dport 53)
expect_eq "UDP 53: b1's stateless rule 1 of sl-b lets it in" "stateless security_list sl-b 1" \
	"$(q "$(st "$t" ingress)" '"\(.result) \(.rule_object_type) \(.rule_object) \(.rule_index)"')"

t=$(trc vnic a1 proto tcp dst 10.1.2.5 dport 7001)
expect_eq "TCP 7001: no ingress rule of b1 allows it" "deny ingress_denied drop" \
	"$(q "$t" '"\([.steps[] | select(.stage == "ingress")][0].result) \(.reason) \(.verdict)"')"
expect_eq "... the last stage is the drop, with its reason" "drop ingress_denied" \
	"$(q "$t" '.steps[-1] | "\(.stage) \(.reason)"')"

# The trace reads the tables as they are now: a rule added for 7001 is seen.
topo_seclist sl-b vcn-a \
	ingress "$(rule source=10.1.0.0/16 protocol=tcp dst_ports=7000)" \
		"$(rule source=10.1.0.0/16 protocol=udp dst_ports=53 stateless=true)" \
		"$(rule source=10.1.1.0/24 protocol=tcp dst_ports=7001)"
topo_apply || not_ok "the changed document applies"
t=$(trc vnic a1 proto tcp dst 10.1.2.5 dport 7001)
expect_eq "a rule added for 7001: the trace follows (rule 2 of sl-b, forward)" \
	"stateful sl-b 2 forward" \
	"$(q "$t" '"\([.steps[] | select(.stage == "ingress")][0] | "\(.result) \(.rule_object) \(.rule_index)") \(.verdict)"')"

# --- gateways -----------------------------------------------------------------------
t=$(trc vnic a1 proto udp dst 198.18.0.10 dport 7000)
expect_eq "a1 -> the internet: rt-pub's rule for 0.0.0.0/0 ($(rt_index 0.0.0.0/0)), to igw-a" \
	"rule route_table rt-pub $(rt_index 0.0.0.0/0) 0.0.0.0/0 gateway igw-a" \
	"$(q "$(st "$t" route)" '"\(.result) \(.object_type) \(.object) \(.index) \(.prefix) \(.target_type) \(.target)"')"
expect_eq "... the internet gateway's 1:1 NAT: the source becomes 203.0.113.5" \
	"public_ip igw-a 203.0.113.5" "$(q "$(st "$t" nat)" '"\(.result) \(.object) \(.address)"')"
expect_eq "... the frame to igw-a (10.0.0.100, VNI 9001), from 203.0.113.5" \
	"forward 10.0.0.100 9001 203.0.113.5 198.18.0.10" \
	"$(q "$t" '"\(.verdict) \(.out.outer_dst) \(.out.vni) \(.out.src) \(.out.dst)"')"
t=$(trc vnic a1 proto udp dst 192.0.2.7 dport 7000)
expect_eq "a service's prefix: the rule for service:all ($(rt_index service:all)) -> sgw-a (no prefix of its own)" \
	"rule $(rt_index service:all) null sgw-a 10.0.0.102" \
	"$(q "$t" '"\([.steps[] | select(.stage == "route")][0] | "\(.result) \(.index) \(.prefix) \(.target)") \(.out.outer_dst)"')"
t=$(trc vnic a1 proto tcp dst 192.168.4.4 dport 22)
expect_eq "the DRG, over Geneve" "drg-a geneve 9004" \
	"$(q "$t" '"\([.steps[] | select(.stage == "route")][0].target) \(.out.encap) \(.out.vni)"')"
t=$(trc vnic a1 proto udp dst 10.2.1.10 dport 7000)
expect_eq "the local peering gateway: the rule for 10.2.0.0/16, to lpg-a (10.0.0.104, VNI 9005)" \
	"rule $(rt_index 10.2.0.0/16) 10.2.0.0/16 lpg-a 10.0.0.104 9005" \
	"$(q "$t" '"\([.steps[] | select(.stage == "route")][0] | "\(.result) \(.index) \(.prefix) \(.target)") \(.out.outer_dst) \(.out.vni)"')"
t=$(trc vnic a1 proto tcp dst 10.9.1.1 dport 7000)
expect_eq "a private-IP target: the rule for 10.9.0.0/16 ($(rt_index 10.9.0.0/16)), to VNIC b1 (which skips the source/destination check)" \
	"rule $(rt_index 10.9.0.0/16) vnic b1 10.0.0.22" \
	"$(q "$t" '"\([.steps[] | select(.stage == "route")][0] | "\(.result) \(.index) \(.target_type) \(.target)") \(.out.outer_dst)"')"
t=$(trc vnic t1 proto udp dst 10.1.1.5 dport 7000)
expect_eq "t1's VIP has a rule naming drg-a: everything goes there, VCN-local or not" \
	"vip_target drg-a" "$(q "$(st "$t" route)" '"\(.result) \(.target)"')"

# NAT: a new mapping (the port that is free now), then the mapping itself.
nat_before=$(vctl -j nat | jq length)
t=$(trc vnic n1 proto udp dst 198.18.0.10 sport 5600 dport 7000)
expect_eq "n1 -> the internet through nat-a: a new mapping from 198.51.100.10" \
	"new_mapping nat-a 198.51.100.10" "$(q "$(st "$t" nat)" '"\(.result) \(.object) \(.address)"')"
newport=$(q "$(st "$t" nat)" .port)
expect_ok "... with a port of the NAT range (${newport:-none})" test "${newport:-0}" -ge 1024
expect_eq "... and the frame leaves from that address and port" "198.51.100.10 $newport" \
	"$(q "$t" '"\(.out.src) \(.out.sport)"')"
expect_eq "the trace took no mapping" "$nat_before" "$(vctl -j nat | jq length)"
expect_answer "n1 -> the internet host UDP 7000 (a real packet) is answered" \
	"nat-a-host 198\.51\.100\.10 [0-9]+" udp n1 198.18.0.10 7000 --sport 5600
m=$(vctl -j nat | jq -c '.[] | select(.private_port == 5600)')
pub=$(q "$m" .public_port)
t=$(trc vnic n1 proto udp dst 198.18.0.10 sport 5600 dport 7000)
expect_eq "now the trace shows that mapping (public port ${pub:-?})" "mapping 198.51.100.10 $pub" \
	"$(q "$(st "$t" nat)" '"\(.result) \(.address) \(.port)"')"
t=$(trc gateway nat-a proto udp src 198.18.0.10 dst 198.51.100.10 sport 7000 dport "${pub:-1}")
expect_eq "the reply from nat-a: attach the gateway, NAT back to 10.1.3.5:5600, to VNIC n1" \
	"attach,nat,route,ingress gateway nat-a mapping 10.1.3.5 5600 gateway_in n1" \
	"$(q "$t" '"\([.steps[].stage] | join(",")) \(.steps[0].object_type) \(.steps[0].object) \(.steps[1].result) \(.steps[1].address) \(.steps[1].port) \(.steps[2].result) \(.steps[2].target)"')"
expect_eq "... tracked by n1's connection (the reply passes), the frame to n1's NVD" \
	"tracked established forward 10.0.0.23 10.1.3.5 5600" \
	"$(q "$t" '"\([.steps[] | select(.stage == "ingress")][0] | "\(.result) \(.ct_state)") \(.verdict) \(.out.outer_dst) \(.out.dst) \(.out.dport)"')"
t=$(trc gateway nat-a proto udp src 198.18.0.10 dst 198.51.100.10 sport 7000 dport 4444)
expect_eq "an unsolicited packet to the NAT gateway: dropped, nat_inbound" "drop nat_inbound" \
	"$(q "$t" '"\(.verdict) \(.reason)"')"

# --- a tracked connection -------------------------------------------------------------
hold_start ab a1 10.1.2.5 7000 --sport 5501 --timeout 20000
expect_match "a1 holds a TCP connection to b1:7000" "^b1 10\.1\.1\.5 5501$" "$(hold_say ab one)"
t=$(trc vnic a1 proto tcp dst 10.1.2.5 sport 5501 dport 7000 flags ack)
expect_eq "its next segment passes as part of the tracked connection, both ways" \
	"tracked established tracked established" \
	"$(q "$t" '[.steps[] | select(.stage == "egress" or .stage == "ingress") | "\(.result) \(.ct_state)"] | join(" ")')"
x=$(q "$(st "$t" egress)" .expires)
expect_ok "... with the seconds left of the entry (${x:-none})" test "${x:-0}" -gt 1000
t=$(trc vnic b1 proto tcp dst 10.1.1.5 sport 7000 dport 5501 flags ack)
expect_eq "b1's answer too, though no egress rule of b1 allows it" "tracked forward" \
	"$(q "$t" '"\([.steps[] | select(.stage == "egress")][0].result) \(.verdict)"')"
t=$(trc vnic b1 proto tcp dst 10.1.1.5 sport 7000 dport 5599 flags ack)
expect_eq "another port of a1: no connection, no rule: egress_denied" "deny egress_denied" \
	"$(q "$t" '"\([.steps[] | select(.stage == "egress")][0].result) \(.reason)"')"
hold_stop ab

# --- drops at each stage ----------------------------------------------------------------
expect_eq "a spoofed inner source: src_ip_spoof" "drop src_ip_spoof" \
	"$(q "$(trc vnic a1 proto udp src 10.1.1.99 dst 10.1.2.5 dport 53)" '"\(.verdict) \(.reason)"')"
expect_eq "... but b1 skips the check: its foreign source gets as far as its rules" \
	"checks egress_denied" \
	"$(q "$(trc vnic b1 proto icmp src 10.1.9.9 dst 10.1.1.5)" '"\([.steps[] | select(.stage == "checks")][0].stage) \(.reason)"')"
expect_eq "a spoofed outer source (not a1's NVD): outer_src_spoof" "drop outer_src_spoof" \
	"$(q "$(trc vnic a1 nvd 10.0.0.99 proto udp dst 10.1.2.5 dport 53)" '"\(.verdict) \(.reason)"')"
expect_eq "another inner MAC: mac_spoof" "drop mac_spoof" \
	"$(q "$(trc vnic a1 mac 02:11:22:33:44:55 proto udp dst 10.1.2.5 dport 53)" '"\(.verdict) \(.reason)"')"
t=$(trc nvd 10.0.0.21 vip 10.0.100.1 vni 4242 mac "$(mac_of 10.1.1.5)" proto udp src 10.1.1.5 dst 10.1.2.5 dport 53)
expect_eq "a VNI nobody has: no_attachment, before any other stage" "drop no_attachment drop" \
	"$(q "$t" '"\(.verdict) \(.reason) \([.steps[].stage] | join(","))"')"
expect_eq "the same packet spelled out with a1's VNI: attached to a1" "a1" \
	"$(q "$(trc nvd 10.0.0.21 vip 10.0.100.1 vni 1001 mac "$(mac_of 10.1.1.5)" proto udp src 10.1.1.5 dst 10.1.2.5 dport 53)" .steps[0].object)"
expect_eq "TTL 1: the router may not forward it (ttl)" "drop ttl" \
	"$(q "$(trc vnic a1 proto udp dst 10.1.2.5 dport 53 ttl 1)" '"\(.verdict) \(.reason)"')"
expect_eq "a VCN address nobody owns: no_dst_vnic, the route stage without a target" \
	"drop no_dst_vnic vcn_local null" \
	"$(q "$(trc vnic a1 proto udp dst 10.1.2.77 dport 53)" '"\(.verdict) \(.reason) \([.steps[] | select(.stage == "route")][0] | "\(.result) \(.target)")"')"
expect_eq "b1's subnet has no route table: outside the VCN is no_route" "drop no_route" \
	"$(q "$(trc vnic b1 proto udp dst 8.8.8.8 dport 53)" '"\(.verdict) \(.reason)"')"
expect_fail_msg "a neighbour solicitation is refused: the router answers it, the walk does not see it" \
	"neighbour solicitations are answered, not walked" \
	vctl trace vnic a1 proto icmpv6 src fe80::1 dst ff02::1:ff00:1 type 135 ttl 255
expect_fail_msg "an ICMP error is refused: it would need the packet it quotes" \
	"errors cannot be traced" vctl trace vnic a1 proto icmp dst 10.1.2.5 type 3 code 1
expect_fail_msg "spelled out without the inner source MAC: refused, with a message saying what to give" \
	"give nvd, vip, vni, src and mac" \
	vctl trace nvd 10.0.0.21 vip 10.0.100.1 vni 1001 proto udp src 10.1.1.5 dst 10.1.2.5 dport 53

expect_eq "a disabled gateway on the route: gw_disabled" "lpg-off drop gw_disabled" \
	"$(q "$(trc vnic a1 proto udp dst 10.3.0.1 dport 7000)" '"\([.steps[] | select(.stage == "route")][0].target) \(.verdict) \(.reason)"')"
expect_eq "to the internet gateway without a public IP: no_public_ip" "drop no_public_ip" \
	"$(q "$(trc vnic a2 proto udp dst 198.18.0.10 dport 7000)" '"\(.verdict) \(.reason)"')"
expect_eq "a protocol the NAT gateway cannot map (GRE): nat_no_port" "drop nat_no_port" \
	"$(q "$(trc vnic n1 proto 47 dst 198.18.0.10)" '"\(.verdict) \(.reason)"')"
expect_eq "a TCP segment without SYN of no mapping: nat_no_mapping" "drop nat_no_mapping" \
	"$(q "$(trc vnic n1 proto tcp dst 198.18.0.10 sport 5800 dport 7000 flags ack)" '"\(.verdict) \(.reason)"')"
P=/sys/module/vnicgw/parameters
echo 1 >$P/nat_max_per_vnic
expect_eq "n1 at nat_max_per_vnic (1, it has one mapping): a new mapping would be nat_full" \
	"drop nat_full" \
	"$(q "$(trc vnic n1 proto udp dst 198.18.0.10 sport 5801 dport 7000)" '"\(.verdict) \(.reason)"')"
expect_eq "... while its existing mapping still goes out" "mapping forward" \
	"$(q "$(trc vnic n1 proto udp dst 198.18.0.10 sport 5600 dport 7000)" '"\([.steps[] | select(.stage == "nat")][0].result) \(.verdict)"')"
echo 65536 >$P/nat_max_per_vnic
# a2 may track one connection: one UDP datagram to b1 takes it.
udp_no a2 10.1.2.5 53 --sport 5900 >/dev/null
expect_eq "a2 tracks its one connection (conntrack_limit 1)" "1" \
	"$(vctl -j conntrack a2 | jq length)"
expect_eq "... so a new flow of a2 would be ct_full (its stateful egress rule 0 allows it)" \
	"stateful 0 drop ct_full" \
	"$(q "$(trc vnic a2 proto tcp dst 10.1.2.5 dport 7000)" '"\([.steps[] | select(.stage == "egress")][0] | "\(.result) \(.rule_index)") \(.verdict) \(.reason)"')"

# --- refusals -------------------------------------------------------------------------
expect_fail_msg "a VNIC that does not exist: refused, by name" "no such vnic 'zz'" \
	vctl trace vnic zz proto udp dst 10.1.2.5 dport 53
expect_fail_msg "a gateway that does not exist: refused, by name" "no such gateway 'zz'" \
	vctl trace gateway zz proto udp src 1.2.3.4 dst 10.1.2.5 dport 53

# --- nothing changed ----------------------------------------------------------------------
# The held connection and the NAT mapping are real traffic; compare what the
# traces alone would have changed: run them again and compare around them.
mid=$(state_now)
for i in 1 2 3; do
	trc vnic a1 proto tcp dst 10.1.2.5 dport 7000 >/dev/null
	trc vnic n1 proto udp dst 198.18.0.10 sport 5700 dport 7000 >/dev/null
	trc vnic a1 proto udp src 10.1.1.99 dst 10.1.2.5 dport 53 >/dev/null
	trc gateway nat-a proto udp src 198.18.0.10 dst 198.51.100.10 sport 7000 dport 4444 >/dev/null
done
expect_eq "traces change no counter, no connection, no mapping" "$mid" "$(state_now)"
expect_ok "(and the state did change through the real traffic before)" test "$before_all" != "$mid"

topo_cleanup
tap_end
