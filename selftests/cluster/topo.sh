# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# topo.sh: a vnicgw cluster in network namespaces, behind a TOR that does
# real ECMP. Built on ../datapath/topo.sh (the document, the instances and
# their NVDs, the gateways) and ../datapath/traffic.sh (servers, clients,
# captures); this file adds what a cluster has and one host does not:
#
#   cluster_up [NHOSTS]       the TOR, the management bridge, etcd, and hosts
#                             h1..hNHOSTS (default 3) in service
#   host_add N                host hN: namespace, underlay link to the TOR,
#                             gw0 and the VIPs, its agent; into the TOR's
#                             multipath route once its kernel holds the
#                             document (a host that exists: back into
#                             service, its agent started if it is not running)
#   host_withdraw N           out of the TOR's route only
#   host_drain N              out of the TOR's route, then out of the member
#                             set (SIGUSR1 to its agent: it hands over)
#   cluster_settled           every running agent's host is a member in every
#                             kernel (host_add and cluster_apply wait for it)
#   host_kill N               SIGKILL its agent, delete its namespace (and so
#                             its link), out of the TOR's route
#   agent_kill N / agent_start N    the agent of hN alone
#   cluster_etcd_kill / cluster_etcd_start   etcd alone (same data, same URLs)
#   cluster_apply             the document into etcd (vnicctl apply --etcd),
#                             then wait until every host's kernel holds it
#   cluster_same hN           hN's kernel holds the document
#   host_rx N                 tunnel packets hN received (vnicctl -j stats:
#                             the sum over its CPUs); cluster_rx: all hosts
#   tor_nexthops              the TOR's nexthops for the VIP prefix
#   stream_start NAME NS DST PORT / stream_count NAME / stream_flowing NAME
#                             a long-running TCP connection (one line every
#                             0.1 s, each answered) and its progress (alive,
#                             5 more answers within 20 s)
#   udp_flows NS DST PORT COUNT     COUNT UDP datagrams, each from a new socket
#                             (a new source port: a new flow, a new outer
#                             UDP source port at the NVD)
#   cl_within DESC SECS CMD   TAP: CMD succeeds within SECS seconds
#   cluster_down              (on EXIT) every process started here, by pid;
#                             every namespace and link; the module
#
# The picture (IPv4 underlay):
#
#   vgwt-ul = the TOR: ip_forward, fib_multipath_hash_policy=1 (L4 hash)
#     br0 10.0.0.1/24 - the access segment: NVDs (instances) and gateways,
#                        VIPs routed via 10.0.0.1
#     hN  10.0.N.1/24 - a veth to host hN (ul0 10.0.N.2/24, default route
#                        via 10.0.N.1)
#     10.0.100.0/24 nexthop via 10.0.1.2 nexthop via 10.0.2.2 ...  (hosts in
#                        service)
#   vgwt-mgmt (a bridge in the root namespace, 10.99.0.1/24): etcd listens
#     there; host hN's "mgmt" veth is 10.99.0.1N; the agents run in the
#     hosts' namespaces (--netns) and reach etcd over it.
#
# Source after ../lib.sh. Every process is stopped by its pid; cluster_down
# is the EXIT trap.

CL_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CL_TOP=$VGW_ROOT	# (set by ../lib.sh)
# shellcheck source=../datapath/topo.sh
. "$CL_DIR/../datapath/topo.sh"
# shellcheck source=../datapath/traffic.sh
. "$CL_DIR/../datapath/traffic.sh"
# shellcheck source=../../user/tests/etcd_lib.sh
. "$CL_TOP/user/tests/etcd_lib.sh"

CL_TOR_IP=10.0.0.1		# the TOR on the access segment (br0)
CL_HOST_MTU=1600		# TOR <-> host links (the access segment: 1500)
CL_MGMT_BR=vgwt-mgmt
CL_MGMT_IP=10.99.0.1
CL_PREFIX=${CL_PREFIX:-/vgwt-cluster/}
CL_MEMBER_TTL=${CL_MEMBER_TTL:-5}
# Extra agent options for every host.
CL_AGENT_ARGS=()

# cl_within DESC SECS CMD...: CMD succeeds within SECS seconds (polled).
cl_within()
{
	local desc=$1 secs=$2

	shift 2
	if wait_for "$secs" "$@"; then
		ok "$desc"
	else
		not_ok "$desc"
		echo "not true after ${secs}s: $*" | diag
	fi
}

# cluster_up [NHOSTS]: underlay with the TOR, management bridge, etcd, and
# NHOSTS hosts (default 3), each with its agent, all in service.
cluster_up()
{
	local n nhosts=${1:-3}

	declare -gA CL_AGENT_PID=() CL_IN_SERVICE=() CL_DRAINED=()
	CL_APPLIED=
	topo_init 4 || return
	trap cluster_down EXIT
	# The underlay namespace is the TOR: a router, not a bridge. Its L4
	# hash puts the outer UDP source port (the inner flow) in the choice.
	TOPO_VIP_VIA=$CL_TOR_IP
	ip -n vgwt-ul addr add "$CL_TOR_IP/$TOPO_UL_LEN" dev br0 || return
	nsx ul sh -c 'echo 1 >/proc/sys/net/ipv4/ip_forward &&
		echo 1 >/proc/sys/net/ipv4/fib_multipath_hash_policy &&
		echo 1 >/proc/sys/net/ipv6/fib_multipath_hash_policy &&
		echo 0 >/proc/sys/net/ipv4/conf/all/rp_filter &&
		echo 0 >/proc/sys/net/ipv4/conf/default/rp_filter' || return
	ip link add "$CL_MGMT_BR" type bridge || return
	ip addr add "$CL_MGMT_IP/24" dev "$CL_MGMT_BR" &&
	ip link set "$CL_MGMT_BR" up || return
	CL_ETCD_PORT=$(free_port) || return
	cluster_etcd_start || return
	for ((n = 1; n <= nhosts; n++)); do
		host_add "$n" || return
	done
}

cluster_etcd_start()
{
	etcd_start "$TOPO_DIR/etcd" \
		"http://127.0.0.1:$CL_ETCD_PORT,http://$CL_MGMT_IP:$CL_ETCD_PORT"
}

# cluster_etcd_kill: SIGKILL etcd (its data stays for cluster_etcd_start).
cluster_etcd_kill() { etcd_stop KILL; }

_cl_exists() { [ -e "/run/netns/vgwt-h$1" ]; }

# host_add N: build host hN if it does not exist, start its agent if it is
# not running, and put it into the TOR's multipath route.
host_add()
{
	local n=$1 h=h$1

	if ! _cl_exists "$n"; then
		_topo_ns "$h" || return
		# Host links take a handoff (the frame + 76 bytes: outer IPv4,
		# UDP, Geneve and vnicgw's option) of a full-size instance frame.
		ip -n vgwt-ul link add "$h" mtu "$CL_HOST_MTU" type veth peer name ul0 \
			mtu "$CL_HOST_MTU" netns "vgwt-$h" || return
		in_ns ul <<-EOF || return
			addr add 10.0.$n.1/24 dev $h
			link set $h up
		EOF
		ip link add "vgwt-m$n" type veth peer name mgmt netns "vgwt-$h" &&
		ip link set "vgwt-m$n" master "$CL_MGMT_BR" up || return
		in_ns "$h" <<-EOF || return
			addr add 10.0.$n.2/24 dev ul0
			link set ul0 up
			route add default via 10.0.$n.1
			addr add $CL_MGMT_IP$n/24 dev mgmt
			link set mgmt up
		EOF
		# Offloads as topo.sh's underlay has them (TOPO_OFFLOADS).
		topo_offloads "$h" ul0 veth && topo_offloads ul "$h" veth || return
		TOPO_UL_IP[$h]=10.0.$n.2	# (topo.sh reads it)
		_topo_host_setup "$h" || return
	fi
	if [ -z "${CL_AGENT_PID[$n]:-}" ] || _cl_exited "${CL_AGENT_PID[$n]}"; then
		agent_start "$n" || return
	fi
	# Announced only once its kernel holds the document (as a VIP
	# announcer is ordered after the agent's first apply): no flow is
	# sent to a host with empty tables.
	if [ -n "${CL_APPLIED:-}" ] && ! wait_for 30 cluster_same "$h"; then
		echo "host_add $n: its kernel does not hold the document after 30 s" | diag
		tail -n 10 "$TOPO_DIR/agent-$h.log" | diag
		return 1
	fi
	# ... and once it is a member in every kernel, itself included (a
	# host hands flows only to hosts that know it, and takes handoffs
	# only from members; BIRD's announcement is ordered the same way).
	if [ -n "${CL_APPLIED:-}" ] && ! wait_for 30 cluster_settled; then
		echo "host_add $n: the kernels do not agree on the members after 30 s" | diag
		cluster_members | diag
		return 1
	fi
	CL_IN_SERVICE[$n]=1
	_cl_tor_route
}

# agent_start N: the agent of hN, in its namespace, on etcd over the
# management network; its log is $TOPO_DIR/agent-hN.log (appended).
agent_start()
{
	local n=$1

	vnicgw-agent --netns "vgwt-h$n" --link gw0 --interval 0.5 \
		--etcd "http://$CL_MGMT_IP:$CL_ETCD_PORT" --etcd-prefix "$CL_PREFIX" \
		--host-id "h$n" --underlay "10.0.$n.2" --member-ttl "$CL_MEMBER_TTL" \
		--owner-table "$TOPO_DIR/owners-h$n.json" "${CL_AGENT_ARGS[@]}" \
		>>"$TOPO_DIR/agent-h$n.log" 2>&1 </dev/null &
	CL_AGENT_PID[$n]=$!
	TOPO_PIDS+=("$!")
}

# agent_kill N [SIGNAL]: signal hN's agent (default KILL) and reap it.
agent_kill()
{
	local n=$1 sig=${2:-KILL} p=${CL_AGENT_PID[$1]:-}

	[ -n "$p" ] || return 0
	kill "-$sig" "$p" 2>/dev/null
	wait_for 10 _cl_exited "$p"
	kill -KILL "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	CL_AGENT_PID[$n]=
}

# _cl_exited PID: the child PID has exited (gone, or a zombie not reaped yet).
_cl_exited()
{
	local st

	st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 0
	[ -z "$st" ] || [ "$st" = Z ]
}

# host_withdraw N: the TOR stops sending to hN (the host keeps running).
host_withdraw()
{
	unset "CL_IN_SERVICE[$1]"
	_cl_tor_route
}

# host_kill N: hN fails: its agent SIGKILLed, its namespace (and with it its
# links) deleted; the TOR's route without it.
host_kill()
{
	local n=$1 h i keep=()

	agent_kill "$n" KILL
	ip netns del "vgwt-h$n" 2>/dev/null
	# The TOR's route at once: the veth goes when the namespace's cleanup
	# runs, seconds later on a loaded machine, and takes the multipath
	# route with it if that still names it.
	unset "CL_IN_SERVICE[$n]"
	_cl_tor_route
	wait_for 10 eval "! ip -n vgwt-ul link show h$n"
	for h in "${TOPO_HOSTS[@]}"; do
		[ "$h" = "h$n" ] || keep+=("$h")
	done
	TOPO_HOSTS=("${keep[@]}")
	for i in "${!TOPO_NS[@]}"; do
		[ "${TOPO_NS[i]}" = "h$n" ] && unset "TOPO_NS[i]"
	done
	TOPO_NS=("${TOPO_NS[@]}")
	unset "TOPO_UL_IP[h$n]"
}

# _cl_tor_route: the TOR's one route for the VIP prefix, over the hosts in
# service (deleting the last nexthop's device deletes a multipath route in
# Linux, so it is written whole each time).
_cl_tor_route()
{
	local n nh=()

	for n in $(printf '%s\n' "${!CL_IN_SERVICE[@]}" | sort -n); do
		nh+=(nexthop via "10.0.$n.2" dev "h$n")
	done
	if [ "${#nh[@]}" -eq 0 ]; then
		ip -n vgwt-ul route del "$TOPO_VIP_NET" 2>/dev/null
		return 0
	fi
	ip -n vgwt-ul route replace "$TOPO_VIP_NET" "${nh[@]}"
}

# tor_nexthops: "10.0.1.2 10.0.2.2 ..." - the TOR's route for the VIPs.
tor_nexthops()
{
	ip -n vgwt-ul route show "$TOPO_VIP_NET" |
		awk '{ for (i = 1; i < NF; i++) if ($i == "via") printf "%s%s", s, $(i + 1); s = " " } END { print "" }' |
		sed 's/^ *//'
}

# host_rx N: tunnel packets host hN received (all its CPUs), "none" if the
# counters cannot be read.
host_rx()
{
	nsx "h$1" vnicctl -j stats 2>/dev/null |
		awk 'BEGIN { n = 0; ok = 0 }
		     { ok = 1; s = $0
		       while (match(s, /"rx_packets": *[0-9]+/)) {
			       v = substr(s, RSTART, RLENGTH); sub(/.*: */, "", v); n += v
			       s = substr(s, RSTART + RLENGTH) } }
		     END { print ok ? n : "none" }'
}

# host_from_nvds N: packets host hN received from the instances' NVDs (the
# VNICs' out_packets there: a packet handed over by another host is counted
# where it arrived, not again at its owner).
host_from_nvds()
{
	nsx "h$1" vnicctl -j stats 2>/dev/null | jq '[.vnics[].out_packets] | add // 0'
}

# cluster_rx: "N=COUNT" for every existing host, on one line.
cluster_rx()
{
	local n out=()

	for n in $(_cl_host_numbers); do
		out+=("$n=$(host_rx "$n")")
	done
	echo "${out[*]}"
}

_cl_host_numbers()
{
	local h

	for h in "${TOPO_HOSTS[@]}"; do
		echo "${h#h}"
	done | sort -n
}

# cluster_apply: the document into etcd, every host's kernel equal to it
# within 30 s (a failure is printed as TAP diagnostics).
cluster_apply()
{
	local out h

	_doc_flush || return
	if ! out=$(vnicctl apply --etcd "$ETCD_URL" --etcd-prefix "$CL_PREFIX" "$TOPO_DOC" 2>&1); then
		{ echo "vnicctl apply --etcd failed:"; echo "$out"; } | diag
		return 1
	fi
	CL_APPLIED=1
	for h in "${TOPO_HOSTS[@]}"; do
		if ! wait_for 30 cluster_same "$h"; then
			echo "$h's kernel does not hold the document after 30 s" | diag
			tail -n 10 "$TOPO_DIR/agent-$h.log" | diag
			return 1
		fi
	done
	if ! wait_for 30 cluster_settled; then
		echo "the kernels do not agree on the members after 30 s:" | diag
		cluster_members | diag
		return 1
	fi
}

# host_drain N: hN leaves the TOR's route, then (SIGUSR1) its agent leaves
# the member set and its kernel hands what it holds to the others.
host_drain()
{
	host_withdraw "$1"
	sleep 1
	kill -USR1 "${CL_AGENT_PID[$1]}" || return
	CL_DRAINED[$1]=1
}

# cluster_members: each host's kernel view, "hN: self=ID members=A,B,...".
cluster_members()
{
	local h

	for h in "${TOPO_HOSTS[@]}"; do
		echo "$h: $(nsx "$h" vnicctl -j cluster 2>/dev/null |
			jq -r '"self=\(.self) members=\([.members[]?.id] | join(","))"')"
	done
}

# cluster_settled: every host whose agent runs and has not drained is a
# member in every such host's kernel, and knows it is one.
cluster_settled()
{
	local n ids=() want got

	for n in $(_cl_host_numbers); do
		_cl_member_host "$n" && ids+=("h$n")
	done
	want=$(IFS=,; echo "${ids[*]}")
	for n in $(_cl_host_numbers); do
		_cl_member_host "$n" || continue
		got=$(nsx "h$n" vnicctl -j cluster 2>/dev/null |
			jq -r '"\(.self) \([.members[]?.id] | sort | join(","))"') || return 1
		[ "$got" = "h$n $want" ] || return 1
	done
}

# _cl_member_host N: hN's agent runs and was not told to drain.
_cl_member_host()
{
	[ -n "${CL_AGENT_PID[$1]:-}" ] && ! _cl_exited "${CL_AGENT_PID[$1]}" &&
		[ -z "${CL_DRAINED[$1]:-}" ]
}

# cluster_same hN: the tables of hN equal the document (canonical JSON).
# The document's canonical form is kept with the text it was made from
# (_CL_DOC_RAW), so that polling this costs one read of the kernel.
cluster_same()
{
	local kernel raw

	_doc_flush || return
	raw=$(<"$TOPO_DOC") || return 1
	if [ "$raw" != "${_CL_DOC_RAW:-}" ] || [ -z "${_CL_DOC_CANON:-}" ]; then
		_CL_DOC_CANON=$(vnicctl -j validate "$TOPO_DOC" | jq -S .) || return 1
		_CL_DOC_RAW=$raw
	fi
	kernel=$(nsx "$1" vnicctl -j show | jq -S .) || return 1
	[ -n "$_CL_DOC_CANON" ] && [ "$kernel" = "$_CL_DOC_CANON" ]
}

# cluster_all_same: every host holds the document.
cluster_all_same()
{
	local h

	for h in "${TOPO_HOSTS[@]}"; do
		cluster_same "$h" || return 1
	done
}

# --- traffic ---------------------------------------------------------------------

# udp_flows NS DST PORT COUNT: COUNT datagrams "fI", each from a new socket
# (bash's /dev/udp: a new source port each, in one process).
udp_flows()
{
	# shellcheck disable=SC2016 # expanded by the inner bash
	nsx "$1" bash -c 'for ((i = 0; i < $3; i++)); do
		echo "f$i" >"/dev/udp/$1/$2" || exit 1; done' - "$2" "$3" "$4"
}

declare -A CL_STREAM_PID
# stream_start NAME NS DST PORT: one TCP connection that sends a line every
# 0.1 s and waits for each answer (10 s at most, then it ends: room for
# TCP's retransmissions after a lost packet on a loaded machine): its answers
# are counted in $TOPO_DIR/stream-NAME.log.
stream_start()
{
	local name=$1 n=$2 dst=$3 port=$4

	# shellcheck disable=SC2016 # expanded by the inner bash
	topo_bg "stream-$name" "$n" bash -c \
		'exec "$1" hold tcp "$2" "$3" --timeout "$4" < <(while sleep 0.1; do echo tick; done)' \
		- "$FLOW" "$dst" "$port" "${CL_STREAM_TIMEOUT:-10000}"
	CL_STREAM_PID[$name]=$TOPO_BG_PID
	wait_for 10 eval "[ \$(stream_count $name) -gt 0 ]"
}

# stream_count NAME: the answers the stream got so far.
stream_count()
{
	grep -c . "$TOPO_DIR/stream-$1.log" 2>/dev/null || echo 0
}

# stream_flowing NAME: the stream is alive and gets 5 more answers within
# 20 s (a tenth of what it asks for when the VM has its CPUs: the machine
# running it may be loaded).
stream_flowing()
{
	local c

	_cl_exited "${CL_STREAM_PID[$1]}" && return 1
	c=$(stream_count "$1")
	wait_for "${CL_STREAM_WAIT:-20}" eval "[ \$(stream_count $1) -ge $((c + 5)) ]" &&
		! _cl_exited "${CL_STREAM_PID[$1]}"
}

stream_stop()
{
	[ -n "${CL_STREAM_PID[$1]:-}" ] || return 0
	topo_kill "${CL_STREAM_PID[$1]}"
	unset "CL_STREAM_PID[$1]"
}

# cluster_down: agents and etcd (SIGKILL, by pid), then topo_cleanup (the
# other processes, the namespaces, the module), the management bridge.
cluster_down()
{
	local n

	for n in "${!CL_AGENT_PID[@]}"; do
		agent_kill "$n" KILL
	done
	etcd_stop KILL
	# CL_LOG_DIR: keep every log (agents, servers, etcd) there, e.g. under
	# the checkout, which the VM shares with the host.
	if [ -n "${CL_LOG_DIR:-}" ] && [ -d "${TOPO_DIR:-/nonexistent}" ]; then
		mkdir -p "$CL_LOG_DIR" && cp -r "$TOPO_DIR"/. "$CL_LOG_DIR"/
	fi
	if [ "${TAP_FAILED:-0}" -gt 0 ] && [ -f "${TOPO_DIR:-/nonexistent}/etcd/etcd.log" ]; then
		{ echo "etcd.log:"; tail -n 10 "$TOPO_DIR/etcd/etcd.log"; } | diag
	fi
	topo_cleanup
	ip link del "$CL_MGMT_BR" 2>/dev/null
	CL_AGENT_PID=() CL_IN_SERVICE=() CL_DRAINED=()
	return 0
}
