// SPDX-License-Identifier: GPL-2.0
/*
 * Netlink attribute helpers shared by the object tables.
 */
#include <linux/ctype.h>
#include <linux/inet.h>
#include <linux/socket.h>

#include "nlattr.h"

struct netlink_range_validation vgw_vni_range = {
	.min = 1, .max = VNICGW_VNI_MAX,
};

struct netlink_range_validation vgw_ct_range = {
	.min = 1, .max = VNICGW_CONNTRACK_MAX,
};

const struct nla_policy vgw_pfx_policy[VNICGW_PFX_MAX + 1] = {
	[VNICGW_PFX_ADDR] = VGW_POLICY_IP,
	[VNICGW_PFX_LEN] = { .type = NLA_U8 },
};

#ifdef NL_SET_ERR_MSG_FMT
/* 6.2 and later: the extack carries a buffer for formatted messages. */
int vgw_refuse(struct netlink_ext_ack *extack, const struct nlattr *attr,
	       const char *fmt, ...)
{
	va_list ap;

	if (!extack)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(extack->_msg_buf, sizeof(extack->_msg_buf), fmt, ap);
	va_end(ap);
	extack->_msg = extack->_msg_buf;
	if (attr)
		NL_SET_BAD_ATTR(extack, attr);
	return -EINVAL;
}
#else
/*
 * 6.1 has no buffer in the extack, and the ack that copies the message is
 * built after the handler returns, outside our lock. So messages live in a
 * ring of static buffers: one is reused only after 64 later refusals, far
 * more than can happen between a handler's return and its ack. The last byte
 * of each buffer is never written, so a reader always finds a terminator.
 */
#define VGW_MSG_RING 64
#define VGW_MSG_LEN 160
static char vgw_msg_ring[VGW_MSG_RING][VGW_MSG_LEN];
static atomic_t vgw_msg_next = ATOMIC_INIT(0);

int vgw_refuse(struct netlink_ext_ack *extack, const struct nlattr *attr,
	       const char *fmt, ...)
{
	unsigned int i;
	va_list ap;

	if (!extack)
		return -EINVAL;
	i = (unsigned int)atomic_inc_return(&vgw_msg_next) % VGW_MSG_RING;
	va_start(ap, fmt);
	vsnprintf(vgw_msg_ring[i], VGW_MSG_LEN - 1, fmt, ap);
	va_end(ap);
	extack->_msg = vgw_msg_ring[i];
	if (attr)
		NL_SET_BAD_ATTR(extack, attr);
	return -EINVAL;
}
#endif

static bool id_valid(const char *s)
{
	size_t n = 0;

	for (; *s; s++, n++)
		if (!isalnum(*s) && *s != '.' && *s != '_' && *s != '-')
			return false;
	return n >= 1 && n < VNICGW_ID_MAX;
}

int vgw_nla_id(const struct nlattr *a, char *id, struct netlink_ext_ack *ea)
{
	/* The policy (NLA_NUL_STRING, bounded) made it a terminated string. */
	if (!id_valid(nla_data(a)))
		return vgw_refuse(ea, a, "an id is 1 to 63 of [A-Za-z0-9._-]");
	strscpy(id, nla_data(a), VNICGW_ID_MAX);
	return 0;
}

int vgw_nla_ip(const struct nlattr *a, struct vgw_ip *ip,
	       struct netlink_ext_ack *ea)
{
	memset(ip, 0, sizeof(*ip));
	switch (nla_len(a)) {
	case 4:
		ip->family = AF_INET;
		break;
	case 16:
		ip->family = AF_INET6;
		break;
	default:
		return vgw_refuse(ea, a, "an address is 4 or 16 bytes, not %d",
				  nla_len(a));
	}
	memcpy(ip->b, nla_data(a), nla_len(a));
	return 0;
}

static bool host_bits_zero(const struct vgw_pfx *p)
{
	unsigned int bits = p->ip.family == AF_INET ? 32 : 128, i;

	for (i = p->len; i < bits; i++)
		if (p->ip.b[i / 8] & (0x80 >> (i % 8)))
			return false;
	return true;
}

int vgw_nla_pfx(const struct nlattr *a, struct vgw_pfx *p,
		struct netlink_ext_ack *ea)
{
	struct nlattr *tb[VNICGW_PFX_MAX + 1];
	int err;

	err = nla_parse_nested(tb, VNICGW_PFX_MAX, a, vgw_pfx_policy, ea);
	if (err)
		return err;
	if (!tb[VNICGW_PFX_ADDR] || !tb[VNICGW_PFX_LEN])
		return vgw_refuse(ea, a, "a prefix needs an address and a length");
	err = vgw_nla_ip(tb[VNICGW_PFX_ADDR], &p->ip, ea);
	if (err)
		return err;
	p->len = nla_get_u8(tb[VNICGW_PFX_LEN]);
	if (p->len > (p->ip.family == AF_INET ? 32 : 128))
		return vgw_refuse(ea, tb[VNICGW_PFX_LEN],
				  "prefix length %u is too long", p->len);
	if (!host_bits_zero(p))
		return vgw_refuse(ea, a, "prefix has host bits set");
	return 0;
}

int vgw_nla_list(const struct nlattr *list, unsigned int max,
		 struct netlink_ext_ack *ea)
{
	const struct nlattr *pos;
	int rem, n = 0;

	nla_for_each_nested(pos, list, rem) {
		if (nla_type(pos) != VNICGW_ITEM)
			return vgw_refuse(ea, pos, "a list holds only VNICGW_ITEM attributes");
		if (++n > max)
			return vgw_refuse(ea, pos, "a list of at most %u items", max);
	}
	if (rem)
		return vgw_refuse(ea, list, "trailing bytes in a list");
	return n;
}

bool vgw_pfx_contains(const struct vgw_pfx *p, const struct vgw_ip *ip)
{
	unsigned int full = p->len / 8, rest = p->len % 8;

	if (p->ip.family != ip->family)
		return false;
	if (memcmp(p->ip.b, ip->b, full))
		return false;
	return !rest || !((p->ip.b[full] ^ ip->b[full]) & (0xff00 >> rest));
}

bool vgw_pfx_overlap(const struct vgw_pfx *a, const struct vgw_pfx *b)
{
	return a->len <= b->len ? vgw_pfx_contains(a, &b->ip) :
				  vgw_pfx_contains(b, &a->ip);
}

int vgw_put_ip(struct sk_buff *skb, int type, const struct vgw_ip *ip)
{
	return nla_put(skb, type, ip->family == AF_INET ? 4 : 16, ip->b);
}

int vgw_put_pfx(struct sk_buff *skb, int type, const struct vgw_pfx *p)
{
	struct nlattr *nest = nla_nest_start(skb, type);

	if (!nest || vgw_put_ip(skb, VNICGW_PFX_ADDR, &p->ip) ||
	    nla_put_u8(skb, VNICGW_PFX_LEN, p->len)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}
