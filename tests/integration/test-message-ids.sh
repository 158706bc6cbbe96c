#!/bin/sh
# The journal MESSAGE_IDs of lib/log.h and the man pages agree: every ID a
# daemon can log (from its own sources, lib/hv_link.c when it uses the
# link, lib/log.c for all) is listed under DIAGNOSTICS in its page, every
# ID of lib/log.h is documented, and every ID a page names exists.
set -u
SRC=${HVGUEST_SRC:-.}
cd "$SRC" || exit 1
fail() {
	printf 'FAIL: %s\n' "$*"
	exit 1
}

# NAME ID lines from lib/log.h.
defs=$(sed -n 's/^#define \(HV_MSGID_[A-Z0-9_]*\)[ 	]*"\([^"]*\)".*/\1 \2/p' lib/log.h)
[ -n "$defs" ] || fail "no HV_MSGID_ definitions in lib/log.h"
echo "$defs"
echo "$defs" | while read -r name id; do
	echo "$id" | grep -Eqx '[0-9a-f]{32}' || fail "$name: \"$id\" is not 32 lowercase hex digits"
done || exit 1
dup=$(echo "$defs" | awk '{ print $2 }' | sort | uniq -d)
[ -z "$dup" ] || fail "MESSAGE_ID defined twice: $dup"
id_of() { echo "$defs" | awk -v n="$1" '$1 == n { print $2 }'; }

# The IDs listed in a page's DIAGNOSTICS section (".It Li ID").
page_ids() {
	awk '/^\.Sh / { in_d = ($2 == "DIAGNOSTICS") } in_d && $1 == ".It" && $2 == "Li" { print $3 }' "$1"
}

documented=
for pair in hypervkvpd:kvp hypervvssd:vss hypervfcopyd:fcopy; do
	prog=${pair%%:*}
	dir=daemons/${pair#*:}
	page=man/$prog.8.in
	[ -f "$page" ] || fail "$page is missing"
	listed=$(page_ids "$page")
	[ -n "$listed" ] || fail "$page has no MESSAGE_ID under DIAGNOSTICS"
	srcs="$dir/*.c lib/log.c"
	! grep -q 'hv_link_new' "$dir"/*.c || srcs="$srcs lib/hv_link.c"
	used=$(cat $srcs | grep -o 'HV_MSGID_[A-Z0-9_]*' | sort -u)
	for name in $used; do
		id=$(id_of "$name")
		[ -n "$id" ] || fail "$name is used but not defined in lib/log.h"
		echo "$listed" | grep -qx "$id" || fail "$page does not document $name ($id)"
	done
	for id in $listed; do
		echo "$defs" | awk '{ print $2 }' | grep -qx "$id" ||
			fail "$page documents $id, which lib/log.h does not define"
	done
	echo "$prog: $(echo "$listed" | wc -l | tr -d ' ') MESSAGE_IDs documented"
	documented="$documented $listed"
done

# Any 32-hex word anywhere in the man pages must be a known ID.
for id in $(grep -ohE '\b[0-9a-f]{32}\b' man/*.in | sort -u); do
	echo "$defs" | awk '{ print $2 }' | grep -qx "$id" ||
		fail "the man pages name $id, which lib/log.h does not define"
done
for id in $(echo "$defs" | awk '{ print $2 }'); do
	echo "$documented" | tr ' ' '\n' | grep -qx "$id" || fail "$id (lib/log.h) is in no man page"
done
echo "the MESSAGE_IDs of lib/log.h and the man pages agree"
