#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Watching the module: the tracepoints vnicgw:vnicgw_drop and
# vnicgw:vnicgw_forward (ftrace), and `vnicctl monitor`, which joins the
# family's multicast groups: "drops" (each dropped packet with its reason,
# VNIC, VNI and inner flow, at most drop_events_rate a second, the rest
# counted as missed: every drop is accounted for) and "config" (the
# objects each commit added, changed or removed; flush; the cluster).
# Only CAP_NET_ADMIN may join. Runs in the VM.
set -u
DIR=$(dirname "$0")
. "$DIR/../lib.sh"
. "$DIR/topo.sh"
. "$DIR/traffic.sh"

TRACE=/sys/kernel/tracing
RATE=/sys/module/vnicgw/parameters/drop_events_rate

tap_begin
topo_init 4 || { not_ok "topology"; tap_end; }
topo_host host1 10.0.0.10
topo_vcn vcn-a 10.1.0.0/16
topo_seclist sl vcn-a \
	ingress "$(rule source=10.1.0.0/16 protocol=icmp)" \
		"$(rule source=10.1.0.0/16 protocol=udp dst_ports=7000)" \
	egress "$(rule destination=0.0.0.0/0 protocol=all)"
topo_subnet sub-a vcn-a 10.1.1.0/24 sl=sl
topo_subnet sub-b vcn-a 10.1.2.0/24 sl=sl
topo_vnic a1 sub-a 10.1.1.5 1001 10.0.0.21 vip=10.0.100.1
topo_vnic b1 sub-b 10.1.2.5 1003 10.0.0.23 vip=10.0.100.1
topo_apply || { not_ok "the document applies"; tap_end; }
expect_ok "the path works" pings a1 10.1.2.5

A1=(nsx a1 "$CRAFT" --from 10.0.0.21 --to 10.0.100.1 --smac 02:00:0a:01:01:05
    --src 10.1.1.5 --dst 10.1.2.5 --dport-in 7000)
# mac_spoof N: N frames of a1's with another source MAC, source ports 41000..
# (dropped before the inner IP header is read: no flow to report)
mac_spoof()
{
	local i

	for ((i = 0; i < $1; i++)); do
		"${A1[@]}" --vxlan 1001 --smac 02:00:0a:01:01:99 --sport $((41000 + i))
	done
}
# denied N: N datagrams of a1's to b1:7001, which b1's rules do not allow:
# ingress_denied on b1, with the flow; source ports 42000..
denied()
{
	local i

	for ((i = 0; i < $1; i++)); do
		"${A1[@]}" --vxlan 1001 --dport-in 7001 --sport $((42000 + i))
	done
}
# monitor SECS OUT ARGS...: `vnicctl -j monitor ARGS` in host1 for at most
# SECS seconds (times VGW_SLOW), in the background, its lines in OUT; returns once it has
# joined the groups (it says "listening" on stderr then).
MON_PID=
monitor()
{
	local secs=$1 out=$2

	shift 2
	# (times VGW_SLOW: under the debug kernel vnicctl alone takes seconds)
	nsx host1 timeout "$((secs * VGW_SLOW))" vnicctl -j monitor "$@" \
		>"$out" 2>"$out.err" &
	MON_PID=$!
	wait_for 5 grep -q "^vnicctl monitor: listening" "$out.err"
}
# finished: the monitor's exit status (124: its time ran out). In this
# shell, which started it.
finished()
{
	wait "$MON_PID"
}

# --- tracepoints ---------------------------------------------------------------------
if [ -d "$TRACE/events/vnicgw" ]; then
	echo >"$TRACE/trace"
	echo 1 >"$TRACE/events/vnicgw/vnicgw_drop/enable"
	echo 1 >"$TRACE/events/vnicgw/vnicgw_forward/enable"
	denied 1
	pings a1 10.1.2.5 >/dev/null
	echo 0 >"$TRACE/events/vnicgw/vnicgw_drop/enable"
	echo 0 >"$TRACE/events/vnicgw/vnicgw_forward/enable"
	t=$(cat "$TRACE/trace")
	expect_match "vnicgw:vnicgw_drop names the reason, the VNIC, the VNI and the flow" \
		"vnicgw_drop: netns=[0-9]+ reason=ingress_denied vnic=b1 vni=1001 proto=17 src=::ffff:10\.1\.1\.5 sport=42000 dst=::ffff:10\.1\.2\.5 dport=7001" "$t"
	expect_match "vnicgw:vnicgw_forward: a1's echo request to b1's NVD, b1's answer to a1's" \
		"vnicgw_forward: netns=[0-9]+ from=a1 vnic=b1 vni=1001 proto=1 src=::ffff:10\.1\.1\.5 .* -> vni=1003 underlay=::ffff:10\.0\.0\.23" "$t"
	expect_match "... and the answer" \
		"vnicgw_forward: netns=[0-9]+ from=b1 vnic=a1 vni=1003 proto=1 src=::ffff:10\.1\.2\.5 .* -> vni=1001 underlay=::ffff:10\.0\.0\.21" "$t"
	expect_match "the drop reasons' names are in the event's format (perf, trace-cmd)" \
		"\{ 0, \"malformed\" \}" "$(cat "$TRACE/events/vnicgw/vnicgw_drop/format")"
else
	not_ok "the vnicgw trace events are in $TRACE/events"
fi

# --- drops ---------------------------------------------------------------------------
out=$TOPO_DIR/mon-drops
monitor 10 "$out" drops count 4 || not_ok "the monitor joined the drops group"
denied 3
mac_spoof 1
finished
expect_eq "vnicctl monitor drops count 4: four events, then it exits" 0 "$?"
expect_eq "... three ingress_denied on b1 with the flow, VNI 1001" \
	"ingress_denied b1 1001 10.1.1.5 42000 10.1.2.5 7001 17
ingress_denied b1 1001 10.1.1.5 42001 10.1.2.5 7001 17
ingress_denied b1 1001 10.1.1.5 42002 10.1.2.5 7001 17" \
	"$(jq -r 'select(.reason == "ingress_denied") | "\(.reason) \(.vnic) \(.vni) \(.src) \(.sport) \(.dst) \(.dport) \(.proto)"' "$out")"
expect_eq "... and a mac_spoof on a1, dropped before its IP header was read: no flow" \
	"mac_spoof a1 1001 null" \
	"$(jq -r 'select(.reason == "mac_spoof") | "\(.reason) \(.vnic) \(.vni) \(.src)"' "$out")"

out=$TOPO_DIR/mon-filter
monitor 10 "$out" drops vnic b1 reason ingress_denied count 1 || not_ok "the monitor joined"
mac_spoof 2
"${A1[@]}" --vxlan 4242
denied 1
finished
expect_eq "monitor drops vnic b1 reason ingress_denied count 1: the other drops are not shown" 0 "$?"
expect_eq "... the one shown is b1's ingress_denied" "ingress_denied b1" \
	"$(jq -r '"\(.reason) \(.vnic)"' "$out")"
out=$TOPO_DIR/mon-filter2
monitor 10 "$out" drops reason no_attachment count 1 || not_ok "the monitor joined"
"${A1[@]}" --vxlan 4242
finished
expect_eq "monitor drops reason no_attachment: VNI 4242, no VNIC" "no_attachment 4242 null" \
	"$(jq -r '"\(.reason) \(.vni) \(.vnic)"' "$out")"

# The rate: 5 a second. 40 drops at once (one craft): 5 reported, 35
# missed; a second later, one more drop reports those it missed. Every
# drop is accounted for. "A second later" counts from when the 40 were
# dropped, not sent: under the debug kernel they wait in the backlog for
# a while (the 41st came within the same interval: 5 + 0).
echo 5 >"$RATE"
out=$TOPO_DIR/mon-rate
monitor 6 "$out" drops || not_ok "the monitor joined"
sleep 1.1	# a fresh interval
b=$(drops mac_spoof a1)
"${A1[@]}" --vxlan 1001 --smac 02:00:0a:01:01:99 --count 40
forty_dropped() { [ "$(drops mac_spoof a1)" -ge $((b + 40)) ]; }
wait_for 10 forty_dropped || not_ok "the 40 frames were dropped"
sleep 1.2
mac_spoof 1
finished
n=$(($(drops mac_spoof a1) - b))
lines=$(wc -l <"$out")
missed=$(jq -s 'map(.missed) | add // 0' "$out")
expect_eq "41 drops counted" 41 "$n"
expect_ok "drop_events_rate 5: at most 6 messages for 41 drops ($lines)" test "$lines" -le 6
expect_eq "... the missed ones are counted: messages + missed = the drops ($lines + $missed)" \
	"$n" "$((lines + missed))"
echo 100 >"$RATE"

# --- config --------------------------------------------------------------------------
out=$TOPO_DIR/mon-config
monitor 10 "$out" config count 3 || not_ok "the monitor joined the config group"
g=$(nsx host1 vnicctl -j info | jq .generation)
jq '.vcns += [{"id": "vcn-m", "cidrs": ["10.77.0.0/16"]}]' "$TOPO_DIR/state.json" \
	>"$TOPO_DIR/state-m.json"
nsx host1 vnicctl -q apply "$TOPO_DIR/state-m.json"
nsx host1 vnicctl delete vcn vcn-m
nsx host1 vnicctl cluster set --self h1 --member h1=10.0.0.10
finished
expect_eq "monitor config count 3: a commit, a delete, a cluster set" 0 "$?"
expect_eq "... vcn-m added (generation $((g + 1))), then removed ($((g + 2)))" \
	"commit $((g + 1)) 1 added vcn vcn-m
commit $((g + 2)) 1 removed vcn vcn-m" \
	"$(jq -r 'select(.event == "commit") | "\(.event) \(.generation) \(.changes) \(.objects[0].op) \(.objects[0].type) \(.objects[0].id)"' "$out")"
expect_eq "... the cluster: self h1, one member" "h1 1" \
	"$(jq -r 'select(.event == "cluster") | "\(.self) \(.members)"' "$out")"
nsx host1 vnicctl cluster clear

# 100 VNICs in one commit: the first 64 listed, all counted.
out=$TOPO_DIR/mon-big
monitor 10 "$out" config count 1 || not_ok "the monitor joined"
jq 'def hex2: [(. / 16 | floor), (. % 16)] | map("0123456789abcdef"[.:. + 1]) | add;
    .vnics += [range(100) | {"id": "m\(.)", "subnet": "sub-b",
	"private_ips": ["10.1.2.\(. + 100)"], "mac": "02:00:00:00:7f:\(hex2)",
	"micro_vnic": {"vni": (5000 + .), "nvd_ip": "10.0.0.99"},
	"vips": [{"ip": "10.0.100.9"}]}]' \
	"$TOPO_DIR/state.json" >"$TOPO_DIR/state-big.json"
if nsx host1 vnicctl -q apply "$TOPO_DIR/state-big.json"; then
	finished
	expect_eq "a commit of 100 VNICs: one event" 0 "$?"
	expect_eq "... 100 changes counted, the first 64 listed" "100 64" \
		"$(jq -r '"\(.changes) \(.objects | length)"' "$out")"
else
	not_ok "the 100-VNIC document applies"
	finished
fi

# --- privilege -----------------------------------------------------------------------
expect_fail_msg "an unprivileged user cannot join the drops group" "needs CAP_NET_ADMIN" \
	nsx host1 setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	vnicctl monitor drops count 1
expect_fail_msg "... nor the config group" "needs CAP_NET_ADMIN" \
	nsx host1 setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	vnicctl monitor config count 1

expect_eq "the kernel log has no warning" "" \
	"$(dmesg | grep -E 'WARNING|BUG|Oops|Call Trace' | head -3)"
tap_end
