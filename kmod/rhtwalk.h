/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Walking the rhashtables of connection tracking and NAT: the collector's
 * slice per run, and whole walks (a resync). A resize restarts a walk at the
 * table's start (-EAGAIN), which only means visiting some entries twice; a
 * walk stops every 1024 entries to let others run. @visit runs under
 * rcu_read_lock(), BHs enabled; it may remove the entry it is given.
 */
#ifndef _VGW_RHTWALK_H
#define _VGW_RHTWALK_H

#include <linux/rhashtable.h>

typedef void (*vgw_rht_visit_t)(void *obj, void *arg);

/* A collector's place in its table, kept from run to run. */
struct vgw_rht_sweep {
	struct rhashtable_iter iter;
	bool walking;			/* iter is entered */
};

/*
 * One run: at least @min entries and at least 1/@slices of the table, from
 * where the last run stopped; at the table's end the next run starts over.
 */
void vgw_rht_sweep(struct vgw_rht_sweep *s, struct rhashtable *ht,
		   unsigned int min, unsigned int slices,
		   vgw_rht_visit_t visit, void *arg);
/* Before the table goes. */
void vgw_rht_sweep_exit(struct vgw_rht_sweep *s);

/* Every entry, once at least. */
void vgw_rht_walk_all(struct rhashtable *ht, vgw_rht_visit_t visit, void *arg);

/*
 * A netlink dump of a table, over as many calls as it takes (CT_GET,
 * NAT_GET). Each call puts entries until @put says the message is full
 * (-EMSGSIZE): that entry comes first in the next call, if it is still in
 * the table. No snapshot: a resize restarts the walk (some entries twice;
 * counted in @restarts, for NLM_F_DUMP_INTR), and an entry whose
 * neighbours in its bucket went between two calls may be passed over.
 * Process context; @put runs under rcu_read_lock().
 */
typedef int (*vgw_rht_put_t)(void *obj, void *arg);

struct vgw_rht_dump {
	struct rhashtable_iter iter;
	unsigned int restarts;		/* the walk started over (a resize) */
	bool again;			/* the last entry did not fit */
	bool done;			/* the end was reached */
};

void vgw_rht_dump_enter(struct vgw_rht_dump *d, struct rhashtable *ht);
/* 0 at the table's end, -EMSGSIZE when the message is full. */
int vgw_rht_dump(struct vgw_rht_dump *d, vgw_rht_put_t put, void *arg);
void vgw_rht_dump_exit(struct vgw_rht_dump *d);

/* The table's size now, in buckets. */
unsigned int vgw_rht_buckets(struct rhashtable *ht);

#endif /* _VGW_RHTWALK_H */
