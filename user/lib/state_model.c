// SPDX-License-Identifier: GPL-2.0
/*
 * The in-memory document: freeing, normal form, equality, lookup and the
 * difference between two documents (what "apply" and "--dry-run" act on).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "state_priv.h"

/* --- freeing -------------------------------------------------------------- */

static void free_vcn(void *o)
{
	free(((struct vgw_vcn *)o)->cidrs);
}

static void free_subnet(void *o)
{
	free(((struct vgw_subnet *)o)->security_lists);
}

static void free_route_table(void *o)
{
	free(((struct vgw_route_table *)o)->rules);
}

static void free_seclist(void *o)
{
	struct vgw_seclist *s = o;

	free(s->ingress);
	free(s->egress);
}

static void free_gateway(void *o)
{
	struct vgw_gateway *g = o;
	unsigned int i;

	for (i = 0; i < g->n_services; i++)
		free(g->services[i].prefixes);
	free(g->services);
}

static void free_vnic(void *o)
{
	struct vgw_vnic *v = o;

	free(v->private_ips);
	free(v->nsgs);
	free(v->vips);
}

/* --- equality ------------------------------------------------------------- */

static bool addr_eq(const struct vgw_addr *a, const struct vgw_addr *b)
{
	return a->family == b->family && !memcmp(a->bytes, b->bytes, 16);
}

static bool prefix_eq(const struct vgw_prefix *a, const struct vgw_prefix *b)
{
	return a->len == b->len && addr_eq(&a->addr, &b->addr);
}

static bool prefixes_eq(const struct vgw_prefix *a, unsigned int na,
			const struct vgw_prefix *b, unsigned int nb)
{
	unsigned int i;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++)
		if (!prefix_eq(&a[i], &b[i]))
			return false;
	return true;
}

static bool ids_eq(const char (*a)[VGW_ID_MAX], unsigned int na,
		   const char (*b)[VGW_ID_MAX], unsigned int nb)
{
	unsigned int i;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++)
		if (strcmp(a[i], b[i]))
			return false;
	return true;
}

static bool eq_vcn(const void *x, const void *y)
{
	const struct vgw_vcn *a = x, *b = y;

	return !strcmp(a->id, b->id) &&
	       prefixes_eq(a->cidrs, a->n_cidrs, b->cidrs, b->n_cidrs);
}

static bool eq_subnet(const void *x, const void *y)
{
	const struct vgw_subnet *a = x, *b = y;

	return !strcmp(a->id, b->id) && !strcmp(a->vcn, b->vcn) &&
	       prefix_eq(&a->cidr, &b->cidr) &&
	       !strcmp(a->route_table, b->route_table) &&
	       ids_eq((const char (*)[VGW_ID_MAX])a->security_lists,
		      a->n_security_lists,
		      (const char (*)[VGW_ID_MAX])b->security_lists,
		      b->n_security_lists) &&
	       a->flow_logs == b->flow_logs;
}

static bool route_rule_eq(const struct vgw_route_rule *a,
			  const struct vgw_route_rule *b)
{
	if (vgw_st_route_dst_cmp(a, b) || a->target_type != b->target_type)
		return false;
	if (a->target_type == VGW_TARGET_GATEWAY)
		return !strcmp(a->gateway, b->gateway);
	return addr_eq(&a->private_ip, &b->private_ip);
}

static bool eq_route_table(const void *x, const void *y)
{
	const struct vgw_route_table *a = x, *b = y;
	unsigned int i;

	if (strcmp(a->id, b->id) || strcmp(a->vcn, b->vcn) ||
	    a->n_rules != b->n_rules)
		return false;
	for (i = 0; i < a->n_rules; i++)
		if (!route_rule_eq(&a->rules[i], &b->rules[i]))
			return false;
	return true;
}

static bool sec_rule_eq(const struct vgw_sec_rule *a,
			const struct vgw_sec_rule *b)
{
	if (a->peer_type != b->peer_type)
		return false;
	if (a->peer_type == VGW_PEER_CIDR ? !prefix_eq(&a->peer_cidr,
						       &b->peer_cidr)
					  : strcmp(a->peer_nsg, b->peer_nsg))
		return false;
	return a->protocol == b->protocol &&
	       a->src_ports.lo == b->src_ports.lo &&
	       a->src_ports.hi == b->src_ports.hi &&
	       a->dst_ports.lo == b->dst_ports.lo &&
	       a->dst_ports.hi == b->dst_ports.hi &&
	       a->icmp_type == b->icmp_type && a->icmp_code == b->icmp_code &&
	       a->stateless == b->stateless;
}

static bool sec_rules_eq(const struct vgw_sec_rule *a, unsigned int na,
			 const struct vgw_sec_rule *b, unsigned int nb)
{
	unsigned int i;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++)
		if (!sec_rule_eq(&a[i], &b[i]))
			return false;
	return true;
}

static bool eq_seclist(const void *x, const void *y)
{
	const struct vgw_seclist *a = x, *b = y;

	return !strcmp(a->id, b->id) && !strcmp(a->vcn, b->vcn) &&
	       sec_rules_eq(a->ingress, a->n_ingress,
			    b->ingress, b->n_ingress) &&
	       sec_rules_eq(a->egress, a->n_egress, b->egress, b->n_egress);
}

static bool services_eq(const struct vgw_gateway *a,
			const struct vgw_gateway *b)
{
	const struct vgw_service *s, *t;
	unsigned int i;

	if (a->n_services != b->n_services)
		return false;
	for (i = 0; i < a->n_services; i++) {
		s = &a->services[i];
		t = &b->services[i];
		if (strcmp(s->name, t->name) ||
		    !prefixes_eq(s->prefixes, s->n_prefixes,
				 t->prefixes, t->n_prefixes))
			return false;
	}
	return true;
}

static bool eq_gateway(const void *x, const void *y)
{
	const struct vgw_gateway *a = x, *b = y;

	return !strcmp(a->id, b->id) && !strcmp(a->vcn, b->vcn) &&
	       a->type == b->type && addr_eq(&a->public_ip, &b->public_ip) &&
	       services_eq(a, b) && addr_eq(&a->underlay_ip, &b->underlay_ip) &&
	       a->vni == b->vni && a->encap == b->encap &&
	       a->enabled == b->enabled;
}

static bool vips_eq(const struct vgw_vnic *a, const struct vgw_vnic *b)
{
	const struct vgw_vip *p, *q;
	unsigned int i;

	if (a->n_vips != b->n_vips)
		return false;
	for (i = 0; i < a->n_vips; i++) {
		p = &a->vips[i];
		q = &b->vips[i];
		if (!addr_eq(&p->ip, &q->ip) || p->rule != q->rule ||
		    (p->rule == VGW_VIP_TARGET && strcmp(p->target, q->target)))
			return false;
	}
	return true;
}

static bool private_ips_eq(const struct vgw_vnic *a, const struct vgw_vnic *b)
{
	unsigned int i;

	if (a->n_private_ips != b->n_private_ips)
		return false;
	for (i = 0; i < a->n_private_ips; i++)
		if (!addr_eq(&a->private_ips[i], &b->private_ips[i]))
			return false;
	return true;
}

static bool eq_vnic(const void *x, const void *y)
{
	const struct vgw_vnic *a = x, *b = y;
	const struct vgw_micro_vnic *m = &a->micro_vnic, *n = &b->micro_vnic;

	return !strcmp(a->id, b->id) && !strcmp(a->subnet, b->subnet) &&
	       private_ips_eq(a, b) && !memcmp(a->mac, b->mac, 6) &&
	       addr_eq(&a->public_ip, &b->public_ip) &&
	       ids_eq((const char (*)[VGW_ID_MAX])a->nsgs, a->n_nsgs,
		      (const char (*)[VGW_ID_MAX])b->nsgs, b->n_nsgs) &&
	       a->skip_source_dest_check == b->skip_source_dest_check &&
	       m->vni == n->vni && addr_eq(&m->nvd_ip, &n->nvd_ip) &&
	       m->encap == n->encap && vips_eq(a, b) &&
	       a->conntrack_limit == b->conntrack_limit &&
	       a->flow_logs == b->flow_logs;
}

/* --- the type table ------------------------------------------------------- */

#define TYPE(t, nm, k, st, arr, cnt, eq, fr)				\
	[t] = { .name = nm, .key = k, .size = sizeof(st),		\
		.arr_off = offsetof(struct vgw_doc, arr),		\
		.cnt_off = offsetof(struct vgw_doc, cnt),		\
		.equal = eq, .free = fr }

const struct vgw_st_type vgw_st_types[VGW_OBJ_NTYPES] = {
	TYPE(VGW_OBJ_VCN, "vcn", "vcns", struct vgw_vcn,
	     vcns, n_vcns, eq_vcn, free_vcn),
	TYPE(VGW_OBJ_GATEWAY, "gateway", "gateways", struct vgw_gateway,
	     gateways, n_gateways, eq_gateway, free_gateway),
	TYPE(VGW_OBJ_ROUTE_TABLE, "route_table", "route_tables",
	     struct vgw_route_table, route_tables, n_route_tables,
	     eq_route_table, free_route_table),
	TYPE(VGW_OBJ_SECURITY_LIST, "security_list", "security_lists",
	     struct vgw_seclist, security_lists, n_security_lists,
	     eq_seclist, free_seclist),
	TYPE(VGW_OBJ_NSG, "nsg", "nsgs", struct vgw_seclist,
	     nsgs, n_nsgs, eq_seclist, free_seclist),
	TYPE(VGW_OBJ_SUBNET, "subnet", "subnets", struct vgw_subnet,
	     subnets, n_subnets, eq_subnet, free_subnet),
	TYPE(VGW_OBJ_VNIC, "vnic", "vnics", struct vgw_vnic,
	     vnics, n_vnics, eq_vnic, free_vnic),
};

const char *vgw_obj_type_name(enum vgw_obj_type t)
{
	return t < VGW_OBJ_NTYPES ? vgw_st_types[t].name : "?";
}

const char *vgw_obj_type_key(enum vgw_obj_type t)
{
	return t < VGW_OBJ_NTYPES ? vgw_st_types[t].key : "?";
}

const char *vgw_encap_name(enum vgw_encap e)
{
	return e == VGW_ENCAP_GENEVE ? "geneve" : "vxlan";
}

const char *vgw_gw_type_name(enum vgw_gw_type t)
{
	static const char *const names[] = {
		[VGW_GW_INTERNET] = "internet", [VGW_GW_NAT] = "nat",
		[VGW_GW_SERVICE] = "service", [VGW_GW_DRG] = "drg",
		[VGW_GW_LPG] = "lpg",
	};

	return (unsigned int)t <= VGW_GW_LPG ? names[t] : "?";
}

struct vgw_doc *vgw_doc_new(void)
{
	return calloc(1, sizeof(struct vgw_doc));
}

void vgw_doc_free(struct vgw_doc *d)
{
	const struct vgw_st_type *ty;
	unsigned int t, i;
	char *arr;

	if (!d)
		return;
	for (t = 0; t < VGW_OBJ_NTYPES; t++) {
		ty = &vgw_st_types[t];
		arr = vgw_st_arr(d, t);
		for (i = 0; i < *vgw_st_cnt(d, t); i++)
			ty->free(arr + (size_t)i * ty->size);
		free(arr);
	}
	free(d);
}

bool vgw_obj_equal(enum vgw_obj_type t, const void *a, const void *b)
{
	return t < VGW_OBJ_NTYPES && vgw_st_types[t].equal(a, b);
}

bool vgw_doc_equal(const struct vgw_doc *a, const struct vgw_doc *b)
{
	unsigned int t, i, n;

	for (t = 0; t < VGW_OBJ_NTYPES; t++) {
		n = *vgw_st_cnt(a, t);
		if (n != *vgw_st_cnt(b, t))
			return false;
		for (i = 0; i < n; i++)
			if (!vgw_st_types[t].equal(vgw_st_obj(a, t, i),
						   vgw_st_obj(b, t, i)))
				return false;
	}
	return true;
}

/* --- normal form ---------------------------------------------------------- */

/* Objects by id; equal ids (refused by the validator) by position. */
static int obj_cmp(const void *x, const void *y)
{
	const struct vgw_vcn *a = x, *b = y;	/* id, pos lead all types */
	int c = strcmp(a->id, b->id);

	if (c)
		return c;
	return a->pos < b->pos ? -1 : a->pos > b->pos;
}

static int id_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int prefix_qcmp(const void *a, const void *b)
{
	return vgw_prefix_cmp(a, b);
}

int vgw_st_route_dst_cmp(const struct vgw_route_rule *a,
			 const struct vgw_route_rule *b)
{
	if (a->dst_type != b->dst_type)
		return a->dst_type == VGW_DST_CIDR ? -1 : 1;
	if (a->dst_type == VGW_DST_CIDR)
		return vgw_prefix_cmp(&a->dst, &b->dst);
	return strcmp(a->service, b->service);
}

static int route_rule_qcmp(const void *x, const void *y)
{
	const struct vgw_route_rule *a = x, *b = y;
	int c = vgw_st_route_dst_cmp(a, b);

	if (c)
		return c;
	return a->pos < b->pos ? -1 : a->pos > b->pos;
}

static int service_qcmp(const void *a, const void *b)
{
	return strcmp(((const struct vgw_service *)a)->name,
		      ((const struct vgw_service *)b)->name);
}

static int vip_qcmp(const void *a, const void *b)
{
	return vgw_addr_cmp(&((const struct vgw_vip *)a)->ip,
			    &((const struct vgw_vip *)b)->ip);
}

#define SORT(arr, n, cmp)						\
	do {								\
		if ((n) > 1)						\
			qsort((arr), (n), sizeof(*(arr)), (cmp));	\
	} while (0)

static void normalize_gateway(struct vgw_gateway *g)
{
	unsigned int i;

	SORT(g->services, g->n_services, service_qcmp);
	for (i = 0; i < g->n_services; i++)
		SORT(g->services[i].prefixes, g->services[i].n_prefixes,
		     prefix_qcmp);
}

static void normalize_inner(struct vgw_doc *d)
{
	unsigned int i;

	for (i = 0; i < d->n_vcns; i++)
		SORT(d->vcns[i].cidrs, d->vcns[i].n_cidrs, prefix_qcmp);
	for (i = 0; i < d->n_subnets; i++)
		SORT(d->subnets[i].security_lists,
		     d->subnets[i].n_security_lists, id_cmp);
	for (i = 0; i < d->n_gateways; i++)
		normalize_gateway(&d->gateways[i]);
	for (i = 0; i < d->n_vnics; i++) {
		SORT(d->vnics[i].nsgs, d->vnics[i].n_nsgs, id_cmp);
		SORT(d->vnics[i].vips, d->vnics[i].n_vips, vip_qcmp);
	}
}

void vgw_st_sort_objects(struct vgw_doc *d)
{
	unsigned int t, n;

	for (t = 0; t < VGW_OBJ_NTYPES; t++) {
		n = *vgw_st_cnt(d, t);
		if (n > 1)
			qsort(vgw_st_arr(d, t), n, vgw_st_types[t].size,
			      obj_cmp);
	}
}

void vgw_st_sort_route_rules(struct vgw_doc *d)
{
	unsigned int i;

	for (i = 0; i < d->n_route_tables; i++)
		SORT(d->route_tables[i].rules, d->route_tables[i].n_rules,
		     route_rule_qcmp);
}

void vgw_doc_normalize(struct vgw_doc *d)
{
	vgw_st_sort_objects(d);
	vgw_st_sort_route_rules(d);
	normalize_inner(d);
}

/* --- lookup --------------------------------------------------------------- */

static int key_cmp(const void *key, const void *obj)
{
	return strcmp(key, obj);
}

const void *vgw_doc_find(const struct vgw_doc *d, enum vgw_obj_type t,
			 const char *id)
{
	if (!d || t >= VGW_OBJ_NTYPES || !*vgw_st_cnt(d, t))
		return NULL;
	return bsearch(id, vgw_st_arr(d, t), *vgw_st_cnt(d, t),
		       vgw_st_types[t].size, key_cmp);
}

unsigned int vgw_doc_count(const struct vgw_doc *d, enum vgw_obj_type t)
{
	return d && t < VGW_OBJ_NTYPES ? *vgw_st_cnt(d, t) : 0;
}

const void *vgw_doc_obj(const struct vgw_doc *d, enum vgw_obj_type t,
			unsigned int i)
{
	return i < vgw_doc_count(d, t) ? vgw_st_obj(d, t, i) : NULL;
}

/* --- agent-side fields ------------------------------------------------------ */

void vgw_doc_take_agent_fields(struct vgw_doc *to, const struct vgw_doc *from)
{
	const struct vgw_subnet *fs;
	const struct vgw_vnic *fv;
	unsigned int i;

	for (i = 0; i < to->n_subnets; i++) {
		fs = vgw_doc_find(from, VGW_OBJ_SUBNET, to->subnets[i].id);
		to->subnets[i].flow_logs = fs ? fs->flow_logs : false;
	}
	for (i = 0; i < to->n_vnics; i++) {
		fv = vgw_doc_find(from, VGW_OBJ_VNIC, to->vnics[i].id);
		to->vnics[i].flow_logs = fv ? fv->flow_logs
					    : VGW_FLOW_LOGS_SUBNET;
	}
}

bool vgw_vnic_flow_logs(const struct vgw_doc *d, const struct vgw_vnic *v)
{
	const struct vgw_subnet *s;

	if (v->flow_logs != VGW_FLOW_LOGS_SUBNET)
		return v->flow_logs == VGW_FLOW_LOGS_ON;
	s = vgw_doc_find(d, VGW_OBJ_SUBNET, v->subnet);
	return s && s->flow_logs;
}

/* --- difference ----------------------------------------------------------- */

/*
 * One merge walk over the two id-sorted arrays of type t: reports additions
 * and changes, or (removals true) only removals.
 */
static int diff_type(const struct vgw_doc *o, const struct vgw_doc *n,
		     enum vgw_obj_type t, bool removals, vgw_diff_cb cb,
		     void *arg)
{
	unsigned int i = 0, j = 0, no = vgw_doc_count(o, t);
	unsigned int nn = vgw_doc_count(n, t);
	const void *a, *b;
	int c, err = 0;

	while (!err && (i < no || j < nn)) {
		a = i < no ? vgw_st_obj(o, t, i) : NULL;
		b = j < nn ? vgw_st_obj(n, t, j) : NULL;
		c = !a ? 1 : !b ? -1 : strcmp(a, b);
		if (c < 0) {
			if (removals)
				err = cb(t, VGW_REMOVED, a, NULL, arg);
			i++;
		} else if (c > 0) {
			if (!removals)
				err = cb(t, VGW_ADDED, NULL, b, arg);
			j++;
		} else {
			if (!removals && !vgw_st_types[t].equal(a, b))
				err = cb(t, VGW_CHANGED, a, b, arg);
			i++;
			j++;
		}
	}
	return err;
}

int vgw_doc_diff(const struct vgw_doc *old, const struct vgw_doc *new,
		 vgw_diff_cb cb, void *arg)
{
	int t, err;

	for (t = 0; t < VGW_OBJ_NTYPES; t++) {
		err = diff_type(old, new, t, false, cb, arg);
		if (err)
			return err;
	}
	for (t = VGW_OBJ_NTYPES - 1; t >= 0; t--) {
		err = diff_type(old, new, t, true, cb, arg);
		if (err)
			return err;
	}
	return 0;
}

struct print_arg {
	FILE *f;
	int lines;
};

static int print_one(enum vgw_obj_type t, enum vgw_change change,
		     const void *old_obj, const void *new_obj, void *arg)
{
	static const char sign[] = { [VGW_ADDED] = '+', [VGW_REMOVED] = '-',
				     [VGW_CHANGED] = '~' };
	struct print_arg *p = arg;

	fprintf(p->f, "%c %s %s\n", sign[change], vgw_obj_type_name(t),
		(const char *)(new_obj ? new_obj : old_obj));
	p->lines++;
	return 0;
}

int vgw_doc_diff_print(const struct vgw_doc *old, const struct vgw_doc *new,
		       FILE *f)
{
	struct print_arg p = { .f = f, .lines = 0 };

	vgw_doc_diff(old, new, print_one, &p);
	return p.lines;
}
