// SPDX-License-Identifier: GPL-2.0
/*
 * vnicctl: the vnicgw command line, in the manner of iproute2.
 *
 *   vnicctl [-j] info                 module version, features, namespace state
 *   vnicctl apply [--dry-run] FILE    make the tables equal to a document
 *   vnicctl [-j] show [TYPE [ID]]     the tables, a type, or one object
 *   vnicctl delete TYPE ID            remove one object
 *   vnicctl flush                     remove every object of this namespace
 *   vnicctl [-j] cluster              the cluster as the kernel has it
 *   vnicctl cluster set|clear         set it by hand (tests, hosts without an agent)
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

#include "cluster_nl.h"
#include "json.h"
#include "nlobj.h"
#include "stats.h"
#include "steering.h"
#include "store.h"
#include "vgw.h"

static bool opt_json;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vnicctl [-j] COMMAND\n"
		"  info                      the module version, features and this namespace's state\n"
		"  apply [--dry-run] FILE    make the tables equal to the desired-state document FILE\n"
		"                            (only the difference is applied, in one transaction)\n"
		"  apply --etcd URL [--etcd-prefix P] [--dry-run] FILE\n"
		"                            write the document into etcd, one key per object\n"
		"  show [TYPE [ID]]          the tables (-j: as a desired-state document), a type, one object\n"
		"  delete TYPE ID            remove one object\n"
		"  stats                     packets, bytes and drops by reason, per namespace and VNIC\n"
		"  validate FILE             check a document without the kernel (-j: canonical form)\n"
		"  steering                  the XDP steering programs' counters, per CPU\n"
		"  flush                     remove every object of this namespace's tables\n"
		"  cluster                   the cluster as the kernel has it: this host's id, the\n"
		"                            members and their share of the flow owner table,\n"
		"                            its fingerprint and epoch, the handoff counters\n"
		"  cluster set [--self ID] --member ID=ADDR... [--size N]\n"
		"              [--key-file FILE | --key ID:SECRET... | --no-keys]\n"
		"                            tell the kernel the live members (without --self:\n"
		"                            this host is not one, it hands every flow on);\n"
		"                            ADDR: the member's underlay IPv4/IPv6 address;\n"
		"                            the keys that sign the members' messages (the\n"
		"                            first signs, both are accepted): a file of lines\n"
		"                            ID:SECRET (ID 1-255, SECRET 32 hex digits), or on\n"
		"                            the command line (seen by every user: tests only);\n"
		"                            without these the kernel keeps its keys; --no-keys\n"
		"                            removes them (messages unauthenticated)\n"
		"  cluster clear             standalone: every flow is this host's\n"
		"TYPE: vcn subnet route_table security_list nsg gateway vnic\n"
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
	printf("objects %u\n", in->n_objs);
	if (in->ifindex)
		printf("link %s ifindex %u\n", in->ifname, in->ifindex);
	else
		printf("link none\n");
}

static void print_info_json(const struct vgw_info *in)
{
	struct vgw_json j;
	unsigned int bit;
	char unknown[16];

	vgw_json_init(&j, stdout);
	vgw_json_object_begin(&j, NULL);
	vgw_json_string(&j, "version", in->version);
	vgw_json_array_begin(&j, "features");
	for (bit = 0; bit < 64; bit++) {
		const char *name = vgw_feature_name(bit);

		if (!(in->features & (1ULL << bit)))
			continue;
		if (!name) {
			snprintf(unknown, sizeof(unknown), "bit%u", bit);
			name = unknown;
		}
		vgw_json_string(&j, NULL, name);
	}
	vgw_json_array_end(&j);
	vgw_json_u64(&j, "generation", in->generation);
	vgw_json_u64(&j, "objects", in->n_objs);
	if (in->ifindex) {
		vgw_json_object_begin(&j, "link");
		vgw_json_string(&j, "ifname", in->ifname);
		vgw_json_u64(&j, "ifindex", in->ifindex);
		vgw_json_object_end(&j);
	} else {
		vgw_json_null(&j, "link");
	}
	vgw_json_object_end(&j);
	vgw_json_finish(&j);
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

static int cmd_apply(struct vgw_client *c, int argc, char **argv)
{
	struct vgw_apply_stats st;
	struct vgw_info info;
	struct vgw_doc *doc;
	char err[512];
	bool dry = false;
	const char *file = NULL;
	int i, ret;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--dry-run") || !strcmp(argv[i], "-n"))
			dry = true;
		else if (!strcmp(argv[i], "-f") && i + 1 < argc)
			file = argv[++i];
		else if (!file && argv[i][0] != '-')
			file = argv[i];
		else
			file = NULL, i = argc;
	}
	if (!file) {
		fprintf(stderr, "usage: vnicctl apply [--dry-run] FILE\n");
		return 2;
	}
	if (vgw_doc_parse_file(file, &doc, err, sizeof(err))) {
		fprintf(stderr, "vnicctl apply: %s\n", err);
		return 1;
	}
	ret = vgw_apply_doc(c, doc, dry ? VGW_APPLY_DRY_RUN : 0, stdout, &st);
	vgw_doc_free(doc);
	if (ret) {
		fprintf(stderr, "vnicctl apply: %s\n", vgw_errmsg(c, ret));
		return 1;
	}
	if (!dry && !vgw_get_info(c, &info))
		printf("applied: %u added, %u changed, %u removed (generation %llu)\n",
		       st.added, st.changed, st.removed,
		       (unsigned long long)info.generation);
	return 0;
}

/*
 * apply --etcd URL [--etcd-prefix P] [--dry-run] FILE: write the document
 * into the cluster's etcd (user/lib/store.h) instead of this kernel.
 * Returns -1 when the arguments have no --etcd (a kernel apply).
 */
static int cmd_apply_etcd(int argc, char **argv)
{
	const char *url = NULL, *prefix = VGW_STORE_PREFIX_DEFAULT, *file = NULL;
	char err[1024];
	int i, flags = 0;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--etcd") && i + 1 < argc)
			url = argv[++i];
		else if (!strcmp(argv[i], "--etcd-prefix") && i + 1 < argc)
			prefix = argv[++i];
		else if (!strcmp(argv[i], "--dry-run") || !strcmp(argv[i], "-n"))
			flags |= VGW_STORE_DRY_RUN;
		else if (!file && argv[i][0] != '-')
			file = argv[i];
		else
			file = NULL, i = argc;
	}
	if (!url)
		return -1;
	if (!file) {
		fprintf(stderr, "usage: vnicctl apply --etcd URL [--etcd-prefix PREFIX] [--dry-run] FILE\n");
		return 2;
	}
	if (vgw_store_apply_file(url, prefix, file, flags, stdout, err, sizeof(err))) {
		fprintf(stderr, "vnicctl apply: %s\n", err);
		return 1;
	}
	return 0;
}

/* A type by its name ("vnic") or its document key ("vnics"). */
static int type_of(const char *s)
{
	unsigned int t;

	for (t = 0; t < VGW_OBJ_NTYPES; t++)
		if (!strcmp(s, vgw_obj_type_name(t)) || !strcmp(s, vgw_obj_type_key(t)))
			return t;
	fprintf(stderr, "vnicctl: unknown object type \"%s\"\n", s);
	return -1;
}

/* Objects' generations, for the text listing. */
static struct vgw_obj_gen *gens;
static unsigned int n_gens;

/* One line per object: its type, id and what identifies it at a glance. */
static void print_line(enum vgw_obj_type t, const void *o)
{
	char a[VGW_PREFIX_STRLEN], b[VGW_PREFIX_STRLEN];

	printf("%-13s %-20s", vgw_obj_type_name(t), (const char *)o);
	switch (t) {
	case VGW_OBJ_VCN: {
		const struct vgw_vcn *v = o;
		unsigned int i;

		for (i = 0; i < v->n_cidrs; i++)
			printf(" %s", vgw_prefix_str(&v->cidrs[i], a, sizeof(a)));
		break;
	}
	case VGW_OBJ_SUBNET: {
		const struct vgw_subnet *s = o;

		printf(" vcn %s %s route_table %s", s->vcn,
		       vgw_prefix_str(&s->cidr, a, sizeof(a)),
		       s->route_table[0] ? s->route_table : "-");
		break;
	}
	case VGW_OBJ_ROUTE_TABLE: {
		const struct vgw_route_table *r = o;

		printf(" vcn %s rules %u", r->vcn, r->n_rules);
		break;
	}
	case VGW_OBJ_SECURITY_LIST:
	case VGW_OBJ_NSG: {
		const struct vgw_seclist *l = o;

		printf(" vcn %s ingress %u egress %u", l->vcn, l->n_ingress,
		       l->n_egress);
		break;
	}
	case VGW_OBJ_GATEWAY: {
		const struct vgw_gateway *g = o;

		printf(" vcn %s %s underlay %s vni %u %s%s", g->vcn,
		       vgw_gw_type_name(g->type),
		       vgw_addr_str(&g->underlay_ip, a, sizeof(a)), g->vni,
		       vgw_encap_name(g->encap), g->enabled ? "" : " disabled");
		break;
	}
	default: {
		const struct vgw_vnic *v = o;

		printf(" subnet %s ip %s nvd %s vni %u", v->subnet,
		       vgw_addr_str(&v->private_ips[0], a, sizeof(a)),
		       vgw_addr_str(&v->micro_vnic.nvd_ip, b, sizeof(b)),
		       v->micro_vnic.vni);
	}
	}
	printf(" gen %llu\n", (unsigned long long)
	       vgw_obj_gen_find(gens, n_gens, t, (const char *)o));
}

static int show_type(const struct vgw_doc *d, int t, const char *id)
{
	unsigned int i, n = vgw_doc_count(d, t);
	const void *o;

	if (id) {
		o = vgw_doc_find(d, t, id);
		if (!o) {
			fprintf(stderr, "vnicctl show: no %s %s\n",
				vgw_obj_type_name(t), id);
			return 1;
		}
		/* One object: its full form, in both modes. */
		vgw_obj_write_json(t, o, stdout);
		return 0;
	}
	if (opt_json)
		printf("[");
	for (i = 0; i < n; i++) {
		o = vgw_doc_obj(d, t, i);
		if (opt_json) {
			if (i)
				printf(",");
			vgw_obj_write_json(t, o, stdout);
		} else {
			print_line(t, o);
		}
	}
	if (opt_json)
		printf("]\n");
	return 0;
}

/* One object, read by itself (OBJ_GET do), in its full form. */
static int show_one(struct vgw_client *c, int t, const char *id)
{
	struct vgw_doc *d;
	int err;

	err = vgw_get_obj(c, t, id, &d, NULL);
	if (err == -ENOENT) {
		fprintf(stderr, "vnicctl show: no %s %s\n",
			vgw_obj_type_name(t), id);
		return 1;
	}
	if (err) {
		fprintf(stderr, "vnicctl show: %s\n", vgw_errmsg(c, err));
		return 1;
	}
	vgw_obj_write_json(t, vgw_doc_obj(d, t, 0), stdout);
	vgw_doc_free(d);
	return 0;
}

static int cmd_show(struct vgw_client *c, int argc, char **argv)
{
	struct vgw_doc *d;
	int t = -1, err, ret = 0;

	if (argc > 2) {
		fprintf(stderr, "usage: vnicctl show [TYPE [ID]]\n");
		return 2;
	}
	if (argc && (t = type_of(argv[0])) < 0)
		return 2;
	if (argc == 2)
		return show_one(c, t, argv[1]);
	err = vgw_dump_doc_gens(c, &d, &gens, &n_gens);
	if (err) {
		fprintf(stderr, "vnicctl show: %s\n", vgw_errmsg(c, err));
		return 1;
	}
	if (t >= 0)
		ret = show_type(d, t, argc > 1 ? argv[1] : NULL);
	else if (opt_json)
		vgw_doc_write_json(d, stdout);
	else
		for (t = 0; t < VGW_OBJ_NTYPES; t++)
			show_type(d, t, NULL);
	vgw_doc_free(d);
	free(gens);
	return ret;
}

/* Check a document without the kernel; -j prints its canonical form. */
static int cmd_validate(int argc, char **argv)
{
	struct vgw_doc *doc;
	char err[512];
	unsigned int t, n = 0;

	if (argc != 1) {
		fprintf(stderr, "usage: vnicctl validate FILE\n");
		return 2;
	}
	if (vgw_doc_parse_file(argv[0], &doc, err, sizeof(err))) {
		fprintf(stderr, "vnicctl validate: %s\n", err);
		return 1;
	}
	for (t = 0; t < VGW_OBJ_NTYPES; t++)
		n += vgw_doc_count(doc, t);
	if (opt_json)
		vgw_doc_write_json(doc, stdout);
	else
		printf("%s: valid, %u objects\n", argv[0], n);
	vgw_doc_free(doc);
	return 0;
}

static void json_drops(struct vgw_json *j, const uint64_t *drops)
{
	unsigned int r;

	vgw_json_object_begin(j, "drops");
	for (r = 0; r < __VNICGW_DROP_MAX; r++)
		vgw_json_u64(j, vgw_drop_name(r), drops[r]);
	vgw_json_object_end(j);
}

static void print_drops(const char *indent, const uint64_t *drops)
{
	unsigned int r;

	for (r = 0; r < __VNICGW_DROP_MAX; r++)
		if (drops[r])
			printf("%s%-16s %llu  (%s)\n", indent, vgw_drop_name(r),
			       (unsigned long long)drops[r], vgw_drop_help(r));
}

static int cmd_stats(struct vgw_client *c, int argc, char **argv)
{
	struct vgw_stats st;
	struct vgw_json j;
	unsigned int i;
	int err;

	(void)argv;
	if (argc) {
		fprintf(stderr, "usage: vnicctl stats\n");
		return 2;
	}
	err = vgw_get_stats(c, &st);
	if (err) {
		fprintf(stderr, "vnicctl stats: %s\n", vgw_errmsg(c, err));
		return 1;
	}
	if (opt_json) {
		vgw_json_init(&j, stdout);
		vgw_json_object_begin(&j, NULL);
		json_drops(&j, st.drops);
		vgw_json_object_begin(&j, "cpus");
		for (i = 0; i < st.n_cpus; i++) {
			char cpu[16];

			snprintf(cpu, sizeof(cpu), "%u", i);
			vgw_json_object_begin(&j, cpu);
			vgw_json_u64(&j, "rx_packets", st.cpu_rx[i]);
			vgw_json_object_end(&j);
		}
		vgw_json_object_end(&j);
		vgw_json_object_begin(&j, "conntrack");
		vgw_json_u64(&j, "entries", st.ct_entries);
		vgw_json_u64(&j, "buckets", st.ct_buckets);
		vgw_json_object_end(&j);
		vgw_json_object_begin(&j, "nat");
		vgw_json_u64(&j, "entries", st.nat_entries);
		vgw_json_u64(&j, "buckets", st.nat_buckets);
		vgw_json_object_end(&j);
		vgw_json_object_begin(&j, "vnics");
		for (i = 0; i < st.n_vnics; i++) {
			const struct vgw_vnic_stats *v = &st.vnics[i];

			vgw_json_object_begin(&j, v->id);
			vgw_json_u64(&j, "in_packets", v->in_packets);
			vgw_json_u64(&j, "in_bytes", v->in_bytes);
			vgw_json_u64(&j, "out_packets", v->out_packets);
			vgw_json_u64(&j, "out_bytes", v->out_bytes);
			vgw_json_u64(&j, "conns", v->conns);
			json_drops(&j, v->drops);
			vgw_json_object_end(&j);
		}
		vgw_json_object_end(&j);
		vgw_json_object_end(&j);
		vgw_json_finish(&j);
	} else {
		printf("tunnel packets per CPU:");
		for (i = 0; i < st.n_cpus; i++)
			printf(" %u:%llu", i, (unsigned long long)st.cpu_rx[i]);
		printf("\nconntrack: %u entries, %u buckets\n", st.ct_entries,
		       st.ct_buckets);
		printf("nat: %u mappings, %u buckets\n", st.nat_entries,
		       st.nat_buckets);
		printf("drops:\n");
		print_drops("  ", st.drops);
		for (i = 0; i < st.n_vnics; i++) {
			const struct vgw_vnic_stats *v = &st.vnics[i];

			printf("vnic %s in %llu pkts %llu bytes out %llu pkts %llu bytes conns %u\n",
			       v->id, (unsigned long long)v->in_packets,
			       (unsigned long long)v->in_bytes,
			       (unsigned long long)v->out_packets,
			       (unsigned long long)v->out_bytes, v->conns);
			print_drops("  ", v->drops);
		}
	}
	vgw_stats_free(&st);
	return 0;
}

/* The steering programs' counters: no module needed, only the BPF maps. */
static int cmd_steering(int argc, char **argv)
{
	static struct vgw_steering s[16];
	struct vgw_json j;
	unsigned int k, c;
	int n;

	(void)argv;
	if (argc) {
		fprintf(stderr, "usage: vnicctl steering\n");
		return 2;
	}
	n = vgw_steering_read(s, 16);
	if (n < 0) {
		fprintf(stderr, "vnicctl steering: %s\n", strerror(-n));
		return 1;
	}
	if (opt_json) {
		vgw_json_init(&j, stdout);
		vgw_json_array_begin(&j, NULL);
	}
	for (int i = 0; i < n; i++) {
		if (opt_json) {
			vgw_json_object_begin(&j, NULL);
			vgw_json_u64(&j, "map_id", s[i].map_id);
			vgw_json_object_begin(&j, "counters");
		} else {
			printf("steering program (counters map %u):\n", s[i].map_id);
		}
		for (k = 0; k < VGW_STEER_NR_COUNTERS; k++) {
			uint64_t total = 0;

			for (c = 0; c < s[i].n_cpus; c++)
				total += s[i].count[k][c];
			if (!opt_json) {
				printf("  %-18s %llu", vgw_steer_counter_name(k),
				       (unsigned long long)total);
				for (c = 0; c < s[i].n_cpus; c++)
					printf(" cpu%u:%llu", c,
					       (unsigned long long)s[i].count[k][c]);
				printf("\n");
				continue;
			}
			vgw_json_object_begin(&j, vgw_steer_counter_name(k));
			vgw_json_u64(&j, "total", total);
			vgw_json_array_begin(&j, "cpus");
			for (c = 0; c < s[i].n_cpus; c++)
				vgw_json_u64(&j, NULL, s[i].count[k][c]);
			vgw_json_array_end(&j);
			vgw_json_object_end(&j);
		}
		if (opt_json) {
			vgw_json_object_end(&j);
			vgw_json_object_end(&j);
		}
	}
	if (opt_json) {
		vgw_json_array_end(&j);
		vgw_json_finish(&j);
	} else if (!n) {
		printf("no steering program is loaded\n");
	}
	return 0;
}

static int cmd_delete(struct vgw_client *c, int argc, char **argv)
{
	int t, err;

	if (argc != 2) {
		fprintf(stderr, "usage: vnicctl delete TYPE ID\n");
		return 2;
	}
	t = type_of(argv[0]);
	if (t < 0)
		return 2;
	err = vgw_obj_del(c, t, argv[1]);
	if (err) {
		fprintf(stderr, "vnicctl delete: %s\n", vgw_errmsg(c, err));
		return 1;
	}
	return 0;
}

/* --- cluster --------------------------------------------------------------- */

/*
 * ADDR of --member ID=ADDR: an IPv4 or IPv6 address, or (for tests of the
 * kernel's checks) "0x" and the raw bytes in hex, sent as they are.
 */
static int parse_member_addr(const char *id, const char *s,
			     struct vgw_cluster_member *m)
{
	struct vgw_addr a;
	unsigned int byte;
	size_t i, n;

	if (!strncmp(s, "0x", 2)) {
		n = strlen(s + 2);
		if (!n || n % 2 || n / 2 > sizeof(m->addr))
			goto bad;
		for (i = 0; i < n / 2; i++) {
			if (sscanf(s + 2 + 2 * i, "%2x", &byte) != 1)
				goto bad;
			m->addr[i] = (uint8_t)byte;
		}
		m->addr_len = (unsigned int)(n / 2);
		return 0;
	}
	if (vgw_addr_parse(s, &a))
		goto bad;
	m->addr_len = a.family == AF_INET ? 4 : 16;
	memcpy(m->addr, a.bytes, m->addr_len);
	return 0;
bad:
	fprintf(stderr, "vnicctl cluster set: member \"%s\": addr \"%s\" is not an IP address\n",
		id, s);
	return -1;
}

/* --member ID=ADDR */
static int parse_member(const char *arg, struct vgw_cluster *cl)
{
	const char *eq = strchr(arg, '=');
	char id[VGW_CLUSTER_ID_LEN];

	if (!eq || (size_t)(eq - arg) >= sizeof(id)) {
		fprintf(stderr, "vnicctl cluster set: member \"%s\": expected ID=ADDR\n", arg);
		return -1;
	}
	snprintf(id, sizeof(id), "%.*s", (int)(eq - arg), arg);
	if (vgw_cluster_add(cl, id, NULL)) {
		fprintf(stderr, "vnicctl cluster set: out of memory\n");
		return -1;
	}
	return parse_member_addr(id, eq + 1, &cl->members[cl->n - 1]);
}

static int add_key(struct vgw_cluster *cl, const char *text, const char *where)
{
	struct vgw_cluster_key k;
	char err[160];
	int ret = 0;

	if (vgw_cluster_key_parse(text, &k, err, sizeof(err))) {
		fprintf(stderr, "vnicctl cluster set: %s%s\n", where, err);
		ret = -1;
	} else if (vgw_cluster_add_key(cl, &k)) {
		fprintf(stderr, "vnicctl cluster set: %sat most %d keys\n", where,
			VNICGW_CLUSTER_MAX_KEYS);
		ret = -1;
	}
	explicit_bzero(&k, sizeof(k));
	return ret;
}

/* A key file (vgw_cluster_keys_read()): its keys after those given so far. */
static int read_key_file(struct vgw_cluster *cl, const char *path)
{
	struct vgw_cluster_key keys[VNICGW_CLUSTER_MAX_KEYS];
	unsigned int n, i;
	char err[512];
	int ret = 0;

	if (vgw_cluster_keys_read(path, keys, &n, err, sizeof(err))) {
		fprintf(stderr, "vnicctl cluster set: %s\n", err);
		return -1;
	}
	for (i = 0; i < n && !ret; i++)
		if (vgw_cluster_add_key(cl, &keys[i])) {
			fprintf(stderr, "vnicctl cluster set: %s: at most %d keys in all\n",
				path, VNICGW_CLUSTER_MAX_KEYS);
			ret = -1;
		}
	explicit_bzero(keys, sizeof(keys));
	return ret;
}

static int parse_size(const char *s, uint32_t *size)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (!*s || *end || errno || v > UINT32_MAX || s[0] == '-') {
		fprintf(stderr, "vnicctl cluster set: size \"%s\" is not a number\n", s);
		return -1;
	}
	*size = (uint32_t)v;
	return 0;
}

/*
 * The request is sent as given: the kernel's checks (ids, duplicates, self,
 * size, address length) are the ones that count, and its refusal names the
 * field.
 */
static int cluster_set(struct vgw_client *c, int argc, char **argv)
{
	struct vgw_cluster cl = { 0 };
	int i, err, ret = 1;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--self") && i + 1 < argc) {
			snprintf(cl.self, sizeof(cl.self), "%s", argv[++i]);
		} else if (!strcmp(argv[i], "--member") && i + 1 < argc) {
			if (parse_member(argv[++i], &cl))
				goto out;
		} else if (!strcmp(argv[i], "--size") && i + 1 < argc) {
			if (parse_size(argv[++i], &cl.size))
				goto out;
		} else if (!strcmp(argv[i], "--key") && i + 1 < argc) {
			if (add_key(&cl, argv[++i], ""))
				goto out;
		} else if (!strcmp(argv[i], "--key-file") && i + 1 < argc) {
			if (read_key_file(&cl, argv[++i]))
				goto out;
		} else if (!strcmp(argv[i], "--no-keys")) {
			cl.clear_keys = true;
		} else {
			fprintf(stderr, "usage: vnicctl cluster set [--self ID] --member ID=ADDR... [--size N] [--key-file FILE | --key ID:SECRET... | --no-keys]\n");
			ret = 2;
			goto out;
		}
	}
	err = vgw_cluster_set(c, &cl);
	if (err)
		fprintf(stderr, "vnicctl cluster set: %s\n", vgw_errmsg(c, err));
	ret = err ? 1 : 0;
out:
	vgw_cluster_free(&cl);
	return ret;
}

static const char *cluster_state(const struct vgw_cluster *cl)
{
	if (!cl->n)
		return "standalone";
	return cl->self[0] ? "member" : "not_member";
}

static void cluster_json(const struct vgw_cluster *cl, const unsigned int *slots)
{
	struct vgw_json j;
	char fp[24], a[VGW_ADDR_STRLEN * 2];
	unsigned int i;

	vgw_json_init(&j, stdout);
	vgw_json_object_begin(&j, NULL);
	vgw_json_string(&j, "state", cluster_state(cl));
	if (cl->self[0])
		vgw_json_string(&j, "self", cl->self);
	else
		vgw_json_null(&j, "self");
	vgw_json_u64(&j, "epoch", cl->epoch);
	vgw_json_u64(&j, "size", cl->size);
	snprintf(fp, sizeof(fp), "%016llx", (unsigned long long)cl->fingerprint);
	vgw_json_string(&j, "fingerprint", fp);
	vgw_json_array_begin(&j, "members");
	for (i = 0; i < cl->n; i++) {
		vgw_json_object_begin(&j, NULL);
		vgw_json_string(&j, "id", cl->members[i].id);
		vgw_json_string(&j, "addr",
				vgw_cluster_addr_str(&cl->members[i], a, sizeof(a)));
		if (slots)
			vgw_json_u64(&j, "slots", slots[i]);
		vgw_json_object_end(&j);
	}
	vgw_json_array_end(&j);
	/* The keys' ids, the signing one first (the kernel never tells secrets). */
	vgw_json_array_begin(&j, "keys");
	for (i = 0; i < cl->n_keys; i++)
		vgw_json_u64(&j, NULL, cl->keys[i].id);
	vgw_json_array_end(&j);
	vgw_json_object_begin(&j, "counters");
	for (i = 0; i < __VNICGW_CLUSTER_COUNTER_MAX; i++)
		vgw_json_u64(&j, vgw_cluster_counter_name(i), cl->counters[i]);
	vgw_json_object_end(&j);
	vgw_json_object_end(&j);
	vgw_json_finish(&j);
}

static void cluster_text(const struct vgw_cluster *cl, const unsigned int *slots)
{
	char a[VGW_ADDR_STRLEN * 2];
	unsigned int i;

	if (!cl->n)
		printf("self standalone (every flow is this host's)\n");
	else if (cl->self[0])
		printf("self %s\n", cl->self);
	else
		printf("self none: not a member (draining; every stateful flow goes to its owner)\n");
	printf("epoch %llu\nsize %u\nfingerprint %016llx\nmembers %u\n",
	       (unsigned long long)cl->epoch, cl->size,
	       (unsigned long long)cl->fingerprint, cl->n);
	for (i = 0; i < cl->n; i++) {
		printf("  %-20s %-40s", cl->members[i].id,
		       vgw_cluster_addr_str(&cl->members[i], a, sizeof(a)));
		if (slots && cl->size)
			printf(" %u slots (%.1f%%)", slots[i],
			       100.0 * slots[i] / cl->size);
		printf("\n");
	}
	if (!cl->n_keys)
		printf("keys none (the members' messages are not authenticated)\n");
	for (i = 0; i < cl->n_keys; i++)
		printf("%s %u%s", i ? "," : "keys", cl->keys[i].id,
		       i ? "" : " (signs)");
	if (cl->n_keys)
		printf("\n");
	printf("counters\n");
	for (i = 0; i < __VNICGW_CLUSTER_COUNTER_MAX; i++)
		printf("  %-12s %llu  (%s)\n", vgw_cluster_counter_name(i),
		       (unsigned long long)cl->counters[i],
		       vgw_cluster_counter_help(i));
}

static int cluster_show(struct vgw_client *c)
{
	struct vgw_cluster cl;
	unsigned int *slots;
	uint64_t fp;
	int err;

	err = vgw_cluster_get(c, &cl);
	if (err) {
		fprintf(stderr, "vnicctl cluster: %s\n", vgw_errmsg(c, err));
		return 1;
	}
	/* The shares, from this build's copy of the table (maglev.c). */
	slots = calloc(cl.n + 1, sizeof(*slots));
	if (slots && vgw_cluster_fingerprint(&cl, &fp, slots)) {
		free(slots);
		slots = NULL;
	} else if (slots && cl.n && fp != cl.fingerprint) {
		fprintf(stderr, "vnicctl cluster: warning: the kernel's fingerprint %016llx differs from this build's %016llx (shares are this build's)\n",
			(unsigned long long)cl.fingerprint, (unsigned long long)fp);
	}
	if (opt_json)
		cluster_json(&cl, slots);
	else
		cluster_text(&cl, slots);
	free(slots);
	vgw_cluster_free(&cl);
	return 0;
}

static int cmd_cluster(struct vgw_client *c, int argc, char **argv)
{
	struct vgw_cluster none = { 0 };
	int err;

	if (!argc || (argc == 1 && !strcmp(argv[0], "show")))
		return cluster_show(c);
	if (!strcmp(argv[0], "set"))
		return cluster_set(c, argc - 1, argv + 1);
	if (argc == 1 && !strcmp(argv[0], "clear")) {
		err = vgw_cluster_set(c, &none);
		if (err)
			fprintf(stderr, "vnicctl cluster clear: %s\n", vgw_errmsg(c, err));
		return err ? 1 : 0;
	}
	fprintf(stderr, "usage: vnicctl [-j] cluster [show]\n"
		"       vnicctl cluster set [--self ID] --member ID=ADDR... [--size N]\n"
		"       vnicctl cluster clear\n");
	return 2;
}

static const struct {
	const char *name;
	int (*fn)(struct vgw_client *c, int argc, char **argv);
} commands[] = {
	{ "info", cmd_info },
	{ "apply", cmd_apply },
	{ "show", cmd_show },
	{ "delete", cmd_delete },
	{ "stats", cmd_stats },
	{ "flush", cmd_flush },
	{ "cluster", cmd_cluster },
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
	if (!strcmp(argv[optind], "apply") && (ret = cmd_apply_etcd(argc - optind - 1, argv + optind + 1)) >= 0)
		return ret;
	/* The one command that needs no kernel. */
	if (!strcmp(argv[optind], "validate"))
		return cmd_validate(argc - optind - 1, argv + optind + 1);
	if (!strcmp(argv[optind], "steering"))
		return cmd_steering(argc - optind - 1, argv + optind + 1);
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
