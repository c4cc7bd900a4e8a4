#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# selftests/ as a kselftest target, on this machine (no kernel test runs):
# "make -C selftests install INSTALL_PATH=..." into a temporary directory
# gives run_kselftest.sh, kselftest/runner.sh and kselftest-list.txt; the
# list holds every suite of selftests/run-vm.sh (what make check runs) and
# every entry is an executable in the tree; every collection has a settings
# file with a timeout; the C programs and the checkout files the suites
# need are in it. The runner, on a collection of stand-in tests made here:
# results, nesting, SKIP, exit codes, timeouts from settings, -s, -t, -c,
# -d, KSELFTEST_<TEST>_ARGS; and the kernel's own run_kselftest.sh (from
# Debian's linux-source, build/kselftest/ref) runs our tree the same way.
set -u
top=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
. "$top/selftests/lib.sh"

T=$(mktemp -d /tmp/vgwt-ksft-install.XXXXXX)
trap 'rm -rf "$T"' EXIT
I=$T/install

tap_begin

expect_ok "make -C selftests install INSTALL_PATH=... succeeds" \
	make -s --no-print-directory -C "$top/selftests" install INSTALL_PATH="$I"
expect_ok "it installs an executable run_kselftest.sh" test -x "$I/run_kselftest.sh"
expect_ok "... its runner, kselftest/runner.sh" test -f "$I/kselftest/runner.sh"
expect_ok "... and kselftest-list.txt" test -s "$I/kselftest-list.txt"

# run-vm.sh's suites as collection:test ("VAR=VALUE dir/test.sh": the test).
vm_suites()
{
	(
		# shellcheck disable=SC1090
		. <(sed -n '/^TESTS=(/,/^)/p' "$top/selftests/run-vm.sh")
		for t in "${TESTS[@]}"; do
			t=${t##* }
			echo "${t%%/*}:${t#*/}"
		done
	) | sort -u
}
missing=$(comm -23 <(vm_suites) <(sort -u "$I/kselftest-list.txt"))
expect_ok "run-vm.sh lists suites ($(vm_suites | wc -l))" test "$(vm_suites | wc -l)" -gt 20
expect_eq "every suite of selftests/run-vm.sh is in kselftest-list.txt" "" "$missing"
# (An empty or missing list makes these fail too: "none" is not an entry.)
bad= n=0
while IFS=: read -r c t; do
	n=$((n + 1))
	[ -x "$I/$c/$t" ] || bad+=" $c/$t"
done <"$I/kselftest-list.txt"
[ $n -gt 0 ] || bad=none
expect_eq "every entry of the list ($n) is an executable of the tree" "" "$bad"
bad= n=0
for c in $(cut -d: -f1 "$I/kselftest-list.txt" | sort -u); do
	n=$((n + 1))
	grep -Eqx 'timeout=[1-9][0-9]*' "$I/$c/settings" 2>/dev/null || bad+=" $c"
done
[ $n -gt 0 ] || bad=none
expect_eq "every collection ($n) has a settings file with timeout=SECONDS" "" "$bad"
expect_eq "run_kselftest.sh --list prints the list" \
	"$(cat "$I/kselftest-list.txt" || echo none)" "$("$I/run_kselftest.sh" --list)"
bad=
for p in genl/genl_strict control/rt_append datapath/craft datapath/flow \
	datapath/churn datapath/fragtap fuzz/nlfuzz fuzz/pktfuzz; do
	[ -x "$I/$p" ] || bad+=" $p"
done
expect_eq "the C programs the suites run are beside them" "" "$bad"
expect_eq "root/build/selftests is the tree itself (VGW_ROOT of an installed tree)" \
	"$(readlink -f "$I")" "$(readlink -f "$I/root/build/selftests")"
expect_ok "the files of the checkout the suites read are under root/" \
	test -f "$I/root/user/tests/data/example.json" -a \
	-f "$I/root/user/tests/etcd_lib.sh" -a -f "$I/root/build/bpf/steer.bpf.o" -a \
	-f "$I/root/examples/bird/tor.conf" -a -f "$I/lib.sh" -a \
	-f "$I/agent/agent_lib.sh" -a -f "$I/datapath/topo.sh"
expect_eq "lib.sh of an installed tree sets VGW_ROOT to its root/" \
	"$I/root" "$(env -u VGW_ROOT bash -c '. "$1/lib.sh"; echo "$VGW_ROOT"' _ "$I")"
expect_eq "... and in the checkout to the checkout" \
	"$top" "$(env -u VGW_ROOT bash -c '. "$1/lib.sh"; echo "$VGW_ROOT"' _ "$top/selftests")"
make -s --no-print-directory -C "$top/selftests" install INSTALL_PATH="$T/one" \
	TARGETS="steer module" SKIP_TARGETS=module >/dev/null
expect_eq "TARGETS and SKIP_TARGETS select the collections listed" \
	"steer:test_cpumap.sh steer:test_pins.sh" "$(paste -sd ' ' "$T/one/kselftest-list.txt")"
expect_ok "... the helpers of the others are installed still (datapath/topo.sh, craft)" \
	test -f "$T/one/datapath/topo.sh" -a -x "$T/one/datapath/craft" -a \
	! -e "$T/one/module/test_lifecycle.sh"
expect_fail_msg "-t with an unknown test is refused" "No such test 'module:nope.sh'" \
	"$I/run_kselftest.sh" -t module:nope.sh
expect_fail_msg "-c with an unknown collection is refused" "No such collection 'nope'" \
	"$I/run_kselftest.sh" -c nope
expect_eq "-d (dry run) names what -c steer would run" "steer: test_cpumap.sh test_pins.sh" \
	"$("$I/run_kselftest.sh" -d -c steer)"

expect_eq "make -C selftests run_tests runs the checkout's suites (dry run: KSFT_ARGS=\"-d -c steer\")" \
	"steer: test_cpumap.sh test_pins.sh" \
	"$(make -s --no-print-directory -C "$top/selftests" run_tests KSFT_ARGS="-d -c steer" 2>&1)"

# --- the runner, on stand-in tests --------------------------------------------
# A collection "vgwt" added to the installed tree: a passing test with TAP of
# its own (and its arguments), a skip (4), a failure (3), one that outlives
# the collection's timeout of 1 s.
mkdir "$I/vgwt"
echo timeout=1 >"$I/vgwt/settings"
printf '#!/bin/bash\necho "TAP version 13"\necho "ok 1 - inner args=[$*]"\necho "1..1"\n' \
	>"$I/vgwt/pass.sh"
printf '#!/bin/bash\necho "skipping"\nexit 4\n' >"$I/vgwt/skip.sh"
printf '#!/bin/bash\necho "failing"\nexit 3\n' >"$I/vgwt/fail.sh"
printf '#!/bin/bash\nsleep 30\n' >"$I/vgwt/slow.sh"
chmod +x "$I"/vgwt/*.sh
printf 'vgwt:%s\n' pass.sh skip.sh fail.sh slow.sh >>"$I/kselftest-list.txt"

start=$SECONDS
ran=$(KSELFTEST_PASS_SH_ARGS="a b" "$I/run_kselftest.sh" -c vgwt 2>&1)
rc=$? took=$((SECONDS - start))
want='TAP version 13
1..4
# selftests: vgwt: pass.sh
# TAP version 13
# ok 1 - inner args=[a b]
# 1..1
ok 1 selftests: vgwt: pass.sh
# selftests: vgwt: skip.sh
# skipping
ok 2 selftests: vgwt: skip.sh # SKIP
# selftests: vgwt: fail.sh
# failing
not ok 3 selftests: vgwt: fail.sh # exit=3
# selftests: vgwt: slow.sh
not ok 4 selftests: vgwt: slow.sh # TIMEOUT 1 seconds'
expect_eq "the runner's TAP: nested output, ok, SKIP (4), exit=N, TIMEOUT from settings, KSELFTEST_PASS_SH_ARGS" \
	"$want" "$ran"
expect_eq "... exit status 1: a test failed" 1 "$rc"
stopped() { [ "$took" -lt 15 ] && grep -q 'slow.sh # TIMEOUT 1 seconds' <<<"$ran"; }
expect_ok "... the 30 s test was stopped at its 1 s timeout (took $took s)" stopped
ran=$("$I/run_kselftest.sh" -s -t vgwt:pass.sh -t vgwt:skip.sh 2>&1)
rc=$?
expect_eq "-s: only the result lines on stdout; -t twice runs both" \
	"TAP version 13|1..2|# selftests: vgwt: pass.sh|ok 1 selftests: vgwt: pass.sh|# selftests: vgwt: skip.sh|ok 2 selftests: vgwt: skip.sh # SKIP" \
	"$(paste -sd '|' <<<"$ran")"
expect_eq "... exit status 0: passed and skipped" 0 "$rc"
expect_ok "... the tests' output in output.log" grep -qx '# ok 1 - inner args=\[\]' "$I/output.log"

# --- the kernel's runner on our tree ------------------------------------------
REF=$top/build/kselftest/ref
if [ -f "$REF/run_kselftest.sh" ]; then
	K=$T/kernel
	cp -a "$I" "$K"
	rm -rf "$K/kselftest"
	mkdir "$K/kselftest"
	cp "$REF/run_kselftest.sh" "$K/"
	cp "$REF/kselftest/runner.sh" "$REF/kselftest/prefix.pl" "$K/kselftest/"
	chmod +x "$K/run_kselftest.sh" "$K/kselftest/prefix.pl"
	expect_eq "the kernel's run_kselftest.sh --list reads our kselftest-list.txt" \
		"$(cat "$I/kselftest-list.txt")" "$("$K/run_kselftest.sh" --list)"
	ran=$("$K/run_kselftest.sh" -c vgwt 2>&1)
	res() { grep -E '^(not )?ok [0-9]' <<<"$1" | sed 's/ *$//'; }
	expect_eq "the kernel's runner gives our stand-in tests the same results (settings, SKIP, TIMEOUT)" \
		"$(res "$want")" "$(res "$ran")"
else
	ok "# SKIP the kernel's runner: no $REF (make tests extracts it)"
fi
tap_end
