// SPDX-License-Identifier: GPL-2.0
/*
 * One agent per network namespace. Two agents with different documents
 * would undo each other's changes at every check, for ever; so the second
 * one refuses to start, naming the first.
 *
 * The lock is a listening AF_UNIX socket bound to an abstract name. Abstract
 * names belong to the network namespace, so the lock is per namespace with
 * no file to create (or to leave behind): the kernel releases the name when
 * the process ends, however it ends. The agent that finds the name taken
 * connects to it and asks the kernel for the holder's pid (SO_PEERCRED).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "agent.h"

#define LOCK_NAME	"vnicgw-agent"

static socklen_t lock_addr(struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	/* sun_path[0] = '\0': abstract; the name follows, no NUL. */
	memcpy(sa->sun_path + 1, LOCK_NAME, strlen(LOCK_NAME));
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
			   strlen(LOCK_NAME));
}

/* The pid of the agent holding the lock, or 0 if it cannot be told. */
static pid_t holder(void)
{
	struct sockaddr_un sa;
	socklen_t len = lock_addr(&sa);
	struct ucred cred = { 0 };
	socklen_t clen = sizeof(cred);
	/* Non-blocking: a full backlog must not hang this agent. */
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return 0;
	if (connect(fd, (struct sockaddr *)&sa, len) ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen))
		cred.pid = 0;
	close(fd);
	return cred.pid;
}

int instance_lock(void)
{
	struct sockaddr_un sa;
	socklen_t len = lock_addr(&sa);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	pid_t pid;

	if (fd < 0) {
		log_err("lock socket: %s", strerror(errno));
		return -errno;
	}
	if (!bind(fd, (struct sockaddr *)&sa, len) && !listen(fd, 16))
		return fd;	/* kept open until exit */
	if (errno != EADDRINUSE) {
		log_err("lock @%s: %s", LOCK_NAME, strerror(errno));
		close(fd);
		return -errno;
	}
	close(fd);
	pid = holder();
	if (pid)
		log_err("another vnicgw-agent (pid %d) runs in this network namespace",
			(int)pid);
	else
		log_err("another vnicgw-agent runs in this network namespace");
	return -EADDRINUSE;
}
