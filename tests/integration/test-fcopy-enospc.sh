#!/bin/sh
# A full disk: a copy onto a 1 MiB tmpfs answers HV_ERROR_DISK_FULL and
# leaves nothing behind. Root only (mount), inside a private mount namespace.
. "${HVGUEST_SRC:-.}/tests/integration/lib.sh"
[ "$(id -u)" -eq 0 ] || hv_skip "needs root (mounts a tmpfs in a private mount namespace)"
command -v unshare >/dev/null 2>&1 && unshare -m --propagation private true 2>/dev/null ||
	hv_skip "unshare -m does not work here"
hv_trusted_tmpdir
hv_setup hypervfcopyd hv-hostsim

mkdir "$T/small"
head -c 3000000 /dev/urandom >"$T/big"
head -c 100000 /dev/urandom >"$T/fits"
# The namespace holds the mount, the daemon and the simulator; the tmpfs
# vanishes with it. The listing is taken inside, before it goes.
unshare -m --propagation private sh -c '
	set -u
	mount -t tmpfs -o size=1m hvguest-fcopy-test "$1/small" || exit 10
	"$2/hypervfcopyd" -c /dev/null -o "fcopy.device=$1/fc.sock" -o fcopy.transport=chardev \
		-o "fcopy.allowed_roots=$1" >>"$1/kvpd.log" 2>&1 &
	d=$!
	"$2/hv-hostsim" fcopy --socket "$1/fc.sock" --expect HV_ERROR_DISK_FULL "$1/big" "$1/small"
	rc1=$?
	ls -A "$1/small" >"$1/after-full"
	"$2/hv-hostsim" fcopy --socket "$1/fc.sock" "$1/fits" "$1/small"
	rc2=$?
	cmp -s "$1/fits" "$1/small/fits" || rc2=9
	kill "$d"
	wait "$d"
	exit $((rc1 * 16 + rc2))
' sh "$T" "$HVGUEST_BUILD"
rc=$?
[ $rc -ne 160 ] || hv_fail "cannot mount a tmpfs"
[ $((rc / 16)) -eq 0 ] || hv_fail "a copy onto a full disk did not answer HV_ERROR_DISK_FULL"
[ ! -s "$T/after-full" ] || hv_fail "the failed copy left: $(cat "$T/after-full")"
[ $((rc % 16)) -eq 0 ] || hv_fail "a copy that fits failed after the full one (rc $((rc % 16)))"
echo PASS
