#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Count test result lines ("PASS: name" / "FAIL: name...") in FILEs or stdin.
# Prints the FAIL lines, then one final line "N passed, N failed".
# Exits 1 if anything failed or nothing passed.
# Usage: scripts/count-results.sh [FILE...]
set -euo pipefail

for f in "$@"; do
	[[ -r $f ]] || { echo "count-results.sh: cannot read $f" >&2; exit 1; }
done

pass=0
fail=0
fails=()
while IFS= read -r line || [[ -n $line ]]; do
	line=${line//$'\r'/}
	case $line in
	"PASS: "*) pass=$((pass + 1)) ;;
	"FAIL: "*) fail=$((fail + 1)); fails+=("$line") ;;
	esac
done < <(cat -- "$@")

if ((fail > 0)); then
	echo "Failures:"
	printf '  %s\n' "${fails[@]}"
fi
echo "$pass passed, $fail failed"
((fail == 0 && pass > 0))
