// SPDX-License-Identifier: GPL-2.0-only
/* Subcommands "stream", "reconfig" and "drops". */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common.h"
#include "tests.h"

struct sctx {
	const char *path;
	const char *dev;	/* sysfs name, e.g. "fpgadma0" */
	int fd;
	uint8_t *ring;
	size_t ring_len;
	struct stream s;
	struct fpgadma_stats st0;
};

static void sctx_init(struct sctx *c, const char *path)
{
	memset(c, 0, sizeof(*c));
	c->path = path;
	c->dev = dev_name_of(path);
	c->fd = -1;
}

/* Open, optionally resize, map the ring and prepare a checked stream. */
static bool sctx_open(struct sctx *c, uint32_t count, uint32_t size)
{
	c->fd = dev_open(c->path, O_RDWR);
	if (c->fd < 0)
		return false;
	if (count && !set_ring(c->fd, count, size))
		return false;
	if (!stream_init(&c->s, c->fd, NULL))
		return false;
	c->ring = map_ring(c->fd, &c->s.info);
	if (!c->ring)
		return false;
	c->ring_len = ring_bytes(&c->s.info);
	c->s.ring = c->ring;
	return set_timeout(c->fd, READ_TIMEOUT_MS) && get_stats(c->fd, &c->st0);
}

static void sctx_close(struct sctx *c)
{
	if (c->ring)
		munmap(c->ring, c->ring_len);
	c->ring = NULL;
	stream_free(&c->s);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

/* Close everything, then put the default ring back. */
static bool restore_defaults(const char *path)
{
	struct fpgadma_info info;
	bool ok;
	int fd = dev_open(path, O_RDWR);

	if (fd < 0)
		return false;
	ok = set_ring(fd, DEFAULT_BUF_COUNT, DEFAULT_BUF_SIZE) &&
	     get_info(fd, &info);
	close(fd);
	if (ok && (info.buf_count != DEFAULT_BUF_COUNT ||
		   info.buf_size != DEFAULT_BUF_SIZE))
		return failf("INFO shows %u x %u after restoring defaults",
			     info.buf_count, info.buf_size);
	return ok;
}

static bool expect_streaming(struct sctx *c, bool on)
{
	struct fpgadma_info info;
	struct fpgadma_stats st;

	if (!wait_sysfs_u64(c->dev, "streaming", on, 1000) ||
	    !get_info(c->fd, &info) || !get_stats(c->fd, &st))
		return false;
	if (!!(info.flags & FPGADMA_INFO_STREAMING) != on)
		return failf("INFO flags 0x%x, streaming expected %d",
			     info.flags, on);
	if (st.streaming != on)
		return failf("GET_STATS streaming %u, expected %d",
			     st.streaming, on);
	return true;
}

/* ---- stream ------------------------------------------------------------- */

static bool st_setup(void *arg)
{
	struct sctx *c = arg;

	return sctx_open(c, 0, 0) && expect_streaming(c, false);
}

static bool st_start(void *arg)
{
	struct sctx *c = arg;

	return stream_start(&c->s) && expect_streaming(c, true);
}

static bool st_single(void *arg)
{
	return stream_run(&((struct sctx *)arg)->s, 60, 1);
}

static bool st_batch(void *arg)
{
	struct sctx *c = arg;
	uint64_t rel0 = c->s.released;

	if (!stream_run(&c->s, 64, 4))
		return false;
	if (c->s.released - rel0 < 64)
		return failf("released only %llu buffers",
			     (unsigned long long)(c->s.released - rel0));
	return true;
}

#define DELTA(f) (st.f - c->st0.f)

static bool st_stats(void *arg)
{
	struct sctx *c = arg;
	struct fpgadma_stats st;
	uint32_t bu = expected_bytes_used(&c->s.info);

	if (!get_stats(c->fd, &st))
		return false;
	if (!(st.completed >= st.dequeued && st.dequeued >= st.released))
		return failf("completed %llu >= dequeued %llu >= released %llu violated",
			     (unsigned long long)st.completed,
			     (unsigned long long)st.dequeued,
			     (unsigned long long)st.released);
	if (DELTA(dequeued) != c->s.records)
		return failf("dequeued grew by %llu, but %llu records were read",
			     (unsigned long long)DELTA(dequeued),
			     (unsigned long long)c->s.records);
	if (DELTA(released) != c->s.released)
		return failf("released grew by %llu, but %llu buffers were released",
			     (unsigned long long)DELTA(released),
			     (unsigned long long)c->s.released);
	if (DELTA(completed) < c->s.records || DELTA(dropped) || DELTA(errors))
		return failf("completed +%llu (records %llu), dropped +%llu, errors +%llu",
			     (unsigned long long)DELTA(completed),
			     (unsigned long long)c->s.records,
			     (unsigned long long)DELTA(dropped),
			     (unsigned long long)DELTA(errors));
	if (DELTA(bytes) < c->s.records * bu || DELTA(irqs) == 0)
		return failf("bytes +%llu (expected >= %llu), irqs +%llu",
			     (unsigned long long)DELTA(bytes),
			     (unsigned long long)(c->s.records * bu),
			     (unsigned long long)DELTA(irqs));
	if (st.user != 0 || st.streaming != 1 ||
	    st.queued + st.done + st.user != c->s.info.buf_count)
		return failf("queued %u + done %u + user %u != buf_count %u, or streaming %u != 1",
			     st.queued, st.done, st.user, c->s.info.buf_count,
			     st.streaming);
	return true;
}

static bool st_stop(void *arg)
{
	struct sctx *c = arg;

	return stream_stop(&c->s) && expect_streaming(c, false);
}

static bool st_sysfs(void *arg)
{
	struct sctx *c = arg;

	return sysfs_matches_stats(c->dev, c->fd);
}

static bool st_epipe(void *arg)
{
	struct sctx *c = arg;
	struct fpgadma_record r;

	return EXPECT_ERRNO(read(c->fd, &r, sizeof(r)), EPIPE,
			    "read() by the owner after STOP");
}

static bool st_restart(void *arg)
{
	struct sctx *c = arg;

	/* stream_start() resets the state: first record must have seq 0. */
	return stream_start(&c->s) && stream_run(&c->s, 5, 1) &&
	       stream_stop(&c->s);
}

static bool st_teardown(void *arg)
{
	sctx_close(arg);
	return true;
}

int cmd_stream(const char *path)
{
	static const struct step steps[] = {
		{ "stream.setup", 10, st_setup, true, false },
		{ "stream.start", 10, st_start, true, false },
		{ "stream.records-single-release", 60, st_single, true, false },
		{ "stream.records-batch-release", 60, st_batch, true, false },
		{ "stream.stats-consistent", 10, st_stats, false, false },
		{ "stream.stop", 10, st_stop, true, false },
		{ "stream.sysfs-counters-match", 20, st_sysfs, false, false },
		{ "stream.read-after-stop-epipe", 10, st_epipe, false, false },
		{ "stream.restart-sequence-zero", 20, st_restart, false, false },
		{ "stream.teardown", 10, st_teardown, false, true },
	};
	struct sctx c;

	sctx_init(&c, path);
	RUN_STEPS(steps, &c);
	return test_failures();
}

/* ---- reconfig ----------------------------------------------------------- */

struct rctx {
	const char *path;
	int fd;
	struct fpgadma_info info;	/* config the bad values must not change */
};

static bool info_is(int fd, uint32_t count, uint32_t size)
{
	struct fpgadma_info info;

	if (!get_info(fd, &info))
		return false;
	if (info.buf_count != count || info.buf_size != size)
		return failf("INFO shows %u x %u, expected %u x %u",
			     info.buf_count, info.buf_size, count, size);
	return true;
}

static bool rc_open(void *arg)
{
	struct rctx *c = arg;

	c->fd = dev_open(c->path, O_RDWR);
	return c->fd >= 0 && get_info(c->fd, &c->info);
}

/* Resize, check INFO + sysfs, then stream a few records on the new ring. */
static bool resize_and_stream(struct rctx *c, uint32_t count, uint32_t size)
{
	const char *dev = dev_name_of(c->path);
	uint64_t v1, v2;

	if (!set_ring(c->fd, count, size) || !info_is(c->fd, count, size) ||
	    !sysfs_u64(dev, "buf_count", &v1) || !sysfs_u64(dev, "buf_size", &v2))
		return false;
	if (v1 != count || v2 != size)
		return failf("sysfs shows %llu x %llu after SET_RING %u x %u",
			     (unsigned long long)v1, (unsigned long long)v2,
			     count, size);
	return get_info(c->fd, &c->info) &&
	       short_stream_check(c->path, count < 8 ? 2 * count : 10);
}

static bool rc_4x2pages(void *arg)
{
	return resize_and_stream(arg, 4, 2 * page_bytes());
}

static bool rc_32x1page(void *arg)
{
	return resize_and_stream(arg, 32, page_bytes());
}

struct bad_ring {
	const char *name;
	uint32_t count, size, flags, reserved;
};

static bool try_bad_ring(struct rctx *c, const struct bad_ring *b)
{
	long r = ioc_set_ring(c->fd, b->count, b->size, b->flags, b->reserved);
	int e = errno;
	char what[128];

	snprintf(what, sizeof(what),
		 "SET_RING count %#x size %#x flags %#x reserved %#x",
		 b->count, b->size, b->flags, b->reserved);
	return expect_errno(r, e, EINVAL, what) &&
	       info_is(c->fd, c->info.buf_count, c->info.buf_size);
}

/* Smallest count with count * max_buf_size >= 2^32 (wraps 32-bit). */
static struct bad_ring wrap_in_limits(const struct fpgadma_info *in)
{
	struct bad_ring b = { "bad.wrap32-in-limits", 0x10000, 0x10000, 0, 0 };
	uint64_t count;

	if (!in->max_buf_size)
		return b;
	count = ((1ull << 32) + in->max_buf_size - 1) / in->max_buf_size;
	if (count <= in->max_buf_count) {
		b.count = (uint32_t)count;
		b.size = in->max_buf_size;
	}
	return b;
}

/* A ring over max_ring_size with count and size each within limits. */
static struct bad_ring over_ring_limit(const struct fpgadma_info *in)
{
	struct bad_ring b = { "bad.ring-over-max", in->max_buf_count + 1,
			      in->max_buf_size, 0, 0 };
	uint64_t count;

	if (!in->max_buf_size)
		return b;
	count = in->max_ring_size / in->max_buf_size + 1;
	if (count <= in->max_buf_count)
		b.count = (uint32_t)count;
	return b;
}

struct bad_arg {
	struct rctx *c;
	const struct bad_ring *b;
};

static bool rc_bad_one(void *arg)
{
	struct bad_arg *a = arg;

	return try_bad_ring(a->c, a->b);
}

static void rc_bad_values(struct rctx *c, bool run)
{
	const struct fpgadma_info *in = &c->info;
	uint32_t pg = in->page_size;
	const struct bad_ring cases[] = {
		{ "bad.count-zero", 0, pg, 0, 0 },
		{ "bad.count-over-max", in->max_buf_count + 1, pg, 0, 0 },
		{ "bad.size-zero", 1, 0, 0, 0 },
		{ "bad.size-not-page-multiple", 1, pg + 512, 0, 0 },
		{ "bad.size-below-page", 1, 512, 0, 0 },
		{ "bad.size-over-max", 1, in->max_buf_size + pg, 0, 0 },
		over_ring_limit(in),
		wrap_in_limits(in),
		{ "bad.wrap32-64k-x-64k", 0x10000, 0x10000, 0, 0 },
		{ "bad.wrap32-to-one-page", 0x100001, 0x1000, 0, 0 },
		{ "bad.wrap32-max", 0xffffffff, 0xfffff000, 0, 0 },
		{ "bad.flags-both-kinds", 8, pg, FPGADMA_RING_MEM_MASK, 0 },
		{ "bad.flags-unknown-bit", 8, pg, 1U << 2, 0 },
		{ "bad.flags-high-bit", 8, pg, 0x80000000, 0 },
		{ "bad.reserved-nonzero", 8, pg, 0, 1 },
	};
	char name[96];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bad_arg a = { c, &cases[i] };

		snprintf(name, sizeof(name), "reconfig.%s", cases[i].name);
		if (run)
			run_test(name, 10, rc_bad_one, &a);
		else
			report_not_run(name, "reconfig.32x1page");
	}
}

static bool rc_survives(void *arg)
{
	struct rctx *c = arg;

	return info_is(c->fd, c->info.buf_count, c->info.buf_size) &&
	       short_stream_check(c->path, 5);
}

static bool rc_busy_streaming(void *arg)
{
	struct rctx *c = arg;
	bool ok;
	int fd2;

	/* No mapping exists here, so EBUSY can only come from streaming. */
	if (!EXPECT_OK(ioctl(c->fd, FPGADMA_IOC_START), "START without a mapping"))
		return false;
	fd2 = dev_open(c->path, O_RDWR);
	ok = fd2 >= 0 &&
	     EXPECT_ERRNO(ioc_set_ring(c->fd, 8, c->info.page_size, 0, 0),
			  EBUSY, "SET_RING by the streaming owner") &&
	     EXPECT_ERRNO(ioc_set_ring(fd2, 8, c->info.page_size, 0, 0),
			  EBUSY, "SET_RING by another file while streaming");
	if (fd2 >= 0)
		close(fd2);
	ok &= EXPECT_OK(ioctl(c->fd, FPGADMA_IOC_STOP), "STOP");
	return ok && info_is(c->fd, c->info.buf_count, c->info.buf_size);
}

/* SET_RING from c->fd must fail EBUSY while `map` exists. */
static bool busy_while_mapped(struct rctx *c, void *map, size_t len,
			      const char *what)
{
	bool ok;

	if (map == MAP_FAILED)
		return failf("mmap for %s: %s", what, strerror(errno));
	ok = EXPECT_ERRNO(ioc_set_ring(c->fd, 8, c->info.page_size, 0, 0),
			  EBUSY, what);
	munmap(map, len);
	return ok && info_is(c->fd, c->info.buf_count, c->info.buf_size);
}

static bool rc_busy_mapped(void *arg)
{
	struct rctx *c = arg;
	size_t len = ring_bytes(&c->info);
	void *map;
	int fd2;

	map = mmap(NULL, len, PROT_READ, MAP_SHARED, c->fd, 0);
	if (!busy_while_mapped(c, map, len, "SET_RING while this file maps the ring"))
		return false;
	fd2 = dev_open(c->path, O_RDWR);
	if (fd2 < 0)
		return false;
	map = mmap(NULL, len, PROT_READ, MAP_SHARED, fd2, 0);
	if (!busy_while_mapped(c, map, len, "SET_RING while another file maps the ring")) {
		close(fd2);
		return false;
	}
	map = mmap(NULL, c->info.page_size, PROT_READ, MAP_SHARED, fd2,
		   c->info.page_size);
	close(fd2);	/* the mapping outlives the file */
	return busy_while_mapped(c, map, c->info.page_size,
				 "SET_RING while a closed file's mapping of one page exists");
}

static bool rc_unmapped_ok(void *arg)
{
	struct rctx *c = arg;

	return set_ring(c->fd, 8, c->info.page_size) &&
	       info_is(c->fd, 8, c->info.page_size);
}

static bool rc_restore(void *arg)
{
	struct rctx *c = arg;

	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	return restore_defaults(c->path) && short_stream_check(c->path, 3);
}

int cmd_reconfig(const char *path)
{
	static const struct step pre[] = {
		{ "reconfig.open", 10, rc_open, true, false },
		{ "reconfig.4x2pages", 30, rc_4x2pages, true, false },
		{ "reconfig.32x1page", 30, rc_32x1page, true, false },
	};
	static const struct step post[] = {
		{ "reconfig.old-config-survives", 30, rc_survives, false, false },
		{ "reconfig.busy-while-streaming", 10, rc_busy_streaming, false, false },
		{ "reconfig.busy-while-mapped", 10, rc_busy_mapped, false, false },
		{ "reconfig.ok-after-unmap", 10, rc_unmapped_ok, false, false },
		{ "reconfig.restore-defaults", 30, rc_restore, false, true },
	};
	struct rctx c = { .path = path, .fd = -1 };
	bool ok = RUN_STEPS(pre, &c);
	size_t i;

	rc_bad_values(&c, ok);
	for (i = 0; i < sizeof(post) / sizeof(post[0]); i++) {
		if (ok || post[i].cleanup)
			run_test(post[i].name, post[i].budget_s, post[i].fn, &c);
		else
			report_not_run(post[i].name, "reconfig.32x1page");
	}
	return test_failures();
}

/* ---- drops -------------------------------------------------------------- */

#define DROP_RING	4
#define DROP_CANARY	0xEE
#define DROP_SLEEP_MS	1500

static bool dr_setup(void *arg)
{
	struct sctx *c = arg;

	if (!sctx_open(c, DROP_RING, (uint32_t)sysconf(_SC_PAGESIZE)))
		return false;
	c->s.allow_lost = true;
	return stream_start(&c->s);
}

static bool dr_hold(void *arg)
{
	struct sctx *c = arg;
	uint32_t i;

	if (!stream_hold_all(&c->s))
		return false;
	for (i = 0; i < c->s.info.buf_count; i++)
		memset(c->ring + (size_t)i * c->s.info.buf_size, DROP_CANARY,
		       c->s.info.buf_size);
	return true;
}

static bool dr_canary(void *arg)
{
	struct sctx *c = arg;
	struct fpgadma_stats st;
	char what[64];
	uint32_t i;

	sleep_ms(DROP_SLEEP_MS);
	for (i = 0; i < c->s.info.buf_count; i++) {
		snprintf(what, sizeof(what), "held buffer %u canary", i);
		if (!check_fill(c->ring + (size_t)i * c->s.info.buf_size,
				c->s.info.buf_size, DROP_CANARY, what))
			return false;
	}
	if (!get_stats(c->fd, &st))
		return false;
	if (st.user != DROP_RING || st.queued || st.done)
		return failf("stats user %u queued %u done %u, expected %u/0/0",
			     st.user, st.queued, st.done, DROP_RING);
	if (DELTA(dropped) < 5 || DELTA(dropped) <= c->s.lost_sum)
		return failf("stats dropped grew by only %llu in %d ms with every buffer held",
			     (unsigned long long)DELTA(dropped), DROP_SLEEP_MS);
	return true;
}

/*
 * Release everything and read exactly one record. Right after it, the other
 * DROP_RING - 1 buffers are owned by the device, so no drop can happen until
 * they are all filled (>= 300 ms): the stats delta must equal the sum of
 * lost_before seen, exactly.
 */
static bool dr_lost_before(void *arg)
{
	struct sctx *c = arg;
	struct fpgadma_record r;
	struct fpgadma_stats st;
	uint64_t t0 = now_ns(), elapsed_ms;
	size_t n;

	if (!stream_release_all(&c->s, false) || !stream_read(&c->s, &r, 1, &n) ||
	    !get_stats(c->fd, &st))
		return false;
	elapsed_ms = (now_ns() - t0) / 1000000 + DROP_SLEEP_MS;
	if (r.lost_before == 0)
		return failf("first record after the hold has lost_before 0");
	if (r.lost_before > elapsed_ms / 100 * 3 + 10)
		return failf("lost_before %u implausible for ~%llu ms",
			     r.lost_before, (unsigned long long)elapsed_ms);
	if (DELTA(dropped) != c->s.lost_sum)
		return failf("stats dropped grew by %llu, sum of lost_before is %llu",
			     (unsigned long long)DELTA(dropped),
			     (unsigned long long)c->s.lost_sum);
	return stream_release_all(&c->s, true);
}

static bool dr_steady(void *arg)
{
	struct sctx *c = arg;
	uint64_t lost0 = c->s.lost_sum;
	struct fpgadma_stats st;

	if (!stream_run(&c->s, 10, 1) || !get_stats(c->fd, &st))
		return false;
	if (c->s.lost_sum != lost0)
		return failf("%llu buffers lost although released promptly",
			     (unsigned long long)(c->s.lost_sum - lost0));
	if (DELTA(dropped) != c->s.lost_sum)
		return failf("stats dropped grew by %llu, sum of lost_before is %llu",
			     (unsigned long long)DELTA(dropped),
			     (unsigned long long)c->s.lost_sum);
	return true;
}

static bool dr_teardown(void *arg)
{
	struct sctx *c = arg;
	bool ok = c->fd < 0 || EXPECT_OK(ioctl(c->fd, FPGADMA_IOC_STOP), "STOP");

	sctx_close(c);
	return restore_defaults(c->path) && ok;
}

int cmd_drops(const char *path)
{
	static const struct step steps[] = {
		{ "drops.setup", 10, dr_setup, true, false },
		{ "drops.hold-all", 20, dr_hold, true, false },
		{ "drops.held-buffers-untouched", 20, dr_canary, true, false },
		{ "drops.lost-before-and-stats", 10, dr_lost_before, true, false },
		{ "drops.no-loss-when-prompt", 20, dr_steady, false, false },
		{ "drops.teardown-restore", 20, dr_teardown, false, true },
	};
	struct sctx c;

	sctx_init(&c, path);
	RUN_STEPS(steps, &c);
	return test_failures();
}
