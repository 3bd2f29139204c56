#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Build dts/ the way the kernel builds its device trees, against the Zynq
# (arch/arm) and ZynqMP (arch/arm64/.../xilinx) .dts/.dtsi and dt-bindings
# headers of Debian's linux-source-6.1 (their
# files are extracted once into TOOLS_DIR), and check what came out:
#  - every dts/*.dts (a board) compiles with the kernel's default dtc
#    warnings, and so does every dts/*.dtso (an overlay, dtc -@);
#  - the fpgadma node of each (the child of the FPGA region whose
#    compatible is "fpgadma,..."): its compatible is one the driver
#    matches (driver/fpgadma_ids.c);
#  - a stream engine node ("fpgadma,stream-1.0"): reg covers the
#    register block (FSE_REG_SPAN, include/hw/fpgadma_stream_regs.h), one
#    interrupt that is a GIC SPI, level high; a memory-region is a
#    shared-dma-pool;
#  - a dmaengine node ("fpgadma,dmaengine-1.0"): neither reg nor
#    interrupts; dma-names is "rx" and dmas names an AXI DMA or MCDMA
#    node with what the kernel's xlnx,axi-dma binding requires
#    (Documentation/devicetree/bindings/dma/xilinx/xilinx_dma.txt: reg,
#    #dma-cells = <1>, xlnx,addrwidth, clocks with "s_axi_lite_aclk"),
#    and its S2MM channel: specifier 1 (AXI DMA) or 16..31 (MCDMA), a child
#    "xlnx,axi-dma-s2mm-channel" with xlnx,datawidth 32..1024 (a power of
#    two) and one level-high GIC SPI.
# Any warning or failed check is a finding: one line each on stdout.
# Exit status: 0 clean, 1 findings, 2 could not run.
# Usage: scripts/dts-check.sh OUT_DIR TOOLS_DIR
set -uo pipefail
cd "$(dirname -- "$0")/.." || exit 2

out=${1:?usage: dts-check.sh OUT_DIR TOOLS_DIR}
tools_dir=${2:?usage: dts-check.sh OUT_DIR TOOLS_DIR}
src_tar=/usr/src/linux-source-6.1.tar.xz
mkdir -p "$out" "$tools_dir"

ver=$(dpkg-query -W -f='${Version}' linux-source-6.1) || {
	echo "linux-source-6.1 is not installed"; exit 2; }
ksrc=$tools_dir/dts-$ver
if [[ ! -f $ksrc/arch/arm/boot/dts/zynq-7000.dtsi ||
      ! -f $ksrc/arch/arm64/boot/dts/xilinx/zynqmp.dtsi ||
      ! -f $ksrc/include/uapi/linux/input-event-codes.h ]]; then
	tmp=$(mktemp -d "$tools_dir/.dts.XXXXXX")
	if ! tar -xJf "$src_tar" -C "$tmp" --strip-components=1 --wildcards \
		'linux-source-6.1/arch/arm/boot/dts/zynq-*' \
		'linux-source-6.1/arch/arm64/boot/dts/xilinx/*' \
		'linux-source-6.1/include/dt-bindings/*' \
		'linux-source-6.1/include/uapi/linux/input-event-codes.h'; then
		rm -rf "$tmp"
		echo "cannot extract the Zynq device trees from $src_tar"
		exit 2
	fi
	rm -rf "$ksrc"
	mv -T "$tmp" "$ksrc" 2>/dev/null || rm -rf "$tmp"
fi

# scripts/Makefile.lib: the warnings a default (W=0) dtbs build turns off.
dtc_flags=(-q -Wno-interrupt_provider -Wno-unique_unit_address
	-Wno-unit_address_vs_reg -Wno-avoid_unnecessary_addr_size
	-Wno-alias_paths -Wno-graph_child_address -Wno-simple_bus_reg)
compat=$(sed -n 's/.*\.compatible = "\([^"]*\)".*fpgadma_stream_engine.*/\1/p' driver/fpgadma_ids.c)
dcompat=$(sed -n 's/.*\.compatible = "\([^"]*\)".*fpgadma_dmaengine_engine.*/\1/p' driver/fpgadma_ids.c)
span=$(sed -n 's/^#define FSE_REG_SPAN[[:space:]]*\(0x[0-9a-fA-F]*\).*/\1/p' \
	include/hw/fpgadma_stream_regs.h)
[[ -n $compat && -n $dcompat && -n $span ]] || {
	echo "cannot find the driver's compatible or FSE_REG_SPAN"; exit 2; }

n=0
finding() { echo "$1: $2"; n=$((n + 1)); }

# check_node DTB NODE FILE: the fpgadma node's properties. Its reg is in
# the parent's #address-cells/#size-cells (1/1 on Zynq-7000, 2/2 on
# ZynqMP); a size of two cells is checked by its low cell, with the high
# one 0.
check_node() {
	local dtb=$1 node=$2 f=$3 reg irq pool ac sc
	[[ $(fdtget "$dtb" "$node" compatible) == "$compat" ]] ||
		finding "$f" "$node: compatible is not \"$compat\""
	ac=$(fdtget "$dtb" "${node%/*}" '#address-cells' 2> /dev/null || echo 2)
	sc=$(fdtget "$dtb" "${node%/*}" '#size-cells' 2> /dev/null || echo 1)
	read -ra reg <<< "$(fdtget -t u "$dtb" "$node" reg)"
	((${#reg[@]} == ac + sc && reg[ac + sc - 1] >= span &&
	  (sc == 1 || reg[ac] == 0))) ||
		finding "$f" "$node: reg '${reg[*]}' is not one window of >= $((span)) bytes"
	irq=$(fdtget "$dtb" "$node" interrupts)
	[[ $irq =~ ^0\ [0-9]+\ 4$ ]] ||
		finding "$f" "$node: interrupts '$irq' is not one GIC SPI, level high"
	if pool=$(fdtget "$dtb" "$node" memory-region 2> /dev/null); then
		local child found=
		for child in $(fdtget -l "$dtb" /reserved-memory 2> /dev/null); do
			[[ $(fdtget "$dtb" "/reserved-memory/$child" phandle 2> /dev/null) == "$pool" ]] &&
				found=/reserved-memory/$child
		done
		if [[ -z $found ]]; then
			finding "$f" "$node: memory-region is not a /reserved-memory node"
		elif [[ $(fdtget "$dtb" "$found" compatible) != shared-dma-pool ]]; then
			finding "$f" "$node: memory-region $found is not a shared-dma-pool"
		fi
	fi
}

# check_dmaengine DTB NODE FILE REGION: a dmaengine node and the AXI DMA
# (in REGION) whose S2MM channel it names.
check_dmaengine() {
	local dtb=$1 node=$2 f=$3 region=$4 dmas names prov='' c dc ch='' w irq
	for c in reg interrupts; do
		fdtget "$dtb" "$node" "$c" > /dev/null 2>&1 &&
			finding "$f" "$node: has $c (the DMA controller has them)"
	done
	names=$(fdtget "$dtb" "$node" dma-names 2> /dev/null)
	[[ $names == rx ]] || finding "$f" "$node: dma-names '$names' is not \"rx\""
	read -ra dmas <<< "$(fdtget -t u "$dtb" "$node" dmas 2> /dev/null)"
	if ((${#dmas[@]} != 2)); then
		finding "$f" "$node: dmas '${dmas[*]}' is not one <&dma channel>"
		return
	fi
	for c in $(fdtget -l "$dtb" "$region"); do
		[[ $(fdtget -t u "$dtb" "$region/$c" phandle 2> /dev/null) == "${dmas[0]}" ]] &&
			prov=$region/$c
	done
	if [[ -z $prov ]]; then
		finding "$f" "$node: dmas does not name a node of $region"
		return
	fi
	dc=$(fdtget "$dtb" "$prov" compatible)
	case $dc in
	xlnx,axi-dma-1.00.a) ((dmas[1] == 1)) ||
		finding "$f" "$node: channel ${dmas[1]} of an AXI DMA is not S2MM (1)" ;;
	xlnx,axi-mcdma-1.00.a) ((dmas[1] >= 16 && dmas[1] <= 31)) ||
		finding "$f" "$node: channel ${dmas[1]} of an MCDMA is not S2MM (16..31)" ;;
	*) finding "$f" "$prov: compatible '$dc' is not xlnx,axi-dma-1.00.a or xlnx,axi-mcdma-1.00.a"
	   return ;;
	esac
	[[ $(fdtget "$dtb" "$prov" '#dma-cells' 2> /dev/null) == 1 ]] ||
		finding "$f" "$prov: #dma-cells is not 1"
	for c in reg xlnx,addrwidth clocks; do
		fdtget "$dtb" "$prov" "$c" > /dev/null 2>&1 ||
			finding "$f" "$prov: no $c (required by the xlnx,axi-dma binding)"
	done
	fdtget "$dtb" "$prov" clock-names 2> /dev/null | grep -qw s_axi_lite_aclk ||
		finding "$f" "$prov: clock-names lacks s_axi_lite_aclk"
	for c in $(fdtget -l "$dtb" "$prov"); do
		[[ $(fdtget "$dtb" "$prov/$c" compatible 2> /dev/null) == xlnx,axi-dma-s2mm-channel ]] &&
			ch=$prov/$c
	done
	if [[ -z $ch ]]; then
		finding "$f" "$prov: no xlnx,axi-dma-s2mm-channel child"
		return
	fi
	w=$(fdtget -t u "$dtb" "$ch" xlnx,datawidth 2> /dev/null)
	if ! [[ $w =~ ^[0-9]+$ ]] || ! ((w >= 32 && w <= 1024 && (w & (w - 1)) == 0)); then
		finding "$f" "$ch: xlnx,datawidth '$w' is not 32..1024, a power of two"
	fi
	irq=$(fdtget "$dtb" "$ch" interrupts 2> /dev/null)
	[[ $irq =~ ^0\ [0-9]+\ 4$ ]] ||
		finding "$f" "$ch: interrupts '$irq' is not one GIC SPI, level high"
}

shopt -s nullglob
for f in dts/*.dts dts/*.dtso; do
	base=${f##*/}
	pp=$out/$base.pp
	dtb=$out/${base%.*}.dtb
	extra=()
	[[ $f == *.dtso ]] && extra=(-@)
	if ! cpp -nostdinc -undef -D__DTS__ -x assembler-with-cpp -I dts \
		-I "$ksrc/arch/arm/boot/dts" -I "$ksrc/arch/arm64/boot/dts/xilinx" \
		-I "$ksrc/include" "$f" -o "$pp" \
		2> "$out/$base.cpp.log"; then
		finding "$f" "cpp: $(head -n 1 "$out/$base.cpp.log")"
		continue
	fi
	if ! dtc "${dtc_flags[@]}" "${extra[@]}" -I dts -O dtb -o "$dtb" "$pp" \
		2> "$out/$base.dtc.log" || [[ -s $out/$base.dtc.log ]]; then
		while IFS= read -r l; do finding "$f" "dtc: $l"; done < "$out/$base.dtc.log"
		continue
	fi
	region=/fpga-full
	[[ $f == *.dtso ]] && region=/fragment@0/__overlay__
	node=
	for c in $(fdtget -l "$dtb" "$region"); do
		[[ $(fdtget "$dtb" "$region/$c" compatible 2> /dev/null) == fpgadma,* ]] &&
			node=$region/$c && break
	done
	if [[ -z $node ]]; then
		finding "$f" "no fpgadma node (compatible \"fpgadma,...\") in the FPGA region"
		continue
	fi
	case $(fdtget "$dtb" "$node" compatible) in
	"$dcompat") check_dmaengine "$dtb" "$node" "$f" "$region" ;;
	*) check_node "$dtb" "$node" "$f" ;;
	esac
	echo "dts-check: $f: $node ok" >&2
done
((n == 0))
