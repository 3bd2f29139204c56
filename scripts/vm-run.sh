#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Boot a kernel + initramfs (see mkinitramfs.sh) in QEMU/TCG with edu
# devices, log the serial console, and report results on stdout: the
# guest's "PASS: "/"FAIL: " lines plus one test "vm-clean-log:<label>" that
# fails on kernel splats, a missing GUEST-DONE line or one with a status
# other than 0 (the guest script died), or a timeout.
# --iommu boots a q35 machine with an emulated Intel IOMMU (VT-d, with
# interrupt remapping) in front of the edu devices, translating: the kernel
# gets intel_iommu=on iommu.passthrough=0 iommu.strict=1, so every bus
# address is an IOVA and an unmapped or read-only one faults. DMA
# remapping faults ("DMAR: [DMA Write NO_PASID] Request device ...") fail
# every run, with or without --iommu.
# --arch arm64 boots an arm64 kernel (--kernel is then required) on
# qemu-system-aarch64's virt machine (Cortex-A53, GICv2 with its GICv2m
# MSI frame, console ttyAMA0), the edu devices on its PCIe host bridge
# with a 32-bit dma_mask and fpgadma.edu_dma_bits=32 on the command line
# (see below); --arch arm the same with a 32-bit ARM kernel (Debian's
# armmp) on qemu-system-arm's virt with highmem=off (the non-LPAE kernel
# cannot reach an ECAM above 4 GiB), Cortex-A15. --iommu is x86 only.
# --cpu NAME (arm, arm64) replaces the default CPU model (e.g. cortex-a76
# for a kernel with 16 KiB pages, which the A53 cannot translate).
# --overlay FILE (arm, arm64): boot with the device tree QEMU generates
# for these very options (-machine dumpdtb) with the overlay source FILE
# applied (dtc -@, fdtoverlay), as a user's overlay would be.
# --board smdkc210 (arm): QEMU's Exynos4210 machine instead of virt (two
# Cortex-A9, the SoC's PL330s, console ttySAC0, no PCI: --edu 0), booted
# with --dtb FILE (the board's .dtb from the kernel package), to which
# --dt-append FILE.dtsi adds nodes (decompiled, appended, rebuilt: the
# board's .dtb has no symbols for an overlay).
# x86_64 (the default) is unchanged.
# --disk IMG attaches a raw image read only as a virtio-blk disk
# (/dev/vda in the guest; the guest loads virtio_pci and virtio_blk).
# Exits 0 if no FAIL line was printed, else 1. --verbose copies the
# console to stderr.
#
# Usage: scripts/vm-run.sh --initrd FILE [--kernel FILE] [--edu N]
#          [--timeout SEC] [--log FILE] [--label NAME] [--append "ARGS"]
#          [--mem MB] [--smp N] [--iommu] [--arch x86_64|arm64|arm]
#          [--cpu NAME] [--overlay FILE.dtso] [--disk IMG] [--verbose]
#          [--board smdkc210 --dtb FILE [--dt-append FILE.dtsi]]
set -euo pipefail

here=$(dirname -- "$0")
kernel='' initrd='' label='' append='' verbose=0 iommu=0 overlay='' cpu='' disk=''
board='' dtb='' dtappend=''
edu=2 tmo=600 log=vm.log mem=512 smp=2 arch=x86_64

usage() { sed -n '/^# Usage:/,/^[^#]/s/^# \{0,1\}//p' "$0" >&2; exit 2; }
while (($#)); do
	[[ $1 == --verbose || $1 == --iommu || $# -ge 2 ]] || usage
	case $1 in
	--kernel) kernel=$2; shift ;;
	--initrd) initrd=$2; shift ;;
	--edu) edu=$2; shift ;;
	--timeout) tmo=$2; shift ;;
	--log) log=$2; shift ;;
	--label) label=$2; shift ;;
	--append) append=$2; shift ;;
	--mem) mem=$2; shift ;;
	--smp) smp=$2; shift ;;
	--arch) arch=$2; shift ;;
	--overlay) overlay=$2; shift ;;
	--cpu) cpu=$2; shift ;;
	--disk) disk=$2; shift ;;
	--board) board=$2; shift ;;
	--dtb) dtb=$2; shift ;;
	--dt-append) dtappend=$2; shift ;;
	--verbose) verbose=1 ;;
	--iommu) iommu=1 ;;
	*) usage ;;
	esac
	shift
done
[[ -n $initrd ]] || usage
case $arch in
x86_64)
	[[ -z $overlay$cpu ]] || { echo "vm-run.sh: --overlay and --cpu are arm/arm64 only" >&2; exit 2; } ;;
arm64 | arm)
	[[ -n $kernel ]] || { echo "vm-run.sh: --arch $arch needs --kernel" >&2; exit 2; }
	((!iommu)) || { echo "vm-run.sh: --iommu is x86_64 only" >&2; exit 2; } ;;
*) usage ;;
esac
if [[ -n $board ]]; then
	[[ $arch == arm && $board == smdkc210 && -n $dtb && -z $overlay ]] ||
		{ echo "vm-run.sh: --board smdkc210 is arm only, needs --dtb, takes no --overlay" >&2; exit 2; }
elif [[ -n $dtb$dtappend ]]; then
	echo "vm-run.sh: --dtb and --dt-append need --board" >&2; exit 2
fi
[[ -n $kernel ]] || kernel=/boot/vmlinuz-$("$here/kver.sh")
[[ -n $label ]] || label=$(basename -- "$log")
for f in "$kernel" "$initrd" ${overlay:+"$overlay"} ${dtb:+"$dtb"} ${dtappend:+"$dtappend"}; do
	[[ -r $f ]] || { echo "vm-run.sh: cannot read $f" >&2; exit 2; }
done

console=ttyS0 qemu=(qemu-system-x86_64) edudev=edu
if [[ $arch == arm* ]]; then
	# MSI through the GICv2m frame of virt's default GIC. virt's RAM starts
	# at 1 GiB, beyond edu's default dma_mask (28 bits, what fpgadma's
	# edu_dma_bits defaults to): a 32-bit edu, and the guest is told (the
	# guest scripts pass it to insmod: tests/lib/run_prog.sh's edu_opt).
	console=ttyAMA0 qemu=(qemu-system-aarch64 -M virt -cpu "${cpu:-cortex-a53}")
	[[ $arch == arm ]] && qemu=(qemu-system-arm -M "virt,highmem=off" -cpu "${cpu:-cortex-a15}")
	edudev=edu,dma_mask=0xffffffff
	append="fpgadma.edu_dma_bits=32 $append"
fi
if [[ -n $board ]]; then
	console=ttySAC0 qemu=(qemu-system-arm -M "$board")
	((edu == 0)) || { echo "vm-run.sh: --board $board has no PCI: --edu 0" >&2; exit 2; }
fi
cmd=("${qemu[@]}" -accel tcg -m "$mem" -smp "$smp"
     -nographic -monitor none -serial stdio -no-reboot -net none
     -kernel "$kernel" -initrd "$initrd")
if ((iommu)); then
	# intremap=on needs the split irqchip. The IOMMU must come before the
	# devices it translates for on the command line. Debian's 6.1 has
	# INTEL_IOMMU=y but off by default; translated ("DMA") default
	# domains, strict invalidation: an IOVA is unusable once unmapped.
	cmd+=(-M "q35,kernel-irqchip=split" -device "intel-iommu,intremap=on")
	append="intel_iommu=on iommu.passthrough=0 iommu.strict=1 $append"
fi
cmd+=(-append "console=$console loglevel=7 panic=-1 $append")
for ((i = 0; i < edu; i++)); do cmd+=(-device "$edudev"); done
[[ -z $disk ]] || cmd+=(-drive "file=$disk,format=raw,if=virtio,readonly=on")

mkdir -p "$(dirname -- "$log")"
if [[ -n $overlay ]]; then
	# The fragment restates virt's #address-cells/#size-cells for dtc's
	# checks of the reserved-memory node; dtc then finds them unneeded.
	dt=${log%.log}
	if ! "${cmd[@]}" -machine "dumpdtb=$dt-base.dtb" < /dev/null > "$dt-dt.log" 2>&1 ||
	   ! dtc -@ -W no-avoid_unnecessary_addr_size -I dts -O dtb \
		-o "$dt-overlay.dtbo" "$overlay" >> "$dt-dt.log" 2>&1 ||
	   ! fdtoverlay -i "$dt-base.dtb" -o "$dt.dtb" "$dt-overlay.dtbo" >> "$dt-dt.log" 2>&1; then
		echo "FAIL: vm-clean-log:$label: device tree overlay $overlay: $(tail -n 1 "$dt-dt.log")"
		exit 1
	fi
	cmd+=(-dtb "$dt.dtb")
elif [[ -n $board ]]; then
	dt=${log%.log}
	if ! { dtc -q -I dtb -O dts "$dtb" && cat ${dtappend:+"$dtappend"}; } > "$dt.dts" 2> "$dt-dt.log" ||
	   ! dtc -q -I dts -O dtb -o "$dt.dtb" "$dt.dts" >> "$dt-dt.log" 2>&1; then
		echo "FAIL: vm-clean-log:$label: device tree $dtb${dtappend:+ + $dtappend}: $(tail -n 1 "$dt-dt.log")"
		exit 1
	fi
	cmd+=(-dtb "$dt.dtb")
fi

# No --foreground: stdin is /dev/null (CI has none), and timeout then also
# kills QEMU's process group. -k: SIGKILL if SIGTERM is ignored.
start=$SECONDS
set +e
if ((verbose)); then
	# Console goes to stderr so stdout carries only result lines (no double
	# counting when stdout is fed to count-results.sh).
	timeout -k 10 "$tmo" "${cmd[@]}" < /dev/null 2>&1 | tee "$log" >&2
	rc=${PIPESTATUS[0]}
else
	timeout -k 10 "$tmo" "${cmd[@]}" < /dev/null > "$log" 2>&1
	rc=$?
fi
set -e
echo "vm-run.sh: $label: QEMU exit $rc after $((SECONDS - start))s, log $log" >&2

clean=$(tr -d '\r' < "$log")
grep -E '^(PASS|FAIL): ' <<< "$clean" || true

# Benign boot messages of debug kernels that match the patterns below:
# DMA-API debugging's and PROVE_LOCKING's announcements.
benign='DMA-API: (preallocated [0-9]+ debug entries|debugging enabled by kernel config)'
benign+='|^\[ *[0-9.]+\] rcu:[[:space:]]+RCU lockdep checking is enabled\.$'
# The Intel IOMMU's only boot line with one of its error words.
benign+='|DMAR: Failed to locate _DSM method'
bad='BUG:|WARNING:|Oops|KASAN|KFENCE|DMA-API|lockdep|hung task|Call Trace|general protection|Kernel panic|hardware error'
# DMA remapping: faults ("DMAR: DRHD: handling fault status reg 2",
# "DMAR: [DMA Write NO_PASID] Request device [00:02.0] fault addr 0x...
# [fault reason 0x05] PTE Write access is not set"), interrupt-remapping
# faults, invalidation errors; QEMU's own VT-d complaints (vtd_*).
bad+='|DMAR(-IR)?: .*([Ff]ault|[Ee]rror|[Ff]ail|not set)|qemu-system-[a-z0-9_]+: vtd_'
splats=$(grep -E -- "$bad" <<< "$clean" | grep -Ev -- "$benign" | awk '!seen[$0]++' | head -n 20 || true)
done_line=$(grep -E '^GUEST-DONE rc=' <<< "$clean" | tail -n 1 || true)

reason=
if ((rc == 124 || rc == 137)); then
	reason="QEMU timed out after ${tmo}s"
elif [[ -z $done_line ]]; then
	if grep -q 'Kernel panic' <<< "$clean"; then
		reason="no GUEST-DONE: kernel panic (QEMU exit $rc)"
	else
		reason="no GUEST-DONE: guest crashed or QEMU failed (QEMU exit $rc)"
	fi
elif ((rc != 0)); then
	reason="QEMU exited with status $rc"
elif [[ $done_line != "GUEST-DONE rc=0" ]]; then
	# guest.sh always exits 0: it died part-way.
	reason="guest.sh ended with ${done_line#GUEST-DONE }"
fi
if [[ -n $splats ]]; then
	reason="${reason:+$reason; }error messages in log"
	while IFS= read -r l; do echo "  log: $l"; done <<< "$splats"
fi

# tests/guest/shutdown.sh left a stream running for the power-off.
if grep -q '^SHUTDOWN-WITH-STREAM' <<< "$clean"; then
	if grep -qE 'fpgadma[0-9]+: stream stopped for shutdown$' <<< "$clean"; then
		echo "PASS: shutdown.stops-stream"
	else
		echo "FAIL: shutdown.stops-stream: no \"stream stopped for shutdown\" line after power-off"
	fi
fi
if [[ -n $reason ]]; then
	echo "FAIL: vm-clean-log:$label: $reason"
	exit 1
fi
echo "PASS: vm-clean-log:$label"
grep -qE '^FAIL: ' <<< "$clean" && exit 1
exit 0
