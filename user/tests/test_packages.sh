#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian packages, built on this machine from a copy of the tree (the
# files git knows and the new ones it does not ignore), as an operator
# would: dpkg-buildpackage -b gives vnicgw (programs, units, docs, man
# pages, completion; dependencies from dpkg-shlibdeps, libcurl among them)
# and vnicgw-dkms (the module's sources and dkms.conf); lintian reports no
# error; the versions agree (kmod/vnicgw.h, dkms.conf, debian/changelog);
# the programs extracted from the package run; "dkms build" of the
# package's sources makes vnicgw.ko for the installed Debian headers.
#
# DKMS works in a private mount namespace with a tmpfs over /var/lib/dkms
# (its tree, and the signing key it makes on first use), the sources from
# the extracted package: nothing is added to or installed on this machine.
# The packages, the extracted vnicgw and the module DKMS built are left in
# build/packages/ for selftests/module/test_packages.sh (the VM's half).
# About 90 s (the package build 30 s, the module 50 s on 2 CPUs).
# Run as build/tests/test_packages (make tests), which points here.
set -u
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/selftests/lib.sh"
# Run from "make check": not the outer make's jobserver or flags.
unset MAKEFLAGS MAKELEVEL MFLAGS

WORK=$(mktemp -d /tmp/vgwt-pkg.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
OUT=$top/build/packages

tap_begin
for t in dpkg-buildpackage dh dh_dkms lintian dkms git; do
	command -v $t >/dev/null || { echo "Bail out! no $t (tools/install-deps)"; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "Bail out! needs root (unshare -m for dkms)"; exit 1; }

VER=$(sed -n 's/^#define VGW_VERSION "\(.*\)"/\1/p' "$top/kmod/vnicgw.h")
expect_eq "dkms.conf's PACKAGE_VERSION is the module's VGW_VERSION" \
	"$VER" "$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")"
expect_eq "debian/changelog's version is the module's VGW_VERSION" \
	"$VER" "$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)"

# --- build --------------------------------------------------------------------
SRC=$WORK/src/vnicgw
mkdir -p "$SRC"
git -C "$top" ls-files -z -co --exclude-standard | (cd "$top" && tar -c --null -T -) |
	tar -x -C "$SRC"
start=$SECONDS
if (cd "$SRC" && dpkg-buildpackage -b -us -uc -j2) >"$WORK/build.log" 2>&1; then
	ok "dpkg-buildpackage -b -us -uc exits 0 ($((SECONDS - start)) s)"
else
	not_ok "dpkg-buildpackage -b -us -uc"
	tail -n 30 "$WORK/build.log" | diag
	tap_end
fi
DEB=$WORK/src/vnicgw_${VER}_amd64.deb
DKMS_DEB=$WORK/src/vnicgw-dkms_${VER}_all.deb
if [ -f "$DEB" ] && [ -f "$DKMS_DEB" ]; then
	ok "it makes vnicgw_${VER}_amd64.deb and vnicgw-dkms_${VER}_all.deb"
else
	not_ok "vnicgw_${VER}_amd64.deb or vnicgw-dkms_${VER}_all.deb missing"
	ls "$WORK/src" | diag
	tap_end
fi

lint=$(lintian "$WORK/src/vnicgw_${VER}_amd64.changes" 2>&1 | grep -v 'running with root privileges')
if ! grep -q '^E: ' <<<"$lint"; then
	ok "lintian: no error"
else
	not_ok "lintian reports errors"
fi
[ -n "$lint" ] && diag <<<"$lint"

# --- vnicgw -------------------------------------------------------------------
contents() { dpkg-deb -c "$1" | awk '{ print $6 }' | sed 's|^\./||; /\/$/d; /^$/d' | sort; }
contents "$DEB" >"$WORK/vnicgw.list"
want=(usr/sbin/vnicgw-agent usr/sbin/vnicctl usr/bin/vnicctl-etcd
      lib/systemd/system/vnicgw-agent.service lib/systemd/system/vnicgw-agent@.service
      usr/share/doc/vnicgw/copyright usr/share/doc/vnicgw/examples/host.conf
      usr/share/doc/vnicgw/examples/host@.conf usr/share/doc/vnicgw/examples/state.json
      usr/share/doc/vnicgw/docs/operations.md.gz)
for m in "$top"/docs/man/*.[1-8]; do
	[ -e "$m" ] && want+=("usr/share/man/man${m##*.}/${m##*/}.gz")
done
for c in "$top"/tools/completion/*; do
	[ -e "$c" ] && want+=("usr/share/bash-completion/completions/${c##*/}")
done
missing=$(comm -23 <(printf '%s\n' "${want[@]}" | sort) "$WORK/vnicgw.list")
if [ -z "$missing" ]; then
	ok "vnicgw holds the programs, both units, docs, examples, the man pages and completions of the tree (${#want[@]} checked)"
else
	not_ok "vnicgw lacks files"
	{ echo "missing:"; echo "$missing"; echo "contents:"; cat "$WORK/vnicgw.list"; } | diag
fi
if ! grep -Eq '^(usr/src|lib/modules)/' "$WORK/vnicgw.list"; then
	ok "vnicgw has no module and no module sources (those are vnicgw-dkms's)"
else
	not_ok "vnicgw has module files"
	grep -E '^(usr/src|lib/modules)/' "$WORK/vnicgw.list" | diag
fi

deps=$(dpkg-deb -f "$DEB" Depends)
miss=()
for d in libcurl4 libbpf1 libjansson4 libnl-genl-3-200 libnl-3-200 libc6; do
	grep -Eq "(^|, )$d( |,|$)" <<<"$deps" || miss+=("$d")
done
if [ ${#miss[@]} -eq 0 ] && ! grep -q dkms <<<"$deps"; then
	ok "vnicgw Depends: the shared libraries the programs link (libcurl4 too), not dkms"
else
	not_ok "vnicgw Depends: missing ${miss[*]:-nothing}, or dkms"
	diag "$deps"
fi

# The programs from the package, on this machine's libraries.
ROOT=$WORK/root
dpkg-deb -x "$DEB" "$ROOT"
unresolved=$(ldd "$ROOT"/usr/sbin/* "$ROOT"/usr/bin/* 2>&1 | grep 'not found')
if [ -z "$unresolved" ]; then
	ok "every shared library of the packaged programs is found"
else
	not_ok "unresolved libraries"
	diag <<<"$unresolved"
fi
for p in usr/sbin/vnicgw-agent usr/sbin/vnicctl usr/bin/vnicctl-etcd; do
	expect_ok "the packaged $p --help exits 0" "$ROOT/$p" --help
done
expect_ok "the packaged vnicctl validates the packaged example state.json" \
	"$ROOT/usr/sbin/vnicctl" validate "$ROOT/usr/share/doc/vnicgw/examples/state.json"
expect_eq "the packaged unit runs the packaged agent with /etc/vnicgw/host.conf" \
	"ExecStart=/usr/sbin/vnicgw-agent --host-config /etc/vnicgw/host.conf" \
	"$(grep '^ExecStart=' "$ROOT/lib/systemd/system/vnicgw-agent.service")"

# Enabling is the operator's (the agent needs its host file first); an
# enabled agent is restarted by an upgrade.
dpkg-deb -e "$DEB" "$WORK/ctl"
# (dh_installsystemd --no-enable: enable only what an earlier version had
# enabled, i.e. only under "debian-installed"; never on a first install.)
if grep -q "deb-systemd-helper debian-installed 'vnicgw-agent.service'" "$WORK/ctl/postinst" &&
   ! grep -q 'was-enabled defaults to true' "$WORK/ctl/postinst" &&
   ! grep -q 'vnicgw-agent@' "$WORK/ctl/postinst"; then
	ok "postinst: the unit is not enabled by the package; the template is left alone"
else
	not_ok "postinst enables units"
	diag <"$WORK/ctl/postinst"
fi

# --- vnicgw-dkms --------------------------------------------------------------
contents "$DKMS_DEB" >"$WORK/dkms.list"
S=usr/src/vnicgw-$VER
want=("$S/dkms.conf" "$S/Kbuild")
mapfile -t -O 2 want < <(cd "$top" && git ls-files kmod | sed "s|^|$S/|")
missing=$(comm -23 <(printf '%s\n' "${want[@]}" | sort) "$WORK/dkms.list")
other=$(grep -Ev "^($S/|usr/share/doc/vnicgw-dkms/)" "$WORK/dkms.list")
if [ -z "$missing" ] && [ -z "$other" ]; then
	ok "vnicgw-dkms holds dkms.conf, Kbuild and every file of kmod/ under /$S, and nothing else (${#want[@]} files)"
else
	not_ok "vnicgw-dkms contents"
	{ echo "missing:"; echo "$missing"; echo "other:"; echo "$other"; } | diag
fi
deps=$(dpkg-deb -f "$DKMS_DEB" Depends)
if grep -q '\bdkms\b' <<<"$deps" && [ "$(dpkg-deb -f "$DKMS_DEB" Architecture)" = all ]; then
	ok "vnicgw-dkms: Architecture all, Depends on dkms"
else
	not_ok "vnicgw-dkms: Architecture $(dpkg-deb -f "$DKMS_DEB" Architecture), Depends $deps"
fi
dpkg-deb -e "$DKMS_DEB" "$WORK/dkmsctl"
if grep -q 'common.postinst' "$WORK/dkmsctl/postinst" && grep -q 'dkms remove' "$WORK/dkmsctl/prerm"; then
	ok "vnicgw-dkms: postinst has DKMS build and install the module, prerm removes it"
else
	not_ok "vnicgw-dkms maintainer scripts"
	cat "$WORK/dkmsctl/postinst" "$WORK/dkmsctl/prerm" 2>&1 | diag
fi

# dkms build against the newest installed Debian headers.
DROOT=$WORK/dkmsroot
dpkg-deb -x "$DKMS_DEB" "$DROOT"
KVER=$(ls -1d /usr/src/linux-headers-*-amd64 2>/dev/null | sed 's|^/usr/src/linux-headers-||' | sort -V | tail -n 1)
if [ -z "$KVER" ] || [ ! -e "/lib/modules/$KVER/build" ]; then
	echo "Bail out! no linux-headers-*-amd64 with /lib/modules/KVER/build (tools/install-deps)"
	exit 1
fi
start=$SECONDS
if unshare -m sh -c '
	mount -t tmpfs tmpfs /var/lib/dkms &&
	dkms add -m vnicgw -v "$1" --sourcetree "$2" &&
	dkms build -m vnicgw -v "$1" -k "$3" --sourcetree "$2" &&
	cp /var/lib/dkms/vnicgw/"$1"/"$3"/x86_64/module/vnicgw.ko "$4"/' \
	sh "$VER" "$DROOT/usr/src" "$KVER" "$WORK" >"$WORK/dkms.log" 2>&1; then
	ok "dkms build of the package's sources for $KVER ($((SECONDS - start)) s)"
else
	not_ok "dkms build of the package's sources for $KVER"
	tail -n 30 "$WORK/dkms.log" | diag
fi
expect_eq "the module DKMS built is for $KVER, version $VER" "$KVER $VER" \
	"$(modinfo -F vermagic "$WORK/vnicgw.ko" 2>/dev/null | cut -d' ' -f1) $(modinfo -F version "$WORK/vnicgw.ko" 2>/dev/null)"

# For the VM's half (selftests/module/test_packages.sh).
rm -rf "$OUT" && mkdir -p "$OUT"
cp "$DEB" "$DKMS_DEB" "$OUT"/ && cp -a "$ROOT" "$OUT/root" &&
	{ [ ! -f "$WORK/vnicgw.ko" ] || cp "$WORK/vnicgw.ko" "$OUT/vnicgw-dkms-$KVER.ko"; }

tap_end
