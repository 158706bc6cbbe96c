#!/bin/sh
# `make check` as root runs the fault-injection suite (tests/faults/run.sh,
# also `make check-faults`): pool ENOSPC/EIO/corruption, 1,000 channel
# drops per daemon, SIGKILLs during SET storms, copies and freezes, hung
# hooks. About 3 minutes. Skipped (77) unless root.
[ "$(id -u)" = 0 ] || { echo "needs root (tmpfs and loop mounts, namespaces)"; exit 77; }
exec sh "${HVGUEST_SRC:-.}/tests/faults/run.sh"
