/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Readers of JSON fields for the desired-state parser (state_json.c), shared
 * by the state_*.c files only. Conventions: at is the path of the object
 * ("vnics[3]"), key the field; a reader returns 0 or -EINVAL (-ENOMEM) after
 * writing "<at>.<key>: <why>" into c->err. An optional field that is absent
 * leaves its output alone.
 */
#ifndef VGW_STATE_JSON_H
#define VGW_STATE_JSON_H

#include <jansson.h>

#include "state_priv.h"

#define VGW_ST_PATH_LEN 160

struct vgw_st_pctx {
	char *err;
	size_t errlen;
};

/* Parses one array element at path into out. */
typedef int (*vgw_st_elem_fn)(struct vgw_st_pctx *c, json_t *v,
			      const char *path, void *out);

/* printf into buf (VGW_ST_PATH_LEN bytes); returns buf. */
const char *vgw_st_path(char *buf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "an object", "a string", ... */
const char *vgw_st_jtype(json_type t);

int vgw_st_want(struct vgw_st_pctx *c, json_t *v, json_type t,
		const char *path);
/* Refuses any key of o not in the NULL-terminated list keys. */
int vgw_st_keys(struct vgw_st_pctx *c, json_t *o, const char *at,
		const char *const *keys);
/* *out: the value of key, of type t (NULL if absent and not required). */
int vgw_st_field(struct vgw_st_pctx *c, json_t *o, const char *at,
		 const char *key, json_type t, bool required, json_t **out);
/*
 * An array of [min, max] elements of size bytes, each parsed by fn, into a
 * new zeroed *arr (owned by the object even on failure) of *n elements.
 * min > 0 makes the field required.
 */
int vgw_st_list(struct vgw_st_pctx *c, json_t *o, const char *at,
		const char *key, unsigned int min, unsigned int max,
		size_t size, vgw_st_elem_fn fn, void **arr, unsigned int *n);
/*
 * An object field with the keys it may have. Unlike the other readers,
 * *out is set (to NULL) when it is absent.
 */
int vgw_st_object(struct vgw_st_pctx *c, json_t *o, const char *at,
		  const char *key, bool required, const char *const *keys,
		  json_t **out);

/* Ids: [A-Za-z0-9._-]{1,63}; tagged: the id after a tag_len-long "tag:". */
int vgw_st_id_text(struct vgw_st_pctx *c, const char *s, const char *path,
		   char out[VGW_ID_MAX]);
int vgw_st_tagged_id(struct vgw_st_pctx *c, const char *s, size_t tag_len,
		     const char *path, char out[VGW_ID_MAX]);
int vgw_st_id(struct vgw_st_pctx *c, json_t *o, const char *at,
	      const char *key, bool required, char out[VGW_ID_MAX]);
int vgw_st_elem_id(struct vgw_st_pctx *c, json_t *v, const char *path,
		   void *out);

/* Addresses; prefixes refuse host bits (naming the right prefix). */
int vgw_st_addr_text(struct vgw_st_pctx *c, const char *s, const char *path,
		     struct vgw_addr *a);
int vgw_st_addr(struct vgw_st_pctx *c, json_t *o, const char *at,
		const char *key, bool required, struct vgw_addr *a);
int vgw_st_elem_addr(struct vgw_st_pctx *c, json_t *v, const char *path,
		     void *out);
int vgw_st_prefix_text(struct vgw_st_pctx *c, const char *s,
		       const char *path, struct vgw_prefix *p);
/* A required prefix field. */
int vgw_st_prefix(struct vgw_st_pctx *c, json_t *o, const char *at,
		  const char *key, struct vgw_prefix *p);
int vgw_st_elem_prefix(struct vgw_st_pctx *c, json_t *v, const char *path,
		       void *out);

/* An integer in [min, max]. */
int vgw_st_uint(struct vgw_st_pctx *c, json_t *o, const char *at,
		const char *key, bool required, uint32_t min, uint32_t max,
		uint32_t *out);
int vgw_st_bool(struct vgw_st_pctx *c, json_t *o, const char *at,
		const char *key, bool *out);
/* "encap": vxlan (also when absent) or geneve. */
int vgw_st_encap(struct vgw_st_pctx *c, json_t *o, const char *at,
		 enum vgw_encap *e);

#endif /* VGW_STATE_JSON_H */
