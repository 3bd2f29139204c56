#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# A cached minimal Debian bookworm userspace with python3 and numpy, for
# the Python binding's tests in the VM (python/tests/): the userspace a
# user has, not the guests' busybox.
#
# The rootfs is $CACHE/pyroot-<key>/root (CACHE defaults to
# /var/cache/fpgadma), <key> a hash of the suite, mirror, package list and
# this script's recipe version; built once (debootstrap --variant=minbase
# --include=...), with cache-entry.sh's lock and atomic rename, then
# reused. Documentation, locales and apt's downloads are removed to keep
# it small.
#
#   scripts/pyroot.sh path
#       build the rootfs if needed, print its entry directory
#   scripts/pyroot.sh image OUT.img DEB...
#       a copy of the rootfs with the given .debs installed as a user
#       would (dpkg -i in a chroot; their dependencies are in the rootfs),
#       written as an ext4 image (mke2fs -d) for a virtio-blk disk
#
# Usage: scripts/pyroot.sh path | image OUT.img DEB...
set -euo pipefail

here=$(cd "$(dirname -- "$0")" && pwd)
cache=${CACHE:-/var/cache/fpgadma}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
suite=bookworm
# Bump when the steps below change in a way that changes the rootfs.
recipe=1
pkgs=(python3 python3-numpy)

usage() { sed -n '/^# Usage:/s/^# //p' "$0" >&2; exit 2; }
log() { echo "pyroot.sh: $*" >&2; }

key=$(echo "recipe=$recipe suite=$suite mirror=$mirror minbase pkgs=${pkgs[*]}" |
	sha256sum | cut -c1-16)
dir=$cache/pyroot-$key

build() {
	. "$here/cache-entry.sh"
	entry_lock
	[[ -f $dir/stamp ]] && return 0
	if ! "$here/deps.sh" debootstrap e2fsprogs >&2; then
		log "debootstrap or e2fsprogs is missing"
		exit 1
	fi
	entry_begin
	local start=$SECONDS
	log "building the $suite python rootfs into $dir (log $blog)"
	local inc
	inc=$(IFS=,; echo "${pkgs[*]}")
	if ! debootstrap --variant=minbase --include="$inc" "$suite" "$tmp/root" "$mirror" \
		>> "$blog" 2>&1; then
		log "debootstrap failed:"
		tail -n 20 "$blog" >&2
		exit 1
	fi
	local r=$tmp/root
	rm -rf "$r"/usr/share/doc/* "$r"/usr/share/man/* "$r"/usr/share/info/* \
		"$r"/usr/share/locale/* "$r"/var/cache/apt/archives/*.deb \
		"$r"/var/lib/apt/lists/* "$r"/var/log/* "$r"/tmp/* 2> /dev/null || true
	# shellcheck disable=SC2016 # dpkg-query's format
	chroot "$r" dpkg-query -W -f='${Package} ${Version}\n' > "$tmp/packages.txt"
	local took=$((SECONDS - start))
	echo "built $(date -u +%FT%TZ) in ${took}s: $suite minbase + ${pkgs[*]}, key $key" > "$tmp/stamp"
	entry_commit
	log "built $dir in ${took}s ($(du -sh "$dir/root" | cut -f1))"
}

(($# >= 1)) || usage
cmd=$1
shift
case $cmd in
path)
	(($# == 0)) || usage
	build
	echo "$dir"
	exit 0 ;;
image)
	(($# >= 2)) || usage ;;
*) usage ;;
esac

out=$1
shift
debs=()
for d in "$@"; do
	[[ -r $d ]] || { log "cannot read $d"; exit 1; }
	debs+=("$(realpath -- "$d")")
done
build
work=$(mktemp -d "${TMPDIR:-/tmp}/pyroot.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp -a "$dir/root" "$work/root"
mkdir -p "$work/root/tmp/debs"
cp "${debs[@]}" "$work/root/tmp/debs/"
# dpkg needs no /proc for these packages; the chroot's own dpkg installs
# them, so a missing dependency or a broken maintainer script fails here.
if ! chroot "$work/root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	sh -c 'dpkg -i /tmp/debs/*.deb' > "$work/dpkg.log" 2>&1; then
	log "dpkg -i in the rootfs failed:"
	tail -n 20 "$work/dpkg.log" >&2
	exit 1
fi
rm -rf "$work/root/tmp/debs"
# Room for the tests' files; no metadata_csum (the guest would need the
# crc32c module) and no journal (mounted read only).
size=$(( $(du -sm "$work/root" | cut -f1) + 64 ))
mkdir -p "$(dirname -- "$out")"
rm -f "$out"
mke2fs -q -t ext4 -O ^metadata_csum,^has_journal -L pyroot -d "$work/root" \
	"$out" "${size}M"
