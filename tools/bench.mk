# SPDX-License-Identifier: GPL-2.0
#
# The data-path benchmark (tools/bench/): vnicgw against the Linux-native
# gateway and Open vSwitch's kernel datapath, same tenant, same traffic, in
# the VM. Figures, not pass/fail: not part of "make check".
#
#   make bench              everything (~15 min): build, run in the VM, then
#                           build/bench/results.json, results.md, bench.png
#                           and the ratios on stdout
#   make bench BENCH_QUICK=1   three scenarios, shorter runs (~3 min)
#   make bench-report       only the host side again, from the last results
#   make bench-native       native micro-benchmarks (bench-algo, bpf bench)
#                           into build/bench/native.txt
#   make bench-tools        the generator and the receiver (build/bin)
#   make bench-ovs-kmod     Debian's openvswitch.ko rebuilt without the
#                           conntrack hooks it turns on in every namespace
#                           (tools/bench/openvswitch-ct-hooks.patch)
#
# BENCH_SCENARIOS="NAME:PATH:FLOWS:SIZE:VNICS:ROUTES:CONNS ..." runs those
# instead of the default list; BENCH_SYSTEMS="vnicgw linux" a subset;
# BENCH_BED=veth the earlier test bed (veth and RPS, no XDP).
#
# (tools/vm does not pass the environment: the settings go in through env.)
#
# Included by the top-level Makefile, which defines TOP, BUILD, BIN and
# USER_CFLAGS.

BENCH_DIR := $(BUILD)/bench
BENCH_ROOT := $(BENCH_DIR)/root
BENCH_TOOLS := $(BIN)/vgen $(BIN)/vrecv $(BIN)/tcpcrr
BENCH_OVS_KO := $(BENCH_DIR)/kmod/openvswitch.ko
BENCH_HDRS := tools/bench/bench_pkt.h kmod/include/vgw/wire.h
BENCH_QUICK ?= 0
BENCH_SCENARIOS ?=
BENCH_SYSTEMS ?= vnicgw linux linux-tuned ovs
BENCH_CT_RATE ?= 20000
# The test bed (tools/bench/lib.sh): nic, the DUT on a virtio-net NIC with
# native XDP (the VM gets two NICs on a qemu hub), or veth, the earlier bed.
BENCH_BED ?= veth
# Whole-run limit for qemu: the default list takes ~35 min under TCG.
BENCH_TIMEOUT ?= 5400
# The 1M-connection scenario's tables, and 100k VXLAN netdevs.
BENCH_MEM ?= 6G

.PHONY: bench bench-tools bench-root bench-ovs-kmod bench-run bench-report bench-native

bench-tools: $(BENCH_TOOLS)

# make check runs the receiver's own test (selftests/bench/test_receiver.sh).
tests: $(BENCH_TOOLS)

$(BIN)/vgen: tools/bench/vgen.c $(BENCH_HDRS)
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -o $@ $<

$(BIN)/vrecv: tools/bench/vrecv.c $(BENCH_HDRS)
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -o $@ $<

$(BIN)/tcpcrr: tools/bench/tcpcrr.c
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -o $@ $< -lpthread

bench-root: $(BENCH_ROOT)/.ready

$(BENCH_ROOT)/.ready: tools/bench/stage-root
	$(TOP)/tools/bench/stage-root $(BENCH_ROOT)

bench-ovs-kmod: $(BENCH_OVS_KO)

$(BENCH_OVS_KO): tools/bench/ovs-kmod tools/bench/openvswitch-ct-hooks.patch $(MOD_KDIR_DEP)
	$(TOP)/tools/bench/ovs-kmod $(MOD_KDIR) $(KVER) $(@D)

bench: deps
	@$(MAKE) --no-print-directory all bench-tools bench-root
	@# Without it the bench runs with Debian's module, and says so (lib.sh).
	@$(MAKE) --no-print-directory bench-ovs-kmod || \
		echo "bench: openvswitch.ko not rebuilt; Debian's is loaded (netfilter conntrack in every namespace)" >&2
	@$(MAKE) --no-print-directory bench-run
	@$(MAKE) --no-print-directory bench-native
	@$(MAKE) --no-print-directory bench-report

# Native figures beside the VM's: the lookup structures built in userspace
# and the steering program through BPF_PROG_TEST_RUN, in ns per operation.
bench-native:
	@mkdir -p $(BENCH_DIR)
	@{ $(MAKE) --no-print-directory bench-algo && \
	   $(MAKE) --no-print-directory -C bpf bench; } >$(BENCH_DIR)/native.txt 2>&1 || \
		echo "bench-native: failed, see $(BENCH_DIR)/native.txt" >&2

# workqueue.power_efficient: the tables' collectors (vnicgw's, conntrack's,
# the flowtable's: system_power_efficient_wq) become unbound work, which
# lib.sh's bed_up keeps on the generator's CPU: no system's housekeeping is
# charged to another's turn on the DUT CPU.
bench-run:
	@mkdir -p $(BENCH_DIR)
	VM_APPEND="workqueue.power_efficient=1 $(VM_APPEND)" $(TOP)/tools/vm run $(if $(filter nic,$(BENCH_BED)),--nics 2) --mem $(BENCH_MEM) --timeout $(BENCH_TIMEOUT) --name bench \
		env BENCH_QUICK=$(BENCH_QUICK) BENCH_SYSTEMS="$(BENCH_SYSTEMS)" BENCH_BED=$(BENCH_BED) \
		BENCH_CT_RATE=$(BENCH_CT_RATE) \
		$(TOP)/tools/bench/run.sh $(BENCH_DIR)/runs.jsonl $(BENCH_SCENARIOS)

bench-report:
	python3 $(TOP)/tools/bench/report.py $(BENCH_DIR)
