#!/bin/sh
# Debian's real ifupdown (0.8) applies what the ifupdown backend writes.
# Not part of `make check` (it fetches packages): run by hand, as root,
#   HVGUEST_ROOT_CACHE=/work/cache HVGUEST_BUILD=$PWD/build HVGUEST_SRC=$PWD \
#       sh tests/system/ifupdown-real.sh
# A clean Debian 12 root (mkroot.sh) gets ifupdown and iproute2 installed
# with apt inside it, never on this machine. Then, in a private network and
# mount namespace, hypervkvpd (kvp.config_root = that root) runs ifup and
# ifdown chrooted into it on a veth pair with documentation addresses, and
# hv-hostsim sends static v4+v6 (two addresses each, three gateways), then
# v4 only, then a v6 address whose duplicate-address detection fails (the
# peer holds it): ifup fails, and the previous state must come back.
# Prints the time from SET_IP_INFO to the answer for each.
. "${HVGUEST_SRC:-.}/tests/integration/lib.sh"

[ "$(id -u)" -eq 0 ] || hv_skip "needs root (chroot, network namespace)"
if [ -z "${HVGUEST_IFUPDOWN_NS:-}" ]; then
	command -v unshare >/dev/null 2>&1 || hv_skip "unshare(1) not installed"
	R=$(mktemp -d "${TMPDIR:-/tmp}/hvguest-ifupdown-root.XXXXXX") || exit 1
	trap 'rm -rf "$R"' EXIT
	sh "$HVGUEST_SRC/tests/system/mkroot.sh" "$R" >/dev/null || hv_skip "cannot make a Debian root"
	cp /etc/resolv.conf "$R/etc/resolv.conf"
	printf '#!/bin/sh\nexit 101\n' >"$R/usr/sbin/policy-rc.d"
	chmod 755 "$R/usr/sbin/policy-rc.d"
	unshare -m sh -c "mount -t proc proc '$R/proc' && chroot '$R' sh -c 'apt-get update -q &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		ifupdown iproute2'" >"$R/apt.log" 2>&1 || { tail "$R/apt.log"; hv_skip "apt-get in the root failed"; }
	HVGUEST_IFUPDOWN_NS=$R unshare -n -m sh "$0"
	exit $?
fi
R=$HVGUEST_IFUPDOWN_NS
hv_setup hypervkvpd hv-hostsim
[ "$(ip -o link show | wc -l)" -eq 1 ] || hv_fail "not in a fresh network namespace"
mount --make-rprivate /
mount -t proc proc "$R/proc"
mount -t sysfs sysfs "$R/sys"
mount -t tmpfs tmpfs "$R/run"
mkdir -p "$R/run/network"
ip link set lo up
GUID=aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee
MAC=00:15:5d:aa:bb:cc
ip link add eth0 address $MAC type veth peer name eth0p || hv_fail "cannot create a veth pair"
ip link set eth0p up
mkdir -p "$T/sys/eth0/device" "$T/bin"
echo "{$GUID}" >"$T/sys/eth0/device/device_id"
echo "$MAC" >"$T/sys/eth0/address"
for c in ifup ifdown; do
	printf '#!/bin/sh\necho "%s $*" >>%s/argv.log\nexec chroot %s /sbin/%s "$@"\n' \
		$c "$T" "$R" $c >"$T/bin/$c"
	chmod 755 "$T/bin/$c"
done
printf '%s\n' 'source /etc/network/interfaces.d/*' 'auto lo' 'iface lo inet loopback' \
	'allow-hotplug eth0' >"$R/etc/network/interfaces"
kvpd_start -o "kvp.sysfs_net=$T/sys" -o "kvp.config_root=$R" -o "kvp.run_dir=$R/run" \
	-o "kvp.command_path=$T/bin" -o kvp.apply_timeout=10s

live() {
	{
		ip -o addr show dev eth0 scope global | awk '{ print $3, $4 }'
		ip -4 route show default dev eth0
		ip -6 route show default dev eth0 | sed 's/ pref medium//'
	} | sed 's/ *$//' | sort
}
timed() { # NAME STATUS SETTINGS
	s=$(date +%s%N)
	hostsim_ok "$1" -t 30 -e "set-ip {$GUID} dhcp=0 $3" -e "expect-status $2"
	echo "$1: $(( ($(date +%s%N) - s) / 1000000 )) ms from SET_IP_INFO to the answer"
}

timed static S_OK 'ip=192.0.2.10;2001:db8::10;192.0.2.11;2001:db8:0:1::10 subnet=255.255.255.0;64;24;/64 gw=192.0.2.1;2001:db8::1;192.0.2.254 dns=198.51.100.53;2001:db8::53;198.51.100.54'
printf '%s\n' 'default via 192.0.2.1 metric 100 onlink' 'default via 192.0.2.254 metric 101 onlink' \
	'default via 2001:db8::1 metric 100 onlink' 'inet 192.0.2.10/24' 'inet 192.0.2.11/24' \
	'inet6 2001:db8:0:1::10/64' 'inet6 2001:db8::10/64' | sort >"$T/want"
live | cmp -s - "$T/want" || { live; hv_fail "static: not what ifupdown should have applied"; }
chroot "$R" ifquery eth0 | grep -qx 'dns-nameservers: 198.51.100.53 2001:db8::53 198.51.100.54' ||
	hv_fail "ifquery does not see the DNS servers"

timed v4only S_OK 'ip=198.51.100.7 subnet=255.255.255.128 gw=198.51.100.1'
printf '%s\n' 'default via 198.51.100.1 metric 100 onlink' 'inet 198.51.100.7/25' >"$T/want"
live | cmp -s - "$T/want" || { live; hv_fail "v4only: the first injection was not replaced"; }

ip addr add 2001:db8::77/64 dev eth0p nodad
timed dad-rollback E_FAIL 'ip=2001:db8::77 subnet=64'
live | cmp -s - "$T/want" || { live; hv_fail "rollback: the previous state is not back"; }
grep -q "ifupdown" "$T/kvpd.log" || hv_fail "the log does not name the backend"
kvpd_alive
hv_log "real ifupdown: static v4+v6, replacement and rollback passed"
