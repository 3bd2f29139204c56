// SPDX-License-Identifier: GPL-2.0-only
/* Subcommand "badinput": bad ioctls, pointers, mmap ranges and releases. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common.h"
#include "tests.h"

struct bctx {
	const char *path;
	int fd;
	struct fpgadma_info info;
	struct stream s;
	uint32_t a, b;		/* two buffers held by the test */
	uint8_t scratch[4096];	/* harmless target for foreign ioctls */
};

static bool bi_setup(void *arg)
{
	struct bctx *c = arg;

	c->fd = dev_open(c->path, O_RDWR);
	return c->fd >= 0 && get_info(c->fd, &c->info) &&
	       stream_init(&c->s, c->fd, NULL) &&
	       set_timeout(c->fd, READ_TIMEOUT_MS);
}

/* ---- ioctl numbers and pointers ----------------------------------------- */

/* Only its size matters: a known ioctl number with the wrong size. */
struct wrong_size { char b[sizeof(struct fpgadma_info) + 8]; }; // cppcheck-suppress unusedStructMember

static bool bi_enotty(void *arg)
{
	struct bctx *c = arg;
	const struct { unsigned long cmd; const char *what; } cmds[] = {
		{ _IO(FPGADMA_IOC_MAGIC, 0x7f), "_IO(0xBF, 0x7f)" },
		{ _IO(FPGADMA_IOC_MAGIC, 0x07), "_IO(0xBF, 0x07) (next unused)" },
		{ _IOWR(FPGADMA_IOC_MAGIC, 0x00, struct wrong_size),
		  "INFO number with a larger size" },
		{ _IOR(FPGADMA_IOC_MAGIC, 0x00, __u32),
		  "INFO number with a smaller size" },
		{ _IOW(FPGADMA_IOC_MAGIC, 0x00, struct fpgadma_info),
		  "INFO number with the wrong direction" },
		{ _IOR(FPGADMA_IOC_MAGIC, 0x02, int), "START number with a size" },
		{ _IOR(FPGADMA_IOC_MAGIC, 0x05, struct fpgadma_info),
		  "GET_STATS number with the INFO size" },
		{ _IOR('V', 0x00, struct wrong_size), "foreign magic 'V'" },
		{ 0x5401, "TCGETS" },
	};
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		memset(c->scratch, 0, sizeof(c->scratch));
		if (!EXPECT_ERRNO(ioctl(c->fd, cmds[i].cmd, c->scratch), ENOTTY,
				  cmds[i].what))
			return false;
	}
	return true;
}

static bool bi_efault(void *arg)
{
	struct bctx *c = arg;
	void *bad = guard_page();

	return EXPECT_ERRNO(ioctl(c->fd, FPGADMA_IOC_INFO, NULL), EFAULT,
			    "INFO to NULL") &&
	       EXPECT_ERRNO(ioctl(c->fd, FPGADMA_IOC_INFO, bad), EFAULT,
			    "INFO to a PROT_NONE page") &&
	       EXPECT_ERRNO(ioctl(c->fd, FPGADMA_IOC_GET_STATS, bad), EFAULT,
			    "GET_STATS to a PROT_NONE page") &&
	       EXPECT_ERRNO(ioctl(c->fd, FPGADMA_IOC_SET_RING, bad), EFAULT,
			    "SET_RING from a PROT_NONE page") &&
	       EXPECT_ERRNO(ioctl(c->fd, FPGADMA_IOC_SET_TIMEOUT, bad), EFAULT,
			    "SET_TIMEOUT from a PROT_NONE page") &&
	       EXPECT_ERRNO(ioctl(c->fd, FPGADMA_IOC_RELEASE, bad), EFAULT,
			    "RELEASE from a PROT_NONE page");
}

static bool bi_timeout_reserved(void *arg)
{
	struct bctx *c = arg;
	struct fpgadma_timeout t = { .timeout_ms = 100, .reserved = 1 };

	return EXPECT_ERRNO(ioctl(c->fd, FPGADMA_IOC_SET_TIMEOUT, &t), EINVAL,
			    "SET_TIMEOUT with reserved = 1");
}

/* ---- mmap --------------------------------------------------------------- */

static bool bad_map(struct bctx *c, size_t len, off_t off, int flags,
		    const int *allowed, size_t n, const char *what)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, c->fd, off);
	int e = errno;

	if (p != MAP_FAILED) {
		munmap(p, len);
		return failf("%s: mmap succeeded", what);
	}
	return expect_errno_in(-1, e, allowed, n, what);
}

static bool bi_mmap_private(void *arg)
{
	static const int einval[] = { EINVAL };
	struct bctx *c = arg;

	return bad_map(c, ring_bytes(&c->info), 0, MAP_PRIVATE, einval, 1,
		       "MAP_PRIVATE mapping");
}

static bool bi_mmap_ranges(void *arg)
{
	static const int range_errs[] = { EINVAL, ENXIO, EOVERFLOW };
	struct bctx *c = arg;
	size_t ring = ring_bytes(&c->info), pg = c->info.page_size;
	const struct { size_t len; off_t off; const char *what; } cases[] = {
		{ ring + pg, 0, "length one page beyond the ring" },
		{ pg, (off_t)ring, "offset at the end of the ring" },
		{ 2 * pg, (off_t)(ring - pg), "offset + length beyond the ring" },
		{ pg, (off_t)0xfffffffffffff000ull, "offset 0xfffffffffffff000" },
		{ pg, (off_t)0x7ffffffffffff000ull, "offset 0x7ffffffffffff000" },
		{ 2 * ring, 0, "twice the ring length" },
	};
	uint64_t ctrl = FPGADMA_MMAP_CTRL_BASE;
	struct fpgadma_shm_info si;
	size_t i;

	/* With shared rings the first control area is there: map past it. */
	if ((c->info.caps & FPGADMA_CAP_SHARED) &&
	    ioctl(c->fd, FPGADMA_IOC_SHM_INFO, &si) == 0)
		ctrl = si.mmap_offset + si.mmap_size;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (!bad_map(c, cases[i].len, cases[i].off, MAP_SHARED,
			     range_errs, 3, cases[i].what))
			return false;
	/* Beyond the control areas; a 32-bit off_t cannot express it. */
	return sizeof(off_t) < 8 ||
	       bad_map(c, pg, (off_t)ctrl, MAP_SHARED, range_errs, 3,
		       "the reserved control-area offset");
}

/* The old SET_RING number checks its reserved fields like the new one. */
static bool bi_set_ring_v1_reserved(void *arg)
{
	struct bctx *c = arg;
	struct fpgadma_ring_config r = { .buf_count = c->info.buf_count,
					 .buf_size = c->info.buf_size,
					 .reserved = 1 };
	struct fpgadma_ring_config f = { .buf_count = c->info.buf_count,
					 .buf_size = c->info.buf_size,
					 .flags = 1U << 2 };

	return EXPECT_ERRNO(ioctl(c->fd, FPGADMA_IOC_SET_RING_V1, &r), EINVAL,
			    "SET_RING_V1 reserved = 1") &&
	       EXPECT_ERRNO(ioctl(c->fd, FPGADMA_IOC_SET_RING_V1, &f), EINVAL,
			    "SET_RING_V1 with an unknown flag");
}

static bool bi_mremap_grow(void *arg)
{
	struct bctx *c = arg;
	size_t ring = ring_bytes(&c->info), pg = c->info.page_size;
	uint8_t *p = mmap(NULL, ring, PROT_READ, MAP_SHARED, c->fd, 0);
	void *q;
	bool ok = true;

	if (p == MAP_FAILED)
		return failf("mmap of the ring: %s", strerror(errno));
	q = mremap(p, ring, ring + pg, MREMAP_MAYMOVE);
	if (q != MAP_FAILED) {
		p = q;
		ok = failf("mremap growing the mapping (MAYMOVE) succeeded");
	} else {
		q = mremap(p, ring, ring + pg, 0);
		if (q != MAP_FAILED)
			ok = failf("mremap growing the mapping in place succeeded");
	}
	munmap(p, ok ? ring : ring + pg);
	return ok;
}

/* Map only buffer 1 and check the data a record for it announces. */
static bool bi_mmap_subrange(void *arg)
{
	struct bctx *c = arg;
	size_t bs = c->info.buf_size;
	struct fpgadma_record r = { 0 };
	uint8_t *p;
	size_t n, tries;
	bool ok = false;

	if (c->info.buf_count < 2)
		return failf("ring has only %u buffer(s)", c->info.buf_count);
	p = mmap(NULL, bs, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, (off_t)bs);
	if (p == MAP_FAILED)
		return failf("mmap of buffer 1 only: %s", strerror(errno));
	if (!stream_start(&c->s))
		goto out;
	for (tries = 0; tries < 3 * (size_t)c->info.buf_count; tries++) {
		if (!stream_read(&c->s, &r, 1, &n))
			goto out_stop;
		if (r.index == 1)
			break;
		if (!stream_release(&c->s, &r.index, 1, false))
			goto out_stop;
	}
	if (r.index != 1)
		failf("buffer 1 never came back in %zu records", tries);
	else
		ok = check_pattern(p, r.bytes_used, "buffer 1 via a sub-range mapping");
out_stop:
	ok &= stream_stop(&c->s);
out:
	munmap(p, bs);
	return ok;
}

/* ---- read and release --------------------------------------------------- */

static bool bi_read_short(void *arg)
{
	struct bctx *c = arg;
	struct fpgadma_record recs[2];

	if (!stream_start(&c->s))
		return false;
	return EXPECT_ERRNO(read(c->fd, recs, sizeof(recs[0]) - 1), EINVAL,
			    "record read with count sizeof(record) - 1") &&
	       EXPECT_ERRNO(read(c->fd, recs, 1), EINVAL,
			    "record read with count 1");
}

/* Keep streaming (started by bi_read_short) and hold two buffers. */
static bool bi_hold_two(void *arg)
{
	struct bctx *c = arg;
	struct fpgadma_record r;
	size_t n;

	while (c->s.nheld < 2)
		if (!stream_read(&c->s, &r, 1, &n))
			return false;
	for (c->a = 0; !c->s.held[c->a]; c->a++)
		;
	for (c->b = c->a + 1; !c->s.held[c->b]; c->b++)
		;
	return true;
}

/* A failed RELEASE must change nothing: same user count, same released. */
static bool release_rejected(struct bctx *c, const uint32_t *idx,
			     uint32_t count, uint32_t reserved, int expected,
			     const char *what)
{
	struct fpgadma_stats before, after;
	long r;
	int e;

	if (!get_stats(c->fd, &before))
		return false;
	r = ioc_release(c->fd, idx, count, reserved);
	e = errno;
	if (!expect_errno(r, e, expected, what) || !get_stats(c->fd, &after))
		return false;
	if (after.user != before.user || after.released != before.released)
		return failf("%s: user %u -> %u, released %llu -> %llu (must not change)",
			     what, before.user, after.user,
			     (unsigned long long)before.released,
			     (unsigned long long)after.released);
	return true;
}

static uint32_t not_held_index(const struct bctx *c)
{
	uint32_t i;

	for (i = 0; i < c->info.buf_count; i++)
		if (!c->s.held[i])
			return i;
	return 0;
}

static bool bi_release_einval(void *arg)
{
	static uint32_t big[FPGADMA_RELEASE_MAX + 1];
	struct bctx *c = arg;
	uint32_t range[2] = { c->a, c->info.buf_count };
	uint32_t huge[2] = { c->a, 0xffffffff };
	uint32_t nh[2] = { c->a, not_held_index(c) };
	uint32_t dup[2] = { c->a, c->a };
	uint32_t dup3[3] = { c->a, c->b, c->a };
	uint32_t one[1] = { c->a };
	uint32_t i;

	for (i = 0; i <= FPGADMA_RELEASE_MAX; i++)
		big[i] = i % 2 ? c->b : c->a;
	return release_rejected(c, range, 2, 0, EINVAL, "index == buf_count") &&
	       release_rejected(c, huge, 2, 0, EINVAL, "index 0xffffffff") &&
	       release_rejected(c, nh, 2, 0, EINVAL, "index not held") &&
	       release_rejected(c, dup, 2, 0, EINVAL, "duplicate index") &&
	       release_rejected(c, dup3, 3, 0, EINVAL, "duplicate index a,b,a") &&
	       release_rejected(c, big, FPGADMA_RELEASE_MAX + 1, 0, EINVAL,
				"count FPGADMA_RELEASE_MAX + 1") &&
	       release_rejected(c, one, 1, 1, EINVAL, "reserved = 1");
}

static bool bi_release_efault(void *arg)
{
	struct bctx *c = arg;
	size_t pg = c->info.page_size;
	uint8_t *two = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint32_t *straddle;
	bool ok;

	if (two == MAP_FAILED)
		return failf("mmap: %s", strerror(errno));
	mprotect(two + pg, pg, PROT_NONE);
	/* First index valid and held, second one on the PROT_NONE page. */
	straddle = (uint32_t *)(two + pg) - 1;
	*straddle = c->a;
	ok = release_rejected(c, guard_page(), 1, 0, EFAULT,
			      "indices on a PROT_NONE page") &&
	     release_rejected(c, straddle, 2, 0, EFAULT,
			      "indices array running into a PROT_NONE page");
	munmap(two, 2 * pg);
	return ok;
}

static bool bi_release_ok(void *arg)
{
	struct bctx *c = arg;
	uint32_t idx[2] = { c->a, c->b };
	struct fpgadma_stats before, after;

	if (!get_stats(c->fd, &before) ||
	    !EXPECT_OK(ioc_release(c->fd, idx, 0, 0), "RELEASE with count 0") ||
	    !get_stats(c->fd, &after))
		return false;
	if (after.user != before.user || after.released != before.released)
		return failf("count 0 released something");
	if (!stream_release(&c->s, idx, 2, false) || !get_stats(c->fd, &after))
		return false;
	if (after.user != before.user - 2 || after.released != before.released + 2)
		return failf("valid RELEASE of 2: user %u -> %u, released %llu -> %llu",
			     before.user, after.user,
			     (unsigned long long)before.released,
			     (unsigned long long)after.released);
	return true;
}

static bool bi_teardown(void *arg)
{
	struct bctx *c = arg;
	bool ok = true;

	if (c->fd >= 0) {
		ok = EXPECT_OK(ioctl(c->fd, FPGADMA_IOC_STOP), "STOP");
		close(c->fd);
	}
	stream_free(&c->s);
	return ok;
}

int cmd_badinput(const char *path)
{
	static const struct step steps[] = {
		{ "badinput.setup", 10, bi_setup, true, false },
		{ "badinput.ioctl-enotty", 10, bi_enotty, false, false },
		{ "badinput.ioctl-efault", 10, bi_efault, false, false },
		{ "badinput.set-timeout-reserved", 10, bi_timeout_reserved, false, false },
		{ "badinput.set-ring-v1-reserved", 10, bi_set_ring_v1_reserved, false, false },
		{ "badinput.mmap-private", 10, bi_mmap_private, false, false },
		{ "badinput.mmap-out-of-range", 10, bi_mmap_ranges, false, false },
		{ "badinput.mremap-grow-fails", 10, bi_mremap_grow, false, false },
		{ "badinput.mmap-subrange", 20, bi_mmap_subrange, false, false },
		{ "badinput.read-short-count", 10, bi_read_short, true, false },
		{ "badinput.release-hold-two", 10, bi_hold_two, true, false },
		{ "badinput.release-einval", 10, bi_release_einval, false, false },
		{ "badinput.release-efault", 10, bi_release_efault, false, false },
		{ "badinput.release-count0-and-valid", 10, bi_release_ok, false, false },
		{ "badinput.teardown", 10, bi_teardown, false, true },
	};
	static struct bctx c;

	c.path = path;
	c.fd = -1;
	RUN_STEPS(steps, &c);
	return test_failures();
}
