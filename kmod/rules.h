/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rules.h - the compiled security rules of one VNIC for one direction: the
 * union of its subnet's security lists and its NSGs.
 *
 * Semantics (as in OCI): allow-only with implicit deny; a packet
 * passes if any rule matches it; when a stateless and a stateful rule both
 * match, the stateless one wins (the packet passes and is not tracked).
 *
 * A ruleset is immutable after vgw_rules_build(): the control path compiles a
 * new one aside and publishes it with rcu_assign_pointer(); the packet path
 * calls vgw_rules_match() under rcu_read_lock() with no other
 * synchronisation. vgw_rules_free() is for after a grace period.
 */
#ifndef _VGW_RULES_H
#define _VGW_RULES_H

#include "vgw_types.h"

#define VGW_PROTO_ALL	0xffff

/*
 * One rule. The remote is the packet's source for ingress rules, its
 * destination for egress rules: either the CIDR @addr/@plen of @family
 * (network order, IPv4 in addr[0..3], host bits zero), or, when @nsg is
 * nonzero, "a VNIC member of NSG @nsg" (an index chosen by the caller;
 * family, plen and addr are then ignored).
 *
 * Fields that do not apply to the rule's protocol are ignored (and not
 * checked): ports unless proto is TCP (6) or UDP (17), the ICMP type and
 * code unless proto is ICMP (1) or ICMPv6 (58).
 */
struct vgw_rule {
	u16 proto;		/* IANA protocol number 0..255, or VGW_PROTO_ALL */
	u8 family;		/* AF_INET / AF_INET6 */
	u8 plen;
	u8 addr[16];
	u32 nsg;
	u16 sport_lo, sport_hi;	/* inclusive; 0-65535 = all */
	u16 dport_lo, dport_hi;
	s16 icmp_type, icmp_code;	/* 0..255, or -1 = any */
	bool stateless;
};

/*
 * The fields of a packet that rules look at. @remote is the peer: the
 * source on ingress, the destination on egress; IPv4 in remote[0..3].
 */
struct vgw_rule_pkt {
	u8 family;		/* AF_INET / AF_INET6 */
	u8 proto;
	u8 remote[16];
	u16 sport, dport;	/* host order; TCP/UDP */
	u8 icmp_type, icmp_code;	/* ICMP/ICMPv6 */
	const u32 *remote_nsgs;	/* the remote VNIC's NSGs, sorted ascending */
	unsigned int n_remote_nsgs;	/* 0: the remote is not a VNIC */
};

enum vgw_verdict {
	VGW_DENY,
	VGW_ALLOW_STATEFUL,	/* passes; the connection is tracked */
	VGW_ALLOW_STATELESS,	/* passes; not tracked */
};

struct vgw_ruleset;

/* Most rules one ruleset may hold; more is refused with -E2BIG. */
#define VGW_RULES_MAX	BIT(16)

/*
 * Compiles @n rules (@rules may be NULL when @n is 0, which denies every
 * packet). Exact duplicates are kept once. Sleeps if @gfp allows it. Returns
 * the ruleset or ERR_PTR(): -EINVAL for a protocol above 255 (other than
 * VGW_PROTO_ALL), a bad family, a prefix length beyond the family's, host
 * bits set, a port range with lo > hi, an ICMP type or code outside -1..255;
 * -E2BIG; -ENOMEM.
 */
struct vgw_ruleset *vgw_rules_build(const struct vgw_rule *rules,
				    unsigned int n, gfp_t gfp);

/* Frees @rs (NULL allowed); no reader may still hold it. */
void vgw_rules_free(struct vgw_ruleset *rs);
/* Whether some rule of @rs (NULL: none) is stateful: it may track connections. */
bool vgw_rules_stateful(const struct vgw_ruleset *rs);

/* The verdict of @rs (not NULL) for @p. */
enum vgw_verdict vgw_rules_match(const struct vgw_ruleset *rs,
				 const struct vgw_rule_pkt *p);

/*
 * Whether the one rule @r matches @p (false for a rule that would not
 * compile). A packet passes a ruleset built of rules r[] as
 * vgw_rules_match() says exactly when some r[i] hits it; this names which
 * (vnicctl trace).
 */
bool vgw_rule_hits(const struct vgw_rule *r, const struct vgw_rule_pkt *p);

/* Bytes that @rs occupies (one allocation). */
size_t vgw_rules_mem(const struct vgw_ruleset *rs);

#endif /* _VGW_RULES_H */
