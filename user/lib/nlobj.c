// SPDX-License-Identifier: GPL-2.0
/*
 * Document objects <-> vnicgw netlink attributes, dumps and apply.
 * The encoding is defined in kmod/include/uapi/linux/vnicgw.h.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include <linux/vnicgw.h>

#include "nlobj.h"
#include "state_priv.h"

/* The kernel's object types are the document's, in the same order. */
_Static_assert(VNICGW_OBJ_VCN == (int)VGW_OBJ_VCN &&
	       VNICGW_OBJ_GATEWAY == (int)VGW_OBJ_GATEWAY &&
	       VNICGW_OBJ_ROUTE_TABLE == (int)VGW_OBJ_ROUTE_TABLE &&
	       VNICGW_OBJ_SECLIST == (int)VGW_OBJ_SECURITY_LIST &&
	       VNICGW_OBJ_NSG == (int)VGW_OBJ_NSG &&
	       VNICGW_OBJ_SUBNET == (int)VGW_OBJ_SUBNET &&
	       VNICGW_OBJ_VNIC == (int)VGW_OBJ_VNIC &&
	       __VNICGW_OBJ_MAX == (int)VGW_OBJ_NTYPES,
	       "object types differ between the UAPI and state.h");
_Static_assert(VGW_MAX_ROUTE_RULES == VNICGW_RT_RULES_MAX,
	       "the document's route table limit is the kernel's");

static const int obj_nest[VGW_OBJ_NTYPES] = {
	[VGW_OBJ_VCN] = VNICGW_A_VCN,
	[VGW_OBJ_GATEWAY] = VNICGW_A_GATEWAY,
	[VGW_OBJ_ROUTE_TABLE] = VNICGW_A_ROUTE_TABLE,
	[VGW_OBJ_SECURITY_LIST] = VNICGW_A_SECLIST,
	[VGW_OBJ_NSG] = VNICGW_A_NSG,
	[VGW_OBJ_SUBNET] = VNICGW_A_SUBNET,
	[VGW_OBJ_VNIC] = VNICGW_A_VNIC,
};

/* --- encoding ------------------------------------------------------------ */

/* libnl's nla_put* return a negative libnl code; we only need "failed". */
#define TRY(x) do { if ((x) < 0) return -EMSGSIZE; } while (0)

static int put_addr(struct nl_msg *m, int type, const struct vgw_addr *a)
{
	return nla_put(m, type, a->family == AF_INET ? 4 : 16, a->bytes);
}

static int put_prefix(struct nl_msg *m, int type, const struct vgw_prefix *p)
{
	struct nlattr *n = nla_nest_start(m, type);

	if (!n)
		return -EMSGSIZE;
	TRY(put_addr(m, VNICGW_PFX_ADDR, &p->addr));
	TRY(nla_put_u8(m, VNICGW_PFX_LEN, p->len));
	nla_nest_end(m, n);
	return 0;
}

static int put_vcn(struct nl_msg *m, const struct vgw_vcn *v)
{
	struct nlattr *l;
	unsigned int i;

	TRY(nla_put_string(m, VNICGW_VCN_ID, v->id));
	l = nla_nest_start(m, VNICGW_VCN_CIDRS);
	if (!l)
		return -EMSGSIZE;
	for (i = 0; i < v->n_cidrs; i++)
		TRY(put_prefix(m, VNICGW_ITEM, &v->cidrs[i]));
	nla_nest_end(m, l);
	return 0;
}

static int put_ids(struct nl_msg *m, int type, const char (*ids)[VGW_ID_MAX],
		   unsigned int n)
{
	struct nlattr *l = nla_nest_start(m, type);
	unsigned int i;

	if (!l)
		return -EMSGSIZE;
	for (i = 0; i < n; i++)
		TRY(nla_put_string(m, VNICGW_ITEM, ids[i]));
	nla_nest_end(m, l);
	return 0;
}

static int put_subnet(struct nl_msg *m, const struct vgw_subnet *s)
{
	TRY(nla_put_string(m, VNICGW_SUBNET_ID, s->id));
	TRY(nla_put_string(m, VNICGW_SUBNET_VCN, s->vcn));
	TRY(put_prefix(m, VNICGW_SUBNET_CIDR, &s->cidr));
	if (s->route_table[0])
		TRY(nla_put_string(m, VNICGW_SUBNET_ROUTE_TABLE, s->route_table));
	return put_ids(m, VNICGW_SUBNET_SECLISTS,
		       (const char (*)[VGW_ID_MAX])s->security_lists,
		       s->n_security_lists);
}

static int put_route_rule(struct nl_msg *m, const struct vgw_route_rule *r)
{
	struct nlattr *n = nla_nest_start(m, VNICGW_ITEM);

	if (!n)
		return -EMSGSIZE;
	if (r->dst_type == VGW_DST_CIDR)
		TRY(put_prefix(m, VNICGW_ROUTE_DST, &r->dst));
	else
		TRY(nla_put_string(m, VNICGW_ROUTE_DST_SERVICE, r->service));
	if (r->target_type == VGW_TARGET_GATEWAY)
		TRY(nla_put_string(m, VNICGW_ROUTE_TARGET_GW, r->gateway));
	else
		TRY(put_addr(m, VNICGW_ROUTE_TARGET_IP, &r->private_ip));
	nla_nest_end(m, n);
	return 0;
}

/* Bytes of the nest that @a starts, so far. */
static size_t nest_len(struct nl_msg *m, const struct nlattr *a)
{
	return (size_t)((const char *)nlmsg_tail(nlmsg_hdr(m)) -
			(const char *)a);
}

/*
 * Rules *@from.. of @rt, as many as VGW_RT_PART_BYTES holds; a part after
 * the first is an append (VNICGW_RT_APPEND). Advances *@from.
 */
static int put_route_table(struct nl_msg *m, const struct vgw_route_table *rt,
			   unsigned int *from)
{
	struct nlattr *l;
	unsigned int i;

	TRY(nla_put_string(m, VNICGW_RT_ID, rt->id));
	TRY(nla_put_string(m, VNICGW_RT_VCN, rt->vcn));
	if (*from)
		TRY(nla_put_flag(m, VNICGW_RT_APPEND));
	l = nla_nest_start(m, VNICGW_RT_RULES);
	if (!l)
		return -EMSGSIZE;
	for (i = *from; i < rt->n_rules && nest_len(m, l) < VGW_RT_PART_BYTES; i++)
		TRY(put_route_rule(m, &rt->rules[i]));
	nla_nest_end(m, l);
	*from = i;
	return 0;
}

static int put_ports(struct nl_msg *m, int lo, int hi,
		     const struct vgw_port_range *p)
{
	if (p->lo == 0 && p->hi == 65535)
		return 0;
	TRY(nla_put_u16(m, lo, p->lo));
	TRY(nla_put_u16(m, hi, p->hi));
	return 0;
}

static int put_sec_rule(struct nl_msg *m, const struct vgw_sec_rule *r)
{
	struct nlattr *n = nla_nest_start(m, VNICGW_ITEM);

	if (!n)
		return -EMSGSIZE;
	if (r->peer_type == VGW_PEER_CIDR)
		TRY(put_prefix(m, VNICGW_RULE_PEER, &r->peer_cidr));
	else
		TRY(nla_put_string(m, VNICGW_RULE_PEER_NSG, r->peer_nsg));
	TRY(nla_put_u16(m, VNICGW_RULE_PROTO, r->protocol == VGW_PROTO_ALL ?
			VNICGW_PROTO_ALL : r->protocol));
	TRY(put_ports(m, VNICGW_RULE_SPORT_LO, VNICGW_RULE_SPORT_HI, &r->src_ports));
	TRY(put_ports(m, VNICGW_RULE_DPORT_LO, VNICGW_RULE_DPORT_HI, &r->dst_ports));
	if (r->icmp_type != VGW_ICMP_ANY)
		TRY(nla_put_u8(m, VNICGW_RULE_ICMP_TYPE, r->icmp_type));
	if (r->icmp_code != VGW_ICMP_ANY)
		TRY(nla_put_u8(m, VNICGW_RULE_ICMP_CODE, r->icmp_code));
	if (r->stateless)
		TRY(nla_put_flag(m, VNICGW_RULE_STATELESS));
	nla_nest_end(m, n);
	return 0;
}

/*
 * The list @type with rules *@i.. of @r (@n in all), until the object nest
 * @obj holds VGW_RT_PART_BYTES; advances *@i.
 */
static int put_sec_rules(struct nl_msg *m, const struct nlattr *obj, int type,
			 const struct vgw_sec_rule *r, unsigned int *i,
			 unsigned int n)
{
	struct nlattr *l = nla_nest_start(m, type);

	if (!l)
		return -EMSGSIZE;
	for (; *i < n && nest_len(m, obj) < VGW_RT_PART_BYTES; (*i)++)
		TRY(put_sec_rule(m, &r[*i]));
	nla_nest_end(m, l);
	return 0;
}

/*
 * Rules *@from.. of @s, counting the ingress rules then the egress ones, as
 * many as VGW_RT_PART_BYTES holds; a part after the first is an append
 * (VNICGW_SECLIST_APPEND) and has the lists whose rules it carries.
 * Advances *@from.
 */
static int put_seclist(struct nl_msg *m, const struct nlattr *obj,
		       const struct vgw_seclist *s, unsigned int *from)
{
	unsigned int i = *from, e;

	TRY(nla_put_string(m, VNICGW_SECLIST_ID, s->id));
	TRY(nla_put_string(m, VNICGW_SECLIST_VCN, s->vcn));
	if (*from)
		TRY(nla_put_flag(m, VNICGW_SECLIST_APPEND));
	if (!*from || i < s->n_ingress)
		TRY(put_sec_rules(m, obj, VNICGW_SECLIST_INGRESS, s->ingress,
				  &i, s->n_ingress));
	if (i >= s->n_ingress) {
		e = i - s->n_ingress;
		TRY(put_sec_rules(m, obj, VNICGW_SECLIST_EGRESS, s->egress,
				  &e, s->n_egress));
		i = s->n_ingress + e;
	}
	*from = i;
	return 0;
}

static int put_services(struct nl_msg *m, const struct vgw_gateway *g)
{
	struct nlattr *l, *svc, *pl;
	unsigned int i, j;

	l = nla_nest_start(m, VNICGW_GW_SERVICES);
	if (!l)
		return -EMSGSIZE;
	for (i = 0; i < g->n_services; i++) {
		svc = nla_nest_start(m, VNICGW_ITEM);
		if (!svc)
			return -EMSGSIZE;
		TRY(nla_put_string(m, VNICGW_SVC_NAME, g->services[i].name));
		pl = nla_nest_start(m, VNICGW_SVC_PREFIXES);
		if (!pl)
			return -EMSGSIZE;
		for (j = 0; j < g->services[i].n_prefixes; j++)
			TRY(put_prefix(m, VNICGW_ITEM, &g->services[i].prefixes[j]));
		nla_nest_end(m, pl);
		nla_nest_end(m, svc);
	}
	nla_nest_end(m, l);
	return 0;
}

static const uint8_t gw_type_uapi[] = {
	[VGW_GW_INTERNET] = VNICGW_GW_TYPE_INTERNET,
	[VGW_GW_NAT] = VNICGW_GW_TYPE_NAT,
	[VGW_GW_SERVICE] = VNICGW_GW_TYPE_SERVICE,
	[VGW_GW_DRG] = VNICGW_GW_TYPE_DRG,
	[VGW_GW_LPG] = VNICGW_GW_TYPE_LPG,
};

static int put_gateway(struct nl_msg *m, const struct vgw_gateway *g)
{
	TRY(nla_put_string(m, VNICGW_GW_ID, g->id));
	TRY(nla_put_string(m, VNICGW_GW_VCN, g->vcn));
	TRY(nla_put_u8(m, VNICGW_GW_TYPE, gw_type_uapi[g->type]));
	TRY(put_addr(m, VNICGW_GW_UNDERLAY_IP, &g->underlay_ip));
	TRY(nla_put_u32(m, VNICGW_GW_VNI, g->vni));
	TRY(nla_put_u8(m, VNICGW_GW_ENCAP, g->encap == VGW_ENCAP_GENEVE ?
		       VNICGW_ENCAP_GENEVE : VNICGW_ENCAP_VXLAN));
	TRY(nla_put_u8(m, VNICGW_GW_ENABLED, g->enabled));
	if (g->public_ip.family)
		TRY(put_addr(m, VNICGW_GW_PUBLIC_IP, &g->public_ip));
	if (g->type == VGW_GW_SERVICE)
		return put_services(m, g);
	return 0;
}

static int put_vips(struct nl_msg *m, const struct vgw_vnic *v)
{
	struct nlattr *l = nla_nest_start(m, VNICGW_VNIC_VIPS), *n;
	unsigned int i;

	if (!l)
		return -EMSGSIZE;
	for (i = 0; i < v->n_vips; i++) {
		n = nla_nest_start(m, VNICGW_ITEM);
		if (!n)
			return -EMSGSIZE;
		TRY(put_addr(m, VNICGW_VIP_IP, &v->vips[i].ip));
		if (v->vips[i].rule == VGW_VIP_TARGET)
			TRY(nla_put_string(m, VNICGW_VIP_TARGET, v->vips[i].target));
		nla_nest_end(m, n);
	}
	nla_nest_end(m, l);
	return 0;
}

static int put_vnic(struct nl_msg *m, const struct vgw_vnic *v)
{
	struct nlattr *l;
	unsigned int i;

	TRY(nla_put_string(m, VNICGW_VNIC_ID, v->id));
	TRY(nla_put_string(m, VNICGW_VNIC_SUBNET, v->subnet));
	l = nla_nest_start(m, VNICGW_VNIC_PRIVATE_IPS);
	if (!l)
		return -EMSGSIZE;
	for (i = 0; i < v->n_private_ips; i++)
		TRY(put_addr(m, VNICGW_ITEM, &v->private_ips[i]));
	nla_nest_end(m, l);
	TRY(nla_put(m, VNICGW_VNIC_MAC, 6, v->mac));
	if (v->public_ip.family)
		TRY(put_addr(m, VNICGW_VNIC_PUBLIC_IP, &v->public_ip));
	TRY(put_ids(m, VNICGW_VNIC_NSGS, (const char (*)[VGW_ID_MAX])v->nsgs,
		    v->n_nsgs));
	TRY(nla_put_u8(m, VNICGW_VNIC_SKIP_SDC, v->skip_source_dest_check));
	TRY(nla_put_u32(m, VNICGW_VNIC_MV_VNI, v->micro_vnic.vni));
	TRY(put_addr(m, VNICGW_VNIC_MV_NVD_IP, &v->micro_vnic.nvd_ip));
	TRY(nla_put_u8(m, VNICGW_VNIC_MV_ENCAP,
		       v->micro_vnic.encap == VGW_ENCAP_GENEVE ?
		       VNICGW_ENCAP_GENEVE : VNICGW_ENCAP_VXLAN));
	TRY(nla_put_u32(m, VNICGW_VNIC_CT_LIMIT, v->conntrack_limit));
	return put_vips(m, v);
}

/* The list items of an object that is sent in parts; 0 for the others. */
static unsigned int obj_items(enum vgw_obj_type t, const void *obj)
{
	const struct vgw_seclist *s = obj;

	switch (t) {
	case VGW_OBJ_ROUTE_TABLE:
		return ((const struct vgw_route_table *)obj)->n_rules;
	case VGW_OBJ_SECURITY_LIST:
	case VGW_OBJ_NSG:
		return s->n_ingress + s->n_egress;
	default:
		return 0;
	}
}

int vgw_obj_put(struct nl_msg *msg, enum vgw_obj_type t, const void *obj)
{
	unsigned int from = 0;
	int err;

	err = vgw_obj_put_part(msg, t, obj, &from);
	if (!err && from < obj_items(t, obj))
		return -E2BIG;
	return err;
}

int vgw_obj_put_part(struct nl_msg *msg, enum vgw_obj_type t, const void *obj,
		     unsigned int *from)
{
	struct nlattr *nest = nla_nest_start(msg, obj_nest[t]);
	int err;

	if (!nest)
		return -EMSGSIZE;
	switch (t) {
	case VGW_OBJ_VCN:
		err = put_vcn(msg, obj);
		break;
	case VGW_OBJ_GATEWAY:
		err = put_gateway(msg, obj);
		break;
	case VGW_OBJ_ROUTE_TABLE:
		err = put_route_table(msg, obj, from);
		break;
	case VGW_OBJ_SECURITY_LIST:
	case VGW_OBJ_NSG:
		err = put_seclist(msg, nest, obj, from);
		break;
	case VGW_OBJ_SUBNET:
		err = put_subnet(msg, obj);
		break;
	case VGW_OBJ_VNIC:
		err = put_vnic(msg, obj);
		break;
	default:
		err = -EINVAL;
	}
	if (err)
		return err;
	/* An object nest longer than 64 KiB cannot be sent (nla_len). */
	return nla_nest_end(msg, nest) < 0 ? -E2BIG : 0;
}

/* --- decoding ------------------------------------------------------------ */

/* Decoding trusts nothing: every attribute's length is checked. */
struct dec {
	char *err;
	size_t errlen;
};

static int bad(struct dec *d, const char *what)
{
	snprintf(d->err, d->errlen, "kernel sent a malformed %s", what);
	return -EPROTO;
}

static int get_id(struct dec *d, const struct nlattr *a, char *id)
{
	int len = a ? nla_len(a) : 0;

	if (len < 2 || len > VGW_ID_MAX || ((const char *)nla_data(a))[len - 1])
		return bad(d, "id");
	memcpy(id, nla_data(a), len);
	return 0;
}

static int get_addr(struct dec *d, const struct nlattr *a, struct vgw_addr *ad)
{
	memset(ad, 0, sizeof(*ad));
	if (!a || (nla_len(a) != 4 && nla_len(a) != 16))
		return bad(d, "address");
	ad->family = nla_len(a) == 4 ? AF_INET : AF_INET6;
	memcpy(ad->bytes, nla_data(a), nla_len(a));
	return 0;
}

static int get_prefix(struct dec *d, struct nlattr *a, struct vgw_prefix *p)
{
	struct nlattr *tb[VNICGW_PFX_MAX + 1];

	if (!a || nla_parse_nested(tb, VNICGW_PFX_MAX, a, NULL) ||
	    !tb[VNICGW_PFX_LEN] || nla_len(tb[VNICGW_PFX_LEN]) < 1)
		return bad(d, "prefix");
	p->len = nla_get_u8(tb[VNICGW_PFX_LEN]);
	return get_addr(d, tb[VNICGW_PFX_ADDR], &p->addr);
}

static int nest(struct dec *d, struct nlattr **tb, int max, struct nlattr *a,
		const char *what)
{
	if (!a || nla_parse_nested(tb, max, a, NULL))
		return bad(d, what);
	return 0;
}

static unsigned int count_items(struct nlattr *list)
{
	struct nlattr *pos;
	unsigned int n = 0;
	int rem;

	if (list)
		nla_for_each_nested(pos, list, rem)
			n++;
	return n;
}

static void *alloc_items(struct nlattr *list, size_t size, unsigned int *n)
{
	*n = count_items(list);
	return calloc(*n ? *n : 1, size);
}

static bool get_u(const struct nlattr *a, int len)
{
	return a && nla_len(a) >= len;
}

static int dec_vcn(struct dec *d, struct nlattr *a, struct vgw_vcn *v)
{
	struct nlattr *tb[VNICGW_VCN_MAX + 1], *pos;
	unsigned int i = 0;
	int rem, err;

	err = nest(d, tb, VNICGW_VCN_MAX, a, "vcn");
	if (!err)
		err = get_id(d, tb[VNICGW_VCN_ID], v->id);
	if (err)
		return err;
	v->cidrs = alloc_items(tb[VNICGW_VCN_CIDRS], sizeof(*v->cidrs), &v->n_cidrs);
	if (!v->cidrs)
		return -ENOMEM;
	if (tb[VNICGW_VCN_CIDRS])
		nla_for_each_nested(pos, tb[VNICGW_VCN_CIDRS], rem)
			if ((err = get_prefix(d, pos, &v->cidrs[i++])))
				return err;
	return 0;
}

static int dec_ids(struct dec *d, struct nlattr *list, char (**ids)[VGW_ID_MAX],
		   unsigned int *n)
{
	struct nlattr *pos;
	unsigned int i = 0;
	int rem, err;

	*ids = alloc_items(list, VGW_ID_MAX, n);
	if (!*ids)
		return -ENOMEM;
	if (list)
		nla_for_each_nested(pos, list, rem)
			if ((err = get_id(d, pos, (*ids)[i++])))
				return err;
	return 0;
}

static int dec_subnet(struct dec *d, struct nlattr *a, struct vgw_subnet *s)
{
	struct nlattr *tb[VNICGW_SUBNET_MAX + 1];
	int err;

	err = nest(d, tb, VNICGW_SUBNET_MAX, a, "subnet");
	if (!err)
		err = get_id(d, tb[VNICGW_SUBNET_ID], s->id);
	if (!err)
		err = get_id(d, tb[VNICGW_SUBNET_VCN], s->vcn);
	if (!err)
		err = get_prefix(d, tb[VNICGW_SUBNET_CIDR], &s->cidr);
	if (!err && tb[VNICGW_SUBNET_ROUTE_TABLE])
		err = get_id(d, tb[VNICGW_SUBNET_ROUTE_TABLE], s->route_table);
	if (err)
		return err;
	return dec_ids(d, tb[VNICGW_SUBNET_SECLISTS], &s->security_lists,
		       &s->n_security_lists);
}

static int dec_route_rule(struct dec *d, struct nlattr *a,
			  struct vgw_route_rule *r)
{
	struct nlattr *tb[VNICGW_ROUTE_MAX + 1];
	int err;

	err = nest(d, tb, VNICGW_ROUTE_MAX, a, "route rule");
	if (err)
		return err;
	if (tb[VNICGW_ROUTE_DST]) {
		r->dst_type = VGW_DST_CIDR;
		err = get_prefix(d, tb[VNICGW_ROUTE_DST], &r->dst);
	} else {
		r->dst_type = VGW_DST_SERVICE;
		err = get_id(d, tb[VNICGW_ROUTE_DST_SERVICE], r->service);
	}
	if (err)
		return err;
	if (tb[VNICGW_ROUTE_TARGET_GW]) {
		r->target_type = VGW_TARGET_GATEWAY;
		return get_id(d, tb[VNICGW_ROUTE_TARGET_GW], r->gateway);
	}
	r->target_type = VGW_TARGET_PRIVATE_IP;
	return get_addr(d, tb[VNICGW_ROUTE_TARGET_IP], &r->private_ip);
}

/* Add the rules of @list after those @rt has. */
static int dec_route_rules(struct dec *d, struct nlattr *list,
			   struct vgw_route_table *rt)
{
	unsigned int i = rt->n_rules, n = count_items(list);
	struct vgw_route_rule *rules;
	struct nlattr *pos;
	int rem, err;

	rules = realloc(rt->rules, ((size_t)i + n ? (size_t)i + n : 1) *
			sizeof(*rules));
	if (!rules)
		return -ENOMEM;
	rt->rules = rules;
	memset(&rules[i], 0, (size_t)n * sizeof(*rules));
	if (list)
		nla_for_each_nested(pos, list, rem) {
			rules[i].pos = i;
			if ((err = dec_route_rule(d, pos, &rules[i++])))
				return err;
			rt->n_rules = i;
		}
	return 0;
}

static int dec_route_table(struct dec *d, struct nlattr **tb,
			   struct vgw_route_table *rt)
{
	int err;

	err = get_id(d, tb[VNICGW_RT_ID], rt->id);
	if (!err)
		err = get_id(d, tb[VNICGW_RT_VCN], rt->vcn);
	return err ?: dec_route_rules(d, tb[VNICGW_RT_RULES], rt);
}

/*
 * The next part of a split route table (VNICGW_RT_APPEND): more rules for
 * the table decoded last, which must be the same one.
 */
static int dec_route_table_more(struct dec *d, struct nlattr **tb,
				struct vgw_doc *doc)
{
	struct vgw_route_table *rt;
	char id[VGW_ID_MAX], vcn[VGW_ID_MAX];
	int err;

	err = get_id(d, tb[VNICGW_RT_ID], id);
	if (!err)
		err = get_id(d, tb[VNICGW_RT_VCN], vcn);
	if (err)
		return err;
	rt = doc->n_route_tables ?
	     &doc->route_tables[doc->n_route_tables - 1] : NULL;
	if (!rt || strcmp(rt->id, id) || strcmp(rt->vcn, vcn))
		return bad(d, "route table part (no first part before it)");
	return dec_route_rules(d, tb[VNICGW_RT_RULES], rt);
}

/* Is @tb the continuation of a split object? */
static bool is_part(struct nlattr **tb)
{
	struct nlattr *rt[VNICGW_RT_MAX + 1];
	struct nlattr *sl[VNICGW_SECLIST_MAX + 1];
	struct nlattr *a = tb[VNICGW_A_SECLIST] ?: tb[VNICGW_A_NSG];

	if (tb[VNICGW_A_ROUTE_TABLE])
		return !nla_parse_nested(rt, VNICGW_RT_MAX,
					 tb[VNICGW_A_ROUTE_TABLE], NULL) &&
		       rt[VNICGW_RT_APPEND];
	return a && !nla_parse_nested(sl, VNICGW_SECLIST_MAX, a, NULL) &&
	       sl[VNICGW_SECLIST_APPEND];
}

static void get_ports(struct nlattr **tb, int lo, int hi,
		      struct vgw_port_range *p)
{
	p->lo = 0;
	p->hi = 65535;
	if (get_u(tb[lo], 2) && get_u(tb[hi], 2)) {
		p->lo = nla_get_u16(tb[lo]);
		p->hi = nla_get_u16(tb[hi]);
	}
}

static int dec_sec_rule(struct dec *d, struct nlattr *a, struct vgw_sec_rule *r)
{
	struct nlattr *tb[VNICGW_RULE_MAX + 1];
	int err;

	err = nest(d, tb, VNICGW_RULE_MAX, a, "security rule");
	if (err)
		return err;
	if (tb[VNICGW_RULE_PEER_NSG]) {
		r->peer_type = VGW_PEER_NSG;
		err = get_id(d, tb[VNICGW_RULE_PEER_NSG], r->peer_nsg);
	} else {
		r->peer_type = VGW_PEER_CIDR;
		err = get_prefix(d, tb[VNICGW_RULE_PEER], &r->peer_cidr);
	}
	if (err)
		return err;
	if (!get_u(tb[VNICGW_RULE_PROTO], 2))
		return bad(d, "security rule protocol");
	r->protocol = nla_get_u16(tb[VNICGW_RULE_PROTO]);
	if (r->protocol == VNICGW_PROTO_ALL)
		r->protocol = VGW_PROTO_ALL;
	get_ports(tb, VNICGW_RULE_SPORT_LO, VNICGW_RULE_SPORT_HI, &r->src_ports);
	get_ports(tb, VNICGW_RULE_DPORT_LO, VNICGW_RULE_DPORT_HI, &r->dst_ports);
	r->icmp_type = get_u(tb[VNICGW_RULE_ICMP_TYPE], 1) ?
		       nla_get_u8(tb[VNICGW_RULE_ICMP_TYPE]) : VGW_ICMP_ANY;
	r->icmp_code = get_u(tb[VNICGW_RULE_ICMP_CODE], 1) ?
		       nla_get_u8(tb[VNICGW_RULE_ICMP_CODE]) : VGW_ICMP_ANY;
	r->stateless = tb[VNICGW_RULE_STATELESS] != NULL;
	return 0;
}

/* Add the rules of @list (may be NULL: none) after the *@n of *@out. */
static int dec_sec_rules(struct dec *d, struct nlattr *list,
			 struct vgw_sec_rule **out, unsigned int *n)
{
	unsigned int i = *n, more = count_items(list);
	struct vgw_sec_rule *rules;
	struct nlattr *pos;
	int rem, err;

	rules = realloc(*out, ((size_t)i + more ? (size_t)i + more : 1) *
			sizeof(*rules));
	if (!rules)
		return -ENOMEM;
	*out = rules;
	memset(&rules[i], 0, (size_t)more * sizeof(*rules));
	if (list)
		nla_for_each_nested(pos, list, rem) {
			if ((err = dec_sec_rule(d, pos, &rules[i++])))
				return err;
			*n = i;
		}
	return 0;
}

static int dec_seclist_rules(struct dec *d, struct nlattr **tb,
			     struct vgw_seclist *s)
{
	int err;

	err = dec_sec_rules(d, tb[VNICGW_SECLIST_INGRESS], &s->ingress,
			    &s->n_ingress);
	return err ?: dec_sec_rules(d, tb[VNICGW_SECLIST_EGRESS], &s->egress,
				    &s->n_egress);
}

static int dec_seclist(struct dec *d, struct nlattr **tb, struct vgw_seclist *s)
{
	int err;

	err = get_id(d, tb[VNICGW_SECLIST_ID], s->id);
	if (!err)
		err = get_id(d, tb[VNICGW_SECLIST_VCN], s->vcn);
	return err ?: dec_seclist_rules(d, tb, s);
}

/*
 * The next part of a split security list or NSG (VNICGW_SECLIST_APPEND):
 * more rules for the one of type @t decoded last, which must be the same.
 */
static int dec_seclist_more(struct dec *d, struct nlattr **tb,
			    struct vgw_doc *doc, enum vgw_obj_type t)
{
	unsigned int n = vgw_doc_count(doc, t);
	char id[VGW_ID_MAX], vcn[VGW_ID_MAX];
	struct vgw_seclist *s;
	int err;

	err = get_id(d, tb[VNICGW_SECLIST_ID], id);
	if (!err)
		err = get_id(d, tb[VNICGW_SECLIST_VCN], vcn);
	if (err)
		return err;
	s = n ? (struct vgw_seclist *)vgw_doc_obj(doc, t, n - 1) : NULL;
	if (!s || strcmp(s->id, id) || strcmp(s->vcn, vcn))
		return bad(d, "security list part (no first part before it)");
	return dec_seclist_rules(d, tb, s);
}

static int dec_service(struct dec *d, struct nlattr *a, struct vgw_service *s)
{
	struct nlattr *tb[VNICGW_SVC_MAX + 1], *pos;
	unsigned int i = 0;
	int rem, err;

	err = nest(d, tb, VNICGW_SVC_MAX, a, "service");
	if (!err)
		err = get_id(d, tb[VNICGW_SVC_NAME], s->name);
	if (err)
		return err;
	s->prefixes = alloc_items(tb[VNICGW_SVC_PREFIXES], sizeof(*s->prefixes),
				  &s->n_prefixes);
	if (!s->prefixes)
		return -ENOMEM;
	if (tb[VNICGW_SVC_PREFIXES])
		nla_for_each_nested(pos, tb[VNICGW_SVC_PREFIXES], rem)
			if ((err = get_prefix(d, pos, &s->prefixes[i++])))
				return err;
	return 0;
}

static const enum vgw_gw_type gw_type_doc[] = {
	[VNICGW_GW_TYPE_INTERNET] = VGW_GW_INTERNET,
	[VNICGW_GW_TYPE_NAT] = VGW_GW_NAT,
	[VNICGW_GW_TYPE_SERVICE] = VGW_GW_SERVICE,
	[VNICGW_GW_TYPE_DRG] = VGW_GW_DRG,
	[VNICGW_GW_TYPE_LPG] = VGW_GW_LPG,
};

static int dec_gateway(struct dec *d, struct nlattr *a, struct vgw_gateway *g)
{
	struct nlattr *tb[VNICGW_GW_MAX + 1], *pos;
	unsigned int i = 0, type;
	int rem, err;

	err = nest(d, tb, VNICGW_GW_MAX, a, "gateway");
	if (!err)
		err = get_id(d, tb[VNICGW_GW_ID], g->id);
	if (!err)
		err = get_id(d, tb[VNICGW_GW_VCN], g->vcn);
	if (!err)
		err = get_addr(d, tb[VNICGW_GW_UNDERLAY_IP], &g->underlay_ip);
	if (err)
		return err;
	if (!get_u(tb[VNICGW_GW_TYPE], 1) || !get_u(tb[VNICGW_GW_VNI], 4) ||
	    (type = nla_get_u8(tb[VNICGW_GW_TYPE])) >= __VNICGW_GW_TYPE_MAX)
		return bad(d, "gateway");
	g->type = gw_type_doc[type];
	g->vni = nla_get_u32(tb[VNICGW_GW_VNI]);
	g->encap = get_u(tb[VNICGW_GW_ENCAP], 1) &&
		   nla_get_u8(tb[VNICGW_GW_ENCAP]) == VNICGW_ENCAP_GENEVE ?
		   VGW_ENCAP_GENEVE : VGW_ENCAP_VXLAN;
	g->enabled = !get_u(tb[VNICGW_GW_ENABLED], 1) ||
		     nla_get_u8(tb[VNICGW_GW_ENABLED]);
	if (tb[VNICGW_GW_PUBLIC_IP] &&
	    (err = get_addr(d, tb[VNICGW_GW_PUBLIC_IP], &g->public_ip)))
		return err;
	g->services = alloc_items(tb[VNICGW_GW_SERVICES], sizeof(*g->services),
				  &g->n_services);
	if (!g->services)
		return -ENOMEM;
	if (tb[VNICGW_GW_SERVICES])
		nla_for_each_nested(pos, tb[VNICGW_GW_SERVICES], rem)
			if ((err = dec_service(d, pos, &g->services[i++])))
				return err;
	return 0;
}

static int dec_vips(struct dec *d, struct nlattr *list, struct vgw_vnic *v)
{
	struct nlattr *tb[VNICGW_VIP_MAX + 1], *pos;
	unsigned int i = 0;
	int rem, err;

	v->vips = alloc_items(list, sizeof(*v->vips), &v->n_vips);
	if (!v->vips)
		return -ENOMEM;
	if (!list)
		return 0;
	nla_for_each_nested(pos, list, rem) {
		struct vgw_vip *vip = &v->vips[i++];

		err = nest(d, tb, VNICGW_VIP_MAX, pos, "vip");
		if (!err)
			err = get_addr(d, tb[VNICGW_VIP_IP], &vip->ip);
		if (!err && tb[VNICGW_VIP_TARGET]) {
			vip->rule = VGW_VIP_TARGET;
			err = get_id(d, tb[VNICGW_VIP_TARGET], vip->target);
		}
		if (err)
			return err;
	}
	return 0;
}

static int dec_vnic_lists(struct dec *d, struct nlattr **tb, struct vgw_vnic *v)
{
	struct nlattr *pos;
	unsigned int i = 0;
	int rem, err;

	v->private_ips = alloc_items(tb[VNICGW_VNIC_PRIVATE_IPS],
				     sizeof(*v->private_ips), &v->n_private_ips);
	if (!v->private_ips)
		return -ENOMEM;
	if (tb[VNICGW_VNIC_PRIVATE_IPS])
		nla_for_each_nested(pos, tb[VNICGW_VNIC_PRIVATE_IPS], rem)
			if ((err = get_addr(d, pos, &v->private_ips[i++])))
				return err;
	err = dec_ids(d, tb[VNICGW_VNIC_NSGS], &v->nsgs, &v->n_nsgs);
	if (!err)
		err = dec_vips(d, tb[VNICGW_VNIC_VIPS], v);
	return err;
}

static int dec_vnic(struct dec *d, struct nlattr *a, struct vgw_vnic *v)
{
	struct nlattr *tb[VNICGW_VNIC_MAX + 1];
	int err;

	err = nest(d, tb, VNICGW_VNIC_MAX, a, "vnic");
	if (!err)
		err = get_id(d, tb[VNICGW_VNIC_ID], v->id);
	if (!err)
		err = get_id(d, tb[VNICGW_VNIC_SUBNET], v->subnet);
	if (!err)
		err = get_addr(d, tb[VNICGW_VNIC_MV_NVD_IP], &v->micro_vnic.nvd_ip);
	if (err)
		return err;
	if (!get_u(tb[VNICGW_VNIC_MAC], 6) || !get_u(tb[VNICGW_VNIC_MV_VNI], 4) ||
	    (tb[VNICGW_VNIC_CT_LIMIT] && !get_u(tb[VNICGW_VNIC_CT_LIMIT], 4)))
		return bad(d, "vnic");
	memcpy(v->mac, nla_data(tb[VNICGW_VNIC_MAC]), 6);
	v->micro_vnic.vni = nla_get_u32(tb[VNICGW_VNIC_MV_VNI]);
	v->micro_vnic.encap = get_u(tb[VNICGW_VNIC_MV_ENCAP], 1) &&
		nla_get_u8(tb[VNICGW_VNIC_MV_ENCAP]) == VNICGW_ENCAP_GENEVE ?
		VGW_ENCAP_GENEVE : VGW_ENCAP_VXLAN;
	v->skip_source_dest_check = get_u(tb[VNICGW_VNIC_SKIP_SDC], 1) &&
				    nla_get_u8(tb[VNICGW_VNIC_SKIP_SDC]);
	/* Optional in a request (the kernel's dumps always have it). */
	v->conntrack_limit = tb[VNICGW_VNIC_CT_LIMIT] ?
			     nla_get_u32(tb[VNICGW_VNIC_CT_LIMIT]) :
			     VGW_CONNTRACK_DEFAULT;
	if (tb[VNICGW_VNIC_PUBLIC_IP] &&
	    (err = get_addr(d, tb[VNICGW_VNIC_PUBLIC_IP], &v->public_ip)))
		return err;
	return dec_vnic_lists(d, tb, v);
}

/* Append a zeroed object of type @t to @doc; NULL on ENOMEM. */
static void *append(struct vgw_doc *doc, enum vgw_obj_type t)
{
	const struct vgw_st_type *ty = &vgw_st_types[t];
	void **arr = (void **)((char *)doc + ty->arr_off);
	unsigned int *n = vgw_st_cnt(doc, t);
	void *grown;

	/* Grow by doubling: capacities are the powers of two. */
	if ((*n & (*n - 1)) == 0) {
		grown = realloc(*arr, (size_t)(*n ? 2 * *n : 1) * ty->size);
		if (!grown)
			return NULL;
		*arr = grown;
	}
	grown = (char *)*arr + (size_t)*n * ty->size;
	memset(grown, 0, ty->size);
	(*n)++;
	return grown;
}

int vgw_obj_decode(struct nlattr **tb, struct vgw_doc *doc, char *err,
		   size_t errlen)
{
	struct dec d = { err, errlen };
	unsigned int t;
	void *obj;

	for (t = 0; t < VGW_OBJ_NTYPES; t++)
		if (tb[obj_nest[t]])
			break;
	if (t == VGW_OBJ_NTYPES)
		return bad(&d, "object");
	if (t == VGW_OBJ_ROUTE_TABLE) {
		struct nlattr *rt[VNICGW_RT_MAX + 1];

		if (nest(&d, rt, VNICGW_RT_MAX, tb[obj_nest[t]], "route table"))
			return -EPROTO;
		if (rt[VNICGW_RT_APPEND])
			return dec_route_table_more(&d, rt, doc);
		obj = append(doc, t);
		if (!obj)
			return -ENOMEM;
		((struct vgw_route_table *)obj)->pos = vgw_doc_count(doc, t) - 1;
		return dec_route_table(&d, rt, obj);
	}
	if (t == VGW_OBJ_SECURITY_LIST || t == VGW_OBJ_NSG) {
		struct nlattr *sl[VNICGW_SECLIST_MAX + 1];

		if (nest(&d, sl, VNICGW_SECLIST_MAX, tb[obj_nest[t]],
			 "security list"))
			return -EPROTO;
		if (sl[VNICGW_SECLIST_APPEND])
			return dec_seclist_more(&d, sl, doc, t);
		obj = append(doc, t);
		if (!obj)
			return -ENOMEM;
		((struct vgw_seclist *)obj)->pos = vgw_doc_count(doc, t) - 1;
		return dec_seclist(&d, sl, obj);
	}
	obj = append(doc, t);
	if (!obj)
		return -ENOMEM;
	((struct vgw_vcn *)obj)->pos = vgw_doc_count(doc, t) - 1;
	switch (t) {
	case VGW_OBJ_VCN:
		return dec_vcn(&d, tb[obj_nest[t]], obj);
	case VGW_OBJ_GATEWAY:
		return dec_gateway(&d, tb[obj_nest[t]], obj);
	case VGW_OBJ_SUBNET:
		return dec_subnet(&d, tb[obj_nest[t]], obj);
	default:
		return dec_vnic(&d, tb[obj_nest[t]], obj);
	}
}

/* --- dump, apply, delete --------------------------------------------------- */

struct dump_ctx {
	struct vgw_client *c;
	struct vgw_doc *doc;
	uint64_t generation;		/* of the message before; 0: none */
	struct vgw_obj_gen *gens;	/* NULL: not wanted */
	unsigned int n_gens, cap_gens;
};

static int note_gen(struct dump_ctx *d, struct nlattr **tb)
{
	struct vgw_obj_gen *g;
	unsigned int t;

	if (d->n_gens == d->cap_gens) {
		d->cap_gens = d->cap_gens ? 2 * d->cap_gens : 64;
		g = realloc(d->gens, d->cap_gens * sizeof(*g));
		if (!g)
			return -ENOMEM;
		d->gens = g;
	}
	for (t = 0; !tb[obj_nest[t]]; t++)
		;
	g = &d->gens[d->n_gens++];
	g->type = t;
	snprintf(g->id, sizeof(g->id), "%s",
		 (const char *)vgw_doc_obj(d->doc, t, vgw_doc_count(d->doc, t) - 1));
	g->gen = tb[VNICGW_A_OBJ_GEN] && nla_len(tb[VNICGW_A_OBJ_GEN]) == 8 ?
		 nla_get_u64(tb[VNICGW_A_OBJ_GEN]) : 0;
	return 0;
}

static uint64_t msg_gen(struct nlattr **tb)
{
	return tb[VNICGW_A_GENERATION] && nla_len(tb[VNICGW_A_GENERATION]) == 8 ?
	       nla_get_u64(tb[VNICGW_A_GENERATION]) : 0;
}

static int dump_one(struct nlattr **tb, void *arg)
{
	struct dump_ctx *d = arg;
	bool part = is_part(tb);
	int err;

	/*
	 * The parts of a split object come from one snapshot; a commit
	 * between them also marks the dump NLM_F_DUMP_INTR, so this is the
	 * belt to those braces: read it again.
	 */
	if (part && msg_gen(tb) != d->generation)
		return -EINTR;
	d->generation = msg_gen(tb);
	err = vgw_obj_decode(tb, d->doc, d->c->errmsg, sizeof(d->c->errmsg));
	if (!err && !part && d->cap_gens != UINT_MAX)
		err = note_gen(d, tb);
	return err;
}

static int gen_cmp(const void *a, const void *b)
{
	const struct vgw_obj_gen *x = a, *y = b;

	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	return strcmp(x->id, y->id);
}

/* Dumps interrupted by a commit are retried this often, then refused. */
#define DUMP_TRIES 20

static int dump(struct vgw_client *c, struct vgw_doc **out,
		struct dump_ctx *d)
{
	int err, tries = 0;

	d->c = c;
	do {
		d->doc = vgw_doc_new();
		if (!d->doc)
			return -ENOMEM;
		d->n_gens = 0;
		d->generation = 0;
		err = vgw_call(c, VNICGW_CMD_OBJ_GET, NLM_F_DUMP, NULL,
			       dump_one, d);
		if (err)
			vgw_doc_free(d->doc);
	} while (err == -EINTR && ++tries < DUMP_TRIES);
	if (err) {
		free(d->gens);
		return err;
	}
	vgw_doc_normalize(d->doc);
	*out = d->doc;
	return 0;
}

int vgw_dump_doc(struct vgw_client *c, struct vgw_doc **out)
{
	struct dump_ctx d = { .cap_gens = UINT_MAX };

	return dump(c, out, &d);
}

int vgw_dump_doc_gens(struct vgw_client *c, struct vgw_doc **out,
		      struct vgw_obj_gen **gens, unsigned int *n_gens)
{
	struct dump_ctx d = { 0 };
	int err;

	err = dump(c, out, &d);
	if (err)
		return err;
	qsort(d.gens, d.n_gens, sizeof(*d.gens), gen_cmp);
	*gens = d.gens;
	*n_gens = d.n_gens;
	return 0;
}

uint64_t vgw_obj_gen_find(const struct vgw_obj_gen *gens, unsigned int n,
			  enum vgw_obj_type t, const char *id)
{
	struct vgw_obj_gen key = { .type = t };
	const struct vgw_obj_gen *g;

	snprintf(key.id, sizeof(key.id), "%s", id);
	g = bsearch(&key, gens, n, sizeof(*gens), gen_cmp);
	return g ? g->gen : 0;
}

struct put_args {
	enum vgw_obj_type t;
	const void *obj;
	unsigned int from, next;	/* the part of a route table */
};

static int build_set(struct nl_msg *msg, void *arg)
{
	struct put_args *p = arg;

	p->next = p->from;
	return vgw_obj_put_part(msg, p->t, p->obj, &p->next);
}

/*
 * Set @obj inside the open transaction: one request, or for a route table
 * or a security list too large for one attribute, the object with its first
 * rules and then appends (uapi: VNICGW_RT_APPEND, VNICGW_SECLIST_APPEND),
 * the kernel checking it at the commit.
 */
static int set_obj(struct vgw_client *c, enum vgw_obj_type t, const void *obj)
{
	struct put_args p = { .t = t, .obj = obj };
	unsigned int n = obj_items(t, obj);
	int err;

	do {
		err = vgw_call_sized(c, VNICGW_CMD_OBJ_SET, 0,
				     n ? VGW_RT_PART_BYTES + 4096 : 16384,
				     build_set, NULL, &p);
		p.from = p.next;
	} while (!err && p.from < n);
	return err;
}

static int build_del(struct nl_msg *msg, void *arg)
{
	const struct put_args *p = arg;

	if (nla_put_u8(msg, VNICGW_A_OBJ_TYPE, p->t) < 0 ||
	    nla_put_string(msg, VNICGW_A_OBJ_ID, p->obj) < 0)
		return -EMSGSIZE;
	return 0;
}

struct get_ctx {
	struct dump_ctx d;
	enum vgw_obj_type type;
	const char *id;
	uint64_t gen;
	unsigned int n;		/* messages that began an object */
};

static int get_one(struct nlattr **tb, void *arg)
{
	struct get_ctx *g = arg;

	if (!is_part(tb)) {
		if (g->n++) {
			snprintf(g->d.c->errmsg, sizeof(g->d.c->errmsg),
				 "kernel sent two objects for one");
			return -EPROTO;
		}
		g->gen = tb[VNICGW_A_OBJ_GEN] &&
			 nla_len(tb[VNICGW_A_OBJ_GEN]) == 8 ?
			 nla_get_u64(tb[VNICGW_A_OBJ_GEN]) : 0;
	}
	return dump_one(tb, &g->d);
}

static int build_get(struct nl_msg *msg, void *arg)
{
	const struct get_ctx *g = arg;

	if (nla_put_u8(msg, VNICGW_A_OBJ_TYPE, g->type) < 0 ||
	    nla_put_string(msg, VNICGW_A_OBJ_ID, g->id) < 0)
		return -EMSGSIZE;
	return 0;
}

int vgw_get_obj(struct vgw_client *c, enum vgw_obj_type t, const char *id,
		struct vgw_doc **out, uint64_t *gen)
{
	struct get_ctx g = { .d = { .c = c, .cap_gens = UINT_MAX },
			     .type = t, .id = id };
	int err;

	int tries = 0;

	g.d.doc = vgw_doc_new();
	if (!g.d.doc)
		return -ENOMEM;
	err = vgw_call(c, VNICGW_CMD_OBJ_GET, 0, build_get, get_one, &g);
	/*
	 * The do answers one message; an object that needs more (a table
	 * of thousands of rules) is read by the dump of its type and id,
	 * again while a commit interrupts it.
	 */
	while (err == -EMSGSIZE || (err == -EINTR && tries && tries < DUMP_TRIES)) {
		tries++;
		vgw_doc_free(g.d.doc);
		g.d.doc = vgw_doc_new();
		if (!g.d.doc)
			return -ENOMEM;
		g.d.n_gens = 0;
		g.d.generation = 0;
		g.n = 0;
		err = vgw_call(c, VNICGW_CMD_OBJ_GET, NLM_F_DUMP, build_get,
			       get_one, &g);
		if (!err && !g.n) {
			snprintf(c->errmsg, sizeof(c->errmsg), "no %s %s",
				 vgw_obj_type_name(t), id);
			err = -ENOENT;
		}
	}
	if (!err && !g.n)
		err = -EPROTO;
	if (err) {
		vgw_doc_free(g.d.doc);
		return err;
	}
	vgw_doc_normalize(g.d.doc);
	*out = g.d.doc;
	if (gen)
		*gen = g.gen;
	return 0;
}

int vgw_obj_del(struct vgw_client *c, enum vgw_obj_type t, const char *id)
{
	struct put_args p = { .t = t, .obj = id };

	return vgw_call(c, VNICGW_CMD_OBJ_DEL, 0, build_del, NULL, &p);
}

struct apply_ctx {
	struct vgw_client *c;
	FILE *log;
	struct vgw_apply_stats *stats;
	vgw_apply_progress_fn progress;
	void *progress_arg;
	unsigned int done, total;
	char what[VGW_ID_MAX + 32];	/* the change being sent */
};

static int apply_one(enum vgw_obj_type t, enum vgw_change change,
		     const void *old_obj, const void *new_obj, void *arg)
{
	struct apply_ctx *a = arg;
	const char *id = new_obj ? new_obj : old_obj;
	struct put_args p = { .t = t, .obj = id };
	static const char mark[] = { [VGW_ADDED] = '+', [VGW_REMOVED] = '-',
				     [VGW_CHANGED] = '~' };
	int err;

	snprintf(a->what, sizeof(a->what), "%c %s %s", mark[change],
		 vgw_obj_type_name(t), id);
	if (change == VGW_REMOVED)
		err = vgw_call(a->c, VNICGW_CMD_OBJ_DEL, 0, build_del, NULL, &p);
	else
		err = set_obj(a->c, t, new_obj);
	if (err)
		return err;
	if (a->log)
		fprintf(a->log, "%s\n", a->what);
	if (change == VGW_ADDED)
		a->stats->added++;
	else if (change == VGW_CHANGED)
		a->stats->changed++;
	else
		a->stats->removed++;
	if (a->progress)
		a->progress(++a->done, a->total, a->progress_arg);
	return 0;
}

static int count_one(enum vgw_obj_type t, enum vgw_change change,
		     const void *old_obj, const void *new_obj, void *arg)
{
	(void)t, (void)change, (void)old_obj, (void)new_obj;
	++*(unsigned int *)arg;
	return 0;
}

/* Prefix the kernel's reason with the change that it refused. */
static void blame(struct apply_ctx *a)
{
	char buf[sizeof(a->what) + sizeof(a->c->errmsg) + 4];

	snprintf(buf, sizeof(buf), "%s: %s", a->what,
		 a->c->errmsg[0] ? a->c->errmsg : "refused");
	snprintf(a->c->errmsg, sizeof(a->c->errmsg), "%.*s",
		 (int)sizeof(a->c->errmsg) - 1, buf);
}

/* TXN_ABORT, keeping the message of the refusal that led to it. */
static void abort_quietly(struct vgw_client *c)
{
	char msg[sizeof(c->errmsg)];

	memcpy(msg, c->errmsg, sizeof(msg));
	vgw_call(c, VNICGW_CMD_TXN_ABORT, 0, NULL, NULL, NULL);
	memcpy(c->errmsg, msg, sizeof(msg));
}

int vgw_apply_doc(struct vgw_client *c, const struct vgw_doc *want, int flags,
		  FILE *log, struct vgw_apply_stats *stats)
{
	return vgw_apply_doc_progress(c, want, flags, log, stats, NULL, NULL);
}

int vgw_apply_doc_progress(struct vgw_client *c, const struct vgw_doc *want,
			   int flags, FILE *log, struct vgw_apply_stats *stats,
			   vgw_apply_progress_fn progress, void *arg)
{
	struct apply_ctx a = { .c = c, .log = log, .stats = stats,
			       .progress = progress, .progress_arg = arg };
	struct vgw_doc *cur;
	int err;

	memset(stats, 0, sizeof(*stats));
	err = vgw_dump_doc(c, &cur);
	if (err)
		return err;
	/*
	 * The kernel does not hold the agent-side fields (flow_logs): the
	 * dump takes the desired document's, or a change of only them would
	 * look like a change of the object, applied again at every check.
	 */
	vgw_doc_take_agent_fields(cur, want);
	if (flags & VGW_APPLY_DRY_RUN) {
		err = vgw_doc_diff_print(cur, want, log ? log : stdout);
		vgw_doc_free(cur);
		return err < 0 ? err : 0;
	}
	/* Equal already: no transaction, and the generation stays. */
	if (vgw_doc_equal(cur, want)) {
		vgw_doc_free(cur);
		return 0;
	}
	/* The number of changes first, so that progress can say "N of M". */
	if (progress)
		vgw_doc_diff(cur, want, count_one, &a.total);
	err = vgw_call(c, VNICGW_CMD_TXN_BEGIN, 0, NULL, NULL, NULL);
	if (!err) {
		err = vgw_doc_diff(cur, want, apply_one, &a);
		if (err) {
			blame(&a);
			/*
			 * A change the module refused aborted the transaction
			 * already; one that genetlink's validation refused did
			 * not (uapi: transactions). The abort's own answer is
			 * not the error to report.
			 */
			abort_quietly(c);
		} else {
			snprintf(a.what, sizeof(a.what), "commit");
			err = vgw_call(c, VNICGW_CMD_TXN_COMMIT, 0, NULL, NULL, NULL);
			if (err)
				blame(&a);
		}
	}
	vgw_doc_free(cur);
	return err;
}
