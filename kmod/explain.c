// SPDX-License-Identifier: GPL-2.0
/*
 * vnicctl trace: one packet, described by a VNICGW_CMD_TRACE request, built
 * here and run through the packet path itself (vgw_rx_walk()), with
 * p->ex set. The walk's stages note what they decide in p->ex; the points
 * that would change something (counters, connections, NAT mappings, the
 * fragment table, handoffs, state records, drop events, transmission)
 * look at p->ex and, in a trace, only say what they would do. What the
 * trace reports is therefore what the walk decides on the same tables,
 * not a second implementation of it.
 *
 * Like a received packet, the walk runs under rcu_read_lock() with bottom
 * halves off (its per-CPU data and the locks it takes assume softirq), on
 * the snapshot published at the time; the reply is filled before the read
 * section ends, since the stages point to the snapshot's strings.
 */
#include <linux/etherdevice.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <net/checksum.h>
#include <net/ip6_checksum.h>
#include <net/tcp.h>
#include <net/ndisc.h>
#include <vgw/flow.h>

#include "datapath.h"

const struct nla_policy vgw_trace_policy[VNICGW_TRACE_MAX + 1] = {
	[VNICGW_TRACE_VNIC] = VGW_POLICY_ID,
	[VNICGW_TRACE_GATEWAY] = VGW_POLICY_ID,
	[VNICGW_TRACE_OUTER_SRC] = VGW_POLICY_IP,
	[VNICGW_TRACE_OUTER_DST] = VGW_POLICY_IP,
	[VNICGW_TRACE_VNI] = VGW_POLICY_VNI,
	[VNICGW_TRACE_ENCAP] = NLA_POLICY_MAX(NLA_U8, __VNICGW_ENCAP_MAX - 1),
	[VNICGW_TRACE_SRC_MAC] = NLA_POLICY_EXACT_LEN(ETH_ALEN),
	[VNICGW_TRACE_DST_MAC] = NLA_POLICY_EXACT_LEN(ETH_ALEN),
	[VNICGW_TRACE_SRC] = VGW_POLICY_IP,
	[VNICGW_TRACE_DST] = VGW_POLICY_IP,
	[VNICGW_TRACE_PROTO] = { .type = NLA_U8 },
	[VNICGW_TRACE_SPORT] = { .type = NLA_U16 },
	[VNICGW_TRACE_DPORT] = { .type = NLA_U16 },
	[VNICGW_TRACE_TCP_FLAGS] = { .type = NLA_U8 },
	[VNICGW_TRACE_ICMP_TYPE] = { .type = NLA_U8 },
	[VNICGW_TRACE_ICMP_CODE] = { .type = NLA_U8 },
	[VNICGW_TRACE_TTL] = NLA_POLICY_MIN(NLA_U8, 1),
};

struct vgw_step *vgw_explain_step(const struct vgw_pkt *p, u8 stage,
				  u8 result)
{
	struct vgw_explain *ex = p->ex;
	struct vgw_step *st;

	/* The walk has fewer stages than that: a new one needs more room. */
	if (WARN_ON_ONCE(ex->n == VGW_EXPLAIN_STEPS))
		return NULL;
	st = &ex->steps[ex->n++];
	memset(st, 0, sizeof(*st));
	st->stage = stage;
	st->result = result;
	return st;
}

void vgw_explain_end(struct vgw_pkt *p, u8 verdict)
{
	struct vgw_explain *ex = p->ex;
	struct sk_buff *skb = p->skb;

	ex->verdict = verdict;
	if (verdict == VNICGW_TRACE_FORWARD) {
		ex->in_src = p->src;
		ex->in_dst = p->dst;
		ex->in_proto = p->l4proto;
		ex->in_sport = p->sport;
		ex->in_dport = p->dport;
		ex->in_ports = p->l4proto == IPPROTO_TCP ||
			       p->l4proto == IPPROTO_UDP;
		ex->in_echo = vgw_flow_icmp_is_echo(p->l4proto, p->icmp_type);
		/* The walk made the IP header writable and wrote its TTL. */
		ex->in_ttl = p->src.family == AF_INET ?
			     ((struct iphdr *)(skb->data + p->l3_off))->ttl :
			     ((struct ipv6hdr *)(skb->data + p->l3_off))->hop_limit;
	}
	/* Not a drop: nothing for drop monitors to see. */
	consume_skb(skb);
	p->skb = NULL;
}

/* --- the request ---------------------------------------------------------- */

struct trace_req {
	struct vgw_ip outer_src, outer_dst, src, dst;
	u32 vni;
	u8 encap;
	u8 smac[ETH_ALEN], dmac[ETH_ALEN];
	u8 proto, tcp_flags, icmp_type, icmp_code, ttl;
	u16 sport, dport;
};

static bool is_icmp(u8 proto)
{
	return proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6;
}

/* The fields given, and what does not depend on an object. 0 or refused. */
static int parse_req(const struct nlattr *nest, struct nlattr **tb,
		     struct trace_req *r, struct netlink_ext_ack *ea)
{
	static const int need[] = { VNICGW_TRACE_DST, VNICGW_TRACE_PROTO };
	static const int need_outer[] = {
		VNICGW_TRACE_OUTER_SRC, VNICGW_TRACE_OUTER_DST, VNICGW_TRACE_VNI,
		VNICGW_TRACE_SRC, VNICGW_TRACE_SRC_MAC,
	};
	static const u8 router[ETH_ALEN] = VGW_ROUTER_MAC;
	int err;

	memset(r, 0, sizeof(*r));
	if (tb[VNICGW_TRACE_VNIC] && tb[VNICGW_TRACE_GATEWAY])
		return vgw_refuse(ea, tb[VNICGW_TRACE_GATEWAY],
				  "trace: from a VNIC or from a gateway, not both");
	err = vgw_nla_need(nest, tb, need, ARRAY_SIZE(need),
			   "trace: the packet needs a destination and a protocol",
			   ea);
	if (!err && !tb[VNICGW_TRACE_VNIC] && !tb[VNICGW_TRACE_GATEWAY])
		err = vgw_nla_need(nest, tb, need_outer, ARRAY_SIZE(need_outer),
				   "trace: without a vnic or gateway: give nvd, vip, vni, src and mac",
				   ea);
	if (!err && tb[VNICGW_TRACE_GATEWAY])
		err = vgw_nla_need(nest, tb, (const int[]){ VNICGW_TRACE_SRC },
				   1, "trace: from a gateway: the inner source is needed",
				   ea);
	if (err)
		return err;
	if ((tb[VNICGW_TRACE_OUTER_SRC] &&
	     vgw_nla_ip(tb[VNICGW_TRACE_OUTER_SRC], &r->outer_src, ea)) ||
	    (tb[VNICGW_TRACE_OUTER_DST] &&
	     vgw_nla_ip(tb[VNICGW_TRACE_OUTER_DST], &r->outer_dst, ea)) ||
	    (tb[VNICGW_TRACE_SRC] &&
	     vgw_nla_ip(tb[VNICGW_TRACE_SRC], &r->src, ea)) ||
	    vgw_nla_ip(tb[VNICGW_TRACE_DST], &r->dst, ea))
		return -EINVAL;
	if (r->src.family && r->src.family != r->dst.family)
		return vgw_refuse(ea, tb[VNICGW_TRACE_SRC],
				  "trace: the inner source and destination are of different families");
	r->proto = nla_get_u8(tb[VNICGW_TRACE_PROTO]);
	if ((r->proto == IPPROTO_ICMP && r->dst.family != AF_INET) ||
	    (r->proto == IPPROTO_ICMPV6 && r->dst.family != AF_INET6))
		return vgw_refuse(ea, tb[VNICGW_TRACE_PROTO],
				  "trace: ICMP goes with IPv4, ICMPv6 with IPv6");
	if (tb[VNICGW_TRACE_DPORT] && r->proto != IPPROTO_TCP &&
	    r->proto != IPPROTO_UDP)
		return vgw_refuse(ea, tb[VNICGW_TRACE_DPORT],
				  "trace: a destination port is for TCP and UDP");
	if (tb[VNICGW_TRACE_SPORT] && r->proto != IPPROTO_TCP &&
	    r->proto != IPPROTO_UDP && !is_icmp(r->proto))
		return vgw_refuse(ea, tb[VNICGW_TRACE_SPORT],
				  "trace: a source port is for TCP and UDP (an identifier for ICMP echo)");
	if (tb[VNICGW_TRACE_TCP_FLAGS] && r->proto != IPPROTO_TCP)
		return vgw_refuse(ea, tb[VNICGW_TRACE_TCP_FLAGS],
				  "trace: TCP flags are for TCP");
	if ((tb[VNICGW_TRACE_ICMP_TYPE] || tb[VNICGW_TRACE_ICMP_CODE]) &&
	    !is_icmp(r->proto))
		return vgw_refuse(ea, tb[VNICGW_TRACE_ICMP_TYPE] ?:
				  tb[VNICGW_TRACE_ICMP_CODE],
				  "trace: an ICMP type and code are for ICMP and ICMPv6");
	r->sport = tb[VNICGW_TRACE_SPORT] ?
		   nla_get_u16(tb[VNICGW_TRACE_SPORT]) : 0;
	r->dport = tb[VNICGW_TRACE_DPORT] ?
		   nla_get_u16(tb[VNICGW_TRACE_DPORT]) : 0;
	r->tcp_flags = tb[VNICGW_TRACE_TCP_FLAGS] ?
		       nla_get_u8(tb[VNICGW_TRACE_TCP_FLAGS]) : TCPHDR_SYN;
	r->icmp_type = tb[VNICGW_TRACE_ICMP_TYPE] ?
		       nla_get_u8(tb[VNICGW_TRACE_ICMP_TYPE]) :
		       r->proto == IPPROTO_ICMP ? ICMP_ECHO :
		       ICMPV6_ECHO_REQUEST;
	r->icmp_code = tb[VNICGW_TRACE_ICMP_CODE] ?
		       nla_get_u8(tb[VNICGW_TRACE_ICMP_CODE]) : 0;
	if (vgw_icmp_type_is_error(r->proto, r->icmp_type))
		return vgw_refuse(ea, tb[VNICGW_TRACE_ICMP_TYPE],
				  "trace: an ICMP error quotes a packet: errors cannot be traced");
	/* The router answers these (is_ns() in forward.c); the walk stops. */
	if (r->proto == IPPROTO_ICMPV6 &&
	    r->icmp_type == NDISC_NEIGHBOUR_SOLICITATION)
		return vgw_refuse(ea, tb[VNICGW_TRACE_ICMP_TYPE],
				  "trace: neighbour solicitations are answered, not walked");
	if (tb[VNICGW_TRACE_SPORT] && is_icmp(r->proto) &&
	    !vgw_flow_icmp_is_echo(r->proto, r->icmp_type))
		return vgw_refuse(ea, tb[VNICGW_TRACE_SPORT],
				  "trace: an identifier (VNICGW_TRACE_SPORT) is for ICMP echo only");
	r->ttl = tb[VNICGW_TRACE_TTL] ? nla_get_u8(tb[VNICGW_TRACE_TTL]) : 64;
	if (tb[VNICGW_TRACE_VNI])
		r->vni = nla_get_u32(tb[VNICGW_TRACE_VNI]);
	if (tb[VNICGW_TRACE_ENCAP])
		r->encap = nla_get_u8(tb[VNICGW_TRACE_ENCAP]);
	if (tb[VNICGW_TRACE_SRC_MAC])
		memcpy(r->smac, nla_data(tb[VNICGW_TRACE_SRC_MAC]), ETH_ALEN);
	memcpy(r->dmac, tb[VNICGW_TRACE_DST_MAC] ?
	       nla_data(tb[VNICGW_TRACE_DST_MAC]) : router, ETH_ALEN);
	return 0;
}

/*
 * What the VNIC or gateway the packet comes from implies, for the fields
 * not given (under rcu_read_lock()). 0, or -ENOENT if there is no such
 * object.
 */
static int req_defaults(const struct vgw_snap *s, struct nlattr **tb,
			struct trace_req *r)
{
	const struct vgw_vnic *v;
	const struct vgw_gw *g;
	unsigned int i;
	int vip = -1;

	if (tb[VNICGW_TRACE_GATEWAY]) {
		g = (const void *)vgw_obj_find(s, VNICGW_OBJ_GATEWAY,
					       nla_data(tb[VNICGW_TRACE_GATEWAY]));
		if (!g)
			return -ENOENT;
		if (!tb[VNICGW_TRACE_OUTER_SRC])
			r->outer_src = g->underlay;
		if (!tb[VNICGW_TRACE_VNI])
			r->vni = g->vni;
		if (!tb[VNICGW_TRACE_ENCAP])
			r->encap = g->encap;
		/* Gateways are found by VNI on any VIP: the unspecified one. */
		if (!tb[VNICGW_TRACE_OUTER_DST])
			r->outer_dst.family = g->underlay.family;
		return 0;
	}
	if (!tb[VNICGW_TRACE_VNIC])
		return 0;
	v = (const void *)vgw_obj_find(s, VNICGW_OBJ_VNIC,
				       nla_data(tb[VNICGW_TRACE_VNIC]));
	if (!v)
		return -ENOENT;
	if (!tb[VNICGW_TRACE_OUTER_SRC])
		r->outer_src = v->mv_nvd;
	/*
	 * The VIP of the outer source's family that the frames to the VNIC
	 * come from (vgw_peer_of_vnic()), so the one its NVD knows.
	 */
	for (i = 0; i < v->n_vips && vip < 0; i++)
		if (v->vips[i].ip.family == r->outer_src.family)
			vip = i;
	if (!tb[VNICGW_TRACE_OUTER_DST] && vip >= 0)
		r->outer_dst = v->vips[vip].ip;
	if (!tb[VNICGW_TRACE_VNI])
		r->vni = v->mv_vni;
	if (!tb[VNICGW_TRACE_ENCAP])
		r->encap = v->mv_encap;
	if (!tb[VNICGW_TRACE_SRC_MAC])
		ether_addr_copy(r->smac, v->mac);
	for (i = 0; !r->src.family && i < v->n_ips; i++)
		if (v->ips[i].family == r->dst.family)
			r->src = v->ips[i];
	return 0;
}

/* The transport header's length as built here. */
static unsigned int l4_len(u8 proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return sizeof(struct tcphdr);
	case IPPROTO_UDP:
		return sizeof(struct udphdr);
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return 8;
	}
	return 0;
}

/* Room for the largest frame build_frame() makes. */
#define TRACE_FRAME_MAX	\
	(ETH_HLEN + sizeof(struct ipv6hdr) + sizeof(struct tcphdr))

/*
 * The inner frame into @skb: Ethernet, IPv4 or IPv6, the transport header
 * with no payload, every checksum complete (as rx.c leaves a received
 * frame).
 */
static void build_frame(struct sk_buff *skb, const struct trace_req *r)
{
	bool v6 = r->dst.family == AF_INET6;
	unsigned int l3 = v6 ? sizeof(struct ipv6hdr) : sizeof(struct iphdr);
	unsigned int l4 = l4_len(r->proto);
	struct ethhdr *eth;
	u8 *t;

	eth = skb_put(skb, ETH_HLEN);
	ether_addr_copy(eth->h_dest, r->dmac);
	ether_addr_copy(eth->h_source, r->smac);
	eth->h_proto = htons(v6 ? ETH_P_IPV6 : ETH_P_IP);
	skb_reset_mac_header(skb);
	skb_set_network_header(skb, ETH_HLEN);
	if (v6) {
		struct ipv6hdr *ip6 = skb_put_zero(skb, l3);

		ip6->version = 6;
		ip6->payload_len = htons(l4);
		ip6->nexthdr = r->proto;
		ip6->hop_limit = r->ttl;
		ip6->saddr = r->src.v6;
		ip6->daddr = r->dst.v6;
	} else {
		struct iphdr *iph = skb_put_zero(skb, l3);

		iph->version = 4;
		iph->ihl = 5;
		iph->tot_len = htons(l3 + l4);
		iph->ttl = r->ttl;
		iph->protocol = r->proto;
		iph->saddr = r->src.v4;
		iph->daddr = r->dst.v4;
		iph->check = ip_fast_csum(iph, iph->ihl);
	}
	t = skb_put_zero(skb, l4);
	switch (r->proto) {
	case IPPROTO_TCP: {
		struct tcphdr *th = (void *)t;

		th->source = htons(r->sport);
		th->dest = htons(r->dport);
		th->doff = sizeof(*th) / 4;
		tcp_flag_byte(th) = r->tcp_flags;
		th->window = htons(65535);
		break;
	}
	case IPPROTO_UDP: {
		struct udphdr *uh = (void *)t;

		uh->source = htons(r->sport);
		uh->dest = htons(r->dport);
		uh->len = htons(l4);
		break;
	}
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		t[0] = r->icmp_type;
		t[1] = r->icmp_code;
		put_unaligned_be16(r->sport, t + 4);	/* echo: identifier */
		break;
	}
	if (r->proto == IPPROTO_ICMP) {
		((struct icmphdr *)t)->checksum = ip_compute_csum(t, l4);
	} else if (l4) {
		__wsum sum = csum_partial(t, l4, 0);
		__sum16 check = v6 ?
			csum_ipv6_magic(&r->src.v6, &r->dst.v6, l4, r->proto,
					sum) :
			csum_tcpudp_magic(r->src.v4, r->dst.v4, l4, r->proto,
					  sum);

		if (r->proto == IPPROTO_UDP && !check)
			check = CSUM_MANGLED_0;
		put_unaligned(check, (__sum16 *)(t + (r->proto ==
						      IPPROTO_TCP ? 16 :
						      r->proto == IPPROTO_UDP ?
						      6 : 2)));
	}
	skb->protocol = eth->h_proto;
	skb->ip_summed = CHECKSUM_NONE;
}

/* --- the reply ------------------------------------------------------------ */

static int put_step(struct sk_buff *msg, const struct vgw_step *st)
{
	struct nlattr *item = nla_nest_start(msg, VNICGW_ITEM);

	if (!item ||
	    nla_put_u8(msg, VNICGW_STEP_KIND, st->stage) ||
	    nla_put_u8(msg, VNICGW_STEP_RESULT, st->result))
		return -EMSGSIZE;
	if (st->obj && (nla_put_u8(msg, VNICGW_STEP_OBJ_TYPE, st->obj_type) ||
			nla_put_string(msg, VNICGW_STEP_OBJ, st->obj)))
		return -EMSGSIZE;
	if (st->has_index && nla_put_u32(msg, VNICGW_STEP_INDEX, st->index))
		return -EMSGSIZE;
	if (st->has_pfx && vgw_put_pfx(msg, VNICGW_STEP_PREFIX, &st->pfx))
		return -EMSGSIZE;
	if (st->target &&
	    (nla_put_u8(msg, VNICGW_STEP_TARGET_TYPE, st->target_type) ||
	     nla_put_string(msg, VNICGW_STEP_TARGET, st->target)))
		return -EMSGSIZE;
	if (st->has_rule &&
	    (nla_put_u8(msg, VNICGW_STEP_RULE_OBJ_TYPE, st->rule_obj_type) ||
	     nla_put_string(msg, VNICGW_STEP_RULE_OBJ, st->rule_obj) ||
	     nla_put_u32(msg, VNICGW_STEP_RULE_INDEX, st->rule_index)))
		return -EMSGSIZE;
	if (st->has_ct &&
	    (nla_put_u8(msg, VNICGW_STEP_CT_STATE, st->ct_state) ||
	     nla_put_u32(msg, VNICGW_STEP_EXPIRES, st->expires)))
		return -EMSGSIZE;
	if ((st->owner && nla_put_string(msg, VNICGW_STEP_OWNER, st->owner)) ||
	    (st->backup && nla_put_string(msg, VNICGW_STEP_BACKUP, st->backup)))
		return -EMSGSIZE;
	if (st->has_addr && vgw_put_ip(msg, VNICGW_STEP_ADDR, &st->addr))
		return -EMSGSIZE;
	if (st->has_port && nla_put_u16(msg, VNICGW_STEP_PORT, st->port))
		return -EMSGSIZE;
	if (st->stage == VNICGW_STAGE_DROP &&
	    nla_put_u8(msg, VNICGW_STEP_REASON, st->reason))
		return -EMSGSIZE;
	nla_nest_end(msg, item);
	return 0;
}

static int put_out(struct sk_buff *msg, const struct vgw_explain *ex)
{
	struct nlattr *out = nla_nest_start(msg, VNICGW_A_TRACE_OUT);

	if (!out ||
	    (ex->out_src.family &&
	     vgw_put_ip(msg, VNICGW_TRACE_OUTER_SRC, &ex->out_src)) ||
	    vgw_put_ip(msg, VNICGW_TRACE_OUTER_DST, &ex->out_dst))
		return -EMSGSIZE;
	if (ex->verdict == VNICGW_TRACE_FORWARD &&
	    (nla_put_u32(msg, VNICGW_TRACE_VNI, ex->out_vni) ||
	     nla_put_u8(msg, VNICGW_TRACE_ENCAP, ex->out_encap) ||
	     nla_put(msg, VNICGW_TRACE_SRC_MAC, ETH_ALEN, ex->out_smac) ||
	     nla_put(msg, VNICGW_TRACE_DST_MAC, ETH_ALEN, ex->out_dmac) ||
	     vgw_put_ip(msg, VNICGW_TRACE_SRC, &ex->in_src) ||
	     vgw_put_ip(msg, VNICGW_TRACE_DST, &ex->in_dst) ||
	     nla_put_u8(msg, VNICGW_TRACE_PROTO, ex->in_proto) ||
	     nla_put_u8(msg, VNICGW_TRACE_TTL, ex->in_ttl)))
		return -EMSGSIZE;
	if (ex->verdict == VNICGW_TRACE_FORWARD && ex->in_ports &&
	    (nla_put_u16(msg, VNICGW_TRACE_SPORT, ex->in_sport) ||
	     nla_put_u16(msg, VNICGW_TRACE_DPORT, ex->in_dport)))
		return -EMSGSIZE;
	if (ex->verdict == VNICGW_TRACE_FORWARD && ex->in_echo &&
	    nla_put_u16(msg, VNICGW_TRACE_SPORT, ex->in_sport))
		return -EMSGSIZE;
	nla_nest_end(msg, out);
	return 0;
}

static int put_reply(struct sk_buff *msg, const struct vgw_snap *s,
		     const struct vgw_explain *ex)
{
	struct nlattr *steps;
	unsigned int i;

	if (nla_put_u64_64bit(msg, VNICGW_A_GENERATION, s->generation,
			      VNICGW_A_PAD))
		return -EMSGSIZE;
	steps = nla_nest_start(msg, VNICGW_A_TRACE_STEPS);
	if (!steps)
		return -EMSGSIZE;
	for (i = 0; i < ex->n; i++)
		if (put_step(msg, &ex->steps[i]))
			return -EMSGSIZE;
	nla_nest_end(msg, steps);
	if (nla_put_u8(msg, VNICGW_A_TRACE_VERDICT, ex->verdict))
		return -EMSGSIZE;
	if (ex->verdict == VNICGW_TRACE_DROP &&
	    nla_put_u8(msg, VNICGW_A_DROP_REASON, ex->reason))
		return -EMSGSIZE;
	if ((ex->verdict == VNICGW_TRACE_FORWARD ||
	     ex->verdict == VNICGW_TRACE_HANDOFF) && put_out(msg, ex))
		return -EMSGSIZE;
	return 0;
}

/* --- the trace -------------------------------------------------------------- */

int vgw_trace(struct vgw_net *vn, const struct nlattr *nest, struct nlattr **tb,
	      struct sk_buff *msg, struct netlink_ext_ack *extack)
{
	struct vgw_explain *ex;
	struct trace_req r;
	struct sk_buff *skb;
	struct vgw_pkt p;
	int err;

	err = parse_req(nest, tb, &r, extack);
	if (err)
		return err;
	ex = kzalloc(sizeof(*ex), GFP_KERNEL);
	skb = alloc_skb(NET_SKB_PAD + TRACE_FRAME_MAX, GFP_KERNEL);
	if (!ex || !skb) {
		kfree(ex);
		kfree_skb(skb);
		return -ENOMEM;
	}
	skb_reserve(skb, NET_SKB_PAD);
	ex->verdict = VNICGW_TRACE_CONSUME;
	memset(&p, 0, sizeof(p));
	p.vn = vn;
	p.ex = ex;

	/* One snapshot for the defaults, the walk and the reply. */
	local_bh_disable();
	rcu_read_lock();
	p.snap = rcu_dereference(vn->snap);
	err = req_defaults(p.snap, tb, &r);
	if (err) {
		vgw_refuse(extack, tb[VNICGW_TRACE_VNIC] ?:
			   tb[VNICGW_TRACE_GATEWAY], "trace: no such %s '%s'",
			   tb[VNICGW_TRACE_VNIC] ? "vnic" : "gateway",
			   (const char *)nla_data(tb[VNICGW_TRACE_VNIC] ?:
						  tb[VNICGW_TRACE_GATEWAY]));
	} else if (!r.src.family) {
		err = vgw_refuse(extack, tb[VNICGW_TRACE_DST],
				 "trace: the VNIC has no address of dst's family: give src");
	} else if (!r.outer_dst.family) {
		err = vgw_refuse(extack, tb[VNICGW_TRACE_VNIC],
				 "trace: the VNIC has no VIP of its NVD's family: give vip");
	} else if (r.outer_src.family != r.outer_dst.family) {
		err = vgw_refuse(extack, tb[VNICGW_TRACE_OUTER_SRC] ?:
				 tb[VNICGW_TRACE_OUTER_DST],
				 "trace: the outer source and VIP are of different families");
	}
	if (!err) {
		build_frame(skb, &r);
		p.skb = skb;
		skb = NULL;
		p.outer_src = r.outer_src;
		p.outer_dst = r.outer_dst;
		p.vni = r.vni;
		p.encap = r.encap;
		p.ethertype = eth_hdr(p.skb)->h_proto;
		vgw_rx_walk(&p);
		/* Every end of the walk frees the packet and says how it ended. */
		if (WARN_ON_ONCE(p.skb))
			consume_skb(p.skb);
		err = put_reply(msg, p.snap, ex);
	}
	rcu_read_unlock();
	local_bh_enable();
	consume_skb(skb);	/* never used: no drop */
	kfree(ex);
	return err;
}
