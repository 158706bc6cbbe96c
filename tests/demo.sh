#!/bin/sh
# `make demo`: hypervkvpd against hv-hostsim, in a temporary directory, no
# root needed. Shows the host setting keys, the guest intrinsic items the host
# sees, and a guest value reaching the host through pool 1.
set -u
BUILD=${BUILD:-build}
B=$(cd "$BUILD" && pwd) || exit 1
T=$(mktemp -d "${TMPDIR:-/tmp}/hvguest-demo.XXXXXX") || exit 1
KVPD_PID=

cleanup() {
	[ -z "$KVPD_PID" ] || { kill "$KVPD_PID" 2>/dev/null; wait "$KVPD_PID" 2>/dev/null; }
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
echo
echo "The pools are in $T/pools (removed now; run with KEEP=1 to keep them)."
