/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The objects of a desired-state document (state.h) in the kernel's tables:
 * encoding to and decoding from the vnicgw netlink attributes, dumping the
 * kernel's tables into a document, and applying a document (the difference
 * only, in one transaction).
 */
#ifndef VGW_NLOBJ_H
#define VGW_NLOBJ_H

#include <stdio.h>

#include "state.h"
#include "vgw.h"

struct nl_msg;
struct nlattr;

/*
 * Add the object nest (VNICGW_A_VCN, ...) of @obj to @msg: 0 or -errno;
 * -E2BIG for a route table too large for one attribute (see below).
 */
int vgw_obj_put(struct nl_msg *msg, enum vgw_obj_type t, const void *obj);

/*
 * A netlink attribute holds < 64 KiB, so a large route table travels in
 * parts (uapi: VNICGW_RT_APPEND), each with about this many bytes of rules
 * (~1,000 IPv4 rules), set one after the other in one transaction.
 */
#define VGW_RT_PART_BYTES	(40 * 1024)

/*
 * The part of @obj that starts at list item *@from (route tables; other
 * types are always whole): the first part is an ordinary object nest, the
 * later ones appends. Advances *@from past what it added.
 */
int vgw_obj_put_part(struct nl_msg *msg, enum vgw_obj_type t, const void *obj,
		     unsigned int *from);
/*
 * Decode the object nest found among the top-level attributes @tb into a
 * new element of @d (not normalised). A later part of a split route table
 * (VNICGW_RT_APPEND) adds its rules to the route table decoded last, which
 * must have its id. 0 or -EPROTO (with a message).
 */
int vgw_obj_decode(struct nlattr **tb, struct vgw_doc *d, char *err,
		   size_t errlen);

/* The kernel's tables as a normal-form document. */
int vgw_dump_doc(struct vgw_client *c, struct vgw_doc **out);

/* When each object was last set: the generation of that commit. */
struct vgw_obj_gen {
	enum vgw_obj_type type;
	char id[VGW_ID_MAX];
	uint64_t gen;
};

/* The same, with the objects' generations (sorted; free() them). */
int vgw_dump_doc_gens(struct vgw_client *c, struct vgw_doc **out,
		      struct vgw_obj_gen **gens, unsigned int *n_gens);
/* The generation of (@t, @id) in @gens, or 0. */
uint64_t vgw_obj_gen_find(const struct vgw_obj_gen *gens, unsigned int n,
			  enum vgw_obj_type t, const char *id);

enum {
	VGW_APPLY_DRY_RUN = 1 << 0,	/* print the difference, change nothing */
};

struct vgw_apply_stats {
	unsigned int added, changed, removed;
};

/*
 * Make the kernel's tables equal to @want (normal form), changing only what
 * differs, in one transaction. Each change is reported on @log ("+ vnic x",
 * "~ ...", "- ..."), if not NULL. On a refusal, nothing changed and
 * vgw_errmsg() says why, naming the object.
 */
int vgw_apply_doc(struct vgw_client *c, const struct vgw_doc *want, int flags,
		  FILE *log, struct vgw_apply_stats *stats);

/* Called after each change the kernel took: @done of @total (total > 0). */
typedef void (*vgw_apply_progress_fn)(unsigned int done, unsigned int total,
				      void *arg);

/* The same, calling @progress (may be NULL) after each change. */
int vgw_apply_doc_progress(struct vgw_client *c, const struct vgw_doc *want,
			   int flags, FILE *log, struct vgw_apply_stats *stats,
			   vgw_apply_progress_fn progress, void *arg);

/*
 * One object (OBJ_GET do): a new document holding only it, and the
 * generation that set it in *@gen (may be NULL). A split route table comes
 * in several replies, merged; a table too large for the socket's receive
 * buffer fails with -ENOBUFS (vgw_dump_doc() has no such limit). -ENOENT
 * when there is no such object.
 */
int vgw_get_obj(struct vgw_client *c, enum vgw_obj_type t, const char *id,
		struct vgw_doc **out, uint64_t *gen);

/* Delete one object: 0 or -errno. */
int vgw_obj_del(struct vgw_client *c, enum vgw_obj_type t, const char *id);

#endif /* VGW_NLOBJ_H */
