#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# make check: install what is missing, then run every lane in
# scripts/check.d/ in name order, and end with "N passed, N failed".
#
# A lane is a bash script. It appends "PASS: name" / "FAIL: name: why"
# lines to $RESULTS (the helpers in lib.sh do that and echo them), may add
# files to $STAGE (the root of the VM's initramfs) and must not exit the
# whole run. It exits 0 (77: skipped, nothing to report); another status,
# or none of its lines in $RESULTS, adds "FAIL: lane:<name>: why". Test
# programs run through lib.sh's run_test (tests/lib/run_prog.sh), which
# fails them on a crash, a signal, a wrong exit status or no DONE line.
# Lanes see: OUT (build/check), RESULTS, STAGE, KVER, KDIR.
set -uo pipefail
cd "$(dirname -- "$0")/.." || exit 1

export OUT=${OUT:-build/check}
export RESULTS=$OUT/results.txt
export STAGE=$OUT/stage
rm -rf "$OUT"
mkdir -p "$OUT" "$STAGE"
: > "$RESULTS"

if ! scripts/deps.sh; then
	echo "FAIL: deps: missing packages" >> "$RESULTS"
	scripts/count-results.sh "$RESULTS"
	exit 1
fi
KVER=$(scripts/kver.sh) || exit 1
export KVER KDIR=/usr/src/linux-headers-$KVER
echo "check: kernel $KVER"
# The later lanes' downloads, in the background (FPGADMA_PREFETCH=0: not).
prefetch=
if [[ ${FPGADMA_PREFETCH:-1} == 1 ]]; then
	scripts/prefetch.sh "$OUT/prefetch" &
	prefetch=$!
fi

summary=()
total=$SECONDS
for lane in scripts/check.d/[0-9][0-9]-*.sh; do
	name=${lane##*/}
	name=${name%.sh}
	echo "check: lane $name"
	before=$(wc -l < "$RESULTS")
	start=$SECONDS
	bash "$lane"
	rc=$?
	lines=$(tail -n "+$((before + 1))" "$RESULTS")
	# A lane ends with status 0, or 77 when it skipped itself; one that
	# died, or ran and reported nothing, is a failure of its own.
	if ((rc != 0 && rc != 77)); then
		echo "FAIL: lane:$name: exited with status $rc" | tee -a "$RESULTS"
	elif ((rc == 0)) && ! grep -qE '^(PASS|FAIL): ' <<< "$lines"; then
		echo "FAIL: lane:$name: no results" | tee -a "$RESULTS"
	fi
	lines=$(tail -n "+$((before + 1))" "$RESULTS")
	summary+=("$(printf '%-14s %5d passed %4d failed %5ds' "$name" \
		"$(grep -c '^PASS: ' <<< "$lines")" \
		"$(grep -c '^FAIL: ' <<< "$lines")" $((SECONDS - start)))")
done

if [[ -n $prefetch ]]; then
	wait "$prefetch"
	sed 's/^/  /' "$OUT/prefetch/prefetch.log" 2> /dev/null
fi
echo "check: lanes (kernel $KVER, ${SECONDS}s in all, $((SECONDS - total))s in lanes)"
printf '  %s\n' "${summary[@]}"
scripts/count-results.sh "$RESULTS"
