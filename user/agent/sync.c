// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel side of the agent: keep the namespace's vnicgw tables equal to
 * the last good desired-state document.
 *
 * Drift detection is cheap in the common case: every change of the tables
 * bumps the namespace's generation (GET_INFO, one small message), so a check
 * that finds the generation it verified last needs no dump. Only a new
 * generation (someone ran vnicctl, the module was reloaded, our own apply)
 * costs a dump and a comparison, done by vgw_apply_doc(), which changes the
 * difference, if any, in one transaction. A full comparison also runs every
 * FULL_CHECK_MS whatever the generation says: insurance against a reload
 * that happens to land on the same generation and family id.
 *
 * Why a generation read *before* the dump may be trusted: the dump shows a
 * state at least that new. If it equals the document, any later change
 * carries a higher generation and the next check sees it.
 *
 * Changes made by others are not waited for: the agent listens to the
 * module's "config" multicast group (a NOTIFY for every commit, flush and
 * cluster change), and any event makes the loop check at once (sync_events()).
 * The periodic check stays, for what the group does not tell: the module
 * gone (unloaded or reloaded), the link deleted, a lost event. A kernel
 * without the groups, or an agent without CAP_NET_ADMIN, only polls.
 *
 * Lost connection (module unloaded: the generic netlink family and its id
 * are gone) is noticed by the next GET_INFO; the agent then reconnects with
 * a backoff (RETRY_MIN_MS doubling up to RETRY_MAX_MS) and applies everything
 * again.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "cluster_nl.h"
#include "monitor.h"
#include "nlobj.h"
#include "state.h"
#include "vgw.h"

#define FULL_CHECK_MS	60000
#define RETRY_MIN_MS	100
#define RETRY_MAX_MS	5000
#define MAX_CHANGE_LINES	100

struct sync {
	const struct agent_config *cfg;
	struct vgw_client c;
	bool connected;
	/* The "config" group, while connected: -1 when not joined. */
	struct vgw_client mon;
	int mon_fd;
	uint64_t own_gen;		/* the generation our last commit made */
	struct agent_metrics m;
	bool was_connected;		/* a later connect is a "reconnect" */
	struct vgw_doc *want;		/* the last good document, or NULL */
	unsigned long want_serial;	/* moves with want */
	struct file_id file;		/* the file last read, good or not */
	bool file_refused;		/* ... and it was refused (or etcd's) */
	uint64_t verified_gen;		/* 0: compare on the next run */
	uint64_t last_full_ms;		/* last whole comparison */
	unsigned int backoff_ms;	/* 0: not retrying */
	bool ever_applied;
	/* --link as the last run saw it: LINK_* */
	enum { LINK_UNKNOWN, LINK_MISSING, LINK_DOWN, LINK_UP } link;
	/* Why the next apply runs; NULL: a periodic check. */
	const char *reason;
	char why[64];			/* a reason given by sync_set_want() */
	char source[PATH_MAX + 16];	/* the document's name, for messages */
	char last_err[512];		/* logged once until it changes */

	/*
	 * The cluster for the kernel (members.c), once there is one: sent
	 * when it changes, after a reconnect (module reload) or a new link,
	 * and whenever the kernel's epoch is not the one our last SET made
	 * (someone else set it).
	 */
	struct vgw_cluster cluster;
	bool has_cluster;
	bool cluster_sent;		/* the kernel has it, at cluster_epoch */
	uint64_t cluster_epoch;
	uint64_t cluster_fp;		/* the fingerprint members.c computed */
	char cluster_why[64];
	char cluster_err[512];
};

struct sync *sync_new(const struct agent_config *cfg)
{
	struct sync *s = calloc(1, sizeof(*s));

	if (s) {
		s->cfg = cfg;
		s->mon_fd = -1;
		s->reason = "start";
		if (cfg->etcd.n_endpoints)
			snprintf(s->source, sizeof(s->source), "etcd %s %s",
				 cfg->etcd.endpoints[0], cfg->etcd_prefix);
		else
			snprintf(s->source, sizeof(s->source), "%s", cfg->state);
	}
	return s;
}

void sync_free(struct sync *s)
{
	if (!s)
		return;
	if (s->connected)
		vgw_close(&s->c);
	if (s->mon_fd >= 0)
		vgw_close(&s->mon);
	vgw_doc_free(s->want);
	vgw_cluster_free(&s->cluster);
	free(s);
}

const struct agent_metrics *sync_metrics(const struct sync *s)
{
	return &s->m;
}

struct vgw_client *sync_client(struct sync *s)
{
	return s->connected ? &s->c : NULL;
}

const struct vgw_doc *sync_want(const struct sync *s)
{
	return s->want;
}

unsigned long sync_want_serial(const struct sync *s)
{
	return s->want_serial;
}

bool sync_ever_applied(const struct sync *s)
{
	return s->ever_applied;
}

void sync_recheck(struct sync *s, const char *reason)
{
	s->verified_gen = 0;
	s->reason = reason;
}

/* An error message: logged at error level when new, at debug when repeated. */
static void report(struct sync *s, const char *msg)
{
	if (strcmp(msg, s->last_err)) {
		log_err("%s", msg);
		snprintf(s->last_err, sizeof(s->last_err), "%s", msg);
		notify_systemd("STATUS=%s", msg);
	} else {
		log_debug("still: %s", msg);
	}
}

bool sync_file_changed(const struct sync *s)
{
	struct file_id now;

	file_id_get(s->cfg->state, &now);
	return !file_id_equal(&now, &s->file);
}

void sync_refuse(struct sync *s, const char *why)
{
	char msg[800];

	snprintf(msg, sizeof(msg), "state refused, %s: %s", s->want ?
		 "the kernel keeps the last good state" : "nothing applied", why);
	report(s, msg);
	s->file_refused = true;
	s->m.docs_refused++;
}

bool sync_set_want(struct sync *s, struct vgw_doc *doc, const char *why)
{
	bool was_refused = s->file_refused;

	s->file_refused = false;
	s->last_err[0] = '\0';
	if (s->want && vgw_doc_equal(s->want, doc)) {
		log_msg(was_refused ? LOG_INFO : LOG_DEBUG,
			"%s: valid again, the same document as in force", s->source);
		vgw_doc_free(doc);
		return false;
	}
	log_info("%s: loaded (%s)", s->source, why);
	if (s->want) {
		snprintf(s->why, sizeof(s->why), "%s", why);
		s->reason = s->why;
	}
	vgw_doc_free(s->want);
	s->want = doc;
	s->want_serial++;
	s->verified_gen = 0;
	return true;
}

bool sync_load(struct sync *s)
{
	char err[512], msg[700];
	struct vgw_doc *doc;

	/*
	 * Identify the file before reading it: a replacement in between is
	 * then seen as a change by the next check.
	 */
	file_id_get(s->cfg->state, &s->file);
	if (vgw_doc_parse_file(s->cfg->state, &doc, err, sizeof(err))) {
		snprintf(msg, sizeof(msg), "state refused, %s: %s", s->want ?
			 "the kernel keeps the last good state" :
			 "nothing applied", err);
		report(s, msg);
		s->file_refused = true;
		return false;
	}
	s->last_err[0] = '\0';
	if (s->want && vgw_doc_equal(s->want, doc)) {
		log_msg(s->file_refused ? LOG_INFO : LOG_DEBUG,
			"%s: valid again, the same document as in force",
			s->cfg->state);
		s->file_refused = false;
		vgw_doc_free(doc);
		return false;
	}
	s->file_refused = false;
	if (s->want)
		s->reason = "state file changed";
	log_info("%s: loaded", s->cfg->state);
	vgw_doc_free(s->want);
	s->want = doc;
	s->want_serial++;
	s->verified_gen = 0;
	return true;
}

static void disconnect(struct sync *s)
{
	vgw_close(&s->c);
	if (s->mon_fd >= 0)
		vgw_close(&s->mon);
	s->mon_fd = -1;
	s->connected = false;
	s->verified_gen = 0;
	s->cluster_sent = false;
}

/* Join the "config" group on a socket of its own; without it, poll only. */
static void listen_config(struct sync *s)
{
	int err;

	if (s->cfg->once)
		return;
	err = vgw_open(&s->mon);
	if (err) {
		log_debug("no config events (%s): checking every %u ms",
			  vgw_errmsg(&s->mon, err), s->cfg->interval_ms);
		return;
	}
	err = vgw_monitor_open(&s->mon, true, false) ?:
	      vgw_monitor_nonblock(&s->mon);
	if (err) {
		log_info("no config events (%s): checking every %u ms",
			 vgw_errmsg(&s->mon, err), s->cfg->interval_ms);
		vgw_close(&s->mon);
		return;
	}
	s->mon_fd = vgw_monitor_fd(&s->mon);
}

int sync_event_fd(const struct sync *s)
{
	return s->mon_fd;
}

struct event_ctx {
	const struct sync *s;
	bool changed;
	bool tables;			/* ... the tables, by another */
};

/*
 * A commit of ours is no news (the periodic check verifies it, as before):
 * commits up to the generation read after our apply are skipped. A flush
 * or a cluster change always counts (the check after a cluster change of
 * ours costs a CLUSTER_GET, no dump).
 */
static int on_event(const struct vgw_event *e, void *arg)
{
	struct event_ctx *x = arg;

	if (e->cmd != VNICGW_CMD_NOTIFY)
		return 0;
	if (e->notify == VNICGW_NOTIFY_COMMIT && e->generation <= x->s->own_gen)
		return 0;
	x->changed = true;
	x->tables |= e->notify != VNICGW_NOTIFY_CLUSTER;
	return 0;
}

bool sync_events(struct sync *s)
{
	struct event_ctx x = { .s = s };
	int err;

	if (s->mon_fd < 0)
		return false;
	err = vgw_monitor_drain(&s->mon, on_event, &x);
	if (err == -ENOBUFS)
		return true;	/* events lost: check anyway */
	if (err) {
		/* The socket broke: back to polling until the next connect. */
		log_warn("config events: %s; checking every %u ms",
			 vgw_errmsg(&s->mon, err), s->cfg->interval_ms);
		vgw_close(&s->mon);
		s->mon_fd = -1;
		return true;
	}
	if (x.tables && !s->reason)
		s->reason = "changed by another";
	if (x.changed)
		s->m.events++;
	return x.changed;
}

static int connect_kernel(struct sync *s)
{
	struct vgw_info info;
	char msg[512];
	int err;

	err = vgw_open(&s->c);
	if (!err) {
		s->connected = true;
		err = vgw_get_info(&s->c, &info);
	}
	if (err) {
		snprintf(msg, sizeof(msg), "cannot reach the vnicgw module: %s%s",
			 vgw_errmsg(&s->c, err), s->cfg->once ? "" : "; retrying");
		if (s->connected)
			disconnect(s);
		report(s, msg);
		return err;
	}
	log_info("%s vnicgw %s (generation %llu, link %s)",
		 s->was_connected ? "reconnected to" : "connected to",
		 info.version, (unsigned long long)info.generation,
		 info.ifindex ? info.ifname : "none");
	if (s->was_connected) {
		s->reason = "module reloaded";
		snprintf(s->cluster_why, sizeof(s->cluster_why), "module reloaded");
	}
	s->was_connected = true;
	s->last_err[0] = '\0';
	listen_config(s);
	return 0;
}

/* The namespace lost its link (module reload, ip link del): make it. */
static void ensure_link(struct sync *s)
{
	char err[256], msg[400];

	if (link_create(s->cfg->link, err, sizeof(err))) {
		snprintf(msg, sizeof(msg), "cannot create link %s: %s",
			 s->cfg->link, err);
		report(s, msg);
		return;
	}
	log_info("+ link %s (type vnicgw, up)", s->cfg->link);
	if (s->cluster_sent)
		snprintf(s->cluster_why, sizeof(s->cluster_why), "link %s made again",
			 s->cfg->link);
	s->cluster_sent = false;
}

/* --- the cluster ------------------------------------------------------------- */

void sync_set_cluster(struct sync *s, struct vgw_cluster *cl, uint64_t fp,
		      const char *why)
{
	vgw_cluster_free(&s->cluster);
	s->cluster = *cl;
	memset(cl, 0, sizeof(*cl));
	s->has_cluster = true;
	s->cluster_sent = false;
	s->cluster_fp = fp;
	snprintf(s->cluster_why, sizeof(s->cluster_why), "%s", why);
}

bool sync_cluster_sent(const struct sync *s)
{
	return s->has_cluster && s->cluster_sent;
}

static void cluster_report(struct sync *s, const char *msg)
{
	if (strcmp(msg, s->cluster_err))
		log_warn("%s", msg);
	else
		log_debug("still: %s", msg);
	snprintf(s->cluster_err, sizeof(s->cluster_err), "%s", msg);
}

/* What the kernel now holds, after our SET: logged, its epoch kept. */
static void cluster_confirm(struct sync *s)
{
	struct vgw_cluster got;
	int err = vgw_cluster_get(&s->c, &got);
	char ids[64], want[64];
	unsigned int i;
	bool same_ids;

	if (err) {
		log_warn("cluster: set, but cannot read it back: %s",
			 vgw_errmsg(&s->c, err));
		return;
	}
	s->cluster_epoch = got.epoch;
	/* The kernel tells the keys' ids only, never their secrets. */
	vgw_cluster_keys_ids(got.keys, got.n_keys, ids, sizeof(ids));
	log_info("cluster: kernel set (%s): %u members, %s, epoch %llu, fingerprint %016llx, keys %s",
		 s->cluster_why, got.n,
		 !got.n ? "standalone" : got.self[0] ? got.self : "not a member",
		 (unsigned long long)got.epoch, (unsigned long long)got.fingerprint,
		 ids);
	same_ids = got.n_keys == s->cluster.n_keys;
	for (i = 0; same_ids && i < got.n_keys; i++)
		same_ids = got.keys[i].id == s->cluster.keys[i].id;
	if (!same_ids) {
		vgw_cluster_keys_ids(s->cluster.keys, s->cluster.n_keys, want,
				     sizeof(want));
		log_warn("cluster: the kernel holds keys %s, not the %s given (a module without authenticated cluster messages?)",
			 ids, want);
	}
	if (got.n && got.fingerprint != s->cluster_fp)
		log_warn("cluster: the kernel's fingerprint %016llx differs from the agent's %016llx for the same members: the module builds another table than user/lib/owner.c",
			 (unsigned long long)got.fingerprint,
			 (unsigned long long)s->cluster_fp);
	vgw_cluster_free(&got);
}

/*
 * Whether the kernel still has what we set: its epoch moves with every SET,
 * so another epoch means someone else set it (a reload starts again).
 */
static bool cluster_intact(struct sync *s)
{
	struct vgw_cluster got;
	bool same;

	if (vgw_cluster_get(&s->c, &got))
		return false;
	same = got.epoch == s->cluster_epoch;
	if (!same) {
		log_warn("cluster: the kernel's set changed behind the agent (epoch %llu, %llu expected): setting it again",
			 (unsigned long long)got.epoch,
			 (unsigned long long)s->cluster_epoch);
		snprintf(s->cluster_why, sizeof(s->cluster_why), "drift repair");
	}
	vgw_cluster_free(&got);
	return same;
}

static void sync_cluster(struct sync *s)
{
	char msg[512];
	int err;

	if (!s->has_cluster || (s->cluster_sent && cluster_intact(s)))
		return;
	s->cluster_sent = false;
	err = vgw_cluster_set(&s->c, &s->cluster);
	if (err) {
		snprintf(msg, sizeof(msg), "cluster: the kernel refused CLUSTER_SET: %s%s",
			 vgw_errmsg(&s->c, err),
			 err == -EOPNOTSUPP || err == -EINVAL ?
			 " (a module without cluster support?); it stays as it is, retrying" :
			 "; retrying");
		cluster_report(s, msg);
		return;
	}
	s->cluster_sent = true;
	s->cluster_err[0] = '\0';
	cluster_confirm(s);
}

/*
 * The change lines of one apply: the first MAX_CHANGE_LINES at info level,
 * the rest at debug (a first apply of 100k VNICs must not write 100k lines
 * to the journal; the summary line has the counts).
 */
static void log_changes(const char *text)
{
	unsigned int n = 0;
	const char *nl;
	int len;

	for (; *text; text = nl ? nl + 1 : text + len) {
		nl = strchr(text, '\n');
		len = nl ? (int)(nl - text) : (int)strlen(text);
		if (!len)
			continue;
		log_msg(n++ < MAX_CHANGE_LINES ? LOG_INFO : LOG_DEBUG, "%.*s",
			len, text);
	}
	if (n > MAX_CHANGE_LINES && !log_enabled(LOG_DEBUG))
		log_info("... and %u more changes (--log-level debug lists them)",
			 n - MAX_CHANGE_LINES);
}

/*
 * One line per change (what vgw_apply_doc() wrote), then a summary. An
 * apply with nothing to change is worth a line only when something asked
 * for it (start, new file, SIGHUP...), not at every periodic check.
 */
static void log_applied(struct sync *s, const struct vgw_apply_stats *st,
			const char *changes)
{
	struct vgw_info info;
	unsigned long long gen = 0;

	if (!vgw_get_info(&s->c, &info))
		gen = info.generation;
	if (!st->added && !st->changed && !st->removed) {
		log_msg(s->reason ? LOG_INFO : LOG_DEBUG,
			"in sync with %s (%s, generation %llu)", s->source,
			s->reason ? s->reason : "periodic check", gen);
		return;
	}
	log_changes(changes);
	log_info("applied %s (%s): %u added, %u changed, %u removed, generation %llu",
		 s->source, s->reason ? s->reason : "drift repair",
		 st->added, st->changed, st->removed, gen);
	notify_systemd("STATUS=applied %s, generation %llu", s->source, gen);
}

/*
 * Apply the desired document; @gen is the generation read before. Returns
 * 0 or the error (after deciding whether the connection is lost).
 */
static int apply(struct sync *s, uint64_t gen)
{
	struct vgw_apply_stats st;
	char *text = NULL, msg[700];
	size_t len = 0;
	struct vgw_info info;
	uint64_t t0;
	FILE *f;
	int err;

	f = open_memstream(&text, &len);
	if (!f)
		return -ENOMEM;
	t0 = now_ms();
	err = vgw_apply_doc(&s->c, s->want, 0, f, &st);
	metrics_observe_apply(&s->m, now_ms() - t0, !err);
	fclose(f);
	if (err) {
		/* Refused as a whole: the lines are what was not done. */
		log_lines(LOG_DEBUG, "not applied: ", text);
		if (vgw_get_info(&s->c, &info)) {
			log_warn("lost the vnicgw module during an apply (%s); reconnecting",
				 vgw_errmsg(&s->c, err));
			disconnect(s);
		} else {
			snprintf(msg, sizeof(msg), "apply refused: %s",
				 vgw_errmsg(&s->c, err));
			report(s, msg);
		}
		s->verified_gen = 0;
		free(text);
		return err;
	}
	log_applied(s, &st, text);
	free(text);
	/* Our commit's notification is not news (on_event()). */
	if ((st.added || st.changed || st.removed) && !vgw_get_info(&s->c, &info))
		s->own_gen = info.generation;
	s->last_full_ms = now_ms();
	/* Our own commit made a new generation: verify it next time. */
	s->verified_gen = st.added || st.changed || st.removed ? 0 : gen;
	s->ever_applied = true;
	s->reason = NULL;
	s->last_err[0] = '\0';
	return 0;
}

static unsigned int retry(struct sync *s)
{
	s->backoff_ms = s->backoff_ms ? s->backoff_ms * 2 : RETRY_MIN_MS;
	if (s->backoff_ms > RETRY_MAX_MS)
		s->backoff_ms = RETRY_MAX_MS;
	return s->backoff_ms;
}

/* Whether the kernel may differ from what was verified last. */
static bool may_have_drifted(const struct sync *s, uint64_t gen)
{
	return gen != s->verified_gen ||
	       now_ms() - s->last_full_ms >= FULL_CHECK_MS;
}

/*
 * Test hook (VGW_AGENT_TEST=stall=MS): this step is busy for MS first, on
 * the CPU as an owner table build or an apply of seconds is, so that a
 * test can stall the loop at will; the member lease must not notice
 * (keepalive.c).
 */
static void test_stall(const struct agent_config *cfg)
{
	uint64_t end;
	volatile unsigned long spins = 0;

	if (!cfg->test_stall_ms)
		return;
	log_info("test: the kernel step stalls for %u ms (VGW_AGENT_TEST)",
		 cfg->test_stall_ms);
	end = now_ms() + cfg->test_stall_ms;
	while (now_ms() < end)
		spins++;
	log_info("test: the stall is over");
}

/* Whether interface @name (in this namespace) is administratively up. */
static bool if_up(const char *name)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool up = false;

	if (fd < 0)
		return false;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (!ioctl(fd, SIOCGIFFLAGS, &ifr))
		up = ifr.ifr_flags & IFF_UP;
	close(fd);
	return up;
}

bool sync_unhealthy(const struct sync *s, char *why, size_t len)
{
	/* (Without a document, sync_run() does not connect yet.) */
	if (!s->want)
		snprintf(why, len, "no desired state yet");
	else if (!s->connected)
		snprintf(why, len, "the vnicgw module is not loaded or does not answer");
	else if (s->cfg->link[0] && s->link == LINK_MISSING)
		snprintf(why, len, "link %s is missing", s->cfg->link);
	else if (s->cfg->link[0] && s->link == LINK_DOWN)
		snprintf(why, len, "link %s is down", s->cfg->link);
	else if (!s->ever_applied || s->backoff_ms)
		snprintf(why, len, "the desired state is not applied%s%s",
			 s->last_err[0] ? ": " : "", s->last_err);
	else if (s->has_cluster && !s->cluster_sent)
		snprintf(why, len, "the kernel does not have the cluster's member set yet");
	else
		return false;
	return true;
}

unsigned int sync_run(struct sync *s)
{
	struct vgw_info info;
	int err;

	if (!s->want && !s->has_cluster)
		return s->cfg->interval_ms;
	test_stall(s->cfg);
	if (!s->connected && connect_kernel(s))
		return retry(s);
	err = vgw_get_info(&s->c, &info);
	if (err) {
		log_warn("lost the vnicgw module (%s: unloaded?); reconnecting",
			 vgw_errmsg(&s->c, err));
		disconnect(s);
		return retry(s);
	}
	if (s->cfg->link[0] && !info.ifindex)
		ensure_link(s);
	if (s->cfg->link[0])
		s->link = !info.ifindex ? LINK_MISSING :
			  if_up(info.ifname) ? LINK_UP : LINK_DOWN;
	sync_cluster(s);
	if (s->want && may_have_drifted(s, info.generation) &&
	    apply(s, info.generation))
		return retry(s);
	s->backoff_ms = 0;
	return s->cfg->interval_ms;
}

int sync_once(struct sync *s)
{
	struct vgw_info info;

	if (s->cfg->state[0])
		sync_load(s);
	if (!s->want || connect_kernel(s))
		return 1;
	if (s->cfg->link[0] && !vgw_get_info(&s->c, &info) && !info.ifindex)
		ensure_link(s);
	return apply(s, 0) || s->last_err[0] ? 1 : 0;
}
