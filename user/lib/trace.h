/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A dry run of one packet through the module's packet path
 * (VNICGW_CMD_TRACE): the request, its reply parsed, and the reply printed
 * as text (one line per stage, like "ip route get") or JSON.
 *
 * The reply is read leniently where the API promises growth and strictly
 * where it does not: attributes of types this build does not know are
 * skipped, at every level; a known attribute of the wrong size, or a reply
 * without a verdict, is a malformed reply (-EPROTO).
 */
#ifndef VGW_TRACE_H
#define VGW_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/vnicgw.h>

#include "state.h"
#include "vgw.h"

/* Bit of attribute @attr in a "has" mask below. */
#define VGW_TRACE_BIT(attr)	(1u << (attr))

/*
 * A packet: the one to trace (the request's VNICGW_A_TRACE nest) or the
 * frame that would leave (the reply's VNICGW_A_TRACE_OUT). @has says
 * which fields are given (VGW_TRACE_BIT(VNICGW_TRACE_*)): a request sends
 * only those, and the kernel fills in the rest (see the uapi header).
 */
struct vgw_trace_pkt {
	uint32_t has;
	char vnic[VNICGW_ID_MAX];	/* request only */
	char gateway[VNICGW_ID_MAX];	/* request only */
	struct vgw_addr outer_src, outer_dst;
	uint32_t vni;
	uint8_t encap;			/* enum vnicgw_encap */
	uint8_t src_mac[6], dst_mac[6];
	struct vgw_addr src, dst;
	uint8_t proto;			/* IP protocol */
	uint16_t sport, dport;		/* ICMP echo: sport is the identifier */
	uint8_t tcp_flags;
	uint8_t icmp_type, icmp_code;
	uint8_t ttl;
};

/* One stage the packet went through (VNICGW_A_TRACE_STEPS' items). */
struct vgw_trace_step {
	uint32_t has;			/* VGW_TRACE_BIT(VNICGW_STEP_*) */
	uint8_t kind;			/* enum vnicgw_stage */
	uint8_t result;			/* enum vnicgw_stage_result */
	uint8_t obj_type;		/* enum vnicgw_obj */
	char obj[VNICGW_ID_MAX];
	uint32_t index;			/* route rule */
	struct vgw_prefix prefix;	/* route rule's destination */
	uint8_t target_type;		/* enum vnicgw_obj */
	char target[VNICGW_ID_MAX];
	uint8_t rule_obj_type;		/* VNICGW_OBJ_SECLIST or _NSG */
	char rule_obj[VNICGW_ID_MAX];
	uint32_t rule_index;
	uint8_t ct_state;		/* enum vnicgw_ct_state */
	uint32_t expires;		/* seconds */
	char owner[VNICGW_ID_MAX], backup[VNICGW_ID_MAX];
	struct vgw_addr addr;
	uint16_t port;
	uint8_t reason;			/* enum vnicgw_drop */
};

/* Which of a result's top-level attributes came. */
#define VGW_TRACE_HAS_GENERATION	0x1
#define VGW_TRACE_HAS_REASON		0x2
#define VGW_TRACE_HAS_OUT		0x4
#define VGW_TRACE_HAS_STEPS		0x8

struct vgw_trace_result {
	unsigned int has;		/* VGW_TRACE_HAS_* */
	uint64_t generation;
	struct vgw_trace_step *steps;	/* in the order the packet met them */
	unsigned int n_steps;
	uint8_t verdict;		/* enum vnicgw_trace_verdict */
	uint8_t reason;			/* enum vnicgw_drop, for a drop */
	struct vgw_trace_pkt out;	/* forward: the frame; handoff: outer_dst */
	bool have_verdict;		/* a reply was parsed */
};

/*
 * Ask the module what it would do with @pkt. Checks first that the module
 * has the "trace" feature (-EOPNOTSUPP and a message saying so if not).
 * On success @res holds the reply (free it with vgw_trace_result_free());
 * on a refusal, vgw_errmsg() has the kernel's message.
 */
int vgw_trace(struct vgw_client *c, const struct vgw_trace_pkt *pkt,
	      struct vgw_trace_result *res);
void vgw_trace_result_free(struct vgw_trace_result *res);

/* The request's VNICGW_A_TRACE nest, the given fields only. */
int vgw_trace_put(struct nl_msg *msg, const struct vgw_trace_pkt *pkt);
/*
 * A reply's top-level attributes (as vgw_call() hands them) into @res,
 * which must be zeroed before the first call. 0 or -EPROTO (malformed),
 * -ENOMEM.
 */
int vgw_trace_parse(struct nlattr **tb, struct vgw_trace_result *res);

/*
 * The result as text, one line per stage, the verdict, and for a forward
 * the frame. @pkt (may be NULL) is the packet asked about: with it, a
 * stateful rule's step says whether the packet would open a connection
 * (an ICMP error opens none).
 */
void vgw_trace_print_text(FILE *f, const struct vgw_trace_result *res,
			  const struct vgw_trace_pkt *pkt);
/* The result as one JSON object: every attribute present, no other. */
void vgw_trace_print_json(FILE *f, const struct vgw_trace_result *res);

/* "route", "egress", ...; NULL for a value this build does not know. */
const char *vgw_trace_stage_name(unsigned int stage);
/* "rule", "stateful", ...; NULL likewise. */
const char *vgw_trace_result_name(unsigned int result);
/* "forward", "drop", ...; NULL likewise. */
const char *vgw_trace_verdict_name(unsigned int verdict);
/*
 * TCP flags by name ("syn,ack") or a number 0-255 into @flags: 0 or
 * -EINVAL. vgw_trace_flags_str() writes the names ("syn,ack"; "none").
 */
int vgw_trace_flags_parse(const char *s, uint8_t *flags);
const char *vgw_trace_flags_str(uint8_t flags, char *buf, size_t len);

#endif /* VGW_TRACE_H */
