// SPDX-License-Identifier: GPL-2.0
/*
 * The vnicgw link type: "ip link add gw0 type vnicgw".
 *
 * A link is the namespace's vnicgw instance as the rest of the kernel sees
 * it: the device that the data path accounts its traffic on and that the
 * operator brings up and down. A namespace has at most one: the tables are
 * per namespace, and a second link would have nothing of its own to hold.
 * The link cannot move to another namespace (its tables stay behind).
 */
#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <linux/rtnetlink.h>
#include <net/rtnetlink.h>

#include "compat.h"
#include "datapath.h"

struct vgw_dev {
	struct vgw_net *vn;	/* the namespace's state; constant */
};

static int vgw_dev_init(struct net_device *dev)
{
	dev->tstats = netdev_alloc_pcpu_stats(struct pcpu_sw_netstats);
	return dev->tstats ? 0 : -ENOMEM;
}

static void vgw_dev_uninit(struct net_device *dev)
{
	free_percpu(dev->tstats);
}

/*
 * The local stack has no business sending through the link: instance traffic
 * arrives tunnelled on the underlay. Whatever it sends is dropped and counted.
 */
static netdev_tx_t vgw_dev_xmit(struct sk_buff *skb, struct net_device *dev)
{
	DEV_STATS_INC(dev, tx_dropped);
	kfree_skb(skb);
	return NETDEV_TX_OK;
}

/* Up: the namespace listens for tunnelled traffic; down: it stops. */
static int vgw_dev_open(struct net_device *dev)
{
	struct vgw_dev *vd = netdev_priv(dev);

	return vgw_sockets_open(vd->vn);
}

static int vgw_dev_stop(struct net_device *dev)
{
	struct vgw_dev *vd = netdev_priv(dev);

	vgw_sockets_close(vd->vn);
	return 0;
}

static const struct net_device_ops vgw_netdev_ops = {
	.ndo_init = vgw_dev_init,
	.ndo_uninit = vgw_dev_uninit,
	.ndo_open = vgw_dev_open,
	.ndo_stop = vgw_dev_stop,
	.ndo_start_xmit = vgw_dev_xmit,
	.ndo_get_stats64 = dev_get_tstats64,
};

static void vgw_setup(struct net_device *dev)
{
	dev->netdev_ops = &vgw_netdev_ops;
	dev->type = ARPHRD_NONE;
	dev->flags = IFF_NOARP;
	dev->priv_flags |= IFF_NO_QUEUE;
	dev->hard_header_len = 0;
	dev->addr_len = 0;
	dev->mtu = ETH_DATA_LEN;
	dev->min_mtu = ETH_MIN_MTU;
	dev->max_mtu = ETH_MAX_MTU;
	dev->needs_free_netdev = true;
	vgw_compat_netdev_flags(dev);
}

static int vgw_newlink(VGW_NEWLINK_ARGS(dev, extack))
{
	struct vgw_net *vn = vgw_net(dev_net(dev));
	struct net_device *other;
	struct vgw_dev *vd = netdev_priv(dev);
	int err;

	ASSERT_RTNL();
	/*
	 * rtnetlink checked CAP_NET_ADMIN in the user namespace owning the
	 * link's network namespace, for the sender and the socket's opener.
	 * Unless allow_userns, it must be the initial one's too: ->newlink
	 * has no request skb for netlink_capable(), but the request is
	 * handled in the sender's context, so capable() (ns_capable() on
	 * &init_user_ns) checks the sender, and rtnetlink's check covered the
	 * opener wherever the namespace is owned by the initial one.
	 */
	if (!READ_ONCE(vgw_allow_userns) && !capable(CAP_NET_ADMIN)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "a vnicgw link needs CAP_NET_ADMIN in the initial user namespace (module parameter allow_userns is off)");
		return -EPERM;
	}
	other = rtnl_dereference(vn->dev);
	if (other) {
		NL_SET_ERR_MSG_MOD(extack,
				   "this namespace already has a vnicgw link");
		return -EEXIST;
	}
	vd->vn = vn;
	err = register_netdevice(dev);
	if (err)
		return err;
	rcu_assign_pointer(vn->dev, dev);
	return 0;
}

static void vgw_dellink(struct net_device *dev, struct list_head *head)
{
	struct vgw_dev *vd = netdev_priv(dev);

	ASSERT_RTNL();
	RCU_INIT_POINTER(vd->vn->dev, NULL);
	unregister_netdevice_queue(dev, head);
}

static struct rtnl_link_ops vgw_link_ops __read_mostly = {
	.kind = VNICGW_LINK_KIND,
	.priv_size = sizeof(struct vgw_dev),
	.setup = vgw_setup,
	.newlink = vgw_newlink,
	.dellink = vgw_dellink,
};

/* Queue the namespace's link for unregistration. Called under RTNL. */
void vgw_device_destroy_all(struct net *net, struct list_head *kill)
{
	struct net_device *dev = rtnl_dereference(vgw_net(net)->dev);

	if (dev)
		vgw_dellink(dev, kill);
}

int __init vgw_device_init(void)
{
	return rtnl_link_register(&vgw_link_ops);
}

/* Deletes every vnicgw link in every namespace. */
void vgw_device_exit(void)
{
	rtnl_link_unregister(&vgw_link_ops);
}
