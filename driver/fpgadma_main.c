// SPDX-License-Identifier: GPL-2.0-only
/*
 * fpgadma core: device registry, ring configuration, stream start/stop,
 * interrupt dispatch and sysfs. Bus glue calls fpgadma_create() and
 * fpgadma_destroy(); the file operations live in fpgadma_cdev.c.
 */
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include <uapi/fpgadma.h>

#include "compat.h"
#include "fpgadma_core.h"
#include "fpgadma_trace.h"

#define FPGADMA_MAX_DEVICES	64
/* The record flags an engine may report. */
#define FPGADMA_REC_FLAGS	(FPGADMA_REC_ERROR | FPGADMA_REC_SHORT)

/*
 * Hard bounds, whatever the module parameters say: every size derived from
 * them (ring state, buffer table, engine lists) stays far below what the
 * allocators accept.
 */
#define FPGADMA_MAX_COUNT	65536U
#define FPGADMA_MAX_SIZE	SZ_1G
#define FPGADMA_MAX_RING_MB	(1024U * 1024)

static unsigned int max_buf_count = 1024;
module_param(max_buf_count, uint, 0444);
MODULE_PARM_DESC(max_buf_count, "Most buffers in a ring (default 1024, at most 65536)");

static unsigned int max_buf_size = 4 << 20;
module_param(max_buf_size, uint, 0444);
MODULE_PARM_DESC(max_buf_size, "Largest buffer in bytes (default 4 MiB, at most 1 GiB)");

static unsigned int max_ring_mb = 64;
module_param(max_ring_mb, uint, 0444);
MODULE_PARM_DESC(max_ring_mb, "Largest ring (count * size) in MiB (default 64)");

static unsigned int buf_count;
module_param(buf_count, uint, 0444);
MODULE_PARM_DESC(buf_count, "Default buffers per ring (0: engine default)");

static unsigned int buf_size;
module_param(buf_size, uint, 0444);
MODULE_PARM_DESC(buf_size, "Default buffer size in bytes (0: engine default)");

static const char *const fpgadma_mem_names[] = {
	[FPGADMA_RING_MEM_AUTO] = "auto",
	[FPGADMA_RING_MEM_COHERENT] = "coherent",
	[FPGADMA_RING_MEM_CACHED] = "cached",
};

static u32 mem_param = FPGADMA_RING_MEM_AUTO;

static int fpgadma_memory_set(const char *val, const struct kernel_param *kp)
{
	int kind = sysfs_match_string(fpgadma_mem_names, val);

	if (kind < 0)
		return kind;
	*(u32 *)kp->arg = kind;
	return 0;
}

static int fpgadma_memory_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n", fpgadma_mem_names[*(u32 *)kp->arg]);
}

static const struct kernel_param_ops fpgadma_memory_ops = {
	.set = fpgadma_memory_set,
	.get = fpgadma_memory_get,
};

module_param_cb(memory, &fpgadma_memory_ops, &mem_param, 0444);
MODULE_PARM_DESC(memory, "Ring memory when SET_RING asks for none: auto (cached for a device that does not snoop CPU caches, else coherent if one block fits, else cached), coherent or cached");

static struct class *fpgadma_class;
static dev_t fpgadma_devt;
static DEFINE_IDA(fpgadma_ida);

/* Refuse module parameters outside the hard bounds, rather than clamp. */
static int fpgadma_check_params(void)
{
	if (!max_buf_count || max_buf_count > FPGADMA_MAX_COUNT) {
		pr_err("max_buf_count=%u: must be 1 ... %u\n", max_buf_count,
		       FPGADMA_MAX_COUNT);
		return -EINVAL;
	}
	if (max_buf_size < PAGE_SIZE || max_buf_size > FPGADMA_MAX_SIZE) {
		pr_err("max_buf_size=%u: must be %lu ... %u\n", max_buf_size,
		       PAGE_SIZE, FPGADMA_MAX_SIZE);
		return -EINVAL;
	}
	if (!max_ring_mb || max_ring_mb > FPGADMA_MAX_RING_MB) {
		pr_err("max_ring_mb=%u: must be 1 ... %u\n", max_ring_mb,
		       FPGADMA_MAX_RING_MB);
		return -EINVAL;
	}
	if (buf_count > max_buf_count || buf_size > max_buf_size ||
	    buf_size % PAGE_SIZE) {
		pr_err("buf_count=%u buf_size=%u: beyond max_buf_count/max_buf_size or not page aligned\n",
		       buf_count, buf_size);
		return -EINVAL;
	}
	return 0;
}

/**
 * fpgadma_set_engine_data() - store the engine's private state
 * @fdev: the device.
 * @data: the state (typically devm-allocated in ->probe).
 */
void fpgadma_set_engine_data(struct fpgadma_dev *fdev, void *data)
{
	fdev->engine_data = data;
}

/**
 * fpgadma_engine_data() - the engine's private state
 * @fdev: the device.
 *
 * Return: what ->probe stored with fpgadma_set_engine_data().
 */
void *fpgadma_engine_data(struct fpgadma_dev *fdev)
{
	return fdev->engine_data;
}

/**
 * fpgadma_report_done() - the engine filled buffers
 * @fdev: the device.
 * @done: the buffers, in the order the device filled them.
 * @n:    how many.
 *
 * Hands the buffers to the reader, with sequence numbers, timestamps and
 * drop counts (in shared-ring mode through the completion ring, see
 * fpgadma_shm_produce()), and wakes readers and pollers. A buffer that is not the
 * oldest one the device owns is an engine bug: it is logged and ignored.
 * Completions that arrive while the stream is stopped are ignored.
 */
void fpgadma_report_done(struct fpgadma_dev *fdev,
			 const struct fpgadma_done *done, u32 n)
{
	u32 i, ok = 0, bad = 0, bad_index = 0;
	unsigned long flags;
	u64 now = 0;

	spin_lock_irqsave(&fdev->ring_lock, flags);
	for (i = 0; i < n; i++) {
		const struct fpgadma_done *d = &done[i];
		u64 ts = d->timestamp_ns;

		if (!ts)
			ts = now ?: (now = ktime_get_ns());
		if (d->lost && !fpgadma_ring_drop(&fdev->ring, d->lost))
			trace_fpgadma_drop(fdev, d->lost);
		switch (fpgadma_ring_complete(&fdev->ring, d->index,
					      min(d->bytes, fdev->buf_size),
					      d->flags & FPGADMA_REC_FLAGS, ts)) {
		case 0:
			ok++;
			trace_fpgadma_complete(fdev, d->index,
					       fdev->ring.meta[d->index].bytes_used,
					       fdev->ring.meta[d->index].sequence,
					       fdev->ring.meta[d->index].flags,
					       fdev->ring.meta[d->index].lost_before);
			break;
		case -EINVAL:
			bad++;
			bad_index = d->index;
			break;
		}
	}
	if (ok && fdev->shared)
		fpgadma_shm_produce(fdev, ok);
	spin_unlock_irqrestore(&fdev->ring_lock, flags);
	if (bad)
		dev_err_ratelimited(fdev->parent,
				    "%s engine: %u completions out of order (buffer %u)\n",
				    fdev->engine->name, bad, bad_index);
	if (ok)
		wake_up_interruptible_poll(&fdev->wq, EPOLLIN | EPOLLRDNORM);
}

/**
 * fpgadma_report_lost() - the device dropped data it had nowhere to put
 * @fdev: the device.
 * @n:    buffers lost; the next completion reports them in lost_before.
 */
void fpgadma_report_lost(struct fpgadma_dev *fdev, u32 n)
{
	unsigned long flags;

	spin_lock_irqsave(&fdev->ring_lock, flags);
	if (!fpgadma_ring_drop(&fdev->ring, n))
		trace_fpgadma_drop(fdev, n);
	spin_unlock_irqrestore(&fdev->ring_lock, flags);
}

/**
 * fpgadma_report_error() - the device reported an error of its own
 * @fdev: the device.
 *
 * Counted (sysfs dev_errors); the engine logs what the hardware said.
 */
void fpgadma_report_error(struct fpgadma_dev *fdev)
{
	atomic64_inc(&fdev->dev_errors);
}

/* End an episode of starvation, if one is on. ring_lock held. */
static void fpgadma_starved_end(struct fpgadma_dev *fdev, u64 now)
{
	lockdep_assert_held(&fdev->ring_lock);
	if (!fdev->starving)
		return;
	fdev->starving = false;
	fdev->starved_ns += now - fdev->starved_at;
}

/**
 * fpgadma_report_starved() - the device has, or again has, buffers to fill
 * @fdev:    the device.
 * @starved: true: the engine has no buffer left to fill while streaming
 *           (the consumer holds them all): the source is held back, which
 *           on a flow-controlled link (AXI-Stream) loses no data. false:
 *           it has a buffer again.
 *
 * Counted as episodes and their total time (FPGADMA_IOC_GET_STATS
 * starved, starved_ns), apart from drops. Repeated reports of the same
 * state count once; reports while the stream is stopped are ignored, and
 * stopping ends an episode. Any context.
 */
void fpgadma_report_starved(struct fpgadma_dev *fdev, bool starved)
{
	unsigned long flags;
	u64 now = ktime_get_ns();

	spin_lock_irqsave(&fdev->ring_lock, flags);
	if (!starved) {
		fpgadma_starved_end(fdev, now);
	} else if (fdev->ring.streaming && !fdev->starving) {
		fdev->starving = true;
		fdev->starved++;
		fdev->starved_at = now;
	}
	spin_unlock_irqrestore(&fdev->ring_lock, flags);
}

/**
 * fpgadma_starved_get() - starvation counters, the episode on included
 * @fdev:   the device; ring_lock held.
 * @events: episodes.
 * @ns:     their total length in nanoseconds.
 */
void fpgadma_starved_get(struct fpgadma_dev *fdev, u64 *events, u64 *ns)
{
	lockdep_assert_held(&fdev->ring_lock);
	*events = fdev->starved;
	*ns = fdev->starved_ns;
	if (fdev->starving)
		*ns += ktime_get_ns() - fdev->starved_at;
}

/*
 * Stop the engine. On success (or if the device is gone) the device does
 * not touch the buffers any more; otherwise they are quarantined until a
 * later stop succeeds. fdev->lock held.
 */
static int fpgadma_engine_stop(struct fpgadma_dev *fdev)
{
	int ret;

	lockdep_assert_held(&fdev->lock);
	mutex_lock(&fdev->queue_lock);
	ret = fdev->engine->ops.stop(fdev);
	mutex_unlock(&fdev->queue_lock);
	/* A completion interrupt may still be finishing on another CPU. */
	if (fdev->irq > 0)
		synchronize_irq(fdev->irq);
	if (ret == -ENODEV)
		ret = 0;
	if (ret && !fdev->wedged)
		dev_err(fdev->parent,
			"%s: the device does not stop (%d); its buffers stay quarantined\n",
			dev_name(&fdev->dev), ret);
	else if (!ret && fdev->wedged)
		dev_info(fdev->parent, "%s: the device stopped at last\n",
			 dev_name(&fdev->dev));
	fdev->wedged = ret != 0;
	return ret;
}

/* A wedged device gets another chance to stop; -EIO if it still does not. */
static int fpgadma_check_wedged(struct fpgadma_dev *fdev)
{
	if (fdev->wedged && fpgadma_engine_stop(fdev))
		return -EIO;
	return 0;
}

/**
 * fpgadma_set_ring() - replace the ring with @count buffers of @size bytes
 * @fdev:  the device; fdev->lock held; not streaming, not mapped.
 * @count: number of buffers.
 * @size:  bytes per buffer.
 * @kind:  FPGADMA_RING_MEM_*; AUTO takes the module parameter "memory",
 *         and if that says auto too, what suits the device.
 *
 * The new ring is allocated before the old one is freed, so on failure the
 * old ring is untouched.
 *
 * Return: 0, -EINVAL for a geometry outside the limits, -ENOMEM, -EIO if
 * the device may still write the old buffers.
 */
int fpgadma_set_ring(struct fpgadma_dev *fdev, u32 count, u32 size, u32 kind)
{
	struct fpgadma_bufs *bufs, *old_bufs;
	struct fpgadma_shm *shm;
	struct fpgadma_xfer *xfer;
	void *mem;
	int ret;

	lockdep_assert_held(&fdev->lock);
	ret = fpgadma_ring_check_config(&fdev->limits, count, size);
	if (!ret)
		ret = fpgadma_check_wedged(fdev);
	if (ret)
		return ret;
	mem = kvzalloc(fpgadma_ring_mem_size(count), GFP_KERNEL);
	xfer = kvcalloc(count, sizeof(*xfer), GFP_KERNEL);
	shm = fpgadma_shm_alloc(count);
	if (kind == FPGADMA_RING_MEM_AUTO)
		kind = mem_param ?: fpgadma_mem_default(fdev->dma_dev);
	bufs = mem && xfer && shm ?
	       fpgadma_bufs_alloc(fdev->dma_dev, count, size, kind) : NULL;
	if (!bufs) {
		fpgadma_shm_put(shm);
		kvfree(xfer);
		kvfree(mem);
		return -ENOMEM;
	}

	spin_lock_irq(&fdev->ring_lock);
	fpgadma_ring_init(&fdev->ring, count, mem);
	fdev->buf_size = size;
	fdev->cached = bufs->kind == FPGADMA_RING_MEM_CACHED;
	fdev->gen++;
	swap(fdev->shm, shm);
	spin_unlock_irq(&fdev->ring_lock);
	swap(fdev->ring_mem, mem);
	swap(fdev->xfer, xfer);

	down_write(&fdev->mem_lock);
	old_bufs = fdev->bufs;
	fdev->bufs = bufs;
	up_write(&fdev->mem_lock);

	fpgadma_shm_put(shm);
	kvfree(xfer);
	kvfree(mem);
	fpgadma_bufs_put(old_bufs);
	return 0;
}

/*
 * The buffers @index[0..n) as the engine wants them, in fdev->xfer, their
 * memory handed to the device. The ring streams, so its memory is there.
 */
const struct fpgadma_xfer *fpgadma_xfers(struct fpgadma_dev *fdev,
					 const u32 *index, u32 n)
{
	struct fpgadma_bufs *bufs = fdev->bufs;
	u32 i;

	lockdep_assert_held(&fdev->queue_lock);
	for (i = 0; i < n; i++) {
		u32 b = index ? index[i] : i;

		fpgadma_bufs_for_device(bufs, b);
		fdev->xfer[i] = (struct fpgadma_xfer) {
			.index = b,
			.len = bufs->size,
			.dma = bufs->buf[b].dma,
		};
	}
	return fdev->xfer;
}

/**
 * fpgadma_stream_start() - queue every buffer and start the engine
 * @fdev:      the device; fdev->lock held; not streaming.
 * @owner:     the file that streams from now on.
 * @copy_mode: it reads data (copy mode) rather than records.
 * @shared:    records go to the shared completion ring (not copy mode).
 *
 * Return: 0, -EIO if the device never stopped, or the engine's error (the
 * ring is then idle again).
 */
int fpgadma_stream_start(struct fpgadma_dev *fdev, struct file *owner,
			 bool copy_mode, bool shared)
{
	u32 count = fdev->bufs->count;
	int ret;

	lockdep_assert_held(&fdev->lock);
	ret = fpgadma_check_wedged(fdev);
	if (ret)
		return ret;
	mutex_lock(&fdev->queue_lock);
	spin_lock_irq(&fdev->ring_lock);
	ret = fpgadma_ring_start(&fdev->ring);
	fdev->gen++;
	if (!ret) {
		fdev->owner = owner;
		fdev->copy_mode = copy_mode;
		fdev->shared = shared;
		if (shared)
			fpgadma_shm_reset(fdev->shm);
	}
	spin_unlock_irq(&fdev->ring_lock);
	if (!ret)
		ret = fdev->engine->ops.start(fdev, fpgadma_xfers(fdev, NULL, count),
					      count);
	mutex_unlock(&fdev->queue_lock);
	if (ret) {
		spin_lock_irq(&fdev->ring_lock);
		fpgadma_ring_stop(&fdev->ring);
		fdev->gen++;
		fdev->owner = NULL;
		fdev->shared = false;
		spin_unlock_irq(&fdev->ring_lock);
		cancel_work_sync(&fdev->shm_work);
	}
	return ret;
}

/**
 * fpgadma_stream_stop() - stop the engine and take every buffer back
 * @fdev: the device; fdev->lock held; streaming.
 *
 * Nobody owns the stream afterwards. Wakes readers, whose stream
 * generation is then stale.
 *
 * Return: 0, or -EIO if the device did not stop: the stream is over for
 * the user all the same, but the buffers are quarantined.
 */
int fpgadma_stream_stop(struct fpgadma_dev *fdev)
{
	int ret;

	lockdep_assert_held(&fdev->lock);
	ret = fpgadma_engine_stop(fdev);

	spin_lock_irq(&fdev->ring_lock);
	fpgadma_starved_end(fdev, ktime_get_ns());
	fpgadma_ring_stop(&fdev->ring);
	fdev->gen++;
	fdev->owner = NULL;
	fdev->shared = false;
	spin_unlock_irq(&fdev->ring_lock);
	/* No completion queues it any more; a running pass finds it stopped. */
	cancel_work_sync(&fdev->shm_work);
	wake_up_interruptible_all(&fdev->wq);
	return ret ? -EIO : 0;
}

/**
 * fpgadma_give_back() - the streaming file gives buffers back to the device
 * @fdev:  the device.
 * @filp:  the file.
 * @gen:   the stream generation the buffers were taken in, or NULL if the
 *         ring's ownership check is enough (record mode).
 * @index: buffer indices.
 * @n:     how many (at most the ring's count can be valid).
 *
 * All or nothing. The engine gets the buffers in the order they join the
 * ring's queue, outside ring_lock, so interrupts stay enabled while it
 * posts them.
 *
 * Return: 0; -EBUSY another file streams; -EINVAL not streaming in record
 * mode, or an index out of range, not held or repeated; -EPIPE the stream
 * of @gen is over.
 */
int fpgadma_give_back(struct fpgadma_dev *fdev, struct file *filp,
		      const u32 *gen, const u32 *index, u32 n)
{
	int ret;

	mutex_lock(&fdev->queue_lock);
	spin_lock_irq(&fdev->ring_lock);
	if (fdev->owner && fdev->owner != filp)
		ret = -EBUSY;
	else if (gen && *gen != fdev->gen)
		ret = -EPIPE;
	else if (!fdev->owner || fdev->copy_mode != !!gen)
		ret = -EINVAL;
	else
		ret = fpgadma_ring_release(&fdev->ring, index, n);
	spin_unlock_irq(&fdev->ring_lock);
	if (!ret && n) {
		fpgadma_trace_released(fdev, index, n);
		fdev->engine->ops.queue(fdev, fpgadma_xfers(fdev, index, n), n);
	}
	mutex_unlock(&fdev->queue_lock);
	if (ret && READ_ONCE(fdev->dead))
		return -ENODEV;
	return ret == -EPIPE && !gen ? -EINVAL : ret;
}

static irqreturn_t fpgadma_irq(int irq, void *data)
{
	struct fpgadma_dev *fdev = data;
	irqreturn_t ret = fdev->engine->ops.irq(fdev);

	if (ret == IRQ_HANDLED)
		atomic64_inc(&fdev->irqs);
	trace_fpgadma_irq(fdev, irq, ret == IRQ_HANDLED);
	return ret;
}

static void fpgadma_dev_release(struct device *dev)
{
	struct fpgadma_dev *fdev = container_of(dev, struct fpgadma_dev, dev);

	fpgadma_bufs_put(fdev->bufs);
	fpgadma_shm_put(fdev->shm);
	kvfree(fdev->xfer);
	kvfree(fdev->ring_mem);
	if (!IS_ERR_OR_NULL(fdev->map_inode))
		fpgadma_map_inode_put(fdev->map_inode);
	put_device(fdev->dma_dev);
	put_device(fdev->parent);
	kfree(fdev);
}

/* The ring limits: the module's, narrowed by the engine's. */
static void fpgadma_set_limits(struct fpgadma_dev *fdev)
{
	const struct fpgadma_engine_info *info = &fdev->info;

	fdev->limits = (struct fpgadma_ring_limits) {
		.page_size = PAGE_SIZE,
		.max_count = max_buf_count,
		.max_size = max_buf_size,
		.max_total = (u64)max_ring_mb << 20,
	};
	fdev->limits.max_count = min(fdev->limits.max_count, info->max_count);
	if (info->max_size)
		fdev->limits.max_size = min(fdev->limits.max_size,
					    info->max_size);
}

/**
 * fpgadma_create() - create /dev/fpgadmaN for a probed device
 * @hw:     what the bus glue found: device, registers, interrupt.
 * @engine: the engine that drives it.
 *
 * Return: the device, or an ERR_PTR().
 */
struct fpgadma_dev *fpgadma_create(const struct fpgadma_hw *hw,
				   const struct fpgadma_engine *engine)
{
	struct device *parent = hw->dev;
	struct fpgadma_dev *fdev;
	int minor, ret;

	fdev = kzalloc(sizeof(*fdev), GFP_KERNEL);
	if (!fdev)
		return ERR_PTR(-ENOMEM);
	minor = ida_alloc_max(&fpgadma_ida, FPGADMA_MAX_DEVICES - 1, GFP_KERNEL);
	if (minor < 0) {
		kfree(fdev);
		return ERR_PTR(minor);
	}

	fdev->parent = get_device(parent);
	fdev->engine = engine;
	fdev->irq = engine->ops.irq ? hw->irq : 0;
	mutex_init(&fdev->lock);
	mutex_init(&fdev->read_lock);
	mutex_init(&fdev->queue_lock);
	init_rwsem(&fdev->mem_lock);
	spin_lock_init(&fdev->ring_lock);
	init_waitqueue_head(&fdev->wq);
	INIT_WORK(&fdev->shm_work, fpgadma_shm_work);
	atomic64_set(&fdev->irqs, 0);
	atomic64_set(&fdev->dev_errors, 0);

	/* From here on, put_device() frees fdev. */
	device_initialize(&fdev->dev);
	fdev->dev.class = fpgadma_class;
	fdev->dev.parent = parent;
	fdev->dev.devt = MKDEV(MAJOR(fpgadma_devt), minor);
	fdev->dev.groups = fpgadma_groups;
	fdev->dev.release = fpgadma_dev_release;
	dev_set_drvdata(&fdev->dev, fdev);
	ret = dev_set_name(&fdev->dev, "fpgadma%d", minor);
	if (ret)
		goto err_put;
	fdev->map_inode = fpgadma_map_inode_new();
	if (IS_ERR(fdev->map_inode)) {
		ret = PTR_ERR(fdev->map_inode);
		goto err_put;
	}

	ret = -ENXIO;
	if (engine->ops.irq && hw->irq <= 0) {
		dev_err(parent, "%s engine: no interrupt\n", engine->name);
		goto err_put;
	}
	fdev->info.max_count = max_buf_count;
	ret = engine->ops.probe(fdev, hw, &fdev->info);
	if (ret)
		goto err_put;
	/* The buffers are for the device that does the DMA. */
	fdev->dma_dev = get_device(fdev->info.dma_dev ?: parent);
	if (!engine->ops.set_coalesce)
		fdev->info.coalesce = false;
	fpgadma_set_limits(fdev);

	mutex_lock(&fdev->lock);
	ret = fpgadma_set_ring(fdev, buf_count ?: fdev->info.def_count,
			       buf_size ?: fdev->info.def_size,
			       FPGADMA_RING_MEM_AUTO);
	mutex_unlock(&fdev->lock);
	if (ret) {
		dev_err(parent, "cannot allocate the default ring: %d\n", ret);
		goto err_engine;
	}

	if (fdev->irq > 0) {
		ret = request_irq(fdev->irq, fpgadma_irq, IRQF_SHARED,
				  dev_name(&fdev->dev), fdev);
		if (ret)
			goto err_engine;
	}

	cdev_init(&fdev->cdev, &fpgadma_fops);
	fdev->cdev.owner = THIS_MODULE;
	ret = cdev_device_add(&fdev->cdev, &fdev->dev);
	if (ret)
		goto err_free_irq;
	fpgadma_debugfs_add(fdev);

	dev_info(parent, "%s: %s engine, %u x %u byte %s buffers, irq %d\n",
		 dev_name(&fdev->dev), engine->name, fdev->bufs->count,
		 fdev->bufs->size, fpgadma_mem_names[fdev->bufs->kind],
		 fdev->irq);
	return fdev;

err_free_irq:
	if (fdev->irq > 0)
		free_irq(fdev->irq, fdev);
err_engine:
	if (engine->ops.remove)
		engine->ops.remove(fdev);
err_put:
	ida_free(&fpgadma_ida, minor);
	put_device(&fdev->dev);
	return ERR_PTR(ret);
}

/* Stop streaming for good: the device was removed or the system goes down. */
static void fpgadma_kill(struct fpgadma_dev *fdev)
{
	lockdep_assert_held(&fdev->lock);
	WRITE_ONCE(fdev->dead, true);
	if (fdev->owner)
		fpgadma_stream_stop(fdev);
	else
		fpgadma_check_wedged(fdev);
}

/**
 * fpgadma_destroy() - the bus device is going away
 * @fdev: the device.
 *
 * Stops streaming, zaps every user mapping of the buffers (a later touch
 * gets SIGBUS) and frees their DMA memory, wakes every reader and poller,
 * and removes the node. Open files keep fdev alive and get -ENODEV from
 * now on; a mapped control area (kernel memory, no DMA) stays mapped, its
 * indices frozen, until its last munmap(). Never waits for user space: a
 * copy-mode reader touches the DMA memory only under mem_lock and never
 * across a page fault.
 */
void fpgadma_destroy(struct fpgadma_dev *fdev)
{
	int minor = MINOR(fdev->dev.devt);

	fpgadma_debugfs_remove(fdev);
	mutex_lock(&fdev->lock);
	fpgadma_kill(fdev);
	fpgadma_shm_gone(fdev->shm);
	/*
	 * In pages: unmap_mapping_range() would truncate the 2^40-byte
	 * length to a 32-bit pgoff_t and zap the control area as well.
	 */
	unmap_mapping_pages(fdev->map_inode->i_mapping, 0,
			    FPGADMA_MMAP_CTRL_BASE >> PAGE_SHIFT, true);
	down_write(&fdev->mem_lock);
	if (fdev->wedged) {
		dev_crit(fdev->parent,
			 "%s: leaking %u x %u bytes of DMA memory the device may still write\n",
			 dev_name(&fdev->dev), fdev->bufs->count, fdev->bufs->size);
		/* Forgotten, so that the last reference does not free them. */
		fdev->bufs->nalloc = 0;
	}
	fpgadma_bufs_free_dma(fdev->bufs);
	up_write(&fdev->mem_lock);
	mutex_unlock(&fdev->lock);
	wake_up_interruptible_poll(&fdev->wq, EPOLLERR | EPOLLHUP);

	if (fdev->irq > 0)
		free_irq(fdev->irq, fdev);
	if (fdev->engine->ops.remove)
		fdev->engine->ops.remove(fdev);
	cdev_device_del(&fdev->cdev, &fdev->dev);
	ida_free(&fpgadma_ida, minor);
	put_device(&fdev->dev);
}

/**
 * fpgadma_shutdown() - the system goes down (reboot, kexec)
 * @fdev: the device.
 *
 * Stops the device so that it writes no memory the next kernel may own;
 * every file operation fails with -ENODEV from now on.
 */
void fpgadma_shutdown(struct fpgadma_dev *fdev)
{
	bool streaming;

	mutex_lock(&fdev->lock);
	streaming = !!fdev->owner;
	fpgadma_kill(fdev);
	if (streaming)
		dev_info(fdev->parent, "%s: stream stopped for shutdown%s\n",
			 dev_name(&fdev->dev),
			 fdev->wedged ? ", but the device does not stop" : "");
	mutex_unlock(&fdev->lock);
	wake_up_interruptible_poll(&fdev->wq, EPOLLERR | EPOLLHUP);
}

/* sysfs: read-only view of the ring and its counters */

static struct fpgadma_dev *to_fdev(struct device *dev)
{
	return container_of(dev, struct fpgadma_dev, dev);
}

/**
 * struct fpgadma_counter_attr - a sysfs file showing one ring counter
 * @attr:   the attribute.
 * @offset: of the u64 counter in struct fpgadma_ring.
 */
struct fpgadma_counter_attr {
	struct device_attribute attr;
	size_t offset;
};

static ssize_t fpgadma_counter_show(struct device *dev,
				    struct device_attribute *attr, char *buf)
{
	struct fpgadma_counter_attr *ca =
		container_of(attr, struct fpgadma_counter_attr, attr);
	struct fpgadma_dev *fdev = to_fdev(dev);
	u64 val;

	spin_lock_irq(&fdev->ring_lock);
	val = *(u64 *)((char *)&fdev->ring + ca->offset);
	spin_unlock_irq(&fdev->ring_lock);
	return sysfs_emit(buf, "%llu\n", val);
}

static struct fpgadma_counter_attr dev_attr_completed = {
	__ATTR(completed, 0444, fpgadma_counter_show, NULL),
	offsetof(struct fpgadma_ring, completed),
};

static struct fpgadma_counter_attr dev_attr_dequeued = {
	__ATTR(dequeued, 0444, fpgadma_counter_show, NULL),
	offsetof(struct fpgadma_ring, dequeued),
};

static struct fpgadma_counter_attr dev_attr_released = {
	__ATTR(released, 0444, fpgadma_counter_show, NULL),
	offsetof(struct fpgadma_ring, released),
};

static struct fpgadma_counter_attr dev_attr_dropped = {
	__ATTR(dropped, 0444, fpgadma_counter_show, NULL),
	offsetof(struct fpgadma_ring, dropped),
};

static ssize_t streaming_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	struct fpgadma_dev *fdev = to_fdev(dev);
	bool val;

	spin_lock_irq(&fdev->ring_lock);
	val = fdev->ring.streaming;
	spin_unlock_irq(&fdev->ring_lock);
	return sysfs_emit(buf, "%d\n", val);
}
static DEVICE_ATTR_RO(streaming);

static ssize_t buf_count_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	struct fpgadma_dev *fdev = to_fdev(dev);
	u32 val;

	mutex_lock(&fdev->lock);
	val = fdev->bufs->count;
	mutex_unlock(&fdev->lock);
	return sysfs_emit(buf, "%u\n", val);
}
static DEVICE_ATTR_RO(buf_count);

static ssize_t buf_size_show(struct device *dev,
			     struct device_attribute *attr, char *buf)
{
	struct fpgadma_dev *fdev = to_fdev(dev);
	u32 val;

	mutex_lock(&fdev->lock);
	val = fdev->bufs->size;
	mutex_unlock(&fdev->lock);
	return sysfs_emit(buf, "%u\n", val);
}
static DEVICE_ATTR_RO(buf_size);

static ssize_t memory_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	struct fpgadma_dev *fdev = to_fdev(dev);
	u32 kind;

	mutex_lock(&fdev->lock);
	kind = fdev->bufs->kind;
	mutex_unlock(&fdev->lock);
	return sysfs_emit(buf, "%s\n", fpgadma_mem_names[kind]);
}
static DEVICE_ATTR_RO(memory);

static ssize_t engine_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%s\n", to_fdev(dev)->engine->name);
}
static DEVICE_ATTR_RO(engine);

static ssize_t irqs_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%lld\n",
			  (long long)atomic64_read(&to_fdev(dev)->irqs));
}
static DEVICE_ATTR_RO(irqs);

static ssize_t dev_errors_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lld\n",
			  (long long)atomic64_read(&to_fdev(dev)->dev_errors));
}
static DEVICE_ATTR_RO(dev_errors);

/* sysfs starved (@ns false) or starved_ns (@ns true). */
static ssize_t fpgadma_starved_emit(struct device *dev, char *buf, bool ns)
{
	struct fpgadma_dev *fdev = to_fdev(dev);
	u64 val[2];

	spin_lock_irq(&fdev->ring_lock);
	fpgadma_starved_get(fdev, &val[0], &val[1]);
	spin_unlock_irq(&fdev->ring_lock);
	return sysfs_emit(buf, "%llu\n", val[ns]);
}

static ssize_t starved_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	return fpgadma_starved_emit(dev, buf, false);
}
static DEVICE_ATTR_RO(starved);

static ssize_t starved_ns_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	return fpgadma_starved_emit(dev, buf, true);
}
static DEVICE_ATTR_RO(starved_ns);

static struct attribute *fpgadma_attrs[] = {
	&dev_attr_buf_count.attr,
	&dev_attr_buf_size.attr,
	&dev_attr_engine.attr,
	&dev_attr_memory.attr,
	&dev_attr_streaming.attr,
	&dev_attr_completed.attr.attr,
	&dev_attr_dequeued.attr.attr,
	&dev_attr_released.attr.attr,
	&dev_attr_dropped.attr.attr,
	&dev_attr_irqs.attr,
	&dev_attr_dev_errors.attr,
	&dev_attr_starved.attr,
	&dev_attr_starved_ns.attr,
	NULL,
};

static const struct attribute_group fpgadma_group = {
	.attrs = fpgadma_attrs,
};

const struct attribute_group *fpgadma_groups[] = {
	&fpgadma_group,
	NULL,
};

static char *fpgadma_devnode(FPGADMA_DEVNODE_CONST struct device *dev,
			     umode_t *mode)
{
	if (mode)
		*mode = 0660;
	return NULL;
}

static int __init fpgadma_init(void)
{
	int ret;

	BUILD_BUG_ON(FPGADMA_RING_FLAG_ERROR != FPGADMA_REC_ERROR);
	ret = fpgadma_check_params();
	if (ret)
		return ret;
	ret = alloc_chrdev_region(&fpgadma_devt, 0, FPGADMA_MAX_DEVICES,
				  KBUILD_MODNAME);
	if (ret)
		return ret;
	fpgadma_debugfs_init();
	fpgadma_class = fpgadma_class_create(KBUILD_MODNAME);
	if (IS_ERR(fpgadma_class)) {
		ret = PTR_ERR(fpgadma_class);
		goto err_region;
	}
	fpgadma_class->devnode = fpgadma_devnode;
	ret = fpgadma_pci_register();
	if (ret)
		goto err_class;
	ret = fpgadma_platform_register();
	if (ret)
		goto err_pci;
	return 0;

err_pci:
	fpgadma_pci_unregister();
err_class:
	class_destroy(fpgadma_class);
err_region:
	fpgadma_debugfs_exit();
	unregister_chrdev_region(fpgadma_devt, FPGADMA_MAX_DEVICES);
	return ret;
}

static void __exit fpgadma_exit(void)
{
	fpgadma_platform_unregister();
	fpgadma_pci_unregister();
	class_destroy(fpgadma_class);
	fpgadma_debugfs_exit();
	unregister_chrdev_region(fpgadma_devt, FPGADMA_MAX_DEVICES);
	ida_destroy(&fpgadma_ida);
}

module_init(fpgadma_init);
module_exit(fpgadma_exit);

MODULE_DESCRIPTION("Zero-copy DMA streaming from FPGAs to user space");
MODULE_AUTHOR("fpgadma developers");
MODULE_LICENSE("GPL");
