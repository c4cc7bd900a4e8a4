#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# STATS on a machine with more possible CPUs than one netlink message holds
# (about 280 of 12 bytes each in a page). tools/check boots the VM for it
# with possible_cpus=300 (VM_APPEND); Linux allocates per-CPU data for every
# possible CPU, so the module's counters have 300 entries though 2 CPUs run.
# Before, the namespace's message did not fit, and the dump (vnicctl stats)
# failed with EMSGSIZE.
set -u
. "$(dirname "$0")/../lib.sh"

trap 'unload_module' EXIT

tap_begin
unload_module
load_module

# "0-299" -> 300: the highest possible CPU + 1, as the module numbers them.
possible=$(($(sed 's/.*[-,]//' /sys/devices/system/cpu/possible) + 1))
expect_ok "the VM has more possible CPUs than one message holds ($possible >= 300)" \
	test "$possible" -ge 300

out=$(vnicctl -j stats 2>&1)
expect_ok "vnicctl -j stats reads the counters of them all" \
	jq -e . <<<"$out"
expect_eq "... one entry per possible CPU" "$possible" \
	"$(jq '.cpus | length' <<<"$out" 2>/dev/null)"
expect_eq "... numbered 0 to $((possible - 1))" "0 $((possible - 1))" \
	"$(jq -r '.cpus | keys | map(tonumber) | "\(min) \(max)"' <<<"$out" 2>/dev/null)"
out=$(vnicctl stats 2>&1)
expect_ok "vnicctl stats (text) too" grep -q " $((possible - 1)):0" <<<"$out"

tap_end
