#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs vnicgw's installed kselftests (make -C selftests install
# INSTALL_PATH=DIR), as the kernel's run_kselftest.sh runs its own: the
# tests of kselftest-list.txt ("collection:test" lines), a collection at a
# time, each printing TAP (kselftest/runner.sh). As root, with the module
# loadable: VGW_KO=path/vnicgw.ko, or modprobe vnicgw; the programs
# (vnicctl, vnicgw-agent, ...) on PATH.
#
# Exit status: 0 if every test passed or was skipped, 1 if one failed, 2 on
# a usage error.
set -u
BASE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$BASE_DIR/kselftest/runner.sh"

usage()
{
	cat <<U
usage: $0 [OPTIONS]
  -s | --summary                 only the result lines; the tests' output in output.log
  -t | --test COLLECTION:TEST    run TEST of COLLECTION (repeatable)
  -c | --collection COLLECTION   run every test of COLLECTION (repeatable)
  -l | --list                    list the available collection:test entries
  -d | --dry-run                 say what would run, run nothing
  -h | --help                    this text
U
	exit "$1"
}

list=${KSELFTEST_LIST:-$BASE_DIR/kselftest-list.txt}
if ! available=$(cat "$list" 2>/dev/null); then
	echo "$0: no list of tests ($list)" >&2
	exit 1
fi

wanted=() dryrun=0
while [ $# -gt 0 ]; do
	case $1 in
	-s | --summary)
		export KSELFTEST_LOG=$BASE_DIR/output.log
		: >"$KSELFTEST_LOG" ;;
	-t | --test)
		[ $# -ge 2 ] || usage 2
		if ! grep -qxF -- "$2" <<<"$available"; then
			echo "No such test '$2'" >&2
			exit 1
		fi
		wanted+=("$2")
		shift ;;
	-c | --collection)
		[ $# -ge 2 ] || usage 2
		if ! grep -q "^$2:" <<<"$available"; then
			echo "No such collection '$2'" >&2
			exit 1
		fi
		mapfile -t -O "${#wanted[@]}" wanted < <(grep "^$2:" <<<"$available")
		shift ;;
	-l | --list)
		echo "$available"
		exit 0 ;;
	-d | --dry-run) dryrun=1 ;;
	-h | --help) usage 0 ;;
	*) usage 2 ;;
	esac
	shift
done
[ ${#wanted[@]} -gt 0 ] && available=$(printf '%s\n' "${wanted[@]}")

rc=0
for c in $(cut -d: -f1 <<<"$available" | awk '!seen[$0]++'); do
	mapfile -t tests < <(grep "^$c:" <<<"$available" | cut -d: -f2-)
	if [ $dryrun -eq 1 ]; then
		echo "$c: ${tests[*]}"
		continue
	fi
	[ -w /dev/kmsg ] && echo "kselftest: Running tests in $c" >/dev/kmsg
	ksft_run_many "$c" "${tests[@]}" || rc=1
done
exit $rc
