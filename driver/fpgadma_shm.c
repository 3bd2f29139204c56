// SPDX-License-Identifier: GPL-2.0-only
/*
 * fpgadma shared rings (FPGADMA_CAP_SHARED): a completion ring the kernel
 * produces and a release ring user space produces, in one control area of
 * kernel memory mapped into the consumer, so that no system call is needed
 * per buffer while data flows. The protocol and its memory ordering, pairs
 * (A) to (G), are described in include/uapi/fpgadma.h; this file names
 * them where they happen.
 *
 * Nothing user space writes is trusted: every shared index is read once
 * into a local, the kernel keeps its own producer and consumer, and the
 * ring's ownership state (not the release ring) decides whether a buffer
 * may go back to the device.
 */
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include <uapi/fpgadma.h>

#include "fpgadma_core.h"
#include "fpgadma_shring.h"
#include "fpgadma_trace.h"

/*
 * The header page: each index on a line of its own (128 bytes covers the
 * largest line of the supported CPUs), so that producer and consumer do
 * not share one.
 */
#define SHM_LINE		128
#define SHM_COMP_PROD		(0 * SHM_LINE)
#define SHM_COMP_CONS		(1 * SHM_LINE)
#define SHM_REL_PROD		(2 * SHM_LINE)
#define SHM_REL_CONS		(3 * SHM_LINE)
#define SHM_FLAGS		(4 * SHM_LINE)
#define SHM_COUNTERS		(5 * SHM_LINE)
#define SHM_HEADER		(SHM_COUNTERS + sizeof(struct fpgadma_shm_counters))

static u32 *shm_u32(const struct fpgadma_shm *shm, u32 off)
{
	return (u32 *)((char *)shm->mem + off);
}

static struct fpgadma_record *shm_comp(const struct fpgadma_shm *shm)
{
	return (struct fpgadma_record *)((char *)shm->mem +
					 shm->info.comp_ring_off);
}

/*
 * vmalloc_user() without its allocation-failure splat: a ring's control
 * area failing to allocate is an ENOMEM for SET_RING, not a kernel
 * warning. Zeroed pages, mapped VM_USERMAP for remap_vmalloc_range();
 * VM_MAP_PUT_PAGES makes vfree() free the pages and the array.
 */
static void *fpgadma_shm_vmalloc(size_t size)
{
	unsigned int i, n = size >> PAGE_SHIFT;
	struct page **pages;
	void *mem;

	pages = kvcalloc(n, sizeof(*pages), GFP_KERNEL | __GFP_NOWARN);
	if (!pages)
		return NULL;
	for (i = 0; i < n; i++) {
		pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN);
		if (!pages[i])
			goto err;
	}
	mem = vmap(pages, n, VM_MAP | VM_USERMAP | VM_MAP_PUT_PAGES,
		   PAGE_KERNEL);
	if (mem)
		return mem;
err:
	while (i--)
		__free_page(pages[i]);
	kvfree(pages);
	return NULL;
}

/**
 * fpgadma_shm_alloc() - allocate a control area for a ring of @count buffers
 * @count: buffers in the ring (validated by the caller).
 *
 * Return: the area with one reference, or NULL if memory ran out.
 */
struct fpgadma_shm *fpgadma_shm_alloc(u32 count)
{
	u32 entries = roundup_pow_of_two(count);
	size_t comp_off = PAGE_SIZE, rel_off, size;
	struct fpgadma_shm *shm;

	BUILD_BUG_ON(SHM_HEADER > PAGE_SIZE);
	rel_off = PAGE_ALIGN(comp_off +
			     (size_t)entries * sizeof(struct fpgadma_record));
	size = PAGE_ALIGN(rel_off + (size_t)entries * sizeof(u32));

	shm = kzalloc(sizeof(*shm), GFP_KERNEL | __GFP_NOWARN);
	if (!shm)
		return NULL;
	shm->mem = fpgadma_shm_vmalloc(size);
	shm->accept = kvcalloc(count, sizeof(*shm->accept),
			       GFP_KERNEL | __GFP_NOWARN);
	if (!shm->mem || !shm->accept) {
		kvfree(shm->accept);
		vfree(shm->mem);
		kfree(shm);
		return NULL;
	}
	kref_init(&shm->ref);
	atomic_set(&shm->mapcount, 0);
	shm->size = size;
	shm->count = count;
	shm->entries = entries;
	shm->info = (struct fpgadma_shm_info) {
		.mmap_offset = FPGADMA_MMAP_CTRL_BASE,
		.mmap_size = size,
		.comp_entries = entries,
		.rel_entries = entries,
		.comp_prod_off = SHM_COMP_PROD,
		.comp_cons_off = SHM_COMP_CONS,
		.comp_ring_off = comp_off,
		.rel_prod_off = SHM_REL_PROD,
		.rel_cons_off = SHM_REL_CONS,
		.rel_ring_off = rel_off,
		.flags_off = SHM_FLAGS,
		.counters_off = SHM_COUNTERS,
	};
	return shm;
}

static void fpgadma_shm_release(struct kref *ref)
{
	struct fpgadma_shm *shm = container_of(ref, struct fpgadma_shm, ref);

	kvfree(shm->accept);
	vfree(shm->mem);
	kfree(shm);
}

/**
 * fpgadma_shm_put() - drop a reference; the last one frees the area
 * @shm: the area, or NULL.
 */
void fpgadma_shm_put(struct fpgadma_shm *shm)
{
	if (shm)
		kref_put(&shm->ref, fpgadma_shm_release);
}

static void fpgadma_shm_vm_open(struct vm_area_struct *vma)
{
	struct fpgadma_shm *shm = vma->vm_private_data;

	kref_get(&shm->ref);
	atomic_inc(&shm->mapcount);
}

static void fpgadma_shm_vm_close(struct vm_area_struct *vma)
{
	struct fpgadma_shm *shm = vma->vm_private_data;

	atomic_dec(&shm->mapcount);
	fpgadma_shm_put(shm);
}

/*
 * Every page is inserted at mmap() time (and copied at fork), and removal
 * leaves the area mapped, so only the user's own zap (MADV_DONTNEED) can
 * fault: SIGBUS, never a page of its own.
 */
static vm_fault_t fpgadma_shm_vm_fault(struct vm_fault *vmf)
{
	return VM_FAULT_SIGBUS;
}

static const struct vm_operations_struct fpgadma_shm_vm_ops = {
	.open = fpgadma_shm_vm_open,
	.close = fpgadma_shm_vm_close,
	.fault = fpgadma_shm_vm_fault,
};

/**
 * fpgadma_shm_mmap() - map part or all of the control area
 * @shm: the area.
 * @vma: the mapping; vm_pgoff is FPGADMA_MMAP_CTRL_BASE's page or later.
 *
 * remap_vmalloc_range() inserts the pages of the vmalloc_user() memory
 * (cached, as the kernel sees it). The mapping holds a reference on @shm.
 *
 * Return: 0; -EINVAL for a private or executable mapping or a range
 * outside the area.
 */
int fpgadma_shm_mmap(struct fpgadma_shm *shm, struct vm_area_struct *vma)
{
	unsigned long pages = shm->size >> PAGE_SHIFT;
	unsigned long pgoff = vma->vm_pgoff -
			      (unsigned long)(FPGADMA_MMAP_CTRL_BASE >> PAGE_SHIFT);
	int ret;

	if (!(vma->vm_flags & VM_SHARED) || (vma->vm_flags & VM_EXEC))
		return -EINVAL;
	if (pgoff >= pages || vma_pages(vma) > pages - pgoff)
		return -EINVAL;
	ret = remap_vmalloc_range(vma, shm->mem, pgoff);
	if (ret)
		return ret;
	vma->vm_ops = &fpgadma_shm_vm_ops;
	vma->vm_private_data = shm;
	fpgadma_shm_vm_open(vma);
	return 0;
}

/**
 * fpgadma_shm_gone() - the device is going away
 * @shm: the area; the stream is stopped, so no other kernel writer is left.
 *
 * The area is kernel memory that each mapping holds a reference on, so it
 * stays mapped after removal (as AF_XDP's rings do): a consumer polling the
 * completion ring sees it stop rather than take SIGBUS. GONE tells it that
 * records it has not read name buffers that no longer exist; NEED_WAKEUP
 * makes its next release a system call, which fails with ENODEV. Both
 * stay: no kernel path writes the flags after this.
 */
void fpgadma_shm_gone(struct fpgadma_shm *shm)
{
	WRITE_ONCE(*shm_u32(shm, SHM_FLAGS),
		   FPGADMA_SHM_NEED_WAKEUP | FPGADMA_SHM_GONE);
}

/* Copy the kernel's counters to the area (single stores). ring_lock. */
static void fpgadma_shm_publish_counters(struct fpgadma_shm *shm)
{
	struct fpgadma_shm_counters *c = (void *)((char *)shm->mem +
						   SHM_COUNTERS);

	WRITE_ONCE(c->produced, shm->cnt.produced);
	WRITE_ONCE(c->released, shm->cnt.released);
	WRITE_ONCE(c->invalid, shm->cnt.invalid);
	WRITE_ONCE(c->garbage, shm->cnt.garbage);
	WRITE_ONCE(c->overrun, shm->cnt.overrun);
	WRITE_ONCE(c->dropped, shm->cnt.dropped);
	WRITE_ONCE(c->passes, shm->cnt.passes);
	WRITE_ONCE(c->wakeups, shm->cnt.wakeups);
}

/**
 * fpgadma_shm_reset() - a shared-mode stream starts
 * @shm: the area; fdev->ring_lock held.
 *
 * Zeroes the indices, the flags and the counters, the kernel's own copies
 * and the area's.
 */
void fpgadma_shm_reset(struct fpgadma_shm *shm)
{
	shm->comp_prod = 0;
	shm->rel_cons = 0;
	shm->lat_armed = false;
	shm->lat_ts = 0;
	memset(&shm->cnt, 0, sizeof(shm->cnt));
	fpgadma_shm_publish_counters(shm);
	WRITE_ONCE(*shm_u32(shm, SHM_COMP_CONS), 0);
	WRITE_ONCE(*shm_u32(shm, SHM_REL_PROD), 0);
	WRITE_ONCE(*shm_u32(shm, SHM_FLAGS), 0);
	/* (E) of an empty stream: the stores above come first. */
	smp_store_release(shm_u32(shm, SHM_REL_CONS), 0);
	/* (A) of an empty stream: likewise. */
	smp_store_release(shm_u32(shm, SHM_COMP_PROD), 0);
}

/*
 * The device owns no buffer: nothing in the completion path will look at
 * the release ring again, so ask for a kick. Returns true if the release
 * ring is not empty after all (pair (G): the user's store of rel_prod, a
 * full fence, its load of the flags). ring_lock.
 */
static bool fpgadma_shm_need_wakeup(struct fpgadma_shm *shm)
{
	u32 *flags = shm_u32(shm, SHM_FLAGS);

	if (!(READ_ONCE(*flags) & FPGADMA_SHM_NEED_WAKEUP)) {
		WRITE_ONCE(*flags, FPGADMA_SHM_NEED_WAKEUP);
		shm->cnt.wakeups++;
	}
	/* (G): the flag before the producer, against the user's order. */
	smp_mb();
	return READ_ONCE(*shm_u32(shm, SHM_REL_PROD)) != shm->rel_cons;
}

/**
 * fpgadma_shm_produce() - the completion path hands done buffers over
 * @fdev: the device; ring_lock held; streaming in shared mode.
 * @n_ok: buffers just completed (the done queue holds exactly these).
 *
 * Each buffer becomes the user's at once (so the ring's state, not the
 * user's consumer index, bounds the records in flight), its data is made
 * visible to the CPU, and its record is written before the producer is
 * published (A). Queues the work item when the release ring has entries,
 * and sets NEED_WAKEUP when the device owns no buffer any more.
 */
void fpgadma_shm_produce(struct fpgadma_dev *fdev, u32 n_ok)
{
	struct fpgadma_shm *shm = fdev->shm;
	struct fpgadma_record *comp = shm_comp(shm);
	u32 mask = shm->entries - 1;
	bool kick;
	u32 index;

	lockdep_assert_held(&fdev->ring_lock);
	while (n_ok-- && !fpgadma_ring_dequeue(&fdev->ring, &index)) {
		const struct fpgadma_ring_meta *m = &fdev->ring.meta[index];
		struct fpgadma_record *r = &comp[shm->comp_prod & mask];

		if (fdev->cached)
			fpgadma_bufs_for_cpu(fdev->bufs, index, m->bytes_used);
		WRITE_ONCE(r->index, index);
		WRITE_ONCE(r->bytes_used, m->bytes_used);
		WRITE_ONCE(r->sequence, m->sequence);
		WRITE_ONCE(r->timestamp_ns, m->timestamp_ns);
		WRITE_ONCE(r->flags, m->flags);
		WRITE_ONCE(r->lost_before, m->lost_before);
		shm->cnt.dropped += m->lost_before;
		shm->cnt.produced++;
		/* Handed to the user now: the shared ring's dequeue. */
		trace_fpgadma_dequeue(fdev, index, m->sequence);
		if (shm->lat_armed && !shm->lat_ts) {
			shm->lat_index = index;
			shm->lat_seq = m->sequence;
			shm->lat_ts = m->timestamp_ns ?: 1;
		}
		shm->comp_prod++;
		/* The user's consumer: a hint, read once, for a counter. */
		if (shm->comp_prod - READ_ONCE(*shm_u32(shm, SHM_COMP_CONS)) >
		    shm->entries)
			shm->cnt.overrun++;
	}
	/* (A): the records before the producer; pairs with the user's (B). */
	smp_store_release(shm_u32(shm, SHM_COMP_PROD), shm->comp_prod);

	if (!fpgadma_ring_n_queued(&fdev->ring))
		kick = fpgadma_shm_need_wakeup(shm);
	else
		kick = READ_ONCE(*shm_u32(shm, SHM_REL_PROD)) != shm->rel_cons;
	fpgadma_shm_publish_counters(shm);
	if (kick)
		queue_work(system_highpri_wq, &fdev->shm_work);
}

/*
 * One pass over the release ring (fpgadma_shring_take()): accept what the
 * ring's state says the user holds, into shm->accept. Returns the number
 * accepted. ring_lock and queue_lock held.
 */
static u32 fpgadma_shm_take(struct fpgadma_dev *fdev, struct fpgadma_shm *shm,
			    u32 n)
{
	struct fpgadma_shring_stats st = { 0 };
	u32 prod;

	/* (D): the producer before the entries; pairs with the user's (C). */
	prod = smp_load_acquire(shm_u32(shm, SHM_REL_PROD));
	n = fpgadma_shring_take(&fdev->ring, shm_u32(shm, shm->info.rel_ring_off),
				shm->entries, prod, &shm->rel_cons, shm->accept,
				n, &st);
	shm->cnt.released += st.released;
	shm->cnt.invalid += st.invalid;
	shm->cnt.garbage += st.garbage;
	/* (E): the entries were read before the slots are handed back. */
	smp_store_release(shm_u32(shm, SHM_REL_CONS), shm->rel_cons);
	return n;
}

/**
 * fpgadma_shm_consume() - give the buffers in the release ring to the device
 * @fdev: the device; process context.
 *
 * Does nothing unless the owner streams in shared mode. The engine gets
 * the accepted buffers in the order they joined the ring's queue, under
 * queue_lock and outside ring_lock, as fpgadma_give_back() does.
 */
void fpgadma_shm_consume(struct fpgadma_dev *fdev)
{
	struct fpgadma_shm *shm;
	u32 n = 0;
	int pass;

	mutex_lock(&fdev->queue_lock);
	spin_lock_irq(&fdev->ring_lock);
	if (!fdev->shared || !fdev->ring.streaming) {
		spin_unlock_irq(&fdev->ring_lock);
		mutex_unlock(&fdev->queue_lock);
		return;
	}
	shm = fdev->shm;
	/* A second pass only if the need-wakeup check finds more. */
	for (pass = 0; pass < 2; pass++) {
		shm->cnt.passes++;
		n = fpgadma_shm_take(fdev, shm, n);
		if (n) {
			WRITE_ONCE(*shm_u32(shm, SHM_FLAGS), 0);
			break;
		}
		if (fpgadma_ring_n_queued(&fdev->ring) ||
		    !fpgadma_shm_need_wakeup(shm))
			break;
	}
	fpgadma_shm_publish_counters(shm);
	spin_unlock_irq(&fdev->ring_lock);
	if (n) {
		fpgadma_trace_released(fdev, shm->accept, n);
		fdev->engine->ops.queue(fdev, fpgadma_xfers(fdev, shm->accept, n),
					n);
	}
	mutex_unlock(&fdev->queue_lock);
}

/**
 * fpgadma_shm_work() - the completion path's consumer of the release ring
 * @work: fdev->shm_work.
 */
void fpgadma_shm_work(struct work_struct *work)
{
	fpgadma_shm_consume(container_of(work, struct fpgadma_dev, shm_work));
}

/**
 * fpgadma_shm_ready() - does the completion ring hold records to consume?
 * @fdev: the device; ring_lock held; streaming in shared mode.
 *
 * Return: true if the kernel's producer is past the user's consumer (a
 * hint: a consumer that lies about it only wakes up wrongly).
 */
bool fpgadma_shm_ready(struct fpgadma_dev *fdev)
{
	struct fpgadma_shm *shm = fdev->shm;

	return shm->comp_prod != READ_ONCE(*shm_u32(shm, SHM_COMP_CONS));
}

/**
 * fpgadma_shm_lat_arm() - a shared-mode waiter found no record
 * @fdev: the device; the owner streams in shared mode.
 *
 * A poll() that says not ready or a waiting SHM_KICK that finds nothing:
 * the first record produced from now on is the latency sample that
 * fpgadma_shm_lat_take() counts when a waiter finds it. Kernel state
 * only: nothing the user writes goes into the histogram.
 */
void fpgadma_shm_lat_arm(struct fpgadma_dev *fdev)
{
	spin_lock_irq(&fdev->ring_lock);
	if (!fdev->shm->lat_armed) {
		fdev->shm->lat_armed = true;
		fdev->shm->lat_ts = 0;
	}
	spin_unlock_irq(&fdev->ring_lock);
}

/**
 * fpgadma_shm_lat_take() - a shared-mode waiter found records
 * @fdev: the device.
 *
 * If it had found none before (fpgadma_shm_lat_arm()), one latency sample:
 * the first record produced since, from its completion to now, the
 * moment poll() or SHM_KICK tells the waiter (fpgadma_wakeup).
 */
void fpgadma_shm_lat_take(struct fpgadma_dev *fdev)
{
	struct fpgadma_shm *shm = fdev->shm;
	u64 ts = 0, seq = 0, now, lat;
	u32 index = 0;

	spin_lock_irq(&fdev->ring_lock);
	if (shm->lat_armed && shm->lat_ts) {
		ts = shm->lat_ts;
		seq = shm->lat_seq;
		index = shm->lat_index;
		shm->lat_armed = false;
	}
	spin_unlock_irq(&fdev->ring_lock);
	if (!ts)
		return;
	now = ktime_get_ns();
	lat = now > ts ? now - ts : 0;
	fpgadma_lat_add(&fdev->lat, lat);
	trace_fpgadma_wakeup(fdev, index, seq, lat);
}

/**
 * fpgadma_shm_starving() - does the device own no buffer?
 * @fdev: the device.
 *
 * Return: true if it streams and owns no buffer: no completion will come
 * to queue the work item, so only a kick gives it buffers.
 */
bool fpgadma_shm_starving(struct fpgadma_dev *fdev)
{
	bool starving;

	spin_lock_irq(&fdev->ring_lock);
	starving = fdev->ring.streaming && !fpgadma_ring_n_queued(&fdev->ring);
	spin_unlock_irq(&fdev->ring_lock);
	return starving;
}
