// SPDX-License-Identifier: GPL-2.0
/*
 * vgen - the benchmark's traffic generator: what an NVD sends for one
 * instance, at full speed.
 *
 *   vgen -i DEV --dmac MAC --src IP --dst VIP --vni N
 *        --ismac MAC --idmac MAC --isrc IP --idst IP
 *        [--size BYTES] [--flows N] [--time SEC] [--batch N] [--cpu N]
 *        [--pps RATE] [--count N] [--reverse] [--first F] [--routes N]
 *        [--start S] [--pairs N]
 *
 * Pre-built VXLAN frames (outer IPv4/UDP to the VIP, the instance's inner
 * Ethernet/IPv4/UDP frame) go out of DEV through an AF_PACKET socket that
 * bypasses the qdisc, sendmmsg() BATCH (64) at a time: a system call costs
 * ~300 ns under nested virtualization, a packet's kernel path far more.
 * --size is the inner IPv4 packet's length (64 or 1400 in the scenarios).
 * With --flows N the inner UDP ports walk N flows round-robin (flow i:
 * source port 1024 + i % 60000, destination port 5001 + i / 60000), and the
 * outer UDP source port follows the inner flow, as a Linux VXLAN NVD does.
 * A flow's frame differs from another only in its ports, the outer source
 * port, the payload's flow number and the inner UDP checksum, updated from
 * the sum of everything else (computed once): the receiver checks that
 * checksum, so a system that rewrites addresses or ports (NAT) must update
 * it right. The outer UDP checksum is 0 (allowed over IPv4), as every system
 * under test sends it. --reverse swaps the inner ports
 * (the replies of the same flows, sent from the other end); --count stops
 * after N packets (one per flow: opens the flows, or answers them).
 * --first F numbers the flows F..F+N-1 instead of 0..N-1 (the flows of one
 * chunk of a large set, tools/bench/lib.sh's establish_many). A frame that
 * the kernel did not take is sent again, not skipped: with --count, every
 * flow of the range goes out once.
 *
 * --start S begins the round at flow S of the N (default 0): runs that
 * start elsewhere do not all send the same first flows.
 * --routes N spreads the flows' far address over N bulk routes
 * (bench_route_host(): the inner destination, or with --reverse the inner
 * source), so that route lookups land inside the routes, not on the default.
 * --pairs N sends flow f between the bulk VNICs of pair f % N
 * (bench_pair(): VNI, inner source MAC and both inner addresses are the
 * pair's, --vni, --ismac, --isrc and --idst are not needed): N VNIC pairs
 * active at once.
 *
 * Prints one JSON object: {"sent": N, "errors": N, "seconds": S, "pps": R}.
 */
#include <errno.h>
#include <getopt.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench_pkt.h"

#define MAX_BATCH	256
#define FRAME_MAX	2048

struct gen {
	const char *dev;
	uint8_t smac[6], dmac[6], ismac[6], idmac[6];
	uint32_t src, dst, isrc, idst, vni;
	unsigned int size, flows, batch, first, routes, start, pairs;
	double seconds, pps;
	int reverse;
	unsigned long long count;
	int cpu;
	uint32_t isum;		/* inner UDP sum without the ports and flow */
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: vgen -i DEV --dmac MAC --src IP --dst IP --vni N\n"
		"            --ismac MAC --idmac MAC --isrc IP --idst IP\n"
		"            [--size BYTES] [--flows N] [--time SEC] [--batch N]\n"
		"            [--cpu N] [--pps RATE] [--count N] [--reverse]\n"
		"            [--first F] [--routes N] [--start S] [--pairs N]\n");
	exit(2);
}

/* Frame length on the wire (without FCS) for an inner IPv4 packet of @size. */
static unsigned int frame_len(const struct gen *g)
{
	return BENCH_OUTER_LEN + 14 + g->size;
}

/* Build the frame of flow 0 into @f; later flows patch it (set_flow). */
static void build(struct gen *g, uint8_t *f)
{
	unsigned int len = frame_len(g);
	struct iphdr *ip = (struct iphdr *)(f + 14);
	struct udphdr *udp = (struct udphdr *)(ip + 1);
	struct vgw_vxlanhdr *vx = (struct vgw_vxlanhdr *)(udp + 1);
	uint8_t *in = (uint8_t *)(vx + 1);
	struct iphdr *iip = (struct iphdr *)(in + 14);
	struct udphdr *iudp = (struct udphdr *)(iip + 1);
	struct bench_payload *pl = (struct bench_payload *)(iudp + 1);

	memset(f, 0, len);
	memcpy(f, g->dmac, 6);
	memcpy(f + 6, g->smac, 6);
	f[12] = 0x08;
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons((uint16_t)(len - 14));
	ip->frag_off = htons(IP_DF);
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->saddr = g->src;
	ip->daddr = g->dst;
	ip->check = bench_ip_csum(ip, 20);
	udp->dest = htons(VGW_VXLAN_PORT);
	udp->len = htons((uint16_t)(len - 14 - 20));
	vgw_vxlan_init(vx, g->vni);
	memcpy(in, g->idmac, 6);
	memcpy(in + 6, g->ismac, 6);
	in[12] = 0x08;
	iip->version = 4;
	iip->ihl = 5;
	iip->tot_len = htons((uint16_t)g->size);
	iip->ttl = 64;
	iip->protocol = IPPROTO_UDP;
	iip->saddr = g->isrc;
	iip->daddr = g->idst;
	iip->check = bench_ip_csum(iip, 20);
	iudp->len = htons((uint16_t)(g->size - 20));
	pl->magic = htonl(BENCH_MAGIC);
	/* Ports, flow number, checksum (and with --routes the far address)
	 * still 0: the rest's sum. */
	if (g->routes)
		*(g->reverse ? &iip->saddr : &iip->daddr) = 0;
	if (g->pairs)
		iip->saddr = iip->daddr = 0;
	g->isum = bench_udp4_sum(iip, iudp, g->size - 20);
}

static void set_flow(const struct gen *g, uint8_t *f, uint32_t flow)
{
	struct udphdr *udp = (struct udphdr *)(f + 14 + 20);
	uint8_t *in = f + BENCH_OUTER_LEN;
	struct udphdr *iudp = (struct udphdr *)(in + 14 + 20);
	struct bench_payload *pl = (struct bench_payload *)(iudp + 1);
	struct iphdr *iip = (struct iphdr *)(in + 14);
	uint32_t isum = g->isum;
	uint16_t sport, dport, sum;

	if (g->routes) {
		uint32_t *far = g->reverse ? &iip->saddr : &iip->daddr;

		*far = bench_route_host(flow, g->routes);
		iip->check = 0;
		iip->check = bench_ip_csum(iip, 20);
		isum = bench_sum(far, 4, isum);
	}
	if (g->pairs) {
		struct vgw_vxlanhdr *vx = (struct vgw_vxlanhdr *)(udp + 1);
		uint32_t from, to;

		bench_pair(flow, g->pairs, g->reverse, &from, &to);
		vgw_vxlan_init(vx, BENCH_BULK_VNI + from);
		bench_bulk_mac(from, in + 6);
		iip->saddr = bench_bulk_ip(from);
		iip->daddr = bench_bulk_ip(to);
		iip->check = 0;
		iip->check = bench_ip_csum(iip, 20);
		isum = bench_sum(&iip->saddr, 8, isum);
	}
	bench_flow_ports(flow, g->reverse, &sport, &dport);
	/* Outer source port: a hash of the inner ports, in 49152..65535. */
	udp->source = htons((uint16_t)(49152 + ((sport * 2654435761u) ^ dport) % 16384));
	iudp->source = htons(sport);
	iudp->dest = htons(dport);
	pl->flow = htonl(flow);
	sum = (uint16_t)~bench_fold(bench_sum(&iudp->source, 4, bench_sum(&pl->flow, 4, isum)));
	iudp->check = sum ? sum : 0xffff;
}

static int open_socket(struct gen *g)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	struct ifreq ifr = { 0 };
	int fd, one = 1, sndbuf = 4 << 20;

	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", g->dev);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		return -1;
	memcpy(g->smac, ifr.ifr_hwaddr.sa_data, 6);
	sll.sll_ifindex = (int)if_nametoindex(g->dev);
	if (!sll.sll_ifindex || bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		return -1;
	/* Straight to the driver: the veth has no queue worth measuring. */
	setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	return fd;
}

static int parse(struct gen *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dev", 1, 0, 'i' }, { "dmac", 1, 0, 'D' }, { "src", 1, 0, 's' },
		{ "dst", 1, 0, 'd' }, { "vni", 1, 0, 'v' }, { "ismac", 1, 0, 'S' },
		{ "idmac", 1, 0, 'M' }, { "isrc", 1, 0, 'a' }, { "idst", 1, 0, 'b' },
		{ "size", 1, 0, 'l' }, { "flows", 1, 0, 'f' }, { "time", 1, 0, 't' },
		{ "batch", 1, 0, 'B' }, { "cpu", 1, 0, 'c' }, { "pps", 1, 0, 'r' },
		{ "reverse", 0, 0, 'R' }, { "count", 1, 0, 'n' },
		{ "first", 1, 0, 'F' }, { "routes", 1, 0, 'o' },
		{ "start", 1, 0, 'A' }, { "pairs", 1, 0, 'P' }, { 0 }
	};
	int c, bad = 0;

	while ((c = getopt_long(argc, argv, "i:", opts, NULL)) != -1) {
		switch (c) {
		case 'i': g->dev = optarg; break;
		case 'D': bad |= bench_parse_mac(optarg, g->dmac); break;
		case 's': bad |= bench_parse_ip4(optarg, &g->src); break;
		case 'd': bad |= bench_parse_ip4(optarg, &g->dst); break;
		case 'v': g->vni = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'S': bad |= bench_parse_mac(optarg, g->ismac); break;
		case 'M': bad |= bench_parse_mac(optarg, g->idmac); break;
		case 'a': bad |= bench_parse_ip4(optarg, &g->isrc); break;
		case 'b': bad |= bench_parse_ip4(optarg, &g->idst); break;
		case 'l': g->size = (unsigned int)atoi(optarg); break;
		case 'f': g->flows = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 't': g->seconds = atof(optarg); break;
		case 'B': g->batch = (unsigned int)atoi(optarg); break;
		case 'c': g->cpu = atoi(optarg); break;
		case 'r': g->pps = atof(optarg); break;
		case 'R': g->reverse = 1; break;
		case 'n': g->count = strtoull(optarg, NULL, 0); break;
		case 'F': g->first = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'o': g->routes = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'A': g->start = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'P': g->pairs = (unsigned int)strtoul(optarg, NULL, 0); break;
		default: usage();
		}
	}
	if (bad || !g->dev || !g->dst ||
	    (!g->pairs && (!g->vni || !g->isrc || !g->idst)))
		usage();
	if (g->pairs && g->routes) {
		fprintf(stderr, "vgen: --pairs and --routes do not go together\n");
		return -1;
	}
	if (g->size < 20 + 8 + sizeof(struct bench_payload) ||
	    frame_len(g) > FRAME_MAX || !g->flows || !g->batch ||
	    g->batch > MAX_BATCH) {
		fprintf(stderr, "vgen: size, flows or batch out of range\n");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static uint8_t frames[MAX_BATCH][FRAME_MAX];
	struct mmsghdr msgs[MAX_BATCH];
	struct iovec iov[MAX_BATCH];
	struct gen g = { .size = 64, .flows = 1, .seconds = 5, .batch = 64, .cpu = -1 };
	unsigned long long sent = 0, errors = 0;
	uint32_t flow = 0;
	double t0, t, end;
	unsigned int i;
	int fd;

	if (parse(&g, argc, argv))
		return 2;
	if (g.cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(g.cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			perror("vgen: sched_setaffinity");
	}
	fd = open_socket(&g);
	if (fd < 0) {
		fprintf(stderr, "vgen: %s: %s\n", g.dev, strerror(errno));
		return 1;
	}
	for (i = 0; i < g.batch; i++) {
		build(&g, frames[i]);
		iov[i].iov_base = frames[i];
		iov[i].iov_len = frame_len(&g);
		memset(&msgs[i], 0, sizeof(msgs[i]));
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	flow = g.start % g.flows;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	t0 = now();
	end = t0 + g.seconds;
	for (t = t0; t < end && !stop && (!g.count || sent < g.count); t = now()) {
		int n;

		for (i = 0; i < g.batch; i++)
			set_flow(&g, frames[i], g.first + (flow + i) % g.flows);
		n = sendmmsg(fd, msgs, g.count && g.count - sent < g.batch ?
			     (unsigned int)(g.count - sent) : g.batch, 0);
		if (n < 0) {
			errors++;
			if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR) {
				perror("vgen: sendmmsg");
				return 1;
			}
			continue;
		}
		/* The next batch starts with the first frame not sent. */
		flow = (flow + (unsigned int)n) % g.flows;
		sent += (unsigned int)n;
		/* A fixed rate: sleep off the time ahead of schedule. */
		if (g.pps > 0) {
			double due = t0 + sent / g.pps;

			while (now() < due && !stop)
				usleep(100);
		}
	}
	t -= t0;
	printf("{\"sent\": %llu, \"errors\": %llu, \"seconds\": %.3f, \"pps\": %.0f}\n",
	       sent, errors, t, sent / t);
	return 0;
}
