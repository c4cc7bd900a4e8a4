/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The NAT gateway's source NAT: connections opened from inside get the
 * gateway's public IP and a port (TCP, UDP) or echo identifier (ICMP) of
 * their own; replies are mapped back by that port. Nothing opened from
 * outside maps to anything. One table per host, shared by its CPUs, as the
 * connection tracker's.
 */
#ifndef _VGW_NAT_H
#define _VGW_NAT_H

#include <linux/vnicgw.h>

struct vgw_net;
struct vgw_pkt;
struct vgw_gw;
struct vgw_quote;

int vgw_nat_net_init(struct vgw_net *vn);
/* As vgw_ct_net_stop() and vgw_ct_net_exit(). */
void vgw_nat_net_stop(struct vgw_net *vn);
void vgw_nat_net_exit(struct vgw_net *vn);
int vgw_nat_init(void);
void vgw_nat_exit(void);

/* Rewrite @p (from a VNIC) to leave through NAT gateway @g. 0 or a drop reason. */
int vgw_nat_out(struct vgw_pkt *p, const struct vgw_gw *g);
/* Rewrite @p (a reply from @g) back to the inside. 0 or a drop reason. */
int vgw_nat_in(struct vgw_pkt *p, const struct vgw_gw *g);
/*
 * ICMP errors (@q: what @p quotes) about a mapping's packets: from outside
 * to the inside, and from a VNIC out. 0 or a drop reason; no mapping is
 * opened or refreshed.
 */
int vgw_nat_icmp_in(struct vgw_pkt *p, const struct vgw_gw *g,
		    struct vgw_quote *q);
int vgw_nat_icmp_out(struct vgw_pkt *p, const struct vgw_gw *g,
		     struct vgw_quote *q);

/* NAT_GET and NAT_DEL, as conntrack's (conntrack.h). */
struct vgw_rht_dump;
struct sk_buff;
struct nlattr;
struct netlink_ext_ack;
void vgw_nat_dump_enter(struct vgw_net *vn, struct vgw_rht_dump *d);
int vgw_nat_fill(struct sk_buff *skb, struct vgw_net *vn, void *obj, u64 vnic);
int vgw_nat_delete(struct vgw_net *vn, const struct nlattr *nest,
		   struct nlattr **tb, struct netlink_ext_ack *extack);
extern const struct nla_policy vgw_nat_policy[VNICGW_NAT_MAX + 1];

/* The namespace's mappings, and its tables' size (for vnicctl). */
unsigned int vgw_nat_entries(const struct vgw_net *vn);
unsigned int vgw_nat_buckets(const struct vgw_net *vn);

#endif /* _VGW_NAT_H */
