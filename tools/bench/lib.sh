# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# lib.sh: the benchmark's test bed, in the VM: one tenant, one underlay, the
# NVDs and gateways that send and receive, and the measurement. The three
# systems under test (sys-*.sh) configure the same tenant in the namespace
# "vgwb-gw-SYSTEM", the only thing that differs between them. The three
# DUT namespaces exist side by side, with the same underlay address, MAC
# and VIP; only the active one is reachable (dut_activate), so the runs of
# the systems alternate within a scenario: a slow spell of the emulator
# (other VMs on the machine) hits all systems alike.
#
# Two test beds (BED, from BENCH_BED; default "nic" when the VM has the two
# NICs of `tools/vm --nics 2`, else "veth"):
#
# nic, the system as deployed: the DUT receives on a real NIC driver. The
# VM's eth0 and eth1 (virtio-net) are the two ends of a wire (a qemu hub).
#   vgwb-far   eth0, named ul0: every far end at once, the NVDs 10.0.0.21
#              and .22 and the gateways' ends .100 and .101 (the generator
#              and the receivers, each receiver filtering its own MAC)
#   vgwb-gw-S  eth1, named ul0, while S is the active system: 10.0.0.10,
#              the VIP 10.0.100.1 on lo. dut_activate moves the NIC from
#              one DUT namespace to the next. vnicgw runs as on a
#              hypervisor host: its agent attaches the XDP steering program
#              to the NIC in driver mode, which hands every tunnel packet
#              to the worker CPU through the cpumap. Linux-native and OVS
#              receive through the driver's normal skb path (GRO as the
#              driver does it).
# CPUs: eth1's interrupts (receive and transmit) go to CPU 1, so the NIC's
# NAPI poll, the XDP program, the cpumap's kthread and the worker (vnicgw's
# only worker CPU is 1), and for the others the whole skb path, all run on
# CPU 1; eth0's interrupts, the generator, the receivers and this script run
# on CPU 0. qemu's own thread that carries the frames over the hub is not a
# vCPU: it is the wire.
#
# veth, the earlier bed (kept for comparison with the runs before it):
#   vgwb-ul    the underlay: bridge br0, every ul0 plugged in (the TOR)
#   vgwb-gw-S  the device under test S, 10.0.0.10, the VIP 10.0.100.1 on lo
#   vgwb-nvd1  NVD of instances a and c (10.0.0.21): the generator runs here
#   vgwb-nvd2  NVD of instance b (10.0.0.22): a receiver
#   vgwb-igw   the internet gateway's underlay end (10.0.0.100): a receiver
#   vgwb-nat   the NAT gateway's underlay end (10.0.0.101): a receiver
# CPUs: everything but the device under test runs on CPU 0 (the generator,
# the receivers, the bridge, this script); RPS on the DUT's ul0 (a veth)
# hands every packet that arrives there to CPU 1, and RPS on the bridge
# ports hands what the DUT sends back to CPU 0. No XDP: vnicgw's tunnel
# socket gets the packets from the veth's RPS.
#
# In both, CPU 1's busy time is the DUT's cost, all of it (softirq,
# ksoftirqd, the DUT's kernel threads, OVS's daemon and vnicgw's agent
# pinned there), and nothing else: the headline figure is packets delivered
# per CPU-second of CPU 1.
#
# The packet walk is the same for the three systems: instance a (10.1.1.5,
# VNI 1001) -> b (10.1.3.5, VNI 1002) through the virtual router ("v2v"),
# a -> 198.18.0.10 through the internet gateway (1:1 NAT to 203.0.113.5,
# "igw"), c (10.1.2.5, VNI 1003) -> 198.18.0.10 through the NAT gateway
# (source NAT to 198.51.100.10, "nat").

DUT_CPU=1
GEN_CPU=0
UL_NET=10.0.0
VIP=10.0.100.1
ROUTER_MAC=02:00:00:00:00:01
GW_UL=10.0.0.10

# The tenant. Every system renders these, and only these.
VCN_CIDR=10.1.0.0/16
BULK_CIDR=10.64.0.0/10		# scale scenarios: the extra VNICs live here
SUBNETS="web:10.1.1.0/24:rt-web app:10.1.2.0/24:rt-app db:10.1.3.0/24: bulk:10.64.0.0/10:"
# VNIC: id ip vni nvd subnet public_ip
VNICS=(
	"a 10.1.1.5 1001 10.0.0.21 web 203.0.113.5"
	"c 10.1.2.5 1003 10.0.0.21 app -"
	"b 10.1.3.5 1002 10.0.0.22 db -"
)
IGW_UL=10.0.0.100 IGW_VNI=9001
NAT_UL=10.0.0.101 NAT_VNI=9002 NAT_PUB=198.51.100.10
INET_HOST=198.18.0.10
# Security list of every subnet, stateful: ingress from the VCN (its two
# CIDRs, 10.1/16 and the bulk 10.64/10: 10/8), egress anywhere, all
# protocols.
SL_IN_SRC=10.0.0.0/8
SL_EG_DST=0.0.0.0/0

# nsname N: the namespace of the bed's end N (nvd1, nvd2, igw and nat are
# one namespace, vgwb-far, in the nic bed).
nsname()
{
	case ${BED:-veth}:$1 in
	nic:nvd1 | nic:nvd2 | nic:igw | nic:nat) echo vgwb-far ;;
	*) echo "vgwb-$1" ;;
	esac
}

ns() { local n; n=$(nsname "$1"); shift; ip netns exec "$n" "$@"; }

mac_of()
{
	local o

	IFS=. read -r -a o <<<"$1"
	printf '02:00:%02x:%02x:%02x:%02x\n' "${o[@]}"
}

gw_mac() { printf '02:00:00:%02x:%02x:%02x\n' $(($1 >> 16 & 255)) $(($1 >> 8 & 255)) $(($1 & 255)); }

# ul_mac ADDR: the fixed MAC of the ul0 that has underlay address ADDR.
ul_mac() { printf '02:10:00:00:00:%02x\n' "${1##*.}"; }

# bulk_routes N FORMAT: FORMAT (printf, one %s) for each of the N extra route
# prefixes of rt-web (/24s from 20.0.0.0). One awk: a fork costs
# milliseconds in the VM, and there may be 100k of them.
bulk_routes()
{
	awk -v n="$1" -v f="$2\n" 'BEGIN { for (j = 0; j < n; j++)
		printf(f, sprintf("%d.%d.%d.0/24", 20 + int(j / 65536), int(j / 256) % 256, j % 256)) }'
}

# The bulk VNICs of the scale scenarios, as every system renders them (one
# awk each: there may be 100k): VNIC i is 10.(64 + k / 65536).(k / 256 %
# 256).(k % 256) with k = 10 + i, MAC 02:00 and its address, VNI
# 200000 + i, on instance a's NVD (10.0.0.21) for even i and b's for odd i,
# so that pair p (2p -> 2p + 1, path pairs) goes from nvd1 to nvd2
# (bench_pkt.h, bench_pair()).

# --- the underlay and the traffic ends -----------------------------------------

# _plug NS ADDR [RPS_MASK]: a veth ul0 in NS with ADDR and its fixed MAC,
# its peer in the underlay bridge. The bridge side's RPS sends what arrives
# from NS to CPU 0.
_plug()
{
	local n=$1 a=$2 p=${3:-p${2##*.}}

	ip -n "vgwb-$n" link add ul0 address "$(ul_mac "$a")" type veth peer name "$p" netns vgwb-ul || return
	ip -n "vgwb-$n" addr add "$a/24" dev ul0
	ip -n "vgwb-$n" link set ul0 up
	ip -n vgwb-ul link set "$p" master br0 up
	# Known to the bridge from the start (nothing here ARPs): no flooding.
	bridge -n vgwb-ul fdb replace "$(ul_mac "$a")" dev "$p" master static
	ns ul sh -c "echo $((1 << GEN_CPU)) >/sys/class/net/$p/queues/rx-0/rps_cpus"
	# Checksums complete on the wire; no GRO merging the frames.
	ns "$n" ethtool -K ul0 tx off gro off >/dev/null 2>&1
	return 0
}

# _neigh NS: every underlay address the NS sends to, resolved for good (no
# ARP in the measurements).
_neigh()
{
	local n=$1 a

	for a in 10 21 22 100 101; do
		echo "neigh replace $UL_NET.$a lladdr $(ul_mac $UL_NET.$a) dev ul0 nud permanent"
	done | ip -n "$(nsname "$n")" -batch -
}

# _receiver_ns NAME ADDR: an end that only counts: a tc drop behind the
# receiver's tap keeps IPv4 from costing anything (ARP still passes).
_receiver_ns()
{
	ip netns add "vgwb-$1" && _plug "$1" "$2" || return
	ns "$1" tc qdisc add dev ul0 clsact &&
	ns "$1" tc filter add dev ul0 ingress protocol ip matchall action drop
}

# _ovs_kmod: load openvswitch.ko, the one tools/bench/ovs-kmod built if it is
# there. Debian's 6.1 module, from its load on, registers netfilter
# conntrack's IPv4/IPv6 hooks in every network namespace, those made before
# and after (ovs_init_net -> nf_conncount_init -> nf_ct_netns_get): the
# vnicgw namespace's underlay packets would go through conntrack (README,
# "Netfilter's conntrack in the vnicgw namespace"). OVS_KMOD says which one
# is loaded: "patched" (out of tree: taint O) or "debian".
_ovs_kmod()
{
	local ko=$ROOT/build/bench/kmod/openvswitch.ko deps

	if [ ! -f "$ko" ]; then
		echo "bench: no $ko (make bench-ovs-kmod): Debian's openvswitch.ko," \
			"netfilter conntrack on in every namespace" >&2
		modprobe -q openvswitch
	elif [ ! -d /sys/module/openvswitch ]; then
		IFS=, read -r -a deps <<<"$(modinfo -F depends "$ko")"
		modprobe -a -q "${deps[@]}"
		insmod "$ko" || echo "bench: cannot load $ko" >&2
	fi
	OVS_KMOD=debian
	grep -qs O /sys/module/openvswitch/taint && OVS_KMOD=patched
	return 0
}

# bed_kind: "nic" if the VM has two virtio-net NICs (tools/vm --nics 2).
bed_kind()
{
	if [ -n "${BENCH_BED:-}" ]; then
		echo "$BENCH_BED"
	elif [ -e /sys/class/net/eth0/device ] && [ -e /sys/class/net/eth1/device ]; then
		echo nic
	else
		echo veth
	fi
}

# _irq_pin DEV CPU: every interrupt of DEV's virtio device to CPU.
_irq_pin()
{
	local v irq

	v=$(basename "$(readlink -f "/sys/class/net/$1/device")")
	for irq in $(awk -v v="$v-" 'index($NF, v) == 1 { sub(":", "", $1); print $1 }' /proc/interrupts); do
		echo "$2" >"/proc/irq/$irq/smp_affinity_list" || return
	done
}

bed_up()
{
	local n

	bed_down
	BED=$(bed_kind)
	case $BED in nic | veth) ;; *) echo "bench: BENCH_BED=$BED: nic or veth" >&2; return 1 ;; esac
	modprobe -a -q veth bridge vxlan vrf nf_conntrack nf_tables nft_ct nft_nat \
		nft_chain_nat nf_flow_table nf_flow_table_inet nft_flow_offload 2>/dev/null
	_ovs_kmod
	# Unbound work (with workqueue.power_efficient=1, as make bench boots
	# the VM: the tables' collectors of every system) on the generator's
	# CPU, and timers not moved to the busy DUT CPU: the systems waiting
	# their turn hold big tables, whose upkeep is no one's cost.
	echo $((1 << GEN_CPU)) >/sys/devices/virtual/workqueue/cpumask 2>/dev/null
	sysctl -qw kernel.timer_migration=0 2>/dev/null
	# Linux's conntrack hash as booted: scenarios that grow it give it back.
	CT_BUCKETS0=${CT_BUCKETS0:-$(cat /proc/sys/net/netfilter/nf_conntrack_buckets 2>/dev/null)}
	CT_MAX0=${CT_MAX0:-$(cat /proc/sys/net/netfilter/nf_conntrack_max 2>/dev/null)}
	if [ "$BED" = nic ]; then
		_nic_bed_up
		return
	fi
	ip netns add vgwb-ul || return
	ip -n vgwb-ul link add br0 type bridge
	ip -n vgwb-ul link set br0 up
	_receiver_ns nvd1 10.0.0.21 && _receiver_ns nvd2 10.0.0.22 && _receiver_ns igw "$IGW_UL" && _receiver_ns nat "$NAT_UL" || return
	for n in nvd1 nvd2 igw nat; do
		_neigh "$n"
	done
	_inst_up
}

# _inst_up: instances a and b for the TCP scenarios: each a namespace
# (vgwb-inst-a, -b) holding its micro-VNIC, a Linux VXLAN device made in
# its NVD's namespace (the VNIC's VNI and MAC, local the NVD's address,
# remote the VIP) and moved in: the tunnel's socket stays on the NVD's
# underlay, the instance's TCP in its own namespace. The other instance is
# behind the virtual router's MAC. Both on the generator's CPU; they see
# traffic only while a TCP scenario takes the receivers' drop away
# (_rx_drop). Both beds.
_inst_up()
{
	local e n i vni ul ip peer d

	for e in "nvd1 a 1001 10.0.0.21 10.1.1.5 10.1.3.5" "nvd2 b 1002 10.0.0.22 10.1.3.5 10.1.1.5"; do
		read -r n i vni ul ip peer <<<"$e"
		d=$(nsname "$n")
		ip -n "$d" neigh replace "$GW_UL" lladdr "$(ul_mac "$GW_UL")" dev ul0 nud permanent &&
		ip -n "$d" route replace "$VIP/32" via "$GW_UL" dev ul0 &&
		ip netns add "vgwb-inst-$i" &&
		ns "inst-$i" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 &&
		ip -n "$d" link add "inst-$i" address "$(mac_of "$ip")" mtu 1450 type vxlan id $vni \
			local "$ul" remote "$VIP" dstport 4789 nolearning &&
		ip -n "$d" link set "inst-$i" netns "vgwb-inst-$i" &&
		ip -n "vgwb-inst-$i" link set lo up &&
		ip -n "vgwb-inst-$i" addr add "$ip/32" dev "inst-$i" &&
		ip -n "vgwb-inst-$i" link set "inst-$i" up &&
		ip -n "vgwb-inst-$i" route add "$peer/32" dev "inst-$i" &&
		ip -n "vgwb-inst-$i" neigh replace "$peer" lladdr $ROUTER_MAC dev "inst-$i" nud permanent ||
			return
		ns "inst-$i" sysctl -qw net.ipv4.ip_local_port_range="1024 65535"
	done
}

# _rx_drop on|off: the tc drop behind nvd1's and nvd2's receivers (off: the
# instances' TCP gets the frames).
_rx_drop()
{
	local n

	for n in $( [ "$BED" = nic ] && echo far || echo nvd1 nvd2); do
		ns $n tc filter del dev ul0 ingress 2>/dev/null
		if [ "$1" = on ]; then
			ns $n tc filter add dev ul0 ingress protocol ip matchall action drop
		fi
	done
	return 0
}

# _nic_bed_up: eth0 into vgwb-far as ul0 (every far end), eth1 kept in the
# root namespace as dutnic, with the DUT's MAC, until dut_activate.
_nic_bed_up()
{
	local a

	[ -e /sys/class/net/eth0 ] && [ -e /sys/class/net/eth1 ] ||
		{ echo "bench: the nic bed needs eth0 and eth1 (tools/vm --nics 2)" >&2; return 1; }
	_irq_pin eth0 $GEN_CPU && _irq_pin eth1 $DUT_CPU || return
	ip netns add vgwb-far || return
	ip link set eth0 down
	ip link set eth0 netns vgwb-far || return
	ip -n vgwb-far link set eth0 name ul0
	ns far sysctl -qw net.ipv6.conf.ul0.disable_ipv6=1
	for a in 10.0.0.21 10.0.0.22 "$IGW_UL" "$NAT_UL"; do
		ip -n vgwb-far addr add "$a/24" dev ul0
	done
	# Every far end's frames: promiscuous, as the switch port of all of
	# them. Nothing here answers: the receivers' taps see the frames, then
	# a tc drop ends them; no GRO merging them first.
	ns far ethtool -K ul0 gro off >/dev/null 2>&1
	ip -n vgwb-far link set ul0 promisc on up || return
	ns far tc qdisc add dev ul0 clsact &&
	ns far tc filter add dev ul0 ingress matchall action drop || return
	ip link set eth1 down
	sysctl -qw net.ipv6.conf.eth1.disable_ipv6=1
	ip link set eth1 name dutnic address "$(ul_mac "$GW_UL")" || return
	DUT_ON=
	_inst_up
}
bed_down()
{
	local n

	for n in "${DUTS[@]}"; do
		GW=gw-$n gw_down "$n"
	done
	DUTS=()
	for n in inst-a inst-b nvd1 nvd2 igw nat ul; do
		ip netns del "vgwb-$n" 2>/dev/null
	done
	if ip netns list | grep -qw vgwb-far; then
		ip -n vgwb-far link set ul0 down 2>/dev/null
		ip -n vgwb-far link set ul0 name eth0 netns 1 2>/dev/null
		ip netns del vgwb-far
	fi
	# Back from a deleted namespace under whatever name it had there.
	for n in dutnic ul0; do
		[ -e "/sys/class/net/$n/device" ] && ip link set "$n" down name eth1
	done
	return 0
}

# gw_up: a fresh DUT namespace $GW (gw-SYSTEM): ul0 (RPS to the DUT CPU),
# its bridge port down until dut_activate, the VIP on lo, forwarding on,
# neighbors resolved. Each system starts from here.
gw_up()
{
	if [ "$BED" = nic ]; then
		ip netns add "vgwb-$GW" || return
		ns "$GW" sh -c "echo 1 >/proc/sys/net/ipv4/ip_forward
			echo 0 >/proc/sys/net/ipv4/conf/all/rp_filter
			echo 0 >/proc/sys/net/ipv4/conf/default/rp_filter
			echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6" || return
		ip -n "vgwb-$GW" link set lo up
		ip -n "vgwb-$GW" addr add "$VIP/32" dev lo
		return
	fi
	ip netns add "vgwb-$GW" && _plug "$GW" "$GW_UL" "p${GW#gw-}" || return
	ip -n vgwb-ul link set "p${GW#gw-}" down
	ns "$GW" sh -c "echo $((1 << DUT_CPU)) >/sys/class/net/ul0/queues/rx-0/rps_cpus
		echo 1 >/proc/sys/net/ipv4/ip_forward
		echo 0 >/proc/sys/net/ipv4/conf/all/rp_filter
		echo 0 >/proc/sys/net/ipv4/conf/default/rp_filter
		echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6" || return
	ip -n "vgwb-$GW" link set lo up
	ip -n "vgwb-$GW" addr add "$VIP/32" dev lo
	_neigh "$GW"
	_gen_link "${GW#gw-}"
}

# _gen_link SYSTEM: with BENCH_GEN_LINK=direct (the veth bed's default), a
# veth of its own from the generator's namespace (nvd1, g<SYSTEM>) to the
# DUT's (ul1, the DUT's MAC, RPS to the DUT CPU as ul0): the measured
# traffic skips the bridge, whose forwarding on the generator's CPU cost
# more than the generator itself and left the fastest DUT idle between
# packets. The DUT's answers and all other traffic still cross the
# bridge (ul0). BENCH_GEN_LINK=bridge: the generator on ul0, as before.
_gen_link()
{
	local s=$1

	[ "$BED" = veth ] && [ "${BENCH_GEN_LINK:-direct}" = direct ] || return 0
	ip -n vgwb-nvd1 link add "g$s" type veth peer name ul1 netns "vgwb-gw-$s" \
		address "$(ul_mac "$GW_UL")" || return
	ns "gw-$s" sh -c "echo $((1 << DUT_CPU)) >/sys/class/net/ul1/queues/rx-0/rps_cpus"
	ns "gw-$s" ethtool -K ul1 tx off gro off >/dev/null 2>&1
	ns nvd1 ethtool -K "g$s" tx off >/dev/null 2>&1
	ip -n "vgwb-gw-$s" link set ul1 up &&
	ip -n vgwb-nvd1 link set "g$s" up
}

# gen_dev: the interface the generator sends the measured traffic on (from
# nvd1: the active DUT's direct link when there is one).
gen_dev()
{
	if [ "${GEN_NS:-nvd1}" = nvd1 ] && [ -e "/run/netns/vgwb-nvd1" ] &&
	   ip -n vgwb-nvd1 link show "g${ACTIVE_DUT:-}" >/dev/null 2>&1; then
		echo "g$ACTIVE_DUT"
	else
		echo ul0
	fi
}

# gw_down SYSTEM: the system's own teardown, then its namespace.
gw_down()
{
	[ "$BED" = nic ] && [ "${DUT_ON:-}" = "$1" ] && _nic_release
	"${1}_down"
	ip netns del "vgwb-gw-$1" 2>/dev/null
	return 0
}

# _nic_release: the NIC out of the active system's namespace, back to the
# root namespace as dutnic (the system's _detach first: vnicgw's agent).
_nic_release()
{
	local s=$DUT_ON

	[ -n "$s" ] || return 0
	[ "$(type -t "${s}_detach")" = function ] && "${s}_detach"
	ip -n "vgwb-gw-$s" link set ul0 down
	ip -n "vgwb-gw-$s" link set ul0 name dutnic netns 1
	DUT_ON=
}

# _nic_take SYSTEM: the NIC into SYSTEM's namespace as ul0, addressed, up,
# its neighbours resolved, then the system's _attach.
_nic_take()
{
	ip link set dutnic netns "vgwb-gw-$1" || return
	DUT_ON=$1	# from here on, _nic_release brings it back
	ip -n "vgwb-gw-$1" link set dutnic name ul0
	ip -n "vgwb-gw-$1" addr add "$GW_UL/24" dev ul0
	ip -n "vgwb-gw-$1" link set ul0 up || return
	_neigh "gw-$1"
	[ "$(type -t "${1}_attach")" = function ] && "${1}_attach"
	return 0
}

# dut_activate SYSTEM: its bridge port up and the underlay's frames for
# 10.0.0.10 to it; every other DUT's port down (and OVS's daemon stopped,
# so that its timers do not run on the DUT CPU for another system).
dut_activate()
{
	local s

	ACTIVE_DUT=$1
	if [ "$BED" = nic ] && [ "${DUT_ON:-}" != "$1" ]; then
		_nic_release
	fi
	for s in "${DUTS[@]}"; do
		[ "$s" = "$1" ] && continue
		[ "$BED" = veth ] && ip -n vgwb-ul link set "p$s" down
		[ "$(type -t "${s}_pause")" = function ] && "${s}_pause"
	done
	[ "$(type -t "${1}_resume")" = function ] && "${1}_resume"
	if [ "$BED" = nic ]; then
		[ "${DUT_ON:-}" = "$1" ] || _nic_take "$1" || return
	else
		ip -n vgwb-ul link set "p$1" up
		bridge -n vgwb-ul fdb replace "$(ul_mac "$GW_UL")" dev "p$1" master static
	fi
	sleep 0.3
}

# --- measurement ----------------------------------------------------------------

# cpu_ticks CPU: "busy softirq idle" jiffies (USER_HZ) of one CPU since boot.
# Busy: user nice system irq softirq steal (guest time is inside user); idle:
# idle iowait. The busy fields come from the scheduler tick, which stops
# while the CPU idles (NO_HZ): the softirq bursts of a CPU that wakes from
# idle for them are missed, so an unsaturated DUT CPU looks cheaper than it
# is. The idle fields are measured, not sampled (nohz idle time): measure()
# takes the DUT's busy time as the run's wall time minus idle.
cpu_ticks()
{
	awk -v c="cpu$1" '$1 == c { print $2 + $3 + $4 + $7 + $8 + $9, $8, $5 + $6 }' /proc/stat
}

# path_args PATH: the generator's and the receiver's options, and the
# receiver's namespace, for one path: GEN_ARGS, RECV_NS, RECV_ARGS.
path_args()
{
	local dmac

	dmac=$(ul_mac "$GW_UL")
	# PATH-new: the same path, every packet the first of a new flow
	# (NEW_FLOWS: measure and warm_up take fresh flow numbers).
	NEW_FLOWS=0
	case $1 in *-new) NEW_FLOWS=1; set -- "${1%-new}" ;; esac
	# The sender: instance a's NVD, but for the unsolicited inbound of
	# nat-in. NEGATIVE: a path whose every packet the DUT must drop (the
	# receiver is where a leak would arrive; measure counts drops).
	GEN_NS=nvd1 GEN_SRC=10.0.0.21 NEGATIVE=0
	case $1 in
	v2v | spoof)
		GEN_ARGS=(--vni 1001 --ismac "$(mac_of 10.1.1.5)" --isrc 10.1.1.5 --idst 10.1.3.5)
		RECV_NS=nvd2
		RECV_ARGS=(--dst 10.0.0.22 --vni 1002 --ismac $ROUTER_MAC --idmac "$(mac_of 10.1.3.5)"
			--isrc 10.1.1.5 --idst 10.1.3.5)
		# spoof: v2v's frames, from an underlay address that is no
		# NVD's or gateway's (a host of the underlay forging tenant
		# traffic).
		[ "$1" = spoof ] && GEN_SRC=10.0.0.99 NEGATIVE=1 ;;
	pairs)
		# VNIC pairs: flow f between the bulk VNICs of pair
		# f % SCEN_PAIRS (2p on nvd1 -> 2p + 1 on nvd2): that many
		# VNIC pairs active at once.
		GEN_ARGS=(--pairs "${SCEN_PAIRS:?}")
		RECV_NS=nvd2
		RECV_ARGS=(--dst 10.0.0.22 --ismac $ROUTER_MAC --pairs "$SCEN_PAIRS") ;;
	nat-in)
		# Unsolicited inbound from the internet to the NAT gateway's
		# public IP (no connection was opened from inside): a port scan
		# of the public IP, each packet another source port. Where a
		# leak would go: instance c (10.1.2.5), behind the NAT gateway.
		GEN_NS=nat GEN_SRC=$NAT_UL NEGATIVE=1
		GEN_ARGS=(--vni $NAT_VNI --ismac "$(gw_mac $NAT_VNI)" --isrc $INET_HOST --idst $NAT_PUB)
		RECV_NS=nvd1
		RECV_ARGS=(--dst 10.0.0.21 --vni 1003 --ismac $ROUTER_MAC --idmac "$(mac_of 10.1.2.5)"
			--isrc $INET_HOST --idst 10.1.2.5) ;;
	igw | routes)
		GEN_ARGS=(--vni 1001 --ismac "$(mac_of 10.1.1.5)" --isrc 10.1.1.5 --idst $INET_HOST)
		RECV_NS=igw
		RECV_ARGS=(--dst $IGW_UL --vni $IGW_VNI --ismac $ROUTER_MAC --idmac "$(gw_mac $IGW_VNI)"
			--isrc 203.0.113.5 --idst $INET_HOST) ;;
	nat)
		GEN_ARGS=(--vni 1003 --ismac "$(mac_of 10.1.2.5)" --isrc 10.1.2.5 --idst $INET_HOST)
		RECV_NS=nat
		RECV_ARGS=(--dst $NAT_UL --vni $NAT_VNI --ismac $ROUTER_MAC --idmac "$(gw_mac $NAT_VNI)"
			--isrc $NAT_PUB --idst $INET_HOST --nat-sport) ;;
	*) echo "path $1?" >&2; return 1 ;;
	esac
	# From the VIP, exactly one hop (TTL 63), checksums right, the flow's
	# ports (nat: a public port per flow, of the system's choosing).
	RECV_ARGS+=(--src $VIP --ttl 63)
	# routes: the igw path to destinations inside the bulk routes of
	# web's table (SCEN_ROUTES of them), spread over them.
	if [ "$1" = routes ]; then
		GEN_ARGS+=(--routes "${SCEN_ROUTES:?}")
		RECV_ARGS+=(--routes "$SCEN_ROUTES")
	fi
	# Each receiver takes only the frames sent to its own MAC (nic bed:
	# they share one interface).
	RECV_ARGS+=(--dmac "$(ul_mac "${RECV_ARGS[1]}")")
	GEN_ARGS=(-i "$(gen_dev)" --dmac "$dmac" --src $GEN_SRC --dst $VIP --idmac $ROUTER_MAC "${GEN_ARGS[@]}")
}

# establish PATH FLOWS: open the flows (one packet each) and, where the far
# end can answer (the instance b; the internet host behind the internet
# gateway, to the public IP), answer each once: the measured packets then
# belong to established connections, as most packets do. NAT gateway flows
# stay one-way (the allocated ports are the system's choice).
establish()
{
	local path=$1 flows=$2 rate=5000 rns rargs

	# New flows each run, or none to be let through: nothing to open.
	case $path in *-new | spoof | nat-in | tcp-*) return 0 ;; esac
	# Many flows: in chunks, faster, counted (establish_many).
	if [ "$flows" -gt 100000 ]; then
		establish_many "$path" "$flows" >"$BENCH_TMP/established.json"
		return
	fi
	path_args "$path" || return
	ns nvd1 vgen "${GEN_ARGS[@]}" --flows "$flows" --count "$flows" --pps $rate \
		--time 60 >/dev/null
	case $path in
	v2v) rns=nvd2 rargs=(--src 10.0.0.22 --vni 1002 --ismac "$(mac_of 10.1.3.5)"
		--isrc 10.1.3.5 --idst 10.1.1.5) ;;
	pairs) rns=nvd2 rargs=(--src 10.0.0.22 --pairs "$SCEN_PAIRS") ;;
	igw | routes) rns=igw rargs=(--src $IGW_UL --vni $IGW_VNI --ismac "$(gw_mac $IGW_VNI)"
		--isrc $INET_HOST --idst 203.0.113.5) ;;
	*) return 0 ;;
	esac
	[ "$path" = routes ] && rargs+=(--routes "$SCEN_ROUTES")
	ns $rns vgen -i ul0 --dmac "$(ul_mac "$GW_UL")" --dst $VIP --idmac $ROUTER_MAC \
		"${rargs[@]}" --reverse --flows "$flows" --count "$flows" --pps $rate \
		--time 60 >/dev/null
}

# flow_args FLOWS: vgen's options that choose the run's flows: for a -new
# path, FLOWS flow numbers never used before by the active system (a
# counter per system in BENCH_TMP, reset at each scenario by run.sh, below
# the receiver's 2^24: 16 runs of a million; fails when they run out), else
# the established flows from start_of.
flow_args()
{
	local f=$BENCH_TMP/new_base.${ACTIVE_DUT:-none} base

	if [ "$NEW_FLOWS" = 1 ]; then
		base=$(cat "$f" 2>/dev/null || echo 0)
		if [ $((base + $1)) -gt $((1 << 24)) ]; then
			echo "bench: out of new flow numbers" >&2
			return 1
		fi
		echo $((base + $1)) >"$f"
		echo "--first $base --flows $1"
	else
		echo "--flows $1 --start $(start_of "$1")"
	fi
}

# start_of FLOWS: where a run starts in the flows: 0, or for more than
# 100k a random one, so that a run's packets are not the flows the previous
# run (or the warm-up) just touched: a million active flows, not the first
# hundred thousand again and again.
start_of()
{
	if [ "$1" -gt 100000 ]; then
		echo $(( (RANDOM * 32768 + RANDOM) % $1 ))
	else
		echo 0
	fi
}

# warm_up PATH FLOWS SIZE: half a second of the traffic, not measured.
warm_up()
{
	case $1 in tcp-*) _tcp_measure "$1" "$2" "$3" 0.5 >/dev/null; return ;; esac
	local fa

	path_args "$1" || return
	fa=$(flow_args "$2") || return
	# shellcheck disable=SC2086 # (words of flow_args)
	ns "$GEN_NS" vgen "${GEN_ARGS[@]}" --cpu $GEN_CPU $fa --size "$3" --time 0.5 >/dev/null
}

# profile PATH FLOWS SIZE FILE: where the DUT CPU's time goes, from perf's
# cpu-clock samples on that CPU during one run (no hardware counters under
# emulation), as a flat symbol list.
profile()
{
	local data=$BENCH_TMP/perf.data ppid

	command -v perf >/dev/null || { echo "no perf" >"$4"; return 0; }
	perf record -q -e cpu-clock -F 997 -C $DUT_CPU -g -o "$data" -- sleep $((SECS + 1)) \
		>/dev/null 2>&1 &
	ppid=$!
	measure "$1" "$2" "$3" "$SECS" >/dev/null
	wait "$ppid"
	# Idle (the halt) left out, the rest as shares of the busy samples:
	# first by object (vnicgw.ko, openvswitch.ko, the kernel), then by symbol.
	{
		echo "# DUT CPU samples by object, % of busy samples"
		_perf_busy "$data" dso 20
		echo "# by symbol, % of busy samples"
		_perf_busy "$data" dso,sym 40
		echo "# call graphs of the symbols over 2% of all samples (idle included): each symbol, then who called it"
		perf report -i "$data" --no-children --sort dso,sym --stdio -g graph,0.5,callee,function,percent \
			--percent-limit 2 2>/dev/null | grep -v '^$' | head -n 400
	} >"$4"
}

# _perf_busy DATA SORT N: the N heaviest rows of perf report --sort SORT,
# renormalized without the idle loop.
_perf_busy()
{
	perf report -i "$1" --no-children --sort "$2" --stdio -g none --percent-limit 0 2>/dev/null |
		awk -v n="$3" '/^ *[0-9.]+%/ && !/native_safe_halt|default_idle|cpuidle/ {
				p = $1; sub(/%/, "", p); $1 = ""; row[++k] = $0; pct[k] = p; busy += p }
			END { for (i = 1; i <= k && i <= n; i++)
				printf("%6.2f%% %s\n", 100 * pct[i] / busy, row[i]) }' 
}

# softnet_drops: packets the kernel dropped for a full backlog queue, all
# CPUs (/proc/net/softnet_stat, second column, hex).
softnet_drops()
{
	local d sum=0

	while read -r _ d _; do
		sum=$((sum + 16#$d))
	done </proc/net/softnet_stat
	echo "$sum"
}

# ovs_dp_stats: the OVS datapath's counters "hit missed lost masks_hit
# masks" in the active OVS namespace (ovs-dpctl show), or nothing.
ovs_dp_stats()
{
	[ "${ACTIVE_DUT:-}" = ovs ] || return 0
	ns gw-ovs ovs-dpctl show 2>/dev/null | awk '
		/lookups:/ { for (i = 1; i <= NF; i++) { split($i, kv, ":"); v[kv[1]] = kv[2] } }
		/masks:/ { for (i = 1; i <= NF; i++) { split($i, kv, ":"); m[kv[1]] = kv[2] } }
		END { if ("hit" in v) print v["hit"], v["missed"], v["lost"], m["hit"], m["total"] }'
	# (masks' "hit" is the datapath's lifetime count of masks looked at.)
}

# dut_rx: frames the active DUT's NIC (ul0, and ul1, the generator's
# direct link) took in (veth: those that also
# found room in the backlog; nic bed: those the driver received).
dut_rx()
{
	ns "gw-$ACTIVE_DUT" sh -c 'cat /sys/class/net/ul0/statistics/rx_packets
		cat /sys/class/net/ul1/statistics/rx_packets 2>/dev/null' |
		awk '{ n += $1 } END { print n + 0 }'
}

# vnicgw_drops: vnicgw's drop counters by reason (a JSON object) when it is
# the active DUT, else nothing.
vnicgw_drops()
{
	[ "${ACTIVE_DUT:-}" = vnicgw ] || return 0
	ns gw-vnicgw vnicctl -j stats 2>/dev/null | jq -c '.drops // {}'
}

# measure PATH FLOWS SIZE SECONDS: one run; prints a JSON object with what
# was sent, what arrived and checked good, CPU 1's busy and softirq seconds
# over the run, the backlog drops of every CPU over it (softnet_drops), and
# for OVS its datapath's flow-cache hits, misses (upcalls) and losses over
# it, and the masks it looked through per packet; for vnicgw its drops by
# reason; the DUT CPU's utilization (busy time over the generator's sending
# time: below 1, the DUT was not the bottleneck). A NEGATIVE path (spoof, nat-in): pps and pkts_per_cpu_s
# count the frames the DUT took in (dut_rx), all of which it must drop; the
# receiver must see none.
measure()
{
	local path=$1 flows=$2 size=$3 secs=$4 rpid t0 t1 b0 s0 i0 b1 s1 i1 gen rcv hz=100 rdy
	local sd0 sd1 oh0 om0 ol0 omh0 oh1 om1 ol1 omh1 omt ovs vd0 vd1 vd rx0 rx1 fa

	case $path in tcp-*) _tcp_measure "$@"; return ;; esac
	path_args "$path" || return
	rdy=$BENCH_TMP/ready.$$
	rm -f "$rdy"
	sd0=$(softnet_drops)
	rx0=$(dut_rx)
	vd0=$(vnicgw_drops)
	read -r oh0 om0 ol0 omh0 _ < <(ovs_dp_stats; echo)
	# Not through ns(): $! must be the receiver itself, for the SIGINT.
	ip netns exec "$(nsname "$RECV_NS")" vrecv -i ul0 --cpu $GEN_CPU --ready "$rdy" "${RECV_ARGS[@]}" \
		>"$BENCH_TMP/recv.json" 2>"$BENCH_TMP/recv.err" &
	rpid=$!
	for _ in $(seq 50); do [ -e "$rdy" ] && break; sleep 0.1; done
	t0=$(date +%s.%N)
	read -r b0 s0 i0 < <(cpu_ticks $DUT_CPU)
	# shellcheck disable=SC2086 # (words of flow_args)
	if fa=$(flow_args "$flows"); then
		gen=$(ns "$GEN_NS" vgen "${GEN_ARGS[@]}" --cpu $GEN_CPU $fa --size "$size" \
			--time "$secs")
	else
		gen='{"sent": 0, "seconds": 1, "error": "generator (out of new flow numbers)"}'
	fi
	# Let the last packets through, then read the CPU before the receiver's end.
	sleep 0.2
	read -r b1 s1 i1 < <(cpu_ticks $DUT_CPU)
	t1=$(date +%s.%N)
	sleep 0.05
	kill -INT "$rpid"
	wait "$rpid"
	sd1=$(softnet_drops)
	rx1=$(dut_rx)
	vd1=$(vnicgw_drops)
	# vnicgw's drops over the run, by reason (those that moved).
	vd=null
	[ -n "$vd0" ] && [ -n "$vd1" ] &&
	vd=$(jq -cn --argjson a "$vd0" --argjson b "$vd1" \
		'$b | with_entries(.value -= ($a[.key] // 0)) | with_entries(select(.value != 0))')
	read -r oh1 om1 ol1 omh1 omt < <(ovs_dp_stats; echo)
	ovs=null
	[ -n "${oh0:-}" ] && [ -n "${oh1:-}" ] &&
	ovs=$(jq -cn --argjson h $((oh1 - oh0)) --argjson m $((om1 - om0)) \
		--argjson l $((ol1 - ol0)) --argjson mh $((omh1 - omh0)) --argjson mt "$omt" \
		'{hit: $h, missed: $m, lost: $l, masks: $mt,
		  masks_per_pkt: (if $h + $m > 0 then $mh / ($h + $m) else null end)}')
	ovs=${ovs:-null} vd=${vd:-null}
	rcv=$(cat "$BENCH_TMP/recv.json")
	[ -n "$rcv" ] || rcv='{"ok": 0, "error": "receiver"}'
	[ -n "$gen" ] || gen='{"sent": 0, "seconds": 1, "error": "generator"}'
	# (run_error: report.py refuses the run.)
	jq -cn --argjson g "$gen" --argjson r "$rcv" --arg busy "$(( b1 - b0 ))" \
		--arg sirq "$(( s1 - s0 ))" --arg idle "$(( i1 - i0 ))" --arg hz "$hz" \
		--arg wall "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" \
		--argjson sd $((sd1 - sd0)) --argjson ovs "$ovs" --argjson vd "$vd" \
		--argjson neg "$NEGATIVE" --argjson rx $((rx1 - rx0)) '
		(($wall | tonumber) - ($idle | tonumber) / ($hz | tonumber)) as $bw |
		(if $bw > 0 then $bw else 0 end) as $bs |
		{sent: $g.sent, gen_seconds: $g.seconds, ok: $r.ok, bad: $r.bad,
		 bad_reasons: $r.bad_reasons, ring_drops: $r.ring_drops, flows_seen: $r.flows,
		 wall: ($wall | tonumber), dut_busy_s: $bs,
		 dut_busy_ticks_s: (($busy | tonumber) / ($hz | tonumber)),
		 dut_softirq_s: (($sirq | tonumber) / ($hz | tonumber)),
		 pps_sent: ($g.sent / $g.seconds),
		 pps: ((if $neg == 1 then $rx else $r.ok end) / $g.seconds),
		 dut_rx: $rx, dut_util: (if $g.seconds > 0 then $bs / $g.seconds else null end),
		 softnet_drops: $sd, ovs_dp: $ovs, vnicgw_drops: $vd,
		 run_error: ($g.error // $r.error), negative: ($neg == 1),
		 unit: (if $neg == 1 then "drops" else "pkts" end),
		 pkts_per_cpu_s: (if $bs <= 0 then null
			elif $neg == 1 then $rx / $bs
			else $r.ok / $bs end)}'
}

# _veth_gro on|off: GRO on the active DUT's veth (veth bed), as _tcp_measure
# says; off: as the bed has it (no GRO, TSO on the bridge's port).
_veth_gro()
{
	local port=p$ACTIVE_DUT pid

	[ "$BED" = veth ] || return 0
	if [ "$1" = on ]; then
		ns ul ethtool -K "$port" tso off >/dev/null 2>&1
		ns "gw-$ACTIVE_DUT" ethtool -K ul0 gro on >/dev/null 2>&1
		ns "gw-$ACTIVE_DUT" sh -c 'echo 1 >/sys/class/net/ul0/threaded'
		for pid in $(pgrep '^napi/ul0-'); do
			taskset -p -c $DUT_CPU "$pid" >/dev/null
		done
	else
		ns "gw-$ACTIVE_DUT" sh -c 'echo 0 >/sys/class/net/ul0/threaded'
		ns "gw-$ACTIVE_DUT" ethtool -K ul0 gro off >/dev/null 2>&1
		ns ul ethtool -K "$port" tso on >/dev/null 2>&1
	fi
	return 0
}

# _tcp_measure PATH FLOWS SIZE SECONDS: measure() of the TCP paths, with
# real endpoints (_inst_up) on the generator's CPU:
#   tcp-crr   instance a opens connections to b, FLOWS at a time (tcpcrr):
#             each a handshake and a close, seven packets through the DUT;
#             the figure is connections per DUT CPU-second (unit conns);
#             a connection that failed fails the run (bad, conn_failed);
#   tcp-bulk  iperf3, FLOWS streams a -> b, the endpoints' offloads as Linux
#             sets them (TSO/GSO on the instances' VXLAN devices; the wire
#             carries MTU-sized frames) and GRO on the DUT's veth, in
#             its NAPI thread on the DUT CPU (_veth_gro); the figure is MB
#             received per DUT CPU-second (unit MB).
# Veth bed only (run.sh records the nic bed's as not run).
_tcp_measure()
{
	local path=$1 flows=$2 secs=$4 spid out b0 s0 i0 b1 s1 i1 t0 t1 sd0 sd1 hz=100

	# (iperf3 takes whole seconds.)
	if [ "$path" = tcp-bulk ]; then
		secs=${secs%.*}
		[ "${secs:-0}" -ge 1 ] || secs=1
	fi
	_rx_drop off
	case $path in
	tcp-crr)
		ip netns exec vgwb-inst-b tcpcrr -s 10.1.3.5 7001 --cpu $GEN_CPU 2>/dev/null &
		spid=$! ;;
	tcp-bulk)
		ip netns exec vgwb-inst-b iperf3 -s -1 -B 10.1.3.5 -p 5201 -A $GEN_CPU >/dev/null 2>&1 &
		spid=$!
		# GRO on the DUT's veth, its work on the DUT CPU: the veth
		# merges only what a sender without TSO hands it (the bridge's
		# port, veth_skb_is_eligible_for_gro()), in its NAPI, threaded
		# and pinned to the DUT CPU (else it would run where the frame
		# was sent, on the generator's CPU, charged to no one).
		_veth_gro on ;;
	esac
	sleep 0.5
	sd0=$(softnet_drops)
	t0=$(date +%s.%N)
	read -r b0 s0 i0 < <(cpu_ticks $DUT_CPU)
	case $path in
	tcp-crr) out=$(ns inst-a tcpcrr -c 10.1.3.5 7001 --time "$secs" --parallel "$flows" \
		--cpu $GEN_CPU 2>/dev/null) ;;
	tcp-bulk) out=$(ns inst-a iperf3 -c 10.1.3.5 -B 10.1.1.5 -p 5201 -t "$secs" -P "$flows" \
		-A $GEN_CPU -J 2>/dev/null | jq -c '{bytes: .end.sum_received.bytes,
			sent: .end.sum_sent.bytes, seconds: .end.sum_received.seconds,
			retransmits: .end.sum_sent.retransmits, error: .error}' 2>/dev/null) ;;
	esac
	sleep 0.2
	read -r b1 s1 i1 < <(cpu_ticks $DUT_CPU)
	t1=$(date +%s.%N)
	kill "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null
	sd1=$(softnet_drops)
	[ "$path" = tcp-bulk ] && _veth_gro off
	_rx_drop on
	[ -n "$out" ] || out='{"error": "client"}'
	jq -cn --argjson o "$out" --arg p "$path" --arg busy "$(( b1 - b0 ))" \
		--arg sirq "$(( s1 - s0 ))" --arg idle "$(( i1 - i0 ))" --arg hz "$hz" \
		--arg wall "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" \
		--argjson sd $((sd1 - sd0)) '
		(($wall | tonumber) - ($idle | tonumber) / ($hz | tonumber)) as $bw |
		(if $bw > 0 then $bw else 0 end) as $bs |
		(if $p == "tcp-crr" then
			{unit: "conns", sent: (($o.conns // 0) + ($o.errors // 0)), ok: ($o.conns // 0),
			 bad: ($o.errors // 0), bad_reasons: {conn_failed: ($o.errors // 0)},
			 gen_seconds: ($o.seconds // 1), count: ($o.conns // 0)}
		 else
			{unit: "MB", sent: ($o.sent // 0), ok: ($o.bytes // 0), bad: 0,
			 retransmits: $o.retransmits, gen_seconds: ($o.seconds // 1),
			 count: (($o.bytes // 0) / 1e6)}
		 end) as $r |
		$r + {wall: ($wall | tonumber), dut_busy_s: $bs,
		 dut_util: (if $r.gen_seconds > 0 then $bs / $r.gen_seconds else null end),
		 dut_busy_ticks_s: (($busy | tonumber) / ($hz | tonumber)),
		 dut_softirq_s: (($sirq | tonumber) / ($hz | tonumber)),
		 softnet_drops: $sd, run_error: (if $o.error then "client (\($o.error))" else null end),
		 pps: ($r.count / $r.gen_seconds),
		 pkts_per_cpu_s: (if $bs > 0 then $r.count / $bs else null end)} | del(.count)'
}

# --- many tracked connections (the CONNS of a scenario) ---------------------------

# _reply_args PATH: the far end's generator options for the replies of PATH's
# flows (REPLY_NS, REPLY_ARGS), and what those replies look like when they
# reach instance a's NVD (BACK_ARGS, for vrecv). 1: the path has no replies.
_reply_args()
{
	case $1 in
	v2v) REPLY_NS=nvd2 REPLY_ARGS=(--src 10.0.0.22 --vni 1002 --ismac "$(mac_of 10.1.3.5)"
		--isrc 10.1.3.5 --idst 10.1.1.5)
		BACK_ARGS=(--dst 10.0.0.21 --vni 1001 --ismac $ROUTER_MAC --idmac "$(mac_of 10.1.1.5)"
		--isrc 10.1.3.5 --idst 10.1.1.5) ;;
	pairs) REPLY_NS=nvd2 REPLY_ARGS=(--src 10.0.0.22 --pairs "$SCEN_PAIRS")
		BACK_ARGS=(--dst 10.0.0.21 --ismac $ROUTER_MAC --pairs "$SCEN_PAIRS") ;;
	igw | routes) REPLY_NS=igw REPLY_ARGS=(--src $IGW_UL --vni $IGW_VNI --ismac "$(gw_mac $IGW_VNI)"
		--isrc $INET_HOST --idst 203.0.113.5)
		BACK_ARGS=(--dst 10.0.0.21 --vni 1001 --ismac $ROUTER_MAC --idmac "$(mac_of 10.1.1.5)"
		--isrc $INET_HOST --idst 10.1.1.5) ;;
	*) return 1 ;;
	esac
	if [ "$1" = routes ]; then
		REPLY_ARGS+=(--routes "$SCEN_ROUTES")
		BACK_ARGS+=(--routes "$SCEN_ROUTES")
	fi
	BACK_ARGS+=(--dmac "$(ul_mac 10.0.0.21)" --src $VIP --ttl 63 --reverse)
	REPLY_ARGS=(-i ul0 --dmac "$(ul_mac "$GW_UL")" --dst $VIP --idmac $ROUTER_MAC
		"${REPLY_ARGS[@]}" --reverse)
}

# _vrecv_start NS OUT ARGS...: a receiver in NS writing its JSON to OUT; the
# pid in VRECV_PID once it is ready.
_vrecv_start()
{
	local n=$1 o=$2 rdy=$BENCH_TMP/ready.$RANDOM

	shift 2
	ip netns exec "$(nsname "$n")" vrecv -i ul0 --cpu $GEN_CPU --ready "$rdy" "$@" >"$o" 2>/dev/null &
	VRECV_PID=$!
	for _ in $(seq 50); do [ -e "$rdy" ] && break; sleep 0.1; done
	rm -f "$rdy"
}

# establish_many PATH N: open N connections (flows 0..N-1) through the active
# DUT and answer each from the far end, in chunks of 50k: open a chunk at
# BENCH_CT_RATE packets/s, answer it, next chunk (each flow's reply comes
# seconds after its opening, and the first chunk's are not near their
# timeouts when the last chunk is done). Receivers behind the DUT count what
# went through: flows opened (the opening packet reached the far end) and
# flows established (the reply came back to the instance). Prints
# {"opened": N, "established": N, "seconds": S}.
establish_many()
{
	local path=$1 n=$2 rate=${BENCH_CT_RATE:-20000} chunk=50000 first c t0 p1 p2=
	local backlog

	path_args "$path" || return
	backlog=$(cat /proc/sys/net/core/netdev_max_backlog)
	# The generator sends in bursts of 64; the DUT CPU's queue takes them.
	sysctl -qw net.core.netdev_max_backlog=10000
	_vrecv_start "$RECV_NS" "$BENCH_TMP/opened.json" "${RECV_ARGS[@]}"
	p1=$VRECV_PID
	if _reply_args "$path"; then
		_vrecv_start nvd1 "$BENCH_TMP/answered.json" "${BACK_ARGS[@]}"
		p2=$VRECV_PID
	fi
	t0=$(date +%s.%N)
	for ((first = 0; first < n; first += chunk)); do
		c=$((n - first < chunk ? n - first : chunk))
		ns nvd1 vgen "${GEN_ARGS[@]}" --cpu $GEN_CPU --first $first --flows $c \
			--count $c --pps "$rate" --time 600 >/dev/null
		[ -n "$p2" ] && ns "$REPLY_NS" vgen "${REPLY_ARGS[@]}" --cpu $GEN_CPU \
			--first $first --flows $c --count $c --pps "$rate" --time 600 >/dev/null
	done
	sleep 0.5
	kill -INT $p1 $p2
	wait $p1 $p2
	sysctl -qw net.core.netdev_max_backlog="$backlog"
	jq -cn --slurpfile o "$BENCH_TMP/opened.json" \
		--arg a "$( [ -n "$p2" ] && cat "$BENCH_TMP/answered.json")" \
		--arg s "$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')" \
		'{opened: ($o[0].flows // 0),
		  established: (if $a == "" then null else ($a | fromjson).flows end),
		  establish_s: ($s | tonumber)}'
}

# mem_kb: "slab_kb used_kb" of the whole VM now (/proc/meminfo): slab, and
# total minus free minus page cache and buffers.
mem_kb()
{
	awk '/^MemTotal:/ { t = $2 } /^MemFree:/ { f = $2 } /^Buffers:/ { b = $2 }
		/^Cached:/ { c = $2 } /^Slab:/ { s = $2 }
		END { print s, t - f - b - c }' /proc/meminfo
}

# ct_entries SYSTEM: the entries of the system's connection table now. Linux
# and OVS: nf_conntrack's count in the DUT namespace; vnicgw: the objects of
# its slab cache (shared with others if SLUB merged it: then approximate,
# the delta is what counts).
ct_entries()
{
	case $1 in
	vnicgw) cat /sys/kernel/slab/vgw_ct_entry/objects 2>/dev/null | awk '{ print $1 }' ;;
	*) ns "gw-$1" cat /proc/sys/net/netfilter/nf_conntrack_count 2>/dev/null ;;
	esac
}
