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

#include <vgw/flow.h>

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

/* @check over an IPv6 address that changes from @from to @to. */
static void csum_replace_in6(__sum16 *check, const struct in6_addr *from,
			     const struct in6_addr *to)
{
	__be32 diff[] = {
		~from->s6_addr32[0], ~from->s6_addr32[1],
		~from->s6_addr32[2], ~from->s6_addr32[3],
		to->s6_addr32[0], to->s6_addr32[1],
		to->s6_addr32[2], to->s6_addr32[3],
	};

	*check = csum_fold(csum_partial(diff, sizeof(diff),
					~csum_unfold(*check)));
}

/*
 * Set one end of a quoted packet held in linear memory: @ip is its IP
 * header (@family), @l4 the @l4len bytes of its transport header that the
 * quote holds (0: none, e.g. a later fragment), @proto its protocol. The
 * source (@src) or destination address becomes @addr and, @port >= 0, the
 * port on that side (ICMP echo: the identifier). The quoted IPv4 header's
 * checksum follows, and the quoted transport checksum where the quote
 * holds it (a UDP datagram sent without one stays without).
 */
static void quote_set(void *ip, u8 *l4, unsigned int l4len, u8 family,
		      u8 proto, bool src, const struct vgw_ip *addr, int port)
{
	bool ports = proto == IPPROTO_TCP || proto == IPPROTO_UDP;
	bool icmp = proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6;
	unsigned int coff = proto == IPPROTO_TCP ? offsetof(struct tcphdr, check) :
			    proto == IPPROTO_UDP ? offsetof(struct udphdr, check) :
			    offsetof(struct icmphdr, checksum);
	__sum16 *check = NULL;
	__be16 *pfield = NULL;

	if ((ports || icmp) && l4len >= coff + 2) {
		check = (__sum16 *)(l4 + coff);
		if (proto == IPPROTO_UDP && !*check)
			check = NULL;
	}
	if ((ports || icmp) && port >= 0 && l4len >= 8)
		pfield = (__be16 *)(ports ? l4 + (src ? 0 : 2) : l4 + 4);
	if (family == AF_INET) {
		struct iphdr *iph = ip;
		__be32 *a = src ? &iph->saddr : &iph->daddr;

		csum_replace4(&iph->check, *a, addr->v4);
		/* IPv4 ICMP's checksum has no pseudo-header. */
		if (check && ports)
			csum_replace4(check, *a, addr->v4);
		*a = addr->v4;
	} else {
		struct ipv6hdr *ip6 = ip;
		struct in6_addr *a = src ? &ip6->saddr : &ip6->daddr;

		if (check)
			csum_replace_in6(check, a, &addr->v6);
		*a = addr->v6;
	}
	if (pfield) {
		__be16 old = *pfield;

		*pfield = htons(port);
		if (check)
			csum_replace2(check, old, *pfield);
	}
	if (check && proto == IPPROTO_UDP && !*check)
		*check = CSUM_MANGLED_0;
}

/*
 * The quote is of the packet as it was about to leave: after the NAT
 * gateway or the internet gateway, its source is a public address and
 * port. The sender matches the error to its socket by what it sent, so
 * the quote gets back the sender's own source address and port (@ip: the
 * quoted IP header, @l4 and @l4len: what the quote holds after it).
 */
static void quote_sender(const struct vgw_pkt *p, void *ip, u8 *l4,
			 unsigned int l4len)
{
	bool ports = p->l4proto == IPPROTO_TCP || p->l4proto == IPPROTO_UDP;
	bool echo = vgw_flow_icmp_is_echo(p->l4proto, p->icmp_type);

	if (p->later_frag)
		l4len = 0;	/* no transport header in the quote */
	quote_set(ip, l4, l4len, p->src.family, p->l4proto, true,
		  &p->sender_src, ports || echo ? p->sender_sport : -1);
	/* Whatever the header's checksum held on its way out, it is whole. */
	if (p->src.family == AF_INET)
		ip_send_check(ip);
}

/*
 * The quote is the datagram's IP header and the 8 bytes after it (RFC 792).
 * Only the IP header is sure to be in the linear area (parsing pulled it);
 * the rest may be in page fragments, so it is copied from wherever it is.
 */
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
	if (skb_copy_bits(p->skb, p->l3_off, skb_put(skb, quote), quote)) {
		kfree_skb(skb);
		return NULL;
	}
	quote_sender(p, ic + 1, (u8 *)(ic + 1) + (p->l4_off - p->l3_off),
		     quote - (p->l4_off - p->l3_off));
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
	quote_sender(p, ic + 1, (u8 *)(ic + 1) + (p->l4_off - p->l3_off),
		     quote - min_t(unsigned int, quote, p->l4_off - p->l3_off));
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

	/* Never an error about an error (RFC 1122 3.2.2, RFC 4443 2.4). */
	if (sender && p->src.family && !vgw_icmp_is_error(p) &&
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

/* --- errors about other packets, through the gateways' NAT ----------------- */

/*
 * Is @p an ICMP or ICMPv6 error, which quotes a packet it is about
 * (RFC 792: destination unreachable, source quench, time exceeded,
 * parameter problem; RFC 4443: types 1 to 4)?
 */
bool vgw_icmp_is_error(const struct vgw_pkt *p)
{
	/*
	 * A fragmented error is not translated: its checksum covers the
	 * whole message, which no fragment holds. (Errors are small; one
	 * that comes in fragments is dropped as the gateway's rules say.)
	 */
	return !p->frag && vgw_icmp_type_is_error(p->l4proto, p->icmp_type);
}

bool vgw_icmp_type_is_error(u8 proto, u8 type)
{
	if (proto == IPPROTO_ICMP)
		return type == ICMP_DEST_UNREACH || type == ICMP_SOURCE_QUENCH ||
		       type == ICMP_TIME_EXCEEDED || type == ICMP_PARAMETERPROB;
	if (proto == IPPROTO_ICMPV6)
		return type >= ICMPV6_DEST_UNREACH && type <= ICMPV6_PARAMPROB;
	return false;
}

/*
 * The packet an ICMP error of @p's quotes: its addresses, protocol and
 * ports (ICMP echo: the identifier as both), and where its headers are.
 * The quote must hold the IP header and 8 bytes after it (RFC 792; RFC
 * 4443 quotes as much as fits), of the error's own family, with a
 * transport header we translate (TCP, UDP, ICMP echo); IPv6 extension
 * headers in a quote are not walked. 0, or -EINVAL.
 */
int vgw_icmp_quote(struct vgw_pkt *p, struct vgw_quote *q)
{
	struct sk_buff *skb = p->skb;
	const u8 *l4;

	memset(q, 0, sizeof(*q));
	q->l3_off = p->l4_off + 8;
	if (p->src.family == AF_INET) {
		const struct iphdr *iph;

		if (!pskb_may_pull(skb, q->l3_off + sizeof(*iph)))
			return -EINVAL;
		iph = (const void *)(skb->data + q->l3_off);
		if (iph->version != 4 || iph->ihl < 5 ||
		    iph->frag_off & htons(IP_OFFSET))
			return -EINVAL;
		q->l4_off = q->l3_off + iph->ihl * 4;
		q->proto = iph->protocol;
		q->src.family = q->dst.family = AF_INET;
		q->src.v4 = iph->saddr;
		q->dst.v4 = iph->daddr;
	} else {
		const struct ipv6hdr *ip6;

		if (!pskb_may_pull(skb, q->l3_off + sizeof(*ip6)))
			return -EINVAL;
		ip6 = (const void *)(skb->data + q->l3_off);
		if (ip6->version != 6)
			return -EINVAL;
		q->l4_off = q->l3_off + sizeof(*ip6);
		q->proto = ip6->nexthdr;
		q->src.family = q->dst.family = AF_INET6;
		q->src.v6 = ip6->saddr;
		q->dst.v6 = ip6->daddr;
	}
	if (!pskb_may_pull(skb, q->l4_off + 8))
		return -EINVAL;
	l4 = skb->data + q->l4_off;
	switch (q->proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		q->sport = get_unaligned_be16(l4);
		q->dport = get_unaligned_be16(l4 + 2);
		return 0;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if (q->proto != (q->src.family == AF_INET ? IPPROTO_ICMP :
				 IPPROTO_ICMPV6) ||
		    !vgw_flow_icmp_is_echo(q->proto, l4[0]))
			return -EINVAL;
		q->sport = get_unaligned_be16(l4 + 4);
		q->dport = q->sport;
		return 0;
	}
	return -EINVAL;
}

/*
 * Rewrite one end of the quoted packet: its source (@src) or destination
 * address to @addr and, @port >= 0, its port on that side (ICMP echo: the
 * identifier). The quoted IP header's checksum and the quoted transport
 * checksum (where the quote holds it) follow; the error's own checksum is
 * computed again over the whole message, as the error's addresses may
 * have changed too (call this after rewriting them). 0, or -ENOMEM.
 */
int vgw_icmp_quote_rewrite(struct vgw_pkt *p, struct vgw_quote *q, bool src,
			   const struct vgw_ip *addr, int port)
{
	struct sk_buff *skb = p->skb;
	unsigned int csum_off, need, len;
	__wsum csum;

	csum_off = q->proto == IPPROTO_TCP ? offsetof(struct tcphdr, check) :
		   q->proto == IPPROTO_UDP ? offsetof(struct udphdr, check) :
		   offsetof(struct icmphdr, checksum);
	/* The quoted transport checksum is rewritten if the quote has it. */
	need = q->l4_off + max_t(unsigned int, 8, csum_off + 2);
	if (skb->len < need)
		need = q->l4_off + 8;
	if (skb_ensure_writable(skb, need))
		return -ENOMEM;
	quote_set(skb->data + q->l3_off, skb->data + q->l4_off,
		  need - q->l4_off, q->src.family, q->proto, src, addr, port);
	if (src)
		q->src = *addr;
	else
		q->dst = *addr;
	if (src && port >= 0)
		q->sport = port;
	else if (port >= 0)
		q->dport = port;

	/* The error's own checksum, over the whole message. */
	if (skb_ensure_writable(skb, p->l4_off + 4))
		return -ENOMEM;
	len = skb->len - p->l4_off;
	if (p->src.family == AF_INET) {
		struct icmphdr *ic = (void *)(skb->data + p->l4_off);

		ic->checksum = 0;
		csum = skb_checksum(skb, p->l4_off, len, 0);
		ic->checksum = csum_fold(csum);
	} else {
		struct ipv6hdr *ip6 = (void *)(skb->data + p->l3_off);
		struct icmp6hdr *ic = (void *)(skb->data + p->l4_off);

		ic->icmp6_cksum = 0;
		csum = skb_checksum(skb, p->l4_off, len, 0);
		ic->icmp6_cksum = csum_ipv6_magic(&ip6->saddr, &ip6->daddr, len,
						  IPPROTO_ICMPV6, csum);
	}
	return 0;
}
