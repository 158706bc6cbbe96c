# Helpers for tests/system/test-*.sh, which tests/system/run.sh runs INSIDE
# the booted Debian 12 container (systemd as PID 1, private network, tmpfs
# root). Source it with
#   . /opt/hvgsys/tests/lib.sh
# Exit 77 = skip (reason on the last line), like tests/integration.
#
# What run.sh has put in the container before booting it:
#   /opt/hvgsys/debs/hvguest.deb        the .deb of the tree under test
#   /opt/hvgsys/debs/hvguest-next.deb   the same build with a higher version
#   /opt/hvgsys/bin/hv-hostsim          the simulated host (from the .deb, so
#                                       it works while hvguest is not installed)
#   /opt/hvgsys/vmbus-shim.so           LD_PRELOAD shim for upstream's daemons
#   /opt/hvgsys/msgids                  NAME=ID lines from lib/log.h
#   hvgsys-host@{kvp,vss,fcopy}.service the host side of each channel: an
#                                       hv-hostsim that registers the daemon
#                                       and then only waits (never FREEZE)
#   /etc/hvguest/hvguest.conf.d/50-hvgsys.conf  the daemons' devices are the
#                                       hv-hostsim sockets in /run/hostsim;
#                                       vss.include matches nothing
#   /etc/systemd/system/hyperv*.service.d/50-hvgsys.conf
#                                       ConditionVirtualization= (reset)
set -u

HVGSYS=/opt/hvgsys
HOSTSIM=$HVGSYS/bin/hv-hostsim
SOCKDIR=/run/hostsim
export DEBIAN_FRONTEND=noninteractive

log() { printf '== %s\n' "$*"; }

fail() {
	printf 'FAIL: %s\n' "$*"
	exit 1
}

skip() {
	printf '%s\n' "$*"
	exit 77
}

# unit_of kvp|vss|fcopy: the hvguest unit serving that channel.
unit_of() {
	case $1 in
	kvp) echo hypervkvpd.service ;;
	vss) echo hypervvssd.service ;;
	fcopy) echo hypervfcopyd.service ;;
	*) fail "unit_of: unknown channel $1" ;;
	esac
}

# prop UNIT PROPERTY: one property's value.
prop() { systemctl show -p "$2" --value "$1"; }

# wait_until SECONDS COMMAND...: poll COMMAND every 0.2 s; 1 on timeout.
wait_until() {
	_t=$1
	shift
	_end=$(($(date +%s) + _t))
	while ! "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt "$_end" ] || return 1
		sleep 0.2
	done
	return 0
}

# registered UNIT: active, and its daemon's last STATUS= says it registered.
registered() {
	[ "$(prop "$1" ActiveState)" = active ] || return 1
	case $(prop "$1" StatusText) in
	Registered*) return 0 ;;
	esac
	return 1
}

# serve CHANNEL...: (re)start the host side of each channel, so that its
# daemon (re)registers; a daemon waiting on a dead connection reconnects.
serve() {
	for _c; do
		systemctl restart "hvgsys-host@$_c.service" || fail "cannot start hvgsys-host@$_c"
	done
}

# wait_registered CHANNEL...: each daemon active and registered within 30 s.
wait_registered() {
	for _c; do
		_u=$(unit_of "$_c")
		wait_until 30 registered "$_u" ||
			fail "$_u not registered within 30 s: $(systemctl show -p ActiveState -p SubState -p StatusText "$_u" | tr '\n' ' ')"
	done
}

# all_serving: the three daemons registered with fresh host sides.
all_serving() {
	serve kvp vss fcopy
	wait_registered kvp vss fcopy
}

# host_kvp STEP...: run one hv-hostsim kvp scenario against hypervkvpd in
# place of the waiting host side (which is started again afterwards).
# Output in $HOST_OUT, hv-hostsim's run time in $HOST_MS (milliseconds);
# returns hv-hostsim's exit code.
HOST_OUT=
HOST_MS=
host_kvp() {
	systemctl stop hvgsys-host@kvp.service
	_hk_n=$#
	for _hk_s; do
		set -- "$@" -e "$_hk_s"
	done
	shift "$_hk_n"
	_hk_t0=$(date +%s%N)
	HOST_OUT=$("$HOSTSIM" kvp --socket "$SOCKDIR/kvp.sock" --timeout 30 "$@" 2>&1)
	_hk_rc=$?
	HOST_MS=$((($(date +%s%N) - _hk_t0) / 1000000))
	printf '%s\n' "$HOST_OUT" | sed 's/^/    host: /'
	serve kvp
	return $_hk_rc
}

# journal_cursor: a cursor, to read only what the journal gets after it.
journal_cursor() { journalctl -n 0 --show-cursor -q | sed -n 's/^-- cursor: //p'; }

# msgid NAME: the MESSAGE_ID lib/log.h defines as HV_MSGID_NAME.
msgid() { sed -n "s/^$1=//p" "$HVGSYS/msgids"; }

# main_pid UNIT
main_pid() { prop "$1" MainPID; }

# hvguest_installed: the package is installed (not just its conffiles).
hvguest_installed() { dpkg-query -W -f '${db:Status-Status}' hvguest 2>/dev/null | grep -qx installed; }

# install_deb FILE: what an admin does: apt install ./FILE.
install_deb() {
	apt-get install -y -q -o Dpkg::Use-Pty=0 "$1" 2>&1 | tail -n 25
	hvguest_installed || fail "apt-get install $1 did not install hvguest"
}

# check DESCRIPTION COMMAND...: run COMMAND quietly and say "ok" or "NOT" with
# DESCRIPTION; a failure sets bad=1 (the caller sets bad=0 first and fails
# the test at the end unless it is still 0), so that every check is shown.
check() {
	d=$1
	shift
	if "$@" >/dev/null 2>&1; then
		echo "    ok: $d"
	else
		echo "    NOT: $d"
		bad=1
	fi
}

# restarted UNIT OLDPID OLDN: systemd restarted UNIT: a main PID that is not
# OLDPID, and NRestarts above OLDN.
restarted() {
	p=$(main_pid "$1")
	[ "$p" != 0 ] && [ "$p" != "$2" ] && [ "$(prop "$1" NRestarts)" -gt "$3" ]
}
