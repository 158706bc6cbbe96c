#!/bin/sh
# hypervfcopyd over UIO refuses malformed host traffic without crashing:
# broken ring descriptors (offset8 < 2, offset8 > len8, a length beyond what
# is available) make it drop and reopen the channel; short IC and fcopy
# payloads, a negotiation with no common version, WRITE sizes over 6144 or
# past the packet, and bad UTF-16 names get error answers; several packets
# behind one interrupt are all answered, and a spurious interrupt with an
# empty ring does not leave it masked.
. "${HVGUEST_SRC:-.}/tests/integration/lib.sh"
hv_trusted_tmpdir
hv_setup hypervfcopyd hv-hostsim

U=$T/uio
D=$T/dest
mkdir "$U" "$D"
"$HVGUEST_BUILD/hypervfcopyd" -c /dev/null -o fcopy.transport=uio \
	-o "fcopy.sysfs_root=$U/sys/bus/vmbus/devices" -o "fcopy.uio_dev_dir=$U/dev" \
	-o "fcopy.uio_driver_dir=" -o "fcopy.allowed_roots=$T" -d >>"$T/kvpd.log" 2>&1 &
KVPD_PID=$!

kinds="short-ic,short-fcopy,negotiate-none,write-size,write-trunc,name-unpaired,name-no-nul"
kinds="$kinds,spurious,batch,ring-offset-small,ring-offset-big,ring-len,spurious"
"$HVGUEST_BUILD/hv-hostsim" fcopy --uio "$U" --timeout 30 --malformed "$kinds" "$D" >"$T/bad.out" 2>&1
rc=$?
sed 's/^/    /' "$T/bad.out"
if [ "$rc" -ne 0 ] && grep -q "in /sys/bus/vmbus/devices" "$T/kvpd.log"; then
	hv_fail "hypervfcopyd looked at the real /sys, not fcopy.sysfs_root"
fi
[ "$rc" -eq 0 ] || hv_fail "hv-hostsim fcopy --malformed exited with $rc"
grep -q '^result=all-refused' "$T/bad.out" || hv_fail "a malformed message was accepted"
grep -q 'write-size: HV_INVALIDARG\|write-size: INVALIDARG\|write-size: .*0x80070057' "$T/bad.out" ||
	hv_fail "WRITE size 6145 not answered HV_INVALIDARG"
grep -q 'name-unpaired: .*\(INVALIDARG\|0x80070057\)' "$T/bad.out" ||
	hv_fail "an unpaired surrogate not answered HV_INVALIDARG"
[ "$(grep -c 'reopening' "$T/kvpd.log")" -ge 3 ] || hv_fail "broken descriptors did not make the daemon reopen"

hv_log "still copies afterwards"
head -c 20000 /dev/urandom >"$T/after"
"$HVGUEST_BUILD/hv-hostsim" fcopy --uio "$U" --timeout 30 "$T/after" "$D" >"$T/after.out" 2>&1 ||
	{ cat "$T/after.out"; hv_fail "no copy after the malformed traffic"; }
cmp -s "$T/after" "$D/after" || hv_fail "the copy after the malformed traffic differs"
kill -0 "$KVPD_PID" 2>/dev/null || hv_fail "hypervfcopyd is not running any more"
echo "PASS"
