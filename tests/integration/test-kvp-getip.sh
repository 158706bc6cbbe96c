#!/bin/sh
# GET_IP_INFO end to end: hypervkvpd answers hv-hostsim's get-ip steps for
# veth interfaces in a network namespace this test creates (documentation
# addresses only, no traffic), with resolv.conf, systemd-resolved and
# systemd-networkd fixtures under the test's directory. Needs root; the
# machine's own interfaces and /etc are never touched.
set -u
[ "$(id -u)" -eq 0 ] || { echo "needs root to create a network namespace"; exit 77; }
command -v ip >/dev/null 2>&1 || { echo "ip (iproute2) is not installed"; exit 77; }
if [ -z "${HVGUEST_GETIP_IN_NETNS:-}" ]; then
	command -v unshare >/dev/null 2>&1 || { echo "unshare (util-linux) is not installed"; exit 77; }
	unshare -n true 2>/dev/null || { echo "cannot create a network namespace here"; exit 77; }
	HVGUEST_GETIP_IN_NETNS=1 exec unshare -n sh "$0" "$@"
fi

. "${HVGUEST_SRC:-.}/tests/integration/lib.sh"
hv_setup hypervkvpd hv-hostsim

# veth NAME MAC: a veth pair NAME/NAMEp, up, without IPv6 link-local
# addresses (addrgenmode none) so that "IPv4 only" means it.
veth() {
	ip link add "$1" type veth peer name "$1p" || hv_fail "ip link add $1"
	ip link set "$1" address "$2" addrgenmode none
	ip link set "$1p" addrgenmode none
	ip link set "$1p" up
	ip link set "$1" up
}
ifindex() { ip -o link show dev "$1" | cut -d: -f1; }

ip link set lo up
veth gv4 00:15:5d:aa:bb:01 # IPv4 only
veth gv6 00:15:5d:aa:bb:02 # IPv6 only
veth gboth 00:15:5d:aa:bb:03 # both, several addresses, one with a DHCP-like lifetime
veth gnone 00:15:5d:aa:bb:04 # no address
veth gvf 00:15:5d:aa:bb:05 # same MAC twice: the "VF" without addresses comes first,
veth gsyn 00:15:5d:aa:bb:05 # then the synthetic NIC with one

ip addr add 192.0.2.10/24 dev gv4
ip route add default via 192.0.2.1 dev gv4 metric 100
ip -6 addr add 2001:db8:2::10/64 dev gv6 nodad
ip -6 route add default via 2001:db8:2::1 dev gv6 metric 100
ip addr add 198.51.100.7/25 dev gboth
ip addr add 198.51.100.130/25 dev gboth valid_lft 3600 preferred_lft 3600
ip -6 addr add 2001:db8:3::7/64 dev gboth nodad
ip -6 addr add 2001:db8:3::8/56 dev gboth nodad
ip route add default via 198.51.100.1 dev gboth metric 200
ip -6 route add default via 2001:db8:3::1 dev gboth metric 200
ip route add 203.0.113.0/24 via 198.51.100.2 dev gboth # not a default route: not reported
ip addr add 192.0.2.50/24 dev gsyn
ip route show table main
ip -6 route show table main

# The DNS and DHCP fixtures: resolv.conf for everyone, resolved's per-link
# servers for gv6, networkd's DHCP lease for gnone.
printf '# fixture\nnameserver 192.0.2.53\nnameserver 127.0.0.53\nnameserver 2001:db8::53\n' >"$T/resolv.conf"
mkdir -p "$T/run/systemd/resolve/netif" "$T/run/systemd/netif/links"
printf 'SERVERS=198.51.100.53 [2001:db8::5353]:53\n' >"$T/run/systemd/resolve/netif/$(ifindex gv6)"
printf 'ADMIN_STATE=configured\nDHCP_LEASE=/run/systemd/netif/leases/%s\n' "$(ifindex gnone)" \
	>"$T/run/systemd/netif/links/$(ifindex gnone)"

kvpd_start -o "kvp.resolv_conf=$T/resolv.conf" -o "kvp.run_dir=$T/run"

# The host's lists for gboth, from the kernel's own order (v4 then v6, as dumped).
both_ip=$( (ip -o -4 addr show dev gboth; ip -o -6 addr show dev gboth) |
	awk '{ split($4, a, "/"); printf "%s%s", n++ ? ";" : "", a[1] }')
both_subnet=$( (ip -o -4 addr show dev gboth; ip -o -6 addr show dev gboth) |
	awk '{ split($4, a, "/"); m = a[2]
		if ($3 == "inet") { s = ""; for (i = 0; i < 4; i++) { b = m >= 8 ? 8 : (m > 0 ? m : 0)
			s = s (i ? "." : "") (256 - 2 ^ (8 - b)); m -= 8 } } else s = "/" m
		printf "%s%s", n++ ? ";" : "", s }')
hv_log "gboth: ip=$both_ip subnet=$both_subnet"

# -t 5: every answer comes well within the kernel's 30 s.
hostsim_ok getip -t 5 \
	-e "get-ip 00:15:5D:AA:BB:01" -e "expect-status S_OK" \
	-e "expect-ip ip 192.0.2.10" -e "expect-ip subnet 255.255.255.0" \
	-e "expect-ip family 1" -e "expect-ip dhcp 0" -e "expect-ip gw \"192.0.2.1;\"" \
	-e "expect-ip dns \"192.0.2.53;2001:db8::53;\"" -e "expect-ip adapter 00:15:5D:AA:BB:01" \
	-e "get-ip 00:15:5d:aa:bb:01 ipv4" -e "expect-status S_OK" -e "expect-ip ip 192.0.2.10" \
	-e "get-ip 00:15:5D:AA:BB:02 ipv6" -e "expect-status S_OK" \
	-e "expect-ip ip 2001:db8:2::10" -e "expect-ip subnet /64" -e "expect-ip family 2" \
	-e "expect-ip gw \"2001:db8:2::1;\"" -e "expect-ip dns \"198.51.100.53;2001:db8::5353;\"" \
	-e "get-ip 00:15:5D:AA:BB:03" -e "expect-status S_OK" \
	-e "expect-ip ip \"$both_ip\"" -e "expect-ip subnet \"$both_subnet\"" \
	-e "expect-ip family 3" -e "expect-ip dhcp 1" \
	-e "expect-ip gw \"198.51.100.1;2001:db8:3::1;\"" \
	-e "get-ip 00:15:5D:AA:BB:04" -e "expect-status S_OK" \
	-e "expect-ip ip \"\"" -e "expect-ip subnet \"\"" -e "expect-ip gw \"\"" \
	-e "expect-ip family 0" -e "expect-ip dhcp 1" \
	-e "get-ip 00:15:5D:AA:BB:05" -e "expect-status S_OK" \
	-e "expect-ip ip 192.0.2.50" -e "expect-ip gw \"\"" \
	-e "get-ip 00:15:5D:AA:BB:99" -e "expect-status E_FAIL" \
	-e "get-ip 00:15:5D:AA:BB" -e "expect-status E_FAIL" \
	-e "get-ip 00:00:00:00:00:00" -e "expect-status E_FAIL" \
	-e "get-ip 00:15:5D:AA:BB:01" -e "expect-status S_OK"
kvpd_alive

# Both addresses and subnets of gboth are there, whatever the kernel's order.
for a in 198.51.100.7 198.51.100.130 2001:db8:3::7 2001:db8:3::8; do
	echo "$both_ip" | tr ';' '\n' | grep -qx "$a" || hv_fail "gboth: $a missing from $both_ip"
done
for s in 255.255.255.128 /64 /56; do
	echo "$both_subnet" | tr ';' '\n' | grep -qx "$s" || hv_fail "gboth: $s missing from $both_subnet"
done
expect_line getip '^GET_IP_INFO 00:15:5D:AA:BB:99: E_FAIL$'
grep -q 'GET_IP_INFO: no interface has MAC address "00:15:5D:AA:BB:99"' "$T/kvpd.log" ||
	hv_fail "the daemon did not log the unknown MAC"
echo "ok"
