#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Build a gzip'd newc cpio initramfs for the VM tests: busybox-static, a
# generated /init, and the contents of STAGING_DIR (fpgadma.ko, test
# binaries, guest.sh) at its root. /init runs "sh /guest.sh", prints dmesg
# between GUEST-DMESG-BEGIN/END, then "GUEST-DONE rc=N", runs /shutdown.sh
# if staged (a stream left running for the power-off), and powers off.
# BUSYBOX (env) is the static busybox to use, default the host's
# /bin/busybox; another architecture's (e.g. busybox-static:arm64 unpacked
# by scripts/arm-kernel.sh) makes that architecture's initramfs.
# Usage: scripts/mkinitramfs.sh OUT.cpio.gz STAGING_DIR
set -euo pipefail

if (($# != 2)); then
	echo "usage: $0 OUT.cpio.gz STAGING_DIR" >&2
	exit 2
fi
out=$1
staging=$2
busybox=${BUSYBOX:-/bin/busybox}

[[ -d $staging ]] || { echo "mkinitramfs.sh: $staging is not a directory" >&2; exit 1; }
[[ -f $staging/guest.sh ]] || echo "mkinitramfs.sh: warning: no guest.sh in $staging" >&2
if ! hdr=$(LC_ALL=C readelf -l "$busybox" 2>/dev/null) || [[ $hdr == *INTERP* ]]; then
	# Dynamic /bin/busybox (package "busybox") would not run without libc.
	echo "mkinitramfs.sh: $busybox is missing or not static; install busybox-static" >&2
	exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mkdir -p "$tmp/bin"
cp -a "$staging/." "$tmp/"
cp "$busybox" "$tmp/bin/busybox"

cat > "$tmp/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox mkdir -p /bin /sbin /usr/bin /usr/sbin /proc /sys /dev /tmp
/bin/busybox --install -s /bin
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
[ -w /proc/sys/kernel/hung_task_timeout_secs ] &&
	echo 20 > /proc/sys/kernel/hung_task_timeout_secs
# Keep kernel messages off the console so they cannot split result lines;
# the full log is printed after the suite, where the host scans it.
dmesg -n 1
echo GUEST-START
cd /
sh /guest.sh > /dev/console 2>&1 < /dev/null
rc=$?
echo GUEST-DMESG-BEGIN
dmesg
echo GUEST-DMESG-END
echo "GUEST-DONE rc=$rc"
[ -f /shutdown.sh ] && sh /shutdown.sh > /dev/console 2>&1 < /dev/null
poweroff -f
INIT
chmod 755 "$tmp/init"

mkdir -p "$(dirname -- "$out")"
(cd "$tmp" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --owner=0:0 --quiet) | gzip -9n > "$out.tmp"
mv "$out.tmp" "$out"
