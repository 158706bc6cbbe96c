#!/bin/sh
# tests/system/run.sh: `make check-system`. The hvguest .deb under a real
# systemd: a Debian 12 root (tests/system/mkroot.sh) with systemd and
# upstream's hyperv-daemons installed, booted with `systemd-nspawn -b`, in
# which every tests/system/test-*.sh runs as its own test, in this order:
#   test-switch.sh first (it installs hvguest over hyperv-daemons, live);
#   then every other test-*.sh in name order;
#   then test-upgrade.sh and test-remove.sh (they change the package);
#   then the tests marked "# hvgsys: reboot", each run with "setup", the
#   container rebooted, and run again with "check".
# Ends with "N passed, N failed, N skipped" like tests/run-all.sh.
#
# Safety (the machine is shared): everything happens in a private mount
# namespace, the container's root is a tmpfs, its network is private, the
# machine's os-release and nspawn's propagation directory are replaced by
# tmpfs copies so that nspawn binds nothing of the machine's disk, and the
# suite fails at once if a block-device filesystem other than its own loop
# image is visible inside. No test sends a VSS FREEZE: the host sides only
# register and wait, and vss.include matches no mount.
#
# Environment: BUILD (default build); HVGUEST_DEB, the .deb to test (default:
# the one `make check-system` built in $BUILD/system/debs); HVGUEST_SHIM
# (default $BUILD/bench/vmbus-shim.so); HVGUEST_ROOT_CACHE (mkroot.sh's
# cache, also holding the prepared root); HVGSYS_TESTS (names of tests to
# run, e.g. "test-kill test-reload"; test-switch always runs first);
# HVGSYS_MANAGER (networkmanager, networkd or netplan): a run for the
# real-manager tests instead, in its own prepared root with that manager's
# Debian packages added (cached like the plain one): test-switch, then only
# the tests marked "# hvgsys: manager" (they read /opt/hvgsys/manager); a
# run without it skips those tests.
# HVGSYS_HOLD=FILE keeps the booted container, after the tests that need no
# reboot, until FILE is removed (debugging: nsenter -t LEADER -a).
# Logs: $BUILD/system/logs.
set -u

src=$(cd "$(dirname "$0")/../.." && pwd)
here=$src/tests/system
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$src/$BUILD ;; esac
export BUILD

# Packages of the prepared root: systemd and udev as on a Debian 12 VM, the
# old package to switch from, hvguest's own dependencies (so that
# `apt install ./hvguest.deb` needs no download), and what the tests use
# (udevadm for test-aliases, strace for test-thaw, jq for test-msgid).
PREP_PKGS="systemd systemd-sysv udev dbus hyperv-daemons libinih1 libnl-3-200 libnl-route-3-200
	procps jq iproute2 strace e2fsprogs util-linux"
# One manager at a time (never on this machine: only in the prepared root).
MANAGER=${HVGSYS_MANAGER:-}
case $MANAGER in
'') ;;
networkmanager) PREP_PKGS="$PREP_PKGS network-manager" ;;
# networkd is part of systemd in Debian 12 (the test enables it); resolved,
# as on such machines, so that its DNS is in use (and GET_IP_INFO's).
networkd) PREP_PKGS="$PREP_PKGS systemd-resolved" ;;
netplan) PREP_PKGS="$PREP_PKGS netplan.io systemd-resolved" ;;
*) echo "HVGSYS_MANAGER: unknown manager $MANAGER"; exit 1 ;;
esac

say() { printf '%s\n' "$*"; }

if [ "${1:-}" != --inner ]; then
	[ "$(id -u)" -eq 0 ] || { say "check-system needs root (debootstrap, systemd-nspawn)"; exit 77; }
	t0=$(date +%s)
	missing=
	command -v systemd-nspawn >/dev/null 2>&1 || missing="$missing systemd-container"
	command -v debootstrap >/dev/null 2>&1 || missing="$missing debootstrap"
	command -v mkfs.ext4 >/dev/null 2>&1 || missing="$missing e2fsprogs"
	if [ -n "$missing" ]; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing >/dev/null ||
			{ say "cannot install$missing"; exit 1; }
	fi
	deb=${HVGUEST_DEB:-}
	if [ -z "$deb" ]; then
		for f in "$BUILD"/system/debs/hvguest_*.deb; do deb=$f; done
	fi
	[ -f "$deb" ] || { say "no hvguest .deb (make check-system builds one into $BUILD/system/debs)"; exit 1; }
	shim=${HVGUEST_SHIM:-$BUILD/bench/vmbus-shim.so}
	[ -f "$shim" ] || { say "no $shim (make $BUILD/bench/vmbus-shim.so)"; exit 1; }
	mkdir -p "$BUILD/system"
	HVGUEST_DEB=$(cd "$(dirname "$deb")" && pwd)/${deb##*/}
	HVGUEST_SHIM=$(cd "$(dirname "$shim")" && pwd)/${shim##*/}
	export HVGUEST_DEB HVGUEST_SHIM
	unshare -m --propagation private sh "$0" --inner
	rc=$?
	say "check-system took $(($(date +%s) - t0)) s"
	exit $rc
fi

# ---- inside the private mount namespace --------------------------------

cache=${HVGUEST_ROOT_CACHE:-$src/build/cache}
work=$BUILD/system/ns
mkdir -p "$work"
mount -t tmpfs -o mode=0755,size=3G hvgsys "$work" || { say "cannot mount a tmpfs on $work"; exit 1; }
root=$work/root
logdir=$BUILD/system/logs${MANAGER:+-$MANAGER}
rm -rf "$logdir"
mkdir -p "$logdir"
NSPAWN_PID=
LEADER=
MACHINE=hvgsys-$$

# ---- the prepared root (cached: a tarball keyed by the packages) --------

base=$cache/debian12-minbase.tar
key=$(printf '%s\n' $PREP_PKGS | sort | cksum | cut -d' ' -f1)
prepared=$cache/debian12-system-$key.tar

prepare_root() {
	sh "$here/mkroot.sh" "$root" || return 1
	mount -t proc proc "$root/proc"
	mount --rbind /dev "$root/dev"
	# No service starts in the chroot.
	printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
	chmod +x "$root/usr/sbin/policy-rc.d"
	say "preparing the root: apt-get install $(echo $PREP_PKGS)"
	chroot "$root" sh -c "export DEBIAN_FRONTEND=noninteractive
		apt-get update -q && apt-get install -y -q --no-install-recommends $(echo $PREP_PKGS)" \
		>"$logdir/prepare.log" 2>&1
	rc=$?
	rm -f "$root/usr/sbin/policy-rc.d"
	umount -R "$root/dev"
	umount "$root/proc"
	if [ $rc -ne 0 ]; then
		tail -n 30 "$logdir/prepare.log"
		return 1
	fi
	rm -f "$root/var/cache/apt/archives/"*.deb
	mkdir -p "$cache"
	tar -C "$root" -cf "$prepared.tmp" . && mv "$prepared.tmp" "$prepared"
}

# Remade with the minbase tarball (which mkroot.sh renews weekly).
if [ -f "$prepared" ] && [ -f "$base" ] && [ -z "$(find "$base" -newer "$prepared")" ]; then
	mkdir -p "$root"
	tar -C "$root" -xf "$prepared" || exit 1
else
	# Stale ones only: the other package lists have their own tarballs.
	find "$cache" -maxdepth 1 -name 'debian12-system-*.tar' ! -newer "$base" -delete 2>/dev/null
	prepare_root || { say "cannot prepare the root"; exit 1; }
fi

# ---- what the tests need inside ----------------------------------------

cp -a "$here/container/." "$root/"
mkdir -p "$root/opt/hvgsys/tests" "$root/opt/hvgsys/debs" "$root/etc/systemd/system/multi-user.target.wants"
cp "$here"/lib.sh "$here"/test-*.sh "$root/opt/hvgsys/tests/"
cp "$HVGUEST_DEB" "$root/opt/hvgsys/debs/hvguest.deb"
cp "$HVGUEST_SHIM" "$root/opt/hvgsys/vmbus-shim.so"
for c in kvp vss fcopy; do
	ln -sf ../hvgsys-host@.service "$root/etc/systemd/system/multi-user.target.wants/hvgsys-host@$c.service"
done
# hv-hostsim from the package, usable before hvguest is installed.
dpkg-deb -x "$HVGUEST_DEB" "$work/pkg"
cp "$work/pkg/usr/bin/hv-hostsim" "$root/opt/hvgsys/bin/"
# The newer build for the upgrade: the same files, a higher version.
ver=$(dpkg-deb -f "$HVGUEST_DEB" Version)
dpkg-deb -R "$HVGUEST_DEB" "$work/next"
sed -i "s/^Version: .*/Version: $ver+hvgsys1/" "$work/next/DEBIAN/control"
dpkg-deb -b "$work/next" "$root/opt/hvgsys/debs/hvguest-next.deb" >/dev/null || exit 1
# The MESSAGE_IDs, from the source of truth.
sed -n 's/^#define HV_MSGID_\([A-Z_]*\)[[:space:]]*"\([0-9a-f]*\)".*/\1=\2/p' "$src/lib/log.h" \
	>"$root/opt/hvgsys/msgids"
echo "$MACHINE" >"$root/etc/hostname"
echo "$MANAGER" >"$root/opt/hvgsys/manager"
# Our own block device, for test-thaw: an ext4 image on the tmpfs, never
# frozen (only FITHAW, which is harmless on a filesystem that is not).
truncate -s 32M "$work/own.img"
mkfs.ext4 -q -F "$work/own.img"
mkdir -p "$root/mnt/hvgsys-own"
mount -o loop "$work/own.img" "$root/mnt/hvgsys-own" || say "no loop device: test-thaw will skip"
own_dev=$(findmnt -n -o MAJ:MIN "$root/mnt/hvgsys-own" 2>/dev/null | tr -d ' ')
echo "${own_dev:-}" >"$root/opt/hvgsys/own-dev"

# nspawn binds the machine's os-release and a propagation directory under
# /run/systemd/nspawn into the container: give it tmpfs copies instead.
cp /usr/lib/os-release "$work/os-release"
mount --bind "$work/os-release" /usr/lib/os-release
mkdir -p /run/systemd/nspawn
mount -t tmpfs -o mode=0755 hvgsys-nspawn /run/systemd/nspawn

# ---- booting, running, tearing down ------------------------------------

inside() {
	nsenter -t "$LEADER" -a env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
		LANG=C.UTF-8 TERM=dumb SYSTEMD_PAGER= "$@"
}

boot() {
	bn=$1
	systemd-nspawn -b -D "$root" --private-network --register=no --keep-unit \
		--machine="$MACHINE" --resolv-conf=off --timezone=off --link-journal=no \
		--console=passive >"$logdir/boot-$bn.log" 2>&1 &
	NSPAWN_PID=$!
	# The leader: nspawn's child that is PID 1 of its own PID namespace
	# (nspawn's first child only sets up and is gone soon).
	LEADER=
	i=0
	while [ -z "$LEADER" ] && [ $i -lt 300 ]; do
		for p in $(pgrep -P "$NSPAWN_PID"); do
			if grep -q '^NSpid:.*[[:space:]]1$' "/proc/$p/status" 2>/dev/null; then
				LEADER=$p
			fi
		done
		[ -n "$LEADER" ] || sleep 0.1
		i=$((i + 1))
	done
	[ -n "$LEADER" ] || { say "the container did not start:"; cat "$logdir/boot-$bn.log"; return 1; }
	# systemctl can talk to PID 1 once its private socket is there.
	i=0
	while ! inside test -S /run/systemd/private 2>/dev/null && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	state=$(inside timeout 120 systemctl is-system-running --wait)
	say "boot $bn: $state"
	case $state in
	running) ;;
	degraded) inside systemctl --failed --no-pager --no-legend | sed 's/^/    failed: /' ;;
	*) say "the container did not finish booting"; return 1 ;;
	esac
}

halt() {
	[ -n "$NSPAWN_PID" ] || return 0
	if kill -0 "$NSPAWN_PID" 2>/dev/null; then
		[ -z "$LEADER" ] || inside systemctl poweroff >/dev/null 2>&1
		i=0
		while kill -0 "$NSPAWN_PID" 2>/dev/null && [ $i -lt 150 ]; do
			sleep 0.2
			i=$((i + 1))
		done
		kill -KILL "$NSPAWN_PID" 2>/dev/null
	fi
	wait "$NSPAWN_PID" 2>/dev/null
	NSPAWN_PID=
	LEADER=
}

cleanup() {
	rc=$?
	trap - EXIT
	halt
	exit $rc
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

passed=0 failed=0 skipped=0 failures=""

result() { # name rc log
	case $2 in
	0) passed=$((passed + 1)); say "PASS: $1" ;;
	77) skipped=$((skipped + 1)); say "SKIP: $1 ($(tail -n 1 "$3"))" ;;
	*) failed=$((failed + 1)); failures="$failures $1"
	   say "FAIL: $1 (exit $2); last lines of its log:"; tail -n 40 "$3" | sed 's/^/    /' ;;
	esac
}

run_test() { # name [arg]
	log=$logdir/$1${2:+-$2}.log
	inside timeout 600 sh "/opt/hvgsys/tests/$1.sh" ${2:+"$2"} >"$log" 2>&1
	rc=$?
	# A setup that went well is no result yet: its check after the reboot is.
	if [ "${2:-}" != setup ] || [ $rc -ne 0 ]; then
		result "$1" $rc "$log"
	fi
	return $rc
}

# mounts: nothing of the machine's disks inside. Every filesystem on a block
# device has a non-zero major number; the only one allowed is our image.
check_mounts() {
	log=$logdir/mounts-$1.log
	inside findmnt -rn -o MAJ:MIN,TARGET,SOURCE,FSTYPE >"$log" 2>&1
	bad=$(awk -v own="$own_dev" '{ split($1, d, ":"); if (d[1] != 0 && $1 != own) print }' "$log")
	if [ -n "$bad" ]; then
		say "FAIL: a block-device filesystem of the machine is visible in the container:"
		say "$bad" | sed 's/^/    /'
		return 1
	fi
}

boot 1 || exit 1
check_mounts 1 || exit 1
result mounts 0 "$logdir/mounts-1.log"

all=
for t in "$here"/test-*.sh; do
	n=${t##*/}
	n=${n%.sh}
	[ -z "${HVGSYS_TESTS:-}" ] || [ "$n" = test-switch ] ||
		case " $HVGSYS_TESTS " in *" $n "*) ;; *) continue ;; esac
	# A manager's run: test-switch and the manager tests; otherwise none.
	if grep -q '^# hvgsys: manager' "$t"; then
		[ -n "$MANAGER" ] || continue
	elif [ -n "$MANAGER" ] && [ "$n" != test-switch ]; then
		continue
	fi
	all="$all $n"
done
order=
case " $all " in *" test-switch "*) order=test-switch ;; esac
late="test-switch test-upgrade test-remove"
reboots=
for n in $all; do
	case " $late " in *" $n "*) continue ;; esac
	if grep -q '^# hvgsys: reboot' "$here/$n.sh"; then
		reboots="$reboots $n"
	else
		order="$order $n"
	fi
done
for n in test-upgrade test-remove; do
	case " $all " in *" $n "*) order="$order $n" ;; esac
done

for n in $order; do
	run_test "$n"
done

# For debugging: keep the container until $HVGSYS_HOLD is removed; enter
# it with nsenter -t LEADER -a.
if [ -n "${HVGSYS_HOLD:-}" ]; then
	say "holding the container (leader $LEADER) until $HVGSYS_HOLD is removed"
	touch "$HVGSYS_HOLD"
	while [ -e "$HVGSYS_HOLD" ]; do sleep 1; done
fi

nboot=1
for n in $reboots; do
	if ! run_test "$n" setup; then
		continue
	fi
	halt
	nboot=$((nboot + 1))
	if ! boot $nboot || ! check_mounts $nboot; then
		result "$n" 1 "$logdir/boot-$nboot.log"
		break
	fi
	run_test "$n" check
done

halt
echo
echo "logs: $logdir"
[ -z "$failures" ] || echo "failed:$failures"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
