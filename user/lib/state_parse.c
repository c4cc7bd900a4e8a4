// SPDX-License-Identifier: GPL-2.0
/*
 * JSON text -> struct vgw_doc, with jansson. This file checks everything
 * that one object says on its own (keys, types, syntax, ranges, fields that
 * depend on each other inside the object); state.c checks the relations
 * between objects. Every refusal is one message that starts with the path
 * of the field ("vnics[3].micro_vnic.vni: ...").
 */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "state_priv.h"

#define PATH_LEN 160
#define FAIL(c, ...) vgw_st_fail((c)->err, (c)->errlen, __VA_ARGS__)

struct pctx {
	char *err;
	size_t errlen;
};

typedef int (*elem_fn)(struct pctx *c, json_t *v, const char *path, void *out);

static const char *pathf(char *buf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static const char *pathf(char *buf, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, PATH_LEN, fmt, ap);
	va_end(ap);
	return buf;
}

/* --- JSON types and keys --------------------------------------------------- */

static const char *jtype_name(json_type t)
{
	switch (t) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a real number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

static bool is_type(json_t *v, json_type t)
{
	if (t == JSON_TRUE || t == JSON_FALSE)
		return json_is_boolean(v);
	return json_typeof(v) == t;
}

static int want_type(struct pctx *c, json_t *v, json_type t, const char *path)
{
	if (is_type(v, t))
		return 0;
	return FAIL(c, "%s: expected %s, got %s", path, jtype_name(t),
		    jtype_name(json_typeof(v)));
}

/* Refuses any key of o that is not in the NULL-terminated list keys. */
static int check_keys(struct pctx *c, json_t *o, const char *at,
		      const char *const *keys)
{
	char known[256] = "";
	const char *key, *const *k;
	json_t *v;

	json_object_foreach(o, key, v) {
		for (k = keys; *k && strcmp(*k, key); k++)
			;
		if (*k)
			continue;
		for (k = keys; *k; k++)
			snprintf(known + strlen(known),
				 sizeof(known) - strlen(known), "%s%s",
				 k == keys ? "" : ", ", *k);
		return FAIL(c, "%s: unknown key \"%s\" (known: %s)", at, key,
			    known);
	}
	return 0;
}

/* *out: the value of key (NULL if absent and not required). */
static int field(struct pctx *c, json_t *o, const char *at, const char *key,
		 json_type t, bool required, json_t **out)
{
	char p[PATH_LEN];
	json_t *v = json_object_get(o, key);

	*out = NULL;
	pathf(p, "%s.%s", at, key);
	if (!v)
		return required ? FAIL(c, "%s: missing (required)", p) : 0;
	if (want_type(c, v, t, p))
		return -EINVAL;
	*out = v;
	return 0;
}

/*
 * A list of n in [min, max] elements of size bytes each, each parsed by fn
 * into a new array (*arr, zeroed, owned by the object even on failure).
 */
static int get_list(struct pctx *c, json_t *o, const char *at,
		    const char *key, unsigned int min, unsigned int max,
		    size_t size, elem_fn fn, void **arr, unsigned int *n)
{
	char p[PATH_LEN];
	json_t *a, *v;
	size_t i, cnt;
	int err;

	err = field(c, o, at, key, JSON_ARRAY, min > 0, &a);
	if (err || !a)
		return err;
	cnt = json_array_size(a);
	if (cnt < min)
		return FAIL(c, "%s.%s: at least %u required", at, key, min);
	if (cnt > max)
		return FAIL(c, "%s.%s: %zu entries, more than the limit %u",
			    at, key, cnt, max);
	*arr = calloc(cnt ? cnt : 1, size);
	if (!*arr)
		return -ENOMEM;
	*n = (unsigned int)cnt;
	json_array_foreach(a, i, v) {
		err = fn(c, v, pathf(p, "%s.%s[%zu]", at, key, i),
			 (char *)*arr + i * size);
		if (err)
			return err;
	}
	return 0;
}

/* --- scalars --------------------------------------------------------------- */

static int id_syntax(struct pctx *c, const char *s, const char *path,
		     char out[VGW_ID_MAX])
{
	size_t n = strlen(s), i;

	for (i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789._-", s[i]))
			break;
	if (!n || n >= VGW_ID_MAX || i < n)
		return FAIL(c, "%s: \"%s\" is not a valid id ([A-Za-z0-9._-]{1,63})",
			    path, s);
	memcpy(out, s, n + 1);
	return 0;
}

/* The id after a "tag:" prefix, e.g. "service:all". */
static int tagged_id(struct pctx *c, const char *s, size_t tag_len,
		     const char *path, char out[VGW_ID_MAX])
{
	const char *id = s + tag_len;
	size_t n = strlen(id);

	if (n && n < VGW_ID_MAX && strspn(id, "abcdefghijklmnopqrstuvwxyz"
			"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n) {
		memcpy(out, id, n + 1);
		return 0;
	}
	return FAIL(c, "%s: \"%s\": \"%s\" is not a valid id ([A-Za-z0-9._-]{1,63})",
		    path, s, id);
}

static int elem_id(struct pctx *c, json_t *v, const char *path, void *out)
{
	if (want_type(c, v, JSON_STRING, path))
		return -EINVAL;
	return id_syntax(c, json_string_value(v), path, out);
}

static int get_id(struct pctx *c, json_t *o, const char *at, const char *key,
		  bool required, char out[VGW_ID_MAX])
{
	char p[PATH_LEN];
	json_t *v;
	int err = field(c, o, at, key, JSON_STRING, required, &v);

	if (err || !v)
		return err;
	return id_syntax(c, json_string_value(v), pathf(p, "%s.%s", at, key),
			 out);
}

static int addr_text(struct pctx *c, const char *s, const char *path,
		     struct vgw_addr *a)
{
	if (vgw_addr_parse(s, a))
		return FAIL(c, "%s: \"%s\" is not an IPv4 or IPv6 address",
			    path, s);
	return 0;
}

static int elem_addr(struct pctx *c, json_t *v, const char *path, void *out)
{
	if (want_type(c, v, JSON_STRING, path))
		return -EINVAL;
	return addr_text(c, json_string_value(v), path, out);
}

static int get_addr(struct pctx *c, json_t *o, const char *at,
		    const char *key, bool required, struct vgw_addr *a)
{
	char p[PATH_LEN];
	json_t *v;
	int err = field(c, o, at, key, JSON_STRING, required, &v);

	if (err || !v)
		return err;
	return elem_addr(c, v, pathf(p, "%s.%s", at, key), a);
}

/* Host bits set are refused, as OCI does: a prefix has one spelling. */
static int prefix_text(struct pctx *c, const char *s, const char *path,
		       struct vgw_prefix *p)
{
	char net[VGW_PREFIX_STRLEN];
	struct vgw_prefix m;

	if (vgw_st_prefix_parse_loose(s, p))
		return FAIL(c, "%s: \"%s\" is not a CIDR prefix (address/length)",
			    path, s);
	if (!vgw_st_prefix_has_host_bits(p))
		return 0;
	vgw_st_prefix_mask(p, &m);
	return FAIL(c, "%s: %s has host bits set (the prefix is %s)", path, s,
		    vgw_prefix_str(&m, net, sizeof(net)));
}

static int elem_prefix(struct pctx *c, json_t *v, const char *path, void *out)
{
	if (want_type(c, v, JSON_STRING, path))
		return -EINVAL;
	return prefix_text(c, json_string_value(v), path, out);
}

static int get_prefix(struct pctx *c, json_t *o, const char *at,
		      const char *key, struct vgw_prefix *p)
{
	char path[PATH_LEN];
	json_t *v;
	int err = field(c, o, at, key, JSON_STRING, true, &v);

	if (err)
		return err;
	return elem_prefix(c, v, pathf(path, "%s.%s", at, key), p);
}

/* An integer in [min, max]; *out is left alone when absent. */
static int get_uint(struct pctx *c, json_t *o, const char *at,
		    const char *key, bool required, uint32_t min, uint32_t max,
		    uint32_t *out)
{
	json_int_t n;
	json_t *v;
	int err = field(c, o, at, key, JSON_INTEGER, required, &v);

	if (err || !v)
		return err;
	n = json_integer_value(v);
	if (n < min || n > max)
		return FAIL(c, "%s.%s: %lld is out of range %u-%u", at, key,
			    (long long)n, min, max);
	*out = (uint32_t)n;
	return 0;
}

static int get_bool(struct pctx *c, json_t *o, const char *at,
		    const char *key, bool *out)
{
	json_t *v;
	int err = field(c, o, at, key, JSON_TRUE, false, &v);

	if (!err && v)
		*out = json_is_true(v);
	return err;
}

static int get_encap(struct pctx *c, json_t *o, const char *at,
		     enum vgw_encap *e)
{
	const char *s;
	json_t *v;
	int err = field(c, o, at, "encap", JSON_STRING, false, &v);

	*e = VGW_ENCAP_VXLAN;
	if (err || !v)
		return err;
	s = json_string_value(v);
	if (!strcmp(s, "geneve"))
		*e = VGW_ENCAP_GENEVE;
	else if (strcmp(s, "vxlan"))
		return FAIL(c, "%s.encap: \"%s\" is not vxlan or geneve", at, s);
	return 0;
}

static int get_object(struct pctx *c, json_t *o, const char *at,
		      const char *key, bool required, const char *const *keys,
		      json_t **out)
{
	char p[PATH_LEN];
	int err = field(c, o, at, key, JSON_OBJECT, required, out);

	if (err || !*out)
		return err;
	return check_keys(c, *out, pathf(p, "%s.%s", at, key), keys);
}

/* --- VCNs and subnets ------------------------------------------------------ */

static int parse_vcn(struct pctx *c, json_t *o, const char *at, void *obj)
{
	static const char *const keys[] = { "id", "cidrs", NULL };
	struct vgw_vcn *v = obj;

	return check_keys(c, o, at, keys) ?:
	       get_id(c, o, at, "id", true, v->id) ?:
	       get_list(c, o, at, "cidrs", 1, VGW_MAX_VCN_CIDRS,
			sizeof(*v->cidrs), elem_prefix, (void **)&v->cidrs,
			&v->n_cidrs);
}

static int parse_subnet(struct pctx *c, json_t *o, const char *at, void *obj)
{
	static const char *const keys[] = {
		"id", "vcn", "cidr", "route_table", "security_lists", NULL
	};
	struct vgw_subnet *s = obj;

	return check_keys(c, o, at, keys) ?:
	       get_id(c, o, at, "id", true, s->id) ?:
	       get_id(c, o, at, "vcn", true, s->vcn) ?:
	       get_prefix(c, o, at, "cidr", &s->cidr) ?:
	       get_id(c, o, at, "route_table", false, s->route_table) ?:
	       get_list(c, o, at, "security_lists", 0, VGW_MAX_SUBNET_SLS,
			sizeof(*s->security_lists), elem_id,
			(void **)&s->security_lists, &s->n_security_lists);
}

/* --- route tables ---------------------------------------------------------- */

static int route_dst(struct pctx *c, json_t *o, const char *at,
		     struct vgw_route_rule *r)
{
	char p[PATH_LEN];
	const char *s;
	json_t *v;
	int err = field(c, o, at, "destination", JSON_STRING, true, &v);

	if (err)
		return err;
	s = json_string_value(v);
	pathf(p, "%s.destination", at);
	if (!strncmp(s, "service:", 8)) {
		r->dst_type = VGW_DST_SERVICE;
		return tagged_id(c, s, 8, p, r->service);
	}
	r->dst_type = VGW_DST_CIDR;
	return prefix_text(c, s, p, &r->dst);
}

static int route_target(struct pctx *c, json_t *o, const char *at,
			struct vgw_route_rule *r)
{
	char p[PATH_LEN];
	const char *s;
	json_t *v;
	int err = field(c, o, at, "target", JSON_STRING, true, &v);

	if (err)
		return err;
	s = json_string_value(v);
	pathf(p, "%s.target", at);
	if (!strncmp(s, "private-ip:", 11)) {
		r->target_type = VGW_TARGET_PRIVATE_IP;
		return addr_text(c, s + 11, p, &r->private_ip);
	}
	r->target_type = VGW_TARGET_GATEWAY;
	return id_syntax(c, s, p, r->gateway);
}

static int elem_route_rule(struct pctx *c, json_t *v, const char *path,
			   void *out)
{
	static const char *const keys[] = { "destination", "target", NULL };

	return want_type(c, v, JSON_OBJECT, path) ?:
	       check_keys(c, v, path, keys) ?:
	       route_dst(c, v, path, out) ?:
	       route_target(c, v, path, out);
}

static int parse_route_table(struct pctx *c, json_t *o, const char *at,
			     void *obj)
{
	static const char *const keys[] = { "id", "vcn", "rules", NULL };
	struct vgw_route_table *t = obj;
	unsigned int i;
	int err;

	err = check_keys(c, o, at, keys) ?:
	      get_id(c, o, at, "id", true, t->id) ?:
	      get_id(c, o, at, "vcn", true, t->vcn) ?:
	      get_list(c, o, at, "rules", 0, VGW_MAX_ROUTE_RULES,
		       sizeof(*t->rules), elem_route_rule, (void **)&t->rules,
		       &t->n_rules);
	for (i = 0; !err && i < t->n_rules; i++)
		t->rules[i].pos = i;
	return err;
}

/* --- security rules -------------------------------------------------------- */

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
static int get_protocol(struct pctx *c, json_t *o, const char *at, int *out)
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
			    at, jtype_name(json_typeof(v)));
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

static int ports_value(struct pctx *c, json_t *v, const char *path,
		       struct vgw_port_range *r)
{
	const char *s, *dash;
	json_int_t n;

	if (json_is_integer(v)) {
		n = json_integer_value(v);
		if (n < 0 || n > 65535)
			return FAIL(c, "%s: %lld is out of range 0-65535",
				    path, (long long)n);
		r->lo = r->hi = (uint16_t)n;
		return 0;
	}
	if (!json_is_string(v))
		return FAIL(c, "%s: expected a string (\"N\" or \"N-M\"), got %s",
			    path, jtype_name(json_typeof(v)));
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

static int rule_ports(struct pctx *c, json_t *o, const char *at,
		      const char *key, int proto, struct vgw_port_range *r)
{
	char p[PATH_LEN], pn[8];
	json_t *v = json_object_get(o, key);

	r->lo = 0;
	r->hi = 65535;
	if (!v)
		return 0;
	pathf(p, "%s.%s", at, key);
	if (!proto_has_ports(proto))
		return FAIL(c, "%s: ports need protocol tcp or udp, not %s", p,
			    proto_name(proto, pn, sizeof(pn)));
	return ports_value(c, v, p, r);
}

static int rule_icmp(struct pctx *c, json_t *o, const char *at,
		     struct vgw_sec_rule *r)
{
	uint32_t t = 0, code = 0;
	char pn[8];
	bool has_t = json_object_get(o, "icmp_type");
	bool has_c = json_object_get(o, "icmp_code");

	r->icmp_type = r->icmp_code = VGW_ICMP_ANY;
	if (!has_t && !has_c)
		return 0;
	if (!proto_is_icmp(r->protocol))
		return FAIL(c, "%s.%s: needs protocol icmp or icmpv6, not %s",
			    at, has_t ? "icmp_type" : "icmp_code",
			    proto_name(r->protocol, pn, sizeof(pn)));
	if (!has_t)
		return FAIL(c, "%s.icmp_code: needs an icmp_type", at);
	if (get_uint(c, o, at, "icmp_type", true, 0, 255, &t) ||
	    get_uint(c, o, at, "icmp_code", false, 0, 255, &code))
		return -EINVAL;
	r->icmp_type = (int)t;
	if (has_c)
		r->icmp_code = (int)code;
	return 0;
}

/* icmp never matches IPv6, icmpv6 never IPv4: such a rule is a mistake. */
static int rule_family(struct pctx *c, const char *at, const char *key,
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

static int rule_peer(struct pctx *c, json_t *o, const char *at,
		     const char *key, struct vgw_sec_rule *r)
{
	char p[PATH_LEN];
	const char *s;
	json_t *v;
	int err = field(c, o, at, key, JSON_STRING, true, &v);

	if (err)
		return err;
	s = json_string_value(v);
	pathf(p, "%s.%s", at, key);
	if (!strncmp(s, "nsg:", 4)) {
		r->peer_type = VGW_PEER_NSG;
		return tagged_id(c, s, 4, p, r->peer_nsg);
	}
	r->peer_type = VGW_PEER_CIDR;
	return prefix_text(c, s, p, &r->peer_cidr);
}

static int sec_rule(struct pctx *c, json_t *v, const char *at,
		    const char *peer_key, struct vgw_sec_rule *r)
{
	const char *const keys[] = {
		peer_key, "protocol", "src_ports", "dst_ports", "icmp_type",
		"icmp_code", "stateless", NULL
	};

	return want_type(c, v, JSON_OBJECT, at) ?:
	       check_keys(c, v, at, keys) ?:
	       rule_peer(c, v, at, peer_key, r) ?:
	       get_protocol(c, v, at, &r->protocol) ?:
	       rule_ports(c, v, at, "src_ports", r->protocol, &r->src_ports) ?:
	       rule_ports(c, v, at, "dst_ports", r->protocol, &r->dst_ports) ?:
	       rule_icmp(c, v, at, r) ?:
	       rule_family(c, at, peer_key, r) ?:
	       get_bool(c, v, at, "stateless", &r->stateless);
}

static int elem_ingress(struct pctx *c, json_t *v, const char *path, void *out)
{
	return sec_rule(c, v, path, "source", out);
}

static int elem_egress(struct pctx *c, json_t *v, const char *path, void *out)
{
	return sec_rule(c, v, path, "destination", out);
}

static int parse_seclist(struct pctx *c, json_t *o, const char *at, void *obj)
{
	static const char *const keys[] = {
		"id", "vcn", "ingress", "egress", NULL
	};
	struct vgw_seclist *s = obj;

	return check_keys(c, o, at, keys) ?:
	       get_id(c, o, at, "id", true, s->id) ?:
	       get_id(c, o, at, "vcn", true, s->vcn) ?:
	       get_list(c, o, at, "ingress", 0, VGW_MAX_SEC_RULES,
			sizeof(*s->ingress), elem_ingress,
			(void **)&s->ingress, &s->n_ingress) ?:
	       get_list(c, o, at, "egress", 0, VGW_MAX_SEC_RULES,
			sizeof(*s->egress), elem_egress,
			(void **)&s->egress, &s->n_egress);
}

/* --- gateways -------------------------------------------------------------- */

static int gw_type(struct pctx *c, json_t *o, const char *at,
		   enum vgw_gw_type *t)
{
	json_t *v;
	int err = field(c, o, at, "type", JSON_STRING, true, &v);

	if (err)
		return err;
	for (*t = VGW_GW_INTERNET; *t <= VGW_GW_LPG; (*t)++)
		if (!strcmp(json_string_value(v), vgw_gw_type_name(*t)))
			return 0;
	return FAIL(c, "%s.type: \"%s\" is not a gateway type (internet, nat, service, drg or lpg)",
		    at, json_string_value(v));
}

static int gw_services(struct pctx *c, json_t *o, const char *at,
		       struct vgw_gateway *g)
{
	char p[PATH_LEN];
	struct vgw_service *s;
	const char *name;
	json_t *m, *v;
	int err = field(c, o, at, "services", JSON_OBJECT, true, &m);

	if (err)
		return err;
	if (!json_object_size(m) || json_object_size(m) > VGW_MAX_SERVICES)
		return FAIL(c, "%s.services: 1 to %u services required", at,
			    VGW_MAX_SERVICES);
	g->services = calloc(json_object_size(m), sizeof(*g->services));
	if (!g->services)
		return -ENOMEM;
	pathf(p, "%s.services", at);
	json_object_foreach(m, name, v) {
		s = &g->services[g->n_services++];
		err = id_syntax(c, name, p, s->name) ?:
		      get_list(c, m, p, name, 1, VGW_MAX_SERVICE_PREFIXES,
			       sizeof(*s->prefixes), elem_prefix,
			       (void **)&s->prefixes, &s->n_prefixes);
		if (err)
			return err;
	}
	return 0;
}

/* public_ip belongs to NAT gateways, services to service gateways. */
static int gw_type_fields(struct pctx *c, json_t *o, const char *at,
			  struct vgw_gateway *g)
{
	const char *t = vgw_gw_type_name(g->type);

	if (g->type == VGW_GW_NAT)
		return get_addr(c, o, at, "public_ip", true, &g->public_ip);
	if (json_object_get(o, "public_ip"))
		return FAIL(c, "%s.public_ip: only a nat gateway has one (this one is %s)",
			    at, t);
	if (g->type == VGW_GW_SERVICE)
		return gw_services(c, o, at, g);
	if (json_object_get(o, "services"))
		return FAIL(c, "%s.services: only a service gateway has them (this one is %s)",
			    at, t);
	return 0;
}

static int parse_gateway(struct pctx *c, json_t *o, const char *at, void *obj)
{
	static const char *const keys[] = {
		"id", "vcn", "type", "public_ip", "services", "underlay_ip",
		"vni", "encap", "enabled", NULL
	};
	struct vgw_gateway *g = obj;

	g->enabled = true;
	return check_keys(c, o, at, keys) ?:
	       get_id(c, o, at, "id", true, g->id) ?:
	       get_id(c, o, at, "vcn", true, g->vcn) ?:
	       gw_type(c, o, at, &g->type) ?:
	       gw_type_fields(c, o, at, g) ?:
	       get_addr(c, o, at, "underlay_ip", true, &g->underlay_ip) ?:
	       get_uint(c, o, at, "vni", true, 1, VGW_VNI_MAX, &g->vni) ?:
	       get_encap(c, o, at, &g->encap) ?:
	       get_bool(c, o, at, "enabled", &g->enabled);
}

/* --- VNICs ----------------------------------------------------------------- */

static int elem_vip(struct pctx *c, json_t *v, const char *path, void *out)
{
	static const char *const keys[] = { "ip", "rule", NULL };
	struct vgw_vip *vip = out;
	char p[PATH_LEN];
	const char *s;
	json_t *r;
	int err;

	err = want_type(c, v, JSON_OBJECT, path) ?:
	      check_keys(c, v, path, keys) ?:
	      get_addr(c, v, path, "ip", true, &vip->ip) ?:
	      field(c, v, path, "rule", JSON_STRING, false, &r);
	if (err || !r)
		return err;
	s = json_string_value(r);
	if (!strncmp(s, "target:", 7)) {
		vip->rule = VGW_VIP_TARGET;
		return tagged_id(c, s, 7, pathf(p, "%s.rule", path), vip->target);
	}
	if (strcmp(s, "route"))
		return FAIL(c, "%s.rule: \"%s\" is not \"route\" or \"target:<gateway id>\"",
			    path, s);
	return 0;
}

static int parse_micro_vnic(struct pctx *c, json_t *o, const char *at,
			    struct vgw_micro_vnic *m)
{
	static const char *const keys[] = { "vni", "nvd_ip", "encap", NULL };
	char p[PATH_LEN];
	json_t *mv;

	pathf(p, "%s.micro_vnic", at);
	return get_object(c, o, at, "micro_vnic", true, keys, &mv) ?:
	       get_uint(c, mv, p, "vni", true, 1, VGW_VNI_MAX, &m->vni) ?:
	       get_addr(c, mv, p, "nvd_ip", true, &m->nvd_ip) ?:
	       get_encap(c, mv, p, &m->encap);
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
static int vnic_mac(struct pctx *c, json_t *o, const char *at,
		    struct vgw_vnic *v)
{
	static const uint8_t zero[6];
	const char *s;
	json_t *j;
	int err = field(c, o, at, "mac", JSON_STRING, false, &j);

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
static int vnic_public_ip(struct pctx *c, json_t *o, const char *at,
			  struct vgw_vnic *v)
{
	char s[VGW_ADDR_STRLEN];
	unsigned int i;
	int err = get_addr(c, o, at, "public_ip", false, &v->public_ip);

	if (err || !v->public_ip.family)
		return err;
	for (i = 0; i < v->n_private_ips; i++)
		if (v->private_ips[i].family == v->public_ip.family)
			return 0;
	return FAIL(c, "%s.public_ip: %s has no private IP of its family to map to",
		    at, vgw_addr_str(&v->public_ip, s, sizeof(s)));
}

/* The NVD sends from nvd_ip to each VIP: the families must agree. */
static int vnic_vip_families(struct pctx *c, const char *at,
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

static int parse_vnic(struct pctx *c, json_t *o, const char *at, void *obj)
{
	static const char *const keys[] = {
		"id", "subnet", "private_ips", "mac", "public_ip", "nsgs",
		"skip_source_dest_check", "micro_vnic", "vips",
		"conntrack_limit", NULL
	};
	struct vgw_vnic *v = obj;

	v->conntrack_limit = VGW_CONNTRACK_DEFAULT;
	return check_keys(c, o, at, keys) ?:
	       get_id(c, o, at, "id", true, v->id) ?:
	       get_id(c, o, at, "subnet", true, v->subnet) ?:
	       get_list(c, o, at, "private_ips", 1, VGW_MAX_PRIVATE_IPS,
			sizeof(*v->private_ips), elem_addr,
			(void **)&v->private_ips, &v->n_private_ips) ?:
	       vnic_mac(c, o, at, v) ?:
	       vnic_public_ip(c, o, at, v) ?:
	       get_list(c, o, at, "nsgs", 0, VGW_MAX_VNIC_NSGS,
			sizeof(*v->nsgs), elem_id, (void **)&v->nsgs,
			&v->n_nsgs) ?:
	       get_bool(c, o, at, "skip_source_dest_check",
			&v->skip_source_dest_check) ?:
	       parse_micro_vnic(c, o, at, &v->micro_vnic) ?:
	       get_list(c, o, at, "vips", 1, VGW_MAX_VIPS, sizeof(*v->vips),
			elem_vip, (void **)&v->vips, &v->n_vips) ?:
	       vnic_vip_families(c, at, v) ?:
	       get_uint(c, o, at, "conntrack_limit", false, 1,
			VGW_CONNTRACK_MAX, &v->conntrack_limit);
}

/* --- the document ---------------------------------------------------------- */

typedef int (*obj_fn)(struct pctx *c, json_t *o, const char *at, void *obj);

static const obj_fn parsers[VGW_OBJ_NTYPES] = {
	[VGW_OBJ_VCN] = parse_vcn,
	[VGW_OBJ_GATEWAY] = parse_gateway,
	[VGW_OBJ_ROUTE_TABLE] = parse_route_table,
	[VGW_OBJ_SECURITY_LIST] = parse_seclist,
	[VGW_OBJ_NSG] = parse_seclist,
	[VGW_OBJ_SUBNET] = parse_subnet,
	[VGW_OBJ_VNIC] = parse_vnic,
};

static int parse_array(struct pctx *c, json_t *a, enum vgw_obj_type t,
		       struct vgw_doc *d)
{
	const struct vgw_st_type *ty = &vgw_st_types[t];
	char at[PATH_LEN];
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
		pathf(at, "%s[%zu]", ty->key, i);
		err = want_type(c, o, JSON_OBJECT, at) ?:
		      parsers[t](c, o, at, obj);
		if (err)
			return err;
	}
	return 0;
}

static int parse_root(struct pctx *c, json_t *root, struct vgw_doc *d)
{
	const char *keys[VGW_OBJ_NTYPES + 1] = { NULL };
	json_t *a;
	int t, err;

	if (!json_is_object(root))
		return FAIL(c, "document: expected an object, got %s",
			    jtype_name(json_typeof(root)));
	for (t = 0; t < VGW_OBJ_NTYPES; t++)
		keys[t] = vgw_st_types[t].key;
	err = check_keys(c, root, "document", keys);
	for (t = 0; !err && t < VGW_OBJ_NTYPES; t++) {
		a = json_object_get(root, keys[t]);
		if (!a)
			continue;
		err = want_type(c, a, JSON_ARRAY, keys[t]) ?:
		      parse_array(c, a, t, d);
	}
	return err;
}

int vgw_doc_parse(const char *text, size_t len, struct vgw_doc **out,
		  char *err, size_t errlen)
{
	struct pctx c = { .err = err, .errlen = errlen };
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
