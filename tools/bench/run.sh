#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh: the guest side of "make bench". For every scenario, every system
# under test is built in a fresh DUT namespace from the same tenant, warmed
# up, and measured REPS times with the same traffic; one JSON object per run
# goes to OUT (JSON lines), then the profile of each system's hottest
# scenario goes to OUT's directory.
#
#   tools/vm run --nics 2 --mem 4G tools/bench/run.sh OUT [SCENARIO...]
#
# Environment: BENCH_BED (nic or veth: lib.sh; default nic when the VM has
# two NICs, tools/vm --nics 2), BENCH_QUICK=1 (fewer scenarios, shorter runs), BENCH_SECONDS,
# BENCH_REPS, BENCH_SYSTEMS ("vnicgw linux linux-tuned ovs"), BENCH_PROFILE=0 (no perf),
# BENCH_CT_RATE (packets/s while opening CONNS connections, 20000).
# A scenario: NAME:PATH:FLOWS:SIZE:VNICS:ROUTES:CONNS; CONNS > FLOWS: see
# ct_scenario. PATH: v2v, igw, nat, or routes (igw to destinations inside
# the ROUTES bulk routes, the flows spread over them), pairs (VNIC to VNIC
# between the bulk VNICs, flow f over pair f % (VNICS / 2): min(FLOWS,
# VNICS / 2) pairs active); PATH-new: every
# packet opens a new connection (FLOWS fresh flow numbers per run: new
# connections per CPU-second); spoof and nat-in: negative traffic, every
# packet to be dropped (drops per CPU-second; lib.sh path_args); tcp-crr
# and tcp-bulk: real TCP between instances a and b (FLOWS connections or
# streams at a time; lib.sh _tcp_measure).
set -u
[ "${BENCH_TRACE:-0}" = 1 ] && set -x
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/sys-vnicgw.sh"
. "$here/sys-linux.sh"
. "$here/sys-ovs.sh"

out=${1:?usage: run.sh OUT [SCENARIO...]}
shift
ROOT=${VGW_ROOT:-$(cd "$here/../.." && pwd)}
# The benchmark's own userland (OVS, perf), staged by tools/bench.mk.
export PATH=$ROOT/build/bench/root/bin:$PATH
export LD_LIBRARY_PATH=$ROOT/build/bench/root/lib

if [ "${BENCH_QUICK:-0}" = 1 ]; then
	SECS=${BENCH_SECONDS:-2} REPS=${BENCH_REPS:-3}
	SCENARIOS=(
		"v2v-1flow-64B:v2v:1:64:0:10:0"
		"nat-1flow-64B:nat:1:64:0:10:0"
	)
	BENCH_PROFILE=${BENCH_PROFILE:-0}
else
	SECS=${BENCH_SECONDS:-2} REPS=${BENCH_REPS:-3}
	SCENARIOS=(
		"v2v-1flow-64B:v2v:1:64:0:10:0"
		"v2v-10kflows-64B:v2v:10000:64:0:10:0"
		"v2v-1flow-1400B:v2v:1:1400:0:10:0"
		"igw-1flow-64B:igw:1:64:0:10:0"
		"nat-1flow-64B:nat:1:64:0:10:0"
		"routes-10:routes:10000:64:0:10:0"
		"routes-500:routes:10000:64:0:500:0"
		"routes-10k:routes:10000:64:0:10000:0"
		"routes-100k:routes:10000:64:0:100000:0"
		"vnics-20:pairs:10000:64:20:10:0"
		"vnics-1k:pairs:10000:64:1000:10:0"
		"vnics-10k:pairs:10000:64:10000:10:0"
		"vnics-100k:pairs:10000:64:100000:10:0"
		"ct-1M:v2v:10000:64:0:10:1000000"
		"flows-1M:v2v:1000000:64:0:10:0"
		"cps-udp-v2v:v2v-new:500000:64:0:10:0"
		"cps-udp-igw:igw-new:500000:64:0:10:0"
		"cps-tcp-v2v:tcp-crr:16:64:0:10:0"
		"tcp-bulk-gro:tcp-bulk:1:1400:0:10:0"
		"spoof-64B:spoof:10000:64:0:10:0"
		"nat-in-64B:nat-in:10000:64:0:10:0"
	)
fi
[ $# -gt 0 ] && SCENARIOS=("$@")
SYSTEMS=(${BENCH_SYSTEMS:-vnicgw linux linux-tuned ovs})

# Everything here, and everything it starts, runs on the generator's CPU.
taskset -p $((1 << GEN_CPU)) $$ >/dev/null
BENCH_TMP=$(mktemp -d /tmp/vgwb.XXXXXX)
trap 'bed_down; rm -rf "$BENCH_TMP"' EXIT
: >"$out"
rm -f "$(dirname "$out")"/profile-*.txt
jq -n --arg k "$(uname -r)" --arg c "$(grep -c '^cpu[0-9]' /proc/stat)" --arg s "$SECS" --arg r "$REPS" \
	--arg q "${BENCH_QUICK:-0}" --arg d "$(date -u +%FT%TZ)" \
	--arg g "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)" \
	'{kernel: $k, cpus: ($c | tonumber), seconds: ($s | tonumber), reps: ($r | tonumber),
	  quick: ($q == "1"), date: $d, commit: $g, dut_cpu: 1,
	  metric: "packets delivered and checked per second of CPU 1 busy time (/proc/stat)"}' \
	>"$(dirname "$out")/meta.json"

log() { printf '%s %s\n' "$(date +%T)" "$*" >&2; }

# nf_check SYSTEM: for vnicgw, which asks netfilter for nothing, a warning if
# netfilter's conntrack tracked anything in its namespace anyway (lib.sh,
# _ovs_kmod): that cost would be charged to vnicgw.
nf_check()
{
	local n

	[ "$1" = vnicgw ] || return 0
	n=$(ns gw-vnicgw cat /proc/sys/net/netfilter/nf_conntrack_count 2>/dev/null)
	[ "${n:-0}" -eq 0 ] ||
		log "warning: netfilter conntrack holds $n entries in vnicgw's namespace (openvswitch.ko: $OVS_KMOD)"
}

# record FIELDS_JSON MEASURE_JSON: one line of OUT.
record() { jq -cn --argjson a "$1" --argjson b "$2" '$a + $b' >>"$out"; }

# fields NAME SYSTEM PATH FLOWS SIZE VNICS ROUTES CONNS: a run's identity.
fields()
{
	jq -cn --arg s "$1" --arg y "$2" --arg p "$3" --argjson f "$4" --argjson z "$5" \
		--argjson v "$6" --argjson r "$7" --argjson c "$8" \
		'{scenario: $s, system: $y, path: $p, flows: $f, size: $z, vnics: $v, routes: $r, conns: $c}'
}

# ct_scenario NAME PATH FLOWS SIZE VNICS ROUTES CONNS: CONNS tracked
# connections. Each system in turn, alone (three tables of a million
# entries at once need not fit, and a table's entries must not time out
# while the other systems take their turns): FLOWS flows established and
# measured (NAME-empty: the table holds just those), then CONNS connections
# opened and answered (establish_many: FLOWS are the first of them), and the
# same FLOWS measured again (NAME). The table's memory is the growth of the
# VM's slab over the opening of the CONNS connections.
ct_scenario()
{
	local name=$1 path=$2 flows=$3 size=$4 vnics=$5 routes=$6 conns=$7
	local sys f0 f1 t0 setup est m s0 u0 s1 u1 e0 e1 rep

	for sys in "${SYSTEMS[@]}"; do
		f0=$(fields "$name-empty" "$sys" "$path" "$flows" "$size" "$vnics" "$routes" "$flows")
		f1=$(fields "$name" "$sys" "$path" "$flows" "$size" "$vnics" "$routes" "$conns")
		t0=$SECONDS
		log "$name: $sys: setting up"
		if ! GW=gw-$sys "${sys}_up" "$vnics" "$routes" "$conns" 2>"$BENCH_TMP/setup.err"; then
			err=$(tail -n 3 "$BENCH_TMP/setup.err" | tr '\n' ' ')
			log "$name: $sys: not run: $err"
			record "$f1" "$(jq -cn --arg e "$err" '{error: $e}')"
			gw_down "$sys"
			continue
		fi
		setup=$((SECONDS - t0))
		DUTS=("$sys")
		if ! dut_activate "$sys"; then
			log "$name: $sys: could not be made the active DUT"
			record "$f1" '{"run_error": "activation (dut_activate)"}'
			gw_down "$sys"
			DUTS=()
			continue
		fi
		establish "$path" "$flows"
		for ((rep = 1; rep <= REPS; rep++)); do
			warm_up "$path" "$flows" "$size"
			m=$(measure "$path" "$flows" "$size" "$SECS")
			# (A measurement that printed nothing is a failed run, not
			# a missing one.)
			[ -n "$m" ] || m='{"run_error": "measure (no result)"}'
			record "$f0" "$(jq -c --argjson r "$rep" --argjson t "$setup" '. + {rep: $r, setup_s: $t}' <<<"$m")"
			log "$name-empty: $sys: $(jq -r '"\(.pkts_per_cpu_s // 0 | floor) pkts/CPU-s, bad \(.bad)"' <<<"$m")"
		done
		sync
		echo 1 >/proc/sys/vm/drop_caches
		read -r s0 u0 < <(mem_kb)
		e0=$(ct_entries "$sys")
		log "$name: $sys: opening $conns connections"
		est=$(establish_many "$path" "$conns")
		read -r s1 u1 < <(mem_kb)
		e1=$(ct_entries "$sys")
		est=$(jq -c --argjson s0 "$s0" --argjson s1 "$s1" --argjson u0 "$u0" --argjson u1 "$u1" \
			--arg e0 "${e0:-}" --arg e1 "${e1:-}" \
			'. + {table_slab_kb: ($s1 - $s0), table_used_kb: ($u1 - $u0),
			      table_entries: (if $e0 != "" and $e1 != "" then ($e1 | tonumber) - ($e0 | tonumber) else null end)}' <<<"$est")
		log "$name: $sys: $est"
		for ((rep = 1; rep <= REPS; rep++)); do
			warm_up "$path" "$flows" "$size"
			m=$(measure "$path" "$flows" "$size" "$SECS")
			# (A measurement that printed nothing is a failed run, not
			# a missing one.)
			[ -n "$m" ] || m='{"run_error": "measure (no result)"}'
			record "$f1" "$(jq -c --argjson r "$rep" --argjson t "$setup" --argjson e "$est" \
				--arg after "$(ct_entries "$sys")" \
				'. + {rep: $r, setup_s: $t} + $e + {table_entries_after: (if $after == "" then null else ($after | tonumber) end)}' <<<"$m")"
			log "$name: $sys: $(jq -r '"\(.pkts_per_cpu_s // 0 | floor) pkts/CPU-s, bad \(.bad)"' <<<"$m")"
		done
		nf_check "$sys"
		gw_down "$sys"
		DUTS=()
		ct_restore
	done
}

bed_up || { log "test bed failed"; exit 1; }
meta=$(dirname "$out")/meta.json
jq --arg m "$OVS_KMOD" --arg b "$BED" '. + {ovs_module: $m, bed: $b}' "$meta" >"$meta.new" && mv "$meta.new" "$meta"
for scen in "${SCENARIOS[@]}"; do
	IFS=: read -r name path flows size vnics routes conns <<<"$scen"
	SCEN_ROUTES=$routes	# the routes path's spread (lib.sh path_args)
	SCEN_PAIRS=$((vnics / 2))	# the pairs path's VNIC pairs
	rm -f "$BENCH_TMP"/new_base.*	# fresh flow numbers (lib.sh flow_args)
	# The TCP endpoints' frames reach them in the veth bed only (in the nic
	# bed the far end's NIC has no address of theirs).
	if [[ $path == tcp-* ]] && [ "$BED" = nic ]; then
		for sys in "${SYSTEMS[@]}"; do
			record "$(fields "$name" "$sys" "$path" "$flows" "$size" "$vnics" "$routes" "$conns")" \
				'{"error": "the TCP scenarios run in the veth bed only"}'
		done
		continue
	fi
	if [ "$conns" -gt "$flows" ]; then
		ct_scenario "$name" "$path" "$flows" "$size" "$vnics" "$routes" "$conns"
		continue
	fi
	DUTS=()
	declare -A FIELDS=() SETUP=()
	for sys in "${SYSTEMS[@]}"; do
		FIELDS[$sys]=$(jq -cn --arg s "$name" --arg y "$sys" --arg p "$path" \
			--argjson f "$flows" --argjson z "$size" --argjson v "$vnics" \
			--argjson r "$routes" --argjson c "$conns" \
			'{scenario: $s, system: $y, path: $p, flows: $f, size: $z, vnics: $v, routes: $r, conns: $c}')
		t0=$SECONDS
		log "$name: $sys: setting up"
		# Over 100k active flows: the systems sized for them (connection
		# limits, Linux's conntrack table and buckets, UDP timeouts) as
		# for as many tracked connections.
		sysconns=$conns
		[ "$flows" -gt 100000 ] && [ "$flows" -gt "$conns" ] && sysconns=$flows
		# New flows every run: room for all the runs' (four times FLOWS).
		case $path in *-new) sysconns=$((4 * flows)) ;; esac
		if ! GW=gw-$sys "${sys}_up" "$vnics" "$routes" "$sysconns" 2>"$BENCH_TMP/setup.err"; then
			err=$(tail -n 3 "$BENCH_TMP/setup.err" | tr '\n' ' ')
			log "$name: $sys: not run: $err"
			record "${FIELDS[$sys]}" "$(jq -cn --arg e "$err" '{error: $e}')"
			gw_down "$sys"
			continue
		fi
		SETUP[$sys]=$((SECONDS - t0))
		DUTS+=("$sys")
	done
	declare -A EST=()
	for sys in "${DUTS[@]}"; do
		dut_activate "$sys" || log "$name: $sys: could not be made the active DUT"
		rm -f "$BENCH_TMP/established.json"
		establish "$path" "$((conns > flows ? conns : flows))"
		# Over 100k flows (establish_many): how many opened and were
		# answered, in every run's record (report.py refuses fewer).
		EST[$sys]='{}'
		[ -s "$BENCH_TMP/established.json" ] &&
			EST[$sys]=$(jq -c '{flows_opened: .opened, flows_established: .established}' \
				"$BENCH_TMP/established.json")
		warm_up "$path" "$flows" "$size"
	done
	# The systems take turns, run after run.
	for ((rep = 1; rep <= REPS; rep++)); do
		for sys in "${DUTS[@]}"; do
			if ! dut_activate "$sys"; then
				# (report.py refuses a run_error.)
				log "$name: $sys: could not be made the active DUT"
				record "${FIELDS[$sys]}" '{"run_error": "activation (dut_activate)", "rep": '"$rep"'}'
				continue
			fi
			warm_up "$path" "$flows" "$size"
			m=$(measure "$path" "$flows" "$size" "$SECS")
			# (A measurement that printed nothing is a failed run, not
			# a missing one.)
			[ -n "$m" ] || m='{"run_error": "measure (no result)"}'
			record "${FIELDS[$sys]}" "$(jq -c --argjson r "$rep" --argjson t "${SETUP[$sys]}" \
				--argjson e "${EST[$sys]}" '. + $e + {rep: $r, setup_s: $t}' <<<"$m")"
			log "$name: $sys: $(jq -r '"\(.pps | floor) pps, \(.dut_busy_s) DUT CPU s, \(.pkts_per_cpu_s // 0 | floor) pkts/CPU-s, sent \(.sent), bad \(.bad)"' <<<"$m")"
		done
	done
	if [ "${BENCH_PROFILE:-1}" = 1 ] && [ "$name" = "${SCENARIOS[0]%%:*}" ]; then
		for sys in "${DUTS[@]}"; do
			dut_activate "$sys"
			warm_up "$path" "$flows" "$size"
			profile "$path" "$flows" "$size" "$(dirname "$out")/profile-$sys.txt"
		done
	fi
	for sys in "${DUTS[@]}"; do
		nf_check "$sys"
		gw_down "$sys"
	done
	DUTS=()
	ct_restore
done
log "done: $(wc -l <"$out") runs in $out"
