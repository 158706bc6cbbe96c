#!/bin/sh
# Space on real disk file systems (loop images in a private mount namespace):
# - a host that announces 48 MiB and sends 5 bytes leaves a 5-byte file
#   holding a block or two, not 48 MiB, and an honest 40 MiB copy onto the
#   same 64 MiB ext4 still fits afterwards;
# - an announced size above the free space is refused at START
#   (HV_ERROR_DISK_FULL) without allocating anything;
# - on ext2, which cannot preallocate, the WRITE that runs out of space is
#   answered HV_ERROR_DISK_FULL itself (not a later COMPLETE), over the
#   legacy device and over the UIO ring.
# Root only (loop devices, mounts).
. "${HVGUEST_SRC:-.}/tests/integration/lib.sh"
[ "$(id -u)" -eq 0 ] || hv_skip "needs root (loop-mounts ext4 and ext2 images in a private mount namespace)"
command -v unshare >/dev/null 2>&1 && unshare -m --propagation private true 2>/dev/null ||
	hv_skip "unshare -m does not work here"
for p in mkfs.ext4 mkfs.ext2 losetup; do
	command -v "$p" >/dev/null 2>&1 || hv_skip "$p is missing"
done
hv_setup hypervfcopyd hv-hostsim

printf 'hello' >"$T/five"
head -c $((40 * 1024 * 1024)) /dev/urandom >"$T/forty"
mkdir "$T/ext4" "$T/ext2" "$T/uio"
truncate -s 64M "$T/ext4.img"
truncate -s 8M "$T/ext2.img"
mkfs.ext4 -q -F "$T/ext4.img" || hv_fail "mkfs.ext4"
# -m 0: no root reserve, so the daemon (root) sees what statvfs says is free.
mkfs.ext2 -q -F -m 0 -b 1024 "$T/ext2.img" || hv_fail "mkfs.ext2"

# Everything that needs the mounts runs in the namespace; results go to files.
unshare -m --propagation private sh -c '
	set -u
	T=$1 B=$2
	mount -o loop "$T/ext4.img" "$T/ext4" || exit 10
	mount -o loop "$T/ext2.img" "$T/ext2" || exit 10
	"$B/hypervfcopyd" -c /dev/null -o "fcopy.device=$T/fc.sock" -o fcopy.transport=chardev \
		-o fcopy.allowed_roots=/ -d >>"$T/kvpd.log" 2>&1 &
	d=$!
	fc() { # NAME ARGS...: one legacy copy, output in $T/NAME.out
		n=$1
		shift
		"$B/hv-hostsim" fcopy --socket "$T/fc.sock" --timeout 30 "$@" >"$T/$n.out" 2>&1
		echo $? >"$T/$n.rc"
	}
	fc short --announce-size $((48 * 1024 * 1024)) "$T/five" "$T/ext4"
	stat -c "%s %b" "$T/ext4/five" >"$T/short.stat"
	fc honest "$T/forty" "$T/ext4"
	cmp -s "$T/forty" "$T/ext4/forty" || echo differs >"$T/honest.cmp"
	rm -f "$T/ext4/forty"
	sync
	stat -f -c %a "$T/ext4" >"$T/free.before"
	fc toobig --expect HV_ERROR_DISK_FULL --announce-size $((200 * 1024 * 1024)) --name big \
		"$T/five" "$T/ext4"
	stat -f -c %a "$T/ext4" >"$T/free.after"
	ls -A "$T/ext4" >"$T/ext4.ls"

	# ext2: as many bytes as statvfs says are free; the indirect blocks do not fit.
	free=$(stat -f -c "%a * %S" "$T/ext2")
	head -c $(($free - 1024)) /dev/urandom >"$T/fill"
	fc full2 --expect HV_ERROR_DISK_FULL "$T/fill" "$T/ext2"
	ls -A "$T/ext2" | grep -v "^lost+found$" >"$T/ext2.ls"
	kill "$d"
	wait "$d"

	"$B/hypervfcopyd" -c /dev/null -o fcopy.transport=uio \
		-o "fcopy.sysfs_root=$T/uio/sys/bus/vmbus/devices" -o "fcopy.uio_dev_dir=$T/uio/dev" \
		-o fcopy.uio_driver_dir= -o fcopy.allowed_roots=/ -d >>"$T/kvpd.log" 2>&1 &
	d=$!
	"$B/hv-hostsim" fcopy --uio "$T/uio" --timeout 30 --expect HV_ERROR_DISK_FULL "$T/fill" \
		"$T/ext2" >"$T/full2uio.out" 2>&1
	echo $? >"$T/full2uio.rc"
	ls -A "$T/ext2" | grep -v "^lost+found$" >"$T/ext2uio.ls"
	kill "$d"
	wait "$d"
	exit 0
' sh "$T" "$HVGUEST_BUILD"
rc=$?
[ $rc -ne 10 ] || hv_skip "cannot loop-mount an image here"
[ $rc -eq 0 ] || hv_fail "the namespace script failed (rc $rc)"

show() { sed "s/^/    $1: /" "$T/$1.out"; }
for n in short honest toobig full2 full2uio; do show $n; done

hv_log "a short copy releases what was announced but not sent"
[ "$(cat "$T/short.rc")" = 0 ] || hv_fail "the short copy was not completed"
read -r size blocks <"$T/short.stat"
echo "    5-byte file announced as 48 MiB: size $size, $blocks blocks of 512 bytes"
[ "$size" = 5 ] || hv_fail "the short copy's size is $size, not 5"
[ "$blocks" -le 16 ] || hv_fail "the 5-byte file holds $blocks blocks of 512 bytes"

hv_log "an honest copy fits after it"
[ "$(cat "$T/honest.rc")" = 0 ] || hv_fail "the 40 MiB copy after the short one failed"
[ ! -e "$T/honest.cmp" ] || hv_fail "the 40 MiB copy differs"

hv_log "an announced size above the free space is refused at START"
[ "$(cat "$T/toobig.rc")" = 0 ] || hv_fail "200 MiB announced on a 64 MiB disk was not DISK_FULL"
grep -q '^start: HV_ERROR_DISK_FULL' "$T/toobig.out" || hv_fail "DISK_FULL did not come at START"
[ "$(cat "$T/free.before")" = "$(cat "$T/free.after")" ] ||
	hv_fail "free blocks changed: $(cat "$T/free.before") -> $(cat "$T/free.after")"
! grep -q big "$T/ext4.ls" || hv_fail "the refused copy left a file"

hv_log "ext2 (no preallocation): the WRITE that does not fit answers DISK_FULL"
for n in full2 full2uio; do
	[ "$(cat "$T/$n.rc")" = 0 ] || hv_fail "$n: the copy did not end with DISK_FULL"
	grep -q '^write: offset [0-9]*: HV_ERROR_DISK_FULL' "$T/$n.out" ||
		hv_fail "$n: no WRITE was answered DISK_FULL (the error came later)"
done
[ ! -s "$T/ext2.ls" ] || hv_fail "the failed copy left: $(cat "$T/ext2.ls")"
[ ! -s "$T/ext2uio.ls" ] || hv_fail "the failed UIO copy left: $(cat "$T/ext2uio.ls")"
echo PASS
