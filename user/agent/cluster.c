// SPDX-License-Identifier: GPL-2.0
/*
 * The document from etcd (--etcd URL, --etcd-prefix PREFIX; the layout is
 * user/lib/store.h): a copy of every key under the prefix, filled by one
 * read and kept current by a watch of the prefix from the next revision.
 * After each batch of events the document is reassembled from the copy and
 * validated as a file is; a good one becomes the desired state (sync.c
 * applies only the difference), a bad one is logged and changes nothing.
 * An object split over keys (store.h) is read from its head's generation:
 * its parts come first and change nothing until the head names them, and
 * a head whose parts are missing leaves the desired state as it was.
 * The same watch carries the member keys (members.c).
 *
 * The revision the copy reflects is that of the read, then of each event;
 * it is what a lost watch resumes from (the revision after it), so a
 * disconnect costs no re-read. Events are replayed idempotently (a key's
 * whole value each time), so resuming a little early would be harmless;
 * the header revision of a watch response is not used, since a catching-up
 * watch may report one beyond the events it has sent so far. A read of
 * everything happens at start, when etcd says the revision was compacted,
 * when etcd's own revision went back (restored from a backup), and on
 * SIGHUP.
 *
 * Reconnects back off from RETRY_MIN_MS, doubling to RETRY_MAX_MS. While
 * etcd is away the kernel keeps the last good state; so does it when the
 * prefix holds no document at all (store.h: never flush on an empty
 * prefix).
 *
 * The same copy holds PREFIX/cluster/keys, the keys of the members'
 * messages (keys.c), for a member without --cluster-keys and with
 * cluster-auth on: a change of that key alone gives the kernel a new set.
 * A member that finds no such key (at a read, or deleted) makes it, in a
 * transaction that succeeds only while it is absent (create revision 0):
 * of members starting together one wins, and every one then takes the
 * value the watch brings. It writes the keys it uses if it has some (the
 * key was deleted: put back as it was), else a new random key 1.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "cluster_nl.h"
#include "etcd.h"
#include "store.h"

#define RETRY_MIN_MS	100
#define RETRY_MAX_MS	5000
/*
 * Unary calls block the loop: short, so that a dead etcd costs little,
 * but not so short that a slow commit (a loaded etcd) counts as a failure.
 */
#define CALL_TIMEOUT_MS	2000

struct cluster {
	const struct agent_config *cfg;
	struct sync *sync;
	struct members *members;
	struct vgw_etcd *etcd;
	struct vgw_store *store;	/* the copy of the keys */
	struct keys *keys;		/* of the members' messages */
	bool etcd_keys;			/* ... from PREFIX/cluster/keys */
	bool make_keys;			/* ... which is absent: make it */
	uint64_t make_keys_at;		/* next attempt */
	struct vgw_etcd_watch *watch;	/* NULL: not watching */
	int64_t rev;			/* what the copy reflects; 0: not read */
	bool resync;			/* read everything before watching */
	bool watching;			/* the watch was confirmed */
	uint64_t unwatched_since;	/* ... or not, since then */
	int changed;			/* VGW_STORE_* since the last publish */
	uint64_t retry_at;		/* next connect attempt (not watching) */
	unsigned int backoff_ms;
	char last_err[512];
};

/* No watch any more (lost, or read everything again): since now. */
static void stop_watch(struct cluster *c)
{
	vgw_etcd_watch_stop(c->watch);
	c->watch = NULL;
	if (c->watching)
		c->unwatched_since = now_ms();
	c->watching = false;
}

static void report(struct cluster *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A connection problem: a warning when new, debug while it lasts. */
static void report(struct cluster *c, const char *fmt, ...)
{
	char msg[sizeof(c->last_err)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (strcmp(msg, c->last_err))
		log_warn("%s", msg);
	else
		log_debug("still: %s", msg);
	snprintf(c->last_err, sizeof(c->last_err), "%s", msg);
}

struct cluster *cluster_new(const struct agent_config *cfg, struct sync *s)
{
	struct cluster *c = calloc(1, sizeof(*c));
	char err[512];

	if (!c)
		return NULL;
	c->cfg = cfg;
	c->sync = s;
	c->resync = true;
	c->unwatched_since = now_ms();
	srandom((unsigned int)getpid() ^ (unsigned int)now_ms());
	c->store = vgw_store_new(cfg->etcd_prefix);
	c->keys = keys_new(cfg);
	c->etcd_keys = cfg->host_id[0] && cfg->cluster_auth &&
		       !cfg->cluster_keys[0];
	if (!c->store || !c->keys) {
		cluster_free(c);
		return NULL;
	}
	if (vgw_etcd_open_config(&cfg->etcd, &c->etcd, err, sizeof(err))) {
		log_err("%s", err);
		cluster_free(c);
		return NULL;
	}
	vgw_etcd_set_timeout(c->etcd, CALL_TIMEOUT_MS);
	/*
	 * After the client above: libcurl is initialised (not thread-safe)
	 * before the members' keepalive thread starts.
	 */
	c->members = members_new(cfg, s, c->keys);
	if (!c->members) {
		cluster_free(c);
		return NULL;
	}
	if (cfg->host_id[0] && !cfg->cluster_auth)
		log_warn("cluster messages are not authenticated (cluster-auth off): any host that can send to this one's underlay address as a member's can hand in frames and state");
	else if (cfg->host_id[0] && !c->etcd_keys)
		keys_file_check(c->keys, true);
	return c;
}

void cluster_free(struct cluster *c)
{
	if (!c)
		return;
	vgw_etcd_watch_stop(c->watch);
	if (c->members && c->etcd)
		members_leave(c->members, c->etcd);
	members_free(c->members);
	keys_free(c->keys);
	vgw_etcd_close(c->etcd);
	vgw_store_free(c->store);
	free(c);
}

void cluster_resync(struct cluster *c)
{
	stop_watch(c);
	c->resync = true;
	c->retry_at = 0;
}

/*
 * The next attempt, after the backoff give or take a quarter: the agents
 * of a cluster that all lost the same etcd do not come back in step.
 */
static void retry_later(struct cluster *c)
{
	c->backoff_ms = c->backoff_ms ? c->backoff_ms * 2 : RETRY_MIN_MS;
	if (c->backoff_ms > RETRY_MAX_MS)
		c->backoff_ms = RETRY_MAX_MS;
	c->retry_at = now_ms() + c->backoff_ms * 3 / 4 +
		      (uint64_t)random() % (c->backoff_ms / 2 + 1);
}

/* Read every key under the prefix into the copy. */
static int read_all(struct cluster *c)
{
	struct vgw_etcd_kvs kvs;
	int ret = vgw_etcd_get_prefix(c->etcd, c->cfg->etcd_prefix, &kvs);

	if (ret) {
		report(c, "cannot read %s from etcd (%s); retrying",
			 c->cfg->etcd_prefix, vgw_etcd_error(c->etcd));
		return ret;
	}
	ret = vgw_store_load(c->store, &kvs);
	if (ret >= 0) {
		log_info("read %zu keys under %s from etcd %s at revision %" PRId64,
			 kvs.n, c->cfg->etcd_prefix, vgw_etcd_url(c->etcd), kvs.rev);
		c->changed |= ret;
		c->rev = kvs.rev;
		c->resync = false;
	}
	vgw_etcd_kvs_free(&kvs);
	return ret < 0 ? ret : 0;
}

/* (Re)start the watch, reading everything first when needed. */
static void connect_etcd(struct cluster *c)
{
	if (c->resync && read_all(c)) {
		retry_later(c);
		return;
	}
	if (vgw_etcd_watch_start(c->etcd, c->cfg->etcd_prefix, c->rev + 1,
				 &c->watch)) {
		report(c, "cannot start a watch of %s (%s); retrying",
		       c->cfg->etcd_prefix, vgw_etcd_error(c->etcd));
		c->watch = NULL;
		retry_later(c);
	}
}

static int on_event(const struct vgw_etcd_event *ev, void *arg)
{
	struct cluster *c = arg;
	int ret;

	if (ev->type == VGW_ETCD_PUT)
		ret = vgw_store_set(c->store, ev->kv.key, ev->kv.key_len,
				    ev->kv.value, ev->kv.value_len, ev->kv.mod_rev);
	else
		ret = vgw_store_del(c->store, ev->kv.key, ev->kv.key_len);
	if (ret < 0)
		return ret;
	log_debug("etcd %s %s (revision %" PRId64 ")",
		  ev->type == VGW_ETCD_PUT ? "put" : "delete", ev->kv.key,
		  ev->kv.mod_rev);
	c->changed |= ret;
	if (ev->kv.mod_rev > c->rev)
		c->rev = ev->kv.mod_rev;
	return 0;
}

/* The watch was just confirmed: say so, and notice an etcd gone back. */
static void confirmed(struct cluster *c)
{
	int64_t now = vgw_etcd_watch_created_rev(c->watch);

	c->watching = true;
	c->backoff_ms = 0;
	if (now && now < c->rev) {
		log_warn("etcd is at revision %" PRId64 ", behind the %" PRId64
			 " seen here (restored from a backup?): reading everything again",
			 now, c->rev);
		cluster_resync(c);
		return;
	}
	if (c->last_err[0])
		log_info("etcd %s reachable again", vgw_etcd_url(c->etcd));
	c->last_err[0] = '\0';
	log_info("watching %s from revision %" PRId64, c->cfg->etcd_prefix,
		 c->rev + 1);
}

/* The watch ended: compacted (read everything) or lost (resume). */
static void watch_lost(struct cluster *c, int err)
{
	const char *why = vgw_etcd_watch_error(c->watch);

	if (err == -ESTALE) {
		log_warn("etcd compacted its history up to revision %" PRId64
			 " (this host has %" PRId64 "): reading everything again",
			 vgw_etcd_watch_compact_rev(c->watch), c->rev);
		cluster_resync(c);
		return;
	}
	if (err == -EKEYEXPIRED)	/* the library gets a new token */
		log_info("etcd refused the watch's token (%s): authenticating again, resuming from revision %" PRId64,
			 why, c->rev + 1);
	else
		report(c, "lost the etcd watch (%s); resuming from revision %" PRId64,
		       why, c->rev + 1);
	stop_watch(c);
	retry_later(c);
}

/* The route rules of @doc, for the log (a big table's change shows). */
static unsigned long route_rules(const struct vgw_doc *doc)
{
	const struct vgw_route_table *rt;
	unsigned long n = 0;
	unsigned int i;

	for (i = 0; i < vgw_doc_count(doc, VGW_OBJ_ROUTE_TABLE); i++) {
		rt = vgw_doc_obj(doc, VGW_OBJ_ROUTE_TABLE, i);
		n += rt->n_rules;
	}
	return n;
}

/* The document of the copy, to sync.c: true if the desired state changed. */
static bool publish_doc(struct cluster *c)
{
	char err[1024], why[64];
	struct vgw_doc *doc;
	int ret;

	ret = vgw_store_doc(c->store, &doc, err, sizeof(err));
	/*
	 * A split object's head whose parts are not all in the copy: not a
	 * bad document, one not complete yet (writers put the parts first,
	 * so only keys deleted or written by hand get here). The desired
	 * state stays as it is; the parts' events publish again.
	 */
	if (ret == -EAGAIN) {
		log_warn("etcd revision %" PRId64 ": %s: keeping the desired state until it is complete",
			 c->rev, err);
		return false;
	}
	if (ret) {
		sync_refuse(c->sync, err);
		return false;
	}
	snprintf(why, sizeof(why), "etcd revision %" PRId64 ", %lu route rules",
		 c->rev, route_rules(doc));
	return sync_set_want(c->sync, doc, why);
}

/* PREFIX/cluster/keys changed (or was read): its keys, or make it. */
static void publish_keys(struct cluster *c)
{
	char what[VGW_STORE_KEY_MAX + 64];	/* for the log */
	const char *value;
	int64_t rev;
	size_t len;

	if (!c->etcd_keys)
		return;
	if (vgw_store_keys_value(c->store, &value, &len, &rev)) {
		c->make_keys = true;
		c->make_keys_at = 0;
		return;
	}
	c->make_keys = false;
	strcpy(what, "etcd ");
	vgw_store_keys_key(c->cfg->etcd_prefix, what + strlen(what));
	snprintf(what + strlen(what), sizeof(what) - strlen(what),
		 " at revision %" PRId64, rev);
	if (keys_set_text(c->keys, value, len, what))
		members_keys_changed(c->members);
}

/* No PREFIX/cluster/keys: make it, unless another member does first. */
static void make_keys(struct cluster *c)
{
	struct vgw_cluster_key fresh;
	const struct vgw_cluster_key *k;
	char key[VGW_STORE_KEY_MAX], err[512];
	unsigned int n;
	bool done;
	int ret;

	c->make_keys_at = now_ms() + 1000;	/* if this fails */
	vgw_store_keys_key(c->cfg->etcd_prefix, key);
	k = keys_get(c->keys, &n);
	if (!n) {
		ret = vgw_cluster_key_random(&fresh, 1);
		if (ret) {
			log_err("cluster: cannot make a key: getrandom: %s",
				strerror(-ret));
			return;
		}
		k = &fresh;
		n = 1;
	}
	ret = vgw_store_keys_put(c->etcd, c->cfg->etcd_prefix, k, n, 0, &done,
				 NULL, err, sizeof(err));
	explicit_bzero(&fresh, sizeof(fresh));
	if (ret) {
		report(c, "cannot make %s (%s); retrying", key, err);
		return;
	}
	c->make_keys = false;
	if (!done)
		log_info("cluster: %s was made by another member first: taking its keys",
			 key);
	else if (k == &fresh)
		log_info("cluster: no keys in etcd: made %s with a new random key 1",
			 key);
	else
		log_warn("cluster: %s was gone: put back the keys in use", key);
	/* The watch brings the value, this one's or the winner's. */
}

static void publish_members(struct cluster *c)
{
	struct vgw_cluster live;
	char bad[512];

	if (vgw_store_cluster(c->store, &live, bad, sizeof(bad))) {
		log_err("members: out of memory");
		return;
	}
	members_update(c->members, &live, bad, c->rev);
}

void cluster_drain(struct cluster *c)
{
	members_drain(c->members);
}

bool cluster_unhealthy(const struct cluster *c, char *why, size_t len)
{
	uint64_t now = now_ms();

	if (!c->watching && now - c->unwatched_since > c->cfg->etcd_lost_ms) {
		snprintf(why, len, "no etcd watch for %llu s (--etcd-lost-after %.1f s)",
			 (unsigned long long)((now - c->unwatched_since) / 1000),
			 c->cfg->etcd_lost_ms / 1000.0);
		return true;
	}
	return members_unhealthy(c->members, why, len);
}

bool cluster_run(struct cluster *c)
{
	bool doc_changed = false;
	int err;

	if (c->watch) {
		err = vgw_etcd_watch_run(c->watch, on_event, c);
		if (!c->watching && c->watch && vgw_etcd_watch_created(c->watch))
			confirmed(c);
		if (err && c->watch)
			watch_lost(c, err);
	}
	if (!c->watch && now_ms() >= c->retry_at)
		connect_etcd(c);
	if (c->changed & VGW_STORE_OBJECTS)
		doc_changed = publish_doc(c);
	if (c->changed & VGW_STORE_KEYS)
		publish_keys(c);
	if (c->changed & VGW_STORE_MEMBERS)
		publish_members(c);
	c->changed = 0;
	if (c->make_keys && c->watch && now_ms() >= c->make_keys_at)
		make_keys(c);
	members_run(c->members, c->etcd);
	return members_kick(c->members) || doc_changed;
}

unsigned int cluster_fds(struct cluster *c, struct pollfd *fds,
			 unsigned int max, uint64_t *deadline)
{
	uint64_t at = members_next(c->members);
	unsigned int n = 0;
	int t;

	/* The keepalive's thread found the lease gone: members_run() now. */
	if (members_fd(c->members) >= 0 && max) {
		fds[n++] = (struct pollfd){ .fd = members_fd(c->members),
					    .events = POLLIN };
	}
	if (c->watch) {
		n += vgw_etcd_watch_fds(c->watch, fds + n, max - n, &t);
		if (t >= 0 && now_ms() + (uint64_t)t < at)
			at = now_ms() + (uint64_t)t;
	} else if (c->retry_at < at) {
		at = c->retry_at;
	}
	if (c->make_keys && c->watch && c->make_keys_at < at)
		at = c->make_keys_at;
	*deadline = at;
	return n;
}

bool cluster_keys_check(struct cluster *c, bool force)
{
	if (c->etcd_keys || !c->cfg->host_id[0] || !c->cfg->cluster_auth ||
	    !keys_file_check(c->keys, force))
		return false;
	members_keys_changed(c->members);
	return members_kick(c->members);
}

int cluster_read_once(struct cluster *c)
{
	if (read_all(c))
		return -1;
	publish_doc(c);
	return 0;
}
