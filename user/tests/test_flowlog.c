// SPDX-License-Identifier: GPL-2.0
/*
 * The flow logs' aggregation (user/agent/flowlog.c) fed with made-up
 * connection table entries and drop events, as the agent feeds it from
 * CT_GET dumps and the "drops" group: each interval's lines are parsed
 * back as JSON and checked field by field. The agent and the module
 * together, with real traffic, are in selftests/datapath/test_flowlogs.sh.
 */
#include <arpa/inet.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "kselftest_harness.h"
#include "agent.h"
#include "conntrack.h"
#include "monitor.h"
#include "state.h"

/*
 * Subnet s-on has flow logs, s-off not; a1 and a2 inherit s-on's (on), a3
 * says false in s-on, b1 inherits s-off's (off), b2 says true in s-off.
 */
static const char doc_text[] =
	"{\"vcns\":[{\"id\":\"v\",\"cidrs\":[\"10.1.0.0/16\"]}],"
	"\"subnets\":[{\"id\":\"s-on\",\"vcn\":\"v\",\"cidr\":\"10.1.1.0/24\","
	"\"flow_logs\":true},"
	"{\"id\":\"s-off\",\"vcn\":\"v\",\"cidr\":\"10.1.2.0/24\"}],"
	"\"vnics\":["
	"{\"id\":\"a1\",\"subnet\":\"s-on\",\"private_ips\":[\"10.1.1.5\"],"
	"\"micro_vnic\":{\"vni\":1,\"nvd_ip\":\"10.0.0.2\"},\"vips\":[{\"ip\":\"10.0.9.1\"}]},"
	"{\"id\":\"a2\",\"subnet\":\"s-on\",\"private_ips\":[\"10.1.1.6\"],"
	"\"micro_vnic\":{\"vni\":2,\"nvd_ip\":\"10.0.0.2\"},\"vips\":[{\"ip\":\"10.0.9.1\"}]},"
	"{\"id\":\"a3\",\"subnet\":\"s-on\",\"private_ips\":[\"10.1.1.7\"],"
	"\"micro_vnic\":{\"vni\":3,\"nvd_ip\":\"10.0.0.2\"},\"vips\":[{\"ip\":\"10.0.9.1\"}],"
	"\"flow_logs\":false},"
	"{\"id\":\"b1\",\"subnet\":\"s-off\",\"private_ips\":[\"10.1.2.5\"],"
	"\"micro_vnic\":{\"vni\":4,\"nvd_ip\":\"10.0.0.2\"},\"vips\":[{\"ip\":\"10.0.9.1\"}]},"
	"{\"id\":\"b2\",\"subnet\":\"s-off\",\"private_ips\":[\"10.1.2.6\"],"
	"\"micro_vnic\":{\"vni\":5,\"nvd_ip\":\"10.0.0.2\"},\"vips\":[{\"ip\":\"10.0.9.1\"}],"
	"\"flow_logs\":true}]}";

#define MAX_LINES 64

FIXTURE(fl)
{
	struct flowlog *fl;
	struct vgw_doc *doc;
	FILE *out;
	char *buf;
	size_t len, read;
	json_t *line[MAX_LINES];
	unsigned int n;
};

FIXTURE_SETUP(fl)
{
	char err[256] = "";

	memset(self->line, 0, sizeof(self->line));
	self->n = 0;
	self->buf = NULL;
	self->read = 0;
	self->out = open_memstream(&self->buf, &self->len);
	ASSERT_NE(NULL, self->out);
	ASSERT_EQ(0, vgw_doc_parse(doc_text, strlen(doc_text), &self->doc,
				   err, sizeof(err))) TH_LOG("%s", err);
	self->fl = flowlog_create(self->out, "hostA", 100);
	ASSERT_NE(NULL, self->fl);
	ASSERT_EQ(0, flowlog_set_doc(self->fl, self->doc));
}

static void forget_lines(struct _test_data_fl *self)
{
	unsigned int i;

	for (i = 0; i < self->n; i++)
		json_decref(self->line[i]);
	self->n = 0;
}

FIXTURE_TEARDOWN(fl)
{
	forget_lines(self);
	flowlog_free(self->fl);
	vgw_doc_free(self->doc);
	fclose(self->out);
	free(self->buf);
}

/* A connection of @vnic from 10.1.1.5:@sport to 10.1.2.5:7000 (TCP). */
static struct vgw_ct ct(const char *vnic, uint16_t sport, uint64_t pk,
			uint64_t rpk)
{
	struct vgw_ct e;

	memset(&e, 0, sizeof(e));
	snprintf(e.vnic, sizeof(e.vnic), "%s", vnic);
	e.proto = 6;
	e.family = AF_INET;
	inet_pton(AF_INET, "10.1.1.5", e.src);
	inet_pton(AF_INET, "10.1.2.5", e.dst);
	e.sport = sport;
	e.dport = 7000;
	e.state = VNICGW_CT_STATE_ESTABLISHED;
	e.orig_packets = pk;
	e.orig_bytes = pk * 100;
	e.reply_packets = rpk;
	e.reply_bytes = rpk * 60;
	return e;
}

static struct vgw_event drop(const char *vnic, unsigned int reason,
			     uint16_t dport, uint64_t missed)
{
	struct vgw_event e;

	memset(&e, 0, sizeof(e));
	e.cmd = VNICGW_CMD_DROP;
	e.reason = reason;
	snprintf(e.vnic, sizeof(e.vnic), "%s", vnic);
	e.family = AF_INET;
	inet_pton(AF_INET, "10.1.2.5", e.src);
	inet_pton(AF_INET, "10.1.1.5", e.dst);
	e.proto = 17;
	e.sport = 4444;
	e.dport = dport;
	e.missed = missed;
	return e;
}

/*
 * One interval [start, start + 60]: the entries as the dump lists them,
 * then the end; the lines it wrote are parsed into self->line.
 */
static void interval(struct __test_metadata *_metadata,
		     struct _test_data_fl *self, uint64_t start,
		     const struct vgw_ct *e, unsigned int n, const char *me,
		     bool dumped)
{
	json_error_t je;
	char *p, *nl;
	unsigned int i;

	forget_lines(self);
	flowlog_begin(self->fl, start, start + 60, me);
	for (i = 0; i < n; i++)
		flowlog_ct(self->fl, &e[i]);
	flowlog_end(self->fl, dumped);
	fflush(self->out);
	for (p = self->buf + self->read; (nl = strchr(p, '\n')); p = nl + 1) {
		ASSERT_LT(self->n, MAX_LINES);
		self->line[self->n] = json_loadb(p, (size_t)(nl - p), 0, &je);
		ASSERT_NE(NULL, self->line[self->n]) TH_LOG("%.*s: %s",
							    (int)(nl - p), p, je.text);
		self->n++;
	}
	self->read = (size_t)(p - self->buf);
}

static long long num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (long long)json_integer_value(v) : -1;
}

static const char *str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : "(none)";
}

/* The line of @action for @vnic and source port @sport, or NULL. */
static json_t *find(struct _test_data_fl *self, const char *action,
		    const char *vnic, long long sport)
{
	unsigned int i;

	for (i = 0; i < self->n; i++)
		if (!strcmp(str(self->line[i], "action"), action) &&
		    (!vnic || !strcmp(str(self->line[i], "vnic"), vnic)) &&
		    (sport < 0 || num(self->line[i], "sport") == sport))
			return self->line[i];
	return NULL;
}

TEST_F(fl, the_first_interval_logs_everything_with_every_field)
{
	struct vgw_ct e = ct("a1", 5501, 10, 8);
	json_t *l;

	interval(_metadata, self, 1000, &e, 1, "", true);
	ASSERT_EQ(1, self->n);
	l = self->line[0];
	EXPECT_EQ(1, num(l, "version"));
	EXPECT_STREQ("a1", str(l, "vnic"));
	EXPECT_STREQ("ACCEPT", str(l, "action"));
	EXPECT_STREQ("tcp", str(l, "proto"));
	EXPECT_STREQ("10.1.1.5", str(l, "src"));
	EXPECT_EQ(5501, num(l, "sport"));
	EXPECT_STREQ("10.1.2.5", str(l, "dst"));
	EXPECT_EQ(7000, num(l, "dport"));
	EXPECT_EQ(10, num(l, "packets"));
	EXPECT_EQ(1000, num(l, "bytes"));
	EXPECT_EQ(8, num(l, "reply_packets"));
	EXPECT_EQ(480, num(l, "reply_bytes"));
	EXPECT_EQ(1000, num(l, "start"));
	EXPECT_EQ(1060, num(l, "end"));
	EXPECT_STREQ("established", str(l, "state"));
	EXPECT_STREQ("hostA", str(l, "host"));
	EXPECT_EQ(1, flowlog_counters(self->fl)->records);
}

TEST_F(fl, later_intervals_log_deltas_and_keep_the_first_start)
{
	struct vgw_ct e = ct("a1", 5501, 10, 8);
	json_t *l;

	interval(_metadata, self, 1000, &e, 1, "", true);
	e = ct("a1", 5501, 25, 20);
	e.state = VNICGW_CT_STATE_CLOSING;
	interval(_metadata, self, 1060, &e, 1, "", true);
	ASSERT_EQ(1, self->n);
	l = self->line[0];
	EXPECT_EQ(15, num(l, "packets"));
	EXPECT_EQ(1500, num(l, "bytes"));
	EXPECT_EQ(12, num(l, "reply_packets"));
	EXPECT_EQ(720, num(l, "reply_bytes"));
	EXPECT_EQ(1000, num(l, "start"));
	EXPECT_EQ(1120, num(l, "end"));
	EXPECT_STREQ("closing", str(l, "state"));
}

TEST_F(fl, no_line_for_a_connection_without_new_packets)
{
	struct vgw_ct e[2] = { ct("a1", 5501, 10, 8), ct("a2", 5502, 3, 0) };

	interval(_metadata, self, 1000, e, 2, "", true);
	EXPECT_EQ(2, self->n);
	e[1] = ct("a2", 5502, 4, 1);
	interval(_metadata, self, 1060, e, 2, "", true);
	ASSERT_EQ(1, self->n);
	EXPECT_STREQ("a2", str(self->line[0], "vnic"));
	EXPECT_EQ(1, num(self->line[0], "packets"));
	EXPECT_EQ(1, num(self->line[0], "reply_packets"));
	interval(_metadata, self, 1120, e, 2, "", true);
	EXPECT_EQ(0, self->n);
	EXPECT_EQ(2, flowlog_remembered(self->fl));
}

TEST_F(fl, a_connection_gone_from_the_dump_is_forgotten)
{
	struct vgw_ct e[2] = { ct("a1", 5501, 10, 8), ct("a1", 5502, 5, 5) };

	interval(_metadata, self, 1000, e, 2, "", true);
	EXPECT_EQ(2, flowlog_remembered(self->fl));
	interval(_metadata, self, 1060, e, 1, "", true);	/* 5502 gone */
	EXPECT_EQ(0, self->n);
	EXPECT_EQ(1, flowlog_remembered(self->fl));
	/* the same five-tuple again: a new connection, all of it */
	e[1] = ct("a1", 5502, 2, 1);
	interval(_metadata, self, 1120, e, 2, "", true);
	ASSERT_EQ(1, self->n);
	EXPECT_EQ(2, num(self->line[0], "packets"));
	EXPECT_EQ(1120, num(self->line[0], "start"));
}

TEST_F(fl, a_failed_dump_forgets_nothing)
{
	struct vgw_ct e = ct("a1", 5501, 10, 8);

	interval(_metadata, self, 1000, &e, 1, "", true);
	interval(_metadata, self, 1060, NULL, 0, "", false);
	EXPECT_EQ(1, flowlog_remembered(self->fl));
	e = ct("a1", 5501, 12, 8);
	interval(_metadata, self, 1120, &e, 1, "", true);
	ASSERT_EQ(1, self->n);
	EXPECT_EQ(2, num(self->line[0], "packets"));	/* not 12 */
}

TEST_F(fl, counters_that_went_back_are_a_new_connection)
{
	struct vgw_ct e = ct("a1", 5501, 10, 8);

	interval(_metadata, self, 1000, &e, 1, "", true);
	e = ct("a1", 5501, 3, 1);	/* closed and opened between dumps */
	interval(_metadata, self, 1060, &e, 1, "", true);
	ASSERT_EQ(1, self->n);
	EXPECT_EQ(3, num(self->line[0], "packets"));
	EXPECT_EQ(1, num(self->line[0], "reply_packets"));
	EXPECT_EQ(1060, num(self->line[0], "start"));
}

TEST_F(fl, only_vnics_with_flow_logs_on_are_logged)
{
	struct vgw_ct e[5] = { ct("a1", 1, 1, 1), ct("a3", 3, 1, 1),
			       ct("b1", 4, 1, 1), ct("b2", 5, 1, 1),
			       ct("unknown", 6, 1, 1) };

	EXPECT_EQ(3, flowlog_logged(self->fl));		/* a1, a2, b2 */
	interval(_metadata, self, 1000, e, 5, "", true);
	EXPECT_EQ(2, self->n);
	EXPECT_NE(NULL, find(self, "ACCEPT", "a1", 1));	/* inherits on */
	EXPECT_NE(NULL, find(self, "ACCEPT", "b2", 5));	/* says true */
	EXPECT_EQ(NULL, find(self, "ACCEPT", "a3", -1));	/* says false */
	EXPECT_EQ(NULL, find(self, "ACCEPT", "b1", -1));	/* inherits off */
}

TEST_F(fl, the_logged_set_follows_the_document)
{
	struct vgw_ct e[2] = { ct("a1", 1, 1, 1), ct("b1", 2, 1, 1) };

	/* s-on off, s-off on: a1 now off, b1 on */
	self->doc->subnets[0].flow_logs = true;		/* s-off */
	self->doc->subnets[1].flow_logs = false;	/* s-on */
	ASSERT_EQ(0, flowlog_set_doc(self->fl, self->doc));
	interval(_metadata, self, 1000, e, 2, "", true);
	ASSERT_EQ(1, self->n);
	EXPECT_STREQ("b1", str(self->line[0], "vnic"));
}

TEST_F(fl, in_a_cluster_only_the_owners_copy_is_logged)
{
	struct vgw_ct e[3] = { ct("a1", 1, 5, 5), ct("a1", 2, 5, 5),
			       ct("a1", 3, 5, 5) };

	strcpy(e[0].owner, "h1");	/* ours */
	strcpy(e[0].backup, "h2");
	strcpy(e[1].owner, "h2");	/* we are its backup */
	strcpy(e[1].backup, "h1");
	strcpy(e[2].owner, "h3");
	interval(_metadata, self, 1000, e, 3, "h1", true);
	ASSERT_EQ(1, self->n);
	EXPECT_EQ(1, num(self->line[0], "sport"));
	EXPECT_EQ(1, flowlog_remembered(self->fl));
	/* a host that is no member (drained) owns none of them */
	interval(_metadata, self, 1060, e, 3, "", true);
	EXPECT_EQ(0, self->n);
	EXPECT_EQ(0, flowlog_remembered(self->fl));
}

TEST_F(fl, beyond_the_bound_connections_are_counted_lost_not_remembered)
{
	struct vgw_ct e[4] = { ct("a1", 1, 1, 0), ct("a1", 2, 1, 0),
			       ct("a1", 3, 1, 0), ct("a1", 4, 1, 0) };
	json_t *skip;

	flowlog_free(self->fl);
	self->fl = flowlog_create(self->out, "hostA", 2);
	ASSERT_NE(NULL, self->fl);
	ASSERT_EQ(0, flowlog_set_doc(self->fl, self->doc));
	interval(_metadata, self, 1000, e, 4, "", true);
	EXPECT_EQ(2, flowlog_remembered(self->fl));
	ASSERT_EQ(3, self->n);
	EXPECT_NE(NULL, find(self, "ACCEPT", "a1", 1));
	EXPECT_NE(NULL, find(self, "ACCEPT", "a1", 2));
	skip = find(self, "SKIPDATA", NULL, -1);
	ASSERT_NE(NULL, skip);
	EXPECT_EQ(2, num(skip, "lost"));
	EXPECT_EQ(0, num(skip, "missed"));
	EXPECT_EQ(1000, num(skip, "start"));
	EXPECT_EQ(1060, num(skip, "end"));
	EXPECT_STREQ("hostA", str(skip, "host"));
	EXPECT_EQ(2, flowlog_counters(self->fl)->lost);
	EXPECT_EQ(2, flowlog_counters(self->fl)->records);
	/*
	 * Port 1 goes: its place is free once the dump that misses it ends
	 * (a dump streams; what is gone is known only at its end), so 3
	 * and 4 are lost once more, and the next interval takes one in.
	 */
	e[0] = e[3];
	interval(_metadata, self, 1060, e, 3, "", true);
	EXPECT_EQ(1, flowlog_remembered(self->fl));
	EXPECT_EQ(4, flowlog_counters(self->fl)->lost);
	interval(_metadata, self, 1120, e, 3, "", true);
	EXPECT_EQ(2, flowlog_remembered(self->fl));
	EXPECT_EQ(5, flowlog_counters(self->fl)->lost);
	ASSERT_EQ(2, self->n);	/* the newcomer (all of it), SKIPDATA */
	EXPECT_EQ(1, num(find(self, "SKIPDATA", NULL, -1), "lost"));
	EXPECT_EQ(1120, num(find(self, "ACCEPT", "a1", -1), "start"));
}

TEST_F(fl, drops_aggregate_into_reject_lines_by_flow_and_reason)
{
	struct vgw_event d;
	json_t *l;
	unsigned int i;

	for (i = 0; i < 3; i++) {
		d = drop("a1", VNICGW_DROP_INGRESS_DENIED, 9999, 0);
		flowlog_drop(self->fl, &d);
	}
	d = drop("a1", VNICGW_DROP_CT_FULL, 9999, 0);
	flowlog_drop(self->fl, &d);
	d = drop("a1", VNICGW_DROP_INGRESS_DENIED, 9998, 0);
	flowlog_drop(self->fl, &d);
	d = drop("b1", VNICGW_DROP_EGRESS_DENIED, 9999, 0);	/* not logged */
	flowlog_drop(self->fl, &d);
	d = drop("", VNICGW_DROP_MALFORMED, 0, 0);		/* no VNIC */
	flowlog_drop(self->fl, &d);
	interval(_metadata, self, 1000, NULL, 0, "", true);
	ASSERT_EQ(3, self->n);
	for (i = 0; i < self->n; i++) {
		l = self->line[i];
		EXPECT_STREQ("REJECT", str(l, "action"));
		EXPECT_STREQ("a1", str(l, "vnic"));
		EXPECT_STREQ("udp", str(l, "proto"));
		EXPECT_STREQ("10.1.2.5", str(l, "src"));
		EXPECT_EQ(4444, num(l, "sport"));
		EXPECT_STREQ("10.1.1.5", str(l, "dst"));
		EXPECT_EQ(1000, num(l, "start"));
		EXPECT_EQ(1060, num(l, "end"));
		if (num(l, "dport") == 9998) {
			EXPECT_STREQ("ingress_denied", str(l, "reason"));
			EXPECT_EQ(1, num(l, "packets"));
		} else if (!strcmp(str(l, "reason"), "ct_full")) {
			EXPECT_EQ(1, num(l, "packets"));
		} else {
			EXPECT_STREQ("ingress_denied", str(l, "reason"));
			EXPECT_EQ(3, num(l, "packets"));
		}
	}
	/* counted per interval: the next one starts from nothing */
	interval(_metadata, self, 1060, NULL, 0, "", true);
	EXPECT_EQ(0, self->n);
}

TEST_F(fl, missed_drop_events_add_up_into_one_skipdata_line)
{
	struct vgw_event d;
	json_t *skip;

	d = drop("a1", VNICGW_DROP_INGRESS_DENIED, 9999, 7);
	flowlog_drop(self->fl, &d);
	d = drop("b1", VNICGW_DROP_INGRESS_DENIED, 9999, 5);	/* any VNIC's */
	flowlog_drop(self->fl, &d);
	interval(_metadata, self, 1000, NULL, 0, "", true);
	ASSERT_EQ(2, self->n);
	skip = find(self, "SKIPDATA", NULL, -1);
	ASSERT_NE(NULL, skip);
	EXPECT_EQ(12, num(skip, "missed"));
	EXPECT_EQ(0, num(skip, "lost"));
	EXPECT_EQ(1, num(find(self, "REJECT", "a1", -1), "packets"));
	interval(_metadata, self, 1060, NULL, 0, "", true);
	EXPECT_EQ(0, self->n);	/* no SKIPDATA line when nothing was missed */
}

TEST_F(fl, beyond_the_bound_reject_keys_are_counted_lost)
{
	struct vgw_event d;
	json_t *skip;
	unsigned int i;

	flowlog_free(self->fl);
	self->fl = flowlog_create(self->out, "hostA", 2);
	ASSERT_NE(NULL, self->fl);
	ASSERT_EQ(0, flowlog_set_doc(self->fl, self->doc));
	for (i = 0; i < 5; i++) {
		d = drop("a1", VNICGW_DROP_INGRESS_DENIED, (uint16_t)(100 + i), 0);
		flowlog_drop(self->fl, &d);
	}
	d = drop("a1", VNICGW_DROP_INGRESS_DENIED, 100, 0);	/* known key */
	flowlog_drop(self->fl, &d);
	interval(_metadata, self, 1000, NULL, 0, "", true);
	ASSERT_EQ(3, self->n);
	skip = find(self, "SKIPDATA", NULL, -1);
	ASSERT_NE(NULL, skip);
	EXPECT_EQ(3, num(skip, "lost"));
	/* the keys remembered go on counting */
	for (i = 0; i < self->n; i++)
		if (num(self->line[i], "dport") == 100)
			EXPECT_EQ(2, num(self->line[i], "packets"));
	EXPECT_EQ(3, flowlog_counters(self->fl)->lost);
}

TEST_F(fl, ipv6_and_unnamed_protocols_are_written_as_text)
{
	struct vgw_ct e = ct("a1", 0, 1, 0);

	e.family = AF_INET6;
	e.proto = 47;
	inet_pton(AF_INET6, "2001:db8::5", e.src);
	inet_pton(AF_INET6, "2001:db8::6", e.dst);
	interval(_metadata, self, 1000, &e, 1, "", true);
	ASSERT_EQ(1, self->n);
	EXPECT_STREQ("47", str(self->line[0], "proto"));
	EXPECT_STREQ("2001:db8::5", str(self->line[0], "src"));
	EXPECT_STREQ("2001:db8::6", str(self->line[0], "dst"));
}

/*
 * 200,000 VNICs, half of them logged, then the other half: each document
 * is one merge into the names (a search per VNIC would take minutes and
 * trip the harness's timeout), and the logged set is the document's.
 */
TEST(a_large_document_sets_the_logged_vnics_in_one_pass)
{
	enum { N = 200000 };
	struct vgw_doc *d = vgw_doc_new();
	struct flowlog *fl = flowlog_create(stdout, "h", 10);
	struct vgw_ct e = ct("v199999", 1, 1, 1);
	char *buf = NULL;
	size_t len = 0;
	FILE *out;
	unsigned int i;

	ASSERT_NE(NULL, d);
	ASSERT_NE(NULL, fl);
	d->subnets = calloc(1, sizeof(*d->subnets));
	d->vnics = calloc(N, sizeof(*d->vnics));
	ASSERT_NE(NULL, d->subnets);
	ASSERT_NE(NULL, d->vnics);
	d->n_subnets = 1;
	strcpy(d->subnets[0].id, "s");
	d->n_vnics = N;
	for (i = 0; i < N; i++) {
		snprintf(d->vnics[i].id, VGW_ID_MAX, "v%06u", i);	/* sorted */
		strcpy(d->vnics[i].subnet, "s");
		d->vnics[i].flow_logs = i % 2 ? VGW_FLOW_LOGS_ON : VGW_FLOW_LOGS_OFF;
	}
	ASSERT_EQ(0, flowlog_set_doc(fl, d));
	EXPECT_EQ(N / 2, flowlog_logged(fl));
	for (i = 0; i < N; i++)
		d->vnics[i].flow_logs = i % 2 ? VGW_FLOW_LOGS_OFF : VGW_FLOW_LOGS_SUBNET;
	d->subnets[0].flow_logs = true;
	ASSERT_EQ(0, flowlog_set_doc(fl, d));
	EXPECT_EQ(N / 2, flowlog_logged(fl));
	/* v199999 (odd) is off now, v199998 on */
	out = open_memstream(&buf, &len);
	ASSERT_NE(NULL, out);
	flowlog_free(fl);
	fl = flowlog_create(out, "h", 10);
	ASSERT_NE(NULL, fl);
	ASSERT_EQ(0, flowlog_set_doc(fl, d));
	flowlog_begin(fl, 0, 60, "");
	flowlog_ct(fl, &e);
	strcpy(e.vnic, "v199998");
	flowlog_ct(fl, &e);
	flowlog_end(fl, true);
	fflush(out);
	EXPECT_EQ(NULL, strstr(buf, "\"v199999\""));
	EXPECT_NE(NULL, strstr(buf, "\"v199998\""));
	flowlog_free(fl);
	fclose(out);
	free(buf);
	vgw_doc_free(d);
}

TEST_HARNESS_MAIN
