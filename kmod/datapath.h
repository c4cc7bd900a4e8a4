/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The packet path: what its stages share.
 *
 * A packet arrives on one of the namespace's UDP tunnel sockets (socket.c),
 * is parsed into a struct vgw_pkt (rx.c), answered at L2 (l2.c) or walked
 * through the VNIC's security rules and routes to a target (forward.c), and
 * leaves re-encapsulated (tx.c). Everything runs to completion on the CPU
 * that received it, in softirq context, under rcu_read_lock(), against one
 * configuration snapshot read once per packet.
 */
#ifndef _VGW_DATAPATH_H
#define _VGW_DATAPATH_H

#include <linux/if_ether.h>
#include <linux/skbuff.h>

#include "objects.h"

/* The virtual router's MAC: the source of every frame the cluster sends. */
#define VGW_ROUTER_MAC { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 }

/*
 * Where a packet goes out: an NVD (VNIC) or a gateway. The outer source is a
 * VIP, the address the peer itself sends to: an NVD's tunnel (a Linux Geneve
 * device, say) may accept only its remote as source.
 */
struct vgw_peer {
	const struct vgw_ip *underlay;
	const struct vgw_ip *src;	/* outer source; NULL: routing picks */
	u32 vni;
	u8 encap;			/* enum vnicgw_encap */
	u8 mac[ETH_ALEN];		/* inner destination MAC */
	u8 n_txc;			/* route caches (tx.c); 0: none */
	struct vgw_txc __rcu **txc;
};

/*
 * The parsed packet. Offsets are from skb->data, which points at the inner
 * Ethernet header once the outer headers are pulled.
 */
struct vgw_pkt {
	struct sk_buff *skb;
	struct vgw_net *vn;
	const struct vgw_snap *snap;

	/* Outer: where it came from and on which tunnel. */
	struct vgw_ip outer_src, outer_dst;
	u32 vni;
	u8 encap;

	/* Inner. */
	__be16 ethertype;
	u8 l4proto;
	u8 icmp_type, icmp_code;
	u8 tcp_flags;
	/*
	 * An IP fragment (IPv4, or IPv6 with a fragment header); not the
	 * first: no L4 header (protocol, ports and ICMP type recalled).
	 */
	bool frag, later_frag;
	u16 sport, dport;		/* host order; ICMP echo: the id */
	struct vgw_ip src, dst;
	unsigned int l3_off, l4_off;	/* l4_off: past IPv6 extension headers */
	u32 frag_id;			/* a fragment's datagram id (IPv4: 16 bits) */
	u32 hash;			/* symmetric flow hash */
	/* Handed over by another host: this host is the owner; no more handoffs. */
	bool handed;

	/*
	 * Whose it is: the VNIC that sent it (until delivery, then the
	 * destination VNIC: drops count there) or the gateway it came from.
	 */
	const struct vgw_vnic *vnic;
	const struct vgw_gw *gw;
	/* The VNIC that sent it, and its source address and port before NAT. */
	const struct vgw_vnic *sender;
	struct vgw_ip sender_src;
	u16 sender_sport;
	/*
	 * A trace (vnicctl trace, explain.c): the packet was made up by
	 * VNICGW_CMD_TRACE, and the walk notes its stages here instead of
	 * changing anything: no counter, connection, mapping, handoff, state
	 * record or transmission. NULL for every real packet.
	 */
	struct vgw_explain *ex;
};

/*
 * What a trace found: its stages (enum vnicgw_stage) in order, and how it
 * ended. Strings point into the snapshot and the cluster the walk read;
 * they are read before the walk's RCU read section ends.
 */
#define VGW_EXPLAIN_STEPS	12

struct vgw_step {
	u8 stage, result;			/* enum vnicgw_stage, _result */
	u8 obj_type, target_type, rule_obj_type;
	u8 ct_state, reason;
	bool has_index, has_pfx, has_rule, has_ct, has_addr, has_port;
	u16 port;
	u32 index, rule_index, expires;
	const char *obj, *target, *rule_obj, *owner, *backup;
	struct vgw_pfx pfx;
	struct vgw_ip addr;
};

struct vgw_explain {
	unsigned int n;
	struct vgw_step steps[VGW_EXPLAIN_STEPS];
	u8 verdict;				/* enum vnicgw_trace_verdict */
	u8 reason;				/* VNICGW_TRACE_DROP */
	/* A tracked connection that let the packet pass (vgw_ct_pass()). */
	u8 ct_state;
	u32 ct_expires;
	/*
	 * The frame as it would leave: outer addresses (a handoff: the
	 * owner's, out_dst only), VNI, encapsulation, inner MACs, then the
	 * inner packet as rewritten (NAT, TTL).
	 */
	struct vgw_ip out_src, out_dst;		/* family 0: none */
	u32 out_vni;
	u8 out_encap;
	u8 out_smac[ETH_ALEN], out_dmac[ETH_ALEN];
	struct vgw_ip in_src, in_dst;
	u8 in_proto, in_ttl;
	bool in_ports, in_echo;			/* TCP/UDP ports; echo id */
	u16 in_sport, in_dport;
};

/* explain.c: the next stage of @p's trace (zeroed), or NULL if full. */
struct vgw_step *vgw_explain_step(const struct vgw_pkt *p, u8 stage,
				   u8 result);
/* The packet ends here (@verdict); its skb is freed. */
void vgw_explain_end(struct vgw_pkt *p, u8 verdict);
/*
 * VNICGW_CMD_TRACE: the packet that @tb (enum vnicgw_trace_attr, parsed
 * from @nest) describes, run through the walk; its stages and verdict go
 * into @msg. 0, -EMSGSIZE, -ENOMEM, or a refusal with @extack set
 * (-EINVAL; -ENOENT for a VNIC or gateway that does not exist).
 */
extern const struct nla_policy vgw_trace_policy[VNICGW_TRACE_MAX + 1];
int vgw_trace(struct vgw_net *vn, const struct nlattr *nest, struct nlattr **tb,
	      struct sk_buff *msg, struct netlink_ext_ack *extack);

/*
 * The packet an ICMP error quotes (icmp.c): its ends, protocol and ports
 * (ICMP echo: the identifier as both), and where its headers are, from
 * skb->data.
 */
struct vgw_quote {
	struct vgw_ip src, dst;
	u16 sport, dport;
	u8 proto;
	unsigned int l3_off, l4_off;
};

/* rx.c */
int vgw_rx(struct vgw_net *vn, struct sk_buff *skb, u8 encap);
/*
 * The walk of a parsed packet (p->snap, outer addresses, VNI and
 * ethertype set; skb->data at the inner Ethernet header): the VNIC or
 * gateway its (VIP, VNI) names, then the walk from there. Consumes the skb.
 */
void vgw_rx_walk(struct vgw_pkt *p);
/* A packet refused before it was parsed: counted as received and dropped. */
void vgw_rx_drop(struct vgw_net *vn, struct sk_buff *skb,
		 enum vnicgw_drop reason);

/* l2.c: answers ARP and IPv6 neighbour solicitations; consumes the skb. */
void vgw_l2_answer(struct vgw_pkt *p, const struct vgw_peer *back);

/* forward.c */
void vgw_from_vnic(struct vgw_pkt *p);
void vgw_from_gateway(struct vgw_pkt *p);
int vgw_parse_ip(struct vgw_pkt *p);
/* Replace the source or destination address; checksums follow. */
int vgw_rewrite_addr(struct vgw_pkt *p, bool src, const struct vgw_ip *to);

/* icmp.c */
void vgw_icmp_too_big(struct vgw_pkt *p, unsigned int mtu);
bool vgw_icmp_is_error(const struct vgw_pkt *p);
/* Is ICMP (@proto 1) or ICMPv6 (58) type @type an error that quotes a packet? */
bool vgw_icmp_type_is_error(u8 proto, u8 type);
int vgw_icmp_quote(struct vgw_pkt *p, struct vgw_quote *q);
int vgw_icmp_quote_rewrite(struct vgw_pkt *p, struct vgw_quote *q, bool src,
			   const struct vgw_ip *addr, int port);

/*
 * frag.c: the ports of a fragmented datagram, from its first fragment, kept
 * per sender. Note @p if it is a first fragment, once its sender passed its
 * checks; recall (at parse) fills a later fragment's L4 fields, or false.
 */
void vgw_frag_note(const struct vgw_pkt *p);
bool vgw_frag_recall(struct vgw_pkt *p);
int vgw_frag_net_init(struct vgw_net *vn);
void vgw_frag_net_exit(struct vgw_net *vn);

/* tx.c: encapsulate @p's frame to @to and send it. Consumes the skb. */
void vgw_tx(struct vgw_pkt *p, const struct vgw_peer *to);
/*
 * Send @skb (data at the tunnel header, pushed by the caller) over UDP to
 * @dst port 4789/6081 (@encap), from @src (NULL: routing picks), source port
 * from @hash. 0 (consumed), or -EMSGSIZE / -ENETUNREACH / -ENOMEM with the
 * skb still the caller's.
 */
int vgw_tx_udp(struct vgw_net *vn, struct sk_buff *skb,
	       const struct vgw_ip *src, const struct vgw_ip *dst, u32 hash,
	       u8 encap);
void vgw_peer_of_vnic(const struct vgw_vnic *v, struct vgw_peer *to);
void vgw_peer_of_gw(const struct vgw_gw *g, const struct vgw_pkt *p,
		    struct vgw_peer *to);

/* stats.c: count and free. */
void vgw_drop(struct vgw_pkt *p, enum vnicgw_drop reason);
void vgw_count_rx(struct vgw_net *vn);
u64 vgw_cpu_rx(const struct vgw_net *vn, int cpu);
void vgw_count_out(const struct vgw_vnic *v, unsigned int len);
void vgw_count_in(const struct vgw_vnic *v, unsigned int len);
void vgw_vnic_stats(const struct vgw_vnic_rt *rt, struct vgw_vnic_pcpu *sum);
void vgw_net_drops(const struct vgw_net *vn, u64 *drops);

/* socket.c */
int vgw_sockets_open(struct vgw_net *vn);
void vgw_sockets_close(struct vgw_net *vn);

#endif /* _VGW_DATAPATH_H */
