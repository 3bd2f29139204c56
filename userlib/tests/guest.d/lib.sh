#!/bin/sh
# SPDX-License-Identifier: MIT
# In-VM tests of libfpgadma (staged as /guest.d/lib.sh by check lane 60):
# /fpgadma_libtest streams through the library on both edu devices.
# Loads the module itself and leaves it unloaded; prints PASS/FAIL lines.
fail() { echo "FAIL: $1: $2"; }

if ! insmod /fpgadma.ko model_devices=1; then
	fail lib.insmod "insmod /fpgadma.ko model_devices=1 failed"
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
rmmod fpgadma || fail lib.rmmod "rmmod fpgadma failed"
exit 0
