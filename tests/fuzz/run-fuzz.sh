#!/bin/sh
# Runs each libFuzzer target given for FUZZ_SECONDS (default 60) from its
# committed seed corpus. New inputs go to a scratch directory, never into
# the committed corpus; a crash is saved under build-fuzz/crashes/ and
# should be committed to tests/fuzz/corpus/NAME/ as a regression input.
set -u
secs=${FUZZ_SECONDS:-60}
failed=0
mkdir -p build-fuzz/crashes
for bin in "$@"; do
	name=${bin##*/fuzz-}
	scratch=$(mktemp -d "${TMPDIR:-/tmp}/hvguest-fuzz-$name.XXXXXX")
	echo "== fuzz-$name for ${secs}s"
	if "$bin" -max_total_time="$secs" -print_final_stats=1 \
		-artifact_prefix="build-fuzz/crashes/$name-" "$scratch" "tests/fuzz/corpus/$name" \
		>"build-fuzz/$name.log" 2>&1; then
		grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "build-fuzz/$name.log" | sed 's/^/   /'
	else
		failed=$((failed + 1))
		echo "   CRASH: see build-fuzz/$name.log and build-fuzz/crashes/"
		tail -n 30 "build-fuzz/$name.log" | sed 's/^/   /'
	fi
	rm -rf "$scratch"
done
[ "$failed" -eq 0 ]
