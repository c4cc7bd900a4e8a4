# SPDX-License-Identifier: GPL-2.0
#
# The command line's conventions and its documentation (issue 18):
#
#   build/tests/test_cli   vnicctl's usage errors (exit 2, before any
#                          netlink), --version, -q, the bash completion
#                          (tools/completion/vnicctl); no kernel needed
#   build/tests/test_man   docs/man/*.[1-8] lint clean (mandoc -T lint,
#                          man --warnings) and complete: every command,
#                          option, drop reason and module parameter there
#
# tools/check runs every build/tests/test_*, so the scripts are linked there.
# Included by the top-level Makefile, which defines TOP, BUILD, BIN, CC,
# USER_CFLAGS, NL_CFLAGS, LIBVGW, LIB_HDRS and LIB_LIBS.

# "vnicctl --version": the tree's one version, the module's MODULE_VERSION
# (VGW_VERSION in kmod/vnicgw.h). "private": not passed on to the library's
# objects, which vnicctl's rule (top-level Makefile) builds as prerequisites.
VNICGW_VERSION := $(shell sed -n 's/^\#define VGW_VERSION "\(.*\)"$$/\1/p' $(TOP)/kmod/vnicgw.h)
ifeq ($(VNICGW_VERSION),)
$(error no VGW_VERSION in kmod/vnicgw.h)
endif
$(BIN)/vnicctl: kmod/vnicgw.h
$(BIN)/vnicctl: private USER_CFLAGS += -DVNICGW_VERSION='"$(VNICGW_VERSION)"'

tests: $(BUILD)/tests/test_cli $(BUILD)/tests/test_man

$(BUILD)/tests/test_cli: user/tests/test_cli.sh | $(BIN)/vnicctl
	@mkdir -p $(@D)
	ln -sf $(TOP)/$< $@

$(BUILD)/tests/test_man: user/tests/test_man.sh | $(BIN)/vnicctl $(BIN)/vnicgw-agent \
		$(BUILD)/tests/helpers/man_names
	@mkdir -p $(@D)
	ln -sf $(TOP)/$< $@

# The counters' names as vnicctl prints them (not a test_*: a helper).
$(BUILD)/tests/helpers/man_names: user/tests/man_names.c $(LIBVGW) $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) $(NL_CFLAGS) -o $@ $< $(LIBVGW) $(LIB_LIBS)
