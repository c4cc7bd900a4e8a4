// SPDX-License-Identifier: GPL-2.0
/*
 * The etcd gateway's encoding: base64 keys and values, int64 fields as JSON
 * strings, proto3 defaults left out (an event without "type" is a PUT, a key
 * without "value" has an empty one, a missing number is 0), and the watch
 * stream's messages, one JSON object a line:
 *
 *   {"result":{"header":{...},"created":true}}
 *   {"result":{"header":{...},"events":[{"kv":{...}},{"type":"DELETE",...}]}}
 *   {"result":{"header":{...},"canceled":true,"compact_revision":"3"}}
 *   {"error":{"grpc_code":14,"message":"..."}}
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etcd_priv.h"

static const char b64_chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *vgw_etcd_b64(const void *data, size_t len)
{
	const unsigned char *p = data;
	char *out = malloc((len + 2) / 3 * 4 + 1), *o = out;
	uint32_t v;
	size_t i;

	if (!out)
		return NULL;
	for (i = 0; i + 2 < len; i += 3) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		*o++ = b64_chars[v >> 18];
		*o++ = b64_chars[(v >> 12) & 63];
		*o++ = b64_chars[(v >> 6) & 63];
		*o++ = b64_chars[v & 63];
	}
	if (i < len) {
		v = (uint32_t)p[i] << 16 | (i + 1 < len ? (uint32_t)p[i + 1] << 8 : 0);
		*o++ = b64_chars[v >> 18];
		*o++ = b64_chars[(v >> 12) & 63];
		*o++ = i + 1 < len ? b64_chars[(v >> 6) & 63] : '=';
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

static int b64_val(char c)
{
	const char *p = c ? strchr(b64_chars, c) : NULL;

	return p ? (int)(p - b64_chars) : -1;
}

char *vgw_etcd_unb64(const char *s, size_t *len)
{
	size_t n = strlen(s), i, k = 0;
	uint32_t acc = 0;
	unsigned int bits = 0;
	char *out;
	int v;

	while (n && s[n - 1] == '=')
		n--;
	if (n % 4 == 1)
		return NULL;
	out = malloc(n / 4 * 3 + 3);
	if (!out)
		return NULL;
	for (i = 0; i < n; i++) {
		v = b64_val(s[i]);
		if (v < 0) {
			free(out);
			return NULL;
		}
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[k++] = (char)(acc >> bits);
		}
	}
	out[k] = '\0';
	*len = k;
	return out;
}

char *vgw_etcd_prefix_end(const char *prefix, size_t *len)
{
	size_t n = strlen(prefix);
	char *end = malloc(n + 1);

	if (!end)
		return NULL;
	memcpy(end, prefix, n + 1);
	/* Increment the last byte that is not 0xff, dropping those after it. */
	while (n && (unsigned char)end[n - 1] == 0xff)
		n--;
	if (!n) {
		end[0] = '\0';
		*len = 1;	/* "\0": every key (etcd's convention) */
		return end;
	}
	end[n - 1] = (char)((unsigned char)end[n - 1] + 1);
	end[n] = '\0';
	*len = n;
	return end;
}

int vgw_etcd_json_i64(json_t *o, const char *key, int64_t *v)
{
	json_t *f = json_object_get(o, key);
	const char *s;
	char *end;

	*v = 0;
	if (!f)
		return 0;
	if (json_is_integer(f)) {
		*v = json_integer_value(f);
		return 0;
	}
	if (!json_is_string(f))
		return -EPROTO;
	s = json_string_value(f);
	errno = 0;
	*v = strtoll(s, &end, 10);
	return errno || end == s || *end ? -EPROTO : 0;
}

json_t *vgw_etcd_json_b64(const void *data, size_t len)
{
	char *s = vgw_etcd_b64(data, len);
	json_t *j = s ? json_string(s) : NULL;

	free(s);
	return j;
}

/* A base64 field into a NUL-terminated copy (absent: empty). */
static int b64_field(json_t *o, const char *key, char **out, size_t *len)
{
	json_t *f = json_object_get(o, key);

	if (!f) {
		*out = strdup("");
		*len = 0;
		return *out ? 0 : -ENOMEM;
	}
	if (!json_is_string(f))
		return -EPROTO;
	*out = vgw_etcd_unb64(json_string_value(f), len);
	return *out ? 0 : -EPROTO;
}

void vgw_etcd_kv_clear(struct vgw_etcd_kv *kv)
{
	free(kv->key);
	free(kv->value);
	memset(kv, 0, sizeof(*kv));
}

int vgw_etcd_kv_decode(json_t *o, struct vgw_etcd_kv *kv)
{
	int err;

	memset(kv, 0, sizeof(*kv));
	if (!json_is_object(o))
		return -EPROTO;
	err = b64_field(o, "key", &kv->key, &kv->key_len);
	if (!err)
		err = b64_field(o, "value", &kv->value, &kv->value_len);
	if (!err)
		err = vgw_etcd_json_i64(o, "create_revision", &kv->create_rev) ?:
		      vgw_etcd_json_i64(o, "mod_revision", &kv->mod_rev) ?:
		      vgw_etcd_json_i64(o, "version", &kv->version) ?:
		      vgw_etcd_json_i64(o, "lease", &kv->lease);
	if (!err && !kv->key_len)
		err = -EPROTO;
	if (err)
		vgw_etcd_kv_clear(kv);
	return err;
}

int vgw_etcd_grpc_errno(int code, const char *msg)
{
	if (msg && (strstr(msg, "too many operations") ||
		    strstr(msg, "request is too large") ||
		    strstr(msg, "received message larger than max")))
		return -E2BIG;
	/*
	 * etcd's auth refusals share codes with others: its messages say
	 * which (etcdserver/api/v3rpc/rpctypes).
	 */
	if (msg && (strstr(msg, "invalid auth token") ||
		    strstr(msg, "revision of auth store is old")))
		return -EKEYEXPIRED;
	if (msg && (strstr(msg, "authentication failed") ||
		    strstr(msg, "user name is empty") ||
		    strstr(msg, "permission denied")))
		return -EACCES;
	switch (code) {
	case 1: return -ECANCELED;
	case 3: return -EINVAL;
	case 4: return -ETIMEDOUT;
	case 5: return -ENOENT;
	case 6: return -EEXIST;
	case 7: case 16: return -EACCES;
	case 8: return -ENOSPC;
	case 11: return -ESTALE;	/* compacted, or a future revision */
	case 14: return -EAGAIN;
	default: return -EIO;
	}
}

static int decode_event(json_t *o, struct vgw_etcd_event *ev)
{
	const char *type = json_string_value(json_object_get(o, "type"));

	if (!type || !strcmp(type, "PUT"))
		ev->type = VGW_ETCD_PUT;
	else if (!strcmp(type, "DELETE"))
		ev->type = VGW_ETCD_DELETE;
	else
		return -EPROTO;
	return vgw_etcd_kv_decode(json_object_get(o, "kv"), &ev->kv);
}

static int decode_events(json_t *a, struct vgw_etcd_watch_msg *m)
{
	size_t i;
	int err;

	if (!a)
		return 0;
	if (!json_is_array(a))
		return -EPROTO;
	m->ev = calloc(json_array_size(a) + 1, sizeof(*m->ev));
	if (!m->ev)
		return -ENOMEM;
	for (i = 0; i < json_array_size(a); i++) {
		err = decode_event(json_array_get(a, i), &m->ev[i]);
		if (err)
			return err;
		m->n_ev++;
	}
	return 0;
}

/* {"error": {...}} in a stream, or {"error": "...", "code": N} in a reply. */
static void decode_error(json_t *root, json_t *e, struct vgw_etcd_watch_msg *m)
{
	const char *msg = json_string_value(json_object_get(e, "message"));

	m->error = true;
	m->code = (int)json_integer_value(json_object_get(e, "grpc_code"));
	if (json_is_string(e)) {
		msg = json_string_value(e);
		m->code = (int)json_integer_value(json_object_get(root, "code"));
	}
	snprintf(m->reason, sizeof(m->reason), "%s", msg ? msg : "unknown error");
}

static int decode_result(json_t *r, struct vgw_etcd_watch_msg *m)
{
	const char *why = json_string_value(json_object_get(r, "cancel_reason"));
	int err;

	if (!json_is_object(r))
		return -EPROTO;
	m->created = json_is_true(json_object_get(r, "created"));
	m->canceled = json_is_true(json_object_get(r, "canceled"));
	err = vgw_etcd_json_i64(r, "compact_revision", &m->compact_rev) ?:
	      vgw_etcd_json_i64(json_object_get(r, "header"), "revision", &m->rev);
	if (err)
		return err;
	if (m->canceled)
		snprintf(m->reason, sizeof(m->reason), "%s", why ? why :
			 m->compact_rev ? "revision compacted" : "canceled by etcd");
	return decode_events(json_object_get(r, "events"), m);
}

int vgw_etcd_watch_msg_parse(const char *text, size_t len,
			     struct vgw_etcd_watch_msg *m, char *err,
			     size_t errlen)
{
	json_error_t je;
	json_t *root, *r;
	int ret = 0;

	memset(m, 0, sizeof(*m));
	root = json_loadb(text, len, 0, &je);
	if (!root) {
		snprintf(err, errlen, "watch: not JSON: %s", je.text);
		return -EPROTO;
	}
	r = json_object_get(root, "result");
	if (json_object_get(root, "error"))
		decode_error(root, json_object_get(root, "error"), m);
	else if (r)
		ret = decode_result(r, m);
	else
		ret = -EPROTO;
	json_decref(root);
	if (ret) {
		snprintf(err, errlen, "watch: unexpected message: %.*s",
			 (int)(len > 200 ? 200 : len), text);
		vgw_etcd_watch_msg_free(m);
		return ret == -ENOMEM ? ret : -EPROTO;
	}
	return 0;
}

void vgw_etcd_watch_msg_free(struct vgw_etcd_watch_msg *m)
{
	size_t i;

	for (i = 0; i < m->n_ev; i++)
		vgw_etcd_kv_clear(&m->ev[i].kv);
	free(m->ev);
	m->ev = NULL;
	m->n_ev = 0;
}
