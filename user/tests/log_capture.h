/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The agent's log (stderr) of the calls between log_start() and log_end(),
 * read back, for the agent's unit tests. One capture at a time; log_end()
 * returns the text (up to 16 KiB), valid until the next capture.
 */
#ifndef VGW_TESTS_LOG_CAPTURE_H
#define VGW_TESTS_LOG_CAPTURE_H

#include <stdio.h>
#include <unistd.h>

static char logbuf[16384];
static int saved_fd = -1;
static FILE *capture;

static inline void log_start(void)
{
	fflush(stderr);
	capture = tmpfile();
	saved_fd = dup(2);
	dup2(fileno(capture), 2);
}

static inline const char *log_end(void)
{
	size_t n;

	fflush(stderr);
	dup2(saved_fd, 2);
	close(saved_fd);
	rewind(capture);
	n = fread(logbuf, 1, sizeof(logbuf) - 1, capture);
	logbuf[n] = '\0';
	fclose(capture);
	return logbuf;
}

#endif
