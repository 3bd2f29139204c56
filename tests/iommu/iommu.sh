#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# In-guest IOMMU check (busybox sh), staged as /guest.d/zz-iommu.sh by
# scripts/check.d/92-iommu.sh: runs after the whole suite and shows that
# every edu device (1234:11e8) sat behind the IOMMU with a translating
# default domain ("DMA", or "DMA-FQ" with lazy invalidation), not
# "identity" (passthrough: bus address = physical address), and that
# fpgadma binds it there (loads and unloads the module itself, as every
# /guest.d script does). Prints one "iommu: edu BDF group N type T" line per
# device for the host, which matches them against the kernel log.

KO=/fpgadma.ko
loaded=
if ! grep -q '^fpgadma ' /proc/modules; then
	insmod $KO ${KOPT:+"$KOPT"} || echo "FAIL: iommu.insmod: insmod $KO failed"
	loaded=1
fi
n=0 bad=
for d in /sys/bus/pci/devices/*; do
	if [ "$(cat "$d/vendor")" != 0x1234 ] || [ "$(cat "$d/device")" != 0x11e8 ]; then
		continue
	fi
	n=$((n + 1))
	bdf=${d##*/}
	if [ ! -e "$d/iommu_group" ]; then
		bad="$bad $bdf:no-iommu-group"
		continue
	fi
	grp=$(readlink "$d/iommu_group")
	grp=${grp##*/}
	type=$(cat "$d/iommu_group/type" 2>/dev/null)
	drv=$(readlink "$d/driver" 2>/dev/null)
	echo "iommu: edu $bdf group $grp type ${type:-?} driver ${drv##*/}"
	case $type in
	DMA | DMA-FQ) ;;
	*) bad="$bad $bdf:type=${type:-none}" ;;
	esac
	[ "${drv##*/}" = fpgadma ] || bad="$bad $bdf:driver=${drv##*/}"
done
if [ "$n" -lt 2 ]; then
	echo "FAIL: iommu.edu-translated: $n edu devices, not 2"
elif [ -n "$bad" ]; then
	echo "FAIL: iommu.edu-translated:$bad"
else
	echo "PASS: iommu.edu-translated"
fi
[ -n "$loaded" ] && grep -q '^fpgadma ' /proc/modules && rmmod fpgadma
exit 0
