#!/bin/sh
# Pool 2: exactly the ten guest intrinsic items, keys in upstream order,
# OSName/OSMajorVersion from os-release, IntegrationServicesVersion from the
# registration reply.
. "${HVGUEST_SRC:-.}/tests/integration/lib.sh"
hv_setup hypervkvpd hv-hostsim
kvpd_start

hostsim_ok intrinsic --is-version "9.8-test" -e intrinsic -e "expect-count 10" \
	-e "expect-status S_CONT" -e "enum 2" -e "expect-count 10"

keys=$(sed -n 's/^  \[[0-9]*\] "\([^"]*\)" = .*/\1/p' "$T/intrinsic.out" | tr '\n' ' ')
want="FullyQualifiedDomainName IntegrationServicesVersion NetworkAddressIPv4 NetworkAddressIPv6 OSBuildNumber OSName OSMajorVersion OSMinorVersion OSVersion ProcessorArchitecture "
[ "$keys" = "$want" ] || hv_fail "intrinsic keys: $keys"

expect_line intrinsic '^  \[1\] "IntegrationServicesVersion" = "9\.8-test"$'
expect_line intrinsic '^  \[5\] "OSName" = "Hostsim Test Linux"$'
expect_line intrinsic '^  \[6\] "OSMajorVersion" = "42\.1"$'
expect_line intrinsic "^  \\[4\\] \"OSBuildNumber\" = \"$(uname -r)\"$"
expect_line intrinsic "^  \\[9\\] \"ProcessorArchitecture\" = \"$(uname -m)\"$"
expect_line intrinsic "^  \\[8\\] \"OSVersion\" = \"$(uname -r | cut -d- -f1)\"$"
# The table form, like Get-VMKvp.
expect_line intrinsic '^INTRINSIC: 10 items$'
expect_line intrinsic '^Name +Data$'
expect_line intrinsic '^OSName +Hostsim Test Linux$'

# Another registration, another version: the daemon must report the new one.
hostsim_ok again --is-version "3.1" -e "enum auto" -e "expect-count 10"
expect_line again '^  \[1\] "IntegrationServicesVersion" = "3\.1"$'

kvpd_alive
echo "intrinsic items as upstream"
