# SPDX-License-Identifier: GPL-2.0
#
# selftests/ as a kselftest target (selftests/Makefile):
#
#   make tests   also installs the kselftest tree in build/kselftest-install
#                (the VM suite module/test_kselftest_run.sh runs a copy of
#                it in the guest), and builds the host test
#                build/tests/test_kselftest_install
#
# Included by the top-level Makefile, which defines TOP, BUILD, KSFT, KTESTS.

KSFT_INSTALL := $(BUILD)/kselftest-install
KSFT_INPUTS := $(wildcard selftests/Makefile selftests/*.sh selftests/*/*.sh \
	selftests/*/settings selftests/kselftest/* user/tests/data/*.json \
	examples/bird/*) user/tests/etcd_lib.sh

tests: $(KSFT_INSTALL)/kselftest-list.txt

# After the C programs and the BPF object (the skeleton is made with it):
# the inner make finds them up to date.
$(KSFT_INSTALL)/kselftest-list.txt: $(KTESTS) $(BUILD)/bpf/steer.skel.h $(KSFT_INPUTS)
	$(MAKE) -C selftests --no-print-directory install INSTALL_PATH=$(KSFT_INSTALL) >/dev/null

# The kernel's own runner (from Debian's linux-source tarball, extracted
# once, never copied into the tree): the host test runs our tree with it too.
KSFT_REF := $(KSFT)/ref
$(KSFT_REF)/run_kselftest.sh:
	@mkdir -p $(KSFT_REF)
	@src=$$(ls -1 /usr/src/linux-source-*.tar.xz | sort -V | tail -n 1) && \
	tar -xJf $$src -C $(KSFT_REF) --strip-components=4 --wildcards \
		'*/tools/testing/selftests/run_kselftest.sh' \
		'*/tools/testing/selftests/kselftest/runner.sh' \
		'*/tools/testing/selftests/kselftest/prefix.pl'
	@test -f $@

tests: $(BUILD)/tests/test_kselftest_install

$(BUILD)/tests/test_kselftest_install: user/tests/test_kselftest_install.sh | \
		$(KSFT_INSTALL)/kselftest-list.txt $(KSFT_REF)/run_kselftest.sh
	@mkdir -p $(@D)
	ln -sf $(TOP)/$< $@
