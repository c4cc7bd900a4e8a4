# SPDX-License-Identifier: GPL-2.0
#
# vnicgw top-level build.
#
#   make              module (with BTF), BPF objects, userspace programs
#   make check        every test: host unit tests, then the kernel tests in a VM
#   make check-debug  the kernel tests under the debug kernel (built once, cached)
#   make fuzz         the fuzzers and the lifecycle at full strength under the
#                     debug kernel: a million packets per underlay family,
#                     offloads off and on (FUZZ_PACKETS), 100,000 netlink
#                     messages (FUZZ_MSGS), 100 lifecycle cycles under load;
#                     FUZZ_KERNEL=debian for Debian's, FUZZ_SEED to replay
#   make demo         the built-in example, in a VM
#   make vm-shell     an interactive guest with the artifacts installed
#
# KVER selects the Debian kernel to build against and boot (default: the
# newest /boot/vmlinuz-*). KDIR=/path/to/kernel/build builds the module against
# another tree instead (e.g. /lib/modules/$(uname -r)/build on a real host);
# module BTF is then made only if that tree has a vmlinux.

KVER ?= $(shell ls -1 /boot/vmlinuz-* 2>/dev/null | sed 's|^/boot/vmlinuz-||' | sort -V | tail -n 1)

TOP := $(CURDIR)
BUILD := $(TOP)/build
BIN := $(BUILD)/bin
KBUILD_OUT := $(BUILD)/kernel/$(KVER)
VMLINUX := $(KBUILD_OUT)/vmlinux
KSFT := $(BUILD)/kselftest

# The module: by default against a private copy of Debian's headers tree that
# has the extracted vmlinux beside it, so that kbuild generates module BTF.
ifeq ($(KDIR),)
MOD_KDIR := $(KBUILD_OUT)/kdir
MOD_KDIR_DEP := $(MOD_KDIR)/.ready
else
MOD_KDIR := $(KDIR)
MOD_KDIR_DEP :=
endif
# Debian ships no resolve_btfids; the module has no BTF_ID sets (yet).
RESOLVE_BTFIDS ?= true

CC ?= gcc
USER_CFLAGS := -O2 -g -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE \
	-I$(TOP)/kmod/include/uapi -I$(TOP)/kmod/include -I$(TOP)/user/lib \
	-I$(TOP)/bpf $(CPPFLAGS) $(CFLAGS)
# CPPFLAGS, CFLAGS and LDFLAGS from the environment or the command line are
# added (a Debian build passes its hardening flags so); LDFLAGS to the
# installed programs' links.
USER_LDFLAGS := $(LDFLAGS)
NL_CFLAGS := $(shell pkg-config --cflags libnl-genl-3.0 2>/dev/null)
NL_LIBS := $(shell pkg-config --libs libnl-genl-3.0 2>/dev/null)
CURL_LIBS := $(or $(shell pkg-config --libs libcurl 2>/dev/null),-lcurl)
# Everything libvnicgw needs at link time.
LIB_LIBS := $(NL_LIBS) -ljansson -lbpf $(CURL_LIBS)

LIB_SRCS := $(wildcard user/lib/*.c)
LIB_HDRS := $(wildcard user/lib/*.h) kmod/include/uapi/linux/vnicgw.h
LIB_OBJS := $(patsubst user/lib/%.c,$(BUILD)/user/lib/%.o,$(LIB_SRCS))
LIBVGW := $(BUILD)/user/libvnicgw.a

# Host unit tests: user/tests/test_*.c, one binary each.
UTEST_SRCS := $(wildcard user/tests/test_*.c)
UTESTS := $(patsubst user/tests/%.c,$(BUILD)/tests/%,$(UTEST_SRCS))
# Guest C selftests: selftests/*/*.c, built on the host, run in the VM.
# (selftests/vm-runner/ holds kernel code of the runner's own tests: not here.)
KTEST_SRCS := $(filter-out selftests/vm-runner/%,$(wildcard selftests/*/*.c))
KTESTS := $(patsubst selftests/%.c,$(BUILD)/selftests/%,$(KTEST_SRCS))

.PHONY: all module bpf user tests check check-host check-vm demo demo-host bench-failover vm-shell \
	clean deps kernel debug-kernel module-debug check-debug fuzz
.DELETE_ON_ERROR:

all: module bpf user tests

deps:
	@$(TOP)/tools/install-deps

# --- the kernel image and headers tree --------------------------------------

kernel: $(VMLINUX)

$(VMLINUX): /boot/vmlinuz-$(KVER) $(TOP)/tools/extract-vmlinux
	@mkdir -p $(@D)
	$(TOP)/tools/extract-vmlinux $< $@

# A private copy of /usr/src/linux-headers-$(KVER) whose relative links are
# made absolute, with the extracted vmlinux linked in (kbuild's BTF step
# needs $(KDIR)/vmlinux as the BTF base).
$(KBUILD_OUT)/kdir/.ready: $(VMLINUX)
	@rm -rf $(@D) && mkdir -p $(@D)
	cp -a /usr/src/linux-headers-$(KVER)/. $(@D)/
	@cd $(@D) && for l in scripts tools; do \
		t=$$(readlink -f /usr/src/linux-headers-$(KVER)/$$l) && \
		rm -f $$l && ln -s $$t $$l; done
	ln -sf $(VMLINUX) $(@D)/vmlinux
	@touch $@

# --- kernel module ----------------------------------------------------------

module: $(MOD_KDIR_DEP)
	$(MAKE) -C $(MOD_KDIR) M=$(TOP) RESOLVE_BTFIDS=$(RESOLVE_BTFIDS) modules

# --- the debug kernel (KASAN, lockdep, kmemleak, ...) -----------------------
# Built once from linux-source-6.1 and cached outside the checkout
# (tools/debug-kernel/build); the module is built against it from a copy of
# its sources in build/debug/mod, so that kmod/ keeps the normal build.

debug-kernel:
	@$(TOP)/tools/debug-kernel/build >/dev/null

DEBUG_MOD := $(BUILD)/debug/mod
module-debug:
	@tree=$$($(TOP)/tools/debug-kernel/build) && \
	mkdir -p $(DEBUG_MOD)/kmod && cp -p Kbuild $(DEBUG_MOD)/ && \
	cd kmod && find . \( -name '*.[ch]' -o -name Kbuild \) ! -name '*.mod.c' -print0 | \
		cpio -0pdmu --quiet $(DEBUG_MOD)/kmod && \
	$(MAKE) -C $$tree M=$(DEBUG_MOD) modules

# PART=K/N: the Kth of N parts of the VM suites (tools/check --part).
check-debug: deps
	@$(MAKE) --no-print-directory all module-debug
	@$(TOP)/tools/check --debug $(if $(PART),--part $(PART))

# The packet fuzzer (selftests/fuzz/test_pktfuzz.sh): FUZZ_PACKETS per
# underlay family (IPv4, IPv6), offloads off then on, a million packets in
# all by default; the netlink fuzzer with FUZZ_MSGS messages; FUZZ_CYCLES
# lifecycle cycles under load (0: none). One VM, under the debug kernel by
# default (KASAN, lockdep, ...: about 300 packets/s in the TCG VM, some 20x
# slower than Debian's kernel: about an hour for the packets, 10 minutes
# for the messages, an hour for the cycles), or Debian's (FUZZ_KERNEL=debian:
# about 10 minutes in all). FUZZ_SEED replays a run.
FUZZ_PACKETS ?= 250000
FUZZ_MSGS ?= 100000
FUZZ_CYCLES ?= 100
FUZZ_KERNEL ?= debug
FUZZ_ENV = FUZZ_PACKETS=$(FUZZ_PACKETS)$(if $(FUZZ_SEED), FUZZ_SEED=$(FUZZ_SEED))
fuzz: deps
	@$(MAKE) --no-print-directory all $(if $(filter debug,$(FUZZ_KERNEL)),module-debug)
	@if [ "$(FUZZ_KERNEL)" = debug ]; then \
		VM_KERNEL_TREE=$$($(TOP)/tools/debug-kernel/build) || exit 1; \
		export VM_KERNEL_TREE VGW_KO=$(DEBUG_MOD)/kmod/vnicgw.ko; \
	fi; \
	$(TOP)/tools/vm run --timeout 28800 --name fuzz selftests/run-vm.sh \
		"$(FUZZ_ENV) fuzz/test_pktfuzz.sh" \
		"TOPO_OFFLOADS=on $(FUZZ_ENV) fuzz/test_pktfuzz.sh" \
		"FUZZ_MSGS=$(FUZZ_MSGS)$(if $(FUZZ_SEED), FUZZ_SEED=$(FUZZ_SEED)) fuzz/test_nlfuzz.sh" \
		$(if $(filter-out 0,$(FUZZ_CYCLES)),"CYCLES=$(FUZZ_CYCLES) module/test_cycles.sh")

# --- BPF --------------------------------------------------------------------

bpf:
	@if [ -f bpf/Makefile ]; then $(MAKE) -C bpf; fi

# --- userspace --------------------------------------------------------------

user: $(BIN)/vnicctl

$(BUILD)/user/lib/%.o: user/lib/%.c $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) $(NL_CFLAGS) -c -o $@ $<

$(LIBVGW): $(LIB_OBJS)
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

$(BIN)/vnicctl: tools/vnicctl/vnicctl.c $(LIBVGW) $(LIB_HDRS)
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) $(NL_CFLAGS) $(USER_LDFLAGS) -o $@ $< $(LIBVGW) $(LIB_LIBS)

# --- tests ------------------------------------------------------------------

# The kselftest harness comes from Debian's linux-source tarball, extracted
# once (it is not in any -dev package).
KSFT_HDRS := $(KSFT)/kselftest_harness.h $(KSFT)/kselftest.h
$(KSFT_HDRS) &:
	@mkdir -p $(KSFT)
	@src=$$(ls -1 /usr/src/linux-source-*.tar.xz | sort -V | tail -n 1) && \
	tar -xJf $$src -C $(KSFT) --strip-components=4 --wildcards \
		'*/tools/testing/selftests/kselftest_harness.h' \
		'*/tools/testing/selftests/kselftest.h'

TEST_CFLAGS := $(USER_CFLAGS) -I$(KSFT) -Wno-unused-parameter -Wno-sign-compare -Wno-missing-field-initializers

tests: $(UTESTS) $(KTESTS)

$(BUILD)/tests/%: user/tests/%.c $(LIBVGW) $(LIB_HDRS) $(KSFT_HDRS)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) $(NL_CFLAGS) -o $@ $< $(LIBVGW) $(LIB_LIBS)

$(BUILD)/selftests/%: selftests/%.c $(LIBVGW) $(LIB_HDRS) $(KSFT_HDRS)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) $(NL_CFLAGS) -o $@ $< $(LIBVGW) $(LIB_LIBS) -lcap

# check and demo install what is missing first, then build in a new make
# (KVER is only known once a kernel is installed).
check: deps
	@$(MAKE) --no-print-directory all
	@$(TOP)/tools/check

check-host: all
	@$(TOP)/tools/check --host

check-vm: all
	@$(TOP)/tools/check --vm

demo: deps
	@$(MAKE) --no-print-directory all
	@$(TOP)/tools/vm run --name demo --timeout 900 --mem 2G $(TOP)/tools/demo.sh

demo-host: deps
	@$(MAKE) --no-print-directory all
	@$(TOP)/tools/vm run --name demo-host $(TOP)/tools/demo-host.sh

bench-failover: all
	@$(TOP)/tools/vm run --name bench-failover --timeout 900 --mem 2G \
		$(TOP)/tools/bench/cluster-failover.sh

vm-shell: all
	@$(TOP)/tools/vm shell

# --- install ------------------------------------------------------------------
#
#   make install [DESTDIR=/tmp/root] [PREFIX=/usr]
#                       the module, then everything else (install-user)
#   make install-module the module into /lib/modules/KVER/updates/ (KVER read
#                       from the built module); depmod only without DESTDIR
#   make install-user   the programs, the systemd units, man pages, bash
#                       completion, examples; no kernel tree needed
#   make install-dkms   the module's sources and dkms.conf into
#                       /usr/src/vnicgw-VERSION/, for dkms(8)
#
# vnicgw-agent and vnicctl go to sbin: both change the kernel's tables and
# need CAP_NET_ADMIN, as ip and tc do (Debian's iproute2 has them in /sbin).
# vnicctl-etcd only talks HTTP to etcd and needs no privilege: bin. The units
# go where systemd looks whatever PREFIX is, with PREFIX's sbin written into
# their ExecStart. Man pages and completion are installed for those that
# exist (docs/man/NAME.SECTION, tools/completion/COMMAND).

PREFIX ?= /usr
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
DOCDIR ?= $(DATADIR)/doc/vnicgw
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
UNITDIR ?= /lib/systemd/system
DKMSDIR ?= /usr/src
INSTALL ?= install

VGW_VERSION := $(shell sed -n 's/^\#define VGW_VERSION "\(.*\)"/\1/p' kmod/vnicgw.h)
UNITS := user/agent/vnicgw-agent.service user/agent/vnicgw-agent@.service
MAN_PAGES = $(wildcard docs/man/*.[1-8])
COMPLETIONS = $(wildcard tools/completion/*)

.PHONY: install install-module install-user install-dkms

install: install-module install-user

install-module: module
	@kver=$$(modinfo -F vermagic kmod/vnicgw.ko | cut -d' ' -f1) && \
	test -n "$$kver" || { echo "kmod/vnicgw.ko: no vermagic" >&2; exit 1; } && \
	echo "install vnicgw.ko for $$kver" && \
	$(INSTALL) -D -m 644 kmod/vnicgw.ko \
		$(DESTDIR)/lib/modules/$$kver/updates/vnicgw.ko && \
	if [ -z "$(DESTDIR)" ]; then depmod -a $$kver; fi

install-user: user
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR)
	$(INSTALL) -m 755 $(BIN)/vnicgw-agent $(BIN)/vnicctl $(DESTDIR)$(SBINDIR)/
	$(INSTALL) -m 755 $(BIN)/vnicctl-etcd $(DESTDIR)$(BINDIR)/
	$(INSTALL) -d $(DESTDIR)$(UNITDIR)
	@for u in $(UNITS); do \
		echo "install $$u"; \
		sed 's|/usr/sbin/vnicgw-agent|$(SBINDIR)/vnicgw-agent|' $$u \
			>$(DESTDIR)$(UNITDIR)/$${u##*/} && \
		chmod 644 $(DESTDIR)$(UNITDIR)/$${u##*/} || exit 1; \
	done
	@for m in $(MAN_PAGES); do \
		d=$(DESTDIR)$(MANDIR)/man$${m##*.} && \
		$(INSTALL) -d $$d && $(INSTALL) -m 644 $$m $$d/ || exit 1; \
	done
	@if [ -n "$(COMPLETIONS)" ]; then \
		$(INSTALL) -d $(DESTDIR)$(BASHCOMPDIR) && \
		$(INSTALL) -m 644 $(COMPLETIONS) $(DESTDIR)$(BASHCOMPDIR)/; fi
	$(INSTALL) -d $(DESTDIR)$(DOCDIR)/docs $(DESTDIR)$(DOCDIR)/examples/bird
	$(INSTALL) -m 644 README.md $(DESTDIR)$(DOCDIR)/
	$(INSTALL) -m 644 docs/*.md docs/*.json $(DESTDIR)$(DOCDIR)/docs/
	$(INSTALL) -m 644 examples/host.conf examples/host@.conf $(DESTDIR)$(DOCDIR)/examples/
	$(INSTALL) -m 644 user/tests/data/example.json $(DESTDIR)$(DOCDIR)/examples/state.json
	$(INSTALL) -m 644 examples/bird/* $(DESTDIR)$(DOCDIR)/examples/bird/

# The tree dkms.conf describes: the top Kbuild, kmod/'s sources and Kbuild
# files (not what a build left there).
install-dkms:
	@d=$(DESTDIR)$(DKMSDIR)/vnicgw-$(VGW_VERSION) && \
	echo "install the module's sources into $$d" && \
	$(INSTALL) -d $$d && $(INSTALL) -m 644 Kbuild dkms.conf $$d/ && \
	for f in $$(find kmod -type f \( -name '*.[ch]' -o -name Kbuild \) \
			! -name '*.mod.c' | sort); do \
		$(INSTALL) -D -m 644 $$f $$d/$$f || exit 1; done

# Make fragments of the subdirectories (extra host tests, benchmarks, fuzzers).
# They add their test binaries as $(BUILD)/tests/test_* (tools/check runs
# every one) and hook into "tests" and "all".
include $(wildcard user/*.mk tools/*.mk)

clean:
	rm -rf $(BUILD)
	@if [ -d $(MOD_KDIR) ]; then \
		$(MAKE) -C $(MOD_KDIR) M=$(TOP) clean >/dev/null; fi
	@if [ -f bpf/Makefile ]; then $(MAKE) -C bpf clean; fi
