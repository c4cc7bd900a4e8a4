# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# traffic.sh: traffic, captures and counters for the data-path selftests, on
# top of topo.sh. Every wait is bounded; every process is started through
# topo_bg, so topo_cleanup stops it.
#
#   serve NS tcp|udp PORT...    flow servers, each tagged with its NS
#   udp|tcp NS DST PORT [flow send options]
#                               one exchange; prints the server's answer
#                               "TAG SEEN_ADDR SEEN_PORT"
#   pings NS DST [ping options] ping until one answer (5 s at most)
#   ping1 NS DST [ping options] one echo request, 1 s for the answer
#   served NS PROTO PORT        the server's log lines
#   drops REASON [VNIC]         a drop counter; stats_delta: packets, bytes
#   expect_blocked / expect_counted / expect_passes
#   cap_start / cap_stop / cap_read    tcpdump on an interface

# (wait_for is in ../lib.sh.)

# --- traffic -----------------------------------------------------------------

# serve NS PROTO PORT [NS PROTO PORT...]: flow servers, each in its NS,
# answering "NS PEER PORT"; returns once all listen.
serve()
{
	local logs=() log

	while [ $# -ge 3 ]; do
		topo_bg "serve-$1-$2-$3" "$1" "$FLOW" serve "$2" "$3" --tag "$1"
		logs+=("$TOPO_DIR/serve-$1-$2-$3.log")
		shift 3
	done
	for log in "${logs[@]}"; do
		if ! wait_for 5 grep -q '^listening' "$log"; then
			echo "server ${log##*/} did not start" | diag
			return 1
		fi
	done
}

# served NS PROTO PORT: what that server saw, one line per message:
# PROTO PEER PEER_PORT LOCAL LOCAL_PORT LEN TEXT
served()
{
	grep -v '^listening' "$TOPO_DIR/serve-$1-$2-$3.log" 2>/dev/null
}

udp() { local n=$1; shift; nsx "$n" "$FLOW" send udp "$@"; }
tcp() { local n=$1; shift; nsx "$n" "$FLOW" send tcp "$@"; }

# bulk NS DST PORT BYTES: BYTES of TCP data each way between NS and a `serve
# ... tcp PORT` server, every byte checked (flow bulk); 30 s at most.
bulk() { nsx "$1" "$FLOW" bulk tcp "$2" "$3" --bytes "$4" --timeout 30000; }

# expect_bulk DESC NS DST PORT BYTES: the bulk exchange completes, every
# byte intact; its rate is printed as a diagnostic (not asserted).
expect_bulk()
{
	local desc=$1 out

	shift
	if ! out=$(bulk "$@" 2>&1); then
		not_ok "$desc"
		{ echo "command failed: bulk $*"; echo "$out"; } | diag
	elif ! grep -Eq "^verified $4 bytes each way" <<<"$out"; then
		not_ok "$desc"
		echo "$out" | diag
	else
		ok "$desc"
		grep '^verified' <<<"$out" | diag
	fi
}

# Short timeouts for exchanges that must fail.
udp_no() { udp "$@" --timeout 800; }
tcp_no() { tcp "$@" --timeout 800; }

pings()
{
	local n=$1 dst=$2

	shift 2
	nsx "$n" ping -q -c 1 -w 5 "$@" "$dst"
}

ping1()
{
	local n=$1 dst=$2

	shift 2
	nsx "$n" ping -q -c 1 -W 1 "$@" "$dst"
}

# seen ANSWER: the address the server saw in a flow answer ("TAG ADDR PORT").
seen_addr() { awk '{print $2}' <<<"$1"; }
seen_port() { awk '{print $3}' <<<"$1"; }
seen_tag() { awk '{print $1}' <<<"$1"; }

# --- counters ------------------------------------------------------------------

# stats: `vnicctl -j stats` of every host, summed:
#   {"drops": {REASON: N}, "vnics": {ID: {"in_packets": N, "in_bytes": N,
#    "out_packets": N, "out_bytes": N, "drops": {REASON: N}}}}
stats()
{
	local h

	if [ "${#TOPO_HOSTS[@]}" -eq 1 ]; then
		nsx "${TOPO_HOSTS[0]}" vnicctl -j stats
		return
	fi
	for h in "${TOPO_HOSTS[@]}"; do
		nsx "$h" vnicctl -j stats || return
	done | jq -s 'def add2($a; $b):
			if ($a | type) == "object" and ($b | type) == "object" then
				reduce (($a + $b) | keys[]) as $k ({}; .[$k] = add2($a[$k]; $b[$k]))
			elif $a == null then $b elif $b == null then $a else $a + $b end;
		reduce .[] as $x (null; add2(.; $x))'
}

# json_num PATH: the number at PATH ("drops/mtu", "vnics/a1/in_packets") in
# the JSON object on stdin, 0 if PATH is absent, "none" if stdin is empty.
# (awk, not jq: jq takes 0.2 s to start in the VM, and counters are read
# before and after every drop.) Objects and numbers only; keys may hold
# any character but a quote, so a VNIC id with dots is fine.
json_num()
{
	awk -v want="$1" '
	{ s = s $0 "\n" }
	END {
		if (s ~ /^[ \t\n]*$/) { print "none"; exit }
		n = length(s); d = 0; i = 1
		while (i <= n) {
			c = substr(s, i, 1)
			if (c == "\"") {
				j = index(substr(s, i + 1), "\""); str = substr(s, i + 1, j - 1)
				i += j + 1
				rest = substr(s, i, 8); sub(/^[ \t\n]*/, "", rest)
				if (substr(rest, 1, 1) == ":") key[d] = str
				continue
			}
			if (c == "{") d++
			else if (c == "}") d--
			else if (c ~ /[-0-9]/) {
				match(substr(s, i), /^-?[0-9][0-9.eE+-]*/)
				p = key[1]
				for (k = 2; k <= d; k++) p = p "/" key[k]
				if (p == want) { print substr(s, i, RLENGTH); exit }
				i += RLENGTH
				continue
			}
			i++
		}
		print 0
	}'
}

# drops REASON [VNIC]: the namespace's counter of REASON, or the VNIC's;
# "none" when stats cannot be read (so that no comparison passes).
drops()
{
	if [ -n "${2:-}" ] && [ "$2" != - ]; then
		stats 2>/dev/null | json_num "vnics/$2/drops/$1"
	else
		stats 2>/dev/null | json_num "drops/$1"
	fi
}

# stats_delta BEFORE AFTER VNIC FIELD...: how much each counter of the VNIC
# (in_packets, in_bytes, out_packets, out_bytes) grew between two `stats`.
stats_delta()
{
	local b=$1 a=$2 v=$3

	shift 3
	jq -rn --argjson a "$a" --argjson b "$b" --arg v "$v" \
		'[$ARGS.positional[] as $f | ($a.vnics[$v][$f] // 0) - ($b.vnics[$v][$f] // 0)]
		 | map(tostring) | join(" ")' --args "$@" 2>/dev/null || echo none
}

_rose()
{
	local now

	now=$(drops "$1" "$2")
	[ "$now" != none ] && [ "$3" != none ] && [ "$now" -gt "$3" ]
}

# _expect_drop MODE DESC REASON VNIC CMD...: MODE "blocked": CMD must fail;
# "counted": CMD (a sender) must succeed. Either way the counter REASON (of
# VNIC, or of the namespace if VNIC is "-") must rise within 3 s.
_expect_drop()
{
	local mode=$1 desc=$2 reason=$3 vnic=$4 before out rc

	shift 4
	before=$(drops "$reason" "$vnic")
	out=$("$@" 2>&1)
	rc=$?
	if [ "$mode" = blocked ] && [ "$rc" -eq 0 ]; then
		not_ok "$desc"
		{ echo "this must fail but passed: $*"; echo "$out"; } | diag
	elif [ "$mode" = counted ] && [ "$rc" -ne 0 ]; then
		not_ok "$desc"
		{ echo "could not send: $*"; echo "$out"; } | diag
	elif ! wait_for 3 _rose "$reason" "$vnic" "$before"; then
		not_ok "$desc"
		{ echo "command: $*"
		  echo "drop counter $reason${vnic:+ of $vnic}: $before before, $(drops "$reason" "$vnic") after"
		  stats 2>&1 | jq -c . 2>/dev/null || echo "(vnicctl -j stats failed)"; } | diag
	else
		ok "$desc"
	fi
}

# expect_blocked DESC REASON VNIC|- CMD...: the traffic CMD fails and the
# drop counter REASON (of the VNIC, or "-": of the namespace) rises.
expect_blocked() { _expect_drop blocked "$@"; }

# expect_counted DESC REASON VNIC|- CMD...: CMD sends (a crafted packet) and
# the drop counter rises.
expect_counted() { _expect_drop counted "$@"; }

# expect_answer DESC WANT CMD...: CMD (udp/tcp) succeeds and the server's
# answer ("TAG ADDR PORT") matches the extended regular expression WANT.
expect_answer()
{
	local desc=$1 want=$2 out

	shift 2
	if ! out=$("$@" 2>&1); then
		not_ok "$desc"
		{ echo "command failed: $*"; echo "$out"; } | diag
	elif ! grep -Eq -- "^($want)\$" <<<"$out"; then
		not_ok "$desc"
		{ echo "answer does not match /$want/: $*"; echo "$out"; } | diag
	else
		ok "$desc"
	fi
}

# --- held connections ------------------------------------------------------------

# hold_start NAME NS DST PORT [flow options]: a TCP connection from NS to
# DST:PORT held open (flow hold), fed and read through two FIFOs;
# hold_say NAME LINE [SECONDS]: send LINE, print the answer line (waits
# SECONDS, default 5); hold_stop NAME: close it.
declare -A HOLD_PID HOLD_IN HOLD_OUT
hold_start()
{
	local name=$1 n=$2 dst=$3 port=$4 fifo=$TOPO_DIR/hold-$1 fd

	shift 4
	rm -f "$fifo.in" "$fifo.out"
	mkfifo "$fifo.in" "$fifo.out" || return
	ip netns exec "vgwt-$n" "$FLOW" hold tcp "$dst" "$port" "$@" \
		<"$fifo.in" >"$fifo.out" 2>&1 &
	HOLD_PID[$name]=$!
	TOPO_PIDS+=("$!")
	exec {fd}>"$fifo.in"
	HOLD_IN[$name]=$fd
	exec {fd}<"$fifo.out"
	HOLD_OUT[$name]=$fd
}

hold_say()
{
	local line

	echo "$2" >&"${HOLD_IN[$1]}" && read -r -t "${3:-5}" line <&"${HOLD_OUT[$1]}" &&
		echo "$line"
}

hold_stop()
{
	local in=${HOLD_IN[$1]:-} out=${HOLD_OUT[$1]:-}

	[ -n "${HOLD_PID[$1]:-}" ] || return 0
	exec {in}>&- {out}<&-
	topo_kill "${HOLD_PID[$1]}"
	unset "HOLD_PID[$1]" "HOLD_IN[$1]" "HOLD_OUT[$1]"
}

# --- captures ------------------------------------------------------------------

# cap_start NAME NS IFACE FILTER...: tcpdump on IFACE of NS into NAME.pcap,
# once it is listening.
declare -A CAP_PID
cap_start()
{
	local name=$1 n=$2 dev=$3

	shift 3
	topo_bg "cap-$name" "$n" tcpdump -Z root -n -U --immediate-mode -i "$dev" \
		-w "$TOPO_DIR/$name.pcap" "$@"
	CAP_PID[$name]=$TOPO_BG_PID
	if ! wait_for 5 grep -q 'listening on' "$TOPO_DIR/cap-$name.log"; then
		echo "tcpdump $name did not start" | diag
		return 1
	fi
}

# cap_stop NAME: stop the capture (what it saw stays readable).
cap_stop()
{
	[ -n "${CAP_PID[$1]:-}" ] || return 0
	kill -INT "${CAP_PID[$1]}" 2>/dev/null
	wait_for 3 eval "! kill -0 ${CAP_PID[$1]}"
	topo_kill "${CAP_PID[$1]}"
	unset "CAP_PID[$1]"
}

# cap_read NAME [tcpdump options]: the captured packets as text.
cap_read()
{
	local name=$1

	shift
	tcpdump -Z root -n -r "$TOPO_DIR/$name.pcap" "$@" 2>/dev/null
}

# cap_next NAME FILTER: the next sequence number of the TCP sender that
# FILTER selects (the end of its last segment with data or SYN/FIN in the
# capture so far).
cap_next()
{
	cap_read "$1" -S "$2" | grep -o 'seq [0-9]*:[0-9]*' | tail -n 1 | cut -d: -f2
}
