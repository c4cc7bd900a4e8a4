// SPDX-License-Identifier: GPL-2.0
/*
 * Addresses, prefixes and MACs of the desired-state document: strict text
 * forms (one spelling per value where the format allows it) and the few
 * comparisons the validator needs.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "state_priv.h"

static unsigned int addr_bits(const struct vgw_addr *a)
{
	return a->family == AF_INET ? 32 : 128;
}

/* IPv6 if the text has a colon; IPv4-mapped IPv6 is refused. */
int vgw_addr_parse(const char *s, struct vgw_addr *a)
{
	struct in6_addr a6;

	memset(a, 0, sizeof(*a));
	if (strchr(s, ':')) {
		if (inet_pton(AF_INET6, s, &a6) != 1 ||
		    IN6_IS_ADDR_V4MAPPED(&a6))
			return -EINVAL;
		a->family = AF_INET6;
		memcpy(a->bytes, &a6, 16);
		return 0;
	}
	/* glibc's inet_pton() takes only a.b.c.d, without leading zeros. */
	if (inet_pton(AF_INET, s, a->bytes) != 1)
		return -EINVAL;
	a->family = AF_INET;
	return 0;
}

const char *vgw_addr_str(const struct vgw_addr *a, char *buf, size_t len)
{
	if (!a->family || !inet_ntop(a->family, a->bytes, buf, len))
		snprintf(buf, len, "?");
	return buf;
}

/* A prefix length: decimal, no sign, no leading zero. */
static int parse_len(const char *s, unsigned int max, uint8_t *len)
{
	unsigned int v = 0;
	const char *p;

	if (!*s || (s[0] == '0' && s[1]) || strlen(s) > 3)
		return -EINVAL;
	for (p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		v = v * 10 + (unsigned int)(*p - '0');
	}
	if (v > max)
		return -EINVAL;
	*len = (uint8_t)v;
	return 0;
}

int vgw_st_prefix_parse_loose(const char *s, struct vgw_prefix *p)
{
	char buf[VGW_PREFIX_STRLEN];
	char *slash;

	memset(p, 0, sizeof(*p));
	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (!slash)
		return -EINVAL;
	*slash = '\0';
	if (vgw_addr_parse(buf, &p->addr))
		return -EINVAL;
	return parse_len(slash + 1, addr_bits(&p->addr), &p->len);
}

/* A byte with its n leading bits set. */
static uint8_t mask_byte(unsigned int n)
{
	return (uint8_t)(0xff00 >> n);
}

void vgw_st_prefix_mask(const struct vgw_prefix *p, struct vgw_prefix *out)
{
	unsigned int i;

	*out = *p;
	for (i = 0; i < 16; i++) {
		if (i * 8 >= p->len)
			out->addr.bytes[i] = 0;
		else if (i * 8 + 8 > p->len)
			out->addr.bytes[i] &= mask_byte(p->len - i * 8);
	}
}

bool vgw_st_prefix_has_host_bits(const struct vgw_prefix *p)
{
	struct vgw_prefix m;

	vgw_st_prefix_mask(p, &m);
	return memcmp(m.addr.bytes, p->addr.bytes, 16) != 0;
}

int vgw_prefix_parse(const char *s, struct vgw_prefix *p)
{
	int err = vgw_st_prefix_parse_loose(s, p);

	if (!err && vgw_st_prefix_has_host_bits(p))
		err = -EINVAL;
	return err;
}

const char *vgw_prefix_str(const struct vgw_prefix *p, char *buf, size_t len)
{
	char a[VGW_ADDR_STRLEN];

	snprintf(buf, len, "%s/%u", vgw_addr_str(&p->addr, a, sizeof(a)),
		 p->len);
	return buf;
}

/* By family (IPv4 first), then address. */
int vgw_addr_cmp(const struct vgw_addr *a, const struct vgw_addr *b)
{
	if (a->family != b->family)
		return a->family == AF_INET ? -1 : 1;
	return memcmp(a->bytes, b->bytes, 16);
}

int vgw_prefix_cmp(const struct vgw_prefix *a, const struct vgw_prefix *b)
{
	int c = vgw_addr_cmp(&a->addr, &b->addr);

	if (c)
		return c;
	return (int)a->len - (int)b->len;
}

/* Whether the first len bits of x and y are equal. */
static bool same_bits(const uint8_t *x, const uint8_t *y, unsigned int len)
{
	unsigned int full = len / 8, rest = len % 8;
	uint8_t m = (uint8_t)(0xff00 >> rest);

	if (memcmp(x, y, full))
		return false;
	return !rest || ((x[full] ^ y[full]) & m) == 0;
}

bool vgw_prefix_contains(const struct vgw_prefix *p, const struct vgw_addr *a)
{
	return p->addr.family == a->family &&
	       same_bits(p->addr.bytes, a->bytes, p->len);
}

bool vgw_prefix_overlap(const struct vgw_prefix *a, const struct vgw_prefix *b)
{
	unsigned int len = a->len < b->len ? a->len : b->len;

	return a->addr.family == b->addr.family &&
	       same_bits(a->addr.bytes, b->addr.bytes, len);
}

/*
 * IPv4: 02:00:a:b:c:d, readable and unique wherever the address is.
 * IPv6: interface ids repeat across subnets (::5 in every /64), so the low
 * bits would collide; 06 (unicast, locally administered, apart from the
 * IPv4 space) and the low 40 bits of the 64-bit FNV-1a hash of the address.
 */
void vgw_mac_from_addr(const struct vgw_addr *a, uint8_t mac[6])
{
	uint64_t h = 0xcbf29ce484222325ull;
	unsigned int i;

	if (a->family == AF_INET) {
		mac[0] = 0x02;
		mac[1] = 0x00;
		memcpy(mac + 2, a->bytes, 4);
		return;
	}
	for (i = 0; i < 16; i++)
		h = (h ^ a->bytes[i]) * 0x100000001b3ull;
	mac[0] = 0x06;
	for (i = 1; i < 6; i++)
		mac[i] = (uint8_t)(h >> (8 * (5 - i)));
}

const char *vgw_mac_str(const uint8_t mac[6], char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x",
		 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	return buf;
}

int vgw_st_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}
