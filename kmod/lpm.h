/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lpm.h - longest-prefix match over the routes of one route table, IPv4 and
 * IPv6 together (0.0.0.0/0 and ::/0 are distinct prefixes).
 *
 * A table is immutable after vgw_lpm_build(): the control path builds a new
 * one aside whenever a route table changes and publishes it with
 * rcu_assign_pointer(); the packet path calls the lookups under
 * rcu_read_lock() (any flavour) with no other synchronisation, from any
 * context. vgw_lpm_free() is for after a grace period.
 */
#ifndef _VGW_LPM_H
#define _VGW_LPM_H

#include "vgw_types.h"

struct vgw_lpm;

/*
 * One route: the prefix @addr/@plen, @addr in network order with IPv4 in
 * addr[0..3] (addr[4..15] ignored) and its host bits zero.
 */
struct vgw_lpm_route {
	u8 family;		/* AF_INET or AF_INET6 */
	u8 plen;		/* 0..32 or 0..128 */
	u8 addr[16];
	u32 value;		/* what a lookup that selects this route returns */
};

/* Most routes one table may hold; more is refused with -E2BIG. */
#define VGW_LPM_MAX_ROUTES	BIT(22)

/*
 * Builds a table of @n routes (@routes may be NULL when @n is 0; it is only
 * read, and may be freed on return). Sleeps if @gfp allows it. Returns the
 * table or ERR_PTR(): -EINVAL for a bad family, a prefix length beyond the
 * family's or host bits set; -EEXIST when two routes have the same prefix;
 * -E2BIG for more than VGW_LPM_MAX_ROUTES; -ENOMEM.
 */
struct vgw_lpm *vgw_lpm_build(const struct vgw_lpm_route *routes,
			      unsigned int n, gfp_t gfp);

/* Frees @t (NULL allowed); no reader may still hold it. */
void vgw_lpm_free(struct vgw_lpm *t);

/*
 * The value of the longest prefix of @t that contains @addr, in *@value;
 * false, and *@value untouched, when no prefix does. @t is not NULL.
 */
bool vgw_lpm_lookup4(const struct vgw_lpm *t, __be32 addr, u32 *value);
bool vgw_lpm_lookup6(const struct vgw_lpm *t, const void *addr16, u32 *value);

/* Bytes that @t occupies (one allocation), for accounting and benchmarks. */
size_t vgw_lpm_mem(const struct vgw_lpm *t);

#endif /* _VGW_LPM_H */
