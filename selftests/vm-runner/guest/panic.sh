#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest side of test_runner.sh case (c): crash the kernel (sysrq c panics it;
# panic=-1 then resets and qemu, run with -no-reboot, exits).
echo "vm-runner-panic: crashing the kernel"
echo c >/proc/sysrq-trigger
echo "vm-runner-panic: still alive?!"
exit 0
