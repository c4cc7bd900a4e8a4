#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The VM's half of the package test (the host's is user/tests/test_packages,
# which must have run first: it leaves in build/packages/ the two .debs,
# vnicgw extracted as root/, and vnicgw-dkms-KVER.ko, the module DKMS built
# from the package's sources against Debian's headers). In the guest, with
# nothing from the build tree but those:
#   - the DKMS-built module loads into Debian's kernel, its version is the
#     package's, and the packaged vnicctl talks to it (info, --version);
#   - the packaged agent, started as vnicgw-agent.service starts it (its
#     ExecStart with the packaged example host.conf, adapted: the example
#     state, etcd, a member id, the owner table in the unit's
#     RuntimeDirectory /run/vnicgw), applies the document (the kernel's
#     tables equal it), writes /run/vnicgw/owners.json, and exits 0 on
#     SIGTERM leaving the tables;
#   - the template's instance (vnicgw-agent@blue) does the same in the
#     namespace its host file names.
# The guest has no systemd or dpkg: the units' lines are read and done by
# hand; the host test checks the unit files themselves (systemd-analyze).
# Not in any list: run it with
#   build/tests/test_packages && \
#   tools/vm run selftests/run-vm.sh module/test_packages.sh
set -u
DIR=$(cd "$(dirname "$0")" && pwd)
. "$DIR/../lib.sh"
TOP=$(cd "$DIR/../.." && pwd)
. "$TOP/user/tests/etcd_lib.sh"
PKG=$TOP/build/packages
ROOT=$PKG/root
KVER=$(uname -r)
KO=$PKG/vnicgw-dkms-$KVER.ko
WORK=$(mktemp -d /tmp/vgwt-pkgvm.XXXXXX)
PIDS=()

cleanup()
{
	local p
	for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
	etcd_stop KILL
	netns_cleanup
	unload_module
	[ "$TAP_FAILED" -gt 0 ] && tail -n 20 "$WORK"/*.log 2>/dev/null | diag
	rm -rf "$WORK" /etc/vnicgw /run/vnicgw
}
trap cleanup EXIT

tap_begin
[ -f "$KO" ] && [ -x "$ROOT/usr/sbin/vnicctl" ] ||
	{ echo "Bail out! no $KO or $ROOT (run build/tests/test_packages on the host first)"; exit 1; }
VER=$(sed -n 's/^#define VGW_VERSION "\(.*\)"/\1/p' "$TOP/kmod/vnicgw.h")
VNICCTL=$ROOT/usr/sbin/vnicctl
AGENT=$ROOT/usr/sbin/vnicgw-agent

unload_module
expect_ok "the module DKMS built against Debian's headers loads into $KVER" insmod "$KO"
expect_eq "its version is the package's" "$VER" "$(cat /sys/module/vnicgw/version 2>/dev/null)"
expect_eq "the packaged vnicctl info reports it" "version $VER" "$("$VNICCTL" info | grep '^version')"
out=$("$VNICCTL" --version 2>&1)
if [ $? -eq 0 ] && grep -q "$VER" <<<"$out"; then
	ok "the packaged vnicctl --version: $out"
else
	not_ok "the packaged vnicctl --version"
	diag <<<"$out"
fi

# The unit, done by hand: RuntimeDirectory, then ExecStart.
UNIT=$ROOT/lib/systemd/system/vnicgw-agent.service
exec_start=$(sed -n 's/^ExecStart=//p' "$UNIT")
rundir=/run/$(sed -n 's/^RuntimeDirectory=//p' "$UNIT")
etcd_start "$WORK/etcd" || exit 1
mkdir -p /etc/vnicgw "$rundir"
cp "$ROOT/usr/share/doc/vnicgw/examples/state.json" /etc/vnicgw/state.json
# The example host file, with its commented cluster lines taken up.
sed -e "s|^# etcd = .*|etcd = $ETCD_URL|" \
    -e 's|^# host-id = .*|host-id = gw-1|' \
    -e 's|^# owner-table = \([^ ]*\).*|owner-table = \1|' \
    -e 's|^state = .*||' \
    "$ROOT/usr/share/doc/vnicgw/examples/host.conf" >/etc/vnicgw/host.conf
expect_ok "vnicctl apply --etcd: the example document into etcd" \
	"$VNICCTL" apply --etcd "$ETCD_URL" /etc/vnicgw/state.json
read -r -a argv <<<"${exec_start/\/usr\/sbin\/vnicgw-agent/$AGENT}"
"${argv[@]}" 2>"$WORK/agent.log" &
PIDS+=($!)
agent=$!
same() { [ "$("$VNICCTL" -j show | jq -S .)" = "$("$VNICCTL" -j validate /etc/vnicgw/state.json | jq -S .)" ]; }
if wait_for 30 same; then
	ok "the agent started as the unit does applies the document: the kernel's tables equal it"
else
	not_ok "the kernel's tables do not equal the document"
fi
if wait_for 15 test -s "$rundir/owners.json" && jq -e . "$rundir/owners.json" >/dev/null; then
	ok "it writes the owner table into the unit's RuntimeDirectory ($rundir/owners.json)"
else
	not_ok "no owner table in $rundir"
fi
expect_ok "its link (host.conf: link = gw0) is up" ip link show gw0 up
kill -TERM "$agent"
wait "$agent"
expect_eq "SIGTERM: exit 0" 0 $?
expect_ok "... and the tables stay" same

# The template: one agent per namespace, the instance's host file.
TMPL=$ROOT/lib/systemd/system/vnicgw-agent@.service
inst=vgwt-blue
ip netns add $inst
exec_start=$(sed -n 's/^ExecStart=//p' "$TMPL" | sed "s/%i/$inst/g")
rundir=/run/$(sed -n 's/^RuntimeDirectory=//p' "$TMPL" | sed "s/%i/$inst/g")
mkdir -p "$rundir"
sed -e "s|^netns = .*|netns = $inst|" -e "s|^state = .*|state = /etc/vnicgw/state.json|" \
    "$ROOT/usr/share/doc/vnicgw/examples/host@.conf" >/etc/vnicgw/$inst.conf
read -r -a argv <<<"${exec_start/\/usr\/sbin\/vnicgw-agent/$AGENT}"
"${argv[@]}" 2>"$WORK/agent-$inst.log" &
PIDS+=($!)
agent=$!
same_ns() { [ "$(ip netns exec $inst "$VNICCTL" -j show | jq -S .)" = "$("$VNICCTL" -j validate /etc/vnicgw/state.json | jq -S .)" ]; }
if wait_for 30 same_ns; then
	ok "vnicgw-agent@$inst: the namespace's tables equal the document"
else
	not_ok "vnicgw-agent@$inst: the namespace's tables do not equal the document"
fi
expect_ok "... its link is in $inst" ip -n $inst link show gw0
kill -TERM "$agent"
wait "$agent"
expect_eq "vnicgw-agent@$inst: SIGTERM: exit 0" 0 $?

tap_end
