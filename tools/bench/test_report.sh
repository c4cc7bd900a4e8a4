#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# report.py refuses a benchmark run that its receivers found wrong (TAP, on
# the host: tools/check runs it). Runs as run.sh writes them: a good pair,
# then the same with one defect at a time.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../selftests/lib.sh"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

good_v='{"scenario":"s","system":"vnicgw","path":"v2v","flows":10,"size":64,"vnics":0,"routes":10,"conns":0,"rep":1,"sent":1000,"ok":1000,"bad":0,"bad_reasons":{},"flows_seen":10,"pkts_per_cpu_s":200000,"pps":1000,"dut_busy_s":0.005}'
good_l='{"scenario":"s","system":"linux","path":"v2v","flows":10,"size":64,"vnics":0,"routes":10,"conns":0,"rep":1,"sent":1000,"ok":1000,"bad":0,"bad_reasons":{},"flows_seen":10,"pkts_per_cpu_s":100000,"pps":1000,"dut_busy_s":0.01}'

# report LINUX_RUN_JSON: report.py's exit status, results.md on stdout.
report()
{
	printf '%s\n%s\n' "$good_v" "$1" >"$dir/runs.jsonl"
	python3 "$here/report.py" "$dir" >/dev/null 2>"$dir/err"
	echo "rc=$?"
	cat "$dir/results.md"
}

tap_begin
out=$(report "$good_l")
expect_match "good runs: a report, vnicgw / Linux 2.00" '\*\*2\.00\*\*' "$out"
expect_match "... exit status 0" '^rc=0' "$out"
out=$(report "$(jq -c '.ok = 990 | .flows_seen = 9' <<<"$good_l")")
expect_match "packets lost (990 of 1000), a flow among them: still a report" '^rc=0' "$out"
# report_both JQ: report.py's exit status over the good pair, both changed
# by JQ (results.md in $dir).
report_both()
{
	printf '%s\n%s\n' "$(jq -c "$1" <<<"$good_v")" "$(jq -c "$1" <<<"$good_l")" >"$dir/runs.jsonl"
	python3 "$here/report.py" "$dir" >/dev/null 2>&1
}
report_both '.path = "spoof" | .negative = true | .ok = 0 | .flows_seen = 0'
expect_eq "every spoofed packet dropped: a report" 0 $?
expect_match "... its path marked (drops), the ratio of drops per CPU-second" \
	'^\| s \| spoof \(drops\) .*\*\*2\.00\*\*' "$(cat "$dir/results.md")"
report_both '.path = "tcp-crr" | .unit = "conns" | .bad_reasons = {"conn_failed": 0} | del(.flows_seen)'
expect_eq "TCP connections, none failed: a report" 0 $?
expect_match "... its path marked (conns), the ratio of connections per CPU-second" \
	'^\| s \| tcp-crr \(conns\) .*\*\*2\.00\*\*' "$(cat "$dir/results.md")"
out=$(report "$(jq -c '.dut_util = 0.5' <<<"$good_l")")
expect_match "a DUT busy half the run: still a report, which says it was not saturated" \
	'Not saturated .*s/Linux-native 0\.50' "$out"
out=$(report "$(jq -c '.flows_opened = 10 | .flows_established = 10' <<<"$good_l")")
expect_match "every active flow opened and answered: a report" '^rc=0' "$out"
for defect in \
	'bad packets#.bad = 3 | .bad_reasons = {"inner_csum": 3}#3 bad packets (inner_csum 3)' \
	'more received than sent#.ok = 1001#1001 packets received, 1000 sent' \
	'a flow missing#.flows_seen = 9#9 distinct flows received of 10 sent' \
	'a flow missing of a short run#.sent = 8 | .ok = 8 | .flows_seen = 7#7 distinct flows received of 8 sent' \
	'more flows than sent#.ok = 990 | .flows_seen = 11#11 distinct flows received of 10 sent' \
	'a receiver that failed#.run_error = "receiver"#the receiver failed' \
	'connections that did not open#.conns = 100 | .opened = 99 | .established = 100#99 of 100 connections opened' \
	'connections not established#.conns = 100 | .opened = 100 | .established = 98#98 of 100 connections established' \
	'active flows that did not open#.flows_opened = 9 | .flows_established = 9#9 of 10 flows opened' \
	'active flows not answered#.flows_opened = 10 | .flows_established = 8#8 of 10 flows established' \
	'a spoofed frame let through#.path = "spoof" | .negative = true | .ok = 1#1 frames delivered on a path whose every packet must be dropped' \
	'TCP connections that failed#.path = "tcp-crr" | .unit = "conns" | .bad = 3 | del(.flows_seen)#3 TCP connections failed'; do
	IFS='#' read -r what jqexpr msg <<<"$defect"
	out=$(report "$(jq -c "$jqexpr" <<<"$good_l")")
	expect_match "$what: refused (exit 1)" '^rc=1' "$out"
	expect_match "... results.md names it: $msg" "s linux run 1: $(sed 's/[()]/\\&/g' <<<"$msg")" "$out"
	expect_fail "... and has no ratio" grep -q '2\.00' <<<"$out"
done
tap_end
