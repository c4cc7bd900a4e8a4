// SPDX-License-Identifier: GPL-2.0
/*
 * fragtap: deliver a tunnel packet to this namespace's stack as a
 * non-linear skb, the way a NIC driver that receives into pages does.
 *
 *   fragtap --from ADDR --to ADDR [--dport N] [--frags N] [--mtu N] < HEX
 *
 * Reads a UDP payload in hex on stdin (what `craft --hex` prints: a tunnel
 * header and an inner frame), puts outer Ethernet, IPv4 (from --from to
 * --to, DF) and UDP (to --dport, default 4789; checksum zero) headers in
 * front, and writes the frame into a tap device made with IFF_NAPI_FRAGS.
 * Such a device builds the skb from the write's iovecs: the first is the
 * linear area, every other one a page fragment. Here the first holds only
 * the outer Ethernet header and the rest of the frame is cut into N
 * fragments of about equal size (--frags, default 16, at most 16), so the
 * skb's linear area is exactly what the stack and vnicgw pull into it and
 * a read past it reads memory that is not the packet.
 *
 * The tap ("fragtap0", up, MTU --mtu, default 9000) lives as long as the
 * program: the packet has been through the stack (and vnicgw) when the
 * write returns. Exit status 0 when written.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <net/if_arp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define MAX_FRAME	9200
#define MAX_FRAGS	16	/* MAX_SKB_FRAGS is 17: room for one more */
#define DEV		"fragtap0"

static void __attribute__((noreturn)) fail(const char *what)
{
	fprintf(stderr, "fragtap: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr, "usage: fragtap --from ADDR --to ADDR [--dport N] "
		"[--frags N] [--mtu N] < HEX\n");
	exit(64);
}

static uint16_t ip_csum(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += p[i] << 8 | p[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

/* The payload's bytes from hex text (whitespace ignored). */
static size_t read_hex(uint8_t *out, size_t max)
{
	size_t n = 0;
	int c, hi = -1;

	while ((c = getchar()) != EOF) {
		int v;

		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v = c - 'A' + 10;
		else
			continue;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n == max) {
			fprintf(stderr, "fragtap: payload too long\n");
			exit(64);
		}
		out[n++] = hi << 4 | v;
		hi = -1;
	}
	return n;
}

/* The tap, up, with IFF_NAPI_FRAGS; its MAC in @mac. */
static int tap_open(int mtu, uint8_t *mac)
{
	struct ifreq ifr;
	int fd, s;

	fd = open("/dev/net/tun", O_RDWR);
	if (fd < 0)
		fail("/dev/net/tun");
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_NAPI | IFF_NAPI_FRAGS;
	strncpy(ifr.ifr_name, DEV, IFNAMSIZ - 1);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		fail("TUNSETIFF (IFF_NAPI_FRAGS needs CAP_NET_ADMIN)");
	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0)
		fail("socket");
	ifr.ifr_mtu = mtu;
	if (ioctl(s, SIOCSIFMTU, &ifr) < 0)
		fail("SIOCSIFMTU");
	if (ioctl(s, SIOCGIFHWADDR, &ifr) < 0)
		fail("SIOCGIFHWADDR");
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		fail("SIOCGIFFLAGS");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		fail("SIOCSIFFLAGS");
	close(s);
	return fd;
}

int main(int argc, char **argv)
{
	static uint8_t frame[MAX_FRAME];
	struct iovec iov[1 + MAX_FRAGS];
	const char *from = NULL, *to = NULL;
	int dport = 4789, frags = MAX_FRAGS, mtu = 9000, fd, i, niov;
	struct in_addr src, dst;
	size_t plen, len, rest, off, step;
	uint8_t *ip, *udp, mac[6];

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v)
			usage();
		i++;
		if (!strcmp(a, "--from"))
			from = v;
		else if (!strcmp(a, "--to"))
			to = v;
		else if (!strcmp(a, "--dport"))
			dport = atoi(v);
		else if (!strcmp(a, "--frags"))
			frags = atoi(v);
		else if (!strcmp(a, "--mtu"))
			mtu = atoi(v);
		else
			usage();
	}
	if (!from || !to || inet_pton(AF_INET, from, &src) != 1 ||
	    inet_pton(AF_INET, to, &dst) != 1 || frags < 1 ||
	    frags > MAX_FRAGS || dport < 1 || dport > 65535)
		usage();
	plen = read_hex(frame + 14 + 20 + 8, MAX_FRAME - 14 - 20 - 8);
	if (!plen)
		usage();
	len = 14 + 20 + 8 + plen;
	fd = tap_open(mtu, mac);

	/* Outer Ethernet: to the tap, from a made-up underlay neighbour. */
	memcpy(frame, mac, 6);
	memcpy(frame + 6, "\x02\x00\x00\xfa\xa9\x01", 6);
	frame[12] = 0x08;
	frame[13] = 0x00;
	ip = frame + 14;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[2] = (len - 14) >> 8;
	ip[3] = len - 14;
	ip[4] = 0x12;
	ip[5] = 0x34;
	ip[6] = 0x40;		/* DF */
	ip[8] = 64;
	ip[9] = IPPROTO_UDP;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	{
		uint16_t c = ip_csum(ip, 20);

		ip[10] = c >> 8;
		ip[11] = c;
	}
	udp = ip + 20;
	udp[0] = 0xc0;		/* source port 49152 */
	udp[1] = 0x00;
	udp[2] = dport >> 8;
	udp[3] = dport;
	udp[4] = (8 + plen) >> 8;
	udp[5] = 8 + plen;
	udp[6] = udp[7] = 0;	/* no checksum (IPv4) */

	/* Linear: the Ethernet header only; the rest in page fragments. */
	iov[0] = (struct iovec){ frame, 14 };
	rest = len - 14;
	if ((size_t)frags > rest)
		frags = rest;
	step = (rest + frags - 1) / frags;
	for (off = 14, niov = 1; off < len; off += step, niov++)
		iov[niov] = (struct iovec){ frame + off,
					    len - off < step ? len - off : step };
	if (writev(fd, iov, niov) != (ssize_t)len)
		fail("writev");
	printf("wrote %zu bytes: %zu linear, %d fragments of at most %zu\n",
	       len, iov[0].iov_len, niov - 1, step);
	close(fd);
	return 0;
}
