// SPDX-License-Identifier: GPL-2.0
/*
 * NAT gateway mappings; see nat.h.
 *
 * A mapping is found from inside by (VNIC, private address and port, remote
 * address and port, protocol) and from outside by (public address and port,
 * remote address and port, protocol): two tables, each an rhashtable that
 * grows and shrinks with the mappings, as conntrack's does. Lookups are
 * under RCU; changes (a new mapping into both tables, a removal from both)
 * take the table's lock, so a port is checked free and taken in one step.
 * Ports are endpoint-dependent: one public port may serve several remotes.
 * Ports come from 1024-65535, starting at a hash of the flow and probing on.
 *
 * A mapping lives as long as its connection would in the connection
 * tracker: until its first reply as long as an unanswered connection
 * (ct_tcp_syn_timeout, ct_udp_timeout), then as long as an answered one,
 * and after a FIN or RST as long as a closing one (vgw_ct_idle_timeout()); a
 * FIN or RST counts only where the connection is (tcpwin.h).
 * An expired mapping is never used: lookups skip it, and a new mapping of
 * the same connection or the same public port takes its place at once,
 * before the collector gets to it.
 *
 * Mappings are bounded, so that no tenant can fill the host's memory: at
 * most nat_max_per_vnic per VNIC and nat_max per namespace (module
 * parameters). A connection beyond either is dropped (nat_full); the
 * mappings there keep working. Mappings from another member's records
 * count as well (nat_charge()): the namespace's bound holds for them, the
 * VNIC's does not (its owner admitted the connection).
 */
#include <linux/icmp.h>
#include <linux/jhash.h>
#include <linux/moduleparam.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <net/checksum.h>
#include <net/tcp.h>
#include <vgw/flow.h>
#include <vgw/owner.h>

#include "cluster.h"
#include "conntrack.h"
#include "datapath.h"
#include "nat.h"
#include "rhtwalk.h"
#include "tcpwin.h"

#define NAT_PORT_MIN	1024
#define NAT_PORT_MAX	65535
#define NAT_PROBES	512		/* ports tried before giving up */
#define NAT_GC_PERIOD	HZ
/* As conntrack's collector: a slice of the table per run. */
#define NAT_GC_MIN	65536
#define NAT_GC_SLICES	32
#define NAT_SYNC_PERIOD	(30 * HZ)	/* as conntrack's CT_SYNC_PERIOD */
/* The most either bound may be: the tables' largest size. */
#define NAT_MAX_LIMIT	(1U << 24)

static int set_max(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, NAT_MAX_LIMIT);
}

static const struct kernel_param_ops max_ops = {
	.set = set_max,
	.get = param_get_uint,
};

/*
 * As many as a VNIC may track by default (conntrack_limit 65536), and per
 * namespace as many as a VNIC's conntrack_limit may be at most (2^20).
 */
static unsigned int nat_max_per_vnic = 65536;
static unsigned int nat_max = 1U << 20;
module_param_cb(nat_max_per_vnic, &max_ops, &nat_max_per_vnic, 0644);
MODULE_PARM_DESC(nat_max_per_vnic,
		 "NAT gateway mappings one VNIC may have on this host (1..16777216); beyond: dropped, nat_full");
module_param_cb(nat_max, &max_ops, &nat_max, 0644);
MODULE_PARM_DESC(nat_max,
		 "NAT gateway mappings per network namespace (1..16777216); beyond: dropped, nat_full");

struct vgw_nat_entry {
	struct rhash_head in_node;	/* by the inside tuple */
	struct rhash_head out_node;	/* by the outside tuple */
	u64 vnic;
	/*
	 * The VNIC's runtime state, whose count of mappings this one is in
	 * (a reference held); NULL for a record of a VNIC unknown here.
	 */
	struct vgw_vnic_rt *rt;
	struct vgw_ip priv, remote, pub;
	u16 priv_port, remote_port, pub_port;
	u8 proto;
	bool closing;
	bool replied;			/* a reply came: the connection is answered */
	/* TCP: the windows (0 out, 1 the replies), so that a FIN or RST
	 * ends the mapping only where the connection is. */
	struct vgw_tcpwin tcp;
	bool in_table;			/* inserted (or being inserted) */
	unsigned long expires;
	unsigned long synced;		/* jiffies: last sent to the backup */
	struct rcu_head rcu;
};

struct vgw_nat_table {
	struct rhashtable in, out;
	spinlock_t lock;	/* changes: an insert or a removal touches both */
	atomic_t count;		/* mappings charged (nat_charge()) */
	struct vgw_net *vn;
	struct delayed_work gc;
	struct vgw_rht_sweep sweep;	/* where the collector goes on */
};

static struct kmem_cache *nat_cache;

/* What a mapping is looked up by, from inside and from outside. */
struct nat_in_key {
	u64 vnic;
	const struct vgw_ip *priv, *remote;
	u16 pport, rport;
	u8 proto;
};

struct nat_out_key {
	const struct vgw_ip *pub, *remote;
	u16 pubport, rport;
	u8 proto;
};

static u32 hash_in(u64 vnic, const struct vgw_ip *priv, u16 pport,
		   const struct vgw_ip *remote, u16 rport, u8 proto, u32 seed)
{
	u32 h = jhash(priv->b, 16, seed ^ (u32)vnic ^ (u32)(vnic >> 32) ^ proto);

	return jhash(remote->b, 16, h ^ ((u32)pport << 16 | rport));
}

static u32 hash_out(const struct vgw_ip *pub, u16 pubport,
		    const struct vgw_ip *remote, u16 rport, u8 proto, u32 seed)
{
	u32 h = jhash(pub->b, 16, seed ^ proto);

	return jhash(remote->b, 16, h ^ ((u32)pubport << 16 | rport));
}

static u32 in_key_hash(const void *data, u32 len, u32 seed)
{
	const struct nat_in_key *k = data;

	return hash_in(k->vnic, k->priv, k->pport, k->remote, k->rport,
		       k->proto, seed);
}

static u32 in_obj_hash(const void *data, u32 len, u32 seed)
{
	const struct vgw_nat_entry *e = data;

	return hash_in(e->vnic, &e->priv, e->priv_port, &e->remote,
		       e->remote_port, e->proto, seed);
}

static int in_cmp(struct rhashtable_compare_arg *arg, const void *obj)
{
	const struct nat_in_key *k = arg->key;
	const struct vgw_nat_entry *e = obj;

	return !(e->vnic == k->vnic && e->proto == k->proto &&
		 e->priv_port == k->pport && e->remote_port == k->rport &&
		 vgw_ip_eq(&e->priv, k->priv) && vgw_ip_eq(&e->remote, k->remote));
}

static u32 out_key_hash(const void *data, u32 len, u32 seed)
{
	const struct nat_out_key *k = data;

	return hash_out(k->pub, k->pubport, k->remote, k->rport, k->proto, seed);
}

static u32 out_obj_hash(const void *data, u32 len, u32 seed)
{
	const struct vgw_nat_entry *e = data;

	return hash_out(&e->pub, e->pub_port, &e->remote, e->remote_port,
			e->proto, seed);
}

static int out_cmp(struct rhashtable_compare_arg *arg, const void *obj)
{
	const struct nat_out_key *k = arg->key;
	const struct vgw_nat_entry *e = obj;

	return !(e->proto == k->proto && e->pub_port == k->pubport &&
		 e->remote_port == k->rport && vgw_ip_eq(&e->pub, k->pub) &&
		 vgw_ip_eq(&e->remote, k->remote));
}

static const struct rhashtable_params in_params = {
	.head_offset = offsetof(struct vgw_nat_entry, in_node),
	.key_len = sizeof(struct nat_in_key),
	.hashfn = in_key_hash,
	.obj_hashfn = in_obj_hash,
	.obj_cmpfn = in_cmp,
	.min_size = 256,
	.max_size = 1U << 24,
	.automatic_shrinking = true,
};

static const struct rhashtable_params out_params = {
	.head_offset = offsetof(struct vgw_nat_entry, out_node),
	.key_len = sizeof(struct nat_out_key),
	.hashfn = out_key_hash,
	.obj_hashfn = out_obj_hash,
	.obj_cmpfn = out_cmp,
	.min_size = 256,
	.max_size = 1U << 24,
	.automatic_shrinking = true,
};

/* As long as its connection in the tracker (the ct_*_timeout parameters). */
static unsigned long nat_timeout(const struct vgw_nat_entry *e)
{
	return vgw_ct_idle_timeout(e->proto, READ_ONCE(e->replied),
				   READ_ONCE(e->closing));
}

/*
 * Gone: past its time, or its VNIC was deleted (the mapping holds the
 * VNIC's runtime state; a VNIC made again under the same id must neither
 * inherit the old mappings nor be charged for them).
 */
static bool expired(const struct vgw_nat_entry *e)
{
	return time_after(jiffies, READ_ONCE(e->expires)) ||
	       (e->rt && READ_ONCE(e->rt->dead));
}

static void nat_sync(struct vgw_net *vn, struct vgw_nat_entry *e);

/*
 * A packet of the mapping (@reply: from the remote); the backup learns when
 * the connection is first answered and when it starts closing. A TCP
 * segment moves neither unless it is where the connection is (tcpwin.h):
 * one that is not passes and only restarts the timer, as in the tracker.
 */
static void touch(struct vgw_nat_entry *e, const struct vgw_pkt *p, bool reply)
{
	bool replied = READ_ONCE(e->replied);
	bool tcp = p->l4proto == IPPROTO_TCP;
	bool moves = !tcp || vgw_tcpwin_check(&e->tcp, p, reply, !replied);
	bool closing = moves && tcp &&
		       (p->tcp_flags & (TCPHDR_FIN | TCPHDR_RST)) &&
		       !READ_ONCE(e->closing);
	bool answered = moves && reply && !replied;

	if (closing)
		WRITE_ONCE(e->closing, true);
	if (answered)
		WRITE_ONCE(e->replied, true);
	WRITE_ONCE(e->expires, jiffies + nat_timeout(e));
	if ((closing || answered) && READ_ONCE(e->in_table))
		nat_sync(p->vn, e);
}

/*
 * The remote's port as the mappings know it: 0 for ICMP echo, whose one
 * identifier is the mapped "port" in both directions.
 */
static u16 remote_port(const struct vgw_pkt *p, u16 port)
{
	return p->l4proto == IPPROTO_TCP || p->l4proto == IPPROTO_UDP ? port : 0;
}

static bool natable(const struct vgw_pkt *p)
{
	switch (p->l4proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		return true;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return vgw_flow_icmp_is_echo(p->l4proto, p->icmp_type);
	}
	return false;
}

static void map_remove(struct vgw_nat_table *t, struct vgw_nat_entry *e);

/*
 * The lookups find live mappings only. Under t->lock they also take an
 * expired one out of the tables, so that the insert that follows replaces
 * it (there is never more than one mapping of a key in a table).
 */
static struct vgw_nat_entry *live_or_reap(struct vgw_nat_table *t,
					  struct vgw_nat_entry *e, bool locked)
{
	if (!e || !expired(e))
		return e;
	if (locked)
		map_remove(t, e);
	return NULL;
}

static struct vgw_nat_entry *find_in_tuple(struct vgw_nat_table *t, u64 vnic,
					   const struct vgw_ip *priv, u16 pport,
					   const struct vgw_ip *remote,
					   u16 rport, u8 proto, bool locked)
{
	struct nat_in_key k = {
		.vnic = vnic, .priv = priv, .remote = remote,
		.pport = pport, .rport = rport, .proto = proto,
	};

	return live_or_reap(t, rhashtable_lookup(&t->in, &k, in_params),
			    locked);
}

static struct vgw_nat_entry *find_in(struct vgw_nat_table *t, u64 vnic,
				     const struct vgw_pkt *p, bool locked)
{
	return find_in_tuple(t, vnic, &p->src, p->sport, &p->dst,
			     remote_port(p, p->dport), p->l4proto, locked);
}

static struct vgw_nat_entry *find_out(struct vgw_nat_table *t,
				      const struct vgw_ip *pub, u16 pubport,
				      const struct vgw_ip *remote, u16 rport,
				      u8 proto, bool locked)
{
	struct nat_out_key k = {
		.pub = pub, .remote = remote, .pubport = pubport,
		.rport = rport, .proto = proto,
	};

	return live_or_reap(t, rhashtable_lookup(&t->out, &k, out_params),
			    locked);
}

/*
 * Count a new mapping towards the namespace's bound (nat_max) and, when
 * @rt is known, its VNIC's (nat_max_per_vnic; enforced if @bounded). 0, or
 * -ENOSPC with nothing counted. Every packet path and the records from the
 * other members (vgw_nat_apply()) come through here; nat_uncharge() undoes
 * it when the mapping goes.
 */
static int nat_charge(struct vgw_nat_table *t, struct vgw_vnic_rt *rt,
		      bool bounded)
{
	if (atomic_inc_return(&t->count) > READ_ONCE(nat_max))
		goto full;
	if (rt) {
		if (atomic_inc_return(&rt->nat_count) >
		    READ_ONCE(nat_max_per_vnic) && bounded) {
			atomic_dec(&rt->nat_count);
			goto full;
		}
		refcount_inc(&rt->ref);
	}
	return 0;
full:
	atomic_dec(&t->count);
	return -ENOSPC;
}

/* @e no longer counts (it is out of the tables, or never got in). */
static void nat_uncharge(struct vgw_nat_table *t, struct vgw_nat_entry *e)
{
	atomic_dec(&t->count);
	if (e->rt)
		atomic_dec(&e->rt->nat_count);
}

/* --- the cluster (cluster.h) ---------------------------------------------- */

/* The key of the mapping's flow before NAT, in the packets' order. */
static void nat_flow_key(const struct vgw_nat_entry *e, struct vgw_flow_key *k)
{
	u16 rport = e->proto == IPPROTO_TCP || e->proto == IPPROTO_UDP ?
		    e->remote_port : e->priv_port;

	if (e->priv.family == AF_INET)
		vgw_flow_key_init_ipv4(k, e->priv.v4, e->remote.v4, e->proto);
	else
		vgw_flow_key_init_ipv6(k, e->priv.v6.s6_addr32,
				       e->remote.v6.s6_addr32, e->proto);
	vgw_flow_key_set_ports(k, htons(e->priv_port), htons(rport));
}

/* The hash of the mapping's flow before NAT: the packet's p->hash. */
static u32 nat_flow_hash(const struct vgw_nat_entry *e)
{
	struct vgw_flow_key k;

	nat_flow_key(e, &k);
	return vgw_flow_hash(&k);
}

static void nat_record(const struct vgw_nat_entry *e, struct vgw_state_rec *r,
		       u32 *hashes)
{
	long left = (long)(READ_ONCE(e->expires) - jiffies);

	memset(r, 0, sizeof(*r));
	r->kind = VGW_STATE_NAT;
	r->proto = e->proto;
	r->state = READ_ONCE(e->closing);
	r->flags = READ_ONCE(e->replied);
	r->ttl = htonl(left > 0 ? left / HZ + 1 : 0);
	put_unaligned_be64(e->vnic, r->vnic);
	memcpy(r->nat.priv, e->priv.b, 16);
	memcpy(r->nat.remote, e->remote.b, 16);
	memcpy(r->nat.pub, e->pub.b, 16);
	r->nat.priv_port = htons(e->priv_port);
	r->nat.remote_port = htons(e->remote_port);
	r->nat.pub_port = htons(e->pub_port);
	r->nat.family = e->priv.family == AF_INET ? 4 : 6;
	hashes[0] = nat_flow_hash(e);
	hashes[1] = vgw_nat_port_hash(&e->pub, e->pub_port, e->proto);
}

/*
 * A mapping goes to the owners and backups of its flow and of its public
 * port: the two directions' owners (one host but when the table changed).
 */
static void nat_sync(struct vgw_net *vn, struct vgw_nat_entry *e)
{
	struct vgw_state_rec r;
	u32 hashes[2];

	if (!vgw_cluster_shares(vgw_cluster_get(vn)))
		return;
	nat_record(e, &r, hashes);
	vgw_state_send(vn, &r, hashes, 2);
	WRITE_ONCE(e->synced, jiffies);
}

/*
 * Is @port of @e's public IP a good one for this host? In a cluster, the
 * port's slot must be ours (a reply names its owner) and, best, have the
 * flow's backups as its backups (so that a crash, or two with two backups,
 * leaves both directions at the same host, which holds the state). The
 * count of backups that match, plus one; 0: not ours.
 */
static int port_fit(const struct vgw_cluster *c, const struct vgw_nat_entry *e,
		    u16 port, const u16 *backups)
{
	u32 s;

	if (!c)
		return 1;
	s = vgw_owner_slot(vgw_nat_port_hash(&e->pub, port, e->proto), c->size);
	if (c->owner[s] != c->self)
		return 0;
	if (c->backup[s] != backups[0])
		return 1;
	return c->backup2 && c->backup2[s] == backups[1] ? 3 : 2;
}

/* The reference to the VNIC's state goes after the last reader. */
static void entry_free_rcu(struct rcu_head *rcu)
{
	struct vgw_nat_entry *e = container_of(rcu, struct vgw_nat_entry, rcu);

	if (e->rt)
		vgw_vnic_rt_put(e->rt);
	kmem_cache_free(nat_cache, e);
}

/* A charged mapping that did not make it into the tables. */
static void entry_drop(struct vgw_nat_table *t, struct vgw_nat_entry *e)
{
	nat_uncharge(t, e);
	call_rcu(&e->rcu, entry_free_rcu);
}

/*
 * Under t->lock: @e into both tables, or into neither (-ENOMEM, -E2BIG).
 * On failure @e may have been seen by a lookup: free it by RCU.
 */
static int map_insert(struct vgw_nat_table *t, struct vgw_nat_entry *e)
{
	int err;

	WRITE_ONCE(e->in_table, true);
	err = rhashtable_insert_fast(&t->in, &e->in_node, in_params);
	if (err)
		return err;
	err = rhashtable_insert_fast(&t->out, &e->out_node, out_params);
	if (err)
		rhashtable_remove_fast(&t->in, &e->in_node, in_params);
	return err;
}

/* Under t->lock: out of both tables, freed after a grace period. */
static void map_remove(struct vgw_nat_table *t, struct vgw_nat_entry *e)
{
	if (rhashtable_remove_fast(&t->in, &e->in_node, in_params))
		return;		/* already gone */
	rhashtable_remove_fast(&t->out, &e->out_node, out_params);
	entry_drop(t, e);
}

/* The mapping @p would open at @g, before its public port is chosen. */
static void map_init(struct vgw_nat_entry *e, const struct vgw_vnic *v,
		     const struct vgw_pkt *p, const struct vgw_gw *g)
{
	e->vnic = v->o.hash;
	e->priv = p->src;
	e->remote = p->dst;
	e->pub = g->public_ip;
	e->priv_port = p->sport;
	e->remote_port = remote_port(p, p->dport);
	e->proto = p->l4proto;
}

/*
 * A free public port for @e, the best of those probed from the flow's hash
 * on (port_fit()), or -1. @reap (t->lock held): take the expired mappings
 * met out of the tables; else under rcu_read_lock() alone. A trace probes
 * without the lock: its answer is "free now", and the lock would only hold
 * up the CPUs opening mappings.
 */
static int free_port(struct vgw_nat_table *t, const struct vgw_nat_entry *e,
		     const struct vgw_pkt *p, bool reap)
{
	const u32 span = NAT_PORT_MAX - NAT_PORT_MIN + 1;
	const struct vgw_cluster *c = vgw_cluster_get(p->vn);
	u32 i, probes = NAT_PROBES, slot;
	int fallback = -1, fallback_fit = 0, best = 1, fit;
	u16 backups[2] = { 0, 0 };

	if (vgw_cluster_shares(c) && c->self != VGW_OWNER_NONE) {
		/* Ports of our slots are one in n: look further. */
		probes = NAT_PROBES * 8;
		slot = vgw_owner_slot(p->hash, c->size);
		backups[0] = c->backup[slot];
		best = 2;
		if (c->backup2) {
			backups[1] = c->backup2[slot];
			best = 3;
		}
	} else {
		c = NULL;
	}
	for (i = 0; i < probes; i++) {
		u16 port = NAT_PORT_MIN + (p->hash + i) % span;

		if (find_out(t, &e->pub, port, &e->remote, e->remote_port,
			     e->proto, reap))
			continue;
		fit = port_fit(c, e, port, backups);
		if (fit == best)
			return port;
		if (fit > fallback_fit) {
			fallback = port;
			fallback_fit = fit;
		}
	}
	return fallback;
}

/*
 * A new mapping for @p from @v through @g, or the one another CPU made for
 * it meanwhile; NULL when no port is free or no memory left, ERR_PTR(-ENOSPC)
 * when @v or the namespace has as many as it may (nat_charge()).
 */
static struct vgw_nat_entry *map_new(struct vgw_nat_table *t,
				     const struct vgw_vnic *v,
				     const struct vgw_pkt *p,
				     const struct vgw_gw *g)
{
	struct vgw_nat_entry *e, *other;
	int fallback = -1;

	e = kmem_cache_zalloc(nat_cache, GFP_ATOMIC);
	if (!e)
		return NULL;
	/* zalloc: in_table is false until inserted (touch() checks). */
	map_init(e, v, p, g);
	touch(e, p, false);
	e->synced = jiffies;
	spin_lock_bh(&t->lock);
	/* Another CPU may have mapped this connection meanwhile. */
	other = find_in(t, e->vnic, p, true);
	if (!other)
		fallback = free_port(t, e, p, true);
	if (other || fallback < 0) {
		spin_unlock_bh(&t->lock);
		kmem_cache_free(nat_cache, e);
		return other;
	}
	if (nat_charge(t, v->rt, true)) {
		spin_unlock_bh(&t->lock);
		kmem_cache_free(nat_cache, e);
		return ERR_PTR(-ENOSPC);
	}
	e->rt = v->rt;
	e->pub_port = fallback;
	if (map_insert(t, e)) {
		spin_unlock_bh(&t->lock);
		entry_drop(t, e);
		return NULL;
	}
	spin_unlock_bh(&t->lock);
	nat_sync(p->vn, e);
	return e;
}

/* The port (or echo id) field and the checksum that covers it. */
static int rewrite_port(struct vgw_pkt *p, bool src, u16 to)
{
	struct sk_buff *skb = p->skb;
	__be16 *field, old;
	__sum16 *check;
	unsigned int need;
	bool udp = p->l4proto == IPPROTO_UDP;

	if (p->later_frag) {
		/* No transport header here; the first fragment had it. */
		bool echo = p->l4proto == IPPROTO_ICMP ||
			    p->l4proto == IPPROTO_ICMPV6;

		if (src || echo)
			p->sport = to;
		if (!src || echo)
			p->dport = to;
		return 0;
	}
	need = p->l4_off + (p->l4proto == IPPROTO_TCP ? 18 : 8);
	if (skb_ensure_writable(skb, need))
		return -ENOMEM;
	if (p->l4proto == IPPROTO_TCP || udp) {
		field = (__be16 *)(skb->data + p->l4_off + (src ? 0 : 2));
		check = (__sum16 *)(skb->data + p->l4_off + (udp ? 6 : 16));
	} else {
		/* ICMP echo: the identifier, both ways. */
		field = (__be16 *)(skb->data + p->l4_off + 4);
		check = (__sum16 *)(skb->data + p->l4_off + 2);
	}
	old = *field;
	*field = htons(to);
	if (!(udp && !*check)) {
		inet_proto_csum_replace2(check, skb, old, *field, false);
		if (udp && !*check)
			*check = CSUM_MANGLED_0;
	}
	if (src || p->l4proto == IPPROTO_ICMP || p->l4proto == IPPROTO_ICMPV6)
		p->sport = to;
	if (!src || p->l4proto == IPPROTO_ICMP || p->l4proto == IPPROTO_ICMPV6)
		p->dport = to;
	return 0;
}

/* A trace's NAT stage: the mapping used (@e), or the one @p would open. */
static void explain_mapping(const struct vgw_pkt *p, const struct vgw_gw *g,
			    u8 result, const struct vgw_ip *addr, u16 port)
{
	struct vgw_step *st = vgw_explain_step(p, VNICGW_STAGE_NAT, result);

	if (!st)
		return;
	st->obj_type = VNICGW_OBJ_GATEWAY;
	st->obj = g->o.id;
	st->has_addr = true;
	st->addr = *addr;
	st->has_port = true;
	st->port = port;
}

/*
 * A trace of a packet that would open a mapping: the public port free now,
 * then the limits (as nat_charge() has them); the port is written into the
 * packet, nothing is taken. 0, or the drop reason.
 */
static int nat_out_explain(struct vgw_pkt *p, const struct vgw_gw *g)
{
	struct vgw_nat_table *t = p->vn->nat;
	struct vgw_nat_entry e = { 0 };
	int port;

	/* As map_new(): a port first, then the limits (nat_charge()). */
	map_init(&e, p->vnic, p, g);
	port = free_port(t, &e, p, false);
	if (port < 0)
		return VNICGW_DROP_NAT_NO_PORT;
	if (atomic_read(&t->count) >= READ_ONCE(nat_max) ||
	    atomic_read(&p->vnic->rt->nat_count) >=
	    READ_ONCE(nat_max_per_vnic))
		return VNICGW_DROP_NAT_FULL;
	explain_mapping(p, g, VNICGW_RESULT_NEW_MAPPING, &e.pub, port);
	if (vgw_rewrite_addr(p, true, &e.pub) || rewrite_port(p, true, port))
		return VNICGW_DROP_MALFORMED;
	return 0;
}

int vgw_nat_out(struct vgw_pkt *p, const struct vgw_gw *g)
{
	struct vgw_nat_table *t = p->vn->nat;
	struct vgw_nat_entry *e;

	if (!natable(p) || g->public_ip.family != p->src.family)
		return VNICGW_DROP_NAT_NO_PORT;
	e = find_in(t, p->vnic->o.hash, p, false);
	if (e && unlikely(p->ex)) {
		explain_mapping(p, g, VNICGW_RESULT_MAPPING, &e->pub,
				e->pub_port);
	} else if (e) {
		touch(e, p, false);
	} else if (p->l4proto == IPPROTO_TCP && !p->later_frag &&
		   (p->tcp_flags & (TCPHDR_SYN | TCPHDR_ACK)) != TCPHDR_SYN) {
		/*
		 * Only a SYN opens a TCP mapping. A later segment without one
		 * is of a connection whose mapping is elsewhere or on its way
		 * (a new owner before the state arrived): a new port would
		 * make the far end answer with a reset. Dropped, the segment
		 * is sent again, and by then the mapping is here.
		 */
		return VNICGW_DROP_NAT_NO_MAPPING;
	} else if (unlikely(p->ex)) {
		return nat_out_explain(p, g);
	} else {
		e = map_new(t, p->vnic, p, g);
		if (IS_ERR(e))
			return VNICGW_DROP_NAT_FULL;
	}
	if (!e)
		return VNICGW_DROP_NAT_NO_PORT;
	if (vgw_rewrite_addr(p, true, &e->pub) ||
	    rewrite_port(p, true, e->pub_port))
		return VNICGW_DROP_MALFORMED;
	return 0;
}

int vgw_nat_in(struct vgw_pkt *p, const struct vgw_gw *g)
{
	struct vgw_nat_table *t = p->vn->nat;
	struct vgw_nat_entry *e;

	if (!natable(p))
		return VNICGW_DROP_NAT_INBOUND;
	/* A reply: to (public, port) from (remote, remote port). */
	e = find_out(t, &p->dst, p->dport, &p->src, remote_port(p, p->sport),
		     p->l4proto, false);
	if (!e || !vgw_ip_eq(&e->pub, &g->public_ip))
		return VNICGW_DROP_NAT_INBOUND;
	if (unlikely(p->ex))
		explain_mapping(p, g, VNICGW_RESULT_MAPPING, &e->priv,
				e->priv_port);
	else
		touch(e, p, true);
	if (vgw_rewrite_addr(p, false, &e->priv) ||
	    rewrite_port(p, false, e->priv_port))
		return VNICGW_DROP_MALFORMED;
	return 0;
}

/*
 * A live mapping of the quoted packet's protocol, by its outside tuple
 * (public address and port, remote address and port), public at @g.
 */
static struct vgw_nat_entry *quoted_mapping(struct vgw_nat_table *t,
					    const struct vgw_gw *g,
					    const struct vgw_ip *pub, u16 pport,
					    const struct vgw_ip *remote,
					    u16 rport, u8 proto)
{
	struct vgw_nat_entry *e;

	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		rport = 0;
	e = find_out(t, pub, pport, remote, rport, proto, false);
	if (!e || !vgw_ip_eq(&e->pub, &g->public_ip))
		return NULL;
	return e;
}

/*
 * An ICMP error from outside about a packet a mapping sent (@q: its
 * quote, from the public address and port to the remote end): to the
 * inside, with the quote as the VNIC sent it. It neither opens nor
 * refreshes the mapping.
 */
int vgw_nat_icmp_in(struct vgw_pkt *p, const struct vgw_gw *g,
		    struct vgw_quote *q)
{
	struct vgw_nat_entry *e;

	e = quoted_mapping(p->vn->nat, g, &q->src, q->sport, &q->dst,
			   q->dport, q->proto);
	if (!e || !vgw_ip_eq(&p->dst, &e->pub))
		return VNICGW_DROP_NAT_INBOUND;
	if (vgw_rewrite_addr(p, false, &e->priv) ||
	    vgw_icmp_quote_rewrite(p, q, true, &e->priv, e->priv_port))
		return VNICGW_DROP_MALFORMED;
	return 0;
}

/*
 * An ICMP error from a VNIC about a reply that came in through a mapping
 * (@q: its quote, from the remote end to the private address and port):
 * out with the public address, and the quote as the remote end sent it.
 */
int vgw_nat_icmp_out(struct vgw_pkt *p, const struct vgw_gw *g,
		     struct vgw_quote *q)
{
	struct vgw_nat_table *t = p->vn->nat;
	struct vgw_nat_entry *e;
	u16 rport = q->proto == IPPROTO_TCP || q->proto == IPPROTO_UDP ?
		    q->sport : 0;

	if (q->proto != IPPROTO_TCP && q->proto != IPPROTO_UDP &&
	    q->proto != IPPROTO_ICMP && q->proto != IPPROTO_ICMPV6)
		return VNICGW_DROP_NAT_NO_MAPPING;
	e = find_in_tuple(t, p->vnic->o.hash, &q->dst, q->dport, &q->src,
			  rport, q->proto, false);
	if (!e || !vgw_ip_eq(&e->pub, &g->public_ip) ||
	    !vgw_ip_eq(&p->src, &e->priv))
		return VNICGW_DROP_NAT_NO_MAPPING;
	if (vgw_rewrite_addr(p, true, &e->pub) ||
	    vgw_icmp_quote_rewrite(p, q, false, &e->pub, e->pub_port))
		return VNICGW_DROP_MALFORMED;
	return 0;
}

/* As conntrack's refresh(): a live mapping we own, to its backups again. */
static void refresh(struct vgw_nat_table *t, struct vgw_nat_entry *e)
{
	unsigned long seen = READ_ONCE(e->expires) - nat_timeout(e);
	const struct vgw_cluster *c = vgw_cluster_get(t->vn);

	if (!vgw_cluster_shares(c) ||
	    !time_after(jiffies, e->synced + NAT_SYNC_PERIOD) ||
	    !time_after(seen, e->synced) ||
	    vgw_cluster_owner(c, vgw_nat_port_hash(&e->pub, e->pub_port,
						   e->proto)))
		return;
	nat_sync(t->vn, e);
}

/*
 * The collector visits @e (as conntrack's): an expired mapping goes, a live
 * one owned here goes to its backups again when due.
 */
static void gc_visit(void *obj, void *arg)
{
	struct vgw_nat_entry *e = obj;
	struct vgw_nat_table *t = arg;

	if (expired(e)) {
		spin_lock_bh(&t->lock);
		map_remove(t, e);	/* a no-op if an insert reaped it */
		spin_unlock_bh(&t->lock);
	} else {
		local_bh_disable();
		refresh(t, e);
		local_bh_enable();
	}
}

static void gc_work(struct work_struct *work)
{
	struct vgw_nat_table *t = container_of(to_delayed_work(work),
					       struct vgw_nat_table, gc);

	vgw_rht_sweep(&t->sweep, &t->in, NAT_GC_MIN, NAT_GC_SLICES, gc_visit, t);
	queue_delayed_work(system_power_efficient_wq, &t->gc, NAT_GC_PERIOD);
}

/*
 * The VNIC's tracking entry of a mapped connection goes where the mapping
 * goes: after a table change the public port's slot may have an owner other
 * than the flow's, and the replies it takes pass the VNIC's ingress rules
 * only with the entry.
 */
static void nat_resync_ct(struct vgw_net *vn, struct vgw_state_batch *b,
			  const struct vgw_nat_entry *e, const u32 *hashes)
{
	struct vgw_state_rec r;
	struct vgw_flow_key k;

	nat_flow_key(e, &k);
	if (vgw_flow_key_reversed(&k))
		vgw_flow_key_reverse(&k);
	if (vgw_ct_record_of(vn, e->vnic, &k, &r))
		vgw_state_add(b, &r, hashes, 2);
}

struct resync_args {
	struct vgw_net *vn;
	struct vgw_state_batch *b;
};

static void resync_visit(void *obj, void *arg)
{
	const struct resync_args *a = arg;
	struct vgw_nat_entry *e = obj;
	struct vgw_state_rec r;
	u32 hashes[2];

	if (expired(e))
		return;
	local_bh_disable();
	nat_record(e, &r, hashes);
	vgw_state_add(a->b, &r, hashes, 2);
	nat_resync_ct(a->vn, a->b, e, hashes);
	local_bh_enable();
}

void vgw_nat_resync(struct vgw_net *vn, struct vgw_state_batch *b)
{
	struct resync_args a = { .vn = vn, .b = b };

	vgw_rht_walk_all(&vn->nat->in, resync_visit, &a);
}

static void ip_of(struct vgw_ip *ip, const u8 *b, u8 family)
{
	memset(ip, 0, sizeof(*ip));
	ip->family = family == 4 ? AF_INET : AF_INET6;
	memcpy(ip->b, b, family == 4 ? 4 : 16);
}

/*
 * A mapping from its owner: create or refresh (a taken port is kept). Only
 * for a mapping this host owns or backs up, by its flow or by its public
 * port (the two hashes it is sent by: nat_record()).
 */
bool vgw_nat_apply(struct vgw_net *vn, const struct vgw_cluster *c,
		   const struct vgw_state_rec *r)
{
	struct vgw_nat_table *t = vn->nat;
	struct vgw_nat_entry *e, k = { 0 };
	const struct vgw_vnic *v;
	u32 hashes[2];
	unsigned long expires;
	bool applied = false;

	switch (r->proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		break;
	default:
		return false;
	}
	if ((r->nat.family != 4 && r->nat.family != 6) || !r->ttl ||
	    ntohs(r->nat.pub_port) < NAT_PORT_MIN)
		return false;
	k.vnic = get_unaligned_be64(r->vnic);
	ip_of(&k.priv, r->nat.priv, r->nat.family);
	ip_of(&k.remote, r->nat.remote, r->nat.family);
	ip_of(&k.pub, r->nat.pub, r->nat.family);
	k.priv_port = ntohs(r->nat.priv_port);
	k.remote_port = ntohs(r->nat.remote_port);
	k.pub_port = ntohs(r->nat.pub_port);
	k.proto = r->proto;
	hashes[0] = nat_flow_hash(&k);
	hashes[1] = vgw_nat_port_hash(&k.pub, k.pub_port, k.proto);
	if (!vgw_cluster_holds(c, hashes, 2))
		return false;
	expires = jiffies + min_t(unsigned long, ntohl(r->ttl), 432000) * HZ;
	spin_lock_bh(&t->lock);
	e = find_in_tuple(t, k.vnic, &k.priv, k.priv_port, &k.remote,
			  k.remote_port, k.proto, true);
	if (r->flags & VGW_STATE_FORGET) {
		/* Deleted at another member (NAT_DEL): so here. */
		if (e)
			map_remove(t, e);
		applied = true;
		goto out;
	}
	if (e) {
		/* As a tracking entry: the windows are learned again. */
		if (e->proto == IPPROTO_TCP)
			vgw_tcpwin_forget(&e->tcp);
		if (r->flags & 1)
			WRITE_ONCE(e->replied, true);
		if (r->state && !e->closing) {
			WRITE_ONCE(e->closing, true);
			WRITE_ONCE(e->expires, expires);
		} else if (time_after(expires, READ_ONCE(e->expires))) {
			WRITE_ONCE(e->expires, expires);
		}
		applied = true;
		goto out;
	}
	if (find_out(t, &k.pub, k.pub_port, &k.remote, k.remote_port, k.proto,
		     true))
		goto out;	/* the port maps another connection here */
	e = kmem_cache_zalloc(nat_cache, GFP_ATOMIC);
	if (!e)
		goto out;
	/*
	 * A new mapping counts against the same bounds as the ones made here
	 * (nat_charge()), the VNIC's included, as a copied tracking entry
	 * does (vgw_ct_apply()): records from members cannot fill a table
	 * that this host's own VNICs need.
	 */
	v = vgw_vnic_by_hash(vn, k.vnic);
	if (nat_charge(t, v ? v->rt : NULL, true)) {
		kmem_cache_free(nat_cache, e);
		goto out;
	}
	*e = k;
	e->rt = v ? v->rt : NULL;
	e->closing = r->state;
	e->replied = r->flags & 1;	/* not VGW_STATE_FORGET */
	e->expires = expires;
	e->synced = jiffies;
	if (map_insert(t, e))
		entry_drop(t, e);
	else
		applied = true;
out:
	spin_unlock_bh(&t->lock);
	return applied;
}

bool vgw_nat_holds_flow(struct vgw_net *vn, const struct vgw_cluster *c,
			u64 vnic, const struct vgw_flow_key *k)
{
	struct vgw_nat_table *t = vn->nat;
	struct vgw_ip a = { 0 }, b = { 0 };
	const struct vgw_nat_entry *e;
	bool ports = k->proto == IPPROTO_TCP || k->proto == IPPROTO_UDP;
	u32 hash;
	int i;

	a.family = b.family = k->family == VGW_FLOW_IPV4 ? AF_INET : AF_INET6;
	memcpy(a.b, k->saddr, a.family == AF_INET ? 4 : 16);
	memcpy(b.b, k->daddr, b.family == AF_INET ? 4 : 16);
	/* Either end of the canonical key may be the private one. */
	for (i = 0; i < 2; i++) {
		const struct vgw_ip *priv = i ? &b : &a, *remote = i ? &a : &b;
		u16 pport = ntohs(i ? k->dport : k->sport);
		u16 rport = ports ? ntohs(i ? k->sport : k->dport) : 0;

		e = find_in_tuple(t, vnic, priv, pport, remote, rport, k->proto,
				  false);
		if (!e)
			continue;
		hash = vgw_nat_port_hash(&e->pub, e->pub_port, e->proto);
		if (vgw_cluster_holds(c, &hash, 1))
			return true;
	}
	return false;
}

/* --- vnicctl nat: NAT_GET and NAT_DEL ------------------------------------------ */

#define NAT_REPLY_ONLY(name)						\
	[VNICGW_NAT_##name] = { .type = NLA_REJECT,			\
				.reject_message = "VNICGW_NAT_" #name " is reply-only" }

const struct nla_policy vgw_nat_policy[VNICGW_NAT_MAX + 1] = {
	[VNICGW_NAT_VNIC] = VGW_POLICY_ID,
	[VNICGW_NAT_PROTO] = { .type = NLA_U8 },
	[VNICGW_NAT_PUBLIC_IP] = VGW_POLICY_IP,
	[VNICGW_NAT_PUBLIC_PORT] = { .type = NLA_U16 },
	[VNICGW_NAT_REMOTE_IP] = VGW_POLICY_IP,
	[VNICGW_NAT_REMOTE_PORT] = { .type = NLA_U16 },
	NAT_REPLY_ONLY(PRIVATE_IP),
	NAT_REPLY_ONLY(PRIVATE_PORT),
	NAT_REPLY_ONLY(STATE),
	NAT_REPLY_ONLY(EXPIRES),
	NAT_REPLY_ONLY(OWNER),
	NAT_REPLY_ONLY(BACKUP),
	NAT_REPLY_ONLY(PORT_OWNER),
	NAT_REPLY_ONLY(PORT_BACKUP),
};

void vgw_nat_dump_enter(struct vgw_net *vn, struct vgw_rht_dump *d)
{
	vgw_rht_dump_enter(d, &vn->nat->in);
}

int vgw_nat_fill(struct sk_buff *skb, struct vgw_net *vn, void *obj, u64 vnic)
{
	const struct vgw_nat_entry *e = obj;
	long left = (long)(READ_ONCE(e->expires) - jiffies);
	const struct vgw_vnic *v;
	struct nlattr *nest;
	u8 state;

	if ((vnic && e->vnic != vnic) || left <= 0 || expired(e))
		return -ENOENT;
	state = READ_ONCE(e->closing) ? VNICGW_CT_STATE_CLOSING :
		READ_ONCE(e->replied) ? VNICGW_CT_STATE_ESTABLISHED :
		VNICGW_CT_STATE_NEW;
	/* A member's record of a VNIC this host does not know: no id. */
	v = vgw_vnic_by_hash(vn, e->vnic);
	nest = nla_nest_start(skb, VNICGW_A_NAT);
	if (!nest)
		return -EMSGSIZE;
	if ((v && nla_put_string(skb, VNICGW_NAT_VNIC, v->o.id)) ||
	    nla_put_u8(skb, VNICGW_NAT_PROTO, e->proto) ||
	    vgw_put_ip(skb, VNICGW_NAT_PRIVATE_IP, &e->priv) ||
	    nla_put_u16(skb, VNICGW_NAT_PRIVATE_PORT, e->priv_port) ||
	    vgw_put_ip(skb, VNICGW_NAT_PUBLIC_IP, &e->pub) ||
	    nla_put_u16(skb, VNICGW_NAT_PUBLIC_PORT, e->pub_port) ||
	    vgw_put_ip(skb, VNICGW_NAT_REMOTE_IP, &e->remote) ||
	    nla_put_u16(skb, VNICGW_NAT_REMOTE_PORT, e->remote_port) ||
	    nla_put_u8(skb, VNICGW_NAT_STATE, state) ||
	    nla_put_u32(skb, VNICGW_NAT_EXPIRES, DIV_ROUND_UP(left, HZ)) ||
	    vgw_cluster_put_roles(skb, vgw_cluster_get(vn), nat_flow_hash(e),
				  VNICGW_NAT_OWNER, VNICGW_NAT_BACKUP) ||
	    vgw_cluster_put_roles(skb, vgw_cluster_get(vn),
				  vgw_nat_port_hash(&e->pub, e->pub_port, e->proto),
				  VNICGW_NAT_PORT_OWNER, VNICGW_NAT_PORT_BACKUP)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

int vgw_nat_delete(struct vgw_net *vn, const struct nlattr *nest,
		   struct nlattr **tb,
		   struct netlink_ext_ack *extack)
{
	static const int need[] = { VNICGW_NAT_PROTO, VNICGW_NAT_PUBLIC_IP,
				    VNICGW_NAT_PUBLIC_PORT, VNICGW_NAT_REMOTE_IP,
				    VNICGW_NAT_REMOTE_PORT };
	struct vgw_nat_table *t = vn->nat;
	struct vgw_nat_entry *e;
	struct vgw_state_rec r;
	struct vgw_ip pub, remote;
	char id[VNICGW_ID_MAX];
	bool shares = false;
	u64 vnic = 0;
	u32 hashes[2];
	int err;

	err = vgw_nla_need(nest, tb, need, ARRAY_SIZE(need),
			   "nat: a mapping is named by its protocol, public address and port, remote address and port",
			   extack) ?:
	      vgw_nla_ip(tb[VNICGW_NAT_PUBLIC_IP], &pub, extack) ?:
	      vgw_nla_ip(tb[VNICGW_NAT_REMOTE_IP], &remote, extack);
	if (!err && tb[VNICGW_NAT_VNIC]) {
		err = vgw_nla_id(tb[VNICGW_NAT_VNIC], id, extack);
		vnic = vgw_obj_hash(VNICGW_OBJ_VNIC, id);
	}
	if (err)
		return err;
	if (pub.family != remote.family)
		return vgw_refuse(extack, tb[VNICGW_NAT_REMOTE_IP],
				  "nat: public and remote addresses are of different families");
	rcu_read_lock();
	spin_lock_bh(&t->lock);
	e = find_out(t, &pub, nla_get_u16(tb[VNICGW_NAT_PUBLIC_PORT]), &remote,
		     nla_get_u16(tb[VNICGW_NAT_REMOTE_PORT]),
		     nla_get_u8(tb[VNICGW_NAT_PROTO]), true);
	/* With a VNIC given, only that VNIC's mapping. */
	if (e && vnic && e->vnic != vnic)
		e = NULL;
	if (e) {
		/* The owners and backups of both hashes remove their copies. */
		shares = vgw_cluster_shares(vgw_cluster_get(vn));
		if (shares) {
			nat_record(e, &r, hashes);
			r.flags |= VGW_STATE_FORGET;
		}
		map_remove(t, e);
	}
	spin_unlock_bh(&t->lock);
	if (shares) {
		local_bh_disable();
		vgw_state_send(vn, &r, hashes, 2);
		local_bh_enable();
	}
	rcu_read_unlock();
	if (!e) {
		vgw_refuse(extack, NULL, "nat: no such mapping");
		return -ENOENT;
	}
	return 0;
}

unsigned int vgw_nat_entries(const struct vgw_net *vn)
{
	return atomic_read(&vn->nat->in.nelems);
}

unsigned int vgw_nat_buckets(const struct vgw_net *vn)
{
	return vgw_rht_buckets(&vn->nat->in);
}

static void entry_destroy(void *ptr, void *arg)
{
	entry_drop(arg, ptr);
}

int vgw_nat_net_init(struct vgw_net *vn)
{
	struct vgw_nat_table *t = kzalloc(sizeof(*t), GFP_KERNEL_ACCOUNT);
	int err;

	if (!t)
		return -ENOMEM;
	err = rhashtable_init(&t->in, &in_params);
	if (!err) {
		err = rhashtable_init(&t->out, &out_params);
		if (err)
			rhashtable_destroy(&t->in);
	}
	if (err) {
		kfree(t);
		return err;
	}
	spin_lock_init(&t->lock);
	t->vn = vn;
	INIT_DELAYED_WORK(&t->gc, gc_work);
	queue_delayed_work(system_power_efficient_wq, &t->gc, NAT_GC_PERIOD);
	vn->nat = t;
	return 0;
}

/* As conntrack's: the collector stops before the cluster goes. */
void vgw_nat_net_stop(struct vgw_net *vn)
{
	struct vgw_nat_table *t = vn->nat;

	cancel_delayed_work_sync(&t->gc);
	vgw_rht_sweep_exit(&t->sweep);
}

void vgw_nat_net_exit(struct vgw_net *vn)
{
	struct vgw_nat_table *t = vn->nat;

	vgw_nat_net_stop(vn);
	/* No packet or worker can reach the tables any more; frees by RCU. */
	rhashtable_free_and_destroy(&t->out, NULL, NULL);
	rhashtable_free_and_destroy(&t->in, entry_destroy, t);
	kfree(t);
	vn->nat = NULL;
}

int __init vgw_nat_init(void)
{
	nat_cache = KMEM_CACHE(vgw_nat_entry, 0);
	return nat_cache ? 0 : -ENOMEM;
}

void vgw_nat_exit(void)
{
	rcu_barrier();
	kmem_cache_destroy(nat_cache);
}
