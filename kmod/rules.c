// SPDX-License-Identifier: GPL-2.0
/*
 * rules.c - the security rule matcher: one compiled ruleset per VNIC and
 * direction (see rules.h for the semantics and the RCU contract).
 *
 * Compilation. Every rule is reduced to three tests: its remote (an IPv4
 * CIDR, an IPv6 CIDR or an NSG), its protocol, and two inclusive ranges
 * over two 16-bit packet fields (a, b): (source port, destination port)
 * for TCP and UDP, (type, code) for ICMP and ICMPv6, unused (full ranges)
 * otherwise. Rules are then grouped by (stateless, kind of remote,
 * protocol), stateless groups first, and each group is stored as a
 * packed array of its kind (16 bytes per IPv4 rule, 40 per IPv6 rule, 12
 * per NSG rule), broadest prefixes first. Exact duplicates (common in a
 * union of security lists and NSGs) are kept once.
 *
 * Matching walks the groups in order, skips those of another protocol or
 * family at the cost of one group header each, and scans the rest. Because
 * stateless groups come first, the first rule that matches decides: a
 * stateless hit is final, and a stateful hit can only be reached once no
 * stateless rule matched. Tens to hundreds of rules spread over a few
 * protocols leave a handful of candidates per packet; a linear scan over
 * packed entries beats an index structure at that size (see the bench).
 */
#include "rules.h"
#include "vgw/flow.h"		/* VGW_PROTO_ICMP, _TCP, _UDP, _ICMPV6 */

enum rule_kind {
	RK_V4,
	RK_V6,
	RK_NSG,
	RK_NONE,		/* a packet of another family: no CIDR matches */
};

/* The inclusive ranges the packet's (a, b) must fall in. */
struct rule_ranges {
	u16 alo, ahi, blo, bhi;
};

struct rule4 {
	u32 addr, mask;		/* host order */
	struct rule_ranges r;
};

struct rule6 {
	u64 hi, lo, mhi, mlo;	/* host order, left-aligned */
	struct rule_ranges r;
};

struct rule_nsg {
	u32 nsg;
	struct rule_ranges r;
};

/* Rules [first, first + count) of the array of @kind. */
struct rule_group {
	u16 proto;		/* 0..255 or VGW_PROTO_ALL */
	u8 kind;		/* enum rule_kind */
	u8 stateless;
	u32 first, count;
};

struct vgw_ruleset {
	const struct rule_group *groups;	/* stateless ones first */
	const struct rule4 *r4;
	const struct rule_nsg *rn;
	u32 n_groups, n_rules;
	bool stateful;		/* some rule is stateful */
	size_t size;		/* bytes of this one allocation */
	struct rule6 r6[];	/* first: the most aligned array */
};

/* A packet reduced to what the compiled rules test. */
struct rule_key {
	u64 hi, lo;		/* the remote, left-aligned, host order */
	u16 a, b;
	u8 kind;		/* RK_V4, RK_V6 or RK_NONE */
};

/* ---- match ------------------------------------------------------------------- */

static __always_inline bool rule_in(const struct rule_ranges *r, u16 a, u16 b)
{
	return a >= r->alo && a <= r->ahi && b >= r->blo && b <= r->bhi;
}

static bool rule_nsg_member(const struct vgw_rule_pkt *p, u32 nsg)
{
	unsigned int lo = 0, hi = p->n_remote_nsgs, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (p->remote_nsgs[mid] == nsg)
			return true;
		if (p->remote_nsgs[mid] < nsg)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static bool rule_group_hits(const struct vgw_ruleset *rs,
			    const struct rule_group *g,
			    const struct rule_key *k,
			    const struct vgw_rule_pkt *p)
{
	u32 i, end = g->first + g->count;
	u32 a4 = k->hi >> 32;

	switch (g->kind) {
	case RK_V4:
		if (k->kind != RK_V4)
			return false;
		for (i = g->first; i < end; i++)
			if ((a4 & rs->r4[i].mask) == rs->r4[i].addr &&
			    rule_in(&rs->r4[i].r, k->a, k->b))
				return true;
		return false;
	case RK_V6:
		if (k->kind != RK_V6)
			return false;
		for (i = g->first; i < end; i++)
			if ((k->hi & rs->r6[i].mhi) == rs->r6[i].hi &&
			    (k->lo & rs->r6[i].mlo) == rs->r6[i].lo &&
			    rule_in(&rs->r6[i].r, k->a, k->b))
				return true;
		return false;
	default:
		if (!p->n_remote_nsgs)
			return false;
		for (i = g->first; i < end; i++)
			if (rule_in(&rs->rn[i].r, k->a, k->b) &&
			    rule_nsg_member(p, rs->rn[i].nsg))
				return true;
		return false;
	}
}

static void rule_pkt_key(const struct vgw_rule_pkt *p, struct rule_key *k)
{
	__be64 w[2];
	__be32 a4;

	k->hi = 0;
	k->lo = 0;
	if (p->family == AF_INET) {
		memcpy(&a4, p->remote, sizeof(a4));
		k->hi = (u64)be32_to_cpu(a4) << 32;
		k->kind = RK_V4;
	} else if (p->family == AF_INET6) {
		memcpy(w, p->remote, sizeof(w));
		k->hi = be64_to_cpu(w[0]);
		k->lo = be64_to_cpu(w[1]);
		k->kind = RK_V6;
	} else {
		k->kind = RK_NONE;
	}
	switch (p->proto) {
	case VGW_PROTO_TCP:
	case VGW_PROTO_UDP:
		k->a = p->sport;
		k->b = p->dport;
		break;
	case VGW_PROTO_ICMP:
	case VGW_PROTO_ICMPV6:
		k->a = p->icmp_type;
		k->b = p->icmp_code;
		break;
	default:
		k->a = 0;
		k->b = 0;
	}
}

enum vgw_verdict vgw_rules_match(const struct vgw_ruleset *rs,
				 const struct vgw_rule_pkt *p)
{
	const struct rule_group *g = rs->groups, *end = g + rs->n_groups;
	struct rule_key k;

	rule_pkt_key(p, &k);
	for (; g < end; g++) {
		if (g->proto != p->proto && g->proto != VGW_PROTO_ALL)
			continue;
		if (rule_group_hits(rs, g, &k, p))
			return g->stateless ? VGW_ALLOW_STATELESS :
					      VGW_ALLOW_STATEFUL;
	}
	return VGW_DENY;
}

size_t vgw_rules_mem(const struct vgw_ruleset *rs)
{
	return rs->size;
}

void vgw_rules_free(struct vgw_ruleset *rs)
{
	kvfree(rs);
}

/* ---- build ------------------------------------------------------------------- */

/* A checked rule, in the form that sorts into groups and compares for duplicates. */
struct rule_tmp {
	u8 stateless;
	u8 kind;
	u16 proto;
	u8 plen;
	u32 nsg;
	u64 hi, lo;		/* the CIDR, left-aligned */
	struct rule_ranges r;
};

static int rule_range(u16 lo, u16 hi, u16 *rlo, u16 *rhi)
{
	if (lo > hi)
		return -EINVAL;
	*rlo = lo;
	*rhi = hi;
	return 0;
}

static int rule_icmp(s16 v, u16 *rlo, u16 *rhi)
{
	if (v == -1)
		return rule_range(0, 0xffff, rlo, rhi);
	if (v < 0 || v > 255)
		return -EINVAL;
	return rule_range(v, v, rlo, rhi);
}

static void rule_mask(unsigned int plen, u64 *mhi, u64 *mlo)
{
	*mhi = plen >= 64 ? ~0ULL : plen ? ~0ULL << (64 - plen) : 0;
	*mlo = plen <= 64 ? 0 : ~0ULL << (128 - plen);
}

static int rule_load_remote(const struct vgw_rule *r, struct rule_tmp *t)
{
	__be64 w[2];
	__be32 a4;
	u64 mhi, mlo;

	if (r->nsg) {
		t->kind = RK_NSG;
		t->nsg = r->nsg;
		return 0;
	}
	if (r->family == AF_INET && r->plen <= 32) {
		memcpy(&a4, r->addr, sizeof(a4));
		t->hi = (u64)be32_to_cpu(a4) << 32;
		t->kind = RK_V4;
	} else if (r->family == AF_INET6 && r->plen <= 128) {
		memcpy(w, r->addr, sizeof(w));
		t->hi = be64_to_cpu(w[0]);
		t->lo = be64_to_cpu(w[1]);
		t->kind = RK_V6;
	} else {
		return -EINVAL;
	}
	rule_mask(r->plen, &mhi, &mlo);
	if ((t->hi & ~mhi) || (t->lo & ~mlo))
		return -EINVAL;
	t->plen = r->plen;
	return 0;
}

static int rule_load(const struct vgw_rule *r, struct rule_tmp *t)
{
	int err;

	memset(t, 0, sizeof(*t));
	if (r->proto > 255 && r->proto != VGW_PROTO_ALL)
		return -EINVAL;
	t->proto = r->proto;
	t->stateless = r->stateless;
	err = rule_load_remote(r, t);
	if (err)
		return err;
	switch (r->proto) {
	case VGW_PROTO_TCP:
	case VGW_PROTO_UDP:
		err = rule_range(r->sport_lo, r->sport_hi, &t->r.alo, &t->r.ahi);
		if (!err)
			err = rule_range(r->dport_lo, r->dport_hi, &t->r.blo,
					 &t->r.bhi);
		return err;
	case VGW_PROTO_ICMP:
	case VGW_PROTO_ICMPV6:
		err = rule_icmp(r->icmp_type, &t->r.alo, &t->r.ahi);
		if (!err)
			err = rule_icmp(r->icmp_code, &t->r.blo, &t->r.bhi);
		return err;
	default:
		t->r = (struct rule_ranges){ 0, 0xffff, 0, 0xffff };
		return 0;
	}
}

static int rule_cmp(u64 x, u64 y)
{
	return x < y ? -1 : x > y;
}

/* Group order (stateless first), then broadest first, then anything. */
static int rule_tmp_cmp(const void *a, const void *b)
{
	const struct rule_tmp *x = a, *y = b;

	return rule_cmp(y->stateless, x->stateless) ?:
	       rule_cmp(x->kind, y->kind) ?:
	       rule_cmp(x->proto, y->proto) ?:
	       rule_cmp(x->plen, y->plen) ?:
	       rule_cmp(x->hi, y->hi) ?:
	       rule_cmp(x->lo, y->lo) ?:
	       rule_cmp(x->nsg, y->nsg) ?:
	       rule_cmp(x->r.alo, y->r.alo) ?:
	       rule_cmp(x->r.ahi, y->r.ahi) ?:
	       rule_cmp(x->r.blo, y->r.blo) ?:
	       rule_cmp(x->r.bhi, y->r.bhi);
}

static bool rule_same_group(const struct rule_tmp *x, const struct rule_tmp *y)
{
	return x->stateless == y->stateless && x->kind == y->kind &&
	       x->proto == y->proto;
}

/* Sizes of the compiled arrays, from the sorted, distinct rules. */
struct rule_counts {
	u32 groups, n[RK_NONE];
};

static void rule_emit(struct vgw_ruleset *rs, const struct rule_tmp *t, u32 n)
{
	struct rule_group *groups = (struct rule_group *)rs->groups;
	struct rule4 *r4 = (struct rule4 *)rs->r4;
	struct rule_nsg *rn = (struct rule_nsg *)rs->rn;
	struct rule_group *g = NULL;
	u32 i, next[RK_NONE] = { 0 };
	u64 mhi, mlo;

	for (i = 0; i < n; i++, t++) {
		if (!g || !rule_same_group(&t[-1], t)) {
			g = &groups[rs->n_groups++];
			*g = (struct rule_group){ .proto = t->proto,
						  .kind = t->kind,
						  .stateless = t->stateless,
						  .first = next[t->kind] };
		}
		g->count++;
		rule_mask(t->plen, &mhi, &mlo);
		switch (t->kind) {
		case RK_V4:
			r4[next[RK_V4]++] = (struct rule4){
				.addr = t->hi >> 32, .mask = mhi >> 32, .r = t->r };
			break;
		case RK_V6:
			rs->r6[next[RK_V6]++] = (struct rule6){
				.hi = t->hi, .lo = t->lo, .mhi = mhi, .mlo = mlo,
				.r = t->r };
			break;
		default:
			rn[next[RK_NSG]++] = (struct rule_nsg){ .nsg = t->nsg,
								.r = t->r };
		}
	}
	rs->n_rules = n;
}

/* One allocation for the ruleset and its arrays, sized for @t[0..n). */
static struct vgw_ruleset *rule_alloc(const struct rule_tmp *t, u32 n,
				      gfp_t gfp)
{
	struct rule_counts c = { 0 };
	struct vgw_ruleset *rs;
	size_t size;
	u32 i;

	for (i = 0; i < n; i++) {
		c.n[t[i].kind]++;
		if (!i || !rule_same_group(&t[i - 1], &t[i]))
			c.groups++;
	}
	size = sizeof(*rs) + c.n[RK_V6] * sizeof(struct rule6) +
	       c.n[RK_V4] * sizeof(struct rule4) +
	       c.n[RK_NSG] * sizeof(struct rule_nsg) +
	       c.groups * sizeof(struct rule_group);
	rs = kvzalloc(size, gfp);
	if (!rs)
		return NULL;
	rs->r4 = (const struct rule4 *)&rs->r6[c.n[RK_V6]];
	rs->rn = (const struct rule_nsg *)&rs->r4[c.n[RK_V4]];
	rs->groups = (const struct rule_group *)&rs->rn[c.n[RK_NSG]];
	rs->size = size;
	return rs;
}

bool vgw_rules_stateful(const struct vgw_ruleset *rs)
{
	return rs && rs->stateful;
}

struct vgw_ruleset *vgw_rules_build(const struct vgw_rule *rules,
				    unsigned int n, gfp_t gfp)
{
	struct vgw_ruleset *rs = NULL;
	struct rule_tmp *t;
	u32 i, m = 0;
	int err;

	if (n > VGW_RULES_MAX)
		return ERR_PTR(-E2BIG);
	t = kvmalloc_array(n + 1, sizeof(*t), gfp);
	if (!t)
		return ERR_PTR(-ENOMEM);
	for (i = 0; i < n; i++) {
		err = rule_load(&rules[i], &t[i]);
		if (err)
			goto out;
	}
	sort(t, n, sizeof(*t), rule_tmp_cmp, NULL);
	for (i = 0; i < n; i++)
		if (!m || rule_tmp_cmp(&t[m - 1], &t[i]))
			t[m++] = t[i];
	err = -ENOMEM;
	rs = rule_alloc(t, m, gfp);
	if (rs) {
		rule_emit(rs, t, m);
		for (i = 0; i < n; i++)
			rs->stateful |= !rules[i].stateless;
		err = 0;
	}
out:
	kvfree(t);
	return err ? ERR_PTR(err) : rs;
}

/* ---- one rule ------------------------------------------------------------------ */

bool vgw_rule_hits(const struct vgw_rule *r, const struct vgw_rule_pkt *p)
{
	struct rule_tmp t;
	struct rule_key k;
	u64 mhi, mlo;

	/* The reductions the compiled rules are made of (rule_load()) and
	 * that matching applies to the packet (rule_pkt_key()). */
	if (rule_load(r, &t))
		return false;
	if (t.proto != VGW_PROTO_ALL && t.proto != p->proto)
		return false;
	rule_pkt_key(p, &k);
	if (!rule_in(&t.r, k.a, k.b))
		return false;
	if (t.kind == RK_NSG)
		return p->n_remote_nsgs && rule_nsg_member(p, t.nsg);
	if (t.kind != k.kind)
		return false;
	rule_mask(t.plen, &mhi, &mlo);
	return (k.hi & mhi) == t.hi && (k.lo & mlo) == t.lo;
}
