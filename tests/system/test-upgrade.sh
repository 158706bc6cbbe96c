#!/bin/sh
# An upgrade to a newer build (apt install ./hvguest-next.deb) keeps what
# the admin did: a changed conffile, the pools, a disabled and a masked
# service (neither started by the upgrade); the enabled one is running the
# new build afterwards.
. /opt/hvgsys/tests/lib.sh
hvguest_installed || fail "hvguest is not installed (did test-switch fail?)"

restore() {
	systemctl unmask hypervfcopyd.service
	systemctl enable --now hypervvssd.service hypervfcopyd.service
	serve kvp vss fcopy
}
trap restore EXIT
all_serving
old=$(dpkg-query -W -f '${Version}' hvguest)
new=$(dpkg-deb -f "$HVGSYS/debs/hvguest-next.deb" Version)
dpkg --compare-versions "$new" gt "$old" || fail "hvguest-next.deb ($new) is not newer than $old"

log "the admin's changes"
printf '\n# hvgsys: an admin was here\n' >>/etc/hvguest/hvguest.conf
hv-kvp set hvgsys-upgrade-key "kept across the upgrade" || fail "hv-kvp set failed"
host_kvp "set external hvgsys-upgrade-host \"from the host\"" || fail "the host's SET failed"
systemctl disable --now hypervvssd.service || fail "cannot disable hypervvssd"
systemctl mask --now hypervfcopyd.service || fail "cannot mask hypervfcopyd"
kvpd_pid=$(main_pid hypervkvpd.service)

log "apt install ./hvguest-next.deb ($old -> $new)"
install_deb "$HVGSYS/debs/hvguest-next.deb"
[ "$(dpkg-query -W -f '${Version}' hvguest)" = "$new" ] || fail "hvguest is not at $new"

bad=0
check "the conffile keeps the admin's change" grep -q 'hvgsys: an admin was here' /etc/hvguest/hvguest.conf
[ -e /etc/hvguest/hvguest.conf.dpkg-new ] && { echo "    NOT: no hvguest.conf.dpkg-new"; bad=1; }
check "pool 1 keeps the guest's key" sh -c '[ "$(hv-kvp get hvgsys-upgrade-key)" = "kept across the upgrade" ]'
check "pool 0 keeps the host's key" sh -c '[ "$(hv-kvp --pool external get hvgsys-upgrade-host)" = "from the host" ]'
check "hypervvssd stays disabled" sh -c '[ "$(systemctl is-enabled hypervvssd.service)" = disabled ]'
check "hypervvssd was not started" sh -c '! systemctl is-active hypervvssd.service'
check "hypervfcopyd stays masked" sh -c '[ "$(systemctl is-enabled hypervfcopyd.service)" = masked ]'
check "hypervfcopyd was not started" sh -c '! systemctl is-active hypervfcopyd.service'
check "hypervkvpd stays enabled" sh -c '[ "$(systemctl is-enabled hypervkvpd.service)" = enabled ]'
serve kvp
check "hypervkvpd is active and registered" wait_until 30 registered hypervkvpd.service
check "hypervkvpd was restarted into the new build" sh -c "[ \"\$(systemctl show -p MainPID --value hypervkvpd.service)\" != $kvpd_pid ]"
[ $bad -eq 0 ] || fail "the upgrade lost something of the admin's"
log "the upgrade kept the admin's choices"
