# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# System 1: vnicgw. The tenant of lib.sh as a desired-state document,
# applied with vnicctl in the DUT namespace (link gw0 up: the module listens
# on 4789/6081 there).
#
#   vnicgw_doc VNICS ROUTES CONNS   print the document
#   vnicgw_up VNICS ROUTES CONNS    gw_up, insmod if needed, gw0, apply
#   vnicgw_attach / vnicgw_detach   (nic bed) the agent, as on a hypervisor
#                                   host: the same document, the XDP steering
#                                   program on the NIC in driver mode, CPU 1
#                                   the one worker; stopped when the NIC
#                                   leaves (its link detaches the program)

vnicgw_doc()
{
	local vnics=$1 routes=$2 conns=$3 i v id ip vni nvd sub pub rt ctl=

	# Room for CONNS connections and some, within the document's bound.
	[ "$conns" -gt 0 ] && ctl=", \"conntrack_limit\": $((conns + 40000 > 1048576 ? 1048576 : conns + 40000))"
	printf '{"vcns": [{"id": "vcn-a", "cidrs": ["%s", "%s"]}],\n' "$VCN_CIDR" "$BULK_CIDR"
	printf '"security_lists": [{"id": "sl", "vcn": "vcn-a",
	  "ingress": [{"source": "%s", "protocol": "all"}],
	  "egress": [{"destination": "%s", "protocol": "all"}]}],\n' "$SL_IN_SRC" "$SL_EG_DST"
	printf '"nsgs": [],\n"subnets": ['
	i=0
	for v in $SUBNETS; do
		IFS=: read -r id ip rt <<<"$v"
		[ $i -gt 0 ] && printf ','
		printf '{"id": "%s", "vcn": "vcn-a", "cidr": "%s", "security_lists": ["sl"]%s}' \
			"$id" "$ip" "${rt:+, \"route_table\": \"$rt\"}"
		i=$((i + 1))
	done
	printf '],\n"gateways": [
	  {"id": "igw", "vcn": "vcn-a", "type": "internet", "underlay_ip": "%s", "vni": %d, "enabled": true},
	  {"id": "nat", "vcn": "vcn-a", "type": "nat", "public_ip": "%s", "underlay_ip": "%s", "vni": %d, "enabled": true}],\n' \
		"$IGW_UL" "$IGW_VNI" "$NAT_PUB" "$NAT_UL" "$NAT_VNI"
	printf '"route_tables": [{"id": "rt-app", "vcn": "vcn-a", "rules": [{"destination": "0.0.0.0/0", "target": "nat"}]},\n'
	printf '  {"id": "rt-web", "vcn": "vcn-a", "rules": [{"destination": "0.0.0.0/0", "target": "igw"}'
	bulk_routes "$routes" ',  {"destination": "%s", "target": "igw"}'
	printf ']}],\n"vnics": ['
	i=0
	for v in "${VNICS[@]}"; do
		read -r id ip vni nvd sub pub <<<"$v"
		[ $i -gt 0 ] && printf ','
		_vnicgw_vnic "$id" "$ip" "$vni" "$nvd" "$sub" "$pub" "$ctl"
		i=$((i + 1))
	done
	# The extra VNICs: one awk, not 100k shell iterations.
	awk -v n="$vnics" 'BEGIN {
		for (i = 0; i < n; i++) {
			k = 10 + i
			ip = sprintf("10.%d.%d.%d", 64 + int(k / 65536), int(k / 256) % 256, k % 256)
			split(ip, o, ".")
			printf(",\n{\"id\": \"x%d\", \"subnet\": \"bulk\", \"private_ips\": [\"%s\"], \"mac\": \"02:00:%02x:%02x:%02x:%02x\", \"micro_vnic\": {\"vni\": %d, \"nvd_ip\": \"10.0.0.%d\"}, \"vips\": [{\"ip\": \"'"$VIP"'\", \"rule\": \"route\"}]}",
				i, ip, o[1], o[2], o[3], o[4], 200000 + i, 21 + i % 2)
		}
	}'
	printf ']}\n'
}

_vnicgw_vnic()
{
	local id=$1 ip=$2 vni=$3 nvd=$4 sub=$5 pub=$6 ctl=$7

	[ "$pub" = - ] && pub=
	printf '{"id": "%s", "subnet": "%s", "private_ips": ["%s"], "mac": "%s"%s%s,
	  "micro_vnic": {"vni": %d, "nvd_ip": "%s"}, "vips": [{"ip": "%s", "rule": "route"}]}' \
		"$id" "$sub" "$ip" "$(mac_of "$ip")" "${pub:+, \"public_ip\": \"$pub\"}" "$ctl" \
		"$vni" "$nvd" "$VIP"
}

vnicgw_up()
{
	local doc=$BENCH_TMP/vnicgw.json

	gw_up || return
	[ -d /sys/module/vnicgw ] || insmod "$VGW_KO" || return
	# The UDP timeouts Linux's conntrack gets for the same scenario
	# (ct_tune in sys-linux.sh), the defaults otherwise.
	local udp=30 stream=180
	[ "$3" -gt 0 ] && udp=600 stream=600
	echo $udp >/sys/module/vnicgw/parameters/ct_udp_timeout &&
		echo $stream >/sys/module/vnicgw/parameters/ct_udp_stream_timeout || return
	vnicgw_doc "$@" >"$doc" || return
	ip -n "vgwb-$GW" link add gw0 type vnicgw && ip -n "vgwb-$GW" link set gw0 up || return
	ns "$GW" vnicctl apply "$doc" >/dev/null
}

vnicgw_attach()
{
	local ns=vgwb-gw-vnicgw log=$BENCH_TMP/agent.log i

	[ "$BED" = nic ] || return 0
	# No drift checks during the runs: the document does not change.
	taskset -c $DUT_CPU vnicgw-agent --netns "$ns" --state "$BENCH_TMP/vnicgw.json" \
		--link gw0 --xdp-if ul0 --xdp-mode native --cpus $DUT_CPU \
		--interval 3600 >>"$log" 2>&1 &
	VNICGW_AGENT=$!
	for ((i = 0; i < 600; i++)); do
		# XDP_ATTACHED_DRV (1): driver mode, not generic (2).
		ip -n "$ns" -j link show ul0 2>/dev/null | jq -e '.[0].xdp.mode == 1' >/dev/null &&
			return 0
		kill -0 "$VNICGW_AGENT" 2>/dev/null || break
		sleep 0.1
	done
	echo "vnicgw: the agent did not attach in driver mode: $(tail -n 3 "$log")" >&2
	return 1
}

vnicgw_detach()
{
	[ -n "${VNICGW_AGENT:-}" ] || return 0
	kill -TERM "$VNICGW_AGENT" 2>/dev/null
	wait "$VNICGW_AGENT" 2>/dev/null
	VNICGW_AGENT=
}

vnicgw_down() { vnicgw_detach; }
