/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small streaming JSON writer for the tools' -j output: correct escaping,
 * commas and nesting, nothing more.
 */
#ifndef VGW_JSON_H
#define VGW_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 32

struct vgw_json {
	FILE *f;
	int depth;
	bool need_comma[JSON_MAX_DEPTH];
};

void vgw_json_init(struct vgw_json *j, FILE *f);
/* @key is NULL inside arrays and at the top level. */
void vgw_json_object_begin(struct vgw_json *j, const char *key);
void vgw_json_object_end(struct vgw_json *j);
void vgw_json_array_begin(struct vgw_json *j, const char *key);
void vgw_json_array_end(struct vgw_json *j);
void vgw_json_string(struct vgw_json *j, const char *key, const char *val);
void vgw_json_u64(struct vgw_json *j, const char *key, uint64_t val);
void vgw_json_bool(struct vgw_json *j, const char *key, bool val);
void vgw_json_null(struct vgw_json *j, const char *key);
/* Ends the document with a newline. */
void vgw_json_finish(struct vgw_json *j);

#endif /* VGW_JSON_H */
