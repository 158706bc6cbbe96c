#!/bin/sh
# fcopy benchmark over the UIO transport: one BENCH_FCOPY_MIB (default 512)
# MiB copy through `hv-hostsim fcopy --uio` (the simulated VMBus ring), for
# each responder in the same run, the destination on tmpfs for all:
#   hypervfcopyd  ours, fsync at COMPLETE included
#   null          bench/fcopy-uio-null: the ring, IC framing and interrupts,
#                 answering 0 without doing anything (the ceiling)
# Upstream's hv_fcopy_uio_daemon is not run: it hard-codes the sysfs
# instance path and /dev/uioN, so it cannot be pointed at the simulator.
# Median of BENCH_REPEAT (default 3) runs, interleaved. Prints a table and
# the goal (ours >= 95% of null); exits non-zero only if a run failed.
set -u
BUILD=${BUILD:-build}
BUILD=$(cd "$BUILD" && pwd) || exit 1
MIB=${BENCH_FCOPY_MIB:-512}
REPEAT=${BENCH_REPEAT:-3}
RESPONDERS=${BENCH_FCOPY_UIO_RESPONDERS:-hypervfcopyd null}
HOSTSIM=$BUILD/hv-hostsim
NULLD=$BUILD/bench/fcopy-uio-null
INSTANCE=eb765408-105f-49b6-b4aa-c123b64d17d4
say() { echo "bench-fcopy-uio: $*" >&2; }

base=${TMPDIR:-/tmp}
[ -d /dev/shm ] && [ -w /dev/shm ] && base=/dev/shm
work=$(mktemp -d "$base/hvguest-bench-fcopy-uio.XXXXXX") || exit 1
rpid=
cleanup() {
	[ -n "$rpid" ] && kill -KILL "$rpid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ -x "$HOSTSIM" ] || { say "$HOSTSIM is missing (run 'make bench')"; exit 1; }
available=
for r in $RESPONDERS; do
	why=
	case $r in
	hypervfcopyd) [ -x "$BUILD/hypervfcopyd" ] || why="not built" ;;
	null) [ -x "$NULLD" ] || why="$NULLD not built" ;;
	*) why="unknown responder" ;;
	esac
	if [ -n "$why" ]; then say "skipping $r: $why"; else available="$available $r"; fi
done

head -c $((MIB * 1024 * 1024)) /dev/urandom >"$work/src" || exit 1
srcsum=$(cksum <"$work/src")

# One run: a fresh simulated device in $work/uio, the responder, one copy.
# Prints MB/s, or nothing on failure.
run_one() { # responder
	u=$work/uio
	rm -rf "$u" "$work/dest"
	mkdir -p "$u" "$work/dest"
	case $1 in
	hypervfcopyd) "$BUILD/hypervfcopyd" -c /dev/null -o fcopy.transport=uio \
		-o "fcopy.sysfs_root=$u/sys/bus/vmbus/devices" -o "fcopy.uio_dev_dir=$u/dev" \
		-o fcopy.uio_driver_dir= -o fcopy.allowed_roots=/ 2>>"$work/responder.log" & ;;
	null) "$NULLD" "$u/dev/uio3" "$u/sys/bus/vmbus/devices/$INSTANCE/channels/14/ring" \
		2>>"$work/responder.log" & ;;
	esac
	rpid=$!
	out=$("$HOSTSIM" fcopy --uio "$u" --timeout 60 --quiet "$work/src" "$work/dest" 2>>"$work/hostsim.log")
	rc=$?
	rss=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$rpid/status" 2>/dev/null)
	kill -TERM "$rpid" 2>/dev/null
	wait "$rpid" 2>/dev/null
	rpid=
	# The null responder writes nothing; ours must have written the file whole.
	if [ "$rc" -ne 0 ] ||
		{ [ "$1" != null ] && [ "$(cksum <"$work/dest/src" 2>/dev/null)" != "$srcsum" ]; }; then
		say "$1: run failed (exit $rc)"
		return 1
	fi
	rm -f "$work/dest/src"
	mbs=$(printf '%s\n' "$out" | sed -n 's/.*mb_per_s=\([0-9.]*\).*/\1/p')
	rn=$1; [ "$rn" = hypervfcopyd ] && rn=hvguest
	[ -z "${BENCH_RAW:-}" ] || echo "fcopy-uio ${MIB}MiB $rn $mbs MB/s ${rss:--1}" >>"$BENCH_RAW"
	echo "$mbs"
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }

failed=0
for i in $(seq "$REPEAT"); do
	for r in $available; do
		v=$(run_one "$r") || { failed=1; continue; }
		echo "$v" >>"$work/$r.results"
	done
done

printf 'fcopy over UIO (simulated VMBus ring), %s MiB, median of %s\n' "$MIB" "$REPEAT"
printf '%-14s %10s\n' responder 'MB/s'
for r in $available; do
	m=$([ -f "$work/$r.results" ] && median <"$work/$r.results")
	printf '%-14s %10s\n' "$r" "${m:--}"
	eval "res_$r=\${m:-}"
done
ours=${res_hypervfcopyd:-}
null=${res_null:-}
if [ -n "$ours" ] && [ -n "$null" ]; then
	awk -v o="$ours" -v n="$null" 'BEGIN { p = (n > 0) ? 100 * o / n : 0; m = (p >= 95) ? "met" : "missed";
		printf "goal: hypervfcopyd >= 95%% of null: %.0f%% (%s)\n", p, m }'
fi
exit "$failed"
