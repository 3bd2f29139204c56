#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# A cached Debian trixie chroot (debootstrap --variant=minbase, then the
# packages below with apt) to build modules against the newer suites'
# kernels: their kbuild binaries (fixdep, modpost, objtool) need trixie's
# glibc, and their headers want trixie's gcc-14. It also has dkms and
# trixie's own kernel headers (linux-headers-amd64) for the packaging test,
# and sid's newer sparse in /opt/sparse-sid/usr/bin/sparse (see below).
#
# The chroot lives in $CACHE/trixie-chroot-<key>/root (CACHE defaults to
# /var/cache/fpgadma), <key> being a hash of the suite, the package list
# and this script's recipe version; built once, with cache-entry.sh's lock
# and atomic rename, then reused.
#
#   scripts/trixie-chroot.sh path
#       build the chroot if needed, print its entry directory
#   scripts/trixie-chroot.sh run [--kernel DIR]... [--src DIR] [--net] -- CMD...
#       run CMD in the chroot, in a private mount namespace, on an overlay
#       whose changes are thrown away at exit (the cache is never written):
#       each --kernel DIR (a scripts/suite-kernel.sh entry) has its
#       usr/src/* and usr/lib/linux-kbuild-* mounted (overlays again) at the
#       same paths, as the headers' absolute include and relative links expect,
#       and /usr/lib/modules/<kver>/build pointing at them; --src DIR is
#       bound read-write at /src (the working directory); --net gives it
#       the host's /etc/resolv.conf (for apt). CMD's status is the script's.
#
# Usage: scripts/trixie-chroot.sh path | run [--kernel DIR]... [--src DIR] [--net] -- CMD...
set -euo pipefail

here=$(cd "$(dirname -- "$0")" && pwd)
cache=${CACHE:-/var/cache/fpgadma}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
suite=trixie
# Bump when the steps below change in a way that changes the chroot.
recipe=2
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
	# The packages, then sid's sparse unpacked beside trixie's in
	# /opt/sparse-sid: kernels from 6.19 on use __typeof_unqual__ under
	# sparse too, which trixie's 0.6.4 cannot parse (sid's 0.6.5~rc1 can,
	# and runs on trixie's glibc).
	cat > "$tmp/root/tmp/setup.sh" <<SETUP
set -e
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8
apt-get -q update
apt-get -q install -y --no-install-recommends ${pkgs[*]}
apt-get clean
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror sid main" > /tmp/sid.list
# Like the host's apt configuration: the mirror may serve a sid index
# past its Valid-Until date (a snapshot).
sid="-o Dir::Etc::sourcelist=/tmp/sid.list -o Dir::Etc::sourceparts=- -o Dir::State::Lists=/tmp/sid-lists"
sid="\$sid -o Acquire::Check-Valid-Until=false"
mkdir -p /tmp/sid-lists/partial /tmp/sid-deb
apt-get -q \$sid update
cd /tmp/sid-deb
apt-get -q \$sid -o APT::Sandbox::User=root download sparse
dpkg-deb -x sparse_*.deb /opt/sparse-sid
dpkg-deb -f sparse_*.deb Package Version | paste -sd' ' > /opt/sparse-sid/VERSION
/opt/sparse-sid/usr/bin/sparse --version
SETUP
	# Mounts for apt's maintainer scripts, gone with the namespace.
	# shellcheck disable=SC2016 # expanded by the inner bash
	if ! unshare -m --propagation private -- bash -c '
		set -e
		r=$1
		mount -t proc proc "$r/proc"
		mount --rbind /dev "$r/dev"
		mount -t sysfs sysfs "$r/sys"
		chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
			sh /tmp/setup.sh' _ "$tmp/root" >> "$blog" 2>&1; then
		log "installing ${pkgs[*]} or sid's sparse failed:"
		tail -n 20 "$blog" >&2
		exit 1
	fi
	rm -rf "$tmp/root/tmp/"* "$tmp/root/tmp/".[!.]* 2> /dev/null || true
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

kernels=() src='' net=0
while (($#)); do
	case $1 in
	--net) net=1 ;;
	--kernel) (($# >= 2)) || usage; kernels+=("$(realpath -- "$2")"); shift ;;
	--src) (($# >= 2)) || usage; src=$(realpath -- "$2"); shift ;;
	--) shift; break ;;
	*) usage ;;
	esac
	shift
done
(($# >= 1)) || usage
build

# in_namespace LOWER MNT SRC NKERNELS KERNEL... CMD...: runs as root in
# its own mount namespace (unshare -m): overlay, mounts, chroot. All it
# mounts goes away with it, the overlays' upper layers too (a tmpfs on
# MNT, $dir/mnt, private to the namespace: runs can overlap).
in_namespace() {
	set -euo pipefail
	local lower=$1 w=$2 src=$3 net=$4 nk=$5 r n=0 k d mk cv h kv cwd=/
	shift 5
	local kernels=("${@:1:nk}")
	shift "$nk"
	mount -t tmpfs tmpfs "$w"
	mkdir -p "$w/upper" "$w/work" "$w/root"
	mount -t overlay overlay -o "lowerdir=$lower,upperdir=$w/upper,workdir=$w/work" "$w/root"
	r=$w/root
	mount -t proc proc "$r/proc"
	mount --rbind /dev "$r/dev"
	mount -t sysfs sysfs "$r/sys"
	mount -t tmpfs tmpfs "$r/tmp"
	((net)) && cp /etc/resolv.conf "$r/etc/resolv.conf"
	for k in "${kernels[@]}"; do
		# Each cached directory writable, its changes in the tmpfs.
		for d in "$k"/root/usr/src/* "$k"/root/usr/lib/linux-kbuild-*; do
			if [[ -L $d ]]; then
				cp -a "$d" "$r/${d#"$k"/root/}"
				continue
			fi
			n=$((n + 1))
			mkdir -p "$w/k$n/upper" "$w/k$n/work" "$r/${d#"$k"/root/}"
			mount -t overlay overlay \
				-o "lowerdir=$d,upperdir=$w/k$n/upper,workdir=$w/k$n/work" \
				"$r/${d#"$k"/root/}"
		done
		for h in "$k"/root/usr/lib/modules/*/build; do
			kv=${h%/build}
			kv=${kv##*/}
			mkdir -p "$r/usr/lib/modules/$kv"
			ln -sfn "/usr/src/linux-headers-$kv" "$r/usr/lib/modules/$kv/build"
		done
	done
	# From 6.19 on the top Makefile accepts C=1/C=2 only if
	# scripts/checker-valid.sh says the checker handles __typeof_unqual__,
	# and Debian's -common headers do not ship that script: supply one.
	for mk in "$r"/usr/src/linux-headers-*/Makefile; do
		cv=${mk%/Makefile}/scripts/checker-valid.sh
		if grep -q 'scripts/checker-valid.sh' "$mk" && [[ ! -e $cv ]]; then
			mkdir -p "${cv%/*}"
			cat > "$cv" <<-'CHECKER'
			#!/bin/sh
			# Supplied by fpgadma's trixie-chroot.sh: prints 1 if the checker
			# (the arguments) parses __typeof_unqual__ without an error, else 0.
			command -v "$1" > /dev/null 2>&1 || { echo 0; exit 0; }
			t=$(mktemp --suffix=.c)
			echo 'int f(const int *p) { __typeof_unqual__(*p) x = *p; return x; }' > "$t"
			if "$@" "$t" 2>&1 | grep -q error; then echo 0; else echo 1; fi
			rm -f "$t"
			CHECKER
			chmod 755 "$cv"
		fi
	done
	if [[ -n $src ]]; then
		mkdir -p "$r/src"
		mount --bind "$src" "$r/src"
		cwd=/src
	fi
	# shellcheck disable=SC2016 # for the chroot's sh
	chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
		LC_ALL=C.UTF-8 TERM=dumb sh -c 'cd "$1" && shift && exec "$@"' sh "$cwd" "$@"
}

exec unshare -m --propagation private -- bash -c "$(declare -f in_namespace); in_namespace \"\$@\"" _ \
	"$dir/root" "$dir/mnt" "$src" "$net" "${#kernels[@]}" "${kernels[@]}" "$@"
