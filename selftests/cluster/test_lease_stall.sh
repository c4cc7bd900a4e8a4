#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Membership that does not flap under load (issue 14), with the module, in
# the VM: three hosts whose agents are starved (one cgroup giving the three
# of them 30% of one CPU, where the guest has a cgroup cpu controller) and
# whose every kernel step (apply, CLUSTER_SET, drift check) is busy for
# STALL_MS first, more than 2 member TTLs (the test hook
# VGW_AGENT_TEST=stall=MS). Once the three kernels agree on the table of
# h1,h2,h3:
#
# - etcd's member set, sampled every 0.5 s for 30 s, is h1 h2 h3 throughout
#   (each agent's keepalive runs on a thread of its own, not behind the
#   stalled loop);
# - no kernel was given another set meanwhile (their epochs did not move)
#   and all three still have the table of h1,h2,h3;
# - no agent logged an expired lease.
#
# Not in run-vm.sh's list: run it by hand,
#   tools/vm run --timeout 900 selftests/run-vm.sh cluster/test_lease_stall.sh
# (user/tests/test_agent_lease.sh tests the same on the host, without the
# module.)
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/cluster_lib.sh"	# with ../lib.sh, agent_lib.sh, etcd_lib.sh

P=/vgwt-stall/
TTL=3
STALL_MS=7000
QUOTA_PCT=30	# of one CPU, for the three agents together
CG=

cleanup()
{
	cluster_cleanup
	[ -n "$CG" ] && rmdir "$CG" 2>/dev/null
}
trap cleanup EXIT

tap_begin
load_module

# cl NS JQ: one value of the namespace's cluster.
cl() { ip netns exec "$1" vnicctl -j cluster | jq -r "$2"; }
sim_fp() { owner-sim --table "$1" | awk '/^fingerprint/ {print $2}'; }
kernels_are() # FP NS...
{
	local want=$1 ns
	shift
	for ns; do
		[ "$(cl "$ns" .fingerprint)" = "$want" ] || return 1
	done
}
members_now() { vnicctl-etcd "${E[@]}" members 2>/dev/null | xargs; }
epochs() { for h in 1 2 3; do cl "vgwt-h$h" .epoch; done | xargs; }

# The cgroup: QUOTA_PCT % of one CPU (lib.sh's cpu_cgroup), or none.
starve_setup() { cpu_cgroup vgwt-stall "$QUOTA_PCT"; }

cluster_setup 3 || exit 1
vnicctl apply "${E[@]}" "$VGW_ROOT/user/tests/data/example.json" >/dev/null
if starve_setup; then
	starved="sharing $QUOTA_PCT% of one CPU"
else
	starved="not starved: no cgroup cpu controller in this guest"
fi
export VGW_AGENT_TEST=stall=$STALL_MS
for h in 1 2 3; do
	start_host $h --underlay 10.99.0.1$h
	[ -z "$CG" ] || echo "$AGENT_PID" >"$CG/cgroup.procs"
done
unset VGW_AGENT_TEST

fp3=$(sim_fp h1,h2,h3)
expect_within "three agents ($starved, every kernel step busy $STALL_MS ms): the kernels agree on h1,h2,h3" \
	120 kernels_are "$fp3" vgwt-h1 vgwt-h2 vgwt-h3
selves() { for h in 1 2 3; do cl "vgwt-h$h" .self; done | xargs; }
expect_within "... each kernel knows which member it is" 60 eval '[ "$(selves)" = "h1 h2 h3" ]'
expect_ok "... their kernel steps stall" log_has h1 "test: the kernel step stalls"
# A set still waiting behind a stall reaches its kernel within two of them.
sleep $((STALL_MS * 2 / 1000 + 2))
e0=$(epochs)
stalls0=$(count_in h1 "test: the kernel step stalls")

samples=0 bad=0
end=$((SECONDS + 30))
while [ "$SECONDS" -lt "$end" ]; do
	m=$(members_now)
	samples=$((samples + 1))
	[ "$m" = "h1 h2 h3" ] || { bad=$((bad + 1)); echo "$SECONDS: $m" >>"$WORK/bad"; }
	sleep 0.5
done
stalls=$(($(count_in h1 "test: the kernel step stalls") - stalls0))
if [ "$samples" -ge 20 ] && [ "$bad" = 0 ]; then
	ok "etcd's members were h1 h2 h3 in all $samples samples over 30 s ($stalls stalls of h1's loop)"
else
	not_ok "etcd's members were not h1 h2 h3 in $bad of $samples samples"
	head -n 20 "$WORK/bad" | diag
fi
expect_ok "... h1's loop did stall meanwhile" test "$stalls" -ge 2
expect_eq "... no kernel was given another set (epochs)" "$e0" "$(epochs)"
expect_ok "... all three still have the table of h1,h2,h3" kernels_are "$fp3" vgwt-h1 vgwt-h2 vgwt-h3
expect_eq "... and no agent's lease expired" 0 \
	"$(cat "$WORK"/h[123].log | grep -c 'expired\|joining again')"

tap_end
