/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Persistent hash maps: the indexes of a configuration snapshot.
 *
 * A map is a hash array mapped trie (64-way nodes, 6 hash bits a level).
 * Published maps are immutable: readers walk them under rcu_read_lock() with
 * no lock and no atomic operation. Writers change a map inside an edit: the
 * path from the root to the changed slot is copied, and nodes created by the
 * edit are changed in place, so a bulk load of n entries allocates O(n / 64)
 * nodes rather than O(n log n). Several maps changed in one edit become
 * visible together when the caller publishes the snapshot that holds them
 * (one rcu_assign_pointer()): no reader ever sees half of an edit.
 *
 * What an edit replaced (old nodes, and old values handed to
 * vgw_pedit_retire()) is freed by vgw_pedit_commit() after a grace period;
 * what it created is freed by vgw_pedit_abort().
 *
 * Values are caller objects; the map stores a 64-bit hash beside each. The
 * caller gives the hash and an equality test against its key, so one object
 * may sit in several maps under different keys.
 */
#ifndef _VGW_PMAP_H
#define _VGW_PMAP_H

#include "vgw_types.h"

struct vgw_pnode;

struct vgw_pmap {
	struct vgw_pnode *root;	/* NULL: empty */
	u32 count;
};

/*
 * What an edit replaced, to be freed once no reader can hold it: a list of
 * chunks of (pointer, free function) pairs. Chunks, not one array, so that
 * retiring 100k objects never needs a large reallocation.
 */
#define VGW_PGARBAGE_CHUNK 254
struct vgw_pgarbage {
	struct vgw_pgarbage *next;
	u32 n;
	struct {
		void *ptr;
		void (*fn)(void *ptr);
	} item[VGW_PGARBAGE_CHUNK];
};

struct vgw_pedit {
	u64 id;			/* nodes stamped with it belong to this edit */
	struct vgw_pgarbage *garbage;	/* published things it replaced */
	struct vgw_pgarbage *fresh;	/* every node it allocated */
	struct vgw_pgarbage *created;	/* values it made (vgw_pedit_track) */
};

/* Returns true if @val is the entry for @key. */
typedef bool (*vgw_pmap_eq_t)(const void *val, const void *key);

/* Readers (any context, under RCU once published). */
void *vgw_pmap_lookup(const struct vgw_pmap *m, u64 hash, vgw_pmap_eq_t eq,
		      const void *key);

/*
 * Iteration in trie order, resumable across snapshots: @fn is called for
 * each entry whose (hash, position) comes after *@cursor; it returns 0 to go
 * on, non-zero to stop (the cursor then names the entry that stopped it, to be
 * visited again on resume). Returns what @fn returned, or 0 at the end.
 * Start with *@cursor = VGW_PMAP_CURSOR_START. An entry present throughout
 * a walk resumed across changes is visited exactly once, except among
 * entries with equal 64-bit hashes (told apart by position only), which may
 * then repeat or be missed: with real keys such hashes practically never occur.
 */
struct vgw_pmap_cursor {
	u64 hash;
	u32 pos;	/* position among entries of equal hash */
	bool started;
};
#define VGW_PMAP_CURSOR_START ((struct vgw_pmap_cursor){ 0 })
int vgw_pmap_walk(const struct vgw_pmap *m, struct vgw_pmap_cursor *cursor,
		  int (*fn)(void *val, void *arg), void *arg);

/* Writers, serialised by the caller's lock. */
/* @id: nonzero, never used before on the maps this edit touches. */
void vgw_pedit_begin(struct vgw_pedit *e, u64 id);
/*
 * Insert @val, or replace the entry equal to @key. Returns the replaced
 * value (which the caller retires or keeps), NULL if there was none, or
 * ERR_PTR(-ENOMEM).
 */
void *vgw_pmap_set(struct vgw_pmap *m, struct vgw_pedit *e, u64 hash,
		   vgw_pmap_eq_t eq, const void *key, void *val);
/* Remove the entry equal to @key; returns it, or NULL. */
void *vgw_pmap_del(struct vgw_pmap *m, struct vgw_pedit *e, u64 hash,
		   vgw_pmap_eq_t eq, const void *key);
/* Free @ptr with @fn once the edit is committed and readers are done. */
int vgw_pedit_retire(struct vgw_pedit *e, void *ptr, void (*fn)(void *ptr));
/*
 * @ptr was made for this edit: if the edit is aborted, @fn(@ptr) frees it.
 * (If the edit itself replaces it later, retire it as well: exactly one of
 * commit and abort frees it.)
 */
int vgw_pedit_track(struct vgw_pedit *e, void *ptr, void (*fn)(void *ptr));
/*
 * The caller has published the new maps: hand over what the edit replaced,
 * for the caller to free with vgw_pgarbage_free() after a grace period.
 * Only for an edit whose every operation succeeded: after an error the
 * edited maps may still point at retired nodes, and only abort is safe.
 */
struct vgw_pgarbage *vgw_pedit_commit(struct vgw_pedit *e);
void vgw_pgarbage_free(struct vgw_pgarbage *g);
/*
 * Drop the edit: every node it allocated and every value it tracked is
 * freed, nothing it retired is.
 * The caller forgets the edited maps and keeps the published ones, which the
 * edit never changed.
 */
void vgw_pedit_abort(struct vgw_pedit *e);

/* Free a map no reader can reach any more (e.g. at namespace exit). */
void vgw_pmap_destroy(struct vgw_pmap *m, void (*free_val)(void *val));

/* Bytes of nodes, for the memory figures. */
size_t vgw_pmap_mem(const struct vgw_pmap *m);

/* A 64-bit hash of bytes, good enough to spread keys over the trie. */
u64 vgw_hash64(const void *data, size_t len, u64 seed);

#endif /* _VGW_PMAP_H */
