/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TCP windows as a middlebox sees them, so that a FIN or RST changes state
 * only when its sequence number is where the connection is (RFC 5961
 * section 3 in spirit): whoever knows the four-tuple cannot tear down the
 * gateway's state blind. Used by the connection tracker (conntrack.c) and
 * the NAT gateway's mappings (nat.c).
 *
 * Per direction a tracker keeps how far the sender got (the end of its
 * furthest segment) and the largest window it advertised (scaled, RFC
 * 7323); a segment is in window when it starts no more than the receiver's
 * largest window behind that end and ends no more than that window beyond
 * it: what the receiver may still accept. (Lighter than
 * nf_conntrack_proto_tcp, which also holds the acknowledgements to the
 * window; this is enough for the teardown.) An out-of-window segment is
 * not the tracker's to drop: its owner lets it pass and changes nothing
 * (the receiving stack judges it by its own window, RFC 5961); dropping it
 * would cut connections whenever our view of the window is short of the
 * endpoints'. Where a tracker knows nothing of a direction (picked up
 * mid-stream, or after a cluster record, which carries no window) the
 * first segment from there other than a RST is learned as it comes; a RST
 * from a direction not yet learned is out of window, so that nobody can
 * tear down a connection blind in that moment (a real one leaves the entry
 * to its timeout). While the opening handshake is under way an answer must
 * acknowledge the SYN, and with it none, some or all of the data the SYN
 * carried (RFC 793's SYN-SENT rule, RFC 7413 section 4.2); a RST that does
 * is learned.
 *
 * The fields are read and written without a lock: both directions of a
 * flow are processed on one CPU when steered (bpf/); otherwise a lost
 * update makes a direction be learned again.
 */
#ifndef _VGW_TCPWIN_H
#define _VGW_TCPWIN_H

#include <linux/types.h>

struct vgw_pkt;

struct vgw_tcpwin {
	struct {
		u32 end;	/* the sender's furthest sequence number + length */
		u32 maxwin;	/* the largest window it advertised, scaled */
	} dir[2];		/* per direction, as the caller numbers them */
	u8 wscale[2];		/* per direction: its SYN's option */
	u8 seen;		/* bits per direction: learned, SYN seen */
	/* Per direction: its SYN's data and FIN (TCP Fast Open). */
	u16 syn_extra[2];
};

/*
 * Is @p's segment, in direction @d (0 or 1, as the caller numbers them),
 * where the connection is? If so its direction's window moves on and the
 * caller may let its flags change its state. @opening: the caller has seen
 * no answer yet, so the handshake rule applies. False also for a packet
 * without a TCP header (a later fragment) or with a bad one.
 */
bool vgw_tcpwin_check(struct vgw_tcpwin *w, const struct vgw_pkt *p, int d,
		      bool opening);

/* Another host sees the connection now: what this one knew goes stale. */
static inline void vgw_tcpwin_forget(struct vgw_tcpwin *w)
{
	WRITE_ONCE(w->seen, 0);
}

#endif
