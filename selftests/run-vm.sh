#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The guest side of "make check": runs every kernel selftest in this VM, one
# after the other, each printing TAP. Exit status: non-zero if any failed.
# tools/check counts the ok/not ok lines.
#
# usage: selftests/run-vm.sh [--part K/N | --lane K/N [--preload "S1 ... SN"]]
#                            [[VAR=VALUE...] TEST...]
#   (default: all of them; --part K/N: the Kth of N parts of the list, every
#   Nth suite from the Kth on, so that a slow kernel can run it in pieces;
#   --lane K/N: the Kth of N lanes of about equal time, by the suites'
#   measured seconds (SECS below), for VMs that run side by side; --preload:
#   the seconds each lane has to run besides, e.g. another boot)
#
# A test may be preceded by environment settings for it alone, e.g.
# "TOPO_OFFLOADS=on datapath/test_vnic.sh" (one argument, or two).
# The data path's own suites run twice: with the devices' offloads off,
# then on (datapath/topo.sh, TOPO_OFFLOADS); see below.
set -u
cd "$(dirname "$0")"

TESTS=(
	module/test_lifecycle.sh
	module/test_vnicctl.sh
	"CYCLES=10 module/test_cycles.sh"
	module/test_kselftest_run.sh
	genl/run.sh
	control/test_apply.sh
	control/test_cli.sh
	control/test_big_tables.sh
	agent/test_agent.sh
	agent/test_agent_xdp.sh
	steer/test_cpumap.sh
	steer/test_pins.sh
	datapath/test_topo.sh
	datapath/test_vnic.sh
	"TOPO_OFFLOADS=on datapath/test_security.sh"
	"TOPO_OFFLOADS=on datapath/test_gateways.sh"
	"TOPO_OFFLOADS=on datapath/test_robust.sh"
	datapath/test_nonlinear.sh
	"TOPO_OFFLOADS=on datapath/test_icmp_errors.sh"
	datapath/test_ipv6.sh
	datapath/test_churn.sh
	datapath/test_monitor.sh
	datapath/test_conntrack.sh
	"FUZZ_PACKETS=25000 TOPO_OFFLOADS=on fuzz/test_pktfuzz.sh"
	cluster/test_etcd_agent.sh
	cluster/test_cluster_nl.sh
	"TOPO_OFFLOADS=on cluster/test_owner.sh"
	"TOPO_OFFLOADS=on cluster/test_failures.sh"
	cluster/test_forged.sh
	cluster/test_auth.sh
	"TOPO_OFFLOADS=on cluster/test_ecmp.sh"
	cluster/test_bird.sh
	cluster/test_frr.sh
	cluster/test_bgp_health.sh
	"FUZZ_MSGS=15000 fuzz/test_nlfuzz.sh"
)
# cluster/test_exit_race.sh is not in this list: it wants a boot of its own
# with freed memory poisoned (tools/check runs it that way).
# Offloads off, then on, for the suites whose subject is how the data path
# handles the instances' own traffic (VNIC to VNIC, non-linear skbs, IPv6):
# devices with and without checksum offload, GSO and GRO both exist.
# Offloads on only (Linux's defaults: what a host runs) for the security
# rules and the gateways (their packets take the paths test_vnic and
# test_nonlinear check both ways; both suites ran both ways until make
# check grew past 45 minutes), and for the suites whose subject is
# elsewhere: the parser fed crafted packets
# from UDP sockets, which device offloads do not change (the robustness
# suite, the packet fuzzer: make fuzz runs it both ways, with a million
# packets), the translation of ICMP errors, the cluster's owners and its
# TOR (test_owner, test_ecmp). Once, as they are: test_topo (it checks the test bed's
# captured checksums), test_churn and test_monitor (the control plane),
# test_conntrack (the tables' listing), the cluster's control-plane suites.
# datapath/test_trace.sh, datapath/test_flowlogs.sh and
# bench/test_receiver.sh are not in this list either: tools/check runs them
# in the exit-race boot, beside this one (make check's time).
for t in "${TESTS[@]}"; do
	case $t in
	datapath/test_vnic.sh | datapath/test_nonlinear.sh | datapath/test_ipv6.sh)
		TESTS+=("TOPO_OFFLOADS=on $t") ;;
	esac
done
# k_of_n OPTION VALUE: VALUE is K/N with 1 <= K <= N, or exit 2 saying so.
k_of_n()
{
	[[ $2 =~ ^([0-9]+)/([0-9]+)$ ]] && [ "${BASH_REMATCH[1]}" -ge 1 ] &&
		[ "${BASH_REMATCH[1]}" -le "${BASH_REMATCH[2]}" ] && return 0
	echo "run-vm.sh: $1 wants K/N with 1 <= K <= N, not '$2'" >&2
	exit 2
}
part= lane= preload=
if [ "${1:-}" = --lane ]; then
	lane=${2:-}
	shift 2 || shift
	if [ "${1:-}" = --preload ]; then
		preload=${2:-}
		shift 2 || shift
	fi
	k_of_n --lane "$lane"
fi
if [ "${1:-}" = --part ]; then
	part=${2:-}
	shift 2 || shift
	k_of_n --part "$part"
fi
if [ $# -gt 0 ]; then
	TESTS=()
	pending=
	for a; do
		case $a in
		*=*/*) TESTS+=("$a") ;;		# "VAR=VALUE TEST" as one word
		*=*) pending+="$a " ;;
		*) TESTS+=("$pending$a"); pending= ;;
		esac
	done
fi
# Seconds per suite in make check's two VMs side by side (Debian's
# kernel, a 2-CPU machine, 2026-12-07); a suite not listed counts 60.
declare -A SECS=(
	[module/test_lifecycle.sh]=36 [module/test_vnicctl.sh]=37
	["CYCLES=10 module/test_cycles.sh"]=68 [module/test_kselftest_run.sh]=44
	[genl/run.sh]=30 [control/test_apply.sh]=110 [control/test_cli.sh]=40
	[control/test_big_tables.sh]=213 [agent/test_agent.sh]=79
	[agent/test_agent_xdp.sh]=36 [steer/test_cpumap.sh]=46 [steer/test_pins.sh]=41
	[datapath/test_topo.sh]=81 [datapath/test_vnic.sh]=77
	["TOPO_OFFLOADS=on datapath/test_vnic.sh"]=84
	["TOPO_OFFLOADS=on datapath/test_security.sh"]=146
	["TOPO_OFFLOADS=on datapath/test_gateways.sh"]=118
	["TOPO_OFFLOADS=on datapath/test_robust.sh"]=115
	[datapath/test_nonlinear.sh]=34 ["TOPO_OFFLOADS=on datapath/test_nonlinear.sh"]=35
	["TOPO_OFFLOADS=on datapath/test_icmp_errors.sh"]=45
	[datapath/test_ipv6.sh]=94 ["TOPO_OFFLOADS=on datapath/test_ipv6.sh"]=92
	[datapath/test_churn.sh]=84 [datapath/test_monitor.sh]=52
	[datapath/test_conntrack.sh]=77
	["FUZZ_PACKETS=25000 TOPO_OFFLOADS=on fuzz/test_pktfuzz.sh"]=115
	[cluster/test_etcd_agent.sh]=220 [cluster/test_cluster_nl.sh]=118
	["TOPO_OFFLOADS=on cluster/test_owner.sh"]=144 [cluster/test_forged.sh]=160
	["TOPO_OFFLOADS=on cluster/test_failures.sh"]=110
	[cluster/test_auth.sh]=250 ["TOPO_OFFLOADS=on cluster/test_ecmp.sh"]=341
	[cluster/test_bird.sh]=41 [cluster/test_frr.sh]=82
	[cluster/test_bgp_health.sh]=71 ["FUZZ_MSGS=15000 fuzz/test_nlfuzz.sh"]=18
)
if [ -n "$lane" ]; then
	# Longest first, each to the lane with the least so far (ties: the
	# first): every lane computes the same split.
	k=${lane%/*} n=${lane#*/}
	read -r -a load <<<"$preload"
	for ((j = 0; j < n; j++)); do load[j]=${load[j]:-0}; done
	declare -A to=()
	while read -r w i; do
		best=0
		for ((j = 1; j < n; j++)); do
			[ "${load[j]}" -lt "${load[best]}" ] && best=$j
		done
		load[best]=$((load[best] + w))
		to[$i]=$best
	done < <(for i in "${!TESTS[@]}"; do echo "${SECS[${TESTS[i]}]:-60} $i"; done |
		 sort -k1,1nr -k2,2n)
	all=("${TESTS[@]}") TESTS=()
	for i in "${!all[@]}"; do
		[ "${to[$i]}" -eq $((k - 1)) ] && TESTS+=("${all[i]}")
	done
	echo "# lane $lane: ${#TESTS[@]} of ${#all[@]} suites, about $((load[k - 1] / 60)) min (lanes: ${load[*]} s)"
fi
if [ -n "$part" ]; then
	k=${part%/*} n=${part#*/} all=("${TESTS[@]}") TESTS=()
	for i in "${!all[@]}"; do
		[ $((i % n)) -eq $((k - 1)) ] && TESTS+=("${all[i]}")
	done
	echo "# part $part: ${#TESTS[@]} of ${#all[@]} suites"
fi

# kmemleak_check NAME: with a kernel that has kmemleak (the debug kernel), a
# scan after each suite; an unreferenced object fails the suite (its report
# is printed), and the list is cleared for the next one.
KMEMLEAK=/sys/kernel/debug/kmemleak
kmemleak_check()
{
	local report

	[ -w "$KMEMLEAK" ] || return 0
	# Objects younger than 5 s are not reported yet; two scans, as the
	# kernel's documentation advises against transient false positives.
	sleep 5
	echo scan >"$KMEMLEAK" && echo scan >"$KMEMLEAK"
	report=$(cat "$KMEMLEAK")
	echo clear >"$KMEMLEAK"
	[ -z "$report" ] && return 0
	echo "not ok - kmemleak after $1: $(grep -c '^unreferenced object' <<<"$report") unreferenced objects"
	sed 's/^/#   /' <<<"$report" | head -n 200
	return 1
}

rc=0
for t in "${TESTS[@]}"; do
	echo "# ---- $t"
	start=$(date +%s)
	read -r -a words <<<"$t"
	n=${#words[@]}
	if ! env "${words[@]:0:n-1}" "./${words[n-1]}"; then
		echo "# ---- $t FAILED"
		rc=1
	fi
	kmemleak_check "$t" || rc=1
	echo "# ---- $t: $(($(date +%s) - start)) s"
done
exit $rc
