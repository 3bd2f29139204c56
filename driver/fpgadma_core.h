/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fpgadma internals shared by the core, the character device and the bus
 * glue. Engines see only fpgadma_engine.h.
 *
 * Lifetime: struct fpgadma_dev is freed by the release of its embedded
 * struct device, i.e. after remove() *and* the last open file are gone.
 * The buffers' DMA memory is freed when the ring is replaced or at
 * remove(), after every user mapping of it was zapped (a later touch gets
 * SIGBUS); struct fpgadma_bufs itself is refcounted by the device and by
 * each mapping.
 *
 * Lock order: read_lock -> mmap_lock -> lock -> queue_lock or mem_lock
 * (never both) -> ring_lock. The core never calls the engine with
 * ring_lock held.
 */
#ifndef FPGADMA_CORE_H
#define FPGADMA_CORE_H

#include <linux/atomic.h>
#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/interrupt.h>
#include <linux/mod_devicetable.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <uapi/fpgadma.h>

#include "fpgadma_engine.h"
#include "fpgadma_ring.h"
#include "fpgadma_stats.h"

/**
 * struct fpgadma_buf - one DMA buffer
 * @cpu:  kernel address.
 * @dma:  bus address the device writes to.
 * @page: cached memory: its first page (dma_alloc_pages()).
 */
struct fpgadma_buf {
	void *cpu;
	dma_addr_t dma;
	struct page *page;
};

/**
 * struct fpgadma_bufs - the ring's memory
 * @ref:      lifetime: the device and every mapping hold a reference.
 * @mapcount: number of VMAs mapping the buffers.
 * @dev:      the device the memory was allocated for (reference held).
 * @kind:     FPGADMA_RING_MEM_COHERENT or FPGADMA_RING_MEM_CACHED.
 * @count:    number of buffers.
 * @size:     bytes per buffer.
 * @bytes:    count * size.
 * @nalloc:   allocations still held: coherent, the block (1 or 0);
 *            cached, the buffers; 0 once fpgadma_bufs_free_dma() ran at
 *            removal.
 * @cpu:      coherent: kernel address of the block.
 * @dma:      coherent: bus address of the block.
 * @buf:      the buffers.
 */
struct fpgadma_bufs {
	struct kref ref;
	atomic_t mapcount;
	struct device *dev;
	u32 kind;
	u32 count;
	u32 size;
	u64 bytes;
	u32 nalloc;
	void *cpu;
	dma_addr_t dma;
	struct fpgadma_buf buf[];
};

/**
 * struct fpgadma_shm - the shared-ring control area (FPGADMA_CAP_SHARED)
 * @ref:       lifetime: the device and every mapping hold a reference.
 * @mapcount:  number of VMAs mapping the area.
 * @mem:       the area (zeroed pages, vmap()ed VM_USERMAP; mapped cached).
 * @size:      its bytes, a multiple of PAGE_SIZE.
 * @count:     buffers of the ring it was sized for.
 * @entries:   entries of each ring (power of two >= @count).
 * @comp_prod: the kernel's completion producer; ring_lock.
 * @rel_cons:  the kernel's release consumer; ring_lock.
 * @lat_armed: a shared-mode waiter found nothing: the next record
 *             produced is its latency sample (fpgadma_shm_lat_arm());
 *             ring_lock, as the three below.
 * @lat_index: that record's buffer,
 * @lat_seq:   its sequence,
 * @lat_ts:    its timestamp, or 0 while none was produced.
 * @cnt:       the kernel's counters, copied to the area; ring_lock.
 * @accept:    @count indices accepted in one pass; queue_lock.
 * @info:      the layout user space gets.
 *
 * Nothing user space can write is read more than once per use or trusted:
 * the kernel keeps its indices here and publishes copies.
 */
struct fpgadma_shm {
	struct kref ref;
	atomic_t mapcount;
	void *mem;
	size_t size;
	u32 count;
	u32 entries;
	u32 comp_prod;
	u32 rel_cons;
	bool lat_armed;
	u32 lat_index;
	u64 lat_seq;
	u64 lat_ts;
	struct fpgadma_shm_counters cnt;
	u32 *accept;
	struct fpgadma_shm_info info;
};

/**
 * struct fpgadma_dev - one fpgadma device (/dev/fpgadmaN)
 * @dev:         the class device; its release frees this structure.
 * @cdev:        the character device.
 * @parent:      the bus device (reference held).
 * @dma_dev:     the device that does the DMA, for which the buffers are
 *               allocated: the engine's info.dma_dev, else @parent
 *               (reference held).
 * @engine:      the engine.
 * @engine_data: the engine's private state.
 * @irq:         interrupt number, or 0: the engine has no interrupt.
 * @map_inode:   its address space gathers every mapping of the buffers,
 *               from any open file, so that removal can zap them.
 * @lock:        protects @bufs, @ring_mem, @dead, @wedged and ring
 *               reconfiguration, start and stop; held to change @owner.
 * @read_lock:   serialises consumers between taking a record and copying
 *               it out, and the files' copy-mode positions.
 * @queue_lock:  serialises handing buffers to the engine (->start,
 *               ->queue, ->stop), so that the engine gets them in the
 *               ring's queue order; never held across user copies.
 * @mem_lock:    read: the CPU touches the buffers' DMA memory (copy mode;
 *               never across a page fault). Write: it is freed.
 * @ring_lock:   protects @ring and @gen; taken in the interrupt handler;
 *               also held to change @owner and @copy_mode, so that the
 *               read and release fast paths can check them under it alone.
 * @wq:          readers and pollers wait here.
 * @ring:        buffer ownership.
 * @ring_mem:    state memory of @ring.
 * @buf_size:    bytes per buffer of @ring; ring_lock.
 * @cached:      @ring's memory is cached (its handoffs need syncs);
 *               ring_lock.
 * @gen:         bumped whenever the ring starts, stops or is replaced.
 * @bufs:        the buffers.
 * @shm:         the shared-ring control area, sized with @bufs.
 * @shm_work:    consumes the release ring for the completion path.
 * @shared:      @owner streams in shared-ring mode; ring_lock.
 * @xfer:        scratch list of buffers for the engine; @queue_lock.
 * @owner:       the file that streams, or NULL.
 * @copy_mode:   @owner streams in copy mode (read() returns data).
 * @dead:        the device was removed (or shut down).
 * @wedged:      the engine did not stop: the device may still write the
 *               buffers, so they are neither reused nor freed.
 * @irqs:        interrupts handled.
 * @dev_errors:  errors the engine reported outside a completion.
 * @starving:    the engine has no buffer to fill while streaming (an
 *               episode of starvation is on); ring_lock.
 * @starved:     episodes of starvation since probe; ring_lock.
 * @starved_ns:  their total length, ended episodes only; ring_lock.
 * @starved_at:  when the episode on began (CLOCK_MONOTONIC); ring_lock.
 * @limits:      what a ring configuration may ask for.
 * @lat:         interrupt-to-wakeup latency histogram (fpgadma_stats.c).
 * @debugfs:     the device's debugfs directory, or NULL or an ERR_PTR().
 * @info:        what the engine reported at probe.
 */
struct fpgadma_dev {
	struct device dev;
	struct cdev cdev;
	struct device *parent;
	struct device *dma_dev;
	const struct fpgadma_engine *engine;
	void *engine_data;
	int irq;
	struct inode *map_inode;

	/* config, owner, dead; see the kernel-doc above for every lock */
	struct mutex lock;
	/* consumers' take-and-copy; copy-mode positions */
	struct mutex read_lock;
	/* buffers to the engine, in ring order */
	struct mutex queue_lock;
	/* CPU access to the DMA memory vs its freeing */
	struct rw_semaphore mem_lock;
	/* ring state and gen; taken in hard IRQ context */
	spinlock_t ring_lock;
	wait_queue_head_t wq;

	struct fpgadma_ring ring;
	void *ring_mem;
	u32 buf_size;
	bool cached;
	u32 gen;
	struct fpgadma_bufs *bufs;
	struct fpgadma_shm *shm;
	struct work_struct shm_work;
	struct fpgadma_xfer *xfer;
	struct file *owner;
	bool copy_mode;
	bool shared;
	bool dead;
	bool wedged;
	atomic64_t irqs;
	atomic64_t dev_errors;
	bool starving;
	u64 starved;
	u64 starved_ns;
	u64 starved_at;

	struct fpgadma_ring_limits limits;
	struct fpgadma_engine_info info;
	struct fpgadma_lat lat;
	struct dentry *debugfs;
};

/**
 * struct fpgadma_copy - a copy-mode reader's position in the stream
 * @gen:    stream generation it belongs to; stale once the stream stops.
 * @held:   a buffer is partly read.
 * @index:  that buffer.
 * @offset: next byte to copy.
 * @len:    its bytes_used.
 */
struct fpgadma_copy {
	u32 gen;
	bool held;
	u32 index;
	u32 offset;
	u32 len;
};

/* fpgadma_buf.c */
u32 fpgadma_mem_default(struct device *dev);
struct fpgadma_bufs *fpgadma_bufs_alloc(struct device *dev, u32 count,
					u32 size, u32 kind);
void fpgadma_bufs_for_device(struct fpgadma_bufs *bufs, u32 index);
void fpgadma_bufs_for_cpu(struct fpgadma_bufs *bufs, u32 index, u32 len);
void fpgadma_bufs_get(struct fpgadma_bufs *bufs);
void fpgadma_bufs_put(struct fpgadma_bufs *bufs);
void fpgadma_bufs_free_dma(struct fpgadma_bufs *bufs);
int fpgadma_bufs_mmap(struct fpgadma_bufs *bufs, struct vm_area_struct *vma);
struct inode *fpgadma_map_inode_new(void);
void fpgadma_map_inode_put(struct inode *inode);

/* fpgadma_main.c */
struct fpgadma_dev *fpgadma_create(const struct fpgadma_hw *hw,
				   const struct fpgadma_engine *engine);
void fpgadma_destroy(struct fpgadma_dev *fdev);
void fpgadma_shutdown(struct fpgadma_dev *fdev);
int fpgadma_set_ring(struct fpgadma_dev *fdev, u32 count, u32 size,
		     u32 kind);
int fpgadma_stream_start(struct fpgadma_dev *fdev, struct file *owner,
			 bool copy_mode, bool shared);
int fpgadma_stream_stop(struct fpgadma_dev *fdev);
void fpgadma_starved_get(struct fpgadma_dev *fdev, u64 *events, u64 *ns);
int fpgadma_give_back(struct fpgadma_dev *fdev, struct file *filp,
		      const u32 *gen, const u32 *index, u32 n);
const struct fpgadma_xfer *fpgadma_xfers(struct fpgadma_dev *fdev,
					 const u32 *index, u32 n);
extern const struct attribute_group *fpgadma_groups[];

/* fpgadma_shm.c */
struct fpgadma_shm *fpgadma_shm_alloc(u32 count);
void fpgadma_shm_put(struct fpgadma_shm *shm);
int fpgadma_shm_mmap(struct fpgadma_shm *shm, struct vm_area_struct *vma);
void fpgadma_shm_reset(struct fpgadma_shm *shm);
void fpgadma_shm_gone(struct fpgadma_shm *shm);
void fpgadma_shm_produce(struct fpgadma_dev *fdev, u32 n_ok);
void fpgadma_shm_consume(struct fpgadma_dev *fdev);
void fpgadma_shm_work(struct work_struct *work);
bool fpgadma_shm_ready(struct fpgadma_dev *fdev);
bool fpgadma_shm_starving(struct fpgadma_dev *fdev);
void fpgadma_shm_lat_arm(struct fpgadma_dev *fdev);
void fpgadma_shm_lat_take(struct fpgadma_dev *fdev);

/* fpgadma_cdev.c */
extern const struct file_operations fpgadma_fops;

/* fpgadma_pci.c */
int fpgadma_pci_register(void);
void fpgadma_pci_unregister(void);

/* fpgadma_platform.c */
int fpgadma_platform_register(void);
void fpgadma_platform_unregister(void);

/* fpgadma_ids.c: which engine drives which device */
extern const struct pci_device_id fpgadma_pci_ids[];
extern const struct fpgadma_engine *const fpgadma_pci_default_engine;
extern const struct of_device_id fpgadma_of_ids[];
extern const struct platform_device_id fpgadma_platform_ids[];

#endif /* FPGADMA_CORE_H */
