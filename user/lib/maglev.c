// SPDX-License-Identifier: GPL-2.0
/*
 * Maglev consistent hashing: the cluster's flow owner table (maglev.h).
 *
 * Each host i has a permutation of the slots, (offset_i + j * skip_i) mod M
 * for j = 0, 1, ..., with offset and skip from two seeded hashes of its id;
 * M prime and 0 < skip < M make it visit every slot once. Population goes
 * round-robin over the hosts in sorted-id order: each host in turn takes the
 * next slot of its permutation that is still free, until the table is full.
 * A host's permutation does not depend on the others, which is why a change
 * of the live set moves few slots.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "maglev.h"

/* Seeds of the two per-host hashes (any two distinct constants). */
#define SEED_OFFSET	0x6d61676c65763031ULL	/* "maglev01" */
#define SEED_SKIP	0x6d61676c65763032ULL	/* "maglev02" */

uint64_t vgw_maglev_hash(const void *data, size_t len, uint64_t seed)
{
	const unsigned char *p = data;
	uint64_t h = 0xcbf29ce484222325ULL ^ seed;	/* FNV-1a 64 basis */

	while (len--) {
		h ^= *p++;
		h *= 0x100000001b3ULL;			/* FNV-1a 64 prime */
	}
	/* FNV alone mixes the last bytes poorly: finish with fmix64. */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

int vgw_maglev_is_prime(unsigned int n)
{
	unsigned int d;

	if (n < 2)
		return 0;
	for (d = 2; d <= n / d; d++)
		if (n % d == 0)
			return 0;
	return 1;
}

/* Where a host's permutation starts and how it steps. */
struct perm {
	uint32_t offset, skip;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Fill @table (size slots) round-robin from the permutations @p of hosts
 * 0..n-1, leaving out host @left_out (n or more: none). Host indices are
 * those of the full list, so a table without one host needs no remapping.
 * @pos is scratch space for n positions. At least one host must take part.
 */
static void populate(const struct perm *p, unsigned int n,
		     unsigned int left_out, uint32_t *pos, uint16_t *table,
		     unsigned int size)
{
	unsigned int i, filled = 0;
	uint32_t c;

	memset(table, 0xff, size * sizeof(*table));
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
			table[c] = (uint16_t)i;
			c += p[i].skip;
			pos[i] = c >= size ? c - size : c;
			if (++filled == size)
				return;
		}
	}
}

static void perms_of(const struct vgw_maglev *m, struct perm *p)
{
	unsigned int i;
	size_t len;

	for (i = 0; i < m->n; i++) {
		len = strlen(m->ids[i]);
		p[i].offset = (uint32_t)(vgw_maglev_hash(m->ids[i], len,
							 SEED_OFFSET) % m->size);
		p[i].skip = (uint32_t)(vgw_maglev_hash(m->ids[i], len,
						       SEED_SKIP) % (m->size - 1)) + 1;
	}
}

/* Copy and sort the ids; refuse empty ones and duplicates. */
static int copy_ids(const char *const *hosts, unsigned int n,
		    struct vgw_maglev *m)
{
	unsigned int i;

	m->ids = calloc(n, sizeof(*m->ids));
	if (!m->ids)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (!hosts[i] || !*hosts[i])
			return -EINVAL;
		m->ids[i] = strdup(hosts[i]);
		if (!m->ids[i])
			return -ENOMEM;
	}
	qsort(m->ids, n, sizeof(*m->ids), cmp_str);
	for (i = 1; i < n; i++)
		if (!strcmp(m->ids[i - 1], m->ids[i]))
			return -EINVAL;
	return 0;
}

/* Permutations and scratch for a build of m's hosts. */
static int alloc_perms(const struct vgw_maglev *m, struct perm **p,
		       uint32_t **pos)
{
	*p = calloc(m->n, sizeof(**p));
	*pos = calloc(m->n, sizeof(**pos));
	if (!*p || !*pos) {
		free(*p);
		free(*pos);
		return -ENOMEM;
	}
	perms_of(m, *p);
	return 0;
}

int vgw_maglev_build(const char *const *hosts, unsigned int n,
		     unsigned int size, struct vgw_maglev *m)
{
	struct perm *p;
	uint32_t *pos;
	int err;

	memset(m, 0, sizeof(*m));
	if (!n || n > VGW_MAGLEV_MAX_HOSTS || n > size ||
	    size > VGW_MAGLEV_MAX_SIZE || !vgw_maglev_is_prime(size))
		return -EINVAL;
	m->n = n;
	m->size = size;
	err = copy_ids(hosts, n, m);
	if (!err) {
		m->owner = malloc(size * sizeof(*m->owner));
		err = m->owner ? alloc_perms(m, &p, &pos) : -ENOMEM;
	}
	if (err) {
		vgw_maglev_free(m);
		return err;
	}
	populate(p, n, n, pos, m->owner, size);
	free(p);
	free(pos);
	return 0;
}

int vgw_maglev_build_backup(struct vgw_maglev *m)
{
	uint16_t *without;
	struct perm *p;
	uint32_t *pos;
	unsigned int x, s;

	free(m->backup);
	m->backup = malloc(m->size * sizeof(*m->backup));
	if (!m->backup)
		return -ENOMEM;
	if (m->n == 1) {
		memset(m->backup, 0xff, m->size * sizeof(*m->backup));
		return 0;
	}
	without = malloc(m->size * sizeof(*without));
	if (!without || alloc_perms(m, &p, &pos)) {
		free(without);
		free(m->backup);
		m->backup = NULL;
		return -ENOMEM;
	}
	/* Slots of host x go, in the table without x, to their backup. */
	for (x = 0; x < m->n; x++) {
		populate(p, m->n, x, pos, without, m->size);
		for (s = 0; s < m->size; s++)
			if (m->owner[s] == x)
				m->backup[s] = without[s];
	}
	free(without);
	free(p);
	free(pos);
	return 0;
}

void vgw_maglev_free(struct vgw_maglev *m)
{
	unsigned int i;

	if (m->ids)
		for (i = 0; i < m->n; i++)
			free(m->ids[i]);
	free(m->ids);
	free(m->owner);
	free(m->backup);
	memset(m, 0, sizeof(*m));
}

unsigned int vgw_maglev_pref(const struct vgw_maglev *m, uint64_t hash,
			     unsigned int pref[2])
{
	unsigned int slot = vgw_maglev_slot(hash, m->size);

	pref[0] = m->owner[slot];
	if (!m->backup || m->backup[slot] == VGW_MAGLEV_NONE)
		return 1;
	pref[1] = m->backup[slot];
	return 2;
}

int vgw_maglev_find(const struct vgw_maglev *m, const char *id)
{
	char *const *hit = bsearch(&id, m->ids, m->n, sizeof(*m->ids), cmp_str);

	return hit ? (int)(hit - m->ids) : -1;
}

/* Hash a table as little-endian 16-bit values, whatever the machine. */
static uint64_t hash_table(const uint16_t *t, unsigned int size, uint64_t h)
{
	unsigned char buf[512];
	unsigned int i, k = 0;

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

uint64_t vgw_maglev_fingerprint(const struct vgw_maglev *m)
{
	unsigned char sz[4] = {
		(unsigned char)m->size, (unsigned char)(m->size >> 8),
		(unsigned char)(m->size >> 16), (unsigned char)(m->size >> 24),
	};
	uint64_t h = vgw_maglev_hash(sz, sizeof(sz), 0);
	unsigned int i;

	/* The NUL separates the ids: ("ab","c") differs from ("a","bc"). */
	for (i = 0; i < m->n; i++)
		h = vgw_maglev_hash(m->ids[i], strlen(m->ids[i]) + 1, h);
	h = hash_table(m->owner, m->size, h);
	if (m->backup)
		h = hash_table(m->backup, m->size, h);
	return h;
}
