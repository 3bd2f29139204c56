#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Debug-kernel lane: the whole staged VM suite on a kernel with KASAN,
# lockdep (PROVE_LOCKING), DEBUG_ATOMIC_SLEEP, DMA-API debugging, KFENCE,
# kmemleak, CMA and fault injection, plus tests/faultinj (CMA-backed
# buffers of 16 MiB, fail-nth passes over open/SET_RING/mmap/START/read and
# probe, a kmemleak scan). Results are prefixed "debug:".
#
# scripts/debug-kernel.sh builds the kernel once and caches it (key: its
# config fragment + linux-source version). The module and the model
# fpgadma_model.ko are built with W=1 against that tree in $OUT/debug/ (a
# copy of driver/, tests/model/ and include/; the tree is not touched), put
# into a copy of $STAGE with /faultinj and
# /guest.d/zx-faultinj.sh (and the KFENCE check of the matrix lane), and
# booted with cma=, kmemleak=on, kfence.sample_interval=1 and cached ring
# memory (fpgadma.memory=cached: its cache handoffs are what DMA-API
# debugging checks; the memory subtests stream both kinds). vm-run.sh
# fails the run on any BUG/WARNING/Oops/KASAN/KFENCE/DMA-API/lockdep/hung
# task line. DMA-API checks are not restricted with dma_debug_driver=:
# the filter (kernel/dma/debug.c driver_filter()) hides the "pending DMA
# allocations" report at unbind, i.e. a missing dma_free_coherent, because
# the device has no driver any more by then; and it matches one struct
# device_driver, the first it sees by that name, while fpgadma registers
# two named "fpgadma" (PCI and platform), so the model's errors would go
# unreported. fpgadma is the only DMA user in this guest anyway (the model
# writes host memory through the direct map, not the DMA API).
# Env: DEBUG_DRIVER_DIR (default driver/, a directory laid out like the
# tree's driver/ next to an include/) builds the module from another copy,
# e.g. one with a deliberately planted bug; DEBUG_TIMEOUT (seconds);
# DEBUG_FAULTINJ_INSMOD=1 adds the insmod fault pass (finds 6.1 kernel bugs).
. "$(dirname -- "$0")/lib.sh"

# CI only: the whole suite on this kernel takes about 11 of the 28 minutes
# a warm make check with it took (2026-12-01), too close to the 30-minute
# budget. .ci/run turns it on; FPGADMA_DEBUG_LANE=1 make check runs it too.
if [[ ${FPGADMA_DEBUG_LANE:-0} == 0 ]]; then
	echo "debug: lane skipped (CI only; FPGADMA_DEBUG_LANE=1 runs it)"
	exit 77
fi

ddir=$(realpath -m "$OUT/debug")
mkdir -p "$ddir"
start=$SECONDS

if [[ ! -f $STAGE/guest.sh || ! -f $STAGE/fpgadma_test ]]; then
	fail "debug: nothing to run (the guest tests did not build)"
	exit 0
fi

# The kernel: built once, then cached.
if ! kdir=$(scripts/debug-kernel.sh 2> "$ddir/kernel.log"); then
	fail "debug:build:kernel: $(grep -m1 -E 'failed|dropped|missing|no ' "$ddir/kernel.log") (see $ddir/kernel.log)"
	tail -n 20 "$ddir/kernel.log"
	exit 0
fi
cat "$ddir/kernel.log"
pass "debug:build:kernel"

# The module, W=1, in a copy laid out like the tree (Kbuild uses
# $(src)/../include).
src=${DEBUG_DRIVER_DIR:-driver}
rm -rf "$ddir/driver" "$ddir/tests" "$ddir/include"
mkdir -p "$ddir/driver" "$ddir/tests/model" "$ddir/tests/dmaengine" "$ddir/include"
cp "$src"/Kbuild "$src"/Makefile "$src"/*.[ch] "$ddir/driver/"
cp tests/model/Kbuild tests/model/Makefile tests/model/*.c "$ddir/tests/model/"
cp tests/dmaengine/Kbuild tests/dmaengine/Makefile tests/dmaengine/*.c "$ddir/tests/dmaengine/"
rm -f "$ddir"/driver/*.mod.c "$ddir"/tests/model/*.mod.c "$ddir"/tests/dmaengine/*.mod.c
cp -r "$src/../include/." "$ddir/include/"
for m in module:driver model:tests/model dmatest:tests/dmaengine; do
	log=$ddir/${m%%:*}.log
	if ! make -C "$ddir/${m#*:}" KDIR="$kdir/linux" W=1 > "$log" 2>&1; then
		fail "debug:build:${m%%:*}: $(grep -m1 -E 'error' "$log") (see $log)"
		grep -E 'error|warning' "$log" | head -20
		exit 0
	fi
	if grep -q 'warning:' "$log"; then
		fail "debug:build:${m%%:*}-W1: warnings (see $log)"
		grep 'warning:' "$log" | head -20
	else
		pass "debug:build:${m%%:*}-W1"
	fi
done

# The fault-injection program.
if ! make -s -C tests/faultinj O="$ddir" > "$ddir/faultinj-build.log" 2>&1; then
	fail "debug:build:faultinj: see $ddir/faultinj-build.log"
	tail -20 "$ddir/faultinj-build.log"
	exit 0
fi
pass "debug:build:faultinj"

rm -rf "$ddir/stage"
cp -a "$STAGE" "$ddir/stage"
cp "$ddir/driver/fpgadma.ko" "$ddir/stage/fpgadma.ko"
cp "$ddir/tests/model/fpgadma_model.ko" "$ddir/stage/fpgadma_model.ko"
cp "$ddir/tests/dmaengine/fpgadma_dmatest.ko" "$ddir/stage/fpgadma_dmatest.ko"
cp "$ddir/faultinj" "$ddir/stage/faultinj"
mkdir -p "$ddir/stage/guest.d"
cp tests/faultinj/faultinj.sh "$ddir/stage/guest.d/zx-faultinj.sh"
cp tests/matrix/kfence.sh "$ddir/stage/guest.d/zz-kfence.sh"
# The insmod fault pass reaches 6.1 kernel bugs (tests/faultinj/faultinj.sh).
[[ ${DEBUG_FAULTINJ_INSMOD:-0} == 1 ]] && : > "$ddir/stage/faultinj-insmod"
if ! scripts/mkinitramfs.sh "$ddir/initramfs.cpio.gz" "$ddir/stage"; then
	fail "debug:vm:initramfs"
	exit 0
fi

# cma=128M below 256 MiB: edu DMAs to 28-bit addresses only. 1 GiB of RAM:
# KASAN's shadow, kmemleak's and lockdep's tables, the CMA pool.
# acpi=noirq: with KASAN under TCG, evaluating the i440fx DSDT's _PRT for
# INTx routing in pci_enable_device() takes ~30 s per probe (AML loop
# timeout, RCU stall warning); the MP table routes INTx instead (fpgadma
# uses MSI; the PCI bind fault pass uses INTx).
vmstart=$SECONDS
out=$(scripts/vm-run.sh --kernel "$kdir/bzImage" --initrd "$ddir/initramfs.cpio.gz" \
	--edu 2 --mem 1024 --timeout "${DEBUG_TIMEOUT:-3000}" \
	--append "cma=128M@0-256M kmemleak=on kfence.sample_interval=1 acpi=noirq fpgadma.memory=cached" \
	--log "$ddir/vm.log" --label debug)
printf '%s\n' "$out" | sed "s/^\(PASS\|FAIL\): /&debug:/" >> "$RESULTS"
grep -E "^(FAIL: debug:|  log:)" "$RESULTS" || true
# The checks must really have been on.
missing=()
clean=$(tr -d '\r' < "$ddir/vm.log")
for want in 'kasan: KernelAddressSanitizer initialized' 'kfence: initialized' \
	'DMA-API: debugging enabled by kernel config' \
	'cma: Reserved 128 MiB' 'Lock dependency validator' \
	'kmemleak: Kernel memory leak detector initialized'; do
	grep -qF -- "$want" <<< "$clean" || missing+=("'$want'")
done
if ((${#missing[@]})); then
	fail "debug:checks-enabled: not in $ddir/vm.log: ${missing[*]}"
else
	pass "debug:checks-enabled"
fi
echo "debug: VM run took $((SECONDS - vmstart))s, lane $((SECONDS - start))s"
exit 0
