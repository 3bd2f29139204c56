// SPDX-License-Identifier: GPL-2.0-only
/*
 * enomem: a ring larger than the machine's DMA-able memory. Run with the
 * module loaded with a raised max_ring_mb, so that the request passes the
 * limits and fails in the allocator: it must fail with ENOMEM, leave the
 * previous ring in place, and streaming must still work.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "common.h"
#include "tests.h"

static bool t_enomem_keeps_ring(void *arg)
{
	const char *path = arg;
	struct fpgadma_info before, after;
	uint32_t count;
	bool ok = false;
	int fd = dev_open(path, O_RDWR);

	if (fd < 0)
		return false;
	if (!get_info(fd, &before))
		goto out;
	count = (uint32_t)(before.max_ring_size / before.max_buf_size);
	if (count > before.max_buf_count)
		count = before.max_buf_count;
	if ((uint64_t)count * before.max_buf_size < (1ULL << 30)) {
		failf("limits too small to exhaust memory (%u x %u); load the module with max_ring_mb=2048",
		      count, before.max_buf_size);
		goto out;
	}
	if (!EXPECT_ERRNO(ioc_set_ring(fd, count, before.max_buf_size, 0, 0),
			  ENOMEM, "SET_RING beyond memory"))
		goto out;
	if (!get_info(fd, &after))
		goto out;
	if (after.buf_count != before.buf_count ||
	    after.buf_size != before.buf_size) {
		failf("ring changed to %u x %u after a failed SET_RING",
		      after.buf_count, after.buf_size);
		goto out;
	}
	ok = true;
out:
	close(fd);
	return ok;
}

static bool t_stream_after_enomem(void *arg)
{
	return short_stream_check(arg, 10);
}

int cmd_enomem(const char *dev)
{
	static const struct step steps[] = {
		{ "enomem.keeps-old-ring", 120, t_enomem_keeps_ring, true, false },
		{ "enomem.streams-after", 30, t_stream_after_enomem, false, false },
	};

	RUN_STEPS(steps, (void *)dev);
	return test_failures();
}
