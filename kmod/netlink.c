// SPDX-License-Identifier: GPL-2.0
/*
 * The "vnicgw" generic netlink family: the only way in for the control plane.
 * Every command acts on the network namespace of the requesting socket.
 */
#include <linux/netlink.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "cluster.h"
#include "conntrack.h"
#include "datapath.h"
#include "nat.h"
#include "rhtwalk.h"

static struct genl_family vgw_genl_family;

/* Reply-only attributes: a request that carries one is refused, by name. */
#define VGW_REPLY_ONLY(name)						\
	{ .type = NLA_REJECT,						\
	  .reject_message = "VNICGW_A_" #name " is reply-only" }

static const struct nla_policy vgw_policy[VNICGW_A_MAX + 1] = {
	[VNICGW_A_VERSION] = VGW_REPLY_ONLY(VERSION),
	[VNICGW_A_FEATURES] = VGW_REPLY_ONLY(FEATURES),
	[VNICGW_A_GENERATION] = VGW_REPLY_ONLY(GENERATION),
	[VNICGW_A_IFINDEX] = VGW_REPLY_ONLY(IFINDEX),
	[VNICGW_A_IFNAME] = VGW_REPLY_ONLY(IFNAME),
	[VNICGW_A_OBJ_COUNT] = VGW_REPLY_ONLY(OBJ_COUNT),
	[VNICGW_A_OBJ_GEN] = VGW_REPLY_ONLY(OBJ_GEN),
	[VNICGW_A_DROPS] = VGW_REPLY_ONLY(DROPS),
	[VNICGW_A_VNIC_STATS] = VGW_REPLY_ONLY(VNIC_STATS),
	[VNICGW_A_CPU_RX] = VGW_REPLY_ONLY(CPU_RX),
	[VNICGW_A_CT_ENTRIES] = VGW_REPLY_ONLY(CT_ENTRIES),
	[VNICGW_A_CT_BUCKETS] = VGW_REPLY_ONLY(CT_BUCKETS),
	[VNICGW_A_NAT_ENTRIES] = VGW_REPLY_ONLY(NAT_ENTRIES),
	[VNICGW_A_NAT_BUCKETS] = VGW_REPLY_ONLY(NAT_BUCKETS),
	[VNICGW_A_NOTIFY] = VGW_REPLY_ONLY(NOTIFY),
	[VNICGW_A_CHANGES] = VGW_REPLY_ONLY(CHANGES),
	[VNICGW_A_CHANGE_COUNT] = VGW_REPLY_ONLY(CHANGE_COUNT),
	[VNICGW_A_DROP_REASON] = VGW_REPLY_ONLY(DROP_REASON),
	[VNICGW_A_DROP_VNIC] = VGW_REPLY_ONLY(DROP_VNIC),
	[VNICGW_A_DROP_VNI] = VGW_REPLY_ONLY(DROP_VNI),
	[VNICGW_A_DROP_SRC] = VGW_REPLY_ONLY(DROP_SRC),
	[VNICGW_A_DROP_DST] = VGW_REPLY_ONLY(DROP_DST),
	[VNICGW_A_DROP_SPORT] = VGW_REPLY_ONLY(DROP_SPORT),
	[VNICGW_A_DROP_DPORT] = VGW_REPLY_ONLY(DROP_DPORT),
	[VNICGW_A_DROP_PROTO] = VGW_REPLY_ONLY(DROP_PROTO),
	[VNICGW_A_DROP_MISSED] = VGW_REPLY_ONLY(DROP_MISSED),
	[VNICGW_A_OBJ_TYPE] = NLA_POLICY_MAX(NLA_U8, __VNICGW_OBJ_MAX - 1),
	[VNICGW_A_OBJ_ID] = VGW_POLICY_ID,
	[VNICGW_A_VCN] = { .type = NLA_NESTED },
	[VNICGW_A_SUBNET] = { .type = NLA_NESTED },
	[VNICGW_A_ROUTE_TABLE] = { .type = NLA_NESTED },
	[VNICGW_A_SECLIST] = { .type = NLA_NESTED },
	[VNICGW_A_NSG] = { .type = NLA_NESTED },
	[VNICGW_A_GATEWAY] = { .type = NLA_NESTED },
	[VNICGW_A_VNIC] = { .type = NLA_NESTED },
	[VNICGW_A_CLUSTER] = { .type = NLA_NESTED },
	[VNICGW_A_CT] = NLA_POLICY_NESTED(vgw_ct_policy),
	[VNICGW_A_NAT] = NLA_POLICY_NESTED(vgw_nat_policy),
	[VNICGW_A_TRACE] = NLA_POLICY_NESTED(vgw_trace_policy),
	[VNICGW_A_TRACE_STEPS] = VGW_REPLY_ONLY(TRACE_STEPS),
	[VNICGW_A_TRACE_VERDICT] = VGW_REPLY_ONLY(TRACE_VERDICT),
	[VNICGW_A_TRACE_OUT] = VGW_REPLY_ONLY(TRACE_OUT),
};

static const u64 vgw_features = 0
#define VGW_FEATURE_OR_(bit, name, str) | VNICGW_FEATURE(name)
	VNICGW_FEATURES(VGW_FEATURE_OR_)
#undef VGW_FEATURE_OR_
	;

static struct vgw_net *info_vn(struct genl_info *info)
{
	return vgw_net(genl_info_net(info));
}

/* --- info and flush ----------------------------------------------------- */

static int vgw_fill_link(struct sk_buff *skb, struct vgw_net *vn)
{
	struct net_device *dev;
	int err = 0;

	rcu_read_lock();
	dev = rcu_dereference(vn->dev);
	if (dev && (nla_put_u32(skb, VNICGW_A_IFINDEX, dev->ifindex) ||
		    nla_put_string(skb, VNICGW_A_IFNAME, dev->name)))
		err = -EMSGSIZE;
	rcu_read_unlock();
	return err;
}

static int vgw_nl_get_info(struct sk_buff *skb, struct genl_info *info)
{
	struct vgw_net *vn = info_vn(info);
	struct sk_buff *msg;
	u32 n_objs;
	void *hdr;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &vgw_genl_family, 0,
				VNICGW_CMD_GET_INFO);
	if (!hdr)
		goto nospace;
	rcu_read_lock();
	n_objs = rcu_dereference(vn->snap)->n_objs;
	rcu_read_unlock();
	if (nla_put_string(msg, VNICGW_A_VERSION, VGW_VERSION) ||
	    nla_put_u64_64bit(msg, VNICGW_A_FEATURES, vgw_features,
			      VNICGW_A_PAD) ||
	    nla_put_u64_64bit(msg, VNICGW_A_GENERATION,
			      READ_ONCE(vn->generation), VNICGW_A_PAD) ||
	    nla_put_u32(msg, VNICGW_A_OBJ_COUNT, n_objs) ||
	    vgw_fill_link(msg, vn))
		goto nospace;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

nospace:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static int vgw_nl_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct vgw_net *vn = info_vn(info);
	u32 n;
	int err;

	mutex_lock(&vn->lock);
	n = vgw_snap_get(vn)->n_objs;
	err = vgw_snap_flush(vn);
	if (!err)
		vgw_notify_flush(vn, n);
	mutex_unlock(&vn->lock);
	return err;
}

/* --- transactions -------------------------------------------------------- */

static int vgw_nl_txn_begin(struct sk_buff *skb, struct genl_info *info)
{
	struct vgw_net *vn = info_vn(info);
	int err;

	mutex_lock(&vn->lock);
	err = vgw_txn_begin(vn, info->snd_portid, info->extack);
	mutex_unlock(&vn->lock);
	return err;
}

/* The open transaction, if it is the caller's. Under vn->lock. */
static int own_txn(struct vgw_net *vn, struct genl_info *info)
{
	if (!vn->txn) {
		NL_SET_ERR_MSG_MOD(info->extack, "no transaction is open");
		return -ENOENT;
	}
	if (vn->txn->portid != info->snd_portid) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "the open transaction belongs to another socket");
		return -EBUSY;
	}
	return 0;
}

static int vgw_nl_txn_end(struct sk_buff *skb, struct genl_info *info)
{
	struct vgw_net *vn = info_vn(info);
	int err;

	mutex_lock(&vn->lock);
	err = own_txn(vn, info);
	if (!err) {
		if (info->genlhdr->cmd == VNICGW_CMD_TXN_COMMIT)
			err = vgw_txn_commit(vn, info->extack);
		else
			vgw_txn_abort(vn);
	}
	mutex_unlock(&vn->lock);
	return err;
}

/*
 * Run @op inside the caller's transaction, or in one of its own. A refused
 * change aborts the transaction it was part of: a transaction commits whole
 * or not at all.
 */
static int in_txn(struct vgw_net *vn, struct genl_info *info,
		  int (*op)(struct vgw_net *vn, struct genl_info *info, void *arg),
		  void *arg, bool *ran)
{
	bool own = false;
	int err;

	mutex_lock(&vn->lock);
	if (!vn->txn) {
		err = vgw_txn_begin(vn, 0, info->extack);
		own = true;
	} else {
		err = own_txn(vn, info);
	}
	if (err)
		goto out;
	*ran = true;
	err = op(vn, info, arg);
	if (err)
		vgw_txn_abort(vn);
	else if (own)
		err = vgw_txn_commit(vn, info->extack);
out:
	mutex_unlock(&vn->lock);
	return err;
}

/* --- objects -------------------------------------------------------------- */

/* The most attributes an object nest has (VNICs). */
#define VGW_NEST_ATTRS_MAX 16

static const struct vgw_obj_type *nest_type(const struct nlattr *a)
{
	unsigned int t;

	for (t = 0; t < __VNICGW_OBJ_MAX; t++)
		if (nla_type(a) == vgw_obj_types[t]->nest)
			return vgw_obj_types[t];
	return NULL;
}

/*
 * The one object nest of a SET request, parsed into @tb. The raw
 * attributes are walked: the parsed table keeps only the last of a type.
 */
static const struct vgw_obj_type *parse_nest(struct genl_info *info,
					     struct nlattr **tb)
{
	const struct vgw_obj_type *ty = NULL;
	struct nlattr *nest = NULL, *a;
	int rem, err;

	nla_for_each_attr(a, genlmsg_data(info->genlhdr),
			  genlmsg_len(info->genlhdr), rem) {
		if (!nest_type(a))
			continue;
		if (nest) {
			NL_SET_ERR_MSG_ATTR(info->extack, a,
					    "one object per request");
			return ERR_PTR(-EINVAL);
		}
		nest = a;
		ty = nest_type(a);
	}
	if (!nest) {
		NL_SET_ERR_MSG_MOD(info->extack, "no object in the request");
		return ERR_PTR(-EINVAL);
	}
	BUILD_BUG_ON(VNICGW_VNIC_MAX > VGW_NEST_ATTRS_MAX ||
		     VNICGW_GW_MAX > VGW_NEST_ATTRS_MAX ||
		     VNICGW_RT_MAX > VGW_NEST_ATTRS_MAX);
	err = nla_parse_nested(tb, ty->maxattr, nest, ty->policy, info->extack);
	if (err)
		return ERR_PTR(err);
	return ty;
}

static int set_op(struct vgw_net *vn, struct genl_info *info, void *arg)
{
	return vgw_txn_set(vn, arg, info->extack);
}

/*
 * More rules for a route table (VNICGW_RT_APPEND), a security list or an
 * NSG (VNICGW_SECLIST_APPEND) set earlier in the caller's transaction. Only
 * inside a transaction: the pieces of one object must reach packets
 * together. A refused append aborts the transaction.
 */
static int obj_append(struct vgw_net *vn, struct genl_info *info,
		      const struct vgw_obj_type *ty, struct nlattr **tb)
{
	bool rt = ty->nest == VNICGW_A_ROUTE_TABLE;
	struct nlattr *id_attr = tb[rt ? VNICGW_RT_ID : VNICGW_SECLIST_ID];
	/* The policy made the id, if any, a terminated string. */
	const char *id = id_attr ? nla_data(id_attr) : "?";
	int err;

	mutex_lock(&vn->lock);
	if (!vn->txn) {
		err = vgw_refuse(info->extack,
				 tb[rt ? VNICGW_RT_APPEND : VNICGW_SECLIST_APPEND],
				 "%s %s: %s only inside a transaction (TXN_BEGIN first)",
				 ty->name, id,
				 rt ? "VNICGW_RT_APPEND" : "VNICGW_SECLIST_APPEND");
	} else {
		err = own_txn(vn, info);
		if (!err) {
			if (rt)
				err = vgw_rt_append(vn->txn, tb, info->extack);
			else
				err = vgw_sl_append(vn, ty->nest == VNICGW_A_NSG ?
						    VNICGW_OBJ_NSG :
						    VNICGW_OBJ_SECLIST,
						    tb, info->extack);
			if (err)
				vgw_txn_abort(vn);
		}
	}
	mutex_unlock(&vn->lock);
	return err;
}

/*
 * A request refused before it reached the transaction still ends the
 * caller's transaction: a transaction commits whole or not at all.
 */
static int refuse_in_txn(struct vgw_net *vn, struct genl_info *info, int err)
{
	mutex_lock(&vn->lock);
	if (vn->txn && vn->txn->portid == info->snd_portid)
		vgw_txn_abort(vn);
	mutex_unlock(&vn->lock);
	return err;
}

static int vgw_nl_obj_set(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[VGW_NEST_ATTRS_MAX + 1];
	const struct vgw_obj_type *ty = parse_nest(info, tb);
	struct vgw_obj *obj;
	bool ran = false;
	int err;

	if (IS_ERR(ty))
		return refuse_in_txn(info_vn(info), info, PTR_ERR(ty));
	if ((ty->nest == VNICGW_A_ROUTE_TABLE && tb[VNICGW_RT_APPEND]) ||
	    ((ty->nest == VNICGW_A_SECLIST || ty->nest == VNICGW_A_NSG) &&
	     tb[VNICGW_SECLIST_APPEND]))
		return obj_append(info_vn(info), info, ty, tb);
	obj = ty->parse(tb, info->extack);
	if (IS_ERR(obj))
		return refuse_in_txn(info_vn(info), info, PTR_ERR(obj));
	err = in_txn(info_vn(info), info, set_op, obj, &ran);
	/* Once set_op ran, the transaction owned @obj. */
	if (!ran)
		vgw_obj_types[obj->type]->free(obj);
	return err;
}

struct del_arg {
	u8 type;
	char id[VNICGW_ID_MAX];
};

static int del_op(struct vgw_net *vn, struct genl_info *info, void *arg)
{
	struct del_arg *d = arg;

	return vgw_txn_del(vn, d->type, d->id, info->extack);
}

static int type_and_id(struct genl_info *info, struct del_arg *d)
{
	if (!info->attrs[VNICGW_A_OBJ_TYPE] || !info->attrs[VNICGW_A_OBJ_ID]) {
		NL_SET_ERR_MSG_MOD(info->extack, "object type and id are required");
		return -EINVAL;
	}
	d->type = nla_get_u8(info->attrs[VNICGW_A_OBJ_TYPE]);
	return vgw_nla_id(info->attrs[VNICGW_A_OBJ_ID], d->id, info->extack);
}

static int vgw_nl_obj_del(struct sk_buff *skb, struct genl_info *info)
{
	struct del_arg d;
	bool ran = false;
	int err;

	err = type_and_id(info, &d);
	if (err)
		return refuse_in_txn(info_vn(info), info, err);
	return in_txn(info_vn(info), info, del_op, &d, &ran);
}

/*
 * One object in its own message, from list item *@from on; @cb for dumps,
 * else NULL. With @split, as much as fits (vgw_obj_fill_part(): 0, 1 or
 * -EMSGSIZE); without, the whole rest or nothing (0 or -EMSGSIZE).
 */
static int put_obj_msg(struct sk_buff *skb, u32 portid, u32 seq, int flags,
		       u64 generation, const struct vgw_obj *o,
		       struct netlink_callback *cb, u32 *from, bool split)
{
	u32 start = *from;
	void *hdr;
	int ret;

	hdr = genlmsg_put(skb, portid, seq, &vgw_genl_family, flags,
			  VNICGW_CMD_OBJ_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	if (nla_put_u64_64bit(skb, VNICGW_A_GENERATION, generation,
			      VNICGW_A_PAD) ||
	    nla_put_u64_64bit(skb, VNICGW_A_OBJ_GEN, o->gen, VNICGW_A_PAD))
		ret = -EMSGSIZE;
	else
		ret = vgw_obj_fill_part(skb, o, from);
	if (ret < 0 || (ret > 0 && !split)) {
		genlmsg_cancel(skb, hdr);
		*from = start;
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return ret;
}

/*
 * The do: one object in one reply, from the snapshot published when it
 * starts (vn->lock keeps it there). An object that needs more than one
 * message (a route table of thousands of rules) is refused before anything
 * is sent: a do's replies are queued on the caller's socket before its ack,
 * and parts that overran its receive buffer would leave the rest for the
 * caller's next request to read. The dump with the type and id has no such
 * limit: it is flow-controlled by the reader.
 */
static int obj_get_one(struct vgw_net *vn, struct genl_info *info,
		       const struct del_arg *d)
{
	const struct vgw_snap *s;
	const struct vgw_obj *o;
	struct sk_buff *msg;
	u32 from = 0;
	int ret;

	msg = nlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&vn->lock);
	s = vgw_snap_get(vn);
	o = vgw_obj_find(s, d->type, d->id);
	if (!o) {
		vgw_refuse(info->extack, info->attrs[VNICGW_A_OBJ_ID],
			   "no %s %s", vgw_obj_types[d->type]->name, d->id);
		ret = -ENOENT;
	} else {
		ret = put_obj_msg(msg, info->snd_portid, info->snd_seq, 0,
				  s->generation, o, NULL, &from, false);
		if (ret == -EMSGSIZE)
			vgw_refuse(info->extack, info->attrs[VNICGW_A_OBJ_ID],
				   "%s %s does not fit one reply: dump it (NLM_F_DUMP with the type and id)",
				   vgw_obj_types[d->type]->name, d->id);
	}
	mutex_unlock(&vn->lock);
	if (ret < 0) {
		nlmsg_free(msg);
		return ret;
	}
	return genlmsg_reply(msg, info);
}

static int vgw_nl_obj_get(struct sk_buff *skb, struct genl_info *info)
{
	struct del_arg d;
	int err;

	err = type_and_id(info, &d);
	if (err)
		return err;
	return obj_get_one(info_vn(info), info, &d);
}

/*
 * Dump state in cb->ctx: the type being dumped, the last type to dump, and
 * the map cursor. Each call reads the snapshot published at that moment;
 * the cursor's hash order makes the dump go on where it left off in the new
 * one, and if a commit came in between, the messages carry NLM_F_DUMP_INTR
 * (the generation is the dump's sequence): the reader knows to dump again
 * for a consistent view.
 *
 * An object larger than a message (a route table) goes on in the next
 * ones: @from is its next list item, @hash and @gen tell which object (and
 * version) it was. The cursor stays on it until its last part is out.
 */
static int vgw_nl_allowed(struct sk_buff *skb, u8 cmd,
			  struct netlink_ext_ack *extack);

struct dump_state {
	u8 type, last;
	bool denied;			/* ->start refused the requester */
	bool invalid;			/* ... or the request */
	bool one;			/* VNICGW_A_OBJ_ID: that object only */
	u32 from;
	struct vgw_pmap_cursor cur;
	u64 hash, gen;
};

struct dump_walk {
	struct sk_buff *skb;
	struct netlink_callback *cb;
	struct dump_state *st;
	u64 generation;
	int count;
};

static int dump_one(void *val, void *arg)
{
	const struct vgw_obj *o = val;
	struct dump_walk *w = arg;
	struct dump_state *st = w->st;
	int ret;

	/*
	 * The object whose parts were going out is gone (another object
	 * here): this one starts at its beginning. It was replaced: it is
	 * skipped, not started again (a writer replacing it between every
	 * two calls would hold the dump forever); the dump says NLM_F_DUMP_INTR
	 * either way (the generation moved), and the reader dumps again.
	 */
	if (st->from && o->hash != st->hash)
		st->from = 0;
	if (st->from && o->gen != st->gen) {
		st->from = 0;
		return 0;
	}
	/* Split only an object that does not fit a message of its own. */
	ret = put_obj_msg(w->skb, NETLINK_CB(w->cb->skb).portid,
			  w->cb->nlh->nlmsg_seq, NLM_F_MULTI, w->generation, o,
			  w->cb, &st->from, !w->count);
	if (ret < 0)
		return ret;	/* full: this object starts the next message */
	w->count++;
	if (ret > 0) {
		/* Part of it went out: the rest starts the next message. */
		st->hash = o->hash;
		st->gen = o->gen;
		return -EMSGSIZE;
	}
	st->from = 0;
	return 0;
}

/*
 * What a dump request may hold: VNICGW_A_OBJ_ID only with the type, and a
 * well-formed id. Checked in ->start; the first dumpit call reports a
 * refusal with its message (6.1 gives ->start no extack), as it does for
 * permissions (dump_refused()).
 */
static int dump_request_check(const struct genl_dumpit_info *di,
			      struct netlink_ext_ack *extack)
{
	struct nlattr *type = di->attrs[VNICGW_A_OBJ_TYPE];
	struct nlattr *id = di->attrs[VNICGW_A_OBJ_ID];
	char buf[VNICGW_ID_MAX];

	if (id && !type) {
		NL_SET_ERR_MSG_ATTR(extack, id,
				    "a dump of one object needs its type too");
		return -EINVAL;
	}
	return id ? vgw_nla_id(id, buf, extack) : 0;
}

static int vgw_nl_obj_dump_start(struct netlink_callback *cb)
{
	struct dump_state *st = (void *)cb->ctx;
	const struct genl_dumpit_info *di = genl_dumpit_info(cb);
	struct nlattr *type = di->attrs[VNICGW_A_OBJ_TYPE];
	struct nlattr *id = di->attrs[VNICGW_A_OBJ_ID];

	BUILD_BUG_ON(sizeof(*st) > sizeof(cb->ctx));
	memset(st, 0, sizeof(*st));
	st->last = __VNICGW_OBJ_MAX - 1;
	st->invalid = dump_request_check(di, NULL) != 0;
	if (type) {
		st->type = nla_get_u8(type);
		st->last = st->type;
	}
	st->one = id;
	st->denied = vgw_nl_allowed(cb->skb, VNICGW_CMD_OBJ_GET, NULL) != 0;
	return 0;
}

/* A dump of the object VNICGW_A_OBJ_ID: no walk, but the same parts. */
static int dump_by_id(const struct vgw_snap *s, struct dump_walk *w)
{
	struct nlattr *id = genl_dumpit_info(w->cb)->attrs[VNICGW_A_OBJ_ID];
	const struct vgw_obj *o;

	/*
	 * The policy made it a NUL-terminated id. Gone between two parts:
	 * a commit came in between, and NLMSG_DONE carries NLM_F_DUMP_INTR.
	 */
	o = vgw_obj_find(s, w->st->type, nla_data(id));
	return o ? dump_one((void *)o, w) : 0;
}

static int vgw_nl_obj_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct vgw_net *vn = vgw_net(sock_net(cb->skb->sk));
	struct dump_state *st = (void *)cb->ctx;
	struct dump_walk w = { .skb = skb, .cb = cb, .st = st };
	const struct vgw_snap *s;
	int err = 0;

	rcu_read_lock();
	s = rcu_dereference(vn->snap);
	w.generation = s->generation;
	/* 0 would turn genl_dump_check_consistent() off for a call. */
	cb->seq = (u32)s->generation ?: 1;
	/*
	 * One object: nothing else. (A part left the walk's cursor where it
	 * was; walking the type after it would hand another object to
	 * dump_one(), which takes it for a new one and starts the part over.)
	 */
	if (st->one) {
		if (st->type <= st->last)
			err = dump_by_id(s, &w);
		if (!err)
			st->type = st->last + 1;
	}
	while (!st->one && st->type <= st->last) {
		err = vgw_pmap_walk(&s->by_id[st->type], &st->cur, dump_one, &w);
		if (err)
			break;
		st->type++;
		st->cur = VGW_PMAP_CURSOR_START;
	}
	rcu_read_unlock();
	if (err && !w.count)
		return err;	/* one object does not fit in a message */
	return skb->len;
}

/* --- counters ------------------------------------------------------------ */

static int put_drops(struct sk_buff *skb, int type, const u64 *drops)
{
	struct nlattr *nest = nla_nest_start(skb, type);
	unsigned int i;

	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < __VNICGW_DROP_MAX; i++)
		if (nla_put_u64_64bit(skb, i + 1, drops[i], 0))
			return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * The tunnel packets of each possible CPU: VGW_STATS_CPUS_PER_MSG of them
 * from *@next on (the namespace's message has the first; further messages
 * of the dump the rest: a machine of 8192 possible CPUs does not fit one).
 * *@next moves on only when the nest is whole.
 */
#define VGW_STATS_CPUS_PER_MSG 128

static int put_cpu_rx(struct sk_buff *skb, const struct vgw_net *vn,
		      unsigned int *next)
{
	struct nlattr *nest = nla_nest_start(skb, VNICGW_A_CPU_RX);
	unsigned int n = 0;
	int cpu;

	if (!nest)
		return -EMSGSIZE;
	for (cpu = cpumask_next((int)*next - 1, cpu_possible_mask);
	     cpu < nr_cpu_ids && n < VGW_STATS_CPUS_PER_MSG;
	     cpu = cpumask_next(cpu, cpu_possible_mask), n++)
		if (nla_put_u64_64bit(skb, cpu + 1, vgw_cpu_rx(vn, cpu), 0))
			return -EMSGSIZE;
	nla_nest_end(skb, nest);
	*next = cpu;
	return 0;
}

static int put_vnic_stats(struct sk_buff *skb, const struct vgw_vnic *v)
{
	struct nlattr *nest = nla_nest_start(skb, VNICGW_A_VNIC_STATS);
	struct vgw_vnic_pcpu s;

	if (!nest)
		return -EMSGSIZE;
	vgw_vnic_stats(v->rt, &s);
	if (nla_put_string(skb, VNICGW_VSTATS_ID, v->o.id) ||
	    nla_put_u64_64bit(skb, VNICGW_VSTATS_IN_PACKETS, s.in_packets,
			      VNICGW_VSTATS_PAD) ||
	    nla_put_u64_64bit(skb, VNICGW_VSTATS_IN_BYTES, s.in_bytes,
			      VNICGW_VSTATS_PAD) ||
	    nla_put_u64_64bit(skb, VNICGW_VSTATS_OUT_PACKETS, s.out_packets,
			      VNICGW_VSTATS_PAD) ||
	    nla_put_u64_64bit(skb, VNICGW_VSTATS_OUT_BYTES, s.out_bytes,
			      VNICGW_VSTATS_PAD) ||
	    put_drops(skb, VNICGW_VSTATS_DROPS, s.drops) ||
	    nla_put_u32(skb, VNICGW_VSTATS_CONNS,
			(u32)atomic_read(&v->rt->ct_count)))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

struct stats_walk {
	struct sk_buff *skb;
	struct netlink_callback *cb;
	int count;
};

static int stats_one(void *val, void *arg)
{
	struct stats_walk *w = arg;
	void *hdr;

	hdr = genlmsg_put(w->skb, NETLINK_CB(w->cb->skb).portid,
			  w->cb->nlh->nlmsg_seq, &vgw_genl_family, NLM_F_MULTI,
			  VNICGW_CMD_STATS);
	if (!hdr)
		return -EMSGSIZE;
	if (put_vnic_stats(w->skb, val)) {
		genlmsg_cancel(w->skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(w->skb, hdr);
	w->count++;
	return 0;
}

/*
 * cb->ctx: whether the sender was checked, whether the namespace message
 * went out, then the VNIC cursor.
 */
struct stats_state {
	bool denied;			/* ->start refused the requester */
	bool net_done, vnics_done;
	unsigned int next_cpu;		/* the CPU counters not sent yet */
	struct vgw_pmap_cursor cur;
};

static int vgw_nl_stats_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct vgw_net *vn = vgw_net(sock_net(cb->skb->sk));
	struct stats_state *st = (void *)cb->ctx;
	struct stats_walk w = { .skb = skb, .cb = cb };
	u64 drops[__VNICGW_DROP_MAX];
	unsigned int next;
	void *hdr;
	int err;

	BUILD_BUG_ON(sizeof(*st) > sizeof(cb->ctx));
	if (!st->net_done) {
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &vgw_genl_family,
				  NLM_F_MULTI, VNICGW_CMD_STATS);
		if (!hdr)
			return -EMSGSIZE;
		vgw_net_drops(vn, drops);
		next = 0;
		if (put_drops(skb, VNICGW_A_DROPS, drops) ||
		    put_cpu_rx(skb, vn, &next) ||
		    nla_put_u32(skb, VNICGW_A_CT_ENTRIES, vgw_ct_entries(vn)) ||
		    nla_put_u32(skb, VNICGW_A_CT_BUCKETS, vgw_ct_buckets(vn)) ||
		    nla_put_u32(skb, VNICGW_A_NAT_ENTRIES, vgw_nat_entries(vn)) ||
		    nla_put_u32(skb, VNICGW_A_NAT_BUCKETS, vgw_nat_buckets(vn))) {
			/* No half message: the dump ends with an error. */
			genlmsg_cancel(skb, hdr);
			return -EMSGSIZE;
		}
		genlmsg_end(skb, hdr);
		st->net_done = true;
		st->next_cpu = next;
	}
	/* The other CPUs' counters, each message a VNICGW_A_CPU_RX alone. */
	while (st->next_cpu < nr_cpu_ids) {
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &vgw_genl_family,
				  NLM_F_MULTI, VNICGW_CMD_STATS);
		next = st->next_cpu;
		if (!hdr || put_cpu_rx(skb, vn, &next)) {
			if (hdr)
				genlmsg_cancel(skb, hdr);
			return skb->len ?: -EMSGSIZE; /* the next call goes on */
		}
		genlmsg_end(skb, hdr);
		st->next_cpu = next;
	}
	if (st->vnics_done)
		return skb->len;
	rcu_read_lock();
	err = vgw_pmap_walk(&rcu_dereference(vn->snap)->by_id[VNICGW_OBJ_VNIC],
			    &st->cur, stats_one, &w);
	rcu_read_unlock();
	/* err: the message is full; the walk goes on where it stopped. */
	if (!err)
		st->vnics_done = true;
	return skb->len;
}

/* --- the cluster (cluster.h) ------------------------------------------------ */

static int vgw_nl_cluster_set(struct sk_buff *skb, struct genl_info *info)
{
	int err = vgw_cluster_nl_set(info_vn(info), info);

	if (!err)
		vgw_notify_cluster(info_vn(info));
	return err;
}

/*
 * The largest cluster (VNICGW_CLUSTER_MAX_MEMBERS members with the longest
 * ids and IPv6 addresses: about 24 kB) does not fit NLMSG_GOODSIZE: the
 * reply is built again in a message of this size.
 */
#define VGW_CLUSTER_REPLY_MAX	(32 * 1024)

static int vgw_nl_cluster_get(struct sk_buff *skb, struct genl_info *info)
{
	size_t size = NLMSG_GOODSIZE;
	struct sk_buff *msg;
	void *hdr;
	int err;

	for (;;) {
		msg = genlmsg_new(size, GFP_KERNEL);
		if (!msg)
			return -ENOMEM;
		hdr = genlmsg_put_reply(msg, info, &vgw_genl_family, 0,
					VNICGW_CMD_CLUSTER_GET);
		err = hdr ? vgw_cluster_fill(msg, info_vn(info)) : -EMSGSIZE;
		if (!err)
			break;
		nlmsg_free(msg);
		if (err != -EMSGSIZE || size == VGW_CLUSTER_REPLY_MAX)
			return err;
		size = VGW_CLUSTER_REPLY_MAX;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/* --- the connection and NAT tables (vnicctl conntrack, nat) ---------------- */

static int dump_refused(struct netlink_callback *cb, u8 cmd, bool denied);

/*
 * CT_GET and NAT_GET: a walk of the table over the dump's calls (rhtwalk.h),
 * its iterator allocated in ->start and let go in ->done. cb->ctx:
 */
struct table_dump_state {
	bool denied;			/* ->start refused the requester */
	bool checked;			/* the filter's VNIC was found */
	int invalid;			/* ... or the request: its error */
	u64 vnic;			/* the VNIC's id hash; 0: all */
	struct vgw_rht_dump *walk;
};

struct table_kind {
	u8 cmd;
	int nest;			/* VNICGW_A_CT, VNICGW_A_NAT */
	int vnic_attr;			/* VNICGW_CT_VNIC, VNICGW_NAT_VNIC */
	int maxattr;
	const struct nla_policy *policy;
	void (*enter)(struct vgw_net *vn, struct vgw_rht_dump *d);
	int (*fill)(struct sk_buff *skb, struct vgw_net *vn, void *obj,
		    u64 vnic);
	int (*del)(struct vgw_net *vn, const struct nlattr *nest,
		   struct nlattr **tb, struct netlink_ext_ack *extack);
};

static const struct table_kind ct_kind = {
	.cmd = VNICGW_CMD_CT_GET, .nest = VNICGW_A_CT,
	.vnic_attr = VNICGW_CT_VNIC, .maxattr = VNICGW_CT_MAX,
	.policy = vgw_ct_policy, .enter = vgw_ct_dump_enter,
	.fill = vgw_ct_fill, .del = vgw_ct_delete,
};

static const struct table_kind nat_kind = {
	.cmd = VNICGW_CMD_NAT_GET, .nest = VNICGW_A_NAT,
	.vnic_attr = VNICGW_NAT_VNIC, .maxattr = VNICGW_NAT_MAX,
	.policy = vgw_nat_policy, .enter = vgw_nat_dump_enter,
	.fill = vgw_nat_fill, .del = vgw_nat_delete,
};

#define VGW_TABLE_ATTRS_MAX 16

static const struct table_kind *kind_of(u8 cmd)
{
	return cmd == VNICGW_CMD_CT_GET || cmd == VNICGW_CMD_CT_DEL ?
	       &ct_kind : &nat_kind;
}

/* A dump's filter: the VNIC whose id the request's nest holds, if any. */
static int table_filter(const struct table_kind *k, struct nlattr **attrs,
			u64 *vnic, struct netlink_ext_ack *extack)
{
	struct nlattr *tb[VGW_TABLE_ATTRS_MAX + 1];
	char id[VNICGW_ID_MAX];
	int err, i;

	BUILD_BUG_ON(VNICGW_CT_MAX > VGW_TABLE_ATTRS_MAX ||
		     VNICGW_NAT_MAX > VGW_TABLE_ATTRS_MAX);
	*vnic = 0;
	if (!attrs[k->nest])
		return 0;
	err = nla_parse_nested(tb, k->maxattr, attrs[k->nest], k->policy,
			       extack);
	if (err)
		return err;
	/* Nothing else filters: an attribute that would be ignored is refused. */
	for (i = 1; i <= k->maxattr; i++)
		if (tb[i] && i != k->vnic_attr) {
			NL_SET_ERR_MSG_ATTR(extack, tb[i],
					    "only the VNIC filters a listing");
			return -EINVAL;
		}
	if (!tb[k->vnic_attr])
		return 0;
	err = vgw_nla_id(tb[k->vnic_attr], id, extack);
	if (!err)
		*vnic = vgw_obj_hash(VNICGW_OBJ_VNIC, id);
	return err;
}

static int vgw_nl_table_dump_start(struct netlink_callback *cb)
{
	struct table_dump_state *st = (void *)cb->ctx;
	const struct genl_dumpit_info *di = genl_dumpit_info(cb);
	const struct table_kind *k = kind_of(di->op.cmd);
	struct vgw_net *vn = vgw_net(sock_net(cb->skb->sk));

	BUILD_BUG_ON(sizeof(*st) > sizeof(cb->ctx));
	memset(st, 0, sizeof(*st));
	st->denied = vgw_nl_allowed(cb->skb, k->cmd, NULL) != 0;
	st->invalid = table_filter(k, di->attrs, &st->vnic, NULL);
	if (st->denied || st->invalid)
		return 0;	/* the first call says why */
	st->walk = kmalloc(sizeof(*st->walk), GFP_KERNEL_ACCOUNT);
	if (!st->walk)
		return -ENOMEM;
	k->enter(vn, st->walk);
	return 0;
}

static int vgw_nl_table_dump_done(struct netlink_callback *cb)
{
	struct table_dump_state *st = (void *)cb->ctx;

	if (st->walk) {
		vgw_rht_dump_exit(st->walk);
		kfree(st->walk);
		st->walk = NULL;
	}
	return 0;
}

struct table_put {
	struct sk_buff *skb;
	struct netlink_callback *cb;
	struct vgw_net *vn;
	const struct table_kind *k;
	const struct vgw_rht_dump *walk;
	u64 vnic;
};

static int table_put_one(void *obj, void *arg)
{
	struct table_put *w = arg;
	void *hdr;
	int err;

	hdr = genlmsg_put(w->skb, NETLINK_CB(w->cb->skb).portid,
			  w->cb->nlh->nlmsg_seq, &vgw_genl_family,
			  NLM_F_MULTI | (w->vnic ? NLM_F_DUMP_FILTERED : 0),
			  w->k->cmd);
	if (!hdr)
		return -EMSGSIZE;
	/* A walk that started over (a resize) marks its messages from then on. */
	w->cb->seq = 1 + w->walk->restarts;
	genl_dump_check_consistent(w->cb, hdr);
	err = w->k->fill(w->skb, w->vn, obj, w->vnic);
	if (err) {
		genlmsg_cancel(w->skb, hdr);
		return err == -ENOENT ? 0 : err;	/* not listed */
	}
	genlmsg_end(w->skb, hdr);
	return 0;
}

static int vgw_nl_table_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct table_dump_state *st = (void *)cb->ctx;
	const struct table_kind *k = kind_of(genl_dumpit_info(cb)->op.cmd);
	struct table_put w = {
		.skb = skb, .cb = cb, .k = k, .vnic = st->vnic,
		.vn = vgw_net(sock_net(cb->skb->sk)), .walk = st->walk,
	};
	bool found;
	u64 unused;
	int err;

	err = dump_refused(cb, k->cmd, st->denied);
	if (err)
		return err;
	if (st->invalid)
		return table_filter(k, genl_dumpit_info(cb)->attrs, &unused,
				    cb->extack) ?: st->invalid;
	/* A filter naming no VNIC is a mistake, not an empty list. */
	if (st->vnic && !st->checked) {
		rcu_read_lock();
		found = vgw_vnic_by_hash(w.vn, st->vnic);
		rcu_read_unlock();
		if (!found) {
			NL_SET_ERR_MSG_MOD(cb->extack, "no such vnic");
			return -ENOENT;
		}
		st->checked = true;
	}
	err = vgw_rht_dump(st->walk, table_put_one, &w);
	if (err == -EMSGSIZE && skb->len)
		return skb->len;	/* the next call goes on */
	return err ?: skb->len;
}

/* CT_DEL, NAT_DEL: one entry of this host's table. */
static int vgw_nl_table_del(struct sk_buff *skb, struct genl_info *info)
{
	const struct table_kind *k = kind_of(info->genlhdr->cmd);
	struct nlattr *tb[VGW_TABLE_ATTRS_MAX + 1];
	int err;

	if (!info->attrs[k->nest]) {
		if (k->nest == VNICGW_A_CT)
			NL_SET_ERR_MSG_MOD(info->extack,
					   "which connection? (a VNICGW_A_CT nest)");
		else
			NL_SET_ERR_MSG_MOD(info->extack,
					   "which mapping? (a VNICGW_A_NAT nest)");
		return -EINVAL;
	}
	err = nla_parse_nested(tb, k->maxattr, info->attrs[k->nest], k->policy,
			       info->extack);
	if (err)
		return err;
	return k->del(info_vn(info), info->attrs[k->nest], tb, info->extack);
}

/* TRACE: one packet through the walk, nothing changed (explain.c). */
static int vgw_nl_trace(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[VNICGW_TRACE_MAX + 1];
	struct sk_buff *msg;
	void *hdr;
	int err;

	if (!info->attrs[VNICGW_A_TRACE]) {
		NL_SET_ERR_MSG_MOD(info->extack,
				   "which packet? (a VNICGW_A_TRACE nest)");
		return -EINVAL;
	}
	err = nla_parse_nested(tb, VNICGW_TRACE_MAX, info->attrs[VNICGW_A_TRACE],
			       vgw_trace_policy, info->extack);
	if (err)
		return err;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &vgw_genl_family, 0,
				VNICGW_CMD_TRACE);
	if (!hdr) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	err = vgw_trace(info_vn(info), info->attrs[VNICGW_A_TRACE], tb, msg,
			info->extack);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/* --- who may ask ------------------------------------------------------------ */

/*
 * What a command needs beyond reaching the family: every command but
 * GET_INFO changes the namespace or reads its tenants' configuration,
 * counters or cluster, so it needs CAP_NET_ADMIN.
 */
static bool cmd_needs_admin(u8 cmd)
{
	return cmd != VNICGW_CMD_GET_INFO;
}

/*
 * May the sender of @skb run @cmd in its socket's namespace? The
 * netlink_*capable() helpers check the capability both of the task that
 * sends and of the one that opened the socket (its file's credentials), as
 * GENL_ADMIN_PERM does: a socket opened unprivileged and handed to a
 * privileged program does not carry the program's rights.
 *
 * With allow_userns off, changes and reads of the tables need
 * CAP_NET_ADMIN in the initial user namespace (netlink_capable()), and a
 * namespace owned by another user namespace does not even answer GET_INFO
 * to the unprivileged. With it on, CAP_NET_ADMIN in the user namespace that
 * owns the network namespace suffices (netlink_net_capable(), as
 * GENL_UNS_ADMIN_PERM): a container's root manages its own namespace and
 * nobody else's. The checks are here rather than in the ops' flags so that
 * a refusal says why, and so that the parameter is read per request.
 */
static int vgw_nl_allowed(struct sk_buff *skb, u8 cmd,
			  struct netlink_ext_ack *extack)
{
	const struct net *net = sock_net(skb->sk);
	bool userns = READ_ONCE(vgw_allow_userns);

	if (!userns) {
		if (netlink_capable(skb, CAP_NET_ADMIN))
			return 0;
		if (net->user_ns != &init_user_ns) {
			NL_SET_ERR_MSG_MOD(extack,
					   "needs CAP_NET_ADMIN in the initial user namespace: this network namespace belongs to another user namespace (module parameter allow_userns is off)");
			return -EPERM;
		}
		if (cmd_needs_admin(cmd)) {
			NL_SET_ERR_MSG_MOD(extack,
					   "this command needs CAP_NET_ADMIN in the initial user namespace");
			return -EPERM;
		}
		return 0;
	}
	if (cmd_needs_admin(cmd) && !netlink_net_capable(skb, CAP_NET_ADMIN)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "this command needs CAP_NET_ADMIN in the user namespace owning the network namespace");
		return -EPERM;
	}
	return 0;
}

/* NOTIFY and DROP are the groups' messages: a request of them is refused. */
static int vgw_nl_not_request(struct sk_buff *skb, struct genl_info *info)
{
	NL_SET_ERR_MSG_MOD(info->extack,
			   "this command is a multicast group's message, never a request (vnicctl monitor joins the groups)");
	return -EOPNOTSUPP;
}

static int (*const vgw_doits[])(struct sk_buff *, struct genl_info *) = {
	[VNICGW_CMD_GET_INFO] = vgw_nl_get_info,
	[VNICGW_CMD_FLUSH] = vgw_nl_flush,
	[VNICGW_CMD_TXN_BEGIN] = vgw_nl_txn_begin,
	[VNICGW_CMD_TXN_COMMIT] = vgw_nl_txn_end,
	[VNICGW_CMD_TXN_ABORT] = vgw_nl_txn_end,
	[VNICGW_CMD_OBJ_SET] = vgw_nl_obj_set,
	[VNICGW_CMD_OBJ_DEL] = vgw_nl_obj_del,
	[VNICGW_CMD_OBJ_GET] = vgw_nl_obj_get,
	[VNICGW_CMD_CLUSTER_SET] = vgw_nl_cluster_set,
	[VNICGW_CMD_CLUSTER_GET] = vgw_nl_cluster_get,
	[VNICGW_CMD_NOTIFY] = vgw_nl_not_request,
	[VNICGW_CMD_DROP] = vgw_nl_not_request,
	[VNICGW_CMD_CT_DEL] = vgw_nl_table_del,
	[VNICGW_CMD_NAT_DEL] = vgw_nl_table_del,
	[VNICGW_CMD_TRACE] = vgw_nl_trace,
};

/* Every do goes through here: the permission check, then the handler. */
static int vgw_nl_doit(struct sk_buff *skb, struct genl_info *info)
{
	u8 cmd = info->genlhdr->cmd;
	int err;

	err = vgw_nl_allowed(skb, cmd, info->extack);
	if (err)
		return err;
	return vgw_doits[cmd](skb, info);
}

/*
 * Who may dump is decided in ->start: it always runs in the requester's
 * sendmsg (netlink_dump_start()), where the first dumpit call may not (a
 * full receive queue defers it to whoever reads the socket next). 6.1
 * gives ->start no extack, so the first dumpit call reports the refusal,
 * with its message, in NLMSG_DONE. cb->skb is the request.
 */
static int dump_refused(struct netlink_callback *cb, u8 cmd, bool denied)
{
	if (!denied)
		return 0;
	/* The message; the reader may even pass where the requester did not. */
	if (vgw_nl_allowed(cb->skb, cmd, cb->extack))
		return -EPERM;
	if (READ_ONCE(vgw_allow_userns))
		NL_SET_ERR_MSG_MOD(cb->extack,
				   "this command needs CAP_NET_ADMIN over the namespace");
	else
		NL_SET_ERR_MSG_MOD(cb->extack,
				   "this command needs CAP_NET_ADMIN in the initial user namespace");
	return -EPERM;
}

static int vgw_nl_obj_dump_checked(struct sk_buff *skb,
				   struct netlink_callback *cb)
{
	struct dump_state *st = (void *)cb->ctx;

	if (!st->denied && st->invalid)
		return dump_request_check(genl_dumpit_info(cb), cb->extack);
	return dump_refused(cb, VNICGW_CMD_OBJ_GET, st->denied) ?:
	       vgw_nl_obj_dump(skb, cb);
}

static int vgw_nl_stats_dump_start(struct netlink_callback *cb)
{
	struct stats_state *st = (void *)cb->ctx;

	BUILD_BUG_ON(sizeof(*st) > sizeof(cb->ctx));
	memset(st, 0, sizeof(*st));
	st->denied = vgw_nl_allowed(cb->skb, VNICGW_CMD_STATS, NULL) != 0;
	return 0;
}

static int vgw_nl_stats_dump_checked(struct sk_buff *skb,
				     struct netlink_callback *cb)
{
	struct stats_state *st = (void *)cb->ctx;

	return dump_refused(cb, VNICGW_CMD_STATS, st->denied) ?:
	       vgw_nl_stats_dump(skb, cb);
}

/*
 * No op has permission flags: vgw_nl_allowed() checks every request, do
 * and dump, and says why it refuses.
 */
static const struct genl_ops vgw_genl_ops[] = {
	{ .cmd = VNICGW_CMD_GET_INFO, .doit = vgw_nl_doit },
	{ .cmd = VNICGW_CMD_FLUSH, .doit = vgw_nl_doit },
	{ .cmd = VNICGW_CMD_TXN_BEGIN, .doit = vgw_nl_doit },
	{ .cmd = VNICGW_CMD_TXN_COMMIT, .doit = vgw_nl_doit },
	{ .cmd = VNICGW_CMD_TXN_ABORT, .doit = vgw_nl_doit },
	{ .cmd = VNICGW_CMD_OBJ_SET, .doit = vgw_nl_doit },
	{ .cmd = VNICGW_CMD_OBJ_DEL, .doit = vgw_nl_doit },
	{
		.cmd = VNICGW_CMD_OBJ_GET,
		.doit = vgw_nl_doit,
		.start = vgw_nl_obj_dump_start,
		.dumpit = vgw_nl_obj_dump_checked,
	},
	{
		.cmd = VNICGW_CMD_STATS,
		.start = vgw_nl_stats_dump_start,
		.dumpit = vgw_nl_stats_dump_checked,
	},
	{ .cmd = VNICGW_CMD_CLUSTER_SET, .doit = vgw_nl_doit },
	{ .cmd = VNICGW_CMD_CLUSTER_GET, .doit = vgw_nl_doit },
	{ .cmd = VNICGW_CMD_NOTIFY, .doit = vgw_nl_doit },
	{ .cmd = VNICGW_CMD_DROP, .doit = vgw_nl_doit },
	{
		.cmd = VNICGW_CMD_CT_GET,
		.start = vgw_nl_table_dump_start,
		.dumpit = vgw_nl_table_dump,
		.done = vgw_nl_table_dump_done,
	},
	{ .cmd = VNICGW_CMD_CT_DEL, .doit = vgw_nl_doit },
	{
		.cmd = VNICGW_CMD_NAT_GET,
		.start = vgw_nl_table_dump_start,
		.dumpit = vgw_nl_table_dump,
		.done = vgw_nl_table_dump_done,
	},
	{ .cmd = VNICGW_CMD_NAT_DEL, .doit = vgw_nl_doit },
	{ .cmd = VNICGW_CMD_TRACE, .doit = vgw_nl_doit },
};

/*
 * parallel_ops: requests are not serialised by genl_mutex, so a long commit
 * in one namespace does not stall every other namespace's requests. What
 * the mutex used to serialise, vn->lock does: every transaction step, the
 * snapshot a GET replies from, the cluster (cluster.c). Dumps read the
 * published snapshot under RCU, one call at a time (their state is in
 * cb->ctx), and GET_INFO reads it under RCU.
 */
/*
 * The groups carry tenant flows and the tables' ids: only CAP_NET_ADMIN in
 * the namespace's user namespace may join. Kernels that cannot require it
 * at join (before GENL_MCAST_CAP_NET_ADMIN) get no groups: anyone could
 * listen.
 */
#ifdef GENL_MCAST_CAP_NET_ADMIN
enum { VGW_MCGRP_CONFIG, VGW_MCGRP_DROPS };

static const struct genl_multicast_group vgw_mcgrps[] = {
	[VGW_MCGRP_CONFIG] = { .name = VNICGW_MCGRP_CONFIG,
			       .flags = GENL_MCAST_CAP_NET_ADMIN },
	[VGW_MCGRP_DROPS] = { .name = VNICGW_MCGRP_DROPS,
			      .flags = GENL_MCAST_CAP_NET_ADMIN },
};
#define VGW_HAVE_MCGRPS 1
#else
#define VGW_HAVE_MCGRPS 0
#endif

static struct genl_family vgw_genl_family __ro_after_init = {
	.name = VNICGW_GENL_NAME,
	.version = VNICGW_GENL_VERSION,
	.maxattr = VNICGW_A_MAX,
	.policy = vgw_policy,
	.netnsok = true,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = vgw_genl_ops,
	.n_ops = ARRAY_SIZE(vgw_genl_ops),
#if VGW_HAVE_MCGRPS
	.mcgrps = vgw_mcgrps,
	.n_mcgrps = ARRAY_SIZE(vgw_mcgrps),
#endif
};

/* --- the multicast groups -------------------------------------------------- */

#define DROP_EVENTS_RATE_MAX	100000

static unsigned int drop_events_rate = 100;

static int drop_rate_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, DROP_EVENTS_RATE_MAX);
}

static const struct kernel_param_ops drop_rate_ops = {
	.set = drop_rate_set,
	.get = param_get_uint,
};

module_param_cb(drop_events_rate, &drop_rate_ops, &drop_events_rate, 0644);
MODULE_PARM_DESC(drop_events_rate,
		 "drop messages to the \"drops\" group a second, per namespace (0: none; default 100, at most 100000)");

/*
 * Cleared before the family goes (vgw_genl_exit()): its group ids may then
 * be another family's.
 */
static bool mcast_live;

/*
 * Joining needs CAP_NET_ADMIN in the namespace's user namespace (the
 * group's flag). Without allow_userns the requests need it in the initial
 * one: a namespace owned by another user namespace then sends nothing.
 * The listener bits are the whole system's, not the namespace's: one
 * listener anywhere sends every namespace's drops here (vgw_notify_drop()
 * is cheap when over its rate).
 */
static bool listened(const struct vgw_net *vn, int group)
{
#if VGW_HAVE_MCGRPS
	if (!READ_ONCE(mcast_live))
		return false;
	if (!READ_ONCE(vgw_allow_userns) && vn->net->user_ns != &init_user_ns)
		return false;
	return genl_has_listeners(&vgw_genl_family, vn->net, group);
#else
	return false;
#endif
}

static void multicast(struct vgw_net *vn, struct sk_buff *msg, int group,
		      gfp_t gfp)
{
#if VGW_HAVE_MCGRPS
	genlmsg_multicast_netns(&vgw_genl_family, vn->net, msg, 0, group, gfp);
#else
	nlmsg_free(msg);
#endif
}

/* A message lost: the listeners' sockets get ENOBUFS, so they know. */
static void lost(struct vgw_net *vn, int group)
{
#if VGW_HAVE_MCGRPS
	genl_set_err(&vgw_genl_family, vn->net, 0, group, -ENOBUFS);
#endif
}

#if !VGW_HAVE_MCGRPS
#define VGW_MCGRP_CONFIG 0
#define VGW_MCGRP_DROPS 0
#endif

/* A NOTIFY message of @kind, its header put, or NULL. */
static struct sk_buff *notify_new(size_t size, u8 kind, void **hdr)
{
	struct sk_buff *msg = genlmsg_new(size, GFP_KERNEL);

	if (!msg)
		return NULL;
	*hdr = genlmsg_put(msg, 0, 0, &vgw_genl_family, 0, VNICGW_CMD_NOTIFY);
	if (!*hdr || nla_put_u8(msg, VNICGW_A_NOTIFY, kind)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/* Room for VNICGW_NOTIFY_CHANGES_MAX changes with the longest ids. */
#define VGW_NOTIFY_COMMIT_SIZE						\
	(VNICGW_NOTIFY_CHANGES_MAX *					\
	 (nla_total_size(0) + 2 * nla_total_size(1) +			\
	  nla_total_size(VNICGW_ID_MAX)) + 256)

/*
 * After a commit, under vn->lock: the objects it added, changed or removed
 * (at most VNICGW_NOTIFY_CHANGES_MAX of them, in no particular order, and
 * the count of all).
 */
void vgw_notify_commit(struct vgw_net *vn, const struct vgw_txn *t)
{
	struct nlattr *list, *count;
	struct sk_buff *msg;
	void *hdr;

	lockdep_assert_held(&vn->lock);
	if (!listened(vn, VGW_MCGRP_CONFIG))
		return;
	msg = notify_new(VGW_NOTIFY_COMMIT_SIZE, VNICGW_NOTIFY_COMMIT, &hdr);
	if (!msg)
		goto lost;
	/* The count first: the list takes what room is left. */
	if (nla_put_u64_64bit(msg, VNICGW_A_GENERATION, t->snap->generation,
			      VNICGW_A_PAD))
		goto nospace;
	count = nla_reserve(msg, VNICGW_A_CHANGE_COUNT, sizeof(u32));
	if (!count)
		goto nospace;
	list = nla_nest_start(msg, VNICGW_A_CHANGES);
	if (!list)
		goto nospace;
	*(u32 *)nla_data(count) = vgw_txn_changes(t, msg,
						  VNICGW_NOTIFY_CHANGES_MAX);
	nla_nest_end(msg, list);
	genlmsg_end(msg, hdr);
	multicast(vn, msg, VGW_MCGRP_CONFIG, GFP_KERNEL);
	return;
nospace:
	nlmsg_free(msg);
lost:
	lost(vn, VGW_MCGRP_CONFIG);
}

void vgw_notify_flush(struct vgw_net *vn, u32 removed)
{
	struct sk_buff *msg;
	void *hdr;

	if (!listened(vn, VGW_MCGRP_CONFIG))
		return;
	msg = notify_new(NLMSG_GOODSIZE, VNICGW_NOTIFY_FLUSH, &hdr);
	if (!msg)
		goto lost;
	if (nla_put_u64_64bit(msg, VNICGW_A_GENERATION,
			      READ_ONCE(vn->generation), VNICGW_A_PAD) ||
	    nla_put_u32(msg, VNICGW_A_CHANGE_COUNT, removed)) {
		nlmsg_free(msg);
		goto lost;
	}
	genlmsg_end(msg, hdr);
	multicast(vn, msg, VGW_MCGRP_CONFIG, GFP_KERNEL);
	return;
lost:
	lost(vn, VGW_MCGRP_CONFIG);
}

/*
 * After a CLUSTER_SET, not under vn->lock: the cluster as GET gives it, in
 * a page if it fits (the largest cluster needs VGW_CLUSTER_REPLY_MAX).
 */
void vgw_notify_cluster(struct vgw_net *vn)
{
	size_t size = NLMSG_GOODSIZE;
	struct sk_buff *msg;
	void *hdr;
	int err;

	if (!listened(vn, VGW_MCGRP_CONFIG))
		return;
	for (;;) {
		msg = notify_new(size, VNICGW_NOTIFY_CLUSTER, &hdr);
		if (!msg)
			goto lost;
		err = vgw_cluster_fill(msg, vn);
		if (!err)
			break;
		nlmsg_free(msg);
		if (err != -EMSGSIZE || size == VGW_CLUSTER_REPLY_MAX)
			goto lost;
		size = VGW_CLUSTER_REPLY_MAX;
	}
	genlmsg_end(msg, hdr);
	multicast(vn, msg, VGW_MCGRP_CONFIG, GFP_KERNEL);
	return;
lost:
	lost(vn, VGW_MCGRP_CONFIG);
}

void vgw_drop_events_init(struct vgw_net *vn)
{
	ratelimit_state_init(&vn->drop_events, HZ, drop_events_rate);
	/* Never a "callbacks suppressed" line: the missed are reported. */
	ratelimit_set_flags(&vn->drop_events, RATELIMIT_MSG_ON_RELEASE);
}

/* Cheap enough for every drop: a test of the group's listener bit. */
bool vgw_drop_listened(const struct vgw_net *vn)
{
	return listened(vn, VGW_MCGRP_DROPS);
}

/* The drops not reported, every CPU's, taken (they go in a message). */
static u64 missed_take(struct vgw_net *vn)
{
	u64 n = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		n += atomic64_xchg(&per_cpu_ptr(vn->pcpu, cpu)->drop_events_missed, 0);
	return n;
}

static void missed_add(struct vgw_net *vn, u64 n)
{
	atomic64_add(n, &this_cpu_ptr(vn->pcpu)->drop_events_missed);
}

/*
 * Over the rate this interval? Read without the ratelimit's lock, so that
 * a flood of drops on every CPU does not contend for it: only drops that
 * may be sent take it.
 */
static bool over_rate(const struct ratelimit_state *rs, unsigned int rate)
{
	unsigned long begin = READ_ONCE(rs->begin);

	return begin && time_before(jiffies, begin + HZ) &&
	       READ_ONCE(rs->printed) >= (int)rate;
}

static int put_flow_ip(struct sk_buff *msg, int type, const struct vgw_ip *ip)
{
	if (ip->family == AF_INET)
		return nla_put_in_addr(msg, type, ip->v4);
	if (ip->family == AF_INET6)
		return nla_put_in6_addr(msg, type, &ip->v6);
	return 0;
}

/* In softirq: @p's drop, to the "drops" group, within the rate. */
void vgw_notify_drop(const struct vgw_pkt *p, unsigned int reason)
{
	struct vgw_net *vn = p->vn;
	unsigned int rate = READ_ONCE(drop_events_rate);
	struct sk_buff *msg;
	void *hdr;
	u64 missed;

	BUILD_BUG_ON(__VNICGW_DROP_MAX > 255);	/* a u8 on the wire */
	if (!rate)
		return;
	/* The parameter changed: the next interval has the new burst. */
	if (unlikely(READ_ONCE(vn->drop_events.burst) != (int)rate))
		WRITE_ONCE(vn->drop_events.burst, (int)rate);
	if (over_rate(&vn->drop_events, rate) || !__ratelimit(&vn->drop_events))
		goto missed;
	msg = genlmsg_new(256, GFP_ATOMIC);
	if (!msg)
		goto missed;
	hdr = genlmsg_put(msg, 0, 0, &vgw_genl_family, 0, VNICGW_CMD_DROP);
	if (!hdr)
		goto nospace;
	missed = missed_take(vn);
	if (nla_put_u8(msg, VNICGW_A_DROP_REASON, reason) ||
	    (p->vnic && nla_put_string(msg, VNICGW_A_DROP_VNIC, p->vnic->o.id)) ||
	    nla_put_u32(msg, VNICGW_A_DROP_VNI, p->vni) ||
	    put_flow_ip(msg, VNICGW_A_DROP_SRC, &p->src) ||
	    put_flow_ip(msg, VNICGW_A_DROP_DST, &p->dst) ||
	    (p->src.family &&
	     (nla_put_u16(msg, VNICGW_A_DROP_SPORT, p->sport) ||
	      nla_put_u16(msg, VNICGW_A_DROP_DPORT, p->dport) ||
	      nla_put_u8(msg, VNICGW_A_DROP_PROTO, p->l4proto))) ||
	    nla_put_u64_64bit(msg, VNICGW_A_DROP_MISSED, missed, VNICGW_A_PAD)) {
		missed_add(vn, missed);
		goto nospace;
	}
	genlmsg_end(msg, hdr);
	multicast(vn, msg, VGW_MCGRP_DROPS, GFP_ATOMIC);
	return;
nospace:
	nlmsg_free(msg);
missed:
	missed_add(vn, 1);
}

/* A transaction dies with the socket that opened it. */
static int vgw_netlink_event(struct notifier_block *nb, unsigned long event,
			     void *ptr)
{
	struct netlink_notify *n = ptr;
	struct vgw_net *vn;

	if (event != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC)
		return NOTIFY_DONE;
	vn = vgw_net(n->net);
	mutex_lock(&vn->lock);
	if (vn->txn && vn->txn->portid == n->portid)
		vgw_txn_abort(vn);
	mutex_unlock(&vn->lock);
	return NOTIFY_DONE;
}

static struct notifier_block vgw_netlink_notifier = {
	.notifier_call = vgw_netlink_event,
};

int __init vgw_genl_init(void)
{
	int err;

	err = netlink_register_notifier(&vgw_netlink_notifier);
	if (err)
		return err;
	err = genl_register_family(&vgw_genl_family);
	if (err)
		netlink_unregister_notifier(&vgw_netlink_notifier);
	else
		WRITE_ONCE(mcast_live, true);
	return err;
}

void vgw_genl_exit(void)
{
	/* No packet path may use the groups' ids once they are freed. */
	WRITE_ONCE(mcast_live, false);
	synchronize_rcu();
	genl_unregister_family(&vgw_genl_family);
	netlink_unregister_notifier(&vgw_netlink_notifier);
}
