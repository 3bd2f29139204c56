#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# make bench: build fpgadma.ko and the software model fpgadma_model.ko (in a
# private copy of driver/ and tests/model/) and bench/dma_throughput, boot Debian's kernel in QEMU (TCG) with two edu
# devices and the software model, run the benchmark (one edu device goes to
# uio_pci_generic for the UIO baseline), extract its JSON from the console
# log into build/bench/, render the table, the CSV and the plot data from it
# (scripts/bench-report.py), and draw a PNG with gnuplot if it is installed
# (scripts/deps.sh gnuplot-nox installs it).
#
# --arch arm64|arm (make bench-arm64, bench-arm): the same, cross-built,
# on Debian's arm64 (Cortex-A53) or armmp (Cortex-A15) kernel on QEMU's
# virt machine (scripts/arm-kernel.sh, as the ARM lanes), with the
# model bound through the device tree (tests/dt/fpgadma-model-virt.dtso:
# a CMA pool, no dma-coherent: the non-coherent case of a Zynq). No UIO
# baseline there (the kernel's modules are not cached). TCG models no
# caches: the figures show the cached path's correctness and cost, not
# its speed-up on silicon (docs/performance.md).
#
# Usage: scripts/bench.sh [--arch x86_64|arm64|arm] [dma_throughput args, e.g. --quick]
#   env BENCH_OUT (default build/bench, build/bench-<arch> for ARM),
#   BENCH_TIMEOUT (QEMU, default 540 s; 1500 s on ARM)
set -euo pipefail
cd "$(dirname -- "$0")/.."

arch=x86_64
if [[ ${1:-} == --arch ]]; then
	arch=${2:-}
	shift 2 || { echo "bench: --arch needs x86_64, arm64 or arm" >&2; exit 2; }
fi
case $arch in
x86_64) out=${BENCH_OUT:-build/bench} tmo=${BENCH_TIMEOUT:-540} ;;
arm64) debarch=arm64 karch=arm64 cross=aarch64-linux-gnu- ;;
arm) debarch=armhf karch=arm cross=arm-linux-gnueabihf- ;;
*) echo "bench: --arch $arch: x86_64, arm64 or arm" >&2; exit 2 ;;
esac
scripts/deps.sh python3   # scripts/bench-report.py (standard library only)
scripts/deps.sh gnuplot-nox || echo "bench: gnuplot-nox not installed: no PNG" >&2
kbuild=() vmargs=()
if [[ $arch == x86_64 ]]; then
	kver=$(scripts/kver.sh)
	kdir=/usr/src/linux-headers-$kver
	vmlinuz=/boot/vmlinuz-$kver
	cc=gcc
else
	out=${BENCH_OUT:-build/bench-$arch} tmo=${BENCH_TIMEOUT:-1500}
	scripts/deps.sh "gcc-${cross%-}" "libc6-dev-$debarch-cross" qemu-system-arm \
		device-tree-compiler > /dev/null
	modpost=
	while read -r k v; do
		case $k in
		kver) kver=$v ;;
		vmlinuz) vmlinuz=$v ;;
		kdir) kdir=$v ;;
		busybox) export BUSYBOX=$v ;;
		modpost) modpost=$v ;;
		esac
	done < <(scripts/arm-kernel.sh "$debarch")
	[[ -n ${kver:-} ]] || { echo "bench: no $debarch kernel (scripts/arm-kernel.sh)" >&2; exit 1; }
	kbuild=(ARCH="$karch" CROSS_COMPILE="$cross" ${modpost:+MODPOST="$modpost"})
	vmargs=(--arch "$arch" --overlay tests/dt/fpgadma-model-virt.dtso)
	cc=${cross}gcc
fi

rm -rf "$out"
mkdir -p "$out/stage"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "bench: building fpgadma.ko and fpgadma_model.ko for $kver (private copies) and dma_throughput"
mkdir -p "$tmp/driver" "$tmp/tests/model" "$tmp/include"
cp driver/Makefile driver/Kbuild driver/*.c driver/*.h "$tmp/driver/"
cp tests/model/Makefile tests/model/Kbuild tests/model/*.c "$tmp/tests/model/"
rm -f "$tmp"/driver/*.mod.c "$tmp"/tests/model/*.mod.c
cp -r include/. "$tmp/include/"
for m in driver tests/model; do
	make -s -C "$tmp/$m" KDIR="$kdir" "${kbuild[@]}" >> "$out/module.log" 2>&1 ||
		{ cat "$out/module.log"; echo "bench: $m build failed" >&2; exit 1; }
done
cp "$tmp/driver/fpgadma.ko" "$tmp/tests/model/fpgadma_model.ko" "$out/stage/"
make -s -C bench O="$PWD/$out" CC="$cc" > "$out/build.log" 2>&1 ||
	{ cat "$out/build.log"; echo "bench: dma_throughput build failed" >&2; exit 1; }
cp "$out/dma_throughput" "$out/stage/"

# uio.ko and uio_pci_generic.ko for the baseline; busybox insmod may not
# read compressed modules, so decompress them here.
for m in uio uio_pci_generic; do
	[[ $arch == x86_64 ]] || break
	src=$(find "/lib/modules/$kver/kernel/drivers/uio" -name "$m.ko*" | head -n 1)
	case $src in
	*.ko) cp "$src" "$out/stage/$m.ko" ;;
	*.ko.xz) xz -dc "$src" > "$out/stage/$m.ko" ;;
	*.ko.zst) zstd -qdc "$src" > "$out/stage/$m.ko" ;;
	*.ko.gz) gzip -dc "$src" > "$out/stage/$m.ko" ;;
	*) echo "bench: $m.ko not found for $kver: no UIO baseline" >&2 ;;
	esac
done
cp bench/guest.sh tests/lib/run_prog.sh "$out/stage/"
echo "$*" > "$out/stage/bench.args"
scripts/mkinitramfs.sh "$out/initramfs.cpio.gz" "$out/stage"

# tsc=reliable: QEMU TCG's TSC is one host clock for all vCPUs, but the
# guest marks it unstable and falls back to HPET, which turns every
# clock_gettime() into a trapping MMIO read. Real hardware has a stable TSC.
echo "bench: booting $kver in QEMU ($arch, TCG, 2 vCPUs, 1 GiB, 2 edu devices); a few minutes"
append=
[[ $arch == x86_64 ]] && append=tsc=reliable
rc=0
scripts/vm-run.sh --kernel "$vmlinuz" --initrd "$out/initramfs.cpio.gz" "${vmargs[@]}" \
	--edu 2 --mem 1024 --smp 2 --timeout "$tmo" --append "$append" \
	--log "$out/vm.log" --label bench > "$out/result.txt" || rc=$?

# The guest prints one machine format, JSON; the table, the CSV and the
# plot data are rendered from it here.
tr -d '\r' < "$out/vm.log" |
	sed -n '/^BENCH-JSON-BEGIN$/,/^BENCH-JSON-END$/{//!p}' > "$out/dma_throughput.json"
report=0
if [[ -s $out/dma_throughput.json ]]; then
	python3 scripts/bench-report.py "$out/dma_throughput.json" "$out" || report=$?
	[[ -f $out/table.txt ]] && cat "$out/table.txt"
fi

if ((report == 0)) && [[ -s $out/dma_throughput.csv ]] && command -v gnuplot > /dev/null; then
	if gnuplot -e "dir='$out'" bench/plot.gp > "$out/gnuplot.log" 2>&1; then
		echo "bench: plot $out/dma_throughput.png"
	else
		echo "bench: gnuplot failed, see $out/gnuplot.log" >&2
	fi
fi

echo "bench: results in $out/ (table.txt, dma_throughput.csv, dma_throughput.json, vm.log)"
cat "$out/result.txt"
if ((rc != 0 || report != 0)) || ! grep -q '^PASS: bench.run' "$out/result.txt" ||
	[[ ! -s $out/dma_throughput.json ]]; then
	echo "bench: FAILED (see $out/vm.log)" >&2
	exit 1
fi
