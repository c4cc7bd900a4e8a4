#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Failures the cluster survives, in the kernel, without agents (the member
# sets are given with `vnicctl cluster set`, as test_owner.sh does): two
# hosts crashing at the same moment with two backups per flow, and a crash
# during a join with one.
#
# The connections under test go through the NAT gateway: a2 -> an internet
# host. A NAT mapping is made only by a SYN, so a host that takes over a
# connection without its mapping cannot carry it on (a connection between
# two VNICs could be picked up again from its next segment, where the rules
# allow that direction: not a test of the state). a2's NVD sends through
# h2, the gateway's side comes in through h3 (then h1): every packet is
# handed to the flow's owner.
#
#   - The targeted connection's source port is chosen (craft --holders, the
#     kernel's table computed in userspace) so that its flow's owner and
#     first backup are h4 and h5, the two hosts that crash; its second
#     backup Z is one of h1..h3. With one backup Z holds neither its mapping
#     nor its tracking entry (the control), with two it holds both; h4 and
#     h5 crash together and the connection goes on through Z. Other NAT
#     connections (owners wherever their hash puts them) go on too.
#   - With one backup, h3 crashes while h6 joins; the targeted connection's
#     port is chosen so that h3 owned it and h6 takes it over. h6 takes the
#     new set 4 s after the others, when their resyncs are over: before any
#     packet of the connection comes, it holds the mapping because it asked
#     for it (state_asked).
#
# Runs in the VM: tools/vm run selftests/run-vm.sh cluster/test_failures.sh
set -u
DIR=$(dirname "$0")
. "$DIR/../lib.sh"
. "$DIR/../datapath/topo.sh"
. "$DIR/../datapath/traffic.sh"

VIPS=10.0.100.0/24
declare -A UL=([h1]=10.0.0.10 [h2]=10.0.0.11 [h3]=10.0.0.12 [h4]=10.0.0.13
	[h5]=10.0.0.14 [h6]=10.0.0.15)
NAT_STREAMS=4

# pin NODE HOST: NODE reaches every VIP through HOST only.
pin() { ip -n "vgwt-$1" route replace $VIPS via "${UL[$2]}"; }

# cluster_on BACKUPS "LIVE HOSTS" ["WHO"]: each live host (or those of WHO)
# learns the set.
cluster_on()
{
	local b=$1 h m=()

	for h in $2; do
		m+=(--member "$h=${UL[$h]}")
	done
	for h in ${3:-$2}; do
		nsx "$h" vnicctl cluster set --self "$h" --backups "$b" "${m[@]}" || return
	done
}

# crash SPARE HOST...: the hosts fail at once: their underlay link down (no
# packet in or out) and their vnicgw link gone; the nodes pinned to one of
# them move to SPARE; topo_apply leaves them out from then on.
crash()
{
	local spare=$1 h n cur keep=() pids=()

	shift
	for h in "$@"; do
		ip -n "vgwt-$h" link set ul0 down &
		pids+=($!)
	done
	wait "${pids[@]}"
	for h in "$@"; do
		ip -n "vgwt-$h" link del gw0
	done
	for h in "${TOPO_HOSTS[@]}"; do
		[[ " $* " == *" $h "* ]] || keep+=("$h")
	done
	TOPO_HOSTS=("${keep[@]}")
	for n in a1 a2 nat-a; do
		cur=$(ip -n "vgwt-$n" route show $VIPS | awk '{print $3}')
		for h in "$@"; do
			[ "$cur" = "${UL[$h]}" ] && pin $n "$spare"
		done
	done
	return 0
}

# holders IDS BACKUPS SPORT: owner and backups of the flow a2:SPORT ->
# 198.18.0.10:7000 (through the NAT gateway; the public port does not
# count).
holders()
{
	"$CRAFT" --from 0.0.0.0 --to 0.0.0.0 --geneve 0 --holders "$1,65537,$2" \
		--nat-rec "a2,tcp,10.1.2.5,$3,198.18.0.10,7000,198.51.100.10,1"
}

# port_with IDS BACKUPS PATTERN: the first source port from 31000 whose
# holders match PATTERN (a shell pattern).
port_with()
{
	local p

	for ((p = 31000; p < 33000; p++)); do
		# shellcheck disable=SC2254 # a pattern
		case $(holders "$1" "$2" $p) in
		$3) echo $p; return 0 ;;
		esac
	done
	return 1
}

# holds HOST SPORT: HOST has the connection's NAT mapping and a2's tracking
# entry of it (its egress rule's).
holds()
{
	nsx "$1" vnicctl -j nat a2 | jq -e --argjson p "$2" \
		'any(.[]; .private_port == $p)' >/dev/null &&
	nsx "$1" vnicctl -j conntrack a2 | jq -e --argjson p "$2" \
		'any(.[]; .sport == $p)' >/dev/null
}

# holds_none HOST SPORT: HOST has neither (and answers).
holds_none()
{
	local nat ct

	nat=$(nsx "$1" vnicctl -j nat a2) && ct=$(nsx "$1" vnicctl -j conntrack a2) &&
	jq -e --argjson p "$2" 'all(.[]; .private_port != $p)' <<<"$nat" >/dev/null &&
	jq -e --argjson p "$2" 'all(.[]; .sport != $p)' <<<"$ct" >/dev/null
}

# alive NAME: the connection answers one more line (TCP retransmits within
# 20 s on a loaded machine) and its client still runs.
alive()
{
	[ -n "$(hold_say "$1" "line" 20)" ] && kill -0 "${HOLD_PID[$1]}" 2>/dev/null
}

# lost NAMES...: how many of those connections no longer answer.
lost()
{
	local s n=0

	for s in "$@"; do
		alive "$s" || n=$((n + 1))
	done
	echo $n
}

# open_streams NAME SPORT: the targeted connection a2:SPORT -> the internet
# host, named NAME, and NAT_STREAMS more (names in others[]); a row for
# the first line of each.
open_streams()
{
	local i

	hold_start "$1" a2 198.18.0.10 7000 --sport "$2" --timeout 30000
	expect_match "a held connection a2 -> the internet through the NAT gateway from port $2" \
		"^nat-a-host 198\.51\.100\.10 [0-9]+$" "$(hold_say "$1" one 10)"
	others=()
	for ((i = 0; i < NAT_STREAMS; i++)); do
		hold_start "$1-$i" a2 198.18.0.10 7000 --timeout 30000
		others+=("$1-$i")
	done
	expect_eq "$NAT_STREAMS more such connections" 0 "$(lost "${others[@]}")"
}

# close_streams NAME: that connection and others[].
close_streams()
{
	local s

	for s in "$1" "${others[@]}"; do
		hold_stop "$s"
	done
}

# counter_sum NAME HOST...: a cluster counter summed over hosts.
counter_sum()
{
	local name=$1 h n=0

	shift
	for h in "$@"; do
		n=$((n + $(nsx "$h" vnicctl -j cluster | jq -r ".counters.$name")))
	done
	echo $n
}

# drops_of HOST: its non-zero drop counters, compact.
drops_of() { nsx "$1" vnicctl -j stats | jq -c '.drops | with_entries(select(.value > 0))'; }

tap_begin
[ -x "$CRAFT" ] || { not_ok "craft is built"; tap_end; }
topo_init 4 || { not_ok "topology"; tap_end; }
TOPO_UL_MTU=1600	# a handoff: the frame + 76 bytes (test_owner.sh)
for h in h1 h2 h3 h4 h5; do
	topo_host $h "${UL[$h]}" || { not_ok "host $h"; tap_end; }
done
topo_vcn vcn-a 10.1.0.0/16
topo_gateway nat-a vcn-a nat 10.0.0.101 9002 public_ip=198.51.100.10 host=198.18.0.10/24
topo_seclist sl vcn-a \
	ingress "$(rule source=10.1.0.0/16 protocol=tcp dst_ports=7000)" \
	egress "$(rule destination=0.0.0.0/0 protocol=all)"
topo_route_table rt-priv vcn-a 0.0.0.0/0=nat-a
topo_subnet sub-a vcn-a 10.1.1.0/24 sl=sl
topo_subnet sub-priv vcn-a 10.1.2.0/24 rt=rt-priv sl=sl
topo_vnic a1 sub-a 10.1.1.5 1001 10.0.0.21 vip=10.0.100.1
topo_vnic a2 sub-priv 10.1.2.5 1002 10.0.0.22 vip=10.0.100.2 encap=geneve
topo_apply || { not_ok "the document applies"; tap_end; }
serve a2 tcp 7000 nat-a-host tcp 7000 || { not_ok "servers"; tap_end; }
pin a1 h1
pin a2 h2
pin nat-a h3

# --- two crashes at once, two backups --------------------------------------------------
FIVE=h1:h2:h3:h4:h5
sport=$(port_with $FIVE 2 "h4 h5 h[123]")
read -r _ _ z < <(holders $FIVE 2 "${sport:-0}")
expect_ok "a source port whose NAT flow h4 owns, h5 backs up, then ${z:-?} (port ${sport:-none})" \
	test -n "$sport" -a -n "$z"
z=${z:-h1} sport=${sport:-31000}
expect_ok "five hosts take the member set, one backup" cluster_on 1 "h1 h2 h3 h4 h5"
open_streams t1 "$sport"
expect_ok "the owner h4 and the backup h5 hold its mapping and a2's entry" \
	wait_for 5 eval "holds h4 $sport && holds h5 $sport"
expect_ok "with one backup, $z (third of the list) holds neither: the control" \
	holds_none "$z" "$sport"

expect_ok "the five hosts take two backups" cluster_on 2 "h1 h2 h3 h4 h5"
fps=$(for h in h1 h2 h3 h4 h5; do nsx $h vnicctl -j cluster | jq -r '"\(.backups) \(.fingerprint)"'; done | sort -u)
expect_eq "... every kernel has the same table with two backups, owner-sim's" \
	"2 $(owner-sim --table h1,h2,h3,h4,h5 --backups 2 | awk '/^fingerprint/ {print $2}')" "$fps"
# The resync after the change sends every entry to its new holders.
expect_ok "... and $z, the second backup, now holds the mapping and a2's entry" \
	wait_for 10 holds "$z" "$sport"
expect_ok "the connection runs" alive t1

crash h1 h4 h5
expect_ok "h4 and h5 crash at the same moment; the survivors take the set" \
	cluster_on 2 "h1 h2 h3"
expect_ok "the connection whose owner and backup both crashed goes on, through $z" alive t1
expect_eq "... and so do the $NAT_STREAMS others: 0 lost" 0 "$(lost "${others[@]}")"
expect_ok "... a line more each" eval "alive t1 && [ \$(lost ${others[*]}) -eq 0 ]"
for h in h1 h2 h3; do
	diag "$h drops: $(drops_of $h)"
done
close_streams t1

# --- a crash during a join, one backup -----------------------------------------------------
# h3 crashes while h6 joins. The connection's port: in h1..h3, h3 owns its
# flow (and B backs it up); in h1, h2, h3, h6, h6 comes right after h3:
# once h3 is gone and h6 in, h6 owns it and has only what it is sent.
expect_ok "the three hosts go back to one backup" cluster_on 1 "h1 h2 h3"
sport=$(port_with h1:h2:h3:h6 1 "h3 h6")
read -r _ b < <(holders h1:h2:h3 1 "${sport:-0}")
expect_ok "a source port whose NAT flow h3 owns, then ${b:-?} in h1..h3, and h6 in h1, h2, h3, h6 (port ${sport:-none})" \
	test -n "$sport" -a -n "$b"
sport=${sport:-31000}
open_streams t2 "$sport"
# h6 is ready (the document applied) but no member yet and on no path
# (topo_host routes every node over every host: the pins again).
if ! topo_host h6 "${UL[h6]}" || ! topo_apply; then
	not_ok "h6 holds the document"
fi
pin a1 h1
pin a2 h2
pin nat-a h1
crash h1 h3
# The joiner takes the set last, after the others' resyncs (at once and
# RESYNC_AGAIN, 3 s, later) are over: what they sent it before it was a
# member was refused; it asks, and they answer. No packet of the
# connections is on the way meanwhile (each line was answered).
asked0=$(counter_sum state_asked h1 h2)
expect_ok "h3 crashes while h6 joins: h1 and h2 take the set" cluster_on 1 "h1 h2 h6" "h1 h2"
sleep 4
expect_ok "... h6 takes it 4 s later" cluster_on 1 "h1 h2 h6" h6
expect_ok "... asks h1 and h2 for its state, and both answer (state_asked)" \
	wait_for 5 eval "[ \$(counter_sum state_asked h1 h2) -ge \$((asked0 + 2)) ]"
expect_ok "... before any packet of the connection, h6 holds its mapping and a2's entry" \
	wait_for 5 holds h6 "$sport"
expect_ok "the connection h3 owned goes on, now h6's" alive t2
expect_eq "... and the $NAT_STREAMS others: 0 lost" 0 "$(lost "${others[@]}")"
diag "h6 drops: $(drops_of h6)"
diag "handoffs out $(counter_sum handoff_out h1 h2 h6), in $(counter_sum handoff_in h1 h2 h6); records in $(counter_sum sync_in h1 h2 h6)"
close_streams t2

bad=$(dmesg | grep -E 'WARNING|BUG|Oops|general protection|refcount_t|suspected memory leak|lockdep|RCU stall' | head -n 5)
expect_eq "the kernel log has no warning, bug or oops" "" "$bad"
tap_end
