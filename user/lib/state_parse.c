// SPDX-License-Identifier: GPL-2.0
/*
 * JSON text -> struct vgw_doc, with jansson. This file checks everything
 * that one object says on its own (keys, types, syntax, ranges, fields that
 * depend on each other inside the object); state.c and state_unique.c check
 * the relations between objects. Every refusal is one message that starts
 * with the path of the field ("vnics[3].micro_vnic.vni: ...").
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "state_json.h"

#define FAIL(c, ...) vgw_st_fail((c)->err, (c)->errlen, __VA_ARGS__)

/* --- VCNs and subnets ----------------------------------------------------- */

static int parse_vcn(struct vgw_st_pctx *c, json_t *o,
		     const char *at, void *obj)
{
	static const char *const keys[] = { "id", "cidrs", NULL };
	struct vgw_vcn *v = obj;

	return vgw_st_keys(c, o, at, keys) ?:
	       vgw_st_id(c, o, at, "id", true, v->id) ?:
	       vgw_st_list(c, o, at, "cidrs", 1, VGW_MAX_VCN_CIDRS,
			   sizeof(*v->cidrs), vgw_st_elem_prefix,
			(void **)&v->cidrs, &v->n_cidrs);
}

static int parse_subnet(struct vgw_st_pctx *c, json_t *o,
			const char *at, void *obj)
{
	static const char *const keys[] = {
		"id", "vcn", "cidr", "route_table", "security_lists",
		"flow_logs", NULL
	};
	struct vgw_subnet *s = obj;

	return vgw_st_keys(c, o, at, keys) ?:
	       vgw_st_id(c, o, at, "id", true, s->id) ?:
	       vgw_st_id(c, o, at, "vcn", true, s->vcn) ?:
	       vgw_st_prefix(c, o, at, "cidr", &s->cidr) ?:
	       vgw_st_id(c, o, at, "route_table", false, s->route_table) ?:
	       vgw_st_list(c, o, at, "security_lists", 0, VGW_MAX_SUBNET_SLS,
			   sizeof(*s->security_lists), vgw_st_elem_id,
			(void **)&s->security_lists, &s->n_security_lists) ?:
	       vgw_st_bool(c, o, at, "flow_logs", &s->flow_logs);
}

/* --- route tables --------------------------------------------------------- */

static int route_dst(struct vgw_st_pctx *c, json_t *o, const char *at,
		     struct vgw_route_rule *r)
{
	char p[VGW_ST_PATH_LEN];
	const char *s;
	json_t *v;
	int err = vgw_st_field(c, o, at, "destination", JSON_STRING, true, &v);

	if (err)
		return err;
	s = json_string_value(v);
	vgw_st_path(p, "%s.destination", at);
	if (!strncmp(s, "service:", 8)) {
		r->dst_type = VGW_DST_SERVICE;
		return vgw_st_tagged_id(c, s, 8, p, r->service);
	}
	r->dst_type = VGW_DST_CIDR;
	return vgw_st_prefix_text(c, s, p, &r->dst);
}

static int route_target(struct vgw_st_pctx *c, json_t *o, const char *at,
			struct vgw_route_rule *r)
{
	char p[VGW_ST_PATH_LEN];
	const char *s;
	json_t *v;
	int err = vgw_st_field(c, o, at, "target", JSON_STRING, true, &v);

	if (err)
		return err;
	s = json_string_value(v);
	vgw_st_path(p, "%s.target", at);
	if (!strncmp(s, "private-ip:", 11)) {
		r->target_type = VGW_TARGET_PRIVATE_IP;
		return vgw_st_addr_text(c, s + 11, p, &r->private_ip);
	}
	r->target_type = VGW_TARGET_GATEWAY;
	return vgw_st_id_text(c, s, p, r->gateway);
}

static int elem_route_rule(struct vgw_st_pctx *c, json_t *v, const char *path,
			   void *out)
{
	static const char *const keys[] = { "destination", "target", NULL };

	return vgw_st_want(c, v, JSON_OBJECT, path) ?:
	       vgw_st_keys(c, v, path, keys) ?:
	       route_dst(c, v, path, out) ?:
	       route_target(c, v, path, out);
}

static int parse_route_table(struct vgw_st_pctx *c, json_t *o, const char *at,
			     void *obj)
{
	static const char *const keys[] = { "id", "vcn", "rules", NULL };
	struct vgw_route_table *t = obj;
	unsigned int i;
	int err;

	err = vgw_st_keys(c, o, at, keys) ?:
	      vgw_st_id(c, o, at, "id", true, t->id) ?:
	      vgw_st_id(c, o, at, "vcn", true, t->vcn) ?:
	      vgw_st_list(c, o, at, "rules", 0, VGW_MAX_ROUTE_RULES,
			  sizeof(*t->rules), elem_route_rule,
			  (void **)&t->rules, &t->n_rules);
	for (i = 0; !err && i < t->n_rules; i++)
		t->rules[i].pos = i;
	return err;
}

/* --- security rules ------------------------------------------------------- */

static const struct {
	const char *name;
	int number;
} protocols[] = {
	{ "all", VGW_PROTO_ALL }, { "icmp", 1 }, { "tcp", 6 }, { "udp", 17 },
	{ "icmpv6", 58 },
};

static int proto_text(const char *s)
{
	unsigned int i, n = 0;

	for (i = 0; i < sizeof(protocols) / sizeof(protocols[0]); i++)
		if (!strcmp(s, protocols[i].name))
			return protocols[i].number;
	if (!*s || strlen(s) > 3 || (s[0] == '0' && s[1]))
		return -2;
	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -2;
		n = n * 10 + (unsigned int)(s[i] - '0');
	}
	return n <= 255 ? (int)n : -2;
}

/* "all", a name, a number 0-255, or the number as a string. */
static int get_protocol(struct vgw_st_pctx *c, json_t *o, const char *at,
			int *out)
{
	static const char *const hint =
		"(all, tcp, udp, icmp, icmpv6 or 0-255)";
	json_int_t n;
	json_t *v = json_object_get(o, "protocol");

	if (!v)
		return FAIL(c, "%s.protocol: missing (required)", at);
	if (json_is_string(v)) {
		*out = proto_text(json_string_value(v));
		if (*out != -2)
			return 0;
		return FAIL(c, "%s.protocol: \"%s\" is not a protocol %s", at,
			    json_string_value(v), hint);
	}
	if (!json_is_integer(v))
		return FAIL(c, "%s.protocol: expected a string or an integer, got %s",
			    at, vgw_st_jtype(json_typeof(v)));
	n = json_integer_value(v);
	if (n < 0 || n > 255)
		return FAIL(c, "%s.protocol: %lld is not a protocol %s", at,
			    (long long)n, hint);
	*out = (int)n;
	return 0;
}

/* A port: decimal, 1-5 digits, at most 65535. */
static int port_text(const char *s, size_t len, uint16_t *out)
{
	unsigned long n = 0;
	size_t i;

	if (!len || len > 5)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		n = n * 10 + (unsigned long)(s[i] - '0');
	}
	if (n > 65535)
		return -EINVAL;
	*out = (uint16_t)n;
	return 0;
}

static int ports_value(struct vgw_st_pctx *c, json_t *v, const char *path,
		       struct vgw_port_range *r)
{
	const char *s, *dash;
	json_int_t n;

	if (json_is_integer(v)) {
		n = json_integer_value(v);
		if (n < 0 || n > 65535)
			return FAIL(c, "%s: %lld is out of range 0-65535",
				    path, (long long)n);
		r->lo = (uint16_t)n;
		r->hi = r->lo;
		return 0;
	}
	if (!json_is_string(v))
		return FAIL(c, "%s: expected a string (\"N\" or \"N-M\"), got %s",
			    path, vgw_st_jtype(json_typeof(v)));
	s = json_string_value(v);
	dash = strchr(s, '-');
	if (dash ? port_text(s, (size_t)(dash - s), &r->lo) ||
	    port_text(dash + 1, strlen(dash + 1), &r->hi)
		 : port_text(s, strlen(s), &r->lo))
		return FAIL(c, "%s: \"%s\" is not a port or range N-M of 0-65535",
			    path, s);
	if (!dash)
		r->hi = r->lo;
	if (r->lo > r->hi)
		return FAIL(c, "%s: range %s is reversed (N-M needs N <= M)",
			    path, s);
	return 0;
}

static bool proto_has_ports(int p)
{
	return p == 6 || p == 17;
}

static bool proto_is_icmp(int p)
{
	return p == 1 || p == 58;
}

static const char *proto_name(int p, char *buf, size_t len)
{
	unsigned int i;

	for (i = 0; i < sizeof(protocols) / sizeof(protocols[0]); i++)
		if (protocols[i].number == p)
			return protocols[i].name;
	snprintf(buf, len, "%d", p);
	return buf;
}

static int rule_ports(struct vgw_st_pctx *c, json_t *o, const char *at,
		      const char *key, int proto, struct vgw_port_range *r)
{
	char p[VGW_ST_PATH_LEN], pn[8];
	json_t *v = json_object_get(o, key);

	r->lo = 0;
	r->hi = 65535;
	if (!v)
		return 0;
	vgw_st_path(p, "%s.%s", at, key);
	if (!proto_has_ports(proto))
		return FAIL(c, "%s: ports need protocol tcp or udp, not %s", p,
			    proto_name(proto, pn, sizeof(pn)));
	return ports_value(c, v, p, r);
}

static int rule_icmp(struct vgw_st_pctx *c, json_t *o, const char *at,
		     struct vgw_sec_rule *r)
{
	uint32_t t = 0, code = 0;
	char pn[8];
	bool has_t = json_object_get(o, "icmp_type");
	bool has_c = json_object_get(o, "icmp_code");

	r->icmp_type = VGW_ICMP_ANY;
	r->icmp_code = VGW_ICMP_ANY;
	if (!has_t && !has_c)
		return 0;
	if (!proto_is_icmp(r->protocol))
		return FAIL(c, "%s.%s: needs protocol icmp or icmpv6, not %s",
			    at, has_t ? "icmp_type" : "icmp_code",
			    proto_name(r->protocol, pn, sizeof(pn)));
	if (!has_t)
		return FAIL(c, "%s.icmp_code: needs an icmp_type", at);
	if (vgw_st_uint(c, o, at, "icmp_type", true, 0, 255, &t) ||
	    vgw_st_uint(c, o, at, "icmp_code", false, 0, 255, &code))
		return -EINVAL;
	r->icmp_type = (int)t;
	if (has_c)
		r->icmp_code = (int)code;
	return 0;
}

/* icmp never matches IPv6, icmpv6 never IPv4: such a rule is a mistake. */
static int rule_family(struct vgw_st_pctx *c, const char *at, const char *key,
		       const struct vgw_sec_rule *r)
{
	char s[VGW_PREFIX_STRLEN];
	int fam = r->peer_cidr.addr.family;

	if (r->peer_type != VGW_PEER_CIDR ||
	    !((r->protocol == 1 && fam == AF_INET6) ||
	      (r->protocol == 58 && fam == AF_INET)))
		return 0;
	return FAIL(c, "%s.protocol: %s never matches %s %s %s (use %s)", at,
		    r->protocol == 1 ? "icmp" : "icmpv6",
		    fam == AF_INET ? "IPv4" : "IPv6", key,
		    vgw_prefix_str(&r->peer_cidr, s, sizeof(s)),
		    r->protocol == 1 ? "icmpv6" : "icmp");
}

static int rule_peer(struct vgw_st_pctx *c, json_t *o, const char *at,
		     const char *key, struct vgw_sec_rule *r)
{
	char p[VGW_ST_PATH_LEN];
	const char *s;
	json_t *v;
	int err = vgw_st_field(c, o, at, key, JSON_STRING, true, &v);

	if (err)
		return err;
	s = json_string_value(v);
	vgw_st_path(p, "%s.%s", at, key);
	if (!strncmp(s, "nsg:", 4)) {
		r->peer_type = VGW_PEER_NSG;
		return vgw_st_tagged_id(c, s, 4, p, r->peer_nsg);
	}
	r->peer_type = VGW_PEER_CIDR;
	return vgw_st_prefix_text(c, s, p, &r->peer_cidr);
}

static int sec_rule(struct vgw_st_pctx *c, json_t *v, const char *at,
		    const char *peer_key, struct vgw_sec_rule *r)
{
	const char *const keys[] = {
		peer_key, "protocol", "src_ports", "dst_ports", "icmp_type",
		"icmp_code", "stateless", NULL
	};

	return vgw_st_want(c, v, JSON_OBJECT, at) ?:
	       vgw_st_keys(c, v, at, keys) ?:
	       rule_peer(c, v, at, peer_key, r) ?:
	       get_protocol(c, v, at, &r->protocol) ?:
	       rule_ports(c, v, at, "src_ports", r->protocol, &r->src_ports) ?:
	       rule_ports(c, v, at, "dst_ports", r->protocol, &r->dst_ports) ?:
	       rule_icmp(c, v, at, r) ?:
	       rule_family(c, at, peer_key, r) ?:
	       vgw_st_bool(c, v, at, "stateless", &r->stateless);
}

static int elem_ingress(struct vgw_st_pctx *c, json_t *v,
			const char *path, void *out)
{
	return sec_rule(c, v, path, "source", out);
}

static int elem_egress(struct vgw_st_pctx *c, json_t *v,
		       const char *path, void *out)
{
	return sec_rule(c, v, path, "destination", out);
}

static int parse_seclist(struct vgw_st_pctx *c, json_t *o,
			 const char *at, void *obj)
{
	static const char *const keys[] = {
		"id", "vcn", "ingress", "egress", NULL
	};
	struct vgw_seclist *s = obj;

	return vgw_st_keys(c, o, at, keys) ?:
	       vgw_st_id(c, o, at, "id", true, s->id) ?:
	       vgw_st_id(c, o, at, "vcn", true, s->vcn) ?:
	       vgw_st_list(c, o, at, "ingress", 0, VGW_MAX_SEC_RULES,
			   sizeof(*s->ingress), elem_ingress,
			(void **)&s->ingress, &s->n_ingress) ?:
	       vgw_st_list(c, o, at, "egress", 0, VGW_MAX_SEC_RULES,
			   sizeof(*s->egress), elem_egress,
			(void **)&s->egress, &s->n_egress);
}

/* --- gateways ------------------------------------------------------------- */

static int gw_type(struct vgw_st_pctx *c, json_t *o, const char *at,
		   enum vgw_gw_type *t)
{
	json_t *v;
	int err = vgw_st_field(c, o, at, "type", JSON_STRING, true, &v);

	if (err)
		return err;
	for (*t = VGW_GW_INTERNET; *t <= VGW_GW_LPG; (*t)++)
		if (!strcmp(json_string_value(v), vgw_gw_type_name(*t)))
			return 0;
	return FAIL(c, "%s.type: \"%s\" is not a gateway type (internet, nat, service, drg or lpg)",
		    at, json_string_value(v));
}

static int gw_services(struct vgw_st_pctx *c, json_t *o, const char *at,
		       struct vgw_gateway *g)
{
	char p[VGW_ST_PATH_LEN];
	struct vgw_service *s;
	const char *name;
	json_t *m, *v;
	int err = vgw_st_field(c, o, at, "services", JSON_OBJECT, true, &m);

	if (err)
		return err;
	if (!json_object_size(m) || json_object_size(m) > VGW_MAX_SERVICES)
		return FAIL(c, "%s.services: 1 to %u services required", at,
			    VGW_MAX_SERVICES);
	g->services = calloc(json_object_size(m), sizeof(*g->services));
	if (!g->services)
		return -ENOMEM;
	vgw_st_path(p, "%s.services", at);
	json_object_foreach(m, name, v) {
		s = &g->services[g->n_services++];
		err = vgw_st_id_text(c, name, p, s->name) ?:
		      vgw_st_list(c, m, p, name, 1, VGW_MAX_SERVICE_PREFIXES,
				  sizeof(*s->prefixes), vgw_st_elem_prefix,
			       (void **)&s->prefixes, &s->n_prefixes);
		if (err)
			return err;
	}
	return 0;
}

/* public_ip belongs to NAT gateways, services to service gateways. */
static int gw_type_fields(struct vgw_st_pctx *c, json_t *o, const char *at,
			  struct vgw_gateway *g)
{
	const char *t = vgw_gw_type_name(g->type);

	/* A nat gateway's public IP; then, like the others, no services. */
	if (g->type == VGW_GW_NAT &&
	    vgw_st_addr(c, o, at, "public_ip", true, &g->public_ip))
		return -EINVAL;
	if (g->type != VGW_GW_NAT && json_object_get(o, "public_ip"))
		return FAIL(c, "%s.public_ip: only a nat gateway has one (this one is %s)",
			    at, t);
	if (g->type == VGW_GW_SERVICE)
		return gw_services(c, o, at, g);
	if (json_object_get(o, "services"))
		return FAIL(c, "%s.services: only a service gateway has them (this one is %s)",
			    at, t);
	return 0;
}

static int parse_gateway(struct vgw_st_pctx *c, json_t *o,
			 const char *at, void *obj)
{
	static const char *const keys[] = {
		"id", "vcn", "type", "public_ip", "services", "underlay_ip",
		"vni", "encap", "enabled", NULL
	};
	struct vgw_gateway *g = obj;

	g->enabled = true;
	return vgw_st_keys(c, o, at, keys) ?:
	       vgw_st_id(c, o, at, "id", true, g->id) ?:
	       vgw_st_id(c, o, at, "vcn", true, g->vcn) ?:
	       gw_type(c, o, at, &g->type) ?:
	       gw_type_fields(c, o, at, g) ?:
	       vgw_st_addr(c, o, at, "underlay_ip", true, &g->underlay_ip) ?:
	       vgw_st_uint(c, o, at, "vni", true, 1, VGW_VNI_MAX, &g->vni) ?:
	       vgw_st_encap(c, o, at, &g->encap) ?:
	       vgw_st_bool(c, o, at, "enabled", &g->enabled);
}

/* --- VNICs ---------------------------------------------------------------- */

static int elem_vip(struct vgw_st_pctx *c, json_t *v,
		    const char *path, void *out)
{
	static const char *const keys[] = { "ip", "rule", NULL };
	struct vgw_vip *vip = out;
	char p[VGW_ST_PATH_LEN];
	const char *s;
	json_t *r;
	int err;

	err = vgw_st_want(c, v, JSON_OBJECT, path) ?:
	      vgw_st_keys(c, v, path, keys) ?:
	      vgw_st_addr(c, v, path, "ip", true, &vip->ip) ?:
	      vgw_st_field(c, v, path, "rule", JSON_STRING, false, &r);
	if (err || !r)
		return err;
	s = json_string_value(r);
	if (!strncmp(s, "target:", 7)) {
		vip->rule = VGW_VIP_TARGET;
		return vgw_st_tagged_id(c, s, 7, vgw_st_path(p, "%s.rule", path), vip->target);
	}
	if (strcmp(s, "route"))
		return FAIL(c, "%s.rule: \"%s\" is not \"route\" or \"target:<gateway id>\"",
			    path, s);
	return 0;
}

static int parse_micro_vnic(struct vgw_st_pctx *c, json_t *o, const char *at,
			    struct vgw_micro_vnic *m)
{
	static const char *const keys[] = { "vni", "nvd_ip", "encap", NULL };
	char p[VGW_ST_PATH_LEN];
	json_t *mv;

	vgw_st_path(p, "%s.micro_vnic", at);
	return vgw_st_object(c, o, at, "micro_vnic", true, keys, &mv) ?:
	       vgw_st_uint(c, mv, p, "vni", true, 1, VGW_VNI_MAX, &m->vni) ?:
	       vgw_st_addr(c, mv, p, "nvd_ip", true, &m->nvd_ip) ?:
	       vgw_st_encap(c, mv, p, &m->encap);
}

static int mac_text(const char *s, uint8_t mac[6])
{
	unsigned int i, b;
	char *end;

	if (strlen(s) != 17)
		return -EINVAL;
	for (i = 0; i < 6; i++) {
		if (!strchr("0123456789abcdefABCDEF", s[i * 3]) ||
		    !strchr("0123456789abcdefABCDEF", s[i * 3 + 1]) ||
		    (i < 5 && s[i * 3 + 2] != ':'))
			return -EINVAL;
		b = (unsigned int)strtoul(s + i * 3, &end, 16);
		mac[i] = (uint8_t)b;
	}
	return 0;
}

/* Given (unicast, not zero) or derived from the primary private IP. */
static int vnic_mac(struct vgw_st_pctx *c, json_t *o, const char *at,
		    struct vgw_vnic *v)
{
	static const uint8_t zero[6];
	const char *s;
	json_t *j;
	int err = vgw_st_field(c, o, at, "mac", JSON_STRING, false, &j);

	if (err)
		return err;
	if (!j) {
		vgw_mac_from_addr(&v->private_ips[0], v->mac);
		return 0;
	}
	s = json_string_value(j);
	if (mac_text(s, v->mac))
		return FAIL(c, "%s.mac: \"%s\" is not a MAC address (xx:xx:xx:xx:xx:xx)",
			    at, s);
	if ((v->mac[0] & 1) || !memcmp(v->mac, zero, 6))
		return FAIL(c, "%s.mac: %s is not a unicast address", at, s);
	return 0;
}

/* The public IP maps 1:1 to the first private IP of its family. */
static int vnic_public_ip(struct vgw_st_pctx *c, json_t *o, const char *at,
			  struct vgw_vnic *v)
{
	char s[VGW_ADDR_STRLEN];
	unsigned int i;
	int err = vgw_st_addr(c, o, at, "public_ip", false, &v->public_ip);

	if (err || !v->public_ip.family)
		return err;
	for (i = 0; i < v->n_private_ips; i++)
		if (v->private_ips[i].family == v->public_ip.family)
			return 0;
	return FAIL(c, "%s.public_ip: %s has no private IP of its family to map to",
		    at, vgw_addr_str(&v->public_ip, s, sizeof(s)));
}

/* The NVD sends from nvd_ip to each VIP: the families must agree. */
static int vnic_vip_families(struct vgw_st_pctx *c, const char *at,
			     const struct vgw_vnic *v)
{
	char a[VGW_ADDR_STRLEN], b[VGW_ADDR_STRLEN];
	const struct vgw_addr *nvd = &v->micro_vnic.nvd_ip;
	unsigned int i;

	for (i = 0; i < v->n_vips; i++)
		if (v->vips[i].ip.family != nvd->family)
			return FAIL(c, "%s.vips[%u].ip: VIP %s and micro_vnic.nvd_ip %s are of different families",
				    at, i,
				    vgw_addr_str(&v->vips[i].ip, a, sizeof(a)),
				    vgw_addr_str(nvd, b, sizeof(b)));
	return 0;
}

/* Absent: the subnet's value (agent-side only, see state.h). */
static int vnic_flow_logs(struct vgw_st_pctx *c, json_t *o, const char *at,
			  struct vgw_vnic *v)
{
	bool on = false;
	int err;

	v->flow_logs = VGW_FLOW_LOGS_SUBNET;
	if (!json_object_get(o, "flow_logs"))
		return 0;
	err = vgw_st_bool(c, o, at, "flow_logs", &on);
	if (!err)
		v->flow_logs = on ? VGW_FLOW_LOGS_ON : VGW_FLOW_LOGS_OFF;
	return err;
}

static int parse_vnic(struct vgw_st_pctx *c, json_t *o,
		      const char *at, void *obj)
{
	static const char *const keys[] = {
		"id", "subnet", "private_ips", "mac", "public_ip", "nsgs",
		"skip_source_dest_check", "micro_vnic", "vips",
		"conntrack_limit", "flow_logs", NULL
	};
	struct vgw_vnic *v = obj;

	v->conntrack_limit = VGW_CONNTRACK_DEFAULT;
	return vgw_st_keys(c, o, at, keys) ?:
	       vgw_st_id(c, o, at, "id", true, v->id) ?:
	       vgw_st_id(c, o, at, "subnet", true, v->subnet) ?:
	       vgw_st_list(c, o, at, "private_ips", 1, VGW_MAX_PRIVATE_IPS,
			   sizeof(*v->private_ips), vgw_st_elem_addr,
			(void **)&v->private_ips, &v->n_private_ips) ?:
	       vnic_mac(c, o, at, v) ?:
	       vnic_public_ip(c, o, at, v) ?:
	       vgw_st_list(c, o, at, "nsgs", 0, VGW_MAX_VNIC_NSGS,
			   sizeof(*v->nsgs), vgw_st_elem_id, (void **)&v->nsgs,
			&v->n_nsgs) ?:
	       vgw_st_bool(c, o, at, "skip_source_dest_check",
			   &v->skip_source_dest_check) ?:
	       parse_micro_vnic(c, o, at, &v->micro_vnic) ?:
	       vgw_st_list(c, o, at, "vips", 1, VGW_MAX_VIPS, sizeof(*v->vips),
			   elem_vip, (void **)&v->vips, &v->n_vips) ?:
	       vnic_vip_families(c, at, v) ?:
	       vgw_st_uint(c, o, at, "conntrack_limit", false, 1,
			   VGW_CONNTRACK_MAX, &v->conntrack_limit) ?:
	       vnic_flow_logs(c, o, at, v);
}

/* --- the document --------------------------------------------------------- */

typedef int (*obj_fn)(struct vgw_st_pctx *c, json_t *o, const char *at,
		      void *obj);

static const obj_fn parsers[VGW_OBJ_NTYPES] = {
	[VGW_OBJ_VCN] = parse_vcn,
	[VGW_OBJ_GATEWAY] = parse_gateway,
	[VGW_OBJ_ROUTE_TABLE] = parse_route_table,
	[VGW_OBJ_SECURITY_LIST] = parse_seclist,
	[VGW_OBJ_NSG] = parse_seclist,
	[VGW_OBJ_SUBNET] = parse_subnet,
	[VGW_OBJ_VNIC] = parse_vnic,
};

static int parse_array(struct vgw_st_pctx *c, json_t *a, enum vgw_obj_type t,
		       struct vgw_doc *d)
{
	const struct vgw_st_type *ty = &vgw_st_types[t];
	char at[VGW_ST_PATH_LEN];
	struct vgw_vcn *obj;	/* id and pos lead every type */
	void **arr = (void **)((char *)d + ty->arr_off);
	json_t *o;
	size_t i;
	int err;

	*arr = calloc(json_array_size(a) ?: 1, ty->size);
	if (!*arr)
		return -ENOMEM;
	*vgw_st_cnt(d, t) = (unsigned int)json_array_size(a);
	json_array_foreach(a, i, o) {
		obj = (void *)((char *)*arr + i * ty->size);
		obj->pos = (unsigned int)i;
		vgw_st_path(at, "%s[%zu]", ty->key, i);
		err = vgw_st_want(c, o, JSON_OBJECT, at) ?:
		      parsers[t](c, o, at, obj);
		if (err)
			return err;
	}
	return 0;
}

static int parse_root(struct vgw_st_pctx *c, json_t *root, struct vgw_doc *d)
{
	const char *keys[VGW_OBJ_NTYPES + 1] = { NULL };
	json_t *a;
	int t, err;

	if (!json_is_object(root))
		return FAIL(c, "document: expected an object, got %s",
			    vgw_st_jtype(json_typeof(root)));
	for (t = 0; t < VGW_OBJ_NTYPES; t++)
		keys[t] = vgw_st_types[t].key;
	err = vgw_st_keys(c, root, "document", keys);
	for (t = 0; !err && t < VGW_OBJ_NTYPES; t++) {
		a = json_object_get(root, keys[t]);
		if (!a)
			continue;
		err = vgw_st_want(c, a, JSON_ARRAY, keys[t]) ?:
		      parse_array(c, a, t, d);
	}
	return err;
}

int vgw_doc_parse(const char *text, size_t len, struct vgw_doc **out,
		  char *err, size_t errlen)
{
	struct vgw_st_pctx c = { .err = err, .errlen = errlen };
	json_error_t je;
	struct vgw_doc *d;
	json_t *root;
	int ret;

	*out = NULL;
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return FAIL(&c, "line %d, column %d: %s", je.line, je.column,
			    je.text);
	d = vgw_doc_new();
	ret = d ? parse_root(&c, root, d) : -ENOMEM;
	json_decref(root);
	if (!ret)
		ret = vgw_doc_validate(d, err, errlen);
	if (ret == -ENOMEM)
		FAIL(&c, "out of memory");
	if (ret) {
		vgw_doc_free(d);
		return ret;
	}
	*out = d;
	return 0;
}

static int read_all(FILE *f, char **buf, size_t *len)
{
	size_t cap = 65536, n;
	char *p;

	*len = 0;
	*buf = malloc(cap);
	while (*buf) {
		n = fread(*buf + *len, 1, cap - *len, f);
		*len += n;
		if (*len < cap)
			return ferror(f) ? -EIO : 0;
		p = realloc(*buf, cap * 2);
		if (!p)
			break;
		*buf = p;
		cap *= 2;
	}
	free(*buf);
	*buf = NULL;
	return -ENOMEM;
}

int vgw_doc_parse_file(const char *path, struct vgw_doc **out,
		       char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	size_t len;
	char *buf;
	int ret;

	*out = NULL;
	if (!f) {
		ret = -errno;
		vgw_st_fail(err, errlen, "%s: %s", path, strerror(-ret));
		return ret;
	}
	ret = read_all(f, &buf, &len);
	fclose(f);
	if (ret) {
		vgw_st_fail(err, errlen, "%s: %s", path, strerror(-ret));
		return ret;
	}
	ret = vgw_doc_parse(buf, len, out, err, errlen);
	free(buf);
	return ret;
}
