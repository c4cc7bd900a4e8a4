#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The netlink fuzzer (nlfuzz.c) against the module, in a namespace of its
# own with a vnicgw link: FUZZ_MSGS requests (structured, mutated and
# random; transactions held, aborted and left by closed sockets, from three
# sockets) must each be answered, every refusal with an extack message,
# and the tables and the cluster must equal the fuzzer's model of what was
# acknowledged. The VM runner fails the run on any kernel report.
#
# FUZZ_SEED replays a run (the seed is printed); FUZZ_MSGS sets its length
# (default 30000: about 50 s with the Debian kernel in the emulated VM; the
# issue's figure for the debug kernel is FUZZ_MSGS=100000). Runs in the VM.
set -u
. "$(dirname "$0")/../lib.sh"
NS=vgwt-nlfuzz
trap 'netns_cleanup; unload_module' EXIT

FUZZ=$VGW_ROOT/build/selftests/fuzz/nlfuzz
export FUZZ_MSGS=${FUZZ_MSGS:-30000}

tap_begin
load_module || { not_ok "the module loads"; tap_end; }
ip netns add $NS && ip -n $NS link add vgw0 type vnicgw ||
	{ not_ok "a namespace with a vnicgw link"; tap_end; }

# field NAME: NAME=VALUE of the fuzzer's summary line.
out=$(ip netns exec $NS "$FUZZ" 2>&1)
rc=$?
# All of it, for a look later: build/fuzz/nlfuzz.log (if it can be written).
mkdir -p "$VGW_ROOT/build/fuzz" 2>/dev/null &&
	cat >"$VGW_ROOT/build/fuzz/nlfuzz.log" <<<"$out" 2>/dev/null
summary=$(grep '^# SUMMARY' <<<"$out")
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$summary"; }

# The fuzzer's own lines (failures and findings with the requests' bytes,
# counts, the summary): the first 150 and the last 8.
if [ "$(wc -l <<<"$out")" -gt 160 ]; then
	{ head -n 150 <<<"$out"; echo "..."; tail -n 8 <<<"$out"; } | diag
else
	diag <<<"$out"
fi
if [ -z "$summary" ]; then
	not_ok "the fuzzer ran to its end (exit status $rc)"
	tap_end
fi
ok "the fuzzer ran to its end: $(field msgs) requests, seed $(field seed)"
expect_eq "every refusal carries an extack message" 0 "$(field no_extack)"
if [ "$rc" -eq 0 ]; then
	ok "the tables, the cluster and the object count equal the model of what was acknowledged"
else
	not_ok "the tables, the cluster and the object count equal the model of what was acknowledged"
fi
ip netns del $NS
unload_module && ok "the module unloads after the run" ||
	not_ok "the module unloads after the run"
tap_end
