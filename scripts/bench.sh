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
# Usage: scripts/bench.sh [dma_throughput args, e.g. --quick]
#   env BENCH_OUT (default build/bench), BENCH_TIMEOUT (QEMU, default 540 s)
set -euo pipefail
cd "$(dirname -- "$0")/.."

out=${BENCH_OUT:-build/bench}
tmo=${BENCH_TIMEOUT:-540}
scripts/deps.sh python3   # scripts/bench-report.py (standard library only)
scripts/deps.sh gnuplot-nox || echo "bench: gnuplot-nox not installed: no PNG" >&2
kver=$(scripts/kver.sh)
kdir=/usr/src/linux-headers-$kver

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
	make -s -C "$tmp/$m" KDIR="$kdir" >> "$out/module.log" 2>&1 ||
		{ cat "$out/module.log"; echo "bench: $m build failed" >&2; exit 1; }
done
cp "$tmp/driver/fpgadma.ko" "$tmp/tests/model/fpgadma_model.ko" "$out/stage/"
make -s -C bench O="$PWD/$out" > "$out/build.log" 2>&1 ||
	{ cat "$out/build.log"; echo "bench: dma_throughput build failed" >&2; exit 1; }
cp "$out/dma_throughput" "$out/stage/"

# uio.ko and uio_pci_generic.ko for the baseline; busybox insmod may not
# read compressed modules, so decompress them here.
for m in uio uio_pci_generic; do
	src=$(find "/lib/modules/$kver/kernel/drivers/uio" -name "$m.ko*" | head -n 1)
	case $src in
	*.ko) cp "$src" "$out/stage/$m.ko" ;;
	*.ko.xz) xz -dc "$src" > "$out/stage/$m.ko" ;;
	*.ko.zst) zstd -qdc "$src" > "$out/stage/$m.ko" ;;
	*.ko.gz) gzip -dc "$src" > "$out/stage/$m.ko" ;;
	*) echo "bench: $m.ko not found for $kver: no UIO baseline" >&2 ;;
	esac
done
cp bench/guest.sh "$out/stage/guest.sh"
echo "$*" > "$out/stage/bench.args"
scripts/mkinitramfs.sh "$out/initramfs.cpio.gz" "$out/stage"

# tsc=reliable: QEMU TCG's TSC is one host clock for all vCPUs, but the
# guest marks it unstable and falls back to HPET, which turns every
# clock_gettime() into a trapping MMIO read. Real hardware has a stable TSC.
echo "bench: booting $kver in QEMU (TCG, 2 vCPUs, 1 GiB, 2 edu devices); a few minutes"
rc=0
scripts/vm-run.sh --kernel "/boot/vmlinuz-$kver" --initrd "$out/initramfs.cpio.gz" \
	--edu 2 --mem 1024 --smp 2 --timeout "$tmo" --append "tsc=reliable" \
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
