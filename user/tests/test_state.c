// SPDX-License-Identifier: GPL-2.0
/*
 * The desired-state document: what parses into what, canonical output,
 * round trips (write -> parse gives an equal document), normal form.
 * Refusals are in test_state_edit.c, random documents in test_state_random.c.
 */
#include <errno.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "state.h"

#include "test_data.h"

static struct vgw_doc *load(struct __test_metadata *_metadata,
			    const char *name)
{
	struct vgw_doc *d = NULL;
	char err[256] = "";
	int ret = vgw_doc_parse_file(data_path(name), &d, err, sizeof(err));

	if (ret)
		TH_LOG("%s: %s", name, err);
	EXPECT_EQ(0, ret);
	return d;
}

static struct vgw_doc *parse_text(struct __test_metadata *_metadata,
				  const char *text)
{
	struct vgw_doc *d = NULL;
	char err[256] = "";
	int ret = vgw_doc_parse(text, strlen(text), &d, err, sizeof(err));

	if (ret)
		TH_LOG("%s", err);
	EXPECT_EQ(0, ret);
	return d;
}

static char *to_text(const struct vgw_doc *d)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f || vgw_doc_write_json(d, f)) {
		if (f)
			fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	return buf;
}

/* parse(write(d)), asserting each step. */
static struct vgw_doc *reparse(struct __test_metadata *_metadata,
			       const struct vgw_doc *d)
{
	char *text = to_text(d);
	struct vgw_doc *e;

	EXPECT_NE(NULL, text);
	if (!text)
		return NULL;
	e = parse_text(_metadata, text);
	free(text);
	return e;
}

static const struct vgw_vnic *vnic(const struct vgw_doc *d, const char *id)
{
	return vgw_doc_find(d, VGW_OBJ_VNIC, id);
}

static const char *addr(const struct vgw_addr *a)
{
	static char s[4][VGW_ADDR_STRLEN];
	static int i;

	i = (i + 1) % 4;
	return vgw_addr_str(a, s[i], sizeof(s[i]));
}

static const char *prefix(const struct vgw_prefix *p)
{
	static char s[4][VGW_PREFIX_STRLEN];
	static int i;

	i = (i + 1) % 4;
	return vgw_prefix_str(p, s[i], sizeof(s[i]));
}

TEST(example_parses_with_every_object_and_count)
{
	struct vgw_doc *d = load(_metadata, "example.json");

	ASSERT_NE(NULL, d);
	EXPECT_EQ(1, d->n_vcns);
	EXPECT_EQ(1, d->n_subnets);
	EXPECT_EQ(1, d->n_route_tables);
	EXPECT_EQ(1, d->n_security_lists);
	EXPECT_EQ(1, d->n_nsgs);
	EXPECT_EQ(5, d->n_gateways);
	EXPECT_EQ(2, d->n_vnics);
	EXPECT_STREQ("10.1.0.0/16", prefix(&d->vcns[0].cidrs[0]));
	EXPECT_STREQ("rt-a", d->subnets[0].route_table);
	EXPECT_EQ(1, d->subnets[0].n_security_lists);
	EXPECT_STREQ("sl-a", d->subnets[0].security_lists[0]);
	vgw_doc_free(d);
}

TEST(route_rules_are_sorted_by_destination_with_both_target_kinds)
{
	struct vgw_doc *d = load(_metadata, "example.json");
	const struct vgw_route_rule *r;

	ASSERT_NE(NULL, d);
	ASSERT_EQ(4, d->route_tables[0].n_rules);
	r = d->route_tables[0].rules;
	EXPECT_STREQ("0.0.0.0/0", prefix(&r[0].dst));
	EXPECT_STREQ("igw-a", r[0].gateway);
	EXPECT_STREQ("10.9.0.0/16", prefix(&r[1].dst));
	EXPECT_EQ(VGW_TARGET_PRIVATE_IP, r[1].target_type);
	EXPECT_STREQ("10.1.1.250", addr(&r[1].private_ip));
	EXPECT_STREQ("192.168.0.0/16", prefix(&r[2].dst));
	EXPECT_STREQ("drg-a", r[2].gateway);
	EXPECT_EQ(VGW_DST_SERVICE, r[3].dst_type);
	EXPECT_STREQ("all", r[3].service);
	EXPECT_STREQ("sgw-a", r[3].gateway);
	vgw_doc_free(d);
}

TEST(security_rule_fields_parse_with_their_defaults)
{
	struct vgw_doc *d = load(_metadata, "example.json");
	const struct vgw_sec_rule *r;

	ASSERT_NE(NULL, d);
	r = d->security_lists[0].ingress;
	EXPECT_EQ(6, r[0].protocol);
	EXPECT_EQ(22, r[0].dst_ports.lo);
	EXPECT_EQ(22, r[0].dst_ports.hi);
	EXPECT_EQ(0, r[0].src_ports.lo);
	EXPECT_EQ(65535, r[0].src_ports.hi);
	EXPECT_EQ(VGW_ICMP_ANY, r[0].icmp_type);
	EXPECT_FALSE(r[0].stateless);
	EXPECT_EQ(1, r[1].protocol);
	EXPECT_EQ(3, r[1].icmp_type);
	EXPECT_EQ(4, r[1].icmp_code);
	EXPECT_TRUE(r[1].stateless);
	EXPECT_EQ(VGW_PROTO_ALL, d->security_lists[0].egress[0].protocol);
	r = d->nsgs[0].ingress;
	EXPECT_EQ(80, r[0].dst_ports.lo);
	EXPECT_EQ(443, r[0].dst_ports.hi);
	EXPECT_EQ(0, d->nsgs[0].n_egress);
	vgw_doc_free(d);
}

TEST(gateways_parse_with_type_fields_and_defaults)
{
	struct vgw_doc *d = load(_metadata, "example.json");
	const struct vgw_gateway *g;

	ASSERT_NE(NULL, d);
	g = vgw_doc_find(d, VGW_OBJ_GATEWAY, "nat-a");
	ASSERT_NE(NULL, g);
	EXPECT_EQ(VGW_GW_NAT, g->type);
	EXPECT_STREQ("198.51.100.10", addr(&g->public_ip));
	EXPECT_EQ(9002, g->vni);
	EXPECT_EQ(VGW_ENCAP_VXLAN, g->encap);
	EXPECT_TRUE(g->enabled);
	g = vgw_doc_find(d, VGW_OBJ_GATEWAY, "sgw-a");
	ASSERT_NE(NULL, g);
	ASSERT_EQ(1, g->n_services);
	EXPECT_STREQ("all", g->services[0].name);
	EXPECT_STREQ("192.0.2.0/24", prefix(&g->services[0].prefixes[0]));
	g = vgw_doc_find(d, VGW_OBJ_GATEWAY, "igw-a");
	ASSERT_NE(NULL, g);
	EXPECT_EQ(0, g->public_ip.family);
	EXPECT_STREQ("10.0.0.100", addr(&g->underlay_ip));
	vgw_doc_free(d);
}

TEST(vnics_parse_with_micro_vnic_vips_and_defaults)
{
	struct vgw_doc *d = load(_metadata, "example.json");
	const struct vgw_vnic *a, *fw;

	ASSERT_NE(NULL, d);
	a = vnic(d, "vnic-a1");
	fw = vnic(d, "vnic-fw");
	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, fw);
	EXPECT_STREQ("10.1.1.5", addr(&a->private_ips[0]));
	EXPECT_STREQ("203.0.113.5", addr(&a->public_ip));
	EXPECT_EQ(1001, a->micro_vnic.vni);
	EXPECT_STREQ("10.0.0.21", addr(&a->micro_vnic.nvd_ip));
	EXPECT_EQ(VGW_ENCAP_VXLAN, a->micro_vnic.encap);
	EXPECT_EQ(VGW_VIP_ROUTE, a->vips[0].rule);
	EXPECT_STREQ("nsg-web", a->nsgs[0]);
	EXPECT_EQ(65536, a->conntrack_limit);
	EXPECT_FALSE(a->skip_source_dest_check);
	EXPECT_EQ(0, fw->public_ip.family);
	EXPECT_TRUE(fw->skip_source_dest_check);
	EXPECT_EQ(VGW_ENCAP_GENEVE, fw->micro_vnic.encap);
	EXPECT_EQ(VGW_CONNTRACK_DEFAULT, fw->conntrack_limit);
	EXPECT_EQ(0xfa, fw->mac[5]);
	vgw_doc_free(d);
}

/* parse(write(parse(x))) == parse(x), and the text is a fixed point. */
static void check_round_trip(struct __test_metadata *_metadata,
			     const char *name)
{
	struct vgw_doc *d = load(_metadata, name), *e;
	char *t1, *t2;

	ASSERT_NE(NULL, d);
	e = reparse(_metadata, d);
	ASSERT_NE(NULL, e);
	EXPECT_TRUE(vgw_doc_equal(d, e));
	t1 = to_text(d);
	t2 = to_text(e);
	ASSERT_NE(NULL, t1);
	ASSERT_NE(NULL, t2);
	EXPECT_STREQ(t1, t2);
	free(t1);
	free(t2);
	vgw_doc_free(d);
	vgw_doc_free(e);
}

TEST(example_round_trips_through_canonical_json)
{
	check_round_trip(_metadata, "example.json");
}

TEST(ipv6_document_round_trips_through_canonical_json)
{
	check_round_trip(_metadata, "ipv6.json");
}

TEST(ipv6_addresses_are_written_in_rfc5952_form)
{
	struct vgw_doc *d = load(_metadata, "ipv6.json");
	char *t;

	ASSERT_NE(NULL, d);
	t = to_text(d);
	ASSERT_NE(NULL, t);
	EXPECT_NE(NULL, strstr(t, "\"2001:db8:100:1::6\""));
	EXPECT_NE(NULL, strstr(t, "\"cidr\": \"2001:db8:100:1::/64\""));
	EXPECT_EQ(NULL, strstr(t, "0db8"));
	EXPECT_EQ(NULL, strstr(t, "DB8"));
	free(t);
	vgw_doc_free(d);
}

TEST(ipv6_document_keeps_families_and_derives_macs)
{
	struct vgw_doc *d = load(_metadata, "ipv6.json");
	const struct vgw_vnic *v;
	char mac[VGW_MAC_STRLEN];
	uint8_t m[6];

	ASSERT_NE(NULL, d);
	v = vnic(d, "fw6");
	ASSERT_NE(NULL, v);
	EXPECT_EQ(AF_INET6, v->private_ips[0].family);
	vgw_mac_from_addr(&v->private_ips[0], m);
	EXPECT_EQ(0, memcmp(m, v->mac, 6));
	EXPECT_EQ(0x06, v->mac[0]);
	EXPECT_STRNE("06:00:00:00:00:00", vgw_mac_str(v->mac, mac, sizeof(mac)));
	v = vnic(d, "vm6-1");
	ASSERT_NE(NULL, v);
	/* vips are a set, sorted by address */
	EXPECT_STREQ("fd00:100::1", addr(&v->vips[0].ip));
	EXPECT_EQ(VGW_VIP_TARGET, v->vips[0].rule);
	EXPECT_STREQ("igw6", v->vips[0].target);
	EXPECT_STREQ("fd00:100::2", addr(&v->vips[1].ip));
	EXPECT_EQ(1000, v->conntrack_limit);
	vgw_doc_free(d);
}

/* Every object of type t in both test documents survives write -> parse. */
static void check_type_round_trip(struct __test_metadata *_metadata,
				  enum vgw_obj_type t)
{
	static const char *const docs[] = { "example.json", "ipv6.json" };
	struct vgw_doc *d, *e;
	unsigned int k, i, seen = 0;

	for (k = 0; k < 2; k++) {
		d = load(_metadata, docs[k]);
		ASSERT_NE(NULL, d);
		e = reparse(_metadata, d);
		ASSERT_NE(NULL, e);
		ASSERT_EQ(vgw_doc_count(d, t), vgw_doc_count(e, t));
		for (i = 0; i < vgw_doc_count(d, t); i++, seen++)
			EXPECT_TRUE(vgw_obj_equal(t, vgw_doc_obj(d, t, i),
						  vgw_doc_obj(e, t, i)));
		vgw_doc_free(d);
		vgw_doc_free(e);
	}
	EXPECT_LT(0, seen);
}

TEST(vcns_round_trip) { check_type_round_trip(_metadata, VGW_OBJ_VCN); }
TEST(gateways_round_trip) { check_type_round_trip(_metadata, VGW_OBJ_GATEWAY); }
TEST(route_tables_round_trip) { check_type_round_trip(_metadata, VGW_OBJ_ROUTE_TABLE); }
TEST(security_lists_round_trip) { check_type_round_trip(_metadata, VGW_OBJ_SECURITY_LIST); }
TEST(nsgs_round_trip) { check_type_round_trip(_metadata, VGW_OBJ_NSG); }
TEST(subnets_round_trip) { check_type_round_trip(_metadata, VGW_OBJ_SUBNET); }
TEST(vnics_round_trip) { check_type_round_trip(_metadata, VGW_OBJ_VNIC); }

static const char minimal[] =
	"{\"vcns\":[{\"id\":\"v\",\"cidrs\":[\"10.1.0.0/16\"]}],"
	"\"subnets\":[{\"id\":\"s\",\"vcn\":\"v\",\"cidr\":\"10.1.1.0/24\"}],"
	"\"nsgs\":[{\"id\":\"n\",\"vcn\":\"v\",\"ingress\":["
	"{\"source\":\"0.0.0.0/0\",\"protocol\":\"tcp\",\"dst_ports\":\"0-65535\"}]}],"
	"\"gateways\":[{\"id\":\"g\",\"vcn\":\"v\",\"type\":\"drg\","
	"\"underlay_ip\":\"10.0.0.1\",\"vni\":7}],"
	"\"vnics\":[{\"id\":\"x\",\"subnet\":\"s\",\"private_ips\":[\"10.1.1.5\"],"
	"\"micro_vnic\":{\"vni\":5,\"nvd_ip\":\"10.0.0.2\"},"
	"\"vips\":[{\"ip\":\"10.0.9.1\"}]}]}";

/* minimal with flow_logs on subnet s, and VNICs that inherit or say. */
static const char flow_doc[] =
	"{\"vcns\":[{\"id\":\"v\",\"cidrs\":[\"10.1.0.0/16\"]}],"
	"\"subnets\":[{\"id\":\"s\",\"vcn\":\"v\",\"cidr\":\"10.1.1.0/24\","
	"\"flow_logs\":true},"
	"{\"id\":\"t\",\"vcn\":\"v\",\"cidr\":\"10.1.2.0/24\"}],"
	"\"vnics\":["
	"{\"id\":\"inherits-on\",\"subnet\":\"s\",\"private_ips\":[\"10.1.1.5\"],"
	"\"micro_vnic\":{\"vni\":5,\"nvd_ip\":\"10.0.0.2\"},"
	"\"vips\":[{\"ip\":\"10.0.9.1\"}]},"
	"{\"id\":\"off-in-on\",\"subnet\":\"s\",\"private_ips\":[\"10.1.1.6\"],"
	"\"micro_vnic\":{\"vni\":6,\"nvd_ip\":\"10.0.0.2\"},"
	"\"vips\":[{\"ip\":\"10.0.9.1\"}],\"flow_logs\":false},"
	"{\"id\":\"inherits-off\",\"subnet\":\"t\",\"private_ips\":[\"10.1.2.5\"],"
	"\"micro_vnic\":{\"vni\":7,\"nvd_ip\":\"10.0.0.2\"},"
	"\"vips\":[{\"ip\":\"10.0.9.1\"}]},"
	"{\"id\":\"on-in-off\",\"subnet\":\"t\",\"private_ips\":[\"10.1.2.6\"],"
	"\"micro_vnic\":{\"vni\":8,\"nvd_ip\":\"10.0.0.2\"},"
	"\"vips\":[{\"ip\":\"10.0.9.1\"}],\"flow_logs\":true}]}";

TEST(flow_logs_default_off_and_a_vnic_inherits_its_subnets_unless_it_says)
{
	struct vgw_doc *d = parse_text(_metadata, minimal);
	struct vgw_doc *e = parse_text(_metadata, flow_doc);

	ASSERT_NE(NULL, d);
	ASSERT_NE(NULL, e);
	/* absent everywhere: off */
	EXPECT_FALSE(d->subnets[0].flow_logs);
	EXPECT_EQ(VGW_FLOW_LOGS_SUBNET, d->vnics[0].flow_logs);
	EXPECT_FALSE(vgw_vnic_flow_logs(d, &d->vnics[0]));
	EXPECT_TRUE(e->subnets[0].flow_logs);
	EXPECT_FALSE(e->subnets[1].flow_logs);
	EXPECT_EQ(VGW_FLOW_LOGS_SUBNET, vnic(e, "inherits-on")->flow_logs);
	EXPECT_EQ(VGW_FLOW_LOGS_OFF, vnic(e, "off-in-on")->flow_logs);
	EXPECT_EQ(VGW_FLOW_LOGS_ON, vnic(e, "on-in-off")->flow_logs);
	EXPECT_TRUE(vgw_vnic_flow_logs(e, vnic(e, "inherits-on")));
	EXPECT_FALSE(vgw_vnic_flow_logs(e, vnic(e, "off-in-on")));
	EXPECT_FALSE(vgw_vnic_flow_logs(e, vnic(e, "inherits-off")));
	EXPECT_TRUE(vgw_vnic_flow_logs(e, vnic(e, "on-in-off")));
	vgw_doc_free(d);
	vgw_doc_free(e);
}

TEST(flow_logs_canonical_form_writes_the_subnets_always_a_vnics_when_said)
{
	struct vgw_doc *d = parse_text(_metadata, minimal);
	struct vgw_doc *e = parse_text(_metadata, flow_doc), *back;
	char *t, *u;

	ASSERT_NE(NULL, d);
	ASSERT_NE(NULL, e);
	t = to_text(d);
	u = to_text(e);
	ASSERT_NE(NULL, t);
	ASSERT_NE(NULL, u);
	/* the subnet's default is written; a VNIC's absence means "inherit" */
	EXPECT_NE(NULL, strstr(t, "\"security_lists\": [],\n      \"flow_logs\": false"));
	EXPECT_EQ(NULL, strstr(strstr(t, "\"vnics\""), "flow_logs"));
	/* one subnet true, one false; two VNICs say it, after conntrack_limit */
	EXPECT_NE(NULL, strstr(u, "\"flow_logs\": true\n    },\n    {\n      \"id\": \"t\""));
	EXPECT_NE(NULL, strstr(u, "\"conntrack_limit\": 65536,\n      \"flow_logs\": false"));
	EXPECT_NE(NULL, strstr(u, "\"conntrack_limit\": 65536,\n      \"flow_logs\": true"));
	back = reparse(_metadata, e);
	ASSERT_NE(NULL, back);
	EXPECT_TRUE(vgw_doc_equal(e, back));
	EXPECT_EQ(VGW_FLOW_LOGS_SUBNET, vnic(back, "inherits-on")->flow_logs);
	EXPECT_EQ(VGW_FLOW_LOGS_OFF, vnic(back, "off-in-on")->flow_logs);
	EXPECT_EQ(VGW_FLOW_LOGS_ON, vnic(back, "on-in-off")->flow_logs);
	vgw_doc_free(back);
	free(t);
	free(u);
	vgw_doc_free(d);
	vgw_doc_free(e);
}

/*
 * A new document that changes only flow_logs is a new document (the agent
 * takes it: the set of logged VNICs follows), but the kernel's tables, which
 * do not hold the field, are no different: once the dump takes the agent
 * fields of the desired document, nothing is to be applied.
 */
TEST(flow_logs_change_the_document_but_not_what_the_kernel_is_given)
{
	struct vgw_doc *want = parse_text(_metadata, flow_doc);
	struct vgw_doc *kern = parse_text(_metadata, flow_doc), *empty;
	unsigned int i;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	ASSERT_NE(NULL, want);
	ASSERT_NE(NULL, kern);
	/* what vgw_dump_doc() gives: the kernel has no flow_logs */
	for (i = 0; i < kern->n_subnets; i++)
		kern->subnets[i].flow_logs = false;
	for (i = 0; i < kern->n_vnics; i++)
		kern->vnics[i].flow_logs = VGW_FLOW_LOGS_SUBNET;
	EXPECT_FALSE(vgw_doc_equal(kern, want));
	EXPECT_FALSE(vgw_obj_equal(VGW_OBJ_SUBNET, &kern->subnets[0],
				   &want->subnets[0]));
	f = open_memstream(&buf, &len);
	ASSERT_NE(NULL, f);
	EXPECT_EQ(3, vgw_doc_diff_print(kern, want, f));
	fclose(f);
	EXPECT_STREQ("~ subnet s\n~ vnic off-in-on\n~ vnic on-in-off\n", buf);
	free(buf);

	vgw_doc_take_agent_fields(kern, want);
	EXPECT_TRUE(vgw_doc_equal(kern, want));
	EXPECT_EQ(0, vgw_doc_diff_print(kern, want, stderr));
	/* objects the desired document lacks get the zero values */
	empty = vgw_doc_new();
	ASSERT_NE(NULL, empty);
	vgw_doc_take_agent_fields(kern, empty);
	for (i = 0; i < kern->n_subnets; i++)
		EXPECT_FALSE(kern->subnets[i].flow_logs);
	for (i = 0; i < kern->n_vnics; i++)
		EXPECT_EQ(VGW_FLOW_LOGS_SUBNET, kern->vnics[i].flow_logs);
	vgw_doc_free(empty);
	vgw_doc_free(want);
	vgw_doc_free(kern);
}

TEST(defaults_are_written_out_and_any_is_omitted)
{
	struct vgw_doc *d = parse_text(_metadata, minimal);
	char *t;

	ASSERT_NE(NULL, d);
	t = to_text(d);
	ASSERT_NE(NULL, t);
	EXPECT_NE(NULL, strstr(t, "\"mac\": \"02:00:0a:01:01:05\""));
	EXPECT_NE(NULL, strstr(t, "\"conntrack_limit\": 65536"));
	EXPECT_NE(NULL, strstr(t, "\"encap\": \"vxlan\""));
	EXPECT_NE(NULL, strstr(t, "\"rule\": \"route\""));
	EXPECT_NE(NULL, strstr(t, "\"enabled\": true"));
	EXPECT_NE(NULL, strstr(t, "\"stateless\": false"));
	EXPECT_NE(NULL, strstr(t, "\"skip_source_dest_check\": false"));
	EXPECT_NE(NULL, strstr(t, "\"security_lists\": []"));
	EXPECT_NE(NULL, strstr(t, "\"route_tables\": []"));
	EXPECT_NE(NULL, strstr(t, "\"egress\": []"));
	EXPECT_EQ(NULL, strstr(t, "ports"));	/* 0-65535 is "any" */
	EXPECT_EQ(NULL, strstr(t, "route_table\":"));
	EXPECT_EQ(NULL, strstr(t, "public_ip"));
	EXPECT_EQ(NULL, strstr(t, "icmp"));
	free(t);
	vgw_doc_free(d);
}

TEST(the_canonical_key_order_follows_state_format)
{
	struct vgw_doc *d = parse_text(_metadata, minimal);
	/* top-level keys: indented by two spaces */
	const char *keys[] = { "\n  \"vcns\"", "\n  \"subnets\"",
			       "\n  \"route_tables\"",
			       "\n  \"security_lists\"", "\n  \"nsgs\"",
			       "\n  \"gateways\"", "\n  \"vnics\"" };
	char *t, *p, *last;
	unsigned int i;

	ASSERT_NE(NULL, d);
	t = to_text(d);
	ASSERT_NE(NULL, t);
	last = t;
	for (i = 0; i < 7; i++) {
		p = strstr(t, keys[i]);
		ASSERT_NE(NULL, p);
		EXPECT_LT(last, p + 1);
		last = p;
	}
	EXPECT_EQ('\n', t[strlen(t) - 1]);
	free(t);
	vgw_doc_free(d);
}

TEST(a_full_port_range_equals_no_range)
{
	struct vgw_doc *d = parse_text(_metadata, minimal);
	const struct vgw_sec_rule *r;

	ASSERT_NE(NULL, d);
	r = &d->nsgs[0].ingress[0];
	EXPECT_EQ(0, r->dst_ports.lo);
	EXPECT_EQ(65535, r->dst_ports.hi);
	vgw_doc_free(d);
}

/* Reverse every array of the example that the document treats as a set. */
static void reverse(json_t *a)
{
	size_t n = json_array_size(a), i;
	json_t *copy = json_copy(a);

	for (i = 0; i < n; i++)
		json_array_set(a, i, json_array_get(copy, n - 1 - i));
	json_decref(copy);
}

static char *shuffled_example(void)
{
	json_t *root = json_load_file(data_path("example.json"), 0, NULL);
	const char *key;
	json_t *v;
	char *s;

	if (!root)
		return NULL;
	json_object_foreach(root, key, v)
		reverse(v);
	reverse(json_object_get(json_array_get(json_object_get(root,
		"route_tables"), 0), "rules"));
	s = json_dumps(root, JSON_SORT_KEYS);
	json_decref(root);
	return s;
}

TEST(object_order_and_set_order_do_not_change_the_document)
{
	struct vgw_doc *d = load(_metadata, "example.json"), *e;
	char *s = shuffled_example();

	ASSERT_NE(NULL, d);
	ASSERT_NE(NULL, s);
	e = parse_text(_metadata, s);
	ASSERT_NE(NULL, e);
	EXPECT_TRUE(vgw_doc_equal(d, e));
	free(s);
	vgw_doc_free(d);
	vgw_doc_free(e);
}

TEST(security_rule_order_is_part_of_the_document)
{
	struct vgw_doc *d = load(_metadata, "example.json"), *e;
	json_t *root = json_load_file(data_path("example.json"), 0, NULL);
	char *s;

	ASSERT_NE(NULL, d);
	ASSERT_NE(NULL, root);
	reverse(json_object_get(json_array_get(json_object_get(root,
		"security_lists"), 0), "ingress"));
	s = json_dumps(root, 0);
	json_decref(root);
	e = parse_text(_metadata, s);
	ASSERT_NE(NULL, e);
	EXPECT_FALSE(vgw_doc_equal(d, e));
	EXPECT_FALSE(vgw_obj_equal(VGW_OBJ_SECURITY_LIST, &d->security_lists[0],
				   &e->security_lists[0]));
	EXPECT_TRUE(vgw_obj_equal(VGW_OBJ_NSG, &d->nsgs[0], &e->nsgs[0]));
	free(s);
	vgw_doc_free(d);
	vgw_doc_free(e);
}

TEST(protocols_are_names_numbers_or_decimal_strings)
{
	struct vgw_doc *d = load(_metadata, "ipv6.json");
	const struct vgw_seclist *s;
	char *t;

	ASSERT_NE(NULL, d);
	s = vgw_doc_find(d, VGW_OBJ_SECURITY_LIST, "sl6");
	ASSERT_NE(NULL, s);
	EXPECT_EQ(58, s->ingress[1].protocol);
	EXPECT_EQ(132, s->ingress[2].protocol);
	EXPECT_EQ(VGW_PEER_NSG, s->ingress[2].peer_type);
	EXPECT_STREQ("web6", s->ingress[2].peer_nsg);
	EXPECT_EQ(53, s->ingress[3].dst_ports.lo);
	EXPECT_EQ(47, s->egress[1].protocol);
	t = to_text(d);
	ASSERT_NE(NULL, t);
	EXPECT_NE(NULL, strstr(t, "\"protocol\": 47"));
	EXPECT_NE(NULL, strstr(t, "\"protocol\": \"icmpv6\""));
	EXPECT_NE(NULL, strstr(t, "\"dst_ports\": \"53\""));
	free(t);
	vgw_doc_free(d);
}

TEST(an_empty_document_is_valid_and_writes_empty_arrays)
{
	struct vgw_doc *d = parse_text(_metadata, "{}"), *e;

	ASSERT_NE(NULL, d);
	e = reparse(_metadata, d);
	ASSERT_NE(NULL, e);
	EXPECT_TRUE(vgw_doc_equal(d, e));
	EXPECT_EQ(0, vgw_doc_count(e, VGW_OBJ_VNIC));
	vgw_doc_free(d);
	vgw_doc_free(e);
}

TEST(one_object_writes_as_it_appears_in_the_document)
{
	struct vgw_doc *d = load(_metadata, "example.json");
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ASSERT_NE(NULL, d);
	ASSERT_NE(NULL, f);
	EXPECT_EQ(0, vgw_obj_write_json(VGW_OBJ_GATEWAY,
					vgw_doc_find(d, VGW_OBJ_GATEWAY, "nat-a"),
					f));
	fclose(f);
	EXPECT_NE(NULL, strstr(buf, "\"public_ip\": \"198.51.100.10\""));
	EXPECT_EQ('{', buf[0]);
	free(buf);
	vgw_doc_free(d);
}

/* What the netlink code does with kernel dumps: build, then validate. */
TEST(documents_built_by_hand_validate_into_normal_form)
{
	struct vgw_doc *d = vgw_doc_new();
	char err[256] = "";
	unsigned int i;

	ASSERT_NE(NULL, d);
	d->n_vcns = 2;
	d->vcns = calloc(2, sizeof(*d->vcns));
	ASSERT_NE(NULL, d->vcns);
	for (i = 0; i < 2; i++) {
		snprintf(d->vcns[i].id, VGW_ID_MAX, "vcn-%c", 'b' - (int)i);
		d->vcns[i].pos = i;
		d->vcns[i].n_cidrs = 1;
		d->vcns[i].cidrs = calloc(1, sizeof(struct vgw_prefix));
		ASSERT_NE(NULL, d->vcns[i].cidrs);
		ASSERT_EQ(0, vgw_prefix_parse("10.0.0.0/16", d->vcns[i].cidrs));
	}
	EXPECT_EQ(0, vgw_doc_validate(d, err, sizeof(err)));
	EXPECT_STREQ("vcn-a", d->vcns[0].id);
	EXPECT_STREQ("vcn-b", d->vcns[1].id);
	d->n_subnets = 1;
	d->subnets = calloc(1, sizeof(*d->subnets));
	ASSERT_NE(NULL, d->subnets);
	strcpy(d->subnets[0].id, "sub");
	strcpy(d->subnets[0].vcn, "vcn-c");
	ASSERT_EQ(0, vgw_prefix_parse("10.0.1.0/24", &d->subnets[0].cidr));
	EXPECT_EQ(-EINVAL, vgw_doc_validate(d, err, sizeof(err)));
	EXPECT_STREQ("subnets[0].vcn: vcn \"vcn-c\" does not exist", err);
	vgw_doc_free(d);
}

TEST(a_missing_file_is_reported_with_its_path)
{
	struct vgw_doc *d = (void *)1;
	char err[256];

	EXPECT_EQ(-ENOENT, vgw_doc_parse_file("/nonexistent/state.json", &d,
					      err, sizeof(err)));
	EXPECT_EQ(NULL, d);
	EXPECT_STREQ("/nonexistent/state.json: No such file or directory", err);
}

TEST(find_count_and_index_address_objects_by_id)
{
	struct vgw_doc *d = load(_metadata, "example.json");

	ASSERT_NE(NULL, d);
	EXPECT_EQ(5, vgw_doc_count(d, VGW_OBJ_GATEWAY));
	EXPECT_STREQ("drg-a", (const char *)vgw_doc_obj(d, VGW_OBJ_GATEWAY, 0));
	EXPECT_STREQ("sgw-a", (const char *)vgw_doc_obj(d, VGW_OBJ_GATEWAY, 4));
	EXPECT_EQ(NULL, vgw_doc_obj(d, VGW_OBJ_GATEWAY, 5));
	EXPECT_EQ(NULL, vgw_doc_find(d, VGW_OBJ_VNIC, "nope"));
	EXPECT_EQ(NULL, vgw_doc_find(d, VGW_OBJ_NSG, "sl-a"));
	EXPECT_NE(NULL, vgw_doc_find(d, VGW_OBJ_SECURITY_LIST, "sl-a"));
	EXPECT_STREQ("route_table", vgw_obj_type_name(VGW_OBJ_ROUTE_TABLE));
	EXPECT_STREQ("security_lists", vgw_obj_type_key(VGW_OBJ_SECURITY_LIST));
	vgw_doc_free(d);
}

TEST(prefixes_parse_strictly_and_compare_by_bits)
{
	struct vgw_prefix a, b;
	struct vgw_addr x;

	EXPECT_EQ(0, vgw_prefix_parse("10.1.0.0/16", &a));
	EXPECT_EQ(-EINVAL, vgw_prefix_parse("10.1.0.1/16", &b));
	EXPECT_EQ(-EINVAL, vgw_prefix_parse("10.1.0.0", &b));
	EXPECT_EQ(-EINVAL, vgw_prefix_parse("10.1.0.0/33", &b));
	EXPECT_EQ(-EINVAL, vgw_prefix_parse("10.1.0.0/016", &b));
	EXPECT_EQ(-EINVAL, vgw_prefix_parse("::ffff:10.1.0.0/112", &b));
	EXPECT_EQ(0, vgw_prefix_parse("10.1.128.0/17", &b));
	EXPECT_TRUE(vgw_prefix_overlap(&a, &b));
	EXPECT_EQ(0, vgw_prefix_parse("10.2.0.0/16", &b));
	EXPECT_FALSE(vgw_prefix_overlap(&a, &b));
	EXPECT_EQ(0, vgw_addr_parse("10.1.255.255", &x));
	EXPECT_TRUE(vgw_prefix_contains(&a, &x));
	EXPECT_EQ(0, vgw_addr_parse("::a01:101", &x));
	EXPECT_FALSE(vgw_prefix_contains(&a, &x));	/* other family */
	EXPECT_EQ(0, vgw_prefix_parse("2001:db8::/127", &b));
	EXPECT_EQ(0, vgw_addr_parse("2001:db8::1", &x));
	EXPECT_TRUE(vgw_prefix_contains(&b, &x));
	EXPECT_EQ(0, vgw_addr_parse("2001:db8::2", &x));
	EXPECT_FALSE(vgw_prefix_contains(&b, &x));
}

TEST(macs_derive_from_the_primary_address)
{
	uint8_t mac[6];
	char s[VGW_MAC_STRLEN];
	struct vgw_addr a;

	ASSERT_EQ(0, vgw_addr_parse("10.1.1.250", &a));
	vgw_mac_from_addr(&a, mac);
	EXPECT_STREQ("02:00:0a:01:01:fa", vgw_mac_str(mac, s, sizeof(s)));
}

TEST(ipv6_macs_hash_the_whole_address)
{
	uint8_t m1[6], m2[6];
	struct vgw_addr a, b;

	/* the same interface id in two subnets */
	ASSERT_EQ(0, vgw_addr_parse("2001:db8:0:1::5", &a));
	ASSERT_EQ(0, vgw_addr_parse("2001:db8:0:2::5", &b));
	vgw_mac_from_addr(&a, m1);
	vgw_mac_from_addr(&b, m2);
	EXPECT_EQ(0x06, m1[0]);		/* unicast, locally administered */
	EXPECT_EQ(0x06, m2[0]);
	EXPECT_NE(0, memcmp(m1, m2, 6));
	vgw_mac_from_addr(&a, m2);
	EXPECT_EQ(0, memcmp(m1, m2, 6));	/* deterministic */
}

TEST_HARNESS_MAIN
