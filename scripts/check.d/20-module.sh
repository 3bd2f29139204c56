#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The module for the VM kernel; W=1 (with kernel-doc) must be warning free.
. "$(dirname -- "$0")/lib.sh"

if make -C driver KDIR="$KDIR" W=1 > "$OUT/module.log" 2>&1; then
	if grep -q 'warning:' "$OUT/module.log"; then
		fail "build:module-W1: warnings (see $OUT/module.log)"
		grep 'warning:' "$OUT/module.log" | head -20
	else
		pass "build:module-W1"
		cp driver/fpgadma.ko "$STAGE/"
	fi
else
	fail "build:module: see $OUT/module.log"
	tail -30 "$OUT/module.log"
fi
