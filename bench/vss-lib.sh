# Shared by bench/vss-stall.sh and bench/vss-levels.sh (POSIX sh; source it
# after setting HVGUEST_SRC and HVGUEST_BUILD): the set-up, one FREEZE/THAW
# round against a writer, and the median.

# vss_bench_setup NAME "$@": root only (exit 0 with a note otherwise); loop
# filesystems on a private tmpfs, in a private mount namespace (this re-runs
# the script there, hence the script's "$@"), responders chrooted into a tmpfs
# holding only the test mounts; upstream's algorithm copied in as
# /bin/vss-upstream. Skips are notes headed NAME, exiting 0: a report, not a
# failure.
vss_bench_setup() {
	vss_bench_name=$1
	shift
	if [ "$(id -u)" != 0 ]; then
		echo "$vss_bench_name: skipped (needs root for loop mounts and FIFREEZE)"
		exit 0
	fi
	. "$HVGUEST_SRC/tests/integration/lib.sh"
	. "$HVGUEST_SRC/tests/integration/vss-lib.sh"
	hv_skip() { echo "$vss_bench_name: skipped ($*)"; exit 0; }
	vss_need_root "$@"
	vss_setup
	vss_copy_prog "$HVGUEST_BUILD/bench/vss-upstream" /bin/vss-upstream
}

# vss_bench_round RESPONDER MOUNTS WRITE_SECONDS: bench/vss-writer writes to
# /mnt/w for WRITE_SECONDS while the simulated host sends FREEZE and, at once,
# THAW, answered by RESPONDER (hypervvssd; upstream, bench/vss-upstream.c;
# before, /bin/hypervvssd-before) over MOUNTS. The writer's figures are left in
# $T/writer.out, hv-hostsim's in $T/hs.out.
vss_bench_round() {
	"$HVGUEST_BUILD/bench/vss-writer" "$R/mnt/w/data" "$3" >"$T/writer.out" 2>&1 &
	wpid=$!
	sleep 0.7
	"$HVGUEST_BUILD/hv-hostsim" vss --socket "$R/run/vss.sock" -t 30 -e freeze \
		-e 'expect-status S_OK' -e thaw -e 'expect-status S_OK' >"$T/hs.out" 2>&1 &
	HOSTSIM_PID=$!
	hv_wait 5 test -S "$R/run/vss.sock" || hv_fail "hv-hostsim did not listen"
	case $1 in
	hypervvssd) vssd_start "$2" ;;
	upstream) chroot "$R" /bin/vss-upstream /run/vss.sock $2 >>"$T/vssd.log" 2>&1 &
		VSSD_PID=$! ;;
	before) chroot "$R" /bin/hypervvssd-before -c /dev/null -o vss.device=/run/vss.sock \
			-o "vss.include=$2" -o vss.state_dir=/run/hvguest -o vss.hooks_dir=/hooks \
			>>"$T/vssd.log" 2>&1 &
		VSSD_PID=$! ;;
	esac
	wait "$HOSTSIM_PID" || { cat "$T/hs.out"; hv_fail "$1: hv-hostsim failed"; }
	HOSTSIM_PID=
	vssd_stop
	wait "$wpid" || { cat "$T/writer.out"; hv_fail "writer failed"; }
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
