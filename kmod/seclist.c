// SPDX-License-Identifier: GPL-2.0
/*
 * Security lists and network security groups: the same shape (ingress and
 * egress rules of a VCN), different attachment (a subnet's lists apply to
 * all its VNICs; an NSG to its member VNICs, and names them as a rule peer).
 * Rules are compiled per VNIC group by policy.c.
 */
#include "objects.h"

static const struct nla_policy rule_policy[VNICGW_RULE_MAX + 1] = {
	[VNICGW_RULE_PEER] = VGW_POLICY_PFX,
	[VNICGW_RULE_PEER_NSG] = VGW_POLICY_ID,
	[VNICGW_RULE_PROTO] = { .type = NLA_U16 },
	[VNICGW_RULE_SPORT_LO] = { .type = NLA_U16 },
	[VNICGW_RULE_SPORT_HI] = { .type = NLA_U16 },
	[VNICGW_RULE_DPORT_LO] = { .type = NLA_U16 },
	[VNICGW_RULE_DPORT_HI] = { .type = NLA_U16 },
	[VNICGW_RULE_ICMP_TYPE] = { .type = NLA_U8 },
	[VNICGW_RULE_ICMP_CODE] = { .type = NLA_U8 },
	[VNICGW_RULE_STATELESS] = { .type = NLA_FLAG },
};

static const struct nla_policy seclist_policy[VNICGW_SECLIST_MAX + 1] = {
	[VNICGW_SECLIST_ID] = VGW_POLICY_ID,
	[VNICGW_SECLIST_VCN] = VGW_POLICY_ID,
	[VNICGW_SECLIST_INGRESS] = VGW_POLICY_LIST,
	[VNICGW_SECLIST_EGRESS] = VGW_POLICY_LIST,
	[VNICGW_SECLIST_APPEND] = { .type = NLA_FLAG },
};

static bool has_ports(u16 proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP;
}

static bool has_icmp(u16 proto)
{
	return proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6;
}

/* A port range from its two attributes: both or neither. */
static int parse_ports(struct nlattr **tb, int lo, int hi, u16 *plo, u16 *phi,
		       const char *what, struct netlink_ext_ack *extack)
{
	*plo = 0;
	*phi = 0xffff;
	if (!tb[lo] && !tb[hi])
		return 0;
	if (!tb[lo] || !tb[hi])
		return vgw_refuse(extack, tb[lo] ?: tb[hi],
				  "%s: a port range needs both ends", what);
	*plo = nla_get_u16(tb[lo]);
	*phi = nla_get_u16(tb[hi]);
	if (*plo > *phi)
		return vgw_refuse(extack, tb[lo], "%s: port range %u-%u is empty",
				  what, *plo, *phi);
	return 0;
}

static int parse_rule_l4(struct vgw_secrule *r, struct nlattr **tb,
			 const char *what, struct netlink_ext_ack *extack)
{
	int err;

	err = parse_ports(tb, VNICGW_RULE_SPORT_LO, VNICGW_RULE_SPORT_HI,
			  &r->sport_lo, &r->sport_hi, what, extack);
	if (!err)
		err = parse_ports(tb, VNICGW_RULE_DPORT_LO, VNICGW_RULE_DPORT_HI,
				  &r->dport_lo, &r->dport_hi, what, extack);
	if (err)
		return err;
	if ((tb[VNICGW_RULE_SPORT_LO] || tb[VNICGW_RULE_DPORT_LO]) &&
	    !has_ports(r->proto))
		return vgw_refuse(extack, NULL, "%s: ports need tcp or udp", what);
	r->icmp_type = tb[VNICGW_RULE_ICMP_TYPE] ?
		       nla_get_u8(tb[VNICGW_RULE_ICMP_TYPE]) : -1;
	r->icmp_code = tb[VNICGW_RULE_ICMP_CODE] ?
		       nla_get_u8(tb[VNICGW_RULE_ICMP_CODE]) : -1;
	if ((r->icmp_type >= 0 || r->icmp_code >= 0) && !has_icmp(r->proto))
		return vgw_refuse(extack, NULL, "%s: icmp type/code need icmp or icmpv6",
				  what);
	if (r->icmp_code >= 0 && r->icmp_type < 0)
		return vgw_refuse(extack, NULL, "%s: an icmp code needs a type", what);
	return 0;
}

static int parse_rule(struct vgw_secrule *r, const struct nlattr *a,
		      const char *what, struct netlink_ext_ack *extack)
{
	struct nlattr *tb[VNICGW_RULE_MAX + 1];
	int err;

	err = nla_parse_nested(tb, VNICGW_RULE_MAX, a, rule_policy, extack);
	if (err)
		return err;
	if (!!tb[VNICGW_RULE_PEER] == !!tb[VNICGW_RULE_PEER_NSG])
		return vgw_refuse(extack, a, "%s: one peer, a prefix or an nsg", what);
	if (!tb[VNICGW_RULE_PROTO])
		return vgw_refuse(extack, a, "%s: protocol is required", what);
	r->proto = nla_get_u16(tb[VNICGW_RULE_PROTO]);
	if (r->proto > 255 && r->proto != VNICGW_PROTO_ALL)
		return vgw_refuse(extack, tb[VNICGW_RULE_PROTO],
				  "%s: protocol %u is not 0-255 or all", what, r->proto);
	if (tb[VNICGW_RULE_PEER])
		err = vgw_nla_pfx(tb[VNICGW_RULE_PEER], &r->peer, extack);
	else
		err = vgw_nla_id(tb[VNICGW_RULE_PEER_NSG], r->peer_nsg, extack);
	if (err)
		return err;
	r->stateless = nla_get_flag(tb[VNICGW_RULE_STATELESS]);
	return parse_rule_l4(r, tb, what, extack);
}

/* The rules of @list into @out; the first is rule @i of its direction. */
static int parse_rules(struct vgw_seclist *sl, struct vgw_secrule *out,
		       unsigned int i, const struct nlattr *list,
		       const char *dir, struct netlink_ext_ack *extack)
{
	const struct nlattr *pos;
	char what[VNICGW_ID_MAX + 32];
	int rem, err;

	nla_for_each_nested(pos, list, rem) {
		snprintf(what, sizeof(what), "%s %s: %s[%u]",
			 sl->o.type == VNICGW_OBJ_NSG ? "nsg" : "security list",
			 sl->o.id, dir, i);
		err = parse_rule(out++, pos, what, extack);
		i++;
		if (err)
			return err;
	}
	return 0;
}

/* The rules of list @list (may be NULL): at most @room more, by name. */
static int count_rules(const struct nlattr *list, unsigned int have,
		       const char *what, const char *id, const char *dir,
		       struct netlink_ext_ack *extack)
{
	int n;

	if (!list)
		return 0;
	n = vgw_nla_list(list, VGW_MAX_SEC_RULES + 1, extack);
	if (n > (int)(VGW_MAX_SEC_RULES - have))
		return vgw_refuse(extack, list,
				  "%s %s: more than %u %s rules (it has %u, %d more sent)",
				  what, id, VGW_MAX_SEC_RULES, dir, have, n);
	return n;
}

/*
 * A new list: the rules of @base (NULL: none, and @tb names the id and the
 * VCN) followed by those of @tb, ingress and egress alike.
 */
static struct vgw_seclist *sl_build(const struct vgw_seclist *base, u8 type,
				    struct nlattr **tb, const char *id,
				    struct netlink_ext_ack *extack)
{
	const char *what = vgw_obj_types[type]->name;
	struct nlattr *in = tb[VNICGW_SECLIST_INGRESS];
	struct nlattr *eg = tb[VNICGW_SECLIST_EGRESS];
	unsigned int b_in = base ? base->n_in : 0, b_out = base ? base->n_out : 0;
	struct vgw_seclist *sl;
	int n_in, n_out, err;

	n_in = count_rules(in, b_in, what, id, "ingress", extack);
	if (n_in < 0)
		return ERR_PTR(n_in);
	n_out = count_rules(eg, b_out, what, id, "egress", extack);
	if (n_out < 0)
		return ERR_PTR(n_out);
	sl = kvzalloc(struct_size(sl, rules, b_in + n_in + b_out + n_out),
		      GFP_KERNEL_ACCOUNT);
	if (!sl)
		return ERR_PTR(-ENOMEM);
	sl->o.id = sl->idbuf;
	sl->o.type = type;
	if (base) {
		strscpy(sl->idbuf, base->idbuf, sizeof(sl->idbuf));
		strscpy(sl->vcn, base->vcn, sizeof(sl->vcn));
		memcpy(sl->rules, base->rules, b_in * sizeof(*sl->rules));
		memcpy(sl->rules + b_in + n_in, base->rules + b_in,
		       b_out * sizeof(*sl->rules));
		err = 0;
	} else {
		err = vgw_nla_id(tb[VNICGW_SECLIST_ID], sl->idbuf, extack);
		if (!err)
			err = vgw_nla_id(tb[VNICGW_SECLIST_VCN], sl->vcn, extack);
	}
	if (!err && in)
		err = parse_rules(sl, sl->rules + b_in, b_in, in, "ingress",
				  extack);
	if (!err && eg)
		err = parse_rules(sl, sl->rules + b_in + n_in + b_out, b_out, eg,
				  "egress", extack);
	if (err) {
		kvfree(sl);
		return ERR_PTR(err);
	}
	sl->n_in = b_in + n_in;
	sl->n_out = b_out + n_out;
	vgw_obj_init(&sl->o, type);
	return sl;
}

static struct vgw_obj *parse_common(struct nlattr **tb, u8 type,
				    struct netlink_ext_ack *extack)
{
	const char *what = vgw_obj_types[type]->name;
	struct vgw_seclist *sl;

	if (!tb[VNICGW_SECLIST_ID] || !tb[VNICGW_SECLIST_VCN])
		return ERR_PTR(vgw_refuse(extack, NULL, "%s: id and vcn are required",
					  what));
	/* netlink.c sends appends to vgw_sl_append() */
	if (tb[VNICGW_SECLIST_APPEND])
		return ERR_PTR(vgw_refuse(extack, tb[VNICGW_SECLIST_APPEND],
					  "%s: an append is not an object", what));
	sl = sl_build(NULL, type, tb, nla_data(tb[VNICGW_SECLIST_ID]), extack);
	return IS_ERR(sl) ? ERR_CAST(sl) : &sl->o;
}

/*
 * More rules for the list set earlier in the caller's transaction: a list
 * whose rules do not fit one attribute (64 KiB) is set in pieces. The list
 * is set again, whole, with the rules appended (a transaction may set an
 * object more than once); checks against other objects wait for the commit.
 */
int vgw_sl_append(struct vgw_net *vn, u8 type, struct nlattr **tb,
		  struct netlink_ext_ack *extack)
{
	struct vgw_txn *t = vn->txn;
	const char *what = vgw_obj_types[type]->name;
	const struct vgw_seclist *old;
	char id[VNICGW_ID_MAX], vcn[VNICGW_ID_MAX];
	struct vgw_seclist *sl;
	int err;

	if (!tb[VNICGW_SECLIST_ID])
		return vgw_refuse(extack, NULL, "%s: an append needs the id", what);
	err = vgw_nla_id(tb[VNICGW_SECLIST_ID], id, extack);
	if (err)
		return err;
	old = (const void *)vgw_obj_find(t->snap, type, id);
	/* Objects set in this transaction carry the next generation. */
	if (!old || old->o.gen != t->snap->generation + 1)
		return vgw_refuse(extack, tb[VNICGW_SECLIST_ID],
				  "%s %s: an append needs the list set earlier in the same transaction",
				  what, id);
	if (tb[VNICGW_SECLIST_VCN]) {
		err = vgw_nla_id(tb[VNICGW_SECLIST_VCN], vcn, extack);
		if (err)
			return err;
		if (strcmp(vcn, old->vcn))
			return vgw_refuse(extack, tb[VNICGW_SECLIST_VCN],
					  "%s %s: an append names vcn %s, the list is in vcn %s",
					  what, id, vcn, old->vcn);
	}
	sl = sl_build(old, type, tb, id, extack);
	if (IS_ERR(sl))
		return PTR_ERR(sl);
	return vgw_txn_set(vn, &sl->o, extack);
}

static struct vgw_obj *seclist_parse(struct nlattr **tb,
				     struct netlink_ext_ack *extack)
{
	return parse_common(tb, VNICGW_OBJ_SECLIST, extack);
}

static struct vgw_obj *nsg_parse(struct nlattr **tb,
				 struct netlink_ext_ack *extack)
{
	return parse_common(tb, VNICGW_OBJ_NSG, extack);
}

/* Rule peers must be NSGs of the same VCN (an NSG may name itself). */
static int seclist_link(struct vgw_txn *t, const struct vgw_obj *obj,
			const struct vgw_obj *old, struct netlink_ext_ack *extack)
{
	struct vgw_seclist *sl = (struct vgw_seclist *)obj;
	unsigned int i;
	int err;

	err = vgw_ref_check(t->snap, VNICGW_OBJ_VCN, sl->vcn, NULL,
			    vgw_obj_types[obj->type]->name, extack);
	if (err)
		return err;
	for (i = 0; i < sl->n_in + sl->n_out; i++) {
		const char *nsg = sl->rules[i].peer_nsg;

		if (!nsg[0] || (obj->type == VNICGW_OBJ_NSG && !strcmp(nsg, obj->id)))
			continue;
		err = vgw_ref_check(t->snap, VNICGW_OBJ_NSG, nsg, sl->vcn,
				    obj->id, extack);
		if (err)
			return err;
	}
	/* @obj is not published yet: an NSG keeps its index when replaced. */
	if (obj->type == VNICGW_OBJ_NSG)
		sl->nsg_index = old ? ((const struct vgw_seclist *)old)->nsg_index :
				      ++t->vn->last_index;
	t->policies_dirty = true;
	return 0;
}

struct use_args {
	const struct vgw_obj *obj;
	const struct vgw_obj *user;
};

static bool names_nsg(const struct vgw_seclist *sl, const char *nsg)
{
	unsigned int i;

	for (i = 0; i < sl->n_in + sl->n_out; i++)
		if (!strcmp(sl->rules[i].peer_nsg, nsg))
			return true;
	return false;
}

static int uses_seclist(const struct vgw_obj *o, void *arg)
{
	struct use_args *a = arg;
	unsigned int i;

	switch (o->type) {
	case VNICGW_OBJ_SUBNET: {
		const struct vgw_subnet *sn = (const void *)o;

		for (i = 0; i < sn->n_sls; i++)
			if (!strcmp(sn->sls[i], a->obj->id))
				goto used;
		return 0;
	}
	case VNICGW_OBJ_VNIC: {
		const struct vgw_vnic *v = (const void *)o;

		for (i = 0; i < v->n_nsgs; i++)
			if (!strcmp(v->nsgs[i], a->obj->id))
				goto used;
		return 0;
	}
	default:
		if (o != a->obj && names_nsg((const void *)o, a->obj->id))
			goto used;
		return 0;
	}
used:
	a->user = o;
	return 1;
}

static int seclist_in_use(const struct vgw_snap *s, const struct vgw_obj *obj,
			  struct netlink_ext_ack *extack)
{
	struct use_args a = { .obj = obj };
	bool used;

	if (obj->type == VNICGW_OBJ_SECLIST)
		used = vgw_snap_for_each(s, VNICGW_OBJ_SUBNET, uses_seclist, &a);
	else
		used = vgw_snap_for_each(s, VNICGW_OBJ_VNIC, uses_seclist, &a) ||
		       vgw_snap_for_each(s, VNICGW_OBJ_SECLIST, uses_seclist, &a) ||
		       vgw_snap_for_each(s, VNICGW_OBJ_NSG, uses_seclist, &a);
	if (used)
		return vgw_refuse(extack, NULL, "%s %s is used by %s %s",
				  vgw_obj_types[obj->type]->name, obj->id,
				  vgw_obj_types[a.user->type]->name, a.user->id);
	return 0;
}

static int seclist_unlink(struct vgw_txn *t, const struct vgw_obj *obj)
{
	t->policies_dirty = true;
	return 0;
}

static int put_ports(struct sk_buff *skb, int lo, int hi, u16 plo, u16 phi)
{
	if (plo == 0 && phi == 0xffff)
		return 0;
	return nla_put_u16(skb, lo, plo) || nla_put_u16(skb, hi, phi) ?
	       -EMSGSIZE : 0;
}

static int fill_rule(struct sk_buff *skb, const struct vgw_secrule *r)
{
	struct nlattr *nest = nla_nest_start(skb, VNICGW_ITEM);

	if (!nest)
		return -EMSGSIZE;
	if ((r->peer_nsg[0] ?
	     nla_put_string(skb, VNICGW_RULE_PEER_NSG, r->peer_nsg) :
	     vgw_put_pfx(skb, VNICGW_RULE_PEER, &r->peer)) ||
	    nla_put_u16(skb, VNICGW_RULE_PROTO, r->proto) ||
	    put_ports(skb, VNICGW_RULE_SPORT_LO, VNICGW_RULE_SPORT_HI,
		      r->sport_lo, r->sport_hi) ||
	    put_ports(skb, VNICGW_RULE_DPORT_LO, VNICGW_RULE_DPORT_HI,
		      r->dport_lo, r->dport_hi) ||
	    (r->icmp_type >= 0 &&
	     nla_put_u8(skb, VNICGW_RULE_ICMP_TYPE, r->icmp_type)) ||
	    (r->icmp_code >= 0 &&
	     nla_put_u8(skb, VNICGW_RULE_ICMP_CODE, r->icmp_code)) ||
	    (r->stateless && nla_put_flag(skb, VNICGW_RULE_STATELESS))) {
		/* A rule that does not fit goes in the next part, whole. */
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* An attribute's length is 16 bits: a rule list stops short of it. */
#define VGW_SL_NEST_MAX		(U16_MAX - 256)

/*
 * The list @type with rules [*@i, @n) of @r, as many as fit; advances *@i.
 * Returns -EMSGSIZE when not even the empty list fits.
 */
static int fill_rules(struct sk_buff *skb, int type,
		      const struct vgw_secrule *r, u32 *i, u32 n)
{
	struct nlattr *list = nla_nest_start(skb, type);

	if (!list)
		return -EMSGSIZE;
	for (; *i < n; (*i)++)
		if (skb_tail_pointer(skb) - (unsigned char *)list >
		    VGW_SL_NEST_MAX || fill_rule(skb, &r[*i]))
			break;
	nla_nest_end(skb, list);
	return 0;
}

/*
 * The list from rule *@from on, counting the ingress rules then the egress
 * ones, as many as the message holds; a part after the first carries
 * VNICGW_SECLIST_APPEND (uapi: VNICGW_CMD_OBJ_GET). A part has the lists
 * whose rules it carries: the first one both, empty or not, when they fit;
 * a reader takes a list a part leaves out as nothing more.
 */
static int seclist_fill_part(struct sk_buff *skb, const struct vgw_obj *obj,
			     u32 *from)
{
	const struct vgw_seclist *sl = (const void *)obj;
	u32 n = sl->n_in + sl->n_out, i = *from, e;

	if (nla_put_string(skb, VNICGW_SECLIST_ID, sl->o.id) ||
	    nla_put_string(skb, VNICGW_SECLIST_VCN, sl->vcn) ||
	    (*from && nla_put_flag(skb, VNICGW_SECLIST_APPEND)))
		return -EMSGSIZE;
	if ((!*from || i < sl->n_in) &&
	    fill_rules(skb, VNICGW_SECLIST_INGRESS, sl->rules, &i, sl->n_in))
		return -EMSGSIZE;
	if (i >= sl->n_in) {
		e = i - sl->n_in;
		if (fill_rules(skb, VNICGW_SECLIST_EGRESS, sl->rules + sl->n_in,
			       &e, sl->n_out)) {
			/* The ingress rules of this part go; none fit. */
			if (i == *from)
				return -EMSGSIZE;
		} else {
			i = sl->n_in + e;
		}
	}
	if (i == *from && i < n)
		return -EMSGSIZE;
	*from = i;
	return i < n ? 1 : 0;
}

static int seclist_fill(struct sk_buff *skb, const struct vgw_obj *obj)
{
	u32 from = 0;

	return seclist_fill_part(skb, obj, &from) ? -EMSGSIZE : 0;
}

static void seclist_free(struct vgw_obj *obj)
{
	kvfree(obj);
}

const struct vgw_obj_type vgw_seclist_type = {
	.name = "security list",
	.nest = VNICGW_A_SECLIST,
	.policy = seclist_policy,
	.maxattr = VNICGW_SECLIST_MAX,
	.parse = seclist_parse,
	.link = seclist_link,
	.unlink = seclist_unlink,
	.in_use = seclist_in_use,
	.fill = seclist_fill,
	.fill_part = seclist_fill_part,
	.free = seclist_free,
};

const struct vgw_obj_type vgw_nsg_type = {
	.name = "nsg",
	.nest = VNICGW_A_NSG,
	.policy = seclist_policy,
	.maxattr = VNICGW_SECLIST_MAX,
	.parse = nsg_parse,
	.link = seclist_link,
	.unlink = seclist_unlink,
	.in_use = seclist_in_use,
	.fill = seclist_fill,
	.fill_part = seclist_fill_part,
	.free = seclist_free,
};
