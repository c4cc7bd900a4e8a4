// SPDX-License-Identifier: GPL-2.0
/*
 * Subnets: a prefix of their VCN, the route table their VNICs use, and the
 * security lists that apply to all their VNICs.
 */
#include "objects.h"

static const struct nla_policy subnet_policy[VNICGW_SUBNET_MAX + 1] = {
	[VNICGW_SUBNET_ID] = VGW_POLICY_ID,
	[VNICGW_SUBNET_VCN] = VGW_POLICY_ID,
	[VNICGW_SUBNET_CIDR] = VGW_POLICY_PFX,
	[VNICGW_SUBNET_ROUTE_TABLE] = VGW_POLICY_ID,
	[VNICGW_SUBNET_SECLISTS] = VGW_POLICY_LIST,
};

static int parse_sls(struct vgw_subnet *sn, const struct nlattr *list,
		     struct netlink_ext_ack *extack)
{
	char what[VNICGW_ID_MAX + 32];
	const struct nlattr *pos;
	int rem, i = 0, j, err;

	snprintf(what, sizeof(what), "subnet %s: security_lists", sn->o.id);
	nla_for_each_nested(pos, list, rem) {
		err = vgw_nla_item_id(pos, sn->sls[i], what, i, extack);
		if (err)
			return err;
		for (j = 0; j < i; j++)
			if (!strcmp(sn->sls[i], sn->sls[j]))
				return vgw_refuse(extack, pos,
						  "subnet %s: security list %s twice",
						  sn->o.id, sn->sls[i]);
		i++;
	}
	return 0;
}

static struct vgw_obj *subnet_parse(struct nlattr **tb,
				    struct netlink_ext_ack *extack)
{
	struct vgw_subnet *sn;
	int n = 0, err;

	if (!tb[VNICGW_SUBNET_ID] || !tb[VNICGW_SUBNET_VCN] ||
	    !tb[VNICGW_SUBNET_CIDR])
		return ERR_PTR(vgw_refuse(extack, NULL,
					  "subnet: id, vcn and cidr are required"));
	if (tb[VNICGW_SUBNET_SECLISTS]) {
		n = vgw_nla_list(tb[VNICGW_SUBNET_SECLISTS], VGW_MAX_SUBNET_SLS,
				 extack);
		if (n < 0)
			return ERR_PTR(n);
	}
	sn = kzalloc(struct_size(sn, sls, n), GFP_KERNEL_ACCOUNT);
	if (!sn)
		return ERR_PTR(-ENOMEM);
	sn->o.id = sn->idbuf;
	err = vgw_nla_id(tb[VNICGW_SUBNET_ID], sn->idbuf, extack);
	if (!err)
		err = vgw_nla_id(tb[VNICGW_SUBNET_VCN], sn->vcn, extack);
	if (!err)
		err = vgw_nla_pfx(tb[VNICGW_SUBNET_CIDR], &sn->cidr, extack);
	if (!err && tb[VNICGW_SUBNET_ROUTE_TABLE])
		err = vgw_nla_id(tb[VNICGW_SUBNET_ROUTE_TABLE], sn->rt, extack);
	if (!err && n)
		err = parse_sls(sn, tb[VNICGW_SUBNET_SECLISTS], extack);
	if (err) {
		kfree(sn);
		return ERR_PTR(err);
	}
	sn->n_sls = n;
	sn->vcn_hash = vgw_obj_hash(VNICGW_OBJ_VCN, sn->vcn);
	if (sn->rt[0])
		sn->rt_hash = vgw_obj_hash(VNICGW_OBJ_ROUTE_TABLE, sn->rt);
	vgw_obj_init(&sn->o, VNICGW_OBJ_SUBNET);
	return &sn->o;
}

struct overlap_args {
	const struct vgw_subnet *sn;
	const struct vgw_obj *other;
};

static int overlaps(const struct vgw_obj *o, void *arg)
{
	const struct vgw_subnet *other = (const void *)o;
	struct overlap_args *a = arg;

	if (!strcmp(other->o.id, a->sn->o.id) || strcmp(other->vcn, a->sn->vcn) ||
	    other->cidr.ip.family != a->sn->cidr.ip.family ||
	    !vgw_pfx_overlap(&other->cidr, &a->sn->cidr))
		return 0;
	a->other = o;
	return 1;
}

static int in_subnet(const struct vgw_obj *o, void *arg)
{
	return !strcmp(((const struct vgw_vnic *)o)->subnet, arg);
}

static int subnet_link(struct vgw_txn *t, const struct vgw_obj *obj,
		       const struct vgw_obj *old, struct netlink_ext_ack *extack)
{
	const struct vgw_subnet *sn = (const void *)obj, *o = (const void *)old;
	struct overlap_args a = { .sn = sn };
	const struct vgw_vcn *vcn;
	unsigned int i;
	int err;

	vcn = (const void *)vgw_obj_find(t->snap, VNICGW_OBJ_VCN, sn->vcn);
	if (!vcn)
		return vgw_refuse(extack, NULL, "subnet %s: no vcn %s",
				  sn->o.id, sn->vcn);
	if (!vgw_vcn_covers(vcn, &sn->cidr))
		return vgw_refuse(extack, NULL,
				  "subnet %s: cidr is outside vcn %s", sn->o.id, sn->vcn);
	if (vgw_snap_for_each(t->snap, VNICGW_OBJ_SUBNET, overlaps, &a))
		return vgw_refuse(extack, NULL, "subnet %s: cidr overlaps subnet %s",
				  sn->o.id, a.other->id);
	if (o && (strcmp(o->vcn, sn->vcn) || o->cidr.len != sn->cidr.len ||
		  !vgw_ip_eq(&o->cidr.ip, &sn->cidr.ip)) &&
	    vgw_snap_for_each(t->snap, VNICGW_OBJ_VNIC, in_subnet, (void *)sn->o.id))
		return vgw_refuse(extack, NULL,
				  "subnet %s: vcn and cidr cannot change while it has VNICs",
				  sn->o.id);
	if (sn->rt[0]) {
		err = vgw_ref_check(t->snap, VNICGW_OBJ_ROUTE_TABLE, sn->rt,
				    sn->vcn, sn->o.id, extack);
		if (err)
			return err;
	}
	for (i = 0; i < sn->n_sls; i++) {
		err = vgw_ref_check(t->snap, VNICGW_OBJ_SECLIST, sn->sls[i],
				    sn->vcn, sn->o.id, extack);
		if (err)
			return err;
	}
	t->policies_dirty = true;
	return 0;
}

static int subnet_in_use(const struct vgw_snap *s, const struct vgw_obj *obj,
			 struct netlink_ext_ack *extack)
{
	if (vgw_snap_for_each(s, VNICGW_OBJ_VNIC, in_subnet, (void *)obj->id))
		return vgw_refuse(extack, NULL, "subnet %s still has VNICs", obj->id);
	return 0;
}

static int subnet_fill(struct sk_buff *skb, const struct vgw_obj *obj)
{
	const struct vgw_subnet *sn = (const void *)obj;
	struct nlattr *list;
	unsigned int i;

	if (nla_put_string(skb, VNICGW_SUBNET_ID, sn->o.id) ||
	    nla_put_string(skb, VNICGW_SUBNET_VCN, sn->vcn) ||
	    vgw_put_pfx(skb, VNICGW_SUBNET_CIDR, &sn->cidr) ||
	    (sn->rt[0] && nla_put_string(skb, VNICGW_SUBNET_ROUTE_TABLE, sn->rt)))
		return -EMSGSIZE;
	list = nla_nest_start(skb, VNICGW_SUBNET_SECLISTS);
	if (!list)
		return -EMSGSIZE;
	for (i = 0; i < sn->n_sls; i++)
		if (nla_put_string(skb, VNICGW_ITEM, sn->sls[i]))
			return -EMSGSIZE;
	nla_nest_end(skb, list);
	return 0;
}

static void subnet_free(struct vgw_obj *obj)
{
	kfree(obj);
}

const struct vgw_obj_type vgw_subnet_type = {
	.name = "subnet",
	.nest = VNICGW_A_SUBNET,
	.policy = subnet_policy,
	.maxattr = VNICGW_SUBNET_MAX,
	.parse = subnet_parse,
	.link = subnet_link,
	.in_use = subnet_in_use,
	.fill = subnet_fill,
	.free = subnet_free,
};
