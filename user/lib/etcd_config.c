// SPDX-License-Identifier: GPL-2.0
/*
 * How the tools reach etcd (etcd.h: struct vgw_etcd_config): one parser for
 * vnicgw-agent, vnicctl apply --etcd and vnicctl-etcd, with etcdctl's names
 * (--endpoints, --cacert, --cert, --key, --user, --password) and its
 * environment (ETCDCTL_ENDPOINTS, ...). No I/O here except stat() of the
 * key file in vgw_etcd_config_check().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "etcd.h"
#include "vgw.h"

void vgw_etcd_config_init(struct vgw_etcd_config *c)
{
	memset(c, 0, sizeof(*c));
}

void vgw_etcd_config_clear(struct vgw_etcd_config *c)
{
	explicit_bzero(c, sizeof(*c));
}

/* "URL[,URL...]": each http:// or https://, replacing the list. */
static int set_endpoints(struct vgw_etcd_config *c, const char *name,
			 const char *v, char *err, size_t errlen)
{
	struct vgw_etcd_config t = { .n_endpoints = 0 };
	const char *p = v, *comma;
	size_t n;

	do {
		comma = strchr(p, ',');
		n = comma ? (size_t)(comma - p) : strlen(p);
		if (!n)
			return vgw_fail(err, errlen, "%s: \"%s\" has an empty URL", name, v);
		if (t.n_endpoints == VGW_ETCD_MAX_ENDPOINTS)
			return vgw_fail(err, errlen, "%s: \"%s\" has more than %d URLs",
				    name, v, VGW_ETCD_MAX_ENDPOINTS);
		if (n >= VGW_ETCD_URL_MAX ||
		    (strncmp(p, "http://", 7) && strncmp(p, "https://", 8)) ||
		    n <= (size_t)(p[4] == 's' ? 8 : 7))
			return vgw_fail(err, errlen, "%s: \"%.*s\" is not an http:// or https:// URL",
				    name, (int)(n > 200 ? 200 : n), p);
		memcpy(t.endpoints[t.n_endpoints], p, n);
		t.endpoints[t.n_endpoints++][n] = '\0';
		p = comma + 1;
	} while (comma);
	memcpy(c->endpoints, t.endpoints, sizeof(t.endpoints));
	c->n_endpoints = t.n_endpoints;
	return 0;
}

static int set_path(char *dst, size_t size, const char *name, const char *v,
		    char *err, size_t errlen)
{
	if (!*v || strlen(v) >= size)
		return vgw_fail(err, errlen, "%s: \"%.200s\" is not a file name (1..%zu bytes)",
			    name, v, size - 1);
	strcpy(dst, v);
	return 0;
}

/*
 * "USER" or "USER:PASSWORD" (etcdctl's --user). The password is never
 * repeated in a message.
 */
static int set_user(struct vgw_etcd_config *c, const char *name,
		    const char *v, char *err, size_t errlen)
{
	const char *colon = strchr(v, ':');
	size_t n = colon ? (size_t)(colon - v) : strlen(v);

	if (!n || n >= sizeof(c->user))
		return vgw_fail(err, errlen, "%s: \"%.*s\" is not a user name (1..%zu bytes)",
			    name, (int)(n > 200 ? 200 : n), v, sizeof(c->user) - 1);
	if (colon && strlen(colon + 1) >= sizeof(c->password))
		return vgw_fail(err, errlen, "%s: the password of user \"%.*s\" is longer than %zu bytes",
			    name, (int)n, v, sizeof(c->password) - 1);
	memcpy(c->user, v, n);
	c->user[n] = '\0';
	if (colon)
		strcpy(c->password, colon + 1);
	return 0;
}

int vgw_etcd_config_set(struct vgw_etcd_config *c, const char *name,
			const char *value, char *err, size_t errlen)
{
	if (!strcmp(name, "endpoints") || !strcmp(name, "etcd") ||
	    !strcmp(name, "etcd-endpoints") || !strcmp(name, "VGW_ETCD"))
		return set_endpoints(c, name, value, err, errlen);
	if (!strcmp(name, "cacert") || !strcmp(name, "etcd-cacert"))
		return set_path(c->cacert, sizeof(c->cacert), name, value, err, errlen);
	if (!strcmp(name, "cert") || !strcmp(name, "etcd-cert"))
		return set_path(c->cert, sizeof(c->cert), name, value, err, errlen);
	if (!strcmp(name, "key") || !strcmp(name, "etcd-key"))
		return set_path(c->key, sizeof(c->key), name, value, err, errlen);
	if (!strcmp(name, "user") || !strcmp(name, "etcd-user"))
		return set_user(c, name, value, err, errlen);
	if (!strcmp(name, "password") || !strcmp(name, "etcd-password")) {
		if (strlen(value) >= sizeof(c->password))
			return vgw_fail(err, errlen, "%s: longer than %zu bytes", name,
				    sizeof(c->password) - 1);
		strcpy(c->password, value);
		return 0;
	}
	snprintf(err, errlen, "unknown etcd setting \"%s\"", name);
	return -ENOENT;
}

/* The environment variables, with the setting each fills. */
static const struct {
	const char *var, *name;
} env_vars[] = {
	{ "ETCDCTL_ENDPOINTS", "endpoints" },
	{ "ETCDCTL_CACERT", "cacert" },
	{ "ETCDCTL_CERT", "cert" },
	{ "ETCDCTL_KEY", "key" },
	{ "ETCDCTL_USER", "user" },
	{ "ETCDCTL_PASSWORD", "password" },
};

int vgw_etcd_config_env(struct vgw_etcd_config *c, bool endpoints, char *err,
			size_t errlen)
{
	const struct vgw_etcd_config had = *c;
	struct vgw_etcd_config e;
	char why[512];
	const char *v;
	unsigned int i;

	vgw_etcd_config_init(&e);
	for (i = 0; i < sizeof(env_vars) / sizeof(env_vars[0]); i++) {
		v = getenv(env_vars[i].var);
		if (!v || !*v || (!endpoints && !i))
			continue;
		if (vgw_etcd_config_set(&e, env_vars[i].name, v, why, sizeof(why))) {
			vgw_etcd_config_clear(&e);
			return vgw_fail(err, errlen, "%s: %s", env_vars[i].var, why);
		}
	}
	/* Only what nothing else set: the command line and files win. */
	if (!had.n_endpoints) {
		memcpy(c->endpoints, e.endpoints, sizeof(e.endpoints));
		c->n_endpoints = e.n_endpoints;
	}
	if (!had.cacert[0])
		strcpy(c->cacert, e.cacert);
	if (!had.cert[0])
		strcpy(c->cert, e.cert);
	if (!had.key[0])
		strcpy(c->key, e.key);
	if (!had.user[0])
		strcpy(c->user, e.user);
	if (!had.password[0])
		strcpy(c->password, e.password);
	vgw_etcd_config_clear(&e);
	return 0;
}

int vgw_etcd_config_check(const struct vgw_etcd_config *c, char *err,
			  size_t errlen)
{
	struct stat st;
	unsigned int i;
	bool https = false;

	if (!c->n_endpoints)
		return vgw_fail(err, errlen, "no etcd endpoint (--endpoints URL[,URL...])");
	for (i = 0; i < c->n_endpoints; i++)
		https |= !strncmp(c->endpoints[i], "https://", 8);
	if (c->cert[0] && !c->key[0])
		return vgw_fail(err, errlen, "cert %s: no --key (the client certificate's private key)",
			    c->cert);
	if (c->key[0] && !c->cert[0])
		return vgw_fail(err, errlen, "key %s: no --cert (the client certificate)", c->key);
	if (!https && (c->cacert[0] || c->cert[0]))
		return vgw_fail(err, errlen, "%s %s: no https:// endpoint to use it with (endpoints %s)",
			    c->cacert[0] ? "cacert" : "cert",
			    c->cacert[0] ? c->cacert : c->cert, c->endpoints[0]);
	if (c->password[0] && !c->user[0])
		return vgw_fail(err, errlen, "password: no --user it belongs to");
	if (c->user[0] && !c->password[0])
		return vgw_fail(err, errlen, "user %s: no password (--user USER:PASSWORD, --password or ETCDCTL_PASSWORD)",
			    c->user);
	/*
	 * A private key that any local user can read is no secret: refused,
	 * as ssh refuses such identity files.
	 */
	if (c->key[0] && !stat(c->key, &st) && (st.st_mode & S_IROTH))
		return vgw_fail(err, errlen, "key %s: readable by every user (mode %03o): chmod o-r it",
			    c->key, st.st_mode & 0777);
	return 0;
}

void vgw_etcd_scrub_secret(const char *name, char *arg)
{
	char *p = arg;

	if (!arg)
		return;
	if (!strcmp(name, "user") || !strcmp(name, "etcd-user")) {
		p = strchr(arg, ':');
		if (!p)
			return;
		p++;
	} else if (strcmp(name, "password") && strcmp(name, "etcd-password")) {
		return;
	}
	memset(p, 'x', strlen(p));
}
