// SPDX-License-Identifier: GPL-2.0
/*
 * nlfuzz: random and mutated requests for every command of the vnicgw
 * generic netlink family, from several sockets, with a model of what the
 * kernel accepted. Runs in the VM with the module loaded
 * (selftests/fuzz/test_nlfuzz.sh), in a namespace of its own.
 *
 * Requests are built from structure: objects of every type drawn from a
 * small universe of ids (three VCNs and what lives in them), encoded by
 * libvnicgw's encoder (vgw_obj_put()), the cluster likewise; some are then
 * mutated at the attribute level (wrong types, lengths, nesting, missing,
 * duplicated and repeated attributes, boundary integers, bad strings) or
 * replaced by random bytes. Transactions are opened, filled, committed
 * and aborted from three sockets, and sockets are closed in the middle of
 * theirs.
 *
 * What is checked:
 * - every refusal carries an extack message (NLMSGERR_ATTR_MSG), except
 *   genl's own -EOPNOTSUPP for a command (or do/dump) the family does not
 *   have, which is counted apart;
 * - the model: the committed objects, each kept as the object nests the
 *   kernel acknowledged (the encoder's output for a structured request, the
 *   very bytes sent for a mutated one), decoded with the code that decodes
 *   dumps (vgw_obj_decode()) and compared with an OBJ_GET dump every
 *   FUZZ_CHECK_EVERY messages and at the end; the cluster likewise with
 *   CLUSTER_GET; GET_INFO's object count; OBJ_GET do's found/not found;
 * - an accepted mutation that the dump decoder cannot read is a finding
 *   (printed; the object is then compared by presence only);
 * - an accepted TRACE answers a reply that libvnicgw's parser reads, with
 *   a verdict. TRACE changes nothing, so the model takes no change from
 *   it (a TRACE that changed the tables would show in the comparisons).
 *
 * After a refusal that hit a socket's own transaction the fuzzer asks the
 * kernel whether the transaction survived (TXN_BEGIN from the same socket:
 * -EBUSY while it is open, 0 when the refusal ended it and a new one
 * begins), since refusals in genl's policy never reach the module's
 * handler; the answers are counted and printed.
 *
 * Environment: FUZZ_SEED (default: time), FUZZ_MSGS (default 20000),
 * FUZZ_CHECK_EVERY (default 1000), FUZZ_VERBOSE, FUZZ_TRACE=FROM-TO (print
 * those requests), FUZZ_PROGRESS (a line on stderr at each check),
 * FUZZ_HANG_SECS (default 300): a request or a check whose answer has not
 * ended by then is a failure that ends the run (exit status 3), naming it:
 * a dump that never ends would otherwise hold the fuzzer for good.
 * Exit status 0 when every check passed. The last line is a summary.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>

#include <linux/vnicgw.h>

#include "cluster_nl.h"
#include "nlobj.h"
#include "state.h"
#include "trace.h"
#include "vgw.h"

#define NSOCK		3
/* Attributes in the largest object nest (VNICs). */
#define VGW_NEST_MAX	16
#define MAX_PRINT	20

/* --- deterministic PRNG (splitmix64) --------------------------------------- */

static uint64_t rng;

static uint64_t rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned int rn(unsigned int n)
{
	return n ? (unsigned int)(rnd() % n) : 0;
}

static bool pct(unsigned int p)
{
	return rn(100) < p;
}

/* --- byte buffers -------------------------------------------------------- */

struct buf {
	uint8_t *p;
	size_t len, cap;
};

static void buf_reserve(struct buf *b, size_t need)
{
	if (b->cap >= need)
		return;
	b->cap = need < 256 ? 256 : need * 2;
	b->p = realloc(b->p, b->cap);
	if (!b->p) {
		perror("realloc");
		exit(2);
	}
}

static void buf_set(struct buf *b, const void *p, size_t len)
{
	buf_reserve(b, len);
	memcpy(b->p, p, len);
	b->len = len;
}

static void buf_insert(struct buf *b, size_t at, const void *p, size_t len)
{
	buf_reserve(b, b->len + len);
	memmove(b->p + at + len, b->p + at, b->len - at);
	if (p)
		memcpy(b->p + at, p, len);
	else
		memset(b->p + at, 0, len);
	b->len += len;
}

static void buf_delete(struct buf *b, size_t at, size_t len)
{
	memmove(b->p + at, b->p + at + len, b->len - at - len);
	b->len -= len;
}

static void buf_free(struct buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* --- counters and failures ---------------------------------------------- */

static struct {
	unsigned long msgs, accepted, refused, core_refused, no_msg;
	unsigned long mutated, mutated_accepted, random_msgs;
	unsigned long undecodable, model_diffs, checks, probes;
	unsigned long txn_survived, txn_ended, closes, commits, aborts;
	unsigned long per_cmd[__VNICGW_CMD_MAX + 1][2];
	/* After a refusal of the owner: [cmd][0] txn survived, [1] ended. */
	unsigned long probe_cmd[__VNICGW_CMD_MAX + 1][2];
	/* Accepted TRACEs by verdict (the last: a value not known here). */
	unsigned long trace_verdicts[__VNICGW_TRACE_VERDICT_MAX + 1];
} st;
static bool verbose, progress;	/* FUZZ_PROGRESS: a line on stderr per check */
/* FUZZ_TRACE=FROM-TO: print every request of that range, with its bytes. */
static unsigned long trace_from = 1, trace_to;
static int failures;

/*
 * The watchdog: what is waiting for the kernel now, said when it takes
 * longer than hang_secs (SIGALRM; write() and _exit() only in the handler).
 */
static unsigned int hang_secs = 300;
static char hang_msg[256];
static size_t hang_len;

static void on_hang(int sig)
{
	(void)sig;
	if (write(STDOUT_FILENO, hang_msg, hang_len) < 0)
		_exit(4);
	_exit(3);
}

static void watch(const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(hang_msg, sizeof(hang_msg), "# FAIL: no end of the answer after %u s: ",
		     hang_secs);
	va_start(ap, fmt);
	vsnprintf(hang_msg + n, sizeof(hang_msg) - n - 1, fmt, ap);
	va_end(ap);
	hang_len = strlen(hang_msg);
	hang_msg[hang_len++] = '\n';
	alarm(hang_secs);
}

static void unwatch(void)
{
	alarm(0);
}

static void fail(const char *fmt, ...)
{
	va_list ap;

	failures++;
	if (failures > MAX_PRINT)
		return;
	printf("# FAIL: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static void hexdump(const char *what, const uint8_t *p, size_t len)
{
	size_t i;

	printf("#   %s (%zu bytes):", what, len);
	for (i = 0; i < len && i < 256; i++)
		printf("%s%02x", i % 32 ? " " : "\n#     ", p[i]);
	printf("%s\n", len > 256 ? " ..." : "");
}

/* --- the model ------------------------------------------------------------ */

/* One object: the nests (first, then appends) the kernel acknowledged. */
struct mobj {
	int type;			/* enum vgw_obj_type */
	char id[VGW_ID_MAX];
	struct buf *parts;		/* each one top-level object attribute */
	unsigned int n_parts;
	bool opaque;			/* accepted, but the decoder refused it */
};

struct model {
	struct mobj *o;
	unsigned int n;
};

static void mobj_free(struct mobj *o)
{
	unsigned int i;

	for (i = 0; i < o->n_parts; i++)
		buf_free(&o->parts[i]);
	free(o->parts);
	o->parts = NULL;
	o->n_parts = 0;
}

static void model_clear(struct model *m)
{
	unsigned int i;

	for (i = 0; i < m->n; i++)
		mobj_free(&m->o[i]);
	free(m->o);
	m->o = NULL;
	m->n = 0;
}

static void mobj_add_part(struct mobj *o, const struct buf *b)
{
	o->parts = realloc(o->parts, (o->n_parts + 1) * sizeof(*o->parts));
	memset(&o->parts[o->n_parts], 0, sizeof(struct buf));
	buf_set(&o->parts[o->n_parts++], b->p, b->len);
}

static void model_copy(struct model *dst, const struct model *src)
{
	unsigned int i, j;

	model_clear(dst);
	dst->o = calloc(src->n + 1, sizeof(*dst->o));
	for (i = 0; i < src->n; i++) {
		dst->o[i] = src->o[i];
		dst->o[i].parts = NULL;
		dst->o[i].n_parts = 0;
		for (j = 0; j < src->o[i].n_parts; j++)
			mobj_add_part(&dst->o[i], &src->o[i].parts[j]);
	}
	dst->n = src->n;
}

static struct mobj *model_find(struct model *m, int type, const char *id)
{
	unsigned int i;

	for (i = 0; i < m->n; i++)
		if (m->o[i].type == type && !strcmp(m->o[i].id, id))
			return &m->o[i];
	return NULL;
}

static void model_del(struct model *m, int type, const char *id)
{
	struct mobj *o = model_find(m, type, id);

	if (!o)
		return;
	mobj_free(o);
	*o = m->o[--m->n];
}

static struct mobj *model_set(struct model *m, int type, const char *id)
{
	struct mobj *o = model_find(m, type, id);

	if (o) {
		mobj_free(o);
	} else {
		m->o = realloc(m->o, (m->n + 1) * sizeof(*m->o));
		o = &m->o[m->n++];
		memset(o, 0, sizeof(*o));
		o->type = type;
		snprintf(o->id, sizeof(o->id), "%s", id);
	}
	o->opaque = false;
	return o;
}

/* Decode every part of @o into @doc: 0 or -errno with @err. */
static int mobj_decode(const struct mobj *o, struct vgw_doc *doc, char *err,
		       size_t errlen)
{
	struct nlattr *tb[VNICGW_A_MAX + 1];
	unsigned int i;
	int ret;

	for (i = 0; i < o->n_parts; i++) {
		ret = nla_parse(tb, VNICGW_A_MAX, (struct nlattr *)o->parts[i].p,
				o->parts[i].len, NULL);
		if (ret) {
			snprintf(err, errlen, "part %u does not parse", i);
			return -EPROTO;
		}
		ret = vgw_obj_decode(tb, doc, err, errlen);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * The decoded object must be the one we think it is: one object of @o's
 * type and id (an append names its object by id too).
 */
static int mobj_check_decodes(struct mobj *o, char *err, size_t errlen)
{
	struct vgw_doc *d = vgw_doc_new();
	int ret;

	ret = mobj_decode(o, d, err, errlen);
	if (!ret && (vgw_doc_count(d, o->type) != 1 ||
		     strcmp(vgw_doc_obj(d, o->type, 0), o->id))) {
		snprintf(err, errlen, "decodes to another object");
		ret = -EPROTO;
	}
	vgw_doc_free(d);
	return ret;
}

/* The cluster as last set; have = false: never set (standalone). */
static struct {
	bool have;
	struct vgw_cluster cl;
	struct buf nest;
} mcluster;

/* --- sockets, transactions ----------------------------------------------- */

static struct vgw_client socks[NSOCK], checker;
static struct model committed, pending;
static int txn_owner = -1;		/* socket holding the transaction */

static void open_sock(int i)
{
	if (vgw_open(&socks[i])) {
		printf("# cannot open socket %d\n", i);
		exit(2);
	}
}

static int put_raw(struct nl_msg *msg, void *arg)
{
	const struct buf *b = arg;

	if (!b || !b->len)
		return 0;
	return nlmsg_append(msg, b->p, b->len, 0) ? -EMSGSIZE : 0;
}

/* Whether genl itself answers @cmd/@flags with -EOPNOTSUPP. */
static bool no_such_op(unsigned int cmd, int flags)
{
	bool dump = (flags & NLM_F_DUMP) == NLM_F_DUMP;

	if (cmd < VNICGW_CMD_GET_INFO || cmd > VNICGW_CMD_MAX)
		return true;
	if (cmd == VNICGW_CMD_STATS || cmd == VNICGW_CMD_CT_GET ||
	    cmd == VNICGW_CMD_NAT_GET)
		return !dump;
	return dump && cmd != VNICGW_CMD_OBJ_GET;
}

static const char *cmd_name(unsigned int cmd)
{
	static const char *const n[] = {
		"UNSPEC", "GET_INFO", "FLUSH", "TXN_BEGIN", "TXN_COMMIT",
		"TXN_ABORT", "OBJ_SET", "OBJ_DEL", "OBJ_GET", "STATS",
		"CLUSTER_SET", "CLUSTER_GET", "NOTIFY", "DROP", "CT_GET",
		"CT_DEL", "NAT_GET", "NAT_DEL", "TRACE",
	};

	return cmd < sizeof(n) / sizeof(n[0]) ? n[cmd] : "?";
}

/* The reply to the last TRACE, read by the library's parser. */
static struct vgw_trace_result trace_res;
static int trace_parse_err;

static int parse_trace_reply(struct nlattr **tb, void *arg)
{
	(void)arg;
	if (!trace_parse_err)
		trace_parse_err = vgw_trace_parse(tb, &trace_res);
	return 0;
}

/*
 * Send one request with @payload as its attributes, count it, check that
 * a refusal says why (and that an accepted TRACE answers a readable
 * reply). Returns the kernel's answer.
 */
static int send_req(int s, unsigned int cmd, int flags, const struct buf *payload,
		    bool mutated)
{
	struct vgw_client *c = s < 0 ? &checker : &socks[s];
	bool trace_do = cmd == VNICGW_CMD_TRACE && !(flags & NLM_F_DUMP);
	int err;

	bool trace = st.msgs + 1 >= trace_from && st.msgs + 1 <= trace_to;

	/* The request before its answer: a request that hangs is the last. */
	if (trace) {
		printf("# trace %lu: %s (cmd %u) flags %#x socket %d%s\n",
		       st.msgs + 1, cmd_name(cmd), cmd, flags, s,
		       mutated ? " mutated" : "");
		if (payload)
			hexdump("attributes", payload->p, payload->len);
	}
	watch("request %lu: %s (cmd %u) flags %#x socket %d%s (replay: FUZZ_TRACE=%lu-%lu)",
	      st.msgs + 1, cmd_name(cmd), cmd, flags, s,
	      mutated ? " mutated" : "", st.msgs + 1, st.msgs + 1);
	if (trace_do) {
		vgw_trace_result_free(&trace_res);
		trace_parse_err = 0;
	}
	err = vgw_call_sized(c, (uint8_t)cmd, flags,
			     (payload ? payload->len : 0) + 1024, put_raw,
			     trace_do ? parse_trace_reply : NULL,
			     (void *)payload);
	unwatch();
	st.msgs++;
	if (trace_do && !err) {
		if (trace_parse_err || !trace_res.have_verdict)
			fail("message %lu: TRACE accepted, and its reply is malformed (%s)",
			     st.msgs, trace_parse_err ? strerror(-trace_parse_err) :
			     "no reply with a verdict");
		else
			st.trace_verdicts[trace_res.verdict < __VNICGW_TRACE_VERDICT_MAX ?
					  trace_res.verdict :
					  __VNICGW_TRACE_VERDICT_MAX]++;
	}
	if (trace)
		printf("# trace %lu: answer %d %s\n", st.msgs, err, c->errmsg);
	st.per_cmd[cmd <= VNICGW_CMD_MAX ? cmd : __VNICGW_CMD_MAX][err != 0]++;
	if (mutated)
		st.mutated++;
	if (!err) {
		st.accepted++;
		if (mutated)
			st.mutated_accepted++;
		return 0;
	}
	st.refused++;
	if (err == -EOPNOTSUPP && no_such_op(cmd, flags)) {
		st.core_refused++;
	} else if (!c->errmsg[0]) {
		st.no_msg++;
		fail("message %lu: %s (cmd %u, flags %#x, socket %d) refused with %d (%s) and no extack message",
		     st.msgs, cmd_name(cmd), cmd, flags, s, err, strerror(-err));
		if (failures <= MAX_PRINT && payload)
			hexdump("attributes", payload->p, payload->len);
	}
	if (verbose)
		printf("# %lu %s: %d %s\n", st.msgs, cmd_name(cmd), err, c->errmsg);
	/*
	 * -EIO is libnl's, not the kernel's: the socket may be out of step
	 * with its replies. Start over with a new one, as if it was closed.
	 */
	if (err == -EIO && s >= 0) {
		vgw_close(c);
		if (txn_owner == s) {
			txn_owner = -1;
			model_clear(&pending);
		}
		open_sock(s);
		return -EIO;
	}
	return err;
}

/*
 * A request from @s was refused while @s holds the transaction: did the
 * refusal end it? TXN_BEGIN answers: -EBUSY, still open; 0, it had ended
 * and this begins a new one (the model follows either way).
 */
/*
 * Why changes (OBJ_SET, OBJ_DEL) were refused while their transaction
 * lived on: the first few distinct extack messages.
 */
#define N_SURVIVED_MSGS 8
static char survived_msgs[N_SURVIVED_MSGS][512];

static void note_survived(unsigned int cmd, const char *msg)
{
	unsigned int i;

	if (cmd != VNICGW_CMD_OBJ_SET && cmd != VNICGW_CMD_OBJ_DEL)
		return;
	for (i = 0; i < N_SURVIVED_MSGS && survived_msgs[i][0]; i++)
		if (!strcmp(survived_msgs[i] + 8, msg))
			return;
	if (i < N_SURVIVED_MSGS)
		snprintf(survived_msgs[i], sizeof(survived_msgs[i]), "%-7s %s",
			 cmd == VNICGW_CMD_OBJ_SET ? "OBJ_SET" : "OBJ_DEL", msg);
}

static void probe_txn(int s, unsigned int cmd, const char *why)
{
	int err;

	if (cmd > VNICGW_CMD_MAX)
		cmd = __VNICGW_CMD_MAX;

	st.probes++;
	err = send_req(s, VNICGW_CMD_TXN_BEGIN, 0, NULL, false);
	if (err == -EBUSY) {
		st.txn_survived++;
		st.probe_cmd[cmd][0]++;
		note_survived(cmd, why);
	} else if (!err) {
		st.txn_ended++;
		st.probe_cmd[cmd][1]++;
		model_copy(&pending, &committed);
	} else {
		fail("probe: TXN_BEGIN answered %d (%s)", err, socks[s].errmsg);
		txn_owner = -1;
	}
}

/* The objects a request from @s changes: the open transaction, or direct. */
static struct model *target(int s)
{
	return txn_owner == s ? &pending : &committed;
}

/* After any refused request of the owner: find out whether the txn lives. */
static void after_refusal(int s, unsigned int cmd)
{
	char why[256];

	if (txn_owner == s) {
		snprintf(why, sizeof(why), "%s", socks[s].errmsg);
		probe_txn(s, cmd, why);
	}
}

/* --- attribute walking and mutation ------------------------------------- */

#define MAX_ATTRS	4096
/*
 * The largest request: well beyond what an attribute holds (64 KiB), well
 * within the socket's buffers (a refused send would be the client's error).
 */
#define MAX_REQ		(256 * 1024)
#define MAX_DEPTH	8

struct aref {
	size_t off;			/* of the header */
	unsigned int depth;
	size_t anc[MAX_DEPTH];		/* headers of the enclosing nests */
};

static struct aref arefs[MAX_ATTRS];
static unsigned int n_arefs;

static uint16_t get16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

/* Whether [p, p+len) is a well-formed run of attributes (and not empty). */
static bool looks_nested(const uint8_t *p, size_t len)
{
	size_t off = 0;
	uint16_t l;

	if (len < NLA_HDRLEN)
		return false;
	while (off + NLA_HDRLEN <= len) {
		l = get16(p + off);
		if (l < NLA_HDRLEN || off + l > len)
			return false;
		off += NLA_ALIGN(l);
	}
	return off == len || off == NLA_ALIGN(len);
}

static void walk(const struct buf *b, size_t off, size_t end, unsigned int depth,
		 const size_t *anc)
{
	struct aref *r;
	uint16_t l;

	while (off + NLA_HDRLEN <= end && n_arefs < MAX_ATTRS) {
		l = get16(b->p + off);
		if (l < NLA_HDRLEN || off + l > end)
			return;
		r = &arefs[n_arefs++];
		r->off = off;
		r->depth = depth;
		memcpy(r->anc, anc, depth * sizeof(*anc));
		if (depth + 1 < MAX_DEPTH &&
		    looks_nested(b->p + off + NLA_HDRLEN, l - NLA_HDRLEN)) {
			size_t a2[MAX_DEPTH];

			memcpy(a2, anc, depth * sizeof(*anc));
			a2[depth] = off;
			walk(b, off + NLA_HDRLEN, off + l, depth + 1, a2);
		}
		off += NLA_ALIGN(l);
	}
}

static void index_attrs(const struct buf *b)
{
	n_arefs = 0;
	walk(b, 0, b->len, 0, NULL);
}

/* Whether the enclosing nests of @r can grow by @delta (u16 lengths). */
static bool can_grow(const struct buf *b, const struct aref *r, long delta,
		     bool self)
{
	unsigned int i;

	if (b->len + delta > MAX_REQ)
		return false;
	for (i = 0; i < r->depth; i++)
		if (get16(b->p + r->anc[i]) + delta > 0xffff)
			return false;
	return !self || get16(b->p + r->off) + delta <= 0xffff;
}

/*
 * Fix the lengths of the nests enclosing @r (and of @r itself with @self)
 * after @delta bytes were inserted or removed inside them. Headers before
 * the change keep their offsets.
 */
static void fix_lens(struct buf *b, const struct aref *r, long delta, bool self)
{
	unsigned int i;

	for (i = 0; i < r->depth; i++)
		put16(b->p + r->anc[i], get16(b->p + r->anc[i]) + delta);
	if (self)
		put16(b->p + r->off, get16(b->p + r->off) + delta);
}

static void random_bytes(uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)rnd();
}

static void random_id(char *s, size_t max)
{
	static const char ok[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-";
	size_t n = 1 + rn(max - 1), i;

	for (i = 0; i < n - 1; i++)
		s[i] = pct(95) ? ok[rn(sizeof(ok) - 1)] : (char)(1 + rn(255));
	s[n - 1] = '\0';
}

/* One mutation of the attributes in @b. Returns false if none applied. */
static bool mutate_once(struct buf *b)
{
	struct aref *r;
	uint8_t *a, tmp[8];
	uint16_t l, pl;
	size_t sz, i;
	long d;
	unsigned int k, n;

	index_attrs(b);
	if (!n_arefs || pct(4)) {
		/* Whole-message damage: cut it, or add garbage. */
		if (b->len && pct(50)) {
			b->len = rn(b->len);
		} else {
			n = 1 + rn(64);
			buf_insert(b, b->len, NULL, n);
			random_bytes(b->p + b->len - n, n);
		}
		return true;
	}
	r = &arefs[rn(n_arefs)];
	a = b->p + r->off;
	l = get16(a);
	pl = l - NLA_HDRLEN;
	sz = NLA_ALIGN(l);
	if (r->off + sz > b->len)
		sz = b->len - r->off;
	switch (rn(14)) {
	case 0:		/* another type */
		put16(a + 2, pct(70) ? rn(20) : (uint16_t)rnd());
		return true;
	case 1:		/* a length that lies */
		put16(a, pct(50) ? rn(l + 16) : (uint16_t)rnd());
		return true;
	case 2:		/* shorter payload */
		if (!pl)
			return false;
		d = 1 + rn(pl);
		if (pct(50))
			d = (d + 3) & ~3L;
		if (d > pl)
			d = pl;
		buf_delete(b, r->off + NLA_HDRLEN + pl - d, d);
		fix_lens(b, r, -d, true);
		return true;
	case 3:		/* longer payload */
		d = pct(50) ? 4 * (1 + rn(4)) : 1 + rn(16);
		if (!can_grow(b, r, d, true))
			return false;
		buf_insert(b, r->off + NLA_HDRLEN + pl, NULL, d);
		random_bytes(b->p + r->off + NLA_HDRLEN + pl, d);
		fix_lens(b, r, d, true);
		return true;
	case 4:		/* duplicated */
	case 5:		/* repeated: a huge count */
		n = rn(14) == 4 ? 1 : 1 + rn(2000);
		while (n > 1 && !can_grow(b, r, (long)n * sz, false))
			n /= 2;
		if (!can_grow(b, r, (long)n * sz, false) || !sz)
			return false;
		buf_insert(b, r->off + sz, NULL, n * sz);
		for (k = 0; k < n; k++)
			memcpy(b->p + r->off + sz * (k + 1), b->p + r->off, sz);
		fix_lens(b, r, (long)n * sz, false);
		return true;
	case 6:		/* missing */
		buf_delete(b, r->off, sz);
		fix_lens(b, r, -(long)sz, false);
		return true;
	case 7:		/* flipped bytes */
		if (!pl)
			return false;
		for (k = 1 + rn(3); k; k--)
			a[NLA_HDRLEN + rn(pl)] ^= (uint8_t)(1 + rn(255));
		return true;
	case 8:		/* boundary integers */
		if (pl != 1 && pl != 2 && pl != 4 && pl != 8)
			return false;
		switch (rn(5)) {
		case 0: memset(tmp, 0, 8); break;
		case 1: memset(tmp, 0xff, 8); break;
		case 2: memset(tmp, 0, 8); tmp[0] = 1; break;
		case 3: memset(tmp, 0xff, 8); tmp[pl - 1] = 0x7f; break;
		default: random_bytes(tmp, 8); break;
		}
		memcpy(a + NLA_HDRLEN, tmp, pl);
		return true;
	case 9: {	/* another string */
		char s[80];
		size_t sl;

		random_id(s, pct(80) ? 16 : sizeof(s));
		sl = strlen(s) + (pct(85) ? 1 : 0);
		d = (long)NLA_ALIGN(sl) - (long)NLA_ALIGN(pl);
		if (!can_grow(b, r, d, false))
			return false;
		if (d > 0)
			buf_insert(b, r->off + sz, NULL, d);
		else if (d < 0)
			buf_delete(b, r->off + sz + d, -d);
		a = b->p + r->off;
		memset(a + NLA_HDRLEN, 0, NLA_ALIGN(sl));
		memcpy(a + NLA_HDRLEN, s, sl);
		put16(a, NLA_HDRLEN + sl);
		fix_lens(b, r, d, false);
		return true;
	}
	case 10:	/* nest flag or byte-order flag */
		put16(a + 2, get16(a + 2) ^ (pct(50) ? NLA_F_NESTED :
						       NLA_F_NET_BYTEORDER));
		return true;
	case 11:	/* wrapped in one more nest */
		if (!can_grow(b, r, NLA_HDRLEN, false))
			return false;
		if (sz + NLA_HDRLEN > 0xffff)
			return false;
		tmp[0] = 0;
		buf_insert(b, r->off, NULL, NLA_HDRLEN);
		put16(b->p + r->off, sz + NLA_HDRLEN);
		put16(b->p + r->off + 2, pct(50) ? VNICGW_ITEM : rn(16));
		fix_lens(b, r, NLA_HDRLEN, false);
		return true;
	case 12: {	/* moved to the top level */
		struct buf t = { 0 };

		if (!r->depth)
			return false;
		buf_set(&t, b->p + r->off, sz);
		buf_delete(b, r->off, sz);
		fix_lens(b, r, -(long)sz, false);
		buf_insert(b, b->len, t.p, t.len);
		buf_free(&t);
		return true;
	}
	default:	/* zero-length payload */
		if (!pl)
			return false;
		buf_delete(b, r->off + NLA_HDRLEN, sz - NLA_HDRLEN);
		fix_lens(b, r, -(long)(sz - NLA_HDRLEN), false);
		put16(b->p + r->off, NLA_HDRLEN);
		(void)i;
		return true;
	}
}

static void mutate(struct buf *b)
{
	unsigned int n = 1 + (pct(70) ? 0 : rn(4)), tries = 0;

	while (n && tries++ < 20)
		if (mutate_once(b))
			n--;
}

/* Random attributes, sometimes nested: no structure at all. */
static void random_attrs(struct buf *b, unsigned int depth, size_t budget)
{
	unsigned int n = rn(6);
	size_t start, pl;

	while (n-- && b->len < budget) {
		start = b->len;
		buf_insert(b, b->len, NULL, NLA_HDRLEN);
		put16(b->p + start + 2, pct(80) ? rn(30) : (uint16_t)rnd());
		if (depth < 3 && pct(30)) {
			random_attrs(b, depth + 1, budget);
		} else {
			pl = pct(60) ? (size_t)(1 << rn(4)) : rn(80);
			buf_insert(b, b->len, NULL, NLA_ALIGN(pl));
			random_bytes(b->p + b->len - NLA_ALIGN(pl), pl);
		}
		put16(b->p + start, b->len - start);
	}
}

/* --- the universe of objects ------------------------------------------- */

#define N_VCN	3
#define N_GW	6
#define N_RT	4
#define N_SL	4
#define N_NSG	4
#define N_SN	6
#define N_VNIC	8

static const char *const type_prefix[VGW_OBJ_NTYPES] = {
	[VGW_OBJ_VCN] = "vcn", [VGW_OBJ_GATEWAY] = "gw",
	[VGW_OBJ_ROUTE_TABLE] = "rt", [VGW_OBJ_SECURITY_LIST] = "sl",
	[VGW_OBJ_NSG] = "nsg", [VGW_OBJ_SUBNET] = "sn",
	[VGW_OBJ_VNIC] = "vnic",
};
static const unsigned int type_count[VGW_OBJ_NTYPES] = {
	N_VCN, N_GW, N_RT, N_SL, N_NSG, N_SN, N_VNIC,
};

/*
 * The id of object @i of type @t; now and then one of another VCN or one
 * that never exists, so that references are sometimes wrong.
 */
static void obj_id(char *id, int t, unsigned int i)
{
	if (pct(3))
		snprintf(id, VGW_ID_MAX, "%s-%u", type_prefix[t], 9);
	else
		snprintf(id, VGW_ID_MAX, "%s-%u", type_prefix[t], i);
}

/* An object of type @t in VCN @v: index v, v + N_VCN, ... below n. */
static unsigned int in_vcn(unsigned int v, unsigned int n)
{
	unsigned int k = (n - 1 - v) / N_VCN + 1;

	if (pct(8))
		return rn(n);
	return v + N_VCN * rn(k);
}

static void v4(struct vgw_addr *a, uint8_t b0, uint8_t b1, uint8_t b2,
	       uint8_t b3)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET;
	a->bytes[0] = b0;
	a->bytes[1] = b1;
	a->bytes[2] = b2;
	a->bytes[3] = b3;
}

static void pfx4(struct vgw_prefix *p, uint8_t b0, uint8_t b1, uint8_t b2,
		 uint8_t len)
{
	v4(&p->addr, b0, b1, b2, 0);
	p->len = len;
}

static void gen_vcn(struct vgw_vcn *v, unsigned int i)
{
	snprintf(v->id, sizeof(v->id), "vcn-%u", i);
	v->n_cidrs = pct(30) ? 2 : 1;
	v->cidrs = calloc(2, sizeof(*v->cidrs));
	pfx4(&v->cidrs[0], 10, i, 0, 16);
	if (v->n_cidrs == 2) {
		memset(&v->cidrs[1], 0, sizeof(v->cidrs[1]));
		v->cidrs[1].addr.family = AF_INET6;
		v->cidrs[1].addr.bytes[0] = 0xfd;
		v->cidrs[1].addr.bytes[3] = (uint8_t)i;
		v->cidrs[1].len = 48;
	}
}

static void gen_gateway(struct vgw_gateway *g, unsigned int i)
{
	unsigned int s;

	snprintf(g->id, sizeof(g->id), "gw-%u", i);
	obj_id(g->vcn, VGW_OBJ_VCN, pct(90) ? i % N_VCN : rn(N_VCN));
	g->type = rn(5);
	if (g->type == VGW_GW_NAT || pct(5))
		v4(&g->public_ip, 203, 0, 113, (uint8_t)(1 + i));
	if (g->type == VGW_GW_SERVICE || pct(3)) {
		g->n_services = 1 + rn(2);
		g->services = calloc(g->n_services, sizeof(*g->services));
		for (s = 0; s < g->n_services; s++) {
			snprintf(g->services[s].name, VGW_ID_MAX, "svc-%u", s);
			g->services[s].n_prefixes = 1;
			g->services[s].prefixes = calloc(1, sizeof(struct vgw_prefix));
			pfx4(&g->services[s].prefixes[0], 100, (uint8_t)(100 + s),
			     0, 16);
		}
	}
	v4(&g->underlay_ip, 192, 168, 100, (uint8_t)(1 + i));
	g->vni = pct(97) ? 1000 + i : rn(2) ? 0 : 0x1000000;
	g->encap = rn(2);
	g->enabled = pct(80);
}

static void gen_route_rule(struct vgw_route_rule *r, unsigned int v,
			   unsigned int k)
{
	r->pos = k;
	if (pct(10)) {
		r->dst_type = VGW_DST_SERVICE;
		snprintf(r->service, VGW_ID_MAX, "svc-%u", rn(2));
	} else {
		r->dst_type = VGW_DST_CIDR;
		if (k == 0)
			pfx4(&r->dst, 0, 0, 0, 0);
		else
			pfx4(&r->dst, 172, (uint8_t)(16 + k), 0, 16);
	}
	if (pct(20)) {
		r->target_type = VGW_TARGET_PRIVATE_IP;
		v4(&r->private_ip, 10, (uint8_t)v, 1, (uint8_t)(10 + k));
	} else {
		r->target_type = VGW_TARGET_GATEWAY;
		obj_id(r->gateway, VGW_OBJ_GATEWAY, in_vcn(v, N_GW));
	}
}

/* A route table; @bulk rules, if not 0, of private-ip targets. */
static void gen_route_table(struct vgw_route_table *rt, unsigned int i,
			    unsigned int bulk)
{
	unsigned int v = i % N_VCN, k;

	snprintf(rt->id, sizeof(rt->id), "rt-%u", i);
	obj_id(rt->vcn, VGW_OBJ_VCN, pct(95) ? v : rn(N_VCN));
	rt->n_rules = bulk ? bulk : rn(5);
	rt->rules = calloc(rt->n_rules + 1, sizeof(*rt->rules));
	for (k = 0; k < rt->n_rules; k++) {
		if (!bulk) {
			gen_route_rule(&rt->rules[k], v, k);
			continue;
		}
		rt->rules[k].pos = k;
		pfx4(&rt->rules[k].dst, 11, (uint8_t)(k >> 8), (uint8_t)k, 24);
		rt->rules[k].target_type = VGW_TARGET_PRIVATE_IP;
		v4(&rt->rules[k].private_ip, 10, (uint8_t)v, 1, 5);
	}
}

static void gen_sec_rule(struct vgw_sec_rule *r, unsigned int v, bool nsg_peer)
{
	static const int protos[] = { VGW_PROTO_ALL, 6, 17, 1, 58, 47 };

	if (nsg_peer) {
		r->peer_type = VGW_PEER_NSG;
		obj_id(r->peer_nsg, VGW_OBJ_NSG, in_vcn(v, N_NSG));
	} else {
		r->peer_type = VGW_PEER_CIDR;
		pfx4(&r->peer_cidr, 10, (uint8_t)rn(4), 0, 16);
	}
	r->protocol = protos[rn(6)];
	r->src_ports.lo = 0;
	r->src_ports.hi = 65535;
	r->dst_ports = r->src_ports;
	if ((r->protocol == 6 || r->protocol == 17 || pct(3)) && pct(60)) {
		r->dst_ports.lo = (uint16_t)rn(1024);
		r->dst_ports.hi = r->dst_ports.lo + (uint16_t)rn(100);
	}
	r->icmp_type = VGW_ICMP_ANY;
	r->icmp_code = VGW_ICMP_ANY;
	if ((r->protocol == 1 || r->protocol == 58 || pct(3)) && pct(50)) {
		r->icmp_type = rn(256);
		if (pct(50))
			r->icmp_code = rn(16);
	}
	r->stateless = pct(20);
}

static void gen_seclist(struct vgw_seclist *s, int t, unsigned int i,
			unsigned int bulk)
{
	unsigned int v = i % N_VCN, k;

	snprintf(s->id, sizeof(s->id), "%s-%u", type_prefix[t], i);
	obj_id(s->vcn, VGW_OBJ_VCN, pct(95) ? v : rn(N_VCN));
	s->n_ingress = bulk ? bulk : rn(4);
	s->n_egress = bulk ? bulk / 2 : rn(4);
	s->ingress = calloc(s->n_ingress + 1, sizeof(*s->ingress));
	s->egress = calloc(s->n_egress + 1, sizeof(*s->egress));
	for (k = 0; k < s->n_ingress; k++)
		gen_sec_rule(&s->ingress[k], v, !bulk && pct(15));
	for (k = 0; k < s->n_egress; k++)
		gen_sec_rule(&s->egress[k], v, !bulk && pct(15));
}

static void gen_subnet(struct vgw_subnet *s, unsigned int i)
{
	unsigned int v = i % N_VCN, k, n;

	snprintf(s->id, sizeof(s->id), "sn-%u", i);
	obj_id(s->vcn, VGW_OBJ_VCN, pct(95) ? v : rn(N_VCN));
	pfx4(&s->cidr, 10, (uint8_t)v, (uint8_t)(pct(95) ? i : rn(3)), 24);
	if (pct(70))
		obj_id(s->route_table, VGW_OBJ_ROUTE_TABLE, in_vcn(v, N_RT));
	n = rn(3);
	s->security_lists = calloc(n + 1, sizeof(*s->security_lists));
	for (k = 0; k < n; k++) {
		obj_id(s->security_lists[s->n_security_lists],
		       VGW_OBJ_SECURITY_LIST, in_vcn(v, N_SL));
		/* A set: no duplicates in a structured request. */
		if (k && !strcmp(s->security_lists[k - 1],
				 s->security_lists[s->n_security_lists]))
			continue;
		s->n_security_lists++;
	}
}

static void gen_vnic(struct vgw_vnic *v, unsigned int i)
{
	unsigned int sn = pct(95) ? i % N_SN : rn(N_SN), vcn = sn % N_VCN, k;

	snprintf(v->id, sizeof(v->id), "vnic-%u", i);
	obj_id(v->subnet, VGW_OBJ_SUBNET, sn);
	v->n_private_ips = 1 + (pct(20) ? 1 : 0);
	v->private_ips = calloc(2, sizeof(*v->private_ips));
	for (k = 0; k < v->n_private_ips; k++)
		v4(&v->private_ips[k], 10, (uint8_t)vcn, (uint8_t)sn,
		   (uint8_t)(10 + i + 50 * k));
	vgw_mac_from_addr(&v->private_ips[0], v->mac);
	if (pct(30))
		v4(&v->public_ip, 198, 51, 100, (uint8_t)(1 + i));
	if (pct(40)) {
		v->n_nsgs = 1;
		v->nsgs = calloc(1, sizeof(*v->nsgs));
		obj_id(v->nsgs[0], VGW_OBJ_NSG, in_vcn(vcn, N_NSG));
	}
	v->skip_source_dest_check = pct(20);
	v->micro_vnic.vni = 5000 + i;
	v4(&v->micro_vnic.nvd_ip, 192, 168, 200, (uint8_t)(1 + i));
	v->micro_vnic.encap = rn(2);
	v->n_vips = 1 + (pct(20) ? 1 : 0);
	v->vips = calloc(2, sizeof(*v->vips));
	for (k = 0; k < v->n_vips; k++) {
		v4(&v->vips[k].ip, 100, 64, (uint8_t)i, (uint8_t)(1 + k));
		if (pct(20)) {
			v->vips[k].rule = VGW_VIP_TARGET;
			obj_id(v->vips[k].target, VGW_OBJ_GATEWAY,
			       in_vcn(vcn, N_GW));
		}
	}
	v->conntrack_limit = pct(95) ? 1 + rn(100000) : VGW_CONNTRACK_MAX + 1;
}

/* A fresh object of type @t; a document owns and frees it. */
static void *gen_obj(struct vgw_doc *d, int t, unsigned int i, unsigned int bulk)
{
	switch (t) {
	case VGW_OBJ_VCN:
		d->vcns = calloc(1, sizeof(*d->vcns));
		d->n_vcns = 1;
		gen_vcn(d->vcns, i);
		return d->vcns;
	case VGW_OBJ_GATEWAY:
		d->gateways = calloc(1, sizeof(*d->gateways));
		d->n_gateways = 1;
		gen_gateway(d->gateways, i);
		return d->gateways;
	case VGW_OBJ_ROUTE_TABLE:
		d->route_tables = calloc(1, sizeof(*d->route_tables));
		d->n_route_tables = 1;
		gen_route_table(d->route_tables, i, bulk);
		return d->route_tables;
	case VGW_OBJ_SECURITY_LIST:
		d->security_lists = calloc(1, sizeof(*d->security_lists));
		d->n_security_lists = 1;
		gen_seclist(d->security_lists, t, i, bulk);
		return d->security_lists;
	case VGW_OBJ_NSG:
		d->nsgs = calloc(1, sizeof(*d->nsgs));
		d->n_nsgs = 1;
		gen_seclist(d->nsgs, t, i, bulk);
		return d->nsgs;
	case VGW_OBJ_SUBNET:
		d->subnets = calloc(1, sizeof(*d->subnets));
		d->n_subnets = 1;
		gen_subnet(d->subnets, i);
		return d->subnets;
	default:
		d->vnics = calloc(1, sizeof(*d->vnics));
		d->n_vnics = 1;
		gen_vnic(d->vnics, i);
		return d->vnics;
	}
}

/* Encode with libvnicgw into @b (the request's attributes). */
static int encode(struct buf *b, int t, const void *obj, unsigned int *from)
{
	unsigned int start = from ? *from : 0;
	size_t size;
	int err = -EMSGSIZE;

	/*
	 * Small messages first: the VM emulates its CPU, and clearing a
	 * megabyte per request would cost more than the request.
	 */
	for (size = 8192; err == -EMSGSIZE && size <= (1 << 20); size *= 4) {
		struct nl_msg *m = nlmsg_alloc_size(size);

		if (!m)
			return -ENOMEM;
		if (from)
			*from = start;
		err = from ? vgw_obj_put_part(m, t, obj, from) :
			     vgw_obj_put(m, t, obj);
		if (!err)
			buf_set(b, nlmsg_data(nlmsg_hdr(m)),
				nlmsg_datalen(nlmsg_hdr(m)));
		nlmsg_free(m);
	}
	return err;
}

/* --- requests and what the model makes of them -------------------------- */

static const int obj_nest_attr[VGW_OBJ_NTYPES] = {
	[VGW_OBJ_VCN] = VNICGW_A_VCN, [VGW_OBJ_GATEWAY] = VNICGW_A_GATEWAY,
	[VGW_OBJ_ROUTE_TABLE] = VNICGW_A_ROUTE_TABLE,
	[VGW_OBJ_SECURITY_LIST] = VNICGW_A_SECLIST,
	[VGW_OBJ_NSG] = VNICGW_A_NSG, [VGW_OBJ_SUBNET] = VNICGW_A_SUBNET,
	[VGW_OBJ_VNIC] = VNICGW_A_VNIC,
};

static void finding(const char *what, const char *err, const struct buf *b)
{
	st.undecodable++;
	if (st.undecodable <= MAX_PRINT) {
		printf("# FINDING: %s: %s\n", what, err);
		hexdump("request attributes", b->p, b->len);
	}
}

/*
 * An OBJ_SET from @s was acknowledged: record what it set, read from the
 * bytes sent, as the kernel read them (the one object nest; the id inside).
 */
static void model_obj_set(int s, const struct buf *b)
{
	struct nlattr *tb[VNICGW_A_MAX + 1], *in[VGW_NEST_MAX + 1];
	struct model *m = target(s);
	struct buf part = { 0 };
	struct mobj *o;
	char id[VGW_ID_MAX], err[256];
	bool append;
	int t, app_attr;
	size_t len;

	if (nla_parse(tb, VNICGW_A_MAX, (struct nlattr *)b->p, b->len, NULL)) {
		finding("accepted OBJ_SET that libnl cannot parse", "", b);
		return;
	}
	for (t = 0; t < VGW_OBJ_NTYPES; t++)
		if (tb[obj_nest_attr[t]])
			break;
	if (t == VGW_OBJ_NTYPES ||
	    nla_parse_nested(in, VGW_NEST_MAX, tb[obj_nest_attr[t]], NULL) ||
	    !in[1] || nla_len(in[1]) < 2 || nla_len(in[1]) > VGW_ID_MAX ||
	    ((char *)nla_data(in[1]))[nla_len(in[1]) - 1]) {
		finding("accepted OBJ_SET whose object or id cannot be read", "", b);
		return;
	}
	memcpy(id, nla_data(in[1]), nla_len(in[1]));
	/* The total size is aligned; the request's last attribute may not be. */
	len = nla_total_size(nla_len(tb[obj_nest_attr[t]]));
	if (len > (size_t)(b->p + b->len - (uint8_t *)tb[obj_nest_attr[t]]))
		len = b->p + b->len - (uint8_t *)tb[obj_nest_attr[t]];
	buf_set(&part, tb[obj_nest_attr[t]], len);
	app_attr = t == VGW_OBJ_ROUTE_TABLE ? VNICGW_RT_APPEND :
		   t == VGW_OBJ_SECURITY_LIST || t == VGW_OBJ_NSG ?
		   VNICGW_SECLIST_APPEND : 0;
	append = app_attr && in[app_attr];
	if (append) {
		o = model_find(m, t, id);
		if (!o) {
			fail("message %lu: an append to %s %s, absent from the model, was accepted",
			     st.msgs, vgw_obj_type_name(t), id);
			buf_free(&part);
			return;
		}
	} else {
		o = model_set(m, t, id);
	}
	mobj_add_part(o, &part);
	buf_free(&part);
	if (!o->opaque && mobj_check_decodes(o, err, sizeof(err))) {
		o->opaque = true;
		finding("accepted OBJ_SET that the dump decoder cannot read", err, b);
	}
}

static void model_obj_del(int s, const struct buf *b)
{
	struct nlattr *tb[VNICGW_A_MAX + 1];
	char id[VGW_ID_MAX];
	int t;

	if (nla_parse(tb, VNICGW_A_MAX, (struct nlattr *)b->p, b->len, NULL) ||
	    !tb[VNICGW_A_OBJ_TYPE] || !tb[VNICGW_A_OBJ_ID] ||
	    nla_len(tb[VNICGW_A_OBJ_TYPE]) < 1 ||
	    nla_len(tb[VNICGW_A_OBJ_ID]) < 2 ||
	    nla_len(tb[VNICGW_A_OBJ_ID]) > VGW_ID_MAX) {
		finding("accepted OBJ_DEL whose type or id cannot be read", "", b);
		return;
	}
	t = nla_get_u8(tb[VNICGW_A_OBJ_TYPE]);
	snprintf(id, sizeof(id), "%.*s", nla_len(tb[VNICGW_A_OBJ_ID]),
		 (char *)nla_data(tb[VNICGW_A_OBJ_ID]));
	if (t >= VGW_OBJ_NTYPES) {
		finding("accepted OBJ_DEL of a type that does not exist", "", b);
		return;
	}
	if (!model_find(target(s), t, id))
		fail("message %lu: OBJ_DEL of %s %s, absent from the model, was accepted",
		     st.msgs, vgw_obj_type_name(t), id);
	model_del(target(s), t, id);
}

/* An acknowledged request from a socket that does not own the txn. */
static void check_not_blocked(int s, unsigned int cmd)
{
	if (txn_owner >= 0 && txn_owner != s)
		fail("message %lu: %s from socket %d accepted while socket %d holds the transaction",
		     st.msgs, cmd_name(cmd), s, txn_owner);
}

/* What an accepted request of @cmd means for the model. */
static void model_accept(int s, unsigned int cmd, int flags,
			 const struct buf *b)
{
	if (flags & NLM_F_DUMP)
		return;
	switch (cmd) {
	case VNICGW_CMD_FLUSH:
		model_clear(&committed);
		model_clear(&pending);
		txn_owner = -1;
		break;
	case VNICGW_CMD_TXN_BEGIN:
		check_not_blocked(s, cmd);
		if (txn_owner == s)
			fail("message %lu: a second TXN_BEGIN of socket %d was accepted",
			     st.msgs, s);
		txn_owner = s;
		model_copy(&pending, &committed);
		break;
	case VNICGW_CMD_TXN_COMMIT:
	case VNICGW_CMD_TXN_ABORT:
		if (txn_owner != s) {
			fail("message %lu: %s from socket %d accepted, owner %d",
			     st.msgs, cmd_name(cmd), s, txn_owner);
			break;
		}
		if (cmd == VNICGW_CMD_TXN_COMMIT) {
			model_copy(&committed, &pending);
			st.commits++;
		} else {
			st.aborts++;
		}
		model_clear(&pending);
		txn_owner = -1;
		break;
	case VNICGW_CMD_OBJ_SET:
		check_not_blocked(s, cmd);
		model_obj_set(s, b);
		break;
	case VNICGW_CMD_OBJ_DEL:
		check_not_blocked(s, cmd);
		model_obj_del(s, b);
		break;
	case VNICGW_CMD_CLUSTER_SET: {
		struct nlattr *tb[VNICGW_A_MAX + 1];
		char err[256];

		if (nla_parse(tb, VNICGW_A_MAX, (struct nlattr *)b->p, b->len,
			      NULL) ||
		    vgw_cluster_decode(tb[VNICGW_A_CLUSTER], &mcluster.cl, err,
				       sizeof(err))) {
			finding("accepted CLUSTER_SET that the decoder cannot read",
				"", b);
			mcluster.have = false;
			break;
		}
		mcluster.have = true;
		buf_set(&mcluster.nest, b->p, b->len);
		break;
	}
	default:
		break;
	}
}

/* Send, then follow the answer in the model. */
static int request(int s, unsigned int cmd, int flags, const struct buf *b,
		   bool mutated)
{
	int err = send_req(s, cmd, flags, b, mutated);

	if (!err)
		model_accept(s, cmd, flags, b);
	else
		after_refusal(s, cmd);
	return err;
}

/* --- comparing the kernel with the model --------------------------------- */

static void print_obj(const char *who, int t, const void *o)
{
	printf("#   %s:\n", who);
	fflush(stdout);
	if (o) {
		FILE *f = tmpfile();
		char line[512];

		vgw_obj_write_json(t, o, f);
		rewind(f);
		while (fgets(line, sizeof(line), f))
			printf("#     %s", line);
		fclose(f);
	} else {
		printf("#     (none)\n");
	}
}

static void check_model(const char *when)
{
	struct vgw_doc *kd = NULL, *md = vgw_doc_new();
	struct vgw_info info;
	char err[256];
	unsigned int i, t;
	int ret;

	st.checks++;
	ret = vgw_dump_doc(&checker, &kd);
	if (ret) {
		fail("%s: dump failed: %d %s", when, ret, checker.errmsg);
		vgw_doc_free(md);
		return;
	}
	for (i = 0; i < committed.n; i++)
		if (!committed.o[i].opaque &&
		    mobj_decode(&committed.o[i], md, err, sizeof(err)))
			fail("%s: model object %s %s does not decode: %s", when,
			     vgw_obj_type_name(committed.o[i].type),
			     committed.o[i].id, err);
	vgw_doc_normalize(md);
	for (t = 0; t < VGW_OBJ_NTYPES; t++) {
		unsigned int nk = vgw_doc_count(kd, t);

		for (i = 0; i < nk; i++) {
			const char *id = vgw_doc_obj(kd, t, i);
			struct mobj *o = model_find(&committed, t, id);

			if (!o) {
				st.model_diffs++;
				fail("%s (message %lu): the kernel has %s %s, the model does not",
				     when, st.msgs, vgw_obj_type_name(t), id);
				if (failures <= MAX_PRINT)
					print_obj("kernel", t, vgw_doc_obj(kd, t, i));
			} else if (!o->opaque &&
				   !vgw_obj_equal(t, vgw_doc_obj(kd, t, i),
						  vgw_doc_find(md, t, id))) {
				st.model_diffs++;
				fail("%s (message %lu): %s %s differs", when,
				     st.msgs, vgw_obj_type_name(t), id);
				if (failures <= MAX_PRINT) {
					print_obj("kernel", t, vgw_doc_obj(kd, t, i));
					print_obj("model", t, vgw_doc_find(md, t, id));
				}
			}
		}
	}
	for (i = 0; i < committed.n; i++)
		if (!vgw_doc_find(kd, committed.o[i].type, committed.o[i].id)) {
			st.model_diffs++;
			fail("%s (message %lu): the model has %s %s, the kernel does not",
			     when, st.msgs, vgw_obj_type_name(committed.o[i].type),
			     committed.o[i].id);
		}
	if (vgw_get_info(&checker, &info))
		fail("%s: GET_INFO failed: %s", when, checker.errmsg);
	else if (info.n_objs != committed.n)
		fail("%s: GET_INFO counts %u objects, the model %u", when,
		     info.n_objs, committed.n);
	if (mcluster.have) {
		struct vgw_cluster k = { 0 }, m = mcluster.cl;
		bool same;

		ret = vgw_cluster_get(&checker, &k);
		if (ret) {
			fail("%s: CLUSTER_GET failed: %s", when, checker.errmsg);
		} else {
			vgw_cluster_sort(&k);
			vgw_cluster_sort(&mcluster.cl);
			m = mcluster.cl;
			/* No members: standalone, reported without self or size. */
			same = !strcmp(k.self, m.n ? m.self : "") && k.n == m.n &&
			       k.size == (!m.n ? 0 : m.size ? m.size :
					  VNICGW_CLUSTER_SIZE_DEFAULT);
			for (i = 0; same && i < k.n; i++)
				same = !strcmp(k.members[i].id, m.members[i].id) &&
				       k.members[i].addr_len == m.members[i].addr_len &&
				       !memcmp(k.members[i].addr, m.members[i].addr,
					       k.members[i].addr_len);
			if (!same) {
				st.model_diffs++;
				fail("%s: the cluster differs: kernel self '%s' size %u members %u; model self '%s' size %u members %u",
				     when, k.self, k.size, k.n, m.self, m.size, m.n);
				hexdump("model's CLUSTER_SET", mcluster.nest.p,
					mcluster.nest.len);
			}
		}
		vgw_cluster_free(&k);
	}
	vgw_doc_free(kd);
	vgw_doc_free(md);
}

/* --- the steps ----------------------------------------------------------- */

/* A socket to send from: mostly the transaction's owner while one is open. */
static int pick_sock(void)
{
	if (txn_owner >= 0 && pct(75))
		return txn_owner;
	return rn(NSOCK);
}

static void step_obj_set(bool mut)
{
	struct vgw_doc *d = vgw_doc_new();
	struct buf b = { 0 };
	int t = rn(VGW_OBJ_NTYPES);
	void *obj = gen_obj(d, t, rn(type_count[t]), 0);

	if (!encode(&b, t, obj, NULL)) {
		if (mut)
			mutate(&b);
		request(pick_sock(), VNICGW_CMD_OBJ_SET, 0, &b, mut);
	}
	buf_free(&b);
	vgw_doc_free(d);
}

static void put_type_id(struct buf *b, int t, const char *id)
{
	struct nl_msg *m = nlmsg_alloc();

	nla_put_u8(m, VNICGW_A_OBJ_TYPE, (uint8_t)t);
	nla_put_string(m, VNICGW_A_OBJ_ID, id);
	buf_set(b, nlmsg_data(nlmsg_hdr(m)), nlmsg_datalen(nlmsg_hdr(m)));
	nlmsg_free(m);
}

static void step_obj_del(bool mut)
{
	struct buf b = { 0 };
	char id[VGW_ID_MAX];
	int t = rn(VGW_OBJ_NTYPES);

	obj_id(id, t, rn(type_count[t]));
	put_type_id(&b, t, id);
	if (mut)
		mutate(&b);
	request(pick_sock(), VNICGW_CMD_OBJ_DEL, 0, &b, mut);
	buf_free(&b);
}

/* The bytes of an object's nests as they were set (0: none). */
static size_t mobj_bytes(const struct mobj *o)
{
	size_t n = 0;
	unsigned int i;

	for (i = 0; o && i < o->n_parts; i++)
		n += o->parts[i].len;
	return n;
}

/*
 * OBJ_GET do: 0 for an object the model has, -ENOENT for one it has not;
 * or -EMSGSIZE for one too large for a do's single reply (a page): never
 * for a small one, whose reply is well under a page.
 */
static bool get_answer_ok(const struct mobj *o, int err)
{
	if (!o)
		return err == -ENOENT;
	return !err || (err == -EMSGSIZE && mobj_bytes(o) >= 512);
}

static void step_obj_get(bool mut, bool dump)
{
	struct buf b = { 0 };
	char id[VGW_ID_MAX];
	int t = rn(VGW_OBJ_NTYPES), s = pick_sock(), err;

	obj_id(id, t, rn(type_count[t]));
	put_type_id(&b, t, id);
	if (dump && pct(50))
		b.len = 8;	/* the type only: a dump of one type */
	if (mut)
		mutate(&b);
	err = request(s, VNICGW_CMD_OBJ_GET, dump ? NLM_F_DUMP : 0, &b, mut);
	if (!mut && !dump && !get_answer_ok(model_find(&committed, t, id), err))
		fail("message %lu: OBJ_GET %s %s answered %d, the model %s it (%zu bytes)",
		     st.msgs, vgw_obj_type_name(t), id, err,
		     model_find(&committed, t, id) ? "has" : "has not",
		     mobj_bytes(model_find(&committed, t, id)));
	buf_free(&b);
}

static const uint32_t primes[] = { 2, 3, 5, 7, 13, 251, 65537, 1048573 };

static void step_cluster_set(bool mut)
{
	struct vgw_cluster cl = { 0 };
	struct vgw_addr a;
	struct nl_msg *m = nlmsg_alloc_size(4096);
	struct buf b = { 0 };
	unsigned int n = rn(6), i, self = rn(n + 1);
	char id[16];

	for (i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "h%u", rn(8));
		v4(&a, 10, 99, 0, (uint8_t)(1 + i));
		if (pct(20)) {
			memset(&a, 0, sizeof(a));
			a.family = AF_INET6;
			a.bytes[0] = 0xfd;
			a.bytes[15] = (uint8_t)(1 + i);
		}
		vgw_cluster_add(&cl, id, &a);
		if (i == self)
			snprintf(cl.self, sizeof(cl.self), "%s", id);
	}
	if (pct(30))
		cl.size = primes[rn(sizeof(primes) / sizeof(primes[0]))];
	if (pct(30))
		cl.backups = rn(4);	/* 0: not sent; 3: refused */
	if (!vgw_cluster_put(m, &cl)) {
		buf_set(&b, nlmsg_data(nlmsg_hdr(m)), nlmsg_datalen(nlmsg_hdr(m)));
		if (mut)
			mutate(&b);
		request(pick_sock(), VNICGW_CMD_CLUSTER_SET, 0, &b, mut);
	}
	nlmsg_free(m);
	vgw_cluster_free(&cl);
	buf_free(&b);
}

/*
 * The connection and NAT tables: a listing (of every VNIC, or of one) or a
 * delete, with the attributes of a real entry's name (some missing, some
 * of the wrong family or length), mutated or not.
 */
static void step_table(bool mut)
{
	static const unsigned int cmds[] = {
		VNICGW_CMD_CT_GET, VNICGW_CMD_CT_DEL,
		VNICGW_CMD_NAT_GET, VNICGW_CMD_NAT_DEL,
	};
	unsigned int cmd = cmds[rn(4)], i;
	bool ct = cmd == VNICGW_CMD_CT_GET || cmd == VNICGW_CMD_CT_DEL;
	bool dump = cmd == VNICGW_CMD_CT_GET || cmd == VNICGW_CMD_NAT_GET;
	struct nl_msg *m = nlmsg_alloc_size(4096);
	struct buf b = { 0 };
	struct nlattr *n;
	uint8_t addr[16];
	char id[16];

	for (i = 0; i < sizeof(addr); i++)
		addr[i] = (uint8_t)rnd();
	snprintf(id, sizeof(id), "vnic-%u", rn(8));
	if (!dump || pct(50)) {
		n = nla_nest_start(m, ct ? VNICGW_A_CT : VNICGW_A_NAT);
		if (pct(80))
			nla_put_string(m, ct ? VNICGW_CT_VNIC : VNICGW_NAT_VNIC, id);
		if (!dump) {
			/* CT: VNIC PROTO SRC DST SPORT DPORT; NAT: PROTO PUBLIC_IP
			 * PUBLIC_PORT REMOTE_IP REMOTE_PORT (attribute numbers). */
			for (i = ct ? VNICGW_CT_PROTO : VNICGW_NAT_PROTO;
			     i <= (ct ? VNICGW_CT_DPORT : VNICGW_NAT_REMOTE_PORT); i++) {
				if (pct(5) || (!ct && (i == VNICGW_NAT_PRIVATE_IP ||
						       i == VNICGW_NAT_PRIVATE_PORT) &&
					      !pct(5)))
					continue;
				if (i == (ct ? VNICGW_CT_PROTO : VNICGW_NAT_PROTO))
					nla_put_u8(m, i, pct(50) ? 6 : pct(50) ? 17 : (uint8_t)rnd());
				else if (ct ? i == VNICGW_CT_SRC || i == VNICGW_CT_DST :
					 i == VNICGW_NAT_PUBLIC_IP || i == VNICGW_NAT_REMOTE_IP ||
					 i == VNICGW_NAT_PRIVATE_IP)
					nla_put(m, i, pct(90) ? (pct(70) ? 4 : 16) : rn(17), addr);
				else
					nla_put_u16(m, i, (uint16_t)rnd());
			}
		}
		nla_nest_end(m, n);
	}
	buf_set(&b, nlmsg_data(nlmsg_hdr(m)), nlmsg_datalen(nlmsg_hdr(m)));
	if (mut)
		mutate(&b);
	request(pick_sock(), cmd, dump ? NLM_F_DUMP : 0, &b, mut);
	nlmsg_free(m);
	buf_free(&b);
}

/*
 * TRACE: a packet from one of the universe's VNICs or gateways, or from
 * an outer header given by hand, to addresses of the universe (another
 * VNIC, a public IP, the internet) or random ones, each field there or
 * not and now and then out of range, encoded by libvnicgw's encoder;
 * mutated or not; now and then as a dump (genl has none). TRACE changes
 * nothing: model_accept() takes no change from it.
 */
static void step_trace(bool mut)
{
	struct vgw_trace_pkt p = { 0 };
	struct nl_msg *m = nlmsg_alloc_size(4096);
	unsigned int i = rn(N_VNIC), from = rn(10), k;
	unsigned int sn = i % N_SN, vcn = sn % N_VCN;
	static const uint8_t protos[] = { 6, 17, 1, 58 };
	char id[VGW_ID_MAX];
	struct buf b = { 0 };
	bool v6 = pct(10);

#define GIVE(attr)	(p.has |= VGW_TRACE_BIT(attr))
	if (from < 6) {
		obj_id(id, VGW_OBJ_VNIC, i);
		snprintf(p.vnic, sizeof(p.vnic), "%s", id);
		GIVE(VNICGW_TRACE_VNIC);
	} else if (from < 8) {
		obj_id(id, VGW_OBJ_GATEWAY, rn(N_GW));
		snprintf(p.gateway, sizeof(p.gateway), "%s", id);
		GIVE(VNICGW_TRACE_GATEWAY);
	}
	/* Without a VNIC or gateway these three are needed (mostly given). */
	if (from >= 8 ? pct(95) : pct(15)) {
		v4(&p.outer_src, 192, 168, pct(80) ? 200 : 100, (uint8_t)(1 + i));
		GIVE(VNICGW_TRACE_OUTER_SRC);
	}
	if (from >= 8 ? pct(95) : pct(15)) {
		v4(&p.outer_dst, 100, 64, (uint8_t)i, (uint8_t)(1 + rn(2)));
		GIVE(VNICGW_TRACE_OUTER_DST);
	}
	if (from >= 8 ? pct(95) : pct(10)) {
		p.vni = pct(90) ? 5000 + i : pct(50) ? 1000 + rn(N_GW) :
			rn(2) ? 0 : 0x1000000;
		GIVE(VNICGW_TRACE_VNI);
	}
	if (pct(15)) {
		p.encap = (uint8_t)rn(3);
		GIVE(VNICGW_TRACE_ENCAP);
	}
	if (pct(15)) {
		struct vgw_addr a;

		v4(&a, 10, (uint8_t)vcn, (uint8_t)sn, (uint8_t)(10 + i));
		vgw_mac_from_addr(&a, p.src_mac);
		if (pct(30))
			p.src_mac[5] ^= (uint8_t)rnd();
		GIVE(VNICGW_TRACE_SRC_MAC);
	}
	if (pct(10)) {
		for (k = 0; k < 6; k++)
			p.dst_mac[k] = pct(80) ? (k == 0 ? 2 : k == 5 ? 1 : 0) :
				       (uint8_t)rnd();
		GIVE(VNICGW_TRACE_DST_MAC);
	}
	/* The inner destination: another VNIC, a public IP, the internet. */
	if (pct(97)) {
		unsigned int j = rn(N_VNIC), sj = j % N_SN;

		if (v6) {
			p.dst.family = AF_INET6;
			for (k = 0; k < 16; k++)
				p.dst.bytes[k] = k < 2 ? (k ? 0x0d : 0xfd) : (uint8_t)rn(4);
		} else if (pct(60)) {
			v4(&p.dst, 10, (uint8_t)(sj % N_VCN), (uint8_t)sj, (uint8_t)(10 + j));
		} else if (pct(50)) {
			v4(&p.dst, 198, 51, 100, (uint8_t)(1 + j));
		} else {
			v4(&p.dst, 93, 184, 216, (uint8_t)rnd());
		}
		GIVE(VNICGW_TRACE_DST);
	}
	if (!p.vnic[0] || pct(20)) {
		if (v6 != pct(3)) {
			p.src.family = AF_INET6;
			p.src.bytes[0] = 0xfd;
			p.src.bytes[15] = (uint8_t)rnd();
		} else {
			v4(&p.src, pct(50) ? 10 : 198, (uint8_t)vcn, (uint8_t)sn,
			   (uint8_t)(10 + i));
		}
		GIVE(VNICGW_TRACE_SRC);
	}
	if (pct(97)) {
		p.proto = pct(95) ? protos[rn(4)] : (uint8_t)rnd();
		GIVE(VNICGW_TRACE_PROTO);
	}
	if (pct(60)) {
		p.sport = pct(50) ? (uint16_t)(1024 + rn(64)) : (uint16_t)rnd();
		GIVE(VNICGW_TRACE_SPORT);
	}
	if (pct(60)) {
		p.dport = pct(70) ? (uint16_t)(pct(50) ? 80 : 7000) : (uint16_t)rnd();
		GIVE(VNICGW_TRACE_DPORT);
	}
	if (pct(30)) {
		p.tcp_flags = pct(70) ? (pct(50) ? 0x02 : 0x10) : (uint8_t)rnd();
		GIVE(VNICGW_TRACE_TCP_FLAGS);
	}
	if (pct(25)) {
		p.icmp_type = pct(60) ? (uint8_t)(pct(50) ? 8 : 128) : (uint8_t)rnd();
		GIVE(VNICGW_TRACE_ICMP_TYPE);
	}
	if (pct(15)) {
		p.icmp_code = pct(70) ? 0 : (uint8_t)rnd();
		GIVE(VNICGW_TRACE_ICMP_CODE);
	}
	if (pct(20)) {
		p.ttl = pct(80) ? (uint8_t)(1 + rn(64)) : (uint8_t)rn(2) * 255;
		GIVE(VNICGW_TRACE_TTL);
	}
#undef GIVE
	/* An empty nest is left out by libnl: then no VNICGW_A_TRACE at all. */
	if (!m || vgw_trace_put(m, &p))
		goto out;
	buf_set(&b, nlmsg_data(nlmsg_hdr(m)), nlmsg_datalen(nlmsg_hdr(m)));
	if (mut)
		mutate(&b);
	request(pick_sock(), VNICGW_CMD_TRACE, pct(2) ? NLM_F_DUMP : 0, &b, mut);
out:
	nlmsg_free(m);
	buf_free(&b);
}

/* A request with no attributes, or mutated ones. */
static void step_plain(unsigned int cmd, int flags, bool mut, int s)
{
	struct buf b = { 0 };

	if (mut) {
		random_attrs(&b, 0, 512);
		if (!b.len) {
			buf_insert(&b, 0, NULL, 8);
			put16(b.p, 8);
			put16(b.p + 2, rn(30));
		}
	}
	request(s, cmd, flags, &b, mut);
	buf_free(&b);
}

static void step_random(void)
{
	struct buf b = { 0 };
	unsigned int cmd = pct(90) ? rn(VNICGW_CMD_MAX + 1) : rn(256);
	int flags = pct(20) ? NLM_F_DUMP : pct(5) ? (int)(rnd() & 0xff00) : 0;

	st.random_msgs++;
	random_attrs(&b, 0, 2048);
	/* FLUSH would empty the tables too often to build anything. */
	if (cmd == VNICGW_CMD_FLUSH && pct(90))
		cmd = VNICGW_CMD_GET_INFO;
	request(pick_sock(), cmd, flags, &b, true);
	buf_free(&b);
}

/*
 * A route table or security list too large for one attribute, in parts
 * inside a transaction of @s: set, appends, commit (or abort).
 */
static void step_bulk(void)
{
	struct vgw_doc *d = vgw_doc_new();
	struct buf b = { 0 };
	int t = pct(50) ? VGW_OBJ_ROUTE_TABLE :
		pct(50) ? VGW_OBJ_SECURITY_LIST : VGW_OBJ_NSG;
	unsigned int n = t == VGW_OBJ_ROUTE_TABLE ? 500 + rn(3000) : 100 + rn(924);
	int s = txn_owner >= 0 ? txn_owner : rn(NSOCK);
	void *obj = gen_obj(d, t, rn(type_count[t]), n);
	unsigned int from = 0, parts = 0;
	bool mine = txn_owner == s;

	if (!mine && request(s, VNICGW_CMD_TXN_BEGIN, 0, NULL, false))
		goto out;
	if (t == VGW_OBJ_ROUTE_TABLE) {
		while (from < n && txn_owner == s) {
			if (encode(&b, t, obj, &from))
				break;
			if (pct(3))
				mutate(&b);
			request(s, VNICGW_CMD_OBJ_SET, 0, &b, false);
			parts++;
		}
	} else {
		/* The library sends lists whole: split it in two by hand. */
		struct vgw_seclist *sl = obj;
		unsigned int ni = sl->n_ingress, ne = sl->n_egress;

		sl->n_ingress = ni / 2;
		sl->n_egress = ne / 2;
		if (!encode(&b, t, obj, NULL))
			request(s, VNICGW_CMD_OBJ_SET, 0, &b, false);
		sl->ingress += ni / 2;
		sl->egress += ne / 2;
		sl->n_ingress = ni - ni / 2;
		sl->n_egress = ne - ne / 2;
		if (txn_owner == s && !encode(&b, t, obj, NULL)) {
			/* The flag goes inside the object nest. */
			buf_insert(&b, b.len, NULL, NLA_HDRLEN);
			put16(b.p + b.len - NLA_HDRLEN, NLA_HDRLEN);
			put16(b.p + b.len - 2, VNICGW_SECLIST_APPEND);
			put16(b.p, get16(b.p) + NLA_HDRLEN);
			request(s, VNICGW_CMD_OBJ_SET, 0, &b, false);
		}
		sl->ingress -= ni / 2;
		sl->egress -= ne / 2;
		sl->n_ingress = ni;
		sl->n_egress = ne;
	}
	if (!mine && txn_owner == s)
		request(s, pct(85) ? VNICGW_CMD_TXN_COMMIT : VNICGW_CMD_TXN_ABORT,
			0, NULL, false);
	if (verbose)
		printf("# bulk %s of %u rules in %u parts\n",
		       vgw_obj_type_name(t), n, parts);
out:
	buf_free(&b);
	vgw_doc_free(d);
}

static void step_close(void)
{
	int s = txn_owner >= 0 && pct(70) ? txn_owner : rn(NSOCK);

	st.closes++;
	vgw_close(&socks[s]);
	if (txn_owner == s) {
		txn_owner = -1;
		model_clear(&pending);
	}
	open_sock(s);
}

static void step(void)
{
	unsigned int r = rn(1000);
	bool mut = pct(30);

	if (r < 450)
		step_obj_set(mut);
	else if (r < 550)
		step_obj_del(mut);
	else if (r < 590)
		step_obj_get(mut, false);
	else if (r < 600)
		step_obj_get(mut, true);
	else if (r < 660)
		step_plain(VNICGW_CMD_TXN_BEGIN, 0, mut, pick_sock());
	else if (r < 700)
		step_plain(VNICGW_CMD_TXN_COMMIT, 0, mut, pick_sock());
	else if (r < 720)
		step_plain(VNICGW_CMD_TXN_ABORT, 0, mut, pick_sock());
	else if (r < 722)
		step_plain(VNICGW_CMD_FLUSH, 0, mut, pick_sock());
	else if (r < 735)
		step_close();
	else if (r < 765)
		step_cluster_set(mut);
	else if (r < 775)
		step_plain(VNICGW_CMD_CLUSTER_GET, 0, mut, pick_sock());
	else if (r < 785)
		step_plain(VNICGW_CMD_STATS, NLM_F_DUMP, mut, pick_sock());
	else if (r < 800)
		step_plain(VNICGW_CMD_GET_INFO, 0, mut, pick_sock());
	else if (r < 803)
		step_bulk();
	else if (r < 823)
		step_table(mut);
	else if (r < 853)
		step_trace(mut);
	else
		step_random();
}

static unsigned long env_ul(const char *name, unsigned long def)
{
	const char *v = getenv(name);

	return v && *v ? strtoul(v, NULL, 0) : def;
}

int main(void)
{
	unsigned long seed, n_msgs, every, next_check;
	struct timespec t0, t1;
	double secs;
	int i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	seed = env_ul("FUZZ_SEED", (unsigned long)time(NULL));
	n_msgs = env_ul("FUZZ_MSGS", 20000);
	every = env_ul("FUZZ_CHECK_EVERY", 1000);
	verbose = getenv("FUZZ_VERBOSE") != NULL;
	progress = getenv("FUZZ_PROGRESS") != NULL;
	hang_secs = env_ul("FUZZ_HANG_SECS", hang_secs);
	signal(SIGALRM, on_hang);
	if (getenv("FUZZ_TRACE"))
		sscanf(getenv("FUZZ_TRACE"), "%lu-%lu", &trace_from, &trace_to);
	rng = seed;
	printf("# nlfuzz: FUZZ_SEED=%lu FUZZ_MSGS=%lu FUZZ_CHECK_EVERY=%lu\n",
	       seed, n_msgs, every);
	/* The seed at once where progress goes: a run that stalls replays. */
	if (progress)
		fprintf(stderr, "# nlfuzz: FUZZ_SEED=%lu\n", seed);
	for (i = 0; i < NSOCK; i++)
		open_sock(i);
	if (vgw_open(&checker)) {
		printf("# cannot open the checker's socket\n");
		return 2;
	}
	if (vgw_flush(&checker)) {
		printf("# FLUSH failed: %s\n", checker.errmsg);
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	next_check = every;
	while (st.msgs < n_msgs) {
		step();
		if (st.msgs >= next_check) {
			char when[64];

			snprintf(when, sizeof(when), "check after %lu messages",
				 st.msgs);
			watch("%s", when);
			check_model(when);
			unwatch();
			if (progress) {
				clock_gettime(CLOCK_MONOTONIC, &t1);
				secs = (t1.tv_sec - t0.tv_sec) +
				       (t1.tv_nsec - t0.tv_nsec) / 1e9;
				fprintf(stderr, "# nlfuzz: %lu requests, %d failures, %.0f s\n",
					st.msgs, failures, secs);
			}
			next_check = st.msgs + every;
		}
	}
	/* A transaction still open must not show: compare, then close it. */
	watch("final check");
	check_model("final check, transaction open");
	for (i = 0; i < NSOCK; i++)
		vgw_close(&socks[i]);
	txn_owner = -1;
	model_clear(&pending);
	check_model("final check, sockets closed");
	unwatch();
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("# per command (accepted/refused):");
	for (i = 1; i <= __VNICGW_CMD_MAX; i++)
		printf(" %s %lu/%lu", i == __VNICGW_CMD_MAX ? "other" : cmd_name(i),
		       st.per_cmd[i][0], st.per_cmd[i][1]);
	printf("\n# mutated %lu (accepted %lu), random %lu, bulk-capable; commits %lu aborts %lu closes %lu\n",
	       st.mutated, st.mutated_accepted, st.random_msgs, st.commits,
	       st.aborts, st.closes);
	printf("# txn probes %lu: survived a refusal %lu, ended by it %lu; by command (survived/ended):",
	       st.probes, st.txn_survived, st.txn_ended);
	for (i = 1; i <= __VNICGW_CMD_MAX; i++)
		if (st.probe_cmd[i][0] + st.probe_cmd[i][1])
			printf(" %s %lu/%lu",
			       i == __VNICGW_CMD_MAX ? "other" : cmd_name(i),
			       st.probe_cmd[i][0], st.probe_cmd[i][1]);
	printf("\n");
	for (i = 0; i < N_SURVIVED_MSGS && survived_msgs[i][0]; i++)
		printf("# the transaction outlived the refusal of %s\n",
		       survived_msgs[i]);
	printf("# TRACE verdicts:");
	for (i = 0; i <= __VNICGW_TRACE_VERDICT_MAX; i++)
		printf(" %s %lu", vgw_trace_verdict_name(i) ?: "other",
		       st.trace_verdicts[i]);
	printf("\n");
	printf("# undecodable accepted %lu, model differences %lu, checks %lu\n",
	       st.undecodable, st.model_diffs, st.checks);
	printf("# SUMMARY seed=%lu msgs=%lu accepted=%lu refused=%lu core_refused=%lu no_extack=%lu other_failures=%lu undecodable=%lu failures=%d secs=%.1f msgs_per_s=%.0f\n",
	       seed, st.msgs, st.accepted, st.refused, st.core_refused,
	       st.no_msg, failures - st.no_msg, st.undecodable, failures, secs,
	       st.msgs / (secs > 0 ? secs : 1));
	vgw_close(&checker);
	model_clear(&committed);
	vgw_trace_result_free(&trace_res);
	return failures ? 1 : 0;
}
