// SPDX-License-Identifier: GPL-2.0
/*
 * The namespace's vnicgw link, made as "ip link add NAME type vnicgw up"
 * does: one RTM_NEWLINK with the kind in IFLA_LINKINFO and IFF_UP in the
 * header. Uses libnl's core only (libnl-route is not needed for one message).
 */
#include <errno.h>
#include <string.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/errno.h>
#include <netlink/socket.h>
#include <net/if.h>

#include <linux/vnicgw.h>

#include "agent.h"

static int put_newlink(struct nl_msg *msg, const char *name)
{
	struct ifinfomsg ifi = {
		.ifi_family = AF_UNSPEC,
		.ifi_flags = IFF_UP,
		.ifi_change = IFF_UP,
	};
	struct nlattr *info;

	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) ||
	    nla_put_string(msg, IFLA_IFNAME, name))
		return -EMSGSIZE;
	info = nla_nest_start(msg, IFLA_LINKINFO);
	if (!info || nla_put_string(msg, IFLA_INFO_KIND, VNICGW_LINK_KIND))
		return -EMSGSIZE;
	nla_nest_end(msg, info);
	return 0;
}

int link_create(const char *name, char *err, size_t errlen)
{
	struct nl_sock *sk = nl_socket_alloc();
	/* Exclusive: never take over an interface of that name. */
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_NEWLINK, NLM_F_REQUEST |
						NLM_F_CREATE | NLM_F_EXCL |
						NLM_F_ACK);
	int ret;

	if (!sk || !msg || put_newlink(msg, name))
		ret = -NLE_NOMEM;
	else
		ret = nl_connect(sk, NETLINK_ROUTE);
	if (!ret)
		ret = nl_send_auto(sk, msg);
	if (ret >= 0)
		ret = nl_wait_for_ack(sk);
	if (ret < 0)
		snprintf(err, errlen, "%s", nl_geterror(ret));
	nlmsg_free(msg);
	nl_socket_free(sk);
	return ret < 0 ? -1 : 0;
}
