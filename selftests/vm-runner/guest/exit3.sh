#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest side of test_runner.sh case (b): the script's own failure status.
echo "vm-runner-exit3: exiting with 3"
exit 3
