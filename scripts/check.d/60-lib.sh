#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# libfpgadma, its tools and example: build (-Werror), ABI (soname, symbol
# version, exports), host unit tests under ASan/UBSan with a simulated
# device, install + pkg-config round trip, the tools' --help/--json on the
# host, the README quick start's make targets; then stage the static
# test program and tools plus /guest.d/{lib,tools}.sh for the VM lane.
. "$(dirname -- "$0")/lib.sh"

b=$(realpath -m "$OUT/userlib")
log=$OUT/lib-build.log
mkdir -p "$b"

if ! scripts/deps.sh libpci-dev pkg-config > "$OUT/lib-deps.log" 2>&1; then
	fail "lib:deps: libpci-dev/pkg-config missing (see $OUT/lib-deps.log)"
	exit 0
fi

if ! make -C userlib O="$b" all static host-test > "$log" 2>&1; then
	fail "build:lib: see $log"
	tail -30 "$log"
	exit 0
fi
pass "build:lib"

# ABI: soname, every export named fpgadma_* and versioned: FPGADMA_1.0,
# FPGADMA_1.1 to FPGADMA_1.4 for the functions APIs 1.1 to 1.4 added (the
# map is append-only).
so=$b/libfpgadma.so.0
syms=$(nm -D --defined-only "$so" | awk '$2 == "T" { print $3 }')
v11='fpgadma_(exchange|set_coalesce)'
v12='fpgadma_(configure_memory|memory)'
v13='fpgadma_(kick|rings)'
v14='fpgadma_starved'
bad=$(grep -Ev "^(${v11}@@FPGADMA_1\.1|${v12}@@FPGADMA_1\.2|${v13}@@FPGADMA_1\.3|${v14}@@FPGADMA_1\.4|fpgadma_[a-z_]*@@FPGADMA_1\.0)\$" <<< "$syms" || true)
bad+=$(grep -E "^(${v11}|${v12}|${v13}|${v14})@@FPGADMA_1\.0\$" <<< "$syms" || true)
if [[ $(readelf -d "$so" | grep -o 'Library soname: \[[^]]*\]') != 'Library soname: [libfpgadma.so.0]' ]]; then
	fail "lib:abi: soname is not libfpgadma.so.0"
elif [[ -n $bad ]]; then
	fail "lib:abi: unexpected exports: ${bad//$'\n'/ }"
elif (($(grep -c '@@FPGADMA_1\.0$' <<< "$syms") != 17 ||
	$(grep -c '@@FPGADMA_1\.1$' <<< "$syms") != 2 ||
	$(grep -c '@@FPGADMA_1\.2$' <<< "$syms") != 2 ||
	$(grep -c '@@FPGADMA_1\.3$' <<< "$syms") != 2 ||
	$(grep -c '@@FPGADMA_1\.4$' <<< "$syms") != 1)); then
	fail "lib:abi: $(wc -l <<< "$syms") exports, not 17 at FPGADMA_1.0, 2 at 1.1, 2 at 1.2, 2 at 1.3 and 1 at 1.4"
elif ! nm "$b/libfpgadma.a" | grep -q ' T fpgadma_next$'; then
	fail "lib:abi: static library lacks fpgadma_next"
else
	pass "lib:abi"
fi

# Host unit tests (ASan/UBSan; simulated device for the stream path),
# through lib.sh's run_test: a crash or sanitizer report is a FAIL too.
if ! run_test lib-host "$OUT/lib-host.log" "$b/libtest_host"; then
	echo "lib-host: see $OUT/lib-host.log"
	tail -20 "$OUT/lib-host.log"
fi

# Install into a DESTDIR, then build the example against the installed
# header with pkg-config and run it (no device here: it must say so).
dest=$(realpath -m "$OUT/lib-destdir")
rm -rf "$dest"
if ! make -C userlib O="$b" install DESTDIR="$dest" PREFIX=/usr >> "$log" 2>&1; then
	fail "lib:install: see $log"
else
	pc=$dest/usr/lib/pkgconfig
	pcq() {
		PKG_CONFIG_PATH=$pc PKG_CONFIG_SYSROOT_DIR=$dest PKG_CONFIG_ALLOW_SYSTEM_CFLAGS=1 \
			PKG_CONFIG_ALLOW_SYSTEM_LIBS=1 pkg-config "$@" fpgadma
	}
	read -ra cflags <<< "$(pcq --cflags)"
	read -ra libs <<< "$(pcq --libs)"
	ver=$(pcq --modversion)
	if gcc -std=c11 -Wall -Wextra -Werror "${cflags[@]}" -o "$b/acquire-pc" \
		userlib/examples/fpgadma_acquire.c "${libs[@]}" >> "$log" 2>&1 &&
	   out=$(LD_LIBRARY_PATH=$dest/usr/lib "$b/acquire-pc" /dev/fpgadma-none 2>&1)
	   [[ $? == 1 && $out == *"no such fpgadma device node"* && -n $ver ]]; then
		pass "lib:install-pkg-config"
	else
		fail "lib:install-pkg-config: example via pkg-config (${cflags[*]} ${libs[*]}): ${out:-}"
	fi
	make -C userlib O="$b" uninstall DESTDIR="$dest" PREFIX=/usr >> "$log" 2>&1
	left=$(find "$dest" -type f -o -type l)
	if [[ -z $left ]]; then
		pass "lib:uninstall"
	else
		fail "lib:uninstall: left ${left//$'\n'/ }"
	fi
fi

# The top-level install: module via modules_install, library, headers,
# pkg-config, tools and udev rule under a DESTDIR; uninstall removes them.
tdest=$(realpath -m "$OUT/install-destdir")
rm -rf "$tdest"
if make install DESTDIR="$tdest" PREFIX=/usr KVER="$KVER" USERLIB_O="$b" >> "$log" 2>&1; then
	missing=()
	compgen -G "$tdest/lib/modules/$KVER/*/fpgadma.ko" > /dev/null ||
		missing+=("lib/modules/$KVER/*/fpgadma.ko")
	# The software model is a test double, never installed.
	model=$(find "$tdest" -name 'fpgadma_model*')
	for f in usr/lib/libfpgadma.so.0 usr/lib/libfpgadma.a \
		 usr/lib/pkgconfig/fpgadma.pc usr/include/fpgadma.h \
		 usr/include/fpgadma/uapi/fpgadma.h usr/bin/fpgadma-info \
		 usr/bin/fpgadma-capture etc/udev/rules.d/60-fpgadma.rules; do
		[[ -e $tdest/$f ]] || missing+=("$f")
	done
	make uninstall DESTDIR="$tdest" PREFIX=/usr KVER="$KVER" USERLIB_O="$b" >> "$log" 2>&1
	left=$(find "$tdest" \( -type f -o -type l \) -name '*fpgadma*')
	if ((${#missing[@]})); then
		fail "lib:make-install: missing under DESTDIR: ${missing[*]}"
	elif [[ -n $model ]]; then
		fail "lib:make-install: installed the software model: ${model//$'\n'/ }"
	elif [[ -n $left ]]; then
		fail "lib:make-install: uninstall left ${left//$'\n'/ }"
	else
		pass "lib:make-install"
	fi
else
	fail "lib:make-install: see $log"
fi
rm -rf "$tdest"

# The example: at most 60 lines, and its standalone Makefile still builds.
n=$(wc -l < userlib/examples/fpgadma_acquire.c)
if ((n > 60)); then
	fail "lib:example: fpgadma_acquire.c has $n lines (> 60)"
elif ! make -s -C userlib/examples O="$b" >> "$log" 2>&1; then
	fail "lib:example: userlib/examples/Makefile: see $log"
else
	pass "lib:example"
fi

# The tools on the host: --help, no device found, valid JSON.
if "$b/fpgadma-info" --help | grep -q -- '--json' &&
   LD_LIBRARY_PATH=$b "$b/fpgadma-capture" --help | grep -q -- '--buffers' &&
   ! LD_LIBRARY_PATH=$b "$b/fpgadma-capture" --bogus 2>/dev/null; then
	pass "tools:help"
else
	fail "tools:help"
fi
if json=$("$b/fpgadma-info" --json) && python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["count"] == len(d["devices"])' <<< "$json"; then
	pass "tools:info-json-host"
else
	fail "tools:info-json-host: $json"
fi
# Devices on other buses (device tree, platform), from a made-up sysfs.
if bash userlib/tests/info_host.sh "$b/fpgadma-info" "$OUT/info-host" >> "$log" 2>&1; then
	pass "tools:info-platform-host"
else
	fail "tools:info-platform-host: $(tail -1 "$log")"
fi
out=$(LD_LIBRARY_PATH=$b "$b/fpgadma-capture" -d /dev/null -n 1 -o /dev/null 2>&1)
if [[ $? == 1 && $out == *"not an fpgadma device"* ]]; then
	pass "tools:capture-not-fpgadma"
else
	fail "tools:capture-not-fpgadma: $out"
fi

# The Python binding on the host (python/tests/test_host.py): library
# loading, errno mapping, argument checks; Debian's python3 and numpy.
if ! scripts/deps.sh python3-numpy >> "$log" 2>&1; then
	fail "python:host-tests: python3-numpy is missing"
elif PYTHONPATH=python FPGADMA_LIBRARY=$b/libfpgadma.so.0 /usr/bin/python3 \
	-m unittest python/tests/test_host.py >> "$log" 2>&1; then
	pass "python:host-tests"
else
	fail "python:host-tests: see $log"
fi

# The VM: static test program and tools, fpgadma-info with its libraries.
if userlib/tests/stage.sh "$b" "$STAGE" >> "$log" 2>&1; then
	pass "lib:stage"
else
	fail "lib:stage: see $log"
fi
