// SPDX-License-Identifier: GPL-2.0
/*
 * Gateways: internet, NAT, service, DRG and local peering. Each has an
 * underlay address and a VNI where the cluster sends its traffic; traffic
 * coming back from it arrives with that VNI on any VIP, so a gateway VNI is
 * an attachment of its own: (no VIP, VNI).
 */
#include "objects.h"

static const struct nla_policy svc_policy[VNICGW_SVC_MAX + 1] = {
	[VNICGW_SVC_NAME] = VGW_POLICY_ID,
	[VNICGW_SVC_PREFIXES] = VGW_POLICY_LIST,
};

static const struct nla_policy gw_policy[VNICGW_GW_MAX + 1] = {
	[VNICGW_GW_ID] = VGW_POLICY_ID,
	[VNICGW_GW_VCN] = VGW_POLICY_ID,
	[VNICGW_GW_TYPE] = NLA_POLICY_MAX(NLA_U8, __VNICGW_GW_TYPE_MAX - 1),
	[VNICGW_GW_PUBLIC_IP] = VGW_POLICY_IP,
	[VNICGW_GW_SERVICES] = VGW_POLICY_LIST,
	[VNICGW_GW_UNDERLAY_IP] = VGW_POLICY_IP,
	[VNICGW_GW_VNI] = VGW_POLICY_VNI,
	[VNICGW_GW_ENCAP] = NLA_POLICY_MAX(NLA_U8, __VNICGW_ENCAP_MAX - 1),
	[VNICGW_GW_ENABLED] = NLA_POLICY_MAX(NLA_U8, 1),
};

/* Services and their prefixes: counted first, so that one allocation holds all. */
static int count_services(const struct nlattr *list, unsigned int *n_pfx,
			  struct netlink_ext_ack *extack)
{
	struct nlattr *tb[VNICGW_SVC_MAX + 1];
	const struct nlattr *pos;
	int n, rem, err;

	n = vgw_nla_list(list, VGW_MAX_SERVICES, extack);
	if (n < 0)
		return n;
	*n_pfx = 0;
	vgw_nla_for_each_item(pos, list, rem) {
		err = nla_parse_nested(tb, VNICGW_SVC_MAX, pos, svc_policy, extack);
		if (err)
			return err;
		if (!tb[VNICGW_SVC_NAME] || !tb[VNICGW_SVC_PREFIXES])
			return vgw_refuse(extack, pos, "a service needs a name and prefixes");
		err = vgw_nla_list(tb[VNICGW_SVC_PREFIXES], VGW_MAX_SERVICE_PFXS, extack);
		if (err < 0)
			return err;
		*n_pfx += err;
	}
	return n;
}

static int parse_service(struct vgw_gw *g, unsigned int i,
			 const struct nlattr *a, struct vgw_pfx **next,
			 struct netlink_ext_ack *extack)
{
	struct nlattr *tb[VNICGW_SVC_MAX + 1];
	struct vgw_service *svc = &g->services[i];
	const struct nlattr *pos;
	unsigned int j;
	int rem, err;

	err = nla_parse_nested(tb, VNICGW_SVC_MAX, a, svc_policy, extack);
	if (!err)
		err = vgw_nla_id(tb[VNICGW_SVC_NAME], svc->name, extack);
	if (err)
		return err;
	for (j = 0; j < i; j++)
		if (!strcmp(g->services[j].name, svc->name))
			return vgw_refuse(extack, a, "gateway %s: service %s twice",
					  g->o.id, svc->name);
	svc->pfxs = *next;
	vgw_nla_for_each_item(pos, tb[VNICGW_SVC_PREFIXES], rem) {
		err = vgw_nla_pfx(pos, &svc->pfxs[svc->n_pfxs], extack);
		if (err)
			return err;
		svc->n_pfxs++;
	}
	*next += svc->n_pfxs;
	return 0;
}

static int gw_parse_fields(struct vgw_gw *g, struct nlattr **tb,
			   struct netlink_ext_ack *extack)
{
	int err;

	err = vgw_nla_id(tb[VNICGW_GW_ID], g->idbuf, extack);
	if (!err)
		err = vgw_nla_id(tb[VNICGW_GW_VCN], g->vcn, extack);
	if (!err)
		err = vgw_nla_ip(tb[VNICGW_GW_UNDERLAY_IP], &g->underlay, extack);
	if (err)
		return err;
	g->gw_type = nla_get_u8(tb[VNICGW_GW_TYPE]);
	g->vni = nla_get_u32(tb[VNICGW_GW_VNI]);
	g->encap = tb[VNICGW_GW_ENCAP] ? nla_get_u8(tb[VNICGW_GW_ENCAP]) :
					 VNICGW_ENCAP_VXLAN;
	g->enabled = tb[VNICGW_GW_ENABLED] ? nla_get_u8(tb[VNICGW_GW_ENABLED]) : 1;
	if (g->gw_type == VNICGW_GW_TYPE_NAT) {
		if (!tb[VNICGW_GW_PUBLIC_IP])
			return vgw_refuse(extack, NULL,
					  "gateway %s: a NAT gateway needs a public_ip",
					  g->o.id);
		return vgw_nla_ip(tb[VNICGW_GW_PUBLIC_IP], &g->public_ip, extack);
	}
	if (tb[VNICGW_GW_PUBLIC_IP])
		return vgw_refuse(extack, tb[VNICGW_GW_PUBLIC_IP],
				  "gateway %s: only NAT gateways have a public_ip",
				  g->o.id);
	if (tb[VNICGW_GW_SERVICES] && g->gw_type != VNICGW_GW_TYPE_SERVICE)
		return vgw_refuse(extack, tb[VNICGW_GW_SERVICES],
				  "gateway %s: only service gateways have services",
				  g->o.id);
	return 0;
}

/*
 * A gateway is read back in one message (no parts, unlike route tables and
 * security lists): its services must fit one, with room for the rest of the
 * gateway and the message's headers (NLMSG_GOODSIZE is about 3.7 kB).
 */
#define VGW_GW_SERVICES_BYTES_MAX	3000

static unsigned int services_bytes(const struct vgw_gw *g)
{
	unsigned int i, j, n = nla_total_size(0);
	const struct vgw_service *svc;

	for (i = 0; i < g->n_services; i++) {
		svc = &g->services[i];
		n += 2 * nla_total_size(0) + nla_total_size(strlen(svc->name) + 1);
		for (j = 0; j < svc->n_pfxs; j++)
			n += nla_total_size(0) + nla_total_size(1) +
			     nla_total_size(svc->pfxs[j].ip.family == AF_INET ? 4 : 16);
	}
	return n;
}

static struct vgw_obj *gw_parse(struct nlattr **tb,
				struct netlink_ext_ack *extack)
{
	unsigned int n_pfx = 0, i = 0;
	const struct nlattr *pos;
	struct vgw_pfx *next;
	struct vgw_gw *g;
	int n = 0, rem, err;

	if (!tb[VNICGW_GW_ID] || !tb[VNICGW_GW_VCN] || !tb[VNICGW_GW_TYPE] ||
	    !tb[VNICGW_GW_UNDERLAY_IP] || !tb[VNICGW_GW_VNI])
		return ERR_PTR(vgw_refuse(extack, NULL,
			"gateway: id, vcn, type, underlay_ip and vni are required"));
	if (tb[VNICGW_GW_SERVICES]) {
		n = count_services(tb[VNICGW_GW_SERVICES], &n_pfx, extack);
		if (n < 0)
			return ERR_PTR(n);
	}
	g = kzalloc(sizeof(*g) + n * sizeof(struct vgw_service) +
		    n_pfx * sizeof(struct vgw_pfx), GFP_KERNEL_ACCOUNT);
	if (!g)
		return ERR_PTR(-ENOMEM);
	g->o.id = g->idbuf;
	g->services = (struct vgw_service *)(g + 1);
	next = (struct vgw_pfx *)(g->services + n);
	err = gw_parse_fields(g, tb, extack);
	if (!err && n) {
		vgw_nla_for_each_item(pos, tb[VNICGW_GW_SERVICES], rem) {
			err = parse_service(g, i++, pos, &next, extack);
			if (err)
				break;
		}
	}
	g->n_services = n;
	if (!err && services_bytes(g) > VGW_GW_SERVICES_BYTES_MAX)
		err = vgw_refuse(extack, tb[VNICGW_GW_SERVICES],
				 "gateway %s: its services and prefixes take %u bytes, at most %u (fewer prefixes: a wider one, or fewer services)",
				 g->o.id, services_bytes(g), VGW_GW_SERVICES_BYTES_MAX);
	if (err) {
		kfree(g);
		return ERR_PTR(err);
	}
	g->vcn_hash = vgw_obj_hash(VNICGW_OBJ_VCN, g->vcn);
	vgw_obj_init(&g->o, VNICGW_OBJ_GATEWAY);
	return &g->o;
}

u64 vgw_attach_hash(const struct vgw_attach_key *k)
{
	u8 buf[21];

	memcpy(buf, k->vip.b, 16);
	buf[16] = k->vip.family;
	memcpy(buf + 17, &k->vni, 4);
	return vgw_hash64(buf, sizeof(buf), 0x61747461ULL);
}

/* Attachments hold VNICs (by VIP and micro-VNIC VNI) and gateways (by VNI). */
bool vgw_attach_eq(const void *val, const void *key)
{
	const struct vgw_obj *o = val;
	const struct vgw_attach_key *k = key;
	const struct vgw_vnic *v;
	unsigned int i;

	if (o->type == VNICGW_OBJ_GATEWAY)
		return !k->vip.family && ((const struct vgw_gw *)o)->vni == k->vni;
	v = (const void *)o;
	if (!k->vip.family || v->mv_vni != k->vni)
		return false;
	for (i = 0; i < v->n_vips; i++)
		if (vgw_ip_eq(&v->vips[i].ip, &k->vip))
			return true;
	return false;
}

static int vnic_with_vni(const struct vgw_obj *o, void *arg)
{
	return ((const struct vgw_vnic *)o)->mv_vni == *(u32 *)arg;
}

static int gw_link(struct vgw_txn *t, const struct vgw_obj *obj,
		   const struct vgw_obj *old, struct netlink_ext_ack *extack)
{
	const struct vgw_gw *g = (const void *)obj;
	struct vgw_attach_key k = { .vni = g->vni };
	void *prev;
	u32 vni = g->vni;
	int err;

	err = vgw_ref_check(t->snap, VNICGW_OBJ_VCN, g->vcn, NULL,
			    g->o.id, extack);
	if (err)
		return err;
	prev = vgw_pmap_lookup(&t->snap->attach, vgw_attach_hash(&k),
			       vgw_attach_eq, &k);
	if (prev)
		return vgw_refuse(extack, NULL, "gateway %s: vni %u is gateway %s's",
				  g->o.id, vni, ((struct vgw_obj *)prev)->id);
	if (vgw_snap_for_each(t->snap, VNICGW_OBJ_VNIC, vnic_with_vni, &vni))
		return vgw_refuse(extack, NULL,
				  "gateway %s: vni %u is a micro-VNIC's", g->o.id, vni);
	prev = vgw_pmap_set(&t->snap->attach, &t->edit, vgw_attach_hash(&k),
			    vgw_attach_eq, &k, (void *)obj);
	if (IS_ERR(prev))
		return PTR_ERR(prev);
	/* Route tables expand its service labels: they follow its services. */
	if (old && (g->gw_type == VNICGW_GW_TYPE_SERVICE ||
		    ((const struct vgw_gw *)old)->gw_type == VNICGW_GW_TYPE_SERVICE))
		return vgw_rt_refresh_for_gw(t, g->o.id, extack);
	return 0;
}

static int gw_unlink(struct vgw_txn *t, const struct vgw_obj *obj)
{
	const struct vgw_gw *g = (const void *)obj;
	struct vgw_attach_key k = { .vni = g->vni };
	void *prev;

	prev = vgw_pmap_del(&t->snap->attach, &t->edit, vgw_attach_hash(&k),
			    vgw_attach_eq, &k);
	return IS_ERR(prev) ? PTR_ERR(prev) : 0;
}

struct gw_user {
	const char *gw;
	const struct vgw_obj *user;
};

static int uses_gw(const struct vgw_obj *o, void *arg)
{
	struct gw_user *u = arg;
	unsigned int i;

	if (o->type == VNICGW_OBJ_ROUTE_TABLE) {
		const struct vgw_rt *rt = (const void *)o;

		for (i = 0; i < rt->n_rules; i++)
			if (rt->rules[i].target_kind == VGW_TARGET_GW &&
			    !strcmp(rt->rules[i].gw, u->gw))
				goto used;
	} else {
		const struct vgw_vnic *v = (const void *)o;

		for (i = 0; i < v->n_vips; i++)
			if (v->vips[i].target && !strcmp(v->vips[i].target, u->gw))
				goto used;
	}
	return 0;
used:
	u->user = o;
	return 1;
}

static int gw_in_use(const struct vgw_snap *s, const struct vgw_obj *obj,
		     struct netlink_ext_ack *extack)
{
	struct gw_user u = { .gw = obj->id };

	if (vgw_snap_for_each(s, VNICGW_OBJ_ROUTE_TABLE, uses_gw, &u) ||
	    vgw_snap_for_each(s, VNICGW_OBJ_VNIC, uses_gw, &u))
		return vgw_refuse(extack, NULL, "gateway %s is used by %s %s",
				  obj->id, vgw_obj_types[u.user->type]->name,
				  u.user->id);
	return 0;
}

static int fill_services(struct sk_buff *skb, const struct vgw_gw *g)
{
	struct nlattr *list, *svc, *pfxs;
	unsigned int i, j;

	list = nla_nest_start(skb, VNICGW_GW_SERVICES);
	if (!list)
		return -EMSGSIZE;
	for (i = 0; i < g->n_services; i++) {
		svc = nla_nest_start(skb, VNICGW_ITEM);
		if (!svc || nla_put_string(skb, VNICGW_SVC_NAME, g->services[i].name))
			return -EMSGSIZE;
		pfxs = nla_nest_start(skb, VNICGW_SVC_PREFIXES);
		if (!pfxs)
			return -EMSGSIZE;
		for (j = 0; j < g->services[i].n_pfxs; j++)
			if (vgw_put_pfx(skb, VNICGW_ITEM, &g->services[i].pfxs[j]))
				return -EMSGSIZE;
		nla_nest_end(skb, pfxs);
		nla_nest_end(skb, svc);
	}
	nla_nest_end(skb, list);
	return 0;
}

static int gw_fill(struct sk_buff *skb, const struct vgw_obj *obj)
{
	const struct vgw_gw *g = (const void *)obj;

	if (nla_put_string(skb, VNICGW_GW_ID, g->o.id) ||
	    nla_put_string(skb, VNICGW_GW_VCN, g->vcn) ||
	    nla_put_u8(skb, VNICGW_GW_TYPE, g->gw_type) ||
	    vgw_put_ip(skb, VNICGW_GW_UNDERLAY_IP, &g->underlay) ||
	    nla_put_u32(skb, VNICGW_GW_VNI, g->vni) ||
	    nla_put_u8(skb, VNICGW_GW_ENCAP, g->encap) ||
	    nla_put_u8(skb, VNICGW_GW_ENABLED, g->enabled))
		return -EMSGSIZE;
	if (g->public_ip.family &&
	    vgw_put_ip(skb, VNICGW_GW_PUBLIC_IP, &g->public_ip))
		return -EMSGSIZE;
	if (g->gw_type == VNICGW_GW_TYPE_SERVICE)
		return fill_services(skb, g);
	return 0;
}

static void gw_free(struct vgw_obj *obj)
{
	vgw_txc_free(((struct vgw_gw *)obj)->txc, VGW_GW_TXC);
	kfree(obj);
}

const struct vgw_obj_type vgw_gw_type = {
	.name = "gateway",
	.nest = VNICGW_A_GATEWAY,
	.policy = gw_policy,
	.maxattr = VNICGW_GW_MAX,
	.parse = gw_parse,
	.link = gw_link,
	.unlink = gw_unlink,
	.in_use = gw_in_use,
	.fill = gw_fill,
	.free = gw_free,
};
