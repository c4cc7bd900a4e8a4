// SPDX-License-Identifier: GPL-2.0
/*
 * kmod/lpm.c against a deliberately naive reference (a linear scan that
 * compares bit by bit, user/fuzz/algo_ref.h) on random route sets, plus the
 * edge cases of the contract in kmod/lpm.h.
 *
 * Random tests print their seed; VGW_SEED=<n> replays a run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "kselftest_harness.h"
#include "lpm.h"
#include "rules.h"
#include "../fuzz/algo_ref.h"

/* ---- randomness -------------------------------------------------------------- */

static uint64_t rng_state;

static uint64_t rnd64(void)
{
	/* splitmix64 */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned int rnd(unsigned int n)
{
	return n ? rnd64() % n : 0;
}

/* A TAP comment; flushed, since the harness ends each test with _exit(). */
#define note(fmt, ...) do {					\
		printf("# " fmt "\n", ##__VA_ARGS__);		\
		fflush(stdout);					\
	} while (0)

/* Seeds the generator from VGW_SEED or the clock, and says which. */
static void seed(const char *test)
{
	const char *env = getenv("VGW_SEED");
	uint64_t s = env ? strtoull(env, NULL, 0) :
		     (uint64_t)time(NULL) * 1000003 ^ getpid();

	rng_state = s;
	note("%s: seed %llu (replay with VGW_SEED=%llu)", test,
	     (unsigned long long)s, (unsigned long long)s);
}

/* ---- route sets -------------------------------------------------------------- */

static unsigned int fam_bits(uint8_t family)
{
	return family == AF_INET ? 32 : 128;
}

static void clear_host_bits(uint8_t *a, unsigned int plen, unsigned int bits)
{
	unsigned int i;

	for (i = plen; i < bits; i++)
		a[i / 8] &= ~(0x80 >> (i % 8));
}

static void random_bits(uint8_t *a, unsigned int from, unsigned int bits)
{
	unsigned int i;

	for (i = from; i < bits; i++) {
		if (rnd(2))
			a[i / 8] |= 0x80 >> (i % 8);
		else
			a[i / 8] &= ~(0x80 >> (i % 8));
	}
}

/* Favours the lengths where the trie changes node: 0, 6k +- 1, the maximum. */
static unsigned int random_plen(unsigned int bits)
{
	static const unsigned int edge[] = { 0, 1, 5, 6, 7, 11, 12, 13, 23, 24,
					     25, 30, 31, 32, 47, 48, 63, 64,
					     65, 95, 96, 126, 127, 128 };
	unsigned int p;

	if (rnd(3) == 0) {
		do
			p = edge[rnd(ARRAY_SIZE(edge))];
		while (p > bits);
		return p;
	}
	return rnd(bits + 1);
}

/*
 * A random route; nested under an earlier one of @r[0..n) most of the
 * time, so that sets have deep chains of more specific prefixes.
 */
static void random_route(struct vgw_lpm_route *out, const struct vgw_lpm_route *r,
			 unsigned int n, uint8_t family, unsigned int nvalues)
{
	unsigned int bits = fam_bits(family), base;

	memset(out, 0, sizeof(*out));
	out->family = family;
	out->value = nvalues ? rnd(nvalues) : (uint32_t)rnd64();
	if (n && rnd(4)) {
		base = rnd(n);
		if (r[base].family == family) {
			memcpy(out->addr, r[base].addr, 16);
			out->plen = r[base].plen + rnd(bits - r[base].plen + 1);
			if (rnd(2) && r[base].plen < bits) /* just below */
				out->plen = r[base].plen + 1 + rnd(3);
			if (out->plen > bits)
				out->plen = bits;
			random_bits(out->addr, r[base].plen, bits);
			clear_host_bits(out->addr, out->plen, bits);
			return;
		}
	}
	random_bits(out->addr, 0, bits);
	out->plen = random_plen(bits);
	clear_host_bits(out->addr, out->plen, bits);
}

static int route_cmp(const void *a, const void *b)
{
	const struct vgw_lpm_route *x = a, *y = b;

	if (x->family != y->family)
		return x->family - y->family;
	if (x->plen != y->plen)
		return x->plen - y->plen;
	return memcmp(x->addr, y->addr, 16);
}

/*
 * @n random routes of @families (AF_INET, AF_INET6 or 0 for both), without
 * duplicate prefixes, in random order. Returns how many there are.
 */
static unsigned int random_routes(struct vgw_lpm_route *r, unsigned int n,
				  int families, unsigned int nvalues)
{
	unsigned int i, m = 0;
	struct vgw_lpm_route tmp;
	uint8_t f;

	for (i = 0; i < n; i++) {
		f = families ? families : rnd(2) ? AF_INET : AF_INET6;
		random_route(&r[i], r, i, f, nvalues);
	}
	qsort(r, n, sizeof(*r), route_cmp);
	for (i = 0; i < n; i++)
		if (!m || route_cmp(&r[m - 1], &r[i]))
			r[m++] = r[i];
	for (i = m; i > 1; i--) {	/* shuffle: build must not need order */
		unsigned int j = rnd(i);

		tmp = r[i - 1];
		r[i - 1] = r[j];
		r[j] = tmp;
	}
	return m;
}

static void set_host_bits(uint8_t *a, unsigned int plen, unsigned int bits)
{
	unsigned int i;

	for (i = plen; i < bits; i++)
		a[i / 8] |= 0x80 >> (i % 8);
}

/* Add @delta (+1 or -1) to the address as a big-endian integer of @bits. */
static void addr_step(uint8_t *a, unsigned int bits, int delta)
{
	int i;

	for (i = bits / 8 - 1; i >= 0; i--) {
		a[i] += delta;
		if ((delta > 0 && a[i] != 0) || (delta < 0 && a[i] != 0xff))
			break;
	}
}

/*
 * An address to look up: random, or inside, at the edges of, or just
 * outside one of the routes.
 */
static uint8_t random_lookup_addr(uint8_t *a, const struct vgw_lpm_route *r,
				  unsigned int n, int families)
{
	const struct vgw_lpm_route *x;
	unsigned int bits;
	uint8_t f;

	memset(a, 0, 16);
	if (!n || rnd(4) == 0) {
		f = families ? families : rnd(2) ? AF_INET : AF_INET6;
		random_bits(a, 0, fam_bits(f));
		return f;
	}
	x = &r[rnd(n)];
	bits = fam_bits(x->family);
	memcpy(a, x->addr, 16);
	switch (rnd(5)) {
	case 0:			/* first address */
		break;
	case 1:			/* last address */
		set_host_bits(a, x->plen, bits);
		break;
	case 2:			/* just before */
		addr_step(a, bits, -1);
		break;
	case 3:			/* just after */
		set_host_bits(a, x->plen, bits);
		addr_step(a, bits, +1);
		break;
	default:		/* anywhere inside */
		random_bits(a, x->plen, bits);
	}
	return x->family;
}

/* Looks @a up in @t and in the reference; true when they agree. */
static bool agrees(const struct vgw_lpm *t, const struct vgw_lpm_route *r,
		   unsigned int n, uint8_t family, const uint8_t *a)
{
	uint32_t got = 0xdeadbeef, want = 0xdeadbeef;
	bool g, w;
	__be32 a4;

	w = ref_lpm_lookup(r, n, family, a, &want);
	if (family == AF_INET) {
		memcpy(&a4, a, 4);
		g = vgw_lpm_lookup4(t, a4, &got);
	} else {
		g = vgw_lpm_lookup6(t, a, &got);
	}
	if (g != w || got != want) {
		char s[INET6_ADDRSTRLEN];

		inet_ntop(family, a, s, sizeof(s));
		note("lookup %s: lpm %s %u, reference %s %u", s,
		       g ? "match" : "none", got, w ? "match" : "none", want);
		return false;
	}
	return true;
}

/* Builds @r, then checks @lookups addresses against the reference. */
static bool check_table(struct vgw_lpm_route *r, unsigned int n, int families,
			unsigned int lookups)
{
	struct vgw_lpm *t = vgw_lpm_build(r, n, GFP_KERNEL);
	uint8_t a[16], f;
	unsigned int i;
	bool ok = true;

	if (IS_ERR(t)) {
		note("build of %u routes: error %ld", n, PTR_ERR(t));
		return false;
	}
	for (i = 0; i < lookups && ok; i++) {
		f = random_lookup_addr(a, r, n, families);
		ok = agrees(t, r, n, f, a);
	}
	/* Every route's own first and last address, too. */
	for (i = 0; i < n && ok; i++) {
		memcpy(a, r[i].addr, 16);
		ok = agrees(t, r, n, r[i].family, a);
		random_bits(a, r[i].plen, fam_bits(r[i].family));
		ok = ok && agrees(t, r, n, r[i].family, a);
	}
	vgw_lpm_free(t);
	return ok;
}

static struct vgw_lpm_route route(const char *cidr, uint32_t value)
{
	struct vgw_lpm_route r = { .value = value };
	char buf[64], *slash;

	snprintf(buf, sizeof(buf), "%s", cidr);
	slash = strchr(buf, '/');
	*slash = 0;
	r.plen = atoi(slash + 1);
	r.family = strchr(buf, ':') ? AF_INET6 : AF_INET;
	inet_pton(r.family, buf, r.addr);
	return r;
}

/* -1: no route; else the value. */
static long look(const struct vgw_lpm *t, const char *addr)
{
	uint8_t a[16];
	uint32_t v;
	__be32 a4;

	if (strchr(addr, ':')) {
		inet_pton(AF_INET6, addr, a);
		return vgw_lpm_lookup6(t, a, &v) ? (long)v : -1;
	}
	inet_pton(AF_INET, addr, &a4);
	return vgw_lpm_lookup4(t, a4, &v) ? (long)v : -1;
}

/* ---- edge cases ----------------------------------------------------------- */

TEST(empty_table_matches_nothing_in_either_family)
{
	struct vgw_lpm *t = vgw_lpm_build(NULL, 0, GFP_KERNEL);

	ASSERT_FALSE(IS_ERR(t));
	EXPECT_EQ(-1, look(t, "0.0.0.0"));
	EXPECT_EQ(-1, look(t, "255.255.255.255"));
	EXPECT_EQ(-1, look(t, "::"));
	EXPECT_EQ(-1, look(t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
	EXPECT_GE(256, vgw_lpm_mem(t));
	vgw_lpm_free(t);
}

TEST(default_routes_are_per_family)
{
	struct vgw_lpm_route r[] = { route("0.0.0.0/0", 4) };
	struct vgw_lpm_route r6[] = { route("::/0", 6), route("0.0.0.0/0", 4) };
	struct vgw_lpm *t = vgw_lpm_build(r, 1, GFP_KERNEL);

	ASSERT_FALSE(IS_ERR(t));
	EXPECT_EQ(4, look(t, "0.0.0.0"));
	EXPECT_EQ(4, look(t, "203.0.113.9"));
	EXPECT_EQ(4, look(t, "255.255.255.255"));
	EXPECT_EQ(-1, look(t, "::"));
	EXPECT_EQ(-1, look(t, "2001:db8::1"));
	vgw_lpm_free(t);

	t = vgw_lpm_build(r6, 1, GFP_KERNEL);
	ASSERT_FALSE(IS_ERR(t));
	EXPECT_EQ(-1, look(t, "10.0.0.1"));
	EXPECT_EQ(6, look(t, "2001:db8::1"));
	EXPECT_EQ(6, look(t, "::ffff:10.0.0.1"));
	vgw_lpm_free(t);

	t = vgw_lpm_build(r6, 2, GFP_KERNEL);
	ASSERT_FALSE(IS_ERR(t));
	EXPECT_EQ(4, look(t, "10.0.0.1"));
	EXPECT_EQ(6, look(t, "::"));
	vgw_lpm_free(t);
}

TEST(most_specific_prefix_wins)
{
	struct vgw_lpm_route r[] = {
		route("10.1.2.3/32", 4), route("10.0.0.0/8", 1),
		route("10.1.2.0/24", 3), route("10.1.0.0/16", 2),
		route("10.1.2.2/31", 5), route("0.0.0.0/0", 9),
		route("2001:db8::/32", 61), route("2001:db8:1::/48", 62),
		route("2001:db8:1:2::/64", 63), route("2001:db8:1:2::7/128", 64),
	};
	struct vgw_lpm *t = vgw_lpm_build(r, ARRAY_SIZE(r), GFP_KERNEL);

	ASSERT_FALSE(IS_ERR(t));
	EXPECT_EQ(9, look(t, "11.0.0.0"));
	EXPECT_EQ(9, look(t, "9.255.255.255"));
	EXPECT_EQ(1, look(t, "10.0.0.0"));
	EXPECT_EQ(1, look(t, "10.255.255.255"));
	EXPECT_EQ(2, look(t, "10.1.255.255"));
	EXPECT_EQ(3, look(t, "10.1.2.1"));
	EXPECT_EQ(5, look(t, "10.1.2.2"));
	EXPECT_EQ(4, look(t, "10.1.2.3"));
	EXPECT_EQ(3, look(t, "10.1.2.4"));
	EXPECT_EQ(3, look(t, "10.1.2.255"));
	EXPECT_EQ(2, look(t, "10.1.3.0"));
	EXPECT_EQ(-1, look(t, "2001:db9::"));
	EXPECT_EQ(61, look(t, "2001:db8:ffff::1"));
	EXPECT_EQ(62, look(t, "2001:db8:1:ffff::"));
	EXPECT_EQ(63, look(t, "2001:db8:1:2::6"));
	EXPECT_EQ(64, look(t, "2001:db8:1:2::7"));
	EXPECT_EQ(63, look(t, "2001:db8:1:2::8"));
	EXPECT_EQ(63, look(t, "2001:db8:1:2:ffff:ffff:ffff:ffff"));
	vgw_lpm_free(t);
}

TEST(prefixes_at_node_boundaries_5_6_7_12_13_30_31_32)
{
	struct vgw_lpm_route r[] = {
		route("128.0.0.0/5", 5), route("128.0.0.0/6", 6),
		route("128.0.0.0/7", 7), route("128.0.0.0/12", 12),
		route("128.0.0.0/13", 13), route("128.0.0.0/30", 30),
		route("128.0.0.0/31", 31), route("128.0.0.0/32", 32),
		route("255.255.255.255/32", 99),
	};
	struct vgw_lpm *t = vgw_lpm_build(r, ARRAY_SIZE(r), GFP_KERNEL);

	ASSERT_FALSE(IS_ERR(t));
	EXPECT_EQ(32, look(t, "128.0.0.0"));
	EXPECT_EQ(31, look(t, "128.0.0.1"));
	EXPECT_EQ(30, look(t, "128.0.0.2"));
	EXPECT_EQ(30, look(t, "128.0.0.3"));
	EXPECT_EQ(13, look(t, "128.0.0.4"));
	EXPECT_EQ(13, look(t, "128.7.255.255"));
	EXPECT_EQ(12, look(t, "128.8.0.0"));
	EXPECT_EQ(7, look(t, "128.16.0.0"));
	EXPECT_EQ(7, look(t, "129.255.255.255"));
	EXPECT_EQ(6, look(t, "130.0.0.0"));
	EXPECT_EQ(5, look(t, "132.0.0.0"));
	EXPECT_EQ(5, look(t, "135.255.255.255"));
	EXPECT_EQ(-1, look(t, "136.0.0.0"));
	EXPECT_EQ(-1, look(t, "127.255.255.255"));
	EXPECT_EQ(99, look(t, "255.255.255.255"));
	EXPECT_EQ(-1, look(t, "255.255.255.254"));
	vgw_lpm_free(t);
}

TEST(duplicate_prefix_is_eexist_but_same_bytes_in_two_families_is_not)
{
	struct vgw_lpm_route r[] = { route("10.0.0.0/8", 1), route("10.0.0.0/16", 2),
				     route("10.0.0.0/8", 3) };
	struct vgw_lpm_route both[2] = { route("0.0.0.0/0", 1), route("::/0", 2) };
	struct vgw_lpm_route d6[] = { route("2001:db8::/64", 1),
				      route("2001:db8::/64", 1) };
	struct vgw_lpm *t;

	EXPECT_EQ(-EEXIST, PTR_ERR(vgw_lpm_build(r, 3, GFP_KERNEL)));
	EXPECT_EQ(-EEXIST, PTR_ERR(vgw_lpm_build(d6, 2, GFP_KERNEL)));
	t = vgw_lpm_build(both, 2, GFP_KERNEL);
	ASSERT_FALSE(IS_ERR(t));
	EXPECT_EQ(1, look(t, "1.2.3.4"));
	EXPECT_EQ(2, look(t, "::1"));
	vgw_lpm_free(t);
}

TEST(bad_prefixes_are_einval)
{
	struct vgw_lpm_route r;

	r = route("10.0.0.1/24", 1);		/* host bits */
	EXPECT_EQ(-EINVAL, PTR_ERR(vgw_lpm_build(&r, 1, GFP_KERNEL)));
	r = route("10.0.0.0/33", 1);		/* too long for IPv4 */
	EXPECT_EQ(-EINVAL, PTR_ERR(vgw_lpm_build(&r, 1, GFP_KERNEL)));
	r = route("::/129", 1);
	EXPECT_EQ(-EINVAL, PTR_ERR(vgw_lpm_build(&r, 1, GFP_KERNEL)));
	r = route("2001:db8::1/127", 1);
	EXPECT_EQ(-EINVAL, PTR_ERR(vgw_lpm_build(&r, 1, GFP_KERNEL)));
	r = route("128.0.0.0/0", 1);
	EXPECT_EQ(-EINVAL, PTR_ERR(vgw_lpm_build(&r, 1, GFP_KERNEL)));
	r = route("10.0.0.0/8", 1);
	r.family = AF_UNIX;
	EXPECT_EQ(-EINVAL, PTR_ERR(vgw_lpm_build(&r, 1, GFP_KERNEL)));
}

TEST(ipv4_route_ignores_bytes_after_the_address)
{
	struct vgw_lpm_route r = route("192.0.2.0/24", 7);
	struct vgw_lpm *t;

	memset(r.addr + 4, 0xab, 12);
	t = vgw_lpm_build(&r, 1, GFP_KERNEL);
	ASSERT_FALSE(IS_ERR(t));
	EXPECT_EQ(7, look(t, "192.0.2.200"));
	vgw_lpm_free(t);
}

TEST(too_many_routes_is_e2big)
{
	EXPECT_EQ(-E2BIG, PTR_ERR(vgw_lpm_build(NULL, VGW_LPM_MAX_ROUTES + 1,
						GFP_KERNEL)));
}

TEST(every_failed_allocation_gives_enomem_and_leaks_nothing)
{
	struct vgw_lpm_route r[300];
	unsigned int n, fail;
	struct vgw_lpm *t;

	seed("enomem");
	n = random_routes(r, 300, 0, 5);
	for (fail = 0;; fail++) {
		vgw_kshim_fail_after = fail;
		t = vgw_lpm_build(r, n, GFP_KERNEL);
		vgw_kshim_fail_after = -1;
		if (!IS_ERR(t))
			break;
		ASSERT_EQ(-ENOMEM, PTR_ERR(t));
	}
	/* Growth of the scratch arrays, the final copy: several allocations. */
	EXPECT_LT(3, fail);
	ASSERT_TRUE(check_table(r, n, 0, 1000));
	vgw_lpm_free(t);
}

TEST(a_handful_of_routes_fits_in_a_kilobyte)
{
	struct vgw_lpm_route r[] = {
		route("0.0.0.0/0", 1), route("10.0.0.0/16", 2),
		route("192.168.0.0/16", 3), route("172.16.0.0/12", 4),
		route("10.0.5.0/24", 5),
	};
	struct vgw_lpm *t = vgw_lpm_build(r, 5, GFP_KERNEL);

	ASSERT_FALSE(IS_ERR(t));
	note("5 routes: %zu bytes", vgw_lpm_mem(t));
	EXPECT_GE(1024, vgw_lpm_mem(t));
	vgw_lpm_free(t);
}

/* ---- random, against the reference --------------------------------------------- */

/* Table sizes: mostly small (a VCN's route tables), sometimes large. */
static unsigned int random_size(void)
{
	switch (rnd(4)) {
	case 0:
		return rnd(4);
	case 1:
		return rnd(32);
	case 2:
		return rnd(300);
	default:
		return rnd(1500);
	}
}

static void random_tables(struct __test_metadata *_metadata, const char *name,
			  int families, unsigned int tables,
			  unsigned int lookups)
{
	struct vgw_lpm_route *r = calloc(1500, sizeof(*r));
	unsigned int i, n, total = 0;

	ASSERT_NE(NULL, r);
	seed(name);
	for (i = 0; i < tables; i++) {
		/* Few distinct values: equal neighbours merge into leaf runs. */
		n = random_routes(r, random_size(), families,
				  rnd(2) ? 1 + rnd(4) : 0);
		ASSERT_TRUE(check_table(r, n, families, lookups)) {
			note("table %u of %u routes", i, n);
		}
		total += lookups + 2 * n;
	}
	note("%u tables, %u lookups compared", tables, total);
	free(r);
}

TEST(random_ipv4_tables_agree_with_the_reference)
{
	random_tables(_metadata, "ipv4", AF_INET, 200, 250);
}

TEST(random_ipv6_tables_agree_with_the_reference)
{
	random_tables(_metadata, "ipv6", AF_INET6, 200, 250);
}

TEST(random_mixed_tables_agree_with_the_reference)
{
	random_tables(_metadata, "mixed", 0, 200, 250);
}

TEST(large_mixed_table_agrees_with_the_reference)
{
	unsigned int n, cap = 8000;
	struct vgw_lpm_route *r = calloc(cap, sizeof(*r));

	ASSERT_NE(NULL, r);
	seed("large");
	n = random_routes(r, cap, 0, 0);
	ASSERT_TRUE(check_table(r, n, 0, 10000));
	note("%u routes, %u lookups compared", n, 10000 + 2 * n);
	free(r);
}

TEST(random_input_is_refused_exactly_as_the_reference_says)
{
	struct vgw_lpm_route r[12];
	unsigned int i, j, n, ok = 0;
	struct vgw_lpm *t;
	int want;

	seed("refusals");
	for (i = 0; i < 20000; i++) {
		n = rnd(12);
		for (j = 0; j < n; j++) {
			uint8_t f = rnd(2) ? AF_INET : AF_INET6;

			/* Few bits and short prefixes: duplicates happen. */
			memset(&r[j], 0, sizeof(r[j]));
			r[j].family = rnd(50) ? f : rnd(256);
			r[j].plen = rnd(6) + (rnd(20) ? 0 : fam_bits(f) - 3);
			r[j].addr[0] = rnd(8) << 5;
			if (!rnd(10))
				random_bits(r[j].addr, 0, 128);
			if (rnd(4))
				clear_host_bits(r[j].addr, r[j].plen,
						fam_bits(r[j].family == AF_INET ?
							 AF_INET : AF_INET6));
			r[j].value = rnd(3);
		}
		want = ref_lpm_check(r, n);
		t = vgw_lpm_build(r, n, GFP_KERNEL);
		ASSERT_EQ(want, IS_ERR(t) ? PTR_ERR(t) : 0);
		if (!IS_ERR(t)) {
			ok++;
			ASSERT_TRUE(check_table(r, n, 0, 20));
			vgw_lpm_free(t);
		}
	}
	note("20000 sets, %u accepted", ok);
	EXPECT_LT(1000, ok);
	EXPECT_GT(19000, ok);
}

TEST_HARNESS_MAIN
