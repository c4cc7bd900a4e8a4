// SPDX-License-Identifier: GPL-2.0
/*
 * Random valid documents (seeded; the seed is printed, and VGW_SEED=N
 * replays a run): every one must be accepted, survive write -> parse
 * unchanged, and write the same text twice. Pairs of documents that differ
 * in a few fields and VNICs check vgw_doc_diff() against a deliberately
 * naive reference: compare the canonical text of every object by id.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kselftest_harness.h"
#include "state.h"

/*
 * jansson's json_string(), under a name of our own: libvnicgw's json.c
 * exports a json_string() of its own, which wins at link time.
 */
static json_t *jstr(const char *s)
{
	return json_stringn(s, strlen(s));
}

struct rng {
	uint64_t s;
};

static uint64_t next(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dull;
}

static unsigned int below(struct rng *r, unsigned int n)
{
	return (unsigned int)(next(r) % n);
}

static bool chance(struct rng *r, unsigned int percent)
{
	return below(r, 100) < percent;
}

/* splitmix64: neighbouring seeds give unrelated streams. */
static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return (x ^ (x >> 31)) | 1;
}

static uint64_t seed_from_env(void)
{
	const char *s = getenv("VGW_SEED");

	if (s)
		return strtoull(s, NULL, 0);
	return (uint64_t)time(NULL) ^ ((uint64_t)clock() << 20);
}

#define MAX_PER_VCN 8

struct gw {
	char id[32];
	int type;		/* 0 internet, 1 nat, 2 service, 3 drg, 4 lpg */
	int n_services;
};

struct nic {
	json_t *obj;
	char id[40];
	char ip[48];		/* primary private IP */
	bool skip;
	bool targeted;		/* a private-ip route target: never dropped */
};

/*
 * r drives the structure, identical for both documents of a pair; v decides
 * the variations, only when variant is set.
 */
struct gen {
	struct rng r, v;
	bool variant;
	json_t *doc;
	unsigned int n_vnic, n_gw, n_underlay;
	/* the VCN being generated */
	int vcn;
	struct gw gws[MAX_PER_VCN];
	int n_gws;
	char nsgs[MAX_PER_VCN][32], sls[MAX_PER_VCN][32], rts[MAX_PER_VCN][32];
	int n_nsgs, n_sls, n_rts;
	struct nic nics[64];
	int n_nics;
};

static void add(struct gen *g, const char *key, json_t *obj)
{
	json_array_append_new(json_object_get(g->doc, key), obj);
}

/*
 * An optional field with a default: absent, the default written out, or
 * the other value. A variant now and then flips the value it stands for.
 */
static void opt(struct gen *g, json_t *o, const char *key, json_t *dflt,
		json_t *other)
{
	unsigned int k = below(&g->r, 3);
	bool flip = g->variant && chance(&g->v, 10);
	bool is_default = (k != 2) != flip;

	if (k != 0 || flip)
		json_object_set(o, key, is_default ? dflt : other);
	json_decref(dflt);
	json_decref(other);
}

static json_t *ip4(unsigned int a, unsigned int b, unsigned int c,
		   unsigned int d)
{
	return json_sprintf("%u.%u.%u.%u", a, b, c, d);
}

/* A random prefix of the family, host bits cleared. */
static json_t *random_prefix(struct rng *r, int family)
{
	unsigned int bits = family == AF_INET ? 32 : 128;
	unsigned int len = below(r, bits + 1), i;
	uint8_t b[16];
	char s[64];

	for (i = 0; i < 16; i++)
		b[i] = (uint8_t)next(r);
	for (i = 0; i < bits / 8; i++) {
		if (i * 8 >= len)
			b[i] = 0;
		else if (i * 8 + 8 > len)
			b[i] &= (uint8_t)(0xff00 >> (len - i * 8));
	}
	inet_ntop(family, b, s, sizeof(s));
	return json_sprintf("%s/%u", s, len);
}

static json_t *ports(struct rng *r)
{
	unsigned int lo = below(r, 65536), hi = lo + below(r, 65536 - lo);

	if (lo == hi)
		return chance(r, 50) ? json_integer(lo) : json_sprintf("%u", lo);
	return json_sprintf("%u-%u", lo, hi);
}

static json_t *protocol(struct rng *r, int *num)
{
	static const char *const names[] = { "all", "icmp", "tcp", "udp",
					     "icmpv6" };
	static const int nums[] = { -1, 1, 6, 17, 58 };
	unsigned int k = below(r, 7);

	if (k < 5) {
		*num = nums[k];
		return jstr(names[k]);
	}
	*num = (int)below(r, 256);
	return k == 5 ? json_integer(*num) : json_sprintf("%d", *num);
}

static json_t *sec_rule(struct gen *g, const char *peer_key)
{
	json_t *o = json_object();
	int p, fam;

	json_object_set_new(o, "protocol", protocol(&g->r, &p));
	fam = p == 1 ? AF_INET : p == 58 ? AF_INET6 :
	      chance(&g->r, 50) ? AF_INET : AF_INET6;
	if (g->n_nsgs && chance(&g->r, 25))
		json_object_set_new(o, peer_key, json_sprintf("nsg:%s",
				    g->nsgs[below(&g->r, g->n_nsgs)]));
	else
		json_object_set_new(o, peer_key, random_prefix(&g->r, fam));
	if ((p == 6 || p == 17) && chance(&g->r, 50))
		json_object_set_new(o, "dst_ports", ports(&g->r));
	if ((p == 6 || p == 17) && chance(&g->r, 30))
		json_object_set_new(o, "src_ports", ports(&g->r));
	if ((p == 1 || p == 58) && chance(&g->r, 50)) {
		json_object_set_new(o, "icmp_type", json_integer(below(&g->r, 256)));
		if (chance(&g->r, 50))
			json_object_set_new(o, "icmp_code",
					    json_integer(below(&g->r, 256)));
	}
	opt(g, o, "stateless", json_false(), json_true());
	return o;
}

static json_t *sec_rules(struct gen *g, const char *peer_key)
{
	json_t *a = json_array();
	unsigned int i, n = below(&g->r, 5);

	for (i = 0; i < n; i++)
		json_array_append_new(a, sec_rule(g, peer_key));
	return a;
}

static void gen_seclists(struct gen *g, const char *key, char ids[][32],
			 int n)
{
	json_t *o;
	int i;

	for (i = 0; i < n; i++) {
		o = json_object();
		json_object_set_new(o, "id", jstr(ids[i]));
		json_object_set_new(o, "vcn", json_sprintf("vcn%d", g->vcn));
		if (chance(&g->r, 80))
			json_object_set_new(o, "ingress", sec_rules(g, "source"));
		if (chance(&g->r, 80))
			json_object_set_new(o, "egress",
					    sec_rules(g, "destination"));
		add(g, key, o);
	}
}

static json_t *underlay(struct gen *g)
{
	unsigned int n = g->n_underlay++;

	if (chance(&g->r, 50))
		return ip4(172, 16 + n / 250, n % 250, 1);
	return json_sprintf("fd99::%x", n + 1);
}

static json_t *services(struct gen *g, struct gw *w)
{
	static const char *const pfx[] = {
		"192.0.2.0/24", "198.51.100.0/25", "2001:db8:aa::/48",
		"2001:db8:bb::/48", "192.0.2.128/25"
	};
	json_t *m = json_object(), *a;
	unsigned int i, j, n, first;
	char name[16];

	w->n_services = 1 + (int)below(&g->r, 3);
	for (i = 0; i < (unsigned int)w->n_services; i++) {
		a = json_array();
		n = 1 + below(&g->r, 3);
		first = below(&g->r, 5);
		for (j = 0; j < n; j++)		/* distinct: consecutive */
			json_array_append_new(a,
				jstr(pfx[(first + j) % 5]));
		snprintf(name, sizeof(name), "sv%u", i);
		json_object_set_new(m, name, a);
	}
	return m;
}

static void gen_gateway(struct gen *g, int k)
{
	static const char *const types[] = { "internet", "nat", "service",
					     "drg", "lpg" };
	struct gw *w = &g->gws[k];
	json_t *o = json_object();

	snprintf(w->id, sizeof(w->id), "gw%d.%d", g->vcn, k);
	w->type = (int)below(&g->r, 5);
	json_object_set_new(o, "id", jstr(w->id));
	json_object_set_new(o, "vcn", json_sprintf("vcn%d", g->vcn));
	json_object_set_new(o, "type", jstr(types[w->type]));
	if (w->type == 1)
		json_object_set_new(o, "public_ip", ip4(198, 18, g->vcn, k + 1));
	if (w->type == 2)
		json_object_set_new(o, "services", services(g, w));
	json_object_set_new(o, "underlay_ip", underlay(g));
	json_object_set_new(o, "vni", json_integer(100000 + g->n_gw++));
	opt(g, o, "encap", jstr("vxlan"), jstr("geneve"));
	opt(g, o, "enabled", json_true(), json_false());
	add(g, "gateways", o);
}

/* A random subset (no repeats) of ids, as a JSON array. */
static json_t *subset(struct rng *r, char ids[][32], int n, int max)
{
	json_t *a = json_array();
	int i, taken = 0;

	for (i = 0; i < n && taken < max; i++)
		if (chance(r, 40)) {
			json_array_append_new(a, jstr(ids[i]));
			taken++;
		}
	return a;
}

static json_t *vips(struct gen *g, bool v6)
{
	json_t *a = json_array(), *o;
	unsigned int n = 1 + below(&g->r, 3), first = below(&g->r, 4), i;

	for (i = 0; i < n; i++) {
		o = json_object();
		json_object_set_new(o, "ip", v6 ?
			json_sprintf("fd55::%u", 1 + (first + i) % 4) :
			ip4(10, 250, 0, 1 + (first + i) % 4));
		if (g->n_gws && chance(&g->r, 30))
			json_object_set_new(o, "rule", json_sprintf("target:%s",
				g->gws[below(&g->r, g->n_gws)].id));
		else
			opt(g, o, "rule", jstr("route"),
			    jstr("route"));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *micro_vnic(struct gen *g, bool v6, unsigned int n)
{
	json_t *o = json_object();

	json_object_set_new(o, "vni", json_integer(1 + n));
	json_object_set_new(o, "nvd_ip", v6 ? json_sprintf("fd77::%x", n + 1) :
			    ip4(10, 200, n / 250, n % 250 + 1));
	opt(g, o, "encap", jstr("vxlan"), jstr("geneve"));
	return o;
}

static void private_ips(struct gen *g, json_t *o, struct nic *nic, int s,
			bool v6, int k)
{
	json_t *a = json_array();
	unsigned int n = 1 + below(&g->r, 3), i, h;

	for (i = 0; i < n; i++) {
		h = 10 + (unsigned int)k * 3 + i;
		if (v6)
			json_array_append_new(a, json_sprintf("fd00:%x:%x::%x",
							      g->vcn, s, h));
		else
			json_array_append_new(a, ip4(10, g->vcn, s, h));
	}
	snprintf(nic->ip, sizeof(nic->ip), "%s",
		 json_string_value(json_array_get(a, 0)));
	json_object_set_new(o, "private_ips", a);
}

static void gen_vnic(struct gen *g, int s, bool v6, int k)
{
	struct nic *nic = &g->nics[g->n_nics++];
	unsigned int n = g->n_vnic++;
	json_t *o = json_object();

	snprintf(nic->id, sizeof(nic->id), "vnic%d.%d.%d", g->vcn, s, k);
	json_object_set_new(o, "id", jstr(nic->id));
	json_object_set_new(o, "subnet", json_sprintf("sub%d.%d", g->vcn, s));
	private_ips(g, o, nic, s, v6, k);
	if (chance(&g->r, 50))
		json_object_set_new(o, "mac", json_sprintf("02:aa:%02x:%02x:%02x:01",
				    g->vcn, s, k));
	if (chance(&g->r, 30))
		json_object_set_new(o, "public_ip", v6 ?
			json_sprintf("2001:db8:ffff::%x", n + 1) :
			ip4(203, 0 + n / 250 % 250, 113, n % 250 + 1));
	json_object_set_new(o, "nsgs", subset(&g->r, g->nsgs, g->n_nsgs, 5));
	nic->skip = chance(&g->r, 30);
	json_object_set_new(o, "skip_source_dest_check",
			    json_boolean(nic->skip));
	json_object_set_new(o, "micro_vnic", micro_vnic(g, chance(&g->r, 40), n));
	json_object_set_new(o, "vips", vips(g,
		json_string_value(json_object_get(json_object_get(o,
			"micro_vnic"), "nvd_ip"))[0] == 'f'));
	opt(g, o, "conntrack_limit", json_integer(65536),
	    json_integer(1 + below(&g->r, 1u << 20)));
	nic->obj = o;
}

static void gen_subnet(struct gen *g, int s)
{
	bool v6 = chance(&g->r, 40);
	json_t *o = json_object();
	int k, n = (int)below(&g->r, 5);

	json_object_set_new(o, "id", json_sprintf("sub%d.%d", g->vcn, s));
	json_object_set_new(o, "vcn", json_sprintf("vcn%d", g->vcn));
	json_object_set_new(o, "cidr", v6 ?
		json_sprintf("fd00:%x:%x::/64", g->vcn, s) :
		json_sprintf("10.%d.%d.0/24", g->vcn, s));
	if (g->n_rts && chance(&g->r, 70))
		json_object_set_new(o, "route_table",
			jstr(g->rts[below(&g->r, g->n_rts)]));
	if (chance(&g->r, 70))
		json_object_set_new(o, "security_lists",
				    subset(&g->r, g->sls, g->n_sls, 5));
	add(g, "subnets", o);
	for (k = 0; k < n; k++)
		gen_vnic(g, s, v6, k);
}

/* A gateway target for a CIDR destination (not a service gateway). */
static struct gw *cidr_target(struct gen *g)
{
	int i, start = (int)below(&g->r, g->n_gws ?: 1);

	for (i = 0; i < g->n_gws; i++)
		if (g->gws[(start + i) % g->n_gws].type != 2)
			return &g->gws[(start + i) % g->n_gws];
	return NULL;
}

static struct nic *forwarder(struct gen *g)
{
	int i, start = (int)below(&g->r, g->n_nics ?: 1);

	for (i = 0; i < g->n_nics; i++)
		if (g->nics[(start + i) % g->n_nics].skip)
			return &g->nics[(start + i) % g->n_nics];
	return NULL;
}

static json_t *route_rule(struct gen *g, unsigned int idx, bool *svc_used)
{
	json_t *o = json_object();
	struct gw *w = g->n_gws ? &g->gws[below(&g->r, g->n_gws)] : NULL;
	struct nic *nic;
	bool v6 = chance(&g->r, 40);

	if (w && w->type == 2) {
		unsigned int s = below(&g->r, (unsigned int)w->n_services);

		if (svc_used[s]) {
			json_decref(o);
			return NULL;
		}
		svc_used[s] = true;
		json_object_set_new(o, "destination", json_sprintf("service:sv%u", s));
		json_object_set_new(o, "target", jstr(w->id));
		return o;
	}
	nic = chance(&g->r, 20) ? forwarder(g) : NULL;
	w = nic ? NULL : cidr_target(g);
	if (!nic && !w) {
		json_decref(o);
		return NULL;
	}
	v6 = v6 && !(w && w->type == 1);	/* NAT: IPv4 public IP */
	json_object_set_new(o, "destination", v6 ?
		json_sprintf("2001:db8:%x::/48", idx) :
		json_sprintf("100.%u.0.0/16", idx));
	if (nic)
		nic->targeted = true;
	json_object_set_new(o, "target", nic ?
		json_sprintf("private-ip:%s", nic->ip) : jstr(w->id));
	return o;
}

static void gen_route_tables(struct gen *g)
{
	bool svc_used[3];
	json_t *o, *rules, *r;
	unsigned int i, n;
	int k;

	for (k = 0; k < g->n_rts; k++) {
		memset(svc_used, 0, sizeof(svc_used));
		o = json_object();
		json_object_set_new(o, "id", jstr(g->rts[k]));
		json_object_set_new(o, "vcn", json_sprintf("vcn%d", g->vcn));
		rules = json_array();
		n = below(&g->r, 7);
		for (i = 0; i < n; i++) {
			r = route_rule(g, i, svc_used);
			if (r)
				json_array_append_new(rules, r);
		}
		json_object_set_new(o, "rules", rules);
		add(g, "route_tables", o);
	}
}

/* VNICs go in last: a variant drops some that no route targets. */
static void add_vnics(struct gen *g)
{
	int i;

	for (i = 0; i < g->n_nics; i++) {
		if (g->variant && !g->nics[i].targeted && chance(&g->v, 10))
			json_decref(g->nics[i].obj);
		else
			add(g, "vnics", g->nics[i].obj);
	}
}

static void gen_vcn(struct gen *g, int v)
{
	json_t *o = json_object();
	int k, n_sub = 1 + (int)below(&g->r, 4);

	g->vcn = v;
	g->n_nics = 0;
	json_object_set_new(o, "id", json_sprintf("vcn%d", v));
	json_object_set_new(o, "cidrs", json_pack("[o,o]",
		json_sprintf("10.%d.0.0/16", v), json_sprintf("fd00:%x::/32", v)));
	add(g, "vcns", o);
	g->n_gws = (int)below(&g->r, 6);
	for (k = 0; k < g->n_gws; k++)
		gen_gateway(g, k);
	g->n_nsgs = (int)below(&g->r, 4);
	g->n_sls = (int)below(&g->r, 4);
	g->n_rts = (int)below(&g->r, 4);
	for (k = 0; k < MAX_PER_VCN; k++) {
		snprintf(g->nsgs[k], 32, "nsg%d.%d", v, k);
		snprintf(g->sls[k], 32, "sl%d.%d", v, k);
		snprintf(g->rts[k], 32, "rt%d.%d", v, k);
	}
	gen_seclists(g, "nsgs", g->nsgs, g->n_nsgs);
	gen_seclists(g, "security_lists", g->sls, g->n_sls);
	for (k = 0; k < n_sub; k++)
		gen_subnet(g, k);
	gen_route_tables(g);
	add_vnics(g);
}

/* Fisher-Yates on every top-level array: object order must not matter. */
static void shuffle(struct rng *r, json_t *doc)
{
	const char *key;
	json_t *a, *tmp;
	size_t i, j;

	json_object_foreach(doc, key, a) {
		for (i = json_array_size(a); i > 1; i--) {
			j = below(r, (unsigned int)i);
			tmp = json_incref(json_array_get(a, i - 1));
			json_array_set(a, i - 1, json_array_get(a, j));
			json_array_set_new(a, j, tmp);
		}
	}
}

/* The document for seed; variant: with some fields changed, VNICs dropped. */
static char *generate(uint64_t seed, bool variant)
{
	static const char *const keys[] = { "vcns", "subnets", "route_tables",
		"security_lists", "nsgs", "gateways", "vnics" };
	struct gen g = { .r.s = mix(seed), .v.s = mix(~seed),
			 .variant = variant };
	unsigned int i, n_vcn;
	char *s;

	g.doc = json_object();
	for (i = 0; i < 7; i++)
		json_object_set_new(g.doc, keys[i], json_array());
	n_vcn = 1 + below(&g.r, 3);
	for (i = 0; i < n_vcn; i++)
		gen_vcn(&g, (int)i);
	shuffle(&g.r, g.doc);
	s = json_dumps(g.doc, JSON_COMPACT);
	json_decref(g.doc);
	return s;
}

static char *to_text(const struct vgw_doc *d)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	if (vgw_doc_write_json(d, f)) {
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	return buf;
}

static struct vgw_doc *parse(struct __test_metadata *_metadata,
			     const char *text, uint64_t seed)
{
	struct vgw_doc *d = NULL;
	char err[512] = "";

	if (vgw_doc_parse(text, strlen(text), &d, err, sizeof(err)))
		TH_LOG("seed %" PRIu64 ": %s", seed, err);
	return d;
}

#define ROUNDS 400

TEST(random_documents_are_valid_and_round_trip)
{
	uint64_t seed0 = seed_from_env(), seed;
	struct vgw_doc *d, *e;
	char *t0, *t1, *t2;
	unsigned int i, vnics = 0;

	TH_LOG("seed %" PRIu64 " (VGW_SEED=%" PRIu64 " to replay)", seed0,
	       seed0);
	for (i = 0; i < ROUNDS; i++) {
		seed = seed0 + i;
		t0 = generate(seed, false);
		ASSERT_NE(NULL, t0);
		d = parse(_metadata, t0, seed);
		ASSERT_NE(NULL, d);
		t1 = to_text(d);
		ASSERT_NE(NULL, t1);
		e = parse(_metadata, t1, seed);
		ASSERT_NE(NULL, e);
		ASSERT_TRUE(vgw_doc_equal(d, e)) TH_LOG("seed %" PRIu64, seed);
		t2 = to_text(e);
		ASSERT_NE(NULL, t2);
		ASSERT_STREQ(t1, t2);
		vnics += vgw_doc_count(d, VGW_OBJ_VNIC);
		free(t0);
		free(t1);
		free(t2);
		vgw_doc_free(d);
		vgw_doc_free(e);
	}
	TH_LOG("%u documents, %u VNICs", ROUNDS, vnics);
	EXPECT_LT(ROUNDS, vnics);
}

/* --- the difference, against a naive reference ---------------------------- */

struct seen {
	char line[2048][96];
	int n;
};

static int record(enum vgw_obj_type t, enum vgw_change change,
		  const void *old_obj, const void *new_obj, void *arg)
{
	static const char sign[] = "+-~";
	struct seen *s = arg;

	if (s->n == 2048)
		return -1;
	snprintf(s->line[s->n++], 96, "%c %s %s", sign[change],
		 vgw_obj_type_name(t), (const char *)(new_obj ?: old_obj));
	return 0;
}

static char *obj_text(enum vgw_obj_type t, const void *obj)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	vgw_obj_write_json(t, obj, f);
	fclose(f);
	return buf;
}

/* Naive: every id of either document, its two texts compared. */
static void naive_diff(const struct vgw_doc *a, const struct vgw_doc *b,
		       struct seen *s)
{
	const void *x, *y;
	char *tx, *ty;
	unsigned int t, i;

	for (t = 0; t < VGW_OBJ_NTYPES; t++) {
		for (i = 0; i < vgw_doc_count(a, t); i++) {
			x = vgw_doc_obj(a, t, i);
			y = vgw_doc_find(b, t, x);
			if (!y) {
				record(t, VGW_REMOVED, x, NULL, s);
				continue;
			}
			tx = obj_text(t, x);
			ty = obj_text(t, y);
			if (strcmp(tx, ty))
				record(t, VGW_CHANGED, x, y, s);
			free(tx);
			free(ty);
		}
		for (i = 0; i < vgw_doc_count(b, t); i++) {
			y = vgw_doc_obj(b, t, i);
			if (!vgw_doc_find(a, t, y))
				record(t, VGW_ADDED, NULL, y, s);
		}
	}
}

static int line_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

TEST(random_diffs_match_a_naive_comparison_of_every_object)
{
	uint64_t seed0 = seed_from_env() + 1000003, seed;
	static struct seen fast, slow;
	struct vgw_doc *a, *b;
	unsigned int i, changed = 0;
	char *ta, *tb;
	int k;

	TH_LOG("seed %" PRIu64 " (VGW_SEED=%" PRIu64 " to replay)", seed0,
	       seed0 - 1000003);
	for (i = 0; i < ROUNDS / 2; i++) {
		seed = seed0 + i;
		ta = generate(seed, false);
		tb = generate(seed, true);
		a = parse(_metadata, ta, seed);
		b = parse(_metadata, tb, seed);
		ASSERT_NE(NULL, a);
		ASSERT_NE(NULL, b);
		fast.n = slow.n = 0;
		ASSERT_EQ(0, vgw_doc_diff(a, b, record, &fast));
		naive_diff(a, b, &slow);
		ASSERT_EQ(slow.n, fast.n) TH_LOG("seed %" PRIu64, seed);
		qsort(fast.line, fast.n, sizeof(fast.line[0]), line_cmp);
		qsort(slow.line, slow.n, sizeof(slow.line[0]), line_cmp);
		for (k = 0; k < fast.n; k++)
			ASSERT_STREQ(slow.line[k], fast.line[k]);
		EXPECT_EQ(fast.n == 0, vgw_doc_equal(a, b));
		changed += fast.n;
		free(ta);
		free(tb);
		vgw_doc_free(a);
		vgw_doc_free(b);
	}
	TH_LOG("%u pairs, %u objects differed", ROUNDS / 2, changed);
	EXPECT_LT(ROUNDS / 4, changed);
}

TEST_HARNESS_MAIN
