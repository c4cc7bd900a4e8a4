#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The cluster behind a real ECMP TOR, in the VM: three vnicgw hosts (each a
# namespace with its link, its VIPs on lo and its agent on etcd), a TOR
# namespace with one multipath route for the VIPs (L4 hash), instances
# behind Linux VXLAN and Geneve NVDs, an internet gateway and a NAT gateway
# on the access segment. Security rules are stateful: a flow's packets land
# on whichever host the TOR picks, and the hosts hand each stateful packet
# to its flow's owner.
#
# Proves: the TOR's route is multipath with the L4 policy; 250 flows spread
# over every host in service, none takes all; VNIC to VNIC and the internet
# gateway work both ways, and the NAT gateway out, whichever host ECMP
# picks; a change written to etcd
# reaches every kernel; an agent SIGKILLed and restarted, and etcd SIGKILLed
# and restarted, under a live TCP stream: traffic keeps flowing and the
# agents resume; host_withdraw moves all new traffic off a host, host_add
# brings it (and a new fourth host) in, host_kill takes a failed host out;
# the kernel log stays clean.
#
# Runs in the VM: tools/vm run --mem 4G selftests/run-vm.sh cluster/test_ecmp.sh
set -u
# A killed host's namespace takes seconds to tear down in the TCG guest, and
# once stalled every agent's etcd keepalive long enough for all leases (5 s)
# to expire at once: members' leases of 10 s, a stream that waits 30 s for
# an answer and a check that gives it 60 s, room for the failover.
CL_MEMBER_TTL=${CL_MEMBER_TTL:-10}
CL_STREAM_TIMEOUT=30000
CL_STREAM_WAIT=60
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib.sh
. "$here/../lib.sh"
# shellcheck source=topo.sh
. "$here/topo.sh"

FLOWS=250

tap_begin

# spread_ok BEFORE AFTER N...: the tunnel counters of hosts N grew, and no
# host took all of it (BEFORE/AFTER: cluster_rx lines). SPREAD: the deltas.
spread_ok()
{
	local b=$1 a=$2 n d sum=0 max=0

	shift 2
	SPREAD=
	for n; do
		d=$(($(_rx_of "$a" "$n") - $(_rx_of "$b" "$n")))
		SPREAD+="h$n:+$d "
		[ "$d" -gt 0 ] || return 1
		sum=$((sum + d))
		[ "$d" -gt "$max" ] && max=$d
	done
	[ "$max" -lt "$sum" ]
}

# kernels_without_h3: the kernels of h1, h2, h4 have h1, h2, h4 as members.
kernels_without_h3()
{
	local n

	for n in 1 2 4; do
		[ "$(nsx "h$n" vnicctl -j cluster | jq -r '[.members[].id] | join(",")')" = \
			"h1,h2,h4" ] || return 1
	done
}

# _rx_of LINE N: host N's counter in a cluster_rx line (0 if absent).
_rx_of()
{
	local kv

	for kv in $1; do
		[ "${kv%%=*}" = "$2" ] && { echo "${kv#*=}"; return; }
	done
	echo 0
}

# burst NS DST PORT: FLOWS UDP flows, then wait until the server saw at
# least 90% of them (returns how many arrived in ARRIVED).
burst()
{
	local srv=$1 n=$2 dst=$3 port=$4 before

	before=$(served "$srv" udp "$port" | wc -l)
	udp_flows "$n" "$dst" "$port" "$FLOWS" || return 1
	wait_for 15 eval "[ \$(( \$(served $srv udp $port | wc -l) - $before )) -ge $((FLOWS * 9 / 10)) ]"
	ARRIVED=$(( $(served "$srv" udp "$port" | wc -l) - before ))
	[ "$ARRIVED" -ge $((FLOWS * 9 / 10)) ]
}

# many NAME COUNT REGEX CMD...: COUNT exchanges (new connections, so new
# source ports and new ECMP choices), each answer matching REGEX.
many()
{
	local desc=$1 count=$2 want=$3 i out good=0

	shift 3
	for ((i = 0; i < count; i++)); do
		out=$("$@" --timeout 4000 2>&1) && grep -Eq -- "^($want)\$" <<<"$out" &&
			good=$((good + 1))
	done
	expect_eq "$desc ($count connections)" "$count" "$good"
	[ "$good" -eq "$count" ] || cluster_drops | diag
}

# cluster_drops: every host's non-zero drop counters and cluster counters.
cluster_drops()
{
	local n

	for n in $(_cl_host_numbers); do
		echo "h$n: $(nsx "h$n" vnicctl -j stats | jq -c '(.drops | with_entries(select(.value > 0))), (.vnics | map_values({conns, drops: (.drops | with_entries(select(.value > 0)))}))' | xargs) limits $(nsx "h$n" vnicctl -j show | jq -c '[.vnics[] | {(.id): .conntrack_limit}] | add') $(nsx "h$n" vnicctl -j cluster | jq -c .counters)"
	done
}

# --- the cluster and the desired state ---------------------------------------------

t0=$SECONDS
if ! cluster_up 3; then
	echo "Bail out! cluster_up failed"
	exit 1
fi
topo_vcn vcn-a 10.1.0.0/16
# Stateful rules: a reply passes only where its connection is tracked, so
# every path below works only because each flow is processed by its owner,
# whichever host the TOR picks for each direction.
topo_seclist sl vcn-a \
	ingress "$(rule source=0.0.0.0/0 protocol=tcp dst_ports=7000)" \
		"$(rule source=0.0.0.0/0 protocol=udp dst_ports=7000-7001)" \
	egress "$(rule destination=0.0.0.0/0 protocol=all)"
topo_gateway igw-a vcn-a internet 10.0.0.100 9001 host=198.18.0.10/24
topo_gateway nat-a vcn-a nat 10.0.0.101 9002 public_ip=198.51.100.10 host=198.19.0.10/24
topo_route_table rt-pub vcn-a 0.0.0.0/0=igw-a
topo_route_table rt-priv vcn-a 0.0.0.0/0=nat-a
topo_subnet pub vcn-a 10.1.1.0/24 rt=rt-pub sl=sl
topo_subnet priv vcn-a 10.1.2.0/24 rt=rt-priv sl=sl
topo_vnic a1 pub 10.1.1.5 1001 10.0.0.21 vip=10.0.100.1 public_ip=203.0.113.5
topo_vnic a2 pub 10.1.1.6 1002 10.0.0.22 vip=10.0.100.2 encap=geneve public_ip=203.0.113.6
topo_vnic b1 priv 10.1.2.5 1003 10.0.0.23 vip=10.0.100.3
if cluster_apply; then
	ok "vnicctl apply --etcd: the agents of h1, h2, h3 make their kernels equal to the document"
else
	not_ok "vnicctl apply --etcd: the agents of h1, h2, h3 make their kernels equal to the document"
	echo "Bail out! no state in the kernels"
	exit 1
fi
echo "cluster up and applied in $((SECONDS - t0)) s" | diag

# --- the TOR -------------------------------------------------------------------

expect_eq "the TOR has one multipath route for the VIPs over h1, h2, h3" \
	"10.0.1.2 10.0.2.2 10.0.3.2" "$(tor_nexthops)"
expect_eq "... hashing L4 (net.ipv4.fib_multipath_hash_policy = 1)" 1 \
	"$(nsx ul cat /proc/sys/net/ipv4/fib_multipath_hash_policy)"
expect_eq "... and forwarding" 1 "$(nsx ul cat /proc/sys/net/ipv4/ip_forward)"

serve a1 tcp 7000 a2 tcp 7000 a2 udp 7000 b1 udp 7000 \
	igw-a-host tcp 7000 nat-a-host tcp 7000 a1 udp 7001 || exit 1
pings a1 10.1.1.6 >/dev/null	# ARP for the router, both instances

# --- flows spread over the hosts ------------------------------------------------

rx0=$(cluster_rx)
if burst a2 a1 10.1.1.6 7000; then
	ok "$FLOWS UDP flows a1 -> a2 (VXLAN to Geneve) arrive ($ARRIVED)"
else
	not_ok "$FLOWS UDP flows a1 -> a2 (VXLAN to Geneve) arrive (${ARRIVED:-0})"
	cluster_drops | diag
	nsx ul nstat -az 2>/dev/null | grep -E 'Drop|Discard|Error|Overflow' | grep -v ' 0 ' | diag
fi
rx1=$(cluster_rx)
if spread_ok "$rx0" "$rx1" 1 2 3; then
	ok "... spread by the TOR: every host's tunnel counter grows, none takes all (${SPREAD})"
else
	not_ok "... spread by the TOR: every host's tunnel counter grows, none takes all (${SPREAD})"
	printf 'before: %s\nafter:  %s\n' "$rx0" "$rx1" | diag
fi

# --- every path works whichever host ECMP picks ------------------------------------

many "VNIC to VNIC, a1 -> a2 over TCP: every connection answered" 20 'a2 10\.1\.1\.5 [0-9]+' \
	tcp a1 10.1.1.6 7000
many "VNIC to VNIC, a2 -> a1 over TCP: every connection answered" 20 'a1 10\.1\.1\.6 [0-9]+' \
	tcp a2 10.1.1.5 7000
many "across subnets, b1 -> a2 over UDP: every flow answered" 20 'a2 10\.1\.2\.5 [0-9]+' \
	udp b1 10.1.1.6 7000
many "internet gateway out: a1 -> the internet host, seen from a1's public IP" 20 \
	'igw-a-host 203\.0\.113\.5 [0-9]+' tcp a1 198.18.0.10 7000
many "internet gateway in: the internet host -> a1's public IP" 20 \
	'a1 198\.18\.0\.10 [0-9]+' udp igw-a-host 203.0.113.5 7001
many "NAT gateway out: b1 -> the internet host, seen from the gateway's public IP" 20 \
	'nat-a-host 198\.51\.100\.10 [0-9]+' tcp b1 198.19.0.10 7000
rx2=$(cluster_rx)
if spread_ok "$rx1" "$rx2" 1 2 3; then
	ok "... and those connections went through every host (${SPREAD})"
else
	not_ok "... and those connections went through every host (${SPREAD})"
fi

# --- a change in etcd reaches every kernel ----------------------------------------------

topo_jq '(.vnics[] | select(.id == "a1") | .conntrack_limit) = 7777'
vnicctl apply --etcd "$ETCD_URL" --etcd-prefix "$CL_PREFIX" "$(topo_doc)" >/dev/null
cl_within "a change written to etcd reaches the kernel of every host (vnicctl show)" 15 \
	cluster_all_same
expect_match "... h3's kernel shows it" '"conntrack_limit": *7777' \
	"$(nsx h3 vnicctl -j show vnic a1)"

# --- an agent SIGKILLed and restarted mid-stream -------------------------------------------

if stream_start s1 a1 10.1.1.6 7000; then
	ok "a long TCP stream a1 -> a2 runs"
else
	not_ok "a long TCP stream a1 -> a2 runs"
fi
agent_kill 1 KILL
expect_ok "h1's agent SIGKILLed: the stream keeps flowing" stream_flowing s1
topo_jq '(.vnics[] | select(.id == "a1") | .conntrack_limit) = 7778'
vnicctl apply --etcd "$ETCD_URL" --etcd-prefix "$CL_PREFIX" "$(topo_doc)" >/dev/null
cl_within "... a change meanwhile reaches h2 and h3" 15 \
	eval "cluster_same h2 && cluster_same h3"
agent_start 1
cl_within "h1's agent restarted: it resumes and catches up with the change" 20 cluster_same h1
expect_ok "... it says it loaded the document from etcd again" \
	test "$(grep -c 'loaded (etcd revision' "$TOPO_DIR/agent-h1.log")" -ge 2
expect_ok "... and the stream still flows" stream_flowing s1

# --- etcd SIGKILLed and restarted mid-stream ------------------------------------------------

cluster_etcd_kill
cl_within "etcd SIGKILLed: every agent notices the lost watch" 15 eval \
	"grep -q 'lost the etcd watch' $TOPO_DIR/agent-h1.log &&
	 grep -q 'lost the etcd watch' $TOPO_DIR/agent-h2.log &&
	 grep -q 'lost the etcd watch' $TOPO_DIR/agent-h3.log"
expect_ok "... the stream keeps flowing without etcd" stream_flowing s1
rx3=$(cluster_rx)
burst a2 a1 10.1.1.6 7000
rx4=$(cluster_rx)
if spread_ok "$rx3" "$rx4" 1 2 3; then
	ok "... and new flows still spread over every host (${SPREAD})"
else
	not_ok "... and new flows still spread over every host (${SPREAD})"
fi
if cluster_etcd_start; then
	ok "etcd restarted (same data)"
else
	not_ok "etcd restarted (same data)"
fi
topo_jq '(.vnics[] | select(.id == "a1") | .conntrack_limit) = 7779'
vnicctl apply --etcd "$ETCD_URL" --etcd-prefix "$CL_PREFIX" "$(topo_doc)" >/dev/null
cl_within "... the agents resume: a change after the restart reaches every kernel" 20 \
	cluster_all_same
expect_ok "... and the stream flowed throughout" stream_flowing s1

# --- drain: host_withdraw ---------------------------------------------------------

host_withdraw 2
expect_eq "host_withdraw 2: the TOR's route is h1, h3" "10.0.1.2 10.0.3.2" "$(tor_nexthops)"
expect_ok "... the stream keeps flowing" stream_flowing s1
rx5=$(cluster_rx)
nvd5=$(host_from_nvds 2)
burst a2 a1 10.1.1.6 7000
rx6=$(cluster_rx)
# h2 is still a member: the flows it owns are handed to it; nothing comes
# to it from the NVDs any more.
expect_eq "... $FLOWS new flows: nothing reaches h2 from the NVDs" 0 \
	$(($(host_from_nvds 2) - nvd5))
if spread_ok "$rx5" "$rx6" 1 3; then
	ok "... h1 and h3 take them all (${SPREAD})"
else
	not_ok "... h1 and h3 take them all (${SPREAD})"
fi

host_add 2 || not_ok "host_add 2: back in service"
if host_add 4; then
	ok "host_add 4: a new host, announced once its agent made its kernel equal to the document"
else
	not_ok "host_add 4: a new host, announced once its agent made its kernel equal to the document"
fi
expect_eq "... the TOR's route is h1..h4" \
	"10.0.1.2 10.0.2.2 10.0.3.2 10.0.4.2" "$(tor_nexthops)"
expect_ok "... the stream keeps flowing" stream_flowing s1
rx7=$(cluster_rx)
burst a2 a1 10.1.1.6 7000
rx8=$(cluster_rx)
if spread_ok "$rx7" "$rx8" 1 2 3 4; then
	ok "... $FLOWS new flows reach all four hosts (${SPREAD})"
else
	not_ok "... $FLOWS new flows reach all four hosts (${SPREAD})"
fi

# --- failure: host_kill --------------------------------------------------------------

host_kill 3
expect_eq "host_kill 3: the TOR's route is h1, h2, h4" \
	"10.0.1.2 10.0.2.2 10.0.4.2" "$(tor_nexthops)"
expect_ok "... the stream keeps flowing" stream_flowing s1
cl_within "... h3 leaves the members in etcd when its lease ends" $((CL_MEMBER_TTL + 30)) \
	eval "! vnicctl-etcd --etcd $ETCD_URL --etcd-prefix $CL_PREFIX members | grep -qx h3"
# Until then the flows h3 owned were handed to a dead host; now they are
# their backups'.
cl_within "... and every kernel's table is of h1, h2, h4" 15 kernels_without_h3
many "... VNIC to VNIC works again, new connections" 10 'a2 10\.1\.1\.5 [0-9]+' \
	tcp a1 10.1.1.6 7000
stream_stop s1

# --- the agents and the kernel log ------------------------------------------------

dead=
for n in 1 2 4; do
	_cl_exited "${CL_AGENT_PID[$n]}" && dead+=" h$n"
done
expect_eq "every agent started is still running (none crashed)" "" "$dead"
bad=$(dmesg | grep -E 'WARNING|BUG|Oops|general protection|refcount_t|suspected memory leak|lockdep|RCU stall' | head -n 5)
expect_eq "the kernel log has no warning, bug or oops" "" "$bad"

echo "test time $((SECONDS - t0)) s" | diag
tap_end
