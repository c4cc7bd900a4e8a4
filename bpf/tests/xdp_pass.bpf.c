// SPDX-License-Identifier: GPL-2.0
/*
 * xdp_pass.bpf.c - test only: an XDP program that is not vnicgw's and has
 * no maps, for the suites that need "another program" on an interface
 * (selftests/agent/test_agent_xdp.sh). Any kernel loads it, whatever its
 * NR_CPUS (steer.bpf.o's cpumap of 256 entries is refused by a kernel built
 * for fewer CPUs unless its loader sizes it, as the agent does).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}
