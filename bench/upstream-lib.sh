# Shared helpers for running Debian's upstream daemons (hyperv-daemons)
# against hv-hostsim under the LD_PRELOAD shim (build/bench/vmbus-shim.so),
# used by tests/compat/run.sh and bench/run.sh. POSIX sh; source it.
#
# The upstream KVP daemon hard-codes /var/lib/hyperv. It runs in a private
# mount namespace (unshare -m) with a tmpfs over /var/lib, checked to be a
# tmpfs before anything is created there, and the caller's pool directory
# bind-mounted on /var/lib/hyperv: the real /var/lib/hyperv is never read or
# written, and the pool files stay readable from outside afterwards.

# upstream_why DAEMON SHIM: print why the upstream daemon cannot be run here
# (nothing when it can).
upstream_why() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "needs root (private mount namespace with a tmpfs over /var/lib)"
	elif [ ! -x "$1" ]; then
		echo "$1 is missing (install Debian's hyperv-daemons)"
	elif [ ! -f "$2" ]; then
		echo "$2 is not built (make check builds it)"
	elif ! command -v unshare >/dev/null 2>&1 ||
		! unshare -m --propagation private true 2>/dev/null; then
		echo "unshare -m does not work here"
	fi
}

# upstream_kvp_exec SHIM SOCKET POOLDIR DAEMON: exec (never returns) the
# upstream KVP daemon in its own mount namespace, /var/lib/hyperv being
# POOLDIR. POOLDIR must not be under /var/lib (the tmpfs would hide it).
# UPSTREAM_WRAP, if set, prefixes the command (e.g. "taskset -c 0").
upstream_kvp_exec() {
	case "$3/" in /var/lib/*) echo "upstream_kvp_exec: $3 is under /var/lib" >&2; exit 1 ;; esac
	exec ${UPSTREAM_WRAP:-} unshare -m --propagation private sh -c '
		mount -t tmpfs -o mode=0755,size=64m hvguest-compat /var/lib || exit 1
		[ "$(stat -f -c %T /var/lib)" = tmpfs ] || exit 1
		mkdir -m 0755 /var/lib/hyperv || exit 1
		mount --bind "$3" /var/lib/hyperv || exit 1
		LD_PRELOAD=$1 HVGUEST_SHIM_KVP=$2 exec "$4" -n
	' sh "$1" "$2" "$3" "$4"
}

# wait_socket PATH: wait up to 5 s for a listening simulator's socket.
wait_socket() {
	ws_i=0
	while [ ! -S "$1" ] && [ $ws_i -lt 500 ]; do sleep 0.01; ws_i=$((ws_i + 1)); done
	[ -S "$1" ]
}

# stop_pid PID: SIGTERM, then SIGKILL after 3 s; reaps it.
stop_pid() {
	[ -n "$1" ] || return 0
	kill -TERM "$1" 2>/dev/null
	sp_i=0
	while kill -0 "$1" 2>/dev/null && [ $sp_i -lt 30 ]; do
		grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null && break
		sleep 0.1; sp_i=$((sp_i + 1))
	done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

# pool_dump DIR: every record of DIR/.kvp_pool_0..4 as one line
#   pool P [i] key=<key> value=<value>
# with each string cut at its first NUL (upstream leaves stale bytes after
# the NUL) and shown by `od -c`-style escaping of non-printables (sed l).
pool_dump() {
	for pd_p in 0 1 2 3 4; do
		pd_f=$1/.kvp_pool_$pd_p
		[ -f "$pd_f" ] || { echo "pool $pd_p: no file"; continue; }
		pd_size=$(wc -c <"$pd_f" | tr -d ' ')
		[ $((pd_size % 2560)) -eq 0 ] || echo "pool $pd_p: size $pd_size is not a multiple of 2560"
		pd_n=$((pd_size / 2560))
		pd_i=0
		while [ $pd_i -lt $pd_n ]; do
			pd_k=$(dd if="$pd_f" bs=512 skip=$((pd_i * 5)) count=1 2>/dev/null | tr '\0' '\n' | head -n 1)
			pd_v=$(dd if="$pd_f" bs=512 skip=$((pd_i * 5 + 1)) count=4 2>/dev/null | tr '\0' '\n' | head -n 1)
			printf 'pool %s [%s] key=%s value=%s\n' "$pd_p" "$pd_i" "$pd_k" "$pd_v" | LC_ALL=C sed -n "l 0" | sed 's/\$$//'
			pd_i=$((pd_i + 1))
		done
	done
}
