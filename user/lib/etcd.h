/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small etcd v3 client, over etcd's JSON gateway (grpc-gateway): POST
 * /v3/kv/range, /v3/kv/put, /v3/kv/deleterange, /v3/kv/txn, /v3/watch,
 * /v3/lease/grant, /v3/lease/keepalive, /v3/lease/revoke, with keys and
 * values in base64 and 64-bit integers as JSON strings. Enough for the
 * desired state (store.h) and the cluster membership.
 *
 * As operators run etcd (struct vgw_etcd_config): several endpoints, tried
 * in turn when one cannot be reached or has no leader; TLS with a CA, a
 * client certificate and key (https:// endpoints; verification is always
 * on); a user and password, traded for a token (/v3/auth/authenticate)
 * sent in the Authorization header, and traded again once when etcd says
 * the token is no longer valid. Watches ask for a leader
 * (Grpc-Metadata-Hasleader): a member cut off from its quorum ends them
 * with an error instead of leaving them silent.
 *
 * HTTP is libcurl's (linked; curl_global_init() when the first client
 * opens).
 *
 * Conventions: 0 or a negative errno. Transport errors: -ECONNREFUSED
 * (nobody listens), -ETIMEDOUT, -EIO; etcd's refusals by gRPC code: -ESTALE
 * (revision compacted, or in the future), -ENOENT (lease not found), -E2BIG
 * (too many operations, request too large: the message names etcd's
 * setting), -EINVAL, -EAGAIN (unavailable,
 * no leader), -EACCES (authentication failed, permission denied), -EKEYEXPIRED
 * (the token is no longer valid: a call re-authenticates once before it
 * says so); -EPROTO for an answer that is not what the gateway sends;
 * -EHOSTUNREACH (name not resolved), -EPERM (TLS refused by either side),
 * -EMSGSIZE (a reply over 64 MiB; a range read asks for smaller pages).
 * When every endpoint failed, the last one's error, its message naming
 * them all. The message of
 * the last error is vgw_etcd_error(). Not thread-safe: one thread per client.
 */
#ifndef VGW_ETCD_H
#define VGW_ETCD_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vgw_etcd;

/*
 * Unary requests give up after this long (the watch stream never does):
 * a write waits for etcd's commit, which a loaded etcd may take seconds
 * for. vgw_etcd_set_timeout() changes it per client.
 */
#define VGW_ETCD_TIMEOUT_MS	10000

#define VGW_ETCD_MAX_ENDPOINTS	8
#define VGW_ETCD_URL_MAX	256
#define VGW_ETCD_PATH_MAX	512
#define VGW_ETCD_CRED_MAX	256

/*
 * How to reach etcd, the same for every tool, with etcdctl's names: the
 * command line's --endpoints URL[,URL...] (alias --etcd), --cacert, --cert,
 * --key, --user USER[:PASSWORD], --password; the environment's
 * ETCDCTL_ENDPOINTS, ETCDCTL_CACERT, ETCDCTL_CERT, ETCDCTL_KEY,
 * ETCDCTL_USER, ETCDCTL_PASSWORD; the agent's host file's etcd-endpoints,
 * etcd-cacert, ... (etcd_config.c). The password is a secret: wipe the
 * struct with vgw_etcd_config_clear().
 */
struct vgw_etcd_config {
	char endpoints[VGW_ETCD_MAX_ENDPOINTS][VGW_ETCD_URL_MAX];
	unsigned int n_endpoints;
	char cacert[VGW_ETCD_PATH_MAX];		/* "": the system's CAs */
	char cert[VGW_ETCD_PATH_MAX];		/* "": no client certificate */
	char key[VGW_ETCD_PATH_MAX];
	char user[VGW_ETCD_CRED_MAX];		/* "": no authentication */
	char password[VGW_ETCD_CRED_MAX];
};

void vgw_etcd_config_init(struct vgw_etcd_config *c);
void vgw_etcd_config_clear(struct vgw_etcd_config *c);
/*
 * One setting by its option name without dashes ("endpoints" or "etcd",
 * "cacert", "cert", "key", "user", "password") or its host-file key
 * ("etcd-endpoints", "etcd-cacert", ...; "VGW_ETCD" is the endpoints too,
 * for vnicctl-etcd's older variable). 0; -EINVAL with a message naming
 * the setting and value (never a password); -ENOENT: not an etcd setting.
 */
int vgw_etcd_config_set(struct vgw_etcd_config *c, const char *name,
			const char *value, char *err, size_t errlen);
/*
 * Fill what is still unset from the ETCDCTL_* variables (the command line
 * and host files win); ETCDCTL_ENDPOINTS only if @endpoints.
 */
int vgw_etcd_config_env(struct vgw_etcd_config *c, bool endpoints, char *err,
			size_t errlen);
/*
 * Complete and consistent: an endpoint; cert and key together; TLS files
 * only with an https:// endpoint; user and password together; a key file
 * nobody else may read.
 */
int vgw_etcd_config_check(const struct vgw_etcd_config *c, char *err,
			  size_t errlen);
/*
 * Overwrite a password given on the command line (@arg of option @name:
 * "password", or the part after the colon of "user"), so that ps and
 * /proc/PID/cmdline do not show it.
 */
void vgw_etcd_scrub_secret(const char *name, char *arg);

/*
 * Open a client of the etcd at @url ("http://127.0.0.1:2379"; a trailing
 * slash is fine; a comma list of URLs is several endpoints). Nothing is
 * sent yet. 0 or -errno (-ENOSYS: libcurl could not be initialised,
 * -EINVAL: not an http(s) URL) with a message in err.
 */
int vgw_etcd_open(const char *url, struct vgw_etcd **out, char *err,
		  size_t errlen);
/* The same with TLS files and credentials (checked first: see above). */
int vgw_etcd_open_config(const struct vgw_etcd_config *cfg,
			 struct vgw_etcd **out, char *err, size_t errlen);
void vgw_etcd_close(struct vgw_etcd *e);
/* The message of the last failed call ("" if none). */
const char *vgw_etcd_error(const struct vgw_etcd *e);
/* The endpoint in use (the next call's first try). */
const char *vgw_etcd_url(const struct vgw_etcd *e);
/* Every endpoint, comma-separated (for messages). */
const char *vgw_etcd_endpoints(const struct vgw_etcd *e);
/* How many tokens the client obtained so far (the tests count refreshes). */
unsigned int vgw_etcd_auth_count(const struct vgw_etcd *e);
void vgw_etcd_set_timeout(struct vgw_etcd *e, long ms);

/*
 * One key and its value. Both are NUL-terminated copies (etcd keys and
 * values are bytes; a NUL inside is kept, the lengths say where they end).
 */
struct vgw_etcd_kv {
	char *key;
	size_t key_len;
	char *value;
	size_t value_len;
	int64_t create_rev, mod_rev, version, lease;
};

struct vgw_etcd_kvs {
	struct vgw_etcd_kv *kv;
	size_t n;
	int64_t rev;		/* the store revision the read saw */
};

/*
 * Every key under @prefix (sorted), read at one revision: a big range is
 * read in pages, each at the first page's revision. Free with
 * vgw_etcd_kvs_free().
 */
int vgw_etcd_get_prefix(struct vgw_etcd *e, const char *prefix,
			struct vgw_etcd_kvs *out);
void vgw_etcd_kvs_free(struct vgw_etcd_kvs *kvs);

/* @lease 0: none. *rev (may be NULL): the revision of the write. */
int vgw_etcd_put(struct vgw_etcd *e, const char *key, const void *value,
		 size_t len, int64_t lease, int64_t *rev);
int vgw_etcd_delete(struct vgw_etcd *e, const char *key, int64_t *rev);

/*
 * A transaction: if every condition holds, every operation is done, at
 * one revision; otherwise none is. Build it, then commit.
 */
struct vgw_etcd_txn;
struct vgw_etcd_txn *vgw_etcd_txn_new(void);
void vgw_etcd_txn_free(struct vgw_etcd_txn *t);
/* Condition: @key's mod revision is @mod_rev (0: the key does not exist). */
int vgw_etcd_txn_if_mod(struct vgw_etcd_txn *t, const char *key,
			int64_t mod_rev);
/* Condition: @key does not exist (its create revision is 0). */
int vgw_etcd_txn_if_absent(struct vgw_etcd_txn *t, const char *key);
int vgw_etcd_txn_put(struct vgw_etcd_txn *t, const char *key,
		     const void *value, size_t len, int64_t lease);
int vgw_etcd_txn_delete(struct vgw_etcd_txn *t, const char *key);
/* Delete every key in [@key, @end) (vgw_etcd_prefix_end(): a prefix). */
int vgw_etcd_txn_delete_range(struct vgw_etcd_txn *t, const char *key,
			      const char *end, size_t end_len);
/*
 * Operations so far, and the request's size in bytes as etcd counts it
 * against --max-request-bytes (raw keys and values, not the gateway's
 * base64, plus some framing): etcd bounds both.
 */
unsigned int vgw_etcd_txn_ops(const struct vgw_etcd_txn *t);
size_t vgw_etcd_txn_bytes(const struct vgw_etcd_txn *t);
/* *done: whether the conditions held (and the operations were done). */
int vgw_etcd_txn_commit(struct vgw_etcd *e, const struct vgw_etcd_txn *t,
			bool *done, int64_t *rev);

int vgw_etcd_lease_grant(struct vgw_etcd *e, unsigned int ttl_s, int64_t *id);
/* *ttl: the seconds left; 0 when the lease is gone (expired or revoked). */
int vgw_etcd_lease_keepalive(struct vgw_etcd *e, int64_t id, int64_t *ttl);
int vgw_etcd_lease_revoke(struct vgw_etcd *e, int64_t id);

/* --- watch ---------------------------------------------------------------- */

enum vgw_etcd_ev_type {
	VGW_ETCD_PUT,
	VGW_ETCD_DELETE,	/* kv has the key and mod_rev only */
};

struct vgw_etcd_event {
	enum vgw_etcd_ev_type type;
	struct vgw_etcd_kv kv;
};

/* Called for each event; valid during the call. Non-zero stops the run. */
typedef int (*vgw_etcd_event_fn)(const struct vgw_etcd_event *ev, void *arg);

/*
 * A watch of every key under a prefix, from a revision on: one long HTTP
 * response, read without blocking. Put its descriptors in a poll() set
 * (vgw_etcd_watch_fds()), and call vgw_etcd_watch_run() when one is ready
 * or the timeout passed.
 */
struct vgw_etcd_watch;
int vgw_etcd_watch_start(struct vgw_etcd *e, const char *prefix,
			 int64_t start_rev, struct vgw_etcd_watch **out);
/*
 * Up to @max descriptors to poll (returns how many) and, in *timeout_ms,
 * the longest wait before the next vgw_etcd_watch_run() (-1: no limit).
 */
unsigned int vgw_etcd_watch_fds(struct vgw_etcd_watch *w, struct pollfd *fds,
				unsigned int max, int *timeout_ms);
/*
 * Read what arrived and hand each event to @fn, in revision order. Returns
 * 0 while the watch goes on; -ESTALE when etcd cancelled it because
 * start_rev is compacted (vgw_etcd_watch_compact_rev() says up to where: read
 * everything again); -EPIPE when the stream ended (etcd went away), other
 * errors as unary calls; or what @fn returned. After an error, stop it.
 */
int vgw_etcd_watch_run(struct vgw_etcd_watch *w, vgw_etcd_event_fn fn,
		       void *arg);
/* etcd confirmed the watch (its first message), at this store revision. */
bool vgw_etcd_watch_created(const struct vgw_etcd_watch *w);
int64_t vgw_etcd_watch_created_rev(const struct vgw_etcd_watch *w);
int64_t vgw_etcd_watch_compact_rev(const struct vgw_etcd_watch *w);
/* The message of the watch's last error. */
const char *vgw_etcd_watch_error(const struct vgw_etcd_watch *w);
void vgw_etcd_watch_stop(struct vgw_etcd_watch *w);

/* --- encoding (etcd_codec.c; no I/O, exposed for the unit tests) ----------- */

/* Standard base64 with padding; returns a malloc'd NUL-terminated string. */
char *vgw_etcd_b64(const void *data, size_t len);
/*
 * Decode (padding optional); a malloc'd copy with a NUL after *len bytes,
 * or NULL if @s is not base64.
 */
char *vgw_etcd_unb64(const char *s, size_t *len);
/*
 * The range end of a prefix: the smallest key greater than every key that
 * starts with it ("/a/" -> "/a0"). Malloc'd; "\0" (all keys) if the prefix
 * is all 0xff bytes.
 */
char *vgw_etcd_prefix_end(const char *prefix, size_t *len);

/* The errno for a gRPC status code and etcd's message (see the top). */
int vgw_etcd_grpc_errno(int code, const char *msg);

/* One message of a watch stream, decoded. */
struct vgw_etcd_watch_msg {
	bool created;
	bool canceled;
	int64_t compact_rev;		/* with canceled: compacted */
	int64_t rev;			/* the header's revision (0: none) */
	struct vgw_etcd_event *ev;
	size_t n_ev;
	char reason[256];		/* canceled or error: why */
	bool error;			/* an {"error": ...} message */
	int code;			/* its gRPC code (0: none given) */
};

/* Decode one line of the stream: 0, or -EPROTO with a message in err. */
int vgw_etcd_watch_msg_parse(const char *text, size_t len,
			     struct vgw_etcd_watch_msg *m, char *err,
			     size_t errlen);
void vgw_etcd_watch_msg_free(struct vgw_etcd_watch_msg *m);

#endif /* VGW_ETCD_H */
