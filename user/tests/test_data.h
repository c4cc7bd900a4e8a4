/* SPDX-License-Identifier: GPL-2.0 */
/* Host unit tests: where the test documents are. */
#ifndef VGW_TEST_DATA_H
#define VGW_TEST_DATA_H

#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

/* user/tests/data, found from build/tests/<this binary>. */
static const char *data_path(const char *name)
{
	static char path[PATH_MAX + 64];
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return name;
	exe[n] = '\0';
	snprintf(path, sizeof(path), "%s/../../user/tests/data/%s",
		 dirname(exe), name);
	if (access(path, R_OK))
		snprintf(path, sizeof(path), "user/tests/data/%s", name);
	return path;
}

#endif /* VGW_TEST_DATA_H */
