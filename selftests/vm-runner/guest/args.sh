#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest side of test_runner.sh case (f).
#   args.sh OUTFILE ARGS...
# Writes the guest's working directory and then each of ARGS to OUTFILE,
# each terminated by a NUL byte, for the host to compare byte for byte.
out=$1
shift
printf '%s\0' "$PWD" "$@" >"$out"
echo "vm-runner-args: $# args"
