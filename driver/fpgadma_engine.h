/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The contract between the fpgadma core and one kind of DMA hardware (an
 * "engine"). An engine is one file: it programs its hardware with the
 * buffers the core hands it and reports back through the fpgadma_report_*()
 * calls below. It never sees the ring, its lock or the readers: the core
 * owns buffer ownership, sequence numbers, timestamps, drop accounting and
 * wakeups. docs/porting.md walks through writing one; fpgadma_edu.c is the
 * short worked example.
 *
 * Context of the calls:
 *
 *   probe, remove, start, stop, set_coalesce   process context, may sleep,
 *                                              serialised by the core
 *   queue                                      process context, must not
 *                                              sleep; serialised with each
 *                                              other and with start/stop
 *   irq                                        hard interrupt context
 *
 * The fpgadma_report_*() calls may be made from any context, also with the
 * engine's own locks held: the core never calls the engine with its ring
 * lock held.
 */
#ifndef FPGADMA_ENGINE_H
#define FPGADMA_ENGINE_H

#include <linux/interrupt.h>
#include <linux/types.h>

struct device;
struct regmap;
struct fpgadma_dev;

/**
 * struct fpgadma_hw - what the bus glue found for the engine
 * @dev:    the bus device: DMA, devm_*() and dev_*() logging go to it.
 * @regs:   the register window, mapped for the binding, or NULL.
 * @regmap: the registers as a regmap (e.g. given by a parent device), or
 *          NULL. An engine uses what it needs and fails its probe with
 *          -ENODEV if that is missing.
 * @irq:    the interrupt, or 0 if the device has none (then the engine
 *          has no @irq operation and learns of completions another way,
 *          e.g. from the callbacks of a dmaengine channel).
 */
struct fpgadma_hw {
	struct device *dev;
	void __iomem *regs;
	struct regmap *regmap;
	int irq;
};

/**
 * struct fpgadma_engine_info - what an engine tells the core at probe
 * @max_count:   in: the most buffers the core will ever use; out: the
 *               most the engine can have queued at once.
 * @max_size:    largest buffer it can fill (0: no limit).
 * @max_xfer:    most bytes it writes into one buffer (reported to users).
 * @dma_bits:    the DMA mask it set (reported to users).
 * @def_count:   default number of buffers.
 * @def_size:    default buffer size (a multiple of PAGE_SIZE).
 * @coalesce:    it implements ->set_coalesce on this hardware.
 * @dma_dev:     the device that does the DMA: the buffers are allocated,
 *               mapped and synced for it. NULL (the default): @hw->dev.
 *               An engine that drives another driver's DMA controller
 *               (a dmaengine channel) names that controller's device here;
 *               the core holds a reference on it while buffers live.
 */
struct fpgadma_engine_info {
	u32 max_count;
	u32 max_size;
	u32 max_xfer;
	u32 dma_bits;
	u32 def_count;
	u32 def_size;
	bool coalesce;
	struct device *dma_dev;
};

/**
 * struct fpgadma_xfer - one buffer handed to the device
 * @index: the buffer, to be given back in its fpgadma_done.
 * @len:   its size in bytes.
 * @dma:   its bus address.
 */
struct fpgadma_xfer {
	u32 index;
	u32 len;
	dma_addr_t dma;
};

/**
 * struct fpgadma_done - one buffer the device filled
 * @index:        the buffer (from its fpgadma_xfer).
 * @bytes:        bytes written, at most the buffer's length.
 * @flags:        FPGADMA_REC_ERROR, FPGADMA_REC_SHORT.
 * @lost:         buffers the device dropped just before this one.
 * @timestamp_ns: the device's CLOCK_MONOTONIC time of the completion, or 0
 *                to have the core take the time of the report.
 */
struct fpgadma_done {
	u32 index;
	u32 bytes;
	u32 flags;
	u32 lost;
	u64 timestamp_ns;
};

/**
 * struct fpgadma_engine_ops - the engine's half of the contract
 * @probe:        check the hardware, set the DMA mask, fill @info; may use
 *                devm_*() on @hw->dev. Store private state with
 *                fpgadma_set_engine_data().
 * @remove:       optional: undo what @probe did outside devm. The engine
 *                is stopped and its interrupt freed.
 * @start:        start filling the @n buffers of @x, in that order (the
 *                whole ring). Returns 0 or an errno (nothing started).
 * @stop:         stop: on success no transfer is in flight, no buffer will
 *                be written and no completion reported any more. Return
 *                -EIO (or another errno) if the device may still write:
 *                the core then never reuses or frees the buffers until a
 *                later @stop or @start succeeds. -ENODEV if the device is
 *                gone (surprise removal): the core treats it as stopped.
 * @queue:        give the device @n more buffers, to fill after those it
 *                has, in this order. Only called between a successful
 *                @start and @stop.
 * @set_coalesce: optional, only called if @probe set info->coalesce:
 *                interrupt after @count completions or @usecs after the
 *                first one not yet signalled; -EINVAL for values the
 *                hardware cannot do.
 * @irq:          interrupt handler; report with fpgadma_report_*(). Return
 *                IRQ_NONE if the device did not interrupt (shared line).
 *                Optional: an engine without one needs no interrupt from
 *                the bus glue (hw->irq may be 0); one with it fails to
 *                probe without an interrupt.
 */
struct fpgadma_engine_ops {
	int (*probe)(struct fpgadma_dev *fdev, const struct fpgadma_hw *hw,
		     struct fpgadma_engine_info *info);
	void (*remove)(struct fpgadma_dev *fdev);
	int (*start)(struct fpgadma_dev *fdev, const struct fpgadma_xfer *x,
		     u32 n);
	int (*stop)(struct fpgadma_dev *fdev);
	void (*queue)(struct fpgadma_dev *fdev, const struct fpgadma_xfer *x,
		      u32 n);
	int (*set_coalesce)(struct fpgadma_dev *fdev, u32 count, u32 usecs);
	irqreturn_t (*irq)(struct fpgadma_dev *fdev);
};

/**
 * struct fpgadma_engine - an engine, as the bus glue's match tables name it
 * @name:    reported to users (INFO, sysfs).
 * @pci_bar: the PCI BAR that holds its registers (PCI devices only).
 * @ops:     its operations.
 *
 * A match table line points at one of these (fpgadma_ids.c).
 */
struct fpgadma_engine {
	const char *name;
	int pci_bar;
	struct fpgadma_engine_ops ops;
};

void fpgadma_set_engine_data(struct fpgadma_dev *fdev, void *data);
void *fpgadma_engine_data(struct fpgadma_dev *fdev);
void fpgadma_report_done(struct fpgadma_dev *fdev,
			 const struct fpgadma_done *done, u32 n);
void fpgadma_report_lost(struct fpgadma_dev *fdev, u32 n);
void fpgadma_report_error(struct fpgadma_dev *fdev);
void fpgadma_report_starved(struct fpgadma_dev *fdev, bool starved);

#endif /* FPGADMA_ENGINE_H */
