#!/bin/sh
# Everyone on pool 1 at once: several `hv-kvp set` processes, a cloud-init
# style appender (2560-byte records appended under flock), and hypervkvpd
# storing host SETs from hv-hostsim. Afterwards every record written is
# there exactly once with its value (the shared key with one writer's last
# value), none is torn, and the file is a whole number of records.
. "${HVGUEST_SRC:-.}/tests/integration/lib.sh"
hv_setup hv-kvp hypervkvpd hv-hostsim
command -v flock >/dev/null 2>&1 || hv_skip "flock(1) is not installed (util-linux)"

WRITERS=4 SETS=40 APPENDS=60 HOSTSETS=80
pad=$(printf '%600s' '' | tr ' ' x)
kvp() { "$HVGUEST_BUILD/hv-kvp" -c /dev/null --pool-dir "$T/pools" "$@"; }

kvpd_start
# The daemon is up once the host has registered with it.
hostsim_ok warmup -e "set guest warmup 1" -e "expect-status S_OK"

writer() {
	i=0
	while [ $i -lt $SETS ]; do
		kvp set "w$1-$i" "val-$1-$i-$pad" || echo "w$1-$i failed" >>"$T/errors"
		if [ $((i % 4)) -eq 0 ]; then
			kvp set shared "w$1-$i" || echo "shared w$1-$i failed" >>"$T/errors"
		fi
		i=$((i + 1))
	done
}

appender() {
	i=0
	while [ $i -lt $APPENDS ]; do
		pool_append 1 "ci-$i" "cloud-init-$i-$pad"
		i=$((i + 1))
	done
}

i=0
: >"$T/host.steps"
while [ $i -lt $HOSTSETS ]; do
	printf 'set guest h%d host-%d\nexpect-status S_OK\n' $i $i >>"$T/host.steps"
	i=$((i + 1))
done

hv_log "$WRITERS hv-kvp writers x $SETS, $APPENDS flock appends, $HOSTSETS host SETs, at once"
pids=
w=0
while [ $w -lt $WRITERS ]; do
	writer $w &
	pids="$pids $!"
	w=$((w + 1))
done
appender &
pids="$pids $!"
hostsim hostsets -f "$T/host.steps" >/dev/null &
hpid=$!
for p in $pids; do wait "$p"; done
wait "$hpid" || hv_fail "host SETs failed: $(tail -n 5 "$T/hostsets.err")"
[ ! -s "$T/errors" ] || hv_fail "hv-kvp set failed: $(head -n 5 "$T/errors")"
kvpd_alive

hv_log "checking pool 1"
n=$(pool_count 1)
want=$((WRITERS * SETS + APPENDS + HOSTSETS + 2))
[ "$n" -eq "$want" ] || hv_fail "pool 1 has $n records, expected $want"

kvp --pool guest list >"$T/list" || hv_fail "hv-kvp list failed"
grep -q 'malformed' "$T/list" && hv_fail "a malformed (torn) record"
sed -n 's/^  \([^ ]*\) = .*/\1/p' "$T/list" | sort | uniq -d >"$T/dups"
[ ! -s "$T/dups" ] || hv_fail "keys present twice: $(head -n 3 "$T/dups")"

# Every record with exactly the value written for its key.
{
	w=0
	while [ $w -lt $WRITERS ]; do
		i=0
		while [ $i -lt $SETS ]; do
			echo "  w$w-$i = val-$w-$i-$pad"
			i=$((i + 1))
		done
		w=$((w + 1))
	done
	i=0
	while [ $i -lt $APPENDS ]; do
		echo "  ci-$i = cloud-init-$i-$pad"
		i=$((i + 1))
	done
	i=0
	while [ $i -lt $HOSTSETS ]; do
		echo "  h$i = host-$i"
		i=$((i + 1))
	done
	echo "  warmup = 1"
} | sort >"$T/want"
grep '^  ' "$T/list" | grep -v '^  shared = ' | sort >"$T/got"
cmp -s "$T/want" "$T/got" || {
	diff "$T/want" "$T/got" | head -n 10
	hv_fail "pool 1 does not hold exactly the records written"
}
# The shared key: one writer's last value for it.
shared=$(kvp --pool guest get shared)
last=$(( (SETS - 1) / 4 * 4 ))
case $shared in
w[0-9]-$last) ;;
*) hv_fail "shared = \"$shared\", not a writer's last value (w?-$last)" ;;
esac
echo "$n records, each exactly once and whole"
