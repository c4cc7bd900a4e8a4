// SPDX-License-Identifier: GPL-2.0
/*
 * The keys that authenticate the members' messages (kmod/include/vgw/auth.h):
 * at most two, the first signs, both are accepted; the kernel gets them
 * with every CLUSTER_SET (members.c builds the set, sync.c sends it).
 *
 * Where they come from:
 * - --cluster-keys FILE: lines ID:SECRET (vgw_cluster_keys_read()). Read at
 *   start, on SIGHUP, and whenever its inode, size or times differ from the
 *   version read last (looked at by every periodic check);
 * - else, with cluster-auth on (the default), etcd's PREFIX/cluster/keys,
 *   the same text, which cluster.c reads with the document, follows with
 *   the same watch, and makes when a member finds none;
 * - with cluster-auth off, none: the messages go unauthenticated.
 *
 * A file or value that does not parse (or a file that is gone) is logged,
 * once per message, and changes nothing: the keys in use stay, in the
 * agent and in the kernel. A member with no keys yet does not join and
 * does not give its kernel a set: it would send messages the others drop
 * and take any unauthenticated one.
 *
 * The secrets are logged never; the ids are, at every change. Copies are
 * wiped when let go.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "agent.h"
#include "cluster_nl.h"

/* The version of the file last read (good or not). */

struct keys {
	const struct agent_config *cfg;
	struct vgw_cluster_key k[VNICGW_CLUSTER_MAX_KEYS];
	unsigned int n;			/* 0: none (yet) */
	struct file_id file;
	bool file_read;			/* file holds a version read */
	char last_err[512];		/* logged once until it changes */
};

struct keys *keys_new(const struct agent_config *cfg)
{
	struct keys *k = calloc(1, sizeof(*k));

	if (k)
		k->cfg = cfg;
	return k;
}

void keys_free(struct keys *k)
{
	if (!k)
		return;
	explicit_bzero(k, sizeof(*k));
	free(k);
}

bool keys_ready(const struct keys *k)
{
	return !k->cfg->cluster_auth || k->n;
}

const struct vgw_cluster_key *keys_get(const struct keys *k, unsigned int *n)
{
	*n = k->n;
	return k->n ? k->k : NULL;
}

void keys_ids(const struct keys *k, char *buf, size_t len)
{
	vgw_cluster_keys_ids(k->k, k->n, buf, len);
}

/* A refusal: an error when new, debug while it lasts. */
static void refused(struct keys *k, const char *msg)
{
	char ids[64];

	if (!strcmp(msg, k->last_err)) {
		log_debug("still: cluster keys: %s", msg);
		return;
	}
	snprintf(k->last_err, sizeof(k->last_err), "%s", msg);
	keys_ids(k, ids, sizeof(ids));
	if (k->n)
		log_err("cluster keys refused: %s; the keys in use stay (%s)",
			msg, ids);
	else
		log_err("cluster keys refused: %s; no keys yet: this host neither joins nor tells its kernel the cluster",
			msg);
	notify_systemd("STATUS=cluster keys refused: %s", msg);
}

/* Take @n new keys (wiped by the caller): true if they differ. */
static bool adopt(struct keys *k, const struct vgw_cluster_key *nk,
		  unsigned int n, const char *what)
{
	char ids[64];
	unsigned int i, j;

	if (k->last_err[0])
		log_info("cluster keys: %s is valid again", what);
	k->last_err[0] = '\0';
	if (n == k->n && !memcmp(nk, k->k, n * sizeof(*nk))) {
		log_debug("cluster keys: %s: the keys in use", what);
		return false;
	}
	/* The same id with another secret: members drop each other. */
	for (i = 0; i < n; i++)
		for (j = 0; j < k->n; j++)
			if (nk[i].id == k->k[j].id &&
			    memcmp(nk[i].secret, k->k[j].secret, VNICGW_KEY_LEN))
				log_warn("cluster: key %u has another secret now: members that still have the old one and this host drop each other's messages until all have the new (rotate with a new id: add, promote, retire)",
					 nk[i].id);
	explicit_bzero(k->k, sizeof(k->k));
	memcpy(k->k, nk, n * sizeof(*nk));
	k->n = n;
	keys_ids(k, ids, sizeof(ids));
	log_info("cluster: keys %s (%s)", ids, what);
	return true;
}

/* agent.h: shared with sync.c (the state file). */
void file_id_get(const char *path, struct file_id *id)
{
	struct stat st;

	memset(id, 0, sizeof(*id));
	if (stat(path, &st))
		return;
	id->exists = true;
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	id->size = st.st_size;
	id->mtime = st.st_mtim;
	id->ctime = st.st_ctim;
}

bool file_id_equal(const struct file_id *a, const struct file_id *b)
{
	return a->exists == b->exists && a->dev == b->dev &&
	       a->ino == b->ino && a->size == b->size &&
	       a->mtime.tv_sec == b->mtime.tv_sec &&
	       a->mtime.tv_nsec == b->mtime.tv_nsec &&
	       a->ctime.tv_sec == b->ctime.tv_sec &&
	       a->ctime.tv_nsec == b->ctime.tv_nsec;
}

bool keys_file_check(struct keys *k, bool force)
{
	struct vgw_cluster_key nk[VNICGW_CLUSTER_MAX_KEYS];
	const char *path = k->cfg->cluster_keys;
	struct file_id now;
	char err[512];
	unsigned int n;
	bool changed;

	if (!path[0])
		return false;
	/* Identified before the read: a change in between is seen next time. */
	file_id_get(path, &now);
	if (!force && k->file_read && file_id_equal(&now, &k->file))
		return false;
	k->file = now;
	k->file_read = true;
	if (vgw_cluster_keys_read(path, nk, &n, err, sizeof(err))) {
		refused(k, err);
		return false;
	}
	changed = adopt(k, nk, n, path);
	explicit_bzero(nk, sizeof(nk));
	return changed;
}

bool keys_set_text(struct keys *k, const char *text, size_t len,
		   const char *what)
{
	struct vgw_cluster_key nk[VNICGW_CLUSTER_MAX_KEYS];
	char err[512], *copy;
	unsigned int n;
	bool changed = false;
	int ret;

	copy = malloc(len + 1);
	if (!copy) {
		log_err("cluster keys: out of memory");
		return false;
	}
	memcpy(copy, text, len);
	copy[len] = '\0';
	if (strlen(copy) != len) {
		snprintf(err, sizeof(err), "%s: a NUL byte: not keys", what);
		ret = -EINVAL;
	} else {
		ret = vgw_cluster_keys_parse_text(copy, what, nk, &n, err,
						  sizeof(err));
	}
	explicit_bzero(copy, len + 1);
	free(copy);
	if (ret)
		refused(k, err);
	else
		changed = adopt(k, nk, n, what);
	explicit_bzero(nk, sizeof(nk));
	return changed;
}
