#!/bin/sh
# The host side going away and coming back: the daemon registers again, on
# its own, within a few seconds, whichever side starts first, and never exits.
. "${HVGUEST_SRC:-.}/tests/integration/lib.sh"
hv_setup hypervkvpd hv-hostsim

# hv-hostsim first, the daemon a moment later.
"$HVGUEST_BUILD/hv-hostsim" kvp --socket "$T/kvp.sock" --timeout 10 \
	-e "set external Persist Yes" -e "expect-status S_OK" >"$T/first.out" 2>&1 &
HOSTSIM_PID=$!
sleep 0.5
kvpd_start
wait "$HOSTSIM_PID" || { cat "$T/first.out"; hv_fail "first hv-hostsim failed"; }
HOSTSIM_PID=
cat "$T/first.out"

# The `reconnect` step: close, accept the daemon's new connection, register.
hostsim_ok steps -e "get external Persist" -e reconnect -e "get external Persist" \
	-e "expect-value Yes" -e reconnect -e intrinsic -e "expect-count 10"
[ "$(grep -c '^RECONNECT: daemon registered' "$T/steps.out")" -eq 2 ] || hv_fail "two reconnects"

# Kill the host side in the middle of a run (SIGKILL: it leaves its socket
# behind), then start a new one on the same path.
"$HVGUEST_BUILD/hv-hostsim" kvp --socket "$T/kvp.sock" -e "get external Persist" \
	-e "sleep 60000" >"$T/killed.out" 2>&1 &
HOSTSIM_PID=$!
hv_wait 10 grep -q '^GET external' "$T/killed.out" || hv_fail "hv-hostsim never got an answer"
kill -9 "$HOSTSIM_PID"
wait "$HOSTSIM_PID" 2>/dev/null
HOSTSIM_PID=
[ -S "$T/kvp.sock" ] || hv_fail "expected a stale socket after SIGKILL"
kvpd_alive

start=$(date +%s)
hostsim_ok restarted --timeout 8 -e "get external Persist" -e "expect-value Yes"
took=$(($(date +%s) - start))
[ "$took" -le 8 ] || hv_fail "the daemon took $took s to register again"
echo "re-registered after ${took}s"

# A host that never shows up is exit 3, and the daemon is still there after.
rm -f "$T/kvp.sock"
sleep 1
kvpd_alive
mkdir "$T/nodaemon"
"$HVGUEST_BUILD/hv-hostsim" kvp --socket "$T/nodaemon/kvp.sock" --timeout 0.5 -e intrinsic
rc=$?
[ "$rc" -eq 3 ] || hv_fail "no daemon: exit $rc, expected 3"

hostsim_ok last --timeout 10 -e "get external Persist" -e "expect-value Yes"
kvpd_alive
echo "the daemon comes back after every host restart"
