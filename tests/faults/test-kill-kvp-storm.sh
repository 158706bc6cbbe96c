#!/bin/sh
# SIGKILL of hypervkvpd at random points of a host SET storm, 10 times,
# while 2 hv-kvp writers write the guest pool. After each restart: every
# pool file is whole records; the last SET the host saw answered is there
# with its value (at most the one in flight is lost); no value is torn.
. "$HVGUEST_SRC/tests/integration/lib.sh"
. "$HVGUEST_SRC/tests/faults/lib-faults.sh"
hv_setup hypervkvpd hv-hostsim hv-kvp
KILLS=${FAULT_KILLS:-10}
WPIDS=""
trap 'rc=$?; for p in $WPIDS; do kill $p 2>/dev/null; done; (exit $rc); hv_cleanup' EXIT

rnd() { echo $(($(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % $1)); }

writer() { # N: hv-kvp set W<N>-<i> in the guest pool until killed
	i=0
	while :; do
		"$HVGUEST_BUILD/hv-kvp" --pool-dir "$T/pools" set "W$1-$i" "w$1-value-$i" 2>>"$T/writer$1.err" ||
			echo "fail $i" >>"$T/writer$1.err"
		echo "$i" >"$T/writer$1.last"
		i=$((i + 1))
	done
}
for w in 1 2; do writer "$w" & WPIDS="$WPIDS $!"; done

lost=0 k=0
while [ "$k" -lt "$KILLS" ]; do
	kvpd_start
	awk -v k="$k" 'BEGIN { for (i = 0; i < 20000; i++) printf "set external S%d storm%d-%d\n", i % 20, k, i }' >"$T/storm.steps"
	# A new file each round: the shell truncates the output only once the
	# background child runs, so a reused file could still show the last
	# round's answers to the wait below, and the kill could then come
	# before this round answered any SET (an empty key).
	out=$T/storm$k.out
	"$HVGUEST_BUILD/hv-hostsim" kvp --socket "$T/kvp.sock" --timeout 30 -f "$T/storm.steps" >"$out" 2>&1 &
	HOSTSIM_PID=$!
	hv_wait 30 grep -qs '^SET external .*: S_OK$' "$out" || { cat "$out"; hv_fail "kill $k: no SET answered"; }
	sleep "0.$(printf %03d "$(rnd 500)")"
	kill -STOP "$HOSTSIM_PID"  # freeze the host's view: its last answered SET is final
	kill -KILL "$KVPD_PID"; wait "$KVPD_PID" 2>/dev/null; KVPD_PID=
	kill -KILL "$HOSTSIM_PID"; kill -CONT "$HOSTSIM_PID" 2>/dev/null; wait "$HOSTSIM_PID" 2>/dev/null; HOSTSIM_PID=
	last=$(grep '^SET external .*: S_OK$' "$out" | tail -n 1)
	[ -n "$last" ] || { cat "$out"; hv_fail "kill $k: no answered SET in $out (test broken)"; }
	key=$(echo "$last" | sed 's/^SET external "\([^"]*\)".*/\1/')
	val=$(echo "$last" | sed 's/^SET external "[^"]*" = "\([^"]*\)".*/\1/')
	(pool_count 0) >"$T/count.out" || { cat "$T/count.out"; hv_fail "kill $k: pool 0 is not whole records"; }
	kvpd_start
	hostsim_ok check$k -t 30 -e "get external $key" -e "enum external"
	grep -q "^GET external \"$key\": S_OK \"$val\"\$" "$T/check$k.out" || {
		lost=$((lost + 1)); hv_fail "kill $k: $key is not '$val' (the last answered SET)"; }
	# No torn value: every S key holds a storm value sent for that key.
	grep -E '^\s*\[[0-9]+\] "S[0-9]+"' "$T/check$k.out" | while read -r _ kq _ vq; do
		kn=$(echo "$kq" | tr -d '"S'); vn=$(echo "$vq" | tr -d '"' | sed 's/^storm[0-9]*-//')
		[ $((vn % 20)) -eq "$kn" ] || { echo "torn: $kq = $vq"; exit 1; }
	done || hv_fail "kill $k: a torn or mixed-up record"
	kill "$KVPD_PID"; wait "$KVPD_PID" 2>/dev/null; KVPD_PID=
	k=$((k + 1))
done
for p in $WPIDS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
WPIDS=""
for p in 0 1; do (pool_count $p) >"$T/count.out" || { cat "$T/count.out"; hv_fail "pool $p is not whole records"; }; done
# Each writer's records are all there (hv-kvp never goes through the daemon).
for w in 1 2; do
	n=$(cat "$T/writer$w.last")
	for i in 0 $((n / 2)) $((n - 1)); do
		[ "$i" -ge 0 ] || continue
		got=$("$HVGUEST_BUILD/hv-kvp" --pool-dir "$T/pools" --pool guest get "W$w-$i") ||
			hv_fail "writer $w: W$w-$i lost"
		[ "$got" = "w$w-value-$i" ] || hv_fail "writer $w: W$w-$i is '$got'"
	done
done
echo "$KILLS SIGKILLs during SET storms; guest pool $(pool_count 1) records"
fault_report kvp-kill-storm "$KILLS" "$lost" - - - -
