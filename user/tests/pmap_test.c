// SPDX-License-Identifier: GPL-2.0
/*
 * kmod/pmap.c against a deliberately naive map (an array indexed by key), on
 * random operations: lookups, persistence of published snapshots during an
 * edit, abort, allocation failures, and resumable walks across changes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "kselftest_harness.h"
#include "pmap.h"

#define NKEYS 4096

struct ent {
	u64 key;
	u64 val;
};

/* The reference: present[k], value[k]. */
struct naive {
	bool present[NKEYS];
	u64 value[NKEYS];
	unsigned int count;
};

static u64 (*hash_of)(u64 key);

/* Values created by the current edit: the test frees them if it aborts. */
static struct ent *created[8192];
static unsigned int n_created;

static void abort_edit(struct vgw_pedit *e)
{
	vgw_pedit_abort(e);
	while (n_created)
		free(created[--n_created]);
}

static void commit_edit(struct vgw_pedit *e)
{
	vgw_pgarbage_free(vgw_pedit_commit(e));
	n_created = 0;
}

static u64 good_hash(u64 key)
{
	return vgw_hash64(&key, sizeof(key), 0);
}

/* Few distinct hashes: full 64-bit collisions and deep single-child paths. */
static u64 bad_hash(u64 key)
{
	return (key % 13) * 0x9e3779b97f4a7c15ULL;
}

static bool eq(const void *val, const void *key)
{
	return ((const struct ent *)val)->key == *(const u64 *)key;
}

static void ent_free(void *p)
{
	free(p);
}

static unsigned int seed_now(void)
{
	const char *s = getenv("PMAP_SEED");

	return s ? (unsigned int)strtoul(s, NULL, 0) : (unsigned int)time(NULL);
}

static u64 lookup(const struct vgw_pmap *m, u64 key, bool *found)
{
	struct ent *e = vgw_pmap_lookup(m, hash_of(key), eq, &key);

	*found = e != NULL;
	return e ? e->val : 0;
}

/* Every key answers as in @ref; returns the number of mismatches. */
static int mismatches(const struct vgw_pmap *m, const struct naive *ref)
{
	int bad = 0;
	u64 k, v;
	bool f;

	for (k = 0; k < NKEYS; k++) {
		v = lookup(m, k, &f);
		if (f != ref->present[k] || (f && v != ref->value[k]))
			bad++;
	}
	if (m->count != ref->count)
		bad++;
	return bad;
}

/* One random set or delete inside edit @e; mirrors it in @ref. */
static int random_op(struct vgw_pmap *m, struct vgw_pedit *e, struct naive *ref)
{
	u64 k = (u64)rand() % NKEYS;
	struct ent *n, *old;

	if (rand() % 3) {
		n = malloc(sizeof(*n));
		n->key = k;
		n->val = ((u64)rand() << 32) | (u64)rand();
		old = vgw_pmap_set(m, e, hash_of(k), eq, &k, n);
		if (IS_ERR(old)) {
			free(n);
			return PTR_ERR(old);
		}
		created[n_created++] = n;
		if (old)
			vgw_pedit_retire(e, old, ent_free);
		else
			ref->count++;
		ref->present[k] = true;
		ref->value[k] = n->val;
	} else {
		old = vgw_pmap_del(m, e, hash_of(k), eq, &k);
		if (IS_ERR(old))
			return PTR_ERR(old);
		if (old) {
			vgw_pedit_retire(e, old, ent_free);
			ref->count--;
		}
		ref->present[k] = false;
	}
	return 0;
}

/* Random edits, each checked for persistence of the published snapshot. */
static void random_edits(struct __test_metadata *_metadata, u64 (*h)(u64))
{
	static struct naive ref, pub_ref;
	struct vgw_pmap pub = { 0 }, m;
	struct vgw_pedit e;
	unsigned int seed = seed_now(), round, i;
	u64 id = 1;

	hash_of = h;
	srand(seed);
	memset(&ref, 0, sizeof(ref));
	TH_LOG("seed %u (PMAP_SEED=%u to repeat)", seed, seed);
	for (round = 0; round < 300; round++) {
		pub_ref = ref;
		m = pub;
		vgw_pedit_begin(&e, id++);
		for (i = rand() % 400; i; i--)
			ASSERT_EQ(0, random_op(&m, &e, &ref));
		/* The published map has not moved while the edit ran. */
		ASSERT_EQ(0, mismatches(&pub, &pub_ref));
		ASSERT_EQ(0, mismatches(&m, &ref));
		if (rand() % 5 == 0) {
			abort_edit(&e);
			ref = pub_ref;
			ASSERT_EQ(0, mismatches(&pub, &ref));
			continue;
		}
		pub = m;
		commit_edit(&e);
	}
	vgw_pmap_destroy(&pub, ent_free);
}

TEST(random_edits_match_naive_map)
{
	random_edits(_metadata, good_hash);
}

TEST(random_edits_with_colliding_hashes)
{
	random_edits(_metadata, bad_hash);
}

/* Every allocation of an edit may fail: the edit aborts, the map stays. */
TEST(allocation_failures_leave_the_published_map_intact)
{
	static struct naive ref, pub_ref;
	struct vgw_pmap pub = { 0 }, m;
	struct vgw_pedit e;
	unsigned int i, failures = 0;
	long k;
	int err;

	hash_of = good_hash;
	srand(1);
	memset(&ref, 0, sizeof(ref));
	vgw_pedit_begin(&e, 1);
	for (i = 0; i < 2000; i++)
		ASSERT_EQ(0, random_op(&pub, &e, &ref));
	commit_edit(&e);
	for (k = 0; k < 400; k++) {
		pub_ref = ref;
		m = pub;
		vgw_pedit_begin(&e, 2 + k);
		vgw_kshim_fail_after = k % 40;
		err = 0;
		for (i = 0; i < 200 && !err; i++)
			err = random_op(&m, &e, &ref);
		vgw_kshim_fail_after = -1;
		if (err) {
			ASSERT_EQ(-ENOMEM, err);
			failures++;
			abort_edit(&e);
			ref = pub_ref;
		} else {
			pub = m;
			commit_edit(&e);
		}
		ASSERT_EQ(0, mismatches(&pub, &ref));
	}
	EXPECT_GT(failures, 100);
	vgw_pmap_destroy(&pub, ent_free);
}

static int count_visit(void *val, void *arg)
{
	unsigned int *seen = arg;

	seen[((struct ent *)val)->key]++;
	return 0;
}

TEST(full_walk_visits_every_entry_once)
{
	static struct naive ref;
	static unsigned int seen[NKEYS];
	struct vgw_pmap m = { 0 };
	struct vgw_pmap_cursor c = VGW_PMAP_CURSOR_START;
	struct vgw_pedit e;
	unsigned int i, k;

	hash_of = bad_hash;
	srand(seed_now());
	memset(&ref, 0, sizeof(ref));
	vgw_pedit_begin(&e, 1);
	for (i = 0; i < 5000; i++)
		ASSERT_EQ(0, random_op(&m, &e, &ref));
	commit_edit(&e);
	ASSERT_EQ(0, vgw_pmap_walk(&m, &c, count_visit, seen));
	for (k = 0; k < NKEYS; k++)
		ASSERT_EQ(ref.present[k] ? 1U : 0U, seen[k]);
	vgw_pmap_destroy(&m, ent_free);
}

struct chunk_walk {
	unsigned int budget;	/* entries to take before stopping */
	unsigned int *seen;
	u64 stopped;		/* key of the entry the walk stopped at */
};

static int take_some(void *val, void *arg)
{
	struct chunk_walk *w = arg;

	if (!w->budget) {
		w->stopped = ((struct ent *)val)->key;
		return 1;	/* full: this entry comes again on resume */
	}
	w->budget--;
	w->seen[((struct ent *)val)->key]++;
	return 0;
}

/*
 * A dump in small pieces while the map changes between pieces (as netlink
 * dumps do): keys present throughout are seen exactly once, none twice.
 */
static void resumable_walk(struct __test_metadata *_metadata, u64 (*h)(u64),
			   bool change)
{
	static struct naive ref;
	static unsigned int seen[NKEYS];
	static bool stable[NKEYS];
	struct vgw_pmap m = { 0 }, n;
	struct vgw_pmap_cursor c = VGW_PMAP_CURSOR_START;
	struct chunk_walk w = { .seen = seen };
	struct vgw_pedit e;
	unsigned int i, k, pieces = 0, seed = seed_now();
	u64 id = 1;

	hash_of = h;
	srand(seed);
	TH_LOG("seed %u", seed);
	memset(&ref, 0, sizeof(ref));
	memset(seen, 0, sizeof(seen));
	vgw_pedit_begin(&e, id++);
	for (i = 0; i < 6000; i++)
		ASSERT_EQ(0, random_op(&m, &e, &ref));
	commit_edit(&e);
	for (k = 0; k < NKEYS; k++)
		stable[k] = ref.present[k];
	for (;;) {
		w.budget = 1 + rand() % 50;
		pieces++;
		if (!vgw_pmap_walk(&m, &c, take_some, &w))
			break;
		if (!change)
			continue;
		/* Change the map between pieces; keys touched are unstable. */
		n = m;
		vgw_pedit_begin(&e, id++);
		for (i = rand() % 20; i; i--) {
			ASSERT_EQ(0, random_op(&n, &e, &ref));
		}
		/* Often remove the very entry the cursor names. */
		if (rand() % 2) {
			struct ent *old = vgw_pmap_del(&n, &e, hash_of(w.stopped),
						       eq, &w.stopped);

			ASSERT_FALSE(IS_ERR(old));
			if (old) {
				vgw_pedit_retire(&e, old, ent_free);
				ref.present[w.stopped] = false;
				ref.count--;
			}
		}
		for (k = 0; k < NKEYS; k++)
			if (stable[k] && !ref.present[k])
				stable[k] = false;
		m = n;
		commit_edit(&e);
	}
	for (k = 0; k < NKEYS; k++) {
		ASSERT_LE(seen[k], 1U);
		if (stable[k])
			ASSERT_EQ(1U, seen[k]);
	}
	TH_LOG("%u pieces", pieces);
	vgw_pmap_destroy(&m, ent_free);
}

TEST(resumable_walk_across_changes)
{
	resumable_walk(_metadata, good_hash, true);
}

/*
 * Entries with equal 64-bit hashes are told apart by position only, so a walk
 * resumed across changes is exact for them only while the map holds still
 * (with real keys such hashes practically never occur; pmap.h says so).
 */
TEST(resumable_walk_with_colliding_hashes)
{
	resumable_walk(_metadata, bad_hash, false);
}

TEST(memory_per_entry_for_100k_entries)
{
	struct vgw_pmap m = { 0 };
	struct vgw_pedit e;
	static struct ent ents[100000];
	u64 k;

	vgw_pedit_begin(&e, 1);
	for (k = 0; k < 100000; k++) {
		ents[k].key = k;
		ASSERT_EQ(NULL, vgw_pmap_set(&m, &e, good_hash(k), eq, &k, &ents[k]));
	}
	commit_edit(&e);
	ASSERT_EQ(100000U, m.count);
	for (k = 0; k < 100000; k++)
		ASSERT_EQ(&ents[k], vgw_pmap_lookup(&m, good_hash(k), eq, &k));
	TH_LOG("%.1f bytes of nodes per entry", (double)vgw_pmap_mem(&m) / 1e5);
	/* 16-byte slots; doubling leaves at most 2x, plus node headers. */
	EXPECT_LT(vgw_pmap_mem(&m), 100000U * 48);
	vgw_pmap_destroy(&m, NULL);
}

TEST_HARNESS_MAIN
