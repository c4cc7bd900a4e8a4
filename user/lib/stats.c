// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "stats.h"

static const char *const drop_names[] = {
#define VGW_DROP_NAME_(name, str, help) [VNICGW_DROP_##name] = str,
	VNICGW_DROP_REASONS(VGW_DROP_NAME_)
#undef VGW_DROP_NAME_
};

static const char *const drop_helps[] = {
#define VGW_DROP_HELP_(name, str, help) [VNICGW_DROP_##name] = help,
	VNICGW_DROP_REASONS(VGW_DROP_HELP_)
#undef VGW_DROP_HELP_
};

const char *vgw_drop_name(unsigned int reason)
{
	return reason < __VNICGW_DROP_MAX ? drop_names[reason] : NULL;
}

const char *vgw_drop_help(unsigned int reason)
{
	return reason < __VNICGW_DROP_MAX ? drop_helps[reason] : NULL;
}

static void get_drops(struct nlattr *nest, uint64_t *drops)
{
	struct nlattr *a;
	int rem;

	nla_for_each_nested(a, nest, rem) {
		unsigned int r = nla_type(a) - 1;

		if (r < __VNICGW_DROP_MAX && nla_len(a) == 8)
			drops[r] = nla_get_u64(a);
	}
}

/* A VNICGW_A_CPU_RX nest: the CPUs it names, into st->cpu_rx (grown). */
static int get_cpus(struct nlattr *nest, struct vgw_stats *st)
{
	struct nlattr *a;
	uint64_t *p;
	int rem;

	nla_for_each_nested(a, nest, rem) {
		unsigned int cpu = nla_type(a) - 1, n;

		if (cpu >= VGW_STATS_MAX_CPUS || nla_len(a) != 8)
			continue;
		if (cpu >= st->n_cpus) {
			n = cpu + 1;
			p = realloc(st->cpu_rx, n * sizeof(*p));
			if (!p)
				return -ENOMEM;
			memset(p + st->n_cpus, 0,
			       (n - st->n_cpus) * sizeof(*p));
			st->cpu_rx = p;
			st->n_cpus = n;
		}
		st->cpu_rx[cpu] = nla_get_u64(a);
	}
	return 0;
}

static uint64_t u64_of(struct nlattr *a)
{
	return a && nla_len(a) == 8 ? nla_get_u64(a) : 0;
}

static int parse_stats(struct nlattr **tb, void *arg)
{
	struct vgw_stats *st = arg;
	struct nlattr *v[VNICGW_VSTATS_MAX + 1];
	struct vgw_vnic_stats *vs;

	/* The counters of more CPUs than the namespace's message held. */
	if (tb[VNICGW_A_CPU_RX] && !tb[VNICGW_A_DROPS] &&
	    !tb[VNICGW_A_VNIC_STATS])
		return get_cpus(tb[VNICGW_A_CPU_RX], st);
	if (tb[VNICGW_A_DROPS]) {
		get_drops(tb[VNICGW_A_DROPS], st->drops);
		if (tb[VNICGW_A_CPU_RX] && get_cpus(tb[VNICGW_A_CPU_RX], st))
			return -ENOMEM;
		if (tb[VNICGW_A_CT_ENTRIES] && nla_len(tb[VNICGW_A_CT_ENTRIES]) == 4)
			st->ct_entries = nla_get_u32(tb[VNICGW_A_CT_ENTRIES]);
		if (tb[VNICGW_A_CT_BUCKETS] && nla_len(tb[VNICGW_A_CT_BUCKETS]) == 4)
			st->ct_buckets = nla_get_u32(tb[VNICGW_A_CT_BUCKETS]);
		if (tb[VNICGW_A_NAT_ENTRIES] && nla_len(tb[VNICGW_A_NAT_ENTRIES]) == 4)
			st->nat_entries = nla_get_u32(tb[VNICGW_A_NAT_ENTRIES]);
		if (tb[VNICGW_A_NAT_BUCKETS] && nla_len(tb[VNICGW_A_NAT_BUCKETS]) == 4)
			st->nat_buckets = nla_get_u32(tb[VNICGW_A_NAT_BUCKETS]);
		return 0;
	}
	if (!tb[VNICGW_A_VNIC_STATS] ||
	    nla_parse_nested(v, VNICGW_VSTATS_MAX, tb[VNICGW_A_VNIC_STATS], NULL) ||
	    !v[VNICGW_VSTATS_ID])
		return -EPROTO;
	if ((st->n_vnics & (st->n_vnics - 1)) == 0) {
		vs = realloc(st->vnics, (st->n_vnics ? 2 * st->n_vnics : 1) *
			     sizeof(*vs));
		if (!vs)
			return -ENOMEM;
		st->vnics = vs;
	}
	vs = &st->vnics[st->n_vnics++];
	memset(vs, 0, sizeof(*vs));
	snprintf(vs->id, sizeof(vs->id), "%s", nla_get_string(v[VNICGW_VSTATS_ID]));
	vs->in_packets = u64_of(v[VNICGW_VSTATS_IN_PACKETS]);
	vs->in_bytes = u64_of(v[VNICGW_VSTATS_IN_BYTES]);
	vs->out_packets = u64_of(v[VNICGW_VSTATS_OUT_PACKETS]);
	vs->out_bytes = u64_of(v[VNICGW_VSTATS_OUT_BYTES]);
	if (v[VNICGW_VSTATS_DROPS])
		get_drops(v[VNICGW_VSTATS_DROPS], vs->drops);
	if (v[VNICGW_VSTATS_CONNS] && nla_len(v[VNICGW_VSTATS_CONNS]) == 4)
		vs->conns = nla_get_u32(v[VNICGW_VSTATS_CONNS]);
	return 0;
}

static int by_id(const void *a, const void *b)
{
	return strcmp(((const struct vgw_vnic_stats *)a)->id,
		      ((const struct vgw_vnic_stats *)b)->id);
}

int vgw_get_stats(struct vgw_client *c, struct vgw_stats *st)
{
	int err;

	memset(st, 0, sizeof(*st));
	err = vgw_call(c, VNICGW_CMD_STATS, NLM_F_DUMP, NULL, parse_stats, st);
	if (err) {
		vgw_stats_free(st);
		return err;
	}
	qsort(st->vnics, st->n_vnics, sizeof(*st->vnics), by_id);
	return 0;
}

void vgw_stats_free(struct vgw_stats *st)
{
	free(st->vnics);
	st->vnics = NULL;
	st->n_vnics = 0;
	free(st->cpu_rx);
	st->cpu_rx = NULL;
	st->n_cpus = 0;
}
