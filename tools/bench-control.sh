#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest side of "make bench-control": the control plane at scale.
set -eu
insmod "$VGW_KO"
vgw-ctl-bench "${1:-100000}" "${2:-100}"
rmmod vnicgw
