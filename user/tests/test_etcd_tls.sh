#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# etcd as operators run it, on this machine (no kernel needed): a 3-member
# etcd cluster on loopback with TLS for clients and peers (client
# certificates required) and authentication on (root, and a user "vnicgw"
# whose role reaches only the test's prefix), certificates made here with
# openssl. Against it, with the three endpoints:
#
# - vnicctl apply --endpoints, vnicctl-etcd show/members and a member agent
#   (vnicgw-agent --host-id, which reads, watches and keeps a lease with the
#   keepalive thread's own client; it joins without the module through the
#   test hook VGW_AGENT_TEST=join-without-module) work;
# - a wrong CA, no client certificate, a world-readable key and a wrong
#   password are refused, each saying so (the user named, the password not);
# - no password in the logs or in /proc/PID/cmdline;
# - the first member killed: the tools go on through the others, the
#   agent's watch resumes on another endpoint and its lease stays; the
#   first member frozen: the same;
# - tokens expire after 2 s (--auth-token-ttl): a client idle longer than
#   that re-authenticates and goes on;
# - a member cut off from its quorum ends a watch (the client asks for a
#   leader) instead of leaving it silent.
#
# Run as build/tests/test_etcd_tls (make tests), which points here. The
# agent runs in network namespace vgwt-tls1 (one agent per namespace),
# reaching etcd over a veth; everything started is stopped by its pid and
# the namespace and temporary directory removed at the end.
set -u
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/selftests/lib.sh"
. "$here/etcd_lib.sh"
export PATH=$top/build/bin:$PATH
PROBE=$top/build/tests/helpers/etcd_probe

# One run at a time on a machine: the namespace and its addresses are fixed.
exec 9>/tmp/vgwt-etcd-tls.lock
flock 9
WORK=$(mktemp -d /tmp/vgwt-tls.XXXXXX)
NS=vgwt-tls1
HOST_IP=10.252.1.1
PIDS=()			# etcd members by index (1..3)
AGENT=
PROBE_PID=
cleanup()
{
	local i

	[ -n "$PROBE_PID" ] && kill "$PROBE_PID" 2>/dev/null && wait "$PROBE_PID" 2>/dev/null
	[ -n "$AGENT" ] && kill "$AGENT" 2>/dev/null && wait "$AGENT" 2>/dev/null
	for i in 1 2 3; do
		[ -n "${PIDS[$i]:-}" ] || continue
		kill -KILL "${PIDS[$i]}" 2>/dev/null
		wait "${PIDS[$i]}" 2>/dev/null
	done
	if [ "$TAP_FAILED" -gt 0 ]; then
		for i in 1 2 3; do
			echo "etcd member $i:"
			tail -n 5 "$WORK/m$i.log" 2>/dev/null
		done | diag
		echo "agent:" | diag
		tail -n 20 "$WORK/agent.log" 2>/dev/null | diag
	fi
	ip netns del "$NS" 2>/dev/null
	ip link del "$NS-h" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT

DATA=$top/user/tests/data
P=/vgwt-tls/

tap_begin
for c in etcd etcdctl openssl; do
	command -v $c >/dev/null || { echo "Bail out! $c not installed (tools/install-deps)"; exit 1; }
done

# --- certificates ------------------------------------------------------------------
#
# A CA; one server certificate for the members (127.0.0.1 and the veth's
# address, also their peer certificate, and the one etcd's gateway presents
# to etcd itself: serverAuth and clientAuth); a client certificate, without
# a CommonName (with auth on, etcd's JSON gateway refuses a client
# certificate that has one: a CN would be a user name the gateway cannot
# pass on); and a second CA that signed nothing here (the "wrong CA").
C=$WORK/pki
mkdir -p "$C"
mkcert() # NAME SUBJECT [SAN]
{
	local ext=$C/$1.ext

	printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n' >"$ext"
	[ -n "${3:-}" ] && echo "subjectAltName=$3" >>"$ext"
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$C/$1.key" \
		-subj "$2" -out "$C/$1.csr" 2>/dev/null &&
	openssl x509 -req -in "$C/$1.csr" -CA "$C/ca.pem" -CAkey "$C/ca.key" -CAcreateserial \
		-days 2 -extfile "$ext" -out "$C/$1.pem" 2>/dev/null
}
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$C/ca.key" \
	-subj "/CN=vgwt etcd CA" -days 2 -out "$C/ca.pem" 2>/dev/null &&
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$C/other-ca.key" \
	-subj "/CN=vgwt other CA" -days 2 -out "$C/other-ca.pem" 2>/dev/null &&
mkcert server "/CN=vgwt etcd" "IP:127.0.0.1,IP:$HOST_IP" &&
mkcert client "/O=vgwt client" ||
	{ echo "Bail out! openssl could not make the certificates"; exit 1; }
chmod 600 "$C"/*.key

# --- the network namespace of the agent ----------------------------------------------

ip netns del "$NS" 2>/dev/null
ip netns add "$NS" &&
ip link add "$NS-h" type veth peer name eth0 netns "$NS" &&
ip addr add "$HOST_IP/24" dev "$NS-h" && ip link set "$NS-h" up &&
ip -n "$NS" addr add 10.252.1.2/24 dev eth0 &&
ip -n "$NS" link set eth0 up && ip -n "$NS" link set lo up ||
	{ echo "Bail out! cannot make network namespace $NS"; exit 1; }

# --- three members, TLS everywhere, tokens of 2 s -------------------------------------

CPORT=() PPORT=()
for i in 1 2 3; do
	CPORT[$i]=$(free_port) && PPORT[$i]=$(free_port) || { echo "Bail out! no free port"; exit 1; }
done
CLUSTER="m1=https://127.0.0.1:${PPORT[1]},m2=https://127.0.0.1:${PPORT[2]},m3=https://127.0.0.1:${PPORT[3]}"
URL=() AG_URL=()
for i in 1 2 3; do
	URL[$i]=https://127.0.0.1:${CPORT[$i]}
	AG_URL[$i]=https://$HOST_IP:${CPORT[$i]}
done
ALL="${URL[1]},${URL[2]},${URL[3]}"
AG_ALL="${AG_URL[1]},${AG_URL[2]},${AG_URL[3]}"

member() # I: start (or restart: same data) member I
{
	local i=$1

	etcd --name "m$i" --data-dir "$WORK/m$i" \
		--listen-client-urls "${URL[$i]},${AG_URL[$i]}" --advertise-client-urls "${URL[$i]}" \
		--listen-peer-urls "https://127.0.0.1:${PPORT[$i]}" \
		--initial-advertise-peer-urls "https://127.0.0.1:${PPORT[$i]}" \
		--initial-cluster "$CLUSTER" --initial-cluster-state new \
		--initial-cluster-token vgwt-tls \
		--cert-file "$C/server.pem" --key-file "$C/server.key" \
		--client-cert-auth --trusted-ca-file "$C/ca.pem" \
		--peer-cert-file "$C/server.pem" --peer-key-file "$C/server.key" \
		--peer-client-cert-auth --peer-trusted-ca-file "$C/ca.pem" \
		--auth-token simple --auth-token-ttl 2 \
		--heartbeat-interval 50 --election-timeout 500 >>"$WORK/m$i.log" 2>&1 &
	PIDS[$i]=$!
}
kill_member() { kill -KILL "${PIDS[$1]}" 2>/dev/null; wait "${PIDS[$1]}" 2>/dev/null; PIDS[$1]=; }

# etcdctl as root (once auth is on), TLS.
ctl() # ENDPOINTS ARGS...
{
	local ep=$1
	shift
	# (etcdctl refuses to run when a flag shadows its environment)
	env -u ETCDCTL_USER -u ETCDCTL_PASSWORD -u ETCDCTL_CACERT -u ETCDCTL_CERT \
		-u ETCDCTL_KEY -u ETCDCTL_ENDPOINTS \
		ETCDCTL_API=3 etcdctl --endpoints "$ep" --cacert "$C/ca.pem" --cert "$C/client.pem" \
		--key "$C/client.key" --dial-timeout 2s --command-timeout 5s "$@"
}
root() { ctl "$ALL" --user root:rootpw "$@"; }
healthy() { ctl "$1" endpoint health; }
root_healthy() { ctl "$1" --user root:rootpw endpoint health; }

for i in 1 2 3; do
	member "$i"
done
for i in 1 2 3; do
	wait_for 20 healthy "${URL[$i]}" ||
		{ echo "Bail out! etcd member $i did not start"; tail -n 20 "$WORK/m$i.log" | diag; exit 1; }
done

# Users: root, and vnicgw with read/write on the prefix only; then auth on.
{
	ctl "$ALL" user add root:rootpw --interactive=false &&
	ctl "$ALL" role add vnicgw &&
	ctl "$ALL" role grant-permission vnicgw --prefix=true readwrite "$P" &&
	ctl "$ALL" user add vnicgw:gw-s3cret --interactive=false &&
	ctl "$ALL" user grant-role vnicgw vnicgw &&
	ctl "$ALL" auth enable
} >"$WORK/setup.log" 2>&1 || { echo "Bail out! cannot set up etcd's auth"; diag <"$WORK/setup.log"; exit 1; }

# The tools' settings, etcdctl's environment: the password never on a command line.
export ETCDCTL_CACERT=$C/ca.pem ETCDCTL_CERT=$C/client.pem ETCDCTL_KEY=$C/client.key
export ETCDCTL_USER=vnicgw ETCDCTL_PASSWORD=gw-s3cret
E=(--endpoints "$ALL" --etcd-prefix "$P")

# --- the tools through TLS and auth, three endpoints --------------------------------------

out=$(vnicctl apply "${E[@]}" "$DATA/example.json" 2>&1)
expect_eq "vnicctl apply --endpoints (3, TLS, user vnicgw) exits 0" 0 "$?"
expect_ok "... 12 objects added" grep -q "12 added, 0 changed, 0 removed" <<<"$out"
same_doc()
{
	local held want
	held=$(vnicctl-etcd "${E[@]}" show | jq -S .) || return 1
	want=$(vnicctl -j validate "$1" | jq -S .) || return 1
	[ -n "$want" ] && [ "$held" = "$want" ]
}
expect_ok "vnicctl-etcd show reads the document back" same_doc "$DATA/example.json"
expect_eq "... and root's etcdctl sees 12 keys under the prefix" 12 \
	"$(root get "$P" --prefix --keys-only | grep -c .)"
expect_fail_msg "the vnicgw role reaches only its prefix" "permission denied" \
	vnicctl-etcd --endpoints "$ALL" --etcd-prefix /elsewhere/ show

# The agent: a member (lease, watch), in its namespace, settings from a host
# file with the password (mode 600) and the command line.
cat >"$WORK/host.conf" <<EOF
etcd-endpoints = $AG_ALL
etcd-cacert = $C/ca.pem
etcd-cert = $C/client.pem
etcd-key = $C/client.key
etcd-user = vnicgw
EOF
chmod 600 "$WORK/host.conf"
env -u ETCDCTL_PASSWORD -u ETCDCTL_USER VGW_AGENT_TEST=join-without-module \
	vnicgw-agent --netns "$NS" -c "$WORK/host.conf" \
	--password gw-s3cret --etcd-prefix "$P" --host-id h1 --interval 0.2 --member-ttl 3 -v \
	>"$WORK/agent.log" 2>&1 </dev/null &
AGENT=$!
logged() { grep -qE -- "$1" "$WORK/agent.log"; }
expect_ok "the agent reads the document through TLS and auth" \
	wait_for 10 logged "read 12 keys under $P from etcd https://"
expect_ok "... writes: it made ${P}cluster/keys" wait_for 10 logged "made ${P}cluster/keys"
expect_ok "... and watches" wait_for 10 logged "watching $P from revision"
expect_ok "... joins" wait_for 10 logged "joined the cluster as h1"
expect_ok "... and keeps its lease (the keepalive thread's own client: TLS, a token of its own)" \
	wait_for 10 logged "lease [0-9a-f]+ kept"
member_lease() { root get "${P}members/h1" -w fields | sed -n 's/^"Lease" : //p'; }
lease0=$(member_lease)
cmdline=$(tr '\0' ' ' <"/proc/$AGENT/cmdline" 2>/dev/null)
expect_ok "the agent given --password on its command line runs" grep -q -- "--password" <<<"$cmdline"
expect_eq "... and the password is not in its /proc/PID/cmdline any more" "" \
	"$(grep -o 'gw-s3cret' <<<"$cmdline")"

# --- refusals ---------------------------------------------------------------------------

expect_fail_msg "a wrong CA is refused: the server's certificate is not verified" \
	"etcd https://127.0.0.1:[0-9]+: .*(certificate|issuer)" \
	env ETCDCTL_CACERT="$C/other-ca.pem" vnicctl-etcd --endpoints "${URL[1]}" --etcd-prefix "$P" show
out=$(env -u ETCDCTL_CERT -u ETCDCTL_KEY vnicctl-etcd --endpoints "${URL[1]}" --etcd-prefix "$P" show 2>&1)
expect_eq "no client certificate is refused (etcd requires one)" 1 "$?"
echo "$out" | diag
out=$(ETCDCTL_PASSWORD=wrong-pw vnicctl apply "${E[@]}" "$DATA/example.json" 2>&1)
expect_ok "a wrong password is refused naming the user" \
	grep -qE 'authentication failed.*user "vnicgw"' <<<"$out"
expect_eq "... and not the password" "" "$(grep -o 'wrong-pw' <<<"$out")"
echo "$out" | diag
cp "$C/client.key" "$WORK/open.key" && chmod 644 "$WORK/open.key"
expect_fail_msg "a client key every user can read is refused" \
	"key $WORK/open.key: readable by every user" \
	env ETCDCTL_KEY="$WORK/open.key" vnicctl-etcd "${E[@]}" show
expect_fail_msg "a user without a password is refused naming the user" "user vnicgw: no password" \
	env -u ETCDCTL_PASSWORD vnicctl-etcd "${E[@]}" show
{ cat "$WORK/host.conf"; echo "etcd-password = gw-s3cret"; } >"$WORK/open.conf"
chmod 644 "$WORK/open.conf"
out=$(vnicgw-agent -c "$WORK/open.conf" --once 2>&1)
expect_ok "an agent host file with etcd-password that every user can read is refused" \
	grep -q "open.conf: holds etcd-password and every user may read it" <<<"$out"
expect_eq "... without the password in the message" "" "$(grep -o 'gw-s3cret' <<<"$out")"

# --- tokens expire after 2 s: re-authenticated -------------------------------------------

out=$(ETCDCTL_ENDPOINTS=$ALL "$PROBE" reauth "$P" 3 2>&1)
expect_eq "a client idle for 3 s (tokens live 2 s) reads again" 0 "$?"
expect_ok "... with a second token" grep -qx "tokens 2" <<<"$out"
echo "$out" | diag

# --- the first member killed --------------------------------------------------------------

kill_member 1
jq '(.vnics[] | select(.id == "vnic-fw") | .conntrack_limit) = 5000' \
	"$DATA/example.json" >"$WORK/doc2.json"
out=$(vnicctl apply "${E[@]}" "$WORK/doc2.json" 2>&1)
expect_eq "member 1 killed: vnicctl apply through the other endpoints exits 0" 0 "$?"
expect_ok "... 1 changed" grep -q "0 added, 1 changed, 0 removed" <<<"$out"
expect_ok "... vnicctl-etcd show reads it" same_doc "$WORK/doc2.json"
expect_ok "... the agent receives the change from a watch on another endpoint" \
	wait_for 15 logged "etcd put ${P}objects/vnic/vnic-fw"
sleep 2		# two keepalive periods (TTL 3 s)
expect_ok "... and its member key stays under the same lease (the keepalive goes to the others)" \
	test -n "$lease0" -a "$(member_lease)" = "$lease0"

# Back: the member catches up; the tools' first endpoint works again.
member 1
expect_ok "member 1 restarted answers again" wait_for 20 root_healthy "${URL[1]}"

# Frozen (SIGSTOP): it accepts connections but never answers; the TLS
# handshake times out (2 s) before the request is sent, so the next
# endpoint is tried.
kill -STOP "${PIDS[1]}"
t0=$SECONDS
expect_ok "member 1 frozen: vnicctl-etcd show goes on through the others" same_doc "$WORK/doc2.json"
diag "in $((SECONDS - t0)) s"
kill -CONT "${PIDS[1]}"

# --- require-leader: a member cut off from its quorum ends the watch ---------------------

ETCDCTL_ENDPOINTS=${URL[3]} "$PROBE" watch "$P" 30 >"$WORK/probe.out" 2>&1 &
PROBE_PID=$!
expect_ok "a watch on member 3 is created" wait_for 10 grep -q created "$WORK/probe.out"
t0=$SECONDS
kill_member 1
kill_member 2
wait "$PROBE_PID"
rc=$?
PROBE_PID=
expect_eq "members 1 and 2 killed: member 3's watch ends (not silent)" 3 "$rc"
diag "after $((SECONDS - t0)) s: $(tail -n 1 "$WORK/probe.out")"

# --- no secret in what the tools and the agent wrote --------------------------------------

kill "$AGENT" 2>/dev/null
wait "$AGENT" 2>/dev/null
AGENT=
expect_eq "no password in the agent's log" "" "$(grep -o 'gw-s3cret' "$WORK/agent.log")"

tap_end
