// SPDX-License-Identifier: GPL-2.0
/*
 * kmod/rules.c: one table row per semantic of the security rules (OCI's:
 * allow-only, implicit deny, any match passes, stateless beats stateful),
 * then random rulesets against a deliberately naive reference
 * (user/fuzz/algo_ref.h).
 *
 * Rows are written as text:
 *   rule:   [stateless] PROTO REMOTE [sport A-B] [dport A-B] [type T] [code C]
 *   packet: PROTO REMOTE [sport N] [dport N] [type T] [code C] [nsgs A,B,..]
 * PROTO is all, tcp, udp, icmp, icmp6 or a number; REMOTE a CIDR (rules),
 * an address (packets), or nsg:N (rules). Rule ports default to all, ICMP
 * type and code to any (-1). Random tests print their seed; VGW_SEED=<n>
 * replays a run.
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

#define note(fmt, ...) do {					\
		printf("# " fmt "\n", ##__VA_ARGS__);		\
		fflush(stdout);					\
	} while (0)

/* ---- the row language ---------------------------------------------------------- */

static unsigned int parse_proto(const char *s)
{
	if (!strcmp(s, "all"))
		return VGW_PROTO_ALL;
	if (!strcmp(s, "tcp"))
		return 6;
	if (!strcmp(s, "udp"))
		return 17;
	if (!strcmp(s, "icmp"))
		return 1;
	if (!strcmp(s, "icmp6"))
		return 58;
	return atoi(s);
}

static void parse_range(const char *s, uint16_t *lo, uint16_t *hi)
{
	const char *dash = strchr(s, '-');

	*lo = atoi(s);
	*hi = dash ? atoi(dash + 1) : *lo;
}

/* Parses "addr" or "addr/plen" into @a; returns the family. */
static uint8_t parse_addr(const char *s, uint8_t *a, uint8_t *plen)
{
	char buf[64], *slash;
	uint8_t family;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = 0;
	family = strchr(buf, ':') ? AF_INET6 : AF_INET;
	memset(a, 0, 16);
	if (inet_pton(family, buf, a) != 1)
		abort();
	if (plen)
		*plen = slash ? atoi(slash + 1) : family == AF_INET ? 32 : 128;
	return family;
}

static struct vgw_rule rule(const char *spec)
{
	struct vgw_rule r = { .sport_hi = 65535, .dport_hi = 65535,
			      .icmp_type = -1, .icmp_code = -1 };
	char buf[256], *tok, *save;
	int field = 0;

	snprintf(buf, sizeof(buf), "%s", spec);
	for (tok = strtok_r(buf, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		if (!strcmp(tok, "stateless")) {
			r.stateless = true;
		} else if (field == 0) {
			r.proto = parse_proto(tok);
			field++;
		} else if (field == 1) {
			if (!strncmp(tok, "nsg:", 4))
				r.nsg = atoi(tok + 4);
			else
				r.family = parse_addr(tok, r.addr, &r.plen);
			field++;
		} else if (!strcmp(tok, "sport")) {
			parse_range(strtok_r(NULL, " ", &save), &r.sport_lo,
				    &r.sport_hi);
		} else if (!strcmp(tok, "dport")) {
			parse_range(strtok_r(NULL, " ", &save), &r.dport_lo,
				    &r.dport_hi);
		} else if (!strcmp(tok, "type")) {
			r.icmp_type = atoi(strtok_r(NULL, " ", &save));
		} else if (!strcmp(tok, "code")) {
			r.icmp_code = atoi(strtok_r(NULL, " ", &save));
		} else {
			abort();
		}
	}
	return r;
}

struct pkt {
	struct vgw_rule_pkt p;
	uint32_t nsgs[8];
};

static void pkt(struct pkt *k, const char *spec)
{
	char buf[256], *tok, *save, *n;
	int field = 0;

	memset(k, 0, sizeof(*k));
	k->p.remote_nsgs = k->nsgs;
	snprintf(buf, sizeof(buf), "%s", spec);
	for (tok = strtok_r(buf, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		if (field == 0) {
			k->p.proto = parse_proto(tok);
			field++;
		} else if (field == 1) {
			k->p.family = parse_addr(tok, k->p.remote, NULL);
			field++;
		} else if (!strcmp(tok, "sport")) {
			k->p.sport = atoi(strtok_r(NULL, " ", &save));
		} else if (!strcmp(tok, "dport")) {
			k->p.dport = atoi(strtok_r(NULL, " ", &save));
		} else if (!strcmp(tok, "type")) {
			k->p.icmp_type = atoi(strtok_r(NULL, " ", &save));
		} else if (!strcmp(tok, "code")) {
			k->p.icmp_code = atoi(strtok_r(NULL, " ", &save));
		} else if (!strcmp(tok, "nsgs")) {
			for (n = strtok_r(NULL, " ", &save); n && *n;
			     n = strchr(n, ',') ? strchr(n, ',') + 1 : NULL)
				k->nsgs[k->p.n_remote_nsgs++] = atoi(n);
		} else {
			abort();
		}
	}
}

#define DENY		VGW_DENY
#define STATEFUL	VGW_ALLOW_STATEFUL
#define STATELESS	VGW_ALLOW_STATELESS

static const char *const verdict_name[] = { "DENY", "STATEFUL", "STATELESS" };

struct row {
	const char *packet;
	enum vgw_verdict want;
};

/*
 * Compiles @rules (NULL-terminated), checks each row's verdict against the
 * compiled ruleset and the reference; returns the number of wrong rows.
 */
static int run_rows(const char *const *rules, const struct row *rows)
{
	struct vgw_rule r[32];
	struct vgw_ruleset *rs;
	unsigned int n = 0;
	enum vgw_verdict got, ref;
	struct pkt k;
	int bad = 0;

	for (; rules && rules[n]; n++)
		r[n] = rule(rules[n]);
	rs = vgw_rules_build(r, n, GFP_KERNEL);
	if (IS_ERR(rs)) {
		note("build: %ld", PTR_ERR(rs));
		return 1;
	}
	for (; rows->packet; rows++) {
		pkt(&k, rows->packet);
		got = vgw_rules_match(rs, &k.p);
		ref = ref_rules_match(r, n, &k.p);
		if (got != rows->want || ref != rows->want) {
			note("%s: got %s, reference %s, want %s", rows->packet,
			     verdict_name[got], verdict_name[ref],
			     verdict_name[rows->want]);
			bad++;
		}
	}
	vgw_rules_free(rs);
	return bad;
}

#define RULES(...)	((const char *const[]){ __VA_ARGS__, NULL })
#define ROWS(...)	((const struct row[]){ __VA_ARGS__, { NULL, 0 } })

/* ---- one test per semantic --------------------------------------------------------- */

TEST(empty_ruleset_denies_everything)
{
	EXPECT_EQ(0, run_rows(NULL, ROWS(
		{ "tcp 10.0.0.1 sport 1 dport 22", DENY },
		{ "udp 2001:db8::1 dport 53", DENY },
		{ "icmp 0.0.0.0 type 8", DENY },
		{ "47 10.0.0.1 nsgs 1,2", DENY })));
}

TEST(stateless_rule_wins_over_stateful_whatever_the_order)
{
	const struct row rows[] = {
		{ "tcp 10.1.1.1 sport 40000 dport 22", STATELESS },
		{ "tcp 10.1.1.1 sport 40000 dport 80", STATEFUL },
		{ "tcp 11.1.1.1 sport 40000 dport 22", STATEFUL },
		{ "udp 10.1.1.1 sport 40000 dport 22", STATEFUL },
		{ NULL, 0 },
	};

	EXPECT_EQ(0, run_rows(RULES("all 0.0.0.0/0",
				    "stateless tcp 10.0.0.0/8 dport 22"), rows));
	EXPECT_EQ(0, run_rows(RULES("stateless tcp 10.0.0.0/8 dport 22",
				    "all 0.0.0.0/0"), rows));
}

TEST(stateless_and_stateful_twin_rules_are_both_kept)
{
	EXPECT_EQ(0, run_rows(RULES("tcp 10.0.0.0/8 dport 22",
				    "stateless tcp 10.0.0.0/8 dport 22",
				    "tcp 10.0.0.0/8 dport 22"), ROWS(
		{ "tcp 10.0.0.1 dport 22", STATELESS },
		{ "tcp 10.0.0.1 dport 23", DENY })));
}

TEST(port_ranges_are_inclusive_at_both_ends)
{
	EXPECT_EQ(0, run_rows(RULES("tcp 0.0.0.0/0 sport 1024-65535 dport 1000-2000"),
			      ROWS(
		{ "tcp 1.2.3.4 sport 1024 dport 999", DENY },
		{ "tcp 1.2.3.4 sport 1024 dport 1000", STATEFUL },
		{ "tcp 1.2.3.4 sport 65535 dport 2000", STATEFUL },
		{ "tcp 1.2.3.4 sport 1024 dport 2001", DENY },
		{ "tcp 1.2.3.4 sport 1023 dport 1500", DENY },
		{ "tcp 1.2.3.4 sport 0 dport 1500", DENY })));
	EXPECT_EQ(0, run_rows(RULES("udp ::/0 dport 53", "udp ::/0 sport 0-0"),
			      ROWS(
		{ "udp ::1 sport 5353 dport 53", STATEFUL },
		{ "udp ::1 sport 5353 dport 54", DENY },
		{ "udp ::1 sport 0 dport 54", STATEFUL },
		{ "udp ::1 sport 65535 dport 52", DENY })));
}

TEST(ports_belong_to_the_rule_protocol_only)
{
	EXPECT_EQ(0, run_rows(RULES("udp 0.0.0.0/0 dport 53",
				    "47 0.0.0.0/0 dport 7-7"), ROWS(
		{ "udp 8.8.8.8 dport 53", STATEFUL },
		{ "tcp 8.8.8.8 dport 53", DENY },
		{ "47 8.8.8.8 dport 99", STATEFUL },
		{ "icmp 8.8.8.8 type 53", DENY })));
}

TEST(icmp_type_and_code_any_or_exact)
{
	EXPECT_EQ(0, run_rows(RULES("icmp 10.0.0.0/8 type 3 code 4",
				    "icmp 192.168.0.0/16 type 3",
				    "icmp 172.16.0.0/12",
				    "icmp6 ::/0 type 128"), ROWS(
		{ "icmp 10.0.0.1 type 3 code 4", STATEFUL },
		{ "icmp 10.0.0.1 type 3 code 3", DENY },
		{ "icmp 10.0.0.1 type 4 code 4", DENY },
		{ "icmp 192.168.1.1 type 3 code 0", STATEFUL },
		{ "icmp 192.168.1.1 type 3 code 255", STATEFUL },
		{ "icmp 192.168.1.1 type 8 code 0", DENY },
		{ "icmp 172.16.0.1 type 255 code 255", STATEFUL },
		{ "icmp 172.16.0.1 type 0 code 0", STATEFUL },
		{ "icmp6 2001:db8::1 type 128 code 0", STATEFUL },
		{ "icmp6 2001:db8::1 type 129 code 0", DENY },
		{ "icmp 2001:db8::1 type 128 code 0", DENY })));
}

TEST(protocol_all_matches_every_protocol_including_icmp)
{
	EXPECT_EQ(0, run_rows(RULES("all 10.0.0.0/8"), ROWS(
		{ "icmp 10.9.9.9 type 8 code 0", STATEFUL },
		{ "tcp 10.9.9.9 sport 1 dport 2", STATEFUL },
		{ "udp 10.9.9.9", STATEFUL },
		{ "47 10.9.9.9", STATEFUL },
		{ "0 10.9.9.9", STATEFUL },
		{ "255 10.9.9.9", STATEFUL },
		{ "icmp 11.0.0.0 type 8", DENY })));
}

TEST(numbered_protocol_matches_only_itself)
{
	EXPECT_EQ(0, run_rows(RULES("47 0.0.0.0/0", "stateless 50 ::/0"), ROWS(
		{ "47 1.1.1.1", STATEFUL },
		{ "46 1.1.1.1", DENY },
		{ "50 ::2", STATELESS },
		{ "50 1.1.1.1", DENY },
		{ "tcp ::2 dport 50", DENY })));
}

TEST(nsg_rule_needs_the_remote_vnic_in_that_nsg_in_either_family)
{
	EXPECT_EQ(0, run_rows(RULES("tcp nsg:7 dport 443", "stateless all nsg:9"),
			      ROWS(
		{ "tcp 10.0.0.5 dport 443 nsgs 3,7,11", STATEFUL },
		{ "tcp 2001:db8::5 dport 443 nsgs 7", STATEFUL },
		{ "tcp 10.0.0.5 dport 443 nsgs 3,8,11", DENY },
		{ "tcp 10.0.0.5 dport 443", DENY },
		{ "tcp 10.0.0.5 dport 80 nsgs 7", DENY },
		{ "udp 10.0.0.5 dport 80 nsgs 1,2,3,4,5,6,8,9", STATELESS },
		{ "tcp 10.0.0.5 dport 443 nsgs 7,9", STATELESS })));
}

TEST(ipv4_rule_never_matches_ipv6_packet_and_back)
{
	EXPECT_EQ(0, run_rows(RULES("all 0.0.0.0/0"), ROWS(
		{ "tcp 203.0.113.1 dport 1", STATEFUL },
		{ "tcp :: dport 1", DENY },
		{ "tcp ::ffff:203.0.113.1 dport 1", DENY })));
	EXPECT_EQ(0, run_rows(RULES("all ::/0"), ROWS(
		{ "tcp 0.0.0.0 dport 1", DENY },
		{ "tcp ::ffff:203.0.113.1 dport 1", STATEFUL })));
}

TEST(cidr_edges)
{
	EXPECT_EQ(0, run_rows(RULES("all 10.0.0.0/8", "all 192.0.2.7/32",
				    "all 2001:db8:0:1::/64",
				    "all 2001:db8::7/128"), ROWS(
		{ "tcp 9.255.255.255", DENY },
		{ "tcp 10.0.0.0", STATEFUL },
		{ "tcp 10.255.255.255", STATEFUL },
		{ "tcp 11.0.0.0", DENY },
		{ "tcp 192.0.2.7", STATEFUL },
		{ "tcp 192.0.2.6", DENY },
		{ "tcp 2001:db8:0:1:ffff:ffff:ffff:ffff", STATEFUL },
		{ "tcp 2001:db8:0:2::", DENY },
		{ "tcp 2001:db8::7", STATEFUL },
		{ "tcp 2001:db8::6", DENY })));
}

TEST(duplicates_are_stored_once)
{
	struct vgw_rule r[100];
	struct vgw_ruleset *one, *many;
	unsigned int i;

	for (i = 0; i < 100; i++)
		r[i] = rule("tcp 10.0.0.0/8 dport 22");
	one = vgw_rules_build(r, 1, GFP_KERNEL);
	many = vgw_rules_build(r, 100, GFP_KERNEL);
	ASSERT_FALSE(IS_ERR(one));
	ASSERT_FALSE(IS_ERR(many));
	EXPECT_EQ(vgw_rules_mem(one), vgw_rules_mem(many));
	note("one rule: %zu bytes", vgw_rules_mem(one));
	vgw_rules_free(one);
	vgw_rules_free(many);
}

TEST(bad_rules_are_einval_and_fields_of_other_protocols_are_ignored)
{
	static const struct {
		const char *spec;
		int err;
	} cases[] = {
		{ "256 0.0.0.0/0", -EINVAL },
		{ "65534 0.0.0.0/0", -EINVAL },
		{ "255 0.0.0.0/0", 0 },
		{ "tcp 10.0.0.1/8", -EINVAL },
		{ "tcp 2001:db8::1/64", -EINVAL },
		{ "tcp 0.0.0.0/33", -EINVAL },
		{ "tcp ::/129", -EINVAL },
		{ "tcp 0.0.0.0/0 sport 10-9", -EINVAL },
		{ "udp 0.0.0.0/0 dport 65535-0", -EINVAL },
		{ "tcp 0.0.0.0/0 dport 7-7", 0 },
		{ "icmp 0.0.0.0/0 type 256", -EINVAL },
		{ "icmp 0.0.0.0/0 type -2", -EINVAL },
		{ "icmp6 ::/0 type 1 code 256", -EINVAL },
		{ "icmp6 ::/0 type 255 code 255", 0 },
		{ "icmp 0.0.0.0/0 code 3", 0 },	/* any type, code 3 */
		{ "all 0.0.0.0/0 sport 9-1 type 999", 0 },
		{ "47 0.0.0.0/0 dport 9-1 code -7", 0 },
		{ "tcp nsg:4 type 999", 0 },
	};
	struct vgw_ruleset *rs;
	struct vgw_rule r;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		r = rule(cases[i].spec);
		rs = vgw_rules_build(&r, 1, GFP_KERNEL);
		EXPECT_EQ(cases[i].err, IS_ERR(rs) ? PTR_ERR(rs) : 0) {
			note("rule \"%s\"", cases[i].spec);
		}
		EXPECT_EQ(cases[i].err, ref_rule_check(&r));
		if (!IS_ERR(rs))
			vgw_rules_free(rs);
	}
	r = rule("tcp 0.0.0.0/0");
	r.family = AF_UNIX;
	EXPECT_EQ(-EINVAL, PTR_ERR(vgw_rules_build(&r, 1, GFP_KERNEL)));
	r.nsg = 5;		/* the family of an NSG rule does not matter */
	rs = vgw_rules_build(&r, 1, GFP_KERNEL);
	ASSERT_FALSE(IS_ERR(rs));
	vgw_rules_free(rs);
	EXPECT_EQ(-E2BIG, PTR_ERR(vgw_rules_build(&r, VGW_RULES_MAX + 1,
						  GFP_KERNEL)));
}

TEST(every_failed_allocation_gives_enomem)
{
	struct vgw_rule r[] = { rule("tcp 10.0.0.0/8 dport 22"), rule("all ::/0"),
				rule("stateless udp nsg:3") };
	struct vgw_ruleset *rs;
	struct pkt k;
	long fail;

	for (fail = 0;; fail++) {
		vgw_kshim_fail_after = fail;
		rs = vgw_rules_build(r, 3, GFP_KERNEL);
		vgw_kshim_fail_after = -1;
		if (!IS_ERR(rs))
			break;
		ASSERT_EQ(-ENOMEM, PTR_ERR(rs));
	}
	EXPECT_LE(1, fail);
	pkt(&k, "udp 1.1.1.1 nsgs 3");
	EXPECT_EQ(STATELESS, vgw_rules_match(rs, &k.p));
	vgw_rules_free(rs);
}

/* ---- random, against the reference ---------------------------------------------- */

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

static void seed(const char *test)
{
	const char *env = getenv("VGW_SEED");
	uint64_t s = env ? strtoull(env, NULL, 0) :
		     (uint64_t)time(NULL) * 1000003 ^ getpid();

	rng_state = s;
	note("%s: seed %llu (replay with VGW_SEED=%llu)", test,
	     (unsigned long long)s, (unsigned long long)s);
}

/* Values drawn from a few, so that rules and packets meet often. */
static const uint16_t protos[] = { VGW_PROTO_ALL, 1, 6, 17, 58, 47 };
static const uint16_t ports[] = { 0, 1, 22, 53, 80, 443, 1023, 1024, 8080,
				  65534, 65535 };

static uint16_t some_port(void)
{
	return rnd(4) ? ports[rnd(ARRAY_SIZE(ports))] : rnd(65536);
}

static void some_range(uint16_t *lo, uint16_t *hi)
{
	uint16_t a = some_port(), b = some_port();

	if (rnd(4) == 0) {
		*lo = 0;
		*hi = 65535;
	} else if (rnd(3) == 0) {
		*lo = *hi = a;
	} else {
		*lo = a < b ? a : b;
		*hi = a < b ? b : a;
	}
}

/* A short address pool: 10.x, 192.168.x and 2001:db8::x, a few bits apart. */
static uint8_t some_addr(uint8_t *a)
{
	uint8_t family = rnd(2) ? AF_INET : AF_INET6;

	memset(a, 0, 16);
	if (family == AF_INET) {
		a[0] = rnd(2) ? 10 : 192;
		a[1] = rnd(4);
		a[2] = rnd(3);
		a[3] = rnd(4) ? rnd(8) : rnd(256);
	} else {
		a[0] = 0x20;
		a[1] = 0x01;
		a[2] = 0x0d;
		a[3] = 0xb8;
		a[7] = rnd(3);
		a[15] = rnd(4) ? rnd(8) : rnd(256);
	}
	return family;
}

static void random_rule(struct vgw_rule *r)
{
	unsigned int bits, b;

	memset(r, 0, sizeof(*r));
	r->proto = protos[rnd(ARRAY_SIZE(protos))];
	r->stateless = rnd(4) == 0;
	if (rnd(5) == 0) {
		r->nsg = 1 + rnd(6);
	} else {
		r->family = some_addr(r->addr);
		bits = r->family == AF_INET ? 32 : 128;
		r->plen = rnd(3) ? bits - rnd(12) : rnd(bits + 1);
		for (b = r->plen; b < bits; b++)
			r->addr[b / 8] &= ~(0x80 >> (b % 8));
	}
	some_range(&r->sport_lo, &r->sport_hi);
	some_range(&r->dport_lo, &r->dport_hi);
	r->icmp_type = rnd(2) ? -1 : (int)rnd(5);
	r->icmp_code = rnd(2) ? -1 : (int)rnd(3);
}

static void random_pkt(struct pkt *k, const struct vgw_rule *r, unsigned int n)
{
	unsigned int i, m;

	memset(k, 0, sizeof(*k));
	k->p.remote_nsgs = k->nsgs;
	k->p.family = some_addr(k->p.remote);
	/* Protocol and ports of a rule half of the time. */
	if (n && rnd(2)) {
		const struct vgw_rule *x = &r[rnd(n)];

		k->p.proto = x->proto == VGW_PROTO_ALL ? rnd(256) : x->proto;
		k->p.sport = rnd(2) ? x->sport_lo : x->sport_hi + rnd(2);
		k->p.dport = rnd(2) ? x->dport_hi : x->dport_lo - rnd(2);
	} else {
		k->p.proto = protos[1 + rnd(5)];
		k->p.sport = some_port();
		k->p.dport = some_port();
	}
	k->p.icmp_type = rnd(5);
	k->p.icmp_code = rnd(3);
	m = rnd(3) ? 0 : rnd(6);
	for (i = 0; i < m; i++)		/* sorted, distinct */
		k->nsgs[i] = (i ? k->nsgs[i - 1] : 0) + 1 + rnd(2);
	k->p.n_remote_nsgs = m;
}

TEST(random_rulesets_agree_with_the_reference)
{
	struct vgw_rule r[400];
	unsigned int t, i, n, checks = 0, hits[3] = { 0 };
	struct vgw_ruleset *rs;
	enum vgw_verdict got, want;
	struct pkt k;

	seed("rulesets");
	for (t = 0; t < 2000; t++) {
		n = rnd(4) ? rnd(20) : rnd(400);
		for (i = 0; i < n; i++) {
			random_rule(&r[i]);
			if (i && rnd(8) == 0)	/* duplicates and twins */
				r[i] = r[rnd(i)];
		}
		rs = vgw_rules_build(r, n, GFP_KERNEL);
		ASSERT_FALSE(IS_ERR(rs));
		for (i = 0; i < 100; i++) {
			random_pkt(&k, r, n);
			got = vgw_rules_match(rs, &k.p);
			want = ref_rules_match(r, n, &k.p);
			ASSERT_EQ(want, got) {
				note("ruleset %u of %u rules, packet %u", t, n, i);
			}
			hits[want]++;
			checks++;
		}
		vgw_rules_free(rs);
	}
	note("%u packets compared: %u denied, %u stateful, %u stateless",
	     checks, hits[0], hits[1], hits[2]);
	/* The generator must exercise every verdict, or the test proves little. */
	EXPECT_LT(checks / 20, hits[DENY]);
	EXPECT_LT(checks / 20, hits[STATEFUL]);
	EXPECT_LT(checks / 20, hits[STATELESS]);
}

/*
 * vnicctl trace names the rule behind a verdict with vgw_rule_hits(): a
 * ruleset's verdict is stateless exactly when one of its stateless rules
 * hits, stateful when none of those but a stateful one does, deny when
 * none does. So the rule it names is always one that gave the verdict.
 */
TEST(the_rule_a_trace_names_gave_the_verdict)
{
	struct vgw_rule r[100];
	unsigned int t, i, j, n, named[3] = { 0 };
	struct vgw_ruleset *rs;
	enum vgw_verdict got, by_rules;
	bool stateless, stateful;
	struct pkt k;

	seed("named");
	for (t = 0; t < 1000; t++) {
		n = rnd(40);
		for (i = 0; i < n; i++) {
			random_rule(&r[i]);
			if (i && rnd(8) == 0)
				r[i] = r[rnd(i)];
		}
		rs = vgw_rules_build(r, n, GFP_KERNEL);
		ASSERT_FALSE(IS_ERR(rs));
		for (i = 0; i < 100; i++) {
			random_pkt(&k, r, n);
			got = vgw_rules_match(rs, &k.p);
			stateless = stateful = false;
			for (j = 0; j < n; j++) {
				if (!vgw_rule_hits(&r[j], &k.p))
					continue;
				stateless |= r[j].stateless;
				stateful |= !r[j].stateless;
			}
			by_rules = stateless ? VGW_ALLOW_STATELESS :
				   stateful ? VGW_ALLOW_STATEFUL : VGW_DENY;
			ASSERT_EQ(got, by_rules) {
				note("ruleset %u of %u rules, packet %u", t, n, i);
			}
			named[got]++;
		}
		vgw_rules_free(rs);
	}
	note("verdicts named: %u denied, %u stateful, %u stateless",
	     named[0], named[1], named[2]);
	EXPECT_LT(1000u, named[DENY]);
	EXPECT_LT(1000u, named[STATEFUL]);
	EXPECT_LT(1000u, named[STATELESS]);
}

TEST(random_invalid_rules_are_refused_as_the_reference_says)
{
	struct vgw_rule r[4];
	unsigned int t, i, n, refused = 0;
	struct vgw_ruleset *rs;
	int want;

	seed("refusals");
	for (t = 0; t < 20000; t++) {
		n = 1 + rnd(4);
		want = 0;
		for (i = 0; i < n; i++) {
			random_rule(&r[i]);
			switch (rnd(8)) {
			case 0:
				r[i].proto = rnd(2) ? rnd(65536) : 256;
				break;
			case 1:
				r[i].plen += rnd(3);
				break;
			case 2:
				r[i].addr[rnd(16)] |= 1 << rnd(8);
				break;
			case 3:
				r[i].sport_lo = rnd(65536);
				r[i].dport_hi = rnd(65536);
				break;
			case 4:
				r[i].icmp_type = (int)rnd(300) - 5;
				r[i].icmp_code = (int)rnd(300) - 5;
				break;
			case 5:
				r[i].family = rnd(256);
				break;
			}
			if (!want)
				want = ref_rule_check(&r[i]);
		}
		rs = vgw_rules_build(r, n, GFP_KERNEL);
		ASSERT_EQ(want, IS_ERR(rs) ? PTR_ERR(rs) : 0);
		if (IS_ERR(rs))
			refused++;
		else
			vgw_rules_free(rs);
	}
	note("20000 sets, %u refused", refused);
	EXPECT_LT(2000, refused);
	EXPECT_GT(18000, refused);
}

TEST_HARNESS_MAIN
