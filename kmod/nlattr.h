/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Netlink attribute helpers shared by the object tables: ids, addresses,
 * prefixes, lists (enum vnicgw_obj encodings, uapi/linux/vnicgw.h), and
 * refusals whose message names the object and the attribute.
 */
#ifndef _VGW_NLATTR_H
#define _VGW_NLATTR_H

#include <linux/in6.h>
#include <net/netlink.h>

#include "vnicgw.h"

/* An IPv4 or IPv6 address. */
struct vgw_ip {
	union {
		__be32 v4;
		struct in6_addr v6;
		u8 b[16];
	};
	u8 family;		/* AF_INET, AF_INET6; 0: none */
};

struct vgw_pfx {
	struct vgw_ip ip;	/* host bits are zero */
	u8 len;
};

static inline bool vgw_ip_eq(const struct vgw_ip *a, const struct vgw_ip *b)
{
	return a->family == b->family &&
	       !memcmp(a->b, b->b, a->family == AF_INET ? 4 : 16);
}

bool vgw_pfx_contains(const struct vgw_pfx *p, const struct vgw_ip *ip);
bool vgw_pfx_overlap(const struct vgw_pfx *a, const struct vgw_pfx *b);

/*
 * Refuse: sets the extack message (printf-style; it names the object and
 * what is wrong) and, if @attr, the offending attribute. Returns -EINVAL.
 */
__printf(3, 4)
int vgw_refuse(struct netlink_ext_ack *extack, const struct nlattr *attr,
	       const char *fmt, ...);

/* 6.1: the longest message of a refusal (vgw_refuse(), nlattr.c). */
#define VGW_MSG_LEN 192

/* At module exit, after the family: every refusal's message is freed. */
#ifdef NL_SET_ERR_MSG_FMT
static inline void vgw_refuse_exit(void)
{
}
#else
void vgw_refuse_exit(void);
#endif

/*
 * A string attribute of at most @max bytes that ends at its one NUL (the
 * policies' NLA_NUL_STRING lets bytes follow the NUL); vgw_nla_nul_inside():
 * it has a NUL before its last byte.
 */
bool vgw_nla_str_exact(const struct nlattr *a, int max);
bool vgw_nla_nul_inside(const struct nlattr *a);

/* Attribute parsers: 0, or -EINVAL with the extack set. */
int vgw_nla_id(const struct nlattr *a, char *id, struct netlink_ext_ack *ea);
/*
 * An id that is item @i of the list @what ("subnet s1: security_lists"),
 * which has no policy: refused, by that name, unless it is a terminated
 * id of at most VNICGW_ID_MAX bytes.
 */
int vgw_nla_item_id(const struct nlattr *a, char *id, const char *what,
		    unsigned int i, struct netlink_ext_ack *ea);
int vgw_nla_ip(const struct nlattr *a, struct vgw_ip *ip,
	       struct netlink_ext_ack *ea);
int vgw_nla_pfx(const struct nlattr *a, struct vgw_pfx *p,
		struct netlink_ext_ack *ea);
/*
 * A list nest: every attribute must be VNICGW_ITEM; at most @max of them.
 * Returns the count, or -EINVAL.
 */
int vgw_nla_list(const struct nlattr *list, unsigned int max,
		 struct netlink_ext_ack *ea);

#define vgw_nla_for_each_item(pos, list, rem) \
	nla_for_each_nested(pos, list, rem)

/*
 * Every attribute of @need[@n] is in @tb, parsed from @nest (NULL: the
 * message's top level); else the first missing one is named
 * (NL_SET_ERR_ATTR_MISS, in @nest) and @what is the message. 0 or -EINVAL.
 */
int vgw_nla_need(const struct nlattr *nest, struct nlattr **tb,
		 const int *need, unsigned int n,
		 const char *what, struct netlink_ext_ack *ea);

/* Writers: 0 or -EMSGSIZE. */
int vgw_put_ip(struct sk_buff *skb, int type, const struct vgw_ip *ip);
int vgw_put_pfx(struct sk_buff *skb, int type, const struct vgw_pfx *p);

/* The policies of the shared encodings. */
/* Not const: 6.1's struct nla_policy points to them without const. */
extern struct netlink_range_validation vgw_vni_range, vgw_ct_range;
#define VGW_POLICY_VNI	NLA_POLICY_FULL_RANGE(NLA_U32, &vgw_vni_range)
extern const struct nla_policy vgw_pfx_policy[VNICGW_PFX_MAX + 1];
#define VGW_POLICY_ID	{ .type = NLA_NUL_STRING, .len = VNICGW_ID_MAX - 1 }
#define VGW_POLICY_IP	{ .type = NLA_BINARY, .len = 16 }
#define VGW_POLICY_PFX	NLA_POLICY_NESTED(vgw_pfx_policy)
#define VGW_POLICY_LIST	{ .type = NLA_NESTED }

#endif /* _VGW_NLATTR_H */
