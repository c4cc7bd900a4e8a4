/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cluster in the kernel (VNICGW_CMD_CLUSTER_SET / CLUSTER_GET, defined in
 * kmod/include/uapi/linux/vnicgw.h): which hosts are live, their underlay
 * addresses, and which of them this namespace is. The kernel builds the flow
 * owner table from the member ids with the same code as owner.c, so
 * vgw_cluster_fingerprint() here equals the FINGERPRINT the kernel reports
 * for the same set.
 *
 * Also the member keys' value in etcd (store.h: PREFIX/members/<id>):
 * {"id": ..., "pid": ..., "addr": ...}, where "addr" is the host's underlay
 * address (absent from agents that were given none).
 */
#ifndef VGW_CLUSTER_NL_H
#define VGW_CLUSTER_NL_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/vnicgw.h>

#include "state.h"
#include "vgw.h"

struct nl_msg;
struct nlattr;
struct vgw_store;

/*
 * Room for ids longer than the kernel takes (VNICGW_MEMBER_ID_MAX) and
 * addresses of any length, so that a test can send what the kernel must
 * refuse; vgw_cluster_check() holds the rules.
 */
#define VGW_CLUSTER_ID_LEN	128
#define VGW_CLUSTER_ADDR_LEN	32

#define VGW_MEMBER_TABLE_LEN	48
struct vgw_cluster_member {
	char id[VGW_CLUSTER_ID_LEN];
	uint8_t addr[VGW_CLUSTER_ADDR_LEN];	/* network order */
	unsigned int addr_len;			/* 4, 16; 0: none */
	/*
	 * Userspace only: the owner table its agent builds, as its member
	 * key says (vgw_owner_table_name()); "": not said (an older agent).
	 */
	char table[VGW_MEMBER_TABLE_LEN];
};

/* A key of the members' messages (vgw/auth.h): "ID:32 hex digits" as text. */
struct vgw_cluster_key {
	uint8_t id;				/* 1-255 */
	uint8_t secret[VNICGW_KEY_LEN];		/* CLUSTER_GET: zeros */
};

struct vgw_cluster {
	char self[VGW_CLUSTER_ID_LEN];		/* "": not a member */
	uint32_t size;				/* 0: not sent (the default) */
	/* 0: not sent (the kernel's default, 1); else 1..MAX_BACKUPS */
	unsigned int backups;
	struct vgw_cluster_member *members;	/* malloc'd; any order */
	unsigned int n;
	/*
	 * keys[0] signs. SET: no keys keeps the kernel's, unless @clear_keys
	 * (then the messages go unauthenticated).
	 */
	struct vgw_cluster_key keys[VNICGW_CLUSTER_MAX_KEYS];
	unsigned int n_keys;
	bool clear_keys;
	/*
	 * With keys: take unsigned messages too (turning authentication on
	 * in a running cluster). Sent with the keys; CLUSTER_GET reports it.
	 */
	bool accept_unsigned;
	/* CLUSTER_GET only. */
	bool has_fingerprint;
	uint64_t fingerprint;
	uint64_t epoch;
	uint64_t counters[__VNICGW_CLUSTER_COUNTER_MAX];
};

void vgw_cluster_free(struct vgw_cluster *cl);
/* Append a member (id, address or NULL). 0 or -ENOMEM / -EINVAL (too long). */
int vgw_cluster_add(struct vgw_cluster *cl, const char *id,
		    const struct vgw_addr *addr);
/*
 * The keys as text (cluster_keys.c, which needs no libnl):
 * "ID:HEX" (ID 1-255, HEX 32 hex digits) into @k. 0, or -EINVAL with a
 * message that does not repeat the secret.
 */
int vgw_cluster_key_parse(const char *text, struct vgw_cluster_key *k,
			  char *err, size_t errlen);
/* Append a key: 0, or -EINVAL if there are VNICGW_CLUSTER_MAX_KEYS already. */
int vgw_cluster_add_key(struct vgw_cluster *cl, const struct vgw_cluster_key *k);

/*
 * A list of keys as text, as in a key file or the etcd value
 * PREFIX/cluster/keys (store.h): one "ID:SECRET" a line, the first signs;
 * blank lines and everything from a '#' on are skipped. 1 to
 * VNICGW_CLUSTER_MAX_KEYS keys with distinct ids. @name says where the text
 * is from: messages are "NAME, line N: ..." and never repeat a secret.
 * 0, or -EINVAL (-ENOMEM) with the message; @keys and *n are set only on
 * success. Every copy of the text made here is wiped.
 */
int vgw_cluster_keys_parse_text(const char *text, const char *name,
				struct vgw_cluster_key *keys, unsigned int *n,
				char *err, size_t errlen);
/*
 * The same from a file (at most VGW_CLUSTER_KEYS_FILE_MAX bytes), named by
 * its path in messages. 0, or -errno with the message.
 */
#define VGW_CLUSTER_KEYS_FILE_MAX	4096
int vgw_cluster_keys_read(const char *path, struct vgw_cluster_key *keys,
			  unsigned int *n, char *err, size_t errlen);
/*
 * The text of @n keys (lines "ID:SECRET", lowercase hex) into @buf of
 * @len bytes (VGW_CLUSTER_KEYS_TEXT_MAX suffices). 0, or -ENOSPC.
 */
#define VGW_CLUSTER_KEYS_TEXT_MAX	(VNICGW_CLUSTER_MAX_KEYS * 40 + 1)
int vgw_cluster_keys_text(const struct vgw_cluster_key *keys, unsigned int n,
			  char *buf, size_t len);
/* The ids, the signing one first: "2 (signs), 1"; "none" for no key. */
void vgw_cluster_keys_ids(const struct vgw_cluster_key *keys, unsigned int n,
			  char *buf, size_t len);
/* A new key @id with 16 bytes from getrandom(). 0 or -errno. */
int vgw_cluster_key_random(struct vgw_cluster_key *k, uint8_t id);
/* A member's address as a struct vgw_addr: 0, or -EINVAL if not 4/16 bytes. */
int vgw_cluster_member_addr(const struct vgw_cluster_member *m,
			    struct vgw_addr *a);
/* "10.0.0.1", "fd00::1", "none", or hex bytes for another length. */
const char *vgw_cluster_addr_str(const struct vgw_cluster_member *m,
				 char *buf, size_t len);
/* Sort the members by id (strcmp, the owner table's order). */
void vgw_cluster_sort(struct vgw_cluster *cl);

/*
 * The kernel's rules, checked here: 0..VNICGW_CLUSTER_MAX_MEMBERS members
 * with valid, distinct ids and 4- or 16-byte addresses, self one of them
 * (and no self without members), a size that is 0 or a prime in
 * [members, VNICGW_CLUSTER_MAX_SIZE], backups 0 (the default) or 1 to
 * VNICGW_CLUSTER_MAX_BACKUPS, at most VNICGW_CLUSTER_MAX_KEYS keys
 * with distinct ids from 1 to 255. 0 or -EINVAL with a message naming the
 * field.
 */
int vgw_cluster_check(const struct vgw_cluster *cl, char *err, size_t errlen);

/* Name and meaning of cluster counter @i, or NULL. */
const char *vgw_cluster_counter_name(unsigned int i);
const char *vgw_cluster_counter_help(unsigned int i);

/*
 * The owner table of @cl's member ids (size: cl->size, or the default), with
 * cl->backups backups (or 1), as the kernel builds it: its fingerprint, and, if @slots is not
 * NULL, each member's slot count (in @cl's order, cl->n entries). 0 for no
 * members (fingerprint 0), or -EINVAL / -ENOMEM.
 */
int vgw_cluster_fingerprint(const struct vgw_cluster *cl, uint64_t *fp,
			    unsigned int *slots);

/* Netlink: the VNICGW_A_CLUSTER nest of a request. 0 or -EMSGSIZE. */
int vgw_cluster_put(struct nl_msg *msg, const struct vgw_cluster *cl);
/*
 * Decode a VNICGW_A_CLUSTER nest (as CLUSTER_GET replies) into @cl (freed
 * and refilled). 0, -ENOMEM, or -EPROTO with a message naming the attribute.
 */
int vgw_cluster_decode(struct nlattr *nest, struct vgw_cluster *cl,
		       char *err, size_t errlen);

/* The requests. On a refusal vgw_errmsg() has the kernel's message. */
int vgw_cluster_set(struct vgw_client *c, const struct vgw_cluster *cl);
int vgw_cluster_get(struct vgw_client *c, struct vgw_cluster *cl);

/*
 * The member key's value: {"id": ID, "pid": PID[, "addr": ADDR][, "table":
 * TABLE]} (@addr NULL or family 0: no "addr"; @table NULL: no "table").
 * malloc'd, or NULL.
 */
char *vgw_member_value(const char *id, int pid, const struct vgw_addr *addr,
		       const char *table);
/*
 * Parse a member key's value: its "addr" into @addr (family 0 if there is
 * none), its "table" into @table (@tlen bytes, "" if there is none or it is
 * not a string that fits; @table may be NULL). 0, or -EINVAL with a message
 * (not JSON, "addr" not an address).
 */
int vgw_member_value_parse(const char *value, size_t len,
			   struct vgw_addr *addr, char *table, size_t tlen,
			   char *err, size_t errlen);
/*
 * The live members of a store copy (the ids of vgw_store_members(), sorted)
 * with the address each value holds (none when the value has no valid one;
 * the message of the first bad value in @err, if any). 0 or -ENOMEM.
 */
int vgw_store_cluster(const struct vgw_store *s, struct vgw_cluster *cl,
		      char *err, size_t errlen);

#endif /* VGW_CLUSTER_NL_H */
