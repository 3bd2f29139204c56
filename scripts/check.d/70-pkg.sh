#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Packaging: make deb, install the five packages with dpkg, let DKMS build
# the module for the VM kernel's installed headers, check that every file
# is where it belongs and the software model (a test double) nowhere, that
# the tools, the library via pkg-config, the udev rule and the Python
# binding (python3-fpgadma, imported by Debian's python3) work, stage the DKMS-built module for an in-VM load test
# (/guest.d/pkg.sh), then purge the packages and check nothing is left.
. "$(dirname -- "$0")/lib.sh"

pkgs=(fpgadma-dkms libfpgadma0 libfpgadma-dev fpgadma-tools python3-fpgadma)
deb=$(realpath -m "$OUT/deb")
log=$(realpath -m "$OUT/pkg.log")
: > "$log"
ver=$(sed -n 's/^VERSION := //p' userlib/Makefile)
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
had_group=0
getent group fpgadma > /dev/null && had_group=1

installed() { dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q 'install ok installed'; }

for p in "${pkgs[@]}"; do
	if installed "$p"; then
		fail "pkg:preflight: $p is already installed on this machine; not touching it"
		exit 0
	fi
done

if ! DEB_OUT=$deb scripts/pkg/build-deb.sh >> "$log" 2>&1; then
	fail "pkg:build-deb: see $log"
	tail -20 "$log"
	exit 0
fi
debs=()
for p in "${pkgs[@]}"; do
	for f in "$deb/${p}_${ver}_"*.deb; do
		[[ -f $f ]] && debs+=("$f")
	done
done
if ((${#debs[@]} != 5)); then
	fail "pkg:build-deb: expected 5 packages in $deb, got ${#debs[@]}"
	exit 0
fi
pass "pkg:build-deb"

purge() {
	dpkg --purge "${pkgs[@]}" >> "$log" 2>&1
	((had_group)) || ! getent group fpgadma > /dev/null || groupdel fpgadma >> "$log" 2>&1
}

# python3-fpgadma's dependency (dpkg -i does not fetch any).
scripts/deps.sh python3-numpy >> "$log" 2>&1 || true
if ! DEBIAN_FRONTEND=noninteractive dpkg -i "${debs[@]}" >> "$log" 2>&1; then
	fail "pkg:install: dpkg -i failed, see $log"
	tail -20 "$log"
	purge
	exit 0
fi
pass "pkg:install"

# DKMS: the postinst builds for the kernels it picks; make sure it is
# built and installed for the VM kernel, whose headers are installed.
ko=/lib/modules/$KVER/updates/dkms/fpgadma.ko
if [[ ! -f $ko ]]; then
	dkms install "fpgadma/$ver" -k "$KVER" >> "$log" 2>&1
fi
if [[ ! -f $ko ]]; then
	fail "pkg:dkms-build: no $ko (see $log and /var/lib/dkms/fpgadma/$ver/build/make.log)"
elif [[ $(modinfo -F vermagic "$ko" | cut -d' ' -f1) != "$KVER" ]]; then
	fail "pkg:dkms-build: $ko has vermagic $(modinfo -F vermagic "$ko")"
elif ! grep -q 'updates/dkms/fpgadma.ko' "/lib/modules/$KVER/modules.dep"; then
	fail "pkg:dkms-build: fpgadma.ko not in modules.dep (no depmod)"
elif ! dkms status fpgadma 2>/dev/null | grep -q "$KVER.*installed"; then
	fail "pkg:dkms-build: dkms status: $(dkms status fpgadma 2>&1)"
else
	pass "pkg:dkms-build"
	cp "$ko" "$STAGE/fpgadma-dkms.ko"
	echo "$KVER" > "$STAGE/fpgadma-dkms.kver"
	mkdir -p "$STAGE/guest.d"
	cp userlib/tests/guest.d/pkg.sh "$STAGE/guest.d/"
fi

# Every file where it belongs.
missing=()
for f in /usr/lib/$ma/libfpgadma.so.0 /usr/lib/$ma/libfpgadma.so.$ver \
	 /usr/lib/$ma/libfpgadma.so /usr/lib/$ma/libfpgadma.a \
	 /usr/lib/$ma/pkgconfig/fpgadma.pc /usr/include/fpgadma.h \
	 /usr/include/fpgadma/uapi/fpgadma.h /usr/bin/fpgadma-info \
	 /usr/bin/fpgadma-capture /lib/udev/rules.d/60-fpgadma.rules \
	 /usr/src/fpgadma-$ver/dkms.conf /usr/src/fpgadma-$ver/driver/Kbuild \
	 /usr/src/fpgadma-$ver/include/uapi/fpgadma.h \
	 /usr/lib/python3/dist-packages/fpgadma/__init__.py \
	 /usr/share/doc/python3-fpgadma/examples/acquire.py; do
	[[ -e $f ]] || missing+=("$f")
done
for p in "${pkgs[@]}"; do
	while read -r f; do
		[[ -e $f ]] || missing+=("$f")
	done < <(dpkg -L "$p")
done
if ((${#missing[@]})); then
	fail "pkg:files: missing ${missing[*]}"
else
	pass "pkg:files"
fi
# The software model (tests/model/, fpgadma_model.ko) is a test double:
# no package ships it, not even as DKMS source.
shipped=$(for p in "${pkgs[@]}"; do dpkg -L "$p"; done | grep -E 'fpgadma_model|fpgadma_dmatest|/tests/' || true)
if [[ -n $shipped ]]; then
	fail "pkg:no-model: packaged: ${shipped//$'\n'/ }"
else
	pass "pkg:no-model"
fi
rule=$(grep -v '^#' /lib/udev/rules.d/60-fpgadma.rules 2>/dev/null)
if [[ $rule == 'SUBSYSTEM=="fpgadma", GROUP="fpgadma", MODE="0660"' ]] &&
   getent group fpgadma > /dev/null; then
	pass "pkg:udev-rule-group"
else
	fail "pkg:udev-rule-group: rule '$rule', group $(getent group fpgadma || echo missing)"
fi
read -ra pc <<< "$(pkg-config --cflags --libs fpgadma 2>/dev/null)"
if ldconfig -p | grep -q "libfpgadma.so.0 .*=> .*/$ma/libfpgadma.so.0" &&
   [[ $(pkg-config --modversion fpgadma) == "$ver" ]] &&
   gcc -std=c11 -Wall -Wextra -Werror -o "$OUT/acquire-deb" \
	userlib/examples/fpgadma_acquire.c "${pc[@]}" >> "$log" 2>&1 &&
   out=$("$OUT/acquire-deb" /dev/fpgadma-none 2>&1); [[ $out == *"no such fpgadma device node"* ]]; then
	pass "pkg:lib-pkg-config"
else
	fail "pkg:lib-pkg-config: ldconfig/pkg-config/build against the installed library failed: ${out:-}"
fi
if fpgadma-info --help > /dev/null && fpgadma-capture --help > /dev/null &&
   fpgadma-info --json | python3 -c 'import json,sys; json.load(sys.stdin)'; then
	pass "pkg:tools"
else
	fail "pkg:tools: installed fpgadma-info/fpgadma-capture do not run"
fi
# The binding finds the installed library by its soname and reports a
# missing device node as ENOENT; the installed example runs.
out=$(cd / && /usr/bin/python3 -c 'import errno, fpgadma
assert fpgadma.__file__ == "/usr/lib/python3/dist-packages/fpgadma/__init__.py"
assert fpgadma.library_version()[0] == 1
try:
    fpgadma.open("/dev/fpgadma-none")
except FileNotFoundError as e:
    assert e.errno == errno.ENOENT
    print("ok")' 2>&1)
ex=$(/usr/bin/python3 /usr/share/doc/python3-fpgadma/examples/acquire.py /dev/fpgadma-none 2>&1)
if [[ $out == ok && $ex == *"NoDeviceError: [Errno 2]"* ]]; then
	pass "pkg:python"
else
	fail "pkg:python: import/open: ${out//$'\n'/ }; example: ${ex##*$'\n'}"
fi

# Purge, and nothing may be left behind.
purge
left=()
for p in "${pkgs[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[[ -z $status || $status == *not-installed ]] || left+=("package:$p($status)")
done
for f in /usr/src/fpgadma-$ver /var/lib/dkms/fpgadma /usr/include/fpgadma.h \
	 /usr/include/fpgadma /usr/lib/$ma/libfpgadma.so.0 /usr/bin/fpgadma-info \
	 /lib/udev/rules.d/60-fpgadma.rules /lib/modules/*/updates/dkms/fpgadma.ko; do
	[[ -e $f ]] && left+=("$f")
done
if grep -q 'updates/dkms/fpgadma.ko' "/lib/modules/$KVER/modules.dep"; then
	left+=("modules.dep entry")
fi
if ((${#left[@]})); then
	fail "pkg:purge: left behind: ${left[*]}"
else
	pass "pkg:purge"
fi
