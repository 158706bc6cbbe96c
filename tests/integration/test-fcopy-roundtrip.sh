#!/bin/sh
# hypervfcopyd over the legacy transport (a socket standing in for
# /dev/vmbus/hv_fcopy), driven by `hv-hostsim fcopy`: round trips with
# checksums (0, 1, 6143, 6144, 6145 bytes and 100 MiB), UTF-8 names, the
# OVER_WRITE / CREATE_PATH matrix, and CANCEL midway leaving nothing.
. "${HVGUEST_SRC:-.}/tests/integration/lib.sh"
hv_trusted_tmpdir
hv_setup hypervfcopyd hv-hostsim
command -v sha256sum >/dev/null 2>&1 || hv_skip "sha256sum is missing"

D=$T/dest
mkdir "$D"
fcopyd_start "$T"
FC_TIMEOUT=60 # fcopy_hostsim's --timeout: one of the copies is 100 MiB

sum() { sha256sum <"$1" | cut -d' ' -f1; }

hv_log "round trips"
for size in 0 1 6143 6144 6145 104857600; do
	head -c "$size" /dev/urandom >"$T/src.$size"
	fcopy_hostsim "copy$size" "$T/src.$size" "$D" || hv_fail "copy of $size bytes failed"
	[ "$(sum "$T/src.$size")" = "$(sum "$D/src.$size")" ] || hv_fail "$size bytes: checksum differs"
	[ "$(stat -c %a "$D/src.$size")" = 644 ] || hv_fail "$size bytes: mode $(stat -c %a "$D/src.$size")"
done
rm -f "$T/src.104857600" "$D/src.104857600"

hv_log "names arrive intact"
for n in 'café.txt' '日本語.txt' 'smile-😀.bin'; do
	fcopy_hostsim utf8 --name "$n" "$T/src.6145" "$D" || hv_fail "copy to \"$n\" failed"
	cmp -s "$T/src.6145" "$D/$n" || hv_fail "\"$n\" missing or different"
done

hv_log "OVER_WRITE / CREATE_PATH matrix"
fcopy_hostsim exists --expect HV_ERROR_ALREADY_EXISTS "$T/src.1" "$D" || hv_fail "existing file without OVER_WRITE"
cmp -s "$T/src.1" "$D/src.1" || hv_fail "existing file changed"
printf old >"$D/old"
fcopy_hostsim over --overwrite --name old "$T/src.6143" "$D" || hv_fail "OVER_WRITE failed"
cmp -s "$T/src.6143" "$D/old" || hv_fail "OVER_WRITE did not replace the file"
fcopy_hostsim nodir --expect HV_E_FAIL "$T/src.1" "$D/a/b/c" || hv_fail "missing directory without CREATE_PATH"
[ ! -e "$D/a" ] || hv_fail "a directory was created without CREATE_PATH"
fcopy_hostsim mkdirs --create-path "$T/src.1" "$D/a/b/c" || hv_fail "CREATE_PATH failed"
cmp -s "$T/src.1" "$D/a/b/c/src.1" || hv_fail "CREATE_PATH copy differs"
[ "$(stat -c %a "$D/a/b")" = 755 ] || hv_fail "created directory mode $(stat -c %a "$D/a/b")"
fcopy_hostsim both --create-path --overwrite "$T/src.6144" "$D/a/b/c" || hv_fail "both flags failed"
cmp -s "$T/src.6144" "$D/a/b/c/src.6144" || hv_fail "both flags: copy differs"

hv_log "CANCEL midway leaves nothing"
head -c 1000000 /dev/urandom >"$T/big"
before=$(ls -A "$D" | wc -l)
fcopy_hostsim cancel --cancel-after 50 "$T/big" "$D" || hv_fail "cancelled copy failed"
[ ! -e "$D/big" ] || hv_fail "a cancelled copy left $D/big"
[ "$(ls -A "$D" | wc -l)" = "$before" ] || hv_fail "a cancelled copy left something: $(ls -A "$D")"
fcopy_hostsim cancel-over --cancel-after 50 --overwrite --name old "$T/big" "$D" || hv_fail "cancelled overwrite failed"
cmp -s "$T/src.6143" "$D/old" || hv_fail "a cancelled overwrite changed the old file"

hv_log "SIGTERM midway leaves nothing"
"$HVGUEST_BUILD/hv-hostsim" fcopy --socket "$T/fc.sock" --timeout 5 --stall-after 20 \
	--name term "$T/big" "$D" >"$T/term.out" 2>&1 &
HOSTSIM_PID=$!
hv_wait 10 grep -q stalled "$T/term.out" || hv_fail "the copy did not get under way"
kill -TERM "$KVPD_PID"
wait "$KVPD_PID"
KVPD_PID=
kill "$HOSTSIM_PID"
wait "$HOSTSIM_PID"
HOSTSIM_PID=
[ "$(ls -A "$D" | wc -l)" = "$before" ] || hv_fail "SIGTERM left something: $(ls -A "$D")"
grep -q 'cancelled: the daemon is stopping' "$T/kvpd.log" || hv_fail "the daemon did not cancel on SIGTERM"
echo "PASS"
