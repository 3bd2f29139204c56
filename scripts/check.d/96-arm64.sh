#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# arm64 lane: the whole VM suite on Debian bookworm's arm64 kernel (the one
# linux-image-arm64 points at), booted on qemu-system-aarch64's virt
# machine (TCG, Cortex-A53, 2 CPUs, 512 MiB, two edu devices on its PCIe;
# vm-run.sh --arch arm64), with the modules, test programs, library and
# tools cross-built with aarch64-linux-gnu-, and the compat ioctl test
# (m32.sh) with an armhf fpgadma_test. Results are prefixed "arm64:"; what
# is built and run: arm-lane.sh. Measured on 2026-12-02 (2 cores, shared
# with a CI run, warm cache): about 140 s per VM run, 300 s for the lane.
# Part of every make check; FPGADMA_ARM64_LANE=0 skips it.
. "$(dirname -- "$0")/lib.sh"

if [[ ${FPGADMA_ARM64_LANE:-1} == 0 ]]; then
	echo "arm64: lane skipped (FPGADMA_ARM64_LANE=0)"
	exit 77
fi
# shellcheck disable=SC2034 # used by arm-lane.sh
L=arm64 debarch=arm64 karch=arm64 cross=aarch64-linux-gnu- machine=AArch64 compat=1
# shellcheck source=arm-lane.sh
. "$(dirname -- "$0")/arm-lane.sh"
exit 0
