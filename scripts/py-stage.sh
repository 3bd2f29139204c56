#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The Python binding's guest run (check lane 90-vm, its first VM run only):
# builds the .debs (DEB_OUT=OUT/pydeb), installs libfpgadma0 and
# python3-fpgadma into a copy of the cached Debian rootfs
# (scripts/pyroot.sh image OUT/pyroot.img), and makes OUT/stage-py: a copy
# of STAGE plus /guest.d/python.sh (python/tests/guest.sh), the tests in
# /pytests and KVER's virtio_pci, virtio_blk, crc32c_generic and ext4 modules with their
# dependencies in /pymod (load order in /pymod/order).
# Usage: scripts/py-stage.sh OUT STAGE KVER
set -euo pipefail
(($# == 3)) || { sed -n '/^# Usage:/s/^# //p' "$0" >&2; exit 2; }
out=$(realpath -m "$1") stage=$2 kver=$3
mods=/lib/modules/$kver

DEB_OUT=$out/pydeb scripts/pkg/build-deb.sh > /dev/null
scripts/pyroot.sh image "$out/pyroot.img" "$out"/pydeb/libfpgadma0_*.deb \
	"$out"/pydeb/python3-fpgadma_*.deb

ps=$out/stage-py
rm -rf "$ps"
cp -a "$stage" "$ps"
mkdir -p "$ps/guest.d" "$ps/pytests" "$ps/pymod"
cp python/tests/guest.sh "$ps/guest.d/python.sh"
cp python/tests/test_guest.py "$ps/pytests/"

# The modules in dependency order (modules.dep: "path: dep dep ...").
declare -A done_
order=()
add() {
	local path=$1 line d
	[[ -n ${done_[$path]:-} ]] && return 0
	done_[$path]=1
	line=$(grep -m1 "^$path:" "$mods/modules.dep") || {
		echo "py-stage.sh: $path not in $mods/modules.dep" >&2; exit 1; }
	for d in ${line#*:}; do
		add "$d"
	done
	[[ $path == *.ko ]] || { echo "py-stage.sh: $path: compressed modules not handled" >&2; exit 1; }
	cp "$mods/$path" "$ps/pymod/"
	order+=("${path##*/}")
}
# ext4 asks the crypto API for crc32c at mount, which cannot load a module
# here (no modprobe): crc32c_generic first.
for m in virtio_pci virtio_blk crc32c_generic ext4; do
	p=$(grep -m1 -E "(^|/)$m\.ko[^:]*:" "$mods/modules.dep" | cut -d: -f1) || {
		echo "py-stage.sh: no $m module for $kver" >&2; exit 1; }
	add "$p"
done
printf '%s\n' "${order[@]}" > "$ps/pymod/order"
