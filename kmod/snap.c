// SPDX-License-Identifier: GPL-2.0
/*
 * Configuration snapshots and transactions; see snap.h for the contract.
 */
#include <linux/slab.h>

#include "nlattr.h"
#include "objects.h"
#include "snap.h"

/*
 * Freed after a grace period, in process context: a commit that replaced
 * 100k objects must not run 100k frees in one softirq.
 */
struct vgw_reaper {
	struct rcu_work rwork;
	struct vgw_pgarbage *garbage;
};

static struct workqueue_struct *vgw_wq;

static void vgw_reap(struct work_struct *work)
{
	struct vgw_reaper *r = container_of(to_rcu_work(work),
					    struct vgw_reaper, rwork);

	vgw_pgarbage_free(r->garbage);
	kfree(r);
}

/*
 * Free @g after a grace period. If the reaper cannot be allocated, wait for
 * the grace period here instead: slower, never unsafe.
 */
static void vgw_defer_free(struct vgw_pgarbage *g)
{
	struct vgw_reaper *r;

	if (!g)
		return;
	r = kmalloc(sizeof(*r), GFP_KERNEL);
	if (!r) {
		synchronize_rcu();
		vgw_pgarbage_free(g);
		return;
	}
	r->garbage = g;
	INIT_RCU_WORK(&r->rwork, vgw_reap);
	queue_rcu_work(vgw_wq, &r->rwork);
}

u64 vgw_obj_hash(u8 type, const char *id)
{
	return vgw_hash64(id, strlen(id), 0x766e6963ULL * (type + 1));
}

struct obj_key {
	u8 type;
	const char *id;
};

static bool obj_eq(const void *val, const void *key)
{
	const struct vgw_obj *o = val;
	const struct obj_key *k = key;

	return o->type == k->type && !strcmp(o->id, k->id);
}

const struct vgw_obj *vgw_obj_find_hashed(const struct vgw_snap *s, u8 type,
					  const char *id, u64 hash)
{
	struct obj_key k = { type, id };

	return vgw_pmap_lookup(&s->by_id[type], hash, obj_eq, &k);
}

const struct vgw_obj *vgw_obj_find(const struct vgw_snap *s, u8 type,
				   const char *id)
{
	return vgw_obj_find_hashed(s, type, id, vgw_obj_hash(type, id));
}

struct vgw_snap *vgw_snap_new_empty(void)
{
	return kzalloc(sizeof(struct vgw_snap), GFP_KERNEL_ACCOUNT);
}

static void free_obj(void *p)
{
	struct vgw_obj *o = p;

	vgw_obj_types[o->type]->free(o);
}

/* Free a snapshot that no reader can reach, with every object in it. */
void vgw_snap_destroy(struct vgw_snap *s)
{
	unsigned int t;

	vgw_vnics_free_rt(s);
	vgw_pmap_destroy(&s->vnic_by_ip, NULL);
	vgw_pmap_destroy(&s->vnic_by_pub, NULL);
	vgw_pmap_destroy(&s->attach, NULL);
	vgw_policies_destroy(s);
	for (t = 0; t < __VNICGW_OBJ_MAX; t++)
		vgw_pmap_destroy(&s->by_id[t], free_obj);
	kfree(s);
}

int vgw_txn_retire(struct vgw_txn *t, void *ptr, void (*fn)(void *ptr))
{
	return vgw_pedit_retire(&t->edit, ptr, fn);
}

int vgw_txn_begin(struct vgw_net *vn, u32 portid,
		  struct netlink_ext_ack *extack)
{
	struct vgw_txn *t;

	lockdep_assert_held(&vn->lock);
	if (vn->txn) {
		NL_SET_ERR_MSG_MOD(extack,
				   "another transaction is open in this namespace");
		return -EBUSY;
	}
	t = kzalloc(sizeof(*t), GFP_KERNEL_ACCOUNT);
	if (!t)
		return -ENOMEM;
	t->snap = kmemdup(rcu_dereference_protected(vn->snap,
						    lockdep_is_held(&vn->lock)),
			  sizeof(*t->snap), GFP_KERNEL_ACCOUNT);
	if (!t->snap) {
		kfree(t);
		return -ENOMEM;
	}
	t->vn = vn;
	t->portid = portid;
	vgw_pedit_begin(&t->edit, ++vn->last_edit);
	vgw_pedit_begin(&t->touch_edit, ++vn->last_edit);
	vn->txn = t;
	return 0;
}

static void snap_struct_free(void *p)
{
	kfree(p);
}

int vgw_txn_commit(struct vgw_net *vn, struct netlink_ext_ack *extack)
{
	struct vgw_txn *t = vn->txn;
	struct vgw_snap *old;
	int err;

	lockdep_assert_held(&vn->lock);
	if (!t) {
		NL_SET_ERR_MSG_MOD(extack, "no transaction is open");
		return -ENOENT;
	}
	/* Nothing touched: nothing to publish, and the generation stays. */
	if (!t->touched.count) {
		vgw_txn_abort(vn);
		return 0;
	}
	err = vgw_txn_check(t, extack);
	if (!err)
		err = vgw_policies_refresh(t, extack);
	if (err) {
		vgw_txn_abort(vn);
		return err;
	}
	old = rcu_dereference_protected(vn->snap, lockdep_is_held(&vn->lock));
	err = vgw_txn_retire(t, old, snap_struct_free);
	if (err) {
		vgw_txn_abort(vn);
		return err;
	}
	t->snap->generation = old->generation + 1;
	rcu_assign_pointer(vn->snap, t->snap);
	WRITE_ONCE(vn->generation, t->snap->generation);
	vgw_notify_commit(vn, t);
	vgw_defer_free(vgw_pedit_commit(&t->edit));
	vgw_pedit_abort(&t->touch_edit);
	vn->txn = NULL;
	kfree(t);
	return 0;
}

/*
 * Forget the transaction: the nodes and objects it made are freed (they hang
 * in the edited maps only); the published snapshot was never touched.
 */
void vgw_txn_abort(struct vgw_net *vn)
{
	struct vgw_txn *t = vn->txn;

	lockdep_assert_held(&vn->lock);
	if (!t)
		return;
	vgw_pedit_abort(&t->edit);
	vgw_pedit_abort(&t->touch_edit);
	kfree(t->snap);
	vn->txn = NULL;
	kfree(t);
}

static void snap_destroy_cb(void *p)
{
	vgw_snap_destroy(p);
}

/* Replace everything by an empty snapshot; the old one goes after readers. */
int vgw_snap_flush(struct vgw_net *vn)
{
	struct vgw_snap *old, *s;
	struct vgw_pgarbage *g;

	lockdep_assert_held(&vn->lock);
	vgw_txn_abort(vn);
	s = vgw_snap_new_empty();
	g = kzalloc(sizeof(*g), GFP_KERNEL);
	if (!s || !g) {
		kfree(s);
		kfree(g);
		return -ENOMEM;
	}
	old = rcu_dereference_protected(vn->snap, lockdep_is_held(&vn->lock));
	s->generation = old->generation + 1;
	rcu_assign_pointer(vn->snap, s);
	WRITE_ONCE(vn->generation, s->generation);
	g->item[0].ptr = old;
	g->item[0].fn = snap_destroy_cb;
	g->n = 1;
	vgw_defer_free(g);
	return 0;
}

int __init vgw_snap_init(void)
{
	vgw_wq = alloc_workqueue("vnicgw", WQ_UNBOUND, 0);
	return vgw_wq ? 0 : -ENOMEM;
}

/* After every namespace is gone: wait for pending frees, then stop. */
void vgw_snap_exit(void)
{
	rcu_barrier();
	destroy_workqueue(vgw_wq);
}
