#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The runner of vnicgw's kselftest tree (sourced by run_kselftest.sh): runs
# the tests of one collection, each in its directory, with the conventions
# of the kernel's kselftest runner, so that CI systems that parse kselftest
# output read ours:
#
#   - TAP 13: "1..N", then per test "ok N selftests: COLLECTION: TEST" or
#     "not ok N ... # exit=RC", "... # SKIP" (exit 4), "not ok N ...
#     # TIMEOUT S seconds" (exit 124); the test's own output before it, each
#     line prefixed with "# " (nested TAP)
#   - COLLECTION/settings: "timeout=SECONDS" lines (and "#" comments); 45 s
#     without one; KSELFTEST_TIMEOUT_SCALE multiplies it (a debug kernel)
#   - KSELFTEST_<TEST>_ARGS: arguments for TEST, its name upper-cased with
#     anything not alphanumeric as "_" (test_pins.sh: KSELFTEST_TEST_PINS_SH_ARGS)
#   - KSELFTEST_LOG: where the tests' output goes (default stdout), so that a
#     summary run has only the result lines on stdout
#
# Written for vnicgw (bash); it follows the kernel's behaviour, not its code.

KSFT_SKIP_RC=4
KSFT_TIMEOUT_RC=124
KSFT_DEFAULT_TIMEOUT=45

# ksft_timeout COLLECTION: the collection's timeout in seconds.
ksft_timeout()
{
	local settings=$BASE_DIR/$1/settings line t=$KSFT_DEFAULT_TIMEOUT

	if [ -r "$settings" ]; then
		while IFS= read -r line; do
			case $line in
			timeout=*) t=${line#timeout=} ;;
			esac
		done <"$settings"
	fi
	[[ $t =~ ^[0-9]+$ ]] || t=$KSFT_DEFAULT_TIMEOUT
	echo $((t * ${KSELFTEST_TIMEOUT_SCALE:-1}))
}

# ksft_run_one COLLECTION TEST NUM: run one test, print its result line.
ksft_run_one()
{
	local c=$1 t=$2 n=$3 hdr="selftests: $1: $2" secs var args rc

	secs=$(ksft_timeout "$c")
	var=KSELFTEST_$(tr -c '[:alnum:]\n' '_' <<<"$t" | tr '[:lower:]' '[:upper:]')_ARGS
	args=${!var:-}
	echo "# $hdr"
	if [ ! -x "$BASE_DIR/$c/$t" ]; then
		echo "# $c/$t: missing or not executable"
		echo "not ok $n $hdr"
		return 1
	fi
	# shellcheck disable=SC2086 # the arguments are words
	(cd "$BASE_DIR/$c" && timeout --kill-after=10 "$secs" "./$t" $args) 2>&1 |
		sed -u 's/^/# /' >>"${KSELFTEST_LOG:-/dev/stdout}"
	rc=${PIPESTATUS[0]}
	case $rc in
	0) echo "ok $n $hdr" ;;
	"$KSFT_SKIP_RC") echo "ok $n $hdr # SKIP" ;;
	"$KSFT_TIMEOUT_RC" | 137)
		echo "not ok $n $hdr # TIMEOUT $secs seconds"
		return 1 ;;
	*)
		echo "not ok $n $hdr # exit=$rc"
		return 1 ;;
	esac
}

# ksft_run_many COLLECTION TEST...: one TAP document for the collection.
# Status 1 if any test failed.
ksft_run_many()
{
	local c=$1 n=0 rc=0 t
	shift

	echo "TAP version 13"
	echo "1..$#"
	for t; do
		n=$((n + 1))
		ksft_run_one "$c" "$t" "$n" || rc=1
	done
	return $rc
}
