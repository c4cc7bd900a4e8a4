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
 *   - with a clock within auth_max_skew seconds of this host's, and a
 *     sequence number this host has not taken from that sender and that is
 *     not older than the window below the highest it has; else dropped as
 *     cluster_replay.
 *
 * The sequence numbers of a host start at its wall clock in nanoseconds
 * when the namespace was made and grow by one per message: a host that
 * restarts continues above what it sent before (unless it sent more than
 * one message per nanosecond of its downtime...). A receiver that
 * restarts, or a new member, has no window yet for a sender: the clock
 * bound is what keeps an old recording out then.
 *
 * Not hidden: the messages are signed, not encrypted (the tenant frames
 * they carry crossed the same underlay in the clear before).
 */
#include <crypto/algapi.h>
#include <linux/module.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>
#include <vgw/auth.h>

#include "cluster.h"
#include "compat.h"
#include "datapath.h"

static unsigned int auth_max_skew = 60;
module_param(auth_max_skew, uint, 0644);
MODULE_PARM_DESC(auth_max_skew,
		 "seconds a cluster message's clock may differ from this host's (0: not checked; default 60)");

/* --- the replay window -------------------------------------------------------- */

/*
 * The sequence numbers taken from one sender: bit (seq % VGW_REPLAY_BITS)
 * of the ring stands for seq, for the numbers within VGW_REPLAY_BITS -
 * BITS_PER_LONG below @top. Messages from one host arrive out of order
 * only a little (its CPUs send in parallel): 960 numbers of slack.
 */
#define VGW_REPLAY_BITS		1024
#define VGW_REPLAY_WORDS	(VGW_REPLAY_BITS / BITS_PER_LONG)

struct vgw_replay {
	refcount_t ref;
	spinlock_t lock;
	u64 top;			/* the highest taken; 0: none yet */
	unsigned long ring[VGW_REPLAY_WORDS];
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

/* Take @seq from this sender: false if it was taken or is too old. */
static bool replay_take(struct vgw_replay *r, u64 seq)
{
	unsigned long word, top_word, bit = seq % BITS_PER_LONG;
	bool ok = false;

	spin_lock(&r->lock);
	word = seq / BITS_PER_LONG;
	if (seq > r->top) {
		/* Forward: the words between are new (all of them, at most). */
		top_word = r->top / BITS_PER_LONG;
		if (!r->top || word - top_word >= VGW_REPLAY_WORDS)
			memset(r->ring, 0, sizeof(r->ring));
		else
			while (top_word++ < word)
				r->ring[top_word % VGW_REPLAY_WORDS] = 0;
		r->top = seq;
	} else if (r->top - seq >= VGW_REPLAY_BITS - BITS_PER_LONG) {
		goto out;	/* below the window */
	}
	ok = !__test_and_set_bit(bit, &r->ring[word % VGW_REPLAY_WORDS]);
out:
	spin_unlock(&r->lock);
	return ok;
}

/* --- the tag ----------------------------------------------------------------- */

static void auth_addr(u8 out[16], const struct vgw_ip *ip)
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
	struct vgw_sip s;
	u8 a[16], b[16];

	auth_addr(a, src);
	auth_addr(b, dst);
	vgw_auth_begin(&s, k->secret, a, b);
	sip_skb(&s, skb, from, tag_off);
	vgw_sip_zeros(&s, 8);
	sip_skb(&s, skb, tag_off + 8, skb->len);
	put_unaligned_le64(vgw_sip_final(&s), tag);
	memzero_explicit(&s, sizeof(s));
}

int vgw_auth_check(const struct vgw_cluster *c, const struct vgw_cluster_peer *from,
		   struct sk_buff *skb, const struct vgw_auth_seen *a,
		   const struct vgw_ip *src, const struct vgw_ip *dst)
{
	const struct vgw_auth_key *k = NULL;
	u8 tag[8];
	s32 skew;
	u8 i;

	if (!a->present)
		return VNICGW_DROP_CLUSTER_AUTH;
	for (i = 0; i < c->n_keys && !k; i++)
		if (c->keys[i].id == a->key_id)
			k = &c->keys[i];
	if (!k)
		return VNICGW_DROP_CLUSTER_AUTH;
	skb_tag(k, skb, a->from, a->tag_off, src, dst, tag);
	if (crypto_memneq(tag, a->tag, sizeof(tag)))
		return VNICGW_DROP_CLUSTER_AUTH;
	/* The sender's clock, mod 2^32 like the field: how far from ours. */
	skew = (s32)((u32)ktime_get_real_seconds() - a->time);
	if (auth_max_skew && (skew > (s32)auth_max_skew ||
			      skew < -(s32)auth_max_skew))
		return VNICGW_DROP_CLUSTER_REPLAY;
	if (!replay_take(from->replay, a->seq))
		return VNICGW_DROP_CLUSTER_REPLAY;
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
