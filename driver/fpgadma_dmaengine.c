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
 * Where the data comes from is the channel's business (an AXI DMA S2MM
 * channel is fed by its AXI-Stream port), except for controllers that
 * read a peripheral's data register on its DMA request (a PL330 serving a
 * FIFO in the FPGA): the device's register window (device tree "reg") is
 * then that data port, and becomes the slave config's src_addr, read
 * "reg-io-width" bytes (default 4) at a time.
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
 * hard interrupt handler or a thread, and some providers (dma-pl330) call
 * them from dma_async_issue_pending() itself; queue() may not sleep. The
 * engine's state is under a spinlock taken with interrupts off, which is
 * never held across a call into the provider that may call back.
 */
#include <linux/device.h>
#include <linux/dmaengine.h>
#include <linux/dma-mapping.h>
#include <linux/log2.h>
#include <linux/platform_device.h>
#include <linux/property.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
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
 * @done:  its descriptor completed, @rec waits for the older ones.
 * @rec:   its record. Under the engine's lock.
 */
struct fde_slot {
	struct fde_engine *e;
	u32 index;
	u32 len;
	bool done;
	struct fpgadma_done rec;
};

/**
 * struct fde_engine - dmaengine engine state
 * @fdev:     the device.
 * @dev:      the fpgadma platform device.
 * @chan:     the channel.
 * @residue:  the provider reports residue better than per descriptor.
 * @no_result: the provider's callbacks carry no result: use the plain
 *            callback (fde_no_result()).
 * @issue_lock: serialises submitting and issuing (fde_feed()); never
 *            taken in completion callbacks, which a provider may call
 *            from dma_async_issue_pending() itself (dma-pl330 does).
 * @lock:     protects everything below; taken in completion callbacks.
 * @running:  between start and stop.
 * @inflight: descriptors submitted and not reported, the @inflight
 *            entries of @pending before @phead, oldest first.
 * @slots:    per buffer index, the callback parameter; @cap of them.
 * @pending:  buffers given by the core and not yet submitted, in order:
 *            @npend from @phead; @cap of them, with the ones in flight.
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
	bool no_result;
	spinlock_t issue_lock;	/* submit + issue, see fde_feed() */
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
static void fde_no_result(void *param);

/* Append @n buffers to the pending queue. e->lock held. */
static void fde_push(struct fde_engine *e, const struct fpgadma_xfer *x,
		     u32 n)
{
	u32 i, pos;

	for (i = 0; i < n && x[i].index < e->cap &&
	     e->inflight + e->npend < e->cap; i++) {
		pos = e->phead + e->npend;
		e->pending[pos >= e->cap ? pos - e->cap : pos] = x[i];
		e->npend++;
	}
}

/*
 * Submit the pending buffers, oldest first, until the provider refuses
 * one (it stays pending, in order). Starvation ends with the first buffer
 * the device has again. Returns whether something was submitted, for the
 * caller to issue once it dropped e->lock. e->lock held.
 */
static bool fde_submit(struct fde_engine *e)
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
		if (e->no_result)
			tx->callback = fde_no_result;
		else
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
	if (submitted)
		fpgadma_report_starved(e->fdev, false);
	if (e->running && e->npend && !e->inflight)
		/* Nothing in flight will call us again: try later. */
		mod_delayed_work(system_wq, &e->retry,
				 msecs_to_jiffies(FDE_RETRY_MS));
	return submitted;
}

/*
 * Append @n buffers (none: just the pending ones) to what the device
 * has, and issue them. Issued outside e->lock: a provider may complete
 * descriptors, and so call fde_done(), from within issue_pending.
 * Serialised by e->issue_lock, so that every issue has descriptors of its
 * own submitted and fde_stop() can wait for an issue under way. Any
 * context.
 */
static void fde_feed(struct fde_engine *e, const struct fpgadma_xfer *x,
		     u32 n)
{
	unsigned long flags;
	bool issue;

	spin_lock_irqsave(&e->issue_lock, flags);
	spin_lock(&e->lock);
	fde_push(e, x, n);
	issue = fde_submit(e);
	spin_unlock(&e->lock);
	if (issue)
		dma_async_issue_pending(e->chan);
	spin_unlock_irqrestore(&e->issue_lock, flags);
}

static void fde_retry(struct work_struct *work)
{
	struct fde_engine *e = container_of(to_delayed_work(work),
					    struct fde_engine, retry);

	fde_feed(e, NULL, 0);
}

/*
 * A descriptor completed (or failed): its buffer becomes a record, once
 * those submitted before it are records. Providers call back in
 * completion order, mostly: dma-pl330 runs its completion loop both from
 * issue_pending and from its tasklet, which can overtake each other. Any
 * context.
 */
static void fde_done(void *param, const struct dmaengine_result *res)
{
	struct fde_slot *s = param;
	struct fde_engine *e = s->e;
	struct fpgadma_done done = {
		.index = s->index,
		.timestamp_ns = ktime_get_ns(),
	};
	unsigned long flags;
	u32 head;

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
	if (!e->running || !e->inflight || s->done) {
		spin_unlock_irqrestore(&e->lock, flags);
		return;
	}
	if (done.flags & FPGADMA_REC_ERROR)
		dev_err_ratelimited(e->dev, "transfer into buffer %u failed (%d)\n",
				    s->index, res->result);
	s->rec = done;
	s->done = true;
	while (e->inflight) {
		head = e->phead + e->cap - e->inflight;
		s = &e->slots[e->pending[head >= e->cap ? head - e->cap : head].index];
		if (!s->done)
			break;
		s->done = false;
		e->inflight--;
		fpgadma_report_done(e->fdev, &s->rec, 1);
	}
	/* The pending ones the provider refused before, if any. */
	if (e->npend)
		mod_delayed_work(system_wq, &e->retry, 0);
	if (!e->inflight)
		fpgadma_report_starved(e->fdev, true);
	spin_unlock_irqrestore(&e->lock, flags);
}

/* The completion of a provider whose callbacks carry no result. */
static void fde_no_result(void *param)
{
	static const struct dmaengine_result ok = {
		.result = DMA_TRANS_NOERROR,
	};

	fde_done(param, &ok);
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
	for (i = 0; i < e->cap; i++)
		e->slots[i].done = false;
	e->phead = 0;
	e->npend = 0;
	e->inflight = 0;
	e->running = true;
	spin_unlock_irq(&e->lock);
	kfree(slots);
	kfree(pending);
	fde_feed(e, x, n);
	return 0;
}

static void fde_queue(struct fpgadma_dev *fdev, const struct fpgadma_xfer *x,
		      u32 n)
{
	fde_feed(fpgadma_engine_data(fdev), x, n);
}

static int fde_stop(struct fpgadma_dev *fdev)
{
	struct fde_engine *e = fpgadma_engine_data(fdev);
	int ret;

	spin_lock_irq(&e->lock);
	e->running = false;
	e->npend = 0;
	spin_unlock_irq(&e->lock);
	/* An issue under way ends; none follows, as nothing is submitted. */
	spin_lock_irq(&e->issue_lock);
	spin_unlock_irq(&e->issue_lock);
	cancel_delayed_work_sync(&e->retry);

	/*
	 * Aborts every descriptor; no callback runs once it returns, where
	 * the provider synchronises (below where it does not).
	 */
	ret = dmaengine_terminate_sync(e->chan);
	if (ret) {
		dev_err(e->dev, "channel %s does not terminate (%d)\n",
			dma_chan_name(e->chan), ret);
		return -EIO;
	}
	/*
	 * Without device_synchronize (dma-pl330) the provider's tasklet may
	 * still be in a callback: it runs with bottom halves off, which
	 * synchronize_rcu() waits for.
	 */
	if (!e->chan->device->device_synchronize)
		synchronize_rcu();
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
 * The data port, for a channel that reads one: the device's first memory
 * resource, read reg-io-width bytes at a time. None: the channel's own
 * stream input (src_addr 0, which providers of such channels ignore).
 */
static int fde_port(struct device *dev, const struct dma_slave_caps *caps,
		    struct dma_slave_config *cfg)
{
	struct resource *res = NULL;
	u32 width = 4;
	int ret;

	if (dev_is_platform(dev))
		res = platform_get_resource(to_platform_device(dev),
					    IORESOURCE_MEM, 0);
	if (!res)
		return 0;
	ret = device_property_read_u32(dev, "reg-io-width", &width);
	if (ret && ret != -EINVAL)
		return dev_err_probe(dev, ret, "reg-io-width\n");
	if (width > DMA_SLAVE_BUSWIDTH_8_BYTES || !is_power_of_2(width) ||
	    resource_size(res) < width ||
	    !(caps->src_addr_widths & BIT(width))) {
		dev_err(dev, "data port %pR: %u-byte reads not possible\n",
			res, width);
		return -EINVAL;
	}
	cfg->src_addr = res->start;
	cfg->src_addr_width = width;
	cfg->src_maxburst = 1;
	return 0;
}

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
	spin_lock_init(&e->issue_lock);
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
	ret = fde_port(hw->dev, &caps, &cfg);
	if (ret)
		goto err_release;
	/* Providers that need no configuration (xilinx_dma) have none. */
	if (e->chan->device->device_config)
		ret = dmaengine_slave_config(e->chan, &cfg);
	else if (cfg.src_addr_width)
		ret = -EINVAL;	/* and so cannot be told the data port */
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
	/*
	 * dma-pl330 passes no result to callbacks, and (Linux 6.1; fixed in
	 * mainline by "dmaengine: pl330: Clear callback_result for re-used
	 * descs") leaves callback_result set on the descriptors it recycles
	 * from a pool shared by the controller's channels, so that another
	 * client's descriptor would call fde_done(). The plain callback loses
	 * nothing there.
	 */
	e->no_result = !strcmp(dev_driver_string(e->chan->device->dev),
			       "dma-pl330");
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
