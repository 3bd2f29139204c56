#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# make check: install what is missing, build everything, run the host unit
# tests and the VM suite, and end with "N passed, N failed".
set -uo pipefail
cd "$(dirname -- "$0")/.." || exit 1

out=${OUT:-build/check}
rm -rf "$out"
mkdir -p "$out"
results=$out/results.txt
: > "$results"

pass() { echo "PASS: $1" | tee -a "$results"; }
fail() { echo "FAIL: $1" | tee -a "$results"; }

scripts/deps.sh || { fail "deps: missing packages"; scripts/count-results.sh "$results"; exit 1; }
kver=$(scripts/kver.sh) || exit 1
kdir=/usr/src/linux-headers-$kver
echo "check: kernel $kver"

# The module: W=1 (with kernel-doc) must be warning free.
if make -C driver KDIR="$kdir" W=1 > "$out/module.log" 2>&1; then
	if grep -q 'warning:' "$out/module.log"; then
		fail "build:module-W1: warnings (see $out/module.log)"
		grep 'warning:' "$out/module.log" | head -20
	else
		pass "build:module-W1"
	fi
else
	fail "build:module: see $out/module.log"
	tail -30 "$out/module.log"
fi

# Host unit tests (ASan/UBSan).
if make -s -C tests/host O="$PWD/$out" all > "$out/host-build.log" 2>&1; then
	"$out/ring_test" | tee -a "$results" | grep -v '^PASS' || true
else
	fail "build:host-tests: see $out/host-build.log"
	tail -30 "$out/host-build.log"
fi

# In-guest test programs, static.
mkdir -p "$out/stage"
if make -s -C tests/guest O="$PWD/$out/stage" > "$out/guest-build.log" 2>&1; then
	pass "build:guest-tests"
else
	fail "build:guest-tests: see $out/guest-build.log"
	tail -30 "$out/guest-build.log"
fi

# The VM suite on the kernel the module was built for.
if [[ -f driver/fpgadma.ko && -x $out/stage/fpgadma_test ]]; then
	cp driver/fpgadma.ko tests/guest/guest.sh "$out/stage/"
	scripts/mkinitramfs.sh "$out/initramfs.cpio.gz" "$out/stage" &&
		scripts/vm-run.sh --kernel "/boot/vmlinuz-$kver" \
			--initrd "$out/initramfs.cpio.gz" --edu 2 --timeout 1200 \
			--log "$out/vm-$kver.log" --label "$kver" >> "$results"
	grep -E '^(FAIL|  log:)' "$results" || true
else
	fail "vm:$kver: nothing to run (build failed)"
fi

scripts/count-results.sh "$results"
