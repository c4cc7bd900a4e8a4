/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The connection tracker's entries and the NAT gateway's mappings, as the
 * module lists them (VNICGW_CMD_CT_GET, NAT_GET) and deletes them (CT_DEL,
 * NAT_DEL). Listing streams: each entry is handed to a callback as its
 * message arrives, so a million entries need no million-entry array.
 */
#ifndef VGW_CONNTRACK_H
#define VGW_CONNTRACK_H

#include <stdint.h>

#include <linux/vnicgw.h>

#include "vgw.h"

struct vgw_ct {
	char vnic[64];
	uint8_t proto;			/* IP protocol */
	int family;			/* AF_INET, AF_INET6 */
	uint8_t src[16], dst[16];	/* as the first packet went */
	uint16_t sport, dport;		/* ICMP echo: the identifier */
	uint8_t state;			/* enum vnicgw_ct_state */
	uint32_t expires;		/* seconds */
	uint64_t orig_packets, orig_bytes, reply_packets, reply_bytes;
	char owner[64], backup[64];	/* "" when standalone */
};

struct vgw_nat {
	char vnic[64];			/* "" for a VNIC not known here */
	uint8_t proto;
	int family;
	uint8_t priv[16], pub[16], remote[16];
	uint16_t priv_port, pub_port, remote_port;
	uint8_t state;			/* enum vnicgw_ct_state */
	uint32_t expires;
	char owner[64], backup[64];	/* the flow's */
	char port_owner[64], port_backup[64];	/* the public port's */
};

/*
 * Every entry (of @vnic only, when not NULL), one call of @cb each; @cb
 * returning non-zero stops the listing (the rest is read and dropped) and
 * is returned. 0, a negative errno, or @cb's value; -EINTR: the table was
 * resized during the listing, which started over (entries may have come
 * twice).
 */
int vgw_ct_list(struct vgw_client *c, const char *vnic,
		int (*cb)(const struct vgw_ct *e, void *arg), void *arg);
int vgw_nat_list(struct vgw_client *c, const char *vnic,
		 int (*cb)(const struct vgw_nat *e, void *arg), void *arg);
/* CT_DEL: @e's vnic, proto, family, src, dst, sport, dport. */
int vgw_ct_del(struct vgw_client *c, const struct vgw_ct *e);
/* NAT_DEL: @e's proto, family, pub, pub_port, remote, remote_port. */
int vgw_nat_del(struct vgw_client *c, const struct vgw_nat *e);

/* "new", "established", "closing"; "?" for another value. */
const char *vgw_ct_state_name(uint8_t state);
/* "tcp", "udp", "icmp", "icmpv6", else NULL. */
const char *vgw_proto_name(uint8_t proto);
/* A name of vgw_proto_name() or a number 0..255: 0, or -EINVAL. */
int vgw_proto_parse(const char *s, uint8_t *proto);

#endif /* VGW_CONNTRACK_H */
