#!/bin/bash
# SPDX-License-Identifier: MIT
# Put the library's VM test programs and tools into an initramfs stage:
#   stage.sh BUILD_DIR STAGE_DIR [--no-tests]
# BUILD_DIR is userlib's O= (after `make all static`). Static binaries go to
# /, fpgadma-info (dynamic: Debian has no static libpci) to /opt/fpgadma
# with the shared libraries it needs and a wrapper that runs it through
# the staged dynamic loader; the guest.d scripts to /guest.d unless
# --no-tests.
set -euo pipefail
here=$(dirname -- "$0")
build=$1 stage=$2 tests=1
[[ ${3:-} == --no-tests ]] && tests=0

cp "$build/static/fpgadma_libtest" "$build/static/fpgadma-capture" \
   "$build/static/fpgadma_acquire" "$stage/"
mkdir -p "$stage/opt/fpgadma/bin" "$stage/opt/fpgadma/lib"
cp "$build/fpgadma-info" "$stage/opt/fpgadma/bin/fpgadma-info.bin"
interp=
while read -r lib; do
	cp -L "$lib" "$stage/opt/fpgadma/lib/"
	[[ $lib == *ld-linux* ]] && interp=${lib##*/}
done < <(ldd "$build/fpgadma-info" | grep -o '/[^ ]*' | sort -u)
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
