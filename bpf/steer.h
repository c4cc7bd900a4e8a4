/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * steer.h - what the XDP steering program shares with its loader and readers:
 * the counter list and the configuration record. Compiles in BPF (clang
 * -target bpf) and in userspace; types from <linux/types.h> only.
 */
#ifndef _VGW_STEER_H
#define _VGW_STEER_H

#include <linux/types.h>

/*
 * The per-CPU counters of the steering program, one X-macro list: X(ID, name,
 * help). Each packet increments exactly one of them, so their sum is the
 * number of packets the program saw. The names are the stable identifiers
 * shown by tools (never derive them from offsets).
 */
#define VGW_STEER_COUNTERS(X)						\
	X(REDIRECT_VXLAN, "redirected_vxlan",				\
	  "VXLAN packet redirected to a worker CPU")			\
	X(REDIRECT_GENEVE, "redirected_geneve",				\
	  "Geneve packet redirected to a worker CPU")			\
	X(PASS_NOT_TUNNEL, "pass_not_tunnel",				\
	  "not UDP to port 4789/6081 (ARP, ND, TCP, other UDP...)")	\
	X(PASS_FRAGMENT, "pass_fragment",				\
	  "outer IPv4 fragment: the stack reassembles it")		\
	X(PASS_TRUNCATED, "pass_truncated",				\
	  "frame ended inside a header the program reads")		\
	X(PASS_MALFORMED, "pass_malformed",				\
	  "tunnel header refused: VXLAN I flag clear, Geneve version != 0 or " \
	  "payload not Ethernet, IPv4 IHL < 5")				\
	X(PASS_NO_CPUS, "pass_no_cpus",					\
	  "no worker CPU configured (n_cpus 0 or too large)")		\
	X(PASS_NO_CPU_ENTRY, "pass_no_cpu_entry",			\
	  "chosen CPU has no cpumap entry: packet stays on this CPU")

enum vgw_steer_counter {
#define VGW_STEER_ENUM(id, name, help) VGW_STEER_##id,
	VGW_STEER_COUNTERS(VGW_STEER_ENUM)
#undef VGW_STEER_ENUM
	VGW_STEER_NR_COUNTERS
};

#ifndef __bpf__
/* Name and help text of counter @id, for userspace readers. */
static inline const char *vgw_steer_counter_name(unsigned int id)
{
	static const char *const names[VGW_STEER_NR_COUNTERS] = {
#define VGW_STEER_NAME(id, name, help) [VGW_STEER_##id] = name,
		VGW_STEER_COUNTERS(VGW_STEER_NAME)
#undef VGW_STEER_NAME
	};

	return id < VGW_STEER_NR_COUNTERS ? names[id] : "unknown";
}

static inline const char *vgw_steer_counter_help(unsigned int id)
{
	static const char *const help[VGW_STEER_NR_COUNTERS] = {
#define VGW_STEER_HELP(id, name, help) [VGW_STEER_##id] = help,
		VGW_STEER_COUNTERS(VGW_STEER_HELP)
#undef VGW_STEER_HELP
	};

	return id < VGW_STEER_NR_COUNTERS ? help[id] : "";
}
#endif

/* Largest number of worker CPUs one steering program spreads over. */
#define VGW_STEER_MAX_CPUS	256

/*
 * The configuration record, entry 0 of the "steer_config" ARRAY map, written
 * by the loader, read by the program for every packet.
 *
 * Updates are not atomic against readers (an array map copies in place), so
 * a packet may see a mix of old and new fields; every mix is safe: the slot
 * is bounded by both n_cpus and VGW_STEER_MAX_CPUS, and a CPU without a
 * cpumap entry makes the packet pass (counted). To avoid even that, a loader
 * growing the set writes cpus[] before n_cpus, and shrinking it, n_cpus first.
 */
struct vgw_steer_config {
	__u32 n_cpus;				/* 0: pass everything */
	__u32 cpus[VGW_STEER_MAX_CPUS];		/* cpumap keys (CPU ids) */
};

#endif /* _VGW_STEER_H */
