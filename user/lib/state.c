// SPDX-License-Identifier: GPL-2.0
/*
 * Validation of the desired-state document: the relations between objects.
 *
 * Every rule a document must satisfy, with where it is enforced ([p]:
 * state_parse.c, one object on its own; [v]: this file, an object and what
 * it refers to; [u]: state_unique.c, what must be unique document-wide).
 * A document that breaks any of them is refused as a whole, with one message
 * that starts with the path of the offending field.
 *
 * Syntax and types
 *  [p] The text is one JSON value (jansson; duplicate keys refused): errors
 *      give line and column. The top level is an object whose keys are only
 *      vcns, gateways, route_tables, security_lists, nsgs, subnets, vnics,
 *      each an array of objects (absent: empty).
 *  [p] No unknown key anywhere; every required field present; every field of
 *      its JSON type (no null for "absent", no 1.0 for 1).
 *  [p] Ids match [A-Za-z0-9._-]{1,63} (also service names and the ids inside
 *      "nsg:", "service:", "target:").
 *  [p] Addresses: IPv4 dotted quad or IPv6 text, not IPv4-mapped IPv6.
 *      Prefixes: address/length, length within the family, no host bits.
 *  [p] Lists within their bounds (VGW_MAX_* in state.h); cidrs,
 *      private_ips, vips, services and each service's prefixes not empty.
 *
 * VCNs, subnets
 *  [v] Ids are unique within each type (the same id may name a VCN and a
 *      subnet).
 *  [v] A VCN's cidrs do not overlap each other (VCNs may overlap: they are
 *      separate address spaces).
 *  [v] A subnet's vcn exists; its cidr lies inside one of the VCN's cidrs,
 *      leaves room for a host (IPv4 at most /30, IPv6 at most /126) and
 *      overlaps no other subnet of the VCN.
 *  [v] A subnet's route_table and security_lists exist, are in the subnet's
 *      VCN, and no security list is listed twice.
 *
 * Route tables
 *  [v] The vcn exists. Destinations are unique within the table (rules are a
 *      set keyed by destination).
 *  [v] A CIDR destination does not lie inside one of the VCN's cidrs (VCN
 *      traffic never uses route rules: such a rule could never match).
 *  [p] target is a gateway id or "private-ip:<address>"; destination a CIDR
 *      or "service:<name>".
 *  [v] A gateway target exists and is in the table's VCN. A service gateway
 *      takes only service:<name> destinations, and only names it defines;
 *      service:<name> goes only to a service gateway. A NAT gateway takes
 *      only destinations of its public IP's family.
 *  [u] A private-ip target is a private IP of a VNIC in the table's VCN, and
 *      that VNIC has skip_source_dest_check (else it would drop everything
 *      routed through it).
 *
 * Security lists and NSGs
 *  [p] Ingress rules have source, egress rules destination: a CIDR or
 *      nsg:<id>. protocol is required: all, tcp(6), udp(17), icmp(1),
 *      icmpv6(58), or 0-255 (as a number or a decimal string).
 *  [p] src_ports/dst_ports are "N", "N-M" or N, 0-65535, N <= M, and only with
 *      tcp or udp. icmp_type/icmp_code are 0-255, only with icmp or icmpv6,
 *      and icmp_code only with icmp_type. icmp with an IPv6 CIDR peer, or
 *      icmpv6 with an IPv4 one, is refused (it could never match).
 *  [v] The vcn exists; an nsg:<id> peer exists and is in the same VCN.
 *
 * Gateways
 *  [p] type is internet, nat, service, drg or lpg. A nat gateway has a
 *      public_ip (and only it); a service gateway has services (and only it),
 *      a map of name -> CIDR list. encap is vxlan or geneve. vni is
 *      1-16777215.
 *  [v] The vcn exists. No service lists a prefix twice.
 *  [u] Gateway VNIs are unique: gateway traffic arrives with its VNI on any
 *      VIP, so a VNI names one gateway cluster-wide, and no micro-VNIC may
 *      use it either.
 *
 * VNICs
 *  [p] private_ips: 1..64 addresses, the first is the primary. mac, when
 *      given, is xx:xx:xx:xx:xx:xx, unicast and not zero; when absent, it is
 *      derived from the primary private IP (vgw_mac_from_addr(): 02:00
 *      followed by an IPv4 address; 06 and a hash for IPv6). public_ip needs
 *      a private IP of its family.
 *      micro_vnic.vni 1-16777215; conntrack_limit 1..2^20 (default 65536).
 *      vips[].rule is "route" (default) or "target:<gateway id>"; every VIP
 *      has the family of micro_vnic.nvd_ip (the NVD sends from one to the
 *      other).
 *  [v] The subnet exists. Every private IP lies inside the subnet's cidr and
 *      is not reserved (the network address, the next one, used by the
 *      virtual router, and the last one); [u] and is used once in the VCN.
 *  [v] nsgs exist, are in the VNIC's VCN, none twice. A VIP is listed once
 *      per VNIC; a target:<id> VIP rule names a gateway of the VNIC's VCN.
 *  [u] MACs are unique within a VCN. Public IPs (of VNICs and NAT gateways)
 *      are unique in the document.
 *  [u] (VIP, micro_vnic.vni) identifies one VNIC: no two VNICs share one,
 *      and no micro-VNIC uses a gateway's VNI.
 *  [u] A VIP is not the nvd_ip of a micro-VNIC nor a gateway's underlay_ip
 *      (the cluster would answer for someone else's underlay address).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "state_priv.h"

#define PATH_LEN 160
#define FAIL(c, ...) vgw_st_fail((c)->err, (c)->errlen, __VA_ARGS__)

static const char *pathf(char *buf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A field's path, for messages (vsnprintf: truncation is fine here). */
static const char *pathf(char *buf, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, PATH_LEN, fmt, ap);
	va_end(ap);
	return buf;
}

struct vctx {
	struct vgw_doc *d;
	char *err;
	size_t errlen;
};

/* Into a VGW_PREFIX_STRLEN buffer. */
static const char *prefix_s(const struct vgw_prefix *p, char *buf)
{
	return vgw_prefix_str(p, buf, VGW_PREFIX_STRLEN);
}

/* *out: the object of type t named id, or a refusal at path. */
static int need(struct vctx *c, const char *path, enum vgw_obj_type t,
		const char *id, const void **out)
{
	*out = vgw_doc_find(c->d, t, id);
	if (*out)
		return 0;
	return FAIL(c, "%s: %s \"%s\" does not exist", path,
		    vgw_obj_type_name(t), id);
}

/* Object id of type t (whose vcn is its_vcn) must be in VCN want. */
static int same_vcn(struct vctx *c, const char *path, enum vgw_obj_type t,
		    const char *id, const char *its_vcn, const char *want)
{
	if (!strcmp(its_vcn, want))
		return 0;
	return FAIL(c, "%s: %s %s is in vcn %s, not in vcn %s", path,
		    vgw_obj_type_name(t), id, its_vcn, want);
}

static const char *vcn_of(enum vgw_obj_type t, const void *o)
{
	switch (t) {
	case VGW_OBJ_GATEWAY:
		return ((const struct vgw_gateway *)o)->vcn;
	case VGW_OBJ_ROUTE_TABLE:
		return ((const struct vgw_route_table *)o)->vcn;
	case VGW_OBJ_SECURITY_LIST:
	case VGW_OBJ_NSG:
		return ((const struct vgw_seclist *)o)->vcn;
	default:
		return "";
	}
}

/* *out: the object of type t named id, which must be in VCN vcn. */
static int need_in_vcn(struct vctx *c, const char *path, enum vgw_obj_type t,
		       const char *id, const char *vcn, const void **out)
{
	return need(c, path, t, id, out) ?:
	       same_vcn(c, path, t, id, vcn_of(t, *out), vcn);
}

/* --- ids ------------------------------------------------------------------ */

static int check_unique_ids(struct vctx *c)
{
	const struct vgw_vcn *a, *b;
	unsigned int t, i;

	for (t = 0; t < VGW_OBJ_NTYPES; t++) {
		for (i = 1; i < *vgw_st_cnt(c->d, t); i++) {
			a = vgw_st_obj(c->d, t, i - 1);
			b = vgw_st_obj(c->d, t, i);
			if (!strcmp(a->id, b->id))
				return FAIL(c, "%s[%u].id: duplicate id \"%s\" (also %s[%u])",
					    vgw_st_types[t].key, b->pos, b->id,
					    vgw_st_types[t].key, a->pos);
		}
	}
	return 0;
}

/* --- VCNs ----------------------------------------------------------------- */

static int check_vcn(struct vctx *c, const struct vgw_vcn *v)
{
	char a[VGW_PREFIX_STRLEN], b[VGW_PREFIX_STRLEN];
	const struct vgw_prefix *p = v->cidrs;
	unsigned int i, j;

	for (i = 0; i < v->n_cidrs; i++) {
		for (j = 0; j < i && !vgw_prefix_overlap(&p[i], &p[j]); j++)
			;
		if (j < i)
			return FAIL(c, "vcns[%u].cidrs[%u]: %s overlaps cidrs[%u] %s",
				    v->pos, i, prefix_s(&p[i], a), j,
				    prefix_s(&p[j], b));
	}
	return 0;
}

/* The VCN cidr that contains p, or NULL. */
static const struct vgw_prefix *vcn_cidr_of(const struct vgw_vcn *v,
					    const struct vgw_prefix *p)
{
	unsigned int i;

	for (i = 0; i < v->n_cidrs; i++)
		if (v->cidrs[i].len <= p->len &&
		    vgw_prefix_contains(&v->cidrs[i], &p->addr))
			return &v->cidrs[i];
	return NULL;
}

/* --- gateways ------------------------------------------------------------- */

static int check_service_prefixes(struct vctx *c, const struct vgw_gateway *g)
{
	const struct vgw_service *s;
	char p[VGW_PREFIX_STRLEN];
	unsigned int i, j, k;

	for (i = 0; i < g->n_services; i++) {
		s = &g->services[i];
		for (j = 0; j < s->n_prefixes; j++) {
			for (k = 0; k < j; k++)
				if (!vgw_prefix_cmp(&s->prefixes[j],
						    &s->prefixes[k]))
					break;
			if (k < j)
				return FAIL(c, "gateways[%u].services.%s[%u]: %s is listed twice",
					    g->pos, s->name, j,
					    prefix_s(&s->prefixes[j], p));
		}
	}
	return 0;
}

static int check_gateway(struct vctx *c, const struct vgw_gateway *g)
{
	char p[PATH_LEN];
	const void *o;

	pathf(p, "gateways[%u].vcn", g->pos);
	return need(c, p, VGW_OBJ_VCN, g->vcn, &o) ?:
	       check_service_prefixes(c, g);
}

/* --- security lists and NSGs ---------------------------------------------- */

static int check_rules(struct vctx *c, const char *at, const char *dir,
		       const struct vgw_sec_rule *r, unsigned int n,
		       const char *vcn)
{
	char p[PATH_LEN];
	const void *o;
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (r[i].peer_type != VGW_PEER_NSG)
			continue;
		pathf(p, "%s.%s[%u].%s", at, dir, i,
		      !strcmp(dir, "ingress") ? "source" : "destination");
		if (need_in_vcn(c, p, VGW_OBJ_NSG, r[i].peer_nsg, vcn, &o))
			return -EINVAL;
	}
	return 0;
}

static int check_seclist(struct vctx *c, const char *key,
			 const struct vgw_seclist *s)
{
	char at[PATH_LEN], p[PATH_LEN];
	const void *o;

	pathf(at, "%s[%u]", key, s->pos);
	pathf(p, "%s.vcn", at);
	return need(c, p, VGW_OBJ_VCN, s->vcn, &o) ?:
	       check_rules(c, at, "ingress", s->ingress, s->n_ingress, s->vcn) ?:
	       check_rules(c, at, "egress", s->egress, s->n_egress, s->vcn);
}

/* --- route tables --------------------------------------------------------- */

static int route_dst_dups(struct vctx *c, const struct vgw_route_table *t)
{
	const struct vgw_route_rule *a, *b;
	char s[VGW_ID_MAX + 16];
	unsigned int i;

	for (i = 1; i < t->n_rules; i++) {
		a = &t->rules[i - 1];
		b = &t->rules[i];
		if (vgw_st_route_dst_cmp(a, b))
			continue;
		if (b->dst_type == VGW_DST_CIDR)
			vgw_prefix_str(&b->dst, s, sizeof(s));
		else
			snprintf(s, sizeof(s), "service:%s", b->service);
		return FAIL(c, "route_tables[%u].rules[%u].destination: %s is already the destination of rules[%u]",
			    t->pos, b->pos, s, a->pos);
	}
	return 0;
}

static bool service_defined(const struct vgw_gateway *g, const char *name)
{
	unsigned int i;

	for (i = 0; i < g->n_services; i++)
		if (!strcmp(g->services[i].name, name))
			return true;
	return false;
}

/* What the target gateway accepts as destination. */
static int route_dst_fits(struct vctx *c, const char *at,
			  const struct vgw_route_rule *r,
			  const struct vgw_gateway *g)
{
	char s[VGW_PREFIX_STRLEN];

	if (g->type == VGW_GW_SERVICE && r->dst_type == VGW_DST_CIDR)
		return FAIL(c, "%s.destination: service gateway %s takes only service:<name> destinations, not %s",
			    at, g->id, vgw_prefix_str(&r->dst, s, sizeof(s)));
	if (g->type != VGW_GW_SERVICE && r->dst_type == VGW_DST_SERVICE)
		return FAIL(c, "%s.target: service:%s needs a service gateway, not %s gateway %s",
			    at, r->service, vgw_gw_type_name(g->type), g->id);
	if (r->dst_type == VGW_DST_SERVICE && !service_defined(g, r->service))
		return FAIL(c, "%s.destination: service gateway %s defines no service \"%s\"",
			    at, g->id, r->service);
	if (g->type == VGW_GW_NAT && r->dst.addr.family != g->public_ip.family)
		return FAIL(c, "%s.destination: %s is not of the family of nat gateway %s's public_ip",
			    at, vgw_prefix_str(&r->dst, s, sizeof(s)), g->id);
	return 0;
}

static int route_rule(struct vctx *c, const struct vgw_route_table *t,
		      const struct vgw_vcn *vcn, const struct vgw_route_rule *r)
{
	char at[PATH_LEN], p[PATH_LEN], s[VGW_PREFIX_STRLEN];
	char v[VGW_PREFIX_STRLEN];
	const struct vgw_prefix *in;
	const void *g;

	pathf(at, "route_tables[%u].rules[%u]", t->pos, r->pos);
	in = r->dst_type == VGW_DST_CIDR ? vcn_cidr_of(vcn, &r->dst) : NULL;
	if (in)
		return FAIL(c, "%s.destination: %s lies inside vcn %s's %s (traffic within the VCN never uses route rules)",
			    at, vgw_prefix_str(&r->dst, s, sizeof(s)), vcn->id,
			    vgw_prefix_str(in, v, sizeof(v)));
	if (r->target_type != VGW_TARGET_GATEWAY)
		return 0;	/* private IPs: state_unique.c */
	pathf(p, "%s.target", at);
	return need_in_vcn(c, p, VGW_OBJ_GATEWAY, r->gateway, t->vcn, &g) ?:
	       route_dst_fits(c, at, r, g);
}

static int check_route_table(struct vctx *c, const struct vgw_route_table *t)
{
	char p[PATH_LEN];
	const void *vcn;
	unsigned int i;
	int err;

	pathf(p, "route_tables[%u].vcn", t->pos);
	err = need(c, p, VGW_OBJ_VCN, t->vcn, &vcn) ?:
	      route_dst_dups(c, t);
	for (i = 0; !err && i < t->n_rules; i++)
		err = route_rule(c, t, vcn, &t->rules[i]);
	return err;
}

/* --- subnets -------------------------------------------------------------- */

static int subnet_cidr(struct vctx *c, const struct vgw_subnet *s,
		       const struct vgw_vcn *v)
{
	char p[VGW_PREFIX_STRLEN];
	unsigned int max = s->cidr.addr.family == AF_INET ? 30 : 126;

	vgw_prefix_str(&s->cidr, p, sizeof(p));
	if (s->cidr.len > max)
		return FAIL(c, "subnets[%u].cidr: %s leaves no room for hosts (at most /%u)",
			    s->pos, p, max);
	if (!vcn_cidr_of(v, &s->cidr))
		return FAIL(c, "subnets[%u].cidr: %s is outside the cidrs of vcn %s",
			    s->pos, p, v->id);
	return 0;
}

static int subnet_lists(struct vctx *c, const struct vgw_subnet *s)
{
	char p[PATH_LEN];
	const void *o;
	unsigned int i, j;

	if (s->route_table[0]) {
		pathf(p, "subnets[%u].route_table", s->pos);
		if (need_in_vcn(c, p, VGW_OBJ_ROUTE_TABLE, s->route_table,
				s->vcn, &o))
			return -EINVAL;
	}
	for (i = 0; i < s->n_security_lists; i++) {
		pathf(p, "subnets[%u].security_lists[%u]",
		      s->pos, i);
		for (j = 0; j < i; j++)
			if (!strcmp(s->security_lists[i], s->security_lists[j]))
				return FAIL(c, "%s: %s is listed twice", p,
					    s->security_lists[i]);
		if (need_in_vcn(c, p, VGW_OBJ_SECURITY_LIST,
				s->security_lists[i], s->vcn, &o))
			return -EINVAL;
	}
	return 0;
}

static int check_subnet(struct vctx *c, const struct vgw_subnet *s)
{
	char p[PATH_LEN];
	const void *v;

	pathf(p, "subnets[%u].vcn", s->pos);
	return need(c, p, VGW_OBJ_VCN, s->vcn, &v) ?:
	       subnet_cidr(c, s, v) ?:
	       subnet_lists(c, s);
}

static int subnet_qcmp(const void *x, const void *y)
{
	const struct vgw_subnet *a = *(const void *const *)x;
	const struct vgw_subnet *b = *(const void *const *)y;
	int r = strcmp(a->vcn, b->vcn);

	if (!r)
		r = vgw_prefix_cmp(&a->cidr, &b->cidr);
	return r ? r : a->pos < b->pos ? -1 : a->pos > b->pos;
}

/*
 * In (vcn, address, length) order, a prefix that overlaps any later one
 * overlaps the next one: checking neighbours is enough.
 */
static int subnet_overlaps(struct vctx *c)
{
	const struct vgw_subnet **s, *a, *b;
	char pa[VGW_PREFIX_STRLEN], pb[VGW_PREFIX_STRLEN];
	unsigned int i, n = c->d->n_subnets;
	int err = 0;

	s = malloc((n ?: 1) * sizeof(*s));
	if (!s)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		s[i] = &c->d->subnets[i];
	qsort(s, n, sizeof(*s), subnet_qcmp);
	for (i = 1; !err && i < n; i++) {
		a = s[i - 1];
		b = s[i];
		if (strcmp(a->vcn, b->vcn) ||
		    !vgw_prefix_overlap(&a->cidr, &b->cidr))
			continue;
		if (a->pos > b->pos) {
			a = s[i];
			b = s[i - 1];
		}
		err = FAIL(c, "subnets[%u].cidr: %s overlaps subnet %s %s",
			   b->pos, vgw_prefix_str(&b->cidr, pb, sizeof(pb)),
			   a->id, vgw_prefix_str(&a->cidr, pa, sizeof(pa)));
	}
	free(s);
	return err;
}

/* --- VNICs ---------------------------------------------------------------- */

/* Network address, virtual router (the next one) and the last address. */
static bool reserved(const struct vgw_prefix *p, const struct vgw_addr *a)
{
	unsigned int bits = a->family == AF_INET ? 32 : 128;
	unsigned int nbytes = bits / 8, i, n0 = 0, n1 = 0;
	uint8_t host;
	int bit;

	for (i = p->len; i < bits; i++) {
		bit = (a->bytes[i / 8] >> (7 - i % 8)) & 1;
		n1 += bit;
		n0 += !bit;
	}
	host = a->bytes[nbytes - 1];
	return n1 == 0 || n0 == 0 || (n1 == 1 && (host & 1));
}

static int vnic_private_ips(struct vctx *c, const struct vgw_vnic *v,
			    const struct vgw_subnet *s)
{
	char a[VGW_ADDR_STRLEN], p[VGW_PREFIX_STRLEN];
	unsigned int i;

	vgw_prefix_str(&s->cidr, p, sizeof(p));
	for (i = 0; i < v->n_private_ips; i++) {
		vgw_addr_str(&v->private_ips[i], a, sizeof(a));
		if (!vgw_prefix_contains(&s->cidr, &v->private_ips[i]))
			return FAIL(c, "vnics[%u].private_ips[%u]: %s is outside subnet %s %s",
				    v->pos, i, a, s->id, p);
		if (reserved(&s->cidr, &v->private_ips[i]))
			return FAIL(c, "vnics[%u].private_ips[%u]: %s is reserved in subnet %s %s (network, virtual router and last address)",
				    v->pos, i, a, s->id, p);
	}
	return 0;
}

static int vnic_nsgs(struct vctx *c, const struct vgw_vnic *v, const char *vcn)
{
	char p[PATH_LEN];
	const void *o;
	unsigned int i, j;

	for (i = 0; i < v->n_nsgs; i++) {
		pathf(p, "vnics[%u].nsgs[%u]", v->pos, i);
		for (j = 0; j < i; j++)
			if (!strcmp(v->nsgs[i], v->nsgs[j]))
				return FAIL(c, "%s: %s is listed twice", p,
					    v->nsgs[i]);
		if (need_in_vcn(c, p, VGW_OBJ_NSG, v->nsgs[i], vcn, &o))
			return -EINVAL;
	}
	return 0;
}

static int vnic_vips(struct vctx *c, const struct vgw_vnic *v, const char *vcn)
{
	char p[PATH_LEN], a[VGW_ADDR_STRLEN];
	const void *o;
	unsigned int i, j;

	for (i = 0; i < v->n_vips; i++) {
		pathf(p, "vnics[%u].vips[%u]", v->pos, i);
		for (j = 0; j < i; j++)
			if (!vgw_addr_cmp(&v->vips[i].ip, &v->vips[j].ip))
				return FAIL(c, "%s.ip: %s is listed twice", p,
					    vgw_addr_str(&v->vips[i].ip, a,
							 sizeof(a)));
		if (v->vips[i].rule != VGW_VIP_TARGET)
			continue;
		strcat(p, ".rule");
		if (need_in_vcn(c, p, VGW_OBJ_GATEWAY, v->vips[i].target, vcn,
				&o))
			return -EINVAL;
	}
	return 0;
}

static int check_vnic(struct vctx *c, const struct vgw_vnic *v)
{
	char p[PATH_LEN];
	const void *s;

	pathf(p, "vnics[%u].subnet", v->pos);
	if (need(c, p, VGW_OBJ_SUBNET, v->subnet, &s))
		return -EINVAL;
	return vnic_private_ips(c, v, s) ?:
	       vnic_nsgs(c, v, ((const struct vgw_subnet *)s)->vcn) ?:
	       vnic_vips(c, v, ((const struct vgw_subnet *)s)->vcn);
}

/* --- the whole document --------------------------------------------------- */

/* Objects by id, route rules by destination: both keep their pos. */
static void sort_keyed(struct vgw_doc *d)
{
	vgw_st_sort_objects(d);
	vgw_st_sort_route_rules(d);
}

#define EACH(c, arr, n, fn)						\
	({								\
		int err_ = 0;						\
		unsigned int i_;					\
		for (i_ = 0; !err_ && i_ < (c)->d->n; i_++)		\
			err_ = fn((c), &(c)->d->arr[i_]);		\
		err_;							\
	})

static int check_security_list(struct vctx *c, const struct vgw_seclist *s)
{
	return check_seclist(c, "security_lists", s);
}

static int check_nsg(struct vctx *c, const struct vgw_seclist *s)
{
	return check_seclist(c, "nsgs", s);
}

static int check_all(struct vctx *c)
{
	return check_unique_ids(c) ?:
	       EACH(c, vcns, n_vcns, check_vcn) ?:
	       EACH(c, gateways, n_gateways, check_gateway) ?:
	       EACH(c, security_lists, n_security_lists, check_security_list) ?:
	       EACH(c, nsgs, n_nsgs, check_nsg) ?:
	       EACH(c, route_tables, n_route_tables, check_route_table) ?:
	       EACH(c, subnets, n_subnets, check_subnet) ?:
	       subnet_overlaps(c) ?:
	       EACH(c, vnics, n_vnics, check_vnic) ?:
	       vgw_st_check_unique(c->d, c->err, c->errlen);
}

int vgw_doc_validate(struct vgw_doc *d, char *err, size_t errlen)
{
	struct vctx c = { .d = d, .err = err, .errlen = errlen };
	int ret;

	sort_keyed(d);
	ret = check_all(&c);
	if (ret == -ENOMEM)
		vgw_st_fail(err, errlen, "out of memory");
	if (!ret)
		vgw_doc_normalize(d);
	return ret;
}
