#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The member lease does not wait behind the agent's long work (issue 14:
# on a CPU-starved host every agent's lease expired while etcd was up, the
# keepalive waiting behind applies, CLUSTER_SET and owner table builds of
# seconds). On this machine, with a real etcd and without the module:
#
# - a member agent whose every kernel step is busy for STALL_MS (2 TTLs and
#   more, on the CPU: the test hook VGW_AGENT_TEST=stall=MS), in a cgroup
#   that gives it a tenth of one CPU, keeps its member key under the same
#   lease throughout: etcd is sampled every 0.2 s, the lease's remaining
#   TTL never reaches 0, and the keepalives go on inside the stalls;
# - its lease revoked by hand while the loop stalls: the keepalive thread
#   finds it gone within a period, the loop still stalled, and the agent
#   joins again under a new lease once the loop turns;
# - a drain (SIGUSR1) while it stalls: the lease is revoked, the key goes,
#   and nothing keeps or registers it again; SIGTERM ends the agent;
# - an agent without stalls whose lease is revoked joins again within
#   about a keepalive period; SIGTERM removes the key at once.
#
# Without the module an agent never joins (its kernel must take the set
# first): the hook "join-without-module" lets it; everything the test
# looks at is the etcd side. VGW_AGENT=PATH runs another build (an agent
# whose keepalive is a step of its loop fails the first part).
#
# The agent runs in network namespace vgwt-lease (one agent per
# namespace), reaching the test's etcd over a veth. Run as
# build/tests/test_agent_lease (make tests), which points here.
set -u
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/selftests/lib.sh"
. "$here/etcd_lib.sh"
export PATH=$top/build/bin:$PATH
AGENT=${VGW_AGENT:-$top/build/bin/vnicgw-agent}

TTL=3			# the member lease, s: a keepalive every second
STALL_MS=7000		# each kernel step: more than 2 TTLs
QUOTA_PCT=10		# of one CPU, for the starved agent
NS=vgwt-lease

exec 9>/tmp/vgwt-agent-lease.lock
flock 9
WORK=$(mktemp -d /tmp/vgwt-lease.XXXXXX)
AGENT_PID=
CG=
cleanup()
{
	[ -n "$AGENT_PID" ] && kill -KILL "$AGENT_PID" 2>/dev/null && wait "$AGENT_PID" 2>/dev/null
	etcd_stop KILL
	[ "$TAP_FAILED" -gt 0 ] && tail -n 10 "$WORK/etcd/etcd.log" 2>/dev/null | diag
	ip netns del "$NS" 2>/dev/null
	[ -n "$CG" ] && rmdir "$CG" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT

tap_begin
[ "$(id -u)" -eq 0 ] || { ok "# SKIP needs root (network namespaces, cgroups)"; tap_end; }
command -v etcd >/dev/null || { echo "Bail out! etcd not installed (tools/install-deps)"; exit 1; }
[ -x "$AGENT" ] || { echo "Bail out! no $AGENT (make)"; exit 1; }

ip netns del "$NS" 2>/dev/null
ip netns add "$NS" &&
ip link add "$NS-h" type veth peer name eth0 netns "$NS" &&
ip addr add 10.253.1.1/24 dev "$NS-h" && ip link set "$NS-h" up &&
ip -n "$NS" addr add 10.253.1.2/24 dev eth0 &&
ip -n "$NS" link set eth0 up && ip -n "$NS" link set lo up ||
	{ echo "Bail out! cannot make network namespace $NS"; exit 1; }
port=$(free_port)
etcd_start "$WORK/etcd" "http://127.0.0.1:$port,http://10.253.1.1:$port" || exit 1
AG_URL=http://10.253.1.1:$port

# A cgroup whose tasks get QUOTA_PCT % of one CPU (the agent's threads
# together; selftests/lib.sh's cpu_cgroup). Neither v2 nor v1: not starved.
starve_setup() { cpu_cgroup vgwt-lease "$QUOTA_PCT"; }

# start_agent PREFIX LOG HOOKS ARGS...: member h1, in the cgroup if there
# is one, with VGW_AGENT_TEST=HOOKS.
start_agent()
{
	local p=$1 log=$2 hooks=$3
	shift 3
	VGW_AGENT_TEST=$hooks CG=$CG sh -c \
		'[ -z "$CG" ] || echo $$ >"$CG/cgroup.procs" || exit 1; exec "$@"' sh \
		"$AGENT" --netns "$NS" --etcd "$AG_URL" --etcd-prefix "$p" --host-id h1 \
		--member-ttl "$TTL" --cluster-auth off --interval 0.2 -v "$@" \
		>>"$log" 2>&1 </dev/null &
	AGENT_PID=$!
}
# stop_agent SIGNAL: the agent's exit status (128+N if it had to be killed).
stop_agent()
{
	local rc
	kill -"$1" "$AGENT_PID" 2>/dev/null
	wait "$AGENT_PID"
	rc=$?
	AGENT_PID=
	return $rc
}
logged() { grep -qE -- "$2" "$1"; }	# LOG ERE
count() { grep -cE -- "$2" "$1"; }	# LOG ERE
count_is() { [ "$(count "$1" "$2")" = "$3" ]; }	# LOG ERE N
count_above() { [ "$(count "$1" "$2")" -gt "$3" ]; }	# LOG ERE N

# The member key's lease (decimal), or "-" when the key is absent.
key_lease()
{
	local l
	l=$(etcdctl_t get "$1" -w fields 2>/dev/null | sed -n 's/^"Lease" : //p')
	echo "${l:--}"
}
key_absent() { [ "$(key_lease "$1")" = - ]; }
key_present() { ! key_absent "$1"; }
# Seconds left of lease DECIMAL ("expired" when gone).
lease_left()
{
	[ "$1" != - ] || { echo -; return; }
	etcdctl_t lease timetolive "$(printf '%x' "$1")" 2>/dev/null |
		sed -n 's/.*remaining(\(-\{0,1\}[0-9]*\)s).*/\1/p; s/.*already expired.*/expired/p'
}
# sample KEY SECS: "LEASE LEFT" every 0.2 s for SECS seconds.
sample()
{
	local end=$((SECONDS + $2)) l
	while [ "$SECONDS" -lt "$end" ]; do
		l=$(key_lease "$1")
		if [ "$l" = - ]; then echo "- -"; else echo "$l $(lease_left "$l")"; fi
		sleep 0.2
	done
}
# The samples in runs: "lease L: N samples, A-B s left" or "absent: N samples".
runs()
{
	awk 'function flush() {
		if (!n) return
		if (cur == "-") printf "absent: %d samples\n", n
		else printf "lease %s: %d samples, %s-%s s left%s\n", cur, n, lo, hi,
			    x ? ", then expired in " x : ""
	}
	($1 "") != (cur "") { flush(); cur = $1; n = x = 0; lo = hi = "" }
	{ n++ }
	$2 == "expired" { x++ }
	$2 ~ /^[0-9]+$/ {
		if (lo == "" || $2 + 0 < lo + 0) lo = $2
		if (hi == "" || $2 + 0 > hi + 0) hi = $2
	}
	END { flush() }' "$1"
}
# Keepalives logged while the kernel step stalled, from the agent's log.
kept_in_stalls()
{
	awk '/test: the kernel step stalls/ { in_stall = 1 }
	     /test: the stall is over/ { in_stall = 0 }
	     in_stall && /lease [0-9a-f]+ kept/ { n++ }
	     END { print n + 0 }' "$1"
}

# --- stalled and starved: the lease lives ------------------------------------------

if starve_setup; then
	starved="in a cgroup of $QUOTA_PCT% of one CPU"
else
	starved="not starved (no cgroup cpu controller here)"
	ok "# SKIP no cgroup cpu controller: the agent runs without a CPU quota"
fi
P=/vgwt-lease/
KEY=${P}members/h1
L=$WORK/stall.log
vnicctl apply --etcd "$ETCD_URL" --etcd-prefix "$P" "$here/data/example.json" >/dev/null
start_agent "$P" "$L" "stall=$STALL_MS,join-without-module" --drain-wait 0.5
expect_ok "the agent ($starved, each kernel step busy $STALL_MS ms) joins" \
	wait_for 60 logged "$L" "joined the cluster as h1"
expect_ok "... and its kernel step stalls" wait_for 20 logged "$L" "test: the kernel step stalls"
lease0=$(key_lease "$KEY")
stalls0=$(count "$L" "test: the kernel step stalls")
kept0=$(kept_in_stalls "$L")
sample "$KEY" 18 >"$WORK/samples"
stalls=$(($(count "$L" "test: the kernel step stalls") - stalls0))
n=$(wc -l <"$WORK/samples")
absent=$(grep -c '^- ' "$WORK/samples")
# (as strings: lease ids are beyond a double's precision)
other=$(awk -v l="$lease0" '$1 != "-" && ($1 "") != (l "")' "$WORK/samples" | wc -l)
minleft=$(awk '$2 ~ /^[0-9]+$/ { if (m == "" || $2 < m) m = $2 } END { print m }' "$WORK/samples")
gone=$(grep -c ' expired$' "$WORK/samples")
kept=$(($(kept_in_stalls "$L") - kept0))
if [ "$stalls" -ge 2 ]; then
	ok "over 18 s the loop stalled $stalls more times for $STALL_MS ms (TTL $TTL s)"
else
	not_ok "over 18 s the loop stalled $stalls times, not 2 or more"
fi
if [ "$lease0" != - ] && [ "$n" -ge 30 ] && [ "$absent" = 0 ] && [ "$other" = 0 ]; then
	ok "the member key was there under lease $(printf %x "$lease0") in all $n samples (every 0.2 s)"
else
	not_ok "the member key was absent in $absent and under another lease in $other of $n samples"
	runs "$WORK/samples" | diag
fi
if [ "$gone" = 0 ] && [ -n "$minleft" ] && [ "$minleft" -ge 1 ]; then
	ok "the lease never ran out: at least $minleft s of $TTL s left in every sample"
else
	not_ok "the lease ran out ($gone samples expired; at least ${minleft:-?} s left)"
	runs "$WORK/samples" | diag
fi
# A keepalive a period (TTL/3) while stalled: 7 a stall of 7 s; 5 is the bar.
need=$((stalls * (STALL_MS * 3 / (TTL * 1000) - 2)))
if [ "$stalls" -ge 1 ] && [ "$kept" -ge "$need" ]; then
	ok "the keepalives went on while the loop stalled: $kept inside the stalls (at least $need)"
else
	not_ok "$kept keepalives inside the stalls, fewer than $need"
	grep -E "stall|lease" "$L" | tail -n 30 | diag
fi
expect_eq "no lease expired, nobody joined again" 0 \
	"$(count "$L" "expired|joining again")"
echo "remaining TTL in the samples (s: count): $(awk '{ c[$2]++ } END { for (k in c) printf "%s: %d, ", k, c[k] }' "$WORK/samples")" | diag

# --- the lease lost while the loop stalls: found by the thread -----------------------------

# Revoked right after a stall began: etcd deletes the key (the watch says
# so, but the loop reads it only after the stall); the keepalive thread
# finds the lease gone at its next keepalive, within a period.
s0=$(count "$L" "test: the kernel step stalls")
wait_for $((STALL_MS / 1000 * 2 + 5)) count_above "$L" "test: the kernel step stalls" "$s0"
etcdctl_t lease revoke "$(printf '%x' "$lease0")" >/dev/null 2>&1
expect_ok "lease revoked by hand while the loop stalls: the keepalive thread says it is gone" \
	wait_for 4 logged "$L" "lease $(printf '%x' "$lease0") of $KEY expired .*; joining again"
expect_eq "... while the loop was still stalled" 1 \
	"$(awk '/test: the kernel step stalls/ { s = 1 } /test: the stall is over/ { s = 0 }
		/ of .* expired .*joining again/ { print s; exit }' "$L")"
expect_ok "... once the loop turns, the agent joins again" \
	wait_for $((STALL_MS / 1000 * 2 + 10)) count_is "$L" "joined the cluster as h1" 2
wait_for 5 key_present "$KEY"
lease1=$(key_lease "$KEY")
expect_ok "... under a new lease" test "$lease1" != - -a "$lease1" != "$lease0"

# --- a drain while it stalls: revoked, never kept again ---------------------------------

kill -USR1 "$AGENT_PID"
t0=$SECONDS
expect_ok "SIGUSR1 (drain) while the loop stalls: the member key goes" \
	wait_for $((STALL_MS / 1000 * 2 + 10)) key_absent "$KEY"
expect_ok "... the agent left the cluster (lease revoked)" logged "$L" "left the cluster \($KEY removed\)"
echo "drain: the key went $((SECONDS - t0)) s after SIGUSR1" | diag
expect_eq "... the lease is gone in etcd" expired "$(lease_left "$lease1")"
sleep $((TTL * 2))
kept_after=$(awk '/left the cluster/ { left = 1 } left && /lease [0-9a-f]+ kept/ { n++ } END { print n + 0 }' "$L")
lost_after=$(awk '/left the cluster/ { left = 1 } left && /expired|joining again/ { n++ } END { print n + 0 }' "$L")
expect_ok "... 2 TTLs later it is still absent, and it did not join again" \
	test "$(key_lease "$KEY")" = - -a "$(count "$L" "joined the cluster")" = 2
expect_eq "... no keepalive after the leave, and no 'expired' for the revoke" "0 0" \
	"$kept_after $lost_after"
t0=$SECONDS
stop_agent TERM
rc=$?
expect_eq "SIGTERM: the drained agent exits 0 (its keepalive thread stopped)" 0 "$rc"
echo "exit $((SECONDS - t0)) s after SIGTERM (a stall of $STALL_MS ms may be running)" | diag

# --- a lease revoked behind its back: joined again at once --------------------------------

P=/vgwt-lease-lost/
KEY=${P}members/h1
L=$WORK/lost.log
start_agent "$P" "$L" "join-without-module"
expect_ok "an agent without stalls joins" wait_for 30 logged "$L" "joined the cluster as h1"
wait_for 10 key_present "$KEY"
lease1=$(key_lease "$KEY")
expect_ok "... and keeps its lease (keepalives logged)" wait_for 10 logged "$L" "lease [0-9a-f]+ kept"
etcdctl_t lease revoke "$(printf '%x' "$lease1")" >/dev/null 2>&1
t0=$(date +%s%N)
if wait_for 10 count_is "$L" "joined the cluster as h1" 2; then
	ms=$((($(date +%s%N) - t0) / 1000000))
	if [ "$ms" -le $((TTL * 1000 / 3 + 2000)) ]; then
		ok "lease revoked by hand: the agent joins again in $ms ms (keepalive period $((TTL * 1000 / 3)) ms)"
	else
		not_ok "lease revoked by hand: joined again only after $ms ms"
	fi
else
	not_ok "lease revoked by hand: the agent did not join again"
	tail -n 20 "$L" | diag
fi
# Whichever saw it first: the watch (the key deleted) or the keepalive.
expect_ok "... saying why" logged "$L" "(lease [0-9a-f]+ of $KEY expired|$KEY was deleted); joining again"
lease2=$(key_lease "$KEY")
expect_ok "... the key is back under a new lease" test "$lease2" != - -a "$lease2" != "$lease1"
t0=$SECONDS
stop_agent TERM
rc=$?
expect_eq "SIGTERM: exit 0" 0 "$rc"
expect_ok "... the key is gone at once (lease revoked, no TTL wait)" key_absent "$KEY"
expect_ok "... saying so" logged "$L" "left the cluster \($KEY removed\)"
expect_ok "... within 3 s" test $((SECONDS - t0)) -le 3

# --- a slow registration, another member meanwhile, a key deleted by hand -----------

# The lease is kept alive from its grant, not from the registration: an
# agent that waits longer than the TTL between the two (a starved host)
# registers under the lease it was granted. Another member's key written
# meanwhile reaches the agent after its registration (unit/
# test_agent_members checks the order that went wrong once: that older
# view read as "our key was deleted").
P=/vgwt-lease-view/
KEY=${P}members/h1
L=$WORK/view.log
CG= start_agent "$P" "$L" "join-delay=$((TTL * 1000 + 1000)),join-without-module"
expect_ok "an agent waiting $((TTL + 1)) s (TTL $TTL s) between its lease and its registration" \
	wait_for 30 logged "$L" "test: registering in"
etcdctl_t put "${P}members/h9" '{"id":"h9","pid":1,"addr":"10.253.9.9"}' >/dev/null
expect_ok "... joins, another member's key written meanwhile" \
	wait_for 10 logged "$L" "joined the cluster as h1"
expect_ok "... and then sees both members" \
	wait_for 10 logged "$L" "owner table: 2 members \\(h1 h9\\)"
sleep 1
expect_eq "... the lease lived through the wait: no 'cannot register', nothing again" 0 \
	"$(count "$L" "cannot register|was deleted|joining again|registered already")"
lease1=$(key_lease "$KEY")
expect_ok "... its key stays, under its lease" test "$lease1" != -
expect_eq "... joined once" 1 "$(count "$L" "joined the cluster as h1")"
# Every member key says the owner table its agent builds: a member that
# builds another (another build, another --backups) is warned about.
expect_eq "its key says the owner table it builds" "rendezvous/65537/1" \
	"$(etcdctl_t get "$KEY" --print-value-only | jq -r .table)"
expect_ok "h9's key says none (written by hand, as an older agent's): warned about" \
	logged "$L" "cluster: 1 member builds another owner table than this host's rendezvous/65537/1: h9 \\(not said"
etcdctl_t put "${P}members/h9" '{"id":"h9","pid":1,"addr":"10.253.9.9","table":"rendezvous/65537/1"}' >/dev/null
expect_ok "... h9's key says the same table: the agent says all agree" \
	wait_for 10 logged "$L" "cluster: every member builds the owner table rendezvous/65537/1"
etcdctl_t put "${P}members/h9" '{"id":"h9","pid":1,"addr":"10.253.9.9","table":"rendezvous/65537/2"}' >/dev/null
expect_ok "... h9 with two backups: warned about, naming its table" \
	wait_for 10 logged "$L" "another owner table than this host's rendezvous/65537/1: h9 \\(rendezvous/65537/2\\); the kernels disagree"
etcdctl_t del "$KEY" >/dev/null
expect_ok "its key deleted by hand (the lease alive): put back" \
	wait_for 10 count_is "$L" "joined the cluster as h1" 2
expect_ok "... saying why" logged "$L" "$KEY was deleted; joining again"
expect_eq "... under the same lease" "$lease1" "$(key_lease "$KEY")"
stop_agent TERM
expect_eq "SIGTERM: exit 0" 0 "$?"

tap_end
