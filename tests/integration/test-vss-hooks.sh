#!/bin/sh
# Freeze hooks: run in name order with "freeze", in reverse with "thaw";
# a failing or timed-out freeze hook aborts the freeze (E_FAIL, nothing
# frozen) and the hooks already run get "freeze-failed". And between the
# first FIFREEZE and the last FITHAW the daemon writes to no file
# descriptor but the channel (checked with strace). Loop filesystems of its
# own, private mount namespace, daemon chrooted (see vss-lib.sh).
. "$HVGUEST_SRC/tests/integration/lib.sh"
. "$HVGUEST_SRC/tests/integration/vss-lib.sh"
vss_need_root "$@"
vss_setup
vss_image a ext4 32
vss_image b ext4 32
INC="/mnt/a /mnt/b"

hook() { # NAME BODY: an executable in the hooks dir that logs its argument
	printf '#!/bin/sh\necho "%s $1" >>/out/hooks.log\n%s\n' "$1" "$2" >"$R/hooks/$1"
	chmod 0755 "$R/hooks/$1"
}
hook 10-db ''
hook 20-app ''
# Not run: not executable, and a backup-file name.
printf '#!/bin/sh\necho "never $1" >>/out/hooks.log\n' >"$R/hooks/15-off"
cp "$R/hooks/10-db" "$R/hooks/10-db~"

expect_hooks() { # expected lines, joined with "|"
	got=$(tr '\n' '|' <"$R/out/hooks.log" 2>/dev/null)
	[ "$got" = "$1|" ] || hv_fail "hooks ran as '$got', expected '$1|'"
	rm -f "$R/out/hooks.log"
}

hv_log "order and arguments"
vssd_start "$INC"
vss_hostsim_ok order -e freeze -e 'expect-status S_OK' -e thaw -e 'expect-status S_OK' -e hot-backup
expect_hooks "10-db freeze|20-app freeze|20-app thaw|10-db thaw"

hv_log "a failing freeze hook aborts the freeze"
hook 30-fail '[ "$1" != freeze ] || exit 3'
vss_hostsim_ok fail -e freeze -e 'expect-status E_FAIL'
expect_hooks "10-db freeze|20-app freeze|30-fail freeze|20-app freeze-failed|10-db freeze-failed"
! is_frozen "$R/mnt/a" || hv_fail "/mnt/a frozen after a failed freeze hook"
vssd_stop
rm -f "$R/hooks/30-fail"

hv_log "a freeze hook that times out aborts the freeze"
hook 30-slow '[ "$1" != freeze ] || sleep 30'
vssd_start "$INC" -o vss.hook_timeout=300ms
vss_hostsim_ok slow -e freeze -e 'expect-status E_FAIL'
expect_hooks "10-db freeze|20-app freeze|30-slow freeze|20-app freeze-failed|10-db freeze-failed"
grep -q 'timed out' "$T/vssd.log" || hv_fail "the timeout was not logged"
vssd_stop
rm -f "$R/hooks/30-slow"

hv_log "no write to any fd but the channel between FIFREEZE and FITHAW"
command -v strace >/dev/null 2>&1 || hv_skip "needs strace for the last check"
VSSD_WRAP="strace -f -qq -o $T/strace -e trace=connect,write,writev,pwrite64,pwritev,pwritev2,sendmsg,sendto,sendmmsg,ioctl,openat,open,creat,rename,renameat,renameat2,unlink,unlinkat,mkdir,mkdirat,truncate,ftruncate,fsync,fdatasync"
vssd_start "$INC"
VSSD_WRAP=
vss_hostsim_ok strace -e freeze -e 'expect-status S_OK' -e 'sleep 300' -e thaw -e 'expect-status S_OK'
vssd_stop
expect_hooks "10-db freeze|20-app freeze|20-app thaw|10-db thaw"
chan=$(sed -n 's/.*connect(\([0-9]*\), {sa_family=AF_UNIX, sun_path="\/run\/vss.sock"}.*/\1/p' "$T/strace" | tail -n 1)
[ -n "$chan" ] || hv_fail "no connect to the channel in the trace"
grep -q 'FIFREEZE' "$T/strace" || hv_fail "no FIFREEZE in the trace"
awk -v chan="$chan" '
	/FIFREEZE/ && !started { started = 1 }
	started && !/FIFREEZE|FITHAW/ && $2 ~ /^(write|writev|pwrite64|pwritev|pwritev2|sendmsg|sendto|sendmmsg)\(/ {
		fd = $2; sub(/^[a-z0-9]*\(/, "", fd); sub(/,.*/, "", fd)
		if (fd != chan) { print "write while frozen: " $0; bad = 1 }
	}
	# Reading procfs (sd-event reads the boot id) touches no disk.
	started && $2 ~ /^(openat|open)\(/ && !/O_WRONLY|O_RDWR|O_CREAT|O_TRUNC/ && /"\/(proc|sys)\// { next }
	started && $2 ~ /^(openat|open|creat|rename|renameat2?|unlink|unlinkat|mkdir|mkdirat|truncate|ftruncate|fsync|fdatasync)\(/ {
		print "file system call while frozen: " $0; bad = 1
	}
	/FITHAW/ { thaws++; if (thaws == 2) exit }
	END { exit bad }' "$T/strace" || hv_fail "the daemon did I/O while frozen"
echo "all VSS hook checks passed"
