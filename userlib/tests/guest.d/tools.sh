#!/bin/sh
# SPDX-License-Identifier: MIT
# In-VM tests of fpgadma-info and fpgadma-capture (staged as
# /guest.d/tools.sh by check lane 60). fpgadma-info is the dynamically
# linked build (Debian ships no static libpci), run with its libraries
# from /opt/fpgadma/lib; the other tools are static at /.
# Loads the module itself and leaves it unloaded; prints PASS/FAIL lines.
INFO=/opt/fpgadma/bin/fpgadma-info
CAP=/fpgadma-capture
# The kernel's page size, edu's default buffer size ("KernelPageSize: 4 kB").
pg=$(awk '/^KernelPageSize:/ { print $2 * 1024; exit }' /proc/self/smaps)
# verify NAME FILE BUFFERS: the libtest's pattern check of FILE, as NAME.
verify() { run_prog "$1" 60 /fpgadma_libtest verify-file "$2" "$3" "$1"; }
pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: $2"; }
if [ -r /run_prog.sh ]; then
	# shellcheck source=../../../tests/lib/run_prog.sh
	. /run_prog.sh
else
	fail tools.run_prog "/run_prog.sh missing: no test program can be run"
	exit 0
fi
# check NAME CMD...: PASS if CMD succeeds, else FAIL with its output.
check() {
	name=$1
	shift
	if out=$("$@" 2>&1); then pass "$name"; else fail "$name" "$(printf "%s" "$out" | tr "\n" " " | tail -c 300)"; fi
}

EOPT=$(edu_opt)
if ! insmod /fpgadma.ko ${EOPT:+"$EOPT"} ${KOPT:+"$KOPT"}; then
	fail tools.insmod "insmod /fpgadma.ko $EOPT $KOPT failed"
	exit 0
fi
n=0
while [ $n -lt 50 ] && ! { [ -c /dev/fpgadma0 ] && [ -c /dev/fpgadma1 ]; }; do
	sleep 0.1
	n=$((n + 1))
done

# ---- fpgadma-info ----
check tools.info-help $INFO --help
$INFO > /tmp/info.txt 2>&1
rc=$?
cat /tmp/info.txt
want=MSI
grep -q 'pci=nomsi' /proc/cmdline && want=INTx
if [ $rc -ne 0 ]; then
	fail tools.info "exit status $rc"
elif [ "$(grep -c '1234:11e8' /tmp/info.txt)" != 2 ]; then
	fail tools.info "not two edu devices listed"
elif ! grep -q "/dev/fpgadma0: engine edu, ring 16 x $pg" /tmp/info.txt ||
     ! grep -q '/dev/fpgadma1: engine edu' /tmp/info.txt; then
	fail tools.info "ring of fpgadma0/1 missing"
elif [ "$(grep -c "driver: fpgadma, IRQ [0-9]* ($want)" /tmp/info.txt)" != 2 ]; then
	fail tools.info "driver/IRQ mode $want not shown for both"
elif ! grep -q 'BAR0: memory at' /tmp/info.txt || ! grep -q 'link: conventional PCI' /tmp/info.txt; then
	fail tools.info "BAR0 or link line missing"
else
	pass tools.info
fi
$INFO --json > /tmp/info.json 2>&1
rc=$?
if [ $rc -ne 0 ]; then
	fail tools.info-json "exit status $rc"
elif ! grep -q '"count": 2}' /tmp/info.json ||
     [ "$(grep -c '"driver": "fpgadma"' /tmp/info.json)" != 2 ] ||
     [ "$(grep -o '"node": "fpgadma[01]"' /tmp/info.json | wc -l)" != 2 ] ||
     [ "$(grep -c "\"irq_mode\": \"$want\"" /tmp/info.json)" != 2 ] ||
     [ "$(head -c 13 /tmp/info.json)" != '{"devices": [' ] ||
     [ "$(tail -c 2 /tmp/info.json | head -c 1)" != '}' ]; then
	fail tools.info-json "unexpected: $(head -c 300 /tmp/info.json)"
else
	pass tools.info-json
fi

# ---- fpgadma-capture ----
check tools.capture-help $CAP --help
rm -f /tmp/cap.bin
if ! out=$($CAP -n 20 -o /tmp/cap.bin 2>&1); then
	fail tools.capture-20 "exit $?: $out"
else
	echo "$out"
	verify tools.capture-20-verify /tmp/cap.bin 20
fi
if ! $CAP -d 1 -b 10000 -q -o /tmp/cap2.bin; then
	fail tools.capture-bytes "exit status $?"
elif [ "$(wc -c < /tmp/cap2.bin)" != 10000 ]; then
	fail tools.capture-bytes "$(wc -c < /tmp/cap2.bin) bytes, want 10000"
else
	verify tools.capture-bytes-verify /tmp/cap2.bin -1
fi
n=$($CAP -d /dev/fpgadma1 -n 5 -q | wc -c)
if [ "$n" = 20440 ]; then pass tools.capture-stdout; else fail tools.capture-stdout "$n bytes, want 20440"; fi

# Ctrl-C ends the capture cleanly: exit 0, whole buffers, pattern intact.
rm -f /tmp/int.bin
$CAP -q -o /tmp/int.bin &
pid=$!
sleep 2
kill -INT $pid
wait $pid
rc=$?
size=$(wc -c < /tmp/int.bin)
if [ $rc -ne 0 ]; then
	fail tools.capture-sigint "exit status $rc"
elif [ "$size" -lt 4088 ] || [ $((size % 4088)) -ne 0 ]; then
	fail tools.capture-sigint "$size bytes is not a positive number of buffers"
else
	verify tools.capture-sigint-verify /tmp/int.bin $((size / 4088))
fi

# A one-buffer ring cannot keep up: losses must show in the exit status.
$CAP -d 1 -c 1 -n 6 -q -o /tmp/lost.bin
rc=$?
if [ $rc -eq 3 ]; then pass tools.capture-lost-exit3; else fail tools.capture-lost-exit3 "exit status $rc, want 3"; fi
$CAP -d /dev/fpgadma7 -n 1 -q -o /tmp/none.bin 2>/dev/null
rc=$?
if [ $rc -eq 1 ]; then pass tools.capture-nodev-exit1; else fail tools.capture-nodev-exit1 "exit status $rc"; fi
rm -f /tmp/cap.bin /tmp/cap2.bin /tmp/int.bin /tmp/lost.bin /tmp/none.bin

# The acquisition example (static build of userlib/examples).
if out=$(/fpgadma_acquire /dev/fpgadma0 20 2>&1) && echo "$out" | grep -q '^20 buffers in'; then
	pass tools.example-acquire
else
	fail tools.example-acquire "$(printf "%s" "$out" | tr "\n" " " | tail -c 300)"
fi

# fpgadma-info shows the latency histogram (debugfs) of fpgadma0, which
# the captures above read from: samples > 0, buckets summing to them.
dbg=/sys/kernel/debug
[ -d $dbg/fpgadma ] || mount -t debugfs none $dbg 2>/dev/null
$INFO > /tmp/info.txt 2>&1
n=$(awk '/\/dev\/fpgadma0:/ {on = 1} on && /latency, interrupt to wakeup:/ {sub(/.*wakeup: /, ""); print $1; exit}' /tmp/info.txt)
sum=$(awk '/fpgadma0\/latency\)$/ {on = 1; next} on && /^    [0-9]+-[0-9]* ns: / {s += $NF; next} on {exit} END {print s + 0}' /tmp/info.txt)
if [ ! -d $dbg/fpgadma ]; then
	fail tools.info-latency "no $dbg/fpgadma after mounting debugfs"
elif [ -z "$n" ] || [ "$n" -eq 0 ]; then
	fail tools.info-latency "no samples for fpgadma0: $(tr "\n" " " < /tmp/info.txt | tail -c 300)"
elif [ "$sum" != "$n" ]; then
	fail tools.info-latency "buckets sum to $sum, $n samples"
elif ! $INFO --json | grep -q '"latency": {"count": '; then
	fail tools.info-latency "no latency object in --json"
else
	pass tools.info-latency
fi
out=$(FPGADMA_DEBUGFS=/tmp $INFO 2>&1)
if [ "$(echo "$out" | grep -c 'latency: not shown: debugfs is not mounted at /tmp')" = 2 ] &&
   FPGADMA_DEBUGFS=/tmp $INFO --json | grep -q '"latency": null, "latency_unavailable": "debugfs is not mounted'; then
	pass tools.info-latency-why-not
else
	fail tools.info-latency-why-not "$(printf "%s" "$out" | tr "\n" " " | tail -c 300)"
fi

# A device on another bus (the model: a platform device, or the device-tree
# node of the ARM runs) is listed after the PCI ones, with its ring.
if ! insmod /fpgadma_model.ko; then
	fail tools.info-platform "insmod /fpgadma_model.ko failed"
else
	n=0
	while [ $n -lt 50 ] && [ ! -c /dev/fpgadma2 ]; do
		sleep 0.1
		n=$((n + 1))
	done
	$INFO > /tmp/info.txt 2>&1
	rc=$?
	json=$($INFO --json 2>&1)
	sub=$(readlink /sys/class/fpgadma/fpgadma2/device/subsystem)
	if [ $rc -ne 0 ]; then
		fail tools.info-platform "exit status $rc"
	elif ! grep -q "^${sub##*/} [^ ]" /tmp/info.txt ||
	     ! grep -q '^  /dev/fpgadma2: engine stream, ring ' /tmp/info.txt; then
		fail tools.info-platform "fpgadma2 (${sub##*/}) not listed: $(tr "\n" " " < /tmp/info.txt | tail -c 300)"
	elif [ -d /sys/class/fpgadma/fpgadma2/device/of_node ] &&
	     ! grep -q '(compatible "fpgadma,stream-1.0")' /tmp/info.txt; then
		fail tools.info-platform "the device-tree node's compatible is not shown"
	elif ! echo "$json" | grep -q '"count": 3}' ||
	     ! echo "$json" | grep -q "\"bus\": \"${sub##*/}\", \"name\": \"[^\"]*\", \"compatible\": " ||
	     ! echo "$json" | grep -q '"node": "fpgadma2", "engine": "stream", .*"starved": 0, "starved_ns": 0'; then
		fail tools.info-platform "--json: $(echo "$json" | tail -c 400)"
	else
		pass tools.info-platform
	fi
	rmmod fpgadma_model || fail tools.rmmod-model "rmmod fpgadma_model failed"
fi

rmmod fpgadma || fail tools.rmmod "rmmod fpgadma failed"
exit 0
