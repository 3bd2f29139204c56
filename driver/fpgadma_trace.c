// SPDX-License-Identifier: GPL-2.0-only
/*
 * fpgadma tracepoints: the one place that defines them, and the helpers
 * the character device and the core call where a batch of buffers changes
 * hands.
 */
#include <linux/ktime.h>

#include <uapi/fpgadma.h>

#include "fpgadma_core.h"

#define CREATE_TRACE_POINTS
#include "fpgadma_trace.h"

/**
 * fpgadma_trace_taken() - the reader took buffers: trace, and measure
 * @fdev:  the device.
 * @rec:   their records, as user space got them, in ring order.
 * @n:     how many (at least one).
 * @waited: the file found no record ready (a read() that then waited or
 *          got EAGAIN, or a poll() that said not ready) since it last took
 *          one. The first record it takes now completed after that moment:
 *          it gives one latency sample (now minus the record's timestamp,
 *          taken at the completion interrupt), and *@waited is cleared.
 *
 * Called after the buffers were dequeued, outside every spinlock.
 */
void fpgadma_trace_taken(struct fpgadma_dev *fdev,
			 const struct fpgadma_record *rec, u32 n, bool *waited)
{
	u32 i;

	if (trace_fpgadma_dequeue_enabled())
		for (i = 0; i < n; i++)
			trace_fpgadma_dequeue(fdev, rec[i].index,
					      rec[i].sequence);
	if (READ_ONCE(*waited) && n) {
		u64 now = ktime_get_ns();
		u64 lat = now > rec->timestamp_ns ? now - rec->timestamp_ns : 0;

		WRITE_ONCE(*waited, false);
		fpgadma_lat_add(&fdev->lat, lat);
		trace_fpgadma_wakeup(fdev, rec->index, rec->sequence, lat);
	}
}

/**
 * fpgadma_trace_released() - the reader gave buffers back
 * @fdev:  the device.
 * @index: the buffers.
 * @n:     how many.
 */
void fpgadma_trace_released(struct fpgadma_dev *fdev, const u32 *index, u32 n)
{
	u32 i;

	if (trace_fpgadma_release_enabled())
		for (i = 0; i < n; i++)
			trace_fpgadma_release(fdev, index[i]);
}
