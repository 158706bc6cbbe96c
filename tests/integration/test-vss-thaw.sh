#!/bin/sh
# "hypervvssd --thaw" (the unit's ExecStartPre= and ExecStopPost=, so every
# start, stop, restart and upgrade) and the daemon's own start-up thaw only
# what hvguest's record says it froze (issue 12): a filesystem frozen by
# another tool (here fsfreeze -f, as an LVM snapshot script would) stays
# frozen without a record, with vss.include matching it or nothing; with a
# record, exactly the recorded filesystems are thawed, and a filesystem
# another tool had frozen when FREEZE came is not recorded. Loop filesystems of
# its own, in a private mount namespace, the daemon chrooted (vss-lib.sh).
. "$HVGUEST_SRC/tests/integration/lib.sh"
. "$HVGUEST_SRC/tests/integration/vss-lib.sh"
vss_need_root "$@"
vss_setup
vss_image a ext4 32
vss_image b ext4 32
INC="/mnt/a /mnt/b"

# freeze_record_kill NAME WHY: the running daemon gets FREEZE and the host
# holds on (output in $T/NAME.out); /mnt/b must be frozen and recorded, /mnt/a
# not recorded (else fail with WHY); then the daemon is killed (SIGKILL) and
# the host goes, leaving /mnt/b frozen and its record behind.
freeze_record_kill() {
	vss_freeze_hold "$1"
	is_frozen "$R/mnt/b" || hv_fail "/mnt/b not frozen by FREEZE"
	cat "$R/run/hvguest/vss-frozen"
	grep -q ' /mnt/b$' "$R/run/hvguest/vss-frozen" || hv_fail "the record does not name /mnt/b"
	grep -q ' /mnt/a$' "$R/run/hvguest/vss-frozen" && hv_fail "$2"
	kill -KILL "$VSSD_PID"; wait "$VSSD_PID" 2>/dev/null; VSSD_PID=
	kill "$HOSTSIM_PID"; wait "$HOSTSIM_PID" 2>/dev/null; HOSTSIM_PID=
}

# thaw NAME [ARGS...]: hypervvssd --thaw in the chroot; output in $T/NAME.out.
thaw() {
	name=$1
	shift
	chroot "$R" /bin/hypervvssd -c /dev/null --thaw -o vss.state_dir=/run/hvguest "$@" \
		>"$T/$name.out" 2>&1 || { cat "$T/$name.out"; hv_fail "$name: --thaw failed"; }
	cat "$T/$name.out"
}

hv_log "another tool froze /mnt/a; no record: --thaw leaves it frozen"
fsfreeze -f "$R/mnt/a" || hv_fail "fsfreeze -f /mnt/a"
[ ! -e "$R/run/hvguest/vss-frozen" ] || hv_fail "a record exists before any freeze (test broken)"
thaw norecord -o "vss.include=$INC"
is_frozen "$R/mnt/a" || hv_fail "--thaw without a record thawed another tool's freeze"
grep -q 'thawing nothing' "$T/norecord.out" || hv_fail "--thaw did not say it thaws nothing"
grep -q "would freeze: /mnt/a /mnt/b\|would freeze: /mnt/b /mnt/a" "$T/norecord.out" ||
	hv_fail "--thaw did not list the candidates"

hv_log "... nor with vss.include matching nothing"
thaw nomatch -o vss.include=/nonexistent-hvguest-test
is_frozen "$R/mnt/a" || hv_fail "--thaw (include matching nothing) thawed another tool's freeze"
grep -q 'none (vss.include matches no mount)' "$T/nomatch.out" || hv_fail "no 'none' in the candidates"

hv_log "... nor a daemon start and stop"
vssd_start "$INC"
hv_wait 5 grep -q 'does not exist' "$T/vssd.log" || hv_fail "the daemon did not start"
vssd_stop
is_frozen "$R/mnt/a" || hv_fail "a daemon start or stop thawed another tool's freeze"

hv_log "our freeze of /mnt/b recorded, the daemon killed: --thaw thaws /mnt/b, not /mnt/a"
vssd_start /mnt/b
freeze_record_kill hold "the record names /mnt/a"
thaw record -o "vss.include=$INC"
is_frozen "$R/mnt/b" && hv_fail "--thaw left the recorded /mnt/b frozen"
is_frozen "$R/mnt/a" || hv_fail "--thaw thawed /mnt/a, which the record does not name"
[ ! -e "$R/run/hvguest/vss-frozen" ] || hv_fail "--thaw left the record"

hv_log "FREEZE of /mnt/a and /mnt/b while another tool holds /mnt/a: only /mnt/b is recorded"
is_frozen "$R/mnt/a" || hv_fail "/mnt/a is not frozen by the other tool any more (test broken)"
vssd_start "$INC"
freeze_record_kill hold2 "the record names /mnt/a, which another tool froze"
thaw record3 -o "vss.include=$INC"
is_frozen "$R/mnt/b" && hv_fail "--thaw left the recorded /mnt/b frozen"
is_frozen "$R/mnt/a" || hv_fail "--thaw after a crash thawed another tool's freeze of /mnt/a"

hv_log "a record naming /mnt/a, vss.include matching nothing: the record decides"
mkdir -p "$R/run/hvguest"
printf '%s /mnt/a\n' "$(mountpoint -d "$R/mnt/a")" >"$R/run/hvguest/vss-frozen"
thaw record2 -o vss.include=/nonexistent-hvguest-test
is_frozen "$R/mnt/a" && hv_fail "--thaw left the recorded /mnt/a frozen"
[ ! -e "$R/run/hvguest/vss-frozen" ] || hv_fail "--thaw left the record"
echo "all --thaw checks passed"
