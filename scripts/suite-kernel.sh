#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Fetch (once) and cache a Debian amd64 kernel of a newer suite than the
# host's (trixie, trixie-backports, sid) for the kernel matrix: the image
# and its headers, unpacked with dpkg-deb -x, never installed on the host.
#
# LABEL is a series, optionally with -rt (the PREEMPT_RT flavour):
#   6.12 6.16 6.17 6.18 ... 7.x (the newest 7.*), e.g. 6.18-rt, 7.x-rt.
# The newest release of that series and flavour that the mirror indexes is
# resolved at run time from a private apt state ($CACHE/apt/, the host's
# sources are not touched; refreshed when older than SUITE_KERNEL_MAX_AGE
# seconds, default 1800), so the matrix follows the mirror; if the
# mirror cannot be reached, the newest cached release of the series is
# used. trixie-backports keeps older series' images indexed but drops
# their headers from the index: those (headers, -common, linux-kbuild)
# are fetched from the pool by URL, at the image's version, and checked
# to be the package and version asked for.
#
# The result lives in $CACHE/kernel-<kver>_<debian version>/ (CACHE
# defaults to /var/cache/fpgadma; built with cache-entry.sh's lock and
# atomic rename): root/ holds the unpacked packages (boot/vmlinuz-<kver>
# or, from 7.x on, usr/lib/modules/<kver>/vmlinuz; usr/lib/modules/<kver>/, usr/src/linux-headers-<kver>{,-common...},
# usr/lib/linux-kbuild-*), debs.txt what was unpacked, stamp when.
# Debian's headers use absolute /usr/src paths and trixie's kbuild
# binaries need trixie's glibc: build against them inside the trixie
# chroot (scripts/trixie-chroot.sh run --kernel <dir>), where KDIR is
# the printed kdir.
#
# Prints, one per line: "kver <release>", "version <Debian version>",
# "dir <cache entry>", "vmlinuz <path on the host>", "kdir <path in the
# chroot>". Progress goes to stderr.
#
# Usage: scripts/suite-kernel.sh [--offline] LABEL
set -euo pipefail

here=$(cd "$(dirname -- "$0")" && pwd)
cache=${CACHE:-/var/cache/fpgadma}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
offline=0

usage() { sed -n '/^# Usage:/s/^# //p' "$0" >&2; exit 2; }
while (($#)); do
	case $1 in
	--offline) offline=1 ;;
	-*) usage ;;
	*) break ;;
	esac
	shift
done
(($# == 1)) || usage
label=$1

log() { echo "suite-kernel.sh: $*" >&2; }

flavour=amd64
series=${label%-rt}
[[ $series != "$label" ]] && flavour=rt-amd64
case $series in
[0-9].x) sre="${series%.x}\\.[0-9]+" ;;
[0-9].[0-9]|[0-9].[0-9][0-9]) sre="${series//./\\.}" ;;
*) log "bad label '$label' (e.g. 6.18, 6.18-rt, 7.x)"; exit 2 ;;
esac
# linux-image-6.18.15+deb13-amd64, linux-image-7.3.4+deb13-rt-amd64(-unsigned)
kre="^linux-image-(${sre}\\.[0-9]+\\+deb[0-9]+-${flavour})(-unsigned)?\$"

"$here/deps.sh" curl >&2 || { log "curl is missing"; exit 1; }

# --- the private apt state ------------------------------------------------
adir=$cache/apt
mkdir -p "$adir/lists/partial" "$adir/archives/partial"
cat > "$adir/sources.list.new" <<EOF
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie-backports main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror sid main
EOF
cmp -s "$adir/sources.list.new" "$adir/sources.list" 2>/dev/null ||
	mv "$adir/sources.list.new" "$adir/sources.list"
rm -f "$adir/sources.list.new"
: >> "$adir/status"
apt_opts=(-o "Dir::Etc::sourcelist=$adir/sources.list" -o Dir::Etc::sourceparts=-
	  -o "Dir::State::Lists=$adir/lists" -o "Dir::State::status=$adir/status"
	  -o "Dir::Cache=$adir" -o "Dir::Cache::archives=$adir/archives"
	  -o APT::Architecture=amd64 -o APT::Architectures::=amd64
	  -o Acquire::Languages=none -o APT::Sandbox::User=root)
acache() { apt-cache "${apt_opts[@]}" "$@"; }

# One "apt-get update" at a time over the shared lists, and none if the
# last good one is younger than SUITE_KERNEL_MAX_AGE seconds (default 1800:
# one make check asks several times) and was for these sources.
online=0
age=${SUITE_KERNEL_MAX_AGE:-1800}
if ((!offline)); then
	if [[ $adir/update.stamp -nt $adir/sources.list &&
	      $(($(date +%s) - $(stat -c %Y "$adir/update.stamp"))) -lt $age ]]; then
		online=1
	elif flock "$adir/update.lock" apt-get "${apt_opts[@]}" -q update > "$adir/update.log" 2>&1 &&
	   ! grep -qE '^(W|E): .*(Failed to fetch|Temporary failure|Could not)' "$adir/update.log"; then
		online=1
		touch "$adir/update.stamp"
	else
		rm -f "$adir/update.stamp"
		log "apt-get update failed (see $adir/update.log); using what is cached"
	fi
fi

# newest_cached: the newest cache entry of this series and flavour.
newest_cached() {
	local d best=''
	for d in "$cache"/kernel-*; do
		[[ -f $d/stamp ]] || continue
		d=${d##*/kernel-}
		[[ kernel-$d =~ ^kernel-(${sre}\.[0-9]+\+deb[0-9]+-${flavour})_ ]] || continue
		best+="$d"$'\n'
	done
	sort -V <<< "$best" | sed '/^$/d' | tail -n 1
}

kver='' ver='' imgpkg=''
if ((online)); then
	kver=$(acache pkgnames linux-image- | sed -nE "s/$kre/\\1/p" | sort -uV | tail -n 1)
	if [[ -n $kver ]]; then
		# The unsigned image when indexed (same kernel, no signature).
		for imgpkg in "linux-image-$kver-unsigned" "linux-image-$kver"; do
			ver=$(acache show --no-all-versions "$imgpkg" 2>/dev/null |
				sed -n 's/^Version: //p' | head -n 1 || true)
			[[ -n $ver ]] && break
		done
	fi
	[[ -n $ver ]] || log "no $label kernel in the index; using what is cached"
fi
if [[ -z $ver ]]; then
	entry=$(newest_cached)
	if [[ -z $entry ]]; then
		log "no $label kernel: not in the index and none cached in $cache"
		exit 1
	fi
	kver=${entry%%_*}
	ver=${entry#*_}
	ver=${ver//%/:}
fi

dir=$cache/kernel-${kver}_${ver//:/%}
# vmlinuz_in ROOT: the image, in /boot (up to 6.x) or, from 7.x on (the
# linux-binary package), in /usr/lib/modules/<kver>/.
vmlinuz_in() {
	local f
	for f in "$1/boot/vmlinuz-$kver" "$1/usr/lib/modules/$kver/vmlinuz"; do
		[[ -f $f ]] && { echo "$f"; return 0; }
	done
	return 1
}
report() {
	echo "kver $kver"
	echo "version $ver"
	echo "dir $dir"
	echo "vmlinuz $(vmlinuz_in "$dir/root")"
	echo "kdir /usr/src/linux-headers-$kver"
}

. "$here/cache-entry.sh"
entry_lock
if [[ -f $dir/stamp ]]; then
	log "cached: $dir ($(cat "$dir/stamp"))"
	report
	exit 0
fi
if ((!online)); then
	log "$kver ($ver) is not cached and the mirror is unreachable"
	exit 1
fi

entry_begin
start=$SECONDS
log "fetching $label: $kver ($ver) into $dir"

# fetch PKG ARCH...: PKG_VER_ARCH.deb into $tmp/debs, through apt when the
# index has that version, else from pool/main/l/linux/ by URL (older
# backports' headers); the deb must be that package at that version.
fetch() {
	local pkg=$1 a f url got fs
	shift
	if acache show "$pkg=$ver" > /dev/null 2>&1; then
		if ! (cd "$tmp/debs" && apt-get "${apt_opts[@]}" -q download "$pkg=$ver") >> "$blog" 2>&1; then
			log "apt-get download $pkg=$ver failed (see $blog)"
			return 1
		fi
		fs=("$tmp/debs/${pkg}_"*.deb)
		f=${fs[0]}
	else
		for a in "$@"; do
			f=$tmp/debs/${pkg}_${ver#*:}_$a.deb
			url=$mirror/pool/main/l/linux/${f##*/}
			url=${url//+/%2B}
			url=${url//\~/%7E}
			echo "GET $url" >> "$blog"
			curl -fsSL --retry 2 -o "$f" "$url" >> "$blog" 2>&1 && break
			rm -f "$f"
		done
		[[ -f $f ]] || { log "$pkg $ver: not in the index, not in the pool"; return 1; }
	fi
	got=$(dpkg-deb -f "$f" Package Version | tr '\n' ' ')
	if [[ $got != "Package: $pkg Version: $ver " ]]; then
		log "$f is '$got', not $pkg $ver"
		return 1
	fi
	echo "$f"
}

mkdir -p "$tmp/debs" "$tmp/root"
debs=()
f=$(fetch "$imgpkg" amd64) || exit 1
debs+=("$f")
# 7.x splits the image: vmlinuz in linux-binary-<kver>, the modules in
# linux-modules-<kver>, both at the image's version.
while read -r dep; do
	f=$(fetch "$dep" amd64) || exit 1
	debs+=("$f")
done < <(dpkg-deb -f "${debs[0]}" Depends | tr ',' '\n' |
	sed -nE 's/^ *(linux-(binary|modules)-[^ ]+).*/\1/p' |
	grep -Fx -e "linux-binary-$kver" -e "linux-modules-$kver" | sort -u)
hdeb=${#debs[@]}
f=$(fetch "linux-headers-$kver" amd64) || exit 1
debs+=("$f")
# The headers' dependencies of the same source: -common and linux-kbuild
# (at the image's version; linux-kbuild's dependency is unversioned).
while read -r dep; do
	f=$(fetch "$dep" all amd64) || exit 1
	debs+=("$f")
done < <(dpkg-deb -f "${debs[hdeb]}" Depends | tr ',' '\n' |
	sed -nE 's/^ *(linux-headers-[^ ]+-common[^ ]*|linux-kbuild-[^ ]+)( .*)?$/\1/p' | sort -u)

for f in "${debs[@]}"; do
	dpkg-deb -x "$f" "$tmp/root"
	dpkg-deb -f "$f" Package Version | paste -sd' ' >> "$tmp/debs.txt"
done
rm -rf "$tmp/debs"

# What the matrix needs must be there, and the headers' relative links
# (scripts, tools -> ../../lib/linux-kbuild-*) must resolve in root/.
h=$tmp/root/usr/src/linux-headers-$kver
vmlinuz_in "$tmp/root" > /dev/null || { log "unpacked packages have no vmlinuz"; exit 1; }
for f in "$h/Makefile" "$h/Module.symvers" "$h/.config" \
	 "$h/scripts/basic/fixdep" "$h/scripts/mod/modpost"; do
	[[ -e $f ]] || { log "unpacked packages lack ${f#"$tmp"/}"; exit 1; }
done
inc=$(sed -n 's|^include /usr/src/\([^/]*\)/Makefile$|\1|p' "$h/Makefile")
if [[ -n $inc && ! -f $tmp/root/usr/src/$inc/Makefile ]]; then
	log "headers include /usr/src/$inc/Makefile, which no unpacked package has"
	exit 1
fi
took=$((SECONDS - start))
echo "fetched $(date -u +%FT%TZ) in ${took}s: $label $kver $ver" > "$tmp/stamp"
entry_commit
log "cached $dir in ${took}s"
report
