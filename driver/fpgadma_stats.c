// SPDX-License-Identifier: GPL-2.0-only
/*
 * fpgadma latency histogram and debugfs.
 *
 * /sys/kernel/debug/fpgadma/fpgadmaN/latency (root only) shows, for each
 * record-mode reader (read() or EXCHANGE) that found no record ready, by a
 * read() that then slept or got EAGAIN or by a poll() that said not ready,
 * the time from the timestamp of the first record it takes afterwards
 * (CLOCK_MONOTONIC, taken in the completion interrupt unless the engine
 * supplied one) to the moment it took that record, after the record's copy
 * to user space: interrupt, wakeup, and the way back into read(). One line
 * per non-empty log2 bucket, then count, min, max and mean. Writing "0"
 * resets it; anything else is refused with EINVAL.
 *
 * The directory exists from probe to remove. debugfs's file proxy makes
 * removal wait for the file operations in progress and fails later ones
 * (EIO), so a file held open across removal never touches the device.
 * Without CONFIG_DEBUG_FS the debugfs calls do nothing.
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/limits.h>
#include <linux/log2.h>
#include <linux/math64.h>
#include <linux/seq_file.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "fpgadma_core.h"

static struct dentry *fpgadma_debugfs_root;

/**
 * fpgadma_lat_reset() - forget every sample
 * @lat: the histogram.
 */
void fpgadma_lat_reset(struct fpgadma_lat *lat)
{
	int b;

	for (b = 0; b < FPGADMA_LAT_BUCKETS; b++)
		atomic64_set(&lat->bucket[b], 0);
	atomic64_set(&lat->min_ns, S64_MAX);
	atomic64_set(&lat->max_ns, 0);
	atomic64_set(&lat->sum_ns, 0);
}

/**
 * fpgadma_lat_add() - count one sample
 * @lat: the histogram.
 * @ns:  the latency in nanoseconds.
 *
 * Lock free; callable from any context.
 */
void fpgadma_lat_add(struct fpgadma_lat *lat, u64 ns)
{
	s64 v = min_t(u64, ns, S64_MAX), old;
	int b = ns ? min_t(int, ilog2(ns), FPGADMA_LAT_BUCKETS - 1) : 0;

	atomic64_inc(&lat->bucket[b]);
	atomic64_add(v, &lat->sum_ns);
	old = atomic64_read(&lat->min_ns);
	while (v < old && !atomic64_try_cmpxchg(&lat->min_ns, &old, v))
		;
	old = atomic64_read(&lat->max_ns);
	while (v > old && !atomic64_try_cmpxchg(&lat->max_ns, &old, v))
		;
}

static int fpgadma_latency_show(struct seq_file *s, void *unused)
{
	struct fpgadma_lat *lat = s->private;
	u64 count = 0, n, sum;
	s64 min, max;
	int b;

	for (b = 0; b < FPGADMA_LAT_BUCKETS; b++) {
		n = atomic64_read(&lat->bucket[b]);
		if (!n)
			continue;
		count += n;
		if (b == FPGADMA_LAT_BUCKETS - 1)
			seq_printf(s, "%llu- ns: %llu\n", 1ULL << b, n);
		else
			seq_printf(s, "%llu-%llu ns: %llu\n", b ? 1ULL << b : 0,
				   (2ULL << b) - 1, n);
	}
	min = atomic64_read(&lat->min_ns);
	max = atomic64_read(&lat->max_ns);
	sum = atomic64_read(&lat->sum_ns);
	seq_printf(s, "count: %llu\n", count);
	seq_printf(s, "min_ns: %lld\n", count ? min : 0);
	seq_printf(s, "max_ns: %lld\n", max);
	seq_printf(s, "mean_ns: %llu\n", count ? div64_u64(sum, count) : 0);
	return 0;
}

static int fpgadma_latency_open(struct inode *inode, struct file *file)
{
	return single_open(file, fpgadma_latency_show, inode->i_private);
}

/* Only "0" (an optional newline after it) resets the histogram. */
static ssize_t fpgadma_latency_write(struct file *file,
				     const char __user *ubuf, size_t len,
				     loff_t *ppos)
{
	struct fpgadma_lat *lat = ((struct seq_file *)file->private_data)->private;
	char buf[4] = {};

	if (!len || len > 2)
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	if (strcmp(buf, "0") && strcmp(buf, "0\n"))
		return -EINVAL;
	fpgadma_lat_reset(lat);
	return len;
}

static const struct file_operations fpgadma_latency_fops = {
	.owner = THIS_MODULE,
	.open = fpgadma_latency_open,
	.read = seq_read,
	.write = fpgadma_latency_write,
	.llseek = seq_lseek,
	.release = single_release,
};

/**
 * fpgadma_debugfs_init() - create /sys/kernel/debug/fpgadma at module load
 */
void fpgadma_debugfs_init(void)
{
	fpgadma_debugfs_root = debugfs_create_dir(KBUILD_MODNAME, NULL);
}

/**
 * fpgadma_debugfs_exit() - remove it at module unload
 */
void fpgadma_debugfs_exit(void)
{
	debugfs_remove_recursive(fpgadma_debugfs_root);
	fpgadma_debugfs_root = NULL;
}

/**
 * fpgadma_debugfs_add() - a device's directory and files, at probe
 * @fdev: the device, named already.
 *
 * Failures are not errors: the device works without its debugfs files.
 */
void fpgadma_debugfs_add(struct fpgadma_dev *fdev)
{
	fpgadma_lat_reset(&fdev->lat);
	if (IS_ERR_OR_NULL(fpgadma_debugfs_root))
		return;
	fdev->debugfs = debugfs_create_dir(dev_name(&fdev->dev),
					   fpgadma_debugfs_root);
	debugfs_create_file("latency", 0600, fdev->debugfs, &fdev->lat,
			    &fpgadma_latency_fops);
}

/**
 * fpgadma_debugfs_remove() - remove them, at remove, before the device goes
 * @fdev: the device.
 *
 * Waits for operations in progress on the files; later ones fail.
 */
void fpgadma_debugfs_remove(struct fpgadma_dev *fdev)
{
	debugfs_remove_recursive(fdev->debugfs);
	fdev->debugfs = NULL;
}
