#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs the C netlink selftests with the module loaded. Runs in the VM.
set -u
. "$(dirname "$0")/../lib.sh"
trap unload_module EXIT
load_module || exit 1
"$VGW_ROOT/build/selftests/genl/genl_strict"
