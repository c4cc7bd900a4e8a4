// SPDX-License-Identifier: GPL-2.0
/*
 * Metrics: the agent answers "GET /metrics" on the address of --metrics
 * with the Prometheus text format (version 0.0.4): the module's counters
 * (drops by reason, tunnel packets per CPU, the connection and NAT tables,
 * the objects), per VNIC for the busiest --metrics-vnics of them (all with
 * "all": 100k VNICs would be millions of series), the cluster's members and
 * counters, and the agent's own: applies and refusals, the apply latency as
 * a histogram, config events.
 *
 * The listening socket is opened before the agent enters its namespace
 * (main.c), so a scraper reaches it where the agent was started. A scrape
 * is served in the event loop, one at a time: the request is read for at
 * most a second, the answer written for at most five, then the connection
 * is closed. While it is served nothing else runs; building the text of a
 * host with 100k VNICs takes a STATS dump, a few tens of milliseconds.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "agent.h"
#include "cluster_nl.h"
#include "stats.h"

#define REQUEST_MAX	4096
#define READ_MS		1000
#define WRITE_S		5

struct metrics {
	int fd;
	const struct agent_config *cfg;
	const struct flowlog_counters *fl;
};

void metrics_set_flowlog(struct metrics *m, const struct flowlog_counters *fl)
{
	if (m)
		m->fl = fl;
}

struct metrics *metrics_open(const struct agent_config *cfg)
{
	struct sockaddr_storage ss;
	struct metrics *m;
	socklen_t len;
	int one = 1;

	if (!cfg->metrics[0])
		return NULL;
	if (metrics_parse_addr(cfg->metrics, &ss, &len))
		return NULL;	/* config.c checked it */
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->cfg = cfg;
	m->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (m->fd < 0 ||
	    setsockopt(m->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(m->fd, (struct sockaddr *)&ss, len) || listen(m->fd, 8)) {
		log_err("metrics: cannot listen on %s: %s", cfg->metrics,
			strerror(errno));
		if (m->fd >= 0)
			close(m->fd);
		free(m);
		return NULL;
	}
	log_info("metrics on http://%s/metrics", cfg->metrics);
	return m;
}

void metrics_close(struct metrics *m)
{
	if (!m)
		return;
	close(m->fd);
	free(m);
}

int metrics_fd(const struct metrics *m)
{
	return m ? m->fd : -1;
}

/* --- the text ------------------------------------------------------------ */

static void family(FILE *f, const char *name, const char *type,
		  const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A family of one sample without labels. */
static void single(FILE *f, const char *name, const char *type,
		   const char *help, unsigned long long v)
{
	family(f, name, type, help);
	fprintf(f, "%s %llu\n", name, v);
}

/* A label value: ids are [A-Za-z0-9._-], but escape as the format says. */
static void label(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

static unsigned long long vnic_packets(const struct vgw_vnic_stats *v)
{
	return (unsigned long long)(v->in_packets + v->out_packets);
}

static int busier(const void *a, const void *b)
{
	unsigned long long x = vnic_packets(*(const struct vgw_vnic_stats *const *)a);
	unsigned long long y = vnic_packets(*(const struct vgw_vnic_stats *const *)b);

	return x < y ? 1 : x > y ? -1 :
	       strcmp((*(const struct vgw_vnic_stats *const *)a)->id,
		      (*(const struct vgw_vnic_stats *const *)b)->id);
}

/* @name{vnic="...",direction="in|out"}: packets, or @bytes. */
static void in_out(FILE *f, const char *name,
		   const struct vgw_vnic_stats *const *by, unsigned int n,
		   bool bytes)
{
	unsigned int i, d;

	for (i = 0; i < n; i++)
		for (d = 0; d < 2; d++) {
			uint64_t v = bytes ? (d ? by[i]->out_bytes : by[i]->in_bytes) :
				     (d ? by[i]->out_packets : by[i]->in_packets);

			fprintf(f, "%s{vnic=\"", name);
			label(f, by[i]->id);
			fprintf(f, "\",direction=\"%s\"} %llu\n", d ? "out" : "in",
				(unsigned long long)v);
		}
}

static void vnic_metrics(FILE *f, const struct vgw_stats *st, unsigned int max)
{
	const struct vgw_vnic_stats **by = NULL;
	unsigned int n = st->n_vnics, i, r;

	single(f, "vnicgw_vnics", "gauge",
	       "VNICs in the tables.",
	       st->n_vnics);
	if (n > max)
		n = max;
	single(f, "vnicgw_vnics_exported", "gauge",
	       "VNICs whose series follow (the busiest, --metrics-vnics).",
	       n);
	if (!n)
		return;
	by = malloc(st->n_vnics * sizeof(*by));
	if (!by)
		return;
	for (i = 0; i < st->n_vnics; i++)
		by[i] = &st->vnics[i];
	qsort(by, st->n_vnics, sizeof(*by), busier);
	family(f, "vnicgw_vnic_packets_total", "counter",
	       "Packets of a VNIC: in, to the instance; out, from it.");
	in_out(f, "vnicgw_vnic_packets_total", by, n, false);
	family(f, "vnicgw_vnic_bytes_total", "counter", "Bytes of a VNIC's packets.");
	in_out(f, "vnicgw_vnic_bytes_total", by, n, true);
	family(f, "vnicgw_vnic_connections", "gauge",
	       "Connections a VNIC's stateful rules track on this host.");
	for (i = 0; i < n; i++) {
		fputs("vnicgw_vnic_connections{vnic=\"", f);
		label(f, by[i]->id);
		fprintf(f, "\"} %u\n", by[i]->conns);
	}
	family(f, "vnicgw_vnic_drops_total", "counter",
	       "A VNIC's dropped packets, by reason (the reasons seen).");
	for (i = 0; i < n; i++)
		for (r = 0; vgw_drop_name(r); r++) {
			if (!by[i]->drops[r])
				continue;
			fputs("vnicgw_vnic_drops_total{vnic=\"", f);
			label(f, by[i]->id);
			fprintf(f, "\",reason=\"%s\"} %llu\n", vgw_drop_name(r),
				(unsigned long long)by[i]->drops[r]);
		}
	free(by);
}

static void cluster_metrics(FILE *f, const struct vgw_cluster *cl)
{
	unsigned int i;

	single(f, "vnicgw_cluster_members", "gauge",
	       "Members of the cluster as the kernel has it (0: standalone).",
	       cl->n);
	single(f, "vnicgw_cluster_member", "gauge",
	       "1 when this host is a member of the cluster.",
	       cl->self[0] ? 1 : 0);
	single(f, "vnicgw_cluster_epoch", "gauge",
	       "How many times the kernel's member set changed.",
	       cl->epoch);
	family(f, "vnicgw_cluster_messages_total", "counter",
	       "The cluster's counters: handoffs and state records in and out, and the messages refused, by kind.");
	for (i = 0; vgw_cluster_counter_name(i); i++)
		fprintf(f, "vnicgw_cluster_messages_total{kind=\"%s\"} %llu\n",
			vgw_cluster_counter_name(i),
			(unsigned long long)cl->counters[i]);
}

/* The agent's own. Apply latency buckets, seconds. */
static const double buckets[] = { 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30 };

void metrics_observe_apply(struct agent_metrics *am, uint64_t ms, bool ok)
{
	unsigned int i;

	if (!ok) {
		am->refused++;
		return;
	}
	am->applied++;
	am->apply_ms_sum += ms;
	for (i = 0; i < AGENT_APPLY_BUCKETS; i++)
		if ((double)ms / 1000 <= buckets[i])
			am->apply_le[i]++;
}

_Static_assert(sizeof(buckets) / sizeof(buckets[0]) == AGENT_APPLY_BUCKETS,
	       "one count per bucket");

static void agent_metrics(FILE *f, const struct agent_metrics *am)
{
	unsigned int i;

	family(f, "vnicgw_agent_applies_total", "counter",
	       "Applies of the desired state: done (in sync after), failed (refused by the kernel, or the module went).");
	fprintf(f, "vnicgw_agent_applies_total{result=\"applied\"} %llu\n",
		(unsigned long long)am->applied);
	fprintf(f, "vnicgw_agent_applies_total{result=\"failed\"} %llu\n",
		(unsigned long long)am->refused);
	single(f, "vnicgw_agent_documents_refused_total", "counter",
	       "Desired-state documents the validator refused.",
	       am->docs_refused);
	family(f, "vnicgw_agent_apply_duration_seconds", "histogram",
	       "How long an apply took: compare and, if needed, one transaction.");
	for (i = 0; i < AGENT_APPLY_BUCKETS; i++)
		fprintf(f, "vnicgw_agent_apply_duration_seconds_bucket{le=\"%g\"} %llu\n",
			buckets[i], (unsigned long long)am->apply_le[i]);
	fprintf(f, "vnicgw_agent_apply_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
		(unsigned long long)am->applied);
	fprintf(f, "vnicgw_agent_apply_duration_seconds_sum %.3f\n",
		(double)am->apply_ms_sum / 1000);
	fprintf(f, "vnicgw_agent_apply_duration_seconds_count %llu\n",
		(unsigned long long)am->applied);
	single(f, "vnicgw_agent_config_events_total", "counter",
	       "Changes of the tables or the cluster by another, from the config group.",
	       am->events);
}

void metrics_format(FILE *f, const struct metrics_input *in)
{
	const struct vgw_stats *st = in->stats;
	unsigned int i;

	single(f, "vnicgw_up", "gauge",
	       "1 when the agent reaches the vnicgw module.",
	       st ? 1 : 0);
	if (st) {
		single(f, "vnicgw_generation", "gauge",
		       "The tables' generation: it moves with every change.",
		       in->info.generation);
		single(f, "vnicgw_objects", "gauge",
		       "Objects in the tables.",
		       in->info.n_objs);
		family(f, "vnicgw_drops_total", "counter",
		       "Packets dropped in this namespace, by reason.");
		for (i = 0; vgw_drop_name(i); i++)
			fprintf(f, "vnicgw_drops_total{reason=\"%s\"} %llu\n",
				vgw_drop_name(i),
				(unsigned long long)st->drops[i]);
		family(f, "vnicgw_tunnel_packets_total", "counter",
		       "Tunnel packets the module processed, by CPU.");
		for (i = 0; i < st->n_cpus; i++)
			fprintf(f, "vnicgw_tunnel_packets_total{cpu=\"%u\"} %llu\n",
				i, (unsigned long long)st->cpu_rx[i]);
		single(f, "vnicgw_conntrack_entries", "gauge",
		       "Tracked connections, every VNIC's (owned and backups).",
		       st->ct_entries);
		single(f, "vnicgw_conntrack_buckets", "gauge",
		       "The connection table's size.",
		       st->ct_buckets);
		single(f, "vnicgw_nat_mappings", "gauge",
		       "NAT gateway mappings, every gateway's.",
		       st->nat_entries);
		single(f, "vnicgw_nat_buckets", "gauge",
		       "The NAT mapping tables' size (each).",
		       st->nat_buckets);
		vnic_metrics(f, st, in->max_vnics);
	}
	if (in->cluster)
		cluster_metrics(f, in->cluster);
	agent_metrics(f, in->agent);
	if (in->flowlog) {
		single(f, "vnicgw_flow_log_records_total", "counter",
		       "Flow log records written (ACCEPT and REJECT lines).",
		       in->flowlog->records);
		single(f, "vnicgw_flow_log_lost_total", "counter",
		       "Connections and REJECT keys not logged: beyond --flow-log-max.",
		       in->flowlog->lost);
	}
}

/* --- the scrape ------------------------------------------------------------ */

static void reply(int fd, const char *status, const char *type,
		  const char *body, size_t len)
{
	char head[256];
	struct timeval tv = { .tv_sec = WRITE_S };
	size_t off = 0;
	ssize_t n;
	int hl;

	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	hl = snprintf(head, sizeof(head),
		      "HTTP/1.0 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
		      status, type, len);
	if (write(fd, head, (size_t)hl) != hl)
		return;
	while (off < len) {
		n = write(fd, body + off, len - off);
		if (n <= 0)
			return;
		off += (size_t)n;
	}
}

/* The request's head, read for at most READ_MS: its length, or -1. */
static int read_request(int fd, char *buf, size_t size)
{
	uint64_t end = now_ms() + READ_MS;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t len = 0;
	ssize_t n;

	while (len < size - 1) {
		uint64_t now = now_ms();

		if (now >= end || poll(&p, 1, (int)(end - now)) <= 0)
			return -1;
		n = read(fd, buf + len, size - 1 - len);
		if (n <= 0)
			return -1;
		len += (size_t)n;
		buf[len] = '\0';
		if (strstr(buf, "\r\n\r\n") || strstr(buf, "\n\n"))
			return (int)len;
	}
	return -1;
}

void metrics_serve(struct metrics *m, struct sync *s)
{
	char req[REQUEST_MAX];
	struct metrics_input in = { .max_vnics = m->cfg->metrics_vnics };
	struct vgw_stats st;
	struct vgw_cluster cl;
	struct vgw_client *c;
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int fd, flags;

	fd = accept4(m->fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	/* Blocking, with time limits of its own. */
	flags = fcntl(fd, F_GETFL);
	if (flags >= 0)
		fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
	if (read_request(fd, req, sizeof(req)) < 0) {
		close(fd);
		return;
	}
	if (strncmp(req, "GET /metrics ", 13) && strncmp(req, "GET /metrics?", 13)) {
		static const char nf[] = "not found: the metrics are at /metrics\n";

		reply(fd, "404 Not Found", "text/plain; charset=utf-8", nf,
		      sizeof(nf) - 1);
		close(fd);
		return;
	}
	memset(&cl, 0, sizeof(cl));
	c = sync_client(s);
	if (c && !vgw_get_info(c, &in.info) && !vgw_get_stats(c, &st)) {
		in.stats = &st;
		if (!vgw_cluster_get(c, &cl))
			in.cluster = &cl;
	}
	in.agent = sync_metrics(s);
	in.flowlog = m->fl;
	f = open_memstream(&text, &len);
	if (f) {
		metrics_format(f, &in);
		fclose(f);
		reply(fd, "200 OK", "text/plain; version=0.0.4; charset=utf-8",
		      text, len);
		free(text);
	}
	if (in.stats)
		vgw_stats_free(&st);
	vgw_cluster_free(&cl);
	close(fd);
}
