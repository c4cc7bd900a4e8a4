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

/* The table's size now, in buckets. */
unsigned int vgw_rht_buckets(struct rhashtable *ht);

#endif /* _VGW_RHTWALK_H */
