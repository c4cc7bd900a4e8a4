// SPDX-License-Identifier: GPL-2.0
/*
 * rt_append: sends route table parts (uapi: VNICGW_RT_APPEND) the way
 * test_big_tables.sh needs and vnicctl never does.
 *
 *   rt_append outside ID VCN GW    an append with no transaction open
 *   rt_append intxn ID VCN GW      an append as the first request of a
 *                                  transaction
 *   rt_append set ID VCN GW N END  in one transaction, table ID with N rules
 *                                  (30.0.0.0/24 and up, to gateway GW) in
 *                                  parts; END: commit, abort, or close (the
 *                                  socket closes with the transaction open)
 *
 * Prints "refused: <errno>: <the kernel's message>" for the first refusal
 * and exits 3, or "ok <parts>" and exits 0.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/vnicgw.h>

#include "nlobj.h"
#include "vgw.h"

static struct vgw_route_table *table(const char *id, const char *vcn,
				     const char *gw, unsigned int n)
{
	struct vgw_route_table *t = calloc(1, sizeof(*t));
	unsigned int i;

	if (!t || !(t->rules = calloc(n ? n : 1, sizeof(*t->rules))))
		exit(1);
	snprintf(t->id, sizeof(t->id), "%s", id);
	snprintf(t->vcn, sizeof(t->vcn), "%s", vcn);
	t->n_rules = n;
	for (i = 0; i < n; i++) {
		struct vgw_route_rule *r = &t->rules[i];
		uint32_t a = (30u << 24) + (i << 8);

		r->dst.addr.family = AF_INET;
		r->dst.addr.bytes[0] = a >> 24;
		r->dst.addr.bytes[1] = a >> 16;
		r->dst.addr.bytes[2] = a >> 8;
		r->dst.len = 24;
		snprintf(r->gateway, sizeof(r->gateway), "%s", gw);
	}
	return t;
}

struct part {
	const struct vgw_route_table *t;
	unsigned int from, next;
};

static int build_part(struct nl_msg *msg, void *arg)
{
	struct part *p = arg;

	p->next = p->from;
	return vgw_obj_put_part(msg, VGW_OBJ_ROUTE_TABLE, p->t, &p->next);
}

static int refused(struct vgw_client *c, int err)
{
	printf("refused: %d: %s\n", err, vgw_errmsg(c, err));
	return 3;
}

static int send_part(struct vgw_client *c, struct part *p)
{
	int err = vgw_call_sized(c, VNICGW_CMD_OBJ_SET, 0,
				 VGW_RT_PART_BYTES + 4096, build_part, NULL, p);

	p->from = p->next;
	return err;
}

int main(int argc, char **argv)
{
	struct vgw_route_table *t;
	struct vgw_client c;
	struct part p = { 0 };
	unsigned int parts = 0;
	int err;

	if (argc < 5 || (strcmp(argv[1], "outside") && strcmp(argv[1], "intxn") &&
			 (strcmp(argv[1], "set") || argc != 7))) {
		fprintf(stderr, "usage: rt_append outside|intxn ID VCN GW | set ID VCN GW N commit|abort|close\n");
		return 2;
	}
	if (vgw_open(&c)) {
		fprintf(stderr, "rt_append: %s\n", c.errmsg);
		return 1;
	}
	if (strcmp(argv[1], "set")) {
		t = table(argv[2], argv[3], argv[4], 10);
		p.t = t;
		p.from = 5;	/* a later part: an append */
		err = strcmp(argv[1], "intxn") ? 0 :
		      vgw_call(&c, VNICGW_CMD_TXN_BEGIN, 0, NULL, NULL, NULL);
		if (!err)
			err = send_part(&c, &p);
		return err ? refused(&c, err) : (printf("ok 1\n"), 0);
	}
	t = table(argv[2], argv[3], argv[4], strtoul(argv[5], NULL, 0));
	p.t = t;
	err = vgw_call(&c, VNICGW_CMD_TXN_BEGIN, 0, NULL, NULL, NULL);
	while (!err) {
		err = send_part(&c, &p);
		parts++;
		if (p.from >= t->n_rules)
			break;
	}
	if (err)
		return refused(&c, err);
	if (!strcmp(argv[6], "commit"))
		err = vgw_call(&c, VNICGW_CMD_TXN_COMMIT, 0, NULL, NULL, NULL);
	else if (!strcmp(argv[6], "abort"))
		err = vgw_call(&c, VNICGW_CMD_TXN_ABORT, 0, NULL, NULL, NULL);
	if (err)
		return refused(&c, err);
	vgw_close(&c);
	printf("ok %u\n", parts);
	return 0;
}
