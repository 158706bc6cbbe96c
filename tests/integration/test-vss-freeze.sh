#!/bin/sh
# hypervvssd against hv-hostsim on loop filesystems it creates (ext4, xfs),
# in a private mount namespace, the daemon chrooted so that it sees
# nothing else: FREEZE blocks writers until THAW; bind and double mounts
# are one target; a loop filesystem on another is frozen first; a target
# that refuses FIFREEZE midway leaves everything thawed and E_FAIL.
. "$HVGUEST_SRC/tests/integration/lib.sh"
. "$HVGUEST_SRC/tests/integration/vss-lib.sh"
vss_need_root "$@"
vss_setup

vss_image a ext4 64
vss_image b xfs 320
# A second filesystem whose image lives on a: frozen before a, thawed after.
vss_image inner ext4 16 "$R/mnt/a"
# The same superblock three times: a bind mount and a second mount of the device.
mkdir -p "$R/mnt/a/sub" "$R/mnt/bind" "$R/mnt/again"
mount --bind "$R/mnt/a/sub" "$R/mnt/bind" || hv_fail "bind mount"
mount -t ext4 "$(losetup -j "$IMG/a.img" | cut -d: -f1)" "$R/mnt/again" || hv_fail "second mount"
INC="/mnt/a /mnt/b /mnt/inner /mnt/bind /mnt/again"

hv_log "dry run: order and reasons"
chroot "$R" /bin/hypervvssd -c /dev/null --dry-run -o "vss.include=$INC" >"$T/dry.out" 2>&1 ||
	{ cat "$T/dry.out"; hv_fail "--dry-run failed"; }
cat "$T/dry.out"
grep -q '^Would freeze 3 filesystems' "$T/dry.out" || hv_fail "expected 3 targets"
order=$(sed -n 's/^  [0-9]\. \([^ ]*\) .*/\1/p' "$T/dry.out" | tr '\n' ' ')
case $order in
*/mnt/inner*/mnt/a*) ;;
*) hv_fail "order '$order': /mnt/inner must come before /mnt/a" ;;
esac
grep -q '/mnt/inner .*before /mnt/a, which holds its loop file' "$T/dry.out" || hv_fail "no reason for the order"
grep -Eq '^  /mnt/(bind|again) .*same filesystem.*frozen as /mnt/a' "$T/dry.out" || hv_fail "bind mount not deduplicated"
grep -q '^  /proc  (proc): not in vss.include' "$T/dry.out" || hv_fail "proc not skipped"

hv_log "FREEZE blocks a writer until THAW"
vssd_start "$INC"
"$HVGUEST_BUILD/hv-hostsim" vss --socket "$R/run/vss.sock" -t 20 -e freeze -e 'expect-status S_OK' \
	-e 'sleep 1500' -e thaw -e 'expect-status S_OK' >"$T/hs1.out" 2>&1 &
HOSTSIM_PID=$!
hv_wait 10 grep -q '^FREEZE' "$T/hs1.out" || hv_fail "no FREEZE reply"
for m in a b inner; do is_frozen "$R/mnt/$m" || hv_fail "/mnt/$m is not frozen after FREEZE"; done
(echo data >"$R/mnt/b/written" && touch "$T/write-done") &
writer=$!
sleep 0.5
[ ! -e "$T/write-done" ] || hv_fail "a write to a frozen filesystem completed"
wait "$HOSTSIM_PID" || { cat "$T/hs1.out"; hv_fail "hv-hostsim failed"; }
HOSTSIM_PID=
cat "$T/hs1.out"
wait "$writer"
[ -e "$T/write-done" ] || hv_fail "the write did not complete after THAW"
for m in a b inner; do ! is_frozen "$R/mnt/$m" || hv_fail "/mnt/$m still frozen after THAW"; done
[ ! -e "$R/run/hvguest/vss-frozen" ] || hv_fail "state file left after THAW"
vssd_stop

hv_log "a target that refuses FIFREEZE midway: the others thawed, E_FAIL"
# ext4 after a shutdown (EXT4_IOC_SHUTDOWN) refuses FIFREEZE with EIO.
command -v xfs_io >/dev/null 2>&1 || hv_skip "needs xfs_io (xfsprogs)"
vss_image m ext4 16
xfs_io -x -c shutdown "$R/mnt/m" || hv_fail "cannot shut /mnt/m down"
vssd_start "/mnt/a /mnt/m /mnt/b"
vss_hostsim_ok refuse -e freeze -e 'expect-status E_FAIL' -e hot-backup -e 'expect-status S_OK'
for m in a b; do ! is_frozen "$R/mnt/$m" || hv_fail "/mnt/$m left frozen after a failed FREEZE"; done
hv_wait 5 grep -q 'FREEZE failed, everything thawed: FIFREEZE of /mnt/m failed' "$T/vssd.log" ||
	hv_fail "the failure was not logged"
vssd_stop
echo "all VSS freeze checks passed"
