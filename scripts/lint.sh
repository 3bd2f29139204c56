#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Static checks of the whole tree (make lint; make check's lane 10-lint.sh).
# Prints one "PASS: lint:<tool>" / "FAIL: lint:<tool>: why" line per tool on
# stdout; the findings go to stderr and to OUT_DIR/<tool>.log.
#
# Tools:
#   checkpatch  checkpatch.pl --strict (from Debian's linux-source-6.1, cached
#               in build/tools/) on driver/*.[ch], tests/model/*.c (the
#               software model, a kernel module too), include/uapi/*.h
#               and include/hw/*.h
#   sparse      make C=2 CHECK=sparse of driver/ and tests/model/, in a copy
#               so the tree's own build is untouched; any warning fails
#   cppcheck    userspace C: tests/ (but tests/model/), userlib/, bench/
#   clang-tidy  the same files, checks in .clang-tidy
#   ShellCheck  scripts/*.sh scripts/check.d/*.sh tests/*/*.sh .ci/run
#   dts         dts/ built against the kernel's Zynq device trees, and the
#               fpgadma node checked against the driver (scripts/dts-check.sh)
#
# Exits 1 if any tool failed. Missing packages are installed by deps.sh.
# Env: KDIR (headers for sparse; default: the VM kernel's, see kver.sh),
#      LINT_TOOLS (cache of extracted tools; default build/tools).
# Usage: scripts/lint.sh [--out DIR] [TOOL...]
set -uo pipefail
cd "$(dirname -- "$0")/.." || exit 1

out=build/lint
while (($#)); do
	case $1 in
	--out) out=${2:?}; shift 2 ;;
	-*) sed -n '/^# Usage:/s/^# //p' "$0" >&2; exit 2 ;;
	*) break ;;
	esac
done
all_tools=(checkpatch sparse cppcheck clang-tidy shellcheck dts)
tools=("$@")
((${#tools[@]})) || tools=("${all_tools[@]}")

tools_dir=${LINT_TOOLS:-build/tools}
src_tar=/usr/src/linux-source-6.1.tar.xz
rm -rf "$out"
mkdir -p "$out" "$tools_dir"
abs_out=$(cd "$out" && pwd)

scripts/deps.sh sparse cppcheck clang-tidy shellcheck perl linux-source-6.1 xz-utils \
	libpci-dev \
	device-tree-compiler cpp \
	>&2 || { echo "FAIL: lint:deps: missing packages"; exit 1; }

rc=0
pass() { echo "PASS: lint:$1"; }
# fail TOOL LOG WHY [KINDS]: report, and show the first findings on stderr:
# the lines of LOG that say KINDS (a regex; by default not clang-tidy's
# explanatory notes).
fail() {
	local kinds=${4:-warning|error|ERROR|WARNING|CHECK|style|performance|portability}
	echo "FAIL: lint:$1: $3 (see $2)"
	grep -E ": ($kinds)[: ]" "$2" | head -n 40 | sed "s/^/  $1: /" >&2
	rc=1
}
# findings LOG: count the lines of LOG that report a finding.
findings() { grep -cE '(^|: )(warning|error|ERROR|WARNING|CHECK|style|performance|portability)[:]' "$1"; }

# Userspace C: every .c under tests/, userlib/ and bench/, with the flags its
# Makefile uses (tests/host compiles kernel code against a shim); not
# tests/model/, a kernel module (checkpatch and sparse above).
user_c_files() {
	find tests userlib bench \( -path tests/model -o -path tests/dmaengine \) -prune -o -name '*.c' -type f -print \
		2>/dev/null | LC_ALL=C sort
}
user_c_flags() {
	case $1 in
	tests/host/*) echo "-std=gnu11 -Itests/host/shim -Idriver -Iinclude" ;;
	# fpgadma-info includes a header that userlib/Makefile generates.
	userlib/*) echo "-std=c11 -D_GNU_SOURCE -Iinclude -Iuserlib -I$abs_out/userlib" ;;
	*) echo "-std=c11 -D_GNU_SOURCE -Iinclude" ;;
	esac
}
# Generated headers the userspace sources include (best effort: a missing one
# shows up as a clang-tidy error).
gen_headers() {
	[[ -f userlib/Makefile ]] &&
		make -s -C userlib O="$abs_out/userlib" "$abs_out/userlib/fpgadma_ids.h" \
			> "$out/gen-headers.log" 2>&1
	return 0
}

lint_checkpatch() {
	local log=$out/checkpatch.log ver cache files=()
	ver=$(dpkg-query -W -f='${Version}' linux-source-6.1) || {
		echo "FAIL: lint:checkpatch: linux-source-6.1 not installed"; rc=1; return; }
	cache=$tools_dir/checkpatch-$ver
	if [[ ! -f $cache/scripts/checkpatch.pl ]]; then
		# checkpatch.pl finds spelling.txt and const_structs.checkpatch
		# next to itself. Extract to a temporary dir, then rename, so a
		# concurrent run never sees a half-written cache.
		local tmp
		tmp=$(mktemp -d "$tools_dir/.checkpatch.XXXXXX")
		if ! tar -xJf "$src_tar" -C "$tmp" --strip-components=1 \
			linux-source-6.1/scripts/checkpatch.pl \
			linux-source-6.1/scripts/spelling.txt \
			linux-source-6.1/scripts/const_structs.checkpatch; then
			rm -rf "$tmp"
			echo "FAIL: lint:checkpatch: cannot extract it from $src_tar"
			rc=1
			return
		fi
		mv -T "$tmp" "$cache" 2>/dev/null || rm -rf "$tmp"
	fi
	local cp=(perl "$cache/scripts/checkpatch.pl" --no-tree --strict --terse
		  --show-types --no-summary -f)
	for f in driver/*.[ch] tests/model/*.c tests/dmaengine/*.c include/uapi/*.h; do
		# Kbuild's generated file, not ours.
		[[ $f == *.mod.c || $f == driver/compat.h ]] || files+=("$f")
	done
	{
		"${cp[@]}" "${files[@]}"
		# compat.h is the one place that tests kernel versions
		# (`LINUX_VERSION_CODE < KERNEL_VERSION(...)`), so only there
		# LINUX_VERSION_CODE and the constant-on-the-left comparison
		# that checkpatch sees in it are allowed.
		"${cp[@]}" --ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON driver/compat.h
		# The hardware contract is also included by user-space tools and
		# C models of the FPGA, which have no BIT(); checkpatch exempts
		# include/uapi/ from that rule for the same reason.
		"${cp[@]}" --ignore BIT_MACRO include/hw/*.h
	} > "$log" 2>&1
	local n
	n=$(grep -cE '^[^ ]+:[0-9]+: (ERROR|WARNING|CHECK):' "$log")
	if ((n)); then
		fail checkpatch "$log" "$n findings"
	else
		pass checkpatch
	fi
}

lint_sparse() {
	local log=$out/sparse.log tree=$out/sparse kdir=${KDIR:-}
	# make lint passes KDIR computed before deps.sh ran: maybe empty.
	if [[ ! -d $kdir ]]; then
		kdir=/usr/src/linux-headers-$(scripts/kver.sh) || {
			echo "FAIL: lint:sparse: no kernel headers"; rc=1; return; }
	fi
	# Same layout as the tree: the Kbuilds add -I$(src)/../include and
	# -I$(src)/../../include.
	rm -rf "$tree"
	mkdir -p "$tree/driver" "$tree/tests/model" "$tree/tests/dmaengine" "$tree/include"
	cp driver/Kbuild driver/Makefile driver/*.[ch] "$tree/driver/"
	cp tests/model/Kbuild tests/model/Makefile tests/model/*.c "$tree/tests/model/"
	cp tests/dmaengine/Kbuild tests/dmaengine/Makefile tests/dmaengine/*.c "$tree/tests/dmaengine/"
	rm -f "$tree"/driver/*.mod.c "$tree"/tests/model/*.mod.c "$tree"/tests/dmaengine/*.mod.c
	cp -r include/. "$tree/include/"
	if ! { make -C "$tree/driver" KDIR="$kdir" C=2 CHECK=sparse &&
	       make -C "$tree/tests/model" KDIR="$kdir" C=2 CHECK=sparse &&
	       make -C "$tree/tests/dmaengine" KDIR="$kdir" C=2 CHECK=sparse; } > "$log.raw" 2>&1; then
		sed "s|$tree/||g" "$log.raw" > "$log"
		fail sparse "$log" "build failed"
		return
	fi
	sed "s|$tree/||g" "$log.raw" > "$log"
	local n checked
	n=$(grep -cE '(warning|error):' "$log")
	checked=$(grep -cE '^ +CHECK ' "$log")
	if ((n)); then
		fail sparse "$log" "$n warnings"
	elif ((checked == 0)); then
		fail sparse "$log" "sparse did not run"
	else
		pass sparse
	fi
}

# compile_commands.json of the userspace C files, for cppcheck and clang-tidy.
write_compdb() {
	local f sep='' flag args
	{
		echo '['
		while IFS= read -r f; do
			args="\"cc\""
			for flag in $(user_c_flags "$f"); do
				args+=", \"$flag\""
			done
			printf '%s{ "directory": "%s", "file": "%s", "arguments": [%s, "-c", "%s"] }\n' \
				"$sep" "$PWD" "$f" "$args" "$f"
			sep=,
		done < <(user_c_files)
		echo ']'
	} > "$out/compile_commands.json"
	gen_headers
}

lint_cppcheck() {
	local log=$out/cppcheck.log
	[[ -f $out/compile_commands.json ]] || write_compdb
	cppcheck --project="$out/compile_commands.json" \
		--enable=warning,style,portability,performance \
		--error-exitcode=1 --inline-suppr --quiet \
		--template='{file}:{line}: {severity}:{id}: {message}' 2>&1 |
		sed "s|^$PWD/||" > "$log"
	local st=${PIPESTATUS[0]} n
	n=$(findings "$log")
	if ((n)); then
		fail cppcheck "$log" "$n findings"
	elif ((st)); then
		fail cppcheck "$log" "exit status $st"
	else
		pass cppcheck
	fi
}

lint_clang_tidy() {
	local log=$out/clang-tidy.log dir=$out/clang-tidy st=0
	[[ -f $out/compile_commands.json ]] || write_compdb
	mkdir -p "$dir"
	# One clang-tidy per file, two at a time, one log each (no interleaving).
	# The checks are in ./.clang-tidy, which clang-tidy finds by itself.
	# shellcheck disable=SC2016 # expanded by the inner sh
	user_c_files | xargs -r -P 2 -I{} sh -c \
		'clang-tidy --quiet -p "$1" "$2" > "$3/$(echo "$2" | tr / _).log" 2>&1' \
		sh "$out" {} "$dir" || st=$?
	cat "$dir"/*.log 2>/dev/null | grep -v 'warnings* generated\.$' |
		sed "s|^$PWD/||" > "$log"
	local n
	n=$(grep -cE ': (warning|error): ' "$log")
	if ((n)); then
		fail clang-tidy "$log" "$n findings"
	elif ((st)); then
		fail clang-tidy "$log" "exit status $st"
	else
		pass clang-tidy
	fi
}

lint_shellcheck() {
	local log=$out/shellcheck.log f bash_files=() sourced=() guest=()
	for f in scripts/*.sh scripts/check.d/*.sh tests/*/*.sh python/tests/*.sh .ci/run; do
		[[ -f $f ]] || continue
		case $f in
		# tests/*/*.sh run in the VM under the initramfs's busybox
		# ash, a dash derivative (shellcheck 0.9 has no busybox).
		tests/* | python/tests/*) guest+=("$f") ;;
		*)
			if [[ $(head -c 2 "$f") == '#!' ]]; then
				bash_files+=("$f")
			else
				# Sourced helpers (lib.sh): no shebang,
				# sourced by bash scripts.
				sourced+=("$f")
			fi ;;
		esac
	done
	# .shellcheckrc: follow sourced files relative to each script.
	{
		((${#bash_files[@]})) && shellcheck -f gcc "${bash_files[@]}"
		((${#sourced[@]})) && shellcheck -f gcc -s bash "${sourced[@]}"
		((${#guest[@]})) && shellcheck -f gcc -s dash "${guest[@]}"
	} > "$log" 2>&1
	local n
	n=$(grep -cE ': (note|warning|error): ' "$log")
	if ((n)); then
		fail shellcheck "$log" "$n findings" 'note|warning|error'
	else
		pass shellcheck
	fi
}

lint_dts() {
	local log=$out/dts.log n
	scripts/dts-check.sh "$out/dts" "$tools_dir" > "$log" 2> "$out/dts.err"
	case $? in
	0) pass dts ;;
	1) n=$(wc -l < "$log")
	   echo "FAIL: lint:dts: $n findings (see $log)"
	   sed 's/^/  dts: /' "$log" | head -n 40 >&2
	   rc=1 ;;
	*) echo "FAIL: lint:dts: $(head -n 1 "$log") (see $out/dts.err)"
	   rc=1 ;;
	esac
}

for t in "${tools[@]}"; do
	start=$SECONDS
	case $t in
	checkpatch) lint_checkpatch ;;
	sparse) lint_sparse ;;
	cppcheck) lint_cppcheck ;;
	clang-tidy) lint_clang_tidy ;;
	shellcheck) lint_shellcheck ;;
	dts) lint_dts ;;
	*) echo "FAIL: lint:$t: unknown tool (${all_tools[*]})"; rc=1 ;;
	esac
	echo "lint: $t took $((SECONDS - start))s" >&2
done
exit "$rc"
