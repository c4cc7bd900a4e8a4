/* SPDX-License-Identifier: GPL-2.0 */
/*
 * harness.h - load the steering program natively and run packets through it
 * with BPF_PROG_TEST_RUN (bpf_prog_test_run_opts), as root.
 *
 * How a test sees which CPU was chosen, with the production program as is:
 * under BPF_PROG_TEST_RUN without BPF_F_TEST_XDP_LIVE_FRAMES the kernel runs
 * the program and reports the action it returned, without performing the
 * redirect; bpf_redirect_map() still looks the key up in the cpumap and
 * returns XDP_REDIRECT only if that CPU has an entry (else its flags' action,
 * XDP_PASS). The harness gives exactly one CPU an entry (the "live" CPU, 0)
 * and leaves another key empty (the "dead" one): a test that wants to know
 * whether slot S was chosen configures cpus[S] = live and every other slot
 * dead, and gets XDP_REDIRECT if and only if the program picked S.
 */
#ifndef _VGW_TEST_HARNESS_H
#define _VGW_TEST_HARNESS_H

#include <linux/types.h>
#include "steer.h"

struct steer;

struct harness {
	struct steer *skel;
	int prog_fd;
	int config_fd;
	int counters_fd;
	int n_possible;		/* possible CPUs: per-CPU value count */
	__u32 live_cpu;		/* cpumap key with an entry */
	__u32 dead_cpu;		/* cpumap key without one */
};

/* Load the program and give live_cpu a cpumap entry. 0 or -errno. */
int harness_open(struct harness *h);
void harness_close(struct harness *h);

/* Write the configuration: @n CPUs @cpus (n may exceed the array: tests). */
int harness_config(struct harness *h, __u32 n, const __u32 *cpus);

/* Configure @n slots, all dead but @live_slot (-1: none, n: all live). */
int harness_config_live_slot(struct harness *h, __u32 n, int live_slot);

/* Run one packet; *action = the XDP action returned. 0 or -errno. */
int harness_run(struct harness *h, const void *data, __u32 len, __u32 *action);

/* Run @repeat times; *ns = kernel-measured average ns per run. */
int harness_bench(struct harness *h, const void *data, __u32 len, __u32 repeat,
		  __u32 *ns, __u32 *action);

/*
 * Give cpumap key @cpu an entry whose cpumap program is @prog_fd (0: none),
 * or remove it (@prog_fd < 0). 0 or -errno.
 */
int harness_cpumap_set(struct harness *h, __u32 cpu, int prog_fd);

/*
 * Run one packet with BPF_F_TEST_XDP_LIVE_FRAMES: a redirect is performed
 * for real, into the cpumap, and the frame reaches the target CPU's cpumap
 * kthread asynchronously. 0 or -errno.
 */
int harness_run_live(struct harness *h, const void *data, __u32 len);

/* Sum the per-CPU counters into @out. 0 or -errno. */
int harness_counters(struct harness *h, __u64 out[VGW_STEER_NR_COUNTERS]);

#endif /* _VGW_TEST_HARNESS_H */
