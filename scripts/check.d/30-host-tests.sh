#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Host unit tests of pure kernel logic, under ASan/UBSan, run by run_test
# (lib.sh): a test that crashes, is killed, exits non-zero or stops early
# (no "DONE:" line) fails. First, a self-test of that runner on programs
# that fail in each of those ways (tests/lib/run_prog_selftest.sh).
. "$(dirname -- "$0")/lib.sh"

tests/lib/run_prog_selftest.sh bash | tee -a "$RESULTS" | grep '^FAIL: '
if command -v busybox > /dev/null; then
	tests/lib/run_prog_selftest.sh "busybox sh" | tee -a "$RESULTS" | grep '^FAIL: '
fi

if make -s -C tests/host O="$PWD/$OUT" all > "$OUT/host-build.log" 2>&1; then
	run_test host:ring_test "$OUT/ring_test.log" "$OUT/ring_test"
	run_test host:fse_queue_test "$OUT/fse_queue_test.log" "$OUT/fse_queue_test"
	run_test host:shring_test "$OUT/shring_test.log" "$OUT/shring_test"
	run_test host:shring_test_tsan "$OUT/shring_test_tsan.log" "$OUT/shring_test_tsan"
else
	fail "build:host-tests: see $OUT/host-build.log"
	tail -30 "$OUT/host-build.log"
fi
exit 0
