#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The man pages (docs/man/*.[1-8]): each lints clean with both mandoc
# (mandoc -T lint -W all: errors, warnings and style) and groff (man
# --warnings), and each is complete against what it documents, every list
# read from the program or the source, never written here:
#
#   vnicctl.8        every command and every long option of "vnicctl --help"
#   vnicgw-agent.8   every option of "vnicgw-agent --help", in an option's tag
#   vnicgw.7         every drop reason and cluster counter that vnicctl
#                    prints (the library's names: helpers/man_names), every
#                    module parameter (module_param*() in kmod/*.c)
#   vnicgw-state.5   every key the validator accepts at every level (its
#                    "unknown key ... (known: ...)" message), as a field's
#                    tag of the matching section, and no field it does not
#
# So adding a command, an option, a reason, a parameter or a field without
# documenting it fails here. Run as build/tests/test_man (make tests).
set -u
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/selftests/lib.sh"
BIN=$top/build/bin
MAN=$top/docs/man
NAMES=$top/build/tests/helpers/man_names

WORK=$(mktemp -d /tmp/vgwt-man.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

tap_begin
command -v mandoc >/dev/null || { echo "Bail out! mandoc not installed (tools/install-deps)"; exit 1; }
command -v man >/dev/null || { echo "Bail out! man not installed (tools/install-deps)"; exit 1; }
for f in "$BIN/vnicctl" "$BIN/vnicgw-agent" "$NAMES"; do
	[ -x "$f" ] || { echo "Bail out! no $f (make)"; exit 1; }
done

pages=("$MAN"/*.[1-8])
expect_eq "the four pages are there" \
	"vnicctl.8 vnicgw-agent.8 vnicgw-state.5 vnicgw.7" \
	"$(for p in "${pages[@]}"; do basename "$p"; done | sort | xargs)"

# --- lint ----------------------------------------------------------------------
for p in "${pages[@]}"; do
	n=${p##*/}
	expect_eq "$n: mandoc -T lint -W all says nothing" "" \
		"$(mandoc -T lint -W all "$p" 2>&1)"
	expect_eq "$n: man --warnings says nothing" "" \
		"$(MANWIDTH=80 LC_ALL=C.UTF-8 man --warnings -E UTF-8 -l "$p" 2>&1 >/dev/null)"
done

# tags PAGE [SECTION [SUBSECTION]]: the first word of every .TP tag (the
# line after .TP), in the section .SH SECTION (and its .SS SUBSECTION),
# roff escapes undone ("\-" is "-").
tags()
{
	awk -v sh="$2" -v ss="${3:-}" '
		/^\.SH / { sub(/^\.SH +"?/, ""); sub(/"$/, ""); in_sh = (sh == "" || $0 == sh); in_ss = (ss == ""); next }
		/^\.SS / { sub(/^\.SS +"?/, ""); sub(/"$/, ""); in_ss = (ss == "" || $0 == ss); next }
		!(in_sh && in_ss) { tp = 0; next }
		tp { tp = 0; if (all) print; else if ($1 ~ /^\.[BI][BIR]?$/) print $2; else print $1 }
		/^\.TP/ { tp = 1 }' all="${TAGS_ALL:-}" "$1" | sed 's/\\-/-/g; s/^"//; s/"$//; s/\\f[BIRP]//g'
}

# missing WANT HAVE: the words of WANT (one a line) not among HAVE's.
missing() { grep -vxFf <(printf '%s\n' "$2") <<<"$1" | xargs; }

# --- vnicctl.8 -------------------------------------------------------------------
help=$("$BIN/vnicctl" --help)
cmds=$(sed -n '/^commands:/,/^TYPE:/p' <<<"$help" | sed -n 's/^  \([a-z]\+\)\( .*\)\?$/\1/p' | sort -u)
[ "$(wc -l <<<"$cmds")" -ge 5 ] || { echo "Bail out! cannot read the commands of vnicctl --help"; exit 1; }
expect_eq "vnicctl.8: every command of vnicctl --help ($(xargs <<<"$cmds")) has its entry in COMMANDS" \
	"" "$(missing "$cmds" "$(tags "$MAN/vnicctl.8" COMMANDS)")"
opts=$(grep -o -- '--[a-z][a-z-]*' <<<"$help" | sort -u)
src=$(sed 's/\\-/-/g' "$MAN/vnicctl.8")
expect_eq "vnicctl.8: every long option of vnicctl --help ($(wc -l <<<"$opts")) is in the page" \
	"" "$(for o in $opts; do grep -q -- "$o\b" <<<"$src" || echo "$o"; done | xargs)"
expect_eq "vnicctl.8: every global option of vnicctl --help has its entry in OPTIONS" \
	"" "$(missing "$(sed -n '/^options:/,/^exit/p' <<<"$help" | grep -o -- '^  -[a-zA-Z]' | tr -d ' ')" \
		"$(tags "$MAN/vnicctl.8" OPTIONS)")"
types=$(sed -n 's/^TYPE: //p' <<<"$help" | xargs -n 1)
expect_eq "vnicctl.8: every TYPE of vnicctl --help is named" \
	"" "$(for t in $types; do grep -q "^\.BR\? $t\b" "$MAN/vnicctl.8" || echo "$t"; done | xargs)"

# --- vnicgw-agent.8 --------------------------------------------------------------
ahelp=$("$BIN/vnicgw-agent" --help)
aopts=$(grep -oE -- '(^|[ ,])--[a-z][a-z-]*' <<<"$ahelp" | grep -o -- '--.*' | sort -u)
ashort=$(grep -oE -- '^  -[a-zA-Z],' <<<"$ahelp" | tr -d ' ,')
[ "$(wc -l <<<"$aopts")" -ge 10 ] || { echo "Bail out! cannot read the options of vnicgw-agent --help"; exit 1; }
# (the whole tag lines: "-s, --state FILE" is one)
atags=$(TAGS_ALL=1 tags "$MAN/vnicgw-agent.8" OPTIONS | grep -o -- '--[a-z][a-z-]*')
expect_eq "vnicgw-agent.8: every option of vnicgw-agent --help ($(wc -l <<<"$aopts") long) has its entry in OPTIONS" \
	"" "$(missing "$aopts" "$atags")"
expect_eq "vnicgw-agent.8: ... and every short one ($(xargs <<<"$ashort"))" \
	"" "$(for o in $ashort; do grep -q -- "^\.BR $(sed 's/-/\\\\-/' <<<"$o") \", \"" \
		"$MAN/vnicgw-agent.8" || echo "$o"; done | xargs)"

# --- vnicgw.7 --------------------------------------------------------------------
drops=$("$NAMES" drops)
[ "$(wc -l <<<"$drops")" -ge 20 ] || { echo "Bail out! cannot read the drop reasons"; exit 1; }
expect_eq "vnicgw.7: every drop reason vnicctl stats prints ($(wc -l <<<"$drops")) has its entry in DROP REASONS" \
	"" "$(missing "$drops" "$(tags "$MAN/vnicgw.7" "DROP REASONS")")"
expect_eq "vnicgw.7: ... and no reason the stats code does not know" \
	"" "$(missing "$(tags "$MAN/vnicgw.7" "DROP REASONS")" "$drops")"
clc=$("$NAMES" cluster)
expect_eq "vnicgw.7: every cluster counter vnicctl cluster prints ($(wc -l <<<"$clc")) is in COUNTERS" \
	"" "$(missing "$clc" "$(tags "$MAN/vnicgw.7" COUNTERS)")"
params=$(cat "$top"/kmod/*.c | tr '\n' ' ' | grep -oE 'module_param(_named|_cb)?\([[:space:]]*[a-z_0-9]+' |
	sed 's/.*(//; s/[[:space:]]//g' | sort -u)
[ "$(wc -l <<<"$params")" -ge 5 ] || { echo "Bail out! cannot read the module parameters"; exit 1; }
expect_eq "vnicgw.7: every module parameter of kmod/*.c ($(wc -l <<<"$params")) has its entry in MODULE PARAMETERS" \
	"" "$(missing "$params" "$(tags "$MAN/vnicgw.7" "MODULE PARAMETERS")")"
expect_eq "vnicgw.7: ... and no parameter the module does not have" \
	"" "$(missing "$(tags "$MAN/vnicgw.7" "MODULE PARAMETERS")" "$params")"
expect_ok "vnicgw.7: names the link type of the uapi header" \
	grep -q "type $(sed -n 's/^#define VNICGW_LINK_KIND[[:space:]]*"\(.*\)"/\1/p' \
		"$top/kmod/include/uapi/linux/vnicgw.h")\$" "$MAN/vnicgw.7"

# --- vnicgw-state.5 --------------------------------------------------------------
# known JQPATH: the keys the validator accepts at JQPATH of the example
# document (an unknown key put there is refused with the list).
known()
{
	local out
	jq "$1 += {\"zz_unknown\": 1}" "$top/user/tests/data/example.json" >"$WORK/doc.json" ||
		return 1
	out=$("$BIN/vnicctl" validate "$WORK/doc.json" 2>&1)
	grep -q 'unknown key "zz_unknown"' <<<"$out" ||
		{ echo "no unknown-key refusal at $1: $out" >&2; return 1; }
	sed -n 's/.*(known: \(.*\))$/\1/p' <<<"$out" | tr -d ' ' | tr ',' '\n' | sort
}

# The validator's objects and the page's sections that document them.
while IFS='|' read -r path section sub; do
	if ! k=$(known "$path") || [ -z "$k" ]; then
		not_ok "vnicgw-state.5: the validator's keys at $path"
		continue
	fi
	have=$(tags "$MAN/vnicgw-state.5" "$section" "$sub" | sort -u)
	expect_eq "vnicgw-state.5: every key the validator takes at $path ($(xargs <<<"$k")) has its entry in ${sub:-$section}" \
		"" "$(missing "$k" "$have")"
	expect_eq "vnicgw-state.5: ... and ${sub:-$section} lists no other" \
		"" "$(missing "$have" "$k")"
done <<'EOF'
.|THE DOCUMENT|
.vcns[0]|OBJECTS|vcns[]
.subnets[0]|OBJECTS|subnets[]
.route_tables[0]|OBJECTS|route_tables[]
.security_lists[0]|OBJECTS|security_lists[] and nsgs[]
.nsgs[0]|OBJECTS|security_lists[] and nsgs[]
.gateways[0]|OBJECTS|gateways[]
.vnics[0]|OBJECTS|vnics[]
.vnics[0].micro_vnic|OBJECTS|micro_vnic
.vnics[0].vips[0]|OBJECTS|vips[]
EOF
# Route rules and security rules: the union of what the two kinds accept.
rr=$(known '.route_tables[0].rules[0]')
expect_eq "vnicgw-state.5: every key of a route rule ($(xargs <<<"$rr")), and no other, in route rules" \
	"$(xargs <<<"$rr")" "$(tags "$MAN/vnicgw-state.5" OBJECTS "route rules" | sort -u | xargs)"
sr=$( { known '.security_lists[0].ingress[0]'; known '.security_lists[0].egress[0]'; } | sort -u)
expect_eq "vnicgw-state.5: every key of an ingress or egress rule ($(xargs <<<"$sr")), and no other, in security rules" \
	"$(xargs <<<"$sr")" "$(tags "$MAN/vnicgw-state.5" OBJECTS "security rules" | sort -u | xargs)"
sed -n '/^\.SH EXAMPLES/,/^\.SH/p' "$MAN/vnicgw-state.5" | sed -n '/^\.EX/,/^\.EE/p' |
	sed '1d;$d; s/\\-/-/g' >"$WORK/example.json"
expect_ok "vnicgw-state.5: its example is a valid document" \
	"$BIN/vnicctl" validate "$WORK/example.json"

tap_end
