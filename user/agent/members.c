// SPDX-License-Identifier: GPL-2.0
/*
 * Membership: this host's key PREFIX/members/<host id> under a lease of
 * --member-ttl seconds, kept alive every third of it; and the flow owner
 * table (Maglev, user/lib/maglev.h) of the live set, which cluster.c hands
 * over whenever the member keys change.
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
 * one); the kernel will take it over netlink later.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "etcd.h"
#include "maglev.h"
#include "store.h"

#define RETRY_MS	1000

struct members {
	const struct agent_config *cfg;
	char key[VGW_STORE_KEY_MAX];
	int64_t lease;			/* 0: none */
	bool registered;		/* our key is in etcd */
	uint64_t next_ms;		/* next registration or keepalive */
	uint64_t fingerprint;		/* of the table last logged; 0: none */
	char last_err[512];
};

struct members *members_new(const struct agent_config *cfg)
{
	struct members *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->cfg = cfg;
	vgw_store_member_key(cfg->etcd_prefix, cfg->host_id, m->key);
	return m;
}

void members_free(struct members *m)
{
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

/* Create our key under our lease, unless someone holds it. */
static int register_key(struct members *m, struct vgw_etcd *e)
{
	struct vgw_etcd_txn *t = vgw_etcd_txn_new();
	char value[160];
	bool done = false;
	int ret;

	if (!t)
		return -ENOMEM;
	snprintf(value, sizeof(value), "{\"id\": \"%s\", \"pid\": %d}",
		 m->cfg->host_id, (int)getpid());
	ret = vgw_etcd_txn_if_mod(t, m->key, 0) ?:
	      vgw_etcd_txn_put(t, m->key, value, strlen(value), m->lease) ?:
	      vgw_etcd_txn_commit(e, t, &done, NULL);
	vgw_etcd_txn_free(t);
	if (ret)
		return ret;
	if (!done) {
		if (strcmp(m->last_err, "taken"))
			log_warn("host id %s is registered already (%s) by another agent, or by this host's previous run until its lease expires; retrying",
				 m->cfg->host_id, m->key);
		strcpy(m->last_err, "taken");
		return -EEXIST;
	}
	m->registered = true;
	m->last_err[0] = '\0';
	log_info("joined the cluster as %s (%s, lease %llx, TTL %u s)",
		 m->cfg->host_id, m->key, (unsigned long long)m->lease,
		 m->cfg->member_ttl_s);
	return 0;
}

/* Keep the lease; a lease that is gone means registering again. */
static int keepalive(struct members *m, struct vgw_etcd *e)
{
	int64_t ttl;
	int ret = vgw_etcd_lease_keepalive(e, m->lease, &ttl);

	if (ret)
		return ret;
	if (!ttl) {
		log_warn("lease %llx of %s expired (etcd unreachable for longer than %u s?); joining again",
			 (unsigned long long)m->lease, m->key, m->cfg->member_ttl_s);
		m->lease = 0;
		m->registered = false;
		return -EAGAIN;
	}
	if (m->last_err[0])
		log_info("etcd reachable again; %s kept its lease", m->key);
	m->last_err[0] = '\0';
	return 0;
}

uint64_t members_run(struct members *m, struct vgw_etcd *e)
{
	uint64_t now = now_ms(), period = m->cfg->member_ttl_s * 1000ULL / 3;
	int ret = 0;

	if (!m->cfg->host_id[0])
		return UINT64_MAX;
	if (now < m->next_ms)
		return m->next_ms;
	if (!m->lease) {
		ret = vgw_etcd_lease_grant(e, m->cfg->member_ttl_s, &m->lease);
		if (ret)
			report(m, "cannot get a lease", e);
	}
	if (!ret && !m->registered) {
		ret = register_key(m, e);
		if (ret && ret != -EEXIST)
			report(m, "cannot register", e);
	} else if (!ret) {
		ret = keepalive(m, e);
		if (ret && ret != -EAGAIN)
			report(m, "cannot keep the member lease alive", e);
	}
	m->next_ms = now + (ret == -EAGAIN ? 0 : ret ? RETRY_MS : period);
	return m->next_ms;
}

void members_leave(struct members *m, struct vgw_etcd *e)
{
	if (!m->lease)
		return;
	if (vgw_etcd_lease_revoke(e, m->lease))
		log_warn("cannot leave the cluster now (%s); %s goes when its lease expires",
			 vgw_etcd_error(e), m->key);
	else if (m->registered)
		log_info("left the cluster (%s removed)", m->key);
	m->lease = 0;
	m->registered = false;
}

/* The table as JSON: members, size, fingerprint, owner[] and backup[]. */
static int write_table(const struct vgw_maglev *t, const char *self,
		       FILE *f)
{
	const uint16_t *tabs[2] = { t->owner, t->backup };
	const char *names[2] = { "owner", "backup" };
	unsigned int i, k;

	fprintf(f, "{\"members\": [");
	for (i = 0; i < t->n; i++)
		fprintf(f, "%s\"%s\"", i ? ", " : "", t->ids[i]);
	fprintf(f, "],\n \"self\": \"%s\", \"size\": %u, \"fingerprint\": \"%016llx\"",
		self, t->size, (unsigned long long)vgw_maglev_fingerprint(t));
	for (k = 0; k < 2; k++) {
		fprintf(f, ",\n \"%s\": [", names[k]);
		for (i = 0; i < t->size; i++)
			fprintf(f, "%s%d", i ? (i % 32 ? "," : ",\n  ") : "",
				tabs[k][i] == VGW_MAGLEV_NONE ? -1 : tabs[k][i]);
		fprintf(f, "]");
	}
	fprintf(f, "}\n");
	return ferror(f) ? -EIO : 0;
}

static void save_table(const struct members *m, const struct vgw_maglev *t)
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
static void member_list(const struct vgw_maglev *t, char *buf, size_t len)
{
	unsigned int i;
	size_t k = 0;

	for (i = 0; i < t->n && k + 80 < len; i++)
		k += (size_t)snprintf(buf + k, len - k, "%s%s", i ? " " : "", t->ids[i]);
	if (i < t->n)
		snprintf(buf + k, len - k, " ... %u more", t->n - i);
}

static void log_table(const struct members *m, const struct vgw_maglev *t,
		      uint64_t fp)
{
	int self = m->cfg->host_id[0] ? vgw_maglev_find(t, m->cfg->host_id) : -1;
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

void members_update(struct members *m, const char *const *ids, unsigned int n)
{
	struct vgw_maglev t;
	unsigned int i;
	uint64_t fp;

	/* Our key vanished though the lease lives (deleted by hand): again. */
	for (i = 0; i < n && strcmp(ids[i], m->cfg->host_id); i++)
		;
	if (m->registered && i == n) {
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
	if (vgw_maglev_build(ids, n, VGW_MAGLEV_SIZE_DEFAULT, &t) ||
	    vgw_maglev_build_backup(&t)) {
		log_err("owner table: cannot build it for %u members", n);
		return;
	}
	fp = vgw_maglev_fingerprint(&t);
	if (fp != m->fingerprint) {
		log_table(m, &t, fp);
		if (m->cfg->owner_table[0])
			save_table(m, &t);
		m->fingerprint = fp;
	}
	vgw_maglev_free(&t);
}

uint64_t members_next(const struct members *m)
{
	return m->cfg->host_id[0] ? m->next_ms : UINT64_MAX;
}
