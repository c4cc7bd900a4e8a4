#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Flow logs (vnicgw-agent --flow-logs, user/agent/flowlog.c) with real
# traffic: sub-a has flow_logs on, sub-b off; a1 (sub-a) logs, a2 (sub-a,
# "flow_logs": false) and b1 (sub-b) do not. The agent writes a line per
# connection every 2 s: the ACCEPT lines of a1's TCP and UDP connections
# add up to the kernel's own counters of the entry, a second interval
# carries the difference (not the total), an idle connection writes
# nothing; a flow refused by a1's rules is a REJECT line with its reason,
# one refused by b1's rules none; drop events the kernel rate-limited away
# come back as SKIPDATA "missed". Turning flow_logs on for sub-b changes
# no kernel object (the generation stays) and b1's connections appear.
# Runs in the VM.
set -u
DIR=$(dirname "$0")
. "$DIR/../lib.sh"
. "$DIR/topo.sh"
. "$DIR/traffic.sh"

tap_begin
topo_init 4 || { not_ok "topology"; tap_end; }
topo_host host1 10.0.0.10
topo_vcn vcn-a 10.1.0.0/16
topo_seclist sl-a vcn-a \
	ingress "$(rule source=0.0.0.0/0 protocol=icmp)" \
	egress "$(rule destination=0.0.0.0/0 protocol=all)"
topo_seclist sl-b vcn-a \
	ingress "$(rule source=10.1.0.0/16 protocol=tcp dst_ports=7000)" \
		"$(rule source=10.1.0.0/16 protocol=udp dst_ports=7000)" \
	egress "$(rule destination=10.1.0.0/16 protocol=all)"
topo_subnet sub-a vcn-a 10.1.1.0/24 sl=sl-a
topo_subnet sub-b vcn-a 10.1.2.0/24 sl=sl-b
topo_vnic a1 sub-a 10.1.1.5 1001 10.0.0.21 vip=10.0.100.1
topo_vnic a2 sub-a 10.1.1.6 1003 10.0.0.23 vip=10.0.100.1
topo_vnic b1 sub-b 10.1.2.5 1002 10.0.0.22 vip=10.0.100.1
topo_jq '(.subnets[] | select(.id == "sub-a")).flow_logs = true |
	(.vnics[] | select(.id == "a2")).flow_logs = false' ||
	{ not_ok "flow_logs in the document"; tap_end; }
topo_apply || { not_ok "the document applies"; tap_end; }
serve b1 tcp 7000 b1 udp 7000 || { not_ok "servers"; tap_end; }

vctl() { nsx host1 vnicctl "$@"; }
gen() { vctl -j info | jq -r .generation; }
STATE=$TOPO_DIR/agent-state.json
FLOWS=$TOPO_DIR/flows.json
cp "$(topo_doc)" "$STATE"

g0=$(gen)
expect_eq "vnicctl apply --dry-run: nothing to change for flow_logs (the kernel has no such field)" \
	"" "$(vctl apply --dry-run "$STATE" 2>&1)"
topo_bg agent host1 vnicgw-agent --state "$STATE" --interval 0.5 \
	--flow-logs "$FLOWS" --flow-log-interval 2 --log-level debug \
	--metrics 127.0.0.1:9500
AGENT_PID=$TOPO_BG_PID
expect_ok "the agent starts and reads the document" \
	wait_for 10 grep -q "$STATE: loaded" "$TOPO_DIR/agent.log"

# lines FILTER: the flow log lines jq selects, compact, one per line.
lines() { jq -c "select($1)" "$FLOWS" 2>/dev/null; }
# nlines FILTER: how many.
nlines() { lines "$1" | wc -l; }
# sum FILTER FIELD: the sum of FIELD over the lines.
sum() { jq -s "map(select($1) | .$2) | add // 0" "$FLOWS" 2>/dev/null; }
# ct_get VNIC PROTO SPORT: the kernel's entry (vnicctl -j conntrack).
ct_get()
{
	vctl -j conntrack 2>/dev/null |
		jq -c --arg v "$1" --arg p "$2" --argjson s "$3" \
			'.[] | select(.vnic == $v and .proto == $p and .sport == $s)'
}
has() { [ "$(nlines "$1")" -ge "${2:-1}" ]; }

# --- ACCEPT: TCP, deltas -------------------------------------------------------
T='.action == "ACCEPT" and .vnic == "a1" and .proto == "tcp" and .sport == 5501'
hold_start ab a1 10.1.2.5 7000 --sport 5501 --timeout 60000
expect_match "a1 holds a TCP connection to b1:7000" "^b1 10\.1\.1\.5 5501$" \
	"$(hold_say ab one)"
expect_ok "an ACCEPT line for a1's TCP connection within two intervals" \
	wait_for 8 has "$T"
first=$(lines "$T" | head -1)
expect_eq "its flow, state and host" \
	"1 a1 tcp 10.1.1.5 5501 10.1.2.5 7000 established $(hostname)" \
	"$(jq -r '"\(.version) \(.vnic) \(.proto) \(.src) \(.sport) \(.dst) \(.dport) \(.state) \(.host)"' <<<"$first")"
expect_ok "the handshake and the line: >= 3 packets from a1, >= 2 back, bytes both ways ($first)" \
	jq -e '.packets >= 3 and .reply_packets >= 2 and .bytes > 0 and .reply_bytes > 0 and .end > .start' <<<"$first"
for i in 2 3 4; do
	hold_say ab "line$i" >/dev/null
done
expect_ok "after more traffic, a second line for the same connection" \
	wait_for 8 has "$T" 2
second=$(lines "$T" | sed -n 2p)
expect_ok "the second line: new packets, the first line's start, a later end ($second)" \
	jq -e --argjson f "$first" '.packets >= 1 and .start == $f.start and .end > $f.end' <<<"$second"
# The last ACKs may fall into the next interval: one more, then two
# intervals without a packet must write no line; the lines then add up to
# the kernel's counters of a1's entry.
sleep 2.5
n=$(nlines "$T")
sleep 5
expect_eq "an idle connection writes no line ($n before 5 s without traffic)" \
	"$n" "$(nlines "$T")"
e=$(ct_get a1 tcp 5501)
expect_eq "the ACCEPT lines add up to the kernel's counters of a1's entry (packets, bytes, each way)" \
	"$(jq -r '"\(.packets) \(.bytes) \(.reply_packets) \(.reply_bytes)"' <<<"$e")" \
	"$(sum "$T" packets) $(sum "$T" bytes) $(sum "$T" reply_packets) $(sum "$T" reply_bytes)"
expect_ok "... and the second line is less than that total (a delta)" \
	jq -e --argjson e "$e" '.packets < $e.packets' <<<"$second"
hold_stop ab

# --- ACCEPT: UDP; the VNICs whose logs are off -----------------------------------
expect_answer "a1 -> b1 UDP 7000 is answered" "b1 10\.1\.1\.5 5502" \
	udp a1 10.1.2.5 7000 --sport 5502
expect_ok "an ACCEPT line for a1's UDP flow, one datagram each way" \
	wait_for 8 has '.action == "ACCEPT" and .vnic == "a1" and .proto == "udp" and .sport == 5502 and .packets == 1 and .reply_packets == 1'
expect_answer "a2 (flow_logs false in sub-a) -> b1 UDP 7000 is answered" \
	"b1 10\.1\.1\.6 5503" udp a2 10.1.2.5 7000 --sport 5503
expect_ok "b1 tracks a2's flow too (its ingress rule opened an entry)" \
	test -n "$(ct_get b1 udp 5503)"
sleep 4.5
expect_eq "no line for a2 (its own false wins over its subnet's true)" \
	0 "$(nlines '.vnic == "a2"')"
expect_eq "no line for b1 (its subnet's flow logs are off)" \
	0 "$(nlines '.vnic == "b1"')"

# --- REJECT ----------------------------------------------------------------------
R='.action == "REJECT" and .vnic == "a1" and .proto == "udp" and .sport == 5601'
expect_blocked "b1 -> a1 UDP 7000: a1's ingress rules refuse it" ingress_denied a1 \
	udp_no b1 10.1.1.5 7000 --sport 5601
expect_ok "a REJECT line for a1 with its reason and flow" \
	wait_for 8 has "$R and .reason == \"ingress_denied\" and .src == \"10.1.2.5\" and .dst == \"10.1.1.5\" and .dport == 7000 and .packets >= 1"
expect_blocked "a1 -> b1 UDP 7001: b1's ingress rules refuse it" ingress_denied b1 \
	udp_no a1 10.1.2.5 7001 --sport 5602
sleep 4.5
expect_eq "... and b1's refusal is no line (b1's flow logs are off)" \
	0 "$(nlines '.action == "REJECT" and .dport == 7001')"

# --- SKIPDATA: drop events the kernel did not send -------------------------------
RATE=/sys/module/vnicgw/parameters/drop_events_rate
echo 1 >"$RATE"
sleep 1.1
nsx b1 bash -c 'for i in $(seq 30); do echo x >/dev/udp/10.1.1.5/7002; done' 2>/dev/null
sleep 1.2
udp_no b1 10.1.1.5 7002 --sport 5603 >/dev/null 2>&1	# carries the count
echo 100 >"$RATE"
expect_ok "drop events over drop_events_rate come back as a SKIPDATA line with missed > 0" \
	wait_for 8 has '.action == "SKIPDATA" and .missed > 0 and .lost == 0'

# --- the document changes --------------------------------------------------------
loaded_twice() { [ "$(grep -c "$STATE: loaded" "$TOPO_DIR/agent.log")" -ge 2 ]; }
g1=$(gen)
expect_eq "the agent applied nothing: the generation is the one vnicctl apply left" \
	"$g0" "$g1"
jq '(.subnets[] | select(.id == "sub-b")).flow_logs = true' "$STATE" >"$STATE.new" &&
	mv "$STATE.new" "$STATE"
expect_ok "the agent takes the new document (sub-b's flow logs on)" \
	wait_for 10 loaded_twice
sleep 2
expect_eq "... and changes nothing in the kernel: the generation stays" \
	"$g0" "$(gen)"
expect_answer "a1 -> b1 UDP 7000 again" "b1 10\.1\.1\.5 5504" \
	udp a1 10.1.2.5 7000 --sport 5504
expect_ok "b1's connections are logged now (its entry of the new flow)" \
	wait_for 8 has '.action == "ACCEPT" and .vnic == "b1" and .sport == 5504'

# --- metrics ---------------------------------------------------------------------
scrape()
{
	local fd

	exec {fd}<>/dev/tcp/127.0.0.1/9500 || return
	printf 'GET /metrics HTTP/1.0\r\n\r\n' >&$fd
	timeout 5 cat <&$fd
	exec {fd}>&-
}
seen=$(nlines '.action != "SKIPDATA"')
m=$(nsx host1 bash -c "$(declare -f scrape); scrape" | tr -d '\r')
recs=$(awk '$1 == "vnicgw_flow_log_records_total" { print $2 }' <<<"$m")
expect_ok "metrics: vnicgw_flow_log_records_total counts the lines written (${recs:-none}, $seen seen before)" \
	test "${recs:-0}" -ge "$seen" -a "$seen" -gt 0
expect_match "metrics: vnicgw_flow_log_lost_total is 0" \
	"^vnicgw_flow_log_lost_total 0$" "$m"
expect_eq "every line of the file is JSON with version 1" \
	"$(wc -l <"$FLOWS")" "$(jq -c 'select(.version == 1)' "$FLOWS" | wc -l)"
if [ "$(nlines 'true')" -lt 5 ] || ! kill -0 "$AGENT_PID" 2>/dev/null; then
	{ echo "agent log:"; tail -20 "$TOPO_DIR/agent.log"; echo "flows:"; cat "$FLOWS"; } | diag
fi
expect_ok "the agent is still running" kill -0 "$AGENT_PID"
tap_end
