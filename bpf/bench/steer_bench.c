// SPDX-License-Identifier: GPL-2.0
/*
 * steer_bench.c - ns per packet of the XDP steering program, natively, with
 * BPF_PROG_TEST_RUN and a large repeat count (root).
 *
 * The kernel times the repeat loop and reports the mean per run; that mean
 * includes the test-run loop itself, so a trivial XDP program (return
 * XDP_PASS) is measured the same way as a baseline and subtracted. Not
 * included: the redirect itself (test runs without live frames only record
 * it), i.e. the cpumap enqueue that a NIC's driver performs afterwards.
 *
 *   steer_bench [-r REPEAT] [-t TRIALS]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>

#include "harness.h"
#include "pkt.h"

#define MAX_TRIALS	32

struct bench_case {
	const char *name;
	struct tunnel_spec t;
	struct flow_spec f;
	int plain;
	__u32 action;		/* the action the program must return */
};

#define MAC_A	{ 0x02, 0xaa, 0, 0, 0, 0x05 }
#define MAC_B	{ 0x02, 0xbb, 0, 0, 0, 0x07 }

static const struct bench_case cases[] = {
	{ "VXLAN/IPv4, inner IPv4 TCP",
	  { .family = 4, .kind = VGW_TUNNEL_VXLAN, .vni = 1001 },
	  { .family = 4, .proto = VGW_PROTO_TCP, .saddr = { 10, 1, 1, 5 },
	    .daddr = { 10, 1, 2, 7 }, .sport = 40000, .dport = 443, .smac = MAC_A,
	    .dmac = MAC_B, .payload = 64 }, 0, XDP_REDIRECT },
	{ "Geneve/IPv6 + 2 options (20 B), inner IPv6 TCP",
	  { .family = 6, .kind = VGW_TUNNEL_GENEVE, .vni = 2002,
	    .geneve_opts = { 8, 4 }, .n_geneve_opts = 2 },
	  { .family = 6, .proto = VGW_PROTO_TCP, .saddr = { 0xfd, [15] = 5 },
	    .daddr = { 0xfd, [15] = 7 }, .sport = 40000, .dport = 443, .smac = MAC_A,
	    .dmac = MAC_B, .payload = 64 }, 0, XDP_REDIRECT },
	{ "not tunnel: IPv4 TCP 22 (SSH)", {},
	  { .family = 4, .proto = VGW_PROTO_TCP, .saddr = { 192, 0, 2, 1 },
	    .daddr = { 192, 0, 2, 2 }, .sport = 50022, .dport = 22, .smac = MAC_A,
	    .dmac = MAC_B, .payload = 64 }, 1, XDP_PASS },
};

/* A program that only returns XDP_PASS: the cost of the test-run loop. */
static int load_baseline(void)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	return bpf_prog_load(BPF_PROG_TYPE_XDP, "vgw_bench_base", "GPL", insns, 2, NULL);
}

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

/* Run @trials times; min and median ns per packet. */
static int measure(int prog_fd, const struct pkt *p, __u32 repeat, int trials, __u32 action,
		   __u32 *min, __u32 *median)
{
	__u32 ns[MAX_TRIALS];
	int i;

	for (i = 0; i < trials; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, opts,
			.data_in = p->data,
			.data_size_in = p->len,
			.repeat = repeat,
		);

		if (bpf_prog_test_run_opts(prog_fd, &opts))
			return -errno;
		if (opts.retval != action) {
			fprintf(stderr, "steer_bench: action %u, want %u\n", opts.retval, action);
			return -EINVAL;
		}
		ns[i] = opts.duration;
	}
	qsort(ns, trials, sizeof(ns[0]), cmp_u32);
	*min = ns[0];
	*median = ns[trials / 2];
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: steer_bench [-r REPEAT] [-t TRIALS (1..%d)]\n", MAX_TRIALS);
	exit(2);
}

int main(int argc, char **argv)
{
	__u32 repeat = 5000000, base_min, base_med, min, med;
	int trials = 5, opt, base_fd, err;
	struct utsname uts;
	struct harness h;
	static struct pkt p;
	unsigned int i;

	while ((opt = getopt(argc, argv, "r:t:")) != -1) {
		if (opt == 'r')
			repeat = strtoul(optarg, NULL, 0);
		else if (opt == 't')
			trials = atoi(optarg);
		else
			usage();
	}
	if (!repeat || trials < 1 || trials > MAX_TRIALS)
		usage();
	err = harness_open(&h);
	base_fd = err ? -1 : load_baseline();
	if (err || base_fd < 0) {
		fprintf(stderr, "steer_bench: cannot load programs (root?): %s\n",
			strerror(err ? -err : errno));
		return 1;
	}
	/* Four slots, all on the live CPU: every tunnel packet is redirected. */
	if (harness_config_live_slot(&h, 4, 4))
		return 1;
	uname(&uts);
	pkt_build_plain(&p, &cases[2].f);
	if (measure(base_fd, &p, repeat, trials, XDP_PASS, &base_min, &base_med))
		return 1;
	printf("steering program, BPF_PROG_TEST_RUN, kernel %s, repeat %u, %d trials\n",
	       uts.release, repeat, trials);
	printf("%-48s %8s %8s %8s\n", "packet", "min ns", "median", "net ns");
	printf("%-48s %8u %8u %8s\n", "baseline: XDP_PASS-only program", base_min, base_med,
	       "-");
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct bench_case *c = &cases[i];

		if (c->plain ? pkt_build_plain(&p, &c->f) : pkt_build(&p, &c->t, &c->f))
			return 1;
		if (measure(h.prog_fd, &p, repeat, trials, c->action, &min, &med))
			return 1;
		printf("%-48s %8u %8u %8d\n", c->name, min, med, (int)med - (int)base_med);
	}
	printf("net = median - baseline median; reproduce: make -C bpf bench, or\n"
	       "  build/bpf/steer_bench -r %u -t %d\n", repeat, trials);
	close(base_fd);
	harness_close(&h);
	return 0;
}
