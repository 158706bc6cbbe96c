# Shared helpers for tests/integration/test-*.sh (POSIX sh). Source it with
#   . "$HVGUEST_SRC/tests/integration/lib.sh"
# then call hv_setup. Everything lives in one mktemp -d directory ($T) that
# the EXIT trap removes after killing whatever the test started; nothing
# outside it is read or written. Exit 77 = skip (reason on the last line).
set -u

HVGUEST_SRC=${HVGUEST_SRC:-$(pwd)}
HVGUEST_BUILD=${HVGUEST_BUILD:-$HVGUEST_SRC/build}
T=
KVPD_PID=
HOSTSIM_PID=

hv_log() { printf '== %s\n' "$*"; }

hv_fail() {
	printf 'FAIL: %s\n' "$*"
	exit 1
}

hv_skip() {
	printf '%s\n' "$*"
	exit 77
}

hv_cleanup() {
	rc=$?
	trap - EXIT
	for pid in $HOSTSIM_PID $KVPD_PID; do
		kill "$pid" 2>/dev/null
	done
	for pid in $HOSTSIM_PID $KVPD_PID; do
		wait "$pid" 2>/dev/null
	done
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ -n "$T" ] && [ -f "$T/kvpd.log" ]; then
		echo "--- last lines of the daemon's log:"
		tail -n 40 "$T/kvpd.log"
	fi
	[ -z "$T" ] || rm -rf "$T"
	exit "$rc"
}

# hv_trusted_tmpdir: make hv_setup put $T where hypervfcopyd accepts an
# allowed root: every directory above it owned by root (or by us) and
# writable by nobody else, which /tmp (1777) is not. As root: /run; else the
# build directory. Call before hv_setup.
hv_trusted_tmpdir() {
	if [ "$(id -u)" -eq 0 ]; then
		TMPDIR=/run
	else
		TMPDIR=$HVGUEST_BUILD
	fi
	export TMPDIR
}

# hv_setup PROG...: skip unless every PROG is built; make $T; set the traps.
hv_setup() {
	for p in "$@"; do
		[ -x "$HVGUEST_BUILD/$p" ] || hv_skip "$HVGUEST_BUILD/$p is not built"
	done
	T=$(mktemp -d "${TMPDIR:-/tmp}/hvguest-test.XXXXXX") || exit 1
	trap hv_cleanup EXIT
	trap 'exit 129' HUP
	trap 'exit 130' INT
	trap 'exit 143' TERM
	mkdir -p "$T/pools"
	hv_os_release "Hostsim Test Linux" "42.1"
}

# hv_os_release NAME VERSION_ID: the fixture the daemon reads as os-release.
hv_os_release() {
	cat >"$T/os-release" <<EOS
PRETTY_NAME="$1 $2"
NAME="$1"
VERSION_ID="$2"
ID=hostsimtest
EOS
}

# kvpd_start [ARGS...]: hypervkvpd in the background on $T/kvp.sock.
kvpd_start() {
	"$HVGUEST_BUILD/hypervkvpd" -c /dev/null -o "kvp.device=$T/kvp.sock" \
		-o "kvp.pool_dir=$T/pools" -o "kvp.os_release=$T/os-release" -d "$@" \
		>>"$T/kvpd.log" 2>&1 &
	KVPD_PID=$!
}

# fcopyd_start ALLOWED_ROOTS [ARGS...]: hypervfcopyd in the background on the
# legacy transport at $T/fc.sock, logging to $T/kvpd.log (KVPD_PID, so that
# hv_cleanup stops it and shows the log on failure).
fcopyd_start() {
	fcopyd_roots=$1
	shift
	"$HVGUEST_BUILD/hypervfcopyd" -c /dev/null -o "fcopy.device=$T/fc.sock" \
		-o fcopy.transport=chardev -o "fcopy.allowed_roots=$fcopyd_roots" -d "$@" \
		>>"$T/kvpd.log" 2>&1 &
	KVPD_PID=$!
}

# fcopy_hostsim NAME [ARGS...]: one `hv-hostsim fcopy` run on $T/fc.sock with
# --timeout ${FC_TIMEOUT:-20}; its output goes to $T/NAME.out (shown too,
# prefixed with NAME). Returns hv-hostsim's exit status.
fcopy_hostsim() {
	name=$1
	shift
	"$HVGUEST_BUILD/hv-hostsim" fcopy --socket "$T/fc.sock" --timeout "${FC_TIMEOUT:-20}" "$@" \
		>"$T/$name.out" 2>&1
	rc=$?
	sed "s/^/    $name: /" "$T/$name.out"
	return $rc
}

# kvpd_alive: fail unless the daemon is still running.
kvpd_alive() {
	[ -n "$KVPD_PID" ] && kill -0 "$KVPD_PID" 2>/dev/null ||
		hv_fail "hypervkvpd is not running any more"
}

# hostsim NAME [ARGS...]: run `hv-hostsim kvp` on $T/kvp.sock; its output goes
# to $T/NAME.out (shown too). Returns hv-hostsim's exit status.
hostsim() {
	name=$1
	shift
	hv_log "hv-hostsim kvp $*"
	"$HVGUEST_BUILD/hv-hostsim" kvp --socket "$T/kvp.sock" "$@" >"$T/$name.out" 2>"$T/$name.err"
	hs_rc=$?
	cat "$T/$name.out" "$T/$name.err"
	return $hs_rc
}

# hostsim_ok NAME [ARGS...]: hostsim, and fail the test unless it exits 0.
hostsim_ok() {
	hostsim "$@" || hv_fail "hv-hostsim $1 exited with $hs_rc"
}

# expect_line NAME EXTENDED-REGEX: fail unless $T/NAME.out has a matching line.
expect_line() {
	grep -Eq -- "$2" "$T/$1.out" || hv_fail "$1: no line matching /$2/"
}

# hv_wait SECONDS COMMAND...: poll COMMAND every 0.1 s until it succeeds.
hv_wait() {
	n=$(($1 * 10))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

pool_file() { printf '%s/pools/.kvp_pool_%s' "$T" "$1"; }

# pool_count POOL: number of records; fails unless the size is a multiple of 2560.
pool_count() {
	f=$(pool_file "$1")
	[ -f "$f" ] || { echo 0; return 0; }
	size=$(wc -c <"$f" | tr -d ' ')
	[ $((size % 2560)) -eq 0 ] || hv_fail "$f: size $size is not a multiple of 2560"
	echo $((size / 2560))
}

# pool_key POOL INDEX / pool_value POOL INDEX: the NUL-terminated strings of a
# record (a record is 5 blocks of 512: the key, then 4 of value).
pool_key() {
	dd if="$(pool_file "$1")" bs=512 skip=$(($2 * 5)) count=1 2>/dev/null |
		tr '\0' '\n' | head -n 1
}

pool_value() {
	dd if="$(pool_file "$1")" bs=512 skip=$(($2 * 5 + 1)) count=4 2>/dev/null |
		tr '\0' '\n' | head -n 1
}

# pool_append POOL KEY VALUE: add a record the way a guest tool (cloud-init)
# does: straight into the file, under flock when flock(1) exists.
pool_append() {
	f=$(pool_file "$1")
	klen=$(printf '%s' "$2" | wc -c)
	vlen=$(printf '%s' "$3" | wc -c)
	if command -v flock >/dev/null 2>&1; then
		exec 9>>"$f"
		flock 9
	fi
	{
		printf '%s' "$2"
		dd if=/dev/zero bs=1 count=$((512 - klen)) 2>/dev/null
		printf '%s' "$3"
		dd if=/dev/zero bs=1 count=$((2048 - vlen)) 2>/dev/null
	} >>"$f"
	if command -v flock >/dev/null 2>&1; then
		exec 9>&-
	fi
}
