#!/bin/sh
# The live switch from Debian's hyperv-daemons (issue 12, section 2): with
# upstream's three daemons running under their own units, an admin runs
# `apt install ./hvguest_*.deb`. Afterwards none of the old daemons may
# still run (on Hyper-V they would keep the devices: EBUSY for ours), the
# three hvguest units are active, and the old unit names still reach them.
# Runs first: every later test needs hvguest installed.
. /opt/hvgsys/tests/lib.sh

hvguest_installed && fail "hvguest is already installed: the switch must run first"
dpkg-query -W -f '${db:Status-Status}' hyperv-daemons | grep -qx installed ||
	fail "hyperv-daemons is not installed in the prepared root"

# Upstream's daemons as their own units run them, except for the device:
# in the container no /dev/vmbus device unit ever appears (BindsTo= would
# stop them), so a runtime copy of each unit drops BindsTo= and points the
# daemon at an hv-hostsim socket through the shim. The copies are removed
# again before the switch, without a daemon-reload: systemd keeps running
# the units as loaded, as it would on Hyper-V.
log "starting upstream's daemons (hyperv-daemons $(dpkg-query -W -f '${Version}' hyperv-daemons))"
for c in kvp vss fcopy; do
	systemctl start "hvgsys-host@old-$c.service"
	C=$(echo $c | tr a-z A-Z)
	sed -e '/^BindsTo=/d' \
		-e "s|^\[Service\]|[Service]\nEnvironment=LD_PRELOAD=$HVGSYS/vmbus-shim.so HVGUEST_SHIM_$C=$SOCKDIR/old-$c.sock HVGUEST_SHIM_TIMEOUT=30|" \
		"/lib/systemd/system/hv-$c-daemon.service" >"/run/systemd/system/hv-$c-daemon.service"
done
systemctl daemon-reload
for c in kvp vss fcopy; do
	systemctl start "hv-$c-daemon.service" || fail "cannot start upstream's hv-$c-daemon.service"
done
for c in kvp vss fcopy; do
	wait_until 20 pgrep -x "hv_${c}_daemon" || fail "upstream's hv_${c}_daemon is not running"
	rm -f "/run/systemd/system/hv-$c-daemon.service"
done
ps -eo pid,args | grep '[h]v_.*_daemon' | sed 's/^/    before: /'

log "apt install ./hvguest.deb"
install_deb "$HVGSYS/debs/hvguest.deb"

log "after the switch"
ps -eo pid,args | grep -E '[h]v_.*_daemon|[h]yperv.*d$' | sed 's/^/    after: /'
for c in kvp vss fcopy; do
	systemctl status --no-pager "hv-$c-daemon.service" 2>&1 | sed -n '1,4s/^/    /p'
done
bad=0
for c in kvp vss fcopy; do
	if pgrep -x "hv_${c}_daemon" >/dev/null; then
		echo "upstream's hv_${c}_daemon still runs: $(pgrep -a -x "hv_${c}_daemon")"
		bad=1
	fi
done
serve kvp vss fcopy
for c in kvp vss fcopy; do
	u=$(unit_of $c)
	wait_until 30 registered "$u" || { echo "$u is not active and registered"; bad=1; }
done
# The old names reach hvguest's units.
for c in kvp vss fcopy; do
	old=hv-$c-daemon.service
	systemctl status --no-pager "$old" >/dev/null 2>&1
	rc=$?
	id=$(prop "$old" Id)
	state=$(prop "$old" ActiveState)
	echo "    $old: systemctl status exits $rc, Id=$id, ActiveState=$state"
	[ "$rc" -eq 0 ] || { echo "systemctl status $old exits $rc"; bad=1; }
	[ "$id" = "$(unit_of $c)" ] || { echo "$old is not $(unit_of $c)"; bad=1; }
done
[ $bad -eq 0 ] || fail "the switch left the machine in a bad state"
log "old daemons stopped, hvguest serving, old names working"
