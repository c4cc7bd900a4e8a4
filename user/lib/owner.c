// SPDX-License-Identifier: GPL-2.0
/*
 * The cluster's flow owner table (owner.h): rendezvous hashing over the
 * slots, with the definition shared with the kernel (vgw/owner.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "owner.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Copy and sort the ids; refuse empty ones and duplicates. */
static int copy_ids(const char *const *hosts, unsigned int n,
		    struct vgw_owner_table *m)
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

/* The hosts' seeds, in sorted-id order. */
static __u64 *seeds_of(const struct vgw_owner_table *m)
{
	__u64 *seed = calloc(m->n, sizeof(*seed));
	unsigned int i;

	for (i = 0; seed && i < m->n; i++)
		seed[i] = vgw_owner_seed(m->ids[i], strlen(m->ids[i]));
	return seed;
}

/* Fill m->owner and the backups (allocated) as far as @backups says. */
static int populate(struct vgw_owner_table *m, unsigned int backups)
{
	uint16_t *rank[VGW_OWNER_RANKS] = { m->owner, m->backup, m->backup2 };
	__u64 *seed = seeds_of(m);

	if (!seed)
		return -ENOMEM;
	vgw_owner_populate(seed, m->n, 0, m->size, rank, 1 + backups);
	free(seed);
	return 0;
}

int vgw_owner_build(const char *const *hosts, unsigned int n,
		    unsigned int size, struct vgw_owner_table *m)
{
	int err;

	memset(m, 0, sizeof(*m));
	if (!n || n > VGW_OWNER_MAX_HOSTS || n > size ||
	    size > VGW_OWNER_MAX_SIZE || !vgw_owner_is_prime(size))
		return -EINVAL;
	m->n = n;
	m->size = size;
	err = copy_ids(hosts, n, m);
	if (!err) {
		m->owner = malloc(size * sizeof(*m->owner));
		err = m->owner ? populate(m, 0) : -ENOMEM;
	}
	if (err)
		vgw_owner_free(m);
	return err;
}

int vgw_owner_build_backups(struct vgw_owner_table *m, unsigned int backups)
{
	if (backups < 1 || backups > VGW_OWNER_RANKS - 1)
		return -EINVAL;
	free(m->backup);
	free(m->backup2);
	m->backup2 = NULL;
	m->backup = malloc(m->size * sizeof(*m->backup));
	if (m->backup && backups == 2)
		m->backup2 = malloc(m->size * sizeof(*m->backup2));
	if (!m->backup || (backups == 2 && !m->backup2) || populate(m, backups)) {
		free(m->backup);
		free(m->backup2);
		m->backup = m->backup2 = NULL;
		return -ENOMEM;
	}
	return 0;
}

int vgw_owner_build_backup(struct vgw_owner_table *m)
{
	return vgw_owner_build_backups(m, 1);
}

void vgw_owner_free(struct vgw_owner_table *m)
{
	unsigned int i;

	if (m->ids)
		for (i = 0; i < m->n; i++)
			free(m->ids[i]);
	free(m->ids);
	free(m->owner);
	free(m->backup);
	free(m->backup2);
	memset(m, 0, sizeof(*m));
}

unsigned int vgw_owner_pref(const struct vgw_owner_table *m, uint64_t hash,
			    unsigned int pref[3])
{
	unsigned int slot = vgw_owner_slot(hash, m->size), n = 1;

	pref[0] = m->owner[slot];
	if (m->backup && m->backup[slot] != VGW_OWNER_NONE) {
		pref[n++] = m->backup[slot];
		if (m->backup2 && m->backup2[slot] != VGW_OWNER_NONE)
			pref[n++] = m->backup2[slot];
	}
	return n;
}

void vgw_owner_table_name(unsigned int size, unsigned int backups, char *buf,
			  size_t len)
{
	snprintf(buf, len, "%s/%u/%u", VGW_OWNER_SCHEME, size, backups);
}

int vgw_owner_find(const struct vgw_owner_table *m, const char *id)
{
	char *const *hit = bsearch(&id, m->ids, m->n, sizeof(*m->ids), cmp_str);

	return hit ? (int)(hit - m->ids) : -1;
}

uint64_t vgw_owner_fingerprint(const struct vgw_owner_table *m)
{
	uint64_t h = vgw_owner_hash_size(m->size);
	unsigned int i;

	/* The NUL separates the ids: ("ab","c") differs from ("a","bc"). */
	for (i = 0; i < m->n; i++)
		h = vgw_owner_hash(m->ids[i], strlen(m->ids[i]) + 1, h);
	h = vgw_owner_hash_table(m->owner, m->size, h);
	if (m->backup)
		h = vgw_owner_hash_table(m->backup, m->size, h);
	if (m->backup2)
		h = vgw_owner_hash_table(m->backup2, m->size, h);
	return h;
}
