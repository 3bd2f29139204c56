#!/bin/bash
# SPDX-License-Identifier: MIT
# Put the library's VM test programs and tools into an initramfs stage:
#   stage.sh BUILD_DIR STAGE_DIR [--no-tests]
# BUILD_DIR is userlib's O= (after `make all static`). Static binaries go to
# /, fpgadma-info (dynamic: Debian has no static libpci) to /opt/fpgadma
# with the shared libraries it needs and a wrapper that runs it through
# the staged dynamic loader; the guest.d scripts to /guest.d unless
# --no-tests. A cross build: STAGE_LIBPATH (see libs below).
set -euo pipefail
here=$(dirname -- "$0")
build=$1 stage=$2 tests=1
[[ ${3:-} == --no-tests ]] && tests=0

cp "$build/static/fpgadma_libtest" "$build/static/fpgadma-capture" \
   "$build/static/fpgadma_acquire" "$stage/"
mkdir -p "$stage/opt/fpgadma/bin" "$stage/opt/fpgadma/lib"
cp "$build/fpgadma-info" "$stage/opt/fpgadma/bin/fpgadma-info.bin"
# libs BINARY: the shared libraries it needs, with the dynamic loader: by
# ldd, or for a cross build (STAGE_LIBPATH set: the target's library
# directories, colon-separated) from the ELF headers, searched there.
libs() {
	if [[ -z ${STAGE_LIBPATH:-} ]]; then
		ldd "$1" | grep -o '/[^ ]*' | sort -u
		return
	fi
	local -A seen=()
	local todo=("$1") f n d lib found
	IFS=: read -ra dirs <<< "$STAGE_LIBPATH"
	n=$(LC_ALL=C readelf -l "$1" | sed -n 's/.*program interpreter: \(.*\)]$/\1/p')
	[[ -n $n ]] || return 1
	todo+=("${n##*/}")
	while ((${#todo[@]})); do
		f=${todo[0]}
		todo=("${todo[@]:1}")
		if [[ $f != "$1" ]]; then
			[[ -n ${seen[$f]:-} ]] && continue
			seen[$f]=1
			found=
			for d in "${dirs[@]}"; do
				[[ -e $d/$f ]] && { found=$d/$f; break; }
			done
			[[ -n $found ]] || { echo "stage.sh: $f not in $STAGE_LIBPATH" >&2; return 1; }
			echo "$found"
			f=$found
		fi
		while read -r lib; do
			todo+=("$lib")
		done < <(LC_ALL=C readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p')
	done
}
interp=
while read -r lib; do
	cp -L "$lib" "$stage/opt/fpgadma/lib/"
	[[ $lib == *ld-linux* ]] && interp=${lib##*/}
done < <(libs "$build/fpgadma-info")
[[ -n $interp ]] || { echo "stage.sh: no dynamic loader found for fpgadma-info" >&2; exit 1; }
cat > "$stage/opt/fpgadma/bin/fpgadma-info" <<WRAP
#!/bin/sh
exec /opt/fpgadma/lib/$interp --library-path /opt/fpgadma/lib /opt/fpgadma/bin/fpgadma-info.bin "\$@"
WRAP
chmod 755 "$stage/opt/fpgadma/bin/fpgadma-info"
if ((tests)); then
	mkdir -p "$stage/guest.d"
	cp "$here/guest.d/lib.sh" "$here/guest.d/tools.sh" "$stage/guest.d/"
fi
