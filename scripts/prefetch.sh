#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Fill the download-bound caches of the later lanes while the early ones
# compile: the trixie chroot (75-pkg-trixie, 95-matrix), the newer suites'
# kernels (95-matrix; with FPGADMA_FULL_MATRIX=1 also the build-only
# series) and the ARM kernels (96-arm64, 96-arm; 98-arm64-16k in CI). scripts/check.sh starts
# it in the background on a machine whose caches are cold; every entry has
# its builder's lock (cache-entry.sh), so a lane that needs an entry the
# prefetch is still fetching waits for it, and one the prefetch failed to
# fetch is fetched (or reported) by the lane itself as before.
# With FPGADMA_DEBUG_LANE=1 (CI) the debug kernel of 97-debug is built
# here too, alongside the downloads and at nice 19: it is the one
# CPU-bound entry (about 1000 CPU seconds, 8 minutes of a cold CI run when
# 97-debug built it alone), and most lanes leave one of the two cores
# idle (a TCG guest waits on its timers and devices as much as it
# computes), which this build takes without slowing them much.
# Logs in $1 (a directory); one line per entry in $1/prefetch.log.
set -uo pipefail
cd "$(dirname -- "$0")/.." || exit 1
logdir=${1:?usage: scripts/prefetch.sh LOGDIR}
mkdir -p "$logdir"

# step NAME CMD...: run CMD at low priority (nice $niceness), log how it
# went.
niceness=10
step() {
	local name=$1 start=$SECONDS rc
	shift
	nice -n "$niceness" "$@" > "$logdir/$name.out" 2> "$logdir/$name.log"
	rc=$?
	echo "prefetch: $name: exit $rc after $((SECONDS - start))s" >> "$logdir/prefetch.log"
}

debug=
if [[ ${FPGADMA_DEBUG_LANE:-0} == 1 ]]; then
	niceness=19 step debug-kernel scripts/debug-kernel.sh &
	debug=$!
fi
series=(6.18-rt 7.x)
[[ ${FPGADMA_FULL_MATRIX:-0} == 1 ]] && series+=(6.16 6.17 6.18)
[[ ${FPGADMA_ARM64_LANE:-1} == 0 ]] || step arm-kernel-arm64 scripts/arm-kernel.sh arm64
[[ ${FPGADMA_ARM_LANE:-1} == 0 ]] || step arm-kernel-armhf scripts/arm-kernel.sh armhf
[[ ${FPGADMA_ARM64_16K_LANE:-${FPGADMA_FULL_MATRIX:-0}} != 1 ]] ||
	step arm-kernel-arm64-16k scripts/arm-kernel.sh arm64-16k
for s in "${series[@]}"; do
	step "suite-kernel-$s" scripts/suite-kernel.sh "$s"
done
step trixie-chroot scripts/trixie-chroot.sh path
[[ -z $debug ]] || wait "$debug"
exit 0
