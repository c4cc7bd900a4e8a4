// SPDX-License-Identifier: GPL-2.0
/*
 * The cluster keys as text (user/lib/cluster_nl.c): a key file, or the etcd
 * value PREFIX/cluster/keys. Lines "ID:SECRET", the first signs; comments
 * and blanks skipped; one or two keys of distinct ids; messages name the
 * file and line and never repeat a secret. Also the text written back
 * (vnicctl-etcd, the agent's first key), the ids as logged, random keys.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "cluster_nl.h"

#define S1 "000102030405060708090a0b0c0d0e0f"
#define S2 "f0e0d0c0b0a090807060504030201000"

static int parse(const char *text, struct vgw_cluster_key *keys,
		 unsigned int *n, char *err)
{
	err[0] = '\0';
	return vgw_cluster_keys_parse_text(text, "keys.txt", keys, n, err, 256);
}

TEST(two_keys_the_first_signs_comments_and_blanks_skipped)
{
	struct vgw_cluster_key k[VNICGW_CLUSTER_MAX_KEYS];
	unsigned int n = 0;
	char err[256];

	ASSERT_EQ(0, parse("# the cluster keys\n\n  2:" S2 "  # new\r\n\t1:" S1 "\n",
			   k, &n, err)) TH_LOG("%s", err);
	ASSERT_EQ(2, n);
	EXPECT_EQ(2, k[0].id);
	EXPECT_EQ(1, k[1].id);
	EXPECT_EQ(0xf0, k[0].secret[0]);
	EXPECT_EQ(0x0f, k[1].secret[15]);
	/* No newline at the end. */
	ASSERT_EQ(0, parse("7:" S1, k, &n, err));
	EXPECT_EQ(1, n);
	EXPECT_EQ(7, k[0].id);
}

TEST(refusals_name_the_line_and_never_the_secret)
{
	struct vgw_cluster_key k[VNICGW_CLUSTER_MAX_KEYS];
	unsigned int n = 99;
	char err[256];

	EXPECT_EQ(-EINVAL, parse("# nothing\n\n", k, &n, err));
	EXPECT_STREQ("keys.txt: no key (lines ID:SECRET, ID 1-255, SECRET 32 hex digits)", err);
	EXPECT_EQ(-EINVAL, parse("1:" S1 "\n1:" S2 "\n", k, &n, err));
	EXPECT_STREQ("keys.txt, line 2: key 1 given twice", err);
	EXPECT_EQ(-EINVAL, parse("1:" S1 "\n2:" S2 "\n3:" S1 "\n", k, &n, err));
	EXPECT_STREQ("keys.txt, line 3: more than 2 keys (the one that signs and the next)", err);
	EXPECT_EQ(-EINVAL, parse("\n1:" S1 "0\n", k, &n, err));
	EXPECT_STREQ("keys.txt, line 2: key 1: the secret has 33 characters, not 32 hex digits", err);
	EXPECT_EQ(-EINVAL, parse("1:0001020304050607zz090a0b0c0d0e0f\n", k, &n, err));
	EXPECT_STREQ("keys.txt, line 1: key 1: the secret is not 32 hex digits", err);
	EXPECT_EQ(-EINVAL, parse("300:" S1 "\n", k, &n, err));
	EXPECT_STREQ("keys.txt, line 1: key id \"300\" is not a number from 1 to 255", err);
	/* A secret on a line of its own (the id forgotten) is not echoed. */
	EXPECT_EQ(-EINVAL, parse(S1 "\n", k, &n, err));
	EXPECT_STREQ("keys.txt, line 1: a key is ID:SECRET (ID 1-255, SECRET 32 hex digits)", err);
	EXPECT_EQ(NULL, strstr(err, "0a0b"));
	/* Nor is one in the place of the id. */
	EXPECT_EQ(-EINVAL, parse(S1 ":" S2 "\n", k, &n, err));
	EXPECT_STREQ("keys.txt, line 1: key id: 32 characters, not a number from 1 to 255", err);
	/* A refused text leaves the caller's count alone. */
	EXPECT_EQ(99, n);
}

TEST(a_key_file_is_read_and_named_in_messages)
{
	struct vgw_cluster_key k[VNICGW_CLUSTER_MAX_KEYS];
	char path[] = "/tmp/vgwt-keys.XXXXXX", err[512], want[600];
	unsigned int n = 0;
	char big[VGW_CLUSTER_KEYS_FILE_MAX + 2];
	FILE *f;
	int fd = mkstemp(path);

	ASSERT_LE(0, fd);
	f = fdopen(fd, "w");
	fprintf(f, "# signs\n3:%s\n4:%s\n", S1, S2);
	fclose(f);
	ASSERT_EQ(0, vgw_cluster_keys_read(path, k, &n, err, sizeof(err))) TH_LOG("%s", err);
	EXPECT_EQ(2, n);
	EXPECT_EQ(3, k[0].id);
	EXPECT_EQ(4, k[1].id);

	f = fopen(path, "w");
	fprintf(f, "3:%s\n\n4:nothex\n", S1);
	fclose(f);
	EXPECT_EQ(-EINVAL, vgw_cluster_keys_read(path, k, &n, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s, line 3: key 4: the secret has 6 characters, not 32 hex digits", path);
	EXPECT_STREQ(want, err);

	memset(big, '#', sizeof(big));
	f = fopen(path, "w");
	fwrite(big, 1, sizeof(big), f);
	fclose(f);
	EXPECT_EQ(-EFBIG, vgw_cluster_keys_read(path, k, &n, err, sizeof(err)));
	unlink(path);
	EXPECT_EQ(-ENOENT, vgw_cluster_keys_read(path, k, &n, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	EXPECT_STREQ(want, err);
}

TEST(the_text_written_reads_back_as_the_same_keys)
{
	struct vgw_cluster_key k[2], back[2];
	char text[VGW_CLUSTER_KEYS_TEXT_MAX], err[256];
	unsigned int n = 0;

	ASSERT_EQ(0, vgw_cluster_key_random(&k[0], 9));
	ASSERT_EQ(0, vgw_cluster_key_random(&k[1], 255));
	ASSERT_EQ(0, vgw_cluster_keys_text(k, 2, text, sizeof(text)));
	/* "9:" 32 digits, newline; "255:" 32 digits, newline. */
	EXPECT_EQ(35 + 37, strlen(text))
		TH_LOG("%s", text);
	ASSERT_EQ(0, parse(text, back, &n, err)) TH_LOG("%s", err);
	ASSERT_EQ(2, n);
	EXPECT_EQ(0, memcmp(k, back, sizeof(k)));
	/* Too small a buffer: refused, and nothing of a secret left in it. */
	EXPECT_EQ(-ENOSPC, vgw_cluster_keys_text(k, 2, text, 40));
	EXPECT_EQ(0, text[0]);
}

TEST(random_keys_differ_and_ids_are_logged_signing_first)
{
	struct vgw_cluster_key k[2];
	char ids[64];

	ASSERT_EQ(0, vgw_cluster_key_random(&k[0], 2));
	ASSERT_EQ(0, vgw_cluster_key_random(&k[1], 1));
	EXPECT_NE(0, memcmp(k[0].secret, k[1].secret, VNICGW_KEY_LEN));
	vgw_cluster_keys_ids(k, 2, ids, sizeof(ids));
	EXPECT_STREQ("2 (signs), 1", ids);
	vgw_cluster_keys_ids(k, 1, ids, sizeof(ids));
	EXPECT_STREQ("2 (signs)", ids);
	vgw_cluster_keys_ids(k, 0, ids, sizeof(ids));
	EXPECT_STREQ("none", ids);
}

TEST_HARNESS_MAIN
