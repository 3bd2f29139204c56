/* SPDX-License-Identifier: MIT */
/*
 * libfpgadma: zero-copy DMA streaming from an fpgadma device.
 *
 *   struct fpgadma *dev;
 *   struct fpgadma_view v;
 *   if (fpgadma_open(&dev, "/dev/fpgadma0", 0) == 0 && fpgadma_start(dev) == 0)
 *           while (fpgadma_next(dev, &v, 1000) == 0) {
 *                   consume(v.data, v.len);          // read in place
 *                   fpgadma_release(dev, &v);        // give it back
 *           }
 *   fpgadma_close(dev);
 *
 * Errors
 * ------
 * Every function returns 0 (or a count) on success and a negative errno on
 * failure; none of them prints, exits or aborts. fpgadma_strerror() names
 * the error. Errors with a special meaning here:
 *   -EINVAL     a NULL handle or pointer, bad flags, or a call that does not
 *               fit the handle's mode (record calls on a copy-mode handle
 *               and the reverse), or a view that is not held;
 *   -ENOENT     no such device node; -ENOTTY: the file is not an fpgadma
 *               device; -EPROTO: the driver speaks an unknown API;
 *   -EBUSY      another handle streams, or (configure) this one streams;
 *   -EPIPE      the handle is not streaming (never started, or stopped);
 *   -ETIMEDOUT  nothing arrived within timeout_ms; -EAGAIN: timeout_ms was 0
 *               and nothing was ready;
 *   -EINTR      a signal arrived while waiting, and the handle was opened
 *               with FPGADMA_OPEN_EINTR (see below);
 *   -ENODEV     the device was removed; only fpgadma_close() is useful now.
 *
 * Signals (EINTR)
 * ---------------
 * Control calls (info, configure, start, stop, release, stats) are
 * restartable and are always retried when a signal interrupts them. Waiting
 * calls (fpgadma_next, fpgadma_next_batch, fpgadma_read) are retried too,
 * with the remaining part of their timeout, unless the handle was opened
 * with FPGADMA_OPEN_EINTR: then they return -EINTR, so that a SIGINT handler
 * can end an acquisition loop. Nothing is lost by an interrupted wait.
 *
 * Thread safety
 * -------------
 * Distinct handles are independent and may be used from different threads.
 * One handle is not locked internally: its calls must not run concurrently,
 * with these exceptions, which are safe from any thread while another
 * thread is in fpgadma_next()/fpgadma_next_batch() on the same handle:
 * fpgadma_release(), fpgadma_release_batch() (a consumer thread may hand
 * views to workers that release them), fpgadma_stats(), fpgadma_info() and
 * fpgadma_fd(). fpgadma_configure(), fpgadma_start(), fpgadma_stop() and
 * fpgadma_close() need the handle to themselves. fpgadma_strerror() and
 * fpgadma_version() are always safe.
 *
 * Buffers and views
 * -----------------
 * The ring is mapped once, read only, at the first fpgadma_start() and
 * stays mapped until fpgadma_configure() or fpgadma_close(). A view points
 * into it; its data stays valid and is never written by the device until it
 * is released, or until the stream stops (fpgadma_stop() takes every buffer
 * back: views held across a stop are stale and must not be released). Each
 * view must be released exactly once, in any order, from any thread.
 */
#ifndef FPGADMA_LIB_H
#define FPGADMA_LIB_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Version of this API: major << 16 | minor. fpgadma_version() returns the
 * value the library was built with. */
#define FPGADMA_LIB_API_VERSION	0x00010004
#define FPGADMA_LIB_VERSION_MAJOR(v)	((v) >> 16)
#define FPGADMA_LIB_VERSION_MINOR(v)	((v) & 0xffff)

/* fpgadma_open() flags */
#define FPGADMA_OPEN_COPY	(1U << 0)	/* copy mode: fpgadma_read() only */
#define FPGADMA_OPEN_EINTR	(1U << 1)	/* waits return -EINTR on signals */
#define FPGADMA_OPEN_NO_SHARED	(1U << 2)	/* API 1.3: never the shared rings */

/* fpgadma_view.flags (the driver's record flags) */
#define FPGADMA_VIEW_ERROR	(1U << 0)	/* the device reported an error */
#define FPGADMA_VIEW_SHORT	(1U << 1)	/* fewer bytes than requested */

/* Wait forever in fpgadma_next(), fpgadma_next_batch(), fpgadma_read(). */
#define FPGADMA_WAIT_FOREVER	(-1)

struct fpgadma;		/* opaque handle */

/**
 * struct fpgadma_view - one filled buffer, read in place
 * @data:         start of the data (in the mapped ring), read only.
 * @len:          valid bytes at @data.
 * @sequence:     production number since start; counts dropped buffers, so
 *                next.sequence == prev.sequence + 1 + next.lost_before.
 * @timestamp_ns: CLOCK_MONOTONIC time of the completion interrupt.
 * @lost_before:  buffers dropped just before this one (no free buffer).
 * @flags:        FPGADMA_VIEW_* bits.
 * @index:        the buffer's index in the ring.
 */
struct fpgadma_view {
	const void *data;
	size_t len;
	uint64_t sequence;
	uint64_t timestamp_ns;
	uint32_t lost_before;
	uint32_t flags;
	uint32_t index;
};

/**
 * struct fpgadma_devinfo - what the driver reports about the device
 * The ring geometry is the current one; the max_* fields are the limits of
 * fpgadma_configure(). @streaming is 1 while any handle streams.
 */
struct fpgadma_devinfo {
	uint32_t api_version;	/* the driver's FPGADMA_API_VERSION */
	uint32_t caps;		/* FPGADMA_CAP_* of the driver */
	uint32_t buf_count;
	uint32_t buf_size;
	uint32_t max_buf_count;
	uint32_t max_buf_size;
	uint64_t max_ring_size;
	uint32_t max_xfer;	/* most bytes the engine puts in one buffer */
	uint32_t page_size;
	uint32_t dma_bits;
	uint32_t streaming;
	char engine[32];
};

/** struct fpgadma_counters - device counters since probe (see the UAPI) */
struct fpgadma_counters {
	uint64_t completed, dequeued, released, dropped, errors, irqs, bytes;
	uint32_t queued, done, user, streaming;
};

/* Library version (FPGADMA_LIB_API_VERSION it was built with). */
int fpgadma_version(void);

/* Describe an error: err is a negative (or positive) errno; never NULL. */
const char *fpgadma_strerror(int err);

/*
 * Open a device node (e.g. "/dev/fpgadma0") or /dev/fpgadma<index>.
 * flags: FPGADMA_OPEN_*. On success *devp is the handle; on failure it is
 * set to NULL. Errors: -EINVAL, -ENOENT, -EACCES, -ENOTTY, -EPROTO,
 * -ENOMEM, -ENODEV.
 */
int fpgadma_open(struct fpgadma **devp, const char *path, unsigned int flags);
int fpgadma_open_index(struct fpgadma **devp, int index, unsigned int flags);

/* Close the handle: stops its stream, unmaps the ring, frees the handle
 * (like free(), a closed handle must not be used again; views into its
 * ring become invalid). NULL is a no-op returning 0. */
int fpgadma_close(struct fpgadma *dev);

/* The file descriptor, for poll/epoll (POLLIN: fpgadma_next() has data).
 * Do not read, close or ioctl it. See fpgadma_pending(). */
int fpgadma_fd(const struct fpgadma *dev);

/* Device description and counters. */
int fpgadma_info(struct fpgadma *dev, struct fpgadma_devinfo *info);
int fpgadma_stats(struct fpgadma *dev, struct fpgadma_counters *stats);

/*
 * (1.4) Starvation of a flow-controlled source (the dmaengine engine): the
 * episodes since probe in which the device had no buffer to fill while
 * streaming, so that the source was held back rather than its data
 * dropped, and their total length in nanoseconds (the episode going on
 * included). Either pointer may be NULL. -EOPNOTSUPP on a driver without
 * FPGADMA_CAP_STARVED; engines that cannot tell report 0 and count drops.
 */
int fpgadma_starved(struct fpgadma *dev, uint64_t *events, uint64_t *ns);

/*
 * Resize the ring: buf_count buffers of buf_size bytes (0 keeps the current
 * value; buf_size must be a multiple of the page size, it is not rounded). Only while this handle does not stream (-EBUSY); unmaps the ring
 * first. On failure the previous ring is kept.
 */
int fpgadma_configure(struct fpgadma *dev, uint32_t buf_count, uint32_t buf_size);

/*
 * Ring memory (API 1.2; the UAPI header's FPGADMA_RING_MEM_* explain the
 * kinds). FPGADMA_MEM_AUTO lets the driver choose: cached memory for a
 * device that does not snoop CPU caches, coherent memory otherwise.
 */
#define FPGADMA_MEM_AUTO	0
#define FPGADMA_MEM_COHERENT	1
#define FPGADMA_MEM_CACHED	2

/*
 * fpgadma_configure() with a memory kind (API 1.2). -EOPNOTSUPP for
 * COHERENT or CACHED if the driver cannot choose (no FPGADMA_CAP_MEMORY;
 * its rings are coherent), -EINVAL for another value, -ENOMEM if the kind
 * asked for cannot be had for this geometry.
 */
int fpgadma_configure_memory(struct fpgadma *dev, uint32_t buf_count,
			     uint32_t buf_size, unsigned int memory);

/* The current ring's memory (API 1.2): FPGADMA_MEM_COHERENT or
 * FPGADMA_MEM_CACHED, or a negative errno. */
int fpgadma_memory(struct fpgadma *dev);

/* Start streaming (maps the ring on first use) / stop (every buffer goes
 * back to the driver; views taken before are stale). Stop on a handle that
 * does not stream is 0. Copy-mode handles may stop, not start. */
int fpgadma_start(struct fpgadma *dev);
int fpgadma_stop(struct fpgadma *dev);

/*
 * Take the next filled buffer. timeout_ms: FPGADMA_WAIT_FOREVER, 0 (do not
 * wait: -EAGAIN if nothing is ready) or milliseconds (-ETIMEDOUT). Returns
 * 0 and fills *view. The library reads up to 64 records per system call and
 * hands out the extra ones without a system call.
 */
int fpgadma_next(struct fpgadma *dev, struct fpgadma_view *view, int timeout_ms);

/* Take up to max (>= 1) ready buffers; waits like fpgadma_next() for the
 * first one only. Returns how many views were filled (>= 1) or an error. */
int fpgadma_next_batch(struct fpgadma *dev, struct fpgadma_view *views,
		       size_t max, int timeout_ms);

/* Records the library has read but not yet handed out: poll(fpgadma_fd())
 * does not see them, so an event loop drains with timeout 0 until -EAGAIN. */
int fpgadma_pending(const struct fpgadma *dev);

/*
 * Give buffers back to the device. All or nothing; release_batch takes at
 * most 4096 views. On success the views' data is set to NULL. Errors:
 * -EINVAL (not a held view of this handle's ring, repeated, count too
 * large), -EPIPE (not streaming), -ENODEV.
 */
int fpgadma_release(struct fpgadma *dev, struct fpgadma_view *view);
int fpgadma_release_batch(struct fpgadma *dev, struct fpgadma_view *views,
			  size_t count);

/*
 * The streaming loop in one system call (API 1.1): give back ndone views
 * (as fpgadma_release_batch(); none if ndone is 0), then take up to max
 * ready buffers, waiting like fpgadma_next_batch(). done and views may be
 * the same array. Returns how many views were filled (>= 1) or an error.
 * The done views' data is set to NULL once they were given back, which
 * can happen before the wait fails (-EAGAIN, -ETIMEDOUT, -EINTR, ...): a
 * retry then passes ndone 0. A refused release (-EINVAL, -EPIPE) gives
 * nothing back and takes nothing. With a driver without
 * FPGADMA_CAP_EXCHANGE the library makes the two calls itself.
 */
int fpgadma_exchange(struct fpgadma *dev, struct fpgadma_view *done,
		     size_t ndone, struct fpgadma_view *views, size_t max,
		     int timeout_ms);

/*
 * Interrupt moderation (API 1.1): one interrupt per count completed
 * buffers (0 or 1: each), or usecs after the first one not yet signalled
 * (0: no time limit). -EOPNOTSUPP if the engine cannot (edu), -EINVAL for
 * values it cannot do. Applies at once, also while streaming.
 */
int fpgadma_set_coalesce(struct fpgadma *dev, uint32_t count, uint32_t usecs);

/*
 * Copy mode (handles opened with FPGADMA_OPEN_COPY): the first read starts
 * the stream; each call copies the data bytes of the next buffers, in
 * order, into buf and returns how many (>= 1, at most len) as soon as some
 * are there. timeout_ms as for fpgadma_next(). Drops show in the counters
 * only.
 */
ssize_t fpgadma_read(struct fpgadma *dev, void *buf, size_t len, int timeout_ms);

/*
 * Shared rings (API 1.3). With a driver that has FPGADMA_CAP_SHARED,
 * fpgadma_start() streams through a completion ring and a release ring
 * mapped from the kernel (unless the handle was opened with
 * FPGADMA_OPEN_NO_SHARED): fpgadma_next(), fpgadma_next_batch() and
 * fpgadma_release() then make no system call while data flows, only to
 * sleep when nothing is ready and when the kernel asks for a kick (its
 * device owns no buffer). Everything above holds unchanged, including
 * -EINVAL for a view that is not held; fpgadma_pending() counts the
 * records waiting in the completion ring; fpgadma_exchange() releases,
 * then takes. Without the capability the library uses read() and
 * FPGADMA_IOC_RELEASE/EXCHANGE as before.
 *
 * Raw access, for a consumer that runs its own loop: fpgadma_rings()
 * describes the rings of a handle that streams through them (-EOPNOTSUPP
 * otherwise, -EPIPE if it does not stream). The protocol and its memory
 * ordering are the UAPI header's ("Shared rings"): load *comp_prod with
 * acquire, read the struct fpgadma_record entries at comp (slot i &
 * (comp_entries - 1)), store *comp_cons with release; write buffer indices
 * into rel, store *rel_prod with release, a full fence, and if *flags has
 * FPGADMA_SHM_NEED_WAKEUP call fpgadma_kick(dev, 0). Buffer i's data is at
 * data + i * buf_size. FPGADMA_SHM_GONE in *flags: the device was removed,
 * the buffers are unmapped (a touch gets SIGBUS), the rings stay readable
 * until fpgadma_close() and every call returns -ENODEV. Do not mix raw
 * access with fpgadma_next() and fpgadma_release() in one stream: the
 * library's ownership table would not know about it.
 */
struct fpgadma_rings {
	volatile uint32_t *comp_prod;	/* kernel writes */
	volatile uint32_t *comp_cons;	/* you write */
	const void *comp;		/* struct fpgadma_record[comp_entries] */
	uint32_t comp_entries;
	uint32_t rel_entries;
	volatile uint32_t *rel_prod;	/* you write */
	volatile uint32_t *rel_cons;	/* kernel writes */
	volatile uint32_t *rel;		/* uint32_t[rel_entries] */
	volatile uint32_t *flags;	/* FPGADMA_SHM_NEED_WAKEUP, _GONE */
	const void *counters;		/* struct fpgadma_shm_counters */
	const void *data;		/* the mapped ring */
	uint32_t buf_count;
	uint32_t buf_size;
};

int fpgadma_rings(struct fpgadma *dev, struct fpgadma_rings *rings);

/*
 * Give the release ring's buffers to the device now (FPGADMA_IOC_SHM_KICK);
 * with timeout_ms other than 0, then wait (like fpgadma_next()) until the
 * completion ring holds a record past *comp_cons. -EOPNOTSUPP if the
 * handle does not stream through shared rings.
 */
int fpgadma_kick(struct fpgadma *dev, int timeout_ms);

#ifdef __cplusplus
}
#endif

#endif /* FPGADMA_LIB_H */
