/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * vgw/flow.h - the inner flow key and its SYMMETRIC hash.
 *
 * The XDP steering program (bpf/steer.bpf.c) picks a worker CPU as
 * cpus[vgw_flow_slot(vgw_flow_hash(&key), n_cpus)]; the kernel module and the
 * tests rebuild the same key from the same packet fields and get the same
 * hash. Compiles unchanged in the kernel, in BPF and in userspace: see the
 * rules at the top of vgw/wire.h.
 *
 * Symmetry: vgw_flow_hash(a->b) == vgw_flow_hash(b->a) for every key, because
 * the hash first orders the two endpoints (address, port) canonically and
 * then hashes them in that order. Ordering the real endpoints (rather than
 * XOR-ing or adding them) keeps the full 2 x (128 + 16) bits of entropy:
 * pairs such as (1, 2) and (3, 0) do not collide, and a flow to itself does
 * not hash to a constant.
 *
 * The hash is not keyed: it serves load spreading inside one host, and one
 * flow always lands on one CPU whatever the key, so a secret would not stop a
 * single heavy flow anyway.
 */
#ifndef _VGW_FLOW_H
#define _VGW_FLOW_H

#include "wire.h"

/* IANA protocol numbers, here to avoid <linux/in.h> vs <netinet/in.h>. */
#define VGW_PROTO_ICMP		1
#define VGW_PROTO_TCP		6
#define VGW_PROTO_UDP		17
#define VGW_PROTO_ICMPV6	58

/* ICMP echo types: RFC 792 (IPv4), RFC 4443 section 4 (IPv6). */
#define VGW_ICMP_ECHOREPLY	0
#define VGW_ICMP_ECHO		8
#define VGW_ICMPV6_ECHO_REQUEST	128
#define VGW_ICMPV6_ECHO_REPLY	129

/*
 * The first 8 bytes of an ICMP (RFC 792) or ICMPv6 (RFC 4443 section 2.1)
 * message; for an echo request/reply (RFC 4443 section 4), id and seq.
 */
struct vgw_icmp_echo {
	__u8 type;
	__u8 code;
	__be16 checksum;
	__be16 id;		/* echo identifier, kept by the reply */
	__be16 seq;
};

_Static_assert(sizeof(struct vgw_icmp_echo) == 8, "ICMP header is 8 bytes");

/* What the addresses of a flow key hold. */
enum vgw_flow_family {
	VGW_FLOW_L2 = 0,	/* inner frame is not IP: MAC addresses */
	VGW_FLOW_IPV4 = 4,
	VGW_FLOW_IPV6 = 6,
};

/*
 * The inner flow key. How to fill it (the contract every producer keeps, so
 * that the BPF program, the module and the tests agree):
 *   - start from all zeroes (vgw_flow_key_init_*() do it);
 *   - IPv4: saddr[0]/daddr[0], words 1..3 stay 0; IPv6: all four words;
 *     proto = IPv4 protocol / IPv6 fixed header's next header;
 *   - TCP, UDP: the ports, unless the packet is an IPv4 fragment (MF set or
 *     offset != 0, first fragment included, so that all fragments of one
 *     datagram agree): then the ports stay 0;
 *   - ICMP echo request/reply (and ICMPv6's): sport = dport = identifier, so
 *     request and reply agree;
 *   - anything else (other ICMP types, other protocols): ports 0;
 *   - IPv6 extension headers: the XDP steering does not walk them (proto =
 *     the fixed header's next header, ports 0); the module does (proto = the
 *     upper-layer protocol, ports as above, none for any fragment of a
 *     datagram, as for IPv4). The two hashes then differ for such a packet,
 *     which only changes the worker CPU it is processed on; every host's
 *     module computes the same one, so flow owners agree;
 *   - not IP (ARP, ...): family VGW_FLOW_L2, saddr/daddr hold the source and
 *     destination MAC in their first 6 bytes, proto and ports 0.
 * The tunnel VNI and the outer headers are deliberately NOT part of the key:
 * the two directions of a connection arrive from different NVDs, with
 * different VNIs (micro-VNIC ids), and must still meet on one CPU.
 */
struct vgw_flow_key {
	__be32 saddr[4];
	__be32 daddr[4];
	__be16 sport;		/* TCP/UDP source port, ICMP echo id, or 0 */
	__be16 dport;		/* TCP/UDP destination port, ICMP echo id, or 0 */
	__u8 proto;		/* IP protocol, 0 for VGW_FLOW_L2 */
	__u8 family;		/* enum vgw_flow_family */
	__u8 pad[2];		/* 0 */
};

_Static_assert(sizeof(struct vgw_flow_key) == 40, "flow key layout");

static __always_inline __u32 vgw_raw32(__be32 x)
{
	return (VGW_FORCE __u32)x;
}

static __always_inline __u16 vgw_raw16(__be16 x)
{
	return (VGW_FORCE __u16)x;
}

/* ---- Building a key ----------------------------------------------------- */

static __always_inline void vgw_flow_key_zero(struct vgw_flow_key *k)
{
	__u32 i;

	for (i = 0; i < 4; i++) {
		k->saddr[i] = 0;
		k->daddr[i] = 0;
	}
	k->sport = 0;
	k->dport = 0;
	k->proto = 0;
	k->family = 0;
	k->pad[0] = 0;
	k->pad[1] = 0;
}

static __always_inline void vgw_flow_key_init_ipv4(struct vgw_flow_key *k, __be32 saddr,
						   __be32 daddr, __u8 proto)
{
	vgw_flow_key_zero(k);
	k->family = VGW_FLOW_IPV4;
	k->saddr[0] = saddr;
	k->daddr[0] = daddr;
	k->proto = proto;
}

/* @saddr and @daddr point to 16-byte IPv6 addresses, network order. */
static __always_inline void vgw_flow_key_init_ipv6(struct vgw_flow_key *k, const __be32 *saddr,
						   const __be32 *daddr, __u8 nexthdr)
{
	__u32 i;

	vgw_flow_key_zero(k);
	k->family = VGW_FLOW_IPV6;
	for (i = 0; i < 4; i++) {
		k->saddr[i] = saddr[i];
		k->daddr[i] = daddr[i];
	}
	k->proto = nexthdr;
}

/* @src and @dst point to 6-byte MAC addresses. */
static __always_inline void vgw_flow_key_init_l2(struct vgw_flow_key *k, const __u8 *src,
						 const __u8 *dst)
{
	__u8 *s = (__u8 *)k->saddr, *d = (__u8 *)k->daddr;
	__u32 i;

	vgw_flow_key_zero(k);
	k->family = VGW_FLOW_L2;
	for (i = 0; i < VGW_ETH_ALEN; i++) {
		s[i] = src[i];
		d[i] = dst[i];
	}
}

static __always_inline void vgw_flow_key_set_ports(struct vgw_flow_key *k, __be16 sport,
						   __be16 dport)
{
	k->sport = sport;
	k->dport = dport;
}

/* Whether an ICMP (@proto 1) or ICMPv6 (@proto 58) @type is an echo. */
static __always_inline int vgw_flow_icmp_is_echo(__u8 proto, __u8 type)
{
	if (proto == VGW_PROTO_ICMP)
		return type == VGW_ICMP_ECHO || type == VGW_ICMP_ECHOREPLY;
	if (proto == VGW_PROTO_ICMPV6)
		return type == VGW_ICMPV6_ECHO_REQUEST || type == VGW_ICMPV6_ECHO_REPLY;
	return 0;
}

/* ---- Endpoint order ----------------------------------------------------- */

/*
 * Nonzero when (saddr, sport) sorts after (daddr, dport). The order compares
 * the words as host integers: any total order will do, as long as every
 * context uses this function.
 */
static __always_inline int vgw_flow_key_reversed(const struct vgw_flow_key *k)
{
	__u32 i;

	for (i = 0; i < 4; i++) {
		__u32 s = vgw_raw32(k->saddr[i]), d = vgw_raw32(k->daddr[i]);

		if (s != d)
			return s > d;
	}
	return vgw_raw16(k->sport) > vgw_raw16(k->dport);
}

/* Swap the two endpoints of @k: the key of the opposite direction. */
static __always_inline void vgw_flow_key_reverse(struct vgw_flow_key *k)
{
	__be16 p = k->sport;
	__u32 i;

	for (i = 0; i < 4; i++) {
		__be32 a = k->saddr[i];

		k->saddr[i] = k->daddr[i];
		k->daddr[i] = a;
	}
	k->sport = k->dport;
	k->dport = p;
}

/*
 * Put the endpoints of @k in canonical order (the same for both directions of
 * a flow), e.g. for a direction-free connection-tracking key.
 */
static __always_inline void vgw_flow_key_canonicalize(struct vgw_flow_key *k)
{
	if (vgw_flow_key_reversed(k))
		vgw_flow_key_reverse(k);
}

/* ---- The hash ----------------------------------------------------------- */

/*
 * A multiply-rotate round and a final avalanche in the manner of xxHash64's
 * round and MurmurHash3's fmix64: every input bit reaches every output bit.
 * 64-bit multiplies are cheap in all three contexts (one BPF_MUL each).
 */
#define VGW_HASH_P1	0x9e3779b185ebca87ULL
#define VGW_HASH_P2	0xc2b2ae3d27d4eb4fULL
#define VGW_HASH_M1	0xff51afd7ed558ccdULL
#define VGW_HASH_M2	0xc4ceb9fe1a85ec53ULL

static __always_inline __u64 vgw_hash_round(__u64 acc, __u64 word)
{
	acc += word * VGW_HASH_P2;
	acc = acc << 31 | acc >> 33;
	return acc * VGW_HASH_P1;
}

static __always_inline __u32 vgw_hash_final(__u64 h)
{
	h ^= h >> 33;
	h *= VGW_HASH_M1;
	h ^= h >> 33;
	h *= VGW_HASH_M2;
	h ^= h >> 33;
	return (__u32)h;
}

static __always_inline __u64 vgw_hash_pair(__be32 a, __be32 b)
{
	return (__u64)vgw_raw32(a) << 32 | vgw_raw32(b);
}

/*
 * The symmetric flow hash: equal for @k and for its reverse. @k must follow
 * the filling contract above (unused words zero). Deterministic on one host;
 * it reads the key's bytes in host order, so it differs across byte orders.
 */
static __always_inline __u32 vgw_flow_hash(const struct vgw_flow_key *k)
{
	const __be32 *a = k->saddr, *b = k->daddr;
	__be16 pa = k->sport, pb = k->dport;
	__u64 h = VGW_HASH_P1 ^ k->family;

	if (vgw_flow_key_reversed(k)) {
		a = k->daddr;
		b = k->saddr;
		pa = k->dport;
		pb = k->sport;
	}
	h = vgw_hash_round(h, vgw_hash_pair(a[0], b[0]));
	if (k->family != VGW_FLOW_IPV4) {
		h = vgw_hash_round(h, vgw_hash_pair(a[1], b[1]));
		h = vgw_hash_round(h, vgw_hash_pair(a[2], b[2]));
		h = vgw_hash_round(h, vgw_hash_pair(a[3], b[3]));
	}
	h = vgw_hash_round(h, (__u64)vgw_raw16(pa) << 48 | (__u64)vgw_raw16(pb) << 32 |
			      (__u32)k->proto << 8 | k->family);
	return vgw_hash_final(h);
}

/*
 * The worker slot for @hash among @n (> 0) configured CPUs. One definition so
 * that the module, the agent and the tests map a hash the way the XDP
 * program does.
 */
static __always_inline __u32 vgw_flow_slot(__u32 hash, __u32 n)
{
	return hash % n;
}

#endif /* _VGW_FLOW_H */
