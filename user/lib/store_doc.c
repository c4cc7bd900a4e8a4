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
 * the key instead, which is what an operator of etcd can find. A split
 * object's value is its parts assembled (store.c, vgw_store_obj_bytes());
 * the parts' keys are not objects, and are deleted with their object.
 *
 * A value over VGW_STORE_SPLIT_BYTES is planned as parts of a new
 * generation and a head (store_write.c commits them in that order).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "store_priv.h"
#include "vgw.h"

/* The key of each object, by type, in document order (for messages). */
struct keymap {
	const char **keys[VGW_OBJ_NTYPES];
	unsigned int n[VGW_OBJ_NTYPES];
};

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

/*
 * Whether entry @e is a part of a split object (objects/<type>/<id>/parts/
 * <gen>/<k>, with a known type and a valid id): read through its head.
 */
static bool is_part(const struct vgw_store_entry *e, size_t plen)
{
	char okey[VGW_STORE_KEY_MAX];
	unsigned int k;
	const char *id;
	uint64_t gen;
	size_t olen;

	if (!vgw_store_is_part(e->key, e->klen, &olen, &gen, &k) ||
	    olen >= sizeof(okey) || olen <= plen)
		return false;
	memcpy(okey, e->key, olen);
	okey[olen] = '\0';
	return type_of_key(okey, plen, &id) >= 0 && vgw_store_id_valid(id);
}

/*
 * Every key under objects/ must name a known type and a valid id, or be a
 * part of such an object.
 */
static int check_keys(const struct vgw_store *s, char *err, size_t errlen)
{
	char p[VGW_STORE_KEY_MAX];
	size_t first, end, i, plen;
	unsigned int objects = 0;
	const char *id;

	vgw_store_objects_prefix(s->prefix, p);
	plen = strlen(p);
	end = vgw_store_run(s, p, &first);
	for (i = first; i < end; i++) {
		if (strlen(s->e[i].key) != s->e[i].klen)
			return vgw_fail_ret(err, errlen, -EINVAL, "%s...: a key with a NUL byte",
				    s->e[i].key);
		if (is_part(&s->e[i], plen))
			continue;
		if (type_of_key(s->e[i].key, plen, &id) < 0)
			return vgw_fail_ret(err, errlen, -EINVAL,
				    "%s: not objects/<type>/<id> with a known type", s->e[i].key);
		if (!vgw_store_id_valid(id))
			return vgw_fail_ret(err, errlen, -EINVAL,
				    "%s: \"%s\" is not a valid id", s->e[i].key, id);
		objects++;
	}
	/* Parts alone (their head deleted by hand) are no document either. */
	if (!objects)
		return vgw_fail_ret(err, errlen, -ENOENT, "no document in etcd: no key under %s", p);
	return 0;
}

/* The value of entry @e, one object whose id is the key's. */
static int obj_of(const struct vgw_store *s, const struct vgw_store_entry *e,
		  const char *id, json_t **out, char *err, size_t errlen)
{
	json_error_t je;
	const char *jid, *value;
	char *owned;
	size_t len;
	json_t *o;
	int ret;

	ret = vgw_store_obj_bytes(s, e, &value, &len, &owned, err, errlen);
	if (ret)
		return ret;
	o = json_loadb(value, len, 0, &je);
	free(owned);
	if (!json_is_object(o)) {
		json_decref(o);
		return vgw_fail_ret(err, errlen, -EINVAL, "%s: the value is not a JSON object%s%s",
			    e->key, o ? "" : ": ", o ? "" : je.text);
	}
	jid = json_string_value(json_object_get(o, "id"));
	if (!jid || strcmp(jid, id)) {
		vgw_fail_ret(err, errlen, -EINVAL, "%s: the object's id is %s%s%s, not the key's %s",
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
		if (is_part(&s->e[i], strlen(s->prefix) + strlen("objects/")))
			continue;
		ret = obj_of(s, &s->e[i], s->e[i].key + plen, &o, err, errlen);
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

static struct vgw_store_op *op_add(struct vgw_store_plan *p)
{
	struct vgw_store_op *ops = realloc(p->ops, (p->n + 1) * sizeof(*ops));

	if (!ops)
		return NULL;
	p->ops = ops;
	memset(&ops[p->n], 0, sizeof(*ops));
	return &ops[p->n++];
}

/* Whether entry @e holds the object @value (assembled if split). */
static bool holds(const struct vgw_store *cur, const struct vgw_store_entry *e,
		  const char *value, size_t len)
{
	const char *have;
	char *owned, why[8];
	size_t hlen;
	bool same;

	/* A head that does not parse or misses parts: written again. */
	if (!e || vgw_store_obj_bytes(cur, e, &have, &hlen, &owned, why, sizeof(why)))
		return false;
	same = hlen == len && !memcmp(have, value, len);
	free(owned);
	return same;
}

/*
 * A value too big for one key: its parts' generation, one above any in
 * the copy (parts a failed writer left) and above the revision read (two
 * writers that read different revisions never pick the same one; two that
 * read the same one collide on the parts' "absent" conditions, and one
 * starts over).
 */
static int plan_split(const struct vgw_store *cur, struct vgw_store_op *op,
		      uint64_t max_gen)
{
	struct vgw_store_head h = {
		.gen = max_gen + 1,
		.count = (unsigned int)((op->len + VGW_STORE_SPLIT_BYTES - 1) /
					VGW_STORE_SPLIT_BYTES),
		.bytes = op->len,
		.hash = vgw_store_fnv1a64(op->value, op->len),
	};

	if (cur->rev >= 0 && (uint64_t)cur->rev + 1 > h.gen)
		h.gen = (uint64_t)cur->rev + 1;
	op->n_parts = h.count;
	op->gen = h.gen;
	op->head = vgw_store_head_value(strrchr(op->key, '/') + 1, &h, &op->head_len);
	return op->head ? 0 : -ENOMEM;
}

/* A put of object @obj of type @t, if its key does not hold it already. */
static int plan_put(const struct vgw_store *cur, enum vgw_obj_type t,
		    const void *obj, struct vgw_store_plan *p)
{
	const struct vgw_store_entry *e;
	struct vgw_store_op *op;
	uint64_t max_gen;
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
	e = vgw_store_find(cur, op->key);
	if (holds(cur, e, value, len)) {
		free(value);
		p->n--;		/* unchanged */
		return 0;
	}
	op->change = e ? '~' : '+';
	op->type = t;
	op->value = value;
	op->len = len;
	op->mod_rev = e ? e->mod_rev : 0;
	op->had_parts = vgw_store_has_parts(cur, op->key, &max_gen);
	if (e)
		p->changed++;
	else
		p->added++;
	return len > VGW_STORE_SPLIT_BYTES ? plan_split(cur, op, max_gen) : 0;
}

/*
 * Parts at @i whose object has no head: deleted all at once, unless @doc
 * makes the object (its put deletes them). Returns the index after them.
 */
static size_t plan_orphans(const struct vgw_store *cur, const struct vgw_doc *doc,
			   size_t i, size_t plen, struct vgw_store_plan *p,
			   int *err)
{
	char okey[VGW_STORE_KEY_MAX], pre[VGW_STORE_KEY_MAX];
	const struct vgw_store_entry *e = &cur->e[i];
	struct vgw_store_op *op;
	size_t olen, first, end;
	unsigned int k;
	const char *id;
	uint64_t gen;
	int t;

	vgw_store_is_part(e->key, e->klen, &olen, &gen, &k);
	memcpy(okey, e->key, olen);
	okey[olen] = '\0';
	vgw_store_parts_prefix(okey, pre);
	end = vgw_store_run(cur, pre, &first);
	t = type_of_key(okey, plen, &id);
	if (vgw_store_find(cur, okey) || vgw_doc_find(doc, (enum vgw_obj_type)t, id))
		return end;
	op = op_add(p);
	if (!op) {
		*err = -ENOMEM;
		return end;
	}
	op->change = '-';
	op->type = VGW_OBJ_NTYPES;
	op->range = true;
	snprintf(op->key, sizeof(op->key), "%s", pre);
	p->removed++;
	return end;
}

/* A delete of every objects/ key that @doc does not produce. */
static int plan_deletes(const struct vgw_store *cur, const struct vgw_doc *doc,
			struct vgw_store_plan *p)
{
	char pre[VGW_STORE_KEY_MAX];
	size_t first, end, i, plen;
	struct vgw_store_op *op;
	const char *id;
	uint64_t max_gen;
	int t, err = 0;

	vgw_store_objects_prefix(cur->prefix, pre);
	plen = strlen(pre);
	end = vgw_store_run(cur, pre, &first);
	for (i = first; i < end && !err; i++) {
		/* Parts go with their object: its put or its delete. */
		if (is_part(&cur->e[i], plen)) {
			i = plan_orphans(cur, doc, i, plen, p, &err) - 1;
			continue;
		}
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
		op->had_parts = vgw_store_has_parts(cur, op->key, &max_gen);
		p->removed++;
	}
	return err;
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

	for (i = 0; i < p->n; i++) {
		free(p->ops[i].value);
		free(p->ops[i].head);
	}
	free(p->ops);
	memset(p, 0, sizeof(*p));
}

void vgw_store_op_print(const struct vgw_store_op *op, FILE *f)
{
	const char *id = strrchr(op->key, '/');

	if (op->type == VGW_OBJ_NTYPES || !id)
		fprintf(f, "%c key %s\n", op->change, op->key);
	else if (op->n_parts)
		fprintf(f, "%c %s %s (%zu bytes in %u parts)\n", op->change,
			vgw_obj_type_name(op->type), id + 1, op->len, op->n_parts);
	else
		fprintf(f, "%c %s %s\n", op->change, vgw_obj_type_name(op->type),
			id + 1);
}
