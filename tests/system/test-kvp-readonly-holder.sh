#!/bin/sh
# Issue 17 under the shipped unit: a local user who holds a lock on a pool
# file opened read-only does not stop the host's writes. The unit hides
# /proc/locks (ProcSubset=pid) and other users' processes (ProtectProc=,
# PrivateUsers=), so the daemon cannot look the holder up; the read lease
# (docs/pool-store.md, "Locking") shows it that nobody can be writing. A
# holder with the file open for writing still makes the write fail, after
# the lock timeout, as before.
# For the system suite (tests/system/run.sh, the `system` branch); until
# that suite is on main, run it with that branch's run.sh:
#   HVGSYS_TESTS=test-kvp-readonly-holder sh tests/system/run.sh
. /opt/hvgsys/tests/lib.sh
hvguest_installed || fail "hvguest is not installed (did test-switch fail?)"

u=hypervkvpd.service
pool=/var/lib/hyperv/.kvp_pool_0
# What this test is about: the sandbox that hides the lock holders.
for p in ProcSubset=pid ProtectProc=invisible PrivateUsers=yes; do
	[ "$(prop $u "${p%%=*}")" = "${p#*=}" ] || fail "$u has no $p: $(prop $u "${p%%=*}")"
done

# Upstream's hv_kvp_daemon keeps every pool open for writing, so no lease
# while it runs (rightly: it might be writing). test-switch has stopped it;
# when this test runs alone against a package that does not, stop it here.
if pgrep -x hv_kvp_daemon >/dev/null; then
	log "upstream's hv_kvp_daemon still runs: stopping it"
	systemctl stop hv-kvp-daemon.service
	wait_until 10 sh -c '! pgrep -x hv_kvp_daemon' || fail "hv_kvp_daemon does not stop"
fi
serve kvp
wait_registered kvp
[ -f $pool ] || fail "no $pool"

holder=
stop_holder() {
	[ -n "$holder" ] || return 0
	# setsid made it a process group: the sleep that has the lock too.
	kill -KILL -- "-$holder" 2>/dev/null
	wait "$holder" 2>/dev/null
	holder=
	wait_until 10 flock -n -x $pool true || fail "the holder's lock outlived it"
}
trap stop_holder EXIT

# held: the pool is locked by somebody else (an exclusive flock is refused).
held() { ! flock -n -x $pool true; }

# 1. nobody, read-only, flock LOCK_SH: the host's SET succeeds.
setsid setpriv --reuid=65534 --regid=65534 --clear-groups flock -s $pool sleep 60 &
holder=$!
wait_until 10 held || fail "the read-only holder did not get its lock"
cursor=$(journal_cursor)
host_kvp "set external hvgsys-ro-key \"beside a reader\"" "expect-status S_OK" ||
	fail "the host's SET failed while nobody held flock -s on the pool read-only"
held || fail "the holder let go during the SET: the test proved nothing"
v=$(hv-kvp --pool external get hvgsys-ro-key) || fail "hv-kvp get failed"
[ "$v" = "beside a reader" ] || fail "hv-kvp reads \"$v\""
journalctl -q -u $u --after-cursor="$cursor" --no-pager | grep -q "written without it" ||
	fail "the daemon did not log the write it made without the lock"
stop_holder
log "a read-only flock -s holder (uid 65534) does not block the host's SET"

# 2. root, the lock taken on an O_RDWR descriptor: the SET still fails.
setsid sh -c "exec 3<>$pool; flock 3; exec sleep 60" &
holder=$!
wait_until 10 held || fail "the writable holder did not get its lock"
host_kvp "set external hvgsys-ro-key \"beside a writer\"" "expect-status E_FAIL" ||
	fail "the host's SET was not refused while a holder had the pool open for writing"
stop_holder
v=$(hv-kvp --pool external get hvgsys-ro-key) || fail "hv-kvp get failed"
[ "$v" = "beside a reader" ] || fail "hv-kvp reads \"$v\" after the refused SET"
log "a holder that can write still makes the SET fail after the lock timeout"

# And with the lock gone, writes work as before.
host_kvp "set external hvgsys-ro-key \"alone\"" "expect-status S_OK" || fail "the SET failed"
log "the sandboxed daemon writes beside read-only lock holders, not beside writers"
