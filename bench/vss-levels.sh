#!/bin/sh
# `make bench` part for VSS: the stall of an application whose own
# filesystem is frozen (the usual case: one data disk), against the number
# of filesystems frozen with it. A process writes continuously to /mnt/w;
# BENCH_VSS_LEVELS_DIRTY_MB (default 32) MiB sit unsynced on each of the
# other filesystems; the simulated host sends FREEZE and, at once, THAW.
# Figure: the writer's stall, at 1, 2, 4 and 8 ext4 loop filesystems
# (BENCH_VSS_LEVELS_COUNTS), /mnt/w mounted first (so upstream, walking the
# mounts in order, freezes it first). The stall is the longest time the
# writer slept in the kernel between two completed writes (bench/vss-writer.c:
# the gap less the time it waited for a CPU): on a shared machine the plain
# longest gap is as often a moment without a CPU as the freeze (a writer
# alone shows 20-30 ms gaps under load); that gap is printed too.
# Medians of BENCH_VSS_REPEAT runs (default 5), responders alternating:
#   hypervvssd  syncfs of every target at once, then FIFREEZE of each
#               dependency level at once (here: one level)
#   upstream    upstream hv_vss_daemon's algorithm (bench/vss-upstream.c):
#               FIFREEZE one mount after the other, with no flush first
# Goals (issue 15): hypervvssd's stall at 8 <= 1.5x its stall at 1, and
# <= 0.25x upstream's at 8. Root only (exit 0 with a note otherwise); loop
# filesystems on a private tmpfs, in a private mount namespace, responders
# chrooted into a tmpfs holding only the test mounts (as the tests do).
set -u
HVGUEST_SRC=${HVGUEST_SRC:-$(pwd)}
BUILD=${BUILD:-build}
HVGUEST_BUILD=$(cd "$BUILD" && pwd) || exit 1
export HVGUEST_SRC HVGUEST_BUILD
REPEAT=${BENCH_VSS_REPEAT:-5}
DIRTY_MB=${BENCH_VSS_LEVELS_DIRTY_MB:-32}
COUNTS=${BENCH_VSS_LEVELS_COUNTS:-1 2 4 8}
WRITE_S=${BENCH_VSS_LEVELS_SECONDS:-2.5}

. "$HVGUEST_SRC/bench/vss-lib.sh"
vss_bench_setup "vss levels" "$@"
# BENCH_VSS_BEFORE=PATH: another hypervvssd binary (an older build) as a
# third responder, "before", to measure a change in the same run.
if [ -n "${BENCH_VSS_BEFORE:-}" ]; then
	vss_copy_prog "$BENCH_VSS_BEFORE" /bin/hypervvssd-before
	BENCH_VSS_LEVELS_RESPONDERS=${BENCH_VSS_LEVELS_RESPONDERS:-upstream before hypervvssd}
fi
max=0
for n in $COUNTS; do [ "$n" -gt "$max" ] && max=$n; done
vss_image w ext4 64
i=1
while [ "$i" -lt "$max" ]; do
	vss_image "d$i" ext4 $((DIRTY_MB + 64))
	i=$((i + 1))
done

one_run() { # responder count -> "blocked_ms gap_ms"
	mounts=/mnt/w
	i=1
	while [ "$i" -lt "$2" ]; do
		dd if=/dev/zero of="$R/mnt/d$i/dirty" bs=1M count="$DIRTY_MB" 2>/dev/null
		mounts="$mounts /mnt/d$i"
		i=$((i + 1))
	done
	vss_bench_round "$1" "$mounts" "$WRITE_S"
	i=1
	while [ "$i" -lt "$2" ]; do
		rm -f "$R/mnt/d$i/dirty"
		sync -f "$R/mnt/d$i/." 2>/dev/null
		i=$((i + 1))
	done
	b=$(sed -n 's/^max_blocked_ms=\([0-9.]*\).*/\1/p' "$T/writer.out")
	g=$(sed -n 's/^max_gap_ms=\([0-9.]*\).*/\1/p' "$T/writer.out")
	[ -n "$b" ] || hv_fail "no max_blocked_ms from the writer (no /proc/thread-self/schedstat?)"
	echo "$b $g"
}

for n in $COUNTS; do : >"$T/hypervvssd.$n"; : >"$T/upstream.$n"; : >"$T/before.$n"; done
k=0
while [ "$k" -lt "$REPEAT" ]; do
	for n in $COUNTS; do
		for resp in ${BENCH_VSS_LEVELS_RESPONDERS:-upstream hypervvssd}; do
			r=$(one_run "$resp" "$n") || exit 1
			echo "$r" >>"$T/$resp.$n"
			set -- $r
			printf '  run %d %dfs %-10s  writer stall %8s ms   longest gap %8s ms\n' \
				$((k + 1)) "$n" "$resp" "$1" "$2"
			if [ -n "${BENCH_RAW:-}" ] && [ "$resp" != before ]; then
				rn=$resp; [ "$rn" = hypervvssd ] && rn=hvguest
				echo "vss stall/${n}fs $rn $1 ms -1" >>"$BENCH_RAW"
			fi
		done
	done
	k=$((k + 1))
done
echo
echo "VSS: the writer's stall on its own frozen filesystem, against how many are frozen"
echo "(${DIRTY_MB} MiB unsynced on each other one; medians of $REPEAT)"
printf '  %-12s %14s %14s %10s   %s\n' filesystems hypervvssd upstream "upst/ours" \
	"longest gap: hypervvssd, upstream"
for n in $COUNTS; do
	o=$(cut -d' ' -f1 "$T/hypervvssd.$n" | median)
	u=$(cut -d' ' -f1 "$T/upstream.$n" | median)
	og=$(cut -d' ' -f2 "$T/hypervvssd.$n" | median)
	ug=$(cut -d' ' -f2 "$T/upstream.$n" | median)
	if [ -s "$T/before.$n" ]; then
		echo "  $n before: $(cut -d' ' -f1 "$T/before.$n" | median) ms" >>"$T/before"
	fi
	echo "$n $o $u" >>"$T/table"
	printf '  %-12s %11.1f ms %11.1f ms %9.1fx   %8.1f ms %8.1f ms\n' "$n" "$o" "$u" \
		"$(awk -v o="$o" -v u="$u" 'BEGIN { print (o > 0 ? u / o : 0) }')" "$og" "$ug"
done
awk '{ o[$1] = $2; u[$1] = $3; if (!lo || $1 < lo) lo = $1; if ($1 > hi) hi = $1 }
	END {
		if (lo == hi || o[lo] <= 0 || u[hi] <= 0) exit
		a = o[hi] / o[lo]; b = o[hi] / u[hi]
		printf "  goal: stall at %d / stall at %d = %.2f (<= 1.5: %s); at %d, hypervvssd / upstream = %.2f (<= 0.25: %s)\n",
			hi, lo, a, a <= 1.5 ? "met" : "NOT met", hi, b, b <= 0.25 ? "met" : "NOT met"
	}' "$T/table"
[ ! -s "$T/before" ] || { echo "  stall of $BENCH_VSS_BEFORE:"; cat "$T/before"; }
