// SPDX-License-Identifier: GPL-2.0-only
/*
 * fpgadma stream engine rings (see fpgadma_fse_queue.h and
 * docs/stream-engine.md).
 *
 * Indices are free running u32 counters; slot = counter & (size - 1), so
 * wrap-around of the counters themselves is harmless. The device writes
 * completion slot s with the phase bit of the pass it is on: 1 on the
 * first pass over the ring, 0 on the second, and so on. An entry is new
 * when its phase bit equals the phase the host expects at head.
 */
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/types.h>
#include <asm/barrier.h>
#include <asm/byteorder.h>

#include "fpgadma_fse_queue.h"

/**
 * fse_queue_init() - empty rings
 * @q:     the queue.
 * @size:  entries, a power of two.
 * @desc:  @size descriptors.
 * @cpl:   @size completions, zeroed (phase 0: nothing new yet).
 * @owner: @size buffer indices.
 */
void fse_queue_init(struct fse_queue *q, u32 size, struct fse_desc *desc,
		    struct fse_cpl *cpl, u32 *owner)
{
	q->size = size;
	q->tail = 0;
	q->head = 0;
	q->desc = desc;
	q->cpl = cpl;
	q->owner = owner;
}

/**
 * fse_queue_post() - write a descriptor for buffer @index
 * @q:     the queue.
 * @index: buffer index, returned in the completion event.
 * @addr:  bus address of the buffer.
 * @len:   its length.
 *
 * The caller makes the descriptor visible to the device (a write barrier)
 * and rings the doorbell with q->tail.
 *
 * Return: 0, or -ENOSPC if every slot is in use.
 */
int fse_queue_post(struct fse_queue *q, u32 index, u64 addr, u32 len)
{
	u32 slot = q->tail & (q->size - 1);

	if (fse_queue_pending(q) >= q->size)
		return -ENOSPC;
	q->desc[slot].addr = cpu_to_le64(addr);
	q->desc[slot].len = cpu_to_le32(len);
	q->desc[slot].reserved = 0;
	q->owner[slot] = index;
	q->tail++;
	return 0;
}

/**
 * fse_queue_poll() - take the next new completion, if any
 * @q:  the queue.
 * @ev: the parsed completion.
 *
 * A completion is only accepted for a posted descriptor: an entry beyond
 * the tail (a confused device) is ignored.
 *
 * Return: true if @ev was filled.
 */
bool fse_queue_poll(struct fse_queue *q, struct fse_event *ev)
{
	u32 slot = q->head & (q->size - 1);
	u32 phase = !((q->head / q->size) & 1);
	const struct fse_cpl *c = &q->cpl[slot];
	u32 flags, len, bytes;

	if (!fse_queue_pending(q))
		return false;
	flags = le32_to_cpu(READ_ONCE(c->flags));
	if ((flags & FSE_CPL_PHASE) != phase)
		return false;
	/* Read the rest of the entry only after seeing its phase bit. */
	dma_rmb();
	len = le32_to_cpu(q->desc[slot].len);
	ev->index = q->owner[slot];
	bytes = le32_to_cpu(c->bytes);
	ev->bytes = bytes < len ? bytes : len;
	ev->lost = le32_to_cpu(c->lost);
	ev->sequence = le32_to_cpu(c->sequence);
	ev->flags = flags & (FSE_CPL_ERROR | FSE_CPL_SHORT);
	q->head++;
	return true;
}
