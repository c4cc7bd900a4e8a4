# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# BIRD and FRR in network namespaces, for the VM tests of the BGP side
# (test_bird.sh, test_frr.sh, test_bgp_health.sh): the examples of
# examples/bird and examples/frr filled in, the routing daemons started and
# stopped per namespace, the TOR's route read back. Namespace of NAME:
# $BIRD_NS_PREFIX$NAME (set BIRD_NS_PREFIX first; the TOR is NAME "tor").
# Configurations, sockets and logs go in $WORK.
#
#   fill TEMPLATE OUT KEY=VALUE...   an example with its @KEY@ replaced
#   bird_start NAME / bird_stop NAME [SIGNAL]
#   birdc_in NAME ARGS...            birdc on NAME's control socket
#   frr_start NAME / frr_stop NAME [SIGNAL] / frr_signal NAME SIGNAL
#                                    FRR's zebra, staticd, bgpd and bfdd
#                                    with $WORK/NAME.conf, pathspace
#                                    vgwt-NAME (/var/run/frr/vgwt-NAME)
#   vtysh_in NAME ARGS...            vtysh on NAME's daemons
#   bgp_expect_within DESC SECS CMD...   ok when CMD holds within SECS; else
#                                    not ok with the TOR's route and the
#                                    output of $BGP_DIAG (a command name)
#   bgp_cleanup LOG...               the daemons, the namespaces, WORK; the
#                                    LOGs' tails when a test failed
#   bgp_configs EXDIR N              EXDIR's tor.conf and host.conf filled
#                                    in for bgp_topo N, in $WORK; fails
#                                    naming a file with a placeholder left
#   bgp_topo N                       the TOR and hosts h1..hN, each on a
#                                    link of its own: 10.0.K.1 / 10.0.K.2,
#                                    fd00:K::1 / fd00:K::2 (host K)
#   nexthops / nexthops_are LIST     the TOR's nexthops for VIP_PREFIX
#   nexthops6_devs / nexthops6_are DEVS   ... for VIP6_PREFIX, by device
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
	for n in "${!FRR_NAMES[@]}"; do
		frr_stop "$n" KILL
	done
}

# --- FRR -------------------------------------------------------------------------

FRR_DAEMONS="zebra staticd bgpd bfdd"
declare -A FRR_NAMES=()

# frr_start NAME: FRR's daemons in NAME's namespace, each reading the
# integrated configuration $WORK/NAME.conf (as user frr: WORK is made
# readable), their pid files and log in $WORK/frr (frr's), their sockets
# under /var/run/frr/vgwt-NAME.
frr_start()
{
	local n=$1 d

	chmod 755 "$WORK"
	chmod 644 "$WORK/$n.conf"
	mkdir -p "$WORK/frr" /var/run/frr && chown frr:frr "$WORK/frr" /var/run/frr
	# vtysh's own file: root without a password (no PAM in the VM).
	mkdir -p "$WORK/vtysh/vgwt-$n"
	echo "username root nopassword" >"$WORK/vtysh/vgwt-$n/vtysh.conf"
	FRR_NAMES[$n]=1
	for d in $FRR_DAEMONS; do
		ip netns exec "$BIRD_NS_PREFIX$n" "/usr/lib/frr/$d" -d -N "vgwt-$n" \
			-f "$WORK/$n.conf" -i "$WORK/frr/$n-$d.pid" \
			--log "file:$WORK/frr/$n.log" >>"$WORK/frr-$n.out" 2>&1 || return 1
	done
	wait_for 10 vtysh_in "$n" -c "show bgp summary"
}

frr_pids()
{
	local d

	for d in $FRR_DAEMONS; do
		[ -f "$WORK/frr/$1-$d.pid" ] && cat "$WORK/frr/$1-$d.pid"
	done
}

# frr_signal NAME SIGNAL: every daemon of NAME (STOP: hung, CONT: back).
frr_signal()
{
	local p

	for p in $(frr_pids "$1"); do
		kill "-$2" "$p" 2>/dev/null
	done
}

# frr_stop NAME [SIGNAL]: signal them (TERM) and wait until they are gone.
frr_stop()
{
	local n=$1 sig=${2:-TERM} p

	[ -n "${FRR_NAMES[$n]:-}" ] || return 0
	for p in $(frr_pids "$n"); do
		kill "-$sig" "$p" 2>/dev/null
		kill -CONT "$p" 2>/dev/null
		wait_for 10 eval "! [ -e /proc/$p ]" || kill -KILL "$p" 2>/dev/null
	done
	rm -f "$WORK/frr/$n-"*.pid
	rm -rf "/var/run/frr/vgwt-$n"
	unset "FRR_NAMES[$n]"
}

vtysh_in()
{
	local n=$1

	shift
	vtysh -N "vgwt-$n" --config_dir "$WORK/vtysh" "$@" 2>/dev/null
}

birdc_in()
{
	local n=$1

	shift
	birdc -s "$WORK/$n.ctl" "$@"
}

# nexthops: the nexthops of the TOR's kernel route for the VIP prefix.
nexthops()
{
	ip -n "${BIRD_NS_PREFIX}tor" route show "$VIP_PREFIX" |
		awk '{ for (i = 1; i < NF; i++) if ($i == "via") printf "%s%s", s, $(i + 1); s = " " } END { print "" }' |
		sed 's/^ *//'
}

nexthops_are() { [ "$(nexthops)" = "$1" ]; }
# The IPv6 route's nexthops by device (h1 h2 ...): FRR gives the hosts'
# link-local addresses as next hops, BIRD their global ones.
nexthops6_devs()
{
	ip -n "${BIRD_NS_PREFIX}tor" -6 route show "$VIP6_PREFIX" |
		awk '{ for (i = 1; i < NF; i++) if ($i == "dev") printf "%s%s", s, $(i + 1); s = " " } END { print "" }' |
		sed 's/^ *//'
}
nexthops6_are() { [ "$(nexthops6_devs)" = "$1" ]; }

ms() { echo $(($(date +%s%N) / 1000000)); }

bgp_expect_within()
{
	local desc=$1 secs=$2

	shift 2
	if wait_for "$secs" "$@"; then
		ok "$desc"
	else
		not_ok "$desc"
		{ echo "not true after ${secs}s: $*"
		  echo "TOR's route: $(ip -n "${BIRD_NS_PREFIX}tor" route show "$VIP_PREFIX")"
		  [ -n "${BGP_DIAG:-}" ] && $BGP_DIAG 2>&1; } | diag
	fi
}

bgp_cleanup()
{
	local n

	bird_cleanup
	if [ "$TAP_FAILED" -gt 0 ]; then
		for n; do
			[ -s "$n" ] && { echo "${n##*/}:"; tail -n 15 "$n"; } | diag
		done
	fi
	for n in $(ip netns list | awk -v p="$BIRD_NS_PREFIX" 'index($1, p) == 1 { print $1 }'); do
		ip netns del "$n" 2>/dev/null
	done
	rm -rf "$WORK"
}

bgp_configs()
{
	local ex=$1 n ret=0

	fill "$ex/tor.conf" "$WORK/tor.conf" TOR_IP=10.0.1.1 TOR_AS=$TOR_AS \
		HOST_RANGE=10.0.0.0/16 VIP_PREFIX=$VIP_PREFIX VIP6_PREFIX=$VIP6_PREFIX ||
		{ echo "tor.conf: a placeholder left"; ret=1; }
	for n in $(seq "$2"); do
		fill "$ex/host.conf" "$WORK/h$n.conf" HOST_IP="10.0.$n.2" \
			HOST_AS=$((65100 + n)) TOR_IP="10.0.$n.1" TOR_AS=$TOR_AS \
			VIP_PREFIX=$VIP_PREFIX VIP6_PREFIX=$VIP6_PREFIX ||
			{ echo "h$n.conf: a placeholder left"; ret=1; }
	done
	return $ret
}

# bgp_topo N: namespaces tor and h1..hN (with BIRD_NS_PREFIX), linked.
bgp_topo()
{
	local t=${BIRD_NS_PREFIX}tor h n

	ip netns add "$t" 2>/dev/null
	ip -n "$t" link set lo up
	for n in $(seq "$1"); do
		h=$BIRD_NS_PREFIX"h$n"
		ip netns list | grep -qw "$h" || ip netns add "$h"
		ip -n "$t" link add "h$n" type veth peer name ul0 netns "$h"
		ip -n "$t" addr add "10.0.$n.1/24" dev "h$n"
		ip -n "$t" addr add "fd00:$n::1/64" dev "h$n" nodad
		ip -n "$t" link set "h$n" up
		ip -n "$h" addr add "10.0.$n.2/24" dev ul0
		ip -n "$h" addr add "fd00:$n::2/64" dev ul0 nodad
		ip -n "$h" link set ul0 up
		ip -n "$h" link set lo up
	done
	ip netns exec "$t" sysctl -q -w net.ipv4.ip_forward=1 net.ipv4.fib_multipath_hash_policy=1 \
		net.ipv6.conf.all.forwarding=1 net.ipv6.fib_multipath_hash_policy=1
}
