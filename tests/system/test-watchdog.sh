#!/bin/sh
# WatchdogSec=: a daemon that stops answering (SIGSTOP) is aborted by
# systemd's watchdog and started again; one that runs normally keeps
# sending WATCHDOG=1 and is left alone. WatchdogSec= is shortened to 3 s by
# a runtime drop-in, which the daemons must honour (WATCHDOG_USEC).
. /opt/hvgsys/tests/lib.sh
hvguest_installed || fail "hvguest is not installed (did test-switch fail?)"

units="hypervkvpd.service hypervvssd.service hypervfcopyd.service"
restore() {
	for u in $units; do
		rm -f "/run/systemd/system/$u.d/50-hvgsys-watchdog.conf"
	done
	systemctl daemon-reload
	systemctl restart $units
	serve kvp vss fcopy
}
trap restore EXIT
for u in $units; do
	mkdir -p "/run/systemd/system/$u.d"
	printf '[Service]\nWatchdogSec=3s\n' >"/run/systemd/system/$u.d/50-hvgsys-watchdog.conf"
done
systemctl daemon-reload
systemctl restart $units
all_serving
for c in kvp vss fcopy; do
	u=$(unit_of $c)
	[ "$(prop "$u" WatchdogUSec)" = 3s ] || fail "$u: WatchdogUSec=$(prop "$u" WatchdogUSec)"
	eval "pid_$c=\$(main_pid \$u) n_$c=\$(prop \$u NRestarts)"
done
log "8 s (more than twice WatchdogSec) of normal running: no restart"
sleep 8
for c in kvp vss fcopy; do
	u=$(unit_of $c)
	eval "[ \"\$(main_pid \$u)\" = \"\$pid_$c\" ] && [ \"\$(prop \$u NRestarts)\" = \"\$n_$c\" ]" ||
		fail "$u was restarted though its daemon was running normally (no WATCHDOG=1?)"
done

cursor=$(journal_cursor)
for c in kvp vss fcopy; do
	eval "kill -STOP \$pid_$c"
done
log "daemons stopped with SIGSTOP"
for c in kvp vss fcopy; do
	u=$(unit_of $c)
	eval "wait_until 40 restarted \$u \$pid_$c \$n_$c" ||
		fail "$u was not restarted after SIGSTOP: $(systemctl show -p MainPID -p NRestarts -p ActiveState -p Result "$u" | tr '\n' ' ')"
	journalctl -q --after-cursor "$cursor" -u "$u" | grep -i watchdog | sed 's/^/    /'
	journalctl -q --after-cursor "$cursor" -u "$u" | grep -q "result 'watchdog'" ||
		fail "$u: no \"result 'watchdog'\" in the journal"
done
all_serving
log "the watchdog restarted each stopped daemon"
