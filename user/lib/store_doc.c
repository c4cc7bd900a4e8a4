// SPDX-License-Identifier: GPL-2.0
/*
 * The document in the store's keys (store.h): reassembling it from the
 * objects/ keys, and the plan of puts and deletes that makes the keys equal
 * to a document.
 *
 * Reassembly builds the JSON document out of the keys' values (each parsed
 * on its own, so that a value can only ever be one object of its own type)
 * and hands it to vgw_doc_parse(): the document is validated by exactly the
 * code that validates a file. Its messages name objects by their index in
 * the document ("vnics[3].private_ips[0]: ..."); they are rewritten to name
 * the key instead, which is what an operator of etcd can find.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "store_priv.h"

/* The key of each object, by type, in document order (for messages). */
struct keymap {
	const char **keys[VGW_OBJ_NTYPES];
	unsigned int n[VGW_OBJ_NTYPES];
};

static int fail(char *err, size_t errlen, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return ret;
}

/* The type named by the segment of @key after PREFIX/objects/, or -1. */
static int type_of_key(const char *key, size_t plen, const char **id)
{
	const char *seg = key + plen, *slash = strchr(seg, '/');
	unsigned int t;

	if (!slash)
		return -1;
	for (t = 0; t < VGW_OBJ_NTYPES; t++) {
		const char *name = vgw_obj_type_name(t);

		if ((size_t)(slash - seg) == strlen(name) &&
		    !strncmp(seg, name, strlen(name))) {
			*id = slash + 1;
			return (int)t;
		}
	}
	return -1;
}

/* Every key under objects/ must name a known type and a valid id. */
static int check_keys(const struct vgw_store *s, char *err, size_t errlen)
{
	char p[VGW_STORE_KEY_MAX];
	size_t first, end, i, plen;
	const char *id;

	vgw_store_objects_prefix(s->prefix, p);
	plen = strlen(p);
	end = vgw_store_run(s, p, &first);
	if (first == end)
		return fail(err, errlen, -ENOENT, "no document in etcd: no key under %s", p);
	for (i = first; i < end; i++) {
		if (strlen(s->e[i].key) != s->e[i].klen)
			return fail(err, errlen, -EINVAL, "%s...: a key with a NUL byte",
				    s->e[i].key);
		if (type_of_key(s->e[i].key, plen, &id) < 0)
			return fail(err, errlen, -EINVAL,
				    "%s: not objects/<type>/<id> with a known type", s->e[i].key);
		if (!vgw_store_id_valid(id))
			return fail(err, errlen, -EINVAL,
				    "%s: \"%s\" is not a valid id", s->e[i].key, id);
	}
	return 0;
}

/* The value of entry @e, one object whose id is the key's. */
static int obj_of(const struct vgw_store_entry *e, const char *id,
		  json_t **out, char *err, size_t errlen)
{
	json_error_t je;
	const char *jid;
	json_t *o = json_loadb(e->value, e->vlen, 0, &je);

	if (!json_is_object(o)) {
		json_decref(o);
		return fail(err, errlen, -EINVAL, "%s: the value is not a JSON object%s%s",
			    e->key, o ? "" : ": ", o ? "" : je.text);
	}
	jid = json_string_value(json_object_get(o, "id"));
	if (!jid || strcmp(jid, id)) {
		fail(err, errlen, -EINVAL, "%s: the object's id is %s%s%s, not the key's %s",
		     e->key, jid ? "\"" : "", jid ? jid : "missing",
		     jid ? "\"" : "", id);
		json_decref(o);
		return -EINVAL;
	}
	*out = o;
	return 0;
}

/* The objects of type @t into @root's array, their keys into @km. */
static int add_type(const struct vgw_store *s, enum vgw_obj_type t,
		    json_t *root, struct keymap *km, char *err, size_t errlen)
{
	char p[VGW_STORE_KEY_MAX];
	size_t first, end, i, plen;
	json_t *a = json_array(), *o = NULL;
	int ret;

	vgw_store_obj_key(s->prefix, t, "", p);
	plen = strlen(p);
	end = vgw_store_run(s, p, &first);
	km->keys[t] = calloc(end - first + 1, sizeof(*km->keys[t]));
	if (!a || !km->keys[t] || json_object_set_new(root, vgw_obj_type_key(t), a))
		return -ENOMEM;
	for (i = first; i < end; i++) {
		ret = obj_of(&s->e[i], s->e[i].key + plen, &o, err, errlen);
		if (ret)
			return ret;
		if (json_array_append_new(a, o))
			return -ENOMEM;
		km->keys[t][km->n[t]++] = s->e[i].key;
	}
	return 0;
}

/*
 * "vnics[3].private_ips[0]: x" -> "KEY: private_ips[0]: x", and
 * "vnics[3]: x" -> "KEY: x", when vnics[3] is the object of KEY.
 */
static void name_key(const struct keymap *km, char *err, size_t errlen)
{
	char *open = strchr(err, '['), *close, out[1024];
	unsigned long idx;
	unsigned int t;

	if (!open)
		return;
	for (t = 0; t < VGW_OBJ_NTYPES; t++)
		if ((size_t)(open - err) == strlen(vgw_obj_type_key(t)) &&
		    !strncmp(err, vgw_obj_type_key(t), (size_t)(open - err)))
			break;
	idx = strtoul(open + 1, &close, 10);
	if (t == VGW_OBJ_NTYPES || *close != ']' || idx >= km->n[t])
		return;
	close++;
	if (*close == '.')
		close++;
	else if (*close == ':')
		close += 1 + (close[1] == ' ');
	snprintf(out, sizeof(out), "%s: %s", km->keys[t][idx], close);
	snprintf(err, errlen, "%s", out);
}

static int parse_assembled(json_t *root, const struct keymap *km,
			   struct vgw_doc **out, char *err, size_t errlen)
{
	char *text = json_dumps(root, JSON_COMPACT);
	int ret;

	if (!text)
		return -ENOMEM;
	ret = vgw_doc_parse(text, strlen(text), out, err, errlen);
	free(text);
	if (ret == -EINVAL)
		name_key(km, err, errlen);
	return ret;
}

int vgw_store_doc(const struct vgw_store *s, struct vgw_doc **out, char *err,
		  size_t errlen)
{
	struct keymap km = { 0 };
	json_t *root = json_object();
	unsigned int t;
	int ret;

	ret = root ? check_keys(s, err, errlen) : -ENOMEM;
	for (t = 0; t < VGW_OBJ_NTYPES && !ret; t++)
		ret = add_type(s, t, root, &km, err, errlen);
	if (!ret)
		ret = parse_assembled(root, &km, out, err, errlen);
	if (ret == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	for (t = 0; t < VGW_OBJ_NTYPES; t++)
		free(km.keys[t]);
	json_decref(root);
	return ret;
}

/* --- the plan of a write --------------------------------------------------- */

static const struct vgw_store_entry *find(const struct vgw_store *s,
					  const char *key)
{
	size_t first, end = vgw_store_run(s, key, &first);

	for (; first < end; first++)
		if (!strcmp(s->e[first].key, key))
			return &s->e[first];
	return NULL;
}

static struct vgw_store_op *op_add(struct vgw_store_plan *p)
{
	struct vgw_store_op *ops = realloc(p->ops, (p->n + 1) * sizeof(*ops));

	if (!ops)
		return NULL;
	p->ops = ops;
	memset(&ops[p->n], 0, sizeof(*ops));
	return &ops[p->n++];
}

/* A put of object @obj of type @t, if its key does not hold it already. */
static int plan_put(const struct vgw_store *cur, enum vgw_obj_type t,
		    const void *obj, struct vgw_store_plan *p)
{
	const struct vgw_store_entry *e;
	struct vgw_store_op *op;
	char *value;
	size_t len;

	if (vgw_store_obj_value(t, obj, &value, &len))
		return -ENOMEM;
	op = op_add(p);
	if (!op) {
		free(value);
		return -ENOMEM;
	}
	vgw_store_obj_key(cur->prefix, t, (const char *)obj, op->key);
	e = find(cur, op->key);
	if (e && e->vlen == len && !memcmp(e->value, value, len)) {
		free(value);
		p->n--;		/* unchanged */
		return 0;
	}
	op->change = e ? '~' : '+';
	op->type = t;
	op->value = value;
	op->len = len;
	op->mod_rev = e ? e->mod_rev : 0;
	if (e)
		p->changed++;
	else
		p->added++;
	return 0;
}

/* A delete of every objects/ key that @doc does not produce. */
static int plan_deletes(const struct vgw_store *cur, const struct vgw_doc *doc,
			struct vgw_store_plan *p)
{
	char pre[VGW_STORE_KEY_MAX];
	size_t first, end, i, plen;
	struct vgw_store_op *op;
	const char *id;
	int t;

	vgw_store_objects_prefix(cur->prefix, pre);
	plen = strlen(pre);
	end = vgw_store_run(cur, pre, &first);
	for (i = first; i < end; i++) {
		t = type_of_key(cur->e[i].key, plen, &id);
		if (t >= 0 && vgw_doc_find(doc, (enum vgw_obj_type)t, id))
			continue;
		op = op_add(p);
		if (!op)
			return -ENOMEM;
		op->change = '-';
		op->type = t < 0 ? VGW_OBJ_NTYPES : (enum vgw_obj_type)t;
		snprintf(op->key, sizeof(op->key), "%s", cur->e[i].key);
		op->mod_rev = cur->e[i].mod_rev;
		p->removed++;
	}
	return 0;
}

/* Deletes in reverse dependency order (unknown keys first), then by key. */
static int cmp_delete(const void *a, const void *b)
{
	const struct vgw_store_op *x = a, *y = b;

	if (x->type != y->type)
		return x->type > y->type ? -1 : 1;
	return strcmp(x->key, y->key);
}

int vgw_store_plan(const struct vgw_store *cur, const struct vgw_doc *doc,
		   struct vgw_store_plan *p)
{
	unsigned int t, i, puts;
	int err = 0;

	memset(p, 0, sizeof(*p));
	for (t = 0; t < VGW_OBJ_NTYPES && !err; t++)
		for (i = 0; i < vgw_doc_count(doc, t) && !err; i++)
			err = plan_put(cur, t, vgw_doc_obj(doc, t, i), p);
	puts = p->n;
	if (!err)
		err = plan_deletes(cur, doc, p);
	if (err) {
		vgw_store_plan_free(p);
		return err;
	}
	if (p->n > puts)
		qsort(p->ops + puts, p->n - puts, sizeof(*p->ops), cmp_delete);
	return 0;
}

void vgw_store_plan_free(struct vgw_store_plan *p)
{
	unsigned int i;

	for (i = 0; i < p->n; i++)
		free(p->ops[i].value);
	free(p->ops);
	memset(p, 0, sizeof(*p));
}

void vgw_store_op_print(const struct vgw_store_op *op, FILE *f)
{
	const char *id = strrchr(op->key, '/');

	if (op->type == VGW_OBJ_NTYPES || !id)
		fprintf(f, "%c key %s\n", op->change, op->key);
	else
		fprintf(f, "%c %s %s\n", op->change, vgw_obj_type_name(op->type),
			id + 1);
}
