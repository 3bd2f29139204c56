# SPDX-License-Identifier: GPL-2.0-only
# Running a test program and judging how it ended (sourced; POSIX sh, so
# the same code runs on the host, under bash, and in the VM, under busybox
# ash). Staged as /run_prog.sh at the initramfs root by check lane 40;
# sourced by scripts/check.d/lib.sh for the host lanes.
#
# A test program prints "PASS: name" / "FAIL: name: why" lines and, only
# when it reached its deliberate end, a last line "DONE: <prog> <n>", n
# being the number of PASS/FAIL lines it printed. It exits 0 when nothing
# failed, 1 when it printed a FAIL line. A program that crashes, is killed,
# exits otherwise, or loses results prints no DONE line or a wrong count or
# status, and run_prog then adds one line "FAIL: NAME: why" of its own.

# prog_verdict RC FILE TIMEOUT: why a run that exited with status RC and
# printed FILE failed ("" when it did not); TIMEOUT (seconds, 0 for none)
# is what the run was bounded by.
prog_verdict() {
	local rc="$1" f="$2" tmo="$3" np nf last n why=''
	np=$(grep -c '^PASS: ' "$f" || true)
	nf=$(grep -c '^FAIL: ' "$f" || true)
	last=$(grep '^DONE: ' "$f" | tail -n 1)
	if [ "$rc" -eq 137 ] && [ "$tmo" -gt 0 ]; then
		why="killed by signal 9 (KILL), the timeout of $tmo s"
	elif [ "$rc" -gt 128 ]; then
		why="killed by signal $((rc - 128)) ($(kill -l $((rc - 128)) 2>/dev/null || echo '?'))"
	elif [ "$rc" -ne 0 ] && { [ "$rc" -ne 1 ] || [ "$nf" -eq 0 ]; }; then
		why="exited with status $rc"
		[ "$nf" -eq 0 ] && why="$why without a FAIL line"
	elif [ "$rc" -eq 0 ] && [ "$nf" -gt 0 ]; then
		why="exited with status 0 after $nf FAIL line(s)"
	fi
	n=${last##* }
	case $last in
	'') why="${why:+$why; }no DONE line (ended early)" ;;
	*)
		case $n in
		'' | *[!0-9]*) why="${why:+$why; }bad DONE line '$last'" ;;
		*)
			[ "$n" -eq $((np + nf)) ] ||
				why="${why:+$why; }$((np + nf)) result lines, but '$last'"
			;;
		esac
		;;
	esac
	[ $((np + nf)) -gt 0 ] || why="${why:+$why; }no results"
	printf '%s' "$why"
}

# run_prog NAME TIMEOUT CMD...: run CMD, bounded by TIMEOUT seconds (0:
# unbounded), copy its output (stdout and stderr) to stdout once it has
# ended, then print "FAIL: NAME: why" if the run failed as above. Returns
# 0 if there was no FAIL line, else 1. The output goes to a file, not a
# pipe: a child left behind by a killed program (busybox's timeout kills
# only the program) must not keep the runner waiting. A first line names
# the program, so a log cut short (a VM timeout) shows what was running.
run_prog() {
	local name="$1" tmo="$2" out rc why
	shift 2
	out=$(mktemp "${TMPDIR:-/tmp}/run_prog.XXXXXX") || {
		echo "FAIL: $name: run_prog: mktemp failed"
		return 1
	}
	echo "run_prog: $name: $*"
	if [ "$tmo" -gt 0 ]; then
		timeout -s KILL "$tmo" "$@" > "$out" 2>&1 < /dev/null
	else
		"$@" > "$out" 2>&1 < /dev/null
	fi
	rc=$?
	cat "$out"
	why=$(prog_verdict "$rc" "$out" "$tmo")
	[ -n "$why" ] && echo "FAIL: $name: $why"
	grep -q '^FAIL: ' "$out"
	rc=$?
	rm -f "$out"
	[ -z "$why" ] && [ "$rc" -ne 0 ]
}

# edu_opt: "edu_dma_bits=N" when the kernel command line has
# fpgadma.edu_dma_bits=N, else nothing; the guest scripts add it to every
# insmod of fpgadma.ko (busybox insmod does not read the command line).
# scripts/vm-run.sh --arch arm64 sets it: the edu devices there have a
# 32-bit dma_mask, as the virt machine's RAM starts at 1 GiB, out of reach
# of edu's (and edu_dma_bits') default 28 bits.
edu_opt() {
	local w cmdline=
	read -r cmdline < /proc/cmdline
	for w in $cmdline; do
		case $w in
		fpgadma.edu_dma_bits=*) echo "${w#fpgadma.}" ;;
		esac
	done
}
