/* SPDX-License-Identifier: GPL-2.0 */
/* The data path's counters, as the module reports them (VNICGW_CMD_STATS). */
#ifndef VGW_STATS_H
#define VGW_STATS_H

#include <stdint.h>

#include <linux/vnicgw.h>

#include "vgw.h"

struct vgw_vnic_stats {
	char id[64];
	uint64_t in_packets, in_bytes, out_packets, out_bytes;
	uint32_t conns;			/* tracked connections on this host */
	uint64_t drops[__VNICGW_DROP_MAX];
};

/* CPU numbers beyond this are not kept (Linux's NR_CPUS is at most 8192). */
#define VGW_STATS_MAX_CPUS 16384

struct vgw_stats {
	uint64_t drops[__VNICGW_DROP_MAX];	/* the namespace's */
	uint64_t *cpu_rx;			/* tunnel packets per CPU */
	unsigned int n_cpus;			/* entries in cpu_rx */
	uint32_t ct_entries, ct_buckets;	/* the connection table */
	uint32_t nat_entries, nat_buckets;	/* the NAT mappings */
	struct vgw_vnic_stats *vnics;		/* sorted by id */
	unsigned int n_vnics;
};

int vgw_get_stats(struct vgw_client *c, struct vgw_stats *st);
void vgw_stats_free(struct vgw_stats *st);
/* "no_route", ...; NULL past the last reason. */
const char *vgw_drop_name(unsigned int reason);
const char *vgw_drop_help(unsigned int reason);

#endif /* VGW_STATS_H */
