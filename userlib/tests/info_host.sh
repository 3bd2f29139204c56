#!/bin/bash
# SPDX-License-Identifier: MIT
# Host test of fpgadma-info's non-PCI listing against a made-up sysfs tree
# (FPGADMA_SYSFS): a device-tree node with the dmaengine engine, a platform
# device with a hostile compatible string and missing attributes, a class
# entry without a device link. Usage: info_host.sh FPGADMA-INFO WORKDIR.
# Prints what it found; exits 1 on the first mismatch.
set -u
info=$1
t=$2/sysfs
rm -rf "$t"
mkdir -p "$t/class/fpgadma" "$t/bus/platform/drivers/fpgadma" "$2/debugfs"
die() { echo "info_host: $*"; exit 1; }

# node NAME DEVICE [COMPATIBLE]: class node NAME whose device is platform
# device DEVICE, bound to fpgadma.
node() {
	local d=$t/devices/platform/$2
	mkdir -p "$d" "$t/class/fpgadma/$1"
	ln -s "../../../devices/platform/$2" "$t/class/fpgadma/$1/device"
	ln -s ../../../bus/platform "$d/subsystem"
	ln -s ../../../bus/platform/drivers/fpgadma "$d/driver"
	if (($# > 2)); then
		mkdir -p "$d/of_node"
		printf '%s\0other,fallback\0' "$3" > "$d/of_node/compatible"
	fi
}
node fpgadma3 40400000.dma-client 'fpgadma,dmaengine-1.0'
for a in engine:dmaengine buf_count:8 buf_size:16384 streaming:1 completed:100 \
	 dequeued:100 released:92 dropped:0 irqs:0 memory:cached starved:3 \
	 starved_ns:4500000; do
	echo "${a#*:}" > "$t/class/fpgadma/fpgadma3/${a%%:*}"
done
node fpgadma2 fpgadma-stream.0 $'we"ird\\\x01'
echo stream > "$t/class/fpgadma/fpgadma2/engine"
echo 0 > "$t/class/fpgadma/fpgadma2/starved"
mkdir -p "$t/class/fpgadma/fpgadma9"	# no device link: not listed

text=$(FPGADMA_SYSFS=$t FPGADMA_DEBUGFS=$2/debugfs "$info") || die "exit status $?"
echo "$text"
grep -qx 'platform 40400000.dma-client (compatible "fpgadma,dmaengine-1.0")' <<< "$text" ||
	die "the device-tree node's line is missing"
grep -qx '  /dev/fpgadma3: engine dmaengine, ring 8 x 16384 bytes of cached memory, streaming 1' <<< "$text" ||
	die "fpgadma3's ring line is missing"
grep -qx '  starved: 3 times, 4500000 ns in all (source held back, no data lost)' <<< "$text" ||
	die "fpgadma3's starved line is missing"
[[ $(grep -c '^  starved:' <<< "$text") == 1 ]] ||
	die "a starved line for an engine that drops (stream, starved 0)"
grep -q '^platform fpgadma-stream.0 ' <<< "$text" || die "fpgadma-stream.0 is missing"
grep -q fpgadma9 <<< "$text" && die "a class entry without a device is listed"
# Name order: fpgadma2 before fpgadma3.
[[ $(grep -o '/dev/fpgadma[0-9]' <<< "$text" | tr '\n' ' ') == '/dev/fpgadma2 /dev/fpgadma3 ' ]] ||
	die "nodes not in name order"

json=$(FPGADMA_SYSFS=$t FPGADMA_DEBUGFS=$2/debugfs "$info" --json) || die "--json: exit status $?"
/usr/bin/python3 - "$json" <<'PY' || die "--json: $json"
import json, sys
d = json.loads(sys.argv[1])
plat = [x for x in d["devices"] if x["bus"] == "platform"]
assert d["count"] == len(d["devices"]), "count"
assert [x["fpgadma"]["node"] for x in plat] == ["fpgadma2", "fpgadma3"], plat
s, e = plat
assert e["compatible"] == "fpgadma,dmaengine-1.0" and e["driver"] == "fpgadma", e
f = e["fpgadma"]
assert (f["engine"], f["starved"], f["starved_ns"], f["memory"]) == \
    ("dmaengine", 3, 4500000, "cached"), f
assert s["compatible"] == 'we"ird\\\x01' and s["fpgadma"]["buf_count"] is None, s
assert f["latency"] is None and "debugfs" in f["latency_unavailable"], f
PY
echo "info_host: ok"
