/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cluster's flow owner table: rendezvous hashing over a fixed number of
 * slots (vgw/owner.h holds the definition, shared with the kernel).
 *
 * Contract shared by every host (and the kernel, which builds its own from
 * the same vgw/owner.h): the table is a pure function of the set of host ids
 * and the table size. The ids are sorted (strcmp) before anything else, each
 * host's seed comes from a fixed hash of its id (vgw_owner_hash(), the same
 * on every machine and architecture), and ties go to the smaller id; so every
 * host that sees the same live set derives the same table, byte for byte,
 * whatever order it learnt the ids in.
 *
 * Lookup: a flow's slot is vgw_owner_slot(hash, size), its owner the host at
 * owner[slot]: the host of the highest weight for that slot. A join moves
 * only the slots the new host wins (1/(N+1) of them); a leave moves only the
 * leaver's.
 *
 * Preference list of a slot: owner, then backup, the host of the second
 * weight. Taking the owner out of the set leaves the rest of the list as it
 * is, so the backup is exactly the host that takes the flow over when the
 * owner fails, and state kept at the backup is already where the flow goes
 * after a crash.
 */
#ifndef VGW_OWNER_H
#define VGW_OWNER_H

#include <stddef.h>
#include <stdint.h>

/* The hash, the slot, the weights and the population: shared with the kernel. */
#include <vgw/owner.h>

/*
 * The default table size (a prime: vgw_owner_is_prime()). The slots a host
 * owns vary by about 1/sqrt(M/N) of its share: a few percent up to ~100
 * hosts; tools/owner-sim prints the spread for bigger clusters and tables.
 */
#define VGW_OWNER_SIZE_DEFAULT	65537u
/* Host indices are 16 bits; VGW_OWNER_NONE (0xffff) means "none". */
#define VGW_OWNER_MAX_HOSTS	65535u
/* Table sizes: primes up to 2^24 (16M slots, 32 MiB a table). */
#define VGW_OWNER_MAX_SIZE	(1u << 24)

struct vgw_owner_table {
	unsigned int n;		/* hosts */
	unsigned int size;	/* M: slots, a prime >= n */
	char **ids;		/* the host ids, sorted; index = host index */
	uint16_t *owner;	/* [size] host index */
	/* [size] host index, VGW_OWNER_NONE if n == 1; NULL until built */
	uint16_t *backup;
	/* [size] the second backups (VGW_OWNER_NONE if n <= 2); NULL unless built */
	uint16_t *backup2;
};

/*
 * Build the owner table of hosts[0..n-1] (ids, any order, no duplicates,
 * 1 <= n <= min(size, VGW_OWNER_MAX_HOSTS)) with @size slots (a prime).
 * Returns 0, or -EINVAL (bad size, duplicate or empty id), -ENOMEM. *m is
 * filled (backup NULL); free with vgw_owner_free().
 */
int vgw_owner_build(const char *const *hosts, unsigned int n,
		     unsigned int size, struct vgw_owner_table *m);
/*
 * Fill m->backup and, with @backups 2, m->backup2 (the second and third of
 * each slot's list; backups 1 frees backup2). 0, -EINVAL or -ENOMEM.
 */
int vgw_owner_build_backups(struct vgw_owner_table *m, unsigned int backups);
/* The same with one backup. */
int vgw_owner_build_backup(struct vgw_owner_table *m);
void vgw_owner_free(struct vgw_owner_table *m);

/* The owner of a flow: a host index into m->ids. */
static inline unsigned int vgw_owner_lookup(const struct vgw_owner_table *m,
					     uint64_t hash)
{
	return m->owner[vgw_owner_slot(hash, m->size)];
}

/*
 * The flow's preference list as far as built: pref[0] the owner, pref[1]
 * the backup (with m->backup), pref[2] the second backup (with m->backup2).
 * Returns how many were written (fewer with fewer hosts).
 */
unsigned int vgw_owner_pref(const struct vgw_owner_table *m, uint64_t hash,
			     unsigned int pref[3]);

/*
 * The name of the table this build makes with @size slots and @backups
 * backups ("rendezvous/65537/1"): what the members' keys say, so that the
 * agents see a member that builds another.
 */
#define VGW_OWNER_SCHEME	"rendezvous"
void vgw_owner_table_name(unsigned int size, unsigned int backups, char *buf,
			  size_t len);

/* The index of host @id, or -1. */
int vgw_owner_find(const struct vgw_owner_table *m, const char *id);

/*
 * A fingerprint of the whole table (size, ids, owners, and backups as far
 * as built): equal fingerprints mean equal tables, for logs and tests that
 * compare hosts.
 */
uint64_t vgw_owner_fingerprint(const struct vgw_owner_table *m);

#endif /* VGW_OWNER_H */
