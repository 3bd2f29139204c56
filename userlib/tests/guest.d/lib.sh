#!/bin/sh
# SPDX-License-Identifier: MIT
# In-VM tests of libfpgadma (staged as /guest.d/lib.sh by check lane 60):
# /fpgadma_libtest streams through the library on both edu devices and the
# software model (/fpgadma_model.ko). Loads the modules itself and leaves
# them unloaded; prints PASS/FAIL lines.
fail() { echo "FAIL: $1: $2"; }
if [ -r /run_prog.sh ]; then
	# shellcheck source=../../../tests/lib/run_prog.sh
	. /run_prog.sh
else
	fail lib.run "/run_prog.sh missing: no test program can be run"
	exit 0
fi

EOPT=$(edu_opt)
if ! insmod /fpgadma.ko ${EOPT:+"$EOPT"} ${KOPT:+"$KOPT"}; then
	fail lib.insmod "insmod /fpgadma.ko $EOPT $KOPT failed"
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
run_prog lib.run 240 /fpgadma_libtest
rmmod fpgadma_model || fail lib.rmmod-model "rmmod fpgadma_model failed"
rmmod fpgadma || fail lib.rmmod "rmmod fpgadma failed"
exit 0
