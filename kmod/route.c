// SPDX-License-Identifier: GPL-2.0
/*
 * Route tables: destination (a prefix, or a service label of the target
 * service gateway) → target (a gateway, or a private IP), up to
 * VNICGW_RT_RULES_MAX rules in the order sent; a large table arrives in
 * pieces (VNICGW_RT_APPEND) within one transaction. Each table holds a
 * longest-prefix-match structure (lpm.c) built once, at the commit, with
 * service labels expanded into the prefixes their gateway lists; a change of
 * a service gateway's services rebuilds the tables that use it.
 */
#include <linux/sort.h>

#include "objects.h"

static const struct nla_policy route_policy[VNICGW_ROUTE_MAX + 1] = {
	[VNICGW_ROUTE_DST] = VGW_POLICY_PFX,
	[VNICGW_ROUTE_DST_SERVICE] = VGW_POLICY_ID,
	[VNICGW_ROUTE_TARGET_GW] = VGW_POLICY_ID,
	[VNICGW_ROUTE_TARGET_IP] = VGW_POLICY_IP,
};

static const struct nla_policy rt_policy[VNICGW_RT_MAX + 1] = {
	[VNICGW_RT_ID] = VGW_POLICY_ID,
	[VNICGW_RT_VCN] = VGW_POLICY_ID,
	[VNICGW_RT_RULES] = VGW_POLICY_LIST,
	[VNICGW_RT_APPEND] = { .type = NLA_FLAG },
};

/* Order of destinations, to find repeated ones: CIDRs, then services. */
static int route_dst_cmp(const void *x, const void *y, const void *priv)
{
	const struct vgw_route *rules = priv;
	const struct vgw_route *a = &rules[*(const u32 *)x];
	const struct vgw_route *b = &rules[*(const u32 *)y];

	if (a->dst_kind != b->dst_kind)
		return a->dst_kind < b->dst_kind ? -1 : 1;
	if (a->dst_kind == VGW_DST_SERVICE)
		return strcmp(a->service, b->service);
	if (a->dst.ip.family != b->dst.ip.family)
		return a->dst.ip.family < b->dst.ip.family ? -1 : 1;
	if (a->dst.len != b->dst.len)
		return a->dst.len < b->dst.len ? -1 : 1;
	return memcmp(a->dst.ip.b, b->dst.ip.b, 16);
}

/*
 * Refuse two rules with one destination, naming both. Sorting indexes
 * keeps it O(n log n): tables have up to VNICGW_RT_RULES_MAX rules.
 */
static int rt_check_dups(const struct vgw_rt *rt,
			 struct netlink_ext_ack *extack)
{
	u32 *idx, i, a, b;
	int err = 0;

	if (rt->n_rules < 2)
		return 0;
	idx = kvmalloc_array(rt->n_rules, sizeof(*idx), GFP_KERNEL_ACCOUNT);
	if (!idx)
		return -ENOMEM;
	for (i = 0; i < rt->n_rules; i++)
		idx[i] = i;
	sort_r(idx, rt->n_rules, sizeof(*idx), route_dst_cmp, NULL, rt->rules);
	for (i = 1; i < rt->n_rules; i++) {
		if (route_dst_cmp(&idx[i - 1], &idx[i], rt->rules))
			continue;
		a = min(idx[i - 1], idx[i]);
		b = max(idx[i - 1], idx[i]);
		err = vgw_refuse(extack, NULL,
				 "route table %s: rules[%u] repeats the destination of rules[%u]",
				 rt->o.id, b, a);
		break;
	}
	kvfree(idx);
	return err;
}

/* Parse rule @i (its index in the whole table) into rt->rules[@i]. */
static int parse_route(struct vgw_rt *rt, unsigned int i, const struct nlattr *a,
		       struct netlink_ext_ack *extack)
{
	struct nlattr *tb[VNICGW_ROUTE_MAX + 1];
	struct vgw_route *r = &rt->rules[i];
	int err;

	err = nla_parse_nested(tb, VNICGW_ROUTE_MAX, a, route_policy, extack);
	if (err)
		return err;
	if (!!tb[VNICGW_ROUTE_DST] == !!tb[VNICGW_ROUTE_DST_SERVICE])
		return vgw_refuse(extack, a,
				  "route table %s: rules[%u] needs one destination",
				  rt->o.id, i);
	if (!!tb[VNICGW_ROUTE_TARGET_GW] == !!tb[VNICGW_ROUTE_TARGET_IP])
		return vgw_refuse(extack, a,
				  "route table %s: rules[%u] needs one target",
				  rt->o.id, i);
	memset(r, 0, sizeof(*r));
	if (tb[VNICGW_ROUTE_DST]) {
		r->dst_kind = VGW_DST_CIDR;
		err = vgw_nla_pfx(tb[VNICGW_ROUTE_DST], &r->dst, extack);
	} else {
		r->dst_kind = VGW_DST_SERVICE;
		err = vgw_nla_id(tb[VNICGW_ROUTE_DST_SERVICE], r->service, extack);
	}
	if (err)
		return err;
	if (tb[VNICGW_ROUTE_TARGET_GW]) {
		r->target_kind = VGW_TARGET_GW;
		err = vgw_nla_id(tb[VNICGW_ROUTE_TARGET_GW], r->gw, extack);
		r->gw_hash = vgw_obj_hash(VNICGW_OBJ_GATEWAY, r->gw);
		return err;
	}
	r->target_kind = VGW_TARGET_IP;
	return vgw_nla_ip(tb[VNICGW_ROUTE_TARGET_IP], &r->ip, extack);
}

/* Room for @want rules; doubling keeps a table set in pieces linear. */
static int rt_grow(struct vgw_rt *rt, u32 want)
{
	struct vgw_route *rules;
	u32 cap;

	if (want <= rt->cap)
		return 0;
	cap = clamp_t(u32, 2 * rt->cap, want, VNICGW_RT_RULES_MAX);
	rules = kvmalloc_array(cap, sizeof(*rules), GFP_KERNEL_ACCOUNT);
	if (!rules)
		return -ENOMEM;
	if (rt->n_rules)
		memcpy(rules, rt->rules, rt->n_rules * sizeof(*rules));
	kvfree(rt->rules);
	rt->rules = rules;
	rt->cap = cap;
	return 0;
}

/* Add the rules of @list after those @rt has: 0, or -errno with the extack. */
static int parse_rules(struct vgw_rt *rt, const struct nlattr *list,
		       struct netlink_ext_ack *extack)
{
	const struct nlattr *pos;
	u32 i = rt->n_rules;
	int n, rem, err;

	n = vgw_nla_list(list, VNICGW_RT_RULES_MAX + 1, extack);
	if (n < 0)
		return n;
	if (n > VNICGW_RT_RULES_MAX - rt->n_rules)
		return vgw_refuse(extack, list,
				  "route table %s: more than %u rules (it has %u, %d more sent)",
				  rt->o.id, VNICGW_RT_RULES_MAX, rt->n_rules, n);
	err = rt_grow(rt, rt->n_rules + n);
	if (err)
		return err;
	vgw_nla_for_each_item(pos, list, rem) {
		err = parse_route(rt, i++, pos, extack);
		if (err)
			return err;
	}
	rt->n_rules += n;
	return 0;
}

static void rt_free(struct vgw_obj *obj)
{
	struct vgw_rt *rt = (void *)obj;

	if (rt->lpm)
		vgw_lpm_free(rt->lpm);
	kvfree(rt->rules);
	kfree(rt);
}

static struct vgw_obj *rt_parse(struct nlattr **tb,
				struct netlink_ext_ack *extack)
{
	struct vgw_rt *rt;
	int err;

	if (!tb[VNICGW_RT_ID] || !tb[VNICGW_RT_VCN])
		return ERR_PTR(vgw_refuse(extack, NULL,
					  "route table: id and vcn are required"));
	if (tb[VNICGW_RT_APPEND])	/* netlink.c sends appends elsewhere */
		return ERR_PTR(vgw_refuse(extack, tb[VNICGW_RT_APPEND],
					  "route table: an append is not an object"));
	rt = kzalloc(sizeof(*rt), GFP_KERNEL_ACCOUNT);
	if (!rt)
		return ERR_PTR(-ENOMEM);
	rt->o.id = rt->idbuf;
	err = vgw_nla_id(tb[VNICGW_RT_ID], rt->idbuf, extack);
	if (!err)
		err = vgw_nla_id(tb[VNICGW_RT_VCN], rt->vcn, extack);
	if (!err && tb[VNICGW_RT_RULES])
		err = parse_rules(rt, tb[VNICGW_RT_RULES], extack);
	if (err) {
		rt_free(&rt->o);
		return ERR_PTR(err);
	}
	vgw_obj_init(&rt->o, VNICGW_OBJ_ROUTE_TABLE);
	return &rt->o;
}

/*
 * The table was set earlier in this transaction, so only the transaction
 * can reach it: its rules grow in place. Checks against other objects and
 * the LPM wait for the commit (rt_link), once for the whole table.
 */
int vgw_rt_append(struct vgw_txn *t, struct nlattr **tb,
		  struct netlink_ext_ack *extack)
{
	char id[VNICGW_ID_MAX], vcn[VNICGW_ID_MAX];
	struct vgw_rt *rt;
	int err;

	if (!tb[VNICGW_RT_ID])
		return vgw_refuse(extack, NULL, "route table: an append needs the id");
	err = vgw_nla_id(tb[VNICGW_RT_ID], id, extack);
	if (err)
		return err;
	rt = (struct vgw_rt *)vgw_obj_find(t->snap, VNICGW_OBJ_ROUTE_TABLE, id);
	/* Objects set in this transaction carry the next generation. */
	if (!rt || rt->o.gen != t->snap->generation + 1)
		return vgw_refuse(extack, tb[VNICGW_RT_ID],
				  "route table %s: an append needs the table set earlier in the same transaction",
				  id);
	if (tb[VNICGW_RT_VCN]) {
		err = vgw_nla_id(tb[VNICGW_RT_VCN], vcn, extack);
		if (err)
			return err;
		if (strcmp(vcn, rt->vcn))
			return vgw_refuse(extack, tb[VNICGW_RT_VCN],
					  "route table %s: an append names vcn %s, the table is in vcn %s",
					  id, vcn, rt->vcn);
	}
	return tb[VNICGW_RT_RULES] ?
	       parse_rules(rt, tb[VNICGW_RT_RULES], extack) : 0;
}

static const struct vgw_service *find_service(const struct vgw_gw *g,
					      const char *name)
{
	unsigned int i;

	for (i = 0; i < g->n_services; i++)
		if (!strcmp(g->services[i].name, name))
			return &g->services[i];
	return NULL;
}

static void add_route(struct vgw_lpm_route *out, const struct vgw_pfx *p,
		      u32 value)
{
	out->family = p->ip.family;
	out->plen = p->len;
	memcpy(out->addr, p->ip.b, 16);
	out->value = value;
}

/* Check the targets of @rt in @s and build its LPM: 0 or -errno. */
static int rt_build(const struct vgw_snap *s, struct vgw_rt *rt,
		    struct netlink_ext_ack *extack)
{
	u32 max = min_t(u32, READ_ONCE(vgw_max_table_routes),
			VGW_LPM_MAX_ROUTES);
	struct vgw_lpm_route *routes;
	const struct vgw_service *svc;
	const struct vgw_gw *g;
	unsigned int i, j, n = 0;
	struct vgw_lpm *lpm;
	int err;

	/*
	 * Service destinations expand into their gateway's prefixes: up to
	 * VGW_MAX_SERVICE_PFXS per rule, ~67M for a full table. The count is
	 * bounded before anything is allocated for it.
	 */
	for (i = 0; i < rt->n_rules; i++) {
		const struct vgw_route *r = &rt->rules[i];

		if (r->dst_kind == VGW_DST_CIDR) {
			n++;
		} else {
			if (r->target_kind != VGW_TARGET_GW)
				return vgw_refuse(extack, NULL,
						  "route table %s: rules[%u]: a service destination needs a service gateway target",
						  rt->o.id, i);
			g = (const void *)vgw_obj_find(s, VNICGW_OBJ_GATEWAY, r->gw);
			svc = g ? find_service(g, r->service) : NULL;
			if (!svc)
				return vgw_refuse(extack, NULL,
						  "route table %s: rules[%u]: gateway %s has no service %s",
						  rt->o.id, i, r->gw, r->service);
			n += svc->n_pfxs;
		}
		if (n > max)
			return vgw_refuse(extack, NULL,
					  "route table %s: rules[%u] makes it more than %u routes with service prefixes expanded (module parameter max_table_routes)",
					  rt->o.id, i, max);
		if (r->target_kind == VGW_TARGET_GW) {
			err = vgw_ref_check(s, VNICGW_OBJ_GATEWAY, r->gw, rt->vcn,
					    "route table", extack);
			if (err)
				return err;
		}
	}
	routes = kvcalloc(n ?: 1, sizeof(*routes), GFP_KERNEL_ACCOUNT);
	if (!routes)
		return -ENOMEM;
	for (i = 0, n = 0; i < rt->n_rules; i++) {
		const struct vgw_route *r = &rt->rules[i];

		if (r->dst_kind == VGW_DST_CIDR) {
			add_route(&routes[n++], &r->dst, i);
			continue;
		}
		g = (const void *)vgw_obj_find(s, VNICGW_OBJ_GATEWAY, r->gw);
		svc = find_service(g, r->service);
		for (j = 0; j < svc->n_pfxs; j++)
			add_route(&routes[n++], &svc->pfxs[j], i);
	}
	lpm = vgw_lpm_build(routes, n, GFP_KERNEL_ACCOUNT);
	kvfree(routes);
	if (IS_ERR(lpm)) {
		if (PTR_ERR(lpm) == -EEXIST)
			return vgw_refuse(extack, NULL,
					  "route table %s: a service prefix repeats another destination",
					  rt->o.id);
		return PTR_ERR(lpm);
	}
	rt->lpm = lpm;
	return 0;
}

/* @obj is not published yet: building its LPM writes it. */
static int rt_link(struct vgw_txn *t, const struct vgw_obj *obj,
		   const struct vgw_obj *old, struct netlink_ext_ack *extack)
{
	struct vgw_rt *rt = (struct vgw_rt *)obj;
	int err;

	err = vgw_ref_check(t->snap, VNICGW_OBJ_VCN, rt->vcn, NULL,
			    rt->o.id, extack);
	if (!err)
		err = rt_check_dups(rt, extack);
	if (err)
		return err;
	if (rt->lpm) {
		/* Built by a refresh earlier in this commit: its own. */
		vgw_lpm_free(rt->lpm);
		rt->lpm = NULL;
	}
	return rt_build(t->snap, rt, extack);
}

struct refresh_args {
	struct vgw_txn *t;
	const char *gw;
	struct netlink_ext_ack *extack;
	int err;
};

static bool rt_uses_services_of(const struct vgw_rt *rt, const char *gw)
{
	unsigned int i;

	for (i = 0; i < rt->n_rules; i++)
		if (rt->rules[i].dst_kind == VGW_DST_SERVICE &&
		    !strcmp(rt->rules[i].gw, gw))
			return true;
	return false;
}

static int refresh_one(const struct vgw_obj *o, void *arg)
{
	const struct vgw_rt *rt = (const void *)o;
	struct refresh_args *a = arg;
	struct vgw_rt *copy;

	/* Touched tables are built when they are linked, later in the commit. */
	if (!rt_uses_services_of(rt, a->gw) ||
	    vgw_txn_touched(a->t, o->type, o->id))
		return 0;
	copy = kmemdup(rt, sizeof(*rt), GFP_KERNEL_ACCOUNT);
	if (!copy) {
		a->err = -ENOMEM;
		return 1;
	}
	copy->o.id = copy->idbuf;
	copy->lpm = NULL;
	copy->cap = rt->n_rules;
	copy->rules = kvmalloc_array(rt->n_rules ?: 1, sizeof(*copy->rules),
				     GFP_KERNEL_ACCOUNT);
	a->err = copy->rules ? 0 : -ENOMEM;
	if (!a->err) {
		memcpy(copy->rules, rt->rules, rt->n_rules * sizeof(*rt->rules));
		a->err = rt_build(a->t->snap, copy, a->extack);
	}
	if (a->err) {
		rt_free(&copy->o);
		return 1;
	}
	a->err = vgw_txn_replace(a->t, &copy->o);
	return a->err ? 1 : 0;
}

/*
 * A service gateway changed: rebuild the route tables whose service
 * destinations it serves. Replacing entries of the map being walked is safe:
 * a node the edit copies or outgrows stays allocated until the commit ends,
 * and a replaced entry keeps its place in the walk's order.
 */
int vgw_rt_refresh_for_gw(struct vgw_txn *t, const char *gw,
			  struct netlink_ext_ack *extack)
{
	struct refresh_args a = { .t = t, .gw = gw, .extack = extack };

	vgw_snap_for_each(t->snap, VNICGW_OBJ_ROUTE_TABLE, refresh_one, &a);
	return a.err;
}

static int uses_rt(const struct vgw_obj *o, void *arg)
{
	const struct vgw_subnet *sn = (const void *)o;

	if (strcmp(sn->rt, *(const char **)arg))
		return 0;
	*(const char **)arg = o->id;
	return 1;
}

static int rt_in_use(const struct vgw_snap *s, const struct vgw_obj *obj,
		     struct netlink_ext_ack *extack)
{
	const char *arg = obj->id;

	if (vgw_snap_for_each(s, VNICGW_OBJ_SUBNET, uses_rt, &arg))
		return vgw_refuse(extack, NULL, "route table %s is used by subnet %s",
				  obj->id, arg);
	return 0;
}

static int fill_route(struct sk_buff *skb, const struct vgw_route *r)
{
	struct nlattr *nest = nla_nest_start(skb, VNICGW_ITEM);

	if (!nest)
		return -EMSGSIZE;
	if ((r->dst_kind == VGW_DST_CIDR ?
	     vgw_put_pfx(skb, VNICGW_ROUTE_DST, &r->dst) :
	     nla_put_string(skb, VNICGW_ROUTE_DST_SERVICE, r->service)) ||
	    (r->target_kind == VGW_TARGET_GW ?
	     nla_put_string(skb, VNICGW_ROUTE_TARGET_GW, r->gw) :
	     vgw_put_ip(skb, VNICGW_ROUTE_TARGET_IP, &r->ip))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* An attribute's length is 16 bits: a rule list stops short of it. */
#define VGW_RT_NEST_MAX		(U16_MAX - 256)

/*
 * The table from rule *@from on, as many rules as the message holds; a part
 * after the first carries VNICGW_RT_APPEND (uapi: VNICGW_CMD_OBJ_GET).
 */
static int rt_fill_part(struct sk_buff *skb, const struct vgw_obj *obj,
			u32 *from)
{
	const struct vgw_rt *rt = (const void *)obj;
	struct nlattr *list;
	u32 i;

	if (nla_put_string(skb, VNICGW_RT_ID, rt->o.id) ||
	    nla_put_string(skb, VNICGW_RT_VCN, rt->vcn) ||
	    (*from && nla_put_flag(skb, VNICGW_RT_APPEND)))
		return -EMSGSIZE;
	list = nla_nest_start(skb, VNICGW_RT_RULES);
	if (!list)
		return -EMSGSIZE;
	for (i = *from; i < rt->n_rules; i++)
		if (skb_tail_pointer(skb) - (unsigned char *)list >
		    VGW_RT_NEST_MAX || fill_route(skb, &rt->rules[i]))
			break;
	if (i == *from && i < rt->n_rules)
		return -EMSGSIZE;
	nla_nest_end(skb, list);
	*from = i;
	return i < rt->n_rules ? 1 : 0;
}

static int rt_fill(struct sk_buff *skb, const struct vgw_obj *obj)
{
	u32 from = 0;

	return rt_fill_part(skb, obj, &from) ? -EMSGSIZE : 0;
}

const struct vgw_obj_type vgw_rt_type = {
	.name = "route table",
	.nest = VNICGW_A_ROUTE_TABLE,
	.policy = rt_policy,
	.maxattr = VNICGW_RT_MAX,
	.parse = rt_parse,
	.link = rt_link,
	.in_use = rt_in_use,
	.fill = rt_fill,
	.fill_part = rt_fill_part,
	.free = rt_free,
};
