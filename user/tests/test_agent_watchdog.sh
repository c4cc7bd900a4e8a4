#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The agent under a systemd watchdog (WatchdogSec= in its unit), on this
# machine: with $NOTIFY_SOCKET and $WATCHDOG_USEC set, as systemd sets them,
# it sends "WATCHDOG=1" from its event loop every half interval, so the gap
# between two pings stays under the interval; it pings while the module is
# missing too (the unit is then still "activating": not READY); a
# $WATCHDOG_PID naming another process, no $WATCHDOG_USEC, or a bad one
# mean no pings. The notify socket is a datagram socket this test binds
# (python3); each agent runs in a network namespace of its own (unshare -n),
# without the module (the host cannot load it). Run as
# build/tests/test_agent_watchdog (make tests), which points here.
set -u
here=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/selftests/lib.sh"
AGENT=${VGW_AGENT:-$top/build/bin/vnicgw-agent}	# another build: VGW_AGENT=...

WORK=$(mktemp -d /tmp/vgwt-wd.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
cp "$here/data/example.json" "$WORK/state.json"

# The receiver: prints "SECONDS MESSAGE" per datagram until killed (or 60 s).
cat >"$WORK/rx.py" <<'PY'
import socket, sys, time
path, secs = sys.argv[1], 60
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
open(path + ".bound", "w").close()
t0 = time.monotonic()
while True:
    left = t0 + secs - time.monotonic()
    if left <= 0:
        break
    s.settimeout(left)
    try:
        m = s.recv(4096)
    except socket.timeout:
        break
    print("%.3f %s" % (time.monotonic() - t0,
                       m.decode(errors="replace").replace("\n", "|")),
          flush=True)
PY

# run NAME SECS ENV... : the agent for SECS seconds with ENV (and
# NOTIFY_SOCKET) set; the datagrams go to $WORK/NAME.msgs, its log to
# $WORK/NAME.log. WATCHDOG_PID=self is replaced by the agent's pid.
run()
{
	local name=$1 secs=$2 sock=$WORK/$1.sock
	shift 2
	python3 "$WORK/rx.py" "$sock" >"$WORK/$name.msgs" &
	local rx=$!
	wait_for 5 test -e "$sock.bound" || { kill "$rx"; return 1; }
	env NOTIFY_SOCKET="$sock" "$@" sh -c '
		[ "${WATCHDOG_PID:-}" = self ] && WATCHDOG_PID=$$ && export WATCHDOG_PID
		exec unshare -n "$0" --state "$1" -v' \
		"$AGENT" "$WORK/state.json" >"$WORK/$name.log" 2>&1 &
	local agent=$!
	sleep "$secs"
	kill -TERM "$agent" 2>/dev/null
	wait "$agent"
	sleep 0.3	# the last datagrams (STOPPING=1) read
	kill "$rx" 2>/dev/null
	wait "$rx" 2>/dev/null
}

# gaps FILE: the times between consecutive WATCHDOG=1, in ms, one a line.
gaps()
{
	awk '$2 == "WATCHDOG=1" { if (n++) printf "%d\n", ($1 - t) * 1000; t = $1 }' "$1"
}
pings() { grep -c '^[0-9.]* WATCHDOG=1$' "$1"; }

tap_begin
[ "$(id -u)" -eq 0 ] || { ok "# SKIP needs root (unshare -n)"; tap_end; }
command -v python3 >/dev/null || { echo "Bail out! no python3 (tools/install-deps)"; exit 1; }
[ -x "$AGENT" ] || { echo "Bail out! no $AGENT (make)"; exit 1; }

# 1 s: a ping every 500 ms; 3.2 s of it: 6 or 7 pings.
run interval 3.2 WATCHDOG_USEC=1000000
n=$(pings "$WORK/interval.msgs")
max=$(gaps "$WORK/interval.msgs" | sort -n | tail -n 1)
min=$(gaps "$WORK/interval.msgs" | sort -n | head -n 1)
if [ "$n" -ge 5 ] && [ "$n" -le 8 ]; then
	ok "WATCHDOG_USEC=1000000: $n pings in 3.2 s (one every half interval)"
else
	not_ok "WATCHDOG_USEC=1000000: $n pings in 3.2 s, expected 6 or 7"
	diag <"$WORK/interval.msgs"
fi
if [ -n "$max" ] && [ "$max" -lt 1000 ] && [ "$min" -ge 400 ]; then
	ok "the gaps between pings ($min-$max ms) stay under the 1 s interval and near half of it"
else
	not_ok "the gaps between pings (${min:-none}-${max:-none} ms): expected 400-999 ms"
	diag <"$WORK/interval.msgs"
fi
if grep -q ' STOPPING=1$' "$WORK/interval.msgs"; then
	ok "SIGTERM: STOPPING=1"
else
	not_ok "SIGTERM: no STOPPING=1"
	diag <"$WORK/interval.msgs"
fi

# Without the module the agent waits for it: not ready, still pinging.
if module_loaded; then
	ok "# SKIP the vnicgw module is loaded here"
elif ! grep -q ' READY=1' "$WORK/interval.msgs" &&
     grep -q ' STATUS=.*module' "$WORK/interval.msgs" && [ "$n" -gt 0 ]; then
	ok "without the module: not READY (the unit stays activating), STATUS says why, the loop pings"
else
	not_ok "without the module: READY, no STATUS, or no pings"
	diag <"$WORK/interval.msgs"
fi

run pid-self 1.2 WATCHDOG_USEC=200000 WATCHDOG_PID=self
n=$(pings "$WORK/pid-self.msgs")
if [ "$n" -ge 8 ]; then
	ok "WATCHDOG_PID = the agent's pid: it pings ($n in 1.2 s at 100 ms)"
else
	not_ok "WATCHDOG_PID = the agent's pid: $n pings in 1.2 s at 100 ms"
	diag <"$WORK/pid-self.msgs"
fi

run pid-other 1.2 WATCHDOG_USEC=200000 WATCHDOG_PID=1
n=$(pings "$WORK/pid-other.msgs")
if [ "$n" -eq 0 ] && grep -q ' STATUS=' "$WORK/pid-other.msgs"; then
	ok "WATCHDOG_PID of another process: no pings (STATUS still sent)"
else
	not_ok "WATCHDOG_PID of another process: $n pings"
	diag <"$WORK/pid-other.msgs"
fi

run none 1.2
n=$(pings "$WORK/none.msgs")
if [ "$n" -eq 0 ] && grep -q ' STATUS=' "$WORK/none.msgs"; then
	ok "no WATCHDOG_USEC: no pings (STATUS still sent)"
else
	not_ok "no WATCHDOG_USEC: $n pings"
	diag <"$WORK/none.msgs"
fi

run bad 1.2 WATCHDOG_USEC=12abc
n=$(pings "$WORK/bad.msgs")
if [ "$n" -eq 0 ] && grep -q 'WATCHDOG_USEC 12abc: not a positive number' "$WORK/bad.log"; then
	ok "WATCHDOG_USEC=12abc: no pings, a warning naming the value"
else
	not_ok "WATCHDOG_USEC=12abc: $n pings, or no warning"
	diag <"$WORK/bad.log"
fi

tap_end
