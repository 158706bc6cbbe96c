#!/bin/sh
# Slow and hung VSS freeze hooks (one that sleeps, one that ignores
# SIGTERM and never ends): vss.hook_timeout fires, the freeze fails
# cleanly, and the host gets its answer well within 30 s; the daemon goes
# on serving. Root; vss-lib.sh's chroot and own loop image.
. "$HVGUEST_SRC/tests/integration/lib.sh"
. "$HVGUEST_SRC/tests/integration/vss-lib.sh"
. "$HVGUEST_SRC/tests/faults/lib-faults.sh"
vss_need_root "$@"
vss_setup
vss_image a ext4 16
n=0
for body in 'sleep 600' 'trap "" TERM INT HUP; while :; do sleep 1; done'; do
	printf '#!/bin/sh\n[ "$1" != freeze ] || { %s; }\n' "$body" >"$R/hooks/50-hang"
	chmod 0755 "$R/hooks/50-hang"
	vssd_start /mnt/a -o vss.hook_timeout=2s
	start=$(date +%s)
	vss_hostsim_ok hang$n -t 40 -e freeze -e 'expect-status E_FAIL'
	took=$(($(date +%s) - start))
	echo "hook '$body': host answered after ${took}s"
	[ "$took" -lt 30 ] || hv_fail "the host waited ${took}s"
	! is_frozen "$R/mnt/a" || hv_fail "/mnt/a frozen after a hung hook"
	rm -f "$R/hooks/50-hang"
	vss_hostsim_ok ok$n -e freeze -e 'expect-status S_OK' -e thaw -e 'expect-status S_OK'
	vssd_stop
	n=$((n + 1))
done
fault_report hung-hooks "$n" 0 - - - -
