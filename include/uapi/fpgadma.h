/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note OR MIT */
/*
 * fpgadma user API: zero-copy streaming of DMA buffers from an FPGA (or any
 * device driven by an fpgadma engine) into an application.
 *
 * Model (after V4L2 streaming I/O, for raw streams)
 * -------------------------------------------------
 * The driver owns a ring of buf_count buffers of buf_size bytes. Every buffer
 * is owned by exactly one party at a time:
 *
 *   device  - queued: the device may write it;
 *   driver  - done: filled, waiting for the reader (a completion record);
 *   user    - dequeued by read(); the application reads it in place.
 *
 * The streaming consumer mmap()s the whole ring once (MAP_SHARED; buffer i
 * starts at byte offset i * buf_size, which is page aligned), calls
 * FPGADMA_IOC_START, and read()s struct fpgadma_record entries: read() blocks
 * until at least one buffer is done and returns as many records as are ready
 * and fit in the caller's buffer. Each record hands one buffer to the user,
 * who gives it back with FPGADMA_IOC_RELEASE.
 *
 * When the device has no queued buffer, the data it produces is dropped: it
 * is never written into a buffer the user or the driver holds. Drops are
 * counted in the stats and reported in the next record's lost_before; the
 * sequence number counts dropped buffers too, so
 * next.sequence == prev.sequence + 1 + next.lost_before.
 *
 * Copy mode: a file that never called FPGADMA_IOC_START and read()s starts
 * the stream implicitly and receives the raw bytes of each buffer (bytes_used
 * of them) copied into its buffer; buffers go back to the device as soon as
 * they are consumed. `dd if=/dev/fpgadma0 of=capture.bin bs=64K count=100`
 * works that way. Drops are visible in FPGADMA_IOC_GET_STATS only.
 *
 * Only one file streams at a time (the owner); others get -EBUSY from START,
 * RELEASE and read(), and may still use INFO and GET_STATS. The stream stops
 * at STOP or when the owner file is released: its last descriptor closed and
 * its mappings unmapped (a mapping keeps the file open, as in V4L2).
 *
 * mmap offset space
 * -----------------
 * [0, FPGADMA_MMAP_CTRL_BASE) maps the ring (only its first
 * buf_count * buf_size bytes exist). Offsets from FPGADMA_MMAP_CTRL_BASE on
 * are reserved for control areas, each announced by a capability bit and
 * found through FPGADMA_IOC_INFO; mmap() there fails with EINVAL until then.
 * FPGADMA_MMAP_CTRL_BASE is page aligned on every architecture and fits
 * mmap2()'s 32-bit page offset on 32-bit systems (the files take unsigned
 * offsets, FMODE_UNSIGNED_OFFSET, so that a 32-bit kernel allows it; a
 * 32-bit program needs a 64-bit off_t or mmap64() to reach it).
 *
 * All ioctls return 0 or -1 with errno set. Errors common to all calls:
 *   ENODEV  the device was removed; the file only accepts close() (and
 *           munmap() of existing mappings) from now on.
 *   ENOTTY  unknown ioctl command (including a known number with the wrong
 *           size or direction).
 *   EINVAL  a reserved field or flag is not zero, or a value is out of range.
 *   EFAULT  a pointer is not accessible.
 */
#ifndef _UAPI_FPGADMA_H
#define _UAPI_FPGADMA_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define FPGADMA_API_VERSION	1

/* Capability bits reported in fpgadma_info.caps. */
#define FPGADMA_CAP_STREAM	(1U << 0)	/* records + mmap + release */
#define FPGADMA_CAP_COPY	(1U << 1)	/* copy-mode read() */
#define FPGADMA_CAP_POLL	(1U << 2)	/* poll/epoll on records */
#define FPGADMA_CAP_TIMEOUT	(1U << 3)	/* FPGADMA_IOC_SET_TIMEOUT */
#define FPGADMA_CAP_RECONFIG	(1U << 4)	/* FPGADMA_IOC_SET_RING */
#define FPGADMA_CAP_COALESCE	(1U << 5)	/* FPGADMA_IOC_SET_COALESCE */
#define FPGADMA_CAP_EXCHANGE	(1U << 6)	/* FPGADMA_IOC_EXCHANGE */
#define FPGADMA_CAP_MEMORY	(1U << 7)	/* FPGADMA_RING_MEM_* kinds */
#define FPGADMA_CAP_SHARED	(1U << 8)	/* shared rings: FPGADMA_IOC_SHM_* */
#define FPGADMA_CAP_STARVED	(1U << 9)	/* fpgadma_stats.starved{,_ns} */

/* fpgadma_info.flags */
#define FPGADMA_INFO_STREAMING	(1U << 0)	/* a consumer is streaming */
#define FPGADMA_INFO_CACHED	(1U << 1)	/* the ring is cached memory */

/*
 * fpgadma_ring_config.flags: the ring's memory (FPGADMA_CAP_MEMORY).
 *
 * COHERENT  one coherent DMA block for the whole ring. The CPU needs no
 *           cache maintenance; on a device that does not snoop CPU caches
 *           (many ARM SoCs without "dma-coherent") the kernel maps it
 *           uncached, and reading it is several times slower.
 * CACHED    cached pages per buffer; the driver cleans and invalidates the
 *           caches when a buffer changes hands (when it goes back to the
 *           device, and before its record or data reaches the reader). A
 *           buffer is consistent only while the application holds it.
 * AUTO      the module parameter "memory"; by default CACHED for a device
 *           that does not snoop CPU caches, else COHERENT if one block of
 *           the ring's size can be had, else CACHED.
 * INFO reports which one the ring has (FPGADMA_INFO_CACHED); so does the
 * device's sysfs attribute "memory".
 */
#define FPGADMA_RING_MEM_AUTO		0
#define FPGADMA_RING_MEM_COHERENT	1
#define FPGADMA_RING_MEM_CACHED		2
#define FPGADMA_RING_MEM_MASK		3

#define FPGADMA_NAME_LEN	16

/* The mmap offset space: the ring below, control areas from here on. */
#define FPGADMA_MMAP_CTRL_BASE	(1ULL << 40)

/**
 * struct fpgadma_info - device description (FPGADMA_IOC_INFO, read only)
 * @api_version:   FPGADMA_API_VERSION of the running driver.
 * @caps:          FPGADMA_CAP_* bits.
 * @buf_count:     current number of buffers in the ring.
 * @buf_size:      current size of each buffer in bytes (multiple of the
 *                 page size; buffer i is at mmap offset i * buf_size).
 * @max_buf_count: largest buf_count FPGADMA_IOC_SET_RING accepts.
 * @max_xfer:      most bytes the engine writes into one buffer; bytes_used
 *                 never exceeds min(buf_size, max_xfer).
 * @max_buf_size:  largest buf_size FPGADMA_IOC_SET_RING accepts.
 * @page_size:     the kernel's page size (buf_size granularity).
 * @max_ring_size: largest buf_count * buf_size accepted, in bytes.
 * @flags:         FPGADMA_INFO_* bits.
 * @dma_bits:      the device's DMA address width.
 * @engine:        engine name, NUL terminated.
 * @reserved:      zero.
 */
struct fpgadma_info {
	__u32 api_version;
	__u32 caps;
	__u32 buf_count;
	__u32 buf_size;
	__u32 max_buf_count;
	__u32 max_xfer;
	__u32 max_buf_size;
	__u32 page_size;
	__u64 max_ring_size;
	__u32 flags;
	__u32 dma_bits;
	char engine[FPGADMA_NAME_LEN];
	__u64 reserved[4];
};

/**
 * struct fpgadma_ring_config - resize the ring (FPGADMA_IOC_SET_RING)
 * @buf_count: number of buffers, 1..max_buf_count.
 * @buf_size:  bytes per buffer, a multiple of the page size, at most
 *             max_buf_size; buf_count * buf_size at most max_ring_size.
 * @flags:     FPGADMA_RING_MEM_* (zero: AUTO); other bits zero. A driver
 *             without FPGADMA_CAP_MEMORY accepts only zero.
 * @reserved:  zero.
 *
 * Allowed only while nobody streams (EBUSY) and the ring is not mapped
 * (EBUSY). On failure (EINVAL, ENOMEM, EIO) the previous ring is kept
 * intact. The kernel only reads the structure; FPGADMA_IOC_SET_RING_V1, the
 * number of API version 1's first release, still works and writes the
 * structure back unchanged.
 */
struct fpgadma_ring_config {
	__u32 buf_count;
	__u32 buf_size;
	__u32 flags;
	__u32 reserved;
};

/* fpgadma_record.flags */
#define FPGADMA_REC_ERROR	(1U << 0)	/* the device reported an error */
#define FPGADMA_REC_SHORT	(1U << 1)	/* fewer bytes than requested */

/**
 * struct fpgadma_record - one completed buffer, returned by read()
 * @index:        buffer index; its data is at mmap offset index * buf_size.
 * @bytes_used:   bytes of valid data at the start of the buffer.
 * @sequence:     number of buffers the device produced before this one in
 *                this stream (starts at 0 at FPGADMA_IOC_START; counts
 *                dropped buffers too).
 * @timestamp_ns: CLOCK_MONOTONIC time, taken in the completion interrupt.
 * @flags:        FPGADMA_REC_* bits.
 * @lost_before:  buffers dropped just before this one (no free buffer).
 */
struct fpgadma_record {
	__u32 index;
	__u32 bytes_used;
	__u64 sequence;
	__u64 timestamp_ns;
	__u32 flags;
	__u32 lost_before;
};

/* Most indices in one FPGADMA_IOC_RELEASE or FPGADMA_IOC_EXCHANGE. */
#define FPGADMA_RELEASE_MAX	4096
/* Most records one FPGADMA_IOC_EXCHANGE returns. */
#define FPGADMA_RECORD_MAX	4096

/**
 * struct fpgadma_release - give buffers back to the device
 * @indices:  user pointer to an array of @count __u32 buffer indices.
 * @count:    number of indices, 0..FPGADMA_RELEASE_MAX.
 * @reserved: zero.
 *
 * All or nothing: if any index is out of range, not held by the user, or
 * repeated, nothing is released and the call fails with EINVAL.
 */
struct fpgadma_release {
	__u64 indices;
	__u32 count;
	__u32 reserved;
};

/**
 * struct fpgadma_timeout - per-file read() timeout (FPGADMA_IOC_SET_TIMEOUT)
 * @timeout_ms: 0 waits forever (the default); otherwise a read() that finds
 *              nothing within this time fails with ETIMEDOUT.
 * @reserved:   zero.
 */
struct fpgadma_timeout {
	__u32 timeout_ms;
	__u32 reserved;
};

/**
 * struct fpgadma_stats - counters since the device was probed
 * @completed:   buffers the device filled (delivered to the ring).
 * @dequeued:    records handed to the consumer.
 * @released:    buffers given back by the consumer.
 * @dropped:     buffers of data lost because no buffer was free.
 * @errors:      completions that carried an error.
 * @irqs:        interrupts handled for this device.
 * @bytes:       bytes completed.
 * @queued:      buffers owned by the device now.
 * @done:        buffers waiting for the reader now.
 * @user:        buffers held by the user now.
 * @streaming:   1 if a consumer is streaming.
 * @starved:     times the device ran out of buffers while streaming, with
 *               the source held back rather than its data dropped (a
 *               flow-controlled link: the dmaengine engine, AXI-Stream);
 *               FPGADMA_CAP_STARVED. Only engines that can tell report it
 *               (dmaengine); the others leave it 0 and count drops in
 *               @dropped.
 * @starved_ns:  total time of those episodes, the one going on included.
 * @reserved:    zero.
 */
struct fpgadma_stats {
	__u64 completed;
	__u64 dequeued;
	__u64 released;
	__u64 dropped;
	__u64 errors;
	__u64 irqs;
	__u64 bytes;
	__u32 queued;
	__u32 done;
	__u32 user;
	__u32 streaming;
	__u64 starved;
	__u64 starved_ns;
	__u64 reserved[2];
};

/**
 * struct fpgadma_coalesce - interrupt moderation (FPGADMA_IOC_SET_COALESCE)
 * @count:    interrupt once this many buffers completed (0 or 1: each).
 * @usecs:    ... or this many microseconds after the first completion not
 *            yet signalled (0: no time limit). With a count above 1, set a
 *            time limit too, or a slow stream may wait for its interrupt.
 * @flags:    zero.
 * @reserved: zero.
 *
 * Only for engines with FPGADMA_CAP_COALESCE (EOPNOTSUPP otherwise);
 * EINVAL for values the engine cannot do. Applies at once, also while
 * streaming.
 */
struct fpgadma_coalesce {
	__u32 count;
	__u32 usecs;
	__u32 flags;
	__u32 reserved;
};

/**
 * struct fpgadma_exchange - release, then read records, in one call
 * @indices:       user pointer to @release_count __u32 buffer indices to
 *                 give back first (as FPGADMA_IOC_RELEASE: all or nothing).
 * @records:       user pointer to room for @record_max records.
 * @release_count: in: number of indices, 0..FPGADMA_RELEASE_MAX; out: 0
 *                 once they were given back, so that a retry after an
 *                 error (EINTR, ETIMEDOUT, ...) does not release twice.
 * @record_max:    1..FPGADMA_RECORD_MAX.
 * @record_count:  out: records stored, at least 1 on success.
 * @flags:         zero.
 * @reserved:      zero.
 *
 * The streaming loop in one system call per batch: FPGADMA_IOC_EXCHANGE
 * gives buffers back, then waits like read() (O_NONBLOCK, the file's
 * timeout, signals) for at least one record and returns as many as are
 * ready. Errors as for FPGADMA_IOC_RELEASE and read(); if the release is
 * refused, no record is taken. Interrupted by a signal after the release,
 * it fails with EINTR (it is not restarted) and release_count reads 0.
 */
struct fpgadma_exchange {
	__u64 indices;
	__u64 records;
	__u32 release_count;
	__u32 record_max;
	__u32 record_count;
	__u32 flags;
	__u64 reserved;
};

/*
 * Shared rings (FPGADMA_CAP_SHARED): no system call per buffer
 * ------------------------------------------------------------
 * A control area in kernel memory (cached on both sides, never DMA memory)
 * is mmap()ed MAP_SHARED at fpgadma_shm_info.mmap_offset (from
 * FPGADMA_MMAP_CTRL_BASE on), mmap_size bytes; every offset below is from
 * its start. FPGADMA_IOC_SHM_START starts the stream like FPGADMA_IOC_START
 * but hands records over through the area instead of read():
 *
 *   completion ring  the kernel produces struct fpgadma_record entries
 *                    (comp_ring_off, comp_entries of them), its producer
 *                    index at comp_prod_off; the user consumes them and
 *                    stores its consumer index at comp_cons_off.
 *   release ring     the user produces __u32 buffer indices (rel_ring_off,
 *                    rel_entries of them), its producer index at
 *                    rel_prod_off; the kernel consumes them, its consumer
 *                    index at rel_cons_off.
 *   flags            a __u32 at flags_off: FPGADMA_SHM_NEED_WAKEUP,
 *                    FPGADMA_SHM_GONE.
 *   counters         struct fpgadma_shm_counters at counters_off.
 *
 * Indices are free-running __u32 counters; entry i of a ring is at slot
 * i & (entries - 1). Both rings have a power of two of entries, at least
 * buf_count, and SHM_START zeroes the four indices, the flags and the
 * counters. A record hands its buffer to the user (as read() does): the
 * user reads the data in place and gives the buffer back by producing its
 * index into the release ring (or with FPGADMA_IOC_RELEASE). A buffer
 * yields at most one record until it is released, so the completion ring
 * cannot overflow for a consumer that consumes a record before releasing
 * its buffer.
 *
 * Memory ordering, each pair named (as in AF_XDP's xsk_queue.h):
 *   (A) kernel: records written, then smp_store_release(comp_prod);
 *   (B) user:   load_acquire(comp_prod), then read the records: pairs
 *               with (A);
 *   (C) user:   indices written, then store_release(rel_prod);
 *   (D) kernel: smp_load_acquire(rel_prod), then read the indices: pairs
 *               with (C);
 *   (E) kernel: indices read, then smp_store_release(rel_cons); the user
 *               load_acquire()s rel_cons before reusing a slot: pairs
 *               with (E);
 *   (F) user:   records read, then store_release(comp_cons) (a hint for
 *               waiting only: the kernel never needs it for correctness);
 *   (G) need_wakeup: the kernel stores NEED_WAKEUP, smp_mb(), then loads
 *               rel_prod; the user stores rel_prod (C), a full fence, then
 *               loads the flags. One of the two sees the other's store.
 *
 * Who consumes the release ring: a work item the completion path queues
 * whenever the release ring is not empty, so a consumer that keeps
 * releasing keeps the device fed with no system call; and
 * FPGADMA_IOC_SHM_KICK (poll() and a waiting kick only while the device
 * owns no buffer). When the device owns no buffer any more
 * (no completion will come to queue the work item) the kernel sets
 * FPGADMA_SHM_NEED_WAKEUP; after producing, a user that sees it calls
 * FPGADMA_IOC_SHM_KICK (or poll()). A pass that gives the device buffers
 * clears the flag.
 *
 * Nothing in the area is trusted. The kernel keeps its own producer and
 * consumer indices and its own ownership state: a release entry that is
 * out of range, not held by the user or repeated is skipped and counted
 * (counters.invalid); a producer more than rel_entries ahead of the
 * kernel's consumer is garbage: nothing is consumed and the pass is
 * counted (counters.garbage) until the producer is sane again. Scribbling
 * over the kernel's fields hurts only the scribbler.
 *
 * In shared mode read() and FPGADMA_IOC_EXCHANGE fail with EINVAL (the
 * records go to the completion ring); FPGADMA_IOC_RELEASE works as in
 * record mode; poll() reports EPOLLIN while the completion ring holds
 * records past the user's comp_cons. The area is sized with the ring:
 * FPGADMA_IOC_SET_RING fails with EBUSY while it is mapped. After the
 * device is removed the area stays mapped until munmap() (the buffers'
 * mapping gets SIGBUS): its indices stop, the kernel sets the flags to
 * FPGADMA_SHM_NEED_WAKEUP | FPGADMA_SHM_GONE for good, and every system
 * call on the file fails with ENODEV. A consumer that sees GONE must not
 * touch the buffers of records it has not read yet.
 */

/* The control area's flags word. */
#define FPGADMA_SHM_NEED_WAKEUP	(1U << 0)
#define FPGADMA_SHM_GONE	(1U << 1)	/* the device was removed */

/**
 * struct fpgadma_shm_info - control area layout (FPGADMA_IOC_SHM_INFO)
 * @mmap_offset:   mmap() offset of the area (FPGADMA_MMAP_CTRL_BASE).
 * @mmap_size:     bytes to map (a multiple of the page size).
 * @comp_entries:  completion ring entries (power of two >= buf_count).
 * @rel_entries:   release ring entries (power of two >= buf_count).
 * @comp_prod_off: __u32 completion producer (kernel writes).
 * @comp_cons_off: __u32 completion consumer (user writes).
 * @comp_ring_off: the struct fpgadma_record entries.
 * @rel_prod_off:  __u32 release producer (user writes).
 * @rel_cons_off:  __u32 release consumer (kernel writes).
 * @rel_ring_off:  the __u32 index entries.
 * @flags_off:     __u32 FPGADMA_SHM_* flags (kernel writes).
 * @counters_off:  struct fpgadma_shm_counters (kernel writes).
 * @reserved:      zero.
 */
struct fpgadma_shm_info {
	__u64 mmap_offset;
	__u64 mmap_size;
	__u32 comp_entries;
	__u32 rel_entries;
	__u32 comp_prod_off;
	__u32 comp_cons_off;
	__u32 comp_ring_off;
	__u32 rel_prod_off;
	__u32 rel_cons_off;
	__u32 rel_ring_off;
	__u32 flags_off;
	__u32 counters_off;
	__u64 reserved[4];
};

/**
 * struct fpgadma_shm_counters - shared-ring counters since SHM_START
 * @produced: records the kernel put into the completion ring.
 * @released: release entries the kernel accepted.
 * @invalid:  release entries refused (out of range, not held, repeated).
 * @garbage:  passes that found a garbage release producer index.
 * @overrun:  records produced while the user's comp_cons said the ring was
 *            full (the consumer released buffers it had not consumed).
 * @dropped:  buffers the device dropped (sum of lost_before).
 * @passes:   passes over the release ring (work item, kick, poll).
 * @wakeups:  times the kernel set FPGADMA_SHM_NEED_WAKEUP.
 * @reserved: zero.
 *
 * Written by the kernel with single stores; each value is consistent, the
 * set is not a snapshot.
 */
struct fpgadma_shm_counters {
	__u64 produced;
	__u64 released;
	__u64 invalid;
	__u64 garbage;
	__u64 overrun;
	__u64 dropped;
	__u64 passes;
	__u64 wakeups;
	__u64 reserved[8];
};

/**
 * struct fpgadma_shm_start - start in shared-ring mode (FPGADMA_IOC_SHM_START)
 * @flags:    zero.
 * @reserved: zero.
 *
 * As FPGADMA_IOC_START (EBUSY if another file streams, or this one in
 * another mode; 0 if this file already streams in shared mode), then
 * records go to the completion ring.
 */
struct fpgadma_shm_start {
	__u32 flags;
	__u32 reserved;
};

/* fpgadma_shm_kick.flags: wait until the completion ring has a record. */
#define FPGADMA_KICK_WAIT	(1U << 0)

/**
 * struct fpgadma_shm_kick - consume the release ring (FPGADMA_IOC_SHM_KICK)
 * @flags:    FPGADMA_KICK_* bits.
 * @reserved: zero.
 *
 * Gives the buffers in the release ring back to the device now; with
 * FPGADMA_KICK_WAIT only if the device owns no buffer (else the completion
 * path does it, see above), then it waits like read() (O_NONBLOCK: EAGAIN, the
 * file's timeout: ETIMEDOUT, signals: EINTR) until the completion ring
 * holds a record past comp_cons. EINVAL if the file does not stream in
 * shared mode, EPIPE if the stream stopped while waiting.
 */
struct fpgadma_shm_kick {
	__u32 flags;
	__u32 reserved;
};

#define FPGADMA_IOC_MAGIC	0xBF

#define FPGADMA_IOC_INFO	_IOR(FPGADMA_IOC_MAGIC, 0x00, struct fpgadma_info)
#define FPGADMA_IOC_SET_RING_V1	_IOWR(FPGADMA_IOC_MAGIC, 0x01, struct fpgadma_ring_config)
#define FPGADMA_IOC_START	_IO(FPGADMA_IOC_MAGIC, 0x02)
#define FPGADMA_IOC_STOP	_IO(FPGADMA_IOC_MAGIC, 0x03)
#define FPGADMA_IOC_RELEASE	_IOW(FPGADMA_IOC_MAGIC, 0x04, struct fpgadma_release)
#define FPGADMA_IOC_GET_STATS	_IOR(FPGADMA_IOC_MAGIC, 0x05, struct fpgadma_stats)
#define FPGADMA_IOC_SET_TIMEOUT	_IOW(FPGADMA_IOC_MAGIC, 0x06, struct fpgadma_timeout)
#define FPGADMA_IOC_SET_COALESCE _IOW(FPGADMA_IOC_MAGIC, 0x07, struct fpgadma_coalesce)
#define FPGADMA_IOC_EXCHANGE	_IOWR(FPGADMA_IOC_MAGIC, 0x08, struct fpgadma_exchange)
#define FPGADMA_IOC_SET_RING	_IOW(FPGADMA_IOC_MAGIC, 0x01, struct fpgadma_ring_config)
#define FPGADMA_IOC_SHM_INFO	_IOR(FPGADMA_IOC_MAGIC, 0x09, struct fpgadma_shm_info)
#define FPGADMA_IOC_SHM_START	_IOW(FPGADMA_IOC_MAGIC, 0x0a, struct fpgadma_shm_start)
#define FPGADMA_IOC_SHM_KICK	_IOW(FPGADMA_IOC_MAGIC, 0x0b, struct fpgadma_shm_kick)

#endif /* _UAPI_FPGADMA_H */
