# SPDX-License-Identifier: GPL-2.0
# The control-plane benchmark: built on the host, run in the VM.
$(BIN)/vgw-ctl-bench: user/bench/ctl_bench.c $(LIBVGW) $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) $(NL_CFLAGS) -o $@ $< $(LIBVGW) $(LIB_LIBS)

user: $(BIN)/vgw-ctl-bench

VNICS ?= 100000
REPS ?= 100
.PHONY: bench-control
bench-control: all
	@$(TOP)/tools/vm run --mem 4G --timeout 900 --name bench-control \
		$(TOP)/tools/bench-control.sh $(VNICS) $(REPS)
