// SPDX-License-Identifier: GPL-2.0
/*
 * Counters: per namespace (drops by reason) and per VNIC (packets and bytes
 * in and out, drops by reason), per CPU on the packet path, summed when read.
 */
#include <linux/percpu.h>

#include "datapath.h"
#include "vgw_trace.h"

struct vgw_vnic_rt *vgw_vnic_rt_new(void)
{
	struct vgw_vnic_rt *rt = kzalloc(sizeof(*rt), GFP_KERNEL_ACCOUNT);

	if (!rt)
		return NULL;
	rt->pcpu = __netdev_alloc_pcpu_stats(struct vgw_vnic_pcpu,
					     GFP_KERNEL_ACCOUNT);
	if (!rt->pcpu) {
		kfree(rt);
		return NULL;
	}
	refcount_set(&rt->ref, 1);
	return rt;
}

void vgw_vnic_rt_put(struct vgw_vnic_rt *rt)
{
	if (refcount_dec_and_test(&rt->ref)) {
		vgw_txc_free(&rt->txc, 1);
		free_percpu(rt->pcpu);
		kfree(rt);
	}
}

/* Tracked connections of a dead VNIC go with the next sweep. */
void vgw_vnic_rt_free(void *p)
{
	struct vgw_vnic_rt *rt = p;

	WRITE_ONCE(rt->dead, true);
	vgw_vnic_rt_put(rt);
}

/*
 * Drop @p's packet for @reason: counted in the namespace and, when the
 * packet is a VNIC's (sent or to be delivered), in that VNIC.
 */
void vgw_drop(struct vgw_pkt *p, enum vnicgw_drop reason)
{
	struct vgw_net_pcpu *nc;

	if (unlikely(p->ex)) {
		struct vgw_step *st;

		st = vgw_explain_step(p, VNICGW_STAGE_DROP, VNICGW_RESULT_OK);
		if (st)
			st->reason = reason;
		p->ex->reason = reason;
		vgw_explain_end(p, VNICGW_TRACE_DROP);
		return;
	}
	trace_vnicgw_drop(p, reason);
	nc = this_cpu_ptr(p->vn->pcpu);
	if (unlikely(vgw_drop_listened(p->vn)))
		vgw_notify_drop(p, reason);
	u64_stats_update_begin(&nc->syncp);
	nc->drops[reason]++;
	u64_stats_update_end(&nc->syncp);
	if (p->vnic) {
		struct vgw_vnic_pcpu *vc = this_cpu_ptr(p->vnic->rt->pcpu);

		u64_stats_update_begin(&vc->syncp);
		vc->drops[reason]++;
		u64_stats_update_end(&vc->syncp);
	}
	kfree_skb(p->skb);
	p->skb = NULL;
}

/* Per CPU: which worker did the work (XDP steering picks it). */
void vgw_count_rx(struct vgw_net *vn)
{
	struct vgw_net_pcpu *nc = this_cpu_ptr(vn->pcpu);

	u64_stats_update_begin(&nc->syncp);
	nc->rx_packets++;
	u64_stats_update_end(&nc->syncp);
}

u64 vgw_cpu_rx(const struct vgw_net *vn, int cpu)
{
	const struct vgw_net_pcpu *c = per_cpu_ptr(vn->pcpu, cpu);
	unsigned int start;
	u64 v;

	do {
		start = u64_stats_fetch_begin(&c->syncp);
		v = c->rx_packets;
	} while (u64_stats_fetch_retry(&c->syncp, start));
	return v;
}

void vgw_count_out(const struct vgw_vnic *v, unsigned int len)
{
	struct vgw_vnic_pcpu *vc = this_cpu_ptr(v->rt->pcpu);

	u64_stats_update_begin(&vc->syncp);
	vc->out_packets++;
	vc->out_bytes += len;
	u64_stats_update_end(&vc->syncp);
}

void vgw_count_in(const struct vgw_vnic *v, unsigned int len)
{
	struct vgw_vnic_pcpu *vc = this_cpu_ptr(v->rt->pcpu);

	u64_stats_update_begin(&vc->syncp);
	vc->in_packets++;
	vc->in_bytes += len;
	u64_stats_update_end(&vc->syncp);
}

/* Sum a VNIC's counters over the CPUs (process context). */
void vgw_vnic_stats(const struct vgw_vnic_rt *rt, struct vgw_vnic_pcpu *sum)
{
	unsigned int start, i;
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct vgw_vnic_pcpu *c = per_cpu_ptr(rt->pcpu, cpu);
		struct vgw_vnic_pcpu v;

		do {
			start = u64_stats_fetch_begin(&c->syncp);
			memcpy(&v, c, offsetof(struct vgw_vnic_pcpu, syncp));
		} while (u64_stats_fetch_retry(&c->syncp, start));
		sum->in_packets += v.in_packets;
		sum->in_bytes += v.in_bytes;
		sum->out_packets += v.out_packets;
		sum->out_bytes += v.out_bytes;
		for (i = 0; i < __VNICGW_DROP_MAX; i++)
			sum->drops[i] += v.drops[i];
	}
}

void vgw_net_drops(const struct vgw_net *vn, u64 *drops)
{
	unsigned int start, i;
	int cpu;

	memset(drops, 0, __VNICGW_DROP_MAX * sizeof(u64));
	for_each_possible_cpu(cpu) {
		const struct vgw_net_pcpu *c = per_cpu_ptr(vn->pcpu, cpu);
		u64 v[__VNICGW_DROP_MAX];

		do {
			start = u64_stats_fetch_begin(&c->syncp);
			memcpy(v, c->drops, sizeof(v));
		} while (u64_stats_fetch_retry(&c->syncp, start));
		for (i = 0; i < __VNICGW_DROP_MAX; i++)
			drops[i] += v[i];
	}
}
