#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Host unit tests of pure kernel logic, under ASan/UBSan.
. "$(dirname -- "$0")/lib.sh"

if make -s -C tests/host O="$PWD/$OUT" all > "$OUT/host-build.log" 2>&1; then
	"$OUT/ring_test" >> "$RESULTS"
	"$OUT/fse_queue_test" >> "$RESULTS"
	grep '^FAIL' "$RESULTS" || true
else
	fail "build:host-tests: see $OUT/host-build.log"
	tail -30 "$OUT/host-build.log"
fi
