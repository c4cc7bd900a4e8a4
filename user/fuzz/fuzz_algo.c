// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for kmod/lpm.c and kmod/rules.c: builds a route table
 * and a ruleset from the input bytes, then cross-checks the build result
 * (accepted, or which error) and lookups/matches against the naive
 * references of algo_ref.h. Any disagreement aborts. With ASan, leaks on
 * the error paths are caught too (one input byte may make an allocation
 * fail). Run: make fuzz-algo [FUZZ_SECONDS=60].
 *
 * Input: [fail-byte] [n-routes] routes... [n-rules] rules... lookups...
 * Each element takes a fixed number of bytes (missing bytes read as 0), so
 * that mutations of one field keep the others in place.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lpm.h"
#include "rules.h"
#include "algo_ref.h"

struct input {
	const uint8_t *p;
	size_t left;
};

static uint8_t u8in(struct input *in)
{
	if (!in->left)
		return 0;
	in->left--;
	return *in->p++;
}

static uint16_t u16in(struct input *in)
{
	uint16_t v = u8in(in);

	return v << 8 | u8in(in);
}

static void bytes_in(struct input *in, uint8_t *a, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		a[i] = u8in(in);
}

static void clear_host_bits(uint8_t *a, unsigned int plen, unsigned int bits)
{
	for (; plen < bits; plen++)
		a[plen / 8] &= ~(0x80 >> (plen % 8));
}

static void set_host_bits(uint8_t *a, unsigned int plen, unsigned int bits)
{
	for (; plen < bits; plen++)
		a[plen / 8] |= 0x80 >> (plen % 8);
}

/*
 * An address: 4 bytes for IPv4; for IPv6 4 bytes placed at a chosen
 * 32-bit word, the rest copied from @base (so that prefixes nest).
 */
static void addr_in(struct input *in, uint8_t family, uint8_t *a,
		    const uint8_t *base)
{
	uint8_t where = u8in(in);

	memset(a, 0, 16);
	if (family == AF_INET6 && base)
		memcpy(a, base, 16);
	bytes_in(in, a + (family == AF_INET6 ? (where & 3) * 4 : 0), 4);
}

#define MAX_N	48

static bool injecting;

/* -ENOMEM is right only when an allocation was made to fail. */
static bool enomem_ok(const void *err)
{
	return injecting && PTR_ERR(err) == -ENOMEM;
}

static void check_lookup(const struct vgw_lpm *t, const struct vgw_lpm_route *r,
			 unsigned int n, uint8_t family, const uint8_t *a)
{
	uint32_t got = 0, want = 0;
	bool g, w;
	__be32 a4;

	w = ref_lpm_lookup(r, n, family, a, &want);
	if (family == AF_INET) {
		memcpy(&a4, a, 4);
		g = vgw_lpm_lookup4(t, a4, &got);
	} else {
		g = vgw_lpm_lookup6(t, a, &got);
	}
	if (g != w || (w && got != want))
		abort();
}

static void fuzz_lpm(struct input *in)
{
	struct vgw_lpm_route r[MAX_N];
	unsigned int n = u8in(in) % (MAX_N + 1), i, bits;
	struct vgw_lpm *t;
	uint8_t a[16], f;
	int want;

	for (i = 0; i < n; i++) {
		uint8_t flags = u8in(in);

		memset(&r[i], 0, sizeof(r[i]));
		r[i].family = flags & 1 ? AF_INET6 : AF_INET;
		if ((flags & 0x1e) == 0x1e)	/* now and then a bad family */
			r[i].family = u8in(in);
		bits = r[i].family == AF_INET ? 32 : 128;
		r[i].plen = u8in(in) % (bits + 2);	/* bits + 1 is invalid */
		addr_in(in, r[i].family, r[i].addr,
			i && (flags & 0x20) ? r[u8in(in) % i].addr : NULL);
		if (!(flags & 0x40))		/* mostly valid prefixes */
			clear_host_bits(r[i].addr, r[i].plen, bits);
		r[i].value = flags >> 7 ? u16in(in) : flags & 3;
	}
	want = ref_lpm_check(r, n);
	t = vgw_lpm_build(r, n, GFP_KERNEL);
	if (IS_ERR(t)) {
		if (PTR_ERR(t) != want && !enomem_ok(t))
			abort();
		return;
	}
	if (want)
		abort();
	for (i = 0; i < n; i++) {	/* each route's edges and neighbours */
		bits = r[i].family == AF_INET ? 32 : 128;
		memcpy(a, r[i].addr, 16);
		check_lookup(t, r, n, r[i].family, a);
		set_host_bits(a, r[i].plen, bits);
		check_lookup(t, r, n, r[i].family, a);
		for (f = bits / 8; f-- > 0 && ++a[f] == 0;)
			;
		check_lookup(t, r, n, r[i].family, a);
	}
	for (i = 0; i < 32 && in->left; i++) {
		f = u8in(in) & 1 ? AF_INET6 : AF_INET;
		addr_in(in, f, a, n ? r[i % n].addr : NULL);
		check_lookup(t, r, n, f, a);
	}
	vgw_lpm_free(t);
}

static const uint16_t protos[] = { VGW_PROTO_ALL, 1, 6, 17, 58, 47, 0, 255 };

static void fuzz_rules(struct input *in)
{
	struct vgw_rule r[MAX_N];
	unsigned int n = u8in(in) % (MAX_N + 1), i, bits;
	struct vgw_rule_pkt p;
	struct vgw_ruleset *rs;
	uint32_t nsgs[4];
	int want = 0;

	for (i = 0; i < n; i++) {
		uint8_t flags = u8in(in), x = u8in(in);

		memset(&r[i], 0, sizeof(r[i]));
		r[i].proto = flags & 0x80 ? u16in(in) : protos[x & 7];
		r[i].stateless = flags & 1;
		r[i].family = flags & 2 ? AF_INET6 : AF_INET;
		if (flags & 4)
			r[i].nsg = 1 + (x >> 3 & 7);
		bits = r[i].family == AF_INET ? 32 : 128;
		r[i].plen = u8in(in) % (bits + 2);
		addr_in(in, r[i].family, r[i].addr, NULL);
		if (!(flags & 8))
			clear_host_bits(r[i].addr, r[i].plen, bits);
		if (flags & 16) {
			r[i].sport_lo = u16in(in);
			r[i].sport_hi = u16in(in);
			r[i].dport_lo = u16in(in);
			r[i].dport_hi = u16in(in);
		} else {
			r[i].sport_hi = r[i].dport_hi = 0xffff;
			r[i].dport_lo = r[i].dport_hi = u8in(in);
		}
		r[i].icmp_type = flags & 32 ? (int8_t)u8in(in) : -1;
		r[i].icmp_code = flags & 64 ? (int16_t)u16in(in) % 300 : -1;
		if (!want)
			want = ref_rule_check(&r[i]);
	}
	rs = vgw_rules_build(r, n, GFP_KERNEL);
	if (IS_ERR(rs)) {
		if (PTR_ERR(rs) != want && !enomem_ok(rs))
			abort();
		return;
	}
	if (want)
		abort();
	for (i = 0; i < 32 && in->left; i++) {
		uint8_t flags = u8in(in);
		unsigned int k;

		memset(&p, 0, sizeof(p));
		p.family = flags & 1 ? AF_INET6 : AF_INET;
		p.proto = flags & 2 ? u8in(in) : protos[1 + (flags >> 2 & 3)];
		/* Often the remote of a rule, often its ports. */
		if (n && (flags & 0x10))
			memcpy(p.remote, r[i % n].addr, 16);
		else
			addr_in(in, p.family, p.remote, NULL);
		p.sport = u16in(in);
		p.dport = flags & 0x20 && n ? r[i % n].dport_lo : u8in(in);
		p.icmp_type = u8in(in);
		p.icmp_code = u8in(in) & 7;
		p.n_remote_nsgs = flags >> 6;
		for (k = 0; k < p.n_remote_nsgs; k++)
			nsgs[k] = (k ? nsgs[k - 1] : 0) + 1 + (u8in(in) & 3);
		p.remote_nsgs = nsgs;
		if (vgw_rules_match(rs, &p) != ref_rules_match(r, n, &p))
			abort();
	}
	vgw_rules_free(rs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	uint8_t fail = u8in(&in), what = u8in(&in);

	/* One input in eight makes one allocation fail: error paths. */
	injecting = (fail & 7) == 7;
	vgw_kshim_fail_after = injecting ? fail >> 3 : -1;
	if (what & 1)
		fuzz_rules(&in);
	else
		fuzz_lpm(&in);
	vgw_kshim_fail_after = -1;
	return 0;
}
