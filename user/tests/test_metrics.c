// SPDX-License-Identifier: GPL-2.0
/*
 * The agent's metrics text (user/agent/metrics.c metrics_format()) from
 * made-up counters: every family named and typed once, the values where
 * they belong, the busiest VNICs first and only --metrics-vnics of them,
 * the histogram cumulative, and the whole accepted by `promtool check
 * metrics` (Debian's prometheus package; tools/install-deps installs it).
 * The scrape itself, against the module, is in selftests/agent/test_agent.sh.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "agent.h"
#include "cluster_nl.h"
#include "stats.h"

/* What metrics.c takes from the rest of the agent. */
struct vgw_client *sync_client(struct sync *s)
{
	return NULL;
}

const struct agent_metrics *sync_metrics(const struct sync *s)
{
	return NULL;
}

int metrics_parse_addr(const char *v, struct sockaddr_storage *ss,
		       socklen_t *len)
{
	return -EINVAL;
}

static __attribute__((noinline)) char *render(const struct metrics_input *in)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	metrics_format(f, in);
	fclose(f);
	return text;
}

static struct vgw_vnic_stats vnics[3] = {
	{ .id = "quiet", .in_packets = 1, .out_packets = 1 },
	{ .id = "busy", .in_packets = 900, .out_packets = 100, .in_bytes = 90000,
	  .out_bytes = 10000, .conns = 7,
	  .drops = { [VNICGW_DROP_INGRESS_DENIED] = 3 } },
	{ .id = "middle", .in_packets = 50, .out_packets = 50 },
};

static uint64_t cpus[2] = { 11, 22 };

static const struct flowlog_counters flow_counters = { .records = 31, .lost = 4 };

static void fill(struct vgw_stats *st, struct vgw_cluster *cl,
		 struct agent_metrics *am, struct metrics_input *in)
{
	memset(st, 0, sizeof(*st));
	st->drops[VNICGW_DROP_NO_ROUTE] = 5;
	st->cpu_rx = cpus;
	st->n_cpus = 2;
	st->ct_entries = 42;
	st->nat_entries = 4;
	st->vnics = vnics;
	st->n_vnics = 3;
	memset(cl, 0, sizeof(*cl));
	cl->n = 3;
	strcpy(cl->self, "h1");
	cl->epoch = 9;
	cl->counters[0] = 17;
	memset(am, 0, sizeof(*am));
	metrics_observe_apply(am, 3, true);	/* 3 ms */
	metrics_observe_apply(am, 200, true);	/* 0.2 s */
	metrics_observe_apply(am, 0, false);
	memset(in, 0, sizeof(*in));
	in->stats = st;
	in->info.generation = 77;
	in->info.n_objs = 12;
	in->cluster = cl;
	in->agent = am;
	in->max_vnics = 2;
	in->flowlog = &flow_counters;
}

/* Every test but the one without the module reads the same counters. */
FIXTURE(made_up)
{
	struct vgw_stats st;
	struct vgw_cluster cl;
	struct agent_metrics am;
	struct metrics_input in;
};

FIXTURE_SETUP(made_up)
{
	fill(&self->st, &self->cl, &self->am, &self->in);
}

FIXTURE_TEARDOWN(made_up)
{
}

static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p = text;

	while ((p = strstr(p, line))) {
		if ((p == text || p[-1] == '\n') && (p[n] == '\n' || !p[n]))
			return true;
		p += n;
	}
	return false;
}

TEST_F(made_up, the_counters_are_where_they_belong)
{
	char *t;

	t = render(&self->in);
	EXPECT_TRUE(has_line(t, "vnicgw_up 1"));
	EXPECT_TRUE(has_line(t, "vnicgw_generation 77"));
	EXPECT_TRUE(has_line(t, "vnicgw_objects 12"));
	EXPECT_TRUE(has_line(t, "vnicgw_drops_total{reason=\"no_route\"} 5"));
	EXPECT_TRUE(has_line(t, "vnicgw_drops_total{reason=\"malformed\"} 0"));
	EXPECT_TRUE(has_line(t, "vnicgw_tunnel_packets_total{cpu=\"1\"} 22"));
	EXPECT_TRUE(has_line(t, "vnicgw_conntrack_entries 42"));
	EXPECT_TRUE(has_line(t, "vnicgw_nat_mappings 4"));
	EXPECT_TRUE(has_line(t, "vnicgw_cluster_members 3"));
	EXPECT_TRUE(has_line(t, "vnicgw_cluster_member 1"));
	EXPECT_TRUE(has_line(t, "vnicgw_cluster_epoch 9"));
	free(t);
}

TEST_F(made_up, the_busiest_vnics_only_and_their_drops_seen)
{
	char *t;

	t = render(&self->in);
	EXPECT_TRUE(has_line(t, "vnicgw_vnics 3"));
	EXPECT_TRUE(has_line(t, "vnicgw_vnics_exported 2"));
	EXPECT_TRUE(has_line(t, "vnicgw_vnic_packets_total{vnic=\"busy\",direction=\"in\"} 900"));
	EXPECT_TRUE(has_line(t, "vnicgw_vnic_bytes_total{vnic=\"busy\",direction=\"out\"} 10000"));
	EXPECT_TRUE(has_line(t, "vnicgw_vnic_connections{vnic=\"busy\"} 7"));
	EXPECT_TRUE(has_line(t, "vnicgw_vnic_drops_total{vnic=\"busy\",reason=\"ingress_denied\"} 3"));
	EXPECT_TRUE(has_line(t, "vnicgw_vnic_packets_total{vnic=\"middle\",direction=\"out\"} 50"));
	EXPECT_EQ(NULL, strstr(t, "vnic=\"quiet\""));
	EXPECT_EQ(NULL, strstr(t, "reason=\"no_route\"} 0\nvnicgw_vnic"));
	free(t);
	self->in.max_vnics = UINT_MAX;	/* metrics-vnics all */
	t = render(&self->in);
	EXPECT_TRUE(has_line(t, "vnicgw_vnics_exported 3"));
	EXPECT_NE(NULL, strstr(t, "vnic=\"quiet\""));
	free(t);
}

TEST_F(made_up, the_apply_histogram_is_cumulative)
{
	char *t;

	t = render(&self->in);
	EXPECT_TRUE(has_line(t, "vnicgw_agent_applies_total{result=\"applied\"} 2"));
	EXPECT_TRUE(has_line(t, "vnicgw_agent_applies_total{result=\"failed\"} 1"));
	EXPECT_TRUE(has_line(t, "vnicgw_agent_apply_duration_seconds_bucket{le=\"0.005\"} 1"));
	EXPECT_TRUE(has_line(t, "vnicgw_agent_apply_duration_seconds_bucket{le=\"0.1\"} 1"));
	EXPECT_TRUE(has_line(t, "vnicgw_agent_apply_duration_seconds_bucket{le=\"0.5\"} 2"));
	EXPECT_TRUE(has_line(t, "vnicgw_agent_apply_duration_seconds_bucket{le=\"+Inf\"} 2"));
	EXPECT_TRUE(has_line(t, "vnicgw_agent_apply_duration_seconds_sum 0.203"));
	EXPECT_TRUE(has_line(t, "vnicgw_agent_apply_duration_seconds_count 2"));
	free(t);
}

TEST_F(made_up, flow_log_counters_only_with_flow_logs)
{
	char *t;

	t = render(&self->in);
	EXPECT_TRUE(has_line(t, "# TYPE vnicgw_flow_log_records_total counter"));
	EXPECT_TRUE(has_line(t, "vnicgw_flow_log_records_total 31"));
	EXPECT_TRUE(has_line(t, "vnicgw_flow_log_lost_total 4"));
	free(t);
	self->in.flowlog = NULL;
	t = render(&self->in);
	EXPECT_EQ(NULL, strstr(t, "vnicgw_flow_log"));
	free(t);
}

TEST(without_the_module_only_up_0_and_the_agent)
{
	struct agent_metrics am = { 0 };
	struct metrics_input in = { .agent = &am };
	char *t = render(&in);

	EXPECT_TRUE(has_line(t, "vnicgw_up 0"));
	EXPECT_EQ(NULL, strstr(t, "vnicgw_drops_total"));
	EXPECT_NE(NULL, strstr(t, "vnicgw_agent_applies_total"));
	free(t);
}

/* promtool check metrics reads the text on stdin; 0 when it is clean. */
static int promtool(const char *text)
{
	FILE *p = popen("promtool check metrics >/dev/null 2>promtool.err", "w");

	if (!p)
		return -1;
	fputs(text, p);
	return pclose(p);
}

TEST_F(made_up, promtool_accepts_the_text)
{
	char *t;
	int rc;

	if (system("command -v promtool >/dev/null 2>&1"))
		SKIP(return, "promtool not installed (tools/install-deps: prometheus)");
	self->in.max_vnics = UINT_MAX;
	t = render(&self->in);
	rc = promtool(t);
	if (rc)
		system("cat promtool.err >&2");
	EXPECT_EQ(0, rc);
	unlink("promtool.err");
	free(t);
}

TEST_HARNESS_MAIN
