#!/bin/sh
# fcopy.allowed_roots are opened once, from /, without following symlinks,
# and refused (with a log line saying why) when a directory above them is
# owned by someone else or writable by group or others, /tmp-like sticky
# directories included:
# - /home/nobody/incoming-like: nobody owns the parent and swaps the root
#   for a symlink to a root-only directory between two copies; nothing
#   lands there (before: the second copy did);
# - a root below a 1777 directory, existing or not, is refused;
# - after the parent is given to root, SIGHUP reopens the root and copies
#   land; renaming the root away and putting a symlink in its place
#   afterwards changes nothing: copies go to the directory that was opened.
# Root only (files owned by nobody).
. "${HVGUEST_SRC:-.}/tests/integration/lib.sh"
[ "$(id -u)" -eq 0 ] || hv_skip "needs root (directories owned by another user)"
command -v setpriv >/dev/null 2>&1 || hv_skip "setpriv is missing"
hv_trusted_tmpdir
hv_setup hypervfcopyd hv-hostsim
chmod 0755 "$T"

H=$T/home/nobody
mkdir -p "$H/incoming" "$T/secret" "$T/sticky/drop"
chown -R 65534:65534 "$H"
chmod 0700 "$T/secret"
chmod 1777 "$T/sticky"
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

fcopyd_start "$H/incoming $T/sticky/drop $T/sticky/later"

printf 'payload' >"$T/p"

hv_log "a root whose parent a user owns is refused"
fcopy_hostsim first --expect HV_E_FAIL --name first "$T/p" "$H/incoming" ||
	hv_fail "a copy below a root with a user-owned parent was not refused"
grep -q "refusing $H/incoming: $H is owned by uid 65534" "$T/kvpd.log" ||
	hv_fail "no log line says why $H/incoming is refused"
as_nobody mv "$H/incoming" "$H/old" || hv_fail "nobody cannot rename the root"
as_nobody ln -s "$T/secret" "$H/incoming" || hv_fail "nobody cannot create the symlink"
fcopy_hostsim swapped --expect HV_E_FAIL --name swapped "$T/p" "$H/incoming" ||
	hv_fail "a copy through the swapped root was not refused"
[ -z "$(ls -A "$T/secret")" ] || hv_fail "a copy landed in the root-only directory: $(ls -A "$T/secret")"
[ -z "$(ls -A "$H/old")" ] || hv_fail "a copy landed in the refused root"

hv_log "roots below a 1777 directory are refused, existing or not"
fcopy_hostsim sticky --expect HV_E_FAIL --name s "$T/p" "$T/sticky/drop" ||
	hv_fail "a copy below $T/sticky/drop was not refused"
grep -q "refusing $T/sticky/drop: $T/sticky is writable by group or others (mode 1777)" \
	"$T/kvpd.log" || hv_fail "no log line says why $T/sticky/drop is refused"
as_nobody ln -s "$T/secret" "$T/sticky/later" || hv_fail "nobody cannot create the symlink"
fcopy_hostsim later --expect HV_E_FAIL --name l "$T/p" "$T/sticky/later" ||
	hv_fail "a copy through a root nobody created in $T/sticky was not refused"
[ -z "$(ls -A "$T/secret")" ] || hv_fail "a copy landed in the root-only directory"

hv_log "SIGHUP re-checks the roots; the opened directory is kept until the next one"
rm "$H/incoming"
mv "$H/old" "$H/incoming"
chown 0:0 "$H"
kill -HUP "$KVPD_PID"
n=0
until [ "$(grep -c 'Configuration reloaded' "$T/kvpd.log")" -ge 1 ]; do
	n=$((n + 1))
	[ $n -lt 100 ] || hv_fail "the daemon did not reload"
	sleep 0.1
done
fcopy_hostsim fixed --name fixed "$T/p" "$H/incoming" || hv_fail "a copy into the now trusted root failed"
[ "$(cat "$H/incoming/fixed")" = payload ] || hv_fail "the copy is not in the root"
mv "$H/incoming" "$H/moved"
ln -s "$T/secret" "$H/incoming"
fcopy_hostsim held --name held "$T/p" "$H/incoming" || hv_fail "a copy into the held root failed"
[ -e "$H/moved/held" ] || hv_fail "the copy did not go to the directory that was opened"
[ -z "$(ls -A "$T/secret")" ] || hv_fail "a copy followed the new symlink"
kill -0 "$KVPD_PID" || hv_fail "hypervfcopyd is not running any more"
echo PASS
