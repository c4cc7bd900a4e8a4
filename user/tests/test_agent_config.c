// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's host-local settings (user/agent/config.c): the host file
 * syntax, its refusals (each naming the line and the key), CPU lists, and
 * the precedence defaults < host file < command line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "agent.h"

static int parse(struct agent_config *cfg, const char *text, char *err)
{
	config_defaults(cfg);
	err[0] = '\0';
	return config_parse_text(cfg, "host.conf", text, err, 256);
}

TEST(defaults_are_documented_values)
{
	struct agent_config cfg;

	config_defaults(&cfg);
	ASSERT_EQ(AGENT_DEFAULT_INTERVAL_MS, cfg.interval_ms);
	ASSERT_EQ(XDP_MODE_AUTO, cfg.xdp_mode);
	ASSERT_EQ(192, cfg.qsize);
	ASSERT_EQ(0, cfg.n_cpus);
	ASSERT_EQ(0, cfg.n_xdp_ifs);
	ASSERT_EQ(LOG_INFO, cfg.log_level);
	ASSERT_STREQ("", cfg.state);
}

TEST(host_file_sets_every_key)
{
	struct agent_config cfg;
	char err[256];

	ASSERT_EQ(0, parse(&cfg,
		"# a host\n"
		"state = /etc/vnicgw/state.json\n"
		"netns=blue   # trailing comment\n"
		"\n"
		"   link = gw0\n"
		"interval = 0.5\n"
		"stats-interval = 10\n"
		"log-level = debug\n"
		"xdp-if = eth0, eth1\n"
		"xdp-if = eth2\n"
		"xdp-mode = generic\n"
		"xdp-qsize = 2048\n"
		"cpus = 0-2,5\n", err));
	ASSERT_STREQ("", err);
	ASSERT_STREQ("/etc/vnicgw/state.json", cfg.state);
	ASSERT_STREQ("blue", cfg.netns);
	ASSERT_STREQ("gw0", cfg.link);
	ASSERT_EQ(500, cfg.interval_ms);
	ASSERT_EQ(10000, cfg.stats_interval_ms);
	ASSERT_EQ(LOG_DEBUG, cfg.log_level);
	ASSERT_EQ(3, cfg.n_xdp_ifs);
	ASSERT_STREQ("eth0", cfg.xdp_ifs[0]);
	ASSERT_STREQ("eth1", cfg.xdp_ifs[1]);
	ASSERT_STREQ("eth2", cfg.xdp_ifs[2]);
	ASSERT_EQ(XDP_MODE_GENERIC, cfg.xdp_mode);
	ASSERT_EQ(2048, cfg.qsize);
	ASSERT_EQ(4, cfg.n_cpus);
	ASSERT_EQ(0, cfg.cpus[0]);
	ASSERT_EQ(2, cfg.cpus[2]);
	ASSERT_EQ(5, cfg.cpus[3]);
}

/* Each refusal: the text, and what the message must contain. */
static const struct {
	const char *text, *msg;
} refusals[] = {
	{ "stat = /x\n", "host.conf:1: unknown key \"stat\"" },
	{ "\nlink gw0\n", "host.conf:2: expected \"key = value\"" },
	{ "link = gw0\nlink = gw1\n", "host.conf:2: link: given twice" },
	{ "link = a-name-longer-than-15\n", "link: \"a-name-longer-than-15\" is too long" },
	{ "state =\n", "state: empty value" },
	{ "interval = 0.05\n", "interval: \"0.05\"" },
	{ "interval = 5s\n", "interval: \"5s\"" },
	{ "interval = -1\n", "interval: \"-1\"" },
	{ "xdp-mode = fast\n", "xdp-mode: \"fast\" is not native, generic or auto" },
	{ "xdp-qsize = 0\n", "xdp-qsize: \"0\" is not 1..16384" },
	{ "xdp-qsize = 16385\n", "xdp-qsize" },
	{ "log-level = loud\n", "log-level: \"loud\"" },
	{ "xdp-if = eth0 eth0\n", "xdp-if: eth0 given twice" },
	{ "xdp-if = eth0\nxdp-if = eth0\n", "host.conf:2: xdp-if: eth0 given twice" },
	{ "cpus = 3-1\n", "cpus: range 3-1 is backwards" },
	{ "cpus = 256\n", "cpus: CPU 256 is above the limit of 255" },
	{ "cpus = 1,0\n", "must be ascending" },
	{ "cpus = 0-2,2\n", "must be ascending" },
	{ "cpus = 0,\n", "is not a CPU list" },
	{ "cpus = a\n", "is not a CPU list" },
	{ "cpus = 1-\n", "is not a CPU list" },
};

TEST(host_file_refusals_name_line_and_key)
{
	struct agent_config cfg;
	char err[256];
	unsigned int i;

	for (i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		EXPECT_NE(0, parse(&cfg, refusals[i].text, err))
			TH_LOG("accepted: %s", refusals[i].text);
		EXPECT_NE(NULL, strstr(err, refusals[i].msg))
			TH_LOG("%s gave \"%s\", want \"%s\"", refusals[i].text,
			       err, refusals[i].msg);
	}
}

TEST(flow_log_settings_default_parse_and_refuse_out_of_range)
{
	struct agent_config cfg;
	char err[256];

	config_defaults(&cfg);
	EXPECT_STREQ("", cfg.flow_logs);
	EXPECT_EQ(60, cfg.flow_log_interval_s);
	EXPECT_EQ(1000000, cfg.flow_log_max);
	ASSERT_EQ(0, parse(&cfg, "flow-logs = /var/log/vnicgw/flows.json\n"
			   "flow-log-interval = 3600\nflow-log-max = 1\n", err));
	EXPECT_STREQ("/var/log/vnicgw/flows.json", cfg.flow_logs);
	EXPECT_EQ(3600, cfg.flow_log_interval_s);
	EXPECT_EQ(1, cfg.flow_log_max);
	EXPECT_NE(0, parse(&cfg, "flow-log-interval = 0\n", err));
	EXPECT_NE(NULL, strstr(err, "flow-log-interval: \"0\" is not 1..3600 seconds"));
	EXPECT_NE(0, parse(&cfg, "flow-log-interval = 3601\n", err));
	EXPECT_NE(NULL, strstr(err, "flow-log-interval: \"3601\""));
	EXPECT_NE(0, parse(&cfg, "flow-log-max = 0\n", err));
	EXPECT_NE(NULL, strstr(err, "flow-log-max: \"0\" is not 1..67108864"));
	EXPECT_NE(0, parse(&cfg, "flow-log-max = many\n", err));
	EXPECT_NE(0, parse(&cfg, "flow-logs =\n", err));
	EXPECT_NE(NULL, strstr(err, "flow-logs: empty value"));
}

TEST(too_many_interfaces_is_e2big)
{
	struct agent_config cfg;
	char err[256], name[16];
	int i, ret = 0;

	config_defaults(&cfg);
	for (i = 0; i <= AGENT_MAX_XDP_IFS && !ret; i++) {
		snprintf(name, sizeof(name), "eth%d", i);
		ret = config_set(&cfg, SRC_CMDLINE, "xdp-if", name, err, sizeof(err));
	}
	ASSERT_EQ(-E2BIG, ret);
	ASSERT_EQ(AGENT_MAX_XDP_IFS, i - 1);
	ASSERT_EQ(AGENT_MAX_XDP_IFS, cfg.n_xdp_ifs);
}

TEST(command_line_overrides_host_file_and_replaces_lists)
{
	struct agent_config cfg;
	char err[256];

	ASSERT_EQ(0, parse(&cfg, "link = gw0\nxdp-if = eth0 eth1\ncpus = 0-3\n", err));
	ASSERT_EQ(0, config_set(&cfg, SRC_CMDLINE, "link", "gw9", err, sizeof(err)));
	ASSERT_EQ(0, config_set(&cfg, SRC_CMDLINE, "xdp-if", "veth0", err, sizeof(err)));
	ASSERT_EQ(0, config_set(&cfg, SRC_CMDLINE, "xdp-if", "veth1", err, sizeof(err)));
	ASSERT_STREQ("gw9", cfg.link);
	/* The command line's list replaces the file's, then accumulates. */
	ASSERT_EQ(2, cfg.n_xdp_ifs);
	ASSERT_STREQ("veth0", cfg.xdp_ifs[0]);
	ASSERT_STREQ("veth1", cfg.xdp_ifs[1]);
	/* Keys the command line does not give keep the file's value. */
	ASSERT_EQ(4, cfg.n_cpus);
}

TEST(seconds_parse_with_fractions)
{
	unsigned int ms;

	ASSERT_EQ(0, config_parse_seconds("5", &ms));
	ASSERT_EQ(5000, ms);
	ASSERT_EQ(0, config_parse_seconds("0.25", &ms));
	ASSERT_EQ(250, ms);
	ASSERT_EQ(0, config_parse_seconds("1.5", &ms));
	ASSERT_EQ(1500, ms);
	ASSERT_NE(0, config_parse_seconds("", &ms));
	ASSERT_NE(0, config_parse_seconds(".5", &ms));
	ASSERT_NE(0, config_parse_seconds("1.", &ms));
	ASSERT_NE(0, config_parse_seconds("1e3", &ms));
	ASSERT_NE(0, config_parse_seconds("86401", &ms));
}

TEST(cpu_lists_in_the_kernels_format)
{
	uint32_t cpus[AGENT_MAX_CPUS];
	unsigned int n;
	char err[256];

	ASSERT_EQ(0, config_parse_cpus("0", cpus, &n, err, sizeof(err)));
	ASSERT_EQ(1, n);
	ASSERT_EQ(0, config_parse_cpus("0-255", cpus, &n, err, sizeof(err)));
	ASSERT_EQ(256, n);
	ASSERT_EQ(255, cpus[255]);
	ASSERT_EQ(0, config_parse_cpus("1,3-4,7", cpus, &n, err, sizeof(err)));
	ASSERT_EQ(4, n);
	ASSERT_EQ(1, cpus[0]);
	ASSERT_EQ(3, cpus[1]);
	ASSERT_EQ(4, cpus[2]);
	ASSERT_EQ(7, cpus[3]);
	ASSERT_NE(0, config_parse_cpus("", cpus, &n, err, sizeof(err)));
}

TEST(host_file_from_disk_and_missing_file)
{
	struct agent_config cfg;
	char path[] = "/tmp/test_agent_config.XXXXXX", err[256];
	FILE *f;
	int fd;

	fd = mkstemp(path);
	ASSERT_LE(0, fd);
	f = fdopen(fd, "w");
	fputs("link = gw0\ncpus = 1\n", f);
	fclose(f);
	config_defaults(&cfg);
	ASSERT_EQ(0, config_load_file(&cfg, path, err, sizeof(err)));
	ASSERT_STREQ("gw0", cfg.link);
	unlink(path);
	ASSERT_EQ(-ENOENT, config_load_file(&cfg, path, err, sizeof(err)));
	ASSERT_NE(NULL, strstr(err, "No such file"));
}

/* The cluster's keys (cluster.c, members.c): syntax, defaults, refusals. */
TEST(cluster_keys_in_the_host_file)
{
	struct agent_config cfg;
	char err[256];

	config_defaults(&cfg);
	EXPECT_STREQ("/vnicgw/", cfg.etcd_prefix);
	EXPECT_EQ(AGENT_DEFAULT_TTL_S, cfg.member_ttl_s);
	ASSERT_EQ(0, parse(&cfg,
			   "etcd = http://10.0.0.1:2379\n"
			   "etcd-prefix = /prod/gw\n"
			   "host-id = gw-1.rack2\n"
			   "owner-table = /run/vnicgw/owners.json\n"
			   "member-ttl = 10\n", err)) TH_LOG("%s", err);
	EXPECT_EQ(1, cfg.etcd.n_endpoints);
	EXPECT_STREQ("http://10.0.0.1:2379", cfg.etcd.endpoints[0]);
	EXPECT_STREQ("/prod/gw/", cfg.etcd_prefix);	/* a trailing / added */
	EXPECT_STREQ("gw-1.rack2", cfg.host_id);
	EXPECT_STREQ("/run/vnicgw/owners.json", cfg.owner_table);
	EXPECT_EQ(10, cfg.member_ttl_s);
	EXPECT_EQ(0, config_check(&cfg, err, sizeof(err)));

	EXPECT_EQ(-EINVAL, parse(&cfg, "etcd = 10.0.0.1:2379\n", err));
	EXPECT_STREQ("host.conf:1: etcd: \"10.0.0.1:2379\" is not an http:// or https:// URL", err);
	EXPECT_EQ(-EINVAL, parse(&cfg, "etcd-prefix = vnicgw\n", err));
	EXPECT_EQ(-EINVAL, parse(&cfg, "host-id = a/b\n", err));
	EXPECT_NE(NULL, strstr(err, "host-id: \"a/b\" is not")) TH_LOG("%s", err);
	EXPECT_EQ(-EINVAL, parse(&cfg, "member-ttl = 1\n", err));
	EXPECT_EQ(-EINVAL, parse(&cfg, "member-ttl = 301\n", err));

	EXPECT_EQ(1, cfg.backups);
	ASSERT_EQ(0, parse(&cfg, "backups = 2\n", err)) TH_LOG("%s", err);
	EXPECT_EQ(2, cfg.backups);
	EXPECT_EQ(-EINVAL, parse(&cfg, "backups = 3\n", err));
	EXPECT_STREQ("host.conf:1: backups: \"3\" is not 1..2 (hosts after a flow's owner that keep its state)", err);
	EXPECT_EQ(-EINVAL, parse(&cfg, "backups = 0\n", err));

	EXPECT_TRUE(cfg.cluster_auth);
	EXPECT_FALSE(cfg.cluster_auth_permissive);
	ASSERT_EQ(0, parse(&cfg, "cluster-auth = permissive\n", err)) TH_LOG("%s", err);
	EXPECT_TRUE(cfg.cluster_auth);
	EXPECT_TRUE(cfg.cluster_auth_permissive);
	ASSERT_EQ(0, parse(&cfg, "cluster-auth = off\n", err)) TH_LOG("%s", err);
	EXPECT_FALSE(cfg.cluster_auth);
	EXPECT_FALSE(cfg.cluster_auth_permissive);
	EXPECT_EQ(-EINVAL, parse(&cfg, "cluster-auth = maybe\n", err));
	EXPECT_STREQ("host.conf:1: cluster-auth: \"maybe\" is not on, off or permissive", err);
}

TEST(one_source_of_the_document)
{
	struct agent_config cfg;
	char err[256];

	config_defaults(&cfg);
	EXPECT_EQ(-EINVAL, config_check(&cfg, err, sizeof(err)));
	EXPECT_STREQ("no --state FILE and no --endpoints URL (see --help)", err);
	strcpy(cfg.state, "/etc/vnicgw/state.json");
	EXPECT_EQ(0, config_check(&cfg, err, sizeof(err)));
	strcpy(cfg.host_id, "h1");
	EXPECT_EQ(-EINVAL, config_check(&cfg, err, sizeof(err)));
	EXPECT_STREQ("--host-id needs --endpoints (membership lives in etcd)", err);
	strcpy(cfg.etcd.endpoints[0], "http://127.0.0.1:2379");
	cfg.etcd.n_endpoints = 1;
	EXPECT_EQ(-EINVAL, config_check(&cfg, err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "exclude each other")) TH_LOG("%s", err);
	cfg.state[0] = '\0';
	EXPECT_EQ(0, config_check(&cfg, err, sizeof(err)));
}

/*
 * etcd as operators run it: the host file's etcd-* keys (the library's
 * parser, the same as vnicctl's and vnicctl-etcd's), refusals naming the
 * key and value but never a password, and the ETCDCTL_* environment only
 * for what the file left unset.
 */
TEST(etcd_tls_auth_endpoints_in_the_host_file)
{
	struct agent_config cfg;
	char err[512];

	unsetenv("ETCDCTL_ENDPOINTS");
	unsetenv("ETCDCTL_PASSWORD");
	config_defaults(&cfg);
	ASSERT_EQ(0, parse(&cfg,
			   "etcd-endpoints = https://10.0.0.1:2379,https://10.0.0.2:2379/,https://10.0.0.3:2379\n"
			   "etcd-cacert = /etc/vnicgw/etcd-ca.pem\n"
			   "etcd-cert = /etc/vnicgw/etcd-client.pem\n"
			   "etcd-key = /etc/vnicgw/etcd-client.key\n"
			   "etcd-user = vnicgw\n", err)) TH_LOG("%s", err);
	EXPECT_EQ(3, cfg.etcd.n_endpoints);
	EXPECT_STREQ("https://10.0.0.2:2379/", cfg.etcd.endpoints[1]);
	EXPECT_STREQ("/etc/vnicgw/etcd-ca.pem", cfg.etcd.cacert);
	EXPECT_STREQ("vnicgw", cfg.etcd.user);
	/* A user without a password is refused, naming the user. */
	EXPECT_EQ(-EINVAL, config_check(&cfg, err, sizeof(err)));
	EXPECT_STREQ("user vnicgw: no password (--user USER:PASSWORD, --password or ETCDCTL_PASSWORD)", err);
	/* ... and the environment fills it, not what the file set. */
	setenv("ETCDCTL_PASSWORD", "s3cret", 1);
	setenv("ETCDCTL_USER", "other:pw", 1);
	setenv("ETCDCTL_ENDPOINTS", "http://192.0.2.1:2379", 1);
	EXPECT_EQ(0, vgw_etcd_config_env(&cfg.etcd, true, err, sizeof(err)));
	EXPECT_STREQ("vnicgw", cfg.etcd.user);
	EXPECT_STREQ("s3cret", cfg.etcd.password);
	EXPECT_EQ(3, cfg.etcd.n_endpoints);
	EXPECT_EQ(0, config_check(&cfg, err, sizeof(err))) TH_LOG("%s", err);
	unsetenv("ETCDCTL_PASSWORD");
	unsetenv("ETCDCTL_USER");
	unsetenv("ETCDCTL_ENDPOINTS");

	/* USER:PASSWORD; a bad value names the key, never the password. */
	ASSERT_EQ(0, parse(&cfg, "etcd-user = gw:pa:ss\n", err)) TH_LOG("%s", err);
	EXPECT_STREQ("gw", cfg.etcd.user);
	EXPECT_STREQ("pa:ss", cfg.etcd.password);
	EXPECT_EQ(-EINVAL, parse(&cfg, "etcd-user = :hunter2\n", err));
	EXPECT_EQ(NULL, strstr(err, "hunter2")) TH_LOG("%s", err);
	EXPECT_NE(NULL, strstr(err, "etcd-user: ")) TH_LOG("%s", err);
	EXPECT_EQ(-EINVAL, parse(&cfg, "etcd-endpoints = https://a:1,,https://b:1\n", err));
	EXPECT_STREQ("host.conf:1: etcd-endpoints: \"https://a:1,,https://b:1\" has an empty URL", err);
	EXPECT_EQ(-EINVAL, parse(&cfg, "etcd-endpoints = https://a:1,b:2\n", err));
	EXPECT_STREQ("host.conf:1: etcd-endpoints: \"b:2\" is not an http:// or https:// URL", err);

	/* Cert and key together; TLS files need an https:// endpoint. */
	config_defaults(&cfg);
	ASSERT_EQ(0, parse(&cfg, "etcd-endpoints = https://10.0.0.1:2379\n"
			   "etcd-cert = /c.pem\n", err)) TH_LOG("%s", err);
	EXPECT_EQ(-EINVAL, config_check(&cfg, err, sizeof(err)));
	EXPECT_STREQ("cert /c.pem: no --key (the client certificate's private key)", err);
	config_defaults(&cfg);
	ASSERT_EQ(0, parse(&cfg, "etcd-endpoints = http://10.0.0.1:2379\n"
			   "etcd-cacert = /ca.pem\n", err)) TH_LOG("%s", err);
	EXPECT_EQ(-EINVAL, config_check(&cfg, err, sizeof(err)));
	EXPECT_STREQ("cacert /ca.pem: no https:// endpoint to use it with (endpoints http://10.0.0.1:2379)", err);
}

/* A password given on the command line is overwritten in argv. */
TEST(etcd_password_scrubbed_from_argv)
{
	char user[] = "gw:hunter2", pw[] = "hunter2", cacert[] = "/ca.pem";

	vgw_etcd_scrub_secret("user", user);
	vgw_etcd_scrub_secret("etcd-password", pw);
	vgw_etcd_scrub_secret("cacert", cacert);
	EXPECT_STREQ("gw:xxxxxxx", user);
	EXPECT_STREQ("xxxxxxx", pw);
	EXPECT_STREQ("/ca.pem", cacert);
}

/* VGW_AGENT_TEST (tests only): stall=MS and join-without-module. */
TEST(test_hooks)
{
	struct agent_config cfg;
	char err[256] = "";

	config_defaults(&cfg);
	ASSERT_EQ(0, cfg.test_stall_ms);
	ASSERT_FALSE(cfg.test_join_without_module);
	ASSERT_EQ(0, config_test_hooks(&cfg, "stall=7000,join-without-module",
				       err, sizeof(err)));
	ASSERT_EQ(7000, cfg.test_stall_ms);
	ASSERT_TRUE(cfg.test_join_without_module);

	config_defaults(&cfg);
	ASSERT_EQ(0, config_test_hooks(&cfg, "join-without-module", err,
				       sizeof(err)));
	ASSERT_EQ(0, cfg.test_stall_ms);
	ASSERT_EQ(0, config_test_hooks(&cfg, "", err, sizeof(err)));

	ASSERT_EQ(-EINVAL, config_test_hooks(&cfg, "stall=0", err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "VGW_AGENT_TEST: stall=0: not 1..600000 ms"));
	ASSERT_EQ(-EINVAL, config_test_hooks(&cfg, "stall=5s", err, sizeof(err)));
	ASSERT_EQ(-EINVAL, config_test_hooks(&cfg, "stal=5", err, sizeof(err)));
	EXPECT_NE(NULL, strstr(err, "unknown hook \"stal=5\""));
}

TEST_HARNESS_MAIN
