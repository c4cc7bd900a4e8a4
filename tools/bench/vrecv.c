// SPDX-License-Identifier: GPL-2.0
/*
 * vrecv - the benchmark's receiver: counts and checks what a system under
 * test delivers to an NVD (or a gateway), on its underlay interface.
 *
 *   vrecv -i DEV [--vni N] [--dst IP] [--ismac MAC] [--idmac MAC]
 *         [--isrc IP] [--idst IP] [--cpu N] [--time SEC] [--ready FILE]
 *
 * An AF_PACKET TPACKET_V3 ring (blocks of frames handed over together, one
 * poll() per block) on DEV. Every IPv4/UDP frame to port 4789 or 6081 is
 * parsed down to the inner UDP payload and checked against the options
 * given: outer destination, VNI, inner MACs, inner addresses, the payload's
 * magic; the inner TTL must be below 64 (the virtual router decremented it).
 * Runs until SIGINT/SIGTERM (or --time), then prints one JSON object:
 *   {"ok": N, "bad": N, "other": N, "flows": N, "ring_drops": N, "bad_reasons": {...}}
 * "flows" counts distinct flow numbers seen in good packets. A tc ingress
 * drop on DEV after this tap keeps the packets from costing the NVD's own
 * stack (the benchmark sets it up).
 */
#include <errno.h>
#include <getopt.h>
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

#define BAD_REASONS(X) \
	X(short) X(outer_dst) X(vni) X(inner_mac) X(inner_ip) X(ttl) X(magic)

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
	uint32_t vni, dst, isrc, idst;
	uint8_t ismac[6], idmac[6];
	int has_ismac, has_idmac;
};

struct counts {
	unsigned long long ok, other, bad[BAD_MAX], flows;
	uint8_t *seen;		/* one bit per flow number */
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
		"             [--isrc IP] [--idst IP] [--cpu N] [--time SEC] [--ready FILE]\n");
	exit(2);
}

/* Classify one frame: -1 not a tunnel packet, else a bad reason or BAD_MAX. */
static int check(const struct expect *e, const uint8_t *f, unsigned int len,
		 uint32_t *flow)
{
	const struct iphdr *ip = (const void *)(f + 14);
	const struct udphdr *udp;
	const uint8_t *in;
	const struct iphdr *iip;
	const struct bench_payload *pl;
	unsigned int hl, tl, vni;

	if (len < 14 + 20 + 8 || f[12] != 0x08 || f[13] != 0 || ip->version != 4 ||
	    ip->protocol != IPPROTO_UDP)
		return -1;
	hl = ip->ihl * 4u;
	udp = (const void *)((const uint8_t *)ip + hl);
	if (len < 14 + hl + 8 ||
	    vgw_tunnel_of_port(udp->dest) == VGW_TUNNEL_NONE)
		return -1;
	tl = udp->dest == htons(VGW_VXLAN_PORT) ? VGW_VXLAN_HLEN :
		VGW_GENEVE_HLEN + vgw_geneve_opts_bytes((const void *)(udp + 1));
	in = (const uint8_t *)(udp + 1) + tl;
	if (in + 14 + 20 + 8 + sizeof(*pl) > f + len)
		return BAD_short;
	vni = vgw_vni_get(udp->dest == htons(VGW_VXLAN_PORT) ?
			  ((const struct vgw_vxlanhdr *)(udp + 1))->vni :
			  ((const struct vgw_genevehdr *)(udp + 1))->vni);
	if (e->dst && ip->daddr != e->dst)
		return BAD_outer_dst;
	if (e->vni && vni != e->vni)
		return BAD_vni;
	if ((e->has_idmac && memcmp(in, e->idmac, 6)) ||
	    (e->has_ismac && memcmp(in + 6, e->ismac, 6)))
		return BAD_inner_mac;
	iip = (const void *)(in + 14);
	if (in[12] != 0x08 || in[13] != 0 || iip->version != 4 || iip->ihl != 5 ||
	    iip->protocol != IPPROTO_UDP)
		return BAD_inner_ip;
	if ((e->isrc && iip->saddr != e->isrc) || (e->idst && iip->daddr != e->idst))
		return BAD_inner_ip;
	if (iip->ttl >= 64)
		return BAD_ttl;
	pl = (const void *)((const uint8_t *)(iip + 1) + 8);
	if (pl->magic != htonl(BENCH_MAGIC))
		return BAD_magic;
	*flow = ntohl(pl->flow);
	return BAD_MAX;
}

static void count(struct counts *c, const struct expect *e, const uint8_t *f,
		  unsigned int len)
{
	uint32_t flow = 0;
	int r = check(e, f, len, &flow);

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
		 int *cpu, double *seconds, const char **ready)
{
	static const struct option opts[] = {
		{ "dev", 1, 0, 'i' }, { "vni", 1, 0, 'v' }, { "dst", 1, 0, 'd' },
		{ "ismac", 1, 0, 'S' }, { "idmac", 1, 0, 'M' }, { "isrc", 1, 0, 'a' },
		{ "idst", 1, 0, 'b' }, { "cpu", 1, 0, 'c' }, { "time", 1, 0, 't' },
		{ "ready", 1, 0, 'r' }, { 0 }
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
		default: usage();
		}
	}
	if (bad || !*dev)
		usage();
	return 0;
}

static int open_ring(const char *dev, uint8_t **ring)
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
	if (fd < 0 ||
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
	struct expect e = { 0 };
	struct counts c = { 0 };
	const char *dev = NULL, *ready = NULL;
	double seconds = 0, end;
	unsigned int blk = 0;
	struct timespec ts;
	uint8_t *ring;
	int fd, cpu = -1;

	parse(&e, argc, argv, &dev, &cpu, &seconds, &ready);
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	c.seen = calloc(FLOW_BITS / 8, 1);
	fd = open_ring(dev, &ring);
	if (fd < 0 || !c.seen) {
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
