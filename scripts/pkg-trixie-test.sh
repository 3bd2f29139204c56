#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Runs inside the trixie chroot (scripts/trixie-chroot.sh run --net, check
# lane 75-pkg-trixie): install the five .debs of make deb with apt, let DKMS
# build and install the module for each given kernel (whose headers are in
# /usr/src, /usr/lib/modules/<kver>/build pointing at them), and run the
# installed fpgadma-info, which finds no device here and must say so and
# exit 0 (its --help: "Exit status: 0 (also when no device is found)").
# Prints PASS/FAIL lines with the prefix "trixie:"; logs go to LOGDIR.
# Usage: pkg-trixie-test.sh DEBDIR LOGDIR VERSION KVER...
set -uo pipefail
debdir=$1 logdir=$2 ver=$3
shift 3
pass() { echo "PASS: trixie:$1"; }
fail() { echo "FAIL: trixie:$1"; }
mkdir -p "$logdir"

echo "pkg-trixie: $(. /etc/os-release && echo "$PRETTY_NAME"), dkms $(dpkg-query -W -f='${Version}' dkms)"
# As a user would: apt installs what the packages depend on and the
# chroot lacks (a minbase system: no adduser, for one). The chroot's lists
# are from when it was built; refreshed if that fails.
export DEBIAN_FRONTEND=noninteractive
inst=(apt-get -q install -y --no-install-recommends "$debdir"/*.deb)
if "${inst[@]}" > "$logdir/dpkg.log" 2>&1 ||
   { apt-get -q update && "${inst[@]}"; } >> "$logdir/dpkg.log" 2>&1; then
	pass "pkg:install"
else
	fail "pkg:install: apt-get install of the .debs failed (see $logdir/dpkg.log)"
	tail -n 20 "$logdir/dpkg.log"
	exit 0
fi

for kv in "$@"; do
	log=$logdir/dkms-$kv.log
	dkms install "fpgadma/$ver" -k "$kv" > "$log" 2>&1
	rc=$?
	# DKMS 3.x keeps the build's log per kernel.
	for f in "/var/lib/dkms/fpgadma/$ver/$kv/"*/log/make.log "/var/lib/dkms/fpgadma/$ver/build/make.log"; do
		[[ -f $f ]] && { cp "$f" "$logdir/make-$kv.log"; break; }
	done
	ko=''
	for f in "/usr/lib/modules/$kv/updates/dkms/fpgadma.ko"*; do
		[[ -f $f ]] && ko=$f
	done
	if ((rc)) || [[ -z $ko ]]; then
		fail "pkg:dkms-build:$kv: dkms install exited $rc, no fpgadma.ko (see $log, $logdir/make-$kv.log)"
		tail -n 20 "$log"
		continue
	fi
	# make.log must have no warning either (the tree's flags, not W=1).
	magic=$(modinfo -F vermagic "$ko" | cut -d' ' -f1)
	if [[ $magic != "$kv" ]]; then
		fail "pkg:dkms-build:$kv: ${ko##*/} has vermagic $(modinfo -F vermagic "$ko")"
	elif st=$(dkms status fpgadma 2>&1) && ! grep -qF "fpgadma/$ver, $kv, x86_64: installed" <<< "$st"; then
		fail "pkg:dkms-build:$kv: dkms status: ${st//$'\n'/; }"
	elif [[ ! -f $logdir/make-$kv.log ]]; then
		fail "pkg:dkms-build:$kv: no make.log from DKMS"
	elif grep -q 'warning:' "$logdir/make-$kv.log"; then
		fail "pkg:dkms-build:$kv: warnings (see $logdir/make-$kv.log)"
	else
		pass "pkg:dkms-build:$kv"
	fi
done

out=$(fpgadma-info 2>&1)
rc=$?
json=$(fpgadma-info --json 2>&1)
jrc=$?
count=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])' <<< "$json" 2>/dev/null)
echo "pkg-trixie: fpgadma-info: exit $rc: $out"
if ((rc != 0 || jrc != 0)); then
	fail "pkg:fpgadma-info: exit status $rc, --json $jrc (documented: 0, also with no device)"
elif [[ $count == 0 && $out != "no device that fpgadma drives or can drive was found" ]]; then
	fail "pkg:fpgadma-info: no device in --json, but the text output is: $out"
elif [[ -z $count ]]; then
	fail "pkg:fpgadma-info: --json is not a JSON document with a count: $json"
else
	pass "pkg:fpgadma-info"
fi

# The installed binding under trixie's python3 and numpy 2.x: its host
# tests (library by soname, errno mapping, arguments, view lifetimes).
pyv=$(python3 -c 'import sys, numpy; print(sys.version.split()[0], numpy.__version__)' 2>&1)
echo "pkg-trixie: python $pyv"
if (cd /src && PYTHONDONTWRITEBYTECODE=1 python3 -m unittest -v test_host) \
	> "$logdir/python.log" 2>&1 && [[ $pyv == *" 2."* ]]; then
	pass "pkg:python-numpy2"
else
	fail "pkg:python-numpy2: python/numpy $pyv (see $logdir/python.log)"
	tail -n 20 "$logdir/python.log"
fi

if dpkg --purge python3-fpgadma fpgadma-tools libfpgadma-dev libfpgadma0 fpgadma-dkms > "$logdir/purge.log" 2>&1 &&
   ! compgen -G "/usr/lib/modules/*/updates/dkms/fpgadma.ko*" > /dev/null &&
   [[ ! -e /var/lib/dkms/fpgadma && ! -e /usr/src/fpgadma-$ver ]]; then
	pass "pkg:purge"
else
	fail "pkg:purge: left behind (see $logdir/purge.log): $(compgen -G "/usr/lib/modules/*/updates/dkms/fpgadma.ko*") $(ls -d /var/lib/dkms/fpgadma /usr/src/fpgadma-"$ver" 2>/dev/null)"
fi
