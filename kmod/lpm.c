// SPDX-License-Identifier: GPL-2.0
/*
 * lpm.c - longest-prefix match for route tables, IPv4 and IPv6.
 *
 * Contract (see lpm.h): a table is immutable after vgw_lpm_build(), so the
 * packet path reads it under rcu_read_lock() alone and it needs no per-node
 * RCU, no locks and no update machinery; a route change builds a new table.
 *
 * Algorithm: a multibit trie of stride 6 whose nodes compress both their
 * children and their leaves with 64-bit bitmaps and popcount, as in
 * "Poptrie" (Asai and Ohara, SIGCOMM 2015), without its direct-pointing
 * top array. Every slot of a node is either a child node or a leaf; leaves
 * hold the value of the longest prefix covering the slot (prefixes are
 * pushed down at build time), so a lookup never backtracks: it walks down
 * while the slot is a child, then reads one leaf. Why this one:
 *  - Lookup cost: at most 6 node visits for IPv4 and 22 for IPv6, in fact
 *    one per 6 bits of the longest prefix on the path (a /24 takes 4) less
 *    the skipped ones, each a 32-byte node read plus a popcount; no
 *    hashing, no backtracking.
 *  - Memory follows the routes: a node exists only where some prefix is
 *    longer than its depth, and runs of equal leaves are stored once (so
 *    are equal values). A table of a handful of routes is a few hundred
 *    bytes in one allocation; the thousands of small route tables of a
 *    VCN stay small. DIR-24-8 (DPDK's rte_lpm) costs 64 MiB per table
 *    up front; a binary radix trie (WireGuard's allowedips) visits up to
 *    32/128 nodes; binary search on prefix lengths needs a hash table per
 *    length and markers, and still ~5-7 probes for IPv6.
 *  - Build is one recursive pass over the routes sorted in prefix order
 *    (a prefix before the prefixes it contains), O(n log n) for the sort
 *    and O(n * depth + 64 * nodes) for the pass.
 *
 * Keys are 128 bits held as two u64 (hi, lo), left-aligned: an IPv4
 * address is the top 32 bits of hi. A node at depth d indexes with bits
 * [6d, 6d + 6) of the key; bits beyond the address are zero, so IPv4 uses
 * depths 0..5 (the last one half-empty) and IPv6 depths 0..21.
 *
 * Beyond poptrie, chains of single-child nodes are skipped with a key
 * compare (path compression, see struct lpm_node). Measured on the 100k
 * IPv6 route table of user/bench (mostly /48): 13.5 MB -> 5.8 MB, build
 * 60 -> 26 ms, lookup 137 -> 22 ns, for +8 bytes per node.
 */
#include "lpm.h"

#define LPM_STRIDE	6
#define LPM_FANOUT	64
/* Depths that hold prefixes: a prefix of length p (p > 0) sits at (p - 1) / 6. */
#define LPM_LEVELS	((128 + LPM_STRIDE - 1) / LPM_STRIDE)

/* A node skips at most this many strides: their bits fit in @skip. */
#define LPM_MAX_SKIP	10

/*
 * One node (32 bytes: two per cache line). Slot s (0..63) is a child when
 * bit s of @vector is set: the child is nodes[base1 + (number of set bits
 * of vector at or below s) - 1]. Otherwise it is a leaf: leaves[base0 +
 * (number of set bits of leafvec at or below s) - 1], where leafvec marks
 * the slots that start a run of equal leaves (child slots neither start
 * nor break a run).
 *
 * Path compression: a chain of nodes that each have one child and no
 * prefix ending in them (long, sparse IPv6 prefixes make many) is folded
 * into the node below it. The low 4 bits of @skip say how many strides k
 * the node skips before indexing, the top 6k bits what the key must hold
 * there; a key that differs gets leaves[base0 - 1], the longest prefix
 * above the chain.
 */
struct lpm_node {
	u64 vector;
	u64 leafvec;
	u64 skip;
	u32 base0;
	u32 base1;
};

struct vgw_lpm {
	const u32 *leaves;	/* an index into values[]; 0: no route */
	const u32 *values;	/* the distinct route values; values[0] unused */
	u32 n_nodes, n_leaves, n_values;
	size_t size;		/* bytes of this one allocation */
	struct lpm_node nodes[];	/* [0]: IPv4 root, [1]: IPv6 root */
};

/* ---- lookup ------------------------------------------------------------------ */

/* Returns the leaf for the key (hi, lo) under @n: a values[] index, 0 if none. */
static __always_inline u32 lpm_find(const struct vgw_lpm *t,
				    const struct lpm_node *n, u64 hi, u64 lo)
{
	unsigned int k;
	u64 bit, upto;

	for (;;) {
		k = n->skip & 15;
		if (k) {
			k *= LPM_STRIDE;
			if ((hi ^ n->skip) >> (64 - k))
				return t->leaves[n->base0 - 1];
			hi = hi << k | lo >> (64 - k);
			lo <<= k;
		}
		bit = 1ULL << (hi >> (64 - LPM_STRIDE));
		upto = (bit << 1) - 1;	/* bits 0..s; all ones for s = 63 */
		if (!(n->vector & bit))
			break;
		n = &t->nodes[n->base1 + hweight64(n->vector & upto) - 1];
		hi = hi << LPM_STRIDE | lo >> (64 - LPM_STRIDE);
		lo <<= LPM_STRIDE;
	}
	return t->leaves[n->base0 + hweight64(n->leafvec & upto) - 1];
}

bool vgw_lpm_lookup4(const struct vgw_lpm *t, __be32 addr, u32 *value)
{
	u32 leaf = lpm_find(t, &t->nodes[0], (u64)be32_to_cpu(addr) << 32, 0);

	if (!leaf)
		return false;
	*value = t->values[leaf];
	return true;
}

bool vgw_lpm_lookup6(const struct vgw_lpm *t, const void *addr16, u32 *value)
{
	__be64 w[2];
	u32 leaf;

	memcpy(w, addr16, sizeof(w));
	leaf = lpm_find(t, &t->nodes[1], be64_to_cpu(w[0]), be64_to_cpu(w[1]));
	if (!leaf)
		return false;
	*value = t->values[leaf];
	return true;
}

size_t vgw_lpm_mem(const struct vgw_lpm *t)
{
	return t->size;
}

void vgw_lpm_free(struct vgw_lpm *t)
{
	kvfree(t);
}

/* ---- build ------------------------------------------------------------------- */

struct lpm_key {
	u64 hi, lo;		/* the prefix, left-aligned, host bits zero */
	u32 vidx;		/* the route's value, then its index in values[] */
	u8 family;
	u8 plen;
};

struct lpm_builder {
	struct lpm_key *keys;
	u32 *values;		/* values[1..n_values], sorted, distinct */
	u32 n_values;
	struct lpm_node *nodes;
	u32 n_nodes, cap_nodes;
	u32 *leaves;
	u32 n_leaves, cap_leaves;
	gfp_t gfp;
	/*
	 * Scratch of lpm_build_node() for each depth, here rather than on the
	 * stack: the recursion is up to LPM_LEVELS deep and its frames must
	 * stay small in the kernel.
	 */
	struct {
		u32 leaf[LPM_FANOUT];	/* the leaf pushed down to each slot */
		u32 start[LPM_FANOUT];	/* keys[start, end) below a child slot */
		u32 end[LPM_FANOUT];
	} lvl[LPM_LEVELS];
};

/* Bits [off, off + 6) of the 128-bit key (hi, lo). */
static unsigned int lpm_bits(u64 hi, u64 lo, unsigned int off)
{
	u64 w;

	if (off == 0)
		w = hi;
	else if (off < 64)
		w = hi << off | lo >> (64 - off);
	else
		w = lo << (off - 64);
	return w >> (64 - LPM_STRIDE);
}

/* Mask of the first @plen bits of a 128-bit key, in two halves. */
static void lpm_mask(unsigned int plen, u64 *mhi, u64 *mlo)
{
	*mhi = plen >= 64 ? ~0ULL : plen ? ~0ULL << (64 - plen) : 0;
	*mlo = plen <= 64 ? 0 : ~0ULL << (128 - plen);
}

static int lpm_key_cmp(const void *a, const void *b)
{
	const struct lpm_key *x = a, *y = b;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	if (x->plen != y->plen)
		return x->plen < y->plen ? -1 : 1;
	return 0;
}

static int lpm_u32_cmp(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

/* Checks @r and turns it into @k (whose vidx is still the value). */
static int lpm_load_key(const struct vgw_lpm_route *r, struct lpm_key *k)
{
	__be64 w[2];
	__be32 a4;
	u64 mhi, mlo;

	if (r->family == AF_INET && r->plen <= 32) {
		memcpy(&a4, r->addr, sizeof(a4));
		k->hi = (u64)be32_to_cpu(a4) << 32;
		k->lo = 0;
	} else if (r->family == AF_INET6 && r->plen <= 128) {
		memcpy(w, r->addr, sizeof(w));
		k->hi = be64_to_cpu(w[0]);
		k->lo = be64_to_cpu(w[1]);
	} else {
		return -EINVAL;
	}
	lpm_mask(r->plen, &mhi, &mlo);
	if ((k->hi & ~mhi) || (k->lo & ~mlo))
		return -EINVAL;
	k->family = r->family;
	k->plen = r->plen;
	k->vidx = r->value;
	return 0;
}

/* Fills b->keys from @routes: checked, values replaced by their index, sorted. */
static int lpm_load(struct lpm_builder *b, const struct vgw_lpm_route *routes,
		    u32 n)
{
	u32 i, lo, hi, mid, m = 0;
	int err;

	for (i = 0; i < n; i++) {
		err = lpm_load_key(&routes[i], &b->keys[i]);
		if (err)
			return err;
		b->values[i + 1] = routes[i].value;
	}
	/* Distinct values, so that equal neighbours share one leaf run. */
	sort(&b->values[1], n, sizeof(u32), lpm_u32_cmp, NULL);
	for (i = 1; i <= n; i++)
		if (i == 1 || b->values[i] != b->values[m])
			b->values[++m] = b->values[i];
	b->n_values = m;
	for (i = 0; i < n; i++) {
		lo = 1;
		hi = m;
		while (lo < hi) {
			mid = lo + (hi - lo) / 2;
			if (b->values[mid] < b->keys[i].vidx)
				lo = mid + 1;
			else
				hi = mid;
		}
		b->keys[i].vidx = lo;
	}
	/* Prefix order: a prefix comes right before the prefixes inside it. */
	sort(b->keys, n, sizeof(*b->keys), lpm_key_cmp, NULL);
	for (i = 1; i < n; i++)
		if (!lpm_key_cmp(&b->keys[i - 1], &b->keys[i]))
			return -EEXIST;
	return 0;
}

/* Makes room for @more elements of @size after @used in *@arr of *@cap. */
static int lpm_grow(void **arr, u32 *cap, u32 used, u32 more, size_t size,
		    gfp_t gfp)
{
	u64 want = (u64)used + more;
	u64 ncap = max_t(u64, want, max_t(u64, (u64)*cap * 2, 64));
	void *p;

	if (want <= *cap)
		return 0;
	if (want > U32_MAX / 2)
		return -ENOMEM;
	ncap = min_t(u64, ncap, U32_MAX / 2);
	p = kvmalloc_array(ncap, size, gfp);
	if (!p)
		return -ENOMEM;
	if (*arr)
		memcpy(p, *arr, used * size);
	kvfree(*arr);
	*arr = p;
	*cap = ncap;
	return 0;
}

/*
 * How many strides from depth @d on keys[lo, hi) (not empty) all go the
 * same way without a prefix ending inside: the node there would have one
 * child and only @def leaves. Returns k, and those strides' bits in *@bits.
 */
static unsigned int lpm_chain(const struct lpm_builder *b, unsigned int d,
			      u32 lo, u32 hi, u64 *bits)
{
	const struct lpm_key *first = &b->keys[lo], *last = &b->keys[hi - 1];
	unsigned int k, s, shortest = 128;
	u32 i;

	for (i = lo; i < hi; i++)
		shortest = min_t(unsigned int, shortest, b->keys[i].plen);
	*bits = 0;
	/* Sorted keys: the first and the last agree where all agree. */
	for (k = 0; k < LPM_MAX_SKIP; k++) {
		/*
		 * A prefix that ends at the stride's end could move below too
		 * (it would fill all 64 slots there), but measured: 5% less
		 * memory for a /24-heavy IPv4 table, 40% slower lookups.
		 */
		if (shortest <= LPM_STRIDE * (d + k + 1))
			break;
		s = lpm_bits(first->hi, first->lo, LPM_STRIDE * (d + k));
		if (s != lpm_bits(last->hi, last->lo, LPM_STRIDE * (d + k)))
			break;
		*bits |= (u64)s << (64 - LPM_STRIDE * (k + 1));
	}
	return k;
}

/*
 * Builds nodes[at], at depth @d, from keys[lo, hi): all lie under the node's
 * prefix and are longer than 6 * @d bits (the root, d = 0, takes any length,
 * /0 included). @def is the leaf of the slots that none of them covers: the
 * longest prefix above the node. Recursion depth is at most LPM_LEVELS
 * (22); a frame is ~128 bytes on x86-64, its arrays live in @b.
 */
static int lpm_build_node(struct lpm_builder *b, u32 at, unsigned int d,
			  u32 lo, u32 hi, u32 def)
{
	unsigned int s, last, limit, skip = 0;
	u64 vector = 0, leafvec = 0, bits = 0;
	u32 *leaf, *start, *end;
	u32 i, base0, base1, n;
	int err;

	if (d > 0)	/* the roots stay plain: they hold the defaults */
		skip = lpm_chain(b, d, lo, hi, &bits);
	d += skip;
	leaf = b->lvl[d].leaf;
	start = b->lvl[d].start;
	end = b->lvl[d].end;
	limit = LPM_STRIDE * (d + 1);

	for (s = 0; s < LPM_FANOUT; s++)
		leaf[s] = def;
	/*
	 * Prefixes that end in this node fill their slots; in prefix order a
	 * prefix comes before those inside it, so the longest one writes last.
	 * The longer ones go to the child of their slot, as one contiguous run
	 * (a prefix ending here never sorts inside a run of one of its slots).
	 */
	for (i = lo; i < hi; ) {
		const struct lpm_key *k = &b->keys[i];

		s = lpm_bits(k->hi, k->lo, LPM_STRIDE * d);
		if (k->plen <= limit) {
			last = s + (1u << (limit - k->plen));
			for (; s < last; s++)
				leaf[s] = k->vidx;
			i++;
			continue;
		}
		start[s] = i;
		do {
			i++;
		} while (i < hi && b->keys[i].plen > limit &&
			 lpm_bits(b->keys[i].hi, b->keys[i].lo, LPM_STRIDE * d) == s);
		end[s] = i;
		vector |= 1ULL << s;
	}

	err = lpm_grow((void **)&b->leaves, &b->cap_leaves, b->n_leaves,
		       LPM_FANOUT + 1, sizeof(u32), b->gfp);
	if (err)
		return err;
	if (skip)	/* leaves[base0 - 1]: for keys that leave the chain */
		b->leaves[b->n_leaves++] = def;
	base0 = b->n_leaves;
	for (s = 0, last = 0; s < LPM_FANOUT; s++) {
		if (vector & (1ULL << s))
			continue;
		if (base0 == b->n_leaves || leaf[s] != last) {
			leafvec |= 1ULL << s;
			b->leaves[b->n_leaves++] = leaf[s];
			last = leaf[s];
		}
	}

	n = hweight64(vector);
	err = lpm_grow((void **)&b->nodes, &b->cap_nodes, b->n_nodes, n,
		       sizeof(struct lpm_node), b->gfp);
	if (err)
		return err;
	base1 = b->n_nodes;
	b->n_nodes += n;
	b->nodes[at] = (struct lpm_node){ .vector = vector, .leafvec = leafvec,
					  .skip = bits | skip,
					  .base0 = base0, .base1 = base1 };
	/* Children take their reserved places, in slot order. */
	for (s = 0; vector; s++) {
		if (!(vector & (1ULL << s)))
			continue;
		vector &= ~(1ULL << s);
		err = lpm_build_node(b, base1++, d + 1, start[s], end[s], leaf[s]);
		if (err)
			return err;
	}
	return 0;
}

/* Copies what @b built into one allocation: the table. */
static struct vgw_lpm *lpm_publish(const struct lpm_builder *b)
{
	size_t nodes = (size_t)b->n_nodes * sizeof(struct lpm_node);
	size_t leaves = (size_t)b->n_leaves * sizeof(u32);
	size_t values = ((size_t)b->n_values + 1) * sizeof(u32);
	size_t size = sizeof(struct vgw_lpm) + nodes + leaves + values;
	struct vgw_lpm *t;
	u32 *p;

	t = kvmalloc(size, b->gfp);
	if (!t)
		return ERR_PTR(-ENOMEM);
	memcpy(t->nodes, b->nodes, nodes);
	p = (u32 *)((u8 *)t->nodes + nodes);
	memcpy(p, b->leaves, leaves);
	t->leaves = p;
	p += b->n_leaves;
	memcpy(p, b->values, values);
	p[0] = 0;
	t->values = p;
	t->n_nodes = b->n_nodes;
	t->n_leaves = b->n_leaves;
	t->n_values = b->n_values;
	t->size = size;
	return t;
}

static void lpm_builder_free(struct lpm_builder *b)
{
	kvfree(b->keys);
	kvfree(b->values);
	kvfree(b->nodes);
	kvfree(b->leaves);
	kvfree(b);
}

struct vgw_lpm *vgw_lpm_build(const struct vgw_lpm_route *routes,
			      unsigned int n, gfp_t gfp)
{
	struct lpm_builder *b;
	struct vgw_lpm *t;
	u32 n4;
	int err;

	if (n > VGW_LPM_MAX_ROUTES)
		return ERR_PTR(-E2BIG);
	/* The per-depth scratch (17 KB) is written before it is read. */
	b = kvmalloc(sizeof(*b), gfp);
	if (!b)
		return ERR_PTR(-ENOMEM);
	memset(b, 0, offsetof(struct lpm_builder, lvl));
	b->gfp = gfp;
	b->keys = kvmalloc_array(n + 1, sizeof(*b->keys), gfp);
	b->values = kvmalloc_array(n + 1, sizeof(u32), gfp);
	err = -ENOMEM;
	if (!b->keys || !b->values)
		goto fail;
	err = lpm_load(b, routes, n);
	if (err)
		goto fail;
	/* The two roots, then each family's trie below its own. */
	err = lpm_grow((void **)&b->nodes, &b->cap_nodes, 0, 2,
		       sizeof(struct lpm_node), gfp);
	if (err)
		goto fail;
	b->n_nodes = 2;
	for (n4 = 0; n4 < n && b->keys[n4].family == AF_INET; n4++)
		;
	err = lpm_build_node(b, 0, 0, 0, n4, 0);
	if (!err)
		err = lpm_build_node(b, 1, 0, n4, n, 0);
	if (err)
		goto fail;
	t = lpm_publish(b);
	lpm_builder_free(b);
	return t;
fail:
	lpm_builder_free(b);
	return ERR_PTR(err);
}
