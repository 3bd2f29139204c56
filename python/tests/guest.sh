#!/bin/sh
# SPDX-License-Identifier: MIT
# Staged as /guest.d/python.sh by check lane 90-vm for its first run only,
# with the Debian rootfs (scripts/pyroot.sh image: python3, numpy and the
# freshly built libfpgadma0 + python3-fpgadma .debs installed with dpkg) as
# the virtio disk /dev/vda, its kernel modules in /pymod (load order in
# /pymod/order) and the tests in /pytests. Mounts the rootfs read only,
# chroots into it with /dev /proc /sys bound and runs python/tests/
# test_guest.py and the README's example there. Prints PASS/FAIL lines;
# exits 0 (a python crash or non-zero exit is a FAIL line).
pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1: $2"; }

[ -f /pymod/order ] || exit 0
t0=$(date +%s)
while read -r m; do
	insmod "/pymod/$m" 2> /dev/null || grep -q "^${m%.ko} " /proc/modules ||
		fail py.modules "insmod $m failed"
done < /pymod/order
n=0
while [ $n -lt 50 ] && [ ! -b /dev/vda ]; do
	sleep 0.1
	n=$((n + 1))
done
R=/pyroot
mkdir -p $R
if [ ! -b /dev/vda ] || ! mount -t ext4 -o ro /dev/vda $R; then
	fail py.rootfs "no /dev/vda or mounting it failed"
	exit 0
fi
mount -t proc proc $R/proc
mount -o bind /dev $R/dev
mount -o bind /sys $R/sys
mount -t tmpfs tmpfs $R/tmp
mount -t tmpfs tmpfs $R/mnt
cp -r /pytests/. $R/mnt/

if insmod /fpgadma.ko ${KOPT:+"$KOPT"} && insmod /fpgadma_model.ko &&
	n=0 && while [ $n -lt 50 ] && [ ! -c /dev/fpgadma2 ]; do
		sleep 0.1; n=$((n + 1)); done && [ -c /dev/fpgadma2 ]; then
	py() { chroot $R /usr/bin/env -i PATH=/usr/bin:/bin HOME=/tmp \
		PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 "$@"; }
	# The package, not the sources: from the dist-packages dpkg installed.
	where=$(py -c 'import fpgadma; print(fpgadma.__file__)' 2>&1)
	case $where in
	/usr/lib/python3/dist-packages/fpgadma/__init__.py) pass py.installed ;;
	*) fail py.installed "import fpgadma: $where" ;;
	esac
	py /mnt/test_guest.py
	rc=$?
	[ $rc -eq 0 ] || fail py.test-guest "python exited with status $rc"
	out=$(py /usr/share/doc/python3-fpgadma/examples/acquire.py /dev/fpgadma2 50 2>&1)
	rc=$?
	echo "$out"
	case $rc:$out in
	"0:50 buffers of 65536 bytes from "*) pass py.readme-example ;;
	*) fail py.readme-example "exit $rc" ;;
	esac
else
	fail py.load "insmod /fpgadma.ko /fpgadma_model.ko failed, or no /dev/fpgadma2"
fi
grep -q "^fpgadma_model " /proc/modules && rmmod fpgadma_model
grep -q "^fpgadma " /proc/modules && rmmod fpgadma
umount $R/mnt $R/tmp $R/sys $R/dev $R/proc
umount $R
echo "python.sh: $(($(date +%s) - t0)) s"
exit 0
