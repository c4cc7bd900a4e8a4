// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's membership (user/agent/members.c) against a scripted etcd:
 * the views of the member set that the watch delivers, in the order a
 * busy host sees them, and what the agent makes of them.
 *
 * The watch delivers events in revision order, but a host that registers
 * while another joins gets the other's event (an older revision) after its
 * own registration returned: a view without this host that is older than
 * its registration. Read as "our key was deleted", the agent gave up its
 * registration and, finding the key held (by its own lease, which its
 * keepalive thread kept alive), waited for ever: etcd listed the host, its
 * kernel was never told it was a member. The etcd calls are wrapped
 * (-Wl,--wrap): each returns what the test says, and counts its calls;
 * the keepalive thread and the kernel (sync.c) are stand-ins that record
 * what they were given.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "log_capture.h"
#include "agent.h"
#include "cluster_nl.h"
#include "etcd.h"

/* --- the scripted etcd ------------------------------------------------------ */

static struct {
	int64_t lease_next;		/* the id of the next grant */
	int grants, commits, gets, revokes;
	bool commit_done;		/* the txn's condition holds */
	int64_t commit_rev;		/* its revision */
	int64_t held_lease;		/* the key exists under this lease; 0: no */
	int64_t held_rev;
} etcd;

int __wrap_vgw_etcd_lease_grant(struct vgw_etcd *e, unsigned int ttl_s,
				int64_t *id)
{
	etcd.grants++;
	*id = etcd.lease_next++;
	return 0;
}

int __wrap_vgw_etcd_lease_revoke(struct vgw_etcd *e, int64_t id)
{
	etcd.revokes++;
	return 0;
}

int __wrap_vgw_etcd_txn_commit(struct vgw_etcd *e, const struct vgw_etcd_txn *t,
			       bool *done, int64_t *rev)
{
	etcd.commits++;
	*done = etcd.commit_done;
	if (rev)
		*rev = etcd.commit_rev;
	return 0;
}

int __wrap_vgw_etcd_get_prefix(struct vgw_etcd *e, const char *prefix,
			       struct vgw_etcd_kvs *out)
{
	memset(out, 0, sizeof(*out));
	etcd.gets++;
	if (!etcd.held_lease)
		return 0;
	out->kv = calloc(1, sizeof(*out->kv));
	out->kv[0].key = strdup(prefix);
	out->kv[0].key_len = strlen(prefix);
	out->kv[0].lease = etcd.held_lease;
	out->kv[0].mod_rev = etcd.held_rev;
	out->n = 1;
	return 0;
}

void __wrap_vgw_etcd_kvs_free(struct vgw_etcd_kvs *kvs)
{
	size_t i;

	for (i = 0; i < kvs->n; i++)
		free(kvs->kv[i].key);
	free(kvs->kv);
	memset(kvs, 0, sizeof(*kvs));
}

const char *__wrap_vgw_etcd_error(const struct vgw_etcd *e)
{
	return "scripted error";
}

/* --- the keepalive thread and the kernel, recorded -------------------------------- */

struct keepalive {
	int64_t id;
};
static struct keepalive ka_rec;

struct keepalive *keepalive_new(const struct agent_config *cfg, const char *key)
{
	memset(&ka_rec, 0, sizeof(ka_rec));
	return &ka_rec;
}
void keepalive_free(struct keepalive *ka) {}
int keepalive_fd(const struct keepalive *ka) { return -1; }
void keepalive_start(struct keepalive *ka, int64_t id) { ka->id = id; }
void keepalive_stop(struct keepalive *ka) { ka->id = 0; }
int64_t keepalive_lost(struct keepalive *ka) { return 0; }
uint64_t keepalive_last_ok(struct keepalive *ka) { return 0; }

static struct {
	int sets;
	char self[sizeof(((struct vgw_cluster *)0)->self)];
	unsigned int n;
} kernel;

void sync_set_cluster(struct sync *s, struct vgw_cluster *cl, uint64_t fp,
		      const char *why)
{
	kernel.sets++;
	snprintf(kernel.self, sizeof(kernel.self), "%s", cl->self);
	kernel.n = cl->n;
	vgw_cluster_free(cl);
}
bool sync_cluster_sent(const struct sync *s) { return true; }


/* --- views ------------------------------------------------------------------------ */

/* The members IDS ("h1 h9"), each at 10.0.0.N, as the watch's copy has them. */
static void view(struct members *m, const char *ids, int64_t rev)
{
	struct vgw_cluster live = { 0 };
	char copy[128], *id, *save = NULL;
	struct vgw_addr a;
	int i = 1;

	snprintf(copy, sizeof(copy), "%s", ids);
	for (id = strtok_r(copy, " ", &save); id; id = strtok_r(NULL, " ", &save)) {
		char s[32];

		snprintf(s, sizeof(s), "10.0.0.%d", i++);
		vgw_addr_parse(s, &a);
		vgw_cluster_add(&live, id, &a);
	}
	members_update(m, &live, "", rev);
}

/* A fake client: members.c hands it to the wrapped calls only. */
static struct vgw_etcd *const E = (struct vgw_etcd *)&etcd;

FIXTURE(members) {
	struct agent_config cfg;
	struct keys *keys;
	struct members *m;
};

FIXTURE_SETUP(members)
{
	log_init(LOG_INFO);
	memset(&etcd, 0, sizeof(etcd));
	memset(&kernel, 0, sizeof(kernel));
	etcd.lease_next = 77;
	etcd.commit_done = true;
	etcd.commit_rev = 10;
	config_defaults(&self->cfg);
	strcpy(self->cfg.host_id, "h1");
	strcpy(self->cfg.underlay, "10.0.0.1");
	self->cfg.cluster_auth = false;
	self->keys = keys_new(&self->cfg);
	ASSERT_NE(NULL, self->keys);
	self->m = members_new(&self->cfg, NULL, self->keys);
	ASSERT_NE(NULL, self->m);
	/* The first read: nobody yet. Then the join (revision 10). */
	log_start();
	view(self->m, "", 5);
	members_run(self->m, E);
	log_end();
	ASSERT_NE(NULL, strstr(logbuf, "joined the cluster as h1")) TH_LOG("%s", logbuf);
	ASSERT_EQ(1, etcd.grants);
	ASSERT_EQ(1, etcd.commits);
	ASSERT_EQ(77, ka_rec.id);
}

FIXTURE_TEARDOWN(members)
{
	members_free(self->m);
	keys_free(self->keys);
}

TEST_F(members, a_view_older_than_the_registration_is_not_a_deletion)
{
	/* h9 joined at revision 9: delivered after our registration (10). */
	log_start();
	view(self->m, "h9", 9);
	EXPECT_EQ(UINT64_MAX, members_run(self->m, E));
	log_end();
	EXPECT_EQ(NULL, strstr(logbuf, "was deleted")) TH_LOG("%s", logbuf);
	EXPECT_EQ(1, etcd.commits);
	EXPECT_EQ(1, etcd.grants);
	/* ... then our own event: the kernel learns it is a member. */
	log_start();
	view(self->m, "h1 h9", 10);
	log_end();
	EXPECT_STREQ("h1", kernel.self);
	EXPECT_EQ(2, kernel.n);
}

TEST_F(members, a_view_without_us_after_the_registration_is_a_deletion)
{
	view(self->m, "h1 h9", 10);
	EXPECT_STREQ("h1", kernel.self);
	/* Deleted by hand at revision 12: put back, under the same lease. */
	etcd.commit_rev = 13;
	log_start();
	view(self->m, "h9", 12);
	members_run(self->m, E);
	log_end();
	EXPECT_NE(NULL, strstr(logbuf, "/members/h1 was deleted; joining again")) TH_LOG("%s", logbuf);
	EXPECT_EQ(2, etcd.commits);
	EXPECT_EQ(1, etcd.grants);
	EXPECT_EQ(77, ka_rec.id);
	/* While it was away the kernel had no self; back with the key. */
	EXPECT_STREQ("", kernel.self);
	view(self->m, "h1 h9", 13);
	EXPECT_STREQ("h1", kernel.self);
}

TEST_F(members, a_key_held_by_our_own_lease_is_our_registration)
{
	/*
	 * Deleted at 12 (the watch says so), and put back by our own
	 * lease meanwhile (at 14, a write this agent did not see answered):
	 * the conditional create fails, the key is ours, not another's.
	 */
	view(self->m, "h1", 10);
	etcd.commit_done = false;
	etcd.held_lease = 77;
	etcd.held_rev = 14;
	log_start();
	view(self->m, "", 12);
	EXPECT_EQ(UINT64_MAX, members_run(self->m, E));
	log_end();
	EXPECT_NE(NULL, strstr(logbuf, "held by this agent's lease 4d already: registered")) TH_LOG("%s", logbuf);
	EXPECT_EQ(NULL, strstr(logbuf, "registered already")) TH_LOG("%s", logbuf);
	EXPECT_EQ(1, etcd.gets);
	/* A view older than that (13) is no deletion either. */
	log_start();
	view(self->m, "", 13);
	log_end();
	EXPECT_EQ(NULL, strstr(logbuf, "was deleted")) TH_LOG("%s", logbuf);
}

TEST_F(members, a_key_held_by_another_lease_is_waited_for)
{
	view(self->m, "h1", 10);
	etcd.commit_done = false;
	etcd.held_lease = 55;	/* this host's previous run, say */
	log_start();
	view(self->m, "", 12);
	EXPECT_NE(UINT64_MAX, members_run(self->m, E));
	log_end();
	EXPECT_NE(NULL, strstr(logbuf, "registered already")) TH_LOG("%s", logbuf);
	EXPECT_STREQ("", kernel.self);
}

TEST_HARNESS_MAIN
