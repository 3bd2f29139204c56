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

if [ ! -x $T ]; then
	fail binary "$T missing"
	exit 0
fi
mod_loaded && rmmod $MOD
if ! insmod $KO; then
	fail insmod "insmod $KO failed"
	exit 0
fi
n=0
while [ $n -lt 50 ] && ! { [ -c /dev/fpgadma0 ] && [ -c /dev/fpgadma1 ]; }; do
	sleep 0.1
	n=$((n + 1))
done

for sub in probe stream badinput modes; do
	timeout -s KILL 300 $T $sub > /tmp/m32.out 2>&1
	rc=$?
	sed -E 's/^(PASS|FAIL): /&m32./' /tmp/m32.out
	if [ $rc -eq 137 ]; then
		fail "$sub" "killed after 300 s"
	elif [ $rc -gt 1 ]; then
		fail "$sub" "exited with status $rc"
	fi
done
rm -f /tmp/m32.out

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
