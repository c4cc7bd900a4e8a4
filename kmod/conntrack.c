// SPDX-License-Identifier: GPL-2.0
/*
 * Connection tracking; see conntrack.h for the contract.
 *
 * Timeouts (seconds), as Linux's conntrack has them by default, shortened
 * where a cloud gateway has no reason to remember long:
 *   TCP opening (no reply yet) 120, established 432000 (5 days), closing
 *   (FIN or RST seen) 10; UDP unreplied 30, replied 180; ICMP and others 30.
 */
#include <linux/jhash.h>
#include <linux/slab.h>
#include <net/tcp.h>

#include "cluster.h"
#include "conntrack.h"
#include "datapath.h"
#include "snap.h"

#define CT_BUCKETS_LOG	16
#define CT_BUCKETS	(1U << CT_BUCKETS_LOG)
#define CT_LOCKS	1024		/* striped: bucket & (CT_LOCKS - 1) */
#define CT_GC_PERIOD	HZ
/* A connection that saw traffic goes to its backup again after this long. */
#define CT_SYNC_PERIOD	(30 * HZ)

enum ct_state { CT_NEW, CT_ESTABLISHED, CT_CLOSING };

struct vgw_ct_entry {
	struct hlist_node node;		/* in its bucket, under the lock */
	struct vgw_flow_key flow;	/* canonical endpoint order */
	u64 vnic;			/* the VNIC's id hash */
	struct vgw_vnic_rt *rt;		/* holds a reference */
	unsigned long expires;		/* jiffies; written by any CPU */
	unsigned long synced;		/* jiffies: last sent to the backup */
	u8 opened_reversed;		/* the opening packet went daddr→saddr */
	u8 state;			/* enum ct_state */
	struct rcu_head rcu;
};

struct vgw_ct_table {
	struct hlist_head *buckets;
	spinlock_t locks[CT_LOCKS];	/* bucket b: locks[b % CT_LOCKS] */
	atomic_t entries;
	struct vgw_net *vn;
	struct delayed_work gc;
};

static struct kmem_cache *ct_cache;

static u32 bucket_of(const struct vgw_flow_key *k, u64 vnic)
{
	return jhash2((const u32 *)k, sizeof(*k) / 4, (u32)vnic ^ (u32)(vnic >> 32)) &
	       (CT_BUCKETS - 1);
}

static unsigned long timeout(const struct vgw_ct_entry *e, u8 proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return e->state == CT_ESTABLISHED ? 432000 * HZ :
		       e->state == CT_CLOSING ? 10 * HZ : 120 * HZ;
	case IPPROTO_UDP:
		return e->state == CT_ESTABLISHED ? 180 * HZ : 30 * HZ;
	default:
		return 30 * HZ;
	}
}

/* The packet's canonical key; *@reversed tells its direction. */
static void key_of(const struct vgw_pkt *p, struct vgw_flow_key *k,
		   bool *reversed)
{
	if (p->src.family == AF_INET)
		vgw_flow_key_init_ipv4(k, p->src.v4, p->dst.v4, p->l4proto);
	else
		vgw_flow_key_init_ipv6(k, p->src.v6.s6_addr32,
				       p->dst.v6.s6_addr32, p->l4proto);
	vgw_flow_key_set_ports(k, htons(p->sport), htons(p->dport));
	*reversed = vgw_flow_key_reversed(k);
	if (*reversed)
		vgw_flow_key_reverse(k);
}

static struct vgw_ct_entry *find(struct vgw_ct_table *t,
				 const struct vgw_flow_key *k, u64 vnic, u32 b)
{
	struct vgw_ct_entry *e;

	hlist_for_each_entry_rcu(e, &t->buckets[b], node)
		if (e->vnic == vnic && !memcmp(&e->flow, k, sizeof(*k)))
			return e;
	return NULL;
}

/* --- the cluster: entries at the backup (cluster.h) ----------------------- */

static void ct_record(const struct vgw_ct_entry *e, struct vgw_state_rec *r)
{
	long left = (long)(READ_ONCE(e->expires) - jiffies);

	memset(r, 0, sizeof(*r));
	r->kind = VGW_STATE_CT;
	r->proto = e->flow.proto;
	r->state = READ_ONCE(e->state);
	r->flags = e->opened_reversed;
	r->ttl = htonl(left > 0 ? left / HZ + 1 : 0);
	put_unaligned_be64(e->vnic, r->vnic);
	r->flow = e->flow;
}

/* Send @e to its flow's owner and backup (those that are not this host). */
static void ct_sync(struct vgw_net *vn, struct vgw_ct_entry *e)
{
	const struct vgw_cluster *c = vgw_cluster_get(vn);
	struct vgw_state_rec r;
	u32 hash;

	if (!vgw_cluster_shares(c))
		return;
	ct_record(e, &r);
	hash = vgw_flow_hash(&e->flow);
	vgw_state_send(vn, &r, &hash, 1);
	WRITE_ONCE(e->synced, jiffies);
}

/* A packet of a tracked connection: the state moves on, the timer restarts. */
static void see(struct vgw_ct_entry *e, const struct vgw_pkt *p, bool reversed)
{
	u8 state = READ_ONCE(e->state);
	bool changed;

	if (p->l4proto == IPPROTO_TCP && (p->tcp_flags & (TCPHDR_FIN | TCPHDR_RST)))
		state = CT_CLOSING;
	else if (state == CT_NEW && reversed != e->opened_reversed)
		state = CT_ESTABLISHED;	/* the first reply */
	changed = state != e->state;
	if (changed)
		WRITE_ONCE(e->state, state);
	WRITE_ONCE(e->expires, jiffies + timeout(e, p->l4proto));
	/* The backup learns of every change of state. */
	if (changed && !hlist_unhashed(&e->node))
		ct_sync(p->vn, e);
}

bool vgw_ct_pass(struct vgw_pkt *p, const struct vgw_vnic *v)
{
	struct vgw_ct_table *t = p->vn->ct;
	struct vgw_ct_entry *e;
	struct vgw_flow_key k;
	bool reversed;

	key_of(p, &k, &reversed);
	e = find(t, &k, v->o.hash, bucket_of(&k, v->o.hash));
	if (!e || time_after(jiffies, READ_ONCE(e->expires)))
		return false;
	see(e, p, reversed);
	return true;
}

int vgw_ct_open(struct vgw_pkt *p, const struct vgw_vnic *v, bool egress)
{
	struct vgw_ct_table *t = p->vn->ct;
	struct vgw_ct_entry *e, *other;
	struct vgw_flow_key k;
	bool reversed;
	spinlock_t *lock;
	u32 b;

	if (atomic_inc_return(&v->rt->ct_count) > v->ct_limit) {
		atomic_dec(&v->rt->ct_count);
		return -ENOSPC;
	}
	e = kmem_cache_alloc(ct_cache, GFP_ATOMIC);
	if (!e) {
		atomic_dec(&v->rt->ct_count);
		return -ENOMEM;
	}
	key_of(p, &k, &reversed);
	e->flow = k;
	e->vnic = v->o.hash;
	e->rt = v->rt;
	refcount_inc(&v->rt->ref);
	e->opened_reversed = reversed;
	e->state = CT_NEW;
	e->node.pprev = NULL;		/* not in the table yet */
	e->synced = jiffies;
	see(e, p, reversed);
	b = bucket_of(&k, e->vnic);
	lock = &t->locks[b & (CT_LOCKS - 1)];
	spin_lock_bh(lock);
	/* Another CPU may have opened it meanwhile: keep theirs. */
	other = find(t, &k, e->vnic, b);
	if (!other) {
		hlist_add_head_rcu(&e->node, &t->buckets[b]);
		atomic_inc(&t->entries);
	}
	spin_unlock_bh(lock);
	if (other) {
		atomic_dec(&v->rt->ct_count);
		vgw_vnic_rt_put(e->rt);
		kmem_cache_free(ct_cache, e);
		return 0;
	}
	ct_sync(p->vn, e);
	return 0;
}

static void entry_free_rcu(struct rcu_head *rcu)
{
	struct vgw_ct_entry *e = container_of(rcu, struct vgw_ct_entry, rcu);

	vgw_vnic_rt_put(e->rt);
	kmem_cache_free(ct_cache, e);
}

/* Under the bucket's lock. */
static void entry_remove(struct vgw_ct_table *t, struct vgw_ct_entry *e)
{
	hlist_del_rcu(&e->node);
	atomic_dec(&t->entries);
	atomic_dec(&e->rt->ct_count);
	call_rcu(&e->rcu, entry_free_rcu);
}

/*
 * An entry this host owns that saw traffic since it was last sent goes to
 * its backup again every CT_SYNC_PERIOD, so the backup's copy does not time
 * out under a live connection.
 */
static void refresh(struct vgw_ct_table *t, struct vgw_ct_entry *e)
{
	unsigned long seen = READ_ONCE(e->expires) - timeout(e, e->flow.proto);
	const struct vgw_cluster *c = vgw_cluster_get(t->vn);

	if (!vgw_cluster_shares(c) ||
	    !time_after(jiffies, e->synced + CT_SYNC_PERIOD) ||
	    !time_after(seen, e->synced) ||
	    vgw_cluster_owner(c, vgw_flow_hash(&e->flow)))
		return;
	ct_sync(t->vn, e);
}

/* Expired entries, and those of VNICs that are gone (@all: every entry). */
static void sweep(struct vgw_ct_table *t, bool all)
{
	struct vgw_ct_entry *e;
	struct hlist_node *tmp;
	u32 b;

	for (b = 0; b < CT_BUCKETS; b++) {
		spinlock_t *lock = &t->locks[b & (CT_LOCKS - 1)];

		if (hlist_empty(&t->buckets[b]))
			continue;
		spin_lock_bh(lock);
		rcu_read_lock();
		hlist_for_each_entry_safe(e, tmp, &t->buckets[b], node) {
			if (all || READ_ONCE(e->rt->dead) ||
			    time_after(jiffies, READ_ONCE(e->expires)))
				entry_remove(t, e);
			else
				refresh(t, e);
		}
		rcu_read_unlock();
		spin_unlock_bh(lock);
		if (!(b & 1023))
			cond_resched();
	}
}

static void gc_work(struct work_struct *work)
{
	struct vgw_ct_table *t = container_of(to_delayed_work(work),
					      struct vgw_ct_table, gc);

	sweep(t, false);
	queue_delayed_work(system_power_efficient_wq, &t->gc, CT_GC_PERIOD);
}

int vgw_ct_net_init(struct vgw_net *vn)
{
	struct vgw_ct_table *t;
	unsigned int i;

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	t->buckets = kvcalloc(CT_BUCKETS, sizeof(*t->buckets), GFP_KERNEL);
	if (!t->buckets) {
		kfree(t);
		return -ENOMEM;
	}
	for (i = 0; i < CT_LOCKS; i++)
		spin_lock_init(&t->locks[i]);
	t->vn = vn;
	INIT_DELAYED_WORK(&t->gc, gc_work);
	queue_delayed_work(system_power_efficient_wq, &t->gc, CT_GC_PERIOD);
	vn->ct = t;
	return 0;
}

/* No packet can reach the table any more: empty it and wait for the frees. */
void vgw_ct_net_exit(struct vgw_net *vn)
{
	struct vgw_ct_table *t = vn->ct;

	cancel_delayed_work_sync(&t->gc);
	/* Entries go through RCU; they do not refer to the table. */
	sweep(t, true);
	kvfree(t->buckets);
	kfree(t);
	vn->ct = NULL;
}

/* After a table change: every live entry to its owner and backup. */
void vgw_ct_resync(struct vgw_net *vn, struct vgw_state_batch *b)
{
	struct vgw_ct_table *t = vn->ct;
	struct vgw_state_rec r;
	struct vgw_ct_entry *e;
	u32 i, hash;

	for (i = 0; i < CT_BUCKETS; i++) {
		if (hlist_empty(&t->buckets[i]))
			continue;
		local_bh_disable();
		rcu_read_lock();
		hlist_for_each_entry_rcu(e, &t->buckets[i], node) {
			if (time_after(jiffies, READ_ONCE(e->expires)))
				continue;
			ct_record(e, &r);
			hash = vgw_flow_hash(&e->flow);
			vgw_state_add(b, &r, &hash, 1);
		}
		rcu_read_unlock();
		local_bh_enable();
		if (!(i & 1023))
			cond_resched();
	}
}

bool vgw_ct_record_of(struct vgw_net *vn, u64 vnic, const struct vgw_flow_key *k,
		      struct vgw_state_rec *r)
{
	struct vgw_ct_table *t = vn->ct;
	struct vgw_ct_entry *e = find(t, k, vnic, bucket_of(k, vnic));

	if (!e || time_after(jiffies, READ_ONCE(e->expires)))
		return false;
	ct_record(e, r);
	return true;
}

static bool vnic_hash_eq(const void *val, const void *key)
{
	return ((const struct vgw_obj *)val)->hash == *(const u64 *)key;
}

/* The VNIC whose id hashes to @hash, in the published snapshot. */
static const struct vgw_vnic *vnic_by_hash(const struct vgw_net *vn, u64 hash)
{
	const struct vgw_snap *s = rcu_dereference(vn->snap);

	return vgw_pmap_lookup(&s->by_id[VNICGW_OBJ_VNIC], hash, vnic_hash_eq,
			       &hash);
}

static const unsigned long ct_max_ttl = 432000;

/* A record from the owner: create or refresh; the furthest state wins. */
void vgw_ct_apply(struct vgw_net *vn, const struct vgw_state_rec *r)
{
	struct vgw_ct_table *t = vn->ct;
	const struct vgw_vnic *v;
	struct vgw_ct_entry *e;
	struct vgw_flow_key k = r->flow;
	unsigned long expires;
	spinlock_t *lock;
	u32 b;

	v = vnic_by_hash(vn, get_unaligned_be64(r->vnic));
	if (!v || (k.family != VGW_FLOW_IPV4 && k.family != VGW_FLOW_IPV6) ||
	    k.pad[0] || k.pad[1] || vgw_flow_key_reversed(&k) ||
	    r->state > CT_CLOSING || !r->ttl)
		return;
	expires = jiffies + min_t(unsigned long, ntohl(r->ttl), ct_max_ttl) * HZ;
	b = bucket_of(&k, v->o.hash);
	lock = &t->locks[b & (CT_LOCKS - 1)];
	spin_lock_bh(lock);
	e = find(t, &k, v->o.hash, b);
	if (e) {
		if (r->state > e->state) {
			WRITE_ONCE(e->state, r->state);
			WRITE_ONCE(e->expires, expires);
		} else if (r->state == e->state &&
			   time_after(expires, READ_ONCE(e->expires))) {
			WRITE_ONCE(e->expires, expires);
		}
		spin_unlock_bh(lock);
		return;
	}
	/*
	 * No limit here: the owner admitted the connection; refusing its
	 * copy would only lose it in a failover. It counts towards the
	 * VNIC's entries on this host, which bound what this host opens.
	 */
	atomic_inc(&v->rt->ct_count);
	e = kmem_cache_alloc(ct_cache, GFP_ATOMIC);
	if (!e)
		goto full;
	e->flow = k;
	e->vnic = v->o.hash;
	e->rt = v->rt;
	refcount_inc(&v->rt->ref);
	e->opened_reversed = r->flags & 1;
	e->state = r->state;
	e->expires = expires;
	e->synced = jiffies;
	hlist_add_head_rcu(&e->node, &t->buckets[b]);
	atomic_inc(&t->entries);
	spin_unlock_bh(lock);
	return;
full:
	atomic_dec(&v->rt->ct_count);
	spin_unlock_bh(lock);
}

unsigned int vgw_ct_entries(const struct vgw_net *vn)
{
	return atomic_read(&vn->ct->entries);
}

int __init vgw_ct_init(void)
{
	ct_cache = KMEM_CACHE(vgw_ct_entry, 0);
	return ct_cache ? 0 : -ENOMEM;
}

/* After every namespace is gone. */
void vgw_ct_exit(void)
{
	rcu_barrier();		/* the last entries' frees */
	kmem_cache_destroy(ct_cache);
}
