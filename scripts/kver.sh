#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Print the kernel release the VM tests boot and build the module against:
# the one Debian's linux-image-amd64 metapackage installs (bookworm: 6.1),
# whose image is in /boot and headers in /usr/src. Other installed kernels
# (the matrix) do not change it. Override with env KVER.
# Usage: scripts/kver.sh
set -euo pipefail

if [[ -n ${KVER:-} ]]; then
	echo "$KVER"
	exit 0
fi

dep=$(dpkg-query -W -f='${Depends}' linux-image-amd64 2>/dev/null || true)
ver=$(sed -n 's/^linux-image-\([^ ,]*\).*/\1/p' <<< "$dep")
if [[ -z $ver || ! -e /boot/vmlinuz-$ver || ! -d /usr/src/linux-headers-$ver ]]; then
	echo "kver.sh: linux-image-amd64's kernel ('$ver') lacks /boot/vmlinuz or" \
	     "/usr/src/linux-headers; run scripts/deps.sh or set KVER" >&2
	exit 1
fi
echo "$ver"
