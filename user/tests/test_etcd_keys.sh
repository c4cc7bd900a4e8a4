#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The cluster keys in a real etcd, on this machine (no kernel needed: the
# agents run without the module, which they report and retry; what is
# tested is their etcd side and what they would give the kernel):
# - PREFIX/cluster/keys is neither an object nor a member: the document,
#   the members and a write of the document leave it alone;
# - the writes are conditional: a first key only while there is none, a
#   rotation step only on the revision it read (stale ones given on purpose);
# - vnicctl-etcd keys show/add/promote/retire, by id, never a secret, with
#   their refusals; of two "keys add" racing on no key, one writes;
# - two member agents starting together on a prefix without keys: one
#   makes the key (a create-if-absent transaction), both take that same
#   value; no secret in their logs;
# - a running agent follows add, promote, retire from the watch, each a new
#   set for the kernel; a bad value changes nothing; a deleted value is put
#   back as it was; --cluster-auth off makes and uses none (warned);
#   --cluster-keys FILE: read, followed when it changes, a bad one ignored.
# Run as build/tests/test_etcd_keys (make tests), which points here.
#
# The two agents need a network namespace each (one agent per namespace):
# vgwt-key1 and vgwt-key2, each with a veth to this namespace, over which
# they reach the test's etcd (which also listens on loopback). Everything is
# stopped by its pid and the namespaces deleted at the end; a second run
# waits for the first (a lock file).
set -u
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/selftests/lib.sh"
. "$here/etcd_lib.sh"
export PATH=$top/build/bin:$PATH

# One run at a time on a machine: the namespaces and addresses are fixed.
exec 9>/tmp/vgwt-etcd-keys.lock
flock 9
WORK=$(mktemp -d /tmp/vgwt-keys.XXXXXX)
NS=(vgwt-key1 vgwt-key2)
AGENT_PIDS=()
cleanup()
{
	local p n

	for p in "${AGENT_PIDS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	etcd_stop KILL
	[ "$TAP_FAILED" -gt 0 ] && tail -n 20 "$WORK/etcd/etcd.log" 2>/dev/null | diag
	for n in "${NS[@]}"; do
		ip netns del "$n" 2>/dev/null
	done
	rm -rf "$WORK"
}
trap cleanup EXIT

DATA=$top/user/tests/data

tap_begin
command -v etcd >/dev/null || { echo "Bail out! etcd not installed (tools/install-deps)"; exit 1; }

# Namespace N (1, 2): veth vgwt-keyN-h (10.251.N.1 here) to eth0 (10.251.N.2).
for i in 1 2; do
	n=${NS[$((i - 1))]}
	ip netns del "$n" 2>/dev/null
	ip netns add "$n" &&
	ip link add "$n-h" type veth peer name eth0 netns "$n" &&
	ip addr add "10.251.$i.1/24" dev "$n-h" && ip link set "$n-h" up &&
	ip -n "$n" addr add "10.251.$i.2/24" dev eth0 &&
	ip -n "$n" link set eth0 up && ip -n "$n" link set lo up ||
		{ echo "Bail out! cannot make network namespace $n"; exit 1; }
done
port=$(free_port)
etcd_start "$WORK/etcd" "http://127.0.0.1:$port,http://10.251.1.1:$port,http://10.251.2.1:$port" || exit 1
AG_URL=("http://10.251.1.1:$port" "http://10.251.2.1:$port")

# A secret in etcd (32 hex digits after "ID:"), to look for where it must not be.
secrets() { etcdctl_t get "$1"cluster/keys --print-value-only | sed -n 's/^[0-9]*:\([0-9a-f]\{32\}\)$/\1/p'; }
kv() { etcdctl_t get "$1"cluster/keys -w json | jq -r ".kvs[0].$2 // 0"; }

# agent N PREFIX LOG ARGS...: a member agent in namespace N (1, 2).
agent()
{
	local i=$1 p=$2 log=$3
	shift 3
	vnicgw-agent --netns "${NS[$((i - 1))]}" --etcd "${AG_URL[$((i - 1))]}" \
		--etcd-prefix "$p" --host-id "h$i" --interval 0.2 "$@" >>"$log" 2>&1 </dev/null &
	AGENT_PIDS+=("$!")
	LAST_AGENT=$!
}
stop_agent() { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null; }
logged() { grep -qE -- "$2" "$1"; }	# LOG ERE
no_secret_in() # PREFIX FILES...
{
	local s f p=$1
	shift
	for s in $(secrets "$p"); do
		for f in "$@"; do
			grep -q "$s" "$f" && { echo "secret found in $f"; return 1; }
		done
	done
	return 0
}

# --- the key is neither an object nor a member --------------------------------------

P=/vgwt-keys/
E=(--etcd "$ETCD_URL" --etcd-prefix "$P")
vnicctl apply "${E[@]}" "$DATA/example.json" >/dev/null
lease=$(etcdctl_t lease grant 60 | awk '{print $2}')
etcdctl_t put --lease="$lease" "$P"members/h1 '{"id": "h1"}' >/dev/null
etcdctl_t put "$P"cluster/keys "1:000102030405060708090a0b0c0d0e0f" >/dev/null
held=$(vnicctl-etcd "${E[@]}" show | jq -S .)
want=$(vnicctl -j validate "$DATA/example.json" | jq -S .)
expect_ok "with PREFIX/cluster/keys set, the document read from etcd is still the file's" \
	test -n "$want" -a "$held" = "$want"
expect_eq "... and the members are still h1 alone" "h1" "$(vnicctl-etcd "${E[@]}" members | xargs)"
rev=$(kv "$P" mod_revision)
out=$(vnicctl apply "${E[@]}" "$DATA/example.json" 2>&1)
expect_ok "a write of the document changes nothing ..." grep -q "0 added, 0 changed, 0 removed" <<<"$out"
expect_eq "... and leaves PREFIX/cluster/keys as it was" "$rev" "$(kv "$P" mod_revision)"
etcdctl_t lease revoke "$lease" >/dev/null

# --- vnicctl-etcd keys ---------------------------------------------------------------

P=/vgwt-keys-cli/
E=(--etcd "$ETCD_URL" --etcd-prefix "$P")
expect_ok "keys show without keys says none" bash -c \
	"vnicctl-etcd ${E[*]} keys show | grep -q '^keys none (no PREFIX/cluster/keys'"
out=$(vnicctl-etcd "${E[@]}" keys add 2>&1)
expect_ok "keys add without keys makes key 1, the only one" grep -q '^keys 1 (signs) (revision' <<<"$out"
out=$(vnicctl-etcd "${E[@]}" keys add 2>&1)
expect_ok "keys add again: key 2, second (accepted, not signing)" grep -q '^keys 1 (signs), 2 (revision' <<<"$out"
expect_ok "... saying what to do next" grep -q 'then: vnicctl-etcd keys promote 2' <<<"$out"
expect_eq "etcd holds two lines ID:SECRET, 1 first" "1 2" \
	"$(etcdctl_t get "$P"cluster/keys --print-value-only | grep -E '^[0-9]+:[0-9a-f]{32}$' | cut -d: -f1 | xargs)"
rev=$(kv "$P" mod_revision)
expect_fail_msg "a third key is refused" 'there are 2 keys already \(retire one first\)' \
	vnicctl-etcd "${E[@]}" keys add
expect_fail_msg "retiring the signing key is refused" 'key 1 signs: promote key 2 first' \
	vnicctl-etcd "${E[@]}" keys retire 1
expect_fail_msg "an unknown id is refused" 'no key 7' vnicctl-etcd "${E[@]}" keys promote 7
expect_fail_msg "a bad id is a usage error" '"300" is not a key id' vnicctl-etcd "${E[@]}" keys retire 300
expect_eq "... and none of these wrote anything" "$rev" "$(kv "$P" mod_revision)"
out=$(vnicctl-etcd "${E[@]}" keys promote 2 2>&1)
expect_ok "keys promote 2: 2 signs, 1 still accepted" grep -q '^keys 2 (signs), 1 (revision' <<<"$out"
expect_eq "... one write" $((rev + 1)) "$(kv "$P" mod_revision)"
out=$(vnicctl-etcd "${E[@]}" keys retire 1 2>&1)
expect_ok "keys retire 1: 2 alone" grep -q '^keys 2 (signs) (revision' <<<"$out"
expect_fail_msg "retiring the last key is refused" 'key 2 is the last one: refused' \
	vnicctl-etcd "${E[@]}" keys retire 2
expect_eq "keys show: the ids" "keys 2 (signs)" "$(vnicctl-etcd "${E[@]}" keys show)"
all=$(for c in show add "promote 3" "retire 2" show; do vnicctl-etcd "${E[@]}" keys $c 2>&1; done)
printf '%s\n' "$all" >"$WORK/cli.out"
expect_ok "no secret in anything vnicctl-etcd keys printed" no_secret_in "$P" "$WORK/cli.out"

# The transactions' conditions, made certain with stale revisions.
P=/vgwt-keys-cas/
E=(--etcd "$ETCD_URL" --etcd-prefix "$P")
put=$top/build/tests/helpers/etcd_keys_put
expect_eq "a first key (only if absent) on no key is written" written "$("$put" "$ETCD_URL" "$P" 0)"
rev=$(kv "$P" mod_revision)
expect_eq "a first key when there is one already is not (create revision not 0)" "not written" \
	"$("$put" "$ETCD_URL" "$P" 0)"
expect_eq "... the value is as it was" "$rev" "$(kv "$P" mod_revision)"
vnicctl-etcd "${E[@]}" keys add >/dev/null
expect_eq "a write conditional on a revision that is gone is not done" "not written" \
	"$("$put" "$ETCD_URL" "$P" "$rev")"
expect_eq "... the keys are those of the last write (9, then 10 added)" "keys 9 (signs), 10" \
	"$(vnicctl-etcd "${E[@]}" keys show)"
expect_eq "... and one conditional on the current revision is" written \
	"$("$put" "$ETCD_URL" "$P" "$(kv "$P" mod_revision)")"

# Racing on no key: each creates only if absent; one writes, per round.
good=0
for r in 1 2 3 4 5; do
	P=/vgwt-keys-race$r/
	vnicctl-etcd --etcd "$ETCD_URL" --etcd-prefix "$P" keys add >"$WORK/a$r" 2>&1 &
	a=$!
	vnicctl-etcd --etcd "$ETCD_URL" --etcd-prefix "$P" keys add >"$WORK/b$r" 2>&1 &
	b=$!
	wait $a; ra=$?
	wait $b; rb=$?
	# Either the loser's transaction failed (it read none), or it read
	# the winner's key and added a second.
	if [ "$(kv "$P" version)" = 1 ] && [ $((ra + rb)) = 1 ]; then
		good=$((good + 1))
	elif [ "$(kv "$P" version)" = 2 ] && [ $((ra + rb)) = 0 ] &&
	     [ "$(vnicctl-etcd --etcd "$ETCD_URL" --etcd-prefix "$P" keys show)" = "keys 1 (signs), 2" ]; then
		good=$((good + 1))
	else
		cat "$WORK/a$r" "$WORK/b$r" | diag
	fi
done
expect_eq "two keys add racing on no key, 5 times: never two first keys (one write wins, the other fails or adds after it)" 5 "$good"

# --- two member agents start together on a prefix without keys -----------------------

same=0 made=0
for r in 1 2 3; do
	P=/vgwt-keys-agents$r/
	agent 1 "$P" "$WORK/race$r-1.log"; p1=$LAST_AGENT
	agent 2 "$P" "$WORK/race$r-2.log"; p2=$LAST_AGENT
	wait_for 10 logged "$WORK/race$r-1.log" "cluster: keys 1 \(signs\) \(etcd"
	wait_for 10 logged "$WORK/race$r-2.log" "cluster: keys 1 \(signs\) \(etcd"
	stop_agent $p1
	stop_agent $p2
	k1=$(grep -o "cluster: keys .*(etcd.*revision [0-9]*)" "$WORK/race$r-1.log")
	k2=$(grep -o "cluster: keys .*(etcd.*revision [0-9]*)" "$WORK/race$r-2.log")
	m=$(cat "$WORK/race$r-1.log" "$WORK/race$r-2.log" | grep -c "no keys in etcd: made ${P}cluster/keys with a new random key 1")
	[ -n "$k1" ] && [ "$k1" = "$k2" ] && same=$((same + 1))
	[ "$m" = 1 ] && [ "$(kv "$P" version)" = 1 ] && made=$((made + 1))
	[ "$m" = 1 ] || cat "$WORK/race$r-1.log" "$WORK/race$r-2.log" | diag
done
expect_eq "two agents starting together, 3 times: one of them made the key, written once" 3 "$made"
expect_eq "... and both took the same value (same key, same revision)" 3 "$same"
echo "agents whose transaction lost the race: $(cat "$WORK"/race*-*.log | grep -c 'was made by another member first') of 3 rounds (the others read the key made)" | diag
expect_ok "no secret in the agents' logs" no_secret_in /vgwt-keys-agents1/ "$WORK"/race1-*.log

# --- a running agent follows the rotation --------------------------------------------------

P=/vgwt-keys-rot/
E=(--etcd "$ETCD_URL" --etcd-prefix "$P")
L=$WORK/rot.log
agent 1 "$P" "$L"; rot=$LAST_AGENT
expect_ok "a lone agent makes key 1 and takes it" wait_for 10 logged "$L" "cluster: keys 1 \(signs\) \(etcd ${P}cluster/keys"
expect_ok "... and gives the kernel a set with it (before joining)" \
	wait_for 10 logged "$L" "cluster: 0 members .*, keys 1 \(signs\) \(before joining\)"
vnicctl-etcd "${E[@]}" keys add >/dev/null
expect_ok "keys add: the agent takes 1 (signs), 2 from the watch" \
	wait_for 10 logged "$L" "cluster: keys 1 \(signs\), 2 \(etcd ${P}cluster/keys at revision"
expect_ok "... a change of keys alone is a new set for the kernel" \
	wait_for 10 logged "$L" "keys 1 \(signs\), 2 \(keys changed\)"
vnicctl-etcd "${E[@]}" keys promote 2 >/dev/null
expect_ok "keys promote 2: the agent takes 2 (signs), 1" \
	wait_for 10 logged "$L" "cluster: keys 2 \(signs\), 1 \(etcd"
vnicctl-etcd "${E[@]}" keys retire 1 >/dev/null
expect_ok "keys retire 1: the agent takes 2 alone" \
	wait_for 10 logged "$L" "cluster: keys 2 \(signs\) \(etcd"
etcdctl_t put "$P"cluster/keys "2:not-hex" >/dev/null
expect_ok "a bad value by hand is refused, naming the key and line; the keys in use stay" \
	wait_for 10 logged "$L" "cluster keys refused: etcd ${P}cluster/keys at revision [0-9]+, line 1: key 2: the secret has 7 characters, not 32 hex digits; the keys in use stay \(2 \(signs\)\)"
etcdctl_t del "$P"cluster/keys >/dev/null
expect_ok "a deleted value: the agent puts back the keys in use" \
	wait_for 10 logged "$L" "cluster/keys was gone: put back the keys in use"
expect_eq "... which are key 2 alone" "keys 2 (signs)" "$(vnicctl-etcd "${E[@]}" keys show)"
expect_eq "... and the agent changed none of its keys: 2 is still the key it took last" \
	"cluster: keys 2 (signs) (etcd" "$(grep -o 'cluster: keys [^(]*(signs)[^(]*(etcd' "$L" | tail -n 1)"
kill -HUP "$rot"
expect_ok "SIGHUP reads everything again" \
	wait_for 10 logged "$L" "SIGHUP: re-reading etcd"
stop_agent "$rot"
expect_ok "no secret in the agent's log" no_secret_in "$P" "$L"

# --- cluster-auth off --------------------------------------------------------------------

P=/vgwt-keys-off/
L=$WORK/off.log
agent 1 "$P" "$L" --cluster-auth off; off=$LAST_AGENT
expect_ok "--cluster-auth off: warned at start" \
	wait_for 10 logged "$L" "cluster messages are not authenticated \(cluster-auth off\)"
expect_ok "... the kernel's set has no keys" wait_for 10 logged "$L" "cluster: 0 members .*, keys none \((members changed|before joining)\)"
expect_eq "... and no key was made in etcd" 0 "$(kv "$P" version)"
stop_agent "$off"

# --- --cluster-keys FILE -----------------------------------------------------------------

P=/vgwt-keys-file/
L=$WORK/file.log
KF=$WORK/cluster.keys
printf '# test keys\n5:%s\n' 00112233445566778899aabbccddeeff >"$KF"
agent 1 "$P" "$L" --cluster-keys "$KF"; fa=$LAST_AGENT
expect_ok "--cluster-keys: the file's key is taken at start" \
	wait_for 10 logged "$L" "cluster: keys 5 \(signs\) \($KF\)"
expect_ok "... and goes to the kernel's set" wait_for 10 logged "$L" "cluster: 0 members .*, keys 5 \(signs\) \((members changed|before joining)\)"
printf '5:%s\n6:%s\n' 00112233445566778899aabbccddeeff ffeeddccbbaa99887766554433221100 >"$KF"
expect_ok "a new version of the file is seen by the periodic check" \
	wait_for 10 logged "$L" "cluster: keys 5 \(signs\), 6 \($KF\)"
expect_ok "... a new set for the kernel" wait_for 10 logged "$L" "keys 5 \(signs\), 6 \(keys changed\)"
printf '6:%s\n5:zz\n' ffeeddccbbaa99887766554433221100 >"$KF"
expect_ok "a bad version is refused naming file and line; the keys in use stay" \
	wait_for 10 logged "$L" "cluster keys refused: $KF, line 2: key 5: the secret has 2 characters, not 32 hex digits; the keys in use stay \(5 \(signs\), 6\)"
printf '6:%s\n5:%s\n' ffeeddccbbaa99887766554433221100 00112233445566778899aabbccddeeff >"$KF"
expect_ok "fixed: taken" wait_for 10 logged "$L" "cluster: keys 6 \(signs\), 5 \($KF\)"
expect_eq "with a key file nothing is made in etcd" 0 "$(kv "$P" version)"
stop_agent "$fa"
expect_ok "no secret of the file in the log" bash -c "! grep -q -e 00112233445566778899aabbccddeeff -e ffeeddccbbaa99887766554433221100 $L"

tap_end
