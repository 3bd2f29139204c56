#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The in-guest suite: static test programs, guest.sh and its test-program
# runner (tests/lib/run_prog.sh, as /run_prog.sh) into the stage.
. "$(dirname -- "$0")/lib.sh"

if make -s -C tests/guest O="$PWD/$STAGE" > "$OUT/guest-build.log" 2>&1; then
	pass "build:guest-tests"
	cp tests/guest/guest.sh tests/guest/shutdown.sh tests/lib/run_prog.sh "$STAGE/"
else
	fail "build:guest-tests: see $OUT/guest-build.log"
	tail -30 "$OUT/guest-build.log"
fi
