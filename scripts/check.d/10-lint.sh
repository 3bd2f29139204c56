#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Static checks, as make lint: one PASS/FAIL per tool (checkpatch, sparse,
# cppcheck, clang-tidy, shellcheck); see scripts/lint.sh. Logs: $OUT/lint/.
. "$(dirname -- "$0")/lib.sh"

scripts/lint.sh --out "$OUT/lint" | tee -a "$RESULTS"
exit 0
