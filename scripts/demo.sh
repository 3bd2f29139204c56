#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# make demo: boot Debian's kernel in QEMU with an edu device, load fpgadma,
# and capture a stream two ways: zero copy (fpgadma_acquire) and dd.
set -euo pipefail
cd "$(dirname -- "$0")/.."

scripts/deps.sh
kver=$(scripts/kver.sh)
out=build/demo
rm -rf "$out"
mkdir -p "$out/stage"
make -s -C driver KDIR="/usr/src/linux-headers-$kver"
make -s -C userlib/examples O="$PWD/$out/stage"
cp driver/fpgadma.ko "$out/stage/"
cat > "$out/stage/guest.sh" <<'GUEST'
set -e
echo "### insmod fpgadma.ko"
insmod /fpgadma.ko
ls -l /dev/fpgadma*
d=/sys/class/fpgadma/fpgadma0
echo "### $d: engine $(cat $d/engine), $(cat $d/buf_count) x $(cat $d/buf_size) bytes"
echo "### zero-copy acquisition: 30 buffers read in place from the mapped ring"
/fpgadma_acquire /dev/fpgadma0 30
echo "### copy path: dd if=/dev/fpgadma0 of=/tmp/capture.bin bs=64K count=2"
dd if=/dev/fpgadma0 of=/tmp/capture.bin bs=64K count=2
hexdump -C /tmp/capture.bin | head -n 4
echo "### counters: completed $(cat $d/completed), dropped $(cat $d/dropped), irqs $(cat $d/irqs)"
rmmod fpgadma
echo "### demo done"
GUEST
scripts/mkinitramfs.sh "$out/initramfs.cpio.gz" "$out/stage"
scripts/vm-run.sh --kernel "/boot/vmlinuz-$kver" --initrd "$out/initramfs.cpio.gz" \
	--edu 1 --timeout 300 --log "$out/vm.log" --label demo > "$out/result.txt" || true
sed -n '/^GUEST-START/,/^GUEST-DMESG-BEGIN/p' "$out/vm.log" | tr -d '\r' |
	grep -v '^GUEST-'
if grep -q '^PASS: vm-clean-log' "$out/result.txt" && grep -q '### demo done' "$out/vm.log"; then
	echo "demo: OK (full console log: $out/vm.log)"
else
	cat "$out/result.txt"
	echo "demo: FAILED (see $out/vm.log)"
	exit 1
fi
