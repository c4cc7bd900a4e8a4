#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The control plane end to end: vnicctl apply puts every object of a
# desired-state document into the module's tables, the dump gives the same
# document back, applying again changes nothing, a new document changes only
# what differs, and bad documents change nothing. Runs in the VM.
set -u
. "$(dirname "$0")/../lib.sh"

DATA=$VGW_ROOT/user/tests/data
TMP=$(mktemp -d)
trap 'netns_cleanup; unload_module; rm -rf "$TMP"' EXIT

tap_begin
load_module || exit 1

# canon FILE: the canonical form of a document, computed without the kernel.
canon() { vnicctl -j validate "$1"; }
# The kernel's tables as a canonical document.
dump() { vnicctl -j show; }
gen() { vnicctl -j info | jq -e .generation; }

canon "$DATA/example.json" >"$TMP/want.json"
expect_ok "apply the example document (IPv4, every object type)" \
	vnicctl apply "$DATA/example.json"
dump >"$TMP/got.json"
expect_ok "dump equals the document (round trip of every type)" \
	diff -u "$TMP/want.json" "$TMP/got.json"
expect_eq "the module holds all 12 objects" 12 "$(vnicctl -j info | jq .objects)"
for t in vcns subnets route_tables security_lists nsgs gateways vnics; do
	expect_eq "round trip: $t" "$(jq -S ".$t" "$TMP/want.json")" \
		"$(jq -S ".$t" "$TMP/got.json")"
done

g=$(gen)
out=$(vnicctl apply "$DATA/example.json")
expect_eq "applying the same document again changes nothing" \
	"applied: 0 added, 0 changed, 0 removed (generation $g)" "$out"
expect_eq "... and leaves the generation alone" "$g" "$(gen)"

# IPv6 (and a mixed IPv4/IPv6 VCN) in a namespace of its own.
ip netns add vgwt-v6
canon "$DATA/ipv6.json" >"$TMP/want6.json"
expect_ok "apply the IPv6 document in another namespace" \
	ip netns exec vgwt-v6 vnicctl apply "$DATA/ipv6.json"
ip netns exec vgwt-v6 vnicctl -j show >"$TMP/got6.json"
expect_ok "IPv6 round trip" diff -u "$TMP/want6.json" "$TMP/got6.json"
expect_ok "namespaces do not see each other's tables" \
	diff -u "$TMP/want.json" <(dump)

# A partial update: one VNIC changes; nothing else is touched.
jq '(.vnics[] | select(.id == "vnic-a1") | .conntrack_limit) = 1000' \
	"$DATA/example.json" >"$TMP/one.json"
g=$(gen)
gens_before=$(vnicctl show | awk '$2 != "vnic-a1" {print $2, $NF}')
out=$(vnicctl apply -v "$TMP/one.json")
expect_eq "a changed VNIC is the only change" \
	"~ vnic vnic-a1
applied: 0 added, 1 changed, 0 removed (generation $((g + 1)))" "$out"
expect_eq "the changed VNIC carries the new generation" "$((g + 1))" \
	"$(vnicctl show vnic | awk '$2 == "vnic-a1" {print $NF}')"
expect_eq "every other object keeps the generation that set it" \
	"$gens_before" "$(vnicctl show | awk '$2 != "vnic-a1" {print $2, $NF}')"
expect_eq "the new value is in the kernel" 1000 \
	"$(vnicctl -j show vnic vnic-a1 | jq .conntrack_limit)"

# Add one object, remove another, in one apply.
jq '.vnics += [{"id": "vnic-a2", "subnet": "sub-a", "private_ips": ["10.1.1.6"],
		"micro_vnic": {"vni": 1003, "nvd_ip": "10.0.0.23"},
		"vips": [{"ip": "10.0.100.1"}]}]
    | .gateways |= map(select(.id != "lpg-a"))' "$TMP/one.json" >"$TMP/two.json"
out=$(vnicctl apply -v "$TMP/two.json")
expect_eq "add a VNIC and remove a gateway in one apply" \
	"+ vnic vnic-a2
- gateway lpg-a" "$(grep -v '^applied' <<<"$out")"
expect_ok "... and the dump equals the new document" \
	diff -u <(canon "$TMP/two.json") <(dump)

# dry-run prints the difference and changes nothing.
g=$(gen)
out=$(vnicctl apply --dry-run "$DATA/example.json")
expect_eq "dry-run lists the difference" \
	"+ gateway lpg-a
~ vnic vnic-a1
- vnic vnic-a2" "$out"
expect_eq "dry-run changes nothing" "$g" "$(gen)"

# Bad documents: refused with the object and field named; nothing changes.
vnicctl apply "$DATA/example.json" >/dev/null
dump >"$TMP/before.json"
g=$(gen)
bad()
{
	local desc=$1 pat=$2 filter=$3
	jq "$filter" "$DATA/example.json" >"$TMP/bad.json" || return
	expect_fail_msg "refused: $desc" "$pat" vnicctl apply "$TMP/bad.json"
}
echo '{ "vcns": [ { "id": "x", ' >"$TMP/bad.json"
expect_fail_msg "refused: invalid JSON (line and column)" "line [0-9]+, column [0-9]+" \
	vnicctl apply "$TMP/bad.json"
bad "an unknown key" 'vnics\[0\]: unknown key "colour"' '.vnics[0].colour = "red"'
bad "a duplicate id" "vnics\[1\]\.id: .*vnic-a1" '.vnics[1].id = "vnic-a1"'
bad "a reference to a missing object" "subnets\[0\]\.route_table: .*rt-zz" \
	'.subnets[0].route_table = "rt-zz"'
bad "a private IP outside its subnet" \
	"vnics\[0\]\.private_ips\[0\]: 10\.1\.9\.5 is outside subnet sub-a 10\.1\.1\.0/24" \
	'.vnics[0].private_ips[0] = "10.1.9.5"'
bad "two VNICs with the same (VIP, VNI)" "vnics\[1\]\..*(vni|vip)" \
	'.vnics[1].micro_vnic.vni = 1001 | .vnics[1].vips[0].ip = "10.0.100.1"'
bad "a route target in another VCN" "route_tables\[0\]\.rules\[0\]\.target: .*vcn-b" \
	'.vcns += [{"id": "vcn-b", "cidrs": ["10.2.0.0/16"]}]
	 | .gateways += [{"id": "igw-b", "vcn": "vcn-b", "type": "internet",
			  "underlay_ip": "10.0.0.200", "vni": 9100}]
	 | .route_tables[0].rules[0].target = "igw-b"'
bad "a malformed prefix" "vcns\[0\]\.cidrs\[0\]" '.vcns[0].cidrs[0] = "10.1.0.0/33"'
bad "a malformed port range" "security_lists\[0\]\.ingress\[0\]\.dst_ports" \
	'.security_lists[0].ingress[0].dst_ports = "443-80"'
bad "a malformed protocol" "security_lists\[0\]\.ingress\[0\]\.protocol" \
	'.security_lists[0].ingress[0].protocol = "tcpp"'
bad "a VNI out of range" "vnics\[0\]\.micro_vnic\.vni" '.vnics[0].micro_vnic.vni = 16777216'
expect_ok "after every refusal the dump is as before" \
	diff -u "$TMP/before.json" <(dump)
expect_eq "... and the generation too" "$g" "$(gen)"

# Who may change, or read, the tables: CAP_NET_ADMIN in the initial user
# namespace (allow_userns off, the default).
chmod -R a+rX "$TMP"	# the document itself is readable by anyone
NEED="needs CAP_NET_ADMIN in the initial user namespace"
expect_fail_msg "apply as an unprivileged user is refused" "$NEED" \
	setpriv --reuid=65534 --regid=65534 --clear-groups vnicctl apply "$TMP/two.json"
expect_fail_msg "delete as an unprivileged user is refused" "$NEED" \
	setpriv --reuid=65534 --regid=65534 --clear-groups vnicctl delete vnic vnic-a1
expect_fail_msg "show as an unprivileged user is refused too: the tables are the tenants'" \
	"$NEED" setpriv --reuid=65534 --regid=65534 --clear-groups vnicctl show
expect_ok "refused changes changed nothing" diff -u "$TMP/before.json" <(dump)

# Atomicity: while one process applies A and B in turn, another dumps. B
# differs from A in 200 VNICs, so a dump spans several netlink messages; every
# dump must still equal A or B, never a mixture of the two.
canon "$DATA/example.json" >"$TMP/A.json"
jq '.vnics += [range(10; 210) | {"id": "bulk-\(.)", "subnet": "sub-a",
	"private_ips": ["10.1.1.\(.)"], "micro_vnic": {"vni": (5000 + .),
	"nvd_ip": "10.0.0.30"}, "vips": [{"ip": "10.0.100.1"}]}]' \
	"$DATA/example.json" >"$TMP/Bsrc.json"
canon "$TMP/Bsrc.json" >"$TMP/B.json"
vnicctl apply "$DATA/example.json" >/dev/null
(
	for i in $(seq 15); do
		vnicctl apply "$TMP/Bsrc.json" >/dev/null || exit 1
		vnicctl apply "$DATA/example.json" >/dev/null || exit 1
	done
) &
writer=$!
n=0 mixed=0 saw_b=0
while kill -0 "$writer" 2>/dev/null || [ "$n" -lt 5 ]; do
	vnicctl -j show >"$TMP/d.json" || { mixed=$((mixed + 1)); break; }
	n=$((n + 1))
	if cmp -s "$TMP/d.json" "$TMP/B.json"; then
		saw_b=$((saw_b + 1))
	elif ! cmp -s "$TMP/d.json" "$TMP/A.json"; then
		mixed=$((mixed + 1))
		cp "$TMP/d.json" "$TMP/mixed.json"
	fi
done
wait "$writer"
expect_eq "applies while another process dumps both succeed" 0 $?
expect_eq "each of $n dumps is A or B, never a mixture" 0 "$mixed"
expect_ok "the dumps did see B ($saw_b of $n)" test "$saw_b" -gt 0

# delete: refused while used, fine when not.
expect_fail_msg "delete a VCN in use is refused, naming a user" \
	"vcn vcn-a is used by" vnicctl delete vcn vcn-a
expect_fail_msg "delete a missing object is refused" "no vnic nope" \
	vnicctl delete vnic nope
expect_ok "delete a VNIC" vnicctl delete vnic vnic-fw
expect_eq "... it is gone" "" "$(vnicctl show vnic | awk '$2 == "vnic-fw"')"

# A security list and an NSG of a thousand rules each way: more than one
# attribute holds (64 KiB), so vnicctl sets them in parts and the kernel
# dumps them in parts (uapi: VNICGW_SECLIST_APPEND), which vnicctl joins.
ip netns add vgwt-sl
# round_trip NAME APPLIED DUMPED: $TMP/NAME.json applies in vgwt-sl (test
# APPLIED), and the kernel's dump of it equals the document (test DUMPED).
round_trip()
{
	canon "$TMP/$1.json" >"$TMP/$1.want"
	expect_ok "$2" ip netns exec vgwt-sl vnicctl apply "$TMP/$1.json"
	ip netns exec vgwt-sl vnicctl -j show >"$TMP/$1.got"
	expect_ok "$3" diff -u "$TMP/$1.want" "$TMP/$1.got"
}
# 1200 short rules: one request (no append), but more than one dump message.
jq '(.security_lists[] | select(.id == "sl-a")) |= (.ingress =
	[range(0; 1000) | {source: "10.\(. / 256 | floor).\(. % 256).0/24",
		protocol: "all"}] | .egress =
	[range(0; 200) | {destination: "172.16.\(.).0/24", protocol: "all"}])' \
	"$DATA/example.json" >"$TMP/sl1200.json"
round_trip sl1200 "a security list of 1200 rules applies in one request" \
	"... and the dump, in parts, gives it back rule for rule"
jq '(.security_lists[] | select(.id == "sl-a")) |= (
	.ingress = [range(0; 1024) | {source: "10.\(. / 256 | floor).\(. % 256).0/24",
		protocol: "tcp", src_ports: "1024-65535", dst_ports: "\(. + 1)"}] |
	.egress = [range(0; 1024) | {destination: "172.16.\(. / 256 | floor).\(. % 256)/32",
		protocol: "udp", dst_ports: "\(. + 2000)-\(. + 3000)"}]) |
    (.nsgs[] | select(.id == "nsg-web")) |= (
	.ingress = [range(0; 1024) | {source: "nsg:nsg-web", protocol: "icmp",
		icmp_type: 3, icmp_code: (. % 16)}])' \
	"$DATA/example.json" >"$TMP/bigsl.json"
round_trip bigsl "a security list of 2048 rules and an NSG of 1024 apply" \
	"... and the dump gives them back rule for rule"
expect_eq "... all 2048 rules of sl-a" 2048 \
	"$(jq '.security_lists[] | select(.id == "sl-a") | (.ingress + .egress) | length' "$TMP/bigsl.got")"
ip netns exec vgwt-sl vnicctl -j show security_list sl-a >"$TMP/bigsl.one"
expect_eq "vnicctl show security_list sl-a (OBJ_GET, in parts) has all 2048" 2048 \
	"$(jq '(.ingress + .egress) | length' "$TMP/bigsl.one")"
out=$(ip netns exec vgwt-sl vnicctl apply "$TMP/bigsl.json")
expect_eq "applying it again changes nothing" "applied: 0 added, 0 changed, 0 removed" \
	"${out% (generation*}"

# The limits of a namespace's tables (module parameters), each refused with
# a message naming the object.
PARAMS=/sys/module/vnicgw/parameters
ip netns add vgwt-lim
max_objects=$(cat "$PARAMS/max_objects")
echo 11 >"$PARAMS/max_objects"
expect_fail_msg "max_objects 11: the 12th object of a document is refused, named" \
	"[a-z_ ]+ [a-z0-9-]+: the namespace holds 11 objects, the most it may \(module parameter max_objects\)" \
	ip netns exec vgwt-lim vnicctl apply "$DATA/example.json"
expect_eq "... and nothing of the document was committed" 0 \
	"$(ip netns exec vgwt-lim vnicctl -j info | jq .objects)"
echo "$max_objects" >"$PARAMS/max_objects"
expect_ok "with the limit back, the document applies" \
	ip netns exec vgwt-lim vnicctl apply "$DATA/example.json"

# Service destinations expand into their gateway's prefixes: the table's
# route count is bounded (a full table could reach ~67M). (120 prefixes: a
# gateway is read back in one message, which holds about 140.)
jq '(.gateways[] | select(.id == "sgw-a") | .services.all) =
	[range(0; 120) | "100.64.\(.).0/24"]' "$DATA/example.json" >"$TMP/svc.json"
max_routes=$(cat "$PARAMS/max_table_routes")
echo 100 >"$PARAMS/max_table_routes"
expect_fail_msg "max_table_routes 100: a table whose service expands to 122 routes is refused, naming it and the rule" \
	"route table rt-a: rules\[[0-9]+\] makes it more than 100 routes with service prefixes expanded \(module parameter max_table_routes\)" \
	ip netns exec vgwt-lim vnicctl apply "$TMP/svc.json"
echo 1000 >"$PARAMS/max_table_routes"
expect_ok "max_table_routes 1000: the same table applies" \
	ip netns exec vgwt-lim vnicctl apply "$TMP/svc.json"
echo "$max_routes" >"$PARAMS/max_table_routes"

tap_end
