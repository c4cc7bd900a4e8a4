// SPDX-License-Identifier: GPL-2.0
/*
 * vrecv - the benchmark's receiver: counts and checks what a system under
 * test delivers to an NVD (or a gateway), on its underlay interface.
 *
 *   vrecv -i DEV [--vni N] [--dst IP] [--ismac MAC] [--idmac MAC]
 *         [--isrc IP] [--idst IP] [--cpu N] [--time SEC] [--ready FILE]
 *         [--dmac MAC] [--src IP] [--ttl N] [--reverse] [--nat-sport]
 *         [--routes N] [--pairs N]
 *
 * An AF_PACKET TPACKET_V3 ring (blocks of frames handed over together, one
 * poll() per block) on DEV. Every IPv4/UDP frame to port 4789 or 6081 is
 * parsed down to the inner UDP payload and checked against the options
 * given and what vgen sent (bench_pkt.h): outer source (--src, the VIP) and
 * destination, the outer IPv4 header's checksum and the outer UDP checksum
 * (0, or right), the VXLAN flags (I set, reserved bits 0) or the Geneve
 * version, VNI, inner MACs, inner addresses, the inner IPv4 header's
 * checksum, the inner UDP checksum (vgen sends one: a NAT that rewrites
 * addresses or ports must update it), the inner TTL exactly (--ttl,
 * default 63: one hop of the virtual router), the payload's magic, and the
 * inner ports: the flow's own (bench_flow_ports(); --reverse: a reply's),
 * or with --nat-sport a source port of the system's choosing that stays
 * the same for a flow and differs between flows (a NAT's mapping). With
 * --routes N the far address is the flow's own (bench_route_host(): the
 * inner destination, with --reverse the inner source) instead of --idst
 * (--isrc). With --pairs N a flow's VNI, inner destination MAC and inner
 * addresses are those of its VNIC pair (bench_pair()), not fixed ones.
 * Runs until SIGINT/SIGTERM (or --time), then prints one JSON object:
 *   {"ok": N, "bad": N, "other": N, "flows": N, "ring_drops": N, "bad_reasons": {...}}
 * "flows" counts distinct flow numbers seen in good packets. A tc ingress
 * drop on DEV after this tap keeps the packets from costing the NVD's own
 * stack (the benchmark sets it up). --dmac: only frames to that outer
 * destination MAC reach the ring (a socket filter, as a NIC's own address
 * filter would): several receivers can share one interface, each counting
 * what was sent to its own far end.
 */
#include <errno.h>
#include <getopt.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench_pkt.h"

#define BLOCK_SIZE	(1 << 20)
#define BLOCK_NR	16
#define FRAME_SIZE	2048
#define FLOW_BITS	(1u << 24)
#define NAT_DPORTS	32	/* destination ports whose NAT ports are checked */

#define BAD_REASONS(X) \
	X(short) X(outer_src) X(outer_dst) X(outer_csum) X(tunnel_flags) X(vni) \
	X(inner_mac) X(inner_ip) X(inner_csum) X(ttl) X(magic) X(ports) \
	X(nat_port)

enum bad {
#define X(n) BAD_##n,
	BAD_REASONS(X)
#undef X
	BAD_MAX
};

static const char *const bad_names[] = {
#define X(n) #n,
	BAD_REASONS(X)
#undef X
};

struct expect {
	uint32_t vni, src, dst, isrc, idst;
	uint8_t ismac[6], idmac[6];
	int has_ismac, has_idmac, ttl, reverse, nat_sport;
	uint32_t routes, pairs;
};

struct counts {
	unsigned long long ok, other, bad[BAD_MAX], flows;
	uint8_t *seen;		/* one bit per flow number */
	uint16_t *sport_of;	/* --nat-sport: a flow's source port, 0: none yet */
	uint32_t *flow_of;	/* --nat-sport: per destination port (its index,
				 * flow / 60000, below NAT_DPORTS) and source
				 * port, the flow + 1 that has it; 0: none */
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: vrecv -i DEV [--vni N] [--dst IP] [--ismac MAC] [--idmac MAC]\n"
		"             [--isrc IP] [--idst IP] [--cpu N] [--time SEC] [--ready FILE]\n"
		"             [--dmac MAC] [--src IP] [--ttl N] [--reverse] [--nat-sport]\n"
		"             [--routes N] [--pairs N]\n");
	exit(2);
}

/* 0 if the UDP checksum of @ulen bytes at @udp under @ip is right. */
static int udp_csum_bad(const struct iphdr *ip, const struct udphdr *udp,
			unsigned int ulen)
{
	return bench_fold(bench_udp4_sum(ip, udp, ulen)) != 0xffff;
}

/* The inner source port a flow must have, or a NAT's mapping that holds. */
static int ports_bad(const struct expect *e, struct counts *c, uint32_t flow,
		     const struct udphdr *iudp)
{
	uint16_t sport, dport, got = ntohs(iudp->source);

	bench_flow_ports(flow, e->reverse, &sport, &dport);
	if (ntohs(iudp->dest) != dport)
		return BAD_ports;
	if (!e->nat_sport)
		return got == sport ? 0 : BAD_ports;
	flow &= FLOW_BITS - 1;
	if (!got)
		return BAD_nat_port;
	if (!c->sport_of[flow])
		c->sport_of[flow] = got;
	if (c->sport_of[flow] != got)
		return BAD_nat_port;	/* the flow's mapping moved */
	/* Two flows on one public port to the same destination port: their
	 * replies could not be told apart. (Flows 60000 apart differ only in
	 * the destination port: they may share a source port.) */
	if (flow / 60000 < NAT_DPORTS) {
		uint32_t *slot = &c->flow_of[flow / 60000 * 65536 + got];

		if (!*slot)
			*slot = flow + 1;
		if (*slot != flow + 1)
			return BAD_nat_port;
	}
	return 0;
}

/* Classify one frame: -1 not a tunnel packet, else a bad reason or BAD_MAX. */
static int check(const struct expect *e, struct counts *c, const uint8_t *f,
		 unsigned int len, uint32_t *flow)
{
	const struct iphdr *ip = (const void *)(f + 14);
	const struct udphdr *udp, *iudp;
	const uint8_t *in;
	const struct iphdr *iip;
	const struct bench_payload *pl;
	unsigned int hl, tl, vni, ulen;
	int vxlan;

	if (len < 14 + 20 + 8 || f[12] != 0x08 || f[13] != 0 || ip->version != 4 ||
	    ip->protocol != IPPROTO_UDP)
		return -1;
	hl = ip->ihl * 4u;
	udp = (const void *)((const uint8_t *)ip + hl);
	if (hl < 20 || len < 14 + hl + 8 ||
	    vgw_tunnel_of_port(udp->dest) == VGW_TUNNEL_NONE)
		return -1;
	vxlan = udp->dest == htons(VGW_VXLAN_PORT);
	ulen = ntohs(udp->len);
	if (ntohs(ip->tot_len) < hl + 8 || 14u + ntohs(ip->tot_len) > len ||
	    ulen != ntohs(ip->tot_len) - hl)
		return BAD_short;
	if (len < 14 + hl + 8 + VGW_GENEVE_HLEN)
		return BAD_short;
	tl = vxlan ? VGW_VXLAN_HLEN :
		VGW_GENEVE_HLEN + vgw_geneve_opts_bytes((const void *)(udp + 1));
	in = (const uint8_t *)(udp + 1) + tl;
	if (in + 14 + 20 + 8 + sizeof(*pl) > f + len)
		return BAD_short;
	if (e->src && ip->saddr != e->src)
		return BAD_outer_src;
	if (e->dst && ip->daddr != e->dst)
		return BAD_outer_dst;
	if (bench_ip_csum(ip, (int)hl) || (udp->check && udp_csum_bad(ip, udp, ulen)))
		return BAD_outer_csum;
	if (vxlan) {
		const struct vgw_vxlanhdr *vx = (const void *)(udp + 1);

		if (vx->flags != VGW_VXLAN_FLAG_I || vx->reserved1[0] ||
		    vx->reserved1[1] || vx->reserved1[2] || vx->reserved2)
			return BAD_tunnel_flags;
		vni = vgw_vni_get(vx->vni);
	} else {
		const struct vgw_genevehdr *gh = (const void *)(udp + 1);

		if (vgw_geneve_version(gh))
			return BAD_tunnel_flags;
		vni = vgw_vni_get(gh->vni);
	}
	if (e->vni && vni != e->vni)
		return BAD_vni;
	if ((e->has_idmac && memcmp(in, e->idmac, 6)) ||
	    (e->has_ismac && memcmp(in + 6, e->ismac, 6)))
		return BAD_inner_mac;
	iip = (const void *)(in + 14);
	if (in[12] != 0x08 || in[13] != 0 || iip->version != 4 || iip->ihl != 5 ||
	    iip->protocol != IPPROTO_UDP)
		return BAD_inner_ip;
	if ((e->isrc && !(e->routes && e->reverse) && iip->saddr != e->isrc) ||
	    (e->idst && !(e->routes && !e->reverse) && iip->daddr != e->idst))
		return BAD_inner_ip;
	iudp = (const void *)(iip + 1);
	if (ntohs(iip->tot_len) < 20 + 8 + sizeof(*pl) ||
	    in + 14 + ntohs(iip->tot_len) > f + len ||
	    ntohs(iudp->len) != ntohs(iip->tot_len) - 20)
		return BAD_short;
	if (bench_ip_csum(iip, 20) || !iudp->check ||
	    udp_csum_bad(iip, iudp, ntohs(iudp->len)))
		return BAD_inner_csum;
	if (iip->ttl != e->ttl)
		return BAD_ttl;
	pl = (const void *)(iudp + 1);
	if (pl->magic != htonl(BENCH_MAGIC))
		return BAD_magic;
	*flow = ntohl(pl->flow);
	if (e->pairs) {
		uint32_t from, to;
		uint8_t mac[6];

		bench_pair(*flow, e->pairs, e->reverse, &from, &to);
		if (vni != BENCH_BULK_VNI + to)
			return BAD_vni;
		bench_bulk_mac(to, mac);
		if (memcmp(in, mac, 6))
			return BAD_inner_mac;
		if (iip->saddr != bench_bulk_ip(from) || iip->daddr != bench_bulk_ip(to))
			return BAD_inner_ip;
	}
	if (e->routes && (e->reverse ? iip->saddr : iip->daddr) !=
	    bench_route_host(*flow, e->routes))
		return BAD_inner_ip;
	return ports_bad(e, c, *flow, iudp) ?: BAD_MAX;
}

static void count(struct counts *c, const struct expect *e, const uint8_t *f,
		  unsigned int len)
{
	uint32_t flow = 0;
	int r = check(e, c, f, len, &flow);

	if (r < 0) {
		c->other++;
	} else if (r < BAD_MAX) {
		c->bad[r]++;
	} else {
		c->ok++;
		flow &= FLOW_BITS - 1;
		if (!(c->seen[flow / 8] & (1u << (flow % 8)))) {
			c->seen[flow / 8] |= (uint8_t)(1u << (flow % 8));
			c->flows++;
		}
	}
}

static void walk_block(struct counts *c, const struct expect *e,
		       struct tpacket_block_desc *b)
{
	struct tpacket3_hdr *h;
	unsigned int i;

	h = (void *)((uint8_t *)b + b->hdr.bh1.offset_to_first_pkt);
	for (i = 0; i < b->hdr.bh1.num_pkts; i++) {
		count(c, e, (uint8_t *)h + h->tp_mac, h->tp_snaplen);
		h = (void *)((uint8_t *)h + h->tp_next_offset);
	}
}

static int parse(struct expect *e, int argc, char **argv, const char **dev,
		 int *cpu, double *seconds, const char **ready, uint8_t *dmac,
		 int *has_dmac)
{
	static const struct option opts[] = {
		{ "dev", 1, 0, 'i' }, { "vni", 1, 0, 'v' }, { "dst", 1, 0, 'd' },
		{ "ismac", 1, 0, 'S' }, { "idmac", 1, 0, 'M' }, { "isrc", 1, 0, 'a' },
		{ "idst", 1, 0, 'b' }, { "cpu", 1, 0, 'c' }, { "time", 1, 0, 't' },
		{ "ready", 1, 0, 'r' }, { "dmac", 1, 0, 'D' }, { "src", 1, 0, 's' },
		{ "ttl", 1, 0, 'T' }, { "reverse", 0, 0, 'R' },
		{ "nat-sport", 0, 0, 'N' }, { "routes", 1, 0, 'o' },
		{ "pairs", 1, 0, 'P' }, { 0 }
	};
	int c, bad = 0;

	while ((c = getopt_long(argc, argv, "i:", opts, NULL)) != -1) {
		switch (c) {
		case 'i': *dev = optarg; break;
		case 'v': e->vni = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'd': bad |= bench_parse_ip4(optarg, &e->dst); break;
		case 'S': bad |= bench_parse_mac(optarg, e->ismac); e->has_ismac = 1; break;
		case 'M': bad |= bench_parse_mac(optarg, e->idmac); e->has_idmac = 1; break;
		case 'a': bad |= bench_parse_ip4(optarg, &e->isrc); break;
		case 'b': bad |= bench_parse_ip4(optarg, &e->idst); break;
		case 'c': *cpu = atoi(optarg); break;
		case 't': *seconds = atof(optarg); break;
		case 'r': *ready = optarg; break;
		case 'D': bad |= bench_parse_mac(optarg, dmac); *has_dmac = 1; break;
		case 's': bad |= bench_parse_ip4(optarg, &e->src); break;
		case 'T': e->ttl = atoi(optarg); break;
		case 'R': e->reverse = 1; break;
		case 'N': e->nat_sport = 1; break;
		case 'o': e->routes = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'P': e->pairs = (uint32_t)strtoul(optarg, NULL, 0); break;
		default: usage();
		}
	}
	if (bad || !*dev)
		usage();
	return 0;
}

/* Only frames whose destination MAC is @mac pass (classic BPF). */
static int filter_dmac(int fd, const uint8_t *mac)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
			 (uint32_t)mac[0] << 24 | (uint32_t)mac[1] << 16 |
			 (uint32_t)mac[2] << 8 | mac[3], 0, 3),
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 4),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
			 (uint32_t)mac[4] << 8 | mac[5], 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0x40000),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = { .len = sizeof(code) / sizeof(code[0]), .filter = code };

	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog));
}

static int open_ring(const char *dev, uint8_t **ring, const uint8_t *dmac)
{
	struct tpacket_req3 req = {
		.tp_block_size = BLOCK_SIZE, .tp_block_nr = BLOCK_NR,
		.tp_frame_size = FRAME_SIZE,
		.tp_frame_nr = BLOCK_SIZE / FRAME_SIZE * BLOCK_NR,
		.tp_retire_blk_tov = 10,	/* ms: hand over a partial block */
	};
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	int fd, v = TPACKET_V3, one = 1;

	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (fd < 0 || (dmac && filter_dmac(fd, dmac)) ||
	    setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)) ||
	    setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)))
		return -1;
	setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	*ring = mmap(NULL, (size_t)BLOCK_SIZE * BLOCK_NR, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_LOCKED, fd, 0);
	if (*ring == MAP_FAILED)
		*ring = mmap(NULL, (size_t)BLOCK_SIZE * BLOCK_NR,
			     PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (*ring == MAP_FAILED)
		return -1;
	sll.sll_ifindex = (int)if_nametoindex(dev);
	if (!sll.sll_ifindex || bind(fd, (struct sockaddr *)&sll, sizeof(sll)))
		return -1;
	return fd;
}

static void report(const struct counts *c, int fd)
{
	struct tpacket_stats_v3 st = { 0 };
	socklen_t sl = sizeof(st);
	unsigned long long bad = 0;
	int i;

	/* Frames the ring had no room for: the receiver fell behind. */
	getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &sl);
	for (i = 0; i < BAD_MAX; i++)
		bad += c->bad[i];
	printf("{\"ok\": %llu, \"bad\": %llu, \"other\": %llu, \"flows\": %llu, \"ring_drops\": %u, \"bad_reasons\": {",
	       c->ok, bad, c->other, c->flows, st.tp_drops);
	for (i = 0; i < BAD_MAX; i++)
		printf("%s\"%s\": %llu", i ? ", " : "", bad_names[i], c->bad[i]);
	printf("}}\n");
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct expect e = { .ttl = 63 };
	struct counts c = { 0 };
	const char *dev = NULL, *ready = NULL;
	double seconds = 0, end;
	unsigned int blk = 0;
	struct timespec ts;
	uint8_t *ring, dmac[6];
	int fd, cpu = -1, has_dmac = 0;

	parse(&e, argc, argv, &dev, &cpu, &seconds, &ready, dmac, &has_dmac);
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	c.seen = calloc(FLOW_BITS / 8, 1);
	if (e.nat_sport) {
		c.sport_of = calloc(FLOW_BITS, sizeof(*c.sport_of));
		c.flow_of = calloc((size_t)NAT_DPORTS * 65536, sizeof(*c.flow_of));
	}
	fd = open_ring(dev, &ring, has_dmac ? dmac : NULL);
	if (fd < 0 || !c.seen || (e.nat_sport && (!c.sport_of || !c.flow_of))) {
		fprintf(stderr, "vrecv: %s: %s\n", dev, strerror(errno));
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (ready) {
		FILE *f = fopen(ready, "w");

		if (f)
			fclose(f);
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	end = seconds > 0 ? ts.tv_sec + ts.tv_nsec / 1e9 + seconds : 0;
	while (!stop) {
		struct tpacket_block_desc *b = (void *)(ring + (size_t)blk * BLOCK_SIZE);

		if (!(b->hdr.bh1.block_status & TP_STATUS_USER)) {
			struct pollfd p = { .fd = fd, .events = POLLIN | POLLERR };

			poll(&p, 1, 100);
			if (end) {
				clock_gettime(CLOCK_MONOTONIC, &ts);
				if (ts.tv_sec + ts.tv_nsec / 1e9 >= end)
					break;
			}
			continue;
		}
		walk_block(&c, &e, b);
		b->hdr.bh1.block_status = TP_STATUS_KERNEL;
		__sync_synchronize();
		blk = (blk + 1) % BLOCK_NR;
	}
	/* What is still in the ring was received too. */
	for (;;) {
		struct tpacket_block_desc *b = (void *)(ring + (size_t)blk * BLOCK_SIZE);

		if (!(b->hdr.bh1.block_status & TP_STATUS_USER))
			break;
		walk_block(&c, &e, b);
		b->hdr.bh1.block_status = TP_STATUS_KERNEL;
		blk = (blk + 1) % BLOCK_NR;
	}
	report(&c, fd);
	return 0;
}
