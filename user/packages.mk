# SPDX-License-Identifier: GPL-2.0
#
# Installing and packaging (issue 18): the host tests of "make install"
# (the top Makefile's install targets), of the Debian packages (debian/) and
# of DKMS (dkms.conf). tools/check runs every build/tests/test_*, so the
# scripts are linked there.
#
# Included by the top-level Makefile, which defines TOP, BUILD, BIN.

tests: $(BUILD)/tests/test_install

$(BUILD)/tests/test_install: user/tests/test_install.sh | $(BIN)/vnicctl \
		$(BIN)/vnicgw-agent $(BIN)/vnicctl-etcd
	@mkdir -p $(@D)
	ln -sf $(TOP)/$< $@

# About 90 s to 2 min (dpkg-buildpackage, lintian, dkms build of the module).
tests: $(BUILD)/tests/test_packages

$(BUILD)/tests/test_packages: user/tests/test_packages.sh
	@mkdir -p $(@D)
	ln -sf $(TOP)/$< $@
