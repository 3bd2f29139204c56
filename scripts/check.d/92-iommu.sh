#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# IOMMU lane: the whole staged VM suite (MSI, as in 90-vm) on the primary
# kernel, on a q35 machine with an emulated Intel IOMMU (QEMU's
# intel-iommu, interrupt remapping on) in front of the two edu devices:
# vm-run.sh --iommu, which boots with intel_iommu=on iommu.passthrough=0
# iommu.strict=1. Every bus address the driver hands edu is then an IOVA
# that the IOMMU translates; a physical address, an unmapped or freed
# IOVA, or a write to a read-only mapping faults, vm-run.sh fails the run
# on the "DMAR: ... fault" lines, and the suite's pattern checks fail on
# the data that never arrived. Results are prefixed "iommu:".
#
# Translation must really have been on: the kernel log must show DMAR
# enabled, translated default domains with strict invalidation, and each
# edu device added to an IOMMU group; tests/iommu/iommu.sh (staged as
# /guest.d/zz-iommu.sh, runs after the suite) checks in sysfs that their
# groups' domain type is DMA (not identity) and that fpgadma binds them.
# The software model (fpgadma_model.ko) is a platform device outside the
# IOMMU: its DMA is direct, as it needs.
#
# About 2 minutes (the suite runs as fast as without the IOMMU), so it is
# part of every make check; FPGADMA_IOMMU_LANE=0 skips it. Env:
# IOMMU_TIMEOUT (seconds, default 1200).
. "$(dirname -- "$0")/lib.sh"

if [[ ${FPGADMA_IOMMU_LANE:-1} == 0 ]]; then
	echo "iommu: lane skipped (FPGADMA_IOMMU_LANE=0)"
	exit 77
fi

idir=$OUT/iommu
mkdir -p "$idir"
start=$SECONDS

if [[ ! -f $STAGE/fpgadma.ko || ! -f $STAGE/guest.sh ]]; then
	fail "iommu:vm:$KVER: nothing to run (a build failed)"
	exit 0
fi
rm -rf "$idir/stage"
cp -a "$STAGE" "$idir/stage"
mkdir -p "$idir/stage/guest.d"
cp tests/iommu/iommu.sh "$idir/stage/guest.d/zz-iommu.sh"
if ! scripts/mkinitramfs.sh "$idir/initramfs.cpio.gz" "$idir/stage"; then
	fail "iommu:vm:initramfs"
	exit 0
fi

log=$idir/vm-$KVER.log
scripts/vm-run.sh --iommu --kernel "/boot/vmlinuz-$KVER" \
	--initrd "$idir/initramfs.cpio.gz" --edu 2 \
	--timeout "${IOMMU_TIMEOUT:-1200}" --log "$log" \
	--label "iommu-$KVER" | sed "s/^\(PASS\|FAIL\): /&iommu:/" >> "$RESULTS"
grep -E "^(FAIL: iommu:|  log:)" "$RESULTS" || true

# The kernel log: DMAR on, translated strict default domains, and every
# edu device tests/iommu/iommu.sh found added to an IOMMU group.
clean=$(tr -d '\r' < "$log")
missing=()
for want in 'DMAR: IOMMU enabled' \
	'DMAR: Intel(R) Virtualization Technology for Directed I/O' \
	'iommu: Default domain type: Translated' \
	'iommu: DMA domain TLB invalidation policy: strict mode'; do
	grep -qF -- "$want" <<< "$clean" || missing+=("'$want'")
done
mapfile -t edus < <(sed -nE 's/^iommu: edu ([0-9a-f:.]+) group ([0-9]+) .*/\1 \2/p' <<< "$clean")
((${#edus[@]} == 2)) || missing+=("2 'iommu: edu' lines from the guest (${#edus[@]})")
for e in "${edus[@]}"; do
	want="pci ${e% *}: Adding to iommu group ${e#* }"
	grep -qF -- "$want" <<< "$clean" || missing+=("'$want'")
done
if ((${#missing[@]})); then
	fail "iommu:translation-on: not in $log: ${missing[*]}"
else
	pass "iommu:translation-on"
fi
echo "iommu: lane took $((SECONDS - start))s"
exit 0
