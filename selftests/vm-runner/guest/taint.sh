#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest side of test_runner.sh case (g): succeed, with the kernel tainted W
# (as by a WARN) but no report in its log: the taint check must fail the run.
echo 512 >/proc/sys/kernel/tainted
echo "vm-runner-taint: exiting with 0"
exit 0
