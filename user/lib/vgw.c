// SPDX-License-Identifier: GPL-2.0
/*
 * libvnicgw: requests to the vnicgw generic netlink family, over libnl-genl-3.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include <linux/vnicgw.h>

#include "vgw.h"

/* The largest request we build (a route table of 100k rules fits). */
#define VGW_MSG_MAX (16 << 20)

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

static const char *const feature_names[64] = {
#define VGW_FEATURE_NAME_(bit, name, str) [bit] = str,
	VNICGW_FEATURES(VGW_FEATURE_NAME_)
#undef VGW_FEATURE_NAME_
};

const char *vgw_feature_name(unsigned int bit)
{
	return bit < 64 ? feature_names[bit] : NULL;
}

/* Per-request state seen by the libnl callbacks. */
struct vgw_req {
	struct vgw_client *c;
	int err;		/* 0 or -errno from the kernel's ack */
	int done;		/* the ack (or error) for this request arrived */
	int (*parse)(struct nlattr **tb, void *arg);
	void *arg;
};

/*
 * Pull the extack message (NLMSGERR_ATTR_MSG) out of an error ack. The ack
 * holds struct nlmsgerr, then the request (unless NLM_F_CAPPED), then TLVs
 * (if NLM_F_ACK_TLVS).
 */
static void extack_msg(const struct nlmsgerr *e, char *buf, size_t len)
{
	const struct nlmsghdr *nlh = (const void *)((const char *)e - NLMSG_HDRLEN);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off = sizeof(*e);
	int alen;

	buf[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	alen = (int)(nlh->nlmsg_len - NLMSG_HDRLEN) - (int)off;
	if (alen <= 0 ||
	    nla_parse(tb, NLMSGERR_ATTR_MAX,
		      (struct nlattr *)((char *)e + NLMSG_ALIGN(off)), alen, NULL))
		return;
	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(buf, len, "%s", (char *)nla_data(tb[NLMSGERR_ATTR_MSG]));
}

/* The same from NLMSG_DONE: the error number, then the TLVs. */
static void done_extack_msg(const struct nlmsghdr *h, char *buf, size_t len)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	int off = NLMSG_ALIGN(sizeof(int));
	int alen = (int)(h->nlmsg_len - NLMSG_HDRLEN) - off;

	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS) || alen <= 0 ||
	    nla_parse(tb, NLMSGERR_ATTR_MAX,
		      (struct nlattr *)((char *)nlmsg_data(h) + off), alen, NULL))
		return;
	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(buf, len, "%.*s", nla_len(tb[NLMSGERR_ATTR_MSG]),
			 (char *)nla_data(tb[NLMSGERR_ATTR_MSG]));
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct vgw_req *req = arg;

	(void)nla;
	req->err = e->error;
	req->done = 1;
	extack_msg(e, req->c->errmsg, sizeof(req->c->errmsg));
	return NL_STOP;
}

/* NLMSG_DONE ends a dump as an ack ends a request. */
static int on_finish(struct nl_msg *msg, void *arg)
{
	const struct nlmsghdr *h = nlmsg_hdr(msg);
	struct vgw_req *req = arg;
	int e;

	/*
	 * A dump that failed says so in NLMSG_DONE's payload, and why in the
	 * extack TLVs after it (NLM_F_ACK_TLVS).
	 */
	if (h->nlmsg_len >= NLMSG_HDRLEN + sizeof(int)) {
		memcpy(&e, nlmsg_data(h), sizeof(e));
		if (e < 0 && !req->err) {
			req->err = e;
			done_extack_msg(h, req->c->errmsg,
					sizeof(req->c->errmsg));
		}
	}
	req->done = 1;
	return NL_STOP;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct vgw_req *req = arg;

	(void)msg;
	req->done = 1;
	return NL_STOP;
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct vgw_req *req = arg;
	struct nlattr *tb[VNICGW_A_MAX + 1];
	int err;

	/*
	 * On a bad message, note the error but read on to the end of the
	 * reply: what is left in the socket would answer the next request.
	 */
	if (req->err)
		return NL_SKIP;
	err = genlmsg_parse(nlmsg_hdr(msg), 0, tb, VNICGW_A_MAX, NULL);
	if (err < 0) {
		req->err = -EPROTO;
		return NL_SKIP;
	}
	if (req->parse) {
		err = req->parse(tb, req->arg);
		if (err)
			req->err = err;
	}
	return NL_OK;
}

/*
 * Build a request of @cmd in a message of @size bytes, doubling the size
 * while @build finds it too small (a route table of 100k rules is megabytes).
 */
static struct nl_msg *build_msg(struct vgw_client *c, uint8_t cmd, int flags,
				size_t size,
				int (*build)(struct nl_msg *msg, void *arg),
				void *arg, int *err)
{
	struct nl_msg *msg;

	for (;; size *= 2) {
		msg = nlmsg_alloc_size(size);
		if (!msg) {
			*err = -ENOMEM;
			return NULL;
		}
		if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, c->family, 0,
				 flags | NLM_F_ACK, cmd, VNICGW_GENL_VERSION)) {
			*err = -EMSGSIZE;
		} else {
			*err = build ? build(msg, arg) : 0;
			if (!*err)
				return msg;
		}
		nlmsg_free(msg);
		if (*err != -EMSGSIZE || size >= VGW_MSG_MAX)
			return NULL;
	}
}

int vgw_call_sized(struct vgw_client *c, uint8_t cmd, int flags, size_t size,
		   int (*build)(struct nl_msg *msg, void *arg),
		   int (*parse)(struct nlattr **tb, void *arg), void *arg)
{
	struct vgw_req req = { .c = c, .parse = parse, .arg = arg };
	struct nl_cb *cb;
	struct nl_msg *msg;
	int err;

	c->errmsg[0] = '\0';
	msg = build_msg(c, cmd, flags, size, build, arg, &err);
	if (!msg)
		return err;
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, &req);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, &req);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, &req);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &req);
	err = nl_send_auto(c->sk, msg);
	nlmsg_free(msg);
	/*
	 * A reply and its ack may arrive in separate datagrams, and
	 * nl_recvmsgs() returns after one that is not multipart: read until
	 * this request's ack, or a later request would consume it.
	 */
	while (err >= 0 && !req.done)
		err = nl_recvmsgs(c->sk, cb);
	nl_cb_put(cb);
	/* An error ack ends the receive with a libnl code: the errno wins. */
	if (req.err)
		return req.err;
	/* The tables changed during a dump: the caller may dump again. */
	if (err == -NLE_DUMP_INTR)
		return -EINTR;
	return err < 0 ? -EIO : 0;
}

int vgw_call(struct vgw_client *c, uint8_t cmd, int flags,
	     int (*build)(struct nl_msg *msg, void *arg),
	     int (*parse)(struct nlattr **tb, void *arg), void *arg)
{
	return vgw_call_sized(c, cmd, flags, 4096, build, parse, arg);
}

/*
 * Room for large objects and dumps: root may exceed the sysctl limits, others
 * get what the limits allow.
 */
static void set_buffers(int fd)
{
	int size = VGW_MSG_MAX;

	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
}

int vgw_open(struct vgw_client *c)
{
	int one = 1;

	memset(c, 0, sizeof(*c));
	c->sk = nl_socket_alloc();
	if (!c->sk)
		return -ENOMEM;
	if (genl_connect(c->sk)) {
		vgw_close(c);
		return -ECONNREFUSED;
	}
	/* Ask for the kernel's extended ack messages; harmless if refused. */
	setsockopt(nl_socket_get_fd(c->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	set_buffers(nl_socket_get_fd(c->sk));
	nl_socket_enable_msg_peek(c->sk);
	c->family = genl_ctrl_resolve(c->sk, VNICGW_GENL_NAME);
	if (c->family < 0) {
		snprintf(c->errmsg, sizeof(c->errmsg),
			 "the vnicgw module is not loaded (no \"%s\" generic netlink family)",
			 VNICGW_GENL_NAME);
		nl_socket_free(c->sk);
		c->sk = NULL;
		return -ENOENT;
	}
	return 0;
}

void vgw_close(struct vgw_client *c)
{
	if (c->sk)
		nl_socket_free(c->sk);
	c->sk = NULL;
}

const char *vgw_errmsg(const struct vgw_client *c, int err)
{
	if (c->errmsg[0])
		return c->errmsg;
	if (err == -EPERM)
		return "permission denied (changes need CAP_NET_ADMIN)";
	return strerror(err < 0 ? -err : err);
}

static int parse_info(struct nlattr **tb, void *arg)
{
	struct vgw_info *info = arg;

	if (!tb[VNICGW_A_VERSION] || !tb[VNICGW_A_FEATURES] ||
	    !tb[VNICGW_A_GENERATION])
		return -EPROTO;
	snprintf(info->version, sizeof(info->version), "%s",
		 nla_get_string(tb[VNICGW_A_VERSION]));
	info->features = nla_get_u64(tb[VNICGW_A_FEATURES]);
	info->generation = nla_get_u64(tb[VNICGW_A_GENERATION]);
	if (tb[VNICGW_A_OBJ_COUNT])
		info->n_objs = nla_get_u32(tb[VNICGW_A_OBJ_COUNT]);
	if (tb[VNICGW_A_IFINDEX])
		info->ifindex = nla_get_u32(tb[VNICGW_A_IFINDEX]);
	if (tb[VNICGW_A_IFNAME])
		snprintf(info->ifname, sizeof(info->ifname), "%s",
			 nla_get_string(tb[VNICGW_A_IFNAME]));
	return 0;
}

int vgw_get_info(struct vgw_client *c, struct vgw_info *info)
{
	memset(info, 0, sizeof(*info));
	return vgw_call(c, VNICGW_CMD_GET_INFO, 0, NULL, parse_info, info);
}

int vgw_flush(struct vgw_client *c)
{
	return vgw_call(c, VNICGW_CMD_FLUSH, 0, NULL, NULL, NULL);
}
