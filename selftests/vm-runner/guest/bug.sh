#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest side of test_runner.sh's debug-kernel cases: load vm_runner_bugs.ko
# ($1) with bug=$2, then let kmemleak scan (its reports reach the kernel log
# only after a scan); exit 0 whatever happened: the kernel log decides.
insmod "$1" bug="$2" || echo "vm-runner-bug: insmod failed"
if [ "$2" = leak ] && [ -w /sys/kernel/debug/kmemleak ]; then
	sleep 6		# kmemleak reports objects older than 5 s
	echo scan >/sys/kernel/debug/kmemleak
	echo scan >/sys/kernel/debug/kmemleak
	head -n 20 /sys/kernel/debug/kmemleak
fi
echo "vm-runner-bug: planted $2, exiting with 0"
exit 0
