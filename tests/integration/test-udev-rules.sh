#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# systemd/70-hvguest.rules, as shipped:
# - the "systemd" tag and SYSTEMD_WANTS are set on every action but
#   "remove" (a "change" event must not drop the tag: systemd reads the
#   current tags, and the .device unit would go inactive);
# - the fcopy channel is handed to uio_hv_generic only where the kernel does
#   not serve it itself. The rule asks `modprobe --resolve-alias` whether
#   hv_utils claims the device's modalias; this runs that very PROGRAM= line
#   (with -d/-S pointing at fake module trees made with depmod) for a 6.1-like
#   kernel with hv_utils as a module, one with hv_utils built in, and a
#   6.10-like kernel whose hv_utils lost fcopy, and checks the decision.
# Needs no root; needs cc, objcopy, depmod and modprobe (kmod).
. "$HVGUEST_SRC/tests/integration/lib.sh"

rules=$HVGUEST_SRC/systemd/70-hvguest.rules
for c in cc objcopy depmod modprobe; do
	command -v "$c" >/dev/null 2>&1 || [ -x "/sbin/$c" ] ||
		hv_skip "$c is missing (apt-get install gcc binutils kmod)"
done
PATH=$PATH:/sbin:/usr/sbin
hv_setup

# The rule file without comments, one rule a line.
grep -v '^[[:space:]]*\(#\|$\)' "$rules" >"$T/rules"

hv_log "tags on every action but remove"
for u in hypervkvpd hypervvssd hypervfcopyd; do
	grep -q "SYSTEMD_WANTS}+=\"$u.service\"" "$T/rules" || hv_fail "nothing wants $u.service"
done
grep -n 'TAG+="systemd"' "$T/rules" | grep 'ACTION' &&
	hv_fail "a rule tags its device for one action only (above): a change event would drop the tag"
# The only action test ahead of the tags is the skip of "remove".
awk '/TAG\+="systemd"/ { exit } /ACTION/ { print }' "$T/rules" >"$T/before"
[ "$(cat "$T/before")" = 'ACTION=="remove", GOTO="hvguest_end"' ] ||
	{ cat "$T/before"; hv_fail "an action test other than the skip of remove comes before the tags"; }
grep -q 'LABEL="hvguest_end"' "$T/rules" || hv_fail "no hvguest_end label"

hv_log "fcopy: uio_hv_generic only where hv_utils does not serve the channel"
guid=$(sed -n 's/.*ATTR{class_id}!="{\([0-9a-f-]*\)}".*/\1/p' "$T/rules")
[ "$guid" = 34d14be3-dee4-41c8-9ae7-6b174977c192 ] || hv_fail "no fcopy class_id test ahead of the UIO rule (found '$guid')"
# The device's MODALIAS is "vmbus:" and the GUID's bytes in memory order
# (the first three fields little-endian), as the kernel's vmbus_uevent and
# file2alias print them.
modalias=$(echo "$guid" | awk -F- '{
	out = "vmbus:"
	for (i = 1; i <= 3; i++) for (j = length($i) - 1; j >= 1; j -= 2) out = out substr($i, j, 2)
	print out $4 $5 }')
[ "$modalias" = vmbus:e34bd134e4dec8419ae76b174977c192 ] || hv_fail "modalias computed as $modalias"
prog=$(sed -n 's/^PROGRAM=="\([^"]*\)", RESULT=="\([^"]*\)", GOTO="hvguest_end"$/\1/p' "$T/rules")
result=$(sed -n 's/^PROGRAM=="\([^"]*\)", RESULT=="\([^"]*\)", GOTO="hvguest_end"$/\2/p' "$T/rules")
[ -n "$prog" ] || hv_fail "no PROGRAM== test that skips the UIO binding"
# The guard must come before the binding, and the binding must exist.
awk '/PROGRAM==/ { p = NR } /driver_override}="uio_hv_generic"/ { b = NR } END { exit !(p && b && p < b) }' "$T/rules" ||
	hv_fail "the hv_utils test does not come before the uio_hv_generic binding"
case $prog in
'/sbin/modprobe '*'$env{MODALIAS}') ;;
*) hv_fail "unexpected PROGRAM: $prog" ;;
esac

# mkmod ROOT VERSION NAME [ALIAS...]: a module file depmod indexes like a real one.
mkmod() {
	mk_dir=$1/lib/modules/$2/kernel
	mk_name=$3
	mkdir -p "$mk_dir"
	: >"$T/modinfo"
	shift 3
	for a in "$@"; do printf 'alias=%s\0' "$a" >>"$T/modinfo"; done
	printf 'name=%s\0license=GPL\0' "$mk_name" >>"$T/modinfo"
	echo 'int hvguest_test_symbol;' | cc -c -x c - -o "$mk_dir/$mk_name.o" || hv_fail "cc failed"
	objcopy --add-section .modinfo="$T/modinfo" --set-section-flags .modinfo=alloc,readonly \
		"$mk_dir/$mk_name.o" "$mk_dir/$mk_name.ko" || hv_fail "objcopy failed"
	rm -f "$mk_dir/$mk_name.o"
}
kvp=vmbus:e7f4a0a9455a964db8278a841e8c03e6
m=$T/modules
mkmod "$m" 6.1-module hv_utils "$modalias" "$kvp"
mkmod "$m" 6.1-module uio_hv_generic
mkmod "$m" 6.10 hv_utils "$kvp"
mkmod "$m" 6.10 uio_hv_generic
# hv_utils built in (CONFIG_HYPERV_UTILS=y): known from modules.builtin.modinfo.
mkmod "$m" 6.1-builtin uio_hv_generic
printf 'kernel/drivers/hv/hv_utils.ko\n' >"$m/lib/modules/6.1-builtin/modules.builtin"
printf 'hv_utils.alias=%s\0hv_utils.alias=%s\0hv_utils.license=GPL\0' "$modalias" "$kvp" \
	>"$m/lib/modules/6.1-builtin/modules.builtin.modinfo"

for case in 6.1-module:skip 6.1-builtin:skip 6.10:uio; do
	v=${case%%:*} want=${case#*:}
	depmod -b "$m" "$v" 2>/dev/null || hv_fail "depmod failed for $v"
	# The PROGRAM line as udev runs it, with $env{MODALIAS} substituted and
	# the module tree of the fake kernel.
	cmd=$(printf '%s' "$prog" | sed "s|\$env{MODALIAS}|$modalias|")
	# shellcheck disable=SC2086 # udev splits PROGRAM on spaces too
	out=$(${cmd#/sbin/} -d "$m" -S "$v")
	rc=$?
	got=uio
	# udev: PROGRAM matches on exit 0, then RESULT is a glob on its output.
	if [ "$rc" -eq 0 ]; then
		# shellcheck disable=SC2254
		case $out in $result) got=skip ;; esac
	fi
	echo "kernel $v: PROGRAM exit $rc, output '$out': $got"
	[ "$got" = "$want" ] || hv_fail "kernel $v: the rule would $got the fcopy channel, expected $want"
done

echo "PASS"
