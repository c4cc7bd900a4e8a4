# SPDX-License-Identifier: GPL-2.0
#
# The packet path's lookup structures (kmod/lpm.c, kmod/rules.c) built in
# userspace, through the shim in user/kshim/ (-DVGW_USERSPACE):
#
#   make tests        also builds build/tests/test_lpm and test_rules
#   make bench-algo   native micro-benchmarks: ns per lookup/match, build
#                     time, memory (figures only; no pass/fail)
#   make fuzz-algo    the libFuzzer target (clang, ASan+UBSan) for
#                     FUZZ_SECONDS (60) seconds; not part of "make check"
#
# Included by the top-level Makefile, which defines TOP, BUILD, USER_CFLAGS,
# TEST_CFLAGS and KSFT_HDRS.

ALGO_SRCS := kmod/lpm.c kmod/rules.c
ALGO_HDRS := kmod/lpm.h kmod/rules.h kmod/vgw_types.h \
	user/kshim/vgw_kshim.h user/fuzz/algo_ref.h kmod/include/vgw/flow.h \
	kmod/include/vgw/wire.h
ALGO_CFLAGS := -DVGW_USERSPACE -I$(TOP)/user/kshim -I$(TOP)/kmod
# The kernel's hweight64() is a popcnt instruction patched in at boot.
ALGO_BENCH_CFLAGS := $(USER_CFLAGS) $(ALGO_CFLAGS) -mpopcnt
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60

ALGO_TESTS := $(BUILD)/tests/test_lpm $(BUILD)/tests/test_rules

.PHONY: bench-algo fuzz-algo

tests: $(ALGO_TESTS)

# Explicit rules: they take precedence over the generic $(BUILD)/tests/%.
$(BUILD)/tests/test_lpm: user/tests/test_lpm.c kmod/lpm.c $(ALGO_HDRS) $(KSFT_HDRS)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) $(ALGO_CFLAGS) -o $@ user/tests/test_lpm.c kmod/lpm.c

$(BUILD)/tests/test_rules: user/tests/test_rules.c kmod/rules.c $(ALGO_HDRS) $(KSFT_HDRS)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) $(ALGO_CFLAGS) -o $@ user/tests/test_rules.c kmod/rules.c

$(BUILD)/bench/bench_algo: user/bench/bench_algo.c $(ALGO_SRCS) $(ALGO_HDRS)
	@mkdir -p $(@D)
	$(CC) $(ALGO_BENCH_CFLAGS) -o $@ user/bench/bench_algo.c $(ALGO_SRCS)

bench-algo: $(BUILD)/bench/bench_algo
	$(BUILD)/bench/bench_algo

$(BUILD)/fuzz/fuzz_algo: user/fuzz/fuzz_algo.c $(ALGO_SRCS) $(ALGO_HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) -g -O1 -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE \
		-I$(TOP)/kmod/include $(ALGO_CFLAGS) \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-o $@ user/fuzz/fuzz_algo.c $(ALGO_SRCS)

fuzz-algo: $(BUILD)/fuzz/fuzz_algo
	@mkdir -p $(BUILD)/fuzz/corpus
	$(BUILD)/fuzz/fuzz_algo -max_total_time=$(FUZZ_SECONDS) \
		-print_final_stats=1 $(BUILD)/fuzz/corpus
