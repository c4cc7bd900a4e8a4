/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * vgw/maglev.h - the one definition of the cluster's flow owner table.
 *
 * Maglev consistent hashing (Eisenbud et al., "Maglev: A Fast and Reliable
 * Software Network Load Balancer", NSDI 2016, section 3.4). Every host, the
 * kernel module and the userspace tools (user/lib/maglev.c, maglev-sim) must
 * derive the same table from the same member set, byte for byte: this header
 * holds everything that decides a table, and compiles unchanged in the
 * kernel and in userspace under the rules of vgw/wire.h (no library calls,
 * fixed-width types, static inline functions).
 *
 * Each host i has a permutation of the M slots, (offset_i + j * skip_i) mod M
 * for j = 0, 1, ..., with offset and skip from two seeded hashes of its id;
 * M prime and 0 < skip < M make it visit every slot once. Population goes
 * round-robin over the hosts in sorted-id order (bytewise, as strcmp): each
 * host in turn takes the next slot of its permutation that is still free,
 * until the table is full. A host's permutation does not depend on the
 * others, which is why a change of the live set moves few slots.
 *
 * A flow's slot is vgw_maglev_slot(hash, M); its owner is owner[slot]. Its
 * backup is the owner of the same slot in the table built without the owner:
 * exactly the host that takes the flow over when the owner fails.
 */
#ifndef _VGW_MAGLEV_SHARED_H
#define _VGW_MAGLEV_SHARED_H

#include <linux/types.h>

/* Host indices are 16 bits; 0xffff means "none". */
#define VGW_MAGLEV_NONE		0xffffu

/* Seeds of the two per-host hashes (any two distinct constants). */
#define VGW_MAGLEV_SEED_OFFSET	0x6d61676c65763031ULL	/* "maglev01" */
#define VGW_MAGLEV_SEED_SKIP	0x6d61676c65763032ULL	/* "maglev02" */

/* The fixed 64-bit hash of the owner table: FNV-1a, then fmix64. */
static inline __u64 vgw_maglev_hash(const void *data, unsigned long len,
				    __u64 seed)
{
	const unsigned char *p = (const unsigned char *)data;
	__u64 h = 0xcbf29ce484222325ULL ^ seed;	/* FNV-1a 64 basis */

	while (len--) {
		h ^= *p++;
		h *= 0x100000001b3ULL;			/* FNV-1a 64 prime */
	}
	/* FNV alone mixes the last bytes poorly. */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

/*
 * The slot of a flow hash: the two halves folded into 32 bits (a 32-bit hash,
 * as the module's vgw_flow_hash(), is used as it is), then scaled to
 * [0, size) by a multiply and a shift (Lemire's "fast range").
 */
static inline __u32 vgw_maglev_slot(__u64 hash, __u32 size)
{
	__u32 h = (__u32)(hash ^ (hash >> 32));

	return (__u32)(((__u64)h * size) >> 32);
}

/* Where a host's permutation starts and how it steps. */
struct vgw_maglev_perm {
	__u32 offset, skip;
};

static inline int vgw_maglev_is_prime(__u32 n)
{
	__u32 d;

	if (n < 2)
		return 0;
	for (d = 2; d <= n / d; d++)
		if (n % d == 0)
			return 0;
	return 1;
}

/* The permutation of host @id (@len bytes) in a table of @size slots. */
static inline void vgw_maglev_perm_of(const char *id, unsigned long len,
				      __u32 size, struct vgw_maglev_perm *p)
{
	p->offset = (__u32)(vgw_maglev_hash(id, len, VGW_MAGLEV_SEED_OFFSET) %
			    size);
	p->skip = (__u32)(vgw_maglev_hash(id, len, VGW_MAGLEV_SEED_SKIP) %
			  (size - 1)) + 1;
}

/*
 * Fill @table (@size slots) round-robin from the permutations @p of hosts
 * 0..n-1 (sorted by id), leaving out host @left_out (n or more: none). Host
 * indices are those of the full list. @pos is scratch for n positions. At
 * least one host must take part.
 */
static inline void vgw_maglev_populate(const struct vgw_maglev_perm *p,
				       __u32 n, __u32 left_out, __u32 *pos,
				       __u16 *table, __u32 size)
{
	__u32 i, c, filled = 0;

	for (i = 0; i < size; i++)
		table[i] = VGW_MAGLEV_NONE;
	for (i = 0; i < n; i++)
		pos[i] = p[i].offset;
	for (;;) {
		for (i = 0; i < n; i++) {
			if (i == left_out)
				continue;
			c = pos[i];
			while (table[c] != VGW_MAGLEV_NONE) {
				c += p[i].skip;
				if (c >= size)
					c -= size;
			}
			table[c] = (__u16)i;
			c += p[i].skip;
			pos[i] = c >= size ? c - size : c;
			if (++filled == size)
				return;
		}
	}
}

/*
 * The backups of host @x's slots: @without is the table built without @x
 * (vgw_maglev_populate(..., x, ...)); every slot @owner gives to @x gets, in
 * @backup, its owner in @without.
 */
static inline void vgw_maglev_backup_of(const __u16 *owner,
					const __u16 *without, __u16 x,
					__u16 *backup, __u32 size)
{
	__u32 s;

	for (s = 0; s < size; s++)
		if (owner[s] == x)
			backup[s] = without[s];
}

/* Fingerprints: the table as little-endian 16-bit values, any machine. */
static inline __u64 vgw_maglev_hash_table(const __u16 *t, __u32 size, __u64 h)
{
	unsigned char buf[512];
	__u32 i, k = 0;

	for (i = 0; i < size; i++) {
		buf[k++] = (unsigned char)t[i];
		buf[k++] = (unsigned char)(t[i] >> 8);
		if (k == sizeof(buf) || i == size - 1) {
			h = vgw_maglev_hash(buf, k, h);
			k = 0;
		}
	}
	return h;
}

/* The fingerprint's start: the size, then each sorted id with its NUL. */
static inline __u64 vgw_maglev_hash_size(__u32 size)
{
	unsigned char sz[4] = {
		(unsigned char)size, (unsigned char)(size >> 8),
		(unsigned char)(size >> 16), (unsigned char)(size >> 24),
	};

	return vgw_maglev_hash(sz, sizeof(sz), 0);
}

#endif /* _VGW_MAGLEV_SHARED_H */
