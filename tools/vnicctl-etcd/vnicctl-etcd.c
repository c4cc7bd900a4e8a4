// SPDX-License-Identifier: GPL-2.0
/*
 * vnicctl-etcd: the cluster's shared store in etcd, seen as vnicgw sees it
 * (user/lib/store.h). No kernel involved.
 *
 *   vnicctl-etcd [OPTIONS] apply [--dry-run] FILE   write a document
 *   vnicctl-etcd [OPTIONS] show                     the document held
 *   vnicctl-etcd [OPTIONS] members                  the live hosts
 *   vnicctl-etcd [OPTIONS] owners                   their flow owner table
 *   vnicctl-etcd [OPTIONS] keys show|add|promote ID|retire ID
 *                                                   the cluster keys
 *
 * "vnicctl apply --etcd URL FILE" is the same write.
 * Exit status: 0 success, 1 refused or failed, 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "cluster_nl.h"
#include "etcd.h"
#include "owner.h"
#include "store.h"

#define DEFAULT_ENDPOINT	"http://127.0.0.1:2379"

static struct vgw_etcd_config ecfg;
static char prefix[VGW_STORE_PREFIX_MAX];

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vnicctl-etcd [--endpoints URL[,URL...]] [--etcd-prefix PREFIX] [TLS, AUTH] COMMAND\n"
		"  apply [--dry-run] FILE   write the desired-state document FILE into etcd, one\n"
		"                           object per key: changed objects put, removed ones\n"
		"                           deleted, in one transaction when it fits (128 keys)\n"
		"  show                     the document held in etcd, canonical JSON (as\n"
		"                           vnicctl -j validate prints a file)\n"
		"  members                  the live hosts (agents with --host-id)\n"
		"  owners                   the flow owner table of the live hosts: size,\n"
		"                           fingerprint, slots per host\n"
		"  keys show                the ids of the keys that authenticate the members'\n"
		"                           messages (PREFIX/cluster/keys), the signing one first\n"
		"  keys add                 a new random key, second: accepted, not yet signing\n"
		"                           (none yet: the first; refused if there are two)\n"
		"  keys promote ID          key ID signs (first), the other is still accepted\n"
		"  keys retire ID           remove key ID (not the signing one, not the last)\n"
		"                           Each is one write, refused if the keys changed since\n"
		"                           read. Rotation: add; wait until every agent applied it\n"
		"                           (a few seconds: each agent logs \"cluster: keys ...\",\n"
		"                           \"vnicctl cluster\" on each host shows the ids); promote\n"
		"                           the new id; wait again; retire the old id. Hosts one\n"
		"                           step apart still share a key, so no message is lost\n"
		"                           (two steps apart they do not: wait).\n"
		"options:\n"
		"  --endpoints URL[,URL...]\n"
		"                       etcd's client URLs, tried in turn when one cannot be\n"
		"                       reached or has no leader (default $ETCDCTL_ENDPOINTS,\n"
		"                       else $VGW_ETCD, else %s)\n"
		"  --etcd URL[,URL...]  the same\n"
		"  --etcd-prefix PREFIX key prefix (default %s)\n"
		"  --cacert FILE        the CA that signed etcd's server certificates (https://)\n"
		"  --cert FILE          this client's certificate, with --key FILE its private\n"
		"                       key (not readable by every user)\n"
		"  --key FILE\n"
		"  --user USER[:PASSWORD]  authenticate as USER (etcd auth enabled)\n"
		"  --password PASSWORD  USER's password (better: $ETCDCTL_PASSWORD, not seen\n"
		"                       in ps)\n"
		"  The environment's ETCDCTL_ENDPOINTS, ETCDCTL_CACERT, ETCDCTL_CERT, ETCDCTL_KEY,\n"
		"  ETCDCTL_USER and ETCDCTL_PASSWORD stand for the options not given.\n",
		DEFAULT_ENDPOINT, VGW_STORE_PREFIX_DEFAULT);
}

static int open_etcd(struct vgw_etcd **e)
{
	char err[512];

	if (vgw_etcd_open_config(&ecfg, e, err, sizeof(err))) {
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
	if (vgw_store_apply_file(&ecfg, prefix, file, flags, stdout, err, sizeof(err))) {
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

static unsigned int members_backups(const struct vgw_etcd_kvs *kvs);

/*
 * The live member ids, as every agent derives them (and, if @backups, the
 * backups their keys say).
 */
static int read_members(struct vgw_store **s, const char ***ids,
			unsigned int *backups)
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
	if (backups)
		*backups = members_backups(&kvs);
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
	int n = read_members(&s, &ids, NULL), i;

	if (n < 0)
		return 1;
	for (i = 0; i < n; i++)
		printf("%s\n", ids[i]);
	free(ids);
	vgw_store_free(s);
	return 0;
}

/*
 * The backups the members' agents use, as their keys say ("table"); 1 when
 * none says 2. A mix is told on stderr: the kernels disagree. (The values
 * are read here with jansson: the library's parser sits beside its netlink
 * code, which this tool does not link.)
 */
static unsigned int members_backups(const struct vgw_etcd_kvs *kvs)
{
	char one[VGW_MEMBER_TABLE_LEN], two[VGW_MEMBER_TABLE_LEN];
	unsigned int n1 = 0, n2 = 0, other = 0;
	const char *t;
	json_t *o;
	size_t i;

	vgw_owner_table_name(VGW_OWNER_SIZE_DEFAULT, 1, one, sizeof(one));
	vgw_owner_table_name(VGW_OWNER_SIZE_DEFAULT, 2, two, sizeof(two));
	for (i = 0; i < kvs->n; i++) {
		o = json_loadb(kvs->kv[i].value, kvs->kv[i].value_len, 0, NULL);
		t = json_string_value(json_object_get(o, "table"));
		if (t && !strcmp(t, one))
			n1++;
		else if (t && !strcmp(t, two))
			n2++;
		else
			other++;
		json_decref(o);
	}
	if (!!n1 + !!n2 + !!other > 1)
		fprintf(stderr, "vnicctl-etcd owners: warning: the members build different tables (%u %s, %u %s, %u other or not said): their kernels disagree on the owners\n",
			n1, one, n2, two, other);
	return n2 && !n1 ? 2 : 1;
}

static int cmd_owners(void)
{
	struct vgw_store *s = NULL;
	struct vgw_owner_table m;
	unsigned int i, k, *slots, backups;
	const char **ids;
	int n = read_members(&s, &ids, &backups);

	if (n <= 0) {
		if (!n)
			fprintf(stderr, "vnicctl-etcd owners: no live host under %smembers/\n", prefix);
		vgw_store_free(s);
		return 1;
	}
	if (vgw_owner_build(ids, (unsigned int)n, VGW_OWNER_SIZE_DEFAULT, &m) ||
	    vgw_owner_build_backups(&m, backups)) {
		fprintf(stderr, "vnicctl-etcd owners: cannot build the table\n");
		return 1;
	}
	slots = calloc(m.n, sizeof(*slots));
	for (k = 0; slots && k < m.size; k++)
		slots[m.owner[k]]++;
	printf("members %d\nsize %u\nbackups %u\nfingerprint %016llx\n", n,
	       m.size, backups, (unsigned long long)vgw_owner_fingerprint(&m));
	for (i = 0; slots && i < m.n; i++)
		printf("host %s slots %u (%.2f%%)\n", m.ids[i], slots[i],
		       100.0 * slots[i] / m.size);
	free(slots);
	vgw_owner_free(&m);
	free(ids);
	vgw_store_free(s);
	return 0;
}

/* --- the cluster keys ------------------------------------------------------------- */

/* "keys 2 (signs), 1", as vnicctl cluster and the agents' logs say it. */
static void print_ids(const struct vgw_cluster_key *k, unsigned int n,
		      const char *tail)
{
	char ids[64];

	vgw_cluster_keys_ids(k, n, ids, sizeof(ids));
	printf("keys %s%s\n", ids, tail);
}

/* The keys (*n 0: none) and their revision (0: none). 0, or 1 (said). */
static int read_keys(struct vgw_etcd *e, struct vgw_cluster_key *k,
		     unsigned int *n, int64_t *rev, const char *cmd)
{
	char err[512];
	int ret = vgw_store_keys_get(e, prefix, k, n, rev, err, sizeof(err));

	if (ret == -ENOENT) {
		*n = 0;
		return 0;
	}
	if (ret)
		fprintf(stderr, "vnicctl-etcd keys %s: %s\n", cmd, err);
	return ret ? 1 : 0;
}

/* Write @n keys if they are still at @rev; say what the agents do next. */
static int write_keys(struct vgw_etcd *e, const struct vgw_cluster_key *k,
		      unsigned int n, int64_t rev, const char *cmd,
		      const char *next)
{
	char err[512], key[VGW_STORE_KEY_MAX], tail[64];
	int64_t now = 0;
	bool done;

	vgw_store_keys_key(prefix, key);
	if (vgw_store_keys_put(e, prefix, k, n, rev, &done, &now, err, sizeof(err))) {
		fprintf(stderr, "vnicctl-etcd keys %s: %s\n", cmd, err);
		return 1;
	}
	if (!done) {
		fprintf(stderr, "vnicctl-etcd keys %s: %s changed since it was read (another writer?); nothing written: look again (keys show)\n",
			cmd, key);
		return 1;
	}
	snprintf(tail, sizeof(tail), " (revision %lld)", (long long)now);
	print_ids(k, n, tail);
	if (next)
		printf("# %s\n", next);
	return 0;
}

static int find_key(const struct vgw_cluster_key *k, unsigned int n,
		    unsigned long id)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (k[i].id == id)
			return (int)i;
	return -1;
}

static int cmd_keys(int argc, char **argv)
{
	struct vgw_cluster_key k[VNICGW_CLUSTER_MAX_KEYS], t;
	const char *cmd = argc ? argv[0] : "";
	unsigned long id = 0;
	unsigned int n = 0;
	char next[256], *end;
	struct vgw_etcd *e;
	int64_t rev = 0;
	int ret = 1, i;

	if (!strcmp(cmd, "show") || !strcmp(cmd, "add") ? argc != 1 :
	    (strcmp(cmd, "promote") && strcmp(cmd, "retire")) || argc != 2) {
		fprintf(stderr, "usage: vnicctl-etcd keys show|add|promote ID|retire ID\n");
		return 2;
	}
	if (argc == 2) {
		id = strtoul(argv[1], &end, 10);
		if (*end || !argv[1][0] || id < 1 || id > 255) {
			fprintf(stderr, "vnicctl-etcd keys %s: \"%s\" is not a key id (1-255)\n",
				cmd, argv[1]);
			return 2;
		}
	}
	if (open_etcd(&e))
		return 1;
	if (read_keys(e, k, &n, &rev, cmd))
		goto out;
	i = find_key(k, n, id);
	if (!strcmp(cmd, "show")) {
		print_ids(k, n, n ? "" : " (no PREFIX/cluster/keys: the first member agent makes one)");
		ret = 0;
	} else if (!strcmp(cmd, "add")) {
		if (n == VNICGW_CLUSTER_MAX_KEYS) {
			fprintf(stderr, "vnicctl-etcd keys add: there are %d keys already (retire one first)\n",
				VNICGW_CLUSTER_MAX_KEYS);
			goto out;
		}
		/* The id after the signing one's, 1 after 255. */
		for (id = n ? k[0].id % 255 + 1 : 1; find_key(k, n, id) >= 0;
		     id = id % 255 + 1)
			;
		if (vgw_cluster_key_random(&k[n], (uint8_t)id)) {
			fprintf(stderr, "vnicctl-etcd keys add: getrandom: %s\n",
				strerror(errno));
			goto out;
		}
		snprintf(next, sizeof(next), "%s: wait until every agent has it (vnicctl cluster: keys %u (signs), %lu), then: vnicctl-etcd keys promote %lu",
			 n ? "accepted, not signing yet" : "the first key",
			 n ? k[0].id : (unsigned int)id, id, id);
		ret = write_keys(e, k, n + 1, rev, cmd, n ? next : NULL);
	} else if (i < 0) {
		fprintf(stderr, "vnicctl-etcd keys %s: no key %lu (keys show)\n", cmd, id);
	} else if (!strcmp(cmd, "promote")) {
		if (!i) {
			printf("key %lu signs already; nothing written\n", id);
			ret = 0;
			goto out;
		}
		t = k[0];
		k[0] = k[i];
		k[i] = t;
		explicit_bzero(&t, sizeof(t));
		snprintf(next, sizeof(next), "key %lu signs: wait until every agent has it (vnicctl cluster: keys %lu (signs), %u), then: vnicctl-etcd keys retire %u",
			 id, id, k[1].id, k[1].id);
		ret = write_keys(e, k, n, rev, cmd, next);
	} else if (n == 1) {
		fprintf(stderr, "vnicctl-etcd keys retire: key %lu is the last one: refused (the members would go unauthenticated; cluster-auth off does that, on every agent)\n",
			id);
	} else if (!i) {
		fprintf(stderr, "vnicctl-etcd keys retire: key %lu signs: promote key %u first, and wait until every agent has it\n",
			id, k[1].id);
	} else {
		ret = write_keys(e, k, 1, rev, cmd, NULL);
	}
out:
	explicit_bzero(k, sizeof(k));
	vgw_etcd_close(e);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "endpoints", required_argument, NULL, 'e' },
		{ "etcd", required_argument, NULL, 'e' },
		{ "cacert", required_argument, NULL, 'e' },
		{ "cert", required_argument, NULL, 'e' },
		{ "key", required_argument, NULL, 'e' },
		{ "user", required_argument, NULL, 'e' },
		{ "password", required_argument, NULL, 'e' },
		{ "etcd-prefix", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *p = VGW_STORE_PREFIX_DEFAULT, *cmd, *name;
	char err[512];
	int opt, idx;

	vgw_etcd_config_init(&ecfg);
	while ((opt = getopt_long(argc, argv, "+h", opts, &idx)) != -1) {
		if (opt == 'e') {
			name = opts[idx].name;
			if (vgw_etcd_config_set(&ecfg, name, optarg, err, sizeof(err))) {
				fprintf(stderr, "vnicctl-etcd: --%s\n", err);
				return 2;
			}
			vgw_etcd_scrub_secret(name, optarg);
		} else if (opt == 'p') {
			p = optarg;
		} else if (opt == 'h') {
			return usage(stdout), 0;
		} else {
			return usage(stderr), 2;
		}
	}
	/* Then the environment: ETCDCTL_*, the older VGW_ETCD, the default. */
	if (vgw_etcd_config_env(&ecfg, true, err, sizeof(err)) ||
	    (!ecfg.n_endpoints &&
	     vgw_etcd_config_set(&ecfg, "VGW_ETCD", getenv("VGW_ETCD") ?: DEFAULT_ENDPOINT,
				 err, sizeof(err))) ||
	    vgw_etcd_config_check(&ecfg, err, sizeof(err))) {
		fprintf(stderr, "vnicctl-etcd: %s\n", err);
		return 2;
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
	if (!strcmp(cmd, "keys"))
		return cmd_keys(argc - optind - 1, argv + optind + 1);
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
