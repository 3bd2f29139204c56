#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Run by the initramfs /init after the suite, just before "poweroff -f":
# leave a copy-mode stream running on an edu device, so that the power-off
# goes through fpgadma's .shutdown with a device that writes memory. The
# host (scripts/vm-run.sh) then requires the driver's "stream stopped for
# shutdown" line after the SHUTDOWN-WITH-STREAM marker.
KO=/fpgadma.ko
N0=/dev/fpgadma0
S=/sys/class/fpgadma/fpgadma0/streaming

# edu_opt: the edu devices' DMA width, when not edu's default.
# shellcheck source=../lib/run_prog.sh
. /run_prog.sh
EOPT=$(edu_opt)
insmod $KO ${EOPT:+"$EOPT"} || { echo "FAIL: shutdown.insmod: insmod $KO failed"; exit 0; }
n=0
while [ ! -c $N0 ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
cat $N0 > /dev/null &
n=0
while [ "$(cat $S 2>/dev/null)" != 1 ] && [ $n -lt 50 ]; do
	sleep 0.1
	n=$((n + 1))
done
if [ "$(cat $S 2>/dev/null)" != 1 ]; then
	echo "FAIL: shutdown.stream: $N0 does not stream"
	exit 0
fi
# Kernel messages to the console again: the shutdown ones come after this.
dmesg -n 7
echo SHUTDOWN-WITH-STREAM
