#!/bin/sh
# A host that floods a daemon with malformed messages gets every one
# answered, but cannot flood the log: after a burst, lines from the same
# place are suppressed and counted, and one summary line says how many.
. "${HVGUEST_SRC:-.}/tests/integration/lib.sh"
hv_setup hypervkvpd hypervfcopyd hv-hostsim

# As many as the attack run sent; fcopy's are one --malformed argument,
# which must stay under the kernel's 128 KiB limit for one argument.
N=20000
N_FCOPY=10000

# stop_daemon: fail unless the daemon still runs, stop it; lines: how many
# lines it logged in $T/kvpd.log.
stop_daemon() {
	kvpd_alive
	kill "$KVPD_PID"
	wait "$KVPD_PID"
	KVPD_PID=
	lines=$(wc -l <"$T/kvpd.log" | tr -d ' ')
}

hv_log "KVP: $N malformed messages"
# Not kvpd_start: without -d, as a daemon normally runs.
"$HVGUEST_BUILD/hypervkvpd" -c /dev/null -o "kvp.device=$T/kvp.sock" -o "kvp.pool_dir=$T/pools" \
	-o "kvp.os_release=$T/os-release" >>"$T/kvpd.log" 2>&1 &
KVPD_PID=$!
i=0
while [ "$i" -lt "$N" ]; do
	echo "bad op"
	i=$((i + 1))
done >"$T/bad.steps"
"$HVGUEST_BUILD/hv-hostsim" kvp --socket "$T/kvp.sock" --timeout 60 -f "$T/bad.steps" \
	>"$T/bad.out" 2>"$T/bad.err" || { tail "$T/bad.out" "$T/bad.err"; hv_fail "hv-hostsim failed"; }
answered=$(grep -c '^BAD op (.*): INVALIDARG, daemon still serving$' "$T/bad.out")
[ "$answered" -eq "$N" ] || hv_fail "$answered of $N malformed messages answered"
stop_daemon
rejected=$(grep -c '^hypervkvpd: warning: Rejected malformed host message' "$T/kvpd.log")
echo "$N malformed messages: $lines log lines, $rejected of them about a rejected message"
tail -n 5 "$T/kvpd.log"
[ "$lines" -le 100 ] || hv_fail "$N malformed messages gave $lines log lines"
[ "$rejected" -ge 1 ] || hv_fail "no rejected message was logged at all"
# Every message is either logged or counted in a summary.
suppressed=$(sed -n 's/.*Suppressed \([0-9]*\) similar messages.*/\1/p' "$T/kvpd.log" |
	awk '{ s += $1 } END { print s + 0 }')
[ $((rejected + suppressed)) -eq "$N" ] ||
	hv_fail "$rejected logged + $suppressed suppressed is not $N"
grep -q 'Suppressed [0-9]* similar messages.*"Rejected malformed host message' "$T/kvpd.log" ||
	hv_fail "the summary does not say which message was suppressed"

N=$N_FCOPY
hv_log "fcopy: $N malformed messages"
: >"$T/kvpd.log"
"$HVGUEST_BUILD/hypervfcopyd" -c /dev/null -o "fcopy.device=$T/fc.sock" \
	-o fcopy.transport=chardev -o "fcopy.allowed_roots=$T" >>"$T/kvpd.log" 2>&1 &
KVPD_PID=$!
kinds=unknown-op
i=1
while [ "$i" -lt "$N" ]; do
	kinds="$kinds,unknown-op"
	i=$((i + 1))
done
"$HVGUEST_BUILD/hv-hostsim" fcopy --socket "$T/fc.sock" --timeout 60 --malformed "$kinds" "$T" \
	>"$T/fc.out" 2>&1 || { tail "$T/fc.out"; hv_fail "hv-hostsim fcopy failed"; }
answered=$(grep -c '^malformed unknown-op: HV_INVALIDARG$\|^malformed unknown-op: HV_E_FAIL$' "$T/fc.out")
tail -n 2 "$T/fc.out"
grep -q '^result=all-refused$' "$T/fc.out" || hv_fail "a malformed fcopy message was accepted"
[ "$answered" -eq "$N" ] || hv_fail "$answered of $N malformed fcopy messages answered"
stop_daemon
echo "$N malformed fcopy messages: $lines log lines"
tail -n 5 "$T/kvpd.log"
[ "$lines" -le 100 ] || hv_fail "$N malformed fcopy messages gave $lines log lines"
grep -q 'Suppressed [0-9]* similar messages' "$T/kvpd.log" || hv_fail "no suppression summary"
echo "a flood of malformed messages is answered in full and logged in bounded lines"
