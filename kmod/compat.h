/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels vnicgw builds on: Debian 12's 6.1 is the
 * reference; newer kernels renamed a few things. Each shim names the release
 * that changed the interface.
 */
#ifndef _VNICGW_COMPAT_H
#define _VNICGW_COMPAT_H

#include <linux/version.h>
#include <linux/netdevice.h>

/* 6.12 moved <asm/unaligned.h> to <linux/unaligned.h>. */
#if __has_include(<linux/unaligned.h>)
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/* 6.4 moved __skb_gso_segment() and its friends into <net/gso.h>. */
#if __has_include(<net/gso.h>)
#include <net/gso.h>
#endif

/* 6.12 turned NETIF_F_NETNS_LOCAL and NETIF_F_LLTX into net_device bits. */
static inline void vgw_compat_netdev_flags(struct net_device *dev)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
	dev->netns_local = true;
	dev->lltx = true;
#else
	dev->features |= NETIF_F_NETNS_LOCAL | NETIF_F_LLTX;
#endif
}

/*
 * 6.15 packed the arguments of rtnl_link_ops->newlink into
 * struct rtnl_newlink_params. vnicgw uses only the device and the extack.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 15, 0)
#define VGW_NEWLINK_ARGS(dev, extack)					\
	struct net_device *dev, struct rtnl_newlink_params *params__,	\
	struct netlink_ext_ack *extack
#else
#define VGW_NEWLINK_ARGS(dev, extack)					\
	struct net *src_net__, struct net_device *dev,			\
	struct nlattr *tb__[], struct nlattr *data__[],			\
	struct netlink_ext_ack *extack
#endif

/*
 * UDP tunnel transmit. Later kernels add IP control-block flags to these
 * calls; vnicgw passes none. Only 6.1 is built and tested here: a newer
 * kernel that changed the signatures needs its branch here and nowhere else.
 */
#define vgw_compat_udp_tunnel_xmit(rt, sk, skb, src, dst, tos, ttl, df,	\
				   sport, dport, xnet, nocheck)			\
	udp_tunnel_xmit_skb(rt, sk, skb, src, dst, tos, ttl, df, sport,	\
			    dport, xnet, nocheck)
#define vgw_compat_udp_tunnel6_xmit(dst, sk, skb, dev, saddr, daddr, prio,	\
				    ttl, label, sport, dport, nocheck)		\
	udp_tunnel6_xmit_skb(dst, sk, skb, dev, saddr, daddr, prio, ttl,	\
			     label, sport, dport, nocheck)

#endif /* _VNICGW_COMPAT_H */
