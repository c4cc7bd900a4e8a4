// SPDX-License-Identifier: GPL-2.0
/*
 * vnicctl: the vnicgw command line, in the manner of iproute2.
 *
 *   vnicctl [-j] info      module version, features, namespace state
 *   vnicctl flush          remove every object of this namespace's tables
 *
 * Works on the network namespace it runs in ("ip netns exec NS vnicctl ...").
 * Exit status: 0 success, 1 refused or failed, 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/vnicgw.h>

#include "json.h"
#include "vgw.h"

static bool opt_json;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vnicctl [-j] COMMAND\n"
		"  info     show the module version, features and this namespace's state\n"
		"  flush    remove every object of this namespace's tables\n"
		"options:\n"
		"  -j, --json   JSON output\n"
		"  -h, --help   this text\n");
}

static void print_info_text(const struct vgw_info *in)
{
	unsigned int bit;

	printf("version %s\n", in->version);
	printf("features");
	for (bit = 0; bit < 64; bit++) {
		const char *name = vgw_feature_name(bit);

		if (!(in->features & (1ULL << bit)))
			continue;
		if (name)
			printf(" %s", name);
		else
			printf(" bit%u", bit);
	}
	printf("\ngeneration %llu\n", (unsigned long long)in->generation);
	if (in->ifindex)
		printf("link %s ifindex %u\n", in->ifname, in->ifindex);
	else
		printf("link none\n");
}

static void print_info_json(const struct vgw_info *in)
{
	struct json j;
	unsigned int bit;
	char unknown[16];

	json_init(&j, stdout);
	json_object_begin(&j, NULL);
	json_string(&j, "version", in->version);
	json_array_begin(&j, "features");
	for (bit = 0; bit < 64; bit++) {
		const char *name = vgw_feature_name(bit);

		if (!(in->features & (1ULL << bit)))
			continue;
		if (!name) {
			snprintf(unknown, sizeof(unknown), "bit%u", bit);
			name = unknown;
		}
		json_string(&j, NULL, name);
	}
	json_array_end(&j);
	json_u64(&j, "generation", in->generation);
	if (in->ifindex) {
		json_object_begin(&j, "link");
		json_string(&j, "ifname", in->ifname);
		json_u64(&j, "ifindex", in->ifindex);
		json_object_end(&j);
	} else {
		json_null(&j, "link");
	}
	json_object_end(&j);
	json_finish(&j);
}

static int cmd_info(struct vgw_client *c, int argc, char **argv)
{
	struct vgw_info info;
	int err;

	(void)argv;
	if (argc) {
		fprintf(stderr, "vnicctl info: takes no arguments\n");
		return 2;
	}
	err = vgw_get_info(c, &info);
	if (err) {
		fprintf(stderr, "vnicctl info: %s\n", vgw_errmsg(c, err));
		return 1;
	}
	if (opt_json)
		print_info_json(&info);
	else
		print_info_text(&info);
	return 0;
}

static int cmd_flush(struct vgw_client *c, int argc, char **argv)
{
	int err;

	(void)argv;
	if (argc) {
		fprintf(stderr, "vnicctl flush: takes no arguments\n");
		return 2;
	}
	err = vgw_flush(c);
	if (err) {
		fprintf(stderr, "vnicctl flush: %s\n", vgw_errmsg(c, err));
		return 1;
	}
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(struct vgw_client *c, int argc, char **argv);
} commands[] = {
	{ "info", cmd_info },
	{ "flush", cmd_flush },
};

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct vgw_client c;
	size_t i;
	int opt, err, ret;

	while ((opt = getopt_long(argc, argv, "+jh", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			opt_json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[optind], commands[i].name))
			break;
	if (i == sizeof(commands) / sizeof(commands[0])) {
		fprintf(stderr, "vnicctl: unknown command \"%s\"\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	err = vgw_open(&c);
	if (err) {
		fprintf(stderr, "vnicctl: %s\n", vgw_errmsg(&c, err));
		return 1;
	}
	ret = commands[i].fn(&c, argc - optind - 1, argv + optind + 1);
	vgw_close(&c);
	return ret;
}
