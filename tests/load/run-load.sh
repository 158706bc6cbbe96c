#!/bin/sh
# `make load` (not part of `make check`: several minutes). Two runs:
#  1. LOAD_OPS (1,000,000) host KVP operations through hv-hostsim bench
#     (half GET, then half SET, on a pool of 200 records) against hypervkvpd,
#     while 8 hv-kvp writers and a cloud-init-style appender (flock and
#     append straight into the file) write the guest pool. Afterwards every
#     record each writer and the appender finished is there, whole, with
#     its value; the daemon's VmRSS and fd count, sampled every 2 s, stay
#     flat; bench saw no failure and no mismatch.
#  2. A LOAD_COPY_MB (2048) MiB copy through hypervfcopyd with its VmRSS
#     sampled every 0.2 s: the peak (VmHWM) stays under 8 MiB (in a
#     sanitized build, ASan's shadow memory makes that meaningless: the
#     figure is only printed).
# Prints one FIGURES line per run. Env: HVGUEST_BUILD, HVGUEST_SRC.
set -u
HVGUEST_SRC=${HVGUEST_SRC:-$(pwd)}
HVGUEST_BUILD=${HVGUEST_BUILD:-$HVGUEST_SRC/build}
export HVGUEST_SRC HVGUEST_BUILD
. "$HVGUEST_SRC/tests/integration/lib.sh"
. "$HVGUEST_SRC/tests/faults/lib-faults.sh"
hv_setup hypervkvpd hv-hostsim hv-kvp hypervfcopyd bench/mkpool
OPS=${LOAD_OPS:-1000000}
COPY_MB=${LOAD_COPY_MB:-2048}
WRITERS=8
BG=""
trap 'rc=$?; for p in $BG; do kill $p 2>/dev/null; done; (exit $rc); hv_cleanup' EXIT

writer() { # N: hv-kvp set L<N>-<i> until $T/stop exists
	i=0
	while [ ! -e "$T/stop" ]; do
		"$HVGUEST_BUILD/hv-kvp" --pool-dir "$T/pools" --lock-timeout 10000 set "L$1-$i" "writer$1-value-$i" \
			2>>"$T/writer$1.err" || { echo "set L$1-$i failed" >>"$T/writer$1.err"; break; }
		echo "$i" >"$T/writer$1.done"
		i=$((i + 1))
	done
}
appender() { # cloud-init's way: flock, append one record; C<i>
	i=0
	while [ ! -e "$T/stop" ]; do
		pool_append 1 "C$i" "cloudinit-value-$i"
		echo "$i" >"$T/appender.done"
		i=$((i + 1))
		sleep 0.05
	done
}
sampler() { # PID FILE INTERVAL: "rss_kb fds" lines until PID goes
	while kill -0 "$1" 2>/dev/null; do
		echo "$(proc_rss "$1") $(proc_fds "$1")" >>"$2"
		sleep "$3"
	done
}

hv_log "run 1: $OPS host operations, $WRITERS hv-kvp writers, one appender"
"$HVGUEST_BUILD/bench/mkpool" "$T/pools/.kvp_pool_0" 200 || hv_fail "mkpool"
kvpd_start
half=$((OPS / 2))
bench() { # OP COUNT
	"$HVGUEST_BUILD/hv-hostsim" bench --socket "$T/kvp.sock" --op "$1" --records 200 \
		--count "$2" --warmup 1000 --accept-timeout 30 >"$T/bench-$1.out" 2>&1 ||
		{ cat "$T/bench-$1.out"; hv_fail "bench $1 failed"; }
	cat "$T/bench-$1.out"
	grep -q ' failures=0 mismatches=0 ' "$T/bench-$1.out" || hv_fail "bench $1: failures or mismatches"
}
# Warm up the daemon before the first sample, so growth means a leak.
bench get 20000
sleep 0.5
rss0=$(proc_rss "$KVPD_PID") fd0=$(proc_fds "$KVPD_PID")
sampler "$KVPD_PID" "$T/kvpd.samples" 2 &
BG="$!"
w=1
while [ "$w" -le "$WRITERS" ]; do writer "$w" & BG="$BG $!"; w=$((w + 1)); done
appender & BG="$BG $!"
start=$(date +%s)
# GET first: bench checks GET replies against mkpool's values, which SET changes.
bench get "$half"
bench set $((OPS - half))
secs=$(($(date +%s) - start))
touch "$T/stop"
for p in $BG; do [ "$p" = "${BG%% *}" ] || wait "$p"; done
kvpd_alive
rss1=$(proc_rss "$KVPD_PID") fd1=$(proc_fds "$KVPD_PID") hwm=$(proc_hwm "$KVPD_PID")
kill "${BG%% *}" 2>/dev/null; BG=""
maxfd=$(awk '{ if ($2 > m) m = $2 } END { print m + 0 }' "$T/kvpd.samples")
maxrss=$(awk '{ if ($1 > m) m = $1 } END { print m + 0 }' "$T/kvpd.samples")
echo "hypervkvpd: VmRSS $rss0 -> $rss1 kB (max sampled $maxrss, VmHWM $hwm), fds $fd0 -> $fd1 (max $maxfd)"
for e in "$T"/writer*.err; do [ ! -s "$e" ] || { cat "$e"; hv_fail "a writer failed"; }; done

# Every finished record is there, whole: one listing, compared in awk.
"$HVGUEST_BUILD/hv-kvp" --pool-dir "$T/pools" --pool guest list -j >"$T/guest.json" || hv_fail "hv-kvp list"
(pool_count 1) >"$T/count.out" || { cat "$T/count.out"; hv_fail "guest pool is not whole records"; }
expected=0
: >"$T/expect"
w=1
while [ "$w" -le "$WRITERS" ]; do
	n=$(cat "$T/writer$w.done" 2>/dev/null || echo -1)
	awk -v w="$w" -v n="$n" 'BEGIN { for (i = 0; i <= n; i++) printf "L%d-%d writer%d-value-%d\n", w, i, w, i }' >>"$T/expect"
	expected=$((expected + n + 1))
	w=$((w + 1))
done
n=$(cat "$T/appender.done" 2>/dev/null || echo -1)
awk -v n="$n" 'BEGIN { for (i = 0; i <= n; i++) printf "C%d cloudinit-value-%d\n", i, i }' >>"$T/expect"
expected=$((expected + n + 1))
sed -n 's/.*"key":"\([^"]*\)","value":"\([^"]*\)".*/\1 \2/p' "$T/guest.json" | sort >"$T/have"
sort "$T/expect" >"$T/want"
lost=$(comm -23 "$T/want" "$T/have" | wc -l)
comm -23 "$T/want" "$T/have" | head -5
dups=$(cut -d' ' -f1 "$T/have" | sort | uniq -d | wc -l)
[ "$lost" -eq 0 ] || hv_fail "$lost records lost or torn of $expected"
[ "$dups" -eq 0 ] || hv_fail "$dups keys twice in the guest pool"
flat "fd count" "$fd0" "$fd1" 0
# A sample can catch a pool file being reopened or a new connection: transient.
flat "fd count (sampled)" "$fd0" "$maxfd" 2
flat "VmRSS" "$rss0" "$rss1" "$(rss_slack)"
echo "FIGURES kvp-load ops=$OPS seconds=$secs ops_per_s=$((OPS / (secs > 0 ? secs : 1))) guest_records=$expected lost=$lost rss_kb=$rss0->$rss1 peak_rss_kb=$hwm fds=$fd0->$fd1"
kill "$KVPD_PID"; wait "$KVPD_PID" 2>/dev/null; KVPD_PID=

hv_log "run 2: a $COPY_MB MiB copy through hypervfcopyd"
mkdir "$T/dest"
truncate -s "${COPY_MB}M" "$T/big" || hv_fail "truncate"
head -c 1048576 /dev/urandom | dd of="$T/big" conv=notrunc bs=1M seek=$((COPY_MB / 2)) 2>/dev/null
"$HVGUEST_BUILD/hypervfcopyd" -c /dev/null -o "fcopy.device=$T/fc.sock" \
	-o fcopy.transport=chardev -o fcopy.allowed_roots=/ >>"$T/kvpd.log" 2>&1 &
KVPD_PID=$!
sampler "$KVPD_PID" "$T/fcopyd.samples" 0.2 &
BG=$!
"$HVGUEST_BUILD/hv-hostsim" fcopy --socket "$T/fc.sock" --timeout 60 --quiet "$T/big" "$T/dest" \
	>"$T/copy.out" 2>&1 || { cat "$T/copy.out"; hv_fail "the copy failed"; }
cat "$T/copy.out"
hwm=$(proc_hwm "$KVPD_PID")
maxrss=$(awk '{ if ($1 > m) m = $1 } END { print m + 0 }' "$T/fcopyd.samples")
cmp -s "$T/big" "$T/dest/big" || hv_fail "the copy differs"
echo "hypervfcopyd: VmHWM $hwm kB, max sampled VmRSS $maxrss kB over $(wc -l <"$T/fcopyd.samples") samples"
case "$HVGUEST_BUILD" in
*san*) echo "(sanitized build: the 8 MiB limit is not checked)" ;;
*) [ "$hwm" -lt 8192 ] || hv_fail "hypervfcopyd's VmHWM $hwm kB is not under 8 MiB" ;;
esac
echo "FIGURES fcopy-load mb=$COPY_MB peak_rss_kb=$hwm $(tail -n 1 "$T/copy.out")"
rm -f "$T/big" "$T/dest/big"
echo "load run passed"
