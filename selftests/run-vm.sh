#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The guest side of "make check": runs every kernel selftest in this VM, one
# after the other, each printing TAP. Exit status: non-zero if any failed.
# tools/check counts the ok/not ok lines.
#
# usage: selftests/run-vm.sh [TEST...]   (default: all of them)
set -u
cd "$(dirname "$0")"

TESTS=(
	module/test_lifecycle.sh
	module/test_vnicctl.sh
	genl/run.sh
	control/test_apply.sh
	control/test_big_tables.sh
	agent/test_agent.sh
	agent/test_agent_xdp.sh
	steer/test_cpumap.sh
	datapath/test_topo.sh
	datapath/test_vnic.sh
	datapath/test_security.sh
	datapath/test_gateways.sh
	datapath/test_robust.sh
	datapath/test_ipv6.sh
	cluster/test_etcd_agent.sh
	cluster/test_cluster_nl.sh
	cluster/test_owner.sh
	cluster/test_forged.sh
	cluster/test_exit_race.sh
	cluster/test_ecmp.sh
	cluster/test_bird.sh
)
[ $# -gt 0 ] && TESTS=("$@")

rc=0
for t in "${TESTS[@]}"; do
	echo "# ---- $t"
	start=$(date +%s)
	if ! "./$t"; then
		echo "# ---- $t FAILED"
		rc=1
	fi
	echo "# ---- $t: $(($(date +%s) - start)) s"
done
exit $rc
