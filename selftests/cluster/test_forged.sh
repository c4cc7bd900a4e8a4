#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Forged cluster messages. A host takes handoffs (which replace the outer
# addresses the NVD anti-spoof check looks at) and state records (tracking
# entries, NAT mappings) only from another member: not from itself, so that
# an unprivileged local process sending UDP to port 6081 of the host's own
# underlay address (over loopback, from that address) can neither hand in
# frames as any VNIC nor write state; only when addressed to the host's own
# member address; a record only for a flow the host owns or backs up; and a
# tracking record only within the VNIC's conntrack_limit. The drops are
# counted (cluster_forged, not_member), the refused records too
# (sync_refused). A member's genuine state and handoff still apply.
#
# Members: h1 10.0.0.10 (the host under test), h2 10.0.0.11, and h3
# 10.0.0.12, which is a plain namespace here (m3) that sends as a member
# would, with craft. Runs in the VM:
#   tools/vm run selftests/run-vm.sh cluster/test_forged.sh
set -u
DIR=$(dirname "$0")
. "$DIR/../lib.sh"
. "$DIR/../datapath/topo.sh"
. "$DIR/../datapath/traffic.sh"

H1=10.0.0.10 H2=10.0.0.11 H3=10.0.0.12
IDS=h1:h2:h3
MEMBERS="--member h1=$H1 --member h2=$H2 --member h3=$H3"

# st JQ: a value of h1's `vnicctl -j stats`; cl JQ: of `vnicctl -j cluster`.
st() { nsx h1 vnicctl -j stats | jq -r "$1 // 0"; }
cl() { nsx h1 vnicctl -j cluster | jq -r "$1 // 0"; }
# shellcheck disable=SC2016 # jq's variables, not the shell's
_snapshot()
{
	counters h1 '$s.drops.cluster_forged' '$s.drops.not_member' \
		'$s.conntrack.entries' '$s.nat.entries' '$c.counters.sync_in' \
		'$c.counters.handoff_in' '$c.counters.sync_refused' \
		'$s.vnics.a1.out_packets'
}
# snapshot: _snapshot once the counters stand still (steady).
snapshot() { steady _snapshot; }
# field N SNAPSHOT: the Nth number of a snapshot (1: cluster_forged,
# 2: not_member, 3: ct entries, 4: NAT entries, 5: sync_in, 6: handoff_in,
# 7: sync_refused, 8: a1's out_packets)
field() { local -a nums; read -r -a nums <<<"$2"; echo "${nums[$1 - 1]}"; }

# as_nobody CMD...: CMD in h1 as an unprivileged user.
as_nobody() { nsx h1 setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }

# ct_rec SPORT [TTL]: a tracking record of a1's UDP flow from SPORT.
ct_rec() { echo "a1,udp,10.1.1.5,$1,10.1.2.5,7000,${2:-600}"; }

# port_where WANT: the first source port from 20000 whose flow h1 holds
# (WANT=held: owner or backup) or does not (WANT=other).
port_where()
{
	local p out

	for ((p = 20000; p < 20200; p++)); do
		out=$("$CRAFT" --from 0.0.0.0 --to 0.0.0.0 --geneve 0 \
			--ct-rec "$(ct_rec $p)" --holders $IDS) || return 1
		case "$WANT:$out" in
		held:*h1*|other:h2\ h3|other:h3\ h2) echo $p; return 0 ;;
		esac
	done
	return 1
}

# port_owned: the first source port from 30000 whose TCP flow a1 -> a2:7000
# h1 owns.
port_owned()
{
	local p

	for ((p = 30000; p < 30200; p++)); do
		case $("$CRAFT" --from 0.0.0.0 --to 0.0.0.0 --geneve 0 --holders $IDS \
			--ct-rec "a1,tcp,10.1.1.5,$p,10.1.2.5,7000") in
		"h1 "*) echo $p; return 0 ;;
		esac
	done
	return 1
}

# settle: counters stop moving (records and frames are processed in softirq
# right away; this is only for the loaded machine).
settle() { sleep 0.3; }

tap_begin
topo_init 4 || { not_ok "topology"; tap_end; }
topo_host h1 $H1 || { not_ok "host h1"; tap_end; }
topo_host h2 $H2 || { not_ok "host h2"; tap_end; }
_topo_ns m3 && _topo_plug m3 $H3 || { not_ok "member h3's namespace"; tap_end; }
topo_vcn vcn-a 10.1.0.0/16
topo_seclist sl vcn-a \
	ingress "$(rule source=10.1.0.0/16 protocol=udp dst_ports=7000)" \
		"$(rule source=10.1.0.0/16 protocol=tcp dst_ports=7000)" \
	egress "$(rule destination=0.0.0.0/0 protocol=all)"
topo_subnet sub-a vcn-a 10.1.1.0/24 sl=sl
topo_subnet sub-b vcn-a 10.1.2.0/24 sl=sl
topo_vnic a1 sub-a 10.1.1.5 1001 10.0.0.21 vip=10.0.100.1
topo_vnic a2 sub-b 10.1.2.5 1002 10.0.0.22 vip=10.0.100.2 ct_limit=8
topo_apply || { not_ok "the document applies"; tap_end; }
# m3 reaches h1's VIPs directly (for a message to a VIP, not to h1).
ip -n vgwt-m3 route add 10.0.100.0/24 via $H1
for h in h1 h2; do
	# shellcheck disable=SC2086 # words
	nsx $h vnicctl cluster set --self $h $MEMBERS ||
		{ not_ok "cluster set on $h"; tap_end; }
done

HELD=$(WANT=held port_where) && OTHER=$(WANT=other port_where) ||
	{ not_ok "flows h1 holds and does not hold"; tap_end; }
echo "a1's UDP flow from port $HELD: h1 holds it; from $OTHER: h2 and h3 do" | diag

# --- a member's genuine state applies (what the refusals are measured by) ------

b=$(snapshot)
nsx m3 "$CRAFT" --from $H3 --to $H1 --geneve 0 --ct-rec "$(ct_rec "$HELD")"
settle
a=$(snapshot)
expect_ok "member h3's record of a flow h1 holds is applied (tracking entries $(field 3 "$b") -> $(field 3 "$a"), sync_in $(field 5 "$b") -> $(field 5 "$a"))" \
	test "$(field 3 "$a")" -eq $(($(field 3 "$b") + 1)) -a "$(field 5 "$a")" -gt "$(field 5 "$b")"

# --- from this host itself ---------------------------------------------------------

b=$a
as_nobody "$CRAFT" --from $H1 --to $H1 --geneve 0 \
	--ct-rec "$(ct_rec $((HELD + 1000)))" --records 16 --count 3
settle
a=$(snapshot)
expect_ok "state from an unprivileged process on h1, from h1's own member address over loopback: dropped and counted cluster_forged ($(field 1 "$b") -> $(field 1 "$a"))" \
	test "$(field 1 "$a")" -ge $(($(field 1 "$b") + 3))
expect_eq "... no tracking entry appeared, no record was taken (entries, sync_in)" \
	"$(field 3 "$b") $(field 5 "$b")" "$(field 3 "$a") $(field 5 "$a")"

b=$a
as_nobody "$CRAFT" --from $H1 --to $H1 --geneve 0 \
	--nat-rec a1,udp,10.1.1.5,30000,198.18.0.10,7000,198.51.100.10,30000,600 \
	--records 16
settle
a=$(snapshot)
expect_ok "NAT records from h1 itself: dropped and counted cluster_forged" \
	test "$(field 1 "$a")" -gt "$(field 1 "$b")"
expect_eq "... no NAT mapping appeared" "$(field 4 "$b")" "$(field 4 "$a")"

b=$a
as_nobody "$CRAFT" --from 127.0.0.1 --to $H1 --geneve 0 --ct-rec "$(ct_rec $((HELD + 2000)))"
as_nobody "$CRAFT" --from 10.0.100.1 --to $H1 --geneve 0 --ct-rec "$(ct_rec $((HELD + 2001)))"
settle
a=$(snapshot)
expect_ok "state from 127.0.0.1 and from a VIP of h1 (local addresses, over loopback): cluster_forged" \
	test "$(field 1 "$a")" -ge $(($(field 1 "$b") + 2))
expect_eq "... no tracking entry appeared" "$(field 3 "$b")" "$(field 3 "$a")"

# A handoff: a1's frame (a1's MAC: mac_of 10.1.1.5) "as it arrived" from
# a1's NVD on a1's VIP. Taken, it would pass the anti-spoof check and leave
# as a1's traffic.
handoff() # FROM TO
{
	"$CRAFT" --from "$1" --to "$2" --geneve 1001 --handoff 10.0.0.21,10.0.100.1 \
		--smac 02:00:0a:01:01:05 --src 10.1.1.5 --dst 10.1.2.5 \
		--proto udp --sport 33333 --dport-in 7000
}
b=$a
as_nobody bash -c "$(declare -f handoff); CRAFT=$CRAFT; handoff $H1 $H1"
settle
a=$(snapshot)
expect_ok "a handoff from an unprivileged process on h1 to its own address: cluster_forged" \
	test "$(field 1 "$a")" -gt "$(field 1 "$b")"
expect_eq "... not taken: handoff_in and a1's out_packets unchanged" \
	"$(field 6 "$b") $(field 8 "$b")" "$(field 6 "$a") $(field 8 "$a")"

# --- not addressed to this member --------------------------------------------------

b=$a
nsx m3 "$CRAFT" --from $H3 --to 10.0.100.1 --geneve 0 --ct-rec "$(ct_rec $((HELD + 3000)))"
settle
a=$(snapshot)
expect_ok "member h3's record sent to a VIP of h1, not to h1's member address: cluster_forged" \
	test "$(field 1 "$a")" -gt "$(field 1 "$b")"
expect_eq "... no tracking entry appeared" "$(field 3 "$b")" "$(field 3 "$a")"

# --- a flow this host neither owns nor backs up ---------------------------------------

b=$a
nsx m3 "$CRAFT" --from $H3 --to $H1 --geneve 0 --ct-rec "$(ct_rec "$OTHER")"
settle
a=$(snapshot)
expect_eq "member h3's record of a flow h2 owns and h3 backs up (or the reverse) is not applied" \
	"$(field 3 "$b") $(field 5 "$b")" "$(field 3 "$a") $(field 5 "$a")"
expect_ok "... and counted sync_refused ($(field 7 "$b") -> $(field 7 "$a"))" \
	test "$(field 7 "$a")" -eq $(($(field 7 "$b") + 1))

# --- a member's malformed state message --------------------------------------------------
# A message says how many records it carries: at most 16, all of them
# there. One that lies is malformed, dropped and counted (found by
# selftests/fuzz/pktfuzz: such messages were freed without a count).
mal=$(st .drops.malformed)
b=$(snapshot)
nsx m3 "$CRAFT" --from $H3 --to $H1 --geneve 0 --ct-rec "$(ct_rec "$HELD")" --state-count 17
nsx m3 "$CRAFT" --from $H3 --to $H1 --geneve 0 --ct-rec "$(ct_rec "$HELD")" --state-count 2
settle
a=$(snapshot)
expect_eq "member h3's state messages claiming 17 records (16 at most) and 2 (1 aboard): both dropped as malformed, no record applied or refused" \
	"$((mal + 2)) $(field 5 "$b") $(field 7 "$b")" \
	"$(st .drops.malformed) $(field 5 "$a") $(field 7 "$a")"

# --- a member's ask for state -----------------------------------------------------------
# A member that has just become one asks the others for the state of its
# flows (VGW_STATE_F_ASK: no record); each answers with a resync, one a
# second at most, whoever asks and however often. An ask with a record, a
# flag this build does not know, or a record message that says 0 records
# is malformed.
asked=$(cl .counters.state_asked)
nsx m3 "$CRAFT" --from $H3 --to $H1 --geneve 0 --state-ask
expect_ok "member h3's ask: h1 answers with a resync (state_asked $asked -> +1)" \
	wait_for 3 eval "[ \$(cl .counters.state_asked) -eq $((asked + 1)) ]"
sleep 1.1
nsx m3 "$CRAFT" --from $H3 --to $H1 --geneve 0 --state-ask --count 50
settle
expect_eq "... 50 asks in a row a second later: one answer" "$((asked + 2))" \
	"$(cl .counters.state_asked)"
mal=$(st .drops.malformed)
b=$(snapshot)
nsx m3 "$CRAFT" --from $H3 --to $H1 --geneve 0 --ct-rec "$(ct_rec "$HELD")" --state-flags 1
nsx m3 "$CRAFT" --from $H3 --to $H1 --geneve 0 --ct-rec "$(ct_rec "$HELD")" --state-flags 2
nsx m3 "$CRAFT" --from $H3 --to $H1 --geneve 0 --state-ask --state-flags 0
nsx m3 "$CRAFT" --from $H3 --to $H1 --geneve 0 --state-ask --state-count 1
settle
a=$(snapshot)
expect_eq "an ask with a record, an unknown flag, a message of 0 records without the ask, an ask that counts 1: malformed, nothing applied, no answer" \
	"$((mal + 4)) $(field 5 "$b") $(field 7 "$b") $((asked + 2))" \
	"$(st .drops.malformed) $(field 5 "$a") $(field 7 "$a") $(cl .counters.state_asked)"

# --- after a record, no blind teardown ---------------------------------------------------
# A TCP connection a1:TP -> a2:7000 whose flow h1 owns: h1 tracks it for a1
# (egress) and a2 (ingress). Member h3 sends a1's record of it (an owner
# gets records from its backup, or its former owner, after a table change);
# h1 takes the record and learns the windows again from the next segments,
# since another host saw the packets meanwhile. A RST forged as a2's, 2^31
# out of the window, arriving before any other segment of a2's, must close
# nothing: with ct_tcp_close_timeout 2 s, a2's next segment 3 s later still
# passes a1's ingress, which admits nothing from port 7000 but a tracked
# connection. (Before, the forged RST was learned as the window's start,
# and closed the entry.)
TP=$(port_owned) || not_ok "a TCP port whose flow h1 owns"
P=/sys/module/vnicgw/parameters
echo 2 >$P/ct_tcp_close_timeout
serve a2 tcp 7000 || not_ok "a2 serves TCP 7000"
cap_start rec a2 eth0v tcp port 7000
hold_start rec a1 10.1.2.5 7000 --sport "$TP" --timeout 20000
# a2's next sequence number (the end of its last segment to a1) and a1's.
a2_next() { cap_next rec 'src port 7000'; }
a1_next() { cap_next rec 'dst port 7000'; }
# as_a2 FLAGS SEQ: a segment a2:7000 -> a1:TP as a2's NVD sends it.
as_a2()
{
	nsx a2 "$CRAFT" --from 10.0.0.22 --to 10.0.100.2 --vxlan 1002 \
		--smac 02:00:0a:01:02:05 --src 10.1.2.5 --dst 10.1.1.5 --proto tcp \
		--sport 7000 --dport-in "$TP" --payload "" --tcp-flags "$1" --seq "$2" \
		--ack "$(a1_next)" --win 502
}
expect_match "a1 holds a TCP connection to a2 from port $TP, a flow h1 owns" \
	"^a2 10\.1\.1\.5 $TP$" "$(hold_say rec one)"
sleep 0.3
b=$(snapshot)
nsx m3 "$CRAFT" --from $H3 --to $H1 --geneve 0 --ct-rec "a1,tcp,10.1.1.5,$TP,10.1.2.5,7000"
settle
a=$(snapshot)
expect_ok "member h3's record of a1's connection is applied at h1, its owner (sync_in $(field 5 "$b") -> $(field 5 "$a"))" \
	test "$(field 5 "$a")" -gt "$(field 5 "$b")"
seq=$(a2_next)
echo "a2's next sequence number ${seq:-?}, a1's $(a1_next)" | diag
as_a2 RA $(( (${seq:-0} + 2147483648) % 4294967296 ))
sleep 3
denied=$(drops ingress_denied a1)
as_a2 A "${seq:-0}"
sleep 0.5
expect_eq "... then a RST forged as a2's, 2^31 out of the window: 3 s on (ct_tcp_close_timeout 2), a2's next segment still passes a1: a RST from a side not learned again yet closes nothing" \
	"$denied" "$(drops ingress_denied a1)"
expect_match "... and the connection works" "^a2 10\.1\.1\.5 $TP$" "$(hold_say rec two)"
cap_stop rec
hold_stop rec
echo 10 >$P/ct_tcp_close_timeout

# --- the VNIC's conntrack_limit ------------------------------------------------------

b=$(snapshot)
conns0=$(st .vnics.a2.conns)
nsx m3 "$CRAFT" --from $H3 --to $H1 --geneve 0 \
	--ct-rec a2,udp,10.1.2.5,40000,10.1.1.5,7000,600 --records 64
# Four messages of 16 records: until the last is taken (the counts below
# are exact, so a slow guest must not cut them short).
# shellcheck disable=SC2016 # jq's variable
refused_to() { [ "$(counters h1 '$c.counters.sync_refused')" -ge "$1" ]; }
wait_for 5 refused_to $(($(field 7 "$b") + 64 - (8 - conns0)))
a=$(snapshot)
conns=$(st .vnics.a2.conns)
expect_ok "64 records (about 2/3 of them h1's) for a2, whose conntrack_limit is 8: a2 has 8 entries on h1 (got $conns)" \
	test "$conns" -eq 8
expect_ok "... the others counted sync_refused ($(field 7 "$b") -> $(field 7 "$a"), a2 had $conns0 entries)" \
	test "$(field 7 "$a")" -eq $(($(field 7 "$b") + 64 - (8 - conns0)))

# --- a member's handoff still works -----------------------------------------------

b=$a
nsx m3 bash -c "$(declare -f handoff); CRAFT=$CRAFT; handoff $H3 $H1"
settle
a=$(snapshot)
expect_ok "a handoff from member h3 to h1's member address is taken (handoff_in $(field 6 "$b") -> $(field 6 "$a"))" \
	test "$(field 6 "$a")" -eq $(($(field 6 "$b") + 1))
nsx h1 vnicctl -j cluster | jq -c .counters | diag
stats | jq -c .drops | diag
tap_end
