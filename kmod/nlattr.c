// SPDX-License-Identifier: GPL-2.0
/*
 * Netlink attribute helpers shared by the object tables.
 */
#include <linux/ctype.h>
#include <linux/inet.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/task_work.h>
#include <linux/wait_bit.h>

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
 * built after the handler returns, outside any lock of ours: netlink_ack()
 * measures the message, allocates the ack, then copies it, so the message
 * must not change until the ack is built. A request and its ack run in the
 * sending task, within its sendmsg() (genl_rcv() -> netlink_rcv_skb(); a
 * dump's NLMSG_DONE in the recvmsg() that runs the dump). So each message
 * is allocated for its request, charged to the sender, and freed by a task
 * work item when that task returns to user mode: after its ack, whatever
 * other requests run meanwhile. One system call may carry many requests
 * (a batch in one sendmsg(), sendmmsg(), io_uring), so at most
 * VGW_MSG_MAX messages wait to be freed at any time; beyond that, as
 * without the memory or in a kernel thread, a refusal gets a fixed message.
 * The free is module code: the module's exit waits for the last one.
 */
#define VGW_MSG_MAX	4096

struct vgw_msg {
	struct callback_head free_work;
	char text[VGW_MSG_LEN];
};

static atomic_t vgw_msgs = ATOMIC_INIT(0);

static void msg_free(struct callback_head *head)
{
	kfree(container_of(head, struct vgw_msg, free_work));
	if (atomic_dec_and_test(&vgw_msgs))
		wake_up_var(&vgw_msgs);
}

/*
 * The module goes: the tasks that were refused last have run their
 * msg_free() (module code), or are about to on their way back to user
 * mode; the family is unregistered, so no new one is queued.
 */
void vgw_refuse_exit(void)
{
	wait_var_event(&vgw_msgs, !atomic_read(&vgw_msgs));
}

static struct vgw_msg *msg_new(void)
{
	struct vgw_msg *m;

	if (current->flags & PF_KTHREAD)
		return NULL;
	if (atomic_inc_return(&vgw_msgs) > VGW_MSG_MAX)
		goto none;
	m = kmalloc(sizeof(*m), GFP_NOWAIT | __GFP_NOWARN | __GFP_ACCOUNT);
	if (!m)
		goto none;
	init_task_work(&m->free_work, msg_free);
	if (!task_work_add(current, &m->free_work, TWA_RESUME))
		return m;
	kfree(m);	/* the task is exiting */
none:
	atomic_dec(&vgw_msgs);
	return NULL;
}

int vgw_refuse(struct netlink_ext_ack *extack, const struct nlattr *attr,
	       const char *fmt, ...)
{
	struct vgw_msg *m;
	va_list ap;

	if (!extack)
		return -EINVAL;
	m = msg_new();
	if (m) {
		va_start(ap, fmt);
		vsnprintf(m->text, sizeof(m->text), fmt, ap);
		va_end(ap);
		extack->_msg = m->text;
	} else {
		extack->_msg = "vnicgw: invalid request";
	}
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

/*
 * Is @a a string of at most @max bytes whose one NUL is its last byte? List
 * items have no policy, and the policies (VGW_POLICY_ID, NLA_NUL_STRING) let
 * bytes follow the NUL: "vcn-a\0xy" would be read as vcn-a, an id the dump
 * gives back differently. So every id is checked before it is read as a
 * string.
 */
bool vgw_nla_str_exact(const struct nlattr *a, int max)
{
	int len = nla_len(a);

	return len >= 1 && len <= max &&
	       memchr(nla_data(a), 0, len) == nla_data(a) + len - 1;
}

/* A NUL before the attribute's last byte. */
bool vgw_nla_nul_inside(const struct nlattr *a)
{
	const char *z = memchr(nla_data(a), 0, nla_len(a));

	return z && z != (const char *)nla_data(a) + nla_len(a) - 1;
}

int vgw_nla_id(const struct nlattr *a, char *id, struct netlink_ext_ack *ea)
{
	if (vgw_nla_nul_inside(a))
		return vgw_refuse(ea, a, "an id has bytes after its NUL");
	if (!vgw_nla_str_exact(a, VNICGW_ID_MAX) || !id_valid(nla_data(a)))
		return vgw_refuse(ea, a, "an id is 1 to 63 of [A-Za-z0-9._-]");
	strscpy(id, nla_data(a), VNICGW_ID_MAX);
	return 0;
}

int vgw_nla_item_id(const struct nlattr *a, char *id, const char *what,
		    unsigned int i, struct netlink_ext_ack *ea)
{
	if (vgw_nla_nul_inside(a))
		return vgw_refuse(ea, a, "%s[%u]: an id has bytes after its NUL",
				  what, i);
	if (!vgw_nla_str_exact(a, VNICGW_ID_MAX) || !id_valid(nla_data(a)))
		return vgw_refuse(ea, a,
				  "%s[%u]: an id is 1 to 63 of [A-Za-z0-9._-], NUL-terminated",
				  what, i);
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

int vgw_nla_need(const struct nlattr *nest, struct nlattr **tb,
		 const int *need, unsigned int n, const char *what,
		 struct netlink_ext_ack *ea)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!tb[need[i]]) {
			NL_SET_ERR_ATTR_MISS(ea, nest, need[i]);
			return vgw_refuse(ea, NULL, "%s", what);
		}
	return 0;
}
