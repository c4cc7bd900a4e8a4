// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's cluster keys (user/agent/keys.c), without a kernel or etcd:
 * a key file read at start and again when it changes (size, times), a bad
 * file or etcd value that changes nothing (the keys in use stay, never
 * none), readiness (keys known, or cluster-auth off), and the log saying
 * the ids and never a secret.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "log_capture.h"
#include "agent.h"
#include "cluster_nl.h"

#define S1 "000102030405060708090a0b0c0d0e0f"
#define S2 "f0e0d0c0b0a090807060504030201000"


static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
}

FIXTURE(keys) {
	struct agent_config cfg;
	struct keys *k;
	char path[64];
};

FIXTURE_SETUP(keys)
{
	int fd;

	log_init(LOG_INFO);
	config_defaults(&self->cfg);
	strcpy(self->path, "/tmp/vgwt-agent-keys.XXXXXX");
	fd = mkstemp(self->path);
	ASSERT_LE(0, fd);
	close(fd);
	strcpy(self->cfg.cluster_keys, self->path);
	self->k = keys_new(&self->cfg);
	ASSERT_NE(NULL, self->k);
}

FIXTURE_TEARDOWN(keys)
{
	keys_free(self->k);
	unlink(self->path);
}

TEST_F(keys, the_file_is_read_and_its_ids_logged_never_its_secrets)
{
	const struct vgw_cluster_key *got;
	unsigned int n;
	const char *log;

	EXPECT_FALSE(keys_ready(self->k));
	write_file(self->path, "# signs first\n2:" S2 "\n1:" S1 "\n");
	log_start();
	EXPECT_TRUE(keys_file_check(self->k, true));
	log = log_end();
	EXPECT_TRUE(keys_ready(self->k));
	got = keys_get(self->k, &n);
	ASSERT_EQ(2, n);
	EXPECT_EQ(2, got[0].id);
	EXPECT_EQ(1, got[1].id);
	EXPECT_NE(NULL, strstr(log, "cluster: keys 2 (signs), 1 (")) TH_LOG("%s", log);
	EXPECT_EQ(NULL, strstr(log, "0a0b"));
	EXPECT_EQ(NULL, strstr(log, "a090"));
	/* Unchanged: not read again (no change reported). */
	EXPECT_FALSE(keys_file_check(self->k, false));
}

TEST_F(keys, a_change_of_the_file_is_seen_by_the_periodic_check)
{
	unsigned int n;

	write_file(self->path, "1:" S1 "\n");
	ASSERT_TRUE(keys_file_check(self->k, true));
	/* The next version: a key more (another size). */
	write_file(self->path, "1:" S1 "\n2:" S2 "\n");
	log_start();
	EXPECT_TRUE(keys_file_check(self->k, false));
	log_end();
	keys_get(self->k, &n);
	EXPECT_EQ(2, n);
	/* The same size, other contents, written in place: the times differ. */
	usleep(20000);
	write_file(self->path, "2:" S2 "\n1:" S1 "\n");
	log_start();
	EXPECT_TRUE(keys_file_check(self->k, false));
	EXPECT_NE(NULL, strstr(log_end(), "cluster: keys 2 (signs), 1"));
}

TEST_F(keys, a_bad_file_keeps_the_keys_in_use)
{
	const struct vgw_cluster_key *got;
	unsigned int n;
	const char *log;

	write_file(self->path, "1:" S1 "\n");
	ASSERT_TRUE(keys_file_check(self->k, true));
	write_file(self->path, "1:" S1 "\n2:tooshort\n");
	log_start();
	EXPECT_FALSE(keys_file_check(self->k, false));
	log = log_end();
	EXPECT_NE(NULL, strstr(log, ", line 2: key 2: the secret has 8 characters, not 32 hex digits; the keys in use stay (1 (signs))"))
		TH_LOG("%s", log);
	got = keys_get(self->k, &n);
	ASSERT_EQ(1, n);
	EXPECT_EQ(1, got[0].id);
	EXPECT_TRUE(keys_ready(self->k));
	/* Gone: the same. */
	unlink(self->path);
	log_start();
	EXPECT_FALSE(keys_file_check(self->k, false));
	EXPECT_NE(NULL, strstr(log_end(), "No such file or directory; the keys in use stay"));
	keys_get(self->k, &n);
	EXPECT_EQ(1, n);
	/* Back, with the keys in use: valid again, nothing changed. */
	write_file(self->path, "1:" S1 "\n");
	log_start();
	EXPECT_FALSE(keys_file_check(self->k, false));
	EXPECT_NE(NULL, strstr(log_end(), "is valid again"));
}

TEST_F(keys, without_keys_yet_a_bad_file_leaves_the_host_waiting)
{
	write_file(self->path, "# nothing yet\n");
	log_start();
	EXPECT_FALSE(keys_file_check(self->k, true));
	EXPECT_NE(NULL, strstr(log_end(), "no keys yet: this host neither joins nor tells its kernel the cluster"));
	EXPECT_FALSE(keys_ready(self->k));
}

TEST_F(keys, etcd_values_a_bad_one_changes_nothing)
{
	const char good[] = "2:" S2 "\n1:" S1 "\n", twice[] = "2:" S2 "\n2:" S1;
	const struct vgw_cluster_key *got;
	unsigned int n;
	const char *log;

	self->cfg.cluster_keys[0] = '\0';
	log_start();
	EXPECT_TRUE(keys_set_text(self->k, good, strlen(good), "etcd /p/cluster/keys at revision 5"));
	EXPECT_FALSE(keys_set_text(self->k, good, strlen(good), "etcd /p/cluster/keys at revision 6"));
	EXPECT_FALSE(keys_set_text(self->k, twice, strlen(twice), "etcd /p/cluster/keys at revision 7"));
	/* A NUL inside: not taken as the text before it. */
	EXPECT_FALSE(keys_set_text(self->k, "1:" S1 "\0" "2", 36, "etcd /p/cluster/keys at revision 8"));
	log = log_end();
	EXPECT_NE(NULL, strstr(log, "cluster: keys 2 (signs), 1 (etcd /p/cluster/keys at revision 5)")) TH_LOG("%s", log);
	EXPECT_NE(NULL, strstr(log, "etcd /p/cluster/keys at revision 7, line 2: key 2 given twice; the keys in use stay (2 (signs), 1)"));
	EXPECT_NE(NULL, strstr(log, "revision 8: a NUL byte"));
	got = keys_get(self->k, &n);
	ASSERT_EQ(2, n);
	EXPECT_EQ(2, got[0].id);
}

TEST_F(keys, a_new_secret_under_an_old_id_is_warned_about)
{
	const char one[] = "1:" S1, other[] = "1:" S2;

	ASSERT_TRUE(keys_set_text(self->k, one, strlen(one), "etcd"));
	log_start();
	EXPECT_TRUE(keys_set_text(self->k, other, strlen(other), "etcd"));
	EXPECT_NE(NULL, strstr(log_end(), "key 1 has another secret now"));
}

TEST_F(keys, cluster_auth_off_is_ready_with_no_keys)
{
	unsigned int n;

	self->cfg.cluster_auth = false;
	EXPECT_TRUE(keys_ready(self->k));
	EXPECT_EQ(NULL, keys_get(self->k, &n));
	EXPECT_EQ(0, n);
}

TEST_HARNESS_MAIN
