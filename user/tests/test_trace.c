// SPDX-License-Identifier: GPL-2.0
/*
 * The TRACE reply parser and printers (user/lib/trace.c) without a kernel:
 * replies built here as the module builds them (one of each verdict), with
 * attributes of types the API does not have yet at every level, parsed and
 * printed as text and JSON, compared with the whole expected output; the
 * request carries exactly the fields given; malformed replies are refused;
 * values this build has no name for print as numbers.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "kselftest_harness.h"
#include "trace.h"

/* A reply message, as the module starts one. */
static struct nl_msg *new_reply(void)
{
	struct nl_msg *m = nlmsg_alloc();

	if (m && !genlmsg_put(m, 0, 0, 0x20, 0, 0, VNICGW_CMD_TRACE,
			      VNICGW_GENL_VERSION)) {
		nlmsg_free(m);
		m = NULL;
	}
	return m;
}

static void put_ip(struct nl_msg *m, int attr, const char *s)
{
	uint8_t b[16];

	if (inet_pton(AF_INET, s, b) == 1)
		nla_put(m, attr, 4, b);
	else if (inet_pton(AF_INET6, s, b) == 1)
		nla_put(m, attr, 16, b);
	else
		abort();
}

static void put_mac(struct nl_msg *m, int attr, uint8_t last)
{
	uint8_t mac[6] = { 0x02, 0, 0, 0, 0, last };

	nla_put(m, attr, 6, mac);
}

/* An attribute of a type past the last the API defines (a newer module). */
static void put_unknown(struct nl_msg *m, int max)
{
	nla_put_u32(m, max + 1, 0xdeadbeef);
	nla_put_string(m, max + 7, "from the future");
}

static struct nlattr *step_begin(struct nl_msg *m, uint8_t kind,
				 uint8_t result)
{
	struct nlattr *n = nla_nest_start(m, VNICGW_ITEM);

	nla_put_u8(m, VNICGW_STEP_KIND, kind);
	nla_put_u8(m, VNICGW_STEP_RESULT, result);
	return n;
}

static void put_obj(struct nl_msg *m, uint8_t type, const char *id)
{
	nla_put_u8(m, VNICGW_STEP_OBJ_TYPE, type);
	nla_put_string(m, VNICGW_STEP_OBJ, id);
}

/* The top-level attributes of @m parsed into @r (zeroed first). */
static int parse_msg(struct nl_msg *m, struct vgw_trace_result *r)
{
	struct nlattr *tb[VNICGW_A_MAX + 1];

	memset(r, 0, sizeof(*r));
	if (genlmsg_parse(nlmsg_hdr(m), 0, tb, VNICGW_A_MAX, NULL))
		return -1000;
	return vgw_trace_parse(tb, r);
}

/* What the printers write, as a string (free it). */
static char *text_of(const struct vgw_trace_result *r,
		     const struct vgw_trace_pkt *pkt)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		abort();
	vgw_trace_print_text(f, r, pkt);
	fclose(f);
	return buf;
}

static char *json_of(const struct vgw_trace_result *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	json_error_t e;
	json_t *j;

	if (!f)
		abort();
	vgw_trace_print_json(f, r);
	fclose(f);
	/* Whatever else: valid JSON. */
	j = json_loads(buf, 0, &e);
	if (!j) {
		fprintf(stderr, "not JSON (%s): %s\n", e.text, buf);
		abort();
	}
	json_decref(j);
	return buf;
}

/*
 * A VNIC's TCP SYN to the internet through a NAT gateway: attach, checks,
 * route by rule, egress by a stateful rule, a new NAT mapping; forwarded
 * to the gateway. Every nest also holds attributes of unknown types, and
 * the steps list an item of another type than VNICGW_ITEM.
 */
static struct nl_msg *forward_reply(void)
{
	struct nl_msg *m = new_reply();
	struct nlattr *list, *s, *pfx, *out;

	nla_put_u64(m, VNICGW_A_GENERATION, 42);
	put_unknown(m, VNICGW_A_MAX);
	list = nla_nest_start(m, VNICGW_A_TRACE_STEPS);
	s = step_begin(m, VNICGW_STAGE_ATTACH, VNICGW_RESULT_OK);
	put_obj(m, VNICGW_OBJ_VNIC, "web-1");
	nla_nest_end(m, s);
	s = step_begin(m, VNICGW_STAGE_CHECKS, VNICGW_RESULT_OK);
	put_obj(m, VNICGW_OBJ_VNIC, "web-1");
	put_unknown(m, VNICGW_STEP_ATTR_MAX);
	nla_nest_end(m, s);
	/* Not an item: a list holds none today; it is skipped. */
	s = nla_nest_start(m, VNICGW_ITEM + 5);
	nla_put_u8(m, VNICGW_STEP_KIND, VNICGW_STAGE_DROP);
	nla_nest_end(m, s);
	s = step_begin(m, VNICGW_STAGE_ROUTE, VNICGW_RESULT_RULE);
	put_obj(m, VNICGW_OBJ_ROUTE_TABLE, "rt-a");
	nla_put_u32(m, VNICGW_STEP_INDEX, 2);
	pfx = nla_nest_start(m, VNICGW_STEP_PREFIX);
	put_ip(m, VNICGW_PFX_ADDR, "0.0.0.0");
	nla_put_u8(m, VNICGW_PFX_LEN, 0);
	put_unknown(m, VNICGW_PFX_MAX);
	nla_nest_end(m, pfx);
	nla_put_u8(m, VNICGW_STEP_TARGET_TYPE, VNICGW_OBJ_GATEWAY);
	nla_put_string(m, VNICGW_STEP_TARGET, "nat-1");
	nla_nest_end(m, s);
	s = step_begin(m, VNICGW_STAGE_EGRESS, VNICGW_RESULT_STATEFUL);
	put_obj(m, VNICGW_OBJ_VNIC, "web-1");
	nla_put_u8(m, VNICGW_STEP_RULE_OBJ_TYPE, VNICGW_OBJ_SECLIST);
	nla_put_string(m, VNICGW_STEP_RULE_OBJ, "sl-a");
	nla_put_u32(m, VNICGW_STEP_RULE_INDEX, 0);
	nla_nest_end(m, s);
	s = step_begin(m, VNICGW_STAGE_NAT, VNICGW_RESULT_NEW_MAPPING);
	put_obj(m, VNICGW_OBJ_GATEWAY, "nat-1");
	put_ip(m, VNICGW_STEP_ADDR, "203.0.113.9");
	nla_put_u16(m, VNICGW_STEP_PORT, 40123);
	nla_nest_end(m, s);
	nla_nest_end(m, list);
	nla_put_u8(m, VNICGW_A_TRACE_VERDICT, VNICGW_TRACE_FORWARD);
	out = nla_nest_start(m, VNICGW_A_TRACE_OUT);
	put_ip(m, VNICGW_TRACE_OUTER_SRC, "10.0.0.11");
	put_ip(m, VNICGW_TRACE_OUTER_DST, "10.0.0.31");
	nla_put_u32(m, VNICGW_TRACE_VNI, 7001);
	nla_put_u8(m, VNICGW_TRACE_ENCAP, VNICGW_ENCAP_GENEVE);
	put_mac(m, VNICGW_TRACE_SRC_MAC, 1);
	put_mac(m, VNICGW_TRACE_DST_MAC, 0x31);
	put_ip(m, VNICGW_TRACE_SRC, "203.0.113.9");
	put_ip(m, VNICGW_TRACE_DST, "93.184.216.34");
	nla_put_u8(m, VNICGW_TRACE_PROTO, 6);
	nla_put_u16(m, VNICGW_TRACE_SPORT, 40123);
	nla_put_u16(m, VNICGW_TRACE_DPORT, 443);
	nla_put_u8(m, VNICGW_TRACE_TCP_FLAGS, 0x02);
	nla_put_u8(m, VNICGW_TRACE_TTL, 63);
	put_unknown(m, VNICGW_TRACE_MAX);
	nla_nest_end(m, out);
	return m;
}

TEST(forward_parses_with_unknown_attributes_skipped)
{
	struct nl_msg *m = forward_reply();
	struct vgw_trace_result r;
	char b[64];

	ASSERT_EQ(0, parse_msg(m, &r));
	EXPECT_EQ(VGW_TRACE_HAS_GENERATION | VGW_TRACE_HAS_STEPS |
		  VGW_TRACE_HAS_OUT, r.has);
	EXPECT_EQ(42, r.generation);
	EXPECT_EQ(VNICGW_TRACE_FORWARD, r.verdict);
	/* The item of another type is not a step. */
	ASSERT_EQ(5, r.n_steps);
	EXPECT_EQ(VNICGW_STAGE_ATTACH, r.steps[0].kind);
	EXPECT_STREQ("web-1", r.steps[0].obj);
	EXPECT_EQ(VNICGW_STAGE_CHECKS, r.steps[1].kind);
	EXPECT_EQ(VNICGW_STAGE_ROUTE, r.steps[2].kind);
	EXPECT_EQ(VNICGW_RESULT_RULE, r.steps[2].result);
	EXPECT_EQ(2, r.steps[2].index);
	EXPECT_STREQ("0.0.0.0/0", vgw_prefix_str(&r.steps[2].prefix, b, sizeof(b)));
	EXPECT_STREQ("nat-1", r.steps[2].target);
	EXPECT_EQ(40123, r.steps[4].port);
	EXPECT_EQ(7001, r.out.vni);
	EXPECT_EQ(443, r.out.dport);
	EXPECT_FALSE(r.out.has & VGW_TRACE_BIT(VNICGW_TRACE_VNIC));
	vgw_trace_result_free(&r);
	nlmsg_free(m);
}

TEST(forward_prints_every_stage_and_the_frame)
{
	struct nl_msg *m = forward_reply();
	struct vgw_trace_result r;
	char *t;

	ASSERT_EQ(0, parse_msg(m, &r));
	t = text_of(&r, NULL);
	EXPECT_STREQ(
		"tables   generation 42\n"
		"attach   vnic web-1\n"
		"checks   vnic web-1: source checks passed (outer source, MAC, address)\n"
		"route    rule 2 of route table rt-a: 0.0.0.0/0 -> gateway nat-1\n"
		"egress   vnic web-1: allowed by stateful rule 0 of the egress rules of security list sl-a (opens a connection)\n"
		"nat      gateway nat-1: new mapping 203.0.113.9:40123\n"
		"verdict  forward\n"
		"out      10.0.0.11 -> 10.0.0.31 vni 7001 geneve\n"
		"         02:00:00:00:00:01 -> 02:00:00:00:00:31\n"
		"         tcp 203.0.113.9:40123 -> 93.184.216.34:443 flags syn ttl 63\n",
		t);
	free(t);
	t = json_of(&r);
	EXPECT_STREQ(
		"{\"generation\":42,\"steps\":["
		"{\"stage\":\"attach\",\"result\":\"ok\",\"object_type\":\"vnic\",\"object\":\"web-1\"},"
		"{\"stage\":\"checks\",\"result\":\"ok\",\"object_type\":\"vnic\",\"object\":\"web-1\"},"
		"{\"stage\":\"route\",\"result\":\"rule\",\"object_type\":\"route_table\",\"object\":\"rt-a\","
		"\"index\":2,\"prefix\":\"0.0.0.0/0\",\"target_type\":\"gateway\",\"target\":\"nat-1\"},"
		"{\"stage\":\"egress\",\"result\":\"stateful\",\"object_type\":\"vnic\",\"object\":\"web-1\","
		"\"rule_object_type\":\"security_list\",\"rule_object\":\"sl-a\",\"rule_index\":0},"
		"{\"stage\":\"nat\",\"result\":\"new_mapping\",\"object_type\":\"gateway\",\"object\":\"nat-1\","
		"\"address\":\"203.0.113.9\",\"port\":40123}],"
		"\"verdict\":\"forward\","
		"\"out\":{\"outer_src\":\"10.0.0.11\",\"outer_dst\":\"10.0.0.31\",\"vni\":7001,"
		"\"encap\":\"geneve\",\"src_mac\":\"02:00:00:00:00:01\",\"dst_mac\":\"02:00:00:00:00:31\","
		"\"src\":\"203.0.113.9\",\"dst\":\"93.184.216.34\",\"proto\":\"tcp\",\"sport\":40123,"
		"\"dport\":443,\"tcp_flags\":2,\"ttl\":63}}\n",
		t);
	free(t);
	vgw_trace_result_free(&r);
	nlmsg_free(m);
}

/* Egress denied: the drop stage and the reason, by name; no frame. */
TEST(drop_prints_the_reason_by_name)
{
	struct nl_msg *m = new_reply();
	struct vgw_trace_result r;
	struct nlattr *list, *s;
	char *t;

	ASSERT_NE(NULL, m);
	nla_put_u64(m, VNICGW_A_GENERATION, 7);
	list = nla_nest_start(m, VNICGW_A_TRACE_STEPS);
	s = step_begin(m, VNICGW_STAGE_ATTACH, VNICGW_RESULT_OK);
	put_obj(m, VNICGW_OBJ_VNIC, "web-1");
	nla_nest_end(m, s);
	s = step_begin(m, VNICGW_STAGE_ROUTE, VNICGW_RESULT_VCN_LOCAL);
	nla_put_u8(m, VNICGW_STEP_TARGET_TYPE, VNICGW_OBJ_VNIC);
	nla_put_string(m, VNICGW_STEP_TARGET, "db-1");
	nla_nest_end(m, s);
	s = step_begin(m, VNICGW_STAGE_EGRESS, VNICGW_RESULT_DENY);
	put_obj(m, VNICGW_OBJ_VNIC, "web-1");
	nla_nest_end(m, s);
	s = nla_nest_start(m, VNICGW_ITEM);
	nla_put_u8(m, VNICGW_STEP_KIND, VNICGW_STAGE_DROP);
	nla_put_u8(m, VNICGW_STEP_REASON, VNICGW_DROP_EGRESS_DENIED);
	nla_nest_end(m, s);
	nla_nest_end(m, list);
	nla_put_u8(m, VNICGW_A_TRACE_VERDICT, VNICGW_TRACE_DROP);
	nla_put_u8(m, VNICGW_A_DROP_REASON, VNICGW_DROP_EGRESS_DENIED);
	put_unknown(m, VNICGW_A_MAX);

	ASSERT_EQ(0, parse_msg(m, &r));
	EXPECT_EQ(VGW_TRACE_HAS_GENERATION | VGW_TRACE_HAS_STEPS |
		  VGW_TRACE_HAS_REASON, r.has);
	EXPECT_EQ(VNICGW_DROP_EGRESS_DENIED, r.reason);
	ASSERT_EQ(4, r.n_steps);
	/* A step without RESULT. */
	EXPECT_FALSE(r.steps[3].has & VGW_TRACE_BIT(VNICGW_STEP_RESULT));
	t = text_of(&r, NULL);
	EXPECT_STREQ(
		"tables   generation 7\n"
		"attach   vnic web-1\n"
		"route    inside the VCN -> vnic db-1\n"
		"egress   vnic web-1: denied: no rule allows it\n"
		"drop     egress_denied (no egress security rule allows it)\n"
		"verdict  drop: egress_denied (no egress security rule allows it)\n",
		t);
	free(t);
	t = json_of(&r);
	EXPECT_STREQ(
		"{\"generation\":7,\"steps\":["
		"{\"stage\":\"attach\",\"result\":\"ok\",\"object_type\":\"vnic\",\"object\":\"web-1\"},"
		"{\"stage\":\"route\",\"result\":\"vcn_local\",\"target_type\":\"vnic\",\"target\":\"db-1\"},"
		"{\"stage\":\"egress\",\"result\":\"deny\",\"object_type\":\"vnic\",\"object\":\"web-1\"},"
		"{\"stage\":\"drop\",\"reason\":\"egress_denied\"}],"
		"\"verdict\":\"drop\",\"reason\":\"egress_denied\"}\n",
		t);
	free(t);
	vgw_trace_result_free(&r);
	nlmsg_free(m);
}

/* Handed to the flow's owner: the owner step, the owner's address out. */
TEST(handoff_names_the_owner_and_its_address)
{
	struct nl_msg *m = new_reply();
	struct vgw_trace_result r;
	struct nlattr *list, *s, *out;
	char *t;

	ASSERT_NE(NULL, m);
	list = nla_nest_start(m, VNICGW_A_TRACE_STEPS);
	s = step_begin(m, VNICGW_STAGE_OWNER, VNICGW_RESULT_OTHER);
	nla_put_string(m, VNICGW_STEP_OWNER, "h2");
	nla_put_string(m, VNICGW_STEP_BACKUP, "h1");
	put_ip(m, VNICGW_STEP_ADDR, "2001:db8::2");
	nla_nest_end(m, s);
	nla_nest_end(m, list);
	nla_put_u8(m, VNICGW_A_TRACE_VERDICT, VNICGW_TRACE_HANDOFF);
	out = nla_nest_start(m, VNICGW_A_TRACE_OUT);
	put_ip(m, VNICGW_TRACE_OUTER_DST, "2001:db8::2");
	nla_nest_end(m, out);

	ASSERT_EQ(0, parse_msg(m, &r));
	EXPECT_EQ(VGW_TRACE_HAS_STEPS | VGW_TRACE_HAS_OUT, r.has);
	t = text_of(&r, NULL);
	EXPECT_STREQ(
		"owner    h2 (backup h1): handed over to 2001:db8::2\n"
		"verdict  handoff to the flow's owner at 2001:db8::2\n",
		t);
	free(t);
	t = json_of(&r);
	EXPECT_STREQ(
		"{\"steps\":[{\"stage\":\"owner\",\"result\":\"other\",\"owner\":\"h2\","
		"\"backup\":\"h1\",\"address\":\"2001:db8::2\"}],"
		"\"verdict\":\"handoff\",\"out\":{\"outer_dst\":\"2001:db8::2\"}}\n",
		t);
	free(t);
	vgw_trace_result_free(&r);
	nlmsg_free(m);
}

/* ARP answered, MLD consumed: a verdict and no more. */
TEST(answer_and_consume_print_their_verdict)
{
	static const struct {
		uint8_t verdict;
		const char *text, *json;
	} c[] = {
		{ VNICGW_TRACE_ANSWER,
		  "verdict  answer (the gateway answers the ARP request or neighbour solicitation)\n",
		  "{\"verdict\":\"answer\"}\n" },
		{ VNICGW_TRACE_CONSUME,
		  "verdict  consume (taken, not forwarded)\n",
		  "{\"verdict\":\"consume\"}\n" },
	};
	unsigned int i;

	for (i = 0; i < 2; i++) {
		struct nl_msg *m = new_reply();
		struct vgw_trace_result r;
		char *t;

		ASSERT_NE(NULL, m);
		nla_put_u8(m, VNICGW_A_TRACE_VERDICT, c[i].verdict);
		ASSERT_EQ(0, parse_msg(m, &r));
		EXPECT_EQ(0, r.n_steps);
		EXPECT_EQ(0, r.has);
		t = text_of(&r, NULL);
		EXPECT_STREQ(c[i].text, t);
		free(t);
		t = json_of(&r);
		EXPECT_STREQ(c[i].json, t);
		free(t);
		vgw_trace_result_free(&r);
		nlmsg_free(m);
	}
}

/*
 * The other results' lines: tracked connection, stateless rule of an NSG
 * at ingress, a stateful rule met by an ICMP error (opens nothing), the
 * internet gateway's 1:1 address, an existing IPv6 mapping, processed
 * here, a VIP's target, from a gateway.
 */
TEST(every_result_has_its_line)
{
	struct nl_msg *m = new_reply();
	struct vgw_trace_pkt icmp_err = { 0 };
	struct vgw_trace_result r;
	struct nlattr *list, *s;
	char *t;

	ASSERT_NE(NULL, m);
	list = nla_nest_start(m, VNICGW_A_TRACE_STEPS);
	s = step_begin(m, VNICGW_STAGE_ROUTE, VNICGW_RESULT_VIP_TARGET);
	put_obj(m, VNICGW_OBJ_VNIC, "fw-1");
	nla_put_u8(m, VNICGW_STEP_TARGET_TYPE, VNICGW_OBJ_GATEWAY);
	nla_put_string(m, VNICGW_STEP_TARGET, "igw");
	nla_nest_end(m, s);
	s = step_begin(m, VNICGW_STAGE_ROUTE, VNICGW_RESULT_GATEWAY_IN);
	put_obj(m, VNICGW_OBJ_GATEWAY, "igw");
	nla_put_u8(m, VNICGW_STEP_TARGET_TYPE, VNICGW_OBJ_VNIC);
	nla_put_string(m, VNICGW_STEP_TARGET, "web-1");
	nla_nest_end(m, s);
	s = step_begin(m, VNICGW_STAGE_OWNER, VNICGW_RESULT_SELF);
	nla_put_string(m, VNICGW_STEP_OWNER, "h1");
	nla_nest_end(m, s);
	s = step_begin(m, VNICGW_STAGE_EGRESS, VNICGW_RESULT_TRACKED);
	put_obj(m, VNICGW_OBJ_VNIC, "web-1");
	nla_put_u8(m, VNICGW_STEP_CT_STATE, VNICGW_CT_STATE_ESTABLISHED);
	nla_put_u32(m, VNICGW_STEP_EXPIRES, 431998);
	nla_nest_end(m, s);
	s = step_begin(m, VNICGW_STAGE_INGRESS, VNICGW_RESULT_STATELESS);
	put_obj(m, VNICGW_OBJ_VNIC, "db-1");
	nla_put_u8(m, VNICGW_STEP_RULE_OBJ_TYPE, VNICGW_OBJ_NSG);
	nla_put_string(m, VNICGW_STEP_RULE_OBJ, "nsg-db");
	nla_put_u32(m, VNICGW_STEP_RULE_INDEX, 3);
	nla_nest_end(m, s);
	s = step_begin(m, VNICGW_STAGE_INGRESS, VNICGW_RESULT_STATEFUL);
	put_obj(m, VNICGW_OBJ_VNIC, "db-1");
	nla_put_u8(m, VNICGW_STEP_RULE_OBJ_TYPE, VNICGW_OBJ_SECLIST);
	nla_put_string(m, VNICGW_STEP_RULE_OBJ, "sl-db");
	nla_put_u32(m, VNICGW_STEP_RULE_INDEX, 1);
	nla_nest_end(m, s);
	s = step_begin(m, VNICGW_STAGE_NAT, VNICGW_RESULT_PUBLIC_IP);
	put_obj(m, VNICGW_OBJ_GATEWAY, "igw");
	put_ip(m, VNICGW_STEP_ADDR, "198.51.100.7");
	nla_nest_end(m, s);
	s = step_begin(m, VNICGW_STAGE_NAT, VNICGW_RESULT_MAPPING);
	put_obj(m, VNICGW_OBJ_GATEWAY, "nat-6");
	put_ip(m, VNICGW_STEP_ADDR, "2001:db8::9");
	nla_put_u16(m, VNICGW_STEP_PORT, 1024);
	nla_nest_end(m, s);
	nla_nest_end(m, list);
	nla_put_u8(m, VNICGW_A_TRACE_VERDICT, VNICGW_TRACE_FORWARD);

	ASSERT_EQ(0, parse_msg(m, &r));
	/* An ICMP destination unreachable: a stateful rule opens nothing. */
	icmp_err.has = VGW_TRACE_BIT(VNICGW_TRACE_PROTO) |
		       VGW_TRACE_BIT(VNICGW_TRACE_ICMP_TYPE);
	icmp_err.proto = 1;
	icmp_err.icmp_type = 3;
	t = text_of(&r, &icmp_err);
	EXPECT_STREQ(
		"route    vnic fw-1: the VIP sends everything to its target -> gateway igw\n"
		"route    gateway igw: from the gateway to the destination's VNIC -> vnic web-1\n"
		"owner    h1: processed here\n"
		"egress   vnic web-1: tracked connection (established, expires in 431998 s)\n"
		"ingress  vnic db-1: allowed by stateless rule 3 of the ingress rules of nsg nsg-db\n"
		"ingress  vnic db-1: allowed by stateful rule 1 of the ingress rules of security list sl-db (an ICMP error: opens no connection)\n"
		"nat      gateway igw: public address 198.51.100.7\n"
		"nat      gateway nat-6: mapping [2001:db8::9]:1024\n"
		"verdict  forward\n",
		t);
	free(t);
	t = json_of(&r);
	EXPECT_NE(NULL, strstr(t, "{\"stage\":\"egress\",\"result\":\"tracked\",\"object_type\":\"vnic\","
			       "\"object\":\"web-1\",\"ct_state\":\"established\",\"expires\":431998}"));
	EXPECT_NE(NULL, strstr(t, "\"rule_object_type\":\"nsg\",\"rule_object\":\"nsg-db\",\"rule_index\":3}"));
	free(t);
	vgw_trace_result_free(&r);
	nlmsg_free(m);
}

/*
 * Values of a newer module (a stage, a result, a verdict, a reason, an
 * object type past the ones known): numbers, in both forms.
 */
TEST(unknown_values_print_as_numbers)
{
	struct nl_msg *m = new_reply();
	struct vgw_trace_result r;
	struct nlattr *list, *s;
	char *t;

	ASSERT_NE(NULL, m);
	list = nla_nest_start(m, VNICGW_A_TRACE_STEPS);
	s = step_begin(m, 200, 99);
	nla_put_u8(m, VNICGW_STEP_OBJ_TYPE, 77);
	nla_put_string(m, VNICGW_STEP_OBJ, "x-1");
	nla_put_u32(m, VNICGW_STEP_INDEX, 5);
	nla_nest_end(m, s);
	nla_nest_end(m, list);
	nla_put_u8(m, VNICGW_A_TRACE_VERDICT, 9);
	nla_put_u8(m, VNICGW_A_DROP_REASON, 250);

	ASSERT_EQ(0, parse_msg(m, &r));
	t = text_of(&r, NULL);
	EXPECT_STREQ(
		"stage 200 object x-1: result 99 index=5\n"
		"verdict  9: reason 250\n",
		t);
	free(t);
	t = json_of(&r);
	EXPECT_STREQ(
		"{\"steps\":[{\"stage\":200,\"result\":99,\"object_type\":77,\"object\":\"x-1\",\"index\":5}],"
		"\"verdict\":9,\"reason\":250}\n",
		t);
	free(t);
	vgw_trace_result_free(&r);
	nlmsg_free(m);
}

/* Malformed replies: refused, never half-read. */
TEST(malformed_replies_are_refused)
{
	enum { NO_VERDICT, VERDICT_U32, STEP_NO_KIND, OBJ_NO_NUL, ID_TOO_LONG,
	       PREFIX_TOO_LONG, ADDR_5_BYTES, PORT_U32, GEN_U32, N_CASES };
	unsigned int i;

	for (i = 0; i < N_CASES; i++) {
		struct nl_msg *m = new_reply();
		struct vgw_trace_result r;
		struct nlattr *list, *s, *pfx;
		char id[80];
		uint8_t five[5] = { 1, 2, 3, 4, 5 };

		ASSERT_NE(NULL, m);
		if (i == VERDICT_U32)
			nla_put_u32(m, VNICGW_A_TRACE_VERDICT, 0);
		else if (i != NO_VERDICT)
			nla_put_u8(m, VNICGW_A_TRACE_VERDICT, 0);
		if (i == GEN_U32)
			nla_put_u32(m, VNICGW_A_GENERATION, 1);
		list = nla_nest_start(m, VNICGW_A_TRACE_STEPS);
		s = nla_nest_start(m, VNICGW_ITEM);
		/* (a step with no attribute at all would be left out) */
		nla_put_u8(m, VNICGW_STEP_RESULT, VNICGW_RESULT_MAPPING);
		if (i != STEP_NO_KIND)
			nla_put_u8(m, VNICGW_STEP_KIND, VNICGW_STAGE_NAT);
		if (i == OBJ_NO_NUL)
			nla_put(m, VNICGW_STEP_OBJ, 3, "abc");
		if (i == ID_TOO_LONG) {
			memset(id, 'a', sizeof(id) - 1);
			id[sizeof(id) - 1] = '\0';
			nla_put_string(m, VNICGW_STEP_OBJ, id);
		}
		if (i == PREFIX_TOO_LONG) {
			pfx = nla_nest_start(m, VNICGW_STEP_PREFIX);
			put_ip(m, VNICGW_PFX_ADDR, "10.0.0.0");
			nla_put_u8(m, VNICGW_PFX_LEN, 33);
			nla_nest_end(m, pfx);
		}
		if (i == ADDR_5_BYTES)
			nla_put(m, VNICGW_STEP_ADDR, 5, five);
		if (i == PORT_U32)
			nla_put_u32(m, VNICGW_STEP_PORT, 80);
		nla_nest_end(m, s);
		nla_nest_end(m, list);
		EXPECT_EQ(-EPROTO, parse_msg(m, &r)) TH_LOG("case %u", i);
		vgw_trace_result_free(&r);
		nlmsg_free(m);
	}
}

/* A second reply message to one request is not taken as the answer. */
TEST(a_second_reply_is_refused)
{
	struct nl_msg *m = new_reply();
	struct nlattr *tb[VNICGW_A_MAX + 1];
	struct vgw_trace_result r;

	ASSERT_NE(NULL, m);
	nla_put_u8(m, VNICGW_A_TRACE_VERDICT, VNICGW_TRACE_DROP);
	ASSERT_EQ(0, parse_msg(m, &r));
	ASSERT_EQ(0, genlmsg_parse(nlmsg_hdr(m), 0, tb, VNICGW_A_MAX, NULL));
	EXPECT_EQ(-EPROTO, vgw_trace_parse(tb, &r));
	vgw_trace_result_free(&r);
	nlmsg_free(m);
}

/* The request: the fields given and no other, in the API's encodings. */
TEST(request_carries_the_given_fields_only)
{
	struct nl_msg *m = nlmsg_alloc();
	struct nlattr *tb[VNICGW_A_MAX + 1], *t[VNICGW_TRACE_MAX + 1];
	struct vgw_trace_pkt p = { 0 };
	unsigned int i, n = 0;

	ASSERT_NE(NULL, m);
	ASSERT_NE(NULL, genlmsg_put(m, 0, 0, 0x20, 0, 0, VNICGW_CMD_TRACE,
				    VNICGW_GENL_VERSION));
	snprintf(p.vnic, sizeof(p.vnic), "web-1");
	ASSERT_EQ(0, vgw_addr_parse("2001:db8::5", &p.dst));
	ASSERT_EQ(0, vgw_addr_parse("192.0.2.1", &p.outer_dst));
	p.proto = 17;
	p.dport = 53;
	p.encap = VNICGW_ENCAP_GENEVE;
	p.ttl = 1;
	/* Set but not given: not sent. */
	p.sport = 999;
	p.vni = 5;
	p.has = VGW_TRACE_BIT(VNICGW_TRACE_VNIC) |
		VGW_TRACE_BIT(VNICGW_TRACE_DST) |
		VGW_TRACE_BIT(VNICGW_TRACE_OUTER_DST) |
		VGW_TRACE_BIT(VNICGW_TRACE_PROTO) |
		VGW_TRACE_BIT(VNICGW_TRACE_DPORT) |
		VGW_TRACE_BIT(VNICGW_TRACE_ENCAP) |
		VGW_TRACE_BIT(VNICGW_TRACE_TTL);
	ASSERT_EQ(0, vgw_trace_put(m, &p));
	ASSERT_EQ(0, genlmsg_parse(nlmsg_hdr(m), 0, tb, VNICGW_A_MAX, NULL));
	ASSERT_NE(NULL, tb[VNICGW_A_TRACE]);
	ASSERT_EQ(0, nla_parse_nested(t, VNICGW_TRACE_MAX, tb[VNICGW_A_TRACE], NULL));
	for (i = 1; i <= VNICGW_TRACE_MAX; i++)
		if (t[i])
			n++;
	EXPECT_EQ(7, n);
	EXPECT_STREQ("web-1", nla_get_string(t[VNICGW_TRACE_VNIC]));
	EXPECT_EQ(6, nla_len(t[VNICGW_TRACE_VNIC]));
	EXPECT_EQ(16, nla_len(t[VNICGW_TRACE_DST]));
	EXPECT_EQ(4, nla_len(t[VNICGW_TRACE_OUTER_DST]));
	EXPECT_EQ(1, nla_len(t[VNICGW_TRACE_PROTO]));
	EXPECT_EQ(17, nla_get_u8(t[VNICGW_TRACE_PROTO]));
	EXPECT_EQ(2, nla_len(t[VNICGW_TRACE_DPORT]));
	EXPECT_EQ(53, nla_get_u16(t[VNICGW_TRACE_DPORT]));
	EXPECT_EQ(VNICGW_ENCAP_GENEVE, nla_get_u8(t[VNICGW_TRACE_ENCAP]));
	EXPECT_EQ(1, nla_get_u8(t[VNICGW_TRACE_TTL]));
	EXPECT_EQ(NULL, t[VNICGW_TRACE_SPORT]);
	EXPECT_EQ(NULL, t[VNICGW_TRACE_VNI]);
	nlmsg_free(m);
}

TEST(tcp_flags_by_name_and_number)
{
	uint8_t f;
	char b[48];

	ASSERT_EQ(0, vgw_trace_flags_parse("syn,ack", &f));
	EXPECT_EQ(0x12, f);
	EXPECT_STREQ("syn,ack", vgw_trace_flags_str(f, b, sizeof(b)));
	ASSERT_EQ(0, vgw_trace_flags_parse("fin,syn,rst,psh,ack,urg,ece,cwr", &f));
	EXPECT_EQ(0xff, f);
	EXPECT_STREQ("fin,syn,rst,psh,ack,urg,ece,cwr", vgw_trace_flags_str(f, b, sizeof(b)));
	ASSERT_EQ(0, vgw_trace_flags_parse("0x11", &f));
	EXPECT_EQ(0x11, f);
	ASSERT_EQ(0, vgw_trace_flags_parse("4", &f));
	EXPECT_EQ(4, f);
	EXPECT_STREQ("none", vgw_trace_flags_str(0, b, sizeof(b)));
	EXPECT_EQ(-EINVAL, vgw_trace_flags_parse("syn,", &f));
	EXPECT_EQ(-EINVAL, vgw_trace_flags_parse("sy", &f));
	EXPECT_EQ(-EINVAL, vgw_trace_flags_parse("", &f));
	EXPECT_EQ(-EINVAL, vgw_trace_flags_parse("256", &f));
	EXPECT_EQ(-EINVAL, vgw_trace_flags_parse("SYN", &f));
}

TEST_HARNESS_MAIN
