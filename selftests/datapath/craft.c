// SPDX-License-Identifier: GPL-2.0
/*
 * craft: send one hand-made tunnel packet (VXLAN or Geneve, with an inner
 * Ethernet frame) as the payload of an ordinary UDP datagram, the way an NVD
 * or a gateway would, but with any field wrong on purpose. The outer IP and
 * UDP headers are the kernel's: the datagram leaves from --from (an address
 * of this namespace) to --to (a VIP), so the outer source is never the
 * thing under test here.
 *
 *   craft --from ADDR --to ADDR (--vxlan VNI | --geneve VNI) [options]
 *
 * Tunnel header:
 *   --flags N            VXLAN flags byte (default 0x08: the I flag)
 *   --geneve-version N   Geneve version (default 0)
 *   --geneve-proto N     Geneve protocol type (default 0x6558, Ethernet)
 *   --geneve-flags N     Geneve flags byte (0x80 O: control, 0x40 C:
 *                        critical options; default: C if an option is)
 *   --opt CLASS:TYPE:LEN Geneve option with LEN bytes of data (a multiple
 *                        of 4); TYPE with bit 0x80 set is critical, and
 *                        then the header's C flag is set too. Repeatable.
 *   --opt-len N          Geneve opt_len field in 4-byte words (default:
 *                        the length of the options given)
 *   --dport N            outer UDP port (default 4789 or 6081)
 * Inner frame:
 *   --smac MAC --dmac MAC   (--dmac default 02:00:00:00:00:01)
 *   --ethertype N        override the EtherType
 *   --arp TARGET         an ARP request for TARGET from --smac/--src
 *   --src IP --dst IP    IPv4 or IPv6 packet
 *   --proto udp|tcp|icmp UDP datagram, TCP segment (a SYN unless told),
 *                        ICMP/ICMPv6 echo request
 *   --tcp-flags FLAGS    TCP flags, letters of FSRPAU (default S)
 *   --seq N --ack N      TCP sequence and acknowledgement numbers (default
 *                        1 and 0)
 *   --win N              TCP window field (default 65535)
 *   --sport N --dport-in N  ports (default 40000, 7000)
 *   --ttl N              IPv4 TTL / IPv6 hop limit (default 64)
 *   --df                 IPv4 don't-fragment flag
 *   --ip-options N       N bytes of IPv4 options (NOPs then an end), N % 4 == 0
 *   --frag OFFSET[:mf]   IPv4 fragment offset (8-byte units) and MF flag;
 *                        with --ext6 frag, the IPv6 fragment header's
 *   --frag-id N          IPv4 identification / IPv6 fragment header
 *                        identification (default 0x1234)
 *   --ext6 LIST          IPv6 extension headers, in this order, between the
 *                        fixed header and the L4 header: a comma-separated
 *                        list of hop (hop-by-hop options), dest (destination
 *                        options), rt (routing, type 253, segments left 0),
 *                        frag (fragment header, as --frag and --frag-id).
 *                        The options headers carry one PadN; the L4
 *                        checksum is over the L4 header and payload given,
 *                        even in a fragment
 *   --ihl N              override the IPv4 header length field
 *   --ip-len N           override IPv4 total length / IPv6 payload length
 *   --payload TEXT       L4 payload (default "craft")
 * Sending:
 *   --truncate N         send only the first N bytes of the UDP payload
 *   --count N            send N copies (default 1)
 *   --hex                print the UDP payload in hex instead of sending
 *   --spoof              send from --from even though this namespace does
 *                        not have that address (IP_TRANSPARENT)
 *
 * Checksums (IPv4 header, UDP, TCP, ICMP, ICMPv6) are correct unless a
 * length override makes them meaningless. Exit status 0 when sent.
 *
 * vnicgw's own cluster messages (vgw/cluster_wire.h), as a member would send
 * them (with --geneve):
 *   --handoff SRC,DST[,ENCAP]  a handoff option: the frame "arrived" from
 *                        outer source SRC on VIP DST over tunnel ENCAP (0
 *                        VXLAN, the default, or 1 Geneve)
 *   --ct-rec VNIC,PROTO,SRC,SPORT,DST,DPORT[,TTL]
 *                        a state message instead of a frame: a tracking
 *                        record of VNIC (its id) for the connection opened
 *                        by a packet SRC:SPORT -> DST:DPORT (PROTO udp, tcp,
 *                        icmp or a number), state new, TTL s (default 3600)
 *   --nat-rec VNIC,PROTO,PRIV,PPORT,REMOTE,RPORT,PUB,PUBPORT[,TTL]
 *                        a NAT mapping record likewise
 *   --records N          N records (default 1): record i has the source
 *                        port (CT) or the private and public ports (NAT)
 *                        plus i % 50000, and the last address word of the
 *                        source (CT) or private address (NAT) plus i / 50000;
 *                        16 a message, as vnicgw sends them
 *   --state-ask          send a member's ask for state instead of records:
 *                        a state message with VGW_STATE_F_ASK, count 0
 *                        (or --state-count) and no record
 *   --state-flags N      the flags byte of each state message (default:
 *                        VGW_STATE_F_ASK with --state-ask, else 0)
 *   --state-count N      the count field of each state message says N
 *                        (whatever it carries): a lie for the receiver
 *   --holders IDS[,SIZE[,BACKUPS]]
 *                        print "OWNER BACKUP" (and the second backup with
 *                        BACKUPS 2) of the first record's flow in the owner
 *                        table of the member ids IDS (":"-separated) with
 *                        SIZE slots (default 65537), as the kernel computes
 *                        them, and send nothing
 *   --auth ID:SECRET     sign each message with this key (vgw/auth.h): an
 *                        authentication option after the others
 *   --auth-seq N         the first message's sequence number (default: the
 *                        time in ns); one more for each message, except
 *                        that --count repeats a message as it is
 *   --auth-time-delta S  the option's clock: now plus S seconds (S < 0: past)
 *   --auth-as ADDR       make the tag as if the message came from ADDR
 *   --auth-to ADDR       ... or went to ADDR
 *   --auth-corrupt N     after signing, flip a bit of byte N of the UDP
 *                        payload (1-based; N < 0: counted from the end)
 *   --auth-append N      after signing, N bytes more at the end
 *   --bytes HEX          send HEX as the UDP payload, as it is (a recording
 *                        made with --hex, played again)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <time.h>

#include <linux/vnicgw.h>
#include <vgw/auth.h>
#include <vgw/cluster_wire.h>

#include "owner.h"

#define MAX_PKT		65536
#define MAX_OPTS	8
#define MAX_EXT6	16

struct gopt {
	uint16_t cls;
	uint8_t type;
	uint8_t len;	/* data bytes */
};

struct spec {
	const char *from, *to;
	bool geneve;
	uint32_t vni;
	int flags;
	int gversion, gproto, opt_len, gflags;
	struct gopt opts[MAX_OPTS];
	int nopts;
	int outer_dport;
	uint8_t smac[6], dmac[6];
	int ethertype;
	const char *arp_target;
	const char *src, *dst;
	int proto;	/* IPPROTO_UDP, _TCP, _ICMP (ICMPv6 for IPv6) */
	int sport, dport;
	int ttl;
	bool df;
	int ip_options;
	int frag_off;
	bool frag_mf;
	uint32_t frag_id;
	int ext6[MAX_EXT6];	/* IPv6 extension header types, in order */
	int next6;
	int ihl, ip_len;
	const char *payload;
	struct tcp_fields {
		uint8_t flags;
		uint32_t seq, ack;
		uint16_t win;
	} tcp;
	int truncate;
	int count;
	bool hex;
	bool spoof;		/* --spoof */
	struct cluster_spec {		/* vnicgw's own options: --handoff ... */
		int handoff_opt;	/* index in opts, or -1 */
		struct vgw_handoff_opt handoff;
		struct vgw_state_rec rec;	/* the template */
		bool have_rec;
		int records;
		int count;		/* --state-count, or -1 */
		int state_flags;	/* --state-flags */
		bool ask;		/* --state-ask */
		const char *holders;
		bool auth;		/* --auth */
		uint8_t key_id, key[VGW_AUTH_KEY_LEN];
		uint64_t seq;
		long time_delta;
		const char *auth_as, *auth_to;
		long corrupt;		/* byte N (1-based; < 0: from the end) */
		int append;		/* bytes added after signing */
	} cl;
};

static void __attribute__((noreturn)) usage(const char *why)
{
	fprintf(stderr, "craft: %s\n"
		"usage: craft --from ADDR --to ADDR (--vxlan VNI | --geneve VNI) [options]\n"
		"(options: see the comment at the top of craft.c)\n", why);
	exit(64);
}

static long number(const char *s, long max)
{
	char *end;
	long v = strtol(s, &end, 0);

	if (!*s || *end || v < 0 || v > max)
		usage(s);
	return v;
}

static void parse_mac(const char *s, uint8_t *mac)
{
	if (sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1],
		   &mac[2], &mac[3], &mac[4], &mac[5]) != 6)
		usage(s);
}

/* The Internet checksum of buf, added to sum (not folded, not inverted). */
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
	return htons(~sum & 0xffff);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void put64be(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = v >> (56 - 8 * i);
}

/* Tunnel header at p; returns its length. */
static size_t tunnel_header(const struct spec *s, uint8_t *p)
{
	size_t optbytes = 0, off;
	bool critical = false;
	int i;

	if (!s->geneve) {
		memset(p, 0, 8);
		p[0] = s->flags;
		p[4] = s->vni >> 16;
		p[5] = s->vni >> 8;
		p[6] = s->vni;
		return 8;
	}
	for (i = 0; i < s->nopts; i++)
		optbytes += 4 + s->opts[i].len;
	memset(p, 0, 8 + optbytes);
	p[0] = (s->gversion << 6) |
	       ((s->opt_len >= 0 ? s->opt_len : (int)optbytes / 4) & 0x3f);
	put16(p + 2, s->gproto);
	p[4] = s->vni >> 16;
	p[5] = s->vni >> 8;
	p[6] = s->vni;
	off = 8;
	for (i = 0; i < s->nopts; i++) {
		const struct gopt *o = &s->opts[i];

		put16(p + off, o->cls);
		p[off + 2] = o->type;
		p[off + 3] = o->len / 4;
		memset(p + off + 4, 0xa0 + i, o->len);
		critical |= o->type & 0x80;
		off += 4 + o->len;
	}
	if (critical)
		p[1] |= 0x40;
	p[1] |= s->gflags;
	return off;
}

/* The TCP header's own options (--tcp-flags, --seq, --ack, --win); false: not one. */
static bool tcp_option(struct tcp_fields *t, const char *a, const char *v)
{
	static const char letters[] = "FSRPAU";	/* bit 0 upwards */
	const char *c;
	char *end;
	unsigned long n;

	if (!strcmp(a, "--tcp-flags")) {
		t->flags = 0;
		for (; *v; v++) {
			c = strchr(letters, *v);
			if (!c)
				usage(v);
			t->flags |= 1 << (c - letters);
		}
		return true;
	}
	if (strcmp(a, "--seq") && strcmp(a, "--ack") && strcmp(a, "--win"))
		return false;
	errno = 0;
	n = strtoul(v, &end, 0);
	if (!*v || *end || errno || n > (strcmp(a, "--win") ? 0xffffffffUL : 0xffff))
		usage(v);
	if (!strcmp(a, "--seq"))
		t->seq = n;
	else if (!strcmp(a, "--ack"))
		t->ack = n;
	else
		t->win = n;
	return true;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

static size_t arp_request(const struct spec *s, uint8_t *p)
{
	struct in_addr spa, tpa;

	if (!s->src || inet_pton(AF_INET, s->src, &spa) != 1 ||
	    inet_pton(AF_INET, s->arp_target, &tpa) != 1)
		usage("--arp needs IPv4 --src and TARGET");
	put16(p, 1);		/* Ethernet */
	put16(p + 2, 0x0800);
	p[4] = 6;
	p[5] = 4;
	put16(p + 6, 1);	/* request */
	memcpy(p + 8, s->smac, 6);
	memcpy(p + 14, &spa, 4);
	memset(p + 18, 0, 6);
	memcpy(p + 24, &tpa, 4);
	return 28;
}

/*
 * The L4 header and payload at p, checksummed with the pseudo-header sum
 * psum (which does not yet include the length). Returns the length.
 */
static size_t l4(const struct spec *s, uint8_t *p, uint32_t psum, bool v6)
{
	size_t plen = strlen(s->payload), hl;
	uint16_t ck;

	switch (s->proto) {
	case IPPROTO_UDP:
		hl = 8;
		memcpy(p + hl, s->payload, plen);
		put16(p, s->sport);
		put16(p + 2, s->dport);
		put16(p + 4, hl + plen);
		put16(p + 6, 0);
		ck = csum_fold(csum_add(psum + hl + plen, p, hl + plen));
		memcpy(p + 6, &ck, 2);
		if (!ck)	/* 0 means "no checksum" */
			put16(p + 6, 0xffff);
		return hl + plen;
	case IPPROTO_TCP:
		hl = 20;
		memset(p, 0, hl);
		memcpy(p + hl, s->payload, plen);
		put16(p, s->sport);
		put16(p + 2, s->dport);
		put32(p + 4, s->tcp.seq);
		put32(p + 8, s->tcp.ack);
		p[12] = 5 << 4;		/* data offset */
		p[13] = s->tcp.flags;
		put16(p + 14, s->tcp.win);
		ck = csum_fold(csum_add(psum + hl + plen, p, hl + plen));
		memcpy(p + 16, &ck, 2);
		return hl + plen;
	default:		/* echo request */
		hl = 8;
		memset(p, 0, hl);
		memcpy(p + hl, s->payload, plen);
		p[0] = v6 ? 128 : 8;
		put16(p + 4, 0x4242);	/* identifier */
		put16(p + 6, 1);	/* sequence */
		ck = csum_fold(csum_add(v6 ? psum + hl + plen : 0, p, hl + plen));
		memcpy(p + 2, &ck, 2);
		return hl + plen;
	}
}

static size_t ipv4(const struct spec *s, uint8_t *p)
{
	struct in_addr sa, da;
	size_t hl = 20 + s->ip_options, len;
	uint32_t psum;
	uint16_t ck;

	if (inet_pton(AF_INET, s->src, &sa) != 1 ||
	    inet_pton(AF_INET, s->dst, &da) != 1)
		usage("--src and --dst must be of one family");
	memset(p, 0, hl);
	if (s->ip_options) {
		memset(p + 20, 1, s->ip_options - 1);	/* NOP ... */
		p[hl - 1] = 0;				/* ... end */
	}
	psum = csum_add(0, &sa, 4);
	psum = csum_add(psum, &da, 4);
	psum += s->proto;
	len = hl + l4(s, p + hl, psum, false);
	p[0] = 0x40 | ((s->ihl ? s->ihl : (int)hl / 4) & 0xf);
	put16(p + 2, s->ip_len ? s->ip_len : (int)len);
	put16(p + 4, s->frag_id);
	put16(p + 6, (s->df ? 0x4000 : 0) | (s->frag_mf ? 0x2000 : 0) |
		     (s->frag_off & 0x1fff));
	p[8] = s->ttl;
	p[9] = s->proto;
	memcpy(p + 12, &sa, 4);
	memcpy(p + 16, &da, 4);
	ck = csum_fold(csum_add(0, p, hl));
	memcpy(p + 10, &ck, 2);
	return len;
}

/*
 * The IPv6 extension headers of --ext6 at p, the last one's next header
 * @l4proto; returns their length. Each is 8 bytes: an options header holds
 * a PadN option of 4 bytes, the routing header an unknown type (253, RFC
 * 4727's experiment) with no segments left, which a receiver ignores (RFC
 * 8200 section 4.4).
 */
static size_t ext6_headers(const struct spec *s, uint8_t *p, int l4proto)
{
	size_t off = 0;
	int i;

	for (i = 0; i < s->next6; i++, off += 8) {
		uint8_t *h = p + off;

		memset(h, 0, 8);
		h[0] = i + 1 < s->next6 ? s->ext6[i + 1] : l4proto;
		switch (s->ext6[i]) {
		case 0:		/* hop-by-hop */
		case 60:	/* destination options */
			h[2] = 1;	/* PadN */
			h[3] = 4;
			break;
		case 43:	/* routing */
			h[2] = 253;
			break;
		case 44:	/* fragment */
			put16(h + 2, (s->frag_off << 3) | s->frag_mf);
			put16(h + 4, s->frag_id >> 16);
			put16(h + 6, s->frag_id);
			break;
		}
	}
	return off;
}

static void parse_ext6(struct spec *s, char *list)
{
	char *w, *save = NULL;

	for (w = strtok_r(list, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		if (s->next6 == MAX_EXT6)
			usage("too many --ext6 headers");
		if (!strcmp(w, "hop"))
			s->ext6[s->next6++] = 0;
		else if (!strcmp(w, "dest"))
			s->ext6[s->next6++] = 60;
		else if (!strcmp(w, "rt"))
			s->ext6[s->next6++] = 43;
		else if (!strcmp(w, "frag"))
			s->ext6[s->next6++] = 44;
		else
			usage(w);
	}
}

static size_t ipv6(const struct spec *s, uint8_t *p)
{
	struct in6_addr sa, da;
	int nh = s->proto == IPPROTO_ICMP ? IPPROTO_ICMPV6 : s->proto;
	uint32_t psum;
	size_t len, xl;

	if (inet_pton(AF_INET6, s->src, &sa) != 1 ||
	    inet_pton(AF_INET6, s->dst, &da) != 1)
		usage("--src and --dst must be of one family");
	memset(p, 0, 40);
	psum = csum_add(0, &sa, 16);
	psum = csum_add(psum, &da, 16);
	psum += nh;
	xl = ext6_headers(s, p + 40, nh);
	len = xl + l4(s, p + 40 + xl, psum, true);
	p[0] = 0x60;
	put16(p + 4, s->ip_len ? s->ip_len : (int)len);
	p[6] = s->next6 ? s->ext6[0] : nh;
	p[7] = s->ttl;
	memcpy(p + 8, &sa, 16);
	memcpy(p + 24, &da, 16);
	return 40 + len;
}

static size_t build(const struct spec *s, uint8_t *p)
{
	size_t off = tunnel_header(s, p);
	bool v6 = s->src && strchr(s->src, ':');
	int et = s->arp_target ? 0x0806 : v6 ? 0x86dd : 0x0800;

	memcpy(p + off, s->dmac, 6);
	memcpy(p + off + 6, s->smac, 6);
	put16(p + off + 12, s->ethertype >= 0 ? s->ethertype : et);
	off += 14;
	if (s->arp_target)
		return off + arp_request(s, p + off);
	if (!s->src || !s->dst)
		usage("an inner packet needs --src and --dst (or --arp)");
	return off + (v6 ? ipv6(s, p + off) : ipv4(s, p + off));
}

static int send_it(const struct spec *s, const uint8_t *p, size_t len)
{
	struct sockaddr_storage src = { 0 }, dst = { 0 };
	struct sockaddr_in *s4 = (void *)&src, *d4 = (void *)&dst;
	struct sockaddr_in6 *s6 = (void *)&src, *d6 = (void *)&dst;
	socklen_t sl;
	int fd, i, one = 1;

	if (inet_pton(AF_INET, s->from, &s4->sin_addr) == 1 &&
	    inet_pton(AF_INET, s->to, &d4->sin_addr) == 1) {
		s4->sin_family = d4->sin_family = AF_INET;
		d4->sin_port = htons(s->outer_dport);
		sl = sizeof(*s4);
	} else if (inet_pton(AF_INET6, s->from, &s6->sin6_addr) == 1 &&
		   inet_pton(AF_INET6, s->to, &d6->sin6_addr) == 1) {
		s6->sin6_family = d6->sin6_family = AF_INET6;
		d6->sin6_port = htons(s->outer_dport);
		sl = sizeof(*s6);
	} else {
		usage("--from and --to must be addresses of one family");
	}
	fd = socket(src.ss_family, SOCK_DGRAM, 0);
	/* --spoof: a source address this namespace does not have. */
	if (fd >= 0 && s->spoof &&
	    (src.ss_family == AF_INET ?
	     setsockopt(fd, SOL_IP, IP_TRANSPARENT, &one, sizeof(one)) :
	     setsockopt(fd, SOL_IPV6, IPV6_TRANSPARENT, &one, sizeof(one)))) {
		fprintf(stderr, "craft: IP_TRANSPARENT: %s\n", strerror(errno));
		return 2;
	}
	if (fd < 0 || bind(fd, (void *)&src, sl) < 0) {
		fprintf(stderr, "craft: bind %s: %s\n", s->from, strerror(errno));
		return 2;
	}
	for (i = 0; i < s->count; i++) {
		if (sendto(fd, p, len, 0, (void *)&dst, sl) != (ssize_t)len) {
			fprintf(stderr, "craft: send: %s\n", strerror(errno));
			return 2;
		}
	}
	close(fd);
	return 0;
}

/* --- vnicgw's cluster messages ------------------------------------------ */

/* The kernel's vgw_obj_hash() of a VNIC id (kmod/snap.c, kmod/pmap.c). */
static uint64_t vnic_hash(const char *id)
{
	return vgw_owner_hash(id, strlen(id),
			       0x766e6963ULL * (VNICGW_OBJ_VNIC + 1));
}

/* An address into 16 bytes (IPv4 in the first 4); its family 4 or 6. */
static int addr16(const char *s, uint8_t *b)
{
	memset(b, 0, 16);
	if (inet_pton(AF_INET, s, b) == 1)
		return 4;
	if (inet_pton(AF_INET6, s, b) == 1)
		return 6;
	usage(s);
}

static int proto_of(const char *s)
{
	if (!strcmp(s, "udp"))
		return IPPROTO_UDP;
	if (!strcmp(s, "tcp"))
		return IPPROTO_TCP;
	if (!strcmp(s, "icmp"))
		return IPPROTO_ICMP;
	return number(s, 255);
}

/* Split @v at commas into at most @max fields; returns how many. */
static int fields(char *v, char **f, int max)
{
	int n = 0;

	while (v && n < max) {
		f[n++] = v;
		v = strchr(v, ',');
		if (v)
			*v++ = 0;
	}
	return n;
}

/* A CT record's canonical key from the opening packet's direction. */
static void ct_key(struct vgw_state_rec *r, const uint8_t *a, int pa,
		   const uint8_t *b, int pb, int fam)
{
	struct vgw_flow_key *k = &r->flow;

	if (fam == 4)
		vgw_flow_key_init_ipv4(k, *(const uint32_t *)a,
				       *(const uint32_t *)b, r->proto);
	else
		vgw_flow_key_init_ipv6(k, (const uint32_t *)a,
				       (const uint32_t *)b, r->proto);
	vgw_flow_key_set_ports(k, htons(pa), htons(pb));
	r->flags = 0;
	if (vgw_flow_key_reversed(k)) {
		vgw_flow_key_reverse(k);
		r->flags = 1;	/* opened from daddr to saddr */
	}
}

static bool cluster_option(struct spec *s, const char *a, const char *v)
{
	struct vgw_state_rec *r = &s->cl.rec;
	static char buf[4][512];
	static int nbuf;
	char *f[10];
	int n;

	if (nbuf == 4 || strlen(v) >= sizeof(buf[0]))
		usage(v);
	if (!strcmp(a, "--records")) {
		s->cl.records = number(v, 10000000);
		return s->cl.records > 0 || (usage(v), false);
	}
	if (!strcmp(a, "--state-count")) {
		s->cl.count = number(v, 255);
		return true;
	}
	if (!strcmp(a, "--state-flags")) {
		s->cl.state_flags = number(v, 255);
		return true;
	}
	if (!strcmp(a, "--holders")) {
		s->cl.holders = v;
		return true;
	}
	if (!strcmp(a, "--auth")) {
		const char *hex = strchr(v, ':');
		int i;

		char id[8];

		if (!hex || hex - v >= (long)sizeof(id) ||
		    strlen(hex + 1) != 2 * VGW_AUTH_KEY_LEN)
			usage(v);
		memcpy(id, v, hex - v);
		id[hex - v] = 0;
		s->cl.key_id = number(id, 255);
		for (i = 0; i < VGW_AUTH_KEY_LEN; i++)
			if (sscanf(hex + 1 + 2 * i, "%2hhx", &s->cl.key[i]) != 1)
				usage(v);
		s->cl.auth = true;
		return true;
	}
	if (!strcmp(a, "--auth-seq")) {
		char *end;

		s->cl.seq = strtoull(v, &end, 10);
		return !*end || (usage(v), false);
	}
	if (!strcmp(a, "--auth-time-delta")) {
		char *end;

		s->cl.time_delta = strtol(v, &end, 10);
		return !*end || (usage(v), false);
	}
	if (!strcmp(a, "--auth-as")) {
		s->cl.auth_as = v;
		return true;
	}
	if (!strcmp(a, "--auth-to")) {
		s->cl.auth_to = v;
		return true;
	}
	if (!strcmp(a, "--auth-corrupt")) {
		char *end;

		s->cl.corrupt = strtol(v, &end, 10);
		return (!*end && s->cl.corrupt) || (usage(v), false);
	}
	if (!strcmp(a, "--auth-append")) {
		s->cl.append = number(v, 60000);
		return true;
	}
	strcpy(buf[nbuf], v);
	if (!strcmp(a, "--handoff")) {
		struct vgw_handoff_opt *h = &s->cl.handoff;

		n = fields(buf[nbuf++], f, 3);
		if (n < 2 || s->nopts == MAX_OPTS)
			usage(v);
		h->family = addr16(f[0], h->src);
		if (addr16(f[1], h->dst) != h->family)
			usage(v);
		h->encap = n > 2 ? number(f[2], 255) : 0;
		s->cl.handoff_opt = s->nopts;
		s->opts[s->nopts++] = (struct gopt){ VGW_OPT_CLASS,
						     VGW_OPT_HANDOFF, sizeof(*h) };
		return true;
	}
	if (!strcmp(a, "--ct-rec")) {
		uint8_t sa[16], da[16];
		int fam;

		n = fields(buf[nbuf++], f, 7);
		if (n < 6)
			usage(v);
		memset(r, 0, sizeof(*r));
		r->kind = VGW_STATE_CT;
		r->proto = proto_of(f[1]);
		fam = addr16(f[2], sa);
		if (addr16(f[4], da) != fam)
			usage(v);
		ct_key(r, sa, number(f[3], 65535), da, number(f[5], 65535), fam);
		r->ttl = htonl(n > 6 ? number(f[6], 0x7fffffff) : 3600);
		put64be(r->vnic, vnic_hash(f[0]));
		s->cl.have_rec = true;
		return true;
	}
	if (!strcmp(a, "--nat-rec")) {
		n = fields(buf[nbuf++], f, 9);
		if (n < 8)
			usage(v);
		memset(r, 0, sizeof(*r));
		r->kind = VGW_STATE_NAT;
		r->proto = proto_of(f[1]);
		r->nat.family = addr16(f[2], r->nat.priv);
		if (addr16(f[4], r->nat.remote) != r->nat.family ||
		    addr16(f[6], r->nat.pub) != r->nat.family)
			usage(v);
		r->nat.priv_port = htons(number(f[3], 65535));
		r->nat.remote_port = htons(number(f[5], 65535));
		r->nat.pub_port = htons(number(f[7], 65535));
		r->ttl = htonl(n > 8 ? number(f[8], 0x7fffffff) : 3600);
		put64be(r->vnic, vnic_hash(f[0]));
		s->cl.have_rec = true;
		return true;
	}
	return false;
}

/* The authentication option, after the others (build() lays it out). */
static void auth_option(struct spec *s)
{
	if (!s->cl.auth)
		return;
	if (!s->geneve || s->nopts == MAX_OPTS)
		usage("--auth needs --geneve and room for one more option");
	s->opts[s->nopts++] = (struct gopt){ VGW_OPT_CLASS, VGW_OPT_AUTH,
					     sizeof(struct vgw_auth_opt) };
}

/* An address as the tag takes it. */
static void auth_addr(const char *text, uint8_t out[VGW_AUTH_ADDR_LEN])
{
	uint8_t b[16];
	int fam = addr16(text, b);

	vgw_auth_addr(out, fam == 4, b);
}

/*
 * Fill the authentication option (the last) of the message @p, @len bytes
 * from its Geneve header: clock, the next sequence number, the tag.
 */
static void auth_sign(struct spec *s, uint8_t *p, size_t len)
{
	struct vgw_auth_opt ao = { .key_id = s->cl.key_id };
	uint8_t from[VGW_AUTH_ADDR_LEN], to[VGW_AUTH_ADDR_LEN];
	struct vgw_sip st;
	size_t off = 8, tag;
	int i;

	if (!s->cl.auth)
		return;
	for (i = 0; i < s->nopts - 1; i++)
		off += 4 + s->opts[i].len;
	off += 4;
	if (!s->cl.seq) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		s->cl.seq = (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
	}
	ao.time = htonl((uint32_t)(time(NULL) + s->cl.time_delta));
	for (i = 0; i < 8; i++)
		ao.seq[i] = s->cl.seq >> (56 - 8 * i);
	s->cl.seq++;
	memcpy(p + off, &ao, sizeof(ao));
	auth_addr(s->cl.auth_as ? s->cl.auth_as : s->from, from);
	auth_addr(s->cl.auth_to ? s->cl.auth_to : s->to, to);
	tag = off + offsetof(struct vgw_auth_opt, tag);
	vgw_auth_begin(&st, s->cl.key, from, to);
	vgw_sip_update(&st, p, tag);
	vgw_sip_zeros(&st, 8);
	vgw_sip_update(&st, p + tag + 8, len - tag - 8);
	{
		uint64_t t = vgw_sip_final(&st);

		for (i = 0; i < 8; i++)
			p[tag + i] = t >> (8 * i);
	}
	/* --auth-corrupt: one byte changed after signing. */
	if (s->cl.corrupt) {
		long at = s->cl.corrupt > 0 ? s->cl.corrupt - 1 :
			  (long)len + s->cl.corrupt;

		if (at < 0 || (size_t)at >= len)
			usage("--auth-corrupt is outside the message");
		p[at] ^= 0x01;
	}
}

/*
 * --bytes HEX --auth KEY --hex: check the tag of a message (its last
 * option the authentication) from --from to --to; prints "tag ok" or
 * "tag bad: carried X, computed Y". Exit status 0 when ok.
 */
static int auth_check(struct spec *s, uint8_t *p, size_t len)
{
	uint8_t from[VGW_AUTH_ADDR_LEN], to[VGW_AUTH_ADDR_LEN], carried[8];
	size_t off = 8, optend, tag = 0;
	struct vgw_sip st;
	uint64_t t;
	int i;

	if (len < 8)
		usage("--bytes: shorter than a Geneve header");
	optend = 8 + (p[0] & 0x3f) * 4;
	while (off + 4 <= optend && off + 4 <= len) {
		if (p[off] == 0xff && p[off + 1] == 0x76 && p[off + 2] == VGW_OPT_AUTH)
			tag = off + 4 + offsetof(struct vgw_auth_opt, tag);
		off += 4 + (p[off + 3] & 0x1f) * 4;
	}
	if (!tag || tag + 8 > len)
		usage("--bytes: no authentication option");
	auth_addr(s->from, from);
	auth_addr(s->to, to);
	memcpy(carried, p + tag, 8);
	vgw_auth_begin(&st, s->cl.key, from, to);
	vgw_sip_update(&st, p, tag);
	vgw_sip_zeros(&st, 8);
	vgw_sip_update(&st, p + tag + 8, len - tag - 8);
	t = vgw_sip_final(&st);
	for (i = 0; i < 8 && carried[i] == (uint8_t)(t >> (8 * i)); i++)
		;
	if (i == 8) {
		printf("tag ok\n");
		return 0;
	}
	printf("tag bad: carried");
	for (i = 0; i < 8; i++)
		printf(" %02x", carried[i]);
	printf(", computed");
	for (i = 0; i < 8; i++)
		printf(" %02x", (uint8_t)(t >> (8 * i)));
	printf(" (%zu bytes)\n", len);
	return 1;
}

/* The handoff option's data, once build() laid out the options. */
static void cluster_fill(const struct spec *s, uint8_t *p)
{
	size_t off = 8;
	int i;

	if (s->cl.handoff_opt < 0)
		return;
	for (i = 0; i < s->cl.handoff_opt; i++)
		off += 4 + s->opts[i].len;
	memcpy(p + off + 4, &s->cl.handoff, sizeof(s->cl.handoff));
}

/* Record @i of the template: ports and the last address word moved on. */
static void nth_record(const struct spec *s, int i, struct vgw_state_rec *r)
{
	uint16_t d = i % 50000;
	uint32_t w = i / 50000;

	*r = s->cl.rec;
	if (r->kind == VGW_STATE_NAT) {
		uint8_t *a = r->nat.priv + (r->nat.family == 4 ? 0 : 12);
		uint32_t x;

		r->nat.priv_port = htons(ntohs(r->nat.priv_port) + d);
		r->nat.pub_port = htons(ntohs(r->nat.pub_port) + d);
		memcpy(&x, a, 4);
		x = htonl(ntohl(x) + w);
		memcpy(a, &x, 4);
		return;
	}
	/* CT: back to the opening direction, moved, canonical again. */
	{
		struct vgw_flow_key k = r->flow;
		int fam = k.family;
		uint32_t *src;

		if (r->flags & 1)
			vgw_flow_key_reverse(&k);
		src = fam == 4 ? &k.saddr[0] : &k.saddr[3];
		*src = htonl(ntohl(*src) + w);
		ct_key(r, (const uint8_t *)k.saddr, ntohs(k.sport) + d,
		       (const uint8_t *)k.daddr, ntohs(k.dport), fam);
	}
}

/* The flow hash of a record, as the kernel computes it. */
static uint32_t rec_flow_hash(const struct vgw_state_rec *r)
{
	struct vgw_flow_key k;
	uint16_t rp;

	if (r->kind == VGW_STATE_CT)
		return vgw_flow_hash(&r->flow);
	/* NAT: the flow before NAT (kmod/nat.c nat_flow_key()). */
	rp = r->proto == IPPROTO_TCP || r->proto == IPPROTO_UDP ?
	     ntohs(r->nat.remote_port) : ntohs(r->nat.priv_port);
	if (r->nat.family == 4)
		vgw_flow_key_init_ipv4(&k, *(const uint32_t *)r->nat.priv,
				       *(const uint32_t *)r->nat.remote, r->proto);
	else
		vgw_flow_key_init_ipv6(&k, (const uint32_t *)r->nat.priv,
				       (const uint32_t *)r->nat.remote, r->proto);
	vgw_flow_key_set_ports(&k, r->nat.priv_port, htons(rp));
	return vgw_flow_hash(&k);
}

static int print_holders(const struct spec *s)
{
	char *ids[VNICGW_CLUSTER_MAX_MEMBERS], buf[4096], *f[3], *t;
	unsigned int n = 0, size = 65537, backups = 1, pref[3], i, k;
	struct vgw_owner_table m;

	if (strlen(s->cl.holders) >= sizeof(buf))
		usage(s->cl.holders);
	strcpy(buf, s->cl.holders);
	k = fields(buf, f, 3);
	if (k >= 2)
		size = number(f[1], VNICGW_CLUSTER_MAX_SIZE);
	if (k == 3)
		backups = number(f[2], VNICGW_CLUSTER_MAX_BACKUPS);
	for (t = strtok(f[0], ":"); t && n < VNICGW_CLUSTER_MAX_MEMBERS;
	     t = strtok(NULL, ":"))
		ids[n++] = t;
	if (!n || !backups ||
	    vgw_owner_build((const char *const *)ids, n, size, &m) ||
	    vgw_owner_build_backups(&m, backups))
		usage(s->cl.holders);
	k = vgw_owner_pref(&m, rec_flow_hash(&s->cl.rec), pref);
	for (i = 0; i < k; i++)
		printf("%s%s", i ? " " : "", m.ids[pref[i]]);
	printf("%s\n", k == 1 ? " -" : "");
	vgw_owner_free(&m);
	return 0;
}

/* State messages of --records records, 16 a message, --count times. */
static int send_state(struct spec *s, uint8_t *p)
{
	struct vgw_state_opt so = { .version = VGW_STATE_VERSION };
	struct vgw_state_rec *r;
	size_t off, len;
	int i, j, n, err;

	if (s->cl.holders)
		return print_holders(s);
	if (s->nopts == MAX_OPTS)
		usage("too many options");
	s->gproto = VGW_ETH_P_STATE;
	s->vni = 0;
	s->opts[s->nopts++] = (struct gopt){ VGW_OPT_CLASS, VGW_OPT_STATE,
					     sizeof(so) };
	auth_option(s);
	off = tunnel_header(s, p);
	r = (struct vgw_state_rec *)(p + off);
	so.flags = s->cl.state_flags >= 0 ? s->cl.state_flags :
		   s->cl.ask ? VGW_STATE_F_ASK : 0;
	for (i = 0; i < (s->cl.ask ? 1 : s->cl.records); i += n ? n : 1) {
		n = s->cl.ask ? 0 : s->cl.records - i < VGW_STATE_PER_MSG ?
		    s->cl.records - i : VGW_STATE_PER_MSG;
		for (j = 0; j < n; j++)
			nth_record(s, i + j, &r[j]);
		so.count = s->cl.count >= 0 ? s->cl.count : n;
		memcpy(p + off - sizeof(so) - (s->cl.auth ? 4 + sizeof(struct vgw_auth_opt) : 0),
		       &so, sizeof(so));
		len = off + n * sizeof(*r);
		auth_sign(s, p, len);
		if (len + s->cl.append > MAX_PKT)
			usage("--auth-append: the message would pass 64 kB");
		memset(p + len, 0xee, s->cl.append);
		len += s->cl.append;
		if (s->hex) {
			size_t k;

			for (k = 0; k < len; k++)
				printf("%02x", p[k]);
			putchar('\n');
			continue;
		}
		err = send_it(s, p, len);
		if (err)
			return err;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static uint8_t pkt[MAX_PKT];
	struct spec s = {
		.vni = 1u << 24, .flags = 0x08, .gproto = 0x6558, .opt_len = -1,
		.dmac = { 2, 0, 0, 0, 0, 1 }, .smac = { 2, 0, 0, 0, 0, 0x99 },
		.ethertype = -1, .proto = IPPROTO_UDP, .sport = 40000,
		.dport = 7000, .ttl = 64, .payload = "craft", .truncate = -1,
		.tcp = { .flags = 0x02, .seq = 1, .win = 65535 },
		.count = 1, .frag_id = 0x1234,
		.cl = { .handoff_opt = -1, .records = 1, .count = -1,
			.state_flags = -1 },
	};
	const char *bytes = NULL;
	size_t len;
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--df")) {
			s.df = true;
			continue;
		}
		if (!strcmp(a, "--bytes") && i + 1 < argc) {
			bytes = argv[++i];
			continue;
		}
		if (!strcmp(a, "--hex")) {
			s.hex = true;
			continue;
		}
		if (!strcmp(a, "--spoof")) {
			s.spoof = true;
			continue;
		}
		if (!strcmp(a, "--state-ask")) {
			s.cl.ask = true;
			continue;
		}
		if (!v)
			usage(a);
		i++;
		if (!strcmp(a, "--from")) {
			s.from = v;
		} else if (!strcmp(a, "--to")) {
			s.to = v;
		} else if (!strcmp(a, "--vxlan") || !strcmp(a, "--geneve")) {
			s.geneve = !strcmp(a, "--geneve");
			s.vni = number(v, 0xffffff);
		} else if (!strcmp(a, "--flags")) {
			s.flags = number(v, 0xff);
		} else if (!strcmp(a, "--geneve-flags")) {
			s.gflags = number(v, 0xff);
		} else if (!strcmp(a, "--geneve-version")) {
			s.gversion = number(v, 3);
		} else if (!strcmp(a, "--geneve-proto")) {
			s.gproto = number(v, 0xffff);
		} else if (!strcmp(a, "--opt")) {
			unsigned int c, t, l;

			if (s.nopts == MAX_OPTS ||
			    sscanf(v, "%i:%i:%u", &c, &t, &l) != 3 ||
			    c > 0xffff || t > 0xff || l % 4 || l > 124)
				usage(v);
			s.opts[s.nopts++] = (struct gopt){ c, t, l };
		} else if (!strcmp(a, "--opt-len")) {
			s.opt_len = number(v, 63);
		} else if (!strcmp(a, "--dport")) {
			s.outer_dport = number(v, 65535);
		} else if (!strcmp(a, "--smac")) {
			parse_mac(v, s.smac);
		} else if (!strcmp(a, "--dmac")) {
			parse_mac(v, s.dmac);
		} else if (!strcmp(a, "--ethertype")) {
			s.ethertype = number(v, 0xffff);
		} else if (!strcmp(a, "--arp")) {
			s.arp_target = v;
		} else if (!strcmp(a, "--src")) {
			s.src = v;
		} else if (!strcmp(a, "--dst")) {
			s.dst = v;
		} else if (!strcmp(a, "--proto")) {
			if (!strcmp(v, "udp"))
				s.proto = IPPROTO_UDP;
			else if (!strcmp(v, "tcp"))
				s.proto = IPPROTO_TCP;
			else if (!strcmp(v, "icmp"))
				s.proto = IPPROTO_ICMP;
			else
				usage(v);
		} else if (!strcmp(a, "--sport")) {
			s.sport = number(v, 65535);
		} else if (!strcmp(a, "--dport-in")) {
			s.dport = number(v, 65535);
		} else if (!strcmp(a, "--ttl")) {
			s.ttl = number(v, 255);
		} else if (!strcmp(a, "--ip-options")) {
			s.ip_options = number(v, 40);
			if (s.ip_options % 4)
				usage(v);
		} else if (!strcmp(a, "--frag")) {
			char *colon = strchr(v, ':');

			s.frag_mf = colon && !strcmp(colon, ":mf");
			if (colon)
				*colon = 0;
			s.frag_off = number(v, 0x1fff);
		} else if (!strcmp(a, "--frag-id")) {
			s.frag_id = number(v, 0xffffffff);
		} else if (!strcmp(a, "--ext6")) {
			parse_ext6(&s, (char *)v);
		} else if (!strcmp(a, "--ihl")) {
			s.ihl = number(v, 15);
		} else if (!strcmp(a, "--ip-len")) {
			s.ip_len = number(v, 65535);
		} else if (!strcmp(a, "--payload")) {
			if (strlen(v) > 4000)
				usage("payload too long");
			s.payload = v;
		} else if (!strcmp(a, "--truncate")) {
			s.truncate = number(v, MAX_PKT);
		} else if (!strcmp(a, "--count")) {
			s.count = number(v, 100000);
		} else if (tcp_option(&s.tcp, a, v)) {
			continue;
		} else if (!cluster_option(&s, a, v)) {
			usage(a);
		}
	}
	if (!s.from || !s.to || s.vni > 0xffffff)
		usage("--from, --to and --vxlan or --geneve are required");
	if (!s.outer_dport)
		s.outer_dport = s.geneve ? 6081 : 4789;
	if (bytes) {
		for (len = 0; bytes[2 * len] && len < MAX_PKT; len++)
			if (sscanf(bytes + 2 * len, "%2hhx", &pkt[len]) != 1)
				usage("--bytes wants hex digits");
		if (s.cl.auth && s.hex)
			return auth_check(&s, pkt, len);
		return send_it(&s, pkt, len);
	}
	if (s.cl.have_rec || s.cl.ask)
		return send_state(&s, pkt);
	auth_option(&s);
	len = build(&s, pkt);
	cluster_fill(&s, pkt);
	auth_sign(&s, pkt, len);
	if (len + s.cl.append > MAX_PKT)
		usage("--auth-append: the message would pass 64 kB");
	memset(pkt + len, 0xee, s.cl.append);
	len += s.cl.append;
	if (s.truncate >= 0 && (size_t)s.truncate < len)
		len = s.truncate;
	if (s.hex) {
		size_t j;

		for (j = 0; j < len; j++)
			printf("%02x", pkt[j]);
		putchar('\n');
		return 0;
	}
	return send_it(&s, pkt, len);
}
