/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * vgw/cluster_wire.h - what vnicgw hosts send each other over the underlay.
 *
 * Both messages are Geneve (RFC 8926) to UDP 6081 of a member's underlay
 * address, from the sender's, carrying one option of vnicgw's class (in the
 * experimental range of RFC 8926 section 7.1), not critical. Same rules as
 * vgw/wire.h (kernel, BPF and userspace: fixed-width types, no bitfields).
 *
 * Handoff (option type VGW_OPT_HANDOFF): a packet of a flow that another
 * host owns. The Geneve VNI is the VNI it arrived with, the payload its
 * inner Ethernet frame untouched, and the option keeps the rest of its
 * receive context: the tunnel it came on, the outer source (the NVD or
 * gateway) and the outer destination (the VIP). The owner processes it as if
 * it had received it, and never hands it on again.
 *
 * State (option type VGW_OPT_STATE, protocol type VGW_ETH_P_STATE): records
 * of connections (tracking entries and NAT mappings) that the receiver owns
 * or backs up, applied as "create or refresh".
 *
 * Authentication (option type VGW_OPT_AUTH): when the cluster has keys,
 * every message carries this option last, after its handoff or state
 * option: the key's id, the sender's clock, a sequence number and the tag
 * (vgw/auth.h) over the outer addresses and the whole message. The
 * receiver takes a message only with a valid tag of one of its keys, a
 * clock within its skew bound of its own, and a sequence number it has
 * not taken from that sender before.
 */
#ifndef _VGW_CLUSTER_WIRE_H
#define _VGW_CLUSTER_WIRE_H

#include "wire.h"
#include "flow.h"

#define VGW_OPT_CLASS		0xff76	/* experimental class, 'v' */
#define VGW_OPT_HANDOFF		0x01
#define VGW_OPT_STATE		0x02
#define VGW_OPT_AUTH		0x03
/* IEEE 802 "local experimental" EtherType: the payload is state records. */
#define VGW_ETH_P_STATE		0x88b5

/* The option data of a handoff (36 bytes). */
struct vgw_handoff_opt {
	__u8 encap;		/* the tunnel it arrived on: 0 VXLAN, 1 Geneve */
	__u8 family;		/* 4 or 6: of the two addresses */
	__u8 flags;		/* 0 */
	__u8 reserved;		/* 0 */
	__u8 src[16];		/* outer source it arrived from */
	__u8 dst[16];		/* outer destination it arrived on: the VIP */
};

_Static_assert(sizeof(struct vgw_handoff_opt) == 36, "handoff option");

/* The option data of a state message (4 bytes). */
struct vgw_state_opt {
	__u8 version;		/* VGW_STATE_VERSION */
	/*
	 * Records in the payload: 1 to VGW_STATE_PER_MSG; 0 only with
	 * VGW_STATE_F_ASK (and no payload).
	 */
	__u8 count;
	__u8 flags;		/* VGW_STATE_F_* */
	__u8 reserved;		/* 0 */
};

#define VGW_STATE_VERSION	1
/*
 * A member that has just become one (its first set with itself in it: a
 * join, a restart of its module) asks the others for the state of the
 * flows it now holds; each answers with a resync (vgw_cluster_asked()).
 * Records the others sent before this host took its set were refused
 * here ("not this host's flow"): asking makes the join independent of
 * the order in which the hosts take the new set.
 */
#define VGW_STATE_F_ASK		0x01

/* The option data of the authentication (24 bytes). */
struct vgw_auth_opt {
	__u8 key_id;		/* the key that made the tag: 1 to 255 */
	__u8 reserved[3];	/* 0 */
	__be32 time;		/* the sender's clock: Unix time, seconds, mod 2^32 */
	/*
	 * Big-endian; one more in each message a host sends, from the time
	 * in nanoseconds its module started: larger after a restart too.
	 */
	__u8 seq[8];
	__u8 tag[8];		/* SipHash-2-4 output, little-endian (vgw/auth.h) */
};

_Static_assert(sizeof(struct vgw_auth_opt) == 24, "auth option");

enum vgw_state_kind {
	VGW_STATE_CT = 1,	/* a connection tracking entry */
	VGW_STATE_NAT = 2,	/* a NAT gateway mapping */
};

/* One connection record (72 bytes); multi-byte fields big-endian. */
struct vgw_state_rec {
	__u8 kind;		/* enum vgw_state_kind */
	__u8 proto;		/* IP protocol */
	__u8 state;		/* CT: tracking state; NAT: 1 closing */
	__u8 flags;		/* CT: bit 0, opened from daddr to saddr;
				 * NAT: bit 0, answered; both:
				 * VGW_STATE_FORGET */
	__be32 ttl;		/* seconds left */
	__u8 vnic[8];		/* the VNIC: the hash of its id, big-endian */
	union {
		struct vgw_flow_key flow;	/* CT: canonical key */
		struct {
			__u8 priv[16], remote[16], pub[16];
			__be16 priv_port, remote_port, pub_port;
			__u8 family;		/* 4 or 6 */
			__u8 pad;
		} nat;
	};
};

_Static_assert(sizeof(struct vgw_state_rec) == 72, "state record");

/*
 * The entry was deleted by an operator (vnicctl conntrack|nat delete): the
 * owner and backup remove their copies. A member that does not know the
 * bit takes the record as a refresh.
 */
#define VGW_STATE_FORGET	0x02

/* Records per message: they fit a 1500-byte underlay with room to spare. */
#define VGW_STATE_PER_MSG	16

/*
 * The largest cluster message, in bytes from its UDP header on. Members
 * never fragment their messages (a handoff larger than the underlay's MTU
 * is dropped by its sender as "mtu"), and no underlay fabric carries frames
 * of more than 9216 bytes: a larger message is malformed, and is refused
 * before its tag is computed, so that a spoofed sender cannot make a host
 * hash 64 kB datagrams.
 */
#define VGW_CLUSTER_MSG_MAX	16384

#endif /* _VGW_CLUSTER_WIRE_H */
