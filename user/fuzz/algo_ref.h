/* SPDX-License-Identifier: GPL-2.0 */
/*
 * algo_ref.h - deliberately naive references for kmod/lpm.c and
 * kmod/rules.c, shared by the unit tests, the fuzzer and the benchmark.
 *
 * Written to be obviously right rather than fast: a linear scan with the
 * semantics spelled out field by field, comparing addresses bit by bit,
 * so that it shares no idea (masks, sorting, grouping, tries) with the
 * structures it checks. Include after lpm.h and rules.h.
 */
#ifndef _VGW_ALGO_REF_H
#define _VGW_ALGO_REF_H

#include <stdbool.h>
#include <stdint.h>

static inline bool ref_bit(const uint8_t *a, unsigned int i)
{
	return (a[i / 8] >> (7 - i % 8)) & 1;
}

/* Are the first @plen bits of @a and @b the same? */
static inline bool ref_prefix_eq(const uint8_t *a, const uint8_t *b,
				 unsigned int plen)
{
	unsigned int i;

	for (i = 0; i < plen; i++)
		if (ref_bit(a, i) != ref_bit(b, i))
			return false;
	return true;
}

static inline unsigned int ref_family_bits(uint8_t family)
{
	return family == AF_INET ? 32 : family == AF_INET6 ? 128 : 0;
}

/* What vgw_lpm_build() must say about @routes: 0, -EINVAL or -EEXIST. */
static inline int ref_lpm_check(const struct vgw_lpm_route *r, unsigned int n)
{
	unsigned int i, j, b, bits;

	for (i = 0; i < n; i++) {
		bits = ref_family_bits(r[i].family);
		if (!bits || r[i].plen > bits)
			return -EINVAL;
		for (b = r[i].plen; b < bits; b++)
			if (ref_bit(r[i].addr, b))
				return -EINVAL;
	}
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (r[i].family == r[j].family && r[i].plen == r[j].plen &&
			    ref_prefix_eq(r[i].addr, r[j].addr, r[i].plen))
				return -EEXIST;
	return 0;
}

/* Longest match by linear scan; @addr is 4 or 16 bytes as @family says. */
static inline bool ref_lpm_lookup(const struct vgw_lpm_route *r, unsigned int n,
				  uint8_t family, const uint8_t *addr,
				  uint32_t *value)
{
	int best = -1;
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (r[i].family != family || (int)r[i].plen <= best)
			continue;
		if (ref_prefix_eq(r[i].addr, addr, r[i].plen)) {
			best = r[i].plen;
			*value = r[i].value;
		}
	}
	return best >= 0;
}

/* What vgw_rules_build() must say about @r: 0 or -EINVAL. */
static inline int ref_rule_check(const struct vgw_rule *r)
{
	if (r->proto > 255 && r->proto != VGW_PROTO_ALL)
		return -EINVAL;
	if (!r->nsg) {
		unsigned int b, bits = ref_family_bits(r->family);

		if (!bits || r->plen > bits)
			return -EINVAL;
		for (b = r->plen; b < bits; b++)
			if (ref_bit(r->addr, b))
				return -EINVAL;
	}
	if (r->proto == 6 || r->proto == 17) {
		if (r->sport_lo > r->sport_hi || r->dport_lo > r->dport_hi)
			return -EINVAL;
	}
	if (r->proto == 1 || r->proto == 58) {
		if (r->icmp_type < -1 || r->icmp_type > 255 ||
		    r->icmp_code < -1 || r->icmp_code > 255)
			return -EINVAL;
	}
	return 0;
}

static inline bool ref_rule_hits(const struct vgw_rule *r,
				 const struct vgw_rule_pkt *p)
{
	unsigned int i;
	bool member = false;

	if (r->proto != VGW_PROTO_ALL && r->proto != p->proto)
		return false;
	if (r->nsg) {
		for (i = 0; i < p->n_remote_nsgs; i++)
			if (p->remote_nsgs[i] == r->nsg)
				member = true;
		if (!member)
			return false;
	} else {
		if (r->family != p->family)
			return false;
		if (!ref_prefix_eq(r->addr, p->remote, r->plen))
			return false;
	}
	if (r->proto == 6 || r->proto == 17) {
		if (p->sport < r->sport_lo || p->sport > r->sport_hi)
			return false;
		if (p->dport < r->dport_lo || p->dport > r->dport_hi)
			return false;
	}
	if (r->proto == 1 || r->proto == 58) {
		if (r->icmp_type != -1 && r->icmp_type != p->icmp_type)
			return false;
		if (r->icmp_code != -1 && r->icmp_code != p->icmp_code)
			return false;
	}
	return true;
}

/* Any stateless hit wins; else any stateful hit; else the implicit deny. */
static inline enum vgw_verdict ref_rules_match(const struct vgw_rule *r,
					       unsigned int n,
					       const struct vgw_rule_pkt *p)
{
	bool stateful = false;
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (!ref_rule_hits(&r[i], p))
			continue;
		if (r[i].stateless)
			return VGW_ALLOW_STATELESS;
		stateful = true;
	}
	return stateful ? VGW_ALLOW_STATEFUL : VGW_DENY;
}

#endif /* _VGW_ALGO_REF_H */
