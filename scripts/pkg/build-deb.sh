#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# make deb: build fpgadma-dkms, libfpgadma0, libfpgadma-dev and
# fpgadma-tools, python3-fpgadma into build/deb (or $DEB_OUT). The packaging is in
# scripts/pkg/debian; the source tree is copied without build products.
# Usage: scripts/pkg/build-deb.sh
set -euo pipefail
cd "$(dirname -- "$0")/../.."

scripts/deps.sh debhelper dh-dkms dkms libpci-dev pkg-config dpkg-dev fakeroot
ver=$(sed -n 's/^VERSION := //p' userlib/Makefile)
out=$(realpath -m "${DEB_OUT:-build/deb}")
src=$out/src/fpgadma-$ver
rm -rf "$out"
mkdir -p "$src"

# The sources the packages need, without kbuild/userlib build products.
tar -c --exclude='*.o' --exclude='*.ko' --exclude='*.mod' --exclude='*.mod.c' \
    --exclude='.*.cmd' --exclude='modules.order' --exclude='Module.symvers' \
    --exclude='.tmp_versions' --exclude='*.a' --exclude='*.so*' \
    driver include userlib python scripts/pkg scripts/deps.sh Makefile README.md |
	tar -x -C "$src"
cp -a scripts/pkg/debian "$src/debian"
sed "s/@VERSION@/$ver/" scripts/pkg/dkms.conf.in > "$src/debian/fpgadma-dkms.dkms"
cat > "$src/debian/changelog" <<CHANGELOG
fpgadma ($ver) unstable; urgency=medium

  * Built from the fpgadma tree by make deb.

 -- fpgadma developers <fpgadma@localhost>  $(date -R)
CHANGELOG

(cd "$src" && DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:-} noddebs" dpkg-buildpackage -b -us -uc) > "$out/build.log" 2>&1 || {
	tail -40 "$out/build.log" >&2
	echo "build-deb.sh: dpkg-buildpackage failed; log $out/build.log" >&2
	exit 1
}
mv "$out"/src/*.deb "$out/"
rm -f "$out"/src/*.buildinfo "$out"/src/*.changes
ls -1 "$out"/*.deb
