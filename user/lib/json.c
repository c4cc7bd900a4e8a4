// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>

#include "json.h"

void vgw_json_init(struct vgw_json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->need_comma[0] = false;
}

static void put_escaped(FILE *f, const char *s)
{
	const unsigned char *p;

	fputc('"', f);
	for (p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

/* Separator and key before a value at the current depth. */
static void member(struct vgw_json *j, const char *key)
{
	if (j->need_comma[j->depth])
		fputc(',', j->f);
	j->need_comma[j->depth] = true;
	if (key) {
		put_escaped(j->f, key);
		fputc(':', j->f);
	}
}

static void open_(struct vgw_json *j, const char *key, char c)
{
	member(j, key);
	fputc(c, j->f);
	if (j->depth + 1 < JSON_MAX_DEPTH)
		j->depth++;
	j->need_comma[j->depth] = false;
}

static void close_(struct vgw_json *j, char c)
{
	fputc(c, j->f);
	if (j->depth > 0)
		j->depth--;
}

void vgw_json_object_begin(struct vgw_json *j, const char *key)
{
	open_(j, key, '{');
}

void vgw_json_object_end(struct vgw_json *j)
{
	close_(j, '}');
}

void vgw_json_array_begin(struct vgw_json *j, const char *key)
{
	open_(j, key, '[');
}

void vgw_json_array_end(struct vgw_json *j)
{
	close_(j, ']');
}

void vgw_json_string(struct vgw_json *j, const char *key, const char *val)
{
	member(j, key);
	put_escaped(j->f, val);
}

void vgw_json_u64(struct vgw_json *j, const char *key, uint64_t val)
{
	member(j, key);
	fprintf(j->f, "%" PRIu64, val);
}

void vgw_json_bool(struct vgw_json *j, const char *key, bool val)
{
	member(j, key);
	fputs(val ? "true" : "false", j->f);
}

void vgw_json_null(struct vgw_json *j, const char *key)
{
	member(j, key);
	fputs("null", j->f);
}

void vgw_json_finish(struct vgw_json *j)
{
	fputc('\n', j->f);
	fflush(j->f);
}
