/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * vgw/wire.h - the one definition of vnicgw's tunnel wire formats.
 *
 * Shared, unchanged, by three compilation contexts:
 *   - the kernel module (kmod/), with the kernel's own <linux/types.h>;
 *   - BPF programs (bpf/), built with clang -target bpf against the plain UAPI
 *     <linux/...> headers (no vmlinux.h: the steering program reads only
 *     packet bytes, so it needs no CO-RE);
 *   - userspace C (tests, tools, agent), with -I kmod/include -I kmod/include/uapi.
 *
 * Rules that keep it so: only __u8/__u16/__u32/__u64/__be16/__be32 types, only
 * <linux/types.h> included (which defines __always_inline in every context:
 * the kernel's compiler headers, libbpf's bpf_helpers.h, or the UAPI
 * <linux/stddef.h>), no bitfields (their layout depends on the
 * compiler's byte order), byte arrays for 24-bit fields, no libc or kernel
 * library calls, and only static (always-)inline functions.
 *
 * Byte order: multi-byte fields are network order (__be16/__be32). Helpers
 * that need a swap use the compiler's __builtin_bswap16/32 under the
 * predefined __BYTE_ORDER__, which gcc and clang set in all three contexts.
 */
#ifndef _VGW_WIRE_H
#define _VGW_WIRE_H

#include <linux/types.h>

/* sparse: converting between __beNN and host integers is deliberate here. */
#ifdef __CHECKER__
#define VGW_FORCE __attribute__((force))
#else
#define VGW_FORCE
#endif

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define VGW_HTONS(x)	((VGW_FORCE __be16)__builtin_bswap16((__u16)(x)))
#define VGW_NTOHS(x)	__builtin_bswap16((VGW_FORCE __u16)(x))
#define VGW_HTONL(x)	((VGW_FORCE __be32)__builtin_bswap32((__u32)(x)))
#define VGW_NTOHL(x)	__builtin_bswap32((VGW_FORCE __u32)(x))
#elif __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define VGW_HTONS(x)	((VGW_FORCE __be16)(__u16)(x))
#define VGW_NTOHS(x)	((VGW_FORCE __u16)(x))
#define VGW_HTONL(x)	((VGW_FORCE __be32)(__u32)(x))
#define VGW_NTOHL(x)	((VGW_FORCE __u32)(x))
#else
#error "vgw/wire.h: unknown __BYTE_ORDER__"
#endif

/* ---- Ethernet framing (IEEE 802.3, IEEE 802.1Q) ------------------------ */

#define VGW_ETH_ALEN		6
#define VGW_ETH_HLEN		14	/* dst MAC, src MAC, EtherType */
#define VGW_ETH_P_IPV4		0x0800
#define VGW_ETH_P_ARP		0x0806
#define VGW_ETH_P_8021Q		0x8100	/* C-tag, IEEE 802.1Q */
#define VGW_ETH_P_8021AD	0x88a8	/* S-tag, IEEE 802.1ad (QinQ) */
#define VGW_ETH_P_IPV6		0x86dd
#define VGW_ETH_P_TEB		0x6558	/* Transparent Ethernet Bridging */

/*
 * One 802.1Q/802.1ad tag as it follows the tag's TPID (which sits where the
 * EtherType was): 4 bytes in all counting the TPID, 2 + 2 here.
 */
struct vgw_vlan_hdr {
	__be16 tci;		/* PCP(3) DEI(1) VID(12) */
	__be16 encap_proto;	/* EtherType of what follows, or another TPID */
};

static __always_inline int vgw_eth_p_is_vlan(__be16 proto)
{
	return proto == VGW_HTONS(VGW_ETH_P_8021Q) ||
	       proto == VGW_HTONS(VGW_ETH_P_8021AD);
}

/* ---- Tunnel selection by UDP destination port ---------------------------- */

#define VGW_VXLAN_PORT		4789	/* IANA, RFC 7348 section 5 */
#define VGW_GENEVE_PORT		6081	/* IANA, RFC 8926 section 3.3 */

enum vgw_tunnel {
	VGW_TUNNEL_NONE = 0,
	VGW_TUNNEL_VXLAN,
	VGW_TUNNEL_GENEVE,
};

/* Which tunnel a UDP destination port (network order) carries, if any. */
static __always_inline enum vgw_tunnel vgw_tunnel_of_port(__be16 dport)
{
	if (dport == VGW_HTONS(VGW_VXLAN_PORT))
		return VGW_TUNNEL_VXLAN;
	if (dport == VGW_HTONS(VGW_GENEVE_PORT))
		return VGW_TUNNEL_GENEVE;
	return VGW_TUNNEL_NONE;
}

/* ---- VNI: 24 bits, network order, in both VXLAN and Geneve --------------- */

#define VGW_VNI_MAX		0xffffffU

/* Read a 24-bit VNI stored as 3 bytes, most significant first. */
static __always_inline __u32 vgw_vni_get(const __u8 vni[3])
{
	return (__u32)vni[0] << 16 | (__u32)vni[1] << 8 | vni[2];
}

/* Store the low 24 bits of @v as a VNI; the caller keeps @v <= VGW_VNI_MAX. */
static __always_inline void vgw_vni_set(__u8 vni[3], __u32 v)
{
	vni[0] = (__u8)((v >> 16) & 0xff);
	vni[1] = (__u8)((v >> 8) & 0xff);
	vni[2] = (__u8)(v & 0xff);
}

/* ---- VXLAN, RFC 7348 section 5 ------------------------------------------ */

/*
 * The 8-byte VXLAN header, after the outer UDP header (destination port 4789).
 * What follows it is the inner Ethernet frame, without its FCS.
 */
struct vgw_vxlanhdr {
	/*
	 * Section 5, "Flags": RRRRIRRR. I (0x08) must be 1 for a valid VNI;
	 * the R bits are sent as 0 and ignored on receipt.
	 */
	__u8 flags;
	__u8 reserved1[3];	/* 24 bits, sent 0, ignored on receipt */
	__u8 vni[3];		/* section 5, "VNI": 24 bits; vgw_vni_get/set */
	__u8 reserved2;		/* 8 bits, sent 0, ignored on receipt */
};

#define VGW_VXLAN_HLEN		8
#define VGW_VXLAN_FLAG_I	0x08	/* section 5: "I" flag, VNI valid */

_Static_assert(sizeof(struct vgw_vxlanhdr) == VGW_VXLAN_HLEN, "VXLAN header is 8 bytes");

/* RFC 7348 section 5: a receiver accepts a header iff the I flag is set. */
static __always_inline int vgw_vxlan_valid(const struct vgw_vxlanhdr *vx)
{
	return vx->flags & VGW_VXLAN_FLAG_I;
}

/* Fill @vx for sending: I flag, @vni, every reserved field zero. */
static __always_inline void vgw_vxlan_init(struct vgw_vxlanhdr *vx, __u32 vni)
{
	vx->flags = VGW_VXLAN_FLAG_I;
	vx->reserved1[0] = 0;
	vx->reserved1[1] = 0;
	vx->reserved1[2] = 0;
	vgw_vni_set(vx->vni, vni);
	vx->reserved2 = 0;
}

/* ---- Geneve, RFC 8926 section 3 ----------------------------------------- */

/*
 * The 8-byte fixed Geneve header (section 3.4), after the outer UDP header
 * (destination port 6081). Variable-length options follow it (opt_len 4-byte
 * words, section 3.5), then the payload whose type is protocol_type.
 */
struct vgw_genevehdr {
	/*
	 * Ver(2) | Opt Len(6). Ver: 0; a tunnel endpoint MUST drop a packet of
	 * an unknown version (section 3.4, "Ver"). Opt Len: length of the
	 * options in 4-byte words, excluding this fixed header ("Opt Len").
	 */
	__u8 ver_opt_len;
	/*
	 * O(1) | C(1) | Rsvd(6). O: control (OAM) packet; C: a critical
	 * option is present; Rsvd: sent 0, ignored on receipt (section 3.4).
	 */
	__u8 flags;
	/* Section 3.4, "Protocol Type": EtherType of the payload, 0x6558 Ethernet. */
	__be16 protocol_type;
	__u8 vni[3];		/* section 3.4, "VNI": 24 bits; vgw_vni_get/set */
	__u8 reserved;		/* sent 0, ignored on receipt */
};

#define VGW_GENEVE_HLEN		8
#define VGW_GENEVE_VERSION	0
#define VGW_GENEVE_VER_SHIFT	6
#define VGW_GENEVE_OPT_LEN_MASK	0x3f
#define VGW_GENEVE_FLAG_O	0x80	/* control (OAM) packet */
#define VGW_GENEVE_FLAG_C	0x40	/* critical options present */
#define VGW_GENEVE_OPT_MAX	(VGW_GENEVE_OPT_LEN_MASK * 4)	/* 252 bytes */

_Static_assert(sizeof(struct vgw_genevehdr) == VGW_GENEVE_HLEN, "Geneve header is 8 bytes");

/*
 * A Geneve option header (section 3.5): 4 bytes, then length * 4 bytes of
 * option data. Option lengths sum to the fixed header's Opt Len.
 */
struct vgw_geneve_opt {
	__be16 opt_class;	/* section 3.5: namespace of the type, IANA */
	__u8 type;		/* section 3.5: high bit = critical option */
	__u8 rsvd_len;		/* R(3) | Length(5): data in 4-byte words (3.5) */
};

#define VGW_GENEVE_OPT_HLEN	4
#define VGW_GENEVE_OPT_DLEN_MASK 0x1f
#define VGW_GENEVE_OPT_CRITICAL	0x80

_Static_assert(sizeof(struct vgw_geneve_opt) == VGW_GENEVE_OPT_HLEN, "Geneve option header");

static __always_inline __u32 vgw_geneve_version(const struct vgw_genevehdr *gh)
{
	return gh->ver_opt_len >> VGW_GENEVE_VER_SHIFT;
}

/* Bytes of options after the fixed header, 0..252. */
static __always_inline __u32 vgw_geneve_opts_bytes(const struct vgw_genevehdr *gh)
{
	return (__u32)(gh->ver_opt_len & VGW_GENEVE_OPT_LEN_MASK) * 4;
}

/* Bytes of one option's data after its 4-byte header, 0..124. */
static __always_inline __u32 vgw_geneve_opt_data_bytes(const struct vgw_geneve_opt *opt)
{
	return (__u32)(opt->rsvd_len & VGW_GENEVE_OPT_DLEN_MASK) * 4;
}

/*
 * Fill @gh for sending an Ethernet payload: version 0, @opts_bytes of options
 * to follow (a multiple of 4, at most VGW_GENEVE_OPT_MAX), no flags, @vni.
 */
static __always_inline void vgw_geneve_init(struct vgw_genevehdr *gh, __u32 vni,
					    __u32 opts_bytes)
{
	gh->ver_opt_len = (__u8)((opts_bytes / 4) & VGW_GENEVE_OPT_LEN_MASK);
	gh->flags = 0;
	gh->protocol_type = VGW_HTONS(VGW_ETH_P_TEB);
	vgw_vni_set(gh->vni, vni);
	gh->reserved = 0;
}

#endif /* _VGW_WIRE_H */
