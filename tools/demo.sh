#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The built-in example, run in the VM by "make demo": load the module, make
# three vnicgw "hosts" (one network namespace each, one vnicgw link each),
# show what vnicctl reports in each, and unload. It grows with the project.
set -eu
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "load vnicgw.ko"
insmod "$VGW_KO"
grep -H . /sys/module/vnicgw/version

for h in host1 host2 host3; do
	step "$h: a network namespace with its own vnicgw link"
	ip netns add "demo-$h"
	ip -n "demo-$h" link add gw0 type vnicgw
	ip -n "demo-$h" link set gw0 up
	ip -n "demo-$h" -d -br link show gw0
	ip netns exec "demo-$h" vnicctl info
done

step "vnicctl -j info in host2"
ip netns exec demo-host2 vnicctl -j info | jq .

step "flush host1's tables: only host1's generation moves"
ip netns exec demo-host1 vnicctl flush
for h in host1 host2 host3; do
	printf '%s generation %s\n' "$h" "$(ip netns exec "demo-$h" vnicctl -j info | jq .generation)"
done

step "delete host3 with its link, then unload with links still in host1 and host2"
ip netns del demo-host3
rmmod vnicgw
for h in host1 host2; do
	ip -n "demo-$h" link show gw0 2>/dev/null && exit 1
	ip netns del "demo-$h"
done
echo "module unloaded, every link gone"
