#!/bin/sh
# KVP: the host channel dropped FAULT_DROPS (1000) times, each time right
# after a request (the `reconnect` step closes the socket and accepts the
# daemon's new connection), then SIGKILL of the host side in the middle of
# SET storms. The daemon reconnects every time; its fd count and RSS stay
# flat; every record written before a drop is still there.
. "$HVGUEST_SRC/tests/integration/lib.sh"
. "$HVGUEST_SRC/tests/faults/lib-faults.sh"
asan_small_quarantine
hv_setup hypervkvpd hv-hostsim
kvpd_start
hostsim_ok warm --timeout 10 -e "set external Warm 1" -e "expect-status S_OK" -e "get external Warm" \
	-e reconnect -e intrinsic
kvpd_alive
# Measured in the same state as at the end: the host gone, the daemon
# watching (inotify, one fd) for the device to come back.
hv_wait 20 host_left "$T/kvpd.log" || hv_fail "the daemon did not see the host leave"
fd0=$(proc_fds "$KVPD_PID") rss0=$(proc_rss "$KVPD_PID")

i=0
while [ "$i" -lt "$FAULT_DROPS" ]; do
	echo "set external K$((i % 50)) V$i"
	echo "expect-status S_OK"
	echo reconnect
	i=$((i + 1))
done >"$T/drops.steps"
start=$(date +%s)
"$HVGUEST_BUILD/hv-hostsim" kvp --socket "$T/kvp.sock" --timeout 10 -f "$T/drops.steps" \
	>"$T/drops.out" 2>&1 || { tail -5 "$T/drops.out"; hv_fail "hv-hostsim (drops) failed"; }
n=$(grep -c '^RECONNECT: daemon registered' "$T/drops.out")
[ "$n" -eq "$FAULT_DROPS" ] || hv_fail "$n reconnects of $FAULT_DROPS"
echo "$n drops in $(($(date +%s) - start)) s"
kvpd_alive

# Mid-transaction: the host killed while a SET storm is in flight.
kills=20
k=0
while [ "$k" -lt "$kills" ]; do
	i=0
	while [ "$i" -lt 2000 ]; do echo "set external S$((i % 20)) storm$k-$i"; i=$((i + 1)); done >"$T/storm.steps"
	# A new file each round: a reused one could show the last round's SETs
	# before the new host truncates it, and the kill would then come before
	# this storm started.
	"$HVGUEST_BUILD/hv-hostsim" kvp --socket "$T/kvp.sock" --timeout 10 -f "$T/storm.steps" >"$T/storm$k.out" 2>&1 &
	HOSTSIM_PID=$!
	hv_wait 10 grep -qs '^SET' "$T/storm$k.out" || hv_fail "storm $k: no SET answered"
	kill -KILL "$HOSTSIM_PID"; wait "$HOSTSIM_PID" 2>/dev/null; HOSTSIM_PID=
	k=$((k + 1))
done
kvpd_alive
hostsim_ok after --timeout 10 -e "get external K49" -e "expect-value V$((FAULT_DROPS - 1))" \
	-e "get external Warm" -e "expect-value 1"
hv_wait 20 host_left "$T/kvpd.log" || hv_fail "the daemon did not see the host leave"
fd1=$(proc_fds "$KVPD_PID") rss1=$(proc_rss "$KVPD_PID") hwm=$(proc_hwm "$KVPD_PID")
echo "fds $fd0 -> $fd1, VmRSS $rss0 -> $rss1 kB, VmHWM $hwm kB"
flat "fd count" "$fd0" "$fd1" 0
flat "VmRSS" "$rss0" "$rss1" "$(rss_slack)"
fault_report kvp-drops $((FAULT_DROPS + kills)) 0 "$rss0" "$rss1" "$fd0" "$fd1" "$hwm"
