#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make install, into a DESTDIR (nothing outside it; depmod not run):
# the programs, the module, the systemd units, the examples and docs, the
# man pages and bash completions the tree has; the installed programs run;
# the units pass systemd-analyze verify; PREFIX moves the programs and the
# units' ExecStart with them. Uses what "make" built (the module included).
# Run as build/tests/test_install (make tests), which points here.
set -u
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/selftests/lib.sh"
# Run from "make check": not the outer make's jobserver or flags.
unset MAKEFLAGS MAKELEVEL MFLAGS

WORK=$(mktemp -d /tmp/vgwt-install.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
D=$WORK/root
mkdir -p "$WORK/shim"
# depmod must not run with DESTDIR: a depmod first on PATH says if it did.
printf '#!/bin/sh\necho "depmod $*" >>%s/depmod.calls\n' "$WORK" >"$WORK/shim/depmod"
chmod +x "$WORK/shim/depmod"

tap_begin
[ -f "$top/kmod/vnicgw.ko" ] || { echo "Bail out! no kmod/vnicgw.ko (make)"; exit 1; }
KVER=$(modinfo -F vermagic "$top/kmod/vnicgw.ko" | cut -d' ' -f1)
DOC=usr/share/doc/vnicgw

# What must be there: relative to DESTDIR (want may name a file twice).
want=(
	usr/sbin/vnicgw-agent usr/sbin/vnicctl usr/bin/vnicctl-etcd
	"lib/modules/$KVER/updates/vnicgw.ko"
	lib/systemd/system/vnicgw-agent.service
	lib/systemd/system/vnicgw-agent@.service
	$DOC/README.md $DOC/docs/design.md $DOC/docs/operations.md
	$DOC/examples/host.conf $DOC/examples/host@.conf
	$DOC/examples/state.json $DOC/examples/bird/host.conf
	$DOC/examples/bird/tor.conf $DOC/examples/bird/README.md
)
for m in "$top"/docs/*.md "$top"/docs/*.json; do
	[ -e "$m" ] && want+=("$DOC/docs/${m##*/}")
done
for m in "$top"/docs/man/*.[1-8]; do
	[ -e "$m" ] && want+=("usr/share/man/man${m##*.}/${m##*/}")
done
for c in "$top"/tools/completion/*; do
	[ -e "$c" ] && want+=("usr/share/bash-completion/completions/${c##*/}")
done

mapfile -t want < <(printf '%s\n' "${want[@]}" | sort -u)

# The same paths at / (where an install without DESTDIR would write):
# their state before, to see that the install did not touch them.
state_at_root() { for f in "${want[@]}"; do stat -c '%n %Y %s' "/$f" 2>/dev/null || echo "/$f absent"; done; }
before=$(state_at_root)

if out=$(PATH=$WORK/shim:$PATH make -C "$top" --no-print-directory install DESTDIR="$D" 2>&1); then
	ok "make install DESTDIR=... exits 0"
else
	not_ok "make install DESTDIR=... exits 0"
	tail -n 20 <<<"$out" | diag
fi

missing=()
for f in "${want[@]}"; do [ -f "$D/$f" ] || missing+=("$f"); done
if [ ${#missing[@]} -eq 0 ]; then
	ok "every expected file is installed (${#want[@]}: programs, module, units, docs, examples, man pages, completions)"
else
	not_ok "missing from the install: ${missing[*]}"
	(cd "$D" && find . -type f | sort) | diag
fi

extra=$(comm -13 <(printf '%s\n' "${want[@]}" | sort) <(cd "$D" && find . -type f -printf '%P\n' | sort))
if [ -z "$extra" ]; then
	ok "nothing else is installed"
else
	not_ok "installed but not expected"
	diag <<<"$extra"
fi

after=$(state_at_root)
if [ "$before" = "$after" ]; then
	ok "nothing written outside DESTDIR (the same paths at / are as they were)"
else
	not_ok "the install changed files outside DESTDIR"
	diff <(echo "$before") <(echo "$after") | diag
fi
if [ ! -e "$WORK/depmod.calls" ]; then
	ok "depmod is not run with DESTDIR"
else
	not_ok "depmod ran with DESTDIR"
	diag <"$WORK/depmod.calls"
fi

expect_eq "the module is installed for the kernel it was built for" \
	"$KVER" "$(modinfo -F vermagic "$D/lib/modules/$KVER/updates/vnicgw.ko" | cut -d' ' -f1)"
modes=$(cd "$D" && stat -c '%a %n' usr/sbin/vnicgw-agent usr/sbin/vnicctl usr/bin/vnicctl-etcd \
	lib/systemd/system/vnicgw-agent.service "lib/modules/$KVER/updates/vnicgw.ko" | tr '\n' ' ')
expect_eq "modes: programs 755, unit and module 644" \
	"755 usr/sbin/vnicgw-agent 755 usr/sbin/vnicctl 755 usr/bin/vnicctl-etcd 644 lib/systemd/system/vnicgw-agent.service 644 lib/modules/$KVER/updates/vnicgw.ko " "$modes"

for p in usr/sbin/vnicgw-agent usr/sbin/vnicctl usr/bin/vnicctl-etcd; do
	expect_ok "the installed $p --help exits 0" "$D/$p" --help
done
expect_ok "the installed vnicctl validates the installed example state.json" \
	"$D/usr/sbin/vnicctl" validate "$D/$DOC/examples/state.json"

# The units, with ExecStart pointed at the installed agent (verify checks
# that the program exists); any complaint fails, not only errors.
if command -v systemd-analyze >/dev/null; then
	mkdir -p "$WORK/units"
	for u in vnicgw-agent.service vnicgw-agent@.service; do
		sed "s|/usr/sbin/vnicgw-agent|$D/usr/sbin/vnicgw-agent|" \
			"$D/lib/systemd/system/$u" >"$WORK/units/$u"
	done
	for u in vnicgw-agent.service vnicgw-agent@blue.service; do
		if out=$(cd "$WORK/units" && systemd-analyze verify --man=no "./$u" 2>&1) && [ -z "$out" ]; then
			ok "systemd-analyze verify $u: no complaint"
		else
			not_ok "systemd-analyze verify $u"
			diag <<<"$out"
		fi
	done
else
	ok "# SKIP no systemd-analyze"
	ok "# SKIP no systemd-analyze"
fi
unit=$D/lib/systemd/system/vnicgw-agent.service
tmpl=$D/lib/systemd/system/vnicgw-agent@.service
expect_eq "the unit: RuntimeDirectory=vnicgw (the owner table's /run/vnicgw under ProtectSystem=strict), a watchdog" \
	"ProtectSystem=strict RuntimeDirectory=vnicgw WatchdogSec=60s" \
	"$(grep -E '^(RuntimeDirectory|ProtectSystem|WatchdogSec)=' "$unit" | sort | tr '\n' ' ' | sed 's/ $//')"
expect_eq "the template: /etc/vnicgw/%i.conf, RuntimeDirectory=vnicgw-%i (not under the other unit's)" \
	"ExecStart=/usr/sbin/vnicgw-agent --host-config /etc/vnicgw/%i.conf RuntimeDirectory=vnicgw-%i" \
	"$(grep -E '^(ExecStart|RuntimeDirectory)=' "$tmpl" | tr '\n' ' ' | sed 's/ $//')"
# The examples' owner-table paths are in the units' runtime directories.
expect_eq "host.conf's owner-table is under the unit's RuntimeDirectory" \
	"# owner-table = /run/vnicgw/owners.json" \
	"$(grep -o '# owner-table = [^ ]*' "$D/$DOC/examples/host.conf")"
expect_eq "host@.conf's owner-table is under the template's RuntimeDirectory for its netns" \
	"netns = blue # owner-table = /run/vnicgw-blue/owners.json" \
	"$(grep -o -e '^netns = [^ ]*' -e '# owner-table = [^ ]*' "$D/$DOC/examples/host@.conf" | tr '\n' ' ' | sed 's/ $//')"

# PREFIX: programs and docs move, the units follow with their ExecStart;
# the units stay where systemd looks.
D2=$WORK/root2
if out=$(PATH=$WORK/shim:$PATH make -C "$top" --no-print-directory install-user DESTDIR="$D2" PREFIX=/usr/local 2>&1) &&
   [ -x "$D2/usr/local/sbin/vnicgw-agent" ] && [ -x "$D2/usr/local/bin/vnicctl-etcd" ] &&
   [ -f "$D2/usr/local/share/doc/vnicgw/examples/host.conf" ] && [ ! -e "$D2/usr/sbin" ] &&
   grep -q '^ExecStart=/usr/local/sbin/vnicgw-agent ' "$D2/lib/systemd/system/vnicgw-agent.service" &&
   grep -q '^ExecStart=/usr/local/sbin/vnicgw-agent ' "$D2/lib/systemd/system/vnicgw-agent@.service"; then
	ok "PREFIX=/usr/local: programs and docs under it, the units' ExecStart too"
else
	not_ok "PREFIX=/usr/local"
	{ tail -n 5 <<<"$out"; (cd "$D2" && find . -type f | sort); } | diag
fi

tap_end
