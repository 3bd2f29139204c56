/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel-version shims for fpgadma. Every version test lives here.
 * Supported: 6.1 .. 7.3, as the check lanes run them (90-vm: 6.1;
 * 95-matrix: 6.12, 6.18 PREEMPT_RT and 7.3 booted, 6.16, 6.17 and 6.18
 * built warning-free with W=1 and sparse-clean); no shim past 6.11's is
 * needed. The ring's mapping calls dma_mmap_coherent() once per VMA and
 * remap_pfn_range() on plain pages, so 6.16's PFN-tracking rework and
 * 6.17's ->mmap_prepare() (->mmap stays supported) need none either.
 */
#ifndef FPGADMA_COMPAT_H
#define FPGADMA_COMPAT_H

#include <linux/version.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/pci.h>

/* 6.3: vm_flags became read-only behind accessors. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
static inline void vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags |= flags;
}
#endif

/* 6.2: class devnode() callbacks take a const device. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
#define FPGADMA_DEVNODE_CONST
#else
#define FPGADMA_DEVNODE_CONST const
#endif

/* 6.4: class_create() lost its owner argument. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 4, 0)
#define fpgadma_class_create(name)	class_create(THIS_MODULE, name)
#else
#define fpgadma_class_create(name)	class_create(name)
#endif

/*
 * platform_driver: .remove_new (void; 6.3, and Debian's 6.1) became the
 * void .remove in 6.11, and .remove_new went away in 6.13.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 11, 0)
#define FPGADMA_PLATFORM_REMOVE	remove_new
#else
#define FPGADMA_PLATFORM_REMOVE	remove
#endif

/*
 * 6.12: a file that takes unsigned offsets says so in its operations
 * (fop_flags FOP_UNSIGNED_OFFSET) instead of in f_mode at open
 * (FMODE_UNSIGNED_OFFSET). FPGADMA_FOP_UNSIGNED_OFFSET goes in the
 * file_operations initializer, fpgadma_unsigned_offsets() in open().
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 12, 0)
#define FPGADMA_FOP_UNSIGNED_OFFSET
static inline void fpgadma_unsigned_offsets(struct file *filp)
{
	filp->f_mode |= FMODE_UNSIGNED_OFFSET;
}
#else
#define FPGADMA_FOP_UNSIGNED_OFFSET	.fop_flags = FOP_UNSIGNED_OFFSET,
static inline void fpgadma_unsigned_offsets(struct file *filp)
{
}
#endif

/* 6.8: PCI_IRQ_LEGACY was renamed PCI_IRQ_INTX. */
#ifndef PCI_IRQ_INTX
#define PCI_IRQ_INTX	PCI_IRQ_LEGACY
#endif

#endif /* FPGADMA_COMPAT_H */
