// SPDX-License-Identifier: GPL-2.0
/*
 * The etcd layout of the desired state (user/lib/store*.c) and the etcd
 * gateway's encoding (user/lib/etcd_codec.c), without an etcd: keys, the
 * document reassembled from keys and its refusals naming the key, the plan
 * of a write, objects split over keys (a head and its parts), members,
 * base64, range ends, watch messages.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "etcd.h"
#include "store.h"

#define P	"/vnicgw/"

#include "test_data.h"

static struct vgw_doc *example(void)
{
	struct vgw_doc *d = NULL;
	char err[256];

	if (vgw_doc_parse_file(data_path("example.json"), &d, err, sizeof(err)))
		fprintf(stderr, "example.json: %s\n", err);
	return d;
}

static int set(struct vgw_store *s, const char *key, const char *value,
	       int64_t rev)
{
	return vgw_store_set(s, key, strlen(key), value, strlen(value), rev);
}

/* Do what a committed plan does to the keys, at revision @rev. */
static void apply_plan(struct vgw_store *s, const struct vgw_store_plan *p,
		       int64_t rev)
{
	unsigned int i;

	for (i = 0; i < p->n; i++) {
		if (p->ops[i].change == '-')
			vgw_store_del(s, p->ops[i].key, strlen(p->ops[i].key));
		else
			vgw_store_set(s, p->ops[i].key, strlen(p->ops[i].key),
				      p->ops[i].value, p->ops[i].len, rev);
	}
}

/* A store holding @d, written by a plan from empty. */
static struct vgw_store *store_of(const struct vgw_doc *d)
{
	struct vgw_store *s = vgw_store_new(P);
	struct vgw_store_plan p;

	vgw_store_plan(s, d, &p);
	apply_plan(s, &p, 10);
	vgw_store_plan_free(&p);
	return s;
}

/* --- keys -------------------------------------------------------------------- */

TEST(keys_are_prefix_objects_type_id)
{
	char key[VGW_STORE_KEY_MAX], p[VGW_STORE_PREFIX_MAX], err[128];

	vgw_store_obj_key(P, VGW_OBJ_ROUTE_TABLE, "rt-a", key);
	EXPECT_STREQ("/vnicgw/objects/route_table/rt-a", key);
	vgw_store_member_key(P, "h1", key);
	EXPECT_STREQ("/vnicgw/members/h1", key);
	ASSERT_EQ(0, vgw_store_prefix_norm("/x/y", p, err, sizeof(err)));
	EXPECT_STREQ("/x/y/", p);
	ASSERT_EQ(0, vgw_store_prefix_norm("/x/", p, err, sizeof(err)));
	EXPECT_STREQ("/x/", p);
	EXPECT_EQ(-EINVAL, vgw_store_prefix_norm("x/", p, err, sizeof(err)));
	EXPECT_TRUE(vgw_store_id_valid("h-1.a_B"));
	EXPECT_FALSE(vgw_store_id_valid(""));
	EXPECT_FALSE(vgw_store_id_valid("a/b"));
	EXPECT_FALSE(vgw_store_id_valid("1234567890123456789012345678901234567890123456789012345678901234"));
}

/* --- the document in keys -------------------------------------------------- */

TEST(document_written_as_keys_reads_back_equal)
{
	struct vgw_doc *d = example(), *back = NULL;
	struct vgw_store *s;
	char err[256] = "";
	unsigned int t, n = 0;

	ASSERT_NE(NULL, d);
	s = store_of(d);
	for (t = 0; t < VGW_OBJ_NTYPES; t++)
		n += vgw_doc_count(d, t);
	EXPECT_EQ(n, vgw_store_n_objects(s));
	ASSERT_EQ(0, vgw_store_doc(s, &back, err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_TRUE(vgw_doc_equal(d, back));
	vgw_doc_free(back);
	vgw_store_free(s);
	vgw_doc_free(d);
}

TEST(each_value_is_the_objects_canonical_json)
{
	struct vgw_doc *d = example();
	const void *v = vgw_doc_find(d, VGW_OBJ_VNIC, "vnic-a1");
	struct vgw_store_plan p;
	struct vgw_store *s = vgw_store_new(P);
	char *want;
	size_t len;
	unsigned int i, found = 0;

	ASSERT_NE(NULL, v);
	ASSERT_EQ(0, vgw_store_obj_value(VGW_OBJ_VNIC, v, &want, &len));
	EXPECT_EQ('{', want[0]);
	ASSERT_EQ(0, vgw_store_plan(s, d, &p));
	for (i = 0; i < p.n; i++) {
		if (strcmp(p.ops[i].key, P "objects/vnic/vnic-a1"))
			continue;
		found++;
		EXPECT_EQ(len, p.ops[i].len);
		EXPECT_EQ(0, memcmp(want, p.ops[i].value, len));
	}
	EXPECT_EQ(1, found);
	free(want);
	vgw_store_plan_free(&p);
	vgw_store_free(s);
	vgw_doc_free(d);
}

TEST(no_object_key_is_no_document)
{
	struct vgw_store *s = vgw_store_new(P);
	struct vgw_doc *d = NULL;
	char err[256];

	EXPECT_EQ(-ENOENT, vgw_store_doc(s, &d, err, sizeof(err)));
	set(s, P "members/h1", "{}", 3);
	set(s, P "other/x", "1", 3);
	EXPECT_EQ(-ENOENT, vgw_store_doc(s, &d, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "no key under /vnicgw/objects/")) TH_LOG("%s", err);
	vgw_store_free(s);
}

/* Refusals: returns the message of the document with one bad key. */
static int refused(struct vgw_store *s, const char *key, const char *value,
		   char *err, size_t errlen)
{
	struct vgw_doc *d = NULL;
	int ret;

	set(s, key, value, 20);
	ret = vgw_store_doc(s, &d, err, errlen);
	vgw_doc_free(d);
	vgw_store_del(s, key, strlen(key));
	return ret;
}

TEST(refusals_name_the_key)
{
	struct vgw_doc *d = example();
	struct vgw_store *s = store_of(d);
	const char *k = P "objects/vnic/vnic-a1";
	char err[512];

	EXPECT_EQ(-EINVAL, refused(s, P "objects/vnics/x", "{\"id\":\"x\"}", err, sizeof(err)));
	EXPECT_STREQ("/vnicgw/objects/vnics/x: not objects/<type>/<id> with a known type", err);
	EXPECT_EQ(-EINVAL, refused(s, P "objects/vnic", "{}", err, sizeof(err)));
	EXPECT_EQ(-EINVAL, refused(s, P "objects/vcn/a b", "{\"id\":\"a b\"}", err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "\"a b\" is not a valid id")) TH_LOG("%s", err);
	EXPECT_EQ(-EINVAL, refused(s, P "objects/vcn/v2", "{\"id\":\"v3\",\"cidrs\":[]}", err, sizeof(err)));
	EXPECT_STREQ("/vnicgw/objects/vcn/v2: the object's id is \"v3\", not the key's v2", err);
	EXPECT_EQ(-EINVAL, refused(s, P "objects/vcn/v2", "[1]", err, sizeof(err)));
	EXPECT_STREQ("/vnicgw/objects/vcn/v2: the value is not a JSON object", err);
	/* A value cannot smuggle a second object into the document. */
	EXPECT_EQ(-EINVAL, refused(s, P "objects/vcn/v2",
				   "{\"id\":\"v2\",\"cidrs\":[\"10.9.0.0/16\"]}, {\"id\":\"v9\"", err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "/vnicgw/objects/vcn/v2: the value is not a JSON object")) TH_LOG("%s", err);
	/* The validator's own messages, with the key for the index. */
	EXPECT_EQ(-EINVAL, refused(s, k,
		"{\"id\":\"vnic-a1\",\"subnet\":\"sub-a\",\"private_ips\":[\"10.1.9.5\"],"
		"\"micro_vnic\":{\"vni\":1001,\"nvd_ip\":\"10.0.0.21\"},\"vips\":[{\"ip\":\"10.0.100.1\"}]}",
		err, sizeof(err)));
	EXPECT_STREQ("/vnicgw/objects/vnic/vnic-a1: private_ips[0]: 10.1.9.5 is outside subnet sub-a 10.1.1.0/24", err);
	EXPECT_EQ(-EINVAL, refused(s, k, "{\"id\":\"vnic-a1\",\"color\":1}", err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "/vnicgw/objects/vnic/vnic-a1: ")) TH_LOG("%s", err);
	vgw_store_free(s);
	vgw_doc_free(d);
}

TEST(keys_outside_objects_and_members_are_ignored)
{
	struct vgw_store *s = vgw_store_new(P);

	EXPECT_EQ(0, set(s, P "config/x", "1", 2));
	EXPECT_EQ(0, set(s, "/other/objects/vcn/a", "{}", 2));
	EXPECT_EQ(VGW_STORE_OBJECTS, set(s, P "objects/vcn/a", "{}", 2));
	EXPECT_EQ(0, set(s, P "objects/vcn/a", "{}", 3));	/* same value */
	EXPECT_EQ(VGW_STORE_MEMBERS, set(s, P "members/h1", "{}", 3));
	EXPECT_EQ(VGW_STORE_MEMBERS, vgw_store_del(s, P "members/h1", 18));
	EXPECT_EQ(0, vgw_store_del(s, P "members/h1", 18));
	EXPECT_EQ(1, vgw_store_n_objects(s));
	vgw_store_free(s);
}

TEST(cluster_keys_are_neither_objects_nor_members)
{
	struct vgw_doc *d = example(), *got = NULL;
	struct vgw_store *s = store_of(d);
	struct vgw_store_plan p;
	const char **ids, *v;
	char err[256];
	int64_t rev;
	size_t len;

	ASSERT_NE(NULL, s);
	EXPECT_EQ(-ENOENT, vgw_store_keys_value(s, &v, &len, &rev));
	EXPECT_EQ(VGW_STORE_KEYS, set(s, P "cluster/keys", "1:00", 7));
	EXPECT_EQ(0, set(s, P "cluster/keys", "1:00", 8));	/* same value */
	EXPECT_EQ(VGW_STORE_KEYS, set(s, P "cluster/keys", "2:00\n1:00", 9));
	/* Only that key: its neighbours are left alone like any other. */
	EXPECT_EQ(0, set(s, P "cluster/keys-old", "1:00", 9));
	EXPECT_EQ(0, set(s, P "cluster/keys/x", "1:00", 9));
	EXPECT_EQ(0, set(s, P "cluster/key", "1:00", 9));
	ASSERT_EQ(0, vgw_store_keys_value(s, &v, &len, &rev));
	EXPECT_EQ(0, strncmp("2:00\n1:00", v, len));
	EXPECT_EQ(9, rev);
	/* The document and the members are what they were. */
	ASSERT_EQ(0, vgw_store_doc(s, &got, err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_TRUE(vgw_doc_equal(d, got));
	EXPECT_EQ(0, vgw_store_members(s, &ids));
	free(ids);
	/* A write of the document (vnicctl apply --etcd) does not touch it. */
	ASSERT_EQ(0, vgw_store_plan(s, d, &p));
	EXPECT_EQ(0, p.n);
	vgw_store_plan_free(&p);
	EXPECT_EQ(VGW_STORE_KEYS, vgw_store_del(s, P "cluster/keys", strlen(P "cluster/keys")));
	EXPECT_EQ(-ENOENT, vgw_store_keys_value(s, &v, &len, &rev));
	vgw_doc_free(got);
	vgw_store_free(s);
	vgw_doc_free(d);
}

/* --- plans -------------------------------------------------------------------- */

TEST(plan_of_an_unchanged_document_is_empty)
{
	struct vgw_doc *d = example();
	struct vgw_store *s = store_of(d);
	struct vgw_store_plan p;

	ASSERT_EQ(0, vgw_store_plan(s, d, &p));
	EXPECT_EQ(0, p.n);
	vgw_store_plan_free(&p);
	vgw_store_free(s);
	vgw_doc_free(d);
}

TEST(changing_one_vnic_is_one_key_guarded_by_its_revision)
{
	struct vgw_doc *d = example();
	struct vgw_store *s = store_of(d);
	struct vgw_vnic *v = (struct vgw_vnic *)vgw_doc_find(d, VGW_OBJ_VNIC, "vnic-fw");
	struct vgw_store_plan p;

	set(s, P "objects/vnic/vnic-fw", "{\"id\":\"vnic-fw\",\"old\":1}", 42);
	ASSERT_NE(NULL, v);
	v->conntrack_limit = 77;
	ASSERT_EQ(0, vgw_store_plan(s, d, &p));
	ASSERT_EQ(1, p.n);
	EXPECT_EQ('~', p.ops[0].change);
	EXPECT_STREQ(P "objects/vnic/vnic-fw", p.ops[0].key);
	EXPECT_EQ(42, p.ops[0].mod_rev);
	EXPECT_NE(NULL, strstr(p.ops[0].value, "\"conntrack_limit\": 77"));
	EXPECT_EQ(1, p.changed);
	vgw_store_plan_free(&p);
	vgw_store_free(s);
	vgw_doc_free(d);
}

TEST(plan_puts_in_dependency_order_then_deletes_in_reverse)
{
	struct vgw_doc *d = example(), *empty_vcn = NULL;
	struct vgw_store *s = store_of(d);
	struct vgw_store_plan p;
	const char *small = "{\"vcns\":[{\"id\":\"vcn-z\",\"cidrs\":[\"10.7.0.0/16\"]}]}";
	char err[256];
	unsigned int i;

	ASSERT_EQ(0, vgw_doc_parse(small, strlen(small), &empty_vcn, err, sizeof(err)));
	set(s, P "objects/bogus/x", "{}", 9);
	ASSERT_EQ(0, vgw_store_plan(s, empty_vcn, &p));
	ASSERT_GT(p.n, 3);
	EXPECT_EQ('+', p.ops[0].change);
	EXPECT_STREQ(P "objects/vcn/vcn-z", p.ops[0].key);
	EXPECT_EQ(0, p.ops[0].mod_rev);
	EXPECT_STREQ(P "objects/bogus/x", p.ops[1].key);	/* unknown first */
	EXPECT_EQ(VGW_OBJ_NTYPES, p.ops[1].type);
	for (i = 2; i < p.n; i++) {
		EXPECT_EQ('-', p.ops[i].change);
		EXPECT_EQ(10, p.ops[i].mod_rev);
		if (i > 2)
			EXPECT_GE(p.ops[i - 1].type, p.ops[i].type);
	}
	EXPECT_STREQ(P "objects/vnic/vnic-a1", p.ops[2].key);
	EXPECT_STREQ(P "objects/vcn/vcn-a", p.ops[p.n - 1].key);
	EXPECT_EQ(1, p.added);
	EXPECT_EQ(p.n - 1, p.removed);
	/* Applied, the keys hold the small document and nothing else. */
	apply_plan(s, &p, 11);
	EXPECT_EQ(1, vgw_store_n_objects(s));
	vgw_store_plan_free(&p);
	vgw_store_free(s);
	vgw_doc_free(d);
	vgw_doc_free(empty_vcn);
}

TEST(op_lines_look_like_vnicctl_apply)
{
	struct vgw_store_op op = { .change = '~', .type = VGW_OBJ_SUBNET,
				   .key = P "objects/subnet/sub-a" };
	char *text;
	size_t len;
	FILE *f = open_memstream(&text, &len);

	vgw_store_op_print(&op, f);
	op = (struct vgw_store_op){ .change = '-', .type = VGW_OBJ_NTYPES,
				    .key = P "objects/x/y" };
	vgw_store_op_print(&op, f);
	fclose(f);
	EXPECT_STREQ("~ subnet sub-a\n- key /vnicgw/objects/x/y\n", text);
	free(text);
}

/* --- objects split over keys (issue 14) ----------------------------------- */

#define RT	P "objects/route_table/rt-a"

static uint64_t fnv(const char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (n--) {
		h ^= (unsigned char)*p++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static int set_n(struct vgw_store *s, const char *key, const char *v,
		 size_t n)
{
	return vgw_store_set(s, key, strlen(key), v, n, 11);
}

/*
 * The example's keys with rt-a's value as a head of generation 7 and 3
 * parts (the reader does not care how big they are). Returns rt-a's JSON.
 */
static char *split_example(struct vgw_store **out)
{
	struct vgw_doc *d = example();
	char head[256], *value;
	size_t len, third;

	*out = store_of(d);
	vgw_store_obj_value(VGW_OBJ_ROUTE_TABLE,
			    vgw_doc_find(d, VGW_OBJ_ROUTE_TABLE, "rt-a"), &value, &len);
	vgw_doc_free(d);
	third = len / 3;
	/* Parts first, as a writer does: a generation no head names. */
	set_n(*out, RT "/parts/7/0", value, third);
	set_n(*out, RT "/parts/7/1", value + third, third);
	set_n(*out, RT "/parts/7/2", value + 2 * third, len - 2 * third);
	snprintf(head, sizeof(head),
		 "{\"id\":\"rt-a\",\"parts\":{\"generation\":7,\"count\":3,\"bytes\":%zu,\"fnv1a64\":\"%016llx\"}}",
		 len, (unsigned long long)fnv(value, len));
	set(*out, RT, head, 12);
	return value;
}

TEST(a_split_object_reads_as_its_parts_assembled)
{
	struct vgw_doc *d = example(), *back = NULL;
	struct vgw_store_plan p;
	struct vgw_store *s;
	char err[256] = "", *v = split_example(&s);

	EXPECT_EQ(12, vgw_store_n_objects(s));		/* parts are not objects */
	ASSERT_EQ(0, vgw_store_doc(s, &back, err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_TRUE(vgw_doc_equal(d, back));
	/* The keys hold the document: a plan of it changes nothing. */
	ASSERT_EQ(0, vgw_store_plan(s, d, &p));
	EXPECT_EQ(0, p.n);
	vgw_store_plan_free(&p);
	vgw_doc_free(back);
	vgw_doc_free(d);
	vgw_store_free(s);
	free(v);
}

TEST(only_the_heads_generation_changes_the_document)
{
	struct vgw_store *s;
	struct vgw_doc *d = NULL;
	char err[256] = "", *v = split_example(&s);

	/* A writer's new parts, and old ones deleted: nothing to read. */
	EXPECT_EQ(0, set_n(s, RT "/parts/8/0", "{", 1));
	EXPECT_EQ(0, vgw_store_del(s, RT "/parts/8/0", strlen(RT "/parts/8/0")));
	/* A part of the head's generation gone: no document yet. */
	EXPECT_EQ(VGW_STORE_OBJECTS,
		  vgw_store_del(s, RT "/parts/7/1", strlen(RT "/parts/7/1")));
	EXPECT_EQ(-EAGAIN, vgw_store_doc(s, &d, err, sizeof(err)));
	EXPECT_STREQ(RT ": part 1 of the 3 of generation 7 is not there (yet)", err);
	/* Back, but not the same bytes: the hash says so. */
	EXPECT_EQ(VGW_STORE_OBJECTS, set_n(s, RT "/parts/7/1", v, strlen(v) / 3));
	EXPECT_EQ(-EAGAIN, vgw_store_doc(s, &d, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "not the head's"));
	vgw_store_free(s);
	free(v);
}

TEST(a_bad_head_is_refused_naming_the_key)
{
	struct vgw_store *s;
	struct vgw_doc *d = NULL;
	char err[512] = "", *v = split_example(&s);

	set(s, RT, "{\"id\":\"rt-a\",\"parts\":{\"generation\":7}}", 13);
	EXPECT_EQ(-EINVAL, vgw_store_doc(s, &d, err, sizeof(err)));
	EXPECT_EQ(0, strncmp(err, RT ": not a split object's head", strlen(RT ": not a split object's head")))
		TH_LOG("%s", err);
	/* A part with no head at all is no object, and a bad key still is. */
	vgw_store_del(s, RT, strlen(RT));
	set(s, P "objects/vcn/a/b", "{}", 13);
	EXPECT_EQ(-EINVAL, vgw_store_doc(s, &d, err, sizeof(err)));
	EXPECT_STREQ(P "objects/vcn/a/b: \"a/b\" is not a valid id", err);
	vgw_store_free(s);
	free(v);
}

TEST(a_big_value_is_planned_as_parts_and_a_head)
{
	struct vgw_doc *d = example();
	struct vgw_route_table *rt = (void *)vgw_doc_find(d, VGW_OBJ_ROUTE_TABLE, "rt-a");
	struct vgw_store *s = vgw_store_new(P);
	struct vgw_route_rule *r;
	struct vgw_store_plan p;
	unsigned int i, n = 20000;
	char *text;
	size_t len;
	FILE *f;

	/* 20k rules: 11.0.0.0/32 + i, to igw-a (about 1.4 MB of JSON). */
	r = realloc(rt->rules, (rt->n_rules + n) * sizeof(*r));
	ASSERT_NE(NULL, r);
	rt->rules = r;
	for (i = 0; i < n; i++) {
		r = &rt->rules[rt->n_rules + i];
		*r = rt->rules[0];
		r->pos = rt->n_rules + i;
		r->dst.addr.family = AF_INET;
		r->dst.addr.bytes[0] = 11;
		r->dst.addr.bytes[1] = (unsigned char)(i >> 16);
		r->dst.addr.bytes[2] = (unsigned char)(i >> 8);
		r->dst.addr.bytes[3] = (unsigned char)i;
		r->dst.len = 32;
	}
	rt->n_rules += n;
	ASSERT_EQ(0, vgw_store_plan(s, d, &p));
	for (i = 0; i < p.n && strcmp(p.ops[i].key, RT); i++)
		;
	ASSERT_LT(i, p.n);
	EXPECT_GT(p.ops[i].len, VGW_STORE_SPLIT_BYTES);
	EXPECT_EQ((p.ops[i].len + VGW_STORE_SPLIT_BYTES - 1) / VGW_STORE_SPLIT_BYTES,
		  p.ops[i].n_parts);
	ASSERT_NE(NULL, p.ops[i].head);
	EXPECT_NE(NULL, strstr(p.ops[i].head, "\"parts\":{\"generation\":1,"));
	f = open_memstream(&text, &len);
	vgw_store_op_print(&p.ops[i], f);
	fclose(f);
	EXPECT_NE(NULL, strstr(text, "+ route_table rt-a ("));
	EXPECT_NE(NULL, strstr(text, " parts)\n"));
	free(text);
	vgw_store_plan_free(&p);
	vgw_store_free(s);
	vgw_doc_free(d);
}

/* --- members ------------------------------------------------------------------ */

TEST(members_are_the_valid_ids_sorted)
{
	struct vgw_store *s = vgw_store_new(P);
	const char **ids;
	int n;

	set(s, P "members/h3", "{}", 1);
	set(s, P "members/h1", "{}", 1);
	set(s, P "members/bad id", "{}", 1);
	set(s, P "members/a/b", "{}", 1);
	set(s, P "objects/vcn/h2", "{}", 1);
	n = vgw_store_members(s, &ids);
	ASSERT_EQ(2, n);
	EXPECT_STREQ("h1", ids[0]);
	EXPECT_STREQ("h3", ids[1]);
	free(ids);
	vgw_store_free(s);
}

/* --- the gateway's encoding ------------------------------------------------- */

TEST(base64_round_trips)
{
	static const char *const enc[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==" };
	const char *raw = "foob";
	unsigned int i;
	size_t len;
	char *s, *d;

	for (i = 0; i < 5; i++) {
		s = vgw_etcd_b64(raw, i);
		EXPECT_STREQ(enc[i], s);
		d = vgw_etcd_unb64(s, &len);
		ASSERT_NE(NULL, d);
		EXPECT_EQ(i, len);
		EXPECT_EQ(0, memcmp(raw, d, i));
		free(s);
		free(d);
	}
	d = vgw_etcd_unb64("Zm9vYg", &len);	/* padding optional */
	ASSERT_NE(NULL, d);
	EXPECT_STREQ("foob", d);
	free(d);
	EXPECT_EQ(NULL, vgw_etcd_unb64("Zm9v!", &len));
	EXPECT_EQ(NULL, vgw_etcd_unb64("Z", &len));
}

TEST(prefix_end_is_the_next_key_after_the_prefix)
{
	size_t len;
	char *e;

	e = vgw_etcd_prefix_end("/vnicgw/", &len);
	EXPECT_STREQ("/vnicgw0", e);
	EXPECT_EQ(8, len);
	free(e);
	e = vgw_etcd_prefix_end("a\xff\xff", &len);
	EXPECT_STREQ("b", e);
	free(e);
	e = vgw_etcd_prefix_end("\xff", &len);
	EXPECT_EQ(1, len);
	EXPECT_EQ('\0', e[0]);
	free(e);
}

static int parse(const char *line, struct vgw_etcd_watch_msg *m)
{
	char err[256];

	return vgw_etcd_watch_msg_parse(line, strlen(line), m, err, sizeof(err));
}

TEST(watch_messages_decode_as_etcd_3_4_sends_them)
{
	struct vgw_etcd_watch_msg m;

	ASSERT_EQ(0, parse("{\"result\":{\"header\":{\"cluster_id\":\"1\",\"revision\":\"3\"},\"created\":true}}", &m));
	EXPECT_TRUE(m.created);
	EXPECT_EQ(3, m.rev);
	EXPECT_EQ(0, m.n_ev);
	vgw_etcd_watch_msg_free(&m);

	/* PUT is the default type and is left out; a DELETE has no value. */
	ASSERT_EQ(0, parse("{\"result\":{\"header\":{\"revision\":\"4\"},\"events\":["
			   "{\"kv\":{\"key\":\"L3YvYg==\",\"create_revision\":\"3\",\"mod_revision\":\"4\",\"version\":\"2\",\"value\":\"eA==\",\"lease\":\"77\"}},"
			   "{\"type\":\"DELETE\",\"kv\":{\"key\":\"L3YvYQ==\",\"mod_revision\":\"4\"}}]}}", &m));
	ASSERT_EQ(2, m.n_ev);
	EXPECT_EQ(VGW_ETCD_PUT, m.ev[0].type);
	EXPECT_STREQ("/v/b", m.ev[0].kv.key);
	EXPECT_STREQ("x", m.ev[0].kv.value);
	EXPECT_EQ(4, m.ev[0].kv.mod_rev);
	EXPECT_EQ(3, m.ev[0].kv.create_rev);
	EXPECT_EQ(77, m.ev[0].kv.lease);
	EXPECT_EQ(VGW_ETCD_DELETE, m.ev[1].type);
	EXPECT_STREQ("/v/a", m.ev[1].kv.key);
	EXPECT_EQ(0, m.ev[1].kv.value_len);
	vgw_etcd_watch_msg_free(&m);

	ASSERT_EQ(0, parse("{\"result\":{\"header\":{\"raft_term\":\"2\"},\"canceled\":true,\"compact_revision\":\"3\"}}", &m));
	EXPECT_TRUE(m.canceled);
	EXPECT_EQ(3, m.compact_rev);
	vgw_etcd_watch_msg_free(&m);

	ASSERT_EQ(0, parse("{\"error\":{\"grpc_code\":14,\"http_code\":503,\"message\":\"etcdserver: no leader\"}}", &m));
	EXPECT_TRUE(m.error);
	EXPECT_EQ(14, m.code);
	EXPECT_STREQ("etcdserver: no leader", m.reason);
	vgw_etcd_watch_msg_free(&m);

	EXPECT_EQ(-EPROTO, parse("{\"result\":{\"events\":[{\"kv\":{\"key\":\"!!\"}}]}}", &m));
	EXPECT_EQ(-EPROTO, parse("{\"result\":{\"events\":[{\"type\":\"MOVE\",\"kv\":{\"key\":\"eA==\"}}]}}", &m));
	EXPECT_EQ(-EPROTO, parse("{\"other\":1}", &m));
	EXPECT_EQ(-EPROTO, parse("{\"result\":", &m));
}

TEST(grpc_codes_map_to_errnos)
{
	EXPECT_EQ(-ESTALE, vgw_etcd_grpc_errno(11, "etcdserver: mvcc: required revision has been compacted"));
	EXPECT_EQ(-ENOENT, vgw_etcd_grpc_errno(5, "etcdserver: requested lease not found"));
	EXPECT_EQ(-E2BIG, vgw_etcd_grpc_errno(3, "etcdserver: too many operations in txn request"));
	EXPECT_EQ(-E2BIG, vgw_etcd_grpc_errno(3, "etcdserver: request is too large"));
	/* Over --max-request-bytes plus gRPC's 512 KiB: refused by gRPC itself. */
	EXPECT_EQ(-E2BIG, vgw_etcd_grpc_errno(8, "grpc: received message larger than max (7601112 vs. 2097152)"));
	EXPECT_EQ(-EINVAL, vgw_etcd_grpc_errno(3, "etcdserver: duplicate key given in txn request"));
	EXPECT_EQ(-EAGAIN, vgw_etcd_grpc_errno(14, "no leader"));
	/* etcd's auth refusals, told apart by their messages */
	EXPECT_EQ(-EKEYEXPIRED, vgw_etcd_grpc_errno(16, "etcdserver: invalid auth token"));
	EXPECT_EQ(-EKEYEXPIRED, vgw_etcd_grpc_errno(3, "etcdserver: revision of auth store is old"));
	EXPECT_EQ(-EACCES, vgw_etcd_grpc_errno(3, "etcdserver: authentication failed, invalid user ID or password"));
	EXPECT_EQ(-EACCES, vgw_etcd_grpc_errno(3, "etcdserver: user name is empty"));
	EXPECT_EQ(-EACCES, vgw_etcd_grpc_errno(7, "etcdserver: permission denied"));
}

TEST_HARNESS_MAIN
