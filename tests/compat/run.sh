#!/bin/sh
# Differential compatibility tests (`make check-compat`): the same host
# scenarios replayed against our daemons and Debian's upstream ones
# (hyperv-daemons: hv_kvp_daemon, hv_fcopy_daemon, hv_vss_daemon) under the
# LD_PRELOAD shim build/bench/vmbus-shim.so, and the differences compared
# with the committed lists of expected differences in tests/compat/*.diff.
# Each listed difference is explained in docs/compatibility.md. A new
# difference, or a listed one that went away, fails the run.
#
#   run.sh [kvp] [fcopy] [vss]      (default: all three)
#
# Environment: BUILD or HVGUEST_BUILD (build dir), COMPAT_KVP, COMPAT_FCOPY,
# COMPAT_VSS (the upstream daemons, default /usr/sbin/hv_*_daemon),
# COMPAT_UPDATE=1 rewrites tests/compat/*.diff from this run (then explain
# every change in docs/compatibility.md), COMPAT_KEEP=1 keeps the work dir.
# Exit: 0 pass, 1 a difference not listed (or a listed one missing), 77 skip
# (reason on the last line).
#
# Safety: upstream hv_kvp_daemon sees a tmpfs over /var/lib (bench/upstream-lib.sh);
# hv_fcopy_daemon writes only below a tmpfs mounted, in a private mount
# namespace, on the destination the simulated host names; hv_vss_daemon is
# never sent FREEZE (it would freeze every filesystem of the machine), only
# requests that touch no filesystem.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
BUILD=${HVGUEST_BUILD:-${BUILD:-$SRC/build}}
BUILD=$(cd "$BUILD" && pwd) || exit 1
UP_KVP=${COMPAT_KVP:-/usr/sbin/hv_kvp_daemon}
UP_FCOPY=${COMPAT_FCOPY:-/usr/sbin/hv_fcopy_daemon}
UP_VSS=${COMPAT_VSS:-/usr/sbin/hv_vss_daemon}
SHIM=$BUILD/bench/vmbus-shim.so
HOSTSIM=$BUILD/hv-hostsim
. "$HERE/../../bench/upstream-lib.sh"

say() { printf '== %s\n' "$*"; }
skip() { printf '%s\n' "$*"; exit 77; }

# Inner mode: one fcopy case list run inside a private mount namespace
# (see fcopy_side below).
if [ "${1:-}" = --fcopy-inner ]; then
	shift
	fcopy_inner_mode=1
else
	fcopy_inner_mode=0
fi

need() { for p in "$@"; do [ -x "$BUILD/$p" ] || skip "$BUILD/$p is not built"; done; }
command -v jq >/dev/null 2>&1 || skip "jq is missing"
why=$(upstream_why "$UP_KVP" "$SHIM")
[ -z "$why" ] || skip "upstream daemons: $why"

if [ $fcopy_inner_mode -eq 0 ]; then
	W=$(mktemp -d "${TMPDIR:-/tmp}/hvguest-compat.XXXXXX") || exit 1
	case "$W/" in /var/lib/*) echo "work dir $W is under /var/lib"; exit 1 ;; esac
	PIDS=
	cleanup() {
		rc=$?
		trap - EXIT
		for p in $PIDS; do kill -KILL "$p" 2>/dev/null; done
		if [ "${COMPAT_KEEP:-0}" = 1 ]; then echo "kept $W"; else rm -rf "$W"; fi
		exit $rc
	}
	trap cleanup EXIT
	trap 'exit 130' INT TERM HUP
fi
failures=0

# check NAME ACTUAL-DIFF: ACTUAL-DIFF must equal tests/compat/NAME.diff.
check() {
	exp=$HERE/$1.diff
	if [ "${COMPAT_UPDATE:-0}" = 1 ]; then
		cp "$2" "$exp"
		say "$1: wrote $exp ($(wc -l <"$exp" | tr -d ' ') lines)"
		return 0
	fi
	if [ ! -f "$exp" ]; then
		: >"$W/empty"
		exp=$W/empty
	fi
	if cmp -s "$exp" "$2"; then
		say "$1: differences are exactly the listed ones ($(grep -c '^[<>]' "$2") lines)"
	else
		say "FAIL $1: the differences changed (- listed, + now):"
		diff -u "$exp" "$2" | tail -n +3 | sed 's/^/    /'
		failures=$((failures + 1))
	fi
}

# ---------------------------------------------------------------- KVP ----
# kvp_play RESP SCENARIO OUT POOLDIR: play SCENARIO (hv-hostsim kvp --json)
# against RESP (ours or upstream) with POOLDIR as its pools.
kvp_play() {
	sock=$W/kvp.$$.sock
	rm -f "$sock"
	"$HOSTSIM" kvp --socket "$sock" --timeout 10 --json -f "$2" >"$3" 2>"$3.err" &
	hpid=$!
	PIDS="$PIDS $hpid"
	wait_socket "$sock" || { echo "hv-hostsim did not listen"; return 1; }
	case $1 in
	ours) "$BUILD/hypervkvpd" -c /dev/null -o "kvp.device=$sock" \
		-o "kvp.pool_dir=$4" >"$3.log" 2>&1 & ;;
	upstream) (upstream_kvp_exec "$SHIM" "$sock" "$4" "$UP_KVP") >"$3.log" 2>&1 & ;;
	esac
	rpid=$!
	PIDS="$PIDS $rpid"
	wait "$hpid"
	hrc=$?
	stop_pid "$rpid"
	if [ $hrc -ne 0 ]; then
		say "FAIL: hv-hostsim against $1 exited $hrc"
		sed 's/^/    /' "$3.err" "$3.log"
		return 1
	fi
}

# Values that legitimately differ between the two implementations on the
# same machine keep only the fact that they are set (docs/compatibility.md).
kvp_normalise() {
	jq -c '
	  def vague: if . == "" then "<empty>" else "<set>" end;
	  if .step == "intrinsic" or (.step == "enum" and .pool == "auto") then
	    .items |= map(if .key | IN("FullyQualifiedDomainName",
	      "NetworkAddressIPv4", "NetworkAddressIPv6",
	      "IntegrationServicesVersion", "OSBuildNumber")
	      then (.value |= vague) | del(.value_units) else . end)
	  else . end' "$1"
}

# hv-kvp's listing of the file-backed pools of a directory (one JSON array),
# one record a line (hv-kvp shows pool 2, auto, as generated from the
# system, not the file: docs/compatibility.md).
kvp_list() {
	"$BUILD/hv-kvp" -c /dev/null --pool-dir "$1" --json list 2>&1 |
		jq -c '.[] | select(.pool_number != 2)' 2>&1
}

compat_kvp() {
	need hypervkvpd hv-hostsim hv-kvp
	say "KVP: $HERE/kvp-ops.scenario against hypervkvpd and $UP_KVP"
	for r in ours upstream; do
		mkdir -p "$W/kvp-$r"
		kvp_play $r "$HERE/kvp-ops.scenario" "$W/kvp-$r.json" "$W/kvp-$r" || { failures=$((failures + 1)); return; }
		kvp_normalise "$W/kvp-$r.json" >"$W/kvp-$r.norm"
		pool_dump "$W/kvp-$r" >"$W/kvp-$r.pools"
		kvp_list "$W/kvp-$r" >"$W/kvp-$r.list"
	done
	# Field by field: one JSON object a step, keys sorted, one field a line.
	for r in ours upstream; do
		jq -c --sort-keys . "$W/kvp-$r.norm" |
			awk '{ printf "step %d: %s\n", NR - 1, $0 }' >"$W/kvp-$r.steps"
	done
	diff "$W/kvp-ours.steps" "$W/kvp-upstream.steps" >"$W/kvp-replies.diff"
	check kvp-replies "$W/kvp-replies.diff"
	# Record by record, each string up to its NUL.
	diff "$W/kvp-ours.pools" "$W/kvp-upstream.pools" >"$W/kvp-pools.diff"
	check kvp-pools "$W/kvp-pools.diff"

	# Cross-reading 1: hv-kvp lists what upstream wrote as it lists what
	# hypervkvpd wrote (the pool differences above aside).
	diff "$W/kvp-ours.list" "$W/kvp-upstream.list" >"$W/kvp-hvkvp-reads.diff"
	check kvp-hvkvp-reads "$W/kvp-hvkvp-reads.diff"

	# Cross-reading 2: pools written by hv-kvp, enumerated to the host by
	# each daemon; both must report exactly what hv-kvp wrote.
	say "KVP: pools written by hv-kvp, enumerated by each daemon"
	mkdir -p "$W/cross"
	for spec in "external|Ext Key|ext value" "guest|Guest Key|guest ✓ value" \
		"guest|Second|" "auto-external|VirtualMachineName|vm-01" \
		"auto-internal|Internal|intern"; do
		p=${spec%%|*}; rest=${spec#*|}; k=${rest%%|*}; v=${rest#*|}
		"$BUILD/hv-kvp" -c /dev/null --pool-dir "$W/cross" --pool "$p" set -- "$k" "$v" ||
			{ say "FAIL: hv-kvp set $p $k"; failures=$((failures + 1)); }
	done
	for r in ours upstream; do
		rm -rf "$W/cross-$r"
		cp -a "$W/cross" "$W/cross-$r"
		kvp_play $r "$HERE/kvp-cross.scenario" "$W/cross-$r.json" "$W/cross-$r" || { failures=$((failures + 1)); return; }
		jq -c '.items[]? | [.key, .value]' "$W/cross-$r.json" >"$W/cross-$r.items"
	done
	kvp_list "$W/cross" | jq -c '[.key, .value]' >"$W/cross-written.items"
	for r in ours upstream; do
		if cmp -s "$W/cross-written.items" "$W/cross-$r.items"; then
			say "$r enumerates exactly the $(wc -l <"$W/cross-written.items" | tr -d ' ') records hv-kvp wrote"
		else
			say "FAIL: $r does not enumerate what hv-kvp wrote (- written, + enumerated):"
			diff -u "$W/cross-written.items" "$W/cross-$r.items" | tail -n +3 | sed 's/^/    /'
			failures=$((failures + 1))
		fi
	done
	# The daemons' replies on the hv-kvp pools, GET included.
	for r in ours upstream; do
		jq -c --sort-keys . "$W/cross-$r.json" | awk '{ printf "step %d: %s\n", NR - 1, $0 }' >"$W/cross-$r.steps"
	done
	diff "$W/cross-ours.steps" "$W/cross-upstream.steps" >"$W/kvp-cross.diff"
	check kvp-cross "$W/kvp-cross.diff"
}

# -------------------------------------------------------------- fcopy ----
# The cases: NAME|hv-hostsim fcopy options|name on the guest|setup. The
# destination root is $D; setup may create files there first.
fcopy_cases() {
	cat <<'EOC'
new||new.bin|
empty|--name zero.bin|zero.bin|
utf8|--name café-😀.txt|café-😀.txt|
exists||exists.bin|printf old >"$D/exists.bin"
overwrite|--overwrite|over.bin|printf old-and-longer-than-new-not >"$D/over.bin"
missing-dir||sub/missing.bin|
create-path|--create-path|sub2/deep/created.bin|
create-path-exists|--create-path --overwrite|sub3/x.bin|mkdir "$D/sub3"; printf old >"$D/sub3/x.bin"
cancel|--cancel-after 1|cancelled.bin|
cancel-over|--overwrite --cancel-after 1|cancel-over.bin|printf keep-me >"$D/cancel-over.bin"
EOC
}

# Inside the namespace: $1 = responder, $2 = result dir. A tmpfs on
# $2/dest is the only place the responder is sent to write.
fcopy_inner() {
	r=$1 R=$2
	D=$R/dest
	mkdir -p "$D"
	mount -t tmpfs -o mode=0755,size=64m hvguest-compat-fcopy "$D" || { echo "mount failed"; exit 1; }
	[ "$(stat -f -c %T "$D")" = tmpfs ] || { echo "$D is not a tmpfs"; exit 1; }
	head -c 6145 /dev/urandom >"$R/src6145"
	: >"$R/src0"
	fcopy_cases | while IFS='|' read -r name opts target setup; do
		[ -n "$setup" ] && eval "$setup"
		src=$R/src6145
		[ "$name" = empty ] && src=$R/src0
		dir=$D/$(dirname "$target")
		[ "$dir" = "$D/." ] && dir=$D
		sock=$R/fc.sock
		rm -f "$sock"
		# shellcheck disable=SC2086
		"$HOSTSIM" fcopy --socket "$sock" --timeout 10 --quiet $opts \
			--name "$(basename "$target")" "$src" "$dir" >"$R/$name.out" 2>&1 &
		hpid=$!
		wait_socket "$sock"
		case $r in
		ours) "$BUILD/hypervfcopyd" -c /dev/null -o "fcopy.device=$sock" \
			-o fcopy.transport=chardev -o fcopy.allowed_roots=/ >"$R/$name.log" 2>&1 & ;;
		upstream) LD_PRELOAD=$SHIM HVGUEST_SHIM_FCOPY=$sock "$UP_FCOPY" -n >"$R/$name.log" 2>&1 & ;;
		esac
		rpid=$!
		wait "$hpid"
		stop_pid "$rpid"
		res=$(sed -n 's/.*result=\([^ ]*\).*/\1/p' "$R/$name.out" | tail -n 1)
		echo "$name: status ${res:-none}"
	done >"$R/statuses"
	# The resulting tree: type, mode, size, and whether the content is the
	# source's, for every file under the destination.
	(cd "$D" && find . -mindepth 1 | LC_ALL=C sort | while read -r f; do
		if [ -d "$f" ]; then
			echo "$f: dir $(stat -c %a "$f")"
		else
			c=other
			cmp -s "$f" "$R/src6145" && c=source
			[ -s "$f" ] || c=empty
			echo "$f: file $(stat -c %a "$f") $(stat -c %s "$f") bytes, content $c"
		fi
	done) >"$R/tree"
	umount "$D"
}

if [ $fcopy_inner_mode -eq 1 ]; then
	fcopy_inner "$@"
	exit 0
fi

compat_fcopy() {
	need hypervfcopyd hv-hostsim
	[ -x "$UP_FCOPY" ] || skip "$UP_FCOPY is missing (install Debian's hyperv-daemons)"
	say "fcopy (legacy transport): $(fcopy_cases | wc -l | tr -d ' ') cases against hypervfcopyd and $UP_FCOPY"
	for r in ours upstream; do
		mkdir -p "$W/fcopy-$r"
		unshare -m --propagation private sh "$0" --fcopy-inner $r "$W/fcopy-$r" >"$W/fcopy-$r.log" 2>&1 ||
			{ say "FAIL: fcopy run against $r"; sed 's/^/    /' "$W/fcopy-$r.log"; failures=$((failures + 1)); return; }
		cat "$W/fcopy-$r/statuses" "$W/fcopy-$r/tree" >"$W/fcopy-$r.result"
	done
	diff "$W/fcopy-ours.result" "$W/fcopy-upstream.result" >"$W/fcopy.diff"
	check fcopy "$W/fcopy.diff"
}

# ---------------------------------------------------------------- VSS ----
# Never FREEZE (op 5) or THAW (op 6): upstream would freeze every
# filesystem of the machine. Upstream answers HOT_BACKUP (2) and treats every
# other op as illegal without touching anything.
VSS_STEPS="hot-backup op 0 op 1 op 3 op 4 op 7 op 99 hot-backup"
case " $VSS_STEPS " in
*freeze* | *thaw* | *" op 5 "* | *" op 6 "*) echo "VSS_STEPS must never freeze"; exit 1 ;;
esac

compat_vss() {
	need hypervvssd hv-hostsim
	[ -x "$UP_VSS" ] || skip "$UP_VSS is missing (install Debian's hyperv-daemons)"
	say "VSS: $VSS_STEPS against hypervvssd and $UP_VSS (no FREEZE: see docs/compatibility.md)"
	mkdir -p "$W/vss-hooks" "$W/vss-state"
	for r in ours upstream; do
		sock=$W/vss.sock
		rm -f "$sock"
		set --
		for s in $VSS_STEPS; do
			case $s in op) pend=op; continue ;; esac
			if [ -n "${pend:-}" ]; then set -- "$@" -e "op $s"; pend=; else set -- "$@" -e "$s"; fi
		done
		"$HOSTSIM" vss --socket "$sock" --timeout 10 "$@" >"$W/vss-$r.out" 2>&1 &
		hpid=$!
		PIDS="$PIDS $hpid"
		wait_socket "$sock"
		case $r in
		ours) "$BUILD/hypervvssd" -c /dev/null -o "vss.device=$sock" \
			-o "vss.include=$W/nothing-here/*" -o "vss.hooks_dir=$W/vss-hooks" \
			-o "vss.state_dir=$W/vss-state" >"$W/vss-$r.log" 2>&1 & ;;
		upstream) LD_PRELOAD=$SHIM HVGUEST_SHIM_VSS=$sock "$UP_VSS" -n >"$W/vss-$r.log" 2>&1 & ;;
		esac
		rpid=$!
		PIDS="$PIDS $rpid"
		wait "$hpid"
		hrc=$?
		stop_pid "$rpid"
		[ $hrc -eq 0 ] || { say "FAIL: hv-hostsim vss against $r exited $hrc"; sed 's/^/    /' "$W/vss-$r.out" "$W/vss-$r.log"; failures=$((failures + 1)); return; }
	done
	for r in ours upstream; do sed 's/ ([0-9.]* ms)$//' "$W/vss-$r.out" >"$W/vss-$r.status"; done
	diff "$W/vss-ours.status" "$W/vss-upstream.status" >"$W/vss.diff"
	check vss "$W/vss.diff"
}

[ $# -gt 0 ] || set -- kvp fcopy vss
for part in "$@"; do
	case $part in
	kvp) compat_kvp ;;
	fcopy) compat_fcopy ;;
	vss) compat_vss ;;
	*) echo "usage: $0 [kvp] [fcopy] [vss]"; exit 2 ;;
	esac
done
if [ $failures -ne 0 ]; then
	say "$failures check(s) failed"
	exit 1
fi
say "all differences are the listed ones (docs/compatibility.md explains each)"
exit 0
