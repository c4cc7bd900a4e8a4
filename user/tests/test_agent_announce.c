// SPDX-License-Identifier: GPL-2.0
/*
 * The announcement of the VIPs (user/agent/announce.c), without BIRD: the
 * commands append a word to a file, and the test reads what ran, in which
 * order, given a sequence of health reports. The first report runs one
 * command whatever it says; then only a change of health does; a change
 * while a command runs is carried out after it; a failing command is tried
 * again, and does not hold up the other one.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "agent.h"

/* Report @why until no command runs (at most 5 s): the last deadline. */
static uint64_t settle(struct announce *a, const char *why)
{
	uint64_t end = now_ms() + 5000, next;

	do {
		next = announce_update(a, why);
		if (next > now_ms() + 1000)
			return next;
		usleep(10000);
	} while (now_ms() < end);
	return next;
}

static char *ran(const char *path)
{
	static char buf[512];
	FILE *f = fopen(path, "r");
	size_t n = 0;

	buf[0] = '\0';
	if (f) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

FIXTURE(ann) {
	struct agent_config cfg;
	char path[64];
	struct announce *a;
};

FIXTURE_SETUP(ann)
{
	int fd;

	log_init(LOG_WARN);
	config_defaults(&self->cfg);
	strcpy(self->path, "/tmp/vgwt-announce.XXXXXX");
	fd = mkstemp(self->path);
	ASSERT_LE(0, fd);
	close(fd);
	snprintf(self->cfg.announce_cmd, sizeof(self->cfg.announce_cmd),
		 "echo announce >>%s", self->path);
	snprintf(self->cfg.withdraw_cmd, sizeof(self->cfg.withdraw_cmd),
		 "echo withdraw >>%s", self->path);
}

FIXTURE_TEARDOWN(ann)
{
	announce_free(self->a);
	unlink(self->path);
}

TEST_F(ann, nothing_without_an_announce_command)
{
	struct agent_config none;

	config_defaults(&none);
	EXPECT_EQ(NULL, announce_new(&none));
	EXPECT_EQ(UINT64_MAX, announce_update(NULL, "no module"));
}

TEST_F(ann, the_first_report_runs_a_command_then_only_changes_do)
{
	self->a = announce_new(&self->cfg);
	ASSERT_NE(NULL, self->a);
	/* Starting unhealthy: withdraw (a previous run may have announced). */
	EXPECT_EQ(UINT64_MAX, settle(self->a, "the vnicgw module is not loaded"));
	EXPECT_STREQ("withdraw\n", ran(self->path));
	EXPECT_FALSE(announce_announced(self->a));
	/* Another reason, still unhealthy: nothing runs. */
	EXPECT_EQ(UINT64_MAX, settle(self->a, "not a member of the cluster yet"));
	EXPECT_STREQ("withdraw\n", ran(self->path));
	EXPECT_EQ(UINT64_MAX, settle(self->a, ""));
	EXPECT_STREQ("withdraw\nannounce\n", ran(self->path));
	EXPECT_TRUE(announce_announced(self->a));
	EXPECT_EQ(UINT64_MAX, settle(self->a, ""));
	EXPECT_EQ(UINT64_MAX, settle(self->a, "link gw0 is down"));
	EXPECT_STREQ("withdraw\nannounce\nwithdraw\n", ran(self->path));
}

TEST_F(ann, starting_healthy_announces_once)
{
	self->a = announce_new(&self->cfg);
	EXPECT_EQ(UINT64_MAX, settle(self->a, ""));
	EXPECT_EQ(UINT64_MAX, settle(self->a, ""));
	EXPECT_STREQ("announce\n", ran(self->path));
}

TEST_F(ann, a_change_while_a_command_runs_follows_it)
{
	/* A slow announce: the health turns while it runs. */
	snprintf(self->cfg.announce_cmd, sizeof(self->cfg.announce_cmd),
		 "sleep 0.3; echo announce >>%s", self->path);
	self->a = announce_new(&self->cfg);
	EXPECT_GT(UINT64_MAX, announce_update(self->a, ""));
	EXPECT_GT(UINT64_MAX, announce_update(self->a, "draining"));
	EXPECT_STREQ("", ran(self->path));
	EXPECT_EQ(UINT64_MAX, settle(self->a, "draining"));
	EXPECT_STREQ("announce\nwithdraw\n", ran(self->path));
	EXPECT_FALSE(announce_announced(self->a));
}

TEST_F(ann, a_failing_command_is_retried_and_does_not_hold_up_the_other)
{
	snprintf(self->cfg.withdraw_cmd, sizeof(self->cfg.withdraw_cmd),
		 "echo failed >>%s; exit 3", self->path);
	self->a = announce_new(&self->cfg);
	/* It failed: tried again later (a deadline, not "never"). */
	EXPECT_GT(UINT64_MAX, settle(self->a, "no module"));
	EXPECT_STREQ("failed\n", ran(self->path));
	/* Healthy meanwhile: the announce runs now, not after the retry. */
	EXPECT_EQ(UINT64_MAX, settle(self->a, ""));
	EXPECT_STREQ("failed\nannounce\n", ran(self->path));
	EXPECT_TRUE(announce_announced(self->a));
}

TEST_HARNESS_MAIN
