#!/bin/sh
# hvgsys: reboot
# Boot with every device absent (Data Exchange, VSS and Guest Services off
# on the host; confidential VMs): the daemons must not hold boot up. run.sh
# runs "setup", reboots the container, then runs "check".
#   setup: hvguest installed, the daemons on their default devices
#          (/dev/vmbus/hv_*, which do not exist here), no host side at all.
#   check: each unit became active (READY=1) well before the 20 s it once
#          waited; boot figures printed (systemd-analyze).
# Bound asserted: start to active under 5 s per unit, whatever the load;
# the figures themselves are only printed.
. /opt/hvgsys/tests/lib.sh

case ${1:-} in
setup)
	hvguest_installed || install_deb "$HVGSYS/debs/hvguest.deb"
	mv /etc/hvguest/hvguest.conf.d/50-hvgsys.conf /etc/hvguest/hvgsys-devices.conf.off
	systemctl disable hvgsys-host@kvp.service hvgsys-host@vss.service hvgsys-host@fcopy.service
	systemctl enable hypervkvpd.service hypervvssd.service hypervfcopyd.service
	# The one setting kept: never freeze anything here.
	printf '[vss]\ninclude = /hvgsys-no-such-mount\n' >/etc/hvguest/hvguest.conf.d/50-hvgsys-nofreeze.conf
	log "ready to reboot with every device absent"
	;;
check)
	for d in kvp vss fcopy; do
		[ ! -e "/dev/vmbus/hv_$d" ] || fail "/dev/vmbus/hv_$d exists"
	done
	systemd-analyze 2>&1 | sed 's/^/    /'
	systemd-analyze critical-chain multi-user.target 2>&1 | sed 's/^/    /'
	systemd-analyze blame 2>&1 | grep -E 'hyperv|hvgsys' | sed 's/^/    blame: /'
	bad=0
	for c in kvp vss fcopy; do
		u=$(unit_of $c)
		start=$(prop "$u" ExecMainStartTimestampMonotonic)
		active=$(prop "$u" ActiveEnterTimestampMonotonic)
		state=$(prop "$u" ActiveState)
		if [ "$state" != active ] || [ "${start:-0}" -eq 0 ] || [ "${active:-0}" -eq 0 ]; then
			echo "    $u: $state, STATUS=$(prop "$u" StatusText)"
			bad=1
			continue
		fi
		ms=$(((active - start) / 1000))
		echo "    $u: start to READY $ms ms, STATUS=$(prop "$u" StatusText)"
		[ $ms -lt 5000 ] || bad=1
	done
	[ $bad -eq 0 ] || fail "a daemon held boot up without its device"
	log "no device: READY at once"
	;;
*) fail "usage: $0 setup|check" ;;
esac
