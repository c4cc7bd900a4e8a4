// SPDX-License-Identifier: GPL-2.0
/*
 * pkt.c - packet builder for the steering tests: append one header at a
 * time, then fill in the lengths once the payload is known.
 */
#include <string.h>
#include <arpa/inet.h>

#include "pkt.h"

static const __u8 outer_smac[6] = { 0x02, 0x00, 0x00, 0x00, 0x0e, 0x01 };
static const __u8 outer_dmac[6] = { 0x02, 0x00, 0x00, 0x00, 0x0e, 0x02 };
static const __u8 outer_src4[4] = { 192, 0, 2, 10 };	/* NVD */
static const __u8 outer_dst4[4] = { 192, 0, 2, 100 };	/* VIP */
static const __u8 outer_src6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x0a };
static const __u8 outer_dst6[16] = { 0x20, 0x01, 0x0d, 0xb8, [14] = 0x01, [15] = 0x00 };

/* Append @len bytes (zeroed); NULL when the packet would overflow. */
static void *put(struct pkt *p, __u32 len)
{
	void *h;

	if (p->len + len > PKT_MAX)
		return NULL;
	h = p->data + p->len;
	memset(h, 0, len);
	p->len += len;
	return h;
}

static void put16(__u8 *at, __u16 v)
{
	at[0] = v >> 8;
	at[1] = v & 0xff;
}

static __u16 csum16(const __u8 *b, __u32 len)
{
	__u32 sum = 0, i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (__u32)b[i] << 8 | b[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

/* Ethernet header with @vlans tags (outermost 802.1ad when two), then @type. */
static int put_eth(struct pkt *p, const __u8 *dst, const __u8 *src, int vlans, __u16 type)
{
	__u8 *h = put(p, 12 + 4 * vlans + 2);
	int i;

	if (!h)
		return -1;
	memcpy(h, dst, 6);
	memcpy(h + 6, src, 6);
	h += 12;
	for (i = 0; i < vlans; i++, h += 4) {
		put16(h, vlans == 2 && i == 0 ? VGW_ETH_P_8021AD : VGW_ETH_P_8021Q);
		put16(h + 2, 100 + i);	/* VID */
	}
	put16(h, type);
	return 0;
}

static __u16 frag_field(int frag)
{
	return frag == 1 ? 0x2000 : frag == 2 ? 0x0010 : 0x4000 /* DF */;
}

/* IPv4 header with @opts bytes of NOP options; returns its offset or -1. */
static int put_ipv4(struct pkt *p, const __u8 *src, const __u8 *dst, __u8 proto,
		    int opts, int frag)
{
	__u32 off = p->len;
	__u8 *h = put(p, 20 + opts);

	if (!h)
		return -1;
	h[0] = 0x40 | (5 + opts / 4);
	put16(h + 6, frag_field(frag));
	h[8] = 64;
	h[9] = proto;
	memcpy(h + 12, src, 4);
	memcpy(h + 16, dst, 4);
	memset(h + 20, 1, opts);	/* NOP */
	return off;
}

static int put_ipv6(struct pkt *p, const __u8 *src, const __u8 *dst, __u8 nexthdr)
{
	__u32 off = p->len;
	__u8 *h = put(p, 40);

	if (!h)
		return -1;
	h[0] = 0x60;
	h[6] = nexthdr;
	h[7] = 64;
	memcpy(h + 8, src, 16);
	memcpy(h + 24, dst, 16);
	return off;
}

/* Set the length fields of the IP header at @off (and its checksum). */
static void fix_ip(struct pkt *p, int off, int family)
{
	__u8 *h = p->data + off;

	if (family == 4) {
		__u32 ihl = (h[0] & 0xf) * 4;

		put16(h + 2, p->len - off);
		put16(h + 10, csum16(h, ihl));
	} else {
		put16(h + 4, p->len - off - 40);
	}
}

/* Inner L4 header of @f (TCP 20, UDP 8, ICMP 8 bytes; none otherwise). */
static int put_l4(struct pkt *p, const struct flow_spec *f)
{
	__u8 *h;

	switch (f->proto) {
	case VGW_PROTO_TCP:
		h = put(p, 20);
		if (!h)
			return -1;
		put16(h, f->sport);
		put16(h + 2, f->dport);
		h[12] = 5 << 4;
		h[13] = 0x10;	/* ACK */
		return 0;
	case VGW_PROTO_UDP:
		h = put(p, 8);
		if (!h)
			return -1;
		put16(h, f->sport);
		put16(h + 2, f->dport);
		return 0;
	case VGW_PROTO_ICMP:
	case VGW_PROTO_ICMPV6:
		h = put(p, 8);
		if (!h)
			return -1;
		h[0] = f->icmp_type;
		put16(h + 4, f->icmp_id);
		put16(h + 6, 1);
		return 0;
	}
	return 0;
}

/* The frame of @f; p->hdr_len marks the end of its last header. */
static int put_frame(struct pkt *p, const struct flow_spec *f)
{
	__u8 *h;
	int ip;

	if (f->family == 0) {	/* ARP request: 28 bytes */
		if (put_eth(p, f->dmac, f->smac, f->vlans, VGW_ETH_P_ARP))
			return -1;
		h = put(p, 28);
		if (!h)
			return -1;
		put16(h, 1);
		put16(h + 2, VGW_ETH_P_IPV4);
		h[4] = 6;
		h[5] = 4;
		put16(h + 6, 1);
		memcpy(h + 8, f->smac, 6);
		memcpy(h + 14, f->saddr, 4);
		memcpy(h + 24, f->daddr, 4);
		p->hdr_len = p->len;
		return 0;
	}
	if (put_eth(p, f->dmac, f->smac, f->vlans,
		    f->family == 4 ? VGW_ETH_P_IPV4 : VGW_ETH_P_IPV6))
		return -1;
	if (f->family == 4)
		ip = put_ipv4(p, f->saddr, f->daddr, f->proto, f->ip_opts, f->frag);
	else
		ip = put_ipv6(p, f->saddr, f->daddr, f->proto);
	if (ip < 0)
		return -1;
	/* A later fragment carries no L4 header. */
	if (!(f->family == 4 && f->frag == 2) && put_l4(p, f))
		return -1;
	p->hdr_len = p->len;
	if (!put(p, f->payload))
		return -1;
	fix_ip(p, ip, f->family);
	return 0;
}

static int put_tunnel_header(struct pkt *p, const struct tunnel_spec *t)
{
	struct vgw_genevehdr *gh;
	struct vgw_vxlanhdr *vx;
	int i, opts = 0;

	if (t->kind == VGW_TUNNEL_VXLAN) {
		vx = put(p, sizeof(*vx));
		if (!vx)
			return -1;
		vgw_vxlan_init(vx, t->vni);
		if (t->vxlan_flags)
			vx->flags = t->vxlan_flags;
		return 0;
	}
	for (i = 0; i < t->n_geneve_opts; i++)
		opts += 4 + t->geneve_opts[i];
	gh = put(p, sizeof(*gh));
	if (!gh)
		return -1;
	vgw_geneve_init(gh, t->vni, opts);
	gh->ver_opt_len |= t->geneve_ver << VGW_GENEVE_VER_SHIFT;
	if (t->geneve_proto)
		gh->protocol_type = htons(t->geneve_proto);
	for (i = 0; i < t->n_geneve_opts; i++) {
		struct vgw_geneve_opt *o = put(p, 4 + t->geneve_opts[i]);

		if (!o)
			return -1;
		o->opt_class = htons(0x0102);
		o->type = 0x01 + i;
		o->rsvd_len = t->geneve_opts[i] / 4;
		memset(o + 1, 0xa0 + i, t->geneve_opts[i]);
	}
	return 0;
}

int pkt_build(struct pkt *p, const struct tunnel_spec *t, const struct flow_spec *f)
{
	__u16 dport = t->dport;
	__u8 *udp;
	int ip;

	if (!dport)
		dport = t->kind == VGW_TUNNEL_GENEVE ? VGW_GENEVE_PORT : VGW_VXLAN_PORT;
	p->len = 0;
	if (put_eth(p, outer_dmac, outer_smac, t->vlans,
		    t->family == 4 ? VGW_ETH_P_IPV4 : VGW_ETH_P_IPV6))
		return -1;
	if (t->family == 4)
		ip = put_ipv4(p, outer_src4, outer_dst4, VGW_PROTO_UDP, t->ip_opts, t->frag);
	else
		ip = put_ipv6(p, outer_src6, outer_dst6, VGW_PROTO_UDP);
	if (ip < 0)
		return -1;
	udp = put(p, 8);
	if (!udp)
		return -1;
	put16(udp, 49152 + (t->vni & 0x3fff));	/* entropy port, as NVDs do */
	put16(udp + 2, dport);
	if (put_tunnel_header(p, t) || put_frame(p, f))
		return -1;
	put16(udp + 4, p->data + p->len - udp);
	fix_ip(p, ip, t->family);
	return 0;
}

int pkt_build_plain(struct pkt *p, const struct flow_spec *f)
{
	p->len = 0;
	return put_frame(p, f);
}

void flow_reverse(struct flow_spec *out, const struct flow_spec *f)
{
	*out = *f;
	memcpy(out->saddr, f->daddr, 16);
	memcpy(out->daddr, f->saddr, 16);
	memcpy(out->smac, f->dmac, 6);
	memcpy(out->dmac, f->smac, 6);
	out->sport = f->dport;
	out->dport = f->sport;
	if (f->icmp_type == VGW_ICMP_ECHO && f->proto == VGW_PROTO_ICMP)
		out->icmp_type = VGW_ICMP_ECHOREPLY;
	if (f->icmp_type == VGW_ICMPV6_ECHO_REQUEST && f->proto == VGW_PROTO_ICMPV6)
		out->icmp_type = VGW_ICMPV6_ECHO_REPLY;
}

void flow_expected_key(struct vgw_flow_key *k, const struct flow_spec *f)
{
	__be32 s[4], d[4];

	memcpy(s, f->saddr, 16);
	memcpy(d, f->daddr, 16);
	if (f->family == 0) {
		vgw_flow_key_init_l2(k, f->smac, f->dmac);
		return;
	}
	if (f->family == 4)
		vgw_flow_key_init_ipv4(k, s[0], d[0], f->proto);
	else
		vgw_flow_key_init_ipv6(k, s, d, f->proto);
	if (f->family == 4 && f->frag)
		return;
	if (f->proto == VGW_PROTO_TCP || f->proto == VGW_PROTO_UDP)
		vgw_flow_key_set_ports(k, htons(f->sport), htons(f->dport));
	else if (vgw_flow_icmp_is_echo(f->proto, f->icmp_type))
		vgw_flow_key_set_ports(k, htons(f->icmp_id), htons(f->icmp_id));
}
