// SPDX-License-Identifier: GPL-2.0
/*
 * etcd_keys_put URL PREFIX MOD_REV: write one new random key as
 * PREFIX/cluster/keys with vgw_store_keys_put(), conditional on MOD_REV (0:
 * only if absent), as the agents (first key) and vnicctl-etcd (rotation)
 * do; prints "written" or "not written". For test_etcd_keys.sh, which
 * gives it a stale revision on purpose: the race the transaction guards
 * against, made certain.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster_nl.h"
#include "etcd.h"
#include "store.h"

int main(int argc, char **argv)
{
	struct vgw_cluster_key k;
	struct vgw_etcd *e;
	char err[512];
	bool done;
	int ret;

	if (argc != 4) {
		fprintf(stderr, "usage: etcd_keys_put URL PREFIX MOD_REV\n");
		return 2;
	}
	if (vgw_etcd_open(argv[1], &e, err, sizeof(err)) ||
	    vgw_cluster_key_random(&k, 9)) {
		fprintf(stderr, "etcd_keys_put: %s\n", err);
		return 1;
	}
	ret = vgw_store_keys_put(e, argv[2], &k, 1, strtoll(argv[3], NULL, 10),
				 &done, NULL, err, sizeof(err));
	vgw_etcd_close(e);
	if (ret) {
		fprintf(stderr, "etcd_keys_put: %s\n", err);
		return 1;
	}
	printf("%s\n", done ? "written" : "not written");
	return 0;
}
