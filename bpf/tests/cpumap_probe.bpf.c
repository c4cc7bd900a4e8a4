// SPDX-License-Identifier: GPL-2.0
/*
 * cpumap_probe.bpf.c - test only: a cpumap program that records on which CPU
 * each redirected frame was processed, then drops it.
 *
 * Installed in the steering program's cpumap entries by steer_test's live
 * test: the cpumap kthread of CPU N runs it on CPU N for every frame that
 * the steering program redirected there. It keys the record by the inner
 * TCP source port of a VXLAN/IPv4/IPv4/TCP frame without options or VLAN
 * (the only layout that test sends), read at a fixed offset.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

/* Ethernet 14 + IPv4 20 + UDP 8 + VXLAN 8 + Ethernet 14 + IPv4 20. */
#define INNER_TCP_OFF	84

/* Inner TCP source port (host order) -> CPU id + 1. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u32);
} probe_seen SEC(".maps");

SEC("xdp/cpumap")
int vgw_cpumap_probe(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u8 *port = data + INNER_TCP_OFF;
	__u32 key, cpu;

	if ((void *)(port + 2) > end)
		return XDP_DROP;
	key = (__u32)port[0] << 8 | port[1];
	cpu = bpf_get_smp_processor_id() + 1;
	bpf_map_update_elem(&probe_seen, &key, &cpu, BPF_ANY);
	return XDP_DROP;
}
