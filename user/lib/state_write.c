// SPDX-License-Identifier: GPL-2.0
/*
 * struct vgw_doc -> canonical JSON. Canonical: the document's normal form
 * (state.h) written with the keys in a fixed order, every default written
 * out, and the fields whose absence means "any" or "none" omitted. Reading
 * the output back gives an equal document.
 */
#include <errno.h>
#include <jansson.h>
#include <string.h>
#include <sys/socket.h>

#include "state_priv.h"

/*
 * jansson's json_string(), under a name of our own: libvnicgw's json.c
 * exports a json_string() of its own, which wins at link time.
 */
static json_t *jstr(const char *s)
{
	return json_stringn(s, strlen(s));
}

/* Any failure to build (out of memory) is remembered in fail. */
struct wctx {
	int fail;
};

static void put(struct wctx *w, json_t *o, const char *key, json_t *v)
{
	w->fail |= json_object_set_new(o, key, v);
}

static void push(struct wctx *w, json_t *a, json_t *v)
{
	w->fail |= json_array_append_new(a, v);
}

static json_t *jaddr(const struct vgw_addr *a)
{
	char s[VGW_ADDR_STRLEN];

	return jstr(vgw_addr_str(a, s, sizeof(s)));
}

static json_t *jprefix(const struct vgw_prefix *p)
{
	char s[VGW_PREFIX_STRLEN];

	return jstr(vgw_prefix_str(p, s, sizeof(s)));
}

static json_t *jprefixes(struct wctx *w, const struct vgw_prefix *p,
			 unsigned int n)
{
	json_t *a = json_array();
	unsigned int i;

	for (i = 0; i < n; i++)
		push(w, a, jprefix(&p[i]));
	return a;
}

static json_t *jids(struct wctx *w, const char (*ids)[VGW_ID_MAX],
		    unsigned int n)
{
	json_t *a = json_array();
	unsigned int i;

	for (i = 0; i < n; i++)
		push(w, a, jstr(ids[i]));
	return a;
}

/* "prefix:id" strings: service:, nsg:, target:, private-ip:. */
static json_t *jtagged(const char *tag, const char *val)
{
	return json_sprintf("%s:%s", tag, val);
}

static json_t *w_vcn(struct wctx *w, const void *obj)
{
	const struct vgw_vcn *v = obj;
	json_t *o = json_object();

	put(w, o, "id", jstr(v->id));
	put(w, o, "cidrs", jprefixes(w, v->cidrs, v->n_cidrs));
	return o;
}

static json_t *w_subnet(struct wctx *w, const void *obj)
{
	const struct vgw_subnet *s = obj;
	json_t *o = json_object();

	put(w, o, "id", jstr(s->id));
	put(w, o, "vcn", jstr(s->vcn));
	put(w, o, "cidr", jprefix(&s->cidr));
	if (s->route_table[0])
		put(w, o, "route_table", jstr(s->route_table));
	put(w, o, "security_lists",
	    jids(w, (const char (*)[VGW_ID_MAX])s->security_lists,
		 s->n_security_lists));
	put(w, o, "flow_logs", json_boolean(s->flow_logs));
	return o;
}

static json_t *w_route_rule(struct wctx *w, const struct vgw_route_rule *r)
{
	char s[VGW_ADDR_STRLEN];
	json_t *o = json_object();

	if (r->dst_type == VGW_DST_CIDR)
		put(w, o, "destination", jprefix(&r->dst));
	else
		put(w, o, "destination", jtagged("service", r->service));
	if (r->target_type == VGW_TARGET_GATEWAY) {
		put(w, o, "target", jstr(r->gateway));
	} else {
		vgw_addr_str(&r->private_ip, s, sizeof(s));
		put(w, o, "target", jtagged("private-ip", s));
	}
	return o;
}

static json_t *w_route_table(struct wctx *w, const void *obj)
{
	const struct vgw_route_table *t = obj;
	json_t *o = json_object(), *a = json_array();
	unsigned int i;

	put(w, o, "id", jstr(t->id));
	put(w, o, "vcn", jstr(t->vcn));
	for (i = 0; i < t->n_rules; i++)
		push(w, a, w_route_rule(w, &t->rules[i]));
	put(w, o, "rules", a);
	return o;
}

static json_t *jprotocol(int p)
{
	switch (p) {
	case VGW_PROTO_ALL: return jstr("all");
	case 1: return jstr("icmp");
	case 6: return jstr("tcp");
	case 17: return jstr("udp");
	case 58: return jstr("icmpv6");
	default: return json_integer(p);
	}
}

static void w_ports(struct wctx *w, json_t *o, const char *key,
		    const struct vgw_port_range *r)
{
	if (r->lo == 0 && r->hi == 65535)
		return;
	if (r->lo == r->hi)
		put(w, o, key, json_sprintf("%u", r->lo));
	else
		put(w, o, key, json_sprintf("%u-%u", r->lo, r->hi));
}

static json_t *w_sec_rule(struct wctx *w, const struct vgw_sec_rule *r,
			  const char *peer_key)
{
	json_t *o = json_object();

	if (r->peer_type == VGW_PEER_CIDR)
		put(w, o, peer_key, jprefix(&r->peer_cidr));
	else
		put(w, o, peer_key, jtagged("nsg", r->peer_nsg));
	put(w, o, "protocol", jprotocol(r->protocol));
	w_ports(w, o, "src_ports", &r->src_ports);
	w_ports(w, o, "dst_ports", &r->dst_ports);
	if (r->icmp_type != VGW_ICMP_ANY)
		put(w, o, "icmp_type", json_integer(r->icmp_type));
	if (r->icmp_code != VGW_ICMP_ANY)
		put(w, o, "icmp_code", json_integer(r->icmp_code));
	put(w, o, "stateless", json_boolean(r->stateless));
	return o;
}

static json_t *w_sec_rules(struct wctx *w, const struct vgw_sec_rule *r,
			   unsigned int n, const char *peer_key)
{
	json_t *a = json_array();
	unsigned int i;

	for (i = 0; i < n; i++)
		push(w, a, w_sec_rule(w, &r[i], peer_key));
	return a;
}

static json_t *w_seclist(struct wctx *w, const void *obj)
{
	const struct vgw_seclist *s = obj;
	json_t *o = json_object();

	put(w, o, "id", jstr(s->id));
	put(w, o, "vcn", jstr(s->vcn));
	put(w, o, "ingress", w_sec_rules(w, s->ingress, s->n_ingress, "source"));
	put(w, o, "egress",
	    w_sec_rules(w, s->egress, s->n_egress, "destination"));
	return o;
}

static json_t *w_services(struct wctx *w, const struct vgw_gateway *g)
{
	const struct vgw_service *s;
	json_t *o = json_object();
	unsigned int i;

	for (i = 0; i < g->n_services; i++) {
		s = &g->services[i];
		put(w, o, s->name, jprefixes(w, s->prefixes, s->n_prefixes));
	}
	return o;
}

static json_t *w_gateway(struct wctx *w, const void *obj)
{
	const struct vgw_gateway *g = obj;
	json_t *o = json_object();

	put(w, o, "id", jstr(g->id));
	put(w, o, "vcn", jstr(g->vcn));
	put(w, o, "type", jstr(vgw_gw_type_name(g->type)));
	if (g->type == VGW_GW_NAT)
		put(w, o, "public_ip", jaddr(&g->public_ip));
	if (g->type == VGW_GW_SERVICE)
		put(w, o, "services", w_services(w, g));
	put(w, o, "underlay_ip", jaddr(&g->underlay_ip));
	put(w, o, "vni", json_integer(g->vni));
	put(w, o, "encap", jstr(vgw_encap_name(g->encap)));
	put(w, o, "enabled", json_boolean(g->enabled));
	return o;
}

static json_t *w_micro_vnic(struct wctx *w, const struct vgw_micro_vnic *m)
{
	json_t *o = json_object();

	put(w, o, "vni", json_integer(m->vni));
	put(w, o, "nvd_ip", jaddr(&m->nvd_ip));
	put(w, o, "encap", jstr(vgw_encap_name(m->encap)));
	return o;
}

static json_t *w_vips(struct wctx *w, const struct vgw_vnic *v)
{
	json_t *a = json_array(), *o;
	unsigned int i;

	for (i = 0; i < v->n_vips; i++) {
		o = json_object();
		put(w, o, "ip", jaddr(&v->vips[i].ip));
		put(w, o, "rule", v->vips[i].rule == VGW_VIP_ROUTE ?
		    jstr("route") : jtagged("target", v->vips[i].target));
		push(w, a, o);
	}
	return a;
}

static json_t *w_vnic(struct wctx *w, const void *obj)
{
	const struct vgw_vnic *v = obj;
	json_t *o = json_object(), *ips = json_array();
	char mac[VGW_MAC_STRLEN];
	unsigned int i;

	put(w, o, "id", jstr(v->id));
	put(w, o, "subnet", jstr(v->subnet));
	for (i = 0; i < v->n_private_ips; i++)
		push(w, ips, jaddr(&v->private_ips[i]));
	put(w, o, "private_ips", ips);
	put(w, o, "mac", jstr(vgw_mac_str(v->mac, mac, sizeof(mac))));
	if (v->public_ip.family)
		put(w, o, "public_ip", jaddr(&v->public_ip));
	put(w, o, "nsgs", jids(w, (const char (*)[VGW_ID_MAX])v->nsgs,
			       v->n_nsgs));
	put(w, o, "skip_source_dest_check",
	    json_boolean(v->skip_source_dest_check));
	put(w, o, "micro_vnic", w_micro_vnic(w, &v->micro_vnic));
	put(w, o, "vips", w_vips(w, v));
	put(w, o, "conntrack_limit", json_integer(v->conntrack_limit));
	/* Absent means "as the subnet": written only when said. */
	if (v->flow_logs != VGW_FLOW_LOGS_SUBNET)
		put(w, o, "flow_logs",
		    json_boolean(v->flow_logs == VGW_FLOW_LOGS_ON));
	return o;
}

typedef json_t *(*write_fn)(struct wctx *w, const void *obj);

static const write_fn writers[VGW_OBJ_NTYPES] = {
	[VGW_OBJ_VCN] = w_vcn,
	[VGW_OBJ_GATEWAY] = w_gateway,
	[VGW_OBJ_ROUTE_TABLE] = w_route_table,
	[VGW_OBJ_SECURITY_LIST] = w_seclist,
	[VGW_OBJ_NSG] = w_seclist,
	[VGW_OBJ_SUBNET] = w_subnet,
	[VGW_OBJ_VNIC] = w_vnic,
};

/* The document's key order: containers before what refers to them. */
static const enum vgw_obj_type key_order[VGW_OBJ_NTYPES] = {
	VGW_OBJ_VCN, VGW_OBJ_SUBNET, VGW_OBJ_ROUTE_TABLE,
	VGW_OBJ_SECURITY_LIST, VGW_OBJ_NSG, VGW_OBJ_GATEWAY, VGW_OBJ_VNIC,
};

static int dump(struct wctx *w, json_t *root, FILE *f)
{
	int err = 0;

	if (w->fail || !root)
		err = -ENOMEM;
	else if (json_dumpf(root, f, JSON_INDENT(2)) || fputc('\n', f) == EOF)
		err = -EIO;
	json_decref(root);
	return err;
}

int vgw_doc_write_json(const struct vgw_doc *d, FILE *f)
{
	struct wctx w = { 0 };
	json_t *root = json_object(), *a;
	enum vgw_obj_type t;
	unsigned int k, i;

	for (k = 0; k < VGW_OBJ_NTYPES; k++) {
		t = key_order[k];
		a = json_array();
		for (i = 0; i < *vgw_st_cnt(d, t); i++)
			push(&w, a, writers[t](&w, vgw_st_obj(d, t, i)));
		put(&w, root, vgw_st_types[t].key, a);
	}
	return dump(&w, root, f);
}

int vgw_obj_write_json(enum vgw_obj_type t, const void *obj, FILE *f)
{
	struct wctx w = { 0 };

	if (t >= VGW_OBJ_NTYPES)
		return -EINVAL;
	return dump(&w, writers[t](&w, obj), f);
}
