// SPDX-License-Identifier: GPL-2.0
/* The JSON writer behind every -j: escaping, separators, nesting. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kselftest_harness.h"
#include "json.h"

struct buf {
	char *data;
	size_t len;
	FILE *f;
};

static struct vgw_json *open_buf(struct buf *b, struct vgw_json *j)
{
	b->f = open_memstream(&b->data, &b->len);
	vgw_json_init(j, b->f);
	return j;
}

static char *close_buf(struct buf *b)
{
	fclose(b->f);
	return b->data;
}

TEST(nested_objects_and_arrays_get_commas_right)
{
	struct buf b;
	struct vgw_json j;
	char *s;

	open_buf(&b, &j);
	vgw_json_object_begin(&j, NULL);
	vgw_json_string(&j, "a", "x");
	vgw_json_array_begin(&j, "l");
	vgw_json_u64(&j, NULL, 1);
	vgw_json_object_begin(&j, NULL);
	vgw_json_bool(&j, "t", true);
	vgw_json_null(&j, "n");
	vgw_json_object_end(&j);
	vgw_json_u64(&j, NULL, 18446744073709551615ULL);
	vgw_json_array_end(&j);
	vgw_json_array_begin(&j, "e");
	vgw_json_array_end(&j);
	vgw_json_object_end(&j);
	vgw_json_finish(&j);
	s = close_buf(&b);
	EXPECT_STREQ("{\"a\":\"x\",\"l\":[1,{\"t\":true,\"n\":null},"
		     "18446744073709551615],\"e\":[]}\n", s);
	free(s);
}

TEST(strings_are_escaped)
{
	struct buf b;
	struct vgw_json j;
	char *s;

	open_buf(&b, &j);
	vgw_json_string(&j, NULL, "q\"b\\n\nt\tc\001");
	s = close_buf(&b);
	EXPECT_STREQ("\"q\\\"b\\\\n\\nt\\tc\\u0001\"", s);
	free(s);
}

TEST(keys_are_escaped_too)
{
	struct buf b;
	struct vgw_json j;
	char *s;

	open_buf(&b, &j);
	vgw_json_object_begin(&j, NULL);
	vgw_json_u64(&j, "k\"", 0);
	vgw_json_object_end(&j);
	s = close_buf(&b);
	EXPECT_STREQ("{\"k\\\"\":0}", s);
	free(s);
}

TEST_HARNESS_MAIN
