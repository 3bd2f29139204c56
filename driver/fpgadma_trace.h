/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fpgadma tracepoints (TRACE_SYSTEM fpgadma). Enable them through tracefs:
 *   echo 1 > /sys/kernel/tracing/events/fpgadma/enable
 * Every event names its device by minor number (fpgadmaN). Disabled, each
 * costs one static branch at its call site.
 *
 * fpgadma_trace.c defines the events (CREATE_TRACE_POINTS); everything else
 * only includes this header.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM fpgadma

#if !defined(FPGADMA_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define FPGADMA_TRACE_H

#include <linux/kdev_t.h>
#include <linux/tracepoint.h>

#include "fpgadma_core.h"

#define FPGADMA_TRACE_MINOR(fdev)	MINOR((fdev)->dev.devt)

/* The interrupt handler ran; @handled says whether it was ours. */
TRACE_EVENT(fpgadma_irq,
	    TP_PROTO(const struct fpgadma_dev *fdev, int irq, bool handled),
	    TP_ARGS(fdev, irq, handled),
	    TP_STRUCT__entry(__field(u32, minor)
			     __field(int, irq)
			     __field(bool, handled)),
	    TP_fast_assign(__entry->minor = FPGADMA_TRACE_MINOR(fdev);
			   __entry->irq = irq;
			   __entry->handled = handled;),
	    TP_printk("fpgadma%u irq=%d handled=%d", __entry->minor,
		      __entry->irq, __entry->handled)
);

/* A buffer the device filled reached the done queue. */
TRACE_EVENT(fpgadma_complete,
	    TP_PROTO(const struct fpgadma_dev *fdev, u32 index, u32 bytes,
		     u64 sequence, u32 flags, u32 lost),
	    TP_ARGS(fdev, index, bytes, sequence, flags, lost),
	    TP_STRUCT__entry(__field(u32, minor)
			     __field(u32, index)
			     __field(u32, bytes)
			     __field(u32, flags)
			     __field(u32, lost)
			     __field(u64, sequence)),
	    TP_fast_assign(__entry->minor = FPGADMA_TRACE_MINOR(fdev);
			   __entry->index = index;
			   __entry->bytes = bytes;
			   __entry->flags = flags;
			   __entry->lost = lost;
			   __entry->sequence = sequence;),
	    TP_printk("fpgadma%u index=%u bytes=%u seq=%llu flags=0x%x lost=%u",
		      __entry->minor, __entry->index, __entry->bytes,
		      (unsigned long long)__entry->sequence, __entry->flags,
		      __entry->lost)
);

/* The reader took a done buffer: its record reached user space. */
TRACE_EVENT(fpgadma_dequeue,
	    TP_PROTO(const struct fpgadma_dev *fdev, u32 index, u64 sequence),
	    TP_ARGS(fdev, index, sequence),
	    TP_STRUCT__entry(__field(u32, minor)
			     __field(u32, index)
			     __field(u64, sequence)),
	    TP_fast_assign(__entry->minor = FPGADMA_TRACE_MINOR(fdev);
			   __entry->index = index;
			   __entry->sequence = sequence;),
	    TP_printk("fpgadma%u index=%u seq=%llu", __entry->minor,
		      __entry->index, (unsigned long long)__entry->sequence)
);

/* The reader gave a buffer back; it goes to the device again. */
TRACE_EVENT(fpgadma_release,
	    TP_PROTO(const struct fpgadma_dev *fdev, u32 index),
	    TP_ARGS(fdev, index),
	    TP_STRUCT__entry(__field(u32, minor)
			     __field(u32, index)),
	    TP_fast_assign(__entry->minor = FPGADMA_TRACE_MINOR(fdev);
			   __entry->index = index;),
	    TP_printk("fpgadma%u index=%u", __entry->minor, __entry->index)
);

/* The device dropped @count buffers' worth of data (no free buffer). */
TRACE_EVENT(fpgadma_drop,
	    TP_PROTO(const struct fpgadma_dev *fdev, u32 count),
	    TP_ARGS(fdev, count),
	    TP_STRUCT__entry(__field(u32, minor)
			     __field(u32, count)),
	    TP_fast_assign(__entry->minor = FPGADMA_TRACE_MINOR(fdev);
			   __entry->count = count;),
	    TP_printk("fpgadma%u count=%u", __entry->minor, __entry->count)
);

/*
 * A reader that found no record ready woke and took its first record:
 * @latency_ns is the time from that record's timestamp (the completion
 * interrupt) to now, the sample the latency histogram counts.
 */
TRACE_EVENT(fpgadma_wakeup,
	    TP_PROTO(const struct fpgadma_dev *fdev, u32 index, u64 sequence,
		     u64 latency_ns),
	    TP_ARGS(fdev, index, sequence, latency_ns),
	    TP_STRUCT__entry(__field(u32, minor)
			     __field(u32, index)
			     __field(u64, sequence)
			     __field(u64, latency_ns)),
	    TP_fast_assign(__entry->minor = FPGADMA_TRACE_MINOR(fdev);
			   __entry->index = index;
			   __entry->sequence = sequence;
			   __entry->latency_ns = latency_ns;),
	    TP_printk("fpgadma%u index=%u seq=%llu latency_ns=%llu",
		      __entry->minor, __entry->index,
		      (unsigned long long)__entry->sequence,
		      (unsigned long long)__entry->latency_ns)
);
#endif /* FPGADMA_TRACE_H */

/* Out of tree: define_trace.h finds this header through the -I path. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE fpgadma_trace
#include <trace/define_trace.h>
