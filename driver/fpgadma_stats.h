/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fpgadma observability: the interrupt-to-wakeup latency histogram of a
 * device, its debugfs file, and the helpers that feed the tracepoints
 * (fpgadma_trace.h) from the core and the character device.
 */
#ifndef FPGADMA_STATS_H
#define FPGADMA_STATS_H

#include <linux/atomic.h>
#include <linux/types.h>

struct dentry;
struct fpgadma_dev;
struct fpgadma_record;

/* Bucket b counts samples in [2^b, 2^(b+1)) ns; 0 also 0 ns, the last all above. */
#define FPGADMA_LAT_BUCKETS	32

/**
 * struct fpgadma_lat - interrupt-to-wakeup latency histogram
 * @bucket: samples per log2 bucket of nanoseconds.
 * @min_ns: smallest sample since the last reset (U64_MAX: none).
 * @max_ns: largest sample since the last reset.
 * @sum_ns: sum of the samples.
 *
 * Updated without a lock (atomics), read without one: a reader racing
 * with updates or a reset sees each counter consistent on its own.
 */
struct fpgadma_lat {
	atomic64_t bucket[FPGADMA_LAT_BUCKETS];
	atomic64_t min_ns;
	atomic64_t max_ns;
	atomic64_t sum_ns;
};

void fpgadma_lat_reset(struct fpgadma_lat *lat);
void fpgadma_lat_add(struct fpgadma_lat *lat, u64 ns);

void fpgadma_debugfs_init(void);
void fpgadma_debugfs_exit(void);
void fpgadma_debugfs_add(struct fpgadma_dev *fdev);
void fpgadma_debugfs_remove(struct fpgadma_dev *fdev);

/* fpgadma_trace.c */
void fpgadma_trace_taken(struct fpgadma_dev *fdev,
			 const struct fpgadma_record *rec, u32 n, bool *waited);
void fpgadma_trace_released(struct fpgadma_dev *fdev, const u32 *index,
			    u32 n);

#endif /* FPGADMA_STATS_H */
