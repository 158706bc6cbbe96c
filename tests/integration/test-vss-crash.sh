#!/bin/sh
# Nothing stays frozen: SIGKILL while frozen, then "hypervvssd --thaw" (from
# the state file) and a restart both thaw; vss.max_frozen thaws without
# THAW (and the late THAW gets E_FAIL); SIGTERM while frozen thaws; a
# channel reset while frozen thaws. Loop filesystems of its own, in a
# private mount namespace, the daemon chrooted (see vss-lib.sh).
. "$HVGUEST_SRC/tests/integration/lib.sh"
. "$HVGUEST_SRC/tests/integration/vss-lib.sh"
vss_need_root "$@"
vss_setup
vss_image a ext4 32
vss_image b ext4 32
INC="/mnt/a /mnt/b"

# freeze_and_hold NAME: FREEZE, then keep the connection open (the host waits).
freeze_and_hold() {
	vss_freeze_hold "$1"
	for m in a b; do is_frozen "$R/mnt/$m" || hv_fail "$1: /mnt/$m not frozen"; done
}

end_hostsim() {
	kill "$HOSTSIM_PID" 2>/dev/null
	wait "$HOSTSIM_PID" 2>/dev/null
	HOSTSIM_PID=
}

all_thawed() {
	! is_frozen "$R/mnt/a" && ! is_frozen "$R/mnt/b"
}

hv_log "SIGKILL while frozen, then --thaw"
vssd_start "$INC"
freeze_and_hold kill1
grep -q ' /mnt/a$' "$R/run/hvguest/vss-frozen" || hv_fail "state file does not list /mnt/a"
kill -KILL "$VSSD_PID"; wait "$VSSD_PID" 2>/dev/null; VSSD_PID=
end_hostsim
is_frozen "$R/mnt/a" || hv_fail "SIGKILL thawed by itself? (test broken)"
chroot "$R" /bin/hypervvssd -c /dev/null --thaw -o "vss.include=$INC" -o vss.state_dir=/run/hvguest \
	>"$T/thaw.out" 2>&1 || { cat "$T/thaw.out"; hv_fail "--thaw failed"; }
cat "$T/thaw.out"
all_thawed || hv_fail "--thaw left a filesystem frozen"
[ ! -e "$R/run/hvguest/vss-frozen" ] || hv_fail "--thaw left the state file"

hv_log "SIGKILL while frozen, then a restart"
vssd_start "$INC"
freeze_and_hold kill2
kill -KILL "$VSSD_PID"; wait "$VSSD_PID" 2>/dev/null; VSSD_PID=
end_hostsim
vssd_start "$INC"
hv_wait 10 all_thawed || hv_fail "a restarted daemon did not thaw"
vssd_stop

hv_log "vss.max_frozen fires without THAW; the late THAW gets E_FAIL"
vssd_start "$INC" -o vss.max_frozen=800ms
vss_hostsim_ok maxf -e freeze -e 'expect-status S_OK' -e 'sleep 1500' -e thaw -e 'expect-status E_FAIL'
all_thawed || hv_fail "max_frozen did not thaw"
grep -q 'vss.max_frozen elapsed' "$T/vssd.log" || hv_fail "auto-thaw not logged"
vssd_stop

hv_log "SIGTERM while frozen thaws before exiting"
vssd_start "$INC"
freeze_and_hold term
vssd_stop
all_thawed || hv_fail "SIGTERM left a filesystem frozen"
end_hostsim

hv_log "a channel reset while frozen thaws"
vssd_start "$INC"
vss_hostsim_ok reset -e freeze -e 'expect-status S_OK' -e reconnect -e hot-backup
all_thawed || hv_fail "a channel reset left a filesystem frozen"
vssd_stop

# --thaw without a record thaws nothing: test-vss-thaw.sh.
echo "all VSS crash-safety checks passed"
