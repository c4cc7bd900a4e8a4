# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers for the shell selftests: TAP output and assertions. Source it, call
# tap_begin, one assertion per claim, then tap_end (exits 1 if any failed).
# Each assertion prints "ok N - what it proves" or "not ok N - ..." with the
# evidence as "#" lines.

TAP_N=0
TAP_FAILED=0

# VGW_ROOT: the checkout (tools/vm sets it in the guest), whose build/ has
# the C programs the suites run and whose files (documents, examples) they
# read. In a tree installed by "make -C selftests install", lib.sh is at
# its top beside kselftest-list.txt, and root/ holds those files with the
# same paths (root/build/selftests/ is the tree itself).
VGW_SELFTESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ -z "${VGW_ROOT:-}" ]; then
	if [ -e "$VGW_SELFTESTS/kselftest-list.txt" ]; then
		VGW_ROOT=$VGW_SELFTESTS/root
	else
		VGW_ROOT=$(cd "$VGW_SELFTESTS/.." && pwd)
	fi
fi
export VGW_ROOT

tap_begin()
{
	echo "TAP version 13"
	echo "# ${0##*/}"
}

tap_end()
{
	echo "1..$TAP_N"
	[ "$TAP_FAILED" -eq 0 ]
	exit $?
}

ok()
{
	TAP_N=$((TAP_N + 1))
	echo "ok $TAP_N - $*"
}

not_ok()
{
	TAP_N=$((TAP_N + 1))
	TAP_FAILED=$((TAP_FAILED + 1))
	echo "not ok $TAP_N - $*"
}

# diag [TEXT...]: TEXT (or, without it, stdin) as TAP diagnostics.
diag()
{
	if [ $# -gt 0 ]; then
		printf '%s\n' "$*" | sed 's/^/#   /'
	else
		sed 's/^/#   /'
	fi
}

# expect_ok DESC CMD...: CMD must exit 0.
expect_ok()
{
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then
		ok "$desc"
	else
		not_ok "$desc"
		{ echo "command: $*"; echo "$out"; } | diag
	fi
}

# expect_fail DESC CMD...: CMD must exit non-zero.
expect_fail()
{
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then
		not_ok "$desc"
		{ echo "command succeeded but must fail: $*"; echo "$out"; } | diag
	else
		ok "$desc"
	fi
}

# expect_fail_msg DESC PATTERN CMD...: CMD must fail, and its output must
# match the extended regular expression PATTERN.
expect_fail_msg()
{
	local desc=$1 pat=$2 out
	shift 2
	if out=$("$@" 2>&1); then
		not_ok "$desc"
		{ echo "command succeeded but must fail: $*"; echo "$out"; } | diag
	elif ! grep -Eq -- "$pat" <<<"$out"; then
		not_ok "$desc"
		{ echo "output does not match /$pat/: $*"; echo "$out"; } | diag
	else
		ok "$desc"
	fi
}

# expect_match DESC PATTERN TEXT: TEXT has a line matching the extended
# regular expression PATTERN.
expect_match()
{
	if grep -Eq -- "$2" <<<"$3"; then
		ok "$1"
	else
		not_ok "$1"
		{ echo "no line matches /$2/ in:"; echo "$3"; } | diag
	fi
}

# A command that does not exist (say, a helper of another suite's library)
# fails the suite: bash would only print a line on stderr, and the row that
# called it would vanish from the count.
command_not_found_handle()
{
	not_ok "command not found: $1"
	return 127
}

# expect_eq DESC EXPECTED ACTUAL
expect_eq()
{
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		printf 'expected: %s\nactual:   %s\n' "$2" "$3" | diag
	fi
}

# Namespaces made by a test are named vgwt-*; remove them all on exit.
netns_cleanup()
{
	local ns

	for ns in $(ip netns list 2>/dev/null | awk '/^vgwt-/ {print $1}'); do
		ip netns del "$ns"
	done
}

module_loaded()
{
	[ -d /sys/module/vnicgw ]
}

# The module: $VGW_KO (tools/vm sets it), else the installed one (DKMS).
load_module()
{
	module_loaded && return 0
	if [ -n "${VGW_KO:-}" ]; then
		insmod "$VGW_KO"
	else
		modprobe vnicgw
	fi
}

unload_module()
{
	! module_loaded || rmmod vnicgw
}

# How much slower than Debian's kernel this one is: the debug kernel
# (KASAN, lockdep, kmemleak: tools/debug-kernel) runs the tests about 8
# times slower, so waits for something to happen (wait_for) are longer.
# Never used for what must NOT happen within a time.
if [ -z "${VGW_SLOW:-}" ]; then
	VGW_SLOW=1
	[ -e /sys/kernel/debug/kmemleak ] && VGW_SLOW=8
fi

# wait_for SECS CMD...: poll CMD every 0.1 s until it succeeds; false after
# SECS seconds (times VGW_SLOW).
# cpu_cgroup NAME PCT: a cgroup NAME whose tasks get PCT % of one CPU
# together, its directory in CG (the caller removes it): v2's cpu.max where
# the root hands the cpu controller down, else v1's cfs quota. 1, CG empty:
# neither (the tasks are not starved).
cpu_cgroup()
{
	local q=$(($2 * 1000))

	CG=
	if grep -qw cpu /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null &&
	   mkdir "/sys/fs/cgroup/$1" 2>/dev/null; then
		CG=/sys/fs/cgroup/$1
		echo "$q 100000" >"$CG/cpu.max" && return 0
	elif [ -e /sys/fs/cgroup/cpu/cpu.cfs_quota_us ] &&
	     mkdir "/sys/fs/cgroup/cpu/$1" 2>/dev/null; then
		CG=/sys/fs/cgroup/cpu/$1
		echo 100000 >"$CG/cpu.cfs_period_us" &&
		echo "$q" >"$CG/cpu.cfs_quota_us" && return 0
	fi
	[ -n "$CG" ] && rmdir "$CG" 2>/dev/null
	CG=
	return 1
}

# wait_for SECONDS CMD...: until CMD succeeds, at most SECONDS (times
# VGW_SLOW). Between tries it sleeps as long as the last try took (0.1 s at
# least, 2 s at most): a check that runs a few processes costs a second in
# the TCG guest, and polling it back to back would take the CPU from what
# it waits for.
wait_for()
{
	local end=$((SECONDS + $1 * VGW_SLOW)) t0 us

	shift
	while t0=${EPOCHREALTIME/./}; ! "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -lt "$end" ] || return 1
		us=$((${EPOCHREALTIME/./} - t0))
		((us < 100000)) && us=100000
		((us > 2000000)) && us=2000000
		sleep "$((us / 1000000)).$(printf '%06d' $((us % 1000000)))"
	done
}
