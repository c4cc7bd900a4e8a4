// SPDX-License-Identifier: GPL-2.0
/*
 * harness.c - the steering program under BPF_PROG_TEST_RUN. See harness.h
 * for how the chosen CPU is observed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "harness.h"
#include "steer.skel.h"

#define CPUMAP_QSIZE	192

int harness_open(struct harness *h)
{
	__u32 max;
	int err;

	memset(h, 0, sizeof(*h));
	h->n_possible = libbpf_num_possible_cpus();
	if (h->n_possible < 1)
		return h->n_possible < 0 ? h->n_possible : -EINVAL;
	h->skel = steer__open_and_load();
	if (!h->skel)
		return -errno;
	h->prog_fd = bpf_program__fd(h->skel->progs.vgw_steer);
	h->config_fd = bpf_map__fd(h->skel->maps.steer_config);
	h->counters_fd = bpf_map__fd(h->skel->maps.steer_counters);
	max = bpf_map__max_entries(h->skel->maps.cpu_map);
	h->live_cpu = 0;
	h->dead_cpu = max - 1;
	err = harness_cpumap_set(h, h->live_cpu, 0);
	if (err) {
		harness_close(h);
		return err;
	}
	return 0;
}

void harness_close(struct harness *h)
{
	steer__destroy(h->skel);
	h->skel = NULL;
}

int harness_cpumap_set(struct harness *h, __u32 cpu, int prog_fd)
{
	struct bpf_cpumap_val val = { .qsize = CPUMAP_QSIZE, .bpf_prog.fd = prog_fd };
	int fd = bpf_map__fd(h->skel->maps.cpu_map), err;

	if (prog_fd < 0)
		err = bpf_map_delete_elem(fd, &cpu);
	else
		err = bpf_map_update_elem(fd, &cpu, &val, 0);
	return err ? -errno : 0;
}

int harness_run_live(struct harness *h, const void *data, __u32 len)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = data,
		.data_size_in = len,
		.repeat = 1,
		.flags = BPF_F_TEST_XDP_LIVE_FRAMES,
	);

	return bpf_prog_test_run_opts(h->prog_fd, &opts) ? -errno : 0;
}

int harness_config(struct harness *h, __u32 n, const __u32 *cpus)
{
	struct vgw_steer_config cfg = { .n_cpus = n };
	__u32 zero = 0, i;

	for (i = 0; i < n && i < VGW_STEER_MAX_CPUS; i++)
		cfg.cpus[i] = cpus[i];
	return bpf_map_update_elem(h->config_fd, &zero, &cfg, 0) ? -errno : 0;
}

int harness_config_live_slot(struct harness *h, __u32 n, int live_slot)
{
	__u32 cpus[VGW_STEER_MAX_CPUS], i;

	for (i = 0; i < VGW_STEER_MAX_CPUS; i++)
		cpus[i] = (live_slot == (int)n || (int)i == live_slot) ? h->live_cpu : h->dead_cpu;
	return harness_config(h, n, cpus);
}

int harness_bench(struct harness *h, const void *data, __u32 len, __u32 repeat,
		  __u32 *ns, __u32 *action)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = data,
		.data_size_in = len,
		.repeat = repeat,
	);

	if (bpf_prog_test_run_opts(h->prog_fd, &opts))
		return -errno;
	*action = opts.retval;
	if (ns)
		*ns = opts.duration;
	return 0;
}

int harness_run(struct harness *h, const void *data, __u32 len, __u32 *action)
{
	return harness_bench(h, data, len, 1, NULL, action);
}

int harness_counters(struct harness *h, __u64 out[VGW_STEER_NR_COUNTERS])
{
	__u64 *vals = calloc(h->n_possible, sizeof(*vals));
	__u32 id;
	int i;

	if (!vals)
		return -ENOMEM;
	for (id = 0; id < VGW_STEER_NR_COUNTERS; id++) {
		if (bpf_map_lookup_elem(h->counters_fd, &id, vals)) {
			free(vals);
			return -errno;
		}
		out[id] = 0;
		for (i = 0; i < h->n_possible; i++)
			out[id] += vals[i];
	}
	free(vals);
	return 0;
}
