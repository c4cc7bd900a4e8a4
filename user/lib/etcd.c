// SPDX-License-Identifier: GPL-2.0
/*
 * The etcd client's requests (etcd.h): unary calls with one reused libcurl
 * handle (its connection stays open between calls), and watch streams read
 * through a curl multi handle, so that a caller's poll() loop never blocks
 * on them.
 *
 * The programs link libcurl (libcurl.so.4) like any other library, so that
 * a package's dependencies name it (dpkg-shlibdeps); the test VM's image
 * carries it (tools/vm-initramfs: LIBRARIES).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>

#include <curl/curl.h>

#include "etcd_priv.h"

#define PAGE_KEYS	1000	/* keys per range page */
#define STREAM_MAX	(64u << 20)	/* one watch message, at most */

/*
 * curl_global_init() once per process, on the first vgw_etcd_open(): it is
 * not thread-safe, but the programs open etcd from one thread.
 */
static int curl_init_once(char *err, size_t errlen)
{
	static bool done;

	if (done)
		return 0;
	if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
		snprintf(err, errlen, "curl_global_init failed");
		return -ENOSYS;
	}
	done = true;
	return 0;
}

/* A growing buffer for response bodies. */
struct buf {
	char *data;
	size_t len, cap;
	bool overflow;		/* more than STREAM_MAX arrived */
};

static int buf_add(struct buf *b, const void *p, size_t n)
{
	size_t cap = b->cap ? b->cap : 4096;
	char *d;

	while (cap < b->len + n + 1)
		cap *= 2;
	if (cap != b->cap) {
		d = realloc(b->data, cap);
		if (!d)
			return -ENOMEM;
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

static size_t write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;

	if (b->len + size * n > STREAM_MAX) {
		b->overflow = true;
		return 0;	/* makes curl fail the transfer */
	}
	if (buf_add(b, p, size * n))
		return 0;
	return size * n;
}

struct vgw_etcd {
	struct vgw_etcd_config cfg;	/* endpoints without trailing slashes */
	char all[VGW_ETCD_MAX_ENDPOINTS * (VGW_ETCD_URL_MAX + 1)];
	unsigned int cur;		/* the endpoint in use */
	CURL *h;
	struct curl_slist *hdrs;	/* with the token, once there is one */
	char token[2048];		/* "": none yet (or no auth) */
	unsigned int auth_count;
	bool sent;			/* the failed request may have been done */
	long timeout_ms;
	struct buf resp;
	char curl_err[CURL_ERROR_SIZE];
	char errmsg[512];
};

/* The headers of every request: JSON, and the token when there is one. */
static struct curl_slist *make_headers(const char *token, bool watch)
{
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json"), *t;
	char auth[sizeof(((struct vgw_etcd *)0)->token) + 32];

	/*
	 * A watch asks for a leader (grpc-gateway passes Grpc-Metadata-*
	 * headers on as gRPC metadata; etcd's "hasleader" = "true"): a member
	 * cut off from its quorum cancels it, instead of keeping it open and
	 * silent while the others move on.
	 */
	if (h && watch) {
		t = curl_slist_append(h, "Grpc-Metadata-Hasleader: true");
		if (!t)
			goto fail;
		h = t;
	}
	if (h && token && *token) {
		snprintf(auth, sizeof(auth), "Authorization: %s", token);
		t = curl_slist_append(h, auth);
		explicit_bzero(auth, sizeof(auth));
		if (!t)
			goto fail;
		h = t;
	}
	return h;
fail:
	curl_slist_free_all(h);
	return NULL;
}

static int set_token(struct vgw_etcd *e, const char *token)
{
	struct curl_slist *h = make_headers(token, false);

	if (!h)
		return -ENOMEM;
	curl_slist_free_all(e->hdrs);
	e->hdrs = h;
	snprintf(e->token, sizeof(e->token), "%s", token);
	return 0;
}

int vgw_etcd_open_config(const struct vgw_etcd_config *cfg,
			 struct vgw_etcd **out, char *err, size_t errlen)
{
	struct vgw_etcd *e;
	unsigned int i;
	size_t n;
	int ret;

	ret = vgw_etcd_config_check(cfg, err, errlen);
	if (ret)
		return ret;
	ret = curl_init_once(err, errlen);
	if (ret)
		return ret;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->cfg = *cfg;
	for (i = 0; i < cfg->n_endpoints; i++) {
		n = strlen(e->cfg.endpoints[i]);
		while (n && e->cfg.endpoints[i][n - 1] == '/')
			e->cfg.endpoints[i][--n] = '\0';
		snprintf(e->all + strlen(e->all), sizeof(e->all) - strlen(e->all),
			 "%s%s", i ? "," : "", e->cfg.endpoints[i]);
	}
	e->timeout_ms = VGW_ETCD_TIMEOUT_MS;
	e->h = curl_easy_init();
	if (!e->h || set_token(e, "")) {
		vgw_etcd_close(e);
		return -ENOMEM;
	}
	*out = e;
	return 0;
}

int vgw_etcd_open(const char *url, struct vgw_etcd **out, char *err,
		  size_t errlen)
{
	struct vgw_etcd_config cfg;
	int ret;

	vgw_etcd_config_init(&cfg);
	ret = vgw_etcd_config_set(&cfg, "etcd", url, err, errlen);
	if (!ret)
		ret = vgw_etcd_open_config(&cfg, out, err, errlen);
	return ret;
}

void vgw_etcd_close(struct vgw_etcd *e)
{
	if (!e)
		return;
	if (e->h)
		curl_easy_cleanup(e->h);
	if (e->hdrs)
		curl_slist_free_all(e->hdrs);
	free(e->resp.data);
	explicit_bzero(e, sizeof(*e));
	free(e);
}

const char *vgw_etcd_error(const struct vgw_etcd *e)
{
	return e->errmsg;
}

const char *vgw_etcd_url(const struct vgw_etcd *e)
{
	return e->cfg.endpoints[e->cur];
}

const char *vgw_etcd_endpoints(const struct vgw_etcd *e)
{
	return e->all;
}

unsigned int vgw_etcd_auth_count(const struct vgw_etcd *e)
{
	return e->auth_count;
}

void vgw_etcd_set_timeout(struct vgw_etcd *e, long ms)
{
	e->timeout_ms = ms;
}

static int fail(struct vgw_etcd *e, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct vgw_etcd *e, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->errmsg, sizeof(e->errmsg), fmt, ap);
	va_end(ap);
	return err;
}

static int curl_errno(CURLcode c)
{
	switch (c) {
	case CURLE_COULDNT_CONNECT:
		return -ECONNREFUSED;
	case CURLE_COULDNT_RESOLVE_HOST:
		return -EHOSTUNREACH;
	case CURLE_OPERATION_TIMEDOUT:
		return -ETIMEDOUT;
	case CURLE_OUT_OF_MEMORY:
		return -ENOMEM;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
		return -EPERM;		/* TLS refused, by either side */
	default:
		return -EIO;
	}
}

/*
 * The TLS files of every handle. Verification of the server's certificate
 * and name stays on (libcurl's default, set again so that no one turns
 * it off by accident): a man in the middle must not get the password.
 */
static void setup_tls(CURL *h, const struct vgw_etcd_config *cfg)
{
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (cfg->cacert[0])
		curl_easy_setopt(h, CURLOPT_CAINFO, cfg->cacert);
	if (cfg->cert[0]) {
		curl_easy_setopt(h, CURLOPT_SSLCERT, cfg->cert);
		curl_easy_setopt(h, CURLOPT_SSLKEY, cfg->key);
	}
}

/* The options of every request to @path with @body. */
static void setup(CURL *h, const struct vgw_etcd_config *cfg,
		  const char *url, const char *path, const char *body,
		  struct curl_slist *hdrs, struct buf *resp, char *errbuf)
{
	char full[VGW_ETCD_URL_MAX + 64];

	snprintf(full, sizeof(full), "%s%s", url, path);
	curl_easy_setopt(h, CURLOPT_URL, full);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, resp);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	errbuf[0] = '\0';
	setup_tls(h, cfg);
}

/* curl's own message for @c, with its details when it has some. */
static const char *curl_msg(CURLcode c, const char *errbuf)
{
	return errbuf[0] ? errbuf : curl_easy_strerror(c);
}

/*
 * An etcd started with --client-cert-auth drops a TLS 1.3 client without a
 * certificate after the handshake: curl then says only that the
 * connection went away.
 */
static const char *tls_hint(const struct vgw_etcd *e, CURLcode c)
{
	if (e->cfg.cert[0] || strncmp(vgw_etcd_url(e), "https://", 8))
		return "";
	switch (c) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
		return " (no client certificate was sent: does etcd require one? --cert, --key)";
	default:
		return "";
	}
}

/* An etcd refusal in a reply body: {"error": "...", "code": N}. */
static int reply_error(struct vgw_etcd *e, json_t *root, const char *path)
{
	json_t *err = json_object_get(root, "error");
	const char *msg = json_string_value(json_object_get(root, "message"));
	int code = (int)json_integer_value(json_object_get(root, "code"));
	int ret;

	if (json_is_object(err)) {	/* a stream's error form */
		msg = json_string_value(json_object_get(err, "message"));
		code = (int)json_integer_value(json_object_get(err, "grpc_code"));
	}
	if (!msg)
		msg = json_string_value(err);
	ret = vgw_etcd_grpc_errno(code, msg);
	/*
	 * A request over etcd's limits: "request is too large" (over
	 * --max-request-bytes), "grpc: received message larger than max"
	 * (over that plus gRPC's 512 KiB of slack), "too many operations in
	 * txn request" (--max-txn-ops). Say which setting it is.
	 */
	return fail(e, ret, "etcd %s%s: %s%s", vgw_etcd_url(e), path,
		    msg ? msg : "unknown error",
		    ret != -E2BIG ? "" : msg && strstr(msg, "too many operations") ?
		    " (over etcd's --max-txn-ops, default 128)" :
		    " (over etcd's --max-request-bytes, default 1572864 = 1.5 MiB)");
}

/*
 * POST @body to @path of the current endpoint, once; *resp is the reply's
 * object (the "result" of a stream reply). 0 or -errno with e->errmsg.
 */
static int call_one(struct vgw_etcd *e, const char *path, const char *body,
		    json_t **resp)
{
	json_t *root = NULL, *r;
	json_error_t je;
	long status = 0;
	CURLcode c;

	e->resp.len = 0;
	e->resp.overflow = false;
	e->sent = false;
	setup(e->h, &e->cfg, vgw_etcd_url(e), path, body, e->hdrs, &e->resp,
	      e->curl_err);
	curl_easy_setopt(e->h, CURLOPT_TIMEOUT_MS, e->timeout_ms);
	c = curl_easy_perform(e->h);
	if (c) {
		long sent = 0;

		/* A timeout after the request went out: it may be done. */
		curl_easy_getinfo(e->h, CURLINFO_REQUEST_SIZE, &sent);
		e->sent = c == CURLE_OPERATION_TIMEDOUT && sent > 0;
		if (e->resp.overflow)
			return fail(e, -EMSGSIZE, "etcd %s%s: a reply of more than %u MiB",
				    vgw_etcd_url(e), path, STREAM_MAX >> 20);
		return fail(e, curl_errno(c), "etcd %s: %s%s", vgw_etcd_url(e),
			    curl_msg(c, e->curl_err), tls_hint(e, c));
	}
	curl_easy_getinfo(e->h, CURLINFO_RESPONSE_CODE, &status);
	if (e->resp.len)
		root = json_loadb(e->resp.data, e->resp.len, JSON_DISABLE_EOF_CHECK, &je);
	if (!json_is_object(root)) {
		json_decref(root);
		/*
		 * etcd (embed/serve.go) with --client-cert-auth and auth on
		 * refuses, through its JSON gateway, a client certificate with
		 * a CommonName (which would be a user name the gateway cannot
		 * pass on).
		 */
		if (e->resp.len && strstr(e->resp.data, "CommonName of client"))
			return fail(e, -EACCES, "etcd %s: refuses client certificate %s: it has a CommonName, which etcd's JSON gateway does not take with auth on (issue one without a CN; the user is --user)",
				    vgw_etcd_url(e), e->cfg.cert);
		return fail(e, -EPROTO, "etcd %s%s: HTTP %ld, not a gateway reply: %.100s",
			    vgw_etcd_url(e), path, status,
			    e->resp.len ? e->resp.data : "(empty)");
	}
	if (json_object_get(root, "error")) {
		int err = reply_error(e, root, path);

		/* etcd's proposal timed out: it may still be applied. */
		e->sent = !!strstr(e->errmsg, "request timed out");
		json_decref(root);
		return err;
	}
	r = json_object_get(root, "result");
	*resp = json_incref(r ? r : root);
	json_decref(root);
	e->errmsg[0] = '\0';
	return 0;
}

/*
 * Trade the user and password for a token (/v3/auth/authenticate). The
 * message names the user, never the password.
 */
static int authenticate(struct vgw_etcd *e)
{
	json_t *req = json_pack("{s:s, s:s}", "name", e->cfg.user,
				"password", e->cfg.password);
	char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
	const char *token;
	json_t *resp;
	int err;

	json_decref(req);
	if (!body)
		return fail(e, -ENOMEM, "out of memory");
	err = call_one(e, "/v3/auth/authenticate", body, &resp);
	explicit_bzero(body, strlen(body));
	free(body);
	if (err) {
		char why[sizeof(e->errmsg)];

		e->sent = false;	/* asking for a token again does no harm */
		snprintf(why, sizeof(why), "%s", e->errmsg);
		return fail(e, err == -EKEYEXPIRED ? -EACCES : err,
			    "%s (authenticating as user \"%s\")", why, e->cfg.user);
	}
	token = json_string_value(json_object_get(resp, "token"));
	if (!token || !*token || strlen(token) >= sizeof(e->token))
		err = fail(e, -EPROTO, "etcd %s: authenticating as user \"%s\": no token in the reply (is auth enabled in etcd?)",
			   vgw_etcd_url(e), e->cfg.user);
	else
		err = set_token(e, token);
	json_decref(resp);
	if (!err)
		e->auth_count++;
	return err;
}

/*
 * Errors after which another endpoint may do better. Not when the request
 * may have been done (e->sent: it was sent and timed out, or etcd said its
 * proposal timed out): a write must not be done twice; the next call
 * starts on the next endpoint instead.
 */
static bool try_next(const struct vgw_etcd *e, int err)
{
	if (e->sent)
		return false;
	return err == -ECONNREFUSED || err == -EHOSTUNREACH || err == -EPERM ||
	       err == -EAGAIN || err == -ETIMEDOUT;
}

/* The next endpoint, for this call's next try and the calls after it. */
static void next_endpoint(struct vgw_etcd *e)
{
	e->cur = (e->cur + 1) % e->cfg.n_endpoints;
}

/*
 * With a user, a token first; then @body to @path: on an endpoint that
 * cannot be reached, or has no leader, the next one, each at most once;
 * when etcd says the token is no longer valid (it expired, or the member
 * restarted and forgot it), a new token and one more try.
 */
static int call_body(struct vgw_etcd *e, const char *path, const char *body,
		     json_t **resp)
{
	unsigned int tries = e->cfg.n_endpoints;
	bool reauth = false;
	int err;

	for (;;) {
		err = 0;
		if (e->cfg.user[0] && !e->token[0])
			err = authenticate(e);
		if (!err)
			err = call_one(e, path, body, resp);
		if (err == -EKEYEXPIRED && e->cfg.user[0] && !reauth) {
			reauth = true;
			set_token(e, "");
			continue;
		}
		if (!try_next(e, err) || --tries == 0)
			break;
		next_endpoint(e);
	}
	/* Not repeated, but the next call tries another endpoint. */
	if (err && e->sent && e->cfg.n_endpoints > 1)
		next_endpoint(e);
	if (err && try_next(e, err) && e->cfg.n_endpoints > 1) {
		char why[sizeof(e->errmsg)];

		snprintf(why, sizeof(why), "%s", e->errmsg);
		fail(e, err, "%s (and every other endpoint of %s failed)", why, e->all);
	}
	return err;
}

static int call(struct vgw_etcd *e, const char *path, json_t *req,
		json_t **resp)
{
	char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
	int err;

	json_decref(req);
	if (!body)
		return fail(e, -ENOMEM, "out of memory");
	err = call_body(e, path, body, resp);
	free(body);
	return err;
}

/* A token for a watch (which sends it in its own request). */
static int ensure_token(struct vgw_etcd *e)
{
	unsigned int tries = e->cfg.n_endpoints;
	int err = 0;

	while (e->cfg.user[0] && !e->token[0]) {
		err = authenticate(e);
		if (!try_next(e, err) || --tries == 0)
			break;
		next_endpoint(e);
	}
	return err;
}

/* The header revision of a reply. */
static int header_rev(struct vgw_etcd *e, json_t *resp, int64_t *rev)
{
	int64_t r;

	if (vgw_etcd_json_i64(json_object_get(resp, "header"), "revision", &r))
		return fail(e, -EPROTO, "etcd %s: no revision in the reply", vgw_etcd_url(e));
	if (rev)
		*rev = r;
	return 0;
}

void vgw_etcd_kvs_free(struct vgw_etcd_kvs *kvs)
{
	size_t i;

	for (i = 0; i < kvs->n; i++)
		vgw_etcd_kv_clear(&kvs->kv[i]);
	free(kvs->kv);
	memset(kvs, 0, sizeof(*kvs));
}

static int kvs_add(struct vgw_etcd_kvs *kvs, json_t *a)
{
	struct vgw_etcd_kv *kv;
	size_t i;
	int err;

	if (!a)
		return 0;
	if (!json_is_array(a))
		return -EPROTO;
	kv = realloc(kvs->kv, (kvs->n + json_array_size(a)) * sizeof(*kv) + 1);
	if (!kv)
		return -ENOMEM;
	kvs->kv = kv;
	for (i = 0; i < json_array_size(a); i++) {
		err = vgw_etcd_kv_decode(json_array_get(a, i), &kvs->kv[kvs->n]);
		if (err)
			return err;
		kvs->n++;
	}
	return 0;
}

/* One page: at most @limit keys in [@from, @end) at @rev (0: now). */
static int range_page(struct vgw_etcd *e, const char *from, size_t from_len,
		      const char *end, size_t end_len, unsigned int limit,
		      struct vgw_etcd_kvs *kvs, bool *more)
{
	json_t *req = json_pack("{s:o, s:o, s:I, s:I}",
				"key", vgw_etcd_json_b64(from, from_len),
				"range_end", vgw_etcd_json_b64(end, end_len),
				"limit", (json_int_t)limit,
				"revision", (json_int_t)kvs->rev);
	json_t *resp;
	int err;

	if (!req)
		return -ENOMEM;
	err = call(e, "/v3/kv/range", req, &resp);
	if (err)
		return err;
	err = header_rev(e, resp, kvs->rev ? NULL : &kvs->rev);
	if (!err)
		err = kvs_add(kvs, json_object_get(resp, "kvs"));
	*more = json_is_true(json_object_get(resp, "more"));
	json_decref(resp);
	if (err == -EPROTO)
		fail(e, err, "etcd %s: bad range reply", vgw_etcd_url(e));
	return err;
}

int vgw_etcd_get_prefix(struct vgw_etcd *e, const char *prefix,
			struct vgw_etcd_kvs *out)
{
	size_t end_len, from_len = strlen(prefix);
	char *end = vgw_etcd_prefix_end(prefix, &end_len), *from;
	unsigned int limit = PAGE_KEYS;
	struct vgw_etcd_kv *last;
	bool more = true;
	int err = 0;

	memset(out, 0, sizeof(*out));
	from = strdup(prefix);
	if (!end || !from)
		err = -ENOMEM;
	while (!err && more) {
		err = range_page(e, from, from_len, end, end_len, limit, out, &more);
		/*
		 * Values of up to a MiB (the store's parts of big objects):
		 * a page too big for one reply is asked for again in halves.
		 */
		if (err == -EMSGSIZE && limit > 1) {
			limit /= 2;
			err = 0;
			continue;
		}
		if (err || !more || !out->n)
			break;
		/* The next page starts just after the last key: key + "\0". */
		last = &out->kv[out->n - 1];
		free(from);
		from = malloc(last->key_len + 1);
		if (!from)
			err = -ENOMEM;
		else
			memcpy(from, last->key, last->key_len + 1);
		from_len = last->key_len + 1;
	}
	free(end);
	free(from);
	if (err)
		vgw_etcd_kvs_free(out);
	return err;
}

int vgw_etcd_put(struct vgw_etcd *e, const char *key, const void *value,
		 size_t len, int64_t lease, int64_t *rev)
{
	json_t *req = json_pack("{s:o, s:o, s:I}",
				"key", vgw_etcd_json_b64(key, strlen(key)),
				"value", vgw_etcd_json_b64(value, len),
				"lease", (json_int_t)lease);
	json_t *resp;
	int err;

	if (!req)
		return -ENOMEM;
	err = call(e, "/v3/kv/put", req, &resp);
	if (err)
		return err;
	err = header_rev(e, resp, rev);
	json_decref(resp);
	return err;
}

int vgw_etcd_delete(struct vgw_etcd *e, const char *key, int64_t *rev)
{
	json_t *req = json_pack("{s:o}", "key",
				vgw_etcd_json_b64(key, strlen(key)));
	json_t *resp;
	int err;

	if (!req)
		return -ENOMEM;
	err = call(e, "/v3/kv/deleterange", req, &resp);
	if (err)
		return err;
	err = header_rev(e, resp, rev);
	json_decref(resp);
	return err;
}

/* --- transactions ------------------------------------------------------------ */

struct vgw_etcd_txn {
	json_t *compare, *success;
	size_t bytes;
};

struct vgw_etcd_txn *vgw_etcd_txn_new(void)
{
	struct vgw_etcd_txn *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->compare = json_array();
	t->success = json_array();
	if (!t->compare || !t->success) {
		vgw_etcd_txn_free(t);
		return NULL;
	}
	return t;
}

void vgw_etcd_txn_free(struct vgw_etcd_txn *t)
{
	if (!t)
		return;
	json_decref(t->compare);
	json_decref(t->success);
	free(t);
}

/* Append @item (consumed) to @a, counting its encoded size. */
static int txn_add(struct vgw_etcd_txn *t, json_t *a, json_t *item,
		   size_t bytes)
{
	if (!item || json_array_append_new(a, item))
		return -ENOMEM;
	t->bytes += bytes;
	return 0;
}

/*
 * What an operation adds to the request as etcd measures it (the protobuf
 * message, raw bytes: not the gateway's base64): its key, value and range
 * end, and some bytes of framing, counted generously.
 */
#define OP_OVERHEAD	32

int vgw_etcd_txn_if_mod(struct vgw_etcd_txn *t, const char *key,
			int64_t mod_rev)
{
	size_t n = strlen(key);

	return txn_add(t, t->compare,
		       json_pack("{s:o, s:s, s:s, s:I}",
				 "key", vgw_etcd_json_b64(key, n),
				 "target", "MOD", "result", "EQUAL",
				 "mod_revision", (json_int_t)mod_rev),
		       n + OP_OVERHEAD);
}

int vgw_etcd_txn_if_absent(struct vgw_etcd_txn *t, const char *key)
{
	size_t n = strlen(key);

	return txn_add(t, t->compare,
		       json_pack("{s:o, s:s, s:s, s:I}",
				 "key", vgw_etcd_json_b64(key, n),
				 "target", "CREATE", "result", "EQUAL",
				 "create_revision", (json_int_t)0),
		       n + OP_OVERHEAD);
}

int vgw_etcd_txn_put(struct vgw_etcd_txn *t, const char *key,
		     const void *value, size_t len, int64_t lease)
{
	size_t n = strlen(key);

	return txn_add(t, t->success,
		       json_pack("{s:{s:o, s:o, s:I}}", "request_put",
				 "key", vgw_etcd_json_b64(key, n),
				 "value", vgw_etcd_json_b64(value, len),
				 "lease", (json_int_t)lease),
		       n + len + OP_OVERHEAD);
}

int vgw_etcd_txn_delete(struct vgw_etcd_txn *t, const char *key)
{
	size_t n = strlen(key);

	return txn_add(t, t->success,
		       json_pack("{s:{s:o}}", "request_delete_range",
				 "key", vgw_etcd_json_b64(key, n)),
		       n + OP_OVERHEAD);
}

int vgw_etcd_txn_delete_range(struct vgw_etcd_txn *t, const char *key,
			      const char *end, size_t end_len)
{
	size_t n = strlen(key);

	return txn_add(t, t->success,
		       json_pack("{s:{s:o, s:o}}", "request_delete_range",
				 "key", vgw_etcd_json_b64(key, n),
				 "range_end", vgw_etcd_json_b64(end, end_len)),
		       n + end_len + OP_OVERHEAD);
}

unsigned int vgw_etcd_txn_ops(const struct vgw_etcd_txn *t)
{
	return (unsigned int)json_array_size(t->success);
}

size_t vgw_etcd_txn_bytes(const struct vgw_etcd_txn *t)
{
	return t->bytes;
}

int vgw_etcd_txn_commit(struct vgw_etcd *e, const struct vgw_etcd_txn *t,
			bool *done, int64_t *rev)
{
	json_t *req = json_pack("{s:O, s:O}", "compare", t->compare,
				"success", t->success);
	json_t *resp;
	int err;

	if (!req)
		return -ENOMEM;
	err = call(e, "/v3/kv/txn", req, &resp);
	if (err == -E2BIG) {
		char why[sizeof(e->errmsg)];

		snprintf(why, sizeof(why), "%s", e->errmsg);
		return fail(e, err, "%s (a transaction of %zu bytes, %zu comparisons, %u operations)",
			    why, t->bytes, json_array_size(t->compare),
			    vgw_etcd_txn_ops(t));
	}
	if (err)
		return err;
	*done = json_is_true(json_object_get(resp, "succeeded"));
	err = header_rev(e, resp, rev);
	json_decref(resp);
	return err;
}

/* --- leases ------------------------------------------------------------------ */

int vgw_etcd_lease_grant(struct vgw_etcd *e, unsigned int ttl_s, int64_t *id)
{
	json_t *resp, *req = json_pack("{s:I}", "TTL", (json_int_t)ttl_s);
	int err;

	if (!req)
		return -ENOMEM;
	err = call(e, "/v3/lease/grant", req, &resp);
	if (err)
		return err;
	err = vgw_etcd_json_i64(resp, "ID", id);
	json_decref(resp);
	if (!err && !*id)
		err = -EPROTO;
	return err ? fail(e, err, "etcd %s: bad lease grant reply", vgw_etcd_url(e)) : 0;
}

int vgw_etcd_lease_keepalive(struct vgw_etcd *e, int64_t id, int64_t *ttl)
{
	json_t *resp, *req = json_pack("{s:I}", "ID", (json_int_t)id);
	int err;

	if (!req)
		return -ENOMEM;
	err = call(e, "/v3/lease/keepalive", req, &resp);
	if (err)
		return err;
	err = vgw_etcd_json_i64(resp, "TTL", ttl);
	json_decref(resp);
	return err;
}

int vgw_etcd_lease_revoke(struct vgw_etcd *e, int64_t id)
{
	json_t *resp, *req = json_pack("{s:I}", "ID", (json_int_t)id);
	int err;

	if (!req)
		return -ENOMEM;
	err = call(e, "/v3/lease/revoke", req, &resp);
	if (!err)
		json_decref(resp);
	return err;
}

/* --- watch ------------------------------------------------------------------- */

struct vgw_etcd_watch {
	struct vgw_etcd *e;		/* told of a lost token or endpoint */
	CURLM *multi;
	CURL *h;
	struct curl_slist *hdrs;
	char *body;			/* must live as long as the transfer */
	struct buf in;			/* received, not yet decoded */
	size_t done;			/* bytes of in already decoded */
	bool created;
	int64_t created_rev;		/* the store's revision then */
	int64_t compact_rev;
	char curl_err[CURL_ERROR_SIZE];
	char errmsg[512];
};

int vgw_etcd_watch_start(struct vgw_etcd *e, const char *prefix,
			 int64_t start_rev, struct vgw_etcd_watch **out)
{
	size_t end_len;
	char *end = vgw_etcd_prefix_end(prefix, &end_len);
	struct vgw_etcd_watch *w = calloc(1, sizeof(*w));
	/*
	 * "fragment": etcd splits a reply of more than --max-request-bytes
	 * into several messages (a catching-up watch gets up to 1000
	 * revisions in one, and the store's parts are up to a MiB each), so
	 * that no message outgrows STREAM_MAX. The events simply arrive in
	 * more lines, in the same order.
	 */
	json_t *req = end ? json_pack("{s:{s:o, s:o, s:I, s:b}}", "create_request",
				      "key", vgw_etcd_json_b64(prefix, strlen(prefix)),
				      "range_end", vgw_etcd_json_b64(end, end_len),
				      "start_revision", (json_int_t)start_rev,
				      "fragment", 1) : NULL;

	int err;

	free(end);
	if (w && req)
		w->body = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (w && w->body) {
		w->multi = curl_multi_init();
		w->h = curl_easy_init();
	}
	if (!w || !w->multi || !w->h) {
		vgw_etcd_watch_stop(w);
		return -ENOMEM;
	}
	/*
	 * The token now, in a unary call: an endpoint that cannot be reached
	 * or a refused password is said here, not as a silent stream.
	 */
	err = ensure_token(e);
	if (!err) {
		w->hdrs = make_headers(e->token, true);
		if (!w->hdrs)
			err = fail(e, -ENOMEM, "out of memory");
	}
	if (err) {
		vgw_etcd_watch_stop(w);
		return err;
	}
	w->e = e;
	setup(w->h, &e->cfg, vgw_etcd_url(e), "/v3/watch", w->body, w->hdrs,
	      &w->in, w->curl_err);
	/* A dead peer must end the stream even if it never closes it. */
	curl_easy_setopt(w->h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(w->h, CURLOPT_TCP_KEEPIDLE, 5L);
	curl_easy_setopt(w->h, CURLOPT_TCP_KEEPINTVL, 2L);
	curl_multi_add_handle(w->multi, w->h);
	*out = w;
	return 0;
}

void vgw_etcd_watch_stop(struct vgw_etcd_watch *w)
{
	if (!w)
		return;
	if (w->multi && w->h)
		curl_multi_remove_handle(w->multi, w->h);
	if (w->h)
		curl_easy_cleanup(w->h);
	if (w->multi)
		curl_multi_cleanup(w->multi);
	if (w->hdrs)
		curl_slist_free_all(w->hdrs);
	free(w->body);
	free(w->in.data);
	free(w);
}

unsigned int vgw_etcd_watch_fds(struct vgw_etcd_watch *w, struct pollfd *fds,
				unsigned int max, int *timeout_ms)
{
	fd_set r, wr, x;
	int maxfd = -1, fd;
	unsigned int n = 0;
	long t = -1;

	FD_ZERO(&r);
	FD_ZERO(&wr);
	FD_ZERO(&x);
	curl_multi_fdset(w->multi, &r, &wr, &x, &maxfd);
	curl_multi_timeout(w->multi, &t);
	for (fd = 0; fd <= maxfd && n < max; fd++) {
		short ev = (short)((FD_ISSET(fd, &r) ? POLLIN : 0) |
				   (FD_ISSET(fd, &wr) ? POLLOUT : 0));

		if (ev)
			fds[n++] = (struct pollfd){ .fd = fd, .events = ev };
	}
	/* No descriptor yet (resolving, connecting): curl asks for ~100 ms. */
	if (maxfd < 0 && (t < 0 || t > 100))
		t = 100;
	*timeout_ms = t > 60000 ? 60000 : (int)t;
	return n;
}

/*
 * The watch failed with @err: the next watch (or call) of the client
 * starts on another endpoint if this one is gone or has no leader, and
 * with a new token if etcd refused this one.
 */
static int watch_failed(struct vgw_etcd_watch *w, int err)
{
	if (err == -EKEYEXPIRED || err == -EACCES)
		set_token(w->e, "");
	else if (err != -ESTALE && err != -ECANCELED && w->e->cfg.n_endpoints > 1)
		next_endpoint(w->e);
	return err;
}

static int watch_fail(struct vgw_etcd_watch *w, int err, const char *msg)
{
	snprintf(w->errmsg, sizeof(w->errmsg), "%s", msg);
	return watch_failed(w, err);
}

/* One decoded message: events to @fn; created/canceled/error noted. */
static int watch_msg(struct vgw_etcd_watch *w, struct vgw_etcd_watch_msg *m,
		     vgw_etcd_event_fn fn, void *arg)
{
	size_t i;
	int err = 0;

	if (m->error) {
		err = vgw_etcd_grpc_errno(m->code, m->reason);
		return watch_fail(w, err == -EINVAL ? -EIO : err, m->reason);
	}
	if (m->created) {
		w->created = true;
		w->created_rev = m->rev;
	}
	for (i = 0; i < m->n_ev && !err; i++)
		err = fn(&m->ev[i], arg);
	if (!err && m->canceled) {
		w->compact_rev = m->compact_rev;
		err = watch_fail(w, m->compact_rev ? -ESTALE :
				 vgw_etcd_grpc_errno(0, m->reason) == -EIO ?
				 -ECANCELED : vgw_etcd_grpc_errno(0, m->reason),
				 m->reason);
	}
	return err;
}

/* Decode every complete line received so far. */
static int watch_lines(struct vgw_etcd_watch *w, vgw_etcd_event_fn fn,
		       void *arg)
{
	struct vgw_etcd_watch_msg m;
	char *line, *nl, err[512];
	int ret = 0;

	while (!ret && (nl = memchr(w->in.data + w->done, '\n', w->in.len - w->done))) {
		line = w->in.data + w->done;
		w->done = (size_t)(nl - w->in.data) + 1;
		if (nl == line || (nl == line + 1 && *line == '\r'))
			continue;
		ret = vgw_etcd_watch_msg_parse(line, (size_t)(nl - line), &m, err, sizeof(err));
		if (ret)
			return watch_fail(w, ret, err);
		ret = watch_msg(w, &m, fn, arg);
		vgw_etcd_watch_msg_free(&m);
	}
	/* Keep only the incomplete tail. */
	memmove(w->in.data, w->in.data + w->done, w->in.len - w->done);
	w->in.len -= w->done;
	w->done = 0;
	return ret;
}

/* The transfer ended: why. */
static int watch_ended(struct vgw_etcd_watch *w)
{
	CURLMsg *msg;
	CURLcode c = CURLE_OK;
	long status = 0;
	int left;

	while ((msg = curl_multi_info_read(w->multi, &left)))
		if (msg->msg == CURLMSG_DONE)
			c = msg->data.result;
	curl_easy_getinfo(w->h, CURLINFO_RESPONSE_CODE, &status);
	if (c)
		snprintf(w->errmsg, sizeof(w->errmsg), "watch stream of %s: %s",
			 vgw_etcd_url(w->e), curl_msg(c, w->curl_err));
	else
		snprintf(w->errmsg, sizeof(w->errmsg),
			 "watch stream of %s ended (HTTP %ld)",
			 vgw_etcd_url(w->e), status);
	return watch_failed(w, c && curl_errno(c) != -EIO ? curl_errno(c) : -EPIPE);
}

int vgw_etcd_watch_run(struct vgw_etcd_watch *w, vgw_etcd_event_fn fn,
		       void *arg)
{
	int running = 0, err;

	if (curl_multi_perform(w->multi, &running))
		return watch_fail(w, -EIO, "curl_multi_perform failed");
	err = w->in.len ? watch_lines(w, fn, arg) : 0;
	if (!err && !running)
		err = watch_ended(w);
	return err;
}

bool vgw_etcd_watch_created(const struct vgw_etcd_watch *w)
{
	return w->created;
}

int64_t vgw_etcd_watch_created_rev(const struct vgw_etcd_watch *w)
{
	return w->created_rev;
}

int64_t vgw_etcd_watch_compact_rev(const struct vgw_etcd_watch *w)
{
	return w->compact_rev;
}

const char *vgw_etcd_watch_error(const struct vgw_etcd_watch *w)
{
	return w->errmsg;
}
