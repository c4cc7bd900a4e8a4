#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The desired state in a real etcd, on this machine (no kernel needed):
# vnicctl apply --etcd writes a document one object per key, in one
# transaction; the keys read back as the document; a change of one VNIC is
# one key; removals delete; refusals write nothing; a big document spans
# transactions; keys written by hand are validated with the key in the
# message; members and their owner table. Run as build/tests/test_etcd_store
# (make tests), which points here.
#
# etcd is started on free loopback ports with a fresh data directory and
# stopped by its pid at the end.
set -u
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/selftests/lib.sh"
. "$here/etcd_lib.sh"
export PATH=$top/build/bin:$PATH

WORK=$(mktemp -d /tmp/vgwt-etcd.XXXXXX)
cleanup()
{
	etcd_stop KILL
	[ "$TAP_FAILED" -gt 0 ] && tail -n 20 "$WORK/etcd/etcd.log" 2>/dev/null | diag
	rm -rf "$WORK"
}
trap cleanup EXIT

DATA=$top/user/tests/data
P=/vgwt-host/

tap_begin
command -v etcd >/dev/null || { echo "Bail out! etcd not installed (tools/install-deps)"; exit 1; }
etcd_start "$WORK/etcd" || exit 1
E=(--etcd "$ETCD_URL" --etcd-prefix "$P")

# The document's objects, canonical, sorted by key (as jq -S sees them).
same_as_file() # FILE
{
	local held want
	held=$(vnicctl-etcd "${E[@]}" show | jq -S .) || return 1
	want=$(vnicctl -j validate "$1" | jq -S .) || return 1
	[ -n "$want" ] && [ "$held" = "$want" ]
}
n_keys() { etcdctl_t get "$P" --prefix --keys-only | grep -c .; }

# --- a first write ----------------------------------------------------------

out=$(vnicctl apply "${E[@]}" "$DATA/example.json" 2>&1)
rc=$?
expect_eq "apply --etcd of the example exits 0" 0 "$rc"
expect_ok "... in one transaction, 12 objects added" \
	grep -q "12 added, 0 changed, 0 removed (revision [0-9]*, 1 transaction)" <<<"$out"
expect_eq "... one key per object" 12 "$(n_keys)"
expect_eq "... under objects/<type>/<id>" "$P"objects/vnic/vnic-a1 \
	"$(etcdctl_t get "$P"objects/vnic/ --prefix --keys-only | head -n 1)"
expect_ok "the keys read back as the document (show = validate -j)" same_as_file "$DATA/example.json"
value=$(etcdctl_t get "$P"objects/vnic/vnic-fw --print-value-only | jq -S .)
want=$(vnicctl -j validate "$DATA/example.json" | jq -S '.vnics[] | select(.id == "vnic-fw")')
expect_eq "a key's value is its object's canonical JSON" "$want" "$value"

rev=$(etcd_rev)
out=$(vnicctl apply "${E[@]}" "$DATA/example.json" 2>&1)
expect_ok "the same document again changes nothing" grep -q "0 added, 0 changed, 0 removed" <<<"$out"
expect_eq "... and writes nothing (same revision)" "$rev" "$(etcd_rev)"

# --- one VNIC changes: one key ------------------------------------------------

jq '(.vnics[] | select(.id == "vnic-fw") | .conntrack_limit) = 1234' \
	"$DATA/example.json" >"$WORK/doc2.json"
out=$(vnicctl apply "${E[@]}" "$WORK/doc2.json" 2>&1)
expect_eq "a changed VNIC is reported as one change" "~ vnic vnic-fw" "$(grep '^[-+~] ' <<<"$out")"
expect_eq "... the revision moves by one" $((rev + 1)) "$(etcd_rev)"
changed=$(etcdctl_t get "$P" --prefix -w json |
	jq --argjson r $((rev + 1)) '[.kvs[] | select(.mod_revision == $r) | .key | @base64d]')
expect_eq "... and exactly one key changed, the VNIC's" "[\"${P}objects/vnic/vnic-fw\"]" "$(jq -c . <<<"$changed")"
expect_ok "... which holds the new value" same_as_file "$WORK/doc2.json"

jq 'del(.vnics[] | select(.id == "vnic-a1"))' "$WORK/doc2.json" >"$WORK/doc3.json"
out=$(vnicctl apply "${E[@]}" "$WORK/doc3.json" 2>&1)
expect_eq "a removed VNIC is deleted" "- vnic vnic-a1" "$(grep '^[-+~] ' <<<"$out")"
expect_eq "... its key is gone" 11 "$(n_keys)"

# --- refusals write nothing -----------------------------------------------------

rev=$(etcd_rev)
jq '(.vnics[] | select(.id == "vnic-a1") | .private_ips) = ["10.1.9.5"]' \
	"$DATA/example.json" >"$WORK/bad.json"
expect_fail_msg "an invalid document is refused with the validator's message" \
	'vnics\[[0-9]+\]\.private_ips\[0\]: 10\.1\.9\.5 is outside subnet' \
	vnicctl apply "${E[@]}" "$WORK/bad.json"
echo '{}' >"$WORK/empty.json"
expect_fail_msg "an empty document is refused (agents would read no document)" \
	'empty document is refused' vnicctl apply "${E[@]}" "$WORK/empty.json"
out=$(vnicctl apply "${E[@]}" --dry-run "$DATA/example.json" 2>&1)
expect_eq "--dry-run prints the difference" "+ vnic vnic-a1 ~ vnic vnic-fw" "$(grep '^[-+~] ' <<<"$out" | xargs)"
expect_eq "... and none of these wrote anything" "$rev" "$(etcd_rev)"
expect_fail_msg "an unreachable etcd is an error naming it" \
	'etcd http://127.0.0.1:1.*(onnect|refused)' \
	vnicctl apply --etcd http://127.0.0.1:1 "$DATA/example.json"
expect_fail_msg "apply --etcd without a file is a usage error" 'usage: vnicctl apply --endpoints' \
	vnicctl apply --etcd "$ETCD_URL"

# --- keys written by hand -------------------------------------------------------

etcdctl_t put "$P"objects/vnic/vnic-x '{"id": "vnic-y"}' >/dev/null
expect_fail_msg "a hand-written key whose id differs is refused, naming the key" \
	"${P}objects/vnic/vnic-x: the object's id is \"vnic-y\", not the key's vnic-x" \
	vnicctl-etcd "${E[@]}" show
etcdctl_t del "$P"objects/vnic/vnic-x >/dev/null
one=$(etcdctl_t get "$P"objects/vnic/vnic-fw --print-value-only | jq -c '.private_ips = ["10.1.9.5"]')
etcdctl_t put "$P"objects/vnic/vnic-fw "$one" >/dev/null
expect_fail_msg "an invalid hand-written object is refused with the validator's words and its key" \
	"^vnicctl-etcd show: ${P}objects/vnic/vnic-fw: private_ips\[0\]: 10\.1\.9\.5 is outside subnet" \
	vnicctl-etcd "${E[@]}" show
etcdctl_t put "$P"objects/router/r1 '{"id": "r1"}' >/dev/null
out=$(vnicctl apply "${E[@]}" "$DATA/example.json" 2>&1)
expect_ok "apply repairs what was written by hand and removes unknown keys" \
	grep -qx -- "- key ${P}objects/router/r1" <<<"$out"
expect_ok "... and the keys are the document again" same_as_file "$DATA/example.json"
etcdctl_t put "$P"config/x 1 >/dev/null
vnicctl apply "${E[@]}" "$DATA/example.json" >/dev/null
expect_eq "... and leaves keys outside objects/ alone" 1 "$(etcdctl_t get "$P"config/x --print-value-only)"

# --- a document too big for one transaction ------------------------------------

jq '.vnics += [range(10; 210) as $i | {id: "v\($i)", subnet: "sub-a",
	private_ips: ["10.1.1.\($i)"], micro_vnic: {vni: (2000 + $i), nvd_ip: "10.0.0.21"},
	vips: [{ip: "10.0.101.\($i)"}]}]' "$DATA/example.json" >"$WORK/big.json"
out=$(vnicctl apply "${E[@]}" "$WORK/big.json" 2>&1)
expect_ok "200 new VNICs go in two transactions of at most 128 keys" \
	grep -q "200 added, 0 changed, 0 removed (revision [0-9]*, 2 transactions)" <<<"$out"
expect_ok "... and read back as the document" same_as_file "$WORK/big.json"
out=$(vnicctl apply "${E[@]}" "$DATA/example.json" 2>&1)
expect_ok "removing them again: 200 deletes" grep -q "0 added, 0 changed, 200 removed" <<<"$out"
expect_eq "... first the VNICs (dependency order reversed)" "- vnic v10" "$(grep -m1 '^- ' <<<"$out")"

# --- members --------------------------------------------------------------------------

lease=$(etcdctl_t lease grant 60 | awk '{print $2}')
for h in h2 h1 h3; do
	etcdctl_t put --lease="$lease" "$P"members/$h "{\"id\": \"$h\"}" >/dev/null
done
expect_eq "members lists the live hosts, sorted" "h1 h2 h3" "$(vnicctl-etcd "${E[@]}" members | xargs)"
fp=$(owner-sim --table h3,h1,h2 | awk '/^fingerprint/ {print $2}')
expect_eq "owners: the same table as owner-sim computes for those ids" "$fp" \
	"$(vnicctl-etcd "${E[@]}" owners | awk '/^fingerprint/ {print $2}')"
# A host's count is binomial (65537 slots, 1/3 each): sigma 121, 5 sigma 603.
expect_ok "... each host with about a third of the slots (within 5 sigma), 65537 in all" \
	bash -c "vnicctl-etcd ${E[*]} owners | awk '/ slots [0-9]+ / {
			for (i = 1; i < NF; i++) if (\$i == \"slots\") n = \$(i + 1)
			sum += n; hosts++; if (n < 21845 - 603 || n > 21846 + 603) bad++ }
		END { exit !(hosts == 3 && sum == 65537 && !bad) }'"
# The members' keys say the table their agents build (two backups here):
# owners builds that one; a mix is warned about.
for h in h1 h2 h3; do
	etcdctl_t put --lease="$lease" "$P"members/$h \
		"{\"id\": \"$h\", \"table\": \"rendezvous/65537/2\"}" >/dev/null
done
out=$(vnicctl-etcd "${E[@]}" owners 2>"$WORK/owners.err")
expect_eq "members whose keys say two backups: owners builds that table (owner-sim's)" \
	"backups 2 $(owner-sim --table h1,h2,h3 --backups 2 | awk '/^fingerprint/ {print $2}')" \
	"$(awk '/^backups/ {b = $2} /^fingerprint/ {f = $2} END {print "backups", b, f}' <<<"$out")"
expect_eq "... without a warning" "" "$(cat "$WORK/owners.err")"
etcdctl_t put --lease="$lease" "$P"members/h2 '{"id": "h2", "table": "rendezvous/65537/1"}' >/dev/null
vnicctl-etcd "${E[@]}" owners >/dev/null 2>"$WORK/owners.err"
expect_ok "one says one backup: a warning that the kernels disagree" \
	grep -q "the members build different tables (1 rendezvous/65537/1, 2 rendezvous/65537/2, 0 other" "$WORK/owners.err"
etcdctl_t lease revoke "$lease" >/dev/null
expect_eq "hosts whose lease is gone are no longer members" "" "$(vnicctl-etcd "${E[@]}" members)"

tap_end
