# SPDX-License-Identifier: GPL-2.0-only
# Helpers for check.d lanes (sourced).
pass() { echo "PASS: $1" | tee -a "$RESULTS"; }
fail() { echo "FAIL: $1" | tee -a "$RESULTS"; }

# run_prog NAME TIMEOUT CMD... and prog_verdict: the test-program runner
# the VM's scripts use too (DONE line, exit status, signals).
# shellcheck source=../../tests/lib/run_prog.sh
. "$(dirname -- "${BASH_SOURCE[0]}")/../../tests/lib/run_prog.sh"

# run_test NAME LOG CMD...: run a host test program through run_prog
# (bounded by 300 s): its whole output goes to LOG, its result lines and
# run_prog's verdict to $RESULTS, the FAIL lines among them to stdout.
# Returns 1 if there was a FAIL line.
run_test() {
	local name=$1 log=$2 rc
	shift 2
	run_prog "$name" 300 "$@" > "$log"
	rc=$?
	grep -E '^(PASS|FAIL): ' "$log" >> "$RESULTS"
	grep '^FAIL: ' "$log"
	return $rc
}
