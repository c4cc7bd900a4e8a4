# SPDX-License-Identifier: GPL-2.0
#
# The cluster's userspace (issue 6): the flow owner table (Maglev), the
# desired state in etcd, membership.
#
#   make tests          also builds build/tests/test_maglev
#   make bench-cluster  the owner-table simulation (natively)
#
# Included by the top-level Makefile, which defines TOP, BUILD, BIN,
# USER_CFLAGS, NL_CFLAGS, LIB_LIBS, LIBVGW, LIB_HDRS, TEST_CFLAGS, KSFT_HDRS.

tests: $(BUILD)/tests/test_maglev

# --- the owner-table simulation ----------------------------------------------

user: $(BIN)/maglev-sim

$(BIN)/maglev-sim: tools/maglev-sim/maglev-sim.c $(LIBVGW) $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -o $@ $< $(LIBVGW)

.PHONY: bench-cluster
bench-cluster: $(BIN)/maglev-sim
	$(BIN)/maglev-sim
tests: $(BUILD)/tests/test_store

# --- etcd -------------------------------------------------------------------------

user: $(BIN)/vnicctl-etcd

$(BIN)/vnicctl-etcd: tools/vnicctl-etcd/vnicctl-etcd.c $(LIBVGW) $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -o $@ $< $(LIBVGW) -ljansson

# The etcd test on this machine (a real etcd on loopback): tools/check runs
# every build/tests/test_*, so the script is linked there.
tests: $(BUILD)/tests/test_etcd_store

$(BUILD)/tests/test_etcd_store: user/tests/test_etcd_store.sh | $(BIN)/vnicctl-etcd $(BIN)/maglev-sim
	@mkdir -p $(@D)
	ln -sf $(TOP)/$< $@
