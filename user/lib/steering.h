/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The XDP steering program's per-CPU counters, read from the kernel by map
 * name (steer_counters), whichever process loaded the program (the agent).
 */
#ifndef VGW_STEERING_H
#define VGW_STEERING_H

#include <stdint.h>

#include "steer.h"

#define VGW_STEERING_MAX_CPUS 256

struct vgw_steering {
	uint32_t map_id;
	unsigned int n_cpus;
	uint64_t count[VGW_STEER_NR_COUNTERS][VGW_STEERING_MAX_CPUS];
};

/*
 * Every steering program's counters (one per loaded program), in @out, at
 * most @max. Returns how many, or a negative errno (-EPERM without
 * CAP_BPF/CAP_SYS_ADMIN).
 */
int vgw_steering_read(struct vgw_steering *out, unsigned int max);

#endif /* VGW_STEERING_H */
