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

# rss_slack: allowed RSS growth in kB (ASan's allocator quarantine holds
# freed memory for a while, so a sanitized build gets more room; what
# matters is that growth does not scale with the number of iterations).
rss_slack() {
	case "$HVGUEST_BUILD" in
	*san*) echo 16384 ;;
	*) echo 1024 ;;
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
