/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vnicgw: module-internal declarations shared by the files of kmod/.
 *
 * Locking, for the whole module:
 * - RTNL protects the namespace's link pointer (written by newlink/dellink).
 * - vgw_net->lock (a mutex, one per namespace) serialises every change of
 *   the namespace's tables. Writers build new objects aside and publish them
 *   with rcu_assign_pointer(); old ones are freed after a grace period.
 * - The packet path reads the configuration under rcu_read_lock()
 *   (softirq context) and never changes it; it does write the state it
 *   keeps itself: connection tracking and NAT mappings (rhashtables, with
 *   their own spinlocks: conntrack.c, nat.c), the fragment table
 *   (frag.c), route caches (tx.c) and per-CPU counters.
 */
#ifndef _VNICGW_H
#define _VNICGW_H

#include <linux/ratelimit.h>
#include <linux/mutex.h>
#include <linux/workqueue.h>
#include <linux/u64_stats_sync.h>
#include <linux/netdevice.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include <linux/vnicgw.h>

#define VGW_VERSION "0.1.0"

struct vgw_snap;
struct vgw_txn;
struct vgw_ct_table;
struct vgw_nat_table;
struct vgw_frag_table;
struct vgw_cluster;

/* Per network namespace state: one vnicgw "host" lives in each namespace. */
struct vgw_net {
	struct net *net;
	/* Serialises every change of this namespace's tables. */
	struct mutex lock;
	/* The namespace's vnicgw link, or NULL. Written under RTNL. */
	struct net_device __rcu *dev;
	/*
	 * The published configuration: replaced under @lock by each commit,
	 * read by the packet path under rcu_read_lock(). Never NULL.
	 */
	struct vgw_snap __rcu *snap;
	/* The open transaction, or NULL. Under @lock. */
	struct vgw_txn *txn;
	/* Source of edit ids, and of VCN and NSG indexes. Under @lock. */
	u64 last_edit;
	u32 last_index;
	/* The published snapshot's generation; read locklessly by GET_INFO. */
	u64 generation;
	/* Drops by reason, per CPU, for the whole namespace. */
	struct vgw_net_pcpu __percpu *pcpu;
	/*
	 * The tunnel sockets, [encap][family: 0 IPv4, 1 IPv6]; open while the
	 * link is up. Written under RTNL, read by the packet path under RCU.
	 */
	struct socket __rcu *sock[2][2];
	/* Connection tracking, shared by the namespace's CPUs. */
	struct vgw_ct_table *ct;
	/* NAT gateway mappings, likewise. */
	struct vgw_nat_table *nat;
	/* The ports of fragmented datagrams, from their first fragments. */
	struct vgw_frag_table *frag;
	/*
	 * The cluster's members and owner tables (cluster.h); NULL: standalone.
	 * Replaced under @lock, read by the packet path under RCU.
	 */
	struct vgw_cluster __rcu *cluster;
	u64 cluster_epoch;			/* under @lock */
	/* Sends the state this host holds after the table changed. */
	struct delayed_work cluster_work;
	u8 cluster_resyncs;			/* runs still due; under @lock */
	/* Asks the members for state once this host became one. */
	struct delayed_work cluster_ask_work;
	u8 cluster_asks;			/* asks still due; under @lock */
	unsigned long cluster_asked;		/* jiffies of the last ask taken */
	/* The sequence number of the last cluster message signed (auth.c). */
	atomic64_t auth_seq;
	/* Drop messages to the "drops" group: the rate limit. */
	struct ratelimit_state drop_events;
};

struct vgw_net_pcpu {
	u64 rx_packets;			/* tunnel packets this CPU processed */
	u64 drops[__VNICGW_DROP_MAX];
	u64 cluster[__VNICGW_CLUSTER_COUNTER_MAX];
	struct u64_stats_sync syncp;
	/* Drops not reported to the "drops" group yet (over its rate). */
	atomic64_t drop_events_missed;
};

extern unsigned int vgw_net_id;

static inline struct vgw_net *vgw_net(const struct net *net)
{
	return net_generic(net, vgw_net_id);
}

/* netns.c */
int vgw_netns_init(void);
void vgw_netns_exit(void);

/* netlink.c: the multicast groups' messages (uapi: VNICGW_MCGRP_*). */
void vgw_notify_commit(struct vgw_net *vn, const struct vgw_txn *t);
void vgw_notify_flush(struct vgw_net *vn, u32 removed);
void vgw_notify_cluster(struct vgw_net *vn);
bool vgw_drop_listened(const struct vgw_net *vn);
struct vgw_pkt;
void vgw_notify_drop(const struct vgw_pkt *p, unsigned int reason);
void vgw_drop_events_init(struct vgw_net *vn);

/* device.c */
int vgw_device_init(void);
void vgw_device_exit(void);
void vgw_device_destroy_all(struct net *net, struct list_head *kill);

/*
 * main.c: module parameters.
 * vgw_allow_userns: may a namespace owned by a user namespace other than the
 * initial one have a link and use the family (its owner's CAP_NET_ADMIN
 * suffices)? Off: CAP_NET_ADMIN in the initial user namespace is required.
 * vgw_max_objects: the most objects one namespace's tables hold.
 * vgw_max_table_routes: the most routes one route table compiles to, its
 * service destinations expanded (at most VGW_LPM_MAX_ROUTES).
 */
extern bool vgw_allow_userns;
extern unsigned int vgw_max_objects;
extern unsigned int vgw_max_table_routes;

/* netlink.c */
int vgw_genl_init(void);
void vgw_genl_exit(void);

#endif /* _VNICGW_H */
