#!/bin/sh
# hv-kvp, every subcommand and exit code: list/get/set/delete/watch/host,
# pools by name and number, --json parsed back with jq (one JSON array for
# list, get and host; JSON Lines for watch), control characters (C0, DEL,
# C1) escaped, the host's limits
# (254 / 1022 UTF-16 units) and invalid UTF-8 refused, lock timeouts, and
# reading what hypervkvpd stored from host SETs (and the other way round).
. "${HVGUEST_SRC:-.}/tests/integration/lib.sh"
hv_setup hv-kvp hypervkvpd hv-hostsim
command -v jq >/dev/null 2>&1 || hv_skip "jq is not installed (needed to parse --json output)"

kvp() { "$HVGUEST_BUILD/hv-kvp" -c /dev/null --pool-dir "$T/pools" "$@"; }

# expect_rc WANT COMMAND...: run hv-kvp, output to $T/out and $T/err.
expect_rc() {
	want=$1
	shift
	kvp "$@" >"$T/out" 2>"$T/err"
	got=$?
	[ "$got" -eq "$want" ] || {
		cat "$T/out" "$T/err"
		hv_fail "hv-kvp $*: exit $got, expected $want"
	}
}
err_has() { grep -Eq -- "$1" "$T/err" || { cat "$T/err"; hv_fail "stderr lacks /$1/"; }; }
out_is() { [ "$(cat "$T/out")" = "$1" ] || hv_fail "output \"$(cat "$T/out")\", expected \"$1\""; }
# one_json_array FILE: FILE is exactly one JSON document, an array (list,
# get and host --json); checked with Python's json.load too when there.
one_json_array() {
	jq -e -s 'length == 1 and (.[0] | type == "array")' "$1" >/dev/null ||
		{ cat "$1"; hv_fail "$1 is not one JSON array"; }
	if command -v python3 >/dev/null 2>&1; then
		python3 -c 'import json, sys; assert isinstance(json.load(sys.stdin), list)' <"$1" ||
			hv_fail "$1: json.load failed"
	fi
}

hv_log "usage errors: exit 2"
expect_rc 2
expect_rc 2 frobnicate
expect_rc 2 --pool 5 list
err_has 'unknown pool "5"'
expect_rc 2 --pool nosuch list
expect_rc 2 get
expect_rc 2 set OnlyKey
expect_rc 2 --bogus list
expect_rc 2 --count 3 list
expect_rc 0 --help
grep -q '^Usage: hv-kvp' "$T/out" || hv_fail "--help prints no usage"

hv_log "a missing pool directory: exit 3, naming it"
"$HVGUEST_BUILD/hv-kvp" -c /dev/null --pool-dir "$T/nowhere" list >"$T/out" 2>"$T/err"
[ $? -eq 3 ] || hv_fail "list of a missing directory did not exit 3"
err_has "$T/nowhere: No such file or directory"

hv_log "set, get, delete; pools by name and by number"
expect_rc 0 set Greeting "hello world"
expect_rc 0 get --pool guest Greeting
out_is "hello world"
expect_rc 0 get --pool 1 Greeting
out_is "hello world"
expect_rc 0 get Greeting
out_is "hello world"
[ "$(pool_count 1)" -eq 1 ] || hv_fail "set did not go to pool 1"
expect_rc 0 --pool external set Ext "from the test"
expect_rc 0 --pool 0 get Ext
out_is "from the test"
expect_rc 1 --pool guest get Ext
err_has 'Ext: not found in pool 1 \(guest\)'
expect_rc 0 set --pool AUTO-INTERNAL Internal 4
[ "$(pool_key 4 0)" = Internal ] || hv_fail "auto-internal is not pool 4"
expect_rc 0 set Greeting "replaced"
[ "$(pool_count 1)" -eq 1 ] || hv_fail "set of an existing key added a record"
[ "$(pool_value 1 0)" = replaced ] || hv_fail "set did not replace the value in place"
expect_rc 0 set -- Negative -5
expect_rc 0 get Negative
out_is "-5"
expect_rc 0 set Empty ""
expect_rc 0 get Empty
out_is ""
expect_rc 0 delete Negative
expect_rc 1 delete Negative
expect_rc 1 get Negative
expect_rc 1 get NoSuchKey
err_has 'NoSuchKey: not found in any pool'

hv_log "limits: 254 / 1022 UTF-16 units, valid UTF-8, no empty key: exit 2"
k254=$(printf '%254s' '' | tr ' ' k)
v1022=$(printf '%1022s' '' | tr ' ' v)
expect_rc 0 set "$k254" "$v1022"
expect_rc 2 set "${k254}k" x
err_has 'key is 255 UTF-16 units long; the host takes at most 254'
expect_rc 2 set big "${v1022}v"
err_has 'value is 1023 UTF-16 units long; the host takes at most 1022'
# 511 emoji = 1022 units (2044 bytes) fit; one more does not.
emoji=$(printf '\360\237\230\200')
v511=$(i=0; while [ $i -lt 511 ]; do printf '%s' "$emoji"; i=$((i + 1)); done)
expect_rc 0 set emoji "$v511"
expect_rc 2 set emoji "$v511$emoji"
err_has '1024 UTF-16 units'
expect_rc 2 set bad "$(printf 'caf\351')"
err_has 'value is not valid UTF-8'
expect_rc 2 set "$(printf '\300\200')" x
err_has 'key is not valid UTF-8'
expect_rc 2 set "" x
expect_rc 2 --pool auto set OSName Evil
err_has 'auto pool'
expect_rc 2 --pool 2 delete OSName

hv_log "list: grouped text; --json parsed back"
pool_append 1 "Ctl" "$(printf 'a\tb\033[31mc')"
expect_rc 0 list
grep -q '^\[1 guest\] ' "$T/out" || hv_fail "no guest header"
grep -q '^\[2 auto\] 10 items' "$T/out" || hv_fail "no auto header"
grep -Fq '  Ctl = a\tb\x1b[31mc' "$T/out" || hv_fail "control characters not escaped"
# C1 controls (U+0080-U+009F) are valid UTF-8, and U+009B is a CSI to a terminal.
pool_append 1 "C1$(printf '\302\205')" "$(printf 'x\302\233' )2J"
expect_rc 0 list
grep -Fq '  C1\u0085 = x\u009b2J' "$T/out" || hv_fail "C1 controls not escaped: $(grep C1 "$T/out")"
! grep -q "$(printf '\302\233')" "$T/out" || hv_fail "a raw C1 control was printed"
expect_rc 0 list --json
one_json_array "$T/out"
jq -e 'length > 10 and all(.[]; has("pool") and has("pool_number") and has("key") and has("value"))' \
	"$T/out" >/dev/null || hv_fail "list --json is not an array of records"
[ "$(jq -r '.[] | select(.key == "Ctl") | .value' "$T/out")" = "$(printf 'a\tb\033[31mc')" ] ||
	hv_fail "JSON escaping did not round-trip"
grep -Fq '"C1\u0085","value":"x\u009b2J"' "$T/out" || hv_fail "C1 controls not \\u-escaped in JSON"
[ "$(jq -r '.[] | select(.key == "C1\u0085") | .value' "$T/out")" = "$(printf 'x\302\2332J')" ] ||
	hv_fail "C1 controls did not round-trip through JSON"
[ "$(jq -r '.[] | select(.key == "emoji") | .value' "$T/out")" = "$v511" ] ||
	hv_fail "UTF-8 did not round-trip through JSON"
[ "$(jq -r '.[] | select(.key == "Ext") | "\(.pool) \(.pool_number)"' "$T/out")" = "external 0" ] ||
	hv_fail "JSON pool name/number wrong"
expect_rc 0 --pool guest list --json
one_json_array "$T/out"
[ "$(jq 'map(.pool) | unique | join(",")' "$T/out")" = '"guest"' ] ||
	hv_fail "--pool guest listed other pools"
mkdir "$T/empty"
"$HVGUEST_BUILD/hv-kvp" -c /dev/null --pool-dir "$T/empty" --pool external list --json >"$T/out" ||
	hv_fail "list --json of an empty pool failed"
out_is "[]"
expect_rc 0 get --json Greeting
one_json_array "$T/out"
[ "$(jq -r 'length, (.[0] | "\(.pool)/\(.index)/\(.key)=\(.value)")' "$T/out" | tr '\n' ' ')" = \
	"1 guest/0/Greeting=replaced " ] || hv_fail "get --json: $(cat "$T/out")"
expect_rc 1 get --json NoSuchKey
out_is ""

hv_log "the auto pool, computed as hypervkvpd reports it"
"$HVGUEST_BUILD/hv-kvp" -c /dev/null -o "kvp.pool_dir=$T/pools" -o "kvp.os_release=$T/os-release" \
	--pool auto list --json >"$T/auto.json" || hv_fail "list --pool auto failed"
one_json_array "$T/auto.json"
[ "$(jq length "$T/auto.json")" -eq 10 ] || hv_fail "auto pool has not 10 items"
[ "$(jq -r '.[] | select(.key == "OSName") | .value' "$T/auto.json")" = "Hostsim Test Linux" ] ||
	hv_fail "auto pool ignores kvp.os_release"
[ "$(jq -r '.[] | select(.index == 9) | .value' "$T/auto.json")" = "$(uname -m)" ] ||
	hv_fail "ProcessorArchitecture is not item 9"
expect_rc 0 get OSBuildNumber
out_is "$(uname -r)"

hv_log "a torn record left by someone's crash is ignored, then overwritten"
head -c 1000 /dev/zero | tr '\0' 'x' >>"$(pool_file 1)"
expect_rc 0 --pool guest list
expect_rc 0 set AfterTear ok
pool_count 1 >/dev/null
expect_rc 0 get AfterTear
out_is ok

hv_log "a lock held elsewhere by a writer: exit 3 after --lock-timeout"
if command -v flock >/dev/null 2>&1; then
	# The holder has the file open for writing (>>), as cloud-init does.
	(
		exec 9>>"$(pool_file 1)"
		flock 9
		sleep 3
	) &
	holder=$!
	sleep 0.3
	expect_rc 3 --lock-timeout 300 set Locked x
	err_has "$(pool_file 1): cannot write: lock not obtained within 300 ms"
	wait "$holder"
	expect_rc 0 set Locked x
fi

# Issue 17: a holder that cannot write the file is in the middle of no write.
if command -v flock >/dev/null 2>&1 && command -v setpriv >/dev/null 2>&1 &&
	[ "$(id -u)" -eq 0 ]; then
	hv_log "a lock held by a user without write access: the write goes ahead"
	chmod 0755 "$T"
	for how in -s -x; do
		setpriv --reuid=65534 --regid=65534 --clear-groups \
			flock "$how" "$(pool_file 1)" sleep 3 &
		holder=$!
		hv_wait 5 sh -c "grep -q ':$(stat -c %i "$(pool_file 1)") ' /proc/locks" ||
			hv_fail "nobody's flock $how never showed in /proc/locks"
		expect_rc 0 --lock-timeout 300 set Locked "by-nobody$how"
		expect_rc 0 get Locked
		out_is "by-nobody$how"
		expect_rc 0 list
		kill "$holder" 2>/dev/null
		wait "$holder" 2>/dev/null
	done
	chmod 0700 "$T"
fi

hv_log "a symlink in a pool's place: refused, its target untouched (exit 3)"
printf 'precious' >"$T/precious"
ln -sfT "$T/precious" "$(pool_file 4)"
expect_rc 3 --pool 4 set Key value
err_has "$(pool_file 4): .*Too many levels of symbolic links"
expect_rc 3 --pool 4 get Key
[ "$(cat "$T/precious")" = precious ] || hv_fail "hv-kvp wrote through a symlinked pool"
rm -f "$(pool_file 4)"

hv_log "config: -c FILE gives kvp.pool_dir"
printf '[kvp]\npool_dir = %s\n' "$T/pools" >"$T/hvguest.conf"
"$HVGUEST_BUILD/hv-kvp" -c "$T/hvguest.conf" get Greeting >"$T/out" || hv_fail "-c FILE not honoured"
out_is replaced
"$HVGUEST_BUILD/hv-kvp" -c "$T/missing.conf" list >/dev/null 2>&1
[ $? -eq 2 ] || hv_fail "a missing -c file did not exit 2"

if [ "$(id -u)" -ne 0 ]; then
	hv_log "no write access: exit 3, saying why"
	chmod 0555 "$T/pools"
	chmod 0444 "$(pool_file 1)"
	expect_rc 3 set X y
	err_has 'Permission denied \(run as root\?\)'
	expect_rc 0 get Greeting
	chmod 0755 "$T/pools"
	chmod 0644 "$(pool_file 1)"
fi

hv_log "watch: added, changed, removed, as text and JSON"
kvp watch --count 3 >"$T/watch.out" 2>"$T/watch.err" &
wpid=$!
kvp --json --pool guest watch --count 3 >"$T/watchj.out" 2>"$T/watchj.err" &
wjpid=$!
hv_wait 5 grep -q watching "$T/watch.err" || hv_fail "watch did not start"
hv_wait 5 grep -q watching "$T/watchj.err" || hv_fail "watch --json did not start"
# watch reports the difference between two reads of the pools, so a change
# made before the previous one was seen is folded into it: make each change
# only once both watchers have printed the one before.
kvp set Watched one
hv_wait 10 grep -q '^+ guest Watched = one$' "$T/watch.out" || hv_fail "watch did not see the add"
hv_wait 10 grep -q '"added"' "$T/watchj.out" || hv_fail "watch --json did not see the add"
kvp set Watched two
hv_wait 10 grep -q '^~ guest Watched = two$' "$T/watch.out" || hv_fail "watch did not see the change"
hv_wait 10 grep -q '"changed"' "$T/watchj.out" || hv_fail "watch --json did not see the change"
kvp delete Watched
wait "$wpid" || hv_fail "watch exited $?"
wait "$wjpid" || hv_fail "watch --json exited $?"
cat "$T/watch.out"
[ "$(cat "$T/watch.out")" = "$(printf '+ guest Watched = one\n~ guest Watched = two\n- guest Watched')" ] ||
	hv_fail "watch printed something else"
# JSON Lines: one object a line, as each change happens.
[ "$(wc -l <"$T/watchj.out")" -eq 3 ] && jq -e -s 'length == 3 and all(.[]; type == "object")' \
	"$T/watchj.out" >/dev/null || hv_fail "watch --json is not one object a line"
[ "$(jq -r '"\(.event) \(.value)"' "$T/watchj.out" | tr '\n' ' ')" = "added one changed two removed two " ] ||
	hv_fail "watch --json: $(cat "$T/watchj.out")"
# Not through the kvp function: $! must be hv-kvp itself, not a subshell.
"$HVGUEST_BUILD/hv-kvp" -c /dev/null --pool-dir "$T/pools" watch >/dev/null 2>"$T/watch2.err" &
wpid=$!
hv_wait 5 grep -q watching "$T/watch2.err" || hv_fail "watch did not start"
kill -TERM "$wpid"
wait "$wpid" || hv_fail "watch did not exit 0 on SIGTERM"
expect_rc 2 --pool auto watch

hv_log "beside hypervkvpd: host SETs read by hv-kvp, hv-kvp writes seen by the host"
kvpd_start
hostsim_ok host -e "set auto-external VirtualMachineName demo-vm" \
	-e "set auto-external HostName HOSTSIM-01" -e "set auto-external VirtualMachineId 1234-abcd" \
	-e "set external HostPushed yes"
expect_rc 0 host
grep -Eq '^VirtualMachineName: +demo-vm$' "$T/out" || hv_fail "host: $(cat "$T/out")"
[ "$(head -n 1 "$T/out" | cut -d: -f1)" = VirtualMachineName ] || hv_fail "host order"
expect_rc 0 host --json
one_json_array "$T/out"
[ "$(jq -r '.[] | select(.key == "HostName") | .value' "$T/out")" = HOSTSIM-01 ] || hv_fail "host --json"
[ "$(jq -r '.[0].key' "$T/out")" = VirtualMachineName ] || hv_fail "host --json order"
expect_rc 0 get HostPushed
out_is yes
expect_rc 0 set ForTheHost "set_by_hv-kvp"
hostsim_ok enum -e "get guest ForTheHost" -e "expect-value set_by_hv-kvp"
kvpd_alive
echo "hv-kvp CLI behaves as documented"
