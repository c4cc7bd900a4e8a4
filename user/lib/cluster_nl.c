// SPDX-License-Identifier: GPL-2.0
/*
 * The cluster in the kernel: CLUSTER_SET / CLUSTER_GET (cluster_nl.h), the
 * owner table's fingerprint as the kernel computes it, and the member keys'
 * value in etcd.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <jansson.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "cluster_nl.h"
#include "owner.h"
#include "store.h"
#include "store_priv.h"

static const char *const counter_names[] = {
#define VGW_CLUSTER_NAME_(name, str, help) str,
	VNICGW_CLUSTER_COUNTERS(VGW_CLUSTER_NAME_)
#undef VGW_CLUSTER_NAME_
};

static const char *const counter_helps[] = {
#define VGW_CLUSTER_HELP_(name, str, help) help,
	VNICGW_CLUSTER_COUNTERS(VGW_CLUSTER_HELP_)
#undef VGW_CLUSTER_HELP_
};

const char *vgw_cluster_counter_name(unsigned int i)
{
	return i < __VNICGW_CLUSTER_COUNTER_MAX ? counter_names[i] : NULL;
}

const char *vgw_cluster_counter_help(unsigned int i)
{
	return i < __VNICGW_CLUSTER_COUNTER_MAX ? counter_helps[i] : NULL;
}

/* --- the member list ------------------------------------------------------ */

void vgw_cluster_free(struct vgw_cluster *cl)
{
	free(cl->members);
	explicit_bzero(cl, sizeof(*cl));	/* the keys */
}

int vgw_cluster_add_key(struct vgw_cluster *cl, const struct vgw_cluster_key *k)
{
	if (cl->n_keys >= VNICGW_CLUSTER_MAX_KEYS)
		return -EINVAL;
	cl->keys[cl->n_keys++] = *k;
	return 0;
}

/* A new member at the end, zeroed. */
static struct vgw_cluster_member *append(struct vgw_cluster *cl)
{
	struct vgw_cluster_member *m;

	m = realloc(cl->members, (cl->n + 1) * sizeof(*m));
	if (!m)
		return NULL;
	cl->members = m;
	m = &cl->members[cl->n++];
	memset(m, 0, sizeof(*m));
	return m;
}

int vgw_cluster_add(struct vgw_cluster *cl, const char *id,
		    const struct vgw_addr *addr)
{
	struct vgw_cluster_member *m;

	if (strlen(id) >= VGW_CLUSTER_ID_LEN)
		return -EINVAL;
	m = append(cl);
	if (!m)
		return -ENOMEM;
	strcpy(m->id, id);
	if (addr && addr->family) {
		m->addr_len = addr->family == AF_INET ? 4 : 16;
		memcpy(m->addr, addr->bytes, m->addr_len);
	}
	return 0;
}

int vgw_cluster_member_addr(const struct vgw_cluster_member *m,
			    struct vgw_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (m->addr_len != 4 && m->addr_len != 16)
		return -EINVAL;
	a->family = m->addr_len == 4 ? AF_INET : AF_INET6;
	memcpy(a->bytes, m->addr, m->addr_len);
	return 0;
}

const char *vgw_cluster_addr_str(const struct vgw_cluster_member *m,
				 char *buf, size_t len)
{
	struct vgw_addr a;
	size_t k = 0;
	unsigned int i;

	if (!m->addr_len) {
		snprintf(buf, len, "none");
		return buf;
	}
	if (!vgw_cluster_member_addr(m, &a))
		return vgw_addr_str(&a, buf, len);
	buf[0] = '\0';
	for (i = 0; i < m->addr_len && k + 3 <= len; i++)
		k += (size_t)snprintf(buf + k, len - k, "%02x", m->addr[i]);
	return buf;
}

static int cmp_member(const void *a, const void *b)
{
	return strcmp(((const struct vgw_cluster_member *)a)->id,
		      ((const struct vgw_cluster_member *)b)->id);
}

void vgw_cluster_sort(struct vgw_cluster *cl)
{
	if (cl->n)
		qsort(cl->members, cl->n, sizeof(*cl->members), cmp_member);
}

/* The member ids sorted, without touching @cl (a caller-freed array). */
static const struct vgw_cluster_member **sorted(const struct vgw_cluster *cl)
{
	const struct vgw_cluster_member **s = calloc(cl->n + 1, sizeof(*s));
	unsigned int i;

	if (!s)
		return NULL;
	for (i = 0; i < cl->n; i++)
		s[i] = &cl->members[i];
	return s;
}

static int cmp_member_ptr(const void *a, const void *b)
{
	return cmp_member(*(const struct vgw_cluster_member *const *)a,
			  *(const struct vgw_cluster_member *const *)b);
}

static int check_members(const struct vgw_cluster *cl, char *err,
			 size_t errlen)
{
	const struct vgw_cluster_member **s;
	unsigned int i;
	int ret = 0;

	for (i = 0; i < cl->n; i++) {
		const struct vgw_cluster_member *m = &cl->members[i];

		if (strlen(m->id) > VNICGW_MEMBER_ID_MAX ||
		    !vgw_store_id_valid(m->id)) {
			snprintf(err, errlen, "members[%u]: id \"%s\" is not 1..%d characters of [A-Za-z0-9._-]",
				 i, m->id, VNICGW_MEMBER_ID_MAX);
			return -EINVAL;
		}
		if (m->addr_len != 4 && m->addr_len != 16) {
			snprintf(err, errlen, "member \"%s\": addr has %u bytes (4 or 16: IPv4 or IPv6)",
				 m->id, m->addr_len);
			return -EINVAL;
		}
	}
	s = sorted(cl);
	if (!s)
		return -ENOMEM;
	qsort(s, cl->n, sizeof(*s), cmp_member_ptr);
	for (i = 1; i < cl->n && !ret; i++)
		if (!strcmp(s[i - 1]->id, s[i]->id)) {
			snprintf(err, errlen, "member \"%s\": id given twice", s[i]->id);
			ret = -EINVAL;
		}
	free(s);
	return ret;
}

int vgw_cluster_check(const struct vgw_cluster *cl, char *err, size_t errlen)
{
	unsigned int i;
	int ret;

	if (cl->n > VNICGW_CLUSTER_MAX_MEMBERS) {
		snprintf(err, errlen, "members: %u, at most %d", cl->n,
			 VNICGW_CLUSTER_MAX_MEMBERS);
		return -EINVAL;
	}
	if (cl->n_keys > VNICGW_CLUSTER_MAX_KEYS) {
		snprintf(err, errlen, "keys: %u, at most %d", cl->n_keys,
			 VNICGW_CLUSTER_MAX_KEYS);
		return -EINVAL;
	}
	for (i = 0; i < cl->n_keys; i++) {
		if (!cl->keys[i].id) {
			snprintf(err, errlen, "keys[%u]: id 0 (1 to 255)", i);
			return -EINVAL;
		}
		if (i && cl->keys[i].id == cl->keys[0].id) {
			snprintf(err, errlen, "key %u given twice", cl->keys[i].id);
			return -EINVAL;
		}
	}
	if (cl->accept_unsigned && !cl->n_keys) {
		snprintf(err, errlen, "accept_unsigned: only with keys (it lets unsigned messages in while keys are rolled out)");
		return -EINVAL;
	}
	ret = check_members(cl, err, errlen);
	if (ret)
		return ret;
	if (cl->size && (!vgw_owner_is_prime(cl->size) || cl->size < cl->n ||
			 cl->size > VNICGW_CLUSTER_MAX_SIZE)) {
		snprintf(err, errlen, "size %u: must be a prime from the member count (%u) to %d",
			 cl->size, cl->n, VNICGW_CLUSTER_MAX_SIZE);
		return -EINVAL;
	}
	if (cl->backups > VNICGW_CLUSTER_MAX_BACKUPS) {
		snprintf(err, errlen, "backups %u: must be from 1 to %d",
			 cl->backups, VNICGW_CLUSTER_MAX_BACKUPS);
		return -EINVAL;
	}
	if (!cl->self[0])
		return 0;
	for (i = 0; i < cl->n && strcmp(cl->members[i].id, cl->self); i++)
		;
	if (i == cl->n) {
		snprintf(err, errlen, "self \"%s\" is not one of the members", cl->self);
		return -EINVAL;
	}
	return 0;
}

int vgw_cluster_fingerprint(const struct vgw_cluster *cl, uint64_t *fp,
			    unsigned int *slots)
{
	const char **ids;
	struct vgw_owner_table t;
	unsigned int i, s;
	int ret, k;

	*fp = 0;
	if (!cl->n)
		return 0;
	ids = calloc(cl->n, sizeof(*ids));
	if (!ids)
		return -ENOMEM;
	for (i = 0; i < cl->n; i++)
		ids[i] = cl->members[i].id;
	ret = vgw_owner_build(ids, cl->n, cl->size ? cl->size :
			       VNICGW_CLUSTER_SIZE_DEFAULT, &t);
	free(ids);
	if (ret)
		return ret;
	ret = vgw_owner_build_backups(&t, cl->backups ? cl->backups : 1);
	if (!ret) {
		*fp = vgw_owner_fingerprint(&t);
		for (i = 0; slots && i < cl->n; i++) {
			k = vgw_owner_find(&t, cl->members[i].id);
			slots[i] = 0;
			for (s = 0; s < t.size; s++)
				slots[i] += t.owner[s] == (unsigned int)k;
		}
	}
	vgw_owner_free(&t);
	return ret;
}

/* --- netlink -------------------------------------------------------------- */

#define TRY(x) do { if ((x) < 0) return -EMSGSIZE; } while (0)

static int put_member(struct nl_msg *msg, const struct vgw_cluster_member *m)
{
	struct nlattr *n = nla_nest_start(msg, VNICGW_ITEM);

	if (!n)
		return -EMSGSIZE;
	TRY(nla_put_string(msg, VNICGW_MEMBER_ID, m->id));
	if (m->addr_len)
		TRY(nla_put(msg, VNICGW_MEMBER_ADDR, (int)m->addr_len, m->addr));
	nla_nest_end(msg, n);
	return 0;
}

int vgw_cluster_put(struct nl_msg *msg, const struct vgw_cluster *cl)
{
	struct nlattr *nest, *list;
	unsigned int i;

	nest = nla_nest_start(msg, VNICGW_A_CLUSTER);
	if (!nest)
		return -EMSGSIZE;
	if (cl->self[0])
		TRY(nla_put_string(msg, VNICGW_CLUSTER_SELF, cl->self));
	if (cl->size)
		TRY(nla_put_u32(msg, VNICGW_CLUSTER_SIZE, cl->size));
	if (cl->backups)
		TRY(nla_put_u8(msg, VNICGW_CLUSTER_BACKUPS, (uint8_t)cl->backups));
	list = nla_nest_start(msg, VNICGW_CLUSTER_MEMBERS);
	if (!list)
		return -EMSGSIZE;
	for (i = 0; i < cl->n; i++)
		TRY(put_member(msg, &cl->members[i]));
	/* An empty list is sent as one: "standalone" said explicitly. */
	nla_nest_end_keep_empty(msg, list);
	if (cl->n_keys || cl->clear_keys) {
		list = nla_nest_start(msg, VNICGW_CLUSTER_KEYS);
		if (!list)
			return -EMSGSIZE;
		for (i = 0; i < cl->n_keys; i++) {
			struct nlattr *k = nla_nest_start(msg, VNICGW_ITEM);

			if (!k)
				return -EMSGSIZE;
			TRY(nla_put_u8(msg, VNICGW_KEY_ID, cl->keys[i].id));
			TRY(nla_put(msg, VNICGW_KEY_SECRET, VNICGW_KEY_LEN,
				    cl->keys[i].secret));
			nla_nest_end(msg, k);
		}
		/* An empty list: "no keys", said explicitly. */
		nla_nest_end_keep_empty(msg, list);
		if (cl->n_keys)
			TRY(nla_put_u8(msg, VNICGW_CLUSTER_ACCEPT_UNSIGNED,
				       cl->accept_unsigned));
	}
	nla_nest_end_keep_empty(msg, nest);
	return 0;
}

static int bad(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "kernel sent a malformed cluster %s", what);
	return -EPROTO;
}

/* A NUL-terminated string attribute into @out (@len bytes). */
static int get_str(const struct nlattr *a, char *out, size_t len)
{
	int n = nla_len(a);

	if (n < 2 || (size_t)n > len || ((const char *)nla_data(a))[n - 1])
		return -EPROTO;
	memcpy(out, nla_data(a), (size_t)n);
	return 0;
}

static int dec_member(struct nlattr *a, struct vgw_cluster *cl, char *err,
		      size_t errlen)
{
	struct nlattr *tb[VNICGW_MEMBER_MAX + 1];
	struct vgw_cluster_member *m;
	int len;

	if (nla_parse_nested(tb, VNICGW_MEMBER_MAX, a, NULL) ||
	    !tb[VNICGW_MEMBER_ID])
		return bad(err, errlen, "member");
	m = append(cl);
	if (!m)
		return -ENOMEM;
	if (get_str(tb[VNICGW_MEMBER_ID], m->id, sizeof(m->id)))
		return bad(err, errlen, "member id");
	if (tb[VNICGW_MEMBER_ADDR]) {
		len = nla_len(tb[VNICGW_MEMBER_ADDR]);
		if (len != 4 && len != 16)
			return bad(err, errlen, "member addr");
		m->addr_len = (unsigned int)len;
		memcpy(m->addr, nla_data(tb[VNICGW_MEMBER_ADDR]), (size_t)len);
	}
	return 0;
}

static int dec_counters(struct nlattr *a, struct vgw_cluster *cl, char *err,
			size_t errlen)
{
	struct nlattr *pos;
	int rem, type;

	/* Counters this build does not know are skipped (a newer module). */
	nla_for_each_nested(pos, a, rem) {
		type = nla_type(pos);
		if (type < 1 || type > __VNICGW_CLUSTER_COUNTER_MAX)
			continue;
		if (nla_len(pos) != 8)
			return bad(err, errlen, "counter");
		cl->counters[type - 1] = nla_get_u64(pos);
	}
	return 0;
}

static int get_u64(const struct nlattr *a, uint64_t *v)
{
	if (nla_len(a) != 8)
		return -EPROTO;
	*v = nla_get_u64((struct nlattr *)a);
	return 0;
}

int vgw_cluster_decode(struct nlattr *nest, struct vgw_cluster *cl,
		       char *err, size_t errlen)
{
	struct nlattr *tb[VNICGW_CLUSTER_MAX + 1], *pos;
	int rem, ret;

	vgw_cluster_free(cl);
	if (!nest || nla_parse_nested(tb, VNICGW_CLUSTER_MAX, nest, NULL))
		return bad(err, errlen, "nest");
	if (tb[VNICGW_CLUSTER_SELF] &&
	    get_str(tb[VNICGW_CLUSTER_SELF], cl->self, sizeof(cl->self)))
		return bad(err, errlen, "self");
	if (tb[VNICGW_CLUSTER_SIZE]) {
		if (nla_len(tb[VNICGW_CLUSTER_SIZE]) != 4)
			return bad(err, errlen, "size");
		cl->size = nla_get_u32(tb[VNICGW_CLUSTER_SIZE]);
	}
	if (tb[VNICGW_CLUSTER_BACKUPS]) {
		if (nla_len(tb[VNICGW_CLUSTER_BACKUPS]) != 1)
			return bad(err, errlen, "backups");
		cl->backups = nla_get_u8(tb[VNICGW_CLUSTER_BACKUPS]);
	}
	if (tb[VNICGW_CLUSTER_FINGERPRINT]) {
		if (get_u64(tb[VNICGW_CLUSTER_FINGERPRINT], &cl->fingerprint))
			return bad(err, errlen, "fingerprint");
		cl->has_fingerprint = true;
	}
	if (tb[VNICGW_CLUSTER_EPOCH] &&
	    get_u64(tb[VNICGW_CLUSTER_EPOCH], &cl->epoch))
		return bad(err, errlen, "epoch");
	if (tb[VNICGW_CLUSTER_MEMBERS])
		nla_for_each_nested(pos, tb[VNICGW_CLUSTER_MEMBERS], rem)
			if ((ret = dec_member(pos, cl, err, errlen)))
				return ret;
	if (tb[VNICGW_CLUSTER_KEYS])
		nla_for_each_nested(pos, tb[VNICGW_CLUSTER_KEYS], rem) {
			struct nlattr *kb[VNICGW_KEY_MAX + 1];

			if (nla_parse_nested(kb, VNICGW_KEY_MAX, pos, NULL) ||
			    !kb[VNICGW_KEY_ID] || nla_len(kb[VNICGW_KEY_ID]) != 1 ||
			    cl->n_keys >= VNICGW_CLUSTER_MAX_KEYS)
				return bad(err, errlen, "key");
			cl->keys[cl->n_keys++].id = nla_get_u8(kb[VNICGW_KEY_ID]);
		}
	if (tb[VNICGW_CLUSTER_ACCEPT_UNSIGNED]) {
		if (nla_len(tb[VNICGW_CLUSTER_ACCEPT_UNSIGNED]) != 1)
			return bad(err, errlen, "accept_unsigned");
		cl->accept_unsigned = nla_get_u8(tb[VNICGW_CLUSTER_ACCEPT_UNSIGNED]);
	}
	if (tb[VNICGW_CLUSTER_COUNTERS])
		return dec_counters(tb[VNICGW_CLUSTER_COUNTERS], cl, err, errlen);
	return 0;
}

static int build_set(struct nl_msg *msg, void *arg)
{
	return vgw_cluster_put(msg, arg);
}

int vgw_cluster_set(struct vgw_client *c, const struct vgw_cluster *cl)
{
	/* About 90 bytes a member with an IPv6 address. */
	return vgw_call_sized(c, VNICGW_CMD_CLUSTER_SET, 0,
			      4096 + (size_t)cl->n * 128, build_set, NULL,
			      (void *)cl);
}

struct get_ctx {
	struct vgw_client *c;
	struct vgw_cluster *cl;
	bool seen;
};

static int parse_get(struct nlattr **tb, void *arg)
{
	struct get_ctx *g = arg;

	g->seen = true;
	return vgw_cluster_decode(tb[VNICGW_A_CLUSTER], g->cl, g->c->errmsg,
				  sizeof(g->c->errmsg));
}

int vgw_cluster_get(struct vgw_client *c, struct vgw_cluster *cl)
{
	struct get_ctx g = { c, cl, false };
	int ret;

	memset(cl, 0, sizeof(*cl));
	ret = vgw_call(c, VNICGW_CMD_CLUSTER_GET, 0, NULL, parse_get, &g);
	if (!ret && !g.seen) {
		snprintf(c->errmsg, sizeof(c->errmsg), "kernel sent no cluster reply");
		ret = -EPROTO;
	}
	return ret;
}

/* --- the member keys' value ------------------------------------------------ */

char *vgw_member_value(const char *id, int pid, const struct vgw_addr *addr,
		       const char *table)
{
	char a[VGW_ADDR_STRLEN];
	json_t *o = json_object();
	char *s = NULL;

	if (o && !json_object_set_new(o, "id", json_string(id)) &&
	    !json_object_set_new(o, "pid", json_integer(pid)) &&
	    (!addr || !addr->family ||
	     !json_object_set_new(o, "addr",
				  json_string(vgw_addr_str(addr, a, sizeof(a))))) &&
	    (!table || !json_object_set_new(o, "table", json_string(table))))
		s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return s;
}

int vgw_member_value_parse(const char *value, size_t len,
			   struct vgw_addr *addr, char *table, size_t tlen,
			   char *err, size_t errlen)
{
	json_t *o = json_loadb(value, len, 0, NULL), *a, *t;
	int ret = 0;

	memset(addr, 0, sizeof(*addr));
	if (table && tlen)
		table[0] = '\0';
	if (table && tlen && json_is_object(o) && (t = json_object_get(o, "table")) &&
	    json_is_string(t) && strlen(json_string_value(t)) < tlen)
		strcpy(table, json_string_value(t));
	if (!json_is_object(o)) {
		snprintf(err, errlen, "not a JSON object");
		ret = -EINVAL;
	} else if ((a = json_object_get(o, "addr")) &&
		   (!json_is_string(a) ||
		    vgw_addr_parse(json_string_value(a), addr))) {
		snprintf(err, errlen, "addr %s is not an IP address",
			 json_is_string(a) ? json_string_value(a) : "(not a string)");
		memset(addr, 0, sizeof(*addr));
		ret = -EINVAL;
	}
	json_decref(o);
	return ret;
}

int vgw_store_cluster(const struct vgw_store *s, struct vgw_cluster *cl,
		      char *err, size_t errlen)
{
	char p[VGW_STORE_KEY_MAX], msg[256];
	size_t first, end, i, plen;
	const struct vgw_store_entry *e;
	char table[VGW_MEMBER_TABLE_LEN];
	struct vgw_addr addr;
	int ret;

	memset(cl, 0, sizeof(*cl));
	if (errlen)
		err[0] = '\0';
	vgw_store_member_key(vgw_store_prefix(s), "", p);
	plen = strlen(p);
	end = vgw_store_run(s, p, &first);
	/* The keys are sorted, so the ids are (memcmp order is strcmp's). */
	for (i = first; i < end; i++) {
		e = &s->e[i];
		if (strlen(e->key) != e->klen || !vgw_store_id_valid(e->key + plen))
			continue;
		if (vgw_member_value_parse(e->value, e->vlen, &addr, table,
					   sizeof(table), msg, sizeof(msg)) &&
		    errlen && !err[0])
			snprintf(err, errlen, "%s: %s", e->key, msg);
		ret = vgw_cluster_add(cl, e->key + plen, &addr);
		if (ret) {
			vgw_cluster_free(cl);
			return ret;
		}
		strcpy(cl->members[cl->n - 1].table, table);
	}
	return 0;
}
