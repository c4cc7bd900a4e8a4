# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers of the agent's selftests: start and stop vnicgw-agent (only the
# processes started here, by pid), wait for a condition with a deadline,
# compare the kernel's tables with a document. Source after ../lib.sh.

WORK=$(mktemp -d /tmp/vgwt-agent.XXXXXX)
AGENT_PIDS=()
AGENT_PID=
AGENT_RC=

# start_agent LOG ARGS...: run vnicgw-agent in the background, stderr to LOG.
start_agent()
{
	local log=$1
	shift
	vnicgw-agent "$@" 2>"$log" &
	AGENT_PID=$!
	AGENT_PIDS+=("$AGENT_PID")
}

# stop_agent SIGNAL SECS: signal the last agent started; AGENT_RC is its
# exit status, or "timeout" if it was still running SECS seconds later
# (it is then killed).
stop_agent()
{
	local sig=$1 secs=$2

	kill -"$sig" "$AGENT_PID"
	if wait_until "$secs" not_running "$AGENT_PID"; then
		wait "$AGENT_PID"
		AGENT_RC=$?
	else
		kill -KILL "$AGENT_PID"
		wait "$AGENT_PID"
		AGENT_RC=timeout
	fi
}

not_running()
{
	! kill -0 "$1" 2>/dev/null
}

# Kill every agent this test started and is still running; remove WORK.
# The agents' logs are shown when a test failed, and copied to
# $AGENT_LOG_DIR if that is set.
agent_cleanup()
{
	local p

	for p in "${AGENT_PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	if [ "$TAP_FAILED" -gt 0 ]; then
		for p in "$WORK"/*.log; do
			[ -f "$p" ] && { echo "${p##*/}:"; cat "$p"; } | diag
		done
	fi
	if [ -n "${AGENT_LOG_DIR:-}" ]; then
		mkdir -p "$AGENT_LOG_DIR" && cp "$WORK"/*.log "$AGENT_LOG_DIR"/
	fi
	rm -rf "$WORK"
}

# wait_until SECS CMD...: poll CMD every 0.1 s until it succeeds (0) or
# SECS seconds passed (1).
wait_until()
{
	local secs=$1 end
	shift
	# Scaled like wait_for (lib.sh): a debug kernel runs everything slower.
	end=$(($(date +%s%N) / 1000000 + secs * ${VGW_SLOW:-1} * 1000))
	until "$@" >/dev/null 2>&1; do
		[ "$(($(date +%s%N) / 1000000))" -ge "$end" ] && return 1
		sleep 0.1
	done
	return 0
}

# expect_within DESC SECS CMD...: CMD must succeed within SECS seconds. On
# failure the agent's log (the last lines of every log in WORK) is shown.
expect_within()
{
	local desc=$1 secs=$2
	shift 2
	if wait_until "$secs" "$@"; then
		ok "$desc"
	else
		not_ok "$desc"
		{ echo "not true after ${secs}s: $*"; tail -n 15 "$WORK"/*.log; } 2>&1 | diag
	fi
}

# same_state NS FILE: the tables of namespace NS equal document FILE (both
# in canonical form, keys sorted). An unreadable side never compares equal.
same_state()
{
	local kernel doc

	kernel=$(ip netns exec "$1" vnicctl -j show | jq -S .) || return 1
	doc=$(vnicctl -j validate "$2" | jq -S .) || return 1
	[ -n "$doc" ] && [ "$kernel" = "$doc" ]
}

# ns_gen NS: the namespace's table generation (aborts the test if unreadable,
# so that no comparison passes on two empty strings).
ns_gen()
{
	local g

	g=$(ip netns exec "$1" vnicctl -j info | jq -r .generation)
	[[ "$g" =~ ^[0-9]+$ ]] || { echo "Bail out! cannot read the generation of $1" >&2; return 1; }
	echo "$g"
}
