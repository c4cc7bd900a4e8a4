#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest side of test_runner.sh case (e): succeed, but leave a kernel WARNING in
# the log (faked through /dev/kmsg); tools/vm must fail the run anyway.
echo '<4>WARNING: CPU: 0 PID: 1 at vnicgw-selftest' >/dev/kmsg
echo "vm-runner-warn: exiting with 0"
exit 0
