// SPDX-License-Identifier: GPL-2.0
/*
 * The cluster keys in etcd (store.h: PREFIX/cluster/keys): read them, and
 * write them in one conditional transaction. The agents make the first key
 * (if absent: the first one wins), vnicctl-etcd rotates (if unchanged since
 * it was read: two operators at once cannot lose each other's step).
 *
 * Copies of the value made here are wiped; those libcurl and jansson make
 * on the way to and from etcd are not (freed as any other buffer).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cluster_nl.h"
#include "etcd.h"
#include "store.h"

int vgw_store_keys_get(struct vgw_etcd *e, const char *prefix,
		       struct vgw_cluster_key *keys, unsigned int *n,
		       int64_t *mod_rev, char *err, size_t errlen)
{
	char key[VGW_STORE_KEY_MAX];
	struct vgw_etcd_kvs kvs;
	size_t i;
	int ret;

	*mod_rev = 0;
	vgw_store_keys_key(prefix, key);
	/* A range of the one key: also PREFIX/cluster/keys-old and such. */
	ret = vgw_etcd_get_prefix(e, key, &kvs);
	if (ret) {
		snprintf(err, errlen, "%s", vgw_etcd_error(e));
		return ret;
	}
	ret = -ENOENT;
	for (i = 0; i < kvs.n; i++) {
		if (kvs.kv[i].key_len != strlen(key) ||
		    memcmp(kvs.kv[i].key, key, kvs.kv[i].key_len))
			continue;
		*mod_rev = kvs.kv[i].mod_rev;
		if (strlen(kvs.kv[i].value) != kvs.kv[i].value_len) {
			snprintf(err, errlen, "%s: a NUL byte: not keys", key);
			ret = -EINVAL;
		} else {
			ret = vgw_cluster_keys_parse_text(kvs.kv[i].value, key,
							  keys, n, err, errlen);
		}
		explicit_bzero(kvs.kv[i].value, kvs.kv[i].value_len);
	}
	if (ret == -ENOENT)
		snprintf(err, errlen, "%s: no such key", key);
	vgw_etcd_kvs_free(&kvs);
	return ret;
}

int vgw_store_keys_put(struct vgw_etcd *e, const char *prefix,
		       const struct vgw_cluster_key *keys, unsigned int n,
		       int64_t mod_rev, bool *done, int64_t *rev, char *err,
		       size_t errlen)
{
	char key[VGW_STORE_KEY_MAX], text[VGW_CLUSTER_KEYS_TEXT_MAX];
	struct vgw_etcd_txn *t;
	int ret;

	*done = false;
	vgw_store_keys_key(prefix, key);
	if (!n || n > VNICGW_CLUSTER_MAX_KEYS ||
	    vgw_cluster_keys_text(keys, n, text, sizeof(text))) {
		snprintf(err, errlen, "%s: %u keys (1 to %d)", key, n,
			 VNICGW_CLUSTER_MAX_KEYS);
		return -EINVAL;
	}
	t = vgw_etcd_txn_new();
	if (!t) {
		explicit_bzero(text, sizeof(text));
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ret = (mod_rev ? vgw_etcd_txn_if_mod(t, key, mod_rev) :
			 vgw_etcd_txn_if_absent(t, key)) ?:
	      vgw_etcd_txn_put(t, key, text, strlen(text), 0);
	explicit_bzero(text, sizeof(text));
	if (!ret)
		ret = vgw_etcd_txn_commit(e, t, done, rev);
	else
		snprintf(err, errlen, "out of memory");
	if (ret && ret != -ENOMEM)
		snprintf(err, errlen, "%s", vgw_etcd_error(e));
	vgw_etcd_txn_free(t);
	return ret;
}
