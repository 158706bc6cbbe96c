#!/bin/sh
# `make bench` part for VSS: what an application feels during a backup.
# A process writes continuously to one filesystem (/mnt/w) while two others
# (/mnt/d1, /mnt/d2) hold 200 MiB of dirty data each; the simulated host
# sends FREEZE and, at once, THAW. Figures: the writer's longest gap between
# two completed writes, and the FREEZE reply latency; medians of
# BENCH_VSS_REPEAT runs (default 5), responders alternating, same run:
#   hypervvssd  ours: syncfs of every target in parallel, then FIFREEZE
#   upstream    upstream hv_vss_daemon's algorithm (bench/vss-upstream.c):
#               FIFREEZE in mount order with no flush first, THAW in the same
#               order. Upstream's own binary cannot be used: it walks
#               /proc/mounts and would freeze this machine's root filesystem.
# Root only (exit 0 with a note otherwise); loop filesystems on a private
# tmpfs, in a private mount namespace, responders chrooted (as the tests do).
set -u
HVGUEST_SRC=${HVGUEST_SRC:-$(pwd)}
BUILD=${BUILD:-build}
HVGUEST_BUILD=$(cd "$BUILD" && pwd) || exit 1
export HVGUEST_SRC HVGUEST_BUILD
REPEAT=${BENCH_VSS_REPEAT:-5}
DIRTY_MB=${BENCH_VSS_DIRTY_MB:-200}

. "$HVGUEST_SRC/bench/vss-lib.sh"
vss_bench_setup "vss" "$@"
vss_image w ext4 64
vss_image d1 ext4 $((DIRTY_MB * 2 + 64))
vss_image d2 ext4 $((DIRTY_MB * 2 + 64))
MOUNTS="/mnt/w /mnt/d1 /mnt/d2"

one_run() { # responder -> "gap_ms freeze_ms"
	for d in d1 d2; do
		dd if=/dev/zero of="$R/mnt/$d/dirty" bs=1M count="$DIRTY_MB" 2>/dev/null
	done
	vss_bench_round "$1" "$MOUNTS" 3
	gap=$(sed -n 's/^max_gap_ms=\([0-9.]*\).*/\1/p' "$T/writer.out")
	fz=$(sed -n 's/^FREEZE: S_OK (\([0-9.]*\) ms)/\1/p' "$T/hs.out")
	rm -f "$R/mnt/d1/dirty" "$R/mnt/d2/dirty"
	sync -f "$R/mnt/d1/." 2>/dev/null
	echo "$gap $fz"
}

: >"$T/hypervvssd.res"
: >"$T/upstream.res"
i=0
while [ "$i" -lt "$REPEAT" ]; do
	for resp in upstream hypervvssd; do
		r=$(one_run "$resp") || exit 1
		echo "$r" >>"$T/$resp.res"
		printf '  run %d %-10s  writer gap %8s ms   FREEZE reply %8s ms\n' $((i + 1)) "$resp" $r
		if [ -n "${BENCH_RAW:-}" ]; then
			rn=$resp; [ "$rn" = hypervvssd ] && rn=hvguest
			set -- $r
			echo "vss stall $rn $1 ms -1" >>"$BENCH_RAW"
			echo "vss freeze-rep $rn $2 ms -1" >>"$BENCH_RAW"
		fi
	done
	i=$((i + 1))
done
ug=$(cut -d' ' -f1 "$T/upstream.res" | median)
uf=$(cut -d' ' -f2 "$T/upstream.res" | median)
og=$(cut -d' ' -f1 "$T/hypervvssd.res" | median)
of=$(cut -d' ' -f2 "$T/hypervvssd.res" | median)
echo
echo "VSS: writer stall with ${DIRTY_MB} MiB dirty on each of 2 other filesystems (medians of $REPEAT)"
printf '  %-28s %14s %16s\n' responder "writer stall" "FREEZE reply"
printf '  %-28s %11.1f ms %13.1f ms\n' "upstream algorithm" "$ug" "$uf"
printf '  %-28s %11.1f ms %13.1f ms\n' "hypervvssd" "$og" "$of"
awk -v u="$ug" -v o="$og" 'BEGIN { if (o > 0) printf "  stall ratio upstream/hypervvssd: %.1fx (target >= 10x)\n", u / o }'
