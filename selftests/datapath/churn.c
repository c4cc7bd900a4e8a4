// SPDX-License-Identifier: GPL-2.0
/*
 * churn: applies desired-state documents one after the other, as fast as the
 * module takes them, from one process (a vnicctl per change would measure
 * process start-up in the VM, not the module).
 *
 *   churn [--while PID]... DOC...
 *	Parses every DOC first, then applies them in turn (DOC1, DOC2, ...,
 *	DOC1, ...) with the library behind `vnicctl apply`: each one a
 *	transaction of exactly what differs from the kernel's tables. Goes on
 *	while any PID lives (without --while: once through). Prints
 *	"applied N failed F in MS ms commits G" (G: how far the namespace's
 *	generation moved: one per transaction committed, by anyone); the first
 *	three refusals go to stderr.
 *	Exit status 0 if every change was accepted.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nlobj.h"
#include "state.h"
#include "vgw.h"

#define MAX_PIDS	16

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

static bool any_alive(const pid_t *pids, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!kill(pids[i], 0) || errno == EPERM)
			return true;
	return false;
}

int main(int argc, char **argv)
{
	pid_t pids[MAX_PIDS];
	struct vgw_doc **docs;
	const char **names;
	struct vgw_apply_stats st;
	struct vgw_client c;
	struct vgw_info info;
	uint64_t gen0;
	int n_pids = 0, n_docs = 0, i, err;
	unsigned long applied = 0, failed = 0;
	char msg[512];
	long t0;

	docs = calloc(argc, sizeof(*docs));
	names = calloc(argc, sizeof(*names));
	if (!docs || !names)
		return 1;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--while") && i + 1 < argc) {
			if (n_pids == MAX_PIDS)
				return 2;
			pids[n_pids++] = atoi(argv[++i]);
			continue;
		}
		if (vgw_doc_parse_file(argv[i], &docs[n_docs], msg, sizeof(msg))) {
			fprintf(stderr, "churn: %s\n", msg);
			return 2;
		}
		names[n_docs++] = argv[i];
	}
	if (!n_docs) {
		fprintf(stderr, "usage: churn [--while PID]... DOC...\n");
		return 2;
	}
	if (vgw_open(&c)) {
		fprintf(stderr, "churn: the module is not loaded\n");
		return 1;
	}
	if (vgw_get_info(&c, &info)) {
		fprintf(stderr, "churn: GET_INFO: %s\n", vgw_errmsg(&c, -1));
		return 1;
	}
	gen0 = info.generation;
	t0 = now_ms();
	do {
		for (i = 0; i < n_docs; i++) {
			err = vgw_apply_doc(&c, docs[i], 0, NULL, &st);
			applied++;
			if (err && ++failed <= 3)
				fprintf(stderr, "churn: %s: %s\n", names[i],
					vgw_errmsg(&c, err));
			if (n_pids && !any_alive(pids, n_pids))
				break;
		}
	} while (n_pids && any_alive(pids, n_pids));
	t0 = now_ms() - t0;
	if (vgw_get_info(&c, &info))
		info.generation = gen0;
	printf("applied %lu failed %lu in %ld ms commits %llu\n", applied,
	       failed, t0, (unsigned long long)(info.generation - gen0));
	vgw_close(&c);
	for (i = 0; i < n_docs; i++)
		vgw_doc_free(docs[i]);
	free(docs);
	free(names);
	return failed ? 1 : 0;
}
