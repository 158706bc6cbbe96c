#!/bin/sh
# systemctl reload (ExecReload=, SIGHUP): the same process reads its
# configuration again (RELOADING=1 ... READY=1) and acts on it; a broken
# configuration is refused and the old one kept, the unit staying active.
. /opt/hvgsys/tests/lib.sh
hvguest_installed || fail "hvguest is not installed (did test-switch fail?)"

conf=/etc/hvguest/hvguest.conf.d/60-hvgsys-reload.conf
restore() {
	rm -f "$conf"
	systemctl reload hypervkvpd.service hypervvssd.service hypervfcopyd.service
	serve kvp vss fcopy
}
trap restore EXIT
all_serving

for c in kvp vss fcopy; do
	u=$(unit_of $c)
	pid=$(main_pid "$u")
	cursor=$(journal_cursor)
	systemctl reload "$u" || fail "systemctl reload $u failed"
	[ "$(main_pid "$u")" = "$pid" ] || fail "$u: reload replaced the process"
	[ "$(prop "$u" ActiveState)" = active ] || fail "$u is $(prop "$u" ActiveState) after reload"
	reloaded() { journalctl -q --after-cursor "$cursor" -u "$u" | grep -q 'Configuration reloaded'; }
	wait_until 10 reloaded || fail "$u: no \"Configuration reloaded\" in the journal"
	echo "    $u: reloaded in place (pid $pid)"
done

log "a new kvp.device takes effect on reload"
newsock=$SOCKDIR/kvp-reload.sock
printf '[kvp]\ndevice = %s\n' "$newsock" >"$conf"
"$HOSTSIM" kvp --socket "$newsock" --timeout 30 -e "enum auto" >/tmp/hvgsys-reload.out 2>&1 &
host=$!
sleep 0.5
systemctl reload hypervkvpd.service || fail "reload failed"
wait $host
rc=$?
sed 's/^/    host: /' /tmp/hvgsys-reload.out
[ $rc -eq 0 ] || fail "hypervkvpd did not come to the new device after reload (hv-hostsim exit $rc)"

log "a broken configuration is refused, the old one kept"
pid=$(main_pid hypervkvpd.service)
printf '[kvp]\nifconfig_backend = hvgsys-no-such-backend\n' >"$conf"
cursor=$(journal_cursor)
systemctl reload hypervkvpd.service
sleep 1
[ "$(main_pid hypervkvpd.service)" = "$pid" ] || fail "the broken reload replaced the process"
[ "$(prop hypervkvpd.service ActiveState)" = active ] || fail "hypervkvpd is not active after a broken reload"
journalctl -q --after-cursor "$cursor" -u hypervkvpd.service | sed 's/^/    /'
journalctl -q --after-cursor "$cursor" -u hypervkvpd.service | grep -qi 'keeping the old' ||
	fail "no \"keeping the old\" configuration in the journal"
log "reload works in place"
