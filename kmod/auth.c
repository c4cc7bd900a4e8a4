// SPDX-License-Identifier: GPL-2.0
/*
 * Authenticated cluster messages (vgw/cluster_wire.h, VGW_OPT_AUTH).
 *
 * When the agent gives the cluster keys, every handoff and state message
 * this host sends ends its options with VGW_OPT_AUTH: the id of the first
 * key, the wall clock in seconds, a sequence number and a SipHash-2-4 tag
 * (vgw/auth.h) over both outer addresses and the whole message. A message
 * is taken only:
 *   - with a tag that one of this host's keys (at most two: a change of
 *     keys loses nothing) reproduces; else dropped as cluster_auth, before
 *     anything else about it is believed;
 *   - with a clock within auth_max_skew seconds of this host's; else
 *     cluster_clock;
 *   - with a sequence number this host has not taken from that sender and
 *     not below the window under the highest it took; else cluster_replay.
 *
 * A host's sequence numbers grow by one per message, from its wall clock
 * in nanoseconds when its namespace was made. A host that restarts may
 * start lower than it ended (its clock was wrong then, or it sent more
 * messages than nanoseconds passed): the receiver takes such a number as a
 * restart, and starts the sender's window again, only when the message's
 * clock is two seconds later than that of every message it took from the
 * sender. A
 * recording cannot pass for that: a host signs its sequence numbers and
 * its clock in the same order, so every message it sent before has a clock
 * no later than the last one taken (counted: peer_restart). Nor is a
 * message signed more than two seconds before the latest one taken: that
 * closes the numbers of before a restart too.
 *
 * A receiver that restarts, or a new member, has no window yet for a
 * sender: it takes a recording younger than auth_max_skew once.
 *
 * While authentication is turned on in a running cluster, the keys may
 * accept unsigned messages (VNICGW_CLUSTER_ACCEPT_UNSIGNED, counted
 * unsigned_in): members that have the keys sign, and take the messages of
 * those that have none yet; a signed message must still be valid, and a
 * member once seen signing is never taken unsigned again.
 *
 * Not hidden: the messages are signed, not encrypted (the tenant frames
 * they carry crossed the same underlay in the clear before).
 */
#include <linux/module.h>
#include <linux/refcount.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>
#include <vgw/auth.h>

#include "cluster.h"
#include "compat.h"
#include "datapath.h"

#define AUTH_MAX_SKEW_MAX	86400

static unsigned int auth_max_skew = 60;

static int skew_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 0, AUTH_MAX_SKEW_MAX);
}

static const struct kernel_param_ops skew_ops = {
	.set = skew_set,
	.get = param_get_uint,
};

module_param_cb(auth_max_skew, &skew_ops, &auth_max_skew, 0644);
MODULE_PARM_DESC(auth_max_skew,
		 "seconds a cluster message's clock may differ from this host's (0: not checked; default 60, at most 86400)");

/* --- the replay window -------------------------------------------------------- */

/*
 * The sequence numbers taken from one sender: bit (seq % VGW_REPLAY_BITS)
 * of the ring stands for seq, for the numbers within VGW_REPLAY_SLACK
 * below @top. A host's CPUs and queues send in parallel and the underlay
 * may reorder: 8,128 numbers of slack (8 ms of a host's messages at a
 * million a second), 1 kB a sender.
 */
#define VGW_REPLAY_BITS		8192
#define VGW_REPLAY_WORDS	(VGW_REPLAY_BITS / 64)
#define VGW_REPLAY_SLACK	(VGW_REPLAY_BITS - 64)

struct vgw_replay {
	refcount_t ref;
	spinlock_t lock;
	u64 top;			/* the highest taken; 0: none yet */
	u32 top_time;			/* the latest clock among those taken */
	/*
	 * A valid signed message came from this sender: its unsigned ones
	 * are forgeries even while the keys accept unsigned messages.
	 */
	bool signed_seen;
	u64 ring[VGW_REPLAY_WORDS];
};

struct vgw_replay *vgw_replay_new(void)
{
	struct vgw_replay *r = kzalloc(sizeof(*r), GFP_KERNEL);

	if (r) {
		refcount_set(&r->ref, 1);
		spin_lock_init(&r->lock);
	}
	return r;
}

struct vgw_replay *vgw_replay_get(struct vgw_replay *r)
{
	refcount_inc(&r->ref);
	return r;
}

/*
 * From cluster_free(): after a grace period (no packet path reads the
 * cluster that held this reference), or for one never published.
 */
void vgw_replay_put(struct vgw_replay *r)
{
	if (r && refcount_dec_and_test(&r->ref))
		kfree(r);
}

enum { TAKEN, RESTART, REPLAYED };

/*
 * Take @seq, signed at @time, from this sender: TAKEN; RESTART (taken: the
 * sender started again lower, see above); REPLAYED (taken before, or below
 * the window).
 */
static int replay_take(struct vgw_replay *r, u64 seq, u32 time)
{
	u64 word = seq / 64, top_word, bit = 1ULL << (seq % 64), *w;
	int ret = TAKEN;

	spin_lock(&r->lock);
	/*
	 * Signed more than two seconds before the latest message taken: a
	 * recording (a host's own messages are at most that far out of
	 * order), whatever its number; after a restart, every message from
	 * before it.
	 */
	if (r->top_time && (s32)(r->top_time - time) > 2) {
		ret = REPLAYED;
		goto out;
	}
	if (seq > r->top) {
		/* Forward: the words between are new (all of them, at most). */
		top_word = r->top / 64;
		if (!r->top || word - top_word >= VGW_REPLAY_WORDS)
			memset(r->ring, 0, sizeof(r->ring));
		else
			while (top_word++ < word)
				r->ring[top_word % VGW_REPLAY_WORDS] = 0;
		r->top = seq;
	} else if ((s32)(time - r->top_time) > 1) {
		/*
		 * Lower, but signed later than anything taken: a restart.
		 * (Two seconds: a host's CPUs read the clock and take their
		 * numbers in parallel, in either order within a second.)
		 */
		memset(r->ring, 0, sizeof(r->ring));
		r->top = seq;
		ret = RESTART;
	} else if (r->top - seq >= VGW_REPLAY_SLACK) {
		ret = REPLAYED;		/* below the window */
		goto out;
	}
	w = &r->ring[word % VGW_REPLAY_WORDS];
	if (*w & bit) {
		ret = REPLAYED;
		goto out;
	}
	*w |= bit;
	if (!r->top_time || (s32)(time - r->top_time) > 0)
		r->top_time = time;
out:
	spin_unlock(&r->lock);
	return ret;
}

/* --- the tag ----------------------------------------------------------------- */

static void auth_addr(u8 out[VGW_AUTH_ADDR_LEN], const struct vgw_ip *ip)
{
	vgw_auth_addr(out, ip->family == AF_INET, ip->b);
}

/* Bytes [@from, @to) of @skb, wherever they are (head, pages, frag list). */
static void sip_skb(struct vgw_sip *s, struct sk_buff *skb,
		    unsigned int from, unsigned int to)
{
	struct skb_seq_state st;
	unsigned int done = 0, len;
	const u8 *data;

	if (from >= to)
		return;
	skb_prepare_seq_read(skb, from, to, &st);
	/* A block may run past @to: skb_seq_read() only starts within it. */
	while (done < to - from && (len = skb_seq_read(done, &data, &st))) {
		len = min(len, to - from - done);
		vgw_sip_update(s, data, len);
		done += len;
	}
	skb_abort_seq_read(&st);
}

/*
 * The tag of the message at @from in @skb (to its end) from @src to @dst,
 * its tag at @tag_off counted as zeros.
 */
static void skb_tag(const struct vgw_auth_key *k, struct sk_buff *skb,
		    unsigned int from, unsigned int tag_off,
		    const struct vgw_ip *src, const struct vgw_ip *dst,
		    u8 tag[8])
{
	u8 a[VGW_AUTH_ADDR_LEN], b[VGW_AUTH_ADDR_LEN];
	struct vgw_sip s;

	auth_addr(a, src);
	auth_addr(b, dst);
	vgw_auth_begin(&s, k->secret, a, b);
	sip_skb(&s, skb, from, tag_off);
	vgw_sip_zeros(&s, 8);
	sip_skb(&s, skb, tag_off + 8, skb->len);
	put_unaligned_le64(vgw_sip_final(&s), tag);
	memzero_explicit(&s, sizeof(s));
}

int vgw_auth_check(struct vgw_net *vn, const struct vgw_cluster *c,
		   const struct vgw_cluster_peer *from, struct sk_buff *skb,
		   const struct vgw_auth_seen *a, const struct vgw_ip *src,
		   const struct vgw_ip *dst)
{
	unsigned int max_skew = READ_ONCE(auth_max_skew);
	const struct vgw_auth_key *k = NULL;
	u8 tag[8];
	s32 skew;
	u8 i;

	if (!a->present) {
		/*
		 * During a rollout, from members that have no keys yet; a
		 * member seen signing has them: unsigned, it is forged.
		 */
		if (!c->accept_unsigned || READ_ONCE(from->replay->signed_seen))
			return VNICGW_DROP_CLUSTER_AUTH;
		vgw_cluster_count(vn, VNICGW_CLUSTER_UNSIGNED_IN, 1);
		return -1;
	}
	for (i = 0; i < c->n_keys && !k; i++)
		if (c->keys[i].id == a->key_id)
			k = &c->keys[i];
	if (!k)
		return VNICGW_DROP_CLUSTER_AUTH;
	skb_tag(k, skb, a->from, a->tag_off, src, dst, tag);
	/* In constant time: one difference of two words. */
	if (get_unaligned_le64(tag) ^ get_unaligned_le64(a->tag))
		return VNICGW_DROP_CLUSTER_AUTH;
	/* The sender's clock, mod 2^32 like the field: how far from ours. */
	skew = (s32)((u32)ktime_get_real_seconds() - a->time);
	if (max_skew && (skew > (s32)max_skew || skew < -(s32)max_skew))
		return VNICGW_DROP_CLUSTER_CLOCK;
	if (!READ_ONCE(from->replay->signed_seen))
		WRITE_ONCE(from->replay->signed_seen, true);
	switch (replay_take(from->replay, a->seq, a->time)) {
	case REPLAYED:
		return VNICGW_DROP_CLUSTER_REPLAY;
	case RESTART:
		vgw_cluster_count(vn, VNICGW_CLUSTER_PEER_RESTART, 1);
		break;
	}
	return -1;
}

/* --- sending ----------------------------------------------------------------- */

void vgw_auth_push(struct sk_buff *skb)
{
	struct vgw_auth_opt *ao = skb_push(skb, sizeof(*ao));
	struct vgw_geneve_opt *o;

	memset(ao, 0, sizeof(*ao));
	o = skb_push(skb, sizeof(*o));
	o->opt_class = htons(VGW_OPT_CLASS);
	o->type = VGW_OPT_AUTH;
	o->rsvd_len = sizeof(*ao) / 4;
}

void vgw_auth_sign(struct vgw_net *vn, const struct vgw_cluster *c,
		   struct sk_buff *skb, const struct vgw_ip *src,
		   const struct vgw_ip *dst)
{
	const struct vgw_genevehdr *gh = (const void *)skb->data;
	unsigned int at = VGW_GENEVE_HLEN + vgw_geneve_opts_bytes(gh) -
			  sizeof(struct vgw_auth_opt);
	struct vgw_auth_opt *ao = (void *)(skb->data + at);

	ao->key_id = c->keys[0].id;
	ao->time = htonl((u32)ktime_get_real_seconds());
	put_unaligned_be64(atomic64_inc_return(&vn->auth_seq), ao->seq);
	skb_tag(&c->keys[0], skb, 0, at + offsetof(struct vgw_auth_opt, tag),
		src, dst, ao->tag);
}

void vgw_auth_net_init(struct vgw_net *vn)
{
	atomic64_set(&vn->auth_seq, ktime_get_real_ns());
}
