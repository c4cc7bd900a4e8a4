/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The XDP steering program's maps, pinned by vnicgw-agent in a BPF
 * filesystem, one directory per network namespace:
 *
 *   /sys/fs/bpf/vnicgw/netns-<inode>/{cpu_map,steer_config,steer_counters}
 *
 * <inode> is the inode number of the agent's network namespace (what
 * "lsns -t net" and "stat -L -c %i /run/netns/NAME" print), so one agent
 * per namespace has a directory of its own and a restart finds it again.
 * The counters are read from there, whichever namespace the reader is in:
 * never found by map name, which any other program's map may share.
 */
#ifndef VGW_STEERING_H
#define VGW_STEERING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "steer.h"

#define VGW_STEERING_MAX_CPUS 256

/* Where the agent pins (a bpffs), and its directory in there. */
#define VGW_BPFFS		"/sys/fs/bpf"
#define VGW_STEER_PIN_ROOT	VGW_BPFFS "/vnicgw"
#define VGW_STEER_PIN_PREFIX	"netns-"
#define VGW_STEER_PIN_DIR_LEN	96
/* The map vnicctl steering reads, in that directory. */
#define VGW_STEER_COUNTERS_PIN	"steer_counters"

struct vgw_steering {
	uint32_t map_id;
	uint64_t netns_ino;	/* the agent's namespace (its pin directory) */
	unsigned int n_cpus;
	uint64_t count[VGW_STEER_NR_COUNTERS][VGW_STEERING_MAX_CPUS];
};

/*
 * VGW_STEER_PIN_ROOT if /sys/fs/bpf is a BPF filesystem; else, when this
 * process has a mount namespace of its own without one (ip netns exec
 * mounts a new /sys), the same directory in PID 1's mount namespace
 * (/proc/1/root/sys/fs/bpf/vnicgw) if that is one: the agent and vnicctl
 * meet there wherever each was started. NULL if neither is.
 */
const char *vgw_steer_pin_root(void);

/*
 * This network namespace's pin directory, @root/netns-<inode>, in @buf.
 * 0 or a negative errno.
 */
int vgw_steer_pin_dir(const char *root, char *buf, size_t len);

/*
 * Whether a loaded program uses map @map_id. A pinned map that none uses was
 * left by an agent that was killed (its program went with it).
 */
bool vgw_steer_map_in_use(uint32_t map_id);

/*
 * Every running agent's steering counters (one per pin directory under
 * vgw_steer_pin_root()), in @out, at most @max, in the order of their
 * namespaces' inodes; pins left by a killed agent are skipped. Returns
 * how many (0: no agent steers), or a negative errno: -ENOENT without any
 * BPF filesystem, -EPERM without CAP_BPF or CAP_SYS_ADMIN.
 */
int vgw_steering_read(struct vgw_steering *out, unsigned int max);

#endif /* VGW_STEERING_H */
