// SPDX-License-Identifier: GPL-2.0
/*
 * Persistent hash array mapped tries; see pmap.h for the contract.
 *
 * Why 64-way nodes: a 64-bit bitmap and a popcount find a slot, and 100k
 * entries sit three levels deep. Nodes hold only the slots in use, so a map of
 * three entries costs one small node.
 *
 * A slot holds a value or a child node; children are tagged with the low
 * pointer bit (values and nodes are at least 2-byte aligned). Entries whose
 * full 64-bit hashes are equal end in a collision node below the last level,
 * scanned linearly.
 */
#include <vgw/owner.h>

#include "pmap.h"

#define PMAP_BITS	6
#define PMAP_MAX_DEPTH	11	/* 11 * 6 >= 64: the hash is used up */

struct vgw_pslot {
	u64 hash;		/* of the value; unused for a child */
	void *ptr;		/* value, or child node | 1 */
};

struct vgw_pnode {
	u64 edit;		/* the edit that may change it in place */
	u64 bitmap;		/* present indexes; unused in a collision node */
	u8 n;			/* slots in use */
	u8 cap;			/* slots allocated */
	bool collision;
	bool dead;		/* replaced within its own edit: never published */
	struct vgw_pslot slot[];
};

static inline bool is_node(const void *p)
{
	return (unsigned long)p & 1;
}

static inline struct vgw_pnode *to_node(const void *p)
{
	return (struct vgw_pnode *)((unsigned long)p & ~1UL);
}

static inline void *tag(struct vgw_pnode *n)
{
	return (void *)((unsigned long)n | 1);
}

static inline unsigned int chunk(u64 hash, unsigned int depth)
{
	return (hash >> (depth * PMAP_BITS)) & ((1U << PMAP_BITS) - 1);
}

/* Position of index @idx among the present slots of @n. */
static inline unsigned int slot_pos(const struct vgw_pnode *n, unsigned int idx)
{
	return hweight64(n->bitmap & ((1ULL << idx) - 1));
}

void *vgw_pmap_lookup(const struct vgw_pmap *m, u64 hash, vgw_pmap_eq_t eq,
		      const void *key)
{
	const struct vgw_pnode *n = m->root;
	unsigned int depth = 0, i;

	while (n) {
		const struct vgw_pslot *s;
		u64 bit;

		if (unlikely(n->collision)) {
			for (i = 0; i < n->n; i++)
				if (n->slot[i].hash == hash &&
				    eq(n->slot[i].ptr, key))
					return n->slot[i].ptr;
			return NULL;
		}
		bit = 1ULL << chunk(hash, depth);
		if (!(n->bitmap & bit))
			return NULL;
		s = &n->slot[slot_pos(n, chunk(hash, depth))];
		if (!is_node(s->ptr))
			return s->hash == hash && eq(s->ptr, key) ? s->ptr : NULL;
		n = to_node(s->ptr);
		depth++;
	}
	return NULL;
}

/* --- edits ------------------------------------------------------------- */

void vgw_pedit_begin(struct vgw_pedit *e, u64 id)
{
	e->id = id;
	e->garbage = NULL;
	e->fresh = NULL;
	e->created = NULL;
}

static int push(struct vgw_pgarbage **list, void *ptr, void (*fn)(void *ptr))
{
	struct vgw_pgarbage *g = *list;

	if (!g || g->n == VGW_PGARBAGE_CHUNK) {
		g = kmalloc(sizeof(*g), GFP_KERNEL_ACCOUNT);
		if (!g)
			return -ENOMEM;
		g->n = 0;
		g->next = *list;
		*list = g;
	}
	g->item[g->n].ptr = ptr;
	g->item[g->n].fn = fn;
	g->n++;
	return 0;
}

int vgw_pedit_retire(struct vgw_pedit *e, void *ptr, void (*fn)(void *ptr))
{
	return push(&e->garbage, ptr, fn);
}

int vgw_pedit_track(struct vgw_pedit *e, void *ptr, void (*fn)(void *ptr))
{
	return push(&e->created, ptr, fn);
}

/* Free a chunk list; with @call, call each item's function first. */
static void chunks_free(struct vgw_pgarbage *g, bool call)
{
	struct vgw_pgarbage *next;
	u32 i;

	for (; g; g = next) {
		next = g->next;
		for (i = 0; call && i < g->n; i++)
			g->item[i].fn(g->item[i].ptr);
		kfree(g);
	}
}

static void node_free(void *p)
{
	kfree(p);
}

/* Free the edit's own nodes: all of them, or only the dead ones. */
static void free_fresh(struct vgw_pedit *e, bool only_dead)
{
	struct vgw_pgarbage *g = e->fresh, *next;
	u32 i;

	for (; g; g = next) {
		next = g->next;
		for (i = 0; i < g->n; i++) {
			struct vgw_pnode *n = g->item[i].ptr;

			if (!only_dead || n->dead)
				kfree(n);
		}
		kfree(g);
	}
	e->fresh = NULL;
}

struct vgw_pgarbage *vgw_pedit_commit(struct vgw_pedit *e)
{
	struct vgw_pgarbage *g = e->garbage;

	free_fresh(e, true);
	chunks_free(e->created, false);
	e->created = NULL;
	e->garbage = NULL;
	e->id = 0;
	return g;
}

void vgw_pedit_abort(struct vgw_pedit *e)
{
	free_fresh(e, false);
	chunks_free(e->created, true);
	chunks_free(e->garbage, false);
	e->created = NULL;
	e->garbage = NULL;
	e->id = 0;
}

void vgw_pgarbage_free(struct vgw_pgarbage *g)
{
	chunks_free(g, true);
}

/* Every node an edit allocates is logged, so that abort can free it. */
static struct vgw_pnode *node_alloc(struct vgw_pedit *e, unsigned int cap)
{
	struct vgw_pnode *n;

	n = kmalloc(sizeof(*n) + cap * sizeof(n->slot[0]), GFP_KERNEL_ACCOUNT);
	if (!n)
		return NULL;
	if (push(&e->fresh, n, NULL)) {
		kfree(n);
		return NULL;
	}
	n->edit = e->id;
	n->bitmap = 0;
	n->n = 0;
	n->cap = cap;
	n->collision = false;
	n->dead = false;
	return n;
}

/*
 * The edit no longer uses @n. Its own nodes were never published: they die
 * now and go at commit. Published ones are retired: freed after the grace
 * period that follows the commit.
 */
static int node_drop(struct vgw_pedit *e, struct vgw_pnode *n)
{
	if (n->edit == e->id) {
		n->dead = true;
		return 0;
	}
	return vgw_pedit_retire(e, n, node_free);
}

/*
 * A node with room for @extra more slots that this edit may change in place:
 * @n itself if it qualifies, else a copy (and @n is dropped). Copies of
 * published nodes are exact-size; an edit's own nodes grow by doubling, so a
 * bulk load does not copy a node per insertion.
 */
static struct vgw_pnode *writable(struct vgw_pedit *e, struct vgw_pnode *n,
				  unsigned int extra)
{
	unsigned int need = n->n + extra, cap = need;
	struct vgw_pnode *c;

	if (n->edit == e->id && n->cap >= need)
		return n;
	if (n->edit == e->id)
		cap = min_t(unsigned int, 2 * need, n->collision ? 255 : 64);
	c = node_alloc(e, cap);
	if (!c)
		return NULL;
	c->bitmap = n->bitmap;
	c->collision = n->collision;
	c->n = n->n;
	memcpy(c->slot, n->slot, n->n * sizeof(n->slot[0]));
	if (node_drop(e, n))
		return NULL;	/* @c is logged: abort frees it */
	return c;
}

/* A new subtree at @depth holding the two entries @a and @b. */
static struct vgw_pnode *make_pair(struct vgw_pedit *e, unsigned int depth,
				   const struct vgw_pslot *a,
				   const struct vgw_pslot *b)
{
	unsigned int ia, ib;
	struct vgw_pnode *n, *child;

	if (depth >= PMAP_MAX_DEPTH) {
		n = node_alloc(e, 2);
		if (!n)
			return NULL;
		n->collision = true;
		n->slot[0] = *a;
		n->slot[1] = *b;
		n->n = 2;
		return n;
	}
	ia = chunk(a->hash, depth);
	ib = chunk(b->hash, depth);
	if (ia == ib) {
		child = make_pair(e, depth + 1, a, b);
		if (!child)
			return NULL;
		n = node_alloc(e, 1);
		if (!n)
			return NULL;
		n->bitmap = 1ULL << ia;
		n->slot[0].hash = 0;
		n->slot[0].ptr = tag(child);
		n->n = 1;
		return n;
	}
	n = node_alloc(e, 2);
	if (!n)
		return NULL;
	n->bitmap = (1ULL << ia) | (1ULL << ib);
	n->slot[ia < ib ? 0 : 1] = *a;
	n->slot[ia < ib ? 1 : 0] = *b;
	n->n = 2;
	return n;
}

/* Insert a slot at position @pos (index @idx) into @n. */
static struct vgw_pnode *insert_slot(struct vgw_pedit *e, struct vgw_pnode *n,
				     unsigned int idx, unsigned int pos,
				     const struct vgw_pslot *s)
{
	n = writable(e, n, 1);
	if (!n)
		return NULL;
	memmove(&n->slot[pos + 1], &n->slot[pos],
		(n->n - pos) * sizeof(n->slot[0]));
	n->slot[pos] = *s;
	n->bitmap |= 1ULL << idx;
	n->n++;
	return n;
}

struct set_args {
	u64 hash;
	vgw_pmap_eq_t eq;
	const void *key;
	void *val;
	void *old;		/* the replaced value */
	bool added;
};

static struct vgw_pnode *set_collision(struct vgw_pedit *e,
				       struct vgw_pnode *n, struct set_args *a)
{
	struct vgw_pslot s = { a->hash, a->val };
	unsigned int i;

	for (i = 0; i < n->n; i++) {
		if (n->slot[i].hash == a->hash && a->eq(n->slot[i].ptr, a->key)) {
			n = writable(e, n, 0);
			if (!n)
				return NULL;
			a->old = n->slot[i].ptr;
			n->slot[i].ptr = a->val;
			return n;
		}
	}
	if (n->n == 255)
		return NULL;	/* 255 equal 64-bit hashes: not a real key set */
	n = writable(e, n, 1);
	if (!n)
		return NULL;
	n->slot[n->n++] = s;
	a->added = true;
	return n;
}

/* Returns the node to put in place of @n (maybe @n itself), NULL on error. */
static struct vgw_pnode *set_rec(struct vgw_pedit *e, struct vgw_pnode *n,
				 unsigned int depth, struct set_args *a)
{
	unsigned int idx = chunk(a->hash, depth), pos;
	struct vgw_pslot s = { a->hash, a->val };
	struct vgw_pnode *child, *sub;

	if (n->collision)
		return set_collision(e, n, a);
	pos = slot_pos(n, idx);
	if (!(n->bitmap & (1ULL << idx))) {
		a->added = true;
		return insert_slot(e, n, idx, pos, &s);
	}
	if (is_node(n->slot[pos].ptr)) {
		child = set_rec(e, to_node(n->slot[pos].ptr), depth + 1, a);
		if (!child)
			return NULL;
		if (child == to_node(n->slot[pos].ptr))
			return n;	/* changed in place below */
		n = writable(e, n, 0);
		if (n)
			n->slot[pos].ptr = tag(child);
		return n;
	}
	if (n->slot[pos].hash == a->hash && a->eq(n->slot[pos].ptr, a->key)) {
		n = writable(e, n, 0);
		if (!n)
			return NULL;
		a->old = n->slot[pos].ptr;
		n->slot[pos].ptr = a->val;
		return n;
	}
	sub = make_pair(e, depth + 1, &n->slot[pos], &s);
	if (!sub)
		return NULL;
	n = writable(e, n, 0);
	if (!n)
		return NULL;	/* @sub is the edit's own: freed by abort */
	n->slot[pos].hash = 0;
	n->slot[pos].ptr = tag(sub);
	a->added = true;
	return n;
}

void *vgw_pmap_set(struct vgw_pmap *m, struct vgw_pedit *e, u64 hash,
		   vgw_pmap_eq_t eq, const void *key, void *val)
{
	struct set_args a = { .hash = hash, .eq = eq, .key = key, .val = val };
	struct vgw_pnode *root;

	if (!m->root) {
		root = node_alloc(e, 1);
		if (!root)
			return ERR_PTR(-ENOMEM);
		m->root = root;
	}
	root = set_rec(e, m->root, 0, &a);
	if (!root)
		return ERR_PTR(-ENOMEM);
	m->root = root;
	if (a.added)
		m->count++;
	return a.old;
}

/* --- removal ----------------------------------------------------------- */

struct del_args {
	u64 hash;
	vgw_pmap_eq_t eq;
	const void *key;
	void *old;		/* the removed value; NULL: not found */
	int err;
};

/* Remove the slot at position @pos (index @idx); NULL result: node empty. */
static struct vgw_pnode *remove_slot(struct vgw_pedit *e, struct vgw_pnode *n,
				     unsigned int idx, unsigned int pos,
				     struct del_args *a)
{
	if (n->n == 1) {
		a->err = node_drop(e, n);
		return NULL;
	}
	n = writable(e, n, 0);
	if (!n) {
		a->err = -ENOMEM;
		return NULL;
	}
	memmove(&n->slot[pos], &n->slot[pos + 1],
		(n->n - pos - 1) * sizeof(n->slot[0]));
	if (!n->collision)
		n->bitmap &= ~(1ULL << idx);
	n->n--;
	return n;
}

static struct vgw_pnode *del_collision(struct vgw_pedit *e,
				       struct vgw_pnode *n, struct del_args *a)
{
	unsigned int i;

	for (i = 0; i < n->n; i++) {
		if (n->slot[i].hash == a->hash && a->eq(n->slot[i].ptr, a->key)) {
			a->old = n->slot[i].ptr;
			return remove_slot(e, n, 0, i, a);
		}
	}
	return n;
}

/*
 * A child left with a single value is folded into its parent's slot, so a
 * map that shrinks gets shallow again. Returns the slot to store.
 */
static struct vgw_pslot fold_child(struct vgw_pedit *e, struct vgw_pnode *child,
				   struct del_args *a)
{
	struct vgw_pslot s = { 0, tag(child) };

	if (child->n == 1 && !is_node(child->slot[0].ptr)) {
		s = child->slot[0];
		a->err = node_drop(e, child);
	}
	return s;
}

/* Returns the node to put in place of @n: @n itself, a copy, or NULL (empty). */
static struct vgw_pnode *del_rec(struct vgw_pedit *e, struct vgw_pnode *n,
				 unsigned int depth, struct del_args *a)
{
	unsigned int idx = chunk(a->hash, depth), pos;
	struct vgw_pnode *child;
	struct vgw_pslot s;

	if (n->collision)
		return del_collision(e, n, a);
	if (!(n->bitmap & (1ULL << idx)))
		return n;
	pos = slot_pos(n, idx);
	if (!is_node(n->slot[pos].ptr)) {
		if (n->slot[pos].hash != a->hash || !a->eq(n->slot[pos].ptr, a->key))
			return n;
		a->old = n->slot[pos].ptr;
		return remove_slot(e, n, idx, pos, a);
	}
	child = del_rec(e, to_node(n->slot[pos].ptr), depth + 1, a);
	if (!a->old || a->err)
		return n;
	if (!child)
		return remove_slot(e, n, idx, pos, a);
	s = fold_child(e, child, a);
	if (a->err)
		return n;
	n = writable(e, n, 0);
	if (!n) {
		a->err = -ENOMEM;
		return NULL;
	}
	n->slot[pos] = s;
	return n;
}

void *vgw_pmap_del(struct vgw_pmap *m, struct vgw_pedit *e, u64 hash,
		   vgw_pmap_eq_t eq, const void *key)
{
	struct del_args a = { .hash = hash, .eq = eq, .key = key };
	struct vgw_pnode *root;

	if (!m->root)
		return NULL;
	root = del_rec(e, m->root, 0, &a);
	if (a.err)
		return ERR_PTR(a.err);
	if (!a.old)
		return NULL;
	m->root = root;
	m->count--;
	return a.old;
}

/* --- iteration --------------------------------------------------------- */

/* Is @a before @b in trie order, given that they agree below @depth? */
static bool trie_before(u64 a, u64 b, unsigned int depth)
{
	for (; depth < PMAP_MAX_DEPTH; depth++)
		if (chunk(a, depth) != chunk(b, depth))
			return chunk(a, depth) < chunk(b, depth);
	return false;
}

struct walk_args {
	struct vgw_pmap_cursor *cur;
	int (*fn)(void *val, void *arg);
	void *arg;
};

/*
 * Visit the entries of @n in trie order. @bounded: @n lies on the cursor's
 * path, so entries before the cursor are skipped.
 */
static int walk_rec(const struct vgw_pnode *n, unsigned int depth,
		    bool bounded, struct walk_args *w)
{
	const struct vgw_pmap_cursor *c = w->cur;
	unsigned int i, first = 0, cidx = 0;
	int ret;

	if (n->collision) {
		for (i = 0; i < n->n; i++) {
			if (bounded && i < c->pos)
				continue;
			ret = w->fn(n->slot[i].ptr, w->arg);
			if (ret) {
				w->cur->hash = n->slot[i].hash;
				w->cur->pos = i;
				w->cur->started = true;
				return ret;
			}
		}
		return 0;
	}
	if (bounded) {
		cidx = chunk(c->hash, depth);
		first = slot_pos(n, cidx);
	}
	for (i = first; i < n->n; i++) {
		const struct vgw_pslot *s = &n->slot[i];
		/* Still on the cursor's path only at the cursor's own index. */
		bool on_path = bounded && i == first &&
			       (n->bitmap & (1ULL << cidx));

		if (is_node(s->ptr)) {
			ret = walk_rec(to_node(s->ptr), depth + 1, on_path, w);
		} else {
			if (on_path && trie_before(s->hash, c->hash, depth + 1))
				continue;
			ret = w->fn(s->ptr, w->arg);
			if (ret) {
				w->cur->hash = s->hash;
				w->cur->pos = 0;
				w->cur->started = true;
			}
		}
		if (ret)
			return ret;
	}
	return 0;
}

int vgw_pmap_walk(const struct vgw_pmap *m, struct vgw_pmap_cursor *cursor,
		  int (*fn)(void *val, void *arg), void *arg)
{
	struct walk_args w = { .cur = cursor, .fn = fn, .arg = arg };

	if (!m->root)
		return 0;
	return walk_rec(m->root, 0, cursor->started, &w);
}

/* --- whole maps ---------------------------------------------------------- */

static void destroy_rec(struct vgw_pnode *n, void (*free_val)(void *val))
{
	unsigned int i;

	for (i = 0; i < n->n; i++) {
		if (is_node(n->slot[i].ptr))
			destroy_rec(to_node(n->slot[i].ptr), free_val);
		else if (free_val)
			free_val(n->slot[i].ptr);
	}
	kfree(n);
}

void vgw_pmap_destroy(struct vgw_pmap *m, void (*free_val)(void *val))
{
	if (m->root)
		destroy_rec(m->root, free_val);
	m->root = NULL;
	m->count = 0;
}

static size_t mem_rec(const struct vgw_pnode *n)
{
	size_t sum = sizeof(*n) + n->cap * sizeof(n->slot[0]);
	unsigned int i;

	for (i = 0; i < n->n; i++)
		if (is_node(n->slot[i].ptr))
			sum += mem_rec(to_node(n->slot[i].ptr));
	return sum;
}

size_t vgw_pmap_mem(const struct vgw_pmap *m)
{
	return m->root ? mem_rec(m->root) : 0;
}

/*
 * FNV-1a over the bytes, then a 64-bit finaliser (xor-shift-multiply) so that
 * every input bit reaches the low bits the trie looks at first: the hash of
 * the owner table (vgw/owner.h), which the tools share.
 */
u64 vgw_hash64(const void *data, size_t len, u64 seed)
{
	return vgw_owner_hash(data, len, seed);
}
