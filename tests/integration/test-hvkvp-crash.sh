#!/bin/sh
# hv-kvp writers SIGKILLed at random points: the pool stays readable, every
# set that finished is there with its whole value, and at most the records
# in flight are missing. A torn tail (a writer killed inside the append)
# is ignored by readers and overwritten by the next write.
. "${HVGUEST_SRC:-.}/tests/integration/lib.sh"
hv_setup hv-kvp

WRITERS=3 SETS=60
pad=$(printf '%1000s' '' | tr ' ' y)
kvp() { "$HVGUEST_BUILD/hv-kvp" -c /dev/null --pool-dir "$T/pools" "$@"; }

# One line per attempt, "KEY RC"; the pid of the hv-kvp in flight in wN.pid.
writer() {
	i=0
	while [ $i -lt $SETS ]; do
		"$HVGUEST_BUILD/hv-kvp" -c /dev/null --pool-dir "$T/pools" set "w$1-$i" "val-$1-$i-$pad" &
		echo $! >"$T/w$1.pid"
		wait $!
		echo "w$1-$i $?" >>"$T/w$1.log"
		i=$((i + 1))
	done
	rm -f "$T/w$1.pid"
}

rand() { od -An -N1 -tu1 /dev/urandom | tr -d ' '; }

hv_log "$WRITERS writers x $SETS sets, SIGKILL at random moments"
pids=
w=0
while [ $w -lt $WRITERS ]; do
	writer $w &
	pids="$pids $!"
	w=$((w + 1))
done
kills=0
while :; do
	alive=0
	for p in $pids; do kill -0 "$p" 2>/dev/null && alive=1; done
	[ $alive -eq 1 ] || break
	w=$(($(rand) % WRITERS))
	pid=$(cat "$T/w$w.pid" 2>/dev/null)
	if [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; then
		kills=$((kills + 1))
	fi
	sleep 0.0$(($(rand) % 10))
done
for p in $pids; do wait "$p"; done
cat "$T"/w*.log >"$T/attempts"
done_n=$(grep -c ' 0$' "$T/attempts")
killed_n=$(grep -c ' 137$' "$T/attempts")
other=$(grep -v ' 0$' "$T/attempts" | grep -v ' 137$' | head -n 3)
[ -z "$other" ] || hv_fail "a writer failed other than by SIGKILL: $other"
echo "$done_n sets finished, $killed_n killed ($kills kill signals sent)"

hv_log "the pool is readable; finished sets are whole; only in-flight ones may be missing"
f=$(pool_file 1)
size=$(wc -c <"$f" | tr -d ' ')
kvp --pool guest list >"$T/list" || hv_fail "hv-kvp list failed after the kills"
grep -q malformed "$T/list" && hv_fail "a malformed record after the kills"
present=$(grep -c '^  w' "$T/list")
grep ' 0$' "$T/attempts" | while read -r key rc; do
	w=${key%%-*}
	w=${w#w}
	i=${key#*-}
	grep -qxF "  $key = val-$w-$i-$pad" "$T/list" || { echo "$key"; break; }
done >"$T/lost"
[ ! -s "$T/lost" ] || hv_fail "a finished set is missing or torn: $(cat "$T/lost")"
# Every record present is one that was written, whole.
grep '^  w' "$T/list" | while read -r key eq value; do
	w=${key%%-*}
	w=${w#w}
	i=${key#*-}
	[ "$value" = "val-$w-$i-$pad" ] || { echo "$key"; break; }
done >"$T/torn"
[ ! -s "$T/torn" ] || hv_fail "a torn record: $(cat "$T/torn")"
[ "$present" -ge "$done_n" ] && [ "$present" -le $((done_n + killed_n)) ] ||
	hv_fail "$present records for $done_n finished and $killed_n killed sets"
echo "$present records in a $size-byte file"

hv_log "a torn tail is ignored and then overwritten"
head -c 1234 /dev/zero | tr '\0' 'z' >>"$f"
kvp --pool guest list >/dev/null || hv_fail "list with a torn tail failed"
kvp set after-crash ok || hv_fail "set after a torn tail failed"
[ "$(kvp --pool guest get after-crash)" = ok ] || hv_fail "after-crash not readable"
n=$(pool_count 1)
[ "$n" -eq $((present + 1)) ] || hv_fail "$n records after one more set, expected $((present + 1))"
echo "pools survive SIGKILLed writers"
