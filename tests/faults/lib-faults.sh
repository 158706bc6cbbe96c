# Helpers for tests/faults/test-*.sh (POSIX sh), sourced after
# tests/integration/lib.sh. Each fault test ends with one line
#   FAULTS name=NAME injected=N crashes=0 lost=N rss_kb=A->B fds=A->B
# that tests/faults/run.sh collects into its summary.

FAULT_DROPS=${FAULT_DROPS:-1000}

# proc_fds PID / proc_rss PID / proc_hwm PID: open fds, VmRSS and VmHWM (kB).
proc_fds() { ls "/proc/$1/fd" 2>/dev/null | wc -l | tr -d ' '; }
proc_rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
proc_hwm() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }

# flat NAME BEFORE AFTER SLACK: fail unless AFTER <= BEFORE + SLACK.
flat() {
	[ "$3" -le $(($2 + $4)) ] || hv_fail "$1 grew from $2 to $3 (allowed +$4)"
}

# rss_slack: allowed VmRSS growth in kB over the FAULT_DROPS drops: room
# for allocator caches and page rounding, far below what losing even a few
# hundred bytes per drop adds up to. A sanitized build gets 1 MB more when
# its allocator quarantine is capped (asan_small_quarantine), as it then
# fills up to 1 MB; with ASan's default quarantine (tests/load) the old
# 16 MB, where RSS growth says little.
rss_slack() {
	case "$HVGUEST_BUILD" in
	*san*) case "${ASAN_OPTIONS:-}" in
		*quarantine_size_mb=*) echo 2048 ;;
		*) echo 16384 ;;
		esac ;;
	*) echo 1024 ;;
	esac
}

# asan_small_quarantine: for the tests that compare RSS before and after
# their drops. ASan keeps freed memory in a quarantine (to catch use after
# free) of up to 256 MB before reusing it. A drop frees some 25 kB
# (hypervfcopyd: the registration buffer, the copy's names), so over 1,000
# drops the quarantine grows linearly, exactly like a leak, and levels off
# only after ~10,000: neither a larger slack nor comparing the first and
# second half of the drops tells it from a leak. Capped at 1 MB it still
# catches a use of recently freed memory, and RSS follows live memory again.
# Measured over 300 hypervfcopyd drops under load: +9.2 MB with the default
# quarantine; flat (+-0.1 MB once the cap was reached) with 1 MB or none.
# An ASAN_OPTIONS that sets quarantine_size_mb itself is left alone.
asan_small_quarantine() {
	case "$HVGUEST_BUILD" in *san*) ;; *) return 0 ;; esac
	case "${ASAN_OPTIONS:-}" in
	*quarantine_size_mb=*) ;;
	*) export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=1" ;;
	esac
}

# host_left LOG: true once the daemon logging to LOG, after it last
# registered with the host, said that the device is gone and it waits for
# it (hv_link says so once per disconnection when the host side removed its
# socket, as hv-hostsim does when it exits): it then holds only its idle
# fds, the state in which fds and RSS are compared.
host_left() {
	grep -E 'Registered with the host|does not exist .*waiting for it' "$1" | tail -n 1 |
		grep -q 'waiting for it'
}

fault_report() { # NAME INJECTED LOST RSS_BEFORE RSS_AFTER FD_BEFORE FD_AFTER PEAK
	echo "FAULTS name=$1 injected=$2 crashes=0 lost=$3 rss_kb=$4->$5 fds=$6->$7 peak_rss_kb=${8:-?}"
}

# ASan refuses an LD_PRELOAD library placed before its runtime.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0:detect_leaks=0"
