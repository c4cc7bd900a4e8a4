/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cluster's flow owner table: Maglev consistent hashing (Eisenbud et al.,
 * "Maglev: A Fast and Reliable Software Network Load Balancer", NSDI 2016,
 * section 3.4) over the live hosts.
 *
 * Contract shared by every host (and the kernel, which builds its own from
 * the same vgw/maglev.h): the table is a pure function of the set of host ids and
 * the table size. The ids are sorted (strcmp) before anything else, each
 * host's permutation comes from a fixed hash of its id (vgw_maglev_hash(),
 * the same on every machine and architecture), and the population order is
 * the sorted order; so every host that sees the same live set derives the
 * same table, byte for byte, whatever order it learnt the ids in.
 *
 * Lookup: a flow's slot is vgw_maglev_slot(hash, size), its owner the host
 * at owner[slot]. Every host gets floor(M/N) or ceil(M/N) slots (Maglev's
 * round-robin population), so the owners are balanced to one slot.
 *
 * Preference list of a slot: owner, then backup. The backup is defined as
 * the owner of the same slot in the table built without the owner: it is
 * exactly the host that takes the flow over when the owner fails, so state
 * kept at the backup is already where the flow goes after a crash.
 */
#ifndef VGW_MAGLEV_H
#define VGW_MAGLEV_H

#include <stddef.h>
#include <stdint.h>

/* The hash, the slot, the permutations and the population: shared with the kernel. */
#include <vgw/maglev.h>

/*
 * The default table size: a prime (every permutation must be a full cycle),
 * well above 100 slots per host for clusters up to ~650 hosts, as the paper
 * advises for small disruption; tools/maglev-sim shows the effect of M.
 */
#define VGW_MAGLEV_SIZE_DEFAULT	65537u
/* Host indices are 16 bits; VGW_MAGLEV_NONE (0xffff) means "none". */
#define VGW_MAGLEV_MAX_HOSTS	65535u
/* Table sizes: primes up to 2^24 (16M slots, 32 MiB a table). */
#define VGW_MAGLEV_MAX_SIZE	(1u << 24)

struct vgw_maglev {
	unsigned int n;		/* hosts */
	unsigned int size;	/* M: slots, a prime >= n */
	char **ids;		/* the host ids, sorted; index = host index */
	uint16_t *owner;	/* [size] host index */
	/* [size] host index, VGW_MAGLEV_NONE if n == 1; NULL until built */
	uint16_t *backup;
};

/*
 * Build the owner table of hosts[0..n-1] (ids, any order, no duplicates,
 * 1 <= n <= min(size, VGW_MAGLEV_MAX_HOSTS)) with @size slots (a prime).
 * Returns 0, or -EINVAL (bad size, duplicate or empty id), -ENOMEM. *m is
 * filled (backup NULL); free with vgw_maglev_free().
 */
int vgw_maglev_build(const char *const *hosts, unsigned int n,
		     unsigned int size, struct vgw_maglev *m);
/*
 * Fill m->backup: one more table build per host (n builds of n - 1 hosts).
 * 0 or -ENOMEM.
 */
int vgw_maglev_build_backup(struct vgw_maglev *m);
void vgw_maglev_free(struct vgw_maglev *m);

/* The owner of a flow: a host index into m->ids. */
static inline unsigned int vgw_maglev_lookup(const struct vgw_maglev *m,
					     uint64_t hash)
{
	return m->owner[vgw_maglev_slot(hash, m->size)];
}

/*
 * The flow's preference list: pref[0] the owner, pref[1] the backup (needs
 * m->backup). Returns how many were written: 1 with a single host, else 2.
 */
unsigned int vgw_maglev_pref(const struct vgw_maglev *m, uint64_t hash,
			     unsigned int pref[2]);

/* The index of host @id, or -1. */
int vgw_maglev_find(const struct vgw_maglev *m, const char *id);

/*
 * A fingerprint of the whole table (size, ids, owners, and backups when
 * built): equal fingerprints mean equal tables, for logs and tests that
 * compare hosts.
 */
uint64_t vgw_maglev_fingerprint(const struct vgw_maglev *m);

#endif /* VGW_MAGLEV_H */
