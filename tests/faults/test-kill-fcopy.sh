#!/bin/sh
# SIGKILL of hypervfcopyd at random points of a 64 MiB copy, 10 times:
# after each restart no temporary or partial file is in the destination
# (the copy goes to an O_TMPFILE, linked in only when complete), and a
# full copy then works.
. "$HVGUEST_SRC/tests/integration/lib.sh"
. "$HVGUEST_SRC/tests/faults/lib-faults.sh"
hv_trusted_tmpdir
hv_setup hypervfcopyd hv-hostsim
KILLS=${FAULT_KILLS:-10}
D=$T/dest
mkdir "$D"
head -c 67108864 /dev/urandom >"$T/src"
rnd() { echo $(($(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % $1)); }
fcopyd_start() {
	"$HVGUEST_BUILD/hypervfcopyd" -c /dev/null -o "fcopy.device=$T/fc.sock" \
		-o fcopy.transport=chardev -o "fcopy.allowed_roots=$T" >>"$T/kvpd.log" 2>&1 &
	KVPD_PID=$!
}
k=0
while [ "$k" -lt "$KILLS" ]; do
	fcopyd_start
	"$HVGUEST_BUILD/hv-hostsim" fcopy --socket "$T/fc.sock" --timeout 20 --name big "$T/src" "$D" \
		>"$T/copy.out" 2>&1 &
	HOSTSIM_PID=$!
	sleep "0.$(printf %03d "$(rnd 400)")"
	kill -KILL "$KVPD_PID"; wait "$KVPD_PID" 2>/dev/null; KVPD_PID=
	kill -KILL "$HOSTSIM_PID"; wait "$HOSTSIM_PID" 2>/dev/null; HOSTSIM_PID=
	fcopyd_start
	sleep 0.3
	kvpd_alive
	if [ -e "$D/big" ]; then
		# The kill came after the copy completed: then it must be whole.
		cmp -s "$T/src" "$D/big" || hv_fail "kill $k: a partial $D/big"
		rm -f "$D/big"
	fi
	left=$(ls -A "$D" | wc -l)
	[ "$left" -eq 0 ] || { ls -lA "$D"; hv_fail "kill $k: $left files left after SIGKILL + restart"; }
	kill "$KVPD_PID"; wait "$KVPD_PID" 2>/dev/null; KVPD_PID=
	k=$((k + 1))
done
fcopyd_start
"$HVGUEST_BUILD/hv-hostsim" fcopy --socket "$T/fc.sock" --timeout 20 --quiet --name big "$T/src" "$D" \
	>"$T/final.out" 2>&1 || { cat "$T/final.out"; hv_fail "copy after the kills failed"; }
cmp -s "$T/src" "$D/big" || hv_fail "the copy after the kills differs"
fault_report fcopy-kill "$KILLS" 0 - - - -
