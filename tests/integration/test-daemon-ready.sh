#!/bin/sh
# When the daemons tell systemd READY=1 (issue 12: a disabled integration
# service held boot up for 20 s). Under a fake NOTIFY_SOCKET
# (tests/helpers/sd-notify-listen), for hypervkvpd, hypervvssd and
# hypervfcopyd (legacy device and UIO ring):
#  - the device absent at start: READY=1 at once (bound: 5 s, against the
#    old 20 s), with a STATUS= that says what is missing; the device
#    created later (in a directory that did not exist either) is then
#    registered with and served;
#  - the device present: READY=1 only with the registration, in the same
#    message as its STATUS=; a device that takes the registration and never
#    answers holds READY=1 back, for at most the 20 s grace (kvp).
# Never sends FREEZE: hypervvssd runs here without a chroot, with an include
# list that matches nothing.
. "${HVGUEST_SRC:-.}/tests/integration/lib.sh"
hv_trusted_tmpdir # $T/dest is fcopy.allowed_roots
hv_setup hypervkvpd hypervvssd hypervfcopyd hv-hostsim
LISTEN=$HVGUEST_BUILD/tests/helpers/sd-notify-listen
[ -x "$LISTEN" ] || hv_skip "$LISTEN is not built (make check builds it)"
command -v date >/dev/null 2>&1 || hv_skip "needs date"

PIDS=""
# lib.sh's cleanup kills KVPD_PID and HOSTSIM_PID; these are ours.
stop_all() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	PIDS=""
}
# hv_cleanup exits with the status the test ended with: keep it past stop_all.
trap 'rc=$?; stop_all; (exit $rc); hv_cleanup' EXIT

ms() { date +%s%3N; }

# listen NAME [--hold PATH]: the fake systemd for one daemon; lines in $T/NAME.notify.
listen() {
	name=$1
	shift
	rm -f "$T/$name.sock"
	"$LISTEN" "$T/$name.sock" "$@" >"$T/$name.notify" 2>&1 &
	PIDS="$PIDS $!"
	hv_wait 5 test -S "$T/$name.sock" || hv_fail "$name: the listener did not start"
}

# daemon NAME PROG ARGS...: PROG with NOTIFY_SOCKET=$T/NAME.sock, log in $T/NAME.log.
daemon() {
	name=$1 prog=$2
	shift 2
	NOTIFY_SOCKET=$T/$name.sock "$HVGUEST_BUILD/$prog" -c /dev/null -d "$@" \
		>>"$T/$name.log" 2>&1 &
	PIDS="$PIDS $!"
}

ready() { grep -q '^[0-9]* [0-9]* READY=1$' "$T/$1.notify"; }
registered() { grep -Eq '^[0-9]* [0-9]* STATUS=(Registered|Negotiated)' "$T/$1.notify"; }

show() {
	echo "--- $1: sd_notify messages"
	cat "$T/$1.notify"
	echo "--- $1: log"
	tail -n 20 "$T/$1.log"
}

# check_absent NAME: READY=1 at once, and a STATUS= that says why.
check_absent() {
	t0=$(ms)
	hv_wait 5 ready "$1" || { show "$1"; hv_fail "$1: no READY=1 within 5 s with the device absent"; }
	echo "$1: READY=1 $(($(ms) - t0)) ms after start-up with the device absent (old: 20000 ms)"
	grep -q 'STATUS=Waiting for .*not offered by the host?' "$T/$1.notify" ||
		{ show "$1"; hv_fail "$1: no STATUS= saying the device is missing"; }
	registered "$1" && hv_fail "$1: says it registered with no device"
}

# check_registered_first NAME: the first READY=1 came with the registration's STATUS=.
check_registered_first() {
	hv_wait 10 ready "$1" || { show "$1"; hv_fail "$1: no READY=1"; }
	n=$(awk '$3 == "READY=1" { print $1; exit }' "$T/$1.notify")
	grep -Eq "^$n [0-9]* STATUS=(Registered|Negotiated)" "$T/$1.notify" ||
		{ show "$1"; hv_fail "$1: READY=1 did not come with the registration"; }
}

mkdir -p "$T/dest"
INC=/nonexistent-hvguest-test-mount
# The daemons on their $T/vmbus devices, each started the same way every time
# (daemon_fcopy NAME: the legacy transport, notify and log files NAME's).
daemon_kvp() {
	daemon kvp hypervkvpd -o "kvp.device=$T/vmbus/kvp.sock" -o "kvp.pool_dir=$T/pools" \
		-o "kvp.os_release=$T/os-release"
}
daemon_vss() {
	daemon vss hypervvssd -o "vss.device=$T/vmbus/vss.sock" -o "vss.include=$INC" \
		-o "vss.state_dir=$T/run" -o "vss.hooks_dir=$T/hooks"
}
daemon_fcopy() {
	daemon "$1" hypervfcopyd -o "fcopy.device=$T/vmbus/fcopy.sock" -o fcopy.transport=chardev \
		-o "fcopy.allowed_roots=$T/dest"
}

hv_log "absent at start: READY=1 at once (kvp, vss, fcopy legacy, fcopy UIO)"
listen kvp
daemon_kvp
listen vss
daemon_vss
listen fcl
daemon_fcopy fcl
listen fcu
U=$T/uio
daemon fcu hypervfcopyd -o fcopy.transport=uio -o "fcopy.sysfs_root=$U/sys/bus/vmbus/devices" \
	-o "fcopy.uio_dev_dir=$U/dev" -o "fcopy.uio_driver_dir=$U/sys/bus/vmbus/drivers/uio_hv_generic" \
	-o "fcopy.allowed_roots=$T/dest"
for d in kvp vss fcl fcu; do check_absent "$d"; done

hv_log "the devices appear (in a directory that did not exist): registered and served"
# Let the backoff grow past a second first, so that a prompt pick-up shows.
sleep 3
mkdir "$T/vmbus"
t0=$(ms)
"$HVGUEST_BUILD/hv-hostsim" kvp --socket "$T/vmbus/kvp.sock" -t 20 -e 'set guest late yes' \
	-e 'expect-status S_OK' -e 'get guest late' -e 'expect-value yes' >"$T/hs-kvp.out" 2>&1 ||
	{ cat "$T/hs-kvp.out"; show kvp; hv_fail "kvp: not served after the device appeared"; }
echo "kvp: served $(($(ms) - t0)) ms after the device appeared"
registered kvp || { show kvp; hv_fail "kvp: no STATUS=Registered"; }
t0=$(ms)
"$HVGUEST_BUILD/hv-hostsim" vss --socket "$T/vmbus/vss.sock" -t 20 -e hot-backup \
	-e 'expect-status S_OK' >"$T/hs-vss.out" 2>&1 ||
	{ cat "$T/hs-vss.out"; show vss; hv_fail "vss: not served after the device appeared"; }
echo "vss: served $(($(ms) - t0)) ms after the device appeared"
registered vss || { show vss; hv_fail "vss: no STATUS=Registered"; }
echo late >"$T/late.txt"
t0=$(ms)
"$HVGUEST_BUILD/hv-hostsim" fcopy --socket "$T/vmbus/fcopy.sock" --timeout 20 "$T/late.txt" \
	"$T/dest" >"$T/hs-fcl.out" 2>&1 ||
	{ cat "$T/hs-fcl.out"; show fcl; hv_fail "fcopy (legacy): not served after the device appeared"; }
echo "fcopy (legacy): served $(($(ms) - t0)) ms after the device appeared"
cmp -s "$T/late.txt" "$T/dest/late.txt" || hv_fail "fcopy (legacy): the copy differs"
registered fcl || { show fcl; hv_fail "fcopy (legacy): no STATUS=Registered"; }
rm -f "$T/dest/late.txt"
t0=$(ms)
"$HVGUEST_BUILD/hv-hostsim" fcopy --uio "$U" --timeout 20 "$T/late.txt" "$T/dest" \
	>"$T/hs-fcu.out" 2>&1 ||
	{ cat "$T/hs-fcu.out"; show fcu; hv_fail "fcopy (UIO): not served after the device appeared"; }
echo "fcopy (UIO): served $(($(ms) - t0)) ms after the device appeared (no inotify: backoff)"
cmp -s "$T/late.txt" "$T/dest/late.txt" || hv_fail "fcopy (UIO): the copy differs"
registered fcu || { show fcu; hv_fail "fcopy (UIO): no STATUS=Negotiated"; }
stop_all

hv_log "present at start: READY=1 only with the registration"
rm -f "$T"/*.notify "$T/run/vss-frozen"
"$HVGUEST_BUILD/hv-hostsim" kvp --socket "$T/vmbus/kvp.sock" -t 20 -e 'get guest late' \
	-e 'expect-value yes' >"$T/hs-kvp2.out" 2>&1 &
PIDS="$PIDS $!"
"$HVGUEST_BUILD/hv-hostsim" vss --socket "$T/vmbus/vss.sock" -t 20 -e check \
	>"$T/hs-vss2.out" 2>&1 &
PIDS="$PIDS $!"
hv_wait 5 test -S "$T/vmbus/kvp.sock" && hv_wait 5 test -S "$T/vmbus/vss.sock" ||
	hv_fail "hv-hostsim did not listen"
listen kvp
daemon_kvp
listen vss
daemon_vss
check_registered_first kvp
check_registered_first vss
stop_all

hv_log "a device that never answers the registration holds READY=1 back, within the grace"
rm -f "$T"/*.notify "$T/vmbus/kvp.sock" "$T/vmbus/vss.sock" "$T/vmbus/fcopy.sock"
for d in kvp vss fcopy; do
	listen "$d" --hold "$T/vmbus/$d.sock"
done
t0=$(ms)
daemon_kvp
daemon_vss
daemon_fcopy fcopy
sleep 2
for d in kvp vss fcopy; do
	grep -q 'opened, registering' "$T/$d.log" || { show "$d"; hv_fail "$d: did not open the device"; }
	! ready "$d" || { show "$d"; hv_fail "$d: READY=1 while registration is under way"; }
done
hv_wait 40 ready kvp || { show kvp; hv_fail "kvp: no READY=1 after the grace period"; }
echo "kvp: READY=1 $(($(ms) - t0)) ms after start-up with a silent device (grace: 20000 ms)"
grep -q 'STATUS=Registering through .*no answer from the host yet' "$T/kvp.notify" ||
	{ show kvp; hv_fail "kvp: no STATUS= saying registration is unanswered"; }
echo "all readiness checks passed"
