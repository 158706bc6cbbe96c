#!/bin/sh
# fcopy: the host side dropped FAULT_DROPS (1000) times in the middle of a
# copy (hv-hostsim --stall-after 1, then SIGKILL: START and one WRITE
# done, the channel gone). The daemon reconnects each time, no partial or
# temporary file survives in the destination, its fd count and RSS stay
# flat, and a full copy still works at the end.
. "$HVGUEST_SRC/tests/integration/lib.sh"
. "$HVGUEST_SRC/tests/faults/lib-faults.sh"
asan_small_quarantine
hv_trusted_tmpdir
hv_setup hypervfcopyd hv-hostsim
D=$T/dest
mkdir "$D"
# lib.sh's cleanup kills KVPD_PID and shows $T/kvpd.log on failure: reuse both.
"$HVGUEST_BUILD/hypervfcopyd" -c /dev/null -o "fcopy.device=$T/fc.sock" \
	-o fcopy.transport=chardev -o "fcopy.allowed_roots=$T" >>"$T/kvpd.log" 2>&1 &
KVPD_PID=$!
head -c 100000 /dev/urandom >"$T/src"

fc() { # NAME ARGS...
	n=$1
	shift
	"$HVGUEST_BUILD/hv-hostsim" fcopy --socket "$T/fc.sock" --timeout 20 --quiet "$@" >"$T/$n.out" 2>&1
}
fc warm --name warm "$T/src" "$D" || { cat "$T/warm.out"; hv_fail "first copy failed"; }
rm -f "$D/warm"
# Measured in the same state as at the end: the host gone (its socket
# removed), the daemon watching for it to come back.
hv_wait 20 host_left "$T/kvpd.log" || hv_fail "the daemon did not see the host leave"
fd0=$(proc_fds "$KVPD_PID") rss0=$(proc_rss "$KVPD_PID")

i=0
start=$(date +%s)
while [ "$i" -lt "$FAULT_DROPS" ]; do
	# Removed first: the new host truncates the file only once it runs, and
	# the last drop's "stalled after" would otherwise cut this one early.
	rm -f "$T/stall.out"
	"$HVGUEST_BUILD/hv-hostsim" fcopy --socket "$T/fc.sock" --timeout 20 --stall-after 1 \
		--name "part$i" "$T/src" "$D" >"$T/stall.out" 2>&1 &
	HOSTSIM_PID=$!
	w=0
	while ! grep -qs "^stalled after" "$T/stall.out"; do
		w=$((w + 1))
		[ "$w" -lt 1000 ] || { cat "$T/stall.out"; hv_fail "drop $i: never stalled"; }
		sleep 0.02
	done
	kill -KILL "$HOSTSIM_PID"; wait "$HOSTSIM_PID" 2>/dev/null; HOSTSIM_PID=
	i=$((i + 1))
done
echo "$FAULT_DROPS drops in $(($(date +%s) - start)) s"
kvpd_alive
fc final --name final "$T/src" "$D" || { cat "$T/final.out"; hv_fail "copy after the drops failed"; }
cmp -s "$T/src" "$D/final" || hv_fail "the copy after the drops differs"
left=$(ls -A "$D" | grep -vx final | wc -l)
[ "$left" -eq 0 ] || { ls -A "$D" | head; hv_fail "$left partial or temporary files left in $D"; }
hv_wait 20 host_left "$T/kvpd.log" || hv_fail "the daemon did not see the host leave"
fd1=$(proc_fds "$KVPD_PID") rss1=$(proc_rss "$KVPD_PID") hwm=$(proc_hwm "$KVPD_PID")
echo "fds $fd0 -> $fd1, VmRSS $rss0 -> $rss1 kB, VmHWM $hwm kB"
flat "fd count" "$fd0" "$fd1" 0
flat "VmRSS" "$rss0" "$rss1" "$(rss_slack)"
fault_report fcopy-drops "$FAULT_DROPS" 0 "$rss0" "$rss1" "$fd0" "$fd1" "$hwm"
