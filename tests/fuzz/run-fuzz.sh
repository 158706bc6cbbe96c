#!/bin/sh
# Runs each libFuzzer target given for FUZZ_SECONDS (default 60) from its
# committed seed corpus. New inputs go to a scratch directory, never into
# the committed corpus; a crash is saved under build-fuzz/crashes/ and
# should be committed to tests/fuzz/corpus/NAME/ as a regression input.
# Ends with a table: executions, executions per second, new coverage
# inputs, peak RSS and the result of every target.
set -u
secs=${FUZZ_SECONDS:-60}
failed=0
mkdir -p build-fuzz/crashes
table=$(mktemp "${TMPDIR:-/tmp}/hvguest-fuzz-table.XXXXXX")
stat() { # NAME LOG
	sed -n "s/^stat::$1: *//p" "$2" | tail -n 1
}
for bin in "$@"; do
	name=${bin##*/fuzz-}
	scratch=$(mktemp -d "${TMPDIR:-/tmp}/hvguest-fuzz-$name.XXXXXX")
	log=build-fuzz/$name.log
	echo "== fuzz-$name for ${secs}s"
	if "$bin" -max_total_time="$secs" -print_final_stats=1 \
		-artifact_prefix="build-fuzz/crashes/$name-" "$scratch" "tests/fuzz/corpus/$name" \
		>"$log" 2>&1; then
		result=ok
		grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$log" | sed 's/^/   /'
	else
		result=CRASH
		failed=$((failed + 1))
		echo "   CRASH: see $log and build-fuzz/crashes/"
		tail -n 30 "$log" | sed 's/^/   /'
	fi
	execs=$(stat number_of_executed_units "$log")
	rate=$(stat average_exec_per_sec "$log")
	new=$(stat new_units_added "$log")
	rss=$(stat peak_rss_mb "$log")
	printf '%-16s %12s %10s %8s %8s  %s\n' "$name" "${execs:-?}" "${rate:-?}" "${new:-?}" \
		"${rss:-?}" "$result" >>"$table"
	rm -rf "$scratch"
done
echo
printf '%-16s %12s %10s %8s %8s  %s\n' target executions exec/s new_units rss_mb result
cat "$table"
total=$(awk '$2 ~ /^[0-9]+$/ { s += $2 } END { print s + 0 }' "$table")
echo "$# targets, ${secs}s each, $total executions, $failed crashed"
rm -f "$table"
[ "$failed" -eq 0 ]
