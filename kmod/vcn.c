// SPDX-License-Identifier: GPL-2.0
/*
 * VCNs: an id and the CIDRs that make up the VCN's private address space.
 * Traffic between addresses of a VCN is routed by its virtual router.
 */
#include "objects.h"

static const struct nla_policy vcn_policy[VNICGW_VCN_MAX + 1] = {
	[VNICGW_VCN_ID] = VGW_POLICY_ID,
	[VNICGW_VCN_CIDRS] = VGW_POLICY_LIST,
};

static struct vgw_obj *vcn_parse(struct nlattr **tb,
				 struct netlink_ext_ack *extack)
{
	const struct nlattr *pos;
	struct vgw_vcn *v;
	int n, rem, i = 0, j, err;

	if (!tb[VNICGW_VCN_ID] || !tb[VNICGW_VCN_CIDRS])
		return ERR_PTR(vgw_refuse(extack, NULL, "vcn: id and cidrs are required"));
	n = vgw_nla_list(tb[VNICGW_VCN_CIDRS], VGW_MAX_VCN_CIDRS, extack);
	if (n < 0)
		return ERR_PTR(n);
	if (n == 0)
		return ERR_PTR(vgw_refuse(extack, tb[VNICGW_VCN_CIDRS],
					  "vcn: at least one CIDR"));
	v = kzalloc(struct_size(v, cidrs, n), GFP_KERNEL_ACCOUNT);
	if (!v)
		return ERR_PTR(-ENOMEM);
	v->o.id = v->idbuf;
	err = vgw_nla_id(tb[VNICGW_VCN_ID], v->idbuf, extack);
	vgw_nla_for_each_item(pos, tb[VNICGW_VCN_CIDRS], rem) {
		if (err)
			break;
		err = vgw_nla_pfx(pos, &v->cidrs[i], extack);
		for (j = 0; !err && j < i; j++)
			if (vgw_pfx_overlap(&v->cidrs[i], &v->cidrs[j]))
				err = vgw_refuse(extack, pos,
						 "vcn %s: cidrs[%d] overlaps cidrs[%d]",
						 v->o.id, i, j);
		i++;
	}
	if (err) {
		kfree(v);
		return ERR_PTR(err);
	}
	v->n_cidrs = n;
	vgw_obj_init(&v->o, VNICGW_OBJ_VCN);
	return &v->o;
}

bool vgw_vcn_covers(const struct vgw_vcn *v, const struct vgw_pfx *p)
{
	unsigned int i;

	for (i = 0; i < v->n_cidrs; i++)
		if (v->cidrs[i].len <= p->len &&
		    vgw_pfx_contains(&v->cidrs[i], &p->ip))
			return true;
	return false;
}

struct vcn_check {
	const struct vgw_vcn *vcn;
	const struct vgw_obj *bad;	/* a user the change would break */
	const char *what;
};

static int subnet_outside(const struct vgw_obj *o, void *arg)
{
	const struct vgw_subnet *sn = (const void *)o;
	struct vcn_check *c = arg;

	if (strcmp(sn->vcn, c->vcn->o.id) || vgw_vcn_covers(c->vcn, &sn->cidr))
		return 0;
	c->bad = o;
	return 1;
}

/*
 * A VCN keeps its index when replaced (VNICs carry it); a replaced VCN must
 * still cover its subnets. @obj is not published yet: it may be written.
 */
static int vcn_link(struct vgw_txn *t, const struct vgw_obj *obj,
		    const struct vgw_obj *old, struct netlink_ext_ack *extack)
{
	struct vgw_vcn *v = (struct vgw_vcn *)obj;
	struct vcn_check c = { .vcn = v };

	if (!old) {
		v->index = ++t->vn->last_index;
		return 0;
	}
	v->index = ((const struct vgw_vcn *)old)->index;
	if (vgw_snap_for_each(t->snap, VNICGW_OBJ_SUBNET, subnet_outside, &c))
		return vgw_refuse(extack, NULL,
				  "vcn %s: subnet %s would be outside the VCN's cidrs",
				  obj->id, c.bad->id);
	return 0;
}

static int user_of_vcn(const struct vgw_obj *o, void *arg)
{
	struct vcn_check *c = arg;
	const char *vcn;

	switch (o->type) {
	case VNICGW_OBJ_SUBNET:
		vcn = ((const struct vgw_subnet *)o)->vcn;
		break;
	case VNICGW_OBJ_ROUTE_TABLE:
		vcn = ((const struct vgw_rt *)o)->vcn;
		break;
	case VNICGW_OBJ_SECLIST:
	case VNICGW_OBJ_NSG:
		vcn = ((const struct vgw_seclist *)o)->vcn;
		break;
	default:
		vcn = ((const struct vgw_gw *)o)->vcn;
	}
	if (strcmp(vcn, c->vcn->o.id))
		return 0;
	c->bad = o;
	return 1;
}

static int vcn_in_use(const struct vgw_snap *s, const struct vgw_obj *obj,
		      struct netlink_ext_ack *extack)
{
	static const u8 users[] = {
		VNICGW_OBJ_SUBNET, VNICGW_OBJ_ROUTE_TABLE, VNICGW_OBJ_SECLIST,
		VNICGW_OBJ_NSG, VNICGW_OBJ_GATEWAY,
	};
	struct vcn_check c = { .vcn = (const void *)obj };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(users); i++)
		if (vgw_snap_for_each(s, users[i], user_of_vcn, &c))
			return vgw_refuse(extack, NULL, "vcn %s is used by %s %s",
					  obj->id,
					  vgw_obj_types[c.bad->type]->name,
					  c.bad->id);
	return 0;
}

static int vcn_fill(struct sk_buff *skb, const struct vgw_obj *obj)
{
	const struct vgw_vcn *v = (const void *)obj;
	struct nlattr *list;
	unsigned int i;

	if (nla_put_string(skb, VNICGW_VCN_ID, v->o.id))
		return -EMSGSIZE;
	list = nla_nest_start(skb, VNICGW_VCN_CIDRS);
	if (!list)
		return -EMSGSIZE;
	for (i = 0; i < v->n_cidrs; i++)
		if (vgw_put_pfx(skb, VNICGW_ITEM, &v->cidrs[i]))
			return -EMSGSIZE;
	nla_nest_end(skb, list);
	return 0;
}

static void vcn_free(struct vgw_obj *obj)
{
	kfree(obj);
}

const struct vgw_obj_type vgw_vcn_type = {
	.name = "vcn",
	.nest = VNICGW_A_VCN,
	.policy = vcn_policy,
	.maxattr = VNICGW_VCN_MAX,
	.parse = vcn_parse,
	.link = vcn_link,
	.in_use = vcn_in_use,
	.fill = vcn_fill,
	.free = vcn_free,
};
