/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vnicgw-agent: keeps one network namespace's vnicgw tables equal to a
 * desired-state document, and steers the tunnel packets of the host's
 * underlay interfaces to its worker CPUs with the XDP program of bpf/.
 *
 * The files, one concern each:
 *   main.c    command line, start-up and shut-down
 *   config.c  host-local settings: defaults, host file, command line
 *   loop.c    the event loop: signals, inotify on the state file, timers
 *   sync.c    the kernel side: connect, apply, drift repair, reconnect
 *   link.c    the namespace's vnicgw link (rtnetlink)
 *   steer.c   the XDP steering program: load, fill, attach, counters
 *   log.c     levelled log lines on stderr (or to the journal)
 *   notify.c  readiness and status for systemd (Type=notify)
 *   instance.c  one agent per network namespace
 *   cluster.c the document from etcd: read, watch, resume, re-read
 *   members.c membership under a lease; the flow owner table; the
 *             cluster for the kernel (CLUSTER_SET); drain
 *   keepalive.c the member lease's keepalive, on a thread of its own
 *   keys.c    the keys of the members' messages: a file or etcd
 *   metrics.c the Prometheus text on --metrics ADDR:PORT
 *   flowlog.c flow logs (--flow-logs): connections and drops per VNIC
 *
 * Everything runs on one thread but the lease keepalive (keepalive.c),
 * which must not wait behind the loop's long steps: it shares with the
 * loop only the lease it keeps, under its own mutex; no other locking.
 */
#ifndef AGENT_H
#define AGENT_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "etcd.h"
#include "vgw.h"

/* Worker CPUs one steering program spreads over (bpf/steer.h). */
#define AGENT_MAX_CPUS		256
#define AGENT_MAX_XDP_IFS	16
#define AGENT_DEFAULT_INTERVAL_MS	5000
#define AGENT_DEFAULT_QSIZE	192
#define AGENT_URL_MAX		512
#define AGENT_PREFIX_MAX	256	/* VGW_STORE_PREFIX_MAX */
#define AGENT_DEFAULT_PREFIX	"/vnicgw/"
#define AGENT_DEFAULT_TTL_S	5
#define AGENT_DEFAULT_DRAIN_WAIT_MS	2000
#define AGENT_DEFAULT_ETCD_LOST_MS	10000
#define AGENT_DEFAULT_FLOW_LOG_INTERVAL_S	60
#define AGENT_MAX_FLOW_LOG_INTERVAL_S	3600
#define AGENT_DEFAULT_FLOW_LOG_MAX	1000000
#define AGENT_MAX_FLOW_LOG_MAX		(1u << 26)

enum xdp_mode {
	XDP_MODE_AUTO,		/* native, else generic with a warning */
	XDP_MODE_NATIVE,
	XDP_MODE_GENERIC,
};

enum log_level {
	LOG_ERR,
	LOG_WARN,
	LOG_INFO,
	LOG_DEBUG,
};

/*
 * Host-local settings: never in the shared document, so every host of a
 * cluster reads the same document. Filled by config_defaults(), then the host
 * file, then the command line (each overrides the one before).
 */
struct agent_config {
	char state[PATH_MAX];		/* the desired-state document */
	char netns[PATH_MAX];		/* "" = the agent's own namespace */
	char link[IF_NAMESIZE];		/* "" = do not manage the link */
	unsigned int interval_ms;	/* drift check period */
	unsigned int stats_interval_ms;	/* 0 = counters on SIGUSR1 only */
	enum log_level log_level;
	bool once;			/* --once (command line only) */

	/* XDP steering; no interface = no steering. */
	char xdp_ifs[AGENT_MAX_XDP_IFS][IF_NAMESIZE];
	unsigned int n_xdp_ifs;
	enum xdp_mode xdp_mode;
	unsigned int qsize;		/* cpumap queue size per worker */
	uint32_t cpus[AGENT_MAX_CPUS];	/* worker CPUs, ascending */
	unsigned int n_cpus;		/* 0 = every online CPU */

	/*
	 * The cluster (cluster.c): the document from etcd instead of a file;
	 * with a host id, membership under a lease and the owner table.
	 */
	/*
	 * How to reach etcd (etcd-endpoints, etcd-cacert, ...; the ETCDCTL_*
	 * environment for what neither the host file nor the command line
	 * set); no endpoint = the state file.
	 */
	struct vgw_etcd_config etcd;
	char etcd_prefix[AGENT_PREFIX_MAX];
	char host_id[64];		/* "" = not a member */
	char owner_table[PATH_MAX];	/* "" = only logged */
	unsigned int member_ttl_s;	/* the member key's lease */
	unsigned int backups;		/* VNICGW_CLUSTER_BACKUPS: 1 or 2 */
	char underlay[64];		/* this host's underlay address; "": none */
	char drain_cmd[1024];		/* run by a drain (SIGUSR1); "": none */
	unsigned int drain_wait_ms;	/* then wait this long before leaving */
	/*
	 * The announcement of this host's VIPs (announce.c): announce_cmd
	 * runs when the host becomes healthy, withdraw_cmd when it stops
	 * being so; both or neither. etcd_lost_ms: how long etcd may be
	 * unreachable before that counts.
	 */
	char announce_cmd[1024];
	char withdraw_cmd[1024];
	unsigned int etcd_lost_ms;
	/*
	 * The keys of the members' messages (keys.c): a file, else (with
	 * auth on) etcd's PREFIX/cluster/keys, made by the first member.
	 */
	char cluster_keys[PATH_MAX];	/* "": from etcd */
	bool cluster_auth;		/* false: no keys at all (warned) */
	/*
	 * cluster-auth permissive: keys as with on, and the kernel takes
	 * unsigned messages too, while a cluster turns authentication on.
	 */
	bool cluster_auth_permissive;

	/* Metrics (metrics.c): "" = none; the VNICs with series of their own. */
	char metrics[80];
	unsigned int metrics_vnics;

	/*
	 * Flow logs (flowlog.c): "" = none, "-" = stdout, else a file
	 * (appended); the interval, and how many connections (and REJECT
	 * keys) one interval remembers.
	 */
	char flow_logs[PATH_MAX];
	unsigned int flow_log_interval_s;
	unsigned int flow_log_max;

	/*
	 * Test hooks, from the environment's VGW_AGENT_TEST only (never the
	 * host file or the command line; warned about at start):
	 * "stall=MS": the loop's kernel step (sync_run()) is busy MS first,
	 * as an apply or a CLUSTER_SET of seconds on a starved host, so that
	 * a test can show the lease does not wait for it;
	 * "join-delay=MS": the loop waits MS between the lease's grant and
	 * the registration, so that the watch delivers keys written
	 * meanwhile only after it (a view of the members older than the
	 * registration);
	 * "join-without-module": a member joins without waiting for its
	 * kernel to take the set (a build machine has no module to take it).
	 */
	unsigned int test_stall_ms;
	unsigned int test_join_delay_ms;
	bool test_join_without_module;

	/*
	 * Which source set each key last: a list key (xdp-if) set by a
	 * later source starts a new list instead of appending.
	 */
	unsigned char src[48];
};

/* Where a setting came from, in increasing precedence. */
enum config_src {
	SRC_DEFAULT,
	SRC_HOST_FILE,
	SRC_CMDLINE,
};

/* config.c: no I/O except config_load_file(); errors go to err. */
void config_defaults(struct agent_config *cfg);
/*
 * Set one key ("state", "xdp-if", ...: the long option names) from text.
 * Returns 0, or -EINVAL (unknown key, bad value) / -E2BIG (too many)
 * with a message in err naming the key.
 */
int config_set(struct agent_config *cfg, enum config_src src, const char *key,
	       const char *value, char *err, size_t errlen);
/*
 * The settings together: one source of the document (state or etcd);
 * host-id and owner-table only with etcd. 0 or -EINVAL with a message.
 */
int config_check(const struct agent_config *cfg, char *err, size_t errlen);
/* Parse a host file's text ("key = value" lines); messages say "NAME:LINE". */
int config_parse_text(struct agent_config *cfg, const char *name,
		      const char *text, char *err, size_t errlen);
int config_load_file(struct agent_config *cfg, const char *path, char *err,
		     size_t errlen);
/*
 * A CPU list in the kernel's format ("0-3,6", as /sys/.../cpu/online):
 * ascending, no duplicates, each below AGENT_MAX_CPUS. 0 or -EINVAL.
 */
int config_parse_cpus(const char *s, uint32_t *cpus, unsigned int *n,
		      char *err, size_t errlen);
/* Seconds with an optional fraction ("5", "0.5") to milliseconds. */
int config_parse_seconds(const char *s, unsigned int *ms);
/*
 * The test hooks of VGW_AGENT_TEST ("stall=MS,join-delay=MS,
 * join-without-module"; see
 * struct agent_config). 0 or -EINVAL with a message naming the item.
 */
int config_test_hooks(struct agent_config *cfg, const char *text, char *err,
		      size_t errlen);
const char *config_xdp_mode_name(enum xdp_mode m);

/* log.c */
void log_init(enum log_level level);
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
bool log_enabled(enum log_level level);
/* Log each line of text (e.g. what vgw_apply_doc() wrote) at level. */
void log_lines(enum log_level level, const char *prefix, const char *text);
const char *log_level_name(enum log_level level);
int log_level_parse(const char *s, enum log_level *level);

#define log_err(...)	log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_DEBUG, __VA_ARGS__)

/* Monotonic time in milliseconds. */
uint64_t now_ms(void);

/* sync.c: the kernel side. */
/*
 * What identifies one version of a file without reading it (the state
 * file, the cluster's key file): keys.c.
 */
struct file_id {
	bool exists;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
};

void file_id_get(const char *path, struct file_id *id);
bool file_id_equal(const struct file_id *a, const struct file_id *b);

struct sync;
struct vgw_doc;
struct sync *sync_new(const struct agent_config *cfg);
void sync_free(struct sync *s);
/*
 * (Re)read the state file. A document that fails validation is logged with
 * the validator's message and changes nothing: the last good one stays the
 * desired state. Returns true if the desired state changed.
 */
bool sync_load(struct sync *s);
/*
 * A new desired document from elsewhere than the file (etcd), taken over;
 * @why says where from ("etcd revision 42"). Returns true if it differs
 * from the one in force.
 */
bool sync_set_want(struct sync *s, struct vgw_doc *doc, const char *why);
/* A refused document: logged once (until the message changes). */
void sync_refuse(struct sync *s, const char *why);
/* Whether the file differs (inode, size, times) from the one last read. */
bool sync_file_changed(const struct sync *s);
/*
 * Bring the kernel to the desired state: connect if needed, make sure of
 * the link, apply if the kernel may have drifted. Returns the delay in ms
 * until it wants to run again (the check interval, or a retry backoff).
 */
unsigned int sync_run(struct sync *s);
/* The agent's own counters, for the metrics. */
#define AGENT_APPLY_BUCKETS 8
struct agent_metrics {
	uint64_t applied, refused;		/* applies: done, refused */
	uint64_t apply_le[AGENT_APPLY_BUCKETS];	/* done within each bucket */
	uint64_t apply_ms_sum;
	uint64_t docs_refused;			/* documents the validator refused */
	uint64_t events;			/* config events that mattered */
};

const struct agent_metrics *sync_metrics(const struct sync *s);
/* The connection to the module, or NULL. */
struct vgw_client *sync_client(struct sync *s);
/*
 * The document in force (NULL: none yet), and a number that changes
 * whenever it does (the flow logs follow it).
 */
const struct vgw_doc *sync_want(const struct sync *s);
unsigned long sync_want_serial(const struct sync *s);

/* metrics.c */
#define AGENT_DEFAULT_METRICS_VNICS 20
struct metrics;
struct vgw_stats;
struct vgw_cluster;
struct metrics_input {
	const struct vgw_stats *stats;		/* NULL: the module is away */
	struct vgw_info info;
	const struct vgw_cluster *cluster;	/* NULL: not read */
	const struct agent_metrics *agent;
	unsigned int max_vnics;
	const struct flowlog_counters *flowlog;	/* NULL: no flow logs */
};
int metrics_parse_addr(const char *v, struct sockaddr_storage *ss,
		       socklen_t *len);
/* NULL when none is configured, or when it cannot listen (logged). */
struct metrics *metrics_open(const struct agent_config *cfg);
void metrics_close(struct metrics *m);
int metrics_fd(const struct metrics *m);
/* A connection is waiting on metrics_fd(): answer it. */
void metrics_serve(struct metrics *m, struct sync *s);
/* The flow logs' counters go with the metrics (NULL: none). */
struct flowlog_counters;
void metrics_set_flowlog(struct metrics *m, const struct flowlog_counters *fl);
/* The text (tests call it with made-up counters). */
void metrics_format(FILE *f, const struct metrics_input *in);
void metrics_observe_apply(struct agent_metrics *am, uint64_t ms, bool ok);

/*
 * The "config" group's socket (a descriptor to poll, -1 when not joined),
 * and its events: true when the tables or the cluster changed (or events
 * were lost): sync_run() is due now.
 */
int sync_event_fd(const struct sync *s);
bool sync_events(struct sync *s);
/* Make the next sync_run() compare the whole kernel state, saying why. */
void sync_recheck(struct sync *s, const char *reason);
/* The first apply succeeded (for the service manager's readiness). */
bool sync_ever_applied(const struct sync *s);
/* --once: 0 if the kernel now holds the document, else 1. */
int sync_once(struct sync *s);
/*
 * The cluster the kernel must have (taken over; @fp its fingerprint as the
 * agent computes it, @why for the log): sent by the next sync_run(), and
 * again after a module reload, a new link, or a change behind our back.
 */
struct vgw_cluster;
void sync_set_cluster(struct sync *s, struct vgw_cluster *cl, uint64_t fp,
		      const char *why);
/*
 * What keeps this host from being healthy on the kernel's side (announce.c):
 * no module, the link missing or down, the document not applied, the
 * cluster's set not taken. Writes the reason and returns true; false when
 * healthy.
 */
bool sync_unhealthy(const struct sync *s, char *why, size_t len);
/* Whether the kernel holds the last set given to sync_set_cluster(). */
bool sync_cluster_sent(const struct sync *s);

/* link.c: create the namespace's vnicgw link @name, up. 0, or -1 and err. */
int link_create(const char *name, char *err, size_t errlen);

/*
 * steer.c: the XDP steering program (bpf/steer.bpf.c, through its skeleton).
 * steer_start() loads it, fills the cpumap and the configuration, then
 * attaches it to every cfg->xdp_ifs; all or nothing (0 or -errno, logged).
 */
struct steering;
int steer_start(const struct agent_config *cfg, struct steering **out);
/* Re-attach to interfaces that went away and came back. */
void steer_check(struct steering *st);
/* An --xdp-if without the program: the reason, and true. */
bool steer_unhealthy(const struct steering *st, char *why, size_t len);
/* The per-CPU counters, to the log. */
void steer_print_stats(struct steering *st);
/* Detach from every interface and unload; NULL is fine. */
void steer_stop(struct steering *st);
/* The online CPUs (from sysfs). 0 or -errno with a message. */
int steer_online_cpus(uint32_t *cpus, unsigned int *n, char *err,
		      size_t errlen);

/*
 * cluster.c: the document from etcd instead of a file (a copy of the keys
 * under the prefix, kept by a watch; resumed after a disconnect, read
 * again after a compaction), and the members (members.c).
 */
struct cluster;
struct pollfd;
struct cluster *cluster_new(const struct agent_config *cfg, struct sync *s);
/* Leaves the cluster (revokes the member lease) and frees; NULL is fine. */
void cluster_free(struct cluster *c);
/*
 * Up to @max descriptors to poll (returns how many), and in *deadline the
 * monotonic ms by which cluster_run() wants to run again.
 */
unsigned int cluster_fds(struct cluster *c, struct pollfd *fds,
			 unsigned int max, uint64_t *deadline);
/*
 * Read the watch, reconnect, keep the lease. True: the document or the
 * kernel's cluster set changed (sync_run() is due now).
 */
bool cluster_run(struct cluster *c);
/* SIGHUP: read every key again. */
void cluster_resync(struct cluster *c);
/*
 * The periodic check (and SIGHUP, @force): the key file again if it
 * changed. True: the kernel's set changed (sync_run() is due now).
 */
bool cluster_keys_check(struct cluster *c, bool force);
/* --once: read the document into @s once. 0, or -1 (logged). */
int cluster_read_once(struct cluster *c);
/* SIGUSR1 with --host-id: drain this host (members_drain()). */
void cluster_drain(struct cluster *c);
/*
 * etcd unanswered for longer than --etcd-lost-after, this host not a
 * registered member (yet), or draining: the reason, and true.
 */
bool cluster_unhealthy(const struct cluster *c, char *why, size_t len);

/*
 * members.c: this host's member key under a lease (with --host-id), and
 * the owner table of the live set (logged; --owner-table: a file).
 */
struct members;
struct keys;
struct vgw_etcd;
struct vgw_cluster;
struct members *members_new(const struct agent_config *cfg, struct sync *s,
			    const struct keys *keys);
void members_free(struct members *m);
/*
 * Register or keep the lease alive when due, and move a drain on; returns
 * the next due time.
 */
uint64_t members_run(struct members *m, struct vgw_etcd *e);
uint64_t members_next(const struct members *m);
/*
 * The live hosts changed: @live (ids sorted, with the addresses of their
 * values; taken over). Logs (and saves) a new table, and gives the kernel
 * its set (sync_set_cluster()) when that changed. @bad_value: the first
 * member value that was refused, or "". @rev: the etcd revision @live
 * reflects.
 */
void members_update(struct members *m, struct vgw_cluster *live,
		    const char *bad_value, int64_t rev);
/* The keys changed: the kernel gets them with the set. */
void members_keys_changed(struct members *m);
/* Whether the kernel was given a new set since the last call. */
bool members_kick(struct members *m);
/* Not a registered member (yet, or any more): the reason, and true. */
bool members_unhealthy(const struct members *m, char *why, size_t len);
/* Revoke the lease: the other hosts see this one leave at once. */
void members_leave(struct members *m, struct vgw_etcd *e);
/* The keepalive's descriptor to poll (-1: none): members_run() is due. */
int members_fd(const struct members *m);

/*
 * keepalive.c: the member lease kept alive every third of --member-ttl by
 * a thread with an etcd client of its own, whatever the loop is doing.
 * keepalive_new() (with the loop's etcd client open already: libcurl is
 * initialised) starts the thread, idle until keepalive_start(); NULL is
 * logged. keepalive_free() stops and joins it.
 */
struct keepalive;
struct keepalive *keepalive_new(const struct agent_config *cfg,
				const char *key);
void keepalive_free(struct keepalive *ka);
/* Readable when the lease kept was found gone; then keepalive_lost(). */
int keepalive_fd(const struct keepalive *ka);
/* Keep lease @id alive from now on (the first keepalive a period later). */
void keepalive_start(struct keepalive *ka, int64_t id);
/*
 * Keep none (before a revoke): once it returns, no answer about the lease
 * kept before counts, so a revoke never reads as a loss.
 */
void keepalive_stop(struct keepalive *ka);
/* The lease found gone (expired, revoked by another), once; 0: none. */
int64_t keepalive_lost(struct keepalive *ka);
/* When etcd last answered a keepalive (now_ms(); 0: never). */
uint64_t keepalive_last_ok(struct keepalive *ka);
/*
 * SIGUSR1: drain this host: --drain-cmd, --drain-wait, leave, then the
 * kernel without SELF (moved on by members_run()).
 */
void members_drain(struct members *m);

/*
 * keys.c: the keys that authenticate the members' messages, as the kernel
 * gets them with every CLUSTER_SET. From --cluster-keys FILE (read at
 * start, on SIGHUP, and when its size or times change), or from etcd's
 * PREFIX/cluster/keys (cluster.c hands its value over). A file or value
 * that does not parse is logged and changes nothing: the keys in use
 * stay (there is never a fall back to none because of a bad file).
 */
struct keys;
struct vgw_cluster_key;
struct keys *keys_new(const struct agent_config *cfg);
void keys_free(struct keys *k);
/* The file again if it changed (or @force). True: the keys changed. */
bool keys_file_check(struct keys *k, bool force);
/*
 * A value of PREFIX/cluster/keys (@what for the log: "etcd KEY, revision
 * N"). True: the keys changed.
 */
bool keys_set_text(struct keys *k, const char *text, size_t len,
		   const char *what);
/*
 * Whether the kernel may be told the cluster: keys are known (or
 * cluster-auth is off: none by choice). Until then a member neither joins
 * nor gives its kernel a set.
 */
bool keys_ready(const struct keys *k);
/* The keys in use (none: NULL, *n 0); valid until they change. */
const struct vgw_cluster_key *keys_get(const struct keys *k, unsigned int *n);
/* "2 (signs), 1", or "none". */
void keys_ids(const struct keys *k, char *buf, size_t len);

/*
 * flowlog.c: flow logs. The aggregation, fed by the agent (or a test):
 * flowlog_begin() an interval [start, end] (UNIX seconds; @self the
 * kernel's member id, "" standalone), flowlog_ct() each entry of a
 * connection table dump (an ACCEPT line for each with new packets),
 * flowlog_drop() each drop event (any time), flowlog_end() writes the
 * REJECT and SKIPDATA lines and forgets the connections the dump did not
 * list (@dumped: the dump was complete).
 */
struct flowlog;
struct vgw_ct;
struct vgw_event;
struct flowlog_counters {
	uint64_t records;	/* ACCEPT and REJECT lines written */
	uint64_t lost;		/* connections or REJECT keys not remembered */
};
struct flowlog *flowlog_create(FILE *out, const char *host, unsigned int max);
void flowlog_free(struct flowlog *fl);
/* The VNICs whose flow_logs are on in @d (vgw_vnic_flow_logs()). 0 or -ENOMEM. */
int flowlog_set_doc(struct flowlog *fl, const struct vgw_doc *d);
size_t flowlog_logged(const struct flowlog *fl);
void flowlog_begin(struct flowlog *fl, uint64_t start, uint64_t end,
		   const char *self);
void flowlog_ct(struct flowlog *fl, const struct vgw_ct *e);
void flowlog_drop(struct flowlog *fl, const struct vgw_event *e);
void flowlog_end(struct flowlog *fl, bool dumped);
/* Connections remembered now. */
size_t flowlog_remembered(const struct flowlog *fl);
/* NULL for no flow logs. */
const struct flowlog_counters *flowlog_counters(const struct flowlog *fl);
/*
 * The agent's side: --flow-logs opened (*out NULL when not configured),
 * 0 or -errno (logged).
 */
int flowlog_open(const struct agent_config *cfg, struct flowlog **out);
/* SIGHUP: open the file again (after logrotate moved it). */
void flowlog_reopen(struct flowlog *fl);
/*
 * Join the "drops" group for the module @c talks to (again after a
 * reload; once per module when refused): the loop calls it whenever it
 * is connected. Its descriptor to poll (-1: none), and its events.
 */
void flowlog_listen(struct flowlog *fl, const struct vgw_client *c);
int flowlog_fd(const struct flowlog *fl);
void flowlog_events(struct flowlog *fl);
/* When the next interval ends (monotonic ms); then flowlog_run(). */
uint64_t flowlog_due(const struct flowlog *fl);
/* End the interval: dump @c's connections (NULL: no module), write. */
void flowlog_run(struct flowlog *fl, struct vgw_client *c);

/* loop.c; @c is NULL with a state file, @fl without flow logs. */
struct metrics;
int agent_loop(const struct agent_config *cfg, struct sync *s,
	       struct steering *st, struct cluster *c, struct metrics *mt,
	       struct flowlog *fl);
/*
 * instance.c: take this network namespace's agent lock. Returns the lock's
 * descriptor (keep it open), or -EADDRINUSE after logging who holds it.
 */
int instance_lock(void);

/* notify.c: sd_notify(3) without libsystemd: "READY=1", "STATUS=...". */
void notify_init(void);
/*
 * How often the loop sends "WATCHDOG=1": half of $WATCHDOG_USEC, or 0 when
 * there is no watchdog (or no $NOTIFY_SOCKET to send it to).
 */
uint64_t notify_watchdog_ms(void);
void notify_systemd(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* shellcmd.c: the operator's commands, with /bin/sh -c */
/* The child's pid, or -1 (errno set). Its signals are unblocked. */
pid_t shell_spawn(const char *cmd);
/* How it ended ("exit 3", "signal 9") into @buf; true for exit 0. */
bool shell_status(int status, char *buf, size_t len);

/* announce.c: the VIPs' announcement follows the host's health */
struct announce;
/* NULL without --announce-cmd (nothing to do). */
struct announce *announce_new(const struct agent_config *cfg);
void announce_free(struct announce *a);
/*
 * The health now (@why_not: "" healthy, else the reason): runs a command
 * when the state it implies is not the one carried out last. Returns the
 * monotonic ms by which it wants to be called again.
 */
uint64_t announce_update(struct announce *a, const char *why_not);
bool announce_announced(const struct announce *a);

#endif /* AGENT_H */
