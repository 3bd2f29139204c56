#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Ensure the Debian packages needed to build and test fpgadma are installed.
# Usage: scripts/deps.sh [EXTRA_PACKAGE...]
# Quiet when everything is present. As root, installs what is missing;
# otherwise prints the install command and exits 1.
set -euo pipefail

pkgs=(linux-image-amd64 linux-headers-amd64 qemu-system-x86 busybox-static
      cpio kmod gcc make libc6-dev gzip binutils coreutils findutils "$@")

missing=()
find_missing() {
	local p status
	missing=()
	for p in "${pkgs[@]}"; do
		status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
		[[ $status == "install ok installed" ]] || missing+=("$p")
	done
}
find_missing
((${#missing[@]} == 0)) && exit 0

cmd="DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
if ((EUID != 0)); then
	echo "deps.sh: missing packages: ${missing[*]}" >&2
	echo "deps.sh: run as root: apt-get update && $cmd" >&2
	exit 1
fi
# One installer at a time: scripts/prefetch.sh's steps install what they
# need while the lanes run (apt itself would fail on its locks).
exec 8> /var/lock/fpgadma-deps.lock
flock 8
find_missing
((${#missing[@]} == 0)) && exit 0
echo "deps.sh: installing: ${missing[*]}" >&2
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
