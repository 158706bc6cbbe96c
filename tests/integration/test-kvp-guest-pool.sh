#!/bin/sh
# Pool 1 (guest -> host): guest tools such as cloud-init append records to
# .kvp_pool_1 themselves; the host reads them by ENUMERATE. The daemon must
# see records written before it started and while it runs, in file order,
# and the host gets keys and values cut to 254 / 1022 UTF-16 units.
. "${HVGUEST_SRC:-.}/tests/integration/lib.sh"
hv_setup hypervkvpd hv-hostsim

pool_append 1 "PROVISIONING_REPORT" "result=success|agent=Cloud-Init/24.1"
pool_append 1 "Key With Spaces" "Value with spaces"
kvpd_start

hostsim_ok before -e "enum guest" -e "expect-count 2" -e "expect-status S_CONT" \
	-e "get guest PROVISIONING_REPORT" -e "expect-value result=success|agent=Cloud-Init/24.1"
expect_line before '^  \[0\] "PROVISIONING_REPORT" = "result=success\|agent=Cloud-Init/24.1"$'
expect_line before '^  \[1\] "Key With Spaces" = "Value with spaces"$'

# Written while the daemon runs, between two host requests. A guest record may
# hold up to 511 / 2047 bytes, more than the host can take.
longkey=$(printf '%300s' '' | tr ' ' k)
longval=$(printf '%2000s' '' | tr ' ' v)
pool_append 1 "$longkey" "$longval"
pool_append 1 "Ünïcödé" "😀 two units each 😀"
[ "$(pool_count 1)" -eq 4 ] || hv_fail "pool 1 has $(pool_count 1) records, expected 4"

hostsim_ok after -e "enum guest" -e "expect-count 4"
expect_line after '^  \[2\] "k+" = "v+" \(key cut to 254 of 300 UTF-16 units\) \(value cut to 1022 of 2000 UTF-16 units\)$'
expect_line after '^  \[3\] "Ünïcödé" = "😀 two units each 😀"$'
# The host sees exactly 254 and 1022 characters.
k=$(sed -n 's/^  \[2\] "\(k*\)".*/\1/p' "$T/after.out")
v=$(sed -n 's/^  \[2\] "k*" = "\(v*\)".*/\1/p' "$T/after.out")
[ "${#k}" -eq 254 ] || hv_fail "host got a key of ${#k} units, expected 254"
[ "${#v}" -eq 1022 ] || hv_fail "host got a value of ${#v} units, expected 1022"

# The host cannot change what the guest wrote... but it can read it by index
# after a guest tool rewrote the file (cloud-init truncates and rewrites).
head -c $((2560 * 2)) "$(pool_file 1)" >"$T/pool1.new"
cat "$T/pool1.new" >"$(pool_file 1)"
hostsim_ok rewritten -e "enum guest" -e "expect-count 2"

kvpd_alive
echo "pool 1 enumerates what guest tools wrote"
