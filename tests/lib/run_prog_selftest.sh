#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Self-test of the test-program runner (tests/lib/run_prog.sh), run by check
# lane 30: fake test programs that end badly in each way the runner must
# catch, and two that end well, go through run_prog under SHELL ("bash",
# or "busybox sh" with busybox's applets first in PATH, as in the VM).
# Prints "PASS: run_prog.<shell>.<case>" / "FAIL: ...: why"; exits 0.
# Usage: tests/lib/run_prog_selftest.sh [SHELL]   (default: sh)

sh_cmd=${1:-sh}
tag=${sh_cmd%% *}
lib=$(cd "$(dirname -- "$0")" && pwd)/run_prog.sh
dir=$(mktemp -d "${TMPDIR:-/tmp}/run_prog_selftest.XXXXXX") || {
	echo "FAIL: run_prog.$tag.setup: mktemp failed"
	exit 0
}
trap 'rm -rf "$dir"' EXIT
path=$PATH
if [ "$tag" = busybox ]; then
	mkdir "$dir/bin"
	for a in cat grep mktemp rm sh sleep tail timeout; do
		ln -s "$(command -v busybox)" "$dir/bin/$a"
	done
	path=$dir/bin:$PATH
fi

# fake CASE BODY: a test program whose body is the shell code BODY.
fake() {
	printf '#!/bin/sh\n%s\n' "$2" > "$dir/$1"
	chmod +x "$dir/$1"
}

# expect CASE TIMEOUT STATUS PATTERN: run fake CASE through run_prog; it
# must return STATUS and print, as the runner's verdict, a line matching
# "FAIL: fake.CASE: PATTERN" (grep -E; PATTERN matches from the start of
# the reason), or no runner line if PATTERN is "".
expect() {
	# shellcheck disable=SC2016,SC2086 # sh_cmd: a command with arguments;
	# the inner script expands its own "$1"
	PATH=$path $sh_cmd -c '. "$1"; shift; run_prog "$@"' run_prog "$lib" \
		"fake.$1" "$2" "$dir/$1" > "$dir/$1.out" 2>&1
	st=$?
	got=$(grep "^FAIL: fake\.$1: " "$dir/$1.out" | tail -n 1)
	why=
	if [ "$st" -ne "$3" ]; then
		why="run_prog returned $st, want $3"
	elif [ -z "$4" ] && [ -n "$got" ]; then
		why="unexpected '$got'"
	elif [ -n "$4" ] && ! printf '%s\n' "$got" | grep -qE "^FAIL: fake\.$1: $4"; then
		why="want 'FAIL: fake.$1: $4', got '${got:-no runner FAIL line}'"
	elif [ -n "$4" ] && [ "$(grep -c "^FAIL: fake\.$1: " "$dir/$1.out")" -ne 1 ]; then
		why="more than one runner FAIL line"
	fi
	if [ -z "$why" ]; then
		echo "PASS: run_prog.$tag.$1"
	else
		echo "FAIL: run_prog.$tag.$1: $why: $(tr '\n' '|' < "$dir/$1.out" | tail -c 300)"
	fi
}

p='echo "PASS: fake.a"; echo "PASS: fake.b"'
fake segv-before-output 'kill -SEGV $$'
expect segv-before-output 10 1 'killed by signal 11 \(SEGV\); no DONE line.*; no results$'
fake abort-after-pass "$p; kill -ABRT \$\$"
expect abort-after-pass 10 1 'killed by signal 6 \(ABRT\); no DONE line'
fake pass-then-exit1 "$p; echo 'DONE: fake 2'; exit 1"
expect pass-then-exit1 10 1 'exited with status 1 without a FAIL line$'
fake exit-status-3 "$p; echo 'FAIL: fake.c: bad'; echo 'DONE: fake 3'; exit 3"
expect exit-status-3 10 1 'exited with status 3$'
fake pass-no-done "$p"
expect pass-no-done 10 1 'no DONE line \(ended early\)$'
fake done-count-short "$p; echo 'DONE: fake 3'"
expect done-count-short 10 1 "2 result lines, but 'DONE: fake 3'"
fake fail-exit0 "$p; echo 'FAIL: fake.c: bad'; echo 'DONE: fake 3'"
expect fail-exit0 10 1 'exited with status 0 after 1 FAIL line\(s\)$'
fake no-results "echo 'DONE: fake 0'"
expect no-results 10 1 'no results$'
fake killed-term "$p; kill -TERM \$\$; sleep 5"
expect killed-term 10 1 'killed by signal 15 \(TERM\); no DONE line'
fake hang "$p; sleep 30"
expect hang 1 1 'killed by signal 9 \(KILL\), the timeout of 1 s; no DONE line'
fake good "$p; echo 'DONE: fake 2'"
expect good 10 0 ''
fake good-with-fail "$p; echo 'FAIL: fake.c: bad'; echo 'DONE: fake 3'; exit 1"
expect good-with-fail 10 1 ''
exit 0
