// SPDX-License-Identifier: GPL-2.0
/*
 * The member lease's keepalive, on a thread of its own (issue 14).
 *
 * The event loop runs steps that take seconds on a big or CPU-starved
 * host: an apply (a dump of the kernel's tables, a diff and a transaction
 * of 100k objects), CLUSTER_SET (the kernel builds its owner table and
 * hands connection state over), the owner table built in userspace (twice
 * per change of the members), a read of every key under the prefix (each
 * etcd call up to CALL_TIMEOUT_MS per endpoint), the document
 * reassembled and validated after a watch batch, a flow log interval's
 * connection dump, a metrics scrape (1 s to read, 5 s to write). When the
 * keepalive was one more step of that loop it waited behind them, and
 * leases of a few seconds expired while etcd was up: the member set
 * flapped. So the keepalive never waits for the loop: this thread sends
 * it every third of the TTL, over an etcd client of its own (a libcurl
 * handle must not be used by two threads at once; curl_global_init() was
 * done by the loop's client, opened before this thread starts), and does
 * nothing else.
 *
 * What the two threads share, under ka->lock: the lease to keep (0: none)
 * with a generation that moves whenever that changes, when the next
 * keepalive is due, the lease found gone, and the stop flag. Everything
 * else stays the loop's (members.c): granting the lease, registering the
 * key, revoking the lease, joining again.
 *
 * A lease found gone (its TTL ran out while etcd was away, or someone
 * revoked it) is forgotten here and handed to the loop through an eventfd
 * in its poll set; the loop joins again with a new one.
 *
 * Leaving does not race with this thread: keepalive_stop() clears the
 * lease (a new generation) under the lock before the loop revokes it, and
 * a keepalive that was in flight then ends with an answer the thread
 * drops, since the generation it was sent for is not the current one. So
 * a revoke never reads as "the lease expired, join again"; once
 * keepalive_stop() returned, that one call in flight is the last one for
 * the lease.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "etcd.h"
#include "store.h"

#define RETRY_MS	1000	/* after a failed keepalive, at most */
/*
 * One keepalive gives up after this long, as the loop's etcd calls do: a
 * dead endpoint costs little, a loaded etcd's slow answer still counts.
 */
#define CALL_TIMEOUT_MS	2000

struct keepalive {
	const struct agent_config *cfg;
	char key[VGW_STORE_KEY_MAX];	/* the member key, for the log */
	struct vgw_etcd *etcd;		/* this thread's own client */
	int efd;			/* readable: a lease was found gone */
	pthread_t thread;
	bool started;

	pthread_mutex_t lock;		/* the fields below */
	pthread_cond_t cond;		/* they changed */
	int64_t id;			/* the lease to keep; 0: none */
	uint64_t gen;			/* moves whenever id changes */
	uint64_t due_ms;		/* the next keepalive */
	int64_t lost;			/* found gone, for the loop; 0: none */
	uint64_t last_ok;		/* etcd answered a keepalive then */
	bool stop;

	char last_err[512];		/* the thread's alone */
};

/* Wait for a change, or until the next keepalive is due (lock held). */
static void wait_locked(struct keepalive *ka)
{
	struct timespec ts;

	if (!ka->id) {
		pthread_cond_wait(&ka->cond, &ka->lock);
		return;
	}
	/* The condition variable's clock is CLOCK_MONOTONIC, as now_ms(). */
	ts.tv_sec = (time_t)(ka->due_ms / 1000);
	ts.tv_nsec = (long)(ka->due_ms % 1000) * 1000000;
	pthread_cond_timedwait(&ka->cond, &ka->lock, &ts);
}

/* An error: logged when new, at debug level when repeated. */
static void report(struct keepalive *ka)
{
	char msg[sizeof(ka->last_err)];

	snprintf(msg, sizeof(msg), "cannot keep the member lease alive: %s",
		 vgw_etcd_error(ka->etcd));
	if (strcmp(msg, ka->last_err))
		log_warn("%s", msg);
	else
		log_debug("still: %s", msg);
	snprintf(ka->last_err, sizeof(ka->last_err), "%s", msg);
}

static void *run(void *arg)
{
	struct keepalive *ka = arg;
	uint64_t period = ka->cfg->member_ttl_s * 1000ULL / 3, gen;
	uint64_t retry = period < RETRY_MS ? period : RETRY_MS;
	int64_t id, ttl;
	bool current, gone;
	int ret;

	for (;;) {
		pthread_mutex_lock(&ka->lock);
		while (!ka->stop && (!ka->id || now_ms() < ka->due_ms))
			wait_locked(ka);
		id = ka->id;
		gen = ka->gen;
		if (ka->stop) {
			pthread_mutex_unlock(&ka->lock);
			break;
		}
		pthread_mutex_unlock(&ka->lock);

		ttl = 0;
		ret = vgw_etcd_lease_keepalive(ka->etcd, id, &ttl);
		/*
		 * Gone: etcd answers a lease it does not know with TTL 0
		 * (-ENOENT is the same news, should a version say it so).
		 */
		gone = (!ret && !ttl) || ret == -ENOENT;

		pthread_mutex_lock(&ka->lock);
		/* The loop left or joined again meanwhile: not our news. */
		current = ka->gen == gen;
		if (!ret)
			ka->last_ok = now_ms();
		if (current) {
			ka->due_ms = now_ms() + (gone ? 0 : ret ? retry : period);
			if (gone) {
				ka->id = 0;
				ka->gen++;
				ka->lost = id;
			}
		}
		pthread_mutex_unlock(&ka->lock);
		if (!current)
			continue;

		if (gone) {
			log_warn("lease %llx of %s expired (etcd unreachable for longer than %u s?); joining again",
				 (unsigned long long)id, ka->key, ka->cfg->member_ttl_s);
			ka->last_err[0] = '\0';
			if (eventfd_write(ka->efd, 1))
				log_err("keepalive: eventfd: %s", strerror(errno));
		} else if (ret) {
			report(ka);
		} else {
			if (ka->last_err[0])
				log_info("etcd reachable again; %s kept its lease", ka->key);
			ka->last_err[0] = '\0';
			log_debug("lease %llx kept (TTL %lld s)",
				  (unsigned long long)id, (long long)ttl);
		}
	}
	return NULL;
}

struct keepalive *keepalive_new(const struct agent_config *cfg,
				const char *key)
{
	struct keepalive *ka = calloc(1, sizeof(*ka));
	pthread_condattr_t ca;
	sigset_t all, old;
	char err[512];
	int ret;

	if (!ka) {
		log_err("keepalive: out of memory");
		return NULL;
	}
	ka->cfg = cfg;
	ka->efd = -1;
	snprintf(ka->key, sizeof(ka->key), "%s", key);
	pthread_mutex_init(&ka->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&ka->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (vgw_etcd_open_config(&cfg->etcd, &ka->etcd, err, sizeof(err))) {
		log_err("%s", err);
		keepalive_free(ka);
		return NULL;
	}
	vgw_etcd_set_timeout(ka->etcd, CALL_TIMEOUT_MS);
	ka->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (ka->efd < 0) {
		log_err("keepalive: eventfd: %s", strerror(errno));
		keepalive_free(ka);
		return NULL;
	}
	/*
	 * Every signal blocked in the thread (it inherits the mask at
	 * creation): SIGTERM and the others go to the loop's signalfd, and a
	 * default action never runs on this thread.
	 */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = pthread_create(&ka->thread, NULL, run, ka);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret) {
		log_err("keepalive: cannot start its thread: %s", strerror(ret));
		keepalive_free(ka);
		return NULL;
	}
	ka->started = true;
	return ka;
}

void keepalive_free(struct keepalive *ka)
{
	if (!ka)
		return;
	if (ka->started) {
		pthread_mutex_lock(&ka->lock);
		ka->stop = true;
		pthread_cond_signal(&ka->cond);
		pthread_mutex_unlock(&ka->lock);
		/* At most one keepalive in flight: CALL_TIMEOUT_MS. */
		pthread_join(ka->thread, NULL);
	}
	if (ka->efd >= 0)
		close(ka->efd);
	vgw_etcd_close(ka->etcd);
	pthread_cond_destroy(&ka->cond);
	pthread_mutex_destroy(&ka->lock);
	free(ka);
}

int keepalive_fd(const struct keepalive *ka)
{
	return ka ? ka->efd : -1;
}

void keepalive_start(struct keepalive *ka, int64_t id)
{
	if (!ka)
		return;
	pthread_mutex_lock(&ka->lock);
	ka->id = id;
	ka->gen++;
	ka->due_ms = now_ms() + ka->cfg->member_ttl_s * 1000ULL / 3;
	ka->lost = 0;
	pthread_cond_signal(&ka->cond);
	pthread_mutex_unlock(&ka->lock);
}

void keepalive_stop(struct keepalive *ka)
{
	if (!ka)
		return;
	pthread_mutex_lock(&ka->lock);
	ka->id = 0;
	ka->gen++;
	ka->lost = 0;
	pthread_mutex_unlock(&ka->lock);
}

uint64_t keepalive_last_ok(struct keepalive *ka)
{
	uint64_t t;

	if (!ka)
		return 0;
	pthread_mutex_lock(&ka->lock);
	t = ka->last_ok;
	pthread_mutex_unlock(&ka->lock);
	return t;
}

int64_t keepalive_lost(struct keepalive *ka)
{
	eventfd_t n;
	int64_t id;

	if (!ka || eventfd_read(ka->efd, &n))
		return 0;	/* nothing new (EAGAIN) */
	pthread_mutex_lock(&ka->lock);
	id = ka->lost;
	ka->lost = 0;
	pthread_mutex_unlock(&ka->lock);
	return id;
}
