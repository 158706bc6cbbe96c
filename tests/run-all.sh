#!/bin/sh
# Runs every test `make check` knows of: unit suites, fuzz-corpus replay,
# integration scripts. Exit 77 from a test means "skipped" (with its reason
# printed). Ends with one summary line, "N passed, N failed, N skipped".
set -u
BUILD=${BUILD:-build}
export BUILD
export HVGUEST_BUILD="$(cd "$BUILD" && pwd)"
export HVGUEST_SRC="$(pwd)"
passed=0 failed=0 skipped=0 failures=""
logdir=$(mktemp -d "${TMPDIR:-/tmp}/hvguest-check.XXXXXX")

run() { # name, command...
	name=$1; shift
	log="$logdir/$(echo "$name" | tr '/ ' '__').log"
	"$@" >"$log" 2>&1
	rc=$?
	case $rc in
	0) passed=$((passed + 1)); echo "PASS: $name" ;;
	77) skipped=$((skipped + 1)); echo "SKIP: $name ($(tail -n 1 "$log"))" ;;
	*) failed=$((failed + 1)); failures="$failures $name"
	   echo "FAIL: $name (exit $rc); last lines of its log:"; tail -n 30 "$log" | sed 's/^/    /' ;;
	esac
}

for t in "$BUILD"/tests/test-*; do
	[ -x "$t" ] || continue
	run "unit/${t##*/}" "$t"
done

for r in "$BUILD"/tests/fuzz-*-replay; do
	[ -x "$r" ] || continue
	n=${r##*/fuzz-}; n=${n%-replay}
	run "fuzz-replay/$n" "$r" "tests/fuzz/corpus/$n"
done

for t in tests/integration/test-*.sh; do
	[ -f "$t" ] || continue
	run "integration/${t##*/}" sh "$t"
done

echo
echo "logs: $logdir"
[ -z "$failures" ] || echo "failed:$failures"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
