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

# Progress on the console as it goes (a long run under the debug kernel
# says how far it got if it times out); the report comes at the end.
out=$(FUZZ_PROGRESS=1 ip netns exec $NS "$FUZZ" 2> >(cat >&2))
rc=$?
# All of it, for a look later: build/fuzz/nlfuzz.log (if it can be written).
mkdir -p "$VGW_ROOT/build/fuzz" 2>/dev/null &&
	cat >"$VGW_ROOT/build/fuzz/nlfuzz.log" <<<"$out" 2>/dev/null
# field NAME: NAME=VALUE of the fuzzer's summary line.
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
# Every other check of nlfuzz.c is against the model: dumps, CLUSTER_GET,
# GET_INFO's count, OBJ_GET's answers, who may end a transaction.
expect_eq "the tables, the cluster and the object count equal the model of what was acknowledged" \
	0 "$(field other_failures)"
expect_eq "the fuzzer's exit status" 0 "$rc"
ip netns del $NS
unload_module && ok "the module unloads after the run" ||
	not_ok "the module unloads after the run"
tap_end
