#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# test_runner.sh: host-side tests of tools/vm itself. Prints TAP; exits 1 if a
# test failed. Each case boots the VM once with a tiny script from guest/ and
# checks tools/vm's exact exit status, its "vm: ..." message and its effects:
#   a  clean run: status 0, guest output on stdout, a file written through 9p,
#      the promised guest environment, an out-of-tree module load that must not
#      trip the kernel-log check, the run's log files
#   b  the script's own failure status (3) comes back, with no vm: message
#   c  a kernel panic: 125, "vm: guest panicked: Kernel panic ..."
#   d  a hang with --timeout 40: 124, "vm: timed out after 40 s"
#   e  exit 0 but a WARNING in the kernel log: 125, the line named
#   f  arguments with spaces, quotes, globs, newlines arrive byte for byte, and
#      the guest runs in the caller's directory (a relative SCRIPT path works)
#   g  exit 0, no report in the log, but the kernel tainted W: 125, the flag
# The hang case runs in the background while b, c, e, f and g run one after
# the other (it is idle in the guest), so the file takes ~50 s, not ~70 s.

# The checks are eval'ed strings, expanded when they run:
# shellcheck disable=SC2016
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=$(cd "$here/../.." && pwd -P)
VM=$ROOT/tools/vm
G=$here/guest
# The runner's own cases check the default module path in the guest.
unset VGW_KO
# Under the debug kernel (tools/check --debug), its release and modules, as
# tools/vm takes them, so that the initramfs built below is the one it boots.
if [ -n "${VM_KERNEL_TREE:-}" ]; then
	KVER=$(cat "$VM_KERNEL_TREE/include/config/kernel.release")
	export VGW_MODROOT=${VM_KERNEL_TREE%/}/../modroot
fi
KVER=${KVER:-$(find /boot -maxdepth 1 -name 'vmlinuz-*' -printf '%f\n' | sed 's/^vmlinuz-//' | sort -V | tail -n 1)}
export KVER

# Scratch space inside the checkout (the guest sees only the checkout),
# under build/ so git ignores it; removed at exit.
mkdir -p "$ROOT/build"
T=$(mktemp -d "$ROOT/build/vm-runner-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
tag=vm-runner-$$

n=0 failed=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() {
	n=$((n + 1)) failed=$((failed + 1))
	echo "not ok $n - $1"
	shift
	local line
	for line in "$@"; do echo "#   $line"; done
}
# expect DESC COND-COMMAND... : one test; on failure, show the case's output.
cur=
expect() {
	local desc=$1
	shift
	local cmd=$*
	# (The checks' own complaints, such as a missing file, would break the
	# TAP stream: the case's saved output below says more.)
	if "$@" 2>/dev/null; then
		pass "$desc"
	else
		cmd=${cmd//[$'\t\n']/ }
		fail "$desc" "failed: ${cmd//  / }" "exit status: $(cat "$T/$cur.rc")" \
			"stderr: $(tail -n 3 "$T/$cur.err" | tr '\n' '|')" \
			"stdout: $(tail -n 5 "$T/$cur.out" | tr '\n' '|')"
	fi
}
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
# vmrun CASE DIR ARGS... : tools/vm run from DIR, with its stdout, stderr and
# exit status saved for the checks below.
vmrun() {
	local c=$1 dir=$2
	shift 2
	cur=$c
	(cd "$dir" && "$VM" run --name "$tag-$c" "$@") >"$T/$c.out" 2>"$T/$c.err"
	echo $? >"$T/$c.rc"
}
rc_is() { [ "$(cat "$T/$cur.rc")" = "$1" ]; }
# The stderr of the case is exactly one line, matching the regular expression.
err_is() { [ "$(wc -l <"$T/$cur.err")" = 1 ] && grep -q -E "$1" "$T/$cur.err"; }
err_empty() { [ ! -s "$T/$cur.err" ]; }
out_has() { grep -q -x -F -- "$1" "$T/$cur.out"; }

echo "TAP version 13"
if [ -n "${VM_KERNEL_TREE:-}" ]; then
	echo "1..21"
else
	echo "1..15"
fi

# Build the initramfs (if stale) before the cases: a rebuild announces itself
# on stderr, which the cases check is otherwise empty.
"$ROOT/tools/vm-initramfs" >/dev/null || { echo "Bail out! tools/vm-initramfs failed"; exit 1; }

# a: clean run. If this kernel's headers are there, also build a trivial
# out-of-tree module for the guest to load and unload.
mkdir -p "$T/a"
mod=skipped
# The tree to build test modules against: the booted kernel's.
ktree=${VM_KERNEL_TREE:-/lib/modules/$KVER/build}
if [ -d "$ktree" ] && command -v make >/dev/null && command -v gcc >/dev/null; then
	mkdir -p "$T/mod"
	cp "$here/vm_runner_hello.c" "$T/mod/"
	echo 'obj-m := vm_runner_hello.o' >"$T/mod/Kbuild"
	if make -s -C "$ktree" M="$T/mod" modules >"$T/mod/build.log" 2>&1; then
		cp "$T/mod/vm_runner_hello.ko" "$T/a/"
		mod=built
	else
		mod=failed
	fi
fi
vmrun a "$ROOT" "$G/ok.sh" "$T/a"
expect "a: a clean run exits 0 with nothing on stderr" eval 'rc_is 0 && err_empty'
expect "a: the guest's output reaches stdout" out_has "vm-runner-ok: hello from the guest"
expect "a: a file the guest writes into the checkout appears on the host" \
	eval '[ "$(cat "$T/a/from-guest" 2>/dev/null)" = "written by the guest" ]'
# The report has one line per check; all must be "ok" (at least 30 of them).
expect "a: the guest environment is as promised" \
	eval '! grep -v "^ok " "$T/a/env-report" && [ "$(grep -c "^ok " "$T/a/env-report")" -ge 30 ]'
case $mod in
built)
	expect "a: loading an out-of-tree unsigned module passes the kernel-log check" \
		eval 'grep -q "^ok rmmod-oot" "$T/a/env-report" &&
			grep -q "loading out-of-tree module taints kernel" "$ROOT/build/vm/logs/$tag-a/dmesg.log"'
	;;
failed) fail "a: loading an out-of-tree unsigned module passes the kernel-log check" \
	"building the test module failed: $(tail -n 2 "$T/mod/build.log" | tr '\n' '|')" ;;
*) skip "a: loading an out-of-tree unsigned module passes the kernel-log check" "no kernel headers" ;;
esac
# "last" names the newest run: another VM started meanwhile (a developer's,
# in parallel) may own it, so only its shape is checked.
expect "a: console.log, dmesg.log and the last link are saved" \
	eval 'l=$ROOT/build/vm/logs/$tag-a; grep -q -x "VMTEST_RC=0" "$l/console.log" &&
		grep -q "Linux version" "$l/dmesg.log" && [ -f "$ROOT/build/vm/logs/last/console.log" ]'

# d: started now, in the background (after a, which checks the logs/last
# link, so no other run moves it meanwhile); collected at the end. The
# guest must boot and say it sleeps before the timeout: the debug kernel
# boots some 8 times slower, and the other cases' VMs run beside it.
hang_to=40
[ -n "${VM_KERNEL_TREE:-}" ] && hang_to=240
(
	cd "$ROOT" || exit 1
	"$VM" run --timeout "$hang_to" --name "$tag-d" "$G/hang.sh" >"$T/d.out" 2>"$T/d.err"
	echo $? >"$T/d.rc"
) &
hang_pid=$!

# b: the script's own failure.
vmrun b "$ROOT" "$G/exit3.sh"
expect "b: a script exiting 3 gives 3, with no vm: message" eval 'rc_is 3 && err_empty'

# c: kernel panic.
vmrun c "$ROOT" "$G/panic.sh"
expect "c: a panic gives 125 and 'vm: guest panicked: Kernel panic ...'" \
	eval 'rc_is 125 && err_is "^vm: guest panicked: Kernel panic - not syncing: sysrq triggered crash "'

# e: the script passes, the kernel log does not.
vmrun e "$ROOT" "$G/warn.sh"
expect "e: a WARNING in the kernel log gives 125 naming the line, though the script passed" \
	eval 'rc_is 125 && out_has "vm-runner-warn: exiting with 0" &&
		err_is "^vm: kernel log has a problem report: \[ *[0-9.]+\] WARNING: CPU: 0 PID: 1 at vnicgw-selftest \(dmesg: "'

# f: awkward arguments, run from a subdirectory with a relative script path.
args=("two words" "" "  lead and trail  " "it's" 'say "hi"' '$HOME' '*' 'a\b' $'line1\nline2' $'tab\there' '-x' '--name')
vmrun f "$G" ./args.sh "$T/f.args" "${args[@]}"
expect "f: the run exits 0" eval 'rc_is 0 && err_empty'
expect "f: arguments with spaces, quotes, globs and newlines arrive intact" \
	cmp -s "$T/f.args" <(printf '%s\0' "$G" "${args[@]}")
expect "f: the guest's working directory is the caller's" \
	eval '[ "$(head -z -n 1 "$T/f.args" | tr -d "\0")" = "$G" ]'

# g: the taint safety net.
vmrun g "$ROOT" "$G/taint.sh"
expect "g: a W taint without a report gives 125 and 'vm: kernel tainted W ...'" \
	eval 'rc_is 125 && err_is "^vm: kernel tainted W \(tainted=512\) with no report in its log "'

# h (the debug kernel, VM_KERNEL_TREE, only): a bug planted by a test
# module, one kind per boot, is reported by the kernel's checker, and
# tools/vm fails the run on that report although the script passed.
if [ -n "${VM_KERNEL_TREE:-}" ]; then
	mkdir -p "$T/bugs"
	cp "$here/vm_runner_bugs.c" "$T/bugs/"
	echo 'obj-m := vm_runner_bugs.o' >"$T/bugs/Kbuild"
	if make -s -C "$ktree" M="$T/bugs" modules >"$T/bugs/build.log" 2>&1; then
		for kb in "leak:suspected memory leak" \
			"lockdep:WARNING: possible circular locking dependency detected" \
			"oob:BUG: KASAN: slab-out-of-bounds in out_of_bounds" \
			"uaf:BUG: KASAN: use-after-free in use_after_free" \
			"shift:UBSAN: shift-out-of-bounds in .*vm_runner_bugs.c" \
			"sleep:BUG: (sleeping function called from invalid context|scheduling while atomic)"; do
			b=${kb%%:*} want=${kb#*:} hn=$((${hn:-0} + 1))
			# Numbered, not named: the run's name is on the kernel
			# command line, and "leak" there would match the check.
			vmrun "h$hn" "$ROOT" "$G/bug.sh" "$T/bugs/vm_runner_bugs.ko" "$b"
			expect "h: a planted bug ($b) gives 125, the report named ($want)" \
				eval 'rc_is 125 && out_has "vm-runner-bug: planted $b, exiting with 0" &&
					err_is "^vm: kernel log has a problem report: \[ *[0-9.]+\] .*$want"'
		done
	else
		fail "h: the planted-bug module builds against $ktree" \
			"$(tail -n 3 "$T/bugs/build.log" | tr '\n' '|')"
	fi
fi

# d: collect the hang.
wait "$hang_pid"
cur=d
expect "d: a hang with --timeout $hang_to gives 124 and 'vm: timed out after $hang_to s'" \
	eval 'rc_is 124 && err_is "^vm: timed out after $hang_to s " && out_has "vm-runner-hang: sleeping"'
expect "d: the guest never reported a result" eval '! grep -q "^VMTEST_RC=" "$T/d.out"'

echo "# logs: build/vm/logs/$tag-{a,b,c,d,e,f,g,h*}"
[ "$failed" -eq 0 ] || { echo "# $failed of $n failed"; exit 1; }
