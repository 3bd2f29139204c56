#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# In-guest compat_ioctl test (busybox sh), staged as /guest.d/m32.sh by
# scripts/check.d/50-abi.sh and run by /guest.sh after its own tests: the
# 32-bit static /fpgadma_test32 runs probe, stream, badinput and modes
# against the 64-bit kernel. Its PASS/FAIL lines get an "m32." prefix.
# Loads /fpgadma.ko itself and leaves the module unloaded.

KO=/fpgadma.ko
T=/fpgadma_test32
MOD=fpgadma

pass() { echo "PASS: m32.$1"; }
fail() { echo "FAIL: m32.$1: $2"; }
mod_loaded() { grep -q "^$MOD " /proc/modules; }
if [ -r /run_prog.sh ]; then
	# shellcheck source=../lib/run_prog.sh
	. /run_prog.sh
else
	fail run_prog "/run_prog.sh missing: no test program can be run"
	exit 0
fi
EOPT=$(edu_opt)

if [ ! -x $T ]; then
	fail binary "$T missing"
	exit 0
fi
mod_loaded && rmmod $MOD
if ! insmod $KO ${EOPT:+"$EOPT"}; then
	fail insmod "insmod $KO $EOPT failed"
	exit 0
fi
n=0
while [ $n -lt 50 ] && ! { [ -c /dev/fpgadma0 ] && [ -c /dev/fpgadma1 ]; }; do
	sleep 0.1
	n=$((n + 1))
done

for sub in probe stream badinput modes; do
	run_prog "$sub" 300 $T $sub | sed -E 's/^(PASS|FAIL): /&m32./'
done

ok=
for i in 1 2 3 4 5 6 7 8 9 10; do
	if rmmod $MOD 2>/dev/null; then ok=$i; break; fi
	sleep 0.2
done
if [ -n "$ok" ] && ! mod_loaded; then
	pass rmmod
else
	fail rmmod "module still loaded after the 32-bit tests"
fi
exit 0
