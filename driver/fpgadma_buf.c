// SPDX-License-Identifier: GPL-2.0-only
/*
 * fpgadma buffer memory: a set of coherent DMA buffers, mapped into user
 * space as one contiguous range (buffer i at offset i * size), and the
 * per-device address space that gathers those mappings so that removal
 * can zap them before freeing the memory.
 */
#include <linux/dma-mapping.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/mm.h>
#include <linux/mount.h>
#include <linux/overflow.h>
#include <linux/pseudo_fs.h>
#include <linux/slab.h>

#include "compat.h"
#include "fpgadma_core.h"

#define FPGADMA_FS_MAGIC	0x46444d41

/*
 * A pseudo file system whose inodes give each device one address space
 * (DRM does the same). No owner module: the mount is pinned only while a
 * device exists, and devices are gone before the module can unload.
 */
static struct vfsmount *fpgadma_mnt;
static int fpgadma_mnt_count;

static int fpgadma_fs_init_fs_context(struct fs_context *fc)
{
	return init_pseudo(fc, FPGADMA_FS_MAGIC) ? 0 : -ENOMEM;
}

static struct file_system_type fpgadma_fs_type = {
	.name = "fpgadma",
	.init_fs_context = fpgadma_fs_init_fs_context,
	.kill_sb = kill_anon_super,
};

/**
 * fpgadma_map_inode_new() - an inode whose address space holds a device's
 * mappings
 *
 * Return: the inode or an ERR_PTR().
 */
struct inode *fpgadma_map_inode_new(void)
{
	struct inode *inode;
	int ret;

	ret = simple_pin_fs(&fpgadma_fs_type, &fpgadma_mnt, &fpgadma_mnt_count);
	if (ret)
		return ERR_PTR(ret);
	inode = alloc_anon_inode(fpgadma_mnt->mnt_sb);
	if (IS_ERR(inode))
		simple_release_fs(&fpgadma_mnt, &fpgadma_mnt_count);
	return inode;
}

/**
 * fpgadma_map_inode_put() - release an inode of fpgadma_map_inode_new()
 * @inode: the inode.
 */
void fpgadma_map_inode_put(struct inode *inode)
{
	iput(inode);
	simple_release_fs(&fpgadma_mnt, &fpgadma_mnt_count);
}

static void fpgadma_bufs_free(struct fpgadma_bufs *bufs)
{
	fpgadma_bufs_free_dma(bufs);
	put_device(bufs->dev);
	kvfree(bufs);
}

/**
 * fpgadma_bufs_free_dma() - free the DMA memory now
 * @bufs: the buffers; no device may write them and no user mapping may
 *        reach them any more (the caller zapped the mappings).
 *
 * The structure stays until its last reference is dropped.
 */
void fpgadma_bufs_free_dma(struct fpgadma_bufs *bufs)
{
	while (bufs->nalloc) {
		struct fpgadma_buf *b = &bufs->buf[--bufs->nalloc];

		dma_free_coherent(bufs->dev, bufs->size, b->cpu, b->dma);
	}
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
	/*
	 * __GFP_RETRY_MAYFAIL: behind an IOMMU the buffers are gathered page
	 * by page from any zone, and a ring larger than free memory would
	 * OOM-kill tasks instead of failing SET_RING with ENOMEM.
	 */
	for (i = 0; i < count; i++) {
		bufs->buf[i].cpu = dma_alloc_coherent(dev, size,
						      &bufs->buf[i].dma,
						      GFP_KERNEL | __GFP_NOWARN |
						      __GFP_RETRY_MAYFAIL);
		if (!bufs->buf[i].cpu) {
			fpgadma_bufs_free(bufs);
			return NULL;
		}
		bufs->nalloc++;
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

	fpgadma_bufs_free(bufs);
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
 * Every page is mapped at mmap() time, so a fault means the mapping was
 * zapped because the device went away: refuse it rather than let the core
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

static int fpgadma_pte_noop(pte_t *pte, unsigned long addr, void *data)
{
	return 0;
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
	/* Also refuses the control area space (FPGADMA_MMAP_CTRL_BASE on). */
	if (pgoff >= ring_pages || npages > ring_pages - pgoff)
		return -EINVAL;

	/*
	 * Allocate every page table of the mapping before any PFN goes in.
	 * A memory shortage then fails mmap() with nothing mapped, rather
	 * than inside remap_pfn_range(), whose error path on a window with
	 * nothing mapped at its start WARNs in untrack_pfn() (x86 PAT,
	 * Debian 6.1.192). remap_pfn_range() then allocates nothing.
	 */
	ret = apply_to_page_range(vma->vm_mm, vma->vm_start,
				  vma->vm_end - vma->vm_start, fpgadma_pte_noop,
				  NULL);
	if (ret)
		return ret;

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
