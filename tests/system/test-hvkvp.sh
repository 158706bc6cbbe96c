#!/bin/sh
# hv-kvp beside the sandboxed hypervkvpd (ProtectSystem=strict,
# PrivateUsers=yes, ...): what hv-kvp writes, the host reads through the
# daemon; what the host sets, hv-kvp reads; both see the same pool files.
# (A GET of an absent key is answered S_CONT, as upstream answers it.)
. /opt/hvgsys/tests/lib.sh
hvguest_installed || fail "hvguest is not installed (did test-switch fail?)"

all_serving
hv-kvp set hvgsys-guest-key "guest value 1" || fail "hv-kvp set failed"
host_kvp "get guest hvgsys-guest-key" "expect-value \"guest value 1\"" ||
	fail "the host did not read hv-kvp's value through hypervkvpd"

host_kvp "set external hvgsys-host-key \"host value 1\"" "expect-status S_OK" ||
	fail "the host's SET failed"
v=$(hv-kvp --pool external get hvgsys-host-key) || fail "hv-kvp get of the host's key failed"
[ "$v" = "host value 1" ] || fail "hv-kvp reads \"$v\" for the host's key"

# A change by hv-kvp while the daemon runs is served at once.
hv-kvp set hvgsys-guest-key "guest value 2" || fail "hv-kvp set failed"
host_kvp "get guest hvgsys-guest-key" "expect-value \"guest value 2\"" ||
	fail "the host read a stale value after hv-kvp changed it"
hv-kvp delete hvgsys-guest-key || fail "hv-kvp delete failed"
host_kvp "get guest hvgsys-guest-key" "expect-status S_CONT" ||
	fail "the host still reads a key hv-kvp deleted"

ls -l /var/lib/hyperv | sed 's/^/    /'
hv-kvp list --json >/tmp/hvgsys-list.json || fail "hv-kvp list --json failed"
jq -s . /tmp/hvgsys-list.json >/dev/null || fail "hv-kvp list --json is not JSON"
hv-kvp --pool auto get FullyQualifiedDomainName >/dev/null || fail "hv-kvp cannot compute the auto pool"
log "hv-kvp and the sandboxed daemon agree"
