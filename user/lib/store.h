/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cluster's shared store in etcd: the desired-state document one object
 * per key, and the live hosts. Every key is under one prefix (default
 * "/vnicgw/"):
 *
 *   PREFIX/objects/<type>/<id>   an object of the document, as its canonical
 *                                JSON (vgw_obj_write_json()); <type> as vnicctl
 *                                names it: vcn, subnet, route_table,
 *                                security_list, nsg, gateway, vnic
 *   PREFIX/objects/<type>/<id>/parts/<gen>/<k>
 *                                part k (from 0) of generation <gen> of an
 *                                object too big for one value (below)
 *   PREFIX/members/<host id>     a live host, under that host's lease
 *                                (value: {"id": ..., "pid": ...})
 *   PREFIX/cluster/keys          the keys that authenticate the members'
 *                                messages: lines "ID:SECRET", the first
 *                                signs (vgw_cluster_keys_parse_text());
 *                                made by the first member agent that finds
 *                                none, rotated with vnicctl-etcd keys
 *
 * So changing one VNIC is changing one key, and a watch of the prefix sees
 * every change of the document and of the membership.
 *
 * Big objects (issue 14): etcd refuses a request over --max-request-bytes
 * (1.5 MiB by default), which a route table reaches at about 20k rules.
 * An object whose value is over VGW_STORE_SPLIT_BYTES is split: its key
 * holds a *head*,
 *
 *   {"id":"rt-a","parts":{"generation":G,"count":N,"bytes":B,"fnv1a64":"..."}}
 *
 * and its value, cut in N pieces of VGW_STORE_SPLIT_BYTES (the last one
 * shorter), is under <key>/parts/G/0 .. N-1. Smaller objects are one key
 * holding their JSON, as always. A write puts the parts of a new
 * generation first (each only if absent: parts never change once
 * written), in as many transactions as they need, then in one transaction
 * the head and the deletion of every other generation's parts. Readers
 * assemble an object from its head's generation only, and check the
 * length and hash, so they see the old object or the new one, never a
 * mix: parts of a generation no head names yet are not read. Every prefix
 * of the sequence of events is such a state (parts before their head, the
 * head before the deletions in its transaction), so a watch may stop
 * anywhere. A head whose parts are not all there (only hand-made: a writer
 * puts them first) makes vgw_store_doc() fail with -EAGAIN, which the
 * agent takes as "unchanged" and waits for the parts. Parts of a writer
 * that died before its head are left until the object's next write
 * deletes them.
 *
 * Reading: a struct vgw_store holds a copy of the keys (filled by a read of
 * the prefix, kept current by watch events) and reassembles the document
 * from them, validated by the same code as a file (vgw_doc_parse()), with
 * refusals naming the key. Rules where the layout could be ambiguous:
 * - a key's id must be the object's "id"; an unknown <type> under objects/
 *   is refused (a typo must not be ignored), like an unknown field;
 * - no object at all means *no document* (-ENOENT), never an empty one: a
 *   wrong prefix or a wiped etcd must not make every agent flush its
 *   tables, just as a deleted state file does not. vgw_store_write()
 *   refuses to write an empty document for the same reason;
 * - keys under the prefix outside objects/, members/ and cluster/keys are
 *   left alone (room for later uses); members/ keys whose id is not valid
 *   are ignored; cluster/keys is neither an object nor a member, and the
 *   store wipes its copies of that value when it lets them go.
 *
 * Writing (vgw_store_write()): read the objects, compute the difference
 * (puts of new and changed objects in dependency order, then deletes in the
 * reverse order), and commit it in one etcd transaction, conditional on
 * every touched key still having the revision that was read (a concurrent
 * writer makes it start over). A difference of more than VGW_STORE_TXN_OPS
 * keys (etcd's default --max-txn-ops) or VGW_STORE_TXN_BYTES is committed
 * in several transactions, in that same order, so that agents see additions
 * before the removals that depend on them; a reader may then see an
 * intermediate state (but never a half-written object). A refusal by etcd
 * names the keys of the transaction and etcd's setting that refused it.
 */
#ifndef VGW_STORE_H
#define VGW_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "state.h"

struct vgw_etcd;
struct vgw_etcd_kvs;

#define VGW_STORE_PREFIX_DEFAULT	"/vnicgw/"
#define VGW_STORE_PREFIX_MAX		256
#define VGW_STORE_KEY_MAX		(VGW_STORE_PREFIX_MAX + 160)
#define VGW_STORE_TXN_OPS		128		/* etcd's --max-txn-ops */
/*
 * A transaction's bytes as etcd counts them (keys and values), under its
 * 1.5 MiB default --max-request-bytes; and the largest value of one key:
 * bigger ones are split into parts of that size, each a transaction of its
 * own with room to spare.
 */
#define VGW_STORE_TXN_BYTES		(1u << 20)
#define VGW_STORE_SPLIT_BYTES		(768u << 10)

/* [A-Za-z0-9._-]{1,63}: object and host ids. */
bool vgw_store_id_valid(const char *id);
/*
 * Normalise a prefix: it must start with "/", gets a trailing "/" if it has
 * none. 0 or -EINVAL with a message.
 */
int vgw_store_prefix_norm(const char *in, char out[VGW_STORE_PREFIX_MAX],
			  char *err, size_t errlen);
/* PREFIX/objects/<type>/<id>, PREFIX/objects/, PREFIX/members/[id]. */
void vgw_store_obj_key(const char *prefix, enum vgw_obj_type t,
		       const char *id, char key[VGW_STORE_KEY_MAX]);
void vgw_store_objects_prefix(const char *prefix,
			      char key[VGW_STORE_KEY_MAX]);
void vgw_store_member_key(const char *prefix, const char *id,
			  char key[VGW_STORE_KEY_MAX]);
/* PREFIX/cluster/keys. */
void vgw_store_keys_key(const char *prefix, char key[VGW_STORE_KEY_MAX]);
/*
 * <@obj_key>/parts/ and <@obj_key>/parts/<gen>/ (the keys of a split
 * object, of one generation), <@obj_key>/parts/<gen>/<k>.
 */
void vgw_store_parts_prefix(const char *obj_key, char key[VGW_STORE_KEY_MAX]);
void vgw_store_gen_prefix(const char *obj_key, uint64_t gen,
			  char key[VGW_STORE_KEY_MAX]);
void vgw_store_part_key(const char *obj_key, uint64_t gen, unsigned int k,
			char key[VGW_STORE_KEY_MAX]);
/* An object's value: its canonical JSON, malloc'd. 0 or -errno. */
int vgw_store_obj_value(enum vgw_obj_type t, const void *obj, char **value,
			size_t *len);

/* What a change touched (vgw_store_set/del/load). */
enum {
	VGW_STORE_OBJECTS = 1 << 0,
	VGW_STORE_MEMBERS = 1 << 1,
	VGW_STORE_KEYS = 1 << 2,	/* PREFIX/cluster/keys */
};

/* A copy of the keys under one prefix. */
struct vgw_store;
struct vgw_store *vgw_store_new(const char *prefix);
void vgw_store_free(struct vgw_store *s);
const char *vgw_store_prefix(const struct vgw_store *s);
/*
 * Set or delete one key (a watch event). Keys outside the prefix are
 * ignored. Returns what changed (VGW_STORE_* bits; 0 if the value was the
 * same, or for a part of a split object that its head does not name: a
 * write in progress, or old parts deleted), or -ENOMEM.
 */
int vgw_store_set(struct vgw_store *s, const char *key, size_t klen,
		  const char *value, size_t vlen, int64_t mod_rev);
int vgw_store_del(struct vgw_store *s, const char *key, size_t klen);
/* Replace everything with a read of the prefix; returns what changed. */
int vgw_store_load(struct vgw_store *s, const struct vgw_etcd_kvs *kvs);
/* The objects (parts are not counted). */
unsigned int vgw_store_n_objects(const struct vgw_store *s);

/*
 * The document of the objects/ keys, validated. 0; -ENOENT if there is no
 * object (no document); -EINVAL with a message naming the key
 * ("/vnicgw/objects/vnic/v1: private_ips[0]: 10.1.9.5 is outside ...");
 * -EAGAIN when a split object's head names parts that are not all there
 * (the message names the key: no document yet, keep the previous one); or
 * -ENOMEM.
 */
int vgw_store_doc(const struct vgw_store *s, struct vgw_doc **out, char *err,
		  size_t errlen);

/*
 * The live hosts: the valid ids under members/, sorted. *ids points into
 * the store (valid until it changes); free the array itself. Returns the
 * count, or -ENOMEM.
 */
int vgw_store_members(const struct vgw_store *s, const char ***ids);

/*
 * The value of PREFIX/cluster/keys in the copy (pointing into it: valid
 * until it changes) and its revision. 0, or -ENOENT if there is none.
 */
int vgw_store_keys_value(const struct vgw_store *s, const char **value,
			 size_t *len, int64_t *mod_rev);

/*
 * The cluster keys in etcd (store_keys.c). Read: 0, -ENOENT (none: *mod_rev
 * 0), -EINVAL (a value that does not parse: the message names the key and
 * line), or an etcd error, with a message.
 */
struct vgw_cluster_key;
int vgw_store_keys_get(struct vgw_etcd *e, const char *prefix,
		       struct vgw_cluster_key *keys, unsigned int *n,
		       int64_t *mod_rev, char *err, size_t errlen);
/*
 * Write @n keys (the first signs) in one transaction, only if the value's
 * revision is still @mod_rev (0: only if there is no value yet, i.e. its
 * create revision is 0: of agents racing to make the first key, one wins).
 * *done: whether it was written; *rev (may be NULL): the revision after.
 * 0 or an etcd error with a message.
 */
int vgw_store_keys_put(struct vgw_etcd *e, const char *prefix,
		       const struct vgw_cluster_key *keys, unsigned int n,
		       int64_t mod_rev, bool *done, int64_t *rev, char *err,
		       size_t errlen);

/*
 * One object (or unknown key) to write or delete. A value over
 * VGW_STORE_SPLIT_BYTES is written as @n_parts parts of generation @gen
 * and the @head naming them (store_write.c: the parts in transactions of
 * their own, then the head).
 */
struct vgw_store_op {
	char change;			/* '+' new, '~' changed, '-' removed */
	enum vgw_obj_type type;		/* VGW_OBJ_NTYPES: an unknown key */
	char key[VGW_STORE_KEY_MAX];	/* with @range: every key under it */
	char *value;			/* '+', '~': canonical JSON */
	size_t len;
	int64_t mod_rev;		/* the key's revision as read; 0: absent */
	bool range;			/* '-' of orphan parts: key is a prefix */
	bool had_parts;			/* keys under <key>/parts/: delete them */
	unsigned int n_parts;		/* 0: one key */
	uint64_t gen;
	char *head;			/* with n_parts: the key's value */
	size_t head_len;
};

struct vgw_store_plan {
	struct vgw_store_op *ops;	/* puts in type order, then deletes */
	unsigned int n;
	unsigned int added, changed, removed;
};

/*
 * What makes the objects/ keys of @cur equal to @doc (normal form). Pure:
 * no I/O. 0 or -ENOMEM.
 */
int vgw_store_plan(const struct vgw_store *cur, const struct vgw_doc *doc,
		   struct vgw_store_plan *plan);
void vgw_store_plan_free(struct vgw_store_plan *plan);
/*
 * "+ vnic v1", "~ subnet s", "- key /p/objects/x/y" (an unknown key),
 * "~ route_table rt-a (9203959 bytes in 12 parts)".
 */
void vgw_store_op_print(const struct vgw_store_op *op, FILE *f);

struct vgw_store_stats {
	unsigned int added, changed, removed;
	unsigned int txns;		/* transactions committed */
	unsigned int retries;		/* restarts after a concurrent write */
	int64_t rev;			/* etcd's revision after the write */
};

enum {
	VGW_STORE_DRY_RUN = 1 << 0,	/* print the difference, write nothing */
};

/*
 * Make the objects under @prefix (normalised) equal to @doc (validated,
 * normal form), printing one line per change on @log (may be NULL).
 * 0, or -errno with a message in err (-ENODATA: @doc is empty, refused;
 * -EBUSY: other writers kept changing the keys).
 */
int vgw_store_write(struct vgw_etcd *e, const char *prefix,
		    const struct vgw_doc *doc, int flags, FILE *log,
		    struct vgw_store_stats *st, char *err, size_t errlen);

/*
 * "vnicctl apply --etcd": parse and validate @file, then write it under
 * @prefix (normalised here) of the etcd @cfg says, printing the change
 * lines and a summary on @out. 0 or -errno with a message in err.
 */
struct vgw_etcd_config;
int vgw_store_apply_file(const struct vgw_etcd_config *cfg, const char *prefix,
			 const char *file, int flags, FILE *out, char *err,
			 size_t errlen);

/* Read the document under @prefix once. As vgw_store_doc(), plus I/O errors. */
int vgw_store_read(struct vgw_etcd *e, const char *prefix,
		   struct vgw_doc **out, int64_t *rev, char *err, size_t errlen);

#endif /* VGW_STORE_H */
