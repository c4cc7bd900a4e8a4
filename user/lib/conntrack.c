// SPDX-License-Identifier: GPL-2.0
/* The connection and NAT tables over netlink; see conntrack.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include "conntrack.h"

const char *vgw_ct_state_name(uint8_t state)
{
	switch (state) {
	case VNICGW_CT_STATE_NEW:
		return "new";
	case VNICGW_CT_STATE_ESTABLISHED:
		return "established";
	case VNICGW_CT_STATE_CLOSING:
		return "closing";
	}
	return "?";
}

static const struct {
	const char *name;
	uint8_t proto;
} protos[] = {
	{ "icmp", 1 }, { "tcp", 6 }, { "udp", 17 }, { "icmpv6", 58 },
};

const char *vgw_proto_name(uint8_t proto)
{
	unsigned int i;

	for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (protos[i].proto == proto)
			return protos[i].name;
	return NULL;
}

int vgw_proto_parse(const char *s, uint8_t *proto)
{
	unsigned int i;
	char *end;
	unsigned long v;

	for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (!strcmp(s, protos[i].name)) {
			*proto = protos[i].proto;
			return 0;
		}
	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > 255)
		return -EINVAL;
	*proto = (uint8_t)v;
	return 0;
}

static void get_str(char *dst, size_t len, struct nlattr *a)
{
	if (a && nla_len(a) > 0)
		snprintf(dst, len, "%.*s", nla_len(a), (const char *)nla_data(a));
	else
		dst[0] = '\0';
}

/* An address of 4 or 16 bytes: its family, or 0 when malformed. */
static int get_addr(struct nlattr *a, uint8_t *dst)
{
	if (!a || (nla_len(a) != 4 && nla_len(a) != 16))
		return 0;
	memset(dst, 0, 16);
	memcpy(dst, nla_data(a), nla_len(a));
	return nla_len(a) == 4 ? AF_INET : AF_INET6;
}

static uint64_t get_u64(struct nlattr *a)
{
	return a && nla_len(a) == 8 ? nla_get_u64(a) : 0;
}

static uint32_t get_u32(struct nlattr *a)
{
	return a && nla_len(a) == 4 ? nla_get_u32(a) : 0;
}

static uint16_t get_u16(struct nlattr *a)
{
	return a && nla_len(a) == 2 ? nla_get_u16(a) : 0;
}

static uint8_t get_u8(struct nlattr *a)
{
	return a && nla_len(a) == 1 ? nla_get_u8(a) : 0;
}

struct list_ctx {
	const char *vnic;
	int (*ct_cb)(const struct vgw_ct *e, void *arg);
	int (*nat_cb)(const struct vgw_nat *e, void *arg);
	void *arg;
	int stopped;			/* the callback's non-zero value */
};

static int parse_ct(struct nlattr **tb, void *arg)
{
	struct list_ctx *l = arg;
	struct nlattr *t[VNICGW_CT_MAX + 1];
	struct vgw_ct e;

	if (l->stopped)
		return 0;
	if (!tb[VNICGW_A_CT] ||
	    nla_parse_nested(t, VNICGW_CT_MAX, tb[VNICGW_A_CT], NULL))
		return -EPROTO;
	if (!t[VNICGW_CT_VNIC] || !t[VNICGW_CT_PROTO] || !t[VNICGW_CT_SPORT] ||
	    !t[VNICGW_CT_DPORT] || !t[VNICGW_CT_STATE] || !t[VNICGW_CT_EXPIRES])
		return -EPROTO;
	memset(&e, 0, sizeof(e));
	get_str(e.vnic, sizeof(e.vnic), t[VNICGW_CT_VNIC]);
	e.proto = get_u8(t[VNICGW_CT_PROTO]);
	e.family = get_addr(t[VNICGW_CT_SRC], e.src);
	if (!e.family || get_addr(t[VNICGW_CT_DST], e.dst) != e.family)
		return -EPROTO;
	e.sport = get_u16(t[VNICGW_CT_SPORT]);
	e.dport = get_u16(t[VNICGW_CT_DPORT]);
	e.state = get_u8(t[VNICGW_CT_STATE]);
	e.expires = get_u32(t[VNICGW_CT_EXPIRES]);
	e.orig_packets = get_u64(t[VNICGW_CT_ORIG_PACKETS]);
	e.orig_bytes = get_u64(t[VNICGW_CT_ORIG_BYTES]);
	e.reply_packets = get_u64(t[VNICGW_CT_REPLY_PACKETS]);
	e.reply_bytes = get_u64(t[VNICGW_CT_REPLY_BYTES]);
	get_str(e.owner, sizeof(e.owner), t[VNICGW_CT_OWNER]);
	get_str(e.backup, sizeof(e.backup), t[VNICGW_CT_BACKUP]);
	l->stopped = l->ct_cb(&e, l->arg);
	return 0;
}

static int parse_nat(struct nlattr **tb, void *arg)
{
	struct list_ctx *l = arg;
	struct nlattr *t[VNICGW_NAT_MAX + 1];
	struct vgw_nat e;

	if (l->stopped)
		return 0;
	if (!tb[VNICGW_A_NAT] ||
	    nla_parse_nested(t, VNICGW_NAT_MAX, tb[VNICGW_A_NAT], NULL))
		return -EPROTO;
	if (!t[VNICGW_NAT_PROTO] || !t[VNICGW_NAT_PRIVATE_PORT] ||
	    !t[VNICGW_NAT_PUBLIC_PORT] || !t[VNICGW_NAT_REMOTE_PORT] ||
	    !t[VNICGW_NAT_STATE] || !t[VNICGW_NAT_EXPIRES])
		return -EPROTO;
	memset(&e, 0, sizeof(e));
	get_str(e.vnic, sizeof(e.vnic), t[VNICGW_NAT_VNIC]);
	e.proto = get_u8(t[VNICGW_NAT_PROTO]);
	e.family = get_addr(t[VNICGW_NAT_PRIVATE_IP], e.priv);
	if (!e.family || get_addr(t[VNICGW_NAT_PUBLIC_IP], e.pub) != e.family ||
	    get_addr(t[VNICGW_NAT_REMOTE_IP], e.remote) != e.family)
		return -EPROTO;
	e.priv_port = get_u16(t[VNICGW_NAT_PRIVATE_PORT]);
	e.pub_port = get_u16(t[VNICGW_NAT_PUBLIC_PORT]);
	e.remote_port = get_u16(t[VNICGW_NAT_REMOTE_PORT]);
	e.state = get_u8(t[VNICGW_NAT_STATE]);
	e.expires = get_u32(t[VNICGW_NAT_EXPIRES]);
	get_str(e.owner, sizeof(e.owner), t[VNICGW_NAT_OWNER]);
	get_str(e.backup, sizeof(e.backup), t[VNICGW_NAT_BACKUP]);
	get_str(e.port_owner, sizeof(e.port_owner), t[VNICGW_NAT_PORT_OWNER]);
	get_str(e.port_backup, sizeof(e.port_backup), t[VNICGW_NAT_PORT_BACKUP]);
	l->stopped = l->nat_cb(&e, l->arg);
	return 0;
}

/* The request's filter: a nest with the VNIC's id. */
static int build_filter(struct nl_msg *m, int nest_type, int vnic_attr,
			const char *vnic)
{
	struct nlattr *nest;

	if (!vnic)
		return 0;
	nest = nla_nest_start(m, nest_type);
	if (!nest || nla_put_string(m, vnic_attr, vnic))
		return -EMSGSIZE;
	nla_nest_end(m, nest);
	return 0;
}

static int build_ct_filter(struct nl_msg *m, void *arg)
{
	return build_filter(m, VNICGW_A_CT, VNICGW_CT_VNIC,
			    ((struct list_ctx *)arg)->vnic);
}

static int build_nat_filter(struct nl_msg *m, void *arg)
{
	return build_filter(m, VNICGW_A_NAT, VNICGW_NAT_VNIC,
			    ((struct list_ctx *)arg)->vnic);
}

int vgw_ct_list(struct vgw_client *c, const char *vnic,
		int (*cb)(const struct vgw_ct *e, void *arg), void *arg)
{
	struct list_ctx l = { .vnic = vnic, .ct_cb = cb, .arg = arg };
	int err;

	err = vgw_call(c, VNICGW_CMD_CT_GET, NLM_F_DUMP, build_ct_filter,
		       parse_ct, &l);
	return err ?: l.stopped;
}

int vgw_nat_list(struct vgw_client *c, const char *vnic,
		 int (*cb)(const struct vgw_nat *e, void *arg), void *arg)
{
	struct list_ctx l = { .vnic = vnic, .nat_cb = cb, .arg = arg };
	int err;

	err = vgw_call(c, VNICGW_CMD_NAT_GET, NLM_F_DUMP, build_nat_filter,
		       parse_nat, &l);
	return err ?: l.stopped;
}

static int alen(int family)
{
	return family == AF_INET ? 4 : 16;
}

static int build_ct_del(struct nl_msg *m, void *arg)
{
	const struct vgw_ct *e = arg;
	struct nlattr *nest = nla_nest_start(m, VNICGW_A_CT);

	if (!nest || nla_put_string(m, VNICGW_CT_VNIC, e->vnic) ||
	    nla_put_u8(m, VNICGW_CT_PROTO, e->proto) ||
	    nla_put(m, VNICGW_CT_SRC, alen(e->family), e->src) ||
	    nla_put(m, VNICGW_CT_DST, alen(e->family), e->dst) ||
	    nla_put_u16(m, VNICGW_CT_SPORT, e->sport) ||
	    nla_put_u16(m, VNICGW_CT_DPORT, e->dport))
		return -EMSGSIZE;
	nla_nest_end(m, nest);
	return 0;
}

static int build_nat_del(struct nl_msg *m, void *arg)
{
	const struct vgw_nat *e = arg;
	struct nlattr *nest = nla_nest_start(m, VNICGW_A_NAT);

	if (!nest || nla_put_u8(m, VNICGW_NAT_PROTO, e->proto) ||
	    nla_put(m, VNICGW_NAT_PUBLIC_IP, alen(e->family), e->pub) ||
	    nla_put_u16(m, VNICGW_NAT_PUBLIC_PORT, e->pub_port) ||
	    nla_put(m, VNICGW_NAT_REMOTE_IP, alen(e->family), e->remote) ||
	    nla_put_u16(m, VNICGW_NAT_REMOTE_PORT, e->remote_port))
		return -EMSGSIZE;
	nla_nest_end(m, nest);
	return 0;
}

int vgw_ct_del(struct vgw_client *c, const struct vgw_ct *e)
{
	return vgw_call(c, VNICGW_CMD_CT_DEL, 0, build_ct_del, NULL, (void *)e);
}

int vgw_nat_del(struct vgw_client *c, const struct vgw_nat *e)
{
	return vgw_call(c, VNICGW_CMD_NAT_DEL, 0, build_nat_del, NULL,
			(void *)e);
}
