#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# 32-bit ARM lane: the whole VM suite on Debian bookworm's armhf kernel
# (the one linux-image-armmp points at), booted on qemu-system-arm's virt
# machine with highmem=off (TCG, Cortex-A15, 2 CPUs, 512 MiB, two edu
# devices on its PCIe; vm-run.sh --arch arm), with the modules, test
# programs, library and tools cross-built with arm-linux-gnueabihf- and
# the modules' modpost rebuilt for ARM (scripts/arm-kernel.sh: Debian's
# amd64 one mis-sizes struct of_device_id for 32-bit ARM). Results are
# prefixed "arm:"; what is built and run: arm-lane.sh. Then one more boot,
# on QEMU's Exynos4210 machine (smdkc210): the dmaengine engine streaming
# from a channel of the SoC's PL330 through the mainline dma-pl330
# provider ("arm:pl330:", arm-lane.sh pl330=1).
# Part of every make check; FPGADMA_ARM_LANE=0 skips it.
. "$(dirname -- "$0")/lib.sh"

if [[ ${FPGADMA_ARM_LANE:-1} == 0 ]]; then
	echo "arm: lane skipped (FPGADMA_ARM_LANE=0)"
	exit 77
fi
# shellcheck disable=SC2034 # used by arm-lane.sh
L=arm debarch=armhf karch=arm cross=arm-linux-gnueabihf- machine=ARM compat=0 pl330=1
# shellcheck source=arm-lane.sh
. "$(dirname -- "$0")/arm-lane.sh"
exit 0
