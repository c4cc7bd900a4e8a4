// SPDX-License-Identifier: GPL-2.0
/*
 * Validation, document-wide: what must be unique across objects (private
 * IPs per VCN, MACs per VCN, public IPs, VNIs and (VIP, VNI) attachments),
 * VIPs that would take someone else's underlay address, and private-ip route
 * targets. The rules are listed at the top of state.c; this runs last, once
 * every reference is known to resolve.
 *
 * Each check puts (key, owner) entries in a table, sorts it and looks at
 * neighbours: O(n log n) for 100k VNICs. Equal keys sort by document
 * position, so the later object is the one reported.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "state_priv.h"

#define FAIL(c, ...) vgw_st_fail((c)->err, (c)->errlen, __VA_ARGS__)

/* An address (or VNI) and the object that uses it. */
struct owner {
	const char *scope;	/* VCN id, or "" when document-wide */
	struct vgw_addr addr;
	uint32_t vni;
	enum vgw_obj_type type;	/* VGW_OBJ_VNIC or VGW_OBJ_GATEWAY */
	const void *obj;
	unsigned int idx;	/* index of the address in the object */
	const char *what;	/* the field, for messages */
};

struct owners {
	struct owner *v;
	size_t n, cap;
};

struct uctx {
	const struct vgw_doc *d;
	char *err;
	size_t errlen;
};

static unsigned int pos_of(const void *obj)
{
	return ((const struct vgw_vcn *)obj)->pos;	/* id, pos lead all */
}

static const char *vcn_of_vnic(const struct vgw_doc *d,
			       const struct vgw_vnic *v)
{
	const struct vgw_subnet *s = vgw_doc_find(d, VGW_OBJ_SUBNET, v->subnet);

	return s ? s->vcn : "";
}

static int owners_add(struct owners *o, const struct owner *e)
{
	struct owner *v;

	if (o->n == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 256;
		v = realloc(o->v, o->cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		o->v = v;
	}
	o->v[o->n++] = *e;
	return 0;
}

/* By scope, address, vni, type (gateways first), then document position. */
static int owner_cmp(const void *x, const void *y)
{
	const struct owner *a = x, *b = y;
	int r = strcmp(a->scope, b->scope);

	if (!r)
		r = vgw_addr_cmp(&a->addr, &b->addr);
	if (!r && a->vni != b->vni)
		r = a->vni < b->vni ? -1 : 1;
	if (!r && a->type != b->type)
		r = a->type < b->type ? -1 : 1;
	if (!r && pos_of(a->obj) != pos_of(b->obj))
		r = pos_of(a->obj) < pos_of(b->obj) ? -1 : 1;
	if (!r)
		r = a->idx < b->idx ? -1 : a->idx > b->idx;
	return r;
}

static void owners_sort(struct owners *o)
{
	if (o->n > 1)
		qsort(o->v, o->n, sizeof(*o->v), owner_cmp);
}

static bool same_key(const struct owner *a, const struct owner *b)
{
	return !strcmp(a->scope, b->scope) && a->vni == b->vni &&
	       !vgw_addr_cmp(&a->addr, &b->addr);
}

/* The first entry with this scope and address (vni 0), or NULL. */
static const struct owner *owners_find(const struct owners *o,
				       const char *scope,
				       const struct vgw_addr *a)
{
	struct owner key = { .scope = scope, .addr = *a };
	size_t lo = 0, hi = o->n, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (!same_key(&o->v[mid], &key) &&
		    owner_cmp(&o->v[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < o->n && same_key(&o->v[lo], &key) ? &o->v[lo] : NULL;
}

/* "vnic vnic-a1" or "gateway igw-a". */
static const char *owner_name(const struct owner *e, char *buf, size_t len)
{
	snprintf(buf, len, "%s %s", vgw_obj_type_name(e->type),
		 (const char *)e->obj);
	return buf;
}

/* --- private IPs and private-ip route targets ----------------------------- */

static int collect_private_ips(struct uctx *c, struct owners *o)
{
	struct owner e = { .type = VGW_OBJ_VNIC };
	const struct vgw_vnic *v;
	unsigned int i, j;

	for (i = 0; i < c->d->n_vnics; i++) {
		v = &c->d->vnics[i];
		e.obj = v;
		e.scope = vcn_of_vnic(c->d, v);
		for (j = 0; j < v->n_private_ips; j++) {
			e.addr = v->private_ips[j];
			e.idx = j;
			if (owners_add(o, &e))
				return -ENOMEM;
		}
	}
	owners_sort(o);
	return 0;
}

static int private_ip_dups(struct uctx *c, const struct owners *o)
{
	char s[VGW_ADDR_STRLEN], n[VGW_ID_MAX + 16];
	const struct owner *a, *b;
	size_t i;

	for (i = 1; i < o->n; i++) {
		a = &o->v[i - 1];
		b = &o->v[i];
		if (!same_key(a, b))
			continue;
		vgw_addr_str(&b->addr, s, sizeof(s));
		if (a->obj == b->obj)
			return FAIL(c, "vnics[%u].private_ips[%u]: %s is listed twice",
				    pos_of(b->obj), b->idx, s);
		return FAIL(c, "vnics[%u].private_ips[%u]: %s is also a private IP of %s in vcn %s",
			    pos_of(b->obj), b->idx, s,
			    owner_name(a, n, sizeof(n)), b->scope);
	}
	return 0;
}

/* A private-ip target: a VNIC of the table's VCN that forwards. */
static int route_private_ip(struct uctx *c, const struct owners *ips,
			    const struct vgw_route_table *t,
			    const struct vgw_route_rule *r)
{
	const struct vgw_vnic *v;
	const struct owner *o;
	char s[VGW_ADDR_STRLEN];

	o = owners_find(ips, t->vcn, &r->private_ip);
	vgw_addr_str(&r->private_ip, s, sizeof(s));
	if (!o)
		return FAIL(c, "route_tables[%u].rules[%u].target: no VNIC of vcn %s has private IP %s",
			    t->pos, r->pos, t->vcn, s);
	v = o->obj;
	if (!v->skip_source_dest_check)
		return FAIL(c, "route_tables[%u].rules[%u].target: vnic %s (private IP %s) needs skip_source_dest_check to forward routed traffic",
			    t->pos, r->pos, v->id, s);
	return 0;
}

static int route_private_ips(struct uctx *c, const struct owners *ips)
{
	const struct vgw_route_table *t;
	unsigned int i, j;

	for (i = 0; i < c->d->n_route_tables; i++) {
		t = &c->d->route_tables[i];
		for (j = 0; j < t->n_rules; j++)
			if (t->rules[j].target_type == VGW_TARGET_PRIVATE_IP &&
			    route_private_ip(c, ips, t, &t->rules[j]))
				return -EINVAL;
	}
	return 0;
}

static int check_private_ips(struct uctx *c)
{
	struct owners o = { 0 };
	int err = collect_private_ips(c, &o) ?:
		  private_ip_dups(c, &o) ?:
		  route_private_ips(c, &o);

	free(o.v);
	return err;
}

/* --- MACs and public IPs -------------------------------------------------- */

/* MACs per VCN: the address bytes carry the MAC. */
static int check_macs(struct uctx *c)
{
	struct owner e = { .type = VGW_OBJ_VNIC };
	const struct owner *a, *b;
	struct owners o = { 0 };
	char m[VGW_MAC_STRLEN];
	unsigned int i;
	int err = 0;

	for (i = 0; !err && i < c->d->n_vnics; i++) {
		e.obj = &c->d->vnics[i];
		e.scope = vcn_of_vnic(c->d, &c->d->vnics[i]);
		memcpy(e.addr.bytes, c->d->vnics[i].mac, 6);
		err = owners_add(&o, &e);
	}
	owners_sort(&o);
	for (i = 1; !err && i < o.n; i++) {
		a = &o.v[i - 1];
		b = &o.v[i];
		if (same_key(a, b))
			err = FAIL(c, "vnics[%u].mac: %s is also the mac of vnic %s in vcn %s",
				   pos_of(b->obj),
				   vgw_mac_str(b->addr.bytes, m, sizeof(m)),
				   (const char *)a->obj, b->scope);
	}
	free(o.v);
	return err;
}

static int add_public_ip(struct owners *o, enum vgw_obj_type t,
			 const void *obj, const struct vgw_addr *a)
{
	struct owner e = { .scope = "", .type = t, .obj = obj, .addr = *a };

	return a->family ? owners_add(o, &e) : 0;
}

/* Public IPs of VNICs and NAT gateways: one owner each, document-wide. */
static int check_public_ips(struct uctx *c)
{
	char s[VGW_ADDR_STRLEN], n[VGW_ID_MAX + 16];
	const struct owner *a, *b;
	struct owners o = { 0 };
	unsigned int i;
	int err = 0;

	for (i = 0; !err && i < c->d->n_vnics; i++)
		err = add_public_ip(&o, VGW_OBJ_VNIC, &c->d->vnics[i],
				    &c->d->vnics[i].public_ip);
	for (i = 0; !err && i < c->d->n_gateways; i++)
		err = add_public_ip(&o, VGW_OBJ_GATEWAY, &c->d->gateways[i],
				    &c->d->gateways[i].public_ip);
	owners_sort(&o);
	for (i = 1; !err && i < o.n; i++) {
		a = &o.v[i - 1];
		b = &o.v[i];
		if (same_key(a, b))
			err = FAIL(c, "%s[%u].public_ip: %s is also the public_ip of %s",
				   vgw_obj_type_key(b->type), pos_of(b->obj),
				   vgw_addr_str(&b->addr, s, sizeof(s)),
				   owner_name(a, n, sizeof(n)));
	}
	free(o.v);
	return err;
}

/* --- VNIs and attachments ------------------------------------------------- */

/*
 * A gateway's VNI arrives on every VIP: it must name that gateway alone,
 * among gateways and micro-VNICs. In a run of equal VNIs, gateways sort
 * first.
 */
static int vni_conflict(struct uctx *c, const struct owner *g,
			const struct owner *b)
{
	if (b->type == VGW_OBJ_GATEWAY)
		return FAIL(c, "gateways[%u].vni: %u is also the vni of gateway %s (a gateway's vni arrives on every VIP)",
			    pos_of(b->obj), b->vni, (const char *)g->obj);
	return FAIL(c, "vnics[%u].micro_vnic.vni: %u is the vni of gateway %s (a gateway's vni arrives on every VIP)",
		    pos_of(b->obj), b->vni, (const char *)g->obj);
}

static int check_vnis(struct uctx *c)
{
	struct owner e = { .scope = "" };
	const struct owner *run = NULL;
	struct owners o = { 0 };
	unsigned int i;
	int err = 0;

	e.type = VGW_OBJ_GATEWAY;
	for (i = 0; !err && i < c->d->n_gateways; i++) {
		e.obj = &c->d->gateways[i];
		e.vni = c->d->gateways[i].vni;
		err = owners_add(&o, &e);
	}
	e.type = VGW_OBJ_VNIC;
	for (i = 0; !err && i < c->d->n_vnics; i++) {
		e.obj = &c->d->vnics[i];
		e.vni = c->d->vnics[i].micro_vnic.vni;
		err = owners_add(&o, &e);
	}
	owners_sort(&o);
	for (i = 0; !err && i < o.n; i++) {
		if (!run || !same_key(run, &o.v[i]))
			run = &o.v[i];
		else if (run->type == VGW_OBJ_GATEWAY)
			err = vni_conflict(c, run, &o.v[i]);
	}
	free(o.v);
	return err;
}

/* (VIP, micro_vnic.vni) names one VNIC. */
static int check_attachments(struct uctx *c)
{
	struct owner e = { .scope = "", .type = VGW_OBJ_VNIC };
	const struct vgw_vnic *v;
	const struct owner *a, *b;
	struct owners o = { 0 };
	char s[VGW_ADDR_STRLEN];
	unsigned int i, j;
	int err = 0;

	for (i = 0; !err && i < c->d->n_vnics; i++) {
		v = &c->d->vnics[i];
		e.obj = v;
		e.vni = v->micro_vnic.vni;
		for (j = 0; !err && j < v->n_vips; j++) {
			e.addr = v->vips[j].ip;
			e.idx = j;
			err = owners_add(&o, &e);
		}
	}
	owners_sort(&o);
	for (i = 1; !err && i < o.n; i++) {
		a = &o.v[i - 1];
		b = &o.v[i];
		if (same_key(a, b))
			err = FAIL(c, "vnics[%u].vips[%u].ip: VIP %s with micro_vnic.vni %u is already vnic %s's",
				   pos_of(b->obj), b->idx,
				   vgw_addr_str(&b->addr, s, sizeof(s)), b->vni,
				   (const char *)a->obj);
	}
	free(o.v);
	return err;
}

/* --- VIPs and underlay addresses ------------------------------------------ */

static int collect_underlay(struct uctx *c, struct owners *o)
{
	struct owner e = { .scope = "" };
	unsigned int i;
	int err = 0;

	e.type = VGW_OBJ_VNIC;
	e.what = "micro_vnic.nvd_ip";
	for (i = 0; !err && i < c->d->n_vnics; i++) {
		e.obj = &c->d->vnics[i];
		e.addr = c->d->vnics[i].micro_vnic.nvd_ip;
		err = owners_add(o, &e);
	}
	e.type = VGW_OBJ_GATEWAY;
	e.what = "underlay_ip";
	for (i = 0; !err && i < c->d->n_gateways; i++) {
		e.obj = &c->d->gateways[i];
		e.addr = c->d->gateways[i].underlay_ip;
		err = owners_add(o, &e);
	}
	owners_sort(o);
	return err;
}

/* A VIP that is an NVD's or a gateway's address would steal its traffic. */
static int check_vips_not_underlay(struct uctx *c)
{
	char s[VGW_ADDR_STRLEN], n[VGW_ID_MAX + 16];
	const struct vgw_vnic *v;
	struct owners o = { 0 };
	const struct owner *u;
	unsigned int i, j;
	int err = collect_underlay(c, &o);

	for (i = 0; !err && i < c->d->n_vnics; i++) {
		v = &c->d->vnics[i];
		for (j = 0; !err && j < v->n_vips; j++) {
			u = owners_find(&o, "", &v->vips[j].ip);
			vgw_addr_str(&v->vips[j].ip, s, sizeof(s));
			if (u)
				err = FAIL(c, "vnics[%u].vips[%u].ip: %s is the %s of %s",
					   v->pos, j, s, u->what,
					   owner_name(u, n, sizeof(n)));
		}
	}
	free(o.v);
	return err;
}

int vgw_st_check_unique(const struct vgw_doc *d, char *err, size_t errlen)
{
	struct uctx c = { .d = d, .err = err, .errlen = errlen };

	return check_vnis(&c) ?:
	       check_private_ips(&c) ?:
	       check_macs(&c) ?:
	       check_public_ips(&c) ?:
	       check_attachments(&c) ?:
	       check_vips_not_underlay(&c);
}
