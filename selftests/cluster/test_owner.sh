#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Flow owners in the kernel, without agents: three vnicgw hosts told their
# members with `vnicctl cluster set`, and each direction of every connection
# deliberately brought to a different host (each NVD and gateway routes the
# VIPs through one host of its own), the worst ECMP can do. Stateful rules:
# a reply passes only where the connection is tracked. Standalone hosts
# drop the replies (this is what the test can fail on); with the cluster,
# every host hands stateful packets to the flow's owner, so VNIC-to-VNIC,
# internet gateway and NAT gateway connections work, and the owner's state
# reaches the backup. Then one long TCP connection lives through a crash of
# its owner, a host joining, and a host draining.
#
# Runs in the VM: tools/vm run selftests/run-vm.sh cluster/test_owner.sh
set -u
DIR=$(dirname "$0")
. "$DIR/../lib.sh"
. "$DIR/../datapath/topo.sh"
. "$DIR/../datapath/traffic.sh"

VIPS=10.0.100.0/24
declare -A UL=([h1]=10.0.0.10 [h2]=10.0.0.11 [h3]=10.0.0.12 [h4]=10.0.0.13)

# pin NODE HOST: NODE reaches every VIP through HOST only.
pin()
{
	ip -n "vgwt-$1" route replace $VIPS via "${UL[$2]}"
}

# members HOST...: --member arguments for those hosts.
members()
{
	local h

	for h in "$@"; do
		printf -- '--member %s=%s ' "$h" "${UL[$h]}"
	done
}

# cluster_on "LIVE HOSTS" [DRAINING HOST]: each live host learns the set.
cluster_on()
{
	local h m

	# shellcheck disable=SC2086 # words
	m=$(members $1)
	for h in $1; do
		# shellcheck disable=SC2086
		nsx "$h" vnicctl cluster set --self "$h" $m || return
	done
	if [ -n "${2:-}" ]; then
		# shellcheck disable=SC2086
		nsx "$2" vnicctl cluster set $m || return
	fi
}

# counter HOST NAME: one cluster counter of HOST.
counter()
{
	nsx "$1" vnicctl -j cluster | jq -r ".counters.$2"
}

# sum_counter NAME HOST...: the sum over hosts.
sum_counter()
{
	local name=$1 h n=0 c

	shift
	for h in "$@"; do
		c=$(counter "$h" "$name") || return
		n=$((n + c))
	done
	echo $n
}

# tcp_many N NODE ADDR: N TCP connections, each from a source port never
# used before in this test (no old connection's state in the way); prints
# how many were answered. (Runs in $( ): the next port is kept in a file.)
SPORT_FILE=$(mktemp /tmp/vgwt-sport.XXXXXX)
echo 40000 >"$SPORT_FILE"
tcp_many()
{
	local n=$1 node=$2 addr=$3 i ok=0 sport

	sport=$(cat "$SPORT_FILE")
	echo $((sport + n)) >"$SPORT_FILE"
	for ((i = 0; i < n; i++)); do
		tcp "$node" "$addr" 7000 --sport $((sport + i)) --timeout 3000 \
			>/dev/null 2>&1 && ok=$((ok + 1))
	done
	echo $ok
}

tap_begin
topo_init 4 || { not_ok "topology"; tap_end; }
# A handoff carries the whole frame plus 76 bytes: the hosts' underlay
# takes more than the instances' 1450-byte MTU needs (as a DC fabric would).
TOPO_UL_MTU=1600
topo_host h1 "${UL[h1]}"
topo_host h2 "${UL[h2]}"
topo_host h3 "${UL[h3]}"
topo_vcn vcn-a 10.1.0.0/16
topo_gateway igw-a vcn-a internet 10.0.0.100 9001 host=198.18.0.10/24
topo_gateway nat-a vcn-a nat 10.0.0.101 9002 public_ip=198.51.100.10 host=198.18.0.10/24
# In: TCP and UDP 7000 from the VCN only. Out: anything, stateful.
topo_seclist sl vcn-a \
	ingress "$(rule source=10.1.0.0/16 protocol=tcp dst_ports=7000)" \
		"$(rule source=10.1.0.0/16 protocol=udp dst_ports=7000)" \
	egress "$(rule destination=0.0.0.0/0 protocol=all)"
topo_route_table rt-pub vcn-a 0.0.0.0/0=igw-a
topo_route_table rt-priv vcn-a 0.0.0.0/0=nat-a
topo_subnet sub-pub vcn-a 10.1.1.0/24 rt=rt-pub sl=sl
topo_subnet sub-priv vcn-a 10.1.2.0/24 rt=rt-priv sl=sl
topo_vnic a1 sub-pub 10.1.1.5 1001 10.0.0.21 vip=10.0.100.1 public_ip=203.0.113.5
topo_vnic a2 sub-priv 10.1.2.5 1002 10.0.0.22 vip=10.0.100.2 encap=geneve
topo_apply || { not_ok "the document applies"; tap_end; }
serve a2 tcp 7000 a1 tcp 7000 igw-a-host tcp 7000 nat-a-host tcp 7000 ||
	{ not_ok "servers"; tap_end; }
pin a1 h1
pin a2 h2
pin igw-a h3
pin nat-a h3

# --- standalone: split directions break stateful connections -----------------------
ok=$(tcp_many 4 a1 10.1.2.5)
expect_ok "standalone hosts, a1 -> h1 and a2 -> h2: TCP a1 -> a2 fails (the SYN-ACK meets no state on h2)" \
	test "$ok" -eq 0

# --- the cluster ---------------------------------------------------------------------
expect_ok "every host takes the member set" cluster_on "h1 h2 h3"
fps=$(for h in h1 h2 h3; do nsx "$h" vnicctl -j cluster | jq -r .fingerprint; done | sort -u)
expect_ok "the three kernels built the same owner table (fingerprint $fps)" \
	test "$(wc -l <<<"$fps")" -eq 1
expect_ok "... equal to userspace's table of the same set" \
	test "$fps" = "$(nsx h1 vnicctl cluster | awk '/^fingerprint/ {print $2}')"

ok=$(tcp_many 20 a1 10.1.2.5)
expect_ok "with flow owners: 20/20 TCP connections a1 -> a2 (got $ok)" test "$ok" -eq 20
expect_bulk "with flow owners: TCP bulk a1 -> a2 through a handoff, 2 MB each way, every byte intact" \
	a1 10.1.2.5 7000 2000000
# The last segments of the closing connections may still be on the way
# while the hosts' counters are read one after the other: equal once they
# settle (a lost handoff keeps "out" above "in" for good).
handoffs_balanced()
{
	ho=$(sum_counter handoff_out h1 h2 h3)
	hi=$(sum_counter handoff_in h1 h2 h3)
	[ "$ho" -gt 0 ] && [ "$ho" -eq "$hi" ]
}
wait_for 10 handoffs_balanced
expect_ok "packets were handed to owners ($ho out, $hi in) and every one arrived" \
	test "$ho" -gt 0 -a "$ho" -eq "$hi"
si=$(sum_counter sync_in h1 h2 h3)
expect_ok "connection state reached the backups ($si records)" test "$si" -gt 0

ok=$(tcp_many 10 a1 198.18.0.10)
expect_ok "internet gateway: 10/10 TCP connections a1 -> internet, replies via h3 (got $ok)" \
	test "$ok" -eq 10
ok=$(tcp_many 10 a2 198.18.0.10)
expect_ok "NAT gateway: 10/10 TCP connections a2 -> internet, replies via h3 (got $ok)" \
	test "$ok" -eq 10
ports=$(grep -c '^tcp 198\.51\.100\.10 ' "$TOPO_DIR/serve-nat-a-host-tcp-7000.log")
expect_ok "... the internet host saw the NAT gateway's public IP ($ports connections)" \
	test "$ports" -ge 10

# --- vnicctl conntrack in a cluster: owner and backup; a delete reaches both ------------
# A held connection a1 -> a2: a1's egress rule and a2's ingress rule each
# track it, at the flow's owner and its backup. The listing names them; a
# delete at one of the two makes the other forget it too (a record with
# VGW_STATE_FORGET): without it, the other's copy would live on for days.
hold_start del a1 10.1.2.5 7000 --sport 5601 --timeout 20000
expect_match "a held connection a1 -> a2 for the delete" "^a2 10\.1\.1\.5 5601$" \
	"$(hold_say del one)"
# ct_on HOST VNIC: that VNIC's entry of the held connection, as HOST lists it.
ct_on() { nsx "$1" vnicctl -j conntrack "$2" | jq -c '.[] | select(.sport == 5601)'; }
# forgot HOST VNIC: HOST lists no such entry (any more).
forgot() { [ -z "$(ct_on "$1" "$2")" ]; }
e=
for h in h1 h2 h3; do
	e=$(ct_on $h a2)
	[ -n "$e" ] && break
done
ct_owner=$(jq -r '.owner // empty' <<<"$e" 2>/dev/null)
ct_backup=$(jq -r '.backup // empty' <<<"$e" 2>/dev/null)
expect_ok "the listing names the flow's owner and backup (${ct_owner:-?}, ${ct_backup:-?})" \
	test -n "$ct_owner" -a -n "$ct_backup" -a "$ct_owner" != "$ct_backup"
expect_ok "both hold a2's entry and a1's" test -n "$(ct_on "${ct_owner:-h1}" a2)" \
	-a -n "$(ct_on "${ct_backup:-h1}" a2)" -a -n "$(ct_on "${ct_owner:-h1}" a1)" \
	-a -n "$(ct_on "${ct_backup:-h1}" a1)"
expect_ok "conntrack delete of a2's entry at the owner" \
	nsx "${ct_owner:-h1}" vnicctl conntrack delete vnic a2 proto tcp src 10.1.1.5 \
		dst 10.1.2.5 sport 5601 dport 7000
expect_ok "... and the backup forgot it too" \
	wait_for 3 forgot "${ct_backup:-h1}" a2
expect_ok "conntrack delete of a1's entry at the backup" \
	nsx "${ct_backup:-h1}" vnicctl conntrack delete vnic a1 proto tcp src 10.1.1.5 \
		dst 10.1.2.5 sport 5601 dport 7000
expect_ok "... and the owner forgot it too" \
	wait_for 3 forgot "${ct_owner:-h1}" a1
hold_stop del

# --- vnicctl trace in a cluster: the owner walks on, the others hand over ---------------
# a1 -> a2 TCP 7000 is stateful (a1's egress rule). Every host names the
# same owner and backup; on the owner the walk goes on to delivery, on the
# others it ends in a handoff to the owner's underlay address.
tr_on() { nsx "$1" vnicctl -j trace vnic a1 proto tcp dst 10.1.2.5 sport 5602 dport 7000 2>/dev/null; }
tr_roles() { jq -r '[.steps[] | select(.stage == "owner")][0] | "\(.owner) \(.backup)"' 2>/dev/null; }
roles=$(tr_on h1 | tr_roles)
tr_owner=${roles%% *}
expect_ok "trace names the flow's owner and backup ($roles)" \
	test -n "$tr_owner" -a "$tr_owner" != null -a "$tr_owner" != "${roles#* }"
for h in h1 h2 h3; do
	expect_eq "trace on $h: the same owner and backup" "$roles" "$(tr_on $h | tr_roles)"
	if [ "$h" = "$tr_owner" ]; then
		expect_eq "trace on the owner $h: processed here, delivered to a2's NVD" \
			"self forward" \
			"$(tr_on $h | jq -r '"\([.steps[] | select(.stage == "owner")][0].result) \(.verdict)"')"
	else
		expect_eq "trace on $h: handed to the owner $tr_owner at ${UL[$tr_owner]:-?}" \
			"other handoff ${UL[$tr_owner]:-?}" \
			"$(tr_on $h | jq -r '"\([.steps[] | select(.stage == "owner")][0].result) \(.verdict) \(.out.outer_dst)"')"
	fi
done

# --- one long connection through crash, join and drain ---------------------------------
fifo=$TOPO_DIR/stream.in
mkfifo "$fifo"
nsx a1 "$FLOW" hold tcp 10.1.2.5 7000 --timeout 30000 <"$fifo" \
	>"$TOPO_DIR/stream.out" 2>"$TOPO_DIR/stream.err" &
stream_pid=$!
TOPO_PIDS+=("$stream_pid")
exec 9>"$fifo"
line=0
# say N: N more lines into the stream, 0.2 s apart
say()
{
	local i

	for ((i = 0; i < $1; i++)); do
		line=$((line + 1))
		echo "line-$line" >&9
		sleep 0.2
	done
}
# answered: lines the stream got answers for so far
answered() { wc -l <"$TOPO_DIR/stream.out"; }
# caught_up: every line said so far was answered (within 30 s)
caught_up() { wait_for 30 test "$(answered)" -ge "$line"; }

say 5
expect_ok "a long TCP connection a1 -> a2 runs (5 lines answered)" caught_up

# Who owns it: the host whose handoff_in grows while it runs.
declare -A before=()
for h in h1 h2 h3; do before[$h]=$(counter $h handoff_in); done
say 5
owner=
for h in h1 h2 h3; do
	[ "$(counter $h handoff_in)" -gt "${before[$h]}" ] && owner=$h
done
[ -z "$owner" ] && owner=h1	# a1's and a2's own hosts hand nothing if they own it
survivors=$(tr ' ' '\n' <<<"h1 h2 h3" | grep -vx "$owner" | tr '\n' ' ')
diag "the stream's owner: $owner; survivors: $survivors"

# Crash: the owner's link goes (no packet in or out), the TOR forgets it,
# the others drop it from the member set.
ip -n "vgwt-$owner" link del gw0
set -- $survivors
for n in a1 a2 igw-a nat-a; do
	cur=$(ip -n "vgwt-$n" route show $VIPS | awk '{print $3}')
	[ "$cur" = "${UL[$owner]}" ] && pin $n "$1"
done
cluster_on "$survivors"
say 10
expect_ok "crash of the owner $owner: the connection goes on (line $line answered)" caught_up

# Join: h4 comes, everybody learns it; a2 now comes in through h4.
topo_host h4 "${UL[h4]}"
topo_apply || not_ok "the document applies on h4"
pin a1 "$1"
pin a2 h4
pin igw-a "$2"
pin nat-a "$2"
cluster_on "$survivors h4"
say 10
expect_ok "h4 joins and takes a share of the flows: the connection goes on" caught_up
ok=$(tcp_many 10 a1 10.1.2.5)
expect_ok "... and new connections work through h4 (10/10, got $ok)" test "$ok" -eq 10

# Drain: $1 leaves ECMP first (its node moves to h4), then the member set;
# it is told it is no member any more and hands over what it holds.
pin a1 h4
cluster_on "$2 h4" "$1"
say 10
expect_ok "$1 drains: the connection goes on" caught_up
exec 9>&-
expect_ok "the stream ends cleanly after $line lines" wait_for 30 \
	sh -c "! kill -0 $stream_pid 2>/dev/null"
wait "$stream_pid"
rc=$?
expect_ok "... with every line answered ($(answered)/$line, exit $rc)" \
	test "$rc" -eq 0 -a "$(answered)" -eq "$line"
[ "$rc" -ne 0 ] && diag "$(tail -5 "$TOPO_DIR/stream.err")"
stats | jq -c .drops | diag
for h in $survivors h4; do
	diag "$h: $(nsx "$h" vnicctl -j cluster | jq -c .counters)"
done
rm -f "$SPORT_FILE"
tap_end
