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

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void perms_of(const struct vgw_maglev *m, struct vgw_maglev_perm *p)
{
	unsigned int i;

	for (i = 0; i < m->n; i++)
		vgw_maglev_perm_of(m->ids[i], strlen(m->ids[i]), m->size, &p[i]);
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
static int alloc_perms(const struct vgw_maglev *m, struct vgw_maglev_perm **p,
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
	struct vgw_maglev_perm *p;
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
	vgw_maglev_populate(p, n, n, pos, m->owner, size);
	free(p);
	free(pos);
	return 0;
}

int vgw_maglev_build_backup(struct vgw_maglev *m)
{
	uint16_t *without;
	struct vgw_maglev_perm *p;
	uint32_t *pos;
	unsigned int x;

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
		vgw_maglev_populate(p, m->n, x, pos, without, m->size);
		vgw_maglev_backup_of(m->owner, without, (uint16_t)x, m->backup,
				     m->size);
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

uint64_t vgw_maglev_fingerprint(const struct vgw_maglev *m)
{
	uint64_t h = vgw_maglev_hash_size(m->size);
	unsigned int i;

	/* The NUL separates the ids: ("ab","c") differs from ("a","bc"). */
	for (i = 0; i < m->n; i++)
		h = vgw_maglev_hash(m->ids[i], strlen(m->ids[i]) + 1, h);
	h = vgw_maglev_hash_table(m->owner, m->size, h);
	if (m->backup)
		h = vgw_maglev_hash_table(m->backup, m->size, h);
	return h;
}
