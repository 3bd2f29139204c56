// SPDX-License-Identifier: GPL-2.0-only
/*
 * memory: the two kinds of ring memory (FPGADMA_RING_MEM_*). For each kind:
 * SET_RING asks for it, INFO and sysfs report it, one mmap() spans every
 * buffer and another starts in the middle of one buffer and ends in the
 * next, a checked stream goes through both the mapping and copy mode, and
 * what the mapping holds reaches other processes' system calls correctly
 * (write() from it; process_vm_readv(), which must pin the pages, gets
 * either the same bytes or EFAULT, never other bytes). Then AUTO follows
 * the module parameter, and bad flags are refused with the ring intact.
 * Any device: edu's pattern, or the software model's (the ARM lanes run it
 * on the model's device-tree node too).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common.h"
#include "tests.h"

#define MEM_COUNT	8
#define MEM_SIZE	65536U

struct memctx {
	const char *path;
	int fd;
};

static const char *kind_name(uint32_t kind)
{
	return kind == FPGADMA_RING_MEM_CACHED ? "cached" :
	       kind == FPGADMA_RING_MEM_COHERENT ? "coherent" : "auto";
}

static bool info_kind(int fd, const char *dev, uint32_t want)
{
	struct fpgadma_info info;
	char attr[32];
	uint32_t got;

	if (!get_info(fd, &info) || !sysfs_read(dev, "memory", attr, sizeof(attr)))
		return false;
	if (!(info.caps & FPGADMA_CAP_MEMORY))
		return failf("INFO caps 0x%x lack FPGADMA_CAP_MEMORY", info.caps);
	got = (info.flags & FPGADMA_INFO_CACHED) ? FPGADMA_RING_MEM_CACHED :
						 FPGADMA_RING_MEM_COHERENT;
	if (got != want)
		return failf("INFO says %s memory, asked for %s", kind_name(got),
			     kind_name(want));
	if (strcmp(attr, kind_name(want)))
		return failf("sysfs memory is '%s', INFO says %s", attr,
			     kind_name(want));
	return true;
}

/* Both mappings and the data the stream puts there, for one kind. */
static bool stream_kind(struct memctx *c, uint32_t kind)
{
	const char *dev = dev_name_of(c->path);
	size_t half = MEM_SIZE / 2;
	struct stream s;
	uint8_t *ring, *mid;
	bool ok;

	if (!EXPECT_OK(ioc_set_ring(c->fd, MEM_COUNT, MEM_SIZE, kind, 0),
		       "SET_RING with a memory kind") ||
	    !info_kind(c->fd, dev, kind) || !stream_init(&s, c->fd, NULL))
		return false;
	ring = map_ring(c->fd, &s.info);
	if (!ring) {
		stream_free(&s);
		return false;
	}
	/* From the middle of buffer 1 to the middle of buffer 2. */
	mid = mmap(NULL, MEM_SIZE, PROT_READ, MAP_SHARED, c->fd, MEM_SIZE + half);
	if (mid == MAP_FAILED) {
		munmap(ring, ring_bytes(&s.info));
		stream_free(&s);
		return failf("mmap of %u bytes at offset %zu (across two buffers): %s",
			     MEM_SIZE, MEM_SIZE + half, strerror(errno));
	}
	s.ring = ring;
	ok = stream_start(&s) && stream_run(&s, 3 * MEM_COUNT, MEM_COUNT / 2);
	/* Everything released: both views of buffers 1 and 2 agree. */
	if (ok && memcmp(mid, ring + MEM_SIZE + half, MEM_SIZE))
		ok = failf("the mapping across buffers 1 and 2 differs from the whole-ring one");
	ok = stream_stop(&s) && ok;
	munmap(mid, MEM_SIZE);
	munmap(ring, ring_bytes(&s.info));
	stream_free(&s);
	return ok;
}

static bool m_open(void *arg)
{
	struct memctx *c = arg;

	c->fd = dev_open(c->path, O_RDWR);
	return c->fd >= 0 && set_timeout(c->fd, READ_TIMEOUT_MS);
}

static bool m_coherent(void *arg)
{
	return stream_kind(arg, FPGADMA_RING_MEM_COHERENT);
}

static bool m_cached(void *arg)
{
	return stream_kind(arg, FPGADMA_RING_MEM_CACHED);
}

/* Copy mode reads the same pattern from cached memory. */
static bool m_cached_copy(void *arg)
{
	struct memctx *c = arg;
	struct fpgadma_info info;
	uint32_t period;
	uint8_t *buf;
	size_t len;
	ssize_t n;
	bool ok;
	int fd;

	if (!EXPECT_OK(ioc_set_ring(c->fd, MEM_COUNT, MEM_SIZE,
				    FPGADMA_RING_MEM_CACHED, 0),
		       "SET_RING cached") || !get_info(c->fd, &info))
		return false;
	/* Three buffers' worth, and a part of a fourth. */
	period = expected_bytes_used(&info);
	len = 3 * (size_t)period + period / 2;
	fd = dev_open(c->path, O_RDONLY);
	buf = malloc(len);
	if (fd < 0 || !buf || !set_timeout(fd, READ_TIMEOUT_MS)) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return failf("setup: %s", strerror(errno));
	}
	n = read(fd, buf, len);
	if (n != (ssize_t)len)
		ok = failf("copy-mode read of %zu bytes returned %zd (%s)", len,
			   n, strerror(errno));
	else if (is_model(&info))
		ok = check_model_stream(buf, len, period);
	else
		ok = check_stream_pattern(buf, len, 0, period);
	close(fd);
	free(buf);
	return ok;
}

/*
 * Other system calls reading the mapping: write() copies from it; a
 * pinning read (process_vm_readv() of our own pages) either gets the
 * same bytes or EFAULT (VM_PFNMAP pages cannot be pinned).
 */
static bool m_syscalls(void *arg)
{
	struct memctx *c = arg;
	struct fpgadma_info info;
	struct iovec local, remote;
	uint8_t *ring, *copy;
	int pfd[2];
	ssize_t n;
	bool ok = true;

	if (!set_ring(c->fd, MEM_COUNT, MEM_SIZE) || !get_info(c->fd, &info))
		return false;
	ring = map_ring(c->fd, &info);
	copy = malloc(MEM_SIZE);
	if (!ring || !copy || pipe(pfd)) {
		free(copy);
		return failf("setup: %s", strerror(errno));
	}
	memset(ring + MEM_SIZE - 4096, 0x5a, 8192);	/* end of 0, start of 1 */
	if (write(pfd[1], ring + MEM_SIZE - 4096, 8192) != 8192 ||
	    read(pfd[0], copy, 8192) != 8192)
		ok = failf("write() from the mapping into a pipe: %s", strerror(errno));
	else if (!check_fill(copy, 8192, 0x5a, "bytes written from the mapping"))
		ok = false;

	memset(copy, 0, 8192);
	local = (struct iovec){ .iov_base = copy, .iov_len = 8192 };
	remote = (struct iovec){ .iov_base = ring + MEM_SIZE - 4096, .iov_len = 8192 };
	n = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
	if (n < 0 && errno == ENOSYS) {
		/* A kernel without CROSS_MEMORY_ATTACH (the debug kernel). */
		printf("# process_vm_readv: not in this kernel\n");
		n = -2;
	} else if (ok && n < 0 && errno != EFAULT)
		ok = failf("process_vm_readv of the mapping: %s, expected EFAULT or the bytes",
			   strerror(errno));
	else if (ok && n >= 0 && n != 8192)
		ok = failf("process_vm_readv of the mapping returned %zd of 8192", n);
	else if (ok && n == 8192)
		ok = check_fill(copy, 8192, 0x5a, "bytes process_vm_readv got");
	if (ok && n != -2)
		printf("# process_vm_readv of a %s mapping: %s\n",
		       (info.flags & FPGADMA_INFO_CACHED) ? "cached" : "coherent",
		       n < 0 ? "EFAULT (not pinnable)" : "the same bytes (pinned)");
	close(pfd[0]);
	close(pfd[1]);
	free(copy);
	munmap(ring, ring_bytes(&info));
	return ok;
}

/* AUTO: what the module parameter asks, or (auto) either kind. */
static bool m_auto(void *arg)
{
	struct memctx *c = arg;
	const char *dev = dev_name_of(c->path);
	struct fpgadma_info info;
	char param[32];
	FILE *f;

	f = fopen("/sys/module/fpgadma/parameters/memory", "r");
	if (!f || !fgets(param, sizeof(param), f)) {
		if (f)
			fclose(f);
		return failf("cannot read /sys/module/fpgadma/parameters/memory");
	}
	fclose(f);
	param[strcspn(param, "\n")] = '\0';
	if (!EXPECT_OK(ioc_set_ring(c->fd, MEM_COUNT, MEM_SIZE,
				    FPGADMA_RING_MEM_AUTO, 0),
		       "SET_RING auto") || !get_info(c->fd, &info))
		return false;
	if (!strcmp(param, "cached"))
		return info_kind(c->fd, dev, FPGADMA_RING_MEM_CACHED);
	if (!strcmp(param, "coherent"))
		return info_kind(c->fd, dev, FPGADMA_RING_MEM_COHERENT);
	if (strcmp(param, "auto"))
		return failf("parameter memory is '%s'", param);
	return info_kind(c->fd, dev, (info.flags & FPGADMA_INFO_CACHED) ?
				     FPGADMA_RING_MEM_CACHED :
				     FPGADMA_RING_MEM_COHERENT);
}

static bool m_bad_flags(void *arg)
{
	static const uint32_t bad[] = {
		FPGADMA_RING_MEM_MASK, 1U << 2, 1U << 31,
		FPGADMA_RING_MEM_CACHED | (1U << 8),
	};
	struct memctx *c = arg;
	struct fpgadma_info before, after;
	size_t i;

	if (!get_info(c->fd, &before))
		return false;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char what[64];

		snprintf(what, sizeof(what), "SET_RING flags 0x%x", bad[i]);
		if (!EXPECT_ERRNO(ioc_set_ring(c->fd, 4, MEM_SIZE, bad[i], 0),
				  EINVAL, what))
			return false;
	}
	if (!get_info(c->fd, &after))
		return false;
	if (after.buf_count != before.buf_count ||
	    after.buf_size != before.buf_size ||
	    (after.flags & FPGADMA_INFO_CACHED) != (before.flags & FPGADMA_INFO_CACHED))
		return failf("the ring changed after refused SET_RINGs");
	return true;
}

static bool m_restore(void *arg)
{
	struct memctx *c = arg;
	bool ok = c->fd < 0 ||
		  set_ring(c->fd, DEFAULT_BUF_COUNT, DEFAULT_BUF_SIZE);

	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	return ok;
}

int cmd_memory(const char *dev)
{
	static const struct step steps[] = {
		{ "memory.open", 10, m_open, true, false },
		{ "memory.coherent-stream", 60, m_coherent, false, false },
		{ "memory.cached-stream", 60, m_cached, false, false },
		{ "memory.cached-copy-mode", 60, m_cached_copy, false, false },
		{ "memory.mapping-in-syscalls", 30, m_syscalls, false, false },
		{ "memory.auto-follows-param", 30, m_auto, false, false },
		{ "memory.bad-flags", 10, m_bad_flags, false, false },
		{ "memory.restore-defaults", 30, m_restore, false, true },
	};
	struct memctx c = { .path = dev, .fd = -1 };

	RUN_STEPS(steps, &c);
	return test_failures();
}
