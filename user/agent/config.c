// SPDX-License-Identifier: GPL-2.0
/*
 * Host-local settings of the agent. One table of keys serves the host file
 * and the command line: every key is also a long option (--xdp-if eth0 is
 * "xdp-if = eth0"), so the two can never disagree on names or syntax.
 *
 * The host file: one "key = value" per line; "#" starts a comment; blank
 * lines are ignored; an unknown key, a bad value or a scalar key given twice
 * is an error naming the line (a typo must not be silently ignored).
 * List keys (xdp-if) may repeat and take several names separated by spaces
 * or commas.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/vnicgw.h>

#include "agent.h"
#include "vgw.h"

void config_defaults(struct agent_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->interval_ms = AGENT_DEFAULT_INTERVAL_MS;
	cfg->log_level = LOG_INFO;
	cfg->xdp_mode = XDP_MODE_AUTO;
	cfg->qsize = AGENT_DEFAULT_QSIZE;
	strcpy(cfg->etcd_prefix, AGENT_DEFAULT_PREFIX);
	cfg->member_ttl_s = AGENT_DEFAULT_TTL_S;
	cfg->backups = 1;
	cfg->drain_wait_ms = AGENT_DEFAULT_DRAIN_WAIT_MS;
	cfg->etcd_lost_ms = AGENT_DEFAULT_ETCD_LOST_MS;
	cfg->cluster_auth = true;
	cfg->metrics_vnics = AGENT_DEFAULT_METRICS_VNICS;
	cfg->flow_log_interval_s = AGENT_DEFAULT_FLOW_LOG_INTERVAL_S;
	cfg->flow_log_max = AGENT_DEFAULT_FLOW_LOG_MAX;
}

/* Copy a value that must fit (with its NUL) into size bytes. */
static int set_str(char *dst, size_t size, const char *key, const char *v,
		   char *err, size_t errlen)
{
	if (!*v)
		return vgw_fail(err, errlen, "%s: empty value", key);
	if (strlen(v) >= size)
		return vgw_fail(err, errlen, "%s: \"%s\" is too long (%zu bytes at most)",
			    key, v, size - 1);
	strcpy(dst, v);
	return 0;
}

/* A decimal integer in [min, max]. */
static int parse_uint(const char *s, unsigned long min, unsigned long max,
		      unsigned long *out)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	*out = strtoul(s, &end, 10);
	if (errno || *end || *out < min || *out > max)
		return -EINVAL;
	return 0;
}

int config_parse_seconds(const char *s, unsigned int *ms)
{
	unsigned long whole = 0, frac = 0, scale = 1000;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		whole = whole * 10 + (unsigned long)(*p - '0');
		if (whole > 86400)		/* a day: surely a mistake */
			return -EINVAL;
	}
	if (*p == '.') {
		if (!isdigit((unsigned char)*++p))
			return -EINVAL;
		for (; isdigit((unsigned char)*p); p++) {
			scale /= 10;
			frac += (unsigned long)(*p - '0') * scale;
		}
	}
	if (*p)
		return -EINVAL;
	*ms = (unsigned int)(whole * 1000 + frac);
	return 0;
}

int config_test_hooks(struct agent_config *cfg, const char *text, char *err,
		      size_t errlen)
{
	char copy[256], *item, *save = NULL;
	unsigned long ms;

	if (strlen(text) >= sizeof(copy))
		return vgw_fail(err, errlen, "VGW_AGENT_TEST: too long");
	strcpy(copy, text);
	for (item = strtok_r(copy, ", ", &save); item;
	     item = strtok_r(NULL, ", ", &save)) {
		if (!strncmp(item, "stall=", 6)) {
			if (parse_uint(item + 6, 1, 600000, &ms))
				return vgw_fail(err, errlen, "VGW_AGENT_TEST: %s: not 1..600000 ms",
						item);
			cfg->test_stall_ms = (unsigned int)ms;
		} else if (!strncmp(item, "join-delay=", 11)) {
			if (parse_uint(item + 11, 1, 600000, &ms))
				return vgw_fail(err, errlen, "VGW_AGENT_TEST: %s: not 1..600000 ms",
						item);
			cfg->test_join_delay_ms = (unsigned int)ms;
		} else if (!strcmp(item, "join-without-module")) {
			cfg->test_join_without_module = true;
		} else {
			return vgw_fail(err, errlen, "VGW_AGENT_TEST: unknown hook \"%s\" (stall=MS, join-delay=MS, join-without-module)",
					item);
		}
	}
	return 0;
}

/* One element of a CPU list: "N" or "N-M". Returns the end of it. */
static const char *cpu_range(const char *p, unsigned long *lo,
			     unsigned long *hi)
{
	char *end;

	if (!isdigit((unsigned char)*p))
		return NULL;
	*lo = strtoul(p, &end, 10);
	*hi = *lo;
	if (*end == '-') {
		if (!isdigit((unsigned char)end[1]))
			return NULL;
		*hi = strtoul(end + 1, &end, 10);
	}
	return end;
}

int config_parse_cpus(const char *s, uint32_t *cpus, unsigned int *n,
		      char *err, size_t errlen)
{
	unsigned long lo, hi, c;
	const char *p = s;
	unsigned int k = 0;

	while (*p) {
		p = cpu_range(p, &lo, &hi);
		if (!p || (*p && *p != ',') || (*p == ',' && !p[1]))
			return vgw_fail(err, errlen, "cpus: \"%s\" is not a CPU list (e.g. 0-3,6)", s);
		if (lo > hi)
			return vgw_fail(err, errlen, "cpus: range %lu-%lu is backwards", lo, hi);
		if (hi >= AGENT_MAX_CPUS)
			return vgw_fail(err, errlen, "cpus: CPU %lu is above the limit of %d",
				    hi, AGENT_MAX_CPUS - 1);
		for (c = lo; c <= hi; c++) {
			if (k && cpus[k - 1] >= c)
				return vgw_fail(err, errlen,
					    "cpus: \"%s\": CPUs must be ascending, each once", s);
			cpus[k++] = (uint32_t)c;
		}
		if (*p == ',')
			p++;
	}
	if (!k)
		return vgw_fail(err, errlen, "cpus: empty list");
	*n = k;
	return 0;
}

const char *config_xdp_mode_name(enum xdp_mode m)
{
	switch (m) {
	case XDP_MODE_NATIVE:
		return "native";
	case XDP_MODE_GENERIC:
		return "generic";
	default:
		return "auto";
	}
}

/* xdp-if: names separated by spaces or commas, appended to the list. */
static int add_xdp_ifs(struct agent_config *cfg, const char *v, char *err,
		       size_t errlen)
{
	char name[IF_NAMESIZE];
	unsigned int i;
	size_t len;

	for (; *v; v += len) {
		v += strspn(v, " \t,");
		len = strcspn(v, " \t,");
		if (!len)
			break;
		if (len >= IF_NAMESIZE)
			return vgw_fail(err, errlen, "xdp-if: \"%.*s\" is not an interface name",
				    (int)len, v);
		memcpy(name, v, len);
		name[len] = '\0';
		for (i = 0; i < cfg->n_xdp_ifs; i++)
			if (!strcmp(cfg->xdp_ifs[i], name))
				return vgw_fail(err, errlen, "xdp-if: %s given twice", name);
		if (cfg->n_xdp_ifs == AGENT_MAX_XDP_IFS) {
			vgw_fail(err, errlen, "xdp-if: more than %d interfaces",
			     AGENT_MAX_XDP_IFS);
			return -E2BIG;
		}
		strcpy(cfg->xdp_ifs[cfg->n_xdp_ifs++], name);
	}
	return 0;
}

/* --metrics: ADDR:PORT, IPv6 in brackets. */
int metrics_parse_addr(const char *v, struct sockaddr_storage *ss,
		       socklen_t *len)
{
	char host[64];
	const char *colon = strrchr(v, ':');
	char *end;
	unsigned long port;
	size_t hl;

	if (!colon || colon == v)
		return -EINVAL;
	hl = (size_t)(colon - v);
	if (v[0] == '[') {
		if (hl < 3 || v[hl - 1] != ']')
			return -EINVAL;
		v++;
		hl -= 2;
	}
	if (hl >= sizeof(host))
		return -EINVAL;
	memcpy(host, v, hl);
	host[hl] = '\0';
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || *end || !colon[1] || port == 0 || port > 65535)
		return -EINVAL;
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		((struct sockaddr_in *)ss)->sin_family = AF_INET;
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
		*len = sizeof(struct sockaddr_in);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
		*len = sizeof(struct sockaddr_in6);
		return 0;
	}
	return -EINVAL;
}

/* The keys, in the order of the table below. */
enum key {
	K_STATE, K_NETNS, K_LINK, K_INTERVAL, K_STATS_INTERVAL, K_LOG_LEVEL,
	K_XDP_IF, K_XDP_MODE, K_XDP_QSIZE, K_CPUS,
	K_ETCD, K_ETCD_ENDPOINTS, K_ETCD_CACERT, K_ETCD_CERT, K_ETCD_KEY,
	K_ETCD_USER, K_ETCD_PASSWORD, K_ETCD_PREFIX, K_HOST_ID, K_OWNER_TABLE, K_MEMBER_TTL,
	K_UNDERLAY, K_DRAIN_CMD, K_DRAIN_WAIT, K_CLUSTER_KEYS, K_CLUSTER_AUTH,
	K_METRICS, K_METRICS_VNICS, K_FLOW_LOGS, K_FLOW_LOG_INTERVAL,
	K_FLOW_LOG_MAX, K_ANNOUNCE_CMD, K_WITHDRAW_CMD, K_ETCD_LOST_AFTER,
	K_BACKUPS,
	N_KEYS
};

/* "list" keys accumulate instead of replacing. */
static const struct {
	const char *name;
	bool list;
} keys[N_KEYS] = {
	[K_STATE] = { "state" },
	[K_NETNS] = { "netns" },
	[K_LINK] = { "link" },
	[K_INTERVAL] = { "interval" },
	[K_STATS_INTERVAL] = { "stats-interval" },
	[K_LOG_LEVEL] = { "log-level" },
	[K_XDP_IF] = { "xdp-if", true },
	[K_XDP_MODE] = { "xdp-mode" },
	[K_XDP_QSIZE] = { "xdp-qsize" },
	[K_CPUS] = { "cpus" },
	[K_ETCD] = { "etcd" },		/* etcd-endpoints' older name */
	[K_ETCD_ENDPOINTS] = { "etcd-endpoints" },
	[K_ETCD_CACERT] = { "etcd-cacert" },
	[K_ETCD_CERT] = { "etcd-cert" },
	[K_ETCD_KEY] = { "etcd-key" },
	[K_ETCD_USER] = { "etcd-user" },
	[K_ETCD_PASSWORD] = { "etcd-password" },
	[K_ETCD_PREFIX] = { "etcd-prefix" },
	[K_HOST_ID] = { "host-id" },
	[K_OWNER_TABLE] = { "owner-table" },
	[K_MEMBER_TTL] = { "member-ttl" },
	[K_UNDERLAY] = { "underlay" },
	[K_DRAIN_CMD] = { "drain-cmd" },
	[K_DRAIN_WAIT] = { "drain-wait" },
	[K_CLUSTER_KEYS] = { "cluster-keys" },
	[K_CLUSTER_AUTH] = { "cluster-auth" },
	[K_METRICS] = { "metrics" },
	[K_METRICS_VNICS] = { "metrics-vnics" },
	[K_FLOW_LOGS] = { "flow-logs" },
	[K_FLOW_LOG_INTERVAL] = { "flow-log-interval" },
	[K_FLOW_LOG_MAX] = { "flow-log-max" },
	[K_ANNOUNCE_CMD] = { "announce-cmd" },
	[K_WITHDRAW_CMD] = { "withdraw-cmd" },
	[K_ETCD_LOST_AFTER] = { "etcd-lost-after" },
	[K_BACKUPS] = { "backups" },
};

_Static_assert(N_KEYS <= sizeof(((struct agent_config *)0)->src),
	       "agent_config.src has a slot per key");
_Static_assert(N_KEYS <= 64, "parse_line()'s seen has a bit per key");

static int set_xdp_mode(struct agent_config *cfg, const char *v, char *err,
			size_t errlen)
{
	if (!strcmp(v, "native"))
		cfg->xdp_mode = XDP_MODE_NATIVE;
	else if (!strcmp(v, "generic"))
		cfg->xdp_mode = XDP_MODE_GENERIC;
	else if (!strcmp(v, "auto"))
		cfg->xdp_mode = XDP_MODE_AUTO;
	else
		return vgw_fail(err, errlen, "xdp-mode: \"%s\" is not native, generic or auto", v);
	return 0;
}

/* This host's underlay address: an IPv4 or IPv6 address, kept as text. */
static int set_underlay(struct agent_config *cfg, const char *v, char *err,
			size_t errlen)
{
	unsigned char buf[16];

	if (strlen(v) >= sizeof(cfg->underlay) ||
	    (inet_pton(AF_INET, v, buf) != 1 && inet_pton(AF_INET6, v, buf) != 1))
		return vgw_fail(err, errlen, "underlay: \"%s\" is not an IPv4 or IPv6 address", v);
	strcpy(cfg->underlay, v);
	return 0;
}

/* The cluster's keys: the syntax only; reaching etcd is cluster.c's. */
static int set_cluster_key(struct agent_config *cfg, enum key k,
			   const char *v, char *err, size_t errlen)
{
	const char *key = keys[k].name;
	unsigned long n;

	switch (k) {
	case K_ETCD:
	case K_ETCD_ENDPOINTS:
	case K_ETCD_CACERT:
	case K_ETCD_CERT:
	case K_ETCD_KEY:
	case K_ETCD_USER:
	case K_ETCD_PASSWORD:
		/* The library's parser: the same for every tool. */
		return vgw_etcd_config_set(&cfg->etcd, key, v, err, errlen) ? -EINVAL : 0;
	case K_ETCD_PREFIX:
		if (*v != '/' || strlen(v) + 2 > sizeof(cfg->etcd_prefix))
			return vgw_fail(err, errlen, "etcd-prefix: \"%s\" must start with / (at most %zu bytes)",
				    v, sizeof(cfg->etcd_prefix) - 2);
		snprintf(cfg->etcd_prefix, sizeof(cfg->etcd_prefix), "%s%s", v,
			 v[strlen(v) - 1] == '/' ? "" : "/");
		return 0;
	case K_HOST_ID:
		n = strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-");
		if (!n || v[n] || n >= sizeof(cfg->host_id))
			return vgw_fail(err, errlen, "host-id: \"%s\" is not [A-Za-z0-9._-]{1,63}", v);
		strcpy(cfg->host_id, v);
		return 0;
	case K_OWNER_TABLE:
		return set_str(cfg->owner_table, sizeof(cfg->owner_table), key, v, err, errlen);
	case K_MEMBER_TTL:
		/* etcd raises a lease under ~2 s to its minimum anyway. */
		if (parse_uint(v, 2, 300, &n))
			return vgw_fail(err, errlen, "member-ttl: \"%s\" is not 2..300 seconds", v);
		cfg->member_ttl_s = (unsigned int)n;
		return 0;
	case K_BACKUPS:
		if (parse_uint(v, 1, VNICGW_CLUSTER_MAX_BACKUPS, &n))
			return vgw_fail(err, errlen, "backups: \"%s\" is not 1..%d (hosts after a flow's owner that keep its state)",
					v, VNICGW_CLUSTER_MAX_BACKUPS);
		cfg->backups = (unsigned int)n;
		return 0;
	case K_UNDERLAY:
		return set_underlay(cfg, v, err, errlen);
	case K_DRAIN_CMD:
		return set_str(cfg->drain_cmd, sizeof(cfg->drain_cmd), key, v, err, errlen);
	case K_DRAIN_WAIT:
		if (config_parse_seconds(v, &cfg->drain_wait_ms) ||
		    cfg->drain_wait_ms > 600000)
			return vgw_fail(err, errlen, "drain-wait: \"%s\" is not 0..600 seconds", v);
		return 0;
	case K_ANNOUNCE_CMD:
		return set_str(cfg->announce_cmd, sizeof(cfg->announce_cmd), key, v, err, errlen);
	case K_WITHDRAW_CMD:
		return set_str(cfg->withdraw_cmd, sizeof(cfg->withdraw_cmd), key, v, err, errlen);
	case K_ETCD_LOST_AFTER:
		if (config_parse_seconds(v, &cfg->etcd_lost_ms) ||
		    cfg->etcd_lost_ms < 1000 || cfg->etcd_lost_ms > 3600000)
			return vgw_fail(err, errlen, "etcd-lost-after: \"%s\" is not 1..3600 seconds", v);
		return 0;
	case K_CLUSTER_KEYS:
		return set_str(cfg->cluster_keys, sizeof(cfg->cluster_keys), key, v,
			       err, errlen);
	case K_CLUSTER_AUTH:
		if (strcmp(v, "on") && strcmp(v, "off") && strcmp(v, "permissive"))
			return vgw_fail(err, errlen, "cluster-auth: \"%s\" is not on, off or permissive", v);
		cfg->cluster_auth = strcmp(v, "off");
		cfg->cluster_auth_permissive = !strcmp(v, "permissive");
		return 0;
	default:
		return -EINVAL;
	}
}

static int set_key(struct agent_config *cfg, enum key k, const char *v,
		   char *err, size_t errlen)
{
	const char *key = keys[k].name;
	unsigned long n;

	switch (k) {
	case K_STATE:
		return set_str(cfg->state, sizeof(cfg->state), key, v, err, errlen);
	case K_NETNS:
		return set_str(cfg->netns, sizeof(cfg->netns), key, v, err, errlen);
	case K_LINK:
		return set_str(cfg->link, sizeof(cfg->link), key, v, err, errlen);
	case K_INTERVAL:
		if (config_parse_seconds(v, &cfg->interval_ms) ||
		    cfg->interval_ms < 100)
			return vgw_fail(err, errlen,
				    "interval: \"%s\" is not a number of seconds >= 0.1", v);
		return 0;
	case K_METRICS: {
		struct sockaddr_storage ss;
		socklen_t len;

		if (!*v) {
			cfg->metrics[0] = '\0';
			return 0;
		}
		if (strlen(v) >= sizeof(cfg->metrics) ||
		    metrics_parse_addr(v, &ss, &len))
			return vgw_fail(err, errlen,
				    "metrics: \"%s\" is not ADDR:PORT (127.0.0.1:9500, [::1]:9500)", v);
		strcpy(cfg->metrics, v);
		return 0;
	}
	case K_METRICS_VNICS:
		if (!strcmp(v, "all")) {
			cfg->metrics_vnics = UINT_MAX;
			return 0;
		}
		if (parse_uint(v, 0, UINT_MAX - 1, &n))
			return vgw_fail(err, errlen,
				    "metrics-vnics: \"%s\" is not a number of VNICs or \"all\"", v);
		cfg->metrics_vnics = (unsigned int)n;
		return 0;
	case K_FLOW_LOGS:
		return set_str(cfg->flow_logs, sizeof(cfg->flow_logs), key, v,
			       err, errlen);
	case K_FLOW_LOG_INTERVAL:
		if (parse_uint(v, 1, AGENT_MAX_FLOW_LOG_INTERVAL_S, &n))
			return vgw_fail(err, errlen,
				    "flow-log-interval: \"%s\" is not 1..%u seconds",
				    v, AGENT_MAX_FLOW_LOG_INTERVAL_S);
		cfg->flow_log_interval_s = (unsigned int)n;
		return 0;
	case K_FLOW_LOG_MAX:
		if (parse_uint(v, 1, AGENT_MAX_FLOW_LOG_MAX, &n))
			return vgw_fail(err, errlen,
				    "flow-log-max: \"%s\" is not 1..%u connections",
				    v, AGENT_MAX_FLOW_LOG_MAX);
		cfg->flow_log_max = (unsigned int)n;
		return 0;
	case K_STATS_INTERVAL:
		if (config_parse_seconds(v, &cfg->stats_interval_ms))
			return vgw_fail(err, errlen,
				    "stats-interval: \"%s\" is not a number of seconds", v);
		return 0;
	case K_LOG_LEVEL:
		if (log_level_parse(v, &cfg->log_level))
			return vgw_fail(err, errlen,
				    "log-level: \"%s\" is not error, warn, info or debug", v);
		return 0;
	case K_XDP_IF:
		return add_xdp_ifs(cfg, v, err, errlen);
	case K_XDP_MODE:
		return set_xdp_mode(cfg, v, err, errlen);
	case K_XDP_QSIZE:
		/* The kernel's cpumap takes 1..16384. */
		if (parse_uint(v, 1, 16384, &n))
			return vgw_fail(err, errlen, "xdp-qsize: \"%s\" is not 1..16384", v);
		cfg->qsize = (unsigned int)n;
		return 0;
	case K_CPUS:
		return config_parse_cpus(v, cfg->cpus, &cfg->n_cpus, err, errlen);
	default:
		return set_cluster_key(cfg, k, v, err, errlen);
	}
}

static int key_index(const char *key)
{
	unsigned int k;

	for (k = 0; k < N_KEYS; k++)
		if (!strcmp(key, keys[k].name))
			return (int)k;
	return -1;
}

int config_set(struct agent_config *cfg, enum config_src src, const char *key,
	       const char *value, char *err, size_t errlen)
{
	int k = key_index(key);

	if (k < 0)
		return vgw_fail(err, errlen, "unknown key \"%s\"", key);
	/* A later source replaces a list instead of appending to it. */
	if (keys[k].list && cfg->src[k] < src)
		cfg->n_xdp_ifs = 0;
	cfg->src[k] = (unsigned char)src;
	return set_key(cfg, (enum key)k, value, err, errlen);
}

int config_check(const struct agent_config *cfg, char *err, size_t errlen)
{
	if (!cfg->state[0] && !cfg->etcd.n_endpoints)
		return vgw_fail(err, errlen, "no --state FILE and no --endpoints URL (see --help)");
	if (cfg->state[0] && cfg->etcd.n_endpoints)
		return vgw_fail(err, errlen, "--state and --endpoints exclude each other: one source of the document");
	if (cfg->etcd.n_endpoints &&
	    vgw_etcd_config_check(&cfg->etcd, err, errlen))
		return -EINVAL;
	if (!cfg->etcd.n_endpoints && (cfg->host_id[0] || cfg->owner_table[0]))
		return vgw_fail(err, errlen, "--%s needs --endpoints (membership lives in etcd)",
			    cfg->host_id[0] ? "host-id" : "owner-table");
	if (!cfg->host_id[0] &&
	    (cfg->underlay[0] || cfg->drain_cmd[0] || cfg->cluster_keys[0]))
		return vgw_fail(err, errlen, "--%s needs --host-id (it is about this host as a cluster member)",
			    cfg->underlay[0] ? "underlay" :
			    cfg->drain_cmd[0] ? "drain-cmd" : "cluster-keys");
	if (!cfg->announce_cmd[0] != !cfg->withdraw_cmd[0])
		return vgw_fail(err, errlen, "--%s needs --%s too (the agent announces and withdraws the VIPs, or neither)",
			    cfg->announce_cmd[0] ? "announce-cmd" : "withdraw-cmd",
			    cfg->announce_cmd[0] ? "withdraw-cmd" : "announce-cmd");
	if (cfg->cluster_keys[0] && !cfg->cluster_auth)
		return vgw_fail(err, errlen, "--cluster-keys and --cluster-auth off exclude each other (off: no keys at all)");
	return 0;
}

/* Strip leading and trailing blanks in place. */
static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* One line of a host file (comment already cut); seen: scalar keys set. */
static int parse_line(struct agent_config *cfg, char *line, uint64_t *seen,
		      char *err, size_t errlen)
{
	char *eq = strchr(line, '='), *key, *val;
	int k;

	if (!eq)
		return vgw_fail(err, errlen, "expected \"key = value\"");
	*eq = '\0';
	key = trim(line);
	val = trim(eq + 1);
	k = key_index(key);
	if (k < 0)
		return vgw_fail(err, errlen, "unknown key \"%s\"", key);
	if (!keys[k].list && (*seen & (1ULL << k)))
		return vgw_fail(err, errlen, "%s: given twice", key);
	*seen |= 1ULL << k;
	return config_set(cfg, SRC_HOST_FILE, key, val, err, errlen);
}

int config_parse_text(struct agent_config *cfg, const char *name,
		      const char *text, char *err, size_t errlen)
{
	char *copy = strdup(text), *line, *next, msg[512];
	unsigned int lineno = 0;
	uint64_t seen = 0;
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	for (line = copy; line && !ret; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		line[strcspn(line, "#")] = '\0';
		if (!*trim(line))
			continue;
		ret = parse_line(cfg, line, &seen, msg, sizeof(msg));
		if (ret)
			snprintf(err, errlen, "%s:%u: %s", name, lineno, msg);
	}
	free(copy);
	return ret;
}

/* The whole file as a string; NULL with errno set on failure. */
static char *read_all(FILE *f)
{
	size_t len = 0, size = 4096, n;
	char *buf = malloc(size), *p;

	while (buf) {
		n = fread(buf + len, 1, size - len - 1, f);
		len += n;
		if (len < size - 1) {
			if (ferror(f)) {
				free(buf);
				errno = EIO;
				return NULL;
			}
			buf[len] = '\0';
			return buf;
		}
		size *= 2;
		p = realloc(buf, size);
		if (!p)
			free(buf);
		buf = p;
	}
	return NULL;
}

int config_load_file(struct agent_config *cfg, const char *path, char *err,
		     size_t errlen)
{
	FILE *f = fopen(path, "r");
	struct stat st;
	char *text;
	int ret;

	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
		return ret;
	}
	text = read_all(f);
	ret = text ? 0 : -errno;
	fclose(f);
	if (ret) {
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
		return ret;
	}
	ret = config_parse_text(cfg, path, text, err, errlen);
	explicit_bzero(text, strlen(text));
	free(text);
	/* A password that every user can read is no secret: refused. */
	if (!ret && cfg->src[K_ETCD_PASSWORD] == SRC_HOST_FILE &&
	    !stat(path, &st) && (st.st_mode & S_IROTH)) {
		snprintf(err, errlen, "%s: holds etcd-password and every user may read it (mode %03o): chmod o-r it",
			 path, (unsigned int)(st.st_mode & 0777));
		return -EACCES;
	}
	return ret;
}
