# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Hosts of a cluster for the VM tests: a management bridge (vgwt-br,
# 10.99.0.1/24) with up to N network namespaces vgwt-h1.. (10.99.0.1N on
# their "mgmt" veth), a real etcd reachable from all of them, and an agent
# per host. Set P (the etcd prefix) and TTL (the member lease) before use.
# Sourcing this file sources ../lib.sh, ../agent/agent_lib.sh and
# user/tests/etcd_lib.sh too.
#
#   cluster_setup N        the bridge, hosts 1..N and etcd; sets AG_URL, E, URLS
#   cluster_cleanup        etcd, the agents, the namespaces, the bridge, the module
#   start_host N [ARGS]    the agent of host N (id hN), PID_HN its pid
#   members_are JSON FILE...   owner-table files list exactly these members
#   tables_agree FILE...   the same table in every file (but "self")
#   log_has NAME ERE       $WORK/NAME.log has a line matching ERE
#   count_in NAME ERE      how many lines of $WORK/NAME.log match ERE

cl_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$cl_dir/../lib.sh"
. "$cl_dir/../agent/agent_lib.sh"
. "$VGW_ROOT/user/tests/etcd_lib.sh"

BR=10.99.0.1

cluster_cleanup()
{
	etcd_stop KILL
	[ "$TAP_FAILED" -gt 0 ] && tail -n 15 "$WORK/etcd/etcd.log" 2>/dev/null | diag
	agent_cleanup
	netns_cleanup
	ip link del vgwt-br 2>/dev/null
	unload_module
}

# cluster_setup N: the management network, hosts 1..N, and etcd on the
# bridge's address (and loopback, for the test's own etcdctl).
cluster_setup()
{
	local h

	ip link add vgwt-br type bridge
	ip addr add $BR/24 dev vgwt-br
	ip link set vgwt-br up
	for h in $(seq "$1"); do
		ip netns add "vgwt-h$h"
		ip link add "vgwt-m$h" type veth peer name mgmt netns "vgwt-h$h"
		ip link set "vgwt-m$h" master vgwt-br up
		ip -n "vgwt-h$h" addr add "10.99.0.1$h/24" dev mgmt
		ip -n "vgwt-h$h" link set mgmt up
		ip -n "vgwt-h$h" link set lo up
	done
	PORT=$(free_port)
	URLS=http://127.0.0.1:$PORT,http://$BR:$PORT
	etcd_start "$WORK/etcd" "$URLS" || return 1
	AG_URL=http://$BR:$PORT
	# shellcheck disable=SC2034 # for the tests
	E=(--etcd "$ETCD_URL" --etcd-prefix "$P")
}

# start_host N [ARGS...]: the agent of host N (namespace vgwt-hN, id hN).
start_host()
{
	local n=$1
	shift
	start_agent "$WORK/h$n.log" --netns "vgwt-h$n" --link gw0 --interval 0.5 \
		--etcd "$AG_URL" --etcd-prefix "$P" --host-id "h$n" \
		--member-ttl "$TTL" --owner-table "$WORK/h$n.owners" "$@"
	eval "PID_H$n=$AGENT_PID"
}

members_are() # JSON FILE...: every owner table lists exactly these members
{
	local want=$1 f
	shift
	for f; do
		[ "$(jq -c .members "$f" 2>/dev/null)" = "$want" ] || return 1
	done
}

tables_agree() # FILE...: the same table in every file (all but "self")
{
	local first f
	first=$(jq -c 'del(.self)' "$1") || return 1
	for f in "${@:2}"; do
		[ "$(jq -c 'del(.self)' "$f")" = "$first" ] || return 1
	done
}

log_has() { grep -Eq -- "$2" "$WORK/$1.log"; }
count_in() { grep -Ec -- "$2" "$WORK/$1.log"; }
