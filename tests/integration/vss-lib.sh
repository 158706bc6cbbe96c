# Helpers for tests/integration/test-vss-*.sh (POSIX sh), sourced after lib.sh.
#
# Freezing is dangerous, so every test that freezes:
#  - runs as root only, re-executed inside `unshare -m --propagation private`;
#  - creates its own images (on a tmpfs of its own), loop-mounts them, and
#    detaches and unmounts everything in its EXIT trap;
#  - runs hypervvssd chrooted into a tmpfs that holds only a copy of the
#    daemon (and /bin/sh for hooks), a private proc and sysfs, and the test
#    mounts, so /proc/self/mountinfo as the daemon sees it lists nothing of
#    the machine's own filesystems;
#  - and still passes vss.include naming exactly the test mounts.
# If a test hangs, thaw by hand: fsfreeze -u <mount> for each test mount.

R=            # the chroot (tmpfs)
IMG=          # the images' tmpfs
LOOPS=""      # loop devices to detach, newest first
VSSD_PID=

vss_need_root() {
	[ "$(id -u)" = 0 ] || hv_skip "needs root (loop mounts and FIFREEZE)"
	for c in unshare losetup mkfs.ext4 fsfreeze chroot ldd; do
		command -v "$c" >/dev/null 2>&1 || hv_skip "needs $c"
	done
	if [ -z "${HVGUEST_VSS_NS:-}" ]; then
		HVGUEST_VSS_NS=1 exec unshare -m --propagation private sh "$0" "$@"
	fi
	# Private, also for mounts made by this script from now on.
	mount --make-rprivate / 2>/dev/null
	lo=$(losetup -f 2>/dev/null) && [ -n "$lo" ] || hv_skip "no free loop device (losetup -f)"
}

vss_cleanup() {
	rc=$?
	trap - EXIT
	if [ -n "$VSSD_PID" ]; then
		kill -KILL "$VSSD_PID" 2>/dev/null
		wait "$VSSD_PID" 2>/dev/null
	fi
	for pid in $HOSTSIM_PID; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
	if [ -n "$R" ]; then
		# Whatever state the daemon left: thaw our own mounts, deepest first.
		for m in $(awk -v r="$R/mnt/" 'index($5, r) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
			fsfreeze -u "$m" 2>/dev/null
		done
		for m in $(awk -v r="$R" 'index($5, r) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
			umount -l "$m" 2>/dev/null
		done
	fi
	for l in $LOOPS; do losetup -d "$l" 2>/dev/null; done
	[ -z "$IMG" ] || umount -l "$IMG" 2>/dev/null
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ -f "$T/vssd.log" ]; then
		echo "--- last lines of the daemon's log:"
		tail -n 40 "$T/vssd.log"
	fi
	rm -rf "$T"
	exit "$rc"
}

# Copy a program and the libraries it links into the chroot.
vss_copy_prog() {
	src=$1 dst=$2
	mkdir -p "$R$(dirname "$dst")"
	cp "$src" "$R$dst"
	for l in $(ldd "$src" 2>/dev/null | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }'); do
		[ -e "$R$l" ] && continue
		mkdir -p "$R$(dirname "$l")"
		cp -L "$l" "$R$l"
	done
}

vss_setup() {
	hv_setup hypervvssd hv-hostsim
	trap vss_cleanup EXIT
	IMG=$T/img R=$T/root
	mkdir -p "$IMG" "$R"
	mount -t tmpfs -o size=2g,mode=0700 hvguest-img "$IMG" || hv_skip "cannot mount a tmpfs"
	mount -t tmpfs -o mode=0755 hvguest-root "$R" || hv_skip "cannot mount a tmpfs"
	mkdir -p "$R/proc" "$R/sys" "$R/run" "$R/mnt" "$R/hooks" "$R/out" "$R/dev"
	mount -t proc proc "$R/proc" || hv_skip "cannot mount proc in the chroot"
	mount -t sysfs sysfs "$R/sys" || hv_skip "cannot mount sysfs in the chroot"
	touch "$R/dev/null" && mount --bind /dev/null "$R/dev/null"
	vss_copy_prog "$HVGUEST_BUILD/hypervvssd" /bin/hypervvssd
	vss_copy_prog /bin/sh /bin/sh
	for p in sleep cat; do
		b=$(command -v $p) && vss_copy_prog "$b" "/bin/$p"
	done
}

# vss_image NAME TYPE SIZE_MB [DIR]: make an image in DIR (default the image
# tmpfs) and mount it at $R/mnt/NAME. Sets LAST_LOOP.
vss_image() {
	name=$1 type=$2 size=$3 dir=${4:-$IMG}
	f=$dir/$name.img
	truncate -s "${size}M" "$f" || hv_fail "truncate $f"
	case $type in
	ext4) mkfs.ext4 -q -F "$f" >/dev/null 2>&1 ;;
	xfs) command -v mkfs.xfs >/dev/null 2>&1 || hv_skip "needs mkfs.xfs (xfsprogs)"
	     mkfs.xfs -q -f "$f" >/dev/null 2>&1 ;;
	minix) mkfs.minix "$f" >/dev/null 2>&1 ;;
	esac || hv_fail "mkfs.$type $f"
	LAST_LOOP=$(losetup -f --show "$f") || hv_skip "losetup failed (no loop devices?)"
	LOOPS="$LAST_LOOP $LOOPS"
	mkdir -p "$R/mnt/$name"
	mount -t "$type" "$LAST_LOOP" "$R/mnt/$name" || hv_fail "mount $type $LAST_LOOP"
}

# vssd_start INCLUDE [ARGS...]: hypervvssd chrooted in $R, channel $R/run/vss.sock.
vssd_start() {
	inc=$1
	shift
	[ -n "$inc" ] || hv_fail "vssd_start needs an include list"
	${VSSD_WRAP:-} chroot "$R" /bin/hypervvssd -c /dev/null -d -o vss.device=/run/vss.sock \
		-o "vss.include=$inc" -o vss.state_dir=/run/hvguest -o vss.hooks_dir=/hooks "$@" \
		>>"$T/vssd.log" 2>&1 &
	VSSD_PID=$!
}

vssd_stop() {
	[ -n "$VSSD_PID" ] || return 0
	# Under a wrapper (strace blocks SIGTERM) the daemon is its child.
	for p in $(ps -o pid= --ppid "$VSSD_PID" 2>/dev/null) "$VSSD_PID"; do
		kill -TERM "$p" 2>/dev/null
	done
	wait "$VSSD_PID" 2>/dev/null
	VSSD_PID=
}

# vss_hostsim NAME ARGS...: hv-hostsim vss (ARGS: -e STEP ...); output in $T/NAME.out.
vss_hostsim() {
	name=$1
	shift
	hv_log "hv-hostsim vss $*"
	"$HVGUEST_BUILD/hv-hostsim" vss --socket "$R/run/vss.sock" -t 20 "$@" >"$T/$name.out" 2>"$T/$name.err"
	hs_rc=$?
	cat "$T/$name.out" "$T/$name.err"
	return $hs_rc
}

vss_hostsim_ok() {
	vss_hostsim "$@" || hv_fail "hv-hostsim vss ($1) exited with $hs_rc"
}

# vss_freeze_hold NAME: hv-hostsim sends FREEZE and then keeps the channel
# open (the host waits, up to 20 s) in the background, HOSTSIM_PID; output in
# $T/NAME.out. Fails unless FREEZE is answered S_OK.
vss_freeze_hold() {
	"$HVGUEST_BUILD/hv-hostsim" vss --socket "$R/run/vss.sock" -t 30 -e freeze \
		-e 'expect-status S_OK' -e 'sleep 20000' >"$T/$1.out" 2>&1 &
	HOSTSIM_PID=$!
	hv_wait 10 grep -q '^FREEZE: S_OK' "$T/$1.out" || { cat "$T/$1.out"; hv_fail "$1: no FREEZE reply"; }
}

# is_frozen MOUNT: FIFREEZE from outside fails with EBUSY only on a frozen fs.
is_frozen() {
	if fsfreeze -f "$1" 2>/dev/null; then
		fsfreeze -u "$1"
		return 1
	fi
	return 0
}
