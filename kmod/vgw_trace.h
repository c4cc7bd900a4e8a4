/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of the data path, for perf, bpftrace and ftrace:
 *
 *   vnicgw:vnicgw_drop     a packet dropped, with its named reason
 *   vnicgw:vnicgw_forward  a packet sent on, encapsulated, to a VNIC's NVD
 *                          or a gateway: from the VNIC or gateway that sent
 *                          it, the VNI and underlay address it goes to
 *
 * Both carry the namespace's inode number (ip netns identify), the VNIC
 * whose the packet is ("" for none yet: an unknown sender, a gateway's),
 * the tunnel's VNI and the inner flow: addresses (IPv4 as ::ffff:a.b.c.d),
 * ports (ICMP echo: the identifier) and protocol. E.g.
 *   perf trace -e vnicgw:vnicgw_drop
 *   bpftrace -e 'tracepoint:vnicgw:vnicgw_drop { @[args->reason] = count(); }'
 * Disabled, a tracepoint costs a patched-out branch.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM vnicgw

#if !defined(_VGW_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _VGW_TRACE_H

#include <linux/tracepoint.h>
#include <linux/vnicgw.h>

#include "datapath.h"

#ifndef _VGW_TRACE_HELPERS
#define _VGW_TRACE_HELPERS
#define VGW_TRACE_ID_LEN	VNICGW_ID_MAX

#define VGW_DROP_SYMBOL_(name, str, help) { VNICGW_DROP_##name, str },

/* The fields and their filling, shared by both events. */
#define VGW_TRACE_PKT_FIELDS						\
	__field(u32, netns)						\
	__array(char, vnic, VGW_TRACE_ID_LEN)				\
	__field(u32, vni)						\
	__field(u8, family)						\
	__field(u8, proto)						\
	__field(u16, sport)						\
	__field(u16, dport)						\
	__array(u8, src, 16)						\
	__array(u8, dst, 16)

static inline void vgw_trace_ip(u8 out[16], const struct vgw_ip *ip)
{
	if (ip->family == AF_INET) {
		memset(out, 0, 10);
		out[10] = 0xff;
		out[11] = 0xff;
		memcpy(out + 12, &ip->v4, 4);
	} else if (ip->family == AF_INET6) {
		memcpy(out, ip->b, 16);
	} else {
		memset(out, 0, 16);
	}
}

#define VGW_TRACE_PKT_ASSIGN(p)						\
	do {								\
		const struct vgw_vnic *v_ = (p)->vnic;			\
		__entry->netns = (p)->vn->net->ns.inum;			\
		strscpy(__entry->vnic, v_ ? v_->o.id : "",		\
			VGW_TRACE_ID_LEN);				\
		__entry->vni = (p)->vni;				\
		__entry->family = (p)->src.family == AF_INET6 ? 6 :	\
				  (p)->src.family == AF_INET ? 4 : 0;	\
		__entry->proto = (p)->l4proto;				\
		__entry->sport = (p)->sport;				\
		__entry->dport = (p)->dport;				\
		vgw_trace_ip(__entry->src, &(p)->src);			\
		vgw_trace_ip(__entry->dst, &(p)->dst);			\
	} while (0)
#endif /* _VGW_TRACE_HELPERS */

#define VGW_DROP_DEFINE_ENUM_(name, str, help)				\
	TRACE_DEFINE_ENUM(VNICGW_DROP_##name);
VNICGW_DROP_REASONS(VGW_DROP_DEFINE_ENUM_)
#undef VGW_DROP_DEFINE_ENUM_
TRACE_DEFINE_ENUM(__VNICGW_DROP_MAX);

TRACE_EVENT(vnicgw_drop,
	TP_PROTO(const struct vgw_pkt *p, unsigned int reason),
	TP_ARGS(p, reason),
	TP_STRUCT__entry(
		VGW_TRACE_PKT_FIELDS
		__field(u8, reason)
	),
	TP_fast_assign(
		VGW_TRACE_PKT_ASSIGN(p);
		__entry->reason = reason;
	),
	TP_printk("netns=%u reason=%s vnic=%s vni=%u proto=%u src=%pI6c sport=%u dst=%pI6c dport=%u",
		  __entry->netns,
		  __print_symbolic(__entry->reason,
				   VNICGW_DROP_REASONS(VGW_DROP_SYMBOL_)
				   { __VNICGW_DROP_MAX, "?" }),
		  __entry->vnic, __entry->vni, __entry->proto,
		  __entry->src, __entry->sport, __entry->dst, __entry->dport)
);

TRACE_EVENT(vnicgw_forward,
	TP_PROTO(const struct vgw_pkt *p, const struct vgw_peer *to),
	TP_ARGS(p, to),
	TP_STRUCT__entry(
		VGW_TRACE_PKT_FIELDS
		__array(char, from, VGW_TRACE_ID_LEN)
		__field(u32, out_vni)
		__array(u8, underlay, 16)
		__field(u32, len)
	),
	TP_fast_assign(
		VGW_TRACE_PKT_ASSIGN(p);
		strscpy(__entry->from, p->sender ? p->sender->o.id :
				       p->gw ? p->gw->o.id : "",
			VGW_TRACE_ID_LEN);
		__entry->out_vni = to->vni;
		vgw_trace_ip(__entry->underlay, to->underlay);
		__entry->len = p->skb->len;
	),
	TP_printk("netns=%u from=%s vnic=%s vni=%u proto=%u src=%pI6c sport=%u dst=%pI6c dport=%u -> vni=%u underlay=%pI6c len=%u",
		  __entry->netns, __entry->from, __entry->vnic, __entry->vni,
		  __entry->proto,
		  __entry->src, __entry->sport, __entry->dst, __entry->dport,
		  __entry->out_vni, __entry->underlay, __entry->len)
);

#endif /* _VGW_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE vgw_trace
#include <trace/define_trace.h>
