/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * vgw/auth.h - the tag that authenticates a cluster message
 * (vgw/cluster_wire.h, option VGW_OPT_AUTH).
 *
 * The tag is SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast
 * short-input PRF", 2012) under the cluster's 128-bit key, over:
 *
 *   the outer source address: its family (4 or 6), then 16 bytes (IPv4:
 *   ::ffff:a.b.c.d)
 *   the outer destination address, the same 17 bytes
 *   the message from its Geneve header to its end, the tag's 8 bytes
 *   counted as zeros
 *
 * so a message cannot be moved to another sender or receiver, and no byte
 * of it (options, the handoff's context, the inner frame, the records) can
 * change. Its sequence number and time (in the option, so under the tag)
 * let the receiver refuse replays.
 *
 * SipHash is computed here incrementally, over the pieces of a packet as
 * they come (a kernel skb's head and fragments), with the result of the
 * one-shot function: the same rules as vgw/wire.h keep this header usable
 * by the kernel module and userspace (the tests and fuzzers forge and
 * check messages with it).
 */
#ifndef _VGW_AUTH_H
#define _VGW_AUTH_H

#include <linux/types.h>

#define VGW_AUTH_KEY_LEN	16
#define VGW_AUTH_ADDR_LEN	17	/* family, address */

struct vgw_sip {
	__u64 v0, v1, v2, v3;
	__u64 tail;		/* bytes not yet a whole word, little-endian */
	__u64 len;		/* bytes so far */
};

static inline __u64 vgw_sip_rotl(__u64 x, int b)
{
	return (x << b) | (x >> (64 - b));
}

static inline void vgw_sip_round(struct vgw_sip *s)
{
	s->v0 += s->v1;
	s->v1 = vgw_sip_rotl(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = vgw_sip_rotl(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = vgw_sip_rotl(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = vgw_sip_rotl(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = vgw_sip_rotl(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = vgw_sip_rotl(s->v2, 32);
}

/* One 8-byte message word: two compression rounds. */
static inline void vgw_sip_word(struct vgw_sip *s, __u64 m)
{
	s->v3 ^= m;
	vgw_sip_round(s);
	vgw_sip_round(s);
	s->v0 ^= m;
}

/* The key's 16 bytes are two little-endian words, as in the paper. */
static inline void vgw_sip_init(struct vgw_sip *s,
				const __u8 key[VGW_AUTH_KEY_LEN])
{
	__u64 k0 = 0, k1 = 0;
	int i;

	for (i = 7; i >= 0; i--) {
		k0 = k0 << 8 | key[i];
		k1 = k1 << 8 | key[8 + i];
	}
	s->v0 = k0 ^ 0x736f6d6570736575ULL;
	s->v1 = k1 ^ 0x646f72616e646f6dULL;
	s->v2 = k0 ^ 0x6c7967656e657261ULL;
	s->v3 = k1 ^ 0x7465646279746573ULL;
	s->tail = 0;
	s->len = 0;
}

static inline void vgw_sip_update(struct vgw_sip *s, const void *data,
				  __u32 n)
{
	const __u8 *p = (const __u8 *)data;
	__u64 m;

	/* First complete the word a previous piece began. */
	while (n && (s->len & 7)) {
		s->tail |= (__u64)*p++ << (8 * (s->len & 7));
		s->len++;
		n--;
		if (!(s->len & 7)) {
			vgw_sip_word(s, s->tail);
			s->tail = 0;
		}
	}
	for (; n >= 8; n -= 8, p += 8) {
		/* A little-endian load (the builtin: no library call). */
		__builtin_memcpy(&m, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		m = __builtin_bswap64(m);
#endif
		vgw_sip_word(s, m);
		s->len += 8;
	}
	for (; n; n--) {
		s->tail |= (__u64)*p++ << (8 * (s->len & 7));
		s->len++;
	}
}

/* @n zero bytes (the tag's place). */
static inline void vgw_sip_zeros(struct vgw_sip *s, __u32 n)
{
	static const __u8 zeros[8];

	for (; n > 8; n -= 8)
		vgw_sip_update(s, zeros, 8);
	vgw_sip_update(s, zeros, n);
}

static inline __u64 vgw_sip_final(struct vgw_sip *s)
{
	vgw_sip_word(s, s->tail | (s->len & 0xff) << 56);
	s->v2 ^= 0xff;
	vgw_sip_round(s);
	vgw_sip_round(s);
	vgw_sip_round(s);
	vgw_sip_round(s);
	return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

/*
 * The start of a message's tag: the key and the two outer addresses as
 * vgw_auth_addr() writes them.
 */
static inline void vgw_auth_begin(struct vgw_sip *s,
				  const __u8 key[VGW_AUTH_KEY_LEN],
				  const __u8 src[VGW_AUTH_ADDR_LEN],
				  const __u8 dst[VGW_AUTH_ADDR_LEN])
{
	vgw_sip_init(s, key);
	vgw_sip_update(s, src, VGW_AUTH_ADDR_LEN);
	vgw_sip_update(s, dst, VGW_AUTH_ADDR_LEN);
}

/*
 * An address as the tag takes it: its family (4 or 6), then IPv6 as it
 * is, IPv4 mapped (so an IPv4 message never has the tag of one between
 * the mapped IPv6 addresses).
 */
static inline void vgw_auth_addr(__u8 out[VGW_AUTH_ADDR_LEN], int is_v4,
				 const __u8 *addr)
{
	int i;

	out[0] = is_v4 ? 4 : 6;
	if (!is_v4) {
		for (i = 0; i < 16; i++)
			out[1 + i] = addr[i];
		return;
	}
	for (i = 0; i < 10; i++)
		out[1 + i] = 0;
	out[11] = 0xff;
	out[12] = 0xff;
	for (i = 0; i < 4; i++)
		out[13 + i] = addr[i];
}

#endif /* _VGW_AUTH_H */
