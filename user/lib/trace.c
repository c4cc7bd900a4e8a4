// SPDX-License-Identifier: GPL-2.0
/* A dry run of one packet (VNICGW_CMD_TRACE); see trace.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "conntrack.h"
#include "json.h"
#include "stats.h"
#include "trace.h"

#define HAS(x, attr)	((x)->has & VGW_TRACE_BIT(attr))

/* --- names ------------------------------------------------------------------ */

static const char *const stage_names[__VNICGW_STAGE_MAX] = {
	[VNICGW_STAGE_ATTACH] = "attach",
	[VNICGW_STAGE_CHECKS] = "checks",
	[VNICGW_STAGE_ROUTE] = "route",
	[VNICGW_STAGE_OWNER] = "owner",
	[VNICGW_STAGE_EGRESS] = "egress",
	[VNICGW_STAGE_INGRESS] = "ingress",
	[VNICGW_STAGE_NAT] = "nat",
	[VNICGW_STAGE_DROP] = "drop",
};

static const char *const result_names[__VNICGW_RESULT_MAX] = {
	[VNICGW_RESULT_OK] = "ok",
	[VNICGW_RESULT_VIP_TARGET] = "vip_target",
	[VNICGW_RESULT_VCN_LOCAL] = "vcn_local",
	[VNICGW_RESULT_RULE] = "rule",
	[VNICGW_RESULT_GATEWAY_IN] = "gateway_in",
	[VNICGW_RESULT_SELF] = "self",
	[VNICGW_RESULT_OTHER] = "other",
	[VNICGW_RESULT_TRACKED] = "tracked",
	[VNICGW_RESULT_STATELESS] = "stateless",
	[VNICGW_RESULT_STATEFUL] = "stateful",
	[VNICGW_RESULT_DENY] = "deny",
	[VNICGW_RESULT_PUBLIC_IP] = "public_ip",
	[VNICGW_RESULT_MAPPING] = "mapping",
	[VNICGW_RESULT_NEW_MAPPING] = "new_mapping",
};

static const char *const verdict_names[__VNICGW_TRACE_VERDICT_MAX] = {
	[VNICGW_TRACE_FORWARD] = "forward",
	[VNICGW_TRACE_ANSWER] = "answer",
	[VNICGW_TRACE_HANDOFF] = "handoff",
	[VNICGW_TRACE_DROP] = "drop",
	[VNICGW_TRACE_CONSUME] = "consume",
};

const char *vgw_trace_stage_name(unsigned int stage)
{
	return stage < __VNICGW_STAGE_MAX ? stage_names[stage] : NULL;
}

const char *vgw_trace_result_name(unsigned int result)
{
	return result < __VNICGW_RESULT_MAX ? result_names[result] : NULL;
}

const char *vgw_trace_verdict_name(unsigned int verdict)
{
	return verdict < __VNICGW_TRACE_VERDICT_MAX ? verdict_names[verdict] : NULL;
}

/* The TCP header's flag bits, lowest first. */
static const char *const tcp_flag_names[8] = {
	"fin", "syn", "rst", "psh", "ack", "urg", "ece", "cwr",
};

int vgw_trace_flags_parse(const char *s, uint8_t *flags)
{
	const char *p = s, *end;
	unsigned long v;
	unsigned int i;
	uint8_t f = 0;
	char *e;

	if (*s >= '0' && *s <= '9') {
		errno = 0;
		v = strtoul(s, &e, 0);
		if (errno || *e || v > 255)
			return -EINVAL;
		*flags = (uint8_t)v;
		return 0;
	}
	for (;;) {
		end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		for (i = 0; i < 8; i++)
			if (strlen(tcp_flag_names[i]) == (size_t)(end - p) &&
			    !strncmp(p, tcp_flag_names[i], end - p))
				break;
		if (i == 8)
			return -EINVAL;
		f |= 1u << i;
		if (!*end)
			break;
		p = end + 1;
	}
	*flags = f;
	return 0;
}

const char *vgw_trace_flags_str(uint8_t flags, char *buf, size_t len)
{
	size_t off = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < 8; i++)
		if (flags & (1u << i))
			off += snprintf(buf + off, off < len ? len - off : 0,
					"%s%s", off ? "," : "", tcp_flag_names[i]);
	if (!flags)
		snprintf(buf, len, "none");
	return buf;
}

/* --- the request ----------------------------------------------------------- */

static int put_addr(struct nl_msg *m, int attr, const struct vgw_addr *a)
{
	return nla_put(m, attr, a->family == AF_INET ? 4 : 16, a->bytes);
}

int vgw_trace_put(struct nl_msg *m, const struct vgw_trace_pkt *p)
{
	struct nlattr *nest = nla_nest_start(m, VNICGW_A_TRACE);
	int err = 0;

	if (!nest)
		return -EMSGSIZE;
#define PUT(attr, call) \
	do { if (!err && HAS(p, attr)) err = (call); } while (0)
	PUT(VNICGW_TRACE_VNIC, nla_put_string(m, VNICGW_TRACE_VNIC, p->vnic));
	PUT(VNICGW_TRACE_GATEWAY,
	    nla_put_string(m, VNICGW_TRACE_GATEWAY, p->gateway));
	PUT(VNICGW_TRACE_OUTER_SRC,
	    put_addr(m, VNICGW_TRACE_OUTER_SRC, &p->outer_src));
	PUT(VNICGW_TRACE_OUTER_DST,
	    put_addr(m, VNICGW_TRACE_OUTER_DST, &p->outer_dst));
	PUT(VNICGW_TRACE_VNI, nla_put_u32(m, VNICGW_TRACE_VNI, p->vni));
	PUT(VNICGW_TRACE_ENCAP, nla_put_u8(m, VNICGW_TRACE_ENCAP, p->encap));
	PUT(VNICGW_TRACE_SRC_MAC,
	    nla_put(m, VNICGW_TRACE_SRC_MAC, 6, p->src_mac));
	PUT(VNICGW_TRACE_DST_MAC,
	    nla_put(m, VNICGW_TRACE_DST_MAC, 6, p->dst_mac));
	PUT(VNICGW_TRACE_SRC, put_addr(m, VNICGW_TRACE_SRC, &p->src));
	PUT(VNICGW_TRACE_DST, put_addr(m, VNICGW_TRACE_DST, &p->dst));
	PUT(VNICGW_TRACE_PROTO, nla_put_u8(m, VNICGW_TRACE_PROTO, p->proto));
	PUT(VNICGW_TRACE_SPORT, nla_put_u16(m, VNICGW_TRACE_SPORT, p->sport));
	PUT(VNICGW_TRACE_DPORT, nla_put_u16(m, VNICGW_TRACE_DPORT, p->dport));
	PUT(VNICGW_TRACE_TCP_FLAGS,
	    nla_put_u8(m, VNICGW_TRACE_TCP_FLAGS, p->tcp_flags));
	PUT(VNICGW_TRACE_ICMP_TYPE,
	    nla_put_u8(m, VNICGW_TRACE_ICMP_TYPE, p->icmp_type));
	PUT(VNICGW_TRACE_ICMP_CODE,
	    nla_put_u8(m, VNICGW_TRACE_ICMP_CODE, p->icmp_code));
	PUT(VNICGW_TRACE_TTL, nla_put_u8(m, VNICGW_TRACE_TTL, p->ttl));
#undef PUT
	if (err)
		return -EMSGSIZE;
	nla_nest_end(m, nest);
	return 0;
}

/* --- the reply ------------------------------------------------------------- */

/*
 * Each getter checks the attribute's size: the API fixes it, so another
 * size is a malformed reply, not a newer module.
 */
static int get_u8(struct nlattr *a, uint8_t *v)
{
	if (nla_len(a) != 1)
		return -EPROTO;
	*v = nla_get_u8(a);
	return 0;
}

static int get_u16(struct nlattr *a, uint16_t *v)
{
	if (nla_len(a) != 2)
		return -EPROTO;
	*v = nla_get_u16(a);
	return 0;
}

static int get_u32(struct nlattr *a, uint32_t *v)
{
	if (nla_len(a) != 4)
		return -EPROTO;
	*v = nla_get_u32(a);
	return 0;
}

/* An id: 1 to VNICGW_ID_MAX - 1 characters and the NUL. */
static int get_id(struct nlattr *a, char *dst)
{
	int len = nla_len(a);
	const char *s = nla_data(a);

	if (len < 2 || len > VNICGW_ID_MAX || s[len - 1] ||
	    strlen(s) != (size_t)len - 1)
		return -EPROTO;
	memcpy(dst, s, len);
	return 0;
}

static int get_addr(struct nlattr *a, struct vgw_addr *dst)
{
	memset(dst, 0, sizeof(*dst));
	if (nla_len(a) == 4)
		dst->family = AF_INET;
	else if (nla_len(a) == 16)
		dst->family = AF_INET6;
	else
		return -EPROTO;
	memcpy(dst->bytes, nla_data(a), nla_len(a));
	return 0;
}

static int get_mac(struct nlattr *a, uint8_t *dst)
{
	if (nla_len(a) != 6)
		return -EPROTO;
	memcpy(dst, nla_data(a), 6);
	return 0;
}

static int get_prefix(struct nlattr *a, struct vgw_prefix *p)
{
	struct nlattr *t[VNICGW_PFX_MAX + 1];

	if (nla_parse_nested(t, VNICGW_PFX_MAX, a, NULL) ||
	    !t[VNICGW_PFX_ADDR] || !t[VNICGW_PFX_LEN] ||
	    get_addr(t[VNICGW_PFX_ADDR], &p->addr) ||
	    get_u8(t[VNICGW_PFX_LEN], &p->len) ||
	    p->len > (p->addr.family == AF_INET ? 32 : 128))
		return -EPROTO;
	return 0;
}

/* A VNICGW_A_TRACE_OUT nest (the request's attributes, as the frame). */
static int parse_pkt(struct nlattr *nest, struct vgw_trace_pkt *p)
{
	struct nlattr *t[VNICGW_TRACE_MAX + 1];
	unsigned int i;
	int err = 0;

	memset(p, 0, sizeof(*p));
	if (nla_parse_nested(t, VNICGW_TRACE_MAX, nest, NULL))
		return -EPROTO;
	for (i = 1; i <= VNICGW_TRACE_MAX && !err; i++) {
		struct nlattr *a = t[i];

		if (!a)
			continue;
		switch (i) {
		case VNICGW_TRACE_VNIC:
			err = get_id(a, p->vnic);
			break;
		case VNICGW_TRACE_GATEWAY:
			err = get_id(a, p->gateway);
			break;
		case VNICGW_TRACE_OUTER_SRC:
			err = get_addr(a, &p->outer_src);
			break;
		case VNICGW_TRACE_OUTER_DST:
			err = get_addr(a, &p->outer_dst);
			break;
		case VNICGW_TRACE_VNI:
			err = get_u32(a, &p->vni);
			break;
		case VNICGW_TRACE_ENCAP:
			err = get_u8(a, &p->encap);
			break;
		case VNICGW_TRACE_SRC_MAC:
			err = get_mac(a, p->src_mac);
			break;
		case VNICGW_TRACE_DST_MAC:
			err = get_mac(a, p->dst_mac);
			break;
		case VNICGW_TRACE_SRC:
			err = get_addr(a, &p->src);
			break;
		case VNICGW_TRACE_DST:
			err = get_addr(a, &p->dst);
			break;
		case VNICGW_TRACE_PROTO:
			err = get_u8(a, &p->proto);
			break;
		case VNICGW_TRACE_SPORT:
			err = get_u16(a, &p->sport);
			break;
		case VNICGW_TRACE_DPORT:
			err = get_u16(a, &p->dport);
			break;
		case VNICGW_TRACE_TCP_FLAGS:
			err = get_u8(a, &p->tcp_flags);
			break;
		case VNICGW_TRACE_ICMP_TYPE:
			err = get_u8(a, &p->icmp_type);
			break;
		case VNICGW_TRACE_ICMP_CODE:
			err = get_u8(a, &p->icmp_code);
			break;
		case VNICGW_TRACE_TTL:
			err = get_u8(a, &p->ttl);
			break;
		default:
			continue;	/* UNSPEC: not ours */
		}
		p->has |= VGW_TRACE_BIT(i);
	}
	return err;
}

static int parse_step(struct nlattr *item, struct vgw_trace_step *s)
{
	struct nlattr *t[VNICGW_STEP_ATTR_MAX + 1];
	unsigned int i;
	int err = 0;

	memset(s, 0, sizeof(*s));
	if (nla_parse_nested(t, VNICGW_STEP_ATTR_MAX, item, NULL))
		return -EPROTO;
	/* A step is nothing without its stage. */
	if (!t[VNICGW_STEP_KIND])
		return -EPROTO;
	for (i = 1; i <= VNICGW_STEP_ATTR_MAX && !err; i++) {
		struct nlattr *a = t[i];

		if (!a)
			continue;
		switch (i) {
		case VNICGW_STEP_KIND:
			err = get_u8(a, &s->kind);
			break;
		case VNICGW_STEP_RESULT:
			err = get_u8(a, &s->result);
			break;
		case VNICGW_STEP_OBJ_TYPE:
			err = get_u8(a, &s->obj_type);
			break;
		case VNICGW_STEP_OBJ:
			err = get_id(a, s->obj);
			break;
		case VNICGW_STEP_INDEX:
			err = get_u32(a, &s->index);
			break;
		case VNICGW_STEP_PREFIX:
			err = get_prefix(a, &s->prefix);
			break;
		case VNICGW_STEP_TARGET_TYPE:
			err = get_u8(a, &s->target_type);
			break;
		case VNICGW_STEP_TARGET:
			err = get_id(a, s->target);
			break;
		case VNICGW_STEP_RULE_OBJ_TYPE:
			err = get_u8(a, &s->rule_obj_type);
			break;
		case VNICGW_STEP_RULE_OBJ:
			err = get_id(a, s->rule_obj);
			break;
		case VNICGW_STEP_RULE_INDEX:
			err = get_u32(a, &s->rule_index);
			break;
		case VNICGW_STEP_CT_STATE:
			err = get_u8(a, &s->ct_state);
			break;
		case VNICGW_STEP_EXPIRES:
			err = get_u32(a, &s->expires);
			break;
		case VNICGW_STEP_OWNER:
			err = get_id(a, s->owner);
			break;
		case VNICGW_STEP_BACKUP:
			err = get_id(a, s->backup);
			break;
		case VNICGW_STEP_ADDR:
			err = get_addr(a, &s->addr);
			break;
		case VNICGW_STEP_PORT:
			err = get_u16(a, &s->port);
			break;
		case VNICGW_STEP_REASON:
			err = get_u8(a, &s->reason);
			break;
		default:
			continue;
		}
		s->has |= VGW_TRACE_BIT(i);
	}
	return err;
}

static int parse_steps(struct nlattr *list, struct vgw_trace_result *r)
{
	struct nlattr *item;
	unsigned int n = 0;
	int rem, err;

	nla_for_each_nested(item, list, rem)
		if (nla_type(item) == VNICGW_ITEM)
			n++;
	if (!n)
		return 0;
	r->steps = calloc(n, sizeof(*r->steps));
	if (!r->steps)
		return -ENOMEM;
	/* Items of another type: a list holds none today; skip them. */
	nla_for_each_nested(item, list, rem) {
		if (nla_type(item) != VNICGW_ITEM)
			continue;
		err = parse_step(item, &r->steps[r->n_steps]);
		if (err)
			return err;
		r->n_steps++;
	}
	return 0;
}

int vgw_trace_parse(struct nlattr **tb, struct vgw_trace_result *r)
{
	int err;

	/* A do answers one message. */
	if (r->have_verdict || !tb[VNICGW_A_TRACE_VERDICT] ||
	    get_u8(tb[VNICGW_A_TRACE_VERDICT], &r->verdict))
		return -EPROTO;
	r->have_verdict = true;
	if (tb[VNICGW_A_GENERATION]) {
		if (nla_len(tb[VNICGW_A_GENERATION]) != 8)
			return -EPROTO;
		r->generation = nla_get_u64(tb[VNICGW_A_GENERATION]);
		r->has |= VGW_TRACE_HAS_GENERATION;
	}
	if (tb[VNICGW_A_DROP_REASON]) {
		if (get_u8(tb[VNICGW_A_DROP_REASON], &r->reason))
			return -EPROTO;
		r->has |= VGW_TRACE_HAS_REASON;
	}
	if (tb[VNICGW_A_TRACE_OUT]) {
		err = parse_pkt(tb[VNICGW_A_TRACE_OUT], &r->out);
		if (err)
			return err;
		r->has |= VGW_TRACE_HAS_OUT;
	}
	if (tb[VNICGW_A_TRACE_STEPS]) {
		r->has |= VGW_TRACE_HAS_STEPS;
		return parse_steps(tb[VNICGW_A_TRACE_STEPS], r);
	}
	return 0;
}

void vgw_trace_result_free(struct vgw_trace_result *r)
{
	free(r->steps);
	memset(r, 0, sizeof(*r));
}

/* vgw_call() hands build and parse the same argument. */
struct trace_call {
	const struct vgw_trace_pkt *pkt;
	struct vgw_trace_result *res;
};

static int build_trace(struct nl_msg *m, void *arg)
{
	return vgw_trace_put(m, ((struct trace_call *)arg)->pkt);
}

static int parse_trace(struct nlattr **tb, void *arg)
{
	return vgw_trace_parse(tb, ((struct trace_call *)arg)->res);
}

int vgw_trace(struct vgw_client *c, const struct vgw_trace_pkt *pkt,
	      struct vgw_trace_result *res)
{
	struct trace_call call = { .pkt = pkt, .res = res };
	struct vgw_info info;
	int err;

	memset(res, 0, sizeof(*res));
	err = vgw_get_info(c, &info);
	if (err)
		return err;
	/* An older module would refuse the command with genl's bare error. */
	if (!(info.features & VNICGW_FEATURE(TRACE))) {
		snprintf(c->errmsg, sizeof(c->errmsg),
			 "the module does not support trace (feature trace)");
		return -EOPNOTSUPP;
	}
	err = vgw_call(c, VNICGW_CMD_TRACE, 0, build_trace, parse_trace, &call);
	if (!err && !res->have_verdict)
		err = -EPROTO;
	if (err == -EPROTO && !c->errmsg[0])
		snprintf(c->errmsg, sizeof(c->errmsg),
			 "the module's TRACE reply is malformed");
	if (err)
		vgw_trace_result_free(res);
	return err;
}

/* --- text ------------------------------------------------------------------- */

/* Object types as the text names them ("route table"). */
static const char *obj_text(unsigned int t)
{
	static const char *const n[__VNICGW_OBJ_MAX] = {
		[VNICGW_OBJ_VCN] = "vcn",
		[VNICGW_OBJ_GATEWAY] = "gateway",
		[VNICGW_OBJ_ROUTE_TABLE] = "route table",
		[VNICGW_OBJ_SECLIST] = "security list",
		[VNICGW_OBJ_NSG] = "nsg",
		[VNICGW_OBJ_SUBNET] = "subnet",
		[VNICGW_OBJ_VNIC] = "vnic",
	};

	return t < __VNICGW_OBJ_MAX ? n[t] : "object";
}

static const char *addr_text(const struct vgw_addr *a, char *buf)
{
	return vgw_addr_str(a, buf, INET6_ADDRSTRLEN);
}

/* ADDR:PORT, [ADDR]:PORT for IPv6. */
static void print_addr_port(FILE *f, const struct vgw_addr *a, uint16_t port)
{
	char b[INET6_ADDRSTRLEN];

	fprintf(f, a->family == AF_INET6 ? "[%s]:%u" : "%s:%u",
		addr_text(a, b), port);
}

static void print_proto(FILE *f, uint8_t proto)
{
	const char *n = vgw_proto_name(proto);

	if (n)
		fputs(n, f);
	else
		fprintf(f, "proto %u", proto);
}

static bool is_icmp_error(const struct vgw_trace_pkt *p)
{
	if (!p || !HAS(p, VNICGW_TRACE_PROTO) || !HAS(p, VNICGW_TRACE_ICMP_TYPE))
		return false;
	if (p->proto == 1)
		return p->icmp_type == 3 || p->icmp_type == 4 ||
		       p->icmp_type == 5 || p->icmp_type == 11 ||
		       p->icmp_type == 12;
	return p->proto == 58 && p->icmp_type >= 1 && p->icmp_type <= 4;
}

/* A step's attribute that its line did not say, as " name=value". */
static void print_extra(FILE *f, const struct vgw_trace_step *s,
			unsigned int attr)
{
	char b[INET6_ADDRSTRLEN + 4];

	switch (attr) {
	case VNICGW_STEP_OBJ_TYPE:
		fprintf(f, " object_type=%s", obj_text(s->obj_type));
		break;
	case VNICGW_STEP_OBJ:
		fprintf(f, " object=%s", s->obj);
		break;
	case VNICGW_STEP_INDEX:
		fprintf(f, " index=%u", s->index);
		break;
	case VNICGW_STEP_PREFIX:
		fprintf(f, " prefix=%s", vgw_prefix_str(&s->prefix, b, sizeof(b)));
		break;
	case VNICGW_STEP_TARGET_TYPE:
		fprintf(f, " target_type=%s", obj_text(s->target_type));
		break;
	case VNICGW_STEP_TARGET:
		fprintf(f, " target=%s", s->target);
		break;
	case VNICGW_STEP_RULE_OBJ_TYPE:
		fprintf(f, " rule_object_type=%s", obj_text(s->rule_obj_type));
		break;
	case VNICGW_STEP_RULE_OBJ:
		fprintf(f, " rule_object=%s", s->rule_obj);
		break;
	case VNICGW_STEP_RULE_INDEX:
		fprintf(f, " rule_index=%u", s->rule_index);
		break;
	case VNICGW_STEP_CT_STATE:
		fprintf(f, " ct_state=%s", vgw_ct_state_name(s->ct_state));
		break;
	case VNICGW_STEP_EXPIRES:
		fprintf(f, " expires=%u", s->expires);
		break;
	case VNICGW_STEP_OWNER:
		fprintf(f, " owner=%s", s->owner);
		break;
	case VNICGW_STEP_BACKUP:
		fprintf(f, " backup=%s", s->backup);
		break;
	case VNICGW_STEP_ADDR:
		fprintf(f, " address=%s", addr_text(&s->addr, b));
		break;
	case VNICGW_STEP_PORT:
		fprintf(f, " port=%u", s->port);
		break;
	case VNICGW_STEP_REASON:
		fprintf(f, " reason=%s", vgw_drop_name(s->reason) ?: "?");
		break;
	}
}

#define SHAS(attr)	HAS(s, attr)
#define USE(attr)	(used |= VGW_TRACE_BIT(attr))

static void print_step(FILE *f, const struct vgw_trace_step *s,
		       const struct vgw_trace_pkt *pkt)
{
	uint32_t used = VGW_TRACE_BIT(VNICGW_STEP_KIND) |
			VGW_TRACE_BIT(VNICGW_STEP_RESULT);
	const char *stage = vgw_trace_stage_name(s->kind);
	const char *rname = vgw_trace_result_name(s->result);
	char b[INET6_ADDRSTRLEN + 4];
	bool said = false;		/* something after the stage name */
	unsigned int i;

	if (stage)
		fprintf(f, "%-8s", stage);
	else
		fprintf(f, "stage %u", s->kind);
	/* Who decided: the object, or for the owner stage the members. */
	if (s->kind == VNICGW_STAGE_OWNER && SHAS(VNICGW_STEP_OWNER)) {
		fprintf(f, " %s", s->owner);
		USE(VNICGW_STEP_OWNER);
		if (SHAS(VNICGW_STEP_BACKUP)) {
			fprintf(f, " (backup %s)", s->backup);
			USE(VNICGW_STEP_BACKUP);
		}
		said = true;
	} else if (SHAS(VNICGW_STEP_OBJ) &&
		   !(s->kind == VNICGW_STAGE_ROUTE &&
		     s->result == VNICGW_RESULT_RULE)) {
		fprintf(f, " %s %s", SHAS(VNICGW_STEP_OBJ_TYPE) ?
			obj_text(s->obj_type) : "object", s->obj);
		USE(VNICGW_STEP_OBJ_TYPE);
		USE(VNICGW_STEP_OBJ);
		said = true;
	}
#define SEP() fputs(said ? ": " : " ", f)
	if (s->kind == VNICGW_STAGE_DROP) {
		if (SHAS(VNICGW_STEP_REASON)) {
			SEP();
			if (vgw_drop_name(s->reason))
				fprintf(f, "%s (%s)", vgw_drop_name(s->reason),
					vgw_drop_help(s->reason));
			else
				fprintf(f, "reason %u", s->reason);
			USE(VNICGW_STEP_REASON);
		}
	} else switch (s->result) {
	case VNICGW_RESULT_OK:
		if (s->kind == VNICGW_STAGE_CHECKS) {
			SEP();
			fputs("source checks passed (outer source, MAC, address)", f);
		} else if (!said) {
			fputs(" ok", f);
		}
		break;
	case VNICGW_RESULT_VIP_TARGET:
		SEP();
		fputs("the VIP sends everything to its target", f);
		break;
	case VNICGW_RESULT_VCN_LOCAL:
		SEP();
		fputs("inside the VCN", f);
		break;
	case VNICGW_RESULT_RULE:
		SEP();
		fputs("rule", f);
		if (SHAS(VNICGW_STEP_INDEX))
			fprintf(f, " %u", s->index);
		USE(VNICGW_STEP_INDEX);
		if (SHAS(VNICGW_STEP_OBJ))
			fprintf(f, " of %s %s", SHAS(VNICGW_STEP_OBJ_TYPE) ?
				obj_text(s->obj_type) : "route table", s->obj);
		USE(VNICGW_STEP_OBJ_TYPE);
		USE(VNICGW_STEP_OBJ);
		if (SHAS(VNICGW_STEP_PREFIX))
			fprintf(f, ": %s", vgw_prefix_str(&s->prefix, b, sizeof(b)));
		USE(VNICGW_STEP_PREFIX);
		break;
	case VNICGW_RESULT_GATEWAY_IN:
		SEP();
		fputs("from the gateway to the destination's VNIC", f);
		break;
	case VNICGW_RESULT_SELF:
		SEP();
		fputs("processed here", f);
		break;
	case VNICGW_RESULT_OTHER:
		SEP();
		fputs("handed over", f);
		if (SHAS(VNICGW_STEP_ADDR))
			fprintf(f, " to %s", addr_text(&s->addr, b));
		USE(VNICGW_STEP_ADDR);
		break;
	case VNICGW_RESULT_TRACKED:
		SEP();
		fputs("tracked connection", f);
		if (SHAS(VNICGW_STEP_CT_STATE) && SHAS(VNICGW_STEP_EXPIRES))
			fprintf(f, " (%s, expires in %u s)",
				vgw_ct_state_name(s->ct_state), s->expires);
		else if (SHAS(VNICGW_STEP_CT_STATE))
			fprintf(f, " (%s)", vgw_ct_state_name(s->ct_state));
		else if (SHAS(VNICGW_STEP_EXPIRES))
			fprintf(f, " (expires in %u s)", s->expires);
		USE(VNICGW_STEP_CT_STATE);
		USE(VNICGW_STEP_EXPIRES);
		break;
	case VNICGW_RESULT_STATELESS:
	case VNICGW_RESULT_STATEFUL:
		SEP();
		fprintf(f, "allowed by %s rule", rname);
		if (SHAS(VNICGW_STEP_RULE_INDEX))
			fprintf(f, " %u", s->rule_index);
		USE(VNICGW_STEP_RULE_INDEX);
		if (SHAS(VNICGW_STEP_RULE_OBJ)) {
			fprintf(f, " of ");
			if (s->kind == VNICGW_STAGE_EGRESS ||
			    s->kind == VNICGW_STAGE_INGRESS)
				fprintf(f, "the %s rules of ", stage);
			fprintf(f, "%s %s", SHAS(VNICGW_STEP_RULE_OBJ_TYPE) ?
				obj_text(s->rule_obj_type) : "list", s->rule_obj);
		}
		USE(VNICGW_STEP_RULE_OBJ_TYPE);
		USE(VNICGW_STEP_RULE_OBJ);
		if (s->result == VNICGW_RESULT_STATEFUL)
			fputs(is_icmp_error(pkt) ?
			      " (an ICMP error: opens no connection)" :
			      " (opens a connection)", f);
		break;
	case VNICGW_RESULT_DENY:
		SEP();
		fputs("denied: no rule allows it", f);
		break;
	case VNICGW_RESULT_PUBLIC_IP:
		SEP();
		fputs("public address", f);
		if (SHAS(VNICGW_STEP_ADDR))
			fprintf(f, " %s", addr_text(&s->addr, b));
		USE(VNICGW_STEP_ADDR);
		break;
	case VNICGW_RESULT_MAPPING:
	case VNICGW_RESULT_NEW_MAPPING:
		SEP();
		fputs(s->result == VNICGW_RESULT_MAPPING ? "mapping" :
		      "new mapping", f);
		if (SHAS(VNICGW_STEP_ADDR) && SHAS(VNICGW_STEP_PORT)) {
			fputc(' ', f);
			print_addr_port(f, &s->addr, s->port);
			USE(VNICGW_STEP_ADDR);
			USE(VNICGW_STEP_PORT);
		}
		break;
	default:
		/* A result this build does not know: its number. */
		SEP();
		fprintf(f, "result %u", s->result);
		break;
	}
#undef SEP
	/* Where it goes (route), and whatever the line has not said. */
	if (SHAS(VNICGW_STEP_TARGET)) {
		fprintf(f, " -> %s %s", SHAS(VNICGW_STEP_TARGET_TYPE) ?
			obj_text(s->target_type) : "object", s->target);
		USE(VNICGW_STEP_TARGET_TYPE);
		USE(VNICGW_STEP_TARGET);
	}
	for (i = 1; i <= VNICGW_STEP_ATTR_MAX; i++)
		if ((s->has & ~used) & VGW_TRACE_BIT(i))
			print_extra(f, s, i);
	fputc('\n', f);
}

#undef SHAS
#undef USE

/* The frame that would leave: outer header, MACs, inner packet. */
static void print_frame(FILE *f, const struct vgw_trace_pkt *p)
{
	char b[INET6_ADDRSTRLEN], m[18];
	bool ports = HAS(p, VNICGW_TRACE_PROTO) &&
		     (p->proto == 6 || p->proto == 17);

	fputs("out     ", f);
	if (HAS(p, VNICGW_TRACE_OUTER_SRC))
		fprintf(f, " %s", addr_text(&p->outer_src, b));
	else
		fputs(" (routing picks the source)", f);
	if (HAS(p, VNICGW_TRACE_OUTER_DST))
		fprintf(f, " -> %s", addr_text(&p->outer_dst, b));
	if (HAS(p, VNICGW_TRACE_VNI))
		fprintf(f, " vni %u", p->vni);
	if (HAS(p, VNICGW_TRACE_ENCAP))
		fprintf(f, " %s", p->encap == VNICGW_ENCAP_VXLAN ? "vxlan" :
			p->encap == VNICGW_ENCAP_GENEVE ? "geneve" : "encap ?");
	fputc('\n', f);
	if (HAS(p, VNICGW_TRACE_SRC_MAC) || HAS(p, VNICGW_TRACE_DST_MAC)) {
		fputs("        ", f);
		if (HAS(p, VNICGW_TRACE_SRC_MAC))
			fprintf(f, " %s", vgw_mac_str(p->src_mac, m, sizeof(m)));
		if (HAS(p, VNICGW_TRACE_DST_MAC))
			fprintf(f, " -> %s", vgw_mac_str(p->dst_mac, m, sizeof(m)));
		fputc('\n', f);
	}
	fputs("        ", f);
	if (HAS(p, VNICGW_TRACE_PROTO)) {
		fputc(' ', f);
		print_proto(f, p->proto);
	}
	if (HAS(p, VNICGW_TRACE_SRC)) {
		fputc(' ', f);
		if (ports && HAS(p, VNICGW_TRACE_SPORT))
			print_addr_port(f, &p->src, p->sport);
		else
			fputs(addr_text(&p->src, b), f);
	}
	if (HAS(p, VNICGW_TRACE_DST)) {
		fputs(" -> ", f);
		if (ports && HAS(p, VNICGW_TRACE_DPORT))
			print_addr_port(f, &p->dst, p->dport);
		else
			fputs(addr_text(&p->dst, b), f);
	}
	if (!ports && HAS(p, VNICGW_TRACE_SPORT))
		fprintf(f, " id %u", p->sport);
	if (!ports && HAS(p, VNICGW_TRACE_DPORT))
		fprintf(f, " dport %u", p->dport);
	if (HAS(p, VNICGW_TRACE_TCP_FLAGS)) {
		char fl[40];

		fprintf(f, " flags %s",
			vgw_trace_flags_str(p->tcp_flags, fl, sizeof(fl)));
	}
	if (HAS(p, VNICGW_TRACE_ICMP_TYPE))
		fprintf(f, " type %u", p->icmp_type);
	if (HAS(p, VNICGW_TRACE_ICMP_CODE))
		fprintf(f, " code %u", p->icmp_code);
	if (HAS(p, VNICGW_TRACE_TTL))
		fprintf(f, " ttl %u", p->ttl);
	fputc('\n', f);
}

void vgw_trace_print_text(FILE *f, const struct vgw_trace_result *r,
			  const struct vgw_trace_pkt *pkt)
{
	const char *v = vgw_trace_verdict_name(r->verdict);
	char b[INET6_ADDRSTRLEN];
	unsigned int i;

	if (r->has & VGW_TRACE_HAS_GENERATION)
		fprintf(f, "tables   generation %llu\n",
			(unsigned long long)r->generation);
	for (i = 0; i < r->n_steps; i++)
		print_step(f, &r->steps[i], pkt);
	if (v)
		fprintf(f, "verdict  %s", v);
	else
		fprintf(f, "verdict  %u", r->verdict);
	switch (r->verdict) {
	case VNICGW_TRACE_ANSWER:
		fputs(" (the gateway answers the ARP request or neighbour solicitation)", f);
		break;
	case VNICGW_TRACE_CONSUME:
		fputs(" (taken, not forwarded)", f);
		break;
	case VNICGW_TRACE_HANDOFF:
		if ((r->has & VGW_TRACE_HAS_OUT) &&
		    HAS(&r->out, VNICGW_TRACE_OUTER_DST))
			fprintf(f, " to the flow's owner at %s",
				addr_text(&r->out.outer_dst, b));
		break;
	}
	if (r->has & VGW_TRACE_HAS_REASON) {
		if (vgw_drop_name(r->reason))
			fprintf(f, ": %s (%s)", vgw_drop_name(r->reason),
				vgw_drop_help(r->reason));
		else
			fprintf(f, ": reason %u", r->reason);
	}
	fputc('\n', f);
	if ((r->has & VGW_TRACE_HAS_OUT) && r->verdict != VNICGW_TRACE_HANDOFF)
		print_frame(f, &r->out);
}

/* --- JSON ------------------------------------------------------------------- */

/* A name if this build knows the value, else its number. */
static void json_enum(struct vgw_json *j, const char *key, const char *name,
		      unsigned int v)
{
	if (name)
		vgw_json_string(j, key, name);
	else
		vgw_json_u64(j, key, v);
}

static const char *obj_json(unsigned int t)
{
	return t < __VNICGW_OBJ_MAX ? vgw_obj_type_name(t) : NULL;
}

static void json_addr(struct vgw_json *j, const char *key,
		      const struct vgw_addr *a)
{
	char b[INET6_ADDRSTRLEN];

	vgw_json_string(j, key, addr_text(a, b));
}

static void json_step(struct vgw_json *j, const struct vgw_trace_step *s)
{
	char b[INET6_ADDRSTRLEN + 4];

	vgw_json_object_begin(j, NULL);
	json_enum(j, "stage", vgw_trace_stage_name(s->kind), s->kind);
	if (HAS(s, VNICGW_STEP_RESULT))
		json_enum(j, "result", vgw_trace_result_name(s->result),
			  s->result);
	if (HAS(s, VNICGW_STEP_OBJ_TYPE))
		json_enum(j, "object_type", obj_json(s->obj_type), s->obj_type);
	if (HAS(s, VNICGW_STEP_OBJ))
		vgw_json_string(j, "object", s->obj);
	if (HAS(s, VNICGW_STEP_INDEX))
		vgw_json_u64(j, "index", s->index);
	if (HAS(s, VNICGW_STEP_PREFIX))
		vgw_json_string(j, "prefix",
				vgw_prefix_str(&s->prefix, b, sizeof(b)));
	if (HAS(s, VNICGW_STEP_TARGET_TYPE))
		json_enum(j, "target_type", obj_json(s->target_type),
			  s->target_type);
	if (HAS(s, VNICGW_STEP_TARGET))
		vgw_json_string(j, "target", s->target);
	if (HAS(s, VNICGW_STEP_RULE_OBJ_TYPE))
		json_enum(j, "rule_object_type", obj_json(s->rule_obj_type),
			  s->rule_obj_type);
	if (HAS(s, VNICGW_STEP_RULE_OBJ))
		vgw_json_string(j, "rule_object", s->rule_obj);
	if (HAS(s, VNICGW_STEP_RULE_INDEX))
		vgw_json_u64(j, "rule_index", s->rule_index);
	if (HAS(s, VNICGW_STEP_CT_STATE))
		json_enum(j, "ct_state", s->ct_state < __VNICGW_CT_STATE_MAX ?
			  vgw_ct_state_name(s->ct_state) : NULL, s->ct_state);
	if (HAS(s, VNICGW_STEP_EXPIRES))
		vgw_json_u64(j, "expires", s->expires);
	if (HAS(s, VNICGW_STEP_OWNER))
		vgw_json_string(j, "owner", s->owner);
	if (HAS(s, VNICGW_STEP_BACKUP))
		vgw_json_string(j, "backup", s->backup);
	if (HAS(s, VNICGW_STEP_ADDR))
		json_addr(j, "address", &s->addr);
	if (HAS(s, VNICGW_STEP_PORT))
		vgw_json_u64(j, "port", s->port);
	if (HAS(s, VNICGW_STEP_REASON))
		json_enum(j, "reason", vgw_drop_name(s->reason), s->reason);
	vgw_json_object_end(j);
}

static void json_pkt(struct vgw_json *j, const char *key,
		     const struct vgw_trace_pkt *p)
{
	char m[18];

	vgw_json_object_begin(j, key);
	if (HAS(p, VNICGW_TRACE_VNIC))
		vgw_json_string(j, "vnic", p->vnic);
	if (HAS(p, VNICGW_TRACE_GATEWAY))
		vgw_json_string(j, "gateway", p->gateway);
	if (HAS(p, VNICGW_TRACE_OUTER_SRC))
		json_addr(j, "outer_src", &p->outer_src);
	if (HAS(p, VNICGW_TRACE_OUTER_DST))
		json_addr(j, "outer_dst", &p->outer_dst);
	if (HAS(p, VNICGW_TRACE_VNI))
		vgw_json_u64(j, "vni", p->vni);
	if (HAS(p, VNICGW_TRACE_ENCAP))
		json_enum(j, "encap", p->encap == VNICGW_ENCAP_VXLAN ? "vxlan" :
			  p->encap == VNICGW_ENCAP_GENEVE ? "geneve" : NULL,
			  p->encap);
	if (HAS(p, VNICGW_TRACE_SRC_MAC))
		vgw_json_string(j, "src_mac", vgw_mac_str(p->src_mac, m, sizeof(m)));
	if (HAS(p, VNICGW_TRACE_DST_MAC))
		vgw_json_string(j, "dst_mac", vgw_mac_str(p->dst_mac, m, sizeof(m)));
	if (HAS(p, VNICGW_TRACE_SRC))
		json_addr(j, "src", &p->src);
	if (HAS(p, VNICGW_TRACE_DST))
		json_addr(j, "dst", &p->dst);
	if (HAS(p, VNICGW_TRACE_PROTO))
		json_enum(j, "proto", vgw_proto_name(p->proto), p->proto);
	if (HAS(p, VNICGW_TRACE_SPORT))
		vgw_json_u64(j, "sport", p->sport);
	if (HAS(p, VNICGW_TRACE_DPORT))
		vgw_json_u64(j, "dport", p->dport);
	if (HAS(p, VNICGW_TRACE_TCP_FLAGS))
		vgw_json_u64(j, "tcp_flags", p->tcp_flags);
	if (HAS(p, VNICGW_TRACE_ICMP_TYPE))
		vgw_json_u64(j, "icmp_type", p->icmp_type);
	if (HAS(p, VNICGW_TRACE_ICMP_CODE))
		vgw_json_u64(j, "icmp_code", p->icmp_code);
	if (HAS(p, VNICGW_TRACE_TTL))
		vgw_json_u64(j, "ttl", p->ttl);
	vgw_json_object_end(j);
}

void vgw_trace_print_json(FILE *f, const struct vgw_trace_result *r)
{
	struct vgw_json j;
	unsigned int i;

	vgw_json_init(&j, f);
	vgw_json_object_begin(&j, NULL);
	if (r->has & VGW_TRACE_HAS_GENERATION)
		vgw_json_u64(&j, "generation", r->generation);
	if (r->has & VGW_TRACE_HAS_STEPS) {
		vgw_json_array_begin(&j, "steps");
		for (i = 0; i < r->n_steps; i++)
			json_step(&j, &r->steps[i]);
		vgw_json_array_end(&j);
	}
	json_enum(&j, "verdict", vgw_trace_verdict_name(r->verdict), r->verdict);
	if (r->has & VGW_TRACE_HAS_REASON)
		json_enum(&j, "reason", vgw_drop_name(r->reason), r->reason);
	if (r->has & VGW_TRACE_HAS_OUT)
		json_pkt(&j, "out", &r->out);
	vgw_json_object_end(&j);
	vgw_json_finish(&j);
}
