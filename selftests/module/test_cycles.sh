#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The module's lifecycle under load, many times over. Two vnicgw hosts in a
# cluster carry pings and TCP between two instances (each pinned to its own
# host, so stateful packets are handed between them) and through the NAT
# gateway, without pause, while the cycles in turn
#   - change the cluster's member set (the members' ids: the owners),
#   - create a namespace with a vnicgw link, its tables and a cluster, and
#     delete it,
#   - delete h2's link and make it again,
#   - remove the module with the traffic running and load it again,
# and after each, a new TCP connection must get through.
# Proves: every cycle's traffic gets through; no kernel report (the VM runner
# fails the run on any; under the debug kernel run-vm.sh also scans kmemleak
# after the suite, which finds a single lost object); the kernel's slab
# memory after the last cycle, with the module unloaded, is back to what it
# was after the warm-up cycles. SLUB's figures move by a few hundred kB
# whatever the module does (partial slabs, per-CPU slabs: plain namespaces
# alone do it), so this catches a leak of kilobytes a cycle (a table, a
# snapshot, a namespace's state), not of one object.
#
# CYCLES (default 100; make check runs 20), WARMUP (default 8).
set -u
DIR=$(dirname "$0")
. "$DIR/../lib.sh"
. "$DIR/../datapath/topo.sh"
. "$DIR/../datapath/traffic.sh"

CYCLES=${CYCLES:-100}
WARMUP=${WARMUP:-8}
VIPS=10.0.100.0/24
declare -A UL=([h1]=10.0.0.10 [h2]=10.0.0.11)

# slab_kb: the kernel's slab memory (reclaimable and not), after the RCU
# callbacks and the reclaimable caches of freed objects are gone.
slab_kb()
{
	sync
	echo 2 >/proc/sys/vm/drop_caches
	sleep 1
	awk '/^Slab:/ {print $2}' /proc/meminfo
}

# slab_snap NAME: the caches' sizes (bytes in use) into $TOPO_DIR/slab.NAME.
slab_snap()
{
	awk 'NR > 2 {print $1, $2 * $4}' /proc/slabinfo | sort >"$TOPO_DIR/slab.$1"
}

# slab_growth: the caches that grew between the snapshots, most first.
slab_growth()
{
	join "$TOPO_DIR/slab.base" "$TOPO_DIR/slab.end" |
		awk '$3 > $2 {print $1, "+" $3 - $2, "bytes"}' | sort -t+ -k2 -rn
}

# host_up HOST: the vnicgw side of a host again (the module was reloaded or
# its link deleted): gw0 up, the document, the cluster of this cycle.
host_up()
{
	local h=$1

	{ echo "link add gw0 type vnicgw"; echo "link set gw0 up"; } | in_ns "$h" &&
		nsx "$h" vnicctl apply "$DOC" >/dev/null
}

# cluster CYCLE: both hosts are members, under the ids h1 and h2 in odd
# cycles, n1 and n2 in even ones: another owner table, so the flows' owners
# and backups change and the hosts send each other their connections.
cluster()
{
	local p=h

	[ $(($1 % 2)) = 1 ] || p=n
	nsx h1 vnicctl cluster set --self ${p}1 --member ${p}1=${UL[h1]} \
		--member ${p}2=${UL[h2]} &&
		nsx h2 vnicctl cluster set --self ${p}2 --member ${p}1=${UL[h1]} \
			--member ${p}2=${UL[h2]}
}

# scratch CYCLE: a namespace with a vnicgw link, tables and a cluster,
# deleted with all of it in place.
scratch()
{
	ip netns add vgwt-scratch &&
		ip -n vgwt-scratch link add gw0 type vnicgw &&
		ip -n vgwt-scratch link set gw0 up &&
		ip netns exec vgwt-scratch vnicctl apply "$DOC" >/dev/null &&
		ip netns exec vgwt-scratch vnicctl cluster set --self s1 \
			--member s1=192.0.2.1 --member s2=192.0.2.2 &&
		ip netns del vgwt-scratch
}

SPORT=20000
through() # a new TCP connection a1 -> a2 (a new source port each time)
{
	SPORT=$((SPORT + 1))
	tcp a1 10.1.2.5 7000 --sport "$SPORT" --timeout 5000 >/dev/null 2>&1
}

tap_begin
topo_init 4 || { not_ok "topology"; tap_end; }
TOPO_UL_MTU=1600	# a handoff is the frame plus 76 bytes
topo_host h1 "${UL[h1]}"
topo_host h2 "${UL[h2]}"
topo_vcn vcn-a 10.1.0.0/16
topo_gateway nat-a vcn-a nat 10.0.0.101 9002 public_ip=198.51.100.10 host=198.18.0.10/24
topo_seclist sl vcn-a \
	ingress "$(rule source=10.1.0.0/16 protocol=tcp dst_ports=7000)" \
		"$(rule source=10.1.0.0/16 protocol=icmp)" \
	egress "$(rule destination=0.0.0.0/0 protocol=all)"
topo_route_table rt vcn-a 0.0.0.0/0=nat-a
topo_subnet s1 vcn-a 10.1.1.0/24 rt=rt sl=sl
topo_subnet s2 vcn-a 10.1.2.0/24 rt=rt sl=sl
topo_vnic a1 s1 10.1.1.5 1001 10.0.0.21 vip=10.0.100.1
topo_vnic a2 s2 10.1.2.5 1002 10.0.0.22 vip=10.0.100.2 encap=geneve
topo_apply || { not_ok "the document applies"; tap_end; }
DOC=$(topo_doc)
# Each instance's NVD reaches the VIPs through its own host; the gateway
# through h2.
ip -n vgwt-a1 route replace $VIPS via "${UL[h1]}"
ip -n vgwt-a2 route replace $VIPS via "${UL[h2]}"
ip -n vgwt-nat-a route replace $VIPS via "${UL[h2]}"
cluster 1 || { not_ok "the cluster"; tap_end; }
serve a2 tcp 7000 || { not_ok "servers"; tap_end; }
expect_ok "a1 -> a2 TCP before the cycles" through
expect_ok "a2 -> the NAT gateway's host before the cycles" pings a2 198.18.0.10

# The load: never stops, whatever the module is doing.
topo_bg ping-a1 a1 ping -q -i 0.02 10.1.2.5
topo_bg ping-a2 a2 ping -q -i 0.02 198.18.0.10
topo_bg ping-a2a1 a2 ping -q -i 0.02 10.1.1.5

fail=()
declare -A spent=()
# mark STEP: the time since the last mark goes to the step before.
last=$(date +%s%N)
mark()
{
	local now

	now=$(date +%s%N)
	spent[$step]=$(( ${spent[$step]:-0} + (now - last) / 1000000 ))
	last=$now
	step=$1
}
base= base_cycle= end_cycle=
t0=$(date +%s)
step=start
for i in $(seq 1 "$CYCLES"); do
	case $((i % 4)) in
	1)	mark cluster
		cluster "$i" || fail+=("$i:$step") ;;
	2)	mark namespace
		scratch || { fail+=("$i:$step"); ip netns del vgwt-scratch 2>/dev/null; } ;;
	3)	mark link
		{ ip -n vgwt-h2 link del gw0 && host_up h2 && cluster "$i"; } ||
			fail+=("$i:$step") ;;
	0)	mark rmmod
		rmmod vnicgw || { fail+=("$i:$step"); break; }
		# The slab with the module unloaded: after the warm-up, and
		# at the end.
		if [ -z "$base" ] && [ "$i" -ge "$WARMUP" ]; then
			slab_snap base; base=$(slab_kb) base_cycle=$i
		elif [ $((i + 4)) -gt "$CYCLES" ]; then
			slab_snap end; end=$(slab_kb) end_cycle=$i
		fi
		mark insmod
		{ load_module && host_up h1 && host_up h2 && cluster "$i"; } ||
			{ fail+=("$i:$step"); break; } ;;
	esac
	mark traffic
	through || fail+=("$i:$step")
done
mark end
secs=$(( $(date +%s) - t0 ))
echo "$CYCLES cycles in $secs s; ms per step: $(for k in "${!spent[@]}"; do printf '%s %s ' "$k" "${spent[$k]}"; done)" | diag
expect_eq "$CYCLES cycles under load: every step of every cycle worked" "" "${fail[*]}"
if [ -w /sys/kernel/debug/kmemleak ]; then
	# The debug kernel: KASAN's quarantine and the checkers' own records
	# make the slab grow by design; kmemleak's scan after the suite
	# (run-vm.sh) is the check, and an exact one.
	ok "slab back to its level after the warm-up # SKIP the debug kernel: kmemleak decides"
elif [ -n "$base" ] && [ -n "${end:-}" ]; then
	n=$((end_cycle - base_cycle))
	echo "slab: $base kB after cycle $base_cycle, $end kB after cycle $end_cycle ($(( (end - base) * 1024 / n )) bytes a cycle); the caches that grew most:" | diag
	slab_growth | head -8 | diag
	# 4 kB a cycle, or 512 kB in all, whichever is larger (see above).
	allow=$(( n * 4 ))
	[ "$allow" -lt 512 ] && allow=512
	expect_ok "slab back to its level after the warm-up (+$((end - base)) kB in $n cycles, at most +$allow kB)" \
		test $((end - base)) -le "$allow"
fi
tap_end
