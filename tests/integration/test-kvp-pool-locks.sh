#!/bin/sh
# The pool files against their real neighbours (issues 12.3 and 17):
# - a pool-1 writer stalled while holding its flock (cloud-init in the
#   middle of an append) does not block the host's ENUMERATE: every intact
#   record is answered, and the pass ends normally;
# - a local user without write access holding a flock or a read lock on a
#   pool cannot stop the host's SET and DELETE (root: the holder runs as
#   nobody through setpriv; skipped otherwise);
# - a symlink in a pool's place is not followed; a FIFO or a directory there
#   at start fails only that pool; a deleted pool directory comes back.
. "${HVGUEST_SRC:-.}/tests/integration/lib.sh"
hv_setup hypervkvpd hv-hostsim
command -v flock >/dev/null 2>&1 || hv_skip "needs flock(1)"

# Pool 3 a FIFO, pool 4 a symlink to a file that must not change: at start.
mkfifo "$(pool_file 3)"
printf 'precious' >"$T/precious"
ln -s "$T/precious" "$(pool_file 4)"
for i in 0 1 2 3 4; do pool_append 1 "Report$i" "value-$i"; done
kvpd_start
hostsim_ok start -e "set external A one" -e "expect-status S_OK" -e "get external A" \
	-e "expect-value one" -e "enum guest" -e "expect-count 5" -e "expect-status S_CONT" \
	-e "set auto-external X y" -e "set auto-internal X y"
kvpd_alive
expect_line start '^SET auto-external "X" = "y": E_FAIL$'
expect_line start '^SET auto-internal "X" = "y": E_FAIL$'
[ "$(cat "$T/precious")" = precious ] || hv_fail "a SET wrote through the .kvp_pool_4 symlink"
grep -q "Cannot open $T/pools/.kvp_pool_3" "$T/kvpd.log" || hv_fail "the bad pool 3 was not logged"
grep -q "Cannot open $T/pools/.kvp_pool_4: Too many levels of symbolic links" "$T/kvpd.log" ||
	hv_fail "the symlinked pool 4 was not logged"
# Repaired while running: served from the next request on.
rm -f "$(pool_file 3)" "$(pool_file 4)"
hostsim_ok repaired -e "set auto-external X y" -e "expect-status S_OK" \
	-e "set auto-internal X y" -e "expect-status S_OK"

hv_log "a pool-1 writer stalled under its flock: ENUMERATE answers every intact record"
(
	exec 9>>"$(pool_file 1)"
	flock 9
	# One whole record, then half of the next, then nothing for 30 s.
	printf 'Stalled' >&9
	dd if=/dev/zero bs=1 count=$((2560 - 7)) 2>/dev/null >&9
	printf 'Half' >&9
	sleep 30
) &
stalled=$!
hv_wait 5 sh -c "[ \$(wc -c <'$(pool_file 1)') -gt $((2560 * 6)) ]" || hv_fail "the writer never wrote"
hostsim_ok stalled -t 20 -e "enum guest" -e "expect-status S_CONT" -e "enum guest" \
	-e "expect-status S_CONT" -e "get guest Report3" -e "expect-value value-3"
for i in 0 1 2 3 4; do
	expect_line stalled "^  \[$i\] \"Report$i\" = \"value-$i\"\$"
done
grep -q 'E_FAIL' "$T/stalled.out" && hv_fail "an ENUMERATE answered E_FAIL under a stalled writer"
kill "$stalled" 2>/dev/null
wait "$stalled" 2>/dev/null
hostsim_ok released -e "enum guest" -e "expect-count 6"
expect_line released '^  \[5\] "Stalled" = ""$'

if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1; then
	hv_log "a local user's lock cannot stop the host's writes"
	chmod 0755 "$T"
	ino=$(stat -c %i "$(pool_file 0)")
	for how in -s -x; do
		setpriv --reuid=65534 --regid=65534 --clear-groups \
			flock "$how" "$(pool_file 0)" sleep 30 &
		holder=$!
		hv_wait 5 sh -c "grep -q ':$ino ' /proc/locks" || hv_fail "nobody's flock $how not held"
		hostsim_ok nobody$how -t 20 -e "set external Held$how yes" -e "expect-status S_OK" \
			-e "delete external A" -e "expect-status S_OK" -e "set external A one" \
			-e "expect-status S_OK" -e "get external Held$how" -e "expect-value yes"
		kill "$holder" 2>/dev/null
		wait "$holder" 2>/dev/null
	done
	grep -q "SET on pool 0: its lock was held only by processes that have the file open read-only" \
		"$T/kvpd.log" || hv_fail "the write past a read-only holder's lock was not logged"
	chmod 0700 "$T"
else
	echo "(lock holders as nobody: skipped, needs root and setpriv)"
fi

hv_log "the pool directory deleted at runtime comes back"
rm -rf "$T/pools"
hostsim_ok recreated -e "set external After yes" -e "expect-status S_OK" -e "get external After" \
	-e "expect-value yes"
[ "$(stat -c %a "$T/pools")" = 755 ] || hv_fail "the pool directory came back as $(stat -c %a "$T/pools")"
[ "$(pool_count 0)" -eq 1 ] || hv_fail "pool 0 has $(pool_count 0) records, expected 1"

hv_log "a symlink put in a pool's place at runtime is not followed"
ln -s "$T/precious" "$T/pools/.kvp_pool_3.tmp"
mv -T "$T/pools/.kvp_pool_3.tmp" "$(pool_file 3)"
hostsim_ok symlink -e "set auto-external Y z"
expect_line symlink '^SET auto-external "Y" = "z": E_FAIL$'
[ "$(cat "$T/precious")" = precious ] || hv_fail "a SET wrote through a .kvp_pool_3 symlink"
kvpd_alive
echo "pool files: stalled writers, read-only lock holders, symlinks, bad files handled"
