// SPDX-License-Identifier: GPL-2.0-only
/*
 * fpgadma engine for any slave dmaengine channel: the DMA IP an FPGA
 * design already has (Xilinx AXI DMA S2MM or MCDMA through xilinx_dma,
 * XDMA C2H through xdma, Intel mSGDMA through altera-msgdma, ...). The
 * engine is a dmaengine client: it asks for the channel named "rx"
 * (device tree dmas/dma-names, or a dma_slave_map of board code or of a
 * provider), keeps one DMA_DEV_TO_MEM descriptor submitted for every
 * buffer the device owns, and turns each completion callback into a
 * record.
 *
 * bytes_used is the buffer's length less the residue the provider reports
 * with the completion (dmaengine_result), for a provider whose residue
 * granularity is better than DMA_RESIDUE_GRANULARITY_DESCRIPTOR: a stream
 * that ended early (TLAST) gives a short record. Providers that report
 * it: xilinx_dma (AXI DMA in scatter-gather mode; direct mode from Linux
 * 7.0), xdma, and virt-dma drivers that fill tx_result; a provider at
 * descriptor granularity gives whole buffers. A failed or aborted
 * transfer gives an error record of 0 bytes.
 *
 * The buffers are allocated for the channel's DMA device
 * (dmaengine_get_dma_device()), which does the DMA: its DMA mask, its
 * IOMMU, its coherency. A device link makes this device the channel
 * provider's consumer, so the driver core unbinds fpgadma before the
 * provider goes, and open files get ENODEV rather than a dead channel.
 *
 * When the consumer holds every buffer, no descriptor is left: the DMA IP
 * holds the stream back (AXI-Stream TREADY low), losing nothing. Those
 * episodes are reported as starvation (fpgadma_report_starved()), not as
 * drops.
 *
 * Context: completion callbacks come from the provider's tasklet, its
 * hard interrupt handler or a thread; queue() may not sleep. Everything
 * here is under a spinlock taken with interrupts off.
 */
#include <linux/device.h>
#include <linux/dmaengine.h>
#include <linux/dma-mapping.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include <uapi/fpgadma.h>

#include "fpgadma_engine.h"
#include "fpgadma_engines.h"

/* Retry of a descriptor the provider could not prepare (out of memory). */
#define FDE_RETRY_MS		10

struct fde_engine;

/**
 * struct fde_slot - one buffer as its descriptor's callback knows it
 * @e:     the engine.
 * @index: the buffer.
 * @len:   its length.
 */
struct fde_slot {
	struct fde_engine *e;
	u32 index;
	u32 len;
};

/**
 * struct fde_engine - dmaengine engine state
 * @fdev:     the device.
 * @dev:      the fpgadma platform device.
 * @chan:     the channel.
 * @residue:  the provider reports residue better than per descriptor.
 * @lock:     protects everything below; taken in completion callbacks.
 * @running:  between start and stop.
 * @inflight: descriptors submitted and not completed.
 * @slots:    per buffer index, the callback parameter; @cap of them.
 * @pending:  buffers given by the core and not yet submitted, in order:
 *            @npend from @phead; @cap of them.
 * @cap:      size of @slots and @pending (the ring's buffer count).
 * @phead:    oldest pending buffer.
 * @npend:    pending buffers.
 * @retry:    submits pending buffers later, when the provider could not
 *            prepare one and nothing is in flight to trigger it.
 */
struct fde_engine {
	struct fpgadma_dev *fdev;
	struct device *dev;
	struct dma_chan *chan;
	bool residue;
	/* everything below, against the completion callbacks */
	spinlock_t lock;
	bool running;
	u32 inflight;
	struct fde_slot *slots;
	struct fpgadma_xfer *pending;
	u32 cap;
	u32 phead;
	u32 npend;
	struct delayed_work retry;
};

static void fde_done(void *param, const struct dmaengine_result *res);

/*
 * Submit the pending buffers, oldest first, until the provider refuses
 * one (it stays pending, in order); issue what was submitted. Starvation
 * ends with the first buffer the device has again. e->lock held.
 */
static void fde_submit(struct fde_engine *e)
{
	u32 submitted = 0;

	lockdep_assert_held(&e->lock);
	while (e->running && e->npend) {
		const struct fpgadma_xfer *x = &e->pending[e->phead];
		struct fde_slot *s = &e->slots[x->index];
		struct dma_async_tx_descriptor *tx;

		tx = dmaengine_prep_slave_single(e->chan, x->dma, x->len,
						 DMA_DEV_TO_MEM,
						 DMA_PREP_INTERRUPT |
						 DMA_CTRL_ACK);
		if (!tx)
			break;
		s->index = x->index;
		s->len = x->len;
		tx->callback_result = fde_done;
		tx->callback_param = s;
		if (dma_submit_error(dmaengine_submit(tx))) {
			/* A submit error leaves the descriptor unused. */
			dev_err_ratelimited(e->dev, "descriptor submit failed\n");
			fpgadma_report_error(e->fdev);
			break;
		}
		e->phead = e->phead + 1 == e->cap ? 0 : e->phead + 1;
		e->npend--;
		e->inflight++;
		submitted++;
	}
	if (submitted) {
		fpgadma_report_starved(e->fdev, false);
		dma_async_issue_pending(e->chan);
	}
	if (e->running && e->npend && !e->inflight)
		/* Nothing in flight will call us again: try later. */
		mod_delayed_work(system_wq, &e->retry,
				 msecs_to_jiffies(FDE_RETRY_MS));
}

static void fde_retry(struct work_struct *work)
{
	struct fde_engine *e = container_of(to_delayed_work(work),
					    struct fde_engine, retry);

	spin_lock_irq(&e->lock);
	fde_submit(e);
	spin_unlock_irq(&e->lock);
}

/* Append @n buffers to the pending queue. e->lock held. */
static void fde_push(struct fde_engine *e, const struct fpgadma_xfer *x,
		     u32 n)
{
	u32 i, pos;

	for (i = 0; i < n && e->npend < e->cap && x[i].index < e->cap; i++) {
		pos = e->phead + e->npend;
		e->pending[pos >= e->cap ? pos - e->cap : pos] = x[i];
		e->npend++;
	}
}

/*
 * A descriptor completed (or failed): its buffer becomes a record. The
 * provider calls in completion order; any context.
 */
static void fde_done(void *param, const struct dmaengine_result *res)
{
	struct fde_slot *s = param;
	struct fde_engine *e = s->e;
	struct fpgadma_done done = { .index = s->index };
	unsigned long flags;

	if (res->result == DMA_TRANS_NOERROR) {
		done.bytes = s->len;
		if (e->residue && res->residue && res->residue <= s->len) {
			done.bytes = s->len - res->residue;
			done.flags = FPGADMA_REC_SHORT;
		}
	} else {
		done.flags = FPGADMA_REC_ERROR;
	}

	spin_lock_irqsave(&e->lock, flags);
	if (!e->running || !e->inflight) {
		spin_unlock_irqrestore(&e->lock, flags);
		return;
	}
	e->inflight--;
	if (done.flags & FPGADMA_REC_ERROR)
		dev_err_ratelimited(e->dev, "transfer into buffer %u failed (%d)\n",
				    s->index, res->result);
	fpgadma_report_done(e->fdev, &done, 1);
	/* The pending ones the provider refused before, if any. */
	fde_submit(e);
	if (!e->inflight)
		fpgadma_report_starved(e->fdev, true);
	spin_unlock_irqrestore(&e->lock, flags);
}

static int fde_start(struct fpgadma_dev *fdev, const struct fpgadma_xfer *x,
		     u32 n)
{
	struct fde_engine *e = fpgadma_engine_data(fdev);
	struct fpgadma_xfer *pending = NULL;
	struct fde_slot *slots = NULL;
	u32 i;

	/* Stopped: no callback runs, so the arrays can be replaced. */
	if (n > e->cap) {
		slots = kcalloc(n, sizeof(*slots), GFP_KERNEL);
		pending = kcalloc(n, sizeof(*pending), GFP_KERNEL);
		if (!slots || !pending) {
			kfree(slots);
			kfree(pending);
			return -ENOMEM;
		}
		for (i = 0; i < n; i++)
			slots[i].e = e;
	}
	spin_lock_irq(&e->lock);
	if (slots) {
		swap(e->slots, slots);
		swap(e->pending, pending);
		e->cap = n;
	}
	e->phead = 0;
	e->npend = 0;
	e->inflight = 0;
	e->running = true;
	fde_push(e, x, n);
	fde_submit(e);
	spin_unlock_irq(&e->lock);
	kfree(slots);
	kfree(pending);
	return 0;
}

static void fde_queue(struct fpgadma_dev *fdev, const struct fpgadma_xfer *x,
		      u32 n)
{
	struct fde_engine *e = fpgadma_engine_data(fdev);
	unsigned long flags;

	spin_lock_irqsave(&e->lock, flags);
	fde_push(e, x, n);
	fde_submit(e);
	spin_unlock_irqrestore(&e->lock, flags);
}

static int fde_stop(struct fpgadma_dev *fdev)
{
	struct fde_engine *e = fpgadma_engine_data(fdev);
	int ret;

	spin_lock_irq(&e->lock);
	e->running = false;
	e->npend = 0;
	spin_unlock_irq(&e->lock);
	cancel_delayed_work_sync(&e->retry);

	/* Aborts every descriptor; no callback runs once it returns. */
	ret = dmaengine_terminate_sync(e->chan);
	if (ret) {
		dev_err(e->dev, "channel %s does not terminate (%d)\n",
			dma_chan_name(e->chan), ret);
		return -EIO;
	}
	spin_lock_irq(&e->lock);
	e->inflight = 0;
	spin_unlock_irq(&e->lock);
	return 0;
}

static void fde_remove(struct fpgadma_dev *fdev)
{
	struct fde_engine *e = fpgadma_engine_data(fdev);

	cancel_delayed_work_sync(&e->retry);
	dma_release_channel(e->chan);
	e->chan = NULL;
	kfree(e->slots);
	kfree(e->pending);
	e->slots = NULL;
	e->pending = NULL;
}

static const char *const fde_granularity[] = {
	[DMA_RESIDUE_GRANULARITY_DESCRIPTOR] = "descriptor",
	[DMA_RESIDUE_GRANULARITY_SEGMENT] = "segment",
	[DMA_RESIDUE_GRANULARITY_BURST] = "burst",
};

/*
 * The channel: "rx", from the device tree (dmas, dma-names) or a
 * dma_slave_map; -EPROBE_DEFER until its provider is there.
 */
static int fde_probe(struct fpgadma_dev *fdev, const struct fpgadma_hw *hw,
		     struct fpgadma_engine_info *info)
{
	struct dma_slave_config cfg = { .direction = DMA_DEV_TO_MEM };
	struct dma_slave_caps caps;
	struct device_link *link;
	struct fde_engine *e;
	int ret;

	e = devm_kzalloc(hw->dev, sizeof(*e), GFP_KERNEL);
	if (!e)
		return -ENOMEM;
	e->fdev = fdev;
	e->dev = hw->dev;
	spin_lock_init(&e->lock);
	INIT_DELAYED_WORK(&e->retry, fde_retry);

	e->chan = dma_request_chan(hw->dev, "rx");
	if (IS_ERR(e->chan))
		return dev_err_probe(hw->dev, PTR_ERR(e->chan),
				     "no dmaengine channel \"rx\"\n");
	ret = dma_get_slave_caps(e->chan, &caps);
	if (!ret && !(caps.directions & BIT(DMA_DEV_TO_MEM)))
		ret = -EINVAL;
	if (ret) {
		dev_err(hw->dev, "channel %s cannot write memory (%d)\n",
			dma_chan_name(e->chan), ret);
		goto err_release;
	}
	/* Providers that need no configuration (xilinx_dma) have none. */
	ret = e->chan->device->device_config ?
	      dmaengine_slave_config(e->chan, &cfg) : 0;
	if (ret) {
		dev_err(hw->dev, "channel %s: slave config failed (%d)\n",
			dma_chan_name(e->chan), ret);
		goto err_release;
	}
	/* The provider's unbind unbinds us first. */
	link = device_link_add(hw->dev, e->chan->device->dev,
			       DL_FLAG_AUTOREMOVE_CONSUMER);
	if (!link) {
		dev_err(hw->dev, "no device link to the provider of %s\n",
			dma_chan_name(e->chan));
		ret = -EINVAL;
		goto err_release;
	}
	e->residue = caps.residue_granularity !=
		     DMA_RESIDUE_GRANULARITY_DESCRIPTOR;
	fpgadma_set_engine_data(fdev, e);

	info->dma_dev = dmaengine_get_dma_device(e->chan);
	info->dma_bits = fls64(dma_get_mask(info->dma_dev));
	/* The provider splits a buffer into what its hardware takes. */
	info->max_xfer = rounddown(U32_MAX, PAGE_SIZE);
	info->def_count = 32;
	info->def_size = SZ_64K;
	dev_info(hw->dev, "channel %s of %s, residue per %s\n",
		 dma_chan_name(e->chan), dev_name(e->chan->device->dev),
		 caps.residue_granularity < ARRAY_SIZE(fde_granularity) ?
		 fde_granularity[caps.residue_granularity] : "?");
	return 0;

err_release:
	dma_release_channel(e->chan);
	return ret;
}

const struct fpgadma_engine fpgadma_dmaengine_engine = {
	.name = "dmaengine",
	.ops = {
		.probe = fde_probe,
		.remove = fde_remove,
		.start = fde_start,
		.stop = fde_stop,
		.queue = fde_queue,
	},
};
