// SPDX-License-Identifier: GPL-2.0
/*
 * Flow logs (--flow-logs PATH): per VNIC with flow_logs on (state.h), one
 * JSON line per connection per interval, in the spirit of OCI's VCN flow
 * logs. docs/operations.md, "Flow logs", is the operator's description;
 * this is how it is made.
 *
 * ACCEPT. Every --flow-log-interval the agent dumps the kernel's
 * connection table (VNICGW_CMD_CT_GET). An entry carries the flow as
 * opened and packets and bytes each way since it opened; the agent keeps,
 * per connection it logs, the counters it saw last, and writes the
 * difference (the first time: everything). No new packet, no line. An entry
 * that is not in a dump any more is forgotten (the kernel closed it or it
 * expired): a connection of the same five-tuple later is a new one. In a
 * cluster each entry is on its owner and on its backup; only the owner's
 * copy is logged (the kernel's own member id, from CLUSTER_GET), or the
 * backup would count every packet a second time.
 *
 * REJECT. The agent joins the module's "drops" group and counts, between
 * two interval ends, the drops charged to a logged VNIC by (vnic, protocol,
 * addresses, ports, reason). The kernel rate-limits these events
 * (drop_events_rate) and tells how many it did not send
 * (VNICGW_A_DROP_MISSED): their sum is written as a SKIPDATA line.
 *
 * Memory is bounded: at most --flow-log-max connections are remembered, and
 * as many REJECT keys per interval; what does not fit is not logged but
 * counted ("lost" in the SKIPDATA line, vnicgw_flow_log_lost_total). A
 * remembered connection costs about 120 bytes.
 *
 * Stateless traffic is not tracked, so it is not in the connection table
 * and not logged; drops are logged whatever rule refused them.
 *
 * The aggregation (flowlog_begin/ct/drop/end) does no I/O but the writes to
 * the output: user/tests/test_flowlog.c feeds it made-up entries and
 * events. flowlog_run() and flowlog_events() are the kernel side.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "cluster_nl.h"
#include "conntrack.h"
#include "json.h"
#include "monitor.h"
#include "state.h"
#include "stats.h"

/*
 * A connection's or a REJECT's key. Zeroed before it is filled, so that its
 * bytes hash and compare as a whole; vnic points into the interned names,
 * so one name is one pointer.
 */
struct fl_key {
	const char *vnic;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint8_t proto;
	uint8_t family;		/* AF_INET, AF_INET6; 0: not parsed (drops) */
	uint8_t reason;		/* REJECT only */
};

struct fl_conn {
	struct fl_conn *next;
	struct fl_key k;
	uint64_t orig_packets, orig_bytes, reply_packets, reply_bytes;
	uint64_t start;		/* the start of the first interval it was in */
	uint32_t gen;		/* the last dump that listed it */
};

struct fl_rej {
	struct fl_rej *next;
	struct fl_key k;
	uint64_t packets;
};

/* Chained hash of either kind (both start with next and key). */
struct fl_table {
	void **b;
	size_t size;		/* a power of two, or 0 */
	size_t n;
};

struct fl_node {
	struct fl_node *next;
	struct fl_key k;
};

struct flowlog {
	const struct agent_config *cfg;	/* NULL: made by a test */
	FILE *out;
	bool own_out;			/* a file of ours (not stdout) */
	char host[64];
	unsigned int max;

	/* Every VNIC name ever logged (interned, sorted), the logged ones. */
	char **names;
	size_t n_names;
	const char **on;		/* sorted by name */
	size_t n_on;

	struct fl_table conns, rejs;
	uint32_t gen;
	uint64_t start, end;		/* the interval being written */
	char self[VGW_CLUSTER_ID_LEN];	/* "": not a cluster member */
	uint64_t missed, lost, overruns;	/* this interval's */
	bool write_failed;
	struct flowlog_counters total;

	/* The kernel side: the "drops" group, the next interval. */
	struct vgw_client mon;
	bool mon_open;
	int refused_family;		/* the module that refused; -1: none */
	uint64_t due_ms;		/* monotonic */
	uint64_t last_end;		/* wall clock, the last interval's end */
};

/* --- names ----------------------------------------------------------------- */

static int name_cmp(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

/* The interned name of a logged VNIC, or NULL when it is not logged. */
static const char *logged(const struct flowlog *fl, const char *vnic)
{
	const char *const *p;

	if (!fl->n_on)
		return NULL;
	p = bsearch(vnic, fl->on, fl->n_on, sizeof(*fl->on), name_cmp);
	return p ? *p : NULL;
}

/*
 * The names are interned (one copy, kept while the flow log lives: the
 * remembered connections point to them) in a sorted array; the logged set
 * points into it. A new document is merged into it in one walk, since its
 * VNICs are sorted by id too: 100k VNICs cost one pass, not 100k searches.
 */
int flowlog_set_doc(struct flowlog *fl, const struct vgw_doc *d)
{
	unsigned int i, n = vgw_doc_count(d, VGW_OBJ_VNIC);
	size_t j = 0, k = 0, m = 0;
	const struct vgw_vnic *v;
	const char **on;
	char **names;
	int c = 1;

	on = calloc(n ? n : 1, sizeof(*on));
	names = calloc(fl->n_names + n + 1, sizeof(*names));
	if (!on || !names)
		goto nomem;
	for (i = 0; i < n; i++) {
		v = vgw_doc_obj(d, VGW_OBJ_VNIC, i);
		if (!vgw_vnic_flow_logs(d, v))
			continue;
		/* the pool's names before this one */
		while (j < fl->n_names && (c = strcmp(fl->names[j], v->id)) < 0)
			names[m++] = fl->names[j++];
		if (j < fl->n_names && !c) {
			names[m] = fl->names[j++];
		} else {
			names[m] = strdup(v->id);
			if (!names[m])
				goto nomem_partial;
		}
		on[k++] = names[m++];
	}
	while (j < fl->n_names)
		names[m++] = fl->names[j++];
	free(fl->names);
	fl->names = names;
	fl->n_names = m;
	free(fl->on);
	fl->on = on;
	fl->n_on = k;
	return 0;

nomem_partial:
	/* the copies made here are in names[] but not in fl->names */
	for (i = 0; i < m; i++)
		if (!bsearch(names[i], fl->names, fl->n_names,
			     sizeof(*fl->names), name_cmp))
			free(names[i]);
nomem:
	free(on);
	free(names);
	return -ENOMEM;
}

size_t flowlog_logged(const struct flowlog *fl)
{
	return fl->n_on;
}

/* --- the tables ------------------------------------------------------------ */

static size_t key_hash(const struct fl_key *k)
{
	const unsigned char *p = (const unsigned char *)k;
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return (size_t)(h ^ (h >> 32));
}

static struct fl_node *lookup(const struct fl_table *t, const struct fl_key *k)
{
	struct fl_node *e;

	if (!t->size)
		return NULL;
	for (e = t->b[key_hash(k) & (t->size - 1)]; e; e = e->next)
		if (!memcmp(&e->k, k, sizeof(*k)))
			return e;
	return NULL;
}

/* Double the buckets when full; a failure leaves longer chains, no loss. */
static void grow(struct fl_table *t)
{
	size_t size = t->size ? t->size * 2 : 64, i, h;
	struct fl_node *e, *next;
	void **b;

	if (t->n < t->size)
		return;
	b = calloc(size, sizeof(*b));
	if (!b)
		return;
	for (i = 0; i < t->size; i++)
		for (e = t->b[i]; e; e = next) {
			next = e->next;
			h = key_hash(&e->k) & (size - 1);
			e->next = b[h];
			b[h] = e;
		}
	free(t->b);
	t->b = b;
	t->size = size;
}

/* 0, or -ENOMEM when there are no buckets at all (@e is the caller's). */
static int insert(struct fl_table *t, struct fl_node *e)
{
	size_t h;

	grow(t);
	if (!t->size)
		return -ENOMEM;
	h = key_hash(&e->k) & (t->size - 1);
	e->next = t->b[h];
	t->b[h] = e;
	t->n++;
	return 0;
}

/* Free the entries that @keep refuses (all with NULL). */
static void sweep(struct fl_table *t, bool (*keep)(const struct fl_node *e,
						   uint32_t gen),
		  uint32_t gen)
{
	struct fl_node **pp, *e;
	size_t i;

	for (i = 0; i < t->size; i++)
		for (pp = (struct fl_node **)&t->b[i]; (e = *pp);) {
			if (keep && keep(e, gen)) {
				pp = &e->next;
				continue;
			}
			*pp = e->next;
			free(e);
			t->n--;
		}
}

static void table_free(struct fl_table *t)
{
	sweep(t, NULL, 0);
	free(t->b);
	t->b = NULL;
	t->size = 0;
}

/* --- the lines ------------------------------------------------------------- */

static void put_addr(struct vgw_json *j, const char *key, int family,
		     const uint8_t *a)
{
	char s[INET6_ADDRSTRLEN];

	if (family && inet_ntop(family, a, s, sizeof(s)))
		vgw_json_string(j, key, s);
}

static void put_proto(struct vgw_json *j, uint8_t proto)
{
	const char *name = vgw_proto_name(proto);
	char num[4];

	snprintf(num, sizeof(num), "%u", proto);
	vgw_json_string(j, "proto", name ? name : num);
}

/* "version", "vnic", "action" and the flow, as every record starts. */
static void head(struct flowlog *fl, struct vgw_json *j,
		 const struct fl_key *k, const char *action)
{
	vgw_json_init(j, fl->out);
	vgw_json_object_begin(j, NULL);
	vgw_json_u64(j, "version", 1);
	vgw_json_string(j, "vnic", k->vnic);
	vgw_json_string(j, "action", action);
	put_proto(j, k->proto);
	put_addr(j, "src", k->family, k->src);
	vgw_json_u64(j, "sport", k->sport);
	put_addr(j, "dst", k->family, k->dst);
	vgw_json_u64(j, "dport", k->dport);
}

static void tail(struct flowlog *fl, struct vgw_json *j, uint64_t start)
{
	vgw_json_u64(j, "start", start);
	vgw_json_u64(j, "end", fl->end);
	vgw_json_string(j, "host", fl->host);
	vgw_json_object_end(j);
	vgw_json_finish(j);
}

static void accept_line(struct flowlog *fl, const struct fl_conn *c,
			const struct vgw_ct *e)
{
	struct vgw_json j;

	head(fl, &j, &c->k, "ACCEPT");
	vgw_json_u64(&j, "packets", e->orig_packets - c->orig_packets);
	vgw_json_u64(&j, "bytes", e->orig_bytes - c->orig_bytes);
	vgw_json_u64(&j, "reply_packets", e->reply_packets - c->reply_packets);
	vgw_json_u64(&j, "reply_bytes", e->reply_bytes - c->reply_bytes);
	vgw_json_u64(&j, "start", c->start);
	vgw_json_u64(&j, "end", fl->end);
	vgw_json_string(&j, "state", vgw_ct_state_name(e->state));
	vgw_json_string(&j, "host", fl->host);
	vgw_json_object_end(&j);
	vgw_json_finish(&j);
	fl->total.records++;
}

static void reject_line(struct flowlog *fl, const struct fl_rej *r)
{
	const char *reason = vgw_drop_name(r->k.reason);
	struct vgw_json j;

	head(fl, &j, &r->k, "REJECT");
	vgw_json_string(&j, "reason", reason ? reason : "?");
	vgw_json_u64(&j, "packets", r->packets);
	tail(fl, &j, fl->start);
	fl->total.records++;
}

static void skipdata_line(struct flowlog *fl)
{
	struct vgw_json j;

	vgw_json_init(&j, fl->out);
	vgw_json_object_begin(&j, NULL);
	vgw_json_u64(&j, "version", 1);
	vgw_json_string(&j, "action", "SKIPDATA");
	vgw_json_u64(&j, "missed", fl->missed);
	vgw_json_u64(&j, "lost", fl->lost);
	if (fl->overruns)
		vgw_json_u64(&j, "overruns", fl->overruns);
	tail(fl, &j, fl->start);
}

/* --- the aggregation ------------------------------------------------------- */

struct flowlog *flowlog_create(FILE *out, const char *host, unsigned int max)
{
	struct flowlog *fl = calloc(1, sizeof(*fl));

	if (!fl)
		return NULL;
	fl->out = out;
	fl->max = max;
	fl->refused_family = -1;
	snprintf(fl->host, sizeof(fl->host), "%s", host);
	return fl;
}

const struct flowlog_counters *flowlog_counters(const struct flowlog *fl)
{
	return fl ? &fl->total : NULL;
}

size_t flowlog_remembered(const struct flowlog *fl)
{
	return fl->conns.n;
}

void flowlog_begin(struct flowlog *fl, uint64_t start, uint64_t end,
		   const char *self)
{
	fl->start = start;
	fl->end = end;
	fl->gen++;
	snprintf(fl->self, sizeof(fl->self), "%s", self ? self : "");
}

void flowlog_ct(struct flowlog *fl, const struct vgw_ct *e)
{
	struct fl_conn *c;
	struct fl_key k;

	/* A cluster's entry is logged by its owner only. */
	if (e->owner[0] && strcmp(e->owner, fl->self))
		return;
	memset(&k, 0, sizeof(k));
	k.vnic = logged(fl, e->vnic);
	if (!k.vnic || (e->family != AF_INET && e->family != AF_INET6))
		return;
	k.family = (uint8_t)e->family;
	k.proto = e->proto;
	memcpy(k.src, e->src, 16);
	memcpy(k.dst, e->dst, 16);
	k.sport = e->sport;
	k.dport = e->dport;
	c = (struct fl_conn *)lookup(&fl->conns, &k);
	if (!c) {
		if (fl->conns.n >= fl->max) {
			fl->lost++;
			fl->total.lost++;
			return;
		}
		c = calloc(1, sizeof(*c));
		if (c) {
			c->k = k;
			c->start = fl->start;
		}
		if (!c || insert(&fl->conns, (struct fl_node *)c)) {
			free(c);
			fl->lost++;
			fl->total.lost++;
			return;
		}
	} else if (e->orig_packets < c->orig_packets ||
		   e->reply_packets < c->reply_packets ||
		   e->orig_bytes < c->orig_bytes ||
		   e->reply_bytes < c->reply_bytes) {
		/*
		 * Counters went back: the entry closed and one of the same
		 * five-tuple opened between two dumps. A new connection.
		 */
		c->orig_packets = 0;
		c->orig_bytes = 0;
		c->reply_packets = 0;
		c->reply_bytes = 0;
		c->start = fl->start;
	}
	c->gen = fl->gen;
	if (e->orig_packets == c->orig_packets &&
	    e->reply_packets == c->reply_packets)
		return;
	accept_line(fl, c, e);
	c->orig_packets = e->orig_packets;
	c->orig_bytes = e->orig_bytes;
	c->reply_packets = e->reply_packets;
	c->reply_bytes = e->reply_bytes;
}

void flowlog_drop(struct flowlog *fl, const struct vgw_event *e)
{
	struct fl_rej *r;
	struct fl_key k;

	if (e->cmd != VNICGW_CMD_DROP)
		return;
	fl->missed += e->missed;
	memset(&k, 0, sizeof(k));
	k.vnic = e->vnic[0] ? logged(fl, e->vnic) : NULL;
	if (!k.vnic)
		return;
	if (e->family == AF_INET || e->family == AF_INET6) {
		k.family = (uint8_t)e->family;
		memcpy(k.src, e->src, 16);
		memcpy(k.dst, e->dst, 16);
	}
	k.proto = e->proto;
	k.sport = e->sport;
	k.dport = e->dport;
	k.reason = (uint8_t)e->reason;
	r = (struct fl_rej *)lookup(&fl->rejs, &k);
	if (!r) {
		r = fl->rejs.n < fl->max ? calloc(1, sizeof(*r)) : NULL;
		if (r)
			r->k = k;
		if (!r || insert(&fl->rejs, (struct fl_node *)r)) {
			free(r);
			fl->lost++;
			fl->total.lost++;
			return;
		}
	}
	r->packets++;
}

static bool listed(const struct fl_node *e, uint32_t gen)
{
	return ((const struct fl_conn *)e)->gen == gen;
}

void flowlog_end(struct flowlog *fl, bool dumped)
{
	struct fl_node *e;
	size_t i;

	/* A failed dump says nothing of what is gone. */
	if (dumped)
		sweep(&fl->conns, listed, fl->gen);
	for (i = 0; i < fl->rejs.size; i++)
		for (e = fl->rejs.b[i]; e; e = e->next)
			reject_line(fl, (struct fl_rej *)e);
	sweep(&fl->rejs, NULL, 0);
	if (fl->missed || fl->lost || fl->overruns)
		skipdata_line(fl);
	fl->missed = 0;
	fl->lost = 0;
	fl->overruns = 0;
	if (fflush(fl->out) || ferror(fl->out)) {
		if (!fl->write_failed)
			log_err("flow logs: writing failed: %s", strerror(errno));
		fl->write_failed = true;
		clearerr(fl->out);
	} else {
		fl->write_failed = false;
	}
}

void flowlog_free(struct flowlog *fl)
{
	size_t i;

	if (!fl)
		return;
	table_free(&fl->conns);
	table_free(&fl->rejs);
	for (i = 0; i < fl->n_names; i++)
		free(fl->names[i]);
	free(fl->names);
	free(fl->on);
	if (fl->mon_open)
		vgw_close(&fl->mon);
	if (fl->own_out && fl->out)
		fclose(fl->out);
	free(fl);
}

/* --- the agent's side ------------------------------------------------------ */

static FILE *open_out(const char *path)
{
	FILE *f;

	if (!strcmp(path, "-"))
		return stdout;
	f = fopen(path, "ae");
	if (!f)
		log_err("flow logs: %s: %s", path, strerror(errno));
	return f;
}

int flowlog_open(const struct agent_config *cfg, struct flowlog **out)
{
	char host[64];
	struct flowlog *fl;
	FILE *f;

	*out = NULL;
	if (!cfg->flow_logs[0])
		return 0;
	if (cfg->host_id[0]) {
		snprintf(host, sizeof(host), "%s", cfg->host_id);
	} else if (gethostname(host, sizeof(host))) {
		snprintf(host, sizeof(host), "?");
	}
	host[sizeof(host) - 1] = '\0';
	f = open_out(cfg->flow_logs);
	if (!f)
		return -errno;
	fl = flowlog_create(f, host, cfg->flow_log_max);
	if (!fl) {
		if (f != stdout)
			fclose(f);
		return -ENOMEM;
	}
	fl->cfg = cfg;
	fl->own_out = f != stdout;
	fl->due_ms = now_ms() + cfg->flow_log_interval_s * 1000ull;
	fl->last_end = (uint64_t)time(NULL);
	log_info("flow logs to %s every %u s (at most %u connections)",
		 strcmp(cfg->flow_logs, "-") ? cfg->flow_logs : "stdout",
		 cfg->flow_log_interval_s, cfg->flow_log_max);
	*out = fl;
	return 0;
}

void flowlog_reopen(struct flowlog *fl)
{
	FILE *f;

	if (!fl || !fl->own_out)
		return;
	/* SIGHUP after a rotation: a new file under the name. */
	f = open_out(fl->cfg->flow_logs);
	if (!f)
		return;	/* logged; the old one stays */
	fclose(fl->out);
	fl->out = f;
}

int flowlog_fd(const struct flowlog *fl)
{
	return fl && fl->mon_open ? vgw_monitor_fd(&fl->mon) : -1;
}

uint64_t flowlog_due(const struct flowlog *fl)
{
	return fl ? fl->due_ms : UINT64_MAX;
}

static int on_drop(const struct vgw_event *e, void *arg)
{
	flowlog_drop(arg, e);
	return 0;
}

void flowlog_events(struct flowlog *fl)
{
	int err;

	if (!fl || !fl->mon_open)
		return;
	do {
		err = vgw_monitor_drain(&fl->mon, on_drop, fl);
		if (err == -ENOBUFS)
			fl->overruns++;
	} while (err == -ENOBUFS);
	if (err) {
		/* Joined again by the next flowlog_listen(). */
		log_warn("flow logs: drop events: %s", vgw_errmsg(&fl->mon, err));
		vgw_close(&fl->mon);
		fl->mon_open = false;
		fl->refused_family = -1;
	}
}

void flowlog_listen(struct flowlog *fl, const struct vgw_client *c)
{
	int err;

	if (!fl || !c)
		return;
	/* Joined, or refused, for this module already (a reload changes it). */
	if ((fl->mon_open && fl->mon.family == c->family) ||
	    (!fl->mon_open && fl->refused_family == c->family))
		return;
	if (fl->mon_open) {
		vgw_close(&fl->mon);
		fl->mon_open = false;
	}
	fl->refused_family = c->family;
	err = vgw_open(&fl->mon);
	if (err) {
		log_warn("flow logs: no REJECT records: %s",
			 vgw_errmsg(&fl->mon, err));
		return;
	}
	err = vgw_monitor_open(&fl->mon, false, true) ?:
	      vgw_monitor_nonblock(&fl->mon);
	if (err) {
		log_warn("flow logs: no REJECT records: %s",
			 vgw_errmsg(&fl->mon, err));
		vgw_close(&fl->mon);
		return;
	}
	fl->mon_open = true;
	fl->refused_family = -1;
	log_debug("flow logs: joined the drops group");
}

static int on_ct(const struct vgw_ct *e, void *arg)
{
	flowlog_ct(arg, e);
	return 0;
}

void flowlog_run(struct flowlog *fl, struct vgw_client *c)
{
	uint64_t now = (uint64_t)time(NULL);
	struct vgw_cluster cl;
	bool dumped = false;
	int err;

	if (!fl)
		return;
	fl->due_ms = now_ms() + fl->cfg->flow_log_interval_s * 1000ull;
	/* The events up to now belong to this interval. */
	flowlog_events(fl);
	memset(&cl, 0, sizeof(cl));
	if (c && vgw_cluster_get(c, &cl))
		cl.self[0] = '\0';
	flowlog_begin(fl, fl->last_end, now, cl.self);
	vgw_cluster_free(&cl);
	if (c) {
		err = vgw_ct_list(c, NULL, on_ct, fl);
		/* -EINTR: started over after a resize, complete. */
		dumped = !err || err == -EINTR;
		if (!dumped)
			log_warn("flow logs: reading the connections: %s",
				 vgw_errmsg(c, err));
		flowlog_listen(fl, c);
	}
	flowlog_end(fl, dumped);
	fl->last_end = now;
}
