// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's event loop: one poll() over a signalfd, an inotify
 * descriptor and the module's "config" group (sync_event_fd(): a change of
 * the tables by anyone makes the kernel check run at once), with deadlines
 * for the debounced reload, the next kernel check and the next counter
 * print.
 *
 * The state file's *directory* is watched, not the file: editors and
 * deployment tools replace a file by renaming a new one over it (a watch on
 * the old inode would see nothing), and `mv`, `cp` and in-place writes all
 * show up as events on the file's name there. When the path is a symlink
 * (a Kubernetes ConfigMap swaps a "..data" link), any event in the directory
 * counts. Events are debounced: the file is read DEBOUNCE_MS after the last
 * event of a burst, or DEBOUNCE_MAX_MS after its first, whichever comes
 * first. As a safety net (a missed event, a network filesystem, a watch lost
 * with its directory), every periodic check also compares the file's inode,
 * size and times with those of the version read last.
 *
 * With --flow-logs the "drops" group's socket joins the poll set too, the
 * end of each flow log interval is one more deadline, and the VNICs logged
 * follow the document in force (flowlog.c).
 *
 * With --etcd there is no file: the etcd watch's sockets join the poll set
 * instead (cluster.c), and a changed document is applied at once. So does,
 * for a member, the eventfd by which the lease keepalive's thread says the
 * lease is gone (keepalive.c): the keepalive itself never waits for this
 * loop, whose steps may take seconds.
 *
 * Under a systemd watchdog, "WATCHDOG=1" is sent from here every half
 * interval, whatever else is happening (no module yet, etcd away, not
 * ready): it says the loop turns, not that the tables are right. It is
 * sent only between the loop's steps, so one step that blocks longer than
 * the rest of the interval (a huge first apply) is a restart: WatchdogSec=
 * in the unit leaves room for that.
 */
#include <errno.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"

#define DEBOUNCE_MS	200
#define DEBOUNCE_MAX_MS	2000
#define MAX_CLUSTER_FDS	4	/* the keepalive's eventfd, the watch's sockets */
#define WATCH_EVENTS	(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | \
			 IN_CREATE | IN_DELETE)

struct loop {
	const struct agent_config *cfg;
	struct sync *sync;
	struct steering *steer;
	struct cluster *cluster;		/* NULL: a state file */
	struct flowlog *fl;			/* NULL: no flow logs */
	struct announce *ann;			/* NULL: no --announce-cmd */
	uint64_t ann_at;			/* its next deadline */
	unsigned long fl_serial;		/* the document it follows */
	uint64_t cluster_at;			/* its next deadline */
	int sig_fd, ino_fd, wd;		/* wd -1: no watch (yet) */
	char dir[PATH_MAX], base[NAME_MAX + 1];
	uint64_t reload_at, burst_start;	/* 0: no reload pending */
	uint64_t check_at, stats_at;		/* stats_at 0: no periodic print */
	uint64_t watchdog_at, watchdog_ms;	/* watchdog_ms 0: none */
	bool force_reload;			/* SIGHUP: read even if unchanged */
	bool ready;				/* READY=1 sent */
	bool stop;
};

static void watch_dir(struct loop *l)
{
	l->wd = inotify_add_watch(l->ino_fd, l->dir, WATCH_EVENTS);
	if (l->wd < 0)
		log_warn("cannot watch %s (%s); checking the file every %u ms",
			 l->dir, strerror(errno), l->cfg->interval_ms);
}

static int loop_init(struct loop *l)
{
	char copy[PATH_MAX];
	sigset_t mask;

	strcpy(copy, l->cfg->state);
	snprintf(l->dir, sizeof(l->dir), "%s", dirname(copy));
	strcpy(copy, l->cfg->state);
	snprintf(l->base, sizeof(l->base), "%s", basename(copy));
	l->cluster_at = UINT64_MAX;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGUSR2);
	l->sig_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	l->ino_fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (l->sig_fd < 0 || l->ino_fd < 0) {
		log_err("signalfd/inotify: %s", strerror(errno));
		return -errno;
	}
	if (!l->cluster)
		watch_dir(l);
	return 0;
}

/* Whether an event in the directory may concern the state file. */
static bool concerns_state(const struct loop *l,
			   const struct inotify_event *ev)
{
	struct stat st;

	if (ev->len && !strcmp(ev->name, l->base))
		return true;
	return !lstat(l->cfg->state, &st) && S_ISLNK(st.st_mode);
}

static void schedule_reload(struct loop *l)
{
	uint64_t now = now_ms(), at = now + DEBOUNCE_MS;

	if (!l->reload_at)
		l->burst_start = now;
	if (at > l->burst_start + DEBOUNCE_MAX_MS)
		at = l->burst_start + DEBOUNCE_MAX_MS;
	l->reload_at = at;
}

static void read_inotify(struct loop *l)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ev;
	ssize_t n;
	char *p;

	while ((n = read(l->ino_fd, buf, sizeof(buf))) > 0) {
		for (p = buf; p < buf + n; p += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)p;
			if (ev->mask & IN_IGNORED) {
				log_warn("%s: watch lost (directory removed?)", l->dir);
				l->wd = -1;
			}
			if ((ev->mask & IN_Q_OVERFLOW) || concerns_state(l, ev))
				schedule_reload(l);
		}
	}
}

static void read_signals(struct loop *l)
{
	struct signalfd_siginfo si;

	while (read(l->sig_fd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			log_info("%s: exiting; the kernel's tables stay as they are",
				 strsignal((int)si.ssi_signo));
			l->stop = true;
			break;
		case SIGHUP:
			if (l->cluster) {
				log_info("SIGHUP: re-reading etcd %s, checking the kernel",
					 l->cfg->etcd_prefix);
				flowlog_reopen(l->fl);
				cluster_resync(l->cluster);
				cluster_keys_check(l->cluster, true);
				sync_recheck(l->sync, "SIGHUP");
				l->check_at = 0;
				break;
			}
			flowlog_reopen(l->fl);
			log_info("SIGHUP: re-reading %s, checking the kernel",
				 l->cfg->state);
			l->force_reload = true;
			l->reload_at = now_ms();
			break;
		case SIGUSR1:
			/* A cluster member drains; others log the counters. */
			if (l->cluster && l->cfg->host_id[0]) {
				cluster_drain(l->cluster);
				l->cluster_at = 0;
				break;
			}
			steer_print_stats(l->steer);
			break;
		case SIGUSR2:
			steer_print_stats(l->steer);
			break;
		}
	}
}

/* A debounced reload is due: read the file if it changed (or on SIGHUP). */
static void reload(struct loop *l)
{
	l->reload_at = 0;
	if (!l->force_reload && !sync_file_changed(l->sync))
		return;
	if (sync_load(l->sync) || l->force_reload)
		l->check_at = 0;	/* now */
	if (l->force_reload)
		sync_recheck(l->sync, "SIGHUP");
	l->force_reload = false;
}

/* The periodic work: file safety net, XDP attachments, kernel state. */
static void check(struct loop *l)
{
	/* Debounced like an event: the change may be a write in progress. */
	if (!l->cluster && !l->reload_at && sync_file_changed(l->sync)) {
		log_debug("%s changed (seen by stat)", l->cfg->state);
		schedule_reload(l);
	}
	if (!l->cluster && l->wd < 0)
		watch_dir(l);
	/* --cluster-keys: a new version goes with the sync_run() below. */
	if (l->cluster)
		cluster_keys_check(l->cluster, false);
	steer_check(l->steer);
	l->check_at = now_ms() + sync_run(l->sync);
	if (!l->ready && sync_ever_applied(l->sync)) {
		notify_systemd("READY=1");
		l->ready = true;
	}
}

static int poll_timeout(const struct loop *l)
{
	uint64_t next = l->check_at, now = now_ms();

	if (l->reload_at && l->reload_at < next)
		next = l->reload_at;
	if (l->stats_at && l->stats_at < next)
		next = l->stats_at;
	if (l->cluster_at < next)
		next = l->cluster_at;
	if (l->watchdog_ms && l->watchdog_at < next)
		next = l->watchdog_at;
	if (flowlog_due(l->fl) < next)
		next = flowlog_due(l->fl);
	if (l->ann && l->ann_at < next)
		next = l->ann_at;
	return next <= now ? 0 : (int)(next - now);
}

/*
 * The host's health, for the announcement of its VIPs (announce.c): the
 * first reason found, from the kernel's side, the steering, the cluster.
 */
static void health(struct loop *l)
{
	char why[256] = "";

	if (!l->ann)
		return;
	if (!sync_unhealthy(l->sync, why, sizeof(why)) &&
	    !steer_unhealthy(l->steer, why, sizeof(why)) && l->cluster)
		cluster_unhealthy(l->cluster, why, sizeof(why));
	l->ann_at = announce_update(l->ann, why);
}

/* The flow logs: the VNICs of the document in force, and the interval. */
static void run_flowlog(struct loop *l)
{
	const struct vgw_doc *d = sync_want(l->sync);

	if (!l->fl)
		return;
	if (d && l->fl_serial != sync_want_serial(l->sync)) {
		if (!flowlog_set_doc(l->fl, d))
			l->fl_serial = sync_want_serial(l->sync);
		log_debug("flow logs: %zu VNICs", flowlog_logged(l->fl));
	}
	flowlog_listen(l->fl, sync_client(l->sync));
	if (now_ms() >= flowlog_due(l->fl))
		flowlog_run(l->fl, sync_client(l->sync));
}

/* The cluster's stream and timers: a changed document is applied now. */
static unsigned int run_cluster(struct loop *l, struct pollfd *fds,
				unsigned int max)
{
	if (!l->cluster)
		return 0;
	if (cluster_run(l->cluster))
		l->check_at = 0;
	return cluster_fds(l->cluster, fds, max, &l->cluster_at);
}

int agent_loop(const struct agent_config *cfg, struct sync *s,
	       struct steering *st, struct cluster *c, struct metrics *mt,
	       struct flowlog *fl)
{
	struct loop l = { .cfg = cfg, .sync = s, .steer = st, .cluster = c,
			  .fl = fl, .wd = -1 };
	struct pollfd fds[5 + MAX_CLUSTER_FDS];
	unsigned int n, ev;
	int ret = loop_init(&l);

	if (cfg->stats_interval_ms)
		l.stats_at = now_ms() + cfg->stats_interval_ms;
	l.ann = announce_new(cfg);
	l.watchdog_ms = notify_watchdog_ms();
	while (!ret && !l.stop) {
		if (l.watchdog_ms && now_ms() >= l.watchdog_at) {
			notify_systemd("WATCHDOG=1");
			l.watchdog_at = now_ms() + l.watchdog_ms;
		}
		n = run_cluster(&l, fds + 2, MAX_CLUSTER_FDS);
		if (l.reload_at && now_ms() >= l.reload_at)
			reload(&l);
		if (now_ms() >= l.check_at)
			check(&l);
		health(&l);
		run_flowlog(&l);
		if (l.stats_at && now_ms() >= l.stats_at) {
			steer_print_stats(st);
			l.stats_at = now_ms() + cfg->stats_interval_ms;
		}
		fds[0] = (struct pollfd){ .fd = l.sig_fd, .events = POLLIN };
		fds[1] = (struct pollfd){ .fd = l.ino_fd, .events = POLLIN };
		/* The config group's socket last; -1 (not joined) is skipped. */
		ev = 2 + n;
		fds[ev] = (struct pollfd){ .fd = sync_event_fd(s), .events = POLLIN };
		fds[ev + 1] = (struct pollfd){ .fd = metrics_fd(mt), .events = POLLIN };
		fds[ev + 2] = (struct pollfd){ .fd = flowlog_fd(fl), .events = POLLIN };
		if (poll(fds, ev + 3, poll_timeout(&l)) < 0 && errno != EINTR) {
			log_err("poll: %s", strerror(errno));
			ret = -errno;
		}
		read_signals(&l);
		read_inotify(&l);
		if ((fds[ev].revents & POLLIN) && sync_events(s))
			l.check_at = 0;
		if (fds[ev + 1].revents & POLLIN)
			metrics_serve(mt, s);
		if (fds[ev + 2].revents & POLLIN)
			flowlog_events(fl);
	}
	notify_systemd("STOPPING=1");
	announce_free(l.ann);
	if (l.sig_fd >= 0)
		close(l.sig_fd);
	if (l.ino_fd >= 0)
		close(l.ino_fd);
	return ret;
}
