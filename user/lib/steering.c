// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "steering.h"

static int read_map(int fd, struct vgw_steering *s)
{
	uint64_t values[VGW_STEERING_MAX_CPUS];
	int ncpu = libbpf_num_possible_cpus();
	uint32_t key;
	int c;

	if (ncpu <= 0 || ncpu > VGW_STEERING_MAX_CPUS)
		return -ERANGE;
	s->n_cpus = ncpu;
	for (key = 0; key < VGW_STEER_NR_COUNTERS; key++) {
		if (bpf_map_lookup_elem(fd, &key, values))
			return -errno;
		for (c = 0; c < ncpu; c++)
			s->count[key][c] = values[c];
	}
	return 0;
}

int vgw_steering_read(struct vgw_steering *out, unsigned int max)
{
	struct bpf_map_info info;
	uint32_t id = 0, len;
	unsigned int n = 0;
	int fd, err;

	while (n < max && !bpf_map_get_next_id(id, &id)) {
		fd = bpf_map_get_fd_by_id(id);
		if (fd < 0)
			continue;	/* gone meanwhile */
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) &&
		    !strcmp(info.name, "steer_counters") &&
		    info.type == BPF_MAP_TYPE_PERCPU_ARRAY) {
			out[n].map_id = id;
			err = read_map(fd, &out[n]);
			if (!err)
				n++;
		}
		close(fd);
	}
	if (!n && errno == EPERM)
		return -EPERM;
	return n;
}
