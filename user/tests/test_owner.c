// SPDX-License-Identifier: GPL-2.0
/*
 * The flow owner table (user/lib/owner.c): determinism, balance, minimal
 * disruption, backups under one and two failures, refusals, and agreement
 * with a naive transcription of rendezvous hashing (every host's weight
 * computed, the whole list sorted).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "owner.h"

#define M	VGW_OWNER_SIZE_DEFAULT

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* ids[i] = "hostNNNN" (i + first), in a caller-freed array. */
static char **make_ids(unsigned int n, unsigned int first)
{
	char **ids = calloc(n, sizeof(*ids));
	unsigned int i;

	for (i = 0; i < n; i++) {
		ids[i] = malloc(16);
		snprintf(ids[i], 16, "host%04u", i + first);
	}
	return ids;
}

static void free_ids(char **ids, unsigned int n)
{
	while (n--)
		free(ids[n]);
	free(ids);
}

static int build(char **ids, unsigned int n, unsigned int size,
		 struct vgw_owner_table *m)
{
	return vgw_owner_build((const char *const *)ids, n, size, m);
}

/* Slots whose owner differs, by id (indices differ between host sets). */
static unsigned int moved_slots(const struct vgw_owner_table *a,
				const struct vgw_owner_table *b)
{
	unsigned int s, moved = 0;

	for (s = 0; s < a->size; s++)
		if (strcmp(a->ids[a->owner[s]], b->ids[b->owner[s]]))
			moved++;
	return moved;
}

struct ranked {
	uint64_t w;
	unsigned int host;
};

/* Decreasing weight; a tie to the lower index. */
static int cmp_ranked(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->w != y->w)
		return x->w < y->w ? 1 : -1;
	return x->host < y->host ? -1 : x->host > y->host;
}

/*
 * The whole preference list of @slot over @sorted[0..n-1] (sorted ids), by
 * the definition: every host's weight, sorted. @list gets n host indices.
 */
static void naive_list(char **sorted, unsigned int n, unsigned int slot,
		       unsigned int *list)
{
	struct ranked *r = calloc(n, sizeof(*r));
	unsigned int i;

	for (i = 0; i < n; i++) {
		r[i].w = vgw_owner_weight(vgw_owner_seed(sorted[i], strlen(sorted[i])),
					  slot);
		r[i].host = i;
	}
	qsort(r, n, sizeof(*r), cmp_ranked);
	for (i = 0; i < n; i++)
		list[i] = r[i].host;
	free(r);
}

/* Whether @count slots of @size are a host's fair share of n: within 5 sigma. */
static int fair_share(unsigned int count, unsigned int size, unsigned int n)
{
	double p = 1.0 / n, d = count - size * p;

	return d * d <= 25 * size * p * (1 - p);	/* |d| <= 5 sigma */
}

TEST(same_hosts_in_any_order_give_the_same_table)
{
	const char *a[] = { "h2", "h1", "h3" }, *b[] = { "h3", "h2", "h1" };
	struct vgw_owner_table ma, mb;

	ASSERT_EQ(0, vgw_owner_build(a, 3, M, &ma));
	ASSERT_EQ(0, vgw_owner_build(b, 3, M, &mb));
	EXPECT_STREQ("h1", ma.ids[0]);
	EXPECT_STREQ("h3", ma.ids[2]);
	EXPECT_EQ(0, memcmp(ma.owner, mb.owner, M * sizeof(*ma.owner)));
	EXPECT_EQ(vgw_owner_fingerprint(&ma), vgw_owner_fingerprint(&mb));
	vgw_owner_free(&ma);
	vgw_owner_free(&mb);
}

/*
 * The table is part of the cluster's contract: a host running another build
 * must derive the same owners. These values pin the hash and the
 * population; changing them is a wire change.
 */
TEST(the_table_of_h1_h2_h3_is_pinned)
{
	const char *h[] = { "h1", "h2", "h3" };
	static const char first[] = "2022100101010201";
	struct vgw_owner_table m;
	char got[17];
	unsigned int s;

	ASSERT_EQ(0, vgw_owner_build(h, 3, M, &m));
	for (s = 0; s < 16; s++)
		got[s] = (char)('0' + m.owner[s]);
	got[16] = '\0';
	EXPECT_STREQ(first, got);
	EXPECT_EQ(0x90f47757d4b68ce8ULL, vgw_owner_fingerprint(&m));
	/* As the kernels and the agents compute it: with the backups. */
	ASSERT_EQ(0, vgw_owner_build_backup(&m));
	EXPECT_EQ(0x41ca76a7051629fcULL, vgw_owner_fingerprint(&m));
	ASSERT_EQ(0, vgw_owner_build_backups(&m, 2));
	EXPECT_EQ(0x2e7527d16fb17951ULL, vgw_owner_fingerprint(&m));
	vgw_owner_free(&m);
}

TEST(matches_the_definition_on_random_host_sets)
{
	static const unsigned int sizes[] = { 13, 251, 4099 };
	unsigned int round, n, size, slot, list[40];
	uint64_t seed = 42;
	struct vgw_owner_table m;
	char **ids;

	for (round = 0; round < 60; round++) {
		size = sizes[round % 3];
		n = 1 + (unsigned int)(splitmix(&seed) % (size < 40 ? size : 40));
		ids = make_ids(n, (unsigned int)(splitmix(&seed) % 5000));
		ASSERT_EQ(0, build(ids, n, size, &m));
		ASSERT_EQ(0, vgw_owner_build_backups(&m, 2));
		for (slot = 0; slot < size; slot++) {
			naive_list(m.ids, n, slot, list);
			ASSERT_EQ(list[0], m.owner[slot])
				TH_LOG("round %u: %u hosts, %u slots, slot %u", round, n, size, slot);
			ASSERT_EQ(n > 1 ? list[1] : VGW_OWNER_NONE, m.backup[slot])
				TH_LOG("round %u: %u hosts, %u slots, slot %u", round, n, size, slot);
			ASSERT_EQ(n > 2 ? list[2] : VGW_OWNER_NONE, m.backup2[slot])
				TH_LOG("round %u: %u hosts, %u slots, slot %u", round, n, size, slot);
		}
		vgw_owner_free(&m);
		free_ids(ids, n);
	}
}

/*
 * Every host gets its share of the slots: the count of a host is binomial
 * (M slots, 1/N each), so within 5 sigma of M/N; one host owns all.
 */
TEST(every_host_gets_its_share_of_slots)
{
	static const unsigned int ns[] = { 1, 2, 3, 7, 100, 1000 };
	unsigned int *count, k, i, s;
	struct vgw_owner_table m;
	char **ids;

	for (k = 0; k < sizeof(ns) / sizeof(ns[0]); k++) {
		ids = make_ids(ns[k], 0);
		ASSERT_EQ(0, build(ids, ns[k], M, &m));
		count = calloc(ns[k], sizeof(*count));
		for (s = 0; s < M; s++)
			count[m.owner[s]]++;
		for (i = 0; i < ns[k]; i++)
			EXPECT_TRUE(ns[k] == 1 ? count[i] == M : fair_share(count[i], M, ns[k]))
				TH_LOG("%u hosts: host %u has %u slots", ns[k], i, count[i]);
		free(count);
		vgw_owner_free(&m);
		free_ids(ids, ns[k]);
	}
}

TEST(flows_spread_evenly_over_three_hosts)
{
	const char *h[] = { "h1", "h2", "h3" };
	unsigned int count[3] = { 0 }, i;
	uint64_t seed = 7;
	struct vgw_owner_table m;

	ASSERT_EQ(0, vgw_owner_build(h, 3, M, &m));
	for (i = 0; i < 1000000; i++)
		count[vgw_owner_lookup(&m, splitmix(&seed))]++;
	for (i = 0; i < 3; i++) {
		/* 1/3 of 1M within 1%: far beyond the binomial noise (0.14%). */
		EXPECT_LT(abs((int)count[i] - 333333), 3333)
			TH_LOG("host %u has %u flows", i, count[i]);
	}
	vgw_owner_free(&m);
}

/*
 * A join moves only the slots the new host wins, and about 1/(N+1) of them
 * (within 1.5 times the ideal at any N: binomial noise); a leave moves the
 * leaver's slots and no other.
 */
static void join_leave(struct __test_metadata *_metadata, unsigned int n)
{
	struct vgw_owner_table before, joined, left;
	unsigned int moved, to_new = 0, of_leaver = 0, s;
	double ideal;
	char **ids = make_ids(n + 1, 0);

	ASSERT_EQ(0, build(ids, n, M, &before));
	ASSERT_EQ(0, build(ids, n + 1, M, &joined));
	moved = moved_slots(&before, &joined);
	for (s = 0; s < M; s++)
		to_new += !strcmp(joined.ids[joined.owner[s]], ids[n]);
	ideal = (double)M / (n + 1);
	TH_LOG("%u -> %u hosts: %u slots moved (ideal %.0f), %u to the new host",
	       n, n + 1, moved, ideal, to_new);
	EXPECT_EQ(to_new, moved);
	EXPECT_LE(moved, 1.5 * ideal);
	EXPECT_GE(moved, ideal / 1.5);

	/* Leave: host 0 of the n + 1 goes. */
	ASSERT_EQ(0, build(ids + 1, n, M, &left));
	moved = moved_slots(&joined, &left);
	for (s = 0; s < M; s++)
		of_leaver += !strcmp(joined.ids[joined.owner[s]], ids[0]);
	TH_LOG("%u -> %u hosts: %u slots moved (ideal %.0f), %u were the leaver's",
	       n + 1, n, moved, ideal, of_leaver);
	EXPECT_EQ(of_leaver, moved);
	EXPECT_LE(moved, 1.5 * ideal);
	vgw_owner_free(&before);
	vgw_owner_free(&joined);
	vgw_owner_free(&left);
	free_ids(ids, n + 1);
}

TEST(join_or_leave_of_one_host_moves_about_1_over_n_of_slots)
{
	join_leave(_metadata, 3);
	join_leave(_metadata, 10);
	join_leave(_metadata, 100);
	join_leave(_metadata, 1000);
}

/*
 * The backup of every slot differs from its owner and is the owner that the
 * table built without the owner gives the slot (rebuilt here independently,
 * from the shorter host list).
 */
TEST(backup_is_the_owner_after_the_owner_fails)
{
	struct vgw_owner_table m, w;
	unsigned int n = 5, x, s, i, checked = 0;
	char **ids = make_ids(n, 0), *rest[5];

	ASSERT_EQ(0, build(ids, n, M, &m));
	ASSERT_EQ(0, vgw_owner_build_backup(&m));
	for (s = 0; s < M; s++)
		ASSERT_NE(m.owner[s], m.backup[s]) TH_LOG("slot %u", s);
	for (x = 0; x < n; x++) {
		unsigned int k = 0;

		for (i = 0; i < n; i++)
			if (strcmp(ids[i], m.ids[x]))
				rest[k++] = ids[i];
		ASSERT_EQ(0, build(rest, n - 1, M, &w));
		for (s = 0; s < M; s++) {
			if (m.owner[s] != x)
				continue;
			ASSERT_STREQ(w.ids[w.owner[s]], m.ids[m.backup[s]]);
			checked++;
		}
		vgw_owner_free(&w);
	}
	EXPECT_EQ(M, checked);
	vgw_owner_free(&m);
	free_ids(ids, n);
}

/*
 * Two hosts fail at once: every slot goes to the first host of its list
 * (by the definition) that is still alive; so a slot whose owner and backup
 * both failed goes to its third, where a second backup would keep its state.
 */
TEST(two_failures_leave_each_slot_to_its_next_live_host)
{
	struct vgw_owner_table m, w;
	unsigned int n = 6, x, y, s, i, k, list[6], both;
	char **ids = make_ids(n, 0), *rest[6];

	ASSERT_EQ(0, build(ids, n, 4099, &m));
	ASSERT_EQ(0, vgw_owner_build_backups(&m, 2));
	for (x = 0; x < n; x++) {
		for (y = x + 1; y < n; y++) {
			for (i = 0, k = 0; i < n; i++)
				if (i != x && i != y)
					rest[k++] = m.ids[i];
			ASSERT_EQ(0, build(rest, n - 2, 4099, &w));
			both = 0;
			for (s = 0; s < 4099; s++) {
				naive_list(m.ids, n, s, list);
				for (i = 0; list[i] == x || list[i] == y; i++)
					;
				ASSERT_STREQ(m.ids[list[i]], w.ids[w.owner[s]])
					TH_LOG("%s and %s failed: slot %u", m.ids[x], m.ids[y], s);
				if ((m.owner[s] == x && m.backup[s] == y) ||
				    (m.owner[s] == y && m.backup[s] == x)) {
					/* Where the second backup kept the state. */
					ASSERT_STREQ(m.ids[m.backup2[s]], w.ids[w.owner[s]]);
					both++;
				}
			}
			/* Owner and backup are this pair for about 1/15 of the slots. */
			EXPECT_TRUE(fair_share(both, 4099, 15))
				TH_LOG("%s and %s: %u slots", m.ids[x], m.ids[y], both);
			vgw_owner_free(&w);
		}
	}
	vgw_owner_free(&m);
	free_ids(ids, n);
}

TEST(backups_spread_over_the_other_hosts)
{
	enum { n = 4 };
	unsigned int count[n][n] = { { 0 } }, s, a, b;
	char **ids = make_ids(n, 0);
	struct vgw_owner_table m;

	ASSERT_EQ(0, build(ids, n, M, &m));
	ASSERT_EQ(0, vgw_owner_build_backup(&m));
	for (s = 0; s < M; s++)
		count[m.owner[s]][m.backup[s]]++;
	/* Each owner's slots back up on each other host ~1/3 each (±5%). */
	for (a = 0; a < n; a++) {
		for (b = 0; b < n; b++) {
			int c = (int)count[a][b];

			if (a != b)
				EXPECT_LT(abs(c - (int)(M / 12)), M / 12 / 20)
					TH_LOG("owner %u backup %u: %d", a, b, c);
		}
	}
	vgw_owner_free(&m);
	free_ids(ids, n);
}

TEST(one_host_owns_everything_and_has_no_backup)
{
	const char *h[] = { "solo" };
	unsigned int pref[3], s;
	struct vgw_owner_table m;

	ASSERT_EQ(0, vgw_owner_build(h, 1, 13, &m));
	ASSERT_EQ(0, vgw_owner_build_backup(&m));
	for (s = 0; s < 13; s++)
		EXPECT_EQ(0, m.owner[s]);
	EXPECT_EQ(1, vgw_owner_pref(&m, 12345, pref));
	EXPECT_EQ(0, pref[0]);
	vgw_owner_free(&m);
}

TEST(pref_gives_owner_then_backup)
{
	const char *h[] = { "a", "b", "c" };
	unsigned int pref[3], i;
	uint64_t seed = 1, hash;
	struct vgw_owner_table m;

	ASSERT_EQ(0, vgw_owner_build(h, 3, M, &m));
	EXPECT_EQ(1, vgw_owner_pref(&m, 99, pref));	/* no backups yet */
	ASSERT_EQ(0, vgw_owner_build_backup(&m));
	for (i = 0; i < 1000; i++) {
		hash = splitmix(&seed);
		ASSERT_EQ(2, vgw_owner_pref(&m, hash, pref));
		EXPECT_EQ(vgw_owner_lookup(&m, hash), pref[0]);
		EXPECT_EQ(m.backup[vgw_owner_slot(hash, M)], pref[1]);
	}
	ASSERT_EQ(0, vgw_owner_build_backups(&m, 2));
	for (i = 0; i < 1000; i++) {
		hash = splitmix(&seed);
		ASSERT_EQ(3, vgw_owner_pref(&m, hash, pref));
		EXPECT_EQ(m.backup2[vgw_owner_slot(hash, M)], pref[2]);
		/* The three hosts, each once. */
		EXPECT_EQ(3, pref[0] + pref[1] + pref[2]);
		EXPECT_NE(pref[0], pref[1]);
	}
	EXPECT_EQ(-EINVAL, vgw_owner_build_backups(&m, 3));
	EXPECT_EQ(1, vgw_owner_find(&m, "b"));
	EXPECT_EQ(-1, vgw_owner_find(&m, "d"));
	vgw_owner_free(&m);
}

/*
 * A 32-bit hash (the kernel's flow hash) maps to slots by its value: every
 * slot is reached, in order; a 64-bit hash's upper half counts too.
 */
TEST(slot_scales_a_32_bit_hash_over_the_whole_table)
{
	unsigned int i;
	uint64_t h;

	for (i = 0; i < M; i++) {
		h = (((uint64_t)i << 32) + M - 1) / M;	/* ceil(i * 2^32 / M) */
		ASSERT_EQ(i, vgw_owner_slot(h, M));
	}
	EXPECT_EQ(M - 1, vgw_owner_slot(0xffffffffULL, M));
	EXPECT_NE(vgw_owner_slot(0x12345678ULL, M),
		  vgw_owner_slot(0x8000000012345678ULL, M));
}

TEST(refuses_bad_sizes_and_host_lists)
{
	const char *dup[] = { "a", "b", "a" }, *empty[] = { "a", "" };
	const char *two[] = { "a", "b" };
	struct vgw_owner_table m;

	EXPECT_EQ(-EINVAL, vgw_owner_build(two, 2, 65536, &m));	/* not prime */
	EXPECT_EQ(-EINVAL, vgw_owner_build(two, 2, 1, &m));
	EXPECT_EQ(-EINVAL, vgw_owner_build(dup, 3, 13, &m));
	EXPECT_EQ(-EINVAL, vgw_owner_build(empty, 2, 13, &m));
	EXPECT_EQ(-EINVAL, vgw_owner_build(two, 0, 13, &m));
	EXPECT_EQ(0, vgw_owner_build(two, 2, 3, &m));
	vgw_owner_free(&m);
	EXPECT_EQ(-EINVAL, vgw_owner_build(dup, 3, 2, &m));	/* more hosts than slots */
}

TEST(fingerprint_tells_tables_apart)
{
	const char *a[] = { "ab", "c" }, *b[] = { "a", "bc" }, *c[] = { "ab", "c" };
	struct vgw_owner_table ma, mb, mc;

	ASSERT_EQ(0, vgw_owner_build(a, 2, 13, &ma));
	ASSERT_EQ(0, vgw_owner_build(b, 2, 13, &mb));
	ASSERT_EQ(0, vgw_owner_build(c, 2, 17, &mc));
	EXPECT_NE(vgw_owner_fingerprint(&ma), vgw_owner_fingerprint(&mb));
	EXPECT_NE(vgw_owner_fingerprint(&ma), vgw_owner_fingerprint(&mc));
	vgw_owner_free(&ma);
	vgw_owner_free(&mb);
	vgw_owner_free(&mc);
}

TEST_HARNESS_MAIN
