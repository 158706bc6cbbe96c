#!/bin/sh
# Runs every test `make check` knows of: unit suites, fuzz-corpus replay,
# integration scripts. Exit 77 from a test means "skipped" (with its reason
# printed). Ends with the summary line "N passed, N failed, N skipped",
# then, if anything skipped, one line per kind: "N skipped: need root" (the
# only skips expected as non-root) and "N skipped: other reasons" (none are
# expected: `make check` installs the tools the tests need).
set -u
BUILD=${BUILD:-build}
export BUILD
export HVGUEST_BUILD="$(cd "$BUILD" && pwd)"
export HVGUEST_SRC="$(pwd)"
passed=0 failed=0 skipped=0 failures="" rootskips="" otherskips=""
logdir=$(mktemp -d "${TMPDIR:-/tmp}/hvguest-check.XXXXXX")

run() { # name, command...
	name=$1; shift
	log="$logdir/$(echo "$name" | tr '/ ' '__').log"
	"$@" >"$log" 2>&1
	rc=$?
	case $rc in
	0) passed=$((passed + 1)); echo "PASS: $name" ;;
	77) skipped=$((skipped + 1))
	    why=$(tail -n 1 "$log")
	    case $why in
	    *"needs root"*) rootskips="$rootskips $name" ;;
	    *) otherskips="$otherskips $name" ;;
	    esac
	    echo "SKIP: $name ($why)" ;;
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

# Tests that do not depend on the build flavour run with the plain build
# only (make check), not again under SANITIZE=1 (BUILD=build-san).
flavourless="test-packaging.sh"
notrun=""
for t in tests/integration/test-*.sh; do
	[ -f "$t" ] || continue
	case " $flavourless " in
	*" ${t##*/} "*) if [ "${BUILD##*/}" = build-san ]; then notrun="$notrun ${t##*/}"; continue; fi ;;
	esac
	run "integration/${t##*/}" sh "$t"
done

echo
echo "logs: $logdir"
[ -z "$notrun" ] || echo "not run under SANITIZE=1 (independent of the build; plain 'make check' runs them):$notrun"
[ -z "$failures" ] || echo "failed:$failures"
echo "$passed passed, $failed failed, $skipped skipped"
n() { set -- $1; echo $#; }
[ -z "$rootskips" ] ||
	echo "$(n "$rootskips") skipped: need root (run 'make check' as root to run them):$rootskips"
[ -z "$otherskips" ] ||
	echo "$(n "$otherskips") skipped: other reasons, see SKIP lines above (not expected: 'make check' installs what the tests need; as non-root without sudo it cannot):$otherskips"
[ "$failed" -eq 0 ]
