#!/bin/sh
# hypervvssd freezes each dependency level at once: several loop
# filesystems, one nested two deep (inner2's image on inner, inner's on a).
# The plan groups them as inner2 with the independent ones first, then
# inner, then a (--dry-run and the --debug log say so); FREEZE freezes them
# all and THAW thaws them all; a target refusing FIFREEZE in the middle of
# the first level leaves every one of its level, frozen at the same time,
# thawed, the later levels untouched, and E_FAIL.
. "$HVGUEST_SRC/tests/integration/lib.sh"
. "$HVGUEST_SRC/tests/integration/vss-lib.sh"
vss_need_root "$@"
command -v xfs_io >/dev/null 2>&1 || hv_skip "needs xfs_io (xfsprogs)"
vss_setup

vss_image a ext4 96
vss_image b ext4 16
vss_image m ext4 16
vss_image c xfs 320
vss_image inner ext4 48 "$R/mnt/a"
vss_image inner2 ext4 16 "$R/mnt/inner"
INC="/mnt/a /mnt/b /mnt/c /mnt/inner /mnt/inner2"
ALL="a b c inner inner2"

hv_log "dry run: three levels"
chroot "$R" /bin/hypervvssd -c /dev/null --dry-run -o "vss.include=$INC" >"$T/dry.out" 2>&1 ||
	{ cat "$T/dry.out"; hv_fail "--dry-run failed"; }
cat "$T/dry.out"
levels=$(awk '/^ level / { if (l != "") print l; l = $2 ":"; next }
	/^  [0-9]+\. / { l = l " " $2 } /^Skipped/ { exit } END { if (l != "") print l }' "$T/dry.out" | tr '\n' ';')
[ "$levels" = "1: /mnt/b /mnt/c /mnt/inner2;2: /mnt/inner;3: /mnt/a;" ] ||
	hv_fail "levels '$levels', expected '1: /mnt/b /mnt/c /mnt/inner2;2: /mnt/inner;3: /mnt/a;'"
grep -q '^ level 1 of 3, all at once:' "$T/dry.out" || hv_fail "level 1 not shown as at once"

hv_log "FREEZE freezes every level, THAW thaws them all"
vssd_start "$INC"
# One session (a closed channel thaws): FREEZE, a pause to look, THAW.
"$HVGUEST_BUILD/hv-hostsim" vss --socket "$R/run/vss.sock" -t 20 -e freeze -e 'expect-status S_OK' \
	-e 'sleep 2000' -e thaw -e 'expect-status S_OK' >"$T/hs1.out" 2>&1 &
HOSTSIM_PID=$!
hv_wait 10 grep -q '^FREEZE' "$T/hs1.out" || hv_fail "no FREEZE reply"
for m in $ALL; do is_frozen "$R/mnt/$m" || hv_fail "/mnt/$m is not frozen after FREEZE"; done
wait "$HOSTSIM_PID" || { cat "$T/hs1.out"; hv_fail "hv-hostsim failed"; }
HOSTSIM_PID=
cat "$T/hs1.out"
for m in $ALL; do ! is_frozen "$R/mnt/$m" || hv_fail "/mnt/$m still frozen after THAW"; done
[ ! -e "$R/run/hvguest/vss-frozen" ] || hv_fail "state file left after THAW"
# The debug log, written once thawed: the levels as frozen.
hv_wait 5 grep -q 'Freeze level 3 of 3' "$T/vssd.log" || hv_fail "no level in the debug log"
grep -q 'Freeze level 1 of 3 (3 at once): /mnt/b /mnt/c /mnt/inner2$' "$T/vssd.log" ||
	hv_fail "level 1 not frozen as planned"
grep -q 'Freeze level 2 of 3 (1 at once): /mnt/inner$' "$T/vssd.log" || hv_fail "level 2 not as planned"
grep -q 'Freeze level 3 of 3 (1 at once): /mnt/a$' "$T/vssd.log" || hv_fail "level 3 not as planned"
vssd_stop

hv_log "a target refusing FIFREEZE in the middle of level 1: everything thawed, E_FAIL"
# ext4 after a shutdown (EXT4_IOC_SHUTDOWN) refuses FIFREEZE with EIO.
xfs_io -x -c shutdown "$R/mnt/m" || hv_fail "cannot shut /mnt/m down"
: >"$T/vssd.log"
vssd_start "$INC /mnt/m"
vss_hostsim_ok refuse -e freeze -e 'expect-status E_FAIL' -e hot-backup -e 'expect-status S_OK'
hv_wait 5 grep -q 'FREEZE failed, everything thawed: FIFREEZE of /mnt/m failed' "$T/vssd.log" ||
	hv_fail "the failure was not logged"
grep -q 'Freeze level 1 of 3 (4 at once): /mnt/b /mnt/m /mnt/c /mnt/inner2$' "$T/vssd.log" ||
	hv_fail "/mnt/m not in the middle of level 1"
for m in $ALL; do ! is_frozen "$R/mnt/$m" || hv_fail "/mnt/$m left frozen after a failed FREEZE"; done
[ ! -e "$R/run/hvguest/vss-frozen" ] || hv_fail "state file left after a failed FREEZE"
vssd_stop
echo "all VSS level checks passed"
