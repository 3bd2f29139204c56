// SPDX-License-Identifier: GPL-2.0-only
/*
 * fpgadma buffer ring state machine.
 *
 * Transitions (anything else is refused with -EINVAL or -EPIPE):
 *
 *   IDLE   --start-->    QUEUED    all buffers, in index order
 *   QUEUED --complete--> DONE      only the oldest queued buffer
 *   DONE   --dequeue-->  USER      only the oldest done buffer
 *   USER   --release-->  QUEUED    appended to the device's queue
 *   any    --stop-->     IDLE
 *
 * Buffers only ever leave the device in the order they were queued, so the
 * device can never be handed a buffer the user or the driver still holds.
 */
#include <linux/errno.h>
#include <linux/limits.h>
#include <linux/types.h>

#include "fpgadma_ring.h"

/**
 * fpgadma_ring_check_config() - validate a requested ring geometry
 * @lim:   the limits of the device.
 * @count: number of buffers.
 * @size:  bytes per buffer.
 *
 * Return: 0, or -EINVAL if the geometry is out of range. The product is
 * computed in 64 bits and cannot wrap.
 */
int fpgadma_ring_check_config(const struct fpgadma_ring_limits *lim,
			      u32 count, u32 size)
{
	if (!count || count > lim->max_count)
		return -EINVAL;
	if (!size || size > lim->max_size || size % lim->page_size)
		return -EINVAL;
	if ((u64)count * size > lim->max_total)
		return -EINVAL;
	return 0;
}

/**
 * fpgadma_ring_mem_size() - bytes of state memory a ring of @count needs
 * @count: number of buffers (at most U32_MAX / 32, see the limits).
 *
 * Return: size for fpgadma_ring_init()'s @mem, suitably aligned.
 */
size_t fpgadma_ring_mem_size(u32 count)
{
	return (size_t)count * (sizeof(struct fpgadma_ring_meta) +
				2 * sizeof(u32) + sizeof(u8));
}

/**
 * fpgadma_ring_init() - set up an idle ring
 * @ring:  the ring.
 * @count: number of buffers.
 * @mem:   zeroed, 8-byte aligned memory of fpgadma_ring_mem_size(@count).
 */
void fpgadma_ring_init(struct fpgadma_ring *ring, u32 count, void *mem)
{
	struct fpgadma_ring_meta *meta = mem;
	u32 *slots = (u32 *)(meta + count);

	*ring = (struct fpgadma_ring) {
		.count = count,
		.meta = meta,
		.queued.slot = slots,
		.done.slot = slots + count,
		.state = (u8 *)(slots + 2 * count),
	};
}

static void fifo_push(struct fpgadma_ring_fifo *f, u32 count, u32 index)
{
	u32 pos = f->head + f->len;

	if (pos >= count)
		pos -= count;
	f->slot[pos] = index;
	f->len++;
}

static u32 fifo_at(const struct fpgadma_ring_fifo *f, u32 count, u32 nth)
{
	u32 pos = f->head + nth;

	return f->slot[pos >= count ? pos - count : pos];
}

static u32 fifo_pop(struct fpgadma_ring_fifo *f, u32 count)
{
	u32 index = f->slot[f->head];

	if (++f->head == count)
		f->head = 0;
	f->len--;
	return index;
}

/**
 * fpgadma_ring_start() - hand every buffer to the device
 * @ring: an idle ring.
 *
 * Return: 0, or -EBUSY if the ring is already streaming.
 */
int fpgadma_ring_start(struct fpgadma_ring *ring)
{
	u32 i;

	if (ring->streaming)
		return -EBUSY;
	ring->queued.head = 0;
	ring->queued.len = 0;
	ring->done.head = 0;
	ring->done.len = 0;
	for (i = 0; i < ring->count; i++) {
		ring->state[i] = FPGADMA_BUF_QUEUED;
		fifo_push(&ring->queued, ring->count, i);
	}
	ring->n_user = 0;
	ring->next_seq = 0;
	ring->pending_lost = 0;
	ring->streaming = true;
	return 0;
}

/**
 * fpgadma_ring_stop() - take every buffer back from the device and the user
 * @ring: the ring.
 *
 * The caller must have stopped the device first.
 *
 * Return: the number of buffers the user held.
 */
u32 fpgadma_ring_stop(struct fpgadma_ring *ring)
{
	u32 held = ring->n_user;
	u32 i;

	for (i = 0; i < ring->count; i++)
		ring->state[i] = FPGADMA_BUF_IDLE;
	ring->queued.len = 0;
	ring->done.len = 0;
	ring->n_user = 0;
	ring->streaming = false;
	return held;
}

/**
 * fpgadma_ring_peek_queued() - the buffer the device fills @nth after now
 * @ring:  the ring.
 * @nth:   0 for the buffer being filled now.
 * @index: the buffer index.
 *
 * Return: 0, or -ENOENT if fewer than @nth + 1 buffers are queued.
 */
int fpgadma_ring_peek_queued(const struct fpgadma_ring *ring, u32 nth,
			     u32 *index)
{
	if (nth >= ring->queued.len)
		return -ENOENT;
	*index = fifo_at(&ring->queued, ring->count, nth);
	return 0;
}

/**
 * fpgadma_ring_complete() - the device filled its oldest queued buffer
 * @ring:         the ring.
 * @index:        the buffer; must be the oldest queued one.
 * @bytes_used:   bytes written.
 * @flags:        FPGADMA_REC_* bits.
 * @timestamp_ns: completion time.
 *
 * Return: 0; -EPIPE if not streaming; -EINVAL if @index is not the oldest
 * queued buffer (an engine bug: the ring is left unchanged).
 */
int fpgadma_ring_complete(struct fpgadma_ring *ring, u32 index,
			  u32 bytes_used, u32 flags, u64 timestamp_ns)
{
	struct fpgadma_ring_meta *m;

	if (!ring->streaming)
		return -EPIPE;
	if (!ring->queued.len || ring->queued.slot[ring->queued.head] != index)
		return -EINVAL;
	fifo_pop(&ring->queued, ring->count);
	m = &ring->meta[index];
	m->sequence = ring->next_seq++;
	m->timestamp_ns = timestamp_ns;
	m->bytes_used = bytes_used;
	m->flags = flags;
	m->lost_before = ring->pending_lost;
	ring->pending_lost = 0;
	ring->state[index] = FPGADMA_BUF_DONE;
	fifo_push(&ring->done, ring->count, index);
	ring->completed++;
	ring->bytes += bytes_used;
	if (flags & FPGADMA_RING_FLAG_ERROR)
		ring->errors++;
	return 0;
}

/**
 * fpgadma_ring_drop() - the device produced @n buffers with nowhere to go
 * @ring: the ring.
 * @n:    number of buffers lost.
 *
 * Return: 0, or -EPIPE if not streaming.
 */
int fpgadma_ring_drop(struct fpgadma_ring *ring, u32 n)
{
	if (!ring->streaming)
		return -EPIPE;
	ring->next_seq += n;
	ring->dropped += n;
	if (n > U32_MAX - ring->pending_lost)
		ring->pending_lost = U32_MAX;
	else
		ring->pending_lost += n;
	return 0;
}

/**
 * fpgadma_ring_peek_done() - the @nth oldest buffer waiting for the reader
 * @ring:  the ring.
 * @nth:   0 for the oldest.
 * @index: the buffer index; its metadata is ring->meta[*index].
 *
 * Return: 0, or -ENOENT if fewer than @nth + 1 buffers are done.
 */
int fpgadma_ring_peek_done(const struct fpgadma_ring *ring, u32 nth,
			   u32 *index)
{
	if (nth >= ring->done.len)
		return -ENOENT;
	*index = fifo_at(&ring->done, ring->count, nth);
	return 0;
}

/**
 * fpgadma_ring_dequeue() - hand the oldest done buffer to the user
 * @ring:  the ring.
 * @index: the buffer index.
 *
 * Return: 0, or -ENOENT if no buffer is done.
 */
int fpgadma_ring_dequeue(struct fpgadma_ring *ring, u32 *index)
{
	u32 i;

	if (!ring->done.len)
		return -ENOENT;
	i = fifo_pop(&ring->done, ring->count);
	ring->state[i] = FPGADMA_BUF_USER;
	ring->n_user++;
	ring->dequeued++;
	*index = i;
	return 0;
}

/**
 * fpgadma_ring_release() - give user buffers back to the device
 * @ring:  the ring.
 * @index: buffer indices.
 * @n:     number of indices.
 *
 * All or nothing: every index must be in range, held by the user and
 * appear once.
 *
 * Return: 0; -EPIPE if not streaming; -EINVAL otherwise, with no change.
 */
int fpgadma_ring_release(struct fpgadma_ring *ring, const u32 *index, u32 n)
{
	u32 i;

	if (!ring->streaming)
		return -EPIPE;
	/* Claim each buffer; a repeated index then finds it already claimed. */
	for (i = 0; i < n; i++) {
		if (index[i] >= ring->count ||
		    ring->state[index[i]] != FPGADMA_BUF_USER)
			goto undo;
		ring->state[index[i]] = FPGADMA_BUF_QUEUED;
	}
	for (i = 0; i < n; i++)
		fifo_push(&ring->queued, ring->count, index[i]);
	ring->n_user -= n;
	ring->released += n;
	return 0;

undo:
	while (i--)
		ring->state[index[i]] = FPGADMA_BUF_USER;
	return -EINVAL;
}
