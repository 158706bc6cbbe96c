#!/bin/sh
# `make check-fresh`: the README's two commands on a fresh Debian 12 machine.
# A clean Debian 12 minbase root (tests/system/mkroot.sh: debootstrap, from
# the archive this machine's apt uses, cached), a clean clone of the current
# commit (HEAD; uncommitted changes are not in it) in /root/hvguest, and
# inside, as root, exactly `make demo` then `make check`, each the first time
# in that tree. Both must succeed and `make check` must report
# "N passed, 0 failed, 0 skipped". The only thing installed beforehand is
# make itself (apt-get install make), which a user needs to type `make`.
#
# The root is a tmpfs mounted inside a private mount namespace
# (unshare -m --propagation private), with /proc and /sys mounted and /dev
# bound in, the machine's resolv.conf and apt sources (network to Debian's
# archive as this machine has). Root tests inside (loop devices, network
# namespaces, unshare -m, freezes of their own loop images) run as on a
# machine. /usr/sbin/policy-rc.d (exit 101) keeps the packages that make
# check installs (hyperv-daemons) from starting services from the chroot.
# On exit, also on failure or a signal: the processes left in the root are
# killed, loop devices backed by its files detached, everything unmounted;
# the namespace then goes, and the tmpfs with it. Nothing is written outside
# it but the debootstrap cache ($HVGUEST_ROOT_CACHE, default build/cache).
# The logs of make demo and make check are printed (their last lines) when
# they fail. Env: HVGUEST_FRESH_SIZE (the tmpfs's size limit, default 8g).
# Needs root; exits 77 otherwise. Takes ~15-25 minutes (2 cores).
set -eu

[ "$(id -u)" -eq 0 ] || { echo "check-fresh needs root (debootstrap, chroot, mounts)"; exit 77; }
for c in unshare chroot mount umount git tar; do
	command -v "$c" >/dev/null 2>&1 || { echo "check-fresh: $c is missing"; exit 1; }
done

src=$(cd "$(dirname "$0")/../.." && pwd)
if [ -z "${HVGUEST_FRESH_NS:-}" ]; then
	HVGUEST_FRESH_NS=1 exec unshare -m --propagation private sh "$0" "$@"
fi
# From here on every mount is private to this namespace.
mount --make-rprivate /

commit=$(git -C "$src" rev-parse HEAD)
work=$(mktemp -d "${TMPDIR:-/tmp}/hvguest-fresh.XXXXXX")
root=$work/root
log=$work/log
t0=$(date +%s)

say() { printf '== check-fresh [%4ss] %s\n' "$(($(date +%s) - t0))" "$*"; }

# Processes whose root is our root; loop devices backed by its files.
in_root_pids() {
	for p in /proc/[0-9]*; do
		r=$(readlink "$p/root" 2>/dev/null) || continue
		case $r in "$root" | "$root"/*) echo "${p#/proc/}" ;; esac
	done
}

under() { # the mount points at or under $1
	awk -v d="$1" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo
}

cleanup() {
	rc=$?
	trap - EXIT INT TERM
	if [ -d "$root" ]; then
		pids=$(in_root_pids)
		if [ -n "$pids" ]; then
			echo "check-fresh: killing what is left in the root: $pids" >&2
			kill -KILL $pids 2>/dev/null || true
			sleep 1
		fi
		# Thaw and detach whatever a test left behind (none should).
		losetup -n -O NAME,BACK-FILE 2>/dev/null | while read -r dev file; do
			case $file in "$root"/*) losetup -d "$dev" 2>/dev/null || true ;; esac
		done
		# Deepest first; nothing is removed while /dev is bound in.
		under "$root" | sort -r | while read -r m; do
			umount -l "$m" 2>/dev/null || true
		done
	fi
	if [ -n "$(under "$work")" ]; then
		echo "check-fresh: something is still mounted under $work; not removing it" >&2
	else
		rm -rf "$work"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir "$root"
mount -t tmpfs -o mode=0755,size=${HVGUEST_FRESH_SIZE:-8g} hvguest-fresh "$root"

say "a clean Debian 12 minbase root (tests/system/mkroot.sh)"
sh "$src/tests/system/mkroot.sh" "$root"

say "a clean clone of $commit in /root/hvguest"
git clone -q --no-hardlinks "$src" "$root/root/hvguest"
git -C "$root/root/hvguest" -c advice.detachedHead=false checkout -q "$commit"
git -C "$root/root/hvguest" status --porcelain --ignored | grep . &&
	{ echo "check-fresh: the clone is not clean"; exit 1; }

mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount --rbind /dev "$root/dev"
mount --make-rslave "$root/dev"
[ -s "$root/etc/resolv.conf" ] || cp /etc/resolv.conf "$root/etc/resolv.conf"
printf '#!/bin/sh\n# check-fresh: no service starts from a chroot\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 0755 "$root/usr/sbin/policy-rc.d"

# A login-like root environment, nothing of this one.
in_root() {
	chroot "$root" /usr/bin/env -i HOME=/root USER=root LOGNAME=root TERM=dumb \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		/bin/sh -c "$1"
}

say "inside: can root tests work here? (loop device, network namespace, private mount namespace)"
in_root 'apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends make >/dev/null'
in_root 'command -v make >/dev/null && test -e /dev/loop-control && unshare -n true && unshare -m --propagation private true' ||
	{ echo "check-fresh: the chroot cannot run root tests (loop-control, unshare -n, unshare -m)"; exit 1; }

step() { # NAME COMMAND: run in /root/hvguest, output to the log and (filtered) here
	say "inside: $1"
	s=$(date +%s)
	if ! in_root "cd /root/hvguest && $2" >"$log.$1" 2>&1; then
		tail -n 60 "$log.$1"
		echo "check-fresh: '$1' failed after $(($(date +%s) - s)) s (above: its last lines)"
		exit 1
	fi
	echo "   ($(($(date +%s) - s)) s)"
}

step "make demo" "make demo"
grep -q '^=== A backup' "$log.make demo" || { tail -n 40 "$log.make demo"; echo "check-fresh: the demo did not run to its end"; exit 1; }
step "make check" "make check"
grep -E '^(PASS|FAIL|SKIP): |passed, .* failed|skipped: ' "$log.make check" | grep -v '^PASS: ' || true
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$log.make check" | tail -n 1)
echo "make check: $summary"
case $summary in
*" passed, 0 failed, 0 skipped") ;;
*) tail -n 40 "$log.make check"; echo "check-fresh: make check skipped or failed tests (want 0 failed, 0 skipped)"; exit 1 ;;
esac
say "check-fresh: passed: make demo and make check ($summary) on a fresh Debian 12, first time"
