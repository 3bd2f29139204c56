#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Fetch (once) and cache what the ARM VM lane (check.d/96-arm64.sh) needs
# from Debian bookworm for ARCH (arm64; armhf), never installed on the host:
#   - the kernel linux-image-<arch> points at (6.1.0-N-arm64, the -unsigned
#     package when indexed: same kernel), its headers and -common;
#   - linux-kbuild-6.1 for *amd64* at the same version: the headers'
#     scripts/ and tools/ links (../../lib/linux-kbuild-6.1/...) resolve to
#     it in root/, and its host binaries build modules for the target;
#   - busybox-static for ARCH (the initramfs);
#   - libpci-dev, libpci3, libudev1, zlib1g for ARCH (fpgadma-info is a
#     dynamic program: Debian ships no static libpci).
# Resolved from a private apt state ($CACHE/apt-bookworm-<arch>/; the
# host's sources and dpkg architectures are not touched; refreshed when
# older than ARM_KERNEL_MAX_AGE seconds, default 1800), downloaded with
# apt-get download, unpacked with dpkg-deb -x. The headers' Makefile
# includes the -common one by its absolute /usr/src path: it is rewritten
# to the cache entry's.
#
# The result lives in $CACHE/arm-kernel-<arch>-<kver>_<version>/ (CACHE
# defaults to /var/cache/fpgadma; cache-entry.sh's lock and atomic
# rename): root/ holds the unpacked packages (less the kernel's modules),
# debs.txt what was unpacked, stamp when. If the mirror cannot be reached, the newest cached entry of
# ARCH is used.
#
# Prints, one per line: "kver <release>", "version <Debian version>",
# "dir <cache entry>", "vmlinuz <path>", "kdir <headers>", "busybox
# <path>", "root <unpacked root>", for armhf "modpost <path>" (below).
# Progress goes to stderr.
#
# LABEL arm64-16k is arm64's 16 KiB-page flavour, which bookworm has in
# bookworm-backports only (6.12, linux-image-arm64-16k): its apt state
# also has bookworm-backports, and its kbuild is that kernel's
# (linux-kbuild-6.12.*, built for bookworm's glibc).
#
# Usage: scripts/arm-kernel.sh arm64|armhf|arm64-16k
set -euo pipefail

here=$(cd "$(dirname -- "$0")" && pwd)
cache=${CACHE:-/var/cache/fpgadma}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
security=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}

log() { echo "arm-kernel.sh: $*" >&2; }

label=${1:-} backports=0
case $label in
arm64) arch=arm64 flavour=arm64 ;;
armhf) arch=armhf flavour=armmp ;;
arm64-16k) arch=arm64 flavour=arm64-16k backports=1 ;;
*) sed -n '/^# Usage:/s/^# //p' "$0" >&2; exit 2 ;;
esac
meta=linux-image-$flavour

# --- the private apt state ------------------------------------------------
adir=$cache/apt-bookworm-$label
mkdir -p "$adir/lists/partial" "$adir/archives/partial"
key=/usr/share/keyrings/debian-archive-keyring.gpg
cat > "$adir/sources.list.new" <<EOF
deb [signed-by=$key] $mirror bookworm main
deb [signed-by=$key] $mirror bookworm-updates main
deb [signed-by=$key] $security bookworm-security main
EOF
((!backports)) ||
	echo "deb [signed-by=$key] $mirror bookworm-backports main" >> "$adir/sources.list.new"
cmp -s "$adir/sources.list.new" "$adir/sources.list" 2>/dev/null ||
	mv "$adir/sources.list.new" "$adir/sources.list"
rm -f "$adir/sources.list.new"
: >> "$adir/status"
# amd64 too, for linux-kbuild-6.1:amd64.
apt_opts=(-o "Dir::Etc::sourcelist=$adir/sources.list" -o Dir::Etc::sourceparts=-
	  -o "Dir::State::Lists=$adir/lists" -o "Dir::State::status=$adir/status"
	  -o "Dir::Cache=$adir" -o "Dir::Cache::archives=$adir/archives"
	  -o "APT::Architecture=$arch" -o "APT::Architectures::=$arch"
	  -o APT::Architectures::=amd64
	  -o Acquire::Languages=none -o APT::Sandbox::User=root)
acache() { apt-cache "${apt_opts[@]}" "$@"; }

# One update at a time, none if the last good one is young enough. An
# index that cannot be fetched (bookworm-security's armhf one, "Mirror sync
# in progress?") is tolerated as long as bookworm main was: the kernel is
# then main's.
online=0
age=${ARM_KERNEL_MAX_AGE:-1800}
if [[ $adir/update.stamp -nt $adir/sources.list &&
      $(($(date +%s) - $(stat -c %Y "$adir/update.stamp"))) -lt $age ]]; then
	online=1
else
	flock "$adir/update.lock" apt-get "${apt_opts[@]}" -q update > "$adir/update.log" 2>&1 || true
	if compgen -G "$adir/lists/*_dists_bookworm_main_binary-${arch}_Packages*" > /dev/null &&
	   ! grep -qE "^(W|E): .*Failed to fetch .*/dists/bookworm/main/binary-$arch" "$adir/update.log" &&
	   ! grep -qE '^(W|E): .*(Temporary failure|Could not resolve|Could not connect)' "$adir/update.log"; then
		online=1
		touch "$adir/update.stamp"
		grep -E '^(W|E): ' "$adir/update.log" >&2 || true
	else
		rm -f "$adir/update.stamp"
		log "apt-get update failed (see $adir/update.log); using what is cached"
	fi
fi

newest_cached() {
	local d
	for d in "$cache/arm-kernel-$label-"*; do
		[[ -f $d/stamp ]] && echo "${d##*/arm-kernel-"$label"-}"
	done | sort -V | tail -n 1
}

kver='' ver='' imgpkg=''
if ((online)); then
	kver=$(acache depends "$meta:$arch" 2>/dev/null |
		sed -nE 's/^ *Depends: linux-image-([0-9][^ ]*)$/\1/p' | head -n 1)
	if [[ -n $kver ]]; then
		for imgpkg in "linux-image-$kver-unsigned" "linux-image-$kver"; do
			ver=$(acache show --no-all-versions "$imgpkg:$arch" 2>/dev/null |
				sed -n 's/^Version: //p' | head -n 1 || true)
			[[ -n $ver ]] && break
		done
	fi
	[[ -n $ver ]] || log "$meta:$arch not resolved in the index; using what is cached"
fi
if [[ -z $ver ]]; then
	entry=$(newest_cached)
	[[ -n $entry ]] || { log "no $label kernel: not in the index and none cached in $cache"; exit 1; }
	kver=${entry%%_*}
	ver=${entry#*_}
	ver=${ver//%/:}
fi

dir=$cache/arm-kernel-$label-${kver}_${ver//:/%}
report() {
	echo "kver $kver"
	echo "version $ver"
	echo "dir $dir"
	echo "vmlinuz $dir/root/boot/vmlinuz-$kver"
	echo "kdir $dir/root/usr/src/linux-headers-$kver"
	echo "busybox $dir/root/bin/busybox"
	echo "root $dir/root"
	[[ $arch != armhf ]] || echo "modpost $dir/modpost-arm"
}

. "$here/cache-entry.sh"
entry_lock
if [[ -f $dir/stamp ]]; then
	log "cached: $dir ($(cat "$dir/stamp"))"
	report
	exit 0
fi
((online)) || { log "$kver ($ver) is not cached and the mirror is unreachable"; exit 1; }

entry_begin
start=$SECONDS
log "fetching $label: $kver ($ver) into $dir"
kbase=${kver%-"$flavour"}
# The headers' kbuild (linux-kbuild-6.1, linux-kbuild-6.12.57+deb12, ...).
kbuild=$(acache depends "linux-headers-$kver:$arch=$ver" 2>/dev/null |
	sed -nE 's/^ *Depends: (linux-kbuild-[^ :]+).*/\1/p' | head -n 1)
[[ -n $kbuild ]] || { log "linux-headers-$kver: no linux-kbuild dependency in the index"; exit 1; }
pkgs=("$imgpkg:$arch=$ver" "linux-headers-$kver:$arch=$ver"
      "linux-headers-$kbase-common=$ver" "$kbuild:amd64=$ver"
      "busybox-static:$arch" "libpci-dev:$arch" "libpci3:$arch"
      "libudev1:$arch" "zlib1g:$arch")
mkdir -p "$tmp/debs" "$tmp/root"
if ! (cd "$tmp/debs" && apt-get "${apt_opts[@]}" -q download "${pkgs[@]}") >> "$blog" 2>&1; then
	log "apt-get download ${pkgs[*]} failed (see $blog)"
	exit 1
fi
for f in "$tmp"/debs/*.deb; do
	dpkg-deb -x "$f" "$tmp/root"
	dpkg-deb -f "$f" Package Version Architecture | paste -sd' ' >> "$tmp/debs.txt"
done
rm -rf "$tmp/debs"
# The image's modules (about 350 MB): the suite loads none but its own.
rm -rf "$tmp/root/lib/modules" "$tmp/root/usr/lib/modules"

h=$tmp/root/usr/src/linux-headers-$kver
sed -i "s#^include /usr/src/#include $dir/root/usr/src/#" "$h/Makefile"
for f in "boot/vmlinuz-$kver" bin/busybox "usr/src/linux-headers-$kver/Module.symvers" \
	 "usr/src/linux-headers-$kver/.config" "usr/src/linux-headers-$kbase-common/Makefile" \
	 "usr/src/linux-headers-$kver/scripts/basic/fixdep" \
	 "usr/src/linux-headers-$kver/scripts/mod/modpost"; do
	[[ -e $tmp/root/$f ]] || { log "unpacked packages lack $f"; exit 1; }
done
if ! LC_ALL=C readelf -h "$h/scripts/basic/fixdep" | grep -q 'Machine: *Advanced Micro Devices X86-64'; then
	log "the headers' kbuild binaries are not amd64 ones"
	exit 1
fi
# armhf: Debian's amd64 modpost runs modpost.real-lsb-32 for 32-bit
# objects, which has kernel_ulong_t at 32 bits but 64-bit pointers, so it
# mis-sizes struct of_device_id ("sizeof(struct of_device_id)=200 is not a
# modulo of the size of section __mod_of__...") and MODULE_DEVICE_TABLE(of)
# cannot be built. A modpost from linux-source-6.1 at the kernel's version
# (the host's when it is that version, else downloaded), with ARM's
# devicetable-offsets.h and elfconfig.h, does; the build passes MODPOST=.
if [[ $arch == armhf ]]; then
	"$here/deps.sh" gcc-arm-linux-gnueabihf xz-utils >&2 || { log "no armhf cross compiler"; exit 1; }
	src=/usr/src/linux-source-6.1.tar.xz
	if [[ $(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null) != "$ver" ]]; then
		mkdir -p "$tmp/debs"
		if ! (cd "$tmp/debs" && apt-get "${apt_opts[@]}" -q download "linux-source-6.1=$ver") >> "$blog" 2>&1; then
			log "apt-get download linux-source-6.1=$ver failed (see $blog)"
			exit 1
		fi
		dpkg-deb --fsys-tarfile "$tmp"/debs/linux-source-6.1_*.deb |
			tar -xO ./usr/src/linux-source-6.1.tar.xz > "$tmp/linux-source-6.1.tar.xz"
		src=$tmp/linux-source-6.1.tar.xz
	fi
	mp=$tmp/modpost
	mkdir -p "$mp/w"
	tar -xJf "$src" -C "$mp" --strip-components=1 linux-source-6.1/scripts/mod >> "$blog" 2>&1
	rm -rf "$tmp/debs" "$tmp/linux-source-6.1.tar.xz"
	m=$mp/scripts/mod
	# file2alias.c and modpost.c include ../../include/linux/*.h.
	ln -s "$tmp/root/usr/src/linux-headers-$kbase-common/include" "$mp/include"
	cp "$m/devicetable-offsets.c" "$m/empty.c" "$mp/w/"
	echo 'obj-m := empty.o' > "$mp/w/Kbuild"
	# The headers' Makefile and that link already name $dir (not yet
	# renamed): a temporary link.
	ln -sfn "$tmp" "$dir"
	if ! make -C "$h" M="$mp/w" ARCH=arm CROSS_COMPILE=arm-linux-gnueabihf- \
		devicetable-offsets.s empty.o >> "$blog" 2>&1; then
		rm -f "$dir"
		log "devicetable-offsets for ARM failed (see $blog)"
		exit 1
	fi
	# Kbuild's sed-offsets (scripts/Makefile.lib) and filechk_offsets.
	{
		echo '#ifndef __DEVICETABLE_OFFSETS_H__'
		echo '#define __DEVICETABLE_OFFSETS_H__'
		sed -ne 's:^[[:space:]]*\.ascii[[:space:]]*"\(.*\)".*:\1:; /^->/{s:->#\(.*\):/* \1 */:; s:^->\([^ ]*\) [\$#]*\([^ ]*\) \(.*\):#define \1 \2 /* \3 */:; s:->::; p;}' \
			"$mp/w/devicetable-offsets.s"
		echo '#endif'
	} > "$m/devicetable-offsets.h"
	if ! { gcc -o "$mp/w/mk_elfconfig" "$m/mk_elfconfig.c" &&
	       "$mp/w/mk_elfconfig" < "$mp/w/empty.o" > "$m/elfconfig.h" &&
	       gcc -O2 -I"$m" -o "$tmp/modpost-arm" "$m/modpost.c" "$m/file2alias.c" \
		   "$m/sumversion.c"; } >> "$blog" 2>&1; then
		rm -f "$dir"
		log "building modpost for ARM failed (see $blog)"
		exit 1
	fi
	grep -q 'SIZE_of_device_id 196 ' "$m/devicetable-offsets.h" ||
		{ log "ARM's struct of_device_id is not 196 bytes: $(grep SIZE_of_device_id "$m/devicetable-offsets.h")"; exit 1; }
	rm -f "$dir"
	rm -rf "$mp"
fi
took=$((SECONDS - start))
echo "fetched $(date -u +%FT%TZ) in ${took}s: $label $kver $ver" > "$tmp/stamp"
entry_commit
log "cached $dir in ${took}s"
report
