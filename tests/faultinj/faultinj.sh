#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# In-guest debug-kernel checks (busybox sh), staged as /guest.d/zx-faultinj.sh
# with /faultinj by scripts/check.d/97-debug.sh only, and run by /guest.sh
# after its own tests and the other guest.d scripts:
#  1. CMA: with max_buf_size=16 MiB, a ring of 4 x 16 MiB buffers (larger
#     than any buddy block) on an edu device, mapped and streamed; and a
#     ring of 16 x 4 MiB on the software model (/fpgadma_model.ko; its
#     descriptors hold at most 4 MiB).
#  2. Fault injection with fail-nth (failslab, fail_page_alloc, usercopy):
#     open, SET_RING, mmap, START and read on an edu device and on the
#     model; probe by bind, of an edu function (with INTx, see faultinj.c)
#     and of the model's child platform device fpgadma-stream.0 (and,
#     opt-in, by insmod with the model loaded, see 4. below). Every
#     injected failure must be clean and the device must stream afterwards.
#  3. kmemleak: two explicit scans with the modules loaded, so their
#     frames are symbolised; FAIL if a report involves fpgadma or
#     fpgadma_model (or an unresolved module address: they are the only
#     modules), printing the report.
# Loads and unloads the modules itself; leaves them unloaded. Prints
# "PASS: name" / "FAIL: name: reason" lines; always exits 0.

KO=/fpgadma.ko
MODEL_KO=/fpgadma_model.ko
FI=/faultinj
MOD=fpgadma
DBG=/sys/kernel/debug
KMEMLEAK=$DBG/kmemleak
MB16=16777216
MB4=4194304

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: $2"; }
mod_loaded() { grep -q "^$MOD " /proc/modules; }
if [ -r /run_prog.sh ]; then
	# shellcheck source=../lib/run_prog.sh
	. /run_prog.sh
else
	fail faultinj.run_prog "/run_prog.sh missing: no test program can be run"
	exit 0
fi
model_loaded() { grep -q "^fpgadma_model " /proc/modules; }

unload() {
	model_loaded && rmmod fpgadma_model
	mod_loaded && rmmod $MOD
}

# Every load's ring memory: guest.sh exports KOPT (memory=KIND) from the
# kernel command line's fpgadma.memory=KIND.
KOPT=${KOPT-}

# load [model] PARAMS...: insmod fpgadma with PARAMS (and then the model
# when asked for) and wait for the nodes of two edu devices (and the
# model's).
load() {
	unload
	want=2
	if [ "$1" = model ]; then
		want=3
		shift
	fi
	insmod $KO ${KOPT:+"$KOPT"} "$@" || return 1
	if [ $want = 3 ] && ! insmod $MODEL_KO; then
		rmmod $MOD
		return 1
	fi
	n=0
	while [ $n -lt 50 ]; do
		have=0
		for d in /dev/fpgadma*; do
			[ -c "$d" ] && have=$((have + 1))
		done
		[ $have -ge $want ] && return 0
		sleep 0.1
		n=$((n + 1))
	done
	return 1
}

# node_of ENGINE: the first /dev node whose engine is ENGINE.
node_of() {
	for d in /sys/class/fpgadma/fpgadma*; do
		[ "$(cat "$d/engine" 2>/dev/null)" = "$1" ] && { echo "/dev/${d##*/}"; return 0; }
	done
	return 1
}

# The first PCI function the driver has bound.
first_bdf() {
	for l in /sys/bus/pci/drivers/"$MOD"/0000:*; do
		[ -e "$l" ] && { echo "${l##*/}"; return 0; }
	done
	return 1
}

[ -d $DBG/fail_page_alloc ] || mount -t debugfs debugfs $DBG 2>/dev/null
if [ ! -w $DBG/failslab/ignore-gfp-wait ] || [ ! -w $DBG/fail_page_alloc/min-order ] ||
   [ ! -e /proc/self/fail-nth ] || [ ! -x $FI ]; then
	fail faultinj.setup "no failslab/fail_page_alloc/fail-nth or no $FI (not the debug kernel?)"
	exit 0
fi

# 1. Large CMA-backed rings, of both memory kinds whatever the run's: on
# edu one coherent 64 MiB block, on the model 16 cached 4 MiB buffers
# (the later memory= of the insmod line wins).
if load model max_buf_size=$MB16 max_ring_mb=64 memory=coherent; then
	run_prog faultinj.big.edu 0 $FI big "$(node_of edu)" 4 $MB16 6
else
	fail faultinj.cma-load "insmod $KO max_buf_size=$MB16 memory=coherent; insmod $MODEL_KO failed"
fi
if load model max_buf_size=$MB16 max_ring_mb=64 memory=cached; then
	run_prog faultinj.big.stream 0 $FI big "$(node_of stream)" 16 $MB4 64
else
	fail faultinj.cma-load "insmod $KO max_buf_size=$MB16 memory=cached; insmod $MODEL_KO failed"
fi

# 2. Fault injection. Only fail-nth injects (probability stays 0). Also
# fail sleeping allocations, highmem and order-0 pages, and keep the
# injected failures quiet (verbose 2 prints a stack trace per failure).
for f in failslab fail_page_alloc fail_usercopy; do
	[ -d $DBG/$f ] || continue
	echo 0 > $DBG/$f/probability
	echo 0 > $DBG/$f/verbose
	[ -e $DBG/$f/ignore-gfp-wait ] && echo N > $DBG/$f/ignore-gfp-wait
done
echo N > $DBG/fail_page_alloc/ignore-gfp-highmem
echo 0 > $DBG/fail_page_alloc/min-order

if load model; then
	run_prog faultinj.ops.edu 0 $FI ops "$(node_of edu)"
	run_prog faultinj.ops.stream 0 $FI ops "$(node_of stream)"
	if bdf=$(first_bdf); then
		run_prog faultinj.bind.pci 0 $FI bind "$bdf"
	else
		fail faultinj.probe-bind.pci "no PCI device bound to $MOD"
	fi
	if [ -e /sys/bus/platform/devices/fpgadma-stream.0 ]; then
		run_prog faultinj.bind.platform 0 $FI bind fpgadma-stream.0
	else
		fail faultinj.probe-bind.platform "no fpgadma-stream.0 device"
	fi
else
	fail faultinj.load "insmod $KO; insmod $MODEL_KO failed"
fi
# 3. kmemleak, module loaded. Objects must be 5 s old to be reported.
if [ ! -w $KMEMLEAK ]; then
	fail faultinj.kmemleak "no $KMEMLEAK"
elif ! model_loaded && ! load model; then
	fail faultinj.kmemleak "cannot load the module for the scan"
else
	sleep 6
	echo scan > $KMEMLEAK
	echo scan > $KMEMLEAK
	cat $KMEMLEAK > /tmp/kmemleak.txt
	n=$(grep -c '^unreferenced object' /tmp/kmemleak.txt)
	if grep -qE 'fpgadma|\[<ffffffff[0-9a-f]+>\] 0xffffffff' /tmp/kmemleak.txt; then
		fail faultinj.kmemleak "$n suspected leak(s), involving fpgadma:"
		sed 's/^/  kmemleak: /' /tmp/kmemleak.txt
	else
		pass "faultinj.kmemleak"
		[ "$n" -gt 0 ] && echo "faultinj: kmemleak: $n suspected leak(s) outside fpgadma:" &&
			sed 's/^/  kmemleak: /' /tmp/kmemleak.txt | head -n 60
	fi
	rm -f /tmp/kmemleak.txt
fi
unload

# 4. Probe through module load: opt-in (/faultinj-insmod, staged by the lane
# when DEBUG_FAULTINJ_INSMOD=1), last, because it reaches two bugs of the
# 6.1 kernel's own error paths: an injected failure in alloc_descs()'s
# radix_tree_insert() is ignored (kernel/irq/irqdesc.c irq_insert_desc()),
# so pci_alloc_irq_vectors() then oopses in irq_domain_alloc_irqs_locked();
# and a failed class_create() leaks the class name (kmemleak).
# The model is loaded first, so every load of fpgadma also probes its
# platform device.
if [ -e /faultinj-insmod ]; then
	if insmod $MODEL_KO; then
		run_prog faultinj.insmod 0 $FI insmod $KO ""
	else
		fail faultinj.probe-insmod "insmod $MODEL_KO failed"
	fi
	unload
fi
exit 0
