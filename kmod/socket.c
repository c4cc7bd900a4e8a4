// SPDX-License-Identifier: GPL-2.0
/*
 * The namespace's tunnel sockets: UDP 4789 (VXLAN) and 6081 (Geneve), IPv4
 * and IPv6, bound to every address, open while the vnicgw link is up. What
 * arrives goes to the packet path (rx.c) on the CPU that received it: the
 * XDP steering program has already picked that CPU.
 *
 * A GSO packet is cut into the packets it stands for here, before anything
 * reads it. Such a packet comes from a sender on this machine: a VXLAN or
 * Geneve device whose frames reach the socket through a veth or loopback
 * keeps their segmentation offload (SKB_GSO_UDP_TUNNEL[_CSUM] over TCP).
 * UDP's own receive path segments the GSO types that no socket of this
 * kind accepts (udp_unexpected_gso(): UDP_L4, fraglist) and hands tunnel
 * GSO through unsegmented. The packet path then sees wire-sized packets
 * only: its MTU check, its rules and connection tracking, its counters and
 * the frames it sends are per packet, as they are for packets from a NIC.
 */
#include <net/udp.h>
#include <net/udp_tunnel.h>
#include <vgw/wire.h>

#include "compat.h"
#include "datapath.h"

/*
 * Segment the GSO packet @skb (data at its outer UDP header) and run each
 * segment through the packet path. No features are offered to the
 * segmentation: each segment is linear and its inner transport checksum is
 * computed in software. (Its outer UDP checksum, for a tunnel that has
 * one, may be left pending: rx.c takes a pending checksum before the frame
 * as the outer one's.) A segmentation that fails or finds nothing to do
 * (a "super-packet" of one segment, which a sender would not have built)
 * drops the packet as malformed.
 */
static void vgw_rx_gso(struct vgw_net *vn, struct sk_buff *skb, u8 encap)
{
	struct sk_buff *segs, *seg, *next;
	unsigned int gso_type = skb_shinfo(skb)->gso_type;

	/*
	 * Only a tunnel GSO packet is expected here (see above), and only as
	 * the stack builds one: an Ethernet frame inside, its checksum
	 * pending. Remote checksum offload is refused: its segments would
	 * keep an inner checksum that only the tunnel header can complete.
	 * Anything else (NIC hardware GRO of tunnels, a forged virtio
	 * header on newer kernels) is dropped.
	 */
	if (!(gso_type & (SKB_GSO_UDP_TUNNEL | SKB_GSO_UDP_TUNNEL_CSUM)) ||
	    (gso_type & SKB_GSO_TUNNEL_REMCSUM) ||
	    skb->ip_summed != CHECKSUM_PARTIAL || !skb->encapsulation ||
	    skb->inner_protocol_type != ENCAP_TYPE_ETHER ||
	    skb->inner_protocol != htons(ETH_P_TEB)) {
		vgw_rx_drop(vn, skb, VNICGW_DROP_MALFORMED);
		return;
	}
	/* Segmentation starts at the outer network header. */
	__skb_push(skb, skb_transport_offset(skb) - skb_network_offset(skb));
	segs = __skb_gso_segment(skb, 0, false);
	if (IS_ERR_OR_NULL(segs)) {
		vgw_rx_drop(vn, skb, VNICGW_DROP_MALFORMED);
		return;
	}
	consume_skb(skb);
	skb_list_walk_safe(segs, seg, next) {
		skb_mark_not_on_list(seg);
		__skb_pull(seg, skb_transport_offset(seg));
		vgw_rx(vn, seg, encap);
	}
}

static int vgw_encap_rcv(struct sock *sk, struct sk_buff *skb, u8 encap)
{
	struct vgw_net *vn = rcu_dereference_sk_user_data(sk);

	if (!vn) {
		kfree_skb(skb);
		return 0;
	}
	if (skb_is_gso(skb))
		vgw_rx_gso(vn, skb, encap);
	else
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
