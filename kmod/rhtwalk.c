// SPDX-License-Identifier: GPL-2.0
/* Walking the connection and NAT tables; see rhtwalk.h. */
#include <linux/sched.h>

#include "rhtwalk.h"

/* Up to @budget entries from where @iter stands; true at the table's end. */
static bool walk(struct rhashtable_iter *iter, unsigned int budget,
		 vgw_rht_visit_t visit, void *arg)
{
	unsigned int n = 0;
	void *obj;

	rhashtable_walk_start(iter);
	while (n < budget) {
		obj = rhashtable_walk_next(iter);
		if (IS_ERR(obj)) {
			if (PTR_ERR(obj) == -EAGAIN)
				continue;
			break;
		}
		if (!obj) {
			rhashtable_walk_stop(iter);
			return true;
		}
		visit(obj, arg);
		if (!(++n & 1023)) {
			rhashtable_walk_stop(iter);
			cond_resched();
			rhashtable_walk_start(iter);
		}
	}
	rhashtable_walk_stop(iter);
	return false;
}

void vgw_rht_sweep(struct vgw_rht_sweep *s, struct rhashtable *ht,
		   unsigned int min, unsigned int slices,
		   vgw_rht_visit_t visit, void *arg)
{
	unsigned int budget = max_t(unsigned int, min,
				    atomic_read(&ht->nelems) / slices);

	if (!s->walking) {
		rhashtable_walk_enter(ht, &s->iter);
		s->walking = true;
	}
	if (walk(&s->iter, budget, visit, arg))
		vgw_rht_sweep_exit(s);
}

void vgw_rht_sweep_exit(struct vgw_rht_sweep *s)
{
	if (s->walking)
		rhashtable_walk_exit(&s->iter);
	s->walking = false;
}

void vgw_rht_walk_all(struct rhashtable *ht, vgw_rht_visit_t visit, void *arg)
{
	struct rhashtable_iter iter;

	rhashtable_walk_enter(ht, &iter);
	walk(&iter, UINT_MAX, visit, arg);
	rhashtable_walk_exit(&iter);
}

unsigned int vgw_rht_buckets(struct rhashtable *ht)
{
	unsigned int size;

	rcu_read_lock();
	size = rcu_dereference(ht->tbl)->size;
	rcu_read_unlock();
	return size;
}
