/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cluster: which host owns each stateful flow, and the traffic between
 * hosts that follows from it (README.md, "What works today").
 *
 * The agent sets the live members (CLUSTER_SET); the module builds the
 * owner and backup tables by rendezvous hashing (vgw/owner.h) and publishes
 * them with one rcu_assign_pointer(). The packet path asks who owns a flow:
 *   - the flow's hash is the symmetric hash of its canonical key in the
 *     VCN's private address space, before any NAT (vgw/flow.h): both
 *     directions, on any host, give the same owner without looking at state;
 *   - a NAT gateway's reply is owned by the host whose slot its public port
 *     falls in; the owner allocates ports only from its own slots;
 *   - a host that does not own a flow hands the packet to the owner
 *     (vgw/cluster_wire.h), which processes it as received.
 * State: each connection entry also lives at the flow's backups (the next
 * one or two members of its slot's list), sent when it opens or changes
 * state and refreshed by the entries' sweep; when the table changes every
 * host sends the entries it holds to their new owners and backups (twice: a
 * host takes a record only for a flow it owns or backs up, and a member
 * that learns of the change late refuses the first), and a host that has
 * just become a member asks the others for its state. A crash loses no
 * connection: the backup is the new owner (two crashes, with two backups).
 * A join or a drain loses none: state follows the table.
 *
 * Without members (the default) the host is standalone: it owns everything.
 */
#ifndef _VGW_CLUSTER_H
#define _VGW_CLUSTER_H

#include <linux/rcupdate.h>
#include <linux/workqueue.h>
#include <vgw/cluster_wire.h>

#include "nlattr.h"

struct genl_info;
struct sk_buff;
struct vgw_net;
struct vgw_pkt;

struct vgw_member {
	char id[VNICGW_MEMBER_ID_MAX + 1];
	struct vgw_ip addr;
};

struct vgw_auth_key {
	u8 id;
	u8 secret[VNICGW_KEY_LEN];
};

/*
 * What this host took from one sender (auth.c): the sequence numbers it
 * saw, in a window below the highest. Shared from one cluster to the next
 * for the same address, so that a member set change opens no gap for a
 * replay; freed with the last cluster that knows the address.
 */
struct vgw_replay;

/* A host whose messages may be taken: a member, or one a moment ago. */
struct vgw_cluster_peer {
	struct vgw_ip addr;
	struct vgw_replay *replay;
};

struct vgw_cluster {
	u32 n;				/* members, sorted by id */
	u32 size;			/* owner table slots (prime) */
	u16 self;			/* VGW_OWNER_NONE: not a member */
	u8 n_backups;			/* VNICGW_CLUSTER_BACKUPS */
	u64 epoch;
	u64 fingerprint;
	struct vgw_member *members;
	u16 *owner;			/* [size] member indexes */
	/* [size] the first backups, then the second (n_backups == 2) */
	u16 *backup, *backup2;
	/*
	 * The members and the previous set's (a drained host's last words
	 * count), each address once.
	 */
	struct vgw_cluster_peer *peers;
	u32 n_peers;
	/* keys[0] signs; any of them is accepted. None: no authentication. */
	u8 n_keys;
	bool keys_given;		/* CLUSTER_SET had VNICGW_CLUSTER_KEYS */
	bool accept_unsigned;		/* VNICGW_CLUSTER_ACCEPT_UNSIGNED */
	struct vgw_auth_key keys[VNICGW_CLUSTER_MAX_KEYS];
	/*
	 * This host's own underlay address, where the others send it
	 * handoffs and state: its member address; when it is no member any
	 * more (draining, standalone), the one it had; family 0: it never
	 * was one.
	 */
	struct vgw_ip addr;
	struct rcu_head rcu;
};

/*
 * Per namespace. At exit, vgw_cluster_net_stop() first (the resync work is
 * done and cannot be queued again), then every other worker that reads the
 * cluster stops (the collectors: vgw_ct_net_stop(), vgw_nat_net_stop()),
 * then vgw_cluster_net_exit() unpublishes it and frees it after a grace
 * period.
 */
int vgw_cluster_net_init(struct vgw_net *vn);
void vgw_cluster_net_stop(struct vgw_net *vn);
void vgw_cluster_net_exit(struct vgw_net *vn);

/* Netlink: CLUSTER_SET and CLUSTER_GET. */
int vgw_cluster_nl_set(struct vgw_net *vn, struct genl_info *info);
int vgw_cluster_fill(struct sk_buff *msg, struct vgw_net *vn);

/* Packet path, under rcu_read_lock(). */
static inline const struct vgw_cluster *vgw_cluster_get(const struct vgw_net *vn);

void vgw_cluster_count(struct vgw_net *vn, enum vnicgw_cluster_counter which,
		       unsigned int n);

/* The member owning slot of @hash, or NULL when this host owns it. */
const struct vgw_member *vgw_cluster_owner(const struct vgw_cluster *c,
					   u32 hash);
/* The member ids of @hash's owner and backup (NULL: none; standalone). */
void vgw_cluster_roles(const struct vgw_cluster *c, u32 hash,
		       const char **owner, const char **backup);
/*
 * The member ids of @hash's owner and backup as @owner_attr and
 * @backup_attr (vnicctl conntrack); nothing when standalone. 0 or -EMSGSIZE.
 */
int vgw_cluster_put_roles(struct sk_buff *skb, const struct vgw_cluster *c,
			  u32 hash, int owner_attr, int backup_attr);
/*
 * Hand @p (as received, its inner frame untouched) to @owner. Consumes the
 * packet; counted.
 */
void vgw_cluster_handoff(struct vgw_pkt *p, const struct vgw_member *owner);
/*
 * Why a handoff to @owner would be dropped before it is sent, or 0 with
 * @src the address it goes from (NULL: routing picks). vgw_cluster_handoff()
 * checks with it, and so does a trace, which does not foresee the send's
 * own failures (no route, the MTU).
 */
int vgw_cluster_handoff_refused(const struct vgw_cluster *c,
				const struct vgw_member *owner,
				const struct vgw_ip **src);
/*
 * The authentication option of a received message, as rx.c found it:
 * offsets from skb->data (the UDP header).
 */
struct vgw_auth_seen {
	bool present;
	u8 key_id;
	u32 time;
	u64 seq;
	u8 tag[8];
	unsigned int from;		/* the Geneve header */
	unsigned int tag_off;		/* the tag in the option */
};

/*
 * A handoff or state message arrived in @skb from outer @src to outer @dst:
 * -1 if it may be taken, else the drop reason. Taken only from another
 * member (now or just before), over the underlay (not from this host: not
 * over loopback, not from one of its own addresses), addressed to this
 * host's own underlay address, and, when the cluster has keys, with a
 * valid tag, fresh, and not seen before (@a; auth.c).
 */
int vgw_cluster_untrusted(struct vgw_net *vn, struct sk_buff *skb,
			  const struct vgw_ip *src, const struct vgw_ip *dst,
			  const struct vgw_auth_seen *a);
/*
 * Whether this host owns or backs up the slot of any of @hashes (standalone,
 * it owns all; no member, none).
 */
bool vgw_cluster_holds(const struct vgw_cluster *c, const u32 *hashes,
		       unsigned int n_hashes);
/*
 * A state message (vgw_cluster_untrusted() said yes) from @src; @payload
 * holds @count records. Consumes skb.
 */
/*
 * A member asked for the state of its flows (VGW_STATE_F_ASK, checked as
 * any member's message): a resync, at most one a second.
 */
void vgw_cluster_asked(struct vgw_net *vn);
void vgw_state_rx(struct vgw_net *vn, struct sk_buff *skb,
		  const struct vgw_ip *src, unsigned int count);

/*
 * The hash that decides who owns a NAT gateway's public (address, port):
 * the same on every host.
 */
u32 vgw_nat_port_hash(const struct vgw_ip *pub, u16 port, u8 proto);

/*
 * Sending state. A batch gathers records per destination and sends them
 * VGW_STATE_PER_MSG at a time; the destinations of a record are the owners
 * and backups of its hashes (one or two: a NAT mapping also has its port's),
 * this host left out. Callers hold rcu_read_lock() and have BHs disabled.
 */
struct vgw_state_batch {
	struct vgw_net *vn;
	const struct vgw_cluster *c;
	struct sk_buff **pending;	/* [c->n], or NULL: one record each */
	unsigned int sent;		/* records */
};

void vgw_state_batch_init(struct vgw_state_batch *b, struct vgw_net *vn,
			  const struct vgw_cluster *c, gfp_t gfp);
void vgw_state_add(struct vgw_state_batch *b, const struct vgw_state_rec *r,
		   const u32 *hashes, unsigned int n_hashes);
void vgw_state_flush(struct vgw_state_batch *b);

/* One record now, from the packet path (a new or changed connection). */
void vgw_state_send(struct vgw_net *vn, const struct vgw_state_rec *r,
		    const u32 *hashes, unsigned int n_hashes);

/* Whether state needs sending at all (a cluster with other members). */
static inline bool vgw_cluster_shares(const struct vgw_cluster *c)
{
	return c && c->n > 1;
}

/* auth.c */
struct vgw_replay *vgw_replay_new(void);
struct vgw_replay *vgw_replay_get(struct vgw_replay *r);
void vgw_replay_put(struct vgw_replay *r);
/* -1 if @skb's tag, clock and sequence number hold (see above), else why not. */
int vgw_auth_check(struct vgw_net *vn, const struct vgw_cluster *c,
		   const struct vgw_cluster_peer *from, struct sk_buff *skb,
		   const struct vgw_auth_seen *a, const struct vgw_ip *src,
		   const struct vgw_ip *dst);
/*
 * Room for the option in front of a message's payload: push it there
 * before the message's own option (it comes last).
 */
#define VGW_AUTH_OPT_BYTES	(VGW_GENEVE_OPT_HLEN + sizeof(struct vgw_auth_opt))
void vgw_auth_push(struct sk_buff *skb);
/*
 * Sign the message in @skb (data at its Geneve header, whose options end
 * with the one vgw_auth_push() made) from @src to @dst.
 */
void vgw_auth_sign(struct vgw_net *vn, const struct vgw_cluster *c,
		   struct sk_buff *skb, const struct vgw_ip *src,
		   const struct vgw_ip *dst);
void vgw_auth_net_init(struct vgw_net *vn);

#include "vnicgw.h"

static inline const struct vgw_cluster *vgw_cluster_get(const struct vgw_net *vn)
{
	return rcu_dereference(vn->cluster);
}

/* conntrack.c, nat.c: every entry to @b (after a table change). */
void vgw_ct_resync(struct vgw_net *vn, struct vgw_state_batch *b);
void vgw_nat_resync(struct vgw_net *vn, struct vgw_state_batch *b);
/*
 * conntrack.c: the record of @vnic's entry for the canonical key @k, if it
 * is tracked (true). Under rcu_read_lock().
 */
bool vgw_ct_record_of(struct vgw_net *vn, u64 vnic, const struct vgw_flow_key *k,
		      struct vgw_state_rec *r);
/*
 * conntrack.c, nat.c: apply a received record if it is valid, of a flow
 * this host owns or backs up in @c, and within the limits a local
 * connection has; true if applied (created or refreshed).
 */
bool vgw_ct_apply(struct vgw_net *vn, const struct vgw_cluster *c,
		  const struct vgw_state_rec *r);
bool vgw_nat_apply(struct vgw_net *vn, const struct vgw_cluster *c,
		   const struct vgw_state_rec *r);
/*
 * nat.c: a live mapping of @vnic's connection @k (canonical key) whose
 * public port this host owns or backs up in @c. (Its tracking entry goes
 * where the mapping goes: see nat_resync_ct().)
 */
bool vgw_nat_holds_flow(struct vgw_net *vn, const struct vgw_cluster *c,
			u64 vnic, const struct vgw_flow_key *k);

#endif /* _VGW_CLUSTER_H */
