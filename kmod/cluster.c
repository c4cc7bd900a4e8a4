// SPDX-License-Identifier: GPL-2.0
/*
 * The cluster: owner tables, handoffs and state messages; see cluster.h.
 */
#include <linux/inetdevice.h>
#include <linux/jhash.h>
#include <linux/ipv6.h>
#include <linux/sort.h>
#include <linux/udp.h>
#include <net/addrconf.h>
#include <net/genetlink.h>
#include <net/route.h>
#include <vgw/owner.h>

#include "cluster.h"
#include "datapath.h"

/* --- the owner table ------------------------------------------------------ */

static void cluster_free(struct vgw_cluster *c)
{
	u32 i;

	if (!c)
		return;
	kvfree(c->owner);
	kvfree(c->backup);
	kvfree(c->backup2);
	kfree(c->members);
	for (i = 0; i < c->n_peers; i++)
		vgw_replay_put(c->peers[i].replay);
	kfree(c->peers);
	kfree_sensitive(c);	/* the keys */
}

static void cluster_free_rcu(struct rcu_head *rcu)
{
	cluster_free(container_of(rcu, struct vgw_cluster, rcu));
}

static int member_cmp(const void *a, const void *b)
{
	return strcmp(((const struct vgw_member *)a)->id,
		      ((const struct vgw_member *)b)->id);
}

/* Weights computed between two chances to reschedule (about 0.3 ms). */
#define BUILD_WEIGHTS	65536

/*
 * The tables of c->members (sorted): owner, backups, fingerprint. n weights
 * a slot: 65,537 slots of 256 members take about 0.05 s, 1,048,573 slots
 * about 2.5 s (with two backups), in chunks.
 */
static int cluster_build(struct vgw_cluster *c)
{
	u32 chunk = max_t(u32, 1, BUILD_WEIGHTS / c->n), i;
	u16 *rank[VGW_OWNER_RANKS];
	u64 *seed, h;

	BUILD_BUG_ON(1 + VNICGW_CLUSTER_MAX_BACKUPS > VGW_OWNER_RANKS);
	c->owner = kvmalloc_array(c->size, sizeof(u16), GFP_KERNEL);
	c->backup = kvmalloc_array(c->size, sizeof(u16), GFP_KERNEL);
	if (c->n_backups > 1)
		c->backup2 = kvmalloc_array(c->size, sizeof(u16), GFP_KERNEL);
	seed = kvmalloc_array(c->n, sizeof(*seed), GFP_KERNEL);
	if (!c->owner || !c->backup || (c->n_backups > 1 && !c->backup2) ||
	    !seed) {
		kvfree(seed);
		return -ENOMEM;
	}
	for (i = 0; i < c->n; i++)
		seed[i] = vgw_owner_seed(c->members[i].id,
					 strlen(c->members[i].id));
	rank[0] = c->owner;
	rank[1] = c->backup;
	rank[2] = c->backup2;
	for (i = 0; i < c->size; i += chunk) {
		vgw_owner_populate(seed, c->n, i, min(c->size, i + chunk),
				   rank, 1 + c->n_backups);
		cond_resched();
	}
	kvfree(seed);

	/* As user/lib/owner.c's vgw_owner_fingerprint(). */
	h = vgw_owner_hash_size(c->size);
	for (i = 0; i < c->n; i++)
		h = vgw_owner_hash(c->members[i].id,
				   strlen(c->members[i].id) + 1, h);
	h = vgw_owner_hash_table(c->owner, c->size, h);
	h = vgw_owner_hash_table(c->backup, c->size, h);
	if (c->backup2)
		h = vgw_owner_hash_table(c->backup2, c->size, h);
	c->fingerprint = h;
	return 0;
}

/* Is @m the owner or a backup of @slot? */
static bool holds_slot(const struct vgw_cluster *c, u32 slot, u16 m)
{
	return c->owner[slot] == m || c->backup[slot] == m ||
	       (c->backup2 && c->backup2[slot] == m);
}

/* --- CLUSTER_SET ----------------------------------------------------------- */

static const struct nla_policy member_policy[VNICGW_MEMBER_MAX + 1] = {
	[VNICGW_MEMBER_ID] = { .type = NLA_NUL_STRING,
			       .len = VNICGW_MEMBER_ID_MAX },
	[VNICGW_MEMBER_ADDR] = VGW_POLICY_IP,
};

/* Ranges and lengths are checked in parse_keys(), to name the field. */
static const struct nla_policy key_policy[VNICGW_KEY_MAX + 1] = {
	[VNICGW_KEY_ID] = { .type = NLA_U8 },
	[VNICGW_KEY_SECRET] = { .type = NLA_BINARY },
};

static const struct nla_policy cluster_policy[VNICGW_CLUSTER_MAX + 1] = {
	[VNICGW_CLUSTER_SELF] = { .type = NLA_NUL_STRING,
				  .len = VNICGW_MEMBER_ID_MAX },
	[VNICGW_CLUSTER_SIZE] = { .type = NLA_U32 },
	[VNICGW_CLUSTER_MEMBERS] = VGW_POLICY_LIST,
	[VNICGW_CLUSTER_FINGERPRINT] = { .type = NLA_REJECT,
		.reject_message = "VNICGW_CLUSTER_FINGERPRINT is reply-only" },
	[VNICGW_CLUSTER_EPOCH] = { .type = NLA_REJECT,
		.reject_message = "VNICGW_CLUSTER_EPOCH is reply-only" },
	[VNICGW_CLUSTER_COUNTERS] = { .type = NLA_REJECT,
		.reject_message = "VNICGW_CLUSTER_COUNTERS is reply-only" },
	[VNICGW_CLUSTER_KEYS] = VGW_POLICY_LIST,
	[VNICGW_CLUSTER_ACCEPT_UNSIGNED] = NLA_POLICY_MAX(NLA_U8, 1),
	/* Its range is checked in cluster_parse(), to name the field. */
	[VNICGW_CLUSTER_BACKUPS] = { .type = NLA_U8 },
};

static bool id_ok(const char *id)
{
	const char *s;

	if (!*id)
		return false;
	for (s = id; *s; s++)
		if (!isalnum(*s) && *s != '.' && *s != '_' && *s != '-')
			return false;
	return true;
}

static int parse_member(const struct nlattr *item, struct vgw_member *m,
			unsigned int i, struct netlink_ext_ack *ea)
{
	struct nlattr *tb[VNICGW_MEMBER_MAX + 1];
	int err;

	err = nla_parse_nested(tb, VNICGW_MEMBER_MAX, item, member_policy, ea);
	if (err)
		return err;
	if (!tb[VNICGW_MEMBER_ID])
		return vgw_refuse(ea, item, "cluster: members[%u]: id is missing", i);
	if (vgw_nla_nul_inside(tb[VNICGW_MEMBER_ID]))
		return vgw_refuse(ea, tb[VNICGW_MEMBER_ID],
				  "cluster: members[%u]: id has bytes after its NUL",
				  i);
	nla_strscpy(m->id, tb[VNICGW_MEMBER_ID], sizeof(m->id));
	if (!id_ok(m->id))
		return vgw_refuse(ea, tb[VNICGW_MEMBER_ID],
				  "cluster: members[%u]: id \"%s\" is not 1-%d characters of [A-Za-z0-9._-]",
				  i, m->id, VNICGW_MEMBER_ID_MAX);
	if (!tb[VNICGW_MEMBER_ADDR])
		return vgw_refuse(ea, item, "cluster: member %s: addr is missing",
				  m->id);
	err = vgw_nla_ip(tb[VNICGW_MEMBER_ADDR], &m->addr, ea);
	if (err)
		return vgw_refuse(ea, tb[VNICGW_MEMBER_ADDR],
				  "cluster: member %s: addr is 4 or 16 bytes, not %d",
				  m->id, nla_len(tb[VNICGW_MEMBER_ADDR]));
	return 0;
}

/* The keys of VNICGW_CLUSTER_KEYS into @c: 0, or -errno with the extack. */
static int parse_keys(const struct nlattr *list, struct vgw_cluster *c,
		      struct netlink_ext_ack *ea)
{
	struct nlattr *tb[VNICGW_KEY_MAX + 1];
	const struct nlattr *item;
	int n, rem, err;
	u8 i = 0, j;

	n = vgw_nla_list(list, 1024, ea);
	if (n < 0)
		return n;
	if (n > VNICGW_CLUSTER_MAX_KEYS)
		return vgw_refuse(ea, list, "cluster: %d keys, at most %d (the one in use and the next)",
				  n, VNICGW_CLUSTER_MAX_KEYS);
	vgw_nla_for_each_item(item, list, rem) {
		err = nla_parse_nested(tb, VNICGW_KEY_MAX, item, key_policy, ea);
		if (err)
			return err;
		if (!tb[VNICGW_KEY_ID])
			return vgw_refuse(ea, item, "cluster: keys[%u]: id is missing", i);
		if (!tb[VNICGW_KEY_SECRET])
			return vgw_refuse(ea, item, "cluster: keys[%u]: secret is missing", i);
		if (!nla_get_u8(tb[VNICGW_KEY_ID]))
			return vgw_refuse(ea, tb[VNICGW_KEY_ID],
					  "cluster: keys[%u]: id 0 (1 to 255)", i);
		if (nla_len(tb[VNICGW_KEY_SECRET]) != VNICGW_KEY_LEN)
			return vgw_refuse(ea, tb[VNICGW_KEY_SECRET],
					  "cluster: keys[%u]: secret is %d bytes, not %d",
					  i, nla_len(tb[VNICGW_KEY_SECRET]),
					  VNICGW_KEY_LEN);
		c->keys[i].id = nla_get_u8(tb[VNICGW_KEY_ID]);
		for (j = 0; j < i; j++)
			if (c->keys[j].id == c->keys[i].id)
				return vgw_refuse(ea, tb[VNICGW_KEY_ID],
						  "cluster: key %u is listed twice",
						  c->keys[i].id);
		nla_memcpy(c->keys[i].secret, tb[VNICGW_KEY_SECRET],
			   VNICGW_KEY_LEN);
		i++;
	}
	c->n_keys = i;
	c->keys_given = true;
	return 0;
}

/* A new cluster from the request, or ERR_PTR with the extack set. */
static struct vgw_cluster *cluster_parse(const struct nlattr *nest,
					 struct netlink_ext_ack *ea)
{
	struct nlattr *tb[VNICGW_CLUSTER_MAX + 1];
	const struct nlattr *item;
	char self[VNICGW_MEMBER_ID_MAX + 1] = "";
	struct vgw_cluster *c;
	int err, n = 0, rem;
	u32 i;

	err = nla_parse_nested(tb, VNICGW_CLUSTER_MAX, nest, cluster_policy, ea);
	if (err)
		return ERR_PTR(err);
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return ERR_PTR(-ENOMEM);
	c->self = VGW_OWNER_NONE;
	c->size = tb[VNICGW_CLUSTER_SIZE] ? nla_get_u32(tb[VNICGW_CLUSTER_SIZE]) :
					    VNICGW_CLUSTER_SIZE_DEFAULT;
	c->n_backups = tb[VNICGW_CLUSTER_BACKUPS] ?
		       nla_get_u8(tb[VNICGW_CLUSTER_BACKUPS]) : 1;
	if (tb[VNICGW_CLUSTER_MEMBERS]) {
		n = vgw_nla_list(tb[VNICGW_CLUSTER_MEMBERS],
				 VNICGW_CLUSTER_MAX_MEMBERS, ea);
		if (n < 0) {
			err = n;
			goto fail;
		}
	}
	c->n = n;
	if (tb[VNICGW_CLUSTER_KEYS]) {
		err = parse_keys(tb[VNICGW_CLUSTER_KEYS], c, ea);
		if (err)
			goto fail;
	}
	err = -EINVAL;
	if (tb[VNICGW_CLUSTER_ACCEPT_UNSIGNED] &&
	    nla_get_u8(tb[VNICGW_CLUSTER_ACCEPT_UNSIGNED])) {
		if (!c->n_keys) {
			vgw_refuse(ea, tb[VNICGW_CLUSTER_ACCEPT_UNSIGNED],
				   "cluster: accept_unsigned goes with keys, and %s",
				   c->keys_given ? "the keys are removed" :
						   "no keys are given");
			goto fail;
		}
		c->accept_unsigned = nla_get_u8(tb[VNICGW_CLUSTER_ACCEPT_UNSIGNED]);
	}
	if (tb[VNICGW_CLUSTER_SIZE] &&
	    (c->size < (n ? n : 1) || c->size > VNICGW_CLUSTER_MAX_SIZE ||
	     !vgw_owner_is_prime(c->size))) {
		vgw_refuse(ea, tb[VNICGW_CLUSTER_SIZE],
			   "cluster: size %u is not a prime between the member count and %u",
			   c->size, VNICGW_CLUSTER_MAX_SIZE);
		goto fail;
	}
	if (c->n_backups < 1 || c->n_backups > VNICGW_CLUSTER_MAX_BACKUPS) {
		vgw_refuse(ea, tb[VNICGW_CLUSTER_BACKUPS],
			   "cluster: backups %u is not between 1 and %u",
			   c->n_backups, VNICGW_CLUSTER_MAX_BACKUPS);
		goto fail;
	}
	if (tb[VNICGW_CLUSTER_SELF]) {
		if (vgw_nla_nul_inside(tb[VNICGW_CLUSTER_SELF])) {
			vgw_refuse(ea, tb[VNICGW_CLUSTER_SELF],
				   "cluster: self has bytes after its NUL");
			goto fail;
		}
		nla_strscpy(self, tb[VNICGW_CLUSTER_SELF], sizeof(self));
		if (!n) {
			vgw_refuse(ea, tb[VNICGW_CLUSTER_SELF],
				   "cluster: self \"%s\" but no members", self);
			goto fail;
		}
	}
	if (!n)
		return c;	/* standalone */
	c->members = kcalloc(n, sizeof(*c->members), GFP_KERNEL);
	if (!c->members) {
		err = -ENOMEM;
		goto fail;
	}
	i = 0;
	vgw_nla_for_each_item(item, tb[VNICGW_CLUSTER_MEMBERS], rem) {
		err = parse_member(item, &c->members[i], i, ea);
		if (err)
			goto fail;
		i++;
	}
	sort(c->members, n, sizeof(*c->members), member_cmp, NULL);
	err = -EINVAL;
	for (i = 0; i < n; i++) {
		if (i && !strcmp(c->members[i - 1].id, c->members[i].id)) {
			vgw_refuse(ea, tb[VNICGW_CLUSTER_MEMBERS],
				   "cluster: member %s is listed twice",
				   c->members[i].id);
			goto fail;
		}
		if (self[0] && !strcmp(self, c->members[i].id))
			c->self = i;
	}
	if (self[0] && c->self == VGW_OWNER_NONE) {
		vgw_refuse(ea, tb[VNICGW_CLUSTER_SELF],
			   "cluster: self \"%s\" is not among the members", self);
		goto fail;
	}
	err = cluster_build(c);
	if (err)
		goto fail;
	return c;

fail:
	cluster_free(c);
	return ERR_PTR(err);
}

/*
 * @addr as a peer of @c, with the window the cluster before had for it (or
 * a new one): the same window, so no message is taken twice across the
 * change.
 */
static int add_peer(struct vgw_cluster *c, const struct vgw_cluster *old,
		    const struct vgw_ip *addr)
{
	struct vgw_cluster_peer *p;
	u32 i;

	for (i = 0; i < c->n_peers; i++)
		if (vgw_ip_eq(&c->peers[i].addr, addr))
			return 0;
	p = &c->peers[c->n_peers];
	p->addr = *addr;
	for (i = 0; old && i < old->n_peers && !p->replay; i++)
		if (vgw_ip_eq(&old->peers[i].addr, addr))
			p->replay = vgw_replay_get(old->peers[i].replay);
	if (!p->replay)
		p->replay = vgw_replay_new();
	if (!p->replay)
		return -ENOMEM;
	c->n_peers++;
	return 0;
}

/* The members and, who was one a moment ago, the members of @old. */
static int cluster_peers(struct vgw_cluster *c, const struct vgw_cluster *old)
{
	u32 n = c->n + (old ? old->n : 0), i;
	int err = 0;

	if (!n)
		return 0;
	c->peers = kcalloc(n, sizeof(*c->peers), GFP_KERNEL);
	if (!c->peers)
		return -ENOMEM;
	for (i = 0; i < c->n && !err; i++)
		err = add_peer(c, old, &c->members[i].addr);
	for (i = 0; old && i < old->n && !err; i++)
		err = add_peer(c, old, &old->members[i].addr);
	return err;
}

/* A new member's asks for its state: how many, how far apart. */
#define ASKS		3
#define ASK_AGAIN	(1 * HZ)

int vgw_cluster_nl_set(struct vgw_net *vn, struct genl_info *info)
{
	struct vgw_cluster *c, *old;
	int err;

	if (!info->attrs[VNICGW_A_CLUSTER]) {
		NL_SET_ERR_MSG(info->extack, "VNICGW_A_CLUSTER is missing");
		return -EINVAL;
	}
	c = cluster_parse(info->attrs[VNICGW_A_CLUSTER], info->extack);
	if (IS_ERR(c))
		return PTR_ERR(c);
	mutex_lock(&vn->lock);
	old = rcu_dereference_protected(vn->cluster, lockdep_is_held(&vn->lock));
	/*
	 * A request without VNICGW_CLUSTER_KEYS keeps the keys there are (an
	 * agent that manages the members but not the keys must not turn the
	 * authentication off); an empty list removes them.
	 */
	if (!c->keys_given && old) {
		c->n_keys = old->n_keys;
		memcpy(c->keys, old->keys, sizeof(c->keys));
		c->accept_unsigned = old->accept_unsigned;
	}
	/* Who was a member a moment ago may still hand over what it holds. */
	err = cluster_peers(c, old);
	if (err) {
		mutex_unlock(&vn->lock);
		cluster_free(c);
		return err;
	}
	/*
	 * Where the others send to this host; kept when it drains or goes
	 * standalone (the members before may still hand over their state).
	 */
	if (c->self != VGW_OWNER_NONE)
		c->addr = c->members[c->self].addr;
	else if (old)
		c->addr = old->addr;
	c->epoch = ++vn->cluster_epoch;
	rcu_assign_pointer(vn->cluster, c);
	/*
	 * The state this host holds goes to the flows' new owners and
	 * backups, now and once more RESYNC_AGAIN later: a member that takes
	 * the new set after this one refuses records of flows it does not
	 * hold yet in its old table (vgw_cluster_holds()).
	 */
	if (vgw_cluster_shares(c)) {
		vn->cluster_resyncs = 2;
		mod_delayed_work(system_unbound_wq, &vn->cluster_work, 0);
	}
	/*
	 * This host has just become a member (a join, or a module that
	 * started again): it asks the others for the state of its flows,
	 * now and twice more, ASK_AGAIN apart, for the members that take
	 * the set after it.
	 */
	if (vgw_cluster_shares(c) && (!old || old->self == VGW_OWNER_NONE)) {
		vn->cluster_asks = ASKS;
		mod_delayed_work(system_unbound_wq, &vn->cluster_ask_work, 0);
	}
	mutex_unlock(&vn->lock);
	if (old)
		call_rcu(&old->rcu, cluster_free_rcu);
	return 0;
}

/* --- CLUSTER_GET ----------------------------------------------------------- */

static int put_counters(struct sk_buff *msg, const struct vgw_net *vn)
{
	u64 sum[__VNICGW_CLUSTER_COUNTER_MAX] = { 0 };
	struct nlattr *nest;
	unsigned int start, i;
	int cpu;

	for_each_possible_cpu(cpu) {
		const struct vgw_net_pcpu *pc = per_cpu_ptr(vn->pcpu, cpu);
		u64 v[__VNICGW_CLUSTER_COUNTER_MAX];

		do {
			start = u64_stats_fetch_begin(&pc->syncp);
			memcpy(v, pc->cluster, sizeof(v));
		} while (u64_stats_fetch_retry(&pc->syncp, start));
		for (i = 0; i < __VNICGW_CLUSTER_COUNTER_MAX; i++)
			sum[i] += v[i];
	}
	nest = nla_nest_start(msg, VNICGW_CLUSTER_COUNTERS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < __VNICGW_CLUSTER_COUNTER_MAX; i++)
		if (nla_put_u64_64bit(msg, i + 1, sum[i], VNICGW_CLUSTER_PAD))
			return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

int vgw_cluster_fill(struct sk_buff *msg, struct vgw_net *vn)
{
	const struct vgw_cluster *c;
	struct nlattr *nest, *list, *item;
	int err = -EMSGSIZE;
	u32 i;

	nest = nla_nest_start(msg, VNICGW_A_CLUSTER);
	if (!nest)
		return -EMSGSIZE;
	mutex_lock(&vn->lock);
	c = rcu_dereference_protected(vn->cluster, lockdep_is_held(&vn->lock));
	if (c && c->n) {
		if (c->self != VGW_OWNER_NONE &&
		    nla_put_string(msg, VNICGW_CLUSTER_SELF, c->members[c->self].id))
			goto out;
		if (nla_put_u32(msg, VNICGW_CLUSTER_SIZE, c->size) ||
		    nla_put_u8(msg, VNICGW_CLUSTER_BACKUPS, c->n_backups) ||
		    nla_put_u64_64bit(msg, VNICGW_CLUSTER_FINGERPRINT,
				      c->fingerprint, VNICGW_CLUSTER_PAD))
			goto out;
		list = nla_nest_start(msg, VNICGW_CLUSTER_MEMBERS);
		if (!list)
			goto out;
		for (i = 0; i < c->n; i++) {
			item = nla_nest_start(msg, VNICGW_ITEM);
			if (!item ||
			    nla_put_string(msg, VNICGW_MEMBER_ID, c->members[i].id) ||
			    vgw_put_ip(msg, VNICGW_MEMBER_ADDR, &c->members[i].addr))
				goto out;
			nla_nest_end(msg, item);
		}
		nla_nest_end(msg, list);
	}
	/* The keys' ids, the signing one first; never their secrets. */
	if (c && c->n_keys) {
		list = nla_nest_start(msg, VNICGW_CLUSTER_KEYS);
		if (!list)
			goto out;
		for (i = 0; i < c->n_keys; i++) {
			item = nla_nest_start(msg, VNICGW_ITEM);
			if (!item || nla_put_u8(msg, VNICGW_KEY_ID, c->keys[i].id))
				goto out;
			nla_nest_end(msg, item);
		}
		nla_nest_end(msg, list);
		if (nla_put_u8(msg, VNICGW_CLUSTER_ACCEPT_UNSIGNED,
			       c->accept_unsigned))
			goto out;
	}
	if (nla_put_u64_64bit(msg, VNICGW_CLUSTER_EPOCH, c ? c->epoch : 0,
			      VNICGW_CLUSTER_PAD) ||
	    put_counters(msg, vn))
		goto out;
	nla_nest_end(msg, nest);
	err = 0;
out:
	mutex_unlock(&vn->lock);
	return err;
}

/* --- the packet path ------------------------------------------------------ */

void vgw_cluster_count(struct vgw_net *vn, enum vnicgw_cluster_counter which,
		       unsigned int n)
{
	struct vgw_net_pcpu *nc = get_cpu_ptr(vn->pcpu);

	u64_stats_update_begin(&nc->syncp);
	nc->cluster[which] += n;
	u64_stats_update_end(&nc->syncp);
	put_cpu_ptr(vn->pcpu);
}

const struct vgw_member *vgw_cluster_owner(const struct vgw_cluster *c,
					   u32 hash)
{
	u16 o;

	if (!c || !c->n)
		return NULL;
	o = c->owner[vgw_owner_slot(hash, c->size)];
	return o == c->self ? NULL : &c->members[o];
}

void vgw_cluster_roles(const struct vgw_cluster *c, u32 hash,
		       const char **owner, const char **backup)
{
	u32 slot;
	u16 o, b;

	*owner = NULL;
	*backup = NULL;
	if (!c || !c->n)
		return;
	slot = vgw_owner_slot(hash, c->size);
	o = c->owner[slot];
	b = c->backup[slot];
	if (o < c->n)
		*owner = c->members[o].id;
	if (b < c->n)
		*backup = c->members[b].id;
}

int vgw_cluster_put_roles(struct sk_buff *skb, const struct vgw_cluster *c,
			  u32 hash, int owner_attr, int backup_attr)
{
	const char *owner, *backup;

	vgw_cluster_roles(c, hash, &owner, &backup);
	if (owner && nla_put_string(skb, owner_attr, owner))
		return -EMSGSIZE;
	if (backup && nla_put_string(skb, backup_attr, backup))
		return -EMSGSIZE;
	return 0;
}

/*
 * Did this host itself send @skb? Whatever a local process sends to a local
 * address comes in over loopback (one bit to test); a source that is one of
 * this namespace's own addresses (its member address among them) can only be
 * this host or a forgery (a lookup in the local table, or IPv6's address
 * hash). Either way, not another member.
 */
static bool from_this_host(const struct vgw_net *vn, const struct sk_buff *skb,
			   const struct vgw_ip *src)
{
	if (skb->dev && (skb->dev->flags & IFF_LOOPBACK))
		return true;
	if (src->family == AF_INET)
		return inet_addr_type(vn->net, src->v4) == RTN_LOCAL;
#if IS_ENABLED(CONFIG_IPV6)
	return ipv6_chk_addr(vn->net, &src->v6, NULL, 0);
#else
	return false;
#endif
}

int vgw_cluster_untrusted(struct vgw_net *vn, struct sk_buff *skb,
			  const struct vgw_ip *src, const struct vgw_ip *dst,
			  const struct vgw_auth_seen *a)
{
	const struct vgw_cluster *c = vgw_cluster_get(vn);
	const struct vgw_cluster_peer *from = NULL;
	u32 i;

	if (!c)
		return VNICGW_DROP_NOT_MEMBER;
	if (from_this_host(vn, skb, src))
		return VNICGW_DROP_CLUSTER_FORGED;
	for (i = 0; i < c->n_peers && !from; i++)
		if (vgw_ip_eq(&c->peers[i].addr, src))
			from = &c->peers[i];
	if (!from)
		return VNICGW_DROP_NOT_MEMBER;
	/* A member sends to this host's member address, nowhere else. */
	if (!c->addr.family || !vgw_ip_eq(&c->addr, dst))
		return VNICGW_DROP_CLUSTER_FORGED;
	if (c->n_keys)
		return vgw_auth_check(vn, c, from, skb, a, src, dst);
	return -1;
}

bool vgw_cluster_holds(const struct vgw_cluster *c, const u32 *hashes,
		       unsigned int n_hashes)
{
	unsigned int i;
	u32 slot;

	if (!c)
		return false;
	if (!c->n)
		return true;	/* standalone: every flow is this host's */
	if (c->self == VGW_OWNER_NONE)
		return false;
	for (i = 0; i < n_hashes; i++) {
		slot = vgw_owner_slot(hashes[i], c->size);
		if (holds_slot(c, slot, c->self))
			return true;
	}
	return false;
}

u32 vgw_nat_port_hash(const struct vgw_ip *pub, u16 port, u8 proto)
{
	return jhash(pub->b, sizeof(pub->b), (u32)port << 8 | proto);
}

/* Our own underlay address, if we are a member; else routing picks. */
static const struct vgw_ip *self_addr(const struct vgw_cluster *c)
{
	return c->self != VGW_OWNER_NONE ? &c->members[c->self].addr : NULL;
}

/* Room for the outer headers of a cluster message, whatever the underlay. */
#define CLUSTER_HEADROOM	(LL_MAX_HEADER + sizeof(struct ipv6hdr) + \
				 sizeof(struct udphdr) + VGW_GENEVE_HLEN + \
				 VGW_GENEVE_OPT_HLEN + \
				 sizeof(struct vgw_handoff_opt) + VGW_AUTH_OPT_BYTES)

/*
 * The source of our messages: our member address, or the one we had
 * (draining); NULL: none, routing picks (no member would take them).
 */
static const struct vgw_ip *sender_addr(const struct vgw_cluster *c)
{
	if (c->self != VGW_OWNER_NONE)
		return &c->members[c->self].addr;
	return c->addr.family ? &c->addr : NULL;
}

static void push_opt(struct sk_buff *skb, u8 type, unsigned int dlen)
{
	struct vgw_geneve_opt *o = skb_push(skb, sizeof(*o));

	o->opt_class = htons(VGW_OPT_CLASS);
	o->type = type;
	o->rsvd_len = dlen / 4;
}

int vgw_cluster_handoff_refused(const struct vgw_cluster *c,
				const struct vgw_member *owner,
				const struct vgw_ip **src)
{
	if (owner->addr.family != AF_INET && owner->addr.family != AF_INET6)
		return VNICGW_DROP_NO_OWNER;
	/* A signed message names its sender: it needs an address. */
	*src = c->n_keys ? sender_addr(c) : self_addr(c);
	if (c->n_keys && (!*src || (*src)->family != owner->addr.family))
		return VNICGW_DROP_XMIT;	/* nothing to sign as */
	return 0;
}

void vgw_cluster_handoff(struct vgw_pkt *p, const struct vgw_member *owner)
{
	const struct vgw_cluster *c = vgw_cluster_get(p->vn);
	struct sk_buff *skb = p->skb;
	const struct vgw_ip *src;
	struct vgw_handoff_opt *h;
	unsigned int opts;
	int err, reason;

	reason = vgw_cluster_handoff_refused(c, owner, &src);
	if (reason) {
		vgw_drop(p, reason);
		return;
	}
	if (skb_cow_head(skb, CLUSTER_HEADROOM)) {
		vgw_drop(p, VNICGW_DROP_XMIT);
		return;
	}
	opts = VGW_GENEVE_OPT_HLEN + sizeof(*h) +
	       (c->n_keys ? VGW_AUTH_OPT_BYTES : 0);
	if (c->n_keys)
		vgw_auth_push(skb);
	h = skb_push(skb, sizeof(*h));
	memset(h, 0, sizeof(*h));
	h->encap = p->encap;
	h->family = p->outer_src.family == AF_INET ? 4 : 6;
	memcpy(h->src, p->outer_src.b, 16);
	memcpy(h->dst, p->outer_dst.b, 16);
	push_opt(skb, VGW_OPT_HANDOFF, sizeof(*h));
	vgw_geneve_init(skb_push(skb, VGW_GENEVE_HLEN), p->vni, opts);
	if (c->n_keys)
		vgw_auth_sign(p->vn, c, skb, src, &owner->addr);
	err = vgw_tx_udp(p->vn, skb, src, &owner->addr, p->hash,
			 VNICGW_ENCAP_GENEVE);
	if (err) {
		/* Not sent: back to the frame, counted as the sender's. */
		__skb_pull(skb, VGW_GENEVE_HLEN + opts);
		vgw_drop(p, err == -EMSGSIZE ? VNICGW_DROP_MTU :
			 VNICGW_DROP_XMIT);
		return;
	}
	p->skb = NULL;
	vgw_cluster_count(p->vn, VNICGW_CLUSTER_HANDOFF_OUT, 1);
}

/* --- state messages --------------------------------------------------------- */

static struct sk_buff *state_skb(void)
{
	struct sk_buff *skb;

	skb = alloc_skb(CLUSTER_HEADROOM +
			VGW_STATE_PER_MSG * sizeof(struct vgw_state_rec),
			GFP_ATOMIC);
	if (skb)
		skb_reserve(skb, CLUSTER_HEADROOM);
	return skb;
}

/* Send the records in @skb (none with VGW_STATE_F_ASK) to member @to. Consumes. */
static void state_send_flags(struct vgw_net *vn, const struct vgw_cluster *c,
			     struct sk_buff *skb, u16 to, u8 flags)
{
	unsigned int n = skb->len / sizeof(struct vgw_state_rec);
	const struct vgw_ip *src = self_addr(c);
	unsigned int opts = VGW_GENEVE_OPT_HLEN + sizeof(struct vgw_state_opt);
	struct vgw_state_opt *so;
	struct vgw_genevehdr *gh;

	if (c->n_keys) {
		src = sender_addr(c);
		if (!src || src->family != c->members[to].addr.family) {
			vgw_cluster_count(vn, VNICGW_CLUSTER_SYNC_FAILED, n);
			kfree_skb(skb);
			return;
		}
		vgw_auth_push(skb);
		opts += VGW_AUTH_OPT_BYTES;
	}
	so = skb_push(skb, sizeof(*so));
	so->version = VGW_STATE_VERSION;
	so->count = n;
	so->flags = flags;
	so->reserved = 0;
	push_opt(skb, VGW_OPT_STATE, sizeof(*so));
	gh = skb_push(skb, VGW_GENEVE_HLEN);
	vgw_geneve_init(gh, 0, opts);
	gh->protocol_type = htons(VGW_ETH_P_STATE);
	skb_reset_mac_header(skb);
	if (c->n_keys)
		vgw_auth_sign(vn, c, skb, src, &c->members[to].addr);
	if (vgw_tx_udp(vn, skb, src, &c->members[to].addr,
		       jhash_1word(to, c->self), VNICGW_ENCAP_GENEVE)) {
		vgw_cluster_count(vn, VNICGW_CLUSTER_SYNC_FAILED, n);
		kfree_skb(skb);
		return;
	}
	vgw_cluster_count(vn, VNICGW_CLUSTER_SYNC_OUT, n);
}

static void state_send_skb(struct vgw_net *vn, const struct vgw_cluster *c,
			   struct sk_buff *skb, u16 to)
{
	state_send_flags(vn, c, skb, to, 0);
}

void vgw_state_batch_init(struct vgw_state_batch *b, struct vgw_net *vn,
			  const struct vgw_cluster *c, gfp_t gfp)
{
	b->vn = vn;
	b->c = c;
	b->sent = 0;
	b->pending = c && c->n ? kcalloc(c->n, sizeof(*b->pending), gfp) : NULL;
}

static void state_to(struct vgw_state_batch *b, const struct vgw_state_rec *r,
		     u16 to)
{
	struct sk_buff *skb = b->pending ? b->pending[to] : NULL;

	if (!skb) {
		skb = state_skb();
		if (!skb)
			return;
	}
	skb_put_data(skb, r, sizeof(*r));
	b->sent++;
	if (b->pending &&
	    skb->len < VGW_STATE_PER_MSG * sizeof(struct vgw_state_rec)) {
		b->pending[to] = skb;
		return;
	}
	if (b->pending)
		b->pending[to] = NULL;
	state_send_skb(b->vn, b->c, skb, to);
}

void vgw_state_add(struct vgw_state_batch *b, const struct vgw_state_rec *r,
		   const u32 *hashes, unsigned int n_hashes)
{
	const struct vgw_cluster *c = b->c;
	u16 dest[2 * VGW_OWNER_RANKS];
	unsigned int i, j, n = 0;

	if (!vgw_cluster_shares(c))
		return;
	for (i = 0; i < n_hashes && i < 2; i++) {
		u32 slot = vgw_owner_slot(hashes[i], c->size);
		u16 cand[VGW_OWNER_RANKS] = {
			c->owner[slot], c->backup[slot],
			c->backup2 ? c->backup2[slot] : VGW_OWNER_NONE,
		};

		for (j = 0; j < VGW_OWNER_RANKS; j++) {
			unsigned int k;

			if (cand[j] == VGW_OWNER_NONE || cand[j] == c->self)
				continue;
			for (k = 0; k < n && dest[k] != cand[j]; k++)
				;
			if (k == n)
				dest[n++] = cand[j];
		}
	}
	for (i = 0; i < n; i++)
		state_to(b, r, dest[i]);
}

void vgw_state_flush(struct vgw_state_batch *b)
{
	u32 i;

	if (!b->pending)
		return;
	for (i = 0; i < b->c->n; i++)
		if (b->pending[i])
			state_send_skb(b->vn, b->c, b->pending[i], i);
	kfree(b->pending);
	b->pending = NULL;
}

void vgw_state_send(struct vgw_net *vn, const struct vgw_state_rec *r,
		    const u32 *hashes, unsigned int n_hashes)
{
	struct vgw_state_batch b = {
		.vn = vn,
		.c = vgw_cluster_get(vn),
	};

	vgw_state_add(&b, r, hashes, n_hashes);
}

/*
 * Each record applies only where its flow is this host's, as owner or as
 * backup, and within the limits of a local connection; the others are
 * counted (sync_refused) and go.
 */
void vgw_state_rx(struct vgw_net *vn, struct sk_buff *skb,
		  const struct vgw_ip *src, unsigned int n)
{
	const struct vgw_cluster *c = vgw_cluster_get(vn);
	struct vgw_state_rec r;
	unsigned int i, applied = 0;
	bool ok;

	/* rx.c drops (and counts) such a message before: only a guard. */
	if (n > VGW_STATE_PER_MSG || !pskb_may_pull(skb, n * sizeof(r))) {
		kfree_skb(skb);
		return;
	}
	for (i = 0; i < n; i++) {
		/*
		 * A copy: the records start wherever the underlay's headers
		 * left them, and the appliers read __be32/__be16 fields.
		 */
		memcpy(&r, skb->data + i * sizeof(r), sizeof(r));
		switch (r.kind) {
		case VGW_STATE_CT:
			ok = vgw_ct_apply(vn, c, &r);
			break;
		case VGW_STATE_NAT:
			ok = vgw_nat_apply(vn, c, &r);
			break;
		default:
			ok = false;
		}
		applied += ok;
	}
	vgw_cluster_count(vn, VNICGW_CLUSTER_SYNC_IN, applied);
	if (applied < n)
		vgw_cluster_count(vn, VNICGW_CLUSTER_SYNC_REFUSED, n - applied);
	consume_skb(skb);
}

/* The second resync after a table change (see vgw_cluster_nl_set()). */
#define RESYNC_AGAIN	(3 * HZ)

/* After a table change: what this host holds, to where it now belongs. */
static void resync_work(struct work_struct *work)
{
	struct vgw_net *vn = container_of(to_delayed_work(work), struct vgw_net,
					  cluster_work);
	const struct vgw_cluster *c;
	struct vgw_state_batch b;
	bool first;

	mutex_lock(&vn->lock);
	c = rcu_dereference_protected(vn->cluster, lockdep_is_held(&vn->lock));
	first = vn->cluster_resyncs == 2;
	if (vn->cluster_resyncs && --vn->cluster_resyncs)
		queue_delayed_work(system_unbound_wq, &vn->cluster_work,
				   RESYNC_AGAIN);
	if (vgw_cluster_shares(c)) {
		vgw_state_batch_init(&b, vn, c, GFP_KERNEL);
		vgw_ct_resync(vn, &b);
		vgw_nat_resync(vn, &b);
		local_bh_disable();
		rcu_read_lock();
		vgw_state_flush(&b);
		rcu_read_unlock();
		local_bh_enable();
		if (first)
			vgw_cluster_count(vn, VNICGW_CLUSTER_RESYNC, 1);
	}
	mutex_unlock(&vn->lock);
}

/* Ask every other member for the state of this host's flows. */
static void ask_work(struct work_struct *work)
{
	struct vgw_net *vn = container_of(to_delayed_work(work), struct vgw_net,
					  cluster_ask_work);
	const struct vgw_cluster *c;
	struct sk_buff *skb;
	u32 i;

	mutex_lock(&vn->lock);
	c = rcu_dereference_protected(vn->cluster, lockdep_is_held(&vn->lock));
	if (vn->cluster_asks && --vn->cluster_asks)
		queue_delayed_work(system_unbound_wq, &vn->cluster_ask_work,
				   ASK_AGAIN);
	if (vgw_cluster_shares(c) && c->self != VGW_OWNER_NONE) {
		local_bh_disable();
		rcu_read_lock();
		for (i = 0; i < c->n; i++) {
			if (i == c->self)
				continue;
			skb = state_skb();
			if (skb)
				state_send_flags(vn, c, skb, i, VGW_STATE_F_ASK);
		}
		rcu_read_unlock();
		local_bh_enable();
	}
	mutex_unlock(&vn->lock);
}

void vgw_cluster_asked(struct vgw_net *vn)
{
	unsigned long last = READ_ONCE(vn->cluster_asked);

	/*
	 * A resync sends every entry this host holds: one a second at most,
	 * whoever asks (a member that asks in a loop costs no more). A
	 * resync already due (RESYNC_AGAIN) stays where it is.
	 */
	if (time_before(jiffies, last + HZ) ||
	    cmpxchg(&vn->cluster_asked, last, jiffies) != last)
		return;
	vgw_cluster_count(vn, VNICGW_CLUSTER_STATE_ASKED, 1);
	queue_delayed_work(system_unbound_wq, &vn->cluster_work, 0);
}

int vgw_cluster_net_init(struct vgw_net *vn)
{
	RCU_INIT_POINTER(vn->cluster, NULL);
	INIT_DELAYED_WORK(&vn->cluster_work, resync_work);
	INIT_DELAYED_WORK(&vn->cluster_ask_work, ask_work);
	vn->cluster_resyncs = 0;
	vn->cluster_asks = 0;
	vn->cluster_asked = jiffies - HZ;
	vgw_auth_net_init(vn);
	return 0;
}

/*
 * No request can reach the namespace any more (its netlink sockets are gone
 * with it), and no packet (its links and their sockets are gone, and the
 * readers that started before have finished: netns.c), so nothing queues
 * the resync or the asks again once they are cancelled.
 */
void vgw_cluster_net_stop(struct vgw_net *vn)
{
	cancel_delayed_work_sync(&vn->cluster_ask_work);
	cancel_delayed_work_sync(&vn->cluster_work);
}

/*
 * After vgw_cluster_net_stop() and after the collectors stopped: nothing
 * but a reader already under rcu_read_lock() can still see the cluster.
 * Unpublished, and freed after a grace period (the module's exit waits for
 * it: rcu_barrier() in vgw_nat_exit() and vgw_ct_exit()).
 */
void vgw_cluster_net_exit(struct vgw_net *vn)
{
	struct vgw_cluster *c = rcu_dereference_protected(vn->cluster, true);

	vgw_cluster_net_stop(vn);
	RCU_INIT_POINTER(vn->cluster, NULL);
	if (c)
		call_rcu(&c->rcu, cluster_free_rcu);
}
