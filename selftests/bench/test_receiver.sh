#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The benchmark's receiver (tools/bench/vrecv.c) refuses what it must: the
# figures of `make bench` count only packets it found right, and report.py
# refuses a run with any it did not. Here vgen's frames reach vrecv over a
# veth pair with no system in between, so every field is exactly as sent
# (TTL 64, no NAT); each row changes one thing, on the wire or in what the
# receiver expects, and checks that the receiver names it. Runs in the VM.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
trap 'netns_cleanup; rm -rf "$WORK"' EXIT
WORK=$(mktemp -d)

G=vgwt-gen M=vgwt-mid R=vgwt-rcv
RMAC=02:10:00:00:00:16
tap_begin
for n in $G $M $R; do
	ip netns add $n
done
ip link add ul0 netns $G type veth peer name ul0 netns $M
ip link add ul1 netns $M type veth peer name ul0 netns $R address $RMAC
ip -n $G link set ul0 up
ip -n $M link set ul0 up
ip -n $M link set ul1 up
ip -n $R link set ul0 up
ip netns exec $R tc qdisc add dev ul0 clsact
ip netns exec $R tc filter add dev ul0 ingress matchall action drop
ip netns exec $M tc qdisc add dev ul0 clsact
# The middle passes every frame on unchanged.
mid_plain()
{
	ip netns exec $M tc filter del dev ul0 ingress 2>/dev/null
	ip netns exec $M tc filter add dev ul0 ingress matchall action mirred egress redirect dev ul1
}
mid_plain

GEN=(-i ul0 --dmac $RMAC --src 10.0.0.21 --dst 10.0.100.1 --vni 1001
	--ismac 02:00:0a:01:01:05 --idmac 02:00:00:00:00:01 --isrc 10.1.1.5 --idst 10.1.3.5)
EXP=(--dst 10.0.100.1 --src 10.0.0.21 --vni 1001 --ismac 02:00:0a:01:01:05
	--idmac 02:00:00:00:00:01 --isrc 10.1.1.5 --idst 10.1.3.5 --ttl 64)

# run GEN_EXTRA -- RECV_EXTRA: 200 frames of 50 flows, vrecv's JSON.
run()
{
	local gx=() rx=() rdy=$WORK/ready pid

	while [ $# -gt 0 ] && [ "$1" != -- ]; do gx+=("$1"); shift; done
	[ $# -gt 0 ] && shift
	rx=("$@")
	rm -f "$rdy"
	ip netns exec $R vrecv -i ul0 --ready "$rdy" "${EXP[@]}" "${rx[@]}" >"$WORK/r.json" &
	pid=$!
	wait_for 10 test -e "$rdy" >/dev/null
	ip netns exec $G vgen "${GEN[@]}" "${gx[@]}" --flows 50 --count 200 --pps 20000 >/dev/null
	sleep 0.3
	kill -INT $pid
	wait $pid
	cat "$WORK/r.json"
}

# field JSON: "ok bad flows reason..." (the reasons with a count).
summary() { jq -r '"\(.ok) \(.bad) \(.flows)" + ([.bad_reasons | to_entries[] | select(.value > 0) | " \(.key)"] | add // "")'; }

expect_eq "as sent: 200 good of 50 flows, nothing bad" "200 0 50" "$(run -- | summary)"
expect_eq "the size of the 1400-byte scenarios as well" "200 0 50" "$(run --size 1400 -- | summary)"
expect_eq "an outer source other than the VIP expected: outer_src" "0 200 0 outer_src" \
	"$(run -- --src 10.0.0.99 | summary)"
expect_eq "another VNI expected: vni" "0 200 0 vni" "$(run -- --vni 1002 | summary)"
expect_eq "a TTL the frames do not have (one hop less): ttl" "0 200 0 ttl" \
	"$(run -- --ttl 63 | summary)"
expect_eq "the replies' ports expected: ports" "0 200 0 ports" "$(run -- --reverse | summary)"
expect_eq "replies sent and expected: good" "200 0 50" "$(run --reverse -- --reverse | summary)"
expect_eq "a NAT's mapping (a source port per flow, one flow per port): good" "200 0 50" \
	"$(run -- --nat-sport | summary)"
expect_eq "flows spread over 500 routes, expected so: good" "200 0 50" \
	"$(run --routes 500 -- --routes 500 | summary)"
expect_eq "... the fixed destination expected instead: inner_ip" "0 200 0 inner_ip" \
	"$(run --routes 500 -- | summary)"
expect_eq "... spread over 499 routes expected: inner_ip, all but flow 0 (route 0 in both: 4 frames)" \
	"4 196 1 inner_ip" "$(run --routes 500 -- --routes 499 | summary)"
expect_eq "replies from the routes' hosts, expected so: good" "200 0 50" \
	"$(run --routes 500 --reverse -- --routes 500 --reverse | summary)"
expect_eq "--dmac: another far end's MAC filters every frame out" "0 0 0" \
	"$(run -- --dmac 02:10:00:00:00:17 | summary)"
expect_eq "--dmac: its own MAC passes them" "200 0 50" "$(run -- --dmac $RMAC | summary)"

# On the wire: the outer TTL rewritten without the checksum's update, then
# an inner address (a NAT that forgot the checksums).
ip netns exec $M tc filter del dev ul0 ingress
ip netns exec $M tc filter add dev ul0 ingress matchall action pedit ex munge ip ttl set 9 \
	pipe action mirred egress redirect dev ul1
expect_eq "the outer IPv4 header's checksum not updated: outer_csum" "0 200 0 outer_csum" \
	"$(run -- | summary)"
# The inner source address is 20+8+8+14+12 = 62 bytes into the outer IPv4
# header (where pedit's offsets start); pedit writes aligned words: the one
# at 64 holds its last two bytes (1.5) and the destination's first (10.1),
# set to 1.6 and 10.1. The outer checksum made right.
ip netns exec $M tc filter del dev ul0 ingress
ip netns exec $M tc filter add dev ul0 ingress matchall action pedit munge offset 64 u32 \
	set 0x01060a01 pipe action csum iph pipe action mirred egress redirect dev ul1
expect_eq "an inner source address rewritten (outer checksum right): inner_ip" "0 200 0 inner_ip" \
	"$(run -- | summary)"
expect_eq "... and the inner checksums checked once the address is expected: inner_csum" \
	"0 200 0 inner_csum" "$(run -- --isrc 10.1.1.6 | summary)"

# VNIC pairs (--pairs): the receiver expects each flow's pair, the VNI and
# inner MAC of the pair's second VNIC and both VNICs' addresses. One pair
# (bulk VNICs 0 -> 1): the middle puts VNIC 1's VNI (200001 = 0x030d41) in
# the VXLAN header (28 bytes into the outer IPv4 header, the VNI's three
# bytes and a reserved one: the word at 32), as a system delivering to
# VNIC 1 would; vgen sends to VNIC 1's MAC (02:00 and 10.64.0.11).
mid_plain
EXP=(--dst 10.0.100.1 --src 10.0.0.21 --ttl 64)
PAIR=(--pairs 1 --idmac 02:00:0a:40:00:0b)
expect_eq "VNIC pairs: the sender's VNI delivered, the receiver's expected: vni" "0 200 0 vni" \
	"$(run "${PAIR[@]}" -- --pairs 1 | summary)"
ip netns exec $M tc filter del dev ul0 ingress
ip netns exec $M tc filter add dev ul0 ingress matchall action pedit munge offset 32 u32 \
	set 0x030d4100 pipe action mirred egress redirect dev ul1
expect_eq "... the receiver's VNI, MAC and addresses: good" "200 0 50" \
	"$(run "${PAIR[@]}" -- --pairs 1 | summary)"
expect_eq "... two pairs expected: the odd flows are pair 1's (VNI 200003): vni" "100 100 25 vni" \
	"$(run "${PAIR[@]}" -- --pairs 2 | summary)"
expect_eq "... another inner destination MAC: inner_mac" "0 200 0 inner_mac" \
	"$(run --pairs 1 --idmac 02:00:0a:40:00:0a -- --pairs 1 | summary)"
expect_eq "... replies expected (VNIC 1 to 0): vni" "0 200 0 vni" \
	"$(run "${PAIR[@]}" -- --pairs 1 --reverse | summary)"
EXP=(--dst 10.0.100.1 --src 10.0.0.21 --vni 1001 --ismac 02:00:0a:01:01:05
	--idmac 02:00:00:00:00:01 --isrc 10.1.1.5 --idst 10.1.3.5 --ttl 64)

mid_plain
expect_eq "the wire clean again: 200 good" "200 0 50" "$(run -- | summary)"
tap_end
