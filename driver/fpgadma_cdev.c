// SPDX-License-Identifier: GPL-2.0-only
/*
 * fpgadma character device: open/release, ioctl, read, poll, mmap.
 *
 * read() has two modes, fixed per open file: a file that called
 * FPGADMA_IOC_START reads struct fpgadma_record entries (zero copy: the data
 * stays in the mapped ring); a file that read()s without START starts the
 * stream itself and reads the data bytes (copy mode, for dd and scripts).
 * A file that called FPGADMA_IOC_SHM_START gets its records through the
 * shared completion ring instead (fpgadma_shm.c); read() then fails.
 */
#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/pagemap.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <uapi/fpgadma.h>

#include "compat.h"
#include "fpgadma_core.h"
#include "fpgadma_trace.h"

/* Records copied to user space per ring_lock round trip. */
#define FPGADMA_READ_BATCH	16
/* Release indices taken on the stack; larger batches are allocated. */
#define FPGADMA_RELEASE_STACK	16

/**
 * struct fpgadma_file - per-open-file state
 * @fdev:        the device (reference held).
 * @timeout_ms:  read() timeout, 0 for none.
 * @record_mode: the file called FPGADMA_IOC_START: read() returns records.
 * @copy:        copy-mode position; fdev->read_lock.
 * @filp:        the open file.
 * @waited:      the file found no record ready (read or poll) since it
 *               last took one: the next one it takes is a latency sample
 *               (fpgadma_trace_taken()).
 */
struct fpgadma_file {
	struct fpgadma_dev *fdev;
	struct file *filp;
	u32 timeout_ms;
	bool record_mode;
	bool waited;
	struct fpgadma_copy copy;
};

/* Take fdev->lock unless interrupted; fail with -ENODEV once removed. */
static int fpgadma_lock_live(struct fpgadma_dev *fdev)
{
	int ret = mutex_lock_interruptible(&fdev->lock);

	if (ret)
		return ret;
	if (fdev->dead) {
		mutex_unlock(&fdev->lock);
		return -ENODEV;
	}
	return 0;
}

static int fpgadma_open(struct inode *inode, struct file *filp)
{
	struct fpgadma_dev *fdev = container_of(inode->i_cdev,
						struct fpgadma_dev, cdev);
	struct fpgadma_file *f;

	if (READ_ONCE(fdev->dead))
		return -ENODEV;
	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	get_device(&fdev->dev);
	f->fdev = fdev;
	f->filp = filp;
	filp->private_data = f;
	/* Mappings from every file of this device in one place (see destroy). */
	filp->f_mapping = fdev->map_inode->i_mapping;
	/*
	 * The control areas lie at FPGADMA_MMAP_CTRL_BASE, beyond the
	 * ULONG_MAX bytes the mm allows a character device's mappings on a
	 * 32-bit kernel unless the file takes unsigned offsets (as /dev/mem
	 * and DRM do). fpgadma_mmap() checks every range itself.
	 */
	fpgadma_unsigned_offsets(filp);
	return stream_open(inode, filp);
}

static int fpgadma_release(struct inode *inode, struct file *filp)
{
	struct fpgadma_file *f = filp->private_data;
	struct fpgadma_dev *fdev = f->fdev;

	mutex_lock(&fdev->lock);
	if (fdev->owner == filp)
		fpgadma_stream_stop(fdev);
	mutex_unlock(&fdev->lock);
	put_device(&fdev->dev);
	kfree(f);
	return 0;
}

static long fpgadma_ioc_info(struct fpgadma_dev *fdev, void __user *arg)
{
	struct fpgadma_info info;
	int ret;

	memset(&info, 0, sizeof(info));
	ret = fpgadma_lock_live(fdev);
	if (ret)
		return ret;
	info.api_version = FPGADMA_API_VERSION;
	info.caps = FPGADMA_CAP_STREAM | FPGADMA_CAP_COPY | FPGADMA_CAP_POLL |
		    FPGADMA_CAP_TIMEOUT | FPGADMA_CAP_RECONFIG |
		    FPGADMA_CAP_EXCHANGE | FPGADMA_CAP_MEMORY |
		    FPGADMA_CAP_SHARED | FPGADMA_CAP_STARVED;
	if (fdev->info.coalesce)
		info.caps |= FPGADMA_CAP_COALESCE;
	info.buf_count = fdev->bufs->count;
	info.buf_size = fdev->bufs->size;
	info.max_buf_count = fdev->limits.max_count;
	info.max_xfer = fdev->info.max_xfer;
	info.max_buf_size = fdev->limits.max_size;
	info.page_size = PAGE_SIZE;
	info.max_ring_size = fdev->limits.max_total;
	info.flags = fdev->owner ? FPGADMA_INFO_STREAMING : 0;
	if (fdev->bufs->kind == FPGADMA_RING_MEM_CACHED)
		info.flags |= FPGADMA_INFO_CACHED;
	info.dma_bits = fdev->info.dma_bits;
	strscpy(info.engine, fdev->engine->name, sizeof(info.engine));
	mutex_unlock(&fdev->lock);

	return copy_to_user(arg, &info, sizeof(info)) ? -EFAULT : 0;
}

static long fpgadma_ioc_set_ring(struct fpgadma_dev *fdev, void __user *arg,
				 bool write_back)
{
	struct fpgadma_ring_config cfg;
	int ret;

	if (copy_from_user(&cfg, arg, sizeof(cfg)))
		return -EFAULT;
	if ((cfg.flags & ~FPGADMA_RING_MEM_MASK) || cfg.reserved ||
	    (cfg.flags & FPGADMA_RING_MEM_MASK) == FPGADMA_RING_MEM_MASK)
		return -EINVAL;
	/*
	 * FPGADMA_IOC_SET_RING_V1 writes the geometry back unchanged: do it
	 * before changing anything, so that a fault cannot report failure
	 * for a ring that was in fact replaced.
	 */
	if (write_back && copy_to_user(arg, &cfg, sizeof(cfg)))
		return -EFAULT;
	ret = fpgadma_lock_live(fdev);
	if (ret)
		return ret;
	if (fdev->owner || atomic_read(&fdev->bufs->mapcount) ||
	    atomic_read(&fdev->shm->mapcount))
		ret = -EBUSY;
	else
		ret = fpgadma_set_ring(fdev, cfg.buf_count, cfg.buf_size,
				       cfg.flags & FPGADMA_RING_MEM_MASK);
	mutex_unlock(&fdev->lock);
	return ret;
}

static long fpgadma_ioc_start(struct file *filp)
{
	struct fpgadma_file *f = filp->private_data;
	struct fpgadma_dev *fdev = f->fdev;
	int ret;

	ret = fpgadma_lock_live(fdev);
	if (ret)
		return ret;
	if (fdev->owner == filp && !fdev->copy_mode && !fdev->shared) {
		ret = 0;
	} else if (fdev->owner) {
		ret = -EBUSY;
	} else {
		ret = fpgadma_stream_start(fdev, filp, false, false);
		if (!ret)
			f->record_mode = true;
	}
	mutex_unlock(&fdev->lock);
	return ret;
}

static long fpgadma_ioc_shm_info(struct fpgadma_dev *fdev, void __user *arg)
{
	struct fpgadma_shm_info info;
	int ret;

	ret = fpgadma_lock_live(fdev);
	if (ret)
		return ret;
	info = fdev->shm->info;
	mutex_unlock(&fdev->lock);
	return copy_to_user(arg, &info, sizeof(info)) ? -EFAULT : 0;
}

static long fpgadma_ioc_shm_start(struct file *filp, void __user *arg)
{
	struct fpgadma_file *f = filp->private_data;
	struct fpgadma_dev *fdev = f->fdev;
	struct fpgadma_shm_start st;
	int ret;

	if (copy_from_user(&st, arg, sizeof(st)))
		return -EFAULT;
	if (st.flags || st.reserved)
		return -EINVAL;
	ret = fpgadma_lock_live(fdev);
	if (ret)
		return ret;
	if (fdev->owner == filp && fdev->shared) {
		ret = 0;
	} else if (fdev->owner) {
		ret = -EBUSY;
	} else {
		ret = fpgadma_stream_start(fdev, filp, false, true);
		if (!ret)
			f->record_mode = true;
	}
	mutex_unlock(&fdev->lock);
	return ret;
}

/* Does the file stream in shared mode? Its stream generation in *gen. */
static int fpgadma_shm_owner(struct fpgadma_dev *fdev, struct file *filp,
			     u32 *gen)
{
	int ret = 0;

	spin_lock_irq(&fdev->ring_lock);
	if (fdev->owner && fdev->owner != filp)
		ret = -EBUSY;
	else if (fdev->owner != filp || !fdev->shared)
		ret = -EINVAL;
	*gen = fdev->gen;
	spin_unlock_irq(&fdev->ring_lock);
	return ret;
}

/* Something for a shared-mode waiter of stream @gen to act on? */
static bool fpgadma_shm_news(struct fpgadma_dev *fdev, u32 gen)
{
	bool news;

	if (READ_ONCE(fdev->dead))
		return true;
	spin_lock_irq(&fdev->ring_lock);
	news = fdev->gen != gen || fpgadma_shm_ready(fdev);
	spin_unlock_irq(&fdev->ring_lock);
	return news;
}

static long fpgadma_ioc_shm_kick(struct file *filp, void __user *arg)
{
	struct fpgadma_file *f = filp->private_data;
	struct fpgadma_dev *fdev = f->fdev;
	u32 timeout_ms = READ_ONCE(f->timeout_ms);
	struct fpgadma_shm_kick k;
	long t = 1;
	bool stale;
	u32 gen;
	int ret;

	if (copy_from_user(&k, arg, sizeof(k)))
		return -EFAULT;
	if ((k.flags & ~FPGADMA_KICK_WAIT) || k.reserved)
		return -EINVAL;
	ret = fpgadma_shm_owner(fdev, filp, &gen);
	if (ret)
		return ret;
	/*
	 * A waiter leaves the release ring to the completion path's work
	 * item while the device owns buffers (their completions queue it):
	 * the consumer's CPU then pays only for its sleep.
	 */
	if (!(k.flags & FPGADMA_KICK_WAIT) || fpgadma_shm_starving(fdev))
		fpgadma_shm_consume(fdev);
	if (!(k.flags & FPGADMA_KICK_WAIT))
		return 0;
	if (!fpgadma_shm_news(fdev, gen)) {
		fpgadma_shm_lat_arm(fdev);
		if (filp->f_flags & O_NONBLOCK)
			return -EAGAIN;
		if (timeout_ms)
			t = wait_event_interruptible_timeout(fdev->wq,
							     fpgadma_shm_news(fdev, gen),
							     msecs_to_jiffies(timeout_ms));
		else
			t = wait_event_interruptible(fdev->wq,
						     fpgadma_shm_news(fdev, gen));
		if (t < 0)
			return t;
		if (timeout_ms && !t)
			return -ETIMEDOUT;
	}
	if (READ_ONCE(fdev->dead))
		return -ENODEV;
	spin_lock_irq(&fdev->ring_lock);
	stale = fdev->gen != gen;
	spin_unlock_irq(&fdev->ring_lock);
	if (!stale)
		fpgadma_shm_lat_take(fdev);
	return stale ? -EPIPE : 0;
}

static long fpgadma_ioc_stop(struct file *filp)
{
	struct fpgadma_file *f = filp->private_data;
	struct fpgadma_dev *fdev = f->fdev;
	int ret;

	ret = fpgadma_lock_live(fdev);
	if (ret)
		return ret;
	if (fdev->owner && fdev->owner != filp)
		ret = -EBUSY;
	else if (fdev->owner)
		ret = fpgadma_stream_stop(fdev);
	mutex_unlock(&fdev->lock);
	return ret;
}

/*
 * Copy @count indices from user space into @stack, or into an allocation
 * (*index then differs from @stack and the caller kfree()s it).
 */
static int fpgadma_get_indices(u64 uptr, u32 count, u32 *stack, u32 **index)
{
	*index = stack;
	if (count > FPGADMA_RELEASE_MAX)
		return -EINVAL;
	if (count > FPGADMA_RELEASE_STACK) {
		*index = kmalloc_array(count, sizeof(**index), GFP_KERNEL);
		if (!*index)
			return -ENOMEM;
	}
	if (copy_from_user(*index, u64_to_user_ptr(uptr),
			   count * sizeof(**index)))
		return -EFAULT;
	return 0;
}

static long fpgadma_ioc_release(struct file *filp, void __user *arg)
{
	struct fpgadma_file *f = filp->private_data;
	struct fpgadma_dev *fdev = f->fdev;
	u32 stack[FPGADMA_RELEASE_STACK], *index;
	struct fpgadma_release rel;
	int ret;

	if (copy_from_user(&rel, arg, sizeof(rel)))
		return -EFAULT;
	if (rel.reserved)
		return -EINVAL;
	ret = fpgadma_get_indices(rel.indices, rel.count, stack, &index);
	if (!ret)
		ret = fpgadma_give_back(fdev, filp, NULL, index, rel.count);
	if (index != stack)
		kfree(index);
	return ret;
}

static ssize_t fpgadma_read_records(struct file *filp, u32 gen,
				    char __user *buf, size_t count);

static long fpgadma_ioc_exchange(struct file *filp, void __user *arg)
{
	struct fpgadma_file *f = filp->private_data;
	struct fpgadma_dev *fdev = f->fdev;
	u32 stack[FPGADMA_RELEASE_STACK], *index;
	struct fpgadma_exchange ex;
	ssize_t n;
	u32 gen;
	int ret;

	if (copy_from_user(&ex, arg, sizeof(ex)))
		return -EFAULT;
	if (ex.flags || ex.reserved || !ex.record_max ||
	    ex.record_max > FPGADMA_RECORD_MAX)
		return -EINVAL;
	ret = fpgadma_get_indices(ex.indices, ex.release_count, stack, &index);
	if (ret)
		goto out;
	/* The records must come from the stream the buffers went back to. */
	spin_lock_irq(&fdev->ring_lock);
	gen = fdev->gen;
	/* Shared mode: the records go to the completion ring. */
	if (fdev->owner == filp && fdev->shared)
		ret = -EINVAL;
	spin_unlock_irq(&fdev->ring_lock);
	if (ret)
		goto out;
	ret = fpgadma_give_back(fdev, filp, NULL, index, ex.release_count);
	if (ret)
		goto out;

	ex.release_count = 0;
	ex.record_count = 0;
	n = fpgadma_read_records(filp, gen, u64_to_user_ptr(ex.records),
				 ex.record_max * sizeof(struct fpgadma_record));
	if (n >= 0)
		ex.record_count = n / sizeof(struct fpgadma_record);
	/* Not restartable: the release is done. */
	ret = n == -ERESTARTSYS ? -EINTR : min_t(ssize_t, n, 0);
	if (copy_to_user(arg, &ex, sizeof(ex)) && !ret)
		ret = -EFAULT;
out:
	if (index != stack)
		kfree(index);
	return ret;
}

static long fpgadma_ioc_get_stats(struct fpgadma_dev *fdev, void __user *arg)
{
	struct fpgadma_ring *ring = &fdev->ring;
	struct fpgadma_stats st;

	if (READ_ONCE(fdev->dead))
		return -ENODEV;
	memset(&st, 0, sizeof(st));
	spin_lock_irq(&fdev->ring_lock);
	st.completed = ring->completed;
	st.dequeued = ring->dequeued;
	st.released = ring->released;
	st.dropped = ring->dropped;
	st.errors = ring->errors;
	st.bytes = ring->bytes;
	st.queued = fpgadma_ring_n_queued(ring);
	st.done = fpgadma_ring_n_done(ring);
	st.user = ring->n_user;
	st.streaming = ring->streaming;
	fpgadma_starved_get(fdev, &st.starved, &st.starved_ns);
	spin_unlock_irq(&fdev->ring_lock);
	st.irqs = atomic64_read(&fdev->irqs);

	return copy_to_user(arg, &st, sizeof(st)) ? -EFAULT : 0;
}

static long fpgadma_ioc_set_timeout(struct fpgadma_file *f, void __user *arg)
{
	struct fpgadma_timeout t;

	if (copy_from_user(&t, arg, sizeof(t)))
		return -EFAULT;
	if (t.reserved)
		return -EINVAL;
	WRITE_ONCE(f->timeout_ms, t.timeout_ms);
	return 0;
}

static long fpgadma_ioc_set_coalesce(struct fpgadma_dev *fdev,
				     void __user *arg)
{
	struct fpgadma_coalesce c;
	int ret;

	if (copy_from_user(&c, arg, sizeof(c)))
		return -EFAULT;
	if (c.flags || c.reserved)
		return -EINVAL;
	if (!fdev->info.coalesce)
		return -EOPNOTSUPP;
	ret = fpgadma_lock_live(fdev);
	if (ret)
		return ret;
	ret = fdev->engine->ops.set_coalesce(fdev, c.count, c.usecs);
	mutex_unlock(&fdev->lock);
	return ret;
}

static long fpgadma_ioctl(struct file *filp, unsigned int cmd,
			  unsigned long arg)
{
	struct fpgadma_file *f = filp->private_data;
	struct fpgadma_dev *fdev = f->fdev;
	void __user *uarg = (void __user *)arg;

	if (READ_ONCE(fdev->dead))
		return -ENODEV;

	switch (cmd) {
	case FPGADMA_IOC_INFO:
		return fpgadma_ioc_info(fdev, uarg);
	case FPGADMA_IOC_SET_RING:
		return fpgadma_ioc_set_ring(fdev, uarg, false);
	case FPGADMA_IOC_SET_RING_V1:
		return fpgadma_ioc_set_ring(fdev, uarg, true);
	case FPGADMA_IOC_START:
		return fpgadma_ioc_start(filp);
	case FPGADMA_IOC_STOP:
		return fpgadma_ioc_stop(filp);
	case FPGADMA_IOC_RELEASE:
		return fpgadma_ioc_release(filp, uarg);
	case FPGADMA_IOC_GET_STATS:
		return fpgadma_ioc_get_stats(fdev, uarg);
	case FPGADMA_IOC_SET_TIMEOUT:
		return fpgadma_ioc_set_timeout(f, uarg);
	case FPGADMA_IOC_SET_COALESCE:
		return fpgadma_ioc_set_coalesce(fdev, uarg);
	case FPGADMA_IOC_EXCHANGE:
		return fpgadma_ioc_exchange(filp, uarg);
	case FPGADMA_IOC_SHM_INFO:
		return fpgadma_ioc_shm_info(fdev, uarg);
	case FPGADMA_IOC_SHM_START:
		return fpgadma_ioc_shm_start(filp, uarg);
	case FPGADMA_IOC_SHM_KICK:
		return fpgadma_ioc_shm_kick(filp, uarg);
	default:
		return -ENOTTY;
	}
}

/* Is there something for a reader of stream generation @gen to act on? */
static bool fpgadma_has_news(struct fpgadma_dev *fdev, u32 gen)
{
	bool news;

	if (READ_ONCE(fdev->dead))
		return true;
	spin_lock_irq(&fdev->ring_lock);
	news = fdev->gen != gen || fpgadma_ring_n_done(&fdev->ring);
	spin_unlock_irq(&fdev->ring_lock);
	return news;
}

/*
 * Wait until a buffer is done. Returns 0, -ENODEV (removed), -EPIPE (the
 * stream stopped), -EAGAIN, -ETIMEDOUT or -ERESTARTSYS.
 */
static int fpgadma_wait_done(struct fpgadma_dev *fdev, struct file *filp,
			     u32 gen)
{
	struct fpgadma_file *f = filp->private_data;
	u32 timeout_ms = READ_ONCE(f->timeout_ms);
	long t = 1;
	bool stale;

	if (!fpgadma_has_news(fdev, gen)) {
		/* Found none, and waits or says EAGAIN: a latency sample next. */
		WRITE_ONCE(f->waited, true);
		if (filp->f_flags & O_NONBLOCK)
			return -EAGAIN;
		if (timeout_ms)
			t = wait_event_interruptible_timeout(fdev->wq,
							     fpgadma_has_news(fdev, gen),
							     msecs_to_jiffies(timeout_ms));
		else
			t = wait_event_interruptible(fdev->wq,
						     fpgadma_has_news(fdev, gen));
		if (t < 0)
			return t;
		if (timeout_ms && !t)
			return -ETIMEDOUT;
	}
	if (READ_ONCE(fdev->dead))
		return -ENODEV;
	spin_lock_irq(&fdev->ring_lock);
	stale = fdev->gen != gen;
	spin_unlock_irq(&fdev->ring_lock);
	return stale ? -EPIPE : 0;
}

/*
 * Cached memory: make what the device wrote into the buffers of @rec[0..n)
 * (done, so no longer the device's) visible to the CPU, before their
 * records or bytes reach the user. Nothing to do if the stream of @gen is
 * over: its buffers go back to the device, or their memory away, without
 * reaching the user.
 */
static void fpgadma_sync_for_cpu(struct fpgadma_dev *fdev, u32 gen,
				 const struct fpgadma_record *rec, u32 n)
{
	bool live;
	u32 i;

	down_read(&fdev->mem_lock);
	spin_lock_irq(&fdev->ring_lock);
	live = fdev->gen == gen;
	spin_unlock_irq(&fdev->ring_lock);
	for (i = 0; live && i < n; i++)
		fpgadma_bufs_for_cpu(fdev->bufs, rec[i].index,
				     rec[i].bytes_used);
	up_read(&fdev->mem_lock);
}

/*
 * Copy up to @max records of ready buffers to @buf, then hand the buffers
 * to the user. Returns the number of records, or -EPIPE/-EFAULT. Nothing is
 * dequeued unless its record reached user space. Called with read_lock
 * held: only the holder pops the done queue, so what was peeked is still at
 * its head unless the stream generation changed. *@waited: the file found
 * nothing ready before (fpgadma_trace_taken()).
 */
static ssize_t fpgadma_take_records(struct fpgadma_dev *fdev, u32 gen,
				    struct fpgadma_record __user *buf,
				    size_t max, bool *waited)
{
	struct fpgadma_record rec[FPGADMA_READ_BATCH];
	size_t taken = 0;
	u32 i, n, index;
	bool cached;

	while (taken < max) {
		n = min_t(size_t, max - taken, FPGADMA_READ_BATCH);
		spin_lock_irq(&fdev->ring_lock);
		if (fdev->gen != gen) {
			spin_unlock_irq(&fdev->ring_lock);
			return taken ?: -EPIPE;
		}
		n = min(n, fpgadma_ring_n_done(&fdev->ring));
		cached = fdev->cached;
		for (i = 0; i < n; i++) {
			struct fpgadma_ring_meta *m;

			fpgadma_ring_peek_done(&fdev->ring, i, &index);
			m = &fdev->ring.meta[index];
			rec[i] = (struct fpgadma_record) {
				.index = index,
				.bytes_used = m->bytes_used,
				.sequence = m->sequence,
				.timestamp_ns = m->timestamp_ns,
				.flags = m->flags,
				.lost_before = m->lost_before,
			};
		}
		spin_unlock_irq(&fdev->ring_lock);
		if (!n)
			break;
		if (cached)
			fpgadma_sync_for_cpu(fdev, gen, rec, n);
		if (copy_to_user(buf + taken, rec, n * sizeof(rec[0])))
			return taken ?: -EFAULT;

		spin_lock_irq(&fdev->ring_lock);
		if (fdev->gen != gen) {
			spin_unlock_irq(&fdev->ring_lock);
			return taken ?: -EPIPE;
		}
		for (i = 0; i < n; i++)
			fpgadma_ring_dequeue(&fdev->ring, &index);
		spin_unlock_irq(&fdev->ring_lock);
		fpgadma_trace_taken(fdev, rec, n, waited);
		taken += n;
	}
	return taken;
}

static ssize_t fpgadma_read_records(struct file *filp, u32 gen,
				    char __user *buf, size_t count)
{
	struct fpgadma_file *f = filp->private_data;
	struct fpgadma_dev *fdev = f->fdev;
	size_t max = count / sizeof(struct fpgadma_record);
	ssize_t ret;

	if (!max)
		return -EINVAL;
	for (;;) {
		/* Take what is ready first: no wait, no extra lock round. */
		ret = mutex_lock_interruptible(&fdev->read_lock);
		if (ret)
			return ret;
		ret = fpgadma_take_records(fdev, gen, (void __user *)buf, max,
					   &f->waited);
		mutex_unlock(&fdev->read_lock);
		if (ret)
			break;
		ret = fpgadma_wait_done(fdev, filp, gen);
		if (ret)
			return ret;
	}
	if (ret == -EPIPE && READ_ONCE(fdev->dead))
		return -ENODEV;
	return ret < 0 ? ret : ret * (ssize_t)sizeof(struct fpgadma_record);
}

/*
 * Copy @len bytes at @offset of buffer @index to @ubuf, if the stream of
 * @gen still runs. The DMA memory is read under mem_lock with page faults
 * disabled, so removal, which frees it under the write side, never waits
 * for user space; a fault is taken with the lock dropped, then the copy
 * goes on. Returns the bytes copied; *err is 0, -EPIPE or -EFAULT.
 */
static size_t fpgadma_copy_out(struct fpgadma_dev *fdev, u32 gen,
			       char __user *ubuf, u32 index, u32 offset,
			       size_t len, int *err)
{
	size_t done = 0;
	unsigned long left;
	bool live;

	*err = 0;
	while (done < len) {
		down_read(&fdev->mem_lock);
		spin_lock_irq(&fdev->ring_lock);
		live = fdev->gen == gen;
		spin_unlock_irq(&fdev->ring_lock);
		if (!live) {
			up_read(&fdev->mem_lock);
			*err = -EPIPE;
			break;
		}
		pagefault_disable();
		left = copy_to_user(ubuf + done,
				    fdev->bufs->buf[index].cpu + offset + done,
				    len - done);
		pagefault_enable();
		up_read(&fdev->mem_lock);
		done = len - left;
		if (left && fault_in_writeable(ubuf + done, left) == left) {
			*err = -EFAULT;
			break;
		}
	}
	return done;
}

/*
 * Copy mode: copy bytes of done buffers, in order, to @buf; a buffer goes
 * back to the device once all its bytes were read. Called with read_lock
 * held. Returns bytes copied, or 0 with *err set (-ENOENT: nothing ready).
 */
static size_t fpgadma_copy_bytes(struct fpgadma_file *f, u32 gen,
				 char __user *buf, size_t count, int *err)
{
	struct fpgadma_dev *fdev = f->fdev;
	struct fpgadma_copy *cp = &f->copy;
	size_t copied = 0, n;
	bool cached;
	u32 index;

	if (cp->held && cp->gen != gen)
		WRITE_ONCE(cp->held, false);
	*err = 0;
	while (copied < count) {
		if (!cp->held) {
			spin_lock_irq(&fdev->ring_lock);
			if (fdev->gen != gen)
				*err = -EPIPE;
			else
				*err = fpgadma_ring_dequeue(&fdev->ring, &index);
			if (!*err) {
				cp->len = fdev->ring.meta[index].bytes_used;
				trace_fpgadma_dequeue(fdev, index,
						      fdev->ring.meta[index].sequence);
			}
			cached = fdev->cached;
			spin_unlock_irq(&fdev->ring_lock);
			if (*err)
				break;
			cp->index = index;
			cp->offset = 0;
			WRITE_ONCE(cp->gen, gen);
			WRITE_ONCE(cp->held, true);
			if (cached) {
				struct fpgadma_record r = {
					.index = index, .bytes_used = cp->len,
				};

				fpgadma_sync_for_cpu(fdev, gen, &r, 1);
			}
		}
		n = fpgadma_copy_out(fdev, gen, buf + copied, cp->index,
				     cp->offset,
				     min_t(size_t, count - copied,
					   cp->len - cp->offset), err);
		copied += n;
		cp->offset += n;
		if (*err)
			break;
		if (cp->offset < cp->len)
			continue;

		WRITE_ONCE(cp->held, false);
		index = cp->index;
		fpgadma_give_back(fdev, f->filp, &gen, &index, 1);
	}
	return copied;
}

/*
 * Copy mode fills the whole user buffer, as a file read would (so that dd
 * with a large bs gets full blocks); it returns less only when interrupted
 * by a signal, the timeout, O_NONBLOCK, a stop or removal after some bytes
 * were copied.
 */
static ssize_t fpgadma_read_copy(struct file *filp, u32 gen, char __user *buf,
				 size_t count)
{
	struct fpgadma_file *f = filp->private_data;
	struct fpgadma_dev *fdev = f->fdev;
	size_t copied = 0;
	int ret = 0, err;

	while (copied < count) {
		ret = mutex_lock_interruptible(&fdev->read_lock);
		if (ret)
			break;
		copied += fpgadma_copy_bytes(f, gen, buf + copied,
					     count - copied, &err);
		mutex_unlock(&fdev->read_lock);
		ret = err;
		if (copied == count || err != -ENOENT)
			break;
		ret = fpgadma_wait_done(fdev, filp, gen);
		if (ret)
			break;
	}
	if (ret == -EPIPE && READ_ONCE(fdev->dead))
		ret = -ENODEV;
	return copied ?: ret;
}

static ssize_t fpgadma_read(struct file *filp, char __user *buf, size_t count,
			    loff_t *ppos)
{
	struct fpgadma_file *f = filp->private_data;
	struct fpgadma_dev *fdev = f->fdev;
	bool copy_mode, records, shared;
	ssize_t ret;
	u32 gen;

	/*
	 * Fast path for the record consumer: ownership and the stream
	 * generation under ring_lock alone. A stop after this point changes
	 * the generation, which the read then notices.
	 */
	spin_lock_irq(&fdev->ring_lock);
	records = fdev->owner == filp && !fdev->copy_mode;
	shared = fdev->owner == filp && fdev->shared;
	gen = fdev->gen;
	spin_unlock_irq(&fdev->ring_lock);
	if (shared)
		return -EINVAL;
	if (records)
		return fpgadma_read_records(filp, gen, buf, count);

	ret = fpgadma_lock_live(fdev);
	if (ret)
		return ret;
	if (!fdev->owner && f->record_mode)
		ret = -EPIPE;
	else if (!fdev->owner)
		ret = fpgadma_stream_start(fdev, filp, true, false);
	else if (fdev->owner != filp)
		ret = -EBUSY;
	if (ret) {
		mutex_unlock(&fdev->lock);
		return ret;
	}
	copy_mode = fdev->copy_mode;
	spin_lock_irq(&fdev->ring_lock);
	gen = fdev->gen;
	spin_unlock_irq(&fdev->ring_lock);
	mutex_unlock(&fdev->lock);

	if (copy_mode)
		return fpgadma_read_copy(filp, gen, buf, count);
	return fpgadma_read_records(filp, gen, buf, count);
}

static __poll_t fpgadma_poll(struct file *filp, poll_table *wait)
{
	struct fpgadma_file *f = filp->private_data;
	struct fpgadma_dev *fdev = f->fdev;
	bool ready, shared;

	poll_wait(filp, &fdev->wq, wait);
	if (READ_ONCE(fdev->dead))
		return EPOLLERR | EPOLLHUP;
	if (READ_ONCE(fdev->owner) != filp)
		return 0;
	/* Shared mode: poll() kicks the release ring when nothing else will. */
	if (READ_ONCE(fdev->shared) && fpgadma_shm_starving(fdev))
		fpgadma_shm_consume(fdev);
	spin_lock_irq(&fdev->ring_lock);
	shared = fdev->owner == filp && fdev->shared;
	ready = (shared && fpgadma_shm_ready(fdev)) ||
		fpgadma_ring_n_done(&fdev->ring) ||
		(fdev->copy_mode && READ_ONCE(f->copy.held) &&
		 READ_ONCE(f->copy.gen) == fdev->gen);
	spin_unlock_irq(&fdev->ring_lock);
	if (shared && !ready)
		fpgadma_shm_lat_arm(fdev);
	else if (shared)
		fpgadma_shm_lat_take(fdev);
	else if (!ready)
		WRITE_ONCE(f->waited, true);
	return ready ? EPOLLIN | EPOLLRDNORM : 0;
}

static int fpgadma_mmap(struct file *filp, struct vm_area_struct *vma)
{
	struct fpgadma_file *f = filp->private_data;
	struct fpgadma_dev *fdev = f->fdev;
	int ret;

	ret = fpgadma_lock_live(fdev);
	if (ret)
		return ret;
	if (vma->vm_pgoff >= (FPGADMA_MMAP_CTRL_BASE >> PAGE_SHIFT))
		ret = fpgadma_shm_mmap(fdev->shm, vma);
	else
		ret = fpgadma_bufs_mmap(fdev->bufs, vma);
	mutex_unlock(&fdev->lock);
	return ret;
}

const struct file_operations fpgadma_fops = {
	.owner = THIS_MODULE,
	.open = fpgadma_open,
	.release = fpgadma_release,
	.read = fpgadma_read,
	.poll = fpgadma_poll,
	.mmap = fpgadma_mmap,
	.unlocked_ioctl = fpgadma_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	FPGADMA_FOP_UNSIGNED_OFFSET
};
