#!/bin/sh
# The benchmark harness must keep working: one short run of every op
# against every responder at 100 records. Figures are not checked here
# (performance is reported by `make bench`, never asserted in tests); only
# that each run completes with every reply correct.
. "$HVGUEST_SRC/tests/integration/lib.sh"
hv_setup hypervkvpd hv-hostsim bench/kvp-null bench/mkpool
[ -f "$HVGUEST_BUILD/bench/vmbus-shim.so" ] || hv_skip "the LD_PRELOAD shim is not built (make bench builds it)"

out=$(BUILD="$HVGUEST_BUILD" BENCH_KVP_ONLY=1 BENCH_RECORDS=100 BENCH_REPEAT=1 BENCH_SECONDS=0.2 BENCH_WARMUP=5 \
	sh "$HVGUEST_SRC/bench/run.sh" 2>&1)
rc=$?
printf '%s\n' "$out"
[ "$rc" -eq 0 ] || hv_fail "bench/run.sh exited $rc"
for op in set get enum; do
	printf '%s\n' "$out" | grep -Eq "^$op +100 +[0-9]+ " || hv_fail "no figure for $op at 100 records"
done
printf '%s\n' "$out" | grep -q FAIL && hv_fail "a run failed"
exit 0
