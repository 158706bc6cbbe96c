#!/bin/sh
# The config key table (lib/config.c) is the one list of keys: this checks
# that hvguest.conf(5) and conf/hvguest.conf list exactly its keys, that the
# sample file's commented defaults are the real defaults, that bad files and
# options exit 2 naming file, line and key, and that the man page is
# mandoc-clean. The table is read from "hypervkvpd --dump-config".
set -u
BUILD=${HVGUEST_BUILD:?HVGUEST_BUILD not set}
SRC=${HVGUEST_SRC:?HVGUEST_SRC not set}
BIN=$BUILD/hypervkvpd
MAN=$SRC/man/hvguest.conf.5.in
CONF=$SRC/conf/hvguest.conf

if [ ! -x "$BIN" ]; then
	echo "hypervkvpd not built ($BIN)"
	exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/test-config-manpage.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# section.key per line, from "[section]" headers and "key = " lines.
keys_of_ini() { # file, line prefix of a key ("" or "#")
	awk -v p="$2" '
		/^\[[a-z_]+\]/ { s = substr($0, 2, index($0, "]") - 2); next }
		index($0, p) == 1 {
			l = substr($0, length(p) + 1)
			if (l ~ /^[a-z_]+ = /) { split(l, w, " "); print s "." w[1] }
		}' "$1" | sort
}

# Never the machine's /etc/hvguest: always an explicit -c.
"$BIN" --dump-config -c /dev/null >"$tmp/defaults.conf" 2>"$tmp/err" ||
	{ cat "$tmp/err"; bad "hypervkvpd --dump-config -c /dev/null failed"; exit 1; }
keys_of_ini "$tmp/defaults.conf" "" >"$tmp/table"
[ -s "$tmp/table" ] || { bad "no keys in the --dump-config output"; exit 1; }

# Every key in the dump follows a "# doc" line.
awk '/^[a-z_]+ = / && prev !~ /^# ./ { print "undocumented in dump: " $1; e = 1 }
	{ prev = $0 } END { exit e }' "$tmp/defaults.conf" || fail=1

# The man page: ".It Cm key" entries under '.Ss "[section]"' in KEYS.
awk '
	/^\.Sh / { inkeys = ($2 == "KEYS"); next }
	inkeys && /^\.Ss / { s = $0; sub(/^\.Ss "?\[/, "", s); sub(/\]"?$/, "", s); next }
	inkeys && /^\.It Cm / { print s "." $3 }' "$MAN" | sort >"$tmp/man"
keys_of_ini "$CONF" "#" >"$tmp/conf"

for doc in man conf; do
	if ! cmp -s "$tmp/table" "$tmp/$doc"; then
		bad "keys differ between the table (<) and the $doc list (>):"
		diff "$tmp/table" "$tmp/$doc"
	fi
done

# Each key's documented default in the man page is the dumped one, matched
# by section and key (several sections have a key of the same name).
while IFS= read -r k; do
	sec=${k%%.*}
	key=${k#*.}
	val=$(awk -v sec="$sec" -v key="$key" '
		/^\[/ { s = substr($0, 2, index($0, "]") - 2); next }
		s == sec && index($0, key " = ") == 1 { print substr($0, length(key) + 4); exit }' \
		"$tmp/defaults.conf")
	awk -v sec="$sec" -v key="$key" '
		/^\.Sh / { inkeys = ($2 == "KEYS"); next }
		inkeys && /^\.Ss / { s = $0; sub(/^\.Ss "?\[/, "", s); sub(/\]"?$/, "", s); next }
		inkeys && /^\.It Cm / { on = (s == sec && $3 == key); next }
		on && /^Default:$/ { getline; print; exit }' "$MAN" >"$tmp/mandefault"
	manval=$(sed -e 's/^\.[A-Z][a-z] //' -e 's/ \.$//' -e 's|@LOCALSTATEDIR@|/var|' \
		-e 's|@RUNSTATEDIR@|/run|' -e 's|@SYSCONFDIR@|/etc|' "$tmp/mandefault")
	[ "$manval" = "$val" ] || bad "man page default of $k is '$manval', the table's '$val'"
done <"$tmp/table"

# The sample file loads, and its commented defaults are the real ones.
out=$("$BIN" --check-config -c "$CONF" 2>&1)
[ "$out" = "configuration OK" ] || bad "--check-config on conf/hvguest.conf: $out"
sed 's/^#\([a-z_]* = \)/\1/' "$CONF" >"$tmp/uncommented.conf"
if "$BIN" --dump-config -c "$tmp/uncommented.conf" >"$tmp/uncommented.dump" 2>"$tmp/err"; then
	cmp -s "$tmp/defaults.conf" "$tmp/uncommented.dump" || {
		bad "conf/hvguest.conf's commented values are not the defaults:"
		diff "$tmp/defaults.conf" "$tmp/uncommented.dump"
	}
else
	cat "$tmp/err"
	bad "conf/hvguest.conf with every key uncommented does not load"
fi

# The dump loads back to itself.
"$BIN" --dump-config -c "$tmp/defaults.conf" >"$tmp/again" 2>&1 &&
	cmp -s "$tmp/defaults.conf" "$tmp/again" || bad "--dump-config output does not load back"

# Errors: exit 2, naming file, line and key (or the -o option).
# refused WHAT PATTERN ARGS...: "$BIN" ARGS exits 2 and, unless PATTERN is
# empty, says PATTERN (a grep regex) on stderr, kept in $tmp/err.
refused() {
	what=$1 pattern=$2
	shift 2
	"$BIN" "$@" >/dev/null 2>"$tmp/err"
	rc=$?
	[ $rc -eq 2 ] || bad "$what: exit $rc, expected 2"
	[ -z "$pattern" ] || grep -q -- "$pattern" "$tmp/err" || bad "$what message: $(cat "$tmp/err")"
}
printf '[kvp]\n\ndevice = dev/relative\n' >"$tmp/bad.conf"
refused "bad file" "$tmp/bad.conf:3: \[kvp\] device: " --check-config -c "$tmp/bad.conf"

printf '[kvp]\nno_such_key = 1\n' >"$tmp/bad.conf"
refused "unknown key" "bad.conf:2: \[kvp\] no_such_key: unknown key" \
	--check-config -c "$tmp/bad.conf"

refused "bad -o" "-o kvp.fqdn_timeout=1h: out of range" --check-config -c /dev/null \
	-o kvp.fqdn_timeout=1h

refused "missing -c file" "" -c "$tmp/missing.conf" --check-config

# -o and -d override the file.
printf '[kvp]\npool_dir = /from/file\n' >"$tmp/ok.conf"
"$BIN" --dump-config -d -c "$tmp/ok.conf" -o kvp.pool_dir=/from/option >"$tmp/dump" 2>&1
grep -qx "pool_dir = /from/option" "$tmp/dump" || bad "-o did not override the file"
grep -qx "debug = yes" "$tmp/dump" || bad "-d did not set daemon.debug"

"$BIN" --bogus >/dev/null 2>&1
rc=$?
[ $rc -eq 2 ] || bad "unknown option: exit $rc, expected 2"
"$BIN" --help >"$tmp/help" 2>&1 || bad "--help failed"
for o in --config --option --debug --no-daemon --check-config --dump-config --version --help; do
	grep -q -- "$o" "$tmp/help" || bad "--help does not mention $o"
done
"$BIN" --version | grep -q '^hypervkvpd (hvguest) ' || bad "--version output"

# kvp.ifconfig_backend takes its values from the backend table: an unknown
# one is refused at parse time with file:line and the list, and every
# value on that list is documented in hvguest.conf(5), hypervkvpd(8), the
# sample file and --help.
printf '[kvp]\n\nifconfig_backend = wicked\n' >"$tmp/bad.conf"
refused "unknown backend" "bad.conf:3: \[kvp\] ifconfig_backend: not one of: auto, " \
	--check-config -c "$tmp/bad.conf"
backends=$(sed -n 's/.*not one of: \(.*\): "wicked".*/\1/p' "$tmp/err" | tr -d ,)
[ -n "$backends" ] || bad "no backend list in: $(cat "$tmp/err")"
KVPD_MAN=$SRC/man/hypervkvpd.8.in
for b in $backends; do
	awk '/^\.It Cm ifconfig_backend/ { on = 1; next } on && /^\.It Cm/ { exit } on' "$MAN" |
		grep -qx "\.Li $b[ ,]*[.,]*" || bad "hvguest.conf(5) does not list backend $b"
	grep -q "^\.Li $b\( ,\)*\$" "$KVPD_MAN" || bad "hypervkvpd(8) does not list backend $b"
	grep -A8 'How SET_IP_INFO' "$CONF" | grep -Eq "[ (]$b([,) ]|\$)" ||
		bad "conf/hvguest.conf does not list backend $b"
	[ "$b" = auto ] || "$BIN" --help | tr -d '\n' | grep -q "them:.* $b[,( .]" ||
		bad "--help does not list backend $b"
	"$BIN" --check-config -c /dev/null -o "kvp.ifconfig_backend=$b" >/dev/null 2>&1 ||
		bad "backend $b is refused"
done

# The man page, with paths substituted as the Makefile does.
if command -v mandoc >/dev/null 2>&1; then
	sed -e 's|@SYSCONFDIR@|/etc|g' -e 's|@LOCALSTATEDIR@|/var|g' \
	    -e 's|@RUNSTATEDIR@|/run|g' -e 's|@VERSION@|0|g' "$MAN" >"$tmp/hvguest.conf.5"
	mandoc -Tlint -W warning "$tmp/hvguest.conf.5" || bad "mandoc -Tlint warnings"
else
	echo "mandoc not installed: lint not run"
fi

[ $fail -eq 0 ] && echo "config table, man page and sample file agree"
exit $fail
