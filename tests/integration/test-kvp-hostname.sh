#!/bin/sh
# The FQDN the host sees follows hostname changes made after hypervkvpd
# started (issue 12: cloud-init sets the hostname after the daemon started,
# and ProtectHostname=yes had given the daemon a private copy of the UTS
# namespace taken at start, so the host saw the image's template name for
# good).
#  - the shipped unit must not have ProtectHostname= on;
#  - (root) in a UTS namespace of the test's own (the machine's hostname is
#    never touched), the hostname changed after start-up shows in
#    FullyQualifiedDomainName at once: the daemon asks the kernel on each
#    request and caches only per name.
# The same under a real systemd with hostnamectl belongs to the booted
# container tests (make check-system).
. "${HVGUEST_SRC:-.}/tests/integration/lib.sh"
hv_setup hypervkvpd hv-hostsim

unit=$HVGUEST_SRC/systemd/hypervkvpd.service
[ -f "$unit" ] || hv_fail "$unit is missing"
hv_log "the unit shares the system's hostname"
if grep -Ei '^[[:space:]]*ProtectHostname[[:space:]]*=[[:space:]]*(yes|true|on|1)[[:space:]]*$' "$unit"; then
	hv_fail "hypervkvpd.service has ProtectHostname= on: the FQDN would stay the one at start"
fi

[ "$(id -u)" = 0 ] || hv_skip "the unit is right; the live check needs root (a UTS namespace)"
command -v unshare >/dev/null 2>&1 || hv_skip "the unit is right; the live check needs unshare"
command -v hostname >/dev/null 2>&1 || hv_skip "the unit is right; the live check needs hostname"

hv_log "hostname changed after start-up: the FQDN follows (private UTS namespace of the test)"
cat >"$T/uts.sh" <<'EOS'
set -u
hostname before.hvguest.test || exit 77
"$HVGUEST_BUILD/hypervkvpd" -c /dev/null -o "kvp.device=$T/kvp.sock" -o "kvp.pool_dir=$T/pools" \
	-o "kvp.os_release=$T/os-release" -d >>"$T/kvpd.log" 2>&1 &
pid=$!
"$HVGUEST_BUILD/hv-hostsim" kvp --socket "$T/kvp.sock" -t 20 -e intrinsic >"$T/before.out" 2>&1
rc1=$?
hostname after.hvguest.test
"$HVGUEST_BUILD/hv-hostsim" kvp --socket "$T/kvp.sock" -t 20 -e intrinsic >"$T/after.out" 2>&1
rc2=$?
kill "$pid"
wait "$pid"
[ "$rc1" = 0 ] && [ "$rc2" = 0 ]
EOS
HVGUEST_BUILD=$HVGUEST_BUILD T=$T unshare -u sh "$T/uts.sh"
rc=$?
[ "$rc" = 77 ] && hv_skip "the unit is right; cannot set a hostname in a new UTS namespace"
cat "$T/before.out" "$T/after.out" | grep FullyQualifiedDomainName
[ "$rc" = 0 ] || { cat "$T/before.out" "$T/after.out"; hv_fail "hv-hostsim failed"; }
grep -Eq '^FullyQualifiedDomainName +before\.hvguest\.test$' "$T/before.out" ||
	hv_fail "FQDN before the change is not the hostname at start"
grep -Eq '^FullyQualifiedDomainName +after\.hvguest\.test$' "$T/after.out" ||
	hv_fail "FQDN did not follow the hostname change"
echo "the FQDN follows the hostname"
