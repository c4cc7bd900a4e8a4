/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Connection tracking: per host (network namespace), shared by all its CPUs,
 * one table of entries keyed by (VNIC, canonical flow). A VNIC's stateful
 * rules open entries; packets of a tracked connection, both directions, pass
 * without rules. Bounded per VNIC (conntrack_limit): when a VNIC's table is
 * full, new connections are dropped and counted, existing ones go on.
 *
 * The table is an rhashtable: it grows and shrinks with the entries, so a
 * million connections cost the same per packet as ten. Lookups are lock-free
 * under RCU; inserts and removals lock one bucket. A worker expires entries
 * and drops those of deleted VNICs, a slice of the table per second; a
 * lookup never takes an expired entry or a deleted VNIC's.
 */
#ifndef _VGW_CONNTRACK_H
#define _VGW_CONNTRACK_H

#include <linux/vnicgw.h>
#include <vgw/flow.h>

struct vgw_net;
struct vgw_pkt;
struct vgw_vnic;
struct sk_buff;
struct nlattr;
struct netlink_ext_ack;

/* Per-namespace table. */
int vgw_ct_net_init(struct vgw_net *vn);
/*
 * A namespace goes: first vgw_ct_net_stop() (the collector stops and is not
 * queued again; it reads the cluster), then, once nothing else can reach the
 * table, vgw_ct_net_exit() (which stops it too, for init's undo).
 */
void vgw_ct_net_stop(struct vgw_net *vn);
void vgw_ct_net_exit(struct vgw_net *vn);

/*
 * Is @p's flow tracked for @v? If so, the entry sees the packet (TCP state,
 * timeout) and the answer is true: the packet passes @v's rules.
 */
bool vgw_ct_pass(struct vgw_pkt *p, const struct vgw_vnic *v);
/*
 * Track @p's flow for @v, opened by this packet (@egress: sent by @v).
 * 0, -ENOSPC when @v's table is full, -ENOMEM.
 */
int vgw_ct_open(struct vgw_pkt *p, const struct vgw_vnic *v, bool egress);

/*
 * How long a connection of @proto stays known without traffic: unanswered
 * (!@replied: no packet came back yet), answered, or closing (TCP FIN or
 * RST seen). The conntrack module parameters, by the rule the tracker
 * applies to its own entries, for the NAT gateway's mappings to follow
 * (jiffies).
 */
unsigned long vgw_ct_idle_timeout(u8 proto, bool replied, bool closing);

/* The VNIC whose id hashes to @hash in the published snapshot (RCU), or NULL. */
const struct vgw_vnic *vgw_vnic_by_hash(const struct vgw_net *vn, u64 hash);

/*
 * CT_GET (netlink.c walks the table): vgw_ct_fill() puts one entry's
 * VNICGW_A_CT nest: 0, -EMSGSIZE, or -ENOENT for an entry not to list
 * (expired, a deleted VNIC's, or not of the VNIC whose id hashes to @vnic
 * when @vnic is not 0). Under RCU.
 */
struct vgw_rht_dump;
void vgw_ct_dump_enter(struct vgw_net *vn, struct vgw_rht_dump *d);
int vgw_ct_fill(struct sk_buff *skb, struct vgw_net *vn, void *obj, u64 vnic);
/* CT_DEL: @tb is the parsed VNICGW_A_CT @nest. 0, -ENOENT or -EINVAL. */
int vgw_ct_delete(struct vgw_net *vn, const struct nlattr *nest,
		  struct nlattr **tb, struct netlink_ext_ack *extack);
extern const struct nla_policy vgw_ct_policy[VNICGW_CT_MAX + 1];

int vgw_ct_init(void);
void vgw_ct_exit(void);

/* Tracked connections of a namespace, and its table's size (for vnicctl). */
unsigned int vgw_ct_entries(const struct vgw_net *vn);
unsigned int vgw_ct_buckets(const struct vgw_net *vn);

#endif /* _VGW_CONNTRACK_H */
