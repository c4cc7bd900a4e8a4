// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <netlink/attr.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/socket.h>

#include "monitor.h"
#include "state.h"

static int join(struct vgw_client *c, const char *group)
{
	int id = genl_ctrl_resolve_grp(c->sk, VNICGW_GENL_NAME, group);
	int err;

	if (id < 0) {
		snprintf(c->errmsg, sizeof(c->errmsg),
			 "the vnicgw module offers no \"%s\" group (its kernel cannot restrict groups to CAP_NET_ADMIN)",
			 group);
		return -EOPNOTSUPP;
	}
	err = nl_socket_add_membership(c->sk, id);
	if (err) {
		snprintf(c->errmsg, sizeof(c->errmsg),
			 "joining the \"%s\" group: %s (it needs CAP_NET_ADMIN)",
			 group, nl_geterror(err));
		return -EPERM;
	}
	return 0;
}

int vgw_monitor_open(struct vgw_client *c, bool config, bool drops)
{
	int err = 0;
	int size = 4 << 20;

	if (config)
		err = join(c, VNICGW_MCGRP_CONFIG);
	if (!err && drops)
		err = join(c, VNICGW_MCGRP_DROPS);
	if (err)
		return err;
	/* Events are not answers: no sequence numbers to match. */
	nl_socket_disable_seq_check(c->sk);
	/* Room for a burst of drops; the rest is lost and said so. */
	setsockopt(nl_socket_get_fd(c->sk), SOL_SOCKET, SO_RCVBUF, &size,
		   sizeof(size));
	return 0;
}

struct run_ctx {
	int (*cb)(const struct vgw_event *e, void *arg);
	void *arg;
	int ret;
	struct vgw_event ev;
};

static uint64_t u64_of(const struct nlattr *a)
{
	return a && nla_len(a) == 8 ? nla_get_u64((struct nlattr *)a) : 0;
}

static void get_changes(struct nlattr *list, struct vgw_event *e)
{
	struct nlattr *item, *tb[VNICGW_CHANGE_MAX + 1];
	int rem;

	nla_for_each_nested(item, list, rem) {
		struct vgw_event_change *ch;

		if (e->n_changes >= VNICGW_NOTIFY_CHANGES_MAX ||
		    nla_parse_nested(tb, VNICGW_CHANGE_MAX, item, NULL) ||
		    !tb[VNICGW_CHANGE_TYPE] || !tb[VNICGW_CHANGE_ID] ||
		    !tb[VNICGW_CHANGE_OP])
			continue;
		ch = &e->changes[e->n_changes++];
		ch->type = nla_get_u8(tb[VNICGW_CHANGE_TYPE]);
		snprintf(ch->id, sizeof(ch->id), "%.*s",
			 nla_len(tb[VNICGW_CHANGE_ID]),
			 (char *)nla_data(tb[VNICGW_CHANGE_ID]));
		ch->op = nla_get_u8(tb[VNICGW_CHANGE_OP]);
	}
}

static void get_addr(const struct nlattr *a, uint8_t out[16], int *family)
{
	if (!a)
		return;
	if (nla_len(a) == 4) {
		*family = AF_INET;
		memcpy(out, nla_data(a), 4);
	} else if (nla_len(a) == 16) {
		*family = AF_INET6;
		memcpy(out, nla_data(a), 16);
	}
}

static int on_msg(struct nl_msg *msg, void *arg)
{
	struct run_ctx *r = arg;
	struct genlmsghdr *gh = nlmsg_data(nlmsg_hdr(msg));
	struct nlattr *tb[VNICGW_A_MAX + 1];
	struct vgw_event *e = &r->ev;
	char err[128];

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, VNICGW_A_MAX, NULL))
		return NL_SKIP;
	vgw_cluster_free(&e->cluster);
	memset(e, 0, sizeof(*e));
	e->cmd = gh->cmd;
	if (gh->cmd == VNICGW_CMD_NOTIFY) {
		if (!tb[VNICGW_A_NOTIFY])
			return NL_SKIP;
		e->notify = nla_get_u8(tb[VNICGW_A_NOTIFY]);
		e->generation = u64_of(tb[VNICGW_A_GENERATION]);
		if (tb[VNICGW_A_CHANGE_COUNT])
			e->change_count = nla_get_u32(tb[VNICGW_A_CHANGE_COUNT]);
		if (tb[VNICGW_A_CHANGES])
			get_changes(tb[VNICGW_A_CHANGES], e);
		if (tb[VNICGW_A_CLUSTER] &&
		    vgw_cluster_decode(tb[VNICGW_A_CLUSTER], &e->cluster, err,
				       sizeof(err)))
			return NL_SKIP;
	} else if (gh->cmd == VNICGW_CMD_DROP) {
		if (!tb[VNICGW_A_DROP_REASON])
			return NL_SKIP;
		e->reason = nla_get_u8(tb[VNICGW_A_DROP_REASON]);
		if (tb[VNICGW_A_DROP_VNIC])
			snprintf(e->vnic, sizeof(e->vnic), "%.*s",
				 nla_len(tb[VNICGW_A_DROP_VNIC]),
				 (char *)nla_data(tb[VNICGW_A_DROP_VNIC]));
		if (tb[VNICGW_A_DROP_VNI])
			e->vni = nla_get_u32(tb[VNICGW_A_DROP_VNI]);
		get_addr(tb[VNICGW_A_DROP_SRC], e->src, &e->family);
		get_addr(tb[VNICGW_A_DROP_DST], e->dst, &e->family);
		if (tb[VNICGW_A_DROP_SPORT])
			e->sport = nla_get_u16(tb[VNICGW_A_DROP_SPORT]);
		if (tb[VNICGW_A_DROP_DPORT])
			e->dport = nla_get_u16(tb[VNICGW_A_DROP_DPORT]);
		if (tb[VNICGW_A_DROP_PROTO])
			e->proto = nla_get_u8(tb[VNICGW_A_DROP_PROTO]);
		e->missed = u64_of(tb[VNICGW_A_DROP_MISSED]);
	} else {
		return NL_SKIP;
	}
	r->ret = r->cb(e, r->arg);
	return r->ret ? NL_STOP : NL_OK;
}

/* Receive until @cb says stop, or (@drain) until nothing is left. */
static int run(struct vgw_client *c, bool drain,
	       int (*cb)(const struct vgw_event *e, void *arg), void *arg)
{
	static struct run_ctx r;
	int err;

	r.cb = cb;
	r.arg = arg;
	r.ret = 0;
	nl_socket_modify_cb(c->sk, NL_CB_VALID, NL_CB_CUSTOM, on_msg, &r);
	while (!r.ret) {
		err = nl_recvmsgs_default(c->sk);
		if (err == -NLE_AGAIN && drain)
			break;
		if (err == -NLE_NOMEM) {
			snprintf(c->errmsg, sizeof(c->errmsg),
				 "events were lost: the socket's receive buffer overran");
			return -ENOBUFS;
		}
		if (err < 0 && err != -NLE_INTR && err != -NLE_AGAIN) {
			snprintf(c->errmsg, sizeof(c->errmsg), "receiving events: %s",
				 nl_geterror(err));
			return -EIO;
		}
	}
	vgw_cluster_free(&r.ev.cluster);
	return r.ret;
}

int vgw_monitor_run(struct vgw_client *c,
		    int (*cb)(const struct vgw_event *e, void *arg), void *arg)
{
	return run(c, false, cb, arg);
}

int vgw_monitor_nonblock(struct vgw_client *c)
{
	return nl_socket_set_nonblocking(c->sk) ? -EIO : 0;
}

int vgw_monitor_drain(struct vgw_client *c,
		      int (*cb)(const struct vgw_event *e, void *arg),
		      void *arg)
{
	return run(c, true, cb, arg);
}

int vgw_monitor_fd(const struct vgw_client *c)
{
	return nl_socket_get_fd(c->sk);
}
