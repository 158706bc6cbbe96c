#!/bin/sh
# Host-chosen strings cannot forge log lines or drive a terminal: a KVP key
# and an fcopy file name holding a newline, ESC, a C1 control (U+009B) and a
# backslash reach the daemons' logs escaped (\n, \x1b, \u009b, \\), and the
# file name cannot add assignments to the daemon's sd_notify STATUS= line.
# As root, the same through journald's native protocol (MESSAGE=, with
# MESSAGE_ID=), against a stand-in journal in a private mount namespace.
. "${HVGUEST_SRC:-.}/tests/integration/lib.sh"
hv_setup hypervkvpd hypervfcopyd hv-hostsim

ESC=$(printf '\033')
C1=$(printf '\302\233')
CR=$(printf '\r')

# no_raw_controls FILE: fail if FILE holds ESC, CR, a C1 control or a byte
# that is not UTF-8 (newlines end lines and are checked by the callers).
no_raw_controls() {
	! grep -q "$ESC" "$1" || hv_fail "$1: a raw ESC reached the log"
	! grep -q "$CR" "$1" || hv_fail "$1: a raw CR reached the log"
	! grep -q "$C1" "$1" || hv_fail "$1: a raw C1 control reached the log"
	iconv -f UTF-8 -t UTF-8 "$1" >/dev/null 2>&1 || hv_fail "$1: not valid UTF-8"
}

hv_log "KVP: a key with a newline, ESC, C1 and a backslash (debug logs every key)"
kvpd_start
hostsim_ok inject -e 'set external "evil\nhypervkvpd: Registered with the host (FORGED)\x1b[2J\xc2\x9b31m\\x" v' \
	-e 'get external "evil\nhypervkvpd: Registered with the host (FORGED)\x1b[2J\xc2\x9b31m\\x"' \
	-e "expect-value v"
kill "$KVPD_PID"
wait "$KVPD_PID"
KVPD_PID=
cat "$T/kvpd.log"
! grep -q '^hypervkvpd: Registered with the host (FORGED)' "$T/kvpd.log" ||
	hv_fail "a host key forged a log line"
no_raw_controls "$T/kvpd.log"
grep -Fq 'key="evil\nhypervkvpd: Registered with the host (FORGED)\x1b[2J\u009b31m\\x"' "$T/kvpd.log" ||
	hv_fail "the key is not logged escaped"

hv_log "fcopy: a file name with a newline, ESC and C1; STATUS= cannot be extended"
D=$T/dest
mkdir "$D"
: >"$T/fcopyd.log"
notify=
if command -v python3 >/dev/null 2>&1; then
	# A stand-in for systemd's notification socket: every datagram, one
	# after the other, each ending with a line "--".
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
open(sys.argv[2] + ".ready", "w").close()
with open(sys.argv[2], "ab", buffering=0) as out:
    while True:
        out.write(s.recv(65536) + b"\n--\n")
' "$T/notify.sock" "$T/notify.log" &
	notify=$!
	HOSTSIM_PID=$notify # killed by the cleanup if the test stops early
	hv_wait 10 test -e "$T/notify.log.ready" || hv_fail "the notify listener did not start"
else
	echo "python3 is not installed: not checking the sd_notify STATUS= line"
fi
NOTIFY_SOCKET=${notify:+$T/notify.sock} "$HVGUEST_BUILD/hypervfcopyd" -c /dev/null \
	-o "fcopy.device=$T/fc.sock" -o fcopy.transport=chardev -o fcopy.allowed_roots=/ \
	>>"$T/fcopyd.log" 2>&1 &
KVPD_PID=$!
printf 'payload' >"$T/p"
name=$(printf 'x\nWATCHDOG=trigger\nhypervfcopyd: Copied the shadow file (FORGED)\033[2J\302\233m')
"$HVGUEST_BUILD/hv-hostsim" fcopy --socket "$T/fc.sock" --timeout 20 --name "$name" "$T/p" "$D" \
	>"$T/fc.out" 2>&1 || { cat "$T/fc.out"; hv_fail "the copy failed"; }
cmp -s "$T/p" "$D/$name" || hv_fail "the file did not arrive under its name"
kill "$KVPD_PID"
wait "$KVPD_PID"
KVPD_PID=
cat "$T/fcopyd.log"
! grep -q '^hypervfcopyd: Copied the shadow file (FORGED)' "$T/fcopyd.log" ||
	hv_fail "a host file name forged a log line"
no_raw_controls "$T/fcopyd.log"
grep -Fq "to $D/x\\nWATCHDOG=trigger\\nhypervfcopyd: Copied the shadow file (FORGED)\\x1b[2J\\u009bm" \
	"$T/fcopyd.log" || hv_fail "the file name is not logged escaped"
if [ -n "$notify" ]; then
	kill "$notify"
	wait "$notify" 2>/dev/null
	cat "$T/notify.log"
	grep -q '^STATUS=Copying ' "$T/notify.log" || hv_fail "no STATUS=Copying line was sent"
	! grep -q '^WATCHDOG=trigger' "$T/notify.log" ||
		hv_fail "a host file name added WATCHDOG=trigger to the notification"
	! grep -q '^hypervfcopyd: Copied' "$T/notify.log" ||
		hv_fail "a host file name added a line to the notification"
fi
hv_log "journald: MESSAGE= is escaped too, MESSAGE_ID= is sent"
# sd_journal_send() writes to /run/systemd/journal/socket: a stand-in
# journal listens there, in a private mount namespace with its own /run,
# and JOURNAL_STREAM names the daemon's stderr as log.c expects under
# systemd. Needs root (unshare -m) and python3.
if [ "$(id -u)" -ne 0 ] || ! command -v python3 >/dev/null 2>&1 ||
	! unshare -m true 2>/dev/null; then
	echo "not root, no python3 or no unshare -m: not checking the journal fields"
else
	cat >"$T/journal.py" <<'EOP'
import json, socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
open(sys.argv[2] + ".ready", "w").close()
out = open(sys.argv[2], "a")
while True:
    d, fields = s.recv(1 << 20), {}
    while d:
        line, _, rest = d.partition(b"\n")
        if b"=" in line:
            k, _, v = line.partition(b"=")
            d = rest
        else:  # the binary form: NAME\n, a 64-bit length, the value, \n
            k, n = line, struct.unpack("<Q", rest[:8])[0]
            v, d = rest[8:8 + n], rest[9 + n:]
        fields[k.decode()] = v.decode("utf-8", "backslashreplace")
    out.write(json.dumps(fields) + "\n")
    out.flush()
EOP
	cat >"$T/journal.sh" <<EOS
set -u
mount -t tmpfs tmpfs /run || exit 1
mkdir -p /run/systemd/journal
python3 "$T/journal.py" /run/systemd/journal/socket "$T/journal.log" &
jpid=\$!
n=0
while [ ! -e "$T/journal.log.ready" ] && [ \$n -lt 100 ]; do sleep 0.1; n=\$((n + 1)); done
: >"$T/jstderr"
JOURNAL_STREAM=\$(stat -c '%d:%i' "$T/jstderr") "$HVGUEST_BUILD/hypervkvpd" -c /dev/null \
	-o "kvp.device=$T/kvp.sock" -o "kvp.pool_dir=$T/pools" -o "kvp.os_release=$T/os-release" \
	-d 2>>"$T/jstderr" &
dpid=\$!
"$HVGUEST_BUILD/hv-hostsim" kvp --socket "$T/kvp.sock" \
	-e 'set external "j\\nhypervkvpd: Registered with the host (FORGED)\\x1b[2J\\xc2\\x9b" v' \
	-e "bad op" >"$T/journal-hs.out" 2>&1
rc=\$?
kill \$dpid
wait \$dpid
sleep 0.2
kill \$jpid
exit \$rc
EOS
	unshare -m --propagation private sh "$T/journal.sh" || hv_fail "the journal scenario failed"
	cat "$T/journal-hs.out"
	python3 - "$T/journal.log" <<'EOP' || hv_fail "the journal fields are wrong"
import json, sys
entries = [json.loads(l) for l in open(sys.argv[1])]
ok = True
def check(cond, what):
    global ok
    if not cond:
        print("FAIL:", what)
        ok = False
msgs = [e.get("MESSAGE", "") for e in entries]
for e in entries:
    print(e)
check(entries, "nothing reached the journal")
check(all(e.get("SYSLOG_IDENTIFIER") == "hypervkvpd" for e in entries), "SYSLOG_IDENTIFIER")
for m in msgs:
    check(not any(ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f for c in m), "a raw control in " + repr(m))
check(any('key="j\\nhypervkvpd: Registered with the host (FORGED)\\x1b[2J\\u009b"' in m for m in msgs),
      "the key is not in a MESSAGE, escaped")
ids = {e.get("MESSAGE_ID") for e in entries}
check("6f1d6c3b9a2e4c51b0a7e2d4c3f8a901" in ids, "no MESSAGE_ID for the registration")
check("9c4a2e1f7b3d4a6c8e0f1a2b3c4d5e6f" in ids, "no MESSAGE_ID for the malformed message")
sys.exit(0 if ok else 1)
EOP
	[ ! -s "$T/jstderr" ] || { cat "$T/jstderr"; hv_fail "lines went to stderr instead of the journal"; }
fi
echo "host strings reach the logs, the journal and sd_notify escaped"
