#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# arm64 lane: the whole VM suite (the same tests/guest/guest.sh and guest.d
# scripts as 90-vm.sh) on Debian bookworm's arm64 kernel, booted on
# qemu-system-aarch64's virt machine (TCG, Cortex-A53, 2 CPUs, 512 MiB,
# two edu devices on its PCIe) by scripts/vm-run.sh --arch arm64. Results
# are prefixed "arm64:".
#
# scripts/arm-kernel.sh fetches and caches the kernel the linux-image-arm64
# metapackage points at, its headers (with the amd64 linux-kbuild-6.1),
# busybox-static:arm64 and the arm64 libpci for fpgadma-info. Built here
# with aarch64-linux-gnu-, in $OUT/arm64/ (a copy of driver/, tests/model/
# and include/, so the tree is not touched):
#   arm64:build:module-W1, arm64:build:model-W1   W=1, warning free, and
#                          the vermagic of the booted kernel
#   arm64:build:guest-tests   tests/guest's static fpgadma_test
#   arm64:build:lib           userlib: library, static tools, libtest, and
#                             the dynamic fpgadma-info (staged with its
#                             arm64 libraries by userlib/tests/stage.sh)
#   arm64:build:compat32      fpgadma_test for armhf (static): the compat
#                             ioctl test tests/abi/m32.sh, as 50-abi's i386
#                             one on x86
# then the stage (fpgadma.ko, fpgadma_model.ko, guest.sh, shutdown.sh,
# run_prog.sh, the programs, guest.d/{lib,tools,m32}.sh) is booted twice,
# as 90-vm's (below): "arm64:<mode>:<test>",
# "arm64:<mode>:vm-clean-log:<kver>-<mode>". The edu devices get a 32-bit
# dma_mask and the guest fpgadma.edu_dma_bits=32 (vm-run.sh): virt's RAM
# starts at 1 GiB, out of edu's default 28-bit reach. Not staged: 70-pkg's
# DKMS module (x86 packaging). Measured on 2026-12-02 (2 cores, shared with
# a CI run, warm cache): about 140 s per VM run.
# Part of every make check; FPGADMA_ARM64_LANE=0 skips it. Env:
# ARM64_MODES (default "msi intx"), ARM64_TIMEOUT (s, per run, 1200).
. "$(dirname -- "$0")/lib.sh"

if [[ ${FPGADMA_ARM64_LANE:-1} == 0 ]]; then
	echo "arm64: lane skipped (FPGADMA_ARM64_LANE=0)"
	exit 77
fi

adir=$(realpath -m "$OUT/arm64")
rm -rf "$adir"
mkdir -p "$adir"
start=$SECONDS
cross=aarch64-linux-gnu-

if ! scripts/deps.sh gcc-aarch64-linux-gnu libc6-dev-arm64-cross \
	gcc-arm-linux-gnueabihf libc6-dev-armhf-cross qemu-system-arm \
	> "$adir/deps.log" 2>&1; then
	fail "arm64:deps: see $adir/deps.log"
	exit 0
fi
if ! out=$(scripts/arm-kernel.sh arm64 2> "$adir/kernel.log"); then
	fail "arm64:kernel: $(tail -n 1 "$adir/kernel.log") (see $adir/kernel.log)"
	exit 0
fi
while read -r k v; do
	case $k in
	kver) kver=$v ;;
	version) ver=$v ;;
	vmlinuz) vmlinuz=$v ;;
	kdir) kdir=$v ;;
	busybox) busybox=$v ;;
	root) root=$v ;;
	esac
done <<< "$out"
echo "arm64: kernel $kver (Debian $ver)"

# The modules, W=1, in a copy laid out like the tree (the Kbuilds find
# include/ by $(src)/../include and $(src)/../../include).
mkdir -p "$adir/driver" "$adir/tests/model" "$adir/include" "$adir/stage"
cp driver/Kbuild driver/Makefile driver/*.[ch] "$adir/driver/"
cp tests/model/Kbuild tests/model/Makefile tests/model/*.c "$adir/tests/model/"
rm -f "$adir"/driver/*.mod.c "$adir"/tests/model/*.mod.c
cp -r include/. "$adir/include/"
built=0
for m in module:driver/fpgadma.ko model:tests/model/fpgadma_model.ko; do
	name=${m%%:*} ko=$adir/${m#*:}
	log=$adir/$name.log
	if ! make -C "$(dirname -- "$ko")" KDIR="$kdir" ARCH=arm64 \
		CROSS_COMPILE="$cross" W=1 > "$log" 2>&1; then
		fail "arm64:build:$name: $(grep -m1 -E 'error' "$log") (see $log)"
		grep -E 'error|warning:' "$log" | head -20
		continue
	fi
	vm=$(modinfo -F vermagic "$ko")
	if grep -q 'warning:' "$log"; then
		fail "arm64:build:$name-W1: warnings (see $log)"
		grep 'warning:' "$log" | head -20
	elif [[ $vm != "$kver "* ]]; then
		fail "arm64:build:$name-W1: vermagic '$vm', not $kver's"
	elif ! LC_ALL=C readelf -h "$ko" | grep -q 'Machine: *AArch64$'; then
		fail "arm64:build:$name-W1: ${ko##*/} is not an AArch64 object"
	else
		pass "arm64:build:$name-W1"
	fi
	cp "$ko" "$adir/stage/"
	built=$((built + 1))
done

# The static test program, and the same for armhf (compat ioctls).
log=$adir/guest-build.log
if make -s -C tests/guest O="$adir/stage" CC="${cross}gcc" > "$log" 2>&1 &&
   LC_ALL=C readelf -h "$adir/stage/fpgadma_test" | grep -q 'Machine: *AArch64$'; then
	pass "arm64:build:guest-tests"
	cp tests/guest/guest.sh tests/guest/shutdown.sh tests/lib/run_prog.sh "$adir/stage/"
else
	fail "arm64:build:guest-tests: see $log"
	tail -20 "$log"
fi
log=$adir/compat32.log
if make -s -C tests/guest O="$adir/m32" CC=arm-linux-gnueabihf-gcc > "$log" 2>&1 &&
	hdr=$(LC_ALL=C readelf -lh "$adir/m32/fpgadma_test") &&
	[[ $hdr == *ELF32* && $hdr == *'Machine: '*ARM* && $hdr != *INTERP* ]]; then
	pass "arm64:build:compat32"
	cp "$adir/m32/fpgadma_test" "$adir/stage/fpgadma_test32"
	mkdir -p "$adir/stage/guest.d"
	cp tests/abi/m32.sh "$adir/stage/guest.d/m32.sh"
else
	fail "arm64:build:compat32: not a static armhf binary, see $log"
	tail -20 "$log"
fi

# libfpgadma, the static tools and libtest, fpgadma-info against the arm64
# libpci (its .pc and libraries in the cache entry's root).
log=$adir/lib-build.log
libdirs=$root/usr/lib/aarch64-linux-gnu:$root/lib/aarch64-linux-gnu:/usr/aarch64-linux-gnu/lib
if PKG_CONFIG_LIBDIR=$root/usr/lib/aarch64-linux-gnu/pkgconfig PKG_CONFIG_SYSROOT_DIR=$root \
	make -C userlib O="$adir/userlib" CC="${cross}gcc" \
		LDFLAGS="-Wl,-rpath-link=$libdirs" lib static tools > "$log" 2>&1 &&
   LC_ALL=C readelf -h "$adir/userlib/fpgadma-info" | grep -q 'Machine: *AArch64$' &&
   STAGE_LIBPATH=$libdirs userlib/tests/stage.sh "$adir/userlib" "$adir/stage" >> "$log" 2>&1; then
	pass "arm64:build:lib"
else
	fail "arm64:build:lib: see $log"
	grep -E 'error|warning:|stage.sh' "$log" | head -20
fi

if ((built != 2)) || [[ ! -f $adir/stage/guest.sh ]]; then
	fail "arm64:vm: nothing to run (a build failed)"
	exit 0
fi
if ! BUSYBOX=$busybox scripts/mkinitramfs.sh "$adir/initramfs.cpio.gz" "$adir/stage" \
	> "$adir/initramfs.log" 2>&1; then
	fail "arm64:vm:initramfs: $(tail -n 1 "$adir/initramfs.log")"
	exit 0
fi
# As 90-vm: MSI (GICv2m) with the ring memory the driver picks (coherent:
# virt's PCIe host is dma-coherent), then INTx (pci=nomsi, the GIC) with
# cached memory. ARM64_MODES selects, e.g. "msi".
for mode in ${ARM64_MODES:-msi intx}; do
	vmstart=$SECONDS
	append=
	[[ $mode == intx ]] && append="pci=nomsi fpgadma.memory=cached"
	scripts/vm-run.sh --arch arm64 --kernel "$vmlinuz" \
		--initrd "$adir/initramfs.cpio.gz" --edu 2 --timeout "${ARM64_TIMEOUT:-1200}" \
		--append "$append" --log "$adir/vm-$mode.log" --label "$kver-$mode" |
		sed "s/^\(PASS\|FAIL\): /&arm64:$mode:/" >> "$RESULTS"
	grep -E "^(FAIL: arm64:$mode:|  log:)" "$RESULTS" || true
	echo "arm64: $mode VM run took $((SECONDS - vmstart))s"
done
echo "arm64: lane took $((SECONDS - start))s"
exit 0
