#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Kernel matrix: fpgadma.ko and the model fpgadma_model.ko built with W=1
# and checked with sparse (C=2) on Debian's other kernels, and the whole
# staged VM suite (MSI mode) booted on some of them, besides the primary
# kernel of 90-vm.sh (bookworm's 6.1). Entries, LABEL (results prefix):
#   6.12     bookworm's newest linux-image-6.12.*+deb12-amd64-unsigned, built
#            on the host, booted with KFENCE on: Debian's default interval
#            0 leaves it off; kfence.sample_interval=1 guards a slab
#            allocation every 1 ms, the shortest interval; tests/matrix/
#            kfence.sh runs last in the guest and shows KFENCE sampled the
#            run and found nothing;
#   6.18-rt  the newest 6.18 PREEMPT_RT kernel (trixie-backports), booted:
#            the RT entry. 6.18 is the LTS series users of trixie-backports
#            get, RT has been mainline since 6.12, and running RT there
#            instead of bookworm's 6.1-rt (RT patch set) keeps the matrix at
#            three VM runs; generic 6.18 is built (6.18 below) but not booted;
#   7.x      the newest 7.* kernel (trixie-backports or sid), booted with
#            fpgadma.memory=cached: the whole suite on cached ring memory;
#   6.16 6.17 6.18   the newest of each series (trixie-backports), build and
#            sparse only;
#   6.1-rt   bookworm's linux-image-rt-amd64, booted (only when asked for).
# The newer suites' kernels come from scripts/suite-kernel.sh (resolved
# from the mirror's index at run time, downloaded and unpacked into
# /var/cache/fpgadma, never installed) and are built against inside the
# trixie chroot of scripts/trixie-chroot.sh (trixie's gcc-14 and glibc for
# their kbuild; sid's sparse, which parses 6.19+'s __typeof_unqual__).
# Per kernel: build in $OUT/matrix/<kver>/ (a copy of driver/, tests/model/
# and include/, so the tree is not touched): "<label>:build:module-W1",
# "<label>:build:model-W1", "<label>:sparse:module", "<label>:sparse:model";
# for a booted one, put the modules into a copy of $STAGE and boot it:
# "<label>:<guest test>", "<label>:vm-clean-log:<kver>".
# MATRIX selects entries, ":build" after a label makes it build only. The
# default (make check; two VM runs, as with 6.12 + 6.1-rt before):
#   6.12 6.18-rt 7.x:build
# With FPGADMA_FULL_MATRIX=1 (.ci/run; three VM runs):
#   6.12 6.18-rt 7.x 6.16:build 6.17:build 6.18:build
# Measured warm on 2026-12-02 (2 cores, shared, whole suite passing):
# 6.12 194 s, 6.18-rt 185 s, 7.x 176 s, a build-only entry 15 s.
. "$(dirname -- "$0")/lib.sh"

mdir=$(realpath -m "$OUT/matrix")
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

# kmake DIR SUBDIR ARGS...: make in the copy DIR, against $kdir: on the
# host for installed kernels, in the trixie chroot (DIR at /src) for the
# cached ones ($kentry set).
kmake() {
	local d=$1 sub=$2
	shift 2
	if [[ -n $kentry ]]; then
		scripts/trixie-chroot.sh run --kernel "$kentry" --src "$d" -- \
			make -C "$sub" KDIR="$kdir" "$@"
	else
		make -C "$d/$sub" KDIR="$kdir" "$@"
	fi
}

# build LABEL KVER: fpgadma.ko and fpgadma_model.ko in $dir, W=1, then
# sparse. Returns 1 if a module did not build.
build() {
	local label=$1 kver=$2 m name log n checked sparse=sparse
	[[ -n $kentry ]] && sparse=/opt/sparse-sid/usr/bin/sparse
	rm -rf "$dir/driver" "$dir/tests" "$dir/include"
	mkdir -p "$dir/driver" "$dir/tests/model" "$dir/tests/dmaengine" "$dir/include"
	# A copy laid out like the tree (the Kbuilds find include/ by
	# $(src)/../include and $(src)/../../include).
	cp driver/Kbuild driver/Makefile driver/*.[ch] "$dir/driver/"
	cp tests/model/Kbuild tests/model/Makefile tests/model/*.c "$dir/tests/model/"
	cp tests/dmaengine/Kbuild tests/dmaengine/Makefile tests/dmaengine/*.c "$dir/tests/dmaengine/"
	rm -f "$dir"/driver/*.mod.c "$dir"/tests/model/*.mod.c "$dir"/tests/dmaengine/*.mod.c
	cp -r include/. "$dir/include/"
	for m in module:driver model:tests/model dmatest:tests/dmaengine; do
		name=${m%%:*}
		log=$dir/$name.log
		if ! kmake "$dir" "${m#*:}" W=1 > "$log" 2>&1; then
			fail "$label:build:$name: $(grep -m1 -iE 'error' "$log") (see $log)"
			grep -E 'error|warning' "$log" | head -20
			return 1
		fi
		if grep -q 'warning:' "$log"; then
			fail "$label:build:$name-W1: warnings (see $log)"
			grep 'warning:' "$log" | head -20
		else
			pass "$label:build:$name-W1"
		fi
		# sparse over every file again (C=2), nothing is recompiled.
		log=$dir/$name-sparse.log
		if ! kmake "$dir" "${m#*:}" W=1 C=2 CHECK="$sparse" > "$log" 2>&1; then
			fail "$label:sparse:$name: make failed (see $log)"
			continue
		fi
		n=$(grep -cE '(warning|error):' "$log")
		checked=$(grep -cE '^ +CHECK ' "$log")
		if ((n)); then
			fail "$label:sparse:$name: $n warnings (see $log)"
			grep -E '(warning|error):' "$log" | head -20
		elif ((checked == 0)); then
			fail "$label:sparse:$name: sparse did not run (see $log)"
		else
			pass "$label:sparse:$name"
		fi
	done
	echo "matrix: $label: built for $kver ($(modinfo -F vermagic "$dir/driver/fpgadma.ko"))"
}

# boot LABEL KVER VMLINUZ APPEND: the staged suite with the matrix modules.
boot() {
	local label=$1 kver=$2 vmlinuz=$3 append=$4 start=$SECONDS dep
	rm -rf "$dir/stage"
	cp -a "$STAGE" "$dir/stage"
	cp "$dir/driver/fpgadma.ko" "$dir/stage/fpgadma.ko"
	cp "$dir/tests/model/fpgadma_model.ko" "$dir/stage/fpgadma_model.ko"
	cp "$dir/tests/dmaengine/fpgadma_dmatest.ko" "$dir/stage/fpgadma_dmatest.ko"
	# The suite insmods both with nothing before them: they must need no
	# modular part of the kernel.
	for m in driver/fpgadma.ko tests/model/fpgadma_model.ko tests/dmaengine/fpgadma_dmatest.ko; do
		dep=$(modinfo -F depends "$dir/$m")
		[[ -z $dep ]] || fail "$label:vm:deps: ${m##*/} needs modules $dep, not staged"
	done
	if [[ $append == *kfence.sample_interval* ]]; then
		mkdir -p "$dir/stage/guest.d"
		cp tests/matrix/kfence.sh "$dir/stage/guest.d/zz-kfence.sh"
	fi
	if ! scripts/mkinitramfs.sh "$dir/initramfs.cpio.gz" "$dir/stage"; then
		fail "$label:vm:initramfs"
		return
	fi
	scripts/vm-run.sh --kernel "$vmlinuz" \
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
	echo "matrix: $label ($kver) VM run took $((SECONDS - start))s"
}

# host_kernel LABEL KVER APPEND BOOT PKG...: an entry installed on the host.
host_kernel() {
	local label=$1 kver=$2 append=$3 doboot=$4 log=$mdir/deps-$1.log
	shift 4
	if ! scripts/deps.sh "$@" > "$log" 2>&1; then
		fail "$label:deps: cannot install $* (see $log)"
		return
	fi
	[[ -n $kver ]] || kver=$(metapkg_kver "$1")
	if [[ ! -e /boot/vmlinuz-$kver || ! -d /usr/src/linux-headers-$kver ]]; then
		fail "$label:deps: no /boot/vmlinuz-$kver with headers"
		return
	fi
	echo "matrix: $label is $kver"
	dir=$mdir/$kver kentry='' kdir=/usr/src/linux-headers-$kver
	build "$label" "$kver" || return
	((doboot)) && boot "$label" "$kver" "/boot/vmlinuz-$kver" "$append"
}

# suite_kernel LABEL APPEND BOOT: an entry from scripts/suite-kernel.sh.
suite_kernel() {
	local label=$1 append=$2 doboot=$3 log=$mdir/kernel-$1.log out k v kver ver vmlinuz
	if ! out=$(scripts/suite-kernel.sh "$label" 2> "$log"); then
		fail "$label:kernel: $(tail -n 1 "$log") (see $log)"
		return
	fi
	while read -r k v; do
		case $k in
		kver) kver=$v ;;
		version) ver=$v ;;
		dir) kentry=$v ;;
		vmlinuz) vmlinuz=$v ;;
		kdir) kdir=$v ;;
		esac
	done <<< "$out"
	echo "matrix: $label is $kver (Debian $ver)"
	if ! scripts/trixie-chroot.sh path > "$mdir/chroot.log" 2>&1; then
		fail "$label:chroot: $(tail -n 1 "$mdir/chroot.log") (see $mdir/chroot.log)"
		return
	fi
	dir=$mdir/$kver
	build "$label" "$kver" || return
	((doboot)) && boot "$label" "$kver" "$vmlinuz" "$append"
}

if [[ -n ${MATRIX:-} ]]; then
	entries=$MATRIX
elif [[ ${FPGADMA_FULL_MATRIX:-0} != 0 ]]; then
	entries="6.12 6.18-rt 7.x 6.16:build 6.17:build 6.18:build"
else
	entries="6.12 6.18-rt 7.x:build"
fi
echo "matrix: $entries"
for e in $entries; do
	start=$SECONDS
	k=${e%:build}
	doboot=1
	[[ $e == *:build ]] && doboot=0
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
		host_kernel 6.12 "$kver" "kfence.sample_interval=1" "$doboot" "${pkgs[@]}" ;;
	6.1-rt)
		host_kernel 6.1-rt "" "" "$doboot" linux-image-rt-amd64 linux-headers-rt-amd64 ;;
	[6-9].[0-9]|[6-9].[0-9][0-9]|[7-9].x|[6-9].[0-9]-rt|[6-9].[0-9][0-9]-rt|[7-9].x-rt)
		# The newest kernel runs the whole suite on cached ring memory
		# (per-buffer remap_pfn_range() under 6.16+'s PFN tracking),
		# the others on the default, coherent memory.
		append=
		[[ $k == [7-9].x* ]] && append="fpgadma.memory=cached"
		suite_kernel "$k" "$append" "$doboot" ;;
	*)
		fail "matrix:$k: unknown kernel (6.12, 6.1-rt, or a series: 6.18, 6.18-rt, 7.x)" ;;
	esac
	echo "matrix: $e took $((SECONDS - start))s"
done
exit 0
