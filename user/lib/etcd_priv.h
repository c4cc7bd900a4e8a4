/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by etcd.c (requests) and etcd_codec.c (JSON and base64). */
#ifndef VGW_ETCD_PRIV_H
#define VGW_ETCD_PRIV_H

#include <jansson.h>

#include "etcd.h"

/* An int64 field: the gateway writes them as strings; absent means 0. */
int vgw_etcd_json_i64(json_t *o, const char *key, int64_t *v);
/* A base64 JSON string of @data (NULL on allocation failure). */
json_t *vgw_etcd_json_b64(const void *data, size_t len);
/* Decode a mvccpb.KeyValue object. 0 or -EPROTO/-ENOMEM. */
int vgw_etcd_kv_decode(json_t *o, struct vgw_etcd_kv *kv);
void vgw_etcd_kv_clear(struct vgw_etcd_kv *kv);

#endif /* VGW_ETCD_PRIV_H */
