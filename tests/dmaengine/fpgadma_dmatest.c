// SPDX-License-Identifier: GPL-2.0-only
/*
 * fpgadma_dmatest.ko: a test-only dmaengine provider, the stand-in for an
 * FPGA's DMA IP (AXI DMA S2MM) in front of fpgadma's dmaengine engine. Not
 * part of fpgadma.ko and not packaged.
 *
 * Loading it creates
 *  - a platform device "fpgadma-dmatest", bound by this module's driver,
 *    which registers a dma_device with one DMA_SLAVE channel: slave_sg
 *    DEV_TO_MEM (one segment), tx_submit, issue_pending, tx_status with
 *    residue, device_config, device_terminate_all, device_synchronize,
 *    and a dma_slave_map naming ("fpgadma-dmaengine", "rx"), the board
 *    code mechanism by which dma_request_chan() finds a channel without a
 *    device tree;
 *  - the client platform device "fpgadma-dmaengine" that fpgadma binds.
 *
 * A kernel thread plays the stream source: it takes the issued descriptors
 * in order and fills each with the software model's pattern (64-bit word
 * k of production s is s ^ (k * MIX), word 0 is s; s counts completed
 * descriptors from 0 and restarts at terminate_all, so it equals the
 * record's sequence). Completions are signalled from a tasklet (or, with
 * the knob hardirq, from hard interrupt context by an irq_work), as
 * virt-dma providers do, through callback_result with result and residue.
 * Flow control: with no descriptor issued the source waits, it never drops.
 *
 * It writes through the kernel's direct map (phys_to_virt() of the bus
 * address): the provider device is not behind an IOMMU and has no DMA
 * offset, so dma-direct gives bus address == physical address; addresses
 * outside lowmem RAM fail the transfer. QEMU does not model caches, so
 * this also holds for a non-coherent ARM guest.
 *
 * Knobs (sysfs attributes of the provider device):
 *   short_xfer  N  the next N transfers write half the buffer (residue)
 *   error       N  the next N transfers fail (DMA_TRANS_WRITE_FAILED)
 *   delay_us    U  each transfer completes U us after it started
 *   paused      1  the source has no data: descriptors stay in flight
 *   hardirq     1  callbacks from hard interrupt context, not a tasklet
 * Counters: produced (since the last terminate), completed, terminated,
 * inflight (descriptors submitted and not yet given back by a callback or
 * a terminate).
 */
#include <linux/delay.h>
#include <linux/dmaengine.h>
#include <linux/dma-mapping.h>
#include <linux/interrupt.h>
#include <linux/irq_work.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include "compat.h"

#define FDT_MIX			0x9e3779b97f4a7c15ULL
#define FDT_MAX_LEN		(64U << 20)
#define FDT_MAX_DELAY_US	1000000U
#define FDT_MAX_FAULTS		1000

/**
 * struct fdt_desc - one transfer
 * @tx:      the descriptor the client sees.
 * @node:    on a list of struct fdt.
 * @addr:    bus address.
 * @len:     bytes.
 * @result:  its outcome, once done.
 * @residue: bytes not written, once done.
 */
struct fdt_desc {
	struct dma_async_tx_descriptor tx;
	struct list_head node;
	dma_addr_t addr;
	u32 len;
	enum dmaengine_tx_result result;
	u32 residue;
};

/**
 * struct fdt - the provider
 * @dd:         the dma_device.
 * @chan:       its one channel.
 * @map:        the dma_slave_map entry naming the client.
 * @dev:        the provider's platform device.
 * @lock:       protects the lists, @cur, @abort, @produced, @dying.
 * @submitted:  submitted, not issued.
 * @issued:     issued, waiting for the source.
 * @done:       complete, callback not yet called.
 * @cur:        the one being filled, or NULL.
 * @abort:      @cur was terminated: it completes into nothing.
 * @dying:      the provider is going: no new descriptors.
 * @produced:   completed descriptors since the last terminate_all.
 * @thread:     the source.
 * @wq:         the source waits here.
 * @idle_wq:    synchronize waits here for @cur.
 * @tasklet:    calls the callbacks.
 * @irq_work:   calls them from hard interrupt context (knob hardirq;
 *              on PREEMPT_RT from the irq_work thread).
 * @cb_lock:    one caller of callbacks at a time, in completion order.
 * @short_xfer: knob.
 * @error:      knob.
 * @delay_us:   knob.
 * @paused:     knob.
 * @hardirq:    knob.
 * @completed:  counter.
 * @terminated: counter: descriptors terminate_all dropped.
 */
struct fdt {
	struct dma_device dd;
	struct dma_chan chan;
	struct dma_slave_map map;
	struct device *dev;
	/* the descriptor lists and the source's state */
	spinlock_t lock;
	struct list_head submitted;
	struct list_head issued;
	struct list_head done;
	struct fdt_desc *cur;
	bool abort;
	bool dying;
	u64 produced;
	struct task_struct *thread;
	wait_queue_head_t wq;
	wait_queue_head_t idle_wq;
	struct tasklet_struct tasklet;
	struct irq_work irq_work;
	/* serialises the callers of the callbacks */
	spinlock_t cb_lock;
	atomic_t short_xfer;
	atomic_t error;
	u32 delay_us;
	u32 paused;
	u32 hardirq;
	atomic64_t completed;
	atomic64_t terminated;
};

static struct platform_device *fdt_provider;
static struct platform_device *fdt_client;

static struct fdt *to_fdt(struct dma_chan *chan)
{
	return container_of(chan, struct fdt, chan);
}

static struct fdt_desc *to_desc(struct dma_async_tx_descriptor *tx)
{
	return container_of(tx, struct fdt_desc, tx);
}

/* ---- the source ---------------------------------------------------------- */

/* The kernel address of [addr, addr + len), or NULL outside lowmem RAM. */
static void *fdt_mem(dma_addr_t addr, u32 len)
{
	phys_addr_t pa = (phys_addr_t)addr;
	unsigned long pfn;

	if (!len || (dma_addr_t)pa != addr || pa + len < pa)
		return NULL;
	for (pfn = PHYS_PFN(pa); pfn <= PHYS_PFN(pa + len - 1); pfn++)
		if (!pfn_valid(pfn) || PageHighMem(pfn_to_page(pfn)))
			return NULL;
	return phys_to_virt(pa);
}

static void fdt_fill(u64 *buf, u32 bytes, u64 seq)
{
	u32 k, words = bytes / 8;

	for (k = 0; k < words; k++)
		buf[k] = seq ^ (k * FDT_MIX);
}

static bool fdt_has_work(struct fdt *t)
{
	bool ret;

	spin_lock_irq(&t->lock);
	ret = !READ_ONCE(t->paused) && !list_empty(&t->issued);
	spin_unlock_irq(&t->lock);
	return ret;
}

static bool fdt_aborted(struct fdt *t)
{
	bool ret;

	spin_lock_irq(&t->lock);
	ret = t->abort;
	spin_unlock_irq(&t->lock);
	return ret;
}

/* Fill the oldest issued descriptor; false if there is none. */
static bool fdt_step(struct fdt *t)
{
	u32 delay = READ_ONCE(t->delay_us), bytes;
	struct fdt_desc *d;
	bool failed;
	void *buf;
	u64 seq;

	spin_lock_irq(&t->lock);
	d = list_first_entry_or_null(&t->issued, struct fdt_desc, node);
	if (!d || READ_ONCE(t->paused)) {
		spin_unlock_irq(&t->lock);
		return false;
	}
	list_del(&d->node);
	t->cur = d;
	t->abort = false;
	seq = t->produced;
	spin_unlock_irq(&t->lock);

	/* Slow completion; a terminate cuts a long one short. */
	if (delay && delay < 20000) {
		usleep_range(delay, delay + delay / 4 + 10);
	} else if (delay) {
		unsigned long end = jiffies + usecs_to_jiffies(delay);

		while (!fdt_aborted(t) && !kthread_should_stop() &&
		       time_before(jiffies, end))
			wait_event_timeout(t->wq, fdt_aborted(t) ||
					   kthread_should_stop(),
					   end - jiffies);
	}
	failed = atomic_add_unless(&t->error, -1, 0);
	bytes = d->len;
	if (!failed && atomic_add_unless(&t->short_xfer, -1, 0))
		bytes = d->len / 2;
	buf = failed ? NULL : fdt_mem(d->addr, d->len);
	if (!buf)
		failed = true;
	else if (!fdt_aborted(t))
		fdt_fill(buf, bytes, seq);

	spin_lock_irq(&t->lock);
	t->cur = NULL;
	if (t->abort) {
		spin_unlock_irq(&t->lock);
		kfree(d);
	} else {
		t->produced++;
		d->result = failed ? DMA_TRANS_WRITE_FAILED : DMA_TRANS_NOERROR;
		d->residue = failed ? d->len : d->len - bytes;
		/* dma_cookie_complete(): tx_status sees it complete now. */
		t->chan.completed_cookie = d->tx.cookie;
		list_add_tail(&d->node, &t->done);
		spin_unlock_irq(&t->lock);
		atomic64_inc(&t->completed);
		if (READ_ONCE(t->hardirq))
			irq_work_queue(&t->irq_work);
		else
			tasklet_schedule(&t->tasklet);
	}
	wake_up_all(&t->idle_wq);
	return true;
}

static int fdt_thread(void *data)
{
	struct fdt *t = data;

	while (!kthread_should_stop()) {
		if (!fdt_step(t))
			wait_event_interruptible(t->wq, kthread_should_stop() ||
						 fdt_has_work(t));
		cond_resched();
	}
	return 0;
}

/*
 * The callbacks, in completion order, as virt-dma's tasklet calls them;
 * from softirq or hard interrupt context.
 */
static void fdt_deliver(struct fdt *t)
{
	struct fdt_desc *d, *n;
	unsigned long flags;
	LIST_HEAD(done);

	spin_lock_irqsave(&t->cb_lock, flags);
	spin_lock(&t->lock);
	list_splice_tail_init(&t->done, &done);
	spin_unlock(&t->lock);
	list_for_each_entry_safe(d, n, &done, node) {
		struct dmaengine_result res = {
			.result = d->result,
			.residue = d->residue,
		};

		list_del(&d->node);
		if (d->tx.callback_result)
			d->tx.callback_result(d->tx.callback_param, &res);
		else if (d->tx.callback)
			d->tx.callback(d->tx.callback_param);
		kfree(d);
	}
	spin_unlock_irqrestore(&t->cb_lock, flags);
}

static void fdt_tasklet(struct tasklet_struct *tl)
{
	struct fdt *t = from_tasklet(t, tl, tasklet);

	fdt_deliver(t);
}

static void fdt_irq_work(struct irq_work *work)
{
	fdt_deliver(container_of(work, struct fdt, irq_work));
}

/* ---- dma_device operations ----------------------------------------------- */

static dma_cookie_t fdt_tx_submit(struct dma_async_tx_descriptor *tx)
{
	struct fdt *t = to_fdt(tx->chan);
	unsigned long flags;
	dma_cookie_t cookie;

	spin_lock_irqsave(&t->lock, flags);
	/* dma_cookie_assign() */
	cookie = t->chan.cookie + 1;
	if (cookie < DMA_MIN_COOKIE)
		cookie = DMA_MIN_COOKIE;
	tx->cookie = cookie;
	t->chan.cookie = cookie;
	list_add_tail(&to_desc(tx)->node, &t->submitted);
	spin_unlock_irqrestore(&t->lock, flags);
	return cookie;
}

static struct dma_async_tx_descriptor *
fdt_prep_slave_sg(struct dma_chan *chan, struct scatterlist *sgl,
		  unsigned int sg_len, enum dma_transfer_direction dir,
		  unsigned long flags, void *context)
{
	struct fdt *t = to_fdt(chan);
	struct fdt_desc *d;

	if (dir != DMA_DEV_TO_MEM || sg_len != 1 || !sg_dma_len(sgl) ||
	    sg_dma_len(sgl) > FDT_MAX_LEN || READ_ONCE(t->dying))
		return NULL;
	/* May be called from any context. */
	d = kzalloc(sizeof(*d), GFP_NOWAIT);
	if (!d)
		return NULL;
	dma_async_tx_descriptor_init(&d->tx, chan);
	d->tx.tx_submit = fdt_tx_submit;
	d->tx.flags = flags;
	d->addr = sg_dma_address(sgl);
	d->len = sg_dma_len(sgl);
	INIT_LIST_HEAD(&d->node);
	return &d->tx;
}

static void fdt_issue_pending(struct dma_chan *chan)
{
	struct fdt *t = to_fdt(chan);
	unsigned long flags;

	spin_lock_irqsave(&t->lock, flags);
	list_splice_tail_init(&t->submitted, &t->issued);
	spin_unlock_irqrestore(&t->lock, flags);
	wake_up_all(&t->wq);
}

/* The residue of a descriptor not complete yet: all of it. */
static u32 fdt_residue(struct fdt *t, dma_cookie_t cookie)
{
	struct list_head *lists[] = { &t->submitted, &t->issued };
	struct fdt_desc *d;
	unsigned int i;

	if (t->cur && t->cur->tx.cookie == cookie)
		return t->cur->len;
	for (i = 0; i < ARRAY_SIZE(lists); i++)
		list_for_each_entry(d, lists[i], node)
			if (d->tx.cookie == cookie)
				return d->len;
	return 0;
}

static enum dma_status fdt_tx_status(struct dma_chan *chan,
				     dma_cookie_t cookie,
				     struct dma_tx_state *state)
{
	struct fdt *t = to_fdt(chan);
	enum dma_status ret;
	unsigned long flags;

	spin_lock_irqsave(&t->lock, flags);
	/* dma_cookie_status() */
	dma_set_tx_state(state, chan->completed_cookie, chan->cookie, 0);
	ret = dma_async_is_complete(cookie, chan->completed_cookie,
				    chan->cookie);
	if (ret != DMA_COMPLETE) {
		if (state)
			state->residue = fdt_residue(t, cookie);
		if (READ_ONCE(t->paused))
			ret = DMA_PAUSED;
	}
	spin_unlock_irqrestore(&t->lock, flags);
	return ret;
}

static int fdt_config(struct dma_chan *chan, struct dma_slave_config *cfg)
{
	/* Only a stream into memory; widths and bursts make no difference. */
	if (cfg->direction != DMA_DEV_TO_MEM)
		return -EINVAL;
	return 0;
}

/*
 * Drop every descriptor, no callback for any; the one being filled
 * completes into nothing. The pattern restarts at 0. Any context.
 */
static int fdt_terminate_all(struct dma_chan *chan)
{
	struct fdt *t = to_fdt(chan);
	struct fdt_desc *d, *n;
	unsigned long flags;
	LIST_HEAD(gone);

	spin_lock_irqsave(&t->lock, flags);
	list_splice_tail_init(&t->submitted, &gone);
	list_splice_tail_init(&t->issued, &gone);
	list_splice_tail_init(&t->done, &gone);
	if (t->cur) {
		t->abort = true;
		atomic64_inc(&t->terminated);
	}
	t->produced = 0;
	spin_unlock_irqrestore(&t->lock, flags);
	wake_up_all(&t->wq);
	list_for_each_entry_safe(d, n, &gone, node) {
		list_del(&d->node);
		atomic64_inc(&t->terminated);
		kfree(d);
	}
	return 0;
}

static bool fdt_idle(struct fdt *t)
{
	bool idle;

	spin_lock_irq(&t->lock);
	idle = !t->cur;
	spin_unlock_irq(&t->lock);
	return idle;
}

/* After terminate_all: no write and no callback once this returns. */
static void fdt_synchronize(struct dma_chan *chan)
{
	struct fdt *t = to_fdt(chan);

	wait_event(t->idle_wq, fdt_idle(t));
	tasklet_kill(&t->tasklet);
	irq_work_sync(&t->irq_work);
}

static int fdt_alloc_chan_resources(struct dma_chan *chan)
{
	return 0;
}

static void fdt_free_chan_resources(struct dma_chan *chan)
{
	fdt_terminate_all(chan);
	fdt_synchronize(chan);
}

static bool fdt_filter(struct dma_chan *chan, void *param)
{
	return true;
}

/* After unregister and the last client: the memory goes. */
static void fdt_release(struct dma_device *dd)
{
	struct fdt *t = container_of(dd, struct fdt, dd);

	put_device(t->dev);
	kfree(t);
}

/* ---- knobs --------------------------------------------------------------- */

static struct fdt *dev_fdt(struct device *dev)
{
	return dev_get_drvdata(dev);
}

/* Fault counts: a write adds N (at most FDT_MAX_FAULTS pending). */
static ssize_t fdt_fault_store(atomic_t *v, const char *buf, size_t count)
{
	u32 val;
	int ret = kstrtou32(buf, 0, &val);

	if (ret)
		return ret;
	if (val > FDT_MAX_FAULTS)
		return -EINVAL;
	if (atomic_add_return(val, v) > FDT_MAX_FAULTS) {
		atomic_sub(val, v);
		return -EINVAL;
	}
	return count;
}

static ssize_t short_xfer_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&dev_fdt(dev)->short_xfer));
}

static ssize_t short_xfer_store(struct device *dev,
				struct device_attribute *attr,
				const char *buf, size_t count)
{
	return fdt_fault_store(&dev_fdt(dev)->short_xfer, buf, count);
}
static DEVICE_ATTR_RW(short_xfer);

static ssize_t error_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&dev_fdt(dev)->error));
}

static ssize_t error_store(struct device *dev, struct device_attribute *attr,
			   const char *buf, size_t count)
{
	return fdt_fault_store(&dev_fdt(dev)->error, buf, count);
}
static DEVICE_ATTR_RW(error);

static ssize_t fdt_u32_store(struct fdt *t, u32 *field, u32 limit,
			     const char *buf, size_t count)
{
	u32 val;
	int ret = kstrtou32(buf, 0, &val);

	if (ret)
		return ret;
	if (val > limit)
		return -EINVAL;
	WRITE_ONCE(*field, val);
	wake_up_all(&t->wq);
	return count;
}

static ssize_t delay_us_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(dev_fdt(dev)->delay_us));
}

static ssize_t delay_us_store(struct device *dev, struct device_attribute *attr,
			      const char *buf, size_t count)
{
	struct fdt *t = dev_fdt(dev);

	return fdt_u32_store(t, &t->delay_us, FDT_MAX_DELAY_US, buf, count);
}
static DEVICE_ATTR_RW(delay_us);

static ssize_t paused_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(dev_fdt(dev)->paused));
}

static ssize_t paused_store(struct device *dev, struct device_attribute *attr,
			    const char *buf, size_t count)
{
	struct fdt *t = dev_fdt(dev);

	return fdt_u32_store(t, &t->paused, 1, buf, count);
}
static DEVICE_ATTR_RW(paused);

static ssize_t hardirq_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(dev_fdt(dev)->hardirq));
}

static ssize_t hardirq_store(struct device *dev, struct device_attribute *attr,
			     const char *buf, size_t count)
{
	struct fdt *t = dev_fdt(dev);

	return fdt_u32_store(t, &t->hardirq, 1, buf, count);
}
static DEVICE_ATTR_RW(hardirq);

static ssize_t produced_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	struct fdt *t = dev_fdt(dev);
	u64 val;

	spin_lock_irq(&t->lock);
	val = t->produced;
	spin_unlock_irq(&t->lock);
	return sysfs_emit(buf, "%llu\n", val);
}
static DEVICE_ATTR_RO(produced);

static ssize_t completed_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lld\n",
			  (long long)atomic64_read(&dev_fdt(dev)->completed));
}
static DEVICE_ATTR_RO(completed);

static ssize_t terminated_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lld\n",
			  (long long)atomic64_read(&dev_fdt(dev)->terminated));
}
static DEVICE_ATTR_RO(terminated);

static ssize_t inflight_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	struct list_head *lists[3];
	struct fdt *t = dev_fdt(dev);
	struct fdt_desc *d;
	unsigned int i;
	u64 n;

	lists[0] = &t->submitted;
	lists[1] = &t->issued;
	lists[2] = &t->done;
	spin_lock_irq(&t->lock);
	n = t->cur ? 1 : 0;
	for (i = 0; i < ARRAY_SIZE(lists); i++)
		list_for_each_entry(d, lists[i], node)
			n++;
	spin_unlock_irq(&t->lock);
	return sysfs_emit(buf, "%llu\n", n);
}
static DEVICE_ATTR_RO(inflight);

static struct attribute *fdt_attrs[] = {
	&dev_attr_short_xfer.attr,
	&dev_attr_error.attr,
	&dev_attr_delay_us.attr,
	&dev_attr_paused.attr,
	&dev_attr_hardirq.attr,
	&dev_attr_produced.attr,
	&dev_attr_completed.attr,
	&dev_attr_terminated.attr,
	&dev_attr_inflight.attr,
	NULL,
};
ATTRIBUTE_GROUPS(fdt);

/* ---- the provider's driver ----------------------------------------------- */

static int fdt_probe(struct platform_device *pdev)
{
	struct dma_device *dd;
	struct fdt *t;
	int ret;

	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(32));
	if (ret)
		return ret;
	/* Freed by fdt_release(), which may run after this unbinds. */
	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	t->dev = get_device(&pdev->dev);
	spin_lock_init(&t->lock);
	INIT_LIST_HEAD(&t->submitted);
	INIT_LIST_HEAD(&t->issued);
	INIT_LIST_HEAD(&t->done);
	init_waitqueue_head(&t->wq);
	init_waitqueue_head(&t->idle_wq);
	tasklet_setup(&t->tasklet, fdt_tasklet);
	/*
	 * Not _HARD: in hard interrupt context, except on PREEMPT_RT, where
	 * it runs in a thread as a provider's (force-threaded) interrupt
	 * handler would.
	 */
	t->irq_work = IRQ_WORK_INIT(fdt_irq_work);
	spin_lock_init(&t->cb_lock);
	atomic_set(&t->short_xfer, 0);
	atomic_set(&t->error, 0);
	atomic64_set(&t->completed, 0);
	atomic64_set(&t->terminated, 0);

	dd = &t->dd;
	dd->dev = &pdev->dev;
	INIT_LIST_HEAD(&dd->channels);
	dma_cap_set(DMA_SLAVE, dd->cap_mask);
	dma_cap_set(DMA_PRIVATE, dd->cap_mask);
	dd->directions = BIT(DMA_DEV_TO_MEM);
	dd->src_addr_widths = BIT(DMA_SLAVE_BUSWIDTH_4_BYTES) |
			      BIT(DMA_SLAVE_BUSWIDTH_8_BYTES);
	dd->dst_addr_widths = dd->src_addr_widths;
	dd->residue_granularity = DMA_RESIDUE_GRANULARITY_SEGMENT;
	dd->device_alloc_chan_resources = fdt_alloc_chan_resources;
	dd->device_free_chan_resources = fdt_free_chan_resources;
	dd->device_prep_slave_sg = fdt_prep_slave_sg;
	dd->device_issue_pending = fdt_issue_pending;
	dd->device_tx_status = fdt_tx_status;
	dd->device_config = fdt_config;
	dd->device_terminate_all = fdt_terminate_all;
	dd->device_synchronize = fdt_synchronize;
	dd->device_release = fdt_release;
	t->map = (struct dma_slave_map) {
		.devname = "fpgadma-dmaengine",
		.slave = "rx",
	};
	dd->filter.map = &t->map;
	dd->filter.mapcnt = 1;
	dd->filter.fn = fdt_filter;
	t->chan.device = dd;
	list_add_tail(&t->chan.device_node, &dd->channels);

	t->thread = kthread_run(fdt_thread, t, "fpgadma-dmatest");
	if (IS_ERR(t->thread)) {
		ret = PTR_ERR(t->thread);
		put_device(t->dev);
		kfree(t);
		return ret;
	}
	platform_set_drvdata(pdev, t);
	ret = dma_async_device_register(dd);
	if (ret) {
		kthread_stop(t->thread);
		put_device(t->dev);
		kfree(t);
		return ret;
	}
	return 0;
}

static void fdt_remove(struct platform_device *pdev)
{
	struct fdt *t = platform_get_drvdata(pdev);

	/*
	 * fpgadma, a device link's consumer, was unbound before this; a
	 * client without one finds a channel that prepares nothing.
	 */
	spin_lock_irq(&t->lock);
	t->dying = true;
	spin_unlock_irq(&t->lock);
	fdt_terminate_all(&t->chan);
	kthread_stop(t->thread);
	tasklet_kill(&t->tasklet);
	irq_work_sync(&t->irq_work);
	/* May free t (fdt_release()) if no client holds the channel. */
	dma_async_device_unregister(&t->dd);
}

static struct platform_driver fdt_driver = {
	.driver = {
		.name = "fpgadma-dmatest",
		.dev_groups = fdt_groups,
	},
	.probe = fdt_probe,
	.FPGADMA_PLATFORM_REMOVE = fdt_remove,
};

static int __init fdt_init(void)
{
	int ret;

	ret = platform_driver_register(&fdt_driver);
	if (ret)
		return ret;
	fdt_provider = platform_device_register_simple("fpgadma-dmatest",
						       PLATFORM_DEVID_NONE,
						       NULL, 0);
	if (IS_ERR(fdt_provider)) {
		ret = PTR_ERR(fdt_provider);
		goto err_driver;
	}
	fdt_client = platform_device_register_simple("fpgadma-dmaengine",
						     PLATFORM_DEVID_NONE,
						     NULL, 0);
	if (IS_ERR(fdt_client)) {
		ret = PTR_ERR(fdt_client);
		goto err_provider;
	}
	return 0;

err_provider:
	platform_device_unregister(fdt_provider);
err_driver:
	platform_driver_unregister(&fdt_driver);
	return ret;
}

static void __exit fdt_exit(void)
{
	platform_device_unregister(fdt_client);
	platform_device_unregister(fdt_provider);
	platform_driver_unregister(&fdt_driver);
}

module_init(fdt_init);
module_exit(fdt_exit);

MODULE_DESCRIPTION("Test-only dmaengine provider for fpgadma's dmaengine engine");
MODULE_AUTHOR("fpgadma developers");
MODULE_LICENSE("GPL");
