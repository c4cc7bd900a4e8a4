#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The BGP side of the cluster with BIRD 2 and the example configurations of
# examples/bird, filled in only with addresses and AS numbers: a TOR
# namespace and three host namespaces (h1..h3 on their own links to the TOR,
# AS 65101..65103 against the TOR's 65000), BIRD in each. Proves: the TOR's
# kernel gets ONE multipath route for the VIP prefix with a nexthop per host;
# the same for the IPv6 VIP prefix over the same sessions (the hosts' IPv6
# link addresses as nexthops); `birdc disable '"vips*"'` on a host (the
# drain) takes its nexthops out and `birdc enable '"vips*"'` puts them back; a host's BIRD SIGKILLed is out at once
# (its session closes), a hung one (SIGSTOP) by BFD (3 x 300 ms in the
# example, before the 3 s hold time), and back when it runs again; BIRD
# stopping on the TOR removes the route. No vnicgw module is needed: this is the routing alone.
#
# Runs in the VM: tools/vm run selftests/run-vm.sh cluster/test_bird.sh
# shellcheck disable=SC2317 # functions called by the EXIT trap and wait_for
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib.sh
. "$here/../lib.sh"

WORK=$(mktemp -d /tmp/vgwt-bird.XXXXXX)
BIRD_NS_PREFIX=vgwt-b
# shellcheck source=bgp_lib.sh
. "$here/bgp_lib.sh"

cleanup() { bgp_cleanup "$WORK"/*.log; }
trap cleanup EXIT

bird_diag() { birdc_in tor show protocols; }
BGP_DIAG=bird_diag
expect_within() { bgp_expect_within "$@"; }

tap_begin

# --- the namespaces and the configurations ----------------------------------------

bgp_topo 3

expect_ok "the TOR's and the hosts' configurations are the examples with their addresses and AS" \
	bgp_configs "$EX" 3
expect_ok "bird -p accepts the TOR's configuration" bird -p -c "$WORK/tor.conf"
expect_ok "... and the hosts'" bird -p -c "$WORK/h1.conf"

# --- three hosts announce, the TOR installs one multipath route --------------------------

t0=$(ms)
if bird_start tor; then
	ok "BIRD runs in the TOR"
else
	not_ok "BIRD runs in the TOR"
fi
for n in 1 2 3; do
	bird_start "h$n" || not_ok "BIRD does not start in h$n"
done
ALL="10.0.1.2 10.0.2.2 10.0.3.2"
expect_within "the TOR's kernel gets one route for $VIP_PREFIX with 3 nexthops (h1, h2, h3)" 30 \
	nexthops_are "$ALL"
echo "3 sessions up and the route installed $(($(ms) - t0)) ms after start" | diag
expect_match "... installed by BIRD" "proto bird" "$(ip -n vgwt-btor route show $VIP_PREFIX)"
expect_eq "... 3 established BGP sessions on the TOR" 3 \
	"$(birdc_in tor show protocols | grep -c 'Established')"
ALL6="h1 h2 h3"
expect_within "... and one route for $VIP6_PREFIX over the same sessions, with a nexthop on each host's link" 30 \
	nexthops6_are "$ALL6"

# --- drain and back ----------------------------------------------------------------

expect_ok "birdc disable \"vips*\" on h2 (the drain)" birdc_in h2 disable '"vips*"'
expect_within "... the TOR's route goes down to 2 nexthops (h1, h3)" 10 \
	nexthops_are "10.0.1.2 10.0.3.2"
expect_within "... the IPv6 one too" 10 nexthops6_are "h1 h3"
expect_match "... while h2's BGP session stays up" "Established" \
	"$(birdc_in h2 show protocols tor)"
expect_ok "birdc enable \"vips*\" on h2" birdc_in h2 enable '"vips*"'
expect_within "... back to 3 nexthops" 10 nexthops_are "$ALL"
expect_within "... IPv6 too" 10 nexthops6_are "$ALL6"

# --- a host's BIRD killed, a host's BIRD hung -----------------------------------------

t0=$(ms)
bird_stop h3 KILL
expect_within "h3's BIRD SIGKILLed: out of the route (its session closes)" 10 \
	nexthops_are "10.0.1.2 10.0.2.2"
echo "h3 out $(($(ms) - t0)) ms after SIGKILL" | diag

bfd_up() { [ "$(birdc_in tor show bfd sessions | grep -c ' Up ')" = "$1" ]; }
expect_within "BFD: the TOR has a session Up with each of the 2 hosts left" 30 bfd_up 2
t0=$(ms)
kill -STOP "${BIRD_PID[h1]}"
expect_within "h1's BIRD hung (SIGSTOP): out of the route" 15 nexthops_are "10.0.2.2"
t1=$(($(ms) - t0))
echo "h1 out $t1 ms after SIGSTOP (BFD 3 x 300 ms; the hold time is 3 s)" | diag
# Which of the two saw it: the BGP session's last error on the TOR.
expect_match "... taken out by BFD, not by the hold time" "BFD session down" \
	"$(birdc_in tor show protocols all | grep -i 'last error')"
kill -CONT "${BIRD_PID[h1]}"
expect_within "... and back when it runs again" 20 nexthops_are "10.0.1.2 10.0.2.2"

bird_start h3
expect_within "h3's BIRD restarted: 3 nexthops again" 20 nexthops_are "$ALL"

# --- the TOR's BIRD stops -------------------------------------------------------------

bird_stop tor TERM
expect_within "the TOR's BIRD stopped: its route leaves the kernel" 10 nexthops_are ""
for n in 1 2 3; do
	bird_stop "h$n" TERM
done

tap_end
