/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The module's multicast groups (uapi: VNICGW_MCGRP_*): changes of the
 * tables and the cluster ("config"), dropped packets ("drops").
 */
#ifndef VGW_MONITOR_H
#define VGW_MONITOR_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/vnicgw.h>

#include "cluster_nl.h"
#include "vgw.h"

struct vgw_event_change {
	int type;			/* enum vgw_obj_type */
	char id[64];
	int op;				/* enum vnicgw_change_op */
};

struct vgw_event {
	int cmd;			/* VNICGW_CMD_NOTIFY or VNICGW_CMD_DROP */
	/* NOTIFY */
	int notify;			/* enum vnicgw_notify */
	uint64_t generation;
	uint32_t change_count;		/* COMMIT: all; FLUSH: objects removed */
	struct vgw_event_change changes[VNICGW_NOTIFY_CHANGES_MAX];
	unsigned int n_changes;		/* listed */
	struct vgw_cluster cluster;	/* CLUSTER */
	/* DROP */
	unsigned int reason;
	char vnic[64];			/* "": none */
	uint32_t vni;
	int family;			/* AF_INET, AF_INET6; 0: not parsed */
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint8_t proto;
	uint64_t missed;		/* drops not reported before this one */
};

/*
 * Join the groups asked for, on a socket of the client's own: 0, or -errno
 * with the reason in c->errmsg (-EPERM without CAP_NET_ADMIN; -EOPNOTSUPP
 * when the module offers no groups).
 */
int vgw_monitor_open(struct vgw_client *c, bool config, bool drops);
/*
 * Hand each event to @cb until it returns non-zero (that value is
 * returned). -ENOBUFS: events were lost (the socket's buffer overran);
 * the caller may go on calling.
 */
int vgw_monitor_run(struct vgw_client *c,
		    int (*cb)(const struct vgw_event *e, void *arg), void *arg);

/*
 * The events waiting now, on a socket made non-blocking by
 * vgw_monitor_nonblock(): as vgw_monitor_run(), but 0 once none is left
 * (for a caller with its own poll loop).
 */
int vgw_monitor_nonblock(struct vgw_client *c);
int vgw_monitor_drain(struct vgw_client *c,
		      int (*cb)(const struct vgw_event *e, void *arg),
		      void *arg);
/* The socket's descriptor, for poll(). */
int vgw_monitor_fd(const struct vgw_client *c);

#endif /* VGW_MONITOR_H */
