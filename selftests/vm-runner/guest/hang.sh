#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest side of test_runner.sh case (d): never finish (the host's --timeout must).
echo "vm-runner-hang: sleeping"
sleep 600
exit 0
