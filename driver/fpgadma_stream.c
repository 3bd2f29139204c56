// SPDX-License-Identifier: GPL-2.0-only
/*
 * fpgadma engine for the fpgadma stream engine interface (docs/
 * stream-engine.md, include/hw/fpgadma_stream_regs.h): a descriptor ring the
 * driver fills, a doorbell, and a completion ring the device writes back
 * into host memory, so that the interrupt handler reads no device register
 * on its normal path.
 *
 * Every ring buffer queued to the device gets one descriptor, in the ring's
 * queue order; completions come back in the same order.
 */
#include <linux/dma-mapping.h>
#include <linux/ktime.h>
#include <linux/log2.h>
#include <linux/regmap.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include <uapi/fpgadma.h>

#include "fpgadma_engine.h"
#include "fpgadma_engines.h"
#include "fpgadma_fse_queue.h"

/*
 * Hardware resets in microseconds; a second leaves room for a device
 * that is slow to answer (the software model under emulation was seen to
 * miss 100 ms on a loaded host), and costs nothing when it is quick.
 */
#define FSE_RESET_TIMEOUT_US	1000000
#define FSE_STOP_TIMEOUT_US	1000000
/* Descriptors posted per interrupts-off section. */
#define FSE_POST_BATCH		64
/* Completions handed to the core per report. */
#define FSE_REAP_BATCH		16

/**
 * struct fse_engine - stream engine state
 * @fdev:        the device.
 * @dev:         the bus device.
 * @map:         its registers.
 * @lock:        protects @q and @running against the interrupt handler.
 * @q:           host view of the rings.
 * @rings:       descriptor ring, then completion ring, then owner slots.
 * @rings_dma:   bus address of @rings.
 * @size:        entries per ring.
 * @caps:        FSE_CAP_* of the device.
 * @coal_count:  interrupt moderation: completions per interrupt.
 * @coal_usecs:  interrupt moderation: time limit.
 * @running:     completions are accepted.
 * @seq:         production number the next completion must carry (low 32
 *               bits, dropped buffers included).
 */
struct fse_engine {
	struct fpgadma_dev *fdev;
	struct device *dev;
	struct regmap *map;
	/* @q and @running vs the interrupt handler */
	spinlock_t lock;
	struct fse_queue q;
	void *rings;
	dma_addr_t rings_dma;
	u32 size;
	u32 caps;
	u32 coal_count;
	u32 coal_usecs;
	bool running;
	u32 seq;
};

static const struct regmap_config fse_regmap_config = {
	.name = "fpgadma-stream",
	.reg_bits = 32,
	.val_bits = 32,
	.reg_stride = 4,
	.max_register = FSE_REG_SPAN - 4,
	.fast_io = true,
	/* Accesses are independent; the engine orders what matters. */
	.disable_locking = true,
};

/* A register; all ones if the device cannot be read (as a gone PCI device). */
static u32 fse_read(struct fse_engine *e, u32 reg)
{
	u32 val;

	return regmap_read(e->map, reg, &val) ? U32_MAX : val;
}

static void fse_write(struct fse_engine *e, u32 reg, u32 val)
{
	regmap_write(e->map, reg, val);
}

/* Post descriptors for @x[0..n); the device learns of them at the doorbell. */
static void fse_post(struct fse_engine *e, const struct fpgadma_xfer *x, u32 n)
{
	u32 i = 0, end;

	while (i < n) {
		end = min(n, i + FSE_POST_BATCH);
		spin_lock_irq(&e->lock);
		for (; i < end; i++)
			/* Cannot fail: the ring has at most e->size buffers. */
			fse_queue_post(&e->q, x[i].index, x[i].dma, x[i].len);
		spin_unlock_irq(&e->lock);
	}
	/* Descriptors in memory before the doorbell. */
	dma_wmb();
	fse_write(e, FSE_REG_DESC_TAIL, e->q.tail);
}

/* Hand new completions to the core. Returns how many there were. */
static u32 fse_reap(struct fse_engine *e)
{
	struct fpgadma_done done[FSE_REAP_BATCH];
	struct fse_event ev;
	u32 n, total = 0;

	do {
		n = 0;
		spin_lock(&e->lock);
		while (e->running && n < FSE_REAP_BATCH &&
		       fse_queue_poll(&e->q, &ev)) {
			u32 flags = 0;

			if (ev.flags & FSE_CPL_ERROR)
				flags |= FPGADMA_REC_ERROR;
			if (ev.flags & FSE_CPL_SHORT)
				flags |= FPGADMA_REC_SHORT;
			e->seq += ev.lost;
			if (ev.sequence != e->seq) {
				/* Drop counts and data disagree: flag it. */
				dev_err_ratelimited(e->dev,
						    "completion sequence %u, expected %u\n",
						    ev.sequence, e->seq);
				flags |= FPGADMA_REC_ERROR;
				e->seq = ev.sequence;
			}
			e->seq++;
			done[n++] = (struct fpgadma_done) {
				.index = ev.index,
				.bytes = ev.bytes,
				.flags = flags,
				.lost = ev.lost,
			};
		}
		spin_unlock(&e->lock);
		if (n)
			fpgadma_report_done(e->fdev, done, n);
		total += n;
	} while (n == FSE_REAP_BATCH);
	return total;
}

static irqreturn_t fse_irq(struct fpgadma_dev *fdev)
{
	struct fse_engine *e = fpgadma_engine_data(fdev);
	u32 status;

	/*
	 * The device interrupts after writing completions, so they are in
	 * memory now: the common path reads no register. The ack is a
	 * posted write, needed only to drop a level-triggered INTx line.
	 */
	fse_write(e, FSE_REG_IRQ_ACK, FSE_IRQ_COMPLETION);
	if (fse_reap(e))
		return IRQ_HANDLED;

	/* Nothing new in memory: an error, or not our interrupt. */
	status = fse_read(e, FSE_REG_IRQ_STATUS);
	if (!status || status == U32_MAX)
		return IRQ_NONE;
	fse_write(e, FSE_REG_IRQ_ACK, status);
	if (status & FSE_IRQ_ERROR) {
		fpgadma_report_error(fdev);
		dev_err_ratelimited(e->dev, "device error %#x, status %#x\n",
				    fse_read(e, FSE_REG_ERROR),
				    fse_read(e, FSE_REG_STATUS));
	}
	return IRQ_HANDLED;
}

/* Reset the device: 0, -ENODEV if it is gone, -ETIMEDOUT if it hangs. */
static int fse_reset(struct fse_engine *e)
{
	u32 ctrl;
	int ret;

	fse_write(e, FSE_REG_CTRL, FSE_CTRL_RESET);
	ret = regmap_read_poll_timeout(e->map, FSE_REG_CTRL, ctrl,
				       !(ctrl & FSE_CTRL_RESET) || ctrl == U32_MAX,
				       100, FSE_RESET_TIMEOUT_US);
	if (!ret && ctrl == U32_MAX)
		ret = -ENODEV;
	return ret;
}

static void fse_write_coalesce(struct fse_engine *e)
{
	fse_write(e, FSE_REG_COAL_COUNT, e->coal_count);
	fse_write(e, FSE_REG_COAL_USECS, e->coal_usecs);
}

static int fse_start(struct fpgadma_dev *fdev, const struct fpgadma_xfer *x,
		     u32 n)
{
	struct fse_engine *e = fpgadma_engine_data(fdev);
	dma_addr_t cpl_dma = e->rings_dma + e->size * sizeof(struct fse_desc);
	int ret;

	ret = fse_reset(e);
	if (ret) {
		dev_err(e->dev, "device does not come out of reset (%d)\n", ret);
		return ret;
	}
	memset(e->q.cpl, 0, e->size * sizeof(struct fse_cpl));
	spin_lock_irq(&e->lock);
	fse_queue_init(&e->q, e->size, e->q.desc, e->q.cpl, e->q.owner);
	e->seq = 0;
	e->running = true;
	spin_unlock_irq(&e->lock);
	fse_write(e, FSE_REG_DESC_LO, lower_32_bits(e->rings_dma));
	fse_write(e, FSE_REG_DESC_HI, upper_32_bits(e->rings_dma));
	fse_write(e, FSE_REG_CPL_LO, lower_32_bits(cpl_dma));
	fse_write(e, FSE_REG_CPL_HI, upper_32_bits(cpl_dma));
	fse_write(e, FSE_REG_RING_SIZE, e->size);
	fse_write_coalesce(e);
	fse_write(e, FSE_REG_IRQ_MASK, FSE_IRQ_COMPLETION | FSE_IRQ_ERROR);
	fse_post(e, x, n);
	fse_write(e, FSE_REG_CTRL, FSE_CTRL_RUN);
	return 0;
}

/*
 * Stop: clear RUN and wait for RUNNING to clear; if it does not, a reset
 * must stop the device (docs/stream-engine.md). Only then is it safe to
 * reuse the buffers.
 */
static int fse_stop(struct fpgadma_dev *fdev)
{
	struct fse_engine *e = fpgadma_engine_data(fdev);
	u32 status;
	int ret;

	spin_lock_irq(&e->lock);
	e->running = false;
	spin_unlock_irq(&e->lock);

	fse_write(e, FSE_REG_IRQ_MASK, 0);
	fse_write(e, FSE_REG_CTRL, 0);
	ret = regmap_read_poll_timeout(e->map, FSE_REG_STATUS, status,
				       !(status & FSE_STATUS_RUNNING) ||
				       status == U32_MAX,
				       100, FSE_STOP_TIMEOUT_US);
	if (!ret && status == U32_MAX)
		return -ENODEV;
	if (ret)
		dev_err(e->dev, "device does not stop (status %#x); resetting it\n",
			status);
	ret = fse_reset(e);
	if (!ret && (fse_read(e, FSE_REG_STATUS) & FSE_STATUS_RUNNING))
		ret = -EIO;
	if (ret && ret != -ENODEV) {
		dev_err(e->dev, "device still running after a reset (%d)\n", ret);
		return -EIO;
	}
	return ret;
}

static void fse_queue(struct fpgadma_dev *fdev, const struct fpgadma_xfer *x,
		      u32 n)
{
	fse_post(fpgadma_engine_data(fdev), x, n);
}

static int fse_set_coalesce(struct fpgadma_dev *fdev, u32 count, u32 usecs)
{
	struct fse_engine *e = fpgadma_engine_data(fdev);

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

/* The registers as a regmap: the one the bus gave, or one over the window. */
static struct regmap *fse_regmap(const struct fpgadma_hw *hw)
{
	if (hw->regmap)
		return hw->regmap;
	if (!hw->regs) {
		dev_err(hw->dev, "no register window and no parent regmap\n");
		return ERR_PTR(-ENODEV);
	}
	return devm_regmap_init_mmio(hw->dev, hw->regs, &fse_regmap_config);
}

static int fse_probe(struct fpgadma_dev *fdev, const struct fpgadma_hw *hw,
		     struct fpgadma_engine_info *info)
{
	u32 id, version, ring_max, max_len;
	struct fse_engine *e;
	size_t len;
	int ret;

	e = devm_kzalloc(hw->dev, sizeof(*e), GFP_KERNEL);
	if (!e)
		return -ENOMEM;
	e->map = fse_regmap(hw);
	if (IS_ERR(e->map))
		return PTR_ERR(e->map);
	e->fdev = fdev;
	e->dev = hw->dev;
	spin_lock_init(&e->lock);

	id = fse_read(e, FSE_REG_ID);
	version = fse_read(e, FSE_REG_VERSION);
	ring_max = fse_read(e, FSE_REG_RING_MAX);
	max_len = fse_read(e, FSE_REG_MAX_LEN);
	if (id != FSE_ID_MAGIC || version >> 16 != FSE_VERSION_MAJOR) {
		dev_err(e->dev, "not a stream engine v%d (id %#x version %#x)\n",
			FSE_VERSION_MAJOR, id, version);
		return -ENODEV;
	}
	if (!is_power_of_2(ring_max) || max_len < PAGE_SIZE) {
		dev_err(e->dev, "bad geometry: ring %u, max length %u\n",
			ring_max, max_len);
		return -ENODEV;
	}
	e->caps = fse_read(e, FSE_REG_CAPS);
	/* Posting a descriptor per ring buffer must always find a slot. */
	e->size = min_t(u32, ring_max, roundup_pow_of_two(info->max_count));
	e->coal_count = 1;

	info->dma_bits = e->caps & FSE_CAP_ADDR64 ? 64 : 32;
	ret = dma_set_mask_and_coherent(e->dev, DMA_BIT_MASK(info->dma_bits));
	if (ret)
		return ret;
	len = e->size * (sizeof(struct fse_desc) + sizeof(struct fse_cpl) +
			 sizeof(u32));
	e->rings = dmam_alloc_coherent(e->dev, len, &e->rings_dma, GFP_KERNEL);
	if (!e->rings)
		return -ENOMEM;
	fse_queue_init(&e->q, e->size, e->rings,
		       e->rings + e->size * sizeof(struct fse_desc),
		       e->rings + e->size * (sizeof(struct fse_desc) +
					     sizeof(struct fse_cpl)));

	info->max_count = e->size;
	info->max_size = rounddown(max_len, PAGE_SIZE);
	info->max_xfer = max_len;
	info->def_count = min_t(u32, 64, e->size);
	info->def_size = SZ_64K;
	info->coalesce = e->caps & (FSE_CAP_COAL_COUNT | FSE_CAP_COAL_USECS);
	fpgadma_set_engine_data(fdev, e);
	return fse_reset(e);
}

const struct fpgadma_engine fpgadma_stream_engine = {
	.name = "stream",
	.pci_bar = 0,
	.ops = {
		.probe = fse_probe,
		.start = fse_start,
		.stop = fse_stop,
		.queue = fse_queue,
		.set_coalesce = fse_set_coalesce,
		.irq = fse_irq,
	},
};
