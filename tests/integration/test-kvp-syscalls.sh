#!/bin/sh
# System calls per KVP request: a count, not a time, so it can be asserted.
# bench/kvp-syscalls.sh runs hypervkvpd under strace for 20 and 120
# requests of each op and divides the difference. GET and ENUMERATE must
# stay at 4 (epoll_wait, recvmsg, pread, sendto: answered from the index);
# SET at 11 (rounded: a one-off call spreads over the requests; the two pool locks taken and released, the pre-write inotify
# read, pread, pwrite, the read of its own events) — the goal of 9 is not
# reached (docs in bench/README.md), but any call added per request fails here.
. "$HVGUEST_SRC/tests/integration/lib.sh"
hv_setup hypervkvpd hv-hostsim bench/mkpool
command -v strace >/dev/null 2>&1 || hv_skip "strace is missing"
strace -qq -o /dev/null true 2>/dev/null || hv_skip "strace cannot trace here (ptrace not permitted)"

out=$(BUILD="$HVGUEST_BUILD" BENCH_SYSCALLS_N1=20 BENCH_SYSCALLS_N2=120 TMPDIR=$T \
	sh "$HVGUEST_SRC/bench/kvp-syscalls.sh" 2>&1)
rc=$?
printf '%s\n' "$out"
[ "$rc" -eq 0 ] || hv_fail "bench/kvp-syscalls.sh exited $rc"
for limit in set:11 get:4 enum:4; do
	op=${limit%:*} max=${limit#*:}
	x=$(printf '%s\n' "$out" | sed -n "s/^calls $op //p")
	[ -n "$x" ] || hv_fail "no count for $op"
	awk -v x="$x" -v m="$max" 'BEGIN { exit !(x < m + 0.5) }' ||
		hv_fail "$op makes $x system calls per request (at most $max expected)"
done
exit 0
