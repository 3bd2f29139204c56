#!/bin/sh
# SPDX-License-Identifier: MIT
# The module that DKMS built from the fpgadma-dkms package (staged as
# /fpgadma-dkms.ko by check lane 70) loads, drives both edu devices and
# streams; it is unloaded at the end. Prints PASS/FAIL lines.
pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: $2"; }
if [ -r /run_prog.sh ]; then
	# shellcheck source=../../../tests/lib/run_prog.sh
	. /run_prog.sh
else
	fail pkg.run_prog "/run_prog.sh missing: no test program can be run"
	exit 0
fi

# Built for one kernel (/fpgadma-dkms.kver); other kernels' runs skip it.
want=$(cat /fpgadma-dkms.kver 2>/dev/null)
if [ "$want" != "$(uname -r)" ]; then
	echo "pkg.sh: the DKMS module is for '$want', this is $(uname -r): not run"
	exit 0
fi
if ! insmod /fpgadma-dkms.ko ${KOPT:+"$KOPT"}; then
	fail pkg.dkms-module-insmod "insmod /fpgadma-dkms.ko failed"
	exit 0
fi
n=0
while [ $n -lt 50 ] && ! { [ -c /dev/fpgadma0 ] && [ -c /dev/fpgadma1 ]; }; do
	sleep 0.1
	n=$((n + 1))
done
if [ ! -c /dev/fpgadma1 ]; then
	fail pkg.dkms-module "nodes did not appear"
elif [ -x /fpgadma-capture ] && [ -x /fpgadma_libtest ]; then
	if /fpgadma-capture -n 5 -q -o /tmp/dkms.bin; then
		run_prog pkg.dkms-module-stream 60 \
			/fpgadma_libtest verify-file /tmp/dkms.bin 5 pkg.dkms-module-stream
	else
		fail pkg.dkms-module-stream "fpgadma-capture exited $?"
	fi
	rm -f /tmp/dkms.bin
else
	dd if=/dev/fpgadma0 of=/tmp/dkms.bin bs=4088 count=2 2>/dev/null
	if [ "$(wc -c < /tmp/dkms.bin)" = 8176 ]; then
		pass pkg.dkms-module-stream
	else
		fail pkg.dkms-module-stream "dd read $(wc -c < /tmp/dkms.bin) bytes"
	fi
	rm -f /tmp/dkms.bin
fi
rmmod fpgadma || fail pkg.dkms-module-rmmod "rmmod failed"
exit 0
