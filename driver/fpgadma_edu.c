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
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

#include <uapi/fpgadma.h>

#include "fpgadma_engine.h"
#include "fpgadma_engines.h"

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

#define EDU_STOP_TIMEOUT_MS	2000

static unsigned int edu_dma_bits = 28;
module_param(edu_dma_bits, uint, 0444);
MODULE_PARM_DESC(edu_dma_bits,
		 "DMA address width of edu devices (default 28, as QEMU's dma_mask)");

/**
 * struct edu_engine - edu engine state
 * @fdev:        the device.
 * @regs:        its registers.
 * @dev:         the PCI device.
 * @lock:        protects everything below; taken in the interrupt handler.
 * @scratch:     pattern source at start, then the target of dropped data.
 * @scratch_dma: its bus address.
 * @loading:     the transfer in flight loads the pattern into the device.
 * @running:     start a new transfer after each completion.
 * @busy:        a transfer is in flight.
 * @cur:         the buffer being filled, if @cur_valid (else: scratch).
 * @cur_valid:   @cur is a ring buffer.
 * @fifo:        buffers the core gave us, in order; @n of them from @head.
 * @cap:         capacity of @fifo (the ring's buffer count).
 * @head:        the oldest buffer in @fifo.
 * @n:           buffers in @fifo.
 * @idle_wq:     stop() waits here for the last transfer.
 */
struct edu_engine {
	struct fpgadma_dev *fdev;
	void __iomem *regs;
	struct device *dev;
	/* engine state vs the interrupt handler */
	spinlock_t lock;
	void *scratch;
	dma_addr_t scratch_dma;
	bool loading;
	bool running;
	bool busy;
	bool cur_valid;
	struct fpgadma_xfer cur;
	struct fpgadma_xfer *fifo;
	u32 cap;
	u32 head;
	u32 n;
	wait_queue_head_t idle_wq;
};

static u8 edu_pattern(u32 i)
{
	return (u8)((i * 7) ^ (i >> 8) ^ 0xa5);
}

static void edu_dma(struct edu_engine *e, u64 src, u64 dst, u32 cmd)
{
	writeq(src, e->regs + EDU_REG_DMA_SRC);
	writeq(dst, e->regs + EDU_REG_DMA_DST);
	writeq(EDU_XFER, e->regs + EDU_REG_DMA_COUNT);
	writeq(cmd | EDU_DMA_START | EDU_DMA_IRQ, e->regs + EDU_REG_DMA_CMD);
}

/* Start filling the oldest buffer we were given, or the scratch page. */
static void edu_next(struct edu_engine *e)
{
	dma_addr_t dst = e->scratch_dma;

	lockdep_assert_held(&e->lock);
	e->cur_valid = e->n > 0;
	if (e->cur_valid) {
		e->cur = e->fifo[e->head];
		e->head = e->head + 1 == e->cap ? 0 : e->head + 1;
		e->n--;
		dst = e->cur.dma;
	}
	edu_dma(e, EDU_BUF_ADDR, dst, EDU_DMA_TO_RAM);
}

static irqreturn_t edu_irq(struct fpgadma_dev *fdev)
{
	struct edu_engine *e = fpgadma_engine_data(fdev);
	u32 status = readl(e->regs + EDU_REG_IRQ_STATUS);
	struct fpgadma_done done = { 0 };
	bool lost = false, filled = false;

	/* Not ours (shared line), or the device is gone (all ones). */
	if (!status || status == U32_MAX)
		return IRQ_NONE;
	writel(status, e->regs + EDU_REG_IRQ_ACK);
	if (!(status & EDU_IRQ_DMA))
		return IRQ_HANDLED;

	spin_lock(&e->lock);
	if (!e->busy)
		goto out;
	if (e->loading) {
		e->loading = false;
	} else if (!e->cur_valid) {
		lost = true;
	} else {
		done.index = e->cur.index;
		done.bytes = min_t(u32, e->cur.len, EDU_XFER);
		filled = true;
	}
	if (e->running) {
		edu_next(e);
	} else {
		e->busy = false;
		wake_up(&e->idle_wq);
	}
out:
	spin_unlock(&e->lock);
	if (lost)
		fpgadma_report_lost(fdev, 1);
	if (filled)
		fpgadma_report_done(fdev, &done, 1);
	return IRQ_HANDLED;
}

/* Append @n buffers to our queue. e->lock held. */
static void edu_push(struct edu_engine *e, const struct fpgadma_xfer *x, u32 n)
{
	u32 i, pos;

	for (i = 0; i < n && e->n < e->cap; i++) {
		pos = e->head + e->n;
		e->fifo[pos >= e->cap ? pos - e->cap : pos] = x[i];
		e->n++;
	}
}

static int edu_start(struct fpgadma_dev *fdev, const struct fpgadma_xfer *x,
		     u32 n)
{
	struct edu_engine *e = fpgadma_engine_data(fdev);
	struct fpgadma_xfer *fifo;
	u32 i;

	fifo = kcalloc(n, sizeof(*fifo), GFP_KERNEL);
	if (!fifo)
		return -ENOMEM;
	for (i = 0; i < EDU_XFER; i++)
		((u8 *)e->scratch)[i] = edu_pattern(i);

	spin_lock_irq(&e->lock);
	kfree(e->fifo);
	e->fifo = fifo;
	e->cap = n;
	e->head = 0;
	e->n = 0;
	edu_push(e, x, n);
	e->loading = true;
	e->running = true;
	e->busy = true;
	e->cur_valid = false;
	edu_dma(e, e->scratch_dma, EDU_BUF_ADDR, 0);
	spin_unlock_irq(&e->lock);
	return 0;
}

static void edu_queue(struct fpgadma_dev *fdev, const struct fpgadma_xfer *x,
		      u32 n)
{
	struct edu_engine *e = fpgadma_engine_data(fdev);

	spin_lock_irq(&e->lock);
	edu_push(e, x, n);
	spin_unlock_irq(&e->lock);
}

static bool edu_idle(struct edu_engine *e)
{
	bool idle;

	spin_lock_irq(&e->lock);
	idle = !e->busy;
	spin_unlock_irq(&e->lock);
	return idle;
}

static int edu_stop(struct fpgadma_dev *fdev)
{
	struct edu_engine *e = fpgadma_engine_data(fdev);
	int ret = 0;

	spin_lock_irq(&e->lock);
	e->running = false;
	e->n = 0;
	spin_unlock_irq(&e->lock);

	/* A surprise-removed device reads all ones: nothing will complete. */
	if (readl(e->regs + EDU_REG_ID) == U32_MAX) {
		ret = -ENODEV;
	} else if (!wait_event_timeout(e->idle_wq, edu_idle(e),
				       msecs_to_jiffies(EDU_STOP_TIMEOUT_MS))) {
		/* edu cannot abort a transfer: the one in flight may still land. */
		dev_err(e->dev, "DMA did not complete; device stuck?\n");
		return -EIO;
	}
	spin_lock_irq(&e->lock);
	e->busy = false;
	spin_unlock_irq(&e->lock);
	return ret;
}

static void edu_remove(struct fpgadma_dev *fdev)
{
	struct edu_engine *e = fpgadma_engine_data(fdev);

	kfree(e->fifo);
	e->fifo = NULL;
}

static int edu_probe(struct fpgadma_dev *fdev, const struct fpgadma_hw *hw,
		     struct fpgadma_engine_info *info)
{
	struct edu_engine *e;
	u32 id;
	int ret;

	if (!hw->regs)
		return -ENODEV;
	id = readl(hw->regs + EDU_REG_ID);
	if ((id & 0xff) != EDU_ID_MAGIC) {
		dev_err(hw->dev, "not an edu device (id %#x)\n", id);
		return -ENODEV;
	}
	if (edu_dma_bits < 24 || edu_dma_bits > 64)
		return -EINVAL;
	/* Without it edu would truncate bus addresses and corrupt memory. */
	ret = dma_set_mask_and_coherent(hw->dev, DMA_BIT_MASK(edu_dma_bits));
	if (ret) {
		dev_err(hw->dev, "no usable %u-bit DMA\n", edu_dma_bits);
		return ret;
	}
	e = devm_kzalloc(hw->dev, sizeof(*e), GFP_KERNEL);
	if (!e)
		return -ENOMEM;
	e->scratch = dmam_alloc_coherent(hw->dev, EDU_BUF_SIZE,
					 &e->scratch_dma, GFP_KERNEL);
	if (!e->scratch)
		return -ENOMEM;
	e->fdev = fdev;
	e->regs = hw->regs;
	e->dev = hw->dev;
	spin_lock_init(&e->lock);
	init_waitqueue_head(&e->idle_wq);
	fpgadma_set_engine_data(fdev, e);
	info->max_xfer = EDU_XFER;
	info->dma_bits = edu_dma_bits;
	info->def_count = 16;
	info->def_size = PAGE_SIZE;
	return 0;
}

const struct fpgadma_engine fpgadma_edu_engine = {
	.name = "edu",
	.pci_bar = 0,
	.ops = {
		.probe = edu_probe,
		.remove = edu_remove,
		.start = edu_start,
		.stop = edu_stop,
		.queue = edu_queue,
		.irq = edu_irq,
	},
};
