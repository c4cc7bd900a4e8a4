# SPDX-License-Identifier: GPL-2.0
# Host build of kmod/pmap.c: its randomized test against a naive map.
PMAP_CFLAGS := $(TEST_CFLAGS) -DVGW_USERSPACE -I$(TOP)/user/kshim -I$(TOP)/kmod

$(BUILD)/tests/test_pmap: user/tests/pmap_test.c kmod/pmap.c kmod/pmap.h \
		kmod/vgw_types.h kmod/include/vgw/owner.h user/kshim/vgw_kshim.h \
		$(KSFT_HDRS)
	@mkdir -p $(@D)
	$(CC) $(PMAP_CFLAGS) -o $@ user/tests/pmap_test.c kmod/pmap.c

tests: $(BUILD)/tests/test_pmap
