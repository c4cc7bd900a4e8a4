#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Objects bigger than one etcd value (issue 14), against a real etcd on
# this machine: a route table of 100k rules (7.6 MB of JSON, etcd refuses
# a request over 1.5 MiB) is written by vnicctl apply --etcd as a head key
# and parts of one generation (user/lib/store.h), read back equal by
# vnicctl-etcd show (the store's reader, as the agent's), changed (rules
# removed and added) with the old generation's parts deleted; a writer
# stopped after its parts and before its head (VGW_STORE_TEST) leaves the
# old table visible, and the next write completes and removes its parts;
# a head whose parts are missing is not a document yet; a small table is
# still one key; a split table removed leaves no key, nor do parts left
# without a head after the next write; an etcd whose --max-request-bytes
# is below the store's transactions refuses with the key and the setting
# named. An agent in a network namespace, without the module (it never
# applies; its log says what it loaded), follows every change through its
# watch.
#
# Run as build/tests/test_etcd_split (make tests), which points here.
set -u
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/selftests/lib.sh"
. "$here/etcd_lib.sh"
export PATH=$top/build/bin:$PATH

NS=vgwt-split
exec 9>/tmp/vgwt-etcd-split.lock
flock 9
WORK=$(mktemp -d /tmp/vgwt-split.XXXXXX)
AGENT_PID=
cleanup()
{
	[ -n "$AGENT_PID" ] && kill -KILL "$AGENT_PID" 2>/dev/null && wait "$AGENT_PID" 2>/dev/null
	etcd_stop KILL
	[ "$TAP_FAILED" -gt 0 ] && tail -n 10 "$WORK/etcd/etcd.log" 2>/dev/null | diag
	[ "$TAP_FAILED" -gt 0 ] && grep -v 'still:' "$WORK/agent.log" 2>/dev/null |
		grep -v 'debug: etcd' | tail -n 15 | diag
	ip netns del "$NS" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT

DATA=$top/user/tests/data
P=/vgwt-split/
RT=${P}objects/route_table/rt-a

tap_begin
command -v etcd >/dev/null || { echo "Bail out! etcd not installed (tools/install-deps)"; exit 1; }

# The agent needs a network namespace of its own (one agent per namespace)
# reaching etcd over a veth; without root, only the store is tested.
agent_ok=0
if [ "$(id -u)" -eq 0 ]; then
	ip netns del "$NS" 2>/dev/null
	ip netns add "$NS" &&
	ip link add "$NS-h" type veth peer name eth0 netns "$NS" &&
	ip addr add 10.253.2.1/24 dev "$NS-h" && ip link set "$NS-h" up &&
	ip -n "$NS" addr add 10.253.2.2/24 dev eth0 &&
	ip -n "$NS" link set eth0 up && ip -n "$NS" link set lo up && agent_ok=1
fi
port=$(free_port)
if [ "$agent_ok" = 1 ]; then
	etcd_start "$WORK/etcd" "http://127.0.0.1:$port,http://10.253.2.1:$port" || exit 1
else
	etcd_start "$WORK/etcd" "http://127.0.0.1:$port" || exit 1
fi
E=(--etcd "$ETCD_URL" --etcd-prefix "$P")

# rules N FROM DOC: DOC with N more rules in rt-a, 11.a.b.c/32 for FROM..
rules()
{
	jq --argjson n "$1" --argjson from "$2" '(.route_tables[] | select(.id == "rt-a") | .rules) +=
		[range($from; $from + $n) as $i | {destination:
		 "11.\(($i / 65536 | floor) % 256).\(($i / 256 | floor) % 256).\($i % 256)/32",
		 target: (if $i % 7 == 0 then "drg-a" else "igw-a" end)}]' "$3"
}
# The document in etcd as vnicctl-etcd show reads it = FILE's.
same_as_file()
{
	vnicctl-etcd "${E[@]}" show | jq -S . >"$WORK/held.json" || return 1
	vnicctl -j validate "$1" | jq -S . >"$WORK/want.json" || return 1
	cmp -s "$WORK/held.json" "$WORK/want.json"
}
rt_keys() { etcdctl_t get "$RT" --prefix --keys-only | grep -c .; }
parts_gens() { etcdctl_t get "$RT/parts/" --prefix --keys-only | grep . | cut -d/ -f7 | sort -u | xargs; }
head_field() { etcdctl_t get "$RT" --print-value-only | jq -r ".parts.$1"; }
agent_loaded() { grep -qE "loaded \(etcd revision $1, $2 route rules\)" "$WORK/agent.log"; }
ms() { date +%s%3N; }

rules 100000 0 "$DATA/example.json" >"$WORK/big1.json"
jq '(.route_tables[] | select(.id == "rt-a") | .rules) |= .[1000:]' "$WORK/big1.json" |
	rules 3000 200000 /dev/stdin >"$WORK/big2.json"
rules 500 300000 "$WORK/big2.json" >"$WORK/big3.json"

# --- a small table: one key, as before -------------------------------------

vnicctl apply "${E[@]}" "$DATA/example.json" >/dev/null
expect_eq "a small route table is one key, no parts" 1 "$(rt_keys)"
expect_eq "... holding the table itself" rt-a \
	"$(etcdctl_t get "$RT" --print-value-only | jq -r 'select(.rules) | .id')"

if [ "$agent_ok" = 1 ]; then
	vnicgw-agent --netns "$NS" --etcd "http://10.253.2.1:$port" --etcd-prefix "$P" \
		-v --interval 0.2 >"$WORK/agent.log" 2>&1 </dev/null &
	AGENT_PID=$!
	expect_ok "an agent (no module) loads the small document" \
		wait_for 20 agent_loaded '[0-9]+' 4
	expect_ok "... and watches" wait_for 10 grep -q "watching $P" "$WORK/agent.log"
fi

# --- 100k rules --------------------------------------------------------------

t0=$(ms)
out=$(vnicctl apply "${E[@]}" "$WORK/big1.json" 2>&1)
rc=$?
t1=$(ms)
expect_eq "a route table of 100k rules goes into etcd" 0 "$rc"
[ "$rc" = 0 ] || diag <<<"$out"
bytes=$(head_field bytes)
n=$(head_field count)
expect_ok "... over etcd's 1.5 MiB ($bytes bytes)" test "$bytes" -gt 1572864
expect_eq "... its key a head naming parts of 768 KiB" $(((bytes + 786431) / 786432)) "$n"
expect_ok "... reported as one change in $n parts" \
	grep -qx "~ route_table rt-a ($bytes bytes in $n parts)" <<<"$out"
gen1=$(head_field generation)
expect_eq "... the parts are <key>/parts/<generation>/0..$((n - 1))" \
	"$(seq 0 $((n - 1)) | sed "s|^|$RT/parts/$gen1/|")" \
	"$(etcdctl_t get "$RT/parts/" --prefix --keys-only | grep . | sort -t/ -k8 -n)"
big=$(etcdctl_t get "$RT/parts/" --prefix -w json | jq '[.kvs[].value | @base64d | length] | max')
expect_ok "... each at most 768 KiB ($big bytes)" test "$big" -le 786432
t2=$(ms)
expect_ok "vnicctl-etcd show reads back the same document" same_as_file "$WORK/big1.json"
t3=$(ms)
diag <<<"$bytes bytes in $n parts: apply $((t1 - t0)) ms, show $((t3 - t2)) ms"
rev1=$(etcd_rev)
[ "$agent_ok" = 1 ] && expect_ok "the agent's watch loads it at the head's revision" \
	wait_for 30 agent_loaded "$rev1" 100004

out=$(vnicctl apply "${E[@]}" "$WORK/big1.json" 2>&1)
expect_ok "the same table again changes nothing" grep -q "0 added, 0 changed, 0 removed" <<<"$out"
expect_eq "... and writes nothing" "$rev1" "$(etcd_rev)"

# --- changed: 1000 rules removed, 3000 added ------------------------------------

t0=$(ms)
out=$(vnicctl apply "${E[@]}" "$WORK/big2.json" 2>&1)
t1=$(ms)
expect_ok "the changed table is written" grep -q "0 added, 1 changed, 0 removed" <<<"$out"
gen2=$(head_field generation)
expect_ok "... as a new generation" test "$gen2" -gt "$gen1"
expect_eq "... whose parts alone are left (the old ones deleted)" "$gen2" "$(parts_gens)"
expect_eq "... $(head_field count) of them" "$(head_field count)" \
	"$(etcdctl_t get "$RT/parts/" --prefix --keys-only | grep -c .)"
expect_ok "... and reads back equal" same_as_file "$WORK/big2.json"
diag <<<"changed table: apply $((t1 - t0)) ms"
rev2=$(etcd_rev)
[ "$agent_ok" = 1 ] && expect_ok "the agent loads the change (102004 rules)" \
	wait_for 30 agent_loaded "$rev2" 102004

# --- a writer stopped between its parts and its head ------------------------------

out=$(VGW_STORE_TEST=stop-before-head vnicctl apply "${E[@]}" "$WORK/big3.json" 2>&1)
expect_ok "a write stopped before the head's transaction fails" \
	grep -q "stopped before the transaction of ${RT}'s head" <<<"$out"
gens=$(parts_gens)
expect_ok "... its parts are in etcd, a generation of their own ($gens)" \
	test "$(wc -w <<<"$gens")" = 2
expect_eq "... the head still names the old one" "$gen2" "$(head_field generation)"
expect_ok "... readers see the old table, whole" same_as_file "$WORK/big2.json"
if [ "$agent_ok" = 1 ]; then
	sleep 1
	expect_ok "... the agent, which saw the parts go by, still has the old one" \
		test "$(grep -c 'loaded (etcd revision' "$WORK/agent.log")" = 3
fi
out=$(vnicctl apply "${E[@]}" "$WORK/big3.json" 2>&1)
expect_ok "the next write completes" grep -q "0 added, 1 changed, 0 removed" <<<"$out"
expect_eq "... and deletes the stopped writer's parts too" "$(head_field generation)" "$(parts_gens)"
expect_ok "... and reads back equal" same_as_file "$WORK/big3.json"
rev3=$(etcd_rev)
[ "$agent_ok" = 1 ] && expect_ok "the agent loads it (102504 rules)" \
	wait_for 30 agent_loaded "$rev3" 102504

# --- a head whose parts are not there ---------------------------------------------

gen=$(head_field generation)
etcdctl_t get "$RT/parts/$gen/0" --print-value-only | head -c -1 >"$WORK/part0"
etcdctl_t del "$RT/parts/$gen/0" >/dev/null
expect_fail_msg "a head whose part is missing is no document yet, naming the key and part" \
	"$RT: part 0 of the [0-9]+ of generation $gen is not there \(yet\)" \
	vnicctl-etcd "${E[@]}" show
[ "$agent_ok" = 1 ] && expect_ok "... the agent keeps its desired state and says why" \
	wait_for 10 grep -q "$RT: part 0 .*keeping the desired state until it is complete" "$WORK/agent.log"
etcdctl_t put "$RT/parts/$gen/0" <"$WORK/part0" >/dev/null
expect_ok "the part put back: the document again" same_as_file "$WORK/big3.json"
[ "$agent_ok" = 1 ] && expect_ok "... the agent takes it as the same document" \
	wait_for 10 grep -q "valid again, the same document" "$WORK/agent.log"

# --- back to small: one key, the parts deleted ---------------------------------------

vnicctl apply "${E[@]}" "$DATA/example.json" >/dev/null
expect_eq "a table small again is one key, its parts deleted" 1 "$(rt_keys)"
expect_ok "... and reads back equal" same_as_file "$DATA/example.json"
[ "$agent_ok" = 1 ] && expect_ok "the agent loads it (4 rules)" \
	wait_for 30 agent_loaded "$(etcd_rev)" 4

# --- a split table removed; parts without a head ------------------------------------

jq '.route_tables += [{id: "rt-b", vcn: "vcn-a", rules: [range(0; 15000) as $i |
	{destination: "12.\(($i / 256 | floor) % 256).\($i % 256).0/24", target: "igw-a"}]}]' \
	"$DATA/example.json" >"$WORK/rtb.json"
out=$(vnicctl apply "${E[@]}" "$WORK/rtb.json" 2>&1)
expect_ok "a second table of 15k rules is split too" \
	grep -q "^+ route_table rt-b ([0-9]* bytes in 2 parts)" <<<"$out"
out=$(vnicctl apply "${E[@]}" "$DATA/example.json" 2>&1)
expect_ok "removed, it is one change" grep -qx -- "- route_table rt-b" <<<"$out"
expect_eq "... and its head and parts are gone" 0 \
	"$(etcdctl_t get "${P}objects/route_table/rt-b" --prefix --keys-only | grep -c .)"
etcdctl_t put "${P}objects/route_table/rt-z/parts/5/0" '{"id"' >/dev/null
expect_ok "parts whose head is gone are not read (no object)" same_as_file "$DATA/example.json"
out=$(vnicctl apply "${E[@]}" "$DATA/example.json" 2>&1)
expect_ok "... and the next write deletes them" \
	grep -qx -- "- key ${P}objects/route_table/rt-z/parts/" <<<"$out"
expect_eq "... all" 0 "$(etcdctl_t get "${P}objects/route_table/rt-z" --prefix --keys-only | grep -c .)"

if [ "$agent_ok" = 1 ]; then
	kill -TERM "$AGENT_PID" 2>/dev/null
	wait "$AGENT_PID" 2>/dev/null
	AGENT_PID=
fi

# --- an etcd that takes less than the store sends -------------------------------------

etcd_stop
ETCD_EXTRA="--max-request-bytes 524288" etcd_start "$WORK/etcd2" || exit 1
E=(--etcd "$ETCD_URL" --etcd-prefix "$P")
expect_fail_msg "an etcd with --max-request-bytes 512 KiB refuses a part, the message naming it and the setting" \
	"writing part 0 of [0-9]+ of $RT \(the biggest of [0-9]+ keys in one transaction\): .*request is too large.*start etcd with --max-request-bytes of at least 1572864" \
	vnicctl apply "${E[@]}" "$WORK/big1.json"

tap_end
