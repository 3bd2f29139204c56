/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fpgadma buffer ring: who owns which buffer, and in which order the device
 * fills them. A pure state machine with no locking and no allocation of its
 * own, so that it can be unit tested on the host; the caller serialises
 * access (fpgadma_dev.ring_lock in the driver).
 */
#ifndef FPGADMA_RING_H
#define FPGADMA_RING_H

#include <linux/types.h>

/**
 * enum fpgadma_buf_state - owner of one buffer
 * @FPGADMA_BUF_IDLE:   driver, not streaming.
 * @FPGADMA_BUF_QUEUED: device: it may write the buffer.
 * @FPGADMA_BUF_DONE:   driver: filled, waiting for the reader.
 * @FPGADMA_BUF_USER:   user: dequeued, being read in place.
 */
enum fpgadma_buf_state {
	FPGADMA_BUF_IDLE,
	FPGADMA_BUF_QUEUED,
	FPGADMA_BUF_DONE,
	FPGADMA_BUF_USER,
};

/**
 * struct fpgadma_ring_meta - completion metadata of one filled buffer
 * @sequence:     production number in this stream (dropped buffers count).
 * @timestamp_ns: CLOCK_MONOTONIC time of the completion.
 * @bytes_used:   bytes the device wrote.
 * @flags:        FPGADMA_REC_* bits.
 * @lost_before:  buffers dropped since the previous completion.
 */
/* fpgadma_ring_meta.flags bit counted as an error (FPGADMA_REC_ERROR). */
#define FPGADMA_RING_FLAG_ERROR	1U

struct fpgadma_ring_meta {
	u64 sequence;
	u64 timestamp_ns;
	u32 bytes_used;
	u32 flags;
	u32 lost_before;
};

/**
 * struct fpgadma_ring_fifo - a queue of buffer indices
 * @slot: storage for count entries.
 * @head: position of the oldest entry.
 * @len:  number of entries.
 */
struct fpgadma_ring_fifo {
	u32 *slot;
	u32 head;
	u32 len;
};

/**
 * struct fpgadma_ring - ownership state of a ring of buffers
 * @count:        number of buffers.
 * @streaming:    between fpgadma_ring_start() and fpgadma_ring_stop().
 * @state:        enum fpgadma_buf_state per buffer.
 * @meta:         completion metadata per buffer (valid in DONE and USER).
 * @queued:       QUEUED buffers, in the order the device fills them.
 * @done:         DONE buffers, in completion order.
 * @n_user:       number of USER buffers.
 * @next_seq:     sequence number of the next buffer the device produces.
 * @pending_lost: drops not yet reported in a record.
 * @completed:    counter: buffers completed.
 * @dequeued:     counter: buffers handed to the user.
 * @released:     counter: buffers given back by the user.
 * @dropped:      counter: buffers dropped for want of a free buffer.
 * @errors:       counter: completions flagged with an error.
 * @bytes:        counter: bytes completed.
 */
struct fpgadma_ring {
	u32 count;
	bool streaming;
	u8 *state;
	struct fpgadma_ring_meta *meta;
	struct fpgadma_ring_fifo queued;
	struct fpgadma_ring_fifo done;
	u32 n_user;
	u64 next_seq;
	u32 pending_lost;
	u64 completed;
	u64 dequeued;
	u64 released;
	u64 dropped;
	u64 errors;
	u64 bytes;
};

/**
 * struct fpgadma_ring_limits - what a ring configuration may ask for
 * @page_size:     buffer sizes are multiples of this.
 * @max_count:     most buffers.
 * @max_size:      largest buffer.
 * @max_total:     largest count * size.
 */
struct fpgadma_ring_limits {
	u32 page_size;
	u32 max_count;
	u32 max_size;
	u64 max_total;
};

int fpgadma_ring_check_config(const struct fpgadma_ring_limits *lim,
			      u32 count, u32 size);
size_t fpgadma_ring_mem_size(u32 count);
void fpgadma_ring_init(struct fpgadma_ring *ring, u32 count, void *mem);
int fpgadma_ring_start(struct fpgadma_ring *ring);
u32 fpgadma_ring_stop(struct fpgadma_ring *ring);
int fpgadma_ring_peek_queued(const struct fpgadma_ring *ring, u32 nth,
			     u32 *index);
int fpgadma_ring_complete(struct fpgadma_ring *ring, u32 index,
			  u32 bytes_used, u32 flags, u64 timestamp_ns);
int fpgadma_ring_drop(struct fpgadma_ring *ring, u32 n);
int fpgadma_ring_peek_done(const struct fpgadma_ring *ring, u32 nth,
			   u32 *index);
int fpgadma_ring_dequeue(struct fpgadma_ring *ring, u32 *index);
int fpgadma_ring_release(struct fpgadma_ring *ring, const u32 *index, u32 n);

static inline u32 fpgadma_ring_n_done(const struct fpgadma_ring *ring)
{
	return ring->done.len;
}

static inline u32 fpgadma_ring_n_queued(const struct fpgadma_ring *ring)
{
	return ring->queued.len;
}

#endif /* FPGADMA_RING_H */
