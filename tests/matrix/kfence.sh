#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# In-guest KFENCE check (busybox sh), staged as /guest.d/zz-kfence.sh by
# scripts/check.d/95-matrix.sh on kernels booted with kfence.sample_interval
# (6.12): runs after the whole suite and shows that KFENCE was sampling
# allocations during it and found nothing. Does not use the module.

stats=/sys/kernel/debug/kfence/stats
[ -r $stats ] || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
if [ ! -r $stats ]; then
	echo "FAIL: kfence.sampled: no $stats"
	exit 0
fi
enabled=$(sed -n 's/^enabled: *//p' $stats)
allocs=$(sed -n 's/^total allocations: *//p' $stats)
bugs=$(sed -n 's/^total bugs: *//p' $stats)
if [ "$enabled" = 1 ] && [ "${allocs:-0}" -gt 0 ]; then
	echo "PASS: kfence.sampled"
else
	echo "FAIL: kfence.sampled: enabled=$enabled total allocations=$allocs"
fi
if [ "$bugs" = 0 ]; then
	echo "PASS: kfence.no-bugs"
else
	echo "FAIL: kfence.no-bugs: total bugs=$bugs"
fi
echo "kfence: $(tr '\n' ',' < $stats)"
exit 0
