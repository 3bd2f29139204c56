#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# In-guest fpgadma test driver (busybox sh), run as /guest.sh by the
# initramfs /init. Expects /fpgadma.ko, the software model of the stream
# engine /fpgadma_model.ko (tests/model/), the test dmaengine provider
# /fpgadma_dmatest.ko (tests/dmaengine/) and /fpgadma_test at /.
# Prints "PASS: name" / "FAIL: name: reason" lines; always exits 0 and
# leaves both modules unloaded.

KO=/fpgadma.ko
MODEL_KO=/fpgadma_model.ko
T=/fpgadma_test
MOD=fpgadma
N0=/dev/fpgadma0
N1=/dev/fpgadma1
# The model's node, after the two edu devices; its knobs.
N2=/dev/fpgadma2
KNOBS=/sys/devices/fpgadma-model.0

# The ring memory of the whole run: fpgadma.memory=KIND on the kernel
# command line (busybox insmod does not read it) becomes every insmod's
# memory=KIND, here and (exported) in the /guest.d scripts.
KOPT=
read -r cmdline < /proc/cmdline
case " $cmdline " in
*" fpgadma.memory="*)
	KOPT=${cmdline##*fpgadma.memory=}
	KOPT="memory=${KOPT%% *}" ;;
esac
export KOPT

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: $2"; }

mod_loaded() { grep -q "^$MOD " /proc/modules; }
model_loaded() { grep -q "^fpgadma_model " /proc/modules; }

# wait_path present|absent PATH TENTHS
wait_path() {
	local n=0
	while [ "$n" -lt "$3" ]; do
		if [ "$1" = present ]; then
			[ -e "$2" ] && return 0
		else
			[ ! -e "$2" ] && return 0
		fi
		sleep 0.1
		n=$((n + 1))
	done
	return 1
}

# wait_engine NAME TENTHS: a node whose engine is NAME appears.
wait_engine() {
	local n=0
	while [ "$n" -lt "$2" ]; do
		grep -qx "$1" /sys/class/fpgadma/*/engine 2>/dev/null && return 0
		sleep 0.1
		n=$((n + 1))
	done
	return 1
}

# wait_nodes present|absent TENTHS: both device nodes appear / disappear.
wait_nodes() {
	local n=0
	while [ "$n" -lt "$2" ]; do
		if [ "$1" = present ]; then
			[ -c $N0 ] && [ -c $N1 ] && return 0
		else
			[ ! -e $N0 ] && [ ! -e $N1 ] && return 0
		fi
		sleep 0.1
		n=$((n + 1))
	done
	return 1
}

# run_prog NAME TIMEOUT CMD...: run a test program; FAIL: NAME if it
# crashes, is killed, exits wrongly or ends without its DONE line.
if [ -r /run_prog.sh ]; then
	# shellcheck source=../lib/run_prog.sh
	. /run_prog.sh
else
	fail run_prog "/run_prog.sh missing: no test program can be run"
	exit 0
fi
# The edu devices' DMA width, when not edu's default (run_prog.sh).
EOPT=$(edu_opt)

# run_sub NAME: run one subcommand, bounded as a last resort (the binary
# has its own per-subtest watchdog).
run_sub() {
	run_prog "$1" $((300 * ${FPGADMA_TEST_TIMESCALE:-1})) $T "$1"
}

# QEMU's Exynos4210 machine (the pl330 run of 96-arm, fpgadma.guest=pl330
# on the command line): no PCI, one fpgadma node streaming from a channel
# of the SoC's PL330 (dma-pl330), from tests/dt/fpgadma-pl330-exynos4210.dtsi.
case " $cmdline " in
*" fpgadma.guest=pl330 "*)
	if insmod $KO ${KOPT:+"$KOPT"} && wait_engine dmaengine 50; then
		compat=$(tr -d '\0' < /sys/class/fpgadma/fpgadma0/device/of_node/compatible 2>/dev/null)
		if [ "$compat" = fpgadma,dmaengine-1.0 ]; then
			pass pl330.node-bound
		else
			fail pl330.node-bound "fpgadma0's device has compatible '$compat'"
		fi
		# The second node asks for 3-byte reads: refused, nothing bound.
		name=pl330.bad-reg-io-width-refused
		nodes=0
		for d in /sys/class/fpgadma/*; do [ -e "$d" ] && nodes=$((nodes + 1)); done
		if [ -e /sys/bus/platform/devices/10050104.fpgadma/driver ] || [ "$nodes" != 1 ]; then
			fail $name "10050104.fpgadma bound ($nodes fpgadma nodes)"
		elif ! dmesg | grep -q '10050104.fpgadma: data port .*3-byte reads not possible'; then
			fail $name "no 'data port ... 3-byte reads not possible' message"
		else
			pass $name
		fi
		run_sub dmaengine-pl330
	else
		fail pl330.load "insmod $KO failed, or no dmaengine node"
	fi
	mod_loaded && rmmod $MOD
	exit 0 ;;
esac

if ! insmod $KO ${EOPT:+"$EOPT"} ${KOPT:+"$KOPT"}; then
	fail insmod "insmod $KO ${EOPT:+"$EOPT"} ${KOPT:+"$KOPT"} failed"
	exit 0
fi
pass insmod
if wait_nodes present 50; then
	pass nodes-appear
else
	fail nodes-appear "$N0 and $N1 not both present after 5 s"
fi

# The interrupt mode the kernel gave us: MSI, or INTx with pci=nomsi, by
# the interrupt chip's name: x86's PCI-MSI and IO-APIC; elsewhere an MSI
# chip's name ends in MSI (arm64 virt's GICv2m "MSI", GICv3's "ITS-MSI"),
# and INTx is level-triggered (GICv2, GICv3: "... 36 Level").
want=PCI-MSI
grep -q 'pci=nomsi' /proc/cmdline && want=IO-APIC
chip=$want
case $(uname -m) in
x86_64 | i?86) ;;
*)
	# 6.12+ name per-device MSI domains: "GICv2m-PCI-MSI-0000:00:01.0".
	chip='(^|[ -])MSI( |-[0-9a-f]{4}:)'
	want=MSI
	if grep -q 'pci=nomsi' /proc/cmdline; then
		chip=' Level '
		want=INTx
	fi ;;
esac
if grep -E 'fpgadma[01]$' /proc/interrupts | grep -qE "$chip"; then
	pass "irq-mode-$want"
else
	fail "irq-mode-$want" "$(grep fpgadma /proc/interrupts)"
fi

# Every ring of the run is of the kind asked for.
if [ -n "$KOPT" ]; then
	name="memory-kind-${KOPT#memory=}"
	got=$(cat /sys/class/fpgadma/fpgadma0/memory 2>&1)
	if [ "$got" = "${KOPT#memory=}" ]; then
		pass "$name"
	else
		fail "$name" "fpgadma0's memory is '$got'"
	fi
fi

for sub in probe stream reconfig drops modes memory badinput copy; do
	run_sub $sub
done

# dd semantics: capture with busybox dd and check the byte stream.
rm -f /tmp/cap.bin
if timeout -s KILL 30 dd if=$N0 of=/tmp/cap.bin bs=64K count=2 2>/dev/null; then
	run_prog copy.dd-file-pattern 60 $T check-file /tmp/cap.bin 4088 8176
else
	fail copy.dd-file-pattern "dd if=$N0 bs=64K count=2 failed or hung"
fi
rm -f /tmp/cap.bin

run_sub unbind-reader

# rmmod must be refused while a file is open, and work once it is closed.
name=rmmod-refused-while-open
$T hold-open &
holder=$!
sleep 1
if ! kill -0 $holder 2>/dev/null; then
	fail $name "hold-open exited early"
elif rmmod $MOD 2>/dev/null; then
	fail $name "rmmod succeeded while $N0 was open"
	insmod $KO ${EOPT:+"$EOPT"} ${KOPT:+"$KOPT"}
	wait_nodes present 50
elif ! mod_loaded; then
	fail $name "module gone from /proc/modules although rmmod failed"
else
	kill $holder
	wait $holder 2>/dev/null
	holder=
	ok=
	for i in 1 2 3 4 5 6 7 8 9 10; do
		if rmmod $MOD 2>/dev/null; then ok=1; break; fi
		sleep 0.2
	done
	if [ -z "$ok" ]; then
		fail $name "rmmod failed after the holder was killed"
	elif mod_loaded; then
		fail $name "module still listed after rmmod"
	elif ! wait_nodes absent 50; then
		fail $name "device nodes still present after rmmod"
	else
		pass $name
	fi
fi
[ -n "$holder" ] && kill $holder 2>/dev/null && wait $holder 2>/dev/null

# 20 load/unload cycles; nodes must appear and disappear each time.
name=load-unload-20
mod_loaded && rmmod $MOD
err=
i=1
while [ $i -le 20 ] && [ -z "$err" ]; do
	if ! insmod $KO ${EOPT:+"$EOPT"} ${KOPT:+"$KOPT"}; then
		err="cycle $i: insmod failed"
	elif ! wait_nodes present 50; then
		err="cycle $i: nodes did not appear"
	elif ! rmmod $MOD; then
		err="cycle $i: rmmod failed"
	elif mod_loaded; then
		err="cycle $i: module still listed after rmmod"
	elif ! wait_nodes absent 50; then
		err="cycle $i: nodes did not disappear"
	fi
	i=$((i + 1))
done
if [ -z "$err" ]; then pass $name; else fail $name "$err"; fi

# A ring beyond the guest's DMA-able memory: ENOMEM, old ring intact.
if insmod $KO ${EOPT:+"$EOPT"} ${KOPT:+"$KOPT"} max_ring_mb=2048 && wait_nodes present 50; then
	run_sub enomem
	rmmod $MOD
else
	fail enomem.load "insmod $KO ${EOPT:+"$EOPT"} ${KOPT:+"$KOPT"} max_ring_mb=2048 failed"
fi

# The stream engine through its software model, a module of its own; then
# the device's lifetime against its users (unbind/rebind of its platform
# device).
if insmod $KO ${EOPT:+"$EOPT"} ${KOPT:+"$KOPT"} && insmod $MODEL_KO && wait_nodes present 50 &&
   wait_path present $N2 50; then
	run_sub model
	run_sub shared
	# The long verified stream through the shared rings: one VM run only
	# (fpgadma.shm_long=1 on the kernel command line, see 90-vm.sh).
	case " $cmdline " in
	*" fpgadma.shm_long=1 "*) run_sub shared-long ;;
	esac
	run_sub lifetime

	# Knobs read in a loop while the model is unloaded and loaded
	# again: each unload unbinds fpgadma and deletes the model device
	# under the reader (kernfs drains it); no oops, and it comes back.
	name=model.sysfs-read-during-reload
	: > /tmp/reading
	(
		n=0
		while [ -e /tmp/reading ]; do
			for f in "$KNOBS"/*; do
				cat "$f" > /dev/null 2>&1 && n=$((n + 1))
			done
		done
		echo $n > /tmp/reads
	) &
	reader=$!
	err=
	i=1
	while [ $i -le 10 ] && [ -z "$err" ]; do
		sleep 0.1
		if ! rmmod fpgadma_model; then
			err="cycle $i: rmmod fpgadma_model failed"
		elif ! wait_path absent $N2 50 || [ -e $KNOBS ]; then
			err="cycle $i: $N2 or $KNOBS still present after rmmod"
		elif ! insmod $MODEL_KO; then
			err="cycle $i: insmod $MODEL_KO failed"
		elif ! wait_path present $N2 50; then
			err="cycle $i: $N2 did not come back"
		fi
		i=$((i + 1))
	done
	rm -f /tmp/reading
	wait $reader
	reads=$(cat /tmp/reads 2>/dev/null)
	if [ -n "$err" ]; then
		fail $name "$err"
	elif [ "${reads:-0}" -lt 10 ]; then
		fail $name "only ${reads:-0} knob reads succeeded during the cycles"
	else
		pass $name
	fi
	rm -f /tmp/reads
	if model_loaded && wait_path present $N2 50; then
		run_sub model-restart
		# Tracepoints and the latency histogram (tests/guest/t_trace.c).
		run_sub trace
	else
		fail model.reload "the model did not come back after the cycles"
	fi

	# A device without interrupt moderation (CAPS = ADDR64 only).
	model_loaded && rmmod fpgadma_model
	if insmod $MODEL_KO caps=1 && wait_path present $N2 50; then
		run_sub model-nocoalesce
	else
		fail model-nocoalesce.load "insmod $MODEL_KO caps=1 failed"
	fi
	model_loaded && rmmod fpgadma_model
	rmmod $MOD
else
	fail model.load "insmod $KO ${EOPT:+"$EOPT"} ${KOPT:+"$KOPT"}; insmod $MODEL_KO failed, or no $N2"
fi
model_loaded && rmmod fpgadma_model

# The ARM lanes boot with tests/dt/fpgadma-model-virt.dtso applied: the
# model is then a device-tree node (so by default the only model) whose
# child fpgadma binds like a Zynq node, with a reserved-memory CMA pool
# and without dma-coherent; every model test above ran on it.
if [ -d /proc/device-tree/fpgadma-model ]; then
	if insmod $KO ${EOPT:+"$EOPT"} ${KOPT:+"$KOPT"} && insmod $MODEL_KO &&
	   wait_path present $N2 50; then
		d=/sys/class/fpgadma/${N2#/dev/}
		compat=$(tr -d '\0' < "$d/device/of_node/compatible" 2>/dev/null)
		if [ "$compat" = fpgadma,stream-1.0 ]; then
			pass dt.model-node-bound
		else
			fail dt.model-node-bound "$N2's device has compatible '$compat', not fpgadma,stream-1.0"
		fi
		if dmesg | grep -q "$(basename "$(readlink -f "$d/device")"): assigned reserved memory node fpgadma-pool"; then
			pass dt.memory-region
		else
			fail dt.memory-region "no 'assigned reserved memory node fpgadma-pool' line for $N2's device in the kernel log"
		fi
		# AUTO: cached for the node without dma-coherent, coherent for
		# edu behind virt's dma-coherent PCIe host; a memory= parameter
		# decides for both.
		want_dt=cached want_pci=coherent
		if [ -n "$KOPT" ]; then want_dt=${KOPT#memory=}; want_pci=$want_dt; fi
		got_dt=$(cat "$d/memory") got_pci=$(cat /sys/class/fpgadma/${N0#/dev/}/memory)
		if [ "$got_dt" = "$want_dt" ] && [ "$got_pci" = "$want_pci" ]; then
			pass dt.memory-kind
		else
			fail dt.memory-kind "memory: node $got_dt, edu $got_pci; expected $want_dt, $want_pci (${KOPT:-auto})"
		fi
		# Both kinds of ring memory on the node, from its pool: cached,
		# and coherent (which the DMA API maps uncached there).
		run_prog memory $((300 * ${FPGADMA_TEST_TIMESCALE:-1})) $T memory $N2 |
			sed -e 's/^PASS: /PASS: dt./' -e 's/^FAIL: /FAIL: dt./'
	else
		fail dt.load "insmod $KO; insmod $MODEL_KO failed, or no $N2"
	fi
	model_loaded && rmmod fpgadma_model
	mod_loaded && rmmod $MOD
fi

# The dmaengine engine against the test-only dmaengine provider
# fpgadma_dmatest.ko (tests/dmaengine/): its dma_slave_map names the
# platform device "fpgadma-dmaengine" it creates, which fpgadma binds.
DMATEST_KO=/fpgadma_dmatest.ko
dmatest_loaded() { grep -q "^fpgadma_dmatest " /proc/modules; }
mod_loaded && rmmod $MOD
if [ ! -f $DMATEST_KO ]; then
	fail dmaengine.load "$DMATEST_KO not staged"
elif insmod $KO ${EOPT:+"$EOPT"} ${KOPT:+"$KOPT"} && insmod $DMATEST_KO &&
     wait_engine dmaengine 50; then
	run_sub dmaengine
	# The provider's module is pinned while fpgadma holds its channel.
	name=dmaengine.provider-rmmod-refused
	if rmmod fpgadma_dmatest 2>/dev/null; then
		fail $name "rmmod fpgadma_dmatest succeeded while fpgadma holds its channel"
	elif ! dmatest_loaded; then
		fail $name "fpgadma_dmatest gone although rmmod failed"
	else
		pass $name
	fi
	# fpgadma loaded while the provider is unbound: the probe defers
	# (EPROBE_DEFER), and the provider's bind triggers it again.
	name=dmaengine.probe-deferred-until-provider
	drv=/sys/bus/platform/drivers/fpgadma-dmatest
	if ! echo fpgadma-dmatest > $drv/unbind || ! rmmod $MOD ||
	   ! insmod $KO ${EOPT:+"$EOPT"} ${KOPT:+"$KOPT"}; then
		fail $name "unbind the provider, reload $MOD: failed"
	elif wait_engine dmaengine 10; then
		fail $name "a dmaengine node without a provider"
	elif ! echo fpgadma-dmatest > $drv/bind; then
		fail $name "bind the provider again failed"
	elif ! wait_engine dmaengine 50; then
		fail $name "no dmaengine node after the provider came back"
	else
		pass $name
	fi
	# Provider first, then fpgadma: it binds at its load.
	name=dmaengine.provider-loaded-first
	if ! rmmod $MOD || ! rmmod fpgadma_dmatest; then
		fail $name "rmmod $MOD, then fpgadma_dmatest, failed"
	elif ! insmod $DMATEST_KO || ! insmod $KO ${EOPT:+"$EOPT"} ${KOPT:+"$KOPT"}; then
		fail $name "insmod $DMATEST_KO, then $KO, failed"
	elif ! wait_engine dmaengine 50; then
		fail $name "no dmaengine node after loading the provider first"
	else
		pass $name
	fi
else
	fail dmaengine.load "insmod $KO; insmod $DMATEST_KO failed, or no dmaengine node"
fi
mod_loaded && rmmod $MOD
dmatest_loaded && rmmod fpgadma_dmatest

# The largest RELEASE, on a 4096-buffer ring of the model, timed.
mod_loaded && rmmod $MOD
if insmod $KO ${EOPT:+"$EOPT"} ${KOPT:+"$KOPT"} max_buf_count=4096 && insmod $MODEL_KO &&
   wait_path present $N2 50; then
	run_sub release-4096
else
	fail model.release-4096 "insmod $KO $EOPT max_buf_count=4096; insmod $MODEL_KO failed, or no $N2"
fi
model_loaded && rmmod fpgadma_model
mod_loaded && rmmod $MOD

# Module parameters: out of range is refused at load (EINVAL). When such a
# load succeeds anyway, SET_RING at its limits shows what it leads to (a
# kernel WARNING fails the VM run).
mod_loaded && rmmod $MOD
for p in max_buf_count=4294967295 max_buf_size=4294967295; do
	name="params.refused.${p%%=*}"
	if insmod $KO ${EOPT:+"$EOPT"} ${KOPT:+"$KOPT"} "$p" 2>/dev/null; then
		fail "$name" "insmod $KO ${EOPT:+"$EOPT"} ${KOPT:+"$KOPT"} $p loaded; an out-of-range limit must fail with EINVAL"
		if wait_nodes present 50; then
			timeout -s KILL 300 $T ring-limits > /dev/null 2>&1
		fi
		rmmod $MOD
	elif mod_loaded; then
		fail "$name" "insmod failed but $MOD is listed"
		rmmod $MOD
	else
		pass "$name"
	fi
done
# Large but valid limits load, and SET_RING at them fails cleanly or works.
name=params.large-valid-load
if insmod $KO ${EOPT:+"$EOPT"} ${KOPT:+"$KOPT"} max_buf_count=65536 max_buf_size=1073741824 max_ring_mb=65536 &&
	wait_nodes present 50; then
	pass $name
	run_sub ring-limits
	rmmod $MOD
else
	fail $name "insmod $KO ${EOPT:+"$EOPT"} ${KOPT:+"$KOPT"} max_buf_count=65536 max_buf_size=1073741824 max_ring_mb=65536 failed"
	mod_loaded && rmmod $MOD
fi

# Extra in-guest scripts staged by other check lanes; each loads and
# unloads the module itself.
# They always exit 0; any other status means one died part-way.
for extra in /guest.d/*.sh; do
	[ -f "$extra" ] || continue
	sh "$extra"
	rc=$?
	[ $rc -eq 0 ] || fail "guest.d/${extra##*/}" "exited with status $rc"
done

# Leave the modules unloaded.
model_loaded && rmmod fpgadma_model
mod_loaded && rmmod $MOD
dmatest_loaded && rmmod fpgadma_dmatest
if mod_loaded || model_loaded || dmatest_loaded; then
	fail module-unloaded-at-end "$MOD, fpgadma_model or fpgadma_dmatest still loaded"
else
	pass module-unloaded-at-end
fi
exit 0
