// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/magic.h>

#include "steering.h"

int vgw_steer_pin_dir(const char *root, char *buf, size_t len)
{
	struct stat st;
	int n;

	if (stat("/proc/self/ns/net", &st))
		return -errno;
	n = snprintf(buf, len, "%s/%s%llu", root, VGW_STEER_PIN_PREFIX,
		     (unsigned long long)st.st_ino);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* "netns-<inode>": the inode, or 0 for any other name. */
static uint64_t pin_dir_ino(const char *name)
{
	size_t plen = strlen(VGW_STEER_PIN_PREFIX);
	unsigned long long ino;
	char *end;

	if (strncmp(name, VGW_STEER_PIN_PREFIX, plen) ||
	    name[plen] < '1' || name[plen] > '9')
		return 0;
	errno = 0;
	ino = strtoull(name + plen, &end, 10);
	return errno || *end ? 0 : ino;
}

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

/*
 * The counters pinned in @dir/steer_counters, if that is the steering
 * program's map: the agent made the pin, but anyone with root may have put
 * any map there, and read_map() trusts the type and sizes.
 */
static int read_pin(const char *dir, struct vgw_steering *s)
{
	char path[PATH_MAX];
	struct bpf_map_info info;
	uint32_t len = sizeof(info);
	int fd, err;

	if (snprintf(path, sizeof(path), "%s/%s", dir, VGW_STEER_COUNTERS_PIN) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return -errno;
	memset(&info, 0, sizeof(info));
	err = bpf_obj_get_info_by_fd(fd, &info, &len) ? -errno : 0;
	if (!err && (info.type != BPF_MAP_TYPE_PERCPU_ARRAY ||
		     info.key_size != sizeof(uint32_t) ||
		     info.value_size != sizeof(uint64_t) ||
		     info.max_entries < VGW_STEER_NR_COUNTERS))
		err = -EINVAL;
	/* the agent that pinned it was killed: its counters count nothing */
	if (!err && !vgw_steer_map_in_use(info.id))
		err = -ESTALE;
	if (!err) {
		s->map_id = info.id;
		err = read_map(fd, s);
	}
	close(fd);
	return err;
}

bool vgw_steer_map_in_use(uint32_t map_id)
{
	uint32_t id = 0, ids[64], len, n, i;
	struct bpf_prog_info info;
	int fd;

	while (!bpf_prog_get_next_id(id, &id)) {
		fd = bpf_prog_get_fd_by_id(id);
		if (fd < 0)
			continue;	/* gone meanwhile */
		memset(&info, 0, sizeof(info));
		info.nr_map_ids = sizeof(ids) / sizeof(ids[0]);
		info.map_ids = (uintptr_t)ids;
		len = sizeof(info);
		n = bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.nr_map_ids;
		close(fd);
		for (i = 0; i < n && i < sizeof(ids) / sizeof(ids[0]); i++)
			if (ids[i] == map_id)
				return true;
	}
	return false;
}

static int by_ino(const void *a, const void *b)
{
	const struct vgw_steering *x = a, *y = b;

	return x->netns_ino < y->netns_ino ? -1 : x->netns_ino > y->netns_ino;
}

const char *vgw_steer_pin_root(void)
{
	static const char *const roots[][2] = {
		{ VGW_BPFFS, VGW_STEER_PIN_ROOT },
		{ "/proc/1/root" VGW_BPFFS, "/proc/1/root" VGW_STEER_PIN_ROOT },
	};
	struct statfs fs;
	unsigned int i;

	for (i = 0; i < sizeof(roots) / sizeof(roots[0]); i++)
		if (!statfs(roots[i][0], &fs) && fs.f_type == BPF_FS_MAGIC)
			return roots[i][1];
	return NULL;
}

int vgw_steering_read(struct vgw_steering *out, unsigned int max)
{
	char path[PATH_MAX];
	const char *root = vgw_steer_pin_root();
	struct dirent *de;
	unsigned int n = 0;
	uint64_t ino;
	DIR *d;
	int err, denied = 0;

	if (!root)
		return -ENOENT;
	d = opendir(root);
	if (!d)
		return errno == ENOENT ? 0 : -errno;	/* no agent ever pinned */
	while (n < max && (de = readdir(d))) {
		ino = pin_dir_ino(de->d_name);
		if (!ino)
			continue;
		snprintf(path, sizeof(path), "%s/%s", root, de->d_name);
		err = read_pin(path, &out[n]);
		if (err == -EPERM || err == -EACCES)
			denied = err;
		if (err)
			continue;	/* gone meanwhile, or not ours */
		out[n++].netns_ino = ino;
	}
	closedir(d);
	if (!n && denied)
		return -EPERM;
	qsort(out, n, sizeof(*out), by_ino);
	return n;
}
