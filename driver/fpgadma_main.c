// SPDX-License-Identifier: GPL-2.0-only
/*
 * fpgadma core: device registry, ring configuration, stream start/stop,
 * interrupt dispatch and sysfs. Bus glue calls fpgadma_create() and
 * fpgadma_destroy(); the file operations live in fpgadma_cdev.c.
 */
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include <uapi/fpgadma.h>

#include "compat.h"
#include "fpgadma_core.h"

#define FPGADMA_MAX_DEVICES	64

static unsigned int max_buf_count = 1024;
module_param(max_buf_count, uint, 0444);
MODULE_PARM_DESC(max_buf_count, "Most buffers in a ring (default 1024)");

static unsigned int max_buf_size = 4 << 20;
module_param(max_buf_size, uint, 0444);
MODULE_PARM_DESC(max_buf_size, "Largest buffer in bytes (default 4 MiB)");

static unsigned int max_ring_mb = 64;
module_param(max_ring_mb, uint, 0444);
MODULE_PARM_DESC(max_ring_mb, "Largest ring (count * size) in MiB (default 64)");

static unsigned int buf_count;
module_param(buf_count, uint, 0444);
MODULE_PARM_DESC(buf_count, "Default buffers per ring (0: engine default)");

static unsigned int buf_size;
module_param(buf_size, uint, 0444);
MODULE_PARM_DESC(buf_size, "Default buffer size in bytes (0: engine default)");

static struct class *fpgadma_class;
static dev_t fpgadma_devt;
static DEFINE_IDA(fpgadma_ida);

/**
 * fpgadma_set_ring() - replace the ring with @count buffers of @size bytes
 * @fdev:  the device; fdev->lock held; not streaming, not mapped.
 * @count: number of buffers.
 * @size:  bytes per buffer.
 *
 * The new ring is allocated before the old one is freed, so on failure the
 * old ring is untouched.
 *
 * Return: 0, -EINVAL for a geometry outside the limits, -ENOMEM.
 */
int fpgadma_set_ring(struct fpgadma_dev *fdev, u32 count, u32 size)
{
	struct fpgadma_bufs *bufs, *old_bufs;
	void *mem, *old_mem;
	int ret;

	lockdep_assert_held(&fdev->lock);
	ret = fpgadma_ring_check_config(&fdev->limits, count, size);
	if (ret)
		return ret;
	mem = kvzalloc(fpgadma_ring_mem_size(count), GFP_KERNEL);
	if (!mem)
		return -ENOMEM;
	bufs = fpgadma_bufs_alloc(fdev->parent, count, size);
	if (!bufs) {
		kvfree(mem);
		return -ENOMEM;
	}

	spin_lock_irq(&fdev->ring_lock);
	fpgadma_ring_init(&fdev->ring, count, mem);
	fdev->gen++;
	spin_unlock_irq(&fdev->ring_lock);
	old_mem = fdev->ring_mem;
	old_bufs = fdev->bufs;
	fdev->ring_mem = mem;
	fdev->bufs = bufs;

	kvfree(old_mem);
	fpgadma_bufs_put(old_bufs);
	return 0;
}

/**
 * fpgadma_stream_start() - queue every buffer and start the engine
 * @fdev:      the device; fdev->lock held; not streaming.
 * @owner:     the file that streams from now on.
 * @copy_mode: it reads data (copy mode) rather than records.
 *
 * Return: 0, or the engine's error (the ring is then idle again).
 */
int fpgadma_stream_start(struct fpgadma_dev *fdev, struct file *owner,
			 bool copy_mode)
{
	int ret;

	lockdep_assert_held(&fdev->lock);
	spin_lock_irq(&fdev->ring_lock);
	ret = fpgadma_ring_start(&fdev->ring);
	fdev->gen++;
	if (!ret) {
		fdev->owner = owner;
		fdev->copy_mode = copy_mode;
	}
	spin_unlock_irq(&fdev->ring_lock);
	if (ret)
		return ret;

	ret = fdev->ops->start(fdev);
	if (ret) {
		spin_lock_irq(&fdev->ring_lock);
		fpgadma_ring_stop(&fdev->ring);
		fdev->gen++;
		fdev->owner = NULL;
		spin_unlock_irq(&fdev->ring_lock);
	}
	return ret;
}

/**
 * fpgadma_stream_stop() - stop the engine and take every buffer back
 * @fdev: the device; fdev->lock held; streaming.
 *
 * Nobody owns the stream afterwards. Wakes readers, whose stream
 * generation is then stale.
 */
void fpgadma_stream_stop(struct fpgadma_dev *fdev)
{
	lockdep_assert_held(&fdev->lock);
	fdev->ops->stop(fdev);
	/* A completion interrupt may still be finishing on another CPU. */
	synchronize_irq(fdev->irq);

	spin_lock_irq(&fdev->ring_lock);
	fpgadma_ring_stop(&fdev->ring);
	fdev->gen++;
	fdev->owner = NULL;
	spin_unlock_irq(&fdev->ring_lock);
	wake_up_interruptible_all(&fdev->wq);
}

static irqreturn_t fpgadma_irq(int irq, void *data)
{
	struct fpgadma_dev *fdev = data;
	irqreturn_t ret = fdev->ops->irq(fdev);

	if (ret == IRQ_HANDLED)
		atomic64_inc(&fdev->irqs);
	return ret;
}

static void fpgadma_dev_release(struct device *dev)
{
	struct fpgadma_dev *fdev = container_of(dev, struct fpgadma_dev, dev);

	fpgadma_bufs_put(fdev->bufs);
	kvfree(fdev->ring_mem);
	if (!IS_ERR_OR_NULL(fdev->map_inode))
		fpgadma_map_inode_put(fdev->map_inode);
	put_device(fdev->parent);
	kfree(fdev);
}

/**
 * fpgadma_create() - create /dev/fpgadmaN for a probed device
 * @parent: the bus device; DMA is done for it. Its DMA mask is set.
 * @ops:    the engine.
 * @regs:   the engine's registers, mapped for the lifetime of the binding.
 * @irq:    the interrupt.
 *
 * Return: the device, or an ERR_PTR().
 */
struct fpgadma_dev *fpgadma_create(struct device *parent,
				   const struct fpgadma_engine_ops *ops,
				   void __iomem *regs, int irq)
{
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
	fdev->ops = ops;
	fdev->regs = regs;
	fdev->irq = irq;
	mutex_init(&fdev->lock);
	mutex_init(&fdev->read_lock);
	spin_lock_init(&fdev->ring_lock);
	init_waitqueue_head(&fdev->wq);
	atomic64_set(&fdev->irqs, 0);
	fdev->limits = (struct fpgadma_ring_limits) {
		.page_size = PAGE_SIZE,
		.max_count = max_buf_count,
		.max_size = max_buf_size,
		.max_total = (u64)max_ring_mb << 20,
	};

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

	ret = ops->probe(fdev);
	if (ret)
		goto err_put;

	mutex_lock(&fdev->lock);
	ret = fpgadma_set_ring(fdev, buf_count ?: fdev->def_count,
			       buf_size ?: fdev->def_size);
	mutex_unlock(&fdev->lock);
	if (ret) {
		dev_err(parent, "cannot allocate the default ring: %d\n", ret);
		goto err_engine;
	}

	ret = request_irq(irq, fpgadma_irq, IRQF_SHARED, dev_name(&fdev->dev),
			  fdev);
	if (ret)
		goto err_engine;

	cdev_init(&fdev->cdev, &fpgadma_fops);
	fdev->cdev.owner = THIS_MODULE;
	ret = cdev_device_add(&fdev->cdev, &fdev->dev);
	if (ret)
		goto err_free_irq;

	dev_info(parent, "%s: %s engine, %u x %u byte buffers, irq %d\n",
		 dev_name(&fdev->dev), ops->name, fdev->bufs->count,
		 fdev->bufs->size, irq);
	return fdev;

err_free_irq:
	free_irq(irq, fdev);
err_engine:
	if (ops->remove)
		ops->remove(fdev);
err_put:
	ida_free(&fpgadma_ida, minor);
	put_device(&fdev->dev);
	return ERR_PTR(ret);
}

/**
 * fpgadma_destroy() - the bus device is going away
 * @fdev: the device.
 *
 * Stops streaming, zaps every user mapping of the buffers (a later touch
 * gets SIGBUS) and frees their DMA memory, wakes every reader and poller,
 * and removes the node. Open files keep fdev alive and get -ENODEV from
 * now on.
 */
void fpgadma_destroy(struct fpgadma_dev *fdev)
{
	int minor = MINOR(fdev->dev.devt);

	/* read_lock: no copy-mode reader is inside the buffers. */
	mutex_lock(&fdev->read_lock);
	mutex_lock(&fdev->lock);
	WRITE_ONCE(fdev->dead, true);
	if (fdev->owner)
		fpgadma_stream_stop(fdev);
	unmap_mapping_range(fdev->map_inode->i_mapping, 0, 0, 1);
	fpgadma_bufs_free_dma(fdev->bufs);
	mutex_unlock(&fdev->lock);
	mutex_unlock(&fdev->read_lock);
	wake_up_interruptible_poll(&fdev->wq, EPOLLERR | EPOLLHUP);

	free_irq(fdev->irq, fdev);
	if (fdev->ops->remove)
		fdev->ops->remove(fdev);
	fdev->engine = NULL;
	cdev_device_del(&fdev->cdev, &fdev->dev);
	ida_free(&fpgadma_ida, minor);
	put_device(&fdev->dev);
}

/* sysfs: read-only view of the ring and its counters */

static struct fpgadma_dev *to_fdev(struct device *dev)
{
	return container_of(dev, struct fpgadma_dev, dev);
}

/* A consistent copy of the ring's counters. */
static struct fpgadma_ring fpgadma_ring_snapshot(struct device *dev)
{
	struct fpgadma_dev *fdev = to_fdev(dev);
	struct fpgadma_ring snap;

	spin_lock_irq(&fdev->ring_lock);
	snap = fdev->ring;
	spin_unlock_irq(&fdev->ring_lock);
	return snap;
}

static ssize_t completed_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", fpgadma_ring_snapshot(dev).completed);
}
static DEVICE_ATTR_RO(completed);

static ssize_t dequeued_show(struct device *dev,
			     struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", fpgadma_ring_snapshot(dev).dequeued);
}
static DEVICE_ATTR_RO(dequeued);

static ssize_t released_show(struct device *dev,
			     struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", fpgadma_ring_snapshot(dev).released);
}
static DEVICE_ATTR_RO(released);

static ssize_t dropped_show(struct device *dev,
			    struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", fpgadma_ring_snapshot(dev).dropped);
}
static DEVICE_ATTR_RO(dropped);

static ssize_t streaming_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", fpgadma_ring_snapshot(dev).streaming);
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

static ssize_t engine_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "%s\n", to_fdev(dev)->ops->name);
}
static DEVICE_ATTR_RO(engine);

static ssize_t irqs_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%lld\n",
			  (long long)atomic64_read(&to_fdev(dev)->irqs));
}
static DEVICE_ATTR_RO(irqs);

static struct attribute *fpgadma_attrs[] = {
	&dev_attr_buf_count.attr,
	&dev_attr_buf_size.attr,
	&dev_attr_engine.attr,
	&dev_attr_streaming.attr,
	&dev_attr_completed.attr,
	&dev_attr_dequeued.attr,
	&dev_attr_released.attr,
	&dev_attr_dropped.attr,
	&dev_attr_irqs.attr,
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

	ret = alloc_chrdev_region(&fpgadma_devt, 0, FPGADMA_MAX_DEVICES,
				  KBUILD_MODNAME);
	if (ret)
		return ret;
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
	unregister_chrdev_region(fpgadma_devt, FPGADMA_MAX_DEVICES);
	return ret;
}

static void __exit fpgadma_exit(void)
{
	fpgadma_platform_unregister();
	fpgadma_pci_unregister();
	class_destroy(fpgadma_class);
	unregister_chrdev_region(fpgadma_devt, FPGADMA_MAX_DEVICES);
	ida_destroy(&fpgadma_ida);
}

module_init(fpgadma_init);
module_exit(fpgadma_exit);

MODULE_DESCRIPTION("Zero-copy DMA streaming from FPGAs to user space");
MODULE_AUTHOR("fpgadma developers");
MODULE_LICENSE("GPL");
