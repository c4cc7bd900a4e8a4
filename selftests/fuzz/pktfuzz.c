// SPDX-License-Identifier: GPL-2.0
/*
 * pktfuzz: a structure-aware packet fuzzer for vnicgw's receive path.
 *
 *   pktfuzz CONFIG
 *
 * It builds valid VXLAN/Geneve packets from the real NVD (and gateway)
 * addresses of a selftest topology to its real VIPs, mutates most of them
 * (1 to 3 mutations each: truncations at every layer, wrong lengths, tunnel
 * flags and options, forged cluster handoff and state options, inner
 * IPv4/IPv6 with options and extension-header chains, fragments, TCP flags
 * and options, ICMP errors quoting packets, ARP and ND, random bytes) and
 * sends them from each node's underlay veth with AF_PACKET, so that every
 * outer header byte is its own. Meanwhile it captures:
 *
 * - on the vnicgw host's underlay device, every tunnel packet it sends (a
 *   forwarded frame, an ARP or ND answer, an ICMP error of its own);
 * - on every node's underlay device, every tunnel packet it receives, and
 *   checks that it is for that node: the node's VNI and MAC, from its VIP
 *   (a VNIC's), to one of its addresses (a VNIC's), and, when the frame
 *   carries a fuzzer marker (every generated frame does, in its payload or
 *   its ICMP error's quote), sent by a node of the same VCN.
 *
 * A node of kind "member" is a cluster member the fuzzer plays (the host
 * must have it in its cluster): it sends the host handoffs (a VNIC's frame
 * with the receive context it "arrived" in) and state messages, and takes
 * what the host hands it.
 *
 * At the end it reads the module's counters (tunnel packets received per
 * CPU, drops per reason, state records received) and checks that every
 * packet that reached the module's sockets is accounted for: received =
 * dropped (by named reason) + sent on the underlay (state the host sends to
 * members aside: that is no packet it received) + state messages consumed,
 * which the module counts by their records: every well-formed state message
 * the fuzzer sends has one record. This holds exactly because the fuzzer sends none of
 * the frames that the module consumes without counting (an ARP request or
 * a neighbour solicitation for the sender's own address or from ::, IPv6
 * link-local control to a multicast group): ARP and ND frames get no
 * random-byte mutation, and no source is link-local. It also needs the
 * frames small enough that no "mtu" drop (which also sends an error) occurs;
 * that count is checked as well.
 *
 * CONFIG, one item a line:
 *   host NETNS DEV                  the vnicgw host and its underlay device
 *   node NAME NETNS KIND ENCAP VNI UL VIP MAC VCN IPS PUB
 *       KIND vnic, internet or nat (a gateway), member; ENCAP vxlan or geneve;
 *       UL the node's underlay address (on its ul0); VIP the VIP it sends
 *       to (a member: the host's member address); MAC its inner MAC; VCN
 *       a name; IPS its private IPs (a VNIC) or the addresses behind it (a
 *       gateway), comma-separated; PUB its public IP; "-" for none.
 *
 * Environment: FUZZ_SEED (default: from the clock; printed), FUZZ_PACKETS
 * (default 100000), FUZZ_NO_MODULE=1 (no counters: to try the fuzzer
 * where the module is not loaded). Output: "key value" lines and "check NAME ok|FAILED"
 * lines; exit status 0 when every check passed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/vnicgw.h>
#include <vgw/cluster_wire.h>

#include <vgw/owner.h>

/* The wire header and the library's state.h both define it (the same). */
#undef VGW_VNI_MAX
#include "cluster_nl.h"
#include "vgw.h"
#include "stats.h"

#define MAX_NODES	32
#define MAX_IPS		4
#define PKT_MAX		2048
#define BATCH		32

/* --- addresses and nodes --------------------------------------------------- */

struct addr {
	int fam;		/* 4 or 6; 0: none */
	uint8_t b[16];
};

enum kind { K_VNIC, K_INTERNET, K_NAT, K_MEMBER };

struct node {
	char name[32], netns[64];
	enum kind kind;
	bool geneve;
	uint32_t vni;
	struct addr ul, vip;
	uint8_t mac[6];		/* inner MAC (VNIC's, or the gateway's device) */
	uint8_t ulmac[6];	/* ul0's own MAC */
	int vcn;
	struct addr ips[MAX_IPS];
	int nips;
	struct addr pub;
	int txfd, capfd, ifindex;
	/* Counters of the capture thread. */
	uint64_t delivered, marked, bad;
	/* Sent from this node. */
	uint64_t sent;
};

static struct node nodes[MAX_NODES];
static int n_nodes;
static char vcn_names[MAX_NODES][32];
static int n_vcns;
static char host_netns[64], host_dev[32];
static uint8_t host_mac[6];
static int host_capfd;
static struct addr vips[MAX_NODES];
static int n_vips;
static int members;	/* cluster members the fuzzer plays */

static void die(const char *what)
{
	fprintf(stderr, "pktfuzz: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void dief(const char *what)
{
	fprintf(stderr, "pktfuzz: %s\n", what);
	exit(2);
}

/* @s into @d of @n bytes, cut if it must be. */
static void copy_str(char *d, size_t n, const char *s)
{
	size_t l = strnlen(s, n - 1);

	memcpy(d, s, l);
	d[l] = 0;
}

static void parse_addr(const char *s, struct addr *a)
{
	memset(a, 0, sizeof(*a));
	if (!strcmp(s, "-"))
		return;
	if (inet_pton(AF_INET, s, a->b) == 1)
		a->fam = 4;
	else if (inet_pton(AF_INET6, s, a->b) == 1)
		a->fam = 6;
	else
		dief(s);
}

static bool addr_eq(const struct addr *a, const uint8_t *b, int fam)
{
	return a->fam == fam && !memcmp(a->b, b, fam == 4 ? 4 : 16);
}

static int vcn_index(const char *name)
{
	int i;

	for (i = 0; i < n_vcns; i++)
		if (!strcmp(vcn_names[i], name))
			return i;
	copy_str(vcn_names[n_vcns], sizeof(vcn_names[0]), name);
	return n_vcns++;
}

static void add_vip(const struct addr *a)
{
	int i;

	for (i = 0; i < n_vips; i++)
		if (addr_eq(&vips[i], a->b, a->fam))
			return;
	vips[n_vips++] = *a;
}

static void read_config(const char *path)
{
	char line[1024], f[12][256];
	FILE *fp = fopen(path, "r");

	if (!fp)
		die(path);
	while (fgets(line, sizeof(line), fp)) {
		int n = sscanf(line, "%255s %255s %255s %255s %255s %255s %255s %255s %255s %255s %255s %255s",
			       f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7],
			       f[8], f[9], f[10], f[11]);
		struct node *nd;
		char *tok, *save;

		if (n <= 0 || f[0][0] == '#')
			continue;
		if (!strcmp(f[0], "host") && n == 3) {
			copy_str(host_netns, sizeof(host_netns), f[1]);
			copy_str(host_dev, sizeof(host_dev), f[2]);
			continue;
		}
		if (strcmp(f[0], "node") || n != 12 || n_nodes == MAX_NODES)
			dief(line);
		nd = &nodes[n_nodes++];
		copy_str(nd->name, sizeof(nd->name), f[1]);
		copy_str(nd->netns, sizeof(nd->netns), f[2]);
		nd->kind = !strcmp(f[3], "vnic") ? K_VNIC :
			   !strcmp(f[3], "internet") ? K_INTERNET :
			   !strcmp(f[3], "member") ? K_MEMBER : K_NAT;
		if (nd->kind == K_MEMBER)
			members++;
		nd->geneve = !strcmp(f[4], "geneve");
		nd->vni = strtoul(f[5], NULL, 0);
		parse_addr(f[6], &nd->ul);
		parse_addr(f[7], &nd->vip);
		if (nd->kind != K_MEMBER)
			add_vip(&nd->vip);
		if (sscanf(f[8], "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &nd->mac[0],
			   &nd->mac[1], &nd->mac[2], &nd->mac[3], &nd->mac[4],
			   &nd->mac[5]) != 6)
			dief(f[8]);
		nd->vcn = vcn_index(f[9]);
		for (tok = strtok_r(f[10], ",", &save); tok && nd->nips < MAX_IPS;
		     tok = strtok_r(NULL, ",", &save))
			parse_addr(tok, &nd->ips[nd->nips++]);
		parse_addr(f[11], &nd->pub);
	}
	fclose(fp);
	if (!host_netns[0] || !n_nodes)
		dief("the configuration needs a host and nodes");
}

/* --- namespaces and sockets -------------------------------------------------- */

static int self_ns = -1;

static void enter_ns(const char *name)
{
	char path[128];
	int fd;

	if (self_ns < 0) {
		self_ns = open("/proc/self/ns/net", O_RDONLY);
		if (self_ns < 0)
			die("/proc/self/ns/net");
	}
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY);
	if (fd < 0 || setns(fd, CLONE_NEWNET))
		die(path);
	close(fd);
}

static void leave_ns(void)
{
	if (setns(self_ns, CLONE_NEWNET))
		die("setns back");
}

/* An AF_PACKET socket on @dev of the current namespace; its MAC to @mac. */
static int packet_socket(const char *dev, bool capture, bool outgoing,
			 uint8_t *mac, int *ifindex)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	struct ifreq ifr = { 0 };
	int fd, one = 1, big = 64 << 20;

	fd = socket(AF_PACKET, SOCK_RAW, capture ? htons(ETH_P_ALL) : 0);
	if (fd < 0)
		die("AF_PACKET socket");
	copy_str(ifr.ifr_name, sizeof(ifr.ifr_name), dev);
	if (ioctl(fd, SIOCGIFINDEX, &ifr))
		die(dev);
	sll.sll_ifindex = ifr.ifr_ifindex;
	if (ifindex)
		*ifindex = ifr.ifr_ifindex;
	if (ioctl(fd, SIOCGIFHWADDR, &ifr))
		die(dev);
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	sll.sll_protocol = capture ? htons(ETH_P_ALL) : 0;
	if (bind(fd, (void *)&sll, sizeof(sll)))
		die("bind AF_PACKET");
	if (capture) {
		/*
		 * Only what the device sends (the host) or receives (a node):
		 * the fuzzer's own million packets are not copied here.
		 */
		struct sock_filter code[] = {
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_PKTTYPE),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PACKET_OUTGOING, 0, 1),
			BPF_STMT(BPF_RET | BPF_K, outgoing ? 0xffff : 0),
			BPF_STMT(BPF_RET | BPF_K, outgoing ? 0 : 0xffff),
		};
		struct sock_fprog prog = { .len = 4, .filter = code };

		if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)))
			die("SO_ATTACH_FILTER");
		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)))
			die("SO_RCVBUFFORCE");
		fcntl(fd, F_SETFL, O_NONBLOCK);
	} else {
		/* Straight to the veth: no qdisc between the fuzzer and the host. */
		setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	}
	return fd;
}

/* --- the PRNG: splitmix64, deterministic from the seed ---------------------- */

static uint64_t rng_state;

static uint64_t rnd64(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t rnd(uint32_t n)	/* 0 .. n-1 */
{
	return n ? (uint32_t)(rnd64() % n) : 0;
}

static bool chance(unsigned int percent)
{
	return rnd(100) < percent;
}

/* --- checksums ------------------------------------------------------------------ */

static uint32_t csum_add(uint32_t sum, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len > 1) {
		sum += (p[0] << 8) | p[1];
		p += 2;
		len -= 2;
	}
	if (len)
		sum += p[0] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

static uint16_t get16(const uint8_t *p)
{
	return (p[0] << 8) | p[1];
}

/* The pseudo-header sum of an L4 header of @len bytes, protocol @proto. */
static uint32_t pseudo(const struct addr *s, const struct addr *d, int proto,
		       size_t len)
{
	size_t alen = s->fam == 4 ? 4 : 16;

	return csum_add(csum_add(0, s->b, alen), d->b, alen) + proto + len;
}

/* --- the marker ------------------------------------------------------------------ */

/*
 * 12 bytes in every generated frame's payload: "VGFZ", the sending node, its
 * VCN, a check over them and the sequence number, the sequence number. A
 * receiver that finds one with a valid check knows who sent the frame,
 * whatever else a mutation changed.
 */
#define MARK_LEN	12

static uint16_t mark_check(uint8_t node, uint8_t vcn, uint32_t seq)
{
	uint32_t h = node * 0x9e37u ^ vcn * 0x85ebu ^ seq * 0x27d4eb2fu;

	return (h ^ (h >> 16)) & 0xffff;
}

static void put_mark(uint8_t *p, int node, uint32_t seq)
{
	memcpy(p, "VGFZ", 4);
	p[4] = node;
	p[5] = nodes[node].vcn;
	put16(p + 6, mark_check(node, nodes[node].vcn, seq));
	put32(p + 8, seq);
}

/* The sender of a valid marker in @p (@len bytes), or -1. */
static int find_mark(const uint8_t *p, size_t len)
{
	const uint8_t *m = p, *end = p + len;

	while ((m = memmem(m, end - m, "VGFZ", 4)) != NULL) {
		if (end - m >= MARK_LEN) {
			uint32_t seq = ((uint32_t)get16(m + 8) << 16) | get16(m + 10);

			if (m[4] < n_nodes && m[5] == nodes[m[4]].vcn &&
			    get16(m + 6) == mark_check(m[4], m[5], seq))
				return m[4];
		}
		m++;
	}
	return -1;
}

/* --- building a frame ----------------------------------------------------------- */

/* What was built, for the mutations: where each layer starts. */
struct frame {
	uint8_t b[PKT_MAX];
	size_t len;		/* of the inner frame */
	int l3, l4, pay;	/* offsets; -1: none */
	int fam;		/* inner IP family, 0: ARP/other */
	bool no_flip;		/* ARP/ND: no random bytes (see the top) */
	int ext_lens[12];	/* IPv6 extension headers: offsets */
	int n_ext;
};

struct gen {
	int node;		/* sender */
	uint32_t seq;
	struct addr src, dst;
	int proto;
};

static const uint8_t router_mac[6] = { 2, 0, 0, 0, 0, 1 };

static const struct addr *pick_ip(const struct node *n, int fam)
{
	int i, start = rnd(n->nips);

	for (i = 0; i < n->nips; i++)
		if (n->ips[(start + i) % n->nips].fam == fam)
			return &n->ips[(start + i) % n->nips];
	return NULL;
}

static void random_addr(struct addr *a, int fam)
{
	int i;

	a->fam = fam;
	for (i = 0; i < 16; i++)
		a->b[i] = rnd(256);
	if (fam == 4)
		memset(a->b + 4, 0, 12);
}

/* A destination for a frame from VNIC @s, of family @fam. */
static void pick_dst(const struct node *s, int fam, struct addr *d)
{
	const struct addr *a;
	int r = rnd(100), i;

	if (r < 55) {		/* a VNIC of its VCN */
		for (i = 0; i < 8; i++) {
			const struct node *t = &nodes[rnd(n_nodes)];

			if (t->kind == K_VNIC && t->vcn == s->vcn && t != s &&
			    (a = pick_ip(t, fam))) {
				*d = *a;
				return;
			}
		}
	}
	if (r < 65) {		/* any VNIC's address (another VCN's too) */
		const struct node *t = &nodes[rnd(n_nodes)];

		if (t->kind == K_VNIC && (a = pick_ip(t, fam))) {
			*d = *a;
			return;
		}
	}
	if (r < 85) {		/* behind a gateway */
		for (i = 0; i < 8; i++) {
			const struct node *t = &nodes[rnd(n_nodes)];

			if (t->kind != K_VNIC && (a = pick_ip(t, fam))) {
				*d = *a;
				return;
			}
		}
	}
	if (r < 92 && (a = pick_ip(s, fam))) {	/* its subnet's neighbours */
		*d = *a;
		d->b[fam == 4 ? 3 : 15] = rnd(8);
		return;
	}
	random_addr(d, fam);
}

/* IPv4 options: NOPs, a record route, a timestamp, random ones. */
static size_t ipv4_options(uint8_t *p)
{
	size_t n = 4 * (1 + rnd(10)), i = 0;

	while (i < n) {
		switch (rnd(5)) {
		case 0:
			p[i++] = 1;	/* NOP */
			break;
		case 1:
			if (n - i >= 7) {	/* record route */
				p[i] = 7;
				p[i + 1] = 3 + 4 * ((n - i - 3) / 4 > 0 ? 1 : 0);
				p[i + 2] = 4;
				i += p[i + 1];
				break;
			}
			p[i++] = 1;
			break;
		case 2:
			if (n - i >= 4) {	/* a random option, random length */
				p[i] = rnd(256);
				p[i + 1] = rnd(n - i + 2);
				p[i + 2] = rnd(256);
				p[i + 3] = rnd(256);
				i += 4;
				break;
			}
			p[i++] = 0;
			break;
		default:
			p[i++] = rnd(2) ? 1 : 0;
		}
	}
	return n;
}

/* TCP options: MSS, window scale, SACK permitted and blocks, timestamps, TFO. */
static size_t tcp_options(uint8_t *p, size_t room)
{
	size_t i = 0;
	int k, n = rnd(6);

	while (n-- > 0 && i + 12 <= room) {
		switch (rnd(8)) {
		case 0:
			p[i] = 2; p[i + 1] = 4; put16(p + i + 2, rnd(65536));
			i += 4;
			break;
		case 1:
			p[i] = 3; p[i + 1] = 3; p[i + 2] = rnd(20);
			i += 3;
			break;
		case 2:
			p[i] = 4; p[i + 1] = 2;
			i += 2;
			break;
		case 3:
			p[i] = 8; p[i + 1] = 10;
			put32(p + i + 2, rnd64()); put32(p + i + 6, rnd64());
			i += 10;
			break;
		case 4:	/* SACK: one block */
			p[i] = 5; p[i + 1] = 10;
			put32(p + i + 2, rnd64()); put32(p + i + 6, rnd64());
			i += 10;
			break;
		case 5:	/* TFO cookie */
			p[i] = 34; p[i + 1] = 2 + 2 * rnd(5);
			for (k = 2; k < p[i + 1]; k++)
				p[i + k] = rnd(256);
			i += p[i + 1];
			break;
		case 6:	/* a bad length */
			p[i] = 2 + rnd(40); p[i + 1] = rnd(3) == 0 ? 0 : rnd(60);
			i += 2;
			break;
		default:
			p[i++] = 1;
		}
	}
	while (i % 4)
		p[i++] = rnd(4) ? 1 : 0;
	return i;
}

static const uint8_t tcp_flag_sets[] = {
	0x02, 0x12, 0x10, 0x18, 0x11, 0x04, 0x14, 0x01, 0x03, 0x06, 0x07,
	0x3f, 0x00, 0x29, 0xc2, 0xff, 0x20, 0x08,
};

/*
 * The L4 header and payload at @p for @g, checksummed; returns the length.
 * @quote: an ICMP error's quoted packet to put after its header.
 */
static size_t build_l4(struct gen *g, uint8_t *p, size_t room,
		       const uint8_t *quote, size_t qlen)
{
	size_t hl, pl = MARK_LEN + rnd(64), i;
	uint8_t *pay;
	uint16_t ck;

	if (pl + 60 > room)
		pl = MARK_LEN;
	switch (g->proto) {
	case 17:
		hl = 8;
		pay = p + hl;
		put16(p, chance(70) ? 40000 + rnd(16) : rnd(65536));
		put16(p + 2, chance(70) ? 7000 + rnd(3) : rnd(65536));
		put16(p + 4, hl + pl);
		put16(p + 6, 0);
		break;
	case 6:
		memset(p, 0, 20);
		hl = 20 + (chance(40) ? tcp_options(p + 20, 40) : 0);
		pay = p + hl;
		if (chance(50))
			pl = chance(50) ? 0 : MARK_LEN;
		put16(p, chance(70) ? 40000 + rnd(16) : rnd(65536));
		put16(p + 2, chance(70) ? 7000 + rnd(3) : rnd(65536));
		put32(p + 4, rnd64());
		put32(p + 8, chance(50) ? 0 : rnd64());
		p[12] = (hl / 4) << 4;
		p[13] = tcp_flag_sets[rnd(sizeof(tcp_flag_sets))];
		put16(p + 14, rnd(65536));
		if (chance(10))
			put16(p + 18, rnd(65536));	/* urgent pointer */
		break;
	default:		/* ICMP / ICMPv6 */
		hl = 8;
		pay = p + hl;
		memset(p, 0, 8);
		if (quote) {
			static const uint8_t e4[][2] = { { 3, 0 }, { 3, 1 }, { 3, 3 },
				{ 3, 4 }, { 11, 0 }, { 12, 0 }, { 4, 0 }, { 5, 1 } };
			static const uint8_t e6[][2] = { { 1, 0 }, { 1, 4 }, { 2, 0 },
				{ 3, 0 }, { 4, 0 }, { 4, 1 } };
			const uint8_t *e = g->dst.fam == 4 ? e4[rnd(8)] : e6[rnd(6)];

			p[0] = e[0];
			p[1] = e[1];
			if (chance(10))
				p[1] = rnd(256);
			if ((g->dst.fam == 4 && p[0] == 3 && p[1] == 4) ||
			    (g->dst.fam == 6 && p[0] == 2))
				put32(p + 4, 500 + rnd(1500));	/* MTU */
			if (qlen + hl > room)
				qlen = room - hl;
			memcpy(pay, quote, qlen);
			pl = qlen;
		} else {
			static const uint8_t t4[] = { 8, 0, 13, 17, 9, 10 };
			static const uint8_t t6[] = { 128, 129, 128, 128, 137, 134 };

			p[0] = g->dst.fam == 4 ? t4[rnd(6)] : t6[rnd(6)];
			if (chance(80))
				p[0] = g->dst.fam == 4 ? 8 : 128;
			put16(p + 4, chance(80) ? 0x4242 + rnd(4) : rnd(65536));
			put16(p + 6, rnd(65536));
		}
		break;
	}
	if (!quote) {
		put_mark(pay, g->node, g->seq);
		for (i = MARK_LEN; i < pl; i++)
			pay[i] = rnd(256);
	}
	if (g->proto == 17 || g->proto == 6 || g->proto == 58) {
		ck = csum_fold(csum_add(pseudo(&g->src, &g->dst, g->proto, hl + pl),
					p, hl + pl));
		if (g->proto == 17 && !ck)
			ck = 0xffff;
		if (g->proto == 17 && chance(5))
			ck = 0;		/* no checksum (IPv4 only, else malformed) */
		put16(p + (g->proto == 6 ? 16 : g->proto == 17 ? 6 : 2), ck);
	} else if (g->proto == 1) {
		put16(p + 2, csum_fold(csum_add(0, p, hl + pl)));
	}
	return hl + pl;
}

/* An IPv4 header for @g at @p with @plen bytes after it; returns its length. */
static size_t ipv4_header(const struct gen *g, uint8_t *p, size_t plen,
			  size_t optlen, uint16_t frag, uint16_t id)
{
	size_t hl = 20 + optlen;

	p[0] = 0x40 | hl / 4;
	p[1] = chance(90) ? 0 : rnd(256);
	put16(p + 2, hl + plen);
	put16(p + 4, id);
	put16(p + 6, frag);
	p[8] = chance(90) ? 64 : rnd(3);
	p[9] = g->proto;
	put16(p + 10, 0);
	memcpy(p + 12, g->src.b, 4);
	memcpy(p + 16, g->dst.b, 4);
	put16(p + 10, csum_fold(csum_add(0, p, hl)));
	return hl;
}

/* A quoted packet for an ICMP error from @g: the packet it is "about". */
static size_t build_quote(struct gen *g, uint8_t *q)
{
	struct gen qg = *g;
	size_t len, l4;

	/* The packet the error is about: from the sender, or to it. */
	if (chance(50)) {
		qg.src = g->dst;
		qg.dst = g->src;
	}
	qg.proto = g->src.fam == 4 ? (int[]){ 17, 6, 1 }[rnd(3)] :
				     (int[]){ 17, 6, 58 }[rnd(3)];
	if (g->src.fam == 4) {
		l4 = build_l4(&qg, q + 20, 200, NULL, 0);
		len = ipv4_header(&qg, q, l4, 0, 0, rnd(65536)) + l4;
	} else {
		l4 = build_l4(&qg, q + 40, 200, NULL, 0);
		memset(q, 0, 40);
		q[0] = 0x60;
		put16(q + 4, l4);
		q[6] = qg.proto;
		q[7] = 64;
		memcpy(q + 8, qg.src.b, 16);
		memcpy(q + 24, qg.dst.b, 16);
		len = 40 + l4;
	}
	/* Quotes are often cut: after the L4 header's first 8 bytes, or anywhere. */
	if (chance(40))
		len = (g->src.fam == 4 ? 28 : 48);
	else if (chance(30))
		len = rnd(len + 1);
	return len;
}

/* IPv6 extension headers: a chain of 0..10 of hop, routing, dest, frag, AH. */
static size_t ipv6_ext(struct frame *f, uint8_t *p, uint8_t *first_nh,
		       int l4proto, bool *fragmented, uint16_t *fo)
{
	static const uint8_t types[] = { 0, 43, 60, 44, 51 };
	int n = chance(60) ? rnd(4) : rnd(11), i;
	uint8_t chain[12];
	size_t off = 0, hl;

	for (i = 0; i < n; i++)
		chain[i] = types[rnd(5)];
	/* Usually a valid order: hop-by-hop first, at most one fragment header. */
	if (chance(70)) {
		bool seen_frag = false;

		for (i = 0; i < n; i++) {
			if (chain[i] == 0 && i)
				chain[i] = 60;
			if (chain[i] == 44) {
				if (seen_frag)
					chain[i] = 60;
				seen_frag = true;
			}
		}
	}
	*first_nh = n ? chain[0] : l4proto;
	for (i = 0; i < n; i++) {
		uint8_t *h = p + off;
		uint8_t nh = i + 1 < n ? chain[i + 1] : l4proto;

		f->ext_lens[f->n_ext++] = off;
		switch (chain[i]) {
		case 44:
			h[0] = nh;
			h[1] = 0;
			*fo = chance(60) ? 1 : (rnd(200) << 3) | rnd(2);
			put16(h + 2, *fo);
			put32(h + 4, 0x1000 + rnd(8));
			*fragmented = *fo & 0xfff9;
			hl = 8;
			break;
		case 51:	/* AH: length in 4-byte words minus 2 */
			h[0] = nh;
			h[1] = 1 + rnd(3);
			hl = (h[1] + 2) * 4;
			memset(h + 2, 0, hl - 2);
			break;
		default:	/* options or routing: length in 8-byte units minus 1 */
			h[0] = nh;
			h[1] = chance(80) ? 0 : rnd(3);
			hl = (h[1] + 1) * 8;
			memset(h + 2, 0, hl - 2);
			if (chain[i] == 43) {
				h[2] = chance(70) ? 253 : rnd(5);	/* routing type */
				h[3] = chance(80) ? 0 : rnd(4);		/* segments left */
			} else {
				h[2] = 1;	/* PadN */
				h[3] = hl - 4;
				if (chance(10))
					h[2] = rnd(256);
			}
		}
		off += hl;
	}
	return off;
}

/* A valid (or nearly) inner frame from node @g->node. */
static void build_frame(struct gen *g, struct frame *f)
{
	const struct node *s = &nodes[g->node];
	uint8_t *p = f->b, quote[300];
	size_t qlen = 0, l4 = 0, xl = 0, optlen = 0;
	int fam, kind = rnd(100);
	const struct addr *a;

	memset(f, 0, sizeof(*f));
	f->l3 = f->l4 = f->pay = -1;
	/* Family: the sender's addresses' mostly. */
	fam = s->ips[rnd(s->nips)].fam;
	if (chance(5))
		fam = fam == 4 ? 6 : 4;
	memcpy(p, router_mac, 6);
	memcpy(p + 6, s->mac, 6);
	if (chance(2))
		p[rnd(12)] ^= 1 << rnd(8);
	f->l3 = 14;
	if (s->kind == K_VNIC) {
		a = pick_ip(s, fam);
		if (a && chance(95))
			g->src = *a;
		else
			random_addr(&g->src, fam);
		pick_dst(s, fam, &g->dst);
	} else {
		/* A gateway: from behind it, to a public IP or a VNIC. */
		a = pick_ip(s, fam);
		if (a && chance(80))
			g->src = *a;
		else
			random_addr(&g->src, fam);
		if (s->pub.fam == fam && chance(60)) {
			g->dst = s->pub;
		} else {
			const struct node *t = &nodes[rnd(n_nodes)];

			if (t->pub.fam == fam && chance(50))
				g->dst = t->pub;
			else if ((a = pick_ip(t, fam)))
				g->dst = *a;
			else
				random_addr(&g->dst, fam);
		}
	}
	/* ARP (IPv4) or a neighbour solicitation (IPv6): 6%. */
	if (kind < 6 && fam == 4) {
		put16(p + 12, 0x0806);
		put16(p + 14, 1);
		put16(p + 16, 0x0800);
		p[18] = 6;
		p[19] = 4;
		put16(p + 20, chance(90) ? 1 : rnd(4));
		memcpy(p + 22, s->mac, 6);
		memcpy(p + 28, g->src.b, 4);
		memset(p + 32, 0, 6);
		/*
		 * Never the sender's own address, nor 0: those are consumed
		 * without a count (see the top). Any other: the router's or a
		 * neighbour's (answered), another VCN's, anything.
		 */
		memcpy(p + 38, g->dst.b, 4);
		for (int i = 0; i < s->nips; i++)
			if (addr_eq(&s->ips[i], p + 38, 4))
				p[41] ^= 0x80;
		if (!memcmp(p + 38, "\0\0\0\0", 4))
			p[41] = 1;
		f->len = 42;
		f->fam = 0;
		f->no_flip = true;
		if (chance(30)) {	/* Ethernet padding */
			memset(p + 42, 0, 18);
			f->len = 60;
		}
		return;
	}
	if (kind < 6) {		/* IPv6 NS for the router or a neighbour */
		uint8_t *ip = p + 14, *ic = ip + 40;

		put16(p + 12, 0x86dd);
		memset(ip, 0, 40 + 32);
		ip[0] = 0x60;
		put16(ip + 4, 32);
		ip[6] = 58;
		ip[7] = 255;
		memcpy(ip + 8, g->src.b, 16);
		memcpy(ip + 24, g->dst.b, 16);
		if (chance(50)) {	/* to the solicited-node group */
			static const uint8_t sn[13] = { 0xff, 2, 0, 0, 0, 0, 0, 0,
							0, 0, 0, 1, 0xff };
			memcpy(ip + 24, sn, 13);
			memcpy(ip + 37, g->dst.b + 13, 3);
		}
		ic[0] = 135;
		memcpy(ic + 8, g->dst.b, 16);
		for (int i = 0; i < s->nips; i++)
			if (addr_eq(&s->ips[i], ic + 8, 6))
				ic[23] ^= 0x80;
		if (ic[8] == 0xff)
			ic[8] = 0xfe;
		ic[24] = 1;	/* source link-layer address option */
		ic[25] = 1;
		memcpy(ic + 26, s->mac, 6);
		{
			struct addr d = { .fam = 6 };

			memcpy(d.b, ip + 24, 16);
			put16(ic + 2, csum_fold(csum_add(pseudo(&g->src, &d, 58, 32),
							 ic, 32)));
		}
		f->len = 14 + 72;
		f->fam = 6;
		f->l4 = 54;
		f->no_flip = true;
		return;
	}
	/* The L4 protocol. */
	if (kind < 35)
		g->proto = 17;
	else if (kind < 65)
		g->proto = 6;
	else if (kind < 92)
		g->proto = fam == 4 ? 1 : 58;
	else
		g->proto = (int[]){ 47, 50, 51, 132, 59, 0, 2, 255, 41, 4 }[rnd(10)];
	/* An ICMP error quoting a packet: a fifth of the ICMP ones. */
	if ((g->proto == 1 || g->proto == 58) && chance(25))
		qlen = build_quote(g, quote);
	f->fam = fam;
	if (fam == 4) {
		uint8_t *ip = p + 14;
		uint16_t frag = chance(90) ? 0x4000 * rnd(2) : 0;
		static uint16_t ids[4] = { 0x5151, 0x5152, 0x5153, 0x5154 };

		put16(p + 12, 0x0800);
		if (chance(8))
			optlen = ipv4_options(ip + 20);
		if (chance(8)) {	/* a fragment: first, middle, last, overlapping */
			switch (rnd(4)) {
			case 0: frag = 0x2000; break;
			case 1: frag = 0x2000 | (1 + rnd(16)); break;
			case 2: frag = 1 + rnd(16); break;
			default: frag = (rnd(2) << 13) | rnd(0x2000); break;
			}
		}
		f->l4 = 14 + 20 + optlen;
		if ((frag & 0x1fff) && chance(70)) {
			/* A later fragment: payload only, with a marker. */
			l4 = MARK_LEN + 8 * rnd(8);
			put_mark(p + f->l4, g->node, g->seq);
			memset(p + f->l4 + MARK_LEN, 0xab, l4 - MARK_LEN);
		} else if (g->proto == 17 || g->proto == 6 || g->proto == 1) {
			l4 = build_l4(g, p + f->l4, 1200, qlen ? quote : NULL, qlen);
			f->pay = f->l4 + (g->proto == 6 ? ((p[f->l4 + 12] >> 4) * 4) : 8);
		} else {
			l4 = MARK_LEN + rnd(40);
			put_mark(p + f->l4, g->node, g->seq);
		}
		ipv4_header(g, ip, l4, optlen, frag, ids[rnd(4)]);
		f->len = 14 + 20 + optlen + l4;
	} else {
		uint8_t *ip = p + 14, first_nh = 0;
		bool fragmented = false;
		uint16_t fo = 0;

		put16(p + 12, 0x86dd);
		memset(ip, 0, 40);
		if (chance(20))
			xl = ipv6_ext(f, ip + 40, &first_nh, g->proto, &fragmented, &fo);
		else
			first_nh = g->proto;
		f->l4 = 14 + 40 + xl;
		if (fragmented && (fo & 0xfff8) && chance(70)) {
			l4 = MARK_LEN + 8 * rnd(8);
			put_mark(p + f->l4, g->node, g->seq);
			memset(p + f->l4 + MARK_LEN, 0xab, l4 - MARK_LEN);
		} else if (g->proto == 17 || g->proto == 6 || g->proto == 58) {
			l4 = build_l4(g, p + f->l4, 1100, qlen ? quote : NULL, qlen);
			f->pay = f->l4 + (g->proto == 6 ? ((p[f->l4 + 12] >> 4) * 4) : 8);
		} else {
			l4 = MARK_LEN + rnd(40);
			put_mark(p + f->l4, g->node, g->seq);
		}
		ip[0] = 0x60;
		if (chance(10))
			ip[1] = rnd(256);
		put16(ip + 4, xl + l4);
		ip[6] = first_nh;
		ip[7] = chance(90) ? 64 : rnd(3);
		memcpy(ip + 8, g->src.b, 16);
		memcpy(ip + 24, g->dst.b, 16);
		f->len = 14 + 40 + xl + l4;
	}
	if (chance(5)) {	/* Ethernet padding after the datagram */
		size_t pad = 1 + rnd(30);

		memset(p + f->len, 0, pad);
		f->len += pad;
	}
}

/* --- the tunnel and outer headers, and the mutations -------------------------- */

struct outer {
	bool geneve;
	uint8_t tun[8 + 252];
	size_t tlen;
	uint16_t dport;
	const struct addr *src, *dst;
	struct addr src_spoof, dst_other;
	bool udp_csum_zero, udp_csum_bad, udp_len_short, ip_len_bad;
};

/* A Geneve option at @p; returns its length. */
static size_t geneve_option(uint8_t *p, size_t room, const struct node *s)
{
	size_t dl = 4 * rnd(5), i;
	int r = rnd(10);

	if (room < 4 + 36)
		return 0;
	if (r < 3) {		/* a forged handoff option */
		struct vgw_handoff_opt h = { 0 };
		const struct node *o = &nodes[rnd(n_nodes)];

		put16(p, VGW_OPT_CLASS);
		p[2] = VGW_OPT_HANDOFF;
		p[3] = sizeof(h) / 4;
		h.encap = chance(80) ? o->geneve : rnd(4);
		h.family = chance(80) ? o->ul.fam : rnd(8);
		memcpy(h.src, o->ul.b, 16);
		memcpy(h.dst, o->vip.b, 16);
		if (chance(20))
			h.src[rnd(16)] = rnd(256);
		memcpy(p + 4, &h, sizeof(h));
		return 4 + sizeof(h);
	}
	if (r < 4) {		/* a state option */
		put16(p, VGW_OPT_CLASS);
		p[2] = VGW_OPT_STATE;
		p[3] = 1;
		p[4] = chance(70) ? VGW_STATE_VERSION : rnd(256);
		p[5] = rnd(20);
		p[6] = p[7] = 0;
		return 8;
	}
	if (dl + 4 > room)
		dl = 0;
	put16(p, chance(50) ? VGW_OPT_CLASS : rnd(65536));
	p[2] = rnd(256) & (chance(80) ? 0x7f : 0xff);	/* critical sometimes */
	p[3] = dl / 4;
	if (chance(5))
		p[3] = rnd(32);		/* a length past the options */
	for (i = 0; i < dl; i++)
		p[4 + i] = rnd(256);
	(void)s;
	return 4 + dl;
}

static void tunnel_header(struct outer *o, const struct node *s, bool mutate)
{
	uint32_t vni = s->vni;
	uint8_t *t = o->tun;
	size_t optlen = 0;

	memset(t, 0, sizeof(o->tun));
	if (mutate && chance(30)) {
		const struct node *x = &nodes[rnd(n_nodes)];

		vni = chance(50) ? x->vni : rnd(1 << 24);
	}
	if (!o->geneve) {
		t[0] = 0x08;
		if (mutate && chance(30))
			t[rnd(8) == 0 ? 0 : rnd(8)] ^= 1 << rnd(8);
		t[4] = vni >> 16;
		t[5] = vni >> 8;
		t[6] = vni;
		if (mutate && chance(10))
			t[7] = rnd(256);
		o->tlen = 8;
		return;
	}
	if (mutate && chance(60)) {
		int n = 1 + rnd(3);

		while (n-- && optlen < 200)
			optlen += geneve_option(t + 8 + optlen, 200 - optlen, s);
	}
	t[0] = (optlen / 4) & 0x3f;
	put16(t + 2, 0x6558);
	t[4] = vni >> 16;
	t[5] = vni >> 8;
	t[6] = vni;
	if (mutate && chance(25)) {
		switch (rnd(6)) {
		case 0: t[0] |= rnd(4) << 6; break;		/* version */
		case 1: t[0] = (t[0] & 0xc0) | rnd(64); break;	/* opt_len */
		case 2: t[1] |= 0x40; break;			/* C */
		case 3: t[1] |= 0x80; break;			/* O */
		case 4: put16(t + 2, chance(50) ? VGW_ETH_P_STATE : rnd(65536)); break;
		default: t[1] |= rnd(64); t[7] = rnd(256); break; /* reserved */
		}
	}
	o->tlen = 8 + optlen;
}

/* Mutate the inner frame: truncations, lengths, bytes. */
static void mutate_frame(struct frame *f)
{
	uint8_t *p = f->b;
	int m = rnd(10);
	size_t cuts[8], n = 0, i;

	switch (m) {
	case 0:	/* truncate at a layer boundary (+/- a little) */
		cuts[n++] = 0;
		cuts[n++] = 6;
		cuts[n++] = 14;
		if (f->l3 >= 0) cuts[n++] = f->l3 + 1 + rnd(19);
		if (f->l4 >= 0) cuts[n++] = f->l4;
		if (f->l4 >= 0) cuts[n++] = f->l4 + 1 + rnd(19);
		if (f->pay >= 0) cuts[n++] = f->pay;
		i = cuts[rnd(n)];
		if (i < f->len)
			f->len = i;
		break;
	case 1:	/* truncate anywhere */
		f->len = rnd(f->len + 1);
		break;
	case 2:	/* the inner IP length */
		if (f->fam == 4)
			put16(p + 16, chance(50) ? rnd(65536) : get16(p + 16) + rnd(41) - 20);
		else if (f->fam == 6)
			put16(p + 18, chance(50) ? rnd(65536) : get16(p + 18) + rnd(41) - 20);
		break;
	case 3:	/* IHL, or an extension header's length */
		if (f->fam == 4)
			p[14] = (p[14] & 0xf0) | rnd(16);
		else if (f->fam == 6 && f->n_ext)
			p[14 + 40 + f->ext_lens[rnd(f->n_ext)] + 1] = rnd(256);
		else if (f->fam == 6)
			p[20] = rnd(256);	/* next header */
		break;
	case 4:	/* the L4 length: UDP length, TCP data offset */
		if (f->l4 >= 0 && (size_t)f->l4 + 14 <= f->len) {
			if (chance(50))
				put16(p + f->l4 + 4, rnd(65536));
			else
				p[f->l4 + 12] = rnd(256);
		}
		break;
	case 5:	/* the EtherType */
		put16(p + 12, chance(50) ? rnd(65536) :
			      (uint16_t[]){ 0x0800, 0x86dd, 0x0806, 0x8100, 0x88cc }[rnd(5)]);
		break;
	case 6:	/* the source MAC */
		p[6 + rnd(6)] = rnd(256);
		break;
	case 7:	/* trailing bytes */
		if (f->len + 64 < PKT_MAX) {
			size_t k = 1 + rnd(64);

			for (i = 0; i < k; i++)
				p[f->len + i] = rnd(256);
			f->len += k;
		}
		break;
	default:	/* random bytes */
		if (f->no_flip || !f->len)
			break;
		for (i = 1 + rnd(4); i > 0; i--)
			p[rnd(f->len)] = rnd(256);
	}
}

/* --- a cluster member's packets ------------------------------------------------ */

/* The kernel's hash of a VNIC id, as state records name it (craft.c). */
static uint64_t vnic_hash(const char *id)
{
	return vgw_owner_hash(id, strlen(id),
			       0x766e6963ULL * (VNICGW_OBJ_VNIC + 1));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, v >> 32);
	put32(p + 4, v);
}

/* A node that is not a member: a VNIC or a gateway. */
static int random_peer(void)
{
	int v;

	do
		v = rnd(n_nodes);
	while (nodes[v].kind == K_MEMBER);
	return v;
}

/* A connection or NAT record, plausible or not, of a VNIC of the topology. */
static void state_record(uint8_t *r)
{
	const struct node *v = &nodes[random_peer()];
	struct addr a;
	size_t i;

	for (i = 0; i < 72; i++)
		r[i] = rnd(256);
	r[0] = chance(90) ? 1 + rnd(2) : rnd(256);	/* kind: CT, NAT */
	r[1] = (uint8_t[]){ 6, 17, 1, 58, 6, 17 }[rnd(6)];
	if (chance(10))
		r[1] = rnd(256);
	r[2] = rnd(8);
	r[3] = rnd(4);
	put32(r + 4, chance(80) ? 1 + rnd(600) : rnd64());
	put64(r + 8, chance(90) ? vnic_hash(v->name) : rnd64());
	if (r[0] == 1) {		/* flow key: addresses, ports, proto, family */
		int fam = v->ips[0].fam == 6 ? 6 : 4;

		memset(r + 16, 0, 32);
		a = v->ips[0];
		if (chance(20))
			random_addr(&a, fam);
		memcpy(r + 16, a.b, fam == 4 ? 4 : 16);
		random_addr(&a, fam);
		memcpy(r + 32, a.b, fam == 4 ? 4 : 16);
		r[52] = r[1];
		r[53] = chance(90) ? fam : rnd(256);
		r[54] = r[55] = 0;
	} else if (r[0] == 2) {		/* NAT: priv, remote, pub, ports, family */
		memset(r + 16, 0, 48);
		memcpy(r + 16, v->ips[0].b, 16);
		random_addr(&a, 4);
		memcpy(r + 32, a.b, 4);
		if (chance(80))
			put32(r + 48, 0xcb007164);	/* 203.0.113.100 */
		r[70] = chance(90) ? 4 : rnd(256);
		r[71] = 0;
	}
}

/*
 * What a member (the fuzzer plays one; the host believes it) sends: a
 * handoff (a VNIC's frame with the receive context it "arrived" in, often
 * mutated, its context sometimes impossible), or a state message. A state
 * message with one record is consumed and its record counted (applied or
 * refused); the fuzzer counts those in @consumed. The others say they have
 * no record, more than 16, or more than they carry: malformed.
 */
static void member_packet(struct outer *o, struct frame *f,
			  const struct node *s, uint32_t seq, uint64_t *consumed)
{
	uint8_t *t = o->tun;
	int j;

	memset(o, 0, sizeof(*o));
	o->geneve = true;
	o->src = &s->ul;
	o->dst = &s->vip;	/* the host's member address */
	o->dport = 6081;
	if (chance(60)) {
		struct vgw_handoff_opt h = { 0 };
		struct gen g = { .seq = seq, .node = random_peer() };
		const struct node *v = &nodes[g.node];
		uint32_t vni = v->vni;

		build_frame(&g, f);
		for (j = chance(60) ? 1 + rnd(2) : 0; j > 0; j--)
			mutate_frame(f);
		h.encap = v->geneve;
		h.family = v->ul.fam;
		memcpy(h.src, v->ul.b, 16);
		memcpy(h.dst, v->vip.b, 16);
		if (chance(15)) {
			switch (rnd(5)) {
			case 0: h.family = rnd(256); break;
			case 1: h.encap = rnd(256); break;
			case 2: h.src[rnd(16)] = rnd(256); break;
			case 3: memcpy(h.dst, vips[rnd(n_vips)].b, 16); break;
			default: vni = rnd(1 << 24);
			}
		}
		t[0] = (4 + sizeof(h)) / 4;
		put16(t + 2, 0x6558);
		t[4] = vni >> 16;
		t[5] = vni >> 8;
		t[6] = vni;
		put16(t + 8, VGW_OPT_CLASS);
		t[10] = VGW_OPT_HANDOFF;
		t[11] = sizeof(h) / 4;
		memcpy(t + 12, &h, sizeof(h));
		o->tlen = 12 + sizeof(h);
		return;
	}
	{
		unsigned int n = 1, have = 1, i;

		if (chance(20)) {
			/* None, too many, or more than it carries. */
			if (chance(10)) {
				n = 0;
				have = rnd(2);
			} else {
				n = chance(50) ? 17 + rnd(239) : 2 + rnd(15);
				have = rnd(n > 16 ? 3 : n);
			}
		} else {
			(*consumed)++;
		}
		t[0] = 2;	/* the option: 8 bytes */
		put16(t + 2, VGW_ETH_P_STATE);
		put16(t + 8, VGW_OPT_CLASS);
		t[10] = VGW_OPT_STATE;
		t[11] = 1;
		t[12] = VGW_STATE_VERSION;
		t[13] = n;
		o->tlen = 16;
		memset(f, 0, sizeof(*f));
		for (i = 0; i < have; i++)
			state_record(f->b + 72 * i);
		f->len = 72 * have;
	}
}

/* --- the outer packet ---------------------------------------------------------- */

static size_t outer_packet(uint8_t *out, const struct node *s,
			   struct outer *o, const struct frame *f)
{
	bool v6 = o->dst->fam == 6;
	size_t iph = v6 ? 40 : 20, ulen = 8 + o->tlen + f->len;
	uint8_t *ip = out + 14, *udp = ip + iph;
	uint32_t sum;
	uint16_t ck;

	memcpy(out, host_mac, 6);
	memcpy(out + 6, s->ulmac, 6);
	put16(out + 12, v6 ? 0x86dd : 0x0800);
	memcpy(udp + 8, o->tun, o->tlen);
	memcpy(udp + 8 + o->tlen, f->b, f->len);
	put16(udp, 49152 + rnd(16384));
	put16(udp + 2, o->dport);
	put16(udp + 4, ulen);
	put16(udp + 6, 0);
	if (v6) {
		memset(ip, 0, 40);
		ip[0] = 0x60;
		put16(ip + 4, ulen);
		ip[6] = 17;
		ip[7] = 64;
		memcpy(ip + 8, o->src->b, 16);
		memcpy(ip + 24, o->dst->b, 16);
	} else {
		memset(ip, 0, 20);
		ip[0] = 0x45;
		put16(ip + 2, 20 + ulen);
		put16(ip + 4, rnd(65536));
		put16(ip + 6, 0x4000);
		ip[8] = 64;
		ip[9] = 17;
		memcpy(ip + 12, o->src->b, 4);
		memcpy(ip + 16, o->dst->b, 4);
	}
	if (o->udp_len_short && ulen > 9) {
		/* The datagram says it is shorter: UDP trims it, fine. */
		ulen -= 1 + rnd(ulen - 9);
		put16(udp + 4, ulen);
	}
	if (v6 || !o->udp_csum_zero) {
		struct addr s2 = *o->src, d2 = *o->dst;

		sum = pseudo(&s2, &d2, 17, ulen);
		ck = csum_fold(csum_add(sum, udp, ulen));
		if (!ck)
			ck = 0xffff;
		if (o->udp_csum_bad)
			ck ^= 0x1111;
		put16(udp + 6, ck);
	}
	if (!v6) {
		put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
		if (o->ip_len_bad) {
			put16(ip + 2, get16(ip + 2) + 1 + rnd(100));
			put16(ip + 10, 0);
			put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
		}
	} else if (o->ip_len_bad) {
		put16(ip + 4, get16(ip + 4) + 1 + rnd(100));
	}
	return 14 + iph + 8 + o->tlen + f->len;
}

/* --- capture --------------------------------------------------------------------- */

static atomic_bool stop_capture;
static atomic_uint_fast64_t host_tx, state_tx, capture_bad_total;

/*
 * Outer IPv4/IPv6 + UDP to 4789/6081 in @p: the offset of the tunnel
 * header, the outer source/destination and port; -1 if not one.
 */
static int tunnel_of(const uint8_t *p, size_t len, struct addr *src,
		     struct addr *dst, uint16_t *dport)
{
	size_t iph;
	uint16_t et = get16(p + 12);
	const uint8_t *udp;

	if (len < 14 + 20 + 8)
		return -1;
	if (et == 0x0800 && (p[14] >> 4) == 4 && p[14 + 9] == 17) {
		iph = (p[14] & 15) * 4;
		src->fam = dst->fam = 4;
		memcpy(src->b, p + 14 + 12, 4);
		memcpy(dst->b, p + 14 + 16, 4);
	} else if (et == 0x86dd && len >= 14 + 40 + 8 && p[14 + 6] == 17) {
		iph = 40;
		src->fam = dst->fam = 6;
		memcpy(src->b, p + 14 + 8, 16);
		memcpy(dst->b, p + 14 + 24, 16);
	} else {
		return -1;
	}
	if (len < 14 + iph + 8 + 8)
		return -1;
	udp = p + 14 + iph;
	*dport = get16(udp + 2);
	if (*dport != 4789 && *dport != 6081)
		return -1;
	return 14 + iph + 8;
}

static bool is_vip(const struct addr *a)
{
	int i;

	for (i = 0; i < n_vips; i++)
		if (addr_eq(&vips[i], a->b, a->fam))
			return true;
	return false;
}

/* The first violations of a node are printed with the frame's first bytes. */
static void report_bad(struct node *n, const char *why, int sender,
		       const uint8_t *eth, size_t len)
{
	char hex[2 * 96 + 1];
	size_t i;

	n->bad++;
	atomic_fetch_add(&capture_bad_total, 1);
	if (n->bad > 5)
		return;
	for (i = 0; i < len && i < 96; i++)
		sprintf(hex + 2 * i, "%02x", eth[i]);
	hex[2 * i] = 0;
	printf("violation %s: %s (marker of %s) frame %s\n", n->name, why,
	       sender >= 0 ? nodes[sender].name : "-", hex);
}

/* A tunnel packet received by node @n: is it for @n? */
static void check_delivery(struct node *n, const uint8_t *p, size_t len)
{
	struct addr src, dst;
	uint16_t dport;
	int off = tunnel_of(p, len, &src, &dst, &dport), sender, i;
	const uint8_t *t, *eth;
	size_t tl;
	uint32_t vni;
	uint16_t et;
	bool mine;

	if (off < 0 || !is_vip(&src))
		return;
	n->delivered++;
	/* A member gets handoffs of any VNIC's packets: nothing to check. */
	if (n->kind == K_MEMBER)
		return;
	t = p + off;
	tl = dport == 6081 ? 8 + (t[0] & 0x3f) * 4 : 8;
	if ((size_t)off + tl + 14 > len) {
		report_bad(n, "a tunnel packet too short for a frame", -1, p, len);
		return;
	}
	vni = (t[4] << 16) | (t[5] << 8) | t[6];
	eth = t + tl;
	sender = find_mark(eth, p + len - eth);
	if (sender >= 0)
		n->marked++;
	if (vni != n->vni) {
		report_bad(n, "another VNI", sender, eth, p + len - eth);
		return;
	}
	if ((dport == 6081) != n->geneve) {
		report_bad(n, "the other encapsulation", sender, eth, p + len - eth);
		return;
	}
	if (memcmp(eth, n->mac, 6)) {
		report_bad(n, "another destination MAC", sender, eth, p + len - eth);
		return;
	}
	if (n->kind == K_VNIC && !addr_eq(&n->vip, src.b, src.fam)) {
		report_bad(n, "not from its VIP", sender, eth, p + len - eth);
		return;
	}
	if (sender >= 0 && nodes[sender].vcn != n->vcn) {
		report_bad(n, "a frame from another VCN", sender, eth, p + len - eth);
		return;
	}
	if (n->kind != K_VNIC)
		return;
	et = get16(eth + 12);
	mine = true;
	if (et == 0x0800 && p + len - eth >= 34) {
		mine = false;
		for (i = 0; i < n->nips; i++)
			mine |= addr_eq(&n->ips[i], eth + 14 + 16, 4);
	} else if (et == 0x86dd && p + len - eth >= 55) {
		/*
		 * A neighbour advertisement is the router's answer to the
		 * VNIC's own solicitation, to whatever source that had.
		 */
		mine = eth[14 + 6] == 58 && eth[14 + 40] == 136;
		for (i = 0; i < n->nips; i++)
			mine |= addr_eq(&n->ips[i], eth + 14 + 24, 6);
	}
	if (!mine)
		report_bad(n, "an IP packet to an address that is not the VNIC's", sender, eth, p + len - eth);
}

static void *capture_thread(void *arg)
{
	struct pollfd pfd[MAX_NODES + 1];
	static uint8_t buf[65536];
	int i, n = 0;

	(void)arg;
	for (i = 0; i < n_nodes; i++)
		pfd[n++] = (struct pollfd){ .fd = nodes[i].capfd, .events = POLLIN };
	pfd[n++] = (struct pollfd){ .fd = host_capfd, .events = POLLIN };
	while (!atomic_load(&stop_capture)) {
		if (poll(pfd, n, 100) <= 0)
			continue;
		for (i = 0; i < n; i++) {
			struct sockaddr_ll sll;
			socklen_t sl;
			ssize_t len;

			if (!(pfd[i].revents & POLLIN))
				continue;
			for (;;) {
				sl = sizeof(sll);
				len = recvfrom(pfd[i].fd, buf, sizeof(buf), 0,
					       (void *)&sll, &sl);
				if (len < 0)
					break;
				if (i == n - 1) {
					struct addr s, d;
					uint16_t dp;

					int off;

					if (sll.sll_pkttype != PACKET_OUTGOING)
						continue;
					off = tunnel_of(buf, len, &s, &d, &dp);
					if (off < 0)
						continue;
					/*
					 * State the host sends to other members is
					 * not a packet it received: apart.
					 */
					if (dp == 6081 && off + 8 <= len &&
					    get16(buf + off + 2) == VGW_ETH_P_STATE)
						atomic_fetch_add(&state_tx, 1);
					else
						atomic_fetch_add(&host_tx, 1);
				} else if (sll.sll_pkttype != PACKET_OUTGOING) {
					check_delivery(&nodes[i], buf, len);
				}
			}
		}
	}
	return NULL;
}

static uint64_t capture_drops(int fd)
{
	struct tpacket_stats st;
	socklen_t l = sizeof(st);

	if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &l))
		return 0;
	return st.tp_drops;
}

/* --- the module's counters ------------------------------------------------------ */

struct counters {
	uint64_t rx, drops[__VNICGW_DROP_MAX], dropped;
	uint64_t records;	/* state records received: applied or refused */
};

static struct vgw_client client;
static bool no_module;

static void read_counters(struct counters *c)
{
	struct vgw_stats st;
	unsigned int i;
	int err;

	memset(c, 0, sizeof(*c));
	if (no_module)
		return;
	err = vgw_get_stats(&client, &st);
	if (err) {
		errno = -err;
		die("vnicgw stats");
	}
	for (i = 0; i < st.n_cpus; i++)
		c->rx += st.cpu_rx[i];
	for (i = 0; i < __VNICGW_DROP_MAX; i++) {
		c->drops[i] = st.drops[i];
		c->dropped += st.drops[i];
	}
	vgw_stats_free(&st);
	if (members) {
		struct vgw_cluster cl;

		memset(&cl, 0, sizeof(cl));
		err = vgw_cluster_get(&client, &cl);
		if (err) {
			errno = -err;
			die("vnicgw cluster");
		}
		c->records = cl.counters[VNICGW_CLUSTER_SYNC_IN] +
			     cl.counters[VNICGW_CLUSTER_SYNC_REFUSED];
		vgw_cluster_free(&cl);
	}
}

/* --- main ------------------------------------------------------------------------- */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct sendq {
	struct mmsghdr msg[BATCH];
	struct iovec iov[BATCH];
	uint8_t buf[BATCH][PKT_MAX + 400];
	int n;
};

static uint64_t send_retries, send_failed;

static void flush(struct node *s, struct sendq *q)
{
	int done = 0, r, tries = 0;

	while (done < q->n) {
		r = sendmmsg(s->txfd, q->msg + done, q->n - done, 0);
		if (r > 0) {
			done += r;
			continue;
		}
		if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR)
			die("sendmmsg");
		/* The veth's queue is full: let the receiver catch up. */
		send_retries++;
		if (++tries > 1000) {
			send_failed += q->n - done;
			break;
		}
		usleep(100);
	}
	s->sent += done;
	q->n = 0;
}

int main(int argc, char **argv)
{
	static struct sendq q;
	const char *e;
	uint64_t seed, packets = 100000, i, outer_invalid = 0, mutated = 0;
	struct counters before, after, mid;
	pthread_t cap;
	double t0, t1;
	int k, failed = 0, sender = 0, stable = 0;
	uint64_t tx_before, tx, cap_drops = 0, delivered = 0, marked = 0;
	uint64_t state_consumed = 0, state_tx_before;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 2)
		dief("usage: pktfuzz CONFIG");
	read_config(argv[1]);
	e = getenv("FUZZ_SEED");
	seed = e && *e ? strtoull(e, NULL, 0) : (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;
	e = getenv("FUZZ_PACKETS");
	if (e && *e)
		packets = strtoull(e, NULL, 0);
	rng_state = seed;
	printf("seed 0x%llx (FUZZ_SEED=0x%llx reproduces this run)\n",
	       (unsigned long long)seed, (unsigned long long)seed);

	/* Sockets: one to send and one to capture in each node, one on the host. */
	for (k = 0; k < n_nodes; k++) {
		struct node *n = &nodes[k];
		uint8_t mac[6];

		enter_ns(n->netns);
		n->txfd = packet_socket("ul0", false, false, n->ulmac, &n->ifindex);
		n->capfd = packet_socket("ul0", true, false, mac, NULL);
		leave_ns();
	}
	enter_ns(host_netns);
	host_capfd = packet_socket(host_dev, true, true, host_mac, NULL);
	/* FUZZ_NO_MODULE=1: try the fuzzer itself where no module is loaded. */
	no_module = getenv("FUZZ_NO_MODULE") && !strcmp(getenv("FUZZ_NO_MODULE"), "1");
	if (!no_module && vgw_open(&client))
		dief("cannot open the vnicgw netlink family in the host namespace");
	leave_ns();

	atomic_store(&stop_capture, false);
	if (pthread_create(&cap, NULL, capture_thread, NULL))
		dief("pthread_create");
	usleep(200000);
	read_counters(&before);
	tx_before = atomic_load(&host_tx);
	state_tx_before = atomic_load(&state_tx);

	t0 = now();
	for (i = 0; i < packets; i++) {
		struct gen g = { .seq = (uint32_t)i };
		struct outer o = { 0 };
		struct frame f;
		struct node *s;
		int nm = 0, j;

		/* A batch is one sender's: BATCH packets, then another. */
		if (q.n == 0)
			sender = rnd(n_nodes);
		g.node = sender;
		s = &nodes[g.node];
		if (s->kind == K_MEMBER) {
			member_packet(&o, &f, s, g.seq, &state_consumed);
			goto queue;
		}
		build_frame(&g, &f);
		o.geneve = s->geneve;
		o.src = &s->ul;
		o.dst = &s->vip;
		/* One packet in ten is left valid; the others get 1 to 3 mutations. */
		if (chance(90))
			nm = 1 + rnd(3);
		if (nm)
			mutated++;
		tunnel_header(&o, s, nm && chance(40));
		o.dport = o.geneve ? 6081 : 4789;
		for (j = 0; j < nm; j++) {
			switch (rnd(12)) {
			case 0:	/* the other tunnel's port */
				o.dport = o.dport == 4789 ? 6081 : 4789;
				break;
			case 1:	/* another VIP, or another node's source address */
				if (chance(50)) {
					o.dst = &vips[rnd(n_vips)];
					if (o.dst->fam != o.src->fam)
						o.dst = &s->vip;
				} else {
					/*
					 * Another node's underlay address, of
					 * the sender's VCN: whoever can send
					 * from an NVD's address is that NVD to
					 * the cluster, so a marker could not
					 * tell who is to blame across VCNs.
					 * Or an address that is nobody's.
					 */
					const struct node *x = &nodes[rnd(n_nodes)];

					if (x->vcn != s->vcn)
						x = s;
					o.src_spoof = x->ul;
					if (x == s || chance(30))
						o.src_spoof.b[o.src->fam == 4 ? 3 : 15] = 66;
					o.src = &o.src_spoof;
				}
				break;
			case 2:	/* outer lengths and checksums */
				switch (rnd(4)) {
				case 0: o.udp_csum_zero = true; break;
				case 1: o.udp_csum_bad = true; break;
				case 2: o.udp_len_short = true; break;
				default: o.ip_len_bad = true;
				}
				break;
			default:
				mutate_frame(&f);
			}
		}
		if (o.src->fam == 6 && o.udp_csum_zero)
			o.udp_csum_zero = false;
		/* Over IPv4 the cluster's own packets have no UDP checksum. */
		if (o.src->fam == 4 && !nm && chance(50))
			o.udp_csum_zero = true;
		if (o.udp_csum_bad || o.ip_len_bad)
			outer_invalid++;
queue:
		q.iov[q.n].iov_base = q.buf[q.n];
		q.iov[q.n].iov_len = outer_packet(q.buf[q.n], s, &o, &f);
		q.msg[q.n].msg_hdr = (struct msghdr){ .msg_iov = &q.iov[q.n],
						      .msg_iovlen = 1 };
		q.n++;
		if (q.n == BATCH || i + 1 == packets)
			flush(s, &q);
	}
	t1 = now();

	/*
	 * Settle: the counters and the captures stop moving (the instances'
	 * answers to what reached them, RSTs and ICMP errors, come back
	 * through the module too). Stable and balanced, or stable for 2 s.
	 */
	read_counters(&mid);
	for (k = 0; k < 60 && stable < 6; k++) {
		usleep(300000);
		read_counters(&after);
		tx = atomic_load(&host_tx);
		if (after.rx == mid.rx && after.dropped == mid.dropped)
			stable++;
		else
			stable = 0;
		mid = after;
		usleep(50000);	/* the capture thread drains its sockets */
		if (stable && tx == atomic_load(&host_tx) &&
		    after.rx - before.rx == after.dropped - before.dropped +
					    tx - tx_before +
					    after.records - before.records)
			break;
	}
	tx = atomic_load(&host_tx) - tx_before;
	atomic_store(&stop_capture, true);
	pthread_join(cap, NULL);

	printf("packets %llu sent %llu mutated %llu outer_invalid %llu send_retries %llu send_failed %llu\n",
	       (unsigned long long)packets,
	       (unsigned long long)(packets - send_failed),
	       (unsigned long long)mutated, (unsigned long long)outer_invalid,
	       (unsigned long long)send_retries, (unsigned long long)send_failed);
	printf("seconds %.2f pps %.0f\n", t1 - t0, packets / (t1 - t0));
	printf("module rx %llu dropped %llu sent %llu\n",
	       (unsigned long long)(after.rx - before.rx),
	       (unsigned long long)(after.dropped - before.dropped),
	       (unsigned long long)tx);
	if (members)
		printf("cluster state_messages_consumed %llu records_counted %llu state_sent %llu\n",
		       (unsigned long long)state_consumed,
		       (unsigned long long)(after.records - before.records),
		       (unsigned long long)(atomic_load(&state_tx) - state_tx_before));
	for (k = 0; k < __VNICGW_DROP_MAX; k++)
		if (after.drops[k] - before.drops[k])
			printf("drop %s %llu\n", vgw_drop_name(k),
			       (unsigned long long)(after.drops[k] - before.drops[k]));
	for (k = 0; k < n_nodes; k++) {
		printf("node %s sent %llu delivered %llu marked %llu violations %llu\n",
		       nodes[k].name, (unsigned long long)nodes[k].sent,
		       (unsigned long long)nodes[k].delivered,
		       (unsigned long long)nodes[k].marked,
		       (unsigned long long)nodes[k].bad);
		cap_drops += capture_drops(nodes[k].capfd);
		delivered += nodes[k].delivered;
		marked += nodes[k].marked;
	}
	cap_drops += capture_drops(host_capfd);
	printf("delivered %llu marked %llu capture_drops %llu\n",
	       (unsigned long long)delivered, (unsigned long long)marked,
	       (unsigned long long)cap_drops);

	/* The checks. */
#define CHECK(name, cond) do { bool c_ = (cond); \
		printf("check %s %s\n", name, c_ ? "ok" : "FAILED"); failed |= !c_; } while (0)
	CHECK("reached", after.rx - before.rx > 0);
	CHECK("captures_complete", cap_drops == 0);
	CHECK("no_mtu_drops", after.drops[VNICGW_DROP_MTU] == before.drops[VNICGW_DROP_MTU]);
	CHECK("accounted", after.rx - before.rx ==
			   after.dropped - before.dropped + tx +
			   after.records - before.records);
	CHECK("isolation", atomic_load(&capture_bad_total) == 0);
	CHECK("marked_delivered", marked > 0);
	if (!no_module)
		vgw_close(&client);
	return failed ? 1 : 0;
}
