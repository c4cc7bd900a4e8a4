#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kselftest tree that "make -C selftests install" makes runs a suite in
# the guest the way kernel CI runs kselftests: a copy of the tree in /tmp,
# run_kselftest.sh -t genl:run.sh, without the checkout's VGW_ROOT (the
# suite finds lib.sh, its C program and the module through the tree and
# VGW_KO alone). genl:run.sh, because it runs a C program of the tree
# (TEST_GEN_PROGS_EXTENDED) and loads the module. The tree is the build's
# (build/kselftest-install, made by make tests), or, in an installed tree,
# that tree itself. Runs in the VM.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
T=$(mktemp -d /tmp/vgwt-ksft.XXXXXX)
trap 'rm -rf "$T"; unload_module' EXIT

if [ -e "$VGW_SELFTESTS/kselftest-list.txt" ]; then
	src=$VGW_SELFTESTS
else
	src=$VGW_ROOT/build/kselftest-install
fi

tap_begin
expect_ok "an installed kselftest tree to copy ($src)" test -x "$src/run_kselftest.sh"
cp -a "$src/." "$T/"
expect_ok "the copy has genl_strict beside its suite" test -x "$T/genl/genl_strict"
listed() { "$T/run_kselftest.sh" --list | grep -qx "$1"; }
expect_ok "run_kselftest.sh --list names genl:run.sh" listed genl:run.sh

unload_module
ran=$(env -u VGW_ROOT "$T/run_kselftest.sh" -t genl:run.sh 2>&1)
rc=$?
expect_eq "run_kselftest.sh -t genl:run.sh exits 0" 0 "$rc"
expect_ok "it reports the suite passed, as kselftest does" \
	grep -qx "ok 1 selftests: genl: run.sh" <<<"$ran"
expect_eq "... one test planned, in a TAP 13 document" "TAP version 13|1..1" \
	"$(head -n 2 <<<"$ran" | paste -sd '|')"
expect_ok "the suite's own output is nested under '# ': genl_strict passed every test" \
	grep -Eq '^# # PASSED: ([0-9]+) / \1 tests passed' <<<"$ran"
no_failure() { ! grep -q '^# not ok' <<<"$ran"; }
expect_ok "... and none failed" no_failure
[ "$TAP_FAILED" -gt 0 ] && diag "$ran"
tap_end
