// SPDX-License-Identifier: GPL-2.0
/*
 * steer_test.c - host tests of the XDP steering program and of the shared
 * flow hash, run natively with BPF_PROG_TEST_RUN (root). TAP 13 on stdout;
 * exit status 1 if any test failed.
 *
 *   1. flow.h and wire.h alone: symmetry, canonical order, spread of
 *      structured flows, VNI and port helpers.
 *   2. Fixture table: a described packet -> the counter it must land in and,
 *      for a steered packet, the CPU slot computed here from the fields the
 *      row itself put in the packet (pkt.c's flow_expected_key()).
 *   3. Every truncation point of three tunnel packets passes.
 *   4. Distribution: 10k random flows over 4 CPUs, through the real program.
 *   5. Live: with BPF_F_TEST_XDP_LIVE_FRAMES the redirect really happens, and
 *      a probe cpumap program reports the CPU each frame was processed on.
 *
 * How the chosen slot is observed without a test hook: harness.h.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "harness.h"
#include "pkt.h"
#include "cpumap_probe.skel.h"

/* ---- TAP ---------------------------------------------------------------- */

static int tap_count, tap_failed;

static void tap(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", ok ? "" : "not ", ++tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		tap_failed++;
}

/* Diagnostics, printed as TAP comments before the failing line. */
static char why[512];

static int fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	printf("# %s\n", why);
	return 0;
}

/* ---- Deterministic random numbers (xorshift64*) ------------------------- */

static __u64 rng_state = 0x5eed5eed12345678ULL;

static __u64 rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static void rnd_bytes(__u8 *b, int n)
{
	while (n--)
		*b++ = rnd();
}

/* ---- 1. The shared headers alone ---------------------------------------- */

static void random_key(struct vgw_flow_key *k)
{
	__be32 s[4], d[4];
	int fam = rnd() % 3;

	rnd_bytes((__u8 *)s, sizeof(s));
	rnd_bytes((__u8 *)d, sizeof(d));
	if (fam == 0) {
		vgw_flow_key_init_l2(k, (__u8 *)s, (__u8 *)d);
		return;
	}
	if (fam == 1)
		vgw_flow_key_init_ipv4(k, s[0], d[0], rnd() & 1 ? 6 : 17);
	else
		vgw_flow_key_init_ipv6(k, s, d, rnd() & 1 ? 6 : 17);
	/* Equal addresses now and then: the ports must break the tie. */
	if (rnd() % 8 == 0)
		memcpy(k->daddr, k->saddr, sizeof(k->saddr));
	vgw_flow_key_set_ports(k, rnd(), rnd());
}

static int test_hash_symmetric(void)
{
	struct vgw_flow_key k, r;
	int i;

	for (i = 0; i < 100000; i++) {
		random_key(&k);
		r = k;
		vgw_flow_key_reverse(&r);
		if (vgw_flow_hash(&k) != vgw_flow_hash(&r))
			return fail("key %d: hash %08x, reversed %08x", i,
				    vgw_flow_hash(&k), vgw_flow_hash(&r));
	}
	return 1;
}

static int test_canonical(void)
{
	struct vgw_flow_key k, r, c;
	int i;

	for (i = 0; i < 100000; i++) {
		random_key(&k);
		r = k;
		vgw_flow_key_reverse(&r);
		vgw_flow_key_canonicalize(&k);
		vgw_flow_key_canonicalize(&r);
		c = k;
		vgw_flow_key_canonicalize(&c);
		if (memcmp(&k, &r, sizeof(k)))
			return fail("key %d: directions canonicalize differently", i);
		if (memcmp(&k, &c, sizeof(k)) || vgw_flow_key_reversed(&k))
			return fail("key %d: canonical key not a fixed point", i);
	}
	return 1;
}

/* Pairs that a XOR- or sum-combining hash would merge must stay apart. */
static int test_no_commutative_collisions(void)
{
	static const __u32 pairs[][4] = {	/* a, b, c, d: a^b == c^d */
		{ 0x0a000001, 0x0a000002, 0x0a000003, 0x0a000000 },
		{ 0x0a000001, 0x0a000004, 0x0a000002, 0x0a000003 },	/* a+b == c+d */
		{ 0x0a000005, 0x0a000005, 0x0a000007, 0x0a000007 },	/* self flows */
	};
	struct vgw_flow_key x, y;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(pairs); i++) {
		vgw_flow_key_init_ipv4(&x, htonl(pairs[i][0]), htonl(pairs[i][1]), 6);
		vgw_flow_key_init_ipv4(&y, htonl(pairs[i][2]), htonl(pairs[i][3]), 6);
		vgw_flow_key_set_ports(&x, htons(1000), htons(80));
		vgw_flow_key_set_ports(&y, htons(1000), htons(80));
		if (vgw_flow_hash(&x) == vgw_flow_hash(&y))
			return fail("pair %u collides", i);
	}
	return 1;
}

/* Count @n flows into @slots bins; each bin within +-10% of the mean. */
static int spread_ok(const char *what, const __u32 *hashes, int n, __u32 slots)
{
	int bins[64] = { 0 }, i;
	double mean = (double)n / slots;

	for (i = 0; i < n; i++)
		bins[vgw_flow_slot(hashes[i], slots)]++;
	for (i = 0; i < (int)slots; i++)
		if (bins[i] < mean * 0.9 || bins[i] > mean * 1.1)
			return fail("%s over %u slots: slot %d has %d, mean %.0f", what, slots,
				    i, bins[i], mean);
	return 1;
}

/*
 * Real traffic is structured, not random: one client opening 10k
 * connections (sequential source ports), 10k clients of a /16 calling one
 * server port, IPv6 hosts differing in the last byte only.
 */
static int test_structured_spread(void)
{
	static __u32 h[3][10000];
	__be32 s6[4] = { htonl(0xfd000000), 0, 0, 0 }, d6[4] = { htonl(0xfd000000), 0, 0, 9 };
	struct vgw_flow_key k;
	__u32 slots[] = { 2, 3, 4, 6, 8 };
	unsigned int i, j;

	for (i = 0; i < 10000; i++) {
		vgw_flow_key_init_ipv4(&k, htonl(0x0a010105), htonl(0x0a010207), 6);
		vgw_flow_key_set_ports(&k, htons(20000 + i), htons(443));
		h[0][i] = vgw_flow_hash(&k);
		vgw_flow_key_init_ipv4(&k, htonl(0x0a000000 + i), htonl(0x0a640001), 17);
		vgw_flow_key_set_ports(&k, htons(53000), htons(53));
		h[1][i] = vgw_flow_hash(&k);
		s6[3] = htonl(i);
		vgw_flow_key_init_ipv6(&k, s6, d6, 6);
		vgw_flow_key_set_ports(&k, htons(33000), htons(22));
		h[2][i] = vgw_flow_hash(&k);
	}
	for (j = 0; j < ARRAY_SIZE(slots); j++)
		if (!spread_ok("sequential ports", h[0], 10000, slots[j]) ||
		    !spread_ok("a /16 of clients", h[1], 10000, slots[j]) ||
		    !spread_ok("IPv6 last word", h[2], 10000, slots[j]))
			return 0;
	return 1;
}

static int test_wire_helpers(void)
{
	struct vgw_vxlanhdr vx;
	struct vgw_genevehdr gh;
	__u32 v;

	for (v = 0; v <= VGW_VNI_MAX; v += 0x1235) {
		vgw_vxlan_init(&vx, v);
		if (vgw_vni_get(vx.vni) != v || !vgw_vxlan_valid(&vx))
			return fail("VXLAN VNI %u read back as %u", v, vgw_vni_get(vx.vni));
	}
	if (vx.vni[0] != (v - 0x1235) >> 16)
		return fail("VNI not stored most significant byte first");
	vgw_geneve_init(&gh, 0xabcdef, 252);
	if (vgw_vni_get(gh.vni) != 0xabcdef || vgw_geneve_opts_bytes(&gh) != 252 ||
	    vgw_geneve_version(&gh) != 0 || ntohs(gh.protocol_type) != 0x6558)
		return fail("Geneve header fields read back wrong");
	if (vgw_tunnel_of_port(htons(4789)) != VGW_TUNNEL_VXLAN ||
	    vgw_tunnel_of_port(htons(6081)) != VGW_TUNNEL_GENEVE ||
	    vgw_tunnel_of_port(htons(4790)) != VGW_TUNNEL_NONE ||
	    vgw_tunnel_of_port(4789) != VGW_TUNNEL_NONE)
		return fail("tunnel_of_port: wrong mapping or byte order");
	return 1;
}

static int test_counter_names(void)
{
	unsigned int i, j;

	for (i = 0; i < VGW_STEER_NR_COUNTERS; i++) {
		if (!vgw_steer_counter_name(i)[0] || !vgw_steer_counter_help(i)[0])
			return fail("counter %u has no name or help", i);
		for (j = 0; j < i; j++)
			if (!strcmp(vgw_steer_counter_name(i), vgw_steer_counter_name(j)))
				return fail("counters %u and %u share a name", i, j);
	}
	return 1;
}

/* ---- 2. Fixtures --------------------------------------------------------- */

#define MAC_A	{ 0x02, 0xaa, 0, 0, 0, 0x05 }
#define MAC_B	{ 0x02, 0xbb, 0, 0, 0, 0x07 }
#define IP4_A	{ 10, 1, 1, 5 }
#define IP4_B	{ 10, 1, 2, 7 }
#define IP6_A	{ 0xfd, 0, 0, 0, 0, 0, 0, 1, [15] = 5 }
#define IP6_B	{ 0xfd, 0, 0, 0, 0, 0, 0, 2, [15] = 7 }

#define FLOW4(p, sp, dp)	.family = 4, .proto = (p), .saddr = IP4_A, .daddr = IP4_B, \
				.sport = (sp), .dport = (dp), .smac = MAC_A, .dmac = MAC_B, \
				.payload = 32
#define FLOW6(p, sp, dp)	.family = 6, .proto = (p), .saddr = IP6_A, .daddr = IP6_B, \
				.sport = (sp), .dport = (dp), .smac = MAC_A, .dmac = MAC_B, \
				.payload = 32
#define ECHO4			FLOW4(VGW_PROTO_ICMP, 0, 0), .icmp_type = VGW_ICMP_ECHO, \
				.icmp_id = 0x4242
#define ECHO6			FLOW6(VGW_PROTO_ICMPV6, 0, 0), \
				.icmp_type = VGW_ICMPV6_ECHO_REQUEST, .icmp_id = 0x4343
#define ARP			.family = 0, .saddr = IP4_A, .daddr = IP4_B, .smac = MAC_A, \
				.dmac = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }

#define VXLAN4		.family = 4, .kind = VGW_TUNNEL_VXLAN, .vni = 1001
#define VXLAN6		.family = 6, .kind = VGW_TUNNEL_VXLAN, .vni = 1002
#define GENEVE4		.family = 4, .kind = VGW_TUNNEL_GENEVE, .vni = 2001
#define GENEVE6		.family = 6, .kind = VGW_TUNNEL_GENEVE, .vni = 2002

enum cfg { CFG_4 = 0, CFG_1, CFG_3, CFG_NONE, CFG_TOO_MANY };

struct fixture {
	const char *desc;
	struct tunnel_spec t;
	struct flow_spec f;
	__u32 expect;		/* enum vgw_steer_counter the packet lands in */
	int both_dirs;		/* the reverse flow must land on the same CPU */
	int plain;		/* no tunnel: f alone on the wire */
	enum cfg cfg;		/* CPUs configured (default 4) */
	void (*mangle)(struct pkt *p);
};

#define OUTER4_LEN	(14 + 20 + 8 + 8)	/* eth, IPv4, UDP, VXLAN */

static void inner_ihl_4(struct pkt *p)
{
	p->data[OUTER4_LEN + 14] = 0x44;
}

static void vxlan_reserved_bits_set(struct pkt *p)
{
	p->data[14 + 20 + 8] = 0xff;	/* R bits set with I: ignored on receipt */
}

static const struct fixture fixtures[] = {
	/* Steered: both directions of a flow land on one CPU. */
	{ "VXLAN/IPv4, TCP 10.1.1.5:40000 -> 10.1.2.7:443 and back: same CPU",
	  { VXLAN4 }, { FLOW4(VGW_PROTO_TCP, 40000, 443) },
	  .expect = VGW_STEER_REDIRECT_VXLAN, .both_dirs = 1 },
	{ "VXLAN/IPv4, UDP 53000 -> 53 and back: same CPU",
	  { VXLAN4 }, { FLOW4(VGW_PROTO_UDP, 53000, 53) },
	  .expect = VGW_STEER_REDIRECT_VXLAN, .both_dirs = 1 },
	{ "VXLAN/IPv4, ICMP echo request and reply (id 0x4242): same CPU",
	  { VXLAN4 }, { ECHO4 }, .expect = VGW_STEER_REDIRECT_VXLAN, .both_dirs = 1 },
	{ "VXLAN/IPv4, ICMP destination unreachable: steered on addresses only",
	  { VXLAN4 }, { FLOW4(VGW_PROTO_ICMP, 0, 0), .icmp_type = 3, .icmp_id = 0x1111 },
	  .expect = VGW_STEER_REDIRECT_VXLAN, .both_dirs = 1 },
	{ "VXLAN over IPv6 underlay, inner IPv4 TCP and back: same CPU",
	  { VXLAN6 }, { FLOW4(VGW_PROTO_TCP, 41000, 22) },
	  .expect = VGW_STEER_REDIRECT_VXLAN, .both_dirs = 1 },
	{ "VXLAN/IPv4, inner IPv6 TCP and back: same CPU",
	  { VXLAN4 }, { FLOW6(VGW_PROTO_TCP, 42000, 80) },
	  .expect = VGW_STEER_REDIRECT_VXLAN, .both_dirs = 1 },
	{ "VXLAN/IPv6, inner IPv6 UDP and back: same CPU",
	  { VXLAN6 }, { FLOW6(VGW_PROTO_UDP, 5353, 5353) },
	  .expect = VGW_STEER_REDIRECT_VXLAN, .both_dirs = 1 },
	{ "VXLAN/IPv6, inner ICMPv6 echo request and reply: same CPU",
	  { VXLAN6 }, { ECHO6 }, .expect = VGW_STEER_REDIRECT_VXLAN, .both_dirs = 1 },
	{ "VXLAN/IPv4, inner ICMPv6 neighbor solicitation: addresses only",
	  { VXLAN4 }, { FLOW6(VGW_PROTO_ICMPV6, 0, 0), .icmp_type = 135 },
	  .expect = VGW_STEER_REDIRECT_VXLAN },
	{ "VXLAN/IPv4 with reserved flag bits set (ignored on receipt, RFC 7348)",
	  { VXLAN4 }, { FLOW4(VGW_PROTO_TCP, 40001, 443) },
	  .expect = VGW_STEER_REDIRECT_VXLAN, .mangle = vxlan_reserved_bits_set },
	{ "Geneve/IPv4 without options, TCP and back: same CPU",
	  { GENEVE4 }, { FLOW4(VGW_PROTO_TCP, 43000, 443) },
	  .expect = VGW_STEER_REDIRECT_GENEVE, .both_dirs = 1 },
	{ "Geneve/IPv6 with one empty option (4 bytes)",
	  { GENEVE6, .geneve_opts = { 0 }, .n_geneve_opts = 1 },
	  { FLOW6(VGW_PROTO_TCP, 44000, 443) },
	  .expect = VGW_STEER_REDIRECT_GENEVE, .both_dirs = 1 },
	{ "Geneve/IPv4 with one 8-byte option (12 bytes)",
	  { GENEVE4, .geneve_opts = { 8 }, .n_geneve_opts = 1 },
	  { FLOW4(VGW_PROTO_UDP, 45000, 4500) },
	  .expect = VGW_STEER_REDIRECT_GENEVE, .both_dirs = 1 },
	{ "Geneve/IPv6 with three options (4+16+4+4+4+32 = 64 bytes)",
	  { GENEVE6, .geneve_opts = { 16, 4, 32 }, .n_geneve_opts = 3 },
	  { ECHO4 }, .expect = VGW_STEER_REDIRECT_GENEVE, .both_dirs = 1 },
	{ "Geneve/IPv4 with the longest options, 252 bytes (4+120+4+124)",
	  { GENEVE4, .geneve_opts = { 120, 124 }, .n_geneve_opts = 2 },
	  { FLOW6(VGW_PROTO_TCP, 46000, 443) },
	  .expect = VGW_STEER_REDIRECT_GENEVE, .both_dirs = 1 },
	{ "VXLAN/IPv4 on an 802.1Q VLAN",
	  { VXLAN4, .vlans = 1 }, { FLOW4(VGW_PROTO_TCP, 47000, 443) },
	  .expect = VGW_STEER_REDIRECT_VXLAN, .both_dirs = 1 },
	{ "Geneve/IPv6 on QinQ (802.1ad + 802.1Q)",
	  { GENEVE6, .vlans = 2 }, { FLOW4(VGW_PROTO_TCP, 48000, 443) },
	  .expect = VGW_STEER_REDIRECT_GENEVE, .both_dirs = 1 },
	{ "VXLAN/IPv4, inner frame on an 802.1Q VLAN",
	  { VXLAN4 }, { FLOW4(VGW_PROTO_UDP, 49000, 53), .vlans = 1 },
	  .expect = VGW_STEER_REDIRECT_VXLAN, .both_dirs = 1 },
	{ "VXLAN/IPv4, inner frame on QinQ",
	  { VXLAN4 }, { FLOW6(VGW_PROTO_UDP, 49001, 53), .vlans = 2 },
	  .expect = VGW_STEER_REDIRECT_VXLAN },
	{ "VXLAN over IPv4 with 4 bytes of options (IHL 6)",
	  { VXLAN4, .ip_opts = 4 }, { FLOW4(VGW_PROTO_TCP, 50000, 443) },
	  .expect = VGW_STEER_REDIRECT_VXLAN },
	{ "VXLAN over IPv4 with 40 bytes of options (IHL 15)",
	  { VXLAN4, .ip_opts = 40 }, { FLOW4(VGW_PROTO_TCP, 50001, 443) },
	  .expect = VGW_STEER_REDIRECT_VXLAN, .both_dirs = 1 },
	{ "VXLAN/IPv4, inner IPv4 with 12 bytes of options",
	  { VXLAN4 }, { FLOW4(VGW_PROTO_TCP, 50002, 443), .ip_opts = 12 },
	  .expect = VGW_STEER_REDIRECT_VXLAN, .both_dirs = 1 },
	{ "VXLAN/IPv4, inner first IPv4 fragment: addresses only",
	  { VXLAN4 }, { FLOW4(VGW_PROTO_UDP, 51000, 53), .frag = 1 },
	  .expect = VGW_STEER_REDIRECT_VXLAN },
	{ "VXLAN/IPv4, inner later IPv4 fragment: addresses only, as the first",
	  { VXLAN4 }, { FLOW4(VGW_PROTO_UDP, 51000, 53), .frag = 2 },
	  .expect = VGW_STEER_REDIRECT_VXLAN },
	{ "VXLAN/IPv4, inner SCTP: addresses and protocol only",
	  { VXLAN4 }, { FLOW4(132, 0, 0) }, .expect = VGW_STEER_REDIRECT_VXLAN, .both_dirs = 1 },
	{ "VXLAN/IPv4, inner IPv6 hop-by-hop header (not walked): addresses only",
	  { VXLAN4 }, { FLOW6(0, 0, 0) }, .expect = VGW_STEER_REDIRECT_VXLAN, .both_dirs = 1 },
	{ "VXLAN/IPv4, inner ARP request and reply (not IP): by MAC pair, same CPU",
	  { VXLAN4 }, { ARP }, .expect = VGW_STEER_REDIRECT_VXLAN, .both_dirs = 1 },
	{ "VXLAN/IPv4, one CPU configured: always that one",
	  { VXLAN4 }, { FLOW4(VGW_PROTO_TCP, 52000, 443) },
	  .expect = VGW_STEER_REDIRECT_VXLAN, .both_dirs = 1, .cfg = CFG_1 },
	{ "Geneve/IPv4, three CPUs configured (not a power of two)",
	  { GENEVE4 }, { FLOW4(VGW_PROTO_TCP, 52001, 443) },
	  .expect = VGW_STEER_REDIRECT_GENEVE, .both_dirs = 1, .cfg = CFG_3 },

	/* Passed to the stack untouched. */
	{ "ARP request on the underlay: pass", {}, { ARP },
	  .expect = VGW_STEER_PASS_NOT_TUNNEL, .plain = 1 },
	{ "SSH, TCP 22 over IPv4: pass", {}, { FLOW4(VGW_PROTO_TCP, 50022, 22) },
	  .expect = VGW_STEER_PASS_NOT_TUNNEL, .plain = 1 },
	{ "BGP, TCP 179 over IPv6: pass", {}, { FLOW6(VGW_PROTO_TCP, 179, 50179) },
	  .expect = VGW_STEER_PASS_NOT_TUNNEL, .plain = 1 },
	{ "DNS, UDP 53 over IPv4: pass", {}, { FLOW4(VGW_PROTO_UDP, 50053, 53) },
	  .expect = VGW_STEER_PASS_NOT_TUNNEL, .plain = 1 },
	{ "IPv6 neighbor solicitation on the underlay: pass", {},
	  { FLOW6(VGW_PROTO_ICMPV6, 0, 0), .icmp_type = 135 },
	  .expect = VGW_STEER_PASS_NOT_TUNNEL, .plain = 1 },
	{ "TCP (not UDP) to port 4789: pass", {},
	  { FLOW4(VGW_PROTO_TCP, 50000, 4789) }, .expect = VGW_STEER_PASS_NOT_TUNNEL, .plain = 1 },
	{ "VXLAN-GPE port 4790 (VXLAN header inside): pass",
	  { VXLAN4, .dport = 4790 }, { FLOW4(VGW_PROTO_TCP, 40000, 443) },
	  .expect = VGW_STEER_PASS_NOT_TUNNEL },
	{ "Three outer VLAN tags: not parsed, pass",
	  { VXLAN4, .vlans = 3 }, { FLOW4(VGW_PROTO_TCP, 40000, 443) },
	  .expect = VGW_STEER_PASS_NOT_TUNNEL },
	{ "Outer first IPv4 fragment to 4789: pass for reassembly",
	  { VXLAN4, .frag = 1 }, { FLOW4(VGW_PROTO_TCP, 40000, 443) },
	  .expect = VGW_STEER_PASS_FRAGMENT },
	{ "Outer later IPv4 fragment: pass for reassembly",
	  { VXLAN4, .frag = 2 }, { FLOW4(VGW_PROTO_TCP, 40000, 443) },
	  .expect = VGW_STEER_PASS_FRAGMENT },
	{ "VXLAN with the I flag clear: malformed, pass",
	  { VXLAN4, .vxlan_flags = 0x80 }, { FLOW4(VGW_PROTO_TCP, 40000, 443) },
	  .expect = VGW_STEER_PASS_MALFORMED },
	{ "Geneve version 1: malformed, pass",
	  { GENEVE4, .geneve_ver = 1 }, { FLOW4(VGW_PROTO_TCP, 40000, 443) },
	  .expect = VGW_STEER_PASS_MALFORMED },
	{ "Geneve carrying IPv4 (protocol 0x0800), not Ethernet: pass",
	  { GENEVE6, .geneve_proto = 0x0800 }, { FLOW4(VGW_PROTO_TCP, 40000, 443) },
	  .expect = VGW_STEER_PASS_MALFORMED },
	{ "VXLAN/IPv4, inner IPv4 with IHL 4: malformed, pass",
	  { VXLAN4 }, { FLOW4(VGW_PROTO_TCP, 40000, 443) },
	  .expect = VGW_STEER_PASS_MALFORMED, .mangle = inner_ihl_4 },
	{ "No CPU configured (n_cpus 0): pass, counted",
	  { VXLAN4 }, { FLOW4(VGW_PROTO_TCP, 40000, 443) },
	  .expect = VGW_STEER_PASS_NO_CPUS, .cfg = CFG_NONE },
	{ "n_cpus above VGW_STEER_MAX_CPUS: refused, pass",
	  { GENEVE4 }, { FLOW4(VGW_PROTO_TCP, 40000, 443) },
	  .expect = VGW_STEER_PASS_NO_CPUS, .cfg = CFG_TOO_MANY },
};

static int is_redirect(__u32 counter)
{
	return counter == VGW_STEER_REDIRECT_VXLAN || counter == VGW_STEER_REDIRECT_GENEVE;
}

static __u32 cfg_n(enum cfg cfg)
{
	static const __u32 n[] = {
		[CFG_4] = 4, [CFG_1] = 1, [CFG_3] = 3, [CFG_NONE] = 0,
		[CFG_TOO_MANY] = VGW_STEER_MAX_CPUS + 1,
	};

	return n[cfg];
}

/*
 * Run @p once; it must return the action of @counter and increment exactly
 * that counter by one. Returns 1 if so.
 */
static int run_expect(struct harness *h, const struct pkt *p, __u32 len, __u32 counter,
		      const char *what)
{
	__u64 before[VGW_STEER_NR_COUNTERS], after[VGW_STEER_NR_COUNTERS];
	__u32 action, want = is_redirect(counter) ? XDP_REDIRECT : XDP_PASS, i;
	int err;

	if (harness_counters(h, before))
		return fail("%s: cannot read counters", what);
	err = harness_run(h, p->data, len, &action);
	if (err)
		return fail("%s: test run failed: %s", what, strerror(-err));
	if (harness_counters(h, after))
		return fail("%s: cannot read counters", what);
	if (action != want)
		return fail("%s: action %u, want %u", what, action, want);
	for (i = 0; i < VGW_STEER_NR_COUNTERS; i++) {
		__u64 d = after[i] - before[i];

		if (d != (__u64)(i == counter))
			return fail("%s: counter %s moved by %llu, want %s", what,
				    vgw_steer_counter_name(i), (unsigned long long)d,
				    i == counter ? "1" : "0");
	}
	return 1;
}

static int build(struct pkt *p, const struct fixture *fx, const struct flow_spec *f)
{
	if (fx->plain ? pkt_build_plain(p, f) : pkt_build(p, &fx->t, f))
		return fail("packet does not fit");
	if (fx->mangle)
		fx->mangle(p);
	return 1;
}

/*
 * A steered row: with only the expected slot live the packet (and its
 * reverse) is redirected; with only another slot live it is not.
 */
static int run_steered(struct harness *h, const struct fixture *fx)
{
	__u32 n = cfg_n(fx->cfg), slot;
	struct vgw_flow_key key;
	struct flow_spec rev;
	static struct pkt p;

	flow_expected_key(&key, &fx->f);
	slot = vgw_flow_slot(vgw_flow_hash(&key), n);
	if (harness_config_live_slot(h, n, slot))
		return fail("cannot configure CPUs");
	if (!build(&p, fx, &fx->f) || !run_expect(h, &p, p.len, fx->expect, "forward"))
		return 0;
	flow_reverse(&rev, &fx->f);
	if (fx->both_dirs &&
	    (!build(&p, fx, &rev) || !run_expect(h, &p, p.len, fx->expect, "reverse")))
		return 0;
	if (n == 1)
		return 1;
	if (harness_config_live_slot(h, n, (slot + 1) % n))
		return fail("cannot configure CPUs");
	return build(&p, fx, &fx->f) &&
	       run_expect(h, &p, p.len, VGW_STEER_PASS_NO_CPU_ENTRY, "other slot live");
}

static int run_passed(struct harness *h, const struct fixture *fx)
{
	__u32 n = cfg_n(fx->cfg);
	static struct pkt p;

	/* Every slot live: a pass is the program's decision, not a missing CPU. */
	if (harness_config_live_slot(h, n, n))
		return fail("cannot configure CPUs");
	return build(&p, fx, &fx->f) && run_expect(h, &p, p.len, fx->expect, "packet");
}

static void test_fixtures(struct harness *h)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fixtures); i++) {
		const struct fixture *fx = &fixtures[i];

		tap(is_redirect(fx->expect) ? run_steered(h, fx) : run_passed(h, fx),
		    "%s -> %s", fx->desc, vgw_steer_counter_name(fx->expect));
	}
}

/* ---- 3. Truncation ------------------------------------------------------- */

/*
 * Cut @fx's packet after every byte of its headers: each cut passes as
 * truncated, the whole headers are steered. The kernel refuses XDP test
 * input shorter than an Ethernet header, so cuts start at 14.
 */
static int run_truncations(struct harness *h, const struct fixture *fx)
{
	static struct pkt p;
	char what[32];
	__u32 len;

	if (harness_config_live_slot(h, 4, 4) || !build(&p, fx, &fx->f))
		return fail("setup failed");
	for (len = VGW_ETH_HLEN; len < p.hdr_len; len++) {
		snprintf(what, sizeof(what), "cut at %u of %u", len, p.hdr_len);
		if (!run_expect(h, &p, len, VGW_STEER_PASS_TRUNCATED, what))
			return 0;
	}
	return run_expect(h, &p, p.hdr_len, fx->expect, "headers complete");
}

static const struct fixture truncated[] = {
	{ "VXLAN/IPv4 on a VLAN, IPv4 options, inner TCP",
	  { VXLAN4, .vlans = 1, .ip_opts = 8 }, { FLOW4(VGW_PROTO_TCP, 40000, 443) },
	  .expect = VGW_STEER_REDIRECT_VXLAN },
	{ "Geneve/IPv6 on QinQ, options 8+4, inner VLAN IPv6 TCP",
	  { GENEVE6, .vlans = 2, .geneve_opts = { 8, 4 }, .n_geneve_opts = 2 },
	  { FLOW6(VGW_PROTO_TCP, 40000, 443), .vlans = 1 }, .expect = VGW_STEER_REDIRECT_GENEVE },
	{ "VXLAN/IPv6, inner IPv4 with options, ICMP echo",
	  { VXLAN6 }, { ECHO4, .ip_opts = 4 }, .expect = VGW_STEER_REDIRECT_VXLAN },
	{ "Geneve/IPv4, inner IPv4 UDP",
	  { GENEVE4, .geneve_opts = { 4 }, .n_geneve_opts = 1 },
	  { FLOW4(VGW_PROTO_UDP, 40000, 53) }, .expect = VGW_STEER_REDIRECT_GENEVE },
};

static void test_truncations(struct harness *h)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(truncated); i++)
		tap(run_truncations(h, &truncated[i]),
		    "%s: every cut inside the headers -> pass_truncated", truncated[i].desc);
}

/* ---- 4. Distribution ----------------------------------------------------- */

#define DIST_FLOWS	10000
#define DIST_CPUS	4

static void random_flow(struct flow_spec *f)
{
	memset(f, 0, sizeof(*f));
	f->family = rnd() & 1 ? 4 : 6;
	f->proto = rnd() & 1 ? VGW_PROTO_TCP : VGW_PROTO_UDP;
	rnd_bytes(f->saddr, 16);
	rnd_bytes(f->daddr, 16);
	f->sport = rnd();
	f->dport = rnd();
	rnd_bytes(f->smac, 6);
	rnd_bytes(f->dmac, 6);
}

/* 1 if the program redirects @f in @t (its slot is the live one), 0 if not, -1 on error. */
static int observed_slot(struct harness *h, const struct tunnel_spec *t,
			 const struct flow_spec *f)
{
	static struct pkt p;
	__u32 action;

	if (pkt_build(&p, t, f) || harness_run(h, p.data, p.len, &action))
		return -1;
	return action == XDP_REDIRECT;
}

static int test_distribution(struct harness *h)
{
	static struct flow_spec flows[DIST_FLOWS];
	static int slot_fwd[DIST_FLOWS], slot_rev[DIST_FLOWS];
	struct tunnel_spec t = { VXLAN4 };
	int bins[DIST_CPUS] = { 0 }, i, s;
	struct vgw_flow_key key;
	struct flow_spec rev;

	for (i = 0; i < DIST_FLOWS; i++) {
		random_flow(&flows[i]);
		slot_fwd[i] = -1;
		slot_rev[i] = -1;
	}
	for (s = 0; s < DIST_CPUS; s++) {
		if (harness_config_live_slot(h, DIST_CPUS, s))
			return fail("cannot configure CPUs");
		for (i = 0; i < DIST_FLOWS; i++) {
			int fwd = observed_slot(h, &t, &flows[i]), r;

			flow_reverse(&rev, &flows[i]);
			r = observed_slot(h, &t, &rev);
			if (fwd < 0 || r < 0)
				return fail("flow %d: test run failed", i);
			if ((fwd && slot_fwd[i] >= 0) || (r && slot_rev[i] >= 0))
				return fail("flow %d redirected by two slots", i);
			if (fwd)
				slot_fwd[i] = s;
			if (r)
				slot_rev[i] = s;
		}
	}
	for (i = 0; i < DIST_FLOWS; i++) {
		if (slot_fwd[i] < 0 || slot_fwd[i] != slot_rev[i])
			return fail("flow %d: forward slot %d, reverse slot %d", i, slot_fwd[i],
				    slot_rev[i]);
		flow_expected_key(&key, &flows[i]);
		if ((__u32)slot_fwd[i] != vgw_flow_slot(vgw_flow_hash(&key), DIST_CPUS))
			return fail("flow %d: program chose %d, vgw_flow_hash says %u", i,
				    slot_fwd[i], vgw_flow_slot(vgw_flow_hash(&key), DIST_CPUS));
		bins[slot_fwd[i]]++;
	}
	printf("# flows per CPU:");
	for (s = 0; s < DIST_CPUS; s++)
		printf(" %d", bins[s]);
	printf(" (mean %d)\n", DIST_FLOWS / DIST_CPUS);
	for (s = 0; s < DIST_CPUS; s++)
		if (bins[s] < DIST_FLOWS / DIST_CPUS * 9 / 10 ||
		    bins[s] > DIST_FLOWS / DIST_CPUS * 11 / 10)
			return fail("CPU slot %d got %d flows", s, bins[s]);
	return 1;
}

/* ---- 5. Live redirect ---------------------------------------------------- */

#define LIVE_FLOWS	200
#define LIVE_SPORT	1000	/* forward source ports LIVE_SPORT + i */
#define LIVE_DPORT	3000	/* destination ports LIVE_DPORT + i */

/*
 * Wait until the probe has seen @n frames (they arrive asynchronously), at
 * most @tries times 10 ms.
 */
static int probe_wait(int map_fd, int n, int tries)
{
	int seen;
	__u32 key, next, *prev;

	while (tries--) {
		seen = 0;
		prev = NULL;
		while (!bpf_map_get_next_key(map_fd, prev, &next)) {
			seen++;
			key = next;
			prev = &key;
		}
		if (seen >= n)
			return seen;
		poll(NULL, 0, 10);
	}
	return seen;
}

static void live_flow(struct flow_spec *f, int i)
{
	random_flow(f);
	f->family = 4;
	f->proto = VGW_PROTO_TCP;
	f->sport = LIVE_SPORT + i;
	f->dport = LIVE_DPORT + i;
}

/* The CPU the probe saw the frame with inner source port @port on, or -1. */
static int probe_cpu(int map_fd, __u32 port)
{
	__u32 cpu;

	return bpf_map_lookup_elem(map_fd, &port, &cpu) ? -1 : (int)cpu - 1;
}

/* live_check(): the kernel refused the first live-frames test run. */
#define LIVE_REFUSED	2

static int live_check(struct harness *h, int map_fd)
{
	static struct flow_spec flows[LIVE_FLOWS];
	struct tunnel_spec t = { VXLAN4 };
	static const __u32 cpus[] = { 0, 1 };
	struct vgw_flow_key key;
	struct flow_spec rev;
	static struct pkt p;
	int i, seen, want, err;

	if (harness_config(h, 2, cpus))
		return fail("cannot configure CPUs");
	for (i = 0; i < LIVE_FLOWS; i++) {
		int attempt;

		live_flow(&flows[i], i);
		flow_reverse(&rev, &flows[i]);
		/*
		 * One flow at a time, sent again if a loaded machine's cpumap
		 * queue dropped it: what is tested is where frames land, not
		 * the queue's depth.
		 */
		for (attempt = 0; attempt < 10; attempt++) {
			err = pkt_build(&p, &t, &flows[i]) ? -EINVAL :
			      harness_run_live(h, p.data, p.len);
			if (!err)
				err = pkt_build(&p, &t, &rev) ? -EINVAL :
				      harness_run_live(h, p.data, p.len);
			/* A kernel or sandbox that refuses live frames. */
			if (err == -EPERM && i == 0 && attempt == 0)
				return LIVE_REFUSED;
			if (err)
				return fail("flow %d: live test run failed: %s", i,
					    strerror(-err));
			if (probe_wait(map_fd, 2 * (i + 1), 20) >= 2 * (i + 1))
				break;
		}
	}
	seen = probe_wait(map_fd, 2 * LIVE_FLOWS, 200);
	if (seen != 2 * LIVE_FLOWS)
		return fail("the probe saw %d distinct frames, want %d", seen, 2 * LIVE_FLOWS);
	for (i = 0; i < LIVE_FLOWS; i++) {
		flow_expected_key(&key, &flows[i]);
		want = cpus[vgw_flow_slot(vgw_flow_hash(&key), 2)];
		if (probe_cpu(map_fd, LIVE_SPORT + i) != want ||
		    probe_cpu(map_fd, LIVE_DPORT + i) != want)
			return fail("flow %d: processed on CPU %d and %d (reverse), want %d", i,
				    probe_cpu(map_fd, LIVE_SPORT + i),
				    probe_cpu(map_fd, LIVE_DPORT + i), want);
	}
	return 1;
}

/* Needs CPUs 0 and 1; restores the harness's cpumap (CPU 0, no program). */
static void test_live(struct harness *h)
{
	const char *desc = "live frames: each flow and its reverse processed on the chosen CPU";
	struct cpumap_probe *probe;
	int ok;

	if (libbpf_num_possible_cpus() < 2 || sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		printf("ok %d - %s # SKIP needs 2 CPUs\n", ++tap_count, desc);
		return;
	}
	probe = cpumap_probe__open_and_load();
	if (!probe) {
		tap(fail("cannot load the cpumap probe: %s", strerror(errno)), "%s", desc);
		return;
	}
	ok = !harness_cpumap_set(h, 0, bpf_program__fd(probe->progs.vgw_cpumap_probe)) &&
	     !harness_cpumap_set(h, 1, bpf_program__fd(probe->progs.vgw_cpumap_probe));
	ok = ok ? live_check(h, bpf_map__fd(probe->maps.probe_seen))
		: fail("cannot install the probe in the cpumap");
	if (ok == LIVE_REFUSED)
		/* Some hosts' kernels refuse BPF_F_TEST_XDP_LIVE_FRAMES to
		 * this process; steer/test_cpumap.sh steers real frames
		 * through a cpumap in the VM either way. */
		printf("ok %d - %s # SKIP live-frames test runs refused here "
		       "(EPERM)\n", ++tap_count, desc);
	else
		tap(ok, "%s", desc);
	harness_cpumap_set(h, 1, -1);
	harness_cpumap_set(h, 0, 0);
	cpumap_probe__destroy(probe);
}

/* ---- main ---------------------------------------------------------------- */

int main(void)
{
	struct harness h;
	int err;

	printf("TAP version 13\n");
	if (geteuid() != 0) {
		printf("Bail out! needs root (BPF_PROG_TEST_RUN, cpumap)\n");
		return 1;
	}
	tap(test_hash_symmetric(), "flow hash: hash(a->b) == hash(b->a) for 100k random keys");
	tap(test_canonical(), "flow key: both directions canonicalize to one fixed point");
	tap(test_no_commutative_collisions(),
	    "flow hash: endpoint pairs with equal XOR or sum do not collide");
	tap(test_structured_spread(),
	    "flow hash: sequential ports, a /16, IPv6 last word spread within 10%% over 2-8 slots");
	tap(test_wire_helpers(), "wire.h: VNI round trip, Geneve fields, port mapping");
	tap(test_counter_names(), "steer.h: every counter has a unique name and help");

	err = harness_open(&h);
	if (err) {
		printf("Bail out! cannot load the steering program: %s\n", strerror(-err));
		return 1;
	}
	test_fixtures(&h);
	test_truncations(&h);
	tap(test_distribution(&h),
	    "10k random flows over 4 CPUs through the program: both directions agree, slot = %s",
	    "vgw_flow_hash % 4, each CPU within 10% of the mean");
	test_live(&h);
	harness_close(&h);

	printf("1..%d\n", tap_count);
	printf("steer: %d passed, %d failed\n", tap_count - tap_failed, tap_failed);
	return tap_failed ? 1 : 0;
}
