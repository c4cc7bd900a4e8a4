# SPDX-License-Identifier: GPL-2.0
#
# The JSON Schema of the desired-state document (issue 18):
#
#   build/tests/test_schema   docs/state.schema.json and vnicctl validate
#                             agree (same keys at every level; whatever the
#                             schema refuses, the validator refuses); no
#                             kernel needed
#
# tools/check runs every build/tests/test_*, so the script is linked there.
# Included by the top-level Makefile, which defines TOP, BUILD and BIN.

tests: $(BUILD)/tests/test_schema

$(BUILD)/tests/test_schema: user/tests/test_schema.sh | $(BIN)/vnicctl
	@mkdir -p $(@D)
	ln -sf $(TOP)/$< $@
