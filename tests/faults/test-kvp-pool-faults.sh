#!/bin/sh
# KVP pool files under faults. ENOSPC: the pool directory is a 64 KiB
# tmpfs (private mount namespace). EIO: an LD_PRELOAD shim (eio-shim.c)
# fails pwrite/write on pool fds while a trigger file exists. Corrupt
# pools: a truncated record, garbage, an empty file, a huge (256 MiB) file.
# Each time the daemon answers (an error for a failed write), keeps
# serving, and the records written before are intact. Root (tmpfs).
. "$HVGUEST_SRC/tests/integration/lib.sh"
. "$HVGUEST_SRC/tests/faults/lib-faults.sh"
[ "$(id -u)" = 0 ] || hv_skip "needs root (tmpfs mount)"
if [ -z "${HVGUEST_FAULTS_NS:-}" ]; then
	HVGUEST_FAULTS_NS=1 exec unshare -m --propagation private sh "$0" "$@"
fi
mount --make-rprivate / 2>/dev/null
hv_setup hypervkvpd hv-hostsim
# The tmpfs goes before lib.sh's cleanup removes $T.
trap 'rc=$?; umount -l "$T/pools" 2>/dev/null; (exit $rc); hv_cleanup' EXIT
command -v cc >/dev/null 2>&1 || hv_skip "needs cc to build the EIO shim"
injected=0

# statuses NAME: the SET replies of $T/NAME.out, "ok" or "err", one a line.
set_results() { sed -n 's/^SET .*: \([A-Z_0-9x]*\)$/\1/p' "$T/$1.out"; }

stop_kvpd() {
	kill "$KVPD_PID" 2>/dev/null; wait "$KVPD_PID" 2>/dev/null; KVPD_PID=
}

# check_keys NAME N: GET external K0..K(N-1) answers V<i>-<value> intact.
check_keys() {
	ck_name=$1 ck_n=$2
	set --
	i=0
	while [ "$i" -lt "$ck_n" ]; do
		set -- "$@" -e "get external K$i" -e "expect-value value-$i"
		i=$((i + 1))
	done
	hostsim_ok "$ck_name" "$@"
}

hv_log "ENOSPC: pools on a 64 KiB tmpfs"
mount -t tmpfs -o size=64k,mode=0700 hvguest-full "$T/pools" || hv_skip "cannot mount a tmpfs"
kvpd_start
i=0
while [ "$i" -lt 40 ]; do echo "set external K$i value-$i"; i=$((i + 1)); done >"$T/fill.steps"
echo "intrinsic" >>"$T/fill.steps"
hostsim_ok fill -f "$T/fill.steps"
ok=$(set_results fill | grep -c '^S_OK$')
bad=$(set_results fill | grep -vc '^S_OK$')
echo "ENOSPC: $ok SETs stored, $bad refused"
[ "$bad" -gt 0 ] || hv_fail "the 64 KiB pool directory never filled up"
[ "$ok" -gt 0 ] || hv_fail "no SET succeeded at all"
kvpd_alive
pool_count 0 >/dev/null
check_keys fill-check "$ok"
injected=$((injected + bad))
# Space freed: writes work again.
hostsim_ok freed -e "delete external K0" -e "expect-status S_OK" -e "set external K0 value-0" \
	-e "expect-status S_OK" -e "get external K0" -e "expect-value value-0"
stop_kvpd
umount "$T/pools"

hv_log "EIO: the shim fails pool writes while $T/eio exists"
cc -std=gnu11 -D_GNU_SOURCE -O2 -fPIC -shared -o "$T/eio-shim.so" \
	"$HVGUEST_SRC/tests/faults/eio-shim.c" -ldl || hv_fail "cannot build the EIO shim"
rm -f "$T/pools/".kvp_pool_*
HVFAULT_EIO_TRIGGER=$T/eio LD_PRELOAD=$T/eio-shim.so kvpd_start
i=0
while [ "$i" -lt 10 ]; do echo "set external K$i value-$i"; i=$((i + 1)); done >"$T/good.steps"
hostsim_ok eio-before -f "$T/good.steps"
[ "$(set_results eio-before | grep -c '^S_OK$')" -eq 10 ] || hv_fail "SETs failed before any EIO"
touch "$T/eio"
i=0
while [ "$i" -lt 20 ]; do
	echo "set external K$((i % 10)) broken-$i"
	echo "set external New$i x"
	echo "delete external K$((i % 10))"
	i=$((i + 1))
done >"$T/eio.steps"
echo "get external K3" >>"$T/eio.steps"
hostsim_ok eio -f "$T/eio.steps"
nbad=$(grep -Ec '^(SET|DELETE) .*: ' "$T/eio.out")
nok=$(grep -E '^(SET|DELETE) .*: ' "$T/eio.out" | grep -c ': S_OK$')
[ "$nok" -eq 0 ] || hv_fail "$nok writes reported S_OK while every pool write failed"
[ -s "$T/eio.count" ] || hv_fail "the shim injected nothing (not preloaded?)"
nfault=$(wc -l <"$T/eio.count" | tr -d ' ')
echo "EIO: $nbad writes answered with an error, $nfault write calls failed"
injected=$((injected + nbad))
rm -f "$T/eio"
kvpd_alive
pool_count 0 >/dev/null
check_keys eio-check 10
hostsim_ok eio-after -e "set external After yes" -e "expect-status S_OK"
stop_kvpd

hv_log "corrupt pool files"
for kind in truncated garbage empty huge; do
	rm -f "$T/pools/".kvp_pool_*
	f0=$T/pools/.kvp_pool_0 f1=$T/pools/.kvp_pool_1
	case $kind in
	truncated)
		for p in 0 1; do
			KVPD_PID=; pool_append "$p" Good "good-value"
			pool_append "$p" Also "also"
		done
		head -c 1000 /dev/urandom >>"$f0"
		truncate -s 6000 "$f1" ;;
	garbage)
		head -c 12345 /dev/urandom >"$f0"
		head -c 2560 /dev/urandom >"$f1" ;;
	empty)
		: >"$f0"; : >"$f1" ;;
	huge)
		truncate -s 256M "$f0"
		head -c 1048576 /dev/urandom >"$f1"
		truncate -s 256M "$f1" ;;
	esac
	kvpd_start
	hostsim corrupt-$kind -t 30 -e "enum external" -e "get external Good" -e "set external Fresh new" \
		-e "get external Fresh" -e "enum guest" -e "delete external Fresh" -e intrinsic
	rc=$hs_rc
	[ "$rc" -le 1 ] || hv_fail "$kind: hv-hostsim exit $rc (no answer?)"
	kvpd_alive
	grep -q '^SET external "Fresh"' "$T/corrupt-$kind.out" || hv_fail "$kind: no SET reply"
	if [ "$kind" = truncated ]; then
		expect_line corrupt-$kind '^GET external "Good": S_OK "good-value"'
	fi
	injected=$((injected + 1))
	stop_kvpd
done
fault_report kvp-pool-faults "$injected" 0 - - - -
