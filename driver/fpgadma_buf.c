// SPDX-License-Identifier: GPL-2.0-only
/*
 * fpgadma buffer memory: the ring's DMA buffers, mapped into user space as
 * one contiguous range (buffer i at offset i * size), and the per-device
 * address space that gathers those mappings so that removal can zap them
 * before freeing the memory.
 *
 * Two kinds of memory, chosen per ring:
 *
 * coherent  one dma_alloc_coherent() block holds the whole ring. A mapping
 *           is one dma_mmap_coherent() call on the VMA, whose offset
 *           selects the part of the block it shows: the call as the DMA
 *           API documents it, whatever the VMA covers. On a non-coherent
 *           device the kernel maps this memory uncached.
 * cached    one dma_alloc_pages() allocation per buffer: normal cached
 *           pages, whose ownership moves with dma_sync_single_for_device()
 *           when a buffer goes to the device and dma_sync_single_for_cpu()
 *           when its data goes to the CPU (the two handoffs of the ring,
 *           as in vb2's non-coherent queues). A mapping is one
 *           remap_pfn_range() per buffer it covers, with the VMA's own
 *           (cached) protection.
 *
 * Neither edits a VMA's bounds or offset. Cached memory, and coherent
 * memory of the direct mapping, are mapped with VM_PFNMAP, so their pages
 * cannot be pinned by get_user_pages(): O_DIRECT and io_uring fixed
 * buffers that need a pin fail with EFAULT. (Behind an IOMMU,
 * dma_mmap_coherent() may insert the block's pages one by one, and those
 * can be pinned; a pin keeps a page, never the device's access to it.)
 */
#include <linux/dma-mapping.h>
#include <linux/property.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/mm.h>
#include <linux/mount.h>
#include <linux/overflow.h>
#include <linux/pseudo_fs.h>
#include <linux/slab.h>

#include <uapi/fpgadma.h>

#include "compat.h"
#include "fpgadma_core.h"

#define FPGADMA_FS_MAGIC	0x46444d41

/*
 * A ring larger than free memory must fail SET_RING with ENOMEM, not wake
 * the OOM killer: behind an IOMMU, coherent memory is gathered page by page
 * from any zone, where nothing else holds the OOM killer back (the IOMMU
 * lane's ring-limits test found it).
 */
#define FPGADMA_GFP	(GFP_KERNEL | __GFP_NOWARN | __GFP_RETRY_MAYFAIL)

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
	if (bufs->kind == FPGADMA_RING_MEM_COHERENT) {
		if (bufs->nalloc)
			dma_free_coherent(bufs->dev, bufs->bytes, bufs->cpu,
					  bufs->dma);
		bufs->nalloc = 0;
		return;
	}
	while (bufs->nalloc) {
		struct fpgadma_buf *b = &bufs->buf[--bufs->nalloc];

		dma_free_pages(bufs->dev, bufs->size, b->page, b->dma,
			       DMA_FROM_DEVICE);
	}
}

/* The whole ring in one coherent block. */
static int fpgadma_alloc_coherent(struct fpgadma_bufs *bufs)
{
	u32 i;

	/* A 32-bit kernel cannot allocate more than its size_t holds. */
	if (bufs->bytes != (size_t)bufs->bytes)
		return -ENOMEM;
	bufs->cpu = dma_alloc_coherent(bufs->dev, bufs->bytes, &bufs->dma,
				       FPGADMA_GFP);
	if (!bufs->cpu)
		return -ENOMEM;
	bufs->nalloc = 1;
	for (i = 0; i < bufs->count; i++) {
		bufs->buf[i].cpu = bufs->cpu + (size_t)i * bufs->size;
		bufs->buf[i].dma = bufs->dma + (dma_addr_t)i * bufs->size;
	}
	return 0;
}

/* One cached, zeroed allocation per buffer; all or nothing. */
static int fpgadma_alloc_cached(struct fpgadma_bufs *bufs)
{
	u32 i;

	for (i = 0; i < bufs->count; i++) {
		struct fpgadma_buf *b = &bufs->buf[i];

		b->page = dma_alloc_pages(bufs->dev, bufs->size, &b->dma,
					  DMA_FROM_DEVICE, FPGADMA_GFP);
		if (!b->page) {
			fpgadma_bufs_free_dma(bufs);
			return -ENOMEM;
		}
		bufs->nalloc++;
		/*
		 * The allocation maps the pages for the device like
		 * dma_map_page(), and DMA-API debugging wants that checked
		 * (a non-NULL page comes with a valid address).
		 */
		if (dma_mapping_error(bufs->dev, b->dma)) {
			fpgadma_bufs_free_dma(bufs);
			return -ENOMEM;
		}
		b->cpu = page_address(b->page);
		memset(b->cpu, 0, bufs->size);
		/* The zeroes reach memory before the device owns the buffer. */
		dma_sync_single_for_device(bufs->dev, b->dma, bufs->size,
					   DMA_FROM_DEVICE);
	}
	return 0;
}

/**
 * fpgadma_mem_default() - the memory kind that suits a device
 * @dev: the device.
 *
 * Return: FPGADMA_RING_MEM_CACHED if the firmware says the device does not
 * snoop CPU caches (no "dma-coherent" in its device-tree node), so that
 * user space reads cached memory rather than uncached; otherwise
 * FPGADMA_RING_MEM_AUTO (coherent if one block can be had).
 */
u32 fpgadma_mem_default(struct device *dev)
{
	return device_get_dma_attr(dev) == DEV_DMA_NON_COHERENT ?
	       FPGADMA_RING_MEM_CACHED : FPGADMA_RING_MEM_AUTO;
}

/**
 * fpgadma_bufs_alloc() - allocate a ring of DMA buffers
 * @dev:   device the buffers are for (its DMA mask applies).
 * @count: number of buffers.
 * @size:  bytes per buffer, a multiple of PAGE_SIZE.
 * @kind:  FPGADMA_RING_MEM_COHERENT, FPGADMA_RING_MEM_CACHED, or
 *         FPGADMA_RING_MEM_AUTO: coherent if one block of the whole ring's
 *         size can be had, else cached.
 *
 * Coherent memory comes from dma_alloc_coherent() (CMA where the kernel
 * has it), cached memory from dma_alloc_pages(); both are zeroed. The
 * caller validated @count and @size.
 *
 * Return: the buffers with one reference, or NULL if memory ran out (all
 * partial allocations are freed).
 */
struct fpgadma_bufs *fpgadma_bufs_alloc(struct device *dev, u32 count,
					u32 size, u32 kind)
{
	struct fpgadma_bufs *bufs;
	int ret = -ENOMEM;

	bufs = kvzalloc(struct_size(bufs, buf, count), GFP_KERNEL);
	if (!bufs)
		return NULL;
	kref_init(&bufs->ref);
	atomic_set(&bufs->mapcount, 0);
	bufs->dev = get_device(dev);
	bufs->count = count;
	bufs->size = size;
	bufs->bytes = (u64)count * size;
	if (kind != FPGADMA_RING_MEM_CACHED) {
		bufs->kind = FPGADMA_RING_MEM_COHERENT;
		ret = fpgadma_alloc_coherent(bufs);
	}
	if (ret && kind != FPGADMA_RING_MEM_COHERENT) {
		bufs->kind = FPGADMA_RING_MEM_CACHED;
		ret = fpgadma_alloc_cached(bufs);
	}
	if (ret) {
		fpgadma_bufs_free(bufs);
		return NULL;
	}
	return bufs;
}

/**
 * fpgadma_bufs_for_device() - hand a buffer's memory to the device
 * @bufs:  the buffers (DMA memory allocated).
 * @index: the buffer.
 *
 * Cached memory: no dirty line may be written back over what the device
 * writes next. Nothing to do for coherent memory.
 */
void fpgadma_bufs_for_device(struct fpgadma_bufs *bufs, u32 index)
{
	if (bufs->kind == FPGADMA_RING_MEM_CACHED)
		dma_sync_single_for_device(bufs->dev, bufs->buf[index].dma,
					   bufs->size, DMA_FROM_DEVICE);
}

/**
 * fpgadma_bufs_for_cpu() - hand what the device wrote to the CPU
 * @bufs:  the buffers (DMA memory allocated).
 * @index: the buffer.
 * @len:   bytes the device wrote from its start (at most the size).
 *
 * Cached memory: the CPU (and the user mapping) sees the device's @len
 * bytes, not stale cache lines. Nothing to do for coherent memory.
 */
void fpgadma_bufs_for_cpu(struct fpgadma_bufs *bufs, u32 index, u32 len)
{
	if (bufs->kind == FPGADMA_RING_MEM_CACHED && len)
		dma_sync_single_for_cpu(bufs->dev, bufs->buf[index].dma,
					min(len, bufs->size), DMA_FROM_DEVICE);
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
 * Cached memory: each buffer's part of the VMA by its own remap_pfn_range()
 * (the pages are the kernel's normal memory, mapped with the VMA's
 * protection). A call that covers only part of a VMA tracks no memory
 * type of its own, so the calls do not depend on one another.
 */
static int fpgadma_mmap_cached(struct fpgadma_bufs *bufs,
			       struct vm_area_struct *vma)
{
	unsigned long buf_pages = bufs->size >> PAGE_SHIFT;
	unsigned long npages = vma_pages(vma);
	unsigned long pgoff = vma->vm_pgoff;
	unsigned long addr = vma->vm_start;
	int ret;

	while (npages) {
		u32 b = pgoff / buf_pages;
		unsigned long off = pgoff % buf_pages;
		unsigned long n = min(npages, buf_pages - off);

		ret = remap_pfn_range(vma, addr,
				      page_to_pfn(bufs->buf[b].page) + off,
				      n << PAGE_SHIFT, vma->vm_page_prot);
		if (ret)
			return ret;
		addr += n << PAGE_SHIFT;
		pgoff += n;
		npages -= n;
	}
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
 * or the error of the mapping call.
 */
int fpgadma_bufs_mmap(struct fpgadma_bufs *bufs, struct vm_area_struct *vma)
{
	unsigned long ring_pages = bufs->bytes >> PAGE_SHIFT;
	unsigned long npages = vma_pages(vma);
	unsigned long pgoff = vma->vm_pgoff;
	int ret;

	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	/* Also refuses the control area space (FPGADMA_MMAP_CTRL_BASE on). */
	if (pgoff >= ring_pages || npages > ring_pages - pgoff)
		return -EINVAL;

	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	if (bufs->kind == FPGADMA_RING_MEM_COHERENT)
		ret = dma_mmap_coherent(bufs->dev, vma, bufs->cpu, bufs->dma,
					bufs->bytes);
	else
		ret = fpgadma_mmap_cached(bufs, vma);
	if (ret)
		return ret;
	vma->vm_ops = &fpgadma_vm_ops;
	vma->vm_private_data = bufs;
	fpgadma_vm_open(vma);
	return 0;
}
