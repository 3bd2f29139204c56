// SPDX-License-Identifier: MIT
/*
 * libfpgadma: see include/fpgadma.h for the API and its rules.
 *
 * The file is opened O_NONBLOCK: a wait is a read() attempt, then poll()
 * with the remaining timeout, then read() again. Record-mode reads take up
 * to FPGADMA_LIB_BATCH records at once; the ones not handed out yet stay in
 * dev->pend (they are the user's already as far as the driver is concerned).
 *
 * Shared rings (FPGADMA_CAP_SHARED, unless FPGADMA_OPEN_NO_SHARED): start
 * maps the control area and calls FPGADMA_IOC_SHM_START; fpgadma_next()
 * takes records from the completion ring and fpgadma_release() produces
 * indices into the release ring, with no system call while data flows:
 * only to sleep (poll) and when the kernel sets NEED_WAKEUP (SHM_KICK).
 * The library tracks which buffers it handed out (dev->held), so that a
 * release of a view that is not held fails with -EINVAL at once, as with
 * FPGADMA_IOC_RELEASE; the kernel checks again on its own. Releases from
 * several threads produce under a spin lock (dev->rel_lock).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fpgadma.h"
#include "uapi/fpgadma.h"

#define API __attribute__((visibility("default")))
#define FPGADMA_LIB_BATCH	64
#define RELEASE_STACK		64
#define ALL_OPEN_FLAGS		(FPGADMA_OPEN_COPY | FPGADMA_OPEN_EINTR | \
				 FPGADMA_OPEN_NO_SHARED)

struct fpgadma {
	int fd;
	unsigned int flags;
	uint32_t caps;			/* the driver's FPGADMA_CAP_* */
	int streaming;			/* this handle called START */
	uint8_t *map;			/* the ring, or NULL */
	size_t map_len;
	uint32_t buf_count, buf_size;	/* geometry of the mapping */
	struct fpgadma_record pend[FPGADMA_LIB_BATCH];
	unsigned int pend_head, pend_count;
	/* Shared rings: the control area, and this handle streams through it. */
	uint8_t *ctrl;
	size_t ctrl_len;
	struct fpgadma_shm_info si;
	int shared;
	uint32_t ccons;			/* completion consumer (fpgadma_next) */
	uint32_t rprod;			/* release producer; rel_lock */
	atomic_flag rel_lock;
	atomic_uchar *held;		/* per buffer: handed out, not released */
};

static _Atomic uint32_t *ctrl_u32(const struct fpgadma *dev, uint32_t off)
{
	return (_Atomic uint32_t *)(void *)(dev->ctrl + off);
}

API int fpgadma_version(void)
{
	return FPGADMA_LIB_API_VERSION;
}

API const char *fpgadma_strerror(int err)
{
	const char *s;

	if (err < 0)
		err = -err;
	switch (err) {
	case 0:
		return "success";
	case EINVAL:
		return "invalid argument, or call not valid for this handle";
	case ENOENT:
		return "no such fpgadma device node";
	case ENOTTY:
		return "not an fpgadma device";
	case EPROTO:
		return "unsupported fpgadma driver API version";
	case EBUSY:
		return "device busy: another handle streams, or the ring is in use";
	case EPIPE:
		return "not streaming: the stream was not started or was stopped";
	case ETIMEDOUT:
		return "timed out waiting for a buffer";
	case EAGAIN:
		return "no buffer ready";
	case EINTR:
		return "interrupted by a signal";
	case ENODEV:
		return "the device was removed";
	case ENOMEM:
		return "out of memory (or ring too large for the device)";
	case EACCES:
		return "permission denied (see the fpgadma group)";
	}
	s = strerrordesc_np(err);
	return s ? s : "unknown error";
}

/* ioctl, retried on EINTR (every fpgadma ioctl is restartable). */
static int xioctl(int fd, unsigned long req, void *arg)
{
	int r;

	do
		r = ioctl(fd, req, arg);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Wait until the fd is readable or the deadline (ms, CLOCK_MONOTONIC; <0
 * none) passes. 0: try a read; -ETIMEDOUT, -EINTR (only with
 * FPGADMA_OPEN_EINTR), or another error.
 */
static int wait_readable(struct fpgadma *dev, int64_t deadline)
{
	struct pollfd p = { .fd = dev->fd, .events = POLLIN };

	for (;;) {
		int tmo = -1, r;

		if (deadline >= 0) {
			int64_t left = deadline - now_ms();

			if (left <= 0)
				return -ETIMEDOUT;
			tmo = left > 0x7fffffff ? 0x7fffffff : (int)left;
		}
		r = poll(&p, 1, tmo);
		if (r > 0)
			return 0;	/* the read tells what happened */
		if (r == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
		if (dev->flags & FPGADMA_OPEN_EINTR)
			return -EINTR;
	}
}

/*
 * read() with the library's timeout rules. Returns bytes read (> 0) or a
 * negative errno.
 */
static ssize_t timed_read(struct fpgadma *dev, void *buf, size_t len,
			  int timeout_ms)
{
	int64_t deadline = timeout_ms > 0 ? now_ms() + timeout_ms : -1;

	for (;;) {
		ssize_t n = read(dev->fd, buf, len);
		int r;

		if (n > 0)
			return n;
		if (n == 0)
			return -EPIPE;	/* not expected from the driver */
		if (errno == EINTR) {
			if (dev->flags & FPGADMA_OPEN_EINTR)
				return -EINTR;
			continue;
		}
		if (errno != EAGAIN)
			return -errno;
		if (timeout_ms == 0)
			return -EAGAIN;
		r = wait_readable(dev, deadline);
		if (r)
			return r;
	}
}

static int check_file(int fd, uint32_t *caps)
{
	struct fpgadma_info info;
	struct stat st;
	int r;

	if (fstat(fd, &st))
		return -errno;
	if (!S_ISCHR(st.st_mode))
		return -ENOTTY;
	memset(&info, 0, sizeof(info));
	r = xioctl(fd, FPGADMA_IOC_INFO, &info);
	if (r)
		return r;
	if (info.api_version < 1)
		return -EPROTO;
	*caps = info.caps;
	return 0;
}

API int fpgadma_open(struct fpgadma **devp, const char *path,
		     unsigned int flags)
{
	struct fpgadma *dev;
	uint32_t caps = 0;
	int fd, r;

	if (!devp)
		return -EINVAL;
	*devp = NULL;
	if (!path || !*path || (flags & ~ALL_OPEN_FLAGS))
		return -EINVAL;
	do
		fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return -errno;
	r = check_file(fd, &caps);
	if (r) {
		close(fd);
		return r;
	}
	dev = calloc(1, sizeof(*dev));
	if (!dev) {
		close(fd);
		return -ENOMEM;
	}
	dev->fd = fd;
	dev->flags = flags;
	dev->caps = caps;
	atomic_flag_clear(&dev->rel_lock);
	*devp = dev;
	return 0;
}

API int fpgadma_open_index(struct fpgadma **devp, int index,
			   unsigned int flags)
{
	char path[32];

	if (!devp)
		return -EINVAL;
	*devp = NULL;
	if (index < 0)
		return -EINVAL;
	snprintf(path, sizeof(path), "/dev/fpgadma%d", index);
	return fpgadma_open(devp, path, flags);
}

static void unmap_ring(struct fpgadma *dev)
{
	if (dev->map)
		munmap(dev->map, dev->map_len);
	dev->map = NULL;
	dev->map_len = 0;
	dev->buf_count = dev->buf_size = 0;
	if (dev->ctrl)
		munmap(dev->ctrl, dev->ctrl_len);
	dev->ctrl = NULL;
	dev->ctrl_len = 0;
	dev->shared = 0;
	free(dev->held);
	dev->held = NULL;
}

API int fpgadma_close(struct fpgadma *dev)
{
	int r = 0;

	if (!dev)
		return 0;
	unmap_ring(dev);
	if (close(dev->fd) && errno != EINTR)
		r = -errno;
	free(dev);
	return r;
}

API int fpgadma_fd(const struct fpgadma *dev)
{
	return dev ? dev->fd : -EINVAL;
}

API int fpgadma_info(struct fpgadma *dev, struct fpgadma_devinfo *out)
{
	struct fpgadma_info info;
	int r;

	if (!dev || !out)
		return -EINVAL;
	memset(&info, 0, sizeof(info));
	r = xioctl(dev->fd, FPGADMA_IOC_INFO, &info);
	if (r)
		return r;
	memset(out, 0, sizeof(*out));
	out->api_version = info.api_version;
	out->caps = info.caps;
	out->buf_count = info.buf_count;
	out->buf_size = info.buf_size;
	out->max_buf_count = info.max_buf_count;
	out->max_buf_size = info.max_buf_size;
	out->max_ring_size = info.max_ring_size;
	out->max_xfer = info.max_xfer;
	out->page_size = info.page_size;
	out->dma_bits = info.dma_bits;
	out->streaming = !!(info.flags & FPGADMA_INFO_STREAMING);
	memcpy(out->engine, info.engine, sizeof(info.engine));
	out->engine[sizeof(info.engine)] = '\0';
	return 0;
}

API int fpgadma_stats(struct fpgadma *dev, struct fpgadma_counters *out)
{
	struct fpgadma_stats st;
	int r;

	if (!dev || !out)
		return -EINVAL;
	memset(&st, 0, sizeof(st));
	r = xioctl(dev->fd, FPGADMA_IOC_GET_STATS, &st);
	if (r)
		return r;
	*out = (struct fpgadma_counters) {
		.completed = st.completed, .dequeued = st.dequeued,
		.released = st.released, .dropped = st.dropped,
		.errors = st.errors, .irqs = st.irqs, .bytes = st.bytes,
		.queued = st.queued, .done = st.done, .user = st.user,
		.streaming = st.streaming,
	};
	return 0;
}

API int fpgadma_starved(struct fpgadma *dev, uint64_t *events, uint64_t *ns)
{
	struct fpgadma_stats st;
	int r;

	if (!dev)
		return -EINVAL;
	if (!(dev->caps & FPGADMA_CAP_STARVED))
		return -EOPNOTSUPP;
	memset(&st, 0, sizeof(st));
	r = xioctl(dev->fd, FPGADMA_IOC_GET_STATS, &st);
	if (r)
		return r;
	if (events)
		*events = st.starved;
	if (ns)
		*ns = st.starved_ns;
	return 0;
}

API int fpgadma_configure(struct fpgadma *dev, uint32_t buf_count,
			  uint32_t buf_size)
{
	return fpgadma_configure_memory(dev, buf_count, buf_size,
					FPGADMA_MEM_AUTO);
}

API int fpgadma_configure_memory(struct fpgadma *dev, uint32_t buf_count,
				 uint32_t buf_size, unsigned int memory)
{
	struct fpgadma_ring_config cfg = { 0 };
	int r;

	if (!dev || memory > FPGADMA_MEM_CACHED)
		return -EINVAL;
	if (memory != FPGADMA_MEM_AUTO && !(dev->caps & FPGADMA_CAP_MEMORY))
		return -EOPNOTSUPP;
	/* The library's values are the UAPI's. */
	cfg.flags = memory;
	if (dev->streaming)
		return -EBUSY;
	if (!buf_count || !buf_size) {
		struct fpgadma_info info;

		memset(&info, 0, sizeof(info));
		r = xioctl(dev->fd, FPGADMA_IOC_INFO, &info);
		if (r)
			return r;
		cfg.buf_count = buf_count ? buf_count : info.buf_count;
		cfg.buf_size = buf_size ? buf_size : info.buf_size;
	} else {
		cfg.buf_count = buf_count;
		cfg.buf_size = buf_size;
	}
	/* The driver refuses SET_RING while the ring is mapped. */
	unmap_ring(dev);
	r = xioctl(dev->fd, FPGADMA_IOC_SET_RING, &cfg);
	/* A driver of API version 1's first release knows only the old number. */
	if (r == -ENOTTY)
		r = xioctl(dev->fd, FPGADMA_IOC_SET_RING_V1, &cfg);
	return r;
}

API int fpgadma_memory(struct fpgadma *dev)
{
	struct fpgadma_info info;
	int r;

	if (!dev)
		return -EINVAL;
	memset(&info, 0, sizeof(info));
	r = xioctl(dev->fd, FPGADMA_IOC_INFO, &info);
	if (r)
		return r;
	return (info.flags & FPGADMA_INFO_CACHED) ? FPGADMA_MEM_CACHED :
						    FPGADMA_MEM_COHERENT;
}

static int map_ring(struct fpgadma *dev)
{
	struct fpgadma_info info;
	void *p;
	int r;

	if (dev->map)
		return 0;
	memset(&info, 0, sizeof(info));
	r = xioctl(dev->fd, FPGADMA_IOC_INFO, &info);
	if (r)
		return r;
	if (!info.buf_count || !info.buf_size)
		return -EPROTO;
	dev->map_len = (size_t)info.buf_count * info.buf_size;
	p = mmap(NULL, dev->map_len, PROT_READ, MAP_SHARED, dev->fd, 0);
	if (p == MAP_FAILED) {
		dev->map_len = 0;
		return -errno;
	}
	dev->map = p;
	dev->buf_count = info.buf_count;
	dev->buf_size = info.buf_size;
	return 0;
}

/*
 * mmap() read-write at a 64-bit offset: a 32-bit off_t cannot hold the
 * control area's (FPGADMA_MMAP_CTRL_BASE), so there glibc's mmap64().
 */
static void *map_at(int fd, size_t len, uint64_t off)
{
	if ((uint64_t)(off_t)off == off)
		return mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			    (off_t)off);
#ifdef __USE_LARGEFILE64
	return mmap64(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		      (off64_t)off);
#else
	errno = EOVERFLOW;
	return MAP_FAILED;
#endif
}

/* Map the control area and the ownership table (once per ring). */
static int map_ctrl(struct fpgadma *dev)
{
	void *p;
	int r;

	if (dev->ctrl)
		return 0;
	memset(&dev->si, 0, sizeof(dev->si));
	r = xioctl(dev->fd, FPGADMA_IOC_SHM_INFO, &dev->si);
	if (r)
		return r;
	if (dev->si.comp_entries < dev->buf_count ||
	    dev->si.rel_entries < dev->buf_count ||
	    (dev->si.comp_entries & (dev->si.comp_entries - 1)) ||
	    (dev->si.rel_entries & (dev->si.rel_entries - 1)) ||
	    dev->si.mmap_size > SIZE_MAX ||
	    dev->si.rel_ring_off + (uint64_t)dev->si.rel_entries * 4 >
	    dev->si.mmap_size ||
	    dev->si.comp_ring_off + (uint64_t)dev->si.comp_entries *
	    sizeof(struct fpgadma_record) > dev->si.mmap_size)
		return -EPROTO;
	dev->held = calloc(dev->buf_count, sizeof(*dev->held));
	if (!dev->held)
		return -ENOMEM;
	p = map_at(dev->fd, (size_t)dev->si.mmap_size, dev->si.mmap_offset);
	if (p == MAP_FAILED) {
		r = -errno;
		free(dev->held);
		dev->held = NULL;
		return r;
	}
	dev->ctrl = p;
	dev->ctrl_len = (size_t)dev->si.mmap_size;
	return 0;
}

/* Start through the shared rings; nonzero: use START instead. */
static int start_shared(struct fpgadma *dev)
{
	struct fpgadma_shm_start st = { 0 };
	uint32_t i;
	int r;

	if (!(dev->caps & FPGADMA_CAP_SHARED) ||
	    (dev->flags & FPGADMA_OPEN_NO_SHARED))
		return -EOPNOTSUPP;
	r = map_ctrl(dev);
	if (r)
		return r;
	r = xioctl(dev->fd, FPGADMA_IOC_SHM_START, &st);
	if (r)
		return r;
	/* SHM_START zeroed the indices. */
	dev->ccons = dev->rprod = 0;
	for (i = 0; i < dev->buf_count; i++)
		atomic_store_explicit(&dev->held[i], 0, memory_order_relaxed);
	dev->shared = 1;
	return 0;
}

API int fpgadma_start(struct fpgadma *dev)
{
	int r;

	if (!dev || (dev->flags & FPGADMA_OPEN_COPY))
		return -EINVAL;
	if (dev->streaming)
		return 0;
	r = map_ring(dev);
	if (r)
		return r;
	dev->shared = 0;
	r = start_shared(dev);
	/* EBUSY: another handle streams; START says so too. */
	if (r)
		r = xioctl(dev->fd, FPGADMA_IOC_START, NULL);
	if (r)
		return r;
	dev->streaming = 1;
	dev->pend_head = dev->pend_count = 0;
	return 0;
}

static int shm_kick(struct fpgadma *dev);

API int fpgadma_stop(struct fpgadma *dev)
{
	int r;

	if (!dev)
		return -EINVAL;
	/* Another handle's stream is none of our business. */
	if (!dev->streaming && !(dev->flags & FPGADMA_OPEN_COPY))
		return 0;
	/*
	 * Shared rings: what the release ring still holds goes back first,
	 * so that the driver counts it (GET_STATS released) as RELEASE would.
	 */
	if (dev->shared)
		(void)shm_kick(dev);
	r = xioctl(dev->fd, FPGADMA_IOC_STOP, NULL);
	if (r)
		return r;
	dev->streaming = 0;
	dev->pend_head = dev->pend_count = 0;
	return 0;
}

/* Records waiting in the completion ring (shared mode). */
static uint32_t shm_avail(const struct fpgadma *dev)
{
	/* (B): the producer before the records. */
	return atomic_load_explicit(ctrl_u32(dev, dev->si.comp_prod_off),
				    memory_order_acquire) - dev->ccons;
}

API int fpgadma_pending(const struct fpgadma *dev)
{
	if (!dev)
		return -EINVAL;
	if (dev->shared && dev->streaming) {
		uint32_t n = shm_avail(dev);

		return n > dev->si.comp_entries ? 0 : (int)n;
	}
	return (int)dev->pend_count;
}

/* FPGADMA_IOC_SHM_KICK without waiting; -EPIPE once the stream stopped. */
static int shm_kick(struct fpgadma *dev)
{
	struct fpgadma_shm_kick k = { 0 };
	int r = xioctl(dev->fd, FPGADMA_IOC_SHM_KICK, &k);

	return r == -EINVAL ? -EPIPE : r;
}

static int fill_pending(struct fpgadma *dev, int timeout_ms)
{
	ssize_t n;

	n = timed_read(dev, dev->pend, sizeof(dev->pend), timeout_ms);
	if (n < 0)
		return (int)n;
	if (n % sizeof(dev->pend[0]))
		return -EPROTO;
	dev->pend_head = 0;
	dev->pend_count = n / sizeof(dev->pend[0]);
	return 0;
}

static int make_view(struct fpgadma *dev, const struct fpgadma_record *rec,
		     struct fpgadma_view *v)
{
	if (rec->index >= dev->buf_count || rec->bytes_used > dev->buf_size)
		return -EPROTO;
	*v = (struct fpgadma_view) {
		.data = dev->map + (size_t)rec->index * dev->buf_size,
		.len = rec->bytes_used,
		.sequence = rec->sequence,
		.timestamp_ns = rec->timestamp_ns,
		.lost_before = rec->lost_before,
		.flags = rec->flags,
		.index = rec->index,
	};
	return 0;
}

/* Hand out up to max of the pending records as views. */
static int take_pending(struct fpgadma *dev, struct fpgadma_view *views,
			size_t max)
{
	size_t n = 0;

	if (max > 0x7fffffff)
		max = 0x7fffffff;
	while (n < max && dev->pend_count) {
		int r = make_view(dev, &dev->pend[dev->pend_head], &views[n]);
		if (r)
			return n ? (int)n : r;
		dev->pend_head++;
		dev->pend_count--;
		n++;
	}
	return (int)n;
}

/* The same with FPGADMA_KICK_WAIT (the file is O_NONBLOCK: no sleep). */
static int shm_kick_wait(struct fpgadma *dev)
{
	struct fpgadma_shm_kick k = { .flags = FPGADMA_KICK_WAIT };
	int r = xioctl(dev->fd, FPGADMA_IOC_SHM_KICK, &k);

	return r == -EINVAL ? -EPIPE : r;
}

/* Hand out up to max records of the completion ring as views. */
static int shm_take(struct fpgadma *dev, struct fpgadma_view *views,
		    size_t max)
{
	const struct fpgadma_record *comp =
		(const void *)(dev->ctrl + dev->si.comp_ring_off);
	uint32_t avail = shm_avail(dev), mask = dev->si.comp_entries - 1;
	size_t n = 0;
	int r = 0;

	if (avail > dev->si.comp_entries)
		return -EPROTO;		/* someone scribbled over the area */
	/* The device was removed: the records name buffers that are gone. */
	if (atomic_load_explicit(ctrl_u32(dev, dev->si.flags_off),
				 memory_order_relaxed) & FPGADMA_SHM_GONE)
		return -ENODEV;
	if (max > 0x7fffffff)
		max = 0x7fffffff;
	while (n < max && n < avail) {
		struct fpgadma_record rec = comp[(dev->ccons + n) & mask];

		r = make_view(dev, &rec, &views[n]);
		if (!r && atomic_exchange_explicit(&dev->held[rec.index], 1,
						   memory_order_relaxed))
			r = -EPROTO;	/* handed out twice: not the kernel */
		if (r)
			break;
		n++;
	}
	dev->ccons += (uint32_t)n;
	/* (F): the records were read; a hint for poll(). */
	atomic_store_explicit(ctrl_u32(dev, dev->si.comp_cons_off), dev->ccons,
			      memory_order_release);
	return n ? (int)n : r;
}

/* fpgadma_next_batch() through the shared rings. */
static int shm_next(struct fpgadma *dev, struct fpgadma_view *views,
		    size_t max, int timeout_ms)
{
	int64_t deadline = timeout_ms > 0 ? now_ms() + timeout_ms : -1;

	for (;;) {
		int r = shm_take(dev, views, max);

		if (r)
			return r;
		/*
		 * Empty: the only system calls, to learn why and to sleep. A
		 * waiting kick on the non-blocking file says EAGAIN when the
		 * stream is fine, and consumes the release ring only when the
		 * device owns no buffer (else the kernel's work item does).
		 */
		r = shm_kick_wait(dev);
		if (r && r != -EAGAIN)
			return r;
		r = shm_take(dev, views, max);
		if (r)
			return r;
		if (timeout_ms == 0)
			return -EAGAIN;
		r = wait_readable(dev, deadline);
		if (r)
			return r;
	}
}

API int fpgadma_next_batch(struct fpgadma *dev, struct fpgadma_view *views,
			   size_t max, int timeout_ms)
{
	if (!dev || !views || !max || timeout_ms < FPGADMA_WAIT_FOREVER ||
	    (dev->flags & FPGADMA_OPEN_COPY))
		return -EINVAL;
	if (!dev->streaming)
		return -EPIPE;
	if (dev->shared)
		return shm_next(dev, views, max, timeout_ms);
	if (!dev->pend_count) {
		int r = fill_pending(dev, timeout_ms);

		if (r)
			return r;
	}
	return take_pending(dev, views, max);
}

API int fpgadma_next(struct fpgadma *dev, struct fpgadma_view *view,
		     int timeout_ms)
{
	int r = fpgadma_next_batch(dev, view, 1, timeout_ms);

	return r < 0 ? r : 0;
}

/*
 * The indices of count held views of this handle's ring, in *idx: stack
 * (RELEASE_STACK entries) or, for more, malloc()ed (the caller frees what
 * is not stack). -EINVAL for a view that is not one of the ring's.
 */
static int view_indices(const struct fpgadma *dev,
			const struct fpgadma_view *views, size_t count,
			uint32_t *stack, uint32_t **idx)
{
	size_t i;

	for (i = 0; i < count; i++) {
		const uint8_t *d = views[i].data;

		if (!d || views[i].index >= dev->buf_count ||
		    d != dev->map + (size_t)views[i].index * dev->buf_size)
			return -EINVAL;
	}
	*idx = stack;
	if (count > RELEASE_STACK) {
		*idx = malloc(count * sizeof(**idx));
		if (!*idx)
			return -ENOMEM;
	}
	for (i = 0; i < count; i++)
		(*idx)[i] = views[i].index;
	return 0;
}

/*
 * fpgadma_release_batch() through the release ring: all or nothing, as
 * FPGADMA_IOC_RELEASE, by the library's own ownership table; a kick only
 * when the kernel asks for one (NEED_WAKEUP).
 */
static int shm_release(struct fpgadma *dev, struct fpgadma_view *views,
		       size_t count)
{
	_Atomic uint32_t *slots = ctrl_u32(dev, dev->si.rel_ring_off);
	uint32_t mask = dev->si.rel_entries - 1, cons;
	size_t i, j;
	int r = 0;

	for (i = 0; i < count; i++) {
		const uint8_t *d = views[i].data;

		if (!d || views[i].index >= dev->buf_count ||
		    d != dev->map + (size_t)views[i].index * dev->buf_size)
			return -EINVAL;
	}
	while (atomic_flag_test_and_set_explicit(&dev->rel_lock,
						 memory_order_acquire))
		;
	/* Claim each buffer; a repeated view then finds it claimed. */
	for (i = 0; i < count; i++)
		if (!atomic_exchange_explicit(&dev->held[views[i].index], 0,
					      memory_order_relaxed))
			break;
	if (i < count) {
		for (j = 0; j < i; j++)
			atomic_store_explicit(&dev->held[views[j].index], 1,
					      memory_order_relaxed);
		r = -EINVAL;
		goto unlock;
	}
	/*
	 * Room: unconsumed entries were held buffers, so with the ring at
	 * least buf_count long there always is, unless the kernel's consumer
	 * index was overwritten.
	 */
	cons = atomic_load_explicit(ctrl_u32(dev, dev->si.rel_cons_off),
				    memory_order_acquire);
	if (dev->rprod - cons + count > dev->si.rel_entries) {
		r = -EPROTO;
		for (i = 0; i < count; i++)
			atomic_store_explicit(&dev->held[views[i].index], 1,
					      memory_order_relaxed);
		goto unlock;
	}
	for (i = 0; i < count; i++)
		atomic_store_explicit(&slots[(dev->rprod + i) & mask],
				      views[i].index, memory_order_relaxed);
	dev->rprod += (uint32_t)count;
	/* (C): the indices before the producer. */
	atomic_store_explicit(ctrl_u32(dev, dev->si.rel_prod_off), dev->rprod,
			      memory_order_release);
	/* (G): the producer before the flag. */
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(ctrl_u32(dev, dev->si.flags_off),
				 memory_order_relaxed) & FPGADMA_SHM_NEED_WAKEUP)
		r = shm_kick(dev);
	for (i = 0; i < count; i++)
		views[i].data = NULL;
unlock:
	atomic_flag_clear_explicit(&dev->rel_lock, memory_order_release);
	return r;
}

API int fpgadma_release_batch(struct fpgadma *dev, struct fpgadma_view *views,
			      size_t count)
{
	uint32_t stack[RELEASE_STACK], *idx;
	struct fpgadma_release rel = { 0 };
	size_t i;
	int r;

	if (!dev || (!views && count) || count > FPGADMA_RELEASE_MAX)
		return -EINVAL;
	if (!count)
		return 0;
	if (!dev->streaming)
		return -EPIPE;
	if (dev->shared)
		return shm_release(dev, views, count);
	r = view_indices(dev, views, count, stack, &idx);
	if (r)
		return r;
	rel.indices = (uintptr_t)idx;
	rel.count = (uint32_t)count;
	r = xioctl(dev->fd, FPGADMA_IOC_RELEASE, &rel);
	if (idx != stack)
		free(idx);
	if (r)
		return r;
	for (i = 0; i < count; i++)
		views[i].data = NULL;
	return 0;
}

/*
 * FPGADMA_IOC_EXCHANGE into dev->pend: give back count indices (0: none),
 * then take the records that are ready (O_NONBLOCK: -EAGAIN if none).
 * *released is set once the driver took the indices back, also when the
 * read part failed.
 */
static int exchange_ioctl(struct fpgadma *dev, const uint32_t *idx,
			  size_t count, int *released)
{
	struct fpgadma_exchange x = {
		.indices = (uintptr_t)idx,
		.records = (uintptr_t)dev->pend,
		.release_count = (uint32_t)count,
		.record_max = FPGADMA_LIB_BATCH,
	};
	int r;

	r = ioctl(dev->fd, FPGADMA_IOC_EXCHANGE, &x) ? -errno : 0;
	/* The driver zeroes release_count once the release is done. */
	if (count && x.release_count == 0)
		*released = 1;
	if (r)
		return r;
	if (!x.record_count || x.record_count > FPGADMA_LIB_BATCH)
		return -EPROTO;
	dev->pend_head = 0;
	dev->pend_count = x.record_count;
	return 0;
}

API int fpgadma_exchange(struct fpgadma *dev, struct fpgadma_view *done,
			 size_t ndone, struct fpgadma_view *views, size_t max,
			 int timeout_ms)
{
	uint32_t stack[RELEASE_STACK], *idx = stack;
	int64_t deadline;
	int released = 0;
	int r;

	if (!dev || (!done && ndone) || ndone > FPGADMA_RELEASE_MAX ||
	    !views || !max || timeout_ms < FPGADMA_WAIT_FOREVER ||
	    (dev->flags & FPGADMA_OPEN_COPY))
		return -EINVAL;
	if (!dev->streaming)
		return -EPIPE;
	/* Records already read, shared rings, or an older driver: two calls. */
	if (dev->pend_count || dev->shared ||
	    !(dev->caps & FPGADMA_CAP_EXCHANGE)) {
		r = fpgadma_release_batch(dev, done, ndone);
		return r ? r : fpgadma_next_batch(dev, views, max, timeout_ms);
	}
	if (ndone) {
		r = view_indices(dev, done, ndone, stack, &idx);
		if (r)
			return r;
	}
	deadline = timeout_ms > 0 ? now_ms() + timeout_ms : -1;
	for (;;) {
		r = exchange_ioctl(dev, released || !ndone ? NULL : idx,
				   released ? 0 : ndone, &released);
		if (r != -EAGAIN && r != -EINTR)
			break;
		/* As timed_read(): EINTR retried unless asked for. */
		if (r == -EINTR && (dev->flags & FPGADMA_OPEN_EINTR))
			break;
		if (r == -EAGAIN) {
			if (timeout_ms == 0)
				break;
			r = wait_readable(dev, deadline);
			if (r)
				break;
		}
	}
	if (idx != stack)
		free(idx);
	if (released)
		for (size_t i = 0; i < ndone; i++)
			done[i].data = NULL;
	if (r)
		return r;
	return take_pending(dev, views, max);
}

API int fpgadma_set_coalesce(struct fpgadma *dev, uint32_t count,
			     uint32_t usecs)
{
	struct fpgadma_coalesce co = { .count = count, .usecs = usecs };

	if (!dev || (dev->flags & FPGADMA_OPEN_COPY))
		return -EINVAL;
	if (!(dev->caps & FPGADMA_CAP_COALESCE))
		return -EOPNOTSUPP;
	return xioctl(dev->fd, FPGADMA_IOC_SET_COALESCE, &co);
}

API int fpgadma_release(struct fpgadma *dev, struct fpgadma_view *view)
{
	if (!view)
		return -EINVAL;
	return fpgadma_release_batch(dev, view, 1);
}

API ssize_t fpgadma_read(struct fpgadma *dev, void *buf, size_t len,
			 int timeout_ms)
{
	if (!dev || !buf || !len || timeout_ms < FPGADMA_WAIT_FOREVER ||
	    !(dev->flags & FPGADMA_OPEN_COPY))
		return -EINVAL;
	return timed_read(dev, buf, len, timeout_ms);
}

API int fpgadma_rings(struct fpgadma *dev, struct fpgadma_rings *out)
{
	if (!dev || !out)
		return -EINVAL;
	if (!dev->streaming)
		return -EPIPE;
	if (!dev->shared)
		return -EOPNOTSUPP;
	*out = (struct fpgadma_rings) {
		.comp_prod = (volatile uint32_t *)ctrl_u32(dev, dev->si.comp_prod_off),
		.comp_cons = (volatile uint32_t *)ctrl_u32(dev, dev->si.comp_cons_off),
		.comp = dev->ctrl + dev->si.comp_ring_off,
		.comp_entries = dev->si.comp_entries,
		.rel_prod = (volatile uint32_t *)ctrl_u32(dev, dev->si.rel_prod_off),
		.rel_cons = (volatile uint32_t *)ctrl_u32(dev, dev->si.rel_cons_off),
		.rel = (volatile uint32_t *)ctrl_u32(dev, dev->si.rel_ring_off),
		.rel_entries = dev->si.rel_entries,
		.flags = (volatile uint32_t *)ctrl_u32(dev, dev->si.flags_off),
		.counters = dev->ctrl + dev->si.counters_off,
		.data = dev->map,
		.buf_count = dev->buf_count,
		.buf_size = dev->buf_size,
	};
	return 0;
}

API int fpgadma_kick(struct fpgadma *dev, int timeout_ms)
{
	int64_t deadline;
	int r;

	if (!dev || timeout_ms < FPGADMA_WAIT_FOREVER)
		return -EINVAL;
	if (!dev->streaming)
		return -EPIPE;
	if (!dev->shared)
		return -EOPNOTSUPP;
	r = shm_kick(dev);
	if (r || timeout_ms == 0)
		return r;
	deadline = timeout_ms > 0 ? now_ms() + timeout_ms : -1;
	/* Raw users keep their consumer in the area, not in dev->ccons. */
	while (atomic_load_explicit(ctrl_u32(dev, dev->si.comp_prod_off),
				    memory_order_acquire) ==
	       atomic_load_explicit(ctrl_u32(dev, dev->si.comp_cons_off),
				    memory_order_relaxed)) {
		r = wait_readable(dev, deadline);
		if (r)
			return r;
		r = shm_kick(dev);
		if (r)
			return r;
	}
	return 0;
}
