// SPDX-License-Identifier: GPL-2.0
/*
 * vnicctl-etcd: the cluster's shared store in etcd, seen as vnicgw sees it
 * (user/lib/store.h). No kernel involved.
 *
 *   vnicctl-etcd [OPTIONS] apply [--dry-run] FILE   write a document
 *   vnicctl-etcd [OPTIONS] show                     the document held
 *   vnicctl-etcd [OPTIONS] members                  the live hosts
 *   vnicctl-etcd [OPTIONS] owners                   their flow owner table
 *
 * "vnicctl apply --etcd URL FILE" is the same write.
 * Exit status: 0 success, 1 refused or failed, 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etcd.h"
#include "maglev.h"
#include "store.h"

static const char *url = "http://127.0.0.1:2379";
static char prefix[VGW_STORE_PREFIX_MAX];

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vnicctl-etcd [--etcd URL] [--etcd-prefix PREFIX] COMMAND\n"
		"  apply [--dry-run] FILE   write the desired-state document FILE into etcd, one\n"
		"                           object per key: changed objects put, removed ones\n"
		"                           deleted, in one transaction when it fits (128 keys)\n"
		"  show                     the document held in etcd, canonical JSON (as\n"
		"                           vnicctl -j validate prints a file)\n"
		"  members                  the live hosts (agents with --host-id)\n"
		"  owners                   the flow owner table of the live hosts: size,\n"
		"                           fingerprint, slots per host\n"
		"options:\n"
		"  --etcd URL           etcd's client URL (default $VGW_ETCD, else %s)\n"
		"  --etcd-prefix PREFIX key prefix (default %s)\n", url,
		VGW_STORE_PREFIX_DEFAULT);
}

static int open_etcd(struct vgw_etcd **e)
{
	char err[512];

	if (vgw_etcd_open(url, e, err, sizeof(err))) {
		fprintf(stderr, "vnicctl-etcd: %s\n", err);
		return 1;
	}
	return 0;
}

static int cmd_apply(int argc, char **argv)
{
	const char *file = NULL;
	char err[1024];
	int flags = 0, i;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--dry-run") || !strcmp(argv[i], "-n"))
			flags |= VGW_STORE_DRY_RUN;
		else if (!file && argv[i][0] != '-')
			file = argv[i];
		else
			file = NULL, i = argc;
	}
	if (!file) {
		fprintf(stderr, "usage: vnicctl-etcd apply [--dry-run] FILE\n");
		return 2;
	}
	if (vgw_store_apply_file(url, prefix, file, flags, stdout, err, sizeof(err))) {
		fprintf(stderr, "vnicctl-etcd apply: %s\n", err);
		return 1;
	}
	return 0;
}

static int cmd_show(void)
{
	struct vgw_etcd *e;
	struct vgw_doc *d;
	char err[1024];
	int ret;

	if (open_etcd(&e))
		return 1;
	ret = vgw_store_read(e, prefix, &d, NULL, err, sizeof(err));
	vgw_etcd_close(e);
	if (ret) {
		fprintf(stderr, "vnicctl-etcd show: %s\n", err);
		return 1;
	}
	ret = vgw_doc_write_json(d, stdout);
	vgw_doc_free(d);
	return ret ? 1 : 0;
}

/* The live member ids, as every agent derives them. */
static int read_members(struct vgw_store **s, const char ***ids)
{
	struct vgw_etcd_kvs kvs;
	struct vgw_etcd *e;
	char key[VGW_STORE_KEY_MAX];
	int n;

	if (open_etcd(&e))
		return -1;
	vgw_store_member_key(prefix, "", key);
	n = vgw_etcd_get_prefix(e, key, &kvs);
	if (n) {
		fprintf(stderr, "vnicctl-etcd: %s\n", vgw_etcd_error(e));
		vgw_etcd_close(e);
		return -1;
	}
	vgw_etcd_close(e);
	*s = vgw_store_new(prefix);
	n = *s ? vgw_store_load(*s, &kvs) : -ENOMEM;
	vgw_etcd_kvs_free(&kvs);
	if (n >= 0)
		n = vgw_store_members(*s, ids);
	if (n < 0)
		fprintf(stderr, "vnicctl-etcd: out of memory\n");
	return n;
}

static int cmd_members(void)
{
	struct vgw_store *s = NULL;
	const char **ids;
	int n = read_members(&s, &ids), i;

	if (n < 0)
		return 1;
	for (i = 0; i < n; i++)
		printf("%s\n", ids[i]);
	free(ids);
	vgw_store_free(s);
	return 0;
}

static int cmd_owners(void)
{
	struct vgw_store *s = NULL;
	struct vgw_maglev m;
	unsigned int i, k, *slots;
	const char **ids;
	int n = read_members(&s, &ids);

	if (n <= 0) {
		if (!n)
			fprintf(stderr, "vnicctl-etcd owners: no live host under %smembers/\n", prefix);
		vgw_store_free(s);
		return 1;
	}
	if (vgw_maglev_build(ids, (unsigned int)n, VGW_MAGLEV_SIZE_DEFAULT, &m) ||
	    vgw_maglev_build_backup(&m)) {
		fprintf(stderr, "vnicctl-etcd owners: cannot build the table\n");
		return 1;
	}
	slots = calloc(m.n, sizeof(*slots));
	for (k = 0; slots && k < m.size; k++)
		slots[m.owner[k]]++;
	printf("members %d\nsize %u\nfingerprint %016llx\n", n, m.size,
	       (unsigned long long)vgw_maglev_fingerprint(&m));
	for (i = 0; slots && i < m.n; i++)
		printf("host %s slots %u (%.2f%%)\n", m.ids[i], slots[i],
		       100.0 * slots[i] / m.size);
	free(slots);
	vgw_maglev_free(&m);
	free(ids);
	vgw_store_free(s);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "etcd", required_argument, NULL, 'e' },
		{ "etcd-prefix", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *p = VGW_STORE_PREFIX_DEFAULT, *cmd;
	char err[512];
	int opt;

	if (getenv("VGW_ETCD"))
		url = getenv("VGW_ETCD");
	while ((opt = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (opt == 'e')
			url = optarg;
		else if (opt == 'p')
			p = optarg;
		else if (opt == 'h')
			return usage(stdout), 0;
		else
			return usage(stderr), 2;
	}
	if (vgw_store_prefix_norm(p, prefix, err, sizeof(err))) {
		fprintf(stderr, "vnicctl-etcd: %s\n", err);
		return 2;
	}
	if (optind >= argc)
		return usage(stderr), 2;
	cmd = argv[optind];
	if (!strcmp(cmd, "apply"))
		return cmd_apply(argc - optind - 1, argv + optind + 1);
	if (optind + 1 != argc)
		return usage(stderr), 2;
	if (!strcmp(cmd, "show"))
		return cmd_show();
	if (!strcmp(cmd, "members"))
		return cmd_members();
	if (!strcmp(cmd, "owners"))
		return cmd_owners();
	fprintf(stderr, "vnicctl-etcd: unknown command \"%s\"\n", cmd);
	return 2;
}
