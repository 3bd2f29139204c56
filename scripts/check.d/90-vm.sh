#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Boot the kernel the module was built for, with two edu devices, and run
# the staged suite: once with MSI and the ring memory the driver picks
# (coherent on x86), once with INTx only (pci=nomsi) and cached ring memory
# (fpgadma.memory=cached, which tests/guest/guest.sh passes to insmod), so
# that both memory kinds run the whole suite.
# The first run also has the Python tests (python/tests/guest.sh).
. "$(dirname -- "$0")/lib.sh"

if [[ ! -f $STAGE/fpgadma.ko || ! -f $STAGE/guest.sh ]]; then
	fail "vm:$KVER: nothing to run (a build failed)"
	exit 0
fi
scripts/mkinitramfs.sh "$OUT/initramfs.cpio.gz" "$STAGE" || {
	fail "vm:initramfs"
	exit 0
}
# The first run also runs the Python binding's tests in a Debian rootfs
# (scripts/py-stage.sh; the disk and its initramfs are for this run only).
py=()
if scripts/py-stage.sh "$OUT" "$STAGE" "$KVER" > "$OUT/py-stage.log" 2>&1 &&
	scripts/mkinitramfs.sh "$OUT/initramfs-py.cpio.gz" "$OUT/stage-py"; then
	py=(--disk "$OUT/pyroot.img")
else
	fail "vm:python-stage: see $OUT/py-stage.log"
fi
for mode in msi intx; do
	# The long shared-ring stream (tests/guest/guest.sh) in this run only.
	append="fpgadma.shm_long=1" initrd=$OUT/initramfs.cpio.gz disk=()
	[[ $mode == intx ]] && append="pci=nomsi fpgadma.memory=cached"
	if [[ $mode == msi && ${#py[@]} -gt 0 ]]; then
		initrd=$OUT/initramfs-py.cpio.gz disk=("${py[@]}")
	fi
	scripts/vm-run.sh --kernel "/boot/vmlinuz-$KVER" \
		--initrd "$initrd" "${disk[@]}" --edu 2 --timeout 1200 \
		--append "$append" --log "$OUT/vm-$KVER-$mode.log" \
		--label "$KVER-$mode" | sed "s/^\(PASS\|FAIL\): /&$mode:/" >> "$RESULTS"
	grep -E "^(FAIL: $mode:|  log:)" "$RESULTS" || true
done
