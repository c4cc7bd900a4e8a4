/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The configuration snapshot: every table of a namespace, in one immutable
 * object that the packet path reads with a single rcu_dereference().
 *
 * A change is made in a transaction: a private copy of the snapshot whose
 * maps are edited by path copying (pmap.h), published with one
 * rcu_assign_pointer() at commit. Packets see the old snapshot or the new
 * one, never a mixture; nothing a commit replaced is freed before a grace
 * period has passed.
 *
 * Objects are immutable once published. They refer to each other by id
 * (looked up in the same snapshot), never by pointer, so that replacing one
 * object never forces copies of the objects that use it.
 */
#ifndef _VGW_SNAP_H
#define _VGW_SNAP_H

#include <linux/netlink.h>
#include <linux/rcupdate.h>
#include <linux/workqueue.h>

#include "pmap.h"
#include "vnicgw.h"

/*
 * The header of every object; the by-id maps are keyed by it. The id is
 * stored by the object (VNICs, which are many, keep it in their own
 * exact-size allocation).
 */
struct vgw_obj {
	u64 hash;			/* of (type, id) */
	u64 gen;			/* generation of the commit that set it */
	const char *id;
	u8 type;			/* enum vnicgw_obj */
};

struct vgw_snap {
	u64 generation;
	struct vgw_pmap by_id[__VNICGW_OBJ_MAX];
	/* VNICs by (VCN id hash, private IP): the virtual router's table. */
	struct vgw_pmap vnic_by_ip;
	/* VNICs by public IP: internet gateway return traffic. */
	struct vgw_pmap vnic_by_pub;
	/* (VIP, VNI) → VNIC attachment; gateway VNIs are under a zero VIP. */
	struct vgw_pmap attach;
	/* Compiled security policies, shared by VNICs of equal inputs. */
	struct vgw_pmap policies;
	u32 n_objs;
};

/*
 * A transaction. Its requests only replace and delete objects in the by-id
 * maps and note what they touched; every check that involves other objects,
 * and the secondary indexes, happen at commit against the final state
 * (objects.c), so the order of the requests in a transaction never matters.
 */
struct vgw_txn {
	struct vgw_net *vn;
	struct vgw_snap *snap;		/* the private copy being edited */
	struct vgw_pedit edit;
	/* Scratch: (type, id) → struct vgw_touch; freed whole at the end. */
	struct vgw_pmap touched;
	struct vgw_pedit touch_edit;
	u32 portid;			/* owning socket; 0: one request */
	bool policies_dirty;		/* a list, NSG or subnet changed */
};

/* Hashes: one seed per key space, so equal ids of two types differ. */
u64 vgw_obj_hash(u8 type, const char *id);

/* Readers: under rcu_read_lock(), or holding vn->lock for the published one. */
static inline struct vgw_snap *vgw_snap_get(struct vgw_net *vn)
{
	return rcu_dereference_check(vn->snap, lockdep_is_held(&vn->lock));
}

const struct vgw_obj *vgw_obj_find(const struct vgw_snap *s, u8 type,
				   const char *id);
/*
 * The same, for the packet path: @hash is vgw_obj_hash(@type, @id), kept by
 * the object that refers to @id since it was parsed (the *_hash fields of
 * objects.h), so no id string is hashed per packet.
 */
const struct vgw_obj *vgw_obj_find_hashed(const struct vgw_snap *s, u8 type,
					  const char *id, u64 hash);

/* Lifecycle, under vn->lock. */
struct vgw_snap *vgw_snap_new_empty(void);
void vgw_snap_destroy(struct vgw_snap *s);
int vgw_txn_begin(struct vgw_net *vn, u32 portid, struct netlink_ext_ack *extack);
int vgw_txn_commit(struct vgw_net *vn, struct netlink_ext_ack *extack);
void vgw_txn_abort(struct vgw_net *vn);
int vgw_snap_flush(struct vgw_net *vn);

/*
 * Changes inside vn->txn. vgw_txn_set() takes ownership of @obj. Checks
 * against other objects wait for vgw_txn_commit(), which refuses, with an
 * extack message naming the object, a transaction that would leave the
 * configuration inconsistent: a missing reference, a conflict, a use.
 */
int vgw_txn_set(struct vgw_net *vn, struct vgw_obj *obj,
		struct netlink_ext_ack *extack);
int vgw_txn_del(struct vgw_net *vn, u8 type, const char *id,
		struct netlink_ext_ack *extack);
/* Retire @ptr: @fn(@ptr) after the commit's grace period. */
int vgw_txn_retire(struct vgw_txn *t, void *ptr, void (*fn)(void *ptr));

int vgw_snap_init(void);
void vgw_snap_exit(void);

#endif /* _VGW_SNAP_H */
