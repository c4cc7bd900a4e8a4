// SPDX-License-Identifier: GPL-2.0
/*
 * Reading and writing the document in etcd (store.h): the I/O around the
 * store's copy and plan.
 *
 * A write is optimistic: it reads the objects, plans, and commits with one
 * condition per touched key (its mod revision is still the one read, or it
 * is still absent). If another writer got in between, the transaction does
 * nothing and the write starts over from a new read, at most MAX_ATTEMPTS
 * times. Transactions of a plan too big for one are committed in order;
 * when one of them fails its conditions, what was committed already shows
 * up as unchanged in the next plan. A split object (store.h) is several
 * steps in the plan's order: its parts, each under the condition that its
 * key is absent, then its head with the deletion of the other generations'
 * parts, under the head's revision as read. Parts committed by an attempt
 * that then starts over are deleted by the head of the next one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etcd.h"
#include "store.h"

#define MAX_ATTEMPTS	5

/* Read the keys under PREFIX/objects/ into a new store. */
static int read_objects(struct vgw_etcd *e, const char *prefix,
			struct vgw_store **out, int64_t *rev, char *err,
			size_t errlen)
{
	char p[VGW_STORE_KEY_MAX];
	struct vgw_etcd_kvs kvs;
	struct vgw_store *s;
	int ret;

	vgw_store_objects_prefix(prefix, p);
	ret = vgw_etcd_get_prefix(e, p, &kvs);
	if (ret) {
		snprintf(err, errlen, "%s", vgw_etcd_error(e));
		return ret;
	}
	s = vgw_store_new(prefix);
	ret = s ? vgw_store_load(s, &kvs) : -ENOMEM;
	*rev = kvs.rev;
	vgw_etcd_kvs_free(&kvs);
	if (ret < 0) {
		vgw_store_free(s);
		snprintf(err, errlen, "out of memory");
		return ret;
	}
	*out = s;
	return 0;
}

int vgw_store_read(struct vgw_etcd *e, const char *prefix,
		   struct vgw_doc **out, int64_t *rev, char *err, size_t errlen)
{
	struct vgw_store *s;
	int64_t r;
	int ret;

	ret = read_objects(e, prefix, &s, &r, err, errlen);
	if (ret)
		return ret;
	ret = vgw_store_doc(s, out, err, errlen);
	vgw_store_free(s);
	if (rev)
		*rev = r;
	return ret;
}

/*
 * A plan op is committed in steps: step k < n_parts puts part k; the last
 * step (n_parts) puts or deletes the key itself, and deletes the parts of
 * every other generation, in one transaction. Steps go into transactions
 * in plan order, so an object's parts are committed before (or with) its
 * head. What a step sends, as etcd bounds it:
 */
struct cost {
	unsigned int cmps, ops;
	size_t bytes;
};

static size_t part_len(const struct vgw_store_op *op, unsigned int k)
{
	size_t off = (size_t)k * VGW_STORE_SPLIT_BYTES;

	return op->len - off < VGW_STORE_SPLIT_BYTES ? op->len - off :
						       VGW_STORE_SPLIT_BYTES;
}

/* Keys and values, plus OVERHEAD per comparison or operation. */
#define OVERHEAD	64

static struct cost step_cost(const struct vgw_store_op *op, unsigned int k)
{
	size_t klen = strlen(op->key);
	struct cost c = { 1, 1, 0 };

	if (k < op->n_parts) {
		c.bytes = 2 * (klen + 32 + OVERHEAD) + part_len(op, k);
		return c;
	}
	if (op->range) {
		c.cmps = 0;
		c.bytes = 2 * klen + OVERHEAD;
		return c;
	}
	c.bytes = 2 * (klen + OVERHEAD);
	if (op->change != '-')
		c.bytes += op->n_parts ? op->head_len : op->len;
	if (op->had_parts) {
		c.ops += op->n_parts ? 2 : 1;
		c.bytes += 4 * (klen + 32 + OVERHEAD);
	}
	return c;
}

/*
 * Delete the keys from @from (or, with @from_after, from the first key
 * after every key under the prefix @from) up to the first key after every
 * key under the prefix @upto.
 */
static int del_range(struct vgw_etcd_txn *t, const char *from, bool from_after,
		     const char *upto)
{
	size_t elen, flen;
	char *end = vgw_etcd_prefix_end(upto, &elen);
	char *start = from_after ? vgw_etcd_prefix_end(from, &flen) : strdup(from);
	int ret = end && start ? vgw_etcd_txn_delete_range(t, start, end, elen) : -ENOMEM;

	free(start);
	free(end);
	return ret;
}

static int step_add(struct vgw_etcd_txn *t, const struct vgw_store_op *op,
		    unsigned int k)
{
	char pk[VGW_STORE_KEY_MAX], all[VGW_STORE_KEY_MAX], gen[VGW_STORE_KEY_MAX];
	int ret;

	if (k < op->n_parts) {
		vgw_store_part_key(op->key, op->gen, k, pk);
		return vgw_etcd_txn_if_absent(t, pk) ?:
		       vgw_etcd_txn_put(t, pk, op->value + (size_t)k * VGW_STORE_SPLIT_BYTES,
					part_len(op, k), 0);
	}
	if (op->range)		/* orphan parts: every key under op->key */
		return del_range(t, op->key, false, op->key);
	ret = vgw_etcd_txn_if_mod(t, op->key, op->mod_rev);
	if (!ret && op->change == '-')
		ret = vgw_etcd_txn_delete(t, op->key);
	else if (!ret)
		ret = vgw_etcd_txn_put(t, op->key, op->n_parts ? op->head : op->value,
				       op->n_parts ? op->head_len : op->len, 0);
	if (ret || !op->had_parts)
		return ret;
	vgw_store_parts_prefix(op->key, all);
	if (!op->n_parts)
		return del_range(t, all, false, all);
	/*
	 * Every generation but the new one: [parts/, parts/<gen>/) and
	 * (parts/<gen>/..., end of parts/). Ranges, so that the number of
	 * operations does not grow with the old generation's parts, and
	 * disjoint from the new parts' keys (etcd refuses a transaction
	 * whose put falls in one of its delete ranges).
	 */
	vgw_store_gen_prefix(op->key, op->gen, gen);
	return vgw_etcd_txn_delete_range(t, all, gen, strlen(gen)) ?:
	       del_range(t, gen, true, all);
}

static void count(struct vgw_store_stats *st, const struct vgw_store_op *op)
{
	if (op->change == '+')
		st->added++;
	else if (op->change == '~')
		st->changed++;
	else
		st->removed++;
}

/*
 * etcd refused a transaction as too big (-E2BIG): name what it carried
 * and what to change. The store never sends more than VGW_STORE_TXN_BYTES
 * or VGW_STORE_TXN_OPS, so etcd's limits were set below its defaults.
 */
static void too_big(struct vgw_etcd *e, const struct vgw_store_plan *p,
		    unsigned int i, unsigned int k, unsigned int steps,
		    char *err, size_t errlen)
{
	const struct vgw_store_op *op = &p->ops[i];
	char what[VGW_STORE_KEY_MAX + 64];

	if (k < op->n_parts)
		snprintf(what, sizeof(what), "part %u of %u of %s", k, op->n_parts, op->key);
	else
		snprintf(what, sizeof(what), "%s", op->key);
	snprintf(err, errlen, "writing %s (the biggest of %u keys in one transaction): %s; the store sends at most %u KiB and %u operations per transaction and splits values over %u KiB into parts: start etcd with --max-request-bytes of at least 1572864 (1.5 MiB, its default) and --max-txn-ops of at least %u (its default)",
		 what, steps, vgw_etcd_error(e), VGW_STORE_TXN_BYTES >> 10,
		 VGW_STORE_TXN_OPS, VGW_STORE_SPLIT_BYTES >> 10, VGW_STORE_TXN_OPS);
}

/*
 * Test hook, from the environment only: VGW_STORE_TEST=stop-before-head
 * makes a write stop, failing, just before the first transaction that
 * holds a split object's head, its parts committed: what a reader sees
 * while a big object is being written, or after its writer died there.
 */
static bool test_stop_before_head(void)
{
	const char *h = getenv("VGW_STORE_TEST");

	return h && !strcmp(h, "stop-before-head");
}

/*
 * Commit the plan from op *i, step *k on, in transactions of bounded size.
 * 0 when all are done, -EAGAIN when a transaction's conditions failed
 * (start over), or an error with its message in err. *i, *k move past
 * what was committed.
 */
static int commit(struct vgw_etcd *e, const struct vgw_store_plan *p,
		  unsigned int *i, unsigned int *k, FILE *log,
		  struct vgw_store_stats *st, char *err, size_t errlen)
{
	unsigned int j, s, first, head, big_i = 0, big_k = 0, steps;
	struct vgw_etcd_txn *t;
	struct cost sum, c, big;
	bool done;
	int ret;

	while (*i < p->n) {
		t = vgw_etcd_txn_new();
		if (!t)
			return -ENOMEM;
		ret = 0;
		head = p->n;
		steps = 0;
		sum = big = (struct cost){ 0 };
		for (j = *i, s = *k; j < p->n && !ret; steps++) {
			c = step_cost(&p->ops[j], s);
			if (sum.ops && (sum.ops + c.ops > VGW_STORE_TXN_OPS ||
					sum.cmps + c.cmps > VGW_STORE_TXN_OPS ||
					sum.bytes + c.bytes > VGW_STORE_TXN_BYTES))
				break;
			if (p->ops[j].n_parts && s == p->ops[j].n_parts && head == p->n)
				head = j;
			if (c.bytes > big.bytes) {	/* for a refusal's message */
				big = c;
				big_i = j;
				big_k = s;
			}
			ret = step_add(t, &p->ops[j], s);
			sum.ops += c.ops;
			sum.cmps += c.cmps;
			sum.bytes += c.bytes;
			if (++s > p->ops[j].n_parts) {
				j++;
				s = 0;
			}
		}
		if (!ret && head < p->n && test_stop_before_head()) {
			vgw_etcd_txn_free(t);
			snprintf(err, errlen, "test: stopped before the transaction of %s's head (VGW_STORE_TEST=stop-before-head)",
				 p->ops[head].key);
			return -ECANCELED;
		}
		if (!ret)
			ret = vgw_etcd_txn_commit(e, t, &done, &st->rev);
		vgw_etcd_txn_free(t);
		if (ret == -E2BIG)
			too_big(e, p, big_i, big_k, steps, err, errlen);
		else if (ret == -ENOMEM)
			snprintf(err, errlen, "out of memory");
		else if (ret)
			snprintf(err, errlen, "%s", vgw_etcd_error(e));
		if (ret)
			return ret;
		if (!done)
			return -EAGAIN;
		/* The ops whose last step was in this transaction are done. */
		for (first = *i; first < j; first++) {
			count(st, &p->ops[first]);
			if (log)
				vgw_store_op_print(&p->ops[first], log);
		}
		st->txns++;
		*i = j;
		*k = s;
	}
	return 0;
}

/* One attempt: read, plan, commit. -EAGAIN: someone wrote meanwhile. */
static int attempt(struct vgw_etcd *e, const char *prefix,
		   const struct vgw_doc *doc, int flags, FILE *log,
		   struct vgw_store_stats *st, char *err, size_t errlen)
{
	struct vgw_store_plan plan;
	struct vgw_store *cur;
	unsigned int i = 0, k = 0;
	int ret;

	ret = read_objects(e, prefix, &cur, &st->rev, err, errlen);
	if (ret)
		return ret;
	ret = vgw_store_plan(cur, doc, &plan);
	vgw_store_free(cur);
	if (ret)
		return ret;
	if (flags & VGW_STORE_DRY_RUN) {
		for (i = 0; i < plan.n; i++) {
			count(st, &plan.ops[i]);
			if (log)
				vgw_store_op_print(&plan.ops[i], log);
		}
	} else {
		ret = commit(e, &plan, &i, &k, log, st, err, errlen);
	}
	vgw_store_plan_free(&plan);
	return ret;
}

int vgw_store_write(struct vgw_etcd *e, const char *prefix,
		    const struct vgw_doc *doc, int flags, FILE *log,
		    struct vgw_store_stats *st, char *err, size_t errlen)
{
	unsigned int t, n = 0, k;
	int ret = -EAGAIN;

	memset(st, 0, sizeof(*st));
	for (t = 0; t < VGW_OBJ_NTYPES; t++)
		n += vgw_doc_count(doc, t);
	if (!n) {
		snprintf(err, errlen, "an empty document is refused: agents read no objects as no document and keep their tables (delete the keys under %sobjects/ to remove it)",
			 prefix);
		return -ENODATA;
	}
	for (k = 0; k < MAX_ATTEMPTS && ret == -EAGAIN; k++) {
		if (k)
			st->retries++;
		ret = attempt(e, prefix, doc, flags, log, st, err, errlen);
	}
	if (ret == -EAGAIN) {
		snprintf(err, errlen, "other writers kept changing %sobjects/ (%d attempts)",
			 prefix, MAX_ATTEMPTS);
		return -EBUSY;
	}
	return ret;
}

int vgw_store_apply_file(const struct vgw_etcd_config *cfg, const char *prefix,
			 const char *file, int flags, FILE *out, char *err,
			 size_t errlen)
{
	char p[VGW_STORE_PREFIX_MAX];
	struct vgw_store_stats st;
	struct vgw_etcd *e = NULL;
	struct vgw_doc *doc = NULL;
	int ret;

	ret = vgw_store_prefix_norm(prefix, p, err, errlen);
	if (!ret)
		ret = vgw_doc_parse_file(file, &doc, err, errlen);
	if (!ret)
		ret = vgw_etcd_open_config(cfg, &e, err, errlen);
	if (!ret)
		ret = vgw_store_write(e, p, doc, flags, out, &st, err, errlen);
	if (!ret && !(flags & VGW_STORE_DRY_RUN))
		fprintf(out, "applied to etcd %s %s: %u added, %u changed, %u removed (revision %lld, %u transaction%s)\n",
			vgw_etcd_url(e), p, st.added, st.changed, st.removed,
			(long long)st.rev, st.txns, st.txns == 1 ? "" : "s");
	vgw_etcd_close(e);
	vgw_doc_free(doc);
	return ret;
}
