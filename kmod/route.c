// SPDX-License-Identifier: GPL-2.0
/*
 * Route tables: destination (a prefix, or a service label of the target
 * service gateway) → target (a gateway, or a private IP). Each table holds
 * a longest-prefix-match structure (lpm.c) built when the table is set, with
 * service labels expanded into the prefixes their gateway lists; a change of
 * a service gateway's services rebuilds the tables that use it.
 */
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
};

static bool route_same_dst(const struct vgw_route *a, const struct vgw_route *b)
{
	if (a->dst_kind != b->dst_kind)
		return false;
	if (a->dst_kind == VGW_DST_SERVICE)
		return !strcmp(a->service, b->service);
	return a->dst.len == b->dst.len && vgw_ip_eq(&a->dst.ip, &b->dst.ip);
}

static int parse_route(struct vgw_rt *rt, unsigned int i, const struct nlattr *a,
		       struct netlink_ext_ack *extack)
{
	struct nlattr *tb[VNICGW_ROUTE_MAX + 1];
	struct vgw_route *r = &rt->rules[i];
	unsigned int j;
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
	} else {
		r->target_kind = VGW_TARGET_IP;
		err = vgw_nla_ip(tb[VNICGW_ROUTE_TARGET_IP], &r->ip, extack);
	}
	if (err)
		return err;
	for (j = 0; j < i; j++)
		if (route_same_dst(&rt->rules[j], r))
			return vgw_refuse(extack, a,
					  "route table %s: rules[%u] repeats the destination of rules[%u]",
					  rt->o.id, i, j);
	return 0;
}

static struct vgw_obj *rt_parse(struct nlattr **tb,
				struct netlink_ext_ack *extack)
{
	const struct nlattr *pos;
	struct vgw_rt *rt;
	int n = 0, rem, i = 0, err;

	if (!tb[VNICGW_RT_ID] || !tb[VNICGW_RT_VCN])
		return ERR_PTR(vgw_refuse(extack, NULL,
					  "route table: id and vcn are required"));
	if (tb[VNICGW_RT_RULES]) {
		n = vgw_nla_list(tb[VNICGW_RT_RULES], VGW_MAX_ROUTES, extack);
		if (n < 0)
			return ERR_PTR(n);
	}
	rt = kvzalloc(struct_size(rt, rules, n), GFP_KERNEL);
	if (!rt)
		return ERR_PTR(-ENOMEM);
	rt->o.id = rt->idbuf;
	err = vgw_nla_id(tb[VNICGW_RT_ID], rt->idbuf, extack);
	if (!err)
		err = vgw_nla_id(tb[VNICGW_RT_VCN], rt->vcn, extack);
	if (!err && n) {
		vgw_nla_for_each_item(pos, tb[VNICGW_RT_RULES], rem) {
			err = parse_route(rt, i++, pos, extack);
			if (err)
				break;
		}
	}
	if (err) {
		kvfree(rt);
		return ERR_PTR(err);
	}
	rt->n_rules = n;
	vgw_obj_init(&rt->o, VNICGW_OBJ_ROUTE_TABLE);
	return &rt->o;
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
	struct vgw_lpm_route *routes;
	const struct vgw_service *svc;
	const struct vgw_gw *g;
	unsigned int i, j, n = 0;
	struct vgw_lpm *lpm;
	int err;

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
		if (r->target_kind == VGW_TARGET_GW) {
			err = vgw_ref_check(s, VNICGW_OBJ_GATEWAY, r->gw, rt->vcn,
					    "route table", extack);
			if (err)
				return err;
		}
	}
	routes = kvcalloc(n ?: 1, sizeof(*routes), GFP_KERNEL);
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
	lpm = vgw_lpm_build(routes, n, GFP_KERNEL);
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
	size_t size = struct_size(rt, rules, rt->n_rules);

	/* Touched tables are built when they are linked, later in the commit. */
	if (!rt_uses_services_of(rt, a->gw) ||
	    vgw_txn_touched(a->t, o->type, o->id))
		return 0;
	copy = kvmalloc(size, GFP_KERNEL);
	if (!copy) {
		a->err = -ENOMEM;
		return 1;
	}
	memcpy(copy, rt, size);
	copy->o.id = copy->idbuf;
	copy->lpm = NULL;
	a->err = rt_build(a->t->snap, copy, a->extack);
	if (a->err) {
		kvfree(copy);
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
	if (r->dst_kind == VGW_DST_CIDR ?
	    vgw_put_pfx(skb, VNICGW_ROUTE_DST, &r->dst) :
	    nla_put_string(skb, VNICGW_ROUTE_DST_SERVICE, r->service))
		return -EMSGSIZE;
	if (r->target_kind == VGW_TARGET_GW ?
	    nla_put_string(skb, VNICGW_ROUTE_TARGET_GW, r->gw) :
	    vgw_put_ip(skb, VNICGW_ROUTE_TARGET_IP, &r->ip))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int rt_fill(struct sk_buff *skb, const struct vgw_obj *obj)
{
	const struct vgw_rt *rt = (const void *)obj;
	struct nlattr *list;
	u32 i;

	if (nla_put_string(skb, VNICGW_RT_ID, rt->o.id) ||
	    nla_put_string(skb, VNICGW_RT_VCN, rt->vcn))
		return -EMSGSIZE;
	list = nla_nest_start(skb, VNICGW_RT_RULES);
	if (!list)
		return -EMSGSIZE;
	for (i = 0; i < rt->n_rules; i++)
		if (fill_route(skb, &rt->rules[i]))
			return -EMSGSIZE;
	nla_nest_end(skb, list);
	return 0;
}

static void rt_free(struct vgw_obj *obj)
{
	struct vgw_rt *rt = (void *)obj;

	if (rt->lpm)
		vgw_lpm_free(rt->lpm);
	kvfree(rt);
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
	.free = rt_free,
};
