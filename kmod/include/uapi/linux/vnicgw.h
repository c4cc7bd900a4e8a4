/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/*
 * vnicgw generic netlink API: the one definition shared by the kernel module,
 * the agent and vnicctl.
 *
 * Conventions:
 * - Every command works on the network namespace of the requesting socket.
 * - Every command but GET_INFO (reads of the tables, counters and cluster
 *   included) needs CAP_NET_ADMIN in the initial user namespace; with the
 *   module parameter allow_userns, CAP_NET_ADMIN in the user namespace that
 *   owns the network namespace suffices. GET_INFO needs no privilege in a
 *   namespace owned by the initial user namespace, or with allow_userns.
 *   Creating a vnicgw link follows the same rule.
 * - Attributes are validated strictly: unknown attributes, wrong types and
 *   trailing data are refused, and the extack message names the attribute.
 */
#ifndef _UAPI_LINUX_VNICGW_H
#define _UAPI_LINUX_VNICGW_H

#define VNICGW_GENL_NAME	"vnicgw"
/*
 * Multicast groups (CAP_NET_ADMIN in the namespace's user namespace to
 * join; without the module parameter allow_userns, a namespace owned by
 * another user namespace than the initial one sends nothing; on kernels
 * that cannot require the capability at join the module offers none):
 * "config": a VNICGW_CMD_NOTIFY message for every change of the tables or
 * the cluster; "drops": a VNICGW_CMD_DROP message for dropped packets, at
 * most drop_events_rate a second per namespace (module parameter).
 */
#define VNICGW_MCGRP_CONFIG	"config"
#define VNICGW_MCGRP_DROPS	"drops"
#define VNICGW_GENL_VERSION	1

/* Link kind for "ip link add NAME type vnicgw". */
#define VNICGW_LINK_KIND	"vnicgw"

enum vnicgw_cmd {
	VNICGW_CMD_UNSPEC,
	/*
	 * GET_INFO: module version, features, and the namespace's state
	 * (generation, link). No attributes in the request.
	 */
	VNICGW_CMD_GET_INFO,
	/*
	 * FLUSH: remove every object of the namespace's tables. Needs
	 * CAP_NET_ADMIN. The reply is an ack; GET_INFO shows the new
	 * generation.
	 */
	VNICGW_CMD_FLUSH,
	/*
	 * Transactions: changes made between TXN_BEGIN and TXN_COMMIT, from
	 * the socket that began it, reach packets all at once at the commit.
	 * One transaction per namespace at a time (-EBUSY for others); it is
	 * aborted if its socket closes. A change outside a transaction is a
	 * transaction of its own. A change the module refuses aborts the
	 * transaction it was part of; a request that generic netlink's
	 * attribute validation refuses (a malformed message: unknown or
	 * reply-only attribute, wrong length or nesting) never reaches the
	 * module and leaves the transaction open: send TXN_ABORT after any
	 * refusal (on a transaction already ended it answers -ENOENT).
	 */
	VNICGW_CMD_TXN_BEGIN,
	VNICGW_CMD_TXN_COMMIT,
	VNICGW_CMD_TXN_ABORT,
	/*
	 * OBJ_SET: create an object, or replace the one with the same type
	 * and id. Exactly one object nest (VNICGW_A_VCN ... VNICGW_A_VNIC).
	 * References must name existing objects of the same VCN.
	 */
	VNICGW_CMD_OBJ_SET,
	/* OBJ_DEL: VNICGW_A_OBJ_TYPE + VNICGW_A_OBJ_ID; refused while used. */
	VNICGW_CMD_OBJ_DEL,
	/*
	 * OBJ_GET: do: VNICGW_A_OBJ_TYPE + VNICGW_A_OBJ_ID, answers one
	 * object nest; dump: every object, or those of VNICGW_A_OBJ_TYPE.
	 * A dump reads one snapshot per message and resumes in hash order,
	 * so it survives concurrent changes: an object present throughout
	 * the dump is reported once. VNICGW_A_GENERATION in every message
	 * tells which snapshot it came from.
	 *
	 * An object too large for one message (a route table of thousands of
	 * rules, a security list or NSG of a thousand) is split: its first
	 * message is an ordinary object nest with the first rules; each
	 * following message, the next in the dump, holds the same object
	 * again (its ID and VCN) with VNICGW_RT_APPEND (VNICGW_SECLIST_APPEND)
	 * and the next rules, and the same VNICGW_A_GENERATION and
	 * VNICGW_A_OBJ_GEN. The reader appends them to the object it just
	 * read; a security list part's INGRESS and EGRESS lists continue the
	 * object's (either may be absent from a part). A dump with VNICGW_A_OBJ_TYPE and
	 * VNICGW_A_OBJ_ID reports that one object only (split the same way),
	 * whatever its size. A do answers one message: an object that needs
	 * more is refused with -EMSGSIZE (and a message): dump it instead.
	 * A dump refused (no CAP_NET_ADMIN, VNICGW_A_OBJ_ID without its type,
	 * a malformed id) is empty: its NLMSG_DONE carries the negative errno
	 * and, with NETLINK_EXT_ACK, the message (6.1 gives a dump's start no
	 * extack, so the refusal is reported by the dump itself).
	 */
	VNICGW_CMD_OBJ_GET,
	/*
	 * STATS (dump): first a message with the namespace's drops
	 * (VNICGW_A_DROPS), tunnel packets of the first possible CPUs
	 * (VNICGW_A_CPU_RX), connection table (VNICGW_A_CT_*) and NAT
	 * mappings (VNICGW_A_NAT_*); then, on a machine with more possible
	 * CPUs than that message holds, messages of VNICGW_A_CPU_RX alone
	 * with the next ones; then one per VNIC (VNICGW_A_VNIC_STATS).
	 */
	VNICGW_CMD_STATS,
	/*
	 * CLUSTER_SET: the cluster's live hosts and which of them this
	 * namespace is; one VNICGW_A_CLUSTER nest (enum vnicgw_cluster_attr).
	 * Needs CAP_NET_ADMIN. The module builds the owner table
	 * (vgw/owner.h) from the member ids, so the same set gives the same
	 * table on every host, then sends the connection state it holds to the
	 * flows' new owners and backups. No members: standalone, every flow is
	 * this host's (the default). Members without VNICGW_CLUSTER_SELF: this
	 * host is draining (or not yet a member): it processes stateless
	 * traffic and hands every stateful flow to its owner.
	 * CLUSTER_GET: the same nest as set, plus the table's fingerprint, its
	 * epoch and the cluster counters.
	 */
	VNICGW_CMD_CLUSTER_SET,
	VNICGW_CMD_CLUSTER_GET,
	/*
	 * NOTIFY (multicast "config", never a request): VNICGW_A_NOTIFY says
	 * what changed. COMMIT: the tables, now at VNICGW_A_GENERATION;
	 * VNICGW_A_CHANGES lists at most VNICGW_NOTIFY_CHANGES_MAX of the
	 * objects added, changed or removed, in no particular order;
	 * VNICGW_A_CHANGE_COUNT counts them all (more than listed: dump the
	 * tables). A notification the module could not send sets ENOBUFS on
	 * the listeners' sockets: dump the tables. FLUSH: every object removed
	 * (VNICGW_A_CHANGE_COUNT of them). CLUSTER: the cluster, the
	 * VNICGW_A_CLUSTER nest of CLUSTER_GET.
	 */
	VNICGW_CMD_NOTIFY,
	/*
	 * DROP (multicast "drops", never a request): a dropped packet:
	 * VNICGW_A_DROP_REASON, VNICGW_A_DROP_VNIC (the VNIC it counts in,
	 * if any), VNICGW_A_DROP_VNI, and its inner flow as far as it was
	 * parsed: VNICGW_A_DROP_SRC/DST (4 or 16 bytes), _SPORT/_DPORT (host
	 * order; ICMP echo: the identifier), _PROTO. VNICGW_A_DROP_MISSED:
	 * the drops not reported since the previous message (the rate limit).
	 */
	VNICGW_CMD_DROP,
	/*
	 * CT_GET (dump): the connection tracker's entries, one message each
	 * (a VNICGW_A_CT nest, enum vnicgw_ct_attr): the live entries of live
	 * VNICs that this host holds, as a flow's owner or its backup (or
	 * with a NAT mapping it holds). A request with a VNICGW_A_CT nest
	 * holding VNICGW_CT_VNIC lists that VNIC's only (the messages carry
	 * NLM_F_DUMP_FILTERED); any other attribute there is refused, and so
	 * is a VNIC that does not exist. The walk is no snapshot: an entry
	 * opened or closed meanwhile may be in it or not, as may one whose
	 * neighbours in the table went meanwhile; when the table is resized
	 * during the walk, the walk starts over (entries come twice) and the
	 * messages from then on carry NLM_F_DUMP_INTR. Needs CAP_NET_ADMIN.
	 * CT_DEL: forget one connection: VNICGW_CT_VNIC and the flow
	 * (VNICGW_CT_PROTO, _SRC, _DST, _SPORT, _DPORT, either direction;
	 * ICMP echo: both ports are the identifier). ENOENT if it is not
	 * tracked. In a cluster the flow's owner and backup remove their
	 * copies too (a state record with VGW_STATE_FORGET); its next packet
	 * meets the VNIC's rules again.
	 */
	VNICGW_CMD_CT_GET,
	VNICGW_CMD_CT_DEL,
	/*
	 * NAT_GET (dump), NAT_DEL: the NAT gateway's mappings (a VNICGW_A_NAT
	 * nest, enum vnicgw_nat_attr), as CT_GET and CT_DEL. A request's
	 * VNICGW_NAT_VNIC lists one VNIC's; NAT_DEL names a mapping by its
	 * outside: VNICGW_NAT_PROTO, _PUBLIC_IP, _PUBLIC_PORT, _REMOTE_IP,
	 * _REMOTE_PORT (ICMP echo: remote port 0), and by the VNIC too if
	 * VNICGW_NAT_VNIC is given. The remote's next packets to that public
	 * port are dropped (nat_inbound) until the inside opens a connection
	 * again.
	 */
	VNICGW_CMD_NAT_GET,
	VNICGW_CMD_NAT_DEL,
	/*
	 * TRACE (do): explain what the module would do with one packet. The
	 * request's VNICGW_A_TRACE nest (enum vnicgw_trace_attr) describes
	 * it; the module builds the frame and runs it through the packet
	 * path itself, in a mode that sends nothing and changes nothing: no
	 * counter, no connection opened or refreshed, no NAT port taken, no
	 * handoff, no state record, no drop event. The reply: the generation
	 * of the tables it read (VNICGW_A_GENERATION), the stages in order
	 * (VNICGW_A_TRACE_STEPS, a list of nests of enum vnicgw_step_attr),
	 * the outcome (VNICGW_A_TRACE_VERDICT), for a drop its reason
	 * (VNICGW_A_DROP_REASON), and for a frame that would leave, the frame
	 * (VNICGW_A_TRACE_OUT: a nest of enum vnicgw_trace_attr: outer
	 * addresses, VNI, encapsulation, inner MACs, addresses, ports, TTL).
	 * Needs CAP_NET_ADMIN.
	 */
	VNICGW_CMD_TRACE,

	__VNICGW_CMD_MAX,
	VNICGW_CMD_MAX = __VNICGW_CMD_MAX - 1
};

enum vnicgw_attr {
	VNICGW_A_UNSPEC,
	VNICGW_A_PAD,
	VNICGW_A_VERSION,	/* string: module version */
	VNICGW_A_FEATURES,	/* u64: bit set of VNICGW_FEATURE_* */
	VNICGW_A_GENERATION,	/* u64: bumped by every change of the tables */
	VNICGW_A_IFINDEX,	/* u32: the namespace's vnicgw link, if any */
	VNICGW_A_IFNAME,	/* string: its name */
	VNICGW_A_OBJ_TYPE,	/* u8: enum vnicgw_obj */
	VNICGW_A_OBJ_ID,	/* string: an object id */
	VNICGW_A_VCN,		/* nest: enum vnicgw_vcn_attr */
	VNICGW_A_SUBNET,	/* nest: enum vnicgw_subnet_attr */
	VNICGW_A_ROUTE_TABLE,	/* nest: enum vnicgw_rt_attr */
	VNICGW_A_SECLIST,	/* nest: enum vnicgw_seclist_attr */
	VNICGW_A_NSG,		/* nest: enum vnicgw_seclist_attr */
	VNICGW_A_GATEWAY,	/* nest: enum vnicgw_gw_attr */
	VNICGW_A_VNIC,		/* nest: enum vnicgw_vnic_attr */
	VNICGW_A_OBJ_COUNT,	/* u32: objects in the namespace (GET_INFO) */
	VNICGW_A_OBJ_GEN,	/* u64: generation that set this version of the object */
	VNICGW_A_DROPS,		/* nest: u64 per reason, attribute type = reason + 1 */
	VNICGW_A_VNIC_STATS,	/* nest: enum vnicgw_vstats_attr */
	VNICGW_A_CPU_RX,	/* nest: u64 per CPU, attribute type = CPU + 1 */
	VNICGW_A_CLUSTER,	/* nest: enum vnicgw_cluster_attr */
	VNICGW_A_CT_ENTRIES,	/* u32: tracked connections, every VNIC's */
	VNICGW_A_CT_BUCKETS,	/* u32: the connection table's size now */
	VNICGW_A_NAT_ENTRIES,	/* u32: NAT gateway mappings, every gateway's */
	VNICGW_A_NAT_BUCKETS,	/* u32: the mapping tables' size now (each) */
	VNICGW_A_NOTIFY,	/* u8: enum vnicgw_notify (NOTIFY) */
	VNICGW_A_CHANGES,	/* list of nests: enum vnicgw_change_attr (NOTIFY) */
	VNICGW_A_CHANGE_COUNT,	/* u32: the changes of a commit, listed or not */
	VNICGW_A_DROP_REASON,	/* u8: enum vnicgw_drop (DROP) */
	VNICGW_A_DROP_VNIC,	/* string: the VNIC the drop counts in */
	VNICGW_A_DROP_VNI,	/* u32: the tunnel's VNI */
	VNICGW_A_DROP_SRC,	/* binary, 4 or 16 bytes: inner source */
	VNICGW_A_DROP_DST,	/* binary, 4 or 16 bytes: inner destination */
	VNICGW_A_DROP_SPORT,	/* u16 */
	VNICGW_A_DROP_DPORT,	/* u16 */
	VNICGW_A_DROP_PROTO,	/* u8: IP protocol */
	VNICGW_A_DROP_MISSED,	/* u64: drops not reported before this one */
	VNICGW_A_CT,		/* nest: enum vnicgw_ct_attr (CT_GET, CT_DEL) */
	VNICGW_A_NAT,		/* nest: enum vnicgw_nat_attr (NAT_GET, NAT_DEL) */
	VNICGW_A_TRACE,		/* nest: enum vnicgw_trace_attr (TRACE request) */
	VNICGW_A_TRACE_STEPS,	/* list of nests: enum vnicgw_step_attr (TRACE) */
	VNICGW_A_TRACE_VERDICT,	/* u8: enum vnicgw_trace_verdict (TRACE) */
	VNICGW_A_TRACE_OUT,	/* nest: enum vnicgw_trace_attr, the frame sent */

	__VNICGW_A_MAX,
	VNICGW_A_MAX = __VNICGW_A_MAX - 1
};

enum vnicgw_notify {
	VNICGW_NOTIFY_UNSPEC,
	VNICGW_NOTIFY_COMMIT,
	VNICGW_NOTIFY_FLUSH,
	VNICGW_NOTIFY_CLUSTER,
};

#define VNICGW_NOTIFY_CHANGES_MAX	64

enum vnicgw_change_attr {
	VNICGW_CHANGE_UNSPEC,
	VNICGW_CHANGE_TYPE,		/* u8: enum vnicgw_obj */
	VNICGW_CHANGE_ID,		/* string */
	VNICGW_CHANGE_OP,		/* u8: enum vnicgw_change_op */
	__VNICGW_CHANGE_MAX,
	VNICGW_CHANGE_MAX = __VNICGW_CHANGE_MAX - 1
};

enum vnicgw_change_op {
	VNICGW_CHANGE_ADDED = 1,
	VNICGW_CHANGE_CHANGED,
	VNICGW_CHANGE_REMOVED,
};

/*
 * Object types. The order is the dependency order: an object refers only to
 * objects of earlier types, so creating in this order and deleting in the
 * reverse never meets a missing reference.
 */
enum vnicgw_obj {
	VNICGW_OBJ_VCN,
	VNICGW_OBJ_GATEWAY,
	VNICGW_OBJ_ROUTE_TABLE,
	VNICGW_OBJ_SECLIST,
	VNICGW_OBJ_NSG,
	VNICGW_OBJ_SUBNET,
	VNICGW_OBJ_VNIC,
	__VNICGW_OBJ_MAX
};

/*
 * Encodings shared by the object nests:
 * - an id is a string of [A-Za-z0-9._-], 1 to 63 characters, its NUL the
 *   attribute's last byte, as nla_put_string() makes it (no padding after
 *   the NUL: "a\0\0" is refused; so are a cluster's member ids);
 * - an address is 4 (IPv4) or 16 (IPv6) bytes, network order;
 * - a prefix is a nest of enum vnicgw_pfx_attr; host bits must be zero;
 * - a list is a nest whose every attribute has type VNICGW_ITEM.
 */
#define VNICGW_ID_MAX		64	/* with the NUL */
#define VNICGW_ITEM		1
#define VNICGW_VNI_MAX		0xffffff
#define VNICGW_PROTO_ALL	0xffff
#define VNICGW_CONNTRACK_MAX	(1U << 20)

enum vnicgw_pfx_attr {
	VNICGW_PFX_UNSPEC,
	VNICGW_PFX_ADDR,	/* address */
	VNICGW_PFX_LEN,		/* u8: 0..32 or 0..128 */
	__VNICGW_PFX_MAX,
	VNICGW_PFX_MAX = __VNICGW_PFX_MAX - 1
};

enum vnicgw_vcn_attr {
	VNICGW_VCN_UNSPEC,
	VNICGW_VCN_ID,		/* string */
	VNICGW_VCN_CIDRS,	/* list of prefixes; at least one */
	__VNICGW_VCN_MAX,
	VNICGW_VCN_MAX = __VNICGW_VCN_MAX - 1
};

enum vnicgw_subnet_attr {
	VNICGW_SUBNET_UNSPEC,
	VNICGW_SUBNET_ID,		/* string */
	VNICGW_SUBNET_VCN,		/* string: VCN id */
	VNICGW_SUBNET_CIDR,		/* prefix, inside one of the VCN's CIDRs */
	VNICGW_SUBNET_ROUTE_TABLE,	/* string: route table id (optional) */
	VNICGW_SUBNET_SECLISTS,		/* list of strings: security list ids */
	__VNICGW_SUBNET_MAX,
	VNICGW_SUBNET_MAX = __VNICGW_SUBNET_MAX - 1
};

/*
 * A route table holds at most VNICGW_RT_RULES_MAX rules, kept in the order
 * sent. A netlink attribute holds less than 64 KiB (about 1,500 rules), so a
 * larger table is set in pieces inside one transaction: an OBJ_SET with the
 * table's attributes and the first rules, then OBJ_SETs of the same id
 * with VNICGW_RT_APPEND and the next rules (VNICGW_RT_VCN may be left out;
 * if present it must be the table's). An append is refused outside a
 * transaction, to a table not set earlier in the same transaction, and
 * beyond VNICGW_RT_RULES_MAX rules. The table is checked and compiled once,
 * at the commit. Dumps split large tables the same way (VNICGW_CMD_OBJ_GET).
 */
#define VNICGW_RT_RULES_MAX	262144

enum vnicgw_rt_attr {
	VNICGW_RT_UNSPEC,
	VNICGW_RT_ID,		/* string */
	VNICGW_RT_VCN,		/* string */
	VNICGW_RT_RULES,	/* list of nests: enum vnicgw_route_attr */
	VNICGW_RT_APPEND,	/* flag: these rules continue the table */
	__VNICGW_RT_MAX,
	VNICGW_RT_MAX = __VNICGW_RT_MAX - 1
};

/* A route rule: one destination and one target. */
enum vnicgw_route_attr {
	VNICGW_ROUTE_UNSPEC,
	VNICGW_ROUTE_DST,		/* prefix */
	VNICGW_ROUTE_DST_SERVICE,	/* string: a service label */
	VNICGW_ROUTE_TARGET_GW,		/* string: gateway id */
	VNICGW_ROUTE_TARGET_IP,		/* address: "private-ip:" target */
	__VNICGW_ROUTE_MAX,
	VNICGW_ROUTE_MAX = __VNICGW_ROUTE_MAX - 1
};

/*
 * Security lists and NSGs have the same shape. One whose rules do not fit
 * one attribute (64 KiB) is set in pieces inside one transaction, as route
 * tables are: an OBJ_SET with the list's attributes and the first rules,
 * then OBJ_SETs of the same id with VNICGW_SECLIST_APPEND and the next
 * ingress and egress rules (VNICGW_SECLIST_VCN may be left out; if present
 * it must be the list's). Dumps split large lists the same way.
 */
enum vnicgw_seclist_attr {
	VNICGW_SECLIST_UNSPEC,
	VNICGW_SECLIST_ID,	/* string */
	VNICGW_SECLIST_VCN,	/* string */
	VNICGW_SECLIST_INGRESS,	/* list of nests: enum vnicgw_rule_attr */
	VNICGW_SECLIST_EGRESS,	/* list of nests: enum vnicgw_rule_attr */
	VNICGW_SECLIST_APPEND,	/* flag: these rules continue the list */
	__VNICGW_SECLIST_MAX,
	VNICGW_SECLIST_MAX = __VNICGW_SECLIST_MAX - 1
};

/*
 * A security rule. The peer is the source of an ingress rule, the
 * destination of an egress rule: a prefix or an NSG of the same VCN.
 * Absent ports: all; absent ICMP type or code: any.
 */
enum vnicgw_rule_attr {
	VNICGW_RULE_UNSPEC,
	VNICGW_RULE_PEER,	/* prefix */
	VNICGW_RULE_PEER_NSG,	/* string: NSG id */
	VNICGW_RULE_PROTO,	/* u16: 0..255 or VNICGW_PROTO_ALL */
	VNICGW_RULE_SPORT_LO,	/* u16; TCP and UDP only, with _HI */
	VNICGW_RULE_SPORT_HI,	/* u16 */
	VNICGW_RULE_DPORT_LO,	/* u16 */
	VNICGW_RULE_DPORT_HI,	/* u16 */
	VNICGW_RULE_ICMP_TYPE,	/* u8; ICMP and ICMPv6 only */
	VNICGW_RULE_ICMP_CODE,	/* u8 */
	VNICGW_RULE_STATELESS,	/* flag */
	__VNICGW_RULE_MAX,
	VNICGW_RULE_MAX = __VNICGW_RULE_MAX - 1
};

enum vnicgw_gw_type {
	VNICGW_GW_TYPE_INTERNET,
	VNICGW_GW_TYPE_NAT,
	VNICGW_GW_TYPE_SERVICE,
	VNICGW_GW_TYPE_DRG,
	VNICGW_GW_TYPE_LPG,
	__VNICGW_GW_TYPE_MAX
};

enum vnicgw_encap {
	VNICGW_ENCAP_VXLAN,
	VNICGW_ENCAP_GENEVE,
	__VNICGW_ENCAP_MAX
};

enum vnicgw_gw_attr {
	VNICGW_GW_UNSPEC,
	VNICGW_GW_ID,		/* string */
	VNICGW_GW_VCN,		/* string */
	VNICGW_GW_TYPE,		/* u8: enum vnicgw_gw_type */
	VNICGW_GW_PUBLIC_IP,	/* address: NAT gateways (required there) */
	VNICGW_GW_SERVICES,	/* list of nests: enum vnicgw_svc_attr */
	VNICGW_GW_UNDERLAY_IP,	/* address */
	VNICGW_GW_VNI,		/* u32: 1..VNICGW_VNI_MAX */
	VNICGW_GW_ENCAP,	/* u8: enum vnicgw_encap (default vxlan) */
	VNICGW_GW_ENABLED,	/* u8: 0 or 1 (default 1) */
	__VNICGW_GW_MAX,
	VNICGW_GW_MAX = __VNICGW_GW_MAX - 1
};

/* A service of a service gateway: a label and its prefixes. */
enum vnicgw_svc_attr {
	VNICGW_SVC_UNSPEC,
	VNICGW_SVC_NAME,	/* string */
	VNICGW_SVC_PREFIXES,	/* list of prefixes */
	__VNICGW_SVC_MAX,
	VNICGW_SVC_MAX = __VNICGW_SVC_MAX - 1
};

enum vnicgw_vnic_attr {
	VNICGW_VNIC_UNSPEC,
	VNICGW_VNIC_ID,		/* string */
	VNICGW_VNIC_SUBNET,	/* string */
	VNICGW_VNIC_PRIVATE_IPS,	/* list of addresses; the first is primary */
	VNICGW_VNIC_MAC,	/* 6 bytes */
	VNICGW_VNIC_PUBLIC_IP,	/* address (optional) */
	VNICGW_VNIC_NSGS,	/* list of strings: NSG ids */
	VNICGW_VNIC_SKIP_SDC,	/* u8: skip source/destination check */
	VNICGW_VNIC_MV_VNI,	/* u32: micro-VNIC VNI, 1..VNICGW_VNI_MAX */
	VNICGW_VNIC_MV_NVD_IP,	/* address: the micro-VNIC's NVD */
	VNICGW_VNIC_MV_ENCAP,	/* u8: enum vnicgw_encap */
	VNICGW_VNIC_VIPS,	/* list of nests: enum vnicgw_vip_attr */
	VNICGW_VNIC_CT_LIMIT,	/* u32: 1..VNICGW_CONNTRACK_MAX */
	__VNICGW_VNIC_MAX,
	VNICGW_VNIC_MAX = __VNICGW_VNIC_MAX - 1
};

enum vnicgw_vip_attr {
	VNICGW_VIP_UNSPEC,
	VNICGW_VIP_IP,		/* address */
	VNICGW_VIP_TARGET,	/* string: gateway id; absent: route */
	__VNICGW_VIP_MAX,
	VNICGW_VIP_MAX = __VNICGW_VIP_MAX - 1
};

/*
 * Why a packet was dropped: one list, for the module's counters and
 * vnicctl. Name in C, name printed, what it means.
 */
#define VNICGW_DROP_REASONS(X)						\
	X(MALFORMED, "malformed", "truncated or unparsable packet")		\
	X(BAD_TUNNEL, "bad_tunnel", "VXLAN/Geneve header invalid (flags, version, critical option)") \
	X(NO_ATTACHMENT, "no_attachment", "no VNIC or gateway for (VIP, VNI)")	\
	X(OUTER_SRC_SPOOF, "outer_src_spoof", "outer source is not the micro-VNIC's NVD or the gateway") \
	X(MAC_SPOOF, "mac_spoof", "inner source MAC is not the VNIC's")	\
	X(SRC_IP_SPOOF, "src_ip_spoof", "inner source IP is not one of the VNIC's") \
	X(NOT_IP, "not_ip", "inner frame is neither IP nor ARP/ND we answer")	\
	X(EGRESS_DENIED, "egress_denied", "no egress security rule allows it")	\
	X(INGRESS_DENIED, "ingress_denied", "no ingress security rule allows it") \
	X(NO_ROUTE, "no_route", "no route rule matches (blackhole)")		\
	X(NO_DST_VNIC, "no_dst_vnic", "no VNIC owns the destination in the VCN") \
	X(GW_DISABLED, "gw_disabled", "the target gateway is disabled")	\
	X(NO_PUBLIC_IP, "no_public_ip", "internet gateway, but the VNIC has no public IP") \
	X(NAT_INBOUND, "nat_inbound", "NAT gateway: connection not opened from inside") \
	X(NAT_NO_PORT, "nat_no_port", "NAT gateway: no free port")		\
	X(CT_FULL, "ct_full", "the VNIC's connection table is full")		\
	X(MTU, "mtu", "too big for the underlay")				\
	X(XMIT, "xmit", "no underlay route, or the send failed")		\
	X(TTL, "ttl", "inner TTL or hop limit expired")			\
	X(FRAGMENT, "fragment", "an IP fragment whose first fragment was not seen") \
	X(NOT_MEMBER, "not_member", "handoff or state from a host that is not a cluster member") \
	X(NO_OWNER, "no_owner", "the flow's owner has no usable underlay address") \
	X(NAT_NO_MAPPING, "nat_no_mapping", "NAT gateway: a TCP segment other than a SYN, of no known connection") \
	X(NAT_FULL, "nat_full", "NAT gateway: the VNIC's or the namespace's mapping limit is reached") \
	X(CLUSTER_FORGED, "cluster_forged", "handoff or state from this host itself (over loopback, from its own address) or not addressed to this member") \
	X(CLUSTER_AUTH, "cluster_auth", "handoff or state without a valid tag of one of the cluster's keys") \
	X(CLUSTER_REPLAY, "cluster_replay", "handoff or state seen before, or below the window of the sender's sequence numbers") \
	X(CLUSTER_CLOCK, "cluster_clock", "handoff or state whose sender's clock is further from this host's than auth_max_skew")

enum vnicgw_drop {
#define VNICGW_DROP_ENUM_(name, str, help) VNICGW_DROP_##name,
	VNICGW_DROP_REASONS(VNICGW_DROP_ENUM_)
#undef VNICGW_DROP_ENUM_
	__VNICGW_DROP_MAX
};

enum vnicgw_vstats_attr {
	VNICGW_VSTATS_UNSPEC,
	VNICGW_VSTATS_PAD,
	VNICGW_VSTATS_ID,		/* string: VNIC id */
	VNICGW_VSTATS_IN_PACKETS,	/* u64: to the instance */
	VNICGW_VSTATS_IN_BYTES,		/* u64 */
	VNICGW_VSTATS_OUT_PACKETS,	/* u64: from the instance */
	VNICGW_VSTATS_OUT_BYTES,	/* u64 */
	VNICGW_VSTATS_DROPS,		/* nest, as VNICGW_A_DROPS */
	VNICGW_VSTATS_CONNS,		/* u32: its tracked connections on this host */
	__VNICGW_VSTATS_MAX,
	VNICGW_VSTATS_MAX = __VNICGW_VSTATS_MAX - 1
};

/* A tracked connection's state. */
enum vnicgw_ct_state {
	VNICGW_CT_STATE_NEW,		/* no reply seen yet */
	VNICGW_CT_STATE_ESTABLISHED,	/* answered */
	VNICGW_CT_STATE_CLOSING,	/* TCP FIN or RST seen */
	__VNICGW_CT_STATE_MAX
};

/*
 * A tracked connection (CT_GET, CT_DEL). The flow is given as its first
 * packet had it (the originator's source first); ports are host order (ICMP
 * echo: the identifier, in both). Counters: packets and bytes (inner frames)
 * in the original direction and in the reply one, as this host saw them.
 */
enum vnicgw_ct_attr {
	VNICGW_CT_UNSPEC,
	VNICGW_CT_PAD,
	VNICGW_CT_VNIC,		/* string: the VNIC whose rules opened it */
	VNICGW_CT_PROTO,	/* u8: IP protocol */
	VNICGW_CT_SRC,		/* binary, 4 or 16 bytes */
	VNICGW_CT_DST,		/* binary, 4 or 16 bytes */
	VNICGW_CT_SPORT,	/* u16 */
	VNICGW_CT_DPORT,	/* u16 */
	VNICGW_CT_STATE,	/* u8: enum vnicgw_ct_state */
	VNICGW_CT_EXPIRES,	/* u32: seconds left without traffic */
	VNICGW_CT_ORIG_PACKETS,	/* u64 */
	VNICGW_CT_ORIG_BYTES,	/* u64 */
	VNICGW_CT_REPLY_PACKETS,	/* u64 */
	VNICGW_CT_REPLY_BYTES,	/* u64 */
	VNICGW_CT_OWNER,	/* string: member id of the flow's owner (cluster) */
	VNICGW_CT_BACKUP,	/* string: member id of its backup (cluster) */
	__VNICGW_CT_MAX,
	VNICGW_CT_MAX = __VNICGW_CT_MAX - 1
};

/*
 * A NAT gateway mapping (NAT_GET, NAT_DEL): the VNIC's private address and
 * port, the public ones the gateway gave it, the remote end. Ports host
 * order (ICMP echo: the identifier).
 */
enum vnicgw_nat_attr {
	VNICGW_NAT_UNSPEC,
	VNICGW_NAT_PAD,
	VNICGW_NAT_VNIC,	/* string */
	VNICGW_NAT_PROTO,	/* u8 */
	VNICGW_NAT_PRIVATE_IP,	/* binary, 4 or 16 bytes */
	VNICGW_NAT_PRIVATE_PORT,	/* u16 */
	VNICGW_NAT_PUBLIC_IP,	/* binary, 4 or 16 bytes */
	VNICGW_NAT_PUBLIC_PORT,	/* u16 */
	VNICGW_NAT_REMOTE_IP,	/* binary, 4 or 16 bytes */
	VNICGW_NAT_REMOTE_PORT,	/* u16 */
	VNICGW_NAT_STATE,	/* u8: enum vnicgw_ct_state */
	VNICGW_NAT_EXPIRES,	/* u32: seconds left without traffic */
	VNICGW_NAT_OWNER,	/* string: member id of the flow's owner (cluster) */
	VNICGW_NAT_BACKUP,	/* string: member id of its backup (cluster) */
	VNICGW_NAT_PORT_OWNER,	/* string: owner of the public port (replies) */
	VNICGW_NAT_PORT_BACKUP,	/* string: its backup */
	__VNICGW_NAT_MAX,
	VNICGW_NAT_MAX = __VNICGW_NAT_MAX - 1
};

/*
 * A packet to trace (TRACE request), or the frame it would leave as
 * (VNICGW_A_TRACE_OUT). Addresses are 4 or 16 bytes; ports host order.
 *
 * Where it comes from: VNICGW_TRACE_VNIC (from that VNIC's instance: the
 * outer source is its micro-VNIC's NVD, the outer destination its first
 * VIP of the outer source's family (the one frames to it come from), the VNI
 * and encapsulation its micro-VNIC's, the inner source MAC its MAC, the
 * inner source its first private address of the destination's family), or
 * VNICGW_TRACE_GATEWAY (from that gateway: its underlay address, VNI and
 * encapsulation; SRC is required), or neither, and then OUTER_SRC,
 * OUTER_DST, VNI, SRC and SRC_MAC are required. Any field given overrides
 * what the VNIC or gateway implies (a spoofed source, another VIP); the
 * object found is the one the (VIP, VNI) names, as for a received packet.
 * One snapshot of the tables serves the defaults, the walk and the reply.
 *
 * The inner packet: DST and PROTO are required. TCP and UDP take ports
 * (default 0), TCP flags (default SYN); ICMP and ICMPv6 a type and code
 * (default: echo request; an echo's identifier is SPORT). ICMP errors
 * (they quote a packet) and IPv6 neighbour solicitations (the router
 * answers them) are refused. TTL is the TTL or hop limit (default 64). The
 * destination MAC defaults to the virtual router's (02:00:00:00:00:01).
 * The packet has no payload: a drop for the underlay's MTU is not foreseen.
 */
enum vnicgw_trace_attr {
	VNICGW_TRACE_UNSPEC,
	VNICGW_TRACE_VNIC,	/* string: VNIC id (request only) */
	VNICGW_TRACE_GATEWAY,	/* string: gateway id (request only) */
	VNICGW_TRACE_OUTER_SRC,	/* address */
	VNICGW_TRACE_OUTER_DST,	/* address: the VIP (out: the peer) */
	VNICGW_TRACE_VNI,	/* u32: 1..VNICGW_VNI_MAX */
	VNICGW_TRACE_ENCAP,	/* u8: enum vnicgw_encap */
	VNICGW_TRACE_SRC_MAC,	/* 6 bytes */
	VNICGW_TRACE_DST_MAC,	/* 6 bytes */
	VNICGW_TRACE_SRC,	/* address: inner source */
	VNICGW_TRACE_DST,	/* address: inner destination */
	VNICGW_TRACE_PROTO,	/* u8: IP protocol */
	VNICGW_TRACE_SPORT,	/* u16 */
	VNICGW_TRACE_DPORT,	/* u16 */
	VNICGW_TRACE_TCP_FLAGS,	/* u8 */
	VNICGW_TRACE_ICMP_TYPE,	/* u8 */
	VNICGW_TRACE_ICMP_CODE,	/* u8 */
	VNICGW_TRACE_TTL,	/* u8: 1..255 */
	__VNICGW_TRACE_MAX,
	VNICGW_TRACE_MAX = __VNICGW_TRACE_MAX - 1
};

/* What the module would do with the packet. */
enum vnicgw_trace_verdict {
	VNICGW_TRACE_FORWARD,	/* sent re-encapsulated: VNICGW_A_TRACE_OUT */
	VNICGW_TRACE_ANSWER,	/* ARP or solicitation answered (not traced yet) */
	VNICGW_TRACE_HANDOFF,	/* handed to the flow's owner (a member) */
	VNICGW_TRACE_DROP,	/* dropped: VNICGW_A_DROP_REASON */
	VNICGW_TRACE_CONSUME,	/* taken and not forwarded (MLD, RS) */
	__VNICGW_TRACE_VERDICT_MAX
};

/* The stages of a trace, in the order the packet meets them. */
enum vnicgw_stage {
	/* The VNIC or gateway the (VIP, VNI) names: OBJ_TYPE, OBJ. */
	VNICGW_STAGE_ATTACH,
	/* A VNIC's source checks passed: outer source, MAC, source address. */
	VNICGW_STAGE_CHECKS,
	/*
	 * The route. RESULT: VIP_TARGET (the VIP sends everything to the
	 * gateway TARGET), VCN_LOCAL (inside the VCN's CIDRs), RULE (rule
	 * INDEX of route table OBJ, its PREFIX), GATEWAY_IN (from a
	 * gateway: to the VNIC that owns the destination). TARGET_TYPE and
	 * TARGET: the VNIC or gateway it goes to.
	 */
	VNICGW_STAGE_ROUTE,
	/*
	 * In a cluster, for a flow that is tracked: its OWNER and BACKUP
	 * (member ids). RESULT SELF: processed here; OTHER: handed over
	 * (ADDR: the owner's underlay address).
	 */
	VNICGW_STAGE_OWNER,
	/*
	 * The security rules of VNIC OBJ, egress (the sender's) or ingress
	 * (the destination's). RESULT: TRACKED (a connection entry: CT_STATE,
	 * EXPIRES), STATELESS (a stateless rule allows it), STATEFUL (a
	 * stateful rule allows it; it would open a connection unless it is
	 * an ICMP error), DENY (no rule allows it). The rule that allows it:
	 * RULE_INDEX of the ingress or egress rules of the security list or
	 * NSG RULE_OBJ, of type RULE_OBJ_TYPE (the first such rule, in the
	 * order: the subnet's lists, then the VNIC's NSGs).
	 */
	VNICGW_STAGE_EGRESS,
	VNICGW_STAGE_INGRESS,
	/*
	 * Address translation at gateway OBJ. RESULT: PUBLIC_IP (the internet
	 * gateway's 1:1: ADDR is what the source becomes going out, the
	 * VNIC's public IP, or the destination coming in, its private
	 * address), MAPPING (the NAT gateway's mapping: ADDR and
	 * PORT, the public side out or the private side in), NEW_MAPPING (a
	 * mapping the packet would open: ADDR and the PORT free now).
	 */
	VNICGW_STAGE_NAT,
	/* The packet is dropped: REASON. */
	VNICGW_STAGE_DROP,
	__VNICGW_STAGE_MAX
};

enum vnicgw_stage_result {
	VNICGW_RESULT_OK,
	VNICGW_RESULT_VIP_TARGET,
	VNICGW_RESULT_VCN_LOCAL,
	VNICGW_RESULT_RULE,
	VNICGW_RESULT_GATEWAY_IN,
	VNICGW_RESULT_SELF,
	VNICGW_RESULT_OTHER,
	VNICGW_RESULT_TRACKED,
	VNICGW_RESULT_STATELESS,
	VNICGW_RESULT_STATEFUL,
	VNICGW_RESULT_DENY,
	VNICGW_RESULT_PUBLIC_IP,
	VNICGW_RESULT_MAPPING,
	VNICGW_RESULT_NEW_MAPPING,
	__VNICGW_RESULT_MAX
};

enum vnicgw_step_attr {
	VNICGW_STEP_UNSPEC,
	VNICGW_STEP_KIND,	/* u8: enum vnicgw_stage */
	VNICGW_STEP_RESULT,	/* u8: enum vnicgw_stage_result */
	VNICGW_STEP_OBJ_TYPE,	/* u8: enum vnicgw_obj */
	VNICGW_STEP_OBJ,	/* string: the object whose table decided */
	VNICGW_STEP_INDEX,	/* u32: route rule index (from 0) */
	VNICGW_STEP_PREFIX,	/* prefix: the route rule's destination */
	VNICGW_STEP_TARGET_TYPE,	/* u8: enum vnicgw_obj */
	VNICGW_STEP_TARGET,	/* string */
	VNICGW_STEP_RULE_OBJ_TYPE,	/* u8: VNICGW_OBJ_SECLIST or _NSG */
	VNICGW_STEP_RULE_OBJ,	/* string */
	VNICGW_STEP_RULE_INDEX,	/* u32: in the list's ingress or egress rules */
	VNICGW_STEP_CT_STATE,	/* u8: enum vnicgw_ct_state */
	VNICGW_STEP_EXPIRES,	/* u32: seconds */
	VNICGW_STEP_OWNER,	/* string: member id */
	VNICGW_STEP_BACKUP,	/* string: member id */
	VNICGW_STEP_ADDR,	/* address */
	VNICGW_STEP_PORT,	/* u16 */
	VNICGW_STEP_REASON,	/* u8: enum vnicgw_drop */
	__VNICGW_STEP_ATTR_MAX,
	VNICGW_STEP_ATTR_MAX = __VNICGW_STEP_ATTR_MAX - 1
};

/*
 * The cluster (CLUSTER_SET / CLUSTER_GET). Limits: VNICGW_CLUSTER_MAX_MEMBERS
 * hosts, ids of 1..VNICGW_MEMBER_ID_MAX bytes ([A-Za-z0-9._-]), a table size
 * that is a prime in [members, VNICGW_CLUSTER_MAX_SIZE].
 */
#define VNICGW_CLUSTER_MAX_MEMBERS	256
#define VNICGW_MEMBER_ID_MAX		63
#define VNICGW_CLUSTER_SIZE_DEFAULT	65537
#define VNICGW_CLUSTER_MAX_SIZE		1048573	/* the largest prime < 2^20 */
#define VNICGW_CLUSTER_MAX_BACKUPS	2

enum vnicgw_cluster_attr {
	VNICGW_CLUSTER_UNSPEC,
	VNICGW_CLUSTER_PAD,
	VNICGW_CLUSTER_SELF,		/* string: this host's member id */
	VNICGW_CLUSTER_SIZE,		/* u32: owner table slots (default 65537) */
	VNICGW_CLUSTER_MEMBERS,		/* list of nests: enum vnicgw_member_attr */
	VNICGW_CLUSTER_FINGERPRINT,	/* u64, GET: vgw_owner_fingerprint() */
	VNICGW_CLUSTER_EPOCH,		/* u64, GET: bumped by every SET */
	VNICGW_CLUSTER_COUNTERS,	/* nest, GET: u64 per counter, type = counter + 1 */
	/*
	 * list of nests, enum vnicgw_key_attr: the keys that authenticate
	 * the members' messages (vgw/auth.h), at most VNICGW_CLUSTER_MAX_KEYS;
	 * the first signs what this host sends, any of them is accepted.
	 * A SET without it keeps the keys there are; an empty list removes
	 * them. Without keys, messages go unauthenticated (recognised by
	 * their outer addresses alone). GET gives the ids, never the secrets.
	 */
	VNICGW_CLUSTER_KEYS,
	/*
	 * u8, 0 or 1: with keys, take unsigned messages too (signed ones
	 * must still be valid): for turning authentication on in a running
	 * cluster, while some members have no keys yet (counted unsigned_in).
	 * It goes with the keys: set with VNICGW_CLUSTER_KEYS (absent: 0),
	 * kept with them by a SET without them, refused without keys.
	 */
	VNICGW_CLUSTER_ACCEPT_UNSIGNED,
	/*
	 * u8, 1..VNICGW_CLUSTER_MAX_BACKUPS (default 1): how many hosts after
	 * a flow's owner, in the slot's list, keep its state: with 2, two
	 * members failing at once lose no connection (but for records sent
	 * just before the failure, as with one). Every member must be given
	 * the same number (it is part of the fingerprint when not 1).
	 */
	VNICGW_CLUSTER_BACKUPS,
	__VNICGW_CLUSTER_MAX,
	VNICGW_CLUSTER_MAX = __VNICGW_CLUSTER_MAX - 1
};

enum vnicgw_member_attr {
	VNICGW_MEMBER_UNSPEC,
	VNICGW_MEMBER_ID,		/* string: the host's id */
	/*
	 * binary, 4 or 16 bytes: the host's own underlay address, where the
	 * others send the flows it owns and the state it backs up.
	 */
	VNICGW_MEMBER_ADDR,
	__VNICGW_MEMBER_MAX,
	VNICGW_MEMBER_MAX = __VNICGW_MEMBER_MAX - 1
};

/*
 * A key: an id (1-255) that the messages name, and 16 secret bytes. Two keys
 * at once let the members change keys without losing a message: every host
 * takes the new key as its second, then as its first, then drops the old.
 */
#define VNICGW_CLUSTER_MAX_KEYS		2
#define VNICGW_KEY_LEN			16

enum vnicgw_key_attr {
	VNICGW_KEY_UNSPEC,
	VNICGW_KEY_ID,			/* u8, 1-255 */
	VNICGW_KEY_SECRET,		/* binary, VNICGW_KEY_LEN bytes; SET only */
	__VNICGW_KEY_MAX,
	VNICGW_KEY_MAX = __VNICGW_KEY_MAX - 1
};

/* Cluster counters, per namespace: C name, printed name, meaning. */
#define VNICGW_CLUSTER_COUNTERS(X)					\
	X(HANDOFF_OUT, "handoff_out", "packets handed to their flow's owner") \
	X(HANDOFF_IN, "handoff_in", "packets handed to this host as owner") \
	X(SYNC_OUT, "sync_out", "connection records sent to owners and backups") \
	X(SYNC_IN, "sync_in", "connection records received and applied") \
	X(RESYNC, "resync", "owner table changes that sent state over") \
	X(SYNC_REFUSED, "sync_refused", "connection records received and not applied: not this host's flow, over a limit, or invalid") \
	X(SYNC_FAILED, "sync_failed", "connection records not sent: no route to the member, or no own address to sign them as") \
	X(PEER_RESTART, "peer_restart", "authenticated members seen starting their sequence numbers again (a restart)") \
	X(UNSIGNED_IN, "unsigned_in", "unsigned member messages taken because the keys accept them (a rollout of authentication)") \
	X(STATE_ASKED, "state_asked", "requests for state from members that just joined, answered with a resync (one a second at most)")

enum vnicgw_cluster_counter {
#define VNICGW_CLUSTER_COUNTER_ENUM_(name, str, help) VNICGW_CLUSTER_##name,
	VNICGW_CLUSTER_COUNTERS(VNICGW_CLUSTER_COUNTER_ENUM_)
#undef VNICGW_CLUSTER_COUNTER_ENUM_
	__VNICGW_CLUSTER_COUNTER_MAX
};

/*
 * Features, as one list: bit number, C name and the name tools print.
 * A feature is listed here only once the module implements it.
 */
#define VNICGW_FEATURES(X)						\
	X(0, NETNS, "netns")		/* per-namespace tables and link */	\
	X(1, LINK, "link")		/* the vnicgw link type */		\
	X(2, FLUSH, "flush")		/* VNICGW_CMD_FLUSH */		\
	X(3, OBJECTS, "objects")	/* OBJ_SET/DEL/GET, transactions */	\
	X(4, DATAPATH, "datapath")	/* VXLAN/Geneve in and out, STATS */	\
	X(5, CLUSTER, "cluster")	/* CLUSTER_SET/GET, flow owners */	\
	X(6, CLUSTER_AUTH, "cluster-auth") /* VNICGW_CLUSTER_KEYS */	\
	X(7, CONNTRACK, "conntrack")	/* CT_GET/DEL, NAT_GET/DEL */	\
	X(8, TRACE, "trace")		/* VNICGW_CMD_TRACE */

enum vnicgw_feature_bit {
#define VNICGW_FEATURE_BIT_(bit, name, str) VNICGW_FEATURE_BIT_##name = bit,
	VNICGW_FEATURES(VNICGW_FEATURE_BIT_)
#undef VNICGW_FEATURE_BIT_
};

#define VNICGW_FEATURE(name)	(1ULL << VNICGW_FEATURE_BIT_##name)

#endif /* _UAPI_LINUX_VNICGW_H */
