// SPDX-License-Identifier: GPL-2.0
/*
 * Compiled security policies. The rules that apply to a VNIC are the union
 * of its subnet's security lists and its NSGs, so VNICs with the same subnet
 * and the same NSGs share one compiled policy: a subnet of 100k VNICs costs
 * one ruleset per direction, not 100k.
 *
 * A policy is created when the first VNIC with its inputs appears and goes
 * with the last one. Its rulesets are compiled at commit, after every change
 * of the transaction, for the policies whose inputs may have changed.
 */
#include "objects.h"

struct policy_key {
	const char *subnet;
	const char (*nsgs)[VNICGW_ID_MAX];
	unsigned int n_nsgs;
};

static u64 key_hash(const struct policy_key *k)
{
	u64 h = vgw_hash64(k->subnet, strlen(k->subnet), 0x706f6cULL);
	unsigned int i;

	for (i = 0; i < k->n_nsgs; i++)
		h = vgw_hash64(k->nsgs[i], strlen(k->nsgs[i]), h);
	return h;
}

static bool policy_eq(const void *val, const void *key)
{
	const struct vgw_policy *p = val;
	const struct policy_key *k = key;
	unsigned int i;

	if (p->n_nsgs != k->n_nsgs || strcmp(p->subnet, k->subnet))
		return false;
	for (i = 0; i < k->n_nsgs; i++)
		if (strcmp(p->nsgs[i], k->nsgs[i]))
			return false;
	return true;
}

static void vnic_key(const struct vgw_vnic *v, struct policy_key *k)
{
	k->subnet = v->subnet;
	k->nsgs = (const void *)v->nsgs;
	k->n_nsgs = v->n_nsgs;
}

u64 vgw_policy_key(const struct vgw_vnic *v)
{
	struct policy_key k;

	vnic_key(v, &k);
	return key_hash(&k);
}

const struct vgw_policy *vgw_policy_of(const struct vgw_snap *s,
				       const struct vgw_vnic *v)
{
	struct policy_key k;

	vnic_key(v, &k);
	return vgw_pmap_lookup(&s->policies, v->policy, policy_eq, &k);
}

static void policy_free_shallow(void *p)
{
	kfree(p);
}

static void ruleset_free(void *rs)
{
	vgw_rules_free(rs);
}

/*
 * A version of @p that this edit may change: @p itself if the edit made
 * it, else a copy that shares the rulesets (the old one is retired alone).
 */
static struct vgw_policy *writable(struct vgw_txn *t, struct vgw_policy *p,
				   const struct policy_key *k)
{
	struct vgw_policy *c;
	void *prev;

	if (p->edit == t->edit.id)
		return p;
	c = kmemdup(p, sizeof(*p), GFP_KERNEL_ACCOUNT);
	if (!c)
		return ERR_PTR(-ENOMEM);
	c->edit = t->edit.id;
	if (vgw_pedit_track(&t->edit, c, policy_free_shallow)) {
		kfree(c);
		return ERR_PTR(-ENOMEM);
	}
	prev = vgw_pmap_set(&t->snap->policies, &t->edit, c->key, policy_eq, k, c);
	if (IS_ERR(prev))
		return prev;
	if (vgw_txn_retire(t, p, policy_free_shallow))
		return ERR_PTR(-ENOMEM);
	return c;
}

static int policy_new(struct vgw_txn *t, const struct vgw_vnic *v,
		      const struct policy_key *k)
{
	struct vgw_policy *p;
	void *prev;

	p = kzalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
	if (!p)
		return -ENOMEM;
	p->key = v->policy;
	p->edit = t->edit.id;
	p->users = 1;
	strscpy(p->subnet, v->subnet, sizeof(p->subnet));
	p->n_nsgs = v->n_nsgs;
	memcpy(p->nsgs, v->nsgs, v->n_nsgs * VNICGW_ID_MAX);
	if (vgw_pedit_track(&t->edit, p, policy_free_shallow)) {
		kfree(p);
		return -ENOMEM;
	}
	prev = vgw_pmap_set(&t->snap->policies, &t->edit, p->key, policy_eq, k, p);
	t->policies_dirty = true;	/* compile it at commit */
	return IS_ERR(prev) ? PTR_ERR(prev) : 0;
}

int vgw_policy_get(struct vgw_txn *t, const struct vgw_vnic *v,
		   struct netlink_ext_ack *extack)
{
	struct vgw_policy *p;
	struct policy_key k;

	vnic_key(v, &k);
	p = vgw_pmap_lookup(&t->snap->policies, v->policy, policy_eq, &k);
	if (!p)
		return policy_new(t, v, &k);
	p = writable(t, p, &k);
	if (IS_ERR(p))
		return PTR_ERR(p);
	p->users++;
	return 0;
}

int vgw_policy_put(struct vgw_txn *t, const struct vgw_vnic *v)
{
	struct vgw_policy *p;
	struct policy_key k;
	void *prev;

	vnic_key(v, &k);
	p = vgw_pmap_lookup(&t->snap->policies, v->policy, policy_eq, &k);
	if (WARN_ON_ONCE(!p))
		return -ENOENT;
	if (p->users > 1) {
		p = writable(t, p, &k);
		if (IS_ERR(p))
			return PTR_ERR(p);
		p->users--;
		return 0;
	}
	prev = vgw_pmap_del(&t->snap->policies, &t->edit, p->key, policy_eq, &k);
	if (IS_ERR(prev))
		return PTR_ERR(prev);
	if ((p->in && vgw_txn_retire(t, p->in, ruleset_free)) ||
	    (p->out && vgw_txn_retire(t, p->out, ruleset_free)))
		return -ENOMEM;
	return vgw_txn_retire(t, p, policy_free_shallow);
}

/* --- compiling --------------------------------------------------------- */

struct rule_buf {
	struct vgw_rule *r;
	unsigned int n, cap;
};

static int add_rules(const struct vgw_snap *s, struct rule_buf *b,
		     const struct vgw_secrule *src, unsigned int n)
{
	const struct vgw_seclist *nsg;
	unsigned int i;

	if (b->n + n > b->cap)
		return -E2BIG;
	for (i = 0; i < n; i++) {
		const struct vgw_secrule *sr = &src[i];
		struct vgw_rule *r = &b->r[b->n++];

		memset(r, 0, sizeof(*r));
		r->proto = sr->proto == VNICGW_PROTO_ALL ? VGW_PROTO_ALL : sr->proto;
		if (sr->peer_nsg[0]) {
			nsg = (const void *)vgw_obj_find(s, VNICGW_OBJ_NSG, sr->peer_nsg);
			/* A rule whose NSG is gone matches nothing. */
			r->nsg = nsg ? nsg->nsg_index : U32_MAX;
		} else {
			r->family = sr->peer.ip.family;
			r->plen = sr->peer.len;
			memcpy(r->addr, sr->peer.ip.b, 16);
		}
		r->sport_lo = sr->sport_lo;
		r->sport_hi = sr->sport_hi;
		r->dport_lo = sr->dport_lo;
		r->dport_hi = sr->dport_hi;
		r->icmp_type = sr->icmp_type;
		r->icmp_code = sr->icmp_code;
		r->stateless = sr->stateless;
	}
	return 0;
}

/* The lists of @p's inputs, one direction at a time. */
static int gather(const struct vgw_snap *s, const struct vgw_policy *p,
		  bool ingress, struct rule_buf *b)
{
	const struct vgw_subnet *sn;
	const struct vgw_seclist *sl;
	unsigned int i;
	int err = 0;

	sn = (const void *)vgw_obj_find(s, VNICGW_OBJ_SUBNET, p->subnet);
	for (i = 0; sn && i < sn->n_sls && !err; i++) {
		sl = (const void *)vgw_obj_find(s, VNICGW_OBJ_SECLIST, sn->sls[i]);
		if (sl)
			err = ingress ? add_rules(s, b, sl->rules, sl->n_in) :
				add_rules(s, b, sl->rules + sl->n_in, sl->n_out);
	}
	for (i = 0; i < p->n_nsgs && !err; i++) {
		sl = (const void *)vgw_obj_find(s, VNICGW_OBJ_NSG, p->nsgs[i]);
		if (sl)
			err = ingress ? add_rules(s, b, sl->rules, sl->n_in) :
				add_rules(s, b, sl->rules + sl->n_in, sl->n_out);
	}
	return err;
}

/* @v's lists in this order: its subnet's security lists, then its NSGs. */
static const struct vgw_seclist *nth_list(const struct vgw_snap *s,
					  const struct vgw_subnet *sn,
					  const struct vgw_vnic *v,
					  unsigned int i)
{
	unsigned int n_sls = sn ? sn->n_sls : 0;

	if (i < n_sls)
		return (const void *)vgw_obj_find(s, VNICGW_OBJ_SECLIST,
						  sn->sls[i]);
	return (const void *)vgw_obj_find(s, VNICGW_OBJ_NSG,
					  v->nsgs[i - n_sls]);
}

bool vgw_policy_which(const struct vgw_snap *s, const struct vgw_vnic *v,
		      bool ingress, bool stateless,
		      const struct vgw_rule_pkt *p,
		      const struct vgw_seclist **list, u32 *index)
{
	const struct vgw_subnet *sn;
	const struct vgw_seclist *sl;
	struct vgw_rule r;
	struct rule_buf b = { .r = &r, .cap = 1 };
	unsigned int i, j, n;

	sn = (const void *)vgw_obj_find_hashed(s, VNICGW_OBJ_SUBNET,
					       v->subnet, v->subnet_hash);
	n = (sn ? sn->n_sls : 0) + v->n_nsgs;
	for (i = 0; i < n; i++) {
		const struct vgw_secrule *first;

		sl = nth_list(s, sn, v, i);
		if (!sl)
			continue;
		first = ingress ? sl->rules : sl->rules + sl->n_in;
		for (j = 0; j < (ingress ? sl->n_in : sl->n_out); j++) {
			if (first[j].stateless != stateless)
				continue;
			b.n = 0;
			if (add_rules(s, &b, &first[j], 1) ||
			    !vgw_rule_hits(&r, p))
				continue;
			*list = sl;
			*index = j;
			return true;
		}
	}
	return false;
}

static struct vgw_ruleset *compile(const struct vgw_snap *s,
				   const struct vgw_policy *p, bool ingress)
{
	unsigned int cap = (VGW_MAX_SUBNET_SLS + VGW_MAX_VNIC_NSGS) *
			   VGW_MAX_SEC_RULES;
	struct rule_buf b = { .cap = cap };
	struct vgw_ruleset *rs;
	int err;

	b.r = kvmalloc_array(cap, sizeof(*b.r), GFP_KERNEL_ACCOUNT);
	if (!b.r)
		return ERR_PTR(-ENOMEM);
	err = gather(s, p, ingress, &b);
	rs = err ? ERR_PTR(err) : vgw_rules_build(b.r, b.n, GFP_KERNEL_ACCOUNT);
	kvfree(b.r);
	return rs;
}

struct refresh_args {
	struct vgw_txn *t;
	int err;
};

static int refresh_one(void *val, void *arg)
{
	struct refresh_args *a = arg;
	struct vgw_policy *p = val;
	struct vgw_ruleset *in, *out;
	struct policy_key k = { p->subnet, (const void *)p->nsgs, p->n_nsgs };

	in = compile(a->t->snap, p, true);
	out = IS_ERR(in) ? in : compile(a->t->snap, p, false);
	if (IS_ERR(out)) {
		if (!IS_ERR(in))
			vgw_rules_free(in);
		a->err = PTR_ERR(out);
		return 1;
	}
	if (vgw_pedit_track(&a->t->edit, in, ruleset_free) ||
	    vgw_pedit_track(&a->t->edit, out, ruleset_free) ||
	    (p->in && vgw_txn_retire(a->t, p->in, ruleset_free)) ||
	    (p->out && vgw_txn_retire(a->t, p->out, ruleset_free))) {
		a->err = -ENOMEM;
		return 1;
	}
	p = writable(a->t, p, &k);
	if (IS_ERR(p)) {
		a->err = PTR_ERR(p);
		return 1;
	}
	p->in = in;
	p->out = out;
	return 0;
}

/*
 * At commit: recompile every policy if any list, NSG or subnet changed (or
 * a policy was created). Policies are few (one per subnet and NSG set), so
 * recompiling all is simpler than tracking which input feeds which.
 */
int vgw_policies_refresh(struct vgw_txn *t, struct netlink_ext_ack *extack)
{
	struct vgw_pmap_cursor c = VGW_PMAP_CURSOR_START;
	struct refresh_args a = { .t = t };

	if (!t->policies_dirty)
		return 0;
	vgw_pmap_walk(&t->snap->policies, &c, refresh_one, &a);
	if (a.err == -E2BIG)
		return vgw_refuse(extack, NULL,
				  "a VNIC's security lists and NSGs hold too many rules");
	return a.err;
}

static void policy_free_deep(void *val)
{
	struct vgw_policy *p = val;

	vgw_rules_free(p->in);
	vgw_rules_free(p->out);
	kfree(p);
}

void vgw_policies_destroy(struct vgw_snap *s)
{
	vgw_pmap_destroy(&s->policies, policy_free_deep);
}
