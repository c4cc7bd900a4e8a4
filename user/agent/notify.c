// SPDX-License-Identifier: GPL-2.0
/*
 * sd_notify(3) without libsystemd: datagrams such as "READY=1" to the socket
 * named by $NOTIFY_SOCKET (Type=notify units). The socket is connected by
 * notify_init() before the agent enters another network namespace: an
 * abstract socket name ("@...") is looked up in the caller's namespace.
 *
 * The watchdog (WatchdogSec= in the unit): systemd passes the interval as
 * $WATCHDOG_USEC, and $WATCHDOG_PID names the process it is meant for (a
 * child that inherits the variables must not ping on its parent's behalf).
 * The event loop sends "WATCHDOG=1" every half interval (loop.c), so only a
 * loop that stops turning gets the agent restarted.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "agent.h"

static int notify_fd = -1;
static uint64_t watchdog_ms;	/* the ping period, 0: no watchdog */

/* $WATCHDOG_USEC (and $WATCHDOG_PID if set) as sd_watchdog_enabled(3). */
static void watchdog_init(void)
{
	const char *usec = getenv("WATCHDOG_USEC");
	const char *pid = getenv("WATCHDOG_PID");
	unsigned long long v;
	char *end;

	if (!usec || !*usec)
		return;
	if (pid && *pid) {
		errno = 0;
		v = strtoull(pid, &end, 10);
		if (errno || *end || v != (unsigned long long)getpid()) {
			log_debug("WATCHDOG_PID %s is not this process", pid);
			return;
		}
	}
	errno = 0;
	v = strtoull(usec, &end, 10);
	if (errno || *end || !v) {
		log_warn("WATCHDOG_USEC %s: not a positive number, no watchdog",
			 usec);
		return;
	}
	/* Half the interval, at least 1 ms. */
	watchdog_ms = v / 2000 ? v / 2000 : 1;
	log_debug("watchdog: a ping every %llu ms",
		  (unsigned long long)watchdog_ms);
}

uint64_t notify_watchdog_ms(void)
{
	return notify_fd < 0 ? 0 : watchdog_ms;
}

void notify_init(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len;

	watchdog_init();
	if (!path || (path[0] != '/' && path[0] != '@'))
		return;
	len = strlen(path);
	if (len >= sizeof(sa.sun_path))
		return;
	memcpy(sa.sun_path, path, len);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (notify_fd < 0)
		return;
	if (connect(notify_fd, (struct sockaddr *)&sa,
		    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len))) {
		log_debug("NOTIFY_SOCKET %s: cannot connect", path);
		close(notify_fd);
		notify_fd = -1;
	}
}

void notify_systemd(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (notify_fd < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (send(notify_fd, msg, strlen(msg), MSG_NOSIGNAL) < 0)
		log_debug("sd_notify %s: failed", msg);
}
