// SPDX-License-Identifier: GPL-2.0
/*
 * The store's local copy of the keys under a prefix (store.h), and the
 * document and the members it describes. No I/O here: store_write.c talks
 * to etcd.
 *
 * The copy is an array sorted by key (memcmp order, as etcd sorts), so that
 * the keys of one object type, which share a prefix, are one run of it.
 * store_doc.c reads the document out of it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "etcd.h"
#include "store_priv.h"
#include "vgw.h"

bool vgw_store_id_valid(const char *id)
{
	size_t n = strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			  "0123456789._-");

	return n && n < VGW_ID_MAX && !id[n];
}

int vgw_store_prefix_norm(const char *in, char out[VGW_STORE_PREFIX_MAX],
			  char *err, size_t errlen)
{
	size_t n = strlen(in);

	if (in[0] != '/' || n + 2 > VGW_STORE_PREFIX_MAX) {
		snprintf(err, errlen, "etcd prefix \"%s\": must start with / and be shorter than %d bytes",
			 in, VGW_STORE_PREFIX_MAX - 1);
		return -EINVAL;
	}
	snprintf(out, VGW_STORE_PREFIX_MAX, "%s%s", in, in[n - 1] == '/' ? "" : "/");
	return 0;
}

void vgw_store_obj_key(const char *prefix, enum vgw_obj_type t,
		       const char *id, char key[VGW_STORE_KEY_MAX])
{
	snprintf(key, VGW_STORE_KEY_MAX, "%sobjects/%s/%s", prefix,
		 vgw_obj_type_name(t), id);
}

void vgw_store_objects_prefix(const char *prefix, char key[VGW_STORE_KEY_MAX])
{
	snprintf(key, VGW_STORE_KEY_MAX, "%sobjects/", prefix);
}

void vgw_store_member_key(const char *prefix, const char *id,
			  char key[VGW_STORE_KEY_MAX])
{
	snprintf(key, VGW_STORE_KEY_MAX, "%smembers/%s", prefix, id);
}

void vgw_store_keys_key(const char *prefix, char key[VGW_STORE_KEY_MAX])
{
	snprintf(key, VGW_STORE_KEY_MAX, "%scluster/keys", prefix);
}

void vgw_store_parts_prefix(const char *obj_key, char key[VGW_STORE_KEY_MAX])
{
	snprintf(key, VGW_STORE_KEY_MAX, "%s/parts/", obj_key);
}

void vgw_store_gen_prefix(const char *obj_key, uint64_t gen,
			  char key[VGW_STORE_KEY_MAX])
{
	snprintf(key, VGW_STORE_KEY_MAX, "%s/parts/%" PRIu64 "/", obj_key, gen);
}

void vgw_store_part_key(const char *obj_key, uint64_t gen, unsigned int k,
			char key[VGW_STORE_KEY_MAX])
{
	snprintf(key, VGW_STORE_KEY_MAX, "%s/parts/%" PRIu64 "/%u", obj_key,
		 gen, k);
}

uint64_t vgw_store_fnv1a64(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = 0xcbf29ce484222325ULL;

	while (n--) {
		h ^= *b++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/*
 * A decimal number as the store writes them (no sign, no leading zero),
 * the @n bytes before @end: the digits' start, or NULL.
 */
static const char *num_before(const char *start, const char *end,
			      uint64_t *v)
{
	const char *p = end;

	while (p > start && p[-1] >= '0' && p[-1] <= '9' && end - p < 19)
		p--;
	if (p == end || (p[0] == '0' && end - p > 1))
		return NULL;
	*v = strtoull(p, NULL, 10);
	return p;
}

bool vgw_store_is_part(const char *key, size_t klen, size_t *olen,
		       uint64_t *gen, unsigned int *k)
{
	static const char parts[] = "/parts/";
	const char *p, *end = key + klen;
	uint64_t v;

	p = num_before(key, end, &v);
	if (!p || v > UINT32_MAX || p == key || *--p != '/')
		return false;
	*k = (unsigned int)v;
	p = num_before(key, p, gen);
	if (!p || (size_t)(p - key) < sizeof(parts) ||
	    memcmp(p - (sizeof(parts) - 1), parts, sizeof(parts) - 1))
		return false;
	*olen = (size_t)(p - (sizeof(parts) - 1) - key);
	return true;
}

int vgw_store_head_parse(const char *value, size_t len,
			 struct vgw_store_head *h, char *err, size_t errlen)
{
	json_int_t gen, count, bytes;
	const char *hash;
	json_t *o, *p;
	int ret = 0;

	/* Heads are short; an object's JSON never has a "parts" member. */
	if (len > 1024 || !memmem(value, len, "\"parts\"", 7))
		return 0;
	o = json_loadb(value, len, 0, NULL);
	p = json_object_get(o, "parts");
	if (!json_is_object(o) || !p)
		goto out;	/* not a head: the object's reader says why */
	ret = -EINVAL;
	if (json_object_size(o) != 2 || !json_is_string(json_object_get(o, "id")) ||
	    json_unpack(p, "{s:I, s:I, s:I, s:s !}", "generation", &gen,
			"count", &count, "bytes", &bytes, "fnv1a64", &hash) ||
	    gen <= 0 || count <= 0 || count > UINT32_MAX || bytes < count ||
	    strlen(hash) != 16 || strspn(hash, "0123456789abcdef") != 16) {
		snprintf(err, errlen, "not a split object's head ({\"id\": ID, \"parts\": {\"generation\": G, \"count\": N, \"bytes\": B, \"fnv1a64\": HEX}})");
		goto out;
	}
	h->gen = (uint64_t)gen;
	h->count = (unsigned int)count;
	h->bytes = (size_t)bytes;
	h->hash = strtoull(hash, NULL, 16);
	ret = 1;
out:
	json_decref(o);
	return ret;
}

char *vgw_store_head_value(const char *id, const struct vgw_store_head *h,
			   size_t *len)
{
	char *v = NULL;
	int n = asprintf(&v, "{\"id\":\"%s\",\"parts\":{\"generation\":%" PRIu64
			 ",\"count\":%u,\"bytes\":%zu,\"fnv1a64\":\"%016" PRIx64 "\"}}",
			 id, h->gen, h->count, h->bytes, h->hash);

	if (n < 0)
		return NULL;
	*len = (size_t)n;
	return v;
}

int vgw_store_obj_value(enum vgw_obj_type t, const void *obj, char **value,
			size_t *len)
{
	FILE *f = open_memstream(value, len);
	int err;

	if (!f)
		return -ENOMEM;
	err = vgw_obj_write_json(t, obj, f);
	if (fclose(f) && !err)
		err = -ENOMEM;
	if (err) {
		free(*value);
		*value = NULL;
	}
	return err;
}

struct vgw_store *vgw_store_new(const char *prefix)
{
	struct vgw_store *s = calloc(1, sizeof(*s));

	if (s)
		snprintf(s->prefix, sizeof(s->prefix), "%s", prefix);
	return s;
}

static int part_of(const struct vgw_store *s, const char *key, size_t klen);

/* A value let go; the cluster keys' is wiped first (it holds secrets). */
static void drop_value(const struct vgw_store *s, struct vgw_store_entry *e)
{
	if (e->value && part_of(s, e->key, e->klen) == VGW_STORE_KEYS)
		explicit_bzero(e->value, e->vlen);
	free(e->value);
	e->value = NULL;
}

static void clear(struct vgw_store *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		drop_value(s, &s->e[i]);
		free(s->e[i].key);
	}
	s->n = 0;
}

void vgw_store_free(struct vgw_store *s)
{
	if (!s)
		return;
	clear(s);
	free(s->e);
	free(s);
}

const char *vgw_store_prefix(const struct vgw_store *s)
{
	return s->prefix;
}

static int keycmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	return c ? c : (alen > blen) - (alen < blen);
}

/* Index of the first entry >= key (n if none). */
static size_t lower_bound(const struct vgw_store *s, const char *key,
			  size_t klen)
{
	size_t lo = 0, hi = s->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (keycmp(s->e[mid].key, s->e[mid].klen, key, klen) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool has_prefix(const char *key, size_t klen, const char *prefix)
{
	size_t n = strlen(prefix);

	return klen >= n && !memcmp(key, prefix, n);
}

/* Which part of the store a key is in (0: neither). */
static int part_of(const struct vgw_store *s, const char *key, size_t klen)
{
	size_t n = strlen(s->prefix);

	if (!has_prefix(key, klen, s->prefix))
		return 0;
	if (has_prefix(key + n, klen - n, "objects/"))
		return VGW_STORE_OBJECTS;
	if (has_prefix(key + n, klen - n, "members/"))
		return VGW_STORE_MEMBERS;
	if (klen - n == strlen("cluster/keys") &&
	    has_prefix(key + n, klen - n, "cluster/keys"))
		return VGW_STORE_KEYS;
	return 0;
}

static char *dup_bytes(const char *p, size_t n)
{
	char *d = malloc(n + 1);

	if (d) {
		memcpy(d, p, n);
		d[n] = '\0';
	}
	return d;
}

/* Insert a new entry at @i. */
static int insert(struct vgw_store *s, size_t i, const char *key, size_t klen)
{
	struct vgw_store_entry *e;

	if (s->n == s->cap) {
		e = realloc(s->e, (s->cap ? s->cap * 2 : 64) * sizeof(*e));
		if (!e)
			return -ENOMEM;
		s->e = e;
		s->cap = s->cap ? s->cap * 2 : 64;
	}
	memmove(&s->e[i + 1], &s->e[i], (s->n - i) * sizeof(*s->e));
	s->e[i] = (struct vgw_store_entry){ .key = dup_bytes(key, klen), .klen = klen };
	s->n++;
	return s->e[i].key ? 0 : -ENOMEM;
}

/*
 * What a change of @key does to the document: a part matters only to the
 * head that names its generation (a part of a write in progress, or an
 * old one deleted, changes nothing a reader sees).
 */
static int effect(const struct vgw_store *s, const char *key, size_t klen,
		  int part)
{
	char okey[VGW_STORE_KEY_MAX], why[8];
	const struct vgw_store_entry *head;
	struct vgw_store_head h;
	unsigned int k;
	uint64_t gen;
	size_t olen;

	if (part != VGW_STORE_OBJECTS ||
	    !vgw_store_is_part(key, klen, &olen, &gen, &k) ||
	    olen >= sizeof(okey))
		return part;
	memcpy(okey, key, olen);
	okey[olen] = '\0';
	head = vgw_store_find(s, okey);
	if (!head || vgw_store_head_parse(head->value, head->vlen, &h, why, sizeof(why)) != 1 ||
	    h.gen != gen)
		return 0;
	return part;
}

int vgw_store_set(struct vgw_store *s, const char *key, size_t klen,
		  const char *value, size_t vlen, int64_t mod_rev)
{
	int part = part_of(s, key, klen);
	size_t i = lower_bound(s, key, klen);
	struct vgw_store_entry *e;
	char *v;

	if (!part)
		return 0;
	if (i == s->n || keycmp(s->e[i].key, s->e[i].klen, key, klen)) {
		if (insert(s, i, key, klen))
			return -ENOMEM;
	} else if (s->e[i].vlen == vlen && !memcmp(s->e[i].value, value, vlen)) {
		s->e[i].mod_rev = mod_rev;
		return 0;
	}
	e = &s->e[i];
	v = dup_bytes(value, vlen);
	if (!v)
		return -ENOMEM;
	drop_value(s, e);
	e->value = v;
	e->vlen = vlen;
	e->mod_rev = mod_rev;
	return effect(s, key, klen, part);
}

int vgw_store_del(struct vgw_store *s, const char *key, size_t klen)
{
	size_t i = lower_bound(s, key, klen);
	int part;

	if (i == s->n || keycmp(s->e[i].key, s->e[i].klen, key, klen))
		return 0;
	part = effect(s, key, klen, part_of(s, key, klen));
	drop_value(s, &s->e[i]);
	free(s->e[i].key);
	memmove(&s->e[i], &s->e[i + 1], (s->n - i - 1) * sizeof(*s->e));
	s->n--;
	return part;
}

/*
 * A full read replaces everything; the caller compares the document and the
 * members it then derives with what it had, so both count as changed.
 */
int vgw_store_load(struct vgw_store *s, const struct vgw_etcd_kvs *kvs)
{
	size_t k;
	int ret;

	clear(s);
	s->rev = kvs->rev;
	for (k = 0; k < kvs->n; k++) {
		ret = vgw_store_set(s, kvs->kv[k].key, kvs->kv[k].key_len,
				    kvs->kv[k].value, kvs->kv[k].value_len,
				    kvs->kv[k].mod_rev);
		if (ret < 0)
			return ret;
	}
	return VGW_STORE_OBJECTS | VGW_STORE_MEMBERS | VGW_STORE_KEYS;
}

int vgw_store_keys_value(const struct vgw_store *s, const char **value,
			 size_t *len, int64_t *mod_rev)
{
	char key[VGW_STORE_KEY_MAX];
	size_t i, klen;

	vgw_store_keys_key(s->prefix, key);
	klen = strlen(key);
	i = lower_bound(s, key, klen);
	if (i == s->n || keycmp(s->e[i].key, s->e[i].klen, key, klen))
		return -ENOENT;
	*value = s->e[i].value;
	*len = s->e[i].vlen;
	*mod_rev = s->e[i].mod_rev;
	return 0;
}

size_t vgw_store_run(const struct vgw_store *s, const char *p, size_t *first)
{
	size_t i = lower_bound(s, p, strlen(p));

	*first = i;
	while (i < s->n && has_prefix(s->e[i].key, s->e[i].klen, p))
		i++;
	return i;
}

const struct vgw_store_entry *vgw_store_find(const struct vgw_store *s,
					     const char *key)
{
	size_t klen = strlen(key), i = lower_bound(s, key, klen);

	if (i == s->n || keycmp(s->e[i].key, s->e[i].klen, key, klen))
		return NULL;
	return &s->e[i];
}

unsigned int vgw_store_n_objects(const struct vgw_store *s)
{
	char p[VGW_STORE_KEY_MAX];
	size_t first, end, olen;
	unsigned int n = 0, k;
	uint64_t gen;

	vgw_store_objects_prefix(s->prefix, p);
	end = vgw_store_run(s, p, &first);
	for (; first < end; first++)
		if (!vgw_store_is_part(s->e[first].key, s->e[first].klen, &olen,
				       &gen, &k))
			n++;
	return n;
}

bool vgw_store_has_parts(const struct vgw_store *s, const char *obj_key,
			 uint64_t *max_gen)
{
	char p[VGW_STORE_KEY_MAX];
	size_t first, end, olen, i;
	unsigned int k;
	uint64_t gen;

	vgw_store_parts_prefix(obj_key, p);
	end = vgw_store_run(s, p, &first);
	*max_gen = 0;
	for (i = first; i < end; i++)
		if (vgw_store_is_part(s->e[i].key, s->e[i].klen, &olen, &gen, &k) &&
		    gen > *max_gen)
			*max_gen = gen;
	return end > first;
}

int vgw_store_obj_bytes(const struct vgw_store *s,
			const struct vgw_store_entry *e, const char **value,
			size_t *len, char **owned, char *err, size_t errlen)
{
	char pk[VGW_STORE_KEY_MAX], why[256];
	const struct vgw_store_entry *pe;
	struct vgw_store_head h;
	size_t off = 0;
	unsigned int k;
	char *buf;
	int ret;

	*owned = NULL;
	ret = vgw_store_head_parse(e->value, e->vlen, &h, why, sizeof(why));
	if (ret < 0)
		return vgw_fail_ret(err, errlen, ret, "%s: %s", e->key, why);
	if (!ret) {
		*value = e->value;
		*len = e->vlen;
		return 0;
	}
	buf = malloc(h.bytes + 1);
	if (!buf)
		return -ENOMEM;
	for (k = 0; k < h.count; k++) {
		vgw_store_part_key(e->key, h.gen, k, pk);
		pe = vgw_store_find(s, pk);
		if (!pe || pe->vlen > h.bytes - off) {
			free(buf);
			return vgw_fail_ret(err, errlen, -EAGAIN,
				    "%s: part %u of the %u of generation %" PRIu64 " %s",
				    e->key, k, h.count, h.gen, pe ?
				    "makes more than the head's bytes" : "is not there (yet)");
		}
		memcpy(buf + off, pe->value, pe->vlen);
		off += pe->vlen;
	}
	if (off != h.bytes || vgw_store_fnv1a64(buf, off) != h.hash) {
		free(buf);
		return vgw_fail_ret(err, errlen, -EAGAIN,
			    "%s: the %u parts of generation %" PRIu64 " are %zu bytes%s, not the head's %zu bytes and hash",
			    e->key, h.count, h.gen, off,
			    off == h.bytes ? " of another hash" : "", h.bytes);
	}
	buf[off] = '\0';
	*value = buf;
	*len = off;
	*owned = buf;
	return 0;
}

int vgw_store_members(const struct vgw_store *s, const char ***ids)
{
	char p[VGW_STORE_KEY_MAX];
	size_t first, end, i, plen;
	const char **out;
	int n = 0;

	vgw_store_member_key(s->prefix, "", p);
	plen = strlen(p);
	end = vgw_store_run(s, p, &first);
	out = calloc(end - first + 1, sizeof(*out));
	if (!out)
		return -ENOMEM;
	/* Keys are sorted, so the ids are: memcmp order is strcmp order. */
	for (i = first; i < end; i++)
		if (strlen(s->e[i].key) == s->e[i].klen &&
		    vgw_store_id_valid(s->e[i].key + plen))
			out[n++] = s->e[i].key + plen;
	*ids = out;
	return n;
}
