#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vnicctl's command line on this machine, where the module is not loaded:
# every usage error exits 2 with a message naming what is wrong, and is
# found before any netlink socket is opened (strace shows none); a bad
# document is reported as such, not as a missing module; --version prints
# the module's version (kmod/vnicgw.h); -q silences validate; the bash
# completion (tools/completion/vnicctl) offers the commands and types that
# "vnicctl --help" lists, options, files, and the ids that "vnicctl show
# TYPE" lists (a stand-in vnicctl here), in the namespace of -n.
# Run as build/tests/test_cli (make tests), which points here.
set -u
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/selftests/lib.sh"
VNICCTL=${VNICCTL:-$top/build/bin/vnicctl}
DATA=$top/user/tests/data

WORK=$(mktemp -d /tmp/vgwt-cli.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

tap_begin
[ -x "$VNICCTL" ] || { echo "Bail out! no $VNICCTL (make)"; exit 1; }
if [ -d /sys/module/vnicgw ]; then
	echo "Bail out! the vnicgw module is loaded here: this test needs it absent"
	exit 1
fi

# usage_error DESC PATTERN ARGS...: vnicctl ARGS exits 2, says PATTERN on
# stderr (not that the module is missing), and opens no netlink socket.
usage_error()
{
	local desc=$1 pat=$2 out rc
	shift 2
	out=$("$VNICCTL" "$@" 2>&1 >/dev/null)
	rc=$?
	if [ $rc -ne 2 ]; then
		not_ok "$desc: exit 2"
		{ echo "vnicctl $*: exit $rc"; echo "$out"; } | diag
	elif ! grep -Eq -- "$pat" <<<"$out"; then
		not_ok "$desc: exit 2"
		{ echo "vnicctl $*: stderr does not match /$pat/"; echo "$out"; } | diag
	else
		ok "$desc: exit 2, \"$(head -n 1 <<<"$out")\""
	fi
	if [ "$STRACE_OK" = 1 ]; then
		strace -f -qq -e trace=socket -o "$WORK/strace" "$VNICCTL" "$@" >/dev/null 2>&1
		if grep -q AF_NETLINK "$WORK/strace"; then
			not_ok "... and no netlink socket was opened"
			diag <"$WORK/strace"
		else
			ok "... and no netlink socket was opened"
		fi
	fi
}

# strace must see the socket that "vnicctl info" opens, or its silence
# below would prove nothing.
STRACE_OK=0
if command -v strace >/dev/null &&
   strace -f -qq -e trace=socket -o "$WORK/strace" "$VNICCTL" info >/dev/null 2>&1;
   grep -q AF_NETLINK "$WORK/strace" 2>/dev/null; then
	STRACE_OK=1
	ok "strace sees the netlink socket of vnicctl info"
else
	ok "strace sees the netlink socket of vnicctl info # SKIP no working strace: the socket checks are left out"
fi

usage_error "no command" "no command"
usage_error "an unknown command" 'unknown command "frobnicate"' frobnicate
usage_error "an unknown global option" 'unknown option "-x"' -x info
usage_error "an unknown long option" 'unknown option "--bogus"' --bogus info
usage_error "-n without its argument" 'option "-n" needs an argument' -n
usage_error "--netns without its argument" 'option "--netns" needs an argument' --netns
usage_error "an empty -n" 'empty namespace name' -n '' info
usage_error "apply without FILE" 'apply: no FILE' apply
usage_error "apply with two FILEs" 'apply: one FILE only' apply a.json b.json
usage_error "apply with an unknown option" 'apply: unknown option "--bogus"' apply --bogus "$DATA/example.json"
usage_error "apply -n (no longer --dry-run)" 'apply: unknown option "-n"' apply -n "$DATA/example.json"
usage_error "apply --etcd without FILE" 'apply: no FILE' apply --etcd http://127.0.0.1:1
usage_error "apply --etcd without URL" 'apply: --etcd needs an argument' apply --etcd
usage_error "validate without FILE" 'validate: no FILE' validate
usage_error "show with an unknown TYPE" 'unknown object type "frob"' show frob
usage_error "show with too many arguments" 'show: too many arguments' show vnic a b
usage_error "delete with an unknown TYPE" 'unknown object type "frob"' delete frob x
usage_error "delete without ID" 'delete: TYPE and ID needed' delete vnic
usage_error "stats with two VNICs" 'stats: too many arguments' stats a b
usage_error "conntrack with two VNICs" 'conntrack: too many arguments' conntrack a b
usage_error "conntrack delete without the ports" 'conntrack: delete needs sport' \
	conntrack delete vnic a proto tcp src 10.0.0.1 dst 10.0.0.2
usage_error "conntrack delete with a key twice" 'conntrack: vnic given twice' \
	conntrack delete vnic a vnic b
usage_error "conntrack delete with an unknown protocol" 'proto "sctpx" is not tcp' \
	conntrack delete proto sctpx
usage_error "conntrack delete with a port out of range" 'sport "70000" is not a port' \
	conntrack delete sport 70000
usage_error "conntrack delete with mixed families" 'src and dst are of different families' \
	conntrack delete src 10.0.0.1 dst ::1
usage_error "nat delete with an unknown key" '"vnic" is not a delete argument' nat delete vnic a
usage_error "nat delete without remote-port" 'nat: delete needs remote-port' \
	nat delete proto udp public 198.51.100.1 public-port 1024 remote 192.0.2.1
usage_error "trace without a packet" 'trace: no packet' trace
usage_error "trace with an unknown keyword" 'trace: "frob" is not a trace keyword' \
	trace vnic a dst 10.0.0.1 frob 1
usage_error "trace with a keyword missing its value" 'trace: sport needs an argument' \
	trace vnic a dst 10.0.0.1 sport
usage_error "trace with a keyword twice" 'trace: dst given twice' \
	trace vnic a dst 10.0.0.1 dst 10.0.0.2
usage_error "trace with a dst that is no address" 'trace: dst "10.0.0.256" is not an IPv4 or IPv6 address' \
	trace vnic a dst 10.0.0.256
usage_error "trace with an nvd that is no address" 'trace: nvd "nvd-1" is not an IPv4 or IPv6 address' \
	trace vnic a nvd nvd-1 dst 10.0.0.1
usage_error "trace with a port above 65535" 'trace: dport "65536" is not a port' \
	trace vnic a dst 10.0.0.1 dport 65536
usage_error "trace with VNI 0" 'trace: vni "0" is not a VNI \(1-16777215\)' \
	trace vnic a vni 0 dst 10.0.0.1
usage_error "trace with VNI 16777216" 'trace: vni "16777216" is not a VNI' \
	trace vnic a vni 16777216 dst 10.0.0.1
usage_error "trace with src and dst of different families" 'trace: src and dst are of different families' \
	trace vnic a src 10.0.0.1 dst fd00::1
usage_error "trace with nvd and vip of different families" 'trace: nvd and vip are of different families' \
	trace nvd 192.0.2.1 vip 2001:db8::1 vni 5 src 10.0.0.1 dst 10.0.0.2
usage_error "trace with ports for icmp" 'trace: "dport" is for tcp and udp, not icmp' \
	trace vnic a dst 10.0.0.1 proto icmp dport 80
usage_error "trace with a port for icmpv6" 'trace: "sport" is for tcp and udp, not icmpv6' \
	trace vnic a dst fd00::1 proto icmpv6 sport 1
usage_error "trace with flags for udp" 'trace: "flags" is for tcp, not udp' \
	trace vnic a dst 10.0.0.1 proto udp flags syn
usage_error "trace with an ICMP type for tcp" 'trace: "type" is for icmp and icmpv6, not tcp' \
	trace vnic a dst 10.0.0.1 dport 22 type 8
usage_error "trace with an unknown TCP flag" 'trace: flags "syn,fyn" are not TCP flags' \
	trace vnic a dst 10.0.0.1 flags syn,fyn
usage_error "trace without vnic or gateway and without vni" 'trace: vni needed: without vnic or gateway' \
	trace nvd 192.0.2.1 vip 192.0.2.2 src 10.0.0.1 dst 10.0.0.2
usage_error "trace without vnic or gateway and without nvd" 'trace: nvd needed: without vnic or gateway' \
	trace vip 192.0.2.2 vni 5 src 10.0.0.1 dst 10.0.0.2
usage_error "trace from a vnic and a gateway" 'trace: vnic and gateway' \
	trace vnic a gateway g dst 10.0.0.1
usage_error "trace without dst" 'trace: dst needed' trace vnic a proto tcp
usage_error "trace from a gateway without src" 'trace: src needed' trace gateway g dst 10.0.0.1
usage_error "trace with a MAC that is none" 'trace: dmac "02:00:00:00:00" is not a MAC address' \
	trace vnic a dst 10.0.0.1 dmac 02:00:00:00:00
usage_error "trace with an unknown encapsulation" 'trace: encap "gre" is not vxlan or geneve' \
	trace vnic a dst 10.0.0.1 encap gre
usage_error "trace with TTL 0" 'trace: ttl "0" is not a TTL \(1-255\)' \
	trace vnic a dst 10.0.0.1 ttl 0
usage_error "trace with an id that is no VNIC id" 'trace: vnic "a b" is not an id' \
	trace vnic "a b" dst 10.0.0.1
usage_error "info with an argument" 'info: takes no arguments' info x
usage_error "flush with an argument" 'flush: takes no arguments' flush x
usage_error "steering with an argument" 'steering: takes no arguments' steering x
usage_error "an unknown cluster command" '"frob" is not a cluster command' cluster frob
usage_error "cluster set with a member without ADDR" 'expected ID=ADDR' cluster set --member h1
usage_error "cluster set with an address that is none" 'is not an IP address' cluster set --member h1=nowhere
usage_error "cluster set with an unknown option" '--bogus is not an option' cluster set --bogus
usage_error "cluster set --size not a number" 'size "ten" is not a number' cluster set --size ten

# Not usage errors, and still found before the module is asked for.
expect_fail_msg "a missing document is named (not \"module is not loaded\")" \
	"apply: $WORK/none.json: No such file" "$VNICCTL" apply "$WORK/none.json"
echo '{ "vcns": [ { "id": "x", ' >"$WORK/bad.json"
out=$("$VNICCTL" apply "$WORK/bad.json" 2>&1)
rc=$?
expect_eq "a broken document fails with 1 ..." 1 "$rc"
expect_ok "... saying where it is broken, not that the module is missing" \
	grep -Eq "line [0-9]+, column [0-9]+" <<<"$out"
expect_fail_msg "a missing network namespace is named" \
	'network namespace "vgwt-none": /run/netns/vgwt-none' "$VNICCTL" -n vgwt-none info
expect_fail_msg "with every argument right, the missing module is the error" \
	"module is not loaded" "$VNICCTL" info
expect_fail_msg "... and so for a trace (every word right: flags imply tcp)" \
	"module is not loaded" "$VNICCTL" -j trace vnic web-1 dst 2001:db8::1 dport 443 \
	flags syn,ack encap geneve mac 02:00:00:00:00:aA ttl 255 vni 16777215
expect_fail_msg "... and for a trace from no VNIC (nvd, vip, vni, an ICMP echo)" \
	"module is not loaded" "$VNICCTL" trace nvd 192.0.2.1 vip 192.0.2.2 vni 1 \
	src 10.0.0.1 dst 10.0.0.2 type 8 code 0 id 7

ver=$(sed -n 's/^#define VGW_VERSION "\(.*\)"$/\1/p' "$top/kmod/vnicgw.h")
expect_eq "--version prints the module's version (kmod/vnicgw.h)" \
	"vnicctl $ver" "$("$VNICCTL" --version)"
expect_eq "-V is --version" "vnicctl $ver" "$("$VNICCTL" -V)"
expect_ok "--help exits 0" "$VNICCTL" --help
expect_eq "help is --help" "$("$VNICCTL" --help)" "$("$VNICCTL" help)"

expect_eq "validate says the document is valid" \
	"$DATA/example.json: valid, 12 objects" "$("$VNICCTL" validate "$DATA/example.json")"
expect_eq "-q validate prints nothing on success" "" \
	"$("$VNICCTL" -q validate "$DATA/example.json" 2>&1)"
expect_fail_msg "-q validate still reports a bad document" "line [0-9]+" \
	"$VNICCTL" -q validate "$WORK/bad.json"

# --- completion ----------------------------------------------------------------
# The commands and types as --help lists them.
help=$("$VNICCTL" --help)
help_cmds=$(sed -n '/^commands:/,/^TYPE:/p' <<<"$help" |
	sed -n 's/^  \([a-z]\+\)\( .*\)\?$/\1/p' | sort -u | xargs)
help_types=$(sed -n 's/^TYPE: //p' <<<"$help" | xargs -n 1 | sort | xargs)
[ -n "$help_cmds" ] && [ -n "$help_types" ] ||
	{ echo "Bail out! cannot read the commands and types of --help"; exit 1; }

# complete WORDS...: what _vnicctl offers for the last word, sorted.
complete_words()
{
	bash -c '
		. "$1" || exit 1
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMPREPLY=()
		_vnicctl
		printf "%s\n" "${COMPREPLY[@]}"' - "$top/tools/completion/vnicctl" "$@" |
		sort | xargs
}

export PATH=$(dirname "$VNICCTL"):$PATH
expect_eq "completion: every command of --help, after vnicctl" \
	"$help_cmds" "$(complete_words vnicctl "")"
expect_eq "completion: ... and after the global options" \
	"$help_cmds" "$(complete_words vnicctl -j -n ns1 "")"
expect_eq "completion: a command's prefix" "show stats steering" \
	"$(complete_words vnicctl s)"
expect_eq "completion: every TYPE of --help after show" \
	"$help_types" "$(complete_words vnicctl show "")"
expect_eq "completion: ... and after delete" \
	"$help_types" "$(complete_words vnicctl -j delete "")"
expect_eq "completion: the global options" \
	"--help --json --netns --quiet --verbose --version" \
	"$(complete_words vnicctl --)"
expect_eq "completion: apply's options" \
	"--cacert --cert --dry-run --endpoints --etcd --etcd-prefix --key --password --progress --quiet --user --verbose" \
	"$(complete_words vnicctl apply --)"
expect_eq "completion: a file for apply" "$DATA/example.json" \
	"$(complete_words vnicctl apply "$DATA/exam")"
expect_eq "completion: a file for validate" "$DATA/example.json" \
	"$(complete_words vnicctl validate "$DATA/exam")"
expect_eq "completion: cluster's commands" "clear set show" \
	"$(complete_words vnicctl cluster "")"
expect_eq "completion: no ids without the module, and nothing said" "" \
	"$(complete_words vnicctl show vnic "" 2>&1)"

# The ids, from a stand-in vnicctl that lists two objects of the type it is
# asked for, in the namespace it is given.
mkdir -p "$WORK/bin"
cat >"$WORK/bin/vnicctl" <<'EOF'
#!/bin/bash
ns=-
[ "$1" = -n ] && { ns=$2; shift 2; }
[ "$1" = show ] || exit 1
echo "$2 $ns-a subnet sub-a gen 1"
echo "$2 $ns-b subnet sub-a gen 2"
EOF
chmod +x "$WORK/bin/vnicctl"
PATH=$WORK/bin:$PATH
expect_eq "completion: the ids of the type after show TYPE (vnicctl show TYPE)" \
	"--a --b" "$(complete_words vnicctl show vnic "")"
expect_eq "completion: ... in the namespace of -n" \
	"ns1-a ns1-b" "$(complete_words vnicctl -n ns1 delete vnic "")"
expect_eq "completion: ... and a prefix of one" \
	"ns1-b" "$(complete_words vnicctl -n ns1 show gateway ns1-b)"
expect_eq "completion: VNIC ids after stats" \
	"--a --b" "$(complete_words vnicctl stats "")"
expect_eq "completion: show, delete and the VNIC ids after conntrack" \
	"--a --b delete show" "$(complete_words vnicctl conntrack "")"
expect_eq "completion: the keys of conntrack delete" \
	"dport dst proto sport src vnic" "$(complete_words vnicctl conntrack delete "")"
expect_eq "completion: the protocols after proto" \
	"icmp icmpv6 tcp udp" "$(complete_words vnicctl nat delete proto "")"
expect_eq "completion: trace's keywords" \
	"code dmac dport dst encap flags gateway id mac nvd proto sport src ttl type vip vni vnic" \
	"$(complete_words vnicctl trace "")"
expect_eq "completion: ... those not given yet" \
	"code dmac dport encap flags id mac nvd proto sport src ttl type vip vni" \
	"$(complete_words vnicctl trace vnic web-1 dst 10.0.0.1 gateway g "")"
expect_eq "completion: the VNIC ids after trace vnic" \
	"ns1-a ns1-b" "$(complete_words vnicctl -n ns1 trace vnic "")"
expect_eq "completion: the gateway ids after trace gateway" \
	"--a --b" "$(complete_words vnicctl trace dst 10.0.0.1 gateway "")"
expect_eq "completion: the encapsulations after trace encap" \
	"geneve vxlan" "$(complete_words vnicctl trace encap "")"
expect_eq "completion: the protocols after trace proto" \
	"icmp icmpv6 tcp udp" "$(complete_words vnicctl trace vnic a proto "")"
expect_eq "completion: the next TCP flag after trace flags syn," \
	"syn,ack" "$(complete_words vnicctl trace flags syn,a)"
expect_eq "completion: nothing for an address" \
	"" "$(complete_words vnicctl trace vnic a dst "")"
expect_eq "completion: nothing after show TYPE ID" \
	"" "$(complete_words vnicctl show vnic --a "")"

tap_end
