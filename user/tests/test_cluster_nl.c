// SPDX-License-Identifier: GPL-2.0
/*
 * The cluster's netlink encoding (user/lib/cluster_nl.c) without a kernel:
 * what CLUSTER_SET carries decodes back to the same set; a CLUSTER_GET reply
 * (built here as the kernel builds it) decodes into fingerprint, epoch and
 * counters; malformed replies are refused naming the attribute; the checks
 * the agent makes before sending; the fingerprint equals owner.c's; the
 * member keys' value.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "kselftest_harness.h"
#include "cluster_nl.h"
#include "owner.h"
#include "store.h"

/* A generic netlink message of @cmd, as vgw_call() starts one. */
static struct nl_msg *new_msg(uint8_t cmd)
{
	struct nl_msg *m = nlmsg_alloc();

	if (m && !genlmsg_put(m, 0, 0, 0x20, 0, 0, cmd, VNICGW_GENL_VERSION)) {
		nlmsg_free(m);
		m = NULL;
	}
	return m;
}

/* The top-level attributes of @m, then its cluster nest decoded. */
static int decode_msg(struct nl_msg *m, struct vgw_cluster *out, char *err,
		      size_t errlen)
{
	struct nlattr *tb[VNICGW_A_MAX + 1];

	if (genlmsg_parse(nlmsg_hdr(m), 0, tb, VNICGW_A_MAX, NULL))
		return -EPROTO;
	return vgw_cluster_decode(tb[VNICGW_A_CLUSTER], out, err, errlen);
}

static void add(struct vgw_cluster *cl, const char *id, const char *addr)
{
	struct vgw_addr a = { 0 };

	if (addr && vgw_addr_parse(addr, &a))
		abort();
	if (vgw_cluster_add(cl, id, addr ? &a : NULL))
		abort();
}

TEST(set_round_trip)
{
	struct vgw_cluster in = { 0 }, out = { 0 };
	struct nl_msg *m = new_msg(VNICGW_CMD_CLUSTER_SET);
	char err[256] = "", a[64];

	ASSERT_NE(NULL, m);
	snprintf(in.self, sizeof(in.self), "h2");
	in.size = 251;
	add(&in, "h2", "10.0.0.2");
	add(&in, "h1", "fd00::1");
	add(&in, "h3", "192.0.2.33");
	ASSERT_EQ(0, vgw_cluster_put(m, &in));
	ASSERT_EQ(0, decode_msg(m, &out, err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_STREQ("h2", out.self);
	EXPECT_EQ(251, out.size);
	ASSERT_EQ(3, out.n);
	/* Sent in the order given: the kernel sorts, not the encoding. */
	EXPECT_STREQ("h2", out.members[0].id);
	EXPECT_STREQ("h1", out.members[1].id);
	EXPECT_EQ(16, out.members[1].addr_len);
	EXPECT_STREQ("fd00::1", vgw_cluster_addr_str(&out.members[1], a, sizeof(a)));
	EXPECT_STREQ("192.0.2.33", vgw_cluster_addr_str(&out.members[2], a, sizeof(a)));
	EXPECT_FALSE(out.has_fingerprint);
	nlmsg_free(m);
	vgw_cluster_free(&in);
	vgw_cluster_free(&out);
}

TEST(standalone_and_draining_encode_as_such)
{
	struct vgw_cluster in = { 0 }, out = { 0 };
	struct nl_msg *m = new_msg(VNICGW_CMD_CLUSTER_SET);
	struct nlattr *tb[VNICGW_A_MAX + 1], *ctb[VNICGW_CLUSTER_MAX + 1];
	char err[256];

	/* No members, no self, no size: an empty member list, nothing else. */
	ASSERT_EQ(0, vgw_cluster_put(m, &in));
	ASSERT_EQ(0, genlmsg_parse(nlmsg_hdr(m), 0, tb, VNICGW_A_MAX, NULL));
	ASSERT_EQ(0, nla_parse_nested(ctb, VNICGW_CLUSTER_MAX, tb[VNICGW_A_CLUSTER], NULL));
	EXPECT_EQ(NULL, ctb[VNICGW_CLUSTER_SELF]);
	EXPECT_EQ(NULL, ctb[VNICGW_CLUSTER_SIZE]);
	ASSERT_NE(NULL, ctb[VNICGW_CLUSTER_MEMBERS]);
	EXPECT_EQ(0, nla_len(ctb[VNICGW_CLUSTER_MEMBERS]));
	nlmsg_free(m);

	/* Draining: members, no self. */
	m = new_msg(VNICGW_CMD_CLUSTER_SET);
	add(&in, "h1", "10.0.0.1");
	ASSERT_EQ(0, vgw_cluster_put(m, &in));
	ASSERT_EQ(0, decode_msg(m, &out, err, sizeof(err)));
	EXPECT_STREQ("", out.self);
	EXPECT_EQ(1, out.n);
	nlmsg_free(m);
	vgw_cluster_free(&in);
	vgw_cluster_free(&out);
}

/* A CLUSTER_GET reply as the kernel makes it. */
static struct nl_msg *get_reply(uint64_t fp, uint64_t epoch, int bad_addr)
{
	struct nl_msg *m = new_msg(VNICGW_CMD_CLUSTER_GET);
	struct nlattr *n, *l, *it, *c;
	unsigned int i;

	n = nla_nest_start(m, VNICGW_A_CLUSTER);
	nla_put_string(m, VNICGW_CLUSTER_SELF, "h1");
	nla_put_u32(m, VNICGW_CLUSTER_SIZE, 65537);
	l = nla_nest_start(m, VNICGW_CLUSTER_MEMBERS);
	it = nla_nest_start(m, VNICGW_ITEM);
	nla_put_string(m, VNICGW_MEMBER_ID, "h1");
	nla_put(m, VNICGW_MEMBER_ADDR, bad_addr ? 5 : 4, "\x0a\x00\x00\x01\x00");
	nla_nest_end(m, it);
	nla_nest_end(m, l);
	nla_put_u64(m, VNICGW_CLUSTER_FINGERPRINT, fp);
	nla_put_u64(m, VNICGW_CLUSTER_EPOCH, epoch);
	c = nla_nest_start(m, VNICGW_CLUSTER_COUNTERS);
	for (i = 0; i < __VNICGW_CLUSTER_COUNTER_MAX; i++)
		nla_put_u64(m, i + 1, 100 + i);
	nla_put_u64(m, __VNICGW_CLUSTER_COUNTER_MAX + 5, 7);	/* unknown: skipped */
	nla_nest_end(m, c);
	nla_nest_end(m, n);
	return m;
}

TEST(get_reply_decodes)
{
	struct nl_msg *m = get_reply(0x1234567890abcdefULL, 42, 0);
	struct vgw_cluster out = { 0 };
	char err[256] = "";
	unsigned int i;

	ASSERT_EQ(0, decode_msg(m, &out, err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_TRUE(out.has_fingerprint);
	EXPECT_EQ(0x1234567890abcdefULL, out.fingerprint);
	EXPECT_EQ(42, out.epoch);
	EXPECT_EQ(65537, out.size);
	EXPECT_STREQ("h1", out.self);
	for (i = 0; i < __VNICGW_CLUSTER_COUNTER_MAX; i++)
		EXPECT_EQ(100 + i, out.counters[i]);
	EXPECT_STREQ("handoff_out", vgw_cluster_counter_name(0));
	EXPECT_EQ(NULL, vgw_cluster_counter_name(__VNICGW_CLUSTER_COUNTER_MAX));
	nlmsg_free(m);
	vgw_cluster_free(&out);
}

TEST(malformed_reply_is_refused_naming_the_attribute)
{
	struct nl_msg *m = get_reply(1, 1, 1);
	struct vgw_cluster out = { 0 };
	char err[256] = "";

	EXPECT_EQ(-EPROTO, decode_msg(m, &out, err, sizeof(err)));
	EXPECT_STREQ("kernel sent a malformed cluster member addr", err);
	nlmsg_free(m);
	vgw_cluster_free(&out);
	EXPECT_EQ(-EPROTO, vgw_cluster_decode(NULL, &out, err, sizeof(err)));
	EXPECT_STREQ("kernel sent a malformed cluster nest", err);
}

/* vgw_cluster_check()'s message for @cl, or "" if it passes. */
static const char *check_msg(struct vgw_cluster *cl)
{
	static char err[256];

	err[0] = '\0';
	if (!vgw_cluster_check(cl, err, sizeof(err)))
		return "";
	return err;
}

TEST(checks_name_the_field)
{
	struct vgw_cluster cl = { 0 };
	unsigned int i;
	char id[16];

	EXPECT_STREQ("", check_msg(&cl));	/* standalone */
	snprintf(cl.self, sizeof(cl.self), "h1");
	EXPECT_STREQ("self \"h1\" is not one of the members", check_msg(&cl));
	add(&cl, "h1", "10.0.0.1");
	add(&cl, "h2", "10.0.0.2");
	EXPECT_STREQ("", check_msg(&cl));
	cl.size = 65536;
	EXPECT_STREQ("size 65536: must be a prime from the member count (2) to 1048573",
		     check_msg(&cl));
	cl.size = 2;
	EXPECT_STREQ("", check_msg(&cl));
	cl.size = 0;
	add(&cl, "h1", "10.0.0.9");
	EXPECT_STREQ("member \"h1\": id given twice", check_msg(&cl));
	cl.n--;
	add(&cl, "h3", NULL);
	EXPECT_STREQ("member \"h3\": addr has 0 bytes (4 or 16: IPv4 or IPv6)",
		     check_msg(&cl));
	cl.n--;
	add(&cl, "h 3", "10.0.0.3");
	EXPECT_STREQ("members[2]: id \"h 3\" is not 1..63 characters of [A-Za-z0-9._-]",
		     check_msg(&cl));
	cl.n--;
	for (i = cl.n; i <= VNICGW_CLUSTER_MAX_MEMBERS; i++) {
		snprintf(id, sizeof(id), "x%u", i);
		add(&cl, id, "10.0.0.9");
	}
	EXPECT_STREQ("members: 257, at most 256", check_msg(&cl));
	vgw_cluster_free(&cl);
}

/* Unsigned messages are taken only with keys (a rollout of them). */
TEST(accept_unsigned_goes_with_keys)
{
	struct vgw_cluster in = { 0 }, out = { 0 };
	struct nl_msg *m = new_msg(VNICGW_CMD_CLUSTER_SET);
	char err[256] = "";

	ASSERT_NE(NULL, m);
	add(&in, "h1", "10.0.0.1");
	in.accept_unsigned = true;
	EXPECT_STREQ("accept_unsigned: only with keys (it lets unsigned messages in while keys are rolled out)",
		     check_msg(&in));
	in.keys[0].id = 7;
	in.n_keys = 1;
	EXPECT_STREQ("", check_msg(&in));
	ASSERT_EQ(0, vgw_cluster_put(m, &in));
	ASSERT_EQ(0, decode_msg(m, &out, err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_TRUE(out.accept_unsigned);
	EXPECT_EQ(1, out.n_keys);
	nlmsg_free(m);
	vgw_cluster_free(&out);
	/* Without it, the keys' SET says 0: no rollout left on by omission. */
	m = new_msg(VNICGW_CMD_CLUSTER_SET);
	ASSERT_NE(NULL, m);
	in.accept_unsigned = false;
	ASSERT_EQ(0, vgw_cluster_put(m, &in));
	memset(&out, 0, sizeof(out));
	out.accept_unsigned = true;
	ASSERT_EQ(0, decode_msg(m, &out, err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_FALSE(out.accept_unsigned);
	nlmsg_free(m);
	vgw_cluster_free(&in);
	vgw_cluster_free(&out);
}

TEST(fingerprint_is_owner_cs_with_backups)
{
	const char *ids[] = { "h1", "h2", "h3" };
	struct vgw_cluster cl = { 0 };
	struct vgw_owner_table t;
	unsigned int slots[3], i;
	uint64_t fp;

	/* Any order of the members, as owner.c sorts. */
	add(&cl, "h3", "10.0.0.3");
	add(&cl, "h1", "10.0.0.1");
	add(&cl, "h2", "10.0.0.2");
	ASSERT_EQ(0, vgw_cluster_fingerprint(&cl, &fp, slots));
	ASSERT_EQ(0, vgw_owner_build(ids, 3, VGW_OWNER_SIZE_DEFAULT, &t));
	ASSERT_EQ(0, vgw_owner_build_backup(&t));
	EXPECT_EQ(vgw_owner_fingerprint(&t), fp);
	EXPECT_EQ(65537, slots[0] + slots[1] + slots[2]);
	/* slots[] follows the members' order given: h3, h1, h2. */
	for (i = 0; i < 3; i++) {
		unsigned int k = i == 0 ? 2 : i - 1, s, n = 0;

		for (s = 0; s < t.size; s++)
			n += t.owner[s] == k;
		EXPECT_EQ(n, slots[i]) TH_LOG("member %u", i);
	}
	vgw_owner_free(&t);

	cl.size = 251;
	ASSERT_EQ(0, vgw_cluster_fingerprint(&cl, &fp, NULL));
	ASSERT_EQ(0, vgw_owner_build(ids, 3, 251, &t));
	ASSERT_EQ(0, vgw_owner_build_backup(&t));
	EXPECT_EQ(vgw_owner_fingerprint(&t), fp);
	vgw_owner_free(&t);
	vgw_cluster_free(&cl);

	ASSERT_EQ(0, vgw_cluster_fingerprint(&cl, &fp, NULL));
	EXPECT_EQ(0, fp);
}

TEST(member_value)
{
	struct vgw_addr a, b;
	char err[256], table[VGW_MEMBER_TABLE_LEN], *v;

	ASSERT_EQ(0, vgw_addr_parse("fd00::7", &a));
	v = vgw_member_value("h1", 42, &a, NULL);
	ASSERT_NE(NULL, v);
	EXPECT_STREQ("{\"id\":\"h1\",\"pid\":42,\"addr\":\"fd00::7\"}", v);
	ASSERT_EQ(0, vgw_member_value_parse(v, strlen(v), &b, table, sizeof(table),
					    err, sizeof(err)));
	EXPECT_EQ(0, memcmp(&a, &b, sizeof(a)));
	EXPECT_STREQ("", table);
	free(v);
	v = vgw_member_value("h1", 42, NULL, NULL);
	EXPECT_STREQ("{\"id\":\"h1\",\"pid\":42}", v);
	ASSERT_EQ(0, vgw_member_value_parse(v, strlen(v), &b, NULL, 0, err, sizeof(err)));
	EXPECT_EQ(0, b.family);
	free(v);
	/* The owner table the member's agent builds. */
	vgw_owner_table_name(65537, 2, table, sizeof(table));
	EXPECT_STREQ("rendezvous/65537/2", table);
	v = vgw_member_value("h1", 42, &a, table);
	EXPECT_STREQ("{\"id\":\"h1\",\"pid\":42,\"addr\":\"fd00::7\",\"table\":\"rendezvous/65537/2\"}", v);
	memset(table, 'x', sizeof(table));
	ASSERT_EQ(0, vgw_member_value_parse(v, strlen(v), &b, table, sizeof(table),
					    err, sizeof(err)));
	EXPECT_STREQ("rendezvous/65537/2", table);
	free(v);
	v = "{\"id\": \"h1\", \"table\": 7}";
	ASSERT_EQ(0, vgw_member_value_parse(v, strlen(v), &b, table, sizeof(table),
					    err, sizeof(err)));
	EXPECT_STREQ("", table);	/* not a string: not said */
	/* The value agents before --underlay wrote. */
	v = "{\"id\": \"h1\", \"pid\": 7}";
	EXPECT_EQ(0, vgw_member_value_parse(v, strlen(v), &b, NULL, 0, err, sizeof(err)));
	v = "{\"id\": \"h1\", \"addr\": \"10.0.0.x\"}";
	EXPECT_EQ(-EINVAL, vgw_member_value_parse(v, strlen(v), &b, NULL, 0, err, sizeof(err)));
	EXPECT_STREQ("addr 10.0.0.x is not an IP address", err);
	EXPECT_EQ(-EINVAL, vgw_member_value_parse("x", 1, &b, NULL, 0, err, sizeof(err)));
}

static void put(struct vgw_store *s, const char *key, const char *value)
{
	if (vgw_store_set(s, key, strlen(key), value, strlen(value), 1) < 0)
		abort();
}

TEST(members_of_a_store_with_their_addresses)
{
	struct vgw_store *s = vgw_store_new("/p/");
	struct vgw_cluster cl = { 0 };
	char err[256], a[64];

	ASSERT_NE(NULL, s);
	put(s, "/p/members/h2", "{\"id\":\"h2\",\"pid\":1,\"addr\":\"10.0.0.2\"}");
	put(s, "/p/members/h1", "{\"id\":\"h1\",\"pid\":1,\"addr\":\"10.0.0.1\"}");
	put(s, "/p/members/h3", "{\"id\":\"h3\",\"pid\":1}");
	put(s, "/p/members/h4", "{\"id\":\"h4\",\"addr\":\"nope\"}");
	put(s, "/p/members/bad id", "{}");
	put(s, "/p/objects/vcn/x", "{}");
	ASSERT_EQ(0, vgw_store_cluster(s, &cl, err, sizeof(err)));
	ASSERT_EQ(4, cl.n);
	EXPECT_STREQ("h1", cl.members[0].id);
	EXPECT_STREQ("10.0.0.1", vgw_cluster_addr_str(&cl.members[0], a, sizeof(a)));
	EXPECT_STREQ("h2", cl.members[1].id);
	EXPECT_STREQ("none", vgw_cluster_addr_str(&cl.members[2], a, sizeof(a)));
	EXPECT_EQ(0, cl.members[3].addr_len);
	EXPECT_STREQ("/p/members/h4: addr nope is not an IP address", err);
	vgw_cluster_free(&cl);
	vgw_store_free(s);
}

TEST_HARNESS_MAIN
