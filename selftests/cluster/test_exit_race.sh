#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A namespace's teardown while its workers run. Every host of a cluster has
# workers that read the cluster (its members and owner tables): the
# conntrack and NAT collectors (once a second, a slice of each table; an
# entry due for a refresh asks the owner table who owns it), and the resync
# after a table change. Tearing the namespace down must stop all of them
# before the cluster is freed: a collector that ran on into a freed cluster
# read its owner table through a freed pointer.
#
# How the test makes that visible without KASAN: the VM boots with
# slub_debug=P (run it as below), so a freed cluster is overwritten with
# 0x6b and a collector that reads it after the free follows a pointer of
# 0x6b6b6b6b6b6b6b6b: a general protection fault, which fails the run (and
# this test's own check of the kernel log). The window is widened on
# purpose: each host holds XR_RECORDS tracking entries and XR_NAT mappings
# (state records from a second member, "p", the ordinary way a backup gets
# them), waits until all of them are due for a refresh (CT_SYNC_PERIOD, 30
# s), and then, right after a table change (the resync walks everything),
# the namespaces are deleted together, in one batch. The last round unloads
# the module instead, with the hosts and their links still there.
#
# It is a race: without the fix a round hits it with some probability (a
# collector running, or starting, while the earlier namespaces' tables are
# being freed), not always (the first round hit it in the run that showed
# the bug: a GPF in gc_work -> ct_sync -> vgw_tx_udp); XR_ROUNDS rounds of
# XR_HOSTS hosts make a miss less likely. Under KASAN any round catches it.
#
#   VM_APPEND=slub_debug=P tools/vm run --mem 4G --timeout 900 \
#       selftests/run-vm.sh cluster/test_exit_race.sh
set -u
DIR=$(dirname "$0")
. "$DIR/../lib.sh"
. "$DIR/../datapath/topo.sh"

XR_HOSTS=${XR_HOSTS:-4}
XR_ROUNDS=${XR_ROUNDS:-2}
XR_RECORDS=${XR_RECORDS:-300000}
XR_NAT=${XR_NAT:-2000}
PEER=10.0.0.99

# host_ul N: the underlay address of host xN.
host_ul() { echo "10.0.0.$((10 + $1))"; }

# oopsed: the kernel log has a crash report (the runner checks it too).
oopsed()
{
	dmesg | grep -Eq 'general protection fault|BUG:|Oops|Call Trace|Poison overwritten'
}

# round_setup R: hosts x1..xN (gw0, the document, a cluster of itself and
# p), each filled with tracking entries and NAT mappings by p.
round_setup()
{
	local n h ul

	for ((n = 1; n <= XR_HOSTS; n++)); do
		h=x$n ul=$(host_ul $n)
		topo_host "$h" "$ul" || return
	done
	topo_apply || return
	# The hosts of the round before had these addresses with other MACs.
	ip -n vgwt-peer neigh flush all
	for ((n = 1; n <= XR_HOSTS; n++)); do
		h=x$n ul=$(host_ul $n)
		nsx "$h" vnicctl cluster set --self "$h" --member "$h=$ul" \
			--member "p=$PEER" || return
		# Every flow of a two-member cluster is this host's, as owner
		# or as backup: every record applies.
		nsx peer "$CRAFT" --from $PEER --to "$ul" --geneve 0 \
			--ct-rec a1,udp,10.1.1.5,1024,10.1.2.5,7000,3600 \
			--records "$XR_RECORDS" || return
		nsx peer "$CRAFT" --from $PEER --to "$ul" --geneve 0 \
			--nat-rec a1,udp,10.1.1.5,1024,198.18.0.10,7000,198.51.100.10,1024,3600 \
			--records "$XR_NAT" || return
	done
}

# entries H: "CT NAT" entries of host H.
entries()
{
	nsx "$1" vnicctl -j stats | jq -r '"\(.conntrack.entries) \(.nat.entries)"'
}

# gone N: host xN's exit ran (its underlay veth left the bridge with it).
gone()
{
	! ip -n vgwt-ul link show "${XR_PORT[$1]}" >/dev/null 2>&1
}

tap_begin
topo_init 4 || { not_ok "topology"; tap_end; }
_topo_ns peer && _topo_plug peer $PEER || { not_ok "the peer member"; tap_end; }
topo_vcn vcn-a 10.1.0.0/16
topo_seclist sl vcn-a egress "$(rule destination=0.0.0.0/0 protocol=all)"
topo_subnet sub vcn-a 10.1.0.0/16 sl=sl
topo_vnic a1 sub 10.1.1.5 1001 10.0.0.21 ct_limit=1048576 ||
	{ not_ok "the VNIC"; tap_end; }
oopsed && echo "the kernel log had a crash report before the test" | diag

declare -A XR_PORT
for ((r = 1; r <= XR_ROUNDS; r++)); do
	if ! round_setup; then
		not_ok "round $r: $XR_HOSTS hosts with a cluster and their state"
		break
	fi
	filled=yes
	for ((n = 1; n <= XR_HOSTS; n++)); do
		got=$(entries "x$n")
		read -r ct nat <<<"$got"
		# A loaded machine loses some of the records (the receive
		# backlog overflows): enough is a quarter of them.
		[ "${ct:-0}" -ge $((XR_RECORDS / 4)) ] && [ "${nat:-0}" -ge $((XR_NAT / 4)) ] ||
			{ filled="x$n has $got"; break; }
	done
	expect_eq "round $r: $XR_HOSTS hosts, each with up to $XR_RECORDS tracked connections and $XR_NAT NAT mappings from member p (at least a quarter)" \
		yes "$filled"
	echo "round $r: entries (CT NAT) of x1: $(entries x1)" | diag
	# Due for a refresh: the owner's collector sends them, every one asks
	# the owner table.
	sleep 32
	for ((n = 1; n <= XR_HOSTS; n++)); do
		# The host's port on the underlay bridge: its veth's peer.
		XR_PORT[$n]=$(ip -n vgwt-ul -o link show master br0 |
			awk -F': ' -v want="$(nsx "x$n" cat /sys/class/net/ul0/iflink)" \
				'$1 == want { sub(/@.*/, "", $2); print $2 }')
		# A table change: the resync walks every entry.
		nsx "x$n" vnicctl cluster set --self "x$n" --member "x$n=$(host_ul $n)" \
			--member "p=$PEER" --member "q=10.0.0.98" >/dev/null
	done
	if [ "$r" -lt "$XR_ROUNDS" ]; then
		for ((n = 1; n <= XR_HOSTS; n++)); do
			ip netns del "vgwt-x$n"
		done
		all_gone() { local n; for ((n = 1; n <= XR_HOSTS; n++)); do gone $n || return 1; done; }
		expect_ok "round $r: the $XR_HOSTS namespaces are deleted while their collectors and resync run" \
			wait_for 120 all_gone
	else
		expect_ok "round $r: the module unloads with the $XR_HOSTS hosts and their links still there" \
			rmmod vnicgw
		for ((n = 1; n <= XR_HOSTS; n++)); do
			ip netns del "vgwt-x$n"
		done
	fi
	keep=()
	for x in "${TOPO_NS[@]}"; do
		[[ $x == x* ]] || keep+=("$x")
	done
	TOPO_NS=("${keep[@]}") TOPO_HOSTS=()
	sleep 2
	if oopsed; then
		not_ok "round $r: no crash report in the kernel log"
		dmesg | grep -E -A12 'general protection fault|BUG:|Oops|Poison overwritten' | head -40 | diag
		break
	fi
	ok "round $r: no crash report in the kernel log"
done
tap_end
