#!/bin/sh
# SET_IP_INFO end to end: hv-hostsim injects, hypervkvpd applies. Runs in a
# network namespace of its own (unshare -n) on a veth pair with
# documentation addresses, no traffic; config_root, run_dir and sysfs_net
# are temporary directories, so the machine's interfaces and /etc are never
# touched. NetworkManager, networkd and netplan are played by fake commands
# (kvp.command_path) that record their argv; the netlink and ifcfg backends
# change the namespace's interface for real, read back with ip(8).
. "${HVGUEST_SRC:-.}/tests/integration/lib.sh"

. "${HVGUEST_SRC:-.}/tests/integration/setip-lib.sh"
setip_netns "$@"
setip_eth0
mkdir -p "$T/root" "$T/run" "$T/bin"

# Fake nmcli / networkctl / netplan / hv_set_ifconfig: record argv; in mode
# "ok" bring eth0 up with the V4ONLY address when asked to activate, as the
# real manager would; "noop" succeeds without doing anything; "fail" exits 1.
echo ok >"$T/fake-mode"
for cmd in nmcli networkctl netplan hv_set_ifconfig; do
	cat >"$T/bin/$cmd" <<EOF
#!/bin/sh
echo "\${0##*/} \$*" >>"$T/argv.log"
mode=\$(cat "$T/fake-mode")
[ "\$mode" = fail ] && exit 1
[ "\$mode" = noop ] && exit 0
case "\$mode \$*" in
"dad "*"connection up"*|"dad reconfigure eth0"|"dad apply")
	ip addr flush dev eth0 scope global && ip addr add 2001:db8::99/64 dev eth0 &&
		ip link set eth0 up ;;
*"connection up"*|*"reconfigure eth0"|*apply)
	ip addr flush dev eth0 scope global && ip addr add 198.51.100.7/25 dev eth0 &&
		ip link set eth0 up ;;
esac
exit 0
EOF
	chmod 755 "$T/bin/$cmd"
done

start() { # BACKEND
	if [ -n "$KVPD_PID" ]; then
		kill "$KVPD_PID"
		wait "$KVPD_PID" 2>/dev/null
		KVPD_PID=
	fi
	: >"$T/argv.log"
	kvpd_start -o "kvp.ifconfig_backend=$1" -o "kvp.sysfs_net=$T/sys" \
		-o "kvp.config_root=$T/root" -o "kvp.run_dir=$T/run" \
		-o "kvp.command_path=$T/bin" -o "kvp.scripts_dir=$T/bin" -o kvp.apply_timeout=3s
}

live() { # the interface's global addresses and default routes, one a line, sorted
	{
		ip -o addr show dev eth0 scope global | awk '{ print $3, $4 }'
		ip -4 route show default dev eth0
		ip -6 route show default dev eth0 | sed 's/ pref medium//'
	} | sed 's/ *$//' | sort
}

expect_argv() { # LINE (extended regex, whole line)
	grep -Eqx -- "$1" "$T/argv.log" || { cat "$T/argv.log"; hv_fail "no command run as /$1/"; }
}

# --- netlink: applied for real, read back ---
start netlink
hostsim_ok nl-static -e "set-ip {$GUID} dhcp=0 $STATIC" -e "expect-status S_OK"
live >"$T/live.txt"
cat >"$T/live.want" <<EOF
192.0.2.10/24
192.0.2.11/24
2001:db8:0:1::10/64
2001:db8::10/64
default via 192.0.2.1 proto static metric 100
default via 192.0.2.254 proto static metric 101
default via 2001:db8::1 proto static metric 100
EOF
sed 's/^\([0-9.]*\/[0-9]*\)$/inet \1/; s/^\([0-9a-f:]*\/[0-9]*\)$/inet6 \1/' "$T/live.want" |
	sort >"$T/live.want2"
cmp -s "$T/live.want2" "$T/live.txt" || { diff -u "$T/live.want2" "$T/live.txt"; hv_fail "netlink: live state"; }
[ -z "$(ls -A "$T/root")" ] || hv_fail "netlink backend wrote under config_root"

# Bad input: each answered INVALIDARG (or GUID_NOTFOUND) with nothing changed.
for bad in "ip=192.0.2.20;192.0.2.999 subnet=24;24" "ip=192.0.2.20 subnet=255.0.255.0" \
	"ip=192.0.2.20 subnet=24 gw=gateway" "ip=192.0.2.20 subnet=24 dns=224.0.0.1" \
	"ip=192.0.2.20;192.0.2.21 subnet=24" "ip=2001:db8::20 subnet=129"; do
	hostsim_ok bad -e "set-ip {$GUID} dhcp=0 $bad" -e "expect-status INVALIDARG"
	live | cmp -s - "$T/live.txt" || hv_fail "bad input \"$bad\" changed the interface"
done
grep -q '192.0.2.999' "$T/kvpd.log" || hv_fail "the bad token is not in the daemon's log"
hostsim_ok unknown -e "set-ip {aaaaaaaa-bbbb-cccc-dddd-000000000000} dhcp=0 $V4ONLY" \
	-e "expect-status GUID_NOTFOUND"
# Case and braces do not matter.
hostsim_ok guid-case -e "set-ip AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE dhcp=0 $STATIC" \
	-e "expect-status S_OK"

# Rollback: a gateway outside every subnet cannot be routed; the old state returns.
hostsim_ok nl-rollback -e "set-ip {$GUID} dhcp=0 ip=198.51.100.10 subnet=24 gw=203.0.113.1" \
	-e "expect-status E_FAIL"
live | cmp -s - "$T/live.txt" || { live; hv_fail "netlink: rollback did not restore the state"; }
kvpd_alive

# --- ifcfg (detected from config_root): golden file, applied over netlink ---
mkdir -p "$T/root/etc/sysconfig/network-scripts"
start auto
hostsim_ok ifcfg -e "set-ip {$GUID} dhcp=0 $STATIC" -e "expect-status S_OK"
same_file "$GOLDEN/static.ifcfg" "$T/root/etc/sysconfig/network-scripts/ifcfg-eth0" 644
live | cmp -s - "$T/live.txt" || hv_fail "ifcfg: live state"
rm -rf "$T/root/etc/sysconfig"

# --- NetworkManager (detected from run_dir) ---
mkdir -p "$T/run/NetworkManager"
start auto
NMFILE=$T/root/etc/NetworkManager/system-connections/hvguest-eth0.nmconnection
hostsim_ok nm -e "set-ip {$GUID} dhcp=0 $V4ONLY" -e "expect-status S_OK"
same_file "$GOLDEN/v4only.nmconnection" "$NMFILE" 600
expect_argv "nmcli connection load $NMFILE"
expect_argv "nmcli --wait [0-9]+ connection up id hvguest-eth0"
# The interface does not come up: the previous profile comes back, NM is told.
echo noop >"$T/fake-mode"
: >"$T/argv.log"
hostsim_ok nm-rollback -e "set-ip {$GUID} dhcp=0 ip=192.0.2.50 subnet=24" -e "expect-status E_FAIL"
same_file "$GOLDEN/v4only.nmconnection" "$NMFILE" 600
[ "$(grep -c "nmcli connection load $NMFILE" "$T/argv.log")" -eq 2 ] ||
	{ cat "$T/argv.log"; hv_fail "NM rollback: the old profile was not loaded again"; }
# A command that fails: rolled back as well.
echo fail >"$T/fake-mode"
hostsim_ok nm-fail -e "set-ip {$GUID} dhcp=0 ip=192.0.2.50 subnet=24" -e "expect-status E_FAIL"
same_file "$GOLDEN/v4only.nmconnection" "$NMFILE" 600
echo ok >"$T/fake-mode"
rm -rf "$T/run/NetworkManager"

# --- systemd-networkd (detected from run_dir) ---
mkdir -p "$T/run/systemd/netif"
start auto
hostsim_ok networkd -e "set-ip {$GUID} dhcp=0 $V4ONLY" -e "expect-status S_OK"
same_file "$GOLDEN/v4only.network" "$T/root/etc/systemd/network/10-hvguest-eth0.network" 644
expect_argv "networkctl reload"
expect_argv "networkctl reconfigure eth0"
# The manager adds an IPv6 address the peer end already holds, with duplicate
# address detection (as networkd does): tentative, then dadfailed, never
# usable, so no success: the old file is put back.
cp "$T/root/etc/systemd/network/10-hvguest-eth0.network" "$T/good.network"
ip addr add 2001:db8::99/64 dev eth0p nodad
echo dad >"$T/fake-mode"
hostsim_ok networkd-dad -e "set-ip {$GUID} dhcp=0 ip=2001:db8::99 subnet=64" -e "expect-status E_FAIL"
cmp "$T/good.network" "$T/root/etc/systemd/network/10-hvguest-eth0.network" ||
	hv_fail "networkd: the file was not put back after the DAD failure"
echo ok >"$T/fake-mode"
ip addr del 2001:db8::99/64 dev eth0p

# --- netplan (a netplan file names eth0: it wins over networkd) ---
mkdir -p "$T/root/etc/netplan"
printf 'network:\n  version: 2\n  ethernets:\n    eth0:\n      dhcp4: true\n' \
	>"$T/root/etc/netplan/50-cloud-init.yaml"
start auto
hostsim_ok netplan -e "set-ip {$GUID} dhcp=0 $V4ONLY" -e "expect-status S_OK"
same_file "$GOLDEN/v4only.yaml" "$T/root/etc/netplan/90-hvguest-eth0.yaml" 600
expect_argv "netplan apply"

# --- script: upstream's hook contract, upstream's file formats ---
start script
hostsim_ok script -e "set-ip {$GUID} dhcp=0 $V4ONLY" -e "expect-status S_OK"
expect_argv "hv_set_ifconfig $T/pools/ifcfg-eth0 $T/pools/eth0.nmconnection"
same_file "$GOLDEN/v4only.upstream-ifcfg" "$T/pools/ifcfg-eth0" 600
same_file "$GOLDEN/v4only.upstream-nmconnection" "$T/pools/eth0.nmconnection" 600
echo fail >"$T/fake-mode"
hostsim_ok script-fail -e "set-ip {$GUID} dhcp=0 $V4ONLY" -e "expect-status E_FAIL"
kvpd_alive
hv_log "all SET_IP_INFO cases passed"
