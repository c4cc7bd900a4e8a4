// SPDX-License-Identifier: GPL-2.0
/*
 * bench_auth: what the tag of a cluster message costs (vgw/auth.h, the
 * code the module runs, built here with the module's -O2): nanoseconds to
 * sign or check one message, for handoffs of small and full-size frames
 * and a full state message. Figures only; no pass/fail.
 *
 *   make bench-auth
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <vgw/auth.h>
#include <vgw/cluster_wire.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(void)
{
	/* Geneve header, the handoff or state option, the auth option. */
	const unsigned int handoff_hdr = 8 + 4 + sizeof(struct vgw_handoff_opt) +
					 4 + sizeof(struct vgw_auth_opt);
	const unsigned int state_hdr = 8 + 4 + sizeof(struct vgw_state_opt) +
				       4 + sizeof(struct vgw_auth_opt);
	static const struct {
		const char *what;
		unsigned int payload, hdr;
	} sizes[] = {
		{ "handoff, 64-byte frame", 64, 0 },
		{ "handoff, 576-byte frame", 576, 0 },
		{ "handoff, 1514-byte frame", 1514, 0 },
		{ "state, 16 records", 16 * sizeof(struct vgw_state_rec), 1 },
	};
	static uint8_t msg[4096];
	uint8_t key[16], src[VGW_AUTH_ADDR_LEN], dst[VGW_AUTH_ADDR_LEN];
	volatile uint64_t sink = 0;
	unsigned int i, n, len, tag;
	struct vgw_sip s;
	double t0, ns;
	long iters;

	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 31 + 7);
	memset(key, 0x42, sizeof(key));
	memset(src, 0, sizeof(src));
	memset(dst, 0, sizeof(dst));
	printf("# the tag of one cluster message (SipHash-2-4 over the outer addresses\n"
	       "# and the whole message), native, one CPU\n");
	for (n = 0; n < sizeof(sizes) / sizeof(sizes[0]); n++) {
		len = (sizes[n].hdr ? state_hdr : handoff_hdr) + sizes[n].payload;
		tag = (sizes[n].hdr ? state_hdr : handoff_hdr) - 8;
		iters = 0;
		t0 = now();
		do {
			for (i = 0; i < 10000; i++) {
				vgw_auth_begin(&s, key, src, dst);
				vgw_sip_update(&s, msg, tag);
				vgw_sip_zeros(&s, 8);
				vgw_sip_update(&s, msg + tag + 8, len - tag - 8);
				sink ^= vgw_sip_final(&s);
				msg[0]++;
			}
			iters += 10000;
		} while (now() - t0 < 0.5);
		ns = (now() - t0) * 1e9 / iters;
		printf("%-26s %5u bytes  %7.1f ns a message  %6.2f GB/s\n",
		       sizes[n].what, len, ns, len / ns);
	}
	return sink == 42;
}
