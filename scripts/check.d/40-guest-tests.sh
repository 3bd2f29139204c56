#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The in-guest suite: static test programs, guest.sh and its test-program
# runner (tests/lib/run_prog.sh, as /run_prog.sh) into the stage, and the
# test double the suite drives the stream engine with: the software model
# fpgadma_model.ko (tests/model/), W=1 against the VM kernel.
. "$(dirname -- "$0")/lib.sh"

if make -s -C tests/guest O="$PWD/$STAGE" > "$OUT/guest-build.log" 2>&1; then
	pass "build:guest-tests"
	cp tests/guest/guest.sh tests/guest/shutdown.sh tests/lib/run_prog.sh "$STAGE/"
else
	fail "build:guest-tests: see $OUT/guest-build.log"
	tail -30 "$OUT/guest-build.log"
fi

if make -C tests/model KDIR="$KDIR" W=1 > "$OUT/model.log" 2>&1; then
	if grep -q 'warning:' "$OUT/model.log"; then
		fail "build:model-W1: warnings (see $OUT/model.log)"
		grep 'warning:' "$OUT/model.log" | head -20
	else
		pass "build:model-W1"
		cp tests/model/fpgadma_model.ko "$STAGE/"
	fi
else
	fail "build:model: see $OUT/model.log"
	tail -30 "$OUT/model.log"
fi

# The test-only dmaengine provider the dmaengine engine streams from.
if make -C tests/dmaengine KDIR="$KDIR" W=1 > "$OUT/dmatest.log" 2>&1; then
	if grep -q 'warning:' "$OUT/dmatest.log"; then
		fail "build:dmatest-W1: warnings (see $OUT/dmatest.log)"
		grep 'warning:' "$OUT/dmatest.log" | head -20
	else
		pass "build:dmatest-W1"
		cp tests/dmaengine/fpgadma_dmatest.ko "$STAGE/"
	fi
else
	fail "build:dmatest: see $OUT/dmatest.log"
	tail -30 "$OUT/dmatest.log"
fi
