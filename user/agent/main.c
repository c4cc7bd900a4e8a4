// SPDX-License-Identifier: GPL-2.0
/*
 * vnicgw-agent: keeps a network namespace's vnicgw tables equal to a
 * desired-state document, and steers the underlay's tunnel packets to the
 * worker CPUs with XDP. See user/agent/README.md.
 *
 * Exit status: 0 after SIGTERM/SIGINT (or --once applied), 1 on a failure
 * (bad host file, XDP refused, --once refused), 2 on a usage error.
 *
 * On exit the kernel's tables are left as they are, on purpose: the data
 * path keeps forwarding without the agent (an upgrade or a crash of the
 * agent must not take the VNICs down); only the XDP attachments go, since
 * they belong to the agent's process.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vnicgw-agent --state FILE [OPTIONS]\n"
		"       vnicgw-agent --endpoints URL[,URL...] [--etcd-prefix PREFIX] [--host-id ID]\n"
		"                    [OPTIONS]\n"
		"Keeps this host's vnicgw tables equal to the desired-state document FILE, or\n"
		"to the one held in etcd: applies it at start and whenever it changes, repairs\n"
		"drift, survives module reloads; optionally steers tunnel packets to worker\n"
		"CPUs with XDP.\n"
		"\n"
		"  -s, --state FILE          the desired-state document\n"
		"      --endpoints URL[,URL...]\n"
		"                            ... or the cluster's, in etcd (https://host:2379):\n"
		"                            one object per key, watched, applied as it changes;\n"
		"                            the next URL when one cannot be reached or has no\n"
		"                            leader\n"
		"  -e, --etcd URL[,URL...]   the same\n"
		"      --etcd-prefix PREFIX  its keys' prefix (default %s)\n"
		"      --cacert FILE         the CA of etcd's server certificates (https://)\n"
		"      --cert FILE           this host's client certificate for etcd, and its\n"
		"      --key FILE            private key (not readable by every user)\n"
		"      --user USER[:PASSWORD]\n"
		"                            authenticate to etcd as USER\n"
		"      --password PASSWORD   USER's password (better in the host file or\n"
		"                            $ETCDCTL_PASSWORD: the command line is seen by ps)\n"
		"                            Host file keys: etcd-endpoints, etcd-cacert, etcd-cert,\n"
		"                            etcd-key, etcd-user, etcd-password; the ETCDCTL_*\n"
		"                            environment (as etcdctl's) stands for what neither\n"
		"                            sets\n"
		"      --host-id ID          join the cluster as ID: a member key under a lease\n"
		"                            (PREFIX/members/ID), and the flow owner table of the\n"
		"                            live members in the log\n"
		"      --member-ttl SEC      the member lease (default %u; a host that dies leaves\n"
		"                            after at most this long)\n"
		"      --backups N           hosts after a flow's owner that keep its state: 1 (the\n"
		"                            default) or 2 (two hosts failing at once lose no\n"
		"                            connection); the same on every host\n"
		"      --owner-table FILE    also write the owner table to FILE (JSON)\n"
		"      --underlay ADDR       this host's underlay IPv4/IPv6 address, where the\n"
		"                            others send the flows it owns (in its member key);\n"
		"                            with --host-id the agent tells its kernel the live\n"
		"                            members that have one (CLUSTER_SET)\n"
		"      --drain-cmd CMD       run by a drain (SIGUSR1) first, with /bin/sh -c\n"
		"                            (e.g. \"birdc disable vips\": withdraw the routes)\n"
		"      --drain-wait SEC      then wait SEC for packets in flight before leaving\n"
		"                            (default 2)\n"
		"      --announce-cmd CMD    run with /bin/sh -c when this host becomes healthy\n"
		"                            (e.g. birdc enable '\"vips*\"': announce the VIPs)\n"
		"      --withdraw-cmd CMD    run when it stops being so, and at start until it\n"
		"                            is: no module, the link missing or down, the\n"
		"                            tables not applied, XDP steering not attached,\n"
		"                            etcd lost, not a member yet, draining\n"
		"      --etcd-lost-after SEC etcd unreachable this long counts (default %u)\n"
		"      --cluster-keys FILE   the keys that authenticate the members' messages:\n"
		"                            lines ID:SECRET (ID 1-255, SECRET 32 hex digits),\n"
		"                            the first signs, both are accepted; read again on\n"
		"                            SIGHUP and when it changes. Default: etcd's\n"
		"                            PREFIX/cluster/keys, made with a random key by the\n"
		"                            first member that finds none (vnicctl-etcd keys)\n"
		"      --cluster-auth on|off|permissive\n"
		"                            off: no keys, unauthenticated messages; permissive:\n"
		"                            sign, and take unsigned messages too, while a running\n"
		"                            cluster turns authentication on (default on)\n"
		"  -c, --host-config FILE    host settings, \"key = value\" lines whose keys are\n"
		"                            the long options below; the command line wins\n"
		"  -n, --netns NAME|PATH     work in network namespace NAME (/run/netns/NAME)\n"
		"  -l, --link NAME           keep a vnicgw link NAME, up, in the namespace\n"
		"                            (made again when missing, e.g. after a module reload)\n"
		"  -i, --interval SEC        drift check period (default %u; e.g. 0.5)\n"
		"  -x, --xdp-if IFACE        steer IFACE's tunnel packets to the worker CPUs\n"
		"                            (repeat, or a comma list)\n"
		"      --xdp-mode MODE       native, generic, or auto (default: native, falling\n"
		"                            back to generic with a warning)\n"
		"      --cpus LIST           worker CPUs, e.g. 0-3,6 (default: every online CPU)\n"
		"      --xdp-qsize N         cpumap queue per worker CPU (default %u)\n"
		"      --stats-interval SEC  log the steering counters every SEC seconds\n"
		"                            (default 0: only on SIGUSR2)\n"
		"      --metrics ADDR:PORT   serve Prometheus metrics at http://ADDR:PORT/metrics\n"
		"                            (e.g. 127.0.0.1:9500, [::1]:9500; where the agent\n"
		"                            starts, before it enters --netns)\n"
		"      --metrics-vnics N|all the busiest N VNICs get series of their own\n"
		"                            (default %u)\n"
		"      --flow-logs PATH      write flow logs (JSON lines) of the VNICs whose\n"
		"                            flow_logs is on to PATH (appended; opened again on\n"
		"                            SIGHUP), or to stdout with -\n"
		"      --flow-log-interval SEC\n"
		"                            one record per connection per SEC seconds, 1..%u\n"
		"                            (default %u)\n"
		"      --flow-log-max N      connections (and REJECT keys) remembered, beyond\n"
		"                            them counted as lost (default %u)\n"
		"      --log-level LEVEL     error, warn, info (default) or debug\n"
		"  -v, --verbose             --log-level debug\n"
		"      --once                apply the document (and the link) once and exit:\n"
		"                            0 done, 1 refused or failed; no XDP\n"
		"  -h, --help                this text\n"
		"\n"
		"Signals: SIGTERM/SIGINT exit (the tables stay, XDP is detached, the member\n"
		"key goes); SIGHUP re-reads the document (and the key file) and compares the\n"
		"whole kernel state; SIGUSR1 with --host-id drains this host: runs --drain-cmd,\n"
		"waits --drain-wait, leaves the membership and tells the kernel it is no member\n"
		"any more (it hands every stateful flow, and its state, to the owners), then\n"
		"keeps the tables until SIGTERM; without --host-id SIGUSR1 logs the steering\n"
		"counters. SIGUSR2 logs the steering counters.\n",
		AGENT_DEFAULT_PREFIX, AGENT_DEFAULT_TTL_S, AGENT_DEFAULT_ETCD_LOST_MS / 1000,
		AGENT_DEFAULT_INTERVAL_MS / 1000, AGENT_DEFAULT_QSIZE,
		AGENT_DEFAULT_METRICS_VNICS, AGENT_MAX_FLOW_LOG_INTERVAL_S,
		AGENT_DEFAULT_FLOW_LOG_INTERVAL_S, AGENT_DEFAULT_FLOW_LOG_MAX);
}

/* Long options that are config keys carry OPT_KEY; the rest are actions. */
enum { OPT_KEY = 0x100, OPT_HOST, OPT_ONCE, OPT_VERBOSE, OPT_HELP, OPT_ETCD };

static const struct option options[] = {
	{ "state", required_argument, NULL, 's' },
	{ "netns", required_argument, NULL, 'n' },
	{ "link", required_argument, NULL, 'l' },
	{ "interval", required_argument, NULL, 'i' },
	{ "xdp-if", required_argument, NULL, 'x' },
	{ "xdp-mode", required_argument, NULL, OPT_KEY },
	{ "cpus", required_argument, NULL, OPT_KEY },
	{ "xdp-qsize", required_argument, NULL, OPT_KEY },
	{ "stats-interval", required_argument, NULL, OPT_KEY },
	{ "log-level", required_argument, NULL, OPT_KEY },
	{ "etcd", required_argument, NULL, 'e' },
	/* etcdctl's names, for the host file's etcd-* keys */
	{ "endpoints", required_argument, NULL, OPT_ETCD },
	{ "cacert", required_argument, NULL, OPT_ETCD },
	{ "cert", required_argument, NULL, OPT_ETCD },
	{ "key", required_argument, NULL, OPT_ETCD },
	{ "user", required_argument, NULL, OPT_ETCD },
	{ "password", required_argument, NULL, OPT_ETCD },
	{ "etcd-endpoints", required_argument, NULL, OPT_KEY },
	{ "etcd-cacert", required_argument, NULL, OPT_KEY },
	{ "etcd-cert", required_argument, NULL, OPT_KEY },
	{ "etcd-key", required_argument, NULL, OPT_KEY },
	{ "etcd-user", required_argument, NULL, OPT_KEY },
	{ "etcd-password", required_argument, NULL, OPT_KEY },
	{ "etcd-prefix", required_argument, NULL, OPT_KEY },
	{ "host-id", required_argument, NULL, OPT_KEY },
	{ "member-ttl", required_argument, NULL, OPT_KEY },
	{ "backups", required_argument, NULL, OPT_KEY },
	{ "owner-table", required_argument, NULL, OPT_KEY },
	{ "underlay", required_argument, NULL, OPT_KEY },
	{ "drain-cmd", required_argument, NULL, OPT_KEY },
	{ "drain-wait", required_argument, NULL, OPT_KEY },
	{ "announce-cmd", required_argument, NULL, OPT_KEY },
	{ "withdraw-cmd", required_argument, NULL, OPT_KEY },
	{ "etcd-lost-after", required_argument, NULL, OPT_KEY },
	{ "cluster-keys", required_argument, NULL, OPT_KEY },
	{ "cluster-auth", required_argument, NULL, OPT_KEY },
	{ "metrics", required_argument, NULL, OPT_KEY },
	{ "metrics-vnics", required_argument, NULL, OPT_KEY },
	{ "flow-logs", required_argument, NULL, OPT_KEY },
	{ "flow-log-interval", required_argument, NULL, OPT_KEY },
	{ "flow-log-max", required_argument, NULL, OPT_KEY },
	{ "host-config", required_argument, NULL, 'c' },
	{ "once", no_argument, NULL, OPT_ONCE },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 }
};

/* The config key of a short option, or NULL. */
static const char *short_key(int opt)
{
	switch (opt) {
	case 's': return "state";
	case 'n': return "netns";
	case 'l': return "link";
	case 'i': return "interval";
	case 'x': return "xdp-if";
	case 'e': return "etcd";
	default: return NULL;
	}
}

/*
 * Two passes over argv: the first finds --host-config (the file is read
 * before the command line is applied, so the command line wins, whatever
 * the order of the options), the second applies the options.
 */
static int parse_args(int argc, char **argv, struct agent_config *cfg)
{
	const char *host = NULL, *key;
	char err[512], name[32];
	int opt, idx;

	while ((opt = getopt_long(argc, argv, "s:e:n:l:i:x:c:vh", options, NULL)) != -1) {
		if (opt == 'h') {
			usage(stdout);
			exit(0);
		}
		if (opt == '?')
			return 2;
		if (opt == 'c')
			host = optarg;
	}
	if (optind < argc) {
		fprintf(stderr, "vnicgw-agent: unexpected argument \"%s\"\n", argv[optind]);
		return 2;
	}
	config_defaults(cfg);
	if (host && config_load_file(cfg, host, err, sizeof(err))) {
		fprintf(stderr, "vnicgw-agent: %s\n", err);
		return 1;
	}
	optind = 0;	/* glibc: start over */
	while ((opt = getopt_long(argc, argv, "s:e:n:l:i:x:c:vh", options, &idx)) != -1) {
		if (opt == OPT_ONCE)
			cfg->once = true;
		else if (opt == 'v')
			cfg->log_level = LOG_DEBUG;
		key = opt == OPT_KEY ? options[idx].name : short_key(opt);
		if (opt == OPT_ETCD) {
			snprintf(name, sizeof(name), "etcd-%s", options[idx].name);
			key = name;
		}
		if (key && config_set(cfg, SRC_CMDLINE, key, optarg, err, sizeof(err))) {
			fprintf(stderr, "vnicgw-agent: --%s\n", err);
			return 2;
		}
		if (key)
			vgw_etcd_scrub_secret(key, optarg);
	}
	/*
	 * etcdctl's environment for what neither set; its endpoints only
	 * without --state (a shell's ETCDCTL_ENDPOINTS does not turn a file
	 * agent into an etcd one). The password then leaves the environment:
	 * a --drain-cmd does not inherit it.
	 */
	if (vgw_etcd_config_env(&cfg->etcd, !cfg->state[0], err, sizeof(err))) {
		fprintf(stderr, "vnicgw-agent: %s\n", err);
		return 2;
	}
	unsetenv("ETCDCTL_PASSWORD");
	if (getenv("ETCDCTL_USER") && strchr(getenv("ETCDCTL_USER"), ':'))
		unsetenv("ETCDCTL_USER");
	if (config_check(cfg, err, sizeof(err))) {
		fprintf(stderr, "vnicgw-agent: %s\n", err);
		return 2;
	}
	/* Tests only: from the environment, so no unit or host file has it. */
	if (getenv("VGW_AGENT_TEST") &&
	    config_test_hooks(cfg, getenv("VGW_AGENT_TEST"), err, sizeof(err))) {
		fprintf(stderr, "vnicgw-agent: %s\n", err);
		return 2;
	}
	return 0;
}

/* Enter the configured network namespace, before any socket is opened. */
static int enter_netns(const char *netns)
{
	char path[PATH_MAX + 16];
	int fd, ret;

	if (!*netns)
		return 0;
	snprintf(path, sizeof(path), "%s%s", strchr(netns, '/') ? "" : "/run/netns/",
		 netns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET)) {
		log_err("netns %s: %s", path, strerror(errno));
		ret = -errno;
	} else {
		ret = 0;
	}
	if (fd >= 0)
		close(fd);
	return ret;
}

/* The long-running agent. */
static int run(const struct agent_config *cfg, struct sync *s,
	       struct metrics *mt)
{
	struct steering *st = NULL;
	struct cluster *c = NULL;
	struct flowlog *fl;
	int ret;

	if (flowlog_open(cfg, &fl))
		return 1;
	metrics_set_flowlog(mt, flowlog_counters(fl));
	if (cfg->etcd.n_endpoints) {
		c = cluster_new(cfg, s);
		if (!c) {
			flowlog_free(fl);
			return 1;
		}
	}
	if (cfg->n_xdp_ifs && steer_start(cfg, &st)) {
		cluster_free(c);
		flowlog_free(fl);
		return 1;
	}
	if (!c)
		sync_load(s);
	ret = agent_loop(cfg, s, st, c, mt, fl);
	steer_stop(st);
	cluster_free(c);
	metrics_set_flowlog(mt, NULL);
	flowlog_free(fl);
	return ret ? 1 : 0;
}

/* --once: the document from the file or from etcd, applied once. */
static int once(const struct agent_config *cfg, struct sync *s)
{
	struct cluster *c;
	int ret;

	if (!cfg->etcd.n_endpoints)
		return sync_once(s);
	c = cluster_new(cfg, s);
	if (!c)
		return 1;
	ret = cluster_read_once(c) ? 1 : sync_once(s);
	cluster_free(c);
	return ret;
}

int main(int argc, char **argv)
{
	struct agent_config cfg;
	struct metrics *mt = NULL;
	struct sync *s;
	sigset_t mask;
	int ret;

	ret = parse_args(argc, argv, &cfg);
	if (ret)
		return ret;
	/*
	 * Signals wait for the event loop's signalfd, so a SIGTERM during
	 * start-up still ends with a clean detach. --once keeps the default
	 * actions: it holds nothing that needs undoing.
	 */
	if (!cfg.once) {
		sigemptyset(&mask);
		sigaddset(&mask, SIGTERM);
		sigaddset(&mask, SIGINT);
		sigaddset(&mask, SIGHUP);
		sigaddset(&mask, SIGUSR1);
		sigaddset(&mask, SIGUSR2);
		sigprocmask(SIG_BLOCK, &mask, NULL);
	}
	log_init(cfg.log_level);
	notify_init();
	if (getenv("VGW_AGENT_TEST"))
		log_warn("test hooks on (VGW_AGENT_TEST=%s): not for a real host",
			 getenv("VGW_AGENT_TEST"));
	/* Where the agent was started, not in the namespace it manages. */
	if (!cfg.once && cfg.metrics[0]) {
		mt = metrics_open(&cfg);
		if (!mt)
			return 1;
	}
	if (enter_netns(cfg.netns) || instance_lock() < 0) {
		metrics_close(mt);
		return 1;
	}
	s = sync_new(&cfg);
	if (!s) {
		log_err("out of memory");
		return 1;
	}
	ret = cfg.once ? once(&cfg, s) : run(&cfg, s, mt);
	sync_free(s);
	metrics_close(mt);
	return ret;
}
