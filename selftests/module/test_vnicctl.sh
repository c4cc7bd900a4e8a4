#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vnicctl against the module: info in text and JSON, and who may change state
# (CAP_NET_ADMIN in the user namespace that owns the network namespace).
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
expect_fail_msg "flush without CAP_NET_ADMIN is refused" \
	"permission denied|not permitted" \
	setpriv --inh-caps=-net_admin --bounding-set=-net_admin vnicctl flush
expect_fail_msg "flush as an unprivileged user is refused" \
	"permission denied|not permitted" \
	setpriv --reuid=65534 --regid=65534 --clear-groups vnicctl flush
expect_eq "refused flushes changed nothing" "$g0" "$(gen)"
expect_ok "info needs no privilege" \
	setpriv --reuid=65534 --regid=65534 --clear-groups vnicctl info
expect_fail_msg "root of a new user namespace may not change the initial namespace" \
	"permission denied|not permitted" unshare -U -r vnicctl flush
expect_eq "... and changed nothing" "$g0" "$(gen)"
expect_ok "root of a new user namespace may change its own network namespace" \
	unshare -U -r -n vnicctl flush
expect_eq "a namespace's flush does not touch another's generation" "$g0" "$(gen)"

tap_end
