#!/bin/sh
# apt remove stops the daemons and keeps the configuration; apt purge
# removes the configuration too. Both keep the KVP pools in
# /var/lib/hyperv: they belong to the host, cloud-init and the admin.
. /opt/hvgsys/tests/lib.sh
hvguest_installed || fail "hvguest is not installed (did test-switch fail?)"

all_serving
hv-kvp set hvgsys-remove-key "kept after purge" || fail "hv-kvp set failed"
host_kvp "set external hvgsys-remove-host \"host value\"" || fail "the host's SET failed"
pools_have_keys() {
	grep -q hvgsys-remove-key /var/lib/hyperv/.kvp_pool_1 &&
		grep -q hvgsys-remove-host /var/lib/hyperv/.kvp_pool_0
}
pools_have_keys || fail "the keys are not in the pool files"

bad=0
no_daemon() { ! pgrep -x hypervkvpd && ! pgrep -x hypervvssd && ! pgrep -x hypervfcopyd; }

log "apt remove hvguest"
apt-get remove -y -q -o Dpkg::Use-Pty=0 hvguest 2>&1 | tail -n 15
check "the package is removed" sh -c '[ "$(dpkg-query -W -f "\${db:Status-Status}" hvguest)" = config-files ]'
check "no daemon runs" no_daemon
check "the binaries are gone" sh -c '[ ! -e /usr/sbin/hypervkvpd ] && [ ! -e /usr/bin/hv-kvp ]'
check "the configuration is kept" test -f /etc/hvguest/hvguest.conf
check "the pools are kept" pools_have_keys
for u in hypervkvpd hypervvssd hypervfcopyd; do
	echo "    $u.service: $(systemctl show -p LoadState -p ActiveState "$u.service" | tr '\n' ' ')"
done

log "apt purge hvguest"
apt-get purge -y -q -o Dpkg::Use-Pty=0 hvguest 2>&1 | tail -n 15
check "the package is purged" sh -c 'case $(dpkg-query -W -f "\${db:Status-Status}" hvguest 2>/dev/null) in "" | not-installed) ;; *) false ;; esac'
check "the configuration is gone" test ! -e /etc/hvguest/hvguest.conf
check "no enablement link is left" sh -c '! ls /etc/systemd/system/*.wants/hyperv*d.service'
check "the pools are kept" pools_have_keys
check "no daemon runs" no_daemon
[ $bad -eq 0 ] || fail "remove or purge did the wrong thing"
log "remove and purge keep the pools"
