// SPDX-License-Identifier: GPL-2.0
/*
 * Transmit: the frame gets the virtual router's MAC as source and the peer's
 * as destination, a VXLAN or Geneve header with the peer's VNI, and goes to
 * the peer's underlay address through the namespace's routing.
 *
 * Underlay choices (an operator's defaults, documented in README):
 * - outer TTL / hop limit 64; DF set on IPv4, and a frame that would not fit
 *   the route's MTU is dropped and counted "mtu" (never fragmented);
 * - UDP source port from the symmetric inner flow hash, spread over the
 *   namespace's ephemeral port range: ECMP entropy, and both directions of
 *   a connection share it;
 * - UDP checksum: zero over IPv4 (RFC 7348 allows it), computed over IPv6.
 *
 * The underlay route to a peer is cached (struct vgw_txc: the kernel's
 * dst_cache, per CPU, and the addresses it was looked up for), as Linux's
 * VXLAN and Geneve devices cache it per remote: a VNIC's in its runtime
 * state (it outlives the VNIC's versions; a version with another NVD or
 * VIP simply misses), a gateway's in the gateway object, one per VIP the
 * gateway's packets arrive on (VGW_GW_TXC slots). dst_cache checks the
 * route's validity on every use (a route or PMTU change makes it
 * obsolete), so a change of the underlay's routing is seen at once. Not
 * cached where the route may depend on the UDP source port, which differs
 * per flow: a namespace that hashes multipath routes over L4.
 */
#include <linux/etherdevice.h>
#include <linux/jhash.h>
#include <net/dst_cache.h>
#include <net/inet_sock.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/ipv6_stubs.h>
#include <net/route.h>
#include <net/udp_tunnel.h>
#include <vgw/wire.h>

#include "compat.h"
#include "datapath.h"
#include "vgw_trace.h"

#define VGW_OUTER_TTL 64
/* A cache this long unused may be taken for another peer's addresses. */
#define VGW_TXC_IDLE (HZ / 10)

struct vgw_txc {
	struct vgw_ip to;
	struct vgw_ip src;		/* family 0: routing chose it */
	unsigned long used;		/* jiffies: last hit */
	struct dst_cache dc;
	struct rcu_head rcu;
};

static const u8 router_mac[ETH_ALEN] = VGW_ROUTER_MAC;

/* To a VNIC's NVD, from the VNIC's own VIP (its first of the NVD's family). */
void vgw_peer_of_vnic(const struct vgw_vnic *v, struct vgw_peer *to)
{
	unsigned int i;

	to->underlay = &v->mv_nvd;
	to->src = NULL;
	for (i = 0; i < v->n_vips && !to->src; i++)
		if (v->vips[i].ip.family == v->mv_nvd.family)
			to->src = &v->vips[i].ip;
	to->vni = v->mv_vni;
	to->encap = v->mv_encap;
	ether_addr_copy(to->mac, v->mac);
	to->txc = &v->rt->txc;
	to->n_txc = 1;
}

/*
 * A gateway's MAC is 02:00:00 and its 24-bit VNI (README, "Gateways"); what
 * goes to it comes from the VIP @p arrived on.
 */
void vgw_peer_of_gw(const struct vgw_gw *g, const struct vgw_pkt *p,
		    struct vgw_peer *to)
{
	to->underlay = &g->underlay;
	to->src = p->outer_dst.family == g->underlay.family ? &p->outer_dst :
							       NULL;
	to->vni = g->vni;
	to->encap = g->encap;
	to->mac[0] = 0x02;
	to->mac[1] = 0;
	to->mac[2] = 0;
	to->mac[3] = g->vni >> 16;
	to->mac[4] = g->vni >> 8;
	to->mac[5] = g->vni;
	/* The object is const to the packet path; its cache slots are not. */
	to->txc = (struct vgw_txc __rcu **)g->txc;
	to->n_txc = VGW_GW_TXC;
}

static __be16 src_port(const struct vgw_net *vn, u32 hash)
{
	int lo, hi;

	inet_get_local_port_range(vn->net, &lo, &hi);
	return htons(lo + (u32)(((u64)hash * (hi - lo + 1)) >> 32));
}

/* The tunnel header, in front of the frame. */
static unsigned int push_tunnel(struct sk_buff *skb, const struct vgw_peer *to)
{
	if (to->encap == VNICGW_ENCAP_GENEVE) {
		vgw_geneve_init(__skb_push(skb, VGW_GENEVE_HLEN), to->vni, 0);
		return VGW_GENEVE_PORT;
	}
	vgw_vxlan_init(__skb_push(skb, VGW_VXLAN_HLEN), to->vni);
	return VGW_VXLAN_PORT;
}

/* The underlay route to @to, IPv4. NULL (counted) if there is none. */
static struct rtable *route4(struct vgw_net *vn, const struct vgw_ip *src,
			     const struct vgw_ip *dst, __be16 sport,
			     __be16 dport, struct flowi4 *fl4)
{
	struct rtable *rt;

	memset(fl4, 0, sizeof(*fl4));
	fl4->flowi4_proto = IPPROTO_UDP;
	fl4->daddr = dst->v4;
	fl4->saddr = src ? src->v4 : 0;
	fl4->fl4_sport = sport;
	fl4->fl4_dport = dport;
	rt = ip_route_output_key(vn->net, fl4);
	return IS_ERR(rt) ? NULL : rt;
}

static struct dst_entry *route6(struct vgw_net *vn, struct socket *sock,
				const struct vgw_ip *src,
				const struct vgw_ip *to, __be16 sport,
				__be16 dport, struct flowi6 *fl6)
{
	struct dst_entry *dst;

	memset(fl6, 0, sizeof(*fl6));
	fl6->flowi6_proto = IPPROTO_UDP;
	fl6->daddr = to->v6;
	if (src)
		fl6->saddr = src->v6;
	fl6->fl6_sport = sport;
	fl6->fl6_dport = dport;
	dst = ipv6_stub->ipv6_dst_lookup_flow(vn->net, sock->sk, fl6, NULL);
	return IS_ERR(dst) ? NULL : dst;
}

/* --- the route cache ------------------------------------------------------ */

static void txc_destroy(struct vgw_txc *c)
{
	dst_cache_destroy(&c->dc);
	kfree(c);
}

static void txc_free_rcu(struct rcu_head *rcu)
{
	txc_destroy(container_of(rcu, struct vgw_txc, rcu));
}

/*
 * The owner (a VNIC's runtime state, a gateway) is going and no packet can
 * reach it any more. Caches replaced earlier went through call_rcu(); the
 * module's exit waits for those (rcu_barrier() in vgw_ct_exit()).
 */
void vgw_txc_free(struct vgw_txc __rcu **slots, unsigned int n)
{
	struct vgw_txc *c;
	unsigned int i;

	for (i = 0; i < n; i++) {
		c = rcu_dereference_protected(slots[i], true);
		RCU_INIT_POINTER(slots[i], NULL);
		if (c)
			txc_destroy(c);
	}
}

/*
 * May the route to @to be cached here? Only on the packet path (dst_cache
 * is per CPU and wants bottom halves off), and only where the route does
 * not depend on the flow's ports.
 */
static bool txc_usable(const struct net *net, bool v6)
{
	if (!in_softirq())
		return false;
	if (v6)
		return !ip6_multipath_hash_policy(net);
#ifdef CONFIG_IP_ROUTE_MULTIPATH
	if (READ_ONCE(net->ipv4.sysctl_fib_multipath_hash_policy))
		return false;
#endif
	return true;
}

static bool txc_match(const struct vgw_txc *c, const struct vgw_peer *to)
{
	return vgw_ip_eq(&c->to, to->underlay) &&
	       (to->src ? vgw_ip_eq(&c->src, to->src) : !c->src.family);
}

/* The slot of @to's cache: a gateway's by the VIP the packet came to. */
static struct vgw_txc __rcu **txc_slot(const struct vgw_peer *to)
{
	u32 h = 0;

	if (to->n_txc > 1 && to->src)
		h = jhash(to->src->b, to->src->family == AF_INET ? 4 : 16, 0);
	return &to->txc[h % to->n_txc];
}

/*
 * After a route lookup that missed the cache: keep @dst (and the source
 * address the lookup chose, @saddr) in @c if it is @to's, else in a new
 * cache in @slot if that is free or its peer has gone quiet. Two peers
 * that share a slot and are both busy: the second goes uncached.
 */
static void txc_store(struct vgw_txc __rcu **slot, struct vgw_txc *c,
		      const struct vgw_peer *to, struct dst_entry *dst,
		      const void *saddr, bool v6)
{
	struct vgw_txc *old;

	if (c) {
		/* @to's cache (still, or until a grace period from now). */
		if (v6)
			dst_cache_set_ip6(&c->dc, dst, saddr);
		else
			dst_cache_set_ip4(&c->dc, dst, *(const __be32 *)saddr);
		return;
	}
	old = rcu_dereference(*slot);
	if (old && !time_after(jiffies, READ_ONCE(old->used) + VGW_TXC_IDLE))
		return;
	c = kzalloc(sizeof(*c), GFP_ATOMIC);
	if (!c)
		return;
	if (dst_cache_init(&c->dc, GFP_ATOMIC)) {
		kfree(c);
		return;
	}
	c->to = *to->underlay;
	if (to->src)
		c->src = *to->src;
	c->used = jiffies;
	if (v6)
		dst_cache_set_ip6(&c->dc, dst, saddr);
	else
		dst_cache_set_ip4(&c->dc, dst, *(const __be32 *)saddr);
	if (unrcu_pointer(cmpxchg(slot, RCU_INITIALIZER(old),
				  RCU_INITIALIZER(c))) != old) {
		txc_destroy(c);		/* another CPU was first */
		return;
	}
	if (old)
		call_rcu(&old->rcu, txc_free_rcu);
}

/*
 * The underlay route to @to, from the cache or looked up (and cached, if
 * @cache); the outer addresses in @fl4 / @fl6 (only saddr and daddr on a
 * hit). NULL if there is none. The caller owns a reference to what it gets.
 */
static struct dst_entry *route_to(struct vgw_net *vn, struct socket *sock,
				  const struct vgw_peer *to, __be16 sport,
				  __be16 dport, struct flowi4 *fl4,
				  struct flowi6 *fl6, bool cache)
{
	bool v6 = to->underlay->family == AF_INET6;
	struct vgw_txc __rcu **slot = NULL;
	struct vgw_txc *c = NULL;
	struct dst_entry *dst;
	struct rtable *rt;

	if (cache && to->n_txc && txc_usable(vn->net, v6)) {
		slot = txc_slot(to);
		c = rcu_dereference(*slot);
		if (c && !txc_match(c, to))
			c = NULL;
	}
	if (c) {
		if (READ_ONCE(c->used) != jiffies)
			WRITE_ONCE(c->used, jiffies);
		if (v6) {
			dst = dst_cache_get_ip6(&c->dc, &fl6->saddr);
			if (dst) {
				fl6->daddr = to->underlay->v6;
				return dst;
			}
		} else {
			rt = dst_cache_get_ip4(&c->dc, &fl4->saddr);
			if (rt) {
				fl4->daddr = to->underlay->v4;
				return &rt->dst;
			}
		}
	}
	if (v6) {
		dst = route6(vn, sock, to->src, to->underlay, sport, dport, fl6);
	} else {
		rt = route4(vn, to->src, to->underlay, sport, dport, fl4);
		dst = rt ? &rt->dst : NULL;
	}
	if (dst && slot)
		txc_store(slot, c, to, dst,
			  v6 ? (const void *)&fl6->saddr : &fl4->saddr, v6);
	return dst;
}

/* The outer headers' size: tunnel, UDP and IP. */
static unsigned int overhead(const struct vgw_peer *to)
{
	return (to->encap == VNICGW_ENCAP_GENEVE ? VGW_GENEVE_HLEN :
		VGW_VXLAN_HLEN) + sizeof(struct udphdr) +
	       (to->underlay->family == AF_INET6 ? sizeof(struct ipv6hdr) :
		sizeof(struct iphdr));
}

/*
 * A trace's last stage: the frame as vgw_tx() would send it, from the
 * route it looked up (@saddr: the outer source it chose); nothing sent.
 */
static void tx_explain(struct vgw_pkt *p, const struct vgw_peer *to,
		       const void *saddr)
{
	struct vgw_explain *ex = p->ex;

	ex->out_dst = *to->underlay;
	ex->out_src.family = to->underlay->family;
	memcpy(ex->out_src.b, saddr,
	       to->underlay->family == AF_INET6 ? 16 : 4);
	ex->out_vni = to->vni;
	ex->out_encap = to->encap;
	ether_addr_copy(ex->out_dmac, to->mac);
	ether_addr_copy(ex->out_smac, router_mac);
	vgw_explain_end(p, VNICGW_TRACE_FORWARD);
}

/*
 * Send @p's frame to @to: route, room, the inner Ethernet header, the tunnel
 * header, the UDP and IP headers. A frame that would not fit the route's MTU
 * is not sent: its sender learns the MTU (vgw_icmp_too_big()).
 */
void vgw_tx(struct vgw_pkt *p, const struct vgw_peer *to)
{
	bool v6 = to->underlay->family == AF_INET6;
	struct net_device *dev = rcu_dereference(p->vn->dev);
	struct socket *sock = rcu_dereference(p->vn->sock[to->encap][v6]);
	__be16 sport = src_port(p->vn, p->hash), dport;
	struct dst_entry *dst;
	struct flowi4 fl4;
	struct flowi6 fl6;
	struct sk_buff *skb;
	struct ethhdr *eth;
	unsigned int mtu;

	if (!dev || !sock) {
		vgw_drop(p, VNICGW_DROP_XMIT);
		return;
	}
	dport = htons(to->encap == VNICGW_ENCAP_GENEVE ? VGW_GENEVE_PORT :
		      VGW_VXLAN_PORT);
	/* A trace looks the route up without filling the cache. */
	dst = route_to(p->vn, sock, to, sport, dport, &fl4, &fl6, !p->ex);
	if (!dst) {
		vgw_drop(p, VNICGW_DROP_XMIT);
		return;
	}
	mtu = dst_mtu(dst);
	if (p->skb->len + overhead(to) > mtu) {
		dst_release(dst);
		if (unlikely(p->ex))
			vgw_drop(p, VNICGW_DROP_MTU);	/* no error sent */
		else
			vgw_icmp_too_big(p, mtu - overhead(to) - ETH_HLEN);
		return;
	}
	if (unlikely(p->ex)) {
		dst_release(dst);
		tx_explain(p, to, v6 ? (const void *)&fl6.saddr : &fl4.saddr);
		return;
	}
	skb = p->skb;
	/*
	 * Room for the outer headers and the underlay's link header, exactly:
	 * asking for more makes a new head for every packet from a sender with
	 * little headroom (tools/bench/README.md measured 11% of the CPU).
	 */
	if (skb_cow_head(skb, overhead(to) + LL_RESERVED_SPACE(dst->dev)) ||
	    skb_ensure_writable(skb, ETH_HLEN)) {
		dst_release(dst);
		vgw_drop(p, VNICGW_DROP_XMIT);
		return;
	}
	trace_vnicgw_forward(p, to);
	skb_scrub_packet(skb, false);
	eth = (struct ethhdr *)skb->data;
	ether_addr_copy(eth->h_dest, to->mac);
	ether_addr_copy(eth->h_source, router_mac);
	push_tunnel(skb, to);
	/* The tunnel code counts what it sends on skb->dev: the link. */
	skb->dev = dev;
	p->skb = NULL;
	if (v6)
		vgw_compat_udp_tunnel6_xmit(dst, sock->sk, skb, dev, &fl6.saddr,
					    &fl6.daddr, 0, VGW_OUTER_TTL, 0,
					    sport, dport, false);
	else
		vgw_compat_udp_tunnel_xmit((struct rtable *)dst, sock->sk, skb,
					   fl4.saddr, fl4.daddr, 0,
					   VGW_OUTER_TTL, htons(IP_DF), sport,
					   dport, false, true);
}

int vgw_tx_udp(struct vgw_net *vn, struct sk_buff *skb,
	       const struct vgw_ip *src, const struct vgw_ip *to, u32 hash,
	       u8 encap)
{
	bool v6 = to->family == AF_INET6;
	struct net_device *dev = rcu_dereference(vn->dev);
	struct socket *sock = rcu_dereference(vn->sock[encap][v6]);
	__be16 sport = src_port(vn, hash), dport;
	struct dst_entry *dst;
	struct rtable *rt = NULL;
	struct flowi4 fl4;
	struct flowi6 fl6;
	unsigned int ip_hlen = v6 ? sizeof(struct ipv6hdr) : sizeof(struct iphdr);

	if (!dev || !sock)
		return -ENETUNREACH;
	if (src && src->family != to->family)
		src = NULL;
	dport = htons(encap == VNICGW_ENCAP_GENEVE ? VGW_GENEVE_PORT :
		      VGW_VXLAN_PORT);
	if (v6) {
		dst = route6(vn, sock, src, to, sport, dport, &fl6);
	} else {
		rt = route4(vn, src, to, sport, dport, &fl4);
		dst = rt ? &rt->dst : NULL;
	}
	if (!dst)
		return -ENETUNREACH;
	if (skb->len + sizeof(struct udphdr) + ip_hlen > dst_mtu(dst) ||
	    skb_cow_head(skb, sizeof(struct udphdr) + ip_hlen +
			 LL_RESERVED_SPACE(dst->dev))) {
		int err = skb->len + sizeof(struct udphdr) + ip_hlen >
			  dst_mtu(dst) ? -EMSGSIZE : -ENOMEM;

		dst_release(dst);
		return err;
	}
	skb_scrub_packet(skb, false);
	skb->dev = dev;
	if (v6)
		vgw_compat_udp_tunnel6_xmit(dst, sock->sk, skb, dev, &fl6.saddr,
					    &fl6.daddr, 0, VGW_OUTER_TTL, 0,
					    sport, dport, false);
	else
		vgw_compat_udp_tunnel_xmit(rt, sock->sk, skb, fl4.saddr,
					   fl4.daddr, 0, VGW_OUTER_TTL,
					   htons(IP_DF), sport, dport, false,
					   true);
	return 0;
}
