#!/bin/sh
# `make demo`: the daemons against hv-hostsim, in a temporary directory, no
# root needed. Shows the host setting keys, the guest intrinsic items the host
# sees, a guest value reaching the host through pool 1, a Copy-VMFile over
# both fcopy transports, and a VSS backup exchange (with nothing to freeze:
# real freezes need root and run on loop images in `make check`).
set -u
BUILD=${BUILD:-build}
B=$(cd "$BUILD" && pwd) || exit 1
T=$(mktemp -d "${TMPDIR:-/tmp}/hvguest-demo.XXXXXX") || exit 1
KVPD_PID=
OTHER_PID=

stop_other() {
	[ -z "$OTHER_PID" ] || { kill "$OTHER_PID" 2>/dev/null; wait "$OTHER_PID" 2>/dev/null; }
	OTHER_PID=
}

cleanup() {
	[ -z "$KVPD_PID" ] || { kill "$KVPD_PID" 2>/dev/null; wait "$KVPD_PID" 2>/dev/null; }
	stop_other
	if [ "${KEEP:-0}" = 1 ]; then
		echo "kept $T"
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

heading() { printf '\n=== %s\n\n' "$*"; }
host() { "$B/hv-hostsim" kvp --socket "$T/kvp.sock" "$@" || exit 1; }

# The OS facts come from a copy, to show that every path is configurable.
if [ -r /etc/os-release ]; then
	cp /etc/os-release "$T/os-release"
else
	printf 'NAME="Demo Linux"\nVERSION_ID="1"\n' >"$T/os-release"
fi
mkdir -p "$T/pools"

heading "Starting hypervkvpd on a simulated /dev/vmbus/hv_kvp ($T/kvp.sock)"
echo "$B/hypervkvpd -c /dev/null -o kvp.device=$T/kvp.sock -o kvp.pool_dir=$T/pools -o kvp.os_release=$T/os-release"
"$B/hypervkvpd" -c /dev/null -o "kvp.device=$T/kvp.sock" -o "kvp.pool_dir=$T/pools" \
	-o "kvp.os_release=$T/os-release" >"$T/hypervkvpd.log" 2>&1 &
KVPD_PID=$!

heading "The host sets keys in pool 0 (external: host -> guest)"
host -e 'set external VirtualMachineName "demo-vm"' \
	-e 'set external VirtualMachineId "2f1b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"' \
	-e 'set external HostName "hyperv-host-01"' \
	-e 'set external Note "hello from the host ✓"' \
	-e 'get external VirtualMachineName' \
	-e 'enum external'
echo
echo "In the guest they are records of 512 + 2048 bytes in $T/pools/.kvp_pool_0:"
od -A d -c -w16 -N 48 "$T/pools/.kvp_pool_0" | sed 's/^/    /'

heading "The guest's intrinsic items, as the host sees them (Get-VMKvp)"
host -e intrinsic

heading "A guest program writes to pool 1 (guest -> host); the host enumerates it"
if [ -x "$B/hv-kvp" ] &&
	"$B/hv-kvp" -c /dev/null --pool-dir "$T/pools" set --pool guest DemoGuestKey "written by hv-kvp" \
		>/dev/null 2>&1; then
	echo "hv-kvp set --pool guest DemoGuestKey \"written by hv-kvp\""
else
	# What cloud-init does: append one 2560-byte record to the file.
	key=DemoGuestKey
	value="written with printf and dd, like cloud-init"
	{
		printf '%s' "$key"
		dd if=/dev/zero bs=1 count=$((512 - ${#key})) 2>/dev/null
		printf '%s' "$value"
		dd if=/dev/zero bs=1 count=$((2048 - ${#value})) 2>/dev/null
	} >>"$T/pools/.kvp_pool_1"
	echo "appended a record \"$key\" = \"$value\" to .kvp_pool_1"
fi
host -e 'enum guest'

heading "Pool files"
ls -l "$T"/pools/.kvp_pool_* | sed 's/^/    /'

heading "Copy-VMFile: the host copies a file into the guest (hypervfcopyd, legacy device)"
mkdir -p "$T/guest"
# allowed_roots=/: a root below /tmp would be refused (anyone can write /tmp).
head -c 100000 /dev/urandom >"$T/report.bin"
"$B/hypervfcopyd" -c /dev/null -o "fcopy.device=$T/fcopy.sock" -o fcopy.transport=chardev \
	-o fcopy.allowed_roots=/ >"$T/hypervfcopyd.log" 2>&1 &
OTHER_PID=$!
echo "hv-hostsim fcopy --socket $T/fcopy.sock --create-path report.bin $T/guest/incoming"
"$B/hv-hostsim" fcopy --socket "$T/fcopy.sock" --create-path "$T/report.bin" "$T/guest/incoming" || exit 1
stop_other
echo "a second copy without --overwrite must be refused:"
"$B/hypervfcopyd" -c /dev/null -o "fcopy.device=$T/fcopy.sock" -o fcopy.transport=chardev \
	-o fcopy.allowed_roots=/ >>"$T/hypervfcopyd.log" 2>&1 &
OTHER_PID=$!
"$B/hv-hostsim" fcopy --socket "$T/fcopy.sock" --quiet --expect HV_ERROR_ALREADY_EXISTS \
	"$T/report.bin" "$T/guest/incoming" || exit 1
stop_other

heading "The same over the UIO VMBus ring of kernels 6.10+ (simulated sysfs, ring and interrupts)"
mkdir -p "$T/uio"
"$B/hypervfcopyd" -c /dev/null -o fcopy.transport=uio -o "fcopy.sysfs_root=$T/uio/sys/bus/vmbus/devices" \
	-o "fcopy.uio_dev_dir=$T/uio/dev" -o fcopy.uio_driver_dir= -o fcopy.allowed_roots=/ \
	>>"$T/hypervfcopyd.log" 2>&1 &
OTHER_PID=$!
echo "hv-hostsim fcopy --uio $T/uio --name report-uio.bin report.bin $T/guest/incoming"
"$B/hv-hostsim" fcopy --uio "$T/uio" --name report-uio.bin "$T/report.bin" "$T/guest/incoming" || exit 1
stop_other
for f in "$T/report.bin" "$T/guest/incoming/report.bin" "$T/guest/incoming/report-uio.bin"; do
	printf '    %s  %s\n' "$(cksum <"$f" | cut -d' ' -f1)" "$f"
done

heading "A backup: the host sends FREEZE and THAW to hypervvssd"
echo "(vss.include is empty here, so nothing is frozen: real freezes need root; make check"
echo " freezes loop images it creates, in a private mount namespace)"
mkdir -p "$T/vss-state" "$T/freeze.d"
"$B/hypervvssd" -c /dev/null -o "vss.device=$T/vss.sock" -o vss.include= \
	-o "vss.state_dir=$T/vss-state" -o "vss.hooks_dir=$T/freeze.d" >"$T/hypervvssd.log" 2>&1 &
OTHER_PID=$!
"$B/hv-hostsim" vss --socket "$T/vss.sock" -e check -e freeze -e thaw || exit 1
stop_other
echo
echo "What hypervvssd would freeze on this machine, and why not the rest (read-only):"
"$B/hypervvssd" -c /dev/null --dry-run 2>&1 | sed -n '1,4p' | sed 's/^/    /'

echo
echo "Everything is in $T (removed now; run with KEEP=1 to keep it)."
