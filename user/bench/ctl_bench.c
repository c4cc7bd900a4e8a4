// SPDX-License-Identifier: GPL-2.0
/*
 * vgw-ctl-bench: the control plane at scale, against the real module (run it
 * in the VM: make bench-control). Generates a document of N VNICs, applies
 * it, and prints: time to parse and validate, time to apply, kernel memory
 * per VNIC (slab growth), time to dump, time of one changed VNIC (a single
 * object request, and a whole-document apply), over repeated runs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include <linux/vnicgw.h>

#include "nlobj.h"
#include "state.h"
#include "vgw.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Slab memory in bytes, from /proc/meminfo. */
static long slab_bytes(void)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Slab: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb * 1024;
}

/* A document of @n VNICs in one subnet, with the usual companions. */
static char *gen_doc(unsigned int n)
{
	size_t cap = 4096 + (size_t)n * 256, len = 0;
	char *s = malloc(cap);
	unsigned int i, a;

	if (!s)
		return NULL;
	len += snprintf(s + len, cap - len,
		"{\"vcns\":[{\"id\":\"vcn\",\"cidrs\":[\"10.0.0.0/8\"]}],"
		"\"subnets\":[{\"id\":\"sub\",\"vcn\":\"vcn\",\"cidr\":\"10.0.0.0/12\","
		"\"route_table\":\"rt\",\"security_lists\":[\"sl\"]}],"
		"\"route_tables\":[{\"id\":\"rt\",\"vcn\":\"vcn\",\"rules\":["
		"{\"destination\":\"0.0.0.0/0\",\"target\":\"igw\"}]}],"
		"\"security_lists\":[{\"id\":\"sl\",\"vcn\":\"vcn\","
		"\"ingress\":[{\"source\":\"10.0.0.0/8\",\"protocol\":\"all\"}],"
		"\"egress\":[{\"destination\":\"0.0.0.0/0\",\"protocol\":\"all\"}]}],"
		"\"gateways\":[{\"id\":\"igw\",\"vcn\":\"vcn\",\"type\":\"internet\","
		"\"underlay_ip\":\"192.168.255.1\",\"vni\":16000000}],\"vnics\":[");
	for (i = 0; i < n; i++) {
		a = i + 2;	/* past the network and router addresses */
		len += snprintf(s + len, cap - len,
			"%s{\"id\":\"v%07u\",\"subnet\":\"sub\","
			"\"private_ips\":[\"10.%u.%u.%u\"],"
			"\"micro_vnic\":{\"vni\":%u,\"nvd_ip\":\"192.168.%u.%u\"},"
			"\"vips\":[{\"ip\":\"100.64.0.1\"}]}",
			i ? "," : "", i, (a >> 16) & 0xf, (a >> 8) & 0xff, a & 0xff,
			1000 + i, (i / 250) % 250, i % 250 + 1);
	}
	snprintf(s + len, cap - len, "]}");
	return s;
}

struct one_vnic {
	const struct vgw_vnic *v;
};

static int build_one(struct nl_msg *msg, void *arg)
{
	return vgw_obj_put(msg, VGW_OBJ_VNIC, ((struct one_vnic *)arg)->v);
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void pct(const char *what, double *t, int n)
{
	qsort(t, n, sizeof(*t), cmp_d);
	printf("| %-44s | %9.3f | %9.3f | %9.3f |\n", what, t[n / 2] * 1e3,
	       t[n * 99 / 100] * 1e3, t[n - 1] * 1e3);
}

int main(int argc, char **argv)
{
	unsigned int n = argc > 1 ? strtoul(argv[1], NULL, 0) : 100000;
	int reps = argc > 2 ? atoi(argv[2]) : 100, i, err;
	struct vgw_apply_stats st;
	struct vgw_client c;
	struct vgw_doc *doc, *dumped;
	struct vgw_vnic *v;
	struct one_vnic one;
	double t0, t_parse, t_apply, t_dump, *single, *whole;
	long slab0, slab1;
	char msg[512], *text;

	single = calloc(reps, sizeof(*single));
	whole = calloc(reps, sizeof(*whole));
	text = gen_doc(n);
	if (!text || !single || !whole)
		return 1;
	t0 = now();
	if (vgw_doc_parse(text, strlen(text), &doc, msg, sizeof(msg))) {
		fprintf(stderr, "generated document refused: %s\n", msg);
		return 1;
	}
	t_parse = now() - t0;
	free(text);
	if ((err = vgw_open(&c)) || (err = vgw_flush(&c))) {
		fprintf(stderr, "vgw-ctl-bench: %s\n", vgw_errmsg(&c, err));
		return 1;
	}
	usleep(200000);		/* let a flushed snapshot's memory go */
	slab0 = slab_bytes();
	t0 = now();
	err = vgw_apply_doc(&c, doc, 0, NULL, &st);
	t_apply = now() - t0;
	if (err) {
		fprintf(stderr, "apply: %s\n", vgw_errmsg(&c, err));
		return 1;
	}
	slab1 = slab_bytes();
	t0 = now();
	err = vgw_dump_doc(&c, &dumped);
	t_dump = now() - t0;
	if (err || !vgw_doc_equal(doc, dumped)) {
		fprintf(stderr, "dump differs from the document (%d)\n", err);
		return 1;
	}
	vgw_doc_free(dumped);

	v = (struct vgw_vnic *)vgw_doc_obj(doc, VGW_OBJ_VNIC, n / 2);
	one.v = v;
	for (i = 0; i < reps; i++) {
		v->conntrack_limit = 1000 + i;
		t0 = now();
		err = vgw_call_sized(&c, VNICGW_CMD_OBJ_SET, 0, 4096, build_one,
				     NULL, &one);
		single[i] = now() - t0;
		if (err) {
			fprintf(stderr, "set: %s\n", vgw_errmsg(&c, err));
			return 1;
		}
	}
	for (i = 0; i < (reps < 5 ? reps : 5); i++) {
		v->conntrack_limit = 50000 + i;
		t0 = now();
		err = vgw_apply_doc(&c, doc, 0, NULL, &st);
		whole[i] = now() - t0;
		if (err || st.changed != 1) {
			fprintf(stderr, "apply one change: %s\n", vgw_errmsg(&c, err));
			return 1;
		}
	}

	printf("\ncontrol plane at %u VNICs (one VCN, subnet, route table, list, gateway)\n\n", n);
	printf("| %-44s | %9s |\n", "what", "value");
	printf("|---|---|\n");
	printf("| %-44s | %7.2f s |\n", "parse and validate the document (userspace)", t_parse);
	printf("| %-44s | %7.2f s |\n", "apply it (dump, diff, one transaction)", t_apply);
	printf("| %-44s | %7.2f s |\n", "dump it back", t_dump);
	printf("| %-44s | %5ld B   |\n", "kernel memory per VNIC (slab growth / VNICs)",
	       (slab1 - slab0) / (long)n);
	printf("\n| %-44s | %9s | %9s | %9s |\n", "one changed VNIC (ms)", "p50", "p99", "max");
	printf("|---|---|---|---|\n");
	pct("single-object request, own transaction", single, reps);
	pct("whole-document apply (dump + diff + commit)", whole, reps < 5 ? reps : 5);
	printf("\nreproduce: make bench-control   (VNICS=%u REPS=%d)\n", n, reps);
	vgw_doc_free(doc);
	vgw_close(&c);
	return 0;
}
