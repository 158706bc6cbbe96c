#!/bin/sh
# SIGKILL of hypervvssd while frozen, 10 times: alternately a restart and
# "hypervvssd --thaw" recover; nothing stays frozen. Root; own loop images,
# private mount namespace, chrooted daemon (vss-lib.sh).
. "$HVGUEST_SRC/tests/integration/lib.sh"
. "$HVGUEST_SRC/tests/integration/vss-lib.sh"
. "$HVGUEST_SRC/tests/faults/lib-faults.sh"
vss_need_root "$@"
vss_setup
vss_image a ext4 16
vss_image b ext4 16
INC="/mnt/a /mnt/b"
KILLS=${FAULT_KILLS:-10}
all_thawed() { ! is_frozen "$R/mnt/a" && ! is_frozen "$R/mnt/b"; }
k=0
while [ "$k" -lt "$KILLS" ]; do
	vssd_start "$INC"
	"$HVGUEST_BUILD/hv-hostsim" vss --socket "$R/run/vss.sock" -t 20 -e freeze \
		-e 'expect-status S_OK' -e 'sleep 20000' >"$T/f$k.out" 2>&1 &
	HOSTSIM_PID=$!
	hv_wait 10 grep -q '^FREEZE: S_OK' "$T/f$k.out" || { cat "$T/f$k.out"; hv_fail "kill $k: no FREEZE reply"; }
	is_frozen "$R/mnt/a" || hv_fail "kill $k: not frozen (test broken)"
	kill -KILL "$VSSD_PID"; wait "$VSSD_PID" 2>/dev/null; VSSD_PID=
	kill "$HOSTSIM_PID"; wait "$HOSTSIM_PID" 2>/dev/null; HOSTSIM_PID=
	if [ $((k % 2)) -eq 0 ]; then
		chroot "$R" /bin/hypervvssd -c /dev/null --thaw -o "vss.include=$INC" \
			-o vss.state_dir=/run/hvguest >"$T/thaw.out" 2>&1 || { cat "$T/thaw.out"; hv_fail "--thaw failed"; }
		all_thawed || hv_fail "kill $k: --thaw left a filesystem frozen"
	else
		vssd_start "$INC"
		hv_wait 10 all_thawed || hv_fail "kill $k: a restart did not thaw"
		vssd_stop
	fi
	k=$((k + 1))
done
fault_report vss-kill-frozen "$KILLS" 0 - - - -
