// SPDX-License-Identifier: GPL-2.0
/*
 * The walk of a packet through the virtual network (README.md,
 * "The packet walk"): from a VNIC (checks, target by route, egress rules) or from
 * a gateway (the destination VNIC), then the destination's ingress rules and
 * delivery. Route before rules: the egress rules of a VNIC may name the
 * destination's NSGs, so the destination must be known first; what passes
 * is the same either way.
 */
#include <linux/etherdevice.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <net/checksum.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/ndisc.h>
#include <vgw/flow.h>

#include "cluster.h"
#include "conntrack.h"
#include "nat.h"
#include "datapath.h"

/* --- parsing the inner packet ----------------------------------------- */

/* Ports (or the ICMP type, code and echo id): the packet has an L4 header. */
static int parse_l4(struct vgw_pkt *p)
{
	struct sk_buff *skb = p->skb;
	const u8 *l4;

	switch (p->l4proto) {
	case IPPROTO_TCP:
		if (!pskb_may_pull(skb, p->l4_off + 14))
			return -EINVAL;
		l4 = skb->data + p->l4_off;
		p->sport = get_unaligned_be16(l4);
		p->dport = get_unaligned_be16(l4 + 2);
		p->tcp_flags = l4[13];
		return 0;
	case IPPROTO_UDP:
		if (!pskb_may_pull(skb, p->l4_off + 4))
			return -EINVAL;
		l4 = skb->data + p->l4_off;
		p->sport = get_unaligned_be16(l4);
		p->dport = get_unaligned_be16(l4 + 2);
		return 0;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if (!pskb_may_pull(skb, p->l4_off + 8))
			return -EINVAL;
		l4 = skb->data + p->l4_off;
		p->icmp_type = l4[0];
		p->icmp_code = l4[1];
		if (vgw_flow_icmp_is_echo(p->l4proto, p->icmp_type)) {
			p->sport = get_unaligned_be16(l4 + 4);
			p->dport = p->sport;
		}
		return 0;
	}
	return 0;
}

/*
 * An IP fragment (IPv4, or IPv6 with a fragment header). The first carries
 * the L4 header: its ports are noted once the sender has passed its source
 * check (vgw_frag_note()), so that the later ones, which carry none, are
 * matched, tracked and translated as the datagram they belong to (a virtual
 * reassembly: nothing is held back or rebuilt). A later fragment whose
 * first was not seen here is dropped (-ENOENT).
 */
static int parse_fragment(struct vgw_pkt *p, bool first, u32 id)
{
	p->frag = true;
	p->frag_id = id;
	if (first)
		return parse_l4(p);
	p->later_frag = true;
	return vgw_frag_recall(p) ? 0 : -ENOENT;
}

static int parse_ipv4(struct vgw_pkt *p)
{
	struct sk_buff *skb = p->skb;
	const struct iphdr *iph;
	unsigned int len;

	if (!pskb_may_pull(skb, ETH_HLEN + sizeof(*iph)))
		return -EINVAL;
	iph = (const void *)(skb->data + ETH_HLEN);
	len = ntohs(iph->tot_len);
	if (iph->version != 4 || iph->ihl < 5 || len < iph->ihl * 4 ||
	    ETH_HLEN + len > skb->len ||
	    !pskb_may_pull(skb, ETH_HLEN + iph->ihl * 4))
		return -EINVAL;
	/* Ethernet padding after the datagram is not part of it. */
	if (pskb_trim(skb, ETH_HLEN + len))
		return -EINVAL;
	iph = (const void *)(skb->data + ETH_HLEN);
	p->l3_off = ETH_HLEN;
	p->l4_off = ETH_HLEN + iph->ihl * 4;
	p->l4proto = iph->protocol;
	p->src.family = AF_INET;
	p->dst.family = AF_INET;
	p->src.v4 = iph->saddr;
	p->dst.v4 = iph->daddr;
	if (!(iph->frag_off & htons(IP_MF | IP_OFFSET)))
		return parse_l4(p);
	return parse_fragment(p, !(iph->frag_off & htons(IP_OFFSET)),
			      ntohs(iph->id));
}

/*
 * Extension headers walked before the upper-layer header; a packet with
 * more is dropped. RFC 8200's recommended order has at most seven (the
 * destination options twice) before ESP or the upper layer; an instance
 * has no reason to send more.
 */
#define VGW_IPV6_MAX_EXTHDRS	8

/*
 * The IPv6 extension headers from @nexthdr at @off (just past the fixed
 * header) to the upper-layer header, whose protocol and offset go to @p,
 * then parse_l4(). RFC 8200's: hop-by-hop options (first only), routing,
 * destination options, authentication (RFC 4302's length) and the fragment
 * header (once). Anything else is the upper layer: ESP, "no next header",
 * mobility and the like have no ports and are matched by protocol only.
 * A fragment: a non-first one ends the walk (its payload is the datagram's
 * continuation); the first one must hold the whole chain and the L4 header
 * (RFC 7112), else it is malformed. An atomic fragment (offset 0, no M
 * flag) is a whole datagram. Like ipv6_skip_exthdr(), read through
 * skb_header_pointer(), so a non-linear skb is walked without pulling; unlike
 * it, the walk is bounded and reports the fragment header's identification.
 */
static int walk_ipv6(struct vgw_pkt *p, u8 nexthdr, unsigned int off)
{
	struct sk_buff *skb = p->skb;
	bool fragmented = false, first = false;
	unsigned int n, hlen;
	u32 id = 0;

	for (n = 0; ; n++) {
		struct frag_hdr _fh;
		const struct frag_hdr *fh;
		struct ipv6_opt_hdr _h;
		const struct ipv6_opt_hdr *h;

		switch (nexthdr) {
		case NEXTHDR_HOP:
			if (n)
				return -EINVAL;	/* only right after the header */
			break;
		case NEXTHDR_ROUTING:
		case NEXTHDR_DEST:
		case NEXTHDR_AUTH:
		case NEXTHDR_FRAGMENT:
			break;
		default:
			goto upper;
		}
		if (n == VGW_IPV6_MAX_EXTHDRS)
			return -EINVAL;
		if (nexthdr == NEXTHDR_FRAGMENT) {
			u16 fo;

			fh = skb_header_pointer(skb, off, sizeof(_fh), &_fh);
			if (!fh || fragmented)
				return -EINVAL;	/* cut short, or a second one */
			fo = ntohs(fh->frag_off);
			nexthdr = fh->nexthdr;
			off += sizeof(*fh);
			if (!(fo & (IP6_OFFSET | IP6_MF)))
				continue;	/* atomic: not a fragment */
			fragmented = true;
			first = !(fo & IP6_OFFSET);
			id = ntohl(fh->identification);
			if (!first)
				goto upper;	/* the rest is the datagram's */
			continue;
		}
		h = skb_header_pointer(skb, off, sizeof(_h), &_h);
		if (!h)
			return -EINVAL;
		hlen = nexthdr == NEXTHDR_AUTH ? ipv6_authlen(h) :
						 ipv6_optlen(h);
		if (off + hlen > skb->len)
			return -EINVAL;
		nexthdr = h->nexthdr;
		off += hlen;
	}
upper:
	p->l4proto = nexthdr;
	p->l4_off = off;
	if (!fragmented)
		return parse_l4(p);
	return parse_fragment(p, first, id);
}

static int parse_ipv6(struct vgw_pkt *p)
{
	struct sk_buff *skb = p->skb;
	const struct ipv6hdr *ip6;
	unsigned int len;

	if (!pskb_may_pull(skb, ETH_HLEN + sizeof(*ip6)))
		return -EINVAL;
	ip6 = (const void *)(skb->data + ETH_HLEN);
	len = sizeof(*ip6) + ntohs(ip6->payload_len);
	if (ip6->version != 6 || ETH_HLEN + len > skb->len ||
	    pskb_trim(skb, ETH_HLEN + len))
		return -EINVAL;
	ip6 = (const void *)(skb->data + ETH_HLEN);
	p->l3_off = ETH_HLEN;
	p->src.family = AF_INET6;
	p->dst.family = AF_INET6;
	p->src.v6 = ip6->saddr;
	p->dst.v6 = ip6->daddr;
	return walk_ipv6(p, ip6->nexthdr, ETH_HLEN + sizeof(*ip6));
}

/*
 * The symmetric flow hash of vgw/flow.h, as the XDP steering computes it, of
 * @p's ports and protocol between @src and @dst.
 */
static u32 flow_hash_of(const struct vgw_pkt *p, const struct vgw_ip *src,
			const struct vgw_ip *dst)
{
	struct vgw_flow_key k;

	if (src->family == AF_INET)
		vgw_flow_key_init_ipv4(&k, src->v4, dst->v4, p->l4proto);
	else
		vgw_flow_key_init_ipv6(&k, src->v6.s6_addr32,
				       dst->v6.s6_addr32, p->l4proto);
	/* Fragments hash without ports (vgw/flow.h): one path per datagram. */
	if (!p->frag)
		vgw_flow_key_set_ports(&k, htons(p->sport), htons(p->dport));
	return vgw_flow_hash(&k);
}

static void flow_hash(struct vgw_pkt *p)
{
	p->hash = flow_hash_of(p, &p->src, &p->dst);
}

/* The symmetric flow hash of a quoted packet, with @src as its source. */
static u32 quote_hash(const struct vgw_quote *q, const struct vgw_ip *src)
{
	struct vgw_flow_key k;

	if (src->family == AF_INET)
		vgw_flow_key_init_ipv4(&k, src->v4, q->dst.v4, q->proto);
	else
		vgw_flow_key_init_ipv6(&k, src->v6.s6_addr32,
				       q->dst.v6.s6_addr32, q->proto);
	vgw_flow_key_set_ports(&k, htons(q->sport), htons(q->dport));
	return vgw_flow_hash(&k);
}

/*
 * Is @p an ICMP error? Then @q is what it quotes, and @p belongs to the
 * quoted packet's flow: its hash (the flow's owner, its underlay path) is
 * that flow's. 1 if so, 0 if @p is no error, -EINVAL for an error whose
 * quote we cannot read (dropped by the caller).
 */
static int icmp_error(struct vgw_pkt *p, struct vgw_quote *q)
{
	if (!vgw_icmp_is_error(p))
		return 0;
	if (vgw_icmp_quote(p, q))
		return -EINVAL;
	p->hash = quote_hash(q, &q->src);
	return 1;
}

/* 0, or the packet is dropped (and counted). */
int vgw_parse_ip(struct vgw_pkt *p)
{
	int err;

	if (p->ethertype == htons(ETH_P_IP)) {
		err = parse_ipv4(p);
	} else if (p->ethertype == htons(ETH_P_IPV6)) {
		err = parse_ipv6(p);
	} else {
		vgw_drop(p, VNICGW_DROP_NOT_IP);
		return -EPROTO;
	}
	if (err) {
		vgw_drop(p, err == -ENOENT ? VNICGW_DROP_FRAGMENT :
			 VNICGW_DROP_MALFORMED);
		return err;
	}
	flow_hash(p);
	return 0;
}

/* A neighbour solicitation; never a fragment (RFC 6980). */
static bool is_ns(const struct vgw_pkt *p)
{
	return p->l4proto == IPPROTO_ICMPV6 && !p->frag &&
	       p->icmp_type == NDISC_NEIGHBOUR_SOLICITATION;
}

/*
 * IPv6 control traffic from a link-local address to a multicast group (MLD,
 * router solicitation): every IPv6 instance sends it; it is neither for
 * another VNIC nor a spoof.
 */
static bool link_local_control(const struct vgw_pkt *p)
{
	return p->src.family == AF_INET6 &&
	       ipv6_addr_type(&p->src.v6) & IPV6_ADDR_LINKLOCAL &&
	       ipv6_addr_is_multicast(&p->dst.v6);
}

/* --- what the walk needs of the tables --------------------------------- */

/* Is @ip inside the CIDRs of @sn's VCN? */
static bool in_vcn(const struct vgw_snap *s, const struct vgw_subnet *sn,
		   const struct vgw_ip *ip)
{
	const struct vgw_vcn *vcn;
	unsigned int i;

	vcn = (const void *)vgw_obj_find_hashed(s, VNICGW_OBJ_VCN, sn->vcn,
						sn->vcn_hash);
	for (i = 0; vcn && i < vcn->n_cidrs; i++)
		if (vgw_pfx_contains(&vcn->cidrs[i], ip))
			return true;
	return false;
}

/* The index of @g's VCN. */
static u32 gw_vcn_index(const struct vgw_snap *s, const struct vgw_gw *g)
{
	const struct vgw_vcn *vcn;

	vcn = (const void *)vgw_obj_find_hashed(s, VNICGW_OBJ_VCN, g->vcn,
						g->vcn_hash);
	return vcn ? vcn->index : 0;
}

static bool owns(const struct vgw_vnic *v, const struct vgw_ip *ip)
{
	unsigned int i;

	for (i = 0; i < v->n_ips; i++)
		if (vgw_ip_eq(&v->ips[i], ip))
			return true;
	return false;
}

/* What @v's rules look at in @p, in one direction; @remote: the peer VNIC or NULL. */
static void rule_pkt_of(const struct vgw_pkt *p, bool ingress,
			const struct vgw_vnic *remote, struct vgw_rule_pkt *rp)
{
	const struct vgw_ip *peer = ingress ? &p->src : &p->dst;

	*rp = (struct vgw_rule_pkt){
		.family = peer->family,
		.proto = p->l4proto,
		.sport = p->sport,
		.dport = p->dport,
		.icmp_type = p->icmp_type,
		.icmp_code = p->icmp_code,
	};
	memcpy(rp->remote, peer->b, 16);
	if (remote) {
		rp->remote_nsgs = remote->nsg_index;
		rp->n_remote_nsgs = remote->n_nsgs;
	}
}

/* The verdict of @v's rules in one direction; @remote: the peer VNIC or NULL. */
static enum vgw_verdict rules(const struct vgw_pkt *p, const struct vgw_vnic *v,
			      bool ingress, const struct vgw_vnic *remote)
{
	const struct vgw_policy *pol = vgw_policy_of(p->snap, v);
	const struct vgw_ruleset *rs;
	struct vgw_rule_pkt rp;

	if (!pol)
		return VGW_DENY;
	rs = ingress ? pol->in : pol->out;
	if (!rs)
		return VGW_DENY;
	rule_pkt_of(p, ingress, remote, &rp);
	return vgw_rules_match(rs, &rp);
}

/* --- traces (explain.c): what the walk notes, and only then ------------ */

/* Where a packet from a VNIC goes. */
enum target_kind { T_VNIC, T_GW };

struct target {
	enum target_kind kind;
	const struct vgw_vnic *vnic;
	const struct vgw_gw *gw;
};

static void explain_tracked(const struct vgw_pkt *p, const struct vgw_vnic *v,
			    bool ingress)
{
	struct vgw_step *st;

	st = vgw_explain_step(p, ingress ? VNICGW_STAGE_INGRESS :
			      VNICGW_STAGE_EGRESS, VNICGW_RESULT_TRACKED);
	if (!st)
		return;
	st->obj_type = VNICGW_OBJ_VNIC;
	st->obj = v->o.id;
	st->has_ct = true;
	st->ct_state = p->ex->ct_state;
	st->expires = p->ex->ct_expires;
}

/*
 * Which rule gave @verdict: the first of its kind (stateless or stateful)
 * that matches, in the subnet's lists, then the VNIC's NSGs. The verdict is
 * the compiled ruleset's; this only names the rule behind it.
 */
static void explain_rules(const struct vgw_pkt *p, const struct vgw_vnic *v,
			  bool ingress, const struct vgw_vnic *remote,
			  enum vgw_verdict verdict)
{
	const struct vgw_seclist *sl;
	struct vgw_rule_pkt rp;
	struct vgw_step *st;

	st = vgw_explain_step(p, ingress ? VNICGW_STAGE_INGRESS :
			      VNICGW_STAGE_EGRESS,
			      verdict == VGW_ALLOW_STATELESS ?
			      VNICGW_RESULT_STATELESS :
			      verdict == VGW_ALLOW_STATEFUL ?
			      VNICGW_RESULT_STATEFUL : VNICGW_RESULT_DENY);
	if (!st)
		return;
	st->obj_type = VNICGW_OBJ_VNIC;
	st->obj = v->o.id;
	if (verdict == VGW_DENY)
		return;
	rule_pkt_of(p, ingress, remote, &rp);
	if (!vgw_policy_which(p->snap, v, ingress,
			      verdict == VGW_ALLOW_STATELESS, &rp, &sl,
			      &st->rule_index))
		return;
	st->has_rule = true;
	st->rule_obj_type = sl->o.type;
	st->rule_obj = sl->o.id;
}

static void explain_route(const struct vgw_pkt *p, u8 result, const char *rt,
			  const struct vgw_route *r, u32 idx,
			  const struct target *t)
{
	struct vgw_step *st = vgw_explain_step(p, VNICGW_STAGE_ROUTE, result);

	if (!st)
		return;
	if (rt) {
		st->obj_type = VNICGW_OBJ_ROUTE_TABLE;
		st->obj = rt;
		st->has_index = true;
		st->index = idx;
		if (r->dst_kind == VGW_DST_CIDR) {
			st->has_pfx = true;
			st->pfx = r->dst;
		}
	}
	if (t->kind == T_GW && t->gw) {
		st->target_type = VNICGW_OBJ_GATEWAY;
		st->target = t->gw->o.id;
	} else if (t->kind == T_VNIC && t->vnic) {
		st->target_type = VNICGW_OBJ_VNIC;
		st->target = t->vnic->o.id;
	}
}

static void explain_nat(const struct vgw_pkt *p, const struct vgw_gw *g,
			const struct vgw_ip *addr)
{
	struct vgw_step *st = vgw_explain_step(p, VNICGW_STAGE_NAT,
					       VNICGW_RESULT_PUBLIC_IP);

	if (!st)
		return;
	st->obj_type = VNICGW_OBJ_GATEWAY;
	st->obj = g->o.id;
	st->has_addr = true;
	st->addr = *addr;
}

/*
 * May @p pass @v's rules in this direction? A tracked connection passes; else
 * the rules decide, and a stateful allow opens a tracked connection (unless
 * the VNIC's table is full). 0, or the drop reason.
 */
static int security(struct vgw_pkt *p, const struct vgw_vnic *v, bool ingress,
		    const struct vgw_vnic *remote)
{
	enum vgw_verdict verdict;

	if (vgw_ct_pass(p, v)) {
		if (unlikely(p->ex))
			explain_tracked(p, v, ingress);
		return 0;
	}
	verdict = rules(p, v, ingress, remote);
	if (unlikely(p->ex))
		explain_rules(p, v, ingress, remote, verdict);
	switch (verdict) {
	case VGW_ALLOW_STATELESS:
		return 0;
	case VGW_ALLOW_STATEFUL:
		/* An ICMP error is judged by the rules; it opens nothing. */
		if (vgw_icmp_is_error(p))
			return 0;
		return vgw_ct_open(p, v, !ingress) ? VNICGW_DROP_CT_FULL : 0;
	default:
		return ingress ? VNICGW_DROP_INGRESS_DENIED :
				 VNICGW_DROP_EGRESS_DENIED;
	}
}

/* --- flow owners (cluster.h) ---------------------------------------------- */

/* May @v's rules in this direction track connections? */
static bool stateful_rules(const struct vgw_pkt *p, const struct vgw_vnic *v,
			   bool ingress)
{
	const struct vgw_policy *pol = vgw_policy_of(p->snap, v);

	return pol && vgw_rules_stateful(ingress ? pol->in : pol->out);
}

/* May another host own this flow? (Not once a host handed it here.) */
static bool clustered(const struct vgw_pkt *p)
{
	return !p->handed && vgw_cluster_get(p->vn);
}

/*
 * Stateful processing happens at the flow's owner: when another host owns
 * @hash, @p goes there as it came (true: handed over, or dropped).
 * Stateless traffic is processed wherever ECMP brought it.
 */
static bool owned_elsewhere(struct vgw_pkt *p, u32 hash)
{
	const struct vgw_cluster *c = vgw_cluster_get(p->vn);
	const struct vgw_member *owner;

	owner = vgw_cluster_owner(c, hash);
	if (unlikely(p->ex)) {
		struct vgw_step *st;

		st = vgw_explain_step(p, VNICGW_STAGE_OWNER, owner ?
				      VNICGW_RESULT_OTHER : VNICGW_RESULT_SELF);
		if (st) {
			vgw_cluster_roles(c, hash, &st->owner, &st->backup);
			if (owner && (owner->addr.family == AF_INET ||
				      owner->addr.family == AF_INET6)) {
				st->has_addr = true;
				st->addr = owner->addr;
			}
		}
		if (owner) {
			const struct vgw_ip *src;
			int reason = vgw_cluster_handoff_refused(c, owner, &src);

			if (reason) {
				vgw_drop(p, reason);
				return true;
			}
			if (src)
				p->ex->out_src = *src;
			p->ex->out_dst = owner->addr;
			vgw_explain_end(p, VNICGW_TRACE_HANDOFF);
		}
		return owner;
	}
	if (!owner)
		return false;
	vgw_cluster_handoff(p, owner);
	return true;
}

/* --- rewriting ----------------------------------------------------------- */

/* The router forwards: TTL / hop limit down by one; 0 if it may go on. */
static int hop(struct vgw_pkt *p)
{
	struct sk_buff *skb = p->skb;

	if (skb_ensure_writable(skb, p->l4_off))
		return -ENOMEM;
	if (p->src.family == AF_INET) {
		struct iphdr *iph = (void *)(skb->data + p->l3_off);

		if (iph->ttl <= 1)
			return -ETIMEDOUT;
		ip_decrease_ttl(iph);
	} else {
		struct ipv6hdr *ip6 = (void *)(skb->data + p->l3_off);

		if (ip6->hop_limit <= 1)
			return -ETIMEDOUT;
		ip6->hop_limit--;
	}
	return 0;
}

/*
 * Where the transport checksum is, if it covers the addresses: NULL if
 * there is none, an ERR_PTR() if there is one that cannot be written (the
 * rewrite must then not happen: the checksum would be left stale).
 */
static __sum16 *l4_csum(struct vgw_pkt *p, bool *udp)
{
	struct sk_buff *skb = p->skb;
	unsigned int off;

	*udp = false;
	if (p->later_frag)
		return NULL;	/* no transport header in this fragment */
	switch (p->l4proto) {
	case IPPROTO_TCP:
		off = offsetof(struct tcphdr, check);
		break;
	case IPPROTO_UDP:
		off = offsetof(struct udphdr, check);
		*udp = true;
		break;
	case IPPROTO_ICMPV6:
		off = offsetof(struct icmp6hdr, icmp6_cksum);
		break;
	default:
		return NULL;	/* ICMP (v4) has no pseudo-header */
	}
	if (skb_ensure_writable(skb, p->l4_off + off + 2))
		return ERR_PTR(-ENOMEM);
	return (__sum16 *)(skb->data + p->l4_off + off);
}

/*
 * Replace the source (@src true) or destination address: the IP header and
 * the transport checksum follow. The one NAT primitive of the internet and
 * NAT gateways.
 */
int vgw_rewrite_addr(struct vgw_pkt *p, bool src, const struct vgw_ip *to)
{
	struct sk_buff *skb = p->skb;
	struct vgw_ip *field = src ? &p->src : &p->dst;
	__sum16 *check;
	bool udp;

	if (skb_ensure_writable(skb, p->l4_off))
		return -ENOMEM;
	check = l4_csum(p, &udp);
	if (IS_ERR(check))
		return PTR_ERR(check);
	/* An IPv4 UDP datagram sent without a checksum leaves without one. */
	if (check && udp && !*check && p->src.family == AF_INET)
		check = NULL;
	if (p->src.family == AF_INET) {
		struct iphdr *iph = (void *)(skb->data + p->l3_off);
		__be32 *a = src ? &iph->saddr : &iph->daddr;

		csum_replace4(&iph->check, *a, to->v4);
		if (check)
			inet_proto_csum_replace4(check, skb, *a, to->v4, true);
		*a = to->v4;
	} else {
		struct ipv6hdr *ip6 = (void *)(skb->data + p->l3_off);
		struct in6_addr *a = src ? &ip6->saddr : &ip6->daddr;

		if (check)
			inet_proto_csum_replace16(check, skb, a->s6_addr32,
						  to->v6.s6_addr32, true);
		*a = to->v6;
	}
	if (check && udp && !*check)
		*check = CSUM_MANGLED_0;
	*field = *to;
	return 0;
}

/* --- delivery ------------------------------------------------------------ */

/* To VNIC @d: its ingress rules, then its NVD. @from: the sending VNIC. */
static void to_vnic(struct vgw_pkt *p, const struct vgw_vnic *d,
		    const struct vgw_vnic *from)
{
	struct vgw_peer to;
	int reason;

	/* From here on, drops are the destination's. */
	p->vnic = d;
	reason = security(p, d, true, from);
	if (reason) {
		vgw_drop(p, reason);
		return;
	}
	if (!p->ex)
		vgw_count_in(d, p->skb->len);
	vgw_peer_of_vnic(d, &to);
	vgw_tx(p, &to);
}

/*
 * @quote: what @p quotes when it is an ICMP error (the VNIC reports a
 * problem with a packet it received), else NULL. The NAT of an error
 * applies to the quote too: it is about a packet the far end sent to the
 * public side.
 */
static void to_gateway(struct vgw_pkt *p, const struct vgw_gw *g,
		       struct vgw_quote *quote)
{
	const struct vgw_vnic *v = p->vnic;
	struct vgw_peer to;

	if (!g->enabled) {
		vgw_drop(p, VNICGW_DROP_GW_DISABLED);
		return;
	}
	if (g->gw_type == VNICGW_GW_TYPE_INTERNET) {
		struct vgw_ip priv = p->src;

		/* 1:1 NAT of the private source to the VNIC's public IP. */
		if (v->public_ip.family != p->src.family ||
		    vgw_rewrite_addr(p, true, &v->public_ip)) {
			vgw_drop(p, VNICGW_DROP_NO_PUBLIC_IP);
			return;
		}
		if (unlikely(p->ex))
			explain_nat(p, g, &v->public_ip);
		if (quote && vgw_ip_eq(&quote->dst, &priv) &&
		    vgw_icmp_quote_rewrite(p, quote, false, &v->public_ip, -1)) {
			vgw_drop(p, VNICGW_DROP_MALFORMED);
			return;
		}
	} else if (g->gw_type == VNICGW_GW_TYPE_NAT) {
		int reason = quote ? vgw_nat_icmp_out(p, g, quote) :
				     vgw_nat_out(p, g);

		if (reason) {
			vgw_drop(p, reason);
			return;
		}
	}
	vgw_peer_of_gw(g, p, &to);
	vgw_tx(p, &to);
}

/* --- the walk from a VNIC ------------------------------------------------ */

static const struct vgw_gw *find_gw(const struct vgw_pkt *p, const char *id,
				    u64 hash)
{
	return (const void *)vgw_obj_find_hashed(p->snap, VNICGW_OBJ_GATEWAY,
						 id, hash);
}

/* The target of a route rule. 0, or a drop reason. */
static int rule_target(const struct vgw_pkt *p, const struct vgw_route *r,
		       struct target *t)
{
	if (r->target_kind == VGW_TARGET_GW) {
		t->kind = T_GW;
		t->gw = find_gw(p, r->gw, r->gw_hash);
		return t->gw ? 0 : VNICGW_DROP_NO_ROUTE;
	}
	t->kind = T_VNIC;
	t->vnic = vgw_vnic_by_ip(p->snap, p->vnic->vcn_index, &r->ip);
	return t->vnic ? 0 : VNICGW_DROP_NO_DST_VNIC;
}

static int route(const struct vgw_pkt *p, struct target *t)
{
	const struct vgw_vnic *v = p->vnic;
	const struct vgw_subnet *sn;
	const struct vgw_rt *rt;
	unsigned int i;
	bool hit;
	int err;
	u32 idx;

	/* A VIP whose rule names a target sends everything there. */
	for (i = 0; i < v->n_vips; i++) {
		if (v->vips[i].target && vgw_ip_eq(&v->vips[i].ip, &p->outer_dst)) {
			t->kind = T_GW;
			/* Rare (VIPs of appliances): hashed here, not kept. */
			t->gw = find_gw(p, v->vips[i].target,
					vgw_obj_hash(VNICGW_OBJ_GATEWAY,
						     v->vips[i].target));
			if (unlikely(p->ex))
				explain_route(p, VNICGW_RESULT_VIP_TARGET,
					      NULL, NULL, 0, t);
			return t->gw ? 0 : VNICGW_DROP_NO_ROUTE;
		}
	}
	sn = (const void *)vgw_obj_find_hashed(p->snap, VNICGW_OBJ_SUBNET,
					       v->subnet, v->subnet_hash);
	if (!sn)
		return VNICGW_DROP_NO_ROUTE;
	/* VCN-local traffic goes through the virtual router, implicitly. */
	if (in_vcn(p->snap, sn, &p->dst)) {
		t->kind = T_VNIC;
		t->vnic = vgw_vnic_by_ip(p->snap, v->vcn_index, &p->dst);
		if (unlikely(p->ex))
			explain_route(p, VNICGW_RESULT_VCN_LOCAL, NULL, NULL, 0,
				      t);
		return t->vnic ? 0 : VNICGW_DROP_NO_DST_VNIC;
	}
	rt = sn->rt[0] ? (const void *)vgw_obj_find_hashed(p->snap,
							   VNICGW_OBJ_ROUTE_TABLE,
							   sn->rt, sn->rt_hash) : NULL;
	if (!rt || !rt->lpm)
		return VNICGW_DROP_NO_ROUTE;
	hit = p->dst.family == AF_INET ?
	      vgw_lpm_lookup4(rt->lpm, p->dst.v4, &idx) :
	      vgw_lpm_lookup6(rt->lpm, p->dst.b, &idx);
	if (!hit || idx >= rt->n_rules)
		return VNICGW_DROP_NO_ROUTE;
	err = rule_target(p, &rt->rules[idx], t);
	if (unlikely(p->ex))
		explain_route(p, VNICGW_RESULT_RULE, rt->o.id, &rt->rules[idx],
			      idx, t);
	return err;
}

/* A frame from an instance, found by (VIP, VNI). */
void vgw_from_vnic(struct vgw_pkt *p)
{
	const struct vgw_vnic *v = p->vnic;
	struct vgw_quote quote;
	struct vgw_peer back;
	struct target t;
	int reason, err;

	if (!vgw_ip_eq(&p->outer_src, &v->mv_nvd)) {
		vgw_drop(p, VNICGW_DROP_OUTER_SRC_SPOOF);
		return;
	}
	if (!ether_addr_equal(eth_hdr(p->skb)->h_source, v->mac)) {
		vgw_drop(p, VNICGW_DROP_MAC_SPOOF);
		return;
	}
	vgw_peer_of_vnic(v, &back);
	if (p->ethertype == htons(ETH_P_ARP)) {
		vgw_l2_answer(p, &back);
		return;
	}
	if (vgw_parse_ip(p))
		return;
	if (is_ns(p)) {
		vgw_l2_answer(p, &back);
		return;
	}
	if (link_local_control(p)) {
		/* MLD reports, router solicitations: not for the router to forward. */
		if (unlikely(p->ex)) {
			vgw_explain_end(p, VNICGW_TRACE_CONSUME);
			return;
		}
		consume_skb(p->skb);
		p->skb = NULL;
		return;
	}
	/* A handed packet was counted by the host that received it. */
	if (!p->handed && !p->ex)
		vgw_count_out(v, p->skb->len);
	p->sender = v;
	p->sender_src = p->src;
	p->sender_sport = p->sport;
	if (!v->skip_sdc && !owns(v, &p->src)) {
		vgw_drop(p, VNICGW_DROP_SRC_IP_SPOOF);
		return;
	}
	if (unlikely(p->ex))
		vgw_explain_step(p, VNICGW_STAGE_CHECKS, VNICGW_RESULT_OK);
	/* Only now may a first fragment speak for its datagram. */
	vgw_frag_note(p);
	reason = route(p, &t);
	if (reason) {
		vgw_drop(p, reason);
		return;
	}
	err = icmp_error(p, &quote);
	if (err < 0) {
		vgw_drop(p, VNICGW_DROP_MALFORMED);
		return;
	}
	if (clustered(p) &&
	    (stateful_rules(p, v, false) ||
	     (t.kind == T_GW ? t.gw->gw_type == VNICGW_GW_TYPE_NAT :
	      stateful_rules(p, t.vnic, true))) &&
	    owned_elsewhere(p, p->hash))
		return;
	reason = security(p, v, false, t.kind == T_VNIC ? t.vnic : NULL);
	if (reason) {
		vgw_drop(p, reason);
		return;
	}
	reason = hop(p);
	if (reason) {
		vgw_drop(p, reason == -ETIMEDOUT ? VNICGW_DROP_TTL :
			 VNICGW_DROP_MALFORMED);
		return;
	}
	if (t.kind == T_VNIC)
		to_vnic(p, t.vnic, v);
	else
		to_gateway(p, t.gw, err ? &quote : NULL);
}

/* --- the walk from a gateway --------------------------------------------- */

/*
 * The VNIC a gateway's packet is for, and its private address the packet
 * goes to: behind an internet gateway, the primary private address of the
 * destination public IP's family (the static 1:1 table); else the packet's
 * own destination. Nothing is rewritten.
 */
static const struct vgw_vnic *gw_peer(const struct vgw_pkt *p,
				      const struct vgw_ip **priv)
{
	const struct vgw_gw *g = p->gw;
	const struct vgw_vnic *d;
	u32 vcn = gw_vcn_index(p->snap, g);
	unsigned int i;

	if (g->gw_type != VNICGW_GW_TYPE_INTERNET) {
		*priv = &p->dst;
		return vgw_vnic_by_ip(p->snap, vcn, &p->dst);
	}
	d = vgw_vnic_by_pub(p->snap, &p->dst);
	if (!d || d->vcn_index != vcn)
		return NULL;
	for (i = 0; i < d->n_ips; i++) {
		if (d->ips[i].family == p->dst.family) {
			*priv = &d->ips[i];
			return d;
		}
	}
	return NULL;
}

/* A frame from a gateway, found by its VNI. */
void vgw_from_gateway(struct vgw_pkt *p)
{
	const struct vgw_gw *g = p->gw;
	const struct vgw_vnic *d;
	const struct vgw_ip *priv;
	struct vgw_quote quote;
	struct vgw_peer back;
	int err, icmp;

	if (!vgw_ip_eq(&p->outer_src, &g->underlay)) {
		vgw_drop(p, VNICGW_DROP_OUTER_SRC_SPOOF);
		return;
	}
	vgw_peer_of_gw(g, p, &back);
	if (p->ethertype == htons(ETH_P_ARP)) {
		vgw_l2_answer(p, &back);
		return;
	}
	if (vgw_parse_ip(p))
		return;
	if (is_ns(p)) {
		vgw_l2_answer(p, &back);
		return;
	}
	if (!g->enabled) {
		vgw_drop(p, VNICGW_DROP_GW_DISABLED);
		return;
	}
	/* The gateway's outer source is checked: its word counts. */
	vgw_frag_note(p);
	/* An ICMP error goes where the packet it quotes came from. */
	icmp = icmp_error(p, &quote);
	if (icmp < 0) {
		vgw_drop(p, VNICGW_DROP_MALFORMED);
		return;
	}
	/*
	 * Whose flow it is: a NAT gateway's reply belongs to the owner of
	 * its public port's slot (an error: the slot of the port it quotes);
	 * anything else to the owner of its flow in private address space,
	 * when the destination tracks connections.
	 */
	if (g->gw_type == VNICGW_GW_TYPE_NAT) {
		if (clustered(p) &&
		    owned_elsewhere(p, icmp ?
				    vgw_nat_port_hash(&quote.src, quote.sport,
						      quote.proto) :
				    vgw_nat_port_hash(&p->dst, p->dport,
						      p->l4proto)))
			return;
		err = icmp ? vgw_nat_icmp_in(p, g, &quote) : vgw_nat_in(p, g);
		if (err) {
			vgw_drop(p, err);
			return;
		}
	}
	d = gw_peer(p, &priv);
	if (unlikely(p->ex)) {
		struct target t = { .kind = T_VNIC, .vnic = d };

		explain_route(p, VNICGW_RESULT_GATEWAY_IN, NULL, NULL, 0, &t);
	}
	if (!d) {
		vgw_drop(p, VNICGW_DROP_NO_DST_VNIC);
		return;
	}
	if (g->gw_type != VNICGW_GW_TYPE_NAT && clustered(p) &&
	    stateful_rules(p, d, true) &&
	    owned_elsewhere(p, icmp ? quote_hash(&quote, priv) :
			    flow_hash_of(p, &p->src, priv)))
		return;
	/*
	 * The internet gateway's 1:1 NAT, back to the private address; an
	 * error's quote is of a packet the VNIC sent from its public IP.
	 */
	if (priv != &p->dst) {
		struct vgw_ip pub = p->dst;

		if (vgw_rewrite_addr(p, false, priv)) {
			vgw_drop(p, VNICGW_DROP_NO_DST_VNIC);
			return;
		}
		if (unlikely(p->ex))
			explain_nat(p, g, priv);
		if (icmp && vgw_ip_eq(&quote.src, &pub) &&
		    vgw_icmp_quote_rewrite(p, &quote, true, priv, -1)) {
			vgw_drop(p, VNICGW_DROP_MALFORMED);
			return;
		}
	}
	err = hop(p);
	if (err) {
		vgw_drop(p, err == -ETIMEDOUT ? VNICGW_DROP_TTL :
			 VNICGW_DROP_MALFORMED);
		return;
	}
	to_vnic(p, d, NULL);
}
