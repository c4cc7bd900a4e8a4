# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# A private etcd for a test: started on free loopback ports (or the
# addresses given), with its own data directory, and stopped by its pid.
# Source after selftests/lib.sh. Used on the host (user/tests) and in the VM
# (selftests/cluster).
#
#   etcd_start DIR [CLIENT_URLS]   start (or restart, same DIR) and wait until
#                                  it answers; sets ETCD_URL, ETCD_PID;
#                                  $ETCD_EXTRA: more options (words)
#   etcd_stop [SIGNAL]             stop the etcd started last (default TERM)
#   etcdctl_t ARGS...              etcdctl against it

ETCD_PID=
ETCD_URL=
ETCD_PEER=

# A TCP port nobody listens on (a race with another process is possible
# but harmless: etcd then fails to start and the test says so).
free_port()
{
	local p lo

	# Below the ephemeral range: a port from it can be taken by any
	# outgoing connection meanwhile (an etcd member restarted on its
	# peer port found it so: "bind: address already in use").
	read -r lo _ </proc/sys/net/ipv4/ip_local_port_range
	[ "${lo:-0}" -gt 12000 ] || lo=32768
	for p in $(shuf -i 10000-$((lo - 1)) -n 50); do
		if ! ss -Hatn "sport = :$p" | grep -q .; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

etcdctl_t()
{
	ETCDCTL_API=3 etcdctl --endpoints "$ETCD_URL" --dial-timeout 2s --command-timeout 5s "$@"
}

etcd_healthy()
{
	etcdctl_t endpoint health >/dev/null 2>&1
}

# etcd_start DIR [CLIENT_URLS]: DIR holds data/ and etcd.log. The first
# client URL is ETCD_URL. A restart with the same DIR keeps the peer port.
etcd_start()
{
	local dir=$1 urls=${2:-}

	mkdir -p "$dir"
	[ -n "$urls" ] || urls=http://127.0.0.1:$(free_port)
	[ -n "$ETCD_PEER" ] || ETCD_PEER=http://127.0.0.1:$(free_port)
	ETCD_URL=${urls%%,*}
	etcd --name vgwt --data-dir "$dir/data" \
		--listen-client-urls "$urls" --advertise-client-urls "$ETCD_URL" \
		--listen-peer-urls "$ETCD_PEER" --initial-advertise-peer-urls "$ETCD_PEER" \
		--initial-cluster "vgwt=$ETCD_PEER" ${ETCD_EXTRA:-} >>"$dir/etcd.log" 2>&1 &
	ETCD_PID=$!
	local i
	for i in $(seq 100); do
		etcd_healthy && return 0
		kill -0 "$ETCD_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "Bail out! etcd did not start ($ETCD_URL); its log:"
	tail -n 20 "$dir/etcd.log" | sed 's/^/#   /'
	return 1
}

etcd_stop()
{
	local sig=${1:-TERM}

	[ -n "$ETCD_PID" ] || return 0
	kill -"$sig" "$ETCD_PID" 2>/dev/null
	wait "$ETCD_PID" 2>/dev/null
	ETCD_PID=
}

# The store's revision now.
etcd_rev()
{
	etcdctl_t get / --prefix --keys-only --limit 1 -w json | jq -r .header.revision
}
