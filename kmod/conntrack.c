// SPDX-License-Identifier: GPL-2.0
/*
 * Connection tracking; see conntrack.h for the contract.
 *
 * Timeouts (seconds), as Linux's conntrack has them by default, shortened
 * where a cloud gateway has no reason to remember long:
 *   TCP opening (no reply yet) 120, established 432000 (5 days), closing
 *   (FIN or RST seen) 10; UDP unreplied 30, replied 180; ICMP and others 30.
 * Each is a module parameter (/sys/module/vnicgw/parameters/ct_*_timeout,
 * 1..432000), as nf_conntrack's sysctls are; a change applies from the
 * next packet of each connection. The NAT gateway's mappings live as long
 * as their connection would here (vgw_ct_idle_timeout()).
 *
 * TCP: a FIN or RST closes an entry only when its sequence number is where
 * the connection is (tcpwin.h); an out-of-window segment passes, as any
 * packet of the connection does, restarts the timer and changes nothing
 * else.
 */
#include <linux/moduleparam.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <net/tcp.h>

#include "cluster.h"
#include "conntrack.h"
#include "datapath.h"
#include "rhtwalk.h"
#include "snap.h"
#include "tcpwin.h"

#define CT_GC_PERIOD	HZ
/*
 * Each run of the collector visits at least CT_GC_MIN entries and at least
 * 1/CT_GC_SLICES of the table: a pass takes a second up to 64k entries and
 * at most 32 s above two million, and no run is long. An expired entry is
 * never used; until the collector reaches it, it still counts towards its
 * VNIC's conntrack_limit.
 */
#define CT_GC_MIN	65536
#define CT_GC_SLICES	32
/* A connection that saw traffic goes to its backup again after this long. */
#define CT_SYNC_PERIOD	(30 * HZ)

enum ct_state {
	CT_NEW = VNICGW_CT_STATE_NEW,
	CT_ESTABLISHED = VNICGW_CT_STATE_ESTABLISHED,
	CT_CLOSING = VNICGW_CT_STATE_CLOSING,
};

/* What an entry is found by. */
struct vgw_ct_key {
	struct vgw_flow_key flow;	/* canonical endpoint order */
	u64 vnic;			/* the VNIC's id hash */
};

struct vgw_ct_entry {
	struct rhash_head node;
	struct vgw_ct_key key;
	/*
	 * The VNIC's runtime state, holds a reference. A VNIC deleted and
	 * made again under the same id has a new one: its predecessor's
	 * entries are not its own.
	 */
	struct vgw_vnic_rt *rt;
	unsigned long expires;		/* jiffies; written by any CPU */
	unsigned long synced;		/* jiffies: last sent to the backup */
	u8 opened_reversed;		/* the opening packet went daddr→saddr */
	u8 state;			/* enum ct_state */
	/* Seen here: [0] the opening direction, [1] the replies. */
	atomic64_t packets[2], bytes[2];
	struct rcu_head rcu;
	/*
	 * TCP only (the entry comes from ct_tcp_cache), one: the windows,
	 * per direction as the key has it (0) or reversed (1).
	 */
	struct vgw_tcpwin tcp[];
};

/*
 * The table grows and shrinks with its entries (rhashtable: resized by a
 * worker at 75 % and 30 % load; lookups under RCU see either table).
 */
struct vgw_ct_table {
	struct rhashtable ht;
	struct vgw_net *vn;
	struct delayed_work gc;
	struct vgw_rht_sweep sweep;	/* where the collector goes on */
};

static const struct rhashtable_params ct_params = {
	.head_offset = offsetof(struct vgw_ct_entry, node),
	.key_offset = offsetof(struct vgw_ct_entry, key),
	.key_len = sizeof(struct vgw_ct_key),
	.min_size = 1024,
	.max_size = 1U << 24,	/* buckets: up to 2^25 entries */
	.automatic_shrinking = true,
};

/* TCP entries carry their windows: 16 bytes more than the others. */
static struct kmem_cache *ct_cache, *ct_tcp_cache;

static struct kmem_cache *cache_of(u8 proto)
{
	return proto == IPPROTO_TCP ? ct_tcp_cache : ct_cache;
}

#define CT_TIMEOUT_MAX	432000U		/* s: the longest a timeout may be */

static int set_timeout(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, CT_TIMEOUT_MAX);
}

static const struct kernel_param_ops timeout_ops = {
	.set = set_timeout,
	.get = param_get_uint,
};

static unsigned int ct_tcp_syn_timeout = 120;
static unsigned int ct_tcp_established_timeout = CT_TIMEOUT_MAX;
static unsigned int ct_tcp_close_timeout = 10;
static unsigned int ct_udp_timeout = 30;
static unsigned int ct_udp_stream_timeout = 180;
static unsigned int ct_other_timeout = 30;
module_param_cb(ct_tcp_syn_timeout, &timeout_ops, &ct_tcp_syn_timeout, 0644);
MODULE_PARM_DESC(ct_tcp_syn_timeout, "s: a TCP connection not yet answered");
module_param_cb(ct_tcp_established_timeout, &timeout_ops,
		&ct_tcp_established_timeout, 0644);
MODULE_PARM_DESC(ct_tcp_established_timeout, "s: an answered TCP connection");
module_param_cb(ct_tcp_close_timeout, &timeout_ops, &ct_tcp_close_timeout, 0644);
MODULE_PARM_DESC(ct_tcp_close_timeout, "s: a TCP connection after FIN or RST");
module_param_cb(ct_udp_timeout, &timeout_ops, &ct_udp_timeout, 0644);
MODULE_PARM_DESC(ct_udp_timeout, "s: a UDP flow not yet answered");
module_param_cb(ct_udp_stream_timeout, &timeout_ops, &ct_udp_stream_timeout, 0644);
MODULE_PARM_DESC(ct_udp_stream_timeout, "s: an answered UDP flow");
module_param_cb(ct_other_timeout, &timeout_ops, &ct_other_timeout, 0644);
MODULE_PARM_DESC(ct_other_timeout, "s: ICMP and other protocols");

static unsigned long timeout(const struct vgw_ct_entry *e, u8 proto)
{
	u8 state = READ_ONCE(e->state);

	return vgw_ct_idle_timeout(proto, state == CT_ESTABLISHED,
				   state == CT_CLOSING);
}

/*
 * Unanswered (CT_NEW: no reply seen), answered (CT_ESTABLISHED) or closing
 * (CT_CLOSING): the tracker's own entries and the NAT gateway's mappings.
 */
unsigned long vgw_ct_idle_timeout(u8 proto, bool replied, bool closing)
{
	unsigned int s;

	switch (proto) {
	case IPPROTO_TCP:
		s = closing ? READ_ONCE(ct_tcp_close_timeout) :
		    replied ? READ_ONCE(ct_tcp_established_timeout) :
		    READ_ONCE(ct_tcp_syn_timeout);
		break;
	case IPPROTO_UDP:
		s = replied ? READ_ONCE(ct_udp_stream_timeout) :
		    READ_ONCE(ct_udp_timeout);
		break;
	default:
		s = READ_ONCE(ct_other_timeout);
	}
	return s * HZ;
}

/* The packet's canonical key; *@reversed tells its direction. */
static void key_of(const struct vgw_pkt *p, u64 vnic, struct vgw_ct_key *ck,
		   bool *reversed)
{
	struct vgw_flow_key *k = &ck->flow;

	if (p->src.family == AF_INET)
		vgw_flow_key_init_ipv4(k, p->src.v4, p->dst.v4, p->l4proto);
	else
		vgw_flow_key_init_ipv6(k, p->src.v6.s6_addr32,
				       p->dst.v6.s6_addr32, p->l4proto);
	vgw_flow_key_set_ports(k, htons(p->sport), htons(p->dport));
	*reversed = vgw_flow_key_reversed(k);
	if (*reversed)
		vgw_flow_key_reverse(k);
	ck->vnic = vnic;
}

static struct vgw_ct_entry *find(struct vgw_ct_table *t,
				 const struct vgw_ct_key *k)
{
	return rhashtable_lookup(&t->ht, k, ct_params);
}

static bool expired(const struct vgw_ct_entry *e)
{
	return time_after(jiffies, READ_ONCE(e->expires));
}

/* @e stands for a connection of the VNIC whose runtime state is @rt. */
static bool live(const struct vgw_ct_entry *e, const struct vgw_vnic_rt *rt)
{
	return e->rt == rt && !expired(e);
}

static void entry_free_rcu(struct rcu_head *rcu)
{
	struct vgw_ct_entry *e = container_of(rcu, struct vgw_ct_entry, rcu);

	vgw_vnic_rt_put(e->rt);
	kmem_cache_free(cache_of(e->key.flow.proto), e);
}

static void entry_release(struct vgw_ct_entry *e)
{
	atomic_dec(&e->rt->ct_count);
	call_rcu(&e->rcu, entry_free_rcu);
}

/* Out of the table; whoever takes it out releases it (exactly once). */
static void entry_remove(struct vgw_ct_table *t, struct vgw_ct_entry *e)
{
	if (!rhashtable_remove_fast(&t->ht, &e->node, ct_params))
		entry_release(e);
}

/* --- the cluster: entries at the backup (cluster.h) ----------------------- */

static void ct_record(const struct vgw_ct_entry *e, struct vgw_state_rec *r)
{
	long left = (long)(READ_ONCE(e->expires) - jiffies);

	memset(r, 0, sizeof(*r));
	r->kind = VGW_STATE_CT;
	r->proto = e->key.flow.proto;
	r->state = READ_ONCE(e->state);
	r->flags = e->opened_reversed;
	r->ttl = htonl(left > 0 ? left / HZ + 1 : 0);
	put_unaligned_be64(e->key.vnic, r->vnic);
	r->flow = e->key.flow;
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
	hash = vgw_flow_hash(&e->key.flow);
	vgw_state_send(vn, &r, &hash, 1);
	WRITE_ONCE(e->synced, jiffies);
}

/*
 * A packet of a tracked connection: the state moves on (TCP: only with a
 * segment in window), the timer restarts. True if the state changed (the
 * backup is to learn of it).
 */
static bool see(struct vgw_ct_entry *e, const struct vgw_pkt *p, bool reversed)
{
	u8 state = READ_ONCE(e->state);
	bool changed;

	if (p->l4proto == IPPROTO_TCP &&
	    !vgw_tcpwin_check(e->tcp, p, reversed, state == CT_NEW))
		;	/* out of window: passes, moves nothing */
	else if (p->l4proto == IPPROTO_TCP &&
		 (p->tcp_flags & (TCPHDR_FIN | TCPHDR_RST)))
		state = CT_CLOSING;
	else if (state == CT_NEW && reversed != e->opened_reversed)
		state = CT_ESTABLISHED;	/* the first reply */
	changed = state != e->state;
	if (changed)
		WRITE_ONCE(e->state, state);
	WRITE_ONCE(e->expires, jiffies + timeout(e, p->l4proto));
	atomic64_inc(&e->packets[reversed != e->opened_reversed]);
	atomic64_add(p->skb->len, &e->bytes[reversed != e->opened_reversed]);
	return changed;
}

bool vgw_ct_pass(struct vgw_pkt *p, const struct vgw_vnic *v)
{
	struct vgw_ct_table *t = p->vn->ct;
	struct vgw_ct_entry *e;
	struct vgw_ct_key k;
	bool reversed;

	key_of(p, v->o.hash, &k, &reversed);
	e = find(t, &k);
	if (!e || !live(e, v->rt))
		return false;
	if (unlikely(p->ex)) {
		/* A trace: what the entry says, untouched. */
		long left = READ_ONCE(e->expires) - jiffies;

		p->ex->ct_state = READ_ONCE(e->state);
		p->ex->ct_expires = left > 0 ? DIV_ROUND_UP(left, HZ) : 0;
		return true;
	}
	/* The backup learns of every change of state. */
	if (see(e, p, reversed))
		ct_sync(p->vn, e);
	return true;
}

/*
 * A new entry of @v for a connection of @proto, counted towards its entries
 * on this host (@bounded: refused with -ENOSPC beyond its conntrack_limit);
 * the caller fills in the key (of @proto) and state.
 */
static struct vgw_ct_entry *entry_new(const struct vgw_vnic *v, bool bounded,
				      u8 proto)
{
	struct vgw_ct_entry *e;

	if (atomic_inc_return(&v->rt->ct_count) > v->ct_limit && bounded) {
		atomic_dec(&v->rt->ct_count);
		return ERR_PTR(-ENOSPC);
	}
	e = kmem_cache_alloc(cache_of(proto), GFP_ATOMIC);
	if (!e) {
		atomic_dec(&v->rt->ct_count);
		return ERR_PTR(-ENOMEM);
	}
	e->rt = v->rt;
	refcount_inc(&v->rt->ref);
	e->synced = jiffies;
	atomic64_set(&e->packets[0], 0);
	atomic64_set(&e->packets[1], 0);
	atomic64_set(&e->bytes[0], 0);
	atomic64_set(&e->bytes[1], 0);
	if (proto == IPPROTO_TCP)
		memset(e->tcp, 0, sizeof(e->tcp[0]));	/* no window known */
	return e;
}

/* An entry from entry_new() that never made it into the table. */
static void entry_drop(struct vgw_ct_entry *e)
{
	atomic_dec(&e->rt->ct_count);
	vgw_vnic_rt_put(e->rt);
	kmem_cache_free(cache_of(e->key.flow.proto), e);
}

/*
 * @e into the table: NULL when it is in, else the live entry of the same
 * key that another CPU (or record) put there first, or an ERR_PTR. An
 * expired entry, or a deleted namesake VNIC's, is replaced.
 */
static struct vgw_ct_entry *entry_insert(struct vgw_ct_table *t,
					 struct vgw_ct_entry *e)
{
	struct vgw_ct_entry *other;

	for (;;) {
		other = rhashtable_lookup_get_insert_fast(&t->ht, &e->node,
							  ct_params);
		if (!other || IS_ERR(other) || live(other, e->rt))
			return other;
		entry_remove(t, other);
	}
}

int vgw_ct_open(struct vgw_pkt *p, const struct vgw_vnic *v, bool egress)
{
	struct vgw_ct_entry *e, *other;
	bool reversed;

	/* A trace opens nothing; it says whether the table has room. */
	if (unlikely(p->ex))
		return atomic_read(&v->rt->ct_count) >= v->ct_limit ?
		       -ENOSPC : 0;
	e = entry_new(v, true, p->l4proto);
	if (IS_ERR(e))
		return PTR_ERR(e);
	key_of(p, v->o.hash, &e->key, &reversed);
	e->opened_reversed = reversed;
	e->state = CT_NEW;
	see(e, p, reversed);
	other = entry_insert(p->vn->ct, e);
	if (!other) {
		ct_sync(p->vn, e);
		return 0;
	}
	/* Another CPU opened it meanwhile: theirs it is. */
	if (!IS_ERR(other) && see(other, p, reversed))
		ct_sync(p->vn, other);
	entry_drop(e);
	return PTR_ERR_OR_ZERO(other);
}

/*
 * An entry this host owns that saw traffic since it was last sent goes to
 * its backup again every CT_SYNC_PERIOD, so the backup's copy does not time
 * out under a live connection.
 */
static void refresh(struct vgw_ct_table *t, struct vgw_ct_entry *e)
{
	unsigned long seen = READ_ONCE(e->expires) - timeout(e, e->key.flow.proto);
	const struct vgw_cluster *c = vgw_cluster_get(t->vn);

	if (!vgw_cluster_shares(c) ||
	    !time_after(jiffies, e->synced + CT_SYNC_PERIOD) ||
	    !time_after(seen, e->synced) ||
	    vgw_cluster_owner(c, vgw_flow_hash(&e->key.flow)))
		return;
	ct_sync(t->vn, e);
}

/*
 * The collector visits @e: expired entries and those of deleted VNICs go,
 * live ones owned here go to their backup again when due.
 */
static void gc_visit(void *obj, void *arg)
{
	struct vgw_ct_entry *e = obj;
	struct vgw_ct_table *t = arg;

	local_bh_disable();
	if (READ_ONCE(e->rt->dead) || expired(e))
		entry_remove(t, e);
	else
		refresh(t, e);
	local_bh_enable();
}

static void gc_work(struct work_struct *work)
{
	struct vgw_ct_table *t = container_of(to_delayed_work(work),
					      struct vgw_ct_table, gc);

	vgw_rht_sweep(&t->sweep, &t->ht, CT_GC_MIN, CT_GC_SLICES, gc_visit, t);
	queue_delayed_work(system_power_efficient_wq, &t->gc, CT_GC_PERIOD);
}

int vgw_ct_net_init(struct vgw_net *vn)
{
	struct vgw_ct_table *t;
	int err;

	t = kzalloc(sizeof(*t), GFP_KERNEL_ACCOUNT);
	if (!t)
		return -ENOMEM;
	err = rhashtable_init(&t->ht, &ct_params);
	if (err) {
		kfree(t);
		return err;
	}
	t->vn = vn;
	INIT_DELAYED_WORK(&t->gc, gc_work);
	queue_delayed_work(system_power_efficient_wq, &t->gc, CT_GC_PERIOD);
	vn->ct = t;
	return 0;
}

static void entry_destroy(void *ptr, void *arg)
{
	entry_release(ptr);
}

/*
 * The collector stops, and does not queue itself again (cancel waits for a
 * run under way: it may be reading the cluster, which goes next).
 */
void vgw_ct_net_stop(struct vgw_net *vn)
{
	struct vgw_ct_table *t = vn->ct;

	cancel_delayed_work_sync(&t->gc);
	vgw_rht_sweep_exit(&t->sweep);
}

/* No packet and no worker can reach the table any more: empty it. */
void vgw_ct_net_exit(struct vgw_net *vn)
{
	struct vgw_ct_table *t = vn->ct;

	vgw_ct_net_stop(vn);
	/* Entries do not refer to the table. */
	rhashtable_free_and_destroy(&t->ht, entry_destroy, NULL);
	kfree(t);
	vn->ct = NULL;
}

static void resync_visit(void *obj, void *arg)
{
	struct vgw_ct_entry *e = obj;
	struct vgw_state_rec r;
	u32 hash;

	if (expired(e) || READ_ONCE(e->rt->dead))
		return;
	ct_record(e, &r);
	hash = vgw_flow_hash(&e->key.flow);
	local_bh_disable();
	vgw_state_add(arg, &r, &hash, 1);
	local_bh_enable();
}

/* After a table change: every live entry to its owner and backup. */
void vgw_ct_resync(struct vgw_net *vn, struct vgw_state_batch *b)
{
	vgw_rht_walk_all(&vn->ct->ht, resync_visit, b);
}

bool vgw_ct_record_of(struct vgw_net *vn, u64 vnic, const struct vgw_flow_key *k,
		      struct vgw_state_rec *r)
{
	struct vgw_ct_key ck = { .flow = *k, .vnic = vnic };
	struct vgw_ct_entry *e = find(vn->ct, &ck);

	if (!e || expired(e))
		return false;
	ct_record(e, r);
	return true;
}

static bool vnic_hash_eq(const void *val, const void *key)
{
	return ((const struct vgw_obj *)val)->hash == *(const u64 *)key;
}

/* The VNIC whose id hashes to @hash, in the published snapshot. */
const struct vgw_vnic *vgw_vnic_by_hash(const struct vgw_net *vn, u64 hash)
{
	const struct vgw_snap *s = rcu_dereference(vn->snap);

	return vgw_pmap_lookup(&s->by_id[VNICGW_OBJ_VNIC], hash, vnic_hash_eq,
			       &hash);
}


/*
 * A record for @e from another member: the furthest state wins. That host
 * saw the connection's packets: what this one knew of its windows may be
 * stale (a window that fell behind never catches up), so each direction is
 * learned again from its next segment other than a RST (tcpwin.h).
 */
static void refresh_from(struct vgw_ct_entry *e, u8 state, unsigned long expires)
{
	if (e->key.flow.proto == IPPROTO_TCP)
		vgw_tcpwin_forget(e->tcp);
	if (state > READ_ONCE(e->state)) {
		WRITE_ONCE(e->state, state);
		WRITE_ONCE(e->expires, expires);
	} else if (state == READ_ONCE(e->state) &&
		   time_after(expires, READ_ONCE(e->expires))) {
		WRITE_ONCE(e->expires, expires);
	}
}

/*
 * A record from the owner: create or refresh. (A refresh that races with the
 * collector taking out the same entry at its expiry is lost; the owner sends
 * again on the next change of state or within CT_SYNC_PERIOD.) Only for a
 * flow this host owns or backs up, directly or as the NAT mapping it belongs
 * to (whose tracking entry goes with it: nat_resync_ct()).
 */
bool vgw_ct_apply(struct vgw_net *vn, const struct vgw_cluster *c,
		  const struct vgw_state_rec *r)
{
	struct vgw_ct_table *t = vn->ct;
	struct vgw_ct_entry *e, *other;
	const struct vgw_vnic *v;
	struct vgw_ct_key k;
	unsigned long expires;
	u32 hash;

	v = vgw_vnic_by_hash(vn, get_unaligned_be64(r->vnic));
	k.flow = r->flow;
	if (!v || (k.flow.family != VGW_FLOW_IPV4 && k.flow.family != VGW_FLOW_IPV6) ||
	    k.flow.pad[0] || k.flow.pad[1] || vgw_flow_key_reversed(&k.flow) ||
	    r->state > CT_CLOSING || !r->ttl)
		return false;
	k.vnic = v->o.hash;
	hash = vgw_flow_hash(&k.flow);
	if (!vgw_cluster_holds(c, &hash, 1) &&
	    !vgw_nat_holds_flow(vn, c, k.vnic, &k.flow))
		return false;
	e = find(t, &k);
	if (r->flags & VGW_STATE_FORGET) {
		/* Deleted at another member (CT_DEL): so here. */
		if (e && live(e, v->rt))
			entry_remove(t, e);
		return true;
	}
	expires = jiffies + min_t(unsigned long, ntohl(r->ttl), CT_TIMEOUT_MAX) * HZ;
	if (e && live(e, v->rt)) {
		refresh_from(e, r->state, expires);
		return true;
	}
	/*
	 * Within the VNIC's conntrack_limit on this host, as a connection
	 * opened here: a copy counts as much as an own entry, and a member
	 * (or whoever sends as one) cannot fill the table past it.
	 */
	e = entry_new(v, true, k.flow.proto);
	if (IS_ERR(e))
		return false;
	e->key = k;
	e->opened_reversed = r->flags & 1;	/* not VGW_STATE_FORGET */
	e->state = r->state;
	e->expires = expires;
	other = entry_insert(t, e);
	if (!other)
		return true;
	if (!IS_ERR(other))
		refresh_from(other, r->state, expires);
	entry_drop(e);
	return !IS_ERR(other);
}

/* --- vnicctl conntrack: CT_GET and CT_DEL ------------------------------------ */

#define CT_REPLY_ONLY(name)						\
	[VNICGW_CT_##name] = { .type = NLA_REJECT,			\
			       .reject_message = "VNICGW_CT_" #name " is reply-only" }

const struct nla_policy vgw_ct_policy[VNICGW_CT_MAX + 1] = {
	[VNICGW_CT_VNIC] = VGW_POLICY_ID,
	[VNICGW_CT_PROTO] = { .type = NLA_U8 },
	[VNICGW_CT_SRC] = VGW_POLICY_IP,
	[VNICGW_CT_DST] = VGW_POLICY_IP,
	[VNICGW_CT_SPORT] = { .type = NLA_U16 },
	[VNICGW_CT_DPORT] = { .type = NLA_U16 },
	CT_REPLY_ONLY(STATE),
	CT_REPLY_ONLY(EXPIRES),
	CT_REPLY_ONLY(ORIG_PACKETS),
	CT_REPLY_ONLY(ORIG_BYTES),
	CT_REPLY_ONLY(REPLY_PACKETS),
	CT_REPLY_ONLY(REPLY_BYTES),
	CT_REPLY_ONLY(OWNER),
	CT_REPLY_ONLY(BACKUP),
};

void vgw_ct_dump_enter(struct vgw_net *vn, struct vgw_rht_dump *d)
{
	vgw_rht_dump_enter(d, &vn->ct->ht);
}

static int put_addr(struct sk_buff *skb, int type, const __be32 *a, u8 family)
{
	return nla_put(skb, type, family == VGW_FLOW_IPV4 ? 4 : 16, a);
}

int vgw_ct_fill(struct sk_buff *skb, struct vgw_net *vn, void *obj, u64 vnic)
{
	const struct vgw_ct_entry *e = obj;
	const struct vgw_flow_key *k = &e->key.flow;
	/* The flow as its first packet went. */
	bool rev = e->opened_reversed;
	long left = (long)(READ_ONCE(e->expires) - jiffies);
	const struct vgw_vnic *v;
	struct nlattr *nest;

	if ((vnic && e->key.vnic != vnic) || left <= 0)
		return -ENOENT;
	v = vgw_vnic_by_hash(vn, e->key.vnic);
	if (!v || v->rt != e->rt || READ_ONCE(e->rt->dead))
		return -ENOENT;		/* a deleted VNIC's, going */
	nest = nla_nest_start(skb, VNICGW_A_CT);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_string(skb, VNICGW_CT_VNIC, v->o.id) ||
	    nla_put_u8(skb, VNICGW_CT_PROTO, k->proto) ||
	    put_addr(skb, VNICGW_CT_SRC, rev ? k->daddr : k->saddr, k->family) ||
	    put_addr(skb, VNICGW_CT_DST, rev ? k->saddr : k->daddr, k->family) ||
	    nla_put_u16(skb, VNICGW_CT_SPORT, ntohs(rev ? k->dport : k->sport)) ||
	    nla_put_u16(skb, VNICGW_CT_DPORT, ntohs(rev ? k->sport : k->dport)) ||
	    nla_put_u8(skb, VNICGW_CT_STATE, READ_ONCE(e->state)) ||
	    nla_put_u32(skb, VNICGW_CT_EXPIRES, DIV_ROUND_UP(left, HZ)) ||
	    nla_put_u64_64bit(skb, VNICGW_CT_ORIG_PACKETS,
			      atomic64_read(&e->packets[0]), VNICGW_CT_PAD) ||
	    nla_put_u64_64bit(skb, VNICGW_CT_ORIG_BYTES,
			      atomic64_read(&e->bytes[0]), VNICGW_CT_PAD) ||
	    nla_put_u64_64bit(skb, VNICGW_CT_REPLY_PACKETS,
			      atomic64_read(&e->packets[1]), VNICGW_CT_PAD) ||
	    nla_put_u64_64bit(skb, VNICGW_CT_REPLY_BYTES,
			      atomic64_read(&e->bytes[1]), VNICGW_CT_PAD) ||
	    vgw_cluster_put_roles(skb, vgw_cluster_get(vn), vgw_flow_hash(k),
				  VNICGW_CT_OWNER, VNICGW_CT_BACKUP)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* A flow from CT_DEL's attributes, as a tracker's key: 0 or -EINVAL. */
static int key_from_attrs(const struct nlattr *nest, struct nlattr **tb,
			  struct vgw_ct_key *ck, struct netlink_ext_ack *extack)
{
	static const int need[] = { VNICGW_CT_PROTO, VNICGW_CT_SRC,
				    VNICGW_CT_DST, VNICGW_CT_SPORT,
				    VNICGW_CT_DPORT };
	struct vgw_ip src, dst;
	int err;

	err = vgw_nla_need(nest, tb, need, ARRAY_SIZE(need),
			   "conntrack: the connection needs its protocol, addresses and ports",
			   extack) ?:
	      vgw_nla_ip(tb[VNICGW_CT_SRC], &src, extack) ?:
	      vgw_nla_ip(tb[VNICGW_CT_DST], &dst, extack);
	if (err)
		return err;
	if (src.family != dst.family)
		return vgw_refuse(extack, tb[VNICGW_CT_DST],
				  "conntrack: source and destination are of different families");
	if (src.family == AF_INET)
		vgw_flow_key_init_ipv4(&ck->flow, src.v4, dst.v4,
				       nla_get_u8(tb[VNICGW_CT_PROTO]));
	else
		vgw_flow_key_init_ipv6(&ck->flow, src.v6.s6_addr32,
				       dst.v6.s6_addr32,
				       nla_get_u8(tb[VNICGW_CT_PROTO]));
	vgw_flow_key_set_ports(&ck->flow, htons(nla_get_u16(tb[VNICGW_CT_SPORT])),
			       htons(nla_get_u16(tb[VNICGW_CT_DPORT])));
	if (vgw_flow_key_reversed(&ck->flow))
		vgw_flow_key_reverse(&ck->flow);
	return 0;
}

int vgw_ct_delete(struct vgw_net *vn, const struct nlattr *nest,
		  struct nlattr **tb, struct netlink_ext_ack *extack)
{
	static const int need[] = { VNICGW_CT_VNIC };
	struct vgw_ct_table *t = vn->ct;
	char id[VNICGW_ID_MAX];
	const struct vgw_vnic *v;
	struct vgw_ct_entry *e;
	struct vgw_state_rec r;
	struct vgw_ct_key k;
	u32 hash;
	int err;

	err = vgw_nla_need(nest, tb, need, 1,
			   "conntrack: which VNIC's connection (VNICGW_CT_VNIC)?",
			   extack) ?:
	      vgw_nla_id(tb[VNICGW_CT_VNIC], id, extack) ?:
	      key_from_attrs(nest, tb, &k, extack);
	if (err)
		return err;
	k.vnic = vgw_obj_hash(VNICGW_OBJ_VNIC, id);
	rcu_read_lock();
	local_bh_disable();
	v = vgw_vnic_by_hash(vn, k.vnic);
	e = v ? find(t, &k) : NULL;
	if (!e || !live(e, v->rt)) {
		err = -ENOENT;
	} else {
		/* The flow's owner and backup remove their copies too. */
		if (vgw_cluster_shares(vgw_cluster_get(vn))) {
			ct_record(e, &r);
			r.flags |= VGW_STATE_FORGET;
			hash = vgw_flow_hash(&e->key.flow);
			vgw_state_send(vn, &r, &hash, 1);
		}
		entry_remove(t, e);
	}
	local_bh_enable();
	rcu_read_unlock();
	if (err)
		vgw_refuse(extack, NULL,
			   "conntrack: vnic %s tracks no such connection", id);
	return err;
}

unsigned int vgw_ct_entries(const struct vgw_net *vn)
{
	return atomic_read(&vn->ct->ht.nelems);
}

unsigned int vgw_ct_buckets(const struct vgw_net *vn)
{
	return vgw_rht_buckets(&vn->ct->ht);
}

int __init vgw_ct_init(void)
{
	ct_cache = KMEM_CACHE(vgw_ct_entry, 0);
	ct_tcp_cache = kmem_cache_create("vgw_ct_tcp_entry",
					 struct_size_t(struct vgw_ct_entry, tcp, 1),
					 __alignof__(struct vgw_ct_entry), 0, NULL);
	if (!ct_cache || !ct_tcp_cache) {
		kmem_cache_destroy(ct_tcp_cache);
		kmem_cache_destroy(ct_cache);
		return -ENOMEM;
	}
	return 0;
}

/* After every namespace is gone. */
void vgw_ct_exit(void)
{
	rcu_barrier();		/* the last entries' frees */
	kmem_cache_destroy(ct_tcp_cache);
	kmem_cache_destroy(ct_cache);
}
