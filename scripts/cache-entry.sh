# SPDX-License-Identifier: GPL-2.0-only
# Sourced by the scripts that build something once into a cache entry
# (debug-kernel.sh, cross-kernel.sh). The caller sets $dir (the entry) and
# defines log(); these set $tmp and $blog.
#   entry_lock    one builder per entry at a time (flock on $dir.lock)
#   entry_begin   a fresh $dir.tmp ($tmp) with its build log $blog; if the
#                 script then exits before entry_commit, the log is kept as
#                 $dir.failed.log and $tmp is removed
#   entry_commit  $tmp becomes $dir
# shellcheck disable=SC2154 # dir is the caller's

entry_lock() {
	mkdir -p "$(dirname -- "$dir")"
	exec 9> "$dir.lock"
	if ! flock -n 9; then
		log "waiting for another build of $dir"
		flock 9
	fi
}

entry_begin() {
	tmp=$dir.tmp
	rm -rf "$tmp"
	mkdir -p "$tmp"
	blog=$tmp/build.log
	trap 'cp -f "$blog" "$dir.failed.log" 2> /dev/null &&
		log "build log: $dir.failed.log"; rm -rf "$tmp"' EXIT
}

entry_commit() {
	rm -rf "$dir" "$dir.failed.log"
	trap - EXIT
	mv "$tmp" "$dir"
}
