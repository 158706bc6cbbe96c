#!/bin/sh
# OVER_WRITE keeps the replaced file's owner, group and permission bits
# (uid 1000, mode 0600 stays so, as upstream keeps them), and its POSIX
# access ACL; the set-user-ID bit is dropped; a new file gets
# fcopy.file_mode and the daemon's owner. Root only (chown).
. "${HVGUEST_SRC:-.}/tests/integration/lib.sh"
[ "$(id -u)" -eq 0 ] || hv_skip "needs root (files owned by another user)"
hv_setup hypervfcopyd hv-hostsim

D=$T/dest
mkdir "$D"
fcopyd_start /

attrs() { stat -c '%u:%g %04a' "$1"; }

printf 'new content' >"$T/src"
printf 'old' >"$D/private"
chown 1000:1000 "$D/private"
chmod 0600 "$D/private"
printf 'old' >"$D/setuid"
chown 1000:1001 "$D/setuid"
chmod 4750 "$D/setuid"

hv_log "a private file of uid 1000 stays private and its owner's"
fcopy_hostsim private --overwrite --name private "$T/src" "$D" || hv_fail "the overwrite failed"
[ "$(cat "$D/private")" = "new content" ] || hv_fail "the content was not replaced"
[ "$(attrs "$D/private")" = "1000:1000 0600" ] ||
	hv_fail "the replaced file is $(attrs "$D/private"), not 1000:1000 0600"

hv_log "the set-user-ID bit does not carry over to new content"
fcopy_hostsim setuid --overwrite --name setuid "$T/src" "$D" || hv_fail "the overwrite failed"
[ "$(attrs "$D/setuid")" = "1000:1001 0750" ] ||
	hv_fail "the replaced file is $(attrs "$D/setuid"), not 1000:1001 0750"

hv_log "a new file: fcopy.file_mode, the daemon's owner"
fcopy_hostsim new --name new "$T/src" "$D" || hv_fail "the copy failed"
[ "$(attrs "$D/new")" = "0:0 0644" ] || hv_fail "the new file is $(attrs "$D/new")"

if command -v setfacl >/dev/null 2>&1 && printf 'old' >"$D/acl" &&
	setfacl -m u:1234:rw "$D/acl" 2>/dev/null; then
	hv_log "the POSIX ACL of the replaced file is kept"
	chmod 0640 "$D/acl" # group bits = the ACL mask: r--
	getfacl -cp "$D/acl" >"$T/acl.before"
	fcopy_hostsim acl --overwrite --name acl "$T/src" "$D" || hv_fail "the overwrite failed"
	getfacl -cp "$D/acl" >"$T/acl.after"
	sed 's/^/    before: /' "$T/acl.before"
	sed 's/^/    after:  /' "$T/acl.after"
	cmp -s "$T/acl.before" "$T/acl.after" || hv_fail "the ACL changed"
	[ "$(attrs "$D/acl")" = "0:0 0640" ] || hv_fail "the ACL file is $(attrs "$D/acl")"
else
	echo "(setfacl missing or no ACLs on this file system: ACL case not run)"
fi
[ -z "$(ls -A "$D" | grep -v -e '^private$' -e '^setuid$' -e '^new$' -e '^acl$')" ] ||
	hv_fail "something was left behind: $(ls -A "$D")"
echo PASS
