// SPDX-License-Identifier: GPL-2.0
/*
 * Receive: the outer headers, the tunnel header, and who sent the packet.
 * Entered from the tunnel socket with skb->data at the UDP header and the
 * outer IP header in place; leaves with skb->data at the inner Ethernet
 * header, or with the packet dropped and counted.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <vgw/cluster_wire.h>

#include "cluster.h"
#include "compat.h"
#include "datapath.h"

/*
 * A drop reason as a negative return value; reason 0 (malformed) must not
 * read as success.
 */
#define DROP(reason)	(-1 - (int)(reason))

/* VXLAN's remote checksum offload flag: bit 21 of the first word. */
#define VGW_VXLAN_RCO	0x20
#define REASON(ret)	(-1 - (ret))

/* What vnicgw's own Geneve options said, if the packet had them. */
struct cluster_opt {
	u8 type;			/* 0, VGW_OPT_HANDOFF or VGW_OPT_STATE */
	u8 count;			/* state: records */
	u8 state_flags;			/* state: VGW_STATE_F_* */
	struct vgw_handoff_opt handoff;
	struct vgw_auth_seen auth;	/* VGW_OPT_AUTH */
};

static void outer_addrs(struct vgw_pkt *p)
{
	struct sk_buff *skb = p->skb;

	if (skb->protocol == htons(ETH_P_IP)) {
		p->outer_src.family = AF_INET;
		p->outer_src.v4 = ip_hdr(skb)->saddr;
		p->outer_dst.family = AF_INET;
		p->outer_dst.v4 = ip_hdr(skb)->daddr;
	} else {
		p->outer_src.family = AF_INET6;
		p->outer_src.v6 = ipv6_hdr(skb)->saddr;
		p->outer_dst.family = AF_INET6;
		p->outer_dst.v6 = ipv6_hdr(skb)->daddr;
	}
}

/*
 * One of vnicgw's own options (@o: its header, @dlen data bytes): a known
 * type of the wrong length, a second handoff or state option, or a second
 * authentication is malformed; an unknown type is skipped (a newer peer).
 */
static int vgw_opt(const u8 *o, unsigned int off, unsigned int dlen,
		   struct cluster_opt *co)
{
	const u8 *d = o + VGW_GENEVE_OPT_HLEN;

	switch (((const struct vgw_geneve_opt *)o)->type) {
	case VGW_OPT_HANDOFF:
		if (dlen != sizeof(co->handoff) || co->type)
			return DROP(VNICGW_DROP_MALFORMED);
		co->type = VGW_OPT_HANDOFF;
		memcpy(&co->handoff, d, dlen);
		return 0;
	case VGW_OPT_STATE: {
		const struct vgw_state_opt *so = (const void *)d;

		if (dlen != sizeof(*so) || co->type)
			return DROP(VNICGW_DROP_MALFORMED);
		if (so->version != VGW_STATE_VERSION)
			return DROP(VNICGW_DROP_BAD_TUNNEL);
		co->type = VGW_OPT_STATE;
		co->count = so->count;
		co->state_flags = so->flags;
		return 0;
	}
	case VGW_OPT_AUTH: {
		const struct vgw_auth_opt *ao = (const void *)d;

		if (dlen != sizeof(*ao) || co->auth.present)
			return DROP(VNICGW_DROP_MALFORMED);
		co->auth.present = true;
		co->auth.key_id = ao->key_id;
		co->auth.time = get_unaligned_be32(&ao->time);
		co->auth.seq = get_unaligned_be64(ao->seq);
		memcpy(co->auth.tag, ao->tag, sizeof(ao->tag));
		co->auth.tag_off = off + VGW_GENEVE_OPT_HLEN +
				   offsetof(struct vgw_auth_opt, tag);
		return 0;
	}
	default:
		return 0;
	}
}

/*
 * Geneve options at @o, @off bytes from skb->data: vnicgw's own (a handoff
 * or state from another host, its authentication) are read, the others
 * skipped. 0, or DROP(reason).
 */
static int geneve_opts(const u8 *o, unsigned int off, unsigned int len,
		       struct cluster_opt *co)
{
	const struct vgw_geneve_opt *h;
	unsigned int dlen;

	while (len >= VGW_GENEVE_OPT_HLEN) {
		h = (const void *)o;
		dlen = vgw_geneve_opt_data_bytes(h);
		if (VGW_GENEVE_OPT_HLEN + dlen > len)
			return DROP(VNICGW_DROP_MALFORMED);
		if (h->opt_class == htons(VGW_OPT_CLASS)) {
			int err = vgw_opt(o, off, dlen, co);

			if (err)
				return err;
		}
		o += VGW_GENEVE_OPT_HLEN + dlen;
		off += VGW_GENEVE_OPT_HLEN + dlen;
		len -= VGW_GENEVE_OPT_HLEN + dlen;
	}
	return 0;
}

/*
 * The VXLAN (RFC 7348) or Geneve (RFC 8926) header after the UDP header:
 * returns the bytes to pull (UDP header included), or DROP(reason).
 * Geneve options other than vnicgw's own are skipped; none is critical to
 * us, so a packet that says it has critical ones is dropped (RFC 8926
 * section 3.5).
 */
static int tunnel_header(struct vgw_pkt *p, struct cluster_opt *co)
{
	struct sk_buff *skb = p->skb;
	const struct vgw_genevehdr *gh;
	const struct vgw_vxlanhdr *vh;
	unsigned int len;

	if (!pskb_may_pull(skb, sizeof(struct udphdr) + VGW_VXLAN_HLEN))
		return DROP(VNICGW_DROP_MALFORMED);
	if (p->encap == VNICGW_ENCAP_VXLAN) {
		vh = (const void *)(skb->data + sizeof(struct udphdr));
		/*
		 * Remote checksum offload (RCO, a Linux extension: a flag in
		 * the first reserved byte, the checksum's place in the VNI
		 * field's low bits) changes what the frame means; it is not
		 * spoken here.
		 */
		if (!vgw_vxlan_valid(vh) || (vh->reserved1[0] & VGW_VXLAN_RCO))
			return DROP(VNICGW_DROP_BAD_TUNNEL);
		p->vni = vgw_vni_get(vh->vni);
		return sizeof(struct udphdr) + VGW_VXLAN_HLEN;
	}
	gh = (const void *)(skb->data + sizeof(struct udphdr));
	/*
	 * A control (OAM) packet's payload is not to be forwarded (RFC 8926
	 * section 3.4): none is spoken here.
	 */
	if (vgw_geneve_version(gh) != VGW_GENEVE_VERSION ||
	    (gh->flags & (VGW_GENEVE_FLAG_C | VGW_GENEVE_FLAG_O)))
		return DROP(VNICGW_DROP_BAD_TUNNEL);
	len = sizeof(struct udphdr) + VGW_GENEVE_HLEN + vgw_geneve_opts_bytes(gh);
	if (vgw_geneve_opts_bytes(gh)) {
		int err;

		if (!pskb_may_pull(skb, len))
			return DROP(VNICGW_DROP_MALFORMED);
		gh = (const void *)(skb->data + sizeof(struct udphdr));
		co->auth.from = sizeof(struct udphdr);
		err = geneve_opts((const u8 *)(gh + 1),
				  sizeof(struct udphdr) + VGW_GENEVE_HLEN,
				  vgw_geneve_opts_bytes(gh), co);
		if (err)
			return err;
	}
	if (gh->protocol_type != htons(co->type == VGW_OPT_STATE ?
				       VGW_ETH_P_STATE : VGW_ETH_P_TEB))
		return DROP(VNICGW_DROP_BAD_TUNNEL);
	p->vni = vgw_vni_get(gh->vni);
	return len;
}

/* (VIP, VNI) → VNIC, else the VNI of a gateway (on any VIP). */
static const struct vgw_obj *attachment(const struct vgw_pkt *p)
{
	struct vgw_attach_key k = { .vip = p->outer_dst, .vni = p->vni };
	const struct vgw_obj *o;

	o = vgw_pmap_lookup(&p->snap->attach, vgw_attach_hash(&k),
			    vgw_attach_eq, &k);
	if (o)
		return o;
	memset(&k.vip, 0, sizeof(k.vip));
	return vgw_pmap_lookup(&p->snap->attach, vgw_attach_hash(&k),
			       vgw_attach_eq, &k);
}

/* A handoff: the receive context of the host that got it first. */
static int handed_context(struct vgw_pkt *p, const struct vgw_handoff_opt *h)
{
	if ((h->family != 4 && h->family != 6) || h->encap > VNICGW_ENCAP_GENEVE)
		return -EINVAL;
	memset(&p->outer_src, 0, sizeof(p->outer_src));
	memset(&p->outer_dst, 0, sizeof(p->outer_dst));
	p->outer_src.family = h->family == 4 ? AF_INET : AF_INET6;
	p->outer_dst.family = p->outer_src.family;
	memcpy(p->outer_src.b, h->src, h->family == 4 ? 4 : 16);
	memcpy(p->outer_dst.b, h->dst, h->family == 4 ? 4 : 16);
	p->encap = h->encap;
	p->handed = true;
	vgw_cluster_count(p->vn, VNICGW_CLUSTER_HANDOFF_IN, 1);
	return 0;
}

/*
 * The checksum state of the inner frame (skb->data at its Ethernet header),
 * made plain: afterwards every checksum in the frame is complete and
 * skb->ip_summed is CHECKSUM_NONE, so that rewrites update checksums that
 * are really there and the frame leaves as it will be checked.
 *
 * - CHECKSUM_PARTIAL (a sender on this machine; also every GSO segment
 *   but the ones socket.c has completed): the checksum at csum_start +
 *   csum_offset holds only the pseudo-header sum. Inside the frame it is
 *   computed now; before the frame (the outer UDP checksum was the one
 *   left pending) the inner ones are already complete.
 * - CHECKSUM_COMPLETE: skb->csum covered the outer headers too; nothing
 *   here reads it, and the frame is about to change: dropped rather than
 *   kept up to date through every pull and rewrite.
 * - CHECKSUM_UNNECESSARY: a verdict on the received packet, not on the
 *   frame that will leave.
 *
 * 0, or -EINVAL for a pending checksum that points outside the frame.
 */
static int plain_checksum(struct sk_buff *skb)
{
	int start;

	if (skb->ip_summed != CHECKSUM_PARTIAL) {
		skb->ip_summed = CHECKSUM_NONE;
		return 0;
	}
	start = skb_checksum_start_offset(skb);
	if (start < 0) {
		skb->ip_summed = CHECKSUM_NONE;
		return 0;
	}
	/* skb_checksum_help() wants the field in the linear area. */
	if (!pskb_may_pull(skb, start + skb->csum_offset + sizeof(__sum16)))
		return -EINVAL;
	return skb_checksum_help(skb);
}

void vgw_rx_drop(struct vgw_net *vn, struct sk_buff *skb,
		 enum vnicgw_drop reason)
{
	struct vgw_pkt p = { .skb = skb, .vn = vn };

	vgw_count_rx(vn);
	vgw_drop(&p, reason);
}

/* Called by the tunnel socket, in softirq, under rcu_read_lock(). */
int vgw_rx(struct vgw_net *vn, struct sk_buff *skb, u8 encap)
{
	struct vgw_pkt p = { .skb = skb, .vn = vn, .encap = encap };
	struct cluster_opt co = { 0 };
	struct net_device *dev;
	int hlen;

	vgw_count_rx(vn);
	outer_addrs(&p);
	dev = rcu_dereference(vn->dev);
	if (dev)
		dev_sw_netstats_rx_add(dev, skb->len);
	hlen = tunnel_header(&p, &co);
	if (hlen < 0) {
		vgw_drop(&p, REASON(hlen));
		return 0;
	}
	if (co.type) {
		int why;

		/*
		 * What costs nothing first, so that the tag (over the whole
		 * message) is computed only for messages a member could have
		 * sent: one no larger than a member sends; a state message
		 * with as many records as it says, at least one (a member
		 * sends none without a record) and at most a message's worth,
		 * and nothing after them, or an ask (no record, nothing
		 * after it). Else it is malformed.
		 */
		if (skb->len > VGW_CLUSTER_MSG_MAX ||
		    (co.type == VGW_OPT_STATE &&
		     (co.state_flags & ~VGW_STATE_F_ASK ||
		      !co.count != !!(co.state_flags & VGW_STATE_F_ASK) ||
		      co.count > VGW_STATE_PER_MSG ||
		      skb->len != hlen + co.count *
				  sizeof(struct vgw_state_rec)))) {
			vgw_drop(&p, VNICGW_DROP_MALFORMED);
			return 0;
		}
		/* Another member's, to this one, over the underlay? */
		why = vgw_cluster_untrusted(vn, skb, &p.outer_src,
					    &p.outer_dst, &co.auth);
		if (why >= 0) {
			vgw_drop(&p, why);
			return 0;
		}
	}
	if (co.type == VGW_OPT_STATE && !co.count) {
		vgw_cluster_asked(vn);
		consume_skb(skb);
		return 0;
	}
	if (co.type == VGW_OPT_STATE) {
		if (!pskb_may_pull(skb, hlen + co.count *
				   sizeof(struct vgw_state_rec))) {
			vgw_drop(&p, VNICGW_DROP_MALFORMED);
			return 0;
		}
		__skb_pull(skb, hlen);
		vgw_state_rx(vn, skb, &p.outer_src, co.count);
		return 0;
	}
	if (co.type == VGW_OPT_HANDOFF && handed_context(&p, &co.handoff)) {
		vgw_drop(&p, VNICGW_DROP_MALFORMED);
		return 0;
	}
	if (!pskb_may_pull(skb, hlen + ETH_HLEN)) {
		vgw_drop(&p, VNICGW_DROP_MALFORMED);
		return 0;
	}
	__skb_pull(skb, hlen);
	skb_reset_mac_header(skb);
	if (plain_checksum(skb)) {
		vgw_drop(&p, VNICGW_DROP_MALFORMED);
		return 0;
	}
	p.ethertype = eth_hdr(skb)->h_proto;
	p.snap = rcu_dereference(vn->snap);
	vgw_rx_walk(&p);
	return 0;
}

void vgw_rx_walk(struct vgw_pkt *p)
{
	const struct vgw_obj *o;

	o = attachment(p);
	if (!o) {
		vgw_drop(p, VNICGW_DROP_NO_ATTACHMENT);
		return;
	}
	if (unlikely(p->ex)) {
		struct vgw_step *st;

		st = vgw_explain_step(p, VNICGW_STAGE_ATTACH, VNICGW_RESULT_OK);
		if (st) {
			st->obj_type = o->type;
			st->obj = o->id;
		}
	}
	if (o->type == VNICGW_OBJ_VNIC) {
		p->vnic = (const void *)o;
		vgw_from_vnic(p);
	} else {
		p->gw = (const void *)o;
		vgw_from_gateway(p);
	}
}
