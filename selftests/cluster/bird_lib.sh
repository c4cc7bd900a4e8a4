# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# BIRD in network namespaces, for the VM tests of the BGP side
# (test_bird.sh, test_bgp_health.sh): the examples of examples/bird filled
# in, BIRD started and stopped per namespace, the TOR's route read back.
# Namespace of NAME: $BIRD_NS_PREFIX$NAME (set BIRD_NS_PREFIX first; the
# TOR is NAME "tor"). Configurations, sockets and logs go in $WORK.
#
#   fill TEMPLATE OUT KEY=VALUE...   an example with its @KEY@ replaced
#   bird_start NAME / bird_stop NAME [SIGNAL]
#   birdc_in NAME ARGS...            birdc on NAME's control socket
#   nexthops [-6] / nexthops_are LIST / nexthops6_are LIST
#                                    the TOR's nexthops for VIP_PREFIX
#                                    (VIP6_PREFIX)
#   bird_cleanup                     every BIRD started, killed

EX=$VGW_ROOT/examples/bird
VIP_PREFIX=10.0.100.0/24
VIP6_PREFIX=fd00:100::/64
TOR_AS=65000
declare -A BIRD_PID=()

# fill TEMPLATE OUT KEY=VALUE...: the example with its @KEY@ placeholders
# replaced; fails if one is left.
fill()
{
	local in=$1 out=$2 kv args=()

	shift 2
	for kv; do
		args+=(-e "s|@${kv%%=*}@|${kv#*=}|g")
	done
	sed "${args[@]}" "$in" >"$out" || return 1
	! grep -n '@[A-Z_]*@' "$out"
}

# bird_start NAME: BIRD in NAME's namespace, in the foreground, with its
# configuration and control socket in WORK.
bird_start()
{
	local n=$1

	ip netns exec "$BIRD_NS_PREFIX$n" bird -f -c "$WORK/$n.conf" -s "$WORK/$n.ctl" \
		>>"$WORK/bird-$n.log" 2>&1 </dev/null &
	BIRD_PID[$n]=$!
	wait_for 10 test -S "$WORK/$n.ctl"
}

# bird_stop NAME [SIGNAL]: signal it (TERM) and reap it.
bird_stop()
{
	local n=$1 sig=${2:-TERM} p=${BIRD_PID[$1]:-}

	[ -n "$p" ] || return 0
	kill "-$sig" "$p" 2>/dev/null
	kill -CONT "$p" 2>/dev/null
	wait_for 10 eval "! [ -e /proc/$p ] || [ \"\$(awk '{ print \$3 }' /proc/$p/stat)\" = Z ]"
	kill -KILL "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	unset "BIRD_PID[$n]"
	rm -f "$WORK/$n.ctl"
}

bird_cleanup()
{
	local n

	for n in "${!BIRD_PID[@]}"; do
		bird_stop "$n" KILL
	done
}

birdc_in()
{
	local n=$1

	shift
	birdc -s "$WORK/$n.ctl" "$@"
}

# nexthops [-6]: the nexthops of the TOR's kernel route for the VIP prefix
# (-6: the IPv6 one).
nexthops()
{
	local p=$VIP_PREFIX

	[ "${1:-}" = -6 ] && p=$VIP6_PREFIX
	ip -n "${BIRD_NS_PREFIX}tor" ${1:-} route show "$p" |
		awk '{ for (i = 1; i < NF; i++) if ($i == "via") printf "%s%s", s, $(i + 1); s = " " } END { print "" }' |
		sed 's/^ *//'
}

nexthops_are() { [ "$(nexthops)" = "$1" ]; }
nexthops6_are() { [ "$(nexthops -6)" = "$1" ]; }

ms() { echo $(($(date +%s%N) / 1000000)); }
