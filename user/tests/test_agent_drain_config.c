// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's settings for the cluster in the kernel (user/agent/config.c):
 * --underlay, --drain-cmd, --drain-wait, --cluster-keys, --cluster-auth:
 * syntax, defaults, refusals naming the key, and that they need --host-id;
 * the announcement's --announce-cmd, --withdraw-cmd, --etcd-lost-after.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kselftest_harness.h"
#include "agent.h"

static int parse(struct agent_config *cfg, const char *text, char *err)
{
	config_defaults(cfg);
	err[0] = '\0';
	return config_parse_text(cfg, "host.conf", text, err, 256);
}

TEST(drain_wait_defaults_to_two_seconds)
{
	struct agent_config cfg;

	config_defaults(&cfg);
	EXPECT_EQ(2000, cfg.drain_wait_ms);
	EXPECT_STREQ("", cfg.underlay);
	EXPECT_STREQ("", cfg.drain_cmd);
}

TEST(underlay_and_drain_keys)
{
	struct agent_config cfg;
	char err[256];

	ASSERT_EQ(0, parse(&cfg,
			   "etcd = http://10.0.0.1:2379\n"
			   "host-id = gw-1\n"
			   "underlay = 10.0.0.11\n"
			   "drain-cmd = birdc disable vips\n"
			   "drain-wait = 0.5\n", err)) TH_LOG("%s", err);
	EXPECT_STREQ("10.0.0.11", cfg.underlay);
	EXPECT_STREQ("birdc disable vips", cfg.drain_cmd);
	EXPECT_EQ(500, cfg.drain_wait_ms);
	EXPECT_EQ(0, config_check(&cfg, err, sizeof(err)));
	EXPECT_EQ(0, parse(&cfg, "underlay = fd00:99::11\n", err));
	EXPECT_STREQ("fd00:99::11", cfg.underlay);
	EXPECT_EQ(0, parse(&cfg, "drain-wait = 0\n", err));
	EXPECT_EQ(0, cfg.drain_wait_ms);
}

TEST(refusals_name_the_key)
{
	struct agent_config cfg;
	char err[256];

	EXPECT_EQ(-EINVAL, parse(&cfg, "underlay = 10.0.0.x\n", err));
	EXPECT_STREQ("host.conf:1: underlay: \"10.0.0.x\" is not an IPv4 or IPv6 address", err);
	EXPECT_EQ(-EINVAL, parse(&cfg, "underlay = 10.0.0.0/24\n", err));
	EXPECT_EQ(-EINVAL, parse(&cfg, "drain-wait = soon\n", err));
	EXPECT_STREQ("host.conf:1: drain-wait: \"soon\" is not 0..600 seconds", err);
	EXPECT_EQ(-EINVAL, parse(&cfg, "drain-wait = 601\n", err));
}

TEST(they_need_a_host_id)
{
	struct agent_config cfg;
	char err[256];

	ASSERT_EQ(0, parse(&cfg, "etcd = http://10.0.0.1:2379\nunderlay = 10.0.0.1\n", err));
	EXPECT_EQ(-EINVAL, config_check(&cfg, err, sizeof(err)));
	EXPECT_STREQ("--underlay needs --host-id (it is about this host as a cluster member)", err);
	ASSERT_EQ(0, parse(&cfg, "etcd = http://10.0.0.1:2379\ndrain-cmd = true\n", err));
	EXPECT_EQ(-EINVAL, config_check(&cfg, err, sizeof(err)));
	EXPECT_STREQ("--drain-cmd needs --host-id (it is about this host as a cluster member)", err);
}

TEST(cluster_auth_is_on_by_default_with_keys_from_etcd)
{
	struct agent_config cfg;

	config_defaults(&cfg);
	EXPECT_TRUE(cfg.cluster_auth);
	EXPECT_STREQ("", cfg.cluster_keys);
}

TEST(cluster_keys_and_cluster_auth_keys)
{
	struct agent_config cfg;
	char err[256];

	ASSERT_EQ(0, parse(&cfg,
			   "etcd = http://10.0.0.1:2379\n"
			   "host-id = gw-1\n"
			   "cluster-keys = /etc/vnicgw/cluster.keys\n"
			   "cluster-auth = on\n", err)) TH_LOG("%s", err);
	EXPECT_STREQ("/etc/vnicgw/cluster.keys", cfg.cluster_keys);
	EXPECT_TRUE(cfg.cluster_auth);
	EXPECT_EQ(0, config_check(&cfg, err, sizeof(err))) TH_LOG("%s", err);
	ASSERT_EQ(0, parse(&cfg, "etcd = http://10.0.0.1:2379\nhost-id = gw-1\n"
			   "cluster-auth = off\n", err));
	EXPECT_FALSE(cfg.cluster_auth);
	EXPECT_EQ(0, config_check(&cfg, err, sizeof(err)));
	/* The command line wins over the host file. */
	EXPECT_EQ(0, config_set(&cfg, SRC_CMDLINE, "cluster-auth", "on", err, sizeof(err)));
	EXPECT_TRUE(cfg.cluster_auth);
}

TEST(cluster_key_refusals_name_the_key)
{
	struct agent_config cfg;
	char err[256];

	EXPECT_EQ(-EINVAL, parse(&cfg, "cluster-auth = yes\n", err));
	EXPECT_STREQ("host.conf:1: cluster-auth: \"yes\" is not on, off or permissive", err);
	EXPECT_EQ(-EINVAL, parse(&cfg, "cluster-keys =\n", err));
	EXPECT_STREQ("host.conf:1: cluster-keys: empty value", err);
	EXPECT_EQ(-EINVAL, parse(&cfg, "cluster-auth = off\ncluster-auth = on\n", err));
	EXPECT_STREQ("host.conf:2: cluster-auth: given twice", err);
	/* A key file is about this host as a member. */
	ASSERT_EQ(0, parse(&cfg, "etcd = http://10.0.0.1:2379\ncluster-keys = /k\n", err));
	EXPECT_EQ(-EINVAL, config_check(&cfg, err, sizeof(err)));
	EXPECT_STREQ("--cluster-keys needs --host-id (it is about this host as a cluster member)", err);
	/* Keys, and no keys at all: one or the other. */
	ASSERT_EQ(0, parse(&cfg, "etcd = http://10.0.0.1:2379\nhost-id = h\n"
			   "cluster-keys = /k\ncluster-auth = off\n", err));
	EXPECT_EQ(-EINVAL, config_check(&cfg, err, sizeof(err)));
	EXPECT_STREQ("--cluster-keys and --cluster-auth off exclude each other (off: no keys at all)", err);
}

TEST(announce_and_withdraw_go_together)
{
	struct agent_config cfg;
	char err[256];

	config_defaults(&cfg);
	EXPECT_EQ(10000, cfg.etcd_lost_ms);
	EXPECT_STREQ("", cfg.announce_cmd);
	ASSERT_EQ(0, parse(&cfg, "state = /etc/s.json\n"
			   "announce-cmd = birdc enable vips\n"
			   "withdraw-cmd = birdc disable vips\n"
			   "etcd-lost-after = 2.5\n", err)) TH_LOG("%s", err);
	EXPECT_STREQ("birdc enable vips", cfg.announce_cmd);
	EXPECT_STREQ("birdc disable vips", cfg.withdraw_cmd);
	EXPECT_EQ(2500, cfg.etcd_lost_ms);
	/* Without a cluster too: the module, the link, the steering. */
	EXPECT_EQ(0, config_check(&cfg, err, sizeof(err))) TH_LOG("%s", err);

	ASSERT_EQ(0, parse(&cfg, "state = /etc/s.json\nannounce-cmd = true\n", err));
	EXPECT_EQ(-EINVAL, config_check(&cfg, err, sizeof(err)));
	EXPECT_STREQ("--announce-cmd needs --withdraw-cmd too (the agent announces and withdraws the VIPs, or neither)", err);
	ASSERT_EQ(0, parse(&cfg, "state = /etc/s.json\nwithdraw-cmd = true\n", err));
	EXPECT_EQ(-EINVAL, config_check(&cfg, err, sizeof(err)));
	EXPECT_STREQ("--withdraw-cmd needs --announce-cmd too (the agent announces and withdraws the VIPs, or neither)", err);

	EXPECT_EQ(-EINVAL, parse(&cfg, "etcd-lost-after = 0.5\n", err));
	EXPECT_STREQ("host.conf:1: etcd-lost-after: \"0.5\" is not 1..3600 seconds", err);
	EXPECT_EQ(-EINVAL, parse(&cfg, "etcd-lost-after = soon\n", err));
	EXPECT_STREQ("host.conf:1: etcd-lost-after: \"soon\" is not 1..3600 seconds", err);
}

TEST_HARNESS_MAIN
