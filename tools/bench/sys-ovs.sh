# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# System 3: Open vSwitch, kernel datapath (the Debian kernel's openvswitch
# module; Debian's ovsdb-server and ovs-vswitchd, staged by tools/bench.mk
# under build/bench/root and run in the DUT namespace, the daemon pinned to
# the DUT CPU so that its upcalls and revalidation count as its cost).
# One bridge, one flow-based VXLAN port (remote_ip, local_ip and key from
# the flow), and the tenant as OpenFlow tables:
#   0  classify: micro-VNIC (tun_id, tun_src), instance MAC and source IP
#      -> reg0 = VNIC, reg1 = route table, reg2 = security list;
#      replies from the internet gateway: 1:1 NAT back, then the same.
#      Then ct(zone=1) (one zone per VCN).
#   1  egress rules of the source VNIC (new connections); +est passes
#   2  route: VCN-local /32s (priority 1000+), the subnet's table (100+len)
#   3  ingress rules of the destination VNIC; ct(commit)
#   4  re-encapsulate to the destination's NVD
#   10 internet gateway: 1:1 NAT, to the gateway; ct(commit) only when new
#   11 NAT gateway: new: ct(commit, nat(src=public IP)); established:
#      ct(nat), the mapping applied without a commit; to the gateway. (The
#      benchmark's NAT flows are one-way: conntrack never calls them
#      established, and every packet takes the commit.)
#   12 from the NAT gateway to its public IP (table 0: ct(nat), the
#      mapping undone): replies of established connections go on to the
#      instance (table 2); anything else, unsolicited, is dropped (path
#      nat-in).
#
# Datapath flows may idle 10 min (max-idle): while another system takes its
# turn, the daemon is stopped and the flows must still be there after.
#
#   ovs_up VNICS ROUTES CONNS

_ovs_env()
{
	export OVS_RUNDIR=$BENCH_TMP/ovs OVS_LOGDIR=$BENCH_TMP/ovs \
		OVS_DBDIR=$BENCH_TMP/ovs OVS_SYSCONFDIR=$BENCH_TMP/ovs \
		OVS_PKGDATADIR=$ROOT/build/bench/root
}

_ovs_vnic_flows()
{
	local n=$1 id=$2 ip=$3 vni=$4 nvd=$5 rt=$6 mac

	mac=$(mac_of "$ip")
	echo "table=0,priority=100,in_port=1,tun_id=$vni,tun_src=$nvd,dl_src=$mac,ip,nw_src=$ip,actions=load:$n->NXM_NX_REG0[],load:$rt->NXM_NX_REG1[],load:1->NXM_NX_REG2[],ct(zone=1,table=1)"
	echo "table=2,priority=1032,ip,nw_dst=$ip,actions=load:$n->NXM_NX_REG3[],resubmit(,3)"
	echo "table=4,priority=100,ip,reg3=$n,actions=set_field:$vni->tun_id,set_field:$nvd->tun_dst,set_field:$VIP->tun_src,mod_dl_src:$ROUTER_MAC,mod_dl_dst:$mac,dec_ttl,in_port"
}

_ovs_flows()
{
	local vnics=$1 routes=$2 v id ip vni nvd sub pub n=1 rt

	for v in "${VNICS[@]}"; do
		read -r id ip vni nvd sub pub <<<"$v"
		case $sub in web) rt=101 ;; app) rt=102 ;; *) rt=0 ;; esac
		_ovs_vnic_flows $n "$id" "$ip" "$vni" "$nvd" $rt
		[ "$pub" = - ] || {
			echo "table=0,priority=100,in_port=1,tun_id=$IGW_VNI,tun_src=$IGW_UL,ip,nw_dst=$pub,actions=mod_nw_dst:$ip,ct(zone=1,table=1)"
			# Committed once, when new; established packets only rewritten.
			echo "table=10,priority=110,ct_state=+trk+est,ip,reg0=$n,actions=mod_nw_src:$pub,set_field:$IGW_VNI->tun_id,set_field:$IGW_UL->tun_dst,set_field:$VIP->tun_src,mod_dl_src:$ROUTER_MAC,mod_dl_dst:$(gw_mac $IGW_VNI),dec_ttl,in_port"
			echo "table=10,priority=100,ip,reg0=$n,actions=ct(commit,zone=1),mod_nw_src:$pub,set_field:$IGW_VNI->tun_id,set_field:$IGW_UL->tun_dst,set_field:$VIP->tun_src,mod_dl_src:$ROUTER_MAC,mod_dl_dst:$(gw_mac $IGW_VNI),dec_ttl,in_port"
		}
		n=$((n + 1))
	done
	# The extra VNICs.
	awk -v n="$vnics" -v vip="$VIP" -v rmac="$ROUTER_MAC" 'BEGIN {
		for (i = 0; i < n; i++) {
			k = 10 + i
			ip = sprintf("10.%d.%d.%d", 64 + int(k / 65536), int(k / 256) % 256, k % 256)
			split(ip, o, ".")
			mac = sprintf("02:00:%02x:%02x:%02x:%02x", o[1], o[2], o[3], o[4])
			nvd = sprintf("10.0.0.%d", 21 + i % 2); vni = 200000 + i; r = 1000 + i
			printf("table=0,priority=100,in_port=1,tun_id=%d,tun_src=%s,dl_src=%s,ip,nw_src=%s,actions=load:%d->NXM_NX_REG0[],load:0->NXM_NX_REG1[],load:1->NXM_NX_REG2[],ct(zone=1,table=1)\n", vni, nvd, mac, ip, r)
			printf("table=2,priority=1032,ip,nw_dst=%s,actions=load:%d->NXM_NX_REG3[],resubmit(,3)\n", ip, r)
			printf("table=4,priority=100,ip,reg3=%d,actions=set_field:%d->tun_id,set_field:%s->tun_dst,set_field:%s->tun_src,mod_dl_src:%s,mod_dl_dst:%s,dec_ttl,in_port\n", r, vni, nvd, vip, rmac, mac)
		}
	}'
	cat <<-EOF
		table=0,priority=100,in_port=1,tun_id=$NAT_VNI,tun_src=$NAT_UL,ip,nw_dst=$NAT_PUB,actions=ct(zone=1,nat,table=12)
		table=0,priority=0,actions=drop
		table=1,priority=300,ct_state=+trk+est,actions=resubmit(,2)
		table=1,priority=300,ct_state=+trk+rel,actions=resubmit(,2)
		table=1,priority=100,ct_state=+trk+new,reg2=1,ip,nw_dst=$SL_EG_DST,actions=resubmit(,2)
		table=1,priority=0,actions=drop
		table=2,priority=1016,ip,nw_dst=$VCN_CIDR,actions=drop
		table=2,priority=1010,ip,nw_dst=$BULK_CIDR,actions=drop
		table=2,priority=100,reg1=101,ip,actions=resubmit(,10)
		table=2,priority=100,reg1=102,ip,actions=resubmit(,11)
		table=2,priority=0,actions=drop
		table=3,priority=300,ct_state=+trk+est,actions=resubmit(,4)
		table=3,priority=300,ct_state=+trk+rel,actions=resubmit(,4)
		table=3,priority=100,ct_state=+trk+new,ip,nw_src=$SL_IN_SRC,actions=ct(commit,zone=1),resubmit(,4)
		table=3,priority=0,actions=drop
		table=4,priority=0,actions=drop
		table=10,priority=0,actions=drop
		table=11,priority=110,ct_state=+trk+est,ip,actions=ct(zone=1,nat),set_field:$NAT_VNI->tun_id,set_field:$NAT_UL->tun_dst,set_field:$VIP->tun_src,mod_dl_src:$ROUTER_MAC,mod_dl_dst:$(gw_mac $NAT_VNI),dec_ttl,in_port
		table=11,priority=100,ip,actions=ct(commit,zone=1,nat(src=$NAT_PUB)),set_field:$NAT_VNI->tun_id,set_field:$NAT_UL->tun_dst,set_field:$VIP->tun_src,mod_dl_src:$ROUTER_MAC,mod_dl_dst:$(gw_mac $NAT_VNI),dec_ttl,in_port
		table=12,priority=100,ct_state=+trk+est,ip,actions=resubmit(,2)
		table=12,priority=0,actions=drop
	EOF
	bulk_routes "$routes" "table=2,priority=124,reg1=101,ip,nw_dst=%s,actions=resubmit(,10)"
}

OVS_MAX_VNICS=${OVS_MAX_VNICS:-100000}	# 3 flows each: see README

ovs_up()
{
	local vnics=$1 routes=$2 conns=$3 db

	if [ "$vnics" -gt "$OVS_MAX_VNICS" ]; then
		echo "ovs: $vnics VNICs = $((3 * vnics)) OpenFlow flows, over OVS_MAX_VNICS" >&2
		return 2
	fi
	command -v ovs-vswitchd >/dev/null || { echo "ovs: ovs-vswitchd not staged (make bench-root)" >&2; return 2; }
	gw_up || return
	_ovs_env
	mkdir -p "$OVS_RUNDIR"
	db=$ROOT/build/bench/root/conf.db
	cp "$db" "$OVS_DBDIR/conf.db" || return
	ns "$GW" ovsdb-server "$OVS_DBDIR/conf.db" --remote=punix:"$OVS_RUNDIR/db.sock" \
		--pidfile --detach --no-chdir --log-file || return
	ns "$GW" ovs-vsctl --no-wait init || return
	ns "$GW" ovs-vsctl --no-wait set Open_vSwitch . \
		other_config:n-handler-threads=1 other_config:n-revalidator-threads=1 \
		other_config:max-idle=600000 || return
	ns "$GW" taskset -c $DUT_CPU ovs-vswitchd --pidfile --detach --no-chdir --log-file \
		--mlockall=false 2>/dev/null || ns "$GW" taskset -c $DUT_CPU ovs-vswitchd --pidfile \
		--detach --no-chdir --log-file || return
	# Linux's conntrack holds OVS's connections (sys-linux.sh). OVS's own
	# per-zone limit (dpctl/ct-set-limits) is off by default: no limit.
	ct_tune "$conns"
	ns "$GW" ovs-vsctl --timeout=60 add-br br0 -- set bridge br0 fail-mode=secure \
		-- add-port br0 vx0 -- set interface vx0 type=vxlan ofport_request=1 \
		options:remote_ip=flow options:local_ip=flow options:key=flow || return
	_ovs_flows "$vnics" "$routes" >"$BENCH_TMP/ovs.flows"
	ns "$GW" ovs-ofctl del-flows br0 &&
	ns "$GW" ovs-ofctl --bundle add-flows br0 "$BENCH_TMP/ovs.flows"
}

_ovs_signal()
{
	local p

	for p in ovs-vswitchd ovsdb-server; do
		[ -f "$OVS_RUNDIR/$p.pid" ] && kill "-$1" "$(cat "$OVS_RUNDIR/$p.pid")" 2>/dev/null
	done
	return 0
}

ovs_pause() { _ovs_signal STOP; }
ovs_resume() { _ovs_signal CONT; }

ovs_down()
{
	local p

	[ -d "${OVS_RUNDIR:-/nonexistent}" ] || return 0
	_ovs_signal CONT
	for p in ovs-vswitchd ovsdb-server; do
		[ -f "$OVS_RUNDIR/$p.pid" ] && kill "$(cat "$OVS_RUNDIR/$p.pid")" 2>/dev/null
	done
	sleep 0.3
	rm -rf "$OVS_RUNDIR"
}
