// SPDX-License-Identifier: MIT
/*
 * Host unit tests of libfpgadma, built with ASan/UBSan and linked with
 * -Wl,--wrap for open/ioctl/read/poll/mmap/munmap/close/fstat: paths under
 * /fake/ are a simulated fpgadma device (ring state, records, release
 * rules, SET_RING refused while mapped, injected EINTR); every other path
 * goes to the real system calls (so -ENOENT, -ENOTTY etc. are real).
 * Prints "PASS: lib-host.NAME" / "FAIL: lib-host.NAME: why"; exit 1 on failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <fpgadma.h>
#include "uapi/fpgadma.h"

/* ---- the simulated device ---------------------------------------------- */

enum { B_IDLE, B_QUEUED, B_DONE, B_USER };

static struct {
	int fd;			/* a real fd (of /dev/null) standing for the device */
	int nonblock;
	uint32_t count, size;
	int streaming, record_mode;
	int state[64];
	uint32_t done_q[64];
	unsigned int done_n;
	uint64_t seq;
	void *map;
	size_t map_len;
	/* test controls */
	int ioctl_eintr, read_eintr, poll_eintr;	/* fail the next N calls */
	int produce_in_poll;	/* buffers "completed" while poll() waits */
	int reads, ioctls, release_ioctls, exchange_ioctls;
	uint32_t caps;		/* FPGADMA_CAP_* in INFO */
	uint32_t coalesce_count, coalesce_usecs;
	uint64_t completed, dequeued, released;
	uint64_t starved, starved_ns;
} fk = { .fd = -1, .caps = FPGADMA_CAP_EXCHANGE | FPGADMA_CAP_COALESCE };

/* The linker's --wrap names are reserved identifiers by necessity. */
/* NOLINTBEGIN(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp) */
int __real_open(const char *path, int flags, ...);
int __real_ioctl(int fd, unsigned long req, ...);
ssize_t __real_read(int fd, void *buf, size_t len);
int __real_poll(struct pollfd *p, nfds_t n, int tmo);
void *__real_mmap(void *a, size_t len, int prot, int flags, int fd, off_t off);
int __real_munmap(void *a, size_t len);
int __real_close(int fd);
int __real_fstat(int fd, struct stat *st);

static void fk_complete(int n)
{
	for (uint32_t i = 0; n > 0 && i < fk.count; i++) {
		if (fk.state[i] != B_QUEUED)
			continue;
		fk.state[i] = B_DONE;
		fk.done_q[fk.done_n++] = i;
		if (fk.map)
			memset((char *)fk.map + (size_t)i * fk.size, (int)(fk.seq & 0xff), 100);
		fk.seq++;
		fk.completed++;
		n--;
	}
}

int __wrap_open(const char *path, int flags, ...)
{
	int mode = 0;

	if (flags & (O_CREAT | __O_TMPFILE)) {
		va_list ap;

		va_start(ap, flags);
		mode = va_arg(ap, int);
		va_end(ap);
	}
	if (strncmp(path, "/fake/", 6))
		return __real_open(path, flags, mode);
	if (fk.fd >= 0) {
		errno = EBUSY;	/* one fake handle at a time is enough */
		return -1;
	}
	fk.fd = __real_open("/dev/null", O_RDWR);
	fk.nonblock = !!(flags & O_NONBLOCK);
	fk.count = 16;
	fk.size = 4096;
	return fk.fd;
}

int __wrap_fstat(int fd, struct stat *st)
{
	int r = __real_fstat(fd, st);

	if (!r && fd == fk.fd)
		st->st_mode = S_IFCHR | 0660;
	return r;
}

int __wrap_close(int fd)
{
	if (fd == fk.fd) {
		fk.fd = -1;
		fk.streaming = 0;
		fk.record_mode = 0;
	}
	return __real_close(fd);
}

/* RELEASE's rules: all or nothing. 0, or -1 with errno. */
static int fk_release(const uint32_t *idx, uint32_t count)
{
	int seen[64] = { 0 };

	if (count && !idx) {
		errno = EFAULT;
		return -1;
	}
	if (!fk.streaming || count > FPGADMA_RELEASE_MAX) {
		errno = EINVAL;
		return -1;
	}
	for (uint32_t i = 0; i < count; i++)
		if (idx[i] >= fk.count || fk.state[idx[i]] != B_USER || seen[idx[i]]++) {
			errno = EINVAL;
			return -1;
		}
	for (uint32_t i = 0; i < count; i++)
		fk.state[idx[i]] = B_QUEUED;
	fk.released += count;
	return 0;
}

/* Take up to max records: how many, or -1 with errno (EAGAIN: none). */
static ssize_t fk_dequeue(struct fpgadma_record *rec, size_t max)
{
	size_t n;

	if (!fk.streaming) {
		errno = fk.record_mode ? EPIPE : EINVAL;
		return -1;
	}
	if (!max) {
		errno = EINVAL;
		return -1;
	}
	if (!fk.done_n) {
		errno = EAGAIN;	/* the library always opens O_NONBLOCK */
		return -1;
	}
	n = max < fk.done_n ? max : fk.done_n;
	for (size_t i = 0; i < n; i++) {
		uint32_t b = fk.done_q[i];

		rec[i] = (struct fpgadma_record) {
			.index = b, .bytes_used = 4088,
			.sequence = fk.seq - fk.done_n + i, .timestamp_ns = 1000 + i,
		};
		fk.state[b] = B_USER;
	}
	memmove(fk.done_q, fk.done_q + n, (fk.done_n - n) * sizeof(fk.done_q[0]));
	fk.done_n -= (unsigned int)n;
	fk.dequeued += n;
	return (ssize_t)n;
}

int __wrap_ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fd != fk.fd)
		return __real_ioctl(fd, req, arg);
	fk.ioctls++;
	if (fk.ioctl_eintr > 0) {
		fk.ioctl_eintr--;
		errno = EINTR;
		return -1;
	}
	switch (req) {
	case FPGADMA_IOC_INFO: {
		struct fpgadma_info *i = arg;

		memset(i, 0, sizeof(*i));
		i->api_version = 1;
		i->buf_count = fk.count;
		i->buf_size = fk.size;
		i->max_buf_count = 64;
		i->max_buf_size = 1 << 20;
		i->max_ring_size = 64 << 20;
		i->max_xfer = 4088;
		i->page_size = 4096;
		i->caps = FPGADMA_CAP_STREAM | fk.caps;
		i->flags = fk.streaming ? FPGADMA_INFO_STREAMING : 0;
		strcpy(i->engine, "fake");
		return 0;
	}
	case FPGADMA_IOC_SET_RING: {
		struct fpgadma_ring_config *c = arg;

		if (fk.streaming || fk.map) {
			errno = EBUSY;
			return -1;
		}
		if (!c->buf_count || c->buf_count > 64 || !c->buf_size || c->buf_size % 4096) {
			errno = EINVAL;
			return -1;
		}
		fk.count = c->buf_count;
		fk.size = c->buf_size;
		return 0;
	}
	case FPGADMA_IOC_START:
		fk.streaming = fk.record_mode = 1;
		fk.done_n = 0;
		fk.seq = 0;
		for (uint32_t i = 0; i < fk.count; i++)
			fk.state[i] = B_QUEUED;
		return 0;
	case FPGADMA_IOC_STOP:
		fk.streaming = 0;
		fk.done_n = 0;
		for (uint32_t i = 0; i < fk.count; i++)
			fk.state[i] = B_IDLE;
		return 0;
	case FPGADMA_IOC_RELEASE: {
		struct fpgadma_release *r = arg;

		fk.release_ioctls++;
		if (r->reserved) {
			errno = EINVAL;
			return -1;
		}
		return fk_release((const uint32_t *)(uintptr_t)r->indices, r->count);
	}
	case FPGADMA_IOC_EXCHANGE: {
		struct fpgadma_exchange *x = arg;
		ssize_t n;

		if (!(fk.caps & FPGADMA_CAP_EXCHANGE))
			break;
		fk.exchange_ioctls++;
		if (x->flags || x->reserved || !x->record_max ||
		    x->record_max > FPGADMA_RECORD_MAX) {
			errno = EINVAL;
			return -1;
		}
		if (x->release_count) {
			if (fk_release((const uint32_t *)(uintptr_t)x->indices,
				       x->release_count))
				return -1;
			x->release_count = 0;
		}
		n = fk_dequeue((struct fpgadma_record *)(uintptr_t)x->records,
			       x->record_max);
		if (n < 0)
			return -1;
		x->record_count = (uint32_t)n;
		return 0;
	}
	case FPGADMA_IOC_SET_COALESCE: {
		const struct fpgadma_coalesce *c = arg;

		if (!(fk.caps & FPGADMA_CAP_COALESCE)) {
			errno = EOPNOTSUPP;
			return -1;
		}
		if (c->flags || c->reserved || c->count > 1024) {	/* its descriptor ring */
			errno = EINVAL;
			return -1;
		}
		fk.coalesce_count = c->count;
		fk.coalesce_usecs = c->usecs;
		return 0;
	}
	case FPGADMA_IOC_GET_STATS: {
		struct fpgadma_stats *s = arg;

		memset(s, 0, sizeof(*s));
		s->completed = fk.completed;
		s->dequeued = fk.dequeued;
		s->released = fk.released;
		s->streaming = (uint32_t)fk.streaming;
		s->starved = fk.starved;
		s->starved_ns = fk.starved_ns;
		return 0;
	}
	}
	errno = ENOTTY;
	return -1;
}

ssize_t __wrap_read(int fd, void *buf, size_t len)
{
	struct fpgadma_record *rec = buf;
	size_t max = len / sizeof(*rec);
	ssize_t n;

	if (fd != fk.fd)
		return __real_read(fd, buf, len);
	fk.reads++;
	if (fk.read_eintr > 0) {
		fk.read_eintr--;
		errno = EINTR;
		return -1;
	}
	n = fk_dequeue(rec, max);
	return n < 0 ? -1 : (ssize_t)(n * sizeof(*rec));
}

int __wrap_poll(struct pollfd *p, nfds_t n, int tmo)
{
	if (n != 1 || p->fd != fk.fd)
		return __real_poll(p, n, tmo);
	if (fk.poll_eintr > 0) {
		fk.poll_eintr--;
		usleep(5000);
		errno = EINTR;
		return -1;
	}
	if (!fk.done_n && fk.produce_in_poll && fk.streaming) {
		usleep(2000);
		fk_complete(fk.produce_in_poll);
	}
	p->revents = 0;
	if (fk.done_n) {
		p->revents = POLLIN;
		return 1;
	}
	if (tmo > 0)
		usleep((useconds_t)tmo * 1000);	/* nothing will happen */
	return 0;
}

void *__wrap_mmap(void *a, size_t len, int prot, int flags, int fd, off_t off)
{
	if (fd != fk.fd)
		return __real_mmap(a, len, prot, flags, fd, off);
	if (fk.map || len != (size_t)fk.count * fk.size || off || !(flags & MAP_SHARED)) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	fk.map = __real_mmap(NULL, len, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fk.map == MAP_FAILED) {
		fk.map = NULL;
		return MAP_FAILED;
	}
	fk.map_len = len;
	return fk.map;
}

int __wrap_munmap(void *a, size_t len)
{
	if (fk.map && a == fk.map) {
		if (len != fk.map_len)
			abort();
		fk.map = NULL;
	}
	return __real_munmap(a, len);
}

/* NOLINTEND(bugprone-reserved-identifier,cert-dcl37-c,cert-dcl51-cpp) */

/* ---- tests -------------------------------------------------------------- */

static int failures, results;
static char why[512];

static bool failf(const char *fmt, ...)
{
	if (!why[0]) {
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(why, sizeof(why), fmt, ap);
		va_end(ap);
	}
	return false;
}

static void report(const char *name, bool ok)
{
	results++;
	if (ok) {
		printf("PASS: lib-host.%s\n", name);
	} else {
		failures++;
		printf("FAIL: lib-host.%s: %s\n", name, why[0] ? why : "failed");
	}
	why[0] = '\0';
}

#define EXPECT(call, want) ({						\
	long r_ = (long)(call), w_ = (long)(want);			\
	r_ == w_ ? true : failf("line %d: %s: got %ld (%s), want %ld", __LINE__, \
				#call, r_, fpgadma_strerror((int)r_), w_); \
})

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool t_null_handles(void)
{
	struct fpgadma_view v = { 0 };
	struct fpgadma_devinfo info = { 0 };
	struct fpgadma_counters st = { 0 };
	char buf[8];
	bool ok = true;

	ok = ok && EXPECT(fpgadma_close(NULL), 0);
	ok = ok && EXPECT(fpgadma_fd(NULL), -EINVAL);
	ok = ok && EXPECT(fpgadma_info(NULL, &info), -EINVAL);
	ok = ok && EXPECT(fpgadma_stats(NULL, &st), -EINVAL);
	ok = ok && EXPECT(fpgadma_starved(NULL, NULL, NULL), -EINVAL);
	ok = ok && EXPECT(fpgadma_configure(NULL, 4, 4096), -EINVAL);
	ok = ok && EXPECT(fpgadma_start(NULL), -EINVAL);
	ok = ok && EXPECT(fpgadma_stop(NULL), -EINVAL);
	ok = ok && EXPECT(fpgadma_next(NULL, &v, 0), -EINVAL);
	ok = ok && EXPECT(fpgadma_next_batch(NULL, &v, 1, 0), -EINVAL);
	ok = ok && EXPECT(fpgadma_pending(NULL), -EINVAL);
	ok = ok && EXPECT(fpgadma_release(NULL, &v), -EINVAL);
	ok = ok && EXPECT(fpgadma_release_batch(NULL, &v, 1), -EINVAL);
	ok = ok && EXPECT(fpgadma_read(NULL, buf, sizeof(buf), 0), -EINVAL);
	return ok;
}

static bool t_open_errors(void)
{
	char tmpl[] = "/tmp/fpgadma-libtest-XXXXXX";
	struct fpgadma *dev = (void *)1;
	bool ok = true;
	int fd;

	ok = ok && EXPECT(fpgadma_open(NULL, "/dev/null", 0), -EINVAL);
	ok = ok && EXPECT(fpgadma_open(&dev, NULL, 0), -EINVAL) &&
	     (dev == NULL || failf("*devp not NULL after a failed open"));
	ok = ok && EXPECT(fpgadma_open(&dev, "", 0), -EINVAL);
	ok = ok && EXPECT(fpgadma_open(&dev, "/dev/null", 1U << 7), -EINVAL);
	ok = ok && EXPECT(fpgadma_open(&dev, "/nonexistent/fpgadma0", 0), -ENOENT);
	ok = ok && EXPECT(fpgadma_open(&dev, "/dev/null", 0), -ENOTTY);
	ok = ok && EXPECT(fpgadma_open(&dev, "/tmp", 0), -EISDIR);
	fd = mkstemp(tmpl);
	if (fd < 0)
		return failf("mkstemp");
	close(fd);
	ok = ok && EXPECT(fpgadma_open(&dev, tmpl, 0), -ENOTTY);
	ok = ok && EXPECT(fpgadma_open(&dev, tmpl, FPGADMA_OPEN_COPY), -ENOTTY);
	unlink(tmpl);
	ok = ok && EXPECT(fpgadma_open_index(NULL, 0, 0), -EINVAL);
	ok = ok && EXPECT(fpgadma_open_index(&dev, -1, 0), -EINVAL);
	ok = ok && EXPECT(fpgadma_open_index(&dev, 987654, 0), -ENOENT);
	ok = ok && (dev == NULL || failf("*devp not NULL after a failed open"));
	return ok;
}

static bool t_strerror(void)
{
	static const int errs[] = { EINVAL, ENOENT, ENOTTY, EPROTO, EBUSY, EPIPE,
				    ETIMEDOUT, EAGAIN, EINTR, ENODEV, ENOMEM, EACCES };
	const char *unknown = fpgadma_strerror(-99999);

	if (strcmp(unknown, "unknown error") || strcmp(fpgadma_strerror(99999), unknown))
		return failf("strerror(-99999) = '%s'", unknown);
	if (strcmp(fpgadma_strerror(0), "success"))
		return failf("strerror(0) = '%s'", fpgadma_strerror(0));
	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		const char *s = fpgadma_strerror(-errs[i]);

		if (!s || !*s || !strcmp(s, unknown) || strcmp(s, fpgadma_strerror(errs[i])))
			return failf("strerror(%d) = '%s'", -errs[i], s ? s : "(null)");
		for (size_t j = 0; j < i; j++)
			if (!strcmp(s, fpgadma_strerror(-errs[j])))
				return failf("strerror(%d) == strerror(%d)", -errs[i], -errs[j]);
	}
	/* Any other errno still gets a real description. */
	if (!strcmp(fpgadma_strerror(-EIO), unknown) || !strcmp(fpgadma_strerror(-ENOSPC), unknown))
		return failf("EIO/ENOSPC not described");
	return true;
}

static bool t_version(void)
{
	return fpgadma_version() == FPGADMA_LIB_API_VERSION ||
	       failf("fpgadma_version() 0x%x != 0x%x", fpgadma_version(),
		     FPGADMA_LIB_API_VERSION);
}

/* The simulated device: the stream path end to end. */
static bool t_fake_stream(void)
{
	struct fpgadma_view v[20], one;
	struct fpgadma_devinfo info = { 0 };
	struct fpgadma_counters st = { 0 };
	struct fpgadma *dev = NULL;
	bool ok = true;
	int reads;

	if (!EXPECT(fpgadma_open(&dev, "/fake/fpgadma0", 0), 0))
		return false;
	ok = ok && EXPECT(fpgadma_info(dev, &info), 0) &&
	     (!strcmp(info.engine, "fake") || failf("engine %s", info.engine));
	ok = ok && EXPECT(fpgadma_next(dev, &one, 0), -EPIPE);
	ok = ok && EXPECT(fpgadma_read(dev, v, 8, 0), -EINVAL);	/* not copy mode */
	ok = ok && EXPECT(fpgadma_start(dev), 0) && (fk.map || failf("ring not mapped"));
	ok = ok && EXPECT(fpgadma_configure(dev, 8, 4096), -EBUSY);
	ok = ok && EXPECT(fpgadma_next(dev, &one, 0), -EAGAIN);

	/* Ten ready buffers: one read() for all of them. */
	fk_complete(10);
	reads = fk.reads;
	for (int i = 0; ok && i < 10; i++) {
		ok = EXPECT(fpgadma_next(dev, &v[i], 0), 0);
		ok = ok && ((v[i].sequence == (uint64_t)i && v[i].len == 4088 &&
			     v[i].data == (char *)fk.map + (size_t)v[i].index * 4096) ||
			    failf("view %d: seq %llu len %zu", i,
				  (unsigned long long)v[i].sequence, v[i].len));
		ok = ok && (fpgadma_pending(dev) == 9 - i || failf("pending %d", fpgadma_pending(dev)));
	}
	ok = ok && (fk.reads == reads + 1 || failf("%d reads for 10 records", fk.reads - reads));
	ok = ok && EXPECT(fpgadma_next(dev, &one, 0), -EAGAIN);
	/* Batch release: one ioctl; then the views are cleared. */
	reads = fk.release_ioctls;
	ok = ok && EXPECT(fpgadma_release_batch(dev, v, 10), 0) &&
	     (fk.release_ioctls == reads + 1 || failf("release_batch: %d ioctls", fk.release_ioctls - reads));
	ok = ok && (v[0].data == NULL || failf("view not cleared"));
	ok = ok && EXPECT(fpgadma_release(dev, &v[0]), -EINVAL);

	/* next_batch: at most max, at least one. */
	fk_complete(6);
	ok = ok && EXPECT(fpgadma_next_batch(dev, v, 4, 0), 4);
	ok = ok && EXPECT(fpgadma_next_batch(dev, v + 4, 20, 0), 2);
	ok = ok && EXPECT(fpgadma_next_batch(dev, v + 6, 20, 0), -EAGAIN);
	/* Release errors: forged, repeated, too many. */
	one = v[0];
	one.index = 63;
	ok = ok && EXPECT(fpgadma_release(dev, &one), -EINVAL);
	one = v[0];
	one.data = (const char *)one.data + (size_t)4096 * 16;
	ok = ok && EXPECT(fpgadma_release(dev, &one), -EINVAL);
	v[1] = v[0];
	ok = ok && EXPECT(fpgadma_release_batch(dev, v, 2), -EINVAL) &&
	     (v[0].data || failf("failed batch cleared a view"));
	ok = ok && EXPECT(fpgadma_release_batch(dev, v, FPGADMA_RELEASE_MAX + 1), -EINVAL);
	ok = ok && EXPECT(fpgadma_release(dev, &v[0]), 0);
	/* More than fit on the stack: the heap index array (and all or nothing). */
	{
		struct fpgadma_view many[100];

		for (int i = 0; i < 100; i++)
			many[i] = v[2];
		ok = ok && EXPECT(fpgadma_release_batch(dev, many, 100), -EINVAL);
	}
	fk_complete(3);
	ok = ok && EXPECT(fpgadma_next_batch(dev, v + 6, 3, 0), 3);
	ok = ok && EXPECT(fpgadma_release_batch(dev, v + 2, 7), 0);

	/* Stats, stop, -EPIPE, reconfigure (unmaps first), restart remaps. */
	ok = ok && EXPECT(fpgadma_stats(dev, &st), 0) &&
	     ((st.completed == 19 && st.dequeued == 19 && st.released == 18) ||
	      failf("stats %llu %llu %llu", (unsigned long long)st.completed,
		    (unsigned long long)st.dequeued, (unsigned long long)st.released));
	ok = ok && EXPECT(fpgadma_stop(dev), 0);
	ok = ok && EXPECT(fpgadma_next(dev, &one, 0), -EPIPE);
	ok = ok && EXPECT(fpgadma_release(dev, &v[1]), -EPIPE);
	ok = ok && EXPECT(fpgadma_configure(dev, 4, 0), 0) && (!fk.map || failf("still mapped"));
	ok = ok && EXPECT(fpgadma_configure(dev, 4, 1000), -EINVAL);
	ok = ok && EXPECT(fpgadma_start(dev), 0) &&
	     (fk.map_len == (size_t)4 * 4096 || failf("map_len %zu", fk.map_len));
	fk_complete(1);
	ok = ok && EXPECT(fpgadma_next(dev, &one, 0), 0) && EXPECT(fpgadma_release(dev, &one), 0);
	ok = EXPECT(fpgadma_close(dev), 0) && ok;
	ok = ok && (!fk.map || failf("close did not unmap"));
	return ok;
}

static bool t_fake_timeouts_eintr(void)
{
	struct fpgadma_view v;
	struct fpgadma_devinfo info = { 0 };
	struct fpgadma *dev = NULL;
	int64_t t0, dt;
	bool ok = true;

	/* Restartable control calls are retried on EINTR. */
	if (!EXPECT(fpgadma_open(&dev, "/fake/fpgadma0", 0), 0))
		return false;
	fk.ioctl_eintr = 3;
	ok = ok && EXPECT(fpgadma_info(dev, &info), 0);
	fk.ioctl_eintr = 2;
	ok = ok && EXPECT(fpgadma_start(dev), 0);

	/* Timeouts: none ready -> -ETIMEDOUT after about timeout_ms. */
	t0 = now_ms();
	ok = ok && EXPECT(fpgadma_next(dev, &v, 80), -ETIMEDOUT);
	dt = now_ms() - t0;
	ok = ok && ((dt >= 75 && dt < 1000) || failf("timeout took %lld ms", (long long)dt));
	ok = ok && EXPECT(fpgadma_next(dev, &v, -2), -EINVAL);

	/* Waits are retried on EINTR by default... */
	fk.poll_eintr = 3;
	fk.read_eintr = 1;
	fk.produce_in_poll = 1;
	ok = ok && EXPECT(fpgadma_next(dev, &v, FPGADMA_WAIT_FOREVER), 0) &&
	     EXPECT(fpgadma_release(dev, &v), 0);
	ok = ok && ((fk.poll_eintr == 0 && fk.read_eintr == 0) || failf("EINTR not consumed"));
	/* ...and keep to their deadline across signals. */
	fk.produce_in_poll = 0;
	fk.poll_eintr = 4;
	t0 = now_ms();
	ok = ok && EXPECT(fpgadma_next(dev, &v, 60), -ETIMEDOUT);
	dt = now_ms() - t0;
	ok = ok && ((dt >= 55 && dt < 1000) || failf("timeout with EINTR took %lld ms", (long long)dt));
	fk.poll_eintr = 0;
	ok = EXPECT(fpgadma_close(dev), 0) && ok;

	/* FPGADMA_OPEN_EINTR: waits return -EINTR; control calls still retry. */
	if (!EXPECT(fpgadma_open(&dev, "/fake/fpgadma0", FPGADMA_OPEN_EINTR), 0))
		return false;
	fk.ioctl_eintr = 1;
	ok = ok && EXPECT(fpgadma_start(dev), 0);
	fk.poll_eintr = 1;
	ok = ok && EXPECT(fpgadma_next(dev, &v, 1000), -EINTR);
	fk.read_eintr = 1;
	ok = ok && EXPECT(fpgadma_next(dev, &v, 1000), -EINTR);
	fk.produce_in_poll = 2;
	ok = ok && EXPECT(fpgadma_next(dev, &v, 1000), 0) && EXPECT(fpgadma_release(dev, &v), 0);
	fk.produce_in_poll = 0;
	fk.ioctl_eintr = 1;
	ok = ok && EXPECT(fpgadma_stop(dev), 0);
	ok = EXPECT(fpgadma_close(dev), 0) && ok;
	return ok;
}

static bool t_fake_copy_mode(void)
{
	struct fpgadma_view v;
	struct fpgadma *dev = NULL;
	char buf[64];
	bool ok = true;

	if (!EXPECT(fpgadma_open(&dev, "/fake/fpgadma0", FPGADMA_OPEN_COPY), 0))
		return false;
	ok = ok && EXPECT(fpgadma_start(dev), -EINVAL);
	ok = ok && EXPECT(fpgadma_next(dev, &v, 0), -EINVAL);
	ok = ok && EXPECT(fpgadma_next_batch(dev, &v, 1, 0), -EINVAL);
	ok = ok && EXPECT(fpgadma_read(dev, NULL, 8, 0), -EINVAL);
	ok = ok && EXPECT(fpgadma_read(dev, buf, 0, 0), -EINVAL);
	ok = ok && EXPECT(fpgadma_read(dev, buf, sizeof(buf), -7), -EINVAL);
	ok = EXPECT(fpgadma_close(dev), 0) && ok;
	return ok;
}

/* fpgadma_exchange(): one ioctl per batch, its release rules, waits. */
static bool t_fake_exchange(void)
{
	struct fpgadma_view v[16], held, forged;
	struct fpgadma *dev = NULL;
	bool ok = true;
	int x0, rel0, reads0;
	uint64_t released0;

	memset(v, 0, sizeof(v));
	fk.caps = FPGADMA_CAP_EXCHANGE | FPGADMA_CAP_COALESCE;
	if (!EXPECT(fpgadma_open(&dev, "/fake/fpgadma0", 0), 0))
		return false;
	ok = ok && EXPECT(fpgadma_configure(dev, 16, 4096), 0);
	ok = ok && EXPECT(fpgadma_exchange(dev, NULL, 0, v, 4, 0), -EPIPE);
	ok = ok && EXPECT(fpgadma_start(dev), 0);

	/* Nothing ready: -EAGAIN after one ioctl; then five in one ioctl. */
	x0 = fk.exchange_ioctls;
	reads0 = fk.reads;
	ok = ok && EXPECT(fpgadma_exchange(dev, NULL, 0, v, 4, 0), -EAGAIN);
	fk_complete(5);
	ok = ok && EXPECT(fpgadma_exchange(dev, NULL, 0, v, 8, 0), 5);
	ok = ok && ((v[4].sequence == 4 && v[4].data ==
		     (char *)fk.map + (size_t)v[4].index * 4096) ||
		    failf("view 4: seq %llu", (unsigned long long)v[4].sequence));
	ok = ok && ((fk.exchange_ioctls == x0 + 2 && fk.reads == reads0) ||
		    failf("%d exchanges, %d reads", fk.exchange_ioctls - x0,
			  fk.reads - reads0));

	/* Given back, then nothing ready: views cleared, -EAGAIN. */
	released0 = fk.released;
	ok = ok && EXPECT(fpgadma_exchange(dev, v, 5, v + 5, 8, 0), -EAGAIN);
	ok = ok && ((fk.released == released0 + 5 && !v[0].data && !v[4].data) ||
		    failf("released %llu, view data %p",
			  (unsigned long long)(fk.released - released0), v[0].data));

	/* More ready than asked: the rest is pending and served without
	 * an exchange, the release then done by RELEASE. */
	fk_complete(3);
	ok = ok && EXPECT(fpgadma_exchange(dev, NULL, 0, v, 2, 0), 2);
	ok = ok && EXPECT(fpgadma_pending(dev), 1);
	x0 = fk.exchange_ioctls;
	rel0 = fk.release_ioctls;
	ok = ok && EXPECT(fpgadma_exchange(dev, v, 2, v + 2, 8, 0), 1);
	ok = ok && ((fk.exchange_ioctls == x0 && fk.release_ioctls == rel0 + 1) ||
		    failf("pending path: %d exchanges, %d releases",
			  fk.exchange_ioctls - x0, fk.release_ioctls - rel0));
	held = v[2];

	/* Bad input: nothing given back, nothing taken. */
	released0 = fk.released;
	forged = held;
	forged.index = (held.index + 1) % 16;
	ok = ok && EXPECT(fpgadma_exchange(NULL, NULL, 0, v, 1, 0), -EINVAL);
	ok = ok && EXPECT(fpgadma_exchange(dev, NULL, 1, v, 1, 0), -EINVAL);
	ok = ok && EXPECT(fpgadma_exchange(dev, &held, 1, NULL, 1, 0), -EINVAL);
	ok = ok && EXPECT(fpgadma_exchange(dev, &held, 1, v, 0, 0), -EINVAL);
	ok = ok && EXPECT(fpgadma_exchange(dev, &held, 1, v, 1, -2), -EINVAL);
	ok = ok && EXPECT(fpgadma_exchange(dev, &held, FPGADMA_RELEASE_MAX + 1, v, 1, 0), -EINVAL);
	ok = ok && EXPECT(fpgadma_exchange(dev, &forged, 1, v, 1, 0), -EINVAL);
	ok = ok && ((fk.released == released0 && held.data) ||
		    failf("bad input released %llu",
			  (unsigned long long)(fk.released - released0)));

	/* Interrupted before the release: retried, given back once; the
	 * same array in and out. */
	fk_complete(2);
	fk.ioctl_eintr = 1;
	v[0] = held;
	ok = ok && EXPECT(fpgadma_exchange(dev, v, 1, v, 16, 0), 2);
	ok = ok && (fk.released == released0 + 1 ||
		    failf("released %llu after EINTR",
			  (unsigned long long)(fk.released - released0)));

	/* A wait: buffers complete while poll() waits. */
	fk.produce_in_poll = 3;
	ok = ok && EXPECT(fpgadma_exchange(dev, v, 2, v, 16, 1000), 3);
	fk.produce_in_poll = 0;
	ok = ok && EXPECT(fpgadma_exchange(dev, v, 3, v, 16, 50), -ETIMEDOUT) &&
	     (!v[0].data || failf("views kept after a release and a timeout"));

	/* Interrupt moderation. */
	ok = ok && EXPECT(fpgadma_set_coalesce(dev, 8, 100), 0) &&
	     ((fk.coalesce_count == 8 && fk.coalesce_usecs == 100) ||
	      failf("coalesce %u/%u", fk.coalesce_count, fk.coalesce_usecs));
	ok = ok && EXPECT(fpgadma_set_coalesce(dev, 2048, 0), -EINVAL);
	ok = ok && EXPECT(fpgadma_set_coalesce(NULL, 1, 0), -EINVAL);
	ok = EXPECT(fpgadma_close(dev), 0) && ok;

	/* A driver without EXCHANGE or coalescing: RELEASE + read. */
	fk.caps = 0;
	dev = NULL;
	if (!EXPECT(fpgadma_open(&dev, "/fake/fpgadma0", 0), 0))
		return false;
	ok = ok && EXPECT(fpgadma_start(dev), 0);
	fk_complete(2);
	x0 = fk.exchange_ioctls;
	reads0 = fk.reads;
	ok = ok && EXPECT(fpgadma_exchange(dev, NULL, 0, v, 1, 0), 1);
	ok = ok && EXPECT(fpgadma_exchange(dev, v, 1, v, 4, 0), 1);
	ok = ok && ((fk.exchange_ioctls == x0 && fk.reads == reads0 + 1) ||
		    failf("no-EXCHANGE driver: %d exchanges, %d reads",
			  fk.exchange_ioctls - x0, fk.reads - reads0));
	ok = ok && EXPECT(fpgadma_set_coalesce(dev, 8, 100), -EOPNOTSUPP);
	ok = EXPECT(fpgadma_close(dev), 0) && ok;
	fk.caps = FPGADMA_CAP_EXCHANGE | FPGADMA_CAP_COALESCE;
	return ok;
}

/* fpgadma_starved(): the driver's counters, NULLs allowed, capability. */
static bool t_fake_starved(void)
{
	struct fpgadma *dev = NULL;
	uint64_t events = 1, ns = 1;
	bool ok = true;

	fk.caps = FPGADMA_CAP_STARVED;
	fk.starved = 3;
	fk.starved_ns = 123456789012ULL;
	if (!EXPECT(fpgadma_open(&dev, "/fake/fpgadma0", 0), 0))
		return false;
	ok = ok && EXPECT(fpgadma_starved(dev, &events, &ns), 0) &&
	     ((events == 3 && ns == 123456789012ULL) ||
	      failf("starved %llu, %llu ns", (unsigned long long)events,
		    (unsigned long long)ns));
	events = 0;
	ok = ok && EXPECT(fpgadma_starved(dev, &events, NULL), 0) &&
	     (events == 3 || failf("events %llu", (unsigned long long)events));
	ok = ok && EXPECT(fpgadma_starved(dev, NULL, NULL), 0);
	ok = EXPECT(fpgadma_close(dev), 0) && ok;

	/* A driver without the capability. */
	fk.caps = 0;
	dev = NULL;
	events = ns = 7;
	if (EXPECT(fpgadma_open(&dev, "/fake/fpgadma0", 0), 0)) {
		ok = ok && EXPECT(fpgadma_starved(dev, &events, &ns), -EOPNOTSUPP) &&
		     ((events == 7 && ns == 7) || failf("outputs written on error"));
		ok = EXPECT(fpgadma_close(dev), 0) && ok;
	} else {
		ok = false;
	}
	fk.caps = FPGADMA_CAP_EXCHANGE | FPGADMA_CAP_COALESCE;
	fk.starved = fk.starved_ns = 0;
	return ok;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	report("version", t_version());
	report("null-handles", t_null_handles());
	report("open-errors", t_open_errors());
	report("strerror", t_strerror());
	report("fake-stream", t_fake_stream());
	report("fake-timeouts-eintr", t_fake_timeouts_eintr());
	report("fake-copy-mode", t_fake_copy_mode());
	report("fake-exchange", t_fake_exchange());
	report("fake-starved", t_fake_starved());
	/* Only here: the runner (tests/lib/run_prog.sh) fails a run without it. */
	printf("DONE: libtest_host %d\n", results);
	return failures ? 1 : 0;
}
