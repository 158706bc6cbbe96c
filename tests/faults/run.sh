#!/bin/sh
# `make check-faults`: every tests/faults/test-*.sh. The channel-drop tests
# (test-drops-*.sh, mostly waiting on reconnect backoff) run side by side
# in the background while the others run one after another. Needs root
# (tmpfs and loop mounts, namespaces); exits 77 otherwise. Prints each
# test's FAULTS line and a total. Env: HVGUEST_BUILD, HVGUEST_SRC,
# FAULT_DROPS (default 1000).
set -u
HVGUEST_SRC=${HVGUEST_SRC:-$(pwd)}
HVGUEST_BUILD=${HVGUEST_BUILD:-$HVGUEST_SRC/build}
export HVGUEST_SRC HVGUEST_BUILD
[ "$(id -u)" = 0 ] || { echo "fault injection needs root (tmpfs, loop mounts, namespaces)"; exit 77; }
logs=$(mktemp -d "${TMPDIR:-/tmp}/hvguest-faults.XXXXXX") || exit 1
failed=0 skipped=0 passed=0
pids=""
for t in "$HVGUEST_SRC"/tests/faults/test-drops-*.sh; do
	n=${t##*/}
	sh "$t" >"$logs/$n.log" 2>&1 &
	pids="$pids $!:$n"
done
result() { # NAME RC
	case $2 in
	0) passed=$((passed + 1)); echo "PASS: $1"; grep '^FAULTS ' "$logs/$1.log" | sed 's/^/    /' ;;
	77) skipped=$((skipped + 1)); echo "SKIP: $1 ($(tail -n 1 "$logs/$1.log"))" ;;
	*) failed=$((failed + 1)); echo "FAIL: $1 (exit $2)"; tail -n 30 "$logs/$1.log" | sed 's/^/    /' ;;
	esac
}
for t in "$HVGUEST_SRC"/tests/faults/test-*.sh; do
	n=${t##*/}
	case $n in test-drops-*) continue ;; esac
	start=$(date +%s)
	sh "$t" >"$logs/$n.log" 2>&1
	rc=$?
	result "$n" "$rc"
	echo "    ($(($(date +%s) - start)) s)"
done
for p in $pids; do
	wait "${p%%:*}"
	result "${p#*:}" $?
done
injected=$(cat "$logs"/*.log | sed -n 's/^FAULTS .*injected=\([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
lost=$(cat "$logs"/*.log | sed -n 's/^FAULTS .*lost=\([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
echo "faults injected: $injected, records lost: $lost, crashes: 0 (a crash fails its test)"
echo "logs: $logs"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] || exit 1
# Only root gets here: a skipped fault test is not hidden in a pass.
[ "$skipped" -eq 0 ] || { echo "$skipped fault tests skipped as root (see SKIP above)"; exit 77; }
