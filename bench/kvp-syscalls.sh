#!/bin/sh
# System calls per KVP request (a figure the machine's load does not move):
# hypervkvpd under `strace -f -c`-style counting (strace -o, one line a call)
# answering N1 and then N2 requests of each op from hv-hostsim bench on a
# pool of 100 records; (calls(N2) - calls(N1)) / (N2 - N1) removes start-up
# and shutdown. Prints "op calls_per_op" lines and a table; appends
# "syscalls OP hvguest X calls -1" to $BENCH_RAW.
# Goal (report only): SET <= 9, GET and ENUMERATE <= 4.
# Used by tests/integration/test-kvp-syscalls.sh (BENCH_SYSCALLS_OPS, _N1, _N2).
set -u
BUILD=${BUILD:-build}
BUILD=$(cd "$BUILD" && pwd) || exit 1
OPS=${BENCH_SYSCALLS_OPS:-set get enum}
N1=${BENCH_SYSCALLS_N1:-50}
N2=${BENCH_SYSCALLS_N2:-250}
say() { echo "bench-syscalls: $*" >&2; }
command -v strace >/dev/null 2>&1 || { say "skipped: strace is missing"; exit 0; }
work=$(mktemp -d "${TMPDIR:-/tmp}/hvguest-bench-sc.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

calls() { # op count -> number of system calls the daemon made
	d=$work/r; rm -rf "$d"; mkdir -p "$d/pool"
	"$BUILD/bench/mkpool" "$d/pool/.kvp_pool_0" 100 || return 1
	"$BUILD/hv-hostsim" bench --socket "$d/s" --op "$1" --records 100 --count "$2" \
		--warmup 0 --accept-timeout 60 >"$d/out" 2>"$d/err" &
	h=$!
	i=0
	while [ ! -S "$d/s" ] && [ $i -lt 500 ]; do sleep 0.01; i=$((i + 1)); done
	strace -f -qq -o "$d/trace" "$BUILD/hypervkvpd" -c /dev/null -o kvp.device="$d/s" \
		-o kvp.pool_dir="$d/pool" 2>"$d/resp" &
	s=$!
	wait "$h" || { say "$1: the simulator failed"; cat "$d/err" >&2; kill "$s"; return 1; }
	# strace passes SIGTERM on to nobody: end the daemon itself, by its pid.
	p=$(sed -n 's/.*peer_pid=\([0-9]*\).*/\1/p' "$d/out")
	[ -n "$p" ] && kill -TERM "$p"
	wait "$s"
	wc -l <"$d/trace"
}

: >"$work/res"
for op in $OPS; do
	a=$(calls "$op" "$N1") && b=$(calls "$op" "$N2") || exit 1
	x=$(awk -v a="$a" -v b="$b" -v n=$((N2 - N1)) 'BEGIN { printf "%.2f", (b - a) / n }')
	echo "$op $x" >>"$work/res"
	echo "calls $op $x"
	[ -z "${BENCH_RAW:-}" ] || echo "syscalls $op hvguest $x calls -1" >>"$BENCH_RAW"
done
echo
echo "hypervkvpd system calls per request (pool of 100 records; $N2 minus $N1 requests)"
awk '{ g = $1 == "set" ? 9 : 4
	printf "  %-5s %6s  (goal <= %d): %s\n", $1, $2, g, $2 <= g ? "met" : "MISSED" }' "$work/res"
