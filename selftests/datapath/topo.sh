# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# topo.sh: the network-namespace topologies of the data-path selftests, built
# from small calls, and the desired-state document that matches them.
#
#   topo_init [4|6]                underlay family; the underlay namespace
#   topo_host NAME UL_IP           a vnicgw host (gw0 link, the VIPs on lo)
#   topo_vcn / topo_subnet / topo_route_table / topo_seclist / topo_nsg
#                                  objects of the document only (rule builds
#                                  a security rule)
#   topo_gateway ID VCN TYPE UL_IP VNI [key=value...]
#                                  a gateway namespace (and a host behind it)
#   topo_vnic ID SUBNET IPS VNI NVD_IP [key=value...]
#                                  an instance and its NVD in one namespace
#   topo_instance ...              the same without a document entry
#   topo_apply                     vnicctl apply the document on every host
#   topo_doc / topo_jq / doc_get   the document: its path, edit it, read it
#   topo_bg / topo_kill            background processes, stopped at the end
#   topo_cleanup                   (on EXIT) processes, namespaces, module
#
# Every namespace is "vgwt-NAME": the underlay "ul", each host, each instance
# by its VNIC id, each gateway by its id and the host behind it by "ID-host".
# `nsx NAME CMD...` runs CMD in one. See README.md for the picture and the
# conventions (addresses, MACs, MTUs) these functions follow.
#
# In the VM every process costs tens of milliseconds (jq: 0.2 s), so the
# document is built as text without jq (ids and addresses need no quoting)
# and merged into the file once, when it is read or applied; the ip commands
# of one namespace go through one `ip -batch`.
#
# Source after ../lib.sh; needs jq, ip, bridge, ethtool, tc (external Geneve).

DP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DP_BIN=$VGW_ROOT/build/selftests/datapath	# (set by ../lib.sh)
# shellcheck disable=SC2034 # FLOW, CRAFT, ROUTER_MAC are for the tests
FLOW=$DP_BIN/flow
# shellcheck disable=SC2034
CRAFT=$DP_BIN/craft

# The virtual router's MAC: source of every frame the cluster sends to an
# instance or a gateway, and the answer to every ARP/ND it answers.
# shellcheck disable=SC2034
ROUTER_MAC=02:00:00:00:00:01

# How an instance's Geneve NVD is made. "strict" (the default):
#   ip link add eth0v type geneve id VNI remote VIP
# which, like any Linux geneve device, accepts only packets whose outer
# source is the remote, i.e. the VIP. "external": a collect_md geneve device
# with a tc tunnel_key action that sends to the VIP with the VNI, and that
# accepts packets from any source and VNI.
TOPO_GENEVE_NVD=${TOPO_GENEVE_NVD:-strict}

# The devices' offloads. "off" (the default): every veth and tunnel device
# sends complete checksums (tx checksum offload off, hence no TSO either),
# as on a wire: captures show real checksums and every receiver verifies
# them. "on": Linux's defaults (checksum offload, TSO/GSO: frames cross the
# veths as CHECKSUM_PARTIAL and GSO super-packets) and GRO on every veth
# (GRO-built, non-linear skbs): what a host really hands vnicgw. run-vm.sh
# runs every data-path and cluster suite both ways.
TOPO_OFFLOADS=${TOPO_OFFLOADS:-off}
case $TOPO_OFFLOADS in
on | off) ;;
*) echo "topo.sh: TOPO_OFFLOADS=$TOPO_OFFLOADS (on or off)" >&2; exit 2 ;;
esac

# topo_offloads NS DEV [veth]: DEV's offloads as TOPO_OFFLOADS says (GRO
# only on veths: a tunnel device has it on already).
topo_offloads()
{
	if [ "$TOPO_OFFLOADS" = off ]; then
		nsx "$1" ethtool -K "$2" tx off >/dev/null
	elif [ "${3:-}" = veth ]; then
		nsx "$1" ethtool -K "$2" gro on >/dev/null
	fi
}

# nsx NS CMD...: CMD in namespace vgwt-NS. vnicctl enters it itself (-n,
# as ip -n): "ip netns exec" also remounts /sys, and costs a process more,
# a quarter of a second in the TCG guest.
nsx()
{
	local n=$1

	shift
	if [ "$1" = vnicctl ]; then
		shift
		vnicctl -n "vgwt-$n" "$@"
		return
	fi
	ip netns exec "vgwt-$n" "$@"
}

# counters NS FILTER...: the values of jq FILTERs over NS's `vnicctl -j
# stats` ($s) and `vnicctl -j cluster` ($c, read only when a filter names
# it), 0 for an absent one, on one line: one read of each for a whole
# snapshot of counters (a process costs tens of milliseconds in the TCG
# guest), e.g. counters h1 '$s.drops.malformed' '$c.counters.sync_in'.
counters()
{
	local ns=$1 s c='{}' f q=

	shift
	s=$(nsx "$ns" vnicctl -j stats) || return
	# shellcheck disable=SC2016 # a filter that names jq's $c
	case "$*" in
	*'$c'*) c=$(nsx "$ns" vnicctl -j cluster) || return ;;
	esac
	for f; do
		q+="${q:+, }(($f) // 0)"
	done
	jq -rn --argjson s "$s" --argjson c "$c" "[$q] | map(tostring) | join(\" \")"
}

# steady CMD...: CMD's output once it stands still (two runs 0.2 s apart
# agree, five tries at most): counts read right after sending are read
# once the last message is taken, however slow the guest.
steady()
{
	local a b _

	a=$("$@")
	for _ in 1 2 3 4 5; do
		sleep 0.2
		b=$("$@")
		[ "$a" = "$b" ] && break
		a=$b
	done
	echo "$b"
}

# in_ns NS: run the ip commands of stdin (one per line) in NS, one process.
in_ns()
{
	ip -n "vgwt-$1" -batch -
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
# example document: 10.1.1.5 -> 02:00:0a:01:01:05; IPv6: 02:06, the
# fourth group (the subnet, in the tests' /64s) and the last one:
# 2001:db8:1:2::5 -> 02:06:00:02:00:05.
mac_of()
{
	local o

	if is_v6 "$1"; then
		awk -v a="$1" 'BEGIN {
			nh = split(a, h, "::"); nl = h[1] == "" ? 0 : split(h[1], l, ":")
			nr = (nh > 1 && h[2] != "") ? split(h[2], r, ":") : 0
			for (i = 1; i <= nl; i++) g[++n] = l[i]
			for (i = 0; i < 8 - nl - nr; i++) g[++n] = "0"
			for (i = 1; i <= nr; i++) g[++n] = r[i]
			x = sprintf("%04s", g[4]); y = sprintf("%04s", g[8])
			gsub(/ /, "0", x); gsub(/ /, "0", y)
			printf "02:06:%s:%s:%s:%s\n", substr(x, 1, 2), substr(x, 3, 2), substr(y, 1, 2), substr(y, 3, 2)
		}'
	else
		IFS=. read -r -a o <<<"$1"
		printf '02:00:%02x:%02x:%02x:%02x\n' "${o[@]}"
	fi
}

# gw_mac VNI: the MAC of a gateway's tunnel device, 02:00:00 and the VNI.
gw_mac()
{
	printf '02:00:00:%02x:%02x:%02x\n' $(($1 >> 16 & 255)) $(($1 >> 8 & 255)) $(($1 & 255))
}

# --- the document ------------------------------------------------------------

# JSON text of strings and lists of strings (ids, addresses, prefixes and
# port ranges need no escaping).
_q() { printf '"%s"' "$1"; }
_qa()
{
	local a out=

	for a; do
		out+=${out:+,}$(_q "$a")
	done
	printf '[%s]' "$out"
}

# _doc_put LIST JSON: add the object to LIST, replacing the one with the same
# id; merged into the file by _doc_flush.
_doc_put()
{
	local j=${2//$'\n'/ }

	printf '%s\t%s\n' "$1" "${j//$'\t'/ }" >>"$TOPO_DIR/pending"
}

_doc_flush()
{
	[ -s "$TOPO_DIR/pending" ] || return 0
	jq --rawfile p "$TOPO_DIR/pending" '
		reduce ($p | split("\n")[] | select(length > 0) | split("\t")
			| [.[0], (.[1] | fromjson)]) as [$k, $o]
		(.; .[$k] = ([.[$k][] | select(.id != $o.id)] + [$o]))' \
		"$TOPO_DOC" >"$TOPO_DOC.new" || return
	mv "$TOPO_DOC.new" "$TOPO_DOC" && : >"$TOPO_DIR/pending"
}

# topo_doc: the path of the document, up to date.
topo_doc()
{
	_doc_flush && echo "$TOPO_DOC"
}

# topo_jq FILTER [jq args...]: edit the document (e.g. disable a gateway).
topo_jq()
{
	_doc_flush || return
	jq "$@" "$TOPO_DOC" >"$TOPO_DOC.new" && mv "$TOPO_DOC.new" "$TOPO_DOC"
}

# doc_get FILTER [jq args...]: a value of the document (raw output).
doc_get()
{
	_doc_flush && jq -r "$@" "$TOPO_DOC"
}

declare -A TOPO_VCN_CIDRS TOPO_SUBNET_CIDR TOPO_SUBNET_VCN TOPO_GW_TYPE \
	TOPO_GW_VCN TOPO_VNIC_VCN TOPO_VNIC_PUB

# topo_vcn ID CIDR...
topo_vcn()
{
	local id=$1

	shift
	TOPO_VCN_CIDRS[$id]="$*"
	_doc_put vcns "{\"id\": $(_q "$id"), \"cidrs\": $(_qa "$@")}"
}

# topo_subnet ID VCN CIDR [rt=ROUTE_TABLE] [sl=LIST,LIST]
topo_subnet()
{
	local id=$1 vcn=$2 cidr=$3 kv obj lists

	shift 3
	obj="{\"id\": $(_q "$id"), \"vcn\": $(_q "$vcn"), \"cidr\": $(_q "$cidr")"
	for kv; do
		case $kv in
		rt=*) obj+=", \"route_table\": $(_q "${kv#rt=}")" ;;
		sl=*) IFS=, read -r -a lists <<<"${kv#sl=}"
		      obj+=", \"security_lists\": $(_qa "${lists[@]}")" ;;
		*) echo "topo_subnet: $kv?" >&2; return 1 ;;
		esac
	done
	TOPO_SUBNET_CIDR[$id]=$cidr
	TOPO_SUBNET_VCN[$id]=$vcn
	_doc_put subnets "$obj}"
}

# topo_route_table ID VCN [DESTINATION=TARGET...], e.g. 0.0.0.0/0=igw-a,
# service:all=sgw-a, 10.9.0.0/16=private-ip:10.1.1.250
topo_route_table()
{
	local id=$1 vcn=$2 r rules=

	shift 2
	for r; do
		rules+=${rules:+, }"{\"destination\": $(_q "${r%%=*}"), \"target\": $(_q "${r#*=}")}"
	done
	_doc_put route_tables "{\"id\": $(_q "$id"), \"vcn\": $(_q "$vcn"), \"rules\": [$rules]}"
}

# rule KEY=VALUE...: one security rule as JSON. Keys as in the document:
# source, destination, protocol, src_ports, dst_ports, icmp_type, icmp_code,
# stateless.
rule()
{
	local kv out=

	for kv; do
		case $kv in
		icmp_type=*|icmp_code=*|stateless=*)
			out+=${out:+, }"$(_q "${kv%%=*}"): ${kv#*=}" ;;
		source=*|destination=*|protocol=*|src_ports=*|dst_ports=*)
			out+=${out:+, }"$(_q "${kv%%=*}"): $(_q "${kv#*=}")" ;;
		*)	echo "rule: $kv?" >&2; return 1 ;;
		esac
	done
	printf '{%s}\n' "$out"
}

# topo_seclist ID VCN [ingress RULE...] [egress RULE...]  (RULE: from rule)
topo_seclist() { _topo_rules security_lists "$@"; }
topo_nsg() { _topo_rules nsgs "$@"; }

_topo_rules()
{
	local key=$1 id=$2 vcn=$3 dir='' in='' out='' r

	shift 3
	for r; do
		case $r in
		ingress|egress) dir=$r ;;
		*)
			case $dir in
			ingress) in+=${in:+, }$r ;;
			egress) out+=${out:+, }$r ;;
			*) echo "$key: ingress or egress first" >&2; return 1 ;;
			esac ;;
		esac
	done
	_doc_put "$key" "{\"id\": $(_q "$id"), \"vcn\": $(_q "$vcn"), \"ingress\": [$in], \"egress\": [$out]}"
}

# --- namespaces ----------------------------------------------------------------

# topo_init [4|6]: the temporary directory, the empty document and the
# underlay: namespace "ul" with the bridge br0 that every host, NVD and
# gateway plugs into (10.0.0.0/24 or fd00::/64). Loads the module and the
# Linux tunnel modules; sets the EXIT trap.
topo_init()
{
	TOPO_FAMILY=${1:-4}
	TOPO_NS=()		# every namespace made, without the vgwt- prefix
	TOPO_PIDS=()		# every background process started (topo_bg)
	TOPO_HOSTS=()		# vnicgw hosts
	TOPO_NODES=()		# namespaces that send to the VIPs (NVDs, gateways)
	TOPO_VIPS=()		# VIPs, in the order first used
	declare -gA TOPO_UL_IP=()	# namespace -> its underlay address
	TOPO_VCN_CIDRS=() TOPO_SUBNET_CIDR=() TOPO_SUBNET_VCN=() TOPO_GW_TYPE=()
	TOPO_GW_VCN=() TOPO_VNIC_VCN=() TOPO_VNIC_PUB=()
	TOPO_PORTS=0
	TOPO_VIP_VIA=		# set after topo_init: the VIPs via one router
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
	       "nsgs": [], "gateways": [], "vnics": []}' >"$TOPO_DOC"
	: >"$TOPO_DIR/pending"
	trap topo_cleanup EXIT
	modprobe -a -q veth bridge vxlan geneve
	load_module || return
	_topo_ns ul || return
	in_ns ul <<-EOF
		link add br0 type bridge
		link set br0 up
	EOF
}

_topo_ns()
{
	ip netns add "vgwt-$1" || return
	TOPO_NS+=("$1")
	ip -n "vgwt-$1" link set lo up
}

# _topo_plug NS ADDR: a veth "ul0" from NS into the underlay bridge, with ADDR.
_topo_plug()
{
	local n=$1 a=$2 p

	TOPO_PORTS=$((TOPO_PORTS + 1))
	p=p$TOPO_PORTS
	in_ns "$n" <<-EOF || return
		link add ul0 mtu $TOPO_UL_MTU type veth peer name $p mtu $TOPO_UL_MTU netns vgwt-ul
		addr add $a/$TOPO_UL_LEN dev ul0 $(is_v6 "$a" && echo nodad)
		link set ul0 up
	EOF
	ip -n vgwt-ul link set "$p" master br0 up || return
	topo_offloads "$n" ul0 veth && topo_offloads ul "$p" veth || return
	TOPO_UL_IP[$n]=$a
}

# _topo_vip_route NS: the VIPs are reached through the vnicgw hosts (several:
# one multipath route), or, when TOPO_VIP_VIA is set (a routed underlay: the
# cluster's TOR), through that address.
_topo_vip_route()
{
	local h nh=()

	if [ -n "${TOPO_VIP_VIA:-}" ]; then
		ip -n "vgwt-$1" route replace "$TOPO_VIP_NET" via "$TOPO_VIP_VIA"
		return
	fi
	[ "${#TOPO_HOSTS[@]}" -gt 0 ] || return 0
	for h in "${TOPO_HOSTS[@]}"; do
		nh+=(nexthop via "${TOPO_UL_IP[$h]}")
	done
	ip -n "vgwt-$1" route replace "$TOPO_VIP_NET" "${nh[@]}"
}

# topo_host NAME UL_IP: a vnicgw host: its underlay address, the vnicgw link
# gw0 (up: the module listens on 4789 and 6081), every VIP on lo.
topo_host()
{
	local v

	_topo_ns "$1" && _topo_plug "$1" "$2" && _topo_host_setup "$1" || return
	for v in "${TOPO_NODES[@]}"; do
		_topo_vip_route "$v" || return
	done
}

# _topo_host_setup NAME: what makes a namespace with an underlay address a
# vnicgw host: gw0 up, every VIP on lo; registered in TOPO_HOSTS.
_topo_host_setup()
{
	local n=$1 v

	{
		echo "link add gw0 type vnicgw"
		echo "link set gw0 up"
		for v in "${TOPO_VIPS[@]}"; do
			echo "addr add $v/$TOPO_VIP_LEN dev lo $(is_v6 "$v" && echo nodad)"
		done
	} | in_ns "$n" || return
	TOPO_HOSTS+=("$n")
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
		# shellcheck disable=SC2046 # no word: IPv4
		ip -n "vgwt-$h" addr add "$v/$TOPO_VIP_LEN" dev lo \
			$(is_v6 "$v" && echo nodad) || return
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
# cluster rewrites (NAT). Prints nothing; the caller adds addresses.
_topo_tunnel()
{
	local n=$1 dev=$2 vni=$3 encap=$4 remote=$5 mac=$6 v4only=${7:-} local=${TOPO_UL_IP[$1]}
	local opts="address $mac mtu $TOPO_NIC_MTU"

	# shellcheck disable=SC2086 # $opts: words
	case $encap in
	vxlan)
		ip -n "vgwt-$n" link add "$dev" $opts type vxlan id "$vni" \
			local "$local" dstport 4789 nolearning &&
		bridge -n "vgwt-$n" fdb append 00:00:00:00:00:00 dev "$dev" dst "$remote"
		;;
	geneve)
		ip -n "vgwt-$n" link add "$dev" $opts type geneve id "$vni" remote "$remote"
		;;
	geneve-external)
		ip -n "vgwt-$n" link add "$dev" $opts type geneve external &&
		nsx "$n" tc qdisc add dev "$dev" clsact &&
		nsx "$n" tc filter add dev "$dev" egress matchall action \
			tunnel_key set src_ip "$local" dst_ip "$remote" \
			id "$vni" dst_port 6081
		;;
	*) echo "_topo_tunnel: encap $encap?" >&2; return 1 ;;
	esac || return
	# No IPv6 on an IPv4-only NIC, no router solicitations on the others:
	# no stray packets in the counters.
	local sysctl=router_solicitations val=0

	[ -z "$v4only" ] || sysctl=disable_ipv6 val=1
	nsx "$n" sh -c "echo $val >/proc/sys/net/ipv6/conf/$dev/$sysctl" &&
	topo_offloads "$n" "$dev" &&
	ip -n "vgwt-$n" link set "$dev" up
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
	local id=$1 sub=$2 ips=$3 vni=$4 nvd=$5 kv cidr vcn gw
	local vip='' rule='' encap=vxlan mac='' pub='' obj='' mv lists

	shift 5
	IFS=, read -r -a ips <<<"$ips"
	cidr=${TOPO_SUBNET_CIDR[$sub]:-}
	[ -n "$cidr" ] || { echo "topo_vnic: no subnet $sub" >&2; return 1; }
	for kv; do
		case $kv in
		vip=*) vip=${kv#*=} ;;
		rule=*) rule=${kv#*=} ;;
		encap=*) encap=${kv#*=} ;;
		mac=*) mac=${kv#*=} ;;
		public_ip=*) pub=${kv#*=}; obj+=", \"public_ip\": $(_q "$pub")" ;;
		nsgs=*) IFS=, read -r -a lists <<<"${kv#*=}"; obj+=", \"nsgs\": $(_qa "${lists[@]}")" ;;
		skip_sdc=*) obj+=", \"skip_source_dest_check\": ${kv#*=}" ;;
		ct_limit=*) obj+=", \"conntrack_limit\": ${kv#*=}" ;;
		*) echo "topo_vnic: $kv?" >&2; return 1 ;;
		esac
	done
	[ -n "$mac" ] || mac=$(mac_of "${ips[0]}")
	[ -n "$vip" ] || vip=$(_topo_default_vip)
	mv="\"vni\": $vni, \"nvd_ip\": $(_q "$nvd")"
	[ "$encap" = vxlan ] || mv+=", \"encap\": $(_q "$encap")"
	_doc_put vnics "{\"id\": $(_q "$id"), \"subnet\": $(_q "$sub"),
		\"private_ips\": $(_qa "${ips[@]}"), \"mac\": $(_q "$mac")$obj,
		\"micro_vnic\": {$mv},
		\"vips\": [{\"ip\": $(_q "$vip")${rule:+, \"rule\": $(_q "$rule")}}]}"
	vcn=${TOPO_SUBNET_VCN[$sub]}
	TOPO_VNIC_VCN[$id]=$vcn
	TOPO_VNIC_PUB[$id]=$pub
	topo_instance "$id" "$nvd" "$vni" "$encap" "$vip" "$mac" "$cidr" "${ips[@]}" || return
	# Internet gateways route the VCN's public IPs into their tunnels.
	[ -n "$pub" ] || return 0
	for gw in "${!TOPO_GW_TYPE[@]}"; do
		if [ "${TOPO_GW_TYPE[$gw]}" = internet ] && [ "${TOPO_GW_VCN[$gw]}" = "$vcn" ]; then
			ip -n "vgwt-$gw" route replace "$pub" dev gwv || return
		fi
	done
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
	{
		for a; do
			echo "addr add $a/${cidr#*/} dev eth0v $(is_v6 "$a" && [ "${TOPO_DAD:-}" != 1 ] && echo nodad)"
		done
		echo "route add default via $router dev eth0v"
	} | in_ns "$n"
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
# VIP), IP forwarding, and on-link routes into gwv for the VCN's CIDRs, the
# NAT gateway's public IP, the internet gateway's VNIC public IPs. Keys:
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
	local id=$1 vcn=$2 type=$3 ul=$4 vni=$5 kv pub='' encap=vxlan en=true
	local host='' vip c v4only=v4only gwin obj='' v fwd6=''

	shift 5
	for kv; do
		case $kv in
		public_ip=*) pub=${kv#*=}; obj+=", \"public_ip\": $(_q "$pub")" ;;
		services=*) obj+=", \"services\": ${kv#*=}" ;;
		encap=*) encap=${kv#*=} ;;
		enabled=*) en=${kv#*=} ;;
		host=*) host=${kv#*=} ;;
		*) echo "topo_gateway: $kv?" >&2; return 1 ;;
		esac
	done
	obj+=", \"underlay_ip\": $(_q "$ul"), \"vni\": $vni"
	[ "$encap" = vxlan ] || obj+=", \"encap\": $(_q "$encap")"
	_doc_put gateways "{\"id\": $(_q "$id"), \"vcn\": $(_q "$vcn"), \"type\": $(_q "$type")$obj, \"enabled\": $en}"
	TOPO_GW_TYPE[$id]=$type
	TOPO_GW_VCN[$id]=$vcn
	vip=$(_topo_default_vip)
	topo_vip "$vip" || return
	_topo_node "$id" "$ul" || return
	for c in ${TOPO_VCN_CIDRS[$vcn]}; do
		is_v6 "$c" && v4only=
	done
	# The cluster sends to a gateway from the VIP the packet arrived on, any
	# of them: a Geneve gateway takes packets from every source.
	[ "$encap" = geneve ] && encap=geneve-external
	_topo_tunnel "$id" gwv "$vni" "$encap" "$vip" "$(gw_mac "$vni")" $v4only || return
	[ -n "$v4only" ] || fwd6="&& echo 1 >/proc/sys/net/ipv6/conf/all/forwarding"
	nsx "$id" sh -c "echo 1 >/proc/sys/net/ipv4/ip_forward &&
		echo 0 >/proc/sys/net/ipv4/conf/all/rp_filter &&
		echo 0 >/proc/sys/net/ipv4/conf/default/rp_filter $fwd6" || return
	{
		for c in ${TOPO_VCN_CIDRS[$vcn]} $pub; do
			echo "route replace $c dev gwv"
		done
		if [ "$type" = internet ]; then
			for v in "${!TOPO_VNIC_PUB[@]}"; do
				[ -n "${TOPO_VNIC_PUB[$v]}" ] && [ "${TOPO_VNIC_VCN[$v]}" = "$vcn" ] &&
					echo "route replace ${TOPO_VNIC_PUB[$v]} dev gwv"
			done
		fi
	} | in_ns "$id" || return
	[ -n "$host" ] || return 0
	gwin=$(first_host "$host") || return
	_topo_ns "$id-host" || return
	in_ns "$id" <<-EOF || return
		link add in0 type veth peer name eth0 netns vgwt-$id-host
		addr add $gwin/${host#*/} dev in0 $(is_v6 "$gwin" && echo nodad)
		link set in0 up
	EOF
	topo_offloads "$id-host" eth0 veth && topo_offloads "$id" in0 veth || return
	{
		echo "addr add $host dev eth0 $(is_v6 "$gwin" && echo nodad)"
		echo "link set eth0 up"
		echo "route add default via $gwin"
		case $type in
		internet|nat)
			for c in 10.0.0.0/8 172.16.0.0/12 192.168.0.0/16; do
				echo "route add unreachable $c"
			done ;;
		esac
	} | in_ns "$id-host"
}

# topo_apply: make every host's tables equal to the document. On failure,
# vnicctl's message is printed as TAP diagnostics.
topo_apply()
{
	local h out

	_doc_flush || return
	for h in "${TOPO_HOSTS[@]}"; do
		if ! out=$(nsx "$h" vnicctl apply "$TOPO_DOC" 2>&1); then
			{ echo "vnicctl apply in $h failed:"; echo "$out"; } | diag
			return 1
		fi
	done
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
	kill "$1" 2>/dev/null
	for _ in $(seq 30); do
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
