// SPDX-License-Identifier: GPL-2.0
/*
 * Errors the virtual router reports to instances. Today one: a packet too
 * big for the underlay (RFC 1191 fragmentation needed, RFC 8201 / 4443
 * packet too big), so that path MTU discovery in the instance converges on
 * what the tunnel can carry. The router never fragments.
 */
#include <linux/etherdevice.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <net/ip.h>
#include <net/ip6_checksum.h>
#include <net/ipv6.h>

#include "datapath.h"

#define ICMP_ROOM (LL_MAX_HEADER + 128)

/* The virtual router's address in @v's subnet: its first host address. */
static bool router_ip(const struct vgw_pkt *p, const struct vgw_vnic *v,
		      u8 family, struct vgw_ip *ip)
{
	const struct vgw_subnet *sn;

	sn = (const void *)vgw_obj_find_hashed(p->snap, VNICGW_OBJ_SUBNET,
					       v->subnet, v->subnet_hash);
	if (!sn || sn->cidr.ip.family != family)
		return false;
	*ip = sn->cidr.ip;
	ip->b[family == AF_INET ? 3 : 15] |= 1;
	return true;
}

static struct sk_buff *icmp4_too_big(const struct vgw_pkt *p,
				     const struct vgw_ip *from, unsigned int mtu)
{
	const struct iphdr *orig = (const void *)(p->skb->data + p->l3_off);
	unsigned int quote = orig->ihl * 4 + 8;
	struct sk_buff *skb;
	struct icmphdr *ic;
	struct iphdr *iph;

	if (!(orig->frag_off & htons(IP_DF)) || p->skb->len < p->l3_off + quote)
		return NULL;	/* may be fragmented: not ours to say */
	skb = alloc_skb(ICMP_ROOM + ETH_HLEN + sizeof(*iph) + sizeof(*ic) + quote,
			GFP_ATOMIC);
	if (!skb)
		return NULL;
	skb_reserve(skb, ICMP_ROOM);
	skb_put(skb, ETH_HLEN);
	iph = skb_put_zero(skb, sizeof(*iph));
	ic = skb_put_zero(skb, sizeof(*ic));
	skb_put_data(skb, orig, quote);
	/* Quote what the sender sent: its own address as source. */
	((struct iphdr *)(ic + 1))->saddr = p->sender_src.v4;
	ic->type = ICMP_DEST_UNREACH;
	ic->code = ICMP_FRAG_NEEDED;
	ic->un.frag.mtu = htons(mtu);
	ic->checksum = csum_fold(csum_partial(ic, sizeof(*ic) + quote, 0));
	iph->version = 4;
	iph->ihl = 5;
	iph->tot_len = htons(sizeof(*iph) + sizeof(*ic) + quote);
	iph->ttl = 64;
	iph->protocol = IPPROTO_ICMP;
	iph->saddr = from->v4;
	iph->daddr = p->sender_src.v4;
	ip_send_check(iph);
	((struct ethhdr *)skb->data)->h_proto = htons(ETH_P_IP);
	return skb;
}

static struct sk_buff *icmp6_too_big(const struct vgw_pkt *p,
				     const struct vgw_ip *from, unsigned int mtu)
{
	unsigned int quote = min_t(unsigned int, p->skb->len - p->l3_off,
				   IPV6_MIN_MTU - sizeof(struct ipv6hdr) -
				   sizeof(struct icmp6hdr));
	struct icmp6hdr *ic;
	struct ipv6hdr *ip6;
	struct sk_buff *skb;

	if (mtu < IPV6_MIN_MTU)
		return NULL;
	skb = alloc_skb(ICMP_ROOM + ETH_HLEN + sizeof(*ip6) + sizeof(*ic) + quote,
			GFP_ATOMIC);
	if (!skb)
		return NULL;
	skb_reserve(skb, ICMP_ROOM);
	skb_put(skb, ETH_HLEN);
	ip6 = skb_put_zero(skb, sizeof(*ip6));
	ic = skb_put_zero(skb, sizeof(*ic));
	if (skb_copy_bits(p->skb, p->l3_off, skb_put(skb, quote), quote)) {
		kfree_skb(skb);
		return NULL;
	}
	((struct ipv6hdr *)(ic + 1))->saddr = p->sender_src.v6;
	ic->icmp6_type = ICMPV6_PKT_TOOBIG;
	ic->icmp6_mtu = htonl(mtu);
	ip6->version = 6;
	ip6->payload_len = htons(sizeof(*ic) + quote);
	ip6->nexthdr = IPPROTO_ICMPV6;
	ip6->hop_limit = 255;
	ip6->saddr = from->v6;
	ip6->daddr = p->sender_src.v6;
	ic->icmp6_cksum = csum_ipv6_magic(&ip6->saddr, &ip6->daddr,
					  sizeof(*ic) + quote, IPPROTO_ICMPV6,
					  csum_partial(ic, sizeof(*ic) + quote, 0));
	((struct ethhdr *)skb->data)->h_proto = htons(ETH_P_IPV6);
	return skb;
}

/*
 * @p's frame is too big for the underlay by @mtu (what the inner IP packet
 * may be): drop it, counted "mtu", and tell the VNIC that sent it.
 */
void vgw_icmp_too_big(struct vgw_pkt *p, unsigned int mtu)
{
	const struct vgw_vnic *sender = p->sender;
	struct sk_buff *icmp = NULL;
	struct vgw_peer to;
	struct vgw_ip from;

	if (sender && p->src.family &&
	    router_ip(p, sender, p->src.family, &from))
		icmp = p->src.family == AF_INET ? icmp4_too_big(p, &from, mtu) :
						  icmp6_too_big(p, &from, mtu);
	/* Charged to the sender: it is the one that must send smaller. */
	if (sender)
		p->vnic = sender;
	vgw_drop(p, VNICGW_DROP_MTU);
	if (!icmp)
		return;
	/* The error goes to the sender, counted as going in to it. */
	p->skb = icmp;
	p->vnic = sender;
	vgw_count_in(sender, icmp->len);
	vgw_peer_of_vnic(sender, &to);
	vgw_tx(p, &to);
}
