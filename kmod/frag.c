// SPDX-License-Identifier: GPL-2.0
/*
 * Virtual reassembly of IP fragments (IPv4, and IPv6's fragment header): the
 * first fragment's protocol and ports, kept for its datagram so that the
 * later fragments, which carry no L4 header, go the same way.
 *
 * A datagram is known by its sender (the VNIC or gateway it came from, and
 * that one's VCN), its addresses, its IP id (IPv4: 16 bits, with the
 * protocol, RFC 791; IPv6: 32 bits, RFC 8200) — so a tenant can neither
 * read nor rewrite another's entries, even with the same addresses and
 * id. A first fragment is noted only once its sender passed the source
 * check (forward.c). The buckets are chosen by a keyed hash, seeded per
 * namespace, so that no sender can aim at another's bucket; a bucket holds
 * a few datagrams, and a newer one replaces an expired, else the oldest
 * (whose later fragments are then dropped and counted): the table is
 * bounded, so a sender that floods it still evicts, but blindly. Entries
 * last 30 s, as Linux's reassembly timeout.
 */
#include <linux/random.h>
#include <linux/siphash.h>
#include <linux/slab.h>

#include "datapath.h"

#define FRAG_BUCKETS	256
#define FRAG_WAYS	4
#define FRAG_TIMEOUT	(30 * HZ)

struct frag_key {
	u64 sender;		/* vgw_obj hash of the VNIC or gateway */
	u32 vcn;		/* the sender's VCN index */
	u32 id;
	u8 src[16], dst[16];	/* IPv4: the first 4 bytes */
	u8 family;
	u8 proto;		/* IPv4's protocol; IPv6: 0 (RFC 8200) */
	u8 pad[6];
};

struct frag_slot {
	struct frag_key key;
	unsigned long expires;
	bool used;
	u8 l4proto, icmp_type, icmp_code;
	u16 sport, dport;
};

struct vgw_frag_table {
	siphash_key_t seed;
	spinlock_t lock;	/* the slots; fragments are rare */
	struct frag_slot slot[FRAG_BUCKETS][FRAG_WAYS];
};

/* The index of @p's sender's VCN (0 if gone: the sender still counts). */
static u32 sender_vcn(const struct vgw_pkt *p)
{
	const struct vgw_vcn *vcn;

	if (p->vnic)
		return p->vnic->vcn_index;
	vcn = (const void *)vgw_obj_find_hashed(p->snap, VNICGW_OBJ_VCN,
						p->gw->vcn, p->gw->vcn_hash);
	return vcn ? vcn->index : 0;
}

static void key_of(const struct vgw_pkt *p, struct frag_key *k)
{
	memset(k, 0, sizeof(*k));
	k->sender = p->vnic ? p->vnic->o.hash : p->gw->o.hash;
	k->vcn = sender_vcn(p);
	k->id = p->frag_id;
	k->family = p->src.family;
	if (p->src.family == AF_INET) {
		memcpy(k->src, &p->src.v4, 4);
		memcpy(k->dst, &p->dst.v4, 4);
		k->proto = p->l4proto;
	} else {
		memcpy(k->src, &p->src.v6, 16);
		memcpy(k->dst, &p->dst.v6, 16);
	}
}

static struct frag_slot *bucket_of(struct vgw_frag_table *t,
				   const struct frag_key *k)
{
	return t->slot[siphash(k, sizeof(*k), &t->seed) % FRAG_BUCKETS];
}

static bool live(const struct frag_slot *s)
{
	return s->used && time_before(jiffies, s->expires);
}

/* Which of @a (NULL: none yet) and @b a new datagram takes. */
static struct frag_slot *victim(struct frag_slot *a, struct frag_slot *b)
{
	if (!a)
		return b;
	if (!live(a))
		return a;
	if (!live(b))
		return b;
	return time_before(b->expires, a->expires) ? b : a;
}

void vgw_frag_note(const struct vgw_pkt *p)
{
	struct vgw_frag_table *t = p->vn->frag;
	struct frag_slot *b, *s = NULL;
	struct frag_key k;
	unsigned int i;

	/* A trace notes nothing. */
	if (!p->frag || p->later_frag || p->ex)
		return;
	key_of(p, &k);
	b = bucket_of(t, &k);
	spin_lock(&t->lock);
	/* The same datagram again, else a free slot, else the oldest. */
	for (i = 0; i < FRAG_WAYS; i++) {
		if (b[i].used && !memcmp(&b[i].key, &k, sizeof(k))) {
			s = &b[i];
			break;
		}
		s = victim(s, &b[i]);
	}
	s->key = k;
	s->used = true;
	s->l4proto = p->l4proto;
	s->icmp_type = p->icmp_type;
	s->icmp_code = p->icmp_code;
	s->sport = p->sport;
	s->dport = p->dport;
	s->expires = jiffies + FRAG_TIMEOUT;
	spin_unlock(&t->lock);
}

bool vgw_frag_recall(struct vgw_pkt *p)
{
	struct vgw_frag_table *t = p->vn->frag;
	struct frag_slot *b;
	struct frag_key k;
	bool found = false;
	unsigned int i;

	key_of(p, &k);
	b = bucket_of(t, &k);
	spin_lock(&t->lock);
	for (i = 0; i < FRAG_WAYS; i++) {
		if (live(&b[i]) && !memcmp(&b[i].key, &k, sizeof(k))) {
			p->l4proto = b[i].l4proto;
			p->icmp_type = b[i].icmp_type;
			p->icmp_code = b[i].icmp_code;
			p->sport = b[i].sport;
			p->dport = b[i].dport;
			found = true;
			break;
		}
	}
	spin_unlock(&t->lock);
	return found;
}

int vgw_frag_net_init(struct vgw_net *vn)
{
	vn->frag = kvzalloc(sizeof(*vn->frag), GFP_KERNEL_ACCOUNT);
	if (!vn->frag)
		return -ENOMEM;
	get_random_bytes(&vn->frag->seed, sizeof(vn->frag->seed));
	spin_lock_init(&vn->frag->lock);
	return 0;
}

void vgw_frag_net_exit(struct vgw_net *vn)
{
	kvfree(vn->frag);
	vn->frag = NULL;
}
