#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest side of test_runner.sh case (a): a clean run.
#   ok.sh OUTDIR
# Prints a greeting (the host looks for it on stdout), writes OUTDIR/from-guest
# (the host checks it appeared through 9p), checks the environment tools/vm
# promises and writes one "ok NAME" or "FAIL NAME: detail" line per check to
# OUTDIR/env-report, and, if the host built OUTDIR/vm_runner_hello.ko, loads
# and unloads it (an out-of-tree, unsigned module: its taint messages must not
# fail the kernel-log check). Exits 0 whatever the checks found: the host
# judges the report.
out=$1
echo "vm-runner-ok: hello from the guest"
echo "written by the guest" >"$out/from-guest"

report=$out/env-report
: >"$report"
check() { # check NAME COMMAND...
	local name=$1
	shift
	if "$@" >/dev/null 2>&1; then
		echo "ok $name" >>"$report"
	else
		echo "FAIL $name: $*" >>"$report"
	fi
}
# shellcheck disable=SC2317 # called through check
eq() { [ "$1" = "$2" ]; }
# shellcheck disable=SC2317
mounted() { # mounted DIR FSTYPE
	awk -v d="$1" -v t="$2" '$2 == d && $3 == t { f = 1 } END { exit !f }' /proc/mounts
}

check in-vm eq "${VGW_IN_VM:-}" 1
check vgw-root eq "${VGW_ROOT:-}" "$(cd "$(dirname "$0")/../../.." && pwd -P)"
check vgw-ko eq "${VGW_KO:-}" "$VGW_ROOT/kmod/vnicgw.ko"
check kver eq "${KVER:-}" "$(uname -r)"
check path eq "${PATH%%:/usr/local/sbin*}" "$VGW_ROOT/build/bin:$VGW_ROOT/tools"
check hostname eq "$(hostname)" vm
check root-uid eq "$(id -u)" 0
check lo-up grep -q UP <(/usr/sbin/ip -o link show dev lo)
check proc mounted /proc proc
check sysfs mounted /sys sysfs
check devtmpfs mounted /dev devtmpfs
check devpts mounted /dev/pts devpts
check tmp-tmpfs mounted /tmp tmpfs
check run-tmpfs mounted /run tmpfs
check debugfs mounted /sys/kernel/debug debugfs
check tracefs mounted /sys/kernel/tracing tracefs
check bpffs mounted /sys/fs/bpf bpf
check cgroup2 mounted /sys/fs/cgroup cgroup2
check checkout-9p mounted "$VGW_ROOT" 9p
# The real programs, not busybox applets.
check real-ip eq "$(readlink -f "$(command -v ip)")" /usr/sbin/ip
check real-mount eq "$(readlink -f "$(command -v mount)")" /usr/bin/mount
check sh-is-bash eq "$(readlink -f /bin/sh)" /usr/bin/bash
check bpftool bpftool version
check nobody eq "$(setpriv --reuid=nobody --regid=nogroup --clear-groups id -u)" 65534
check proc-subst eq "$(cat <(echo x))" x
check modprobe-veth modprobe veth
check veth-pair /usr/sbin/ip link add vr0 type veth peer name vr1
check modprobe-vxlan modprobe vxlan
check modprobe-geneve modprobe geneve
check modprobe-nft-ct modprobe nft_ct
check modprobe-openvswitch modprobe openvswitch
check modprobe-pktgen modprobe pktgen
check netns unshare --net true
if [ -f "$out/vm_runner_hello.ko" ]; then
	check insmod-oot insmod "$out/vm_runner_hello.ko"
	check rmmod-oot rmmod vm_runner_hello
fi
exit 0
