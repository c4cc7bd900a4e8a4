// SPDX-License-Identifier: GPL-2.0
/*
 * The "vnicgw" generic netlink family: the only way in for the control plane.
 * Every command acts on the network namespace of the requesting socket.
 */
#include <net/genetlink.h>

#include "vnicgw.h"

static struct genl_family vgw_genl_family;

/* Reply-only attributes: a request that carries one is refused, by name. */
#define VGW_REPLY_ONLY(name)						\
	{ .type = NLA_REJECT,						\
	  .reject_message = "VNICGW_A_" #name " is reply-only" }

static const struct nla_policy vgw_policy[VNICGW_A_MAX + 1] = {
	[VNICGW_A_VERSION] = VGW_REPLY_ONLY(VERSION),
	[VNICGW_A_FEATURES] = VGW_REPLY_ONLY(FEATURES),
	[VNICGW_A_GENERATION] = VGW_REPLY_ONLY(GENERATION),
	[VNICGW_A_IFINDEX] = VGW_REPLY_ONLY(IFINDEX),
	[VNICGW_A_IFNAME] = VGW_REPLY_ONLY(IFNAME),
};

static const u64 vgw_features = 0
#define VGW_FEATURE_OR_(bit, name, str) | VNICGW_FEATURE(name)
	VNICGW_FEATURES(VGW_FEATURE_OR_)
#undef VGW_FEATURE_OR_
	;

static int vgw_fill_link(struct sk_buff *skb, struct vgw_net *vn)
{
	struct net_device *dev;
	int err = 0;

	rcu_read_lock();
	dev = rcu_dereference(vn->dev);
	if (dev && (nla_put_u32(skb, VNICGW_A_IFINDEX, dev->ifindex) ||
		    nla_put_string(skb, VNICGW_A_IFNAME, dev->name)))
		err = -EMSGSIZE;
	rcu_read_unlock();
	return err;
}

static int vgw_nl_get_info(struct sk_buff *skb, struct genl_info *info)
{
	struct vgw_net *vn = vgw_net(genl_info_net(info));
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &vgw_genl_family, 0,
				VNICGW_CMD_GET_INFO);
	if (!hdr)
		goto nospace;
	if (nla_put_string(msg, VNICGW_A_VERSION, VGW_VERSION) ||
	    nla_put_u64_64bit(msg, VNICGW_A_FEATURES, vgw_features,
			      VNICGW_A_PAD) ||
	    nla_put_u64_64bit(msg, VNICGW_A_GENERATION,
			      READ_ONCE(vn->generation), VNICGW_A_PAD) ||
	    vgw_fill_link(msg, vn))
		goto nospace;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

nospace:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static int vgw_nl_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct vgw_net *vn = vgw_net(genl_info_net(info));

	mutex_lock(&vn->lock);
	vgw_net_flush(vn);
	mutex_unlock(&vn->lock);
	return 0;
}

/*
 * Changes need CAP_NET_ADMIN in the user namespace owning the network
 * namespace (GENL_UNS_ADMIN_PERM), so a container root manages its own
 * namespace and nobody else's.
 */
static const struct genl_small_ops vgw_genl_ops[] = {
	{
		.cmd = VNICGW_CMD_GET_INFO,
		.doit = vgw_nl_get_info,
	},
	{
		.cmd = VNICGW_CMD_FLUSH,
		.doit = vgw_nl_flush,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

static struct genl_family vgw_genl_family __ro_after_init = {
	.name = VNICGW_GENL_NAME,
	.version = VNICGW_GENL_VERSION,
	.maxattr = VNICGW_A_MAX,
	.policy = vgw_policy,
	.netnsok = true,
	.module = THIS_MODULE,
	.small_ops = vgw_genl_ops,
	.n_small_ops = ARRAY_SIZE(vgw_genl_ops),
};

int __init vgw_genl_init(void)
{
	return genl_register_family(&vgw_genl_family);
}

void vgw_genl_exit(void)
{
	genl_unregister_family(&vgw_genl_family);
}
