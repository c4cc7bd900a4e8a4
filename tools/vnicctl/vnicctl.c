// SPDX-License-Identifier: GPL-2.0
/*
 * vnicctl: the vnicgw command line, in the manner of iproute2.
 *
 *   vnicctl [-j] info                 module version, features, namespace state
 *   vnicctl apply [--dry-run] [-v] FILE
 *                                     make the tables equal to a document
 *   vnicctl [-j] show [TYPE [ID]]     the tables, a type, or one object
 *   vnicctl delete TYPE ID            remove one object
 *   vnicctl [-j] stats [VNIC]         the counters, or one VNIC's
 *   vnicctl flush                     remove every object of this namespace
 *   vnicctl [-j] cluster              the cluster as the kernel has it
 *   vnicctl cluster set|clear         set it by hand (tests, hosts without an agent)
 *   vnicctl [-j] conntrack|nat [VNIC] the connection table, the NAT mappings
 *   vnicctl conntrack|nat delete ...  forget one entry
 *   vnicctl [-j] trace SOURCE PACKET  what the module would do with a packet
 *
 * Works on the network namespace it runs in, or the one -n NETNS names (as
 * "ip -n NETNS"). The command line is parsed whole before anything else
 * happens: a usage error is reported (exit 2) whether the module is loaded
 * or not. Exit status: 0 success, 1 refused or failed, 2 usage.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/vnicgw.h>

#include "cluster_nl.h"
#include "conntrack.h"
#include "etcd.h"
#include "json.h"
#include "monitor.h"
#include "nlobj.h"
#include "stats.h"
#include "steering.h"
#include "store.h"
#include "trace.h"
#include "vgw.h"

/* The one version of the tree: the module's (kmod/vnicgw.h, via user/cli.mk). */
#ifndef VNICGW_VERSION
#error "VNICGW_VERSION must be defined (user/cli.mk takes it from kmod/vnicgw.h)"
#endif

/* The global options. */
static bool opt_json, opt_quiet, opt_verbose;

/*
 * A command line, parsed: what each command's parse function found, then
 * handed to its run function (after the namespace switch and, for the
 * commands that need one, the netlink connection).
 */
struct req {
	int type;			/* show, delete: -1 for every type */
	const char *id;			/* show, delete */
	const char *vnic;		/* stats: NULL for all */
	const char *file;		/* apply, validate */
	struct vgw_doc *doc;		/* apply: the document, parsed */
	bool dry_run, progress;		/* apply */
	bool etcd;			/* apply --etcd: no kernel */
	struct vgw_etcd_config etcd_cfg;
	const char *etcd_prefix;
	bool mon_config, mon_drops;	/* monitor */
	const char *mon_vnic;
	int mon_reason;			/* -1: any */
	unsigned long mon_count;	/* 0: no end */
	enum { CL_SHOW, CL_SET, CL_CLEAR } cl_op;
	bool tbl_delete;		/* conntrack, nat: delete, else show */
	struct vgw_ct ct;		/* conntrack delete */
	struct vgw_nat nat;		/* nat delete */
	struct vgw_cluster cl;		/* cluster set */
	struct vgw_trace_pkt trace;	/* trace */
	bool kernel;			/* needs the module's netlink family */
};

static void usage(FILE *f)
{
	unsigned int t;

	fprintf(f,
		"usage: vnicctl [OPTIONS] COMMAND [ARGS]\n"
		"       vnicctl help | --help | --version\n"
		"commands:\n"
		"  info                      the module version, features and this namespace's state\n"
		"  apply [--dry-run] [-v] [-q] [--progress] FILE\n"
		"                            make the tables equal to the desired-state document FILE\n"
		"                            (only the difference is applied, in one transaction);\n"
		"                            prints a summary line (-v: also one line per change;\n"
		"                            -q: nothing; --progress: \"N of M\" on stderr, the\n"
		"                            default on a tty)\n"
		"  apply --endpoints URL[,URL...] [--etcd-prefix P] [--dry-run] FILE\n"
		"                            write the document into etcd, one key per object\n"
		"                            (--etcd URL: the same; TLS and auth as etcdctl's:\n"
		"                            --cacert FILE, --cert FILE, --key FILE,\n"
		"                            --user USER[:PASSWORD], --password PASSWORD, and the\n"
		"                            ETCDCTL_* environment for those not given)\n"
		"  show [TYPE [ID]]          the tables (-j: as a desired-state document), a type, one object\n"
		"  delete TYPE ID            remove one object\n"
		"  stats [VNIC]              packets, bytes and drops by reason, per namespace and\n"
		"                            VNIC, or one VNIC's\n"
		"  validate FILE             check a document without the kernel (-j: canonical form)\n"
		"  steering                  the XDP steering programs' counters, per CPU\n"
		"  flush                     remove every object of this namespace's tables\n"
		"  cluster [show]            the cluster as the kernel has it: this host's id, the\n"
		"                            members and their share of the flow owner table,\n"
		"                            its fingerprint and epoch, the handoff counters\n"
		"  cluster set [--self ID] --member ID=ADDR... [--size N] [--backups N]\n"
		"              [--key-file FILE | --key ID:SECRET... | --no-keys]\n"
		"              [--accept-unsigned]\n"
		"                            tell the kernel the live members (without --self:\n"
		"                            this host is not one, it hands every flow on);\n"
		"                            ADDR: the member's underlay IPv4/IPv6 address;\n"
		"                            the keys that sign the members' messages (the\n"
		"                            first signs, both are accepted): a file of lines\n"
		"                            ID:SECRET (ID 1-255, SECRET 32 hex digits), or on\n"
		"                            the command line (seen by every user: tests only);\n"
		"                            without these the kernel keeps its keys; --no-keys\n"
		"                            removes them (messages unauthenticated);\n"
		"                            --accept-unsigned: with the keys, take unsigned\n"
		"                            messages too (turning authentication on in a\n"
		"                            running cluster)\n"
		"  monitor [config] [drops] [vnic VNIC] [reason REASON] [count N]\n"
		"                            stream the changes of the tables and the cluster,\n"
		"                            and dropped packets (at most drop_events_rate a\n"
		"                            second); default: both; -j: a JSON object a line;\n"
		"                            vnic, reason: only those drops; count: exit after N\n"
		"  cluster clear             standalone: every flow is this host's\n"
		"  conntrack [show] [VNIC]   the tracked connections (every VNIC's, or one's): the\n"
		"                            flow as opened, state, seconds left, packets and bytes\n"
		"                            each way, and in a cluster the flow's owner and backup\n"
		"  conntrack delete vnic VNIC proto PROTO src ADDR dst ADDR sport PORT dport PORT\n"
		"                            forget one connection (either direction; ICMP echo:\n"
		"                            both ports are the identifier); in a cluster its\n"
		"                            owner and backup forget it too\n"
		"  nat [show] [VNIC]         the NAT gateway's mappings: private, public and remote\n"
		"                            address and port, state, seconds left, the owners\n"
		"                            and backups of the flow and of the public port\n"
		"  nat delete proto PROTO public ADDR public-port PORT remote ADDR remote-port PORT\n"
		"                            remove one mapping (ICMP echo: remote-port 0); the\n"
		"                            remote's next packets to the port are dropped\n"
		"  trace SOURCE PACKET       what the module would do with one packet, stage by\n"
		"                            stage (a dry run: nothing is sent or changed):\n"
		"                            SOURCE: vnic ID | gateway ID | nvd ADDR vip ADDR vni N,\n"
		"                            and overrides nvd ADDR, vip ADDR, vni N,\n"
		"                            encap vxlan|geneve, mac MAC, dmac MAC;\n"
		"                            PACKET: dst ADDR [src ADDR] [proto tcp|udp|icmp|icmpv6|N]\n"
		"                            [sport N] [dport N] [flags F[,F...]] [type N] [code N]\n"
		"                            [id N] [ttl N]\n"
		"  help                      this text\n"
		"TYPE:");
	/* The library's names: the ones type_of() takes. */
	for (t = 0; t < VGW_OBJ_NTYPES; t++)
		fprintf(f, " %s", vgw_obj_type_name(t));
	fprintf(f, "\n"
		"options:\n"
		"  -j, --json         JSON output\n"
		"  -n, --netns NETNS  run in network namespace NETNS (/run/netns/NETNS, or a path)\n"
		"  -q, --quiet        no output on success from apply and validate\n"
		"  -v, --verbose      apply: one line per change\n"
		"  -V, --version      the version\n"
		"  -h, --help         this text\n"
		"exit status: 0 success, 1 refused or failed, 2 usage error\n");
}

/* A usage error of COMMAND: its message, exit status 2. */
static int bad_usage(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int bad_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "vnicctl %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 2;
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

/* Commands without arguments. */
static int parse_none(const char *cmd, int argc, char **argv, struct req *r)
{
	(void)r;
	if (argc)
		return bad_usage(cmd, "takes no arguments (\"%s\")", argv[0]);
	return 0;
}

static int parse_info(int argc, char **argv, struct req *r)
{
	return parse_none("info", argc, argv, r);
}

static int run_info(struct vgw_client *c, struct req *r)
{
	struct vgw_info info;
	int err;

	(void)r;
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

static int parse_flush(int argc, char **argv, struct req *r)
{
	return parse_none("flush", argc, argv, r);
}

static int run_flush(struct vgw_client *c, struct req *r)
{
	int err;

	(void)r;
	err = vgw_flush(c);
	if (err) {
		fprintf(stderr, "vnicctl flush: %s\n", vgw_errmsg(c, err));
		return 1;
	}
	return 0;
}

/*
 * apply [--dry-run] [-v|--verbose] [-q|--quiet] [--progress] FILE
 * apply --endpoints|--etcd URL[,URL...] [--etcd-prefix PREFIX] [--cacert FILE]
 *       [--cert FILE --key FILE] [--user USER[:PASSWORD]] [--password P]
 *       [--dry-run] FILE
 * (etcd's settings as etcdctl's, the ETCDCTL_* environment for those not
 * given; --endpoints or --etcd on the command line is what sends it to etcd)
 * "-f FILE" is accepted for FILE; -v and -q here are the global ones. The document is read and checked here,
 * before any connection: a bad one is refused with or without the module.
 */
static int parse_apply(int argc, char **argv, struct req *r)
{
	char err[512];
	int i;

	r->etcd_prefix = VGW_STORE_PREFIX_DEFAULT;
	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--dry-run")) {
			r->dry_run = true;
		} else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			opt_verbose = true;
		} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			opt_quiet = true;
		} else if (!strcmp(a, "--progress")) {
			r->progress = true;
		} else if (!strcmp(a, "--etcd") || !strcmp(a, "--endpoints") ||
			   !strcmp(a, "--cacert") || !strcmp(a, "--cert") ||
			   !strcmp(a, "--key") || !strcmp(a, "--user") ||
			   !strcmp(a, "--password")) {
			if (i + 1 >= argc)
				return bad_usage("apply", "%s needs an argument", a);
			if (vgw_etcd_config_set(&r->etcd_cfg, a + 2, argv[i + 1], err,
						sizeof(err)))
				return bad_usage("apply", "--%s", err);
			vgw_etcd_scrub_secret(a + 2, argv[++i]);
			r->etcd |= !strcmp(a, "--etcd") || !strcmp(a, "--endpoints");
		} else if (!strcmp(a, "--etcd-prefix") || !strcmp(a, "-f")) {
			if (i + 1 >= argc)
				return bad_usage("apply", "%s needs an argument", a);
			if (!strcmp(a, "--etcd-prefix"))
				r->etcd_prefix = argv[++i];
			else if (r->file)
				return bad_usage("apply", "one FILE only (\"%s\")", argv[i + 1]);
			else
				r->file = argv[++i];
		} else if (a[0] == '-' && a[1]) {
			return bad_usage("apply", "unknown option \"%s\"", a);
		} else if (r->file) {
			return bad_usage("apply", "one FILE only (\"%s\")", a);
		} else {
			r->file = a;
		}
	}
	if (!r->file && r->etcd)
		return bad_usage("apply", "no FILE (usage: vnicctl apply --endpoints URL[,URL...] [--etcd-prefix PREFIX] [--dry-run] FILE)");
	if (!r->etcd && (r->etcd_cfg.cacert[0] || r->etcd_cfg.cert[0] ||
			 r->etcd_cfg.key[0] || r->etcd_cfg.user[0] ||
			 r->etcd_cfg.password[0]))
		return bad_usage("apply", "etcd's TLS and auth options need --endpoints URL (or --etcd URL)");
	if (!r->file)
		return bad_usage("apply", "no FILE (usage: vnicctl apply [--dry-run] [-v] [-q] [--progress] FILE)");
	/* --etcd: store_write.c reads the file itself, and needs no kernel. */
	if (r->etcd) {
		r->kernel = false;
		if (vgw_etcd_config_env(&r->etcd_cfg, false, err, sizeof(err)) ||
		    vgw_etcd_config_check(&r->etcd_cfg, err, sizeof(err))) {
			fprintf(stderr, "vnicctl apply: %s\n", err);
			return 1;
		}
		return 0;
	}
	if (vgw_doc_parse_file(r->file, &r->doc, err, sizeof(err))) {
		fprintf(stderr, "vnicctl apply: %s\n", err);
		return 1;
	}
	return 0;
}

/* How apply shows its progress on stderr: a tty line rewritten, or lines. */
struct progress {
	bool tty;
	struct timespec last;
	bool shown;
};

static void show_progress(unsigned int done, unsigned int total, void *arg)
{
	struct progress *p = arg;
	struct timespec now;
	long ms;

	/* At most ten a second, and always the last one. */
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (now.tv_sec - p->last.tv_sec) * 1000 +
	     (now.tv_nsec - p->last.tv_nsec) / 1000000;
	if (p->shown && ms < 100 && done < total)
		return;
	p->last = now;
	p->shown = true;
	fprintf(stderr, "%svnicctl apply: %u of %u changes%s", p->tty ? "\r" : "",
		done, total, p->tty && done < total ? "" : "\n");
	fflush(stderr);
}

static int run_apply_etcd(struct req *r)
{
	char err[1024];
	FILE *out = stdout;
	int ret;

	/* The store prints each key it writes and a summary; -q: none. */
	if (opt_quiet) {
		out = fopen("/dev/null", "w");
		if (!out) {
			fprintf(stderr, "vnicctl apply: /dev/null: %s\n", strerror(errno));
			return 1;
		}
	}
	ret = vgw_store_apply_file(&r->etcd_cfg, r->etcd_prefix, r->file,
				   r->dry_run ? VGW_STORE_DRY_RUN : 0, out, err,
				   sizeof(err));
	if (out != stdout)
		fclose(out);
	if (ret) {
		fprintf(stderr, "vnicctl apply: %s\n", err);
		return 1;
	}
	return 0;
}

static int run_apply(struct vgw_client *c, struct req *r)
{
	/*
	 * On a terminal by default (not with -q), unless -v prints the changes there too:
	 * a rewritten line would be mixed into them.
	 */
	struct progress prog = { .tty = isatty(STDERR_FILENO) };
	bool progress = r->progress || (prog.tty && !opt_verbose && !opt_quiet);
	struct vgw_apply_stats st;
	struct vgw_info info;
	FILE *log = NULL;
	int ret;

	/* With -v (and --progress): a line each, between the changes' lines. */
	if (opt_verbose)
		prog.tty = false;

	if (r->etcd)
		return run_apply_etcd(r);
	/* A dry run's listing is its answer: printed even with -q. */
	if (r->dry_run || (opt_verbose && !opt_quiet))
		log = stdout;
	ret = vgw_apply_doc_progress(c, r->doc, r->dry_run ? VGW_APPLY_DRY_RUN : 0,
				     log, &st,
				     progress ? show_progress : NULL,
				     &prog);
	if (ret) {
		if (prog.tty && prog.shown)
			fputc('\n', stderr);
		fprintf(stderr, "vnicctl apply: %s\n", vgw_errmsg(c, ret));
		return 1;
	}
	if (!r->dry_run && !opt_quiet && !vgw_get_info(c, &info))
		printf("applied: %u added, %u changed, %u removed (generation %llu)\n",
		       st.added, st.changed, st.removed,
		       (unsigned long long)info.generation);
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

static void show_type(const struct vgw_doc *d, int t)
{
	unsigned int i, n = vgw_doc_count(d, t);
	const void *o;

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
}

/*
 * The text form of one object: its line (as "show TYPE" prints it), then
 * every field of its document form, one "path value" line each: nested
 * objects as a.b, arrays of objects as a[i].b, arrays of plain values on
 * one line.
 */
static void print_scalar(const json_t *v)
{
	if (json_is_string(v))
		fputs(json_string_value(v), stdout);
	else if (json_is_integer(v))
		printf("%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		printf("%g", json_real_value(v));
	else if (json_is_true(v))
		fputs("true", stdout);
	else if (json_is_false(v))
		fputs("false", stdout);
	else
		fputs("null", stdout);
}

static bool all_scalars(const json_t *arr)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
		if (json_is_object(v) || json_is_array(v))
			return false;
	return true;
}

static void print_fields(const char *path, const json_t *v)
{
	char sub[512];
	const char *k;
	json_t *e;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, e) {
			/* The id is in the object's line already. */
			if (!*path && !strcmp(k, "id"))
				continue;
			snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "." : "", k);
			print_fields(sub, e);
		}
	} else if (json_is_array(v) && all_scalars(v)) {
		printf("  %s", path);
		json_array_foreach(v, i, e) {
			putchar(' ');
			print_scalar(e);
		}
		putchar('\n');
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, e) {
			snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
			print_fields(sub, e);
		}
	} else {
		printf("  %s ", path);
		print_scalar(v);
		putchar('\n');
	}
}

static int print_obj_text(enum vgw_obj_type t, const void *o, uint64_t gen)
{
	struct vgw_obj_gen g = { .type = t, .gen = gen };
	json_error_t jerr;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	json_t *js;

	f = open_memstream(&buf, &len);
	if (!f || vgw_obj_write_json(t, o, f)) {
		if (f)
			fclose(f);
		free(buf);
		fprintf(stderr, "vnicctl show: out of memory\n");
		return 1;
	}
	fclose(f);
	js = json_loadb(buf, len, 0, &jerr);
	free(buf);
	if (!js) {
		fprintf(stderr, "vnicctl show: %s\n", jerr.text);
		return 1;
	}
	snprintf(g.id, sizeof(g.id), "%s", (const char *)o);
	gens = &g;
	n_gens = 1;
	print_line(t, o);
	gens = NULL;
	n_gens = 0;
	print_fields("", js);
	json_decref(js);
	return 0;
}

/* One object, read by itself (OBJ_GET do), in its full form. */
static int show_one(struct vgw_client *c, int t, const char *id)
{
	struct vgw_doc *d;
	uint64_t gen = 0;
	int err, ret = 0;

	err = vgw_get_obj(c, t, id, &d, &gen);
	if (err == -ENOENT) {
		fprintf(stderr, "vnicctl show: no %s %s\n",
			vgw_obj_type_name(t), id);
		return 1;
	}
	if (err) {
		fprintf(stderr, "vnicctl show: %s\n", vgw_errmsg(c, err));
		return 1;
	}
	if (opt_json)
		vgw_obj_write_json(t, vgw_doc_obj(d, t, 0), stdout);
	else
		ret = print_obj_text(t, vgw_doc_obj(d, t, 0), gen);
	vgw_doc_free(d);
	return ret;
}

/* show [TYPE [ID]] */
static int parse_show(int argc, char **argv, struct req *r)
{
	if (argc > 2)
		return bad_usage("show", "too many arguments (usage: vnicctl show [TYPE [ID]])");
	if (argc && (r->type = type_of(argv[0])) < 0)
		return 2;
	if (argc == 2)
		r->id = argv[1];
	return 0;
}

static int run_show(struct vgw_client *c, struct req *r)
{
	struct vgw_doc *d;
	int t, err;

	if (r->id)
		return show_one(c, r->type, r->id);
	err = vgw_dump_doc_gens(c, &d, &gens, &n_gens);
	if (err) {
		fprintf(stderr, "vnicctl show: %s\n", vgw_errmsg(c, err));
		return 1;
	}
	if (r->type >= 0)
		show_type(d, r->type);
	else if (opt_json)
		vgw_doc_write_json(d, stdout);
	else
		for (t = 0; t < VGW_OBJ_NTYPES; t++)
			show_type(d, t);
	vgw_doc_free(d);
	free(gens);
	return 0;
}

/* Check a document without the kernel; -j prints its canonical form. */
static int parse_validate(int argc, char **argv, struct req *r)
{
	if (argc != 1 || (argv[0][0] == '-' && argv[0][1]))
		return bad_usage("validate", "%s (usage: vnicctl validate FILE)",
				 !argc ? "no FILE" : argc > 1 ?
				 "one FILE only" : "unknown option");
	r->file = argv[0];
	r->kernel = false;
	return 0;
}

static int run_validate(struct vgw_client *c, struct req *r)
{
	struct vgw_doc *doc;
	char err[512];
	unsigned int t, n = 0;

	(void)c;
	if (vgw_doc_parse_file(r->file, &doc, err, sizeof(err))) {
		fprintf(stderr, "vnicctl validate: %s\n", err);
		return 1;
	}
	for (t = 0; t < VGW_OBJ_NTYPES; t++)
		n += vgw_doc_count(doc, t);
	if (opt_json)
		vgw_doc_write_json(doc, stdout);
	else if (!opt_quiet)
		printf("%s: valid, %u objects\n", r->file, n);
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

static void json_vnic(struct vgw_json *j, const char *key,
		      const struct vgw_vnic_stats *v)
{
	vgw_json_object_begin(j, key);
	if (!key)
		vgw_json_string(j, "id", v->id);
	vgw_json_u64(j, "in_packets", v->in_packets);
	vgw_json_u64(j, "in_bytes", v->in_bytes);
	vgw_json_u64(j, "out_packets", v->out_packets);
	vgw_json_u64(j, "out_bytes", v->out_bytes);
	vgw_json_u64(j, "conns", v->conns);
	json_drops(j, v->drops);
	vgw_json_object_end(j);
}

static void print_vnic(const struct vgw_vnic_stats *v)
{
	printf("vnic %s in %llu pkts %llu bytes out %llu pkts %llu bytes conns %u\n",
	       v->id, (unsigned long long)v->in_packets,
	       (unsigned long long)v->in_bytes,
	       (unsigned long long)v->out_packets,
	       (unsigned long long)v->out_bytes, v->conns);
	print_drops("  ", v->drops);
}

/* stats [VNIC] */
static int parse_stats(int argc, char **argv, struct req *r)
{
	if (argc > 1)
		return bad_usage("stats", "too many arguments (usage: vnicctl stats [VNIC])");
	if (argc)
		r->vnic = argv[0];
	return 0;
}

/* One VNIC's counters: its object (-j) or its lines. */
static int stats_one(const struct vgw_stats *st, const char *id)
{
	struct vgw_json j;
	unsigned int i;

	for (i = 0; i < st->n_vnics; i++)
		if (!strcmp(st->vnics[i].id, id))
			break;
	if (i == st->n_vnics) {
		fprintf(stderr, "vnicctl stats: no vnic %s\n", id);
		return 1;
	}
	if (opt_json) {
		vgw_json_init(&j, stdout);
		json_vnic(&j, NULL, &st->vnics[i]);
		vgw_json_finish(&j);
	} else {
		print_vnic(&st->vnics[i]);
	}
	return 0;
}

static int run_stats(struct vgw_client *c, struct req *r)
{
	struct vgw_stats st;
	struct vgw_json j;
	unsigned int i;
	int err, ret = 0;

	err = vgw_get_stats(c, &st);
	if (err) {
		fprintf(stderr, "vnicctl stats: %s\n", vgw_errmsg(c, err));
		return 1;
	}
	if (r->vnic) {
		ret = stats_one(&st, r->vnic);
	} else if (opt_json) {
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
		for (i = 0; i < st.n_vnics; i++)
			json_vnic(&j, st.vnics[i].id, &st.vnics[i]);
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
		for (i = 0; i < st.n_vnics; i++)
			print_vnic(&st.vnics[i]);
	}
	vgw_stats_free(&st);
	return ret;
}

/* The steering programs' counters: no module needed, only the BPF maps. */
static int parse_steering(int argc, char **argv, struct req *r)
{
	r->kernel = false;
	return parse_none("steering", argc, argv, r);
}

static int run_steering(struct vgw_client *cl, struct req *r)
{
	static struct vgw_steering s[16];
	struct vgw_json j;
	unsigned int k, c;
	int n;

	(void)cl, (void)r;
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

/* delete TYPE ID */
static int parse_delete(int argc, char **argv, struct req *r)
{
	if (argc != 2)
		return bad_usage("delete", "%s (usage: vnicctl delete TYPE ID)",
				 argc < 2 ? "TYPE and ID needed" : "too many arguments");
	r->type = type_of(argv[0]);
	if (r->type < 0)
		return 2;
	r->id = argv[1];
	return 0;
}

static int run_delete(struct vgw_client *c, struct req *r)
{
	int err;

	err = vgw_obj_del(c, r->type, r->id);
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

/* --backups: a number up to 255 (the kernel says what it takes). */
static int parse_backups(const char *s, unsigned int *n)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (!isdigit((unsigned char)s[0]) || *end || errno || v > 255 || !v) {
		fprintf(stderr, "vnicctl cluster set: backups \"%s\" is not a number from 1 to %d\n",
			s, VNICGW_CLUSTER_MAX_BACKUPS);
		return -1;
	}
	*n = (unsigned int)v;
	return 0;
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
 * cluster set ...: the request is built here and sent as given: the kernel's
 * checks (ids, duplicates, self, size, address length) are the ones that
 * count, and its refusal names the field. What cannot be understood at all
 * (a member without "=", an address that is none, a bad key) is a usage
 * error; a key file that cannot be read is a failure (1).
 */
static int parse_cluster_set(int argc, char **argv, struct vgw_cluster *cl)
{
	static const char *const with_arg[] = {
		"--self", "--member", "--size", "--backups", "--key", "--key-file",
	};
	size_t k;
	int i;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		for (k = 0; k < sizeof(with_arg) / sizeof(with_arg[0]); k++)
			if (!strcmp(a, with_arg[k]) && i + 1 >= argc)
				return bad_usage("cluster set", "%s needs an argument", a);
		if (!strcmp(a, "--self")) {
			snprintf(cl->self, sizeof(cl->self), "%s", argv[++i]);
		} else if (!strcmp(a, "--member")) {
			if (parse_member(argv[++i], cl))
				return 2;
		} else if (!strcmp(a, "--size")) {
			if (parse_size(argv[++i], &cl->size))
				return 2;
		} else if (!strcmp(a, "--backups")) {
			if (parse_backups(argv[++i], &cl->backups))
				return 2;
		} else if (!strcmp(a, "--key")) {
			if (add_key(cl, argv[++i], ""))
				return 2;
		} else if (!strcmp(a, "--key-file")) {
			if (read_key_file(cl, argv[++i]))
				return 1;
		} else if (!strcmp(a, "--no-keys")) {
			cl->clear_keys = true;
		} else if (!strcmp(a, "--accept-unsigned")) {
			cl->accept_unsigned = true;
		} else {
			return bad_usage("cluster set", "%s is not an option (usage: vnicctl cluster set [--self ID] --member ID=ADDR... [--size N] [--backups N] [--key-file FILE | --key ID:SECRET... | --no-keys] [--accept-unsigned])", a);
		}
	}
	if (cl->accept_unsigned && !cl->n_keys)
		return bad_usage("cluster set", "--accept-unsigned goes with keys (--key-file or --key): it lets unsigned messages in while keys are rolled out");
	return 0;
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
	if (cl->n)
		vgw_json_u64(&j, "backups", cl->backups);
	else
		vgw_json_null(&j, "backups");
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
	vgw_json_bool(&j, "accept_unsigned", cl->accept_unsigned);
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
	printf("epoch %llu\nsize %u\n", (unsigned long long)cl->epoch, cl->size);
	if (cl->n)
		printf("backups %u\n", cl->backups);
	printf("fingerprint %016llx\nmembers %u\n",
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
		printf("%s\n", cl->accept_unsigned ?
		       "; unsigned messages accepted (a rollout)" : "");
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
	/* The shares, from this build's copy of the table (owner.c). */
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

/* cluster [show] | cluster set ... | cluster clear */
static int parse_cluster(int argc, char **argv, struct req *r)
{
	if (!argc || (argc == 1 && !strcmp(argv[0], "show"))) {
		r->cl_op = CL_SHOW;
		return 0;
	}
	if (!strcmp(argv[0], "set")) {
		r->cl_op = CL_SET;
		return parse_cluster_set(argc - 1, argv + 1, &r->cl);
	}
	if (argc == 1 && !strcmp(argv[0], "clear")) {
		r->cl_op = CL_CLEAR;
		return 0;
	}
	return bad_usage("cluster", "\"%s\"%s is not a cluster command\n"
		"usage: vnicctl [-j] cluster [show]\n"
		"       vnicctl cluster set [--self ID] --member ID=ADDR... [--size N] [--backups N]\n"
		"       vnicctl cluster clear", argv[0], argc > 1 ? " ..." : "");
}

static int run_cluster(struct vgw_client *c, struct req *r)
{
	struct vgw_cluster none = { 0 };
	const char *what = r->cl_op == CL_SET ? "set" : "clear";
	int err;

	if (r->cl_op == CL_SHOW)
		return cluster_show(c);
	err = vgw_cluster_set(c, r->cl_op == CL_SET ? &r->cl : &none);
	if (err)
		fprintf(stderr, "vnicctl cluster %s: %s\n", what, vgw_errmsg(c, err));
	return err ? 1 : 0;
}

/* monitor [config] [drops] [vnic VNIC] [reason REASON] [count N] */
static int parse_monitor(int argc, char **argv, struct req *r)
{
	unsigned int reason;
	char *end;
	int i;

	r->mon_reason = -1;
	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "config")) {
			r->mon_config = true;
		} else if (!strcmp(a, "drops")) {
			r->mon_drops = true;
		} else if (!strcmp(a, "vnic") || !strcmp(a, "reason") ||
			   !strcmp(a, "count")) {
			if (i + 1 >= argc)
				return bad_usage("monitor", "%s needs an argument", a);
			if (!strcmp(a, "vnic")) {
				r->mon_vnic = argv[++i];
			} else if (!strcmp(a, "count")) {
				r->mon_count = strtoul(argv[++i], &end, 10);
				if (*end || !r->mon_count || argv[i][0] == '-')
					return bad_usage("monitor", "count \"%s\" is not a number of events (1 or more)",
							 argv[i]);
			} else {
				i++;
				for (reason = 0; vgw_drop_name(reason); reason++)
					if (!strcmp(vgw_drop_name(reason), argv[i]))
						break;
				if (!vgw_drop_name(reason))
					return bad_usage("monitor", "reason \"%s\" is not a drop reason (vnicctl stats names them)",
							 argv[i]);
				r->mon_reason = (int)reason;
			}
		} else {
			return bad_usage("monitor", "\"%s\" is not a monitor argument (usage: vnicctl monitor [config] [drops] [vnic VNIC] [reason REASON] [count N])",
					 a);
		}
	}
	if (!r->mon_config && !r->mon_drops)
		r->mon_config = r->mon_drops = true;
	if ((r->mon_vnic || r->mon_reason >= 0) && !r->mon_drops)
		return bad_usage("monitor", "vnic and reason select drops: add \"drops\"");
	return 0;
}

static const char *const change_ops[] = {
	[VNICGW_CHANGE_ADDED] = "added",
	[VNICGW_CHANGE_CHANGED] = "changed",
	[VNICGW_CHANGE_REMOVED] = "removed",
};

static const char *change_op(int op)
{
	return op >= VNICGW_CHANGE_ADDED && op <= VNICGW_CHANGE_REMOVED ?
	       change_ops[op] : "?";
}

static const char *proto_name(uint8_t p, char *buf, size_t len)
{
	switch (p) {
	case 1: return "icmp";
	case 6: return "tcp";
	case 17: return "udp";
	case 58: return "icmpv6";
	}
	snprintf(buf, len, "proto %u", p);
	return buf;
}

struct monitor_ctx {
	const struct req *r;
	unsigned long seen;
};

static void drop_json(const struct vgw_event *e)
{
	char a[INET6_ADDRSTRLEN];
	struct vgw_json j;

	vgw_json_init(&j, stdout);
	vgw_json_object_begin(&j, NULL);
	vgw_json_string(&j, "event", "drop");
	vgw_json_string(&j, "reason", vgw_drop_name(e->reason) ?: "?");
	if (e->vnic[0])
		vgw_json_string(&j, "vnic", e->vnic);
	vgw_json_u64(&j, "vni", e->vni);
	if (e->family) {
		vgw_json_string(&j, "src", inet_ntop(e->family, e->src, a, sizeof(a)));
		vgw_json_string(&j, "dst", inet_ntop(e->family, e->dst, a, sizeof(a)));
		vgw_json_u64(&j, "proto", e->proto);
		vgw_json_u64(&j, "sport", e->sport);
		vgw_json_u64(&j, "dport", e->dport);
	}
	vgw_json_u64(&j, "missed", e->missed);
	vgw_json_object_end(&j);
	vgw_json_finish(&j);
}

static void drop_text(const struct vgw_event *e)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], p[16];

	printf("drop %s", vgw_drop_name(e->reason) ?: "?");
	if (e->vnic[0])
		printf(" vnic %s", e->vnic);
	printf(" vni %u", e->vni);
	if (e->family == AF_INET6)
		printf(" %s [%s]:%u -> [%s]:%u", proto_name(e->proto, p, sizeof(p)),
		       inet_ntop(e->family, e->src, s, sizeof(s)), e->sport,
		       inet_ntop(e->family, e->dst, d, sizeof(d)), e->dport);
	else if (e->family == AF_INET)
		printf(" %s %s:%u -> %s:%u", proto_name(e->proto, p, sizeof(p)),
		       inet_ntop(e->family, e->src, s, sizeof(s)), e->sport,
		       inet_ntop(e->family, e->dst, d, sizeof(d)), e->dport);
	if (e->missed)
		printf(" (%llu drops before this one not reported)",
		       (unsigned long long)e->missed);
	printf("\n");
}

static void notify_json(const struct vgw_event *e)
{
	struct vgw_json j;
	unsigned int i;

	vgw_json_init(&j, stdout);
	vgw_json_object_begin(&j, NULL);
	if (e->notify == VNICGW_NOTIFY_CLUSTER) {
		vgw_json_string(&j, "event", "cluster");
		vgw_json_string(&j, "self", e->cluster.self);
		vgw_json_u64(&j, "epoch", e->cluster.epoch);
		vgw_json_u64(&j, "members", e->cluster.n);
		vgw_json_u64(&j, "keys", e->cluster.n_keys);
	} else {
		vgw_json_string(&j, "event", e->notify == VNICGW_NOTIFY_FLUSH ?
				"flush" : "commit");
		vgw_json_u64(&j, "generation", e->generation);
		vgw_json_u64(&j, "changes", e->change_count);
		vgw_json_array_begin(&j, "objects");
		for (i = 0; i < e->n_changes; i++) {
			vgw_json_object_begin(&j, NULL);
			vgw_json_string(&j, "op", change_op(e->changes[i].op));
			vgw_json_string(&j, "type", vgw_obj_type_name(e->changes[i].type) ?: "?");
			vgw_json_string(&j, "id", e->changes[i].id);
			vgw_json_object_end(&j);
		}
		vgw_json_array_end(&j);
	}
	vgw_json_object_end(&j);
	vgw_json_finish(&j);
}

static void notify_text(const struct vgw_event *e)
{
	unsigned int i;

	if (e->notify == VNICGW_NOTIFY_CLUSTER) {
		printf("cluster epoch %llu: %u members, self %s, %u keys\n",
		       (unsigned long long)e->cluster.epoch, e->cluster.n,
		       e->cluster.self[0] ? e->cluster.self : "none",
		       e->cluster.n_keys);
		return;
	}
	if (e->notify == VNICGW_NOTIFY_FLUSH) {
		printf("[generation %llu] flush: %u objects removed\n",
		       (unsigned long long)e->generation, e->change_count);
		return;
	}
	for (i = 0; i < e->n_changes; i++)
		printf("[generation %llu] %s %s %s\n",
		       (unsigned long long)e->generation,
		       change_op(e->changes[i].op),
		       vgw_obj_type_name(e->changes[i].type) ?: "?",
		       e->changes[i].id);
	if (e->change_count > e->n_changes)
		printf("[generation %llu] ... and %u more changes (vnicctl show has them)\n",
		       (unsigned long long)e->generation,
		       e->change_count - e->n_changes);
}

static int on_event(const struct vgw_event *e, void *arg)
{
	struct monitor_ctx *m = arg;
	const struct req *r = m->r;

	if (e->cmd == VNICGW_CMD_DROP) {
		if (!r->mon_drops ||
		    (r->mon_vnic && strcmp(r->mon_vnic, e->vnic)) ||
		    (r->mon_reason >= 0 && (unsigned int)r->mon_reason != e->reason))
			return 0;
		if (opt_json)
			drop_json(e);
		else
			drop_text(e);
	} else {
		if (!r->mon_config)
			return 0;
		if (opt_json)
			notify_json(e);
		else
			notify_text(e);
	}
	fflush(stdout);
	return r->mon_count && ++m->seen >= r->mon_count;
}

static int run_monitor(struct vgw_client *c, struct req *r)
{
	struct monitor_ctx m = { .r = r };
	int err;

	err = vgw_monitor_open(c, r->mon_config, r->mon_drops);
	if (err) {
		fprintf(stderr, "vnicctl monitor: %s\n", vgw_errmsg(c, err));
		return 1;
	}
	/* As tcpdump says "listening on": from here on nothing is missed. */
	if (!opt_quiet)
		fprintf(stderr, "vnicctl monitor: listening to %s\n",
			r->mon_config && r->mon_drops ? "config and drops" :
			r->mon_config ? "config" : "drops");
	for (;;) {
		err = vgw_monitor_run(c, on_event, &m);
		if (err != -ENOBUFS)
			break;
		fprintf(stderr, "vnicctl monitor: %s\n", vgw_errmsg(c, err));
	}
	if (err < 0) {
		fprintf(stderr, "vnicctl monitor: %s\n", vgw_errmsg(c, err));
		return 1;
	}
	return 0;
}

/* --- conntrack and nat ------------------------------------------------------ */

/* ADDR into @b (16 bytes): its family, or 0 if it is no address. */
static int parse_addr(const char *s, uint8_t *b)
{
	memset(b, 0, 16);
	if (inet_pton(AF_INET, s, b) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, s, b) == 1)
		return AF_INET6;
	return 0;
}

static int parse_port(const char *cmd, const char *what, const char *s,
		      uint16_t *port)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || !*s || *s == '-' || v > 65535)
		return bad_usage(cmd, "%s \"%s\" is not a port (0-65535)", what, s);
	*port = (uint16_t)v;
	return 0;
}

/*
 * "delete" followed by KEY VALUE pairs, every key of @keys once. @set
 * takes each pair: 0 or a usage error's exit status.
 */
static int parse_pairs(const char *cmd, int argc, char **argv,
		       const char *const *keys, unsigned int n_keys,
		       int (*set)(struct req *r, unsigned int key, const char *v),
		       struct req *r)
{
	unsigned int seen = 0, k;
	int i, ret;

	for (i = 0; i < argc; i += 2) {
		for (k = 0; k < n_keys; k++)
			if (!strcmp(argv[i], keys[k]))
				break;
		if (k == n_keys)
			return bad_usage(cmd, "\"%s\" is not a delete argument", argv[i]);
		if (seen & (1u << k))
			return bad_usage(cmd, "%s given twice", keys[k]);
		if (i + 1 >= argc)
			return bad_usage(cmd, "%s needs an argument", keys[k]);
		ret = set(r, k, argv[i + 1]);
		if (ret)
			return ret;
		seen |= 1u << k;
	}
	for (k = 0; k < n_keys; k++)
		if (!(seen & (1u << k)))
			return bad_usage(cmd, "delete needs %s", keys[k]);
	return 0;
}

static const char *const ct_keys[] = { "vnic", "proto", "src", "dst", "sport", "dport" };

static int set_ct_key(struct req *r, unsigned int key, const char *v)
{
	struct vgw_ct *e = &r->ct;
	int family;

	switch (key) {
	case 0:
		if (strlen(v) >= sizeof(e->vnic) || !*v)
			return bad_usage("conntrack", "vnic \"%s\" is not a VNIC id", v);
		snprintf(e->vnic, sizeof(e->vnic), "%s", v);
		return 0;
	case 1:
		if (vgw_proto_parse(v, &e->proto))
			return bad_usage("conntrack", "proto \"%s\" is not tcp, udp, icmp, icmpv6 or 0-255", v);
		return 0;
	case 2:
	case 3:
		family = parse_addr(v, key == 2 ? e->src : e->dst);
		if (!family)
			return bad_usage("conntrack", "%s \"%s\" is not an IPv4 or IPv6 address",
					 ct_keys[key], v);
		if (e->family && e->family != family)
			return bad_usage("conntrack", "src and dst are of different families");
		e->family = family;
		return 0;
	case 4:
		return parse_port("conntrack", "sport", v, &e->sport);
	default:
		return parse_port("conntrack", "dport", v, &e->dport);
	}
}

static const char *const nat_keys[] = { "proto", "public", "public-port", "remote", "remote-port" };

static int set_nat_key(struct req *r, unsigned int key, const char *v)
{
	struct vgw_nat *e = &r->nat;
	int family;

	switch (key) {
	case 0:
		if (vgw_proto_parse(v, &e->proto))
			return bad_usage("nat", "proto \"%s\" is not tcp, udp, icmp, icmpv6 or 0-255", v);
		return 0;
	case 1:
	case 3:
		family = parse_addr(v, key == 1 ? e->pub : e->remote);
		if (!family)
			return bad_usage("nat", "%s \"%s\" is not an IPv4 or IPv6 address",
					 nat_keys[key], v);
		if (e->family && e->family != family)
			return bad_usage("nat", "public and remote are of different families");
		e->family = family;
		return 0;
	case 2:
		return parse_port("nat", "public-port", v, &e->pub_port);
	default:
		return parse_port("nat", "remote-port", v, &e->remote_port);
	}
}

/* conntrack|nat [show] [VNIC] | delete KEY VALUE... */
static int parse_table(const char *cmd, int argc, char **argv, struct req *r)
{
	if (argc && !strcmp(argv[0], "delete")) {
		r->tbl_delete = true;
		if (!strcmp(cmd, "conntrack"))
			return parse_pairs(cmd, argc - 1, argv + 1, ct_keys, 6,
					   set_ct_key, r);
		return parse_pairs(cmd, argc - 1, argv + 1, nat_keys, 5,
				   set_nat_key, r);
	}
	if (argc && !strcmp(argv[0], "show"))
		argc--, argv++;
	if (argc > 1)
		return bad_usage(cmd, "too many arguments (usage: vnicctl %s [show] [VNIC] | delete ...)",
				 cmd);
	r->vnic = argc ? argv[0] : NULL;
	return 0;
}

static int parse_conntrack(int argc, char **argv, struct req *r)
{
	return parse_table("conntrack", argc, argv, r);
}

static int parse_nat(int argc, char **argv, struct req *r)
{
	return parse_table("nat", argc, argv, r);
}

static const char *addr_str(int family, const uint8_t *b, char *buf)
{
	return inet_ntop(family, b, buf, INET6_ADDRSTRLEN) ?: "?";
}

static const char *proto_str(uint8_t proto, char *buf)
{
	const char *n = vgw_proto_name(proto);

	if (n)
		return n;
	snprintf(buf, 4, "%u", proto);
	return buf;
}

struct table_out {
	struct vgw_json j;
	unsigned long n;
};

static int print_ct(const struct vgw_ct *e, void *arg)
{
	struct table_out *o = arg;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], p[4];

	o->n++;
	if (opt_json) {
		vgw_json_object_begin(&o->j, NULL);
		vgw_json_string(&o->j, "vnic", e->vnic);
		vgw_json_string(&o->j, "proto", proto_str(e->proto, p));
		vgw_json_string(&o->j, "src", addr_str(e->family, e->src, a));
		vgw_json_string(&o->j, "dst", addr_str(e->family, e->dst, b));
		vgw_json_u64(&o->j, "sport", e->sport);
		vgw_json_u64(&o->j, "dport", e->dport);
		vgw_json_string(&o->j, "state", vgw_ct_state_name(e->state));
		vgw_json_u64(&o->j, "expires", e->expires);
		vgw_json_u64(&o->j, "packets", e->orig_packets);
		vgw_json_u64(&o->j, "bytes", e->orig_bytes);
		vgw_json_u64(&o->j, "reply_packets", e->reply_packets);
		vgw_json_u64(&o->j, "reply_bytes", e->reply_bytes);
		if (*e->owner)
			vgw_json_string(&o->j, "owner", e->owner);
		if (*e->backup)
			vgw_json_string(&o->j, "backup", e->backup);
		vgw_json_object_end(&o->j);
		return 0;
	}
	printf("%s %s src=%s dst=%s sport=%u dport=%u %s expires=%u packets=%llu bytes=%llu reply_packets=%llu reply_bytes=%llu",
	       e->vnic, proto_str(e->proto, p), addr_str(e->family, e->src, a),
	       addr_str(e->family, e->dst, b), e->sport, e->dport,
	       vgw_ct_state_name(e->state), e->expires,
	       (unsigned long long)e->orig_packets,
	       (unsigned long long)e->orig_bytes,
	       (unsigned long long)e->reply_packets,
	       (unsigned long long)e->reply_bytes);
	if (*e->owner)
		printf(" owner=%s backup=%s", e->owner, *e->backup ? e->backup : "-");
	putchar('\n');
	return 0;
}

static int print_nat(const struct vgw_nat *e, void *arg)
{
	struct table_out *o = arg;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], c[INET6_ADDRSTRLEN];
	char p[4];

	o->n++;
	if (opt_json) {
		vgw_json_object_begin(&o->j, NULL);
		if (*e->vnic)
			vgw_json_string(&o->j, "vnic", e->vnic);
		else
			vgw_json_null(&o->j, "vnic");
		vgw_json_string(&o->j, "proto", proto_str(e->proto, p));
		vgw_json_string(&o->j, "private", addr_str(e->family, e->priv, a));
		vgw_json_u64(&o->j, "private_port", e->priv_port);
		vgw_json_string(&o->j, "public", addr_str(e->family, e->pub, b));
		vgw_json_u64(&o->j, "public_port", e->pub_port);
		vgw_json_string(&o->j, "remote", addr_str(e->family, e->remote, c));
		vgw_json_u64(&o->j, "remote_port", e->remote_port);
		vgw_json_string(&o->j, "state", vgw_ct_state_name(e->state));
		vgw_json_u64(&o->j, "expires", e->expires);
		if (*e->owner)
			vgw_json_string(&o->j, "owner", e->owner);
		if (*e->backup)
			vgw_json_string(&o->j, "backup", e->backup);
		if (*e->port_owner)
			vgw_json_string(&o->j, "port_owner", e->port_owner);
		if (*e->port_backup)
			vgw_json_string(&o->j, "port_backup", e->port_backup);
		vgw_json_object_end(&o->j);
		return 0;
	}
	printf("%s %s private=%s private_port=%u public=%s public_port=%u remote=%s remote_port=%u %s expires=%u",
	       *e->vnic ? e->vnic : "-", proto_str(e->proto, p),
	       addr_str(e->family, e->priv, a), e->priv_port,
	       addr_str(e->family, e->pub, b), e->pub_port,
	       addr_str(e->family, e->remote, c), e->remote_port,
	       vgw_ct_state_name(e->state), e->expires);
	if (*e->owner)
		printf(" owner=%s backup=%s", e->owner, *e->backup ? e->backup : "-");
	if (*e->port_owner)
		printf(" port_owner=%s port_backup=%s", e->port_owner,
		       *e->port_backup ? e->port_backup : "-");
	putchar('\n');
	return 0;
}

static int run_table(struct vgw_client *c, struct req *r, bool ct)
{
	const char *cmd = ct ? "conntrack" : "nat";
	struct table_out o = { .n = 0 };
	int err;

	if (r->tbl_delete) {
		err = ct ? vgw_ct_del(c, &r->ct) : vgw_nat_del(c, &r->nat);
		if (err) {
			fprintf(stderr, "vnicctl %s delete: %s\n", cmd, vgw_errmsg(c, err));
			return 1;
		}
		return 0;
	}
	if (opt_json) {
		vgw_json_init(&o.j, stdout);
		vgw_json_array_begin(&o.j, NULL);
	}
	err = ct ? vgw_ct_list(c, r->vnic, print_ct, &o) :
		   vgw_nat_list(c, r->vnic, print_nat, &o);
	if (opt_json) {
		vgw_json_array_end(&o.j);
		vgw_json_finish(&o.j);
	}
	/* Listed in full, but the walk started over once at least. */
	if (err == -EINTR) {
		fprintf(stderr, "vnicctl %s: the table was resized during the listing: some entries may be listed twice\n",
			cmd);
		err = 0;
	}
	if (err) {
		fprintf(stderr, "vnicctl %s: %s\n", cmd, vgw_errmsg(c, err));
		return 1;
	}
	if (!opt_json && !opt_quiet)
		fprintf(stderr, "vnicctl %s: %lu %s\n", cmd, o.n,
			ct ? (o.n == 1 ? "connection" : "connections") :
			     (o.n == 1 ? "mapping" : "mappings"));
	return 0;
}

static int run_conntrack(struct vgw_client *c, struct req *r)
{
	return run_table(c, r, true);
}

static int run_nat(struct vgw_client *c, struct req *r)
{
	return run_table(c, r, false);
}

/* --- trace ------------------------------------------------------------------ */

/* The words of "trace", each followed by its value. */
enum trace_key {
	TK_VNIC, TK_GATEWAY, TK_NVD, TK_VIP, TK_VNI, TK_ENCAP, TK_MAC, TK_DMAC,
	TK_PROTO, TK_SRC, TK_DST, TK_SPORT, TK_DPORT, TK_FLAGS, TK_TYPE,
	TK_CODE, TK_ID, TK_TTL, TK_N
};

static const char *const trace_keys[TK_N] = {
	"vnic", "gateway", "nvd", "vip", "vni", "encap", "mac", "dmac",
	"proto", "src", "dst", "sport", "dport", "flags", "type", "code",
	"id", "ttl",
};

/* An object id as the API takes it: [A-Za-z0-9._-], 1 to 63 characters. */
static bool is_id(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n < VNICGW_ID_MAX &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

/* A number in [lo, hi] (decimal): 0, or -EINVAL. */
static int parse_num(const char *s, unsigned long lo, unsigned long hi,
		     unsigned long *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*v = strtoul(s, &end, 10);
	return errno || *end || *v < lo || *v > hi ? -EINVAL : 0;
}

/* xx:xx:xx:xx:xx:xx, hex digits of either case. */
static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int i;

	if (strlen(s) != 17)
		return -EINVAL;
	for (i = 0; i < 6; i++) {
		const char *x = s + i * 3;

		if (!isxdigit((unsigned char)x[0]) ||
		    !isxdigit((unsigned char)x[1]) ||
		    x[2] != (i == 5 ? '\0' : ':'))
			return -EINVAL;
		mac[i] = (uint8_t)strtoul((char[3]){ x[0], x[1], 0 }, NULL, 16);
	}
	return 0;
}

static int set_trace_key(struct vgw_trace_pkt *p, enum trace_key k,
			 const char *v)
{
	const char *key = trace_keys[k];
	struct vgw_addr *addr = NULL;
	unsigned long n;
	int attr;

	switch (k) {
	case TK_VNIC:
	case TK_GATEWAY:
		if (!is_id(v))
			return bad_usage("trace", "%s \"%s\" is not an id ([A-Za-z0-9._-], 1 to 63 characters)",
					 key, v);
		snprintf(k == TK_VNIC ? p->vnic : p->gateway, VNICGW_ID_MAX,
			 "%s", v);
		attr = k == TK_VNIC ? VNICGW_TRACE_VNIC : VNICGW_TRACE_GATEWAY;
		break;
	case TK_NVD:
		addr = &p->outer_src;
		attr = VNICGW_TRACE_OUTER_SRC;
		break;
	case TK_VIP:
		addr = &p->outer_dst;
		attr = VNICGW_TRACE_OUTER_DST;
		break;
	case TK_SRC:
		addr = &p->src;
		attr = VNICGW_TRACE_SRC;
		break;
	case TK_DST:
		addr = &p->dst;
		attr = VNICGW_TRACE_DST;
		break;
	case TK_VNI:
		if (parse_num(v, 1, VNICGW_VNI_MAX, &n))
			return bad_usage("trace", "vni \"%s\" is not a VNI (1-%u)",
					 v, VNICGW_VNI_MAX);
		p->vni = (uint32_t)n;
		attr = VNICGW_TRACE_VNI;
		break;
	case TK_ENCAP:
		if (!strcmp(v, "vxlan"))
			p->encap = VNICGW_ENCAP_VXLAN;
		else if (!strcmp(v, "geneve"))
			p->encap = VNICGW_ENCAP_GENEVE;
		else
			return bad_usage("trace", "encap \"%s\" is not vxlan or geneve", v);
		attr = VNICGW_TRACE_ENCAP;
		break;
	case TK_MAC:
	case TK_DMAC:
		if (parse_mac(v, k == TK_MAC ? p->src_mac : p->dst_mac))
			return bad_usage("trace", "%s \"%s\" is not a MAC address (xx:xx:xx:xx:xx:xx)",
					 key, v);
		attr = k == TK_MAC ? VNICGW_TRACE_SRC_MAC : VNICGW_TRACE_DST_MAC;
		break;
	case TK_PROTO:
		if (vgw_proto_parse(v, &p->proto))
			return bad_usage("trace", "proto \"%s\" is not tcp, udp, icmp, icmpv6 or 0-255", v);
		attr = VNICGW_TRACE_PROTO;
		break;
	case TK_SPORT:
	case TK_DPORT:
		if (parse_port("trace", key, v, k == TK_SPORT ? &p->sport : &p->dport))
			return 2;
		attr = k == TK_SPORT ? VNICGW_TRACE_SPORT : VNICGW_TRACE_DPORT;
		break;
	case TK_ID:
		if (parse_num(v, 0, 65535, &n))
			return bad_usage("trace", "id \"%s\" is not an echo identifier (0-65535)", v);
		/* The API carries an echo's identifier as the source port. */
		p->sport = (uint16_t)n;
		attr = VNICGW_TRACE_SPORT;
		break;
	case TK_FLAGS:
		if (vgw_trace_flags_parse(v, &p->tcp_flags))
			return bad_usage("trace", "flags \"%s\" are not TCP flags (fin syn rst psh ack urg ece cwr, comma-separated, or 0-255)",
					 v);
		attr = VNICGW_TRACE_TCP_FLAGS;
		break;
	case TK_TYPE:
	case TK_CODE:
		if (parse_num(v, 0, 255, &n))
			return bad_usage("trace", "%s \"%s\" is not an ICMP %s (0-255)",
					 key, v, key);
		if (k == TK_TYPE)
			p->icmp_type = (uint8_t)n;
		else
			p->icmp_code = (uint8_t)n;
		attr = k == TK_TYPE ? VNICGW_TRACE_ICMP_TYPE : VNICGW_TRACE_ICMP_CODE;
		break;
	case TK_TTL:
		if (parse_num(v, 1, 255, &n))
			return bad_usage("trace", "ttl \"%s\" is not a TTL (1-255)", v);
		p->ttl = (uint8_t)n;
		attr = VNICGW_TRACE_TTL;
		break;
	default:
		return 2;
	}
	if (addr && vgw_addr_parse(v, addr))
		return bad_usage("trace", "%s \"%s\" is not an IPv4 or IPv6 address",
				 key, v);
	p->has |= VGW_TRACE_BIT(attr);
	return 0;
}

/*
 * trace SOURCE PACKET: keyword-value pairs in any order, each once; then
 * the checks between words (families, what goes with which protocol) and
 * the default protocol.
 */
static int parse_trace(int argc, char **argv, struct req *r)
{
	struct vgw_trace_pkt *p = &r->trace;
	uint32_t seen = 0;
	bool ports, icmp;
	unsigned int k;
	int i, ret;

	if (!argc)
		return bad_usage("trace", "no packet (usage: vnicctl trace vnic ID dst ADDR ..., see \"vnicctl --help\")");
	for (i = 0; i < argc; i += 2) {
		for (k = 0; k < TK_N; k++)
			if (!strcmp(argv[i], trace_keys[k]))
				break;
		if (k == TK_N)
			return bad_usage("trace", "\"%s\" is not a trace keyword (see \"vnicctl --help\")",
					 argv[i]);
		if (seen & (1u << k))
			return bad_usage("trace", "%s given twice", trace_keys[k]);
		if (i + 1 >= argc)
			return bad_usage("trace", "%s needs an argument", trace_keys[k]);
		ret = set_trace_key(p, k, argv[i + 1]);
		if (ret)
			return ret;
		seen |= 1u << k;
	}
#define SEEN(key)	(seen & (1u << (key)))
	if (SEEN(TK_VNIC) && SEEN(TK_GATEWAY))
		return bad_usage("trace", "vnic and gateway: the packet comes from one of them");
	if (!SEEN(TK_VNIC) && !SEEN(TK_GATEWAY)) {
		static const enum trace_key need[] = { TK_NVD, TK_VIP, TK_VNI };

		for (k = 0; k < sizeof(need) / sizeof(need[0]); k++)
			if (!SEEN(need[k]))
				return bad_usage("trace", "%s needed: without vnic or gateway, nvd, vip and vni say where the packet comes from",
						 trace_keys[need[k]]);
	}
	if (!SEEN(TK_DST))
		return bad_usage("trace", "dst needed (the inner destination)");
	if (!SEEN(TK_SRC) && !SEEN(TK_VNIC))
		return bad_usage("trace", "src needed (only a vnic implies the inner source)");
	if (SEEN(TK_SRC) && p->src.family != p->dst.family)
		return bad_usage("trace", "src and dst are of different families");
	if (SEEN(TK_NVD) && SEEN(TK_VIP) &&
	    p->outer_src.family != p->outer_dst.family)
		return bad_usage("trace", "nvd and vip are of different families");
	if (!SEEN(TK_PROTO)) {
		/* Ports and flags say TCP; otherwise a ping. */
		if (SEEN(TK_SPORT) || SEEN(TK_DPORT) || SEEN(TK_FLAGS))
			p->proto = 6;
		else
			p->proto = p->dst.family == AF_INET ? 1 : 58;
		p->has |= VGW_TRACE_BIT(VNICGW_TRACE_PROTO);
	}
	ports = p->proto == 6 || p->proto == 17;
	icmp = p->proto == 1 || p->proto == 58;
	for (k = 0; k < TK_N; k++) {
		char pn[4];
		const char *for_what = NULL;

		if (!SEEN(k))
			continue;
		if ((k == TK_SPORT || k == TK_DPORT) && !ports)
			for_what = "tcp and udp";
		else if (k == TK_FLAGS && p->proto != 6)
			for_what = "tcp";
		else if ((k == TK_TYPE || k == TK_CODE || k == TK_ID) && !icmp)
			for_what = "icmp and icmpv6";
		if (for_what) {
			snprintf(pn, sizeof(pn), "%u", p->proto);
			return bad_usage("trace", "\"%s\" is for %s, not %s",
					 trace_keys[k], for_what,
					 vgw_proto_name(p->proto) ?: pn);
		}
	}
#undef SEEN
	return 0;
}

static int run_trace(struct vgw_client *c, struct req *r)
{
	struct vgw_trace_result res;
	int err;

	err = vgw_trace(c, &r->trace, &res);
	if (err) {
		fprintf(stderr, "vnicctl trace: %s\n", vgw_errmsg(c, err));
		return 1;
	}
	/* Whatever the verdict: the trace itself succeeded. */
	if (opt_json)
		vgw_trace_print_json(stdout, &res);
	else
		vgw_trace_print_text(stdout, &res, &r->trace);
	vgw_trace_result_free(&res);
	return 0;
}

static int parse_help(int argc, char **argv, struct req *r)
{
	r->kernel = false;
	return parse_none("help", argc, argv, r);
}

static int run_help(struct vgw_client *c, struct req *r)
{
	(void)c, (void)r;
	usage(stdout);
	return 0;
}

static const struct command {
	const char *name;
	/* 0, or the exit status (2: usage, with a message printed). */
	int (*parse)(int argc, char **argv, struct req *r);
	/* @c is NULL when the parse said no kernel is needed. */
	int (*run)(struct vgw_client *c, struct req *r);
} commands[] = {
	{ "info", parse_info, run_info },
	{ "apply", parse_apply, run_apply },
	{ "show", parse_show, run_show },
	{ "delete", parse_delete, run_delete },
	{ "stats", parse_stats, run_stats },
	{ "validate", parse_validate, run_validate },
	{ "steering", parse_steering, run_steering },
	{ "flush", parse_flush, run_flush },
	{ "cluster", parse_cluster, run_cluster },
	{ "monitor", parse_monitor, run_monitor },
	{ "conntrack", parse_conntrack, run_conntrack },
	{ "nat", parse_nat, run_nat },
	{ "trace", parse_trace, run_trace },
	{ "help", parse_help, run_help },
};

/* -n NETNS: enter /run/netns/NETNS (or the path NETNS), as "ip -n" does. */
static int enter_netns(const char *netns)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s%s",
		 strchr(netns, '/') ? "" : "/run/netns/", netns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "vnicctl: network namespace \"%s\": %s: %s\n",
			netns, path, strerror(errno));
		return -1;
	}
	if (setns(fd, CLONE_NEWNET)) {
		fprintf(stderr, "vnicctl: network namespace \"%s\": setns: %s\n",
			netns, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "netns", required_argument, NULL, 'n' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct req r = { .type = -1, .kernel = true };
	const char *netns = NULL;
	struct vgw_client c, *cp = NULL;
	size_t i, n = sizeof(commands) / sizeof(commands[0]);
	int opt, err, ret;

	/* Our own messages, naming "vnicctl" whatever argv[0] is. */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:jn:qvVh", opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			opt_json = true;
			break;
		case 'n':
			netns = optarg;
			break;
		case 'q':
			opt_quiet = true;
			break;
		case 'v':
			opt_verbose = true;
			break;
		case 'V':
			printf("vnicctl %s\n", VNICGW_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		case ':':
			fprintf(stderr, "vnicctl: option \"%s\" needs an argument (see \"vnicctl --help\")\n",
				argv[optind - 1]);
			return 2;
		default:
			if (optopt)
				fprintf(stderr, "vnicctl: unknown option \"-%c\" (see \"vnicctl --help\")\n",
					optopt);
			else
				fprintf(stderr, "vnicctl: unknown option \"%s\" (see \"vnicctl --help\")\n",
					argv[optind - 1]);
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "vnicctl: no command\n");
		usage(stderr);
		return 2;
	}
	if (netns && !*netns) {
		fprintf(stderr, "vnicctl: -n: empty namespace name\n");
		return 2;
	}
	for (i = 0; i < n; i++)
		if (!strcmp(argv[optind], commands[i].name))
			break;
	if (i == n) {
		fprintf(stderr, "vnicctl: unknown command \"%s\" (see \"vnicctl --help\")\n",
			argv[optind]);
		return 2;
	}
	/* The whole command line first: usage errors come before any socket. */
	ret = commands[i].parse(argc - optind - 1, argv + optind + 1, &r);
	if (ret)
		goto out;
	if (netns && enter_netns(netns)) {
		ret = 1;
		goto out;
	}
	if (r.kernel) {
		err = vgw_open(&c);
		if (err) {
			fprintf(stderr, "vnicctl: %s\n", vgw_errmsg(&c, err));
			ret = 1;
			goto out;
		}
		cp = &c;
	}
	ret = commands[i].run(cp, &r);
	if (cp)
		vgw_close(cp);
out:
	if (r.doc)
		vgw_doc_free(r.doc);
	vgw_cluster_free(&r.cl);
	return ret;
}
