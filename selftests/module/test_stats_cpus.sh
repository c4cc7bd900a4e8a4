#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# STATS on a machine with more possible CPUs than one netlink message holds
# (12 bytes each: about 280 in a page, the message of a reader that
# receives into 4 kB; 2,700 in the 32 kB that a dump's message has when the
# reader's buffer is large, as vnicctl's is). tools/check boots the VM for it
# with possible_cpus=300 (VM_APPEND); Linux allocates per-CPU data for every
# possible CPU, so the module's counters have 300 entries though 2 CPUs
# run. Before, the namespace's message did not fit a page, and the dump
# failed with EMSGSIZE for such a reader (stats_reader); vnicctl failed
# past 2,700 (measured with possible_cpus=3000, whose boot takes 45 s).
set -u
. "$(dirname "$0")/../lib.sh"

trap 'unload_module' EXIT

tap_begin
unload_module
load_module

# "0-299" -> 300: the highest possible CPU + 1, as the module numbers them.
possible=$(($(sed 's/.*[-,]//' /sys/devices/system/cpu/possible) + 1))
expect_ok "the VM has more possible CPUs than a page's message holds ($possible >= 300)" \
	test "$possible" -ge 300
out=$("$VGW_ROOT/build/selftests/module/stats_reader" 2>&1)
expect_ok "a reader with a 4 kB buffer gets the counters of all $possible in several messages, and the dump's end ($out)" \
	grep -Eq "^cpus $possible messages [3-9]" <<<"$out"

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
