/* SPDX-License-Identifier: GPL-2.0 */
/* The store's copy of the keys, shared by store.c and store_doc.c. */
#ifndef VGW_STORE_PRIV_H
#define VGW_STORE_PRIV_H

#include "store.h"

struct vgw_store_entry {
	char *key;		/* NUL-terminated copies */
	size_t klen;
	char *value;
	size_t vlen;
	int64_t mod_rev;
};

struct vgw_store {
	char prefix[VGW_STORE_PREFIX_MAX];
	struct vgw_store_entry *e;	/* sorted by key (memcmp) */
	size_t n, cap;
	int64_t rev;			/* of the last vgw_store_load() */
};

/* The entries whose key starts with @p: [*first, return value). */
size_t vgw_store_run(const struct vgw_store *s, const char *p, size_t *first);
/* The entry of exactly @key, or NULL. */
const struct vgw_store_entry *vgw_store_find(const struct vgw_store *s,
					     const char *key);

/* What the head of a split object says (store.h). */
struct vgw_store_head {
	uint64_t gen;
	unsigned int count;
	size_t bytes;
	uint64_t hash;		/* FNV-1a 64 of the whole value */
};

/*
 * Whether @value is a split object's head: 1 (and *h), 0 (an ordinary
 * value), or -EINVAL for a value that has "parts" but not in the head's
 * form (message in err, without the key).
 */
int vgw_store_head_parse(const char *value, size_t len,
			 struct vgw_store_head *h, char *err, size_t errlen);
/* The head's value for object @id. Malloc'd. */
char *vgw_store_head_value(const char *id, const struct vgw_store_head *h,
			   size_t *len);
uint64_t vgw_store_fnv1a64(const void *p, size_t n);
/*
 * Whether @key (under PREFIX/objects/) is a part of a split object:
 * <object key>/parts/<gen>/<k>. *olen: the object key's length.
 */
bool vgw_store_is_part(const char *key, size_t klen, size_t *olen,
		       uint64_t *gen, unsigned int *k);
/*
 * The object's value held by entry @e: its own value, or its parts
 * assembled (then *owned is that buffer, to free; else NULL). 0; -EAGAIN
 * when parts of the head's generation are missing or do not match it
 * (a write in progress, or keys deleted by hand); -EINVAL for a head
 * that does not parse; -ENOMEM. Messages name the key.
 */
int vgw_store_obj_bytes(const struct vgw_store *s,
			const struct vgw_store_entry *e, const char **value,
			size_t *len, char **owned, char *err, size_t errlen);
/* Whether any key is under <@obj_key>/parts/; the highest generation. */
bool vgw_store_has_parts(const struct vgw_store *s, const char *obj_key,
			 uint64_t *max_gen);

#endif /* VGW_STORE_PRIV_H */
