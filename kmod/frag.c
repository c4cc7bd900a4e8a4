// SPDX-License-Identifier: GPL-2.0
/*
 * Virtual reassembly of IPv4 fragments: the first fragment's ports, kept
 * for its datagram (source, destination, protocol, IP id) so that the later
 * fragments go the same way. Direct-mapped: a slot per hash, a newer
 * datagram evicts an older one (whose later fragments are then dropped and
 * counted); entries last 30 s, as Linux's reassembly timeout.
 */
#include <linux/jhash.h>
#include <linux/slab.h>

#include "datapath.h"

#define FRAG_SLOTS	1024
#define FRAG_TIMEOUT	(30 * HZ)

struct frag_slot {
	__be32 src, dst;
	__be16 id;
	u8 proto;
	u16 sport, dport;
	unsigned long expires;
};

struct vgw_frag_table {
	spinlock_t lock;	/* the slots; fragments are rare */
	struct frag_slot slot[FRAG_SLOTS];
};

static struct frag_slot *slot_of(struct vgw_frag_table *t,
				 const struct vgw_pkt *p, __be16 id)
{
	u32 h = jhash_3words((__force u32)p->src.v4, (__force u32)p->dst.v4,
			     (__force u32)id << 8 | p->l4proto, 0);

	return &t->slot[h % FRAG_SLOTS];
}

void vgw_frag_note(struct vgw_pkt *p, __be16 id)
{
	struct vgw_frag_table *t = p->vn->frag;
	struct frag_slot *s = slot_of(t, p, id);

	spin_lock(&t->lock);
	s->src = p->src.v4;
	s->dst = p->dst.v4;
	s->id = id;
	s->proto = p->l4proto;
	s->sport = p->sport;
	s->dport = p->dport;
	s->expires = jiffies + FRAG_TIMEOUT;
	spin_unlock(&t->lock);
}

bool vgw_frag_recall(struct vgw_pkt *p, __be16 id)
{
	struct vgw_frag_table *t = p->vn->frag;
	struct frag_slot *s = slot_of(t, p, id);
	bool found;

	spin_lock(&t->lock);
	found = s->src == p->src.v4 && s->dst == p->dst.v4 && s->id == id &&
		s->proto == p->l4proto && time_before(jiffies, s->expires);
	if (found) {
		p->sport = s->sport;
		p->dport = s->dport;
	}
	spin_unlock(&t->lock);
	return found;
}

int vgw_frag_net_init(struct vgw_net *vn)
{
	vn->frag = kvzalloc(sizeof(*vn->frag), GFP_KERNEL_ACCOUNT);
	if (!vn->frag)
		return -ENOMEM;
	spin_lock_init(&vn->frag->lock);
	return 0;
}

void vgw_frag_net_exit(struct vgw_net *vn)
{
	kvfree(vn->frag);
	vn->frag = NULL;
}
