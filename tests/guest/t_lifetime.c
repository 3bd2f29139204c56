// SPDX-License-Identifier: GPL-2.0-only
/*
 * lifetime: the device's lifetime against its users, on the software model
 * of the stream engine (insmod fpgadma_model.ko after fpgadma.ko):
 *
 *  - copy-mode readers on one file while the device is unbound and rebound
 *    40 times (the data they get is checked against the model's pattern);
 *  - poll() after a copy-mode reader closed in the middle of a buffer;
 *  - closing a streaming file that is still mapped (the mapping keeps the
 *    file, and so the stream, alive until munmap);
 *  - unbind while a copy-mode read() is stuck in copy_to_user() on a
 *    userfaultfd page: remove() must not wait for user memory;
 *  - the same reader pinning the old ring across STOP, SET_RING and unbind;
 *  - STOP inside a long interrupt moderation window, then START again.
 *
 * ring-limits: SET_RING at the edges of raised module parameters (the
 * caller loads the module with them): 0, ENOMEM or EINVAL, never a kernel
 * warning (which the VM runner catches in the log).
 *
 * The model writes 64-bit word k of production s as s ^ (k * MIX), word 0
 * is s; a new stream starts at production 0.
 */
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "tests.h"

#define MIX		0x9e3779b97f4a7c15ULL
/* Odd on purpose: copy-mode reads end in the middle of buffers. */
#define CHUNK		1000
#define UNBIND_CYCLES	40
/* The only timing assertion: an unbind must not wait for user memory. */
#define UNBIND_BOUND_MS	10000

struct lctx {
	char dev[32];		/* fpgadmaN of the model */
	char path[64];		/* its node; may change across rebinds */
	struct binding b;
};

static unsigned int scaled_ms(unsigned int ms)
{
	return ms * (unsigned int)test_timescale();
}

/* The first fpgadma device whose engine is "stream". */
static bool find_model(struct lctx *c)
{
	char dev[16];

	if (!find_stream_dev(dev, sizeof(dev)))
		return false;
	snprintf(c->dev, sizeof(c->dev), "%s", dev);
	snprintf(c->path, sizeof(c->path), "/dev/%s", dev);
	return dev_binding(dev, &c->b);
}

/* The node of the model now (after a rebind it may have another minor). */
static bool refresh_path(struct lctx *c)
{
	const char *d;

	if (!wait_binding_node(&c->b, c->path, sizeof(c->path), scaled_ms(10000)))
		return false;
	d = dev_name_of(c->path);
	snprintf(c->dev, sizeof(c->dev), "%s", d);
	return true;
}

/* Bound again (if it is not), with a node. */
static bool ensure_bound(struct lctx *c)
{
	int err;

	if (binding_node(&c->b, c->path, sizeof(c->path)))
		return refresh_path(c);
	err = binding_bind(&c->b);
	if (err && err != EBUSY && err != ENODEV)
		return failf("bind %s to %s: %s", c->b.name, c->b.drv,
			     strerror(err));
	return refresh_path(c);
}

/* The model's knobs are attributes of the model device, the parent. */
static bool knob_write(struct lctx *c, const char *knob, unsigned long val)
{
	char dir[160], path[192], text[32];
	int err;

	if (!model_knob_dir(c->dev, dir, sizeof(dir)))
		return false;
	snprintf(path, sizeof(path), "%s/%s", dir, knob);
	snprintf(text, sizeof(text), "%lu\n", val);
	err = write_file_errno(path, text);
	return err ? failf("write %lu to %s: %s", val, path, strerror(err))
		   : true;
}

/* Flat out with flow control (no drops), every word written. */
static bool model_defaults(struct lctx *c)
{
	return knob_write(c, "rate", 0) && knob_write(c, "fill", 2) &&
	       knob_write(c, "len", 0);
}

static long set_coalesce(int fd, uint32_t count, uint32_t usecs)
{
	struct fpgadma_coalesce co = { .count = count, .usecs = usecs };

	return ioctl(fd, FPGADMA_IOC_SET_COALESCE, &co);
}

/* ---- the model's byte stream -------------------------------------------- */

static uint8_t model_byte(uint64_t s, uint64_t q)
{
	uint64_t w = s ^ ((q / 8) * MIX);
	uint8_t b[8];

	memcpy(b, &w, sizeof(b));
	return b[q % 8];
}

/* How many of p[0..n) match buffer s from its byte q on. */
static size_t model_match(const uint8_t *p, size_t n, uint64_t s, uint64_t q)
{
	size_t i;

	for (i = 0; i < n && p[i] == model_byte(s, q + i); i++)
		;
	return i;
}

/*
 * Checks copy-mode data at buffer granularity. A read() returns pieces of
 * the byte stream: contiguous within a buffer, and a piece ends only at the
 * end of a buffer or of the read (another reader of the same file may take
 * the bytes in between). Each piece must be the pattern of one production
 * s from some offset q on, and the stream only moves forward.
 */
struct pat_check {
	uint32_t bsize;		/* bytes per buffer (bytes_used) */
	bool have;		/* the position after the last piece is known */
	uint64_t s;		/* ... buffer s, byte q */
	uint64_t q;
	uint64_t min_s;		/* no piece comes from an older buffer */
	uint64_t bytes;		/* verified */
	uint64_t unverified;	/* tiny pieces with no whole word in them */
};

static void pat_reset(struct pat_check *pc, uint32_t bsize)
{
	memset(pc, 0, sizeof(*pc));
	pc->bsize = bsize;
}

/* Where in the stream does a piece starting at p (rem bytes left) lie? */
static bool pat_locate(const struct pat_check *pc, const uint8_t *p,
		       size_t rem, uint64_t *so, uint64_t *qo)
{
	uint64_t b = pc->bsize, q, s, w;
	size_t seg, l;

	for (q = 0; q < b; q++) {
		uint64_t k0 = (q + 7) / 8;
		size_t j = (size_t)(k0 * 8 - q);

		seg = rem < b - q ? rem : (size_t)(b - q);
		if (j + 8 > seg)
			continue;
		memcpy(&w, p + j, sizeof(w));
		s = w ^ (k0 * MIX);
		if (s < pc->min_s || s >= (1ULL << 40))
			continue;
		if (model_match(p, seg, s, q) == seg) {
			*so = s;
			*qo = q;
			return true;
		}
	}
	/* A tail of fewer than 16 bytes, then the next buffer from byte 0. */
	for (l = 1; l < 16 && l + 8 <= rem; l++) {
		memcpy(&w, p + l, sizeof(w));
		seg = rem - l < b ? rem - l : (size_t)b;
		if (w == 0 || w - 1 < pc->min_s || w >= (1ULL << 40))
			continue;
		if (model_match(p, l, w - 1, b - l) == l &&
		    model_match(p + l, seg, w, 0) == seg) {
			*so = w - 1;
			*qo = b - l;
			return true;
		}
	}
	return false;
}

/* Check one read()'s bytes; on a mismatch, describe it in err. */
static bool pat_chunk(struct pat_check *pc, const uint8_t *p, size_t n,
		      char *err, size_t errn)
{
	uint64_t b = pc->bsize;
	size_t off = 0;

	while (off < n) {
		size_t rem = n - off, seg;
		uint64_t s = 0, q = 0;
		bool found = false;

		if (pc->have) {
			s = pc->s;
			q = pc->q;
			if (q == b) {
				s++;
				q = 0;
			}
			seg = rem < b - q ? rem : (size_t)(b - q);
			found = model_match(p + off, seg, s, q) == seg;
		}
		if (!found)
			found = pat_locate(pc, p + off, rem, &s, &q);
		if (!found && rem < 16) {
			pc->unverified += rem;
			pc->have = false;
			return true;
		}
		if (!found) {
			snprintf(err, errn,
				 "%zu bytes at offset %zu of a %zu-byte read are not the model's pattern of any buffer at or after production %llu (first bytes %02x %02x %02x %02x %02x %02x %02x %02x; buffer size %u)",
				 rem, off, n, (unsigned long long)pc->min_s,
				 p[off], rem > 1 ? p[off + 1] : 0,
				 rem > 2 ? p[off + 2] : 0, rem > 3 ? p[off + 3] : 0,
				 rem > 4 ? p[off + 4] : 0, rem > 5 ? p[off + 5] : 0,
				 rem > 6 ? p[off + 6] : 0, rem > 7 ? p[off + 7] : 0,
				 pc->bsize);
			return false;
		}
		seg = rem < b - q ? rem : (size_t)(b - q);
		off += seg;
		pc->bytes += seg;
		pc->s = s;
		pc->q = q + seg;
		pc->min_s = s;
		pc->have = true;
	}
	return true;
}

/* Read len bytes in copy mode from a new file and check them. */
static bool copy_read_check(const char *path, size_t len)
{
	struct fpgadma_info info;
	struct pat_check pc;
	uint8_t buf[CHUNK];
	char err[512];
	size_t got = 0;
	bool ok = false;
	int fd = dev_open(path, O_RDWR);

	if (fd < 0)
		return false;
	if (!get_info(fd, &info) || !set_timeout(fd, scaled_ms(10000)))
		goto out;
	pat_reset(&pc, info.buf_size);
	while (got < len) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n <= 0) {
			failf("copy-mode read after %zu bytes: %s", got,
			      n ? errname(errno) : "returned 0");
			goto out;
		}
		if (!pat_chunk(&pc, buf, (size_t)n, err, sizeof(err))) {
			failf("copy-mode data: %s", err);
			goto out;
		}
		got += (size_t)n;
	}
	ok = true;
out:
	close(fd);
	return ok;
}

static bool t_find(void *arg)
{
	struct lctx *c = arg;

	return find_model(c) && model_defaults(c);
}

/* ---- 1: copy-mode readers vs unbind/rebind ------------------------------ */

struct race {
	pthread_mutex_t mu;
	int fd;			/* the file of the current binding, or -1 */
	uint32_t bsize;
	unsigned int epoch;	/* bumped with every new fd */
	/* when the unbind of epoch i's device returned, or 0 */
	uint64_t gone_ns[UNBIND_CYCLES + 2];
	atomic_bool stop;
	atomic_ulong reads;	/* successful reads, all readers */
};

struct reader {
	struct race *r;
	pthread_t th;
	bool started;
	unsigned int done_epoch;	/* this fd's device is gone */
	unsigned int cur_epoch;
	struct pat_check pc;
	uint64_t bytes, reads, enodev, epipe, unverified;
	uint64_t late;		/* data returned after the unbind had returned */
	bool failed;
	char err[640];
};

static void *reader_main(void *arg)
{
	struct reader *rd = arg;
	struct race *r = rd->r;
	uint8_t buf[CHUNK];

	while (!atomic_load(&r->stop)) {
		unsigned int ep;
		uint32_t bsize;
		uint64_t t;
		ssize_t n;
		int fd, e;

		pthread_mutex_lock(&r->mu);
		fd = r->fd;
		ep = r->epoch;
		bsize = r->bsize;
		pthread_mutex_unlock(&r->mu);
		if (fd < 0 || ep == rd->done_epoch) {
			sleep_ms(5);
			continue;
		}
		if (ep != rd->cur_epoch) {
			rd->unverified += rd->pc.unverified;
			rd->cur_epoch = ep;
			pat_reset(&rd->pc, bsize);
		}
		n = read(fd, buf, sizeof(buf));
		e = errno;
		t = now_ns();
		if (n > 0) {
			if (!pat_chunk(&rd->pc, buf, (size_t)n, rd->err,
				       sizeof(rd->err))) {
				rd->failed = true;
				break;
			}
			pthread_mutex_lock(&r->mu);
			if (ep < UNBIND_CYCLES + 2 && r->gone_ns[ep] &&
			    t > r->gone_ns[ep])
				rd->late++;
			pthread_mutex_unlock(&r->mu);
			rd->bytes += (uint64_t)n;
			rd->reads++;
			atomic_fetch_add(&r->reads, 1);
		} else if (n == 0) {
			snprintf(rd->err, sizeof(rd->err),
				 "copy-mode read() returned 0");
			rd->failed = true;
			break;
		} else if (e == ENODEV || e == EPIPE) {
			if (e == ENODEV)
				rd->enodev++;
			else
				rd->epipe++;
			rd->done_epoch = ep;
		} else if (e != EINTR) {
			snprintf(rd->err, sizeof(rd->err),
				 "copy-mode read(): %s (%s), expected data, ENODEV or EPIPE",
				 errname(e), strerror(e));
			rd->failed = true;
			break;
		}
	}
	rd->unverified += rd->pc.unverified;
	return NULL;
}

static bool join_within(pthread_t th, unsigned int ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return pthread_timedjoin_np(th, NULL, &ts) == 0;
}

static bool publish(struct lctx *c, struct race *r, int *fds, int i)
{
	struct fpgadma_info info;
	int fd = dev_open(c->path, O_RDWR);

	fds[i] = fd;
	if (fd < 0 || !get_info(fd, &info) ||
	    !set_timeout(fd, scaled_ms(10000)))
		return false;
	pthread_mutex_lock(&r->mu);
	r->fd = fd;
	r->bsize = info.buf_size;
	r->epoch++;
	pthread_mutex_unlock(&r->mu);
	return true;
}

/* Readers got some data from the new file (a liveness bound, generous). */
static bool wait_progress(struct race *r, struct reader *rd, int nrd,
			  unsigned long from, int cycle)
{
	uint64_t deadline = now_ns() + scaled_ms(30000) * 1000000ull;
	int i;

	while (atomic_load(&r->reads) < from + 2) {
		for (i = 0; i < nrd; i++)
			if (rd[i].failed)
				return false;
		if (now_ns() > deadline)
			return failf("cycle %d: the readers got no data in 30 s",
				     cycle);
		sleep_ms(5);
	}
	return true;
}

static bool t_copy_vs_unbind(void *arg)
{
	struct lctx *c = arg;
	struct race r = { .mu = PTHREAD_MUTEX_INITIALIZER, .fd = -1 };
	struct reader rd[2];
	int fds[UNBIND_CYCLES + 1], i;
	uint64_t bytes = 0, enodev = 0, epipe = 0, unverified = 0, late = 0;
	bool ok = true;

	for (i = 0; i <= UNBIND_CYCLES; i++)
		fds[i] = -1;
	memset(rd, 0, sizeof(rd));
	for (i = 0; i < 2; i++) {
		rd[i].r = &r;
		if (pthread_create(&rd[i].th, NULL, reader_main, &rd[i]))
			return failf("pthread_create failed");
		rd[i].started = true;
	}
	for (i = 0; ok && i < UNBIND_CYCLES; i++) {
		unsigned long from = atomic_load(&r.reads);
		int err;

		ok = publish(c, &r, fds, i) &&
		     wait_progress(&r, rd, 2, from, i + 1);
		if (!ok)
			break;
		/* Unbind at varying points of the readers' copies. */
		sleep_ms((unsigned int)(now_ns() / 1000 % 20));
		err = binding_unbind(&c->b);
		pthread_mutex_lock(&r.mu);
		r.gone_ns[r.epoch] = now_ns();
		pthread_mutex_unlock(&r.mu);
		if (err) {
			ok = failf("cycle %d: unbind %s: %s", i + 1, c->b.name,
				   strerror(err));
			break;
		}
		err = binding_bind(&c->b);
		if (err) {
			ok = failf("cycle %d: bind %s: %s", i + 1, c->b.name,
				   strerror(err));
			break;
		}
		ok = refresh_path(c);
	}
	if (ok) {	/* and it still streams after the last rebind */
		unsigned long from = atomic_load(&r.reads);

		ok = publish(c, &r, fds, UNBIND_CYCLES) &&
		     wait_progress(&r, rd, 2, from, UNBIND_CYCLES + 1);
	}
	atomic_store(&r.stop, true);
	for (i = 0; i < 2; i++) {
		if (rd[i].started && !join_within(rd[i].th, scaled_ms(30000))) {
			ok = failf("reader %d did not finish 30 s after the end", i);
			continue;
		}
		if (rd[i].failed)
			ok = failf("reader %d: %s", i, rd[i].err);
		bytes += rd[i].bytes;
		enodev += rd[i].enodev;
		epipe += rd[i].epipe;
		unverified += rd[i].unverified;
		late += rd[i].late;
	}
	for (i = 0; i <= UNBIND_CYCLES; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (ok)
		printf("INFO: lifetime.copy-read-vs-unbind: %d cycles, %llu bytes checked (%llu in tiny pieces unchecked), %llu ENODEV, %llu EPIPE, %llu reads returned data after the unbind had returned (copies racing with removal)\n",
		       UNBIND_CYCLES, (unsigned long long)bytes,
		       (unsigned long long)unverified,
		       (unsigned long long)enodev, (unsigned long long)epipe,
		       (unsigned long long)late);
	return ok;
}

/* ---- 2: poll after a copy-mode reader closed mid-buffer ----------------- */

static bool t_poll_after_copy_close(void *arg)
{
	struct lctx *c = arg;
	struct fpgadma_record recs[4];
	struct fpgadma_info info;
	struct fpgadma_stats st;
	struct pat_check pc;
	struct pollfd pfd;
	uint8_t buf[CHUNK];
	char err[512];
	unsigned int held = 0, guard;
	bool ok = false;
	ssize_t n;
	int a, b = -1, pr;

	a = dev_open(c->path, O_RDWR);
	if (a < 0)
		return false;
	if (!get_info(a, &info) || !set_timeout(a, scaled_ms(10000))) {
		close(a);
		return false;
	}
	/* A holds a partly read buffer, then closes. */
	n = read(a, buf, sizeof(buf));
	if (n != (ssize_t)sizeof(buf)) {
		failf("copy-mode read of %zu bytes: %s", sizeof(buf),
		      n < 0 ? errname(errno) : "short");
		close(a);
		return false;
	}
	pat_reset(&pc, info.buf_size);
	if (!pat_chunk(&pc, buf, sizeof(buf), err, sizeof(err))) {
		failf("copy-mode data: %s", err);
		close(a);
		return false;
	}
	close(a);

	b = dev_open(c->path, O_RDWR);
	if (b < 0)
		return false;
	if (!set_ring(b, 4, page_bytes()) || !set_timeout(b, scaled_ms(10000)) ||
	    !EXPECT_OK(ioctl(b, FPGADMA_IOC_START), "START"))
		goto out;
	for (guard = 0; held < 4 && guard < 16; guard++) {
		n = read(b, recs, sizeof(recs));
		if (n <= 0 || n % (ssize_t)sizeof(recs[0])) {
			failf("read of records: %s",
			      n < 0 ? errname(errno) : "bad size");
			goto out;
		}
		held += (unsigned int)(n / (ssize_t)sizeof(recs[0]));
	}
	if (!get_stats(b, &st))
		goto out;
	if (st.user != 4 || st.done) {
		failf("after %u records: user %llu, done %llu; expected all 4 buffers held",
		      held, (unsigned long long)st.user,
		      (unsigned long long)st.done);
		goto out;
	}
	pfd = (struct pollfd){ .fd = b, .events = POLLIN };
	pr = poll(&pfd, 1, 300);
	if (pr < 0) {
		failf("poll: %s", errname(errno));
		goto out;
	}
	if (pr) {
		failf("poll returned revents 0x%x although the user holds every buffer and nothing is ready (stale copy-mode state of the closed reader?)",
		      pfd.revents);
		goto out;
	}
	ok = true;
out:
	ioctl(b, FPGADMA_IOC_STOP);
	if (ioc_set_ring(b, info.buf_count, info.buf_size, 0, 0) < 0 && ok)
		ok = failf("restoring the ring %u x %u: %s", info.buf_count,
			   info.buf_size, errname(errno));
	close(b);
	return ok;
}

/* ---- 3: close while mapped ---------------------------------------------- */

static bool wait_streaming(int fd, uint32_t want, unsigned int ms)
{
	uint64_t deadline = now_ns() + ms * 1000000ull;
	struct fpgadma_stats st;

	for (;;) {
		if (!get_stats(fd, &st))
			return false;
		if (st.streaming == want)
			return true;
		if (now_ns() > deadline)
			return failf("GET_STATS streaming %u, expected %u",
				     st.streaming, want);
		sleep_ms(20);
	}
}

static bool t_close_while_mapped(void *arg)
{
	struct lctx *c = arg;
	struct fpgadma_record rec;
	struct fpgadma_info info;
	struct fpgadma_stats st;
	uint8_t *map = NULL;
	bool ok = false;
	int a, b = -1;

	a = dev_open(c->path, O_RDWR);
	if (a < 0)
		return false;
	if (!get_info(a, &info) ||
	    !EXPECT_OK(ioctl(a, FPGADMA_IOC_START), "START on A") ||
	    !(map = map_ring(a, &info))) {
		close(a);
		return false;
	}
	close(a);	/* no munmap: the mapping holds the file */

	b = dev_open(c->path, O_RDWR);
	if (b < 0 || !get_stats(b, &st))
		goto out;
	if (st.streaming != 1) {
		failf("GET_STATS streaming %u after closing the mapped streaming file; the mapping keeps that file, so it must still stream",
		      st.streaming);
		goto out;
	}
	if (!EXPECT_ERRNO(ioctl(b, FPGADMA_IOC_START), EBUSY,
			  "START on B while A's mapping lives") ||
	    !EXPECT_ERRNO(ioc_set_ring(b, 8, page_bytes(), 0, 0), EBUSY,
			  "SET_RING on B while A's mapping lives"))
		goto out;
	munmap(map, ring_bytes(&info));
	map = NULL;
	if (!wait_streaming(b, 0, scaled_ms(5000)) ||
	    !EXPECT_OK(ioctl(b, FPGADMA_IOC_START), "START on B after munmap") ||
	    !set_timeout(b, scaled_ms(10000)) ||
	    !EXPECT_OK(read(b, &rec, sizeof(rec)), "read of a record on B") ||
	    !EXPECT_OK(ioctl(b, FPGADMA_IOC_STOP), "STOP on B"))
		goto out;
	ok = true;
out:
	if (map)
		munmap(map, ring_bytes(&info));
	if (b >= 0)
		close(b);
	return ok;
}

/* ---- 5, 6: a copy-mode reader stuck in copy_to_user --------------------- */

struct stuck {
	struct lctx *c;
	int fd;
	int uffd;
	uint8_t *region;
	size_t region_len;
	struct fpgadma_info info;
	pthread_t th;
	bool started;
	atomic_bool done;
	ssize_t ret;
	int err;
	pid_t unbinder;
	bool unbound;		/* the unbind write finished */
};

static void *stuck_reader(void *arg)
{
	struct stuck *k = arg;

	k->ret = read(k->fd, k->region, CHUNK);
	k->err = errno;
	atomic_store(&k->done, true);
	return NULL;
}

/*
 * Open the model, register an anonymous region with userfaultfd (missing
 * pages; faults are never served) and start a copy-mode read() into it:
 * the driver's copy_to_user() blocks in the fault.
 */
static bool stuck_setup(struct stuck *k)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg;
	struct uffd_msg msg;
	struct pollfd pfd;
	long page = sysconf(_SC_PAGESIZE);

	k->fd = k->uffd = -1;
	k->region = NULL;
	k->fd = dev_open(k->c->path, O_RDWR);
	if (k->fd < 0 || !get_info(k->fd, &k->info) ||
	    !set_timeout(k->fd, scaled_ms(20000)))
		return false;
	k->uffd = (int)syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (k->uffd < 0 && errno == ENOSYS)
		return failf("no userfaultfd in this kernel");
	if (k->uffd < 0)
		return failf("userfaultfd: %s (%s)", errname(errno),
			     strerror(errno));
	if (!EXPECT_OK(ioctl(k->uffd, UFFDIO_API, &api), "UFFDIO_API"))
		return false;
	k->region_len = (size_t)page * 4;
	k->region = mmap(NULL, k->region_len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (k->region == MAP_FAILED) {
		k->region = NULL;
		return failf("mmap: %s", errname(errno));
	}
	reg = (struct uffdio_register){
		.range = { .start = (uintptr_t)k->region, .len = k->region_len },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};
	if (!EXPECT_OK(ioctl(k->uffd, UFFDIO_REGISTER, &reg), "UFFDIO_REGISTER"))
		return false;
	if (pthread_create(&k->th, NULL, stuck_reader, k))
		return failf("pthread_create failed");
	k->started = true;

	/* The fault arrives once the model delivered a buffer. */
	pfd = (struct pollfd){ .fd = k->uffd, .events = POLLIN };
	if (poll(&pfd, 1, (int)scaled_ms(20000)) != 1) {
		if (atomic_load(&k->done))
			return failf("the copy-mode read() returned %zd (%s) without touching the userfaultfd region",
				     k->ret, k->ret < 0 ? errname(k->err) : "data");
		return failf("no userfaultfd fault from the copy-mode read() in 20 s");
	}
	if (read(k->uffd, &msg, sizeof(msg)) != (ssize_t)sizeof(msg))
		return failf("read of the userfaultfd message: %s",
			     errname(errno));
	if (msg.event != UFFD_EVENT_PAGEFAULT)
		return failf("userfaultfd event %u, expected a page fault",
			     msg.event);
	sleep_ms(100);
	if (atomic_load(&k->done))
		return failf("the read() finished although its fault is not served");
	return true;
}

/* Unbind from a child process; the parent waits at most 10 s for it. */
static bool stuck_unbind(struct stuck *k)
{
	int status, err;
	uint64_t t0 = now_ns();

	k->unbinder = fork();
	if (k->unbinder < 0)
		return failf("fork: %s", errname(errno));
	if (k->unbinder == 0) {
		/* Our copy of the userfaultfd must not keep the fault pending. */
		close(k->uffd);
		_exit(binding_unbind(&k->c->b));
	}
	if (!wait_child(k->unbinder, UNBIND_BOUND_MS, &status))
		return failf("unbind of %s did not complete within %d s while a copy-mode read() was blocked in copy_to_user() on a userfaultfd page (remove() waits for the reader)",
			     k->c->b.name, UNBIND_BOUND_MS / 1000);
	k->unbinder = 0;
	k->unbound = true;
	err = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	if (err)
		return failf("unbind of %s: %s", k->c->b.name,
			     err > 0 ? strerror(err) : "unbinder crashed");
	printf("INFO: unbind took %llu ms with a reader stuck in copy_to_user\n",
	       (unsigned long long)((now_ns() - t0) / 1000000));
	return true;
}

/*
 * Release the stuck reader (closing the userfaultfd lets the fault in),
 * reap the unbinder and the thread, and check what the read() returned.
 * Runs whatever happened before; keeps the first failure.
 */
static bool stuck_cleanup(struct stuck *k)
{
	bool ok = true;
	int status;

	if (k->uffd >= 0)
		close(k->uffd);
	k->uffd = -1;
	if (k->unbinder > 0) {
		if (!wait_child(k->unbinder, scaled_ms(30000), &status)) {
			ok = failf("unbind still blocked 30 s after the reader was released");
			kill(k->unbinder, SIGKILL);
		} else {
			k->unbound = true;
		}
		k->unbinder = 0;
	}
	if (k->started) {
		if (!join_within(k->th, scaled_ms(30000))) {
			ok = failf("the copy-mode read() did not return 30 s after its fault was released");
		} else if (k->ret > 0) {
			struct pat_check pc;
			char err[512];

			pat_reset(&pc, k->info.buf_size);
			if (k->ret > CHUNK)
				ok = failf("read() returned %zd > %d", k->ret,
					   CHUNK);
			else if (!pat_chunk(&pc, k->region, (size_t)k->ret,
					    err, sizeof(err)))
				ok = failf("the released read() returned bad data: %s",
					   err);
		} else if (k->ret == 0 ||
			   (k->err != ENODEV && k->err != EFAULT &&
			    k->err != EPIPE)) {
			ok = failf("the released read() returned %zd (%s), expected data, ENODEV, EPIPE or EFAULT",
				   k->ret, k->ret ? errname(k->err) : "EOF");
		}
		k->started = false;
	}
	if (k->region)
		munmap(k->region, k->region_len);
	k->region = NULL;
	if (k->fd >= 0)
		close(k->fd);
	k->fd = -1;
	return ok;
}

static bool t_uffd_unbind(void *arg)
{
	struct stuck k = { .c = arg, .fd = -1, .uffd = -1 };
	bool ok;

	ok = stuck_setup(&k) && stuck_unbind(&k);
	return stuck_cleanup(&k) && ok;
}

/* START, nrec records checked (word 0 is the sequence), STOP. */
static bool record_check(const char *path, unsigned int nrec)
{
	struct fpgadma_record recs[16];
	struct fpgadma_info info;
	uint8_t *ring = NULL;
	unsigned int got = 0;
	bool ok = false;
	int fd = dev_open(path, O_RDWR);

	if (fd < 0)
		return false;
	if (!get_info(fd, &info) || !(ring = map_ring(fd, &info)) ||
	    !set_timeout(fd, scaled_ms(10000)) ||
	    !EXPECT_OK(ioctl(fd, FPGADMA_IOC_START), "START"))
		goto out;
	while (got < nrec) {
		ssize_t n = read(fd, recs, sizeof(recs));
		uint32_t idx[16];
		long i, m;

		if (n <= 0 || n % (ssize_t)sizeof(recs[0])) {
			failf("read of records: %s",
			      n < 0 ? errname(errno) : "bad size");
			goto out;
		}
		m = n / (ssize_t)sizeof(recs[0]);
		for (i = 0; i < m; i++) {
			uint64_t w0;

			if (recs[i].index >= info.buf_count || recs[i].flags ||
			    recs[i].bytes_used != info.buf_size) {
				failf("record index %u flags 0x%x bytes_used %u",
				      recs[i].index, recs[i].flags,
				      recs[i].bytes_used);
				goto out;
			}
			memcpy(&w0, ring + (size_t)recs[i].index * info.buf_size,
			       sizeof(w0));
			if (w0 != recs[i].sequence) {
				failf("buffer %u word 0 is %llu, record says %llu",
				      recs[i].index, (unsigned long long)w0,
				      (unsigned long long)recs[i].sequence);
				goto out;
			}
			idx[i] = recs[i].index;
		}
		if (!EXPECT_OK(ioc_release(fd, idx, (uint32_t)m, 0), "RELEASE"))
			goto out;
		got += (unsigned int)m;
	}
	ok = EXPECT_OK(ioctl(fd, FPGADMA_IOC_STOP), "STOP");
out:
	if (ring)
		munmap(ring, ring_bytes(&info));
	close(fd);
	return ok;
}

/* After an unbind test: bound again, and the device streams good data. */
static bool t_rebind_works(void *arg)
{
	struct lctx *c = arg;

	return ensure_bound(c) && model_defaults(c) &&
	       copy_read_check(c->path, (size_t)3 * CHUNK) &&
	       record_check(c->path, 20);
}

static bool t_pinned_old_ring(void *arg)
{
	struct stuck k = { .c = arg, .fd = -1, .uffd = -1 };
	uint32_t count;
	bool ok;

	ok = stuck_setup(&k);
	/* From another thread, on the same file: stop and change the ring. */
	count = k.info.buf_count == 8 ? 16 : 8;
	ok = ok && EXPECT_OK(ioctl(k.fd, FPGADMA_IOC_STOP),
			     "STOP while the reader is stuck");
	ok = ok && set_ring(k.fd, count, 2 * page_bytes());
	ok = ok && stuck_unbind(&k);
	return stuck_cleanup(&k) && ok;
}

/* ---- 7: STOP inside a long moderation window ---------------------------- */

static bool t_stop_long_coalesce(void *arg)
{
	struct lctx *c = arg;
	struct fpgadma_record recs[16];
	bool ok = false, started = false;
	uint64_t deadline;
	ssize_t n;
	int fd = dev_open(c->path, O_RDWR);

	if (fd < 0)
		return false;
	if (!EXPECT_OK(set_coalesce(fd, 1000, 3000000),
		       "SET_COALESCE 1000 / 3 s") ||
	    !EXPECT_OK(ioctl(fd, FPGADMA_IOC_START), "START") ||
	    !set_timeout(fd, 200))
		goto out;
	started = true;
	n = read(fd, recs, sizeof(recs));	/* a record if any */
	if (n < 0 && errno != ETIMEDOUT) {
		failf("read: %s, expected records or ETIMEDOUT", errname(errno));
		goto out;
	}
	if (!EXPECT_OK(ioctl(fd, FPGADMA_IOC_STOP), "STOP in the window"))
		goto out;
	started = false;
	if (!EXPECT_OK(ioctl(fd, FPGADMA_IOC_START),
		       "START right after STOP in a 3 s moderation window"))
		goto out;
	started = true;
	if (!set_timeout(fd, scaled_ms(15000)))
		goto out;
	n = read(fd, recs, sizeof(recs));
	if (n <= 0) {
		failf("no record after the second START: %s",
		      n < 0 ? errname(errno) : "read returned 0");
		goto out;
	}
	ok = true;
out:
	if (started)
		ioctl(fd, FPGADMA_IOC_STOP);
	if (set_coalesce(fd, 1, 0) < 0 && ok)
		ok = failf("restoring SET_COALESCE 1 / 0: %s", errname(errno));
	/* Leave a device that starts (after a failure it may need time). */
	deadline = now_ns() + scaled_ms(10000) * 1000000ull;
	while (ioctl(fd, FPGADMA_IOC_START) < 0 && now_ns() < deadline)
		sleep_ms(200);
	ioctl(fd, FPGADMA_IOC_STOP);
	close(fd);
	return ok;
}

int cmd_lifetime(const char *dev)
{
	static struct lctx c;
	static const struct step steps[] = {
		{ "lifetime.find-model", 10, t_find, true, false },
		{ "lifetime.copy-read-vs-unbind", 240, t_copy_vs_unbind, false, false },
		{ "lifetime.copy-read-vs-unbind.rebind-works", 60, t_rebind_works, false, true },
		{ "lifetime.poll-after-copy-close", 60, t_poll_after_copy_close, false, false },
		{ "lifetime.close-while-mapped", 60, t_close_while_mapped, false, false },
		{ "lifetime.unbind-uffd-reader", 120, t_uffd_unbind, false, false },
		{ "lifetime.unbind-uffd-reader.rebind-works", 60, t_rebind_works, false, true },
		{ "lifetime.pinned-old-ring-unbind", 120, t_pinned_old_ring, false, false },
		{ "lifetime.pinned-old-ring-unbind.rebind-works", 60, t_rebind_works, false, true },
		{ "lifetime.stop-in-long-coalesce-window", 60, t_stop_long_coalesce, false, false },
	};

	(void)dev;
	RUN_STEPS(steps, &c);
	return test_failures();
}

/* ---- ring-limits --------------------------------------------------------- */

struct ring_try {
	const char *path;
	uint32_t count, size;
};

static bool t_ring_try(void *arg)
{
	const struct ring_try *t = arg;
	static const int allowed[] = { ENOMEM, EINVAL };
	struct fpgadma_info info;
	bool ok = false;
	long r;
	int fd = dev_open(t->path, O_RDWR), e;

	if (fd < 0)
		return false;
	if (!get_info(fd, &info))
		goto out;
	r = ioc_set_ring(fd, t->count, t->size, 0, 0);
	e = errno;
	if (r == 0) {
		printf("INFO: SET_RING %u x %u succeeded\n", t->count, t->size);
		ok = set_ring(fd, info.buf_count, info.buf_size);
	} else {
		ok = expect_errno_in(r, e, allowed, 2, "SET_RING");
	}
	ok = ok && short_stream_check(t->path, 3);
out:
	close(fd);
	return ok;
}

int cmd_ring_limits(const char *dev)
{
	struct ring_try a = { dev, 65536, page_bytes() }, b = { dev, 1, 1U << 30 };

	run_test("ring-limits.set-ring-65536-pages", 180, t_ring_try, &a);
	run_test("ring-limits.set-ring-1x1GiB", 180, t_ring_try, &b);
	return test_failures();
}
