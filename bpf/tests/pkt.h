/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pkt.h - a small packet builder for the steering tests and bench.
 *
 * A packet is described by two plain structs, the underlay tunnel and the
 * inner flow, so that a fixture row reads as the packet it stands for; the
 * builder writes the bytes (lengths and IPv4 checksums filled in) and the
 * test derives the expected flow key from the same description, never from
 * the bytes.
 */
#ifndef _VGW_TEST_PKT_H
#define _VGW_TEST_PKT_H

#include <linux/types.h>
#include <vgw/flow.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define PKT_MAX		2048
#define PKT_MAX_GENEVE_OPTS 4

/* How the inner flow travels. */
struct tunnel_spec {
	int family;		/* outer IP: 4 or 6 */
	int vlans;		/* outer VLAN tags: 0, 1 (802.1Q), 2 (802.1ad + 802.1Q) */
	int ip_opts;		/* outer IPv4 option bytes, multiple of 4, <= 40 */
	int frag;		/* outer IPv4: 1 = first fragment (MF), 2 = later */
	int kind;		/* VGW_TUNNEL_VXLAN or VGW_TUNNEL_GENEVE: header written */
	__u16 dport;		/* UDP destination port; 0 = the kind's own port */
	__u32 vni;
	int geneve_opts[PKT_MAX_GENEVE_OPTS];	/* data bytes per option (mult. of 4), */
	int n_geneve_opts;			/* ... in order */
	__u8 vxlan_flags;	/* 0 = VGW_VXLAN_FLAG_I */
	__u8 geneve_ver;	/* Geneve version field */
	__u16 geneve_proto;	/* 0 = Transparent Ethernet Bridging */
};

/* The instance's frame inside the tunnel. */
struct flow_spec {
	int family;		/* 4, 6, or 0 = ARP (not IP) */
	__u8 proto;		/* VGW_PROTO_* or any IP protocol number */
	__u8 saddr[16];		/* IPv4 uses the first 4 bytes */
	__u8 daddr[16];
	__u16 sport, dport;	/* TCP/UDP ports, host order */
	__u8 icmp_type;		/* ICMP/ICMPv6 type */
	__u16 icmp_id;		/* echo identifier, host order */
	int frag;		/* inner IPv4: 1 = first fragment (MF), 2 = later */
	int ip_opts;		/* inner IPv4 option bytes */
	int vlans;		/* inner VLAN tags: 0, 1 or 2 */
	__u8 smac[6], dmac[6];
	int payload;		/* bytes after the headers */
};

struct pkt {
	__u8 data[PKT_MAX];
	__u32 len;
	__u32 hdr_len;		/* headers only: any cut below lands inside one */
};

/* Build @t carrying @f into @p. Returns 0, or -1 if it does not fit. */
int pkt_build(struct pkt *p, const struct tunnel_spec *t, const struct flow_spec *f);

/* Build only the frame of @f (no tunnel): the non-tunnel traffic. */
int pkt_build_plain(struct pkt *p, const struct flow_spec *f);

/* @f seen from the other end: addresses, ports, MACs swapped; echo reply. */
void flow_reverse(struct flow_spec *out, const struct flow_spec *f);

/*
 * The flow key the steering program should extract from @f, built from the
 * description (vgw/flow.h's filling contract), not from packet bytes.
 */
void flow_expected_key(struct vgw_flow_key *k, const struct flow_spec *f);

#endif /* _VGW_TEST_PKT_H */
