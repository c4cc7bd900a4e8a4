/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench_pkt.h - what the benchmark's generator (vgen) puts in a packet and
 * its receiver (vrecv) checks, and the small parsers both need.
 *
 * A benchmark frame, as the NVD sends it:
 *   outer Ethernet | IPv4 (DF, TTL 64) | UDP (dst 4789, src from the inner
 *   flow, checksum 0) | VXLAN (VNI) | inner Ethernet | IPv4 (TTL 64) | UDP
 *   (ports from the flow number: bench_flow_ports(), with a checksum) |
 *   struct bench_payload
 * The payload survives every system under test unchanged (NAT rewrites
 * addresses and ports, never the payload), so the receiver tells a
 * benchmark packet and its flow from the payload alone.
 */
#ifndef BENCH_PKT_H
#define BENCH_PKT_H

#include <arpa/inet.h>
#include <net/ethernet.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <vgw/wire.h>

#define BENCH_MAGIC	0x76676231u	/* "vgb1" */

struct bench_payload {
	uint32_t magic;		/* BENCH_MAGIC, network order */
	uint32_t flow;		/* flow number, 0..flows-1, network order */
};

/* Outer and inner headers before the inner UDP payload. */
#define BENCH_OUTER_LEN	(14 + 20 + 8 + VGW_VXLAN_HLEN)
#define BENCH_INNER_HDRS (14 + 20 + 8)

static inline int bench_parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int m[6];
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4],
		   &m[5]) != 6)
		return -1;
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)m[i];
	return 0;
}

static inline int bench_parse_ip4(const char *s, uint32_t *a)
{
	struct in_addr in;

	if (inet_pton(AF_INET, s, &in) != 1)
		return -1;
	*a = in.s_addr;
	return 0;
}

/* Flow @flow's inner ports, host order (replies: swapped). */
static inline void bench_flow_ports(uint32_t flow, int reverse, uint16_t *sport,
				    uint16_t *dport)
{
	uint16_t s = (uint16_t)(1024 + flow % 60000);
	uint16_t d = (uint16_t)(5001 + flow / 60000);

	*sport = reverse ? d : s;
	*dport = reverse ? s : d;
}

/*
 * Flow @flow's far address when the flows spread over @n bulk routes
 * (tools/bench/lib.sh's bulk_routes: route j is
 * (20 + j / 65536).(j / 256 % 256).(j % 256).0/24): host .10 of route
 * (flow * 7919) % n, network order. The far address is the inner
 * destination of what the instance sends, the source of the replies.
 */
static inline uint32_t bench_route_host(uint32_t flow, uint32_t n)
{
	uint32_t j = (uint32_t)((uint64_t)flow * 7919 % n);

	return htonl((20 + j / 65536) << 24 | (j / 256 % 256) << 16 |
		     (j % 256) << 8 | 10);
}

/*
 * The bulk VNICs of the scale scenarios (as tools/bench/lib.sh and the sys-*.sh render them):
 * VNIC i has address 10.(64 + k / 65536).(k / 256 % 256).(k % 256) with
 * k = 10 + i, MAC 02:00 and its address, VNI 200000 + i, and its NVD is
 * instance a's (10.0.0.21) for even i, instance b's (10.0.0.22) for odd i.
 * VNIC pair p (--pairs) is 2p -> 2p + 1: from nvd1's side to nvd2's.
 */
#define BENCH_BULK_VNI	200000u

static inline uint32_t bench_bulk_ip(uint32_t i)
{
	uint32_t k = 10 + i;

	return htonl(10u << 24 | (64 + k / 65536) << 16 | (k / 256 % 256) << 8 |
		     (k % 256));
}

static inline void bench_bulk_mac(uint32_t i, uint8_t mac[6])
{
	uint32_t a = bench_bulk_ip(i);

	mac[0] = 0x02;
	mac[1] = 0x00;
	memcpy(mac + 2, &a, 4);
}

/* Flow @flow's pair of @pairs: the VNIC that sends it (@reverse: a reply,
 * from the pair's second VNIC) and the one it is for. */
static inline void bench_pair(uint32_t flow, uint32_t pairs, int reverse,
			      uint32_t *from, uint32_t *to)
{
	uint32_t p = flow % pairs;

	*from = reverse ? 2 * p + 1 : 2 * p;
	*to = reverse ? 2 * p : 2 * p + 1;
}

/* RFC 1071: the one's complement sum of @len bytes at @p added to @sum,
 * unfolded (16-bit words as they lie in memory). */
static inline uint32_t bench_sum(const void *p, unsigned int len, uint32_t sum)
{
	const uint8_t *b = p;
	uint16_t w;

	for (; len > 1; len -= 2, b += 2) {
		memcpy(&w, b, 2);
		sum += w;
	}
	if (len) {
		uint8_t last[2] = { b[0], 0 };

		memcpy(&w, last, 2);
		sum += w;
	}
	return sum;
}

static inline uint16_t bench_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* The unfolded sum of an IPv4 UDP pseudo-header and @ulen bytes of UDP at
 * @udp (the checksum field included as it is). */
static inline uint32_t bench_udp4_sum(const struct iphdr *ip, const void *udp,
				      unsigned int ulen)
{
	uint32_t sum = bench_sum(&ip->saddr, 8, 0);

	sum += htons(IPPROTO_UDP) + htons((uint16_t)ulen);
	return bench_sum(udp, ulen, sum);
}

/* RFC 1071 checksum of an IPv4 header (0 over a header with a right one). */
static inline uint16_t bench_ip_csum(const void *hdr, int len)
{
	return (uint16_t)~bench_fold(bench_sum(hdr, (unsigned int)len, 0));
}

#endif /* BENCH_PKT_H */
