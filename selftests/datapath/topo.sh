# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# topo.sh: the network-namespace topologies of the data-path selftests, built
# from small calls, and the desired-state document that matches them.
#
#   topo_init [4|6]                underlay family; the underlay namespace
#   topo_host NAME UL_IP           a vnicgw host (gw0 link, the VIPs on lo)
#   topo_vcn / topo_subnet / topo_route_table / topo_seclist / topo_nsg
#                                  objects of the document only
#   topo_gateway ID VCN TYPE UL_IP VNI [key=value...]
#                                  a gateway namespace (and a host behind it)
#   topo_vnic ID SUBNET IPS VNI NVD_IP [key=value...]
#                                  an instance and its NVD in one namespace
#   topo_apply                     vnicctl apply the document on every host
#   topo_cleanup                   (on EXIT) processes, namespaces, module
#
# Every namespace is "vgwt-NAME": the underlay "ul", each host, each instance
# by its VNIC id, each gateway by its id and the host behind it by "ID-host".
# `nsx NAME CMD...` runs CMD in one. See README.md for the picture and the
# conventions (addresses, MACs, MTUs) these functions follow.
#
# Source after ../lib.sh; needs jq, ip, bridge, tc (external Geneve only),
# ethtool.

DP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DP_BIN=${VGW_ROOT:-$DP_DIR/../..}/build/selftests/datapath
FLOW=$DP_BIN/flow
CRAFT=$DP_BIN/craft

# The virtual router's MAC: source of every frame the cluster sends to an
# instance or a gateway, and the answer to every ARP/ND it answers.
ROUTER_MAC=02:00:00:00:00:01

# How an instance's Geneve NVD is made. "strict" (the default):
#   ip link add eth0v type geneve id VNI remote VIP
# which, like any Linux geneve device, accepts only packets whose outer
# source is the remote, i.e. the VIP. "external": a collect_md geneve device
# with a tc tunnel_key action that sends to the VIP with the VNI, and that
# accepts packets from any source and VNI.
TOPO_GENEVE_NVD=${TOPO_GENEVE_NVD:-strict}

TOPO_NS=()		# every namespace made, without the vgwt- prefix
TOPO_PIDS=()		# every background process started (topo_bg)
TOPO_HOSTS=()		# vnicgw hosts
TOPO_NODES=()		# namespaces that send to the VIPs (NVDs, gateways)
TOPO_VIPS=()		# VIPs, in the order first used
declare -A TOPO_UL_IP	# namespace -> its underlay address
TOPO_PORTS=0

nsx()
{
	local n=$1

	shift
	ip netns exec "vgwt-$n" "$@"
}

is_v6() { [[ $1 == *:* ]]; }

# first_host ADDR/LEN: the first host address of the prefix (the virtual
# router of a subnet; a gateway's inside address): 10.1.2.0/24 -> 10.1.2.1,
# 198.18.0.10/24 -> 198.18.0.1, 2001:db8:1:1::/64 -> 2001:db8:1:1::1.
first_host()
{
	awk -v cidr="$1" '
	function hex(s,   i, v) { v = 0; s = tolower(s)
		for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
		return v }
	BEGIN {
		split(cidr, c, "/"); a = c[1]; len = c[2] + 0
		if (a !~ /:/) {
			split(a, o, "."); n = 0
			for (i = 1; i <= 4; i++) n = n * 256 + o[i]
			n = n - n % 2 ^ (32 - len) + 1
			printf "%d.%d.%d.%d\n", int(n / 16777216), int(n / 65536) % 256, int(n / 256) % 256, n % 256
			exit
		}
		# IPv6: eight 16-bit groups, masked, plus one, printed with the
		# longest run of zero groups as "::".
		nh = split(a, halves, "::"); ng = 0
		nl = halves[1] == "" ? 0 : split(halves[1], l, ":")
		nr = (nh > 1 && halves[2] != "") ? split(halves[2], r, ":") : 0
		for (i = 1; i <= nl; i++) g[++ng] = hex(l[i])
		for (i = 0; i < 8 - nl - nr; i++) g[++ng] = 0
		for (i = 1; i <= nr; i++) g[++ng] = hex(r[i])
		for (i = 1; i <= 8; i++) {
			keep = len - (i - 1) * 16
			if (keep <= 0) g[i] = 0
			else if (keep < 16) g[i] = g[i] - g[i] % 2 ^ (16 - keep)
		}
		g[8] = g[8] + 1
		bs = 0; bl = 0
		for (i = 1; i <= 8; i++) if (g[i] == 0) {
			for (j = i; j <= 8 && g[j] == 0; j++) ;
			if (j - i > bl && j - i > 1) { bs = i; bl = j - i }
			i = j
		}
		out = ""
		for (i = 1; i <= 8; i++) {
			if (i == bs) { out = out "::"; i += bl - 1; continue }
			out = out ((out == "" || out ~ /::$/) ? "" : ":") sprintf("%x", g[i])
		}
		print out
	}'
}

# mac_of ADDR: the MAC the tests give a VNIC, from its private IP as in the
# STATE-FORMAT example: 10.1.1.5 -> 02:00:0a:01:01:05; IPv6: 02:06 and the
# last four bytes.
mac_of()
{
	local a=$1 o

	if is_v6 "$a"; then
		o=$(printf '%s' "$a" | awk -F: '{ x = $(NF-1); y = $NF;
			while (length(x) < 4) x = "0" x; while (length(y) < 4) y = "0" y;
			printf "%s:%s:%s:%s", substr(x,1,2), substr(x,3,2), substr(y,1,2), substr(y,3,2) }')
		echo "02:06:$o"
	else
		IFS=. read -r -a o <<<"$a"
		printf '02:00:%02x:%02x:%02x:%02x\n' "${o[@]}"
	fi
}

# gw_mac VNI: the MAC of a gateway's tunnel device, 02:00:00 and the VNI.
gw_mac()
{
	printf '02:00:00:%02x:%02x:%02x\n' $(($1 >> 16 & 255)) $(($1 >> 8 & 255)) $(($1 & 255))
}

# --- the document ------------------------------------------------------------

# _doc_put KEY JSON: add the object to the list KEY, replacing the one with
# the same id.
_doc_put()
{
	jq --arg k "$1" --argjson o "$2" \
		'.[$k] = ([.[$k][] | select(.id != $o.id)] + [$o])' \
		"$TOPO_DOC" >"$TOPO_DOC.new" && mv "$TOPO_DOC.new" "$TOPO_DOC"
}

# topo_jq FILTER [jq args...]: edit the document (e.g. disable a gateway).
topo_jq()
{
	jq "$@" "$TOPO_DOC" >"$TOPO_DOC.new" && mv "$TOPO_DOC.new" "$TOPO_DOC"
}

# doc_get FILTER: a value of the document (raw output).
doc_get()
{
	jq -r "$@" "$TOPO_DOC"
}

topo_vcn()
{
	local id=$1

	shift
	_doc_put vcns "$(jq -n --arg id "$id" '{id: $id, cidrs: $ARGS.positional}' \
		--args "$@")"
}

# topo_subnet ID VCN CIDR [rt=ROUTE_TABLE] [sl=LIST,LIST]
topo_subnet()
{
	local id=$1 vcn=$2 cidr=$3 rt= sl= kv

	shift 3
	for kv; do
		case $kv in
		rt=*) rt=${kv#rt=} ;;
		sl=*) sl=${kv#sl=} ;;
		*) echo "topo_subnet: $kv?" >&2; return 1 ;;
		esac
	done
	_doc_put subnets "$(jq -n --arg id "$id" --arg vcn "$vcn" --arg cidr "$cidr" \
		--arg rt "$rt" --arg sl "$sl" \
		'{id: $id, vcn: $vcn, cidr: $cidr}
		 + (if $rt != "" then {route_table: $rt} else {} end)
		 + (if $sl != "" then {security_lists: ($sl | split(","))} else {} end)')"
}

# topo_route_table ID VCN [DESTINATION=TARGET...], e.g. 0.0.0.0/0=igw-a,
# service:all=sgw-a, 10.9.0.0/16=private-ip:10.1.1.250
topo_route_table()
{
	local id=$1 vcn=$2

	shift 2
	_doc_put route_tables "$(jq -n --arg id "$id" --arg vcn "$vcn" \
		'{id: $id, vcn: $vcn, rules: [$ARGS.positional[] | index("=") as $i
			| {destination: .[:$i], target: .[$i + 1:]}]}' --args "$@")"
}

# rule KEY=VALUE...: one security rule as JSON. Keys as in the document:
# source, destination, protocol, src_ports, dst_ports, icmp_type, icmp_code,
# stateless.
rule()
{
	local kv args=()

	for kv; do
		case $kv in
		icmp_type=*|icmp_code=*|stateless=*)
			args+=(--argjson "${kv%%=*}" "${kv#*=}") ;;
		*=*)	args+=(--arg "${kv%%=*}" "${kv#*=}") ;;
		*)	echo "rule: $kv?" >&2; return 1 ;;
		esac
	done
	jq -cn "${args[@]}" '$ARGS.named'
}

# topo_seclist ID VCN [ingress RULE...] [egress RULE...]  (RULE: from rule)
topo_seclist() { _topo_rules security_lists "$@"; }
topo_nsg() { _topo_rules nsgs "$@"; }

_topo_rules()
{
	local key=$1 id=$2 vcn=$3 dir= in='[]' out='[]' r

	shift 3
	for r; do
		case $r in
		ingress|egress) dir=$r ;;
		*)
			[ -n "$dir" ] || { echo "$key: ingress or egress first" >&2; return 1; }
			if [ "$dir" = ingress ]; then
				in=$(jq -c --argjson r "$r" '. + [$r]' <<<"$in")
			else
				out=$(jq -c --argjson r "$r" '. + [$r]' <<<"$out")
			fi ;;
		esac
	done
	_doc_put "$key" "$(jq -n --arg id "$id" --arg vcn "$vcn" --argjson i "$in" \
		--argjson e "$out" '{id: $id, vcn: $vcn, ingress: $i, egress: $e}')"
}

# --- namespaces ----------------------------------------------------------------

# topo_init [4|6]: the temporary directory, the empty document and the
# underlay: namespace "ul" with the bridge br0 that every host, NVD and
# gateway plugs into (10.0.0.0/24 or fd00::/64). Loads the module and the
# Linux tunnel modules; sets the EXIT trap.
topo_init()
{
	TOPO_FAMILY=${1:-4}
	TOPO_NS=() TOPO_PIDS=() TOPO_HOSTS=() TOPO_NODES=() TOPO_VIPS=()
	TOPO_UL_IP=() TOPO_PORTS=0
	TOPO_DIR=$(mktemp -d /tmp/vgwt-dp.XXXXXX)
	TOPO_DOC=$TOPO_DIR/state.json
	if [ "$TOPO_FAMILY" = 6 ]; then
		TOPO_UL_LEN=64 TOPO_VIP_NET=fd00:100::/64 TOPO_VIP_LEN=128
		TOPO_OVERHEAD=70	# IPv6 40 + UDP 8 + VXLAN/Geneve 8 + Ethernet 14
	else
		TOPO_UL_LEN=24 TOPO_VIP_NET=10.0.100.0/24 TOPO_VIP_LEN=32
		TOPO_OVERHEAD=50	# IPv4 20 + UDP 8 + VXLAN/Geneve 8 + Ethernet 14
	fi
	TOPO_UL_MTU=1500
	TOPO_NIC_MTU=$((TOPO_UL_MTU - TOPO_OVERHEAD))
	echo '{"vcns": [], "subnets": [], "route_tables": [], "security_lists": [],
	       "nsgs": [], "gateways": [], "vnics": []}' | jq . >"$TOPO_DOC"
	trap topo_cleanup EXIT
	modprobe -q veth; modprobe -q bridge; modprobe -q vxlan; modprobe -q geneve
	load_module || return
	_topo_ns ul || return
	nsx ul ip link add br0 type bridge &&
	nsx ul ip link set br0 up
}

_topo_ns()
{
	ip netns add "vgwt-$1" || return
	TOPO_NS+=("$1")
	nsx "$1" ip link set lo up
}

# _topo_plug NS ADDR: a veth "ul0" from NS into the underlay bridge, with ADDR.
_topo_plug()
{
	local n=$1 a=$2 p

	TOPO_PORTS=$((TOPO_PORTS + 1))
	p=p$TOPO_PORTS
	ip -n "vgwt-$n" link add ul0 mtu "$TOPO_UL_MTU" type veth peer name "$p" \
		mtu "$TOPO_UL_MTU" netns vgwt-ul || return
	nsx ul ip link set "$p" master br0 up &&
	nsx "$n" ip addr add "$a/$TOPO_UL_LEN" dev ul0 $(is_v6 "$a" && echo nodad) &&
	nsx "$n" ip link set ul0 up &&
	TOPO_UL_IP[$n]=$a
}

# _topo_vip_route NS: the VIPs are reached through the vnicgw hosts (several:
# one multipath route, the later ECMP).
_topo_vip_route()
{
	local h nh=()

	[ "${#TOPO_HOSTS[@]}" -gt 0 ] || return 0
	for h in "${TOPO_HOSTS[@]}"; do
		nh+=(nexthop via "${TOPO_UL_IP[$h]}")
	done
	nsx "$1" ip route replace "$TOPO_VIP_NET" "${nh[@]}"
}

# topo_host NAME UL_IP: a vnicgw host: its underlay address, the vnicgw link
# gw0 (up: the module listens on 4789 and 6081), every VIP on lo.
topo_host()
{
	local n=$1 v

	_topo_ns "$n" && _topo_plug "$n" "$2" || return
	nsx "$n" ip link add gw0 type vnicgw &&
	nsx "$n" ip link set gw0 up || return
	TOPO_HOSTS+=("$n")
	for v in "${TOPO_VIPS[@]}"; do
		nsx "$n" ip addr add "$v/$TOPO_VIP_LEN" dev lo $(is_v6 "$v" && echo nodad) || return
	done
	for v in "${TOPO_NODES[@]}"; do
		_topo_vip_route "$v" || return
	done
}

# topo_vip VIP: make VIP a local address of every host.
topo_vip()
{
	local v=$1 h

	for h in "${TOPO_VIPS[@]}"; do
		[ "$h" = "$v" ] && return 0
	done
	TOPO_VIPS+=("$v")
	for h in "${TOPO_HOSTS[@]}"; do
		nsx "$h" ip addr add "$v/$TOPO_VIP_LEN" dev lo $(is_v6 "$v" && echo nodad) || return
	done
}

# _topo_node NS UL_IP: a namespace that talks to the VIPs over the underlay.
_topo_node()
{
	_topo_ns "$1" && _topo_plug "$1" "$2" || return
	TOPO_NODES+=("$1")
	_topo_vip_route "$1"
}

# _topo_tunnel NS DEV VNI ENCAP REMOTE MAC [v4only]: the tunnel device of an
# NVD or a gateway, to REMOTE (a VIP), with the MAC and the MTU that leaves
# room for the encapsulation. ENCAP: vxlan (takes packets from any source),
# geneve (Linux Geneve: only from REMOTE), geneve-external (collect_md
# Geneve sending with tc tunnel_key: from any source, any VNI). Checksums
# are computed in software on it, so the receivers verify every checksum the
# cluster rewrites (NAT).
_topo_tunnel()
{
	local n=$1 dev=$2 vni=$3 encap=$4 remote=$5 mac=$6 v4only=${7:-} local=${TOPO_UL_IP[$1]}

	case $encap in
	vxlan)
		nsx "$n" ip link add "$dev" type vxlan id "$vni" local "$local" \
			dstport 4789 nolearning &&
		nsx "$n" bridge fdb append 00:00:00:00:00:00 dev "$dev" dst "$remote"
		;;
	geneve)
		nsx "$n" ip link add "$dev" type geneve id "$vni" remote "$remote"
		;;
	geneve-external)
		nsx "$n" ip link add "$dev" type geneve external &&
		nsx "$n" tc qdisc add dev "$dev" clsact &&
		nsx "$n" tc filter add dev "$dev" egress matchall action \
			tunnel_key set src_ip "$local" dst_ip "$remote" \
			id "$vni" dst_port 6081
		;;
	*) echo "_topo_tunnel: encap $encap?" >&2; return 1 ;;
	esac || return
	if [ -n "$v4only" ]; then
		nsx "$n" sysctl -qw "net.ipv6.conf.$dev.disable_ipv6=1" || return
	fi
	nsx "$n" ip link set "$dev" address "$mac" mtu "$TOPO_NIC_MTU" &&
	nsx "$n" ethtool -K "$dev" tx off >/dev/null &&
	nsx "$n" ip link set "$dev" up
}

# _topo_v4only ADDR...: true if every address is IPv4.
_topo_v4only()
{
	local a

	for a; do
		is_v6 "$a" && return 1
	done
	return 0
}

# topo_vnic ID SUBNET IP[,IP...] VNI NVD_IP [key=value...]: an instance in
# namespace ID that is also its compute host: the NVD's underlay address
# NVD_IP on ul0, and the instance NIC eth0v, a Linux VXLAN (or Geneve) device
# with VNI VNI towards the VIP, with the VNIC's MAC, its private IPs and a
# default route via the subnet's virtual router. Keys:
#   vip=ADDR (default: the first VIP, 10.0.100.1 or fd00:100::1)
#   rule=target:GW (the VIP's rule; default route)
#   encap=vxlan|geneve  mac=MAC  public_ip=ADDR  nsgs=A,B  skip_sdc=true
#   ct_limit=N
topo_vnic()
{
	local id=$1 sub=$2 ips=$3 vni=$4 nvd=$5 kv cidr
	local vip= rule= encap=vxlan mac= pub= nsgs= sdc= ct= obj

	shift 5
	for kv; do
		case $kv in
		vip=*) vip=${kv#*=} ;;
		rule=*) rule=${kv#*=} ;;
		encap=*) encap=${kv#*=} ;;
		mac=*) mac=${kv#*=} ;;
		public_ip=*) pub=${kv#*=} ;;
		nsgs=*) nsgs=${kv#*=} ;;
		skip_sdc=*) sdc=${kv#*=} ;;
		ct_limit=*) ct=${kv#*=} ;;
		*) echo "topo_vnic: $kv?" >&2; return 1 ;;
		esac
	done
	cidr=$(doc_get --arg s "$sub" '.subnets[] | select(.id == $s) | .cidr')
	[ -n "$cidr" ] || { echo "topo_vnic: no subnet $sub" >&2; return 1; }
	IFS=, read -r -a ips <<<"$ips"
	[ -n "$mac" ] || mac=$(mac_of "${ips[0]}")
	[ -n "$vip" ] || vip=$(_topo_default_vip)
	obj=$(jq -n --arg id "$id" --arg sub "$sub" --arg mac "$mac" \
		--arg pub "$pub" --arg nsgs "$nsgs" --arg sdc "$sdc" --arg ct "$ct" \
		--argjson vni "$vni" --arg nvd "$nvd" --arg encap "$encap" \
		--arg vip "$vip" --arg rule "$rule" \
		'{id: $id, subnet: $sub, private_ips: $ARGS.positional, mac: $mac}
		 + (if $pub != "" then {public_ip: $pub} else {} end)
		 + (if $nsgs != "" then {nsgs: ($nsgs | split(","))} else {} end)
		 + (if $sdc != "" then {skip_source_dest_check: ($sdc == "true")} else {} end)
		 + {micro_vnic: ({vni: $vni, nvd_ip: $nvd}
			+ (if $encap != "vxlan" then {encap: $encap} else {} end)),
		    vips: [{ip: $vip} + (if $rule != "" then {rule: $rule} else {} end)]}
		 + (if $ct != "" then {conntrack_limit: ($ct | tonumber)} else {} end)' \
		--args "${ips[@]}") || return
	_doc_put vnics "$obj" || return
	topo_instance "$id" "$nvd" "$vni" "$encap" "$vip" "$mac" "$cidr" "${ips[@]}"
}

# topo_instance NS NVD_IP VNI ENCAP VIP MAC SUBNET_CIDR IP...: the namespace
# of an instance and its NVD, without any document entry (topo_vnic's
# second half; alone, it makes an impostor). IPv6 addresses skip duplicate
# address detection unless TOPO_DAD=1.
topo_instance()
{
	local n=$1 nvd=$2 vni=$3 encap=$4 vip=$5 mac=$6 cidr=$7 router a

	shift 7
	router=$(first_host "$cidr") || return
	topo_vip "$vip" || return
	_topo_node "$n" "$nvd" || return
	[ "$encap" = geneve ] && [ "$TOPO_GENEVE_NVD" = external ] && encap=geneve-external
	_topo_tunnel "$n" eth0v "$vni" "$encap" "$vip" "$mac" \
		"$(_topo_v4only "$@" && echo v4only)" || return
	for a; do
		if is_v6 "$a" && [ "${TOPO_DAD:-}" != 1 ]; then
			nsx "$n" ip addr add "$a/${cidr#*/}" dev eth0v nodad
		else
			nsx "$n" ip addr add "$a/${cidr#*/}" dev eth0v
		fi || return
	done
	if is_v6 "$router"; then
		nsx "$n" ip -6 route add default via "$router" dev eth0v
	else
		nsx "$n" ip route add default via "$router" dev eth0v
	fi
}

_topo_default_vip()
{
	if [ "${#TOPO_VIPS[@]}" -gt 0 ]; then
		echo "${TOPO_VIPS[0]}"
	elif [ "$TOPO_FAMILY" = 6 ]; then
		echo fd00:100::1
	else
		echo 10.0.100.1
	fi
}

# topo_gateway ID VCN TYPE UL_IP VNI [key=value...]: a gateway (internet,
# nat, service, drg, lpg) in namespace ID: its underlay address UL_IP, the
# tunnel device gwv (VNI VNI, MAC 02:00:00+VNI, fdb default to the first
# VIP), IP forwarding, and on-link routes into gwv for the VCN's CIDRs (and
# the NAT gateway's public IP; the internet gateway's VNIC public IPs are
# added by topo_apply). Keys:
#   public_ip=ADDR  services=JSON ({"all": ["192.0.2.0/24"]})
#   encap=vxlan|geneve (a Geneve gateway's device takes packets from any VIP)
#   enabled=false
#   host=ADDR/LEN   a host behind the gateway in namespace ID-host (eth0),
#                   the gateway being the first address of that prefix
#                   (in0). Behind an internet or NAT gateway that host is
#                   "the internet": it has no route to private addresses,
#                   so it answers only what was translated.
topo_gateway()
{
	local id=$1 vcn=$2 type=$3 ul=$4 vni=$5 kv pub= svc= encap=vxlan en=true
	local host= vip c v4only=v4only gwin

	shift 5
	for kv; do
		case $kv in
		public_ip=*) pub=${kv#*=} ;;
		services=*) svc=${kv#*=} ;;
		encap=*) encap=${kv#*=} ;;
		enabled=*) en=${kv#*=} ;;
		host=*) host=${kv#*=} ;;
		*) echo "topo_gateway: $kv?" >&2; return 1 ;;
		esac
	done
	_doc_put gateways "$(jq -n --arg id "$id" --arg vcn "$vcn" --arg type "$type" \
		--arg pub "$pub" --arg svc "$svc" --arg ul "$ul" --argjson vni "$vni" \
		--arg encap "$encap" --argjson en "$en" \
		'{id: $id, vcn: $vcn, type: $type}
		 + (if $pub != "" then {public_ip: $pub} else {} end)
		 + (if $svc != "" then {services: ($svc | fromjson)} else {} end)
		 + {underlay_ip: $ul, vni: $vni}
		 + (if $encap != "vxlan" then {encap: $encap} else {} end)
		 + {enabled: $en}')" || return
	vip=$(_topo_default_vip)
	topo_vip "$vip" || return
	_topo_node "$id" "$ul" || return
	for c in $(doc_get --arg v "$vcn" '.vcns[] | select(.id == $v) | .cidrs[]'); do
		is_v6 "$c" && v4only=
	done
	# The cluster sends to a gateway from the VIP the packet arrived on, any
	# of them: a Geneve gateway takes packets from every source.
	[ "$encap" = geneve ] && encap=geneve-external
	_topo_tunnel "$id" gwv "$vni" "$encap" "$vip" "$(gw_mac "$vni")" $v4only || return
	nsx "$id" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0 || return
	[ -n "$v4only" ] || nsx "$id" sysctl -qw net.ipv6.conf.all.forwarding=1 || return
	for c in $(doc_get --arg v "$vcn" '.vcns[] | select(.id == $v) | .cidrs[]') $pub; do
		nsx "$id" ip route replace "$c" dev gwv || return
	done
	[ -n "$host" ] || return 0
	gwin=$(first_host "$host") || return
	_topo_ns "$id-host" || return
	ip -n "vgwt-$id" link add in0 type veth peer name eth0 netns "vgwt-$id-host" &&
	nsx "$id" ip addr add "$gwin/${host#*/}" dev in0 $(is_v6 "$gwin" && echo nodad) &&
	nsx "$id" ip link set in0 up &&
	nsx "$id-host" ip addr add "$host" dev eth0 $(is_v6 "$gwin" && echo nodad) &&
	nsx "$id-host" ethtool -K eth0 tx off >/dev/null &&
	nsx "$id-host" ip link set eth0 up &&
	nsx "$id-host" ip $(is_v6 "$gwin" && echo -6) route add default via "$gwin" || return
	case $type in
	internet|nat)
		for c in 10.0.0.0/8 172.16.0.0/12 192.168.0.0/16; do
			nsx "$id-host" ip route add unreachable "$c" || return
		done ;;
	esac
}

# _topo_gw_routes: every internet gateway routes its VCN's public IPs into
# its tunnel.
_topo_gw_routes()
{
	local gw vcn ip

	for gw in $(doc_get '.gateways[] | select(.type == "internet") | .id'); do
		vcn=$(doc_get --arg g "$gw" '.gateways[] | select(.id == $g) | .vcn')
		for ip in $(doc_get --arg v "$vcn" '.subnets as $s | .vnics[]
				| select(.subnet as $id | $s[] | select(.id == $id) | .vcn == $v)
				| .public_ip // empty'); do
			nsx "$gw" ip route replace "$ip" dev gwv || return
		done
	done
}

# topo_apply: make every host's tables equal to the document. On failure,
# vnicctl's message is printed as TAP diagnostics.
topo_apply()
{
	local h out

	for h in "${TOPO_HOSTS[@]}"; do
		if ! out=$(nsx "$h" vnicctl apply "$TOPO_DOC" 2>&1); then
			{ echo "vnicctl apply in $h failed:"; echo "$out"; } | diag
			return 1
		fi
	done
	_topo_gw_routes
}

# topo_bg NAME NS CMD...: run CMD in namespace NS in the background, its
# output in $TOPO_DIR/NAME.log; the pid is remembered for topo_cleanup and
# left in TOPO_BG_PID.
topo_bg()
{
	local name=$1 n=$2

	shift 2
	ip netns exec "vgwt-$n" "$@" >"$TOPO_DIR/$name.log" 2>&1 </dev/null &
	TOPO_BG_PID=$!
	TOPO_PIDS+=("$TOPO_BG_PID")
}

# topo_kill PID: stop one process started here and reap it.
topo_kill()
{
	local i

	kill "$1" 2>/dev/null
	for i in $(seq 30); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

# topo_cleanup: stop what was started, delete the namespaces (and any other
# vgwt-* left over), unload the module, remove the directory. On failure the
# logs of the background processes are shown first.
topo_cleanup()
{
	local p n

	for p in "${TOPO_PIDS[@]}"; do
		topo_kill "$p"
	done
	if [ "${TAP_FAILED:-0}" -gt 0 ] && [ -d "${TOPO_DIR:-}" ]; then
		for p in "$TOPO_DIR"/*.log; do
			[ -s "$p" ] && { echo "${p##*/}:"; tail -n 20 "$p"; } | diag
		done
	fi
	for ((p = ${#TOPO_NS[@]} - 1; p >= 0; p--)); do
		n=${TOPO_NS[p]}
		ip netns del "vgwt-$n" 2>/dev/null
	done
	netns_cleanup
	unload_module
	[ -z "${TOPO_DIR:-}" ] || rm -rf "$TOPO_DIR"
	TOPO_NS=() TOPO_PIDS=() TOPO_DIR=
}
