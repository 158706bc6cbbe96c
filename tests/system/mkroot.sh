#!/bin/sh
# mkroot.sh DEST: a clean Debian 12 (bookworm) root in DEST, made with
# debootstrap --variant=minbase from the archive this machine's apt uses.
#
# debootstrap takes minutes and fetches ~40 MB, so its result is kept as a
# tarball under $HVGUEST_ROOT_CACHE (default build/cache, i.e. inside the
# checkout, never /var) and unpacked anew for every caller: each caller gets
# an untouched root, and the cache is remade when older than
# $HVGUEST_ROOT_MAXAGE days (default 7) so security updates come in.
# The root gets the same apt sources as this machine (deb822 or one-line),
# so apt-get inside reaches the same archive.
#
# Used by `make check-fresh` (tests/system/check-fresh.sh) and
# `make check-system` (tests/system/run.sh). Needs root and debootstrap
# (installed with apt-get when missing).
set -eu

[ $# -eq 1 ] || { echo "usage: $0 DEST" >&2; exit 2; }
dest=$1
[ "$(id -u)" -eq 0 ] || { echo "mkroot.sh: debootstrap needs root" >&2; exit 77; }

src=$(cd "$(dirname "$0")/../.." && pwd)
cache=${HVGUEST_ROOT_CACHE:-$src/build/cache}
maxage=${HVGUEST_ROOT_MAXAGE:-7}
tarball=$cache/debian12-minbase.tar

# The first deb URI of the main Debian archive in apt's sources.
archive_uri() {
	uri=
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		uri=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' "$f")
		[ -z "$uri" ] || break
	done
	if [ -z "$uri" ]; then
		uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
			awk '$1 == "deb" && $2 !~ /security/ { print ($2 ~ /^\[/ ? $3 : $2); exit }')
	fi
	echo "${uri:-http://deb.debian.org/debian}"
}

make_tarball() {
	command -v debootstrap >/dev/null 2>&1 ||
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap >/dev/null
	mkdir -p "$cache"
	work=$(mktemp -d "$cache/debootstrap.XXXXXX")
	uri=$(archive_uri)
	echo "mkroot.sh: debootstrap --variant=minbase bookworm from $uri (cached in $tarball)"
	if ! debootstrap --variant=minbase bookworm "$work/root" "$uri" >"$work/log" 2>&1; then
		tail -n 30 "$work/log" >&2
		rm -rf "$work"
		exit 1
	fi
	# No package lists or downloaded .debs in the cache: a fresh machine has
	# none either, and apt-get update inside fetches the current ones.
	rm -rf "$work/root/var/cache/apt/archives/"*.deb "$work/root/var/lib/apt/lists/"* 2>/dev/null || true
	tar -C "$work/root" -cf "$work/root.tar" .
	mv "$work/root.tar" "$tarball"
	rm -rf "$work"
}

if [ ! -f "$tarball" ] || [ -n "$(find "$tarball" -mtime +"$maxage" 2>/dev/null)" ]; then
	make_tarball
fi

mkdir -p "$dest"
tar -C "$dest" -xf "$tarball"
# apt inside: the machine's own sources and keyrings, so the same archive.
rm -f "$dest/etc/apt/sources.list"
mkdir -p "$dest/etc/apt/sources.list.d"
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] || continue
	cp "$f" "$dest${f}"
done
cp -a /usr/share/keyrings/debian-archive-keyring.gpg "$dest/usr/share/keyrings/" 2>/dev/null || true
cp /etc/resolv.conf "$dest/etc/resolv.conf" 2>/dev/null || true
