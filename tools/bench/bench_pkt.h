/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench_pkt.h - what the benchmark's generator (vgen) puts in a packet and
 * its receiver (vrecv) checks, and the small parsers both need.
 *
 * A benchmark frame, as the NVD sends it:
 *   outer Ethernet | IPv4 (DF, TTL 64) | UDP (dst 4789, src from the inner
 *   flow) | VXLAN (VNI) | inner Ethernet | IPv4 | UDP | struct bench_payload
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

/* RFC 1071 checksum of an IPv4 header. */
static inline uint16_t bench_ip_csum(const void *hdr, int len)
{
	const uint16_t *p = hdr;
	uint32_t sum = 0;

	for (; len > 1; len -= 2)
		sum += *p++;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

#endif /* BENCH_PKT_H */
