#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vnicctl's conventions against the module (user/tests/test_cli.sh has those
# that need none): --version is the module's; -n NETNS works in that
# namespace as "ip -n" does; apply prints one summary line (-v: a line per
# change), -q nothing, and --progress "N of M changes" on stderr; stats VNIC
# is one VNIC's counters; show TYPE ID in text has every field of the JSON
# form; usage errors still exit 2 with the module there. Runs in the VM.
set -u
. "$(dirname "$0")/../lib.sh"

DATA=$VGW_ROOT/user/tests/data
TMP=$(mktemp -d)
trap 'netns_cleanup; unload_module; rm -rf "$TMP"' EXIT

tap_begin
load_module || exit 1

NS=vgwt-cli
ip netns add $NS
objs() { ip netns exec "$1" vnicctl -j info | jq .objects; }

expect_eq "--version is the module's version" \
	"vnicctl $(cat /sys/module/vnicgw/version)" "$(vnicctl --version)"

# -n NETNS: the command runs in that namespace; the caller's is untouched.
out=$(vnicctl -n $NS apply "$DATA/example.json" 2>"$TMP/err")
rc=$?
expect_eq "apply -n NETNS succeeds" 0 "$rc"
expect_eq "-n NETNS: the objects are in that namespace" 12 "$(objs $NS)"
expect_eq "-n NETNS: ... and not in the caller's" 0 "$(vnicctl -j info | jq .objects)"
expect_ok "--netns NETNS shows what ip netns exec shows" \
	diff <(vnicctl --netns $NS -j show) <(ip netns exec $NS vnicctl -j show)
expect_ok "-n takes a path too" \
	diff <(vnicctl -n /run/netns/$NS -j show) <(ip netns exec $NS vnicctl -j show)

# apply: one summary line, nothing on stderr when stderr is no tty.
g=$(ip netns exec $NS vnicctl -j info | jq .generation)
expect_eq "apply prints one summary line, not a line per object" \
	"applied: 12 added, 0 changed, 0 removed (generation $g)" "$out"
expect_eq "... and no progress when stderr is not a tty" "" "$(cat "$TMP/err")"

# -v: a line per change, then the summary.
jq '(.vnics[] | select(.id == "vnic-a1") | .conntrack_limit) = 1000
    | .gateways |= map(select(.id != "lpg-a"))' \
	"$DATA/example.json" >"$TMP/one.json"
out=$(vnicctl -n $NS apply -v "$TMP/one.json")
expect_eq "apply -v: a line per change, then the summary" \
	"~ vnic vnic-a1
- gateway lpg-a
applied: 0 added, 1 changed, 1 removed (generation $((g + 1)))" "$out"
out=$(vnicctl -n $NS --verbose apply "$DATA/example.json")
expect_eq "--verbose before the command is -v" \
	"+ gateway lpg-a
~ vnic vnic-a1
applied: 1 added, 1 changed, 0 removed (generation $((g + 2)))" "$out"

# -q: nothing at all on success, and the change is made.
g=$(ip netns exec $NS vnicctl -j info | jq .generation)
expect_eq "apply -q prints nothing" "" \
	"$(vnicctl -q -n $NS apply "$TMP/one.json" 2>&1)"
expect_eq "... and applies" "$((g + 1))" \
	"$(ip netns exec $NS vnicctl -j info | jq .generation)"
expect_fail_msg "apply -q still reports a refusal" "vnic-nope|sub-nope|subnet" \
	vnicctl -q -n $NS apply <(jq '.vnics[0].subnet = "sub-nope"' "$DATA/example.json")

# A large document: --progress counts every change, ending at "M of M".
jq '.vnics += [range(0; 200) as $i | {id: "vnic-p\($i)", subnet: "sub-a",
	private_ips: ["10.1.1.\(20 + $i)"], vips: [{ip: "10.0.101.\($i + 1)"}],
	micro_vnic: {vni: (5000 + $i), nvd_ip: "10.0.0.21"}}]' \
	"$DATA/example.json" >"$TMP/big.json"
expect_ok "the large document (212 objects) is valid" vnicctl -q validate "$TMP/big.json"
vnicctl -n $NS flush
out=$(vnicctl -n $NS apply --progress "$TMP/big.json" 2>"$TMP/err")
expect_eq "apply --progress: the summary on stdout" \
	"applied: 212 added, 0 changed, 0 removed" "${out% (generation*}"
expect_eq "apply --progress: the last line on stderr is \"212 of 212\"" \
	"vnicctl apply: 212 of 212 changes" "$(tail -n 1 "$TMP/err")"
expect_ok "apply --progress: every line on stderr is \"N of 212\", N growing" \
	awk '!/^vnicctl apply: [0-9]+ of 212 changes$/ || $3 + 0 <= last { exit 1 }
	     { last = $3 + 0 }' "$TMP/err"
expect_eq "apply --progress with nothing to change: no progress" "" \
	"$(vnicctl -n $NS apply --progress "$TMP/big.json" 2>&1 >/dev/null)"
# On a terminal (script(1) gives one, util-linux's or busybox's), progress
# is shown without --progress.
if script -qc true /dev/null >/dev/null 2>&1; then
	vnicctl -n $NS flush
	script -qc "vnicctl -n $NS apply $TMP/big.json" /dev/null >"$TMP/tty" 2>&1
	expect_ok "apply on a tty shows progress without --progress" \
		grep -q "212 of 212 changes" "$TMP/tty"
else
	ok "apply on a tty shows progress without --progress # SKIP no script(1) here"
fi
expect_eq "apply -q (after the command too) prints nothing" "" \
	"$(vnicctl -n $NS apply -q "$DATA/example.json" 2>&1)"
expect_eq "... and applied: back to the 12 objects" 12 "$(objs $NS)"

# stats VNIC: that VNIC's counters, text and JSON.
all=$(vnicctl -n $NS -j stats)
one=$(vnicctl -n $NS -j stats vnic-a1)
expect_eq "stats -j VNIC: the VNIC's object, its id added" \
	"$(jq -S '.vnics["vnic-a1"] + {id: "vnic-a1"}' <<<"$all")" "$(jq -S . <<<"$one")"
txt=$(vnicctl -n $NS stats vnic-a1)
expect_eq "stats VNIC (text): the VNIC's line of stats" \
	"$(vnicctl -n $NS stats | grep '^vnic vnic-a1 ')" "$(head -n 1 <<<"$txt")"
expect_eq "... and nothing of the other VNICs" 0 "$(grep -c '^vnic vnic-fw' <<<"$txt")"
expect_fail_msg "stats of an unknown VNIC fails, naming it" "no vnic vnic-nope" \
	vnicctl -n $NS stats vnic-nope

# show TYPE ID in text: the line of "show TYPE", then every field.
# fields TYPE ID: the lines every member of the JSON form must give (values
# of nested objects as a.b, of arrays of objects as a[i].b).
fields()
{
	vnicctl -n $NS -j show "$1" "$2" | jq -r '
		def name: reduce .[] as $c (""; if ($c | type) == "number"
			then . + "[\($c)]" elif . == "" then $c else . + "." + $c end);
		paths(scalars) as $p | select(($p[-1] | type) == "string")
		| select($p != ["id"]) | "  \($p | name) \(getpath($p))"'
}
for obj in "vnic vnic-a1" "route_table rt-a" "gateway igw-a" "security_list sl-a" \
	   "subnet sub-a" "vcn vcn-a" "nsg nsg-web"; do
	set -- $obj
	txt=$(vnicctl -n $NS show "$1" "$2")
	expect_eq "show $1 $2 (text): first the line of show $1" \
		"$(vnicctl -n $NS show "$1" | awk -v id="$2" '$2 == id')" \
		"$(head -n 1 <<<"$txt")"
	missing=$(fields "$1" "$2" | grep -vxFf <(tail -n +2 <<<"$txt"))
	expect_eq "show $1 $2 (text): every field of the JSON form" "" "$missing"
done
expect_eq "show vnic ID (text): an array of addresses on one line" \
	"  private_ips 10.1.1.5" \
	"$(vnicctl -n $NS show vnic vnic-a1 | grep '^  private_ips ')"
expect_fail_msg "show TYPE ID of no object fails, naming it" "no vnic vnic-nope" \
	vnicctl -n $NS show vnic vnic-nope

# Usage errors are usage errors with the module there too.
vnicctl apply >/dev/null 2>&1
expect_eq "apply without FILE exits 2 with the module loaded" 2 "$?"
vnicctl -n $NS show frob >/dev/null 2>&1
expect_eq "an unknown TYPE exits 2 with the module loaded" 2 "$?"
expect_fail_msg "-n of a namespace that does not exist fails, naming it" \
	'network namespace "vgwt-none"' vnicctl -n vgwt-none info
expect_ok "delete with -n" vnicctl -n $NS delete gateway lpg-a
expect_eq "... removed it there" 11 "$(objs $NS)"

tap_end
