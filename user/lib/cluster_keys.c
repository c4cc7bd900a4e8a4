// SPDX-License-Identifier: GPL-2.0
/*
 * The cluster keys as text (cluster_nl.h): one key "ID:SECRET", a list of
 * them in a key file or in etcd's PREFIX/cluster/keys, the text written
 * back, the ids for messages, random keys. Apart from cluster_nl.c so that
 * tools without netlink (vnicctl-etcd) link without libnl.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "cluster_nl.h"

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int vgw_cluster_key_parse(const char *text, struct vgw_cluster_key *k,
			  char *err, size_t errlen)
{
	const char *hex = strchr(text, ':');
	unsigned long id;
	char *end;
	int i, hi, lo;

	memset(k, 0, sizeof(*k));
	if (!hex || hex == text) {
		snprintf(err, errlen, "a key is ID:SECRET (ID 1-255, SECRET %d hex digits)",
			 2 * VNICGW_KEY_LEN);
		return -EINVAL;
	}
	id = strtoul(text, &end, 10);
	if (end != hex || id < 1 || id > 255) {
		/* Echoed only when it cannot be a secret pasted in its place. */
		if (hex - text <= 3)
			snprintf(err, errlen, "key id \"%.*s\" is not a number from 1 to 255",
				 (int)(hex - text), text);
		else
			snprintf(err, errlen, "key id: %d characters, not a number from 1 to 255",
				 (int)(hex - text));
		return -EINVAL;
	}
	hex++;
	if (strlen(hex) != 2 * VNICGW_KEY_LEN) {
		snprintf(err, errlen, "key %lu: the secret has %zu characters, not %d hex digits",
			 id, strlen(hex), 2 * VNICGW_KEY_LEN);
		return -EINVAL;
	}
	for (i = 0; i < VNICGW_KEY_LEN; i++) {
		hi = hex_digit(hex[2 * i]);
		lo = hex_digit(hex[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			explicit_bzero(k, sizeof(*k));
			snprintf(err, errlen, "key %lu: the secret is not %d hex digits",
				 id, 2 * VNICGW_KEY_LEN);
			return -EINVAL;
		}
		k->secret[i] = (uint8_t)(hi << 4 | lo);
	}
	k->id = (uint8_t)id;
	return 0;
}

int vgw_cluster_keys_parse_text(const char *text, const char *name,
				struct vgw_cluster_key *keys, unsigned int *n,
				char *err, size_t errlen)
{
	struct vgw_cluster_key got[VNICGW_CLUSTER_MAX_KEYS], k;
	unsigned int lineno = 0, count = 0, i;
	char line[128], msg[160];
	size_t len, skip;
	const char *p;
	int ret = 0;

	for (p = text; *p && !ret; p += len + (p[len] == '\n')) {
		len = strcspn(p, "\n");
		lineno++;
		/* The line without its comment and surrounding blanks. */
		skip = strspn(p, " \t");
		if (skip > len)
			skip = len;
		i = (unsigned int)(strcspn(p + skip, "#\n") + skip);
		while (i > skip && strchr(" \t\r", p[i - 1]))
			i--;
		if (i == skip)
			continue;
		if (i - skip >= sizeof(line)) {
			snprintf(err, errlen, "%s, line %u: too long for a key (ID:SECRET, SECRET %d hex digits)",
				 name, lineno, 2 * VNICGW_KEY_LEN);
			ret = -EINVAL;
			break;
		}
		memcpy(line, p + skip, i - skip);
		line[i - skip] = '\0';
		ret = vgw_cluster_key_parse(line, &k, msg, sizeof(msg));
		if (ret) {
			snprintf(err, errlen, "%s, line %u: %s", name, lineno, msg);
			break;
		}
		for (i = 0; i < count; i++)
			if (got[i].id == k.id) {
				snprintf(err, errlen, "%s, line %u: key %u given twice",
					 name, lineno, k.id);
				ret = -EINVAL;
			}
		if (!ret && count == VNICGW_CLUSTER_MAX_KEYS) {
			snprintf(err, errlen, "%s, line %u: more than %d keys (the one that signs and the next)",
				 name, lineno, VNICGW_CLUSTER_MAX_KEYS);
			ret = -EINVAL;
		}
		if (!ret)
			got[count++] = k;
	}
	if (!ret && !count) {
		snprintf(err, errlen, "%s: no key (lines ID:SECRET, ID 1-255, SECRET %d hex digits)",
			 name, 2 * VNICGW_KEY_LEN);
		ret = -EINVAL;
	}
	if (!ret) {
		memcpy(keys, got, count * sizeof(*keys));
		*n = count;
	}
	explicit_bzero(line, sizeof(line));
	explicit_bzero(&k, sizeof(k));
	explicit_bzero(got, sizeof(got));
	return ret;
}

int vgw_cluster_keys_read(const char *path, struct vgw_cluster_key *keys,
			  unsigned int *n, char *err, size_t errlen)
{
	/* read(2) into our own buffer: no stdio buffer keeps a copy. */
	char buf[VGW_CLUSTER_KEYS_FILE_MAX + 1];
	size_t len = 0;
	ssize_t r = 1;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
		return ret;
	}
	while (len < sizeof(buf) && r > 0) {
		r = read(fd, buf + len, sizeof(buf) - len);
		if (r < 0 && errno == EINTR)
			r = 1;
		else if (r > 0)
			len += (size_t)r;
	}
	ret = r < 0 ? -errno : 0;
	close(fd);
	if (ret) {
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
	} else if (len > VGW_CLUSTER_KEYS_FILE_MAX) {
		snprintf(err, errlen, "%s: longer than %d bytes: not a key file",
			 path, VGW_CLUSTER_KEYS_FILE_MAX);
		ret = -EFBIG;
	} else if (memchr(buf, '\0', len)) {
		snprintf(err, errlen, "%s: a NUL byte: not a key file", path);
		ret = -EINVAL;
	} else {
		buf[len] = '\0';
		ret = vgw_cluster_keys_parse_text(buf, path, keys, n, err, errlen);
	}
	explicit_bzero(buf, sizeof(buf));
	return ret;
}

int vgw_cluster_keys_text(const struct vgw_cluster_key *keys, unsigned int n,
			  char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	unsigned int i, j;
	size_t at = 0;

	for (i = 0; i < n; i++) {
		at += (size_t)snprintf(buf + at, at < len ? len - at : 0, "%u:",
				       keys[i].id);
		if (at + 2 * VNICGW_KEY_LEN + 2 > len) {
			explicit_bzero(buf, len);
			return -ENOSPC;
		}
		for (j = 0; j < VNICGW_KEY_LEN; j++) {
			buf[at++] = hex[keys[i].secret[j] >> 4];
			buf[at++] = hex[keys[i].secret[j] & 15];
		}
		buf[at++] = '\n';
		buf[at] = '\0';
	}
	if (!n && len)
		buf[0] = '\0';
	return 0;
}

void vgw_cluster_keys_ids(const struct vgw_cluster_key *keys, unsigned int n,
			  char *buf, size_t len)
{
	unsigned int i;
	size_t at = 0;

	snprintf(buf, len, "none");
	for (i = 0; i < n && at < len; i++)
		at += (size_t)snprintf(buf + at, len - at, "%s%u%s",
				       i ? ", " : "", keys[i].id,
				       i ? "" : " (signs)");
}

int vgw_cluster_key_random(struct vgw_cluster_key *k, uint8_t id)
{
	ssize_t r;

	memset(k, 0, sizeof(*k));
	do
		r = getrandom(k->secret, sizeof(k->secret), 0);
	while (r < 0 && errno == EINTR);
	if (r != (ssize_t)sizeof(k->secret))
		return r < 0 ? -errno : -EIO;
	k->id = id;
	return 0;
}
