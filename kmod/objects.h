/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The objects of the desired-state document (user/lib/state.h) as the
 * kernel holds them, and the operations every object type provides.
 *
 * All objects are immutable once published (snap.h). A transaction replaces
 * an object by a new one with the same id; references are ids.
 */
#ifndef _VGW_OBJECTS_H
#define _VGW_OBJECTS_H

#include "lpm.h"
#include "nlattr.h"
#include "rules.h"
#include "snap.h"

/* Bounds of the lists inside one object, as the document's validator has. */
#define VGW_MAX_VCN_CIDRS	16
#define VGW_MAX_SUBNET_SLS	5
#define VGW_MAX_VNIC_NSGS	5
#define VGW_MAX_PRIVATE_IPS	64
#define VGW_MAX_VIPS		16
#define VGW_MAX_SERVICES	64
#define VGW_MAX_SERVICE_PFXS	256
#define VGW_MAX_SEC_RULES	1024
/* Route tables may be large (VNICGW_RT_RULES_MAX, set in pieces). */

struct vgw_vcn {
	struct vgw_obj o;
	char idbuf[VNICGW_ID_MAX];
	u32 index;				/* stable, nonzero */
	u8 n_cidrs;
	struct vgw_pfx cidrs[];
};

struct vgw_subnet {
	struct vgw_obj o;
	char idbuf[VNICGW_ID_MAX];
	char vcn[VNICGW_ID_MAX];
	struct vgw_pfx cidr;
	char rt[VNICGW_ID_MAX];			/* "": none */
	u64 vcn_hash, rt_hash;			/* their vgw_obj_hash() */
	u8 n_sls;
	char sls[][VNICGW_ID_MAX];
};

enum { VGW_DST_CIDR, VGW_DST_SERVICE };
enum { VGW_TARGET_GW, VGW_TARGET_IP };

struct vgw_route {
	u8 dst_kind;
	u8 target_kind;
	struct vgw_pfx dst;			/* VGW_DST_CIDR */
	char service[VNICGW_ID_MAX];		/* VGW_DST_SERVICE */
	char gw[VNICGW_ID_MAX];			/* VGW_TARGET_GW */
	u64 gw_hash;				/* its vgw_obj_hash() */
	struct vgw_ip ip;			/* VGW_TARGET_IP */
};

struct vgw_rt {
	struct vgw_obj o;
	char idbuf[VNICGW_ID_MAX];
	char vcn[VNICGW_ID_MAX];
	/* Destination → index in @rules; service labels expanded. */
	struct vgw_lpm *lpm;
	u32 n_rules;
	/*
	 * Room in @rules. Appends (VNICGW_RT_APPEND) grow a table in place
	 * while it belongs to the open transaction only, never once published.
	 */
	u32 cap;
	struct vgw_route *rules;		/* its own allocation */
};

struct vgw_secrule {
	struct vgw_pfx peer;			/* peer_nsg[0] == 0 */
	char peer_nsg[VNICGW_ID_MAX];		/* "": a prefix peer */
	u16 proto;				/* VNICGW_PROTO_ALL: all */
	u16 sport_lo, sport_hi, dport_lo, dport_hi;
	s16 icmp_type, icmp_code;		/* -1: any */
	bool stateless;
};

/* A security list or an NSG (o.type tells which). */
struct vgw_seclist {
	struct vgw_obj o;
	char idbuf[VNICGW_ID_MAX];
	char vcn[VNICGW_ID_MAX];
	u32 nsg_index;				/* NSGs: stable, nonzero */
	u16 n_in, n_out;
	struct vgw_secrule rules[];		/* ingress, then egress */
};

struct vgw_service {
	char name[VNICGW_ID_MAX];
	u16 n_pfxs;
	struct vgw_pfx *pfxs;
};

/*
 * tx.c: the cached underlay route to one peer (struct dst_cache and the
 * addresses it is for). A VNIC's lives in its runtime state (one, for its
 * NVD); a gateway's in the object, by the VIP the packets arrived on.
 */
struct vgw_txc;
#define VGW_GW_TXC		4
/* Free the caches in @slots: nothing can reach them any more. */
void vgw_txc_free(struct vgw_txc __rcu **slots, unsigned int n);

struct vgw_gw {
	struct vgw_obj o;
	char idbuf[VNICGW_ID_MAX];
	char vcn[VNICGW_ID_MAX];
	u64 vcn_hash;				/* its vgw_obj_hash() */
	u8 gw_type;				/* enum vnicgw_gw_type */
	u8 encap;				/* enum vnicgw_encap */
	bool enabled;
	u32 vni;
	struct vgw_ip public_ip;		/* NAT gateways */
	struct vgw_ip underlay;
	u16 n_services;
	struct vgw_service *services;		/* in the same allocation */
	struct vgw_txc __rcu *txc[VGW_GW_TXC];	/* filled by the packet path */
};

struct vgw_vip {
	struct vgw_ip ip;
	const char *target;			/* a gateway id; NULL: route */
};

/*
 * VNICs are the many objects (100k and more): everything variable, the ids
 * included, sits in one exact-size allocation.
 */
struct vgw_vnic {
	struct vgw_obj o;
	const char *subnet;
	u64 subnet_hash;			/* its vgw_obj_hash() */
	u8 mac[ETH_ALEN];
	bool skip_sdc;
	u8 mv_encap;
	u8 n_ips, n_vips, n_nsgs;
	u32 mv_vni;
	u32 ct_limit;
	u32 vcn_index;				/* of its subnet's VCN */
	u64 policy;				/* key of its compiled policy */
	struct vgw_vnic_rt *rt;			/* counters; shared by versions */
	struct vgw_ip mv_nvd;
	struct vgw_ip public_ip;		/* family 0: none */
	struct vgw_ip *ips;			/* [0] is the primary */
	struct vgw_vip *vips;
	char (*nsgs)[VNICGW_ID_MAX];		/* sorted */
	u32 *nsg_index;				/* the NSGs' indexes, sorted */
	/* the arrays above point here */
	u8 data[] __aligned(8);
};

/*
 * A VNIC's runtime state: what must outlive each version of the VNIC object
 * (the counters, the count of tracked connections). Created with the VNIC,
 * handed from version to version, freed after a grace period when the VNIC
 * is deleted.
 */
struct vgw_vnic_pcpu {
	u64 in_packets, in_bytes, out_packets, out_bytes;
	u64 drops[__VNICGW_DROP_MAX];
	struct u64_stats_sync syncp;
};

struct vgw_vnic_rt {
	struct vgw_vnic_pcpu __percpu *pcpu;
	atomic_t ct_count;			/* tracked connections */
	atomic_t nat_count;			/* its NAT gateway mappings */
	/* The VNIC holds one reference, each tracked connection and mapping one. */
	refcount_t ref;
	bool dead;				/* the VNIC is deleted */
	/* The route to its NVD; filled by the packet path, kept by versions. */
	struct vgw_txc __rcu *txc;
};

struct vgw_vnic_rt *vgw_vnic_rt_new(void);
void vgw_vnic_rt_put(struct vgw_vnic_rt *rt);
void vgw_vnics_free_rt(const struct vgw_snap *s);
/* The VNIC lets go of its runtime state (it is deleted). */
void vgw_vnic_rt_free(void *rt);

/* What each object type provides. */
struct vgw_obj_type {
	const char *name;			/* "vcn" */
	int nest;				/* VNICGW_A_VCN, ... */
	const struct nla_policy *policy;
	unsigned int maxattr;
	/* A new object from its attributes; ERR_PTR with the extack set. */
	struct vgw_obj *(*parse)(struct nlattr **tb,
				 struct netlink_ext_ack *extack);
	/*
	 * At commit: check @obj against the transaction's final snapshot, in
	 * which @old (the published object it replaces, or NULL) is no longer
	 * in any secondary index, and add @obj to the secondary indexes. @obj
	 * is not published yet: link may fill its derived fields. Optional.
	 */
	int (*link)(struct vgw_txn *t, const struct vgw_obj *obj,
		    const struct vgw_obj *old, struct netlink_ext_ack *extack);
	/* Remove @obj from the secondary indexes. Optional. */
	int (*unlink)(struct vgw_txn *t, const struct vgw_obj *obj);
	/* At commit: refuse deleting @obj while something uses it. Optional. */
	int (*in_use)(const struct vgw_snap *s, const struct vgw_obj *obj,
		      struct netlink_ext_ack *extack);
	int (*fill)(struct sk_buff *skb, const struct vgw_obj *obj);
	/*
	 * Optional, for objects that may exceed one message (route tables):
	 * fill from list item *@from on, and advance it. 0 when the rest of
	 * the object fit; 1 when only some items did (the rest goes in the
	 * next message); -EMSGSIZE when none did.
	 */
	int (*fill_part)(struct sk_buff *skb, const struct vgw_obj *obj,
			 u32 *from);
	void (*free)(struct vgw_obj *obj);
};

extern const struct vgw_obj_type *const vgw_obj_types[__VNICGW_OBJ_MAX];
extern const struct vgw_obj_type vgw_vcn_type, vgw_subnet_type, vgw_rt_type,
	vgw_seclist_type, vgw_nsg_type, vgw_gw_type, vgw_vnic_type;

static inline void vgw_obj_init(struct vgw_obj *o, u8 type)
{
	o->type = type;
	o->hash = vgw_obj_hash(type, o->id);
}

/* Call @fn for every object of @type in @s; stops at a non-zero return. */
int vgw_snap_for_each(const struct vgw_snap *s, u8 type,
		      int (*fn)(const struct vgw_obj *o, void *arg), void *arg);

/* The object @id of @type that the rule of @what requires, in VCN @vcn. */
int vgw_ref_check(const struct vgw_snap *s, u8 type, const char *id,
		  const char *vcn, const char *what,
		  struct netlink_ext_ack *extack);

/*
 * Put @obj in place of the object with its id, which has the same secondary
 * keys (a derived rebuild, such as a route table's LPM). Takes @obj.
 */
int vgw_txn_replace(struct vgw_txn *t, struct vgw_obj *obj);

/* At commit: the checks and secondary indexes of everything touched. */
int vgw_txn_check(struct vgw_txn *t, struct netlink_ext_ack *extack);
/* Was (@type, @id) set or deleted in @t? */
bool vgw_txn_touched(const struct vgw_txn *t, u8 type, const char *id);
/*
 * The objects @t added, changed or removed, as VNICGW_CHANGE items in
 * @skb's open nest: the first @max that fit; returns how many there are.
 */
u32 vgw_txn_changes(const struct vgw_txn *t, struct sk_buff *skb, u32 max);

/* Retire an object replaced or deleted in @t. */
int vgw_obj_retire(struct vgw_txn *t, const struct vgw_obj *o);

/* policy.c: compiled security policies shared by VNICs. */
u64 vgw_policy_key(const struct vgw_vnic *v);
/*
 * vnicctl trace: the first rule of @v's lists (its subnet's security
 * lists, then its NSGs), in this direction, stateless or not, that matches
 * @p; false if none does. Under rcu_read_lock().
 */
bool vgw_policy_which(const struct vgw_snap *s, const struct vgw_vnic *v,
		      bool ingress, bool stateless,
		      const struct vgw_rule_pkt *p,
		      const struct vgw_seclist **list, u32 *index);
int vgw_policy_get(struct vgw_txn *t, const struct vgw_vnic *v,
		   struct netlink_ext_ack *extack);
int vgw_policy_put(struct vgw_txn *t, const struct vgw_vnic *v);
int vgw_policies_refresh(struct vgw_txn *t, struct netlink_ext_ack *extack);
void vgw_policies_destroy(struct vgw_snap *s);

/* Packet-path lookups (vnic.c, policy.c), under rcu_read_lock(). */
const struct vgw_vnic *vgw_vnic_by_ip(const struct vgw_snap *s, u32 vcn_index,
				      const struct vgw_ip *ip);
const struct vgw_vnic *vgw_vnic_by_pub(const struct vgw_snap *s,
				       const struct vgw_ip *ip);

struct vgw_policy {
	u64 key;
	u64 edit;		/* the edit that may change @users in place */
	u32 users;		/* VNICs with these inputs */
	/* Compiled from the subnet's lists and the NSGs; NULL until commit. */
	struct vgw_ruleset *in, *out;
	u8 n_nsgs;
	char subnet[VNICGW_ID_MAX];
	char nsgs[VGW_MAX_VNIC_NSGS][VNICGW_ID_MAX];
};

const struct vgw_policy *vgw_policy_of(const struct vgw_snap *s,
				       const struct vgw_vnic *v);

/* Is @p inside one of the VCN's CIDRs? */
bool vgw_vcn_covers(const struct vgw_vcn *v, const struct vgw_pfx *p);

/* Secondary indexes (vnic.c, gateway.c). */
struct vgw_attach_key {
	struct vgw_ip vip;			/* family 0: a gateway VNI */
	u32 vni;
};
u64 vgw_attach_hash(const struct vgw_attach_key *k);
bool vgw_attach_eq(const void *val, const void *key);

/*
 * route.c: add the rules of @tb (a VNICGW_A_ROUTE_TABLE nest with
 * VNICGW_RT_APPEND) to the table of the same id set earlier in @t.
 */
int vgw_rt_append(struct vgw_txn *t, struct nlattr **tb,
		  struct netlink_ext_ack *extack);

/*
 * seclist.c: add the rules of @tb (a VNICGW_A_SECLIST or VNICGW_A_NSG nest
 * with VNICGW_SECLIST_APPEND) to the list of the same id set earlier in the
 * open transaction. Under vn->lock.
 */
int vgw_sl_append(struct vgw_net *vn, u8 type, struct nlattr **tb,
		  struct netlink_ext_ack *extack);

/* route.c: rebuild the route tables that use service gateway @gw. */
int vgw_rt_refresh_for_gw(struct vgw_txn *t, const char *gw,
			  struct netlink_ext_ack *extack);

/* objects.c: the netlink face of the tables. */
/* The object's nest, whole: 0 or -EMSGSIZE. */
int vgw_obj_fill(struct sk_buff *skb, const struct vgw_obj *o);
/*
 * The object's nest from list item *@from on (vgw_obj_type.fill_part):
 * 0 when it ends in this message, 1 when it goes on in the next (*@from
 * advanced), -EMSGSIZE when nothing fit (the nest is cancelled).
 */
int vgw_obj_fill_part(struct sk_buff *skb, const struct vgw_obj *o, u32 *from);

#endif /* _VGW_OBJECTS_H */
