// SPDX-License-Identifier: GPL-2.0
/*
 * Edits of the example document (every object type), as tables: each row changes a few
 * fields and says what must happen. "bad" rows must be refused with a
 * message that starts with the path of the field and says why; "good" rows
 * are near misses that must be accepted (so that no check is over-eager).
 * Then the difference between documents: exactly the edited objects.
 */
#include <errno.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "state.h"

enum op_kind { END, SET, DEL, ADD };

/* SET path = json; DEL path; ADD json to the array at path. */
struct op {
	enum op_kind kind;
	const char *path;	/* "vnics[1].private_ips[0]" */
	const char *json;
};

#define MAX_OPS 5

#include "test_data.h"

/* One step of a path: a key, or [index]. Returns the rest or NULL. */
static const char *step(const char *p, char *key, size_t *idx, bool *is_idx)
{
	size_t n = 0;

	if (*p == '.')
		p++;
	if (*p == '[') {
		*is_idx = true;
		*idx = strtoul(p + 1, (char **)&p, 10);
		return *p == ']' ? p + 1 : NULL;
	}
	*is_idx = false;
	while (*p && *p != '.' && *p != '[' && n < 63)
		key[n++] = *p++;
	key[n] = '\0';
	return n ? p : NULL;
}

static json_t *child(json_t *v, const char *key, size_t idx, bool is_idx)
{
	return is_idx ? json_array_get(v, idx) : json_object_get(v, key);
}

/* Applies one op; returns 0 or -1 if the path does not resolve. */
static int apply_op(json_t *root, const struct op *op)
{
	const char *p = op->path;
	json_t *parent = root, *cur = root, *val = NULL;
	char key[64] = "";
	size_t idx = 0;
	bool is_idx = false;

	while (p && *p) {
		parent = cur;
		p = step(p, key, &idx, &is_idx);
		cur = p ? child(parent, key, idx, is_idx) : NULL;
		if (!p || (!cur && (*p || op->kind != SET)))
			return -1;
	}
	if (op->kind != DEL) {
		val = json_loads(op->json, JSON_DECODE_ANY, NULL);
		if (!val)
			return -1;
	}
	if (op->kind == ADD)
		return json_array_append_new(cur, val);
	if (op->kind == DEL)
		return is_idx ? json_array_remove(parent, idx)
			      : json_object_del(parent, key);
	return is_idx ? json_array_set_new(parent, idx, val)
		      : json_object_set_new(parent, key, val);
}

/* The example with ops applied, as text (NULL if an op does not apply). */
static char *edited(const struct op *ops)
{
	json_t *root = json_load_file(data_path("example.json"), 0, NULL);
	char *s = NULL;
	int i;

	if (!root)
		return NULL;
	for (i = 0; i < MAX_OPS && ops[i].kind != END; i++)
		if (apply_op(root, &ops[i]))
			goto out;
	s = json_dumps(root, JSON_INDENT(1));
out:
	json_decref(root);
	return s;
}

static int parse_edited(const struct op *ops, struct vgw_doc **d, char *err,
			size_t errlen)
{
	char *s = edited(ops);
	int ret;

	*d = NULL;
	if (!s) {
		snprintf(err, errlen, "edit does not apply to example.json");
		return -EFAULT;
	}
	ret = vgw_doc_parse(s, strlen(s), d, err, errlen);
	free(s);
	return ret;
}

/* --- refusals ------------------------------------------------------------- */

FIXTURE(bad) {
	char err[512];
};

FIXTURE_VARIANT(bad) {
	struct op ops[MAX_OPS];
	const char *msg;	/* the message must start with this */
};

FIXTURE_SETUP(bad)
{
	memset(self->err, 0, sizeof(self->err));
}

FIXTURE_TEARDOWN(bad)
{
}

TEST_F(bad, is_refused_with_a_message_naming_object_and_field)
{
	struct vgw_doc *d = (void *)1;
	int ret = parse_edited(variant->ops, &d, self->err, sizeof(self->err));

	TH_LOG("message: %s", self->err);
	EXPECT_EQ(-EINVAL, ret);
	EXPECT_EQ(NULL, d);
	EXPECT_EQ(0, strncmp(variant->msg, self->err, strlen(variant->msg)));
	vgw_doc_free(d);
}

#define BAD(name, message, ...)						\
	FIXTURE_VARIANT_ADD(bad, name) {				\
		.msg = message, .ops = { __VA_ARGS__ },			\
	}

/* A second VCN with one object of each kind, for cross-VCN rows. */
#define VCN_B { ADD, "vcns", "{\"id\":\"vcn-b\",\"cidrs\":[\"10.2.0.0/16\"]}" }
#define IGW_B { ADD, "gateways", "{\"id\":\"igw-b\",\"vcn\":\"vcn-b\"," \
	"\"type\":\"internet\",\"underlay_ip\":\"10.0.0.200\",\"vni\":9100}" }
#define RT_B { ADD, "route_tables", "{\"id\":\"rt-b\",\"vcn\":\"vcn-b\"}" }
#define SL_B { ADD, "security_lists", "{\"id\":\"sl-b\",\"vcn\":\"vcn-b\"}" }
#define NSG_B { ADD, "nsgs", "{\"id\":\"nsg-b\",\"vcn\":\"vcn-b\"}" }

/* JSON syntax and types */
BAD(unknown_top_level_key, "document: unknown key \"vnicz\"",
    { SET, "vnicz", "[]" });
BAD(unknown_vnic_key, "vnics[1]: unknown key \"prvate_ips\"",
    { SET, "vnics[1].prvate_ips", "[\"10.1.1.7\"]" });
BAD(unknown_rule_key, "security_lists[0].ingress[0]: unknown key \"dport\"",
    { SET, "security_lists[0].ingress[0].dport", "\"22\"" });
BAD(unknown_micro_vnic_key, "vnics[0].micro_vnic: unknown key \"vnii\"",
    { SET, "vnics[0].micro_vnic.vnii", "5" });
BAD(unknown_route_rule_key, "route_tables[0].rules[2]: unknown key \"via\"",
    { SET, "route_tables[0].rules[2].via", "\"x\"" });
BAD(unknown_vip_key, "vnics[0].vips[0]: unknown key \"vni\"",
    { SET, "vnics[0].vips[0].vni", "5" });
BAD(unknown_gateway_key, "gateways[4]: unknown key \"peer\"",
    { SET, "gateways[4].peer", "\"lpg-b\"" });
BAD(source_in_an_egress_rule, "security_lists[0].egress[0]: unknown key \"source\"",
    { SET, "security_lists[0].egress[0].source", "\"0.0.0.0/0\"" });
BAD(missing_vnic_subnet, "vnics[1].subnet: missing (required)",
    { DEL, "vnics[1].subnet", NULL });
BAD(missing_gateway_vni, "gateways[3].vni: missing (required)",
    { DEL, "gateways[3].vni", NULL });
BAD(missing_gateway_underlay_ip, "gateways[0].underlay_ip: missing (required)",
    { DEL, "gateways[0].underlay_ip", NULL });
BAD(missing_protocol, "nsgs[0].ingress[0].protocol: missing (required)",
    { DEL, "nsgs[0].ingress[0].protocol", NULL });
BAD(missing_micro_vnic, "vnics[0].micro_vnic: missing (required)",
    { DEL, "vnics[0].micro_vnic", NULL });
BAD(missing_nvd_ip, "vnics[1].micro_vnic.nvd_ip: missing (required)",
    { DEL, "vnics[1].micro_vnic.nvd_ip", NULL });
BAD(missing_route_target, "route_tables[0].rules[1].target: missing (required)",
    { DEL, "route_tables[0].rules[1].target", NULL });
BAD(missing_subnet_cidr, "subnets[0].cidr: missing (required)",
    { DEL, "subnets[0].cidr", NULL });
BAD(missing_vcn_cidrs, "vcns[0].cidrs: missing (required)",
    { DEL, "vcns[0].cidrs", NULL });
BAD(missing_id, "nsgs[0].id: missing (required)", { DEL, "nsgs[0].id", NULL });
BAD(vni_as_string, "gateways[0].vni: expected an integer, got a string",
    { SET, "gateways[0].vni", "\"9001\"" });
BAD(enabled_as_string, "gateways[0].enabled: expected a boolean, got a string",
    { SET, "gateways[0].enabled", "\"yes\"" });
BAD(vcns_as_object, "vcns: expected an array, got an object",
    { SET, "vcns", "{}" });
BAD(vnic_as_array, "vnics[1]: expected an object, got an array",
    { SET, "vnics[1]", "[]" });
BAD(null_for_absent, "vnics[0].public_ip: expected a string, got null",
    { SET, "vnics[0].public_ip", "null" });
BAD(subnet_flow_logs_as_string, "subnets[0].flow_logs: expected a boolean, got a string",
    { SET, "subnets[0].flow_logs", "\"yes\"" });
BAD(vnic_flow_logs_as_integer, "vnics[1].flow_logs: expected a boolean, got an integer",
    { SET, "vnics[1].flow_logs", "1" });
BAD(vnic_flow_logs_as_null, "vnics[0].flow_logs: expected a boolean, got null",
    { SET, "vnics[0].flow_logs", "null" });
BAD(real_for_integer, "vnics[0].conntrack_limit: expected an integer, got a real number",
    { SET, "vnics[0].conntrack_limit", "1.5" });
BAD(protocol_as_boolean, "nsgs[0].ingress[0].protocol: expected a string or an integer, got a boolean",
    { SET, "nsgs[0].ingress[0].protocol", "true" });
BAD(private_ips_as_string, "vnics[0].private_ips: expected an array, got a string",
    { SET, "vnics[0].private_ips", "\"10.1.1.5\"" });

/* ids */
BAD(id_with_a_space, "vnics[0].id: \"vnic a1\" is not a valid id",
    { SET, "vnics[0].id", "\"vnic a1\"" });
BAD(id_of_64_chars, "subnets[0].id: \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\" is not a valid id",
    { SET, "subnets[0].id",
      "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"" });
BAD(empty_id, "vcns[0].id: \"\" is not a valid id", { SET, "vcns[0].id", "\"\"" });
BAD(bad_reference_id, "subnets[0].vcn: \"vcn/a\" is not a valid id",
    { SET, "subnets[0].vcn", "\"vcn/a\"" });
BAD(duplicate_vnic_id, "vnics[1].id: duplicate id \"vnic-a1\" (also vnics[0])",
    { SET, "vnics[1].id", "\"vnic-a1\"" });
BAD(duplicate_gateway_id, "gateways[4].id: duplicate id \"igw-a\" (also gateways[0])",
    { SET, "gateways[4].id", "\"igw-a\"" });

/* references to missing objects */
BAD(subnet_vcn_missing, "subnets[0].vcn: vcn \"vcn-x\" does not exist",
    { SET, "subnets[0].vcn", "\"vcn-x\"" });
BAD(subnet_route_table_missing, "subnets[0].route_table: route_table \"rt-x\" does not exist",
    { SET, "subnets[0].route_table", "\"rt-x\"" });
BAD(subnet_security_list_missing, "subnets[0].security_lists[1]: security_list \"sl-x\" does not exist",
    { SET, "subnets[0].security_lists", "[\"sl-a\",\"sl-x\"]" });
BAD(route_target_missing, "route_tables[0].rules[1].target: gateway \"drg-x\" does not exist",
    { SET, "route_tables[0].rules[1].target", "\"drg-x\"" });
BAD(route_table_vcn_missing, "route_tables[0].vcn: vcn \"vcn-x\" does not exist",
    { SET, "route_tables[0].vcn", "\"vcn-x\"" });
BAD(gateway_vcn_missing, "gateways[2].vcn: vcn \"vcn-x\" does not exist",
    { SET, "gateways[2].vcn", "\"vcn-x\"" });
BAD(nsg_vcn_missing, "nsgs[0].vcn: vcn \"vcn-x\" does not exist",
    { SET, "nsgs[0].vcn", "\"vcn-x\"" });
BAD(vnic_subnet_missing, "vnics[1].subnet: subnet \"sub-x\" does not exist",
    { SET, "vnics[1].subnet", "\"sub-x\"" });
BAD(vnic_nsg_missing, "vnics[0].nsgs[0]: nsg \"nsg-x\" does not exist",
    { SET, "vnics[0].nsgs", "[\"nsg-x\"]" });
BAD(vip_target_missing, "vnics[0].vips[0].rule: gateway \"igw-x\" does not exist",
    { SET, "vnics[0].vips[0].rule", "\"target:igw-x\"" });
BAD(nsg_peer_with_bad_id, "nsgs[0].ingress[0].source: \"nsg:a b\": \"a b\" is not a valid id",
    { SET, "nsgs[0].ingress[0].source", "\"nsg:a b\"" });
BAD(nsg_source_missing, "nsgs[0].ingress[0].source: nsg \"nsg-x\" does not exist",
    { SET, "nsgs[0].ingress[0].source", "\"nsg:nsg-x\"" });
BAD(private_ip_target_unowned, "route_tables[0].rules[3].target: no VNIC of vcn vcn-a has private IP 10.1.1.251",
    { SET, "route_tables[0].rules[3].target", "\"private-ip:10.1.1.251\"" });
BAD(private_ip_target_checks_source_dest, "route_tables[0].rules[3].target: vnic vnic-fw (private IP 10.1.1.250) needs skip_source_dest_check",
    { SET, "vnics[1].skip_source_dest_check", "false" });

/* cross-VCN references */
BAD(subnet_uses_route_table_of_other_vcn, "subnets[0].route_table: route_table rt-b is in vcn vcn-b, not in vcn vcn-a",
    VCN_B, RT_B, { SET, "subnets[0].route_table", "\"rt-b\"" });
BAD(subnet_uses_security_list_of_other_vcn, "subnets[0].security_lists[0]: security_list sl-b is in vcn vcn-b, not in vcn vcn-a",
    VCN_B, SL_B, { SET, "subnets[0].security_lists", "[\"sl-b\"]" });
BAD(route_target_in_other_vcn, "route_tables[0].rules[0].target: gateway igw-b is in vcn vcn-b, not in vcn vcn-a",
    VCN_B, IGW_B, { SET, "route_tables[0].rules[0].target", "\"igw-b\"" });
BAD(vnic_in_nsg_of_other_vcn, "vnics[0].nsgs[0]: nsg nsg-b is in vcn vcn-b, not in vcn vcn-a",
    VCN_B, NSG_B, { SET, "vnics[0].nsgs", "[\"nsg-b\"]" });
BAD(vip_target_in_other_vcn, "vnics[1].vips[0].rule: gateway igw-b is in vcn vcn-b, not in vcn vcn-a",
    VCN_B, IGW_B, { SET, "vnics[1].vips[0].rule", "\"target:igw-b\"" });
BAD(nsg_source_in_other_vcn, "security_lists[0].egress[0].destination: nsg nsg-b is in vcn vcn-b, not in vcn vcn-a",
    VCN_B, NSG_B, { SET, "security_lists[0].egress[0].destination", "\"nsg:nsg-b\"" });
BAD(private_ip_target_in_other_vcn, "route_tables[1].rules[0].target: no VNIC of vcn vcn-b has private IP 10.1.1.250",
    VCN_B, { ADD, "route_tables", "{\"id\":\"rt-b\",\"vcn\":\"vcn-b\",\"rules\":"
	     "[{\"destination\":\"0.0.0.0/0\",\"target\":\"private-ip:10.1.1.250\"}]}" });

/* prefixes and addresses in their place */
BAD(subnet_outside_vcn, "subnets[0].cidr: 10.2.1.0/24 is outside the cidrs of vcn vcn-a",
    { SET, "subnets[0].cidr", "\"10.2.1.0/24\"" });
BAD(subnet_larger_than_vcn, "subnets[0].cidr: 10.0.0.0/8 is outside the cidrs of vcn vcn-a",
    { SET, "subnets[0].cidr", "\"10.0.0.0/8\"" });
BAD(overlapping_subnets, "subnets[1].cidr: 10.1.1.128/25 overlaps subnet sub-a 10.1.1.0/24",
    { ADD, "subnets", "{\"id\":\"sub-b\",\"vcn\":\"vcn-a\",\"cidr\":\"10.1.1.128/25\"}" });
BAD(subnet_without_room, "subnets[1].cidr: 10.1.2.0/31 leaves no room for hosts (at most /30)",
    { ADD, "subnets", "{\"id\":\"sub-b\",\"vcn\":\"vcn-a\",\"cidr\":\"10.1.2.0/31\"}" });
BAD(overlapping_vcn_cidrs, "vcns[0].cidrs[1]: 10.0.0.0/8 overlaps cidrs[0] 10.1.0.0/16",
    { SET, "vcns[0].cidrs", "[\"10.1.0.0/16\",\"10.0.0.0/8\"]" });
BAD(empty_vcn_cidrs, "vcns[0].cidrs: at least 1 required",
    { SET, "vcns[0].cidrs", "[]" });
BAD(private_ip_outside_subnet, "vnics[0].private_ips[0]: 10.1.9.5 is outside subnet sub-a 10.1.1.0/24",
    { SET, "vnics[0].private_ips", "[\"10.1.9.5\"]" });
BAD(private_ip_of_other_family, "vnics[0].private_ips[1]: 2001:db8::5 is outside subnet sub-a 10.1.1.0/24",
    { SET, "vnics[0].private_ips", "[\"10.1.1.5\",\"2001:db8::5\"]" });
BAD(private_ip_used_twice_in_vcn, "vnics[1].private_ips[1]: 10.1.1.5 is also a private IP of vnic vnic-a1",
    { SET, "vnics[1].private_ips", "[\"10.1.1.250\",\"10.1.1.5\"]" });
BAD(private_ip_twice_in_one_vnic, "vnics[0].private_ips[1]: 10.1.1.5 is listed twice",
    { SET, "vnics[0].private_ips", "[\"10.1.1.5\",\"10.1.1.5\"]" });
BAD(private_ip_is_virtual_router, "vnics[0].private_ips[0]: 10.1.1.1 is reserved in subnet sub-a",
    { SET, "vnics[0].private_ips", "[\"10.1.1.1\"]" });
BAD(private_ip_is_network_address, "vnics[0].private_ips[0]: 10.1.1.0 is reserved",
    { SET, "vnics[0].private_ips", "[\"10.1.1.0\"]" });
BAD(private_ip_is_last_address, "vnics[0].private_ips[0]: 10.1.1.255 is reserved",
    { SET, "vnics[0].private_ips", "[\"10.1.1.255\"]" });
BAD(empty_private_ips, "vnics[0].private_ips: at least 1 required",
    { SET, "vnics[0].private_ips", "[]" });
BAD(malformed_address, "vnics[0].private_ips[0]: \"10.1.1.256\" is not an IPv4 or IPv6 address",
    { SET, "vnics[0].private_ips", "[\"10.1.1.256\"]" });
BAD(address_with_leading_zero, "vnics[0].micro_vnic.nvd_ip: \"10.0.0.021\" is not an IPv4 or IPv6 address",
    { SET, "vnics[0].micro_vnic.nvd_ip", "\"10.0.0.021\"" });
BAD(ipv4_mapped_ipv6_address, "gateways[1].underlay_ip: \"::ffff:10.0.0.101\" is not an IPv4 or IPv6 address",
    { SET, "gateways[1].underlay_ip", "\"::ffff:10.0.0.101\"" });
BAD(prefix_without_length, "vcns[0].cidrs[0]: \"10.1.0.0\" is not a CIDR prefix",
    { SET, "vcns[0].cidrs", "[\"10.1.0.0\"]" });
BAD(prefix_too_long, "subnets[0].cidr: \"10.1.1.0/33\" is not a CIDR prefix",
    { SET, "subnets[0].cidr", "\"10.1.1.0/33\"" });
BAD(prefix_length_with_leading_zero, "subnets[0].cidr: \"10.1.1.0/024\" is not a CIDR prefix",
    { SET, "subnets[0].cidr", "\"10.1.1.0/024\"" });
BAD(prefix_with_host_bits, "subnets[0].cidr: 10.1.1.5/24 has host bits set (the prefix is 10.1.1.0/24)",
    { SET, "subnets[0].cidr", "\"10.1.1.5/24\"" });
BAD(rule_source_with_host_bits, "security_lists[0].ingress[0].source: 10.1.2.3/16 has host bits set (the prefix is 10.1.0.0/16)",
    { SET, "security_lists[0].ingress[0].source", "\"10.1.2.3/16\"" });
BAD(ipv6_prefix_with_host_bits, "route_tables[0].rules[0].destination: 2001:db8::1/64 has host bits set (the prefix is 2001:db8::/64)",
    { SET, "route_tables[0].rules[0].destination", "\"2001:db8::1/64\"" });

/* ports, ICMP, protocols */
BAD(reversed_port_range, "nsgs[0].ingress[0].dst_ports: range 443-80 is reversed",
    { SET, "nsgs[0].ingress[0].dst_ports", "\"443-80\"" });
BAD(port_out_of_range, "nsgs[0].ingress[0].dst_ports: \"70000\" is not a port or range",
    { SET, "nsgs[0].ingress[0].dst_ports", "\"70000\"" });
BAD(port_range_end_out_of_range, "nsgs[0].ingress[0].src_ports: \"1-65536\" is not a port or range",
    { SET, "nsgs[0].ingress[0].src_ports", "\"1-65536\"" });
BAD(negative_port_number, "nsgs[0].ingress[0].dst_ports: -1 is out of range 0-65535",
    { SET, "nsgs[0].ingress[0].dst_ports", "-1" });
BAD(port_list, "nsgs[0].ingress[0].dst_ports: \"22,80\" is not a port or range",
    { SET, "nsgs[0].ingress[0].dst_ports", "\"22,80\"" });
BAD(empty_port, "nsgs[0].ingress[0].dst_ports: \"\" is not a port or range",
    { SET, "nsgs[0].ingress[0].dst_ports", "\"\"" });
BAD(open_port_range, "nsgs[0].ingress[0].dst_ports: \"80-\" is not a port or range",
    { SET, "nsgs[0].ingress[0].dst_ports", "\"80-\"" });
BAD(ports_on_icmp, "security_lists[0].ingress[1].dst_ports: ports need protocol tcp or udp, not icmp",
    { SET, "security_lists[0].ingress[1].dst_ports", "\"22\"" });
BAD(ports_on_all, "security_lists[0].egress[0].src_ports: ports need protocol tcp or udp, not all",
    { SET, "security_lists[0].egress[0].src_ports", "\"1024-65535\"" });
BAD(ports_on_gre, "security_lists[0].egress[0].dst_ports: ports need protocol tcp or udp, not 47",
    { SET, "security_lists[0].egress[0].protocol", "47" },
    { SET, "security_lists[0].egress[0].dst_ports", "\"22\"" });
BAD(icmp_type_out_of_range, "security_lists[0].ingress[1].icmp_type: 256 is out of range 0-255",
    { SET, "security_lists[0].ingress[1].icmp_type", "256" });
BAD(icmp_code_out_of_range, "security_lists[0].ingress[1].icmp_code: -1 is out of range 0-255",
    { SET, "security_lists[0].ingress[1].icmp_code", "-1" });
BAD(icmp_type_on_tcp, "security_lists[0].ingress[0].icmp_type: needs protocol icmp or icmpv6, not tcp",
    { SET, "security_lists[0].ingress[0].icmp_type", "3" });
BAD(icmp_code_on_all, "security_lists[0].egress[0].icmp_code: needs protocol icmp or icmpv6, not all",
    { SET, "security_lists[0].egress[0].icmp_code", "0" });
BAD(icmp_code_without_type, "security_lists[0].ingress[1].icmp_code: needs an icmp_type",
    { DEL, "security_lists[0].ingress[1].icmp_type", NULL });
BAD(icmp_with_ipv6_source, "security_lists[0].ingress[1].protocol: icmp never matches IPv6 source ::/0 (use icmpv6)",
    { SET, "security_lists[0].ingress[1].source", "\"::/0\"" });
BAD(icmpv6_with_ipv4_destination, "security_lists[0].egress[0].protocol: icmpv6 never matches IPv4 destination 0.0.0.0/0 (use icmp)",
    { SET, "security_lists[0].egress[0].protocol", "\"icmpv6\"" });
BAD(protocol_in_capitals, "nsgs[0].ingress[0].protocol: \"TCP\" is not a protocol",
    { SET, "nsgs[0].ingress[0].protocol", "\"TCP\"" });
BAD(unknown_protocol_name, "nsgs[0].ingress[0].protocol: \"ftp\" is not a protocol",
    { SET, "nsgs[0].ingress[0].protocol", "\"ftp\"" });
BAD(protocol_number_256, "nsgs[0].ingress[0].protocol: 256 is not a protocol",
    { SET, "nsgs[0].ingress[0].protocol", "256" });
BAD(protocol_string_256, "nsgs[0].ingress[0].protocol: \"256\" is not a protocol",
    { SET, "nsgs[0].ingress[0].protocol", "\"256\"" });
BAD(negative_protocol, "nsgs[0].ingress[0].protocol: -1 is not a protocol",
    { SET, "nsgs[0].ingress[0].protocol", "-1" });

/* VNIs and attachments */
BAD(gateway_vni_zero, "gateways[0].vni: 0 is out of range 1-16777215",
    { SET, "gateways[0].vni", "0" });
BAD(gateway_vni_25_bits, "gateways[0].vni: 16777216 is out of range 1-16777215",
    { SET, "gateways[0].vni", "16777216" });
BAD(micro_vnic_vni_zero, "vnics[0].micro_vnic.vni: 0 is out of range 1-16777215",
    { SET, "vnics[0].micro_vnic.vni", "0" });
BAD(micro_vnic_vni_huge, "vnics[0].micro_vnic.vni: 4294967297 is out of range 1-16777215",
    { SET, "vnics[0].micro_vnic.vni", "4294967297" });
BAD(two_vnics_same_vip_and_vni, "vnics[1].vips[0].ip: VIP 10.0.100.1 with micro_vnic.vni 1001 is already vnic vnic-a1's",
    { SET, "vnics[1].vips[0].ip", "\"10.0.100.1\"" },
    { SET, "vnics[1].micro_vnic.vni", "1001" });
BAD(micro_vnic_vni_is_a_gateway_vni, "vnics[0].micro_vnic.vni: 9001 is the vni of gateway igw-a",
    { SET, "vnics[0].micro_vnic.vni", "9001" });
BAD(two_gateways_same_vni, "gateways[1].vni: 9001 is also the vni of gateway igw-a",
    { SET, "gateways[1].vni", "9001" });
BAD(vip_listed_twice, "vnics[0].vips[1].ip: 10.0.100.1 is listed twice",
    { ADD, "vnics[0].vips", "{\"ip\":\"10.0.100.1\",\"rule\":\"target:igw-a\"}" });
BAD(vip_is_an_nvd_ip, "vnics[1].vips[0].ip: 10.0.0.21 is the micro_vnic.nvd_ip of vnic vnic-a1",
    { SET, "vnics[1].vips[0].ip", "\"10.0.0.21\"" });
BAD(vip_is_a_gateway_underlay_ip, "vnics[0].vips[0].ip: 10.0.0.103 is the underlay_ip of gateway drg-a",
    { SET, "vnics[0].vips[0].ip", "\"10.0.0.103\"" });
BAD(vip_family_differs_from_nvd_ip, "vnics[0].vips[0].ip: VIP 2001:db8::1 and micro_vnic.nvd_ip 10.0.0.21 are of different families",
    { SET, "vnics[0].vips[0].ip", "\"2001:db8::1\"" });
BAD(empty_vips, "vnics[0].vips: at least 1 required", { SET, "vnics[0].vips", "[]" });
BAD(vip_rule_unknown, "vnics[0].vips[0].rule: \"routed\" is not \"route\" or \"target:<gateway id>\"",
    { SET, "vnics[0].vips[0].rule", "\"routed\"" });
BAD(vip_rule_bad_target_id, "vnics[0].vips[0].rule: \"target:\": \"\" is not a valid id",
    { SET, "vnics[0].vips[0].rule", "\"target:\"" });

/* MACs and public IPs */
BAD(duplicate_mac, "vnics[1].mac: 02:00:0a:01:01:05 is also the mac of vnic vnic-a1 in vcn vcn-a",
    { SET, "vnics[1].mac", "\"02:00:0A:01:01:05\"" });
BAD(derived_mac_collides, "vnics[1].mac: 02:00:0a:01:01:fa is also the mac of vnic vnic-a1",
    { SET, "vnics[0].mac", "\"02:00:0a:01:01:fa\"" }, { DEL, "vnics[1].mac", NULL });
BAD(malformed_mac, "vnics[0].mac: \"02:00:0a:01:01\" is not a MAC address",
    { SET, "vnics[0].mac", "\"02:00:0a:01:01\"" });
BAD(mac_with_dashes, "vnics[0].mac: \"02-00-0a-01-01-05\" is not a MAC address",
    { SET, "vnics[0].mac", "\"02-00-0a-01-01-05\"" });
BAD(multicast_mac, "vnics[0].mac: 01:00:5e:00:00:01 is not a unicast address",
    { SET, "vnics[0].mac", "\"01:00:5e:00:00:01\"" });
BAD(zero_mac, "vnics[0].mac: 00:00:00:00:00:00 is not a unicast address",
    { SET, "vnics[0].mac", "\"00:00:00:00:00:00\"" });
BAD(public_ip_of_two_vnics, "vnics[1].public_ip: 203.0.113.5 is also the public_ip of vnic vnic-a1",
    { SET, "vnics[1].public_ip", "\"203.0.113.5\"" });
BAD(public_ip_of_a_nat_gateway, "vnics[0].public_ip: 198.51.100.10 is also the public_ip of gateway nat-a",
    { SET, "vnics[0].public_ip", "\"198.51.100.10\"" });
BAD(public_ip_without_private_ip_of_its_family, "vnics[0].public_ip: 2001:db8::5 has no private IP of its family",
    { SET, "vnics[0].public_ip", "\"2001:db8::5\"" });
BAD(conntrack_limit_zero, "vnics[0].conntrack_limit: 0 is out of range 1-1048576",
    { SET, "vnics[0].conntrack_limit", "0" });
BAD(conntrack_limit_absurd, "vnics[0].conntrack_limit: 1048577 is out of range 1-1048576",
    { SET, "vnics[0].conntrack_limit", "1048577" });
BAD(nsg_listed_twice, "vnics[0].nsgs[1]: nsg-web is listed twice",
    { SET, "vnics[0].nsgs", "[\"nsg-web\",\"nsg-web\"]" });
BAD(too_many_nsgs, "vnics[0].nsgs: 6 entries, more than the limit 5",
    { SET, "vnics[0].nsgs", "[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\"]" });
BAD(security_list_listed_twice, "subnets[0].security_lists[1]: sl-a is listed twice",
    { SET, "subnets[0].security_lists", "[\"sl-a\",\"sl-a\"]" });
BAD(micro_vnic_encap_unknown, "vnics[1].micro_vnic.encap: \"gre\" is not vxlan or geneve",
    { SET, "vnics[1].micro_vnic.encap", "\"gre\"" });

/* gateways of each type */
BAD(gateway_type_unknown, "gateways[0].type: \"vpn\" is not a gateway type",
    { SET, "gateways[0].type", "\"vpn\"" });
BAD(gateway_encap_unknown, "gateways[0].encap: \"stt\" is not vxlan or geneve",
    { SET, "gateways[0].encap", "\"stt\"" });
BAD(nat_without_public_ip, "gateways[1].public_ip: missing (required)",
    { DEL, "gateways[1].public_ip", NULL });
BAD(public_ip_on_internet_gateway, "gateways[0].public_ip: only a nat gateway has one",
    { SET, "gateways[0].public_ip", "\"198.51.100.99\"" });
BAD(service_gateway_without_services, "gateways[2].services: missing (required)",
    { DEL, "gateways[2].services", NULL });
BAD(service_gateway_with_no_service, "gateways[2].services: 1 to 64 services required",
    { SET, "gateways[2].services", "{}" });
BAD(service_with_no_prefix, "gateways[2].services.all: at least 1 required",
    { SET, "gateways[2].services.all", "[]" });
BAD(service_prefix_listed_twice, "gateways[2].services.all[1]: 192.0.2.0/24 is listed twice",
    { SET, "gateways[2].services.all", "[\"192.0.2.0/24\",\"192.0.2.0/24\"]" });
BAD(service_name_invalid, "gateways[2].services: \"object storage\" is not a valid id",
    { SET, "gateways[2].services", "{\"object storage\":[\"192.0.2.0/24\"]}" });
BAD(services_on_drg, "gateways[3].services: only a service gateway has them",
    { SET, "gateways[3].services", "{\"all\":[\"192.0.2.0/24\"]}" });
/* Found by test_schema: the nat branch returned before this check. */
BAD(services_on_nat_gateway, "gateways[1].services: only a service gateway has them",
    { SET, "gateways[1].services", "{\"all\":[\"192.0.2.0/24\"]}" });

/* route rules */
BAD(service_label_not_defined, "route_tables[0].rules[2].destination: service gateway sgw-a defines no service \"objectstorage\"",
    { SET, "route_tables[0].rules[2].destination", "\"service:objectstorage\"" });
BAD(service_label_to_internet_gateway, "route_tables[0].rules[2].target: service:all needs a service gateway, not internet gateway igw-a",
    { SET, "route_tables[0].rules[2].target", "\"igw-a\"" });
BAD(cidr_to_service_gateway, "route_tables[0].rules[1].destination: service gateway sgw-a takes only service:<name> destinations",
    { SET, "route_tables[0].rules[1].target", "\"sgw-a\"" });
BAD(ipv6_destination_to_ipv4_nat, "route_tables[0].rules[1].destination: 2001:db8::/32 is not of the family of nat gateway nat-a's public_ip",
    { SET, "route_tables[0].rules[1]", "{\"destination\":\"2001:db8::/32\",\"target\":\"nat-a\"}" });
BAD(duplicate_destination, "route_tables[0].rules[4].destination: 0.0.0.0/0 is already the destination of rules[0]",
    { ADD, "route_tables[0].rules", "{\"destination\":\"0.0.0.0/0\",\"target\":\"nat-a\"}" });
BAD(duplicate_service_destination, "route_tables[0].rules[4].destination: service:all is already the destination of rules[2]",
    { ADD, "route_tables[0].rules", "{\"destination\":\"service:all\",\"target\":\"sgw-a\"}" });
BAD(destination_inside_the_vcn, "route_tables[0].rules[1].destination: 10.1.5.0/24 lies inside vcn vcn-a's 10.1.0.0/16",
    { SET, "route_tables[0].rules[1].destination", "\"10.1.5.0/24\"" });
BAD(empty_service_label, "route_tables[0].rules[2].destination: \"service:\": \"\" is not a valid id",
    { SET, "route_tables[0].rules[2].destination", "\"service:\"" });
BAD(malformed_private_ip_target, "route_tables[0].rules[3].target: \"10.1.1\" is not an IPv4 or IPv6 address",
    { SET, "route_tables[0].rules[3].target", "\"private-ip:10.1.1\"" });
BAD(malformed_destination, "route_tables[0].rules[0].destination: \"default\" is not a CIDR prefix",
    { SET, "route_tables[0].rules[0].destination", "\"default\"" });

TEST(json_syntax_errors_give_line_and_column)
{
	static const char text[] = "{\n  \"vcns\": [\n    { \"id\": \"a\", }\n  ]\n}\n";
	struct vgw_doc *d = (void *)1;
	char err[256] = "";

	EXPECT_EQ(-EINVAL, vgw_doc_parse(text, strlen(text), &d, err,
					 sizeof(err)));
	EXPECT_EQ(NULL, d);
	TH_LOG("message: %s", err);
	EXPECT_EQ(0, strncmp("line 3, column ", err, 15));
}

TEST(duplicate_json_keys_are_refused)
{
	static const char text[] = "{\"vcns\": [], \"vcns\": []}";
	struct vgw_doc *d = (void *)1;
	char err[256] = "";

	EXPECT_EQ(-EINVAL, vgw_doc_parse(text, strlen(text), &d, err,
					 sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "duplicate object key"));
}

TEST(trailing_garbage_is_refused)
{
	static const char text[] = "{} {}";
	struct vgw_doc *d = (void *)1;
	char err[256] = "";

	EXPECT_EQ(-EINVAL, vgw_doc_parse(text, strlen(text), &d, err,
					 sizeof(err)));
	EXPECT_EQ(0, strncmp("line 1, column ", err, 15));
}

TEST(a_document_that_is_not_an_object_is_refused)
{
	struct vgw_doc *d = (void *)1;
	char err[256] = "";

	EXPECT_EQ(-EINVAL, vgw_doc_parse("[]", 2, &d, err, sizeof(err)));
	EXPECT_STREQ("document: expected an object, got an array", err);
}

/* --- near misses that must be accepted ----------------------------------- */

FIXTURE(good) {
	char err[512];
};

FIXTURE_VARIANT(good) {
	struct op ops[MAX_OPS];
};

FIXTURE_SETUP(good)
{
	memset(self->err, 0, sizeof(self->err));
}

FIXTURE_TEARDOWN(good)
{
}

TEST_F(good, is_accepted)
{
	struct vgw_doc *d;
	int ret = parse_edited(variant->ops, &d, self->err, sizeof(self->err));

	if (ret)
		TH_LOG("refused: %s", self->err);
	EXPECT_EQ(0, ret);
	EXPECT_NE(NULL, d);
	vgw_doc_free(d);
}

#define GOOD(name, ...)							\
	FIXTURE_VARIANT_ADD(good, name) { .ops = { __VA_ARGS__ } }

GOOD(the_example_as_written, { END, NULL, NULL });
GOOD(same_vip_with_another_vni, { SET, "vnics[1].vips[0].ip", "\"10.0.100.1\"" });
GOOD(same_vni_on_another_vip, { SET, "vnics[1].micro_vnic.vni", "1001" });
GOOD(same_private_ip_and_mac_in_another_vcn, VCN_B,
     { ADD, "subnets", "{\"id\":\"sub-b\",\"vcn\":\"vcn-b\",\"cidr\":\"10.1.1.0/24\"}" },
     { SET, "vcns[1].cidrs", "[\"10.1.0.0/16\"]" },
     { ADD, "vnics", "{\"id\":\"vnic-b1\",\"subnet\":\"sub-b\",\"private_ips\":[\"10.1.1.5\"],"
		     "\"micro_vnic\":{\"vni\":3001,\"nvd_ip\":\"10.0.0.31\"},\"vips\":[{\"ip\":\"10.0.100.1\"}]}" });
GOOD(same_id_in_two_types, { SET, "nsgs[0].id", "\"sl-a\"" },
     { SET, "vnics[0].nsgs", "[\"sl-a\"]" });
GOOD(ipv6_vip_with_ipv6_nvd, { SET, "vnics[0].vips[0].ip", "\"fd00::1\"" },
     { SET, "vnics[0].micro_vnic.nvd_ip", "\"fd00::21\"" });
GOOD(ipv6_gateway_underlay, { SET, "gateways[0].underlay_ip", "\"fd00::100\"" });
GOOD(route_covering_the_vcn, { SET, "route_tables[0].rules[1].destination", "\"10.0.0.0/8\"" });
GOOD(vip_targets_a_gateway, { SET, "vnics[0].vips[0].rule", "\"target:nat-a\"" });
GOOD(nsg_peer_in_a_security_list, { SET, "security_lists[0].ingress[0].source", "\"nsg:nsg-web\"" });
GOOD(port_as_a_number, { SET, "nsgs[0].ingress[0].dst_ports", "8080" });
GOOD(protocol_as_a_decimal_string, { SET, "nsgs[0].ingress[0].protocol", "\"6\"" });
GOOD(protocol_zero, { SET, "security_lists[0].egress[0].protocol", "0" });
GOOD(icmp_type_without_code, { DEL, "security_lists[0].ingress[1].icmp_code", NULL });
GOOD(subnet_without_route_table_or_lists, { DEL, "subnets[0].route_table", NULL },
     { DEL, "subnets[0].security_lists", NULL });
GOOD(disabled_gateway_as_route_target, { SET, "gateways[0].enabled", "false" });
GOOD(flow_logs_on_a_subnet_and_off_on_one_of_its_vnics,
     { SET, "subnets[0].flow_logs", "true" },
     { SET, "vnics[1].flow_logs", "false" });
GOOD(largest_vni_and_conntrack_limit, { SET, "gateways[0].vni", "16777215" },
     { SET, "vnics[0].conntrack_limit", "1048576" });
GOOD(no_mac_derives_one, { DEL, "vnics[0].mac", NULL }, { DEL, "vnics[1].mac", NULL });
GOOD(upper_case_mac, { SET, "vnics[0].mac", "\"02:00:0A:01:01:05\"" });
GOOD(adjacent_subnets, { ADD, "subnets", "{\"id\":\"sub-b\",\"vcn\":\"vcn-a\",\"cidr\":\"10.1.2.0/24\"}" });
GOOD(last_host_of_subnet, { SET, "vnics[0].private_ips", "[\"10.1.1.254\"]" });
GOOD(service_defined_by_name, { SET, "gateways[2].services", "{\"all\":[\"192.0.2.0/24\"],\"os\":[\"192.0.3.0/24\"]}" },
     { SET, "route_tables[0].rules[2].destination", "\"service:os\"" });

/* --- differences ---------------------------------------------------------- */

struct change {
	enum vgw_obj_type type;
	enum vgw_change change;
	const void *old_obj, *new_obj;
	char id[VGW_ID_MAX];
};

struct changes {
	struct change c[64];
	int n;
};

static int record(enum vgw_obj_type t, enum vgw_change change,
		  const void *old_obj, const void *new_obj, void *arg)
{
	struct changes *cs = arg;
	struct change *c = &cs->c[cs->n++];

	c->type = t;
	c->change = change;
	c->old_obj = old_obj;
	c->new_obj = new_obj;
	snprintf(c->id, sizeof(c->id), "%s",
		 (const char *)(new_obj ? new_obj : old_obj));
	return cs->n == 64;
}

static struct vgw_doc *doc(struct __test_metadata *_metadata,
			   const struct op *ops)
{
	struct vgw_doc *d;
	char err[512];
	int ret = parse_edited(ops, &d, err, sizeof(err));

	if (ret)
		TH_LOG("%s", err);
	EXPECT_EQ(0, ret);
	return d;
}

static const struct op no_ops[] = { { END, NULL, NULL } };

TEST(no_change_gives_an_empty_diff)
{
	struct vgw_doc *a = doc(_metadata, no_ops), *b = doc(_metadata, no_ops);
	struct changes cs = { .n = 0 };

	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	EXPECT_EQ(0, vgw_doc_diff(a, b, record, &cs));
	EXPECT_EQ(0, cs.n);
	EXPECT_TRUE(vgw_doc_equal(a, b));
	vgw_doc_free(a);
	vgw_doc_free(b);
}

TEST(adding_a_vnic_reports_only_that_vnic)
{
	static const struct op add[] = {
		{ ADD, "vnics", "{\"id\":\"vnic-a3\",\"subnet\":\"sub-a\",\"private_ips\":[\"10.1.1.7\"],"
		  "\"micro_vnic\":{\"vni\":1003,\"nvd_ip\":\"10.0.0.23\"},\"vips\":[{\"ip\":\"10.0.100.1\"}]}" },
		{ END, NULL, NULL } };
	struct vgw_doc *a = doc(_metadata, no_ops), *b = doc(_metadata, add);
	struct changes cs = { .n = 0 };

	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	EXPECT_EQ(0, vgw_doc_diff(a, b, record, &cs));
	ASSERT_EQ(1, cs.n);
	EXPECT_EQ(VGW_OBJ_VNIC, cs.c[0].type);
	EXPECT_EQ(VGW_ADDED, cs.c[0].change);
	EXPECT_EQ(NULL, cs.c[0].old_obj);
	EXPECT_EQ(vgw_doc_find(b, VGW_OBJ_VNIC, "vnic-a3"), cs.c[0].new_obj);
	EXPECT_FALSE(vgw_doc_equal(a, b));
	vgw_doc_free(a);
	vgw_doc_free(b);
}

TEST(changing_a_route_rule_reports_its_table_with_both_versions)
{
	static const struct op edit[] = {
		{ SET, "route_tables[0].rules[1].target", "\"lpg-a\"" }, { END, NULL, NULL } };
	struct vgw_doc *a = doc(_metadata, no_ops), *b = doc(_metadata, edit);
	const struct vgw_route_table *o, *n;
	struct changes cs = { .n = 0 };

	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	EXPECT_EQ(0, vgw_doc_diff(a, b, record, &cs));
	ASSERT_EQ(1, cs.n);
	EXPECT_EQ(VGW_OBJ_ROUTE_TABLE, cs.c[0].type);
	EXPECT_EQ(VGW_CHANGED, cs.c[0].change);
	EXPECT_STREQ("rt-a", cs.c[0].id);
	o = cs.c[0].old_obj;
	n = cs.c[0].new_obj;
	ASSERT_NE(NULL, o);
	ASSERT_NE(NULL, n);
	EXPECT_STREQ("drg-a", o->rules[2].gateway);	/* 192.168.0.0/16 */
	EXPECT_STREQ("lpg-a", n->rules[2].gateway);
	vgw_doc_free(a);
	vgw_doc_free(b);
}

TEST(removing_an_nsg_reports_the_nsg_and_the_vnic_that_used_it)
{
	static const struct op edit[] = {
		{ DEL, "nsgs[0]", NULL }, { SET, "vnics[0].nsgs", "[]" }, { END, NULL, NULL } };
	struct vgw_doc *a = doc(_metadata, no_ops), *b = doc(_metadata, edit);
	struct changes cs = { .n = 0 };

	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	EXPECT_EQ(0, vgw_doc_diff(a, b, record, &cs));
	ASSERT_EQ(2, cs.n);
	/* the reference goes first, then the object it referred to */
	EXPECT_EQ(VGW_OBJ_VNIC, cs.c[0].type);
	EXPECT_EQ(VGW_CHANGED, cs.c[0].change);
	EXPECT_STREQ("vnic-a1", cs.c[0].id);
	EXPECT_EQ(VGW_OBJ_NSG, cs.c[1].type);
	EXPECT_EQ(VGW_REMOVED, cs.c[1].change);
	EXPECT_STREQ("nsg-web", cs.c[1].id);
	EXPECT_EQ(NULL, cs.c[1].new_obj);
	vgw_doc_free(a);
	vgw_doc_free(b);
}

TEST(additions_come_in_dependency_order_and_removals_in_reverse)
{
	struct vgw_doc *a = doc(_metadata, no_ops);
	struct changes cs = { .n = 0 }, rs = { .n = 0 };
	int i;

	ASSERT_NE(NULL, a);
	EXPECT_EQ(0, vgw_doc_diff(NULL, a, record, &cs));
	EXPECT_EQ(12, cs.n);
	for (i = 1; i < cs.n; i++)
		EXPECT_LE(cs.c[i - 1].type, cs.c[i].type);
	EXPECT_EQ(VGW_OBJ_VCN, cs.c[0].type);
	EXPECT_EQ(VGW_OBJ_VNIC, cs.c[cs.n - 1].type);
	EXPECT_EQ(0, vgw_doc_diff(a, NULL, record, &rs));
	EXPECT_EQ(12, rs.n);
	for (i = 1; i < rs.n; i++) {
		EXPECT_GE(rs.c[i - 1].type, rs.c[i].type);
		EXPECT_EQ(VGW_REMOVED, rs.c[i].change);
	}
	vgw_doc_free(a);
}

TEST(a_callback_error_stops_the_walk)
{
	struct vgw_doc *a = doc(_metadata, no_ops);
	struct changes cs = { .n = 63 };

	ASSERT_NE(NULL, a);
	EXPECT_EQ(1, vgw_doc_diff(NULL, a, record, &cs));
	EXPECT_EQ(64, cs.n);
	vgw_doc_free(a);
}

TEST(reordering_sets_is_no_change_but_a_default_made_explicit_neither)
{
	static const struct op edit[] = {
		{ SET, "vnics[1].conntrack_limit", "65536" },
		{ SET, "gateways[0].encap", "\"vxlan\"" },
		{ SET, "security_lists[0].egress[0].stateless", "false" },
		{ SET, "nsgs[0].ingress[0].src_ports", "\"0-65535\"" },
		{ END, NULL, NULL } };
	struct vgw_doc *a = doc(_metadata, no_ops), *b = doc(_metadata, edit);
	struct changes cs = { .n = 0 };

	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	EXPECT_EQ(0, vgw_doc_diff(a, b, record, &cs));
	EXPECT_EQ(0, cs.n);
	vgw_doc_free(a);
	vgw_doc_free(b);
}

TEST(dry_run_text_lists_one_line_per_object)
{
	static const struct op edit[] = {
		{ DEL, "nsgs[0]", NULL }, { SET, "vnics[0].nsgs", "[]" },
		{ SET, "gateways[4].enabled", "false" }, { END, NULL, NULL } };
	struct vgw_doc *a = doc(_metadata, no_ops), *b = doc(_metadata, edit);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	ASSERT_NE(NULL, f);
	EXPECT_EQ(3, vgw_doc_diff_print(a, b, f));
	fclose(f);
	EXPECT_STREQ("~ gateway lpg-a\n~ vnic vnic-a1\n- nsg nsg-web\n", buf);
	free(buf);
	vgw_doc_free(a);
	vgw_doc_free(b);
}

TEST_HARNESS_MAIN
