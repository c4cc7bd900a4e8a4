// SPDX-License-Identifier: GPL-2.0
/*
 * The operator's commands (--drain-cmd, --announce-cmd, --withdraw-cmd):
 * run with /bin/sh -c in a child, never waited for by the loop (each user
 * reaps its own pid with WNOHANG), and how each one ended, for the log.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent.h"

pid_t shell_spawn(const char *cmd)
{
	sigset_t none;
	pid_t pid = fork();

	if (pid == 0) {
		/* The agent blocks its signals for the signalfd: not the command. */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	return pid;
}

bool shell_status(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exit %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "signal %d", WTERMSIG(status));
	else
		snprintf(buf, len, "status %#x", status);
	return WIFEXITED(status) && !WEXITSTATUS(status);
}
