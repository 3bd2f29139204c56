#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Packaging on Debian 13: the .debs of make deb (lane 70's, or built here)
# installed in the trixie chroot of scripts/trixie-chroot.sh, DKMS
# building the module there for trixie's own kernel headers (6.12) and for
# trixie-backports' newest 6.18 and 7.x (scripts/suite-kernel.sh), the
# installed fpgadma-info run (no device: exit 0 and says so), the Python
# binding's host tests run against the installed package with trixie's
# numpy 2.x (python/tests/test_host.py), then purged
# (scripts/pkg-trixie-test.sh does the work in the chroot). Nothing is
# installed on the host; the chroot's changes are thrown away. Results are
# prefixed "trixie:". PKG_TRIXIE_KERNELS (default "6.18 7.x") selects the
# suite kernels.
. "$(dirname -- "$0")/lib.sh"

ldir=$(realpath -m "$OUT/pkg-trixie")
rm -rf "$ldir"
mkdir -p "$ldir/src/deb"
start=$SECONDS
pkgs=(fpgadma-dkms libfpgadma0 libfpgadma-dev fpgadma-tools python3-fpgadma)
ver=$(sed -n 's/^VERSION := //p' userlib/Makefile)

if ! chroot=$(scripts/trixie-chroot.sh path 2> "$ldir/chroot.log"); then
	fail "trixie:chroot: $(tail -n 1 "$ldir/chroot.log") (see $ldir/chroot.log)"
	exit 0
fi

# Lane 70's packages if it built them, else build them.
debdir=$OUT/deb
if ! compgen -G "$debdir/fpgadma-dkms_${ver}_*.deb" > /dev/null; then
	debdir=$ldir/deb-build
	if ! DEB_OUT=$debdir scripts/pkg/build-deb.sh > "$ldir/build-deb.log" 2>&1; then
		fail "trixie:pkg:build-deb: see $ldir/build-deb.log"
		exit 0
	fi
fi
for p in "${pkgs[@]}"; do
	cp "$debdir/${p}_${ver}_"*.deb "$ldir/src/deb/" 2> /dev/null
done
if (($(find "$ldir/src/deb" -name '*.deb' | wc -l) != 5)); then
	fail "trixie:pkg:debs: expected the 5 packages of $ver in $debdir"
	exit 0
fi
cp scripts/pkg-trixie-test.sh "$ldir/src/"
cp python/tests/test_host.py "$ldir/src/"

# trixie's own kernel: the headers linux-headers-amd64 installed there.
kvers=()
kv=$(sed -n 's/^linux-headers-\([0-9.]*+deb13-amd64\) .*/\1/p' "$chroot/packages.txt" |
	sort -V | tail -n 1)
if [[ -n $kv ]]; then
	kvers+=("$kv")
else
	fail "trixie:headers: no linux-headers-*-amd64 in the chroot"
fi
kargs=()
for label in ${PKG_TRIXIE_KERNELS:-6.18 7.x}; do
	if ! out=$(scripts/suite-kernel.sh "$label" 2> "$ldir/kernel-$label.log"); then
		fail "trixie:kernel:$label: $(tail -n 1 "$ldir/kernel-$label.log")"
		continue
	fi
	kargs+=(--kernel "$(sed -n 's/^dir //p' <<< "$out")")
	kvers+=("$(sed -n 's/^kver //p' <<< "$out")")
done

echo "pkg-trixie: DKMS for ${kvers[*]}"
scripts/trixie-chroot.sh run "${kargs[@]}" --src "$ldir/src" --net -- \
	bash /src/pkg-trixie-test.sh /src/deb /src/logs "$ver" "${kvers[@]}" > "$ldir/run.log" 2>&1
rc=$?
grep -E '^(PASS|FAIL): ' "$ldir/run.log" >> "$RESULTS"
grep -vE '^PASS: ' "$ldir/run.log"
if ((rc)) || ! grep -q '^PASS: trixie:pkg:install' "$ldir/run.log"; then
	fail "trixie:run: the chroot run exited $rc, or the packages did not install (see $ldir/run.log)"
fi
echo "pkg-trixie: logs in $ldir/src/logs, took $((SECONDS - start))s"
exit 0
