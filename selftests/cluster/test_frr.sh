#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The BGP side of the cluster with FRR 8 and the example configurations of
# examples/frr, filled in only with addresses and AS numbers: the same as
# test_bird.sh with FRR in the TOR and three host namespaces. Proves: the
# TOR's kernel gets ONE multipath route per family (IPv4 and IPv6 VIP
# prefixes over the same sessions) with a nexthop per host; the example's
# withdraw command (the blackhole routes removed: "network" is announced
# only while its route exists) takes a host's nexthops out and the announce
# command puts them back; a host's daemons killed are out at once, hung
# (SIGSTOP) out by BFD before the 3 s hold time, and back when they run
# again. No vnicgw module is needed: this is the routing alone.
#
# Runs in the VM: tools/vm run selftests/run-vm.sh cluster/test_frr.sh
# shellcheck disable=SC2317 # functions called by the EXIT trap and wait_for
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib.sh
. "$here/../lib.sh"

WORK=$(mktemp -d /tmp/vgwt-frr.XXXXXX)
BIRD_NS_PREFIX=vgwt-f
# shellcheck source=bgp_lib.sh
. "$here/bgp_lib.sh"
EX=$VGW_ROOT/examples/frr

cleanup() { bgp_cleanup "$WORK"/frr/*.log "$WORK"/frr-*.out; }
trap cleanup EXIT

frr_diag() { vtysh_in tor -c "show bgp summary"; }
BGP_DIAG=frr_diag
expect_within() { bgp_expect_within "$@"; }

# The commands of examples/frr/host.conf's header, for host N.
announce() { vtysh_in "h$1" -c configure -c "ip route $VIP_PREFIX blackhole" -c "ipv6 route $VIP6_PREFIX blackhole"; }
withdraw() { vtysh_in "h$1" -c configure -c "no ip route $VIP_PREFIX blackhole" -c "no ipv6 route $VIP6_PREFIX blackhole"; }

tap_begin
command -v vtysh >/dev/null || { echo "Bail out! FRR not installed (tools/install-deps)"; exit 1; }

bgp_topo 3
expect_ok "the TOR's and the hosts' configurations are the examples with their addresses and AS" \
	bgp_configs "$EX" 3

t0=$(ms)
if frr_start tor; then
	ok "FRR runs in the TOR"
else
	not_ok "FRR runs in the TOR"
fi
for n in 1 2 3; do
	frr_start "h$n" || not_ok "FRR does not start in h$n"
done
# N dynamic neighbors on the TOR, each with a prefix count (not a state).
established()
{
	[ "$(vtysh_in tor -c "show bgp ipv4 summary" |
		grep -cE '^\*[^ ]*\(10\.0\.[0-9]+\.2\) +4 .* [0-9]+ +[0-9]+ +N/A$')" = "$1" ]
}
expect_within "3 dynamic BGP sessions on the TOR" 30 established 3
expect_eq "... and no VIP route while the hosts have not announced (no blackhole route yet)" "" \
	"$(nexthops)"
for n in 1 2 3; do
	announce "$n" || not_ok "the announce command fails on h$n"
done
ALL="10.0.1.2 10.0.2.2 10.0.3.2"
ALL6="h1 h2 h3"
expect_within "the announce command on each host: the TOR's kernel gets one route for $VIP_PREFIX with 3 nexthops" 30 \
	nexthops_are "$ALL"
echo "3 sessions up and the route installed $(($(ms) - t0)) ms after start" | diag
expect_match "... installed by FRR" "proto bgp" "$(ip -n vgwt-ftor route show $VIP_PREFIX)"
expect_within "... and one for $VIP6_PREFIX with a nexthop on each host's link" 30 nexthops6_are "$ALL6"

# --- withdraw and back ------------------------------------------------------------

expect_ok "the withdraw command on h2 (the drain)" withdraw 2
expect_within "... the TOR's route goes down to 2 nexthops (h1, h3)" 10 \
	nexthops_are "10.0.1.2 10.0.3.2"
expect_within "... the IPv6 one too" 10 nexthops6_are "h1 h3"
expect_ok "... while h2's BGP session stays up" established 3
expect_ok "... the withdraw command again changes nothing (exit 0)" withdraw 2
expect_ok "the announce command on h2" announce 2
expect_within "... back to 3 nexthops" 10 nexthops_are "$ALL"
expect_within "... IPv6 too" 10 nexthops6_are "$ALL6"

# --- a host's FRR killed, a host's FRR hung -----------------------------------------

t0=$(ms)
frr_stop h3 KILL
expect_within "h3's FRR SIGKILLed: out of the route" 10 nexthops_are "10.0.1.2 10.0.2.2"
echo "h3 out $(($(ms) - t0)) ms after SIGKILL" | diag

bfd_up() { [ "$(vtysh_in tor -c "show bfd peers brief" | grep -c ' up ')" = "$1" ]; }
expect_within "BFD: the TOR has a session up with each of the 2 hosts left" 30 bfd_up 2
t0=$(ms)
frr_signal h1 STOP
expect_within "h1's FRR hung (SIGSTOP): out of the route" 15 nexthops_are "10.0.2.2"
echo "h1 out $(($(ms) - t0)) ms after SIGSTOP (BFD 3 x 300 ms; the hold time is 3 s)" | diag
# Which of the two saw it: the TOR's log says why it ended the session
# (a dynamic neighbor is gone from "show bgp neighbors" once down).
expect_match "... taken out by BFD, not by the hold time" "sent to neighbor 10\.0\.1\.2 .*BFD Down" \
	"$(grep 'NOTIFICATION' "$WORK/frr/tor.log" | tail -n 3)"
frr_signal h1 CONT
expect_within "... and back when it runs again" 30 nexthops_are "10.0.1.2 10.0.2.2"

frr_start h3
announce 3
expect_within "h3's FRR restarted and announcing: 3 nexthops again" 30 nexthops_are "$ALL"

frr_stop tor TERM
expect_within "the TOR's FRR stopped: its route leaves the kernel" 10 nexthops_are ""

tap_end
