// SPDX-License-Identifier: GPL-2.0
/*
 * The tag of cluster messages (kmod/include/vgw/auth.h, shared by the
 * module and the tools): SipHash-2-4 as the paper defines it (its test
 * vectors), the same however a message is cut into pieces, and the keys'
 * text form (user/lib/cluster_nl.c).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "kselftest_harness.h"
#include "cluster_nl.h"
#include <vgw/auth.h>

static const uint8_t key[16] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
};

static uint64_t one_shot(const uint8_t *m, uint32_t n)
{
	struct vgw_sip s;

	vgw_sip_init(&s, key);
	vgw_sip_update(&s, m, n);
	return vgw_sip_final(&s);
}

/*
 * SipHash-2-4 written down again, plainly, as the paper's section 2 says:
 * words little-endian, the last with the length in its top byte.
 */
#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND do { \
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32); \
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2; \
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0; \
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32); \
} while (0)

static uint64_t reference(const uint8_t *k, const uint8_t *m, size_t n)
{
	uint64_t k0 = 0, k1 = 0, v0, v1, v2, v3, w, b = (uint64_t)n << 56;
	size_t i, j;

	for (i = 0; i < 8; i++) {
		k0 |= (uint64_t)k[i] << (8 * i);
		k1 |= (uint64_t)k[8 + i] << (8 * i);
	}
	v0 = k0 ^ 0x736f6d6570736575ULL;
	v1 = k1 ^ 0x646f72616e646f6dULL;
	v2 = k0 ^ 0x6c7967656e657261ULL;
	v3 = k1 ^ 0x7465646279746573ULL;
	for (i = 0; i + 8 <= n; i += 8) {
		for (w = 0, j = 0; j < 8; j++)
			w |= (uint64_t)m[i + j] << (8 * j);
		v3 ^= w;
		SIPROUND;
		SIPROUND;
		v0 ^= w;
	}
	for (j = 0; i + j < n; j++)
		b |= (uint64_t)m[i + j] << (8 * j);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

static uint64_t rng = 0x2545f4914f6cdd1dULL;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

TEST(siphash_2_4_gives_the_papers_test_vectors)
{
	uint8_t m[15];
	int i;

	for (i = 0; i < 15; i++)
		m[i] = i;
	/* Appendix A: the 15 bytes 00..0e under the key 00..0f. */
	EXPECT_EQ(0xa129ca6149be45e5ULL, one_shot(m, 15));
	/* The first of the reference vectors: the empty message. */
	EXPECT_EQ(0x726fdb47dd0e0e31ULL, one_shot(m, 0));
}

TEST(siphash_equals_a_plain_transcription_for_every_length)
{
	uint8_t m[300];
	uint32_t n;

	for (n = 0; n < sizeof(m); n++)
		m[n] = (uint8_t)(n * 7 + 3);
	for (n = 0; n <= sizeof(m); n++)
		ASSERT_EQ(reference(key, m, n), one_shot(m, n))
			TH_LOG("length %u", n);
}

TEST(the_tag_is_the_same_however_the_message_is_cut)
{
	uint8_t m[1600];
	struct vgw_sip s;
	uint32_t n, at, piece, round;

	for (n = 0; n < sizeof(m); n++)
		m[n] = (uint8_t)rnd(256);
	for (round = 0; round < 2000; round++) {
		n = rnd(sizeof(m) + 1);
		vgw_sip_init(&s, key);
		for (at = 0; at < n; at += piece) {
			piece = 1 + rnd(n - at < 70 ? n - at : 70);
			vgw_sip_update(&s, m + at, piece);
		}
		ASSERT_EQ(one_shot(m, n), vgw_sip_final(&s))
			TH_LOG("round %u, length %u", round, n);
	}
}

TEST(zeros_are_the_same_as_zero_bytes)
{
	uint8_t m[64] = { 1, 2, 3 };
	struct vgw_sip s;
	uint32_t lead, n;

	for (lead = 0; lead < 9; lead++)
		for (n = 0; n < 40; n++) {
			memset(m + lead, 0, n);
			vgw_sip_init(&s, key);
			vgw_sip_update(&s, m, lead);
			vgw_sip_zeros(&s, n);
			ASSERT_EQ(one_shot(m, lead + n), vgw_sip_final(&s));
		}
}

TEST(every_byte_and_the_key_change_the_tag)
{
	uint8_t m[100], k2[16];
	struct vgw_sip s;
	uint64_t t;
	unsigned int i;

	memset(m, 0x5a, sizeof(m));
	t = one_shot(m, sizeof(m));
	for (i = 0; i < sizeof(m); i++) {
		m[i] ^= 1;
		EXPECT_NE(t, one_shot(m, sizeof(m)));
		m[i] ^= 1;
	}
	memcpy(k2, key, 16);
	k2[15] ^= 0x80;
	vgw_sip_init(&s, k2);
	vgw_sip_update(&s, m, sizeof(m));
	EXPECT_NE(t, vgw_sip_final(&s));
}

TEST(addresses_go_into_the_tag_with_their_family_ipv4_mapped)
{
	const uint8_t v4[4] = { 10, 0, 0, 10 };
	const uint8_t want[VGW_AUTH_ADDR_LEN] = { 4, 0, 0, 0, 0, 0, 0, 0, 0, 0,
						  0, 0xff, 0xff, 10, 0, 0, 10 };
	uint8_t v6[16], out[VGW_AUTH_ADDR_LEN];

	vgw_auth_addr(out, 1, v4);
	EXPECT_EQ(0, memcmp(want, out, sizeof(want)));
	/* The IPv6 address ::ffff:10.0.0.10 is another input. */
	memcpy(v6, want + 1, 16);
	vgw_auth_addr(out, 0, v6);
	EXPECT_EQ(6, out[0]);
	EXPECT_EQ(0, memcmp(v6, out + 1, 16));
	EXPECT_NE(0, memcmp(want, out, sizeof(want)));
}

TEST(keys_are_read_as_id_colon_32_hex_digits)
{
	struct vgw_cluster_key k;
	char err[160];

	ASSERT_EQ(0, vgw_cluster_key_parse("7:000102030405060708090a0B0c0D0e0F",
					   &k, err, sizeof(err)));
	EXPECT_EQ(7, k.id);
	EXPECT_EQ(0, memcmp(key, k.secret, 16));
	EXPECT_EQ(-EINVAL, vgw_cluster_key_parse("0:000102030405060708090a0b0c0d0e0f",
						 &k, err, sizeof(err)));
	EXPECT_STREQ("key id \"0\" is not a number from 1 to 255", err);
	EXPECT_EQ(-EINVAL, vgw_cluster_key_parse("256:000102030405060708090a0b0c0d0e0f",
						 &k, err, sizeof(err)));
	EXPECT_EQ(-EINVAL, vgw_cluster_key_parse("000102030405060708090a0b0c0d0e0f",
						 &k, err, sizeof(err)));
	EXPECT_STREQ("a key is ID:SECRET (ID 1-255, SECRET 32 hex digits)", err);
	EXPECT_EQ(-EINVAL, vgw_cluster_key_parse("1:0001020304", &k, err, sizeof(err)));
	EXPECT_STREQ("key 1: the secret has 10 characters, not 32 hex digits", err);
	/* A wrong digit is named by position, never by echoing the secret. */
	EXPECT_EQ(-EINVAL, vgw_cluster_key_parse("1:000102030405060708090a0b0c0d0eZZ",
						 &k, err, sizeof(err)));
	EXPECT_STREQ("key 1: the secret is not 32 hex digits", err);
	EXPECT_EQ(NULL, strstr(err, "0e"));
}

TEST(a_cluster_with_three_keys_or_a_repeated_id_is_refused)
{
	struct vgw_cluster cl = { 0 };
	struct vgw_cluster_key k = { .id = 1 };
	char err[160];

	ASSERT_EQ(0, vgw_cluster_add_key(&cl, &k));
	k.id = 1;
	ASSERT_EQ(0, vgw_cluster_add_key(&cl, &k));
	EXPECT_EQ(-EINVAL, vgw_cluster_check(&cl, err, sizeof(err)));
	EXPECT_STREQ("key 1 given twice", err);
	cl.keys[1].id = 2;
	EXPECT_EQ(0, vgw_cluster_check(&cl, err, sizeof(err)));
	EXPECT_EQ(-EINVAL, vgw_cluster_add_key(&cl, &k));
	vgw_cluster_free(&cl);
}

TEST_HARNESS_MAIN
