#!/bin/sh
# fcopy benchmark (legacy transport): one BENCH_FCOPY_MIB (default 512) MiB
# copy through `hv-hostsim fcopy`, for three responders in the same run on
# the same simulator, the destination on tmpfs for all:
#   hypervfcopyd  ours, fsync at COMPLETE included
#   upstream      Debian's hv_fcopy_daemon under the LD_PRELOAD shim (root:
#                 it may write anywhere, so it runs in a private mount
#                 namespace, like the KVP bench's upstream)
#   null          bench/fcopy-null: answers everything with 0 (the ceiling)
# Median of BENCH_REPEAT (default 3) runs, interleaved. Prints a table and
# the goal (ours >= 95% of null); exits non-zero only if a run failed.
set -u
BUILD=${BUILD:-build}
BUILD=$(cd "$BUILD" && pwd) || exit 1
MIB=${BENCH_FCOPY_MIB:-512}
REPEAT=${BENCH_REPEAT:-3}
RESPONDERS=${BENCH_FCOPY_RESPONDERS:-hypervfcopyd upstream null}
UPSTREAM=${BENCH_FCOPY_UPSTREAM:-/usr/sbin/hv_fcopy_daemon}
HOSTSIM=$BUILD/hv-hostsim
NULLD=$BUILD/bench/fcopy-null
SHIM=$BUILD/bench/vmbus-shim.so
say() { echo "bench-fcopy: $*" >&2; }

base=${TMPDIR:-/tmp}
[ -d /dev/shm ] && [ -w /dev/shm ] && base=/dev/shm
work=$(mktemp -d "$base/hvguest-bench-fcopy.XXXXXX") || exit 1
rpid=
cleanup() {
	[ -n "$rpid" ] && kill -KILL "$rpid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

available=
for r in $RESPONDERS; do
	why=
	case $r in
	hypervfcopyd) [ -x "$BUILD/hypervfcopyd" ] || why="not built" ;;
	null) [ -x "$NULLD" ] || why="$NULLD not built" ;;
	upstream)
		if [ ! -x "$UPSTREAM" ]; then why="$UPSTREAM is missing (Debian hyperv-daemons)"
		elif [ ! -f "$SHIM" ]; then why="$SHIM is not built"
		fi ;;
	*) why="unknown responder" ;;
	esac
	if [ -n "$why" ]; then say "skipping $r: $why"; else available="$available $r"; fi
done

head -c $((MIB * 1024 * 1024)) /dev/urandom >"$work/src" || exit 1
srcsum=$(cksum <"$work/src")

start_responder() { # name sock
	case $1 in
	hypervfcopyd) "$BUILD/hypervfcopyd" -c /dev/null -o fcopy.device="$2" \
		-o fcopy.transport=chardev -o fcopy.allowed_roots=/ & ;;
	null) "$NULLD" "$2" & ;;
	upstream) LD_PRELOAD=$SHIM HVGUEST_SHIM_FCOPY=$2 "$UPSTREAM" -n & ;;
	esac
	rpid=$!
}

failed=0
k=0
while [ $k -lt "$REPEAT" ]; do
	k=$((k + 1))
	for r in $available; do
		d=$work/run.$r.$k
		mkdir "$d" "$d/dest"
		sock=$d/fc.sock
		"$HOSTSIM" fcopy --socket "$sock" --timeout 60 --quiet "$work/src" "$d/dest" >"$d/out" 2>"$d/err" &
		hpid=$!
		i=0
		while [ ! -S "$sock" ] && [ $i -lt 500 ]; do sleep 0.01; i=$((i + 1)); done
		start_responder "$r" "$sock" >"$d/resp.log" 2>&1
		wait "$hpid"
		hrc=$?
		rss=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$rpid/status" 2>/dev/null)
		kill -TERM "$rpid" 2>/dev/null
		wait "$rpid" 2>/dev/null
		rpid=
		mbs=$(sed -n 's/.*mb_per_s=\([0-9.]*\).*/\1/p' "$d/out")
		if [ $hrc -ne 0 ] || [ -z "$mbs" ]; then
			say "$r run $k failed (simulator exit $hrc)"
			sed 's/^/    /' "$d/err" "$d/resp.log" >&2
			failed=1
			echo "$r FAIL" >>"$work/results"
		else
			if [ "$r" != null ] && [ "$(cksum <"$d/dest/src")" != "$srcsum" ]; then
				say "$r run $k: the copy differs from the source"
				failed=1
			fi
			say "$r #$k: $mbs MB/s"
			rn=$r; [ "$rn" = hypervfcopyd ] && rn=hvguest
			[ -z "${BENCH_RAW:-}" ] || echo "fcopy ${MIB}MiB $rn $mbs MB/s ${rss:--1}" >>"$BENCH_RAW"
			echo "$r $mbs" >>"$work/results"
		fi
		rm -rf "$d"
	done
done

echo
echo "fcopy, legacy transport: one $MIB MiB copy, MB/s (median of $REPEAT), destination on $(stat -f -c %T "$work")"
echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -n 1), Linux $(uname -r)"
awk '
	$2 != "FAIL" { v[$1, ++n[$1]] = $2 }
	function med(r,   i, j, t, a, c) {
		c = n[r]; if (!c) return ""
		for (i = 1; i <= c; i++) a[i] = v[r, i]
		for (i = 1; i <= c; i++) for (j = i + 1; j <= c; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		return a[int((c + 1) / 2)]
	}
	END {
		o = med("hypervfcopyd"); u = med("upstream"); z = med("null")
		printf "%-14s %10s\n", "responder", "MB/s"
		printf "%-14s %10s\n", "hypervfcopyd", o == "" ? "-" : o
		printf "%-14s %10s\n", "upstream", u == "" ? "-" : u
		printf "%-14s %10s\n", "null", z == "" ? "-" : z
		if (o != "" && z != "")
			printf "goal: hypervfcopyd/null = %.2f (>= 0.95): %s\n", o / z, (o / z >= 0.95 ? "met" : "MISSED")
		if (o != "" && u != "")
			printf "hypervfcopyd/upstream = %.2f\n", o / u
	}' "$work/results"
exit $failed
