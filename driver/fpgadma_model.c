// SPDX-License-Identifier: GPL-2.0-only
/*
 * Software model of the fpgadma stream engine (docs/stream-engine.md): a
 * register file in memory, a kernel thread that plays the device, and a
 * real Linux interrupt it raises from hard interrupt context (irq_work).
 * The driver sees it as a platform device "fpgadma-model" and talks to it
 * only through those registers and that interrupt.
 *
 * The model writes a verifiable pattern into each buffer: 64-bit word k of
 * the buffer of production number s is s ^ (k * FSE_MODEL_MIX) (word 0 is
 * s itself). Knobs and fault injection are sysfs attributes of the
 * platform device (see fse_model_attrs below).
 *
 * rate 0 means "as fast as possible, with flow control": the model waits
 * for descriptors instead of dropping. rate N produces N buffers a second
 * and drops what has no descriptor, like a streaming ADC.
 *
 * The model reaches host memory through the direct map, so it needs a
 * machine without an IOMMU in front of it; descriptors pointing outside
 * RAM are refused with a descriptor error.
 */
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/irq.h>
#include <linux/irq_work.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/platform_device.h>
#include <linux/slab.h>

#include "fpgadma_core.h"
#include <uapi/fpgadma_stream_regs.h>

#define FSE_MODEL_MIX		0x9e3779b97f4a7c15ULL
#define FSE_MODEL_RING_MAX	1024
#define FSE_MODEL_MAX_LEN	(4U << 20)
#define FSE_MODEL_MAX_DEVICES	8
/* How often an idle or flow-controlled model looks at its registers. */
#define FSE_MODEL_POLL_US	50

enum fse_fill {
	FSE_FILL_NONE,		/* write nothing: measures pure overhead */
	FSE_FILL_HEADER,	/* word 0 only */
	FSE_FILL_FULL,		/* every word */
};

/**
 * struct fse_model - one modelled device
 * @regs:        the register file the driver reads and writes.
 * @pdev:        the platform device the driver binds to.
 * @irq:         the Linux interrupt the model raises.
 * @irq_work:    raises @irq from hard interrupt context.
 * @thread:      the device's "hardware".
 * @head:        descriptors completed (device side).
 * @produced:    buffers produced, dropped ones included.
 * @lost:        drops since the last completion.
 * @unsignalled: completions written since the last interrupt.
 * @first_ns:    when the oldest unsignalled completion was written.
 * @next_ns:     when the next buffer is due (rate > 0).
 * @rate:        knob: buffers per second, 0 = flow controlled, flat out.
 * @fill:        knob: enum fse_fill.
 * @len:         knob: bytes per buffer, 0 = the descriptor's length.
 * @miss_irq:    fault: interrupts still to swallow.
 * @spurious_irq: fault: interrupts to raise with nothing new.
 * @short_xfer:  fault: completions still to cut short.
 * @bus_error:   fault: completions still to fail.
 * @stall_ms:    fault: stop producing for this long.
 * @burst:       fault: buffers to produce at once, ignoring the rate.
 * @irqs_raised: counter: interrupts raised.
 *
 * Knobs and faults are written through sysfs and read by the thread with
 * READ_ONCE(); the fault counters are consumed with xchg/dec by the thread.
 */
struct fse_model {
	u32 regs[FSE_REG_SPAN / 4];
	struct platform_device *pdev;
	int irq;
	struct irq_work irq_work;
	struct task_struct *thread;

	u32 head;
	u64 produced;
	u32 lost;
	u32 unsignalled;
	u64 first_ns;
	u64 next_ns;

	u32 rate;
	u32 fill;
	u32 len;
	atomic_t miss_irq;
	atomic_t spurious_irq;
	atomic_t short_xfer;
	atomic_t bus_error;
	atomic_t stall_ms;
	atomic_t burst;
	atomic64_t irqs_raised;
};

static struct fse_model *fse_models[FSE_MODEL_MAX_DEVICES];
static unsigned int fse_model_count;

static u32 reg_get(struct fse_model *m, u32 reg)
{
	return READ_ONCE(m->regs[reg / 4]);
}

static void reg_set(struct fse_model *m, u32 reg, u32 val)
{
	WRITE_ONCE(m->regs[reg / 4], val);
}

/* Host memory at bus address @addr, or NULL if it is not RAM. */
static void *fse_model_mem(u64 addr, u32 len)
{
	if (!len || !pfn_valid(PHYS_PFN(addr)) ||
	    !pfn_valid(PHYS_PFN(addr + len - 1)))
		return NULL;
	return phys_to_virt(addr);
}

static void fse_model_irq_work(struct irq_work *work)
{
	struct fse_model *m = container_of(work, struct fse_model, irq_work);

	generic_handle_irq_safe(m->irq);
}

static void fse_model_raise(struct fse_model *m, u32 why)
{
	/* The status register is also cleared by the driver's acks. */
	m->regs[FSE_REG_IRQ_STATUS / 4] |= why;
	/* Status visible before the interrupt the handler reads it in. */
	smp_wmb();
	m->unsignalled = 0;
	if (!(reg_get(m, FSE_REG_IRQ_MASK) & why))
		return;
	if (atomic_add_unless(&m->miss_irq, -1, 0))
		return;
	atomic64_inc(&m->irqs_raised);
	irq_work_queue(&m->irq_work);
}

static void fse_model_error(struct fse_model *m, u32 err)
{
	reg_set(m, FSE_REG_ERROR, reg_get(m, FSE_REG_ERROR) | err);
	fse_model_raise(m, FSE_IRQ_ERROR);
}

static void fse_model_reset(struct fse_model *m)
{
	u32 i;

	for (i = FSE_REG_CTRL; i < FSE_REG_SPAN; i += 4)
		if (i != FSE_REG_DROPS)
			reg_set(m, i, 0);
	m->head = 0;
	m->produced = 0;
	m->lost = 0;
	m->unsignalled = 0;
	m->next_ns = 0;
}

static void fse_model_fill(struct fse_model *m, u64 *buf, u32 bytes)
{
	u64 seq = m->produced;
	u32 k, words = bytes / 8;

	if (READ_ONCE(m->fill) == FSE_FILL_NONE || !words)
		return;
	buf[0] = seq;
	if (READ_ONCE(m->fill) == FSE_FILL_HEADER)
		return;
	for (k = 1; k < words; k++)
		buf[k] = seq ^ (k * FSE_MODEL_MIX);
}

/*
 * Produce one buffer: into the next posted descriptor, or dropped when
 * there is none. Returns false if flow control says wait instead.
 */
static bool fse_model_produce(struct fse_model *m)
{
	u32 size = reg_get(m, FSE_REG_RING_SIZE);
	u32 slot = m->head & (size - 1);
	u64 ring = reg_get(m, FSE_REG_DESC_LO) |
		   (u64)reg_get(m, FSE_REG_DESC_HI) << 32;
	u64 cring = reg_get(m, FSE_REG_CPL_LO) |
		    (u64)reg_get(m, FSE_REG_CPL_HI) << 32;
	struct fse_desc *desc;
	struct fse_cpl *cpl;
	u32 flags = 0, bytes, want;
	void *buf;

	if (m->head == reg_get(m, FSE_REG_DESC_TAIL)) {
		if (!READ_ONCE(m->rate))
			return false;
		m->produced++;
		m->lost++;
		reg_set(m, FSE_REG_DROPS, reg_get(m, FSE_REG_DROPS) + 1);
		return true;
	}
	desc = fse_model_mem(ring + slot * sizeof(*desc), sizeof(*desc));
	cpl = fse_model_mem(cring + slot * sizeof(*cpl), sizeof(*cpl));
	if (!desc || !cpl || !is_power_of_2(size)) {
		fse_model_error(m, FSE_ERR_DESC);
		reg_set(m, FSE_REG_CTRL, 0);
		return false;
	}
	/* Descriptor contents only after seeing the doorbell. */
	dma_rmb();
	bytes = le32_to_cpu(desc->len);
	want = READ_ONCE(m->len);
	if (want && want < bytes)
		bytes = want;
	buf = fse_model_mem(le64_to_cpu(desc->addr), bytes);
	if (!buf || atomic_add_unless(&m->bus_error, -1, 0)) {
		flags |= FSE_CPL_ERROR;
		bytes = 0;
		fse_model_error(m, FSE_ERR_BUS);
	} else {
		if (atomic_add_unless(&m->short_xfer, -1, 0)) {
			bytes /= 2;
			flags |= FSE_CPL_SHORT;
		}
		fse_model_fill(m, buf, bytes);
	}

	cpl->bytes = cpu_to_le32(bytes);
	cpl->lost = cpu_to_le32(m->lost);
	cpl->sequence = cpu_to_le32((u32)m->produced);
	/* The phase bit last: it tells the host the entry is complete. */
	dma_wmb();
	flags |= ((m->head / size) & 1) ? 0 : FSE_CPL_PHASE;
	WRITE_ONCE(cpl->flags, cpu_to_le32(flags));

	m->produced++;
	m->lost = 0;
	m->head++;
	reg_set(m, FSE_REG_DESC_HEAD, m->head);
	if (!m->unsignalled++)
		m->first_ns = ktime_get_ns();
	return true;
}

/* Raise the completion interrupt if the moderation rules say so. */
static void fse_model_signal(struct fse_model *m, u64 now)
{
	u32 count = max(reg_get(m, FSE_REG_COAL_COUNT), 1U);
	u32 usecs = reg_get(m, FSE_REG_COAL_USECS);

	if (!m->unsignalled)
		return;
	if (m->unsignalled >= count ||
	    (usecs && now - m->first_ns >= (u64)usecs * NSEC_PER_USEC))
		fse_model_raise(m, FSE_IRQ_COMPLETION);
}

/* Sleep until @until_ns, or briefly if 0; wake early to stop. */
static void fse_model_sleep(u64 until_ns)
{
	u64 now = ktime_get_ns();
	u64 delta = until_ns > now ? until_ns - now : 0;

	if (!until_ns)
		delta = FSE_MODEL_POLL_US * NSEC_PER_USEC;
	if (delta) {
		set_current_state(TASK_INTERRUPTIBLE);
		schedule_hrtimeout_range(&(ktime_t){ ns_to_ktime(delta) },
					 delta / 8, HRTIMER_MODE_REL);
	}
}

/* One pass of the device: returns when the caller should sleep until. */
static u64 fse_model_step(struct fse_model *m)
{
	u32 ctrl = reg_get(m, FSE_REG_CTRL);
	u32 ack = xchg(&m->regs[FSE_REG_IRQ_ACK / 4], 0);
	u32 rate = READ_ONCE(m->rate);
	u32 usecs, n, budget;
	u64 now, wake;

	if (ack)
		m->regs[FSE_REG_IRQ_STATUS / 4] &= ~ack;
	if (ctrl & FSE_CTRL_RESET) {
		fse_model_reset(m);
		return 0;
	}
	if (!(ctrl & FSE_CTRL_RUN)) {
		/* Our last writes to host memory before "not running". */
		smp_mb();
		reg_set(m, FSE_REG_STATUS, 0);
		return 0;
	}
	reg_set(m, FSE_REG_STATUS, FSE_STATUS_RUNNING);

	n = atomic_xchg(&m->spurious_irq, 0);
	while (n--) {
		atomic64_inc(&m->irqs_raised);
		irq_work_queue(&m->irq_work);
	}
	n = atomic_xchg(&m->stall_ms, 0);
	if (n) {
		msleep(n);
		m->next_ns = 0;
	}

	now = ktime_get_ns();
	budget = atomic_xchg(&m->burst, 0);
	if (rate) {
		if (!m->next_ns)
			m->next_ns = now;
		while (m->next_ns <= now && budget < 64) {
			budget++;
			m->next_ns += NSEC_PER_SEC / rate;
		}
	} else {
		budget = max(budget, 64U);
	}
	while (budget-- && fse_model_produce(m))
		fse_model_signal(m, ktime_get_ns());

	now = ktime_get_ns();
	fse_model_signal(m, now);
	wake = rate ? m->next_ns : 0;
	usecs = reg_get(m, FSE_REG_COAL_USECS);
	if (m->unsignalled && usecs) {
		u64 due = m->first_ns + (u64)usecs * NSEC_PER_USEC;

		if (!wake || due < wake)
			wake = due;
	}
	/* Flat out with descriptors left: yield, then go on. */
	if (!rate && m->head != reg_get(m, FSE_REG_DESC_TAIL))
		return now;
	return wake;
}

static int fse_model_thread(void *data)
{
	struct fse_model *m = data;

	while (!kthread_should_stop()) {
		u64 until = fse_model_step(m);

		if (until && until <= ktime_get_ns())
			cond_resched();
		else
			fse_model_sleep(until);
	}
	return 0;
}

/* sysfs knobs and counters on the platform device */

static struct fse_model *to_model(struct device *dev)
{
	unsigned int i;

	for (i = 0; i < fse_model_count; i++)
		if (&fse_models[i]->pdev->dev == dev)
			return fse_models[i];
	return NULL;
}

/**
 * struct fse_knob - a sysfs knob or fault of the model
 * @attr:   the attribute.
 * @offset: of the u32 (knob) or atomic_t (fault) in struct fse_model.
 * @limit:  largest value accepted.
 * @fault:  a write adds to the pending count; otherwise it sets the value.
 */
struct fse_knob {
	struct device_attribute attr;
	size_t offset;
	u32 limit;
	bool fault;
};

static ssize_t fse_knob_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	struct fse_knob *k = container_of(attr, struct fse_knob, attr);
	void *field = (void *)to_model(dev) + k->offset;

	if (k->fault)
		return sysfs_emit(buf, "%d\n", atomic_read(field));
	return sysfs_emit(buf, "%u\n", READ_ONCE(*(u32 *)field));
}

static ssize_t fse_knob_store(struct device *dev, struct device_attribute *attr,
			      const char *buf, size_t count)
{
	struct fse_knob *k = container_of(attr, struct fse_knob, attr);
	void *field = (void *)to_model(dev) + k->offset;
	u32 val;
	int ret;

	ret = kstrtou32(buf, 0, &val);
	if (ret)
		return ret;
	if (val > k->limit)
		return -EINVAL;
	if (k->fault)
		atomic_add(val, field);
	else
		WRITE_ONCE(*(u32 *)field, val);
	return count;
}

static struct fse_knob fse_knobs[] = {
	/* buffers per second; 0: flat out with flow control */
	{ __ATTR(rate, 0644, fse_knob_show, fse_knob_store),
	  offsetof(struct fse_model, rate), 10000000, false },
	/* enum fse_fill */
	{ __ATTR(fill, 0644, fse_knob_show, fse_knob_store),
	  offsetof(struct fse_model, fill), FSE_FILL_FULL, false },
	/* bytes per buffer; 0: the descriptor's length */
	{ __ATTR(len, 0644, fse_knob_show, fse_knob_store),
	  offsetof(struct fse_model, len), FSE_MODEL_MAX_LEN, false },
	{ __ATTR(miss_irq, 0644, fse_knob_show, fse_knob_store),
	  offsetof(struct fse_model, miss_irq), 1000, true },
	{ __ATTR(spurious_irq, 0644, fse_knob_show, fse_knob_store),
	  offsetof(struct fse_model, spurious_irq), 1000, true },
	{ __ATTR(short_xfer, 0644, fse_knob_show, fse_knob_store),
	  offsetof(struct fse_model, short_xfer), 1000, true },
	{ __ATTR(bus_error, 0644, fse_knob_show, fse_knob_store),
	  offsetof(struct fse_model, bus_error), 1000, true },
	{ __ATTR(stall_ms, 0644, fse_knob_show, fse_knob_store),
	  offsetof(struct fse_model, stall_ms), 10000, true },
	{ __ATTR(burst, 0644, fse_knob_show, fse_knob_store),
	  offsetof(struct fse_model, burst), 1024, true },
};

static ssize_t produced_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%llu\n", READ_ONCE(to_model(dev)->produced));
}
static DEVICE_ATTR_RO(produced);

static ssize_t dropped_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%u\n", reg_get(to_model(dev), FSE_REG_DROPS));
}
static DEVICE_ATTR_RO(dropped);

static ssize_t irqs_raised_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lld\n",
			  (long long)atomic64_read(&to_model(dev)->irqs_raised));
}
static DEVICE_ATTR_RO(irqs_raised);

static struct attribute *fse_model_attrs[] = {
	&fse_knobs[0].attr.attr,
	&fse_knobs[1].attr.attr,
	&fse_knobs[2].attr.attr,
	&fse_knobs[3].attr.attr,
	&fse_knobs[4].attr.attr,
	&fse_knobs[5].attr.attr,
	&fse_knobs[6].attr.attr,
	&fse_knobs[7].attr.attr,
	&fse_knobs[8].attr.attr,
	&dev_attr_produced.attr,
	&dev_attr_dropped.attr,
	&dev_attr_irqs_raised.attr,
	NULL,
};
ATTRIBUTE_GROUPS(fse_model);

static void fse_model_free(struct fse_model *m)
{
	if (m->thread)
		kthread_stop(m->thread);
	irq_work_sync(&m->irq_work);
	if (m->irq > 0)
		irq_free_desc(m->irq);
	kfree(m);
}

static struct fse_model *fse_model_new(unsigned int id)
{
	struct fpgadma_platform_data pdata;
	struct fse_model *m;
	int ret;

	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return ERR_PTR(-ENOMEM);
	m->fill = FSE_FILL_FULL;
	reg_set(m, FSE_REG_ID, FSE_ID_MAGIC);
	reg_set(m, FSE_REG_VERSION, FSE_VERSION_MAJOR << 16 | FSE_VERSION_MINOR);
	reg_set(m, FSE_REG_CAPS, FSE_CAP_ADDR64 | FSE_CAP_COAL_COUNT |
		FSE_CAP_COAL_USECS);
	reg_set(m, FSE_REG_RING_MAX, FSE_MODEL_RING_MAX);
	reg_set(m, FSE_REG_MAX_LEN, FSE_MODEL_MAX_LEN);
	/* Raise the interrupt from hard IRQ context, also on PREEMPT_RT. */
	m->irq_work = IRQ_WORK_INIT_HARD(fse_model_irq_work);

	/*
	 * No owner module: the driver side of this module requests the
	 * interrupt, and an owner reference would pin the module forever.
	 */
	m->irq = __irq_alloc_descs(-1, 0, 1, NUMA_NO_NODE, NULL, NULL);
	if (m->irq < 0) {
		ret = m->irq;
		goto err;
	}
	irq_set_chip_and_handler(m->irq, &dummy_irq_chip, handle_simple_irq);

	m->thread = kthread_run(fse_model_thread, m, "fpgadma-model/%u", id);
	if (IS_ERR(m->thread)) {
		ret = PTR_ERR(m->thread);
		m->thread = NULL;
		goto err;
	}

	m->pdev = platform_device_alloc("fpgadma-model", id);
	if (!m->pdev) {
		ret = -ENOMEM;
		goto err;
	}
	pdata.regs = (void __iomem __force *)m->regs;
	pdata.irq = m->irq;
	m->pdev->dev.groups = fse_model_groups;
	ret = platform_device_add_data(m->pdev, &pdata, sizeof(pdata));
	if (!ret)
		ret = platform_device_add(m->pdev);
	if (ret) {
		platform_device_put(m->pdev);
		goto err;
	}
	return m;

err:
	fse_model_free(m);
	return ERR_PTR(ret);
}

/**
 * fpgadma_model_create() - create @count modelled stream devices
 * @count: how many (at most FSE_MODEL_MAX_DEVICES).
 *
 * Return: 0 or a negative errno (none are left behind then).
 */
int fpgadma_model_create(unsigned int count)
{
	struct fse_model *m;

	if (count > FSE_MODEL_MAX_DEVICES)
		return -EINVAL;
	while (fse_model_count < count) {
		m = fse_model_new(fse_model_count);
		if (IS_ERR(m)) {
			fpgadma_model_destroy();
			return PTR_ERR(m);
		}
		fse_models[fse_model_count++] = m;
	}
	return 0;
}

/**
 * fpgadma_model_destroy() - remove every modelled device
 *
 * The driver unbinds first (platform_device_unregister), so the model
 * stops only once nothing drives it any more.
 */
void fpgadma_model_destroy(void)
{
	while (fse_model_count) {
		struct fse_model *m = fse_models[--fse_model_count];

		platform_device_unregister(m->pdev);
		fse_model_free(m);
	}
}
