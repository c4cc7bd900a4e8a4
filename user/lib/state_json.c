// SPDX-License-Identifier: GPL-2.0
/*
 * Strict reading of JSON fields for the desired-state parser: each reader
 * checks presence, JSON type and text syntax, and on a refusal writes one
 * message that starts with the path of the field. Declared in state_json.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "state_json.h"

#define FAIL(c, ...) vgw_st_fail((c)->err, (c)->errlen, __VA_ARGS__)

const char *vgw_st_path(char *buf, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, VGW_ST_PATH_LEN, fmt, ap);
	va_end(ap);
	return buf;
}

/* --- JSON types and keys -------------------------------------------------- */

const char *vgw_st_jtype(json_type t)
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

int vgw_st_want(struct vgw_st_pctx *c, json_t *v, json_type t, const char *path)
{
	if (is_type(v, t))
		return 0;
	return FAIL(c, "%s: expected %s, got %s", path, vgw_st_jtype(t),
		    vgw_st_jtype(json_typeof(v)));
}

/* Refuses any key of o that is not in the NULL-terminated list keys. */
int vgw_st_keys(struct vgw_st_pctx *c, json_t *o, const char *at,
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
int vgw_st_field(struct vgw_st_pctx *c, json_t *o, const char *at,
		 const char *key, json_type t, bool required, json_t **out)
{
	char p[VGW_ST_PATH_LEN];
	json_t *v = json_object_get(o, key);

	*out = NULL;
	vgw_st_path(p, "%s.%s", at, key);
	if (!v)
		return required ? FAIL(c, "%s: missing (required)", p) : 0;
	if (vgw_st_want(c, v, t, p))
		return -EINVAL;
	*out = v;
	return 0;
}

/*
 * A list of n in [min, max] elements of size bytes each, each parsed by fn
 * into a new array (*arr, zeroed, owned by the object even on failure).
 */
int vgw_st_list(struct vgw_st_pctx *c, json_t *o, const char *at,
		const char *key, unsigned int min, unsigned int max,
		    size_t size, vgw_st_elem_fn fn, void **arr, unsigned int *n)
{
	char p[VGW_ST_PATH_LEN];
	json_t *a, *v;
	size_t i, cnt;
	int err;

	err = vgw_st_field(c, o, at, key, JSON_ARRAY, min > 0, &a);
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
		err = fn(c, v, vgw_st_path(p, "%s.%s[%zu]", at, key, i),
			 (char *)*arr + i * size);
		if (err)
			return err;
	}
	return 0;
}

/* --- scalars -------------------------------------------------------------- */

static const char id_chars[] =
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";

/* Copies s to out if it is an id. */
static bool id_ok(const char *s, char out[VGW_ID_MAX])
{
	size_t n = strlen(s);

	if (!n || n >= VGW_ID_MAX || strspn(s, id_chars) != n)
		return false;
	memcpy(out, s, n + 1);
	return true;
}

int vgw_st_id_text(struct vgw_st_pctx *c, const char *s, const char *path,
		   char out[VGW_ID_MAX])
{
	if (id_ok(s, out))
		return 0;
	return FAIL(c, "%s: \"%s\" is not a valid id ([A-Za-z0-9._-]{1,63})",
		    path, s);
}

/* The id after a "tag:" prefix, e.g. "service:all". */
int vgw_st_tagged_id(struct vgw_st_pctx *c, const char *s, size_t tag_len,
		     const char *path, char out[VGW_ID_MAX])
{
	const char *id = s + tag_len;

	if (id_ok(id, out))
		return 0;
	return FAIL(c, "%s: \"%s\": \"%s\" is not a valid id ([A-Za-z0-9._-]{1,63})",
		    path, s, id);
}

int vgw_st_elem_id(struct vgw_st_pctx *c, json_t *v, const char *path,
		   void *out)
{
	if (vgw_st_want(c, v, JSON_STRING, path))
		return -EINVAL;
	return vgw_st_id_text(c, json_string_value(v), path, out);
}

int vgw_st_id(struct vgw_st_pctx *c, json_t *o, const char *at, const char *key,
	      bool required, char out[VGW_ID_MAX])
{
	char p[VGW_ST_PATH_LEN];
	json_t *v;
	int err = vgw_st_field(c, o, at, key, JSON_STRING, required, &v);

	if (err || !v)
		return err;
	return vgw_st_id_text(c, json_string_value(v), vgw_st_path(p, "%s.%s", at, key),
			 out);
}

int vgw_st_addr_text(struct vgw_st_pctx *c, const char *s, const char *path,
		     struct vgw_addr *a)
{
	if (vgw_addr_parse(s, a))
		return FAIL(c, "%s: \"%s\" is not an IPv4 or IPv6 address",
			    path, s);
	return 0;
}

int vgw_st_elem_addr(struct vgw_st_pctx *c, json_t *v, const char *path,
		     void *out)
{
	if (vgw_st_want(c, v, JSON_STRING, path))
		return -EINVAL;
	return vgw_st_addr_text(c, json_string_value(v), path, out);
}

int vgw_st_addr(struct vgw_st_pctx *c, json_t *o, const char *at,
		const char *key, bool required, struct vgw_addr *a)
{
	char p[VGW_ST_PATH_LEN];
	json_t *v;
	int err = vgw_st_field(c, o, at, key, JSON_STRING, required, &v);

	if (err || !v)
		return err;
	return vgw_st_elem_addr(c, v, vgw_st_path(p, "%s.%s", at, key), a);
}

/* Host bits set are refused, as OCI does: a prefix has one spelling. */
int vgw_st_prefix_text(struct vgw_st_pctx *c, const char *s, const char *path,
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

int vgw_st_elem_prefix(struct vgw_st_pctx *c, json_t *v, const char *path,
		       void *out)
{
	if (vgw_st_want(c, v, JSON_STRING, path))
		return -EINVAL;
	return vgw_st_prefix_text(c, json_string_value(v), path, out);
}

int vgw_st_prefix(struct vgw_st_pctx *c, json_t *o, const char *at,
		  const char *key, struct vgw_prefix *p)
{
	char path[VGW_ST_PATH_LEN];
	json_t *v;
	int err = vgw_st_field(c, o, at, key, JSON_STRING, true, &v);

	if (err)
		return err;
	return vgw_st_elem_prefix(c, v, vgw_st_path(path, "%s.%s", at, key), p);
}

/* An integer in [min, max]; *out is left alone when absent. */
int vgw_st_uint(struct vgw_st_pctx *c, json_t *o, const char *at,
		const char *key, bool required, uint32_t min, uint32_t max,
		    uint32_t *out)
{
	json_int_t n;
	json_t *v;
	int err = vgw_st_field(c, o, at, key, JSON_INTEGER, required, &v);

	if (err || !v)
		return err;
	n = json_integer_value(v);
	if (n < min || n > max)
		return FAIL(c, "%s.%s: %lld is out of range %u-%u", at, key,
			    (long long)n, min, max);
	*out = (uint32_t)n;
	return 0;
}

int vgw_st_bool(struct vgw_st_pctx *c, json_t *o, const char *at,
		const char *key, bool *out)
{
	json_t *v;
	int err = vgw_st_field(c, o, at, key, JSON_TRUE, false, &v);

	if (!err && v)
		*out = json_is_true(v);
	return err;
}

int vgw_st_encap(struct vgw_st_pctx *c, json_t *o, const char *at,
		 enum vgw_encap *e)
{
	const char *s;
	json_t *v;
	int err = vgw_st_field(c, o, at, "encap", JSON_STRING, false, &v);

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

int vgw_st_object(struct vgw_st_pctx *c, json_t *o, const char *at,
		  const char *key, bool required, const char *const *keys,
		      json_t **out)
{
	char p[VGW_ST_PATH_LEN];
	int err = vgw_st_field(c, o, at, key, JSON_OBJECT, required, out);

	if (err || !*out)
		return err;
	return vgw_st_keys(c, *out, vgw_st_path(p, "%s.%s", at, key), keys);
}

