// SPDX-License-Identifier: GPL-2.0-only
/*
 * fpgadma buffer memory: a set of coherent DMA buffers, refcounted so that
 * it outlives the device while user space still maps it, and mapped into
 * user space as one contiguous range (buffer i at offset i * size).
 */
#include <linux/dma-mapping.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/slab.h>

#include "compat.h"
#include "fpgadma_core.h"

static void fpgadma_bufs_free(struct fpgadma_bufs *bufs, u32 n)
{
	while (n--)
		dma_free_coherent(bufs->dev, bufs->size, bufs->buf[n].cpu,
				  bufs->buf[n].dma);
	put_device(bufs->dev);
	kvfree(bufs);
}

/**
 * fpgadma_bufs_alloc() - allocate a ring of coherent DMA buffers
 * @dev:   device the buffers are for (its DMA mask applies).
 * @count: number of buffers.
 * @size:  bytes per buffer, a multiple of PAGE_SIZE.
 *
 * The buffers come from dma_alloc_coherent(), so from CMA when the kernel
 * has it, and are zeroed. The caller validated @count and @size.
 *
 * Return: the buffers with one reference, or NULL if memory ran out (all
 * partial allocations are freed).
 */
struct fpgadma_bufs *fpgadma_bufs_alloc(struct device *dev, u32 count,
					u32 size)
{
	struct fpgadma_bufs *bufs;
	u32 i;

	bufs = kvzalloc(struct_size(bufs, buf, count), GFP_KERNEL);
	if (!bufs)
		return NULL;
	kref_init(&bufs->ref);
	atomic_set(&bufs->mapcount, 0);
	bufs->dev = get_device(dev);
	bufs->count = count;
	bufs->size = size;
	for (i = 0; i < count; i++) {
		bufs->buf[i].cpu = dma_alloc_coherent(dev, size,
						      &bufs->buf[i].dma,
						      GFP_KERNEL | __GFP_NOWARN);
		if (!bufs->buf[i].cpu) {
			fpgadma_bufs_free(bufs, i);
			return NULL;
		}
	}
	return bufs;
}

/**
 * fpgadma_bufs_get() - take a reference
 * @bufs: the buffers.
 */
void fpgadma_bufs_get(struct fpgadma_bufs *bufs)
{
	kref_get(&bufs->ref);
}

static void fpgadma_bufs_release(struct kref *ref)
{
	struct fpgadma_bufs *bufs = container_of(ref, struct fpgadma_bufs, ref);

	fpgadma_bufs_free(bufs, bufs->count);
}

/**
 * fpgadma_bufs_put() - drop a reference; the last one frees the memory
 * @bufs: the buffers, or NULL.
 */
void fpgadma_bufs_put(struct fpgadma_bufs *bufs)
{
	if (bufs)
		kref_put(&bufs->ref, fpgadma_bufs_release);
}

static void fpgadma_vm_open(struct vm_area_struct *vma)
{
	struct fpgadma_bufs *bufs = vma->vm_private_data;

	fpgadma_bufs_get(bufs);
	atomic_inc(&bufs->mapcount);
}

static void fpgadma_vm_close(struct vm_area_struct *vma)
{
	struct fpgadma_bufs *bufs = vma->vm_private_data;

	atomic_dec(&bufs->mapcount);
	fpgadma_bufs_put(bufs);
}

/*
 * Every page is mapped at mmap() time, so a fault means an access outside
 * what was mapped (never expected): refuse it rather than let the core
 * invent an anonymous page.
 */
static vm_fault_t fpgadma_vm_fault(struct vm_fault *vmf)
{
	return VM_FAULT_SIGBUS;
}

static const struct vm_operations_struct fpgadma_vm_ops = {
	.open = fpgadma_vm_open,
	.close = fpgadma_vm_close,
	.fault = fpgadma_vm_fault,
};

/*
 * Map pages [pgoff, pgoff + npages) of buffer @b at user address @addr.
 *
 * dma_mmap_coherent() maps a buffer at vma->vm_start, for vma_pages(vma)
 * pages, starting vma->vm_pgoff pages into the buffer. To place several
 * buffers in one VMA we narrow the VMA's window to each buffer in turn.
 * This is safe because ->mmap() runs before the VMA is visible to anybody
 * else, and the window is restored before returning to the core.
 */
static int fpgadma_mmap_one(struct fpgadma_bufs *bufs, struct vm_area_struct *vma,
			    u32 b, unsigned long addr, unsigned long pgoff,
			    unsigned long npages)
{
	unsigned long start = vma->vm_start, end = vma->vm_end;
	unsigned long vm_pgoff = vma->vm_pgoff;
	int ret;

	vma->vm_start = addr;
	vma->vm_end = addr + (npages << PAGE_SHIFT);
	vma->vm_pgoff = pgoff;
	ret = dma_mmap_coherent(bufs->dev, vma, bufs->buf[b].cpu,
				bufs->buf[b].dma, bufs->size);
	vma->vm_start = start;
	vma->vm_end = end;
	vma->vm_pgoff = vm_pgoff;
	return ret;
}

/**
 * fpgadma_bufs_mmap() - map part or all of the ring into user space
 * @bufs: the buffers.
 * @vma:  the mapping; vm_pgoff selects the first page of the ring.
 *
 * The ring is one range of count * size bytes, buffer i at byte offset
 * i * size. The mapping holds a reference on @bufs until it is unmapped.
 *
 * Return: 0; -EINVAL for a private mapping or a range outside the ring;
 * or an error from dma_mmap_coherent().
 */
int fpgadma_bufs_mmap(struct fpgadma_bufs *bufs, struct vm_area_struct *vma)
{
	unsigned long buf_pages = bufs->size >> PAGE_SHIFT;
	unsigned long ring_pages = (unsigned long)bufs->count * buf_pages;
	unsigned long npages = vma_pages(vma);
	unsigned long pgoff = vma->vm_pgoff;
	unsigned long addr = vma->vm_start;
	int ret;

	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (pgoff >= ring_pages || npages > ring_pages - pgoff)
		return -EINVAL;

	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	while (npages) {
		u32 b = pgoff / buf_pages;
		unsigned long off = pgoff % buf_pages;
		unsigned long n = min(npages, buf_pages - off);

		ret = fpgadma_mmap_one(bufs, vma, b, addr, off, n);
		if (ret)
			return ret;
		addr += n << PAGE_SHIFT;
		pgoff += n;
		npages -= n;
	}
	vma->vm_ops = &fpgadma_vm_ops;
	vma->vm_private_data = bufs;
	fpgadma_vm_open(vma);
	return 0;
}
