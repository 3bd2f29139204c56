#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Kernel matrix: the module and the whole staged VM suite (MSI mode) on
# Debian bookworm's other kernels, besides the primary one of 90-vm.sh:
#   6.12  the newest linux-image-6.12.*+deb12-amd64-unsigned, with KFENCE on:
#         Debian's default interval 0 leaves it off; kfence.sample_interval=1
#         guards a slab allocation every 1 ms, the shortest interval;
#   6.1-rt  linux-image-rt-amd64 (PREEMPT_RT).
# Per kernel: install the packages if missing, build fpgadma.ko and the
# model fpgadma_model.ko with W=1 in $OUT/matrix/<kver>/ (a copy of driver/,
# tests/model/ and include/, so the tree is not touched), put them into a
# copy of $STAGE, boot it. Results are prefixed with
# the kernel's label ("6.12:", "6.1-rt:"). On 6.12, tests/matrix/kfence.sh
# runs last in the guest and shows KFENCE sampled the run and found nothing.
# MATRIX="6.12 6.1-rt" (the default) selects kernels.
. "$(dirname -- "$0")/lib.sh"

mdir=$OUT/matrix
mkdir -p "$mdir"

if [[ ! -f $STAGE/guest.sh || ! -f $STAGE/fpgadma_test ]]; then
	fail "matrix: nothing to run (the guest tests did not build)"
	exit 0
fi

# newest_612 [installed]: the newest 6.12 amd64 kernel release Debian has,
# e.g. 6.12.117+deb12-amd64, or the newest one installed.
newest_612() {
	local re='^linux-image-(6\.12\.[0-9]+\+deb12-amd64)-unsigned$' v=''
	if [[ ${1:-} != installed ]]; then
		v=$(apt-cache search --names-only "$re" 2>/dev/null | awk '{print $1}' |
			sed -E "s/$re/\1/" | sort -V | tail -n 1)
	fi
	if [[ -z $v ]]; then
		v=$(find /boot -maxdepth 1 -name 'vmlinuz-6.12.*+deb12-amd64' -printf '%f\n' |
			sed 's/^vmlinuz-//' | sort -V | tail -n 1)
	fi
	echo "$v"
}

# metapkg_kver PKG: the kernel release an installed metapackage points at.
metapkg_kver() {
	dpkg-query -W -f='${Depends}' "$1" 2>/dev/null |
		sed -n 's/^linux-image-\([^ ,]*\).*/\1/p'
}

# run_kernel LABEL KVER APPEND PKG...: one matrix entry.
run_kernel() {
	local label=$1 kver=$2 append=$3 start=$SECONDS
	shift 3
	local dir log=$mdir/deps-$label.log
	if ! scripts/deps.sh "$@" > "$log" 2>&1; then
		fail "$label:deps: cannot install $* (see $log)"
		return
	fi
	[[ -n $kver ]] || kver=$(metapkg_kver "$1")
	if [[ ! -e /boot/vmlinuz-$kver || ! -d /usr/src/linux-headers-$kver ]]; then
		fail "$label:deps: no /boot/vmlinuz-$kver with headers"
		return
	fi
	dir=$mdir/$kver
	rm -rf "$dir/driver" "$dir/tests" "$dir/include"
	mkdir -p "$dir/driver" "$dir/tests/model" "$dir/include"
	echo "matrix: $label is $kver"

	# The modules, W=1, in a copy laid out like the tree (the Kbuilds
	# find include/ by $(src)/../include and $(src)/../../include).
	cp driver/Kbuild driver/Makefile driver/*.[ch] "$dir/driver/"
	cp tests/model/Kbuild tests/model/Makefile tests/model/*.c "$dir/tests/model/"
	rm -f "$dir"/driver/*.mod.c "$dir"/tests/model/*.mod.c
	cp -r include/. "$dir/include/"
	for m in module:driver model:tests/model; do
		log=$dir/${m%%:*}.log
		if ! make -C "$dir/${m#*:}" KDIR="/usr/src/linux-headers-$kver" W=1 > "$log" 2>&1; then
			fail "$label:build:${m%%:*}: $(grep -m1 -iE 'error' "$log") (see $log)"
			grep -E 'error|warning' "$log" | head -20
			return
		fi
		if grep -q 'warning:' "$log"; then
			fail "$label:build:${m%%:*}-W1: warnings (see $log)"
			grep 'warning:' "$log" | head -20
		else
			pass "$label:build:${m%%:*}-W1"
		fi
	done

	rm -rf "$dir/stage"
	cp -a "$STAGE" "$dir/stage"
	cp "$dir/driver/fpgadma.ko" "$dir/stage/fpgadma.ko"
	cp "$dir/tests/model/fpgadma_model.ko" "$dir/stage/fpgadma_model.ko"
	if [[ $append == *kfence.sample_interval* ]]; then
		mkdir -p "$dir/stage/guest.d"
		cp tests/matrix/kfence.sh "$dir/stage/guest.d/zz-kfence.sh"
	fi
	if ! scripts/mkinitramfs.sh "$dir/initramfs.cpio.gz" "$dir/stage"; then
		fail "$label:vm:initramfs"
		return
	fi
	scripts/vm-run.sh --kernel "/boot/vmlinuz-$kver" \
		--initrd "$dir/initramfs.cpio.gz" --edu 2 --timeout 1200 \
		--append "$append" --log "$dir/vm.log" --label "$kver" |
		sed "s/^\(PASS\|FAIL\): /&$label:/" >> "$RESULTS"
	grep -E "^(FAIL: $label:|  log:)" "$RESULTS" || true
	if [[ $append == *kfence.sample_interval* ]]; then
		# The boot parameter must have switched KFENCE on.
		if grep -q 'kfence: initialized' "$dir/vm.log"; then
			pass "$label:kfence-enabled"
		else
			fail "$label:kfence-enabled: no 'kfence: initialized' in $dir/vm.log"
		fi
	fi
	echo "matrix: $label ($kver) took $((SECONDS - start))s"
}

for k in ${MATRIX:-6.12 6.1-rt}; do
	case $k in
	6.12)
		kver=$(newest_612)
		pkgs=("linux-image-$kver-unsigned" "linux-headers-$kver")
		if [[ -n $kver ]] && ! scripts/deps.sh "${pkgs[@]}" \
			> "$mdir/deps-6.12.log" 2>&1; then
			# Stale package lists, or that release already gone from
			# the archive: use the newest 6.12 in /boot, if any.
			echo "matrix: cannot install $kver, see $mdir/deps-6.12.log"
			kver=$(newest_612 installed)
			pkgs=("linux-headers-$kver")
		fi
		if [[ -z $kver ]]; then
			fail "6.12:deps: no linux-image-6.12.*-amd64-unsigned in apt"
			continue
		fi
		run_kernel 6.12 "$kver" "kfence.sample_interval=1" "${pkgs[@]}" ;;
	6.1-rt)
		run_kernel 6.1-rt "" "" linux-image-rt-amd64 linux-headers-rt-amd64 ;;
	*)
		fail "matrix:$k: unknown kernel (6.12, 6.1-rt)" ;;
	esac
done
exit 0
