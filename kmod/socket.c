// SPDX-License-Identifier: GPL-2.0
/*
 * The namespace's tunnel sockets: UDP 4789 (VXLAN) and 6081 (Geneve), IPv4
 * and IPv6, bound to every address, open while the vnicgw link is up. What
 * arrives goes to the packet path (rx.c) on the CPU that received it: the
 * XDP steering program has already picked that CPU.
 */
#include <net/udp_tunnel.h>
#include <vgw/wire.h>

#include "datapath.h"

static int vgw_encap_rcv(struct sock *sk, struct sk_buff *skb, u8 encap)
{
	struct vgw_net *vn = rcu_dereference_sk_user_data(sk);

	if (!vn) {
		kfree_skb(skb);
		return 0;
	}
	vgw_rx(vn, skb, encap);
	return 0;	/* consumed */
}

static int vgw_vxlan_rcv(struct sock *sk, struct sk_buff *skb)
{
	return vgw_encap_rcv(sk, skb, VNICGW_ENCAP_VXLAN);
}

static int vgw_geneve_rcv(struct sock *sk, struct sk_buff *skb)
{
	return vgw_encap_rcv(sk, skb, VNICGW_ENCAP_GENEVE);
}

static struct socket *open_one(struct vgw_net *vn, u8 encap, bool ipv6)
{
	struct udp_tunnel_sock_cfg cfg = {
		.sk_user_data = vn,
		.encap_type = 1,
		.encap_rcv = encap == VNICGW_ENCAP_VXLAN ? vgw_vxlan_rcv :
							   vgw_geneve_rcv,
	};
	struct udp_port_cfg uc = {
		.local_udp_port = htons(encap == VNICGW_ENCAP_VXLAN ?
					VGW_VXLAN_PORT : VGW_GENEVE_PORT),
	};
	struct socket *sock;
	int err;

	if (ipv6) {
		uc.family = AF_INET6;
		uc.ipv6_v6only = 1;
		uc.use_udp6_rx_checksums = 1;
		uc.use_udp6_tx_checksums = 1;
	} else {
		uc.family = AF_INET;
	}
	err = udp_sock_create(vn->net, &uc, &sock);
	if (err)
		return ERR_PTR(err);
	setup_udp_tunnel_sock(vn->net, sock, &cfg);
	return sock;
}

/* Called under RTNL when the link comes up. */
int vgw_sockets_open(struct vgw_net *vn)
{
	struct socket *sock;
	int encap, v6;

	for (encap = 0; encap < 2; encap++) {
		for (v6 = 0; v6 < 2; v6++) {
			sock = open_one(vn, encap, v6);
			if (IS_ERR(sock)) {
				/* A namespace without IPv6 still gets IPv4. */
				if (v6 && PTR_ERR(sock) == -EAFNOSUPPORT)
					continue;
				vgw_sockets_close(vn);
				return PTR_ERR(sock);
			}
			rcu_assign_pointer(vn->sock[encap][v6], sock);
		}
	}
	return 0;
}

/* Called under RTNL when the link goes down or away. */
void vgw_sockets_close(struct vgw_net *vn)
{
	struct socket *socks[4];
	int encap, v6, n = 0;

	for (encap = 0; encap < 2; encap++) {
		for (v6 = 0; v6 < 2; v6++) {
			socks[n] = rtnl_dereference(vn->sock[encap][v6]);
			RCU_INIT_POINTER(vn->sock[encap][v6], NULL);
			n++;
		}
	}
	/* The packet path may still be sending through them. */
	synchronize_net();
	while (n--)
		if (socks[n])
			udp_tunnel_sock_release(socks[n]);
}
