// SPDX-License-Identifier: GPL-2.0
/*
 * owner-sim: the flow owner table (user/lib/owner.c) simulated natively,
 * for the figures of issue 6: table build time, lookup cost, the fraction of
 * flows that change owner when one host joins or leaves, where a failed
 * host's flows go, how evenly flows spread, and the per-host memory of a
 * large deployment.
 *
 *   owner-sim [--hosts 3,1000] [--flows 10000,1000000] [--size 65537]
 *              [--seed 1] [--vnics 1000000] [--vnic-bytes 473]
 *   owner-sim --table h1,h2,h3 [--size 65537] [--backups 2]
 *
 * Flows are random 64-bit flow hashes (a seeded generator: the same seed
 * gives the same figures, apart from the timings). Joins add a host with a
 * fresh id; leaves remove an existing one; each figure is the mean over
 * several choices of that host (all of them in a small cluster).
 * --table prints the fingerprint of one table, as an agent logs it.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "owner.h"

#define MAX_LIST	8
#define CHOICES		10	/* joining/leaving hosts tried per figure */

struct opts {
	unsigned int hosts[MAX_LIST], n_hosts;
	unsigned int flows[MAX_LIST], n_flows;
	unsigned int sizes[MAX_LIST], n_sizes;
	unsigned long long seed;
	unsigned long long vnics, vnic_bytes;
	const char *table;
	unsigned int backups;	/* --table's */
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int parse_list(const char *s, unsigned int *out, unsigned int *n)
{
	char *end;
	unsigned long v;

	*n = 0;
	do {
		v = strtoul(s, &end, 10);
		if (end == s || !v || v > 100000000 || *n == MAX_LIST)
			return -EINVAL;
		out[(*n)++] = (unsigned int)v;
		s = end + (*end == ',');
	} while (*end == ',');
	return *end ? -EINVAL : 0;
}

/* "host0000".."host(n-1)", and room for CHOICES joiners after them. */
static char **make_ids(unsigned int n)
{
	char **ids = calloc(n + CHOICES, sizeof(*ids));
	unsigned int i;

	for (i = 0; ids && i < n + CHOICES; i++) {
		ids[i] = malloc(24);
		if (!ids[i])
			exit(1);
		snprintf(ids[i], 24, i < n ? "host%04u" : "joiner%02u", i < n ? i : i - n);
	}
	if (!ids)
		exit(1);
	return ids;
}

static void free_ids(char **ids, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n + CHOICES; i++)
		free(ids[i]);
	free(ids);
}

static void build_or_die(char **ids, unsigned int n, unsigned int size,
			 struct vgw_owner_table *m)
{
	int err = vgw_owner_build((const char *const *)ids, n, size, m);

	if (err) {
		fprintf(stderr, "owner-sim: cannot build %u hosts x %u slots: %s\n",
			n, size, strerror(-err));
		exit(1);
	}
}

/* Owner of each flow, by id pointer (comparable across tables). */
static const char *owner_id(const struct vgw_owner_table *m, uint64_t h)
{
	return m->ids[vgw_owner_lookup(m, h)];
}

struct row {
	double join, leave;		/* fractions of flows that moved */
	double crash_backup;		/* of a failed host's flows: to the backup */
	double leave_others;		/* flows of other hosts that moved too */
	unsigned int fmin, fmax;	/* flows per host */
};

static double join_moved(char **ids, unsigned int n, unsigned int size,
			 const struct vgw_owner_table *m, const uint64_t *f,
			 unsigned int nf)
{
	unsigned int c, i, moved = 0, tries = CHOICES;
	char **with = malloc((n + 1) * sizeof(*with));
	struct vgw_owner_table j;

	memcpy(with, ids, n * sizeof(*with));
	for (c = 0; c < tries; c++) {
		with[n] = ids[n + c];
		build_or_die(with, n + 1, size, &j);
		for (i = 0; i < nf; i++)
			moved += strcmp(owner_id(m, f[i]), owner_id(&j, f[i])) != 0;
		vgw_owner_free(&j);
	}
	free(with);
	return (double)moved / ((double)nf * tries);
}

/* Leave (or crash) of host x: moved flows, and where x's flows went. */
static void leave_moved(char **ids, unsigned int n, unsigned int size,
			const struct vgw_owner_table *m, const uint64_t *f,
			unsigned int nf, struct row *r)
{
	unsigned int tries = n < CHOICES ? n : CHOICES, c, i, k, x;
	unsigned long long moved = 0, own = 0, to_backup = 0, others = 0;
	char **rest = malloc(n * sizeof(*rest));
	unsigned int pref[3];
	struct vgw_owner_table l;

	for (c = 0; c < tries; c++) {
		x = n < CHOICES ? c : c * (n / CHOICES);
		for (i = 0, k = 0; i < n; i++)
			if (i != x)
				rest[k++] = m->ids[i];
		build_or_die(rest, n - 1, size, &l);
		for (i = 0; i < nf; i++) {
			const char *now = owner_id(&l, f[i]);

			vgw_owner_pref(m, f[i], pref);
			if (pref[0] == x) {
				own++;
				to_backup += !strcmp(now, m->ids[pref[1]]);
			} else {
				others += strcmp(now, m->ids[pref[0]]) != 0;
			}
		}
		vgw_owner_free(&l);
	}
	moved = own + others;
	r->leave = (double)moved / ((double)nf * tries);
	r->crash_backup = own ? (double)to_backup / (double)own : 1;
	r->leave_others = (double)others / ((double)nf * tries);
	free(rest);
	(void)ids;
}

static void spread(const struct vgw_owner_table *m, const uint64_t *f,
		   unsigned int nf, struct row *r)
{
	unsigned int *cnt = calloc(m->n, sizeof(*cnt)), i;

	for (i = 0; i < nf; i++)
		cnt[vgw_owner_lookup(m, f[i])]++;
	r->fmin = r->fmax = cnt[0];
	for (i = 1; i < m->n; i++) {
		r->fmin = cnt[i] < r->fmin ? cnt[i] : r->fmin;
		r->fmax = cnt[i] > r->fmax ? cnt[i] : r->fmax;
	}
	free(cnt);
}

/* Where lookup_ns() leaves its sum, so that its loop cannot vanish. */
unsigned long lookup_sink;

/* ns per lookup over the flows. */
static double lookup_ns(const struct vgw_owner_table *m, const uint64_t *f,
			unsigned int nf)
{
	unsigned long sum = 0;
	unsigned int i, rep, reps = 1 + 10000000 / nf;
	double t = now_s();

	for (rep = 0; rep < reps; rep++)
		for (i = 0; i < nf; i++)
			sum += vgw_owner_lookup(m, f[i]);
	lookup_sink = sum;
	return (now_s() - t) * 1e9 / ((double)nf * reps);
}

static void table_figures(const struct opts *o, unsigned int n,
			  unsigned int size, char **ids)
{
	struct vgw_owner_table m;
	unsigned int *slots = calloc(n, sizeof(*slots)), s, lo, hi, i;
	double t0, t1, t2;

	t0 = now_s();
	build_or_die(ids, n, size, &m);
	t1 = now_s();
	vgw_owner_build_backup(&m);
	t2 = now_s();
	for (s = 0; s < size; s++)
		slots[m.owner[s]]++;
	lo = hi = slots[0];
	for (i = 1; i < n; i++) {
		lo = slots[i] < lo ? slots[i] : lo;
		hi = slots[i] > hi ? slots[i] : hi;
	}
	printf("%6u %8u %10.2f %12.1f %10u..%-8u %10.1f KiB\n", n, size,
	       (t1 - t0) * 1e3, (t2 - t1) * 1e3, lo, hi,
	       2.0 * size * sizeof(uint16_t) / 1024);
	free(slots);
	vgw_owner_free(&m);
	(void)o;
}

static void flow_figures(const struct opts *o, unsigned int n,
			 unsigned int size, unsigned int nf, char **ids)
{
	uint64_t seed = o->seed, *f = malloc(nf * sizeof(*f));
	struct vgw_owner_table m;
	struct row r;
	unsigned int i;

	for (i = 0; i < nf; i++)
		f[i] = splitmix(&seed);
	build_or_die(ids, n, size, &m);
	vgw_owner_build_backup(&m);
	r.join = join_moved(ids, n, size, &m, f, nf);
	leave_moved(ids, n, size, &m, f, nf, &r);
	spread(&m, f, nf, &r);
	printf("%6u %8u %8u %6.2f%% (%6.2f%%) %6.2f%% (%6.2f%%) %7.2f%% %9.2f%% %8u/%.0f/%-8u %7.2f\n",
	       n, size, nf, 100 * r.join, 100.0 / (n + 1), 100 * r.leave,
	       100.0 / n, 100 * r.leave_others, 100 * r.crash_backup, r.fmin,
	       (double)nf / n, r.fmax, lookup_ns(&m, f, nf));
	vgw_owner_free(&m);
	free(f);
}

static void list_str(const unsigned int *v, unsigned int n, char *buf,
		     size_t len)
{
	unsigned int i;
	int k = 0;

	for (i = 0; i < n && k < (int)len; i++)
		k += snprintf(buf + k, len - (size_t)k, "%s%u", i ? "," : "", v[i]);
}

static void simulate(const struct opts *o)
{
	char hs[64], fs[64], ss[64];
	unsigned int h, s, k;
	char **ids;

	list_str(o->hosts, o->n_hosts, hs, sizeof(hs));
	list_str(o->flows, o->n_flows, fs, sizeof(fs));
	list_str(o->sizes, o->n_sizes, ss, sizeof(ss));
	printf("# owner-sim: the flow owner table (user/lib/owner.c), natively\n");
	printf("# reproduce: build/bin/owner-sim --hosts %s --flows %s --size %s --seed %llu --vnics %llu --vnic-bytes %llu\n\n",
	       hs, fs, ss, o->seed, o->vnics, o->vnic_bytes);
	printf("%6s %8s %10s %12s %20s %14s\n", "hosts", "slots", "build ms",
	       "backup ms", "slots/host", "owner+backup");
	for (h = 0; h < o->n_hosts; h++) {
		ids = make_ids(o->hosts[h]);
		for (s = 0; s < o->n_sizes; s++)
			if (o->hosts[h] <= o->sizes[s])
				table_figures(o, o->hosts[h], o->sizes[s], ids);
		free_ids(ids, o->hosts[h]);
	}
	printf("\n%6s %8s %8s %18s %18s %8s %10s %22s %7s\n", "hosts", "slots",
	       "flows", "join: moved (1/N)", "leave: moved (1/N)", "others",
	       "crash->bkp", "flows/host min/mean/max", "lookup");
	for (h = 0; h < o->n_hosts; h++) {
		ids = make_ids(o->hosts[h]);
		for (s = 0; s < o->n_sizes; s++)
			for (k = 0; k < o->n_flows; k++)
				if (o->hosts[h] <= o->sizes[s] && o->hosts[h] > 1)
					flow_figures(o, o->hosts[h], o->sizes[s],
						     o->flows[k], ids);
		free_ids(ids, o->hosts[h]);
	}
	printf("\n# join/leave: flows whose owner changed when one host joins/leaves (ideal in brackets);\n"
	       "# others: flows of hosts that stayed that moved anyway (0 by construction);\n"
	       "# crash->bkp: of a failed host's flows, those whose new owner is their backup;\n"
	       "# lookup: ns per owner lookup (table[vgw_owner_slot(hash)]).\n");
	printf("\n# per-host memory for %llu VNICs: %llu x %llu B (kernel memory per VNIC, make bench-control)\n"
	       "#   = %.0f MiB, every host holding every VNIC; plus the owner and backup tables above\n",
	       o->vnics, o->vnics, o->vnic_bytes,
	       (double)o->vnics * (double)o->vnic_bytes / (1024.0 * 1024.0));
}

/* --table: the table of the given ids, as agents log it. */
static int print_table(const struct opts *o)
{
	char *copy = strdup(o->table), *ids[VGW_OWNER_MAX_HOSTS / 64], *p;
	unsigned int n = 0, i;
	struct vgw_owner_table m;

	for (p = strtok(copy, ","); p && n < sizeof(ids) / sizeof(ids[0]);
	     p = strtok(NULL, ","))
		ids[n++] = p;
	if (!n || vgw_owner_build((const char *const *)ids, n, o->sizes[0], &m) ||
	    vgw_owner_build_backups(&m, o->backups)) {
		fprintf(stderr, "owner-sim: --table %s: no valid table\n", o->table);
		return 1;
	}
	printf("members");
	for (i = 0; i < m.n; i++)
		printf(" %s", m.ids[i]);
	printf("\nsize %u\nfingerprint %016llx\n", m.size,
	       (unsigned long long)vgw_owner_fingerprint(&m));
	vgw_owner_free(&m);
	free(copy);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: owner-sim [--hosts N,...] [--flows N,...] [--size M,...] [--seed S]\n"
		"                  [--vnics N] [--vnic-bytes B]\n"
		"       owner-sim --table ID,ID,... [--size M] [--backups 1|2]\n"
		"Simulates the cluster's flow owner table: build time, lookup cost, flows moved\n"
		"by a join or a leave, where a failed host's flows go, spread, memory.\n"
		"Defaults: --hosts 3,1000 --flows 10000,1000000 --size %u --seed 1\n"
		"--vnics 1000000 --vnic-bytes 473. Sizes must be primes.\n",
		VGW_OWNER_SIZE_DEFAULT);
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "hosts", required_argument, NULL, 'H' },
		{ "flows", required_argument, NULL, 'f' },
		{ "size", required_argument, NULL, 'm' },
		{ "seed", required_argument, NULL, 's' },
		{ "vnics", required_argument, NULL, 'v' },
		{ "vnic-bytes", required_argument, NULL, 'b' },
		{ "table", required_argument, NULL, 't' },
		{ "backups", required_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	unsigned int i;
	int c, bad = 0;

	*o = (struct opts){ .hosts = { 3, 1000 }, .n_hosts = 2,
			    .flows = { 10000, 1000000 }, .n_flows = 2,
			    .sizes = { VGW_OWNER_SIZE_DEFAULT }, .n_sizes = 1,
			    .seed = 1, .vnics = 1000000, .vnic_bytes = 473,
			    .backups = 1 };
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'H':
			bad |= parse_list(optarg, o->hosts, &o->n_hosts);
			break;
		case 'f':
			bad |= parse_list(optarg, o->flows, &o->n_flows);
			break;
		case 'm':
			bad |= parse_list(optarg, o->sizes, &o->n_sizes);
			break;
		case 's':
			o->seed = strtoull(optarg, NULL, 0);
			break;
		case 'v':
			o->vnics = strtoull(optarg, NULL, 0);
			break;
		case 'b':
			o->vnic_bytes = strtoull(optarg, NULL, 0);
			break;
		case 't':
			o->table = optarg;
			break;
		case 'B':
			o->backups = (unsigned int)strtoul(optarg, NULL, 10);
			bad |= o->backups < 1 || o->backups > 2;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return 2;
		}
	}
	for (i = 0; i < o->n_sizes; i++)
		if (!vgw_owner_is_prime(o->sizes[i]) || o->sizes[i] > VGW_OWNER_MAX_SIZE)
			bad = 1;
	for (i = 0; i < o->n_hosts; i++)
		bad |= o->hosts[i] > VGW_OWNER_MAX_HOSTS;
	if (bad || optind < argc) {
		usage(stderr);
		return 2;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	int ret = parse_opts(argc, argv, &o);

	if (ret)
		return ret;
	if (o.table)
		return print_table(&o);
	setvbuf(stdout, NULL, _IOLBF, 0);
	simulate(&o);
	return 0;
}
