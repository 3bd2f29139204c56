/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Descriptor and completion rings of the fpgadma stream engine, as the host
 * sees them: posting descriptors, finding new completions by their phase
 * bit. Pure logic on memory the caller provides, unit tested on the host.
 */
#ifndef FPGADMA_FSE_QUEUE_H
#define FPGADMA_FSE_QUEUE_H

#include <linux/types.h>

#include <hw/fpgadma_stream_regs.h>

/**
 * struct fse_queue - host view of the two rings
 * @size:  entries in each ring, a power of two.
 * @tail:  descriptors posted (free running).
 * @head:  completions consumed (free running).
 * @desc:  descriptor ring (device reads it).
 * @cpl:   completion ring (device writes it).
 * @owner: buffer index of each posted descriptor slot.
 */
struct fse_queue {
	u32 size;
	u32 tail;
	u32 head;
	struct fse_desc *desc;
	struct fse_cpl *cpl;
	u32 *owner;
};

/**
 * struct fse_event - one parsed completion
 * @index: the buffer index given to fse_queue_post().
 * @bytes: bytes written, clamped to the descriptor's length.
 * @lost:  buffers dropped before this one.
 * @flags: FSE_CPL_ERROR and FSE_CPL_SHORT.
 * @sequence: the device's production count of this buffer (low 32 bits).
 */
struct fse_event {
	u32 index;
	u32 bytes;
	u32 lost;
	u32 flags;
	u32 sequence;
};

void fse_queue_init(struct fse_queue *q, u32 size, struct fse_desc *desc,
		    struct fse_cpl *cpl, u32 *owner);
int fse_queue_post(struct fse_queue *q, u32 index, u64 addr, u32 len);
bool fse_queue_poll(struct fse_queue *q, struct fse_event *ev);

static inline u32 fse_queue_pending(const struct fse_queue *q)
{
	return q->tail - q->head;
}

#endif /* FPGADMA_FSE_QUEUE_H */
