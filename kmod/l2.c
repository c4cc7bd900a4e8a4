// SPDX-License-Identifier: GPL-2.0
/*
 * The virtual router at layer 2. The micro-VNIC only tunnels frames, so the
 * cluster answers ARP requests (and IPv6 neighbour solicitations) from
 * instances and gateways, for every address but the asker's own, with the
 * virtual router's MAC: every packet an instance sends then comes to us.
 */
#include <linux/etherdevice.h>
#include <linux/icmpv6.h>
#include <linux/if_arp.h>
#include <net/ip6_checksum.h>
#include <net/ndisc.h>

#include "datapath.h"

static const u8 router_mac[ETH_ALEN] = VGW_ROUTER_MAC;

/* An ARP request for IPv4 over Ethernet, as RFC 826 lays it out. */
struct vgw_arp {
	struct arphdr h;
	u8 sha[ETH_ALEN];
	__be32 sip;
	u8 tha[ETH_ALEN];
	__be32 tip;
} __packed;

/* Is @ip one of the asking VNIC's own addresses? */
static bool own_address(const struct vgw_pkt *p, const struct vgw_ip *ip)
{
	unsigned int i;

	for (i = 0; p->vnic && i < p->vnic->n_ips; i++)
		if (vgw_ip_eq(&p->vnic->ips[i], ip))
			return true;
	return false;
}

static void answer_arp(struct vgw_pkt *p, const struct vgw_peer *back)
{
	struct sk_buff *skb = p->skb;
	struct vgw_ip tip = { .family = AF_INET };
	struct vgw_arp *a;
	__be32 sip;

	if (!pskb_may_pull(skb, ETH_HLEN + sizeof(*a)) ||
	    skb_ensure_writable(skb, ETH_HLEN + sizeof(*a))) {
		vgw_drop(p, VNICGW_DROP_MALFORMED);
		return;
	}
	a = (struct vgw_arp *)(skb->data + ETH_HLEN);
	if (a->h.ar_hrd != htons(ARPHRD_ETHER) || a->h.ar_pro != htons(ETH_P_IP) ||
	    a->h.ar_hln != ETH_ALEN || a->h.ar_pln != 4 ||
	    a->h.ar_op != htons(ARPOP_REQUEST)) {
		vgw_drop(p, VNICGW_DROP_NOT_IP);
		return;
	}
	tip.v4 = a->tip;
	/* Its own address (a probe or an announcement): nothing to say. */
	if (own_address(p, &tip) || !a->tip) {
		consume_skb(skb);
		p->skb = NULL;
		return;
	}
	sip = a->sip;
	a->h.ar_op = htons(ARPOP_REPLY);
	ether_addr_copy(a->tha, a->sha);
	a->tip = sip;
	ether_addr_copy(a->sha, router_mac);
	a->sip = tip.v4;
	/* The request's padding is not part of the answer. */
	if (pskb_trim(skb, ETH_HLEN + sizeof(*a))) {
		vgw_drop(p, VNICGW_DROP_MALFORMED);
		return;
	}
	vgw_tx(p, back);
}

/* Neighbour advertisement of @target for @p's solicitation, in a new skb. */
static struct sk_buff *make_na(const struct vgw_pkt *p,
			       const struct in6_addr *target)
{
	struct {
		struct ipv6hdr ip6;
		struct icmp6hdr icmp;
		struct in6_addr target;
		u8 opt_type, opt_len, mac[ETH_ALEN];
	} __packed *na;
	const struct ipv6hdr *req = (const void *)(p->skb->data + p->l3_off);
	struct sk_buff *skb;

	skb = alloc_skb(LL_MAX_HEADER + 128 + ETH_HLEN + sizeof(*na), GFP_ATOMIC);
	if (!skb)
		return NULL;
	skb_reserve(skb, LL_MAX_HEADER + 128);
	skb_put(skb, ETH_HLEN);
	na = skb_put_zero(skb, sizeof(*na));
	na->ip6.version = 6;
	na->ip6.payload_len = htons(sizeof(*na) - sizeof(na->ip6));
	na->ip6.nexthdr = IPPROTO_ICMPV6;
	na->ip6.hop_limit = 255;
	na->ip6.saddr = *target;
	/* RFC 4861 7.2.4: to the solicitor, or all nodes if it had no address. */
	if (ipv6_addr_any(&req->saddr))
		ipv6_addr_set(&na->ip6.daddr, htonl(0xff020000), 0, 0, htonl(1));
	else
		na->ip6.daddr = req->saddr;
	na->icmp.icmp6_type = NDISC_NEIGHBOUR_ADVERTISEMENT;
	na->icmp.icmp6_router = 1;
	na->icmp.icmp6_solicited = !ipv6_addr_any(&req->saddr);
	na->icmp.icmp6_override = 1;
	na->target = *target;
	na->opt_type = ND_OPT_TARGET_LL_ADDR;
	na->opt_len = 1;
	ether_addr_copy(na->mac, router_mac);
	na->icmp.icmp6_cksum = csum_ipv6_magic(&na->ip6.saddr, &na->ip6.daddr,
		sizeof(*na) - sizeof(na->ip6), IPPROTO_ICMPV6,
		csum_partial(&na->icmp, sizeof(*na) - sizeof(na->ip6), 0));
	((struct ethhdr *)skb->data)->h_proto = htons(ETH_P_IPV6);
	return skb;
}

static void answer_ns(struct vgw_pkt *p, const struct vgw_peer *back)
{
	struct vgw_ip target = { .family = AF_INET6 };
	struct sk_buff *na;
	unsigned int off = p->l4_off + sizeof(struct icmp6hdr);

	if (!pskb_may_pull(p->skb, off + sizeof(struct in6_addr))) {
		vgw_drop(p, VNICGW_DROP_MALFORMED);
		return;
	}
	memcpy(&target.v6, p->skb->data + off, sizeof(target.v6));
	/* Duplicate address detection (from ::) is not ours to answer. */
	if (own_address(p, &target) || ipv6_addr_is_multicast(&target.v6) ||
	    ipv6_addr_any(&((struct ipv6hdr *)(p->skb->data + p->l3_off))->saddr)) {
		consume_skb(p->skb);
		p->skb = NULL;
		return;
	}
	na = make_na(p, &target.v6);
	if (!na) {
		vgw_drop(p, VNICGW_DROP_XMIT);
		return;
	}
	consume_skb(p->skb);
	p->skb = na;
	vgw_tx(p, back);
}

/*
 * Answer what @p asks at L2: an ARP request, or (after vgw_parse_ip()) a
 * neighbour solicitation. The answer goes back to @back.
 */
void vgw_l2_answer(struct vgw_pkt *p, const struct vgw_peer *back)
{
	if (unlikely(p->ex)) {
		vgw_explain_end(p, VNICGW_TRACE_ANSWER);
		return;
	}
	if (p->ethertype == htons(ETH_P_ARP))
		answer_arp(p, back);
	else
		answer_ns(p, back);
}
