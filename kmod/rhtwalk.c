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

void vgw_rht_dump_enter(struct vgw_rht_dump *d, struct rhashtable *ht)
{
	rhashtable_walk_enter(ht, &d->iter);
	d->restarts = 0;
	d->again = false;
	d->done = false;
}

int vgw_rht_dump(struct vgw_rht_dump *d, vgw_rht_put_t put, void *arg)
{
	unsigned int n = 0;
	void *obj;
	int err = 0;

	if (d->done)
		return 0;
	/* -EAGAIN: the table the walk was in is gone; it starts over. */
	if (rhashtable_walk_start_check(&d->iter) == -EAGAIN)
		d->restarts++;
	for (;;) {
		/*
		 * The entry that did not fit: peek gives it again if it is
		 * still where the walk stood (else the one after it).
		 */
		obj = d->again ? rhashtable_walk_peek(&d->iter) :
				 rhashtable_walk_next(&d->iter);
		d->again = false;
		if (IS_ERR(obj)) {
			if (PTR_ERR(obj) == -EAGAIN) {
				d->restarts++;	/* resized: from the start */
				continue;
			}
			err = PTR_ERR(obj);
			break;
		}
		if (!obj) {
			d->done = true;
			break;
		}
		err = put(obj, arg);
		if (err) {
			d->again = true;
			break;
		}
		/* Entries a filter skips cost time too. */
		if (!(++n & 1023)) {
			rhashtable_walk_stop(&d->iter);
			cond_resched();
			if (rhashtable_walk_start_check(&d->iter) == -EAGAIN)
				d->restarts++;
		}
	}
	rhashtable_walk_stop(&d->iter);
	return err;
}

void vgw_rht_dump_exit(struct vgw_rht_dump *d)
{
	rhashtable_walk_exit(&d->iter);
}

unsigned int vgw_rht_buckets(struct rhashtable *ht)
{
	unsigned int size;

	rcu_read_lock();
	size = rcu_dereference(ht->tbl)->size;
	rcu_read_unlock();
	return size;
}
