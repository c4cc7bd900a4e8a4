/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * vgw/owner.h - the one definition of the cluster's flow owner table.
 *
 * Rendezvous hashing (highest random weight: Thaler and Ravishankar, "Using
 * Name-Based Mappings to Increase Hit Rates", IEEE/ACM ToN 1998) over a fixed
 * number of slots. Every host, the kernel module and the userspace tools
 * (user/lib/owner.c, owner-sim) must derive the same table from the same
 * member set, byte for byte: this header holds everything that decides a
 * table, and compiles unchanged in the kernel and in userspace under the
 * rules of vgw/wire.h (no library calls, fixed-width types, static inline
 * functions).
 *
 * Each host has a seed, a fixed hash of its id. A slot's weight for a host
 * is a 64-bit mix of the seed and the slot's number; the slot's preference
 * list is the hosts in decreasing weight (ties: the lower index, that is the
 * smaller id: indices follow the ids' sorted order, bytewise, as strcmp).
 * The owner is the first of the list, the backup the second.
 *
 * Why this scheme (it replaced Maglev's round-robin table):
 *  - A join moves only the slots that the new host wins, a leave only the
 *    leaver's: 1/(N+1) and 1/N of the flows, the least any scheme can move. Maglev moved
 *    about 7x that at 1,000 hosts (tools/owner-sim measures both).
 *  - The list of a slot without host X is the list with X taken out, for any
 *    set of failed hosts: the backup is exactly the host that takes a flow
 *    over when its owner fails, and the next one takes it when both fail.
 *  - The price is balance: a host's share of the slots is binomial, with
 *    a relative standard deviation of about sqrt(N/slots) (65,537 slots:
 *    1.2% at 10 hosts, 3.9% at 100, 6.3% at 256), where Maglev's shares
 *    differed by one slot; owner-sim prints the spread.
 *
 * A flow's slot is vgw_owner_slot(hash, size); the tables hold the first
 * VGW_OWNER_RANKS of its list at most: owner[slot], then the backups.
 */
#ifndef _VGW_OWNER_SHARED_H
#define _VGW_OWNER_SHARED_H

#include <linux/types.h>

/* Host indices are 16 bits; 0xffff means "none". */
#define VGW_OWNER_NONE		0xffffu

/* Seed of the per-host hash ("owner001"). */
#define VGW_OWNER_SEED		0x6f776e6572303031ULL
/* Spreads the slot numbers over 64 bits before the mix (2^64 / phi). */
#define VGW_OWNER_SLOT_MUL	0x9e3779b97f4a7c15ULL

/* MurmurHash3's 64-bit finaliser: a bijection that mixes every bit. */
static inline __u64 vgw_owner_mix(__u64 h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

/* The fixed 64-bit hash of the owner table: FNV-1a, then the mix. */
static inline __u64 vgw_owner_hash(const void *data, unsigned long len,
				   __u64 seed)
{
	const unsigned char *p = (const unsigned char *)data;
	__u64 h = 0xcbf29ce484222325ULL ^ seed;	/* FNV-1a 64 basis */

	while (len--) {
		h ^= *p++;
		h *= 0x100000001b3ULL;			/* FNV-1a 64 prime */
	}
	/* FNV alone mixes the last bytes poorly. */
	return vgw_owner_mix(h);
}

/*
 * The slot of a flow hash: the two halves folded into 32 bits (a 32-bit hash,
 * as the module's vgw_flow_hash(), is used as it is), then scaled to
 * [0, size) by a multiply and a shift (Lemire's "fast range").
 */
static inline __u32 vgw_owner_slot(__u64 hash, __u32 size)
{
	__u32 h = (__u32)(hash ^ (hash >> 32));

	return (__u32)(((__u64)h * size) >> 32);
}

/*
 * Table sizes are primes. Rendezvous hashing would take any size; the rule
 * is the one the Maglev table needed, kept so that a size that was valid
 * stays valid and an invalid one stays refused.
 */
static inline int vgw_owner_is_prime(__u32 n)
{
	__u32 d;

	if (n < 2)
		return 0;
	for (d = 2; d <= n / d; d++)
		if (n % d == 0)
			return 0;
	return 1;
}

/* The seed of host @id (@len bytes, no NUL). */
static inline __u64 vgw_owner_seed(const char *id, unsigned long len)
{
	return vgw_owner_hash(id, len, VGW_OWNER_SEED);
}

/* The weight of @slot for the host of @seed. */
static inline __u64 vgw_owner_weight(__u64 seed, __u32 slot)
{
	return vgw_owner_mix(seed ^ ((__u64)slot * VGW_OWNER_SLOT_MUL));
}

/* The owner and at most two backups: a slot's list is kept this far. */
#define VGW_OWNER_RANKS		3

/*
 * Fill slots [@from, @to) of @rank[0] (the owners), @rank[1] (the backups),
 * ... up to @rank[k - 1], from the seeds of hosts 0..n-1 (sorted by id);
 * k <= VGW_OWNER_RANKS, and a NULL @rank[r] is skipped. A rank without a
 * host (fewer than k hosts) holds VGW_OWNER_NONE. n >= 1. The cost is n
 * weights a slot; callers in the kernel go by ranges and reschedule between
 * them.
 */
static inline void vgw_owner_populate(const __u64 *seed, __u32 n,
				      __u32 from, __u32 to,
				      __u16 *const *rank, __u32 k)
{
	__u32 s, i, r, q;

	if (k > VGW_OWNER_RANKS)
		k = VGW_OWNER_RANKS;
	for (s = from; s < to; s++) {
		__u64 top_w[VGW_OWNER_RANKS] = { 0 }, w;
		__u32 top[VGW_OWNER_RANKS];

		for (r = 0; r < k; r++)
			top[r] = VGW_OWNER_NONE;
		for (i = 0; i < n; i++) {
			w = vgw_owner_weight(seed[i], s);
			/* Strictly greater: a tie goes to the lower index. */
			for (r = 0; r < k; r++)
				if (top[r] == VGW_OWNER_NONE || w > top_w[r])
					break;
			if (r == k)
				continue;
			for (q = k - 1; q > r; q--) {
				top[q] = top[q - 1];
				top_w[q] = top_w[q - 1];
			}
			top[r] = i;
			top_w[r] = w;
		}
		for (r = 0; r < k; r++)
			if (rank[r])
				rank[r][s] = (__u16)top[r];
	}
}

/* Fingerprints: the table as little-endian 16-bit values, any machine. */
static inline __u64 vgw_owner_hash_table(const __u16 *t, __u32 size, __u64 h)
{
	unsigned char buf[512];
	__u32 i, k = 0;

	for (i = 0; i < size; i++) {
		buf[k++] = (unsigned char)t[i];
		buf[k++] = (unsigned char)(t[i] >> 8);
		if (k == sizeof(buf) || i == size - 1) {
			h = vgw_owner_hash(buf, k, h);
			k = 0;
		}
	}
	return h;
}

/* The fingerprint's start: the size, then each sorted id with its NUL. */
static inline __u64 vgw_owner_hash_size(__u32 size)
{
	unsigned char sz[4] = {
		(unsigned char)size, (unsigned char)(size >> 8),
		(unsigned char)(size >> 16), (unsigned char)(size >> 24),
	};

	return vgw_owner_hash(sz, sizeof(sz), 0);
}

#endif /* _VGW_OWNER_SHARED_H */
