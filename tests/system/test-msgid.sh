#!/bin/sh
# The journal's MESSAGE_IDs (lib/log.h), as an admin queries them with
# journalctl MESSAGE_ID=...: registration, a lost channel and a malformed
# host message, each from the daemon it concerns.
. /opt/hvgsys/tests/lib.sh
hvguest_installed || fail "hvguest is not installed (did test-switch fail?)"

REG=$(msgid REGISTERED)
LOST=$(msgid CHANNEL_LOST)
BAD=$(msgid BAD_MESSAGE)
[ -n "$REG" ] && [ -n "$LOST" ] && [ -n "$BAD" ] || fail "MESSAGE_IDs missing from $HVGSYS/msgids"

# entries ID PROG: this boot's journal entries with MESSAGE_ID=ID from PROG;
# count ID PROG: how many. (PROG is matched by jq: journalctl 252 misses
# entries when --after-cursor is combined with matches.)
entries() {
	journalctl -b -q -o json "MESSAGE_ID=$1" |
		jq -r --arg p "$2" 'select(.SYSLOG_IDENTIFIER == $p) | "\(.SYSLOG_IDENTIFIER) \(.PRIORITY) \(.MESSAGE)"'
}
count() { entries "$@" | wc -l; }
more_than() { [ "$(count "$2" "$3")" -gt "$1" ]; }
# expect NAME ID PROG ACTION...: ACTION makes PROG log one more entry with ID.
expect() {
	_e_name=$1 _e_id=$2 _e_p=$3
	shift 3
	_e_n=$(count "$_e_id" "$_e_p")
	"$@"
	wait_until 10 more_than "$_e_n" "$_e_id" "$_e_p" || fail "no new MESSAGE_ID=$_e_id ($_e_name) from $_e_p"
	entries "$_e_id" "$_e_p" | tail -n 1 | sed "s/^/    $_e_name: /"
}

all_serving
for c in kvp vss fcopy; do
	u=$(unit_of $c)
	expect REGISTERED "$REG" "${u%.service}" systemctl restart "$u"
done
wait_registered kvp vss fcopy
for c in kvp vss fcopy; do
	u=$(unit_of $c)
	expect CHANNEL_LOST "$LOST" "${u%.service}" systemctl stop "hvgsys-host@$c.service"
	serve $c
done
wait_registered kvp vss fcopy

expect BAD_MESSAGE "$BAD" hypervkvpd host_kvp "bad short"
bad_fcopy() {
	systemctl stop hvgsys-host@fcopy.service
	"$HOSTSIM" fcopy --socket "$SOCKDIR/fcopy.sock" --timeout 30 --malformed short-header /tmp 2>&1 |
		sed 's/^/    host: /'
	serve fcopy
}
expect BAD_MESSAGE "$BAD" hypervfcopyd bad_fcopy
log "journalctl MESSAGE_ID= finds each event"
