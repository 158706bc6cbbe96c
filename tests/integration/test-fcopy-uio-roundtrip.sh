#!/bin/sh
# hypervfcopyd over the UIO transport (kernels >= 6.10) against
# `hv-hostsim fcopy --uio`: the simulated device (sysfs-like tree, ring file,
# interrupt socket; lib/fcopy_uio.h) in $T/uio. Round trips with checksums
# (0, 1, 6143, 6144, 6145 bytes and 100 MiB), names that only survive a real
# UTF-16 decoder (surrogate pairs included), CANCEL midway leaving nothing,
# other ring sizes, and binding through new_id when the device is not
# bound yet.
. "${HVGUEST_SRC:-.}/tests/integration/lib.sh"
hv_trusted_tmpdir
hv_setup hypervfcopyd hv-hostsim
command -v sha256sum >/dev/null 2>&1 || hv_skip "sha256sum is missing"

U=$T/uio
D=$T/dest
mkdir "$U" "$D"
# lib.sh's cleanup kills KVPD_PID and shows $T/kvpd.log on failure: reuse both.
"$HVGUEST_BUILD/hypervfcopyd" -c /dev/null -o fcopy.transport=uio \
	-o "fcopy.sysfs_root=$U/sys/bus/vmbus/devices" -o "fcopy.uio_dev_dir=$U/dev" \
	-o "fcopy.uio_driver_dir=$U/sys/bus/vmbus/drivers/uio_hv_generic" \
	-o "fcopy.allowed_roots=$T" -d >>"$T/kvpd.log" 2>&1 &
KVPD_PID=$!

# fc NAME [ARGS...]: one hv-hostsim fcopy run over UIO; output in $T/NAME.out.
UIO_ARG=$U
fc() {
	name=$1
	shift
	"$HVGUEST_BUILD/hv-hostsim" fcopy --uio "$UIO_ARG" --timeout 30 "$@" >"$T/$name.out" 2>&1
	rc=$?
	sed "s/^/    $name: /" "$T/$name.out"
	return $rc
}

sum() { sha256sum <"$1" | cut -d' ' -f1; }

hv_log "first contact"
head -c 10 /dev/urandom >"$T/first"
if ! fc first "$T/first" "$D"; then
	# A daemon that does not pass the [fcopy] UIO keys on looks at the real /sys.
	grep -q "in /sys/bus/vmbus/devices" "$T/kvpd.log" &&
		hv_fail "hypervfcopyd looked at the real /sys, not fcopy.sysfs_root"
	hv_fail "no copy over the simulated UIO device"
fi
grep -q "Negotiated" "$T/kvpd.log" || hv_fail "the daemon did not log the negotiation"

hv_log "round trips"
for size in 0 1 6143 6144 6145 104857600; do
	head -c "$size" /dev/urandom >"$T/src.$size"
	fc "copy$size" "$T/src.$size" "$D" || hv_fail "copy of $size bytes failed"
	[ "$(sum "$T/src.$size")" = "$(sum "$D/src.$size")" ] || hv_fail "$size bytes: checksum differs"
done
rm -f "$T/src.104857600" "$D/src.104857600"

hv_log "names arrive as UTF-16 and are decoded, not replaced"
for n in 'café.txt' '日本語.txt' 'smile-😀.bin' '𝄞-clef'; do
	fc utf16 --name "$n" "$T/src.6145" "$D" || hv_fail "copy to \"$n\" failed"
	cmp -s "$T/src.6145" "$D/$n" || hv_fail "\"$n\" missing or different"
done
ls "$D" | grep -q X && hv_fail "a character was replaced: $(ls "$D")"

hv_log "CANCEL midway leaves nothing"
head -c 1000000 /dev/urandom >"$T/big"
before=$(ls -A "$D" | wc -l)
fc cancel --cancel-after 50 "$T/big" "$D" || hv_fail "cancelled copy failed"
[ ! -e "$D/big" ] || hv_fail "a cancelled copy left $D/big"
[ "$(ls -A "$D" | wc -l)" = "$before" ] || hv_fail "a cancelled copy left something: $(ls -A "$D")"

hv_log "ring sizes come from sysfs: 0x4000 (kernels 6.10-6.15) and 0x10000"
for ring in 0x4000 0x10000; do
	UIO_ARG="$U,ring=$ring"
	fc "ring$ring" --name "ring$ring" "$T/big" "$D" || hv_fail "copy over a $ring ring failed"
	cmp -s "$T/big" "$D/ring$ring" || hv_fail "$ring ring: copy differs"
done

hv_log "an unbound device is bound through new_id"
UIO_ARG="$U,unbound,ring=0x8000"
fc unbound "$T/src.6144" "$D" --name unbound || hv_fail "copy to an unbound device failed"
cmp -s "$T/src.6144" "$D/unbound" || hv_fail "unbound: copy differs"
grep -q "Bound uio_hv_generic" "$T/kvpd.log" || hv_fail "the daemon did not log the binding"

kill -0 "$KVPD_PID" 2>/dev/null || hv_fail "hypervfcopyd is not running any more"
echo "PASS"
