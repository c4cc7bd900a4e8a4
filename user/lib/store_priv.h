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
};

/* The entries whose key starts with @p: [*first, return value). */
size_t vgw_store_run(const struct vgw_store *s, const char *p, size_t *first);

#endif /* VGW_STORE_PRIV_H */
