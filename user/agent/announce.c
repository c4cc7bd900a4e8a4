// SPDX-License-Identifier: GPL-2.0
/*
 * The announcement of this host's VIPs, driven by its health (issue 14):
 * --announce-cmd runs when the host becomes healthy, --withdraw-cmd when it
 * stops being so, each with /bin/sh -c (e.g. "birdc enable vips" and
 * "birdc disable vips": BIRD's static protocol of the VIP prefix, which
 * BGP announces to the TOR).
 *
 * Healthy means every one of these (loop.c asks sync.c, steer.c and
 * cluster.c; the first that fails is the reason logged):
 *   - the module is loaded and answers;
 *   - the link (--link) exists and is up;
 *   - the document in force is applied (no apply failing);
 *   - the XDP steering program is attached to every --xdp-if;
 *   - in a cluster: etcd answered within --etcd-lost-after, this host is
 *     a registered member, its kernel has the member set, and it is not
 *     draining.
 *
 * The agent knows nothing of the routes before it starts, so until the
 * first health it has seen is carried out it counts neither state: the
 * first evaluation runs one of the commands, whichever the health says
 * (so an agent restarted on a broken host withdraws what a previous run
 * announced). After that a command runs only when the health changes.
 *
 * A command never blocks the loop: it runs in a child, reaped at each
 * turn (every POLL_MS while one runs). One runs at a time; if the health
 * changed meanwhile, the other follows when it ends. A command that fails
 * (exit status not 0, a signal, no shell) is logged and tried again every
 * RETRY_MS while the health stays the same: a BIRD that was not running
 * yet takes the order once it is.
 *
 * SIGTERM does not withdraw: the tables stay and the host goes on
 * forwarding without its agent (an agent's upgrade is no outage); a host
 * that goes down loses its BGP session, and the TOR its routes, anyway.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent.h"

#define POLL_MS		50	/* a command running: reaped this often */
#define RETRY_MS	5000	/* a command failed: tried again after */

enum ann_state { ANN_UNKNOWN, ANN_ANNOUNCED, ANN_WITHDRAWN };

struct announce {
	const struct agent_config *cfg;
	enum ann_state done;		/* carried out last */
	enum ann_state running;		/* the command running (pid) */
	pid_t pid;
	uint64_t retry_at;		/* after a failure ... */
	enum ann_state retry_for;	/* ... of this command */
	char why[256];			/* the health last seen ("": healthy) */
};

struct announce *announce_new(const struct agent_config *cfg)
{
	struct announce *a;

	if (!cfg->announce_cmd[0])
		return NULL;
	a = calloc(1, sizeof(*a));
	if (!a) {
		log_err("announce: out of memory");
		return NULL;
	}
	a->cfg = cfg;
	strcpy(a->why, "starting");
	log_info("announce: the VIPs follow this host's health (--announce-cmd, --withdraw-cmd)");
	return a;
}

void announce_free(struct announce *a)
{
	if (!a)
		return;
	/* A command still running finishes on its own; not waited for. */
	free(a);
}

static const char *state_name(enum ann_state s)
{
	return s == ANN_ANNOUNCED ? "announce" : "withdraw";
}

static void start(struct announce *a, enum ann_state want)
{
	const char *cmd = want == ANN_ANNOUNCED ? a->cfg->announce_cmd :
						  a->cfg->withdraw_cmd;
	pid_t pid;

	if (want == ANN_ANNOUNCED)
		log_info("announce: this host is healthy: running --announce-cmd: %s", cmd);
	else
		log_info("announce: this host is not healthy (%s): running --withdraw-cmd: %s",
			 a->why, cmd);
	pid = shell_spawn(cmd);
	if (pid < 0) {
		log_err("announce: cannot run --%s-cmd: %s; trying again in %u s",
			state_name(want), strerror(errno), RETRY_MS / 1000);
		a->retry_at = now_ms() + RETRY_MS;
		a->retry_for = want;
		return;
	}
	a->pid = pid;
	a->running = want;
}

static void reap(struct announce *a)
{
	int status;
	pid_t pid = waitpid(a->pid, &status, WNOHANG);
	char how[32];

	if (pid == 0 || (pid < 0 && errno == EINTR))
		return;
	a->pid = 0;
	if (pid < 0)
		snprintf(how, sizeof(how), "%s", strerror(errno));
	else if (shell_status(status, how, sizeof(how))) {
		log_info("announce: --%s-cmd done (%s)", state_name(a->running), how);
		a->done = a->running;
		a->retry_at = 0;
		return;
	}
	log_warn("announce: --%s-cmd ended (%s); trying again in %u s",
		 state_name(a->running), how, RETRY_MS / 1000);
	a->retry_at = now_ms() + RETRY_MS;
	a->retry_for = a->running;
}

uint64_t announce_update(struct announce *a, const char *why_not)
{
	enum ann_state want = why_not[0] ? ANN_WITHDRAWN : ANN_ANNOUNCED;

	if (!a)
		return UINT64_MAX;
	if (strcmp(why_not, a->why)) {
		/* Another reason while unhealthy: said, nothing to run. */
		if (why_not[0] && a->why[0] && a->done == ANN_WITHDRAWN)
			log_info("announce: still not healthy: %s", why_not);
		snprintf(a->why, sizeof(a->why), "%s", why_not);
	}
	if (a->pid)
		reap(a);
	if (a->pid)
		return now_ms() + POLL_MS;
	if (want == a->done)
		return UINT64_MAX;
	/* The command that failed waits; the other one does not. */
	if (a->retry_at && want == a->retry_for && now_ms() < a->retry_at)
		return a->retry_at;
	start(a, want);
	return a->pid ? now_ms() + POLL_MS : a->retry_at;
}

bool announce_announced(const struct announce *a)
{
	return a && a->done == ANN_ANNOUNCED;
}
