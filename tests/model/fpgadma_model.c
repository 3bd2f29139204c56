// SPDX-License-Identifier: GPL-2.0-only
/*
 * fpgadma_model.ko: a software model of the fpgadma stream engine
 * (docs/stream-engine.md), a test double for fpgadma's stream engine code.
 * Not part of fpgadma.ko and not packaged.
 *
 * Each model N is a device /sys/devices/fpgadma-model.N with
 *  - a register file in memory, exposed as a regmap attached to the device
 *    (custom read/write callbacks, no locking: they are safe from hard
 *    interrupt and process context at once);
 *  - a kernel thread "fpgadma-model/N" that plays the hardware; it sleeps
 *    without a timeout while there is nothing to do and is woken by the
 *    register writes that give it work (CTRL, DESC_TAIL, moderation,
 *    IRQ_ACK) and by its sysfs knobs;
 *  - a real Linux interrupt it raises from hard interrupt context
 *    (irq_work), and
 *  - a child platform device "fpgadma-stream".N whose only resource is that
 *    interrupt; fpgadma binds it and finds the registers with
 *    dev_get_regmap(pdev->dev.parent, NULL).
 *
 * A device-tree node compatible "fpgadma,model-1.0" is a model too, shaped
 * like an FPGA register block that is also an interrupt controller (an
 * MFD-style parent): the model binds its platform device and creates a
 * model device for the node (fpgadma-model.N, as above, the regmap's
 * device), serves hwirq 0 of a one-interrupt domain on the node, and
 * creates the node's children under it (of_platform_populate()), e.g.
 *
 *	fpgadma_model: fpgadma-model {
 *		compatible = "fpgadma,model-1.0";
 *		interrupt-controller;
 *		#interrupt-cells = <1>;
 *		stream {
 *			compatible = "fpgadma,stream-1.0";
 *			interrupts-extended = <&fpgadma_model 0>;
 *			memory-region = <&pool>;
 *		};
 *	};
 *
 * so fpgadma binds the child as it binds a Zynq node: DMA configured from
 * the device tree (coherent only with "dma-coherent"), buffers from its
 * memory-region. tests/dt/ has the overlay the ARM lanes apply to QEMU's
 * virt device tree. Such models are numbered after the "devices" ones; by
 * default a device tree with such nodes gets no other model.
 *
 * The model writes a verifiable pattern into each buffer: 64-bit word k of
 * the buffer of production number s is s ^ (k * FSE_MODEL_MIX) (word 0 is
 * s itself). Knobs, faults and counters are sysfs attributes of the model
 * device (fse_model_attrs below).
 *
 * rate 0 means "as fast as possible, with flow control": the model waits
 * for descriptors instead of dropping. rate N produces N buffers a second
 * and drops what has no descriptor, like a streaming ADC.
 *
 * The model reaches host memory through the direct map: a bus address is
 * taken to be a physical address, which holds without an IOMMU (and
 * without DMA address translation) in front of the child device; the
 * model needs none. Descriptors pointing outside RAM (or into highmem,
 * which has no direct map) are refused with a descriptor error. Its
 * writes go through the CPU's caches: under QEMU's TCG, which models no
 * caches, they reach memory at once, as a device's would; on silicon a
 * non-coherent child would need them cleaned to memory first.
 */
#include <linux/atomic.h>
#include <linux/device.h>
#include <linux/idr.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/irq_work.h>
#include <linux/irqdomain.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/of.h>
#include <linux/of_platform.h>
#include <linux/platform_device.h>
#include <linux/regmap.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/wait_bit.h>

#include <hw/fpgadma_stream_regs.h>

#include "../../driver/compat.h"

#define FSE_MODEL_MIX		0x9e3779b97f4a7c15ULL
#define FSE_MODEL_RING_MAX	4096
#define FSE_MODEL_MAX_LEN	(4U << 20)
#define FSE_MODEL_MAX_DEVICES	8
#define FSE_MODEL_CAPS		(FSE_CAP_ADDR64 | FSE_CAP_COAL_COUNT | \
				 FSE_CAP_COAL_USECS)
/* fse_model_step(): nothing to do until a register or knob write. */
#define FSE_MODEL_IDLE		U64_MAX
/* Most buffers produced in one step, flat out. */
#define FSE_MODEL_BUDGET	64

static int devices = -1;
module_param(devices, int, 0444);
MODULE_PARM_DESC(devices, "Modelled stream engines to create besides the device tree's (0..8; default 1, or 0 if the device tree has \"fpgadma,model-1.0\" nodes)");

static unsigned int caps = FSE_MODEL_CAPS;
module_param(caps, uint, 0444);
MODULE_PARM_DESC(caps, "CAPS register of every model (default 7: ADDR64, COAL_COUNT, COAL_USECS)");

enum fse_fill {
	FSE_FILL_NONE,		/* write nothing: measures pure overhead */
	FSE_FILL_HEADER,	/* word 0 only */
	FSE_FILL_FULL,		/* every word */
};

/**
 * struct fse_model - one modelled device
 * @dev:         the model device; its release frees the structure.
 * @regs:        the register file, reached through @regmap.
 * @regmap:      the registers as the driver sees them.
 * @id:          N of fpgadma-model.N.
 * @np:          device-tree model: its node (also @dev's), else NULL.
 * @pdev:        the child platform device the driver binds to (not for a
 *               device-tree model: of_platform_populate() creates those).
 * @domain:      device-tree model: its interrupt domain (one interrupt).
 * @irq:         the Linux interrupt the model raises.
 * @irq_work:    raises @irq from hard interrupt context.
 * @thread:      the device's "hardware"; a task reference is held until
 *               the release, so a late wake-up never reaches a freed task.
 * @kick:        set by register and knob writes: look at the registers.
 * @running:     RUN was seen and not yet cleared (thread only).
 * @head:        descriptors completed (thread only, like the rest below).
 * @produced:    buffers produced, dropped ones included.
 * @lost:        drops since the last completion.
 * @unsignalled: completions written since the last interrupt.
 * @first_ns:    when the oldest unsignalled completion was written.
 * @next_ns:     when the next buffer is due (rate > 0).
 * @stall_until: no production before this time (stall_ms fault).
 * @rate:        knob: buffers per second, 0 = flow controlled, flat out.
 * @fill:        knob: enum fse_fill.
 * @len:         knob: bytes per buffer, 0 = the descriptor's length.
 * @stuck:       fault: 1 = ignore RUN clear and RESET.
 * @gone:        fault: 1 = every register reads all-ones and writes are
 *               lost, as for a PCIe device removed by surprise; the
 *               device itself keeps going as it was.
 * @miss_irq:    fault: interrupts still to swallow.
 * @spurious_irq: fault: interrupts to raise with nothing new.
 * @short_xfer:  fault: completions still to cut short.
 * @bus_error:   fault: completions still to fail.
 * @stall_ms:    fault: stop producing for this long.
 * @bad_seq:     fault: completions still to write with a wrong sequence
 *               number (one more than it should be).
 * @burst:       fault: buffers to produce at once, ignoring the rate.
 * @irqs_raised: counter: interrupts raised.
 *
 * Knobs and faults are written through sysfs and read by the thread with
 * READ_ONCE(); the fault counters are consumed with xchg/dec by the thread.
 */
struct fse_model {
	struct device dev;
	u32 regs[FSE_REG_SPAN / 4];
	struct regmap *regmap;
	unsigned int id;
	struct device_node *np;
	struct platform_device *pdev;
	struct irq_domain *domain;
	int irq;
	struct irq_work irq_work;
	struct task_struct *thread;
	atomic_t kick;

	bool running;
	u32 head;
	u64 produced;
	u32 lost;
	u32 unsignalled;
	u64 first_ns;
	u64 next_ns;
	u64 stall_until;

	u32 rate;
	u32 fill;
	u32 len;
	u32 stuck;
	u32 gone;
	atomic_t miss_irq;
	atomic_t spurious_irq;
	atomic_t short_xfer;
	atomic_t bus_error;
	atomic_t stall_ms;
	atomic_t bad_seq;
	atomic_t burst;
	atomic64_t irqs_raised;
};

static struct fse_model *fse_models[FSE_MODEL_MAX_DEVICES];
/* The N of fpgadma-model.N, for both kinds of model. */
static DEFINE_IDA(fse_model_ida);
/* Model devices not yet released; module exit waits for 0. */
static atomic_t fse_model_live = ATOMIC_INIT(0);

static struct fse_model *to_model(struct device *dev)
{
	return container_of(dev, struct fse_model, dev);
}

static u32 reg_get(struct fse_model *m, u32 reg)
{
	return READ_ONCE(m->regs[reg / 4]);
}

static void reg_set(struct fse_model *m, u32 reg, u32 val)
{
	WRITE_ONCE(m->regs[reg / 4], val);
}

/* Atomically clear then set bits of a register both sides change. */
static void reg_update(struct fse_model *m, u32 reg, u32 clear, u32 set)
{
	u32 *p = &m->regs[reg / 4];
	u32 old = READ_ONCE(*p), prev;

	for (;;) {
		prev = cmpxchg(p, old, (old & ~clear) | set);
		if (prev == old)
			return;
		old = prev;
	}
}

/**
 * fse_model_kick() - make the model thread look at its registers
 * @m: the model.
 *
 * Safe in any context, hard interrupts included (wake_up_process() takes
 * only raw locks). The caller's register store is ordered before the
 * flag by the full barrier of atomic_xchg(); the thread clears the flag
 * with a full barrier before it reads the registers.
 */
static void fse_model_kick(struct fse_model *m)
{
	if (!atomic_xchg(&m->kick, 1))
		wake_up_process(m->thread);
}

/* ---- registers, as seen through the regmap ------------------------------ */

static int fse_model_reg_read(void *context, unsigned int reg,
			      unsigned int *val)
{
	struct fse_model *m = context;

	if (READ_ONCE(m->gone)) {
		*val = U32_MAX;
		return 0;
	}
	/* IRQ_ACK is write only; unlisted offsets are never written. */
	*val = reg == FSE_REG_IRQ_ACK ? 0 : reg_get(m, reg);
	return 0;
}

static int fse_model_reg_write(void *context, unsigned int reg,
			       unsigned int val)
{
	struct fse_model *m = context;
	u32 cap = reg_get(m, FSE_REG_CAPS);

	if (READ_ONCE(m->gone))
		return 0;

	switch (reg) {
	case FSE_REG_DESC_HI:
	case FSE_REG_CPL_HI:
		if (cap & FSE_CAP_ADDR64)
			reg_set(m, reg, val);
		return 0;
	case FSE_REG_DESC_LO:
	case FSE_REG_CPL_LO:
	case FSE_REG_RING_SIZE:
	case FSE_REG_IRQ_MASK:
		reg_set(m, reg, val);
		return 0;
	case FSE_REG_CTRL:
		reg_set(m, reg, val & (FSE_CTRL_RUN | FSE_CTRL_RESET));
		break;
	case FSE_REG_DESC_TAIL:
		reg_set(m, reg, val);
		break;
	case FSE_REG_COAL_COUNT:
		if (!(cap & FSE_CAP_COAL_COUNT))
			return 0;
		reg_set(m, reg, val);
		break;
	case FSE_REG_COAL_USECS:
		if (!(cap & FSE_CAP_COAL_USECS))
			return 0;
		reg_set(m, reg, val);
		break;
	case FSE_REG_IRQ_ACK:
		reg_update(m, FSE_REG_IRQ_STATUS, val, 0);
		break;
	default:
		/* Read only, or unlisted: writes are ignored. */
		return 0;
	}
	fse_model_kick(m);
	return 0;
}

static const struct regmap_config fse_model_regmap_config = {
	.reg_bits = 32,
	.val_bits = 32,
	.reg_stride = 4,
	.max_register = FSE_REG_SPAN - 4,
	.reg_read = fse_model_reg_read,
	.reg_write = fse_model_reg_write,
	/* The callbacks are atomic; the driver calls them in hard IRQs. */
	.disable_locking = true,
};

/* ---- the device --------------------------------------------------------- */

/* Host memory at bus address @addr, or NULL if it is not RAM. */
static void *fse_model_mem(u64 addr, u32 len)
{
	if (!len || !pfn_valid(PHYS_PFN(addr)) ||
	    !pfn_valid(PHYS_PFN(addr + len - 1)) ||
	    PageHighMem(pfn_to_page(PHYS_PFN(addr + len - 1))))
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
	/* The driver's IRQ_ACK clears bits concurrently. */
	reg_update(m, FSE_REG_IRQ_STATUS, 0, why);
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

/* RESET: every RW register and the device state to 0, DROPS kept. */
static void fse_model_reset(struct fse_model *m)
{
	u32 i;

	m->running = false;
	m->head = 0;
	m->produced = 0;
	m->lost = 0;
	m->unsignalled = 0;
	m->next_ns = 0;
	m->stall_until = 0;
	for (i = FSE_REG_STATUS; i < FSE_REG_SPAN; i += 4)
		if (i != FSE_REG_DROPS)
			reg_set(m, i, 0);
	/*
	 * CTRL last: once the host reads RESET clear, it may program the
	 * registers, and no write of ours may come after its.
	 */
	smp_wmb();
	reg_set(m, FSE_REG_CTRL, 0);
}

/*
 * RUN clear: abandon the moderation window (no further completion, no
 * further interrupt for it) and report not running.
 */
static void fse_model_halt(struct fse_model *m)
{
	m->running = false;
	m->unsignalled = 0;
	/* Our last writes to host memory before "not running". */
	smp_mb();
	reg_set(m, FSE_REG_STATUS, reg_get(m, FSE_REG_STATUS) &
		~FSE_STATUS_RUNNING);
}

/*
 * Go on producing: RUN set and no RESET, or stuck; never while gone (a
 * removed device writes no memory).
 */
static bool fse_model_go(struct fse_model *m)
{
	return m->running && !READ_ONCE(m->gone) &&
	       (READ_ONCE(m->stuck) ||
		reg_get(m, FSE_REG_CTRL) == FSE_CTRL_RUN);
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
 * there is none. Returns false if flow control says wait instead, or the
 * rings are unusable (the device stops).
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
	void *buf = NULL;
	u64 addr;

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
		m->running = false;
		reg_update(m, FSE_REG_CTRL, FSE_CTRL_RUN, 0);
		reg_set(m, FSE_REG_STATUS, FSE_STATUS_HALTED);
		fse_model_error(m, FSE_ERR_DESC);
		return false;
	}
	/* Descriptor contents only after seeing the doorbell. */
	dma_rmb();
	bytes = le32_to_cpu(desc->len);
	want = READ_ONCE(m->len);
	if (want && want < bytes)
		bytes = want;
	addr = le64_to_cpu(desc->addr);
	if ((reg_get(m, FSE_REG_CAPS) & FSE_CAP_ADDR64) || !(addr >> 32))
		buf = fse_model_mem(addr, bytes);
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
	cpl->sequence = cpu_to_le32((u32)m->produced +
				    !!atomic_add_unless(&m->bad_seq, -1, 0));
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

/* When the moderation window of the unsignalled completions ends, or 0. */
static u64 fse_model_window_end(struct fse_model *m)
{
	u32 usecs = reg_get(m, FSE_REG_COAL_USECS);

	if (!m->unsignalled || !usecs)
		return 0;
	return m->first_ns + (u64)usecs * NSEC_PER_USEC;
}

/* Raise the completion interrupt if the moderation rules say so. */
static void fse_model_signal(struct fse_model *m, u64 now)
{
	u32 count = max(reg_get(m, FSE_REG_COAL_COUNT), 1U);
	u64 end = fse_model_window_end(m);

	if (!m->unsignalled)
		return;
	if (m->unsignalled >= count || (end && now >= end))
		fse_model_raise(m, FSE_IRQ_COMPLETION);
}

/* The earlier of @wake and the end of the moderation window. */
static u64 fse_model_deadline(struct fse_model *m, u64 wake)
{
	u64 end = fse_model_window_end(m);

	return end && end < wake ? end : wake;
}

/**
 * fse_model_step() - one pass of the device
 * @m: the model.
 *
 * Return: when to run the next pass: 0 or a time not later than now for
 * at once, FSE_MODEL_IDLE for "when a register or knob is written", else
 * a CLOCK_MONOTONIC time in ns (the next buffer, the end of a moderation
 * window or of a stall).
 */
static u64 fse_model_step(struct fse_model *m)
{
	u32 ctrl = reg_get(m, FSE_REG_CTRL);
	u32 rate = READ_ONCE(m->rate);
	u32 n, budget;
	u64 now, wake;

	/* Removed: nothing happens until it comes back (a knob write). */
	if (READ_ONCE(m->gone))
		return FSE_MODEL_IDLE;
	if (!READ_ONCE(m->stuck)) {
		if (ctrl & FSE_CTRL_RESET) {
			fse_model_reset(m);
			return FSE_MODEL_IDLE;
		}
		if (!(ctrl & FSE_CTRL_RUN)) {
			fse_model_halt(m);
			return FSE_MODEL_IDLE;
		}
	}
	if (ctrl & FSE_CTRL_RUN)
		m->running = true;
	if (!m->running)
		return FSE_MODEL_IDLE;
	reg_set(m, FSE_REG_STATUS, FSE_STATUS_RUNNING);

	n = atomic_xchg(&m->spurious_irq, 0);
	while (n--) {
		atomic64_inc(&m->irqs_raised);
		irq_work_queue(&m->irq_work);
	}
	now = ktime_get_ns();
	n = atomic_xchg(&m->stall_ms, 0);
	if (n) {
		m->stall_until = now + (u64)n * NSEC_PER_MSEC;
		m->next_ns = 0;
	}
	if (m->stall_until > now) {
		fse_model_signal(m, now);
		return fse_model_deadline(m, m->stall_until);
	}

	budget = atomic_xchg(&m->burst, 0);
	if (rate) {
		if (!m->next_ns)
			m->next_ns = now;
		while (m->next_ns <= now && budget < FSE_MODEL_BUDGET) {
			budget++;
			m->next_ns += NSEC_PER_SEC / rate;
		}
	} else {
		budget = max(budget, FSE_MODEL_BUDGET);
	}
	/* Between buffers, a stop or reset takes effect at once. */
	while (budget-- && fse_model_go(m) && fse_model_produce(m))
		fse_model_signal(m, ktime_get_ns());
	if (!fse_model_go(m))
		return 0;

	now = ktime_get_ns();
	fse_model_signal(m, now);
	/* Flat out with descriptors left: yield, then go on. */
	if (!rate && m->head != reg_get(m, FSE_REG_DESC_TAIL))
		return 0;
	wake = rate ? m->next_ns : FSE_MODEL_IDLE;
	return fse_model_deadline(m, wake);
}

/* Sleep until @until (see fse_model_step()) or a kick. */
static void fse_model_sleep(struct fse_model *m, u64 until)
{
	u64 now = ktime_get_ns();
	ktime_t expires;

	if (until <= now) {
		cond_resched();
		return;
	}
	set_current_state(TASK_INTERRUPTIBLE);
	if (atomic_read(&m->kick) || kthread_should_stop()) {
		__set_current_state(TASK_RUNNING);
		return;
	}
	if (until == FSE_MODEL_IDLE) {
		schedule();
		return;
	}
	expires = ns_to_ktime(until);
	schedule_hrtimeout_range(&expires,
				 min_t(u64, (until - now) / 8,
				       100 * NSEC_PER_USEC),
				 HRTIMER_MODE_ABS);
}

static int fse_model_thread(void *data)
{
	struct fse_model *m = data;

	while (!kthread_should_stop()) {
		/* Full barrier: the registers are read after the flag. */
		atomic_xchg(&m->kick, 0);
		fse_model_sleep(m, fse_model_step(m));
	}
	return 0;
}

/* ---- sysfs knobs, faults and counters on the model device --------------- */

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
	struct fse_model *m = to_model(dev);
	void *field = (void *)m + k->offset;
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
	/* A device that comes back was powered off: not running. */
	if (k->offset == offsetof(struct fse_model, gone) && !val)
		reg_set(m, FSE_REG_CTRL, 0);
	/* E.g. rate 0 -> N while idle, or stuck 1 -> 0. */
	fse_model_kick(m);
	return count;
}

/* A knob named like its field in struct fse_model. */
#define FSE_KNOB(_name, _limit, _fault)					\
	struct fse_knob fse_knob_##_name = {				\
		.attr = {						\
			.attr = { .name = #_name, .mode = 0644 },	\
			.show = fse_knob_show,				\
			.store = fse_knob_store,			\
		},							\
		.offset = offsetof(struct fse_model, _name),		\
		.limit = _limit,					\
		.fault = _fault,					\
	}

/* buffers per second; 0: flat out with flow control */
static FSE_KNOB(rate, 10000000, false);
/* enum fse_fill */
static FSE_KNOB(fill, FSE_FILL_FULL, false);
/* bytes per buffer; 0: the descriptor's length */
static FSE_KNOB(len, FSE_MODEL_MAX_LEN, false);
/* 1: ignore RUN clear and RESET, keep running */
static FSE_KNOB(stuck, 1, false);
/* 1: registers read all-ones, writes are lost (surprise removal) */
static FSE_KNOB(gone, 1, false);
static FSE_KNOB(miss_irq, 1000, true);
static FSE_KNOB(spurious_irq, 1000, true);
static FSE_KNOB(short_xfer, 1000, true);
static FSE_KNOB(bus_error, 1000, true);
static FSE_KNOB(stall_ms, 10000, true);
static FSE_KNOB(burst, 1024, true);
static FSE_KNOB(bad_seq, 1000, true);

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
	&fse_knob_rate.attr.attr,
	&fse_knob_fill.attr.attr,
	&fse_knob_len.attr.attr,
	&fse_knob_stuck.attr.attr,
	&fse_knob_miss_irq.attr.attr,
	&fse_knob_spurious_irq.attr.attr,
	&fse_knob_short_xfer.attr.attr,
	&fse_knob_bus_error.attr.attr,
	&fse_knob_stall_ms.attr.attr,
	&fse_knob_burst.attr.attr,
	&fse_knob_gone.attr.attr,
	&fse_knob_bad_seq.attr.attr,
	&dev_attr_produced.attr,
	&dev_attr_dropped.attr,
	&dev_attr_irqs_raised.attr,
	NULL,
};
ATTRIBUTE_GROUPS(fse_model);

/* ---- creation and teardown ---------------------------------------------- */

static void fse_model_release(struct device *dev)
{
	struct fse_model *m = to_model(dev);

	if (m->thread)
		put_task_struct(m->thread);
	of_node_put(m->np);
	ida_free(&fse_model_ida, m->id);
	kfree(m);
	if (atomic_dec_and_test(&fse_model_live))
		wake_up_var(&fse_model_live);
}

/* Device-tree models: hwirq 0 of the node's domain is the model's. */
static int fse_model_irq_map(struct irq_domain *d, unsigned int virq,
			     irq_hw_number_t hwirq)
{
	irq_set_chip_and_handler(virq, &dummy_irq_chip, handle_simple_irq);
	/* 32-bit ARM creates descriptors IRQ_NOREQUEST (ARCH_IRQ_INIT_FLAGS). */
	irq_clear_status_flags(virq, IRQ_NOREQUEST);
	return 0;
}

static const struct irq_domain_ops fse_model_irq_ops = {
	.map = fse_model_irq_map,
	.xlate = irq_domain_xlate_onecell,
};

/* The interrupt the model raises: a descriptor of its own, or hwirq 0. */
static int fse_model_irq_init(struct fse_model *m)
{
	if (!m->np) {
		/*
		 * From 1: 0 is no valid interrupt, and free where nothing
		 * claimed the legacy ones (arm64; x86 always has 0 taken
		 * by its timer).
		 */
		m->irq = __irq_alloc_descs(-1, 1, 1, NUMA_NO_NODE, NULL, NULL);
		if (m->irq < 0)
			return m->irq;
		fse_model_irq_map(NULL, m->irq, 0);
		return 0;
	}
	m->domain = irq_domain_create_linear(of_fwnode_handle(m->np), 1,
					     &fse_model_irq_ops, m);
	if (!m->domain)
		return -ENOMEM;
	m->irq = irq_create_mapping(m->domain, 0);
	return m->irq ? 0 : -EINVAL;
}

static void fse_model_irq_exit(struct fse_model *m)
{
	if (!m->domain) {
		if (m->irq > 0)
			irq_free_desc(m->irq);
		return;
	}
	if (m->irq > 0)
		irq_dispose_mapping(m->irq);
	irq_domain_remove(m->domain);
}

/**
 * fse_model_destroy() - remove one model
 * @m:          the model.
 * @registered: device_add() of @m->dev succeeded.
 *
 * The driver unbinds first (platform_device_unregister() of the child, or
 * of_platform_depopulate() of a device-tree model's children), so the
 * model stops only once nothing drives it. Then the thread stops, the
 * interrupt goes, the regmap goes, and the model device is deleted;
 * deleting it drains active sysfs readers and writers, and its release
 * frees @m once the last reference (the child's, which an open file of
 * the driver may hold for a while) is gone.
 */
static void fse_model_destroy(struct fse_model *m, bool registered)
{
	if (m->pdev)
		platform_device_unregister(m->pdev);
	if (m->np)
		of_platform_depopulate(&m->dev);
	if (m->thread)
		kthread_stop(m->thread);
	irq_work_sync(&m->irq_work);
	fse_model_irq_exit(m);
	if (!IS_ERR_OR_NULL(m->regmap))
		regmap_exit(m->regmap);
	if (registered)
		device_unregister(&m->dev);
	else
		put_device(&m->dev);
}

/* The child the driver binds: platform device "fpgadma-stream".@id. */
static int fse_model_add_child(struct fse_model *m)
{
	struct resource res = DEFINE_RES_IRQ(m->irq);
	int ret;

	m->pdev = platform_device_alloc("fpgadma-stream", m->id);
	if (!m->pdev)
		return -ENOMEM;
	m->pdev->dev.parent = &m->dev;
	ret = platform_device_add_resources(m->pdev, &res, 1);
	if (!ret)
		ret = platform_device_add(m->pdev);
	if (ret) {
		platform_device_put(m->pdev);
		m->pdev = NULL;
	}
	return ret;
}

/**
 * fse_model_new() - create one model
 * @np: a device-tree model's node, else NULL. The model device stands for
 *      it (as the regmap's device and the parent of the node's children,
 *      which fpgadma binds), beside the platform device the model driver
 *      bound, so that both kinds of model look the same from user space.
 */
static struct fse_model *fse_model_new(struct device_node *np)
{
	struct task_struct *thread;
	struct fse_model *m;
	bool registered = false;
	int id, ret;

	id = ida_alloc(&fse_model_ida, GFP_KERNEL);
	if (id < 0)
		return ERR_PTR(id);
	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m) {
		ida_free(&fse_model_ida, id);
		return ERR_PTR(-ENOMEM);
	}
	atomic_inc(&fse_model_live);
	m->id = id;
	m->dev.release = fse_model_release;
	m->dev.groups = fse_model_groups;
	device_initialize(&m->dev);
	m->np = of_node_get(np);
	if (np)
		device_set_node(&m->dev, of_fwnode_handle(np));
	m->fill = FSE_FILL_FULL;
	reg_set(m, FSE_REG_ID, FSE_ID_MAGIC);
	reg_set(m, FSE_REG_VERSION, FSE_VERSION_MAJOR << 16 | FSE_VERSION_MINOR);
	reg_set(m, FSE_REG_CAPS, caps);
	reg_set(m, FSE_REG_RING_MAX, FSE_MODEL_RING_MAX);
	reg_set(m, FSE_REG_MAX_LEN, FSE_MODEL_MAX_LEN);
	/* Raise the interrupt from hard IRQ context, also on PREEMPT_RT. */
	m->irq_work = IRQ_WORK_INIT_HARD(fse_model_irq_work);

	ret = dev_set_name(&m->dev, "fpgadma-model.%u", m->id);
	if (ret)
		goto err;
	/* Attached to the device: dev_get_regmap() finds it. */
	m->regmap = regmap_init(&m->dev, NULL, m, &fse_model_regmap_config);
	if (IS_ERR(m->regmap)) {
		ret = PTR_ERR(m->regmap);
		goto err;
	}

	/*
	 * No owner module: fpgadma requests the interrupt, and a reference
	 * on this module would then refuse its unload while fpgadma is
	 * bound; the unload unbinds fpgadma before it frees the interrupt.
	 */
	ret = fse_model_irq_init(m);
	if (ret)
		goto err;

	thread = kthread_create(fse_model_thread, m, "fpgadma-model/%u", m->id);
	if (IS_ERR(thread)) {
		ret = PTR_ERR(thread);
		goto err;
	}
	m->thread = get_task_struct(thread);
	wake_up_process(thread);

	ret = device_add(&m->dev);
	if (ret)
		goto err;
	registered = true;
	if (m->np)
		ret = of_platform_populate(np, NULL, NULL, &m->dev);
	else
		ret = fse_model_add_child(m);
	if (ret)
		goto err;
	return m;

err:
	fse_model_destroy(m, registered);
	return ERR_PTR(ret);
}

static int fse_model_of_probe(struct platform_device *pdev)
{
	struct fse_model *m = fse_model_new(pdev->dev.of_node);

	if (IS_ERR(m))
		return PTR_ERR(m);
	platform_set_drvdata(pdev, m);
	return 0;
}

static void fse_model_of_remove(struct platform_device *pdev)
{
	fse_model_destroy(platform_get_drvdata(pdev), true);
}

static const struct of_device_id fse_model_of_ids[] = {
	{ .compatible = "fpgadma,model-1.0" },
	{ }
};
MODULE_DEVICE_TABLE(of, fse_model_of_ids);

static struct platform_driver fse_model_of_driver = {
	.driver = {
		.name = "fpgadma-model",
		.of_match_table = fse_model_of_ids,
		/* A model goes with its module, never by a sysfs unbind. */
		.suppress_bind_attrs = true,
	},
	.probe = fse_model_of_probe,
	.FPGADMA_PLATFORM_REMOVE = fse_model_of_remove,
};

static void fse_model_destroy_all(void)
{
	unsigned int i = FSE_MODEL_MAX_DEVICES;

	while (i--) {
		if (fse_models[i])
			fse_model_destroy(fse_models[i], true);
		fse_models[i] = NULL;
	}
	/*
	 * The release callbacks are this module's code: wait for the last
	 * one, which an open file of a model's fpgadma node may delay.
	 */
	wait_var_event(&fse_model_live, !atomic_read(&fse_model_live));
}

/* Without the parameter: one model, or none beside device-tree ones. */
static int fse_model_count(void)
{
	struct device_node *np;

	if (devices >= 0)
		return devices;
	np = of_find_compatible_node(NULL, NULL, "fpgadma,model-1.0");
	of_node_put(np);
	return np ? 0 : 1;
}

static int __init fse_model_init(void)
{
	int i, n = fse_model_count();
	struct fse_model *m;
	int ret;

	if (n > FSE_MODEL_MAX_DEVICES)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		m = fse_model_new(NULL);
		if (IS_ERR(m)) {
			fse_model_destroy_all();
			return PTR_ERR(m);
		}
		fse_models[i] = m;
	}
	ret = platform_driver_register(&fse_model_of_driver);
	if (ret)
		fse_model_destroy_all();
	return ret;
}

static void __exit fse_model_exit(void)
{
	platform_driver_unregister(&fse_model_of_driver);
	fse_model_destroy_all();
}

module_init(fse_model_init);
module_exit(fse_model_exit);

MODULE_DESCRIPTION("Software model of the fpgadma stream engine (test double)");
MODULE_AUTHOR("fpgadma developers");
MODULE_LICENSE("GPL");
