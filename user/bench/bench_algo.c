// SPDX-License-Identifier: GPL-2.0
/*
 * Native micro-benchmarks of kmod/lpm.c and kmod/rules.c, compiled through
 * the userspace shim: ns per lookup and per match, build time, memory.
 * Prints figures only; there is no pass/fail. Run with "make bench-algo"
 * (optionally BENCH_SEED=<n>; taskset -c <cpu> steadies the figures).
 *
 * Route sets imitate real tables: IPv4 mostly /24 with /16-/23 and a few
 * /8-/15 and /25-/32, IPv6 mostly /48 with /32-/64 and some /128, plus the
 * default route, at random addresses. Lookups go to random addresses inside
 * random routes ("hit", the common case on a packet path) and to uniformly
 * random addresses ("any"). The working set of the large tables exceeds
 * the L2 cache, so their figures include cache misses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include "lpm.h"
#include "rules.h"

static uint64_t rng_state = 42;

static uint64_t rnd64(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned int rnd(unsigned int n)
{
	return rnd64() % n;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void set_bits(uint8_t *a, unsigned int from, unsigned int to, bool one)
{
	for (; from < to; from++) {
		if (one)
			a[from / 8] |= 0x80 >> (from % 8);
		else
			a[from / 8] &= ~(0x80 >> (from % 8));
	}
}

static void random_bits(uint8_t *a, unsigned int from, unsigned int to)
{
	for (; from < to; from++)
		set_bits(a, from, from + 1, rnd(2));
}

static unsigned int plen4(void)
{
	unsigned int x = rnd(100);

	return x < 60 ? 24 : x < 90 ? 16 + rnd(8) : x < 95 ? 8 + rnd(8) :
	       25 + rnd(8);
}

static unsigned int plen6(void)
{
	unsigned int x = rnd(100);

	return x < 50 ? 48 : x < 85 ? 32 + rnd(33) : x < 95 ? 128 : 1 + rnd(128);
}

static int route_cmp(const void *a, const void *b)
{
	const struct vgw_lpm_route *x = a, *y = b;

	if (x->plen != y->plen)
		return x->plen - y->plen;
	return memcmp(x->addr, y->addr, 16);
}

/* @n distinct routes of @family, the default route among them. */
static unsigned int make_routes(struct vgw_lpm_route *r, unsigned int n,
				uint8_t family)
{
	unsigned int i, m = 0, bits = family == AF_INET ? 32 : 128;

	for (i = 0; i < n + n / 8; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].family = family;
		r[i].plen = i == 0 ? 0 : family == AF_INET ? plen4() : plen6();
		random_bits(r[i].addr, 0, r[i].plen);
		if (family == AF_INET6 && r[i].plen >= 3)	/* 2000::/3 */
			r[i].addr[0] = (r[i].addr[0] & 0x1f) | 0x20;
		r[i].value = rnd(64);	/* a route table has a few targets */
	}
	qsort(r, n + n / 8, sizeof(*r), route_cmp);
	for (i = 0; i < n + n / 8 && m < n; i++)
		if (!m || route_cmp(&r[m - 1], &r[i]))
			r[m++] = r[i];
	(void)bits;
	return m;
}

#define NADDR	(1u << 20)

static void bench_lpm(unsigned int n, uint8_t family)
{
	unsigned int bits = family == AF_INET ? 32 : 128, i, m, reps;
	struct vgw_lpm_route *r = calloc(n + n / 8 + 1, sizeof(*r));
	uint8_t (*addr)[16] = malloc(NADDR * 16);
	const char *name = family == AF_INET ? "IPv4" : "IPv6";
	double t0, build = 1e30, hit, any;
	volatile uint32_t sink = 0;
	struct vgw_lpm *t = NULL;
	uint32_t v, acc = 0;
	int k;

	m = make_routes(r, n, family);
	/* Best of a few builds: the first one pays page faults. */
	for (k = 0; k < 5; k++) {
		if (t)
			vgw_lpm_free(t);
		t0 = now_ns();
		t = vgw_lpm_build(r, m, GFP_KERNEL);
		t0 = now_ns() - t0;
		if (IS_ERR(t)) {
			printf("build failed: %ld\n", PTR_ERR(t));
			exit(1);
		}
		if (t0 < build)
			build = t0;
	}
	for (i = 0; i < NADDR; i++) {	/* inside a random route */
		const struct vgw_lpm_route *x = &r[rnd(m)];

		memcpy(addr[i], x->addr, 16);
		random_bits(addr[i], x->plen, bits);
	}
	reps = 4;
	t0 = now_ns();
	for (k = 0; k < (int)reps; k++)
		for (i = 0; i < NADDR; i++) {
			if (family == AF_INET) {
				__be32 a4;

				memcpy(&a4, addr[i], 4);
				acc += vgw_lpm_lookup4(t, a4, &v) ? v : 0;
			} else {
				acc += vgw_lpm_lookup6(t, addr[i], &v) ? v : 0;
			}
		}
	hit = (now_ns() - t0) / ((double)reps * NADDR);
	for (i = 0; i < NADDR; i++) {	/* anywhere */
		memset(addr[i], 0, 16);
		random_bits(addr[i], 0, bits);
	}
	t0 = now_ns();
	for (k = 0; k < (int)reps; k++)
		for (i = 0; i < NADDR; i++) {
			if (family == AF_INET) {
				__be32 a4;

				memcpy(&a4, addr[i], 4);
				acc += vgw_lpm_lookup4(t, a4, &v) ? v : 0;
			} else {
				acc += vgw_lpm_lookup6(t, addr[i], &v) ? v : 0;
			}
		}
	any = (now_ns() - t0) / ((double)reps * NADDR);
	sink = acc;
	(void)sink;
	printf("lpm  %s %7u routes: lookup %5.1f ns (hit) %5.1f ns (any)  "
	       "build %8.3f ms  mem %9zu B = %6.1f B/route\n",
	       name, m, hit, any, build / 1e6, vgw_lpm_mem(t),
	       (double)vgw_lpm_mem(t) / (m ? m : 1));
	vgw_lpm_free(t);
	free(r);
	free(addr);
}

static void bench_lpm_small(void)
{
	static const char *const cidr[] = { "0.0.0.0/0", "10.0.0.0/16",
					    "172.16.0.0/12", "192.168.0.0/16",
					    "10.0.5.0/24", "::/0",
					    "2001:db8::/32", "2001:db8:1::/48" };
	struct vgw_lpm_route r[8];
	struct vgw_lpm *t;
	unsigned int i;
	char buf[64];

	for (i = 0; i < 8; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		snprintf(buf, sizeof(buf), "%s", cidr[i]);
		*strchr(buf, '/') = 0;
		r[i].family = strchr(buf, ':') ? AF_INET6 : AF_INET;
		inet_pton(r[i].family, buf, r[i].addr);
		r[i].plen = atoi(strchr(cidr[i], '/') + 1);
		r[i].value = i % 3;
	}
	t = vgw_lpm_build(NULL, 0, GFP_KERNEL);
	printf("lpm  empty table: %zu B\n", vgw_lpm_mem(t));
	vgw_lpm_free(t);
	t = vgw_lpm_build(r, 5, GFP_KERNEL);
	printf("lpm  5 IPv4 routes (/0 /12 /16 /16 /24): %zu B\n", vgw_lpm_mem(t));
	vgw_lpm_free(t);
	t = vgw_lpm_build(r, 8, GFP_KERNEL);
	printf("lpm  those + 3 IPv6 routes (/0 /32 /48): %zu B\n", vgw_lpm_mem(t));
	vgw_lpm_free(t);
}

/* ---- rules ------------------------------------------------------------------------ */

static const uint16_t ports[] = { 22, 80, 443, 3306, 5432, 6379, 8080, 9090 };

/*
 * A ruleset like a union of security lists and NSGs: mostly TCP to one
 * port or a range from some CIDR, some UDP, some ICMP, a few NSG rules, a
 * few stateless ones, a tenth IPv6.
 */
static void make_rules(struct vgw_rule *r, unsigned int n)
{
	unsigned int i, x;

	for (i = 0; i < n; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		x = rnd(100);
		r[i].proto = x < 70 ? 6 : x < 85 ? 17 : x < 95 ? 1 : VGW_PROTO_ALL;
		r[i].sport_hi = r[i].dport_hi = 65535;
		r[i].icmp_type = r[i].icmp_code = -1;
		r[i].stateless = rnd(10) == 0;
		if (rnd(10) == 0) {
			r[i].nsg = 1 + rnd(20);
		} else if (rnd(10) == 0) {
			r[i].family = AF_INET6;
			r[i].plen = 48 + rnd(17);
			r[i].addr[0] = 0x20;
			r[i].addr[1] = 0x01;
			random_bits(r[i].addr, 16, r[i].plen);
		} else {
			r[i].family = AF_INET;
			r[i].plen = 8 + rnd(25);
			r[i].addr[0] = 10;
			random_bits(r[i].addr, 8, r[i].plen);
		}
		if (r[i].proto == 6 || r[i].proto == 17) {
			r[i].dport_lo = ports[rnd(8)];
			r[i].dport_hi = r[i].dport_lo + (rnd(4) ? 0 : rnd(100));
		}
		if (r[i].proto == 1) {
			r[i].icmp_type = rnd(2) ? 3 : 8;
			r[i].icmp_code = rnd(2) ? -1 : 4;
		}
	}
}

#define NPKT	(1u << 16)

static void bench_rules(unsigned int n)
{
	struct vgw_rule *r = calloc(n, sizeof(*r));
	struct vgw_rule_pkt *p = calloc(NPKT, sizeof(*p));
	static const uint32_t nsgs[] = { 3, 7, 12 };
	unsigned int i, k, allowed = 0, reps = n >= 1000 ? 8 : 64;
	double t0, build, mixed, denied;
	volatile unsigned int sink;
	struct vgw_ruleset *rs;

	make_rules(r, n);
	t0 = now_ns();
	rs = vgw_rules_build(r, n, GFP_KERNEL);
	build = now_ns() - t0;
	if (IS_ERR(rs)) {
		printf("build failed: %ld\n", PTR_ERR(rs));
		exit(1);
	}
	/* Packets aimed at random rules (about half pass), then all denied. */
	for (i = 0; i < NPKT; i++) {
		const struct vgw_rule *x = &r[rnd(n)];

		p[i].family = x->nsg ? AF_INET : x->family;
		memcpy(p[i].remote, x->addr, 16);
		random_bits(p[i].remote, x->nsg ? 8 : x->plen,
			    p[i].family == AF_INET ? 32 : 128);
		if (x->nsg)
			p[i].remote[0] = 10;
		p[i].proto = rnd(4) ? (x->proto == VGW_PROTO_ALL ? 6 : x->proto) : 17;
		p[i].sport = 32768 + rnd(28000);
		p[i].dport = rnd(2) ? x->dport_lo : ports[rnd(8)];
		p[i].icmp_type = rnd(2) ? 3 : 8;
		p[i].icmp_code = rnd(5);
		if (rnd(4) == 0) {
			p[i].remote_nsgs = nsgs;
			p[i].n_remote_nsgs = 3;
		}
	}
	for (i = 0; i < NPKT; i++)
		allowed += vgw_rules_match(rs, &p[i]) != VGW_DENY;
	t0 = now_ns();
	for (k = 0; k < reps; k++)
		for (i = 0; i < NPKT; i++)
			sink = vgw_rules_match(rs, &p[i]);
	mixed = (now_ns() - t0) / ((double)reps * NPKT);
	for (i = 0; i < NPKT; i++) {	/* from outside every CIDR, no NSG */
		p[i].remote[0] = 192;
		p[i].n_remote_nsgs = 0;
		if (p[i].family == AF_INET6)
			p[i].remote[0] = 0x30;
	}
	t0 = now_ns();
	for (k = 0; k < reps; k++)
		for (i = 0; i < NPKT; i++)
			sink = vgw_rules_match(rs, &p[i]);
	denied = (now_ns() - t0) / ((double)reps * NPKT);
	(void)sink;
	printf("rules %4u rules: match %6.1f ns (mixed, %2u%% allowed) %6.1f ns "
	       "(all denied)  build %7.3f ms  mem %7zu B = %5.1f B/rule\n",
	       n, mixed, allowed * 100 / NPKT, denied, build / 1e6,
	       vgw_rules_mem(rs), (double)vgw_rules_mem(rs) / n);
	vgw_rules_free(rs);
	free(r);
	free(p);
}

int main(void)
{
	static const unsigned int sizes[] = { 10, 10000, 100000 };
	const char *env = getenv("BENCH_SEED");
	unsigned int i;

	if (env)
		rng_state = strtoull(env, NULL, 0);
	printf("# vnicgw table algorithms, native (userspace shim); "
	       "reproduce: make bench-algo\n");
	bench_lpm_small();
	for (i = 0; i < 3; i++)
		bench_lpm(sizes[i], AF_INET);
	for (i = 0; i < 3; i++)
		bench_lpm(sizes[i], AF_INET6);
	bench_rules(10);
	bench_rules(100);
	bench_rules(1000);
	return 0;
}
