#!/bin/sh
# The differential compatibility suite (tests/compat/run.sh, also
# `make check-compat`): hypervkvpd, hypervfcopyd and hypervvssd against
# Debian's hyperv-daemons, every difference listed in docs/compatibility.md.
# Skips unless root (private mount namespaces) and the upstream KVP daemon
# is installed.
HVGUEST_SRC=${HVGUEST_SRC:-.}
[ "$(id -u)" -eq 0 ] || { echo "needs root (upstream daemons run in private mount namespaces)"; exit 77; }
[ -x /usr/sbin/hv_kvp_daemon ] || { echo "/usr/sbin/hv_kvp_daemon is missing (install Debian's hyperv-daemons)"; exit 77; }
exec sh "$HVGUEST_SRC/tests/compat/run.sh"
