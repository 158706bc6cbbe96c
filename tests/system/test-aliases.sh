#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The switch from Debian's hyperv-daemons and its unit names, under a real
# systemd (issue 12, section 2):
# - `apt install ./hvguest_*.deb` over running upstream daemons stops them
#   all: two run under their units (hyperv-daemons' prerm leaves them
#   running under systemd: "not-found", executable deleted), one without a
#   unit; afterwards no hv_*_daemon runs and hypervkvpd loads;
# - hv-kvp-daemon.service, hv-vss-daemon.service, hv-fcopy-daemon.service
#   are hvguest's units: status, stop, start, restart, disable, enable --now
#   act on them; `mask` of an old name masks that name only (systemd masks
#   names, not units: packaging/README.md), which is checked as documented.
#
# Runs two ways:
# - on its own, as root: `sh tests/system/test-aliases.sh` builds the .deb
#   (or takes $HVGUEST_DEB), makes a Debian 12 root (tests/system/mkroot.sh,
#   cache $HVGUEST_ROOT_CACHE) with systemd and hyperv-daemons in a tmpfs
#   inside a private mount namespace, boots it with systemd-nspawn -b
#   (private network; the machine's block-device mounts nspawn binds are
#   unmounted and checked gone), and runs itself inside;
# - inside `make check-system`'s container (tests/system/run.sh), where
#   hvguest is installed already: only the unit-name checks.
# Exit 77 = skip, reason on the last line.
set -u

say() { printf '%s\n' "$*"; }
log() { printf '== %s\n' "$*"; }
fail() {
	printf 'FAIL: %s\n' "$*"
	exit 1
}

# ---- inside a booted container -------------------------------------------

prop() { systemctl show -p "$2" --value "$1"; }

wait_for() { # SECONDS COMMAND...
	_end=$(($(date +%s) + $1))
	shift
	while ! "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt "$_end" ] || return 1
		sleep 0.2
	done
}

old_daemon_pids() { # PIDs of upstream daemons, by executable name
	for _p in /proc/[0-9]*; do
		_e=$(readlink "$_p/exe" 2>/dev/null) || continue
		_e=${_e% (deleted)}
		case ${_e##*/} in
		hv_kvp_daemon | hv_vss_daemon | hv_fcopy_daemon) printf '%s ' "${_p#/proc/}" ;;
		esac
	done
}

# The live switch (own container only: check-system's test-switch.sh does
# it with upstream's real daemons).
live_switch() {
	log "upstream daemons running: two under their units, one without"
	for c in kvp vss; do
		# The container has no /dev/vmbus device (BindsTo= would stop them)
		# and no host: the package's unit runs a stand-in with the daemon's
		# executable name, which dpkg then deletes, as on Hyper-V.
		cp /bin/sleep "/usr/sbin/hv_${c}_daemon"
		sed -i -e '/^BindsTo=/d' -e "s|^ExecStart=.*|ExecStart=/usr/sbin/hv_${c}_daemon infinity|" \
			"/lib/systemd/system/hv-$c-daemon.service"
	done
	systemctl daemon-reload
	systemctl start hv-kvp-daemon.service hv-vss-daemon.service || fail "cannot start the old units"
	cp /bin/sleep /usr/sbin/hv_fcopy_daemon
	setsid /usr/sbin/hv_fcopy_daemon infinity </dev/null >/dev/null 2>&1 &
	wait_for 10 test -n "$(old_daemon_pids)" || fail "no old daemon runs"
	ps -o pid,args -p "$(old_daemon_pids | tr ' ' ',' | sed 's/,$//')" | sed 's/^/    before: /'

	log "apt-get install ./hvguest.deb (removes hyperv-daemons)"
	apt-get install -y -q /opt/hvg-aliases/hvguest.deb >/tmp/apt.log 2>&1 ||
		{ cat /tmp/apt.log; fail "apt-get install failed"; }
	grep -E '^hvguest: ' /tmp/apt.log | sed 's/^/    /'
	for c in kvp vss fcopy; do
		systemctl status --no-pager "hv-$c-daemon.service" 2>&1 | sed -n '1,3s/^/    after: /p'
	done
	left=$(old_daemon_pids)
	if [ -n "$left" ]; then
		ps -o pid,args -p "$(echo $left | tr ' ' ',')"
		fail "upstream daemons still run after the switch: $left"
	fi
	for u in hypervkvpd hypervvssd hypervfcopyd; do
		[ "$(prop $u.service LoadState)" = loaded ] ||
			fail "$u.service did not load: $(systemctl status --no-pager $u.service 2>&1 | head -3)"
	done
	log "old daemons stopped; hvguest's units loaded"

	# hypervkvpd really runs here: the container is no Hyper-V guest (reset
	# the condition) and its device is an hv-hostsim socket.
	mkdir -p /etc/systemd/system/hypervkvpd.service.d /etc/hvguest/hvguest.conf.d
	printf '[Unit]\nConditionVirtualization=\n' >/etc/systemd/system/hypervkvpd.service.d/50-aliases.conf
	printf '[kvp]\ndevice = /run/hvg-aliases/kvp.sock\n' >/etc/hvguest/hvguest.conf.d/50-aliases.conf
	mkdir -p /run/hvg-aliases
	systemd-run -q --unit=hvg-aliases-host /usr/bin/hv-hostsim kvp --socket /run/hvg-aliases/kvp.sock \
		--timeout 3600 -e "sleep 3600000" || fail "cannot start hv-hostsim"
	systemctl daemon-reload
	systemctl restart hypervkvpd.service || fail "hypervkvpd does not start"
}

# The installed udev rule parses cleanly under this udev: `udevadm test`
# reads every rules file and names the file and line of whatever it rejects
# (an unknown key, a GOTO without its LABEL).
udev_rules() {
	log "udev accepts 70-hvguest.rules"
	udevadm test --action=add /sys/devices/virtual/net/lo >/tmp/udev.log 2>&1
	grep -q 'Reading rules file: .*/70-hvguest.rules' /tmp/udev.log || fail "udevadm test did not read 70-hvguest.rules"
	if grep '70-hvguest.rules:' /tmp/udev.log; then
		fail "udev rejects parts of 70-hvguest.rules (above)"
	fi
}

# v EXPECTED_RC VERB...: systemctl VERB, its exit status checked.
v() {
	_want=$1
	shift
	systemctl "$@" >/tmp/v.out 2>&1
	_rc=$?
	printf '    systemctl %s -> %s%s\n' "$*" "$_rc" "$(grep -v -e '^Failed to dump process list' -e '^Synchronizing state' /tmp/v.out | head -n 1 | sed 's/^/: /')"
	case " $_want " in *" $_rc "*) ;; *) cat /tmp/v.out; fail "systemctl $* exited $_rc, expected $_want" ;; esac
}

state() { # UNIT EXPECTED_ACTIVE EXPECTED_ENABLED
	_a=$(systemctl is-active "$1")
	_e=$(systemctl is-enabled "$1" 2>&1)
	[ "$_a" = "$2" ] || fail "$1 is $_a, expected $2"
	[ -z "$3" ] || [ "$_e" = "$3" ] || fail "$1 is $_e, expected $3"
}

aliases() {
	log "the old names are hvguest's units"
	for c in kvp vss fcopy; do
		id=$(prop "hv-$c-daemon.service" Id)
		[ "$id" = "hyperv${c}d.service" ] || fail "hv-$c-daemon.service is $id, not hyperv${c}d.service"
		systemctl status --no-pager "hv-$c-daemon.service" >/tmp/st 2>&1
		rc=$?
		# The unit's line: "● hypervkvpd.service - Description".
		echo "    systemctl status hv-$c-daemon -> $rc: $(grep -m 1 '\.service - ' /tmp/st)"
		case $rc in 0 | 3) ;; *) fail "systemctl status hv-$c-daemon exits $rc (4: unknown unit)" ;; esac
		grep -q " hyperv${c}d\.service - " /tmp/st || fail "status of hv-$c-daemon does not show hyperv${c}d"
	done

	log "verbs through hv-kvp-daemon act on hypervkvpd"
	state hypervkvpd active enabled
	v 0 stop hv-kvp-daemon
	state hypervkvpd inactive enabled
	v 3 status --no-pager hv-kvp-daemon
	v 0 start hv-kvp-daemon
	state hypervkvpd active enabled
	v 0 status --no-pager hv-kvp-daemon
	pid=$(prop hypervkvpd.service MainPID)
	v 0 restart hv-kvp-daemon
	state hypervkvpd active enabled
	[ "$(prop hypervkvpd.service MainPID)" != "$pid" ] || fail "restart hv-kvp-daemon did not restart hypervkvpd"
	v 0 disable hv-kvp-daemon
	state hypervkvpd active disabled
	# Alias= in [Install] would have vanished with the disable: exit 4 here.
	v 0 status --no-pager hv-kvp-daemon
	v 0 stop hv-kvp-daemon
	v 0 enable --now hv-kvp-daemon
	state hypervkvpd active enabled
	v 0 disable --now hv-kvp-daemon
	state hypervkvpd inactive disabled
	v 0 enable --now hv-kvp-daemon
	state hypervkvpd active enabled

	log "mask: systemd masks the old name only (documented: use hypervkvpd)"
	v 0 mask hv-kvp-daemon
	[ "$(readlink /etc/systemd/system/hv-kvp-daemon.service)" = /dev/null ] || fail "mask made no /dev/null link"
	state hypervkvpd active enabled
	v 1 start hv-kvp-daemon
	v 0 unmask hv-kvp-daemon
	v 0 status --no-pager hv-kvp-daemon
	v 0 mask --now hypervkvpd
	state hypervkvpd inactive masked
	v 1 start hv-kvp-daemon
	v 0 unmask hypervkvpd
	v 0 start hv-kvp-daemon
	state hypervkvpd active enabled
	log "old unit names OK"
}

if [ "${1:-}" = --inside ]; then
	live_switch
	udev_rules
	aliases
	say PASS
	exit 0
fi
if [ -f /opt/hvgsys/tests/lib.sh ] && [ "$(cat /proc/1/comm 2>/dev/null)" = systemd ]; then
	# make check-system's container: hvguest is installed and its units
	# reach hv-hostsim (serve starts the host side).
	. /opt/hvgsys/tests/lib.sh
	serve kvp
	systemctl restart hypervkvpd.service || fail "hypervkvpd does not start"
	udev_rules
	aliases
	say PASS
	exit 0
fi

# ---- on the machine: make the container ------------------------------------

src=$(cd "$(dirname "$0")/../.." && pwd)
if [ "${1:-}" != --ns ]; then
	[ "$(id -u)" -eq 0 ] || { say "test-aliases.sh needs root (debootstrap, systemd-nspawn)"; exit 77; }
	command -v systemd-nspawn >/dev/null 2>&1 || { say "systemd-nspawn is missing (apt-get install systemd-container)"; exit 77; }
	command -v unshare >/dev/null 2>&1 || { say "unshare is missing"; exit 77; }
	T=$(mktemp -d "${TMPDIR:-/tmp}/hvg-aliases.XXXXXX") || exit 1
	trap 'rm -rf "$T"' EXIT
	deb=${HVGUEST_DEB:-}
	if [ -z "$deb" ]; then
		say "building the .deb"
		sh "$src/packaging/build-package" deb "$T" >"$T/build.log" 2>&1 ||
			{ tail -n 30 "$T/build.log"; fail "cannot build the .deb"; }
		deb=$(ls "$T"/hvguest_*.deb)
	fi
	[ -f "$deb" ] || fail "no .deb: $deb"
	cp "$deb" "$T/hvguest.deb"
	unshare -m --propagation private sh "$0" --ns "$T"
	exit $?
fi

# ---- inside a private mount namespace ----------------------------------------
T=$2
mkdir -p "$T/ns"
mount -t tmpfs -o mode=0755,size=3G hvg-aliases "$T/ns" || fail "cannot mount a tmpfs"
root=$T/ns/root
NSPAWN_PID=
cleanup() {
	[ -z "$NSPAWN_PID" ] || { kill "$NSPAWN_PID" 2>/dev/null; wait "$NSPAWN_PID" 2>/dev/null; }
	umount -l "$T/ns" 2>/dev/null
}
trap cleanup EXIT

sh "$src/tests/system/mkroot.sh" "$root" >"$T/mkroot.log" 2>&1 || { cat "$T/mkroot.log"; fail "mkroot.sh failed"; }
mount -t proc proc "$root/proc"
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod +x "$root/usr/sbin/policy-rc.d"
log "root: apt-get install systemd hyperv-daemons"
chroot "$root" sh -c 'export DEBIAN_FRONTEND=noninteractive; apt-get update -q &&
	apt-get install -y -q --no-install-recommends systemd systemd-sysv dbus procps hyperv-daemons \
		libinih1 libnl-3-200 libnl-route-3-200' >"$T/apt.log" 2>&1 ||
	{ tail -n 30 "$T/apt.log"; fail "cannot install systemd in the root"; }
rm -f "$root/usr/sbin/policy-rc.d"
umount "$root/proc"
mkdir -p "$root/opt/hvg-aliases"
cp "$T/hvguest.deb" "$0" "$root/opt/hvg-aliases/"

# nspawn binds the machine's os-release and a propagation directory from its
# disk: give it tmpfs copies instead.
mkdir -p /run/systemd/nspawn
mount -t tmpfs tmpfs /run/systemd/nspawn || fail "cannot mount a tmpfs on /run/systemd/nspawn"
machine=hvg-aliases-$$
systemd-nspawn -q -b -D "$root" --machine="$machine" --private-network --register=no --keep-unit \
	--console=passive </dev/null >"$T/console.log" 2>&1 &
NSPAWN_PID=$!
leader=
i=0
while [ $i -lt 150 ]; do
	leader=$(ps -o pid= --ppid "$NSPAWN_PID" 2>/dev/null | head -n 1 | tr -d ' ')
	[ -n "$leader" ] && [ "$(cat "/proc/$leader/comm" 2>/dev/null)" = systemd ] && break
	leader=
	sleep 0.2
	i=$((i + 1))
done
[ -n "$leader" ] || { cat "$T/console.log"; fail "the container did not start"; }
inside() { nsenter -t "$leader" -m -u -i -n -p -C -- "$@"; }
i=0
while [ $i -lt 300 ]; do
	s=$(inside /bin/systemctl is-system-running 2>/dev/null)
	case $s in running | degraded) break ;; esac
	sleep 0.2
	i=$((i + 1))
done
log "container $machine booted ($s)"
# Nothing of the machine's disks inside: unmount what nspawn bound.
inside /bin/sh -c 'for i in 1 2 3; do
	findmnt -l -n -o TARGET,SOURCE | awk "\$2 ~ /^\/dev\/[a-z]/ { print \$1 }" | while read -r m; do umount -l "$m"; done
done
findmnt -l -n -o TARGET,SOURCE | awk "\$2 ~ /^\/dev\/[a-z]/"' >"$T/mounts"
[ ! -s "$T/mounts" ] || { cat "$T/mounts"; fail "block-device filesystems of the machine are visible in the container"; }
inside /bin/sh /opt/hvg-aliases/test-aliases.sh --inside
