#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Boot the kernel the module was built for, with two edu devices, and run
# the staged suite: once with MSI and the ring memory the driver picks
# (coherent on x86), once with INTx only (pci=nomsi) and cached ring memory
# (fpgadma.memory=cached, which tests/guest/guest.sh passes to insmod), so
# that both memory kinds run the whole suite.
. "$(dirname -- "$0")/lib.sh"

if [[ ! -f $STAGE/fpgadma.ko || ! -f $STAGE/guest.sh ]]; then
	fail "vm:$KVER: nothing to run (a build failed)"
	exit 0
fi
scripts/mkinitramfs.sh "$OUT/initramfs.cpio.gz" "$STAGE" || {
	fail "vm:initramfs"
	exit 0
}
for mode in msi intx; do
	# The long shared-ring stream (tests/guest/guest.sh) in this run only.
	append="fpgadma.shm_long=1"
	[[ $mode == intx ]] && append="pci=nomsi fpgadma.memory=cached"
	scripts/vm-run.sh --kernel "/boot/vmlinuz-$KVER" \
		--initrd "$OUT/initramfs.cpio.gz" --edu 2 --timeout 1200 \
		--append "$append" --log "$OUT/vm-$KVER-$mode.log" \
		--label "$KVER-$mode" | sed "s/^\(PASS\|FAIL\): /&$mode:/" >> "$RESULTS"
	grep -E "^(FAIL: $mode:|  log:)" "$RESULTS" || true
done
