# SPDX-License-Identifier: GPL-2.0
#
# The cluster's userspace (issue 6): the flow owner table (rendezvous hashing), the
# desired state in etcd, membership.
#
#   make tests          also builds build/tests/test_owner
#   make bench-cluster  the owner-table simulation (natively)
#
# Included by the top-level Makefile, which defines TOP, BUILD, BIN,
# USER_CFLAGS, NL_CFLAGS, LIB_LIBS, LIBVGW, LIB_HDRS, TEST_CFLAGS, KSFT_HDRS.

tests: $(BUILD)/tests/test_owner

# --- the owner-table simulation ----------------------------------------------

user: $(BIN)/owner-sim

$(BIN)/owner-sim: tools/owner-sim/owner-sim.c $(LIBVGW) $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -o $@ $< $(LIBVGW)

.PHONY: bench-cluster
bench-cluster: $(BIN)/owner-sim
	$(BIN)/owner-sim
tests: $(BUILD)/tests/test_store

# --- etcd -------------------------------------------------------------------------

user: $(BIN)/vnicctl-etcd

$(BIN)/vnicctl-etcd: tools/vnicctl-etcd/vnicctl-etcd.c $(LIBVGW) $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) $(USER_LDFLAGS) -o $@ $< $(LIBVGW) -ljansson $(CURL_LIBS)

# The etcd test on this machine (a real etcd on loopback): tools/check runs
# every build/tests/test_*, so the script is linked there.
tests: $(BUILD)/tests/test_etcd_store

$(BUILD)/tests/test_etcd_store: user/tests/test_etcd_store.sh | $(BIN)/vnicctl-etcd $(BIN)/owner-sim
	@mkdir -p $(@D)
	ln -sf $(TOP)/$< $@

# Objects bigger than one etcd value (a 100k-rule route table) split over
# keys, and an agent without the module following them (issue 14).
tests: $(BUILD)/tests/test_etcd_split

$(BUILD)/tests/test_etcd_split: user/tests/test_etcd_split.sh | $(BIN)/vnicctl-etcd $(BIN)/vnicctl \
		$(BIN)/vnicgw-agent
	@mkdir -p $(@D)
	ln -sf $(TOP)/$< $@

# The cluster keys in etcd: vnicctl-etcd keys, the agents' first key and
# rotation (agents without the module, in two network namespaces).
tests: $(BUILD)/tests/test_etcd_keys

$(BUILD)/tests/test_etcd_keys: user/tests/test_etcd_keys.sh | $(BIN)/vnicctl-etcd $(BIN)/vnicgw-agent \
		$(BUILD)/tests/helpers/etcd_keys_put
	@mkdir -p $(@D)
	ln -sf $(TOP)/$< $@

# Its helper (not a test_*: tools/check runs those).
$(BUILD)/tests/helpers/etcd_keys_put: user/tests/etcd_keys_put.c $(LIBVGW) $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -o $@ $< $(LIBVGW) -ljansson $(CURL_LIBS)

# Time from a write into etcd to every host's kernel (run by the VM test).
user: $(BIN)/vgw-etcd-latency

$(BIN)/vgw-etcd-latency: user/bench/etcd_latency.c $(LIBVGW) $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) $(NL_CFLAGS) -o $@ $< $(LIBVGW) $(LIB_LIBS)

# --- the cluster in the kernel (CLUSTER_SET/GET) -------------------------------------
#
# build/tests/test_cluster_nl (user/lib/cluster_nl.c) is built by the generic
# rule; the agent's cluster settings need its pure config code, as
# test_agent_config does (user/agent.mk).
tests: $(BUILD)/tests/test_agent_drain_config

$(BUILD)/tests/test_agent_drain_config: user/tests/test_agent_drain_config.c \
		$(AGENT_TEST_OBJS) user/agent/agent.h $(KSFT_HDRS)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -I$(TOP)/user/agent -o $@ $< $(AGENT_TEST_OBJS)

# The agent's cluster keys (keys.c: file, etcd value, never none after a
# bad one), with the library's key parser.
tests: $(BUILD)/tests/test_agent_keys

$(BUILD)/tests/test_agent_keys: user/tests/test_agent_keys.c user/tests/log_capture.h user/agent/keys.c \
		user/agent/config.c user/agent/log.c user/agent/notify.c user/agent/agent.h \
		$(LIBVGW) $(LIB_HDRS) $(KSFT_HDRS)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) $(NL_CFLAGS) -I$(TOP)/user/agent -o $@ $< \
		user/agent/keys.c user/agent/config.c user/agent/log.c user/agent/notify.c \
		user/agent/shellcmd.c \
		$(LIBVGW) $(LIB_LIBS)

# Membership (members.c) against a scripted etcd: the etcd calls wrapped
# (--wrap), the keepalive thread and the kernel recorded by the test.
MEMBERS_WRAP := $(foreach f,lease_grant lease_revoke txn_commit get_prefix kvs_free error,\
	-Wl,--wrap=vgw_etcd_$(f))
tests: $(BUILD)/tests/test_agent_members

$(BUILD)/tests/test_agent_members: user/tests/test_agent_members.c user/tests/log_capture.h user/agent/members.c \
		user/agent/keys.c user/agent/config.c user/agent/log.c user/agent/notify.c \
		user/agent/shellcmd.c \
		user/agent/agent.h $(LIBVGW) $(LIB_HDRS) $(KSFT_HDRS)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) $(NL_CFLAGS) -I$(TOP)/user/agent $(MEMBERS_WRAP) -o $@ $< \
		user/agent/members.c user/agent/keys.c user/agent/config.c user/agent/log.c \
		user/agent/notify.c user/agent/shellcmd.c $(LIBVGW) $(LIB_LIBS)

# --- the cost of authenticated cluster messages --------------------------------------

.PHONY: bench-auth
$(BUILD)/bench/bench_auth: user/bench/bench_auth.c kmod/include/vgw/auth.h kmod/include/vgw/cluster_wire.h
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -O2 -o $@ $<

bench-auth: $(BUILD)/bench/bench_auth
	$(BUILD)/bench/bench_auth

# --- etcd as operators run it --------------------------------------------------------
#
# Three members with TLS (clients and peers) and auth on, certificates made by
# the test; the tools and an agent against the three endpoints; refusals; a
# member killed; token expiry; require-leader.
tests: $(BUILD)/tests/test_etcd_tls

$(BUILD)/tests/test_etcd_tls: user/tests/test_etcd_tls.sh | $(BIN)/vnicctl-etcd $(BIN)/vnicctl \
		$(BIN)/vnicgw-agent $(BUILD)/tests/helpers/etcd_probe
	@mkdir -p $(@D)
	ln -sf $(TOP)/$< $@

# Its helper: the client's token refresh and a watch's end, seen from inside.
$(BUILD)/tests/helpers/etcd_probe: user/tests/etcd_probe.c $(LIBVGW) $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -o $@ $< $(LIBVGW) -ljansson $(CURL_LIBS)
