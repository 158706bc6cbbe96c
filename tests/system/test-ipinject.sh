#!/bin/sh
# hvgsys: manager
# IP injection applied by a real network manager (issue 13): run.sh boots a
# root with one manager installed (HVGSYS_MANAGER: networkmanager, networkd
# or netplan; /opt/hvgsys/manager). A veth pair hv0/hv0p inside the
# container's private network stands for the Hyper-V NIC: a sysfs stand-in
# (kvp.sysfs_net) gives hv0 the VMBus GUID. hypervkvpd runs under its unit
# with the IP-injection drop-in; hv-hostsim sends SET_IP_INFO, and the test
# checks what the manager applied (ip addr/route and the manager's own
# view), that it survives a restart of the manager, that a configuration
# which cannot come up (an IPv6 address the peer end holds: DAD fails) is answered E_FAIL
# within the host's 30 s with the previous file and state back, and what
# GET_IP_INFO reports. Documentation addresses only; nothing leaves the
# container. Prints the time of each hv-hostsim run ("time:" lines).
. /opt/hvgsys/tests/lib.sh

M=$(cat "$HVGSYS/manager")
hvguest_installed || fail "hvguest is not installed"
GUID=5e7a0f11-3c2d-4b5a-9e8f-0123456789ab
MAC=00:15:5d:0d:0c:01
IF=hv0
SYSNET=/run/hvgsys-sysnet

case $M in
networkmanager) FILE=/etc/NetworkManager/system-connections/hvguest-$IF.nmconnection ;;
networkd) FILE=/etc/systemd/network/10-hvguest-$IF.network ;;
netplan) FILE=/etc/netplan/90-hvguest-$IF.yaml ;;
*) fail "unknown manager '$M'" ;;
esac

# ---- the NIC, the daemon, the manager ----------------------------------

ip link add $IF address $MAC type veth peer name ${IF}p || fail "cannot create the veth pair"
ip link set ${IF}p up
mkdir -p "$SYSNET/$IF/device"
echo "{$GUID}" >"$SYSNET/$IF/device/device_id"
echo "$MAC" >"$SYSNET/$IF/address"
cat >/etc/hvguest/hvguest.conf.d/60-ipinject.conf <<EOF
[kvp]
sysfs_net = $SYSNET
EOF
mkdir -p /etc/systemd/system/hypervkvpd.service.d
cp /usr/share/doc/hvguest/hypervkvpd-ip-injection.conf \
	/etc/systemd/system/hypervkvpd.service.d/ip-injection.conf || fail "no ip-injection drop-in in the package"

case $M in
networkmanager)
	systemctl is-active -q NetworkManager || systemctl start NetworkManager || fail "NetworkManager does not start"
	MGR_UNIT=NetworkManager.service ;;
networkd | netplan)
	systemctl enable -q --now systemd-networkd.service || fail "systemd-networkd does not start"
	systemctl enable -q --now systemd-resolved.service || fail "systemd-resolved does not start"
	MGR_UNIT=systemd-networkd.service ;;
esac
if [ "$M" = netplan ]; then
	# `netplan apply` ends with `udevadm trigger`, which fails in the
	# container (nspawn's /sys is read-only, no udevd runs): there, and
	# only there, trigger is a no-op; everything else is the real udevadm.
	# (hypervkvpd runs commands with /usr/local/bin first in PATH.)
	printf '#!/bin/sh\n[ "$1" = trigger ] && exit 0\nexec /usr/bin/udevadm "$@"\n' >/usr/local/bin/udevadm
	chmod 755 /usr/local/bin/udevadm
	PATH=/usr/local/bin:$PATH
	# The admin's file that names the interface: what auto-detection sees.
	printf 'network:\n  version: 2\n  renderer: networkd\n  ethernets:\n    %s:\n      dhcp4: false\n' \
		$IF >/etc/netplan/01-admin.yaml
	chmod 600 /etc/netplan/01-admin.yaml
	netplan apply || fail "netplan apply of the admin's file failed"
fi
systemctl daemon-reload
systemctl restart hypervkvpd.service
serve kvp
wait_registered kvp

# ---- helpers ------------------------------------------------------------

RESULTS=
# setip NAME EXPECTED-STATUS SET-IP-ARGS: one SET_IP_INFO, timed.
setip() {
	log "$1: set-ip $3"
	host_kvp "set-ip {$GUID} $3" "expect-status $2"
	_rc=$?
	echo "time: $M $1 ${HOST_MS} ms (status $2 expected, hv-hostsim exit $_rc)"
	RESULTS="$RESULTS $1=${HOST_MS}ms"
	[ "$HOST_MS" -lt 30000 ] || fail "$1: the answer took ${HOST_MS} ms, beyond the host's 30 s"
	return $_rc
}

has_addr() { ip -o addr show dev $IF | grep -q " $1 "; }
has_route() { ip "$1" route show default | grep -q "via $2 dev $IF"; }

# applied ADDR/PREFIX... : the kernel has them within 15 s (what the manager set).
applied() {
	for _a; do
		wait_until 15 has_addr "$_a" || { ip addr show dev $IF; fail "$_a not on $IF"; }
	done
}

# view: the manager's own view of hv0, printed into the log.
view() {
	case $M in
	networkmanager)
		nmcli -t -f GENERAL.STATE,GENERAL.CONNECTION,IP4.ADDRESS,IP4.GATEWAY,IP4.DNS,IP6.ADDRESS,IP6.GATEWAY,IP6.DNS \
			device show $IF ;;
	*) networkctl status --no-pager $IF 2>&1 | sed -n '1,30p' ;;
	esac
}

# view_has TEXT: the manager's own view mentions TEXT.
view_has() { view | grep -qF -- "$1"; }

restart_manager() {
	log "restarting $MGR_UNIT"
	systemctl restart "$MGR_UNIT" || fail "cannot restart $MGR_UNIT"
	[ "$M" != netplan ] || netplan apply || fail "netplan apply after the restart failed"
}

# ---- static IPv4 ----------------------------------------------------------

setip v4 S_OK 'dhcp=0 ip=192.0.2.10 subnet=255.255.255.0 gw=192.0.2.1 dns=198.51.100.53' ||
	fail "static IPv4 was not applied"
applied 192.0.2.10/24
wait_until 15 has_route -4 192.0.2.1 || { ip route; fail "no IPv4 default route via 192.0.2.1"; }
view
wait_until 15 view_has 192.0.2.10 || fail "$M does not show 192.0.2.10"
case $M in
networkmanager)
	[ "$(nmcli -g ipv4.method connection show hvguest-$IF)" = manual ] || fail "ipv4.method is not manual"
	nmcli -g ipv4.dns connection show hvguest-$IF | grep -q 198.51.100.53 || fail "ipv4.dns lacks 198.51.100.53" ;;
*) wait_until 15 view_has 198.51.100.53 || fail "networkd does not show DNS 198.51.100.53"
	resolvectl dns $IF
	resolvectl dns $IF | grep -q 198.51.100.53 || fail "resolved does not use DNS 198.51.100.53 on $IF" ;;
esac

# ---- static IPv6 ----------------------------------------------------------

setip v6 S_OK 'dhcp=0 ip=2001:db8::10 subnet=64 gw=2001:db8::1 dns=2001:db8::53' ||
	fail "static IPv6 was not applied"
applied 2001:db8::10/64
wait_until 15 has_route -6 2001:db8::1 || { ip -6 route; fail "no IPv6 default route via 2001:db8::1"; }
has_addr 192.0.2.10/24 && fail "192.0.2.10 is still on $IF after the IPv6-only configuration"
view

# ---- IPv4 + IPv6, two addresses each --------------------------------------

TWO='dhcp=0 ip=192.0.2.10;2001:db8::10;192.0.2.11;2001:db8:0:1::10 subnet=255.255.255.0;64;24;/64 gw=192.0.2.1;2001:db8::1 dns=198.51.100.53;2001:db8::53'
setip v4v6 S_OK "$TWO" || fail "IPv4+IPv6 was not applied"
applied 192.0.2.10/24 192.0.2.11/24 2001:db8::10/64 2001:db8:0:1::10/64
wait_until 15 has_route -4 192.0.2.1 || fail "no IPv4 default route"
wait_until 15 has_route -6 2001:db8::1 || fail "no IPv6 default route"
view
cp "$FILE" /run/hvgsys-good || fail "no $FILE"

# ---- persisted: the manager restarted applies it again --------------------

ip addr flush dev $IF
restart_manager
applied 192.0.2.10/24 192.0.2.11/24 2001:db8::10/64 2001:db8:0:1::10/64
echo "persisted: addresses back after restarting $MGR_UNIT"

# ---- GET_IP_INFO: what the manager configured -----------------------------

log "get-ip"
host_kvp "get-ip $MAC" "expect-status S_OK" "expect-ip dhcp 0" || fail "GET_IP_INFO failed"
echo "time: $M get-ip ${HOST_MS} ms (the baseline of an hv-hostsim run)"
printf '%s\n' "$HOST_OUT" | grep -q 192.0.2.11 || fail "GET_IP_INFO lacks 192.0.2.11"
printf '%s\n' "$HOST_OUT" | grep -q 198.51.100.53 || fail "GET_IP_INFO lacks DNS 198.51.100.53"

# ---- cannot come up: rolled back --------------------------------------
# The peer end already holds the address: IPv6 duplicate address detection
# fails on hv0, so the address never becomes usable and the apply times out.
# (A missing carrier is no failure for NetworkManager: it configures static
# addresses on a link without carrier.)
ip addr add 2001:db8::99/64 dev ${IF}p nodad
setip rollback E_FAIL 'dhcp=0 ip=2001:db8::99 subnet=64 gw=2001:db8::1' ||
	fail "a configuration whose address is in use was not answered E_FAIL"
cmp "$FILE" /run/hvgsys-good || fail "$FILE is not the previous one after the rollback"
applied 192.0.2.10/24 192.0.2.11/24 2001:db8::10/64 2001:db8:0:1::10/64
ip addr del 2001:db8::99/64 dev ${IF}p
echo "rolled back: previous file and addresses back"

# ---- DHCP: no server answers in the container -----------------------------
# hvguest waits for an IPv4 address (netconf_nl_is_up) until apply_timeout:
# without a lease the configuration is rolled back and the host told E_FAIL.
# While it waits, the manager must have been told DHCP.
: >/run/hvgsys-dhcp-seen
(
	end=$(($(date +%s) + 25))
	while [ "$(date +%s)" -lt "$end" ]; do
		case $M in
		networkmanager) m=$(nmcli -g ipv4.method connection show hvguest-$IF 2>/dev/null) ;;
		*) m=$(grep -h -i -E 'DHCP=(yes|ipv4)|dhcp4: *(true|yes)' "$FILE" 2>/dev/null) ;;
		esac
		case $m in auto | *[Dd][Hh][Cc][Pp]*) echo "$m" >/run/hvgsys-dhcp-seen; view >>/run/hvgsys-dhcp-seen; exit 0 ;; esac
		sleep 0.2
	done
) &
watcher=$!
setip dhcp E_FAIL 'dhcp=1' || fail "DHCP without a server was not answered E_FAIL after the apply timeout"
wait $watcher
log "the manager's view while waiting for a lease:"
cat /run/hvgsys-dhcp-seen
[ -s /run/hvgsys-dhcp-seen ] || fail "$M was never configured for DHCP"
cmp "$FILE" /run/hvgsys-good || fail "$FILE is not the previous one after the DHCP rollback"
applied 192.0.2.10/24 2001:db8::10/64
host_kvp "get-ip $MAC" "expect-status S_OK" "expect-ip dhcp 0" || fail "GET_IP_INFO after the DHCP rollback"

echo "results ($M):$RESULTS"
