#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Configuration churn under traffic. While established connections between
# two VNICs that no change touches (a1, a2) exchange a message every 10 ms
# (ICMP echo, a UDP flow and a TCP connection, each message counted), the
# document changes at least 10 times a second: another VCN's security list,
# NSG, NSG membership and route table are rewritten, and a third VNIC comes
# and goes in a1's and a2's own subnet. Proves: no message of the untouched
# connections is lost (TCP: none retransmitted either), every change is
# accepted, and afterwards the changed objects behave as the last document
# says (its ports open and only those, the NSG as attached, the third VNIC
# there or not) and the tables equal it exactly (apply --dry-run finds
# nothing to do). Twice, ending on documents that differ in each respect.
# Runs in the VM.
#
# CHURN_SEED picks the changes (printed); CHURN_MSGS the messages of each
# untouched connection (1000: 10 s of churn).
set -u
DIR=$(dirname "$0")
. "$DIR/../lib.sh"
. "$DIR/topo.sh"
. "$DIR/traffic.sh"

SEED=${CHURN_SEED:-$(( $(date +%s) % 100000 ))}
MSGS=${CHURN_MSGS:-1000}
VARIANTS=40
P_PORTS=(7001 7002 7003)	# one is open in sl-b at a time
Q_PORTS=(7101 7102)		# one is open in nsg-b at a time

tap_begin
echo "seed $SEED (CHURN_SEED=$SEED reproduces the changes)" | diag
topo_init 4 || { not_ok "topology"; tap_end; }
topo_host h1 10.0.0.10
# vcn-a: the untouched connections (a1 <-> a2) and a3, which comes and goes.
topo_vcn vcn-a 10.1.0.0/16
topo_route_table rt-a vcn-a
topo_seclist sl-a vcn-a \
	ingress "$(rule source=10.1.0.0/16 protocol=all)" \
	egress "$(rule destination=10.1.0.0/16 protocol=all)"
topo_subnet s1 vcn-a 10.1.1.0/24 rt=rt-a sl=sl-a
topo_vnic a1 s1 10.1.1.5 1001 10.0.0.21
topo_vnic a2 s1 10.1.1.6 1002 10.0.0.22 encap=geneve
topo_vnic a3 s1 10.1.1.7 1003 10.0.0.23
# vcn-b: every object here is rewritten by the churn.
topo_vcn vcn-b 10.2.0.0/16
topo_route_table rt-b vcn-b
topo_seclist sl-b vcn-b \
	ingress "$(rule source=10.2.0.0/16 protocol=icmp)" \
	egress "$(rule destination=0.0.0.0/0 protocol=all)"
topo_nsg nsg-b vcn-b ingress "$(rule source=10.2.0.0/16 protocol=tcp dst_ports=7101)"
topo_subnet sb vcn-b 10.2.1.0/24 rt=rt-b sl=sl-b
topo_vnic b1 sb 10.2.1.5 2001 10.0.0.31 skip_sdc=true
topo_vnic b2 sb 10.2.1.6 2002 10.0.0.32 encap=geneve nsgs=nsg-b
topo_apply || { not_ok "the document applies"; tap_end; }
base=$(topo_doc)

# The variants: one jq run turns a list of choices into one document per
# line (jq costs ~0.2 s a run in the VM). Choice i: [p, q, nsg attached,
# a3 present, stateless, routes]; variant 0 and 1 are the two endings. Each
# variant has a route of its own, so each change is a real one.
RANDOM=$SEED
choices=()
for i in $(seq 0 $((VARIANTS - 1))); do
	case $i in
	0) p=0 q=0 nsg=true a3=true ;;
	1) p=2 q=1 nsg=false a3=false ;;
	*) p=$((RANDOM % 3)) q=$((RANDOM % 2)) nsg=$((RANDOM % 2)) a3=$((RANDOM % 2))
	   nsg=$([ "$nsg" = 1 ] && echo true || echo false)
	   a3=$([ "$a3" = 1 ] && echo true || echo false) ;;
	esac
	routes=("\"10.61.$i.0/24\"")	# no two variants are the same
	for _ in $(seq $((RANDOM % 8))); do
		routes+=("\"10.60.$((RANDOM % 256)).0/24\"")
	done
	choices+=("[${P_PORTS[p]}, ${Q_PORTS[q]}, $nsg, $a3, $((RANDOM % 2 == 0)), [$(IFS=,; echo "${routes[*]}")]]")
done
mkdir -p "$TOPO_DIR/churn"
jq -c --argjson ch "[$(IFS=,; echo "${choices[*]}")]" '
	. as $d | $ch[] as [$p, $q, $nsg, $a3, $sl, $rt] | $d
	| (.security_lists[] | select(.id == "sl-b") | .ingress) +=
		[{source: "10.2.0.0/16", protocol: "tcp", dst_ports: ($p | tostring),
		  stateless: ($sl == 1)}]
	| (.nsgs[] | select(.id == "nsg-b") | .ingress) =
		[{source: "10.2.0.0/16", protocol: "tcp", dst_ports: ($q | tostring)}]
	| (.vnics[] | select(.id == "b2")) |=
		(if $nsg then .nsgs = ["nsg-b"] else del(.nsgs) end)
	| (if $a3 then . else .vnics |= map(select(.id != "a3")) end)
	| (.route_tables[] | select(.id == "rt-b") | .rules) =
		[$rt | unique[] | {destination: ., target: "private-ip:10.2.1.5"}]
' "$base" >"$TOPO_DIR/churn/all" 2>"$TOPO_DIR/churn/err" ||
	{ not_ok "the variants"; diag <"$TOPO_DIR/churn/err"; tap_end; }
i=0
while read -r line; do
	printf '%s\n' "$line" >"$(printf '%s/churn/v%03d' "$TOPO_DIR" "$i")"
	i=$((i + 1))
done <"$TOPO_DIR/churn/all"
expect_eq "$VARIANTS variants of the document" "$VARIANTS" \
	"$(find "$TOPO_DIR/churn" -name 'v*' | wc -l)" ||
	{ ls -la "$TOPO_DIR/churn"; head -c 300 "$TOPO_DIR/churn/all"; } | diag
info() { jq -r '[(.security_lists[] | select(.id == "sl-b") | .ingress[-1].dst_ports),
	(.nsgs[0].ingress[0].dst_ports), (.vnics[] | select(.id == "b2") | has("nsgs")),
	any(.vnics[]; .id == "a3")] | @tsv' "$1"; }

serve a2 udp 9000 a1 tcp 9001 b2 tcp 7001 b2 tcp 7002 b2 tcp 7003 \
	b2 tcp 7101 b2 tcp 7102 || { not_ok "servers"; tap_end; }

# churn FINAL: the untouched connections run while the variants are applied
# in turn (as fast as the module takes them) until they end; then FINAL is
# applied.
churn()
{
	local final=$1 n fails ms commits rate need ping_pid udp_pid tcp_pid v out seen0

	# Each connection is established before the churn starts.
	expect_ok "a1 -> a2 answers before the churn" pings a1 10.1.1.6
	topo_bg ping-$final a1 ping -q -i 0.01 -c "$MSGS" -W 2 10.1.1.6
	ping_pid=$TOPO_BG_PID
	seen0=$(served a2 udp 9000 | wc -l)
	# Answers count until 2 s after the last message (VGW_SLOW times that
	# under the debug kernel, where they come late).
	topo_bg udp-$final a1 "$FLOW" pace udp 10.1.1.6 9000 --count "$MSGS" \
		--timeout $((2000 * VGW_SLOW))
	udp_pid=$TOPO_BG_PID
	topo_bg tcp-$final a2 "$FLOW" pace tcp 10.1.1.5 9001 --count "$MSGS" --timeout 2000
	tcp_pid=$TOPO_BG_PID
	sleep 0.5
	# One process in h1 applies the variants in turn while any connection
	# runs (selftests/datapath/churn.c: vgw_apply_doc, as vnicctl apply).
	nsx h1 "$DP_BIN/churn" --while "$ping_pid" --while "$udp_pid" \
		--while "$tcp_pid" "$TOPO_DIR"/churn/v0{0[2-9],[1-9][0-9]} \
		>"$TOPO_DIR/churn.out" 2>"$TOPO_DIR/churn.err"
	read -r _ n _ fails _ ms _ _ commits <"$TOPO_DIR/churn.out"
	[ -s "$TOPO_DIR/churn.err" ] && diag <"$TOPO_DIR/churn.err"
	for v in $ping_pid $udp_pid $tcp_pid; do
		wait "$v"
	done
	expect_eq "$n changes under traffic, every one accepted" 0 "$fails"
	expect_eq "... each one a transaction of its own" "$n" "$commits"
	rate=$(( n * 1000 * 10 / (ms ? ms : 1) ))
	echo "$n changes in $ms ms: $((rate / 10)).$((rate % 10)) a second" | diag
	# The churn the test is about: 10 changes a second (the debug kernel,
	# VGW_SLOW times slower, is held to its share of that).
	need=$(( 100 / VGW_SLOW ))
	expect_ok "at least $((need / 10)).$((need % 10)) changes a second ($((rate / 10)).$((rate % 10)))" \
		test "$rate" -ge "$need"
	out=$(cat "$TOPO_DIR/ping-$final.log")
	expect_ok "ICMP a1 -> a2: $MSGS echoes, none lost ($(grep -o '[0-9]* received' <<<"$out"))" \
		grep -q "$MSGS packets transmitted, $MSGS received" <<<"$out"
	out=$(cat "$TOPO_DIR/udp-$final.log")
	expect_eq "UDP a1 -> a2: every datagram answered" "sent $MSGS answered $MSGS" "$out"
	# Where lost datagrams went (seen under the debug kernel only): the
	# module's drops by reason, and the hosts' UDP counters.
	if [ "$out" != "sent $MSGS answered $MSGS" ]; then
		{
			echo "a2's UDP server saw $(( $(served a2 udp 9000 | wc -l) - seen0 )) of the $MSGS datagrams"
			echo "h1 module stats: $(nsx h1 vnicctl -j stats 2>&1 | jq -c . 2>/dev/null)"
			# /proc/net/snmp per namespace (the guest has no
			# nstat): its Udp and Ip drops; softnet_stat (all
			# namespaces): the backlog's drops, per CPU.
			for n in h1 a1 a2; do
				echo "$n: $(nsx $n cat /proc/net/snmp | awk '
					$1 == "Ip:" || $1 == "Udp:" {
						if (!($1 in hdr)) { hdr[$1] = $0; next }
						split(hdr[$1], k)
						for (i = 2; i <= NF; i++)
							if ($i > 0 && k[i] ~ /Discards|Errors|NoPorts/)
								printf "%s%s=%s ", $1, k[i], $i
					}')"
			done
			echo "softnet drops per CPU: $(while read -r _ d _; do
				printf '%d ' "0x$d"; done </proc/net/softnet_stat)"
		} | diag
	fi
	out=$(cat "$TOPO_DIR/tcp-$final.log")
	expect_eq "TCP a2 -> a1: every message answered, nothing retransmitted" \
		"sent $MSGS answered $MSGS retransmitted 0" "$out"

	# The last document, and what it says.
	v=$(printf '%s/churn/v%03d' "$TOPO_DIR" "$final")
	expect_ok "the final document applies" nsx h1 vnicctl apply "$v"
	expect_eq "the tables equal it: a dry run finds nothing to change" "" \
		"$(nsx h1 vnicctl apply --dry-run "$v" 2>&1)"
	read -r p q nsg a3 <<<"$(info "$v")"
	for port in "${P_PORTS[@]}"; do
		if [ "$port" = "$p" ]; then
			expect_ok "sl-b: b1 -> b2 TCP $port is open" tcp b1 10.2.1.6 "$port"
		else
			expect_fail "sl-b: b1 -> b2 TCP $port is closed" tcp_no b1 10.2.1.6 "$port"
		fi
	done
	for port in "${Q_PORTS[@]}"; do
		if [ "$port" = "$q" ] && [ "$nsg" = true ]; then
			expect_ok "nsg-b (attached): b1 -> b2 TCP $port is open" tcp b1 10.2.1.6 "$port"
		else
			expect_fail "nsg-b (attached: $nsg, port $q): b1 -> b2 TCP $port is closed" \
				tcp_no b1 10.2.1.6 "$port"
		fi
	done
	if [ "$a3" = true ]; then
		expect_ok "a3 is in the document: a1 -> a3 answers" pings a1 10.1.1.7
	else
		expect_fail "a3 is not in the document: a1 -> a3 does not answer" ping1 a1 10.1.1.7
	fi
}

churn 0
churn 1
expect_ok "a1 -> a2 still answers" pings a1 10.1.1.6
tap_end
