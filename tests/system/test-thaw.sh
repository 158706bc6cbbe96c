#!/bin/sh
# hypervvssd --thaw (the unit's ExecStartPre= and ExecStopPost=) thaws what
# hvguest's own record says it froze, and nothing without a record: another
# tool's freeze (an LVM snapshot, a backup agent) must survive a restart of
# the service. Nothing is ever frozen here: FITHAW of a filesystem that is
# not frozen is harmless, and strace shows whether one was attempted. The
# filesystem is run.sh's own ext4 image (/mnt/hvgsys-own), the only block
# device in the container; the unit's vss.include matches nothing, and the
# image is named as a candidate only on these --thaw command lines.
. /opt/hvgsys/tests/lib.sh
hvguest_installed || fail "hvguest is not installed (did test-switch fail?)"

own=/mnt/hvgsys-own
dev=$(cat "$HVGSYS/own-dev")
[ -n "$dev" ] && mountpoint -q "$own" || skip "no loop-mounted image at $own (no loop device?)"
[ "$(findmnt -n -o MAJ:MIN "$own" | tr -d ' ')" = "$dev" ] || fail "$own is not the image run.sh made"
# Safety first: the daemon's own configuration freezes nothing.
hypervvssd --dry-run 2>&1 | head -n 1 | sed 's/^/    dry-run: /'
hypervvssd --dry-run 2>&1 | grep -q "^Would freeze 0 filesystems" ||
	fail "vss.include of the test configuration matches something"

state=$(hypervvssd --dump-config | sed -n 's/^state_dir *= *//p')
[ -n "$state" ] || state=/run/hvguest
record=$state/vss-frozen
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# fithaws FILE: the FITHAW ioctls in an strace log.
fithaws() { grep -c 'FITHAW' "$1"; }

log "without a record: thaw nothing"
rm -f "$record"
strace -f -qq -e trace=ioctl -o "$T/norecord.strace" \
	hypervvssd --thaw -o "vss.include=$own" >"$T/norecord.out" 2>&1
rc=$?
sed 's/^/    /' "$T/norecord.out"
[ $rc -eq 0 ] || fail "hypervvssd --thaw without a record exits $rc"
n=$(fithaws "$T/norecord.strace")
[ "$n" -eq 0 ] || { grep FITHAW "$T/norecord.strace" | sed 's/^/    /'; fail "--thaw without a record thawed $n filesystem(s)"; }

log "with a record: thaw what it names"
mkdir -p "$state"
printf '%s %s\n' "$dev" "$own" >"$record"
strace -f -qq -e trace=ioctl -o "$T/record.strace" hypervvssd --thaw >"$T/record.out" 2>&1
rc=$?
sed 's/^/    /' "$T/record.out"
grep FITHAW "$T/record.strace" | sed 's/^/    /'
[ $rc -eq 0 ] || fail "hypervvssd --thaw with a record exits $rc"
[ "$(fithaws "$T/record.strace")" -eq 1 ] || fail "--thaw did not thaw the recorded filesystem once"
[ ! -e "$record" ] || fail "--thaw left the record behind"

log "the unit restarts (ExecStopPost=, ExecStartPre= --thaw) and registers"
systemctl restart hypervvssd.service || fail "cannot restart hypervvssd"
serve vss
wait_registered vss
log "--thaw follows the record only"
