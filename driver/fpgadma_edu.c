// SPDX-License-Identifier: GPL-2.0-only
/*
 * fpgadma engine for QEMU's "edu" PCI device (1234:11e8).
 *
 * edu has one DMA channel between host memory and a 4 KiB buffer inside
 * the device, and raises an interrupt when a transfer is done (100 ms of
 * virtual time later). We make it a stream source: at start we load a
 * known pattern into its buffer, then copy that buffer into one ring
 * buffer after another, each completion interrupt starting the next
 * transfer. When the ring has no queued buffer, the transfer goes into a
 * scratch page instead and counts as a dropped buffer, as a real FPGA
 * discards data it has nowhere to put.
 *
 * Data: byte i of every filled buffer is (i * 7) ^ (i >> 8) ^ 0xa5, for
 * i < bytes_used = min(buffer size, EDU_XFER).
 */
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/io.h>
#include <linux/io-64-nonatomic-lo-hi.h>
#include <linux/ktime.h>
#include <linux/module.h>

#include "fpgadma_core.h"

#define EDU_REG_ID		0x00
#define EDU_REG_IRQ_STATUS	0x24
#define EDU_REG_IRQ_ACK		0x64
#define EDU_REG_DMA_SRC		0x80
#define EDU_REG_DMA_DST		0x88
#define EDU_REG_DMA_COUNT	0x90
#define EDU_REG_DMA_CMD		0x98

#define EDU_ID_MAGIC		0xed
#define EDU_DMA_START		BIT(0)
#define EDU_DMA_TO_RAM		BIT(1)
#define EDU_DMA_IRQ		BIT(2)
#define EDU_IRQ_DMA		0x100

/* The device's buffer and the most we move per transfer. */
#define EDU_BUF_ADDR		0x40000
#define EDU_BUF_SIZE		4096
/*
 * QEMU 7.2 aborts the whole VM on a transfer that touches the buffer's last
 * byte, so stay clear of it. Every transfer has this constant length: no
 * user input reaches the DMA registers.
 */
#define EDU_XFER		4088

#define EDU_DROP		U32_MAX	/* transfer goes to the scratch page */
#define EDU_STOP_TIMEOUT_MS	2000

static unsigned int edu_dma_bits = 28;
module_param(edu_dma_bits, uint, 0444);
MODULE_PARM_DESC(edu_dma_bits,
		 "DMA address width of edu devices (default 28, as QEMU's dma_mask)");

/**
 * struct edu_engine - edu engine state
 * @fdev:        the device.
 * @scratch:     pattern source at start, then the target of dropped data.
 * @scratch_dma: its bus address.
 * @loading:     the transfer in flight loads the pattern into the device.
 * @running:     start a new transfer after each completion.
 * @busy:        a transfer is in flight.
 * @cur:         ring buffer being filled, or EDU_DROP.
 * @idle_wq:     stop() waits here for the last transfer.
 *
 * @loading, @running, @busy and @cur are protected by fdev->ring_lock.
 */
struct edu_engine {
	struct fpgadma_dev *fdev;
	void *scratch;
	dma_addr_t scratch_dma;
	bool loading;
	bool running;
	bool busy;
	u32 cur;
	wait_queue_head_t idle_wq;
};

static u8 edu_pattern(u32 i)
{
	return (u8)((i * 7) ^ (i >> 8) ^ 0xa5);
}

static void edu_dma(struct fpgadma_dev *fdev, u64 src, u64 dst, u32 cmd)
{
	writeq(src, fdev->regs + EDU_REG_DMA_SRC);
	writeq(dst, fdev->regs + EDU_REG_DMA_DST);
	writeq(EDU_XFER, fdev->regs + EDU_REG_DMA_COUNT);
	writeq(cmd | EDU_DMA_START | EDU_DMA_IRQ, fdev->regs + EDU_REG_DMA_CMD);
}

/* Start filling the next queued buffer, or the scratch page. ring_lock held. */
static void edu_next(struct edu_engine *e)
{
	struct fpgadma_dev *fdev = e->fdev;
	dma_addr_t dst = e->scratch_dma;
	u32 index;

	if (!fpgadma_ring_peek_queued(&fdev->ring, 0, &index)) {
		e->cur = index;
		dst = fdev->bufs->buf[index].dma;
	} else {
		e->cur = EDU_DROP;
	}
	edu_dma(fdev, EDU_BUF_ADDR, dst, EDU_DMA_TO_RAM);
}

static irqreturn_t edu_irq(struct fpgadma_dev *fdev)
{
	struct edu_engine *e = fdev->engine;
	u32 status = readl(fdev->regs + EDU_REG_IRQ_STATUS);
	bool completed = false;

	/* Not ours (shared line), or the device is gone (all ones). */
	if (!status || status == U32_MAX)
		return IRQ_NONE;
	writel(status, fdev->regs + EDU_REG_IRQ_ACK);
	if (!(status & EDU_IRQ_DMA))
		return IRQ_HANDLED;

	spin_lock(&fdev->ring_lock);
	if (!e->busy)
		goto out;
	if (e->loading) {
		e->loading = false;
	} else if (e->cur == EDU_DROP) {
		fpgadma_ring_drop(&fdev->ring, 1);
	} else {
		u32 bytes = min_t(u32, fdev->bufs->size, EDU_XFER);

		if (fpgadma_ring_complete(&fdev->ring, e->cur, bytes, 0,
					  ktime_get_ns()))
			dev_err_ratelimited(fdev->parent,
					    "completion of buffer %u out of order\n",
					    e->cur);
		else
			completed = true;
	}
	if (e->running) {
		edu_next(e);
	} else {
		e->busy = false;
		wake_up(&e->idle_wq);
	}
out:
	spin_unlock(&fdev->ring_lock);
	if (completed)
		fpgadma_wake_readers(fdev);
	return IRQ_HANDLED;
}

static int edu_start(struct fpgadma_dev *fdev)
{
	struct edu_engine *e = fdev->engine;
	u32 i;

	for (i = 0; i < EDU_XFER; i++)
		((u8 *)e->scratch)[i] = edu_pattern(i);

	spin_lock_irq(&fdev->ring_lock);
	e->loading = true;
	e->running = true;
	e->busy = true;
	e->cur = EDU_DROP;
	edu_dma(fdev, e->scratch_dma, EDU_BUF_ADDR, 0);
	spin_unlock_irq(&fdev->ring_lock);
	return 0;
}

static bool edu_idle(struct edu_engine *e)
{
	bool idle;

	spin_lock_irq(&e->fdev->ring_lock);
	idle = !e->busy;
	spin_unlock_irq(&e->fdev->ring_lock);
	return idle;
}

static void edu_stop(struct fpgadma_dev *fdev)
{
	struct edu_engine *e = fdev->engine;

	spin_lock_irq(&fdev->ring_lock);
	e->running = false;
	spin_unlock_irq(&fdev->ring_lock);

	/* edu cannot abort a transfer: let the one in flight finish. */
	if (!wait_event_timeout(e->idle_wq, edu_idle(e),
				msecs_to_jiffies(EDU_STOP_TIMEOUT_MS)))
		dev_err(fdev->parent, "DMA did not complete; device stuck?\n");
}

static int edu_probe(struct fpgadma_dev *fdev)
{
	struct edu_engine *e;
	u32 id;
	int ret;

	id = readl(fdev->regs + EDU_REG_ID);
	if ((id & 0xff) != EDU_ID_MAGIC) {
		dev_err(fdev->parent, "not an edu device (id %#x)\n", id);
		return -ENODEV;
	}
	if (edu_dma_bits < 24 || edu_dma_bits > 64)
		return -EINVAL;
	/* Without it edu would truncate bus addresses and corrupt memory. */
	ret = dma_set_mask_and_coherent(fdev->parent,
					DMA_BIT_MASK(edu_dma_bits));
	if (ret) {
		dev_err(fdev->parent, "no usable %u-bit DMA\n", edu_dma_bits);
		return ret;
	}
	fdev->dma_bits = edu_dma_bits;
	e = devm_kzalloc(fdev->parent, sizeof(*e), GFP_KERNEL);
	if (!e)
		return -ENOMEM;
	e->scratch = dmam_alloc_coherent(fdev->parent, EDU_BUF_SIZE,
					 &e->scratch_dma, GFP_KERNEL);
	if (!e->scratch)
		return -ENOMEM;
	e->fdev = fdev;
	init_waitqueue_head(&e->idle_wq);
	fdev->engine = e;
	fdev->max_xfer = EDU_XFER;
	fdev->def_count = 16;
	fdev->def_size = PAGE_SIZE;
	return 0;
}

const struct fpgadma_engine_ops fpgadma_edu_ops = {
	.name = "edu",
	.bar = 0,
	.probe = edu_probe,
	.start = edu_start,
	.stop = edu_stop,
	.irq = edu_irq,
};
