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
 * up as unchanged in the next plan.
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

static int txn_add(struct vgw_etcd_txn *t, const struct vgw_store_op *op)
{
	int ret = vgw_etcd_txn_if_mod(t, op->key, op->mod_rev);

	if (ret)
		return ret;
	if (op->change == '-')
		return vgw_etcd_txn_delete(t, op->key);
	return vgw_etcd_txn_put(t, op->key, op->value, op->len, 0);
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
 * Commit ops [*i, n) in transactions of bounded size. 0 when all are
 * done, -EAGAIN when a transaction's conditions failed (start over), or
 * an error. *i moves past what was committed.
 */
static int commit(struct vgw_etcd *e, const struct vgw_store_plan *p,
		  unsigned int *i, FILE *log, struct vgw_store_stats *st)
{
	struct vgw_etcd_txn *t;
	unsigned int j, k;
	bool done;
	int ret;

	while (*i < p->n) {
		t = vgw_etcd_txn_new();
		if (!t)
			return -ENOMEM;
		ret = 0;
		for (j = *i; j < p->n && !ret && vgw_etcd_txn_ops(t) < VGW_STORE_TXN_OPS &&
		     (j == *i || vgw_etcd_txn_bytes(t) + p->ops[j].len * 2 < VGW_STORE_TXN_BYTES); j++)
			ret = txn_add(t, &p->ops[j]);
		if (!ret)
			ret = vgw_etcd_txn_commit(e, t, &done, &st->rev);
		vgw_etcd_txn_free(t);
		if (ret)
			return ret;
		if (!done)
			return -EAGAIN;
		for (k = *i; k < j; k++) {
			count(st, &p->ops[k]);
			if (log)
				vgw_store_op_print(&p->ops[k], log);
		}
		st->txns++;
		*i = j;
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
	unsigned int i = 0;
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
		ret = commit(e, &plan, &i, log, st);
		if (ret && ret != -EAGAIN)
			snprintf(err, errlen, "%s", vgw_etcd_error(e));
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
