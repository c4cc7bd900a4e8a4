// SPDX-License-Identifier: GPL-2.0
/*
 * Log lines on stderr, one per event, with a level. On a terminal or a file:
 * "2024-05-01T12:00:00.123 info: + vnic vnic-a1". Under systemd (stderr is
 * the journal: $JOURNAL_STREAM names it) the journal stamps the time itself,
 * so a line is "<6>+ vnic vnic-a1", the prefix giving the syslog priority.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "agent.h"

static enum log_level max_level = LOG_INFO;
static bool to_journal;

static const struct {
	const char *name;
	int prio;	/* syslog(3) priority */
} levels[] = {
	[LOG_ERR] = { "error", 3 },
	[LOG_WARN] = { "warn", 4 },
	[LOG_INFO] = { "info", 6 },
	[LOG_DEBUG] = { "debug", 7 },
};

/* Whether stderr is the stream $JOURNAL_STREAM ("DEV:INODE") names. */
static bool stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2)
		return false;
	if (fstat(fileno(stderr), &st))
		return false;
	return st.st_dev == dev && st.st_ino == ino;
}

void log_init(enum log_level level)
{
	max_level = level;
	to_journal = stderr_is_journal();
	/* One line, one write: lines of concurrent writers never mix. */
	setvbuf(stderr, NULL, _IOLBF, 0);
}

bool log_enabled(enum log_level level)
{
	return level <= max_level;
}

const char *log_level_name(enum log_level level)
{
	return levels[level].name;
}

int log_level_parse(const char *s, enum log_level *level)
{
	unsigned int l;

	for (l = 0; l < sizeof(levels) / sizeof(levels[0]); l++) {
		if (!strcmp(s, levels[l].name)) {
			*level = (enum log_level)l;
			return 0;
		}
	}
	return -1;
}

static void stamp(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%03ld", ts.tv_nsec / 1000000);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	char msg[1024], ts[40];
	va_list ap;

	if (!log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (to_journal) {
		fprintf(stderr, "<%d>%s\n", levels[level].prio, msg);
		return;
	}
	stamp(ts, sizeof(ts));
	fprintf(stderr, "%s %s: %s\n", ts, levels[level].name, msg);
}

void log_lines(enum log_level level, const char *prefix, const char *text)
{
	const char *nl;
	int len;

	for (; text && *text; text = nl ? nl + 1 : NULL) {
		nl = strchr(text, '\n');
		len = nl ? (int)(nl - text) : (int)strlen(text);
		if (len)
			log_msg(level, "%s%.*s", prefix, len, text);
	}
}

uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}
