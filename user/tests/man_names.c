// SPDX-License-Identifier: GPL-2.0
/*
 * man_names: the names that vnicctl prints for the counters, one a line,
 * from the same library calls as "vnicctl stats" and "vnicctl cluster":
 *
 *   man_names drops      every drop reason (vgw_drop_name())
 *   man_names cluster    every cluster counter (vgw_cluster_counter_name())
 *
 * For user/tests/test_man.sh, which checks that vnicgw(7) documents each.
 */
#include <stdio.h>
#include <string.h>

#include "cluster_nl.h"
#include "stats.h"

int main(int argc, char **argv)
{
	unsigned int i;

	if (argc == 2 && !strcmp(argv[1], "drops")) {
		for (i = 0; i < __VNICGW_DROP_MAX; i++)
			printf("%s\n", vgw_drop_name(i));
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "cluster")) {
		for (i = 0; i < __VNICGW_CLUSTER_COUNTER_MAX; i++)
			printf("%s\n", vgw_cluster_counter_name(i));
		return 0;
	}
	fprintf(stderr, "usage: man_names drops|cluster\n");
	return 2;
}
