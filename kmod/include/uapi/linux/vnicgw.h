/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * vnicgw generic netlink API: the one definition shared by the kernel module,
 * the agent and vnicctl.
 *
 * Conventions:
 * - Every command works on the network namespace of the requesting socket.
 * - Commands that change state need CAP_NET_ADMIN in the user namespace that
 *   owns that network namespace; reading needs no privilege.
 * - Attributes are validated strictly: unknown attributes, wrong types and
 *   trailing data are refused, and the extack message names the attribute.
 */
#ifndef _UAPI_LINUX_VNICGW_H
#define _UAPI_LINUX_VNICGW_H

#define VNICGW_GENL_NAME	"vnicgw"
#define VNICGW_GENL_VERSION	1

/* Link kind for "ip link add NAME type vnicgw". */
#define VNICGW_LINK_KIND	"vnicgw"

enum vnicgw_cmd {
	VNICGW_CMD_UNSPEC,
	/*
	 * GET_INFO: module version, features, and the namespace's state
	 * (generation, link). No attributes in the request.
	 */
	VNICGW_CMD_GET_INFO,
	/*
	 * FLUSH: remove every object of the namespace's tables. Needs
	 * CAP_NET_ADMIN. The reply is an ack; GET_INFO shows the new
	 * generation.
	 */
	VNICGW_CMD_FLUSH,

	__VNICGW_CMD_MAX,
	VNICGW_CMD_MAX = __VNICGW_CMD_MAX - 1
};

enum vnicgw_attr {
	VNICGW_A_UNSPEC,
	VNICGW_A_PAD,
	VNICGW_A_VERSION,	/* string: module version */
	VNICGW_A_FEATURES,	/* u64: bit set of VNICGW_FEATURE_* */
	VNICGW_A_GENERATION,	/* u64: bumped by every change of the tables */
	VNICGW_A_IFINDEX,	/* u32: the namespace's vnicgw link, if any */
	VNICGW_A_IFNAME,	/* string: its name */

	__VNICGW_A_MAX,
	VNICGW_A_MAX = __VNICGW_A_MAX - 1
};

/*
 * Features, as one list: bit number, C name and the name tools print.
 * A feature is listed here only once the module implements it.
 */
#define VNICGW_FEATURES(X)						\
	X(0, NETNS, "netns")		/* per-namespace tables and link */	\
	X(1, LINK, "link")		/* the vnicgw link type */		\
	X(2, FLUSH, "flush")		/* VNICGW_CMD_FLUSH */

enum vnicgw_feature_bit {
#define VNICGW_FEATURE_BIT_(bit, name, str) VNICGW_FEATURE_BIT_##name = bit,
	VNICGW_FEATURES(VNICGW_FEATURE_BIT_)
#undef VNICGW_FEATURE_BIT_
};

#define VNICGW_FEATURE(name)	(1ULL << VNICGW_FEATURE_BIT_##name)

#endif /* _UAPI_LINUX_VNICGW_H */
