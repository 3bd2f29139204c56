/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fpgadma shared release ring, the kernel's side of one pass: pure code
 * with no locking, allocation or barrier of its own, so that the host tests
 * (tests/host/shring_test.c, also under ThreadSanitizer) build it
 * unchanged. The caller holds fdev->ring_lock, loads the user's producer
 * with smp_load_acquire() (pair (D) of the UAPI header) and publishes the
 * new consumer with smp_store_release() (E).
 */
#ifndef FPGADMA_SHRING_H
#define FPGADMA_SHRING_H

#include <linux/types.h>

#include "fpgadma_ring.h"

/**
 * struct fpgadma_shring_stats - what one or more passes found
 * @released: entries accepted (the buffer went back to the device).
 * @invalid:  entries refused: out of range, not held, or repeated.
 * @garbage:  passes that found the producer more than the ring's size
 *            ahead of the consumer (nothing consumed).
 */
struct fpgadma_shring_stats {
	u64 released;
	u64 invalid;
	u64 garbage;
};

u32 fpgadma_shring_take(struct fpgadma_ring *ring, const u32 *slots,
			u32 entries, u32 prod, u32 *cons, u32 *accept, u32 n,
			struct fpgadma_shring_stats *st);

#endif /* FPGADMA_SHRING_H */
