/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libvnicgw: the control functions behind vnicctl and the agent. Both call
 * these, never the netlink family directly, so there is one implementation of
 * every request.
 *
 * Convention: functions return 0 or a negative errno; on a refusal the
 * kernel's extended-ack message is kept in the client (vgw_errmsg()).
 */
#ifndef VGW_H
#define VGW_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

struct nl_sock;

struct vgw_client {
	struct nl_sock *sk;
	int family;
	char errmsg[256];	/* last refusal, from the kernel's extack */
};

struct vgw_info {
	char version[32];
	uint64_t features;	/* VNICGW_FEATURE_* */
	uint64_t generation;
	uint32_t n_objs;	/* objects in the namespace's tables */
	uint32_t ifindex;	/* 0: the namespace has no vnicgw link */
	char ifname[IF_NAMESIZE];
};

int vgw_open(struct vgw_client *c);
void vgw_close(struct vgw_client *c);
/* A message for the last error: the kernel's own words when it gave some. */
const char *vgw_errmsg(const struct vgw_client *c, int err);

struct nl_msg;
struct nlattr;
/*
 * One request: @cmd with the attributes that @build adds (may be NULL),
 * each reply message's attributes handed to @parse (may be NULL). Waits for
 * the kernel's ack. Returns 0 or the kernel's negative errno.
 */
int vgw_call(struct vgw_client *c, uint8_t cmd, int flags,
	     int (*build)(struct nl_msg *msg, void *arg),
	     int (*parse)(struct nlattr **tb, void *arg), void *arg);

/* The same, starting from a message of @size bytes. */
int vgw_call_sized(struct vgw_client *c, uint8_t cmd, int flags, size_t size,
		   int (*build)(struct nl_msg *msg, void *arg),
		   int (*parse)(struct nlattr **tb, void *arg), void *arg);

int vgw_get_info(struct vgw_client *c, struct vgw_info *info);
int vgw_flush(struct vgw_client *c);

/*
 * A refusal's message, printf-style, into @err (@errlen bytes); returns
 * -EINVAL, so that parsers can "return vgw_fail(...)".
 */
int vgw_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same, returning @ret (-ENOENT, -EAGAIN...). */
int vgw_fail_ret(char *err, size_t errlen, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Name of feature bit @bit, or NULL if this build does not know it. */
const char *vgw_feature_name(unsigned int bit);

#endif /* VGW_H */
