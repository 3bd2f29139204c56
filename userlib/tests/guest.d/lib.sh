#!/bin/sh
# SPDX-License-Identifier: MIT
# In-VM tests of libfpgadma (staged as /guest.d/lib.sh by check lane 60):
# /fpgadma_libtest streams through the library on both edu devices and the
# software model (/fpgadma_model.ko). Loads the modules itself and leaves
# them unloaded; prints PASS/FAIL lines.
fail() { echo "FAIL: $1: $2"; }

if ! insmod /fpgadma.ko; then
	fail lib.insmod "insmod /fpgadma.ko failed"
	exit 0
fi
if ! insmod /fpgadma_model.ko; then
	fail lib.insmod-model "insmod /fpgadma_model.ko failed"
	rmmod fpgadma
	exit 0
fi
n=0
while [ $n -lt 50 ] && ! { [ -c /dev/fpgadma0 ] && [ -c /dev/fpgadma1 ] &&
	[ -c /dev/fpgadma2 ]; }; do
	sleep 0.1
	n=$((n + 1))
done
timeout -s KILL 240 /fpgadma_libtest
rc=$?
if [ $rc -eq 137 ]; then
	fail lib.run "fpgadma_libtest killed after 240 s"
elif [ $rc -gt 1 ]; then
	fail lib.run "fpgadma_libtest exited with status $rc"
fi
rmmod fpgadma_model || fail lib.rmmod-model "rmmod fpgadma_model failed"
rmmod fpgadma || fail lib.rmmod "rmmod fpgadma failed"
exit 0
