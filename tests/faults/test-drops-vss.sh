#!/bin/sh
# VSS: the host channel dropped FAULT_DROPS (1000) times: after a CHECK,
# and every 5th time while frozen (FREEZE answered, THAW never sent: the
# transaction cut in the middle). The daemon thaws, reconnects, and its fd
# count and RSS stay flat; nothing is left frozen. Root; loop images of
# its own in a private mount namespace, the daemon chrooted (vss-lib.sh).
. "$HVGUEST_SRC/tests/integration/lib.sh"
. "$HVGUEST_SRC/tests/integration/vss-lib.sh"
. "$HVGUEST_SRC/tests/faults/lib-faults.sh"
asan_small_quarantine
vss_need_root "$@"
vss_setup
vss_image a ext4 16
vssd_start /mnt/a
vss_hostsim_ok warm -e check -e 'expect-status S_OK' -e freeze -e 'expect-status S_OK' -e thaw -e reconnect
# Measured in the same state as at the end: the host gone, the daemon
# watching for its device to come back.
hv_wait 20 host_left "$T/vssd.log" || hv_fail "the daemon did not see the host leave"
fd0=$(proc_fds "$VSSD_PID") rss0=$(proc_rss "$VSSD_PID")
# $VSSD_PID is chroot's pid until it execs: the same process, so /proc works.

set --
i=0 freezes=0
while [ "$i" -lt "$FAULT_DROPS" ]; do
	if [ $((i % 5)) -eq 4 ]; then
		set -- "$@" -e freeze -e 'expect-status S_OK' -e reconnect
		freezes=$((freezes + 1))
	else
		set -- "$@" -e check -e reconnect
	fi
	i=$((i + 1))
done
start=$(date +%s)
"$HVGUEST_BUILD/hv-hostsim" vss --socket "$R/run/vss.sock" -t 20 "$@" >"$T/drops.out" 2>&1 ||
	{ tail -5 "$T/drops.out"; hv_fail "hv-hostsim vss (drops) failed"; }
n=$(grep -c '^RECONNECT' "$T/drops.out")
[ "$n" -eq "$FAULT_DROPS" ] || hv_fail "$n reconnects of $FAULT_DROPS"
echo "$FAULT_DROPS drops ($freezes while frozen) in $(($(date +%s) - start)) s"
kill -0 "$VSSD_PID" 2>/dev/null || hv_fail "hypervvssd exited"
hv_wait 20 eval '! is_frozen "$R/mnt/a"' || hv_fail "/mnt/a left frozen after the drops"
vss_hostsim_ok after -e freeze -e 'expect-status S_OK' -e thaw -e 'expect-status S_OK'
! is_frozen "$R/mnt/a" || hv_fail "/mnt/a frozen after a thaw"
hv_wait 20 host_left "$T/vssd.log" || hv_fail "the daemon did not see the host leave"
fd1=$(proc_fds "$VSSD_PID") rss1=$(proc_rss "$VSSD_PID") hwm=$(proc_hwm "$VSSD_PID")
echo "fds $fd0 -> $fd1, VmRSS $rss0 -> $rss1 kB, VmHWM $hwm kB"
flat "fd count" "$fd0" "$fd1" 0
flat "VmRSS" "$rss0" "$rss1" "$(rss_slack)"
fault_report vss-drops "$FAULT_DROPS" 0 "$rss0" "$rss1" "$fd0" "$fd1" "$hwm"
