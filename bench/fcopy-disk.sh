#!/bin/sh
# fcopy to a disk filesystem: one BENCH_FCOPY_DISK_MIB (default 256) MiB copy
# through `hv-hostsim fcopy` (legacy transport) into a directory on the
# build directory's filesystem (BENCH_FCOPY_DISK_DIR to choose another; it
# should be a disk, not tmpfs: the table says which it was), against the
# durable ceiling: the smaller of
#   null  bench/fcopy-null (the transport's rate, nothing written) and
#   dd    `dd bs=1M conv=fsync` of the same file to the same directory
# measured in the same run. hypervfcopyd (fsync at COMPLETE included) and
# upstream's hv_fcopy_daemon (under the LD_PRELOAD shim) are timed too;
# the four alternate, median of BENCH_REPEAT (default 3).
# Goal (report only): hypervfcopyd >= 0.9 x the ceiling. Appends
# "fcopy-disk SIZE RESPONDER MB/s" rows to $BENCH_RAW, the ceiling as "null".
set -u
BUILD=${BUILD:-build}
BUILD=$(cd "$BUILD" && pwd) || exit 1
MIB=${BENCH_FCOPY_DISK_MIB:-256}
REPEAT=${BENCH_REPEAT:-3}
UPSTREAM=${BENCH_FCOPY_UPSTREAM:-/usr/sbin/hv_fcopy_daemon}
HOSTSIM=$BUILD/hv-hostsim
NULLD=$BUILD/bench/fcopy-null
SHIM=$BUILD/bench/vmbus-shim.so
say() { echo "bench-fcopy-disk: $*" >&2; }
base=${BENCH_FCOPY_DISK_DIR:-$BUILD}
work=$(mktemp -d "$base/hvguest-bench-fcopy-disk.XXXXXX") || exit 1
rpid=
trap '[ -n "$rpid" ] && kill -KILL "$rpid" 2>/dev/null; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
fstype=$(stat -f -c %T "$work")
dev=$(findmnt -n -o SOURCE -T "$work" 2>/dev/null || echo ?)

runs="hypervfcopyd null dd"
if [ -x "$UPSTREAM" ] && [ -f "$SHIM" ]; then runs="$runs upstream"; else say "skipping upstream: $UPSTREAM or $SHIM missing"; fi
# The source stays in the page cache (read back once first): only the
# destination's writes are measured.
head -c $((MIB * 1024 * 1024)) /dev/urandom >"$work/src" || exit 1
cat "$work/src" >/dev/null
bytes=$((MIB * 1024 * 1024))

: >"$work/res"
failed=0
k=0
while [ $k -lt "$REPEAT" ]; do
	k=$((k + 1))
	for r in $runs; do
		d=$work/run
		rm -rf "$d"; mkdir -p "$d/dest"
		sync
		if [ "$r" = dd ]; then
			t0=$(date +%s%N)
			dd if="$work/src" of="$d/dest/src" bs=1M conv=fsync 2>/dev/null || { failed=1; continue; }
			t1=$(date +%s%N)
			mbs=$(awk -v b=$bytes -v t=$((t1 - t0)) 'BEGIN { printf "%.1f", b / 1e6 / (t / 1e9) }')
		else
			sock=$d/fc.sock
			"$HOSTSIM" fcopy --socket "$sock" --timeout 120 --quiet "$work/src" "$d/dest" >"$d/out" 2>"$d/err" &
			hpid=$!
			i=0
			while [ ! -S "$sock" ] && [ $i -lt 500 ]; do sleep 0.01; i=$((i + 1)); done
			case $r in
			hypervfcopyd) "$BUILD/hypervfcopyd" -c /dev/null -o fcopy.device="$sock" \
				-o fcopy.transport=chardev -o fcopy.allowed_roots=/ >"$d/resp" 2>&1 & ;;
			null) "$NULLD" "$sock" >"$d/resp" 2>&1 & ;;
			upstream) LD_PRELOAD=$SHIM HVGUEST_SHIM_FCOPY=$sock "$UPSTREAM" -n >"$d/resp" 2>&1 & ;;
			esac
			rpid=$!
			wait "$hpid"; hrc=$?
			kill -TERM "$rpid" 2>/dev/null; wait "$rpid" 2>/dev/null; rpid=
			mbs=$(sed -n 's/.*mb_per_s=\([0-9.]*\).*/\1/p' "$d/out")
			if [ $hrc -ne 0 ] || [ -z "$mbs" ]; then
				say "$r run $k failed (simulator exit $hrc)"; sed 's/^/    /' "$d/err" "$d/resp" >&2
				failed=1; continue
			fi
			if [ "$r" != null ] && ! cmp -s "$work/src" "$d/dest/src"; then
				say "$r run $k: the copy differs from the source"; failed=1
			fi
		fi
		say "$r #$k: $mbs MB/s"
		echo "$k $r $mbs" >>"$work/res"
	done
done
rm -rf "$work/run"
# Per run: the ceiling is min(null, dd) of that round.
awk -v raw="${BENCH_RAW:-}" -v size="${MIB}MiB" '
	{ v[$1, $2] = $3; if ($1 > K) K = $1 }
	END {
		for (k = 1; k <= K; k++) {
			if ((k, "null") in v && (k, "dd") in v) {
				c = v[k, "null"] < v[k, "dd"] ? v[k, "null"] : v[k, "dd"]
				if (raw != "") print "fcopy-disk " size " null " c " MB/s -1" >>raw
			}
			if (raw != "" && (k, "hypervfcopyd") in v) print "fcopy-disk " size " hvguest " v[k, "hypervfcopyd"] " MB/s -1" >>raw
			if (raw != "" && (k, "upstream") in v) print "fcopy-disk " size " upstream " v[k, "upstream"] " MB/s -1" >>raw
		}
	}' "$work/res"
echo
echo "fcopy to disk: one $MIB MiB copy, MB/s (median of $REPEAT, interleaved), destination $fstype on $dev"
awk '
	{ n[$2]++; v[$2, n[$2]] = $3; r[$1, $2] = $3; if ($1 > K) K = $1 }
	function med(x,   i, j, t, a, m) {
		m = n[x]; if (!m) return ""
		for (i = 1; i <= m; i++) a[i] = v[x, i]
		for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		return a[int((m + 1) / 2)]
	}
	END {
		for (k = 1; k <= K; k++) if ((k, "null") in r && (k, "dd") in r) {
			n["ceiling"]++; v["ceiling", n["ceiling"]] = r[k, "null"] < r[k, "dd"] ? r[k, "null"] : r[k, "dd"]
		}
		split("hypervfcopyd upstream null dd ceiling", R, " ")
		for (i = 1; i <= 5; i++) { m = med(R[i]); printf "  %-13s %10s\n", R[i], m == "" ? "-" : m }
		o = med("hypervfcopyd"); c = med("ceiling")
		if (o != "" && c != "")
			printf "goal: hypervfcopyd / durable ceiling (min of null, dd conv=fsync) = %.2f (>= 0.90): %s\n", o / c, (o / c >= 0.9 ? "met" : "MISSED")
	}' "$work/res"
exit $failed
