// SPDX-License-Identifier: GPL-2.0
/*
 * The vnicgw generic netlink family refuses what it does not understand,
 * names the offending attribute, and enforces CAP_NET_ADMIN for changes.
 * Runs in the VM with the module loaded (selftests/genl/run.sh).
 */
#include <errno.h>
#include <string.h>
#include <sys/capability.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include <linux/vnicgw.h>

#include "kselftest_harness.h"
#include "vgw.h"

struct put_attr {
	int type;
	int len;
	const void *data;
};

static int build_attr(struct nl_msg *msg, void *arg)
{
	const struct put_attr *a = arg;

	return nla_put(msg, a->type, a->len, a->data);
}

static int drop_net_admin(void)
{
	cap_value_t v = CAP_NET_ADMIN;
	cap_t caps = cap_get_proc();
	int err;

	if (!caps)
		return -1;
	err = cap_set_flag(caps, CAP_EFFECTIVE, 1, &v, CAP_CLEAR);
	if (!err)
		err = cap_set_proc(caps);
	cap_free(caps);
	return err;
}

FIXTURE(genl)
{
	struct vgw_client c;
};

FIXTURE_SETUP(genl)
{
	ASSERT_EQ(0, vgw_open(&self->c));
}

FIXTURE_TEARDOWN(genl)
{
	vgw_close(&self->c);
}

TEST_F(genl, info_answers_version_and_features)
{
	struct vgw_info info;

	ASSERT_EQ(0, vgw_get_info(&self->c, &info));
	EXPECT_STREQ("0.1.0", info.version);
	EXPECT_NE(0ULL, info.features & VNICGW_FEATURE(NETNS));
	EXPECT_NE(0ULL, (unsigned long long)info.generation);
}

TEST_F(genl, unknown_command_is_refused)
{
	EXPECT_EQ(-EOPNOTSUPP, vgw_call(&self->c, VNICGW_CMD_MAX + 1, 0,
					NULL, NULL, NULL));
}

TEST_F(genl, unknown_attribute_is_refused)
{
	uint32_t v = 1;
	struct put_attr a = { VNICGW_A_MAX + 5, sizeof(v), &v };

	EXPECT_EQ(-EINVAL, vgw_call(&self->c, VNICGW_CMD_GET_INFO, 0,
				    build_attr, NULL, &a));
}

TEST_F(genl, reply_only_attribute_in_a_request_is_refused_and_named)
{
	uint64_t v = 7;
	struct put_attr a = { VNICGW_A_GENERATION, sizeof(v), &v };

	EXPECT_EQ(-EINVAL, vgw_call(&self->c, VNICGW_CMD_FLUSH, 0,
				    build_attr, NULL, &a));
	/* The kernel's extack message names the attribute. */
	EXPECT_STREQ("VNICGW_A_GENERATION is reply-only", self->c.errmsg);
}

TEST_F(genl, flush_bumps_generation_by_one)
{
	struct vgw_info a, b;

	ASSERT_EQ(0, vgw_get_info(&self->c, &a));
	ASSERT_EQ(0, vgw_flush(&self->c));
	ASSERT_EQ(0, vgw_get_info(&self->c, &b));
	EXPECT_EQ(a.generation + 1, b.generation);
}

TEST_F(genl, flush_without_cap_net_admin_is_refused_and_changes_nothing)
{
	struct vgw_info a, b;

	ASSERT_EQ(0, vgw_get_info(&self->c, &a));
	ASSERT_EQ(0, drop_net_admin());
	EXPECT_EQ(-EPERM, vgw_flush(&self->c));
	/* Reading needs no privilege. */
	ASSERT_EQ(0, vgw_get_info(&self->c, &b));
	EXPECT_EQ(a.generation, b.generation);
}

TEST_HARNESS_MAIN
