#!/bin/sh
# hypervfcopyd refuses what it must: symlinks in the destination (the
# directory, the file, a dangling link into /etc), "..", places outside
# fcopy.allowed_roots, and malformed messages; it keeps serving after each.
. "${HVGUEST_SRC:-.}/tests/integration/lib.sh"
hv_trusted_tmpdir
hv_setup hypervfcopyd hv-hostsim

R=$T/root
mkdir -p "$R/real" "$T/outside"
fcopyd_start "$R"


printf 'payload' >"$T/p"
hv_log "destination directory is a symlink"
ln -s "$T/outside" "$R/dirlink"
fcopy_hostsim dirlink --expect HV_E_FAIL --overwrite --create-path --name p "$T/p" "$R/dirlink" ||
	hv_fail "copy through a directory symlink was not refused"
fcopy_hostsim dirlink2 --expect HV_E_FAIL --create-path --name p "$T/p" "$R/dirlink/sub" ||
	hv_fail "copy below a directory symlink was not refused"
[ -z "$(ls -A "$T/outside")" ] || hv_fail "something landed through the symlink"

hv_log "destination file is a symlink"
printf 'keep' >"$T/outside/victim"
ln -s "$T/outside/victim" "$R/real/flink"
fcopy_hostsim flink --expect HV_E_FAIL --overwrite --name flink "$T/p" "$R/real" ||
	hv_fail "overwriting a file symlink was not refused"
[ "$(cat "$T/outside/victim")" = keep ] || hv_fail "the symlink's target was written"

hv_log "dangling symlink into /etc"
ln -s /etc/hvguest-fcopy-test-must-not-exist "$R/real/dangling"
fcopy_hostsim dangling --expect HV_E_FAIL --overwrite --name dangling "$T/p" "$R/real" ||
	hv_fail "overwriting a dangling symlink was not refused"
fcopy_hostsim dangling2 --expect HV_ERROR_ALREADY_EXISTS --name dangling "$T/p" "$R/real" ||
	hv_fail "a dangling symlink without OVER_WRITE is not ALREADY_EXISTS"
[ ! -e /etc/hvguest-fcopy-test-must-not-exist ] || hv_fail "a file was created in /etc"

hv_log ".. and allowed_roots"
fcopy_hostsim dotdot --expect HV_INVALIDARG --name p "$T/p" "$R/real/../real" || hv_fail ".. was not refused"
fcopy_hostsim outside --expect HV_E_FAIL --name p "$T/p" "$T/outside" || hv_fail "outside allowed_roots was not refused"
fcopy_hostsim etc --expect HV_E_FAIL --overwrite --name passwd "$T/p" /etc || hv_fail "/etc was not refused"
fcopy_hostsim inside --name p "$T/p" "$R/real" || hv_fail "a copy inside the root failed"
[ "$(cat "$R/real/p")" = payload ] || hv_fail "the copy inside the root differs"

hv_log "malformed messages"
fcopy_hostsim malformed --malformed short-header,short-start,long-start,name-no-nul,name-bad-utf8,name-dotdot,name-slash,write-oversize,write-short,write-long,write-no-start,complete-no-start,unknown-op,oversized-message "$R/real" ||
	hv_fail "a malformed message was accepted or the daemon stopped serving"
# (A WRITE past file_size is covered by tests/unit/test-fcopy_session.c.)
kill -0 "$KVPD_PID" || hv_fail "hypervfcopyd is not running any more"
[ -z "$(ls -A "$R/real" | grep -v -e '^p$' -e '^flink$' -e '^dangling$')" ] ||
	hv_fail "something was left behind: $(ls -A "$R/real")"
echo PASS
