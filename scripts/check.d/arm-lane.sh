# SPDX-License-Identifier: GPL-2.0-only
# The ARM VM lanes' body (sourced by 96-arm64.sh and 96-arm.sh, which set
# the variables below): the whole VM suite (the same tests/guest/guest.sh
# and guest.d scripts as 90-vm.sh) on Debian bookworm's kernel for the
# architecture, booted on QEMU's virt machine by scripts/vm-run.sh --arch.
#   L        results prefix and vm-run.sh --arch: arm64, arm
#   debarch  Debian architecture (scripts/arm-kernel.sh): arm64, armhf
#   karch    kernel ARCH: arm64, arm
#   cross    CROSS_COMPILE, whose triplet names the library directories
#   machine  readelf's Machine: AArch64, ARM
#   compat   1: also fpgadma_test for armhf, the compat ioctl test m32.sh
# and optionally
#   klabel      scripts/arm-kernel.sh's label (default debarch; arm64-16k)
#   vmarch      vm-run.sh --arch (default L)
#   cpu         vm-run.sh --cpu (default its own: cortex-a53, cortex-a15)
#   lane_modes  the modes to boot, instead of the defaults below
#   pl330       1 (armhf): also boot QEMU's Exynos4210 machine with the
#               board's .dtb from the kernel package and
#               tests/dt/fpgadma-pl330-exynos4210.dtsi: the dmaengine
#               engine on the SoC's PL330 (dma-pl330), "<L>:pl330:<test>"
#
# scripts/arm-kernel.sh fetches and caches the kernel the metapackage
# points at, its headers (with the amd64 linux-kbuild-6.1; for armhf a
# modpost rebuilt for ARM), busybox-static and libpci for the target.
# Built here, in $OUT/<L>/ (a copy of driver/, tests/model/, tests/dmaengine/
# and include/,
# so the tree is not touched):
#   <L>:build:module-W1, <L>:build:model-W1, <L>:build:dmatest-W1
#                          W=1, warning free, and the
#                          vermagic of the booted kernel
#   <L>:build:guest-tests  tests/guest's static fpgadma_test
#   <L>:build:lib          userlib: library, static tools, libtest, and the
#                          dynamic fpgadma-info (staged with the target's
#                          libraries by userlib/tests/stage.sh)
#   <L>:build:compat32     (arm64) fpgadma_test for armhf, static: the
#                          compat ioctl test, as 50-abi's i386 one on x86
# then the stage (fpgadma.ko, fpgadma_model.ko, fpgadma_dmatest.ko, guest.sh, shutdown.sh,
# run_prog.sh, the programs, guest.d/{lib,tools}.sh, m32.sh for arm64) is
# booted in 90-vm's modes (below): "<L>:<mode>:<test>",
# "<L>:<mode>:vm-clean-log:<kver>-<mode>". The edu devices get a 32-bit
# dma_mask and the guest fpgadma.edu_dma_bits=32 (vm-run.sh): virt's RAM
# starts at 1 GiB, out of edu's default 28-bit reach. Not staged: 70-pkg's
# DKMS module (x86 packaging). Env: <LANE>_MODES (ARM64_MODES, ARM_MODES;
# default "msi intx" with FPGADMA_FULL_MATRIX=1 as in CI, else arm64
# "intx" and arm "msi"), <LANE>_TIMEOUT (seconds per run, default 1200).
# shellcheck disable=SC2154 # L, debarch, karch, cross, machine, compat: the lane's

adir=$(realpath -m "$OUT/$L")
rm -rf "$adir"
mkdir -p "$adir"
start=$SECONDS
triplet=${cross%-}
uc=${L^^}
uc=${uc//-/_}
klabel=${klabel:-$debarch} vmarch=${vmarch:-$L}
modes_var=${uc}_MODES tmo_var=${uc}_TIMEOUT

if ! scripts/deps.sh gcc-aarch64-linux-gnu libc6-dev-arm64-cross \
	gcc-arm-linux-gnueabihf libc6-dev-armhf-cross qemu-system-arm \
	> "$adir/deps.log" 2>&1; then
	fail "$L:deps: see $adir/deps.log"
	exit 0
fi
if ! out=$(scripts/arm-kernel.sh "$klabel" 2> "$adir/kernel.log"); then
	fail "$L:kernel: $(tail -n 1 "$adir/kernel.log") (see $adir/kernel.log)"
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
	modpost) modpost=$v ;;
	esac
done <<< "$out"
echo "$L: kernel $kver (Debian $ver)"

# The modules, W=1, in a copy laid out like the tree (the Kbuilds find
# include/ by $(src)/../include and $(src)/../../include).
mkdir -p "$adir/driver" "$adir/tests/model" "$adir/tests/dmaengine" "$adir/include" "$adir/stage"
cp driver/Kbuild driver/Makefile driver/*.[ch] "$adir/driver/"
cp tests/model/Kbuild tests/model/Makefile tests/model/*.c "$adir/tests/model/"
cp tests/dmaengine/Kbuild tests/dmaengine/Makefile tests/dmaengine/*.c "$adir/tests/dmaengine/"
rm -f "$adir"/driver/*.mod.c "$adir"/tests/model/*.mod.c "$adir"/tests/dmaengine/*.mod.c
cp -r include/. "$adir/include/"
built=0
for m in module:driver/fpgadma.ko model:tests/model/fpgadma_model.ko \
	 dmatest:tests/dmaengine/fpgadma_dmatest.ko; do
	name=${m%%:*} ko=$adir/${m#*:}
	log=$adir/$name.log
	if ! make -C "$(dirname -- "$ko")" KDIR="$kdir" ARCH="$karch" \
		CROSS_COMPILE="$cross" W=1 ${modpost:+MODPOST="$modpost"} > "$log" 2>&1; then
		fail "$L:build:$name: $(grep -m1 -E 'error' "$log") (see $log)"
		grep -E 'error|warning:' "$log" | head -20
		continue
	fi
	vm=$(modinfo -F vermagic "$ko")
	if grep -q 'warning:' "$log"; then
		fail "$L:build:$name-W1: warnings (see $log)"
		grep 'warning:' "$log" | head -20
	elif [[ $vm != "$kver "* ]]; then
		fail "$L:build:$name-W1: vermagic '$vm', not $kver's"
	elif ! LC_ALL=C readelf -h "$ko" | grep -q "Machine: *$machine\$"; then
		fail "$L:build:$name-W1: ${ko##*/} is not an $machine object"
	else
		pass "$L:build:$name-W1"
	fi
	cp "$ko" "$adir/stage/"
	built=$((built + 1))
done

# The static test program, and for arm64 the same for armhf (compat ioctls).
log=$adir/guest-build.log
if make -s -C tests/guest O="$adir/stage" CC="${cross}gcc" > "$log" 2>&1 &&
   LC_ALL=C readelf -h "$adir/stage/fpgadma_test" | grep -q "Machine: *$machine\$"; then
	pass "$L:build:guest-tests"
	cp tests/guest/guest.sh tests/guest/shutdown.sh tests/lib/run_prog.sh "$adir/stage/"
else
	fail "$L:build:guest-tests: see $log"
	tail -20 "$log"
fi
log=$adir/compat32.log
if ((!compat)); then
	:
elif make -s -C tests/guest O="$adir/m32" CC=arm-linux-gnueabihf-gcc > "$log" 2>&1 &&
	hdr=$(LC_ALL=C readelf -lh "$adir/m32/fpgadma_test") &&
	[[ $hdr == *ELF32* && $hdr == *'Machine: '*ARM* && $hdr != *INTERP* ]]; then
	pass "$L:build:compat32"
	cp "$adir/m32/fpgadma_test" "$adir/stage/fpgadma_test32"
	mkdir -p "$adir/stage/guest.d"
	cp tests/abi/m32.sh "$adir/stage/guest.d/m32.sh"
else
	fail "$L:build:compat32: not a static armhf binary, see $log"
	tail -20 "$log"
fi

# libfpgadma, the static tools and libtest, fpgadma-info against the
# target's libpci (its .pc and libraries in the cache entry's root).
log=$adir/lib-build.log
libdirs=$root/usr/lib/$triplet:$root/lib/$triplet:/usr/$triplet/lib
if PKG_CONFIG_LIBDIR=$root/usr/lib/$triplet/pkgconfig PKG_CONFIG_SYSROOT_DIR=$root \
	make -C userlib O="$adir/userlib" CC="${cross}gcc" \
		LDFLAGS="-Wl,-rpath-link=$libdirs" lib static tools > "$log" 2>&1 &&
   LC_ALL=C readelf -h "$adir/userlib/fpgadma-info" | grep -q "Machine: *$machine\$" &&
   STAGE_LIBPATH=$libdirs userlib/tests/stage.sh "$adir/userlib" "$adir/stage" >> "$log" 2>&1; then
	pass "$L:build:lib"
else
	fail "$L:build:lib: see $log"
	grep -E 'error|warning:|stage.sh' "$log" | head -20
fi

if ((built != 3)) || [[ ! -f $adir/stage/guest.sh ]]; then
	fail "$L:vm: nothing to run (a build failed)"
	exit 0
fi
if ! BUSYBOX=$busybox scripts/mkinitramfs.sh "$adir/initramfs.cpio.gz" "$adir/stage" \
	> "$adir/initramfs.log" 2>&1; then
	fail "$L:vm:initramfs: $(tail -n 1 "$adir/initramfs.log")"
	exit 0
fi
# As 90-vm: MSI (GICv2m) with the ring memory the driver picks (coherent:
# virt's PCIe host is dma-coherent), then INTx (pci=nomsi, the GIC) with
# cached memory.
# The warm make check budget takes one run per ARM lane, between them
# both memory kinds and both interrupt modes (arm64: INTx with cached
# memory; arm: MSI with the default); CI (FPGADMA_FULL_MATRIX=1) both.
if [[ -n ${lane_modes:-} ]]; then
	def_modes=$lane_modes
elif [[ ${FPGADMA_FULL_MATRIX:-0} == 1 ]]; then
	def_modes="msi intx"
elif [[ $L == arm64 ]]; then
	def_modes=intx
else
	def_modes=msi
fi
for mode in ${!modes_var:-$def_modes}; do
	vmstart=$SECONDS
	append=
	[[ $mode == intx ]] && append="pci=nomsi fpgadma.memory=cached"
	scripts/vm-run.sh --arch "$vmarch" ${cpu:+--cpu "$cpu"} --kernel "$vmlinuz" \
		--initrd "$adir/initramfs.cpio.gz" --edu 2 --timeout "${!tmo_var:-1200}" \
		--overlay tests/dt/fpgadma-model-virt.dtso --append "$append" \
		--log "$adir/vm-$mode.log" --label "$kver-$mode" |
		sed "s/^\(PASS\|FAIL\): /&$L:$mode:/" >> "$RESULTS"
	grep -E "^(FAIL: $L:$mode:|  log:)" "$RESULTS" || true
	echo "$L: $mode VM run took $((SECONDS - vmstart))s"
done
if [[ ${pl330:-0} == 1 ]]; then
	vmstart=$SECONDS
	scripts/vm-run.sh --arch "$vmarch" --board smdkc210 --kernel "$vmlinuz" \
		--dtb "$root/usr/lib/linux-image-$kver/exynos4210-smdkv310.dtb" \
		--dt-append tests/dt/fpgadma-pl330-exynos4210.dtsi \
		--initrd "$adir/initramfs.cpio.gz" --edu 0 --timeout "${!tmo_var:-1200}" \
		--append "fpgadma.guest=pl330" --log "$adir/vm-pl330.log" --label "$kver-pl330" |
		sed "s/^\(PASS\|FAIL\): /&$L:pl330:/" >> "$RESULTS"
	grep -E "^(FAIL: $L:pl330:|  log:)" "$RESULTS" || true
	echo "$L: pl330 VM run took $((SECONDS - vmstart))s"
fi
echo "$L: lane took $((SECONDS - start))s"
