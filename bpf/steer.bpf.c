// SPDX-License-Identifier: GPL-2.0
/*
 * steer.bpf.c - XDP steering of vnicgw tunnel traffic to worker CPUs.
 *
 * Attached to every receive queue of an underlay NIC. For a VXLAN (UDP 4789)
 * or Geneve (UDP 6081) packet it finds the inner flow, hashes it with the
 * symmetric vgw_flow_hash() (vgw/flow.h) and redirects the frame through the
 * cpumap to cpus[hash % n_cpus], so that both directions of a connection are
 * processed on one worker CPU by vnicgw.ko. Everything else passes to the
 * stack untouched: non-tunnel traffic (ARP, ND, BGP, SSH, other UDP), and
 * tunnel packets that are truncated or malformed, which the module counts and
 * drops. Exactly one per-CPU counter (bpf/steer.h) is incremented per packet.
 *
 * Parsed: outer Ethernet with up to two VLAN tags (802.1Q / 802.1ad QinQ),
 * IPv4 with options, or IPv6 whose fixed header is followed directly by UDP
 * (extension headers are not walked: such a packet passes as not-tunnel);
 * UDP; VXLAN, or Geneve with its options skipped; inner Ethernet with up to
 * two VLAN tags; inner IPv4/IPv6; TCP/UDP ports, or the ICMP/ICMPv6 echo id.
 * An inner frame that is not IP (ARP...) is steered by its MAC addresses.
 *
 * Verifier: every packet access goes through cursor_pull(), which checks the
 * bound right before handing out a pointer; variable lengths (IPv4 IHL,
 * Geneve options) are masked to their field width before being added. Built
 * for kernels 6.1 (Debian 12) and later; uses no kfuncs and no CO-RE.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <linux/tcp.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include <vgw/wire.h>
#include <vgw/flow.h>
#include "steer.h"

char LICENSE[] SEC("license") = "GPL";

/* Worker CPUs: key = CPU id, value = struct bpf_cpumap_val; filled by the loader. */
struct {
	__uint(type, BPF_MAP_TYPE_CPUMAP);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct bpf_cpumap_val));
	__uint(max_entries, VGW_STEER_MAX_CPUS);
} cpu_map SEC(".maps");

/* Entry 0: struct vgw_steer_config, written by the loader. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vgw_steer_config);
} steer_config SEC(".maps");

/* One __u64 per CPU per enum vgw_steer_counter. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VGW_STEER_NR_COUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} steer_counters SEC(".maps");

/* A stage's result: go on with the next stage, or stop and count this. */
#define STEER_NEXT	VGW_STEER_NR_COUNTERS

#define IPV4_MF		0x2000
#define IPV4_OFFSET	0x1fff
#define IPV6_NEXTHDR_FRAGMENT 44

/* The unread part of the frame. */
struct cursor {
	void *pos;
	void *end;
};

/* The next @len (constant) bytes, consumed; NULL if the frame ends first. */
static __always_inline void *cursor_pull(struct cursor *c, __u32 len)
{
	void *p = c->pos;

	if (p + len > c->end)
		return NULL;
	c->pos = p + len;
	return p;
}

/* Skip @len bytes, @len bounded by the caller; 0 if the frame ends first. */
static __always_inline int cursor_skip(struct cursor *c, __u32 len)
{
	void *p = c->pos + len;

	if (p > c->end)
		return 0;
	c->pos = p;
	return 1;
}

static __always_inline void count(__u32 counter)
{
	__u64 *v = bpf_map_lookup_elem(&steer_counters, &counter);

	if (v)
		*v += 1;
}

/*
 * Ethernet header and up to two VLAN tags; *proto = the EtherType after them
 * (still a TPID if there were more tags: then the frame is "not IP").
 */
static __always_inline struct ethhdr *parse_eth(struct cursor *c, __be16 *proto)
{
	struct ethhdr *eth = cursor_pull(c, sizeof(*eth));
	struct vgw_vlan_hdr *vlan;
	__be16 p;

	if (!eth)
		return NULL;
	p = eth->h_proto;
	if (vgw_eth_p_is_vlan(p)) {
		vlan = cursor_pull(c, sizeof(*vlan));
		if (!vlan)
			return NULL;
		p = vlan->encap_proto;
		if (vgw_eth_p_is_vlan(p)) {
			vlan = cursor_pull(c, sizeof(*vlan));
			if (!vlan)
				return NULL;
			p = vlan->encap_proto;
		}
	}
	*proto = p;
	return eth;
}

/* IPv4 options: IHL is 4 bits, so 0..40 bytes. Caller checked IHL >= 5. */
static __always_inline int skip_ipv4_options(struct cursor *c, const struct iphdr *ip)
{
	__u32 len = ((__u32)ip->ihl & 0xf) * 4 - sizeof(*ip);

	return cursor_skip(c, len & 0x3f);
}

/* Outer IPv4 up to its payload, which must be UDP. */
static __always_inline __u32 parse_outer_ipv4(struct cursor *c)
{
	struct iphdr *ip = cursor_pull(c, sizeof(*ip));

	if (!ip)
		return VGW_STEER_PASS_TRUNCATED;
	if (ip->version != 4 || ip->ihl < 5 || ip->protocol != IPPROTO_UDP)
		return VGW_STEER_PASS_NOT_TUNNEL;
	if (ip->frag_off & bpf_htons(IPV4_MF | IPV4_OFFSET))
		return VGW_STEER_PASS_FRAGMENT;
	if (!skip_ipv4_options(c, ip))
		return VGW_STEER_PASS_TRUNCATED;
	return STEER_NEXT;
}

/* Outer IPv6: UDP must follow the fixed header (no extension headers). */
static __always_inline __u32 parse_outer_ipv6(struct cursor *c)
{
	struct ipv6hdr *ip6 = cursor_pull(c, sizeof(*ip6));

	if (!ip6)
		return VGW_STEER_PASS_TRUNCATED;
	if (ip6->nexthdr == IPV6_NEXTHDR_FRAGMENT)
		return VGW_STEER_PASS_FRAGMENT;
	if (ip6->version != 6 || ip6->nexthdr != IPPROTO_UDP)
		return VGW_STEER_PASS_NOT_TUNNEL;
	return STEER_NEXT;
}

/* VXLAN header; the inner frame follows. */
static __always_inline __u32 parse_vxlan(struct cursor *c)
{
	struct vgw_vxlanhdr *vx = cursor_pull(c, sizeof(*vx));

	if (!vx)
		return VGW_STEER_PASS_TRUNCATED;
	if (!vgw_vxlan_valid(vx))
		return VGW_STEER_PASS_MALFORMED;
	return VGW_STEER_REDIRECT_VXLAN;
}

/*
 * Geneve header and its options (not interpreted: the O and C bits and the
 * options are the module's business); the inner Ethernet frame follows.
 */
static __always_inline __u32 parse_geneve(struct cursor *c)
{
	struct vgw_genevehdr *gh = cursor_pull(c, sizeof(*gh));

	if (!gh)
		return VGW_STEER_PASS_TRUNCATED;
	if (vgw_geneve_version(gh) != VGW_GENEVE_VERSION ||
	    gh->protocol_type != bpf_htons(VGW_ETH_P_TEB))
		return VGW_STEER_PASS_MALFORMED;
	if (!cursor_skip(c, vgw_geneve_opts_bytes(gh) & 0xff))
		return VGW_STEER_PASS_TRUNCATED;
	return VGW_STEER_REDIRECT_GENEVE;
}

/*
 * Outer headers up to the inner frame. Returns the counter of a steered
 * packet of this tunnel (VGW_STEER_REDIRECT_*), or why it passes.
 */
static __always_inline __u32 parse_tunnel(struct cursor *c)
{
	struct udphdr *udp;
	__be16 proto;
	__u32 why;

	if (!parse_eth(c, &proto))
		return VGW_STEER_PASS_TRUNCATED;
	if (proto == bpf_htons(ETH_P_IP))
		why = parse_outer_ipv4(c);
	else if (proto == bpf_htons(ETH_P_IPV6))
		why = parse_outer_ipv6(c);
	else
		return VGW_STEER_PASS_NOT_TUNNEL;
	if (why != STEER_NEXT)
		return why;

	udp = cursor_pull(c, sizeof(*udp));
	if (!udp)
		return VGW_STEER_PASS_TRUNCATED;
	switch (vgw_tunnel_of_port(udp->dest)) {
	case VGW_TUNNEL_VXLAN:
		return parse_vxlan(c);
	case VGW_TUNNEL_GENEVE:
		return parse_geneve(c);
	default:
		return VGW_STEER_PASS_NOT_TUNNEL;
	}
}

/* Inner L4: ports of TCP/UDP, identifier of an ICMP/ICMPv6 echo. */
static __always_inline __u32 parse_inner_l4(struct cursor *c, struct vgw_flow_key *key)
{
	struct vgw_icmp_echo *icmp;
	struct tcphdr *tcp;
	struct udphdr *udp;

	switch (key->proto) {
	case IPPROTO_TCP:
		tcp = cursor_pull(c, sizeof(*tcp));
		if (!tcp)
			return VGW_STEER_PASS_TRUNCATED;
		vgw_flow_key_set_ports(key, tcp->source, tcp->dest);
		break;
	case IPPROTO_UDP:
		udp = cursor_pull(c, sizeof(*udp));
		if (!udp)
			return VGW_STEER_PASS_TRUNCATED;
		vgw_flow_key_set_ports(key, udp->source, udp->dest);
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		/* Same layout for the type and the echo id in both. */
		icmp = cursor_pull(c, sizeof(*icmp));
		if (!icmp)
			return VGW_STEER_PASS_TRUNCATED;
		if (vgw_flow_icmp_is_echo(key->proto, icmp->type))
			vgw_flow_key_set_ports(key, icmp->id, icmp->id);
		break;
	}
	return STEER_NEXT;
}

static __always_inline __u32 parse_inner_ipv4(struct cursor *c, struct vgw_flow_key *key)
{
	struct iphdr *ip = cursor_pull(c, sizeof(*ip));

	if (!ip)
		return VGW_STEER_PASS_TRUNCATED;
	if (ip->version != 4 || ip->ihl < 5)
		return VGW_STEER_PASS_MALFORMED;
	vgw_flow_key_init_ipv4(key, ip->saddr, ip->daddr, ip->protocol);
	/* Every fragment, the first included, hashes on addresses only. */
	if (ip->frag_off & bpf_htons(IPV4_MF | IPV4_OFFSET))
		return STEER_NEXT;
	if (!skip_ipv4_options(c, ip))
		return VGW_STEER_PASS_TRUNCATED;
	return parse_inner_l4(c, key);
}

static __always_inline __u32 parse_inner_ipv6(struct cursor *c, struct vgw_flow_key *key)
{
	struct ipv6hdr *ip6 = cursor_pull(c, sizeof(*ip6));

	if (!ip6)
		return VGW_STEER_PASS_TRUNCATED;
	if (ip6->version != 6)
		return VGW_STEER_PASS_MALFORMED;
	vgw_flow_key_init_ipv6(key, (const __be32 *)&ip6->saddr, (const __be32 *)&ip6->daddr,
			       ip6->nexthdr);
	/* An extension header is not walked: addresses and next header only. */
	return parse_inner_l4(c, key);
}

/* The inner frame into @key; STEER_NEXT, or why the packet passes. */
static __always_inline __u32 parse_inner(struct cursor *c, struct vgw_flow_key *key)
{
	struct ethhdr *eth;
	__be16 proto;

	eth = parse_eth(c, &proto);
	if (!eth)
		return VGW_STEER_PASS_TRUNCATED;
	if (proto == bpf_htons(ETH_P_IP))
		return parse_inner_ipv4(c, key);
	if (proto == bpf_htons(ETH_P_IPV6))
		return parse_inner_ipv6(c, key);
	/* Not IP (ARP...): the MAC pair keeps one L2 conversation on one CPU. */
	vgw_flow_key_init_l2(key, eth->h_source, eth->h_dest);
	return STEER_NEXT;
}

/*
 * Redirect to the worker chosen by @key's hash; @counter is the tunnel's
 * VGW_STEER_REDIRECT_*. A CPU without a cpumap entry makes
 * bpf_redirect_map() return its flags' action, XDP_PASS: the packet is then
 * processed on this CPU rather than dropped.
 */
static __always_inline int steer_to_cpu(const struct vgw_flow_key *key, __u32 counter)
{
	const struct vgw_steer_config *cfg;
	__u32 zero = 0, n, slot;

	cfg = bpf_map_lookup_elem(&steer_config, &zero);
	if (!cfg)
		goto no_cpus;
	n = cfg->n_cpus;
	if (n == 0 || n > VGW_STEER_MAX_CPUS)
		goto no_cpus;
	slot = vgw_flow_slot(vgw_flow_hash(key), n);
	/* The verifier does not bound a modulo: restate the bound, unoptimized. */
	barrier_var(slot);
	if (slot >= VGW_STEER_MAX_CPUS)
		goto no_cpus;
	if (bpf_redirect_map(&cpu_map, cfg->cpus[slot], XDP_PASS) != XDP_REDIRECT) {
		count(VGW_STEER_PASS_NO_CPU_ENTRY);
		return XDP_PASS;
	}
	count(counter);
	return XDP_REDIRECT;
no_cpus:
	count(VGW_STEER_PASS_NO_CPUS);
	return XDP_PASS;
}

SEC("xdp")
int vgw_steer(struct xdp_md *ctx)
{
	struct cursor c = {
		.pos = (void *)(long)ctx->data,
		.end = (void *)(long)ctx->data_end,
	};
	struct vgw_flow_key key;
	__u32 counter, why;

	counter = parse_tunnel(&c);
	if (counter != VGW_STEER_REDIRECT_VXLAN && counter != VGW_STEER_REDIRECT_GENEVE)
		goto pass;
	why = parse_inner(&c, &key);
	if (why != STEER_NEXT) {
		counter = why;
		goto pass;
	}
	return steer_to_cpu(&key, counter);
pass:
	count(counter);
	return XDP_PASS;
}
