/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fpgadma internals shared by the character device, the bus glue and the
 * engines.
 *
 * Lifetime: struct fpgadma_dev is freed by the release of its embedded
 * struct device, i.e. after remove() *and* the last open file are gone.
 * The buffers' DMA memory is freed when the ring is replaced or at
 * remove(), after every user mapping of it was zapped (a later touch gets
 * SIGBUS); struct fpgadma_bufs itself is refcounted by the device and by
 * each mapping.
 *
 * Lock order: read_lock -> mmap_lock -> lock -> ring_lock.
 */
#ifndef FPGADMA_CORE_H
#define FPGADMA_CORE_H

#include <linux/atomic.h>
#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/interrupt.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

#include "fpgadma_ring.h"

struct fpgadma_dev;

/**
 * struct fpgadma_engine_ops - one kind of DMA hardware
 * @name:     engine name reported to users.
 * @bar:      PCI BAR holding the registers.
 * @probe:    check the hardware, set fdev's limits and defaults; may sleep.
 * @remove:   undo @probe; the engine is stopped and its IRQ freed.
 * @start:    the ring was just started (all buffers queued): start filling
 *            buffers. Called with fdev->lock held; may sleep.
 * @stop:     stop filling: on return no transfer is in flight and no more
 *            completions will be reported. fdev->lock held; may sleep.
 * @queue:    optional: @n buffers in @index were given back to the device
 *            (they are at the end of the ring's queue, in this order).
 *            Called with fdev->ring_lock held, interrupts off.
 * @set_coalesce: optional: interrupt after @count completions or @usecs
 *            after the first; fdev->lock held. -EINVAL if unsupported.
 * @irq:      interrupt handler; reports completions with the ring helpers
 *            under fdev->ring_lock. Returns IRQ_NONE if the device did not
 *            interrupt (the line may be shared).
 */
struct fpgadma_engine_ops {
	const char *name;
	int bar;
	int (*probe)(struct fpgadma_dev *fdev);
	void (*remove)(struct fpgadma_dev *fdev);
	int (*start)(struct fpgadma_dev *fdev);
	void (*stop)(struct fpgadma_dev *fdev);
	void (*queue)(struct fpgadma_dev *fdev, const u32 *index, u32 n);
	int (*set_coalesce)(struct fpgadma_dev *fdev, u32 count, u32 usecs);
	irqreturn_t (*irq)(struct fpgadma_dev *fdev);
};

/**
 * struct fpgadma_buf - one DMA buffer
 * @cpu: kernel address.
 * @dma: bus address the device writes to.
 */
struct fpgadma_buf {
	void *cpu;
	dma_addr_t dma;
};

/**
 * struct fpgadma_bufs - the ring's memory
 * @ref:      lifetime: the device and every mapping hold a reference.
 * @mapcount: number of VMAs mapping the buffers.
 * @dev:      the device the memory was allocated for (reference held).
 * @count:    number of buffers.
 * @size:     bytes per buffer.
 * @nalloc:   buffers whose DMA memory is still allocated (count, or 0
 *            once fpgadma_bufs_free_dma() ran at removal).
 * @buf:      the buffers.
 */
struct fpgadma_bufs {
	struct kref ref;
	atomic_t mapcount;
	struct device *dev;
	u32 count;
	u32 size;
	u32 nalloc;
	struct fpgadma_buf buf[];
};

/**
 * struct fpgadma_dev - one fpgadma device (/dev/fpgadmaN)
 * @dev:         the class device; its release frees this structure.
 * @cdev:        the character device.
 * @parent:      the bus device, used for DMA (reference held).
 * @ops:         the engine.
 * @engine:      engine private data.
 * @regs:        engine registers.
 * @irq:         interrupt number.
 * @map_inode:   its address space gathers every mapping of the buffers,
 *               from any open file, so that removal can zap them.
 * @lock:        protects @bufs, @ring_mem, @dead and ring reconfiguration,
 *               start and stop; held to change @owner and @copy_mode.
 * @read_lock:   serialises consumers between taking a record and copying
 *               it out, and protects @copy.
 * @ring_lock:   protects @ring and @gen; taken in the interrupt handler;
 *               also held to change @owner and @copy_mode, so that the
 *               read and release fast paths can check them under it alone.
 * @wq:          readers and pollers wait here.
 * @ring:        buffer ownership.
 * @ring_mem:    state memory of @ring.
 * @gen:         bumped whenever the ring starts, stops or is replaced.
 * @bufs:        the buffers.
 * @owner:       the file that streams, or NULL.
 * @copy_mode:   @owner streams in copy mode (read() returns data).
 * @dead:        the device was removed.
 * @copy:        copy-mode position: @copy.held buffer @copy.index of
 *               @copy.len bytes, next byte at @copy.offset, taken in
 *               stream generation @copy.gen.
 * @irqs:        interrupts handled.
 * @limits:      what a ring configuration may ask for.
 * @max_xfer:    most bytes the engine writes into one buffer.
 * @dma_bits:    DMA address width.
 * @def_count:   default number of buffers.
 * @def_size:    default buffer size.
 */
struct fpgadma_dev {
	struct device dev;
	struct cdev cdev;
	struct device *parent;
	const struct fpgadma_engine_ops *ops;
	void *engine;
	void __iomem *regs;
	int irq;
	struct inode *map_inode;

	/* config, owner, dead; see the kernel-doc above for all three locks */
	struct mutex lock;
	/* consumers' take-and-copy; copy-mode position */
	struct mutex read_lock;
	/* ring state and gen; taken in hard IRQ context */
	spinlock_t ring_lock;
	wait_queue_head_t wq;

	struct fpgadma_ring ring;
	void *ring_mem;
	u32 gen;
	struct fpgadma_bufs *bufs;
	struct file *owner;
	bool copy_mode;
	bool dead;
	struct {
		bool held;
		u32 index;
		u32 offset;
		u32 len;
		u32 gen;
	} copy;
	atomic64_t irqs;

	struct fpgadma_ring_limits limits;
	u32 max_xfer;
	u32 dma_bits;
	u32 def_count;
	u32 def_size;
};

/* fpgadma_buf.c */
struct fpgadma_bufs *fpgadma_bufs_alloc(struct device *dev, u32 count,
					u32 size);
void fpgadma_bufs_get(struct fpgadma_bufs *bufs);
void fpgadma_bufs_put(struct fpgadma_bufs *bufs);
void fpgadma_bufs_free_dma(struct fpgadma_bufs *bufs);
int fpgadma_bufs_mmap(struct fpgadma_bufs *bufs, struct vm_area_struct *vma);
struct inode *fpgadma_map_inode_new(void);
void fpgadma_map_inode_put(struct inode *inode);

/* fpgadma_main.c */
struct fpgadma_dev *fpgadma_create(struct device *parent,
				   const struct fpgadma_engine_ops *ops,
				   void __iomem *regs, int irq);
void fpgadma_destroy(struct fpgadma_dev *fdev);
int fpgadma_set_ring(struct fpgadma_dev *fdev, u32 count, u32 size);
int fpgadma_stream_start(struct fpgadma_dev *fdev, struct file *owner,
			 bool copy_mode);
void fpgadma_stream_stop(struct fpgadma_dev *fdev);
extern const struct attribute_group *fpgadma_groups[];

/* fpgadma_cdev.c */
extern const struct file_operations fpgadma_fops;

/* fpgadma_pci.c */
int fpgadma_pci_register(void);
void fpgadma_pci_unregister(void);

/* fpgadma_platform.c */
int fpgadma_platform_register(void);
void fpgadma_platform_unregister(void);

/**
 * struct fpgadma_platform_data - a device whose registers are not MMIO
 * @regs: the register block (the software model's memory).
 * @irq:  its interrupt.
 */
struct fpgadma_platform_data {
	void __iomem *regs;
	int irq;
};

/* Engines */
extern const struct fpgadma_engine_ops fpgadma_edu_ops;
extern const struct fpgadma_engine_ops fpgadma_stream_ops;

/**
 * fpgadma_wake_readers() - tell readers and pollers that records are ready
 * @fdev: the device.
 */
static inline void fpgadma_wake_readers(struct fpgadma_dev *fdev)
{
	wake_up_interruptible_poll(&fdev->wq, EPOLLIN | EPOLLRDNORM);
}

#endif /* FPGADMA_CORE_H */
