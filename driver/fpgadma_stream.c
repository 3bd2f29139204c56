// SPDX-License-Identifier: GPL-2.0-only
/*
 * fpgadma engine for the fpgadma stream engine interface (docs/
 * stream-engine.md, include/uapi/fpgadma_stream_regs.h): a descriptor ring the
 * driver fills, a doorbell, and a completion ring the device writes back
 * into host memory, so that the interrupt handler reads no device register
 * on its normal path.
 *
 * Every ring buffer queued to the device gets one descriptor, in the ring's
 * queue order; completions come back in the same order.
 */
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/io.h>
#include <linux/iopoll.h>
#include <linux/ktime.h>
#include <linux/log2.h>
#include <linux/slab.h>

#include <uapi/fpgadma.h>

#include "fpgadma_core.h"
#include "fpgadma_fse_queue.h"

#define FSE_RESET_TIMEOUT_US	100000
#define FSE_STOP_TIMEOUT_US	1000000

/**
 * struct fse_engine - stream engine state
 * @fdev:        the device.
 * @q:           host view of the rings; protected by fdev->ring_lock.
 * @rings:       descriptor ring, then completion ring, then owner slots.
 * @rings_dma:   bus address of @rings.
 * @size:        entries per ring.
 * @caps:        FSE_CAP_* of the device.
 * @coal_count:  interrupt moderation: completions per interrupt.
 * @coal_usecs:  interrupt moderation: time limit.
 * @running:     completions are accepted; protected by fdev->ring_lock.
 */
struct fse_engine {
	struct fpgadma_dev *fdev;
	struct fse_queue q;
	void *rings;
	dma_addr_t rings_dma;
	u32 size;
	u32 caps;
	u32 coal_count;
	u32 coal_usecs;
	bool running;
};

static u32 fse_read(struct fpgadma_dev *fdev, u32 reg)
{
	return readl(fdev->regs + reg);
}

static void fse_write(struct fpgadma_dev *fdev, u32 reg, u32 val)
{
	writel(val, fdev->regs + reg);
}

/* Post descriptors for the last @n buffers of the ring's queue. ring_lock held. */
static void fse_post(struct fse_engine *e, u32 n)
{
	struct fpgadma_dev *fdev = e->fdev;
	u32 queued = fpgadma_ring_n_queued(&fdev->ring);
	u32 i, index;

	for (i = queued - n; i < queued; i++) {
		fpgadma_ring_peek_queued(&fdev->ring, i, &index);
		/* Cannot fail: the ring has at most e->size buffers. */
		fse_queue_post(&e->q, index, fdev->bufs->buf[index].dma,
			       fdev->bufs->size);
	}
	/* Descriptors in memory before the doorbell. */
	dma_wmb();
	fse_write(fdev, FSE_REG_DESC_TAIL, e->q.tail);
}

/* Hand new completions to the ring. ring_lock held. Returns how many. */
static u32 fse_reap(struct fse_engine *e)
{
	struct fpgadma_dev *fdev = e->fdev;
	u64 now = ktime_get_ns();
	struct fse_event ev;
	u32 n = 0;

	if (!e->running)
		return 0;
	while (fse_queue_poll(&e->q, &ev)) {
		u32 flags = 0;

		if (ev.flags & FSE_CPL_ERROR)
			flags |= FPGADMA_REC_ERROR;
		if (ev.flags & FSE_CPL_SHORT)
			flags |= FPGADMA_REC_SHORT;
		if (ev.lost)
			fpgadma_ring_drop(&fdev->ring, ev.lost);
		if (fpgadma_ring_complete(&fdev->ring, ev.index, ev.bytes,
					  flags, now)) {
			dev_err_ratelimited(fdev->parent,
					    "completion for buffer %u out of order\n",
					    ev.index);
			continue;
		}
		n++;
	}
	return n;
}

static irqreturn_t fse_irq(struct fpgadma_dev *fdev)
{
	struct fse_engine *e = fdev->engine;
	u32 status, n;

	/*
	 * The device interrupts after writing completions, so they are in
	 * memory now: the common path reads no register. The ack is a
	 * posted write, needed only to drop a level-triggered INTx line.
	 */
	fse_write(fdev, FSE_REG_IRQ_ACK, FSE_IRQ_COMPLETION);
	spin_lock(&fdev->ring_lock);
	n = fse_reap(e);
	spin_unlock(&fdev->ring_lock);
	if (n) {
		fpgadma_wake_readers(fdev);
		return IRQ_HANDLED;
	}

	/* Nothing new in memory: an error, or not our interrupt. */
	status = fse_read(fdev, FSE_REG_IRQ_STATUS);
	if (!status || status == U32_MAX)
		return IRQ_NONE;
	fse_write(fdev, FSE_REG_IRQ_ACK, status);
	if (status & FSE_IRQ_ERROR)
		dev_err_ratelimited(fdev->parent, "device error %#x, status %#x\n",
				    fse_read(fdev, FSE_REG_ERROR),
				    fse_read(fdev, FSE_REG_STATUS));
	return IRQ_HANDLED;
}

static int fse_reset(struct fpgadma_dev *fdev)
{
	u32 ctrl;

	fse_write(fdev, FSE_REG_CTRL, FSE_CTRL_RESET);
	return readl_poll_timeout(fdev->regs + FSE_REG_CTRL, ctrl,
				  !(ctrl & FSE_CTRL_RESET), 100,
				  FSE_RESET_TIMEOUT_US);
}

static void fse_write_coalesce(struct fse_engine *e)
{
	fse_write(e->fdev, FSE_REG_COAL_COUNT, e->coal_count);
	fse_write(e->fdev, FSE_REG_COAL_USECS, e->coal_usecs);
}

static int fse_start(struct fpgadma_dev *fdev)
{
	struct fse_engine *e = fdev->engine;
	dma_addr_t cpl_dma = e->rings_dma + e->size * sizeof(struct fse_desc);
	int ret;

	ret = fse_reset(fdev);
	if (ret) {
		dev_err(fdev->parent, "device does not come out of reset\n");
		return ret;
	}
	memset(e->q.cpl, 0, e->size * sizeof(struct fse_cpl));
	fse_queue_init(&e->q, e->size, e->q.desc, e->q.cpl, e->q.owner);
	fse_write(fdev, FSE_REG_DESC_LO, lower_32_bits(e->rings_dma));
	fse_write(fdev, FSE_REG_DESC_HI, upper_32_bits(e->rings_dma));
	fse_write(fdev, FSE_REG_CPL_LO, lower_32_bits(cpl_dma));
	fse_write(fdev, FSE_REG_CPL_HI, upper_32_bits(cpl_dma));
	fse_write(fdev, FSE_REG_RING_SIZE, e->size);
	fse_write_coalesce(e);
	fse_write(fdev, FSE_REG_IRQ_MASK, FSE_IRQ_COMPLETION | FSE_IRQ_ERROR);

	spin_lock_irq(&fdev->ring_lock);
	e->running = true;
	fse_post(e, fpgadma_ring_n_queued(&fdev->ring));
	spin_unlock_irq(&fdev->ring_lock);
	fse_write(fdev, FSE_REG_CTRL, FSE_CTRL_RUN);
	return 0;
}

static void fse_stop(struct fpgadma_dev *fdev)
{
	struct fse_engine *e = fdev->engine;
	u32 status;

	spin_lock_irq(&fdev->ring_lock);
	e->running = false;
	spin_unlock_irq(&fdev->ring_lock);

	fse_write(fdev, FSE_REG_IRQ_MASK, 0);
	fse_write(fdev, FSE_REG_CTRL, 0);
	if (readl_poll_timeout(fdev->regs + FSE_REG_STATUS, status,
			       !(status & FSE_STATUS_RUNNING), 100,
			       FSE_STOP_TIMEOUT_US))
		dev_err(fdev->parent, "device does not stop (status %#x)\n",
			status);
	fse_reset(fdev);
}

static void fse_queue(struct fpgadma_dev *fdev, const u32 *index, u32 n)
{
	struct fse_engine *e = fdev->engine;

	if (e->running)
		fse_post(e, n);
}

static int fse_set_coalesce(struct fpgadma_dev *fdev, u32 count, u32 usecs)
{
	struct fse_engine *e = fdev->engine;

	if ((count > 1 && !(e->caps & FSE_CAP_COAL_COUNT)) ||
	    (usecs && !(e->caps & FSE_CAP_COAL_USECS)))
		return -EINVAL;
	if (count > e->size)
		return -EINVAL;
	e->coal_count = count;
	e->coal_usecs = usecs;
	fse_write_coalesce(e);
	return 0;
}

static int fse_probe(struct fpgadma_dev *fdev)
{
	u32 id = fse_read(fdev, FSE_REG_ID);
	u32 version = fse_read(fdev, FSE_REG_VERSION);
	u32 ring_max = fse_read(fdev, FSE_REG_RING_MAX);
	u32 max_len = fse_read(fdev, FSE_REG_MAX_LEN);
	struct fse_engine *e;
	size_t len;
	int ret;

	if (id != FSE_ID_MAGIC || version >> 16 != FSE_VERSION_MAJOR) {
		dev_err(fdev->parent, "not a stream engine v%d (id %#x version %#x)\n",
			FSE_VERSION_MAJOR, id, version);
		return -ENODEV;
	}
	if (!is_power_of_2(ring_max) || max_len < PAGE_SIZE) {
		dev_err(fdev->parent, "bad geometry: ring %u, max length %u\n",
			ring_max, max_len);
		return -ENODEV;
	}
	e = devm_kzalloc(fdev->parent, sizeof(*e), GFP_KERNEL);
	if (!e)
		return -ENOMEM;
	e->fdev = fdev;
	e->caps = fse_read(fdev, FSE_REG_CAPS);
	e->size = min_t(u32, ring_max, roundup_pow_of_two(fdev->limits.max_count));
	e->coal_count = 1;

	fdev->dma_bits = e->caps & FSE_CAP_ADDR64 ? 64 : 32;
	ret = dma_set_mask_and_coherent(fdev->parent,
					DMA_BIT_MASK(fdev->dma_bits));
	if (ret)
		return ret;
	len = e->size * (sizeof(struct fse_desc) + sizeof(struct fse_cpl) +
			 sizeof(u32));
	e->rings = dmam_alloc_coherent(fdev->parent, len, &e->rings_dma,
				       GFP_KERNEL);
	if (!e->rings)
		return -ENOMEM;
	fse_queue_init(&e->q, e->size, e->rings,
		       e->rings + e->size * sizeof(struct fse_desc),
		       e->rings + e->size * (sizeof(struct fse_desc) +
					     sizeof(struct fse_cpl)));

	/* Posting a descriptor per ring buffer must always find a slot. */
	fdev->limits.max_count = min(fdev->limits.max_count, e->size);
	fdev->limits.max_size = min_t(u32, fdev->limits.max_size,
				      rounddown(max_len, PAGE_SIZE));
	fdev->max_xfer = max_len;
	fdev->def_count = min_t(u32, 64, e->size);
	fdev->def_size = SZ_64K;
	fdev->engine = e;
	return fse_reset(fdev);
}

const struct fpgadma_engine_ops fpgadma_stream_ops = {
	.name = "stream",
	.bar = 0,
	.probe = fse_probe,
	.start = fse_start,
	.stop = fse_stop,
	.queue = fse_queue,
	.set_coalesce = fse_set_coalesce,
	.irq = fse_irq,
};
