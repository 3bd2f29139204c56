#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# make check: install what is missing, then run every lane in
# scripts/check.d/ in name order (from 90 on, two at a time: below), and
# end with "N passed, N failed".
#
# A lane is a bash script. It appends "PASS: name" / "FAIL: name: why"
# lines to $RESULTS (the helpers in lib.sh do that and echo them), may add
# files to $STAGE (the root of the VM's initramfs) and must not exit the
# whole run. It exits 0 (77: skipped, nothing to report); another status,
# or none of its lines in $RESULTS, adds "FAIL: lane:<name>: why". Test
# programs run through lib.sh's run_test (tests/lib/run_prog.sh), which
# fails them on a crash, a signal, a wrong exit status or no DONE line.
# Lanes see: OUT (build/check), RESULTS (the lane's own file; all of them
# end up in $OUT/results.txt in lane order), STAGE, KVER, KDIR.
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

# run_lane LANE: run one lane with its own results file
# ($OUT/lanes/<name>.results, RESULTS in the lane), judge how it ended
# and write its summary line to $OUT/lanes/<name>.summary.
run_lane() {
	local lane=$1 name res rc lines start=$SECONDS
	name=${lane##*/}
	name=${name%.sh}
	res=$OUT/lanes/$name.results
	: > "$res"
	RESULTS=$res bash "$lane"
	rc=$?
	# A lane ends with status 0, or 77 when it skipped itself; one that
	# died, or ran and reported nothing, is a failure of its own.
	if ((rc != 0 && rc != 77)); then
		echo "FAIL: lane:$name: exited with status $rc" | tee -a "$res"
	elif ((rc == 0)) && ! grep -qE '^(PASS|FAIL): ' "$res"; then
		echo "FAIL: lane:$name: no results" | tee -a "$res"
	fi
	lines=$(cat "$res")
	printf '%-14s %5d passed %4d failed %5ds\n' "$name" \
		"$(grep -c '^PASS: ' <<< "$lines")" \
		"$(grep -c '^FAIL: ' <<< "$lines")" $((SECONDS - start)) \
		> "$OUT/lanes/$name.summary"
}

# The lanes from 90 on boot QEMU guests, and a TCG guest waits on its
# timers and devices about as much as it computes (90-vm used half of one
# of the two cores over its 7 minutes, 2026-12-03): they run
# FPGADMA_LANE_JOBS (default 2) at a time, each with its output in
# $OUT/lanes/<name>.log, shown when it ends. The lanes before them build
# what they boot and run one after the other, their output as it comes.
# Lanes running together share nothing but the caches, whose entries have
# their builders' locks (cache-entry.sh, deps.sh).
jobs=${FPGADMA_LANE_JOBS:-2}
[[ $jobs =~ ^[1-9][0-9]*$ ]] || { echo "check: FPGADMA_LANE_JOBS=$jobs: not a count" >&2; exit 1; }
mkdir -p "$OUT/lanes"
declare -A running=()
# reap: wait for one of the running lanes, show its output.
reap() {
	local pid name
	wait -n -p pid "${!running[@]}"
	name=${running[$pid]}
	unset "running[$pid]"
	echo "check: lane $name ended (its output, run alongside others):"
	sed 's/^/  | /' "$OUT/lanes/$name.log"
}
total=$SECONDS
lanes=(scripts/check.d/[0-9][0-9]-*.sh)
for lane in "${lanes[@]}"; do
	name=${lane##*/}
	name=${name%.sh}
	if ((jobs == 1 || 10#${name%%-*} < 90)); then
		echo "check: lane $name"
		run_lane "$lane"
		continue
	fi
	while ((${#running[@]} >= jobs)); do
		reap
	done
	echo "check: lane $name started"
	run_lane "$lane" > "$OUT/lanes/$name.log" 2>&1 &
	running[$!]=$name
done
while ((${#running[@]})); do
	reap
done
summary=()
for lane in "${lanes[@]}"; do
	name=${lane##*/}
	name=${name%.sh}
	if [[ ! -f $OUT/lanes/$name.summary ]]; then
		echo "FAIL: lane:$name: ended without its summary" >> "$OUT/lanes/$name.results"
		printf -v line '%-14s died' "$name"
		echo "$line" > "$OUT/lanes/$name.summary"
	fi
	cat "$OUT/lanes/$name.results" >> "$RESULTS"
	summary+=("$(cat "$OUT/lanes/$name.summary")")
done

if [[ -n $prefetch ]]; then
	wait "$prefetch"
	sed 's/^/  /' "$OUT/prefetch/prefetch.log" 2> /dev/null
fi
echo "check: lanes (kernel $KVER, ${SECONDS}s in all, $((SECONDS - total))s in lanes)"
printf '  %s\n' "${summary[@]}"
scripts/count-results.sh "$RESULTS"
