// SPDX-License-Identifier: GPL-2.0
/*
 * stats_reader: the STATS dump read as a plain netlink client reads it,
 * recv() into a 4 kB buffer, no MSG_PEEK (so the kernel's dump messages are
 * a page: NLMSG_GOODSIZE). Prints "cpus N messages M" and exits 0 when the
 * dump ended with NLMSG_DONE, every message whole; else says why, exit 1.
 * N counts the CPU counters of every message (VNICGW_A_CPU_RX entries).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include <linux/vnicgw.h>

#include "vgw.h"

static int cpus_in(const struct nlmsghdr *nh)
{
	const struct nlattr *a = (const void *)((const char *)NLMSG_DATA(nh) +
						 GENL_HDRLEN);
	int len = (int)nh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN, n = 0;

	while (len >= (int)sizeof(*a) && a->nla_len >= sizeof(*a) &&
	       a->nla_len <= len) {
		if ((a->nla_type & NLA_TYPE_MASK) == VNICGW_A_CPU_RX)
			n += (a->nla_len - NLA_HDRLEN) / NLA_ALIGN(NLA_HDRLEN + 8);
		len -= NLA_ALIGN(a->nla_len);
		a = (const void *)((const char *)a + NLA_ALIGN(a->nla_len));
	}
	return n;
}

int main(void)
{
	static char buf[4096];
	struct {
		struct nlmsghdr nh;
		struct genlmsghdr gh;
	} req = {
		.nh = { .nlmsg_len = sizeof(req),
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 1 },
		.gh = { .cmd = VNICGW_CMD_STATS, .version = VNICGW_GENL_VERSION },
	};
	struct vgw_client c;
	struct msghdr mh = { 0 };
	struct iovec iov = { buf, sizeof(buf) };
	int fd, cpus = 0, msgs = 0;
	ssize_t len;

	if (vgw_open(&c)) {
		fprintf(stderr, "stats_reader: %s\n", c.errmsg);
		return 1;
	}
	req.nh.nlmsg_type = (unsigned short)c.family;
	vgw_close(&c);
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0 || send(fd, &req, sizeof(req), 0) != sizeof(req)) {
		perror("stats_reader: request");
		return 1;
	}
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	for (;;) {
		struct nlmsghdr *nh;

		len = recvmsg(fd, &mh, 0);
		if (len < 0) {
			perror("stats_reader: recv");
			return 1;
		}
		if (mh.msg_flags & MSG_TRUNC) {
			fprintf(stderr, "stats_reader: a message longer than %zu bytes\n",
				sizeof(buf));
			return 1;
		}
		for (nh = (void *)buf; NLMSG_OK(nh, len); nh = NLMSG_NEXT(nh, len)) {
			if (nh->nlmsg_type == NLMSG_DONE) {
				int err = *(int *)NLMSG_DATA(nh);

				if (err) {
					fprintf(stderr, "stats_reader: the dump ended with %s\n",
						strerror(-err));
					return 1;
				}
				printf("cpus %d messages %d\n", cpus, msgs);
				return 0;
			}
			if (nh->nlmsg_type == NLMSG_ERROR) {
				fprintf(stderr, "stats_reader: error %d\n",
					((struct nlmsgerr *)NLMSG_DATA(nh))->error);
				return 1;
			}
			msgs++;
			cpus += cpus_in(nh);
		}
	}
}
