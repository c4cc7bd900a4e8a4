// SPDX-License-Identifier: GPL-2.0
/*
 * Membership: this host's key PREFIX/members/<host id> under a lease of
 * --member-ttl seconds, kept alive every third of it; and the flow owner
 * table (rendezvous hashing, user/lib/owner.h) of the live set, which cluster.c hands
 * over whenever the member keys change.
 *
 * The keepalive is not a step of the loop: keepalive.c sends it from a
 * thread of its own, so that no apply, CLUSTER_SET, owner table build or
 * etcd read of seconds lets the lease expire. This file keeps the rest on
 * the loop's thread: the grant, the registration, the revoke, and joining
 * again when the thread says the lease is gone (its eventfd, polled with
 * the loop's descriptors, makes members_run() run).
 *
 * Registration is conditional: the key is created only if nobody holds it.
 * A key held by another lease is another agent with the same --host-id, or
 * this host's previous run whose lease has not expired yet (a restart
 * within the TTL): either way this agent waits and tries again every
 * second, rather than taking the key over.
 *
 * Every agent derives the table from the members it sees in etcd, its own
 * key included only once etcd has it: so the tables of all agents agree as
 * soon as their watches have caught up, which the fingerprint in the log
 * line shows. The table goes to the log and, with --owner-table, to a file
 * (written to a temporary name and renamed, so a reader never sees half of
 * one).
 *
 * The kernel (CLUSTER_SET, through sync.c) gets the live members that have
 * an underlay address ("addr" in their key's value, from --underlay), and
 * this host's id as SELF while it is registered and not draining. It builds
 * the same table from the ids, so a member without an address makes
 * the kernels' tables differ from the logged one: that is warned about.
 * The first set goes to the kernel once this agent's own key is seen; from
 * then on every change of the set (ids, addresses, self) does.
 *
 * Every set carries the cluster keys (keys.c); a change of the keys alone
 * is a new set. Until keys are known (with cluster-auth on) the agent
 * neither gives its kernel a set nor joins.
 *
 * Drain (SIGUSR1): run --drain-cmd (withdraw the routes to this host), wait
 * --drain-wait for the packets in flight, leave (revoke the lease), and
 * give the kernel the remaining members without SELF, so that it hands
 * every stateful flow and its state to the owners. The agent then stays,
 * keeping the tables, never registering again, until SIGTERM.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent.h"
#include "cluster_nl.h"
#include "etcd.h"
#include "owner.h"
#include "store.h"

#define RETRY_MS	1000
#define DRAIN_POLL_MS	50	/* how often the drain command is waited for */

enum drain_step {
	DRAIN_NONE,
	DRAIN_CMD,		/* --drain-cmd running */
	DRAIN_WAIT,		/* packets in flight arrive */
	DRAIN_DONE,		/* left; the kernel has no SELF */
};

struct members {
	const struct agent_config *cfg;
	struct sync *sync;
	const struct keys *keys;	/* cluster.c's */
	char key[VGW_STORE_KEY_MAX];
	struct vgw_addr underlay;	/* family 0: none */
	int64_t lease;			/* 0: none */
	bool registered;		/* our key is in etcd */
	int64_t reg_rev;		/* ... since this revision */
	uint64_t next_ms;		/* next registration attempt */
	struct keepalive *ka;		/* its thread; NULL: no --host-id, --once */
	uint64_t fingerprint;		/* of the table last logged; 0: none */
	char last_err[512];

	struct vgw_cluster live;	/* the member keys, ids sorted */
	struct vgw_cluster kset;	/* what the kernel was given last */
	bool pushed;			/* the kernel was given a set */
	bool live_known;		/* members_update() ran once */
	bool kick;			/* ... a new one, for sync.c now */
	char no_addr[512];		/* members without an address, as logged */
	char bad_value[512];		/* a member value refused, as logged */
	char other_tables[512];		/* members building another table, as logged */
	bool keys_wait_logged;		/* "waiting for keys" said */

	enum drain_step drain;
	pid_t drain_pid;
	uint64_t drain_until;		/* end of DRAIN_WAIT */
};

struct members *members_new(const struct agent_config *cfg, struct sync *s,
			    const struct keys *keys)
{
	struct members *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->cfg = cfg;
	m->sync = s;
	m->keys = keys;
	vgw_store_member_key(cfg->etcd_prefix, cfg->host_id, m->key);
	/* Checked by config.c already. */
	if (cfg->underlay[0] && vgw_addr_parse(cfg->underlay, &m->underlay))
		memset(&m->underlay, 0, sizeof(m->underlay));
	/* --once never joins: no thread for it. */
	if (cfg->host_id[0] && !cfg->once) {
		m->ka = keepalive_new(cfg, m->key);
		if (!m->ka) {
			free(m);
			return NULL;
		}
	}
	return m;
}

void members_free(struct members *m)
{
	if (!m)
		return;
	keepalive_free(m->ka);
	vgw_cluster_free(&m->live);
	vgw_cluster_free(&m->kset);
	free(m);
}

/* An error: logged when new, at debug level when repeated. */
static void report(struct members *m, const char *what, struct vgw_etcd *e)
{
	char msg[sizeof(m->last_err)];

	snprintf(msg, sizeof(msg), "%s: %s", what, vgw_etcd_error(e));
	if (strcmp(msg, m->last_err))
		log_warn("%s", msg);
	else
		log_debug("still: %s", msg);
	snprintf(m->last_err, sizeof(m->last_err), "%s", msg);
}

/*
 * Whether our key exists under our own lease (registered by this agent
 * already, e.g. when it took a view of the members that was older than its
 * registration for a deletion): *rev, its mod revision.
 */
static bool held_by_us(struct members *m, struct vgw_etcd *e, int64_t *rev)
{
	struct vgw_etcd_kvs kvs = { 0 };
	bool ours = false;
	size_t i;

	if (!m->lease || vgw_etcd_get_prefix(e, m->key, &kvs))
		return false;
	for (i = 0; i < kvs.n; i++)
		if (!strcmp(kvs.kv[i].key, m->key) &&
		    kvs.kv[i].lease == m->lease) {
			ours = true;
			*rev = kvs.kv[i].mod_rev;
		}
	vgw_etcd_kvs_free(&kvs);
	return ours;
}

/* Create our key under our lease, unless someone holds it. */
static int register_key(struct members *m, struct vgw_etcd *e)
{
	struct vgw_etcd_txn *t = vgw_etcd_txn_new();
	char table[VGW_MEMBER_TABLE_LEN];
	char *value;
	bool done = false;
	int64_t rev = 0;
	int ret;

	vgw_owner_table_name(VGW_OWNER_SIZE_DEFAULT, m->cfg->backups, table,
			     sizeof(table));
	value = vgw_member_value(m->cfg->host_id, (int)getpid(), &m->underlay,
				 table);
	if (!t || !value) {
		vgw_etcd_txn_free(t);
		free(value);
		return -ENOMEM;
	}
	ret = vgw_etcd_txn_if_mod(t, m->key, 0) ?:
	      vgw_etcd_txn_put(t, m->key, value, strlen(value), m->lease) ?:
	      vgw_etcd_txn_commit(e, t, &done, &rev);
	vgw_etcd_txn_free(t);
	free(value);
	if (ret)
		return ret;
	if (!done && held_by_us(m, e, &rev)) {
		log_info("%s is held by this agent's lease %llx already: registered",
			 m->key, (unsigned long long)m->lease);
		done = true;
	}
	if (!done) {
		if (strcmp(m->last_err, "taken"))
			log_warn("host id %s is registered already (%s) by another agent, or by this host's previous run until its lease expires; retrying",
				 m->cfg->host_id, m->key);
		strcpy(m->last_err, "taken");
		return -EEXIST;
	}
	m->registered = true;
	m->reg_rev = rev;
	m->last_err[0] = '\0';
	log_info("joined the cluster as %s (%s, lease %llx, TTL %u s, underlay %s)",
		 m->cfg->host_id, m->key, (unsigned long long)m->lease,
		 m->cfg->member_ttl_s,
		 m->cfg->underlay[0] ? m->cfg->underlay : "none");
	return 0;
}

/*
 * The keepalive's thread found the lease gone (it logged why): join again
 * now, under a new lease.
 */
static void check_lease(struct members *m)
{
	int64_t id = keepalive_lost(m->ka);

	if (!id || id != m->lease)
		return;
	m->lease = 0;
	m->registered = false;
	m->next_ms = 0;
}

/* A lease this agent gives up (not revoked: it expires). */
static void drop_lease(struct members *m)
{
	keepalive_stop(m->ka);
	m->lease = 0;
}

static void drain_step(struct members *m, struct vgw_etcd *e);
static void push_kernel(struct members *m, const char *why, bool force);

uint64_t members_run(struct members *m, struct vgw_etcd *e)
{
	uint64_t now = now_ms();
	int ret = 0;

	if (!m->cfg->host_id[0])
		return UINT64_MAX;
	check_lease(m);
	drain_step(m, e);
	if (m->drain == DRAIN_DONE)
		return UINT64_MAX;
	if (now < m->next_ms)
		return m->next_ms;
	if (!m->registered && !m->live_known) {
		/* The member list is read with the document: not yet. */
		m->next_ms = now + 100;
		return m->next_ms;
	}
	if (!m->registered && !keys_ready(m->keys)) {
		/*
		 * Without keys this host could neither sign what it sends
		 * nor check what it takes: it waits (keys.c says why).
		 */
		if (!m->keys_wait_logged)
			log_info("cluster: waiting for the cluster keys before joining");
		m->keys_wait_logged = true;
		m->next_ms = now + 100;
		return m->next_ms;
	}
	if (!m->registered && !sync_cluster_sent(m->sync) &&
	    !m->cfg->test_join_without_module) {
		/*
		 * Before the others learn of this host, its kernel learns of
		 * them (as a host that is not a member yet): the state they
		 * send it when they add it to their tables comes from members
		 * it trusts. (Announcing the VIPs to the TOR comes after the
		 * join, withdrawing them before the leave: a host hands flows
		 * over only to hosts that know it.)
		 */
		push_kernel(m, "before joining", false);
		m->next_ms = now + 100;
		return m->next_ms;
	}
	if (m->registered) {
		/* Nothing to do here until the thread or the watch says so. */
		m->next_ms = UINT64_MAX;
		return m->next_ms;
	}
	if (!m->lease) {
		ret = vgw_etcd_lease_grant(e, m->cfg->member_ttl_s, &m->lease);
		if (ret)
			report(m, "cannot get a lease", e);
		else	/* kept alive from now on, whatever this loop does */
			keepalive_start(m->ka, m->lease);
	}
	if (!ret && m->cfg->test_join_delay_ms) {
		/*
		 * Test hook (VGW_AGENT_TEST=join-delay=MS): the loop waits
		 * between the lease and the registration, so that a test can
		 * write other member keys that the watch delivers only after
		 * the registration (a view older than it).
		 */
		log_info("test: registering in %u ms (VGW_AGENT_TEST)",
			 m->cfg->test_join_delay_ms);
		usleep(m->cfg->test_join_delay_ms * 1000U);
	}
	if (!ret) {
		ret = register_key(m, e);
		if (ret && ret != -EEXIST) {
			report(m, "cannot register", e);
			/* The lease may be what failed (expired): a new one. */
			drop_lease(m);
		}
	}
	m->next_ms = ret ? now + RETRY_MS : UINT64_MAX;
	return m->next_ms;
}

bool members_unhealthy(const struct members *m, char *why, size_t len)
{
	uint64_t ok, now = now_ms();

	if (!m->cfg->host_id[0])
		return false;
	if (m->drain != DRAIN_NONE) {
		snprintf(why, len, "draining");
		return true;
	}
	if (!m->registered) {
		snprintf(why, len, "not a member of the cluster yet");
		return true;
	}
	/* Registered, and its own key seen: the set given the kernel has it. */
	if (m->cfg->underlay[0] && !m->kset.self[0]) {
		snprintf(why, len, "the kernel's member set does not have this host yet");
		return true;
	}
	/* Its lease kept by the thread: etcd answers, or the lease goes. */
	ok = keepalive_last_ok(m->ka);
	if (ok && now - ok > m->cfg->etcd_lost_ms) {
		snprintf(why, len, "etcd has not answered a lease keepalive for %llu s (--etcd-lost-after %.1f s)",
			 (unsigned long long)((now - ok) / 1000),
			 m->cfg->etcd_lost_ms / 1000.0);
		return true;
	}
	return false;
}

int members_fd(const struct members *m)
{
	return keepalive_fd(m->ka);
}

void members_leave(struct members *m, struct vgw_etcd *e)
{
	if (!m->lease)
		return;
	/*
	 * The thread first: from here on no keepalive answer counts, so the
	 * revoke cannot come back as "lease expired, joining again".
	 */
	keepalive_stop(m->ka);
	if (vgw_etcd_lease_revoke(e, m->lease))
		log_warn("cannot leave the cluster now (%s); %s goes when its lease expires",
			 vgw_etcd_error(e), m->key);
	else if (m->registered)
		log_info("left the cluster (%s removed)", m->key);
	m->lease = 0;
	m->registered = false;
}

/* The table as JSON: members, size, fingerprint, owner[], backup[] (backup2[]). */
static int write_table(const struct vgw_owner_table *t, const char *self,
		       FILE *f)
{
	const uint16_t *tabs[3] = { t->owner, t->backup, t->backup2 };
	const char *names[3] = { "owner", "backup", "backup2" };
	unsigned int i, k;

	fprintf(f, "{\"members\": [");
	for (i = 0; i < t->n; i++)
		fprintf(f, "%s\"%s\"", i ? ", " : "", t->ids[i]);
	fprintf(f, "],\n \"self\": \"%s\", \"size\": %u, \"fingerprint\": \"%016llx\"",
		self, t->size, (unsigned long long)vgw_owner_fingerprint(t));
	for (k = 0; k < 3 && tabs[k]; k++) {
		fprintf(f, ",\n \"%s\": [", names[k]);
		for (i = 0; i < t->size; i++)
			fprintf(f, "%s%d", i ? (i % 32 ? "," : ",\n  ") : "",
				tabs[k][i] == VGW_OWNER_NONE ? -1 : tabs[k][i]);
		fprintf(f, "]");
	}
	fprintf(f, "}\n");
	return ferror(f) ? -EIO : 0;
}

static void save_table(const struct members *m, const struct vgw_owner_table *t)
{
	char tmp[PATH_MAX + 16];
	FILE *f;
	int ret;

	snprintf(tmp, sizeof(tmp), "%s.tmp", m->cfg->owner_table);
	f = fopen(tmp, "w");
	if (!f) {
		log_err("owner table %s: %s", tmp, strerror(errno));
		return;
	}
	ret = write_table(t, m->cfg->host_id, f);
	if (fclose(f) || ret || rename(tmp, m->cfg->owner_table)) {
		log_err("owner table %s: cannot write it", m->cfg->owner_table);
		unlink(tmp);
	}
}

/* "3 members (h1 h2 h3)", shortened for big clusters. */
static void member_list(const struct vgw_owner_table *t, char *buf, size_t len)
{
	unsigned int i;
	size_t k = 0;

	for (i = 0; i < t->n && k + 80 < len; i++)
		k += (size_t)snprintf(buf + k, len - k, "%s%s", i ? " " : "", t->ids[i]);
	if (i < t->n)
		snprintf(buf + k, len - k, " ... %u more", t->n - i);
}

static void log_table(const struct members *m, const struct vgw_owner_table *t,
		      uint64_t fp)
{
	int self = m->cfg->host_id[0] ? vgw_owner_find(t, m->cfg->host_id) : -1;
	unsigned int s, mine = 0;
	char list[512];

	for (s = 0; self >= 0 && s < t->size; s++)
		mine += t->owner[s] == (unsigned int)self;
	member_list(t, list, sizeof(list));
	if (self >= 0)
		log_info("owner table: %u members (%s), %u slots, fingerprint %016llx; %s owns %u slots (%.1f%%)",
			 t->n, list, t->size, (unsigned long long)fp,
			 m->cfg->host_id, mine, 100.0 * mine / t->size);
	else
		log_info("owner table: %u members (%s), %u slots, fingerprint %016llx%s",
			 t->n, list, t->size, (unsigned long long)fp,
			 m->cfg->host_id[0] ? "; this host is not a member (yet)" : "");
}

/* --- the cluster for the kernel ------------------------------------------------ */

static bool same_set(const struct vgw_cluster *a, const struct vgw_cluster *b)
{
	unsigned int i;

	if (a->n != b->n || strcmp(a->self, b->self) || a->backups != b->backups ||
	    a->n_keys != b->n_keys || a->accept_unsigned != b->accept_unsigned ||
	    memcmp(a->keys, b->keys, a->n_keys * sizeof(a->keys[0])))
		return false;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->members[i].id, b->members[i].id) ||
		    a->members[i].addr_len != b->members[i].addr_len ||
		    memcmp(a->members[i].addr, b->members[i].addr,
			   a->members[i].addr_len))
			return false;
	return true;
}

static bool live_has_self(const struct members *m)
{
	unsigned int i;

	for (i = 0; i < m->live.n; i++)
		if (!strcmp(m->live.members[i].id, m->cfg->host_id))
			return true;
	return false;
}

/* Members without an address: warned about whenever that list changes. */
static void warn_no_addr(struct members *m, const char *list, unsigned int n)
{
	if (!strcmp(list, m->no_addr))
		return;
	snprintf(m->no_addr, sizeof(m->no_addr), "%s", list);
	if (n)
		log_warn("cluster: %u member%s without an underlay address (%s): left out of the kernel's set, so the kernels' owner tables differ from the one logged (give every agent --underlay)",
			 n, n == 1 ? "" : "s", list);
	else
		log_info("cluster: every member has an underlay address");
}

/* The kernel's set: the live members with an address; SELF if we are one. */
static int kernel_set(struct members *m, struct vgw_cluster *k)
{
	char list[sizeof(m->no_addr)] = "";
	unsigned int i, missing = 0;
	struct vgw_addr a;
	const struct vgw_cluster_key *keys;
	size_t len = 0;
	bool self_in = false;

	memset(k, 0, sizeof(*k));
	k->size = VGW_OWNER_SIZE_DEFAULT;	/* the logged table's */
	/* Sent when not the kernel's default (a module without it takes 1). */
	k->backups = m->cfg->backups > 1 ? m->cfg->backups : 0;
	/* The keys in use (none with cluster-auth off). */
	keys = keys_get(m->keys, &k->n_keys);
	if (k->n_keys)
		memcpy(k->keys, keys, k->n_keys * sizeof(*keys));
	/* cluster-auth permissive: sign, and take the unsigned too. */
	k->accept_unsigned = k->n_keys && m->cfg->cluster_auth_permissive;
	for (i = 0; i < m->live.n; i++) {
		const struct vgw_cluster_member *x = &m->live.members[i];
		bool self = !strcmp(x->id, m->cfg->host_id);

		if (self && m->drain == DRAIN_DONE)
			continue;
		if (vgw_cluster_member_addr(x, &a)) {
			if (len + strlen(x->id) + 2 < sizeof(list))
				len += (size_t)snprintf(list + len, sizeof(list) - len,
							"%s%s", missing ? " " : "", x->id);
			missing++;
			continue;
		}
		if (vgw_cluster_add(k, x->id, &a))
			return -ENOMEM;
		self_in |= self;
	}
	warn_no_addr(m, list, missing);
	if (self_in && m->registered && m->drain != DRAIN_DONE)
		snprintf(k->self, sizeof(k->self), "%s", m->cfg->host_id);
	return 0;
}

/* Give the kernel the set, if it changed (or @force). */
static void push_kernel(struct members *m, const char *why, bool force)
{
	struct vgw_cluster k;
	char err[256], ids[64];
	uint64_t fp;

	/* Never a set without keys while they are awaited (keys.c). */
	if (!keys_ready(m->keys))
		return;
	if (kernel_set(m, &k)) {
		log_err("cluster: out of memory");
		return;
	}
	if (m->pushed && !force && same_set(&k, &m->kset)) {
		vgw_cluster_free(&k);
		return;
	}
	if (vgw_cluster_check(&k, err, sizeof(err)) ||
	    vgw_cluster_fingerprint(&k, &fp, NULL)) {
		log_err("cluster: cannot give the kernel this set: %s", err);
		vgw_cluster_free(&k);
		return;
	}
	keys_ids(m->keys, ids, sizeof(ids));
	log_info("cluster: %u member%s with an underlay address, %s, fingerprint %016llx, keys %s (%s)",
		 k.n, k.n == 1 ? "" : "s", k.self[0] ? "this host one of them" :
		 k.n ? "this host not one of them" : "standalone",
		 (unsigned long long)fp, ids, why);
	/* A copy for the comparison next time; the set itself goes to sync.c. */
	vgw_cluster_free(&m->kset);
	m->kset = k;
	m->kset.members = malloc((k.n + 1) * sizeof(*k.members));
	if (m->kset.members)
		memcpy(m->kset.members, k.members, k.n * sizeof(*k.members));
	else
		m->kset.n = 0;
	sync_set_cluster(m->sync, &k, fp, why);
	m->pushed = true;
	m->kick = true;
}

void members_keys_changed(struct members *m)
{
	/* The first set goes from members_run(); later ones at once. */
	if (m->pushed)
		push_kernel(m, "keys changed", false);
}

bool members_kick(struct members *m)
{
	bool k = m->kick;

	m->kick = false;
	return k;
}

/* --- drain ------------------------------------------------------------------ */

static void drain_start_cmd(struct members *m)
{
	pid_t pid;

	log_info("drain: running --drain-cmd: %s", m->cfg->drain_cmd);
	pid = shell_spawn(m->cfg->drain_cmd);
	if (pid < 0) {
		log_err("drain: cannot run --drain-cmd: %s; draining anyway",
			strerror(errno));
		m->drain = DRAIN_WAIT;
		m->drain_until = now_ms() + m->cfg->drain_wait_ms;
		return;
	}
	m->drain_pid = pid;
	m->drain = DRAIN_CMD;
}

void members_drain(struct members *m)
{
	if (m->drain != DRAIN_NONE) {
		log_info("drain: SIGUSR1 again: %s", m->drain == DRAIN_DONE ?
			 "this host is drained already" : "draining already");
		return;
	}
	log_info("drain: SIGUSR1: draining this host (%s)", m->cfg->host_id);
	if (m->cfg->drain_cmd[0]) {
		drain_start_cmd(m);
		return;
	}
	m->drain = DRAIN_WAIT;
	m->drain_until = now_ms() + m->cfg->drain_wait_ms;
	log_info("drain: no --drain-cmd; waiting %.1f s for packets in flight",
		 m->cfg->drain_wait_ms / 1000.0);
}

static void drain_cmd_done(struct members *m, int status)
{
	char how[32];

	if (shell_status(status, how, sizeof(how)))
		log_info("drain: --drain-cmd done (%s)", how);
	else
		log_warn("drain: --drain-cmd ended (%s); draining anyway", how);
	m->drain = DRAIN_WAIT;
	m->drain_until = now_ms() + m->cfg->drain_wait_ms;
	log_info("drain: waiting %.1f s for packets in flight",
		 m->cfg->drain_wait_ms / 1000.0);
}

static void drain_step(struct members *m, struct vgw_etcd *e)
{
	pid_t pid;
	int status;

	if (m->drain == DRAIN_CMD) {
		pid = waitpid(m->drain_pid, &status, WNOHANG);
		if (pid == m->drain_pid || (pid < 0 && errno != EINTR))
			drain_cmd_done(m, pid < 0 ? 0 : status);
	}
	if (m->drain != DRAIN_WAIT || now_ms() < m->drain_until)
		return;
	m->drain = DRAIN_DONE;
	members_leave(m, e);
	push_kernel(m, "drained", true);
	log_info("drain: done: %s is no member any more; the kernel hands its stateful flows to their owners; the tables stay until SIGTERM",
		 m->cfg->host_id);
}

uint64_t members_next(const struct members *m)
{
	if (!m->cfg->host_id[0] || m->drain == DRAIN_DONE)
		return UINT64_MAX;
	if (m->drain == DRAIN_CMD)
		return now_ms() + DRAIN_POLL_MS;
	if (m->drain == DRAIN_WAIT && m->drain_until < m->next_ms)
		return m->drain_until;
	return m->next_ms;
}

/* --- the live set -------------------------------------------------------------- */

/*
 * Members whose agents build another owner table than this one (another
 * build, another --backups): their kernels would disagree with this host's
 * on the flows' owners. Warned about whenever that list changes.
 */
static void check_tables(struct members *m)
{
	char own[VGW_MEMBER_TABLE_LEN], list[sizeof(m->other_tables)] = "";
	unsigned int i, n = 0;
	size_t len = 0;

	vgw_owner_table_name(VGW_OWNER_SIZE_DEFAULT, m->cfg->backups, own,
			     sizeof(own));
	for (i = 0; i < m->live.n; i++) {
		const struct vgw_cluster_member *x = &m->live.members[i];

		if (!strcmp(x->table, own))
			continue;
		n++;
		if (len + strlen(x->id) + strlen(x->table) + 24 < sizeof(list))
			len += (size_t)snprintf(list + len, sizeof(list) - len,
						"%s%s (%s)", len ? ", " : "", x->id,
						x->table[0] ? x->table : "not said: an older agent");
	}
	if (!strcmp(list, m->other_tables))
		return;
	snprintf(m->other_tables, sizeof(m->other_tables), "%s", list);
	if (n)
		log_warn("cluster: %u member%s build%s another owner table than this host's %s: %s; the kernels disagree on the flows' owners (give every host the same build and --backups)",
			 n, n == 1 ? "" : "s", n == 1 ? "s" : "", own, list);
	else
		log_info("cluster: every member builds the owner table %s", own);
}

void members_update(struct members *m, struct vgw_cluster *live,
		    const char *bad_value, int64_t rev)
{
	struct vgw_owner_table t;
	const char **ids;
	unsigned int i, n = live->n;
	uint64_t fp;

	vgw_cluster_free(&m->live);
	m->live = *live;
	m->live_known = true;
	memset(live, 0, sizeof(*live));
	if (strcmp(bad_value, m->bad_value) && bad_value[0])
		log_warn("members: %s (that member counts without an address)",
			 bad_value);
	snprintf(m->bad_value, sizeof(m->bad_value), "%s", bad_value);
	if (m->live.n)
		check_tables(m);
	if (m->cfg->host_id[0])
		push_kernel(m, "members changed", false);

	/*
	 * Our key vanished though the lease lives (deleted by hand): again.
	 * Only a view that includes our registration says so: the watch
	 * delivers the events before it (another host's join just before
	 * ours) after the registration returned.
	 */
	if (m->registered && rev >= m->reg_rev && !live_has_self(m) &&
	    m->drain != DRAIN_DONE) {
		log_warn("%s was deleted; joining again", m->key);
		m->registered = false;
		m->next_ms = 0;
	}
	if (!n) {
		if (m->fingerprint)
			log_info("owner table: no member left");
		m->fingerprint = 0;
		return;
	}
	ids = calloc(n, sizeof(*ids));
	for (i = 0; ids && i < n; i++)
		ids[i] = m->live.members[i].id;
	if (!ids || vgw_owner_build(ids, n, VGW_OWNER_SIZE_DEFAULT, &t) ||
	    vgw_owner_build_backups(&t, m->cfg->backups)) {
		log_err("owner table: cannot build it for %u members", n);
		free(ids);
		return;
	}
	free(ids);
	fp = vgw_owner_fingerprint(&t);
	if (fp != m->fingerprint) {
		log_table(m, &t, fp);
		if (m->cfg->owner_table[0])
			save_table(m, &t);
		m->fingerprint = fp;
	}
	vgw_owner_free(&t);
}

