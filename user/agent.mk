# SPDX-License-Identifier: GPL-2.0
#
# vnicgw-agent (user/agent/): keeps the kernel's tables equal to a
# desired-state file, and loads the XDP steering program of bpf/.
#
#   make              also builds build/bin/vnicgw-agent
#   make tests        also builds build/tests/test_agent_config (host file,
#                     CPU lists; no kernel needed)
#
# Included by the top-level Makefile, which defines TOP, BUILD, BIN,
# USER_CFLAGS, NL_CFLAGS, LIB_LIBS, LIBVGW, LIB_HDRS, TEST_CFLAGS, KSFT_HDRS.

AGENT_SRCS := $(wildcard user/agent/*.c)
AGENT_HDRS := $(wildcard user/agent/*.h) bpf/steer.h $(LIB_HDRS)
AGENT_OBJS := $(patsubst user/agent/%.c,$(BUILD)/user/agent/%.o,$(AGENT_SRCS))
AGENT_SKEL := $(BUILD)/bpf/steer.skel.h
AGENT_CFLAGS := $(USER_CFLAGS) $(NL_CFLAGS) -I$(TOP)/bpf -I$(BUILD)/bpf
AGENT_LIBS := $(LIBVGW) $(LIB_LIBS) -lbpf -lelf -lz -pthread

.PHONY: agent

user: $(BIN)/vnicgw-agent
agent: $(BIN)/vnicgw-agent

# The skeleton embeds the BPF object; the top-level "bpf" target makes it
# (order-only: running it does not by itself make the agent out of date, and
# with -j there is still one make -C bpf at a time).
$(AGENT_SKEL): | bpf
	@test -f $@ || { echo "$@: not made by make -C bpf" >&2; exit 1; }

$(BUILD)/user/agent/%.o: user/agent/%.c $(AGENT_HDRS)
	@mkdir -p $(@D)
	$(CC) $(AGENT_CFLAGS) -c -o $@ $<

$(BUILD)/user/agent/steer.o: $(AGENT_SKEL)

$(BIN)/vnicgw-agent: $(AGENT_OBJS) $(LIBVGW)
	@mkdir -p $(@D)
	$(CC) $(USER_LDFLAGS) -o $@ $(AGENT_OBJS) $(AGENT_LIBS)

# Pure logic of the agent, linked without libnl or libbpf.
# etcd_config.c: the etcd settings' parser, pure (no libcurl); fail.c:
# vgw_fail().
AGENT_TEST_OBJS := user/agent/config.c user/agent/log.c user/lib/etcd_config.c \
	user/lib/fail.c

tests: $(BUILD)/tests/test_agent_config

# Explicit rule: it takes precedence over the generic $(BUILD)/tests/%.
$(BUILD)/tests/test_agent_config: user/tests/test_agent_config.c \
		$(AGENT_TEST_OBJS) user/agent/agent.h $(KSFT_HDRS)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -I$(TOP)/user/agent -o $@ $< $(AGENT_TEST_OBJS)

# The announcement's commands (announce.c) against a sequence of health
# reports.
tests: $(BUILD)/tests/test_agent_announce

$(BUILD)/tests/test_agent_announce: user/tests/test_agent_announce.c user/agent/announce.c \
		user/agent/shellcmd.c $(AGENT_TEST_OBJS) user/agent/agent.h $(KSFT_HDRS)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -I$(TOP)/user/agent -o $@ $< user/agent/announce.c \
		user/agent/shellcmd.c $(AGENT_TEST_OBJS)

# The watchdog pings (notify.c, loop.c): agents without the module, each in a
# network namespace of its own, and a notify socket the test binds.
tests: $(BUILD)/tests/test_agent_watchdog

$(BUILD)/tests/test_agent_watchdog: user/tests/test_agent_watchdog.sh | $(BIN)/vnicgw-agent
	@mkdir -p $(@D)
	ln -sf $(TOP)/$< $@

# The member lease kept while the loop stalls (keepalive.c): an agent
# without the module (test hooks: VGW_AGENT_TEST), a real etcd, a cgroup
# that starves it.
tests: $(BUILD)/tests/test_agent_lease

$(BUILD)/tests/test_agent_lease: user/tests/test_agent_lease.sh | $(BIN)/vnicgw-agent $(BIN)/vnicctl
	@mkdir -p $(@D)
	ln -sf $(TOP)/$< $@

# The metrics text (metrics.c) from made-up counters, checked by promtool.
tests: $(BUILD)/tests/test_metrics

$(BUILD)/tests/test_metrics: user/tests/test_metrics.c user/agent/metrics.c \
		user/agent/log.c user/agent/agent.h $(LIBVGW) $(KSFT_HDRS)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) $(NL_CFLAGS) -I$(TOP)/user/agent -o $@ $< \
		user/agent/metrics.c user/agent/log.c $(LIBVGW) $(LIB_LIBS)

# The flow logs' aggregation (flowlog.c) from made-up connections and drops.
tests: $(BUILD)/tests/test_flowlog

$(BUILD)/tests/test_flowlog: user/tests/test_flowlog.c user/agent/flowlog.c \
		user/agent/log.c user/agent/agent.h $(LIBVGW) $(KSFT_HDRS)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) $(NL_CFLAGS) -I$(TOP)/user/agent -o $@ $< \
		user/agent/flowlog.c user/agent/log.c $(LIBVGW) $(LIB_LIBS)
