#!/bin/sh
# SET_IP_INFO with the ifupdown backend, and hypervkvpd --dry-run-ip. Runs
# in a network namespace of its own (unshare -n) on a veth pair with
# documentation addresses; config_root, run_dir and sysfs_net are
# temporary directories. ifup and ifdown are fakes (kvp.command_path) that
# apply the stanzas of interfaces.d/hvguest-<if> with ip(8) the way
# ifupdown's inet/inet6 static methods do (address, gateway with metric,
# onlink; "up" lines), so that what the rendered file means is read back
# from the kernel. Debian's real ifupdown is exercised by the container
# suite (branch managers), never on this machine.
. "${HVGUEST_SRC:-.}/tests/integration/lib.sh"

. "${HVGUEST_SRC:-.}/tests/integration/setip-lib.sh"
setip_netns "$@"
setip_eth0
mkdir -p "$T/root/etc/network/interfaces.d" "$T/run/network" "$T/run/NetworkManager" \
	"$T/run/systemd/netif" "$T/bin"
IFFILE=$T/root/etc/network/interfaces.d/hvguest-eth0

# Debian's layout: interfaces sources interfaces.d and names eth0 without
# a stanza of its own. NetworkManager and networkd "run" too: ifupdown
# must still be chosen, as it comes first in the table.
interfaces() { printf '%s\n' "$@" >"$T/root/etc/network/interfaces"; }
interfaces 'source /etc/network/interfaces.d/*' 'auto lo' 'iface lo inet loopback' \
	'allow-hotplug eth0'

# The fakes. Mode "ok"; "fail-once": the next ifup fails, then ok again.
echo ok >"$T/fake-mode"
cat >"$T/bin/ifup" <<EOF
#!/bin/sh
echo "ifup \$*" >>"$T/argv.log"
if [ "\$(cat "$T/fake-mode")" = fail-once ]; then
	echo ok >"$T/fake-mode"
	exit 1
fi
f=$T/root/etc/network/interfaces.d/hvguest-\$1
[ -f "\$f" ] || { echo "ifup: unknown interface \$1" >&2; exit 1; }
ip link set "\$1" up || exit 1
fam= gw= metric=
route() { [ -z "\$gw" ] || ip "\$fam" route add default via "\$gw" \${metric:+metric \$metric} dev "\$1" onlink || exit 1; gw= metric=; }
while read -r key rest; do
	case "\$key" in
	iface) route "\$1"; set -- \$rest; fam=-4; [ "\$2" = inet6 ] && fam=-6 ;;
	address) ip "\$fam" addr add "\$rest" dev "\$1" nodad || exit 1 ;;
	gateway) gw=\$rest ;;
	metric) metric=\$rest ;;
	up) route "\$1"; sh -c "\$rest" || exit 1 ;;
	esac
done <"\$f"
route "\$1"
echo "\$1=\$1" >"$T/run/network/ifstate.\$1"
EOF
cat >"$T/bin/ifdown" <<EOF
#!/bin/sh
echo "ifdown \$*" >>"$T/argv.log"
[ -f "$T/run/network/ifstate.\$1" ] || { echo "ifdown: interface \$1 not configured" >&2; exit 0; }
ip addr flush dev "\$1" scope global
ip -4 route flush dev "\$1"
ip -6 route flush dev "\$1" proto boot
ip link set "\$1" down
rm -f "$T/run/network/ifstate.\$1"
EOF
chmod 755 "$T/bin/ifup" "$T/bin/ifdown"

OPTS="-o kvp.sysfs_net=$T/sys -o kvp.config_root=$T/root -o kvp.run_dir=$T/run -o kvp.command_path=$T/bin"
start() {
	if [ -n "$KVPD_PID" ]; then
		kill "$KVPD_PID"
		wait "$KVPD_PID" 2>/dev/null
		KVPD_PID=
	fi
	: >"$T/argv.log"
	# shellcheck disable=SC2086
	kvpd_start $OPTS -o kvp.apply_timeout=3s
}

live() { # global addresses and default routes, one a line, sorted
	{
		ip -o addr show dev eth0 scope global | awk '{ print $3, $4 }'
		ip -4 route show default dev eth0 | sed 's/ proto [a-z]*//'
		ip -6 route show default dev eth0 | sed 's/ proto [a-z]*//; s/ pref medium//'
	} | sed 's/ *$//' | sort
}

argv_is() { # EXPECTED (lines)
	printf '%s\n' "$@" | cmp -s - "$T/argv.log" ||
		{ cat "$T/argv.log"; hv_fail "commands run were not: $*"; }
}

# --- --dry-run-ip: the choice, the reason, the file; nothing changes ---
# shellcheck disable=SC2086
"$HVGUEST_BUILD/hypervkvpd" -c /dev/null $OPTS --dry-run-ip eth0 \
	ip=198.51.100.7/25 gw=198.51.100.1 >"$T/dry.out" 2>&1 || { cat "$T/dry.out"; hv_fail "--dry-run-ip eth0 failed"; }
cat "$T/dry.out"
grep -qx 'backend: ifupdown' "$T/dry.out" || hv_fail "--dry-run-ip: not ifupdown"
grep -q "^reason: ifupdown's /etc/network/interfaces:4 names eth0" "$T/dry.out" ||
	hv_fail "--dry-run-ip: no reason"
grep -qx "file: $IFFILE (mode 0644)" "$T/dry.out" || hv_fail "--dry-run-ip: no file"
sed -n '/^file: /,$p' "$T/dry.out" | sed 1d | cmp -s - "$GOLDEN/v4only.interfaces" ||
	hv_fail "--dry-run-ip: the content is not the golden v4only.interfaces"
[ ! -e "$IFFILE" ] && [ ! -e "$T/argv.log" ] || hv_fail "--dry-run-ip changed something"
# By GUID, with the sample settings.
# shellcheck disable=SC2086
"$HVGUEST_BUILD/hypervkvpd" -c /dev/null $OPTS --dry-run-ip "{$GUID}" >"$T/dry2.out" 2>&1 ||
	hv_fail "--dry-run-ip GUID failed"
grep -q '^settings: sample' "$T/dry2.out" && grep -qx 'interface: eth0 (00:15:5d:aa:bb:cc)' "$T/dry2.out" ||
	{ cat "$T/dry2.out"; hv_fail "--dry-run-ip GUID: wrong output"; }
# An unknown interface, a bad value, a forced backend.
# shellcheck disable=SC2086
"$HVGUEST_BUILD/hypervkvpd" -c /dev/null $OPTS --dry-run-ip nosuch9 >/dev/null 2>&1
[ $? -eq 1 ] || hv_fail "--dry-run-ip nosuch9 did not exit 1"
# shellcheck disable=SC2086
"$HVGUEST_BUILD/hypervkvpd" -c /dev/null $OPTS --dry-run-ip eth0 ip=192.0.2.999/24 2>"$T/dry3.err"
[ $? -eq 2 ] && grep -q '192.0.2.999' "$T/dry3.err" || hv_fail "--dry-run-ip: bad value not named"
# shellcheck disable=SC2086
"$HVGUEST_BUILD/hypervkvpd" -c /dev/null $OPTS -o kvp.ifconfig_backend=networkd --dry-run-ip eth0 |
	grep -qx 'backend: networkd' || hv_fail "--dry-run-ip: the configured backend is not used"
"$HVGUEST_BUILD/hypervkvpd" --help | grep -q -- '--dry-run-ip' || hv_fail "--help has no --dry-run-ip"
"$HVGUEST_BUILD/hypervkvpd" -c /dev/null -o kvp.ifconfig_backend=wicked --check-config 2>"$T/cc.err"
[ $? -eq 2 ] && grep -q 'ifconfig_backend' "$T/cc.err" && grep -q 'ifupdown' "$T/cc.err" ||
	{ cat "$T/cc.err"; hv_fail "an unknown backend is not refused with the list"; }

# --- applied: the golden file, ifdown then ifup, the kernel's view ---
start
hostsim_ok ifu-static -e "set-ip {$GUID} dhcp=0 $STATIC" -e "expect-status S_OK"
same_file "$GOLDEN/static.interfaces" "$IFFILE" 644
argv_is "ifdown eth0" "ifup eth0"
live >"$T/live.txt"
cat >"$T/live.want" <<EOF
default via 192.0.2.1 metric 100 onlink
default via 192.0.2.254 metric 101 onlink
default via 2001:db8::1 metric 100 onlink
inet 192.0.2.10/24
inet 192.0.2.11/24
inet6 2001:db8:0:1::10/64
inet6 2001:db8::10/64
EOF
sort "$T/live.want" | cmp -s - "$T/live.txt" || { diff -u "$T/live.want" "$T/live.txt"; hv_fail "ifupdown: live state"; }
grep -q 'backend ifupdown' "$T/kvpd.log" || hv_fail "the log does not say which backend"

# A second injection replaces the first (ifdown took the old addresses away).
: >"$T/argv.log"
hostsim_ok ifu-v4 -e "set-ip {$GUID} dhcp=0 $V4ONLY" -e "expect-status S_OK"
same_file "$GOLDEN/v4only.interfaces" "$IFFILE" 644
argv_is "ifdown eth0" "ifup eth0"
live >"$T/live.txt"
printf '%s\n' 'default via 198.51.100.1 metric 100 onlink' 'inet 198.51.100.7/25' |
	cmp -s - "$T/live.txt" || { cat "$T/live.txt"; hv_fail "ifupdown: second injection"; }

# --- rollback: ifup fails; the old file and the old state come back ---
echo fail-once >"$T/fake-mode"
: >"$T/argv.log"
hostsim_ok ifu-rollback -e "set-ip {$GUID} dhcp=0 ip=192.0.2.50 subnet=24" -e "expect-status E_FAIL"
same_file "$GOLDEN/v4only.interfaces" "$IFFILE" 644
argv_is "ifdown eth0" "ifup eth0" "ifdown eth0" "ifup eth0"
live | cmp -s - "$T/live.txt" || { live; hv_fail "ifupdown: rollback did not restore the state"; }

# --- refusals: nothing written, nothing run, the reason in the log ---
rm -f "$IFFILE"
interfaces 'auto lo' 'iface lo inet loopback' 'allow-hotplug eth0' 'iface eth0 inet dhcp'
: >"$T/argv.log"
hostsim_ok ifu-nosource -e "set-ip {$GUID} dhcp=0 $V4ONLY" -e "expect-status E_FAIL"
grep -q 'does not source /etc/network/interfaces.d' "$T/kvpd.log" || hv_fail "no reason for the refusal"
interfaces 'source-directory /etc/network/interfaces.d' 'allow-hotplug eth0' 'iface eth0 inet dhcp'
hostsim_ok ifu-conflict -e "set-ip {$GUID} dhcp=0 $V4ONLY" -e "expect-status E_FAIL"
grep -q '/etc/network/interfaces:3 configures eth0 itself' "$T/kvpd.log" || hv_fail "no reason for the conflict"
[ ! -e "$IFFILE" ] && [ ! -s "$T/argv.log" ] || hv_fail "a refusal changed something"
live | cmp -s - "$T/live.txt" || hv_fail "a refusal changed the interface"
kvpd_alive
hv_log "all ifupdown SET_IP_INFO cases passed"
