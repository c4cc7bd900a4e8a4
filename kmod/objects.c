// SPDX-License-Identifier: GPL-2.0
/*
 * The operations common to every object type: set (create or replace) and
 * delete inside a transaction, lookups across types, the netlink nest of an
 * object.
 */
#include "objects.h"

const struct vgw_obj_type *const vgw_obj_types[__VNICGW_OBJ_MAX] = {
	[VNICGW_OBJ_VCN] = &vgw_vcn_type,
	[VNICGW_OBJ_GATEWAY] = &vgw_gw_type,
	[VNICGW_OBJ_ROUTE_TABLE] = &vgw_rt_type,
	[VNICGW_OBJ_SECLIST] = &vgw_seclist_type,
	[VNICGW_OBJ_NSG] = &vgw_nsg_type,
	[VNICGW_OBJ_SUBNET] = &vgw_subnet_type,
	[VNICGW_OBJ_VNIC] = &vgw_vnic_type,
};

struct for_each_args {
	int (*fn)(const struct vgw_obj *o, void *arg);
	void *arg;
};

static int for_each_cb(void *val, void *arg)
{
	struct for_each_args *a = arg;

	return a->fn(val, a->arg);
}

int vgw_snap_for_each(const struct vgw_snap *s, u8 type,
		      int (*fn)(const struct vgw_obj *o, void *arg), void *arg)
{
	struct vgw_pmap_cursor c = VGW_PMAP_CURSOR_START;
	struct for_each_args a = { fn, arg };

	return vgw_pmap_walk(&s->by_id[type], &c, for_each_cb, &a);
}

/* The VCN of an object that has one (all but VCNs). */
static const char *obj_vcn(const struct vgw_obj *o)
{
	switch (o->type) {
	case VNICGW_OBJ_SUBNET:
		return ((const struct vgw_subnet *)o)->vcn;
	case VNICGW_OBJ_ROUTE_TABLE:
		return ((const struct vgw_rt *)o)->vcn;
	case VNICGW_OBJ_SECLIST:
	case VNICGW_OBJ_NSG:
		return ((const struct vgw_seclist *)o)->vcn;
	case VNICGW_OBJ_GATEWAY:
		return ((const struct vgw_gw *)o)->vcn;
	default:
		return NULL;
	}
}

int vgw_ref_check(const struct vgw_snap *s, u8 type, const char *id,
		  const char *vcn, const char *what,
		  struct netlink_ext_ack *extack)
{
	const struct vgw_obj *o = vgw_obj_find(s, type, id);
	const char *ovcn;

	if (!o)
		return vgw_refuse(extack, NULL, "%s: no %s %s", what,
				  vgw_obj_types[type]->name, id);
	ovcn = obj_vcn(o);
	if (vcn && ovcn && strcmp(vcn, ovcn))
		return vgw_refuse(extack, NULL, "%s: %s %s is in VCN %s, not %s",
				  what, vgw_obj_types[type]->name, id, ovcn, vcn);
	return 0;
}

static void obj_free(void *p)
{
	struct vgw_obj *o = p;

	vgw_obj_types[o->type]->free(o);
}

int vgw_obj_retire(struct vgw_txn *t, const struct vgw_obj *o)
{
	return vgw_txn_retire(t, (void *)o, obj_free);
}

struct id_key {
	u8 type;
	const char *id;
};

static bool id_eq(const void *val, const void *key)
{
	const struct vgw_obj *o = val;
	const struct id_key *k = key;

	return o->type == k->type && !strcmp(o->id, k->id);
}

/* What a transaction touched: the published object it started from. */
struct vgw_touch {
	u8 type;
	char id[VNICGW_ID_MAX];
	const struct vgw_obj *old;	/* published version, or NULL */
};

static bool touch_eq(const void *val, const void *key)
{
	const struct vgw_touch *tc = val;
	const struct id_key *k = key;

	return tc->type == k->type && !strcmp(tc->id, k->id);
}

static void touch_free(void *p)
{
	kfree(p);
}

bool vgw_txn_touched(const struct vgw_txn *t, u8 type, const char *id)
{
	struct id_key k = { type, id };

	return vgw_pmap_lookup(&t->touched, vgw_obj_hash(type, id), touch_eq, &k);
}

/* Note the first touch of (@type, @id), with the object it had then. */
static int touch(struct vgw_txn *t, u8 type, const char *id,
		 const struct vgw_obj *cur)
{
	struct id_key k = { type, id };
	struct vgw_touch *tc;
	void *prev;
	u64 hash = vgw_obj_hash(type, id);

	if (vgw_pmap_lookup(&t->touched, hash, touch_eq, &k))
		return 0;
	tc = kmalloc(sizeof(*tc), GFP_KERNEL_ACCOUNT);
	if (!tc)
		return -ENOMEM;
	tc->type = type;
	strscpy(tc->id, id, sizeof(tc->id));
	tc->old = cur;
	if (vgw_pedit_track(&t->touch_edit, tc, touch_free)) {
		kfree(tc);
		return -ENOMEM;
	}
	prev = vgw_pmap_set(&t->touched, &t->touch_edit, hash, touch_eq, &k, tc);
	return IS_ERR(prev) ? PTR_ERR(prev) : 0;
}

/* Create or replace. Checks against other objects wait for the commit. */
int vgw_txn_set(struct vgw_net *vn, struct vgw_obj *obj,
		struct netlink_ext_ack *extack)
{
	struct vgw_txn *t = vn->txn;
	struct id_key k = { obj->type, obj->id };
	const struct vgw_obj *cur;
	u32 max = READ_ONCE(vgw_max_objects);
	void *prev;
	int err;

	/* A namespace's tables are bounded: a tenant cannot take the host. */
	cur = vgw_obj_find(t->snap, obj->type, obj->id);
	if (!cur && t->snap->n_objs >= max) {
		err = vgw_refuse(extack, NULL,
				 "%s %s: the namespace holds %u objects, the most it may (module parameter max_objects)",
				 vgw_obj_types[obj->type]->name, obj->id, max);
		vgw_obj_types[obj->type]->free(obj);
		return err;
	}
	err = vgw_pedit_track(&t->edit, obj, obj_free);
	if (err) {
		vgw_obj_types[obj->type]->free(obj);
		return err;
	}
	err = touch(t, obj->type, obj->id, cur);
	/* The transaction's snapshot holds the published generation. */
	obj->gen = t->snap->generation + 1;
	if (err)
		return err;
	prev = vgw_pmap_set(&t->snap->by_id[obj->type], &t->edit, obj->hash,
			    id_eq, &k, obj);
	if (IS_ERR(prev))
		return PTR_ERR(prev);
	if (!prev)
		t->snap->n_objs++;
	return prev ? vgw_obj_retire(t, prev) : 0;
}

int vgw_txn_replace(struct vgw_txn *t, struct vgw_obj *obj)
{
	struct id_key k = { obj->type, obj->id };
	void *prev;
	int err;

	err = vgw_pedit_track(&t->edit, obj, obj_free);
	if (err) {
		vgw_obj_types[obj->type]->free(obj);
		return err;
	}
	prev = vgw_pmap_set(&t->snap->by_id[obj->type], &t->edit, obj->hash,
			    id_eq, &k, obj);
	if (IS_ERR(prev))
		return PTR_ERR(prev);
	return prev ? vgw_obj_retire(t, prev) : 0;
}

int vgw_txn_del(struct vgw_net *vn, u8 type, const char *id,
		struct netlink_ext_ack *extack)
{
	struct vgw_txn *t = vn->txn;
	struct id_key k = { type, id };
	const struct vgw_obj *o;
	void *prev;
	int err;

	o = vgw_obj_find(t->snap, type, id);
	if (!o) {
		vgw_refuse(extack, NULL, "no %s %s", vgw_obj_types[type]->name, id);
		return -ENOENT;
	}
	err = touch(t, type, id, o);
	if (err)
		return err;
	prev = vgw_pmap_del(&t->snap->by_id[type], &t->edit, o->hash, id_eq, &k);
	if (IS_ERR(prev))
		return PTR_ERR(prev);
	t->snap->n_objs--;
	return vgw_obj_retire(t, prev);
}

struct check_args {
	struct vgw_txn *t;
	struct netlink_ext_ack *extack;
	int phase;
	u8 type;
	int err;
};

enum { PHASE_UNLINK, PHASE_IN_USE, PHASE_LINK };

/* An object whose vcn is part of its identity: it cannot move. */
static const char *fixed_vcn(const struct vgw_obj *o)
{
	switch (o->type) {
	case VNICGW_OBJ_VCN:
	case VNICGW_OBJ_VNIC:
		return NULL;
	default:
		return obj_vcn(o);
	}
}

static int check_one(void *val, void *arg)
{
	const struct vgw_touch *tc = val;
	struct check_args *a = arg;
	const struct vgw_obj_type *ty = vgw_obj_types[tc->type];
	const struct vgw_obj *now = vgw_obj_find(a->t->snap, tc->type, tc->id);

	if (a->phase == PHASE_UNLINK) {
		if (tc->old && ty->unlink)
			a->err = ty->unlink(a->t, tc->old);
	} else if (a->phase == PHASE_IN_USE) {
		if (tc->old && !now && ty->in_use)
			a->err = ty->in_use(a->t->snap, tc->old, a->extack);
	} else if (now && tc->type == a->type) {
		if (tc->old && fixed_vcn(tc->old) &&
		    strcmp(fixed_vcn(tc->old), fixed_vcn(now)))
			a->err = vgw_refuse(a->extack, NULL,
					    "%s %s: its vcn cannot change",
					    ty->name, tc->id);
		else if (ty->link)
			a->err = ty->link(a->t, now, tc->old, a->extack);
	}
	return a->err ? 1 : 0;
}

struct changes_args {
	const struct vgw_txn *t;
	struct sk_buff *skb;
	u32 max, listed, count;
	bool full;
};

static int change_one(void *val, void *arg)
{
	const struct vgw_touch *tc = val;
	struct changes_args *a = arg;
	const struct vgw_obj *now = vgw_obj_find(a->t->snap, tc->type, tc->id);
	struct nlattr *item;
	u8 op;

	/* Made and deleted within the transaction: no change. */
	if (!tc->old && !now)
		return 0;
	op = !tc->old ? VNICGW_CHANGE_ADDED :
	     now ? VNICGW_CHANGE_CHANGED : VNICGW_CHANGE_REMOVED;
	a->count++;
	if (a->full || a->listed >= a->max)
		return 0;
	item = nla_nest_start(a->skb, VNICGW_ITEM);
	if (!item || nla_put_u8(a->skb, VNICGW_CHANGE_TYPE, tc->type) ||
	    nla_put_string(a->skb, VNICGW_CHANGE_ID, tc->id) ||
	    nla_put_u8(a->skb, VNICGW_CHANGE_OP, op)) {
		if (item)
			nla_nest_cancel(a->skb, item);
		a->full = true;
		return 0;
	}
	nla_nest_end(a->skb, item);
	a->listed++;
	return 0;
}

u32 vgw_txn_changes(const struct vgw_txn *t, struct sk_buff *skb, u32 max)
{
	struct changes_args a = { .t = t, .skb = skb, .max = max };
	struct vgw_pmap_cursor c = VGW_PMAP_CURSOR_START;

	vgw_pmap_walk(&t->touched, &c, change_one, &a);
	return a.count;
}

/*
 * The commit's checks, against the final state: first every replaced or
 * deleted object leaves the secondary indexes; then deleted objects must be
 * unused; then new and replaced objects are checked and indexed, type by
 * type in dependency order, so a VNIC sees its subnet as committed.
 */
int vgw_txn_check(struct vgw_txn *t, struct netlink_ext_ack *extack)
{
	struct check_args a = { .t = t, .extack = extack };
	struct vgw_pmap_cursor c;

	for (a.phase = PHASE_UNLINK; a.phase <= PHASE_IN_USE; a.phase++) {
		c = VGW_PMAP_CURSOR_START;
		vgw_pmap_walk(&t->touched, &c, check_one, &a);
		if (a.err)
			return a.err;
	}
	a.phase = PHASE_LINK;
	for (a.type = 0; a.type < __VNICGW_OBJ_MAX; a.type++) {
		c = VGW_PMAP_CURSOR_START;
		vgw_pmap_walk(&t->touched, &c, check_one, &a);
		if (a.err)
			return a.err;
	}
	return 0;
}

int vgw_obj_fill(struct sk_buff *skb, const struct vgw_obj *o)
{
	u32 from = 0;

	return vgw_obj_fill_part(skb, o, &from) ? -EMSGSIZE : 0;
}

int vgw_obj_fill_part(struct sk_buff *skb, const struct vgw_obj *o, u32 *from)
{
	const struct vgw_obj_type *ty = vgw_obj_types[o->type];
	struct nlattr *nest = nla_nest_start(skb, ty->nest);
	int ret;

	if (!nest)
		return -EMSGSIZE;
	if (ty->fill_part)
		ret = ty->fill_part(skb, o, from);
	else
		ret = ty->fill(skb, o) ? -EMSGSIZE : 0;
	if (ret < 0) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return ret;
}
