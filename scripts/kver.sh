#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Print the kernel release the VM tests boot and build the module against:
# the newest /boot/vmlinuz-<ver> (-amd64, not -rt) with matching
# /usr/src/linux-headers-<ver>. Override with env KVER.
# Usage: scripts/kver.sh
set -euo pipefail

if [[ -n ${KVER:-} ]]; then
	echo "$KVER"
	exit 0
fi

best=
while read -r ver; do
	[[ -d /usr/src/linux-headers-$ver ]] && best=$ver
done < <(find /boot -maxdepth 1 -name 'vmlinuz-*-amd64' ! -name '*-rt-amd64' \
		-printf '%f\n' | sed 's/^vmlinuz-//' | sort -V)

if [[ -z $best ]]; then
	echo "kver.sh: no /boot/vmlinuz-*-amd64 with matching /usr/src/linux-headers-*;" \
	     "run scripts/deps.sh or set KVER" >&2
	exit 1
fi
echo "$best"
