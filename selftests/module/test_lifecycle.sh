#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Module and link lifecycle: load/unload cycles with links in several
# namespaces, namespace deletion with a live link, rmmod with links present,
# and the rules for creating links. Runs in the VM (tools/vm run).
set -u
. "$(dirname "$0")/../lib.sh"

NS="vgwt-a vgwt-b vgwt-c"
trap 'netns_cleanup; unload_module' EXIT

tap_begin
unload_module

# Each cycle: load, one link per namespace (3 namespaces), all visible in
# their own namespace only, unload with the links still present. (Many more
# cycles, under traffic: test_cycles.sh.)
cycles_ok=0
for i in $(seq 1 5); do
	insmod "$VGW_KO" || break
	for ns in $NS; do
		ip netns add "$ns" && ip -n "$ns" link add gw0 type vnicgw &&
			ip -n "$ns" link set gw0 up || break 2
	done
	seen=0
	for ns in $NS; do
		ip -n "$ns" -d link show gw0 | grep -q "vnicgw" && seen=$((seen + 1))
	done
	[ "$seen" -eq 3 ] || break
	rmmod vnicgw || break
	for ns in $NS; do
		! ip -n "$ns" link show gw0 >/dev/null 2>&1 || break 2
	done
	netns_cleanup
	cycles_ok=$i
done
expect_eq "5 load/unload cycles with links in 3 namespaces; rmmod removes the links" 5 "$cycles_ok"
expect_ok "module gone after the cycles" test ! -d /sys/module/vnicgw

load_module
ip netns add vgwt-a
ip netns add vgwt-b
expect_ok "ip link add gw0 type vnicgw" ip -n vgwt-a link add gw0 type vnicgw
expect_fail_msg "a second link with the same name is refused" "File exists" \
	ip -n vgwt-a link add gw0 type vnicgw
expect_fail_msg "a second vnicgw link in the same namespace is refused, with a reason" \
	"already has a vnicgw link" ip -n vgwt-a link add gw1 type vnicgw
expect_ok "the same name in another namespace is fine" \
	ip -n vgwt-b link add gw0 type vnicgw
expect_fail "a vnicgw link cannot move to another namespace" \
	ip -n vgwt-b link set gw0 netns vgwt-a
expect_ok "the link is not visible from the initial namespace" \
	bash -c '! ip link show gw0 2>/dev/null'
expect_ok "ip link del gw0" ip -n vgwt-a link del gw0
expect_ok "after del, a new link may be created in that namespace" \
	ip -n vgwt-a link add gw2 type vnicgw

# Sending into the link from the local stack is dropped and counted.
ip -n vgwt-a link set gw2 up
ip -n vgwt-a addr add 192.0.2.1/24 dev gw2
ip netns exec vgwt-a ping -c 2 -W 1 -i 0.2 192.0.2.2 >/dev/null 2>&1
drops=$(ip -n vgwt-a -s -j link show gw2 | grep -o '"tx":{[^}]*}' | grep -o '"dropped":[0-9]*' | cut -d: -f2)
expect_ok "packets sent into the link by the local stack are dropped and counted (tx dropped=$drops)" \
	test "${drops:-0}" -ge 2

# A namespace deleted while it has a link: the link goes with it, and the
# module can still be removed afterwards.
ip netns add vgwt-c
ip -n vgwt-c link add gw0 type vnicgw
expect_ok "deleting a namespace with a live vnicgw link" ip netns del vgwt-c
netns_cleanup
expect_ok "rmmod after namespaces with links were deleted" rmmod vnicgw
expect_ok "module fully gone" test ! -d /sys/module/vnicgw

# rmmod while links exist in several namespaces and the initial one.
insmod "$VGW_KO"
ip link add gwinit type vnicgw
ip netns add vgwt-a
ip -n vgwt-a link add gw0 type vnicgw
expect_ok "rmmod with links in the initial and another namespace" rmmod vnicgw
expect_ok "the initial namespace's link is gone" \
	bash -c '! ip link show gwinit 2>/dev/null'

tap_end
