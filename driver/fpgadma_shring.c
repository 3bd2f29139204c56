// SPDX-License-Identifier: GPL-2.0-only
/*
 * fpgadma shared release ring: one pass of the kernel's consumer (see
 * fpgadma_shring.h). Every entry is user memory: read once, bounds
 * checked, and accepted only if the ring's ownership state says the user
 * holds that buffer.
 */
#include <linux/build_bug.h>
#include <linux/compiler.h>
#include <linux/nospec.h>
#include <linux/types.h>

#include "fpgadma_shring.h"

/**
 * fpgadma_shring_take() - consume the release ring up to the user's producer
 * @ring:    the ownership state; its USER buffers may be released.
 * @slots:   the ring's @entries indices (user memory).
 * @entries: a power of two.
 * @prod:    the user's producer, loaded once by the caller.
 * @cons:    in: the kernel's consumer; out: advanced past what was read.
 * @accept:  accepted indices are appended here, from @n on (room for the
 *           ring's count: each one was a USER buffer).
 * @n:       indices already in @accept.
 * @st:      counters, added to.
 *
 * A producer more than @entries ahead of *@cons is garbage: nothing is
 * consumed and @st->garbage counts the pass, so that a consumer that fixes
 * its producer carries on where the kernel stopped.
 *
 * Return: the number of indices in @accept now.
 */
u32 fpgadma_shring_take(struct fpgadma_ring *ring, const u32 *slots,
			u32 entries, u32 prod, u32 *cons, u32 *accept, u32 n,
			struct fpgadma_shring_stats *st)
{
	u32 avail = prod - *cons, count = ring->count, i, index;

	if (avail > entries) {
		st->garbage++;
		return n;
	}
	for (i = 0; i < avail; i++) {
		index = READ_ONCE(slots[(*cons + i) & (entries - 1)]);
		if (index >= count) {
			st->invalid++;
			continue;
		}
		index = array_index_nospec(index, count);
		/* Not held, or repeated (then no longer held): refused. */
		if (fpgadma_ring_release(ring, &index, 1)) {
			st->invalid++;
			continue;
		}
		accept[n++] = index;
		st->released++;
	}
	*cons += avail;
	return n;
}
