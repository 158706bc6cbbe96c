#!/bin/sh
# The three units are Type=notify and become active only through their
# daemons' READY=1, with STATUS= saying what they do; STATUS= follows the
# channel (lost, registered again) while the daemon keeps running.
. /opt/hvgsys/tests/lib.sh
hvguest_installed || fail "hvguest is not installed (did test-switch fail?)"

systemctl restart hypervkvpd.service hypervvssd.service hypervfcopyd.service
all_serving
for c in kvp vss fcopy; do
	u=$(unit_of $c)
	systemctl show -p Type -p NotifyAccess -p ActiveState -p SubState -p StatusText "$u" |
		sed "s/^/    $u: /"
	[ "$(prop "$u" Type)" = notify ] || fail "$u is not Type=notify"
	[ "$(prop "$u" SubState)" = running ] || fail "$u is not running"
	status=$(prop "$u" StatusText)
	case $c:$status in
	"kvp:Registered (protocol "*"), serving host requests") ;;
	"vss:Registered, waiting for backups") ;;
	"fcopy:Registered (legacy fcopy device), waiting for copies") ;;
	*) fail "$u: unexpected STATUS=$status" ;;
	esac
done

log "host side gone: the daemons keep running and say so in STATUS="
for c in kvp vss fcopy; do
	eval "pid_$c=\$(main_pid \$(unit_of \$c))"
	systemctl stop "hvgsys-host@$c.service"
done
not_registered() { ! registered "$1"; }
for c in kvp vss fcopy; do
	u=$(unit_of $c)
	wait_until 20 not_registered "$u" || fail "$u still says $(prop "$u" StatusText)"
	echo "    $u: $(prop "$u" ActiveState), STATUS=$(prop "$u" StatusText)"
	[ "$(prop "$u" ActiveState)" = active ] || fail "$u is not active without its host side"
	eval "[ \"\$(main_pid \$u)\" = \"\$pid_$c\" ]" || fail "$u's daemon was replaced"
done
all_serving
for c in kvp vss fcopy; do
	u=$(unit_of $c)
	eval "[ \"\$(main_pid \$u)\" = \"\$pid_$c\" ]" || fail "$u's daemon was replaced"
	echo "    $u: STATUS=$(prop "$u" StatusText)"
done
log "Type=notify, READY=1 and STATUS= as documented"
