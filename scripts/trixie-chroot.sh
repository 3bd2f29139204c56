#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# A cached Debian trixie chroot (debootstrap --variant=minbase, then the
# packages below with apt) to build modules against the newer suites'
# kernels: their kbuild binaries (fixdep, modpost, objtool) need trixie's
# glibc, and their headers want trixie's gcc-14. It also has dkms and
# trixie's own kernel headers (linux-headers-amd64) for the packaging test.
#
# The chroot lives in $CACHE/trixie-chroot-<key>/root (CACHE defaults to
# /var/cache/fpgadma), <key> being a hash of the suite, the package list
# and this script's recipe version; built once, with cache-entry.sh's lock
# and atomic rename, then reused.
#
#   scripts/trixie-chroot.sh path
#       build the chroot if needed, print its entry directory
#   scripts/trixie-chroot.sh run [--kernel DIR]... [--src DIR] -- CMD...
#       run CMD in the chroot, in a private mount namespace, on an overlay
#       whose changes are thrown away at exit (the cache is never written):
#       each --kernel DIR (a scripts/suite-kernel.sh entry) has its
#       usr/src/* and usr/lib/linux-kbuild-* bound read-only at the same
#       paths, as the headers' absolute include and relative links expect,
#       and /usr/lib/modules/<kver>/build pointing at them; --src DIR is
#       bound read-write at /src (the working directory). CMD's status is
#       the script's.
#
# Usage: scripts/trixie-chroot.sh path | run [--kernel DIR]... [--src DIR] -- CMD...
set -euo pipefail

here=$(cd "$(dirname -- "$0")" && pwd)
cache=${CACHE:-/var/cache/fpgadma}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
suite=trixie
# Bump when the steps below change in a way that changes the chroot.
recipe=1
pkgs=(gcc make libc6-dev libelf-dev bc kmod sparse dkms debhelper dh-dkms
      dpkg-dev fakeroot libpci-dev pkg-config python3 linux-headers-amd64)

usage() { sed -n '/^# Usage:/s/^# //p' "$0" >&2; exit 2; }
log() { echo "trixie-chroot.sh: $*" >&2; }

key=$(echo "recipe=$recipe suite=$suite minbase pkgs=${pkgs[*]}" | sha256sum | cut -c1-16)
dir=$cache/trixie-chroot-$key

build() {
	. "$here/cache-entry.sh"
	entry_lock
	if [[ -f $dir/stamp ]]; then
		return 0
	fi
	if ! "$here/deps.sh" debootstrap >&2; then
		log "debootstrap is missing"
		exit 1
	fi
	entry_begin
	local start=$SECONDS
	log "building the $suite chroot into $dir (log $blog)"
	if ! debootstrap --variant=minbase "$suite" "$tmp/root" "$mirror" >> "$blog" 2>&1; then
		log "debootstrap failed:"
		tail -n 20 "$blog" >&2
		exit 1
	fi
	cp /etc/resolv.conf "$tmp/root/etc/resolv.conf"
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main" \
		> "$tmp/root/etc/apt/sources.list"
	# Mounts for apt's maintainer scripts, gone with the namespace.
	# shellcheck disable=SC2016 # expanded by the inner bash
	if ! unshare -m --propagation private -- bash -c '
		set -e
		r=$1
		shift
		mount -t proc proc "$r/proc"
		mount --rbind /dev "$r/dev"
		mount -t sysfs sysfs "$r/sys"
		chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 \
			sh -c "apt-get -q update && apt-get -q install -y --no-install-recommends \"\$@\" && apt-get clean" \
			sh "$@"' _ "$tmp/root" "${pkgs[@]}" >> "$blog" 2>&1; then
		log "installing ${pkgs[*]} failed:"
		tail -n 20 "$blog" >&2
		exit 1
	fi
	rm -f "$tmp/root/etc/resolv.conf"
	mkdir "$tmp/mnt"
	# shellcheck disable=SC2016 # dpkg-query's format
	chroot "$tmp/root" dpkg-query -W -f='${Package} ${Version}\n' > "$tmp/packages.txt"
	local took=$((SECONDS - start))
	echo "built $(date -u +%FT%TZ) in ${took}s: $suite minbase + ${pkgs[*]}, key $key" > "$tmp/stamp"
	entry_commit
	log "built $dir in ${took}s"
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
run) ;;
*) usage ;;
esac

kernels=() src=''
while (($#)); do
	case $1 in
	--kernel) (($# >= 2)) || usage; kernels+=("$(realpath -- "$2")"); shift ;;
	--src) (($# >= 2)) || usage; src=$(realpath -- "$2"); shift ;;
	--) shift; break ;;
	*) usage ;;
	esac
	shift
done
(($# >= 1)) || usage
build

# The inner script runs as root in its own mount namespace: overlay, binds,
# chroot. Everything it mounts goes away with it, the overlay's upper layer
# too (a tmpfs on $dir/mnt, private to the namespace: runs can overlap).
# shellcheck disable=SC2016 # expanded by the inner bash
inner='
set -euo pipefail
lower=$1 w=$2 src=$3 nk=$4
shift 4
kernels=("${@:1:nk}")
shift "$nk"
mount -t tmpfs tmpfs "$w"
mkdir -p "$w/upper" "$w/work" "$w/root"
mount -t overlay overlay -o "lowerdir=$lower,upperdir=$w/upper,workdir=$w/work" "$w/root"
r=$w/root
mount -t proc proc "$r/proc"
mount --rbind /dev "$r/dev"
mount -t sysfs sysfs "$r/sys"
mount -t tmpfs tmpfs "$r/tmp"
robind() { mkdir -p "$2"; mount --bind "$1" "$2"; mount -o remount,bind,ro "$2"; }
for k in "${kernels[@]}"; do
	for d in "$k"/root/usr/src/* "$k"/root/usr/lib/linux-kbuild-*; do
		[[ -L $d ]] && { cp -a "$d" "$r/${d#"$k"/root/}"; continue; }
		robind "$d" "$r/${d#"$k"/root/}"
	done
	for h in "$k"/root/usr/lib/modules/*/build; do
		kv=${h%/build}
		kv=${kv##*/}
		mkdir -p "$r/usr/lib/modules/$kv"
		ln -sfn "/usr/src/linux-headers-$kv" "$r/usr/lib/modules/$kv/build"
	done
done
cwd=/
if [[ -n $src ]]; then
	mkdir -p "$r/src"
	mount --bind "$src" "$r/src"
	cwd=/src
fi
cd "$r"
exec chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
	LC_ALL=C.UTF-8 TERM=dumb sh -c "cd \"$cwd\" && exec \"\$@\"" sh "$@"
'
exec unshare -m --propagation private -- bash -c "$inner" _ \
	"$dir/root" "$dir/mnt" "$src" "${#kernels[@]}" "${kernels[@]}" "$@"
