// SPDX-License-Identifier: GPL-2.0
/*
 * vgw-etcd-latency: time from a write of the desired state into etcd to
 * the change being in every host's kernel.
 *
 *   vgw-etcd-latency --etcd URL [--etcd-prefix P] --doc FILE --vnic ID
 *                    --netns NS[,NS...] [--count 100] [--timeout 10]
 *
 * Each round changes one VNIC of the document (its conntrack_limit, to
 * 1000 + the round's number: a new value every round) and
 * writes the document with vgw_store_write(), the code of "vnicctl apply
 * --etcd" (one key changes, one transaction); the clock starts before the
 * write. Then every namespace's tables are polled (GET_INFO every POLL_US;
 * a new generation is dumped and the VNIC compared) until all of them hold
 * the new value: the figures are that much coarser, and the polling takes
 * that little CPU away from the agents (it matters in the emulated VM).
 * The agents of those namespaces do the work in between: watch event,
 * document reassembled and validated, difference applied.
 *
 * Prints p50/p90/p99/max over the rounds, for the last host to get each
 * change; exit status 1 if a round timed out (or anything failed).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "etcd.h"
#include "nlobj.h"
#include "store.h"
#include "vgw.h"

#define MAX_NS	16
#define POLL_US	2000

struct host {
	char name[64];
	struct vgw_client c;
	uint64_t gen;
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Open a generic netlink socket inside namespace @name (then come back). */
static int open_in(struct host *h, int home)
{
	char path[sizeof(h->name) + 16];
	int fd, err;

	snprintf(path, sizeof(path), "/run/netns/%.63s", h->name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET)) {
		fprintf(stderr, "vgw-etcd-latency: %s: %s\n", path, strerror(errno));
		return -1;
	}
	close(fd);
	err = vgw_open(&h->c);
	if (setns(home, CLONE_NEWNET))
		return -1;
	if (err) {
		fprintf(stderr, "vgw-etcd-latency: %s: %s\n", h->name, vgw_errmsg(&h->c, err));
		return -1;
	}
	return 0;
}

/* Whether host @h's kernel has VNIC @id with @limit. */
static int has_limit(struct host *h, const char *id, uint32_t limit)
{
	const struct vgw_vnic *v;
	struct vgw_info info;
	struct vgw_doc *d;
	int yes;

	if (vgw_get_info(&h->c, &info) || info.generation == h->gen)
		return 0;
	if (vgw_dump_doc(&h->c, &d))
		return 0;
	v = vgw_doc_find(d, VGW_OBJ_VNIC, id);
	yes = v && v->conntrack_limit == limit;
	vgw_doc_free(d);
	if (yes)
		h->gen = info.generation;
	return yes;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double pct(const double *v, unsigned int n, double p)
{
	unsigned int k = (unsigned int)(p * (n - 1) + 0.5);

	return v[k < n ? k : n - 1];
}

struct opts {
	const char *url, *prefix, *doc, *vnic, *netns;
	unsigned int count, timeout_s;
	bool verbose;
};

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "etcd", required_argument, NULL, 'e' },
		{ "etcd-prefix", required_argument, NULL, 'p' },
		{ "doc", required_argument, NULL, 'd' },
		{ "vnic", required_argument, NULL, 'v' },
		{ "netns", required_argument, NULL, 'n' },
		{ "count", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'V' },
		{ 0 }
	};
	int c;

	*o = (struct opts){ .prefix = VGW_STORE_PREFIX_DEFAULT, .count = 100,
			    .timeout_s = 10 };
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'e':
			o->url = optarg;
			break;
		case 'p':
			o->prefix = optarg;
			break;
		case 'd':
			o->doc = optarg;
			break;
		case 'v':
			o->vnic = optarg;
			break;
		case 'n':
			o->netns = optarg;
			break;
		case 'c':
			o->count = (unsigned int)atoi(optarg);
			break;
		case 't':
			o->timeout_s = (unsigned int)atoi(optarg);
			break;
		case 'V':
			o->verbose = true;
			break;
		default:
			return -1;
		}
	}
	if (!o->url || !o->doc || !o->vnic || !o->netns || !o->count) {
		fprintf(stderr, "usage: vgw-etcd-latency --etcd URL [--etcd-prefix P] --doc FILE --vnic ID\n"
			"                        --netns NS[,NS...] [--count N] [--timeout SEC] [--verbose]\n");
		return -1;
	}
	return 0;
}

static int open_hosts(const char *list, struct host *h, unsigned int *n)
{
	char *copy = strdup(list), *p;
	int home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), ret = 0;

	*n = 0;
	for (p = strtok(copy, ","); p && !ret; p = strtok(NULL, ",")) {
		if (*n == MAX_NS)
			break;
		snprintf(h[*n].name, sizeof(h[*n].name), "%s", p);
		ret = open_in(&h[*n], home);
		if (!ret)
			(*n)++;
	}
	free(copy);
	close(home);
	return ret;
}

/* The wall clock, as the agents' log lines show it. */
static void print_wall(FILE *f)
{
	struct timespec ts;
	struct tm tm;
	char buf[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(buf, sizeof(buf), "%H:%M:%S", &tm);
	fprintf(f, "%s.%03ld", buf, ts.tv_nsec / 1000000);
}

/*
 * One round: write limit, wait for every host; ms, or -1 on timeout.
 * @verbose: one line per round, with each host's time.
 */
static double round_trip(struct vgw_etcd *e, const char *prefix,
			 struct vgw_doc *d, struct vgw_vnic *v, uint32_t limit,
			 struct host *h, unsigned int n, unsigned int timeout_s,
			 bool verbose)
{
	struct vgw_store_stats st;
	unsigned int i, left = n;
	unsigned char got[MAX_NS] = { 0 };
	double t0, at[MAX_NS];
	char err[512];

	v->conntrack_limit = limit;
	if (verbose)
		print_wall(stdout);
	t0 = now_ms();
	if (vgw_store_write(e, prefix, d, 0, NULL, &st, err, sizeof(err)) ||
	    st.changed != 1) {
		fprintf(stderr, "vgw-etcd-latency: write: %s\n", err);
		return -1;
	}
	while (left && now_ms() - t0 < timeout_s * 1e3) {
		for (i = 0; i < n; i++)
			if (!got[i] && has_limit(&h[i], v->id, limit)) {
				got[i] = 1;
				at[i] = now_ms() - t0;
				left--;
			}
		if (left)
			usleep(POLL_US);
	}
	for (i = 0; verbose && i < n; i++)
		printf(" %s %.1f ms%s", h[i].name, got[i] ? at[i] : -1.0,
		       i == n - 1 ? "\n" : "");
	return left ? -1 : now_ms() - t0;
}

int main(int argc, char **argv)
{
	struct host h[MAX_NS];
	struct vgw_etcd *e;
	struct vgw_doc *d;
	struct vgw_vnic *v;
	char err[512], p[VGW_STORE_PREFIX_MAX];
	unsigned int n, i, lost = 0;
	struct opts o;
	double *ms;

	if (parse(argc, argv, &o) ||
	    vgw_store_prefix_norm(o.prefix, p, err, sizeof(err)))
		return 2;
	if (vgw_doc_parse_file(o.doc, &d, err, sizeof(err)) ||
	    vgw_etcd_open(o.url, &e, err, sizeof(err))) {
		fprintf(stderr, "vgw-etcd-latency: %s\n", err);
		return 1;
	}
	v = (struct vgw_vnic *)vgw_doc_find(d, VGW_OBJ_VNIC, o.vnic);
	if (!v || open_hosts(o.netns, h, &n) || !n) {
		fprintf(stderr, "vgw-etcd-latency: no VNIC %s, or a namespace failed\n", o.vnic);
		return 1;
	}
	ms = calloc(o.count, sizeof(*ms));
	for (i = 0; i < o.count; i++) {
		ms[i] = round_trip(e, p, d, v, 1000 + i, h, n, o.timeout_s,
				   o.verbose);
		if (ms[i] < 0) {
			fprintf(stderr, "vgw-etcd-latency: round %u: not in every kernel after %u s\n",
				i, o.timeout_s);
			lost++;
			ms[i] = o.timeout_s * 1e3;
		}
	}
	qsort(ms, o.count, sizeof(*ms), cmp_double);
	printf("put to kernel, %u changes of one VNIC, %u hosts: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms\n",
	       o.count, n, pct(ms, o.count, 0.5), pct(ms, o.count, 0.9),
	       pct(ms, o.count, 0.99), ms[o.count - 1]);
	for (i = 0; i < n; i++)
		vgw_close(&h[i].c);
	vgw_etcd_close(e);
	vgw_doc_free(d);
	free(ms);
	return lost ? 1 : 0;
}
