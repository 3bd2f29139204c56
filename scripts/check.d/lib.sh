# SPDX-License-Identifier: GPL-2.0-only
# Helpers for check.d lanes (sourced).
pass() { echo "PASS: $1" | tee -a "$RESULTS"; }
fail() { echo "FAIL: $1" | tee -a "$RESULTS"; }
