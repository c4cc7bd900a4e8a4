#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The VIPs' announcement follows the host's health: vnicgw-agent
# --announce-cmd / --withdraw-cmd switching BIRD's "vips" protocol
# (examples/bird/host.conf, started disabled), with a TOR running BIRD
# (examples/bird/tor.conf) and a real etcd. Host h1 runs the module, the
# agent (a member of the cluster, steering with XDP) and BIRD; h2 runs BIRD
# alone, announcing all along. Each failure takes h1 out of the TOR's
# kernel route, and h1 comes back once healthy: its link set down, its XDP
# interface gone, etcd hung (SIGSTOP) for longer than --etcd-lost-after,
# the module unloaded; a drain (SIGUSR1) takes it out for good. Until it is
# healthy (a member, its link made, ...) the agent withdraws (BIRD's own
# announcement stays off).
#
# Runs in the VM: tools/vm run selftests/run-vm.sh cluster/test_bgp_health.sh
# shellcheck disable=SC2317 # functions called by the EXIT trap and wait_for
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/cluster_lib.sh"	# with ../lib.sh, agent_lib.sh, etcd_lib.sh
BIRD_NS_PREFIX=vgwt-
# shellcheck source=bgp_lib.sh
. "$here/bgp_lib.sh"

P=/vgwt-bgph/
TTL=3
LOST=2		# --etcd-lost-after, s

cleanup()
{
	local n

	[ -n "${ETCD_PID:-}" ] && kill -CONT "$ETCD_PID" 2>/dev/null
	bird_cleanup
	if [ "$TAP_FAILED" -gt 0 ]; then
		for n in "$WORK"/bird-*.log; do
			[ -s "$n" ] && { echo "${n##*/}:"; tail -n 10 "$n"; } | diag
		done
	fi
	cluster_cleanup
}
trap cleanup EXIT

H1=10.0.1.2 H2=10.0.2.2

health_diag() { birdc_in tor show protocols; grep announce "$WORK/h1.log" | tail -n 5; }
BGP_DIAG=health_diag
expect_within() { bgp_expect_within "$@"; }

# out_within DESC SECS: h1 leaves the TOR's route within SECS; the time said.
out_within()
{
	local t0
	t0=$(ms)
	expect_within "$1" "$2" nexthops_are "$H2"
	echo "h1 out of the TOR's route $(($(ms) - t0)) ms after the failure" | diag
}

tap_begin
load_module || { echo "Bail out! cannot load the module"; exit 1; }
cluster_setup 2 || { echo "Bail out! no etcd"; exit 1; }

# --- the TOR, BIRD, and the agent ------------------------------------------------

bgp_topo 2	# h1, h2: made by cluster_setup already
bgp_configs "$EX" 2 >/dev/null || not_ok "the examples have a placeholder left"
# h1's announcements start off: the agent turns them on (examples/bird/README.md).
sed -i 's/^protocol static vips6\? {/&\n\tdisabled yes;/' "$WORK/h1.conf"
expect_ok "h1's BIRD configuration: the example, with vips and vips6 disabled at start" \
	bird -p -c "$WORK/h1.conf"
for n in tor h1 h2; do
	bird_start "$n" || not_ok "BIRD does not start in $n"
done
expect_within "BIRD up: the TOR's route has h2 alone (h1's vips off)" 30 nexthops_are "$H2"

vnicctl apply --etcd "$ETCD_URL" --etcd-prefix "$P" "$VGW_ROOT/user/tests/data/example.json" >/dev/null
# An interface for the steering program alone (deleting ul0 would end BGP).
ip -n vgwt-h1 link add xd0 type veth peer name xd1
ip -n vgwt-h1 link set xd0 up
ip -n vgwt-h1 link set xd1 up
BC="birdc -s $WORK/h1.ctl"
start_host 1 --underlay 10.99.0.11 --xdp-if xd0 --xdp-mode generic \
	--announce-cmd "$BC enable '\"vips*\"'" --withdraw-cmd "$BC disable '\"vips*\"'" \
	--etcd-lost-after $LOST

expect_within "the agent, healthy, runs --announce-cmd: the TOR's route has h1 and h2" 30 \
	nexthops_are "$H1 $H2"
expect_within "... the IPv6 VIPs' route too" 10 nexthops6_are "h1 h2"
# The first health it saw ran the withdraw (whichever reason came first:
# the link it had just made, the membership, the kernel's set).
expect_eq "... before it was healthy it withdrew, saying why, then announced" \
	"not healthy (,healthy:" \
	"$(grep -Eo 'announce: this host is (not )?healthy( \(|:)' "$WORK/h1.log" | head -n 2 |
		sed 's/announce: this host is //' | paste -sd ,)"
expect_ok "... and announced once it was healthy" \
	log_has h1 "announce: this host is healthy: running --announce-cmd: $BC enable '\"vips\*\"'"
expect_eq "... and nothing since (no flapping)" 2 "$(count_in h1 'announce: this host is')"

# --- failures, each out and back ---------------------------------------------------

ip -n vgwt-h1 link set gw0 down
out_within "link gw0 down: h1 withdraws" 10
expect_ok "... saying why" log_has h1 "not healthy \(link gw0 is down\)"
ip -n vgwt-h1 link set gw0 up
expect_within "... up again: announced" 10 nexthops_are "$H1 $H2"

ip -n vgwt-h1 link del xd0
out_within "the XDP interface gone: h1 withdraws" 10
expect_ok "... saying why" log_has h1 "not healthy \(XDP steering is not attached to xd0\)"
ip -n vgwt-h1 link add xd0 type veth peer name xd1
ip -n vgwt-h1 link set xd0 up
ip -n vgwt-h1 link set xd1 up
expect_within "... back (the agent attaches to the new xd0): announced" 15 nexthops_are "$H1 $H2"

kill -STOP "$ETCD_PID"
out_within "etcd hung: after --etcd-lost-after $LOST s without a keepalive answered, h1 withdraws" 15
expect_ok "... saying why" log_has h1 "not healthy \(etcd has not answered a lease keepalive"
kill -CONT "$ETCD_PID"
expect_within "... etcd back: announced (a member again)" 30 nexthops_are "$H1 $H2"

unload_module
out_within "the module unloaded: h1 withdraws" 10
expect_ok "... saying why" log_has h1 "not healthy \(the vnicgw module is not loaded or does not answer\)"
load_module
expect_within "... loaded again (the agent makes the link and applies): announced" 30 \
	nexthops_are "$H1 $H2"

# --- a drain: out for good ------------------------------------------------------------

kill -USR1 "$PID_H1"
out_within "SIGUSR1 (drain): h1 withdraws" 10
expect_ok "... saying why" log_has h1 "not healthy \(draining\)"
sleep 3
expect_eq "... and stays out" "$H2" "$(nexthops)"
expect_eq "... of the IPv6 route too" "h2" "$(nexthops6_devs)"
expect_eq "... while its BGP session stays up" 1 \
	"$(birdc_in h1 show protocols tor | grep -c Established)"
AGENT_PID=$PID_H1
stop_agent TERM 10
expect_eq "SIGTERM: exit 0" 0 "$AGENT_RC"
expect_eq "... the route stays as it was (no withdraw at exit; it was out)" "$H2" "$(nexthops)"

tap_end
