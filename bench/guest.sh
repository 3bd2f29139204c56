#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# In-guest driver of `make bench` (busybox sh), run as /guest.sh by the
# initramfs /init: load fpgadma and the software model, hand the second
# edu device to uio_pci_generic for the UIO baseline, run dma_throughput,
# and print its JSON between marker lines for the host to extract (the
# host renders the table, CSV and plot from it: scripts/bench-report.py).
# Extra arguments for dma_throughput come from /bench.args.

ARGS=$(cat /bench.args 2>/dev/null)
FDMA=/sys/bus/pci/drivers/fpgadma

# The edu devices' DMA width, when not edu's default (ARM: run_prog.sh).
EOPT=
if [ -r /run_prog.sh ]; then
	# shellcheck source=../tests/lib/run_prog.sh
	. /run_prog.sh
	EOPT=$(edu_opt)
fi
echo "### insmod fpgadma.ko $EOPT; insmod fpgadma_model.ko"
insmod /fpgadma.ko ${EOPT:+"$EOPT"} || { echo "FAIL: bench.insmod"; exit 1; }
insmod /fpgadma_model.ko || { echo "FAIL: bench.insmod-model"; exit 1; }
n=0
while [ ! -c /dev/fpgadma2 ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
for d in /sys/class/fpgadma/fpgadma*; do
	echo "  ${d##*/}: engine $(cat "$d/engine")"
done

# UIO baseline: the second edu device (by bus address) goes to uio_pci_generic.
uio=
bdfs=$(find $FDMA/ -maxdepth 1 -name '0000:*' | sed 's|.*/||' | sort)
bdf=$(echo "$bdfs" | sed -n 2p)
if [ -n "$bdf" ] && insmod /uio.ko && insmod /uio_pci_generic.ko; then
	echo "### unbind $bdf from fpgadma, bind it to uio_pci_generic"
	echo "$bdf" > $FDMA/unbind
	echo uio_pci_generic > "/sys/bus/pci/devices/$bdf/driver_override"
	echo "$bdf" > /sys/bus/pci/drivers_probe
	n=0
	while [ ! -c /dev/uio0 ] && [ $n -lt 30 ]; do sleep 0.1; n=$((n + 1)); done
	if [ -c /dev/uio0 ]; then
		uio="--uio $bdf"
		echo "  $bdf: driver $(basename "$(readlink "/sys/bus/pci/devices/$bdf/driver")")," \
		     "irq $(cat "/sys/bus/pci/devices/$bdf/irq")"
	else
		echo "  uio_pci_generic did not bind $bdf: no UIO baseline"
	fi
else
	echo "  no second edu device or no uio modules: no UIO baseline"
fi

echo "### dma_throughput $uio $ARGS"
cd /tmp || exit 1
# shellcheck disable=SC2086
timeout -s KILL 600 /dma_throughput --json /tmp/bench.json $uio $ARGS
rc=$?
grep -E 'fpgadma|uio' /proc/interrupts
echo "BENCH-JSON-BEGIN"
cat /tmp/bench.json
echo "BENCH-JSON-END"
# dma_throughput has no DONE line: its JSON report stands for one (the host
# renders the CSV from it).
if [ $rc -ne 0 ]; then
	echo "FAIL: bench.run: exit $rc"
elif [ ! -s /tmp/bench.json ]; then
	echo "FAIL: bench.run: exit 0 without its JSON report"
else
	echo "PASS: bench.run"
fi
rmmod uio_pci_generic 2>/dev/null
rmmod fpgadma_model
rmmod fpgadma
exit 0
