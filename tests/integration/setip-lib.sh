# Shared by the SET_IP_INFO tests (test-kvp-setip.sh,
# test-kvp-setip-ifupdown.sh); POSIX sh, source it after lib.sh.

GOLDEN=$HVGUEST_SRC/tests/golden/netconf
GUID=aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee
MAC=00:15:5d:aa:bb:cc
# The golden inputs of tests/unit/test-netconf.c, so the same files compare.
STATIC='ip=192.0.2.10;2001:db8::10;192.0.2.11;2001:db8:0:1::10 subnet=255.255.255.0;64;24;/64 gw=192.0.2.1;2001:db8::1;192.0.2.254 dns=198.51.100.53;2001:db8::53;198.51.100.54'
V4ONLY='ip=198.51.100.7 subnet=255.255.255.128 gw=198.51.100.1'

# setip_netns "$@": root only; re-runs the script (with the script's "$@") in
# a network namespace of its own (unshare -n), then hv_setup there.
setip_netns() {
	[ "$(id -u)" -eq 0 ] || hv_skip "needs root to create a network namespace"
	if [ -z "${HVGUEST_SETIP_NETNS:-}" ]; then
		command -v unshare >/dev/null 2>&1 || hv_skip "unshare(1) not installed"
		command -v ip >/dev/null 2>&1 || hv_skip "ip(8) not installed"
		unshare -n true 2>/dev/null || hv_skip "cannot create a network namespace here"
		HVGUEST_SETIP_NETNS=1 exec unshare -n sh "$0" "$@"
	fi
	hv_setup hypervkvpd hv-hostsim
}

# setip_eth0: in this namespace only, eth0 (a veth, MAC $MAC) is ours to
# name: refuse to go on unless the namespace is fresh (loopback alone), so a
# real eth0 is never touched. $T/sys is the VMBus view of that NIC (GUID), as
# the kernel would show it.
setip_eth0() {
	[ "$(ip -o link show | wc -l)" -eq 1 ] || hv_fail "not in a fresh network namespace"
	ip link set lo up
	ip link add eth0 address $MAC type veth peer name eth0p || hv_fail "cannot create a veth pair"
	ip link set eth0p up
	mkdir -p "$T/sys/eth0/device"
	echo "{$GUID}" >"$T/sys/eth0/device/device_id"
	echo "$MAC" >"$T/sys/eth0/address"
}

# same_file EXPECTED ACTUAL MODE: ACTUAL was written, is EXPECTED to the byte,
# has MODE, and no temporary file is left beside it.
same_file() {
	[ -f "$2" ] || hv_fail "$2 was not written"
	cmp -s "$1" "$2" || { diff -u "$1" "$2"; hv_fail "$2 differs from $1"; }
	m=$(stat -c %a "$2")
	[ "$m" = "$3" ] || hv_fail "$2 has mode $m, expected $3"
	ls -A "$(dirname "$2")" | grep -q '\.hvguest-' && hv_fail "temporary file left in $(dirname "$2")"
	return 0
}
