// SPDX-License-Identifier: GPL-2.0
/*
 * VNICs: the instances' virtual NICs. Besides the by-id map, a VNIC is in
 * three indexes that the packet path uses: by (VCN, private IP) for the
 * virtual router, by public IP for internet gateway replies, and by
 * (VIP, micro-VNIC VNI) for what arrives from its NVD.
 */
#include <linux/etherdevice.h>
#include <linux/sort.h>

#include "objects.h"

static const struct nla_policy vip_policy[VNICGW_VIP_MAX + 1] = {
	[VNICGW_VIP_IP] = VGW_POLICY_IP,
	[VNICGW_VIP_TARGET] = VGW_POLICY_ID,
};

static const struct nla_policy vnic_policy[VNICGW_VNIC_MAX + 1] = {
	[VNICGW_VNIC_ID] = VGW_POLICY_ID,
	[VNICGW_VNIC_SUBNET] = VGW_POLICY_ID,
	[VNICGW_VNIC_PRIVATE_IPS] = VGW_POLICY_LIST,
	[VNICGW_VNIC_MAC] = NLA_POLICY_EXACT_LEN(ETH_ALEN),
	[VNICGW_VNIC_PUBLIC_IP] = VGW_POLICY_IP,
	[VNICGW_VNIC_NSGS] = VGW_POLICY_LIST,
	[VNICGW_VNIC_SKIP_SDC] = NLA_POLICY_MAX(NLA_U8, 1),
	[VNICGW_VNIC_MV_VNI] = VGW_POLICY_VNI,
	[VNICGW_VNIC_MV_NVD_IP] = VGW_POLICY_IP,
	[VNICGW_VNIC_MV_ENCAP] = NLA_POLICY_MAX(NLA_U8, __VNICGW_ENCAP_MAX - 1),
	[VNICGW_VNIC_VIPS] = VGW_POLICY_LIST,
	[VNICGW_VNIC_CT_LIMIT] = NLA_POLICY_FULL_RANGE(NLA_U32, &vgw_ct_range),
};

#define VGW_CT_LIMIT_DEFAULT 65536

/* --- indexes --------------------------------------------------------- */

struct ip_key {
	u32 vcn_index;		/* 0 for the public IP index */
	struct vgw_ip ip;
};

static u64 ip_key_hash(const struct ip_key *k)
{
	u8 buf[21];

	memcpy(buf, &k->vcn_index, 4);
	buf[4] = k->ip.family;
	memcpy(buf + 5, k->ip.b, 16);
	return vgw_hash64(buf, sizeof(buf), 0x6970ULL);
}

static bool by_ip_eq(const void *val, const void *key)
{
	const struct vgw_vnic *v = val;
	const struct ip_key *k = key;
	unsigned int i;

	if (v->vcn_index != k->vcn_index)
		return false;
	for (i = 0; i < v->n_ips; i++)
		if (vgw_ip_eq(&v->ips[i], &k->ip))
			return true;
	return false;
}

static bool by_pub_eq(const void *val, const void *key)
{
	const struct vgw_vnic *v = val;

	return vgw_ip_eq(&v->public_ip, &((const struct ip_key *)key)->ip);
}

const struct vgw_vnic *vgw_vnic_by_ip(const struct vgw_snap *s, u32 vcn_index,
				      const struct vgw_ip *ip)
{
	struct ip_key k = { .vcn_index = vcn_index, .ip = *ip };

	return vgw_pmap_lookup(&s->vnic_by_ip, ip_key_hash(&k), by_ip_eq, &k);
}

const struct vgw_vnic *vgw_vnic_by_pub(const struct vgw_snap *s,
				       const struct vgw_ip *ip)
{
	struct ip_key k = { .ip = *ip };

	return vgw_pmap_lookup(&s->vnic_by_pub, ip_key_hash(&k), by_pub_eq, &k);
}

/* --- parsing ----------------------------------------------------------- */

struct vnic_sizes {
	int n_ips, n_vips, n_nsgs;
	size_t targets;		/* bytes of VIP target ids */
	char id[VNICGW_ID_MAX], subnet[VNICGW_ID_MAX];
};

static int count_vips(const struct nlattr *list, struct vnic_sizes *sz,
		      struct netlink_ext_ack *extack)
{
	struct nlattr *tb[VNICGW_VIP_MAX + 1];
	const struct nlattr *pos;
	int rem, err;

	sz->n_vips = vgw_nla_list(list, VGW_MAX_VIPS, extack);
	if (sz->n_vips < 0)
		return sz->n_vips;
	nla_for_each_nested(pos, list, rem) {
		err = nla_parse_nested(tb, VNICGW_VIP_MAX, pos, vip_policy, extack);
		if (err)
			return err;
		if (!tb[VNICGW_VIP_IP])
			return vgw_refuse(extack, pos, "a vip needs an ip");
		if (tb[VNICGW_VIP_TARGET])
			sz->targets += VNICGW_ID_MAX;
	}
	return 0;
}

static int vnic_count(struct nlattr **tb, struct vnic_sizes *sz,
		      struct netlink_ext_ack *extack)
{
	if (!tb[VNICGW_VNIC_ID] || !tb[VNICGW_VNIC_SUBNET] ||
	    !tb[VNICGW_VNIC_PRIVATE_IPS] || !tb[VNICGW_VNIC_MAC] ||
	    !tb[VNICGW_VNIC_MV_VNI] || !tb[VNICGW_VNIC_MV_NVD_IP] ||
	    !tb[VNICGW_VNIC_VIPS])
		return vgw_refuse(extack, NULL,
			"vnic: id, subnet, private_ips, mac, micro-VNIC vni and nvd_ip, vips are required");
	sz->n_ips = vgw_nla_list(tb[VNICGW_VNIC_PRIVATE_IPS],
				 VGW_MAX_PRIVATE_IPS, extack);
	if (sz->n_ips < 0)
		return sz->n_ips;
	if (!sz->n_ips)
		return vgw_refuse(extack, tb[VNICGW_VNIC_PRIVATE_IPS],
				  "vnic: at least one private ip");
	if (tb[VNICGW_VNIC_NSGS]) {
		sz->n_nsgs = vgw_nla_list(tb[VNICGW_VNIC_NSGS], VGW_MAX_VNIC_NSGS,
					  extack);
		if (sz->n_nsgs < 0)
			return sz->n_nsgs;
	}
	if (count_vips(tb[VNICGW_VNIC_VIPS], sz, extack))
		return -EINVAL;
	if (vgw_nla_id(tb[VNICGW_VNIC_ID], sz->id, extack) ||
	    vgw_nla_id(tb[VNICGW_VNIC_SUBNET], sz->subnet, extack))
		return -EINVAL;
	if (!sz->n_vips)
		return vgw_refuse(extack, tb[VNICGW_VNIC_VIPS], "vnic: at least one vip");
	return 0;
}

/* Lay the ids and arrays out in v->data. */
static void vnic_layout(struct vgw_vnic *v, const struct vnic_sizes *sz)
{
	u8 *p = v->data;

	v->o.id = memcpy(p, sz->id, strlen(sz->id) + 1);
	p += strlen(sz->id) + 1;
	v->subnet = memcpy(p, sz->subnet, strlen(sz->subnet) + 1);
	v->subnet_hash = vgw_obj_hash(VNICGW_OBJ_SUBNET, v->subnet);
	p += strlen(sz->subnet) + 1;
	v->ips = (struct vgw_ip *)PTR_ALIGN(p, 4);
	p = (u8 *)v->ips;
	p += sz->n_ips * sizeof(*v->ips);
	v->vips = (struct vgw_vip *)PTR_ALIGN(p, 8);
	p = (u8 *)(v->vips + sz->n_vips);
	v->nsg_index = (u32 *)p;
	p += sz->n_nsgs * sizeof(u32);
	v->nsgs = (void *)p;
	p += sz->n_nsgs * VNICGW_ID_MAX;
	/* VIP targets follow; vnic_parse_vips() hands them out. */
}

static size_t vnic_size(const struct vnic_sizes *sz)
{
	return sizeof(struct vgw_vnic) + strlen(sz->id) + strlen(sz->subnet) +
	       2 + 4 + sz->n_ips * sizeof(struct vgw_ip) + 8 +
	       sz->n_vips * sizeof(struct vgw_vip) +
	       sz->n_nsgs * (sizeof(u32) + VNICGW_ID_MAX) + sz->targets;
}

static int parse_ips(struct vgw_vnic *v, const struct nlattr *list,
		     struct netlink_ext_ack *extack)
{
	const struct nlattr *pos;
	int rem, i = 0, j, err;

	nla_for_each_nested(pos, list, rem) {
		err = vgw_nla_ip(pos, &v->ips[i], extack);
		if (err)
			return err;
		for (j = 0; j < i; j++)
			if (vgw_ip_eq(&v->ips[i], &v->ips[j]))
				return vgw_refuse(extack, pos,
						  "vnic %s: private_ips[%d] repeats [%d]",
						  v->o.id, i, j);
		i++;
	}
	v->n_ips = i;
	return 0;
}

static int parse_vips(struct vgw_vnic *v, const struct nlattr *list,
		      struct netlink_ext_ack *extack)
{
	char *target = (char *)(v->nsgs + v->n_nsgs);
	struct nlattr *tb[VNICGW_VIP_MAX + 1];
	const struct nlattr *pos;
	int rem, i = 0, j, err;

	nla_for_each_nested(pos, list, rem) {
		err = nla_parse_nested(tb, VNICGW_VIP_MAX, pos, vip_policy, extack);
		if (!err)
			err = vgw_nla_ip(tb[VNICGW_VIP_IP], &v->vips[i].ip, extack);
		if (!err && tb[VNICGW_VIP_TARGET]) {
			err = vgw_nla_id(tb[VNICGW_VIP_TARGET], target, extack);
			v->vips[i].target = target;
			target += VNICGW_ID_MAX;
		}
		if (err)
			return err;
		for (j = 0; j < i; j++)
			if (vgw_ip_eq(&v->vips[i].ip, &v->vips[j].ip))
				return vgw_refuse(extack, pos, "vnic %s: vips[%d] repeats [%d]",
						  v->o.id, i, j);
		i++;
	}
	v->n_vips = i;
	return 0;
}

static int cmp_id(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int cmp_u32(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

static int parse_nsgs(struct vgw_vnic *v, const struct nlattr *list,
		      struct netlink_ext_ack *extack)
{
	char what[VNICGW_ID_MAX + 16];
	const struct nlattr *pos;
	int rem, i = 0, err;

	snprintf(what, sizeof(what), "vnic %s: nsgs", v->o.id);
	nla_for_each_nested(pos, list, rem) {
		err = vgw_nla_item_id(pos, v->nsgs[i], what, i, extack);
		if (err)
			return err;
		i++;
	}
	v->n_nsgs = i;
	/* A set: sorted, so that equal sets compare equal (policy keys). */
	sort(v->nsgs, i, VNICGW_ID_MAX, cmp_id, NULL);
	for (i = 1; i < v->n_nsgs; i++)
		if (!strcmp(v->nsgs[i], v->nsgs[i - 1]))
			return vgw_refuse(extack, list, "vnic %s: nsg %s twice",
					  v->o.id, v->nsgs[i]);
	return 0;
}

static int vnic_parse_fields(struct vgw_vnic *v, struct nlattr **tb,
			     struct netlink_ext_ack *extack)
{
	int err;

	err = vgw_nla_ip(tb[VNICGW_VNIC_MV_NVD_IP], &v->mv_nvd, extack);
	if (!err && tb[VNICGW_VNIC_PUBLIC_IP])
		err = vgw_nla_ip(tb[VNICGW_VNIC_PUBLIC_IP], &v->public_ip, extack);
	if (err)
		return err;
	memcpy(v->mac, nla_data(tb[VNICGW_VNIC_MAC]), ETH_ALEN);
	if (!is_valid_ether_addr(v->mac))
		return vgw_refuse(extack, tb[VNICGW_VNIC_MAC],
				  "vnic %s: mac must be unicast and not zero", v->o.id);
	v->skip_sdc = tb[VNICGW_VNIC_SKIP_SDC] &&
		      nla_get_u8(tb[VNICGW_VNIC_SKIP_SDC]);
	v->mv_vni = nla_get_u32(tb[VNICGW_VNIC_MV_VNI]);
	v->mv_encap = tb[VNICGW_VNIC_MV_ENCAP] ?
		      nla_get_u8(tb[VNICGW_VNIC_MV_ENCAP]) : VNICGW_ENCAP_VXLAN;
	v->ct_limit = tb[VNICGW_VNIC_CT_LIMIT] ?
		      nla_get_u32(tb[VNICGW_VNIC_CT_LIMIT]) : VGW_CT_LIMIT_DEFAULT;
	return 0;
}

static struct vgw_obj *vnic_parse(struct nlattr **tb,
				  struct netlink_ext_ack *extack)
{
	struct vnic_sizes sz = { 0 };
	struct vgw_vnic *v;
	int err;

	err = vnic_count(tb, &sz, extack);
	if (err)
		return ERR_PTR(err);
	v = kzalloc(vnic_size(&sz), GFP_KERNEL_ACCOUNT);
	if (!v)
		return ERR_PTR(-ENOMEM);
	vnic_layout(v, &sz);
	v->n_nsgs = sz.n_nsgs;
	err = vnic_parse_fields(v, tb, extack);
	if (!err)
		err = parse_ips(v, tb[VNICGW_VNIC_PRIVATE_IPS], extack);
	if (!err && sz.n_nsgs)
		err = parse_nsgs(v, tb[VNICGW_VNIC_NSGS], extack);
	if (!err)
		err = parse_vips(v, tb[VNICGW_VNIC_VIPS], extack);
	if (err) {
		kfree(v);
		return ERR_PTR(err);
	}
	vgw_obj_init(&v->o, VNICGW_OBJ_VNIC);
	return &v->o;
}

/* --- link / unlink ----------------------------------------------------- */

static int vnic_check_refs(struct vgw_txn *t, struct vgw_vnic *v,
			   const struct vgw_subnet *sn,
			   struct netlink_ext_ack *extack)
{
	const struct vgw_seclist *nsg;
	unsigned int i;
	int err;

	for (i = 0; i < v->n_ips; i++)
		if (!vgw_pfx_contains(&sn->cidr, &v->ips[i]))
			return vgw_refuse(extack, NULL,
					  "vnic %s: private_ips[%u] is outside subnet %s",
					  v->o.id, i, sn->o.id);
	for (i = 0; i < v->n_nsgs; i++) {
		err = vgw_ref_check(t->snap, VNICGW_OBJ_NSG, v->nsgs[i], sn->vcn,
				    v->o.id, extack);
		if (err)
			return err;
		nsg = (const void *)vgw_obj_find(t->snap, VNICGW_OBJ_NSG, v->nsgs[i]);
		v->nsg_index[i] = nsg->nsg_index;
	}
	sort(v->nsg_index, v->n_nsgs, sizeof(u32), cmp_u32, NULL);
	for (i = 0; i < v->n_vips; i++) {
		if (!v->vips[i].target)
			continue;
		err = vgw_ref_check(t->snap, VNICGW_OBJ_GATEWAY, v->vips[i].target,
				    sn->vcn, v->o.id, extack);
		if (err)
			return err;
	}
	return 0;
}

static int add_ips(struct vgw_txn *t, const struct vgw_vnic *v,
		   struct netlink_ext_ack *extack)
{
	struct ip_key k = { .vcn_index = v->vcn_index };
	const struct vgw_vnic *other;
	unsigned int i;
	void *prev;

	for (i = 0; i < v->n_ips; i++) {
		k.ip = v->ips[i];
		other = vgw_pmap_lookup(&t->snap->vnic_by_ip, ip_key_hash(&k),
					by_ip_eq, &k);
		if (other)
			return vgw_refuse(extack, NULL,
					  "vnic %s: private_ips[%u] is vnic %s's",
					  v->o.id, i, other->o.id);
		prev = vgw_pmap_set(&t->snap->vnic_by_ip, &t->edit,
				    ip_key_hash(&k), by_ip_eq, &k, (void *)v);
		if (IS_ERR(prev))
			return PTR_ERR(prev);
	}
	if (!v->public_ip.family)
		return 0;
	k.vcn_index = 0;
	k.ip = v->public_ip;
	other = vgw_pmap_lookup(&t->snap->vnic_by_pub, ip_key_hash(&k),
				by_pub_eq, &k);
	if (other)
		return vgw_refuse(extack, NULL, "vnic %s: public_ip is vnic %s's",
				  v->o.id, other->o.id);
	prev = vgw_pmap_set(&t->snap->vnic_by_pub, &t->edit, ip_key_hash(&k),
			    by_pub_eq, &k, (void *)v);
	return IS_ERR(prev) ? PTR_ERR(prev) : 0;
}

static int add_vips(struct vgw_txn *t, const struct vgw_vnic *v,
		    struct netlink_ext_ack *extack)
{
	struct vgw_attach_key k = { .vni = v->mv_vni };
	const struct vgw_obj *other;
	unsigned int i;
	void *prev;

	other = vgw_pmap_lookup(&t->snap->attach, vgw_attach_hash(&k),
				vgw_attach_eq, &k);
	if (other)
		return vgw_refuse(extack, NULL, "vnic %s: vni %u is gateway %s's",
				  v->o.id, v->mv_vni, other->id);
	for (i = 0; i < v->n_vips; i++) {
		k.vip = v->vips[i].ip;
		other = vgw_pmap_lookup(&t->snap->attach, vgw_attach_hash(&k),
					vgw_attach_eq, &k);
		if (other)
			return vgw_refuse(extack, NULL,
					  "vnic %s: vips[%u] with vni %u is vnic %s's",
					  v->o.id, i, v->mv_vni, other->id);
		prev = vgw_pmap_set(&t->snap->attach, &t->edit, vgw_attach_hash(&k),
				    vgw_attach_eq, &k, (void *)v);
		if (IS_ERR(prev))
			return PTR_ERR(prev);
	}
	return 0;
}

/* @obj is not published yet: its derived fields are written here. */
static int vnic_link(struct vgw_txn *t, const struct vgw_obj *obj,
		     const struct vgw_obj *old, struct netlink_ext_ack *extack)
{
	struct vgw_vnic *v = (struct vgw_vnic *)obj;
	const struct vgw_subnet *sn;
	const struct vgw_vcn *vcn;
	int err;

	sn = (const void *)vgw_obj_find(t->snap, VNICGW_OBJ_SUBNET, v->subnet);
	if (!sn)
		return vgw_refuse(extack, NULL, "vnic %s: no subnet %s",
				  v->o.id, v->subnet);
	vcn = (const void *)vgw_obj_find(t->snap, VNICGW_OBJ_VCN, sn->vcn);
	v->vcn_index = vcn->index;
	err = vnic_check_refs(t, v, sn, extack);
	if (!err)
		err = add_ips(t, v, extack);
	if (!err)
		err = add_vips(t, v, extack);
	if (err)
		return err;
	v->policy = vgw_policy_key(v);
	err = vgw_policy_get(t, v, extack);
	if (err)
		return err;
	/* The counters live on from version to version. */
	if (old) {
		v->rt = ((const struct vgw_vnic *)old)->rt;
		return 0;
	}
	v->rt = vgw_vnic_rt_new();
	if (!v->rt)
		return -ENOMEM;
	return vgw_pedit_track(&t->edit, v->rt, vgw_vnic_rt_free);
}

static int del_entry(struct vgw_pmap *m, struct vgw_pedit *e, u64 hash,
		     vgw_pmap_eq_t eq, const void *key)
{
	void *prev = vgw_pmap_del(m, e, hash, eq, key);

	return IS_ERR(prev) ? PTR_ERR(prev) : 0;
}

static int vnic_unlink(struct vgw_txn *t, const struct vgw_obj *obj)
{
	const struct vgw_vnic *v = (const void *)obj;
	struct ip_key k = { .vcn_index = v->vcn_index };
	struct vgw_attach_key ak = { .vni = v->mv_vni };
	unsigned int i;
	int err = 0;

	for (i = 0; i < v->n_ips && !err; i++) {
		k.ip = v->ips[i];
		err = del_entry(&t->snap->vnic_by_ip, &t->edit, ip_key_hash(&k),
				by_ip_eq, &k);
	}
	if (!err && v->public_ip.family) {
		k.vcn_index = 0;
		k.ip = v->public_ip;
		err = del_entry(&t->snap->vnic_by_pub, &t->edit, ip_key_hash(&k),
				by_pub_eq, &k);
	}
	for (i = 0; i < v->n_vips && !err; i++) {
		ak.vip = v->vips[i].ip;
		err = del_entry(&t->snap->attach, &t->edit, vgw_attach_hash(&ak),
				vgw_attach_eq, &ak);
	}
	if (!err)
		err = vgw_policy_put(t, v);
	/* Deleted, not replaced: its counters go after the grace period. */
	if (!err && !vgw_obj_find(t->snap, VNICGW_OBJ_VNIC, v->o.id))
		err = vgw_txn_retire(t, v->rt, vgw_vnic_rt_free);
	return err;
}

static int free_rt(const struct vgw_obj *o, void *arg)
{
	vgw_vnic_rt_free(((const struct vgw_vnic *)o)->rt);
	return 0;
}

/* @s is going with all its VNICs (namespace exit, flush): their counters too. */
void vgw_vnics_free_rt(const struct vgw_snap *s)
{
	vgw_snap_for_each(s, VNICGW_OBJ_VNIC, free_rt, NULL);
}

/* --- dump -------------------------------------------------------------- */

static int fill_vips(struct sk_buff *skb, const struct vgw_vnic *v)
{
	struct nlattr *list = nla_nest_start(skb, VNICGW_VNIC_VIPS), *vip;
	unsigned int i;

	if (!list)
		return -EMSGSIZE;
	for (i = 0; i < v->n_vips; i++) {
		vip = nla_nest_start(skb, VNICGW_ITEM);
		if (!vip || vgw_put_ip(skb, VNICGW_VIP_IP, &v->vips[i].ip) ||
		    (v->vips[i].target &&
		     nla_put_string(skb, VNICGW_VIP_TARGET, v->vips[i].target)))
			return -EMSGSIZE;
		nla_nest_end(skb, vip);
	}
	nla_nest_end(skb, list);
	return 0;
}

static int fill_lists(struct sk_buff *skb, const struct vgw_vnic *v)
{
	struct nlattr *list = nla_nest_start(skb, VNICGW_VNIC_PRIVATE_IPS);
	unsigned int i;

	if (!list)
		return -EMSGSIZE;
	for (i = 0; i < v->n_ips; i++)
		if (vgw_put_ip(skb, VNICGW_ITEM, &v->ips[i]))
			return -EMSGSIZE;
	nla_nest_end(skb, list);
	list = nla_nest_start(skb, VNICGW_VNIC_NSGS);
	if (!list)
		return -EMSGSIZE;
	for (i = 0; i < v->n_nsgs; i++)
		if (nla_put_string(skb, VNICGW_ITEM, v->nsgs[i]))
			return -EMSGSIZE;
	nla_nest_end(skb, list);
	return fill_vips(skb, v);
}

static int vnic_fill(struct sk_buff *skb, const struct vgw_obj *obj)
{
	const struct vgw_vnic *v = (const void *)obj;

	if (nla_put_string(skb, VNICGW_VNIC_ID, v->o.id) ||
	    nla_put_string(skb, VNICGW_VNIC_SUBNET, v->subnet) ||
	    nla_put(skb, VNICGW_VNIC_MAC, ETH_ALEN, v->mac) ||
	    nla_put_u8(skb, VNICGW_VNIC_SKIP_SDC, v->skip_sdc) ||
	    nla_put_u32(skb, VNICGW_VNIC_MV_VNI, v->mv_vni) ||
	    vgw_put_ip(skb, VNICGW_VNIC_MV_NVD_IP, &v->mv_nvd) ||
	    nla_put_u8(skb, VNICGW_VNIC_MV_ENCAP, v->mv_encap) ||
	    nla_put_u32(skb, VNICGW_VNIC_CT_LIMIT, v->ct_limit) ||
	    (v->public_ip.family &&
	     vgw_put_ip(skb, VNICGW_VNIC_PUBLIC_IP, &v->public_ip)))
		return -EMSGSIZE;
	return fill_lists(skb, v);
}

static void vnic_free(struct vgw_obj *obj)
{
	kfree(obj);
}

const struct vgw_obj_type vgw_vnic_type = {
	.name = "vnic",
	.nest = VNICGW_A_VNIC,
	.policy = vnic_policy,
	.maxattr = VNICGW_VNIC_MAX,
	.parse = vnic_parse,
	.link = vnic_link,
	.unlink = vnic_unlink,
	.fill = vnic_fill,
	.free = vnic_free,
};
