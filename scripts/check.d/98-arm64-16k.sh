#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# arm64 with 16 KiB pages: the whole VM suite (MSI, the memory the driver
# picks; the model on the device-tree node of tests/dt/) on Debian's
# arm64-16k kernel (bookworm-backports' 6.12, linux-image-arm64-16k:
# CONFIG_ARM64_16K_PAGES, PAGE_SHIFT 14), on qemu-system-aarch64's virt
# machine with a Cortex-A76 (the A53 of 96-arm64 has no 16 KiB
# translation granule); the modules, programs and library cross-built as
# in 96-arm64 (arm-lane.sh), without the compat ioctl test (armhf binaries,
# linked for 4 KiB pages, do not load under a 16 KiB-page kernel). The point: no
# test and no driver path may assume 4 KiB pages (buffer sizes, mmap
# offsets, the guard pages, the page_size INFO reports). Results
# "arm64-16k:". One VM run (about 3 minutes): CI only
# (FPGADMA_FULL_MATRIX=1, which .ci/run sets), or FPGADMA_ARM64_16K_LANE=1;
# FPGADMA_ARM64_16K_LANE=0 skips it everywhere.
. "$(dirname -- "$0")/lib.sh"

if [[ ${FPGADMA_ARM64_16K_LANE:-${FPGADMA_FULL_MATRIX:-0}} != 1 ]]; then
	echo "arm64-16k: lane skipped (CI only: FPGADMA_FULL_MATRIX=1 or FPGADMA_ARM64_16K_LANE=1)"
	exit 77
fi
L=arm64-16k debarch=arm64 karch=arm64 cross=aarch64-linux-gnu- machine=AArch64 compat=0
klabel=arm64-16k vmarch=arm64 cpu=cortex-a76 lane_modes=msi
. "$(dirname -- "$0")/arm-lane.sh"
exit 0
