/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared between the state_*.c files only: not part of libvnicgw's API
 * (the vgw_st_ prefix marks these names as internal).
 */
#ifndef VGW_STATE_PRIV_H
#define VGW_STATE_PRIV_H

#include "state.h"

/* What code over all object types needs to know about one type. */
struct vgw_st_type {
	const char *name;	/* "vnic" */
	const char *key;	/* "vnics" */
	size_t size;
	size_t arr_off;		/* of the array in struct vgw_doc */
	size_t cnt_off;		/* of its count */
	bool (*equal)(const void *a, const void *b);
	void (*free)(void *obj);
};

extern const struct vgw_st_type vgw_st_types[VGW_OBJ_NTYPES];

static inline void *vgw_st_arr(const struct vgw_doc *d, enum vgw_obj_type t)
{
	return *(void **)((char *)d + vgw_st_types[t].arr_off);
}

static inline unsigned int *vgw_st_cnt(const struct vgw_doc *d,
				       enum vgw_obj_type t)
{
	return (unsigned int *)((char *)d + vgw_st_types[t].cnt_off);
}

static inline const void *vgw_st_obj(const struct vgw_doc *d,
				     enum vgw_obj_type t, unsigned int i)
{
	const char *arr = vgw_st_arr(d, t);

	return arr + (size_t)i * vgw_st_types[t].size;
}

/* A prefix as written, host bits allowed (the validator refuses them). */
int vgw_st_prefix_parse_loose(const char *s, struct vgw_prefix *p);
bool vgw_st_prefix_has_host_bits(const struct vgw_prefix *p);
/* The prefix with its host bits cleared. */
void vgw_st_prefix_mask(const struct vgw_prefix *p, struct vgw_prefix *out);

/* Writes the message (printf-style) and returns -EINVAL. */
int vgw_st_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Parts of vgw_doc_normalize(): objects by id (then pos), route rules by
 * destination (then pos). The validator sorts these first (its lookups need
 * them) and the other sets last (its messages use their document indices).
 */
void vgw_st_sort_objects(struct vgw_doc *d);
void vgw_st_sort_route_rules(struct vgw_doc *d);

/*
 * The document-wide checks of the validator (state_unique.c): run last,
 * when every reference resolves. 0 or -EINVAL/-ENOMEM with a message.
 */
int vgw_st_check_unique(const struct vgw_doc *d, char *err, size_t errlen);

/* Order of route rules by destination (the set's key). */
int vgw_st_route_dst_cmp(const struct vgw_route_rule *a,
			 const struct vgw_route_rule *b);

#endif /* VGW_STATE_PRIV_H */
