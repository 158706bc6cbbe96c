#!/bin/sh
# Every daemon stops cleanly on SIGTERM, exit status 0, also while it is
# still waiting for its device (systemd counts anything else as a failure).
. "$HVGUEST_SRC/tests/integration/lib.sh"
hv_trusted_tmpdir
hv_setup hypervkvpd hypervvssd hypervfcopyd
mkdir -p "$T/hooks" "$T/state"

check() { # name, command...
	name=$1
	shift
	"$@" 2>"$T/$name.log" &
	pid=$!
	sleep 0.5
	kill -0 "$pid" 2>/dev/null || hv_fail "$name exited before SIGTERM: $(cat "$T/$name.log")"
	kill -TERM "$pid"
	wait "$pid"
	rc=$?
	[ "$rc" -eq 0 ] || hv_fail "$name exited $rc on SIGTERM: $(cat "$T/$name.log")"
	hv_log "$name: exit 0 on SIGTERM"
}

check hypervkvpd "$HVGUEST_BUILD/hypervkvpd" -c /dev/null -o "kvp.device=$T/kvp.sock" \
	-o "kvp.pool_dir=$T/pools" -o "kvp.os_release=$T/os-release"
# An empty include list freezes nothing; the state and hooks are the test's own.
check hypervvssd "$HVGUEST_BUILD/hypervvssd" -c /dev/null -o "vss.device=$T/vss.sock" \
	-o vss.include= -o "vss.state_dir=$T/state" -o "vss.hooks_dir=$T/hooks"
check hypervfcopyd "$HVGUEST_BUILD/hypervfcopyd" -c /dev/null -o "fcopy.device=$T/fc.sock" \
	-o fcopy.transport=chardev -o "fcopy.allowed_roots=$T"
exit 0
