// SPDX-License-Identifier: GPL-2.0
/*
 * TCP windows as a middlebox sees them; see tcpwin.h for the contract.
 */
#include <linux/skbuff.h>
#include <net/tcp.h>

#include "datapath.h"
#include "tcpwin.h"

#define WSCALE_MAX	14	/* RFC 7323 section 2.3 */
#define WSCALE_NONE	15	/* its SYN had no window scale option */
/* Bits of vgw_tcpwin.seen, per direction d. */
#define SEEN(d)		(1 << (d))	/* dir[d] is learned */
#define SYN(d)		(4 << (d))	/* its SYN seen: wscale[d] is its option */

/* What the tracker reads of a TCP segment. */
struct seg {
	u32 seq, ack;
	u32 end;	/* seq + its length, SYN and FIN counting one */
	u32 extra;	/* a SYN's data and FIN: end - seq - 1 */
	u32 win;	/* the window field, not scaled */
	u8 flags;
	u8 wscale;	/* a SYN's window scale option, or WSCALE_NONE */
};

/* The window scale option of a SYN whose header is @hl bytes. */
static u8 syn_wscale(const struct vgw_pkt *p, unsigned int hl)
{
	u8 buf[40];
	const u8 *o;
	unsigned int i = 0, n = hl - sizeof(struct tcphdr);

	o = skb_header_pointer(p->skb, p->l4_off + sizeof(struct tcphdr), n,
			       buf);
	while (o && i < n) {
		if (o[i] == TCPOPT_EOL)
			break;
		if (o[i] == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= n || o[i + 1] < 2 || i + o[i + 1] > n)
			break;
		if (o[i] == TCPOPT_WINDOW && o[i + 1] == TCPOLEN_WINDOW)
			return min_t(u8, o[i + 2], WSCALE_MAX);
		i += o[i + 1];
	}
	return WSCALE_NONE;
}

/* @p's TCP header; false when it has none (a later fragment) or a bad one. */
static bool read_seg(const struct vgw_pkt *p, struct seg *s)
{
	const struct tcphdr *th;
	struct tcphdr buf;
	unsigned int hl, len = p->skb->len - p->l4_off;	/* trimmed: rx.c */

	if (p->later_frag)
		return false;
	th = skb_header_pointer(p->skb, p->l4_off, sizeof(buf), &buf);
	if (!th)
		return false;
	hl = th->doff * 4;
	if (hl < sizeof(*th) || hl > len)
		return false;
	s->flags = tcp_flag_byte(th);
	s->seq = ntohl(th->seq);
	s->ack = ntohl(th->ack_seq);
	s->win = ntohs(th->window);
	s->end = s->seq + len - hl + !!th->syn + !!th->fin;
	s->extra = th->syn ? s->end - s->seq - 1 : 0;
	s->wscale = th->syn ? syn_wscale(p, hl) : WSCALE_NONE;
	return true;
}

/*
 * How far direction @d's window fields are to be shifted: unknown (no SYN
 * seen from it): the most RFC 7323 allows, so that nothing legitimate is
 * out of window; no scaling unless both SYNs had the option.
 */
static u8 shift(const struct vgw_tcpwin *w, u8 seen, int d)
{
	u8 own = READ_ONCE(w->wscale[d]);

	if (!(seen & SYN(d)))
		return WSCALE_MAX;
	if (own == WSCALE_NONE ||
	    (seen & SYN(!d) && READ_ONCE(w->wscale[!d]) == WSCALE_NONE))
		return 0;
	return own;
}

/* How far beyond (or behind) its peer's end direction @d lets it send. */
static u32 maxwin(const struct vgw_tcpwin *w, u8 seen, int d)
{
	if (seen & SEEN(d))
		return READ_ONCE(w->dir[d].maxwin);
	return 65535U << shift(w, seen, d);
}

static void learn(struct vgw_tcpwin *w, int d, const struct seg *s, u32 win,
		  u8 seen)
{
	WRITE_ONCE(w->dir[d].end, s->end);
	WRITE_ONCE(w->dir[d].maxwin, max(win, 1U));
	WRITE_ONCE(w->seen, seen | SEEN(d));
}

bool vgw_tcpwin_check(struct vgw_tcpwin *w, const struct vgw_pkt *p, int d,
		      bool opening)
{
	u8 seen = READ_ONCE(w->seen);
	u32 end, rwin, win;
	struct seg s;
	bool answer = opening && (seen & SYN(!d)) && !(seen & SEEN(d));

	if (!read_seg(p, &s))
		return false;
	/*
	 * Opening: the first answer to a SYN is a SYN-ACK or a RST that
	 * acknowledges that SYN, and with it none, some or all of the data
	 * it carried (what the opener accepts).
	 */
	if (answer) {
		end = READ_ONCE(w->dir[!d].end);
		if (!(s.flags & (TCPHDR_SYN | TCPHDR_RST)) ||
		    !(s.flags & TCPHDR_ACK) ||
		    before(s.ack, end - READ_ONCE(w->syn_extra[!d])) ||
		    after(s.ack, end))
			return false;
	}
	if ((s.flags & TCPHDR_SYN) && (opening || !(seen & SEEN(d)))) {
		/*
		 * A SYN sent again with the same sequence number, without
		 * the data the first one carried (as Linux does, RFC 7413):
		 * an answer may still acknowledge that data. Nothing else
		 * moves.
		 */
		if ((seen & SYN(d)) &&
		    s.seq + 1 == READ_ONCE(w->dir[d].end) -
				 READ_ONCE(w->syn_extra[d]) &&
		    !after(s.end, READ_ONCE(w->dir[d].end)))
			return true;
		/* A SYN (or SYN-ACK) starts its direction; never scaled. */
		WRITE_ONCE(w->wscale[d], s.wscale);
		WRITE_ONCE(w->syn_extra[d], min_t(u32, s.extra, U16_MAX));
		learn(w, d, &s, s.win, seen | SYN(d));
		return true;
	}
	win = (s.flags & TCPHDR_SYN) ? s.win : s.win << shift(w, seen, d);
	if (!(seen & SEEN(d))) {
		/*
		 * Nothing seen from here yet: nothing to hold it to, so
		 * nothing may end the connection either; a RST is learned
		 * only as the answer to the SYN.
		 */
		if ((s.flags & TCPHDR_RST) && !answer)
			return false;
		learn(w, d, &s, win, seen);
		return true;
	}
	end = READ_ONCE(w->dir[d].end);
	rwin = maxwin(w, seen, !d);
	if (before(s.seq, end - rwin) || after(s.end, end + rwin))
		return false;
	if (after(s.end, end))
		WRITE_ONCE(w->dir[d].end, s.end);
	if (win > READ_ONCE(w->dir[d].maxwin))
		WRITE_ONCE(w->dir[d].maxwin, win);
	return true;
}
