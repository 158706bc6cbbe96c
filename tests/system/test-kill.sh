#!/bin/sh
# A daemon killed with SIGKILL is started again by systemd (Restart=) and
# registers again; its unit ends up active with a new main process.
. /opt/hvgsys/tests/lib.sh
hvguest_installed || fail "hvguest is not installed (did test-switch fail?)"

all_serving
for c in kvp vss fcopy; do
	u=$(unit_of $c)
	eval "pid_$c=\$(main_pid \$u) n_$c=\$(prop \$u NRestarts)"
	eval "kill -KILL \$pid_$c"
	eval "echo \"    $u: killed \$pid_$c\""
done
for c in kvp vss fcopy; do
	u=$(unit_of $c)
	eval "wait_until 30 restarted \$u \$pid_$c \$n_$c" ||
		fail "$u was not restarted after SIGKILL: $(systemctl show -p MainPID -p NRestarts -p ActiveState -p Result "$u" | tr '\n' ' ')"
	eval "! kill -0 \$pid_$c 2>/dev/null" || fail "the killed daemon of $u still exists"
	echo "    $u: restarted as $(main_pid "$u"), NRestarts=$(prop "$u" NRestarts)"
done
all_serving
log "restarted after SIGKILL and registered again"
