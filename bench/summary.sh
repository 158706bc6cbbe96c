#!/bin/sh
# bench/summary.sh RAW: the one table of `make bench`, across KVP, fcopy and
# VSS, from the per-run figures the individual scripts append to $BENCH_RAW
# (bench/run.sh sets it and calls this at the end). One line a run:
#   BENCH ROW RESPONDER VALUE UNIT RSS_KB
# RESPONDER is hvguest, upstream or null (the transport's ceiling); UNIT is
# ops/s or MB/s (higher is better) or ms or calls (system calls per request; lower is better); RSS_KB is the
# responder's peak RSS (VmHWM) or -1. Each cell shows the median and, below
# BENCH_SUMMARY_SPREAD=0, the spread (min-max) of the runs; the ratios are
# of the medians, oriented so that > 1 means hvguest is better.
set -u
raw=${1:?usage: summary.sh RAW}
[ -s "$raw" ] || { echo "summary: no figures in $raw"; exit 0; }
model=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -n 1)
mem=$(awk '/^MemTotal:/ { printf "%.1f GiB RAM", $2 / 1048576 }' /proc/meminfo)
echo "SUMMARY: hvguest against upstream (Debian hyperv-daemons) and the transport's ceiling (null)"
echo "machine: $(nproc) CPUs, ${model:-unknown CPU}, $mem, Linux $(uname -r), $(hostname 2>/dev/null || echo ?)"
awk '
	function sortv(a, n,   i, j, t) {
		for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
	}
	function fmt(x) { return x >= 100 ? sprintf("%.0f", x) : x >= 10 ? sprintf("%.1f", x) : sprintf("%.2f", x) }
	{
		k = $1 SUBSEP $2
		if (!(k in seen)) { seen[k] = 1; order[++nk] = k; unit[k] = $5 }
		c = k SUBSEP $3
		vals[c, ++n[c]] = $4 + 0
		if ($6 + 0 > rss[c]) rss[c] = $6 + 0
	}
	END {
		printf "%-10s %-12s %-6s %-22s %-22s %-22s %8s %8s %8s %8s %8s\n", "bench", "case", "unit",
			"hvguest med (min-max)", "upstream med (min-max)", "null med (min-max)",
			"/null", "vs upst", "RSS ours", "RSS upst", "RSS null"
		for (i = 1; i <= nk; i++) {
			k = order[i]; split(k, K, SUBSEP)
			line = sprintf("%-10s %-12s %-6s", K[1], K[2], unit[k])
			for (r = 1; r <= 3; r++) {
				resp = r == 1 ? "hvguest" : r == 2 ? "upstream" : "null"
				c = k SUBSEP resp; m = n[c] + 0
				if (!m) { med[resp] = ""; line = line sprintf(" %-22s", "-"); continue }
				delete a
				for (j = 1; j <= m; j++) a[j] = vals[c, j]
				sortv(a, m)
				med[resp] = (m % 2) ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
				line = line sprintf(" %-22s", fmt(med[resp]) " (" fmt(a[1]) "-" fmt(a[m]) ")")
			}
			lower = unit[k] == "ms" || unit[k] == "calls"
			o = med["hvguest"]; u = med["upstream"]; z = med["null"]
			line = line sprintf(" %8s", o != "" && z != "" && z > 0 && o > 0 ? sprintf("%.2f", lower ? z / o : o / z) : "-")
			line = line sprintf(" %8s", o != "" && u != "" && u > 0 && o > 0 ? sprintf("%.2fx", lower ? u / o : o / u) : "-")
			for (r = 1; r <= 3; r++) {
				resp = r == 1 ? "hvguest" : r == 2 ? "upstream" : "null"
				x = rss[k SUBSEP resp]
				line = line sprintf(" %8s", x > 0 ? sprintf("%.1fM", x / 1024) : "-")
			}
			print line
		}
		print "/null: hvguest as a fraction of the ceiling; vs upst: how many times better than upstream"
		print "(for ms and calls rows, lower is better and both are inverted); RSS: the largest peak over the runs."
		print "fcopy-disk: the null column is the durable ceiling, min(null, dd conv=fsync) of each round;"
		print "boot-cpu: the daemon'"'"'s CPU time, start to exit; syscalls: per request, under strace."
	}' "$raw"
# Issue 15's goals for the VSS stall against the number of filesystems
# (bench/vss-levels.sh): at 8, <= 1.5x the stall at 1 and <= 0.25x upstream's.
awk '
	$1 == "vss" && $2 ~ /^stall\/[0-9]+fs$/ { v[$2, $3, ++n[$2, $3]] = $4 + 0 }
	function med(k, r,   m, i, j, t, a) {
		m = n[k, r] + 0
		if (!m) return -1
		for (i = 1; i <= m; i++) a[i] = v[k, r, i]
		for (i = 2; i <= m; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
		return (m % 2) ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
	}
	END {
		o1 = med("stall/1fs", "hvguest"); o8 = med("stall/8fs", "hvguest"); u8 = med("stall/8fs", "upstream")
		if (o1 <= 0 || o8 < 0 || u8 <= 0) exit
		printf "vss goals: stall/8fs / stall/1fs = %.2f (<= 1.5: %s); stall/8fs hvguest / upstream = %.2f (<= 0.25: %s)\n",
			o8 / o1, o8 / o1 <= 1.5 ? "met" : "NOT met", o8 / u8, o8 / u8 <= 0.25 ? "met" : "NOT met"
	}' "$raw"
