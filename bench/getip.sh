#!/bin/sh
# GET_IP_INFO benchmark: the host's "networking view" request, answered by
# hypervkvpd and by upstream's hv_kvp_daemon (which forks its
# hv_get_dns_info / hv_get_dhcp_info scripts per request), with 1 and with
# 200 interfaces (veth pairs in a private network namespace made here,
# documentation addresses; the machine's own interfaces are never touched).
# Latency = (time of a session of 1 + C requests - time of a session of 1
# request) / C, so start-up and registration cancel out; C is
# BENCH_GETIP_COUNT (300) for hypervkvpd, BENCH_GETIP_UPSTREAM_COUNT (4) for
# upstream, whose every request takes a second or more; the responders alternate, median of BENCH_REPEAT (default 3).
# Goal (report only): hypervkvpd >= 10x faster than upstream, <= 1 ms at 200.
# Needs root (unshare -n); appends "getip IFS/N RESPONDER MS ms -1" to $BENCH_RAW.
set -u
BUILD=${BUILD:-build}
BUILD=$(cd "$BUILD" && pwd) || exit 1
REPEAT=${BENCH_REPEAT:-3}
COUNT=${BENCH_GETIP_COUNT:-300}
UCOUNT=${BENCH_GETIP_UPSTREAM_COUNT:-4}
UPSTREAM=${BENCH_UPSTREAM:-/usr/sbin/hv_kvp_daemon}
SHIM=$BUILD/bench/vmbus-shim.so
say() { echo "bench-getip: $*" >&2; }
. "$(dirname "$0")/upstream-lib.sh"
if [ "$(id -u)" -ne 0 ] || ! unshare -n -m true 2>/dev/null || ! command -v ip >/dev/null; then
	say "skipped: needs root, unshare -n and ip(8)"
	exit 0
fi
if [ -z "${GETIP_INNER:-}" ]; then
	# A private mount namespace too, for a sysfs of this network namespace
	# (upstream finds interfaces in /sys/class/net).
	GETIP_INNER=1 BUILD=$BUILD exec unshare -n -m --propagation private sh "$0"
fi
mount -t sysfs sysfs /sys || { say "cannot mount sysfs"; exit 1; }
responders=hypervkvpd
why=$(upstream_why "$UPSTREAM" "$SHIM")
if [ -n "$why" ]; then say "skipping upstream: $why"; else responders="$responders upstream"; fi
work=$(mktemp -d "${TMPDIR:-/tmp}/hvguest-bench-getip.XXXXXX") || exit 1
rpid=
peerns=
trap '[ -n "$rpid" ] && kill -KILL "$rpid" 2>/dev/null; [ -n "$peerns" ] && kill "$peerns"; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
ip link set lo up

# Interfaces: veths v0..v<N-1> here, each with a 192.0.2.0/24 or
# 198.51.100.0/24 address and a 2001:db8:: one; their peers live in a second
# private namespace (a sleeper's), so this one holds exactly N (and lo).
unshare -n sleep 100000 &
peerns=$!
sleep 0.2
make_ifs() {
	i=$(ip -o link | grep -c ' v[0-9]*@')
	while [ "$i" -lt "$1" ]; do
		ip link add "v$i" type veth peer name "p$i" netns "$peerns" || return 1
		ip link set "v$i" up
		x=$((i + 1))
		if [ $x -le 250 ]; then ip addr add "192.0.2.$x/24" dev "v$i"
		else ip addr add "198.51.100.$((x - 250))/24" dev "v$i"; fi
		ip -6 addr add "2001:db8::$x/64" dev "v$i" nodad
		i=$((i + 1))
	done
}

session() { # responder mac requests -> seconds on stdout
	d=$work/s; rm -rf "$d"; mkdir -p "$d/pool"
	steps=$d/steps
	j=0; : >"$steps"
	while [ $j -lt "$3" ]; do echo "get-ip $2 both" >>"$steps"; j=$((j + 1)); done
	"$BUILD/hv-hostsim" kvp -s "$d/kvp.sock" -t 60 -f "$steps" >"$d/out" 2>&1 &
	hpid=$!
	wait_socket "$d/kvp.sock" || return 1
	t0=$(date +%s%N)
	case $1 in
	hypervkvpd) "$BUILD/hypervkvpd" -c /dev/null -o kvp.device="$d/kvp.sock" \
		-o kvp.pool_dir="$d/pool" >"$d/resp" 2>&1 & ;;
	upstream) (upstream_kvp_exec "$SHIM" "$d/kvp.sock" "$d/pool" "$UPSTREAM") >"$d/resp" 2>&1 & ;;
	esac
	rpid=$!
	wait "$hpid"; hrc=$?
	t1=$(date +%s%N)
	stop_pid "$rpid"; rpid=
	if [ $hrc -ne 0 ] || grep -q E_FAIL "$d/out"; then
		say "$1: session failed ($hrc)"; sed 's/^/    /' "$d/out" "$d/resp" | tail -n 20 >&2
		return 1
	fi
	echo $((t1 - t0))
}

: >"$work/res"
failed=0
for nif in 1 200; do
	make_ifs "$nif" || { say "cannot make $nif interfaces"; exit 1; }
	target=v$((nif - 1))
	# As the host sends it: upper case with colons (hv-protocol.md 2.7).
	mac=$(tr "a-f" "A-F" <"/sys/class/net/$target/address")
	k=0
	while [ $k -lt "$REPEAT" ]; do
		k=$((k + 1))
		for r in $responders; do
			c=$COUNT; [ "$r" = upstream ] && c=$UCOUNT
			a=$(session "$r" "$mac" 1) && b=$(session "$r" "$mac" $((c + 1))) || { failed=1; continue; }
			ms=$(awk -v a="$a" -v b="$b" -v n="$c" 'BEGIN { x = (b - a) / n / 1e6; printf "%.3f", x < 0 ? 0 : x }')
			say "$nif interfaces, $r #$k: $ms ms per request"
			echo "$nif $r $ms" >>"$work/res"
			rn=$r; [ "$rn" = hypervkvpd ] && rn=hvguest
			[ -z "${BENCH_RAW:-}" ] || echo "getip ifs/$nif $rn $ms ms -1" >>"$BENCH_RAW"
		done
	done
done
echo
echo "GET_IP_INFO (both families), ms per request (median of $REPEAT; (C+1)-request session minus a 1-request one, C = $COUNT ours, $UCOUNT upstream)"
awk '
	{ n[$1, $2]++; v[$1, $2, n[$1, $2]] = $3 }
	function med(f, r,   i, j, t, a, m) {
		m = n[f, r]; if (!m) return ""
		for (i = 1; i <= m; i++) a[i] = v[f, r, i]
		for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		return a[int((m + 1) / 2)]
	}
	END {
		printf "  %-10s %12s %12s %10s\n", "interfaces", "hypervkvpd", "upstream", "upst/ours"
		for (f = 1; f <= 200; f += 199) {
			o = med(f, "hypervkvpd"); u = med(f, "upstream")
			# Parentheses: an unparenthesised ">" in printf'"'"'s arguments redirects (mawk).
			printf "  %-10s %12s %12s %10s\n", f, (o == "" ? "-" : o), (u == "" ? "-" : u),
				(o != "" && u != "" && o > 0 ? sprintf("%.1fx", u / o) : "-")
		}
		o = med(200, "hypervkvpd"); u = med(200, "upstream")
		if (o != "")
			printf "goal at 200 interfaces: <= 1 ms: %s ms, %s", o, o <= 1 ? "met" : "MISSED"
		if (o != "" && u != "")
			printf "; >= 10x faster than upstream: %.1fx, %s", (o > 0 ? u / o : 0), (o > 0 && u / o >= 10 ? "met" : "MISSED")
		print ""
	}' "$work/res"
exit $failed
