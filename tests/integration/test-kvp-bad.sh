#!/bin/sh
# Malformed host messages: each gets an error status (INVALIDARG or E_FAIL),
# touches no pool file, and the daemon keeps serving.
. "${HVGUEST_SRC:-.}/tests/integration/lib.sh"
hv_setup hypervkvpd hv-hostsim
kvpd_start

kinds="short long pool op keysize keynul nonul valuesize badutf8 emptykey"
args=""
for k in $kinds; do
	args="$args -e \"bad $k\""
done
eval "hostsim_ok bad -e \"set external Keep Me\" $args -e \"get external Keep\" -e \"expect-value Me\""

for k in $kinds; do
	expect_line bad "^BAD $k \([0-9]+ bytes\): (INVALIDARG|E_FAIL), daemon still serving$"
done
[ "$(pool_count 0)" -eq 1 ] || hv_fail "pool 0 has $(pool_count 0) records, expected 1"
for n in 1 2 3 4; do
	[ "$(pool_count $n)" -eq 0 ] || hv_fail "pool $n has $(pool_count $n) records"
done
kvpd_alive

# A step naming an unknown status or kind is a usage error (exit 2) before
# anything is sent.
hostsim usage -e "bad nosuchkind"
[ "$hs_rc" -eq 2 ] || hv_fail "unknown bad kind: exit $hs_rc, expected 2"
# A failed expectation is exit 1, and the daemon does not care.
hostsim wrong -e "get external Keep" -e "expect-value NotMe"
[ "$hs_rc" -eq 1 ] || hv_fail "failed expectation: exit $hs_rc, expected 1"
expect_line wrong '^EXPECT value "NotMe": FAILED, got "Me"$'

kvpd_alive
echo "malformed messages are refused and the daemon keeps serving"
