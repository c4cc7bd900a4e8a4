#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vnicctl against the module: info in text and JSON, and who may change or
# read state: CAP_NET_ADMIN in the initial user namespace, or with the module
# parameter allow_userns, in the user namespace that owns the network
# namespace (an unprivileged user's own user and network namespaces).
# Runs in the VM (tools/vm run).
set -u
. "$(dirname "$0")/../lib.sh"
trap 'netns_cleanup; unload_module' EXIT

tap_begin
unload_module
expect_fail_msg "vnicctl says so when the module is not loaded" \
	"module is not loaded" vnicctl info
load_module

# The namespace's generation; aborts the test if it cannot be read, so that
# no comparison below can pass on two empty strings.
gen()
{
	local g

	g=$(vnicctl -j info | jq -r .generation)
	[[ "$g" =~ ^[0-9]+$ ]] || { echo "Bail out! cannot read the generation" >&2; return 1; }
	echo "$g"
}

ver=$(cat /sys/module/vnicgw/version)
out=$(vnicctl info)
expect_eq "info (text) reports the module's version" \
	"version $ver" "$(grep '^version' <<<"$out")"
expect_eq "info (text) reports no link in a namespace without one" \
	"link none" "$(grep '^link' <<<"$out")"

ip netns add vgwt-a
ip -n vgwt-a link add gwx type vnicgw
idx=$(ip netns exec vgwt-a cat /sys/class/net/gwx/ifindex)
js=$(ip netns exec vgwt-a vnicctl -j info)
expect_ok "info -j is valid JSON" jq -e . <<<"$js"
expect_eq "info -j names the namespace's link and its ifindex" \
	"gwx $idx" "$(jq -r '.link.ifname + " " + (.link.ifindex|tostring)' <<<"$js")"
expect_eq "info -j version equals the module's" "$ver" "$(jq -r .version <<<"$js")"
txt_feat=$(ip netns exec vgwt-a vnicctl info | sed -n 's/^features //p')
expect_eq "text and JSON list the same features" \
	"$txt_feat" "$(jq -r '.features | join(" ")' <<<"$js")"
expect_ok "the initial namespace does not see vgwt-a's link" \
	bash -c '[ "$(vnicctl -j info | jq -r .link)" = null ]'

g0=$(gen) || exit 1
expect_ok "flush as root" vnicctl flush
expect_eq "flush bumps the generation by one" $((g0 + 1)) "$(gen)"

g0=$(gen) || exit 1
NEED_INIT="CAP_NET_ADMIN in the initial user namespace"
expect_fail_msg "flush without CAP_NET_ADMIN is refused, saying why" \
	"$NEED_INIT" \
	setpriv --inh-caps=-net_admin --bounding-set=-net_admin vnicctl flush
asuser() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
expect_fail_msg "flush as an unprivileged user is refused" "$NEED_INIT" \
	asuser vnicctl flush
expect_eq "refused flushes changed nothing" "$g0" "$(gen)"
expect_ok "info needs no privilege" asuser vnicctl info

# The tenants' tables, counters and cluster are not for the unprivileged.
vnicctl apply "$VGW_ROOT/user/tests/data/example.json" >/dev/null
expect_fail_msg "an unprivileged user cannot dump the tables (OBJ_GET dump)" \
	"$NEED_INIT" asuser vnicctl show
expect_fail_msg "... nor get one object (OBJ_GET)" \
	"$NEED_INIT" asuser vnicctl show vcn "$(vnicctl -j show | jq -r '.vcns[0].id')"
expect_fail_msg "... nor read the counters (STATS)" \
	"$NEED_INIT" asuser vnicctl stats
expect_fail_msg "... nor the cluster (CLUSTER_GET)" \
	"$NEED_INIT" asuser vnicctl cluster show
expect_ok "root reads them" vnicctl show
vnicctl flush
g0=$(gen) || exit 1

expect_fail_msg "root of a new user namespace may not change the initial namespace" \
	"$NEED_INIT" unshare -U -r vnicctl flush
expect_eq "... and changed nothing" "$g0" "$(gen)"

# allow_userns: off by default; then an unprivileged user's own user and
# network namespaces reach nothing of vnicgw, the link type included.
P=/sys/module/vnicgw/parameters/allow_userns
expect_eq "allow_userns is off by default" N "$(cat "$P")"
expect_fail_msg "allow_userns off: an unprivileged user's namespace cannot create a vnicgw link" \
	"a vnicgw link needs $NEED_INIT" \
	asuser unshare -Urn ip link add gw0 type vnicgw
expect_fail_msg "allow_userns off: ... nor read info there" \
	"allow_userns is off" asuser unshare -Urn vnicctl info
expect_fail_msg "allow_userns off: ... nor change its tables (flush)" \
	"allow_userns is off" asuser unshare -Urn vnicctl flush
expect_fail_msg "allow_userns off: root of a new user namespace cannot change its own network namespace" \
	"allow_userns is off" unshare -U -r -n vnicctl flush
echo 1 >"$P"
DOC=$(mktemp /tmp/vgwt-doc.XXXXXX)
cp "$VGW_ROOT/user/tests/data/example.json" "$DOC" && chmod 644 "$DOC"
expect_ok "allow_userns on: an unprivileged user's namespace creates a vnicgw link, applies a document and reads it back" \
	asuser unshare -Urn bash -c '
		ip link add gw0 type vnicgw &&
		vnicctl apply "$1" >/dev/null &&
		vnicctl -j show | jq -e "(.vcns | length) > 0"' - "$DOC"
rm -f "$DOC"
expect_ok "allow_userns on: root of a new user namespace may change its own network namespace" \
	unshare -U -r -n vnicctl flush
expect_fail_msg "allow_userns on: ... and still not the initial namespace" \
	"needs CAP_NET_ADMIN" unshare -U -r vnicctl flush
expect_fail_msg "allow_userns on: an unprivileged user still cannot read the initial namespace's tables" \
	"needs CAP_NET_ADMIN" asuser vnicctl show
echo 0 >"$P"
expect_fail_msg "allow_userns off again: refused again" \
	"allow_userns is off" asuser unshare -Urn vnicctl flush
expect_eq "no namespace's change touched the initial one's generation" "$g0" "$(gen)"

tap_end
